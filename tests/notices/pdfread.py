"""Reading a PDF back as a reader sees it: text lines with their positions (poppler's pdftotext -bbox-layout),
images with their placement (the page content streams), and the document information (pdfinfo)."""

import re
import subprocess
import tempfile
import zlib
from dataclasses import dataclass
from html import unescape
from pathlib import Path


@dataclass(frozen=True)
class TextLine:
    page: int  # from 1
    text: str
    x0: float  # points from the left edge
    y0: float  # points from the top edge
    x1: float
    y1: float

    @property
    def height(self) -> float:
        return self.y1 - self.y0


@dataclass(frozen=True)
class Placed:
    """An image drawn on a page, in points from the page's top-left corner (like TextLine)."""

    page: int
    x0: float
    y0: float
    x1: float
    y1: float


def _file(pdf: bytes) -> Path:
    f = tempfile.NamedTemporaryFile(suffix=".pdf", delete=False)
    f.write(pdf)
    f.close()
    return Path(f.name)


def lines(pdf: bytes) -> list[TextLine]:
    path = _file(pdf)
    try:
        xml = subprocess.run(["pdftotext", "-bbox-layout", str(path), "-"], check=True, capture_output=True,
                             text=True).stdout
    finally:
        path.unlink()
    found = []
    for number, page in enumerate(re.findall(r"<page .*?</page>", xml, re.S), start=1):
        for attrs, body in re.findall(r"<line ([^>]*)>(.*?)</line>", page, re.S):
            box = {k: float(v) for k, v in re.findall(r'(\w+)="([\d.\-]+)"', attrs)}
            words = [unescape(w) for w in re.findall(r"<word [^>]*>(.*?)</word>", body, re.S)]
            found.append(TextLine(number, "".join(words), box["xMin"], box["yMin"], box["xMax"], box["yMax"]))
    return _merged(sorted(found, key=lambda t: (t.page, round(t.y0), t.x0)))


def _merged(found: list[TextLine]) -> list[TextLine]:
    """pdftotext cuts a line at a wide gap (a row of ideographic spaces); a line is what shares a baseline."""
    out: list[TextLine] = []
    for t in found:
        last = out[-1] if out else None
        if last and last.page == t.page and abs(last.y0 - t.y0) < 1 and abs(last.y1 - t.y1) < 1:
            out[-1] = TextLine(t.page, last.text + t.text, last.x0, min(last.y0, t.y0), t.x1, max(last.y1, t.y1))
        else:
            out.append(t)
    return out


def info(pdf: bytes) -> dict[str, str]:
    path = _file(pdf)
    try:
        out = subprocess.run(["pdfinfo", "-isodates", str(path)], check=True, capture_output=True, text=True).stdout
    finally:
        path.unlink()
    return {k.strip(): v.strip() for k, _, v in (line.partition(":") for line in out.splitlines())}


_TOKEN = re.compile(rb"\((?:\\.|[^\\)])*\)|<[0-9A-Fa-f\s]*>|\[|\]|/[^\s/\[\]()<>]+|[+\-]?(?:\d+\.?\d*|\.\d+)|[A-Za-z'\"*]+",
                    re.S)


def _times(m, n):
    a, b, c, d, e, f = m
    A, B, C, D, E, F = n
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F)


def images(pdf: bytes, page_height: float) -> list[Placed]:
    """Where each image lands on its page: the content streams read with their q/Q/cm graphics state."""
    placed, page = [], 0
    for match in re.finditer(rb"stream\r?\n(.*?)endstream", pdf, re.S):
        try:
            data = zlib.decompressobj().decompress(match.group(1))
        except zlib.error:
            continue
        if b" Tf" not in data:
            continue  # a font, an image or an XObject, not a page's content
        page += 1
        ctm, stack, operands = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0), [], []
        for token in _TOKEN.findall(data):
            if token[:1].isalpha() or token[:1] in b"'\"*":
                if token == b"q":
                    stack.append(ctm)
                elif token == b"Q":
                    ctm = stack.pop()
                elif token == b"cm" and len(operands) >= 6:
                    ctm = _times(tuple(float(x) for x in operands[-6:]), ctm)
                elif token == b"Do":  # the unit square through the current matrix
                    a, _b, _c, d, e, f = ctm
                    placed.append(Placed(page, e, page_height - f - d, e + a, page_height - f))
                operands = []
            else:
                operands.append(token)
    return placed
