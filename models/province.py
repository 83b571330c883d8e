"""The province roll-up: the supervisor dashboard and table 三 over every agency of one installation.

A provincial supervisor (above the agencies) reads the same figures an agency's supervisor reads
(models.dashboard), summed over the agencies, and each agency's line beside them; and the year's table 三
counted over all of them (models.statistics.count_table3 on a scope of every agency). Nothing here is a
second definition: the alert levels are Cutoffs' ranges, the stages STAGE_USUAL, the table's rows the
statistics code's. The open cases are counted from open_case_count, the number per agency, status and due date
the database's triggers keep in each writing transaction (migration 0028; tests/models/test_province_counts.py holds
it equal to the recount), grouped by level in SQL: ≈100k rows read for 1M open cases, a few thousand returned
(bench/province_bench.py measures it against the bare SQL).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Date, Integer, bindparam, case, column, delete, func, insert, literal, text, union_all
from sqlmodel import Session, col, select

from models.dashboard import LEVELS, OPEN, OPEN_ASSIGNMENT, STAGE_USUAL, AtRisk, CaseLine, Cutoffs
from models.enums import AssignmentStatus, Status
from models.statistics.scope import Period, Scope, period
from models.statistics.table3 import Counted, count_table3
from models.mock_tables import mock_case_ids, not_mock
from models.tables import Agency, Application, Assignment, Department, OpenCaseCount


@dataclass(frozen=True)
class AgencyLine:
    """One agency's line on the province dashboard: its open cases by level and this year's answers."""

    agency_id: int
    agency: str
    by_level: dict  # level -> count, every level of LEVELS
    open_total: int
    open_assignments: int  # routed to a department and not answered yet
    answered: int  # departments' written answers this year (as models.dashboard.answer_times counts them)
    average_days: float | None  # WD from routing to the answer
    longest_days: int | None
    on_time: int


@dataclass(frozen=True)
class ProvinceCase:
    agency: str
    case: CaseLine


@dataclass(frozen=True)
class ProvinceAtRisk:
    agency: str
    risk: AtRisk


@dataclass
class ProvinceDashboard:
    today: date
    by_level: dict = field(default_factory=dict)  # level -> count over every agency
    by_stage: dict = field(default_factory=dict)  # status -> {level: count}
    open_total: int = 0
    agencies: list = field(default_factory=list)  # AgencyLine per agency, by name
    urgent: list = field(default_factory=list)  # ProvinceCase: overdue and T-1, most overdue first
    at_risk: list = field(default_factory=list)  # ProvinceAtRisk: the longest sitting first


def level_of(column, cutoffs: Cutoffs):
    """The alert level as a SQL CASE over the due date, built from Cutoffs.due_range (the one definition)."""
    bounded = [(column <= cutoffs.due_range(lv)[1], literal(lv)) for lv in LEVELS if cutoffs.due_range(lv)[1]]
    return case(*bounded, else_=literal(LEVELS[-1]))


def province_dashboard(session: Session, *, cutoffs: Cutoffs, calendar, list_limit: int = 50) -> ProvinceDashboard:
    """models.dashboard.supervisor_dashboard over every agency: totals, one line per agency, the urgent lists."""
    names = dict(session.exec(select(Agency.id, Agency.name)).all())
    dash = ProvinceDashboard(cutoffs.today)
    level = level_of(OpenCaseCount.due_date, cutoffs)
    by_agency: dict = defaultdict(lambda: defaultdict(int))
    by_stage: dict = defaultdict(lambda: defaultdict(int))
    # the maintained counts (one row per agency, status and due date), not the 1M open cases themselves
    for agency_id, status, lvl, n in session.exec(
        select(OpenCaseCount.agency_id, OpenCaseCount.status, level, func.sum(OpenCaseCount.n))
        .where(OpenCaseCount.n > 0)
        .group_by(OpenCaseCount.agency_id, OpenCaseCount.status, level)
    ).all():
        by_agency[agency_id][lvl] += int(n)
        by_stage[Status(status)][lvl] += int(n)
    for agency_id, status, lvl, n in session.exec(  # 模拟暗访: the few open mock cases, counted only in the audit's own
        select(Application.agency_id, Application.status, level_of(Application.due_date, cutoffs), func.count())
        .where(col(Application.id).in_(mock_case_ids()), col(Application.status).in_(OPEN),
               col(Application.due_date).is_not(None))
        .group_by(Application.agency_id, Application.status, level_of(Application.due_date, cutoffs))
    ).all():
        by_agency[agency_id][lvl] -= n
        by_stage[Status(status)][lvl] -= n
    order = list(Status)
    dash.by_stage = {s: dict(by_stage[s]) for s in sorted(by_stage, key=order.index)}
    dash.by_level = {lv: sum(counts.get(lv, 0) for counts in by_agency.values()) for lv in LEVELS}
    dash.open_total = sum(dash.by_level.values())
    assignments = _open_assignments_by_agency(session)
    answers = answer_times_by_agency(session, since=date(cutoffs.today.year, 1, 1), calendar=calendar)
    dash.agencies = [
        AgencyLine(agency_id, name, {lv: by_agency[agency_id].get(lv, 0) for lv in LEVELS},
                   sum(by_agency[agency_id].values()), assignments.get(agency_id, 0),
                   *answers.get(agency_id, (0, None, None, 0)))
        for agency_id, name in sorted(names.items(), key=lambda item: item[1])]
    dash.urgent = [ProvinceCase(names[a], c) for a, c in
                   _earliest(session, Application.due_date, {Status(s): cutoffs.t1 for s in OPEN}, list_limit)]
    dash.at_risk = [ProvinceAtRisk(names[a], AtRisk(c, calendar.working_days_between(c.status_since, cutoffs.today),
                                                    STAGE_USUAL[c.status]))
                    for a, c in _earliest(session, Application.status_since, cutoffs.risk, list_limit)]
    return dash


def recount_open_cases(connection) -> None:
    """Rebuild open_case_count from the applications (a bulk load with the triggers off; a repair)."""
    connection.execute(delete(OpenCaseCount))
    counted = (select(Application.agency_id, Application.status, Application.due_date, func.count())
               .where(col(Application.status).in_(OPEN), col(Application.due_date).is_not(None))
               .group_by(Application.agency_id, Application.status, Application.due_date))
    connection.execute(insert(OpenCaseCount).from_select(["agency_id", "status", "due_date", "n"], counted))


def _open_assignments_by_agency(session: Session) -> dict[int, int]:
    return dict(session.exec(
        select(Department.agency_id, func.count())
        .select_from(Assignment).join(Department, Department.id == Assignment.department_id)
        .where(col(Assignment.status).in_(OPEN_ASSIGNMENT), not_mock(Assignment.application_id))
        .group_by(Department.agency_id)
    ).all())


def _earliest(session: Session, column, last: dict, limit: int) -> list[tuple[int, CaseLine]]:
    """models.dashboard._earliest over every agency: one short range per status on the (status, column) index,
    all in one statement."""
    ranges = [select(column.label("key"), Application.id, Application.agency_id, Application.number,
                     Application.status, Application.due_date, Application.status_since)
              .where(Application.status == status.value, column <= day, not_mock(Application.id))
              .order_by(column, Application.id).limit(limit)
              for status, day in last.items()]
    rows = session.execute(union_all(*(r.subquery().select() for r in ranges))).all()
    chosen = sorted(tuple(r) for r in rows)[:limit]
    return [(agency_id, CaseLine(number, Status(status), due, since))
            for _, _, agency_id, number, status, due, since in chosen]


def answer_times_by_agency(session: Session, *, since: date, calendar) -> dict[int, tuple]:
    """Per agency, the departments' written answers since `since`: (answered, mean WD, longest WD, on time).

    The same figures as models.dashboard.answer_times summed over an agency's departments. The working
    days are counted in the database from a day → working-day-number table made from the calendar (a few
    hundred rows): one pass over the answers, whatever the number of agencies.
    """
    answered = (Assignment.status == AssignmentStatus.answered.value, Assignment.answered_on >= since,
                not_mock(Assignment.application_id))
    first, last = session.exec(select(func.min(Assignment.routed_on), func.max(Assignment.answered_on))
                               .where(*answered)).one()
    if first is None:
        return {}
    days = [date.fromordinal(o) for o in range(first.toordinal(), last.toordinal() + 1)]
    rows = ", ".join(f"(:d{i}, :n{i})" for i in range(len(days)))
    # VALUES names its columns column1, column2 in SQLite and PostgreSQL alike
    numbered = text(f"VALUES {rows}").bindparams(
        *(bindparam(f"d{i}", day, type_=Date) for i, day in enumerate(days)),
        *(bindparam(f"n{i}", calendar.working_days_between(first, day), type_=Integer) for i, day in enumerate(days)),
    ).columns(column("column1", Date), column("column2", Integer)).cte("working_day")
    answer, routing = numbered.alias("answer_day"), numbered.alias("routing_day")
    spent = answer.c.column2 - routing.c.column2
    on_time = func.sum(case((Assignment.answered_on <= Assignment.due_date, 1), else_=0))
    result = session.exec(
        select(Department.agency_id, func.count(), func.sum(spent), func.max(spent), on_time)
        .select_from(Assignment)
        .join(Department, Department.id == Assignment.department_id)
        .join(answer, answer.c.column1 == Assignment.answered_on)
        .join(routing, routing.c.column1 == Assignment.routed_on)
        .where(*answered)
        .group_by(Department.agency_id)
    ).all()
    return {agency_id: (n, round(int(total) / n, 1), int(longest), int(ok or 0))
            for agency_id, n, total, longest, ok in result}


@dataclass(frozen=True)
class ProvinceTable3:
    year: int
    as_of: date
    agencies: int
    counted: Counted  # table 三 summed over every agency, and the concluded cases without an outcome


def province_table3(session: Session, *, year: int, today: date) -> ProvinceTable3:
    """Table 三 of the year over every agency of the installation (count_table3 on a scope of all of them)."""
    ids = tuple(session.exec(select(Agency.id).order_by(Agency.id)).all())
    when: Period = period(year, today=today)
    return ProvinceTable3(year, when.end, len(ids), count_table3(session, Scope(ids), when))
