"""Registration on the desk: the Art 31 confirmation, the applicant on file, agents and oral applications;
the case page of a case waiting for its 补正."""

import html
import re

from tests.web.conftest import DAY
from tests.web.test_flow import REGISTRATION, act, register

WANG = REGISTRATION | {"name": "王建国"}
ZHAO = WANG | {"name": "赵四", "phone": "13900139000", "request_text": "请公开某河道整治工程竣工验收报告"}


def _text(response) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", response.text))


def test_an_ordinary_letter_needs_the_confirmation_and_its_day_is_the_receipt_date(login):
    clerk = login("clerk")
    letter = REGISTRATION | {"channel": "ordinary_mail", "applicant_confirmed": "on"}
    refused = clerk.post("/register", letter)
    assert refused.status_code == 422 and "请填写确认日期和确认方式" in refused.text
    assert 'id="err-confirmed_on"' in refused.text  # the error sits at the date input
    done = clerk.post("/register", letter | {"confirmed_on": DAY.isoformat(), "confirmation_method": "phone",
                                             "confirmation_note": "申请人张三本人接听"})
    assert done.status_code == 303, done.text
    page = _text(clerk.get(done.headers["location"]))
    assert "与申请人确认" in page and "电话确认" in page and "申请人张三本人接听" in page


def test_another_name_under_a_known_id_number_is_shown_side_by_side_and_the_clerk_chooses(login):
    clerk = login("clerk")
    assert clerk.post("/register", WANG).status_code == 303
    shown = clerk.post("/register", ZHAO)
    assert shown.status_code == 422
    page = _text(shown)
    assert "已登记为申请人「王建国」" in page and "赵四" in page and "13900139000" in page
    assert 'name="applicant_on_file" value="keep"' in shown.text and 'name="applicant_on_file" value="update"' in shown.text
    kept = clerk.post("/register", ZHAO | {"applicant_on_file": "keep"})
    assert kept.status_code == 303
    assert "申请人 王建国（自然人）" in re.sub(r"\s+", " ", _text(clerk.get(kept.headers["location"])))
    updated = clerk.post("/register", ZHAO | {"applicant_on_file": "update", "request_text": "请公开河道清淤合同"})
    assert updated.status_code == 303 and "已按本次填写更新申请人信息" in clerk.get(updated.headers["location"]).text


def test_an_agent_application_and_a_missing_identity_proof_are_shown_on_the_case(login):
    clerk = login("clerk")
    agent = REGISTRATION | {"id_type": "none", "id_number": "", "agent_name": "李律师", "agent_id_type": "resident_id",
                            "agent_id_number": "110101198003151239", "agent_phone": "13700137000",
                            "agent_authorization": "授权委托书一份"}
    done = clerk.post("/register", agent)
    assert done.status_code == 303, done.text
    page = _text(clerk.get(done.headers["location"]))
    assert "代理人" in page and "李律师" in page and "授权委托书一份" in page
    assert "缺少申请人身份证明" in page and "一次性告知补正" in page


def test_an_oral_application_is_registered_with_the_transcript_confirmed(login):
    clerk = login("clerk")
    oral = REGISTRATION | {"channel": "oral", "transcribed_by_clerk": "on"}
    assert clerk.post("/register", oral).status_code == 422
    done = clerk.post("/register", oral | {"applicant_confirmed": "on", "confirmation_method": "signature"})
    assert done.status_code == 303, done.text
    assert "口头申请，由公开办代为填写，申请人已确认" in _text(clerk.get(done.headers["location"]))


def test_a_case_waiting_for_its_supplement_shows_the_supplement_period_never_overdue(login, clock):
    number = register(login("clerk"))  # received 2026-03-02, due 2026-03-30
    clock.advance(days=2)
    act(login("clerk"), number, "request_supplement", {"items": "请写明所需文件的文号", "period_days": "20"})
    clock.advance(days=27)  # 2026-03-31: a day past the original due date, within the applicant's period
    clerk = login("clerk")  # a new day, a new login
    page = _text(clerk.get(f"/cases/{number}"))
    assert "已逾期" not in page and "补正期限" in page and "2026年4月1日" in page
    assert "等待补正期间不计算" in page
    worklist = clerk.get("/worklist")
    assert "待补正，补正期限 2026年4月1日" in _text(worklist) and "lv-overdue" not in worklist.text
