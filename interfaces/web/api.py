"""The JSON API, version 1, mounted at /api/v1 by create_app; its OpenAPI document is /api/v1/openapi.json.

Public (no login; throttled per client like the status page): submit an application (the desk's registration,
channel online), read its public status with number + query code, list and download the documents served on the
applicant. Staff systems (a bearer token from `gongkai api token create`, acting as its user within that user's
agency and role): list cases, show one, and the main steps, each through models.actions so the lifecycle's role
checks, the guards and the Events are the desk's and the CLI's.

Every error is JSON: {"code": <stable English code>, "message": <Chinese>, "problems": [{"field", "message"}]}.
No business rule lives here.
"""

import logging
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Body, Depends, FastAPI, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from sqlmodel import Session, select
from starlette.exceptions import HTTPException as StarletteHTTPException

from calendars import CalendarError
from models import actions as A
from models import lifecycle
from models.api_tokens import TokenRefused, authenticate
from models.context import Ctx
from models.enums import (ApplicantIdType, ApplicantOnFile, AssignmentStatus, Channel,
                          DeliveryMethod, RequestedForm, Role, Status)
from models.errors import (AlreadySubmitted, CaseReadOnly, ConcurrentUpdate, GongkaiError, GuardFailed, InvalidFields,
                           NotFound, RoleNotAllowed, TransitionNotAllowed, ValidationFailed)
from models.identity import CaseRef
from models.outcomes import ApplicantKind
from models.queries import (ListFilter, applicant_of, application_by_number, application_by_query_code, assignments_of,
                            events_of, list_applications)
from models.portal import OnlineDetails, online_problems, submit_online
from models.registration import ApplicantIn, ApplicationIn
from models.served import Served, served_document, served_documents
from models.tables import Agency, Application, Department, User
from notices.render import DocumentKind

log = logging.getLogger("gongkai.api")
router = APIRouter()
MAX_BODY = 64 * 1024  # a JSON request larger than this is refused before it is read


# --- errors -----------------------------------------------------------------------------------------------


class FieldProblem(BaseModel):
    field: str | None = Field(description="出错的字段（点分路径），整体错误时为 null")
    message: str = Field(description="中文说明")


class ApiError(BaseModel):
    code: str = Field(description="稳定的英文错误代码，如 validation_failed、not_found、rate_limited")
    message: str = Field(description="给用户看的中文说明")
    problems: list[FieldProblem] = Field(default_factory=list, description="逐字段的问题（表单校验时一次列全）")


class ApiFailure(Exception):
    def __init__(self, status: int, code: str, message: str, problems: list[FieldProblem] | None = None,
                 headers: dict | None = None):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.problems = problems or []
        self.headers = headers


def _error(status: int, code: str, message: str, problems=(), headers=None) -> JSONResponse:
    body = ApiError(code=code, message=message, problems=list(problems))
    return JSONResponse(body.model_dump(), status_code=status, headers=headers)


# Domain errors → (HTTP status, stable code); the first matching class wins (subclasses before their parents).
DOMAIN_ERRORS: tuple[tuple[type, int, str], ...] = (
    (AlreadySubmitted, 409, "already_submitted"),
    (ValidationFailed, 422, "validation_failed"),
    (NotFound, 404, "not_found"),
    (TransitionNotAllowed, 409, "transition_not_allowed"),
    (RoleNotAllowed, 403, "role_not_allowed"),
    (GuardFailed, 409, "guard_failed"),
    (ConcurrentUpdate, 409, "concurrent_update"),
    (CaseReadOnly, 409, "case_read_only"),
    (TokenRefused, 401, "unauthorized"),
    (GongkaiError, 409, "refused"),
)


def _problems_of(exc: GongkaiError) -> list[FieldProblem]:
    if isinstance(exc, InvalidFields):
        return [FieldProblem(field=p.field, message=p.message_zh) for p in exc.problems]
    if isinstance(exc, ValidationFailed):
        return [FieldProblem(field=exc.field, message=exc.message_zh)]
    return []


def _request_problems(exc: RequestValidationError) -> list[FieldProblem]:
    found = []
    for e in exc.errors():
        where = ".".join(str(x) for x in e.get("loc", ()) if x not in ("body", "query", "path", "header"))
        what = "缺少该项" if e.get("type") == "missing" else "格式或取值不正确"
        found.append(FieldProblem(field=where or None, message=f"{what}（{e.get('msg', '')}）"))
    return found


ERRORS = {status: {"model": ApiError, "description": text} for status, text in (
    (401, "未提供或提供了无效的接口令牌"), (403, "角色或机关无权执行"), (404, "不存在或不属于本机关"),
    (409, "当前状态或法定条件不允许"), (413, "请求内容过大"), (422, "请求内容不符合要求"),
    (429, "请求过于频繁"), (500, "系统错误（附参考编号）"),
)}
PUBLIC_ERRORS = {k: v for k, v in ERRORS.items() if k not in (401, 403)}


# --- what every request is given ----------------------------------------------------------------------------


@dataclass
class Api:
    request: Request
    desk: object  # interfaces.web.app.Desk
    db: Session
    now: datetime

    @property
    def today(self) -> date:
        return self.now.date()

    @property
    def client(self) -> str:
        return self.desk.client_address(self.request)

    def ctx(self, actor: User | None) -> Ctx:
        return Ctx(self.db, self.desk.calendar, self.now, actor)


def api_dep(request: Request) -> Iterator[Api]:
    desk = request.app.state.desk
    with Session(desk.engine, expire_on_commit=False) as db:
        yield Api(request, desk, db, desk.now())


def _limit_body(request: Request) -> None:
    length = request.headers.get("content-length")
    if length is not None and (not length.isdigit() or int(length) > MAX_BODY):
        raise ApiFailure(413, "payload_too_large", f"请求内容超过 {MAX_BODY // 1024} KB 的上限。")


bearer = HTTPBearer(auto_error=False, description="`gongkai api token create --user 用户名` 生成的令牌")


@dataclass
class Staff:
    api: Api
    user: User

    @property
    def role(self) -> Role:
        return Role(self.user.role)


def staff_dep(api: Api = Depends(api_dep),
              credentials: HTTPAuthorizationCredentials | None = Depends(bearer)) -> Staff:
    """The token's user; failed tokens are throttled per client like wrong passwords."""
    limiter = api.desk.login_limiter
    if limiter.blocked(api.client):
        raise ApiFailure(429, "rate_limited", "令牌验证失败次数过多，请一分钟后再试。")
    try:
        user = authenticate(api.db, credentials.credentials if credentials else None)
    except TokenRefused:
        if credentials is not None:  # a token presented and refused: what guessing looks like
            limiter.record(api.client)
        raise
    return Staff(api, user)


# --- request and response bodies ------------------------------------------------------------------------------


def _clean(value: str) -> str:
    """Text the database can store as given: no NUL and no unpaired surrogate (which no UTF-8 encodes)."""
    if "\x00" in value or any("\ud800" <= c <= "\udfff" for c in value):
        raise ValueError("contains a NUL or an unpaired surrogate character")
    return value


def text(max_length: int, *, min_length: int = 0, description: str = ""):
    return Annotated[str, Field(min_length=min_length, max_length=max_length, description=description),
                     AfterValidator(_clean)]


class ApplicantBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: ApplicantKind = Field(description="申请人类型（年度报告表三的列）")
    name: text(200, description="姓名或名称")
    id_type: ApplicantIdType = Field(ApplicantIdType.none, description="身份证明类型")
    id_number: text(40, description="证件号码（居民身份证、统一社会信用代码按校验码核验）") | None = None
    phone: text(40, description="联系电话") = ""
    email: text(200, description="电子邮箱") = ""
    address: text(300, description="通信地址") = ""


class SubmissionBody(BaseModel):
    """《条例》第二十九条：申请人、所需信息的描述、获取信息的方式和途径。"""

    model_config = ConfigDict(extra="forbid")
    agency: text(200, min_length=1, description="受理机关名称（见 GET /agencies）")
    applicant: ApplicantBody
    request_text: text(5000, description="申请公开的政府信息的名称、文号或便于查询的特征性描述")
    requested_form: RequestedForm = Field(RequestedForm.electronic, description="提供政府信息的形式")
    delivery_method: DeliveryMethod = Field(DeliveryMethod.platform, description="获取信息的方式")
    electronic_delivery_consent: bool = Field(False, description="申请人同意电子送达")
    submission_id: Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{16,60}$",
                                        description="平台生成的提交编号：同一编号只登记一次，重试不会重复登记")] | None = None


class Receipt(BaseModel):
    number: str = Field(description="申请编号")
    query_code: str = Field(description="查询码：查询进度和下载文书时与申请编号一并提供")
    agency: str
    stage: str = Field(description="办理阶段：提交后为「待确认」，公开办确认收到后开始计算答复期限")
    submitted_on: date = Field(description="提交之日")
    receipt_date: date | None = Field(
        description="收到申请之日（《条例》第三十一条第（三）项：以双方确认之日为收到申请之日，即公开办确认收到之日；确认前为空）")
    due_date: date | None = Field(description="答复期限（确认收到后计算；确认前为空）")
    missing: list[str] = Field(description="尚缺的第二十九条材料：机关将一次性告知补正")


class Agencies(BaseModel):
    agencies: list[str]


class Lookup(BaseModel):
    model_config = ConfigDict(extra="forbid")
    number: text(40, min_length=1, description="申请编号，如 2026-000001")
    query_code: text(40, min_length=1, description="查询码")


class PublicStatus(BaseModel):
    """The public status page's data: nothing personal."""

    number: str
    agency: str = Field(description="受理机关（编号在各机关重复，机关名确认查到的是本人的申请）")
    stage: str = Field(description="办理阶段")
    waits_for: str = Field(description="当前等待的事项")
    receipt_date: date | None = Field(description="收到申请之日（网上申请在公开办确认收到前为空）")
    due_date: date | None = Field(description="答复期限（答复前）")
    closed_on: date | None = Field(description="办结日期")


class ServedDocument(BaseModel):
    id: str = Field(description="文件编号，下载时使用")
    title: str
    filename: str
    content_type: str
    size: int
    served_on: date = Field(description="发送（送达）之日")
    delivered_on: date | None = Field(description="登记送达之日")


class ServedDocuments(BaseModel):
    documents: list[ServedDocument]


class CaseSummary(BaseModel):
    number: str
    status: Status
    status_label: str
    waits_for: str
    receipt_date: date
    due_date: date | None
    applicant: str


class CaseList(BaseModel):
    cases: list[CaseSummary]


class AssignmentOut(BaseModel):
    department: str
    status: AssignmentStatus
    status_label: str
    due_date: date
    opinion: str | None


class EventOut(BaseModel):
    at: datetime
    action: str
    actor: str
    to_status: Status | None


class NextAction(BaseModel):
    action: str
    label: str


class CaseDetail(CaseSummary):
    agency: str
    channel: Channel
    request_text: str
    assignments: list[AssignmentOut]
    events: list[EventOut]
    next_actions: list[NextAction] = Field(description="本令牌的角色在当前状态下可执行的步骤")


class ActionResult(BaseModel):
    number: str
    message: str = Field(description="办理结果（中文）")
    status: Status
    status_label: str
    waits_for: str
    due_date: date | None
    automatic: str = Field(description="本步骤触发的自动步骤的说明（可为空）")


class RouteBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    department: text(200, min_length=1, description="承办单位名称")


class SupplementBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    items: text(5000, min_length=1, description="需要补正的全部事项（一次性告知）")
    period_days: int | None = Field(None, ge=1, le=60, description="补正期限（工作日，默认按机关设置）")


class ReasonBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: text(2000, min_length=1, description="退回理由")


class OpinionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    opinion: text(20000, min_length=1, description="书面答复意见")


class Empty(BaseModel):
    model_config = ConfigDict(extra="forbid")


NUMBER = Annotated[str, Path(min_length=1, max_length=40, description="申请编号")]


# --- public: apply, follow, download ---------------------------------------------------------------------------


@router.get("/agencies", response_model=Agencies, responses=PUBLIC_ERRORS, tags=["公众"],
            summary="可受理申请的机关")
def agencies(api: Api = Depends(api_dep)) -> Agencies:
    return Agencies(agencies=list(api.db.exec(select(Agency.name).order_by(Agency.id))))


@router.post("/applications", status_code=201, response_model=Receipt, responses=PUBLIC_ERRORS, tags=["公众"],
             summary="在线提交政府信息公开申请", dependencies=[Depends(_limit_body)])
def submit_application(body: SubmissionBody, api: Api = Depends(api_dep)) -> Receipt:
    # the desk's registration with channel 互联网: every problem of the form at once, nothing written on refusal
    if not api.desk.public_limiter.allow(api.client):  # every submission counts
        raise ApiFailure(429, "rate_limited", "提交过于频繁，请一分钟后再试。")
    agency = api.db.exec(select(Agency).where(Agency.name == body.agency)).first()
    if agency is None:
        raise ApiFailure(422, "validation_failed", f"受理机关「{body.agency}」不存在，请核对机关名称。",
                         [FieldProblem(field="agency", message="受理机关不存在")])
    a = body.applicant
    today = api.today
    # Art 31(3): an application over the internet is received on the day both sides confirm it: the office's side is
    # the clerk's confirmation (models.portal.confirm_receipt); until then the case is 待确认 and no period runs
    data = ApplicationIn(
        agency=agency.name, channel=Channel.online, arrived_on=today, receipt_date=today,
        applicant=ApplicantIn(kind=a.kind, name=a.name, id_type=a.id_type, id_number=a.id_number, phone=a.phone,
                              email=a.email, address=a.address),
        request_text=body.request_text, requested_form=body.requested_form, delivery_method=body.delivery_method,
        electronic_delivery_consent=body.electronic_delivery_consent,
        applicant_on_file=ApplicantOnFile.keep,  # an anonymous caller never changes an applicant on file
        form_token=f"api-{body.submission_id}" if body.submission_id else None,
    )
    found = online_problems(data, OnlineDetails(), None, today=today, via="api")
    if found:
        raise InvalidFields(found) if len(found) > 1 else found[0]
    try:
        done = submit_online(api.ctx(None), data, via="api")
    except AlreadySubmitted:
        raise ApiFailure(409, "already_submitted", "该提交编号已登记过申请，未重复登记；请用原申请编号和查询码查询。") from None
    except ValidationFailed as exc:
        if exc.field == "applicant.kind":  # the applicant on file is not shown to an anonymous caller
            raise ApiFailure(422, "validation_failed", "证件号码已登记为其他类型的申请人，请核对证件号码和申请人类型。",
                             [FieldProblem(field="applicant.kind", message="与已登记的申请人类型不一致")]) from None
        raise
    app = done.application
    api.desk.after_action(CaseRef.of(app), "register", api.now)
    status = Status(app.status)
    return Receipt(number=app.number, query_code=app.query_code, agency=agency.name, stage=status.label,
                   submitted_on=app.arrived_on,
                   receipt_date=None if status == Status.awaiting_confirmation else app.receipt_date,
                   due_date=app.due_date, missing=list(done.missing))




def _looked_up(api: Api, body: Lookup) -> Application:
    """The case for number + query code; only failures count against the client (as on the status page)."""
    if api.desk.public_limiter.blocked(api.client):
        raise ApiFailure(429, "rate_limited", "查询过于频繁，请一分钟后再试。")
    app = application_by_query_code(api.db, body.number, body.query_code)
    if app is None:
        api.desk.public_limiter.record(api.client)
        raise ApiFailure(404, "not_found", "未找到该申请，请核对申请编号和查询码。")
    return app


@router.post("/status", response_model=PublicStatus, responses=PUBLIC_ERRORS, tags=["公众"],
             summary="按申请编号和查询码查询办理进度", dependencies=[Depends(_limit_body)])
def public_status(body: Lookup, api: Api = Depends(api_dep)) -> PublicStatus:
    app = _looked_up(api, body)
    status = Status(app.status)
    return PublicStatus(number=app.number, agency=api.db.get(Agency, app.agency_id).name, stage=status.label,
                        waits_for=lifecycle.waits_for(status),
                        receipt_date=None if status == Status.awaiting_confirmation else app.receipt_date,
                        due_date=app.due_date if status in lifecycle.OPEN_BEFORE_REPLY else None,
                        closed_on=app.closed_on)


def served_title(served: Served) -> str:
    """A served document's title as the applicant reads it (the API and the portal's follow page)."""
    if served.kind == "release":
        return f"公开版本：{served.filename}"
    try:
        return DocumentKind(served.kind).title
    except ValueError:
        return served.kind


@router.post("/status/documents", response_model=ServedDocuments, responses=PUBLIC_ERRORS, tags=["公众"],
             summary="已电子送达申请人的文书", dependencies=[Depends(_limit_body)])
def public_documents(body: Lookup, api: Api = Depends(api_dep)) -> ServedDocuments:
    app = _looked_up(api, body)
    return ServedDocuments(documents=[
        ServedDocument(id=s.key, title=served_title(s), filename=s.filename, content_type=s.content_type, size=len(content),
                       served_on=s.served_on, delivered_on=s.delivered_on)
        for s, content in served_documents(api.db, app)])


DOWNLOAD = {200: {"description": "文件内容", "content": {
    "application/pdf": {"schema": {"type": "string", "format": "binary"}},
    "text/plain": {"schema": {"type": "string"}}}}}


@router.post("/status/documents/{document_id}", response_class=Response, responses=DOWNLOAD | PUBLIC_ERRORS,
             tags=["公众"], summary="下载一份已送达的文书", dependencies=[Depends(_limit_body)])
def public_download(body: Lookup, api: Api = Depends(api_dep),
                    document_id: str = Path(pattern=r"^(document|release)-[0-9]{1,12}$",
                                            description="文件编号（见文书清单）")) -> Response:
    if not api.desk.public_limiter.allow(api.client):  # every download counts, as on the status page
        raise ApiFailure(429, "rate_limited", "下载过于频繁，请一分钟后再试。")
    app = application_by_query_code(api.db, body.number, body.query_code)
    if app is None:
        raise ApiFailure(404, "not_found", "未找到该申请，请核对申请编号和查询码。")
    served, content = served_document(api.db, app, document_id)
    media = "application/pdf" if served.content_type == "application/pdf" else "text/plain; charset=utf-8"
    ext = "pdf" if media == "application/pdf" else "txt"
    return Response(content, media_type=media, headers={"Content-Disposition": f'attachment; filename="{document_id}.{ext}"'})


# --- staff systems: cases and the main steps --------------------------------------------------------------------


def _case(staff: Staff, number: str) -> Application:
    """The case in the token's agency; a department handler's token sees only cases routed to its department."""
    try:
        app = application_by_number(staff.api.db, number, agency_id=staff.user.agency_id)
    except NotFound:
        raise ApiFailure(404, "not_found", "申请不存在，或不属于令牌所属的机关。") from None
    if staff.role == Role.department_handler:
        if not any(a.department_id == staff.user.department_id for a in assignments_of(staff.api.db, app)):
            raise ApiFailure(403, "forbidden", "该申请未交办令牌所属的承办单位，无权查看。")
    return app


def _summary(app: Application, applicant: str) -> dict:
    status = Status(app.status)
    return dict(number=app.number, status=status, status_label=status.label, waits_for=lifecycle.waits_for(status),
                receipt_date=app.receipt_date, due_date=app.due_date, applicant=applicant)


@router.get("/cases", response_model=CaseList, responses=ERRORS, tags=["工作人员"], summary="申请清单（按最近期限）")
def list_cases(staff: Staff = Depends(staff_dep), status: Status | None = Query(None, description="状态"),
               overdue: bool = Query(False, description="只看已超期的"),
               q: Annotated[str, Query(max_length=100, description="按编号、申请人或申请内容搜索"),
                            AfterValidator(_clean)] = "",
               limit: int = Query(100, ge=1, le=500)) -> CaseList:
    db = staff.api.db
    department = None
    if staff.role == Role.department_handler:  # its own department's cases only
        if staff.user.department_id is None:
            return CaseList(cases=[])
        department = db.get(Department, staff.user.department_id).name
    rows = list_applications(db, ListFilter(agency=db.get(Agency, staff.user.agency_id).name, status=status,
                                            department=department, overdue_on=staff.api.today if overdue else None,
                                            text=q.strip() or None, limit=limit))
    return CaseList(cases=[CaseSummary(**_summary(a, p.name)) for a, p in rows])


@router.get("/cases/{number}", response_model=CaseDetail, responses=ERRORS, tags=["工作人员"], summary="申请详情")
def show_case(number: NUMBER, staff: Staff = Depends(staff_dep)) -> CaseDetail:
    db = staff.api.db
    app = _case(staff, number)
    status = Status(app.status)
    assignments = [AssignmentOut(department=db.get(Department, a.department_id).name, status=a.status,
                                 status_label=AssignmentStatus(a.status).label, due_date=a.due_date, opinion=a.opinion)
                   for a in assignments_of(db, app)]
    events = [EventOut(at=e.at, action=e.action, actor=e.actor_name, to_status=e.to_status) for e in events_of(db, app)
              if not (staff.role == Role.department_handler and e.action == "notify")]  # as on the desk
    return CaseDetail(**_summary(app, applicant_of(db, app).name), agency=db.get(Agency, app.agency_id).name,
                      channel=app.channel, request_text=app.request_text, assignments=assignments, events=events,
                      next_actions=[NextAction(action=t.action, label=t.label)
                                    for t in lifecycle.allowed_actions(status, staff.role)])


def _act(staff: Staff, number: str, name: str, fn, **kwargs) -> ActionResult:
    """The domain action as the token's user (its own agency's case only), then the case's automatic steps."""
    _case(staff, number)
    api = staff.api
    done = fn(api.ctx(staff.user), number, **kwargs)
    automatic = api.desk.after_action(done.case, name, api.now) or ""
    return ActionResult(number=done.number, message=done.message, status=done.status, status_label=done.status.label,
                        waits_for=done.waits_for, due_date=done.due_date, automatic=automatic)


STEP = dict(response_model=ActionResult, responses=ERRORS, tags=["工作人员"], dependencies=[Depends(_limit_body)])


@router.post("/cases/{number}/route", summary="交办一个承办单位（5个工作日内书面答复）", **STEP)
def route(number: NUMBER, body: RouteBody, staff: Staff = Depends(staff_dep)) -> ActionResult:
    return _act(staff, number, "route", A.route, department=body.department)


@router.post("/cases/{number}/supplement", summary="一次性告知补正（《条例》第三十条）", **STEP)
def supplement(number: NUMBER, body: SupplementBody, staff: Staff = Depends(staff_dep)) -> ActionResult:
    return _act(staff, number, "request_supplement", A.request_supplement, items=body.items,
                period_days=body.period_days)


@router.post("/cases/{number}/accept", summary="承办单位签收", **STEP)
def accept(number: NUMBER, body: Annotated[Empty, Body()] = None, staff: Staff = Depends(staff_dep)) -> ActionResult:
    return _act(staff, number, "accept_assignment", A.accept_assignment)


@router.post("/cases/{number}/return", summary="承办单位退回（写明理由）", **STEP)
def return_case(number: NUMBER, body: ReasonBody, staff: Staff = Depends(staff_dep)) -> ActionResult:
    return _act(staff, number, "return_assignment", A.return_assignment, reason=body.reason)


@router.post("/cases/{number}/opinion", summary="承办单位提交书面答复意见", **STEP)
def opinion(number: NUMBER, body: OpinionBody, staff: Staff = Depends(staff_dep)) -> ActionResult:
    return _act(staff, number, "submit_opinion", A.submit_opinion, opinion=body.opinion)


# --- the application ----------------------------------------------------------------------------------------------


def create_api(desk) -> FastAPI:
    """The API as its own application (JSON errors, its own OpenAPI document), to mount at /api/v1."""
    api = FastAPI(title="公开 Gongkai 接口", version="1",
                  description="政府信息公开申请的在线提交、进度查询、文书下载，以及工作人员系统的办理接口。",
                  openapi_url="/openapi.json", docs_url=None, redoc_url=None)
    api.state.desk = desk
    api.include_router(router)

    @api.middleware("http")
    async def headers(request: Request, call_next):
        response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Cache-Control", "no-store")
        return response

    @api.exception_handler(ApiFailure)
    async def _failure(request: Request, exc: ApiFailure):
        return _error(exc.status, exc.code, exc.message, exc.problems, exc.headers)

    @api.exception_handler(GongkaiError)
    async def _domain(request: Request, exc: GongkaiError):
        status, code = next((s, c) for cls, s, c in DOMAIN_ERRORS if isinstance(exc, cls))
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        return _error(status, code, exc.message_zh, _problems_of(exc), headers)

    @api.exception_handler(CalendarError)
    async def _calendar(request: Request, exc: CalendarError):
        return _error(409, "calendar_error", getattr(exc, "message_zh", "工作日历无法计算该日期，请联系系统管理员。"))

    @api.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError):
        return _error(422, "request_invalid", "请求内容不符合接口定义，请按各字段的说明修改后重试。", _request_problems(exc))

    @api.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        if exc.status_code == 404:
            return _error(404, "not_found", "接口路径不存在，请参阅 /api/v1/openapi.json。")
        if exc.status_code == 405:
            return _error(405, "method_not_allowed", "该接口不支持此请求方法。")
        return _error(exc.status_code, "http_error", str(exc.detail))

    @api.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception):
        reference = secrets.token_hex(4).upper()
        log.error("unexpected API error %s on %s %s", reference, request.method, request.url.path, exc_info=exc)
        return _error(500, "internal_error", f"系统处理请求时出错，本次操作可能未完成。请将参考编号 {reference} 告知系统管理员。")

    return api
