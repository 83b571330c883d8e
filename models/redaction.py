"""区分处理 (Art 37): marks on the case's source documents, the released versions, and the withheld-items list.

The clerk marks areas of a source document (a department's Attachment or a clerk's SourceFile): a region of a
page, or every occurrence of a phrase, each with its ground (Arts 14, 15, 16, personal information) and a
short reason. `release` hands the source and its marks to a redaction engine (injected: notices.redaction in
production) and keeps what the engine reports it applied, page by page. That log writes the reply's Art 37
list (`logged_items`): document, page, ground, reason — the clerk no longer types it.

Marks change only while the reply is being drafted (drafting, returned for revision): once a draft is in
review, the released versions it names are the ones counsel sees and the applicant receives.
"""

import hashlib
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum

from sqlmodel import Session, select

from models import lifecycle
from models.attachments import MAX_FILE_BYTES, Upload, check_upload
from models.citation_check import exemption_citations
from models.context import Ctx, action
from models.enums import DeliveryMethod, Role, Status
from models.errors import GuardFailed, NotFound, RoleNotAllowed, ValidationFailed
from models.outcomes import Outcome
from models.queries import application_by_number
from models.tables import Application, Attachment, Delivery, Document, RedactionMark, ReleasedFile, SourceFile

# What can be redacted: PDF pages, or an image (a scan), which the engine turns into a one-page PDF.
REDACTABLE = {"application/pdf", "image/jpeg", "image/png"}
# Marks are added, withdrawn and released only while the reply is drafted; afterwards the release is frozen.
EDITABLE = frozenset({Status.drafting, Status.returned_for_revision})
MAX_REASON = 200
MAX_PHRASE = 100


class Ground(StrEnum):
    """The grounds a mark may give (Art 37 refers to Arts 14, 15, 16); personal information is Art 15's privacy."""

    state_secret = "state_secret"
    law_prohibits = "law_prohibits"
    security_stability = "security_stability"
    third_party = "third_party"
    personal_info = "personal_info"
    internal_affairs = "internal_affairs"
    process_info = "process_info"
    enforcement_file = "enforcement_file"

    @property
    def outcome(self) -> Outcome:
        """The exemption the reply cites for it (and its table 三 wording)."""
        return _GROUNDS[self][0]

    @property
    def code(self) -> str:
        """The short code printed in the box on the released page."""
        return _GROUNDS[self][1]

    @property
    def label(self) -> str:
        return _GROUNDS[self][2]


_GROUNDS: dict[Ground, tuple[Outcome, str, str]] = {
    Ground.state_secret: (Outcome.state_secret, "14国秘", "第十四条 国家秘密"),
    Ground.law_prohibits: (Outcome.law_prohibits, "14法禁", "第十四条 法律、行政法规禁止公开"),
    Ground.security_stability: (Outcome.security_stability, "14三安", "第十四条 危及“三安全一稳定”"),
    Ground.third_party: (Outcome.third_party, "15权益", "第十五条 商业秘密等第三方合法权益"),
    Ground.personal_info: (Outcome.third_party, "15个人", "第十五条 个人信息（个人隐私）"),
    Ground.internal_affairs: (Outcome.internal_affairs, "16内部", "第十六条第一款 内部事务信息"),
    Ground.process_info: (Outcome.process_info, "16过程", "第十六条第二款 过程性信息"),
    Ground.enforcement_file: (Outcome.enforcement_file, "16执法", "第十六条第二款 行政执法案卷"),
}


class MarkKind(StrEnum):
    region = "region"
    phrase = "phrase"


# --- suggestions: personal numbers found in the text, one click each ------------------------------------------

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def valid_resident_id(number: str) -> bool:
    """GB 11643-1999: 17 digits and the ISO 7064 MOD 11-2 check character."""
    if not re.fullmatch(r"\d{17}[\dXx]", number):
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == number[17].upper()


def luhn(number: str) -> bool:
    """Bank card numbers (GB/T 14916 follows ISO/IEC 7812) carry a Luhn check digit."""
    digits = [int(d) for d in number][::-1]
    total = sum(d if i % 2 == 0 else (d * 2 - 9 if d * 2 > 9 else d * 2) for i, d in enumerate(digits))
    return total % 10 == 0


@dataclass(frozen=True)
class Pattern:
    name: str  # 身份证号 …
    regex: re.Pattern
    check: Callable[[str], bool]
    reason: str  # the reason the clerk's mark gets by default


PATTERNS = (
    Pattern("身份证号", re.compile(r"(?<![\dA-Za-z])\d{17}[\dXx](?![\dA-Za-z])"), valid_resident_id,
            "申请人以外自然人的居民身份证号码，属于个人信息"),
    Pattern("手机号", re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)"), lambda _: True, "自然人的手机号码，属于个人信息"),
    Pattern("银行卡号", re.compile(r"(?<!\d)(?:62|4\d|5[1-5])\d{14,17}(?!\d)"), luhn,
            "自然人的银行卡号，属于个人信息"),
)


@dataclass(frozen=True)
class Suggestion:
    pattern: str
    phrase: str
    reason: str
    ground: Ground = Ground.personal_info


def suggest(text: str, *, already: Sequence[str] = ()) -> list[Suggestion]:
    """Personal numbers in a document's text (身份证号、手机号、银行卡号), each once, not those already marked."""
    found: dict[str, Suggestion] = {}
    for pattern in PATTERNS:
        for match in pattern.regex.finditer(text):
            value = match.group(0)
            if value not in found and value not in already and pattern.check(value):
                found[value] = Suggestion(pattern.name, value, pattern.reason)
    return list(found.values())


# --- what the engine is given and what it reports ------------------------------------------------------------


@dataclass(frozen=True)
class MarkSpec:
    """One mark as the engine reads it: a region (page, rectangle in points from the top-left) or a phrase."""

    mark_id: int
    kind: MarkKind
    code: str
    page: int | None = None
    rect: tuple[float, float, float, float] | None = None
    phrase: str | None = None


@dataclass(frozen=True)
class Redacted:
    """The released version and, per mark, the pages it removed content from (the redaction log)."""

    content: bytes
    pages: int
    hits: dict[int, tuple[int, ...]] = field(default_factory=dict)  # mark id -> pages


Engine = Callable[[bytes, str, Sequence[MarkSpec]], Redacted]


class RedactionFailed(ValidationFailed):
    """The engine cannot produce a released version (unreadable file, a phrase that is not in it …)."""

    def __init__(self, message_zh: str, message_en: str):
        super().__init__(message_zh, message_en, field="redaction")


# --- sources --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """A source document of a case: a department's file (a<id>) or the clerk's (f<id>)."""

    key: str
    filename: str
    content_type: str
    content: bytes
    sha256: str
    origin: str  # who provided it, as the desk lists it

    @property
    def redactable(self) -> bool:
        return self.content_type in REDACTABLE


def sources_of(session: Session, app: Application) -> list[Source]:
    """Every source document of the case: the departments' attachments, then the files the clerk added."""
    found = [Source(f"a{a.id}", a.filename, a.content_type, a.content, a.sha256, "承办单位附件")
             for a in session.exec(select(Attachment).where(Attachment.application_id == app.id).order_by(Attachment.id))]
    found += [Source(f"f{f.id}", f.filename, f.content_type, f.content, f.sha256, "公开办添加")
              for f in session.exec(select(SourceFile).where(SourceFile.application_id == app.id).order_by(SourceFile.id))]
    return found


def source_of(session: Session, app: Application, key: str) -> Source:
    """One source of this case by its key; another case's file is not found here."""
    for source in sources_of(session, app):
        if source.key == key:
            return source
    raise NotFound("该源文件不存在，或不属于本申请。", f"no source {key!r} on case {app.id}")


def _source_columns(key: str) -> dict:
    return {"attachment_id": int(key[1:])} if key.startswith("a") else {"source_file_id": int(key[1:])}


def key_of(mark: RedactionMark) -> str:
    return f"a{mark.attachment_id}" if mark.attachment_id is not None else f"f{mark.source_file_id}"


def active_marks(session: Session, app: Application, key: str | None = None) -> list[RedactionMark]:
    marks = session.exec(select(RedactionMark).where(RedactionMark.application_id == app.id,
                                                     RedactionMark.withdrawn_at.is_(None))
                         .order_by(RedactionMark.id)).all()
    return [m for m in marks if key is None or key_of(m) == key]


def marks_digest(marks: Sequence[RedactionMark]) -> str:
    """What the case's active marks are, as one hash: a release made from other marks is stale."""
    rows = [[m.id, key_of(m), m.kind, m.page, m.x0, m.y0, m.x1, m.y1, m.phrase, m.ground, m.reason] for m in marks]
    return hashlib.sha256(json.dumps(rows, ensure_ascii=False).encode()).hexdigest()


def current_release(session: Session, app: Application) -> list[ReleasedFile]:
    """The latest batch of released versions (the one that goes with the reply)."""
    rows = session.exec(select(ReleasedFile).where(ReleasedFile.application_id == app.id)
                        .order_by(ReleasedFile.batch.desc(), ReleasedFile.id)).all()
    return [r for r in rows if r.batch == rows[0].batch] if rows else []


def travelling_release(session: Session, app: Application) -> list[ReleasedFile]:
    """The released versions that go with the reply: the latest batch, if it was made from the active marks (all
    marks withdrawn after a release: nothing travels)."""
    return current_release(session, app) if release_is_current(session, app) else []


def release_is_current(session: Session, app: Application) -> bool:
    """Marks exist and the latest release was made from exactly the active marks."""
    marks = active_marks(session, app)
    release = current_release(session, app)
    return bool(marks) and bool(release) and all(r.marks_digest == marks_digest(marks) for r in release)


# --- actions --------------------------------------------------------------------------------------------------


def _case(ctx: Ctx, number: str) -> Application:
    if ctx.actor is None or Role(ctx.actor.role) != Role.clerk:
        raise RoleNotAllowed("只有公开办经办人可以标注和生成公开版本。", "only a clerk redacts")
    app = application_by_number(ctx.session, number, agency_id=ctx.scope)
    if Status(app.status) not in EDITABLE:
        raise GuardFailed(f"申请当前状态为「{Status(app.status).label}」：只有拟稿期间（含退回修改）可以标注或生成公开版本，"
                          "送审后公开版本随答复草稿固定。", "marks change only while drafting")
    return app


@action
def add_source_file(ctx: Ctx, number: str, *, upload: Upload) -> SourceFile:
    """The clerk adds a source document (a PDF or a scan) that a department did not send."""
    app = _case(ctx, number)
    checked = check_upload(upload, position=1)
    if checked.content_type not in REDACTABLE:
        raise ValidationFailed(f"「{checked.filename}」不能区分处理：源文件须为 PDF 或扫描图片（JPEG、PNG）。",
                               f"{checked.filename!r}: {checked.content_type} is not redactable", field="upload")
    row = SourceFile(application_id=app.id, filename=checked.filename, content_type=checked.content_type,
                     size=checked.size, sha256=checked.sha256, content=checked.content,
                     uploaded_by_id=ctx.actor.id, uploaded_at=ctx.now)
    ctx.session.add(row)
    ctx.session.flush()
    lifecycle.record(ctx.session, app, "add_source_file", actor=ctx.actor, now=ctx.now,
                     data={"source": f"f{row.id}", "filename": row.filename, "sha256": row.sha256})
    return row


def _reason(reason: str) -> str:
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationFailed("请为每处遮盖写明简要理由。", "mark without reason", field="reason")
    if len(reason) > MAX_REASON:
        raise ValidationFailed(f"理由请控制在{MAX_REASON}字以内。", "reason too long", field="reason")
    return reason


def _ground(ground: str) -> Ground:
    try:
        return Ground(ground)
    except ValueError:
        raise ValidationFailed("请选择不予公开的依据（《条例》第十四、十五、十六条或个人信息）。", f"bad ground {ground!r}",
                               field="ground") from None


@action
def add_region_mark(ctx: Ctx, number: str, *, source: str, page: int, rect: tuple[float, float, float, float],
                    ground: str, reason: str, page_size: tuple[float, float] | None = None) -> RedactionMark:
    """A rectangle on one page (PDF points from the page's top-left), removed from the released version."""
    app = _case(ctx, number)
    found = source_of(ctx.session, app, source)
    if not found.redactable:
        raise ValidationFailed(f"「{found.filename}」不是 PDF 或图片，不能标注。", "not redactable", field="source")
    x0, y0, x1, y1 = (float(v) for v in rect)
    x0, x1, y0, y1 = min(x0, x1), max(x0, x1), min(y0, y1), max(y0, y1)
    if page < 1:
        raise ValidationFailed("页码应从1开始。", "page < 1", field="page")
    if x0 < 0 or y0 < 0 or x1 - x0 < 1 or y1 - y0 < 1:
        raise ValidationFailed("遮盖区域无效：坐标不能为负，宽和高至少为1点。", "empty or negative region", field="rect")
    if page_size is not None and (x1 > page_size[0] + 0.5 or y1 > page_size[1] + 0.5):
        raise ValidationFailed(f"遮盖区域超出页面（页面宽{page_size[0]:.0f}、高{page_size[1]:.0f}点）。", "region off page",
                               field="rect")
    mark = RedactionMark(application_id=app.id, **_source_columns(source), kind=MarkKind.region.value, page=page,
                         x0=round(x0, 2), y0=round(y0, 2), x1=round(x1, 2), y1=round(y1, 2),
                         ground=_ground(ground).value, reason=_reason(reason), created_by_id=ctx.actor.id,
                         created_at=ctx.now)
    return _keep(ctx, app, mark, found)


@action
def add_phrase_mark(ctx: Ctx, number: str, *, source: str, phrase: str, ground: str, reason: str) -> RedactionMark:
    """Every occurrence of a phrase (an ID number, a phone number, a name) on every page of the document."""
    app = _case(ctx, number)
    found = source_of(ctx.session, app, source)
    phrase = (phrase or "").strip()
    if len(phrase) < 2:
        raise ValidationFailed("要遮盖的词句至少2个字符。", "phrase too short", field="phrase")
    if len(phrase) > MAX_PHRASE:
        raise ValidationFailed(f"要遮盖的词句请控制在{MAX_PHRASE}个字符以内，较长的内容请框选区域。", "phrase too long",
                               field="phrase")
    if any(m.kind == MarkKind.phrase and m.phrase == phrase for m in active_marks(ctx.session, app, source)):
        raise ValidationFailed(f"「{phrase}」已经标注过。", "phrase already marked", field="phrase")
    mark = RedactionMark(application_id=app.id, **_source_columns(source), kind=MarkKind.phrase.value, phrase=phrase,
                         ground=_ground(ground).value, reason=_reason(reason), created_by_id=ctx.actor.id,
                         created_at=ctx.now)
    return _keep(ctx, app, mark, found)


def _keep(ctx: Ctx, app: Application, mark: RedactionMark, source: Source) -> RedactionMark:
    ctx.session.add(mark)
    ctx.session.flush()
    lifecycle.record(ctx.session, app, "add_redaction", actor=ctx.actor, now=ctx.now, data={
        "mark_id": mark.id, "source": source.key, "filename": source.filename, "kind": mark.kind, "page": mark.page,
        "rect": [mark.x0, mark.y0, mark.x1, mark.y1] if mark.kind == MarkKind.region else None,
        "phrase": mark.phrase, "ground": mark.ground, "reason": mark.reason})
    return mark


@action
def withdraw_mark(ctx: Ctx, number: str, *, mark_id: int) -> RedactionMark:
    app = _case(ctx, number)
    mark = ctx.session.get(RedactionMark, mark_id)
    if mark is None or mark.application_id != app.id or mark.withdrawn_at is not None:
        raise NotFound("该遮盖标注不存在或已撤销。", f"no active mark {mark_id}")
    mark.withdrawn_at = ctx.now
    ctx.session.add(mark)
    lifecycle.record(ctx.session, app, "withdraw_redaction", actor=ctx.actor, now=ctx.now, data={"mark_id": mark.id})
    return mark


def mark_spec(mark: RedactionMark) -> MarkSpec:
    ground = Ground(mark.ground)
    if mark.kind == MarkKind.region:
        return MarkSpec(mark.id, MarkKind.region, ground.code, page=mark.page, rect=(mark.x0, mark.y0, mark.x1, mark.y1))
    return MarkSpec(mark.id, MarkKind.phrase, ground.code, phrase=mark.phrase)


@action
def release(ctx: Ctx, number: str, *, engine: Engine) -> list[ReleasedFile]:
    """生成公开版本: every source with marks goes through the engine; one new batch, with its redaction log."""
    app = _case(ctx, number)
    marks = active_marks(ctx.session, app)
    if not marks:
        raise GuardFailed("尚未标注任何需要遮盖的内容，无需生成公开版本。", "no marks")
    digest = marks_digest(marks)
    previous = current_release(ctx.session, app)
    batch = (previous[0].batch + 1) if previous else 1
    made = []
    for source in sources_of(ctx.session, app):
        mine = [m for m in marks if key_of(m) == source.key]
        if not mine:
            continue
        result = engine(source.content, source.content_type, [mark_spec(m) for m in mine])
        if len(result.content) > MAX_FILE_BYTES * 2:
            raise RedactionFailed(f"「{source.filename}」的公开版本过大，请联系管理员。", "released file too large")
        applied = []
        for m in mine:
            pages = list(result.hits.get(m.id, ()))
            if not pages:
                what = f"词句「{m.phrase}」" if m.kind == MarkKind.phrase else f"第{m.page}页的区域"
                raise RedactionFailed(f"「{source.filename}」中未找到{what}，请核对后修改或撤销该标注。",
                                      f"mark {m.id} matched nothing in {source.key}")
            applied.append({"mark_id": m.id, "kind": m.kind, "pages": pages, "phrase": m.phrase,
                            "ground": m.ground, "reason": m.reason})
        row = ReleasedFile(application_id=app.id, batch=batch, source_key=source.key, source_sha256=source.sha256,
                           filename=released_name(source.filename), pages=result.pages, size=len(result.content),
                           sha256=hashlib.sha256(result.content).hexdigest(), content=result.content, applied=applied,
                           marks_digest=digest, made_by_id=ctx.actor.id, made_at=ctx.now)
        ctx.session.add(row)
        made.append(row)
    ctx.session.flush()
    lifecycle.record(ctx.session, app, "release_redacted", actor=ctx.actor, now=ctx.now, data={
        "batch": batch, "marks": len(marks),
        "files": [{"source": r.source_key, "filename": r.filename, "pages": r.pages, "sha256": r.sha256} for r in made]})
    return made


def released_name(filename: str) -> str:
    """报告.pdf → 报告（公开版本）.pdf: the released version is always a PDF."""
    stem = filename.rsplit(".", 1)[0] if "." in filename else filename
    return f"{stem}（公开版本）.pdf"


# --- the Art 37 list, the reply, the applicant ---------------------------------------------------------------


LOGGED_PART = re.compile(r"^《.+》第[\d、]+页标有“.+”的遮盖内容$")  # what logged_items writes


def _pages_label(pages: Sequence[int]) -> str:
    return "第" + "、".join(str(p) for p in pages) + "页"


def logged_items(session: Session, app: Application) -> list[dict]:
    """Art 37: the withheld items, one per ground and reason within a document, written from the redaction log:
    {"part": 《document》第n页…, "ground": the exemption's outcome value, "reason"}."""
    items: dict[tuple, dict] = {}
    for released in current_release(session, app):
        for entry in released.applied:
            ground = Ground(entry["ground"])
            key = (released.id, ground.value, entry["reason"])
            item = items.setdefault(key, {"document": released.filename, "pages": set(), "ground": ground,
                                          "reason": entry["reason"]})
            item["pages"].update(entry["pages"])
    return [{"part": f"《{i['document']}》{_pages_label(sorted(i['pages']))}标有“{i['ground'].code}”的遮盖内容",
             "ground": i["ground"].outcome.value, "reason": i["reason"]} for i in items.values()]


def with_logged_items(session: Session, app: Application, withheld: list[dict] | None, outcome: Outcome) -> list[dict]:
    """The draft's withheld items: those written from the redaction log first, then any the clerk typed.

    With marks on the case, the reply must be a partial disclosure and the release must be current."""
    marks = active_marks(session, app)
    if not marks:
        return list(withheld or [])
    if Outcome(outcome) is not Outcome.partial:
        raise GuardFailed("本申请的源文件已标注遮盖内容，答复应为“部分公开”（《条例》第三十七条）；"
                          "如全部公开，请先撤销遮盖标注。", "marks need a partial disclosure")
    if not release_is_current(session, app):
        raise GuardFailed("遮盖标注在生成公开版本后有改动，请先重新生成公开版本。", "release is stale")
    # a returned draft's own copy of the logged items comes back through the form: the log is written afresh
    return logged_items(session, app) + [w for w in withheld or [] if not LOGGED_PART.match(w.get("part") or "")]


def with_log(session: Session, app: Application, draft):
    """A DraftIn (models.actions) with the logged items added, and their grounds' exemptions added to the
    citations the clerk chose (None stays None: default_citations then reads the grounds itself)."""
    items = with_logged_items(session, app, draft.withheld_items, draft.outcome)
    citations = draft.citations
    if citations is not None:
        grounds = [c for w in items for c in exemption_citations(Outcome(w["ground"]))]
        citations = list(dict.fromkeys([*citations, *grounds]))
    return replace(draft, withheld_items=items, citations=citations)


def reply_attachments(session: Session, app: Application) -> tuple[str, ...]:
    """What the reply lists as its attachments: each released version with its page count (共N页)."""
    return tuple(f"《{r.filename}》（共{r.pages}页）" for r in travelling_release(session, app))


def applicant_files(session: Session, app: Application) -> list[ReleasedFile]:
    """What the applicant may download with number + query code: the released versions only, and only once the
    reply has been issued and dispatched electronically (on paper they are printed with the reply)."""
    reply = session.exec(select(Document).where(Document.application_id == app.id,
                                                Document.kind == "reply")).first()
    if reply is None:
        return []
    electronic = session.exec(select(Delivery).where(
        Delivery.application_id == app.id,
        Delivery.method.in_((DeliveryMethod.email.value, DeliveryMethod.platform.value)))).first()
    return travelling_release(session, app) if electronic is not None else []
