"""The applicant portal (/portal): apply online with an ID file, 待确认 until the clerk confirms receipt (Art 31(3)),
follow the case with number + query code, download what was served, send a 补正 online (Art 30), and the abuse
limits (challenge, submissions per client, lookups per client whatever the X-Forwarded-For, the size cap)."""

import re
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from interfaces.web.app import create_app
from interfaces.web.portal_challenge import DIGITS, Challenges
from models import actions as A
from models import portal as P
from models.enums import Channel, ConfirmationMethod, DeliveryMethod, Status
from models.queries import application_by_number
from models.tables import (Applicant, ApplicantFile, Application, Document, Event, OnlineApplication, SHANGHAI,
                           Supplement)
from tests.factories import SMALL_PDF, VALID_ID, ctx
from tests.web.conftest import DAY

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 200
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100
VALID_USCC = "91350100M000100Y43"
AGENCY = "示范区人民政府"


def solve(html: str) -> dict:
    """What a person does with the challenge: read the Chinese sum on the page and answer in digits."""
    token = re.search(r'name="challenge_token" value="([^"]+)"', html).group(1)
    a, op, b = re.search(r"请回答：(.)(加|减)(.)等于几", html).groups()
    x, y = DIGITS.index(a), DIGITS.index(b)
    return {"challenge_token": token, "challenge_answer": str(x + y if op == "加" else x - y)}


def form(**overrides) -> dict:
    values = {"agency": AGENCY, "kind": "natural_person", "name": "张三", "id_type": "resident_id",
              "id_number": VALID_ID, "phone": "13800138000", "email": "", "address": "",
              "request_text": "请公开本区2025年财政预算执行情况报告", "requested_form": "electronic",
              "delivery_method": "platform", "electronic_delivery_consent": "on"}
    return {k: v for k, v in (values | overrides).items() if v is not None}


def id_file(content: bytes = JPEG, name: str = "身份证.jpg") -> dict:
    return {"identity_file": (name, content, "image/jpeg")}


@pytest.fixture
def public(desk):
    return TestClient(desk, follow_redirects=False)


def apply(client, files=None, headers=None, **overrides):
    page = client.get("/portal/apply", headers=headers)
    return client.post("/portal/apply", data=form(**overrides) | solve(page.text),
                       files=id_file() if files is None else files, headers=headers)


def receipt_of(response) -> tuple[str, str]:
    number = re.search(r'id="receipt-number">([^<]+)<', response.text).group(1)
    code = re.search(r'id="receipt-code">([^<]+)<', response.text).group(1)
    return number, code


def counts(engine) -> tuple[int, ...]:
    with Session(engine) as s:
        return tuple(s.exec(select(func.count()).select_from(t)).one()
                     for t in (Application, Applicant, Event, ApplicantFile, OnlineApplication))


# --- apply ------------------------------------------------------------------------------------------------------


def test_an_online_application_waits_for_confirmation_with_its_identity_file_and_a_printable_receipt(public, engine):
    r = apply(public)
    assert r.status_code == 200, r.text
    number, code = receipt_of(r)
    assert "以双方确认之日为收到申请之日" in r.text and "受理机关确认收到之日为收到申请之日" in r.text
    assert "window.print()" in r.text and "待受理机关确认收到" in r.text
    assert "set-cookie" not in r.headers and r.headers["cache-control"] == "no-store"  # no session, never cached
    with Session(engine) as s:
        app = application_by_number(s, number)
        assert (Status(app.status), Channel(app.channel), app.query_code) == (Status.awaiting_confirmation,
                                                                            Channel.online, code)
        assert app.due_date is None and app.confirmed_on is None and app.arrived_on == DAY
        [stored] = s.exec(select(ApplicantFile).where(ApplicantFile.application_id == app.id)).all()
        assert (stored.purpose, stored.content_type, stored.content) == ("identity", "image/jpeg", JPEG)
        assert s.exec(select(OnlineApplication)).one().via == "portal"
        # no 接收回执 yet: it is dated from the confirmation
        assert s.exec(select(Document).where(Document.application_id == app.id)).all() == []


def test_every_error_is_shown_beside_its_field_with_the_values_kept_and_nothing_written(public, engine):
    before = counts(engine)
    page = public.get("/portal/apply")
    r = public.post("/portal/apply", data=form(id_number="110105194912310021", phone="12345", request_text=" ",
                                               name="王五") | solve(page.text) | {"challenge_answer": "99"},
                    files={"identity_file": ("id.jpg", b"MZ\x90\x00 not an image", "image/jpeg")})
    assert r.status_code == 422
    for field, text in (("id_number", "居民身份证号码"), ("phone", "电话"), ("request_text", "申请公开的政府信息"),
                        ("challenge_answer", "答案不正确"), ("identity_file", "不是JPEG")):
        assert re.search(rf'id="{field}-error">[^<]*{text}', r.text), field
    assert 'value="王五"' in r.text and 'value="110105194912310021"' in r.text  # the values typed are kept
    assert counts(engine) == before


@pytest.mark.parametrize("files, message", [
    ({}, "请上传身份证明"),
    (id_file(b"GIF89a" + b"\x00" * 50, "身份证.gif"), "只接受 JPG、PNG、PDF"),
    (id_file(b"MZ\x90\x00" + b"\x00" * 50, "身份证.png"), "不是PNG"),
    (id_file(b"", "身份证.jpg"), "空文件"),
    (id_file(JPEG + b"\x00" * P.MAX_IDENTITY_BYTES, "身份证.jpg"), "超过 5 MB"),
], ids=["missing", "gif", "exe-named-png", "empty", "too-large"])
def test_the_identity_file_is_checked_by_type_size_and_first_bytes(public, engine, files, message):
    before = counts(engine)
    r = apply(public, files=files)
    assert r.status_code == 422 and re.search(rf'id="identity_file-error">[^<]*{message}', r.text)
    assert counts(engine) == before


def test_an_organisation_gives_its_credit_code_representative_and_contact_person(public, engine):
    before = counts(engine)
    r = apply(public, kind="commercial_enterprise", name="某某科技有限公司", id_type=None, id_number=None,
              credit_code="91350100M000100Y44", legal_representative="", contact_person="")
    assert r.status_code == 422
    assert re.search(r'id="credit_code-error">[^<]*统一社会信用代码', r.text)
    assert 'id="legal_representative-error"' in r.text and 'id="contact_person-error"' in r.text
    assert counts(engine) == before
    ok = apply(public, kind="commercial_enterprise", name="某某科技有限公司", credit_code=VALID_USCC,
               legal_representative="李四", contact_person="王五", files=id_file(SMALL_PDF, "营业执照.pdf"))
    assert ok.status_code == 200, ok.text
    with Session(engine) as s:
        online = s.exec(select(OnlineApplication)).one()
        assert (online.legal_representative, online.contact_person) == ("李四", "王五")
        assert s.exec(select(Applicant).where(Applicant.id_number == VALID_USCC)).one().kind == "commercial_enterprise"


def test_electronic_service_needs_consent_and_post_needs_an_address(public, engine):
    before = counts(engine)
    r = apply(public, electronic_delivery_consent=None)
    assert r.status_code == 422 and 'id="electronic_delivery_consent-error"' in r.text
    r = apply(public, delivery_method="post", electronic_delivery_consent=None, address="")
    assert r.status_code == 422 and re.search(r'id="address-error">[^<]*通信地址', r.text)
    assert counts(engine) == before


# --- the challenge ------------------------------------------------------------------------------------------------


def test_a_solved_challenge_registers_one_application_only(public, engine):
    page = public.get("/portal/apply")
    answered = form() | solve(page.text)
    assert public.post("/portal/apply", data=answered, files=id_file()).status_code == 200
    again = public.post("/portal/apply", data=answered, files=id_file())
    assert again.status_code == 409 and 'id="already"' in again.text
    assert counts(engine)[0] == 1


def test_a_forged_or_expired_challenge_is_refused(public, engine, clock):
    page = public.get("/portal/apply")
    answer = solve(page.text)
    issued, nonce, mac = answer["challenge_token"].split(".")
    forged = answer | {"challenge_token": f"{issued}.{nonce}.{'0' * len(mac)}"}
    r = public.post("/portal/apply", data=form() | forged, files=id_file())
    assert r.status_code == 422 and "验证问题已失效" in r.text
    clock.advance(hours=3)
    r = public.post("/portal/apply", data=form() | answer, files=id_file())
    assert r.status_code == 422 and "已过期" in r.text
    assert counts(engine)[0] == 0


def test_the_challenge_question_is_made_from_the_nonce_and_the_key():
    now = lambda: DAY_AT  # noqa: E731
    one, other = Challenges("key-one-" * 5, now=now), Challenges("key-two-" * 5, now=now)
    made = one.issue()
    nonce = made.token.split(".")[1]
    assert one.question(nonce) == made.question
    with pytest.raises(Exception):
        other.check(made.token, "1")  # another installation's key does not know the token


# --- the clerk confirms receipt ------------------------------------------------------------------------------------


def test_the_clerk_confirms_receipt_and_the_legal_clock_starts_that_day(public, login, engine, clock, calendar):
    number, code = receipt_of(apply(public))
    clerk = login("clerk")
    worklist = clerk.get("/worklist").text
    assert number in worklist and "待确认" in worklist
    page = clerk.get(f"/cases/{number}").text
    assert 'id="awaiting-confirmation"' in page and "身份证.jpg" in page and "确认收到网上申请" in page
    clock.advance(days=2)  # Wednesday: the clerk's confirmation, not the submission, is the receipt date
    clerk = login("clerk")
    r = clerk.post(f"/cases/{number}/actions/confirm_receipt", data={"note": "电话联系申请人确认", "seen_status":
                                                                     "awaiting_confirmation"})
    assert r.status_code == 303, r.text
    wednesday = DAY + timedelta(days=2)
    with Session(engine) as s:
        app = application_by_number(s, number)
        assert Status(app.status) == Status.registered
        assert (app.receipt_date, app.confirmed_on, ConfirmationMethod(app.confirmation_method)) == (
            wednesday, wednesday, ConfirmationMethod.platform)
        assert app.due_date == calendar.add_working_days(wednesday, days=20)  # Art 33: 20 WD from the receipt date
        event = s.exec(select(Event).where(Event.application_id == app.id, Event.action == "confirm_receipt")).one()
        assert event.data["receipt_date"] == wednesday.isoformat() and event.actor_name
        assert s.exec(select(Document).where(Document.application_id == app.id, Document.kind == "receipt")).first()


def test_only_a_clerk_confirms_and_a_department_never_sees_the_identity_file(public, login):
    number, _ = receipt_of(apply(public))
    head = login("head")
    assert "/applicant-files/" not in head.get(f"/cases/{number}").text
    r = head.post(f"/cases/{number}/actions/confirm_receipt", data={})
    assert r.status_code == 403
    file_id = re.search(r"/applicant-files/(\d+)", login("clerk").get(f"/cases/{number}").text).group(1)
    assert head.get(f"/cases/{number}/applicant-files/{file_id}").status_code == 403
    got = login("clerk").get(f"/cases/{number}/applicant-files/{file_id}")
    assert got.status_code == 200 and got.content == JPEG and got.headers["content-disposition"].startswith("attachment")


def test_an_unconfirmed_application_counts_in_no_statistic(public, engine, calendar):
    from models.queries import agency_by_name
    from models.statistics import annual_report

    number, _ = receipt_of(apply(public))
    with Session(engine) as s:
        report = annual_report(s, agency=agency_by_name(s, AGENCY), year=2026, today=DAY)
    assert report.table3["new_received"][-1] == 0  # 总计: not received in law until confirmed (Art 31(3))
    _confirm(engine, calendar, number)
    with Session(engine) as s:
        report = annual_report(s, agency=agency_by_name(s, AGENCY), year=2026, today=DAY)
    assert report.table3["new_received"][-1] == 1


# --- follow, download, supplement ----------------------------------------------------------------------------------


def _confirm(engine, calendar, number, day=DAY):
    with Session(engine, expire_on_commit=False) as s:
        P.confirm_receipt(ctx(s, calendar, "clerk", day), number)
    from workflows.engine import advance
    from models.identity import CaseRef

    with Session(engine) as s:
        app = application_by_number(s, number)
        case = CaseRef.of(app)
    advance(case, now=clock_at(day), engine=engine)


def clock_at(day):
    from datetime import datetime

    return datetime(day.year, day.month, day.day, 11, tzinfo=SHANGHAI)


DAY_AT = clock_at(DAY)


def test_the_follow_page_speaks_the_applicants_words_and_shows_nothing_without_the_code(public, engine, calendar):
    number, code = receipt_of(apply(public))
    wrong = public.post("/portal/follow", data={"number": number, "query_code": "ABCDEFGH"})
    assert wrong.status_code == 404 and "张三" not in wrong.text and "财政预算" not in wrong.text
    r = public.post("/portal/follow", data={"number": number, "query_code": code.lower()})
    assert r.status_code == 200 and "已提交，待确认" in r.text and "待受理机关确认收到" in r.text
    assert 'id="due-date"' not in r.text and "张三" not in r.text and VALID_ID not in r.text
    _confirm(engine, calendar, number)
    r = public.post("/portal/follow", data={"number": number, "query_code": code})
    assert re.search(r'id="stage"><strong>办理中', r.text) and 'id="due-date"' in r.text
    assert "等待公开办" not in r.text  # the office's internal steps are not the applicant's words


def test_served_notices_are_downloaded_with_the_code_and_dated(public, engine, calendar):
    number, code = receipt_of(apply(public))
    _confirm(engine, calendar, number)
    with Session(engine, expire_on_commit=False) as s:
        A.request_supplement(ctx(s, calendar, "clerk", DAY), number, items="请补充文件的文号")
    from workflows.engine import advance
    from models.identity import CaseRef

    with Session(engine) as s:
        advance(CaseRef.of(application_by_number(s, number)), now=DAY_AT, engine=engine)
    r = public.post("/portal/follow", data={"number": number, "query_code": code})
    assert "政府信息公开申请接收回执" in r.text and "政府信息公开申请补正告知书" in r.text
    assert "2026年3月2日" in r.text and "请补充文件的文号" in r.text and 'id="supplement"' in r.text
    key = re.search(r'/portal/follow/documents/(document-\d+)"', r.text.split("补正告知书")[1]).group(1)
    got = public.post(f"/portal/follow/documents/{key}", data={"number": number, "query_code": code})
    assert got.status_code == 200 and got.content.startswith(b"%PDF") and "attachment" in got.headers[
        "content-disposition"]
    refused = public.post(f"/portal/follow/documents/{key}", data={"number": number, "query_code": "ABCDEFGH"})
    assert refused.status_code == 404 and not refused.content.startswith(b"%PDF")


def test_nothing_is_offered_for_download_without_consent_to_electronic_service(public, engine, calendar):
    number, code = receipt_of(apply(public, delivery_method="post", electronic_delivery_consent=None,
                                    address="示范市示范路1号"))
    _confirm(engine, calendar, number)
    r = public.post("/portal/follow", data={"number": number, "query_code": code})
    assert "您未同意电子送达" in r.text and "/portal/follow/documents/" not in r.text


def _awaiting_supplement(public, engine, calendar):
    number, code = receipt_of(apply(public))
    _confirm(engine, calendar, number)
    with Session(engine, expire_on_commit=False) as s:
        A.request_supplement(ctx(s, calendar, "clerk", DAY), number, items="请补充文件的文号")
    return number, code


def test_an_online_supplement_restarts_the_clock_like_one_at_the_counter(public, engine, calendar, clock):
    number, code = _awaiting_supplement(public, engine, calendar)
    clock.advance(days=3)  # Thursday
    thursday = DAY + timedelta(days=3)
    r = public.post("/portal/follow/supplement", data={"number": number, "query_code": code,
                                                       "content": "文号为示政发〔2025〕3号"},
                    files={"files": ("补正.pdf", SMALL_PDF, "application/pdf")})
    assert r.status_code == 200, r.text
    assert "已收到您的补正" in r.text and "重新计算" in r.text
    with Session(engine) as s:
        app = application_by_number(s, number)
        supplement = s.exec(select(Supplement).where(Supplement.application_id == app.id)).one()
        assert Status(app.status) == Status.registered and supplement.received_on == thursday
        assert "示政发〔2025〕3号" in supplement.content and "补正.pdf" in supplement.content
        assert app.due_date == calendar.add_working_days(thursday, days=20)  # Art 30: in full from the supplement
        files = s.exec(select(ApplicantFile).where(ApplicantFile.application_id == app.id,
                                                   ApplicantFile.purpose == "supplement")).all()
        assert [f.filename for f in files] == ["补正.pdf"]
        actions = [e.action for e in s.exec(select(Event).where(Event.application_id == app.id).order_by(Event.id))]
        assert [a for a in actions if "supplement" in a][-2:] == ["supplement_online", "receive_supplement"]


@pytest.mark.parametrize("data, files, field", [
    ({"content": ""}, None, "请填写补正内容"),
    ({"content": "见附件"}, {"files": ("a.exe", b"MZ\x90\x00", "application/octet-stream")}, "只接受"),
    ({"content": "见附件"}, {"files": ("a.pdf", b"MZ\x90\x00", "application/pdf")}, "不是PDF"),
    ({"content": "a\x1b[31m"}, None, "控制字符"),
], ids=["empty", "exe", "exe-named-pdf", "control-characters"])
def test_a_refused_online_supplement_writes_nothing(public, engine, calendar, data, files, field):
    number, code = _awaiting_supplement(public, engine, calendar)
    before = counts(engine)
    r = public.post("/portal/follow/supplement", data={"number": number, "query_code": code} | data, files=files)
    assert r.status_code == 422 and field in r.text
    assert counts(engine) == before
    with Session(engine) as s:
        assert Status(application_by_number(s, number).status) == Status.awaiting_supplement


def test_a_supplement_is_refused_when_none_is_awaited(public, engine):
    number, code = receipt_of(apply(public))
    before = counts(engine)
    r = public.post("/portal/follow/supplement", data={"number": number, "query_code": code, "content": "补充"})
    assert r.status_code == 422 and "无需提交补正" in r.text
    assert counts(engine) == before


# --- abuse ----------------------------------------------------------------------------------------------------------


def test_submissions_are_limited_per_client_and_a_forged_forwarded_for_does_not_help(public, engine):
    for n in range(5):
        assert apply(public, headers={"X-Forwarded-For": f"203.0.113.{n}"}, phone=f"1380013800{n}").status_code == 200
    r = apply(public, headers={"X-Forwarded-For": "198.51.100.7"}, phone="13800138009")
    assert r.status_code == 429 and "每小时最多提交" in r.text
    assert counts(engine)[0] == 5


def test_behind_a_trusted_proxy_each_forwarded_client_is_counted_apart_and_links_carry_the_root_path(
        engine, calendar, clock, demo_hash, monkeypatch, tmp_path):
    from models.demo import seed_demo

    monkeypatch.setenv("GONGKAI_ENGINE", "inline")
    monkeypatch.setenv("GONGKAI_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("GONGKAI_ROOT_PATH", "/gongkai")
    with Session(engine) as s:
        seed_demo(s, password_hash=demo_hash)
    app = create_app(engine, calendar, clock, secret_key="test-secret", trusted_proxies=("127.0.0.1",))
    client = TestClient(app, client=("127.0.0.1", 50000))
    page = client.get("/portal/apply", headers={"X-Forwarded-For": "203.0.113.9"})
    assert 'action="/gongkai/portal/apply"' in page.text and 'href="/gongkai/static/desk.css"' in page.text
    for n in range(6):
        assert apply(client, headers={"X-Forwarded-For": f"203.0.113.{n}"}, phone=f"1380013800{n}").status_code == 200
    direct = TestClient(app, client=("192.0.2.1", 50000)).get("/portal/apply")
    assert 'action="/portal/apply"' in direct.text  # reached directly, not through the proxy: no prefix


def test_wrong_codes_are_throttled_per_client_whatever_the_forwarded_for(public):
    for n in range(10):
        r = public.post("/portal/follow", data={"number": "2026-000001", "query_code": "ABCDEFGH"},
                        headers={"X-Forwarded-For": f"203.0.113.{n}"})
        assert r.status_code == 404
    r = public.post("/portal/follow", data={"number": "2026-000001", "query_code": "ABCDEFGH"},
                    headers={"X-Forwarded-For": "198.51.100.1"})
    assert r.status_code == 429 and "查询过于频繁" in r.text


def test_a_body_over_the_cap_is_refused_before_it_is_read(public, engine):
    before = counts(engine)
    page = public.get("/portal/apply")
    r = public.post("/portal/apply", data=form() | solve(page.text),
                    files=id_file(JPEG + b"\x00" * P.MAX_PORTAL_BODY))
    assert r.status_code == 413 and "上限" in r.text
    assert counts(engine) == before


def test_a_bad_root_path_setting_is_refused_in_chinese():
    from models.errors import ValidationFailed
    from models.settings import Settings

    with pytest.raises(ValidationFailed, match="GONGKAI_ROOT_PATH"):
        Settings.load({"GONGKAI_ROOT_PATH": "gongkai portal"})
    assert Settings.load({"GONGKAI_ROOT_PATH": "/gongkai/"}).root_path == "/gongkai"


def test_every_status_has_words_for_the_applicant():
    assert set(P.APPLICANT_STAGE) == set(Status)
    assert all("公开办" not in stage for stage, _ in P.APPLICANT_STAGE.values())
