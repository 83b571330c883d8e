"""What a report counts: which agencies (a district with its sub-units), which department, which days."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlmodel import Session

from models.enums import Status
from models.errors import ValidationFailed
from models.mock_tables import not_mock
from models.tables import Agency, Assignment
from models.validation import check_year


@dataclass(frozen=True)
class Period:
    """The statistics year 1 Jan – 31 Dec (§4.1), cut at `today` while the year is still running."""

    year: int
    start: date
    end: date  # the last day counted: 31 Dec, or today for the live table

    @property
    def complete(self) -> bool:
        return self.end == date(self.year, 12, 31)


def period(year: int, *, today: date) -> Period:
    """The year as of `today`: a live table counts up to today, a past year up to 31 December."""
    check_year(year, what="统计年度")
    start = date(year, 1, 1)
    if today < start:
        raise ValidationFailed(f"{year}年度尚未开始（今天是{today}），无法统计。", f"year {year} after {today}")
    return Period(year, start, min(date(year, 12, 31), today))


@dataclass(frozen=True)
class Scope:
    """The agencies counted together and, for a per-department breakdown, the department routed to."""

    agency_ids: tuple[int, ...]
    department_id: int | None = None

    def restrict(self, application_id_column, agency_id_column):
        """SQL conditions that keep only this scope's applications; a voided registration, an online application
        whose receipt the office has not yet confirmed (Art 31(3): not received in law yet) and a mock case (模拟暗访,
        models.mock_audits: counted only in the audit's own report) are in no scope."""
        conditions = [agency_id_column.in_(self.agency_ids),
                      application_id_column.table.c.status.not_in((Status.voided.value,
                                                                   Status.awaiting_confirmation.value)),
                      not_mock(application_id_column)]
        if self.department_id is not None:
            routed = select(Assignment.application_id).where(Assignment.department_id == self.department_id)
            conditions.append(application_id_column.in_(routed))
        return conditions


def subunit_ids(session: Session, agency: Agency) -> tuple[int, ...]:
    """The agency and every agency below it in the Agency.parent_id tree (a district with its townships)."""
    children: dict[int | None, list[int]] = {}
    for agency_id, parent_id in session.execute(select(Agency.id, Agency.parent_id)).all():
        children.setdefault(parent_id, []).append(agency_id)
    found, todo = [], [agency.id]
    while todo:
        current = todo.pop()
        if current in found:
            continue  # a cycle in bad data must not loop forever
        found.append(current)
        todo.extend(children.get(current, []))
    return tuple(found)


def ancestor_ids(session: Session, agency_id: int) -> tuple[int, ...]:
    """The agency and every agency above it: a lock on a district also holds its sub-units."""
    parents = dict(session.execute(select(Agency.id, Agency.parent_id)).all())
    found = []
    current = agency_id
    while current is not None and current not in found:
        found.append(current)
        current = parents.get(current)
    return tuple(found)


def scope_of(session: Session, agency: Agency, *, include_subunits: bool = False,
             department_id: int | None = None) -> Scope:
    ids = subunit_ids(session, agency) if include_subunits else (agency.id,)
    return Scope(ids, department_id)
