"""Mock applications (模拟暗访): drafted and sent by the office, handled as any case, graded when signed."""

from contextlib import contextmanager
from dataclasses import replace
from datetime import date

import pytest

from models import actions as A
from models import mock_audits as M
from models.enums import Channel, Status
from models.errors import GongkaiError, GuardFailed, NotFound, RoleNotAllowed, ValidationFailed
from models.mock_tables import MockAudit, is_mock
from models.portal import confirm_receipt
from models.outcomes import Outcome
from models.queries import application_by_number, events_of
from models.tables import Department
from tests.factories import ctx, register_case
from tests.mock_factories import answer, mock_in, sent_mock

DAY = date(2026, 3, 2)


@contextmanager
def refused(kind, words: str):
    """The action is refused with this domain error, and its Chinese message says `words`."""
    with pytest.raises(kind) as caught:
        yield
    assert words in caught.value.message_zh, caught.value.message_zh


def test_a_sent_mock_is_an_online_application_in_the_same_number_series_with_no_mark_on_the_case(session, calendar):
    real = register_case(session, calendar, DAY)
    mock_id, number = sent_mock(session, calendar, DAY)
    app = application_by_number(session, number)
    assert (real, number) == ("2026-000001", "2026-000002")
    assert app.channel == Channel.online and app.receipt_date == DAY and app.status == Status.awaiting_confirmation
    assert [(e.action, e.actor_name) for e in events_of(session, app)] == [("register", "系统")]  # as any online one
    assert is_mock(session, app.id) and not is_mock(session, application_by_number(session, real).id)
    assert session.get(MockAudit, mock_id).sent_on == DAY


def test_a_mock_is_sent_once(session, calendar):
    mock_id, _ = sent_mock(session, calendar, DAY)
    with refused(GuardFailed, "已发出"):
        M.send_mock(ctx(session, calendar, "supervisor", DAY), mock_id)
    for unknown in (mock_id + 1, 2**70):  # a number beyond SQL's integers is just not there
        with refused(NotFound, "不存在"):
            M.send_mock(ctx(session, calendar, "supervisor", DAY), unknown)


@pytest.mark.parametrize("username", ["clerk", "dept_ziran", "counsel"])
def test_only_the_office_runs_mock_audits(session, calendar, username):
    with pytest.raises(RoleNotAllowed):
        M.draft_mock(ctx(session, calendar, username, DAY), mock_in())


@pytest.mark.parametrize("overrides, message", [
    ({"points": ["", "  "]}, "至少填写一个"),
    ({"expected_outcome": Outcome.withdrawn}, "不出具答复书"),
    ({"expected_outcome": "no_such"}, "不存在"),
    ({"department": "区不存在局"}, "不存在"),
    ({"round_name": " "}, "轮次"),
    ({"applicant": replace(mock_in().applicant, id_number="110105198001010033")}, "居民身份证号码"),
], ids=["no-points", "withdrawal-is-no-reply", "unknown-outcome", "unknown-department", "no-round", "bad-id-number"])
def test_a_draft_is_refused_in_chinese(session, calendar, overrides, message):
    with refused(GongkaiError, message):
        M.draft_mock(ctx(session, calendar, "supervisor", DAY), mock_in(**overrides))


def test_grading_waits_for_the_signed_reply(session, calendar):
    mock_id, number = sent_mock(session, calendar, DAY)
    with refused(GuardFailed, "签发后才能评分"):  # still awaiting the clerk's confirmation of receipt
        M.grade_mock(ctx(session, calendar, "supervisor", DAY), mock_id)
    confirm_receipt(ctx(session, calendar, "clerk", DAY), number)
    A.route(ctx(session, calendar, "clerk", DAY), number, department="区自然资源局")
    with refused(GuardFailed, "签发后才能评分"):
        M.grade_mock(ctx(session, calendar, "supervisor", DAY), mock_id)


REFUSAL = A.DraftIn(outcome=Outcome.state_secret, reasons="经审查，该信息属于国家秘密。")


@pytest.mark.parametrize("expected, draft, answered, right, total", [
    (Outcome.disclosed, None, DAY, (True, True, True, True, True), 100.0),
    # the department answered after its 5 working days (due 2026-03-09)
    (Outcome.disclosed, None, date(2026, 3, 10), (False, True, True, True, True), 90.0),
    # the reply refused what should have been disclosed: wrong outcome, its citations and remedy do not fit
    (Outcome.disclosed, REFUSAL, DAY, (True, True, False, False, False), 40.0),
    # a refusal expected, a disclosure given: Art 14 missing, and no "reconsideration first" (复议前置) clause
    (Outcome.state_secret, None, DAY, (True, True, False, False, False), 40.0),
], ids=["all-right", "department-late", "refused-instead-of-disclosed", "disclosed-instead-of-refused"])
def test_the_engine_grades_time_outcome_citations_and_remedy(session, calendar, expected, draft, answered, right, total):
    mock_id, number = sent_mock(session, calendar, DAY, expected_outcome=expected)
    answer(session, calendar, number, day=DAY, answered=answered, draft=draft)
    scores = {} if draft is None else {0: 100, 1: 100}  # the refusal names neither point: the supervisor scores them
    grade = M.grade_mock(ctx(session, calendar, "supervisor", date(2026, 3, 11)), mock_id, scores=scores)
    assert (grade.department_on_time, grade.reply_on_time, grade.outcome_right, grade.citations_right,
            grade.remedy_right) == right
    assert grade.total == total
    assert bool(grade.findings) == (total < 100)


def test_a_point_not_found_in_the_reply_needs_the_supervisors_score(session, calendar):
    mock_id, number = sent_mock(session, calendar, DAY, points=["供应计划", "规划条件说明"])
    answer(session, calendar, number, day=DAY)
    graded = ctx(session, calendar, "supervisor", DAY)
    with refused(ValidationFailed, "规划条件说明"):
        M.grade_mock(graded, mock_id)
    grade = M.grade_mock(ctx(session, calendar, "supervisor", DAY), mock_id, scores={1: 40})
    assert grade.point_scores == [{"point": "供应计划", "score": 100.0, "computed": True},
                                  {"point": "规划条件说明", "score": 40.0, "computed": False}]
    assert grade.total == 80 + 20 * 0.7
    with refused(ValidationFailed, "0至100"):
        M.grade_mock(ctx(session, calendar, "supervisor", DAY), mock_id, scores={1: 140})


def test_department_grades_average_the_totals_graded_in_the_period(session, calendar):
    first, n1 = sent_mock(session, calendar, DAY)
    answer(session, calendar, n1, day=DAY)
    M.grade_mock(ctx(session, calendar, "supervisor", DAY), first)
    second, n2 = sent_mock(session, calendar, DAY, expected_outcome=Outcome.state_secret)
    answer(session, calendar, n2, day=DAY)
    M.grade_mock(ctx(session, calendar, "supervisor", date(2026, 3, 3)), second)
    dept = session.exec(__import__("sqlmodel").select(Department).where(Department.name == "区自然资源局")).one()
    assert M.department_grades(session, dept.agency_id, date(2026, 3, 1), date(2026, 3, 31)) == {dept.id: 70.0}
    assert M.department_grades(session, dept.agency_id, date(2026, 3, 3), date(2026, 3, 3)) == {dept.id: 40.0}
    assert M.department_grades(session, dept.agency_id, date(2026, 4, 1), date(2026, 4, 30)) == {}


def test_the_audit_report_and_the_years_figures(session, calendar):
    mock_id, number = sent_mock(session, calendar, DAY, expected_outcome=Outcome.state_secret)
    answer(session, calendar, number, day=DAY)
    M.grade_mock(ctx(session, calendar, "supervisor", DAY), mock_id)
    sent_mock(session, calendar, DAY, department="区财政局")  # sent, not graded yet
    agency_id = session.get(MockAudit, mock_id).agency_id
    report = M.audit_report(session, agency_id=agency_id, round_name="2026年第一轮")
    assert [(d.department, d.sent, d.graded, d.average) for d in report.departments] == [
        ("区自然资源局", 1, 1, 40.0), ("区财政局", 1, 0, None)]
    year = M.year_figures(session, agency_ids=[agency_id], start=date(2026, 1, 1), end=date(2026, 12, 31))
    assert (year.rounds, year.departments, year.sent, year.graded, year.average) == (1, 2, 2, 1, 40.0)
    assert any("区自然资源局：处理结果为“予以公开”" in p for p in year.problems)


def test_the_monthly_check_shows_the_mock_grade_and_counts_no_mock_case(session, calendar):
    from models.periodic import parse_period, period_report

    mock_id, number = sent_mock(session, calendar, DAY, expected_outcome=Outcome.state_secret)
    answer(session, calendar, number, day=DAY)
    M.grade_mock(ctx(session, calendar, "supervisor", DAY), mock_id)
    agency_id = session.get(MockAudit, mock_id).agency_id
    march = period_report(session, agency_id=agency_id, kind="month", period=parse_period("month", "2026-03"),
                          today=date(2026, 4, 1), calendar=calendar)
    [row] = [r for r in march.rows if r.department == "区自然资源局"]
    assert (row.received, row.answered, row.mock_grade) == (0, 0, 40.0)  # graded; the test case itself not counted
    assert row.grade == round(0.7 * 100 + 0.3 * 40.0, 1)
    april = period_report(session, agency_id=agency_id, kind="month", period=parse_period("month", "2026-04"),
                          today=date(2026, 5, 1), calendar=calendar)
    assert [r.mock_grade for r in april.rows if r.department == "区自然资源局"] == [None]  # graded in March
