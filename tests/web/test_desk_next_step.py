"""Issue 16, "What got in the way": the case flow on the desk for a full working day (TestClient)."""

import re
from datetime import date

import pytest
from sqlmodel import Session, select

from models import actions as A
from models.admin import add_department
from models.demo import DEMO_AGENCY
from models.enums import Status
from models.queries import application_by_number
from models.tables import Application, Event
from tests.factories import SMALL_PDF, advance, ctx, register_case
from tests.web.conftest import DAY
from tests.web.test_flow import REGISTRATION, act, register


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _details(html: str, name: str) -> str:
    """The opening tag of an action's <details>."""
    found = re.search(rf'<details[^>]*id="act-{name}"[^>]*>', html)
    assert found, f"no action {name}"
    return found.group(0)


def _status(engine, number) -> Status:
    with Session(engine) as s:
        return Status(application_by_number(s, number).status)


# --- 1. the step the case waits for is the primary action; search by number ------------------------------------


def test_the_step_the_case_waits_for_is_open_first_and_focused_and_the_rest_folded(login):
    clerk = login("clerk")
    number = register(clerk)
    page = clerk.get(f"/cases/{number}").text
    assert "primary-action" in _details(page, "route") and " open" in _details(page, "route")
    assert 'id="route-department" name="department" autofocus' in page
    for other in ("refer_to_leader", "start_drafting", "withdraw", "void_registration"):
        assert " open" not in _details(page, other)
    assert page.index('id="act-route"') < page.index('id="act-refer_to_leader"')
    assert '<a href="#act-route" class="skip-inline">跳到下一步操作</a>' in page
    act(clerk, number, "route", {"department": "区自然资源局"})
    handler = login("dept_ziran").get(f"/cases/{number}").text
    assert "primary-action" in _details(handler, "accept_assignment")
    assert re.search(r'<button type="submit" class=""[^>]*autofocus>签收</button>', handler)


def test_a_registered_case_missing_its_identity_proof_waits_for_the_supplement_notice(login):
    clerk = login("clerk")
    done = clerk.post("/register", REGISTRATION | {"id_type": "none", "id_number": "", "form_token": "t-missing"})
    page = clerk.get(done.headers["location"]).text
    assert "primary-action" in _details(page, "request_supplement")
    assert "primary-action" not in _details(page, "route")


def test_a_number_typed_in_the_search_box_opens_its_case_and_the_shortcut_is_on_every_page(login):
    clerk = login("clerk")
    number = register(clerk)
    page = clerk.get("/worklist").text
    assert 'id="find-number"' in page and 'aria-keyshortcuts="/"' in page and "按 <kbd>/</kbd> 键查找编号" in page
    assert '<script src="/static/keys.js" defer></script>' in page
    assert 'e.key === "/"' in clerk.get("/static/keys.js").text
    for typed in (number, number[-6:], str(int(number[-6:]))):
        found = clerk.get("/find", params={"q": typed})
        assert (found.status_code, found.headers["location"]) == (303, f"/cases/{number}")
    missing = clerk.get("/find", params={"q": "2026-999999"})
    assert missing.status_code == 404 and "没有编号为「2026-999999」的申请" in missing.text


def test_a_department_handler_finds_only_the_cases_routed_to_the_department(login):
    clerk, handler = login("clerk"), login("dept_zhujian")
    number = register(clerk)
    act(clerk, number, "route", {"department": "区自然资源局"})
    assert handler.get("/find", params={"q": number}).status_code == 404


# --- 2. registration: every error at once, beside its field, values kept ----------------------------------------


def test_an_empty_registration_shows_every_error_at_once_beside_its_field(login):
    clerk = login("clerk")
    form = clerk.get("/register").text
    token = re.search(r'name="form_token" value="([^"]+)"', form).group(1)
    r = clerk.post("/register", {"channel": "in_person", "arrived_on": DAY.isoformat(), "receipt_date": DAY.isoformat(),
                                 "kind": "natural_person", "id_type": "resident_id", "requested_form": "paper",
                                 "delivery_method": "post", "address": "", "name": "", "form_token": token,
                                 "receipt_evidence": "签收单"})
    assert r.status_code == 422
    for field in ("name", "request_text", "id_number", "phone"):
        assert f'id="err-{field}"' in r.text, field
        assert f'aria-describedby="err-{field}"' in r.text
    assert "共 4 处需要修改" in r.text and '<a href="#request_text">申请内容</a>' in r.text
    assert "请至少填写一种联系方式" in r.text and "已选择证件类型「居民身份证」，请填写证件号码" in r.text
    assert 'value="签收单"' in r.text and f'value="{token}"' in r.text  # what was typed is kept, the token too
    with Session(clerk.client.app.state.desk.engine) as s:
        assert s.exec(select(Application)).all() == []


def test_the_contact_field_is_marked_required(login):
    page = login("clerk").get("/register").text
    assert re.search(r'<legend>联系方式 <span aria-hidden="true">\*</span><span class="sr-only">（必填）</span></legend>', page)
    assert "电话、电子邮箱、通信地址至少填写一种" in page


# --- 3. one-time form token; voiding a mistaken registration ------------------------------------------------------


def test_back_and_resubmit_registers_nothing_twice_and_links_the_case_already_made(login, engine):
    clerk = login("clerk")
    token = re.search(r'name="form_token" value="([^"]+)"', clerk.get("/register").text).group(1)
    first = clerk.post("/register", REGISTRATION | {"form_token": token})
    number = first.headers["location"].rsplit("/", 1)[-1]
    again = clerk.post("/register", REGISTRATION | {"form_token": token})
    assert again.status_code == 409
    assert f'已登记为申请 <a href="/cases/{number}">{number}</a>，本次未重复登记' in again.text
    with Session(engine) as s:
        assert len(s.exec(select(Application)).all()) == 1
    other = re.search(r'name="form_token" value="([^"]+)"', clerk.get("/register").text).group(1)
    assert other != token  # a new form is a new registration


def test_a_clerk_voids_a_registration_made_in_error_the_same_day_and_it_leaves_every_list(login, engine, clock):
    clerk, supervisor = login("clerk"), login("supervisor")
    number = register(clerk)
    refused = clerk.post(f"/cases/{number}/actions/void_registration", {"reason": " "})
    assert refused.status_code == 422 and "请填写作废理由" in refused.text
    done = clerk.post(f"/cases/{number}/actions/void_registration", {"reason": "重复提交"})
    assert done.status_code == 303 and _status(engine, number) == Status.voided
    page = _text(clerk.get(f"/cases/{number}").text)
    assert "登记作废" in page and "重复提交" in page and "不计入统计" in page
    assert number not in clerk.get("/worklist").text and number not in clerk.get("/worklist?closed=1").text
    assert "暂无在办申请" in supervisor.get("/dashboard").text
    with Session(engine) as s:
        event = s.exec(select(Event).where(Event.action == "void_registration")).one()
        assert (event.actor_name, event.data["reason"]) == ("王经办", "重复提交")


def test_the_next_day_the_void_button_is_disabled_with_the_reason(login, engine, clock):
    number = register(login("clerk"))
    clock.advance(days=1)
    clerk = login("clerk")  # the next morning
    page = clerk.get(f"/cases/{number}").text
    assert "blocked" in _details(page, "void_registration")
    assert re.search(r'<button type="submit" class="danger" disabled aria-describedby="why-void_registration">', page)
    assert "只能在登记当天（2026-03-02）作废" in page
    refused = clerk.post(f"/cases/{number}/actions/void_registration", {"reason": "重复提交"})
    assert refused.status_code == 422 and _status(engine, number) == Status.registered


# --- 4. drafting beside the departments' opinions ---------------------------------------------------------------


def test_the_draft_page_shows_the_opinions_their_files_and_the_applicants_exact_words(login):
    clerk, handler = login("clerk"), login("dept_ziran")
    number = register(clerk)
    act(clerk, number, "route", {"department": "区自然资源局"})
    r = handler.client.post(f"/cases/{number}/actions/submit_opinion",
                            data={"csrf_token": handler.csrf, "opinion": "该报告已于2026年1月在门户网站公开。"},
                            files=[("attachments", ("执行情况报告.pdf", SMALL_PDF, "application/pdf"))])
    assert r.status_code == 303, r.text[-500:]
    page = clerk.get(f"/cases/{number}/draft").text
    aside = page[page.index('<aside class="card sources"'):]
    assert '<blockquote class="request" id="request-text">请公开本区2025年财政预算执行情况报告</blockquote>' in aside
    assert "区自然资源局" in aside and "该报告已于2026年1月在门户网站公开。" in aside
    assert re.search(rf'<a href="/cases/{number}/attachments/\d+">执行情况报告.pdf</a>', aside)
    assert page.index('id="draft-form"') < page.index('<aside')  # beside the form, in one layout
    assert 'class="draft-layout"' in page


# --- 5. the case page -------------------------------------------------------------------------------------------


def test_the_case_page_shows_delivery_and_how_the_reply_was_given_and_who_archived(login, engine, calendar):
    with Session(engine, expire_on_commit=False) as s:
        number = register_case(s, calendar, DAY)
        advance(s, calendar, number, Status.issued, day=DAY)
    clerk = login("clerk")
    act(clerk, number, "dispatch", {"method": "post", "dispatched_on": DAY.isoformat(), "tracking_no": "EMS1234567"})
    act(clerk, number, "record_delivery", {"delivered_on": DAY.isoformat(), "proof": "邮件签收记录（本人签收）"})
    page = clerk.get(f"/cases/{number}").text
    assert '<span class="tracking">EMS1234567</span>' in page and '<span class="proof">邮件签收记录（本人签收）</span>' in page
    clock_section = page[page.index('id="h-clock"'):]
    clock_section = clock_section[:clock_section.index("</section>")]
    assert "剩余" not in clock_section and "已于2026年3月2日以邮寄方式寄送答复" in clock_section
    assert "已于2026年3月2日以邮寄方式寄送答复（在答复期限内），邮件号码 EMS1234567；2026年3月2日送达" in page
    with Session(engine) as s:
        archived = s.exec(select(Event).where(Event.action == "archive")).one()
    assert archived.actor_name == "王经办"
    assert re.search(r"王经办：归档", _text(page))


def test_the_department_column_of_the_case_page_does_not_wrap(login):
    clerk = login("clerk")
    number = register(clerk)
    act(clerk, number, "route", {"department": "区住房和城乡建设局"})
    page = clerk.get(f"/cases/{number}").text
    assert '<td class="nowrap dept">区住房和城乡建设局</td>' in page
    assert ".nowrap{white-space:nowrap}" in clerk.get("/static/desk.css").text


# --- 6. error pages and the race ------------------------------------------------------------------------------------


@pytest.mark.parametrize("how,status,says", [
    ("forbidden", 403, "您的角色无权访问此页面"),
    ("expired-form", 403, "表单校验码无效或已过期"),
    ("not-found", 404, "您访问的页面不存在"),
])
def test_error_pages_show_the_logged_in_users_navigation(login, how, status, says):
    clerk = login("clerk")
    number = register(clerk)
    r = {"forbidden": lambda: clerk.get("/inbox"),
         "expired-form": lambda: clerk.client.post(f"/cases/{number}/actions/route",
                                                   data={"csrf_token": "stale", "department": "区自然资源局"}),
         "not-found": lambda: clerk.get("/no-such-page")}[how]()
    assert r.status_code == status and says in r.text
    assert "王经办（公开办经办人）" in r.text and 'href="/worklist"' in r.text and "工作人员登录" not in r.text


def test_the_clerk_who_loses_a_race_is_told_the_case_just_changed_and_by_what(login, engine):
    first, second = login("clerk"), login("clerk")
    number = register(first)
    loaded = second.get(f"/cases/{number}").text
    seen = re.search(r'name="seen_status" value="([^"]+)"', loaded).group(1)
    act(first, number, "route", {"department": "区自然资源局"})
    late = second.post(f"/cases/{number}/actions/start_drafting", {"seen_status": seen, "reason": ""})
    assert late.status_code == 409
    text = _text(late.text)
    assert "刚刚已有变化" in text and "您打开页面时状态为「已登记」，现在为「已交办承办单位」" in text
    assert "王经办于2026年3月2日 09:00执行了「交办承办单位」" in text
    assert "您的角色不能执行此操作" not in text
    assert _status(engine, number) == Status.routed


# --- 7. what a user cannot do, and why, before they try -----------------------------------------------------------


def test_the_ordinary_counsel_sees_the_approval_disabled_with_the_reason_and_government_counsel_does_not(
        login, engine, calendar):
    with Session(engine, expire_on_commit=False) as s:
        number = register_case(s, calendar, DAY, request_text="请公开某村征地补偿安置方案")
        advance(s, calendar, number, Status.legal_review, day=DAY)
    ordinary = login("counsel").get(f"/cases/{number}").text
    assert "blocked" in _details(ordinary, "approve_draft")
    assert 'disabled aria-describedby="why-approve_draft">审核通过</button>' in ordinary
    assert "您不是政府法律顾问" in ordinary
    assert "primary-action" not in _details(ordinary, "approve_draft")
    government = login("gov_counsel").get(f"/cases/{number}").text
    assert "blocked" not in _details(government, "approve_draft")
    assert "primary-action" in _details(government, "approve_draft")


# --- 8. departments that have not answered; departments without a handler -------------------------------------------


def test_the_leader_sees_which_departments_have_not_answered_before_closing(login, engine, calendar):
    with Session(engine, expire_on_commit=False) as s:
        number = register_case(s, calendar, DAY)
        A.refer_to_leader(ctx(s, calendar, "clerk", DAY), number)
        A.assign_departments(ctx(s, calendar, "leader", DAY), number,
                             departments=["区自然资源局", "区住房和城乡建设局"], due_date=date(2026, 3, 9))
        A.submit_opinion(ctx(s, calendar, "dept_ziran", DAY), number, opinion="可以公开。")
    page = login("leader").get(f"/cases/{number}").text
    assert "尚有承办单位未提交书面答复意见：区住房和城乡建设局，不能结束协调" in page
    assert 'disabled aria-describedby="why-complete_coordination"' in page


def test_a_department_without_a_handler_is_offered_disabled_and_refused_with_the_office_told(login, engine, calendar):
    with Session(engine, expire_on_commit=False) as s:
        add_department(s, agency=DEMO_AGENCY, name="区无人局")
    clerk = login("clerk")
    number = register(clerk)
    page = clerk.get(f"/cases/{number}").text
    assert '<option value="区无人局" disabled>区无人局（无在岗经办人，不能交办）</option>' in page
    refused = clerk.post(f"/cases/{number}/actions/route", {"department": "区无人局"})
    assert refused.status_code == 422 and "区无人局没有在岗的承办单位经办人" in refused.text
    assert _status(engine, number) == Status.registered
    notices = login("head").get("/notices").text
    assert "区无人局没有在岗的承办单位经办人" in notices
