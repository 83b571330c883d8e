"""Counting working days around pauses, and the Chinese derivation of the result."""

import datetime as dt
from dataclasses import dataclass

from calendars.arrangements import weekday_zh
from calendars.working import WorkingCalendar

_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class Gap:
    """Working days in (after, through] are not counted (regulation.md §2.3 rule 4)."""

    after: dt.date  # the sending day: still counted
    through: dt.date  # the reply / payment / expiry day: not counted
    label: str  # e.g. 征求第三方意见
    opened: str = "发出通知"  # what happened on `after`, e.g. 发出征求意见书
    note: str = ""  # e.g. 尚未答复，按期满日推定


def merge(gaps: list[Gap]) -> list[Gap]:
    """Sorted, non-overlapping gaps (overlapping pauses do not stop the clock twice)."""
    merged: list[Gap] = []
    for gap in sorted(gaps, key=lambda g: g.after):
        if merged and gap.after <= merged[-1].through:
            last = merged[-1]
            if gap.through > last.through:
                merged[-1] = Gap(last.after, gap.through, f"{last.label}、{gap.label}", last.opened, last.note or gap.note)
        elif gap.through > gap.after:
            merged.append(gap)
    return merged


def count_forward(cal: WorkingCalendar, trigger: dt.date, *, days: int, gaps: list[Gap]) -> dt.date:
    """The days-th counted working day after trigger, skipping working days inside gaps."""
    cursor, remaining = trigger, days
    for gap in gaps:
        if gap.through <= cursor:
            continue
        if gap.after > cursor:
            available = cal.working_days_between(cursor, gap.after)
            if available >= remaining:
                break
            remaining -= available
        cursor = gap.through
    return cal.add_working_days(cursor, days=remaining)


def counted_between(cal: WorkingCalendar, start: dt.date, end: dt.date, *, gaps: list[Gap]) -> int:
    """Counted working days in (start, end]: working days minus those inside gaps."""
    if end <= start:
        return 0
    total = cal.working_days_between(start, end)
    for gap in gaps:
        lo, hi = max(gap.after, start), min(gap.through, end)
        if hi > lo:
            total -= cal.working_days_between(lo, hi)
    return total


def derive(cal: WorkingCalendar, trigger: dt.date, *, days: int, gaps: list[Gap], ordinal: str = "第{k}个工作日") -> list[str]:
    """Step by step from trigger to the days-th counted working day, in Chinese."""
    steps: list[str] = []
    pending = [g for g in gaps if g.through > trigger]
    day, k, listed, resumed = trigger, 0, 0, False
    unconfirmed: set[int] = set()
    while k < days:
        if pending and day >= pending[0].after:
            gap = pending.pop(0)
            start = max(gap.after, trigger) + _DAY
            note = f"（{gap.note}）" if gap.note else ""
            if k > listed:
                steps.append("…")
            opened = f"{gap.after} {gap.opened}（当日计入）；" if gap.after >= trigger else ""
            steps.append(f"{opened}{_span(start, gap.through)} {gap.label}{note}，不计入期限（此前已计{k}个工作日）")
            day, listed, resumed = gap.through, k, True
            continue
        day += _DAY
        info = cal.day_info(day)
        if not info.working:
            end = day
            while not cal.is_working_day(end + _DAY) and not (pending and end >= pending[0].after):
                end += _DAY
            names = [cal.day_info(d).reason.split("（")[0] for d in _days(day, end)]
            names = list(dict.fromkeys(n for n in names if n != "周末"))
            if names:
                if k > listed:
                    steps.append("…")
                steps.append(f"{_span(day, end)} {'、'.join(names)}放假，不计")
                listed, resumed = k, True
            day = end
            continue
        k += 1
        first_unconfirmed = not info.confirmed and day.year not in unconfirmed
        if k in (1, days) or info.adjusted or resumed or first_unconfirmed:
            if k - listed > 1:
                steps.append("…")
            extra = f"，{info.reason}" if info.adjusted else ""
            if first_unconfirmed:
                unconfirmed.add(day.year)
                extra += f"，{day.year}年安排未确认，按规则推算"
            steps.append(f"{ordinal.format(k=k)} {day}（{weekday_zh(day)}{extra}）")
            listed, resumed = k, False
    return steps


def _span(start: dt.date, end: dt.date) -> str:
    return str(start) if start == end else f"{start} 至 {end}"


def _days(start: dt.date, end: dt.date):
    while start <= end:
        yield start
        start += _DAY
