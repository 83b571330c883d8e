"""Department attachments: what a file must be to be kept, kept with the opinion in one transaction, archived with its hash."""

import hashlib
import json
from datetime import date

import pytest
from sqlmodel import func, select

from models import actions as A
from models.archive import build_package, verify_package
from models.attachments import (
    MAX_FILE_BYTES,
    MAX_FILENAME_BYTES,
    MAX_FILES,
    Upload,
    check_uploads,
    clean_filename,
)
from models.enums import AssignmentStatus, Status
from models.errors import GuardFailed, NotFound, ValidationFailed
from models.queries import application_by_number, assignments_of, attachment_of, attachments_of, events_of
from models.tables import Attachment
from tests.factories import SMALL_PDF, advance, ctx, pdf_upload, register_case

DAY = date(2026, 3, 3)
ZIP = b"PK\x03\x04" + b"\x00" * 26
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 24
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 16
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16

ACCEPTED = [
    ("答复依据.pdf", SMALL_PDF, "application/pdf"),
    ("扫描件.PDF", SMALL_PDF, "application/pdf"),
    ("电子公文.ofd", ZIP, "application/ofd"),
    ("意见.docx", ZIP, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("意见.doc", OLE, "application/msword"),
    ("台账.xlsx", ZIP, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("台账.xls", OLE, "application/vnd.ms-excel"),
    ("现场照片.jpg", JPEG, "image/jpeg"),
    ("现场照片.jpeg", JPEG, "image/jpeg"),
    ("截图.png", PNG, "image/png"),
    ("说明.txt", "经查，该信息由我局制作。\n".encode(), "text/plain; charset=utf-8"),
]


@pytest.mark.parametrize(("name", "content", "stored_type"), ACCEPTED, ids=[a[0] for a in ACCEPTED])
def test_an_allowed_file_is_kept_with_our_content_type_size_and_hash(name, content, stored_type):
    [checked] = check_uploads([Upload(name, content, content_type="application/x-anything-the-browser-says")])
    assert (checked.filename, checked.content_type, checked.size) == (name, stored_type, len(content))
    assert checked.sha256 == hashlib.sha256(content).hexdigest()


REFUSED = [
    # (file name, content, what the Chinese message must say)
    ("empty.pdf", b"", "空文件"),
    ("large.pdf", b"%PDF" + b"0" * MAX_FILE_BYTES, "20 MB"),
    ("setup.exe", b"MZ\x90\x00", "类型不在允许范围内"),
    ("page.html", b"<html></html>", "类型不在允许范围内"),
    ("bundle.zip", ZIP, "类型不在允许范围内"),
    ("no-extension", SMALL_PDF, "类型不在允许范围内"),
    ("renamed.pdf", ZIP, "不是PDF文件"),
    ("renamed.docx", SMALL_PDF, "不是Word文件"),
    ("renamed.doc", ZIP, "不是Word 97-2003文件"),
    ("renamed.jpg", PNG, "不是JPEG文件"),
    ("renamed.png", JPEG, "不是PNG文件"),
    ("gbk.txt", "经查".encode("gbk"), "UTF-8"),
    ("报告\u202efdp.exe", b"MZ\x90\x00", "类型不在允许范围内"),  # looks like 报告exe.pdf on screen
]


@pytest.mark.parametrize(("name", "content", "says"), REFUSED,
                         ids=["empty", "over-20-MB", "exe", "html", "zip", "no-extension", "zip-named-pdf",
                              "pdf-named-docx", "zip-named-doc", "png-named-jpg", "jpeg-named-png", "gbk-text",
                              "right-to-left-override"])
def test_a_refused_file_is_named_in_the_chinese_message(name, content, says):
    with pytest.raises(ValidationFailed) as err:
        check_uploads([pdf_upload(), Upload(name, content)])
    assert says in err.value.message_zh and clean_filename(name) in err.value.message_zh
    assert err.value.field == "attachments"


@pytest.mark.parametrize("name", ["", "/", "C:\\", "...", "\x00\x01\x1f", " . "],
                         ids=["empty", "slash", "drive", "dots", "control-only", "blank-and-dot"])
def test_a_name_with_nothing_left_after_cleaning_is_refused(name):
    with pytest.raises(ValidationFailed) as err:
        check_uploads([Upload(name, SMALL_PDF)])
    assert "文件名无效" in err.value.message_zh and "第1个" in err.value.message_zh


CLEANED = [
    ("C:\\Users\\张三\\Desktop\\答复依据.pdf", "答复依据.pdf"),
    ("../../etc/答复依据.pdf", "答复依据.pdf"),
    ("答复\r\n依据\x00.pdf", "答复依据.pdf"),
    ('答复<依据>:"版本"?.pdf', "答复_依据___版本__.pdf"),
    (" 答复依据.pdf ", "答复依据.pdf"),
    ("答复依据.pdf\u202e", "答复依据.pdf"),
]


@pytest.mark.parametrize(("raw", "clean"), CLEANED,
                         ids=["windows-path", "dot-dot-path", "control-characters", "windows-reserved", "spaces",
                              "format-character"])
def test_only_the_base_name_is_kept_without_control_characters(raw, clean):
    assert clean_filename(raw) == clean


def test_a_long_name_is_cut_at_a_character_and_keeps_its_extension():
    name = clean_filename("关于某某地块国有土地上房屋征收补偿方案的请示" * 5 + ".pdf")
    assert name.endswith(".pdf") and len(name.encode("utf-8")) <= MAX_FILENAME_BYTES
    assert name.startswith("关于某某地块")


MB = 1024 * 1024


@pytest.mark.parametrize(("sizes", "accepted"), [
    ((20 * MB, 20 * MB, 10 * MB), True),
    ((20 * MB, 20 * MB, 10 * MB + 1), False),
    ((20 * MB, 20 * MB, 20 * MB), False),
], ids=["exactly-50-MB", "one-byte-over-50-MB-in-all", "three-full-files"])
def test_all_files_of_one_opinion_together_stay_within_50_mb(sizes, accepted):
    uploads = [Upload(f"第{n}部分.pdf", b"%PDF" + b"0" * (size - 4)) for n, size in enumerate(sizes)]
    if accepted:
        assert len(check_uploads(uploads)) == 3
    else:
        with pytest.raises(ValidationFailed, match="in all") as err:
            check_uploads(uploads)
        assert "合计" in err.value.message_zh and "50 MB" in err.value.message_zh


def test_at_most_ten_files_per_opinion():
    assert len(check_uploads([pdf_upload(f"{n}.pdf") for n in range(MAX_FILES)])) == MAX_FILES
    with pytest.raises(ValidationFailed) as err:
        check_uploads([pdf_upload(f"{n}.pdf") for n in range(MAX_FILES + 1)])
    assert "最多附 10 个文件" in err.value.message_zh


# --- with the opinion, in one transaction -------------------------------------------------------------------


def _routed(session, calendar) -> str:
    number = register_case(session, calendar)
    advance(session, calendar, number, Status.routed, DAY)
    return number


def test_the_opinions_files_are_stored_with_it_and_named_with_their_hash_in_the_event(session, calendar):
    number = _routed(session, calendar)
    c = ctx(session, calendar, "dept_ziran", DAY)
    done = A.submit_opinion(c, number, opinion="可以公开，依据见附件。",
                            attachments=[pdf_upload(), Upload("C:\\扫描\\说明.txt", "经查属实。".encode())])
    assert done.status == Status.drafting and "附件2个" in done.message
    app = application_by_number(session, number)
    [assignment] = assignments_of(session, app)
    stored = attachments_of(session, app)
    assert [(f.filename, f.content_type, f.size) for f in stored] == [
        ("答复依据.pdf", "application/pdf", len(SMALL_PDF)), ("说明.txt", "text/plain; charset=utf-8", 15)]
    assert {(f.application_id, f.assignment_id, f.uploaded_by_id, f.uploaded_at) for f in stored} == {
        (app.id, assignment.id, c.actor.id, c.now)}
    assert attachment_of(session, app, stored[0].id).content == SMALL_PDF
    note = next(e for e in events_of(session, app) if e.action == "submit_opinion")
    assert note.data["attachments"] == [{"filename": f.filename, "sha256": f.sha256} for f in stored]


@pytest.mark.parametrize("bad", [Upload("伪装.pdf", ZIP), Upload("空.pdf", b"")], ids=["wrong-content", "empty"])
def test_a_refused_file_leaves_nothing_written(session, calendar, bad):
    number = _routed(session, calendar)
    app = application_by_number(session, number)
    events_before = len(events_of(session, app))
    with pytest.raises(ValidationFailed):
        A.submit_opinion(ctx(session, calendar, "dept_ziran", DAY), number, opinion="可以公开。",
                         attachments=[pdf_upload(), bad])  # the good file first: it is not kept either
    session.expire_all()
    app = application_by_number(session, number)
    [assignment] = assignments_of(session, app)
    assert (app.status, assignment.status, assignment.opinion) == (Status.routed, AssignmentStatus.routed, "")
    assert session.exec(select(func.count()).select_from(Attachment)).one() == 0
    assert len(events_of(session, app)) == events_before


def test_an_attachment_of_another_case_is_not_found(session, calendar):
    number, other = _routed(session, calendar), _routed(session, calendar)
    A.submit_opinion(ctx(session, calendar, "dept_ziran", DAY), number, opinion="可以公开。", attachments=[pdf_upload()])
    [mine] = attachments_of(session, application_by_number(session, number))
    with pytest.raises(NotFound) as err:
        attachment_of(session, application_by_number(session, other), mine.id)
    assert "没有编号为" in err.value.message_zh


# --- in the archive package ------------------------------------------------------------------------------------


def test_the_archive_package_holds_every_attachment_with_its_hash_in_the_manifest(session, calendar, tmp_path):
    number = _routed(session, calendar)
    A.submit_opinion(ctx(session, calendar, "dept_ziran", DAY), number, opinion="可以公开。",
                     attachments=[pdf_upload(), pdf_upload("答复依据.pdf", SMALL_PDF + b"%v2")])
    app = application_by_number(session, number)
    built = build_package(session, app, var_dir=tmp_path)
    folder = tmp_path / built.location
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["files"]
    stored = attachments_of(session, app)
    for f in stored:  # the same name twice is two files: each path carries the attachment's id
        assert manifest[f"attachments/{f.id}-答复依据.pdf"] == f.sha256
        assert (folder / f"attachments/{f.id}-答复依据.pdf").read_bytes() == f.content
    handling = json.loads((folder / "handling.json").read_text(encoding="utf-8"))
    assert [a["sha256"] for a in handling["attachments"]] == [f.sha256 for f in stored]
    assert "content" not in handling["attachments"][0]
    assert verify_package(built.location, built.manifest_sha256, var_dir=tmp_path) == []


def test_an_attachment_changed_after_upload_stops_the_archive(session, calendar, tmp_path):
    number = _routed(session, calendar)
    A.submit_opinion(ctx(session, calendar, "dept_ziran", DAY), number, opinion="可以公开。", attachments=[pdf_upload()])
    app = application_by_number(session, number)
    [stored] = attachments_of(session, app)
    stored.content = SMALL_PDF + b"altered"
    session.add(stored)
    session.commit()
    with pytest.raises(GuardFailed) as err:
        build_package(session, app, var_dir=tmp_path)
    assert "答复依据.pdf" in err.value.message_zh and "SHA-256" in err.value.message_zh
