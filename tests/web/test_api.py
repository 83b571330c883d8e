"""The JSON API (/api/v1): public submission, status and served documents; staff tokens scoped by agency and role."""

from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from models import actions as A
from models.api_tokens import authenticate, create_token, revoke_token
from models.context import Ctx
from models.enums import Channel, ConfirmationMethod, DeliveryMethod, Role, Status
from models.errors import RoleNotAllowed
from models.queries import application_by_number, user_by_username
from models.registration import register
from models.tables import AdminEvent, Applicant, ApiToken, Application, Event
from tests.factories import VALID_ID, advance, application_in, ctx, register_case, seed_agency
from tests.web.conftest import DAY

OTHER = "另一区人民政府"
APPLY = "/api/v1/applications"


def submission(**overrides) -> dict:
    body = {"agency": "示范区人民政府",
            "applicant": {"kind": "natural_person", "name": "张三", "id_type": "resident_id", "id_number": VALID_ID,
                          "phone": "13800138000"},
            "request_text": "请公开本区2025年财政预算执行情况报告", "delivery_method": "platform",
            "electronic_delivery_consent": True}
    return body | overrides


@pytest.fixture
def api(desk):
    return TestClient(desk)


@pytest.fixture
def token(engine, calendar, clock):
    """A bearer header for `username`, made as `gongkai api token create` makes it."""
    def make(username: str) -> dict:
        with Session(engine) as s:
            made = create_token(Ctx(s, calendar, clock(), None), username=username)
            return {"Authorization": f"Bearer {made.token}"}
    return make


def counts(engine) -> tuple[int, int, int]:
    with Session(engine) as s:
        return tuple(s.exec(select(func.count()).select_from(t)).one() for t in (Application, Applicant, Event))


# --- the OpenAPI document -----------------------------------------------------------------------------------


def test_the_openapi_document_is_published_at_its_stable_path(api):
    doc = api.get("/api/v1/openapi.json").json()
    assert {"/applications", "/status", "/status/documents", "/status/documents/{document_id}", "/cases",
            "/cases/{number}", "/cases/{number}/route", "/cases/{number}/opinion"} <= set(doc["paths"])
    assert doc["servers"] == [{"url": "/api/v1"}]
    assert doc["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    assert doc["paths"]["/status"]["post"]["responses"]["429"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ApiError"}


def test_an_unknown_api_path_is_json_not_the_desks_page(api):
    r = api.get("/api/v1/nothing-here")
    assert r.status_code == 404 and r.json()["code"] == "not_found" and "接口路径不存在" in r.json()["message"]


# --- public: submit ------------------------------------------------------------------------------------------


def test_an_online_application_awaits_the_clerks_confirmation_and_answers_number_and_query_code(api, engine):
    r = api.post(APPLY, json=submission())
    assert r.status_code == 201, r.text
    receipt = r.json()
    # Art 31(3): received on the day the office confirms it, so no receipt date and no reply period yet
    assert (receipt["stage"], receipt["submitted_on"]) == ("待确认", DAY.isoformat())
    assert receipt["receipt_date"] is None and receipt["due_date"] is None and receipt["missing"] == []
    with Session(engine) as s:
        app = application_by_number(s, receipt["number"])
        assert app.query_code == receipt["query_code"]
        assert (Channel(app.channel), Status(app.status)) == (Channel.online, Status.awaiting_confirmation)
        assert app.confirmed_on is None and app.confirmation_method is None
        assert app.registered_by_id is None and app.electronic_delivery_consent
        first = s.exec(select(Event).where(Event.application_id == app.id)).first()
        assert first.action == "register" and first.actor_id is None
    status = api.post("/api/v1/status", json={"number": receipt["number"], "query_code": receipt["query_code"]}).json()
    assert (status["stage"], status["receipt_date"], status["due_date"]) == ("待确认", None, None)


def test_a_refused_application_lists_every_problem_in_chinese_and_writes_nothing(api, engine):
    before = counts(engine)
    bad = submission(request_text=" ", applicant={"kind": "natural_person", "name": "张三", "id_type": "resident_id",
                                                  "id_number": "110105194912310021", "phone": "12345"})
    r = api.post(APPLY, json=bad)
    assert r.status_code == 422 and r.json()["code"] == "validation_failed"
    fields = {p["field"] for p in r.json()["problems"]}
    assert {"request_text", "applicant.id_number", "applicant.phone"} <= fields
    assert "居民身份证号码" in r.text
    assert counts(engine) == before


@pytest.mark.parametrize("overrides, code", [
    ({"agency": "不存在的机关"}, "validation_failed"),
    ({"delivery_method": "platform", "electronic_delivery_consent": False}, "validation_failed"),
    ({"requested_form": "hologram"}, "request_invalid"),
    ({"unexpected": 1}, "request_invalid"),
], ids=["unknown-agency", "electronic-service-without-consent", "unknown-form", "unknown-field"])
def test_refused_submissions_write_nothing(api, engine, overrides, code):
    before = counts(engine)
    r = api.post(APPLY, json=submission(**overrides))
    assert (r.status_code, r.json()["code"]) == (422, code) and r.json()["message"]
    assert counts(engine) == before


def test_the_same_submission_id_registers_once(api, engine):
    body = submission(submission_id="platform-0000000001")
    assert api.post(APPLY, json=body).status_code == 201
    again = api.post(APPLY, json=body)
    assert again.status_code == 409 and again.json()["code"] == "already_submitted"
    assert counts(engine)[0] == 1


def test_an_id_on_file_as_another_kind_is_refused_without_showing_the_name_on_file(api, engine, calendar):
    with Session(engine) as s:
        register_case(s, calendar, DAY)  # 张三, natural person, VALID_ID
    before = counts(engine)
    r = api.post(APPLY, json=submission(applicant={"kind": "other_org", "name": "某协会", "id_type": "other_id",
                                                   "id_number": VALID_ID, "phone": "13800138001"}))
    assert r.status_code == 422 and r.json()["problems"][0]["field"] == "applicant.kind"
    assert "张三" not in r.text
    assert counts(engine) == before


def test_an_anonymous_caller_never_changes_the_applicant_on_file(api, engine, calendar):
    with Session(engine) as s:
        register_case(s, calendar, DAY)
    r = api.post(APPLY, json=submission(applicant={"kind": "natural_person", "name": "李四", "id_type": "resident_id",
                                                   "id_number": VALID_ID, "phone": "13900139000"}))
    assert r.status_code == 201
    with Session(engine) as s:
        person = s.exec(select(Applicant).where(Applicant.id_number == VALID_ID)).one()
        assert (person.name, person.phone) == ("张三", "13800138000")


def test_submissions_are_throttled_per_client_and_a_forged_forwarded_for_does_not_help(api):
    for i in range(10):
        assert api.post(APPLY, json=submission(), headers={"X-Forwarded-For": f"10.0.0.{i}"}).status_code == 201
    r = api.post(APPLY, json=submission(), headers={"X-Forwarded-For": "10.9.9.9"})
    assert r.status_code == 429 and r.json()["code"] == "rate_limited"


def test_the_system_admits_only_online_applications(session, calendar):
    with pytest.raises(RoleNotAllowed):
        register(ctx(session, calendar, None, DAY), application_in(DAY))  # in person: a clerk registers it


# --- public: status and served documents ------------------------------------------------------------------------


def test_status_answers_the_status_pages_data_and_nothing_personal(api):
    receipt = api.post(APPLY, json=submission()).json()
    r = api.post("/api/v1/status", json={"number": receipt["number"], "query_code": receipt["query_code"].lower()})
    assert r.status_code == 200
    assert r.json() == {"number": receipt["number"], "agency": "示范区人民政府",
                        "stage": Status.awaiting_confirmation.label,
                        "waits_for": "等待公开办确认收到网上申请（确认之日为收到申请之日）", "receipt_date": None,
                        "due_date": None, "closed_on": None}
    assert "张三" not in r.text and VALID_ID not in r.text


def test_wrong_query_codes_are_refused_then_throttled_whatever_the_forwarded_for(api):
    receipt = api.post(APPLY, json=submission()).json()  # counted by the same public limiter (10 a minute)
    for i in range(9):
        r = api.post("/api/v1/status", json={"number": receipt["number"], "query_code": "WRONG"},
                     headers={"X-Forwarded-For": f"10.0.0.{i}"})
        assert r.status_code == 404 and r.json()["code"] == "not_found"
    right = {"number": receipt["number"], "query_code": receipt["query_code"]}
    assert api.post("/api/v1/status", json=right).json()["code"] == "rate_limited"


def _served_case(engine, calendar, *, method: DeliveryMethod) -> tuple[str, str]:
    """A case whose reply was issued and dispatched by `method`; the applicant consented to electronic service."""
    with Session(engine) as s:
        number = register_case(s, calendar, DAY, delivery_method=DeliveryMethod.platform,
                               electronic_delivery_consent=True)
        day = date(2026, 3, 4)
        advance(s, calendar, number, Status.issued, day)
        A.dispatch(ctx(s, calendar, "clerk", day), number, method=method, dispatched_on=day, tracking_no="EMS0001")
        return number, application_by_number(s, number).query_code


def test_documents_served_electronically_are_listed_and_downloaded_with_the_code(api, engine, calendar):
    number, code = _served_case(engine, calendar, method=DeliveryMethod.platform)
    r = api.post("/api/v1/status/documents", json={"number": number, "query_code": code})
    assert r.status_code == 200
    [doc] = r.json()["documents"]
    assert doc["title"] == "政府信息公开申请答复书" and doc["served_on"] == "2026-03-04"
    got = api.post(f"/api/v1/status/documents/{doc['id']}", json={"number": number, "query_code": code})
    assert got.status_code == 200 and len(got.content) == doc["size"] and "答复 示政公开".encode() in got.content
    wrong = api.post(f"/api/v1/status/documents/{doc['id']}", json={"number": number, "query_code": "ABCDEFGH"})
    assert wrong.status_code == 404 and wrong.json()["code"] == "not_found"


def test_a_reply_sent_on_paper_is_not_offered_for_download(api, engine, calendar):
    number, code = _served_case(engine, calendar, method=DeliveryMethod.post)
    r = api.post("/api/v1/status/documents", json={"number": number, "query_code": code})
    assert r.json() == {"documents": []}


# --- staff systems -----------------------------------------------------------------------------------------------


def test_a_clerks_token_lists_shows_and_routes_through_the_domain_action(api, engine, calendar, token):
    with Session(engine) as s:
        number = register_case(s, calendar, DAY)
    auth = token("clerk")
    listed = api.get("/api/v1/cases", headers=auth).json()["cases"]
    assert [c["number"] for c in listed] == [number]
    shown = api.get(f"/api/v1/cases/{number}", headers=auth).json()
    assert shown["status"] == "registered" and "route" in [a["action"] for a in shown["next_actions"]]
    r = api.post(f"/api/v1/cases/{number}/route", json={"department": "区自然资源局"}, headers=auth)
    assert r.status_code == 200 and r.json()["status"] == "routed"
    with Session(engine) as s:
        last = s.exec(select(Event).where(Event.action == "route")).one()
        assert last.actor_id == user_by_username(s, "clerk").id


def test_a_department_token_accepts_and_answers_its_own_cases_only(api, engine, calendar, token):
    with Session(engine) as s:
        number = register_case(s, calendar, DAY)
        other = register_case(s, calendar, DAY, request_text="请公开另一事项")
        A.route(ctx(s, calendar, "clerk", DAY), number, department="区自然资源局")
    auth = token("dept_ziran")
    assert [c["number"] for c in api.get("/api/v1/cases", headers=auth).json()["cases"]] == [number]
    assert api.get(f"/api/v1/cases/{other}", headers=auth).json()["code"] == "forbidden"
    assert api.post(f"/api/v1/cases/{number}/accept", headers=auth).json()["status"] == "routed"
    r = api.post(f"/api/v1/cases/{number}/opinion", json={"opinion": "该信息由我局制作，可以公开。"}, headers=auth)
    assert r.status_code == 200 and r.json()["status"] == "drafting"


@pytest.mark.parametrize("user, path, body, status, code", [
    ("counsel", "route", {"department": "区自然资源局"}, 403, "role_not_allowed"),
    ("clerk", "route", {"department": "不存在的单位"}, 404, "not_found"),
    ("clerk", "opinion", {"opinion": "意见"}, 409, "guard_failed"),
    ("clerk", "route", {"department": ""}, 422, "request_invalid"),
], ids=["counsel-may-not-route", "unknown-department", "not-in-handling", "empty-department"])
def test_refused_steps_answer_a_stable_code_and_write_nothing(api, engine, calendar, token, user, path, body, status,
                                                              code):
    with Session(engine) as s:
        number = register_case(s, calendar, DAY)
    auth = token(user)
    before = counts(engine)
    r = api.post(f"/api/v1/cases/{number}/{path}", json=body, headers=auth)
    assert (r.status_code, r.json()["code"]) == (status, code) and r.json()["message"]
    assert counts(engine) == before
    with Session(engine) as s:
        assert application_by_number(s, number).status == Status.registered


def test_a_token_acts_only_on_its_own_agencys_case_when_numbers_collide(api, engine, calendar, token):
    with Session(engine) as s:
        seed_agency(s, OTHER, "b")
        mine = register_case(s, calendar, DAY)  # 示范区 2026-000001
        register_case(s, calendar, DAY, request_text="第二件")  # 示范区 2026-000002
        theirs = register(ctx(s, calendar, "b_clerk", DAY), application_in(DAY, agency=OTHER)).application.number
    assert mine == theirs == "2026-000001"
    auth = token("b_clerk")
    assert api.get(f"/api/v1/cases/{mine}", headers=auth).json()["agency"] == OTHER
    before = counts(engine)
    r = api.post("/api/v1/cases/2026-000002/route", json={"department": "区自然资源局"}, headers=auth)
    assert (r.status_code, r.json()["code"]) == (404, "not_found")
    assert counts(engine) == before
    assert api.post(f"/api/v1/cases/{mine}/route", json={"department": "区自然资源局"}, headers=auth).status_code == 200
    with Session(engine) as s:
        demo = application_by_number(s, mine, agency_id=user_by_username(s, "clerk").agency_id)
        other = application_by_number(s, mine, agency_id=user_by_username(s, "b_clerk").agency_id)
        assert (demo.status, other.status) == (Status.registered, Status.routed)


def test_no_token_a_revoked_token_and_a_token_whose_user_changed_role_are_refused(api, engine, calendar, token, clock):
    assert api.get("/api/v1/cases").status_code == 401
    assert api.get("/api/v1/cases", headers={"Authorization": "Bearer gk_guessed"}).json()["code"] == "unauthorized"
    auth = token("clerk")
    assert api.get("/api/v1/cases", headers=auth).status_code == 200
    with Session(engine) as s:
        clerk = user_by_username(s, "clerk")
        clerk.role = Role.supervisor
        s.add(clerk)
        s.commit()
    r = api.get("/api/v1/cases", headers=auth)
    assert r.status_code == 401 and "角色已变更" in r.json()["message"]
    revoked = token("head")
    with Session(engine) as s:
        row = s.exec(select(ApiToken).order_by(ApiToken.id.desc())).first()
        revoke_token(Ctx(s, calendar, clock(), None), token_id=row.id)
    assert api.get("/api/v1/cases", headers=revoked).json()["code"] == "unauthorized"


def test_tokens_are_stored_hashed_and_logged(desk, engine, calendar, clock, token):
    header = token("clerk")
    secret = header["Authorization"].removeprefix("Bearer ")
    with Session(engine) as s:
        row = s.exec(select(ApiToken)).one()
        assert secret not in (row.token_hash, row.prefix) and len(row.token_hash) == 64
        assert authenticate(s, secret).username == "clerk"
        assert s.exec(select(AdminEvent).where(AdminEvent.action == "api_token_create")).one().data["user"] == "clerk"


def test_the_cli_prints_a_token_once_lists_it_without_the_token_and_revokes_it(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from interfaces.cli.main import register as cli
    from models.db import default_engine, migrate
    from models.demo import seed_demo

    monkeypatch.setenv("GONGKAI_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("GONGKAI_TODAY", "2026-03-02")
    engine = default_engine()
    migrate(engine)
    with Session(engine) as s:
        seed_demo(s)
    made = CliRunner().invoke(cli(), ["api", "token", "create", "--user", "clerk", "--label", "省级平台"])
    assert made.exit_code == 0, made.output
    secret = made.output.splitlines()[0]
    listed = CliRunner().invoke(cli(), ["api", "token", "list"])
    assert "clerk" in listed.output and secret not in listed.output
    assert CliRunner().invoke(cli(), ["api", "token", "revoke", "1"]).exit_code == 0
    with Session(engine) as s:
        with pytest.raises(Exception, match="吊销|revoked"):
            authenticate(s, secret)
    refused = CliRunner().invoke(cli(), ["api", "token", "create", "--user", "nobody"])
    assert refused.exit_code != 0 and "不存在" in refused.output


def test_guessed_tokens_are_throttled_per_client(api, token):
    for _ in range(20):
        assert api.get("/api/v1/cases", headers={"Authorization": "Bearer gk_guess"}).status_code == 401
    good = token("clerk")
    r = api.get("/api/v1/cases", headers=good | {"X-Forwarded-For": "10.1.1.1"})
    assert r.status_code == 429 and r.json()["code"] == "rate_limited"
