"""The desk's redaction pages (Art 37 区分处理): a thin layer over models.redaction and the engine in notices.redaction.

The clerk marks a source document page by page (a drawn box, or its four numbers typed; a phrase; one-click
suggestions for personal numbers) and makes the released versions; counsel, the office head and the leader see
each released page beside its source with the marks listed. Source files and page images are served only to staff
who may read the case (views.load_case: their agency; a department only the cases routed to it). The applicant
downloads released files from the public status page with number + query code, nothing else.
"""

from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlmodel import select

from interfaces.web.app import Denied, Web, posted_form
from interfaces.web.case_actions import parse_uploads
from interfaces.web.views import CASE_READERS, allow, load_case, web_dep
from models import redaction as R
from models.context import Ctx
from models.enums import Role, Status
from models.errors import GongkaiError, NotFound, ValidationFailed
from models.queries import application_by_query_code
from models.tables import Document, ReleasedFile
from notices import redaction as engine

router = APIRouter()
ZOOM = 1.0  # page images: one pixel per point, so a drawn box is the mark's rectangle
CLERK = (Role.clerk,)
REVIEWERS = (Role.clerk, Role.legal_counsel, Role.office_head, Role.coordinating_leader)

# path -> roles; the access test walks this table as views.ROUTE_ROLES is walked
REDACTION_ROUTES = {
    "/cases/{number}/redaction": REVIEWERS,
    "/cases/{number}/sources/{key}": REVIEWERS,
    "/cases/{number}/sources/{key}/file": CASE_READERS,
    "/cases/{number}/sources/{key}/pages/{page}.png": CASE_READERS,
    "/cases/{number}/released/{file_id}": CASE_READERS,
    "/cases/{number}/released/{file_id}/pages/{page}.png": CASE_READERS,
}


def _ctx(web: Web) -> Ctx:
    return Ctx(web.db, web.desk.calendar, web.now, web.user)


def _download(content: bytes, filename: str, media_type: str, *, inline: bool = False) -> Response:
    disposition = "inline" if inline else "attachment"
    return Response(content, media_type=media_type, headers={
        "Content-Disposition": f"{disposition}; filename=\"file\"; filename*=UTF-8''{quote(filename, safe='')}",
        "X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store"})


def _source(web: Web, app, key: str) -> R.Source:
    try:
        return R.source_of(web.db, app, key)
    except NotFound as exc:
        raise Denied(exc.message_zh) from None


def _released(web: Web, app, file_id: int) -> ReleasedFile:
    row = web.db.get(ReleasedFile, file_id)
    if row is None or row.application_id != app.id:
        raise Denied("该公开版本不存在，或不属于本申请。")
    return row


def _marks_view(marks) -> list[dict]:
    return [{"id": m.id, "key": R.key_of(m), "what": (f"第{m.page}页区域（{m.x0:.0f}, {m.y0:.0f}）–（{m.x1:.0f}, {m.y1:.0f}）"
                                                     if m.kind == R.MarkKind.region else f"词句「{m.phrase}」（全部出现处）"),
             "ground": R.Ground(m.ground), "reason": m.reason} for m in marks]


def overview(web: Web, app, *, error: str | None = None, status_code: int = 200):
    sources = R.sources_of(web.db, app)
    marks = R.active_marks(web.db, app)
    release = R.current_release(web.db, app)
    return web.render("redaction.html", status_code, app=app, sources=sources, marks=_marks_view(marks),
                      release=release, current=R.release_is_current(web.db, app),
                      editable=web.role == Role.clerk and Status(app.status) in R.EDITABLE, error=error,
                      by_key={s.key: s for s in sources},
                      pages={r.id: range(1, r.pages + 1) for r in release}, items=R.logged_items(web.db, app)
                      if release else [],
                      replied=web.db.exec(select(Document.id).where(Document.application_id == app.id,
                                                                    Document.kind == "reply")).first() is not None)


@router.get("/cases/{number}/redaction")
def redaction_overview(number: str, web: Web = Depends(allow(*REDACTION_ROUTES["/cases/{number}/redaction"]))):
    """Sources, marks, the released versions; for counsel: each released page beside its source."""
    return overview(web, load_case(web, number))


def source_page(web: Web, app, key: str, page: int, *, error: str | None = None, values: dict | None = None,
                status_code: int = 200):
    source = _source(web, app, key)
    if not source.redactable:
        raise Denied(f"「{source.filename}」不是 PDF 或图片，不能标注。")
    try:
        sizes = engine.page_sizes(source.content, source.content_type)
        text = engine.text_of(source.content, source.content_type)
    except GongkaiError as exc:
        return web.render("message.html", 422, title="无法打开源文件", message=exc.message_zh)
    page = min(max(page, 1), len(sizes))
    marks = R.active_marks(web.db, app, key)
    suggestions = R.suggest(text, already=[m.phrase for m in marks if m.phrase])
    return web.render("source.html", status_code, app=app, source=source, page=page, pages=len(sizes),
                      width=sizes[page - 1][0], height=sizes[page - 1][1], zoom=ZOOM, marks=_marks_view(marks),
                      grounds=list(R.Ground), suggestions=suggestions, error=error, values=values or {},
                      editable=web.role == Role.clerk and Status(app.status) in R.EDITABLE)


@router.get("/cases/{number}/sources/{key}")
def source_view(number: str, key: str, page: int = 1,
                web: Web = Depends(allow(*REDACTION_ROUTES["/cases/{number}/sources/{key}"]))):
    return source_page(web, load_case(web, number), key, page)


@router.get("/cases/{number}/sources/{key}/file")
def source_file(number: str, key: str, web: Web = Depends(allow(*CASE_READERS))):
    """The source as it was received: staff who may read the case only, never the applicant."""
    source = _source(web, load_case(web, number), key)
    return _download(source.content, source.filename, source.content_type)


@router.get("/cases/{number}/sources/{key}/pages/{page}.png")
def source_png(number: str, key: str, page: int, web: Web = Depends(allow(*CASE_READERS))):
    app = load_case(web, number)
    source = _source(web, app, key)
    try:
        png = engine.page_png(source.content, source.content_type, page,
                              marks=[R.mark_spec(m) for m in R.active_marks(web.db, app, key)], zoom=ZOOM)
    except GongkaiError as exc:
        return web.render("message.html", 404, title="页面不存在", message=exc.message_zh)
    return Response(png, media_type="image/png", headers={"Cache-Control": "private, no-store"})


@router.get("/cases/{number}/released/{file_id}")
def released_file(number: str, file_id: int, web: Web = Depends(allow(*CASE_READERS))):
    row = _released(web, load_case(web, number), file_id)
    return _download(row.content, row.filename, "application/pdf")


@router.get("/cases/{number}/released/{file_id}/pages/{page}.png")
def released_png(number: str, file_id: int, page: int, web: Web = Depends(allow(*CASE_READERS))):
    row = _released(web, load_case(web, number), file_id)
    try:
        png = engine.page_png(row.content, "application/pdf", page, zoom=ZOOM)
    except GongkaiError as exc:
        return web.render("message.html", 404, title="页面不存在", message=exc.message_zh)
    return Response(png, media_type="image/png", headers={"Cache-Control": "private, no-store"})


@router.get("/cases/{number}/reply-with-released.pdf")
def print_package(number: str, web: Web = Depends(allow(*REVIEWERS))):
    """On paper the released files are printed with the reply: the issued reply, then each released version."""
    app = load_case(web, number)
    reply = web.db.exec(select(Document).where(Document.application_id == app.id, Document.kind == "reply")
                        .order_by(Document.version.desc())).first()
    if reply is None:
        return web.render("message.html", 404, title="尚未签发", message="答复书签发后才能打印答复书及公开版本。")
    released = [r.content for r in R.travelling_release(web.db, app)]
    return _download(engine.bound_together([reply.content, *released]), f"{app.number}-答复书及公开版本.pdf",
                     "application/pdf")


# --- the clerk's changes ----------------------------------------------------------------------------------------


def _number(form, name: str, label: str) -> float:
    try:
        return float((form.get(name) or "").strip())
    except ValueError:
        raise ValidationFailed(f"{label}须为数字。", f"bad number {name}", field=name) from None


@router.post("/cases/{number}/sources")
def source_add(number: str, request: Request, form=Depends(posted_form), web: Web = Depends(allow(*CLERK))):
    app = load_case(web, number)
    try:
        uploads = parse_uploads(form.getlist("upload"), "源文件", "upload")
        if len(uploads) != 1:
            raise ValidationFailed("请选择一个 PDF 或扫描图片文件。", "no file", field="upload")
        added = R.add_source_file(_ctx(web), app.number, upload=uploads[0])
    except GongkaiError as exc:
        web.db.rollback()
        return overview(web, load_case(web, number), error=exc.message_zh, status_code=422)
    return web.redirect(f"/cases/{number}/sources/f{added.id}", f"已添加源文件「{added.filename}」，请标注需要遮盖的内容。")


@router.post("/cases/{number}/sources/{key}/marks")
def mark_add(number: str, key: str, request: Request, form=Depends(posted_form), web: Web = Depends(allow(*CLERK))):
    app = load_case(web, number)
    page = int(form.get("page") or 1) if (form.get("page") or "1").strip().isdigit() else 1
    try:
        if form.get("kind") == R.MarkKind.phrase:
            R.add_phrase_mark(_ctx(web), app.number, source=key, phrase=form.get("phrase") or "",
                              ground=form.get("ground") or "", reason=form.get("reason") or "")
            done = f"已标注词句「{(form.get('phrase') or '').strip()}」，生成公开版本时全部出现处均将删除。"
        else:
            source = _source(web, app, key)
            sizes = engine.page_sizes(source.content, source.content_type)
            if not 1 <= page <= len(sizes):
                raise ValidationFailed(f"页码应为1至{len(sizes)}。", "page out of range", field="page")
            rect = tuple(_number(form, n, label) for n, label in
                         (("x0", "左"), ("y0", "上"), ("x1", "右"), ("y1", "下")))
            R.add_region_mark(_ctx(web), app.number, source=key, page=page, rect=rect, ground=form.get("ground") or "",
                              reason=form.get("reason") or "", page_size=sizes[page - 1])
            done = f"已标注第{page}页的区域。"
    except GongkaiError as exc:
        web.db.rollback()
        return source_page(web, load_case(web, number), key, page, error=exc.message_zh, values=dict(form),
                           status_code=422)
    return web.redirect(f"/cases/{number}/sources/{key}?page={page}", done)


@router.post("/cases/{number}/marks/{mark_id}/withdraw")
def mark_withdraw(number: str, mark_id: int, request: Request, form=Depends(posted_form),
                  web: Web = Depends(allow(*CLERK))):
    app = load_case(web, number)
    try:
        mark = R.withdraw_mark(_ctx(web), app.number, mark_id=mark_id)
    except GongkaiError as exc:
        web.db.rollback()
        return overview(web, load_case(web, number), error=exc.message_zh, status_code=422)
    return web.redirect(f"/cases/{number}/sources/{R.key_of(mark)}?page={mark.page or 1}", "已撤销该遮盖标注。")


@router.post("/cases/{number}/redaction/release")
def release(number: str, request: Request, form=Depends(posted_form), web: Web = Depends(allow(*CLERK))):
    app = load_case(web, number)
    try:
        made = R.release(_ctx(web), app.number, engine=engine.redact)
    except GongkaiError as exc:
        web.db.rollback()
        return overview(web, load_case(web, number), error=exc.message_zh, status_code=422)
    files = "、".join(f"《{r.filename}》（共{r.pages}页）" for r in made)
    return web.redirect(f"/cases/{number}/redaction", f"已生成公开版本：{files}。请拟写部分公开答复，不予公开内容将按遮盖记录逐项列明。")


# --- the applicant ----------------------------------------------------------------------------------------------


@router.post("/status/files/{file_id}")
def applicant_download(file_id: int, request: Request, form=Depends(posted_form), web: Web = Depends(web_dep)):
    """A released file, for whoever holds the case's number and query code; nothing else is ever served here."""
    if not web.desk.public_limiter.allow(request.client.host if request.client else "?"):
        return web.render("status.html", 429, result=None, number="", error="查询过于频繁，请一分钟后再试。")
    number, code = (form.get("number") or "").strip(), (form.get("query_code") or "").strip().upper()
    app = application_by_query_code(web.db, number, code)
    files = {f.id: f for f in R.applicant_files(web.db, app)} if app is not None else {}
    if file_id not in files:
        return web.render("status.html", 404, result=None, number=number, error="未找到该文件，请核对申请编号和查询码。")
    return _download(files[file_id].content, files[file_id].filename, "application/pdf")
