"""The legal clock of one application, computed from its dated events (regulation.md §2.3, state machine)."""

import datetime as dt
import enum
from dataclasses import dataclass, field
from functools import cached_property

from calendars.arrangements import weekday_zh
from calendars.derivation import Gap, count_forward, counted_between, derive, merge
from calendars.errors import CalendarError, ExtensionRefused
from calendars.working import WorkingCalendar

REPLY_DAYS = 20  # Art 33(2)
MAX_EXTENSION_DAYS = 20  # Art 33(2)
SUPPLEMENT_NOTICE_DAYS = 7  # Art 30


class PauseKind(enum.Enum):
    third_party = "third_party"  # Art 32
    other_agency = "other_agency"  # Art 34
    fee = "fee"  # 国办函〔2020〕109号 [U]

    @property
    def label(self) -> str:
        return {"third_party": "征求第三方意见（第三十二条、第三十三条第三款）",
                "other_agency": "征求其他机关意见（第三十四条、第三十三条第三款）",
                "fee": "等待缴纳信息处理费（国办函〔2020〕109号）"}[self.value]


class DueLevel(enum.Enum):
    """Supervisor alert levels, by counted working days left after today (regulation.md §2.4)."""

    on_track = "on_track"  # more than 5 left
    t5 = "t5"  # 4–5 left
    t3 = "t3"  # 2–3 left
    t1 = "t1"  # 1 left: due on the next working day
    due_today = "due_today"  # today is the due date
    overdue = "overdue"  # today is after the due date
    awaiting_supplement = "awaiting_supplement"  # Art 30: no reply due date until the supplement arrives

    @classmethod
    def from_left(cls, left: int) -> "DueLevel":
        if left == 0:
            return cls.due_today
        return cls.t1 if left == 1 else cls.t3 if left <= 3 else cls.t5 if left <= 5 else cls.on_track


@dataclass(frozen=True)
class Pause:
    """Art 33(3): time not counted; working days in (sent_on, ended_on] are skipped (§2.3 rule 4)."""

    kind: PauseKind
    sent_on: dt.date  # the consultation letter / fee notice is sent; this day still counts
    ended_on: dt.date | None  # reply received / payment made / period expired; None = still open
    expected_end: dt.date | None = None  # for an open pause: when it will end at the latest


@dataclass(frozen=True)
class Extension:
    """Art 33(2): once, at most 20 working days, approved on or before the current due date."""

    days: int
    approved_on: dt.date


@dataclass(frozen=True)
class SupplementWait:
    """Art 30: a 补正 notice is out and not yet answered; only the applicant's period runs."""

    issued_on: dt.date
    period_ends: dt.date  # the reasonable period the notice gave the applicant


@dataclass(frozen=True)
class CaseDates:
    """The dated events of one application that drive its clock."""

    receipt_date: dt.date  # Art 31
    supplement_received_on: dt.date | None = None  # Art 30: the clock restarts in full from here
    pauses: tuple[Pause, ...] = ()
    extension: Extension | None = None
    deferred_due: dt.date | None = None  # Art 35: a reasonable deferred period set by decision
    awaiting_supplement: SupplementWait | None = None  # Art 30: no reply period runs while this is set


@dataclass(frozen=True)
class ClockReading:
    """The clock on one day: due dates, what is left, the alert level, and how it was derived.

    While a 补正 is awaited (Art 30) there is no reply due date: due_date and base_due_date are None, the
    level is `awaiting_supplement`, and supplement_period_ends is the applicant's period."""

    due_date: dt.date | None
    base_due_date: dt.date | None  # before the extension
    supplement_notice_due: dt.date
    provisional: bool
    provisional_reasons: tuple[str, ...]
    paused: bool  # an open pause on today
    working_days_left: int  # counted working days after today up to the due date; 0 on the due day
    overdue_by: int  # counted working days past due up to the next working day on or after today
    level: DueLevel
    today: dt.date
    case: CaseDates = field(repr=False, compare=False)
    calendar: WorkingCalendar = field(repr=False, compare=False)
    supplement_period_ends: dt.date | None = None  # Art 30: set while the applicant's supplement is awaited
    supplement_days_left: int = 0  # working days after today up to supplement_period_ends

    @cached_property
    def steps(self) -> tuple[str, ...]:
        return tuple(_steps(self))

    def explain(self) -> str:
        lines = [self.steps[0], *(f"→ {s}" for s in self.steps[1:])]
        lines += [f"注意：{r}" for r in self.provisional_reasons]
        return "\n".join(lines)


def reply_clock(case: CaseDates, *, calendar: WorkingCalendar, today: dt.date) -> ClockReading:
    """Art 33: 20 working days from receipt (or from the supplement, Art 30), minus pauses, plus the extension."""
    if case.awaiting_supplement is not None:
        return _awaiting_supplement(case, calendar=calendar, today=today)
    trigger = _trigger(case)
    gaps = _gaps(case, today)
    base_due = count_forward(calendar, trigger, days=REPLY_DAYS, gaps=gaps)
    due = base_due
    if case.extension:  # §2.3 rule 6: counted on from the original due date, pauses still applying
        due = count_forward(calendar, base_due, days=case.extension.days, gaps=gaps)
    if case.deferred_due:  # Art 35: the decision's period replaces the reply period
        due = case.deferred_due
    notice_due = calendar.add_working_days(case.receipt_date, days=SUPPLEMENT_NOTICE_DAYS)
    reasons = calendar.provisional_reasons(min(case.receipt_date, trigger), max(due, notice_due))
    paused = any(p.ended_on is None and p.sent_on < today for p in case.pauses)
    left = counted_between(calendar, today, due, gaps=gaps) if today <= due else 0
    overdue_by = counted_between(calendar, due, calendar.on_or_after(today), gaps=gaps) if today > due else 0
    level = DueLevel.overdue if today > due else DueLevel.from_left(left)
    return ClockReading(due, base_due, notice_due, bool(reasons), reasons, paused, left, overdue_by,
                        level, today, case, calendar)


def _awaiting_supplement(case: CaseDates, *, calendar: WorkingCalendar, today: dt.date) -> ClockReading:
    """Art 30: 答复期限自行政机关收到补正的申请之日起计算 — until then no reply period runs at all."""
    wait = case.awaiting_supplement
    notice_due = calendar.add_working_days(case.receipt_date, days=SUPPLEMENT_NOTICE_DAYS)
    reasons = calendar.provisional_reasons(case.receipt_date, max(wait.period_ends, notice_due))
    left = calendar.working_days_between(today, wait.period_ends) if today <= wait.period_ends else 0
    return ClockReading(None, None, notice_due, bool(reasons), reasons, False, 0, 0, DueLevel.awaiting_supplement,
                        today, case, calendar, supplement_period_ends=wait.period_ends, supplement_days_left=left)


def check_extension(case: CaseDates, *, approved_on: dt.date, days: int, calendar: WorkingCalendar) -> Extension:
    """Art 33(2): one extension of at most 20 working days, approved on or before the current due date."""
    if case.extension is not None:
        raise ExtensionRefused(
            "only one extension is allowed",
            message_zh=f"答复期限只能延长一次（第三十三条第二款），本申请已于 {case.extension.approved_on} "
                       f"延长{case.extension.days}个工作日",
        )
    if not 1 <= days <= MAX_EXTENSION_DAYS:
        raise ExtensionRefused(
            f"extension of {days} working days is outside 1..{MAX_EXTENSION_DAYS}",
            message_zh=f"延长期限最长不得超过{MAX_EXTENSION_DAYS}个工作日（第三十三条第二款），且至少1个工作日；申请延长{days}个工作日",
        )
    due = count_forward(calendar, _trigger(case), days=REPLY_DAYS, gaps=_gaps(case, approved_on))
    if approved_on > due:
        late = calendar.working_days_between(due, calendar.on_or_after(approved_on))
        raise ExtensionRefused(
            f"extension approved on {approved_on}, after the due date {due}",
            message_zh=f"延长答复期限须在原答复期限届满前批准（第三十三条第二款）：原期限 {due} 已届满，"
                       f"{approved_on} 批准已晚{late}个工作日，不能延长",
        )
    return Extension(days=days, approved_on=approved_on)


def _trigger(case: CaseDates) -> dt.date:
    # Art 30: 答复期限自行政机关收到补正的申请之日起计算 — a full restart, the old count is void
    return case.supplement_received_on or case.receipt_date


def _gaps(case: CaseDates, today: dt.date) -> list[Gap]:
    gaps = []
    for pause in case.pauses:
        opened = "发出收费通知" if pause.kind is PauseKind.fee else "发出征求意见书"
        if pause.ended_on is not None:
            if pause.ended_on < pause.sent_on:
                raise CalendarError(
                    f"pause ends {pause.ended_on} before it starts {pause.sent_on}",
                    message_zh=f"{pause.kind.label}：结束日 {pause.ended_on} 早于发出日 {pause.sent_on}",
                )
            gaps.append(Gap(pause.sent_on, pause.ended_on, pause.kind.label, opened))
        elif pause.expected_end is not None:
            end = max(pause.expected_end, today)
            gaps.append(Gap(pause.sent_on, end, pause.kind.label, opened, f"尚未结束，按最迟 {end} 结束推定"))
        else:
            end = max(pause.sent_on, today)
            gaps.append(Gap(pause.sent_on, end, pause.kind.label, opened, f"尚未结束，暂计至 {end}，到期日随之顺延"))
    return merge(gaps)


def _steps(reading: ClockReading) -> list[str]:
    case, cal = reading.case, reading.calendar
    steps = [f"{case.receipt_date} 收到申请（第三十一条；当日不计）",
             f"补正通知应于 {reading.supplement_notice_due} 前发出（第三十条：7个工作日）"]
    if case.awaiting_supplement is not None:
        wait = case.awaiting_supplement
        if reading.today <= wait.period_ends:
            status = f"截至 {reading.today}：等待申请人补正，补正期限剩余{reading.supplement_days_left}个工作日"
        else:
            status = (f"截至 {reading.today}：补正期限已于 {wait.period_ends} 届满，申请人无正当理由逾期不补正的，"
                      "视为放弃申请（第三十条）")
        return steps + [
            f"{wait.issued_on} 一次性告知补正，申请人补正期限至 {wait.period_ends}（{weekday_zh(wait.period_ends)}；"
            "第三十条：合理的补正期限）",
            "等待补正期间没有答复期限：答复期限自收到补正后的申请之日起重新计算20个工作日（第三十条）",
            status,
        ]
    gaps = _gaps(case, reading.today)
    trigger = case.receipt_date
    if case.supplement_received_on:
        trigger = case.supplement_received_on
        steps.append(f"{trigger} 收到补正后的申请，答复期限自当日重新起算，此前已计工作日不再计入（第三十条；当日不计）")
    steps += derive(cal, trigger, days=REPLY_DAYS, gaps=gaps)
    steps.append(f"原答复期限届满日 {reading.base_due_date}（{weekday_zh(reading.base_due_date)}；第三十三条第二款：20个工作日）")
    if case.extension:
        ext = case.extension
        steps.append(f"{ext.approved_on} 经政府信息公开工作机构负责人批准延长{ext.days}个工作日（第三十三条第二款；"
                     f"批准日不晚于原期限 {reading.base_due_date}），自原届满日次日起算")
        due = count_forward(cal, reading.base_due_date, days=ext.days, gaps=gaps)
        steps += derive(cal, reading.base_due_date, days=ext.days, gaps=gaps, ordinal="延长期第{k}个工作日")
        steps.append(f"延长后答复期限届满日 {due}（{weekday_zh(due)}）")
    if case.deferred_due:
        steps.append(f"依第三十五条决定的合理期限，答复期限为 {case.deferred_due}")
    status = (f"截至 {reading.today}：已逾期{reading.overdue_by}个工作日" if reading.level is DueLevel.overdue
              else f"截至 {reading.today}：剩余{reading.working_days_left}个工作日")
    if reading.paused:
        status += "（期限暂停中，剩余工作日不减少）"
    steps.append(status)
    return steps
