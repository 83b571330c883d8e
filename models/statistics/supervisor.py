"""What supervisors ask for beside the tables: speed in working days, extensions, stages, departments, overdue.

Working days are counted on the injected calendar from the Art 31 receipt date to the day the case
concluded, pauses included: this is the speed the applicant saw, not the legal clock (calendars.clock).
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, or_, select, type_coerce
from sqlmodel import Session

from models.enums import AssignmentStatus, ExtensionStatus, Status
from models.statistics.scope import Period, Scope
from models.tables import Application, Assignment, AwareDateTime, Department, Event, Extension, shanghai_day

THRESHOLDS = (5, 10, 15, 20)  # WD: the district's 5-WD routing rule, then the Art 33 20-WD reply period
# The milestones of the lifecycle a supervisor follows; a stage ends when its milestone is first reached.
MILESTONES = (Status.registered, Status.routed, Status.drafting, Status.legal_review, Status.approved,
              Status.dispatched)

A = Application.__table__.c


@dataclass(frozen=True)
class DepartmentFigures:
    department: str
    routed: int
    answered: int
    average_days: float | None  # WD from routing to the written answer
    overdue: int  # answered after its due date, or still unanswered past it


@dataclass(frozen=True)
class SupervisorFigures:
    concluded: int
    answered_within: dict[int, float]  # threshold WD → share of concluded cases (0–1)
    average_days: float | None
    extensions_used: int
    extension_days: int
    stage_days: dict[str, float | None]  # milestone → average WD since the previous milestone reached
    departments: list[DepartmentFigures]
    overdue_open: int  # open on the period's last day with the due date already passed
    concluded_late: int  # concluded after the stored due date


def _avg(values: list[int]) -> float | None:
    return round(sum(values) / len(values), 1) if values else None


def supervisor_figures(session: Session, scope: Scope, period: Period, *, calendar) -> SupervisorFigures:
    """All figures for the cases concluded in the period (and, for overdue, those open at its end)."""
    in_scope = scope.restrict(A.id, A.agency_id)
    concluded = session.execute(
        select(A.id, A.receipt_date, A.closed_on, A.due_date)
        .where(A.closed_on >= period.start, A.closed_on <= period.end, *in_scope)
    ).all()
    days = [calendar.working_days_between(r.receipt_date, r.closed_on) for r in concluded]
    ids = [r.id for r in concluded]
    within = {n: (sum(d <= n for d in days) / len(days) if days else 0.0) for n in THRESHOLDS}
    overdue_open = session.execute(
        select(func.count()).where(A.receipt_date <= period.end, A.due_date < period.end,
                                   or_(A.closed_on.is_(None), A.closed_on > period.end), *in_scope)
    ).scalar_one()
    return SupervisorFigures(
        concluded=len(concluded),
        answered_within=within,
        average_days=_avg(days),
        extensions_used=_extensions(session, ids)[0],
        extension_days=_extensions(session, ids)[1],
        stage_days=_stage_days(session, ids, calendar),
        departments=_departments(session, scope, period, calendar),
        overdue_open=overdue_open,
        concluded_late=sum(1 for r in concluded if r.due_date is not None and r.closed_on > r.due_date),
    )


def _extensions(session: Session, ids: list[int]) -> tuple[int, int]:
    """Art 33(2): approved extensions among the concluded cases, and the working days they added."""
    X = Extension.__table__.c
    count, total = session.execute(
        select(func.count(), func.coalesce(func.sum(X.days), 0))
        .where(X.application_id.in_(ids), X.status == ExtensionStatus.approved.value)
    ).one()
    return count, int(total)


def _stage_days(session: Session, ids: list[int], calendar) -> dict[str, float | None]:
    """Average WD per stage from the Events: first time each milestone status was reached."""
    E = Event.__table__.c
    first_at = type_coerce(func.min(E.at), AwareDateTime())
    rows = session.execute(
        select(E.application_id, E.to_status, first_at)
        .where(E.application_id.in_(ids), E.to_status.in_([m.value for m in MILESTONES]))
        .group_by(E.application_id, E.to_status)
    ).all()
    reached: dict[int, dict[str, date]] = defaultdict(dict)
    for application_id, status, at in rows:
        reached[application_id][status] = shanghai_day(at)
    spans: dict[str, list[int]] = {m.value: [] for m in MILESTONES[1:]}
    for milestones in reached.values():
        previous = None
        for m in MILESTONES:
            if m.value in milestones:
                if previous is not None:
                    spans[m.value].append(calendar.working_days_between(previous, milestones[m.value]))
                previous = milestones[m.value]
    return {status: _avg(values) for status, values in spans.items()}


def _departments(session: Session, scope: Scope, period: Period, calendar) -> list[DepartmentFigures]:
    """Per department: the assignments routed in the period, answer time in WD and overdue answers."""
    S = Assignment.__table__.c
    D = Department.__table__.c
    rows = session.execute(
        select(D.name, S.routed_on, S.due_date, S.answered_on, S.status)
        .select_from(Assignment.__table__.join(Department.__table__, D.id == S.department_id)
                     .join(Application.__table__, A.id == S.application_id))
        .where(S.routed_on >= period.start, S.routed_on <= period.end, *scope.restrict(A.id, A.agency_id))
        .order_by(D.name)
    ).all()
    by_department: dict[str, list] = defaultdict(list)
    for row in rows:
        by_department[row.name].append(row)
    figures = []
    for name, assignments in by_department.items():
        answered = [a for a in assignments if a.answered_on is not None]
        late = [a for a in assignments if a.status != AssignmentStatus.returned.value and (
            (a.answered_on or period.end) > a.due_date)]
        figures.append(DepartmentFigures(
            name, len(assignments), len(answered),
            _avg([calendar.working_days_between(a.routed_on, a.answered_on) for a in answered]), len(late)))
    return figures
