"""Lay out a document's blocks on A4 after GB/T 9704-2012 (党政机关公文格式), with the fonts embedded.

    page, type area     A4; 天头 37 mm, 订口 28 mm; 版心 156 × 225 mm: 22 lines of 28 characters (5.2)
    title               2号 (22 pt) 小标宋 face, centred (7.3.1); the 文号 right-aligned under it, as letters
                        (信函格式, 10.1) place it; one blank line, then the addressee flush left (7.3.2)
    body                3号 (≈15.8 pt so 28 fill a line) 仿宋 face, paragraphs indented two characters,
                        lines justified to the block's edge (7.3.3)
    落款                two lines left for the seal, the agency's name centred over the date, the date 4
                        characters in from the right (7.3.5.1); the seal over both, its top within one line of
                        the text; the 附注 (contact) under the date, 2 characters in (7.3.6)
    keep together       the 落款 never stands on a page without text: the last lines of the body move with it
                        (7.3.5.5 allows moving lines and spacing; here at least KEEP_LINES lines travel)
    page numbers        "— 1 —", 4号 Song digits, 7 mm under the block; odd pages right, even pages left,
                        one character in (7.5)
    line breaking       GB/T 15834-2011 禁则: closing marks never start a line, opening marks never end one;
                        the character before moves down with the mark instead; Latin and digit runs stay whole

Lines are broken here, not by reportlab's wrapper, so the rules above hold for every line the tests read.
"""

import re
from dataclasses import dataclass
from datetime import datetime, time
from functools import cache, lru_cache, partial
from io import BytesIO
from pathlib import Path
from zoneinfo import ZoneInfo

from reportlab import rl_config
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import getFont, stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate, Spacer, Table, TableStyle

from notices.fonts import fonts_in_use

# Streams are zlib-compressed binary, without reportlab's default ASCII85 layer: 20 % smaller, and without the
# C accelerator (rl_accel) its pure-Python encoder cost more than the layout itself.
rl_config.useA85 = 0


def _remember_numbers() -> None:
    """reportlab formats every number of a PDF (a font subset's 256 widths, each coordinate) with the pure-Python
    fp_str when its C accelerator (the rl-accel package) is absent: ≈ a third of a notice's rendering. The same
    numbers recur in every notice (the widths of the same glyphs, the same line positions), so a single number's
    text is remembered: the same function, the same bytes."""
    from reportlab.pdfbase import pdfdoc
    from reportlab.pdfgen import canvas, textobject

    plain = pdfdoc.fp_str

    @lru_cache(maxsize=8192)
    def number(x) -> str:
        return plain(x)

    @lru_cache(maxsize=8192)
    def numbers(a: tuple) -> str:
        return plain(*a)

    def fp_str(*a):
        if len(a) == 1:
            if type(a[0]) in (int, float):
                return number(a[0])
        elif all(type(x) in (int, float) for x in a):
            return numbers(a)
        return plain(*a)

    for module in (pdfdoc, canvas, textobject):
        if module.fp_str is plain:
            module.fp_str = fp_str


_remember_numbers()

SHANGHAI = ZoneInfo("Asia/Shanghai")
PAGE_W, PAGE_H = A4
LEFT, TOP = 28 * mm, 37 * mm
BLOCK_W, BLOCK_H = 156 * mm, 225 * mm
CHAR = BLOCK_W / 28  # ≈15.8 pt: a 3号 (16 pt) face, 28 to a line
LEADING = BLOCK_H / 22  # ≈29 pt: 22 lines to the block
TITLE_SIZE = 22  # 2号
PAGE_NUMBER_SIZE = 14  # 4号
SEAL_LINES = 2  # blank lines between the text and the agency's name: the seal's upper half (7.3.5.1)
SEAL_SIZE = 42 * mm  # the usual diameter of a district government's or a department's seal
KEEP_LINES = 2  # lines of the body that always share the 落款's page
IMAGE_SIZE = 30 * mm  # a payment QR code
SQUEEZE = 0.88  # the closest line spacing a one-page document may take to stay on its page (7.3.5.5)

# GB/T 15834-2011 4.x and the usual 禁则 of Chinese typesetting.
NO_LINE_START = frozenset("，。、；：？！）》」』】〕〉”’…·%,.;:?!)]}")
NO_LINE_END = frozenset("（《「『【〔〈“‘([{")
_TOKEN = re.compile(r"[A-Za-z0-9@#&+\-_./:%]+|.", re.S)
LONG_GAP = 3  # characters: a Latin or digit run that would leave more than this at a line's end is split instead


@dataclass(frozen=True)
class Style:
    font: str
    size: float = CHAR
    leading: float = LEADING
    first_indent: float = 0.0
    align: str = "justify"  # justify | left | right | center


@dataclass(frozen=True)
class Line:
    text: str
    x: float  # from the left edge of the flowable
    char_space: float  # extra space after each character, to justify


@cache
def _advances(font: str) -> tuple[dict[int, float], float]:
    face = getFont(font).face
    return face.charWidths, face.defaultWidth


def width_of(text: str, font: str, size: float) -> float:
    """stringWidth without its per-call lookups: break_lines measures every token of every paragraph."""
    widths, default = _advances(font)
    return sum(widths.get(ord(c), default) for c in text) * size / 1000


def break_lines(text: str, style: Style, width: float) -> list[Line]:
    """Greedy CJK line breaking with the 禁则 above; every line but the last is justified."""
    tokens = _TOKEN.findall(text) or [""]
    widths = [width_of(t, style.font, style.size) for t in tokens]
    spans, i = [], 0
    while i < len(tokens):
        avail = width - (style.first_indent if not spans else 0)
        j, used = i, 0.0
        while j < len(tokens) and used + widths[j] <= avail + 0.01:
            used += widths[j]
            j += 1
        if j < len(tokens) and len(tokens[j]) > 1 and (j == i or avail - used > LONG_GAP * style.size):
            # a run wider than the line, or one that would leave a wide gap (an account number): split it
            head, tail = _fit(tokens[j], style, avail - used)
            tokens[j:j + 1] = [head, tail]
            widths[j:j + 1] = [width_of(head, style.font, style.size), width_of(tail, style.font, style.size)]
            used += widths[j]
            j += 1
        elif j < len(tokens):
            def bad(k):
                return tokens[k][0] in NO_LINE_START or tokens[k - 1][-1] in NO_LINE_END

            k = j
            while k > i + 1 and bad(k):
                k -= 1  # the previous character goes down with the mark
            if not bad(k):
                j = k
            else:  # a line of nothing but marks: let the closing marks hang past the edge instead
                while j < len(tokens) and tokens[j][0] in NO_LINE_START:
                    j += 1
        spans.append((i, j, avail))
        i = j
    lines = []
    for n, (a, b, avail) in enumerate(spans):
        chunk = "".join(tokens[a:b])
        natural = sum(widths[a:b])
        indent = width - avail
        last = n == len(spans) - 1
        if style.align == "justify" and not last and len(chunk) > 1:
            lines.append(Line(chunk, indent, (avail - natural) / (len(chunk) - 1)))
        elif style.align == "right":
            lines.append(Line(chunk, width - natural, 0.0))
        elif style.align == "center":
            lines.append(Line(chunk, (width - natural) / 2, 0.0))
        else:
            lines.append(Line(chunk, indent, 0.0))
    return lines


def _fit(token: str, style: Style, avail: float) -> tuple[str, str]:
    for cut in range(len(token) - 1, 0, -1):
        if token[cut] not in NO_LINE_START and width_of(token[:cut], style.font, style.size) <= avail:
            return token[:cut], token[cut:]
    return token[:1], token[1:]


class Para(Flowable):
    """A paragraph broken into lines by break_lines; splits between lines."""

    def __init__(self, text: str, style: Style, lines: list[Line] | None = None):
        super().__init__()
        self.text, self.style, self.lines = text, style, lines
        self._width = None

    def wrap(self, aw, ah):
        if self.lines is None or (self._width is not None and abs(self._width - aw) > 0.01):
            self.lines = break_lines(self.text, self.style, aw)
            self._width = aw
        self.width, self.height = aw, len(self.lines) * self.style.leading
        return self.width, self.height

    def split(self, aw, ah):
        self.wrap(aw, ah)
        fit = int((ah + 0.01) // self.style.leading)
        if fit <= 0:
            return []
        if fit >= len(self.lines):
            return [self]
        return self.split_at(fit, aw)

    def split_at(self, n: int, aw: float) -> list["Para"]:
        head, tail = Para(self.text, self.style, self.lines[:n]), Para(self.text, self.style, self.lines[n:])
        head._width = tail._width = aw
        return [head, tail]

    def draw(self):
        draw_lines(self.canv, self.lines, self.style, top=self.height)


def draw_lines(canvas, lines: list[Line], style: Style, *, top: float) -> None:
    """Each line's glyph box centred in its line: the baseline sits 0.88 of the size under the box's top."""
    baseline = (style.leading - style.size) / 2 + 0.88 * style.size
    text = canvas.beginText(0, top - baseline)
    text.setFont(style.font, style.size)
    x, spacing = 0.0, 0.0
    for n, line in enumerate(lines):
        if n:
            text.moveCursor(line.x - x, style.leading)  # relative moves: fewer numbers to format than Tm
        else:
            text.moveCursor(line.x, 0)
        x = line.x
        if line.char_space != spacing:
            text.setCharSpace(line.char_space)
            spacing = line.char_space
        text.textOut(line.text)
    canvas.drawText(text)


class Signature(Flowable):
    """发文机关署名 and 成文日期 under SEAL_LINES blank lines, with the seal image over both when there is one."""

    def __init__(self, name: str, day: str, seal: Path | None, style: Style):
        super().__init__()
        self.name, self.day, self.seal, self.style = name, day, seal, style

    def wrap(self, aw, ah):
        self.width, self.height = aw, (SEAL_LINES + 2) * self.style.leading
        return self.width, self.height

    def draw(self):
        s = self.style
        date_w = stringWidth(self.day, s.font, s.size)
        date_x = self.width - 4 * CHAR - date_w  # 成文日期右空四字
        centre = date_x + date_w / 2  # the name is centred over the date
        name_w = stringWidth(self.name, s.font, s.size)
        name_x = min(centre - name_w / 2, self.width - name_w)
        draw_lines(self.canv, [Line(self.name, name_x, 0), Line(self.day, date_x, 0)], s,
                   top=self.height - SEAL_LINES * s.leading)
        if self.seal is not None:
            # the name and the date sit just under the seal's centre; its top lands within one line of the text
            mid_y = self.height - (SEAL_LINES + 1) * s.leading + 0.25 * s.leading
            w, h = _image_size(self.seal, SEAL_SIZE)
            self.canv.saveState()
            self.canv.setBlendMode("Multiply")  # as ink on paper: the black text under the red stays black
            self.canv.drawImage(str(self.seal), centre - w / 2, mid_y - h / 2, w, h, mask="auto")
            self.canv.restoreState()


class Closing(Flowable):
    """The last lines of the body, the 落款 and its notes: one unit that moves lines rather than part."""

    def __init__(self, body: Flowable | None, tail: list[Flowable]):
        super().__init__()
        self.body, self.tail = body, tail

    def _parts(self):
        return ([self.body] if self.body is not None else []) + self.tail

    def wrap(self, aw, ah):
        self._heights = [f.wrap(aw, ah)[1] for f in self._parts()]
        self.width, self.height = aw, sum(self._heights)
        return self.width, self.height

    def split(self, aw, ah):
        self.wrap(aw, ah)
        if self.height <= ah + 0.01:
            return [self]
        if not isinstance(self.body, Para):
            return []  # a table or nothing above: the whole unit goes to the next page
        lines = len(self.body.lines)
        stay = min(int((ah + 0.01) // self.body.style.leading), lines - KEEP_LINES)
        if stay <= 0:
            return []
        head, tail = self.body.split_at(stay, aw)
        return [head, Closing(tail, self.tail)]

    def draw(self):
        y = self.height
        for f, h in zip(self._parts(), self._heights):
            y -= h
            f.drawOn(self.canv, 0, y)


class Picture(Flowable):
    """An image from an agency's settings (a payment QR code), indented two characters."""

    def __init__(self, path: Path, size: float = IMAGE_SIZE):
        super().__init__()
        self.path, self.size = path, size

    def wrap(self, aw, ah):
        self.img_w, self.img_h = _image_size(self.path, self.size)
        self.width, self.height = aw, self.img_h + LEADING / 2
        return self.width, self.height

    def draw(self):
        self.canv.drawImage(str(self.path), 2 * CHAR, LEADING / 4, self.img_w, self.img_h, mask="auto")


def _image_size(path: Path, size: float) -> tuple[float, float]:
    from reportlab.lib.utils import ImageReader

    w, h = ImageReader(str(path)).getSize()
    return (size, size * h / w) if w >= h else (size * w / h, size)


@cache
def _styles(title: str, body: str, leading: float = LEADING) -> dict[str, Style]:
    return {
        "title": Style(title, TITLE_SIZE, leading * 1.25, align="center"),
        "number": Style(body, leading=leading, align="right"),
        "to": Style(body, leading=leading, align="left"),
        "plain": Style(body, leading=leading),
        "para": Style(body, leading=leading, first_indent=2 * CHAR),
        "note": Style(body, leading=leading, first_indent=2 * CHAR),  # 附注: 居左空二字 (7.3.6)
        "sign": Style(body, leading=leading, align="left"),
        "cell": Style(body, leading=leading * 0.8, align="left"),
    }


def _rows(rows: list, styles) -> Table:
    data = [[Para(c, styles["cell"]) for c in r.cells] for r in rows]
    table = Table(data, colWidths=[BLOCK_W * 0.3, BLOCK_W * 0.7])
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.75, "black"), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                               ("TOPPADDING", (0, 0), (-1, -1), 4), ("BOTTOMPADDING", (0, 0), (-1, -1), 4)]))
    return table


@dataclass(frozen=True)
class Meta:
    """What every PDF says about itself: its title, who made it, when, under which number."""

    title: str
    author: str  # the issuing agency
    created: datetime  # the true moment the document was made (aware)
    subject: str = ""  # the 文号
    seal: Path | None = None  # the agency's seal image, when it has one


def _flowables(blocks, styles, meta: Meta) -> list:
    story, rows, i = [], [], 0

    def flush_rows():
        if rows:
            story.append(_rows(list(rows), styles))
            rows.clear()

    while i < len(blocks):
        b = blocks[i]
        if b.style == "row":
            rows.append(b)
            i += 1
            continue
        flush_rows()
        if b.style == "sign" and i + 1 < len(blocks) and blocks[i + 1].style == "date":
            notes = []
            j = i + 2
            while j < len(blocks) and blocks[j].style == "note":
                notes.append(Para(blocks[j].text, styles["note"]))
                j += 1
            last = story.pop() if story and isinstance(story[-1], (Para, Table)) else None
            story.append(Closing(last, [Signature(b.text, blocks[i + 1].text, meta.seal, styles["sign"]), *notes]))
            i = j
            continue
        if b.style == "image":
            story.append(Picture(Path(b.cells[0])))
        else:
            story.append(Para(b.text, styles.get(b.style, styles["para"])))
            if b.style == "number" or (b.style == "title" and not (i + 1 < len(blocks) and blocks[i + 1].style == "number")):
                story.append(Spacer(1, styles["to"].leading))  # 主送机关: 标题下空一行 (7.3.2)
        i += 1
    flush_rows()
    return story


def _page_number(canvas, doc, *, font: str) -> None:
    """GB/T 9704 7.5: "— 1 —", odd pages right, even pages left, one character in; the dashes 7 mm under the block."""
    text = f"— {doc.page} —"
    canvas.saveState()
    canvas.setFont(font, PAGE_NUMBER_SIZE)
    y = PAGE_H - TOP - BLOCK_H - 7 * mm - 0.3 * PAGE_NUMBER_SIZE  # the dash sits ≈0.3 em above the baseline
    if doc.page % 2:
        canvas.drawRightString(LEFT + BLOCK_W - CHAR, y, text)
    else:
        canvas.drawString(LEFT + CHAR, y, text)
    canvas.restoreState()


class _Stamp:
    """reportlab's TimeStamp, at a given moment instead of now (or 2000-01-01 in invariant mode)."""

    def __init__(self, moment: datetime):
        offset = int(moment.utcoffset().total_seconds())
        self.t = moment.timestamp()
        self.YMDhms = moment.timetuple()[:6]
        self.lt = moment.timetuple()
        self.dhh, self.dmm = offset // 3600, (offset % 3600) // 60
        self.tzname = moment.tzname()


class _Canvas(Canvas):
    def __init__(self, *args, created: datetime, **kwargs):
        super().__init__(*args, **kwargs)
        self._doc._timeStamp = _Stamp(created)


def start_of(day) -> datetime:
    """A document known only by its date was made that day: midnight in Asia/Shanghai."""
    return datetime.combine(day, time(0), SHANGHAI)


def layout_pdf(blocks, meta: Meta) -> bytes:
    """The PDF bytes of a laid-out document: same blocks and meta, same bytes."""
    title_font, body_font = fonts_in_use()
    out = BytesIO()
    doc = BaseDocTemplate(
        out,
        pagesize=A4,
        title=meta.title,
        author=meta.author,
        subject=meta.subject,
        creator="Gongkai",
        lang="zh-CN",
        initialFontName=body_font,  # else the canvas starts in Helvetica, a font never embedded
        invariant=1,  # no clock, no random id: the creation date is meta.created
    )
    # No frame padding: the text block is exactly 156 × 225 mm, so 28 characters fill a line.
    frame = Frame(LEFT, PAGE_H - TOP - BLOCK_H, BLOCK_W, BLOCK_H, leftPadding=0, rightPadding=0,
                  topPadding=0, bottomPadding=0)
    doc.addPageTemplates([PageTemplate("a4", frames=[frame], onPage=partial(_page_number, font=body_font))])
    created = meta.created if meta.created.tzinfo else meta.created.replace(tzinfo=SHANGHAI)
    doc.build(_story(blocks, meta, title_font, body_font), canvasmaker=partial(_Canvas, created=created.astimezone(SHANGHAI)))
    return out.getvalue()


def _story(blocks, meta: Meta, title_font: str, body_font: str) -> list:
    """GB/T 9704 7.3.5.5: a document that overflows one page by a few lines closes up its line spacing (to at
    most SQUEEZE of the standard) and stays on one page, rather than carry its last lines and 落款 overleaf."""
    story = _flowables(blocks, _styles(title_font, body_font), meta)
    need = sum(f.wrap(BLOCK_W, BLOCK_H)[1] for f in story)
    if BLOCK_H < need <= BLOCK_H / SQUEEZE:
        return _flowables(blocks, _styles(title_font, body_font, LEADING * (BLOCK_H - 1) / need), meta)
    return story
