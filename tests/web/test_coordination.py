"""The coordinating leader closes a coordination on the desk (who sees the button: tests/web/test_access.py)."""

from datetime import date

import pytest
from sqlmodel import Session

from models import actions as A
from models.enums import Status
from models.queries import application_by_number
from tests.factories import ctx, register_case
from tests.web.conftest import DAY


@pytest.fixture
def coordinating(engine, calendar, desk):
    """A case the leader routed to two departments; nobody has answered yet."""
    with Session(engine, expire_on_commit=False) as s:
        number = register_case(s, calendar, DAY)
        A.refer_to_leader(ctx(s, calendar, "clerk", DAY), number)
        A.assign_departments(ctx(s, calendar, "leader", DAY), number,
                             departments=["区自然资源局", "区住房和城乡建设局"], due_date=date(2026, 3, 9))
    return number


def _status(engine, number) -> Status:
    with Session(engine) as s:
        return Status(application_by_number(s, number).status)


def test_the_leader_closes_the_coordination_on_the_desk_once_the_remaining_department_has_answered(
        login, engine, coordinating):
    leader, ziran, zhujian = login("leader"), login("dept_ziran"), login("dept_zhujian")
    assert ziran.post(f"/cases/{coordinating}/actions/submit_opinion", {"opinion": "可以公开。"}).status_code == 303
    assert zhujian.post(f"/cases/{coordinating}/actions/return_assignment",
                        {"reason": "不属于本局职责"}).status_code == 303
    assert _status(engine, coordinating) == Status.coordinating  # a 退回 does not close it: the leader decides
    page = leader.get(f"/cases/{coordinating}").text
    assert 'id="act-complete_coordination"' in page and "结束协调，转公开办拟稿" in page
    done = leader.post(f"/cases/{coordinating}/actions/complete_coordination")
    assert done.status_code == 303 and done.headers["location"] == f"/cases/{coordinating}"
    assert "承办意见已齐备，转公开办拟稿" in leader.get(f"/cases/{coordinating}").text
    assert _status(engine, coordinating) == Status.drafting


def test_closing_before_every_department_has_answered_is_refused_with_the_domains_message(
        login, engine, coordinating):
    leader, ziran = login("leader"), login("dept_ziran")
    assert ziran.post(f"/cases/{coordinating}/actions/submit_opinion", {"opinion": "可以公开。"}).status_code == 303
    refused = leader.post(f"/cases/{coordinating}/actions/complete_coordination")
    assert refused.status_code == 422
    assert "尚有承办单位未提交书面答复意见" in refused.text and 'id="err-act-complete_coordination"' in refused.text
    assert _status(engine, coordinating) == Status.coordinating
