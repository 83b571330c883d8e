"""The redaction engine on real-looking PDFs: what is marked is gone (text extraction and the raw streams), what is
not marked stays, image pixels under a mark are blanked, and metadata, hidden layers and annotations do not travel."""

import io
import subprocess
import zlib

import pikepdf
import pymupdf
import pytest

from models.redaction import Ground, MarkKind, MarkSpec, RedactionFailed
from notices.redaction import page_png, redact, strip_hidden_layers, text_of
from tests import redaction_pdfs as P

PDF = "application/pdf"
CODE = Ground.personal_info.code


def pdftotext(content: bytes, tmp_path) -> str:
    path = tmp_path / "file.pdf"
    path.write_bytes(content)
    return subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True).stdout


def raw_streams(content: bytes) -> bytes:
    """Every object of the file, its streams decoded (FlateDecode and the rest), one after the other."""
    found = [content]
    with pikepdf.open(io.BytesIO(content)) as pdf:
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Stream):
                try:
                    found.append(obj.read_bytes())
                except pikepdf.PdfError:
                    found.append(obj.read_raw_bytes())
            else:
                found.append(repr(obj).encode("utf-8", "replace"))
    return b"\n".join(found)


def phrase(mark_id: int, text: str, code: str = CODE) -> MarkSpec:
    return MarkSpec(mark_id, MarkKind.phrase, code, phrase=text)


def region(mark_id: int, page: int, key: str, code: str = CODE) -> MarkSpec:
    return MarkSpec(mark_id, MarkKind.region, code, page=page, rect=P.line_rect(key))


def test_marked_text_is_absent_from_the_released_file_and_the_rest_is_intact(tmp_path):
    source = P.text_pdf(2)
    marks = [phrase(1, P.ID_NUMBER), phrase(2, P.PHONE), phrase(3, P.NAME),
             region(4, 2, "internal", Ground.process_info.code)]
    before = pdftotext(source, tmp_path)
    assert all(x in before for x in (P.ID_NUMBER, P.PHONE, P.NAME, "内部意见"))  # the test can see them at all
    assert P.ID_NUMBER.encode() in raw_streams(source) and P.PHONE.encode() in raw_streams(source)

    released = redact(source, PDF, marks)

    text = pdftotext(released.content, tmp_path)
    for gone in (P.ID_NUMBER, P.PHONE, P.NAME):
        assert gone not in text
        assert gone.encode() not in raw_streams(released.content)
        assert gone.encode("utf-16-be") not in raw_streams(released.content)
    assert text.count("内部意见") == 1  # page 1 keeps it, page 2's region removed it
    for kept in (P.KEPT, P.KEPT_NUMBER, P.CARD, "第20条 征收范围内房屋的补偿按照评估价格执行"):
        assert text.count(kept) == 2, kept
    assert released.pages == 2
    assert released.hits == {1: (1, 2), 2: (1, 2), 3: (1, 2), 4: (2,)}


def test_each_mark_shows_a_black_box_with_its_grounds_short_code(tmp_path):
    released = redact(P.text_pdf(), PDF, [region(1, 1, "internal", Ground.process_info.code)])
    page = pymupdf.open("pdf", released.content)[0]
    assert Ground.process_info.code in page.get_text("text", clip=pymupdf.Rect(*P.line_rect("internal"))).replace(" ", "")
    pixels = page.get_pixmap(clip=pymupdf.Rect(71, P.LINE_TOP["internal"] - 1, 80, P.LINE_TOP["internal"] + 1))
    assert set(pixels.samples) == {0}  # black at the box's left end, where no code is written


def test_a_scanned_page_has_the_pixels_under_a_region_blanked_in_the_image_itself():
    source = P.scan_pdf()
    assert text_of(source, PDF).strip() == ""  # a scan: no text layer to search
    released = redact(source, PDF, [region(1, 1, "id")])
    doc = pymupdf.open("pdf", released.content)
    images = doc[0].get_images()
    assert len(images) == 1
    image = pymupdf.Pixmap(doc, images[0][0])
    scale = image.width / P.WIDTH
    x0, y0, x1, y1 = (round(v * scale) for v in P.line_rect("id"))
    original = pymupdf.Pixmap(pymupdf.open("pdf", source), pymupdf.open("pdf", source)[0].get_images()[0][0])

    def dark(pix, box) -> int:
        (a, b, c, d) = box
        return sum(1 for y in range(b + 3, d - 3) for x in range(a + 3, c - 3) if pix.pixel(x, y)[0] < 128)

    assert dark(original, (x0, y0, x1, y1)) > 100  # the ID number was drawn there
    assert dark(image, (x0, y0, x1, y1)) == 0  # the image data no longer holds it (not merely covered)
    kept = (x0, round(P.LINE_TOP["kept"] * scale), x1, round((P.LINE_TOP["kept"] + 16) * scale))
    assert dark(image, kept) > 100  # the un-marked line is still in the image


def test_a_png_scan_becomes_a_one_page_pdf_and_its_region_is_removed():
    released = redact(P.scan_png(), "image/png", [region(1, 1, "name")])
    doc = pymupdf.open("pdf", released.content)
    assert released.pages == 1 and doc.page_count == 1 and doc[0].get_images()


def test_metadata_annotations_and_attached_files_do_not_travel():
    doc = pymupdf.open("pdf", P.text_pdf())
    doc[0].add_text_annot((300, 300), "ANNOTATION-SECRET 内部批注")
    doc.embfile_add("底稿.txt", b"EMBEDDED-FILE-SECRET")
    doc.set_xml_metadata("<x:xmpmeta xmlns:x='adobe:ns:meta/'>王五</x:xmpmeta>")
    source = doc.tobytes()

    released = redact(source, PDF, [phrase(1, P.PHONE)])

    out = pymupdf.open("pdf", released.content)
    assert all(not v for k, v in out.metadata.items() if k not in ("format", "encryption")), out.metadata
    assert out.get_xml_metadata() == ""
    assert out.embfile_count() == 0 and not list(out[0].annots())
    raw = raw_streams(released.content)
    assert "王五".encode("utf-16-be") not in raw and "王五".encode() not in raw  # title, author, XMP
    assert b"EMBEDDED-FILE-SECRET" not in raw and b"ANNOTATION-SECRET" not in raw


def _with_hidden_layer(source: bytes) -> bytes:
    """A page with text in an optional-content layer that is OFF (invisible in a viewer, there in the file)."""
    with pikepdf.open(io.BytesIO(source)) as pdf:
        ocg = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.OCG, Name=pikepdf.String("hidden")))
        pdf.Root.OCProperties = pikepdf.Dictionary(OCGs=[ocg], D=pikepdf.Dictionary(OFF=[ocg], ON=[]))
        page = pdf.pages[0]
        page.Resources.Properties = pikepdf.Dictionary(oc1=ocg)
        page.Resources.Font.HiddenF = pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1,
                                                           BaseFont=pikepdf.Name.Helvetica)
        hidden = b"/OC /oc1 BDC BT /HiddenF 12 Tf 72 72 Td (HIDDEN-LAYER-SECRET 6222020200112233446) Tj ET EMC"
        page.contents_add(pdf.make_stream(hidden), prepend=False)
        out = io.BytesIO()
        pdf.save(out)
        return out.getvalue()


def test_a_hidden_layers_content_is_removed_and_the_layers_with_it(tmp_path):
    source = _with_hidden_layer(P.text_pdf())
    assert b"HIDDEN-LAYER-SECRET" in raw_streams(source)

    released = redact(source, PDF, [phrase(1, P.PHONE)])

    assert b"HIDDEN-LAYER-SECRET" not in raw_streams(released.content)
    assert "HIDDEN-LAYER-SECRET" not in pdftotext(released.content, tmp_path)
    assert P.KEPT in pdftotext(released.content, tmp_path)
    with pikepdf.open(io.BytesIO(released.content)) as pdf:
        assert "/OCProperties" not in pdf.Root
    assert b"HIDDEN" not in raw_streams(strip_hidden_layers(source))


@pytest.mark.parametrize("content, says", [(b"%PDF-1.4 not really", "无法读取"), (b"\x89PNG\r\n\x1a\nxx", "无法读取")],
                         ids=["broken-pdf", "broken-png"])
def test_an_unreadable_source_is_refused_in_chinese(content, says):
    with pytest.raises(RedactionFailed) as refused:
        redact(content, PDF if content.startswith(b"%PDF") else "image/png", [phrase(1, "李四")])
    assert says in refused.value.message_zh


def test_a_region_on_a_page_the_file_does_not_have_is_refused():
    with pytest.raises(RedactionFailed) as refused:
        redact(P.text_pdf(), PDF, [region(1, 3, "id")])
    assert "共1页" in refused.value.message_zh


def test_the_desk_page_image_outlines_the_marks():
    plain = page_png(P.text_pdf(), PDF, 1)
    outlined = page_png(P.text_pdf(), PDF, 1, marks=[phrase(1, P.PHONE)])
    assert plain.startswith(b"\x89PNG") and plain != outlined


def test_nothing_of_a_phrase_survives_compressed_streams_either():
    released = redact(P.text_pdf(), PDF, [phrase(1, P.ID_NUMBER)])
    with pikepdf.open(io.BytesIO(released.content)) as pdf:
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Stream) and obj.get("/Filter") == pikepdf.Name.FlateDecode:
                assert P.ID_NUMBER.encode() not in zlib.decompress(obj.read_raw_bytes())
