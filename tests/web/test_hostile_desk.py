"""The desk against hostile and careless input (issue 13): a Chinese message and 422, never a 500, nothing written."""

import pytest
from sqlmodel import Session, func, select

from models.tables import Application, Event
from tests.web.test_flow import REGISTRATION, register


def counts(engine) -> tuple[int, int]:
    with Session(engine) as s:
        return tuple(s.exec(select(func.count()).select_from(t)).one() for t in (Application, Event))


BAD_FORMS = [
    ("year-one-arrival", {"arrived_on": "0001-01-01", "receipt_date": "0001-01-01"}, "早于《条例》（2019年修订）施行之日"),
    ("year-one-confirmation", {"channel": "online", "arrived_on": "2026-03-02", "confirmed_on": "0001-01-01",
                               "confirmation_method": "platform", "receipt_date": "2026-03-02"}, "确认日期（0001-01-01）早于《条例》"),
    ("year-nine-thousand", {"arrived_on": "9999-12-31", "receipt_date": "9999-12-31"}, "不能晚于今天"),
    ("nul-in-name", {"name": "张\x00三"}, "含有控制字符"),
    ("ansi-in-request", {"request_text": "请公开\x1b[2J预算"}, "含有控制字符（\\x1b）"),
    ("bidi-in-address", {"address": "某路\u202e1号"}, "含有控制字符"),
    ("a-kind-nobody-knows", {"kind": "alien"}, "请选择一项"),
]


@pytest.mark.parametrize("changes, words", [b[1:] for b in BAD_FORMS], ids=[b[0] for b in BAD_FORMS])
def test_a_hostile_registration_is_refused_with_422_and_nothing_written(login, engine, changes, words):
    clerk = login("clerk")
    before = counts(engine)
    refused = clerk.post("/register", REGISTRATION | changes)
    assert refused.status_code == 422 and words in refused.text, refused.text[-1500:]
    assert counts(engine) == before


ACTIONS = [
    ("supplement-text-with-escape", "request_supplement", {"items": "请补充\x1b[31m文号"}, "含有控制字符"),
    ("supplement-period-huge", "request_supplement", {"items": "请补充文号", "period_days": "99999999999999999999"},
     "补正期限"),
    ("received-in-year-one", "receive_supplement", {"received_on": "0001-01-01"}, "不能执行"),
    ("route-to-a-department-nobody-knows", "route", {"department": "\u202e区自然资源局"}, "含有控制字符"),
    ("fee-method-nobody-knows", "issue_fee_notice", {"method": "by-weight", "justification": "数量过大"}, "请选择计费方式中的一项"),
    ("fee-pages-beyond-any-request", "issue_fee_notice", {"method": "per_page", "pages": "99999999999999999999",
                                                         "justification": "数量过大"}, "超出合理范围"),
    ("withdraw-with-nul-evidence", "withdraw", {"reason": "x", "evidence": "书面\x00撤回"}, "含有控制字符"),
]


@pytest.mark.parametrize("action, data, words", [a[1:] for a in ACTIONS], ids=[a[0] for a in ACTIONS])
def test_a_hostile_case_action_is_refused_without_a_500(login, engine, action, data, words):
    clerk = login("clerk")
    number = register(clerk)
    before = counts(engine)
    refused = clerk.post(f"/cases/{number}/actions/{action}", data)
    assert 400 <= refused.status_code < 500 and words in refused.text, (refused.status_code, refused.text[-1500:])
    assert counts(engine) == before
