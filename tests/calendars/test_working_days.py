import datetime as dt

import chinese_calendar
import pytest
from hypothesis import given, settings, strategies as st

from calendars import OutsideCalendarRange, load_calendar, remedy_deadlines

D = dt.date


def test_every_date_2019_to_2026_agrees_with_chinese_calendar(cal):
    day = D(2019, 1, 1)
    while day <= D(2026, 12, 31):
        assert cal.is_working_day(day) == chinese_calendar.is_workday(day), day
        day += dt.timedelta(days=1)


@pytest.mark.parametrize(
    "start, days, due",
    [
        (D(2022, 9, 30), 20, D(2022, 11, 2)),  # court-confirmed: the 调休 Sat/Sun 10-08/09 count
        (D(2022, 10, 3), 20, D(2022, 11, 2)),  # received on a holiday: same as the Friday before
        (D(2022, 10, 15), 20, D(2022, 11, 11)),  # received on a Saturday
        (D(2022, 10, 9), 20, D(2022, 11, 4)),  # received on an adjusted working Sunday
        (D(2024, 2, 9), 20, D(2024, 3, 14)),  # the day before Spring Festival (除夕)
        (D(2024, 2, 9), 1, D(2024, 2, 18)),  # last day before the break → the 调休上班 Sunday
    ],
    ids=["friday-before-national-day", "on-a-holiday", "on-a-weekend", "on-adjusted-working-sunday",
         "spring-festival-eve", "one-day-lands-on-adjusted-sunday"],
)
def test_add_working_days(cal, start, days, due):
    assert cal.add_working_days(start, days=days) == due


@pytest.mark.parametrize(
    "day, working",
    [(D(2022, 10, 8), True), (D(2022, 10, 3), False), (D(2022, 10, 15), False), (D(2022, 10, 11), True),
     (D(2020, 2, 2), False)],
    ids=["adjusted-saturday", "national-day", "plain-saturday", "plain-tuesday", "covid-extension-2020"],
)
def test_is_working_day(cal, day, working):
    assert cal.is_working_day(day) is working


def test_a_deadline_into_2027_is_provisional_with_reason(cal):
    due = cal.add_working_days(D(2026, 12, 20), days=20)
    reasons = cal.provisional_reasons(D(2026, 12, 20), due)
    assert due.year == 2027 and len(reasons) == 1 and "2027年放假安排尚未公布" in reasons[0]
    assert cal.provisional_reasons(D(2022, 9, 30), D(2022, 11, 2)) == ()


def test_working_days_between_counts_half_open_interval(cal):
    assert cal.working_days_between(D(2022, 9, 30), D(2022, 11, 2)) == 20
    assert cal.next_working_day(D(2022, 9, 30)) == D(2022, 10, 8)


def test_outside_range_raises_calendar_error(cal):
    with pytest.raises(OutsideCalendarRange) as err:
        cal.add_working_days(D(2045, 12, 20), days=30)
    assert "超出工作日历" in err.value.message_zh


def test_hubei_overlay_closes_offices_until_13_february_2020(cal):
    hubei = load_calendar(overlays=("cn-hubei-2020-covid",))
    assert cal.next_working_day(D(2020, 1, 23)) == D(2020, 2, 3)
    assert hubei.next_working_day(D(2020, 1, 23)) == D(2020, 2, 14)
    assert hubei.fingerprint != cal.fingerprint
    assert "湖北" in hubei.day_info(D(2020, 2, 10)).reason


def test_load_calendar_is_cached():
    assert load_calendar() is load_calendar()


@pytest.mark.parametrize(
    "delivered, reconsideration, litigation",
    [
        (D(2022, 8, 2), D(2022, 10, 8), D(2023, 2, 2)),  # day 60 = Sat 10-01 in the holiday → 10-08 (调休上班)
        (D(2022, 8, 31), D(2022, 10, 31), D(2023, 2, 28)),  # 10-30 Sunday → Monday; no 31 Feb → month end
    ],
    ids=["reconsideration-ends-in-national-day", "litigation-month-end"],
)
def test_remedy_windows_move_past_rest_days(cal, delivered, reconsideration, litigation):
    remedies = remedy_deadlines(delivered, cal)
    assert (remedies.reconsideration.date, remedies.litigation.date) == (reconsideration, litigation)


dates = st.dates(min_value=D(2019, 1, 1), max_value=D(2026, 6, 30))


@settings(max_examples=300, deadline=None)
@given(start=dates, n=st.integers(0, 60), m=st.integers(0, 60))
def test_n_then_m_working_days_equals_n_plus_m(cal, start, n, m):
    assert cal.add_working_days(cal.add_working_days(start, days=n), days=m) == cal.add_working_days(start, days=n + m)


@settings(max_examples=300, deadline=None)
@given(start=dates, n=st.integers(1, 60))
def test_results_are_working_days_after_start(cal, start, n):
    due = cal.add_working_days(start, days=n)
    assert due > start and cal.is_working_day(due) and cal.working_days_between(start, due) == n
