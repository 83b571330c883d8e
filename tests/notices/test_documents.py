"""Documents an office signs, seals and serves: the signed reply and its verification, the receipt at the counter,
the fee notice's payment, the contact person, agency settings for seal and payment, fonts."""

import subprocess
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding
from sqlmodel import select

from models import actions as A
from models.admin import check_image, set_agency
from models.demo import DEMO_AGENCY
from models.errors import ValidationFailed
from models.fees import FeeMethod
from models.queries import application_by_number
from models.settings import Settings
from models.tables import Agency, Document, Fee, Supplement
from notices import from_case
from notices.fonts import FontNotPrepared, faces, fonts_in_use, outlines, register
from notices.render import DocumentKind, render_pdf, render_text
from notices.signing import (Credentials, SigningError, check_signature, sign_pdf, trusted_certificates,
                             verify_document)
from tests import factories as F
from tests.cli_harness import invoke
from tests.notices import factories as NF
from tests.notices import pdfread

MON, TUE, WED = date(2026, 3, 2), date(2026, 3, 3), date(2026, 3, 4)


def issued(session, calendar, *, day=WED) -> tuple[str, Document]:
    """A case issued through the real reply renderer: rendered, signed with the agency's key, stored."""
    number = F.register_case(session, calendar, MON)
    F.advance(session, calendar, number, to=F.Status.approved, day=day)
    app = application_by_number(session, number)
    ctx = F.ctx(session, calendar, "head", day)
    A.issue_reply(ctx, number, render=from_case.reply_renderer(session, app, on=day, at=ctx.now))
    session.commit()
    doc = session.exec(select(Document).where(Document.application_id == app.id, Document.kind == "reply")).one()
    return number, doc


def changed(data: bytes, at: int) -> bytes:
    b = bytearray(data)
    b[at] ^= 0x01
    return bytes(b)


# --- the electronic signature -------------------------------------------------------------------------------------


def test_an_issued_reply_is_signed_and_verifies_against_signature_and_case_record(session, calendar):
    _, doc = issued(session, calendar)
    result = verify_document(session, doc.content, Settings.load())
    assert result.ok, result.lines()
    assert result.signature.signer == "测试机关（演示证书）"
    assert "示政公开〔2026〕1号" in result.record and "存档的 SHA-256 一致" in result.record
    meta = pdfread.info(doc.content)
    assert meta["Title"] == "政府信息公开申请答复书" and meta["Author"] == DEMO_AGENCY
    assert meta["CreationDate"] == "2026-03-04T10:00:00+08"  # the moment it was issued, not 2000-01-01


@pytest.mark.parametrize("where", ["body", "signature", "last-byte"])
def test_a_reply_changed_by_one_byte_fails_both_checks_and_says_which(session, calendar, where):
    _, doc = issued(session, calendar)
    data = doc.content
    offset = {"body": len(data) // 3, "signature": data.find(b"/Contents <") + 300, "last-byte": len(data) - 2}[where]
    result = verify_document(session, changed(data, offset), Settings.load())
    assert not result.ok and not result.signature.ok and not result.record_ok
    assert any("改动" in p for p in result.signature.problems), result.signature.problems
    # the 文号 in the metadata finds the stored reply, unless the change made the file unreadable
    assert ("不是签发时存档的那一份" if where != "last-byte" else "案卷中没有 SHA-256 为") in result.record


def test_a_pdf_signed_by_someone_else_is_refused_as_untrusted(session, calendar, tmp_path, monkeypatch):
    _, doc = issued(session, calendar)
    monkeypatch.setenv("GONGKAI_SIGNING_DIR", str(tmp_path / "empty"))  # another installation: not our agencies
    report = check_signature(doc.content, trusted_certificates(Settings.load()))
    assert not report.ok and any("不受信任" in p for p in report.problems)


def _certificate(folder: Path, serial: int) -> Credentials:
    """A self-signed certificate whose DER length follows the serial number's (one byte more from 1 to 256)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "示范区人民政府")])
    now = datetime(2026, 3, 2, tzinfo=timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(serial).not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=30))
            .sign(key, hashes.SHA256()))
    folder.mkdir(parents=True)
    creds = Credentials(folder / "signer.key", folder / "signer.crt")
    creds.key.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                            serialization.NoEncryption()))
    creds.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return creds


def test_certificates_of_odd_and_even_length_both_sign(tmp_path):
    from cryptography import x509

    pdf = render_pdf(DocumentKind.receipt, NF.context(DocumentKind.receipt))
    lengths = set()
    for serial in (1, 256):
        creds = _certificate(tmp_path / str(serial), serial)
        lengths.add(len(x509.load_pem_x509_certificate(creds.cert.read_bytes()).public_bytes(Encoding.DER)) % 2)
        signed = sign_pdf(pdf, creds, name="示范区人民政府", reason="签发")
        assert check_signature(signed, [creds.cert]).ok
    assert lengths == {0, 1}  # pyHanko refused the odd one: it reserves room in hex digits, two a byte


def test_an_unsigned_pdf_says_it_has_no_signature(session, calendar):
    report = check_signature(render_pdf(DocumentKind.receipt, NF.context(DocumentKind.receipt)), [])
    assert report.problems == ["文件中没有电子签名。"]


def test_without_a_key_issuing_is_refused_and_no_doc_number_is_spent(session, calendar, tmp_path, monkeypatch):
    monkeypatch.setenv("GONGKAI_SIGNING_DIR", str(tmp_path / "none"))
    number = F.register_case(session, calendar, MON)
    F.advance(session, calendar, number, to=F.Status.approved, day=WED)
    app = application_by_number(session, number)
    with pytest.raises(SigningError) as exc:
        A.issue_reply(F.ctx(session, calendar, "head", WED), number, render=from_case.reply_renderer(session, app, on=WED))
    assert "尚未配置电子签名证书" in exc.value.message_zh and "gongkai agency certificate" in exc.value.message_zh
    assert application_by_number(session, number).status == F.Status.approved


# --- the receipt at the counter, the contact person, the numbers ------------------------------------------------------


def test_receipt_prints_number_query_code_due_date_and_how_to_track(session, calendar):
    number = F.register_case(session, calendar, MON)
    app = application_by_number(session, number)
    text = render_text(DocumentKind.receipt, from_case.receipt(session, app))
    assert f"申请编号：{number}" in text and f"查询码：{app.query_code}" in text
    assert "答复期限至2026年3月30日。" in text and "暂定" not in text
    assert "http://127.0.0.1:8000/status" in text and "凭申请编号和查询码" in text
    assert "示政公开回执〔2026〕1号" in text and "〔2026〕2026-" not in text  # no doubled year
    assert "（联系人：王经办；联系电话：0539-8123457）" in text  # the clerk who registered it, not the office


def test_receipt_marks_a_provisional_due_date(session, calendar):
    number = F.register_case(session, calendar, date(2026, 12, 14))  # the 20 working days reach into 2027
    app = application_by_number(session, number)
    assert app.due_provisional
    assert "（暂定：" in render_text(DocumentKind.receipt, from_case.receipt(session, app))


def test_the_contact_is_the_clerk_who_acted_else_the_agency_contact(session, calendar):
    number = F.register_case(session, calendar, MON)
    A.request_supplement(F.ctx(session, calendar, "clerk", TUE), number, items="请写明项目名称")
    app = application_by_number(session, number)
    row = session.exec(select(Supplement).where(Supplement.application_id == app.id)).one()
    ctx = from_case.supplement(session, app, row)
    assert (ctx.issue.agency.contact_person, ctx.issue.agency.contact_phone) == ("王经办", "0539-8123457")
    assert ctx.issue.created == F.at(TUE)  # made when the clerk asked for the supplement
    app.registered_by_id = None  # e.g. an imported case: nobody to name but the agency's contact
    assert from_case.issue(session, app, DocumentKind.supplement, TUE).agency.contact_person == "王经办"
    set_agency(session, agency=DEMO_AGENCY, contact_person="")
    note = render_text(DocumentKind.supplement, replace(ctx, issue=from_case.issue(session, app, DocumentKind.supplement,
                                                                                   TUE)))
    assert "（联系电话：0539-8123456）" in note and "联系人" not in note  # never the office's name as a person


def test_fee_notice_states_amount_basis_how_where_and_by_when_to_pay(session, calendar):
    number = F.register_case(session, calendar, MON)
    F.advance(session, calendar, number, to=F.Status.drafting, day=TUE)
    A.issue_fee_notice(F.ctx(session, calendar, "clerk", WED), number, method=FeeMethod.per_page, pages=250,
                       justification="申请页数明显超过合理范围")
    A.approve_fee_notice(F.ctx(session, calendar, "counsel", WED), number)  # sent once counsel has signed it off
    app = application_by_number(session, number)
    fee = session.exec(select(Fee).where(Fee.application_id == app.id)).one()
    text = render_text(DocumentKind.fee, from_case.fee(session, app, fee))
    assert f"合计人民币{fee.amount}元" in text
    assert "第四十二条" in text and "国办函〔2020〕109号" in text
    assert "收款单位示范区财政局，开户银行中国工商银行示范区支行，账号1610 0012 0900 0012 345" in text
    assert "缴款码3713020000000001" in text and "示范区政务服务中心一楼财政窗口" in text
    assert f"20个工作日内（{fee.pay_due.year}年{fee.pay_due.month}月{fee.pay_due.day}日前）" in text
    assert "缴纳缴纳" not in text and "示政公开收费〔2026〕1号" in text


def test_fee_notice_without_any_way_to_pay_never_renders(session, calendar):
    ctx = NF.context(DocumentKind.fee)
    from notices.context import Payment
    from notices.render import NoticeFieldMissing

    with pytest.raises(NoticeFieldMissing) as exc:
        render_text(DocumentKind.fee, replace(ctx, payment=Payment(place="财政窗口")))
    assert "缴费方式" in exc.value.message_zh


def test_fee_notice_prints_the_payment_qr_image(tmp_path):
    from PIL import Image

    from notices.context import Payment

    qr = tmp_path / "qr.png"
    Image.new("RGB", (120, 120), "black").save(qr)
    ctx = replace(NF.context(DocumentKind.fee), payment=Payment(payee="财政局", qr_image=str(qr)))
    pdf = render_pdf(DocumentKind.fee, ctx)
    (placed,) = pdfread.images(pdf, 841.89)
    assert abs((placed.x1 - placed.x0) - 30 * 72 / 25.4) < 0.5
    assert "扫描下方二维码缴款" in render_text(DocumentKind.fee, ctx)


# --- agency settings: seal and payment images, checked when they are set ---------------------------------------------


def _png(path: Path, mode: str) -> Path:
    from PIL import Image

    Image.new(mode, (40, 40)).save(path)
    return path


@pytest.mark.parametrize(("mode", "ok"), [("RGBA", True), ("LA", True), ("RGB", False), ("L", False)])
def test_a_seal_image_must_be_a_transparent_png(tmp_path, mode, ok):
    path = _png(tmp_path / f"seal-{mode}.png", mode)
    if ok:
        assert check_image(str(path), what="印章图片", transparent=True) == str(path)
    else:
        with pytest.raises(ValidationFailed) as exc:
            check_image(str(path), what="印章图片", transparent=True)
        assert "透明背景" in exc.value.message_zh


def test_a_missing_or_wrong_image_is_refused_when_set_not_when_printed(session, calendar, tmp_path):
    F.ctx(session, calendar, None, MON)  # seeds the demo agency
    with pytest.raises(ValidationFailed) as exc:
        set_agency(session, agency=DEMO_AGENCY, seal_image=str(tmp_path / "none.png"))
    assert "无法读取印章图片文件" in exc.value.message_zh
    (tmp_path / "seal.jpg").write_bytes(b"\xff\xd8\xff\xe0" + b"0" * 100)
    with pytest.raises(ValidationFailed):
        set_agency(session, agency=DEMO_AGENCY, seal_image=str(tmp_path / "seal.jpg"))
    assert check_image(str(tmp_path / "seal.jpg"), what="缴费二维码图片") == str(tmp_path / "seal.jpg")  # a QR may
    seal = _png(tmp_path / "seal.png", "RGBA")
    set_agency(session, agency=DEMO_AGENCY, seal_image=str(seal))
    assert session.exec(select(Agency).where(Agency.name == DEMO_AGENCY)).one().seal_image == str(seal)


def test_every_notice_of_an_agency_with_a_seal_carries_it(session, calendar, tmp_path):
    F.ctx(session, calendar, None, MON)
    set_agency(session, agency=DEMO_AGENCY, seal_image=str(_png(tmp_path / "seal.png", "RGBA")))
    number = F.register_case(session, calendar, MON)
    pdf = render_pdf(DocumentKind.receipt, from_case.receipt(session, application_by_number(session, number)))
    assert len(pdfread.images(pdf, 841.89)) == 1


# --- fonts ---------------------------------------------------------------------------------------------------------------


def test_the_default_faces_are_noto_serif_sc_converted_to_truetype():
    title, body = faces()
    assert (title.source.name, body.source.name) == ("NotoSerifCJK-Bold.ttc", "NotoSerifCJK-Regular.ttc")
    assert outlines(title.source, 2) == "cff" and outlines(title.ttf) == "truetype"
    assert fonts_in_use() == ("NotoSerifCJKsc-Bold", "NotoSerifCJKsc-Regular")


def test_an_office_points_a_setting_at_its_own_truetype_font(tmp_path, monkeypatch):
    own = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")  # stands in for a licensed 仿宋 file
    monkeypatch.setenv("GONGKAI_FONT_BODY", f"{own}#0")
    title, body = faces()
    assert body.source == own and not body.converted and title.source.name == "NotoSerifCJK-Bold.ttc"
    assert fonts_in_use() == ("NotoSerifCJKsc-Bold", body.name)
    path = tmp_path / "doc.pdf"
    path.write_bytes(render_pdf(DocumentKind.receipt, NF.context(DocumentKind.receipt)))
    listed = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True, text=True).stdout
    assert "WenQuanYi" in listed or "wqy" in listed.lower(), listed


def test_a_cff_font_of_the_office_must_be_prepared_first(tmp_path, monkeypatch):
    monkeypatch.setenv("GONGKAI_FONT_DIR", str(tmp_path / "fonts"))
    monkeypatch.setenv("GONGKAI_FONT_TITLE", "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc#2")
    title, _ = faces()
    assert title.converted and title.ttf.parent == tmp_path / "fonts"
    with pytest.raises(FontNotPrepared) as exc:
        register(title)
    assert "gongkai fonts prepare" in exc.value.message_zh


# --- the command line --------------------------------------------------------------------------------------------------


def cli(env: dict, *args: str):
    """gongkai in this process (tests/cli_harness.py), on the installation's own variables only."""
    return invoke({k: v for k, v in env.items() if k.startswith("GONGKAI_")} | {"GONGKAI_DATABASE_URL": None}, *args)


@pytest.fixture
def installation(tmp_path, monkeypatch):
    env = {"GONGKAI_VAR_DIR": str(tmp_path / "var"), "GONGKAI_TODAY": "2026-03-02",
           "GONGKAI_ENGINE": "inline", "GONGKAI_SIGNING_DIR": str(tmp_path / "var" / "signing")}
    done = cli(env, "init", "--demo")
    assert done.returncode == 0, done.stderr
    assert "已生成自签名演示证书" in done.stdout and "已生成演示印章图片" in done.stdout
    return env


def test_init_demo_makes_a_certificate_and_a_seal_and_doctor_names_the_fonts(installation):
    done = cli(installation, "doctor")
    assert done.returncode == 0, done.stderr
    assert "Noto Serif CJK SC Bold" in done.stdout and "Noto Serif CJK SC Regular" in done.stdout
    assert "示范区人民政府：电子签名证书 CN=示范区人民政府（演示证书）" in done.stdout and "印章图片 " in done.stdout


def test_document_verify_on_the_command_line(installation, tmp_path):
    env = installation
    steps = [
        ("register", "-u", "clerk", "--agency", DEMO_AGENCY, "--name", "张三", "--id-type", "resident_id",
         "--id-number", F.VALID_ID, "--phone", "13800138000", "--channel", "in_person", "--text", "请公开本区财政预算"),
        ("route", "2026-000001", "--department", "区自然资源局", "-u", "clerk"),
        ("opinion", "2026-000001", "--text", "可以公开。", "-u", "dept_ziran"),
        ("submit", "2026-000001", "--outcome", "art36_2_disclosed", "--body", "随本答复书提供", "-u", "clerk"),
        ("review-approve", "2026-000001", "-u", "counsel"),
        ("issue", "2026-000001", "-u", "head"),
        ("document", "save", "2026-000001", "-o", str(tmp_path / "reply.pdf")),
    ]
    for step in steps:
        done = cli(env, *step)
        assert done.returncode == 0, (step, done.stdout, done.stderr)
    good = cli(env, "document", "verify", str(tmp_path / "reply.pdf"))
    assert good.returncode == 0 and "电子签名：通过" in good.stdout and "案卷记录：通过" in good.stdout, good.stdout
    data = (tmp_path / "reply.pdf").read_bytes()
    (tmp_path / "bad.pdf").write_bytes(changed(data, len(data) // 2))
    bad = cli(env, "document", "verify", str(tmp_path / "bad.pdf"))
    assert bad.returncode == 1
    assert "电子签名：未通过" in bad.stdout and "案卷记录：未通过" in bad.stdout and "核验未通过" in bad.stdout


def test_agency_set_refuses_an_opaque_seal_in_chinese(installation, tmp_path):
    opaque = _png(tmp_path / "seal.png", "RGB")
    done = cli(installation, "agency", "set", DEMO_AGENCY, "--seal-image", str(opaque))
    assert done.returncode == 1 and "透明背景" in done.stderr
    ok = cli(installation, "agency", "set", DEMO_AGENCY, "--fee-payee", "示范区财政局", "--contact-person", "李四")
    assert ok.returncode == 0 and "李四" in ok.stdout


def test_the_html_preview_inlines_the_payment_qr_image(tmp_path):
    from PIL import Image

    from notices.context import Payment
    from notices.render import render_html

    qr = tmp_path / "qr.jpg"
    Image.new("RGB", (60, 60), "black").save(qr)
    html = render_html(DocumentKind.fee, replace(NF.context(DocumentKind.fee), payment=Payment(qr_image=str(qr))))
    assert 'src="data:image/jpeg;base64,' in html and 'alt="缴费二维码"' in html
