"""Periodic supervision (周调度、月检查、季通报): per department and period, the figures the office grades departments by.

The seeds' offices send 41 departments a weekly dispatch list, check them monthly and publish a quarterly bulletin
with quantified grades. Everything here is read from the database for one agency and one period, cut at `today`
while the period is still running; a voided registration counts nowhere (as in every statistic).

Per department (cases routed to it, by its assignments):
    received             assignments routed to the department in the period (交办)
    answered             written reply opinions it sent in the period (书面答复意见)
    on_time              of those, sent on or before the department's due date
    overdue              answers sent late in the period, plus assignments still open at the period's end past
                         their due date
    average_days         working days (the project's calendar) from routing to the answer, over the period's answers
    returned_by_counsel  counsel's returns (法律审核退回) in the period of draft replies written on its opinion
    open_problems        problem-list items (问题清单) open at the period's end on cases routed to it
    mock_grade           the mock-audit grade (模拟暗访, 0–100) when one is given; "—" otherwise

The agency's own row (全机关合计) counts cases instead: applications received (Art 31 receipt date), concluded, on
time by the reply due date, overdue, working days from receipt to conclusion, every counsel return, every open item.

The grade (百分制, GRADING_RULE_ZH prints it in the reports):
    score = 100 − min(40, 10 × overdue) − min(20, 5 × returned_by_counsel)
                − min(20, 4 × max(0, average_days − 5)) − min(10, 2 × open_problems)
    grade = score, or 0.7 × score + 0.3 × mock_grade when a mock-audit grade is given; never below 0, one decimal.
A department with nothing in the period (no figure above 0 and no mock grade) has no grade ("—"), nor has the agency's
own row. Five working days is the district's rule for a department's written answer (联席办理制度).
"""

import re
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from functools import cache

from sqlalchemy import and_, func, or_, select
from sqlmodel import Session

from models.dashboard import Cutoffs
from models.enums import AssignmentStatus, Labelled, ProblemStatus, Status
from models.errors import ValidationFailed
from models.lifecycle import OPEN_BEFORE_REPLY, waits_for
from models.mock_audits import department_grades
from models.mock_tables import not_mock
from models.tables import SHANGHAI, Agency, Application, Assignment, Decision, Department, ProblemItem, Review

A = Application.__table__.c
S = Assignment.__table__.c

DEPARTMENT_ANSWER_DAYS = 5  # WD: the district's rule for a department's written answer (联席办理制度)
GRADING_RULE_ZH = (
    "量化评分（百分制）：基础分100分；逾期每件扣10分，最多扣40分；法律审核退回每次扣5分，最多扣20分；"
    "平均答复用时超过5个工作日的，每超过1个工作日扣4分，最多扣20分；问题清单未销号事项每项扣2分，最多扣10分。"
    "有模拟暗访成绩的，综合得分＝上述得分×70%＋暗访成绩×30%。本期无办件、无暗访成绩的单位不评分；全机关合计不评分。"
)


class PeriodKind(Labelled):
    week = "week", "周调度"
    month = "month", "月检查"
    quarter = "quarter", "季通报"


@dataclass(frozen=True)
class ReportPeriod:
    kind: PeriodKind
    start: date
    end: date  # the period's last day (a Sunday, a month's or a quarter's last day)

    @property
    def key(self) -> str:
        """2026-W48, 2026-11, 2026-Q4: the period as the CLI takes it and file names carry it."""
        if self.kind == PeriodKind.week:
            year, week, _ = self.start.isocalendar()
            return f"{year}-W{week:02d}"
        if self.kind == PeriodKind.month:
            return f"{self.start.year}-{self.start.month:02d}"
        return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"

    @property
    def label(self) -> str:
        if self.kind == PeriodKind.week:
            year, week, _ = self.start.isocalendar()
            return f"{year}年第{week}周（{self.start:%m月%d日}至{self.end:%m月%d日}）"
        if self.kind == PeriodKind.month:
            return f"{self.start.year}年{self.start.month}月"
        return f"{self.start.year}年第{'一二三四'[(self.start.month - 1) // 3]}季度"

    def previous(self) -> "ReportPeriod":
        return period_containing(self.kind, self.start - timedelta(days=1))


def _month_end(year: int, month: int) -> date:
    return (date(year + month // 12, month % 12 + 1, 1)) - timedelta(days=1)


def period_containing(kind: PeriodKind | str, day: date) -> ReportPeriod:
    """The week (Monday to Sunday), month or quarter that holds `day`."""
    kind = PeriodKind(kind)
    if kind == PeriodKind.week:
        start = day - timedelta(days=day.weekday())
        return ReportPeriod(kind, start, start + timedelta(days=6))
    if kind == PeriodKind.month:
        return ReportPeriod(kind, day.replace(day=1), _month_end(day.year, day.month))
    first = (day.month - 1) // 3 * 3 + 1
    return ReportPeriod(kind, date(day.year, first, 1), _month_end(day.year, first + 2))


_FORMS = {
    PeriodKind.week: (re.compile(r"^(\d{4})-?W(\d{1,2})$", re.I), "2026-W48（ISO周）或该周任一日期 2026-11-23"),
    PeriodKind.month: (re.compile(r"^(\d{4})-(\d{1,2})$"), "2026-11"),
    PeriodKind.quarter: (re.compile(r"^(\d{4})-?Q([1-4])$", re.I), "2026-Q4"),
}


def parse_period(kind: PeriodKind | str, text: str) -> ReportPeriod:
    """The period the user names: 2026-W48 or a day of that week, 2026-11, 2026-Q4; refused in Chinese otherwise."""
    try:
        kind = PeriodKind(kind)
    except ValueError:
        raise ValidationFailed(f"报告类型「{kind}」不在可选范围内（week、month、quarter）。", f"bad kind {kind!r}",
                               field="kind") from None
    text = (text or "").strip()
    pattern, example = _FORMS[kind]
    refused = ValidationFailed(f"{kind.label}的期间「{text}」格式不对，应写作 {example}。", f"bad {kind} period {text!r}",
                               field="period")
    try:
        if kind == PeriodKind.week and re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            found = period_containing(kind, date.fromisoformat(text))
        elif not (m := pattern.match(text)):
            raise refused
        elif kind == PeriodKind.week:
            found = period_containing(kind, date.fromisocalendar(int(m[1]), int(m[2]), 1))
        elif kind == PeriodKind.month:
            found = period_containing(kind, date(int(m[1]), int(m[2]), 1))
        else:
            found = period_containing(kind, date(int(m[1]), (int(m[2]) - 1) * 3 + 1, 1))
    except (ValueError, OverflowError):  # 2026-W60, 2026-13, a period running past year 9999
        raise refused from None
    if found.start < date(2019, 5, 15) - timedelta(days=92):
        raise ValidationFailed(f"期间「{text}」不在可统计的范围内（条例2019年5月15日起施行）。", f"period {text!r} out of range",
                               field="period")
    return found


def scheduled_period(kind: PeriodKind | str, today: date, *, calendar) -> ReportPeriod | None:
    """The period a scheduled run on `today` reports, or None when none is due today.

    week: every run (the deployment runs on Monday mornings) reports the week before; month: on the first working day
    of a month, the month before; quarter: on the first working day of January, April, July and October, the quarter
    before. The monthly and quarterly deployments run daily in the first days of the month and skip the others."""
    kind = PeriodKind(kind)
    if kind == PeriodKind.week:
        return period_containing(kind, today).previous()
    first_working = calendar.on_or_after(today.replace(day=1))
    if today != first_working or (kind == PeriodKind.quarter and today.month not in (1, 4, 7, 10)):
        return None
    return period_containing(kind, today.replace(day=1)).previous()


# --- the rows -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PeriodRow:
    """One department's figures for a period (department_id None: the agency's own row, counted by case)."""

    department_id: int | None
    department: str
    received: int
    answered: int
    on_time: int
    overdue: int
    average_days: float | None
    returned_by_counsel: int
    open_problems: int
    mock_grade: float | None = None  # 模拟暗访 (models.mock_audits), 0–100; shown as "—" when None

    @property
    def active(self) -> bool:
        return bool(self.received or self.answered or self.overdue or self.returned_by_counsel or self.open_problems
                    or self.mock_grade is not None)

    @property
    def deductions(self) -> dict[str, float]:
        """The points taken off, by reason (GRADING_RULE_ZH)."""
        slow = max(0.0, (self.average_days or 0) - DEPARTMENT_ANSWER_DAYS)
        return {"overdue": min(40.0, 10.0 * self.overdue),
                "returned_by_counsel": min(20.0, 5.0 * self.returned_by_counsel),
                "slow": min(20.0, round(4.0 * slow, 1)),
                "open_problems": min(10.0, 2.0 * self.open_problems)}

    @property
    def grade(self) -> float | None:
        """The quantified grade (module docstring); None for a department with nothing in the period, and for the
        agency's own row (its times run from receipt to reply, which the departments' 5-WD rule does not measure)."""
        if not self.active or self.department_id is None:
            return None
        score = max(0.0, 100.0 - sum(self.deductions.values()))
        if self.mock_grade is not None:
            score = 0.7 * score + 0.3 * self.mock_grade
        return round(max(0.0, score), 1)


def _avg(values: list[int]) -> float | None:
    return round(sum(values) / len(values), 1) if values else None


def counted_cases():
    """The SQL conditions a case must meet to be counted at all: a voided registration counts nowhere, a mock
    application (模拟暗访) only in its own grade (the mock_grade column)."""
    return [A.status != Status.voided.value, not_mock(A.id)]


def _open_at(day: date):
    """An assignment still waiting for the department on `day`: not answered, not sent back, the case not concluded."""
    return and_(S.routed_on <= day, or_(S.answered_on.is_(None), S.answered_on > day),
                or_(S.returned_on.is_(None), S.returned_on > day), or_(A.closed_on.is_(None), A.closed_on > day))


def department_rows(session: Session, *, agency_id: int, period: ReportPeriod, today: date, calendar,
                    mock_grades: dict[int, float] | None = None) -> list[PeriodRow]:
    """Every department of the agency with its figures for the period (cut at `today`), in the agency's order."""
    start, end = period.start, min(period.end, today)
    departments = session.execute(select(Department.id, Department.name).where(Department.agency_id == agency_id)
                                  .order_by(Department.id)).all()
    ids = [d for d, _ in departments]
    base = [A.agency_id == agency_id, S.department_id.in_(ids), *counted_cases()]
    joined = Assignment.__table__.join(Application.__table__, A.id == S.application_id)
    received = dict(session.execute(
        select(S.department_id, func.count()).select_from(joined)
        .where(*base, S.routed_on >= start, S.routed_on <= end).group_by(S.department_id)).all())
    answers = session.execute(
        select(S.department_id, S.routed_on, S.answered_on, S.due_date).select_from(joined)
        .where(*base, S.status == AssignmentStatus.answered.value, S.answered_on >= start, S.answered_on <= end)).all()
    open_late = dict(session.execute(
        select(S.department_id, func.count()).select_from(joined)
        .where(*base, _open_at(end), S.due_date < end).group_by(S.department_id)).all())
    days = cache(lambda a, b: calendar.working_days_between(a, b))
    spans: dict = defaultdict(list)
    on_time: dict = defaultdict(int)
    late: dict = defaultdict(int)
    for department_id, routed_on, answered_on, due in answers:
        spans[department_id].append(days(routed_on, answered_on))
        if answered_on <= due:
            on_time[department_id] += 1
        else:
            late[department_id] += 1
    # counsel's returns and open items follow the case to the departments whose opinion it carries / it was routed to
    answered_by = (select(S.application_id, S.department_id)
                   .where(S.status == AssignmentStatus.answered.value, S.department_id.in_(ids)).distinct().subquery())
    returns = _counsel_returns(session, agency_id=agency_id, start=start, end=end, by=answered_by)
    routed_to = (select(S.application_id, S.department_id)
                 .where(S.status != AssignmentStatus.returned.value, S.department_id.in_(ids)).distinct().subquery())
    problems = _open_problems(session, agency_id=agency_id, end=end, by=routed_to)
    grades = mock_grades or {}
    return [PeriodRow(d, name, received.get(d, 0), len(spans[d]), on_time[d], late[d] + open_late.get(d, 0),
                      _avg(spans[d]), returns.get(d, 0), problems.get(d, 0), grades.get(d))
            for d, name in departments]


def _counsel_returns(session: Session, *, agency_id: int, start: date, end: date, by=None) -> dict:
    """法律审核退回 in the period: {department id: count} when `by` maps cases to departments, else {None: count}."""
    R, D = Review.__table__.c, Decision.__table__.c
    query = (select(R.id, *([by.c.department_id] if by is not None else []))
             .select_from(Review.__table__.join(Decision.__table__, D.id == R.decision_id)
                          .join(Application.__table__, A.id == D.application_id))
             .where(A.agency_id == agency_id, R.approved.is_(False), *counted_cases(),
                    Review.at >= datetime.combine(start, time.min, SHANGHAI),
                    Review.at < datetime.combine(end + timedelta(days=1), time.min, SHANGHAI)))
    if by is not None:
        query = query.join(by, by.c.application_id == A.id)
    counts: dict = defaultdict(int)
    for row in session.execute(query).all():  # review times are aware: their Shanghai day decides the period
        counts[row[1] if by is not None else None] += 1
    return counts


def _open_problems(session: Session, *, agency_id: int, end: date, by=None) -> dict:
    """问题清单 items open at the end of `end`: put on the list by then and not closed (销号) by then."""
    P = ProblemItem.__table__.c
    query = (select(*([by.c.department_id] if by is not None else []), func.count())
             .select_from(ProblemItem.__table__.join(Application.__table__, A.id == P.application_id))
             .where(P.agency_id == agency_id, P.added_on <= end, *counted_cases(),
                    or_(P.status == ProblemStatus.open.value, P.closed_on > end)))
    if by is not None:
        query = query.join(by, by.c.application_id == A.id).group_by(by.c.department_id)
        return dict(session.execute(query).all())
    return {None: session.execute(query).scalar_one()}


def agency_row(session: Session, *, agency_id: int, period: ReportPeriod, today: date, calendar,
               mock_grades: dict[int, float] | None = None) -> PeriodRow:
    """The agency's own figures, counted by case: received by the Art 31 receipt date, concluded, on time by the reply
    due date (Art 33), overdue (concluded late, or open at the period's end past the due date)."""
    start, end = period.start, min(period.end, today)
    base = [A.agency_id == agency_id, *counted_cases()]
    received = session.execute(select(func.count()).where(*base, A.receipt_date >= start, A.receipt_date <= end)
                               ).scalar_one()
    concluded = session.execute(select(A.receipt_date, A.closed_on, A.due_date)
                                .where(*base, A.closed_on >= start, A.closed_on <= end)).all()
    open_late = session.execute(select(func.count()).where(
        *base, A.receipt_date <= end, or_(A.closed_on.is_(None), A.closed_on > end), A.due_date < end)).scalar_one()
    spans = [calendar.working_days_between(r.receipt_date, r.closed_on) for r in concluded]
    on_time = sum(1 for r in concluded if r.due_date is None or r.closed_on <= r.due_date)
    grades = list((mock_grades or {}).values())
    return PeriodRow(None, "全机关合计", received, len(concluded), on_time, len(concluded) - on_time + open_late,
                     _avg(spans), _counsel_returns(session, agency_id=agency_id, start=start, end=end).get(None, 0),
                     _open_problems(session, agency_id=agency_id, end=end)[None],
                     round(sum(grades) / len(grades), 1) if grades else None)


def with_mock_grades(rows: list[PeriodRow], grades: dict[int, float]) -> list[PeriodRow]:
    """The rows with their mock-audit grades filled in (models.mock_audits.department_grades gives them)."""
    return [replace(r, mock_grade=grades.get(r.department_id, r.mock_grade)) for r in rows]


# --- the weekly dispatch list (周调度) ------------------------------------------------------------------------


@dataclass(frozen=True)
class DispatchLine:
    number: str
    request: str  # the request's first words
    receipt_date: date
    routed_on: date | None
    department_due: date | None  # the department's own answer date (None: the case is with the office)
    reply_due: date | None  # the statutory reply due date (Art 33); None while a 补正 is awaited (Art 30)
    status: Status
    waits_for: str
    level: str | None  # models.dashboard.LEVELS, by the department's due date, else the reply due date


@dataclass(frozen=True)
class DispatchGroup:
    department: str
    lines: tuple[DispatchLine, ...]

    @property
    def overdue(self) -> int:
        return sum(1 for line in self.lines if line.level == "overdue")


OFFICE = "公开办（未在承办单位）"
ASSIGNMENT_WAITS = {AssignmentStatus.routed: "待承办单位签收", AssignmentStatus.accepted: "待承办单位书面答复意见"}


def _excerpt(text: str, n: int = 30) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[:n] + "…"


def dispatch_list(session: Session, *, agency_id: int, today: date, calendar) -> list[DispatchGroup]:
    """The open cases per department on `today`, with their due dates and what they wait for; then the office's own."""
    cutoffs = Cutoffs.on(today, calendar=calendar)
    open_states = [s.value for s in OPEN_BEFORE_REPLY]
    rows = session.execute(
        select(Department.id, Department.name, A.number, A.request_text, A.receipt_date, S.routed_on, S.due_date,
               A.due_date, A.status, S.status.label("assignment"))
        .select_from(Assignment.__table__.join(Application.__table__, A.id == S.application_id)
                     .join(Department.__table__, Department.id == S.department_id))
        .where(A.agency_id == agency_id, A.status.in_(open_states), *counted_cases(),
               S.status.in_([AssignmentStatus.routed.value, AssignmentStatus.accepted.value]))
        .order_by(Department.id, S.due_date, A.number)).all()
    groups: dict = {name: [] for _, name in session.execute(
        select(Department.id, Department.name).where(Department.agency_id == agency_id).order_by(Department.id)).all()}
    with_department = set()
    for _, name, number, text, received, routed, dept_due, reply_due, status, assignment in rows:
        with_department.add(number)
        groups[name].append(DispatchLine(number, _excerpt(text), received, routed, dept_due, reply_due, Status(status),
                                         ASSIGNMENT_WAITS[AssignmentStatus(assignment)], cutoffs.level(dept_due)))
    office = session.execute(
        select(A.number, A.request_text, A.receipt_date, A.due_date, A.status)
        .where(A.agency_id == agency_id, A.status.in_(open_states), *counted_cases())
        .order_by(A.due_date.is_(None), A.due_date, A.number)).all()
    groups[OFFICE] = [DispatchLine(number, _excerpt(text), received, None, None, due, Status(status),
                                   waits_for(Status(status)), cutoffs.level(due))
                      for number, text, received, due, status in office if number not in with_department]
    return [DispatchGroup(name, tuple(lines)) for name, lines in groups.items()]


# --- the report ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PeriodReport:
    agency: str
    agency_id: int
    period: ReportPeriod
    as_of: date  # the last day counted: the period's end, or today while it runs
    made_on: date
    rows: tuple[PeriodRow, ...]
    total: PeriodRow
    dispatch: tuple[DispatchGroup, ...]  # week: every open case; month: the overdue ones; quarter: none

    @property
    def title(self) -> str:
        return f"{self.agency}{self.period.label}政府信息公开工作{self.period.kind.label}"

    @property
    def complete(self) -> bool:
        return self.as_of == self.period.end

    @property
    def ranked(self) -> list[PeriodRow]:
        """The graded departments, the best first (ties by the agency's order)."""
        graded = [r for r in self.rows if r.grade is not None]
        return sorted(graded, key=lambda r: -r.grade)


def period_report(session: Session, *, agency_id: int, kind: PeriodKind | str, period: ReportPeriod, today: date,
                  calendar, mock_grades: dict[int, float] | None = None) -> PeriodReport:
    """The figures of one period for one agency, with the dispatch list its kind carries."""
    kind = PeriodKind(kind)
    if period.kind != kind:
        period = period_containing(kind, period.start)
    if period.start > today:
        raise ValidationFailed(f"{period.label}尚未开始（今天是{today}），无法统计。", f"period {period.key} after {today}",
                               field="period")
    agency = session.get(Agency, agency_id)
    if mock_grades is None:  # the mock audits graded in the period (models.mock_audits)
        mock_grades = department_grades(session, agency_id, period.start, min(period.end, today))
    rows = department_rows(session, agency_id=agency_id, period=period, today=today, calendar=calendar,
                           mock_grades=mock_grades)
    total = agency_row(session, agency_id=agency_id, period=period, today=today, calendar=calendar,
                       mock_grades=mock_grades)
    dispatch: tuple = ()
    if kind == PeriodKind.week:
        dispatch = tuple(dispatch_list(session, agency_id=agency_id, today=today, calendar=calendar))
    elif kind == PeriodKind.month:
        dispatch = tuple(g for g in (DispatchGroup(g.department, tuple(x for x in g.lines if x.level == "overdue"))
                                     for g in dispatch_list(session, agency_id=agency_id, today=today, calendar=calendar))
                         if g.lines)
    return PeriodReport(agency.name, agency_id, period, min(period.end, today), today, tuple(rows), total, dispatch)
