"""Real-looking source documents for the redaction tests and the bench: a text PDF set in the project's CJK face
(numbers in Helvetica, as office software often sets them) and a scan (an image, no text layer)."""

import io
from functools import cache

from PIL import Image, ImageDraw, ImageFont
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from notices.fonts import faces, fonts_in_use

NAME = "李四"  # a third party named in the document
ID_NUMBER = "11010519491231002X"
PHONE = "13812345678"
CARD = "6222020200112233446"  # Luhn-valid
KEPT = "补偿金额合计人民币叁拾万元整"  # un-marked text that must stay
KEPT_NUMBER = "2026-0315"  # an un-marked number that must stay (Helvetica)
WIDTH, HEIGHT = A4  # points
# Where the lines sit, in points from the page's top-left (what the desk's coordinates are)
LINE_TOP = {"title": 80, "name": 120, "id": 150, "phone": 180, "card": 210, "kept": 240, "internal": 300}


def _line(c, key: str, label: str, value: str | None = None, *, body: str) -> None:
    y = HEIGHT - LINE_TOP[key] - 12  # reportlab's baseline, from the bottom
    c.setFont(body, 12)
    c.drawString(72, y, label)
    if value:
        c.setFont("Helvetica", 12)
        c.drawString(72 + 12 * len(label), y, value)


@cache
def text_pdf(pages: int = 1, *, title: str = "征收补偿协议") -> bytes:
    """A compensation agreement naming a third party, with personal numbers; metadata that must not travel."""
    body = fonts_in_use()[1]
    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=A4)
    c.setTitle(f"{title}（内部：经办人王五）")
    c.setAuthor("王五")
    c.setSubject("李四征收补偿")
    for n in range(1, pages + 1):
        _line(c, "title", f"{title}（第{n}页）", body=body)
        _line(c, "name", f"被征收人：{NAME}，编号：", KEPT_NUMBER, body=body)
        _line(c, "id", "身份证号：", ID_NUMBER, body=body)
        _line(c, "phone", "联系电话：", PHONE, body=body)
        _line(c, "card", "收款账号：", CARD, body=body)
        _line(c, "kept", KEPT, body=body)
        _line(c, "internal", "内部意见：拟按上限补偿，请领导定夺", body=body)
        for i in range(20):  # a page of ordinary text, as a real agreement has
            c.setFont(body, 10)
            c.drawString(72, HEIGHT - 340 - 18 * i, f"第{i + 1}条 征收范围内房屋的补偿按照评估价格执行，搬迁奖励按期发放。")
        c.showPage()
    c.save()
    return out.getvalue()


@cache
def scan_png(*, dpi: int = 100, page: int = 1) -> bytes:
    """A scanned page: black text drawn into a white A4 image, no text layer."""
    scale = dpi / 72
    image = Image.new("L", (int(WIDTH * scale), int(HEIGHT * scale)), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(faces()[1].ttf), int(12 * scale))
    for key, text in (("title", f"征收补偿协议（扫描件第{page}页）"), ("name", f"被征收人：{NAME}"), ("id", f"身份证号：{ID_NUMBER}"),
                      ("kept", KEPT)):
        draw.text((72 * scale, LINE_TOP[key] * scale), text, fill=0, font=font)
    out = io.BytesIO()
    image.save(out, format="PNG", dpi=(dpi, dpi))
    return out.getvalue()


@cache
def scan_pdf(pages: int = 1, *, dpi: int = 100) -> bytes:
    """A scanned PDF: each page one full-page image."""
    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=A4)
    for n in range(1, pages + 1):  # each page its own image, as a scanner makes them
        c.drawImage(ImageReader(io.BytesIO(scan_png(dpi=dpi, page=n))), 0, 0, width=WIDTH, height=HEIGHT)
        c.showPage()
    c.save()
    return out.getvalue()


def line_rect(key: str, *, width: float = 360) -> tuple[float, float, float, float]:
    """The rectangle (points from the top-left) covering one line of these documents."""
    top = LINE_TOP[key]
    return (70, top - 2, 72 + width, top + 16)
