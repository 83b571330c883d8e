"""The applicant portal (/portal): apply online, print the receipt, follow the case, download what was served, send a
补正 — public, in Chinese, with no staff login and no session row.

A thin layer over models.portal (submit_online, supplement_online) and models.served: the same checks as the desk's
registration, every error at once beside its field. Abuse: a signed challenge (portal_challenge), submissions per
client per hour and wrong number/code lookups per minute (the client as the desk counts it: the TCP peer, or what a
trusted proxy in GONGKAI_TRUSTED_PROXIES forwarded, so a forged X-Forwarded-For is not a new client), a cap on the
request body read before the form is parsed, and nothing about a case shown without its number and query code.
No CSRF token: the portal has no login to ride on, and every write needs a solved challenge or the query code.

Behind an agency's reverse proxy the portal's links carry GONGKAI_ROOT_PATH on requests that came through a trusted
proxy (README, "把申请人门户放到机关网站上").
"""

import logging
from dataclasses import dataclass, replace
from datetime import timedelta
from urllib.parse import quote

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session, select

from calendars import CalendarError
from interfaces.web.api import served_title
from interfaces.web.app import BodyRefused, Web
from interfaces.web.portal_challenge import FIELD as CHALLENGE_FIELD
from interfaces.web.portal_challenge import Challenges
from interfaces.web.security import RateLimiter
from interfaces.web.views import allow, load_case
from models import lifecycle
from models import portal as P
from models.attachments import READ_AT_MOST, Upload, size_label
from models.context import Ctx
from models.enums import ApplicantIdType, Channel, DeliveryMethod, RequestedForm, Role, Status
from models.errors import (AlreadySubmitted, GongkaiError, InvalidFields, NotFound, TransitionNotAllowed,
                           ValidationFailed)
from models.identity import CaseRef
from models.outcomes import ApplicantKind
from models.queries import application_by_query_code
from models.registration import ApplicantIn, ApplicationIn
from models.served import served_document, served_documents
from models.tables import Agency, Application, Supplement

router = APIRouter()
log = logging.getLogger("gongkai.portal")

SUBMISSIONS_PER_HOUR = 5  # applications one client may submit in an hour (a family, an office behind one address)
ATTEMPTS_PER_10_MINUTES = 30  # every POST that parses a form: what keeps one client from loading the server


@dataclass
class Portal:
    challenges: Challenges
    submissions: RateLimiter  # successful applications per client
    attempts: RateLimiter  # every form POST per client (parsing and checking cost)
    root_path: str = ""

    def root(self, request: Request) -> str:
        """The path prefix of the portal's links: the agency's published path when the request came through its
        trusted reverse proxy, nothing when a browser reached the desk directly."""
        desk = request.app.state.desk
        return self.root_path if self.root_path and desk.proxies.trusts(request.client.host if request.client
                                                                          else None) else ""


def install(app: FastAPI, desk, *, secret_key: str, root_path: str = "") -> None:
    """The portal's collaborators on the app, its routes, and the case page's panel of the online application."""
    app.state.portal = Portal(
        challenges=Challenges(secret_key, now=desk.now),
        submissions=RateLimiter(limit=SUBMISSIONS_PER_HOUR, window=timedelta(hours=1), now=desk.now),
        attempts=RateLimiter(limit=ATTEMPTS_PER_10_MINUTES, window=timedelta(minutes=10), now=desk.now),
        root_path=root_path,
    )
    desk.templates.env.globals["online_application_panel"] = case_panel
    app.include_router(router)


# --- request plumbing ------------------------------------------------------------------------------------------


@dataclass
class Visit:
    """One portal request: its database session, time, client and link prefix."""

    request: Request
    desk: object
    portal: Portal
    db: Session
    now: object
    client: str
    root: str

    def render(self, template: str, status_code: int = 200, **context) -> HTMLResponse:
        response = self.desk.templates.TemplateResponse(self.request, template, {"root": self.root, **context},
                                                        status_code=status_code)
        response.headers["Cache-Control"] = "no-store"  # a receipt or a case's documents never sit in a cache
        return response

    def ctx(self, agency_id: int | None = None) -> Ctx:
        return Ctx(self.db, self.desk.calendar, self.now, None, agency_id)


def visit_dep(request: Request):
    desk = request.app.state.desk
    portal = request.app.state.portal
    with Session(desk.engine, expire_on_commit=False) as db:
        yield Visit(request, desk, portal, db, desk.now(), desk.client_address(request), portal.root(request))


async def portal_form(request: Request):
    """The POSTed form, after the size cap: the declared length is checked before a byte is read, and a body
    without one is refused; the form parser then holds at most the files' limit in memory or on disk."""
    length = request.headers.get("content-length")
    if length is None:
        raise BodyRefused(411, "提交的请求缺少长度信息，请使用浏览器重新提交。")
    if not length.isdigit() or int(length) > P.MAX_PORTAL_BODY:
        raise BodyRefused(413, f"提交的内容超过 {size_label(P.MAX_PORTAL_BODY)} 的上限，请压缩文件后重新提交。")
    return await request.form(max_files=P.MAX_SUPPLEMENT_FILES + 1, max_fields=60)


def _too_many(visit: Visit, limiter: RateLimiter) -> bool:
    return not limiter.allow(visit.client)


def _uploads(form, name: str) -> list[Upload]:
    uploads = []
    for item in form.getlist(name):
        if isinstance(item, str) or (not item.filename and not item.size):
            continue
        uploads.append(Upload(filename=item.filename or "", content=item.file.read(READ_AT_MOST),
                              content_type=item.content_type or ""))
    return uploads


def _agencies(db: Session) -> list[str]:
    return list(db.exec(select(Agency.name).order_by(Agency.id)))


# --- the landing page -------------------------------------------------------------------------------------------


@router.get("/portal", response_class=HTMLResponse)
def portal_home(visit: Visit = Depends(visit_dep)):
    return visit.render("portal_home.html", title="政府信息公开申请")


# --- apply --------------------------------------------------------------------------------------------------------


KINDS = [("natural_person", "自然人")] + [(k.value, k.label) for k in P.ORGANISATIONS]
ID_TYPES = [(t.value, t.label) for t in P.NATURAL_PERSON_IDS]
FORMS = [(f.value, f.label) for f in RequestedForm]
MEANS = [(m.value, {"platform": "网上平台下载（须同意电子送达）", "email": "电子邮件（须同意电子送达）",
                    "post": "邮寄", "pickup": "当面领取"}[m.value]) for m in P.ONLINE_DELIVERY]
DEFAULTS = {"kind": "natural_person", "id_type": "resident_id", "requested_form": "electronic",
            "delivery_method": "platform"}
# The form's inputs: models' field names ("applicant.phone") map to these; anything else shows above the form.
INPUTS = {"agency", "kind", "name", "id_type", "id_number", "credit_code", "legal_representative", "contact_person",
          "phone", "email", "address", "request_text", "requested_form", "delivery_method",
          "electronic_delivery_consent", "identity_file", CHALLENGE_FIELD}


def _input_of(field: str | None, kind: str) -> str:
    name = (field or "").removeprefix("applicant.")
    if name in ("id_number", "id_type") and kind != "natural_person":
        return "credit_code"  # an organisation's 身份证明 is its USCC, one input
    return name if name in INPUTS else "_form"


def _errors(found: list[ValidationFailed], kind: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    for p in found:
        name = _input_of(p.field, kind)
        errors[name] = f"{errors[name]} {p.message_zh}" if name in errors else p.message_zh
    return errors


def _apply_page(visit: Visit, values: dict, errors: dict, status_code: int = 200, *, challenge=None,
                already: str | None = None) -> HTMLResponse:
    agencies = _agencies(visit.db)
    challenge = challenge or visit.portal.challenges.issue()
    return visit.render("portal_apply.html", status_code, title="在线提交政府信息公开申请", values=values,
                        errors=errors, agencies=agencies, kinds=KINDS, id_types=ID_TYPES, forms=FORMS, means=MEANS,
                        challenge=challenge, already=already, identity_types=P.types_label(P.IDENTITY_TYPES),
                        identity_limit=size_label(P.MAX_IDENTITY_BYTES))


@router.get("/portal/apply", response_class=HTMLResponse)
def apply_form(visit: Visit = Depends(visit_dep), agency: str = ""):
    agencies = _agencies(visit.db)
    chosen = agency if agency in agencies else (agencies[0] if len(agencies) == 1 else "")
    return _apply_page(visit, DEFAULTS | {"agency": chosen}, {})


def _application_in(form, today) -> tuple[ApplicationIn, P.OnlineDetails, list[ValidationFailed], str]:
    """The form as the domain's input, and what could not be read (no choice made): every one, at once."""
    unread: list[ValidationFailed] = []
    text = lambda name: (form.get(name) or "").strip() if isinstance(form.get(name) or "", str) else ""  # noqa: E731

    def choice(enum_cls, name, allowed, field):
        value = text(name)
        if value not in [v for v, _ in allowed]:
            unread.append(ValidationFailed("请选择一项。", f"bad {name}", field=field))
            return None
        return enum_cls(value)

    kind_value = text("kind")
    kind = choice(ApplicantKind, "kind", KINDS, "kind") or ApplicantKind.natural_person
    organisation = kind != ApplicantKind.natural_person
    if organisation:
        id_type, id_number = ApplicantIdType.credit_code, text("credit_code").upper() or None
    else:
        id_type = choice(ApplicantIdType, "id_type", ID_TYPES, "id_type") or ApplicantIdType.none
        id_number = text("id_number").upper() or None
    requested = choice(RequestedForm, "requested_form", FORMS, "requested_form") or RequestedForm.electronic
    means = choice(DeliveryMethod, "delivery_method", MEANS, "delivery_method") or DeliveryMethod.post
    data = ApplicationIn(
        agency=text("agency"), channel=Channel.online, arrived_on=today, receipt_date=today,
        applicant=ApplicantIn(kind=kind, name=text("name"), id_type=id_type, id_number=id_number,
                              phone=text("phone"), email=text("email"), address=text("address")),
        request_text=text("request_text"), requested_form=requested, delivery_method=means,
        electronic_delivery_consent=form.get("electronic_delivery_consent") == "on",
    )
    details = P.OnlineDetails(legal_representative=text("legal_representative") if organisation else "",
                              contact_person=text("contact_person") if organisation else "")
    return data, details, unread, kind_value


@router.post("/portal/apply", response_class=HTMLResponse)
def apply_submit(form=Depends(portal_form), visit: Visit = Depends(visit_dep)):
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    token = values.get("challenge_token", "")
    if _too_many(visit, visit.portal.attempts):
        return _apply_page(visit, values, {"_form": "提交过于频繁，请十分钟后再试。"}, 429)
    data, details, unread, kind = _application_in(form, visit.now.date())
    identity = next(iter(_uploads(form, "identity_file")), None)
    found = list(unread)
    agencies = _agencies(visit.db)
    if data.agency not in agencies:
        found.append(ValidationFailed("请选择受理机关。", "no agency", field="agency"))
    try:
        nonce = visit.portal.challenges.check(token, values.get(CHALLENGE_FIELD, ""))
    except ValidationFailed as exc:
        found.append(exc)
        nonce = None
    read = {_input_of(p.field, kind) for p in found}
    found += [p for p in P.online_problems(data, details, identity, today=visit.now.date())
              if _input_of(p.field, kind) not in read]
    if found:
        errors = _errors(found, kind)
        if identity is not None and "identity_file" not in errors:
            errors["identity_file_note"] = "出于安全考虑，页面不保留已选择的文件，请重新选择身份证明文件。"
        challenge = None if CHALLENGE_FIELD in errors else visit.portal.challenges.reissue(token)
        return _apply_page(visit, values, errors, 422, challenge=challenge)
    if not visit.portal.submissions.allow(visit.client):
        return _apply_page(visit, values, {"_form": f"同一网络地址每小时最多提交 {SUBMISSIONS_PER_HOUR} 件申请，请稍后再试；"
                                                   "如需提交更多申请，请联系受理机关。"}, 429)
    data = replace(data, form_token=f"portal-{nonce}")
    try:
        done = P.submit_online(visit.ctx(), data, details=details, identity=identity)
    except AlreadySubmitted as exc:  # back and resubmit: the same answered challenge registers nothing twice
        return _apply_page(visit, values, {}, 409, already=exc.number)
    except InvalidFields as exc:
        return _apply_page(visit, values, _errors(exc.problems, kind), 422)
    except ValidationFailed as exc:
        if exc.field == "applicant.kind":  # the applicant on file is not shown to an anonymous visitor
            message = "该证件号码已登记为其他类型的申请人，请核对证件号码和申请人类型。"
            return _apply_page(visit, values, {"kind": message}, 422)
        return _apply_page(visit, values, _errors([exc], kind), 422)
    except (GongkaiError, CalendarError) as exc:
        return _apply_page(visit, values, {"_form": exc.message_zh}, 422)
    app = done.application
    visit.desk.after_action(CaseRef.of(app), "register", visit.now)  # the clerks are told a submission waits
    agency = visit.db.get(Agency, app.agency_id)
    return visit.render("portal_receipt.html", title="网上提交回执", app=app, agency=agency,
                        submitted_at=visit.now, means=dict(MEANS).get(app.delivery_method, ""),
                        form_label=RequestedForm(app.requested_form).label, missing=done.missing)


# --- follow --------------------------------------------------------------------------------------------------------




def _looked_up(visit: Visit, form) -> tuple[Application | None, HTMLResponse | None]:
    """The case for number + query code, or the page that says why not; only failures count against the client."""
    number = form.get("number") if isinstance(form.get("number"), str) else ""
    code = form.get("query_code") if isinstance(form.get("query_code"), str) else ""
    if visit.desk.public_limiter.blocked(visit.client):
        return None, visit.render("portal_follow.html", 429, title="查询办理进度", result=None, number=number,
                                  error="查询过于频繁，请一分钟后再试。")
    app = application_by_query_code(visit.db, number, code)
    if app is None:
        visit.desk.public_limiter.record(visit.client)  # guessing codes is what the limit stops
        return None, visit.render("portal_follow.html", 404, title="查询办理进度", result=None, number=number,
                                  error="未找到该申请，请核对申请编号和查询码。")
    return app, None


def _follow_page(visit: Visit, app: Application, *, errors: dict | None = None, values: dict | None = None,
                 status_code: int = 200, message: str | None = None) -> HTMLResponse:
    status = Status(app.status)
    stage, meaning = P.APPLICANT_STAGE[status]
    pending = status == Status.awaiting_confirmation
    supplement = visit.db.exec(select(Supplement).where(Supplement.application_id == app.id)).first()
    documents = [(s, served_title(s), len(content)) for s, content in served_documents(visit.db, app)]
    result = {
        "number": app.number, "agency": visit.db.get(Agency, app.agency_id).name, "stage": stage, "meaning": meaning,
        "submitted_on": app.arrived_on, "receipt_date": None if pending else app.receipt_date,
        "due_date": app.due_date if status in lifecycle.OPEN_BEFORE_REPLY and not pending else None,
        "closed_on": app.closed_on, "request_text": app.request_text,
        "electronic": app.electronic_delivery_consent,
    }
    return visit.render("portal_follow.html", status_code, title="查询办理进度", result=result, number=app.number,
                        query_code=app.query_code, documents=documents, error=None, message=message,
                        supplement=supplement if status == Status.awaiting_supplement else None,
                        errors=errors or {}, values=values or {},
                        supplement_types=P.types_label(P.SUPPLEMENT_TYPES),
                        supplement_limit=size_label(P.MAX_SUPPLEMENT_FILE_BYTES),
                        supplement_files=P.MAX_SUPPLEMENT_FILES)


@router.get("/portal/follow", response_class=HTMLResponse)
def follow_form(visit: Visit = Depends(visit_dep)):
    return visit.render("portal_follow.html", title="查询办理进度", result=None, number="", error=None)


@router.post("/portal/follow", response_class=HTMLResponse)
def follow(form=Depends(portal_form), visit: Visit = Depends(visit_dep)):
    app, refused = _looked_up(visit, form)
    return refused or _follow_page(visit, app)


def _attempt(visit: Visit, form, too_many: str) -> tuple[Application | None, HTMLResponse | None]:
    """A download or an online 补正: within the client's attempts, then the case for number + query code."""
    if _too_many(visit, visit.portal.attempts):
        return None, visit.render("portal_follow.html", 429, title="查询办理进度", result=None, number="",
                                  error=too_many)
    return _looked_up(visit, form)


@router.post("/portal/follow/documents/{key}")
def download(key: str, form=Depends(portal_form), visit: Visit = Depends(visit_dep)):
    app, refused = _attempt(visit, form, "下载过于频繁，请十分钟后再试。")
    if refused:
        return refused
    try:
        served, content = served_document(visit.db, app, key)
    except NotFound as exc:
        return _follow_page(visit, app, status_code=404, message=exc.message_zh)
    media = served.content_type if served.content_type == "application/pdf" else "text/plain; charset=utf-8"
    fallback = f"{app.number}-{key}.{'pdf' if media == 'application/pdf' else 'txt'}"
    disposition = f'attachment; filename="{fallback}"; filename*=UTF-8\'\'{quote(served.filename, safe="")}'
    return Response(content, media_type=media, headers={"Content-Disposition": disposition, "Cache-Control": "no-store",
                                                        "X-Content-Type-Options": "nosniff"})


@router.post("/portal/follow/supplement", response_class=HTMLResponse)
def supplement(form=Depends(portal_form), visit: Visit = Depends(visit_dep)):
    """Art 30: the applicant's 补正 sent online is received today and the reply period restarts from it."""
    app, refused = _attempt(visit, form, "提交过于频繁，请十分钟后再试。")
    if refused:
        return refused
    content = form.get("content") if isinstance(form.get("content"), str) else ""
    try:
        done = P.supplement_online(visit.ctx(app.agency_id), app.number, content=content,
                                   files=_uploads(form, "files"))
    except InvalidFields as exc:
        visit.db.rollback()
        return _follow_page(visit, app, errors=_supplement_errors(exc.problems), values={"content": content},
                            status_code=422)
    except TransitionNotAllowed:  # the office's status words are not the applicant's
        visit.db.rollback()
        return _follow_page(visit, visit.db.get(Application, app.id), status_code=422, values={"content": content},
                            errors={"_form": "该申请当前不在补正期间，无需提交补正。"})
    except (GongkaiError, CalendarError) as exc:
        visit.db.rollback()
        errors = _supplement_errors([exc]) if isinstance(exc, ValidationFailed) else {"_form": exc.message_zh}
        return _follow_page(visit, visit.db.get(Application, app.id), errors=errors, values={"content": content},
                            status_code=422)
    visit.desk.after_action(done.case, "receive_supplement", visit.now)
    visit.db.expire_all()
    return _follow_page(visit, visit.db.get(Application, app.id),
                        message=f"已收到您的补正（{done.due_date and '答复期限 ' + str(done.due_date) or ''}）。"
                                "答复期限自今日起重新计算（《条例》第三十条）。")


def _supplement_errors(found) -> dict[str, str]:
    errors: dict[str, str] = {}
    for p in found:
        name = p.field if getattr(p, "field", None) in ("content", "files") else "_form"
        errors[name] = f"{errors[name]} {p.message_zh}" if name in errors else p.message_zh
    return errors


# --- for the clerk: the online application on the case page, and its files -----------------------------------------


def case_panel(web: Web, app: Application) -> dict | None:
    """What the case page shows of an online application (a Jinja global): its details and the applicant's files."""
    details = P.online_details(web.db, app)
    files = P.applicant_files(web.db, app)
    if details is None and not files:
        return None
    return {"details": details, "files": files, "size": size_label}


@router.get("/cases/{number}/applicant-files/{file_id}")
def applicant_file_download(number: str, file_id: int, web: Web = Depends(allow(Role.clerk))):
    """The 身份证明 or 补正 file as the applicant sent it, for the clerk who sees the applicant's full details on the
    case page (the others see them masked): always a download, never rendered by the browser."""
    app = load_case(web, number)
    try:
        found = P.applicant_file(web.db, app, file_id)
    except NotFound as exc:
        return web.render("message.html", 404, title="文件不存在", message=exc.message_zh)
    disposition = (f'attachment; filename="applicant-file-{found.id}"; '
                   f'filename*=UTF-8\'\'{quote(found.filename, safe="")}')
    return Response(found.content, media_type=found.content_type,
                    headers={"Content-Disposition": disposition, "X-Content-Type-Options": "nosniff"})
