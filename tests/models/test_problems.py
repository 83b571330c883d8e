"""The problem list (问题清单, 一案一策): the internal clock, its alert levels, the actions and their refusals."""

from datetime import date

import pytest
from sqlmodel import func, select

from models import problems as P
from models.enums import ProblemReason, ProblemStatus
from models.errors import GuardFailed, NotFound, RoleNotAllowed, ValidationFailed
from models.queries import application_by_number
from models.tables import Event, ProblemItem, ProblemNote
from tests.factories import ctx, register_case

DAY = date(2026, 3, 4)


@pytest.mark.parametrize(
    ("added_on", "limit_days", "due_date", "expected"),
    [
        (date(2026, 3, 6), 5, None, date(2026, 3, 13)),
        (date(2026, 9, 30), 3, None, date(2026, 10, 10)),  # 国庆 1–7 Oct skipped, Saturday 10 Oct worked (调休)
        (date(2026, 9, 30), 1, None, date(2026, 10, 8)),
        (date(2026, 3, 6), None, date(2026, 4, 30), date(2026, 4, 30)),  # a date is taken as given
        (date(2026, 3, 6), None, date(2026, 3, 7), date(2026, 3, 7)),  # even a weekend: the office chose it
    ],
    ids=["five-working-days", "across-national-day-and-makeup-saturday", "first-day-after-national-day",
         "a-date", "a-weekend-date"],
)
def test_internal_due_counts_working_days_on_the_calendar_or_takes_the_date(calendar, added_on, limit_days,
                                                                            due_date, expected):
    assert P.internal_due(added_on=added_on, limit_days=limit_days, due_date=due_date, calendar=calendar) == expected


@pytest.mark.parametrize(
    ("limit_days", "due_date"),
    [(None, None), (5, date(2026, 4, 1)), (0, None), (P.MAX_LIMIT_DAYS + 1, None), (None, date(2026, 3, 6)),
     (None, date(2026, 3, 1))],
    ids=["neither", "both", "zero-days", "too-many-days", "today", "in-the-past"],
)
def test_internal_due_refuses_a_missing_double_or_impossible_limit(calendar, limit_days, due_date):
    with pytest.raises(ValidationFailed):
        P.internal_due(added_on=date(2026, 3, 6), limit_days=limit_days, due_date=due_date, calendar=calendar)


@pytest.mark.parametrize(
    ("due", "status", "expected"),
    [
        (date(2026, 9, 27), ProblemStatus.open, "overdue"),  # yesterday (a Sunday worked for 中秋)
        (date(2026, 9, 28), ProblemStatus.open, "due_soon"),  # today
        (date(2026, 9, 30), ProblemStatus.open, "due_soon"),
        (date(2026, 10, 8), ProblemStatus.open, "due_soon"),  # the 3rd working day: 29, 30 Sep, 8 Oct
        (date(2026, 10, 9), ProblemStatus.open, "on_track"),
        (date(2026, 10, 7), ProblemStatus.open, "due_soon"),  # a holiday before the 3rd working day
        (date(2026, 9, 1), ProblemStatus.closed, "closed"),  # a closed item is never overdue
    ],
    ids=["overdue-yesterday", "due-today", "two-days", "third-working-day-after-holiday",
         "fourth-working-day", "inside-the-holiday", "closed-never-overdue"],
)
def test_problem_level_reads_the_internal_clock_in_working_days(calendar, due, status, expected):
    assert P.problem_level(due, today=date(2026, 9, 28), calendar=calendar, status=status) == expected


def _count(session, model) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


def _add(session, calendar, number, *, user="clerk", day=DAY, **kw):
    args = {"reason": ProblemReason.old_records, "owner": "dept_ziran", "plan": "调取1998年档案，走访原产权单位",
            "limit_days": 10} | kw
    return P.add_problem(ctx(session, calendar, user, day), number, **args)


def test_adding_a_case_lists_it_with_owner_internal_due_date_and_an_event_and_leaves_the_statutory_clock(session,
                                                                                                      calendar):
    number = register_case(session, calendar)
    due_before = application_by_number(session, number).due_date
    item = _add(session, calendar, number, user="leader")
    assert item.due_date == calendar.add_working_days(DAY, days=10)
    assert application_by_number(session, number).due_date == due_before  # the statutory clock is untouched
    event = session.exec(select(Event).where(Event.action == "problem_add")).one()
    assert event.actor_name == "刘副区长" and event.data["owner"] == "dept_ziran" and event.sha256
    [line] = P.problem_list(session, agency_id=item.agency_id, today=DAY, calendar=calendar)
    assert (line.case.number, line.reason, line.owner_name, line.level) == (number, "年代久远", "李承办", "on_track")


def test_free_text_reason_is_kept_and_required(session, calendar):
    number = register_case(session, calendar)
    with pytest.raises(ValidationFailed):
        _add(session, calendar, number, reason=ProblemReason.other, reason_text=" ")
    item = _add(session, calendar, number, reason="other", reason_text="涉及多次机构改革", limit_days=None,
                due_date=date(2026, 5, 29))
    assert P.reason_text(item) == "涉及多次机构改革" and item.due_date == date(2026, 5, 29)


REFUSALS = [
    ("dept_ziran", {}, RoleNotAllowed),  # a department handler may not list a case
    ("counsel", {}, RoleNotAllowed),
    ("clerk", {"owner": "nobody"}, NotFound),
    ("clerk", {"owner": "admin"}, ValidationFailed),
    ("clerk", {"plan": "  "}, ValidationFailed),
    ("clerk", {"reason": "bad"}, ValidationFailed),
    ("clerk", {"limit_days": None}, ValidationFailed),
]


@pytest.mark.parametrize(("user", "change", "error"), REFUSALS,
                         ids=["department-handler", "counsel", "unknown-owner", "admin-owner", "no-plan",
                              "unknown-reason", "no-limit"])
def test_add_refusals_write_nothing(session, calendar, user, change, error):
    number = register_case(session, calendar)
    events = _count(session, Event)
    with pytest.raises(error) as raised:
        _add(session, calendar, number, user=user, **change)
    assert raised.value.message_zh
    assert (_count(session, ProblemItem), _count(session, Event)) == (0, events)


def test_a_case_is_on_the_list_once_at_a_time(session, calendar):
    number = register_case(session, calendar)
    _add(session, calendar, number)
    events = _count(session, Event)
    with pytest.raises(GuardFailed) as raised:
        _add(session, calendar, number, user="supervisor")
    assert "已在问题清单上" in raised.value.message_zh
    assert (_count(session, ProblemItem), _count(session, Event)) == (1, events)
    P.close_problem(ctx(session, calendar, "head", DAY), number, result="已查明并答复")
    assert _add(session, calendar, number).status == ProblemStatus.open  # listed again after closing


def test_another_agencys_user_cannot_be_owner(session, calendar):
    from tests.factories import seed_agency

    seed_agency(session, "另一区人民政府", "other")
    number = register_case(session, calendar)
    with pytest.raises(NotFound):
        _add(session, calendar, number, owner="other_clerk")
    assert _count(session, ProblemItem) == 0


def test_owner_and_office_append_notes_others_are_refused_with_nothing_written(session, calendar):
    number = register_case(session, calendar)
    _add(session, calendar, number)
    P.note_problem(ctx(session, calendar, "dept_ziran", date(2026, 3, 5)), number, text="已调取档案馆目录")
    P.note_problem(ctx(session, calendar, "supervisor", date(2026, 3, 6)), number, text="已电话督促")
    events = _count(session, Event)
    for user, text, error in [("dept_zhujian", "不是我的", RoleNotAllowed), ("counsel", "x", RoleNotAllowed),
                              ("dept_ziran", "   ", ValidationFailed)]:
        with pytest.raises(error):
            P.note_problem(ctx(session, calendar, user, DAY), number, text=text)
    assert (_count(session, ProblemNote), _count(session, Event)) == (2, events)
    [line] = P.problem_list(session, agency_id=1, today=DAY, calendar=calendar)
    assert [(n.author_name, n.text) for n in line.notes] == [("李承办", "已调取档案馆目录"), ("吴督办", "已电话督促")]


def test_closing_needs_the_office_and_a_result_and_is_recorded(session, calendar):
    number = register_case(session, calendar)
    _add(session, calendar, number)
    events = _count(session, Event)
    for user, result, error in [("dept_ziran", "办完了", RoleNotAllowed), ("clerk", "", ValidationFailed)]:
        with pytest.raises(error):
            P.close_problem(ctx(session, calendar, user, DAY), number, result=result)
    assert _count(session, Event) == events
    assert session.exec(select(ProblemItem)).one().status == ProblemStatus.open
    item = P.close_problem(ctx(session, calendar, "clerk", date(2026, 3, 10)), number, result="经查档案已移交市档案馆，已告知申请人")
    assert (item.status, item.closed_on) == (ProblemStatus.closed, date(2026, 3, 10))
    assert session.exec(select(Event).where(Event.action == "problem_close")).one().data["late"] is False
    with pytest.raises(NotFound):  # nothing open left to note or close
        P.note_problem(ctx(session, calendar, "clerk", DAY), number, text="再记一笔")
    assert P.problem_list(session, agency_id=1, today=DAY, calendar=calendar) == []
    [closed] = P.problem_list(session, agency_id=1, today=DAY, calendar=calendar, include_closed=True)
    assert closed.level == "closed" and closed.result.startswith("经查档案")


def test_reminders_go_to_the_owner_when_due_soon_once_and_when_overdue_daily(session, calendar):
    soon, late, fine = (register_case(session, calendar) for _ in range(3))
    _add(session, calendar, soon, limit_days=2)
    _add(session, calendar, late, limit_days=1, owner="dept_zhujian")
    _add(session, calendar, fine, limit_days=30)
    today = date(2026, 3, 6)  # soon: due 6 Mar (today); late: due 5 Mar
    chosen = P.reminders(P.open_problems(session, today=today, calendar=calendar), today=today)
    got = {(line.case.number, n.kind, n.recipient) for line, n in chosen}
    assert got == {(soon, "problem_due_soon", "dept_ziran"), (late, "problem_overdue", "dept_zhujian")}
    day_before = P.reminders(P.open_problems(session, today=date(2026, 3, 5), calendar=calendar), today=date(2026, 3, 5))
    assert {n.key for line, n in day_before if line.case.number == soon} <= {n.key for _, n in chosen}  # due soon: once
    tomorrow = date(2026, 3, 9)
    again = P.reminders(P.open_problems(session, today=tomorrow, calendar=calendar), today=tomorrow)
    keys = {n.key for _, n in chosen}
    assert [n.key in keys for _, n in again] == [False, False]  # overdue both now: a new day's reminder each
    assert {n.kind for _, n in again} == {"problem_overdue"}


def test_an_item_that_outlives_its_case_is_still_noted_and_closed_after_archiving_but_none_is_added(session, calendar):
    from models.enums import Status
    from models.errors import CaseReadOnly
    from tests.factories import advance

    number, other = register_case(session, calendar), register_case(session, calendar)
    _add(session, calendar, number)
    advance(session, calendar, number, Status.archived)
    advance(session, calendar, other, Status.archived)
    P.note_problem(ctx(session, calendar, "dept_ziran", DAY), number, text="已答复，仍需向档案馆补齐移交清单")
    assert P.close_problem(ctx(session, calendar, "clerk", DAY), number, result="移交清单已补齐").status == ProblemStatus.closed
    events = _count(session, Event)
    with pytest.raises(CaseReadOnly):
        _add(session, calendar, other)
    assert _count(session, Event) == events and _count(session, ProblemItem) == 1
