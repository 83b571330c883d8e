"""The redaction engine: a source PDF (or a scan) and its marks → the released version, with what was removed where.

PyMuPDF (MuPDF's `apply_redactions`) rewrites the page's content streams: glyphs under a mark are removed from
the text, image pixels under it are blanked in the image data itself, vector graphics wholly under it are
dropped. A black box with the ground's short code is then drawn where the content was. Before that, content
the clerk cannot see is removed: hidden optional-content layers (pikepdf: OFF layers' marked content and
XObjects), annotations, form fields, links, attached and embedded files, JavaScript, invisible text, thumbnails;
metadata (Info and XMP) is emptied and the file rewritten without unused objects. docs/redaction.md compares
the libraries and says why this one (and what its AGPL licence means for a deployment).

Coordinates are PDF points from the top-left of the page as displayed (rotation removed first), the same space
the desk's page images are drawn in (pixel = point × zoom).
"""

import io
from collections.abc import Iterable, Sequence

import pikepdf
import pymupdf

from models.redaction import MarkKind, MarkSpec, Redacted, RedactionFailed

CODE_FONT = "china-s"  # MuPDF's built-in simplified-Chinese face: the ground codes are Chinese
BLACK, WHITE, OUTLINE = (0, 0, 0), (1, 1, 1), (0.85, 0.1, 0.1)


def open_pdf(content: bytes, content_type: str) -> pymupdf.Document:
    """The source as a PDF document (a JPEG or PNG scan becomes a one-page PDF), rotation removed."""
    try:
        if content_type.startswith("image/"):
            image = pymupdf.open(stream=content, filetype=content_type.split("/")[1])
            doc = pymupdf.open("pdf", image.convert_to_pdf())
        else:
            doc = pymupdf.open(stream=content, filetype="pdf")
    except (RuntimeError, ValueError, pymupdf.mupdf.FzErrorBase) as exc:  # FileDataError is a RuntimeError
        raise RedactionFailed("文件无法读取（不是有效的 PDF 或图片），不能生成公开版本。", f"unreadable: {exc}") from exc
    if doc.needs_pass:
        raise RedactionFailed("文件已加密，请提供未加密的文件。", "encrypted pdf")
    if doc.page_count == 0:
        raise RedactionFailed("文件没有页面。", "no pages")
    for page in doc:
        if page.rotation:
            page.remove_rotation()
    return doc


def page_count(content: bytes, content_type: str) -> int:
    return open_pdf(content, content_type).page_count


def page_sizes(content: bytes, content_type: str) -> list[tuple[float, float]]:
    return [(page.rect.width, page.rect.height) for page in open_pdf(content, content_type)]


def text_of(content: bytes, content_type: str) -> str:
    """The document's text layer (empty for a scan): what the suggestions search."""
    return "\n".join(page.get_text() for page in open_pdf(content, content_type))


def _page(doc: pymupdf.Document, number: int) -> pymupdf.Page:
    if not 1 <= number <= doc.page_count:
        raise RedactionFailed(f"页码{number}超出文件页数（共{doc.page_count}页）。", f"page {number} of {doc.page_count}")
    return doc[number - 1]


def _areas(doc: pymupdf.Document, mark: MarkSpec) -> dict[int, list[pymupdf.Rect]]:
    """Where a mark applies: page number → rectangles (a region: its page; a phrase: every occurrence)."""
    if mark.kind == MarkKind.region:
        page = _page(doc, mark.page)
        rect = pymupdf.Rect(*mark.rect) & page.rect
        return {mark.page: [rect]} if not rect.is_empty else {}
    found = {}
    for page in doc:
        rects = page.search_for(mark.phrase)
        if rects:
            found[page.number + 1] = rects
    return found


def page_png(content: bytes, content_type: str, number: int, *, marks: Iterable[MarkSpec] = (),
             zoom: float = 1.0) -> bytes:
    """One page as a PNG, each mark outlined (for the desk and counsel's side-by-side review)."""
    doc = open_pdf(content, content_type)
    page = _page(doc, number)
    for mark in marks:
        for rect in _areas(doc, mark).get(number, ()):
            page.draw_rect(rect, color=OUTLINE, width=1.5)
    return page.get_pixmap(matrix=pymupdf.Matrix(zoom, zoom), alpha=False).tobytes("png")


def strip_hidden_layers(pdf: bytes) -> bytes:
    """Remove optional content that is OFF (hidden layers) from every page, then the layer definitions."""
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        props = doc.Root.get("/OCProperties")
        if props is None:
            return pdf
        default = props.get("/D", pikepdf.Dictionary())
        listed_on = {o.objgen for o in default.get("/ON", [])}
        off = {o.objgen for o in default.get("/OFF", [])}
        if default.get("/BaseState") == pikepdf.Name.OFF:
            off |= {o.objgen for o in props.get("/OCGs", []) if o.objgen not in listed_on}

        def hidden(oc) -> bool:
            if oc is None:
                return False
            if oc.get("/Type") == pikepdf.Name.OCMD:
                groups = oc.get("/OCGs")
                groups = [groups] if isinstance(groups, pikepdf.Dictionary) else list(groups or [])
                return bool(groups) and all(g.objgen in off for g in groups)
            return oc.objgen in off

        for page in doc.pages:
            resources = page.obj.get("/Resources", pikepdf.Dictionary())
            properties = resources.get("/Properties", pikepdf.Dictionary())
            xobjects = resources.get("/XObject", pikepdf.Dictionary())
            kept, skipping = [], 0
            for operands, operator in pikepdf.parse_content_stream(page):
                op = str(operator)
                if skipping:
                    skipping += 1 if op in ("BDC", "BMC") else -1 if op == "EMC" else 0
                    continue
                if (op == "BDC" and len(operands) == 2 and operands[0] == pikepdf.Name.OC
                        and hidden(properties.get(str(operands[1])) if isinstance(operands[1], pikepdf.Name)
                                   else operands[1])):
                    skipping = 1
                    continue
                if op == "Do" and hidden(xobjects.get(str(operands[0]), pikepdf.Dictionary()).get("/OC")):
                    continue
                kept.append((operands, operator))
            page.obj.Contents = doc.make_stream(pikepdf.unparse_content_stream(kept))
        del doc.Root["/OCProperties"]
        out = io.BytesIO()
        doc.save(out)
        return out.getvalue()


def _strip_interactive(doc: pymupdf.Document) -> None:
    """Annotations (their text is not on the page), form fields and links go: nothing unseen travels along."""
    for page in doc:
        for widget in list(page.widgets()):
            page.delete_widget(widget)
        for annot in list(page.annots()):
            page.delete_annot(annot)
        for link in page.get_links():
            page.delete_link(link)


def _label(page: pymupdf.Page, rect: pymupdf.Rect, code: str) -> None:
    """The ground's short code, white on the black box, as large as fits (omitted where nothing fits)."""
    size = min(10.0, rect.height * 0.7)
    while size >= 3:
        if page.insert_textbox(rect, code, fontname=CODE_FONT, fontsize=size, color=WHITE, align=1) >= 0:
            return
        size -= 1


def redact(content: bytes, content_type: str, marks: Sequence[MarkSpec]) -> Redacted:
    """The released version: marked content removed (not covered), hidden content and metadata stripped."""
    doc = open_pdf(content, content_type)
    if content_type == "application/pdf":
        doc = pymupdf.open("pdf", strip_hidden_layers(doc.tobytes()))
    _strip_interactive(doc)
    hits: dict[int, tuple[int, ...]] = {}
    boxes: dict[int, list[tuple[pymupdf.Rect, str]]] = {}
    for mark in marks:
        areas = _areas(doc, mark)
        hits[mark.mark_id] = tuple(sorted(areas))
        for number, rects in areas.items():
            page = doc[number - 1]
            for rect in rects:
                page.add_redact_annot(rect, fill=BLACK)
                boxes.setdefault(number, []).append((rect, mark.code))
    for number in boxes:
        doc[number - 1].apply_redactions(images=pymupdf.PDF_REDACT_IMAGE_PIXELS,
                                         graphics=pymupdf.PDF_REDACT_LINE_ART_REMOVE_IF_COVERED,
                                         text=pymupdf.PDF_REDACT_TEXT_REMOVE)
    doc.scrub(attached_files=True, clean_pages=True, embedded_files=True, hidden_text=True, javascript=True,
              metadata=True, redactions=True, redact_images=0, remove_links=True, reset_fields=True,
              reset_responses=True, thumbnails=True, xml_metadata=True)
    for number, drawn in boxes.items():
        for rect, code in drawn:
            _label(doc[number - 1], rect, code)
    doc.set_metadata({})
    doc.del_xml_metadata()
    released = doc.tobytes(garbage=4, deflate=True, clean=True, no_new_id=True)
    return Redacted(content=released, pages=doc.page_count, hits=hits)


def bound_together(pdfs: Sequence[bytes]) -> bytes:
    """The reply followed by its released files, one PDF to print for a reply sent on paper."""
    out = pymupdf.open()
    for content in pdfs:
        out.insert_pdf(pymupdf.open("pdf", content))
    return out.tobytes(garbage=3, deflate=True)
