"""Every document kind and every reply outcome renders, passes the check and embeds its fonts."""

import os
import subprocess
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import pytest

from models.citation_check import CitationCheckFailed, Remedy
from models.outcomes import Outcome
from notices.context import Issue
from notices.fonts import Face, FontMissing, register
from notices.render import (
    DocumentKind,
    NoticeFieldMissing,
    render_html,
    render_pdf,
    render_text,
)
from tests.notices import factories

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("GONGKAI_UPDATE_GOLDEN") == "1"

CASES = [(kind, factories.context(kind)) for kind in DocumentKind if kind is not DocumentKind.reply] + [
    (DocumentKind.reply, factories.reply(o)) for o in factories.REPLY_OUTCOMES
]
IDS = [kind.value for kind in DocumentKind if kind is not DocumentKind.reply] + [
    f"reply-{o.value}" for o in factories.REPLY_OUTCOMES
]


def _pdftotext(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-raw", str(path), "-"], check=True, capture_output=True, text=True).stdout


@pytest.mark.parametrize(("kind", "ctx"), CASES, ids=IDS)
def test_pdf_text_matches_golden(kind, ctx, tmp_path, request):
    text = _pdftotext(render_pdf(kind, ctx), tmp_path)
    golden = GOLDEN / f"{request.node.callspec.id}.txt"
    if UPDATE:
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8"), "regenerate with GONGKAI_UPDATE_GOLDEN=1 after review"


@pytest.mark.parametrize(("kind", "ctx"), CASES, ids=IDS)
def test_text_carries_title_number_and_signature(kind, ctx):
    text = render_text(kind, ctx)
    assert text.startswith(kind.title)
    assert ctx.issue.number in text
    assert ctx.issue.agency.name in text and "2025年3月28日" in text


@pytest.mark.parametrize("outcome", factories.REPLY_OUTCOMES, ids=[o.value for o in factories.REPLY_OUTCOMES])
def test_every_reply_carries_its_basis_and_remedy(outcome):
    ctx = factories.reply(outcome)
    text = render_text(DocumentKind.reply, ctx)
    assert "2025年3月4日" in text and ctx.application.request_text in text and "张三" in text
    for citation in ctx.draft.citations:
        assert citation.zh(with_law=False) in text
    assert ("杭州市西湖区人民法院" in text) is outcome.spec.remedy
    assert ("第二十三条第一款第（四）项" in text) is outcome.spec.reconsideration_first


def test_partial_lists_each_withheld_item_with_its_ground():
    text = render_text(DocumentKind.reply, factories.reply(Outcome.partial))
    for n, item in zip("一二", factories.WITHHELD):
        assert f"（{n}）{item.part}" in text and item.reason in text
    assert "第十五条不予公开" in text and "第十六条第二款不予公开" in text


def test_supplement_date_is_stated_when_there_was_one():
    ctx = factories.reply(Outcome.disclosed, application=factories.application(supplement_date=date(2025, 3, 10)))
    assert "并于2025年3月10日收到您补正后的申请" in render_text(DocumentKind.reply, ctx)


def test_a_draft_with_findings_never_renders():
    ctx = factories.reply(Outcome.third_party)
    doctored = replace(ctx, draft=replace(ctx.draft, remedy=Remedy("区政府", "区法院", reconsideration_first=False)))
    for render in (render_text, render_html, render_pdf):
        with pytest.raises(CitationCheckFailed):
            render(DocumentKind.reply, doctored)


def test_fee_notice_with_wrong_amount_never_renders():
    ctx = factories.context(DocumentKind.fee)
    with pytest.raises(CitationCheckFailed):
        render_text(DocumentKind.fee, replace(ctx, fee=replace(ctx.fee, amount=1)))


@dataclass(frozen=True)
class ReceiptWithoutApplication:
    issue: Issue
    applicant: object


def test_missing_field_is_an_error_never_a_blank():
    ctx = ReceiptWithoutApplication(issue=factories.issue(), applicant=factories.applicant())
    with pytest.raises(NoticeFieldMissing) as exc:
        render_text(DocumentKind.receipt, ctx)
    assert "application" in exc.value.message_zh and "接收回执" in exc.value.message_zh


def test_required_outcome_detail_is_an_error_never_a_blank():
    ctx = factories.reply(Outcome.already_public, access=None,
                          draft=factories.draft(Outcome.already_public, access=""))
    with pytest.raises(CitationCheckFailed) as exc:
        render_text(DocumentKind.reply, ctx)
    assert "获取方式和途径" in exc.value.message_zh


def test_termination_only_for_abandoned_or_unpaid():
    with pytest.raises(NoticeFieldMissing):
        render_text(DocumentKind.termination, factories.reply(Outcome.disclosed))
    assert "不再处理" in render_text(DocumentKind.termination, factories.reply(Outcome.fee_unpaid))


def test_html_escapes_applicant_text():
    evil = "<script>alert('x')</script>&"
    ctx = factories.reply(
        Outcome.disclosed, applicant=factories.applicant(name=evil), application=factories.application(request_text=evil)
    )
    html = render_html(DocumentKind.reply, ctx)
    assert "<script>" not in html
    assert "&lt;script&gt;" in html and "&amp;" in html
    assert evil in render_text(DocumentKind.reply, ctx)  # text and PDF show what the applicant wrote


def test_html_preview_has_one_main_landmark():
    """The desk's reply preview is a page of its own: its content sits in a main landmark (axe "landmark-one-main")."""
    html = render_html(DocumentKind.reply, factories.reply(Outcome.disclosed))
    assert html.count("<main>") == 1 and '<main><article class="notice">' in html


def test_every_font_is_embedded(tmp_path):
    path = tmp_path / "reply.pdf"
    path.write_bytes(render_pdf(DocumentKind.reply, factories.reply(Outcome.partial)))
    out = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True, text=True).stdout
    rows = out.splitlines()[2:]
    assert rows, out
    for row in rows:
        assert row.split()[-5:-3] == ["yes", "yes"], row  # emb, sub


def test_page_one_renders_to_png(tmp_path):
    path = tmp_path / "reply.pdf"
    path.write_bytes(render_pdf(DocumentKind.reply, factories.reply(Outcome.state_secret)))
    subprocess.run(["pdftoppm", "-r", "50", "-f", "1", "-l", "1", "-png", str(path), str(tmp_path / "page")], check=True)
    png = next(tmp_path.glob("page*.png"))
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 5000


def test_page_numbers_follow_gb9704(tmp_path):
    text = _pdftotext(render_pdf(DocumentKind.reply, factories.reply(Outcome.partial)), tmp_path)
    assert "— 1 —" in text and "— 2 —" in text


def test_missing_font_names_the_debian_package():
    face = Face("body", "Absent", Path("/nonexistent/x.ttc"), 2, "fonts-noto-cjk", "缺失的字体", Path("/nonexistent/x.ttf"))
    with pytest.raises(FontMissing) as exc:
        register(face)
    assert "apt-get install fonts-noto-cjk" in exc.value.message_zh


def test_joint_consultation_minutes_are_internal_and_complete():
    ctx = factories.context(DocumentKind.joint_consultation)
    text = render_text(DocumentKind.joint_consultation, ctx)
    for part in (ctx.application.number, ctx.application.request_text, ctx.convener, "2025年3月20日", ctx.participants,
                 *ctx.minutes, *ctx.proposed_reply, "政府信息公开工作机构依据本纪要拟写答复书"):
        assert part in text
    assert "行政复议" not in text and "行政诉讼" not in text and "您" not in text  # never addressed to the applicant


@pytest.mark.parametrize(("blank", "label"), [("minutes", "会商纪要"), ("proposed_reply", "拟答复意见"),
                                             ("participants", "参加单位和人员"), ("convener", "会商召集人")])
def test_joint_consultation_without_its_record_never_renders(blank, label):
    ctx = factories.context(DocumentKind.joint_consultation)
    empty = () if blank in ("minutes", "proposed_reply") else " "
    with pytest.raises(NoticeFieldMissing) as exc:
        render_text(DocumentKind.joint_consultation, replace(ctx, **{blank: empty}))
    assert exc.value.message_zh.endswith(f"缺少必填内容：{label}")
