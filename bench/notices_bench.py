"""Notices per second with embedded fonts, next to a bare reportlab page in the same font (target ≥ 0.6×)."""

import time
from io import BytesIO

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from models.outcomes import Outcome
from notices.fonts import BODY, TITLE, register
from notices.pdf import CHAR, LEADING, LEFT, PAGE_H, TOP
from notices.render import DocumentKind, render_pdf, render_text
from tests.notices import factories

SECONDS = 3.0


def _rate(fn) -> float:
    fn()  # warm up: font registration and template compilation happen once per process
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < SECONDS:
        fn()
        n += 1
    return n / (time.perf_counter() - start)


def bare_page(lines: list[str]) -> bytes:
    """The same characters drawn line by line on one canvas page: no templates, no layout engine."""
    out = BytesIO()
    canvas = Canvas(out, pagesize=A4, invariant=1, initialFontName=register(BODY))
    canvas.setFont(register(TITLE), 22)
    canvas.drawCentredString(A4[0] / 2, PAGE_H - TOP, lines[0])
    canvas.setFont(register(BODY), CHAR)
    y = PAGE_H - TOP - 2 * LEADING
    for line in lines[1:]:
        canvas.drawString(LEFT, y, line)
        y -= LEADING
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def main() -> None:
    ctx = factories.reply(Outcome.third_party)
    text = render_text(DocumentKind.reply, ctx)
    lines = [chunk[i : i + 28] for chunk in text.splitlines() for i in range(0, max(len(chunk), 1), 28)]
    notices = _rate(lambda: render_pdf(DocumentKind.reply, ctx))
    bare = _rate(lambda: bare_page(lines))
    size = len(render_pdf(DocumentKind.reply, ctx))
    print(f"notice (template + check + layout + embedded subset): {notices:7.1f} /s, {size / 1024:.1f} KiB")
    print(f"bare reportlab page, same fonts, same characters:    {bare:7.1f} /s")
    print(f"ratio: {notices / bare:.2f}× (target ≥ 0.6×)")


if __name__ == "__main__":
    main()
