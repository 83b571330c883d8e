"""What a user cannot do is refused with the reason the desk shows before they try (models.guards, one source)."""

from datetime import date

import pytest
from sqlmodel import select

from models import actions as A
from models import guards
from models.admin import add_department
from models.demo import DEMO_AGENCY
from models.enums import Status
from models.errors import GuardFailed, RoleNotAllowed
from models.outbox import OutboxMessage
from models.queries import application_by_number
from models.tables import Assignment, Event
from tests import factories as F

DAY = date(2026, 3, 2)
DUE = date(2026, 3, 9)


@pytest.mark.parametrize("prone,government,refused", [
    (True, False, True), (True, True, False), (False, False, False),
], ids=["litigation-prone-ordinary-counsel", "litigation-prone-government-counsel", "ordinary-case"])
def test_only_government_counsel_signs_off_a_litigation_prone_case(prone, government, refused):
    reason = guards.counsel_refusal(litigation_prone=prone, government_counsel=government)
    assert (reason is not None) is refused
    if refused:
        assert "政府法律顾问" in reason


def test_the_ordinary_counsels_approval_of_a_litigation_prone_draft_is_refused_with_that_reason(session, calendar):
    number = F.register_case(session, calendar, DAY, request_text="请公开某村征地补偿安置方案")
    F.advance(session, calendar, number, Status.legal_review)
    with pytest.raises(RoleNotAllowed) as err:
        A.approve_draft(F.ctx(session, calendar, "counsel", DAY), number)
    assert err.value.message_zh == guards.counsel_refusal(litigation_prone=True, government_counsel=False)


def test_closing_a_coordination_names_the_departments_that_have_not_answered(session, calendar):
    number = F.register_case(session, calendar, DAY)
    F.coordinate(session, calendar, number, DAY, due_date=DUE)
    A.submit_opinion(F.ctx(session, calendar, "dept_ziran", DAY), number, opinion="可以公开。")
    with pytest.raises(GuardFailed) as err:
        A.complete_coordination(F.ctx(session, calendar, "leader", DAY), number)
    assert "尚有承办单位未提交书面答复意见：区住房和城乡建设局" in err.value.message_zh
    assert "区自然资源局" not in err.value.message_zh


@pytest.fixture
def handlerless(session):
    F.ctx(session, None, None, DAY)  # seeds the demo agency
    add_department(session, agency=DEMO_AGENCY, name="区无人局")
    return "区无人局"


def _office_notices(session) -> list[str]:
    return sorted(m.recipient for m in session.exec(select(OutboxMessage).where(OutboxMessage.kind == "no_handler")))


def test_the_leader_cannot_assign_a_department_without_an_active_handler_and_the_office_is_told(
        session, calendar, handlerless):
    number = F.register_case(session, calendar, DAY)
    A.refer_to_leader(F.ctx(session, calendar, "clerk", DAY), number)
    with pytest.raises(GuardFailed) as err:
        A.assign_departments(F.ctx(session, calendar, "leader", DAY), number,
                             departments=["区自然资源局", handlerless], due_date=DUE)
    assert "区无人局没有在岗的承办单位经办人" in err.value.message_zh and "已通知公开办" in err.value.message_zh
    app = application_by_number(session, number)
    assert session.exec(select(Assignment).where(Assignment.application_id == app.id)).all() == []
    assert _office_notices(session) == ["clerk", "head"]  # the office's clerk and head, kept although refused
    assert session.exec(select(Event).where(Event.action == "assign_departments")).all() == []


def test_the_clerk_cannot_route_to_a_department_without_an_active_handler(session, calendar, handlerless):
    number = F.register_case(session, calendar, DAY)
    with pytest.raises(GuardFailed) as err:
        A.route(F.ctx(session, calendar, "clerk", DAY), number, department=handlerless)
    assert "区无人局没有在岗的承办单位经办人" in err.value.message_zh
    assert application_by_number(session, number).status == Status.registered
    assert _office_notices(session) == ["clerk", "head"]

