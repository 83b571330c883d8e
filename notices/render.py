"""Render a document kind from its context: one Jinja2 template, three outputs (text, HTML, PDF).

Every template writes an autoescaped HTML fragment in a small block vocabulary (h1, p.<style>, tr/td).
The HTML preview is that fragment; text and PDF are laid out from the same blocks, so the three can
never say different things.
"""

import re
from dataclasses import dataclass, fields
from datetime import date
from enum import StrEnum
from html.parser import HTMLParser
from pathlib import Path

import jinja2

from models.citation_check import ensure_fee_notice_passes, ensure_reply_passes, exemption_citations
from models.fees import fee_bands
from models.outcomes import OGI, TERMINATION_OUTCOMES, Citation, Outcome, chinese_number
from notices.pdf import Meta, layout_pdf, start_of


class DocumentKind(StrEnum):
    receipt = "receipt"
    supplement = "supplement"
    routing = "routing"
    coordination = "coordination"
    joint_consultation = "joint_consultation"
    consultation_third_party = "consultation_third_party"
    consultation_agency = "consultation_agency"
    consultation_notice = "consultation_notice"
    extension = "extension"
    fee = "fee"
    reason_request = "reason_request"
    deferral = "deferral"
    reply = "reply"
    termination = "termination"
    delivery = "delivery"

    @property
    def title(self) -> str:
        return TITLES[self]


TITLES = {
    DocumentKind.receipt: "政府信息公开申请接收回执",
    DocumentKind.supplement: "政府信息公开申请补正告知书",
    DocumentKind.routing: "政府信息公开申请交办单",
    DocumentKind.coordination: "政府信息公开申请协调函",
    DocumentKind.joint_consultation: "政府信息公开申请会商纪要",
    DocumentKind.consultation_third_party: "政府信息公开申请征求意见书",
    DocumentKind.consultation_agency: "政府信息公开申请征求意见书",
    DocumentKind.consultation_notice: "政府信息公开申请征求意见告知书",
    DocumentKind.extension: "政府信息公开申请延期答复告知书",
    DocumentKind.fee: "政府信息公开信息处理费收费通知书",
    DocumentKind.reason_request: "政府信息公开申请说明理由告知书",
    DocumentKind.deferral: "政府信息公开申请延迟答复告知书",
    DocumentKind.reply: "政府信息公开申请答复书",
    DocumentKind.termination: "政府信息公开申请终止处理告知书",
    DocumentKind.delivery: "送达回证",
}
# TERMINATION_OUTCOMES (models.outcomes): the outcomes a 终止处理告知书 states, Art 30 and the unpaid fee.


class NoticeFieldMissing(ValueError):
    """A template reached a field the context does not fill; a legal document never shows a blank."""

    def __init__(self, kind: DocumentKind, detail: str):
        self.message_zh = f"文书“{kind.title}”缺少必填内容：{detail}"
        super().__init__(f"{kind}: missing field: {detail}")


class _Required(Exception):
    def __init__(self, label: str):
        super().__init__(label)
        self.label = label


def _required(value, label: str):
    if value is None or (isinstance(value, str) and not value.strip()) or value == ():
        raise _Required(label)
    return value


def zh_date(d: date) -> str:
    """GB/T 9704-2012 7.3.5.1: dates in Arabic numerals, no leading zeros."""
    return f"{d.year}年{d.month}月{d.day}日"


def cite(citations) -> str:
    """Citations as a notice writes them: the law named once, then its articles joined by 、."""
    parts, last_law = [], None
    for c in citations:
        parts.append(c.zh(with_law=c.law != last_law))
        last_law = c.law
    return "、".join(parts).replace("、《", "和《")


def ground_citations(outcome: Outcome) -> tuple[Citation, ...]:
    """Art 37: a withheld item's own exemption, without the Art 36(3) of a whole refusal."""
    return exemption_citations(outcome)


def quantity(n: int) -> str:
    """How many, in words: 2 → 两 (两项), otherwise as numbered (三项, 十二项)."""
    return "两" if n == 2 else chinese_number(n)


def ogi_citations(citations) -> tuple[Citation, ...]:
    """The Regulation's articles among a reply's citations."""
    return tuple(c for c in citations if c.law == OGI)


def law_citations(citations) -> tuple[Citation, ...]:
    """The other laws a reply cites: the prohibiting law (Art 14), the special law (Art 36(7)), a query's basis."""
    return tuple(c for c in citations if c.law != OGI)


_TEMPLATES = Path(__file__).parent / "templates"
_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(_TEMPLATES),
    undefined=jinja2.StrictUndefined,
    autoescape=True,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=False,
)
_env.filters.update(zh_date=zh_date, cite=cite, cn=chinese_number, ground_citations=ground_citations,
                    ogi=ogi_citations, laws=law_citations, quantity=quantity)
_env.globals.update(required=_required, Outcome=Outcome, fee_bands=fee_bands)


def _checked(kind: DocumentKind, ctx) -> None:
    if kind in (DocumentKind.reply, DocumentKind.termination):
        ensure_reply_passes(ctx.draft)  # a reply with findings never renders
        if kind is DocumentKind.termination and ctx.draft.outcome not in TERMINATION_OUTCOMES:
            raise NoticeFieldMissing(kind, f"处理结果“{ctx.draft.outcome.label}”不适用终止处理告知书")
    if kind is DocumentKind.fee:
        ensure_fee_notice_passes(ctx.fee)


def render_fragment(kind: DocumentKind, ctx) -> str:
    """The autoescaped HTML fragment of a document: the single source of all three outputs."""
    kind = DocumentKind(kind)
    _checked(kind, ctx)
    values = {f.name: getattr(ctx, f.name) for f in fields(ctx)}
    try:
        return _env.get_template(f"{kind.value}.j2").render(title=kind.title, **values)
    except jinja2.UndefinedError as exc:
        raise NoticeFieldMissing(kind, exc.message or "") from exc
    except _Required as exc:
        raise NoticeFieldMissing(kind, exc.label) from exc


@dataclass(frozen=True)
class Block:
    """One laid-out unit: a title, a paragraph in a named style, or a table row."""

    style: str  # title | number | to | para | plain | sign | date | note | row | image
    text: str = ""
    cells: tuple[str, ...] = ()  # a row's cells; an image's file


class _BlockParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocks: list[Block] = []
        self._style: str | None = None
        self._text: list[str] = []
        self._cells: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "img":  # an image from the agency's settings (a payment QR code): PDF and HTML only
            a = dict(attrs)
            self.blocks.append(Block("image", a.get("alt") or "", (a.get("src") or "",)))
        elif tag == "tr":
            self._cells = []
        elif tag in ("h1", "p", "td"):
            self._style = "title" if tag == "h1" else dict(attrs).get("class", "para")
            self._text = []

    def handle_endtag(self, tag):
        text = re.sub(r"\s*\n\s*", "", "".join(self._text)).strip()
        if tag == "td" and self._cells is not None:
            self._cells.append(text)
        elif tag in ("h1", "p"):
            self.blocks.append(Block(self._style or "para", text))
        elif tag == "tr" and self._cells is not None:
            self.blocks.append(Block("row", cells=tuple(self._cells)))
            self._cells = None
        self._text = []

    def handle_data(self, data):
        self._text.append(data)


def render_blocks(kind: DocumentKind, ctx) -> list[Block]:
    parser = _BlockParser()
    parser.feed(render_fragment(kind, ctx))
    parser.close()
    return parser.blocks


def blocks_to_text(blocks: list[Block]) -> str:
    lines = []
    for b in blocks:
        if b.style == "image":
            continue
        if b.style == "row":
            lines.append("：".join(b.cells))
        elif b.style == "para":
            lines.append("\u3000\u3000" + b.text)
        else:
            lines.append(b.text)
    return "\n".join(lines) + "\n"


def render_text(kind: DocumentKind, ctx) -> str:
    """Plain text of a document, for the case file and for diffing."""
    return blocks_to_text(render_blocks(kind, ctx))


_PAGE = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{title}</title>
<style>
.notice{{width:156mm;margin:0 auto;font:16pt/1.8 "AR PL UKai CN",KaiTi,serif}}
.notice h1{{font:22pt "AR PL UMing CN",serif;text-align:center}}
.notice p{{margin:0;text-indent:2em}}
.notice p.number{{text-align:right;text-indent:0}} .notice p.to,.notice p.plain,.notice p.note{{text-indent:0}}
.notice p.seal{{height:3.6em}} .notice p.sign{{margin-top:3.6em}}
.notice p.sign,.notice p.date{{text-align:right;margin-right:4em;text-indent:0}}
.notice table{{border-collapse:collapse;width:100%}} .notice td{{border:1px solid #000;padding:.3em}}
</style></head>
<body><main><article class="notice">
{fragment}
</article></main></body></html>
"""


def render_html(kind: DocumentKind, ctx) -> str:
    """An HTML preview for the web desk, from the same autoescaped fragment."""
    kind = DocumentKind(kind)
    fragment = render_fragment(kind, ctx)
    fragment = re.sub(r"(<tr>.*</tr>)", r"<table>\1</table>", fragment, flags=re.S)
    fragment = re.sub(r'<img src="([^"]*)"', lambda m: f'<img src="{_data_uri(m.group(1))}"', fragment)
    return _PAGE.format(title=kind.title, fragment=fragment)


def _data_uri(path: str) -> str:
    """An agency's image inlined, so the preview needs no file route."""
    import base64
    import html

    data = Path(html.unescape(path)).read_bytes()
    kind = "jpeg" if data.startswith(b"\xff\xd8") else "png"  # the two kinds models.admin.check_image lets in
    return f"data:image/{kind};base64," + base64.b64encode(data).decode("ascii")


def meta(kind: DocumentKind, ctx) -> Meta:
    """The PDF's metadata: the document's title, the agency as author, the true creation moment, the 文号."""
    issue = ctx.issue
    seal = issue.agency.seal_image
    if seal and not Path(seal).is_file():  # checked when it was set; the file has gone since
        raise NoticeFieldMissing(DocumentKind(kind), f"印章图片（{seal} 已不存在，请用 gongkai agency set 重新设置）")
    return Meta(title=DocumentKind(kind).title, author=issue.agency.name,
                created=issue.created or start_of(issue.date), subject=issue.number,
                seal=Path(seal) if seal else None)


def render_pdf(kind: DocumentKind, ctx) -> bytes:
    """An A4 PDF after GB/T 9704-2012 with the fonts embedded, the seal over the date when the agency has one."""
    return layout_pdf(render_blocks(kind, ctx), meta(kind, ctx))
