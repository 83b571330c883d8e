"""Issue 12 on the desk: each rule is shown before the user submits, and the desk refuses what the domain refuses."""

import re
from datetime import date

import pytest
from sqlmodel import Session

from models import actions as A
from models.enums import Status
from models.queries import application_by_number
from tests.factories import advance, ctx, register_case
from tests.web.conftest import DAY

LATER = date(2026, 3, 9)


@pytest.fixture
def cases(engine, calendar, desk):
    with Session(engine, expire_on_commit=False) as s:
        earlier = register_case(s, calendar, DAY)  # answered and served on 2026-03-04
        advance(s, calendar, earlier, Status.delivered)
        open_earlier = register_case(s, calendar, DAY, request_text="请公开本区2024年财政决算报告")
        repeat = register_case(s, calendar, DAY)
        advance(s, calendar, repeat, Status.drafting)
        coordinating = register_case(s, calendar, DAY)
        A.refer_to_leader(ctx(s, calendar, "clerk", DAY), coordinating)
        prone = register_case(s, calendar, DAY, request_text="请公开某村征地补偿安置方案")
        advance(s, calendar, prone, Status.legal_review)
        approved = register_case(s, calendar, DAY)
        advance(s, calendar, approved, Status.approved)
    return {"earlier": earlier, "open_earlier": open_earlier, "repeat": repeat, "coordinating": coordinating,
            "prone": prone, "approved": approved}


def _status(engine, number) -> Status:
    with Session(engine) as s:
        return Status(application_by_number(s, number).status)


def test_the_draft_page_shows_each_outcomes_legal_precondition_and_which_earlier_application_may_ground_a_repeat(
        login, cases):
    page = login("clerk").get(f"/cases/{cases['repeat']}/draft").text
    assert "处理结果的法定前提" in page
    assert "须是同一申请人此前提出、本机关已作出答复并送达的申请" in page and "第三十六条第（六）项" in page
    assert "须已发出说明理由告知书" in page and "本案尚不满足：尚未向申请人发出说明理由告知书" in page
    assert "本案尚不满足：本申请未发出补正告知" in page  # unclear after supplement
    assert f'<option value="{cases["earlier"]}">{cases["earlier"]}（2026年3月2日收到；已于2026年3月4日以' in page
    assert f"{cases['open_earlier']}（2026年3月2日收到；尚未答复送达（已登记），不能作为重复申请的依据）" in page


def test_the_check_before_submit_names_the_missing_fact_and_the_submit_is_refused(login, cases, engine):
    clerk = login("clerk")
    draft = {"outcome": "art36_6_repeat", "reasons": "内容相同。", "repeat_of": cases["open_earlier"]}
    check = clerk.post(f"/cases/{cases['repeat']}/draft/check", draft).text
    assert "尚未作出答复并送达" in check and 'data-rule="repeat_answered"' in check
    refused = clerk.post(f"/cases/{cases['repeat']}/draft", draft)
    assert refused.status_code == 422 and "尚未作出答复并送达" in refused.text
    assert _status(engine, cases["repeat"]) == Status.drafting
    fine = draft | {"repeat_of": cases["earlier"]}
    assert "校验通过" in clerk.post(f"/cases/{cases['repeat']}/draft/check", fine).text
    assert clerk.post(f"/cases/{cases['repeat']}/draft", fine).status_code == 303
    assert _status(engine, cases["repeat"]) == Status.legal_review


def test_the_leader_sees_the_latest_department_deadline_before_assigning_and_a_later_one_is_refused(
        login, cases, engine):
    leader = login("leader")
    page = leader.get(f"/cases/{cases['coordinating']}").text
    assert "最迟 2026-03-18：答复期限为 2026-03-30，须留出8个工作日供公开办拟稿、法律审核和签发。" in page
    assert 'value="2026-03-18"' in page  # the form starts at the latest allowed date
    refused = leader.post(f"/cases/{cases['coordinating']}/actions/assign_departments",
                          {"departments": ["区自然资源局"], "due_date": "2026-06-30"})
    assert refused.status_code == 422 and "最迟为 2026-03-18" in refused.text
    done = leader.post(f"/cases/{cases['coordinating']}/actions/assign_departments",
                       {"departments": ["区自然资源局"], "due_date": "2026-03-18"})
    assert done.status_code == 303


def test_counsel_is_not_offered_to_clear_the_litigation_prone_flag_and_cannot_post_it(login, cases, engine):
    counsel, head = login("counsel"), login("head")
    assert 'id="act-set_litigation_prone"' not in counsel.get(f"/cases/{cases['prone']}").text
    assert counsel.post(f"/cases/{cases['prone']}/actions/set_litigation_prone", {"reason": "不涉及"}).status_code == 403
    page = head.get(f"/cases/{cases['prone']}").text
    assert 'id="act-set_litigation_prone"' in page and "取消须由公开办负责人或分管领导写明理由" in page
    refused = head.post(f"/cases/{cases['prone']}/actions/set_litigation_prone", {})
    assert refused.status_code == 422 and "取消易诉标记须写明理由" in refused.text
    approve = counsel.get(f"/cases/{cases['prone']}").text
    assert "须由政府法律顾问审核通过" in approve  # the rule shown with counsel's approve button


def test_the_reply_is_signed_off_by_the_office_head_not_the_clerk(login, cases, engine):
    clerk, head = login("clerk"), login("head")
    assert 'id="act-issue_reply"' not in clerk.get(f"/cases/{cases['approved']}").text
    assert clerk.post(f"/cases/{cases['approved']}/actions/issue_reply").status_code == 403
    page = head.get(f"/cases/{cases['approved']}").text
    assert 'id="act-issue_reply"' in page and "签发人：孙主任" in page
    assert head.post(f"/cases/{cases['approved']}/actions/issue_reply").status_code == 303
    assert _status(engine, cases["approved"]) == Status.issued


def test_a_fee_notice_goes_to_counsel_and_is_approved_on_the_desk(login, engine, calendar, desk):
    with Session(engine, expire_on_commit=False) as s:
        number = register_case(s, calendar, DAY)
    clerk, counsel = login("clerk"), login("counsel")
    page = clerk.get(f"/cases/{number}").text
    assert "收费通知须经法律顾问审核通过后才发出" in page
    done = clerk.post(f"/cases/{number}/actions/issue_fee_notice",
                      {"method": "per_page", "pages": "120", "justification": "申请数量明显超过合理范围"})
    assert done.status_code == 303 and _status(engine, number) == Status.fee_review
    assert number in counsel.get("/review").text
    page = counsel.get(f"/cases/{number}").text
    assert "1100 元" in page and "待法律顾问审核，尚未发出" in page
    assert counsel.post(f"/cases/{number}/actions/approve_fee_notice", {}).status_code == 303
    assert _status(engine, number) == Status.awaiting_fee


def test_a_joint_consultation_on_the_desk_needs_the_justice_bureau_and_counsel(login, engine, calendar, desk):
    with Session(engine, expire_on_commit=False) as s:
        number = register_case(s, calendar, DAY)
    head = login("head")
    page = head.get(f"/cases/{number}").text
    assert "会商由相关部门负责人及司法局、法律顾问参加" in page and "司法局参加人员" in page
    refused = head.post(f"/cases/{number}/actions/convene_joint_consultation",
                        {"departments": ["区自然资源局"], "justice_bureau": "区司法局王科长", "legal_counsel": " "})
    assert refused.status_code == 422 and "请填写法律顾问" in refused.text
    done = head.post(f"/cases/{number}/actions/convene_joint_consultation",
                     {"departments": ["区自然资源局"], "justice_bureau": "区司法局王科长", "legal_counsel": "陈律师"})
    assert done.status_code == 303
    assert "相关部门：区自然资源局；司法局：区司法局王科长；法律顾问：陈律师" in head.get(f"/cases/{number}").text


def test_the_clerk_asks_for_reasons_and_the_office_head_sets_the_deferred_date(login, engine, calendar, desk):
    with Session(engine, expire_on_commit=False) as s:
        number = register_case(s, calendar, DAY)
    clerk, head = login("clerk"), login("head")
    page = clerk.get(f"/cases/{number}").text
    assert 'id="act-request_reasons"' in page and "都须先发出说明理由告知书" in page
    assert clerk.post(f"/cases/{number}/actions/request_reasons", {"days": "10"}).status_code == 303
    assert clerk.post(f"/cases/{number}/actions/record_reasons",
                      {"answered_on": DAY.isoformat(), "reasons": "为撰写论文需要"}).status_code == 303
    page = head.get(f"/cases/{number}").text
    assert 'id="act-defer_reply"' in page and "须在现答复期限 2026-03-30 届满前确定" in page
    assert head.post(f"/cases/{number}/actions/defer_reply",
                     {"due_date": "2026-05-29", "reason": "档案量大"}).status_code == 303
    with Session(engine) as s:
        assert application_by_number(s, number).due_date == date(2026, 5, 29)
    assert "确定于 2026年5月29日 前答复" in clerk.get(f"/cases/{number}").text


def test_a_case_deemed_abandoned_is_drafted_as_its_termination_notice_and_previewed_as_one(login, engine, calendar,
                                                                                          desk, clock):
    with Session(engine, expire_on_commit=False) as s:
        number = register_case(s, calendar, DAY)
        A.request_supplement(ctx(s, calendar, "clerk", DAY), number, items="请写明文号", period_days=5)
        A.deem_abandoned(ctx(s, calendar, None, date(2026, 3, 10)), number)
    clock.advance(days=8)  # 2026-03-10
    clerk, counsel = login("clerk"), login("counsel")
    page = clerk.get(f"/cases/{number}/draft").text
    assert "拟写终止处理告知书" in page
    outcomes = re.search(r'<select id="outcome".*?</select>', page, re.S).group(0)
    assert outcomes.count("<option") == 1 and 'value="art30_deemed_abandoned" selected' in outcomes
    assert clerk.post(f"/cases/{number}/draft", {"outcome": "art30_deemed_abandoned"}).status_code == 303
    assert _status(engine, number) == Status.legal_review and number in counsel.get("/review").text
    preview = counsel.get(f"/cases/{number}/reply-preview").text
    assert "政府信息公开申请终止处理告知书" in preview and "视为放弃申请" in preview
