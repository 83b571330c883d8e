"""Read-only queries for the desk: worklists per role and the supervisor's deadline dashboard.

Only the status and the stored due date are read; "overdue" and "due soon" are computed here from
today and the working-day calendar (the Alaveteli habit), never stored. The alert levels follow
calendars.clock.DueLevel: T-5 / T-3 / T-1 count working days left after today.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache, cached_property
from datetime import date, timedelta

from sqlalchemy import case, func, union_all
from sqlmodel import Session, col, select

from models import problems as P
from models.enums import AssignmentStatus, ExtensionStatus, Status
from models.lifecycle import OPEN_BEFORE_REPLY, PAUSED
from models.mock_tables import not_mock
from models.tables import Applicant, Application, Assignment, Decision, Department, Extension, Supplement

OPEN = tuple(s.value for s in OPEN_BEFORE_REPLY)
OPEN_ASSIGNMENT = (AssignmentStatus.routed.value, AssignmentStatus.accepted.value)

# Alert levels in display order, with their Chinese labels.
LEVELS = ("overdue", "due_today", "t1", "t3", "t5", "on_track")
LEVEL_LABELS = {
    "overdue": "已逾期",
    "due_today": "今日到期",
    "t1": "剩1个工作日",
    "t3": "剩2-3个工作日",
    "t5": "剩4-5个工作日",
    "on_track": "期限充足",
}

# Working days a case usually sits in each step before it moves on (the district's working rules: the
# office checks and routes within 2 WD, a department answers within 5 WD, counsel reviews within 3 WD …).
# A case that has sat in its step longer is "at risk" on the dashboard. The paused and waiting steps
# (补正, 征求意见, 缴费) are missing on purpose: their periods belong to the applicant or the third party.
STAGE_USUAL = {
    Status.awaiting_confirmation: 1,  # Art 31(3): the office confirms an online application; no clock runs till then
    Status.registered: 2,
    Status.routed: 5,
    Status.coordinating: 5,
    Status.joint_consultation: 5,
    Status.drafting: 3,
    Status.deemed_abandoned: 2,  # the clerk drafts the 终止处理告知书
    Status.fee_unpaid: 2,
    Status.fee_review: 3,  # counsel reviews a fee notice like a draft reply
    Status.legal_review: 3,
    Status.returned_for_revision: 2,
    Status.approved: 1,
    Status.issued: 1,
}


@dataclass(frozen=True)
class Cutoffs:
    """The last due date of each alert level, computed once per request from the calendar."""

    today: date
    t1: date
    t3: date
    t5: date
    risk: dict  # Status -> the latest day a case could have entered it and still be sitting too long today

    @classmethod
    def on(cls, today: date, *, calendar) -> "Cutoffs":
        add = lambda n: calendar.add_working_days(today, days=n)  # noqa: E731
        return cls(today, add(1), add(3), add(5),
                   {s: _entered_by(today, usual, calendar) for s, usual in STAGE_USUAL.items()})

    @cached_property
    def _last_days(self) -> list[tuple[str, date | None]]:
        """Each level in LEVELS order with the last due date it holds (None: no end): the one definition."""
        return [("overdue", self.today - timedelta(days=1)), ("due_today", self.today), ("t1", self.t1),
                ("t3", self.t3), ("t5", self.t5), ("on_track", None)]

    def level(self, due: date | None) -> str | None:
        if due is None:
            return None
        return next(lv for lv, last in self._last_days if last is None or due <= last)

    def due_range(self, level: str) -> tuple[date | None, date | None]:
        """The due dates of one level as an inclusive range (None: open-ended), for the drill-down's WHERE."""
        first = None
        for lv, last in self._last_days:
            if lv == level:
                return first, last
            first = last + timedelta(days=1)
        raise KeyError(level)


def _entered_by(today: date, usual: int, calendar) -> date:
    """The latest day a status could have begun and have lasted more than `usual` working days by today."""
    day = today - timedelta(days=1)
    while calendar.working_days_between(day, today) <= usual:
        day -= timedelta(days=1)
    return day


# --- worklists ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    application: Application
    applicant: Applicant
    level: str | None
    paused: bool
    supplement_due: date | None = None  # Art 30: awaiting a 补正 there is no reply due date, only this period


def worklist(session: Session, *, agency_id: int, cutoffs: Cutoffs, status: Status | None = None,
             overdue: bool = False, text: str | None = None, include_closed: bool = False,
             limit: int = 200) -> list[Row]:
    """The clerk's worklist: open cases by the next deadline first, with filters and search."""
    query = (select(Application, Applicant).join(Applicant, Applicant.id == Application.applicant_id)
             .where(Application.agency_id == agency_id))
    if status:
        query = query.where(Application.status == Status(status).value)
    elif not include_closed:
        query = query.where(col(Application.status).in_(OPEN))
    else:  # a voided registration is no case: only asked for by its own status filter
        query = query.where(Application.status != Status.voided.value)
    if overdue:
        query = query.where(Application.due_date < cutoffs.today, col(Application.status).in_(OPEN))
    if text and text.strip():
        like = f"%{text.strip()}%"
        query = query.where(col(Application.number).like(like) | col(Applicant.name).like(like)
                            | col(Application.request_text).like(like))
    query = query.order_by(col(Application.due_date).is_(None), Application.due_date, Application.id).limit(limit)
    rows = session.exec(query).all()
    waiting = [a.id for a, _ in rows if a.status == Status.awaiting_supplement]
    periods = dict(session.exec(select(Supplement.application_id, Supplement.due_date)
                                .where(col(Supplement.application_id).in_(waiting))).all()) if waiting else {}
    return [Row(a, p, cutoffs.level(a.due_date) if a.status in OPEN else None, Status(a.status) in PAUSED,
                periods.get(a.id)) for a, p in rows]


@dataclass(frozen=True)
class InboxRow:
    assignment: Assignment
    application: Application
    level: str | None


def department_inbox(session: Session, *, department_id: int, cutoffs: Cutoffs) -> list[InboxRow]:
    """A department's routed cases: open assignments by their own due date, then the recent answers."""
    rows = session.exec(
        select(Assignment, Application).join(Application, Application.id == Assignment.application_id)
        .where(Assignment.department_id == department_id)
        .order_by(case((col(Assignment.status).in_(OPEN_ASSIGNMENT), 0),
                       else_=1), Assignment.due_date, Assignment.id)
        .limit(300)
    ).all()
    return [InboxRow(a, app, cutoffs.level(a.due_date) if a.status in (AssignmentStatus.routed, AssignmentStatus.accepted)
                     else None) for a, app in rows]


def review_queue(session: Session, *, agency_id: int, cutoffs: Cutoffs) -> list[Row]:
    """Legal counsel's queue: draft replies and fee notices, 易诉 cases first, then by the reply due date."""
    rows = session.exec(
        select(Application, Applicant).join(Applicant, Applicant.id == Application.applicant_id)
        .where(Application.agency_id == agency_id,
               col(Application.status).in_([Status.legal_review.value, Status.fee_review.value]))
        .order_by(col(Application.litigation_prone).desc(), Application.due_date, Application.id)
    ).all()
    return [Row(a, p, cutoffs.level(a.due_date), False) for a, p in rows]


def coordination_queue(session: Session, *, agency_id: int, cutoffs: Cutoffs) -> list[Row]:
    """Cases waiting for a leader: multi-department coordination and joint consultations."""
    rows = session.exec(
        select(Application, Applicant).join(Applicant, Applicant.id == Application.applicant_id)
        .where(Application.agency_id == agency_id,
               col(Application.status).in_([Status.coordinating.value, Status.joint_consultation.value]))
        .order_by(Application.due_date, Application.id)
    ).all()
    return [Row(a, p, cutoffs.level(a.due_date), False) for a, p in rows]


def pending_extensions(session: Session, *, agency_id: int) -> list[tuple[Extension, Application]]:
    """Extension requests awaiting the office head, the most urgent first (Art 33(2): before the due date)."""
    return list(session.exec(
        select(Extension, Application).join(Application, Application.id == Extension.application_id)
        .where(Application.agency_id == agency_id, Extension.status == ExtensionStatus.requested.value)
        .order_by(Application.due_date)
    ).all())


def decisions_of(session: Session, application_id: int) -> list[Decision]:
    return list(session.exec(select(Decision).where(Decision.application_id == application_id)
                             .order_by(Decision.version)).all())


# --- the supervisor dashboard -----------------------------------------------------------------------


@dataclass
class Dashboard:
    today: date
    by_level: dict = field(default_factory=dict)  # level -> count
    by_stage: dict = field(default_factory=dict)  # status -> {level: count}
    by_department: dict = field(default_factory=dict)  # department name -> {level: count} (open assignments)
    answer_times: list = field(default_factory=list)  # AnswerTimes per department, this year
    at_risk: list = field(default_factory=list)  # AtRisk rows, the longest sitting first
    urgent: list = field(default_factory=list)  # overdue and T-1 cases
    open_total: int = 0
    problems: list = field(default_factory=list)  # open problem-list items (models.problems), the earliest due first
    problem_levels: dict = field(default_factory=dict)  # problems.LEVELS -> count, by the list's internal clock


@dataclass(frozen=True)
class AnswerTimes:
    """A department's written answers this year, in working days from routing (the 5-WD rule counts those)."""

    department: str
    answered: int
    average_days: float
    longest_days: int
    on_time: int


@dataclass(frozen=True)
class CaseLine:
    """One case in a dashboard list: only what the list shows, read without loading the whole application."""

    number: str
    status: Status
    due_date: date | None
    status_since: date | None


@dataclass(frozen=True)
class AtRisk:
    case: CaseLine
    days_in_stage: int  # working days since its status began
    usual: int  # STAGE_USUAL of that status


def supervisor_dashboard(session: Session, *, agency_id: int, cutoffs: Cutoffs, calendar,
                         list_limit: int = 50) -> Dashboard:
    """Counts by alert level, by stage and by department; answer times; cases at risk; the urgent list.

    Counts are grouped by the stored due date (a few hundred distinct days), read from covering indexes,
    and given their alert level here: the database never evaluates a level per case.
    """
    dash = Dashboard(cutoffs.today)
    by_level: dict = defaultdict(int)
    by_stage: dict = defaultdict(lambda: defaultdict(int))
    for status, due, n in session.exec(
        select(Application.status, Application.due_date, func.count())
        .where(Application.agency_id == agency_id, col(Application.status).in_(OPEN),
               col(Application.due_date).is_not(None), not_mock(Application.id))  # 模拟暗访: the audit's own
        .group_by(Application.status, Application.due_date)
    ).all():
        lvl = cutoffs.level(due)
        by_level[lvl] += n
        by_stage[Status(status)][lvl] += n
    dash.by_level = {lv: by_level.get(lv, 0) for lv in LEVELS}
    order = list(Status)
    dash.by_stage = {s: dict(by_stage[s]) for s in sorted(by_stage, key=order.index)}
    dash.open_total = sum(by_level.values())
    dash.by_department = _open_assignments_by_department(session, agency_id=agency_id, cutoffs=cutoffs)
    dash.answer_times = answer_times(session, agency_id=agency_id, since=date(cutoffs.today.year, 1, 1),
                                     calendar=calendar)
    dash.at_risk = at_risk(session, agency_id=agency_id, cutoffs=cutoffs, calendar=calendar, limit=list_limit)
    dash.urgent = urgent(session, agency_id=agency_id, cutoffs=cutoffs, limit=list_limit)
    items = P.problem_list(session, agency_id=agency_id, today=cutoffs.today, calendar=calendar)
    dash.problem_levels = P.level_counts(items)
    dash.problems = items[:list_limit]
    return dash


def _open_assignments_by_department(session: Session, *, agency_id: int, cutoffs: Cutoffs) -> dict:
    by_department: dict = defaultdict(lambda: defaultdict(int))
    for name, due, n in session.exec(
        select(Department.name, Assignment.due_date, func.count())
        .select_from(Assignment).join(Department, Department.id == Assignment.department_id)
        .where(Department.agency_id == agency_id, col(Assignment.status).in_(OPEN_ASSIGNMENT),
               not_mock(Assignment.application_id))
        .group_by(Department.name, Assignment.due_date)
    ).all():
        by_department[name][cutoffs.level(due)] += n
    return {name: dict(counts) for name, counts in sorted(by_department.items())}


def at_risk(session: Session, *, agency_id: int, cutoffs: Cutoffs, calendar, limit: int = 50) -> list[AtRisk]:
    """Open cases sitting in one step longer than it usually takes (STAGE_USUAL), the longest first."""
    rows = _earliest(session, agency_id, Application.status_since, cutoffs.risk, limit)
    return [AtRisk(c, calendar.working_days_between(c.status_since, cutoffs.today), STAGE_USUAL[c.status])
            for c in rows]


def urgent(session: Session, *, agency_id: int, cutoffs: Cutoffs, limit: int = 50) -> list[CaseLine]:
    """Overdue and T-1 cases, most overdue first."""
    return _earliest(session, agency_id, Application.due_date, {Status(s): cutoffs.t1 for s in OPEN}, limit)


def _earliest(session: Session, agency_id: int, column, last: dict, limit: int) -> list[CaseLine]:
    """The `limit` cases with the earliest `column` among those whose column is on or before `last[status]`.

    One short range per status on the (agency, status, column) index, merged here: the closed cases, the
    bulk of the table, are never walked.
    """
    ranges = [select(column.label("key"), Application.id, Application.number, Application.status,
                     Application.due_date, Application.status_since)
              .where(Application.agency_id == agency_id, Application.status == status.value, column <= day,
                     not_mock(Application.id))
              .order_by(column, Application.id).limit(limit)
              for status, day in last.items()]
    rows = session.execute(union_all(*(r.subquery().select() for r in ranges))).all()  # one round-trip
    chosen = sorted(tuple(r) for r in rows)[:limit]
    return [CaseLine(number, Status(status), due, since) for _, _, number, status, due, since in chosen]


def answer_times(session: Session, *, agency_id: int, since: date, calendar) -> list[AnswerTimes]:
    """Per department, the written answers since `since`: count, mean and longest working days, on time.

    Grouped by (answer day, department, routing day), read from ix_assignment_department_answers (one short range
    per department of the agency); each pair of days is counted in working days once.
    """
    names = dict(session.exec(select(Department.id, Department.name).where(Department.agency_id == agency_id)).all())
    on_time = func.sum(case((Assignment.answered_on <= Assignment.due_date, 1), else_=0))
    rows = session.exec(
        select(Assignment.answered_on, Assignment.department_id, Assignment.routed_on, func.count(), on_time)
        .where(Assignment.status == AssignmentStatus.answered.value, Assignment.answered_on >= since,
               col(Assignment.department_id).in_(list(names)), not_mock(Assignment.application_id))
        .group_by(Assignment.answered_on, Assignment.department_id, Assignment.routed_on)
    ).all()
    working_day = cache(lambda day: calendar.working_days_between(since, day))  # a few hundred distinct days
    totals: dict = defaultdict(lambda: [0, 0, 0, 0])  # answered, working days summed, longest, on time
    for answered, department_id, routed, n, ok in rows:
        days = working_day(answered) - working_day(routed)
        t = totals[names[department_id]]
        t[0] += n
        t[1] += days * n
        t[2] = max(t[2], days)
        t[3] += int(ok or 0)
    return [AnswerTimes(name, n, round(total / n, 1), longest, ok)
            for name, (n, total, longest, ok) in sorted(totals.items())]


def drill_down(session: Session, *, agency_id: int, cutoffs: Cutoffs, level: str | None = None,
               status: Status | None = None, department: str | None = None, limit: int = 200) -> list[Application]:
    """The cases behind one number on the dashboard."""
    query = select(Application).where(Application.agency_id == agency_id, col(Application.status).in_(OPEN))
    if status:
        query = query.where(Application.status == Status(status).value)
    if department:
        query = query.where(col(Application.id).in_(
            select(Assignment.application_id).join(Department, Department.id == Assignment.department_id)
            .where(Department.name == department, col(Assignment.status).in_(OPEN_ASSIGNMENT))))
    if level in LEVELS:
        first, last = cutoffs.due_range(level)
        if first:
            query = query.where(Application.due_date >= first)
        if last:
            query = query.where(Application.due_date <= last)
    return list(session.exec(query.order_by(Application.due_date, Application.id).limit(limit)).all())
