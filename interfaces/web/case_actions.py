"""The forms on a case page: one per domain action, shown exactly when the lifecycle allows it for the role.

Which transitions a role sees comes from `models.lifecycle.allowed_actions(status, role)`; the actions
that do not change the status (签收, 退回, 延期 …) are listed here with the state they need. Each form
only parses its fields and calls the domain action, which checks everything again.
"""

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date

from sqlmodel import select

from models import actions as A
from models import guards, lifecycle, portal
from models.attachments import ACCEPT, READ_AT_MOST, Upload, limits_label
from models.context import Ctx
from models.enums import AssignmentStatus, ConsultationKind, ConsultationReply, DeliveryMethod, ExtensionStatus, Role, Status
from models.errors import ValidationFailed
from models.identity import CaseRef
from models.fees import FeeMethod
from models.queries import application_by_number
from models.tables import Agency, Application, Assignment, Department, Extension, ReasonRequest, shanghai_day
from models.validation import check_clean


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    kind: str = "text"  # text | textarea | date | number | select | checkbox | multiselect | files
    required: bool = False
    options: tuple | Callable = ()  # (value, label) pairs, or a function of (web, application)
    default: object = None  # a value or a function of (web, application)
    help: str | Callable = ""  # a text, or a function of (web, application): the rule shown before submit
    accept: str = ""  # files: the extensions the browser offers (the domain checks the content again)


@dataclass(frozen=True)
class DeskAction:
    name: str
    label: str
    fields: tuple[Field, ...]
    run: Callable  # (ctx, number, values, web, application) -> Done
    danger: bool = False
    link: str | None = None  # a page instead of a form (the draft)
    help: str | Callable = ""  # the rule the action follows, shown above its button
    # (web, application) -> why this user cannot take it now, or None: shown on the disabled button before they try.
    # Every reason comes from models.guards, the same function the domain action refuses with.
    blocked: Callable | None = None


def _today(web, app):
    return web.now.date().isoformat()


def _departments(web, app):
    rows = web.db.exec(select(Department).where(Department.agency_id == app.agency_id).order_by(Department.id)).all()
    return tuple((d.name, d.name) for d in rows)


def _routable_departments(web, app):
    """The departments a case may be given to; one without an active handler is shown, disabled, with the reason."""
    agency = web.db.get(Agency, app.agency_id)
    names = [name for name, _ in _departments(web, app)]
    without = set(A.departments_without_handler(web.db, agency, names))
    return tuple((n, f"{n}（无在岗经办人，不能交办）" if n in without else n, n in without) for n in names)


def _counsel_blocked(web, app):
    return guards.counsel_refusal(litigation_prone=app.litigation_prone,
                                  government_counsel=bool(web.user and web.user.government_counsel))


def _coordination_blocked(web, app):
    return guards.coordination_refusal(**A.coordination_state(web.db, app))


def _void_blocked(web, app):
    return guards.void_refusal(registered_on=shanghai_day(app.created_at), today=web.now.date())


def _enum_options(enum_cls):
    return tuple((m.value, m.label) for m in enum_cls)


def parse_date(value: str, label: str, name: str) -> date:
    try:
        return date.fromisoformat((value or "").strip())
    except ValueError:
        raise ValidationFailed(f"{label}格式不正确，请按 年-月-日 填写。", f"bad date {value!r}", field=name) from None


def parse_int(value: str, label: str, name: str) -> int:
    try:
        return int((value or "").strip())
    except ValueError:
        raise ValidationFailed(f"{label}须为整数。", f"bad integer {value!r}", field=name) from None


def parse_uploads(items, label: str, name: str) -> list[Upload]:
    """The files of a multipart field, each read up to one byte past the limit; the empty input sends one empty part."""
    uploads = []
    for item in items:
        if isinstance(item, str):
            if item:
                raise ValidationFailed(f"{label}须以文件上传。", f"{name}: a text value, not a file", field=name)
            continue
        if not item.filename and not item.size:
            continue
        uploads.append(Upload(filename=item.filename or "", content=item.file.read(READ_AT_MOST),
                              content_type=item.content_type or ""))
    return uploads


def parse(action: DeskAction, form) -> dict:
    """Field values from the form, typed; a required field left empty is reported on that field."""
    values = {}
    for f in action.fields:
        if f.kind == "files":
            values[f.name] = parse_uploads(form.getlist(f.name), f.label, f.name)
            continue
        if f.kind == "checkbox":
            values[f.name] = form.get(f.name) in ("on", "1", "true")
            continue
        if f.kind == "multiselect":
            values[f.name] = [v for v in form.getlist(f.name) if v]
            if f.required and not values[f.name]:
                raise ValidationFailed(f"请选择{f.label}。", f"{f.name} required", field=f.name)
            continue
        raw = (form.get(f.name) or "").strip()
        if not raw:
            if f.required:
                raise ValidationFailed(f"请填写{f.label}。", f"{f.name} required", field=f.name)
            values[f.name] = None
        elif f.kind == "date":
            values[f.name] = parse_date(raw, f.label, f.name)
        elif f.kind == "number":
            values[f.name] = parse_int(raw, f.label, f.name)
        elif f.kind == "select" and not callable(f.options) and raw not in {v for v, _ in f.options}:
            raise ValidationFailed(f"请选择{f.label}中的一项。", f"{f.name}: {raw!r} is not an option", field=f.name)
        else:  # text stored and printed again: no NUL, no ANSI escapes (models.validation)
            values[f.name] = check_clean(raw, what=f.label, field=f.name, multiline=f.kind == "textarea")
    return values


def _archive(ctx: Ctx, number: str) -> A.Done:
    """归档 builds the real dossier and its SHA-256 manifest (workflows.engine), then archives the case as the clerk."""
    from workflows.engine import archive_case

    app = application_by_number(ctx.session, number, agency_id=ctx.scope)
    location = archive_case(ctx.session, CaseRef.of(app), now=ctx.now, actor=ctx.actor)
    status = Status(app.status)
    return A.Done(number, f"已归档，档案包：{location}", status, lifecycle.waits_for(status), app.due_date,
                  app.agency_id)


def _render_reply(web, app: Application):
    """The reply PDF from the stored case (notices.from_case)."""
    from notices.from_case import reply_renderer

    return reply_renderer(web.db, app, on=web.now.date(), at=web.now)


JOINT_RULE = "会商由相关部门负责人及司法局、法律顾问参加（联席办理制度），三者缺一不能组织或记录会商。"
COUNSEL_RULE = "本申请属于征地拆迁等易诉案件，须由政府法律顾问审核通过。"


def _attendees(web, app) -> str:
    from models.tables import JointConsultation

    meeting = web.db.exec(select(JointConsultation).where(JointConsultation.application_id == app.id)
                          .order_by(JointConsultation.id.desc())).first()
    return meeting.participants if meeting else "（无）"


T = {  # transitions: name -> DeskAction (labels from the lifecycle)
    "confirm_receipt": DeskAction("confirm_receipt", "", (
        Field("note", "确认情况（可选，如电话联系申请人的结果）", "text"),
    ), lambda c, n, v, w, a: portal.confirm_receipt(c, n, note=v["note"] or ""),
        help="《条例》第三十一条第（三）项：网上提交的申请以双方确认之日为收到申请之日。确认后，今天即为收到申请之日，"
             "答复期限自今天起计算；身份证明等材料不全的，确认后一次性告知补正。"),
    "request_supplement": DeskAction("request_supplement", "", (
        Field("items", "需补正事项（逐项写明）", "textarea", True),
        Field("period_days", "补正期限（工作日，留空用本机关默认）", "number"),
    ), lambda c, n, v, w, a: A.request_supplement(c, n, items=v["items"], period_days=v["period_days"])),
    "receive_supplement": DeskAction("receive_supplement", "", (
        Field("received_on", "收到补正日期", "date", True, default=_today),
        Field("content", "补正内容", "textarea"),
    ), lambda c, n, v, w, a: A.receive_supplement(c, n, received_on=v["received_on"], content=v["content"] or "")),
    "deem_abandoned": DeskAction("deem_abandoned", "", (), lambda c, n, v, w, a: A.deem_abandoned(c, n), danger=True),
    "route": DeskAction("route", "", (
        Field("department", "承办单位", "select", True, options=_routable_departments),
    ), lambda c, n, v, w, a: A.route(c, n, department=v["department"])),
    "refer_to_leader": DeskAction("refer_to_leader", "", (
        Field("reason", "报请协调的理由（涉及哪些单位）", "textarea"),
    ), lambda c, n, v, w, a: A.refer_to_leader(c, n, reason=v["reason"] or "")),
    "convene_joint_consultation": DeskAction("convene_joint_consultation", "", (
        Field("departments", "相关部门（可多选）", "multiselect", True, options=_departments),
        Field("justice_bureau", "司法局参加人员", "text", True),
        Field("legal_counsel", "法律顾问", "text", True),
        Field("others", "其他参加人员", "text"),
    ), lambda c, n, v, w, a: A.convene_joint_consultation(c, n, departments=v["departments"],
                                                          justice_bureau=v["justice_bureau"],
                                                          legal_counsel=v["legal_counsel"], others=v["others"] or ""),
        help=JOINT_RULE),
    "record_joint_consultation": DeskAction("record_joint_consultation", "", (
        Field("held_on", "会商日期", "date", True, default=_today),
        Field("minutes", "会商纪要", "textarea", True),
        Field("proposed_reply", "拟答复意见", "textarea", True),
        Field("departments", "实际参加的相关部门（如有变化）", "multiselect", options=_departments),
        Field("justice_bureau", "实际参加的司法局人员（如有变化）", "text"),
        Field("legal_counsel", "实际参加的法律顾问（如有变化）", "text"),
        Field("others", "其他参加人员（如有变化）", "text"),
    ), lambda c, n, v, w, a: A.record_joint_consultation(
        c, n, held_on=v["held_on"], minutes=v["minutes"], proposed_reply=v["proposed_reply"],
        departments=v["departments"] or None, justice_bureau=v["justice_bureau"], legal_counsel=v["legal_counsel"],
        others=v["others"]), help=lambda w, a: f"{JOINT_RULE}登记时的参加人员：{_attendees(w, a)}"),
    "start_drafting": DeskAction("start_drafting", "", (
        Field("reason", "直接拟稿的理由（如本办掌握该信息）", "text"),
    ), lambda c, n, v, w, a: A.start_drafting(c, n, reason=v["reason"] or "")),
    "start_consultation": DeskAction("start_consultation", "", (
        Field("kind", "征求对象", "select", True, options=_enum_options(ConsultationKind)),
        Field("party", "第三方或机关名称", "text", True),
        Field("party_contact", "联系方式", "text"),
    ), lambda c, n, v, w, a: A.start_consultation(c, n, kind=ConsultationKind(v["kind"]), party=v["party"],
                                                  party_contact=v["party_contact"] or "")),
    "end_consultation": DeskAction("end_consultation", "", (
        Field("reply", "对方意见", "select", True, options=_enum_options(ConsultationReply)),
        Field("replied_on", "收到意见日期", "date", True, default=_today),
        Field("reasons", "理由（不同意公开的须填写）", "textarea"),
    ), lambda c, n, v, w, a: A.record_consultation_reply(c, n, reply=ConsultationReply(v["reply"]),
                                                         replied_on=v["replied_on"], reasons=v["reasons"] or "")),
    "issue_fee_notice": DeskAction("issue_fee_notice", "", (
        Field("method", "计费方式", "select", True,
              options=tuple((m.value, {"per_application": "按件计收", "per_page": "按量计收"}.get(m.value, m.value))
                            for m in FeeMethod)),
        Field("pages", "页数（按量计收时填写）", "number"),
        Field("justification", "收费理由（数量、频次明显超过合理范围）", "textarea", True),
    ), lambda c, n, v, w, a: A.issue_fee_notice(c, n, method=FeeMethod(v["method"]), pages=v["pages"],
                                                justification=v["justification"]),
        help="收费通知须经法律顾问审核通过后才发出（会签办结制度）；发出后缴费前答复期限中止计算。"),
    "approve_fee_notice": DeskAction("approve_fee_notice", "", (
        Field("comments", "审核意见（可选）", "textarea"),
    ), lambda c, n, v, w, a: A.approve_fee_notice(c, n, comments=v["comments"] or ""),
        help=lambda w, a: COUNSEL_RULE if a.litigation_prone else "审核通过即发出收费通知，缴费期限自申请人收到之日起计算。",
        blocked=_counsel_blocked),
    "return_fee_notice": DeskAction("return_fee_notice", "", (
        Field("comments", "审核意见（退回理由）", "textarea", True),
    ), lambda c, n, v, w, a: A.return_fee_notice(c, n, comments=v["comments"])),
    "record_payment": DeskAction("record_payment", "", (
        Field("paid_on", "缴费日期", "date", True, default=_today),
        Field("receipt_no", "财政票据号码", "text", True),
    ), lambda c, n, v, w, a: A.record_payment(c, n, paid_on=v["paid_on"], receipt_no=v["receipt_no"])),
    "close_fee_unpaid": DeskAction("close_fee_unpaid", "", (), lambda c, n, v, w, a: A.close_fee_unpaid(c, n),
                                   danger=True),
    "submit_for_review": DeskAction("submit_for_review", "", (), None, link="draft"),
    "return_draft": DeskAction("return_draft", "", (
        Field("comments", "审核意见（退回理由）", "textarea", True),
    ), lambda c, n, v, w, a: A.return_draft(c, n, comments=v["comments"])),
    "approve_draft": DeskAction("approve_draft", "", (
        Field("comments", "审核意见（可选）", "textarea"),
    ), lambda c, n, v, w, a: A.approve_draft(c, n, comments=v["comments"] or ""),
        help=lambda w, a: COUNSEL_RULE if a.litigation_prone else "", blocked=_counsel_blocked),
    "issue_reply": DeskAction("issue_reply", "", (), lambda c, n, v, w, a: A.issue_reply(c, n, render=_render_reply(w, a)),
                              help=lambda w, a: f"法律顾问审核通过后，由公开办负责人或分管领导签发；签发人：{w.user.full_name}。"),
    "dispatch": DeskAction("dispatch", "", (
        Field("method", "送达方式", "select", True, options=_enum_options(DeliveryMethod),
              default=lambda w, a: a.delivery_method),
        Field("dispatched_on", "寄送日期", "date", True, default=_today),
        Field("tracking_no", "邮件号码（邮寄时必填）", "text"),
    ), lambda c, n, v, w, a: A.dispatch(c, n, method=DeliveryMethod(v["method"]), dispatched_on=v["dispatched_on"],
                                        tracking_no=v["tracking_no"] or "")),
    "record_delivery": DeskAction("record_delivery", "", (
        Field("delivered_on", "送达日期", "date", True, default=_today),
        Field("proof", "送达凭证", "text", True, help="送达回证、邮件签收记录或系统到达记录"),
    ), lambda c, n, v, w, a: A.record_delivery(c, n, delivered_on=v["delivered_on"], proof=v["proof"])),
    "withdraw": DeskAction("withdraw", "", (
        Field("reason", "撤回原因", "text"),
        Field("evidence", "撤回证据（书面撤回申请或通话记录）", "textarea", True),
    ), lambda c, n, v, w, a: A.withdraw(c, n, reason=v["reason"] or "", evidence=v["evidence"]), danger=True),
    "archive": DeskAction("archive", "", (), lambda c, n, v, w, a: _archive(c, n)),
    "void_registration": DeskAction("void_registration", "", (
        Field("reason", "作废理由（如：重复提交、登记错误）", "textarea", True),
    ), lambda c, n, v, w, a: A.void_registration(c, n, reason=v["reason"] or ""), danger=True,
        help="登记有误（如重复提交、录入错误）的，可在登记当天作废，须写明理由并记入办理记录；作废的登记不作为申请办理，"
             "不计入任何统计。申请人主动撤回的，请用「申请人撤回」。", blocked=_void_blocked),
}
for _name, _action in list(T.items()):
    T[_name] = replace(_action, label=lifecycle.BY_ACTION[_name].label)
# department_returned and opinions_complete are not buttons of their own: they happen through the department's
# 退回 / 提交书面答复意见 below, or when the leader closes the coordination (complete_coordination, below).


def _open_assignment(web, app, statuses) -> Assignment | None:
    if web.user is None or web.user.department_id is None:
        return None
    return web.db.exec(select(Assignment).where(
        Assignment.application_id == app.id, Assignment.department_id == web.user.department_id,
        Assignment.status.in_([s.value for s in statuses]))).first()


_HANDLING = (Status.routed, Status.coordinating)


@dataclass(frozen=True)
class Note:
    """An action that does not move the status: who may take it and when the form shows."""

    action: DeskAction
    roles: frozenset
    when: Callable  # (web, application) -> bool


NOTES = {
    "accept_assignment": Note(DeskAction("accept_assignment", "签收", (), lambda c, n, v, w, a: A.accept_assignment(c, n)),
                              frozenset({Role.department_handler}),
                              lambda w, a: a.status in _HANDLING and _open_assignment(w, a, {AssignmentStatus.routed})),
    "return_assignment": Note(DeskAction("return_assignment", "退回（非本单位职责）", (
        Field("reason", "退回理由", "textarea", True),
    ), lambda c, n, v, w, a: A.return_assignment(c, n, reason=v["reason"]), danger=True),
        frozenset({Role.department_handler}),
        lambda w, a: a.status in _HANDLING and _open_assignment(w, a, {AssignmentStatus.routed, AssignmentStatus.accepted})),
    "submit_opinion": Note(DeskAction("submit_opinion", "提交书面答复意见", (
        Field("opinion", "书面答复意见", "textarea", True),
        Field("attachments", "附件（可多选）", "files", help=limits_label(), accept=ACCEPT),
    ), lambda c, n, v, w, a: A.submit_opinion(c, n, opinion=v["opinion"], attachments=v["attachments"])),
        frozenset({Role.department_handler}),
        lambda w, a: a.status in _HANDLING and _open_assignment(w, a, {AssignmentStatus.routed, AssignmentStatus.accepted})),
    "assign_departments": Note(DeskAction("assign_departments", "指定承办单位和答复期限", (
        Field("departments", "承办单位（可多选）", "multiselect", True, options=_routable_departments),
        Field("due_date", "书面答复意见期限", "date", True, default=lambda w, a: _latest_department_due(w, a)[0],
              help=lambda w, a: _latest_department_due(w, a)[1]),
    ), lambda c, n, v, w, a: A.assign_departments(c, n, departments=v["departments"], due_date=v["due_date"])),
        frozenset({Role.coordinating_leader}), lambda w, a: a.status == Status.coordinating),
    # The leader closes when every remaining department has answered (some may have 退回); the domain refuses before.
    "complete_coordination": Note(DeskAction("complete_coordination", "结束协调，转公开办拟稿", (),
                                             lambda c, n, v, w, a: A.complete_coordination(c, n),
                                             blocked=_coordination_blocked),
                                  frozenset({Role.coordinating_leader}), lambda w, a: a.status == Status.coordinating),
    "request_extension": Note(DeskAction("request_extension", "申请延期答复", (
        Field("days", "延长工作日数（不超过20）", "number", True, default="20"),
        Field("reason", "延期理由", "textarea", True),
    ), lambda c, n, v, w, a: A.request_extension(c, n, days=v["days"], reason=v["reason"])),
        frozenset({Role.clerk}),
        lambda w, a: a.status in lifecycle.OPEN_BEFORE_REPLY and a.due_date is not None and w.db.exec(
            select(Extension.id).where(Extension.application_id == a.id)).first() is None),
    "decide_extension": Note(DeskAction("decide_extension", "审批延期申请", (
        Field("approve", "批准延期", "select", True, options=(("yes", "批准"), ("no", "不批准"))),
        Field("comment", "审批意见", "text"),
    ), lambda c, n, v, w, a: A.decide_extension(c, n, approve=v["approve"] == "yes", comment=v["comment"] or "")),
        frozenset({Role.office_head}),
        lambda w, a: w.db.exec(select(Extension.id).where(Extension.application_id == a.id,
                                                          Extension.status == ExtensionStatus.requested.value)).first()
        is not None),
    # Anyone handling the case may raise the flag; only a leader clears it, with a reason (the reviewer may not).
    "set_litigation_prone": Note(DeskAction("set_litigation_prone", "易诉案件标记", (
        Field("flag", "属于征地拆迁等易诉案件（须政府法律顾问审核）", "checkbox", default=lambda w, a: a.litigation_prone),
        Field("reason", "理由（取消标记时必填）", "text"),
    ), lambda c, n, v, w, a: A.set_litigation_prone(c, n, flag=v["flag"], reason=v["reason"] or ""),
        help="易诉标记决定由谁审核：经办人、法律顾问均可标记；取消须由公开办负责人或分管领导写明理由。"),
        guards.FLAG_ROLES,
        lambda w, a: a.status not in lifecycle.CONCLUDED and (not a.litigation_prone or w.role in guards.CLEAR_FLAG_ROLES)),
    "request_reasons": Note(DeskAction("request_reasons", "要求说明理由（第三十五条）", (
        Field("days", "说明理由期限（工作日）", "number", True, default=str(A.REASONS_DAYS)),
    ), lambda c, n, v, w, a: A.request_reasons(c, n, days=v["days"]),
        help="申请数量、频次明显超过合理范围的，可以要求申请人说明理由（《条例》第三十五条）；以理由不合理不予处理、"
             "或确定延迟答复期限，都须先发出说明理由告知书。答复期限照常计算。"),
        frozenset({Role.clerk}), lambda w, a: a.status in A.REASONS_STATES and _reasons(w, a) is None),
    "record_reasons": Note(DeskAction("record_reasons", "登记申请人说明的理由", (
        Field("answered_on", "收到理由日期", "date", True, default=_today),
        Field("reasons", "申请人说明的理由", "textarea", True),
    ), lambda c, n, v, w, a: A.record_reasons(c, n, answered_on=v["answered_on"], reasons=v["reasons"])),
        frozenset({Role.clerk}),
        lambda w, a: a.status not in lifecycle.CONCLUDED and (r := _reasons(w, a)) is not None and r.answered_on is None),
    "defer_reply": Note(DeskAction("defer_reply", "确定延迟答复期限（第三十五条）", (
        Field("due_date", "延迟答复期限", "date", True),
        Field("reason", "无法在法定期限内答复的情况", "textarea", True),
    ), lambda c, n, v, w, a: A.defer_reply(c, n, due_date=v["due_date"], reason=v["reason"]),
        help=lambda w, a: f"申请理由合理但无法在第三十三条规定的期限内答复的，确定延迟答复的合理期限并告知申请人；"
                          f"须在现答复期限 {a.due_date} 届满前确定，且晚于该期限。"),
        frozenset({Role.office_head}),
        lambda w, a: a.status not in lifecycle.CONCLUDED and (r := _reasons(w, a)) is not None
        and r.answered_on is not None and r.deferred_due is None),
}


def _reasons(web, app) -> ReasonRequest | None:
    return web.db.exec(select(ReasonRequest).where(ReasonRequest.application_id == app.id)).first()


def _latest_department_due(web, app) -> tuple[str, str]:
    """The latest deadline the leader may set, and the rule, shown before he submits (models.guards)."""
    ctx = Ctx(web.db, web.desk.calendar, web.now, web.user)
    latest = A.latest_department_due(ctx, app)
    agency = web.db.get(Agency, app.agency_id)
    reply_due = A.reply_due_date(ctx, app)
    if latest <= web.now.date():
        return "", (f"答复期限为 {reply_due}，须留出{agency.office_reserve_days}个工作日供公开办拟稿、法律审核和签发，"
                    f"承办单位已无答复时间，请先申请延期答复。")
    return latest.isoformat(), (f"最迟 {latest}：答复期限为 {reply_due}，须留出{agency.office_reserve_days}个工作日"
                                f"供公开办拟稿、法律审核和签发。")


def available(web, app: Application) -> list[DeskAction]:
    """Exactly the forms this user may use on this case now: the lifecycle's transitions, then the notes."""
    role = web.role
    if role is None:
        return []
    shown = [T[t.action] for t in lifecycle.allowed_actions(Status(app.status), role) if t.action in T]
    shown += [note.action for note in NOTES.values() if role in note.roles and note.when(web, app)]
    return shown


def blocked_reason(web, app: Application, action: DeskAction) -> str | None:
    """Why this user cannot take the action now (models.guards), or None."""
    return action.blocked(web, app) if action.blocked is not None else None


def primary(web, app: Application, actions: list[DeskAction], *, missing: tuple = ()) -> str | None:
    """The step the case waits for (lifecycle.NEXT_STEPS), the first this user may take and is not blocked from.

    A registered case whose 身份证明 is missing waits for the one 补正 notice (Art 30) before anything else."""
    steps = lifecycle.NEXT_STEPS[Status(app.status)]
    if Status(app.status) == Status.registered and missing:
        steps = ("request_supplement", *steps)
    offered = {a.name: a for a in actions}
    return next((name for name in steps if name in offered and blocked_reason(web, app, offered[name]) is None), None)


def find(web, app: Application, name: str) -> DeskAction | None:
    return next((a for a in available(web, app) if a.name == name), None)


def run(web, app: Application, action: DeskAction, form) -> A.Done:
    values = parse(action, form)
    ctx = Ctx(web.db, web.desk.calendar, web.now, web.user)
    return action.run(ctx, app.number, values, web, app)
