"""Who may open which page and take which action; CSRF, session expiry, masking, the public page."""

from datetime import date

import pytest
from sqlmodel import Session

from interfaces.web import case_actions
from interfaces.web.views import ROUTE_ROLES
from models import actions as A
from models import lifecycle
from models.enums import Role, Status
from models.queries import application_by_number, attachments_of
from tests.factories import advance, ctx, pdf_upload, register_case
from tests.web.conftest import DAY, csrf_of

USER_OF = {Role.clerk: "clerk", Role.department_handler: "dept_ziran", Role.legal_counsel: "counsel",
           Role.coordinating_leader: "leader", Role.office_head: "head", Role.supervisor: "supervisor",
           Role.admin: "admin"}
STEP_DAY = date(2026, 3, 3)


@pytest.fixture
def cases(engine, calendar, desk):
    """Case numbers at the gates the routes need (routed to 区自然资源局, whose opinion came with a file)."""
    with Session(engine, expire_on_commit=False) as s:
        drafting = register_case(s, calendar, DAY)
        advance(s, calendar, drafting, Status.routed, STEP_DAY)
        A.submit_opinion(ctx(s, calendar, "dept_ziran", STEP_DAY), drafting, opinion="可以公开。",
                         attachments=[pdf_upload()])
        [attachment] = attachments_of(s, application_by_number(s, drafting))
        doc = A.add_document(ctx(s, calendar, "clerk", STEP_DAY), drafting, kind="receipt", content=b"%PDF-1.4 test")
        review = register_case(s, calendar, DAY, request_text="请公开某地块规划许可信息")
        advance(s, calendar, review, Status.legal_review, STEP_DAY)
        registered = register_case(s, calendar, DAY, request_text="请公开2025年区政府工作报告")
        coordinating = register_case(s, calendar, DAY, request_text="请公开某片区征收补偿方案")
        A.refer_to_leader(ctx(s, calendar, "clerk", STEP_DAY), coordinating)
        A.assign_departments(ctx(s, calendar, "leader", STEP_DAY), coordinating,
                             departments=["区自然资源局", "区住房和城乡建设局"], due_date=date(2026, 3, 10))
        A.submit_opinion(ctx(s, calendar, "dept_ziran", STEP_DAY), coordinating, opinion="可以公开。")
        A.return_assignment(ctx(s, calendar, "dept_zhujian", STEP_DAY), coordinating, reason="不属于本局职责")
        agency_id = application_by_number(s, drafting).agency_id
        return {"agency_id": agency_id, "drafting": drafting, "review": review, "registered": registered, "doc": doc.id,
                "attachment": attachment.id, "coordinating": coordinating}


def _url(path: str, cases) -> str:
    number = cases["review"] if "reply-preview" in path else cases["drafting"]
    return (path.replace("{number}", number).replace("{doc_id}", str(cases["doc"]))
            .replace("{attachment_id}", str(cases["attachment"])).replace("{agency_id}", str(cases["agency_id"]))
            .replace("{username}", "clerk"))


MATRIX = [(path, role) for path in ROUTE_ROLES for role in Role]


@pytest.mark.parametrize(("path", "role"), MATRIX, ids=[f"{p}-{r.value}" for p, r in MATRIX])
def test_route_matrix(login, cases, path, role):
    desk = login(USER_OF[role])
    response = desk.get(_url(path, cases))
    expected = 200 if role in ROUTE_ROLES[path] else 403
    assert response.status_code == expected, response.text[-800:]


@pytest.mark.parametrize("path", list(ROUTE_ROLES))
def test_anonymous_is_sent_to_login(login, cases, path):
    response = login(None).get(_url(path, cases))
    assert response.status_code == 303 and response.headers["location"].startswith("/login?next=")


def test_other_department_cannot_see_the_case(login, cases):
    other = login("dept_zhujian")
    assert other.get(f"/cases/{cases['drafting']}").status_code == 403
    assert other.get(f"/cases/{cases['drafting']}/attachments/{cases['attachment']}").status_code == 403
    assert cases["drafting"] not in other.get("/inbox").text


def test_an_attachment_requested_under_another_case_is_not_found(login, cases):
    clerk = login("clerk")
    assert clerk.get(f"/cases/{cases['drafting']}/attachments/{cases['attachment']}").status_code == 200
    wrong = clerk.get(f"/cases/{cases['review']}/attachments/{cases['attachment']}")
    assert wrong.status_code == 404 and "没有编号为" in wrong.text


def test_a_document_requested_under_another_case_is_not_found(login, cases):
    clerk = login("clerk")
    right = clerk.get(f"/cases/{cases['drafting']}/documents/{cases['doc']}")
    assert right.status_code == 200 and right.content == b"%PDF-1.4 test"
    wrong = clerk.get(f"/cases/{cases['review']}/documents/{cases['doc']}")
    assert wrong.status_code == 404 and "文书不存在" in wrong.text
    assert f"申请 {cases['review']} 没有编号为 {cases['doc']} 的文书。" in wrong.text
    assert clerk.get(f"/cases/{cases['drafting']}/documents/999999").status_code == 404


def test_documents_are_listed_by_their_chinese_titles(login, cases):
    page = login("clerk").get(f"/cases/{cases['drafting']}").text
    assert f'/documents/{cases["doc"]}">政府信息公开申请接收回执 第1版</a>' in page


ACTIONS = [
    # (action, gate, user, expected status) — 303: done, 403: not offered to this role in this state
    ("route", "registered", "clerk", 303),
    ("route", "registered", "counsel", 403),
    ("route", "registered", "leader", 403),
    ("route", "registered", "supervisor", 403),
    ("route", "registered", "admin", 403),
    ("route", "drafting", "clerk", 403),
    ("start_drafting", "registered", "clerk", 303),
    ("refer_to_leader", "registered", "clerk", 303),
    ("convene_joint_consultation", "registered", "head", 303),
    ("convene_joint_consultation", "registered", "clerk", 403),
    ("return_draft", "review", "counsel", 303),
    ("return_draft", "review", "clerk", 403),
    ("approve_draft", "review", "counsel", 303),
    ("approve_draft", "review", "head", 403),
    ("approve_draft", "drafting", "counsel", 403),
    ("request_extension", "drafting", "clerk", 303),
    ("request_extension", "drafting", "head", 403),
    ("decide_extension", "drafting", "head", 403),  # nothing requested yet
    ("set_litigation_prone", "drafting", "counsel", 303),
    ("set_litigation_prone", "drafting", "supervisor", 403),
    ("accept_assignment", "drafting", "dept_ziran", 403),  # already answered
    ("withdraw", "drafting", "clerk", 303),
    ("withdraw", "drafting", "dept_ziran", 403),
    ("complete_coordination", "coordinating", "leader", 303),
    ("complete_coordination", "coordinating", "head", 403),
    ("complete_coordination", "coordinating", "clerk", 403),
    ("complete_coordination", "coordinating", "dept_ziran", 403),  # its answer closes nothing by hand
    ("complete_coordination", "coordinating", "counsel", 403),
    ("complete_coordination", "coordinating", "supervisor", 403),
    ("complete_coordination", "coordinating", "admin", 403),
    ("complete_coordination", "drafting", "leader", 403),  # only while coordinating
]
FORM = {"route": {"department": "区自然资源局"}, "refer_to_leader": {"reason": "涉及多个单位"},
        "convene_joint_consultation": {"departments": ["区自然资源局"], "justice_bureau": "区司法局王科长",
                                       "legal_counsel": "陈律师"},
        "return_draft": {"comments": "请补充理由。"}, "request_extension": {"days": "10", "reason": "需征求多家单位意见"},
        "set_litigation_prone": {"flag": "on"}, "withdraw": {"evidence": "申请人书面撤回"}}


@pytest.mark.parametrize(("name", "gate", "user", "expected"), ACTIONS,
                         ids=[f"{n}-{g}-{u}" for n, g, u, _ in ACTIONS])
def test_action_matrix(login, cases, name, gate, user, expected):
    response = login(user).post(f"/cases/{cases[gate]}/actions/{name}", FORM.get(name, {}))
    assert response.status_code == expected, response.text[-800:]


def test_read_only_roles_have_no_action_at_all(login, cases):
    every = set(case_actions.T) | set(case_actions.NOTES)
    for user in ("supervisor", "admin"):
        desk = login(user)
        for name in every:
            assert desk.post(f"/cases/{cases['registered']}/actions/{name}").status_code == 403, (user, name)


@pytest.mark.parametrize("role", list(Role))
def test_only_the_coordinating_leader_sees_the_close_coordination_button(login, cases, role):
    page = login(USER_OF[role]).get(f"/cases/{cases['coordinating']}")
    assert page.status_code == 200
    assert ('id="act-complete_coordination"' in page.text) == (role == Role.coordinating_leader)


@pytest.mark.parametrize("role", list(Role))
def test_case_page_shows_exactly_the_lifecycle_actions(login, cases, engine, role):
    number = cases["registered"]
    page = login(USER_OF[role]).get(f"/cases/{number}")
    if role == Role.department_handler:
        assert page.status_code == 403  # not routed to any department yet
        return
    allowed = {t.action for t in lifecycle.allowed_actions(Status.registered, role)} & set(case_actions.T)
    shown = {name for name in set(case_actions.T) if f'id="act-{name}"' in page.text}
    assert shown == allowed


# --- CSRF and sessions -----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/register", "/logout", "/status", "/cases/{number}/actions/route",
                                  "/cases/{number}/draft", "/cases/{number}/draft/check", "/notices/read"])
def test_post_without_csrf_token_is_refused(login, cases, path):
    clerk = login("clerk")
    url = path.replace("{number}", cases["registered"])
    assert clerk.client.post(url, data={"department": "区自然资源局"}).status_code == 403
    assert clerk.client.post(url, data={"csrf_token": "forged", "department": "区自然资源局"}).status_code == 403
    assert application_by_number  # the case stays untouched (checked below)


def test_csrf_token_of_another_session_is_refused(login, cases):
    clerk, other = login("clerk"), login("clerk")
    url = f"/cases/{cases['registered']}/actions/route"
    assert clerk.client.post(url, data={"csrf_token": other.csrf, "department": "区自然资源局"}).status_code == 403
    assert clerk.post(url, {"department": "区自然资源局"}).status_code == 303


def test_htmx_header_carries_the_token(login, cases):
    clerk = login("clerk")
    url = f"/cases/{cases['drafting']}/draft/check"
    r = clerk.client.post(url, data={"outcome": "art36_2_disclosed", "body": "见附件"},
                          headers={"X-CSRF-Token": clerk.csrf, "HX-Request": "true"})
    assert r.status_code == 200 and "校验通过" in r.text


def test_login_csrf_and_wrong_password(login):
    anonymous = login(None)
    assert anonymous.client.post("/login", data={"username": "clerk", "password": "gongkai-demo"}).status_code == 403
    wrong = anonymous.post("/login", {"username": "clerk", "password": "nope"})
    assert wrong.status_code == 401 and "用户名或密码错误" in wrong.text
    unknown = anonymous.post("/login", {"username": "nobody", "password": "nope"})
    assert unknown.status_code == 401


def test_idle_session_expires(login, clock):
    clerk = login("clerk")
    clock.advance(minutes=29)
    assert clerk.get("/worklist").status_code == 200
    clock.advance(minutes=29)  # idle time is measured from the last request
    assert clerk.get("/worklist").status_code == 200
    clock.advance(minutes=31)
    r = clerk.get("/worklist")
    assert r.status_code == 303 and r.headers["location"] == "/login?next=/worklist"
    assert "登录已超时" in clerk.get("/login").text


def test_absolute_session_lifetime(login, clock):
    clerk = login("clerk")
    for _ in range(10 * 3):
        clock.advance(minutes=20)
        clerk.get("/worklist")
    clock.advance(minutes=20)
    assert clerk.get("/worklist").status_code == 303


def test_tampered_cookie_is_a_new_anonymous_session(login):
    clerk = login("clerk")
    cookie = clerk.client.cookies.get("gongkai_session")
    clerk.client.cookies.set("gongkai_session", cookie[:-2] + ("AA" if cookie[-2:] != "AA" else "BB"))
    assert clerk.get("/worklist").status_code == 303


# --- masking and the public page ----------------------------------------------------------------------------


def test_personal_data_masked_in_lists_full_for_clerk_case_page(login, cases):
    clerk, counsel = login("clerk"), login("counsel")
    worklist = clerk.get("/worklist").text
    assert "11010519491231002X" not in worklist and "110105********002X" in worklist
    assert "13800138000" not in worklist and "138****8000" in worklist
    case = clerk.get(f"/cases/{cases['review']}").text
    assert "11010519491231002X" in case and "13800138000" in case
    seen_by_counsel = counsel.get(f"/cases/{cases['review']}").text
    assert "11010519491231002X" not in seen_by_counsel and "13800138000" not in seen_by_counsel
    assert "11010519491231002X" not in counsel.get("/review").text


def test_public_status_page(login, cases, engine):
    with Session(engine) as s:
        app = application_by_number(s, cases["review"])
        code = app.query_code
    public = login(None)
    ok = public.post("/status", {"number": cases["review"], "query_code": code.lower()})
    assert ok.status_code == 200 and "法律审核中" in ok.text
    assert '<dt>受理机关</dt><dd id="agency">示范区人民政府</dd>' in ok.text  # numbers repeat across agencies: say whose it is
    assert "张三" not in ok.text and "13800138000" not in ok.text
    assert public.post("/status", {"number": cases["review"], "query_code": "WRONG123"}).status_code == 404


def test_public_status_is_rate_limited(login, cases, clock):
    public = login(None)
    codes = [public.post("/status", {"number": "2026-999999", "query_code": "X"}).status_code for _ in range(11)]
    assert codes[:10] == [404] * 10 and codes[10] == 429
    clock.advance(minutes=1, seconds=1)
    assert public.post("/status", {"number": "2026-999999", "query_code": "X"}).status_code == 404


def test_registration_shows_inline_errors(login):
    clerk = login("clerk")
    r = clerk.post("/register", {"channel": "online", "arrived_on": DAY.isoformat(), "receipt_date": DAY.isoformat(),
                                 "kind": "natural_person", "name": "李四", "id_type": "resident_id",
                                 "id_number": "110105194912310021", "phone": "13800138000",
                                 "request_text": "某文件", "requested_form": "paper", "delivery_method": "post"})
    assert r.status_code == 422
    assert 'id="err-id_number"' in r.text and "居民身份证号码" in r.text
    assert 'value="李四"' in r.text  # what was typed is kept


def test_every_art31_channel_is_offered(login):
    page = login("clerk").get("/register").text
    from models.enums import Channel

    for channel in Channel:
        assert f'value="{channel.value}"' in page
