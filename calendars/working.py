"""The working-day calendar: Mon–Fri minus holidays plus declared working weekends (regulation.md §2.3 rule 2)."""

import datetime as dt
import hashlib
from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache
from importlib.metadata import version
from pathlib import Path

from calendars.arrangements import Arrangement, DayEntry, load_arrangement
from calendars.errors import CalendarError, OutsideCalendarRange

DATA_DIR = Path(__file__).parent / "data"
FIRST_YEAR, LAST_YEAR = 2000, 2045
PACKAGE_SOURCE = "holidays 包的法定节假日规则（推算，未经国务院办公厅通知确认）"


@dataclass(frozen=True)
class DayInfo:
    """Why a day is or is not a working day, and on whose authority."""

    day: dt.date
    working: bool
    reason: str  # 工作日 / 周末 / the holiday's name / the 调休上班 name
    source: str | None
    adjusted: bool  # a declared working weekend (调休上班) or a holiday on a weekday
    confirmed: bool


@dataclass(frozen=True)
class _Override:
    working: bool
    entry: DayEntry


class WorkingCalendar:
    """Working days of one jurisdiction; years with a data file are confirmed, others provisional."""

    def __init__(self, *, jurisdiction: str, national: dict[int, Arrangement], overlays: tuple[Arrangement, ...] = ()):
        self.jurisdiction = jurisdiction
        self.confirmed_years = frozenset(national)
        self.overlays = overlays
        self._national = national
        self._provisional_loaded = False
        self._overrides: dict[dt.date, _Override] = {}
        if national:
            self._build(min(national), max(national))
        else:
            self._load_provisional()
        digests = [a.digest for a in sorted(national.values(), key=lambda a: a.year)]
        digests += [a.digest for a in overlays]
        digests.append("holidays=" + version("holidays"))
        self.fingerprint = hashlib.sha256("\n".join(digests).encode()).hexdigest()[:16]

    # --- queries -------------------------------------------------------------------------

    def is_working_day(self, day: dt.date) -> bool:
        self._cover(day.toordinal())
        override = self._overrides.get(day)
        return override.working if override else day.weekday() < 5

    def add_working_days(self, start: dt.date, *, days: int) -> dt.date:
        """The days-th working day after start (start not counted, 民法典 Art 201; day 1 = next working day)."""
        if days < 0:
            raise CalendarError(f"days must be >= 0, got {days}", message_zh=f"工作日数不能为负数（{days}）")
        if days == 0:
            return start
        ordinal = start.toordinal()
        self._cover(ordinal)
        index = bisect_right(self._ords, ordinal) + days - 1
        if index >= len(self._ords):
            self._load_provisional()
            index = bisect_right(self._ords, ordinal) + days - 1
            if index >= len(self._ords):
                raise _outside(LAST_YEAR + 1)
        return dt.date.fromordinal(self._ords[index])

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days in (start, end]; negative when end is before start."""
        lo, hi = start.toordinal(), end.toordinal()
        self._cover(lo)
        self._cover(hi)
        return bisect_right(self._ords, hi) - bisect_right(self._ords, lo)

    def next_working_day(self, day: dt.date) -> dt.date:
        """The first working day strictly after day."""
        return self.add_working_days(day, days=1)

    def on_or_after(self, day: dt.date) -> dt.date:
        """Day itself if it is a working day, else the next one (民法典 Art 203)."""
        return day if self.is_working_day(day) else self.next_working_day(day)

    def day_info(self, day: dt.date) -> DayInfo:
        self._cover(day.toordinal())
        confirmed = day.year in self.confirmed_years
        override = self._overrides.get(day)
        if override:
            weekend = day.weekday() >= 5
            return DayInfo(day, override.working, override.entry.name, override.entry.source,
                           adjusted=override.working == weekend, confirmed=confirmed)
        if day.weekday() >= 5:
            return DayInfo(day, False, "周末", None, adjusted=False, confirmed=confirmed)
        return DayInfo(day, True, "工作日", None, adjusted=False, confirmed=confirmed)

    def year_entries(self, year: int) -> list[DayInfo]:
        """Every holiday and declared working day of one year, in date order."""
        self._cover(dt.date(year, 1, 1).toordinal())
        return [self.day_info(d) for d in sorted(self._overrides) if d.year == year]

    def year_source(self, year: int) -> str:
        arrangement = self._national.get(year)
        return arrangement.source if arrangement else PACKAGE_SOURCE

    def provisional_reasons(self, start: dt.date, end: dt.date) -> tuple[str, ...]:
        """A Chinese reason for every unconfirmed year a counting path from start to end touches."""
        first, last = sorted((start.year, end.year))
        return tuple(provisional_reason(y, self.confirmed_years) for y in range(first, last + 1)
                     if y not in self.confirmed_years)

    # --- building ------------------------------------------------------------------------

    def _cover(self, ordinal: int) -> None:
        if not self._lo <= ordinal <= self._hi:
            self._load_provisional()
            if not self._lo <= ordinal <= self._hi:
                raise _outside(dt.date.fromordinal(ordinal).year)

    def _load_provisional(self) -> None:
        """Fill the years without a data file from holidays.China() (imported only when needed)."""
        if self._provisional_loaded:
            return
        import holidays

        package = holidays.China(years=range(FIRST_YEAR, LAST_YEAR + 1), language="zh_CN")
        for day, name in package.items():
            if day.year not in self.confirmed_years:
                self._overrides[day] = _Override(False, DayEntry(day, name.replace("; ", "、"), PACKAGE_SOURCE))
        for day in package.weekend_workdays:
            if FIRST_YEAR <= day.year <= LAST_YEAR and day.year not in self.confirmed_years:
                self._overrides[day] = _Override(True, DayEntry(day, "调休上班", PACKAGE_SOURCE))
        self._provisional_loaded = True
        self._build(FIRST_YEAR, LAST_YEAR)

    def _build(self, first_year: int, last_year: int) -> None:
        for arrangement in self._national.values():
            self._apply(arrangement)
        for overlay in self.overlays:  # overlays win over the national calendar
            self._apply(overlay)
        self._lo = dt.date(first_year, 1, 1).toordinal()
        self._hi = dt.date(last_year, 12, 31).toordinal()
        overrides = self._overrides
        self._ords = [
            o for o in range(self._lo, self._hi + 1)
            if (overrides[d].working if (d := dt.date.fromordinal(o)) in overrides else d.weekday() < 5)
        ]

    def _apply(self, arrangement: Arrangement) -> None:
        for entry in arrangement.holidays:
            self._overrides[entry.day] = _Override(False, entry)
        for entry in arrangement.working_days:
            self._overrides[entry.day] = _Override(True, entry)


def provisional_reason(year: int, confirmed_years: frozenset[int]) -> str:
    if not confirmed_years or year > max(confirmed_years):
        return (f"{year}年放假安排尚未公布（国务院办公厅通知未收录），按法定节假日规则推算，"
                "正式安排发布后将重新计算")
    return f"{year}年放假安排未收录数据文件（国务院办公厅通知未收录），按 holidays 包数据推算，未经核对"


def _outside(year: int) -> OutsideCalendarRange:
    return OutsideCalendarRange(
        f"year {year} is outside the calendar range {FIRST_YEAR}-{LAST_YEAR}",
        message_zh=f"{year}年超出工作日历的范围（{FIRST_YEAR}—{LAST_YEAR}年）",
    )


def load_calendar(jurisdiction: str = "cn", overlays: tuple[str | Path, ...] = (),
                  data_dir: Path | str | None = None) -> WorkingCalendar:
    """The calendar of a jurisdiction: national year files plus overlays (names under data/overlays or paths)."""
    return _load(jurisdiction, tuple(str(o) for o in overlays), str(data_dir or DATA_DIR))


@lru_cache(maxsize=16)
def _load(jurisdiction: str, overlays: tuple[str, ...], data_dir: str) -> WorkingCalendar:
    root = Path(data_dir)
    national_dir = root / jurisdiction.split("-")[0]
    national = {a.year: a for a in map(load_arrangement, sorted(national_dir.glob("[0-9][0-9][0-9][0-9].yaml")))}
    layered = tuple(load_arrangement(_overlay_path(root, name)) for name in overlays)
    name = layered[-1].jurisdiction if layered else jurisdiction
    return WorkingCalendar(jurisdiction=name, national=national, overlays=layered)


def _overlay_path(root: Path, name: str) -> Path:
    path = Path(name)
    if path.suffix == ".yaml" and path.exists():
        return path
    candidate = root / "overlays" / f"{name}.yaml"
    if not candidate.exists():
        raise CalendarError(f"overlay not found: {name}", message_zh=f"找不到地区日历叠加文件：{name}")
    return candidate
