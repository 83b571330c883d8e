import datetime as dt

import pytest
from hypothesis import given, settings, strategies as st

from calendars import (
    CaseDates, DueLevel, Extension, ExtensionRefused, Pause, PauseKind, check_extension, reply_clock,
    supplement_notice_due, consultation_reply_due, department_answer_due,
)

D = dt.date
THIRD = PauseKind.third_party


def clock(cal, today=D(2022, 10, 20), **events):
    return reply_clock(CaseDates(**events), calendar=cal, today=today)


def test_court_case_due_date_and_explanation(cal):
    reading = clock(cal, receipt_date=D(2022, 9, 30))
    assert reading.due_date == D(2022, 11, 2) and not reading.provisional
    text = reading.explain()
    assert "2022-09-30 收到申请" in text and "第1个工作日 2022-10-08（星期六，国庆节调休上班）" in text
    assert "第20个工作日 2022-11-02" in text


@pytest.mark.parametrize(
    "pause, due",
    [
        (Pause(THIRD, D(2022, 10, 12), D(2022, 10, 25)), D(2022, 11, 15)),  # 9 WD skipped
        (Pause(THIRD, D(2022, 10, 15), D(2022, 10, 23)), D(2022, 11, 9)),  # Sat → Sun: 5 WD skipped
        (Pause(THIRD, D(2022, 10, 14), D(2022, 10, 16)), D(2022, 11, 2)),  # sent Fri, reply Sun: nothing skipped
        (Pause(THIRD, D(2022, 10, 1), D(2022, 10, 8)), D(2022, 11, 3)),  # starts in the holiday, ends on 调休 Sat
    ],
    ids=["weekday-to-weekday", "saturday-to-sunday", "friday-to-sunday-skips-nothing", "holiday-to-adjusted-saturday"],
)
def test_pauses_starting_or_ending_on_non_working_days(cal, pause, due):
    assert clock(cal, receipt_date=D(2022, 9, 30), pauses=(pause,)).due_date == due


def test_supplement_restarts_the_clock_in_full(cal):
    reading = clock(cal, receipt_date=D(2022, 9, 30), supplement_received_on=D(2022, 10, 17))
    assert reading.due_date == D(2022, 11, 14)
    assert reading.supplement_notice_due == D(2022, 10, 14)  # Art 30: 7 WD from the original receipt
    assert "重新起算" in reading.explain()


def test_pause_then_extension_chain(cal):
    case = CaseDates(D(2022, 9, 30), pauses=(Pause(THIRD, D(2022, 10, 12), D(2022, 10, 25)),),
                     extension=Extension(days=20, approved_on=D(2022, 11, 10)))
    reading = reply_clock(case, calendar=cal, today=D(2022, 11, 20))
    assert reading.base_due_date == D(2022, 11, 15)
    assert reading.due_date == D(2022, 12, 13)
    assert "延长期第20个工作日 2022-12-13" in reading.explain()


def test_pause_during_extension_still_applies(cal):
    case = CaseDates(D(2022, 9, 30), extension=Extension(days=10, approved_on=D(2022, 11, 1)),
                     pauses=(Pause(PauseKind.fee, D(2022, 11, 4), D(2022, 11, 10)),))
    assert reply_clock(case, calendar=cal, today=D(2022, 11, 5)).due_date == D(2022, 11, 22)


def test_extension_approved_one_day_late_is_refused(cal):
    with pytest.raises(ExtensionRefused) as err:
        check_extension(CaseDates(D(2022, 9, 30)), approved_on=D(2022, 11, 3), days=10, calendar=cal)
    assert "2022-11-02" in err.value.message_zh and "晚1个工作日" in err.value.message_zh
    ok = check_extension(CaseDates(D(2022, 9, 30)), approved_on=D(2022, 11, 2), days=10, calendar=cal)
    assert ok == Extension(10, D(2022, 11, 2))


@pytest.mark.parametrize("days", [0, 21], ids=["zero-days", "over-twenty"])
def test_extension_length_is_limited(cal, days):
    with pytest.raises(ExtensionRefused, match="20"):
        check_extension(CaseDates(D(2022, 9, 30)), approved_on=D(2022, 10, 20), days=days, calendar=cal)


def test_second_extension_is_refused(cal):
    case = CaseDates(D(2022, 9, 30), extension=Extension(5, D(2022, 10, 20)))
    with pytest.raises(ExtensionRefused) as err:
        check_extension(case, approved_on=D(2022, 10, 21), days=5, calendar=cal)
    assert "只能延长一次" in err.value.message_zh


@pytest.mark.parametrize(
    "today, level, left, overdue_by",
    [
        (D(2022, 10, 20), DueLevel.on_track, 9, 0),
        (D(2022, 10, 26), DueLevel.t5, 5, 0),
        (D(2022, 10, 31), DueLevel.t3, 2, 0),
        (D(2022, 11, 1), DueLevel.t1, 1, 0),
        (D(2022, 11, 2), DueLevel.due_today, 0, 0),
        (D(2022, 11, 5), DueLevel.overdue, 0, 3),  # Sat after Thu/Fri: Mon is the 3rd WD late
    ],
    ids=["on-track", "t5", "t3", "t1", "due-today", "overdue-on-a-saturday"],
)
def test_levels_on_a_given_today(cal, today, level, left, overdue_by):
    reading = clock(cal, today=today, receipt_date=D(2022, 9, 30))
    assert (reading.level, reading.working_days_left, reading.overdue_by) == (level, left, overdue_by)


def test_open_pause_does_not_shrink_working_days_left(cal):
    pause = Pause(THIRD, D(2022, 10, 12), None)
    first = clock(cal, today=D(2022, 10, 14), receipt_date=D(2022, 9, 30), pauses=(pause,))
    later = clock(cal, today=D(2022, 10, 21), receipt_date=D(2022, 9, 30), pauses=(pause,))
    assert first.paused and later.paused
    assert first.working_days_left == later.working_days_left == 15
    assert later.due_date > first.due_date


def test_deadline_into_2027_is_provisional(cal):
    reading = clock(cal, today=D(2026, 12, 21), receipt_date=D(2026, 12, 20))
    assert reading.provisional and "2027年放假安排尚未公布" in reading.provisional_reasons[0]
    assert "注意：2027年" in reading.explain()


@pytest.mark.parametrize(
    "deadline, due",
    [("supplement", D(2022, 10, 14)), ("department", D(2022, 10, 12)), ("consultation", D(2022, 10, 26))],
    ids=["supplement-notice-7", "department-5", "consultation-15"],
)
def test_sub_deadlines(cal, deadline, due):
    fn = {"supplement": supplement_notice_due, "department": department_answer_due,
          "consultation": consultation_reply_due}[deadline]
    result = fn(D(2022, 9, 30), cal)
    assert result.date == due and not result.provisional and str(due) in result.explain()


days_in = st.dates(min_value=D(2019, 1, 1), max_value=D(2026, 3, 1))


@settings(max_examples=200, deadline=None)
@given(receipt=days_in, offset=st.integers(0, 40), length=st.integers(0, 40))
def test_a_pause_never_shortens_a_deadline(cal, receipt, offset, length):
    sent = receipt + dt.timedelta(days=offset)
    plain = reply_clock(CaseDates(receipt), calendar=cal, today=receipt).due_date
    paused = reply_clock(CaseDates(receipt, pauses=(Pause(THIRD, sent, sent + dt.timedelta(days=length)),)),
                         calendar=cal, today=receipt)
    assert paused.due_date >= plain
    assert paused.steps  # the derivation is always producible


@settings(max_examples=200, deadline=None)
@given(receipt=days_in, offset=st.integers(0, 60))
def test_a_restart_never_yields_a_date_before_its_trigger(cal, receipt, offset):
    supplement = receipt + dt.timedelta(days=offset)
    reading = reply_clock(CaseDates(receipt, supplement_received_on=supplement), calendar=cal, today=receipt)
    assert reading.due_date > supplement
    assert reading.due_date >= reply_clock(CaseDates(receipt), calendar=cal, today=receipt).due_date


def test_waiting_for_a_supplement_there_is_no_reply_due_date_only_the_applicants_period(cal):
    from calendars import SupplementWait

    wait = SupplementWait(issued_on=D(2022, 10, 10), period_ends=D(2022, 10, 31))
    reading = clock(cal, today=D(2022, 11, 3), receipt_date=D(2022, 9, 30), awaiting_supplement=wait)
    assert (reading.due_date, reading.level, reading.overdue_by) == (None, DueLevel.awaiting_supplement, 0)
    assert reading.supplement_period_ends == D(2022, 10, 31)
    assert "已逾期" not in reading.explain() and "视为放弃申请" in reading.explain()
