"""Single deadlines counted from one trigger date, each with its derivation in Chinese."""

import calendar as _month_days
import datetime as dt
from dataclasses import dataclass

from calendars.arrangements import weekday_zh
from calendars.derivation import count_forward, derive
from calendars.working import WorkingCalendar


@dataclass(frozen=True)
class Deadline:
    """A due date with its provisional status and the steps that produced it."""

    date: dt.date
    provisional: bool
    reasons: tuple[str, ...]
    steps: tuple[str, ...]

    def explain(self) -> str:
        lines = [self.steps[0], *(f"→ {s}" for s in self.steps[1:])]
        lines += [f"注意：{r}" for r in self.reasons]
        return "\n".join(lines)


def working_day_deadline(trigger: dt.date, *, days: int, calendar: WorkingCalendar, what: str, basis: str) -> Deadline:
    """The days-th working day after trigger (trigger not counted, 民法典 Art 201)."""
    due = count_forward(calendar, trigger, days=days, gaps=[])
    reasons = calendar.provisional_reasons(trigger, due)
    steps = (f"{trigger} {what}（当日不计；{basis}：{days}个工作日）",
             *derive(calendar, trigger, days=days, gaps=[]),
             f"期限届满日 {due}（{weekday_zh(due)}）")
    return Deadline(due, bool(reasons), reasons, steps)


def supplement_notice_due(receipt_date: dt.date, calendar: WorkingCalendar) -> Deadline:
    """Art 30: the single supplement notice goes out within 7 working days of receipt."""
    return working_day_deadline(receipt_date, days=7, calendar=calendar, what="收到申请", basis="第三十条，一次性告知补正")


def supplement_period_due(notice_received_on: dt.date, calendar: WorkingCalendar, days: int = 15) -> Deadline:
    """Art 30: the clerk-set reasonable period to supplement; missing it means the application is abandoned."""
    return working_day_deadline(notice_received_on, days=days, calendar=calendar,
                                what="申请人收到补正通知", basis="第三十条，合理补正期限")


def department_answer_due(routed_on: dt.date, calendar: WorkingCalendar, days: int = 5) -> Deadline:
    """District rule (联席办理制度): a routed department returns its written opinion within 5 working days."""
    return working_day_deadline(routed_on, days=days, calendar=calendar,
                                what="转交承办单位", basis="联席办理制度，承办单位书面答复意见")


def consultation_reply_due(received_on: dt.date, calendar: WorkingCalendar) -> Deadline:
    """Arts 32/34: a consulted third party or agency has 15 working days from its receipt of the letter."""
    return working_day_deadline(received_on, days=15, calendar=calendar,
                                what="被征求意见方收到征求意见书", basis="第三十二条、第三十四条")


def fee_payment_due(notice_received_on: dt.date, calendar: WorkingCalendar, days: int = 20) -> Deadline:
    """国办函〔2020〕109号 [U]: the applicant pays within the period set in the fee notice."""
    return working_day_deadline(notice_received_on, days=days, calendar=calendar,
                                what="申请人收到收费通知", basis="国办函〔2020〕109号，缴费期限")


@dataclass(frozen=True)
class RemedyDeadlines:
    """The applicant's last days to seek reconsideration or to sue over a reply."""

    reconsideration: Deadline  # 行政复议法(2023) Art 20: 60 days
    litigation: Deadline  # 行政诉讼法 Art 46: 6 months


def remedy_deadlines(delivered_on: dt.date, calendar: WorkingCalendar) -> RemedyDeadlines:
    """Calendar periods from delivery; a last day on a rest day moves to the next working day (民法典 Art 203)."""
    return RemedyDeadlines(
        reconsideration=_calendar_period(delivered_on, delivered_on + dt.timedelta(days=60), calendar,
                                         "申请行政复议期限（行政复议法第二十条）：60日"),
        litigation=_calendar_period(delivered_on, _add_months(delivered_on, 6), calendar,
                                    "提起行政诉讼期限（行政诉讼法第四十六条）：6个月"),
    )


def _add_months(day: dt.date, months: int) -> dt.date:
    """民法典 Art 202: the corresponding day of the final month, or its last day when there is none."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return dt.date(year, month, min(day.day, _month_days.monthrange(year, month)[1]))


def _calendar_period(start: dt.date, nominal: dt.date, calendar: WorkingCalendar, what: str) -> Deadline:
    due = calendar.on_or_after(nominal)
    steps = [f"{start} 送达答复（当日不计，民法典第二百零一条）", f"{what}，届满日 {nominal}（{weekday_zh(nominal)}）"]
    if due != nominal:
        steps.append(f"{nominal} 为{calendar.day_info(nominal).reason}，顺延至其后第一个工作日 {due}（民法典第二百零三条）")
    reasons = calendar.provisional_reasons(nominal, due) if due != nominal else ()
    return Deadline(due, bool(reasons), reasons, tuple(steps))
