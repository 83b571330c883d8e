"""The morning sweep against a fixed `today`: reminders once, escalation, chases, closings, days off skipped."""

from datetime import date

import pytest
from sqlmodel import select

from models import actions as A
from models.enums import Status
from models.outbox import OutboxMessage
from models.tables import Event
from tests import factories as F
from workflows.flows import morning_sweep

MON = date(2026, 3, 2)


def messages(session) -> list[OutboxMessage]:
    session.expire_all()
    return list(session.exec(select(OutboxMessage).order_by(OutboxMessage.id)))


@pytest.fixture
def cases(prefect_harness, app_db, session, calendar):
    """Receipt 2026-03-02 → due 2026-03-30; a routed case whose department answer was due 2026-03-09."""
    routed = F.register_case(session, calendar, MON)
    A.route(F.ctx(session, calendar, "clerk", MON), routed, department="区自然资源局")
    drafting = F.register_case(session, calendar, MON)
    A.start_drafting(F.ctx(session, calendar, "clerk", MON), drafting)
    return routed, drafting


@pytest.mark.parametrize(("today", "kinds"), [
    (date(2026, 3, 10), {"chase"}),
    (date(2026, 3, 24), {"chase", "deadline_t5"}),
    (date(2026, 3, 27), {"chase", "deadline_t1"}),
    (date(2026, 3, 31), {"chase", "overdue"}),
], ids=["department-late", "t5", "t1-friday", "overdue-escalated"])
def test_sweep_notifies_by_level(cases, session, today, kinds):
    morning_sweep(today=today)
    found = messages(session)
    assert {m.kind for m in found} == kinds
    assert {m.recipient for m in found if m.kind == "overdue"} <= {"supervisor"}
    assert {m.recipient for m in found if m.kind == "chase"} == {"dept_ziran"}
    # every notification is an Event too, and a second sweep the same day adds nothing
    notify_events = session.exec(select(Event).where(Event.action == "notify")).all()
    assert len(notify_events) == len(found)
    morning_sweep(today=today)
    assert len(messages(session)) == len(found)


def test_sweep_skips_days_off(cases, session):
    assert "不是工作日" in morning_sweep(today=date(2026, 3, 28))  # a Saturday
    assert messages(session) == []


def test_sweep_closes_expired_waits(prefect_harness, app_db, session, calendar):
    abandoned = F.register_case(session, calendar, MON)
    A.request_supplement(F.ctx(session, calendar, "clerk", MON), abandoned, items="请写明文号", period_days=5)
    consulting = F.register_case(session, calendar, MON)
    A.start_drafting(F.ctx(session, calendar, "clerk", MON), consulting)
    F.consult(session, calendar, consulting, MON)
    morning_sweep(today=date(2026, 3, 24))
    session.expire_all()
    from models.queries import application_by_number

    # deemed abandoned; its 终止处理告知书 waits for the clerk's draft and counsel's sign-off (会签办结制度)
    assert application_by_number(session, abandoned).status == Status.deemed_abandoned
    assert application_by_number(session, consulting).status == Status.drafting  # 15 WD passed: resumed


def test_sweep_reminds_problem_list_owners_by_the_internal_clock_once_a_day(prefect_harness, app_db, session, calendar):
    from models import problems as P
    from models.enums import ProblemReason

    soon, late = F.register_case(session, calendar, MON), F.register_case(session, calendar, MON)
    for number, owner, days in [(soon, "dept_ziran", 2), (late, "dept_zhujian", 1)]:
        P.add_problem(F.ctx(session, calendar, "clerk", MON), number, reason=ProblemReason.records_hard_to_find,
                      owner=owner, plan="逐卷查阅", limit_days=days)
    morning_sweep(today=date(2026, 3, 4))  # soon: due today (4 Mar); late: due yesterday
    found = messages(session)
    assert {(m.kind, m.recipient) for m in found} == {("problem_due_soon", "dept_ziran"), ("problem_overdue", "dept_zhujian")}
    assert all(m.application_id for m in found)  # the case's own notification, with its notify Event
    morning_sweep(today=date(2026, 3, 4))
    assert len(messages(session)) == 2
