"""Read-only queries for the desk: worklists per role and the supervisor's deadline dashboard.

Only the status and the stored due date are read; "overdue" and "due soon" are computed here from
today and the working-day calendar (the Alaveteli habit), never stored. The alert levels follow
calendars.clock.DueLevel: T-5 / T-3 / T-1 count working days left after today.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import and_, case, func, or_
from sqlmodel import Session, col, select

from models.enums import AssignmentStatus, ExtensionStatus, Status
from models.lifecycle import OPEN_BEFORE_REPLY, PAUSED
from models.tables import Applicant, Application, Assignment, Decision, Department, Extension

OPEN = tuple(s.value for s in OPEN_BEFORE_REPLY)

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

# Working days a case usually still needs after each stage before the reply can go out (the district's
# rules: 5 WD for a department, then drafting, legal review and signing). A case with fewer days left
# than its stage needs is "at risk".
STAGE_NEEDS = {
    Status.registered: 10,
    Status.awaiting_supplement: 0,  # the clock restarts when the supplement arrives
    Status.routed: 8,
    Status.coordinating: 8,
    Status.joint_consultation: 6,
    Status.drafting: 4,
    Status.returned_for_revision: 3,
    Status.legal_review: 2,
    Status.approved: 1,
}


@dataclass(frozen=True)
class Cutoffs:
    """The last due date of each alert level, computed once per request from the calendar."""

    today: date
    t1: date
    t3: date
    t5: date
    stage: dict  # Status -> the due date at or before which a case in that stage is at risk

    @classmethod
    def on(cls, today: date, *, calendar) -> "Cutoffs":
        add = lambda n: calendar.add_working_days(today, days=n)  # noqa: E731
        return cls(today, add(1), add(3), add(5), {s: add(n) for s, n in STAGE_NEEDS.items() if n})

    def level(self, due: date | None) -> str | None:
        if due is None:
            return None
        if due < self.today:
            return "overdue"
        if due == self.today:
            return "due_today"
        return "t1" if due <= self.t1 else "t3" if due <= self.t3 else "t5" if due <= self.t5 else "on_track"

    def level_sql(self, column):
        """The same levels as a SQL CASE over a date column, for GROUP BY."""
        return case(
            (column < self.today, "overdue"),
            (column == self.today, "due_today"),
            (column <= self.t1, "t1"),
            (column <= self.t3, "t3"),
            (column <= self.t5, "t5"),
            else_="on_track",
        )

    def at_risk_sql(self):
        """Still in an early stage with fewer working days left than the remaining steps usually take."""
        return or_(*(and_(Application.status == s.value, Application.due_date >= self.today,
                          Application.due_date <= cut) for s, cut in self.stage.items()))


# --- worklists ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    application: Application
    applicant: Applicant
    level: str | None
    paused: bool


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
    if overdue:
        query = query.where(Application.due_date < cutoffs.today, col(Application.status).in_(OPEN))
    if text and text.strip():
        like = f"%{text.strip()}%"
        query = query.where(col(Application.number).like(like) | col(Applicant.name).like(like)
                            | col(Application.request_text).like(like))
    query = query.order_by(col(Application.due_date).is_(None), Application.due_date, Application.id).limit(limit)
    return [Row(a, p, cutoffs.level(a.due_date) if a.status in OPEN else None, Status(a.status) in PAUSED)
            for a, p in session.exec(query).all()]


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
        .order_by(case((col(Assignment.status).in_([AssignmentStatus.routed.value, AssignmentStatus.accepted.value]), 0),
                       else_=1), Assignment.due_date, Assignment.id)
        .limit(300)
    ).all()
    return [InboxRow(a, app, cutoffs.level(a.due_date) if a.status in (AssignmentStatus.routed, AssignmentStatus.accepted)
                     else None) for a, app in rows]


def review_queue(session: Session, *, agency_id: int, cutoffs: Cutoffs) -> list[Row]:
    """Legal counsel's queue: 易诉 cases first, then by the reply due date."""
    rows = session.exec(
        select(Application, Applicant).join(Applicant, Applicant.id == Application.applicant_id)
        .where(Application.agency_id == agency_id, Application.status == Status.legal_review.value)
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
    answer_times: list = field(default_factory=list)  # (department, answered, avg days, max days, on time)
    at_risk: list = field(default_factory=list)  # Application rows
    urgent: list = field(default_factory=list)  # overdue and T-1 cases
    open_total: int = 0


def supervisor_dashboard(session: Session, *, agency_id: int, cutoffs: Cutoffs, list_limit: int = 50) -> Dashboard:
    """Counts by alert level, by stage and by department; answer times; cases at risk; the urgent list."""
    dash = Dashboard(cutoffs.today)
    level = cutoffs.level_sql(Application.due_date)
    open_here = and_(Application.agency_id == agency_id, col(Application.status).in_(OPEN))
    stage_rows = session.exec(
        select(Application.status, level, func.count()).where(open_here, col(Application.due_date).is_not(None))
        .group_by(Application.status, level)
    ).all()
    by_level: dict = defaultdict(int)
    by_stage: dict = defaultdict(lambda: defaultdict(int))
    for status, lvl, n in stage_rows:
        by_level[lvl] += n
        by_stage[Status(status)][lvl] += n
    dash.by_level = {lv: by_level.get(lv, 0) for lv in LEVELS}
    order = list(Status)
    dash.by_stage = {s: dict(by_stage[s]) for s in sorted(by_stage, key=order.index)}
    dash.open_total = sum(by_level.values())

    dept_level = cutoffs.level_sql(Assignment.due_date)
    dept_rows = session.exec(
        select(Department.name, dept_level, func.count())
        .select_from(Assignment).join(Department, Department.id == Assignment.department_id)
        .where(Department.agency_id == agency_id,
               col(Assignment.status).in_([AssignmentStatus.routed.value, AssignmentStatus.accepted.value]))
        .group_by(Department.name, dept_level)
    ).all()
    by_dept: dict = defaultdict(dict)
    for name, lvl, n in dept_rows:
        by_dept[name][lvl] = n
    dash.by_department = dict(sorted(by_dept.items()))

    dash.answer_times = answer_times(session, agency_id=agency_id, since=date(cutoffs.today.year, 1, 1))
    dash.at_risk = list(session.exec(
        select(Application).where(open_here, cutoffs.at_risk_sql()).order_by(Application.due_date).limit(list_limit)
    ).all())
    dash.urgent = urgent(session, agency_id=agency_id, cutoffs=cutoffs, limit=list_limit)
    return dash


def urgent(session: Session, *, agency_id: int, cutoffs: Cutoffs, limit: int = 50) -> list[Application]:
    """Overdue and T-1 cases, most overdue first: one indexed range per open status, merged here, so that the
    closed cases' old due dates (the bulk of the table) are never walked."""
    found: list[Application] = []
    for status in OPEN:
        found += session.exec(
            select(Application).where(Application.agency_id == agency_id, Application.status == status,
                                      Application.due_date <= cutoffs.t1)
            .order_by(Application.due_date, Application.id).limit(limit)
        ).all()
    return sorted(found, key=lambda a: (a.due_date, a.id))[:limit]


def answer_times(session: Session, *, agency_id: int, since: date) -> list[tuple[str, int, float, int, int]]:
    """Per department, answers since `since`: count, mean and longest calendar days from routing, on time."""
    if session.get_bind().dialect.name == "sqlite":
        days = func.julianday(Assignment.answered_on) - func.julianday(Assignment.routed_on)
    else:
        days = Assignment.answered_on - Assignment.routed_on
    on_time = func.sum(case((Assignment.answered_on <= Assignment.due_date, 1), else_=0))
    rows = session.exec(
        select(Department.name, func.count(), func.avg(days), func.max(days), on_time)
        .select_from(Assignment).join(Department, Department.id == Assignment.department_id)
        .where(Department.agency_id == agency_id, Assignment.status == AssignmentStatus.answered.value,
               Assignment.answered_on >= since)
        .group_by(Department.name).order_by(Department.name)
    ).all()
    return [(name, n, round(float(avg or 0), 1), int(mx or 0), int(ok or 0)) for name, n, avg, mx, ok in rows]


def drill_down(session: Session, *, agency_id: int, cutoffs: Cutoffs, level: str | None = None,
               status: Status | None = None, department: str | None = None, limit: int = 200) -> list[Application]:
    """The cases behind one number on the dashboard."""
    query = select(Application).where(Application.agency_id == agency_id, col(Application.status).in_(OPEN))
    if status:
        query = query.where(Application.status == Status(status).value)
    if department:
        query = query.where(col(Application.id).in_(
            select(Assignment.application_id).join(Department, Department.id == Assignment.department_id)
            .where(Department.name == department,
                   col(Assignment.status).in_([AssignmentStatus.routed.value, AssignmentStatus.accepted.value]))))
    if level in LEVELS:
        query = query.where(cutoffs.level_sql(Application.due_date) == level)
    return list(session.exec(query.order_by(Application.due_date, Application.id).limit(limit)).all())
