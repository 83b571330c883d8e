"""A department answers on the desk with files: multipart form, CSRF, refusals, the listing and the download."""

import re
from urllib.parse import quote

import pytest
from sqlmodel import Session, func, select

from models.enums import AssignmentStatus, Status
from models.queries import application_by_number, assignments_of
from models.tables import Attachment
from tests.factories import SMALL_PDF, advance, register_case
from tests.web.conftest import DAY

PDF = ("答复依据.pdf", SMALL_PDF, "application/pdf")


@pytest.fixture
def routed(engine, calendar, desk):
    with Session(engine, expire_on_commit=False) as s:
        number = register_case(s, calendar, DAY)
        advance(s, calendar, number, Status.routed, DAY)
    return number


def _opinion(desk, number, files, opinion="可以公开，依据见附件。"):
    return desk.post(f"/cases/{number}/actions/submit_opinion", {"opinion": opinion},
                     files=[("attachments", f) for f in files])


def _nothing_written(engine, number) -> bool:
    with Session(engine) as s:
        app = application_by_number(s, number)
        [assignment] = assignments_of(s, app)
        files = s.exec(select(func.count()).select_from(Attachment)).one()
        return (app.status, assignment.status, files) == (Status.routed, AssignmentStatus.routed, 0)


def test_the_opinion_form_uploads_files_as_multipart_with_its_csrf_token(login, routed):
    page = login("dept_ziran").get(f"/cases/{routed}").text
    form = re.search(r'<form[^>]*actions/submit_opinion"[^>]*>(.*?)</form>', page, re.S)
    assert 'enctype="multipart/form-data"' in form.group(0)
    assert 'type="file"' in form.group(1) and "multiple" in form.group(1) and 'accept=".pdf,' in form.group(1)
    assert 'name="csrf_token"' in form.group(1) and "最多 10 个文件" in form.group(1)
    other = re.search(r'<form[^>]*actions/return_assignment"[^>]*>', page).group(0)
    assert "enctype" not in other  # only forms with a file field


def test_a_department_answers_with_files_and_every_reader_of_the_case_sees_and_downloads_them(login, routed):
    dept, clerk = login("dept_ziran"), login("clerk")
    txt = ("说明 2026.txt", "经查，该信息由我局制作。".encode(), "text/html")  # the browser's claim is not kept
    done = _opinion(dept, routed, [PDF, txt])
    assert done.status_code == 303 and done.headers["location"] == "/inbox"
    page = clerk.get(f"/cases/{routed}").text
    links = re.findall(rf'href="(/cases/{routed}/attachments/\d+)">([^<]+)</a>', page)
    assert [name for _, name in links] == ["答复依据.pdf", "说明 2026.txt"]
    pdf = clerk.get(links[0][0])
    assert pdf.status_code == 200 and pdf.content == SMALL_PDF
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["x-content-type-options"] == "nosniff"
    disposition = pdf.headers["content-disposition"]
    assert disposition.startswith("attachment;") and f"filename*=UTF-8''{quote('答复依据.pdf')}" in disposition
    assert re.search(r'filename="attachment-\d+\.pdf"', disposition)  # an ASCII fallback
    text = dept.get(links[1][0])
    assert text.headers["content-type"] == "text/plain; charset=utf-8"
    assert "filename*=UTF-8''%E8%AF%B4%E6%98%8E%202026.txt" in text.headers["content-disposition"]


def test_an_empty_file_input_sends_no_attachment(login, engine, routed):
    dept = login("dept_ziran")
    parts = {"csrf_token": ("", dept.csrf), "opinion": ("", "可以公开。"),
             "attachments": ('; filename=""', "")}  # what a browser sends for a file input left empty
    body = "".join(f'--B\r\nContent-Disposition: form-data; name="{name}"{extra}\r\n\r\n{value}\r\n'
                   for name, (extra, value) in parts.items()) + "--B--\r\n"
    done = dept.client.post(f"/cases/{routed}/actions/submit_opinion", content=body.encode(),
                            headers={"Content-Type": "multipart/form-data; boundary=B"})
    assert done.status_code == 303, done.text[-500:]
    with Session(engine) as s:
        assert s.exec(select(func.count()).select_from(Attachment)).one() == 0


@pytest.mark.parametrize(("files", "says"), [
    ([PDF, ("名单.xlsx", SMALL_PDF, "application/vnd.ms-excel")], "附件「名单.xlsx」的内容不是Excel文件"),
    ([PDF, ("脚本.js", b"alert(1)", "application/pdf")], "附件「脚本.js」的类型不在允许范围内"),
    ([PDF] * 11, "最多附 10 个文件"),
], ids=["content-not-matching-its-extension", "type-not-allowed", "eleven-files"])
def test_a_refused_file_is_reported_on_the_form_and_nothing_is_written(login, engine, routed, files, says):
    refused = _opinion(login("dept_ziran"), routed, files, opinion="我局意见：可以公开。")
    assert refused.status_code == 422 and says in refused.text
    assert 'id="err-act-submit_opinion"' in refused.text
    assert "我局意见：可以公开。</textarea>" in refused.text  # what was typed is kept
    assert _nothing_written(engine, routed)


def test_a_multipart_post_without_the_csrf_token_is_refused(login, engine, routed):
    dept = login("dept_ziran")
    url = f"/cases/{routed}/actions/submit_opinion"
    forged = dept.client.post(url, data={"opinion": "可以公开。", "csrf_token": "forged"}, files=[("attachments", PDF)])
    missing = dept.client.post(url, data={"opinion": "可以公开。"}, files=[("attachments", PDF)])
    assert forged.status_code == missing.status_code == 403
    assert _nothing_written(engine, routed)


def test_a_body_over_the_upload_limit_is_refused_before_it_is_read(login, desk, engine, routed):
    desk.state.desk.upload_limit = 2048  # injected; the default is every attachment of one opinion plus its fields
    refused = _opinion(login("dept_ziran"), routed, [("大文件.pdf", b"%PDF" + b"0" * 4096, "application/pdf")])
    assert refused.status_code == 413 and "超过 2 KB 的上限" in refused.text
    assert _nothing_written(engine, routed)
