"""Mock applications (模拟暗访) on the desk: drafted and sent by the supervisor, indistinguishable on the department's
desk, kept off the public status page, graded, and reported as HTML, PDF and XLSX."""

import io
import re

from sqlmodel import Session

from models import actions as A
from models.api_tokens import create_token
from models.context import Ctx
from models.outcomes import Outcome
from tests.factories import ctx
from tests.mock_factories import MOCK_ID
from tests.web.conftest import DAY

MOCK_FORM = {"round_name": "2026年第一轮", "department": "区自然资源局", "expected_outcome": Outcome.disclosed.value,
             "request_text": "请公开本区2025年国有建设用地供应计划", "points": "供应计划\n规划条件说明",
             "applicant_kind": "natural_person", "applicant_name": "李明", "id_type": "resident_id",
             "id_number": MOCK_ID, "phone": "13900139000"}
# a real applicant's online application through the public JSON API, on the same subject
ONLINE = {"agency": "示范区人民政府", "request_text": "请公开本区2024年国有建设用地供应计划", "electronic_delivery_consent": True,
          "applicant": {"kind": "natural_person", "name": "张真实", "id_type": "resident_id",
                        "id_number": "11010519491231002X", "phone": "13800138000"}}


def send_mock(supervisor, form=None) -> tuple[int, str]:
    r = supervisor.post("/mock", form or MOCK_FORM)
    assert r.status_code == 303, r.text[-1500:]
    mock_id = int(r.headers["location"].rsplit("/", 1)[-1])
    r = supervisor.post(f"/mock/{mock_id}/send")
    assert r.status_code == 303, r.text[-1500:]
    page = supervisor.get(f"/mock/{mock_id}").text
    return mock_id, re.search(r'id="mock-number">([^<]+)<', page).group(1)


def route(clerk, number):
    """The clerk confirms receipt of the online application (Art 31(3)) and routes it, as for any online application."""
    r = clerk.post(f"/cases/{number}/actions/confirm_receipt", {})
    assert r.status_code == 303, r.text[-1500:]
    r = clerk.post(f"/cases/{number}/actions/route", {"department": "区自然资源局"})
    assert r.status_code == 303, r.text[-1500:]


def masked(html: str, case) -> str:
    """The department's page with what differs between any two cases masked: number, names, text, dates, hashes."""
    for value in (case["number"], case["name"], case["request_text"]):
        html = html.replace(value, "«var»")
    html = re.sub(r"\d{4}-\d{2}-\d{2}[T ]?[\d:.+]*", "«time»", html)
    html = re.sub(r"\d{4}年\d{1,2}月\d{1,2}日", "«date»", html)
    html = re.sub(r"[0-9a-f]{12}…", "«sha»", html)
    html = re.sub(r"/documents/\d+", "/documents/«id»", html)
    html = re.sub(r'value="[^"]{20,}"', 'value="«token»"', html)  # CSRF and one-time form tokens
    html = re.sub(r"\d{3}\*+\d{2,4}X?", "«masked»", html)  # masked ID number and phone
    return html


def test_the_department_cannot_tell_a_mock_from_a_real_online_application(login, engine, calendar, clock):
    supervisor, clerk, dept = login("supervisor"), login("clerk"), login("dept_ziran")
    real = login(None).client.post("/api/v1/applications", json=ONLINE)
    assert real.status_code == 201, real.text
    real_number = real.json()["number"]
    _, mock_number = send_mock(supervisor)
    assert (real_number, mock_number) == ("2026-000001", "2026-000002")  # one number series
    for number in (real_number, mock_number):
        route(clerk, number)
    inbox = dept.get("/inbox").text
    assert real_number in inbox and mock_number in inbox
    pages = {n: dept.get(f"/cases/{n}").text for n in (real_number, mock_number)}
    real_page = masked(pages[real_number], {"number": real_number, "name": "张真实",
                                            "request_text": ONLINE["request_text"]})
    mock_page = masked(pages[mock_number], {"number": mock_number, "name": "李明",
                                            "request_text": MOCK_FORM["request_text"]})
    assert "接收回执" in mock_page and "交办" in mock_page
    assert mock_page == real_page
    for word in ("暗访", "模拟", "mock", "督办"):
        assert word not in pages[mock_number].lower()
    # a department's system reading the JSON API sees the same timeline for both
    with Session(engine) as db:
        bearer = {"Authorization": f"Bearer {create_token(Ctx(db, calendar, clock(), None), username='dept_ziran').token}"}
    api = login(None).client
    timelines = [[(e["action"], e["actor"]) for e in api.get(f"/api/v1/cases/{n}", headers=bearer).json()["events"]]
                 for n in (real_number, mock_number)]
    assert timelines[0] == timelines[1]
    assert {("register", "系统"), ("route", "王经办")} <= set(timelines[1]) and "notify" not in dict(timelines[1])


def test_the_public_status_page_does_not_show_a_mock(login, engine):
    supervisor = login("supervisor")
    mock_id, number = send_mock(supervisor)
    from models.queries import application_by_number

    with Session(engine) as s:
        code = application_by_number(s, number).query_code
    public = login(None)
    assert public.post("/status", {"number": number, "query_code": code}).status_code == 404
    assert public.client.post("/api/v1/status", json={"number": number, "query_code": code}).status_code == 404
    assert public.client.post("/portal/follow", data={"number": number, "query_code": code}).status_code == 404
    real = public.client.post("/api/v1/applications", json=ONLINE).json()
    assert public.post("/status", {"number": real["number"], "query_code": real["query_code"]}).status_code == 200


def test_only_the_office_sees_the_mock_pages(login):
    mock_id, _ = send_mock(login("supervisor"))
    for username in ("clerk", "dept_ziran"):  # every role on /mock and /mock/report: test_access.py
        desk = login(username)
        for path in ("/mock", f"/mock/{mock_id}", "/mock/report", "/mock/report.pdf", "/mock/report.xlsx"):
            assert desk.get(path).status_code == 403, (username, path)
    assert login("head").get(f"/mock/{mock_id}").status_code == 200


def test_a_refused_draft_shows_the_chinese_reason_and_keeps_what_was_typed(login):
    r = login("supervisor").post("/mock", MOCK_FORM | {"points": " \n "})
    assert r.status_code == 422
    assert "请至少填写一个答复应当包含的要点" in r.text and MOCK_FORM["request_text"] in r.text


def test_the_supervisor_grades_the_signed_reply_and_downloads_the_report(login, engine, calendar, clock):
    supervisor, clerk, dept = login("supervisor"), login("clerk"), login("dept_ziran")
    mock_id, number = send_mock(supervisor)
    route(clerk, number)
    assert "签发后才能评分" in supervisor.get(f"/mock/{mock_id}").text
    r = dept.post(f"/cases/{number}/actions/submit_opinion", {"opinion": "可以公开供应计划。"})
    assert r.status_code == 303, r.text[-1500:]
    with Session(engine, expire_on_commit=False) as s:
        A.submit_for_review(ctx(s, calendar, "clerk", DAY), number,
                            draft=A.DraftIn(outcome=Outcome.disclosed, body="供应计划见附件。"))
        A.approve_draft(ctx(s, calendar, "gov_counsel", DAY), number)
        A.issue_reply(ctx(s, calendar, "head", DAY), number, render=lambda no, d: f"答复 {no}".encode())
    page = supervisor.get(f"/mock/{mock_id}").text
    assert "答复中有原文，计100分" in page and 'name="score_1"' in page  # 供应计划 found, 规划条件说明 not
    refused = supervisor.post(f"/mock/{mock_id}/grade", {})
    assert refused.status_code == 422 and "规划条件说明" in refused.text
    assert supervisor.post(f"/mock/{mock_id}/grade", {"score_1": "50"}).status_code == 303
    assert "总分：95.0" in supervisor.get(f"/mock/{mock_id}").text
    report = supervisor.get("/mock/report").text
    assert "区自然资源局" in report and "95.0" in report
    pdf = supervisor.get("/mock/report.pdf?round=2026年第一轮")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    from pypdf import PdfReader

    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "模拟暗访情况通报" in text and "95.0" in text
    xlsx = supervisor.get("/mock/report.xlsx")
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(xlsx.content))
    rows = list(book["各单位得分"].iter_rows(values_only=True))
    assert ("区自然资源局", 1, 1, 95.0) in rows
    assert [r[1] for r in book["逐件评分"].iter_rows(min_row=2, values_only=True)] == [number]
