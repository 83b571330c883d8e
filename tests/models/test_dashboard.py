"""The supervisor dashboard: alert levels, cases at risk, answer times, and counts that match their drill-down."""

from datetime import date, datetime, timedelta

import pytest
from models import actions as A
from models import dashboard as D
from models.demo import DEMO_AGENCY
from models.enums import Status
from models.queries import agency_by_name, application_by_number
from tests.factories import advance, ctx, register_case

MON = date(2026, 3, 9)


@pytest.mark.parametrize(("today", "due", "level"), [
    (MON, date(2026, 3, 6), "overdue"),
    (MON, MON, "due_today"),
    (MON, date(2026, 3, 10), "t1"),
    (MON, date(2026, 3, 11), "t3"),
    (MON, date(2026, 3, 12), "t3"),
    (MON, date(2026, 3, 13), "t5"),
    (MON, date(2026, 3, 16), "t5"),
    (MON, date(2026, 3, 17), "on_track"),
    (MON, None, None),
    # before National Day: the next working day is 10-08, and Saturday 10-10 is a make-up working day
    (date(2026, 9, 30), date(2026, 10, 7), "t1"),
    (date(2026, 9, 30), date(2026, 10, 8), "t1"),
    (date(2026, 9, 30), date(2026, 10, 10), "t3"),
    (date(2026, 9, 30), date(2026, 10, 12), "t5"),
    (date(2026, 9, 30), date(2026, 10, 14), "on_track"),
])
def test_alert_level_counts_working_days_left(calendar, today, due, level):
    assert D.Cutoffs.on(today, calendar=calendar).level(due) == level


@pytest.mark.parametrize("today", [MON, date(2026, 9, 30), date(2026, 2, 13)])
def test_each_level_range_holds_exactly_the_days_of_that_level(calendar, today):
    cut = D.Cutoffs.on(today, calendar=calendar)
    for offset in range(-10, 30):
        day = today + timedelta(days=offset)
        inside = [lv for lv in D.LEVELS
                  if (cut.due_range(lv)[0] or date.min) <= day <= (cut.due_range(lv)[1] or date.max)]
        assert inside == [cut.level(day)], day


@pytest.mark.parametrize(("today", "status", "entered_by"), [
    # registered: usually 2 WD. Entered Wed 03-04, it has sat Thu, Fri and Mon by 03-09: 3 > 2.
    (MON, Status.registered, date(2026, 3, 4)),
    # routed: usually 5 WD. Entered on Fri 03-06 or over the weekend, by Mon 03-16 it has sat 6.
    (date(2026, 3, 16), Status.routed, date(2026, 3, 8)),
    # across National Day: entered Mon 09-28, by Thu 10-08 it has sat 09-29, 09-30 and 10-08.
    (date(2026, 10, 8), Status.registered, date(2026, 9, 28)),
])
def test_a_case_is_at_risk_once_it_sat_in_its_step_longer_than_usual(calendar, today, status, entered_by):
    risk = D.Cutoffs.on(today, calendar=calendar).risk[status]
    assert risk == entered_by
    assert calendar.working_days_between(risk, today) > D.STAGE_USUAL[status]
    assert calendar.working_days_between(risk + timedelta(days=1), today) <= D.STAGE_USUAL[status]


def test_paused_and_applicant_steps_are_never_at_risk():
    assert not {Status.awaiting_supplement, Status.consulting, Status.awaiting_fee} & set(D.STAGE_USUAL)


@pytest.fixture
def office(session, calendar):
    """Four open cases on MON: overdue, sitting too long as registered, freshly routed, answered in 3 WD."""
    overdue = register_case(session, calendar, date(2026, 1, 5), request_text="请公开2025年区政府工作报告")
    stale = register_case(session, calendar, date(2026, 3, 2))
    routed = register_case(session, calendar, date(2026, 3, 6), request_text="请公开某地块规划许可信息")
    A.route(ctx(session, calendar, "clerk", date(2026, 3, 6)), routed, department="区自然资源局")
    answered = register_case(session, calendar, date(2026, 3, 2), request_text="请公开某道路工程立项批复")
    A.route(ctx(session, calendar, "clerk", date(2026, 3, 2)), answered, department="区住房和城乡建设局")
    A.submit_opinion(ctx(session, calendar, "dept_zhujian", date(2026, 3, 5)), answered, opinion="可以公开。")
    closed = register_case(session, calendar, date(2026, 3, 2), request_text="请公开某小区绿化验收材料")
    advance(session, calendar, closed, Status.delivered, date(2026, 3, 5))
    return {"overdue": overdue, "stale": stale, "routed": routed, "answered": answered, "closed": closed}


def _dashboard(session, calendar, today=MON):
    agency = agency_by_name(session, DEMO_AGENCY)
    cut = D.Cutoffs.on(today, calendar=calendar)
    return D.supervisor_dashboard(session, agency_id=agency.id, cutoffs=cut, calendar=calendar), cut, agency


def test_dashboard_counts_open_cases_by_stage_and_level(session, calendar, office):
    dash, cut, _ = _dashboard(session, calendar)
    assert dash.open_total == 4
    assert dash.by_stage == {Status.registered: {"overdue": 1, "on_track": 1}, Status.routed: {"on_track": 1},
                             Status.drafting: {"on_track": 1}}
    assert dash.by_level == {"overdue": 1, "due_today": 0, "t1": 0, "t3": 0, "t5": 0, "on_track": 3}
    assert [a.number for a in dash.urgent] == [office["overdue"]]


def test_every_count_on_the_dashboard_opens_exactly_its_cases(session, calendar, office):
    dash, cut, agency = _dashboard(session, calendar)
    for status, counts in dash.by_stage.items():
        for level, n in counts.items():
            found = D.drill_down(session, agency_id=agency.id, cutoffs=cut, level=level, status=status)
            assert len(found) == n and {cut.level(a.due_date) for a in found} == {level}
    for name, counts in dash.by_department.items():
        assert len(D.drill_down(session, agency_id=agency.id, cutoffs=cut, department=name)) == sum(counts.values())


def test_open_assignments_are_counted_by_their_own_due_date(session, calendar, office):
    dash, cut, _ = _dashboard(session, calendar)
    # routed Fri 03-06, the department's 5 WD end Fri 03-13: T-5 on Mon 03-09; the answered one is not open
    assert dash.by_department == {"区自然资源局": {"t5": 1}}


def test_cases_at_risk_are_those_sitting_too_long_in_their_step(session, calendar, office):
    dash, _, _ = _dashboard(session, calendar)
    assert [(r.case.number, r.days_in_stage, r.usual) for r in dash.at_risk] == [
        (office["overdue"], 41, 2),  # registered 01-05: 19 WD left in January, 16 in February, 6 in March
        (office["stale"], 5, 2),
    ]


def test_department_answer_times_are_working_days_from_routing(session, calendar, office):
    dash, _, _ = _dashboard(session, calendar)
    assert dash.answer_times == [
        D.AnswerTimes("区住房和城乡建设局", answered=1, average_days=3.0, longest_days=3, on_time=1),  # 03-02 → 03-05
        D.AnswerTimes("区自然资源局", answered=1, average_days=0.0, longest_days=0, on_time=1),  # the closed case
    ]


def test_a_case_leaves_the_dashboard_when_it_concludes(session, calendar, office):
    advance(session, calendar, office["stale"], Status.dispatched, MON)
    dash, _, _ = _dashboard(session, calendar)
    assert dash.open_total == 3 and dash.by_stage[Status.registered] == {"overdue": 1}
    assert office["stale"] not in [r.case.number for r in dash.at_risk]


def test_the_status_since_follows_every_change_of_status_and_only_those(session, calendar):
    number = register_case(session, calendar, date(2026, 3, 2))
    assert application_by_number(session, number).status_since == date(2026, 3, 2)
    A.route(ctx(session, calendar, "clerk", date(2026, 3, 3)), number, department="区自然资源局")
    A.accept_assignment(ctx(session, calendar, "dept_ziran", date(2026, 3, 4)), number)  # 签收: no new status
    assert application_by_number(session, number).status_since == date(2026, 3, 3)


def test_the_migration_dates_each_status_from_its_last_change_in_shanghai_time(engine, session, calendar):
    from alembic import command

    from models.context import Ctx
    from models.db import _alembic_config, migrate
    from models.tables import SHANGHAI

    number = register_case(session, calendar, date(2026, 3, 2))
    just_after_midnight = datetime(2026, 3, 4, 0, 30, tzinfo=SHANGHAI)  # still 03-03 in UTC
    clerk = ctx(session, calendar, "clerk", date(2026, 3, 4)).actor
    A.route(Ctx(session, calendar, just_after_midnight, clerk), number, department="区自然资源局")
    session.close()
    config = _alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0004")
    migrate(engine)
    assert application_by_number(session, number).status_since == date(2026, 3, 4)
