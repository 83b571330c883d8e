"""Table 四 by filing year with the result as of the period's end; multi-outcome precedence at dispatch."""

from datetime import date

import pytest
from sqlmodel import select

from models import actions as A
from models.demo import DEMO_AGENCY
from models.outcomes import DEFAULT_PRECEDENCE, Outcome, main_outcome
from models.queries import agency_by_name
from models.statistics import annual_report
from models.tables import Agency
from tests.statistics.cases import case, import_cases
from tests.statistics.cases_live import dispatched_case


def test_table_four_counts_by_filing_year_and_is_pending_until_decided(session, calendar):
    import_cases(session, calendar, [
        case(received=date(2021, 3, 1), row="r4_1_not_held", closed=date(2021, 3, 20), challenges=[
            {"kind": "reconsideration", "filed_date": "2021-05-01", "outcome": "corrected",
             "closed_date": "2021-07-01"},
            {"kind": "litigation_after_reconsideration", "filed_date": "2021-12-01", "outcome": "upheld",
             "closed_date": "2022-03-01"},
            {"kind": "litigation_direct", "filed_date": "2022-01-05"},
        ]),
    ])
    agency = agency_by_name(session, DEMO_AGENCY)
    t2021 = annual_report(session, agency=agency, year=2021, today=date(2026, 1, 1)).table4
    t2022 = annual_report(session, agency=agency, year=2022, today=date(2026, 1, 1)).table4
    assert t2021["reconsideration"] == {"upheld": 0, "corrected": 1, "other": 0, "pending": 0, "total": 1}
    assert t2021["litigation_after_reconsideration"]["pending"] == 1  # decided only in 2022
    assert t2021["litigation_direct"]["total"] == 0
    assert t2022["litigation_direct"] == {"upheld": 0, "corrected": 0, "other": 0, "pending": 1, "total": 1}


PENDING_2026 = {"upheld": 0, "corrected": 0, "other": 0, "pending": 1, "total": 1}
CORRECTED = {"upheld": 0, "corrected": 1, "other": 0, "pending": 0, "total": 1}
NONE = {"upheld": 0, "corrected": 0, "other": 0, "pending": 0, "total": 0}


def test_a_challenge_decided_in_a_later_year_is_pending_in_its_filing_year_and_counted_with_its_result_when_decided(
        session, calendar):
    """regulation.md §4.5: counted by the year the case was brought or decided — both, every year."""
    from models.outcomes import ChallengeKind, ChallengeResult
    from models.statistics import lock_year
    from tests.factories import ctx

    number = dispatched_case(session, calendar, received=date(2026, 1, 5), done=date(2026, 1, 20),
                             draft=A.DraftIn(outcome=Outcome.disclosed, body="所申请信息见附件。"))
    clerk = lambda day: ctx(session, calendar, "clerk", day)  # noqa: E731
    challenge = A.record_challenge(clerk(date(2026, 2, 2)), number, kind=ChallengeKind.reconsideration,
                                   filed_on=date(2026, 2, 2))
    lock_year(ctx(session, calendar, "head", date(2027, 1, 15)), agency=DEMO_AGENCY, year=2026)
    A.decide_challenge(clerk(date(2027, 3, 1)), challenge.id, result=ChallengeResult.corrected,
                       decided_on=date(2027, 3, 1))
    agency = agency_by_name(session, DEMO_AGENCY)
    tables = {year: annual_report(session, agency=agency, year=year, today=date(2028, 1, 10)).table4["reconsideration"]
              for year in (2026, 2027, 2028)}
    assert tables == {2026: PENDING_2026, 2027: CORRECTED, 2028: NONE}
    live = annual_report(session, agency=agency, year=2027, today=date(2027, 2, 1)).table4["reconsideration"]
    assert live == NONE  # not yet decided on the live day: neither brought nor decided in 2027 so far


def test_table_four_of_an_imported_challenge_follows_the_same_rule(session, calendar):
    import_cases(session, calendar, [
        case(received=date(2021, 3, 1), row="r4_1_not_held", closed=date(2021, 3, 20), challenges=[
            {"kind": "litigation_after_reconsideration", "filed_date": "2021-12-01", "outcome": "upheld",
             "closed_date": "2022-03-01"},
        ]),
    ])
    agency = agency_by_name(session, DEMO_AGENCY)
    by_year = {y: annual_report(session, agency=agency, year=y, today=date(2026, 1, 1)).table4[
        "litigation_after_reconsideration"] for y in (2021, 2022)}
    assert by_year[2021]["pending"] == 1 and by_year[2022] == {"upheld": 1, "corrected": 0, "other": 0, "pending": 0,
                                                                "total": 1}


@pytest.mark.parametrize("outcomes, precedence, expected", [
    ([Outcome.disclosed, Outcome.third_party], DEFAULT_PRECEDENCE, Outcome.partial),
    ([Outcome.not_held, Outcome.disclosed], DEFAULT_PRECEDENCE, Outcome.disclosed),
    ([Outcome.repeat, Outcome.not_held], DEFAULT_PRECEDENCE, Outcome.not_held),
    ([Outcome.process_info, Outcome.state_secret], DEFAULT_PRECEDENCE, Outcome.process_info),
    ([Outcome.not_held, Outcome.disclosed], ("partial", "withhold", "unable", "disclose", "not_processed", "other"),
     Outcome.not_held),
], ids=["disclosed-and-withheld-is-partial", "disclose-before-unable", "unable-before-not-processed",
        "first-ground-cited", "agency-puts-unable-first"])
def test_main_outcome_precedence(outcomes, precedence, expected):
    assert main_outcome(outcomes, precedence) == expected


def _two_outcome_draft():
    """Item A not held, item B disclosed: each answered with its own basis (Arts 36(4), 36(2))."""
    return A.DraftIn(outcome=Outcome.disclosed, item_outcomes=[
        {"part": "2019年项目批复", "outcome": Outcome.not_held,
         "reasons": "经在公文系统以“项目批复”为关键词检索，未检索到该信息。"},
        {"part": "2020年项目批复", "outcome": Outcome.disclosed, "body": "随本答复书提供"},
    ])


@pytest.mark.parametrize("precedence, row", [
    (",".join(DEFAULT_PRECEDENCE), "r1_disclosed"),
    ("partial,withhold,unable,disclose,not_processed,other", "r4_1_not_held"),
], ids=["documented-default", "agency-configured"])
def test_dispatched_multi_outcome_case_is_counted_once_by_the_agencys_precedence(session, calendar, precedence, row):
    from tests.factories import ctx

    ctx(session, calendar, None, date(2026, 3, 2))  # seeds the demo agency
    agency = session.exec(select(Agency).where(Agency.name == DEMO_AGENCY)).one()
    agency.outcome_precedence = precedence
    session.add(agency)
    session.commit()
    dispatched_case(session, calendar, received=date(2026, 3, 2), done=date(2026, 3, 20), draft=_two_outcome_draft())
    table = annual_report(session, agency=agency, year=2026, today=date(2026, 6, 1)).table3
    assert table[row][0] == 1
    assert table["r7_total"][0] == 1
