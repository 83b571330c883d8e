"""Table 三 in SQL: one GROUP BY over the scope's applications, the outcome mapped to its row by a CASE.

Counting rules (regulation.md §4.3, 国办公开办函〔2021〕30号):
  一 new_received     receipt date (Art 31) in the year;
  二 carried_over     received before 1 Jan and not concluded before 1 Jan;
  三 result rows      concluded in the year, row = Outcome(outcome).table3_row (partial only in （二）);
  四 carried_forward  received by 31 Dec and not concluded by 31 Dec;
  column              the principal applicant's kind, never the agent's (application.applicant_kind, which the
                      database copies from the applicant: no join over the applicants).
"""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, case, func, literal, or_, select, union_all
from sqlmodel import Session

from models.errors import ValidationFailed
from models.outcomes import RESULT_ROW_KEYS, TABLE3_COLUMNS, TABLE3_ROW_KEYS, ApplicantKind, Outcome
from models.statistics.scope import Period, Scope
from models.tables import Applicant, Application

# A concluded case whose outcome was never recorded: counted nowhere silently, reported by the checks.
NO_OUTCOME = "no_outcome"
COUNTED_ROWS = ("new_received", "carried_over", "carried_forward")

A = Application.__table__.c
P = Applicant.__table__.c
ROW_OF_OUTCOME = case({o.value: o.table3_row for o in Outcome}, value=A.outcome, else_=literal(NO_OUTCOME))

Table3 = dict[str, list[int]]


def _conditions(period: Period) -> dict[str, object]:
    """The SQL condition of each counted row and of "concluded in the year"."""
    open_at_start = or_(A.closed_on.is_(None), A.closed_on >= period.start)
    open_at_end = or_(A.closed_on.is_(None), A.closed_on > period.end)
    return {
        "new_received": A.receipt_date >= period.start,
        "carried_over": and_(A.receipt_date < period.start, open_at_start),
        "carried_forward": open_at_end,
        "handled": and_(A.closed_on >= period.start, A.closed_on <= period.end),
        "relevant": and_(A.receipt_date <= period.end, open_at_start),  # every row above is inside this
    }


def _relevant_parts(period: Period) -> tuple[object, object]:
    """cond["relevant"] as two disjoint parts, each one range of ix_application_statistics per agency: the cases
    still open, and those concluded on or after 1 January (an OR of the two would read the table's rows)."""
    # coalesce(x, x) is x (never NULL) that no index is sought by: SQLite would otherwise walk
    # ix_application_receipt_date over every earlier year for the concluded part, not these ranges
    received = func.coalesce(A.receipt_date, A.receipt_date) <= period.end
    return and_(A.closed_on.is_(None), received), and_(A.closed_on >= period.start, received)


def empty_table3() -> Table3:
    return {key: [0] * len(TABLE3_COLUMNS) for key in TABLE3_ROW_KEYS}


@dataclass(frozen=True)
class Counted:
    table3: Table3
    concluded_without_outcome: int  # must be 0; the checks report it


def count_table3(session: Session, scope: Scope, period: Period) -> Counted:
    """Table 三 for the scope and period: one query, summed into rows r7_total and the 总计 column."""
    cond = _conditions(period)
    handled_row = case((cond["handled"], ROW_OF_OUTCOME), else_=None).label("row")
    parts = [
        select(
            A.applicant_kind,  # the principal applicant's kind, copied onto the application (migration 0028)
            handled_row,
            *(func.sum(case((cond[key], 1), else_=0)).label(key) for key in COUNTED_ROWS),
            func.count().label("n"),
        )
        .where(part, *scope.restrict(A.id, A.agency_id))
        .group_by(A.applicant_kind, handled_row)
        for part in _relevant_parts(period)
    ]
    query = union_all(*parts)  # one statement; a (kind, row) pair may come from both parts and is summed below
    table, missing = empty_table3(), 0
    column = {kind.value: i for i, kind in enumerate(ApplicantKind)}
    for kind, row, *counts, n in session.execute(query).all():
        i = column[kind]
        for key, value in zip(COUNTED_ROWS, counts):
            table[key][i] += int(value or 0)
        if row == NO_OUTCOME:
            missing += n
        elif row is not None:
            table[row][i] += n
    return Counted(_totals(table), missing)


def _totals(table: Table3) -> Table3:
    """（七）总计 is the sum of the result rows; the 总计 column the sum of the six applicant columns."""
    table["r7_total"] = [sum(table[key][i] for key in RESULT_ROW_KEYS) for i in range(len(TABLE3_COLUMNS))]
    for values in table.values():
        values[-1] = sum(values[:-1])
    return table


def add_tables(a: Table3, b: Table3) -> Table3:
    return {key: [x + y for x, y in zip(a[key], b[key])] for key in TABLE3_ROW_KEYS}


@dataclass(frozen=True)
class CaseRef:
    """One application behind a cell: enough to find it and see why it is there."""

    number: str
    agency_id: int
    applicant: str
    kind: str
    receipt_date: date
    closed_on: date | None
    outcome: str | None


def cell_cases(session: Session, scope: Scope, period: Period, *, row: str, column: str) -> list[CaseRef]:
    """The applications counted in one cell of table 三 (drill-down), in receipt order."""
    if row not in TABLE3_ROW_KEYS:
        raise ValidationFailed(f"表三没有行「{row}」。可用：{'、'.join(TABLE3_ROW_KEYS)}", f"no row {row}")
    if column not in TABLE3_COLUMNS:
        raise ValidationFailed(f"表三没有列「{column}」。可用：{'、'.join(TABLE3_COLUMNS)}", f"no column {column}")
    cond = _conditions(period)
    if row in COUNTED_ROWS:
        where = [cond[row]]
    elif row == "r7_total":
        where = [cond["handled"]]
    else:
        outcomes = [o.value for o in Outcome if o.table3_row == row]
        where = [cond["handled"], A.outcome.in_(outcomes)]
    if column != "total":
        where.append(P.kind == column)
    query = (
        select(A.number, A.agency_id, P.name, P.kind, A.receipt_date, A.closed_on, A.outcome)
        .select_from(Application.__table__.join(Applicant.__table__, P.id == A.applicant_id))
        .where(cond["relevant"], *where, *scope.restrict(A.id, A.agency_id))
        .order_by(A.receipt_date, A.number)
    )
    return [CaseRef(*r) for r in session.execute(query).all()]
