"""GB/T 9704-2012 layout, read back from the PDF itself (positions of text and images, metadata)."""

from dataclasses import replace
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from models.outcomes import Outcome
from notices.pdf import BLOCK_H, BLOCK_W, CHAR, LEADING, LEFT, NO_LINE_END, NO_LINE_START, PAGE_H, TOP, Style, break_lines
from notices.fonts import fonts_in_use
from notices.render import DocumentKind, NoticeFieldMissing, render_pdf, zh_date
from tests.notices import factories, pdfread

KINDS = [(kind, factories.context(kind)) for kind in DocumentKind if kind is not DocumentKind.reply] + [
    (DocumentKind.reply, factories.reply(o)) for o in factories.REPLY_OUTCOMES
]
IDS = [kind.value for kind in DocumentKind if kind is not DocumentKind.reply] + [
    f"reply-{o.value}" for o in factories.REPLY_OUTCOMES]
RIGHT = LEFT + BLOCK_W
BOTTOM = TOP + BLOCK_H  # the type area's lower edge, from the page's top
PAGE_NUMBER = "—"


def closing(ctx, found: list[pdfread.TextLine]) -> tuple[pdfread.TextLine, pdfread.TextLine]:
    """The 发文机关署名 and 成文日期 lines: the agency's name directly above the date, the last such pair."""
    day = zh_date(ctx.issue.date)
    pairs = [(a, b) for a, b in zip(found, found[1:]) if a.text == ctx.issue.agency.name and b.text == day]
    assert pairs, [t.text for t in found]
    return pairs[-1]


def body_lines_above(line: pdfread.TextLine, found: list[pdfread.TextLine], kind, ctx) -> list[pdfread.TextLine]:
    """Lines of text above the 落款 on its page, other than the title, the 文号 and the addressee."""
    head = {kind.title, ctx.issue.number}
    return [t for t in found if t.page == line.page and t.y1 <= line.y0 and t.text not in head
            and not t.text.endswith("：") and not t.text.startswith(PAGE_NUMBER)]


@pytest.mark.parametrize(("kind", "ctx"), KINDS, ids=IDS)
def test_the_closing_shares_its_page_with_the_body_and_no_line_starts_with_a_closing_mark(kind, ctx):
    found = pdfread.lines(render_pdf(kind, ctx))
    name, day = closing(ctx, found)
    assert name.page == day.page
    assert body_lines_above(name, found, kind, ctx), f"the 落款 stands alone on page {name.page}"
    for line in found:
        assert line.text[:1] not in NO_LINE_START, f"page {line.page}: {line.text}"
        assert line.text[-1:] not in NO_LINE_END, f"page {line.page}: {line.text}"


@pytest.mark.parametrize(("kind", "ctx"), KINDS, ids=IDS)
def test_every_line_stays_in_the_type_area_and_pages_are_numbered_as_gb9704_prints_them(kind, ctx):
    found = pdfread.lines(render_pdf(kind, ctx))
    text = [t for t in found if not t.text.startswith(PAGE_NUMBER)]
    numbers = [t for t in found if t.text.startswith(PAGE_NUMBER)]
    for t in text:
        assert LEFT - 0.5 <= t.x0 and t.x1 <= RIGHT + 0.5 and TOP - 0.5 <= t.y0 and t.y1 <= BOTTOM + 0.5, t
    assert [n.page for n in numbers] == sorted({t.page for t in found})
    for n in numbers:
        assert n.text == f"—{n.page}—"  # "— 1 —": the spaces are not words
        assert abs((n.y0 + n.y1) / 2 - BOTTOM - 7 * 72 / 25.4) < 2.5  # the dashes 7 mm under the block
        if n.page % 2:
            assert abs(n.x1 - (RIGHT - CHAR)) < 1  # odd pages: right, one character in
        else:
            assert abs(n.x0 - (LEFT + CHAR)) < 1  # even pages: left, one character in


@pytest.mark.parametrize(("kind", "ctx"), KINDS, ids=IDS)
def test_the_date_is_four_characters_in_and_the_agency_name_centred_over_it(kind, ctx):
    name, day = closing(ctx, pdfread.lines(render_pdf(kind, ctx)))
    assert abs(day.x1 - (RIGHT - 4 * CHAR)) < 1.5  # 成文日期右空四字 (7.3.5.1)
    assert abs((name.x0 + name.x1) / 2 - (day.x0 + day.x1) / 2) < 1.5  # 以成文日期为准居中编排发文机关署名
    assert LEADING * 0.85 < day.y0 - name.y0 < LEADING * 1.05


def test_title_is_centred_and_the_addressee_one_blank_line_under_the_number():
    ctx = factories.reply(Outcome.disclosed)
    found = pdfread.lines(render_pdf(DocumentKind.reply, ctx))
    title, number, to = found[0], found[1], found[2]
    assert title.text == DocumentKind.reply.title and abs((title.x0 + title.x1) / 2 - (LEFT + RIGHT) / 2) < 1
    assert title.height > number.height * 1.3  # 2号 over 3号
    assert number.text == ctx.issue.number and abs(number.x1 - RIGHT) < 1
    assert to.text == "张三：" and abs(to.x0 - LEFT) < 1
    assert 1.8 * LEADING < to.y0 - number.y0 < 2.2 * LEADING  # 标题下空一行
    body = found[3]
    assert abs(body.x0 - (LEFT + 2 * CHAR)) < 1  # 每个自然段左空二字


# Requests of every length move the end of the body across the page boundary: wherever it falls, the last lines
# travel with the 落款 (the old layout kept only the 落款 together and left it alone overleaf).
LENGTHS = list(range(0, 700, 23))


@pytest.mark.parametrize("length", LENGTHS, ids=[f"request-{n}-chars" for n in LENGTHS])
def test_wherever_the_page_breaks_the_closing_keeps_two_body_lines(length):
    text = ("关于示范区人民路拆迁补偿安置方案及其批复文件、资金拨付凭证和听证会记录，" * 30)[:length] or "拆迁补偿方案"
    ctx = factories.reply(Outcome.state_secret, application=factories.application(request_text=text))
    found = pdfread.lines(render_pdf(DocumentKind.reply, ctx))
    name, _ = closing(ctx, found)
    above = body_lines_above(name, found, DocumentKind.reply, ctx)
    assert len(above) >= 2, f"page {name.page}: {[t.text for t in above]}"
    for line in found:
        assert line.text[:1] not in NO_LINE_START, line


def test_a_document_just_over_one_page_closes_up_its_lines_to_stay_on_one():
    pdf = render_pdf(DocumentKind.supplement, factories.context(DocumentKind.supplement))
    found = pdfread.lines(pdf)
    assert {t.page for t in found} == {1}
    gaps = [b.y0 - a.y0 for a, b in zip(found[3:], found[4:]) if b.page == a.page and b.y0 - a.y0 < LEADING * 1.5]
    assert LEADING * 0.88 <= min(gaps) < LEADING - 0.1  # 7.3.5.5: closer lines, the characters unchanged


BREAKS = [
    # (text, the line that must not start a line)
    ("本机关于2025年3月4日收到您以互联网方式提交的政府信息公开申请，申请内容为：“2024年度西湖区老旧小区改造项目"
     "的立项批复及资金安排情况”。", "。"),
    ("甲" * 27 + "，乙丙丁", "，"),
    ("甲" * 26 + "”。乙丙丁", "”。"),
    ("甲" * 27 + "（乙）丙丁", "）"),
]


@pytest.mark.parametrize(("text", "mark"), BREAKS, ids=["quote-then-stop", "comma", "quote-and-stop", "open-paren"])
def test_a_closing_mark_takes_the_character_before_it_down_and_an_opening_mark_never_ends_a_line(text, mark):
    style = Style(fonts_in_use()[1], first_indent=0)
    broken = break_lines(text, style, BLOCK_W)
    assert "".join(line.text for line in broken) == text
    for line in broken:
        assert line.text[:1] not in NO_LINE_START and line.text[-1:] not in NO_LINE_END, [x.text for x in broken]
    assert all(line.x + 0.01 >= 0 for line in broken)


def test_long_numbers_are_split_rather_than_leave_a_gap_and_justified_lines_fill_the_block():
    style = Style(fonts_in_use()[1])
    text = "转账或汇款：收款单位杭州市西湖区财政局，开户银行中国工商银行杭州西湖支行，账号120202110900001234567890。"
    broken = break_lines(text, style, BLOCK_W)
    assert "".join(line.text for line in broken) == text
    assert all(line.char_space < 0.25 * CHAR for line in broken), [(x.text, x.char_space) for x in broken]


def test_metadata_names_the_document_the_agency_and_the_moment_it_was_made():
    ctx = factories.reply(Outcome.disclosed)
    meta = pdfread.info(render_pdf(DocumentKind.reply, ctx))
    assert meta["Title"] == "政府信息公开申请答复书"
    assert meta["Author"] == ctx.issue.agency.name
    assert meta["Subject"] == ctx.issue.number
    assert meta["CreationDate"] == "2025-03-28T10:30:00+08"  # factories.issue: made at 10:30 that day
    assert meta["Creator"] == "Gongkai"


def test_the_same_document_twice_is_the_same_bytes():
    ctx = factories.context(DocumentKind.receipt)
    assert render_pdf(DocumentKind.receipt, ctx) == render_pdf(DocumentKind.receipt, ctx)


@pytest.fixture(scope="module")
def seal(tmp_path_factory) -> Path:
    from notices.fonts import faces
    from notices.seal import make_demo_seal

    return make_demo_seal("杭州市西湖区人民政府办公室", tmp_path_factory.mktemp("seal") / "seal.png", font=faces()[0].ttf)


@pytest.mark.parametrize("kind", [DocumentKind.receipt, DocumentKind.fee, DocumentKind.reply, DocumentKind.delivery])
def test_the_seal_sits_over_the_date_its_top_within_a_line_of_the_text(kind, seal):
    ctx = factories.reply(Outcome.partial) if kind is DocumentKind.reply else factories.context(kind)
    ctx = replace(ctx, issue=replace(ctx.issue, agency=replace(ctx.issue.agency, seal_image=str(seal))))
    pdf = render_pdf(kind, ctx)
    found = pdfread.lines(pdf)
    name, day = closing(ctx, found)
    (stamp,) = pdfread.images(pdf, PAGE_H)
    assert stamp.page == day.page
    assert abs((stamp.x0 + stamp.x1) / 2 - (day.x0 + day.x1) / 2) < 1  # centred on the date
    assert stamp.y0 < name.y0 and day.y1 < stamp.y1  # over both the name and the date
    text_centre = (name.y0 + day.y1) / 2
    assert 0 < text_centre - (stamp.y0 + stamp.y1) / 2 < LEADING / 2  # they sit just under the seal's centre
    last = [t for t in found if t.page == day.page and t.y1 <= name.y0][-1]
    assert stamp.y0 - last.y1 < LEADING  # 印章顶端上距正文一行之内


def test_without_a_seal_the_space_for_a_wet_seal_is_left_blank():
    ctx = factories.reply(Outcome.state_secret)
    pdf = render_pdf(DocumentKind.reply, ctx)
    found = pdfread.lines(pdf)
    name, _ = closing(ctx, found)
    last = [t for t in found if t.page == name.page and t.y1 <= name.y0][-1]
    assert pdfread.images(pdf, PAGE_H) == []
    assert name.y0 - last.y0 >= 2.9 * LEADING  # two blank lines, the seal's upper half


def test_a_seal_image_that_is_gone_is_refused_in_chinese_never_printed_without(tmp_path):
    ctx = factories.reply(Outcome.state_secret)
    ctx = replace(ctx, issue=replace(ctx.issue, agency=replace(ctx.issue.agency, seal_image=str(tmp_path / "x.png"))))
    with pytest.raises(NoticeFieldMissing) as exc:
        render_pdf(DocumentKind.reply, ctx)
    assert "已不存在" in exc.value.message_zh and "gongkai agency set" in exc.value.message_zh


def test_creation_time_without_a_known_moment_is_the_dates_midnight_in_shanghai():
    ctx = factories.context(DocumentKind.extension)
    ctx = replace(ctx, issue=replace(ctx.issue, created=None))
    assert pdfread.info(render_pdf(DocumentKind.extension, ctx))["CreationDate"] == "2025-03-28T00:00:00+08"
    made = datetime(2025, 3, 28, 16, 5, tzinfo=ZoneInfo("UTC"))
    ctx = replace(ctx, issue=replace(ctx.issue, created=made))
    assert pdfread.info(render_pdf(DocumentKind.extension, ctx))["CreationDate"] == "2025-03-29T00:05:00+08"
