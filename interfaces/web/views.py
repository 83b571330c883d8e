"""The desk's routes: one small function per page, each behind `allow(<roles>)`.

ROUTE_ROLES below is the access table the role-matrix test reads; a route missing from it fails that test.
"""

import difflib
import logging
import secrets
from datetime import date
from pathlib import PurePosixPath
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session, col, select

from calendars import CalendarError
from interfaces.web import case_actions, problem_panel
from interfaces.web.app import HOME, Denied, LoginRequired, Web, posted_form
from interfaces.web.security import LoginBusy, mask_id, mask_phone
from models import dashboard as D
from models import guards, lifecycle, outbox, redaction, sessions
from models.actions import DraftIn, latest_decision
from models.attachments import size_label
from models.citation_check import CitationCheckFailed, default_citations, requirements
from models.context import Ctx
from models.deadlines import read_clock
from models.enums import (ApplicantIdType, ApplicantOnFile, AssignmentStatus, Channel, ConfirmationMethod, DecisionStatus,
                          DeliveryMethod, RequestedForm, Role, Status)
from models.errors import (AlreadySubmitted, ApplicantMismatch, GongkaiError, GuardFailed, InvalidFields, NotFound,
                           ValidationFailed)
from models.identity import CaseRef
from models.outcomes import ITEM_OUTCOMES, OGI, TABLE3_COLUMNS, TABLE3_ROWS, ApplicantKind, Citation, Outcome
from models.problems import LEVEL_LABELS as PROBLEM_LEVEL_LABELS
from models.passwords import DUMMY_HASH, hash_password, needs_rehash, verify_password
from models.queries import (applicant_of, application_by_number, application_by_query_code, assignments_of,
                            attachment_of, attachments_of, document_of, documents_of, events_of)
from models.registration import ApplicantIn, ApplicationIn, ensure_form_unused, missing_items, problems, register
from models.statistics import annual_report, cell_cases, period, scope_of
from models.tables import (SHANGHAI, Agency, Application, Assignment, Attachment, Delivery, Department, Fee, JointConsultation,
                           ReasonRequest, Review, User)
from notices.from_case import issued_notice
from notices.render import DocumentKind, NoticeFieldMissing, render_html

router = APIRouter()
log = logging.getLogger("gongkai.desk")
R = Role
ALL_STAFF = tuple(Role)
CASE_READERS = ALL_STAFF  # department handlers further restricted to their assignments (see load_case)
LEADERS = (R.coordinating_leader, R.office_head)
DASHBOARD = (R.supervisor, R.office_head, R.coordinating_leader, R.admin)

# path -> roles (None: public). The role-matrix test walks this table.
ROUTE_ROLES = {
    "/worklist": (R.clerk, R.office_head, R.supervisor, R.admin),
    "/register": (R.clerk,),
    "/cases/{number}": CASE_READERS,
    "/cases/{number}/draft": (R.clerk,),
    "/cases/{number}/reply-preview": (R.clerk, R.legal_counsel, R.office_head, R.coordinating_leader),
    "/cases/{number}/documents/{doc_id}": CASE_READERS,
    "/cases/{number}/attachments/{attachment_id}": CASE_READERS,
    "/inbox": (R.department_handler,),
    "/review": (R.legal_counsel,),
    "/coordination": LEADERS,
    "/dashboard": DASHBOARD,
    "/dashboard/cases": DASHBOARD,
    "/dashboard/table3": DASHBOARD,
    "/dashboard/table3/cases": DASHBOARD,
    "/notices": ALL_STAFF,
    # the 系统管理员's pages (interfaces.web.admin_views)
    "/admin/agencies": (R.admin,),
    "/admin/agencies/{agency_id}": (R.admin,),
    "/admin/departments": (R.admin,),
    "/admin/users": (R.admin,),
    "/admin/users/{username}": (R.admin,),
    "/problems": ALL_STAFF,
    "/art44": (R.clerk, R.coordinating_leader, R.office_head, R.supervisor),  # Art 44 proposals (art44_views)  # the problem list; staff outside the office see the items they own (problem_views)
    "/find": ALL_STAFF,
    # the annual report draft and its table 二 (interfaces.web.annual_views)
    "/annual": (R.office_head, R.supervisor, R.admin),
    "/annual/draft.docx": (R.office_head, R.supervisor, R.admin),
    "/annual/draft.pdf": (R.office_head, R.supervisor, R.admin),
    # mock applications (模拟暗访) and their audit report (interfaces.web.mock_views): the office only
    "/mock": (R.supervisor, R.office_head),
    "/mock/report": (R.supervisor, R.office_head),
    # 周调度、月检查、季通报 (interfaces.web.periodic_views)
    "/periodic": DASHBOARD,
    "/periodic/report.pdf": DASHBOARD,
    "/periodic/report.xlsx": DASHBOARD,
}


# --- dependencies -------------------------------------------------------------------------------------


def web_dep(request: Request):
    desk = request.app.state.desk
    session = request.state.web_session
    with Session(desk.engine, expire_on_commit=False) as db:
        user = db.get(User, session.uid) if session.uid is not None else None
        if user is not None and not user.active:
            desk.sessions.log_out(session)
            user = None
        yield Web(request, desk, db, user, session, desk.now())


def allow(*roles: Role):
    def dependency(web: Web = Depends(web_dep)) -> Web:
        if web.user is None:
            raise LoginRequired()
        if web.role not in roles:
            raise Denied()
        return web

    return dependency


def _agency(web: Web) -> Agency:
    return web.db.get(Agency, web.user.agency_id)


def load_case(web: Web, number: str) -> Application:
    """The case in the user's agency; a department handler only sees cases routed to its department."""
    try:
        app = application_by_number(web.db, number, agency=_agency(web))
    except NotFound:
        raise Denied("申请不存在，或不属于您所在的机关。") from None
    if web.role == Role.department_handler:
        if not any(a.department_id == web.user.department_id for a in assignments_of(web.db, app)):
            raise Denied("该申请未交办本单位，无权查看。")
    return app


def cutoffs(web: Web) -> D.Cutoffs:
    return D.Cutoffs.on(web.now.date(), calendar=web.desk.calendar)


# --- template filters -----------------------------------------------------------------------------------

EVENT_LABELS = {t.action: t.label for t in lifecycle.TRANSITIONS} | {
    "register": "登记申请", "accept_assignment": "承办单位签收", "return_assignment": "承办单位退回",
    "submit_opinion": "提交书面答复意见", "assign_departments": "指定承办单位", "request_extension": "申请延期",
    "decide_extension": "审批延期", "set_litigation_prone": "易诉标记", "add_document": "生成文书",
    "request_reasons": "要求说明理由", "record_reasons": "登记申请人说明的理由", "defer_reply": "确定延迟答复期限",
    "record_challenge": "登记复议诉讼", "decide_challenge": "登记复议诉讼结果",
    "add_source_file": "添加源文件", "add_redaction": "标注遮盖内容", "withdraw_redaction": "撤销遮盖标注",
    "release_redacted": "生成公开版本",
    "problem_add": "列入问题清单", "problem_note": "记录问题清单进展", "problem_close": "问题清单销号",
    "supplement_online": "申请人网上提交补正材料",
}


def _status_label(value) -> str:
    try:
        return Status(value).label
    except ValueError:
        return str(value)


def _zh_date(value) -> str:
    if value is None:
        return "—"
    return f"{value.year}年{value.month}月{value.day}日"


def _zh_time(value) -> str:
    """An event time as the desk shows it: 2026年3月2日 09:05 (Asia/Shanghai)."""
    if value is None:
        return "—"
    local = value.astimezone(SHANGHAI)
    return f"{_zh_date(local)} {local:%H:%M}"


def _document_title(kind: str) -> str:
    """A generated document's Chinese title (政府信息公开申请交办单); an unknown kind as stored."""
    try:
        return DocumentKind(kind).title
    except ValueError:
        return kind


def install_filters(env) -> None:
    env.filters.update(
        status=_status_label, zh_date=_zh_date, zh_time=_zh_time, mask_id=mask_id, mask_phone=mask_phone,
        document_title=_document_title,
        event_label=lambda a: EVENT_LABELS.get(a, a), level_label=lambda lv: D.LEVEL_LABELS.get(lv, ""),
        outcome_label=lambda o: Outcome(o).label if o else "",
        assignment_label=lambda s: AssignmentStatus(s).label, waits_for=lambda s: lifecycle.waits_for(Status(s)),
        role_label=lambda r: Role(r).label if r else "",
        kind_label=lambda k: ApplicantKind(k).label, channel_label=lambda c: Channel(c).label,
        confirmation_label=lambda m: ConfirmationMethod(m).label if m else "",
        decision_label=lambda d: DecisionStatus(d).label,
        delivery_label=lambda m: DeliveryMethod(m).label if m else "",
    )
    env.globals.update(
        level_items=lambda by_level: [(D.LEVEL_LABELS[lv], by_level.get(lv, 0), lv) for lv in D.LEVELS],
        dept_items=lambda by_dept: [(name[:8], sum(c.values()), "overdue" if c.get("overdue") else "on_track")
                                    for name, c in by_dept.items()],
    )
    env.globals.update(HOME=HOME, LEVELS=D.LEVELS, LEVEL_LABELS=D.LEVEL_LABELS, Role=Role)
    env.globals.update(problem_level_label=lambda lv: PROBLEM_LEVEL_LABELS.get(lv, lv))
    env.filters["size_label"] = size_label


# --- login -----------------------------------------------------------------------------------------------


@router.get("/", response_class=HTMLResponse)
def index(web: Web = Depends(web_dep)):
    if web.user is None:
        return RedirectResponse("/login", status_code=303)
    return RedirectResponse(HOME[web.role], status_code=303)


@router.get("/login", response_class=HTMLResponse)
def login_page(web: Web = Depends(web_dep), next: str = ""):
    return web.render("login.html", next=next, error=None, username="")


def _safe_next(target: str) -> str | None:
    return target if target.startswith("/") and not target.startswith("//") else None


@router.post("/login", response_class=HTMLResponse)
def login(request: Request, form=Depends(posted_form), web: Web = Depends(web_dep)):
    username, password = (form.get("username") or "").strip(), form.get("password") or ""
    client, lockout = web.desk.client_address(request), web.desk.lockout
    if web.desk.login_limiter.blocked(client):  # wrong passwords from this client: only failures count
        return web.render("login.html", 429, next="", error="登录尝试过于频繁，请一分钟后再试。", username=username)
    user = web.db.exec(select(User).where(User.username == username)).first()
    known = user is not None and user.active
    until = sessions.locked_until(web.db, user, now=web.now) if known else None
    web.db.commit()  # ends the read: no pooled connection is held while argon2 runs or waits its turn
    if until is not None:  # not even the right password opens a locked account
        return web.render("login.html", 423, next=form.get("next") or "", username=username,
                          error=sessions.locked_message(until, policy=lockout))
    try:
        # the same work whether or not the user exists
        ok = web.desk.passwords.run(verify_password, user.password_hash if known else DUMMY_HASH, password) and known
        fresh = web.desk.passwords.run(hash_password, password) if ok and needs_rehash(user.password_hash) else None
    except LoginBusy:
        response = web.render("login.html", 503, next=form.get("next") or "", username=username,
                              error="当前登录请求较多，请稍候几秒再试。")
        response.headers["Retry-After"] = "5"
        return response
    if not ok:
        web.desk.login_limiter.record(client)
        if known:
            until = sessions.record_failure(web.db, user, now=web.now, policy=lockout, client=client)
            if until is not None:
                log.warning("account %s locked until %s after repeated wrong passwords (client %s)",
                            username, until.isoformat(), client)
                return web.render("login.html", 423, next=form.get("next") or "", username=username,
                                  error=sessions.locked_message(until, policy=lockout))
        return web.render("login.html", 401, next=form.get("next") or "", error="用户名或密码错误。", username=username)
    sessions.record_success(web.db, user)
    if fresh:
        user.password_hash = fresh
        web.db.add(user)
        web.db.commit()
        web.db.refresh(user)
    web.desk.sessions.log_in(web.session, user)
    return web.redirect(_safe_next(form.get("next") or "") or HOME[Role(user.role)], f"{user.full_name}，欢迎使用。")


@router.post("/logout")
def logout(request: Request, form=Depends(posted_form), web: Web = Depends(web_dep)):
    web.desk.sessions.log_out(web.session)
    return web.redirect("/login", "已退出登录。")


# --- clerk: worklist and registration -----------------------------------------------------------------


@router.get("/worklist", response_class=HTMLResponse)
def worklist(request: Request, web: Web = Depends(allow(*ROUTE_ROLES["/worklist"])), status: str = "",
             overdue: str = "", q: str = "", closed: str = ""):
    chosen = Status(status) if status in Status.__members__ else None
    rows = D.worklist(web.db, agency_id=web.user.agency_id, cutoffs=cutoffs(web), status=chosen,
                      overdue=bool(overdue), text=q, include_closed=bool(closed))
    template = "_worklist_rows.html" if request.headers.get("hx-target") == "worklist-rows" else "worklist.html"
    return web.render(template, rows=rows, statuses=list(Status), status=status, overdue=overdue, q=q, closed=closed)


REG_DEFAULTS = {"channel": Channel.in_person.value, "kind": ApplicantKind.natural_person.value,
                "id_type": ApplicantIdType.resident_id.value, "requested_form": RequestedForm.paper.value,
                "delivery_method": DeliveryMethod.post.value}


def _pairs(enum_cls) -> list[tuple[str, str]]:
    return [(m.value, m.label) for m in enum_cls]


REG_LABELS = {"channel": "提交方式", "arrived_on": "到达日期", "receipt_date": "收到申请日期", "confirmed_on": "确认日期",
              "confirmation_method": "确认方式", "confirmation_note": "确认情况说明", "applicant_confirmed": "申请人确认",
              "kind": "申请人类型", "name": "姓名或名称", "id_type": "证件类型", "id_number": "证件号码",
              "phone": "联系方式", "email": "电子邮箱", "address": "通信地址", "agent_name": "代理人姓名",
              "agent_id_type": "代理人证件类型", "agent_id_number": "代理人证件号码", "agent_phone": "代理人电话",
              "request_text": "申请内容", "delivery_method": "送达方式", "electronic_delivery_consent": "同意电子送达",
              "applicant_on_file": "已登记的申请人"}


def _registration_page(web: Web, values: dict, errors: dict, status_code: int = 200, mismatch=None, already=None):
    return web.render(
        "register.html", status_code, values=values, errors=errors, mismatch=mismatch, already=already,
        labels=REG_LABELS,
        channels=_pairs(Channel), kinds=_pairs(ApplicantKind), id_types=_pairs(ApplicantIdType),
        agent_id_types=[p for p in _pairs(ApplicantIdType) if p[0] != ApplicantIdType.credit_code.value],
        methods=[("", "（未确认）")] + _pairs(ConfirmationMethod), on_file_choices=_pairs(ApplicantOnFile),
        forms=_pairs(RequestedForm), deliveries=_pairs(DeliveryMethod), today=web.now.date().isoformat(),
    )


@router.get("/register", response_class=HTMLResponse)
def registration_form(web: Web = Depends(allow(*ROUTE_ROLES["/register"]))):
    today = web.now.date().isoformat()
    # a fresh one-time token per form: back and resubmit sends the same token, which registers nothing twice
    return _registration_page(web, REG_DEFAULTS | {"arrived_on": today, "receipt_date": today,
                                                   "form_token": secrets.token_urlsafe(24)}, {})


def _registration_in(web: Web, form) -> tuple[ApplicationIn, list[ValidationFailed]]:
    """The form as an ApplicationIn, and every field the desk could not read (a bad date, no choice made): all of
    them, so that the clerk sees every error at once; an unreadable date is None, an unreadable choice too."""
    unread: list[ValidationFailed] = []

    def day(name, label):
        try:
            return case_actions.parse_date(form.get(name) or "", label, name)
        except ValidationFailed as exc:
            unread.append(exc)
            return None

    def choice(enum_cls, name):
        try:
            return enum_cls(form.get(name) or "")
        except ValueError:
            unread.append(ValidationFailed("请选择一项。", f"bad {name}", field=name))
            return None

    def optional(enum_cls, name):
        return choice(enum_cls, name) if (form.get(name) or "").strip() else None

    flag = lambda name: form.get(name) == "on"  # noqa: E731
    text = lambda name: (form.get(name) or "").strip()  # noqa: E731
    data = ApplicationIn(
        agency=_agency(web).name,
        applicant=ApplicantIn(kind=choice(ApplicantKind, "kind"), name=text("name"),
                              id_type=choice(ApplicantIdType, "id_type"), id_number=text("id_number") or None,
                              phone=text("phone"), email=text("email"), address=text("address")),
        channel=choice(Channel, "channel"), arrived_on=day("arrived_on", "到达日期"),
        receipt_date=day("receipt_date", "收到申请日期"), request_text=text("request_text"),
        receipt_evidence=text("receipt_evidence"), requested_form=choice(RequestedForm, "requested_form"),
        delivery_method=choice(DeliveryMethod, "delivery_method"),
        electronic_delivery_consent=flag("electronic_delivery_consent"), transcribed_by_clerk=flag("transcribed_by_clerk"),
        applicant_confirmed=flag("applicant_confirmed"), needs_assistance=flag("needs_assistance"),
        litigation_prone=flag("litigation_prone"), agent_name=text("agent_name") or None,
        agent_id_number=text("agent_id_number") or None, agent_phone=text("agent_phone") or None,
        agent_id_type=optional(ApplicantIdType, "agent_id_type") or ApplicantIdType.none,
        agent_authorization=text("agent_authorization"),
        confirmed_on=day("confirmed_on", "确认日期") if text("confirmed_on") else None,
        confirmation_method=optional(ConfirmationMethod, "confirmation_method"),
        confirmation_note=text("confirmation_note"),
        applicant_on_file=optional(ApplicantOnFile, "applicant_on_file"),
        form_token=text("form_token") or None,
    )
    return data, unread


# The form's input names; ValidationFailed.field of models.registration is one of these, maybe "applicant."-prefixed.
_REG_INPUTS = {"channel", "arrived_on", "receipt_date", "receipt_evidence", "applicant_confirmed", "transcribed_by_clerk",
               "confirmed_on", "confirmation_method", "confirmation_note",
               "kind", "name", "id_type", "id_number", "phone", "email", "address", "agent_name", "agent_phone",
               "agent_id_type", "agent_id_number", "agent_authorization", "applicant_on_file",
               "request_text", "requested_form", "delivery_method", "electronic_delivery_consent", "needs_assistance",
               "litigation_prone"}


def _reg_field(field: str | None) -> str:
    name = (field or "").removeprefix("applicant.")
    return name if name in _REG_INPUTS else "_form"  # an error on an input the form lacks still shows


def _field_errors(problems: list[ValidationFailed]) -> dict:
    """Each problem beside its input (two on one input are shown together), in the order the form shows them."""
    errors: dict = {}
    for p in problems:
        name = _reg_field(p.field)
        errors[name] = f"{errors[name]} {p.message_zh}" if name in errors else p.message_zh
    return errors


@router.post("/register", response_class=HTMLResponse)
def registration_submit(request: Request, form=Depends(posted_form), web: Web = Depends(allow(*ROUTE_ROLES["/register"]))):
    values = {k: v for k, v in form.items() if k != "csrf_token"}
    data, unread = _registration_in(web, form)
    try:
        ensure_form_unused(web.db, data.form_token)
    except AlreadySubmitted as exc:  # back and resubmit: nothing registered twice, the case already made is linked
        return _registration_page(web, values, {}, 409, already=exc)
    read = {_reg_field(p.field) for p in unread}
    _, found = problems(data, today=web.now.date())
    found = unread + [p for p in found if _reg_field(p.field) not in read]
    if found:
        return _registration_page(web, values, _field_errors(found), 422)
    try:
        done = register(Ctx(web.db, web.desk.calendar, web.now, web.user), data)
    except AlreadySubmitted as exc:  # the same form submitted twice at once: the other submit registered it
        return _registration_page(web, values, {}, 409, already=exc)
    except InvalidFields as exc:
        return _registration_page(web, values, _field_errors(exc.problems), 422)
    except ApplicantMismatch as exc:  # both records side by side, and the clerk's choice (keep / update)
        return _registration_page(web, values, {"applicant_on_file": exc.message_zh}, 422, mismatch=exc)
    except ValidationFailed as exc:
        return _registration_page(web, values, {_reg_field(exc.field): exc.message_zh}, 422)
    except (GongkaiError, CalendarError) as exc:
        return _registration_page(web, values, {"_form": exc.message_zh}, 422)
    app = done.application
    notes = [f"已登记，申请编号 {app.number}，查询码 {app.query_code}，收到申请日期 {_zh_date(app.receipt_date)}，"
             f"答复期限 {_zh_date(app.due_date)}。"]
    if done.applicant_changes:
        notes.append("已按本次填写更新申请人信息。")
    if done.missing:
        notes.append(f"缺少{'、'.join(done.missing)}（《条例》第二十九条第二款第（一）项），"
                     "请在收到申请之日起7个工作日内一次性告知补正。")
    notes.append(web.desk.after_action(CaseRef.of(app), "register", web.now))
    if done.possible_repeats:
        notes.append(f"可能与 {'、'.join(done.possible_repeats)} 重复，请比对（《条例》第三十六条第（六）项）。")
    if done.litigation_prone:
        notes.append("已按关键词标记为易诉案件，须政府法律顾问审核。")
    return web.redirect(f"/cases/{app.number}", " ".join(notes))


# --- search by number (the "/" shortcut in the navigation) -------------------------------------------------

FOUND_SHOWN = 20


@router.get("/find", response_class=HTMLResponse)
def find_case(web: Web = Depends(allow(*ROUTE_ROLES["/find"])), q: str = ""):
    """A number, whole (2026-000123) or its end (123): the one case it names opens; several are listed."""
    text = q.strip()
    if not text:
        return web.render("find.html", q="", found=[], more=False, worklist=web.role in ROUTE_ROLES["/worklist"])
    query = select(Application.number).where(Application.agency_id == web.user.agency_id)
    exact = web.db.exec(query.where(Application.number == text)).all()
    found = list(exact) or list(web.db.exec(query.where(col(Application.number).like(f"%{text}"))
                                          .order_by(Application.number.desc()).limit(FOUND_SHOWN + 1)))
    if web.role == Role.department_handler:  # only the cases routed to the handler's department
        mine = set(web.db.exec(select(Application.number).join(Assignment, Assignment.application_id == Application.id)
                               .where(Application.agency_id == web.user.agency_id,
                                      Assignment.department_id == web.user.department_id)))
        found = [n for n in found if n in mine]
    if len(found) == 1:
        return RedirectResponse(f"/cases/{found[0]}", status_code=303)
    return web.render("find.html", 404 if not found else 200, q=text, found=found[:FOUND_SHOWN],
                      more=len(found) > FOUND_SHOWN, worklist=web.role in ROUTE_ROLES["/worklist"])


# --- the case page ----------------------------------------------------------------------------------------


def _decision_text(decision) -> list[str]:
    """A decision as lines, for counsel's diff between versions."""
    lines = [f"处理结果：{Outcome(decision.outcome).label}",
             "法律依据：" + "、".join(Citation(**c).zh(with_law=c.get("law") != OGI) for c in decision.citations)]
    lines += [f"理由：{line}" for line in (decision.reasons or "").splitlines() or [""]]
    lines += [f"答复内容：{line}" for line in (decision.body or "").splitlines() or [""]]
    for n, w in enumerate(decision.withheld_items, start=1):
        lines.append(f"不予公开第{n}项：{w['part']}｜{Outcome(w['ground']).label}｜{w['reason']}")
    for n, i in enumerate((i for i in decision.item_outcomes if isinstance(i, dict)), start=1):
        basis = "、".join(Citation(**c).zh(with_law=c.get("law") != OGI) for c in i["citations"])
        lines.append(f"逐项答复第{n}项：{i['part']}｜{Outcome(i['outcome']).label}｜{basis}｜{i['reasons']}｜{i['body']}")
    return lines


def _diff(decisions) -> list[tuple[str, str]] | None:
    if len(decisions) < 2:
        return None
    old, new = _decision_text(decisions[-2]), _decision_text(decisions[-1])
    return [(_DIFF_TAGS[line[0]], line[2:]) for line in difflib.ndiff(old, new) if line[0] in _DIFF_TAGS]


_DIFF_TAGS = {"+": "add", "-": "del", " ": "same"}


def _reviews(web: Web, decisions) -> dict:
    ids = [d.id for d in decisions]
    if not ids:
        return {}
    rows = web.db.exec(select(Review, User).join(User, User.id == Review.reviewer_id)
                       .where(Review.decision_id.in_(ids)).order_by(Review.id)).all()
    found: dict = {}
    for review, reviewer in rows:
        found.setdefault(review.decision_id, []).append((review, reviewer))
    return found


def _how_concluded(web: Web, app: Application, deliveries: list[Delivery]) -> str | None:
    """Once the reply has gone (or the case closed without one), how and on which day, instead of days left."""
    status = Status(app.status)
    if status == Status.voided:
        voided = next((e for e in reversed(events_of(web.db, app)) if e.action == "void_registration"), None)
        return f"登记已于{_zh_time(voided.at) if voided else ''}作废（{voided.data.get('reason', '') if voided else ''}），不计算期限，不计入统计。"
    if status == Status.withdrawn or (status == Status.archived and app.outcome == Outcome.withdrawn.value):
        return f"申请人已于{_zh_date(app.closed_on)}撤回申请，不再计算答复期限。"
    if status not in lifecycle.CONCLUDED | {Status.archived} or not deliveries:
        return None
    d = deliveries[-1]
    on_time = app.due_date is None or d.dispatched_on <= app.due_date
    text = (f"已于{_zh_date(d.dispatched_on)}以{DeliveryMethod(d.method).label}方式寄送答复"
            f"（{'在答复期限内' if on_time else '已超过答复期限 ' + _zh_date(app.due_date)}）")
    if d.tracking_no:
        text += f"，邮件号码 {d.tracking_no}"
    if d.delivered_on:
        text += f"；{_zh_date(d.delivered_on)}送达（凭证：{d.proof}）"
    else:
        text += "；尚未登记送达"
    return text + "。"


def _race(web: Web, app: Application, seen: str) -> str:
    """What changed since the page was loaded: the new status and the Event that brought the case into it."""
    status = Status(app.status)
    entry = next((e for e in reversed(events_of(web.db, app)) if e.to_status == app.status), None)
    by = (f"{entry.actor_name}于{_zh_time(entry.at)}执行了「{EVENT_LABELS.get(entry.action, entry.action)}」"
          if entry is not None else "")
    was = _status_label(seen)
    return (f"申请 {app.number} 刚刚已有变化：您打开页面时状态为「{was}」，现在为「{status.label}」"
            f"{'（' + by + '）' if by else ''}。本次操作未执行，请查看最新情况后再办理。")


def case_page(web: Web, app: Application, *, errors: dict | None = None, status_code: int = 200, open_form=None,
              submitted=None, race: str | None = None):
    """The case page; after a refused action its form opens again with the `submitted` values and the error."""
    clock, clock_error = None, None
    try:
        clock = read_clock(web.db, app, calendar=web.desk.calendar, today=web.now.date())
    except CalendarError as exc:
        clock_error = exc.message_zh
    decisions = D.decisions_of(web.db, app.id)
    departments = {d.id: d.name for d in web.db.exec(select(Department).where(Department.agency_id == app.agency_id))}
    assignments = assignments_of(web.db, app)
    missing = missing_items(app, applicant_of(web.db, app)) if app.status == Status.registered else ()
    actions = case_actions.available(web, app)
    blocked = {a.name: case_actions.blocked_reason(web, app, a) for a in actions}
    primary = case_actions.primary(web, app, actions, missing=missing)
    actions.sort(key=lambda a: a.name != primary)  # the step the case waits for first, the rest folded below it
    deliveries = list(web.db.exec(select(Delivery).where(Delivery.application_id == app.id).order_by(Delivery.id)))
    return web.render(
        "case.html", status_code, app=app, applicant=applicant_of(web.db, app), full_personal=web.role == Role.clerk,
        missing=missing, primary=primary, blocked=blocked, deliveries=deliveries, race=race,
        concluded=_how_concluded(web, app, deliveries), seen_status=Status(app.status).value,
        clock=clock, clock_error=clock_error, level=cutoffs(web).level(app.due_date)
        if app.status in lifecycle.OPEN_BEFORE_REPLY else None,
        events=_timeline(web, app), assignments=assignments, departments=departments,
        documents=documents_of(web.db, app), attachments=attachments_of(web.db, app),
        assignment_departments={a.id: a.department_id for a in assignments},
        decisions=decisions, reviews=_reviews(web, decisions),
        diff=_diff(decisions), actions=actions, errors=errors or {}, open_form=open_form,
        submitted=submitted, outcome_label=lambda o: Outcome(o).label,
        fee=web.db.exec(select(Fee).where(Fee.application_id == app.id)).first(),
        reasons=web.db.exec(select(ReasonRequest).where(ReasonRequest.application_id == app.id)).first(),
        meetings=list(web.db.exec(select(JointConsultation).where(JointConsultation.application_id == app.id)
                                  .order_by(JointConsultation.id))),
        problem=problem_panel.panel(web, app),
    )


def _timeline(web: Web, app: Application) -> list:
    """The case's events; a department reads its own work, not the office's notifications to the applicant and staff
    (the office's correspondence: /notices shows the department its own)."""
    events = events_of(web.db, app)
    if web.role == Role.department_handler:
        return [e for e in events if e.action != "notify"]
    return events


@router.get("/cases/{number}", response_class=HTMLResponse)
def case_view(number: str, web: Web = Depends(allow(*CASE_READERS))):
    return case_page(web, load_case(web, number))


@router.post("/cases/{number}/actions/{name}", response_class=HTMLResponse)
def case_action(number: str, name: str, request: Request, form=Depends(posted_form), web: Web = Depends(allow(*ALL_STAFF))):
    app = load_case(web, number)
    seen = form.get("seen_status") or ""
    if seen and seen != Status(app.status).value:  # someone moved the case between this page's load and the submit
        return case_page(web, app, status_code=409, race=_race(web, app, seen))
    action = case_actions.find(web, app, name)
    if action is None or action.run is None:
        raise Denied(f"当前状态（{Status(app.status).label}）下，您的角色不能执行此操作。")
    try:
        done = case_actions.run(web, app, action, form)
    except CitationCheckFailed as exc:
        web.db.rollback()
        return case_page(web, load_case(web, number), errors={name: exc.message_zh}, status_code=422, open_form=name,
                         submitted=form)
    except (GongkaiError, CalendarError) as exc:
        web.db.rollback()
        return case_page(web, load_case(web, number), errors={name: exc.message_zh}, status_code=422, open_form=name,
                         submitted=form)
    automatic = web.desk.after_action(done.case, name, web.now)
    back = "/inbox" if web.role == Role.department_handler and done.status != Status(app.status) else f"/cases/{number}"
    if web.role == Role.department_handler and name in ("return_assignment", "submit_opinion"):
        back = "/inbox"
    return web.redirect(back, " ".join(x for x in (f"{action.label}：{done.message}", automatic) if x))


@router.get("/cases/{number}/documents/{doc_id}")
def document_download(number: str, doc_id: int, web: Web = Depends(allow(*CASE_READERS))):
    app = load_case(web, number)
    try:
        doc = document_of(web.db, app, doc_id)
    except NotFound as exc:  # another case's id is not found here, as for attachments
        return web.render("message.html", 404, title="文书不存在", message=exc.message_zh)
    ext = "pdf" if doc.content_type == "application/pdf" else "txt"
    filename = f"{app.number}-{doc.kind}-v{doc.version}.{ext}"
    content_type = doc.content_type if ext == "pdf" else "text/plain; charset=utf-8"
    return Response(doc.content, media_type=content_type,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@router.get("/cases/{number}/attachments/{attachment_id}")
def attachment_download(number: str, attachment_id: int, web: Web = Depends(allow(*CASE_READERS))):
    """A department's file as it was uploaded: always a download, never rendered by the browser."""
    app = load_case(web, number)  # the same rules as the documents: department handlers see their cases only
    try:
        found = attachment_of(web.db, app, attachment_id)
    except NotFound as exc:
        return web.render("message.html", 404, title="附件不存在", message=exc.message_zh)
    suffix = PurePosixPath(found.filename).suffix
    plain = suffix.isascii() and suffix[1:].isalnum()
    fallback = f"attachment-{found.id}{suffix if plain else ''}"  # for clients without RFC 5987
    disposition = f'attachment; filename="{fallback}"; filename*=UTF-8\'\'{quote(found.filename, safe="")}'
    return Response(found.content, media_type=found.content_type,
                    headers={"Content-Disposition": disposition, "X-Content-Type-Options": "nosniff",
                             "Cache-Control": "private, no-store"})


@router.get("/cases/{number}/reply-preview", response_class=HTMLResponse)
def reply_preview(number: str, web: Web = Depends(allow(*ROUTE_ROLES["/cases/{number}/reply-preview"]))):
    """The reply as it will be issued (HTML), numbered at signing."""
    app = load_case(web, number)
    decision = latest_decision(web.db, app)
    if decision is None:
        raise Denied("尚无答复草稿。")
    try:
        html = render_html(*issued_notice(web.db, app, decision, doc_number="（签发时编号）", on=web.now.date()))
    except CitationCheckFailed as exc:
        return web.render("message.html", 422, title="答复预览", message=exc.message_zh)
    except NoticeFieldMissing as exc:
        return web.render("message.html", 422, title="答复预览", message=exc.message_zh)
    return HTMLResponse(html)


# --- drafting: the structured decision with the citation check inline --------------------------------

CITATION_CHOICES = tuple(dict.fromkeys(
    c for o in Outcome for c in o.spec.citations if c.law == OGI
))
CITATION_CHOICES = tuple(sorted(set(CITATION_CHOICES) | {Citation(10), Citation(32), Citation(41)},
                                key=lambda c: (c.article, c.paragraph or 0, c.item or 0)))
ITEM_ROWS = 5  # several items answered one by one (Arts 36, 37)
WITHHELD_ROWS = 3


def _citation_key(c: Citation) -> str:
    return f"{c.article}-{c.paragraph or 0}-{c.item or 0}"


def _laws_in(form) -> list[Citation]:
    """Other laws' provisions, one a line: 统计法:28 or 《中华人民共和国统计法》第二十八条 (models.laws)."""
    from models.laws import BadCitation, UnknownLaw, parse_citation

    found = []
    for line in (form.get("law_citations") or "").splitlines():
        if line.strip():
            try:
                found.append(parse_citation(line))
            except (BadCitation, UnknownLaw) as exc:
                raise ValidationFailed(exc.message_zh, str(exc), field="law_citations") from None
    return found


def _items_in(form, laws: list[Citation], responsible: dict) -> list[dict]:
    """The item rows filled in; the shared law and responsible agency go to the items that need them."""
    items = []
    for n in range(1, ITEM_ROWS + 1):
        part, chosen = (form.get(f"i{n}_part") or "").strip(), form.get(f"i{n}_outcome") or ""
        reasons, body = (form.get(f"i{n}_reasons") or "").strip(), (form.get(f"i{n}_body") or "").strip()
        if not (part or chosen or reasons or body):
            continue
        try:
            outcome = Outcome(chosen)
        except ValueError:
            raise ValidationFailed(f"请选择第{n}项的处理结果。", "no item outcome", field=f"i{n}_outcome") from None
        items.append({"part": part, "outcome": outcome, "reasons": reasons, "body": body,
                      "law_citations": laws if outcome.spec.law_needed else [],
                      **(responsible if outcome is Outcome.not_responsible else {})})
    return items


def _draft_in(form) -> DraftIn:
    withheld = []
    for n in range(1, WITHHELD_ROWS + 1):
        part, ground, reason = (form.get(f"w{n}_part") or "").strip(), form.get(f"w{n}_ground") or "", (
            form.get(f"w{n}_reason") or "").strip()
        if part or reason:
            try:
                withheld.append({"part": part, "ground": Outcome(ground).value, "reason": reason})
            except ValueError:
                raise ValidationFailed(f"请选择第{n}项不予公开内容的依据。", "no ground", field=f"w{n}_ground") from None
    laws = _laws_in(form)
    responsible = {"responsible_agency": (form.get("responsible_agency") or "").strip() or None,
                   "responsible_agency_contact": (form.get("responsible_agency_contact") or "").strip() or None}
    items = _items_in(form, laws, responsible)
    try:
        outcome = Outcome(form.get("outcome") or "") if not items else items[0]["outcome"]
    except ValueError:
        raise ValidationFailed("请选择处理结果。", "no outcome", field="outcome") from None
    # The citations the check requires are always there (default_citations); the boxes add others.
    keys = {_citation_key(c): c for c in CITATION_CHOICES}
    chosen = [keys[k] for k in form.getlist("citations") if k in keys]
    defaults = default_citations(outcome, grounds=[Outcome(w["ground"]) for w in withheld], laws=laws)
    return DraftIn(outcome=outcome, reasons=(form.get("reasons") or "").strip(), body=(form.get("body") or "").strip(),
                   withheld_items=withheld, citations=list(dict.fromkeys([*defaults, *chosen])), law_citations=laws,
                   item_outcomes=items, repeat_of=(form.get("repeat_of") or "").strip() or None,
                   **responsible)


def _law_line(c: dict) -> str:
    return Citation(**c).zh()


def _draft_values(decision, facts: guards.CaseFacts) -> dict:
    forced = guards.default_outcome(facts)
    if decision is None or (forced is not None and Outcome(decision.outcome) is not forced):
        return {"outcome": (forced or Outcome.disclosed).value}
    values = {"outcome": decision.outcome, "reasons": decision.reasons, "body": decision.body,
              "responsible_agency": decision.responsible_agency or "",
              "responsible_agency_contact": decision.responsible_agency_contact or "",
              "repeat_of": decision.repeat_of or "",
              "citations": [_citation_key(Citation(**c)) for c in decision.citations if c.get("law") == OGI]}
    own = Outcome(decision.outcome).spec.citations
    laws = [c for c in decision.citations if c.get("law") != OGI and Citation(**c) not in own]
    for n, w in enumerate(decision.withheld_items, start=1):
        values |= {f"w{n}_part": w["part"], f"w{n}_ground": w["ground"], f"w{n}_reason": w["reason"]}
    for n, entry in enumerate(e for e in decision.item_outcomes if isinstance(e, dict)):
        values |= {f"i{n + 1}_part": entry["part"], f"i{n + 1}_outcome": entry["outcome"],
                   f"i{n + 1}_reasons": entry["reasons"], f"i{n + 1}_body": entry["body"]}
        laws += [c for c in entry["citations"] if c.get("law") != OGI]
        if entry.get("responsible_agency"):
            values |= {"responsible_agency": entry["responsible_agency"],
                       "responsible_agency_contact": entry.get("responsible_agency_contact") or ""}
    values["law_citations"] = "\n".join(dict.fromkeys(_law_line(c) for c in laws))
    return values


def _form_values(form) -> dict:
    values = {k: v for k, v in form.items() if k != "csrf_token"}
    values["citations"] = form.getlist("citations")
    return values


def _requirements(web: Web, values: dict) -> list[str]:
    """What the check will ask of the outcome (and grounds, or items) the form has chosen, before submit."""
    try:
        outcome = Outcome(values.get("outcome") or "")
    except ValueError:
        return []
    grounds, items = [], []
    for n in range(1, WITHHELD_ROWS + 1):
        if values.get(f"w{n}_ground") in _OUTCOME_VALUES:
            grounds.append(Outcome(values[f"w{n}_ground"]))
    for n in range(1, ITEM_ROWS + 1):
        if values.get(f"i{n}_outcome") in _OUTCOME_VALUES:
            items.append(Outcome(values[f"i{n}_outcome"]))
    return requirements(outcome, grounds=grounds if outcome is Outcome.partial else [], items=items,
                        on=web.now.date())


_OUTCOME_VALUES = {o.value for o in Outcome}


def _facts(web: Web, app: Application) -> guards.CaseFacts:
    return guards.case_facts(web.db, app, today=web.now.date())


def _earlier_options(facts: guards.CaseFacts) -> list[tuple[str, str]]:
    """The same applicant's earlier applications, each saying whether it can ground an Art 36(6) refusal."""
    options = []
    for e in facts.earlier:
        state = (f"已于{_zh_date(e.dispatched_on)}以{e.doc_number}答复并送达" if e.served
                 else f"尚未答复送达（{e.status.label}），不能作为重复申请的依据")
        options.append((e.number, f"{e.number}（{_zh_date(e.receipt_date)}收到；{state}）：{e.request_text[:30]}"))
    return options


def _draft_page(web: Web, app: Application, values: dict, findings=None, error=None, status_code=200, facts=None):
    decision = latest_decision(web.db, app)
    facts = facts or _facts(web, app)
    comments = []
    if decision is not None:
        comments = [r for r, _ in _reviews(web, [decision]).get(decision.id, []) if not r.approved]
    from interfaces.web import art44_views
    from models.laws import LAWS

    forced = guards.default_outcome(facts)
    return web.render("draft.html", status_code, app=app, values=values, findings=findings, error=error,
                      opinions=_opinions(web, app),
                      meetings=[m for m in web.db.exec(select(JointConsultation)
                                                       .where(JointConsultation.application_id == app.id)
                                                       .order_by(JointConsultation.id)) if m.proposed_reply],
                      outcomes=[forced] if forced else [o for o in Outcome if o.spec.is_reply],
                      grounds=[o for o in Outcome if o.is_withholding_ground], item_outcomes=ITEM_OUTCOMES,
                      item_rows=ITEM_ROWS, withheld_rows=WITHHELD_ROWS,
                      citations=[(_citation_key(c), c.zh(with_law=False)) for c in CITATION_CHOICES],
                      laws=[law for law in LAWS if law.title != OGI], requirements=_requirements(web, values),
                      decision=decision, comments=comments,
                      rules=guards.rules_for(facts, repeat_of=values.get("repeat_of")),
                      earlier=_earlier_options(facts), terminating=forced is not None,
                      logged=redaction.logged_items(web.db, app) if redaction.active_marks(web.db, app) else [],
                      release_current=redaction.release_is_current(web.db, app),
                      art44_offer=art44_views.offer_of(web, app, terminating=forced is not None))


def _opinions(web: Web, app: Application) -> list[tuple[str, object, list]]:
    """What the clerk drafts from: each department's written opinion (or its return) with its files, in routing order."""
    names = {d.id: d.name for d in web.db.exec(select(Department).where(Department.agency_id == app.agency_id))}
    files: dict = {}
    for f in attachments_of(web.db, app):
        files.setdefault(f.assignment_id, []).append(f)
    return [(names.get(a.department_id, ""), a, files.get(a.id, [])) for a in assignments_of(web.db, app)]


def _draftable(web: Web, number: str) -> Application:
    app = load_case(web, number)
    if not any(t.action == "submit_for_review" for t in lifecycle.allowed_actions(Status(app.status), web.role)):
        raise Denied(f"申请当前状态为「{Status(app.status).label}」，不能拟稿送审。")
    return app


@router.get("/cases/{number}/draft", response_class=HTMLResponse)
def draft_form(number: str, web: Web = Depends(allow(*ROUTE_ROLES["/cases/{number}/draft"]))):
    app = _draftable(web, number)
    facts = _facts(web, app)
    return _draft_page(web, app, _draft_values(latest_decision(web.db, app), facts), facts=facts)


def _check_findings(web: Web, app: Application, form):
    """The decision guards and the citation check on the form as it stands: what the action will check, dated today."""
    from models.actions import decision_in, draft_decision, reply_draft
    from models.citation_check import check_reply

    agency, draft = _agency(web), _draft_in(form)
    refused = guards.check_decision(_facts(web, app), decision_in(draft))
    try:  # Art 37: the withheld items the redaction log writes are checked with the rest
        draft = redaction.with_log(web.db, app, draft)
    except GuardFailed as exc:
        raise ValidationFailed(exc.message_zh, exc.message_en) from None
    decision = draft_decision(agency, draft, application_id=app.id, version=0, drafted_by_id=0, drafted_at=web.now)
    return refused + check_reply(reply_draft(agency, decision, on=web.now.date()))


@router.post("/cases/{number}/draft/check", response_class=HTMLResponse)
def draft_check(number: str, request: Request, form=Depends(posted_form), web: Web = Depends(allow(*ROUTE_ROLES["/cases/{number}/draft"]))):
    """htmx: the findings for the form as typed, before it is submitted."""
    app = _draftable(web, number)
    try:
        findings = _check_findings(web, app, form)
    except ValidationFailed as exc:
        return web.render("_findings.html", findings=None, error=exc.message_zh, checked=True,
                          requirements=_requirements(web, _form_values(form)))
    return web.render("_findings.html", findings=findings, error=None, checked=True,
                      requirements=_requirements(web, _form_values(form)))


@router.post("/cases/{number}/draft", response_class=HTMLResponse)
def draft_submit(number: str, request: Request, form=Depends(posted_form), web: Web = Depends(allow(*ROUTE_ROLES["/cases/{number}/draft"]))):
    app = _draftable(web, number)
    values = _form_values(form)
    try:
        from models.actions import submit_for_review

        done = submit_for_review(Ctx(web.db, web.desk.calendar, web.now, web.user), app.number, draft=_draft_in(form))
    except CitationCheckFailed as exc:
        return _draft_page(web, load_case(web, number), values, findings=exc.findings, status_code=422)
    except (GongkaiError, CalendarError) as exc:
        return _draft_page(web, load_case(web, number), values, error=exc.message_zh, status_code=422)
    automatic = web.desk.after_action(done.case, "submit_for_review", web.now)
    return web.redirect(f"/cases/{number}", " ".join(x for x in (done.message, automatic) if x))


# --- department, counsel, leaders ------------------------------------------------------------------------


@router.get("/inbox", response_class=HTMLResponse)
def inbox(web: Web = Depends(allow(*ROUTE_ROLES["/inbox"]))):
    rows = D.department_inbox(web.db, department_id=web.user.department_id, cutoffs=cutoffs(web))
    department = web.db.get(Department, web.user.department_id)
    return web.render("inbox.html", rows=rows, department=department)


@router.get("/review", response_class=HTMLResponse)
def review_queue(web: Web = Depends(allow(*ROUTE_ROLES["/review"]))):
    rows = D.review_queue(web.db, agency_id=web.user.agency_id, cutoffs=cutoffs(web))
    return web.render("queue.html", rows=rows, title="法律审核队列",
                      intro="答复书、终止处理告知书和收费通知均须经法律顾问审核后才能发出（会签办结制度）。"
                            "易诉案件排在最前，其余按答复期限排序；征地拆迁等易诉案件须由政府法律顾问审核通过。")


@router.get("/coordination", response_class=HTMLResponse)
def coordination(web: Web = Depends(allow(*ROUTE_ROLES["/coordination"]))):
    rows = D.coordination_queue(web.db, agency_id=web.user.agency_id, cutoffs=cutoffs(web))
    extensions = D.pending_extensions(web.db, agency_id=web.user.agency_id)
    return web.render("coordination.html", rows=rows, extensions=extensions)


# --- notifications (the outbox's internal channel) ----------------------------------------------------------


NOTICES_SHOWN = 100


@router.get("/notices", response_class=HTMLResponse)
def notices(web: Web = Depends(allow(*ROUTE_ROLES["/notices"]))):
    """The user's own notifications, newest first, each linked to its case when it has one."""
    messages = outbox.inbox(web.db, web.user, limit=NOTICES_SHOWN)
    ids = {m.application_id for m in messages if m.application_id is not None}
    numbers = {}
    if ids:
        numbers = dict(web.db.exec(select(Application.id, Application.number).where(Application.id.in_(ids))).all())
    return web.render("notices.html", messages=messages, numbers=numbers, shown=NOTICES_SHOWN)


def _row_id(value) -> bool:
    """A posted id that can be a row id: ASCII digits that fit a 64-bit integer (no ² or 10**30)."""
    return isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 18


@router.post("/notices/read")
def notices_read(request: Request, form=Depends(posted_form), web: Web = Depends(allow(*ROUTE_ROLES["/notices"]))):
    """Mark all (`all`) or the posted `id`s read; only the user's own messages can change."""
    if form.get("all"):
        ids = None
    else:
        ids = [int(v) for v in form.getlist("id")[:NOTICES_SHOWN] if _row_id(v)]
        if not ids:
            return web.redirect("/notices", "未选择通知。")
    count = outbox.mark_read(web.db, web.user, now=web.now, ids=ids)
    return web.redirect("/notices", f"已将 {count} 条通知标为已读。" if count else "没有需要标为已读的通知。")


# --- supervisor dashboard ------------------------------------------------------------------------------------


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard(request: Request, web: Web = Depends(allow(*ROUTE_ROLES["/dashboard"]))):
    dash = D.supervisor_dashboard(web.db, agency_id=web.user.agency_id, cutoffs=cutoffs(web),
                                  calendar=web.desk.calendar)
    template = "_dashboard_body.html" if request.headers.get("hx-request") else "dashboard.html"
    return web.render(template, dash=dash)


@router.get("/dashboard/table3", response_class=HTMLResponse)
def live_table3(request: Request, web: Web = Depends(allow(*ROUTE_ROLES["/dashboard/table3"]))):
    """The year's table 三 counted live from the cases; the dashboard loads it after its own counts."""
    table3, table3_error = None, None
    try:
        report = annual_report(web.db, agency=_agency(web), year=web.now.year, today=web.now.date())
    except (GongkaiError, CalendarError) as exc:
        table3_error = exc.message_zh
    else:
        labels = {r.key: (f"{r.group}：{r.label}" if r.group and r.label[0].isdigit() else r.label)
                  for r in TABLE3_ROWS}
        table3 = [(key, labels.get(key, key), values) for key, values in report.table3.items()]
    template = "_table3_live.html" if request.headers.get("hx-request") else "table3_live.html"
    return web.render(template, table3=table3, table3_error=table3_error, columns=TABLE3_COLUMNS)


@router.get("/dashboard/table3/cases", response_class=HTMLResponse)
def table3_cell(web: Web = Depends(allow(*ROUTE_ROLES["/dashboard/table3/cases"])), row: str = "r7_total",
                column: str = "total"):
    """The cases counted in one cell of the live table 三."""
    agency = _agency(web)
    try:
        found = cell_cases(web.db, scope_of(web.db, agency), period(web.now.year, today=web.now.date()),
                           row=row, column=column)
    except GongkaiError as exc:
        return web.render("message.html", title="无法查看", message=exc.message_zh, status_code=422)
    label = next(r.label for r in TABLE3_ROWS if r.key == row)
    who = "总计" if column == "total" else ApplicantKind(column).label
    return web.render("table3_cell.html", rows=found, what=f"{web.now.year}年表三「{label}」·{who}")


@router.get("/dashboard/cases", response_class=HTMLResponse)
def dashboard_cases(web: Web = Depends(allow(*ROUTE_ROLES["/dashboard/cases"])), level: str = "", status: str = "",
                    department: str = ""):
    chosen = Status(status) if status in Status.__members__ else None
    rows = D.drill_down(web.db, agency_id=web.user.agency_id, cutoffs=cutoffs(web), level=level or None,
                        status=chosen, department=department or None)
    what = "、".join(x for x in (D.LEVEL_LABELS.get(level, ""), chosen.label if chosen else "", department) if x)
    return web.render("drill.html", rows=rows, what=what or "全部在办", cut=cutoffs(web))


# --- public status page ---------------------------------------------------------------------------------------


@router.get("/status", response_class=HTMLResponse)
def public_status_form(web: Web = Depends(web_dep)):
    return web.render("status.html", result=None, error=None, number="")


@router.post("/status", response_class=HTMLResponse)
def public_status(request: Request, form=Depends(posted_form), web: Web = Depends(web_dep)):
    """Number + query code → stage and due date; nothing personal. Failed queries are rate-limited per client."""
    client = web.desk.client_address(request)
    if web.desk.public_limiter.blocked(client):
        return web.render("status.html", 429, result=None, number="", error="查询过于频繁，请一分钟后再试。")
    number, code = (form.get("number") or "").strip(), (form.get("query_code") or "").strip().upper()
    app = application_by_query_code(web.db, number, code)
    if app is None:
        web.desk.public_limiter.record(client)  # guessing codes is what the limit stops; an applicant's checks are free
        return web.render("status.html", 404, result=None, number=number,
                          error="未找到该申请，请核对申请编号和查询码。")
    status = Status(app.status)
    # numbers repeat across agencies: the agency tells the applicant the code found their own application
    result = {"number": app.number, "agency": web.db.get(Agency, app.agency_id).name, "stage": status.label,
              "waits_for": lifecycle.waits_for(status),
              # Art 31(3): an online application has no receipt date until the office confirms it
              "receipt_date": None if status == Status.awaiting_confirmation else app.receipt_date,
              "due_date": app.due_date if status in lifecycle.OPEN_BEFORE_REPLY else None,
              "closed_on": app.closed_on}
    # Art 37: the released versions travel with an electronically delivered reply (never a source file)
    return web.render("status.html", result=result, error=None, number=number, query_code=code,
                      files=redaction.applicant_files(web.db, app))




def today_of(web: Web) -> date:
    return web.now.date()
