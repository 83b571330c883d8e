"""Table 二 (主动公开政府信息情况): figures the office enters or imports; the system cannot count them from cases.

    TABLE2_ITEMS                     the printed rows: key, Art 20 item, 信息内容, column label
    parse_table2(raw)                pure: every bad field at once (InvalidFields, in Chinese), else the figures
    read_table2_file(name, content)  a CSV or XLSX of 项目,数值 rows into raw text (label or key in the first column)
    save_table2(session, …)          validate, then insert or replace the agency's row for the year (nothing on error)
    enter_table2(ctx, …)             save_table2 for the acting user, who must be the office's head or a supervisor
    table2_of(session, …)            the stored row, or None
"""

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from sqlmodel import Session, select

from models.context import Ctx
from models.enums import Role
from models.errors import InvalidFields, RoleNotAllowed, ValidationFailed
from models.statistics.tables import ProactiveFigures


@dataclass(frozen=True)
class Table2Item:
    key: str
    article_item: str  # 第二十条第（一）项 …
    content: str  # 信息内容
    column: str  # the printed column header


# Art 20(1), (5), (6), (8): the rows of 国办公开办函〔2021〕30号 table 二, in the printed order
TABLE2_ITEMS = (
    Table2Item("rules_made", "第二十条第（一）项", "规章", "本年制发件数"),
    Table2Item("rules_repealed", "第二十条第（一）项", "规章", "本年废止件数"),
    Table2Item("rules_in_force", "第二十条第（一）项", "规章", "现行有效件数"),
    Table2Item("normative_made", "第二十条第（一）项", "规范性文件", "本年制发件数"),
    Table2Item("normative_repealed", "第二十条第（一）项", "规范性文件", "本年废止件数"),
    Table2Item("normative_in_force", "第二十条第（一）项", "规范性文件", "现行有效件数"),
    Table2Item("licensing", "第二十条第（五）项", "行政许可", "本年处理决定数量"),
    Table2Item("punishment", "第二十条第（六）项", "行政处罚", "本年处理决定数量"),
    Table2Item("enforcement", "第二十条第（六）项", "行政强制", "本年处理决定数量"),
    Table2Item("fees_wan", "第二十条第（八）项", "行政事业性收费", "本年收费金额（单位：万元）"),
)
TABLE2_KEYS = tuple(item.key for item in TABLE2_ITEMS)
COUNT_KEYS = TABLE2_KEYS[:-1]
# Who enters table 二 and produces the draft: the disclosure office's head and the supervisors (and the administrator)
TABLE2_ROLES = frozenset({Role.office_head, Role.supervisor, Role.admin})
MAX_COUNT = 10_000_000  # far above any district's year (Hedong 2021: 112311 licences)


def label(item: Table2Item) -> str:
    """The name an office reads in the form and writes in an import file: 规章-本年制发件数."""
    return f"{item.content}-{item.column.split('（')[0]}"


_BY_NAME = {**{item.key: item for item in TABLE2_ITEMS}, **{label(item): item for item in TABLE2_ITEMS}}


def parse_table2(raw: dict[str, str]) -> dict[str, object]:
    """Counts are whole numbers ≥ 0; the fee is 万元 ≥ 0 with at most four decimals (one 元); every field required."""
    problems: list[ValidationFailed] = []
    figures: dict[str, object] = {}
    for item in TABLE2_ITEMS:
        name = f"{item.content}「{item.column}」"
        text = str(raw.get(item.key) if raw.get(item.key) is not None else "").strip().replace(",", "")
        if not text:
            problems.append(ValidationFailed(f"请填写{name}。", f"{item.key} missing", field=item.key))
            continue
        if item.key == "fees_wan":
            try:
                amount = Decimal(text)
            except InvalidOperation:
                amount = None
            if amount is None or not amount.is_finite():
                problems.append(ValidationFailed(f"{name}应为数字（单位：万元），填写的是「{text}」。",
                                                 f"{item.key} not a number", field=item.key))
            elif amount < 0:
                problems.append(ValidationFailed(f"{name}不能为负数（填写的是{text}）。", f"{item.key} negative",
                                                 field=item.key))
            elif amount.as_tuple().exponent < -4:
                problems.append(ValidationFailed(f"{name}最多保留四位小数（精确到元），填写的是{text}。",
                                                 f"{item.key} too precise", field=item.key))
            else:
                figures[item.key] = format(amount, "f")
            continue
        if not text.isascii() or not text.lstrip("-").isdigit():
            problems.append(ValidationFailed(f"{name}应为整数件数，填写的是「{text}」。", f"{item.key} not an integer",
                                             field=item.key))
        elif int(text) < 0:
            problems.append(ValidationFailed(f"{name}不能为负数（填写的是{text}）。", f"{item.key} negative",
                                             field=item.key))
        elif int(text) > MAX_COUNT:
            problems.append(ValidationFailed(f"{name}超出合理范围（填写的是{text}），请核对。", f"{item.key} too large",
                                             field=item.key))
        else:
            figures[item.key] = int(text)
    unknown = [k for k in raw if k not in TABLE2_KEYS]
    if unknown:
        problems.append(ValidationFailed(f"表二没有这些项目：{'、'.join(unknown)}。可用：{'、'.join(map(label, TABLE2_ITEMS))}。",
                                         f"unknown items {unknown}", field="file"))
    if problems:
        raise InvalidFields(problems)
    return figures


def read_table2_file(name: str, content: bytes) -> dict[str, str]:
    """Rows of 项目,数值 (a header row is skipped); 项目 is the label (规章-本年制发件数) or the key (rules_made)."""
    lower = name.lower()
    if lower.endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).active
        except Exception as exc:  # openpyxl raises several kinds for a file that is not a workbook
            raise ValidationFailed(f"{name} 不是有效的 XLSX 文件。", f"bad xlsx: {exc}", field="file") from None
        rows = [["" if v is None else str(v) for v in row[:2]] for row in sheet.iter_rows(values_only=True)]
    elif lower.endswith(".csv"):
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationFailed(f"{name} 不是 UTF-8 编码的 CSV 文件（请在 Excel 中另存为「CSV UTF-8」）。",
                                   "csv not utf-8", field="file") from None
        rows = list(csv.reader(io.StringIO(text)))
    else:
        raise ValidationFailed(f"只能导入 CSV 或 XLSX 文件（收到的是「{name}」）。", "not csv/xlsx", field="file")
    raw: dict[str, str] = {}
    for number, row in enumerate(rows, 1):
        cells = [c.strip() for c in row] + ["", ""]
        if not cells[0] or cells[0] in ("项目", "key"):
            continue
        item = _BY_NAME.get(cells[0])
        key = item.key if item else cells[0]
        if key in raw:
            raise ValidationFailed(f"第{number}行：项目「{cells[0]}」重复。", f"line {number}: duplicate {key}",
                                   field="file")
        raw[key] = cells[1]
    return raw


def table2_of(session: Session, *, agency_id: int, year: int) -> ProactiveFigures | None:
    return session.exec(select(ProactiveFigures).where(ProactiveFigures.agency_id == agency_id,
                                                       ProactiveFigures.year == year)).first()


def save_table2(session: Session, *, agency_id: int, year: int, raw: dict[str, str], by: str, now: datetime,
                source: str = "desk") -> ProactiveFigures:
    """Validate everything first: a refused entry writes nothing; an accepted one replaces the year's row."""
    if not 2008 <= year <= now.year:  # the 2008 Regulations began the annual reports; no report of a future year
        raise ValidationFailed(f"年度应在2008年至{now.year}年之间（填写的是{year}）。", f"year {year} out of range",
                               field="year")
    figures = parse_table2(raw)
    row = table2_of(session, agency_id=agency_id, year=year) or ProactiveFigures(agency_id=agency_id, year=year,
                                                                                  entered_at=now, entered_by=by)
    for key, value in figures.items():
        setattr(row, key, value)
    row.entered_at, row.entered_by, row.source = now, by, source
    session.add(row)
    session.commit()
    session.refresh(row)
    return row


def enter_table2(ctx: Ctx, *, year: int, raw: dict[str, str], source: str = "desk") -> ProactiveFigures:
    """The acting user's agency's table 二 for `year`."""
    if ctx.actor is None or Role(ctx.actor.role) not in TABLE2_ROLES:
        raise RoleNotAllowed("只有公开办负责人、督办人员或系统管理员可以录入年度报告表二。", "role may not enter table 2")
    return save_table2(ctx.session, agency_id=ctx.actor.agency_id, year=year, raw=raw, by=ctx.actor.username,
                       now=ctx.now, source=source)
