"""Official holiday arrangements kept as YAML data: loading and validating one file.

A national file (`data/cn/2026.yaml`) carries one year of the State Council's notice; an overlay
(`data/overlays/*.yaml`) layers a locality's extra holidays, closures or working days on top.
"""

import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from calendars.errors import InvalidCalendarFile

# 全国年节及纪念日放假办法 Art 2: the festivals every national arrangement must cover
FESTIVALS = ("元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节")
_FESTIVAL_WORDS = FESTIVALS + ("农历除夕", "除夕")
_WEEKDAY_ZH = "一二三四五六日"
_DOC_NUMBER = re.compile(r"^\S+〔\d{4}〕\d+号$")


@dataclass(frozen=True)
class DayEntry:
    """One day the arrangement declares a holiday or a working day, with its legal source."""

    day: dt.date
    name: str
    source: str


@dataclass(frozen=True)
class Arrangement:
    """The content of one data file: a national year or a jurisdiction overlay."""

    jurisdiction: str
    year: int | None
    source: str
    holidays: tuple[DayEntry, ...]
    working_days: tuple[DayEntry, ...]
    path: str
    digest: str


def weekday_zh(day: dt.date) -> str:
    return "星期" + _WEEKDAY_ZH[day.weekday()]


def source_label(source: dict) -> str:
    """《title》（number） — the way a notice cites its legal source."""
    title = str(source.get("title") or "").strip()
    number = source.get("number")
    return f"{title}（{number}）" if number else title


def load_arrangement(path: Path | str) -> Arrangement:
    """Parse and validate one data file; any problem raises InvalidCalendarFile."""
    arrangement, problems = _read(Path(path))
    if problems:
        raise InvalidCalendarFile(str(path), problems)
    return arrangement


def check_file(path: Path | str) -> list[str]:
    """Every problem of one data file, in Chinese, each with its line and date."""
    return _read(Path(path))[1]


def _read(path: Path) -> tuple[Arrangement | None, list[str]]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return None, [f"无法读取文件：{exc.strerror}"]
    text = raw.decode("utf-8", errors="replace")
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"第{mark.line + 1}行：" if mark else ""
        return None, [f"{where}YAML 语法错误（{getattr(exc, 'problem', exc)}）"]
    if not isinstance(doc, dict):
        return None, ["文件内容必须是键值映射（year、jurisdiction、source、holidays、working_days）"]
    problems: list[str] = []
    lines = text.splitlines()
    is_overlay = "closures" in doc or "year" not in doc and doc.get("jurisdiction") not in (None, "cn")
    _check_header(doc, path, problems, is_overlay=is_overlay)
    source = doc.get("source") if isinstance(doc.get("source"), dict) else {}
    default_source = source_label(source)
    # a per-day `source` may name an amending notice by its number (e.g. 2019's May Day change)
    named = {str(a.get("number")): source_label(a) for a in doc.get("amendments") or [] if isinstance(a, dict)}
    year = doc.get("year") if isinstance(doc.get("year"), int) else None

    holidays = _entries(doc, "holidays", lines, problems, default_source, named, required=not is_overlay)
    holidays += _closures(doc, lines, problems, default_source)
    working = _entries(doc, "working_days", lines, problems, default_source, named, required=not is_overlay)

    for kind, entries in (("放假日", holidays), ("调休上班日", working)):
        seen: set[dt.date] = set()
        for entry in entries:
            at = _at(lines, entry.day)
            if entry.day in seen:
                problems.append(f"{at}{entry.day}：{kind}重复列出")
            seen.add(entry.day)
            if year is not None and entry.day.year != year:
                problems.append(f"{at}{entry.day}：日期不在文件所述年份 {year} 年内")
    holiday_days = {e.day for e in holidays}
    for entry in working:
        at = _at(lines, entry.day)
        if entry.day.weekday() < 5:
            problems.append(f"{at}{entry.day}：调休上班日必须是周六或周日，该日为{weekday_zh(entry.day)}")
        if entry.day in holiday_days:
            problems.append(f"{at}{entry.day}：同一天既列为放假日又列为调休上班日")
    for entry in holidays:
        if entry.day.weekday() >= 5 and not entry.name.startswith(_FESTIVAL_WORDS) and not is_overlay:
            problems.append(
                f"{_at(lines, entry.day)}{entry.day}：放假日是{weekday_zh(entry.day)}（本为周休日），"
                f"且名称“{entry.name}”不是法定节日，疑为录入错误"
            )
    if not is_overlay and year is not None and not problems:
        names = "".join(e.name for e in holidays)
        missing = [f for f in FESTIVALS if f not in names]
        if missing:
            problems.append(f"缺少法定节日的放假安排：{'、'.join(missing)}")
    if problems:
        return None, problems
    return Arrangement(
        jurisdiction=str(doc["jurisdiction"]),
        year=year,
        source=default_source,
        holidays=tuple(sorted(holidays, key=lambda e: e.day)),
        working_days=tuple(sorted(working, key=lambda e: e.day)),
        path=str(path),
        digest=hashlib.sha256(raw).hexdigest(),
    ), []


def _check_header(doc: dict, path: Path, problems: list[str], *, is_overlay: bool) -> None:
    if not isinstance(doc.get("jurisdiction"), str) or not doc["jurisdiction"].strip():
        problems.append("缺少必填项 jurisdiction（适用地区，如 cn）")
    if not is_overlay:
        year = doc.get("year")
        if not isinstance(year, int) or not 1949 <= year <= 2100:
            problems.append("缺少必填项 year，或 year 不是有效年份")
        elif path.stem.isdigit() and int(path.stem) != year:
            problems.append(f"文件名 {path.name} 与 year: {year} 不一致")
    source = doc.get("source")
    if not isinstance(source, dict) or not str(source.get("title") or "").strip():
        problems.append("缺少必填项 source.title（发布放假安排的通知标题）")
        return
    number = source.get("number")
    if number is not None and not _DOC_NUMBER.match(str(number)):
        problems.append(f"source.number“{number}”不是有效文号（应形如 国办发明电〔2025〕7号），无法核实时请填 null")
    if "published" in source and not isinstance(source["published"], dt.date):
        problems.append("source.published 必须是日期（YYYY-MM-DD）")


def _entries(doc, key, lines, problems, default_source, named, *, required) -> list[DayEntry]:
    items = doc.get(key)
    if items is None:
        if required:
            problems.append(f"缺少必填项 {key}（没有时写 {key}: []）")
        return []
    if not isinstance(items, list):
        problems.append(f"{key} 必须是列表")
        return []
    entries = []
    for i, item in enumerate(items, 1):
        day = item.get("date") if isinstance(item, dict) else None
        name = item.get("name") if isinstance(item, dict) else None
        if not isinstance(day, dt.date) or isinstance(day, dt.datetime):
            problems.append(f"{key} 第{i}项：date 缺失或不是日期（YYYY-MM-DD）：{item!r}")
            continue
        if not isinstance(name, str) or not name.strip():
            problems.append(f"{_at(lines, day)}{day}：缺少名称 name")
            continue
        source = str(item.get("source") or default_source)
        entries.append(DayEntry(day, name.strip(), named.get(source, source)))
    return entries


def _closures(doc, lines, problems, default_source) -> list[DayEntry]:
    """Overlay closures: every day of [start, end] is not a working day."""
    days = []
    for i, item in enumerate(doc.get("closures") or [], 1):
        start, end = (item.get("start"), item.get("end")) if isinstance(item, dict) else (None, None)
        if not isinstance(start, dt.date) or not isinstance(end, dt.date):
            problems.append(f"closures 第{i}项：start、end 必须是日期（YYYY-MM-DD）")
            continue
        if end < start:
            problems.append(f"{_at(lines, start)}closures 第{i}项：结束日 {end} 早于开始日 {start}")
            continue
        name = str(item.get("name") or "临时停止办公")
        day = start
        while day <= end:
            days.append(DayEntry(day, name, str(item.get("source") or default_source)))
            day += dt.timedelta(days=1)
    return days


def _at(lines: list[str], day: dt.date) -> str:
    needle = day.isoformat()
    for number, line in enumerate(lines, 1):
        if needle in line and not line.lstrip().startswith("#"):
            return f"第{number}行 "
    return ""
