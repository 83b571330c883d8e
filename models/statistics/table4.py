"""Table 四 in SQL: a challenge counts in the year it was filed and in the year it was decided.

regulation.md §4.5: "counted by the year the case was brought or decided (define one convention and keep it
year to year)". Gongkai keeps both halves of that rule, every year:
  * the year it was filed (brought): with its result if decided by that year's end, else 尚未审结;
  * a later year in which it was decided: with its result.
So a 复议 filed 2026-02-02 and decided 2027-03-01 is 尚未审结 in 2026 and 结果… in 2027, and neither
published table changes afterwards. A case pending through a whole year (filed before it, decided after it)
was neither brought nor decided in that year and is not counted there (see docs/statistics.md).
"""

from sqlalchemy import and_, case, func, or_, select
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
    """Filed or decided in the period; a result decided after the period's end is still pending (尚未审结) on that day."""
    decided_by_end = and_(C.decided_on.is_not(None), C.decided_on <= period.end)
    result = case((decided_by_end, C.result), else_=ChallengeResult.pending.value).label("result")
    filed_in = and_(C.filed_on >= period.start, C.filed_on <= period.end)
    decided_in = and_(C.filed_on < period.start, C.decided_on >= period.start, decided_by_end)
    query = (
        select(C.kind, result, func.count())
        .select_from(LegalChallenge.__table__.join(Application.__table__, A.id == C.application_id))
        .where(or_(filed_in, decided_in), *scope.restrict(A.id, A.agency_id))
        .group_by(C.kind, result)
    )
    table = empty_table4()
    for kind, res, n in session.execute(query).all():
        table[kind][res] += n
        table[kind]["total"] += n
    return table


def add_table4(a: Table4, b: Table4) -> Table4:
    return {kind: {key: a[kind][key] + b[kind][key] for key in TABLE4_KEYS} for kind in a}
