"""Year lock: concluded cases of a locked year are read-only; lock and reopen are restricted and audited."""

from datetime import date

import pytest
from sqlmodel import select

from models import actions as A
from models.demo import DEMO_AGENCY
from models.errors import CaseReadOnly, GuardFailed, RoleNotAllowed, ValidationFailed
from models.outcomes import ChallengeKind, ChallengeResult
from models.queries import agency_by_name, application_by_number
from models.statistics import ensure_year_open, lock_history, lock_year, reopen_year
from models.tables import LegalChallenge
from tests.factories import ctx
from tests.statistics.cases import add_subunit, case, import_cases

DAY = date(2026, 1, 20)


@pytest.fixture
def cases(session, calendar):
    add_subunit(session, "示范区某某街道办事处")
    found = [
        case(received=date(2025, 3, 1), row="r1_disclosed", closed=date(2025, 3, 20)),
        case(received=date(2025, 12, 29), row="r1_disclosed", closed=date(2026, 1, 8)),
        case(received=date(2025, 12, 30)),  # still open
        case(received=date(2025, 5, 1), row="r5_2_repeat", closed=date(2025, 5, 9), agency="示范区某某街道办事处"),
    ]
    import_cases(session, calendar, found, today=DAY)
    return [application_by_number(session, c["number"]) for c in found]


def test_lock_makes_concluded_cases_of_the_year_read_only(session, calendar, cases):
    lock_year(ctx(session, calendar, "head", DAY), agency=DEMO_AGENCY, year=2025)
    closed_2025, closed_2026, still_open, subunit_case = cases
    with pytest.raises(CaseReadOnly) as err:
        ensure_year_open(session, closed_2025)
    assert "2025年度统计已由孙主任" in err.value.message_zh and "gongkai report reopen" in err.value.message_zh
    with pytest.raises(CaseReadOnly):
        ensure_year_open(session, subunit_case)  # the district's lock holds its sub-units
    ensure_year_open(session, closed_2026)
    ensure_year_open(session, still_open)


def test_reopen_lifts_the_lock_and_is_audited(session, calendar, cases):
    lock_year(ctx(session, calendar, "head", DAY), agency=DEMO_AGENCY, year=2025)
    with pytest.raises(ValidationFailed):
        reopen_year(ctx(session, calendar, "head", DAY), agency=DEMO_AGENCY, year=2025, reason=" ")
    reopen_year(ctx(session, calendar, "head", DAY), agency=DEMO_AGENCY, year=2025, reason="更正第3行数据")
    ensure_year_open(session, cases[0])
    history = lock_history(session, agency_by_name(session, DEMO_AGENCY).id)
    assert [(e.action, e.by, e.reason) for e in history] == [("lock", "孙主任", ""), ("reopen", "孙主任", "更正第3行数据")]


@pytest.mark.parametrize("user, year, error", [
    ("clerk", 2025, RoleNotAllowed),
    ("head", 2026, GuardFailed),
], ids=["clerk-may-not-lock", "year-not-over"])
def test_lock_guards(session, calendar, cases, user, year, error):
    with pytest.raises(error):
        lock_year(ctx(session, calendar, user, DAY), agency=DEMO_AGENCY, year=year)


def test_lock_twice_and_reopen_unlocked_are_refused(session, calendar, cases):
    lock_year(ctx(session, calendar, "head", DAY), agency=DEMO_AGENCY, year=2025)
    with pytest.raises(GuardFailed):
        lock_year(ctx(session, calendar, "head", DAY), agency=DEMO_AGENCY, year=2025)
    with pytest.raises(GuardFailed):
        reopen_year(ctx(session, calendar, "head", DAY), agency=DEMO_AGENCY, year=2024, reason="无")


@pytest.mark.parametrize("filed, decided, refused", [
    (date(2025, 6, 1), None, "复议诉讼提起日期（2025-06-01）落在已锁定的年度"),  # would add to the 2025 table 四
    (date(2026, 1, 5), None, None),  # counted in 2026, not locked
    (date(2026, 1, 5), date(2026, 1, 15), None),
], ids=["filed-in-locked-year", "filed-after", "filed-and-decided-after"])
def test_a_challenge_cannot_change_a_locked_table_four(session, calendar, cases, filed, decided, refused):
    lock_year(ctx(session, calendar, "head", DAY), agency=DEMO_AGENCY, year=2025)
    clerk = ctx(session, calendar, "clerk", DAY)
    if refused:
        with pytest.raises(CaseReadOnly) as err:
            A.record_challenge(clerk, cases[0].number, kind=ChallengeKind.reconsideration, filed_on=filed)
        assert refused in err.value.message_zh
        assert session.exec(select(LegalChallenge)).all() == []
        return
    challenge = A.record_challenge(clerk, cases[0].number, kind=ChallengeKind.reconsideration, filed_on=filed)
    if decided:
        A.decide_challenge(clerk, challenge.id, result=ChallengeResult.upheld, decided_on=decided)


def test_a_decision_dated_in_a_locked_year_is_refused_but_a_later_one_is_not(session, calendar, cases):
    clerk = ctx(session, calendar, "clerk", DAY)
    filed_2025 = A.record_challenge(clerk, cases[0].number, kind=ChallengeKind.litigation_direct, filed_on=date(2025, 11, 3))
    other = A.record_challenge(clerk, cases[0].number, kind=ChallengeKind.litigation_direct, filed_on=date(2025, 11, 4))
    lock_year(ctx(session, calendar, "head", DAY), agency=DEMO_AGENCY, year=2025)
    with pytest.raises(CaseReadOnly) as err:
        A.decide_challenge(clerk, filed_2025.id, result=ChallengeResult.upheld, decided_on=date(2025, 12, 20))
    assert "审结日期（2025-12-20）" in err.value.message_zh
    decided = A.decide_challenge(clerk, other.id, result=ChallengeResult.upheld, decided_on=date(2026, 1, 10))
    assert decided.decided_on == date(2026, 1, 10)  # 2025's table still shows it 尚未审结


def test_a_decision_dated_in_a_locked_year_is_refused_whatever_year_the_challenge_was_filed(session, calendar, cases):
    """Table 四 counts a result in the year it is decided (regulation.md §4.5): 2025's published table would change."""
    clerk = ctx(session, calendar, "clerk", DAY)
    filed_2024 = A.record_challenge(clerk, cases[0].number, kind=ChallengeKind.reconsideration, filed_on=date(2025, 3, 25))
    session.get(LegalChallenge, filed_2024.id).filed_on = date(2024, 12, 30)  # an imported 2024 filing, still pending
    session.commit()
    lock_year(ctx(session, calendar, "head", DAY), agency=DEMO_AGENCY, year=2025)
    with pytest.raises(CaseReadOnly) as err:
        A.decide_challenge(clerk, filed_2024.id, result=ChallengeResult.corrected, decided_on=date(2025, 6, 1))
    assert "审结日期（2025-06-01）落在已锁定的年度" in err.value.message_zh
