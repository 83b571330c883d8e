"""Notices per second, unsigned and signed (PAdES), beside a bare reportlab page in the same fonts.

Targets: a notice renders at ≥ 0.6× a bare page; signing a reply costs ≤ 2× rendering it unsigned.
The signing key is a throwaway self-signed RSA-2048 demo key made for the run.
"""

import tempfile
import time
from datetime import datetime
from io import BytesIO
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from models.outcomes import Outcome
from notices.fonts import fonts_in_use
from notices.pdf import CHAR, LEADING, LEFT, PAGE_H, TOP
from notices.render import DocumentKind, render_pdf, render_text
from notices.signing import make_demo_certificate, sign_pdf
from models.tables import SHANGHAI
from tests.notices import factories

SECONDS = 3.0
ROUNDS = 3  # the three measures take turns, so a busy machine slows them alike


def _rate(fn, seconds: float) -> float:
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        fn()
        n += 1
    return n / (time.perf_counter() - start)


def bare_page(lines: list[str]) -> bytes:
    """The same characters drawn line by line on one canvas page: no templates, no layout engine."""
    title, body = fonts_in_use()
    out = BytesIO()
    canvas = Canvas(out, pagesize=A4, invariant=1, initialFontName=body)
    canvas.setFont(title, 22)
    canvas.drawCentredString(A4[0] / 2, PAGE_H - TOP, lines[0])
    canvas.setFont(body, CHAR)
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
    creds = make_demo_certificate(Path(tempfile.mkdtemp(prefix="gongkai-bench-")), agency_name=ctx.issue.agency.name,
                                  now=datetime.now(SHANGHAI))

    def unsigned():
        return render_pdf(DocumentKind.reply, ctx)

    def signed():
        return sign_pdf(unsigned(), creds, name=ctx.issue.agency.name, reason="签发答复书", location="杭州")

    for fn in (unsigned, signed, lambda: bare_page(lines)):
        fn()  # warm up: font registration, template compilation and the key are loaded once per process
    rates = {"unsigned": [], "signed": [], "bare": []}
    for _ in range(ROUNDS):
        rates["unsigned"].append(_rate(unsigned, SECONDS / ROUNDS))
        rates["signed"].append(_rate(signed, SECONDS / ROUNDS))
        rates["bare"].append(_rate(lambda: bare_page(lines), SECONDS / ROUNDS))
    plain, sealed, bare = (sum(r) / len(r) for r in (rates["unsigned"], rates["signed"], rates["bare"]))
    size_plain, size_signed = len(unsigned()), len(signed())
    print(f"reply, unsigned (template + check + layout + embedded subset): {plain:7.1f} /s, {size_plain / 1024:.1f} KiB")
    print(f"reply, signed (the same + PAdES signature, pyHanko):           {sealed:7.1f} /s, {size_signed / 1024:.1f} KiB")
    print(f"bare reportlab page, same fonts, same characters:              {bare:7.1f} /s")
    print(f"unsigned vs bare page: {plain / bare:.2f}× (target ≥ 0.6×)")
    print(f"signing cost: a signed reply takes {plain / sealed:.2f}× the time of an unsigned one (target ≤ 2×)")


if __name__ == "__main__":
    main()
