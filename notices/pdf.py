"""Lay out a document's blocks on A4 after GB/T 9704-2012, with the TrueType fonts embedded."""

from functools import cache
from io import BytesIO
from xml.sax.saxutils import escape

from reportlab.lib import textsplit
from reportlab.platypus import paragraph as rl_paragraph
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import (
    BaseDocTemplate,
    Frame,
    KeepTogether,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from notices.fonts import BODY, TITLE, register

# GB/T 9704-2012 5.2: text block 156 × 225 mm, top margin 37 mm, left 28 mm; 22 lines of 28 characters.
PAGE_W, PAGE_H = A4
LEFT, TOP = 28 * mm, 37 * mm
BLOCK_W, BLOCK_H = 156 * mm, 225 * mm
CHAR = BLOCK_W / 28  # ≈15.8 pt: a 3号 (16 pt) face, 28 to a line
LEADING = BLOCK_H / 22  # ≈29 pt
TITLE_SIZE = 22  # 2号 小标宋
PAGE_NUMBER_SIZE = 14  # 4号, 7 mm below the text block (7.5)
SEAL_LINES = 2  # blank lines above the signature; the seal sits over the name and the date (7.3.5.1)

# GB/T 15834-2011 4.x: full-width marks never start a line; reportlab's table lacks ，；：！？”》 so it
# hangs them at the line's end instead.
_NO_LINE_START = "，；：！？”》、。）"


@cache
def _styles() -> dict[str, ParagraphStyle]:
    title, body = register(TITLE), register(BODY)
    for module in (textsplit, rl_paragraph):  # each keeps its own copy of the table
        module.ALL_CANNOT_START += "".join(c for c in _NO_LINE_START if c not in module.ALL_CANNOT_START)
    base = ParagraphStyle("body", fontName=body, fontSize=CHAR, leading=LEADING, wordWrap="CJK")
    return {
        "title": ParagraphStyle("title", base, fontName=title, fontSize=TITLE_SIZE, leading=TITLE_SIZE * 1.5,
                                 alignment=TA_CENTER, spaceAfter=LEADING / 2),
        "number": ParagraphStyle("number", base, alignment=TA_RIGHT),
        "to": base,
        "plain": base,
        "note": base,
        "para": ParagraphStyle("para", base, firstLineIndent=2 * CHAR),
        "date": ParagraphStyle("date", base, alignment=TA_RIGHT, rightIndent=4 * CHAR),
        "cell": ParagraphStyle("cell", base, alignment=TA_LEFT),
    }


def _signature(sign: str, day: str, styles) -> list:
    """GB/T 9704 7.3.5.1: the date right-aligned 4 characters in, the agency name centred over it."""
    name_w = stringWidth(sign, styles["date"].fontName, CHAR)
    date_w = stringWidth(day, styles["date"].fontName, CHAR)
    indent = max(0, 4 * CHAR + (date_w - name_w) / 2)
    sign_style = ParagraphStyle("sign", styles["date"], rightIndent=indent)
    return [Spacer(1, SEAL_LINES * LEADING), Paragraph(escape(sign), sign_style), Paragraph(escape(day), styles["date"])]


def _rows(rows: list, styles) -> Table:
    cell = styles["cell"]
    data = [[Paragraph(escape(c), cell) for c in r.cells] for r in rows]
    table = Table(data, colWidths=[BLOCK_W * 0.3, BLOCK_W * 0.7])
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.75, "black"), ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
    return table


def _flowables(blocks, styles) -> list:
    story, rows, i = [], [], 0
    while i < len(blocks):
        b = blocks[i]
        if b.style == "row":
            rows.append(b)
            i += 1
            continue
        if rows:
            story.append(_rows(rows, styles))
            rows = []
        if b.style == "sign" and i + 1 < len(blocks) and blocks[i + 1].style == "date":
            tail = _signature(b.text, blocks[i + 1].text, styles)
            tail += [Paragraph(escape(x.text), styles[x.style]) for x in blocks[i + 2:] if x.style == "note"]
            story.append(KeepTogether(tail))  # the seal never lands on a page apart from the text it closes
            i += 2 + sum(1 for x in blocks[i + 2:] if x.style == "note")
            continue
        story.append(Paragraph(escape(b.text), styles.get(b.style, styles["para"])))
        i += 1
    if rows:
        story.append(_rows(rows, styles))
    return story


def _page_number(canvas, doc) -> None:
    """GB/T 9704 7.5: "— 1 —", odd pages right, even pages left, one character in from the block's edge."""
    text = f"— {doc.page} —"
    canvas.saveState()
    canvas.setFont(register(TITLE), PAGE_NUMBER_SIZE)
    y = PAGE_H - TOP - BLOCK_H - 7 * mm - PAGE_NUMBER_SIZE * 0.8
    if doc.page % 2:
        canvas.drawRightString(LEFT + BLOCK_W - CHAR, y, text)
    else:
        canvas.drawString(LEFT + CHAR, y, text)
    canvas.restoreState()


def layout_pdf(blocks) -> bytes:
    """The PDF bytes of a laid-out document."""
    out = BytesIO()
    doc = BaseDocTemplate(
        out,
        pagesize=A4,
        title=blocks[0].text if blocks else "",
        author="",
        creator="Gongkai",
        initialFontName=register(BODY),  # else the canvas starts in Helvetica, a font never embedded
        invariant=1,  # same input, same bytes: goldens and archives stay stable
    )
    # No frame padding: the text block is exactly 156 × 225 mm, so 28 characters fill a line.
    frame = Frame(LEFT, PAGE_H - TOP - BLOCK_H, BLOCK_W, BLOCK_H, leftPadding=0, rightPadding=0,
                  topPadding=0, bottomPadding=0)
    doc.addPageTemplates([PageTemplate("a4", frames=[frame], onPage=_page_number)])
    doc.build(_flowables(blocks, _styles()))
    return out.getvalue()
