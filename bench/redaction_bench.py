"""Redaction time for 100 pages (a text PDF and a scan) next to the time to just copy the file, and the candidates
compared on what they actually remove (docs/redaction.md).

    python -m bench.redaction_bench            # PyMuPDF (the engine Gongkai uses) against a plain copy
    python -m bench.redaction_bench --compare  # also pikepdf and pypdf, removing text-showing operators by hand

The text PDF is set in the project's CJK face with the numbers in Helvetica (tests/redaction_pdfs.py): every page
carries a name (CJK), an ID number and a phone number, all three marked. The scan is 100 full-page images with a
region marked on each page. "survives" lists what pdftotext still finds in the output.
"""

import io
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from models.redaction import Ground, MarkKind, MarkSpec
from notices.redaction import redact
from tests import redaction_pdfs as P

PAGES = 100
SECRETS = {"姓名": P.NAME, "身份证号": P.ID_NUMBER, "手机号": P.PHONE}


def _timed(fn) -> tuple[float, object]:
    """CPU seconds of this process: on a shared machine the wall clock measures the neighbours as well."""
    start = time.process_time()
    result = fn()
    return time.process_time() - start, result


def _copy(content: bytes) -> float:
    with tempfile.TemporaryDirectory() as folder:
        source, target = Path(folder) / "source.pdf", Path(folder) / "copy.pdf"
        source.write_bytes(content)
        start = time.perf_counter()  # a copy waits on the disk, not the CPU: its wall time
        shutil.copyfile(source, target)
        return time.perf_counter() - start


def _survives(content: bytes) -> str:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(content)
        f.flush()
        text = subprocess.run(["pdftotext", f.name, "-"], capture_output=True, text=True, check=True).stdout
    left = [label for label, value in SECRETS.items() if value in text]
    return "、".join(left) or "无"


def _pikepdf_drop_text(content: bytes) -> bytes:
    """pikepdf/qpdf: drop every text-showing operator whose raw string holds a marked value, then the Info dict.
    It sees the bytes a font encodes, not text: it finds ASCII in a simple font, never a CJK subset's glyph ids."""
    import pikepdf

    needles = [v.encode() for v in SECRETS.values()]
    with pikepdf.open(io.BytesIO(content)) as pdf:
        for page in pdf.pages:
            kept = []
            for operands, operator in pikepdf.parse_content_stream(page):
                if str(operator) in ("Tj", "TJ", "'", '"'):
                    raw = b"".join(bytes(o) for o in operands if isinstance(o, pikepdf.String))
                    raw += b"".join(bytes(x) for o in operands if isinstance(o, pikepdf.Array)
                                    for x in o if isinstance(x, pikepdf.String))
                    if any(n in raw for n in needles):
                        continue
                kept.append((operands, operator))
            page.obj.Contents = pdf.make_stream(pikepdf.unparse_content_stream(kept))
        if "/Info" in pdf.trailer:
            del pdf.trailer["/Info"]
        out = io.BytesIO()
        pdf.save(out, compress_streams=True)
        return out.getvalue()


def _pypdf_drop_text(content: bytes) -> bytes:
    """pypdf: the same by hand (pypdf has no redaction of its own), metadata left out of the new file."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import ContentStream, NameObject

    needles = [v.encode() for v in SECRETS.values()]
    reader = PdfReader(io.BytesIO(content))
    writer = PdfWriter()
    for page in reader.pages:
        stream = ContentStream(page.get_contents(), reader)
        ops = []
        for operands, operator in stream.operations:
            if operator in (b"Tj", b"TJ"):
                raw = b"".join(o.original_bytes if hasattr(o, "original_bytes") else b"" for o in operands)
                if any(n in raw for n in needles):
                    continue
            ops.append((operands, operator))
        stream.operations = ops
        page[NameObject("/Contents")] = writer._add_object(stream)
        writer.add_page(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def main(compare: bool = False) -> None:
    text_pdf, scan_pdf = P.text_pdf(PAGES), P.scan_pdf(PAGES)
    phrases = [MarkSpec(n, MarkKind.phrase, Ground.personal_info.code, phrase=v)
               for n, v in enumerate(SECRETS.values(), start=1)]
    regions = [MarkSpec(n, MarkKind.region, Ground.personal_info.code, page=n, rect=P.line_rect("id"))
               for n in range(1, PAGES + 1)]
    rows = []
    for name, content, marks in (("文字 PDF", text_pdf, phrases), ("扫描件", scan_pdf, regions)):
        copy = _copy(content)
        seconds, released = _timed(lambda: redact(content, "application/pdf", marks))  # noqa: B023
        rows.append((name, "PyMuPDF apply_redactions", len(content), seconds, copy, _survives(released.content)))
        if compare and content is text_pdf:
            for label, fn in (("pikepdf 手工删文字操作符", _pikepdf_drop_text), ("pypdf 手工删文字操作符", _pypdf_drop_text)):
                seconds, out = _timed(lambda: fn(content))  # noqa: B023
                rows.append((name, label, len(content), seconds, copy, _survives(out)))
        if compare and content is scan_pdf:
            rows.append((name, "pikepdf / pypdf", len(content), float("nan"), copy, "不能清除图像像素（需自行解码图像）"))
    print(f"{PAGES} 页，{sys.platform}，Python {sys.version.split()[0]}")
    print(f"{'文件':<8}{'方法':<26}{'大小':>10}{'处理CPU':>10}{'复制':>10}{'倍数':>9}  仍可提取")
    for name, label, size, seconds, copy, left in rows:
        ratio = seconds / copy if copy else float("inf")
        print(f"{name:<8}{label:<26}{size / 1024 / 1024:>8.1f}MB{seconds:>9.2f}s{copy * 1000:>8.2f}ms{ratio:>9.0f}×  {left}")


if __name__ == "__main__":
    main(compare="--compare" in sys.argv)
