"""Per department and period: each column of the figures on named cases, the grade, the periods, the dispatch list."""

from datetime import date

import pytest

from models.errors import ValidationFailed
from models.periodic import (OFFICE, PeriodKind, PeriodRow, parse_period, period_report, scheduled_period,
                             with_mock_grades)
from tests.periodic.factories import CAIZHENG, SHENGTAI, SIFA, ZHUJIAN, ZIRAN, demo_agency_id

TOTAL = "全机关合计"
APRIL_FIRST = date(2026, 4, 1)


def _march(session, calendar, **kw):
    return period_report(session, agency_id=demo_agency_id(session), kind=PeriodKind.month,
                         period=parse_period("month", "2026-03"), today=APRIL_FIRST, calendar=calendar, **kw)


def _by_name(report) -> dict[str, PeriodRow]:
    return {r.department: r for r in (*report.rows, report.total)}


# Each column of the monthly check, department by department (tests.periodic.factories.march_cases names the cases).
COLUMNS = [
    ("received", {ZIRAN: 2, ZHUJIAN: 1, SHENGTAI: 1, CAIZHENG: 1, SIFA: 0, TOTAL: 5}),
    ("answered", {ZIRAN: 2, ZHUJIAN: 1, SHENGTAI: 0, CAIZHENG: 1, SIFA: 0, TOTAL: 1}),
    ("on_time", {ZIRAN: 2, ZHUJIAN: 0, SHENGTAI: 0, CAIZHENG: 1, SIFA: 0, TOTAL: 1}),
    ("overdue", {ZIRAN: 0, ZHUJIAN: 1, SHENGTAI: 1, CAIZHENG: 0, SIFA: 0, TOTAL: 1}),
    ("average_days", {ZIRAN: 1.0, ZHUJIAN: 8.0, SHENGTAI: None, CAIZHENG: 2.0, SIFA: None, TOTAL: 2.0}),
    ("returned_by_counsel", {ZIRAN: 1, ZHUJIAN: 0, SHENGTAI: 0, CAIZHENG: 0, SIFA: 0, TOTAL: 1}),
    ("open_problems", {ZIRAN: 0, ZHUJIAN: 0, SHENGTAI: 0, CAIZHENG: 1, SIFA: 0, TOTAL: 1}),
    ("mock_grade", {ZIRAN: None, ZHUJIAN: None, SHENGTAI: None, CAIZHENG: None, SIFA: None, TOTAL: None}),
    # 100 − 5 (one return); − 10 (overdue) − 12 (8 WD: 3 over 5); − 10 (overdue); − 2 (open item); nothing; the
    # agency's own row is not graded
    ("grade", {ZIRAN: 95.0, ZHUJIAN: 78.0, SHENGTAI: 90.0, CAIZHENG: 98.0, SIFA: None, TOTAL: None}),
]


@pytest.mark.parametrize("column, expected", COLUMNS, ids=[c for c, _ in COLUMNS])
def test_monthly_figures_per_department(march_session, calendar, column, expected):
    rows = _by_name(_march(march_session, calendar))
    assert {name: getattr(row, column) for name, row in rows.items()} == expected


def test_a_voided_registration_counts_nowhere_even_with_rows_pointing_at_it(session, calendar, march):
    rows = _by_name(_march(session, calendar))
    sifa = rows[SIFA]  # its only assignment and an open problem item belong to the voided case
    assert (sifa.received, sifa.answered, sifa.overdue, sifa.open_problems, sifa.grade) == (0, 0, 0, 0, None)
    assert rows[TOTAL].received == 5 and rows[TOTAL].open_problems == 1  # six registered, one voided


def test_the_month_is_cut_at_today_while_it_runs(session, calendar, march):
    """On 10 Mar: the late answer (19 Mar) and the problem-list item (12 Mar) have not happened yet."""
    report = period_report(session, agency_id=demo_agency_id(session), kind="month",
                           period=parse_period("month", "2026-03"), today=date(2026, 3, 10), calendar=calendar)
    rows = _by_name(report)
    assert report.as_of == date(2026, 3, 10) and not report.complete
    assert (rows[ZHUJIAN].answered, rows[ZHUJIAN].overdue, rows[CAIZHENG].open_problems) == (0, 0, 0)
    assert rows[ZIRAN].returned_by_counsel == 1  # returned on 6 Mar


def test_mock_grades_weigh_thirty_percent_and_show_as_none_when_missing(session, calendar, march):
    report = _march(session, calendar)
    ziran = next(r for r in report.rows if r.department == ZIRAN)
    graded = with_mock_grades(list(report.rows), {ziran.department_id: 60.0})
    assert [r.mock_grade for r in graded] == [60.0, None, None, None, None]
    assert graded[0].grade == 84.5  # 0.7 × 95 + 0.3 × 60
    sifa = _by_name(_march(session, calendar, mock_grades={report.rows[-1].department_id: 70.0}))[SIFA]
    assert sifa.grade == 91.0  # nothing in the period but the mock audit: 0.7 × 100 + 0.3 × 70


@pytest.mark.parametrize("row, grade", [
    (PeriodRow(1, "甲", 10, 10, 10, 0, 3.0, 0, 0), 100.0),
    (PeriodRow(1, "甲", 10, 10, 0, 9, 3.0, 0, 0), 60.0),  # overdue: at most 40
    (PeriodRow(1, "甲", 10, 10, 10, 0, 3.0, 9, 0), 80.0),  # returns: at most 20
    (PeriodRow(1, "甲", 10, 10, 10, 0, 7.5, 0, 0), 90.0),  # 2.5 WD over five: 10
    (PeriodRow(1, "甲", 10, 10, 10, 0, 30.0, 0, 0), 80.0),  # slow: at most 20
    (PeriodRow(1, "甲", 1, 0, 0, 0, None, 0, 9), 90.0),  # open items: at most 10
    (PeriodRow(1, "甲", 10, 10, 0, 10, 30.0, 10, 10, mock_grade=0.0), 7.0),  # 0.7 × 10 + 0
    (PeriodRow(1, "甲", 0, 0, 0, 0, None, 0, 0), None),
], ids=["clean", "overdue-capped", "returns-capped", "slow", "slow-capped", "problems-capped", "worst-with-mock",
        "nothing-to-grade"])
def test_grading_formula(row, grade):
    assert row.grade == grade


@pytest.mark.parametrize("kind, text, start, end, key", [
    ("week", "2026-W13", date(2026, 3, 23), date(2026, 3, 29), "2026-W13"),
    ("week", "2026-03-25", date(2026, 3, 23), date(2026, 3, 29), "2026-W13"),
    ("week", "2026-W01", date(2025, 12, 29), date(2026, 1, 4), "2026-W01"),  # ISO week 1 starts in December
    ("month", "2026-11", date(2026, 11, 1), date(2026, 11, 30), "2026-11"),
    ("month", "2024-2", date(2024, 2, 1), date(2024, 2, 29), "2024-02"),
    ("quarter", "2026-Q4", date(2026, 10, 1), date(2026, 12, 31), "2026-Q4"),
    ("quarter", "2026q1", date(2026, 1, 1), date(2026, 3, 31), "2026-Q1"),
], ids=["iso-week", "day-of-week", "week-across-new-year", "month", "leap-february", "quarter", "quarter-lowercase"])
def test_periods_are_parsed(kind, text, start, end, key):
    found = parse_period(kind, text)
    assert (found.start, found.end, found.key) == (start, end, key)


@pytest.mark.parametrize("kind, text, message", [
    ("month", "2026-13", "应写作 2026-11"),
    ("quarter", "2026-11", "应写作 2026-Q4"),
    ("week", "2026-W60", "2026-W48"),
    ("year", "2026", "week、month、quarter"),
    ("month", "2010-01", "条例2019年5月15日起施行"),
], ids=["month-13", "quarter-as-month", "week-60", "unknown-kind", "before-the-regulation"])
def test_bad_periods_are_refused_in_chinese(kind, text, message):
    with pytest.raises(ValidationFailed) as refused:
        parse_period(kind, text)
    assert message in refused.value.message_zh


@pytest.mark.parametrize("kind, today, key", [
    ("week", date(2026, 3, 30), "2026-W13"),
    ("month", date(2026, 4, 1), "2026-03"),
    ("month", date(2026, 4, 2), None),  # not the first working day
    ("month", date(2026, 10, 8), "2026-09"),  # National Day: 1–7 Oct off
    ("month", date(2026, 10, 1), None),
    ("quarter", date(2026, 1, 4), "2025-Q4"),  # Sunday 4 Jan 2026 is a 调休 working day, the first of the year
    ("quarter", date(2026, 1, 5), None),
    ("quarter", date(2026, 6, 1), None),  # a first working day, but not after a quarter's end
    ("quarter", date(2026, 7, 1), "2026-Q2"),
], ids=["monday", "first-working-day", "second-day", "after-national-day", "holiday", "tiaoxiu-sunday",
        "the-day-after", "june", "july"])
def test_scheduled_runs_report_the_period_just_ended_on_the_first_working_day(calendar, kind, today, key):
    found = scheduled_period(kind, today, calendar=calendar)
    assert (found.key if found else None) == key


def test_weekly_dispatch_lists_open_cases_per_department_with_what_they_wait_for(session, calendar, march):
    report = period_report(session, agency_id=demo_agency_id(session), kind="week",
                           period=parse_period("week", "2026-W13"), today=date(2026, 3, 30), calendar=calendar)
    lines = {g.department: [(x.number, x.department_due, x.reply_due, x.waits_for, x.level) for x in g.lines]
             for g in report.dispatch}
    assert lines[SHENGTAI] == [(march["open_late"], date(2026, 3, 16), date(2026, 4, 7), "待承办单位签收", "overdue")]
    assert [n for n, *_ in lines[OFFICE]] == [march["returned"], march["late"], march["problem"]]
    assert lines[OFFICE][0][3:] == ("等待公开办按审核意见修改", "due_today")  # its reply is due 30 Mar
    assert lines[ZIRAN] == lines[SIFA] == []  # answered; the voided case is no case
    every = [n for group in lines.values() for n, *_ in group]
    assert march["on_time"] not in every and march["voided"] not in every  # concluded; voided


def test_monthly_check_lists_the_overdue_cases_and_the_quarter_none(session, calendar, march):
    month = _march(session, calendar)
    assert [(g.department, [x.number for x in g.lines]) for g in month.dispatch] == [
        (SHENGTAI, [march["open_late"]]),  # its department's due date passed (16 Mar)
        (OFFICE, [march["returned"]])]  # its reply was due 30 Mar
    quarter = period_report(session, agency_id=demo_agency_id(session), kind="quarter",
                            period=parse_period("quarter", "2026-Q1"), today=APRIL_FIRST, calendar=calendar)
    assert quarter.dispatch == () and [r.department for r in quarter.ranked] == [CAIZHENG, ZIRAN, SHENGTAI, ZHUJIAN]


def test_a_period_not_yet_begun_is_refused(session, calendar, march):
    with pytest.raises(ValidationFailed) as refused:
        period_report(session, agency_id=demo_agency_id(session), kind="month", period=parse_period("month", "2026-05"),
                      today=APRIL_FIRST, calendar=calendar)
    assert "尚未开始" in refused.value.message_zh


def test_counsel_returns_count_by_their_day_in_shanghai(session, calendar, march):
    """23:30 on 31 Mar in Shanghai is 15:30 UTC the same day; 00:30 on 1 Apr is still 31 Mar in UTC."""
    from datetime import datetime

    from sqlmodel import select

    from models.queries import application_by_number
    from models.tables import SHANGHAI, Decision, Review, User

    app = application_by_number(session, march["returned"])
    decision = session.exec(select(Decision).where(Decision.application_id == app.id)).first()
    counsel = session.exec(select(User).where(User.username == "counsel")).one()
    for hour, day in ((23, 31), (0, 1)):
        month = 3 if day == 31 else 4
        session.add(Review(decision_id=decision.id, reviewer_id=counsel.id, approved=False, comments="再改",
                           at=datetime(2026, month, day, hour, 30, tzinfo=SHANGHAI)))
    session.commit()
    march_rows = _by_name(_march(session, calendar))
    april = _by_name(period_report(session, agency_id=demo_agency_id(session), kind="month",
                                   period=parse_period("month", "2026-04"), today=date(2026, 4, 2), calendar=calendar))
    assert (march_rows[ZIRAN].returned_by_counsel, march_rows[TOTAL].returned_by_counsel) == (2, 2)  # 6 and 31 Mar
    assert (april[ZIRAN].returned_by_counsel, april[TOTAL].returned_by_counsel) == (1, 1)
