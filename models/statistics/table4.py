"""Table 四 in SQL: challenges counted by the year they were filed, with their result as of the period's end.

regulation.md §4.5 leaves the convention open ("by the year the case was brought or decided"); Gongkai
counts by filing year, so a case filed in December and decided in March is 尚未审结 in the first year's
table and moves to its result only in the live view, never in a locked year (see docs/statistics.md).
"""

from sqlalchemy import and_, case, func, select
from sqlmodel import Session

from models.outcomes import ChallengeKind, ChallengeResult
from models.statistics.scope import Period, Scope
from models.tables import Application, LegalChallenge

TABLE4_PARTS = tuple(r.value for r in ChallengeResult)  # upheld, corrected, other, pending
TABLE4_KEYS = (*TABLE4_PARTS, "total")

Table4 = dict[str, dict[str, int]]

A = Application.__table__.c
C = LegalChallenge.__table__.c


def empty_table4() -> Table4:
    return {kind.value: dict.fromkeys(TABLE4_KEYS, 0) for kind in ChallengeKind}


def count_table4(session: Session, scope: Scope, period: Period) -> Table4:
    """Filed in the period; a result decided after the period's end is still pending (尚未审结) on that day."""
    result = case(
        (and_(C.decided_on.is_not(None), C.decided_on <= period.end), C.result),
        else_=ChallengeResult.pending.value,
    ).label("result")
    query = (
        select(C.kind, result, func.count())
        .select_from(LegalChallenge.__table__.join(Application.__table__, A.id == C.application_id))
        .where(C.filed_on >= period.start, C.filed_on <= period.end, *scope.restrict(A.id, A.agency_id))
        .group_by(C.kind, result)
    )
    table = empty_table4()
    for kind, res, n in session.execute(query).all():
        table[kind][res] += n
        table[kind]["total"] += n
    return table


def add_table4(a: Table4, b: Table4) -> Table4:
    return {kind: {key: a[kind][key] + b[kind][key] for key in TABLE4_KEYS} for kind in a}
