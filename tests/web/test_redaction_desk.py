"""The desk's redaction pages: the clerk marks and releases, the draft shows the items the log writes, counsel sees
each released page beside its source, sources are served only to staff of the case, the applicant only released files."""

import re
from datetime import date

import pytest
from sqlmodel import Session

from interfaces.web.redaction_views import REDACTION_ROUTES
from models import actions as A
from models import redaction as R
from models.attachments import Upload
from models.enums import DeliveryMethod, Role, Status
from models.queries import application_by_number
from notices.redaction import redact
from tests import redaction_pdfs as P
from tests.factories import advance, ctx, register_case
from tests.web.conftest import DAY

STEP = date(2026, 3, 3)
USER_OF = {Role.clerk: "clerk", Role.department_handler: "dept_ziran", Role.legal_counsel: "counsel",
           Role.coordinating_leader: "leader", Role.office_head: "head", Role.supervisor: "supervisor",
           Role.admin: "admin"}


@pytest.fixture
def case(engine, calendar, desk):
    """Drafting, the department's agreement attached; the applicant agreed to electronic delivery."""
    with Session(engine, expire_on_commit=False) as s:
        number = register_case(s, calendar, DAY, electronic_delivery_consent=True)
        advance(s, calendar, number, Status.routed, STEP)
        A.submit_opinion(ctx(s, calendar, "dept_ziran", STEP), number, opinion="可以公开，个人信息遮盖。",
                         attachments=[Upload("征收补偿协议.pdf", P.text_pdf(2), "application/pdf")])
        app = application_by_number(s, number)
        return {"number": number, "key": R.sources_of(s, app)[0].key, "query_code": app.query_code}


def mark_and_release(clerk, number, key):
    page = clerk.get(f"/cases/{number}/sources/{key}")
    assert page.status_code == 200 and "遮盖身份证号 " + P.ID_NUMBER in page.text  # the one-click suggestion
    r = clerk.post(f"/cases/{number}/sources/{key}/marks", data={
        "kind": "phrase", "page": "1", "phrase": P.ID_NUMBER, "ground": "personal_info", "reason": "第三人的身份证号"})
    assert r.status_code == 303, r.text
    x0, y0, x1, y1 = P.line_rect("internal")
    r = clerk.post(f"/cases/{number}/sources/{key}/marks", data={
        "kind": "region", "page": "2", "x0": str(x0), "y0": str(y0), "x1": str(x1), "y1": str(y1),
        "ground": "process_info", "reason": "内部讨论意见"})
    assert r.status_code == 303, r.text
    r = clerk.post(f"/cases/{number}/redaction/release")
    assert r.status_code == 303, r.text
    return r


def test_the_clerk_marks_releases_and_the_draft_shows_the_items_the_log_writes(login, case):
    clerk = login("clerk")
    number, key = case["number"], case["key"]
    mark_and_release(clerk, number, key)
    page = clerk.get(f"/cases/{number}/redaction").text
    assert "征收补偿协议（公开版本）.pdf（共2页）" in page
    assert "《征收补偿协议（公开版本）.pdf》第2页标有“16过程”的遮盖内容：内部讨论意见" in page
    assert page.count('alt="公开版本第') == 2 and page.count('alt="源文件第') == 2  # side by side, page by page

    draft = clerk.get(f"/cases/{number}/draft").text
    assert 'id="logged-items"' in draft and "第三人的身份证号" in draft
    r = clerk.post(f"/cases/{number}/draft", data={"outcome": "art37_partial", "reasons": "含第三人个人信息。",
                                                   "body": "公开版本随本答复书提供。"})
    assert r.status_code == 303, r.text
    preview = login("counsel").get(f"/cases/{number}/reply-preview").text
    assert "第十五条" in preview and "第十六条第二款" in preview and "（共2页）" in preview


def test_a_bad_region_is_reported_on_the_marking_page_and_nothing_is_kept(login, case, engine):
    clerk = login("clerk")
    r = clerk.post(f"/cases/{case['number']}/sources/{case['key']}/marks", data={
        "kind": "region", "page": "1", "x0": "10", "y0": "10", "x1": "900", "y1": "40", "ground": "personal_info",
        "reason": "电话"})
    assert r.status_code == 422 and "超出页面" in r.text
    with Session(engine) as s:
        assert R.active_marks(s, application_by_number(s, case["number"])) == []


def test_counsel_reviews_but_does_not_mark(login, case):
    counsel = login("counsel")
    assert counsel.get(f"/cases/{case['number']}/redaction").status_code == 200
    r = counsel.post(f"/cases/{case['number']}/sources/{case['key']}/marks", data={
        "kind": "phrase", "phrase": P.PHONE, "ground": "personal_info", "reason": "电话"})
    assert r.status_code == 403


def _url(path, case, released_id=1) -> str:
    return (path.replace("{number}", case["number"]).replace("{key}", case["key"]).replace("{page}", "1")
            .replace("{file_id}", str(released_id)))


@pytest.fixture
def released(case, engine, calendar):
    with Session(engine) as s:
        c = ctx(s, calendar, "clerk", STEP)
        R.add_phrase_mark(c, case["number"], source=case["key"], phrase=P.PHONE, ground="personal_info", reason="电话")
        R.release(c, case["number"], engine=redact)
    return case


@pytest.mark.parametrize("path", list(REDACTION_ROUTES))
def test_redaction_route_matrix(login, released, path):
    """Each route for every role: the roles in REDACTION_ROUTES get the page, the others 403, nobody logged in 303."""
    got = {role: login(USER_OF[role]).get(_url(path, released)).status_code for role in Role}
    assert got == {role: 200 if role in REDACTION_ROUTES[path] else 403 for role in Role}
    assert login(None).get(_url(path, released)).status_code == 303


def test_another_department_never_gets_the_source_file(login, case):
    other = login("dept_zhujian")
    assert other.get(f"/cases/{case['number']}/sources/{case['key']}/file").status_code == 403
    assert login(None).get(f"/cases/{case['number']}/sources/{case['key']}/file").status_code == 303  # to login


def _one_page() -> bytes:
    import pymupdf

    doc = pymupdf.open()
    doc.new_page()
    return doc.tobytes()


ONE_PAGE = _one_page()  # a stand-in for the signed reply


def _to_dispatched(engine, calendar, number, method):
    with Session(engine, expire_on_commit=False) as s:
        A.approve_draft(ctx(s, calendar, "gov_counsel", STEP), number)
        A.issue_reply(ctx(s, calendar, "head", STEP), number, render=lambda no, d: ONE_PAGE)
        A.dispatch(ctx(s, calendar, "clerk", STEP), number, method=method, dispatched_on=STEP,
                   tracking_no="EMS1" if method == DeliveryMethod.post else "")


def _submit(login, case):
    clerk = login("clerk")
    mark_and_release(clerk, case["number"], case["key"])
    r = clerk.post(f"/cases/{case['number']}/draft", data={"outcome": "art37_partial", "reasons": "含个人信息。",
                                                             "body": "公开版本随本答复书提供。"})
    assert r.status_code == 303, r.text


def test_the_applicant_downloads_only_the_released_files_with_number_and_query_code(login, case, engine, calendar):
    _submit(login, case)
    _to_dispatched(engine, calendar, case["number"], DeliveryMethod.platform)
    public = login(None)
    page = public.post("/status", data={"number": case["number"], "query_code": case["query_code"]}).text
    [file_id] = re.findall(r'action="/status/files/(\d+)"', page)
    got = public.post(f"/status/files/{file_id}", data={"number": case["number"], "query_code": case["query_code"]})
    with Session(engine) as s:
        [released] = R.current_release(s, application_by_number(s, case["number"]))
        source = R.sources_of(s, application_by_number(s, case["number"]))[0]
    assert got.status_code == 200 and got.content == released.content != source.content
    assert P.ID_NUMBER.encode() not in got.content
    wrong = public.post(f"/status/files/{file_id}", data={"number": case["number"], "query_code": "WRONG"})
    assert wrong.status_code == 404 and wrong.content != released.content
    for other in range(1, 6):  # whatever id is asked for, only the released file ever comes back, never the source
        r = public.post(f"/status/files/{other}", data={"number": case["number"], "query_code": case["query_code"]})
        assert r.content != source.content
        assert (r.status_code, r.content) == (200, released.content) if other == int(file_id) else r.status_code == 404


def test_a_reply_sent_on_paper_offers_no_download(login, case, engine, calendar):
    _submit(login, case)
    _to_dispatched(engine, calendar, case["number"], DeliveryMethod.post)
    page = login(None).post("/status", data={"number": case["number"], "query_code": case["query_code"]}).text
    assert "/status/files/" not in page


def test_on_paper_the_reply_is_printed_with_its_released_files(login, case, engine, calendar):
    _submit(login, case)
    clerk = login("clerk")
    assert clerk.get(f"/cases/{case['number']}/reply-with-released.pdf").status_code == 404  # not yet issued
    _to_dispatched(engine, calendar, case["number"], DeliveryMethod.post)
    assert "打印答复书及公开版本" in clerk.get(f"/cases/{case['number']}/redaction").text
    got = clerk.get(f"/cases/{case['number']}/reply-with-released.pdf")
    import pymupdf

    printed = pymupdf.open("pdf", got.content)
    assert got.status_code == 200 and printed.page_count == 1 + 2  # the (stand-in) reply's page, then 2 released
    assert P.ID_NUMBER not in "".join(p.get_text() for p in printed) and P.KEPT in printed[1].get_text()
