"""The domain actions: the only code that changes a case. Each is one transaction with its Event.

Every action takes the injected context (session, calendar, now, actor) and the case number, checks
the lifecycle (models.lifecycle) and the legal guards, writes, refreshes the stored due date and
returns what happened. The CLI, the desk and the Prefect flows all call these functions.
"""

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date

from sqlmodel import select

from calendars import (
    check_extension,
    consultation_reply_due,
    department_answer_due,
    fee_payment_due,
    supplement_notice_due,
    supplement_period_due,
)
from models import guards, lifecycle, outbox, redaction
from models.attachments import Upload, check_uploads
from models.citation_check import (
    ItemAnswer,
    ReplyDraft,
    WithheldItem,
    default_citations,
    ensure_reply_passes,
    items_citations,
    remedy_for,
)
from models.context import Ctx, action
from models.deadlines import case_dates, read_clock, refresh_due_date, reply_period_ended
from models.enums import (
    AssignmentStatus,
    ConsultationKind,
    ConsultationReply,
    DecisionStatus,
    DeliveryMethod,
    ExtensionStatus,
    FeeStatus,
    ParticipantKind,
    Role,
    Status,
)
from models.errors import CaseReadOnly, GuardFailed, NotFound, RoleNotAllowed, ValidationFailed
from models.fees import FeeMethod, fee_amount
from models.identity import CaseRef
from models.mock_tables import not_mock
from models.outcomes import TERMINATION_OUTCOMES, ChallengeKind, ChallengeResult, Citation, Outcome, main_outcome
from models.queries import application_by_number, department_by_name
from models.registration import next_in_sequence
from models.statistics.lock import ensure_challenge_year_open, ensure_year_open
from models.tables import (
    Agency,
    Application,
    Assignment,
    Attachment,
    Consultation,
    Decision,
    Department,
    Delivery,
    Document,
    Extension,
    Fee,
    JointConsultation,
    LegalChallenge,
    ReasonRequest,
    Review,
    Supplement,
    User,
    shanghai_day,
)


@dataclass(frozen=True)
class Done:
    """What an action did and what the case waits for now (printed by the CLI, shown by the desk)."""

    number: str
    message: str
    status: Status
    waits_for: str
    due_date: date | None
    agency_id: int | None = None

    @property
    def case(self) -> CaseRef:
        return CaseRef(self.agency_id, self.number)


def _load(ctx: Ctx, number: str) -> Application:
    """A number names a case within the acting user's agency (or the system's scope): never another agency's."""
    return application_by_number(ctx.session, number, agency_id=ctx.scope)


def _done(ctx: Ctx, app: Application, message: str, *, clock: bool = False) -> Done:
    """The result; `clock=True` when the action changed a date the reply clock reads (the cached due date moves)."""
    if clock:
        refresh_due_date(ctx.session, app, calendar=ctx.calendar, today=ctx.today)
    status = Status(app.status)
    return Done(app.number, message, status, lifecycle.waits_for(status), app.due_date, app.agency_id)


def _transition(ctx: Ctx, app: Application, name: str, **data) -> None:
    lifecycle.apply(ctx.session, app, name, actor=ctx.actor, now=ctx.now, data=_jsonable(data))


def _note(ctx: Ctx, app: Application, name: str, **data) -> None:
    lifecycle.record(ctx.session, app, name, actor=ctx.actor, now=ctx.now, data=_jsonable(data))


def _jsonable(data: dict) -> dict:
    return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in data.items()}


def _require_role(ctx: Ctx, roles: set[Role], what: str) -> None:
    if ctx.actor is None or Role(ctx.actor.role) not in roles:
        raise RoleNotAllowed(f"当前用户无权{what}。", f"role may not {what}")


def _not_after_today(ctx: Ctx, day: date, what: str) -> date:
    if day > ctx.today:
        raise ValidationFailed(f"{what}（{day}）不能晚于今天（{ctx.today}）。", f"{what} in the future")
    return day


# --- completeness: 补正 (Art 30) ------------------------------------------------------------------


@action
def request_supplement(ctx: Ctx, number: str, *, items: str, period_days: int | None = None,
                       notice_received_on: date | None = None) -> Done:
    """Art 30: one single notice, within 7 WD of receipt, listing every item and a reasonable period."""
    app = _load(ctx, number)
    if ctx.session.exec(select(Supplement).where(Supplement.application_id == app.id)).first():
        raise GuardFailed("《条例》第三十条要求一次性告知补正，本申请已发出过补正告知，不能再次告知。", "second supplement")
    if not items.strip():
        raise ValidationFailed("请逐项写明需要补正的事项。", "no supplement items")
    agency = ctx.session.get(Agency, app.agency_id)
    days = period_days or agency.supplement_days
    if not 1 <= days <= 60:
        raise ValidationFailed(f"补正期限应为1至60个工作日（填写的是{days}）。", "bad supplement period")
    received = _not_after_today(ctx, notice_received_on or ctx.today, "申请人收到补正告知日期")
    notice_due = supplement_notice_due(app.receipt_date, calendar=ctx.calendar).date
    period = supplement_period_due(received, calendar=ctx.calendar, days=days)
    ctx.session.add(Supplement(application_id=app.id, issued_on=ctx.today, items=items.strip(), period_days=days,
                               notice_received_on=received, due_date=period.date))
    late = ctx.today > notice_due
    _transition(ctx, app, "request_supplement", items=items, period_days=days, due_date=period.date,
                notice_due=notice_due, late=late)
    warning = f"（注意：补正告知应于 {notice_due} 前发出，已逾期）" if late else ""
    # Art 30: the reply period stops being counted; it restarts in full when the supplement arrives
    return _done(ctx, app, f"已告知补正，补正期限至 {period.date}。{warning}", clock=True)


@action
def receive_supplement(ctx: Ctx, number: str, *, received_on: date, content: str = "") -> Done:
    """Art 30: the reply period is counted afresh from the day the supplemented application is received."""
    app = _load(ctx, number)
    lifecycle.check(app, "receive_supplement", ctx.actor)  # before the supplement row, which only that status has
    supplement = ctx.session.exec(select(Supplement).where(Supplement.application_id == app.id)).one()
    _not_after_today(ctx, received_on, "收到补正日期")
    if received_on < supplement.issued_on:
        raise ValidationFailed("收到补正日期不能早于补正告知日期。", "supplement before notice")
    supplement.received_on = received_on
    supplement.content = content
    ctx.session.add(supplement)
    _transition(ctx, app, "receive_supplement", received_on=received_on, late=received_on > supplement.due_date)
    return _done(ctx, app, f"已收到补正，答复期限自 {received_on} 起重新计算。", clock=True)


@action
def deem_abandoned(ctx: Ctx, number: str) -> Done:
    """Art 30: no supplement within the period without good reason → deemed abandoned (三(六)1).

    The case is concluded when its 终止处理告知书 is dispatched, after legal review and 签发 like any reply."""
    app = _load(ctx, number)
    lifecycle.check(app, "deem_abandoned", ctx.actor)  # before the supplement row, which only that status has
    supplement = ctx.session.exec(select(Supplement).where(Supplement.application_id == app.id)).one()
    if ctx.today <= supplement.due_date:
        raise GuardFailed(f"补正期限至 {supplement.due_date} 尚未届满，不能视为放弃申请。", "supplement period open")
    _transition(ctx, app, "deem_abandoned", supplement_due=supplement.due_date)
    return _done(ctx, app, "申请人逾期未补正，视为放弃申请；请拟写终止处理告知书，经法律审核和签发后送达。", clock=True)


def _conclude(ctx: Ctx, app: Application, outcome: Outcome, on: date) -> None:
    """The case is concluded (counted in table 三 of `on`'s year), unless that year's table is locked."""
    app.outcome = outcome
    app.closed_on = on
    ensure_year_open(ctx.session, app)


# --- routing: 交办, 协调, 会商 ------------------------------------------------------------------------


@action
def route(ctx: Ctx, number: str, *, department: str) -> Done:
    """One department: routed with a 5-WD answer due date (the district's 联席办理制度)."""
    app = _load(ctx, number)
    lifecycle.check(app, "route", ctx.actor)
    agency = ctx.session.get(Agency, app.agency_id)
    dept = department_by_name(ctx.session, agency, department)
    _refuse_handlerless(ctx, app, [dept.name])
    reply_due = reply_due_date(ctx, app)
    latest = guards.latest_department_due(reply_due, reserve_days=agency.office_reserve_days, calendar=ctx.calendar)
    due = department_answer_due(ctx.today, calendar=ctx.calendar).date
    capped = due > latest  # the 5 WD are at most: the office's reserve before the reply due date comes first
    due = min(due, latest)
    guards.ensure_department_due(due, today=ctx.today, reply_due=reply_due, reserve_days=agency.office_reserve_days,
                                 calendar=ctx.calendar)
    ctx.session.add(Assignment(application_id=app.id, department_id=dept.id, routed_on=ctx.today, due_date=due))
    _transition(ctx, app, "route", department=dept.name, due_date=due, capped=capped)
    note = f"（答复期限 {reply_due} 前须留出{agency.office_reserve_days}个工作日供拟稿、审核和签发）" if capped else ""
    return _done(ctx, app, f"已交办{dept.name}，书面答复意见应于 {due} 前提交。{note}")


def reply_due_date(ctx: Ctx, app: Application) -> date:
    """The reply due date on the clock today (the stored due date is only a cache)."""
    return read_clock(ctx.session, app, calendar=ctx.calendar, today=ctx.today).due_date


def latest_department_due(ctx: Ctx, app: Application) -> date:
    """The latest deadline a department may be given on this case today (models.guards.latest_department_due)."""
    agency = ctx.session.get(Agency, app.agency_id)
    return guards.latest_department_due(reply_due_date(ctx, app), reserve_days=agency.office_reserve_days,
                                        calendar=ctx.calendar)


@action
def refer_to_leader(ctx: Ctx, number: str, *, reason: str = "") -> Done:
    """Several departments: the coordinating leader (分管领导) picks them and sets their deadline."""
    app = _load(ctx, number)
    _transition(ctx, app, "refer_to_leader", reason=reason)
    return _done(ctx, app, "已报分管领导协调。")


@action
def assign_departments(ctx: Ctx, number: str, *, departments: list[str], due_date: date) -> Done:
    """The coordinating leader routes to several departments with a deadline of his choosing."""
    app = _load(ctx, number)
    _require_role(ctx, {Role.coordinating_leader}, "指定承办单位")
    if Status(app.status) != Status.coordinating:
        raise GuardFailed("只有处于「分管领导协调中」的申请才能由领导指定承办单位。", "not coordinating")
    if not departments:
        raise ValidationFailed("请至少指定一个承办单位。", "no departments")
    if due_date <= ctx.today:
        raise ValidationFailed(f"答复期限（{due_date}）应晚于今天。", "due date not in the future")
    agency = ctx.session.get(Agency, app.agency_id)
    guards.ensure_department_due(due_date, today=ctx.today, reply_due=reply_due_date(ctx, app),
                                 reserve_days=agency.office_reserve_days, calendar=ctx.calendar)
    _refuse_handlerless(ctx, app, departments)
    names = []
    for name in dict.fromkeys(departments):
        dept = department_by_name(ctx.session, agency, name)
        ctx.session.add(Assignment(application_id=app.id, department_id=dept.id, routed_on=ctx.today,
                                   due_date=due_date, due_set_by_leader=True))
        names.append(dept.name)
    _note(ctx, app, "assign_departments", departments=names, due_date=due_date)
    return _done(ctx, app, f"已交办{'、'.join(names)}，请于 {due_date} 前提交书面答复意见。")


def _assignment_for(ctx: Ctx, app: Application, statuses: set[AssignmentStatus]) -> Assignment:
    """The acting department handler's open assignment on this case."""
    _require_role(ctx, {Role.department_handler}, "办理交办件")
    found = ctx.session.exec(
        select(Assignment).where(Assignment.application_id == app.id,
                                 Assignment.department_id == ctx.actor.department_id)
    ).all()
    for assignment in found:
        if AssignmentStatus(assignment.status) in statuses:
            return assignment
    raise NotFound(f"本单位在申请 {app.number} 上没有待办的交办件。", "no open assignment for this department")


def _open_states(app: Application) -> None:
    if Status(app.status) not in (Status.routed, Status.coordinating):
        raise GuardFailed(f"申请当前状态为「{Status(app.status).label}」，承办单位不能办理。", "not in handling")


@action
def accept_assignment(ctx: Ctx, number: str) -> Done:
    """签收: the department confirms it has the case."""
    app = _load(ctx, number)
    _open_states(app)
    assignment = _assignment_for(ctx, app, {AssignmentStatus.routed})
    assignment.status = AssignmentStatus.accepted
    assignment.accepted_on = ctx.today
    ctx.session.add(assignment)
    _note(ctx, app, "accept_assignment", assignment_id=assignment.id)
    return _done(ctx, app, f"已签收，书面答复意见应于 {assignment.due_date} 前提交。")


@action
def return_assignment(ctx: Ctx, number: str, *, reason: str) -> Done:
    """退回: not this department's matter; back to the clerk (or the leader) with the reason."""
    app = _load(ctx, number)
    _open_states(app)
    if not reason.strip():
        raise ValidationFailed("退回须写明理由。", "return without reason")
    assignment = _assignment_for(ctx, app, {AssignmentStatus.routed, AssignmentStatus.accepted})
    assignment.status = AssignmentStatus.returned
    assignment.returned_on = ctx.today
    assignment.return_reason = reason.strip()
    ctx.session.add(assignment)
    ctx.session.flush()
    if Status(app.status) == Status.routed and not _pending(ctx, app):
        _transition(ctx, app, "department_returned", assignment_id=assignment.id, reason=reason)
        return _done(ctx, app, "已退回公开办，请重新交办。")
    _note(ctx, app, "return_assignment", assignment_id=assignment.id, reason=reason)
    return _done(ctx, app, "已退回，由分管领导另行指定承办单位。")


def _pending(ctx: Ctx, app: Application) -> list[Assignment]:
    return [a for a in ctx.session.exec(select(Assignment).where(Assignment.application_id == app.id)).all()
            if AssignmentStatus(a.status) in (AssignmentStatus.routed, AssignmentStatus.accepted)]


@action
def submit_opinion(ctx: Ctx, number: str, *, opinion: str, attachments: Iterable[Upload] = ()) -> Done:
    """The department's written reply opinion with its files; when every department has answered, drafting begins."""
    app = _load(ctx, number)
    _open_states(app)
    if not opinion.strip():
        raise ValidationFailed("书面答复意见不能为空。", "empty opinion")
    files = check_uploads(attachments)  # every file is checked before anything is written
    assignment = _assignment_for(ctx, app, {AssignmentStatus.routed, AssignmentStatus.accepted})
    assignment.status = AssignmentStatus.answered
    assignment.accepted_on = assignment.accepted_on or ctx.today
    assignment.answered_on = ctx.today
    assignment.answered_by_id = ctx.actor.id
    assignment.opinion = opinion.strip()
    ctx.session.add(assignment)
    ctx.session.flush()
    for f in files:
        ctx.session.add(Attachment(application_id=app.id, assignment_id=assignment.id, filename=f.filename,
                                   content_type=f.content_type, size=f.size, sha256=f.sha256, content=f.content,
                                   uploaded_by_id=ctx.actor.id, uploaded_at=ctx.now))
    _note(ctx, app, "submit_opinion", assignment_id=assignment.id, late=ctx.today > assignment.due_date,
          attachments=[{"filename": f.filename, "sha256": f.sha256} for f in files])
    sent = f"已提交书面答复意见（附件{len(files)}个）" if files else "已提交书面答复意见"
    if not _pending(ctx, app):
        _transition(ctx, app, "opinions_complete")
        return _done(ctx, app, f"{sent}，承办意见已齐备，转公开办拟稿。")
    return _done(ctx, app, f"{sent}，等待其他承办单位。")


@action
def complete_coordination(ctx: Ctx, number: str) -> Done:
    """The leader closes the coordination once every remaining department has answered (some may have 退回)."""
    app = _load(ctx, number)
    lifecycle.check(app, "opinions_complete", ctx.actor)
    guards.ensure_coordination_complete(**coordination_state(ctx.session, app))
    _transition(ctx, app, "opinions_complete")
    return _done(ctx, app, "承办意见已齐备，转公开办拟稿。")


def coordination_state(session, app: Application) -> dict:
    """The departments that have not answered yet (by name, in routing order) and how many answered."""
    rows = session.exec(select(Assignment, Department.name).join(Department, Department.id == Assignment.department_id)
                        .where(Assignment.application_id == app.id).order_by(Assignment.id)).all()
    open_ = (AssignmentStatus.routed, AssignmentStatus.accepted)
    pending = list(dict.fromkeys(name for a, name in rows if AssignmentStatus(a.status) in open_))
    return {"pending": pending, "answered": sum(1 for a, _ in rows if AssignmentStatus(a.status) == AssignmentStatus.answered)}


def departments_without_handler(session, agency: Agency, names: list[str]) -> list[str]:
    """Of these departments, those with no active department handler to take a case."""
    found = []
    for name in dict.fromkeys(names):
        dept = department_by_name(session, agency, name)
        handler = session.exec(select(User.id).where(User.agency_id == agency.id, User.department_id == dept.id,
                                                     User.role == Role.department_handler.value, User.active)).first()
        if handler is None:
            found.append(dept.name)
    return found


def _refuse_handlerless(ctx: Ctx, app: Application, names: list[str]) -> None:
    """Refuse to give a case to departments nobody can take it in, and tell the office (clerks and the office head),
    whose notice stays although the action is refused (outbox.enqueue commits it on its own)."""
    agency = ctx.session.get(Agency, app.agency_id)
    missing = departments_without_handler(ctx.session, agency, names)
    if not missing:
        return
    office = ctx.session.exec(select(User).where(User.agency_id == app.agency_id, User.active,
                                                 User.role.in_([Role.clerk.value, Role.office_head.value]))
                              .order_by(User.id)).all()
    who = ctx.actor.full_name if ctx.actor else "系统"
    for user in office:
        outbox.enqueue(ctx.session, app, outbox.Notice(
            key=f"{CaseRef.of(app).key}:no_handler:{','.join(missing)}:{ctx.today}:{user.username}", kind="no_handler",
            recipient=user.username,
            subject=f"【{app.number}】{'、'.join(missing)}没有在岗的承办单位经办人，{who}未能交办",
            body="请为该单位设置承办单位经办人账号（系统管理员），或改交其他单位。"), now=ctx.now)
    guards.ensure_departments_have_handlers(missing)


def joint_attendees(ctx: Ctx, app: Application, *, departments: list[str], justice_bureau: str, legal_counsel: str,
                    others: str = "") -> list[dict]:
    """Who sits in a 会商, by kind: the agency's departments concerned, the justice bureau, legal counsel, others."""
    agency = ctx.session.get(Agency, app.agency_id)
    found = [{"kind": ParticipantKind.department.value, "name": department_by_name(ctx.session, agency, name).name}
             for name in dict.fromkeys(d.strip() for d in departments if d.strip())]
    for kind, name in ((ParticipantKind.justice_bureau, justice_bureau), (ParticipantKind.legal_counsel, legal_counsel),
                       (ParticipantKind.other, others)):
        if (name or "").strip():
            found.append({"kind": kind.value, "name": name.strip()})
    guards.ensure_joint_attendees(found)
    return found


def attendees_text(attendees: list[dict]) -> str:
    """相关部门：区自然资源局、区住房和城乡建设局；司法局：区司法局王科长；法律顾问：陈律师 — as the 会商纪要 prints it."""
    parts = []
    for kind in ParticipantKind:
        names = [a["name"] for a in attendees if a["kind"] == kind.value]
        if names:
            parts.append(f"{kind.label}：{'、'.join(names)}")
    return "；".join(parts)


@action
def convene_joint_consultation(ctx: Ctx, number: str, *, departments: list[str], justice_bureau: str,
                               legal_counsel: str, others: str = "") -> Done:
    """会商 for major or complex cases: the departments concerned, the justice bureau and legal counsel (联席办理制度)."""
    app = _load(ctx, number)
    lifecycle.check(app, "convene_joint_consultation", ctx.actor)
    attendees = joint_attendees(ctx, app, departments=departments, justice_bureau=justice_bureau,
                                legal_counsel=legal_counsel, others=others)
    text = attendees_text(attendees)
    ctx.session.add(JointConsultation(application_id=app.id, convened_by_id=ctx.actor.id if ctx.actor else None,
                                      convened_on=ctx.today, participants=text, attendees=attendees))
    _transition(ctx, app, "convene_joint_consultation", participants=text, attendees=attendees)
    return _done(ctx, app, f"已组织会商（{text}）。")


@action
def record_joint_consultation(ctx: Ctx, number: str, *, held_on: date, minutes: str, proposed_reply: str,
                              departments: list[str] | None = None, justice_bureau: str | None = None,
                              legal_counsel: str | None = None, others: str | None = None) -> Done:
    """The 会商 as held: its date, minutes, proposed reply and, when it changed, who attended (checked again)."""
    app = _load(ctx, number)
    lifecycle.check(app, "record_joint_consultation", ctx.actor)
    meeting = ctx.session.exec(select(JointConsultation).where(JointConsultation.application_id == app.id)
                               .order_by(JointConsultation.id.desc())).first()
    _not_after_today(ctx, held_on, "会商日期")
    if held_on < meeting.convened_on:
        raise ValidationFailed(f"会商日期（{held_on}）不能早于组织会商的日期（{meeting.convened_on}）。", "held before convened")
    if not minutes.strip() or not proposed_reply.strip():
        raise ValidationFailed("请填写会商纪要和拟答复意见。", "minutes and proposed reply required")
    changed = departments is not None or justice_bureau is not None or legal_counsel is not None or others is not None
    if changed:
        def kept(kind: ParticipantKind) -> list[str]:
            return [a["name"] for a in meeting.attendees if a["kind"] == kind.value]

        meeting.attendees = joint_attendees(
            ctx, app, departments=kept(ParticipantKind.department) if departments is None else departments,
            justice_bureau="、".join(kept(ParticipantKind.justice_bureau)) if justice_bureau is None else justice_bureau,
            legal_counsel="、".join(kept(ParticipantKind.legal_counsel)) if legal_counsel is None else legal_counsel,
            others="、".join(kept(ParticipantKind.other)) if others is None else others)
        meeting.participants = attendees_text(meeting.attendees)
    else:
        guards.ensure_joint_attendees(meeting.attendees)
    meeting.held_on = held_on
    meeting.minutes = minutes.strip()
    meeting.proposed_reply = proposed_reply.strip()
    ctx.session.add(meeting)
    _transition(ctx, app, "record_joint_consultation", held_on=held_on, attendees=meeting.attendees)
    return _done(ctx, app, "已记录会商结论，转公开办拟稿。")


@action
def start_drafting(ctx: Ctx, number: str, *, reason: str = "") -> Done:
    app = _load(ctx, number)
    _transition(ctx, app, "start_drafting", reason=reason)
    return _done(ctx, app, "已转入拟稿。")


# --- pauses: consultation (Arts 32, 34) and fees (Art 42) ----------------------------------------------


@action
def start_consultation(ctx: Ctx, number: str, *, kind: ConsultationKind, party: str, party_contact: str = "",
                       party_received_on: date | None = None) -> Done:
    """征求意见: the party has 15 WD from receiving the letter; the time is not counted (Art 33(3))."""
    app = _load(ctx, number)
    if not party.strip():
        raise ValidationFailed("请填写被征求意见的第三方或机关名称。", "no party")
    received = party_received_on or ctx.today
    if received < ctx.today:
        raise ValidationFailed("对方收到征求意见书的日期不能早于发出日期。", "received before sent")
    due = consultation_reply_due(received, calendar=ctx.calendar).date
    ctx.session.add(Consultation(application_id=app.id, kind=kind, party=party.strip(), party_contact=party_contact,
                                 sent_on=ctx.today, party_received_on=received, due_date=due))
    _transition(ctx, app, "start_consultation", kind=ConsultationKind(kind).value, party=party, due_date=due)
    return _done(ctx, app, f"已向{party}发出征求意见书，对方应于 {due} 前提出意见；征求意见期间不计入答复期限。", clock=True)


@action
def record_consultation_reply(ctx: Ctx, number: str, *, reply: ConsultationReply, replied_on: date,
                              reasons: str = "") -> Done:
    """The party answers (or its 15 WD pass: Art 34 silence = consent); the clock resumes."""
    app = _load(ctx, number)
    open_ = ctx.session.exec(select(Consultation).where(Consultation.application_id == app.id,
                                                        Consultation.ended_on.is_(None))).first()
    if open_ is None:
        raise GuardFailed("没有尚未答复的征求意见。", "no open consultation")
    _not_after_today(ctx, replied_on, "收到意见日期")
    if replied_on < open_.sent_on:
        raise ValidationFailed("收到意见日期不能早于发出征求意见书的日期。", "reply before letter")
    if reply == ConsultationReply.objects and not reasons.strip():
        raise ValidationFailed("第三方不同意公开的，请记录其理由（《条例》第三十二条）。", "objection without reasons")
    open_.ended_on = replied_on
    open_.reply = reply
    open_.reasons = reasons
    ctx.session.add(open_)
    _transition(ctx, app, "end_consultation", party=open_.party, reply=ConsultationReply(reply).value,
                ended_on=replied_on)
    return _done(ctx, app, f"已登记{open_.party}的意见（{ConsultationReply(reply).label}），答复期限恢复计算。", clock=True)


@action
def expire_consultation(ctx: Ctx, number: str) -> Done:
    """The 15 WD have passed without an answer: the pause ends on the last day of the period."""
    app = _load(ctx, number)
    open_ = ctx.session.exec(select(Consultation).where(Consultation.application_id == app.id,
                                                        Consultation.ended_on.is_(None))).first()
    if open_ is None or ctx.today <= open_.due_date:
        raise GuardFailed("征求意见期限尚未届满。", "consultation period still open")
    open_.ended_on = open_.due_date
    open_.reply = ConsultationReply.no_reply
    ctx.session.add(open_)
    _transition(ctx, app, "end_consultation", party=open_.party, reply="no_reply", ended_on=open_.due_date)
    return _done(ctx, app, f"{open_.party}逾期未提出意见，答复期限恢复计算。", clock=True)


@action
def issue_fee_notice(ctx: Ctx, number: str, *, method: FeeMethod, justification: str, pages: int | None = None) -> Done:
    """Art 42 / 国办函〔2020〕109号: only where volume or frequency clearly exceeds reason; one method only.

    The clerk drafts the fee notice; it goes out only once legal counsel signs it off (approve_fee_notice)."""
    app = _load(ctx, number)
    lifecycle.check(app, "issue_fee_notice", ctx.actor)
    if not justification.strip():
        raise ValidationFailed("收取信息处理费须写明申请数量、频次明显超过合理范围的理由（《条例》第四十二条）。",
                               "fee without justification")
    fee = ctx.session.exec(select(Fee).where(Fee.application_id == app.id)).first()
    if fee is not None and FeeStatus(fee.status) != FeeStatus.returned:
        raise GuardFailed("本申请已发出过收费通知，不能再次收费（国办函〔2020〕109号第三条：每件申请只按一种标准计收）。",
                          "second fee notice")
    monthly = app.monthly_count if FeeMethod(method) == FeeMethod.per_application else None
    amount = fee_amount(FeeMethod(method), monthly_count=monthly, pages=pages)
    if amount <= 0:
        raise GuardFailed("按所选标准计算应收金额为0元，不应发出收费通知。", "zero fee")
    fee = fee or Fee(application_id=app.id, method=FeeMethod(method).value, amount=amount, justification="")
    fee.method, fee.monthly_count, fee.pages, fee.amount = FeeMethod(method).value, monthly, pages, amount
    fee.justification, fee.status, fee.review_comments = justification.strip(), FeeStatus.proposed, ""
    ctx.session.add(fee)
    _transition(ctx, app, "issue_fee_notice", method=FeeMethod(method).value, amount=amount)
    return _done(ctx, app, f"收费通知（金额 {amount} 元）已送法律顾问审核，审核通过后发出；缴费前答复期限中止计算。")


def _proposed_fee(ctx: Ctx, app: Application) -> Fee:
    fee = ctx.session.exec(select(Fee).where(Fee.application_id == app.id)).first()
    if fee is None or FeeStatus(fee.status) != FeeStatus.proposed:
        raise GuardFailed("没有待审核的收费通知。", "no fee notice in review")
    return fee


def _ensure_counsel_may_sign(ctx: Ctx, app: Application) -> None:
    """易诉 cases (land expropriation, demolition …) are signed off by the government's legal counsel only."""
    guards.ensure_counsel_may_sign(ctx.actor, litigation_prone=app.litigation_prone)


@action
def approve_fee_notice(ctx: Ctx, number: str, *, comments: str = "", notice_received_on: date | None = None) -> Done:
    """Counsel signs the fee notice off and it goes out: the payment period runs and the reply clock stops."""
    app = _load(ctx, number)
    lifecycle.check(app, "approve_fee_notice", ctx.actor)
    _ensure_counsel_may_sign(ctx, app)
    fee = _proposed_fee(ctx, app)
    received = _not_after_today(ctx, notice_received_on or ctx.today, "申请人收到收费通知日期")
    fee.status, fee.reviewed_by_id, fee.review_comments = FeeStatus.sent, ctx.actor.id, comments.strip()
    fee.notice_sent_on, fee.notice_received_on = ctx.today, received
    fee.pay_due = fee_payment_due(received, calendar=ctx.calendar).date
    ctx.session.add(fee)
    _transition(ctx, app, "approve_fee_notice", amount=fee.amount, pay_due=fee.pay_due, comments=comments)
    return _done(ctx, app, f"收费通知已审核通过并发出，金额 {fee.amount} 元，缴费期限至 {fee.pay_due}；缴费前答复期限中止计算。",
                 clock=True)


@action
def return_fee_notice(ctx: Ctx, number: str, *, comments: str) -> Done:
    """Counsel does not sign the fee notice off: nothing is sent and the case goes back where it was."""
    app = _load(ctx, number)
    lifecycle.check(app, "return_fee_notice", ctx.actor)
    if not comments.strip():
        raise ValidationFailed("退回收费通知须写明审核意见。", "return without comments")
    fee = _proposed_fee(ctx, app)
    fee.status, fee.reviewed_by_id, fee.review_comments = FeeStatus.returned, ctx.actor.id, comments.strip()
    ctx.session.add(fee)
    _transition(ctx, app, "return_fee_notice", comments=comments)
    return _done(ctx, app, "收费通知未通过法律审核，未发出。")


def _sent_fee(ctx: Ctx, app: Application) -> Fee:
    fee = ctx.session.exec(select(Fee).where(Fee.application_id == app.id)).first()
    if fee is None or FeeStatus(fee.status) != FeeStatus.sent:
        raise GuardFailed("本申请没有已发出的收费通知。", "no fee notice sent")
    return fee


@action
def record_payment(ctx: Ctx, number: str, *, paid_on: date, receipt_no: str) -> Done:
    app = _load(ctx, number)
    fee = _sent_fee(ctx, app)
    _not_after_today(ctx, paid_on, "缴费日期")
    if paid_on < fee.notice_sent_on:
        raise ValidationFailed("缴费日期不能早于收费通知日期。", "paid before notice")
    if not receipt_no.strip():
        raise ValidationFailed("请填写财政票据号码。", "no receipt number")
    fee.paid_on = paid_on
    fee.receipt_no = receipt_no.strip()
    ctx.session.add(fee)
    _transition(ctx, app, "record_payment", paid_on=paid_on, receipt_no=receipt_no)
    return _done(ctx, app, "已登记缴费，答复期限恢复计算。", clock=True)


@action
def close_fee_unpaid(ctx: Ctx, number: str) -> Done:
    """Unpaid by the payment due date → not processed further (三(六)2), once the 终止处理告知书 is reviewed and sent."""
    app = _load(ctx, number)
    fee = _sent_fee(ctx, app)
    if ctx.today <= fee.pay_due:
        raise GuardFailed(f"缴费期限至 {fee.pay_due} 尚未届满。", "payment period open")
    _transition(ctx, app, "close_fee_unpaid", pay_due=fee.pay_due)
    return _done(ctx, app, "申请人逾期未缴费，不再处理；请拟写终止处理告知书，经法律审核和签发后送达。", clock=True)


# --- unreasonable volume or frequency: 说明理由 (Art 35) ------------------------------------------------

# Where a case may be while the office asks for reasons: before any decision has gone to legal review.
REASONS_STATES = frozenset({Status.registered, Status.routed, Status.coordinating, Status.joint_consultation,
                            Status.drafting, Status.returned_for_revision})
REASONS_DAYS = 10  # working days for the applicant to state reasons: the law says only "合理" [U]; the clerk may change it


def applications_so_far(ctx: Ctx, app: Application) -> int:
    """The applicant's applications to this agency up to this one's receipt date, this one included."""
    return len(ctx.session.exec(select(Application.id).where(
        Application.agency_id == app.agency_id, Application.applicant_id == app.applicant_id,
        Application.receipt_date <= app.receipt_date,
        (Application.id == app.id) | not_mock(Application.id))).all())  # a 模拟暗访 test is not the applicant's


def _reason_request(ctx: Ctx, app: Application) -> ReasonRequest | None:
    return ctx.session.exec(select(ReasonRequest).where(ReasonRequest.application_id == app.id)).first()


@action
def request_reasons(ctx: Ctx, number: str, *, days: int | None = None) -> Done:
    """Art 35: the volume or frequency clearly exceeds a reasonable range, so the applicant is asked for reasons
    (说明理由告知书). Only after this may the office refuse (不予处理) or fix a deferred reply date."""
    app = _load(ctx, number)
    _require_role(ctx, {Role.clerk}, "要求申请人说明理由")
    if Status(app.status) not in REASONS_STATES:
        raise GuardFailed(f"申请当前状态为「{Status(app.status).label}」，不能再要求说明理由。", "not before a decision")
    if _reason_request(ctx, app) is not None:
        raise GuardFailed("本申请已发出过说明理由告知书。", "second reason request")
    days = REASONS_DAYS if days is None else days
    if not 1 <= days <= 30:
        raise ValidationFailed(f"说明理由的期限应为1至30个工作日（填写的是{days}）。", "bad reasons period")
    due = ctx.calendar.add_working_days(ctx.today, days=days)
    count = applications_so_far(ctx, app)
    ctx.session.add(ReasonRequest(application_id=app.id, sent_on=ctx.today, application_count=count, due_date=due))
    _note(ctx, app, "request_reasons", due_date=due, application_count=count)
    return _done(ctx, app, f"已发出说明理由告知书（《条例》第三十五条），请申请人于 {due} 前说明理由；答复期限照常计算。")


@action
def record_reasons(ctx: Ctx, number: str, *, answered_on: date, reasons: str) -> Done:
    """The applicant's stated reasons, as received; the office then judges them (refusal or deferral)."""
    app = _load(ctx, number)
    _require_role(ctx, {Role.clerk}, "登记申请人说明的理由")
    asked = _reason_request(ctx, app)
    if asked is None:
        raise GuardFailed("本申请没有发出说明理由告知书。", "no reason request")
    if asked.answered_on is not None:
        raise GuardFailed(f"已于 {asked.answered_on} 登记申请人说明的理由。", "reasons already recorded")
    _not_after_today(ctx, answered_on, "收到理由日期")
    if answered_on < asked.sent_on:
        raise ValidationFailed("收到理由日期不能早于发出说明理由告知书的日期。", "reasons before request")
    if not reasons.strip():
        raise ValidationFailed("请登记申请人说明的理由。", "empty reasons")
    asked.answered_on, asked.reasons = answered_on, reasons.strip()
    ctx.session.add(asked)
    _note(ctx, app, "record_reasons", answered_on=answered_on, late=answered_on > asked.due_date)
    return _done(ctx, app, "已登记申请人说明的理由：认为不合理的，拟写“不予处理”答复；认为合理但无法按期答复的，"
                           "由公开办负责人确定延迟答复期限。")


@action
def defer_reply(ctx: Ctx, number: str, *, due_date: date, reason: str) -> Done:
    """Art 35: the reasons are reasonable but the Art 33 period cannot be met: a reasonable deferred reply date,
    decided by the head of the disclosure office before the current period ends, and told to the applicant."""
    app = _load(ctx, number)
    _require_role(ctx, {Role.office_head}, "确定延迟答复期限")
    if Status(app.status) in lifecycle.CONCLUDED:
        raise GuardFailed("申请已办结，无需延迟答复。", "concluded")
    asked = _reason_request(ctx, app)
    if asked is None or asked.answered_on is None:
        raise GuardFailed("确定延迟答复期限须先要求申请人说明理由并登记其理由（《条例》第三十五条）。", "no reasons recorded")
    if asked.deferred_due is not None:
        raise GuardFailed(f"已确定于 {asked.deferred_due} 前答复，不能再次延迟。", "second deferral")
    if not reason.strip():
        raise ValidationFailed("请写明申请理由合理但无法在法定期限内答复的情况。", "no reason")
    current = reply_due_date(ctx, app)
    if ctx.today > current:
        raise GuardFailed(f"答复期限 {current} 已届满，不能再确定延迟答复期限（《条例》第三十五条）。", "period over")
    if due_date <= current:
        raise ValidationFailed(f"延迟答复期限（{due_date}）应晚于现答复期限 {current}；能按期答复的无需延迟。",
                               "deferral not later than the due date")
    asked.deferred_due, asked.deferred_on, asked.deferred_by_id = due_date, ctx.today, ctx.actor.id
    asked.deferral_reason = reason.strip()
    ctx.session.add(asked)
    _note(ctx, app, "defer_reply", due_date=due_date, reason=reason)
    return _done(ctx, app, f"已确定延迟答复期限至 {due_date}（《条例》第三十五条），延迟答复告知书将送达申请人。", clock=True)


# --- extension (Art 33(2)) --------------------------------------------------------------------------


@action
def request_extension(ctx: Ctx, number: str, *, days: int, reason: str) -> Done:
    app = _load(ctx, number)
    _require_role(ctx, {Role.clerk}, "申请延期")
    if Status(app.status) in lifecycle.CONCLUDED:
        raise GuardFailed("申请已办结，无需延期。", "concluded")
    if reply_period_ended(ctx.session, app):
        raise GuardFailed("申请已视为放弃或因逾期未缴费不再处理，没有答复期限可以延长。", "terminating")
    if ctx.session.exec(select(Extension).where(Extension.application_id == app.id)).first():
        raise GuardFailed("《条例》第三十三条只允许延长一次答复期限，本申请已申请过延期。", "second extension")
    if not reason.strip():
        raise ValidationFailed("请写明延期理由。", "no reason")
    check_extension(case_dates(ctx.session, app), approved_on=ctx.today, days=days, calendar=ctx.calendar)
    ctx.session.add(Extension(application_id=app.id, days=days, reason=reason.strip(), requested_on=ctx.today,
                              requested_by_id=ctx.actor.id))
    _note(ctx, app, "request_extension", days=days, reason=reason)
    return _done(ctx, app, f"已提交延期申请（{days}个工作日），待公开办负责人审批，须在 {app.due_date} 前批准。")


@action
def decide_extension(ctx: Ctx, number: str, *, approve: bool, comment: str = "") -> Done:
    """Only the head of the disclosure office approves, on or before the current due date (Art 33(2))."""
    app = _load(ctx, number)
    _require_role(ctx, {Role.office_head}, "审批延期（《条例》第三十三条：须经政府信息公开工作机构负责人同意）")
    extension = ctx.session.exec(select(Extension).where(Extension.application_id == app.id,
                                                         Extension.status == ExtensionStatus.requested)).first()
    if extension is None:
        raise NotFound("没有待审批的延期申请。", "no pending extension")
    if approve:
        check_extension(case_dates(ctx.session, app), approved_on=ctx.today, days=extension.days,
                        calendar=ctx.calendar)
    extension.status = ExtensionStatus.approved if approve else ExtensionStatus.refused
    extension.decided_on = ctx.today
    extension.decided_by_id = ctx.actor.id
    ctx.session.add(extension)
    _note(ctx, app, "decide_extension", approved=approve, days=extension.days, comment=comment)
    done = _done(ctx, app, "未批准延期。", clock=True)
    if not approve:
        return done
    return replace(done, message=f"已批准延期{extension.days}个工作日，答复期限延至 {done.due_date}；请告知申请人。")


# --- drafting and legal review (会签办结制度) -------------------------------------------------------------


@dataclass
class DraftIn:
    """The structured decision a clerk drafts; the notice is generated from it."""

    outcome: Outcome
    reasons: str = ""
    body: str = ""  # what is provided, or how and where to obtain it
    withheld_items: list[dict] | None = None  # [{"part", "ground", "reason"}]
    # Several items, each answered with its own outcome and basis (Arts 36, 37):
    # [{"part", "outcome", "reasons", "body", "law_citations": [Citation], "responsible_agency",
    #   "responsible_agency_contact"}]. With items, the application is counted under the outcome the agency's
    # precedence gives them (main_outcome), whatever `outcome` says.
    item_outcomes: list[dict] | None = None
    responsible_agency: str | None = None
    responsible_agency_contact: str | None = None
    citations: list[Citation] | None = None  # the full list; None: default_citations (always passes the check)
    # Provisions of other laws the reply names: the prohibiting law (Art 14), the special law (Art 36(7)),
    # the basis of a query service (行政查询); checked against models.laws.
    law_citations: list[Citation] | None = None
    repeat_of: str | None = None  # Art 36(6): the earlier application of the same applicant already answered


def _citation_json(c: Citation) -> dict:
    return {"article": c.article, "paragraph": c.paragraph, "item": c.item, "law": c.law}


def item_outcome_values(decision: Decision) -> list[Outcome]:
    """The outcomes of a decision's items (stored as dicts; older rows hold the bare outcome values)."""
    return [Outcome(entry if isinstance(entry, str) else entry["outcome"]) for entry in decision.item_outcomes]


def _stored_items(item_outcomes: list[dict]) -> list[dict]:
    """Each item as the Decision keeps it, with the citations it gets by default (its outcome's and its laws)."""
    stored = []
    for n, raw in enumerate(item_outcomes, start=1):
        if not isinstance(raw, dict):  # a bare outcome answers nothing: the reply must name the item and its basis
            raise ValidationFailed(f"第{n}项须写明所申请的内容、处理结果和理由。", "bare item outcome",
                                   field=f"i{n}_part")
        try:
            outcome = Outcome(raw["outcome"])
        except (KeyError, ValueError):
            raise ValidationFailed(f"请选择第{n}项的处理结果。", "item without outcome", field=f"i{n}_outcome") from None
        laws = list(raw.get("law_citations") or [])
        stored.append({
            "part": (raw.get("part") or "").strip(),
            "outcome": outcome.value,
            "citations": [_citation_json(c) for c in default_citations(outcome, laws=laws)],
            "reasons": (raw.get("reasons") or "").strip(),
            "body": (raw.get("body") or "").strip(),
            "responsible_agency": (raw.get("responsible_agency") or "").strip() or None,
            "responsible_agency_contact": (raw.get("responsible_agency_contact") or "").strip() or None,
        })
    return stored


def _item_answers(item_outcomes: list) -> tuple[ItemAnswer, ...]:
    return tuple(
        ItemAnswer(part=entry["part"], outcome=Outcome(entry["outcome"]),
                   citations=tuple(Citation(**c) for c in entry["citations"]), reasons=entry["reasons"],
                   access=entry["body"], responsible_agency=entry["responsible_agency"],
                   responsible_agency_contact=entry["responsible_agency_contact"])
        for entry in item_outcomes if not isinstance(entry, str)
    )


def reply_draft(agency: Agency, decision: Decision, *, on: date | None = None) -> ReplyDraft:
    """What the reply dated `on` will say (None: today's law), in the shape the citation check and notices read."""
    outcome = Outcome(decision.outcome)
    items = _item_answers(decision.item_outcomes)
    return ReplyDraft(
        outcome=outcome,
        citations=tuple(Citation(**c) for c in decision.citations),
        withheld_items=tuple(
            WithheldItem(part=w["part"], ground=Outcome(w["ground"]), reason=w["reason"]) for w in decision.withheld_items
        ),
        responsible_agency=decision.responsible_agency,
        responsible_agency_contact=decision.responsible_agency_contact,
        remedy=remedy_for([i.outcome for i in items] or [outcome], reconsideration_body=agency.reconsideration_body,
                          court=agency.court, on=on),
        table3_row=outcome.table3_row,
        reasons=decision.reasons,
        access=decision.body,
        items=items,
        on=on,
    )


def draft_decision(agency: Agency, draft: DraftIn, **fields) -> Decision:
    """The Decision a DraftIn stands for, its citations filled in by default where the clerk chose none."""
    withheld = [{"part": (w.get("part") or "").strip(), "ground": Outcome(w["ground"]).value,
                 "reason": (w.get("reason") or "").strip()} for w in (draft.withheld_items or [])]
    items = _stored_items(draft.item_outcomes or [])
    outcome = Outcome(draft.outcome)
    if items:
        outcome = main_outcome([Outcome(i["outcome"]) for i in items], tuple(agency.outcome_precedence.split(",")))
        citations = list(items_citations(outcome, _item_answers(items)))
    elif draft.citations is not None:
        citations = list(draft.citations)
    else:
        citations = list(default_citations(outcome, grounds=[Outcome(w["ground"]) for w in withheld],
                                           laws=draft.law_citations or []))
    return Decision(
        outcome=outcome,
        citations=[_citation_json(c) for c in citations],
        withheld_items=withheld,
        item_outcomes=items,
        reasons=draft.reasons.strip(),
        body=draft.body.strip(),
        responsible_agency=draft.responsible_agency,
        responsible_agency_contact=draft.responsible_agency_contact,
        **fields,
    )


def decision_in(draft: DraftIn) -> guards.DecisionIn:
    """What the decision guards read from a draft."""
    items = tuple(Outcome(o if isinstance(o, str) else o.get("outcome")) for o in draft.item_outcomes or ())
    return guards.DecisionIn(Outcome(draft.outcome), items, (draft.repeat_of or "").strip() or None)


def latest_decision(session, app: Application) -> Decision | None:
    return session.exec(select(Decision).where(Decision.application_id == app.id)
                        .order_by(Decision.version.desc())).first()


@action
def submit_for_review(ctx: Ctx, number: str, *, draft: DraftIn) -> Done:
    """A new draft version goes to legal counsel, but only once the citation check passes."""
    app = _load(ctx, number)
    lifecycle.check(app, "submit_for_review", ctx.actor)
    guards.ensure_decision_allowed(guards.case_facts(ctx.session, app, today=ctx.today), decision_in(draft))
    # Art 37: with marks on the source documents, the withheld items are written from the redaction log
    draft = redaction.with_log(ctx.session, app, draft)
    previous = latest_decision(ctx.session, app)
    agency = ctx.session.get(Agency, app.agency_id)
    decision = draft_decision(agency, draft, application_id=app.id, version=(previous.version + 1) if previous else 1,
                              status=DecisionStatus.in_review, drafted_by_id=ctx.actor.id, drafted_at=ctx.now,
                              repeat_of=(draft.repeat_of or "").strip() or None)
    ensure_reply_passes(reply_draft(agency, decision, on=ctx.today))  # the law in force today, the day it is drafted
    ctx.session.add(decision)
    ctx.session.flush()
    _transition(ctx, app, "submit_for_review", decision_id=decision.id, version=decision.version,
                outcome=Outcome(decision.outcome).value)
    counted = (f"逐项答复{len(decision.item_outcomes)}项，年度报告按“{Outcome(decision.outcome).label}”统计；"
               if decision.item_outcomes else "")
    return _done(ctx, app, f"答复草稿第{decision.version}稿已通过引用检查，{counted}提交法律审核。")


def _decision_in_review(ctx: Ctx, app: Application) -> Decision:
    decision = latest_decision(ctx.session, app)
    if decision is None or DecisionStatus(decision.status) != DecisionStatus.in_review:
        raise GuardFailed("没有待审核的答复草稿。", "no draft in review")
    return decision


@action
def return_draft(ctx: Ctx, number: str, *, comments: str) -> Done:
    app = _load(ctx, number)
    lifecycle.check(app, "return_draft", ctx.actor)
    if not comments.strip():
        raise ValidationFailed("退回修改须写明审核意见。", "return without comments")
    decision = _decision_in_review(ctx, app)
    decision.status = DecisionStatus.returned
    ctx.session.add(decision)
    ctx.session.add(Review(decision_id=decision.id, reviewer_id=ctx.actor.id, approved=False,
                           comments=comments.strip(), at=ctx.now))
    _transition(ctx, app, "return_draft", decision_id=decision.id, version=decision.version, comments=comments)
    return _done(ctx, app, f"已退回第{decision.version}稿，请按审核意见修改。")


@action
def approve_draft(ctx: Ctx, number: str, *, comments: str = "") -> Done:
    """易诉 cases (land expropriation, demolition …) need the government's legal counsel."""
    app = _load(ctx, number)
    lifecycle.check(app, "approve_draft", ctx.actor)
    _ensure_counsel_may_sign(ctx, app)
    decision = _decision_in_review(ctx, app)
    decision.status = DecisionStatus.approved
    ctx.session.add(decision)
    ctx.session.add(Review(decision_id=decision.id, reviewer_id=ctx.actor.id, approved=True,
                           comments=comments.strip(), at=ctx.now))
    _transition(ctx, app, "approve_draft", decision_id=decision.id, version=decision.version)
    return _done(ctx, app, f"第{decision.version}稿审核通过，待签发。")


@action
def set_litigation_prone(ctx: Ctx, number: str, *, flag: bool, reason: str = "") -> Done:
    """易诉 decides who reviews: anyone who handles the case may raise it, only a leader clears it, with a reason."""
    app = _load(ctx, number)
    guards.ensure_may_set_litigation_prone(ctx.actor, flag=flag, reason=reason)
    if flag == app.litigation_prone:
        raise ValidationFailed("易诉标记没有变化。", "litigation-prone flag unchanged")
    if Status(app.status) in lifecycle.CONCLUDED:
        raise GuardFailed("申请已办结，不能再修改易诉标记。", "concluded")
    app.litigation_prone = flag
    ctx.session.add(app)
    _note(ctx, app, "set_litigation_prone", flag=flag, reason=reason)
    return _done(ctx, app, "已标记为易诉案件，须政府法律顾问审核。" if flag else "已取消易诉标记。")


# --- issue, dispatch, delivery, archive ------------------------------------------------------------------


def store_document(ctx: Ctx, app: Application, *, kind: str, content: bytes, doc_number: str | None = None,
                   content_type: str = "application/pdf") -> Document:
    """Keep a generated document; the same content twice is one document (idempotent by hash)."""
    digest = hashlib.sha256(content).hexdigest()
    existing = ctx.session.exec(select(Document).where(Document.application_id == app.id, Document.kind == kind)
                                .order_by(Document.version.desc())).all()
    for doc in existing:
        if doc.sha256 == digest:
            return doc
    doc = Document(application_id=app.id, kind=kind, version=(existing[0].version + 1) if existing else 1,
                   doc_number=doc_number, content_type=content_type, content=content, sha256=digest,
                   created_at=ctx.now)
    ctx.session.add(doc)
    ctx.session.flush()
    return doc


@action
def add_document(ctx: Ctx, number: str, *, kind: str, content: bytes, content_type: str = "application/pdf") -> Document:
    """Store a generated notice (receipt, 补正告知书, 交办单 …) with an Event; idempotent by content."""
    app = _load(ctx, number)
    if Status(app.status) == Status.archived:
        raise CaseReadOnly("案件已归档，不能再添加文书。", "archived")
    before = ctx.session.exec(select(Document.id).where(Document.application_id == app.id,
                                                        Document.kind == kind)).all()
    doc = store_document(ctx, app, kind=kind, content=content, content_type=content_type)
    if doc.id not in before:
        _note(ctx, app, "add_document", kind=kind, version=doc.version, sha256=doc.sha256)
    return doc


def allocate_doc_number(ctx: Ctx, agency: Agency, year: int) -> str:
    """文号: sequenced per agency and year, gap-free because it is allocated in the issuing transaction."""
    seq = next_in_sequence(ctx.session, agency_id=agency.id, name="reply_doc", year=year)
    return f"{agency.doc_number_prefix}〔{year}〕{seq}号"


def issued_kind(decision: Decision) -> str:
    """The document a decision is issued as: a 终止处理告知书 for a termination, else the 答复书."""
    return "termination" if Outcome(decision.outcome) in TERMINATION_OUTCOMES else "reply"


@action
def issue_reply(ctx: Ctx, number: str, *, render: Callable[[str, Decision], bytes]) -> Done:
    """签发 by the office head or the leader after counsel's sign-off: allocate the 文号, render the reply with it
    and keep it — all or nothing, so no number is lost. The signer is the acting user (会签办结制度)."""
    app = _load(ctx, number)
    lifecycle.check(app, "issue_reply", ctx.actor)
    decision = latest_decision(ctx.session, app)
    if decision is None or DecisionStatus(decision.status) != DecisionStatus.approved:
        raise GuardFailed("答复草稿尚未经法律顾问审核通过，不能签发。", "no approved draft")
    agency = ctx.session.get(Agency, app.agency_id)
    doc_number = allocate_doc_number(ctx, agency, ctx.today.year)
    content = render(doc_number, decision)
    kind = issued_kind(decision)
    doc = store_document(ctx, app, kind=kind, content=content, doc_number=doc_number)
    signer = f"{ctx.actor.full_name}（{Role(ctx.actor.role).label}）"
    _transition(ctx, app, "issue_reply", doc_number=doc_number, document_id=doc.id, signed_by=signer,
                decision_id=decision.id, kind=kind)
    what = "终止处理告知书" if kind == "termination" else "答复"
    return _done(ctx, app, f"{signer}已签发{what}，文号 {doc_number}。")


@action
def dispatch(ctx: Ctx, number: str, *, method: DeliveryMethod, dispatched_on: date, tracking_no: str = "") -> Done:
    """寄送: the reply is on time when dispatched by the due date (民诉法 Art 85 by analogy)."""
    app = _load(ctx, number)
    lifecycle.check(app, "dispatch", ctx.actor)
    _not_after_today(ctx, dispatched_on, "寄送日期")
    method = DeliveryMethod(method)
    if method in (DeliveryMethod.email, DeliveryMethod.platform) and not app.electronic_delivery_consent:
        raise GuardFailed("申请人未同意电子送达，不能以电子方式送达（参照《民事诉讼法》第九十条）。", "no e-consent")
    if method == DeliveryMethod.post and not tracking_no.strip():
        raise ValidationFailed("邮寄送达请填写邮件号码。", "post without tracking number")
    reply = ctx.session.exec(select(Document).where(Document.application_id == app.id,
                                                    Document.kind.in_(("reply", "termination")))
                             .order_by(Document.id.desc())).first()
    ctx.session.add(Delivery(application_id=app.id, document_id=reply.id if reply else None, method=method,
                             dispatched_on=dispatched_on, tracking_no=tracking_no.strip()))
    decision = latest_decision(ctx.session, app)
    agency = ctx.session.get(Agency, app.agency_id)
    outcomes = item_outcome_values(decision) or [Outcome(decision.outcome)]
    _conclude(ctx, app, main_outcome(outcomes, tuple(agency.outcome_precedence.split(","))), dispatched_on)
    on_time = app.due_date is None or dispatched_on <= app.due_date
    _transition(ctx, app, "dispatch", method=method.value, dispatched_on=dispatched_on, tracking_no=tracking_no,
                on_time=on_time)
    late = "" if on_time else f"（注意：已超过答复期限 {app.due_date}）"
    return _done(ctx, app, f"答复已于 {dispatched_on} 寄送。{late}")


@action
def record_delivery(ctx: Ctx, number: str, *, delivered_on: date, proof: str) -> Done:
    app = _load(ctx, number)
    lifecycle.check(app, "record_delivery", ctx.actor)
    delivery = ctx.session.exec(select(Delivery).where(Delivery.application_id == app.id)
                                .order_by(Delivery.id.desc())).first()
    _not_after_today(ctx, delivered_on, "送达日期")
    if delivered_on < delivery.dispatched_on:
        raise ValidationFailed("送达日期不能早于寄送日期。", "delivered before dispatched")
    if not proof.strip():
        raise ValidationFailed("请填写送达凭证（送达回证、邮件签收记录或系统到达记录）。", "no proof")
    delivery.delivered_on = delivered_on
    delivery.proof = proof.strip()
    ctx.session.add(delivery)
    _transition(ctx, app, "record_delivery", delivered_on=delivered_on, proof=proof)
    return _done(ctx, app, f"已登记送达（{delivered_on}）。")


@action
def withdraw(ctx: Ctx, number: str, *, reason: str, evidence: str) -> Done:
    """Withdrawal before the reply (practice, §6.5): keep the evidence, counted in 三(六)3."""
    app = _load(ctx, number)
    if not evidence.strip():
        raise ValidationFailed("请记录撤回证据（书面撤回申请或通话记录），以备复议诉讼。", "withdrawal without evidence")
    _conclude(ctx, app, Outcome.withdrawn, ctx.today)
    _transition(ctx, app, "withdraw", reason=reason, evidence=evidence)
    return _done(ctx, app, "申请人已撤回申请。")


@action
def void_registration(ctx: Ctx, number: str, *, reason: str) -> Done:
    """A registration made in error (the same form twice, a wrong entry) is voided the day it was made, with a reason
    in its Event: the case is no application and counts nowhere (table 三/四, the dashboard, worklists)."""
    app = _load(ctx, number)
    lifecycle.check(app, "void_registration", ctx.actor)
    guards.ensure_may_void(registered_on=shanghai_day(app.created_at), today=ctx.today, reason=reason)
    _transition(ctx, app, "void_registration", reason=reason.strip())
    return _done(ctx, app, f"申请 {app.number} 的登记已作废（{reason.strip()}），不计入任何统计。")


@action
def archive(ctx: Ctx, number: str, *, manifest_sha256: str, location: str) -> Done:
    """归档: after this the case is read-only; challenges are still recorded against it."""
    app = _load(ctx, number)
    _transition(ctx, app, "archive", manifest_sha256=manifest_sha256, location=location)
    return _done(ctx, app, f"已归档（清单 SHA-256 {manifest_sha256[:12]}…）。")


# --- legal challenges (table 四) ---------------------------------------------------------------------------


@action
def record_challenge(ctx: Ctx, number: str, *, kind: ChallengeKind, filed_on: date, body: str = "") -> LegalChallenge:
    """A 复议 or 诉讼 is recorded against the case, whatever its status, without touching the archive."""
    app = _load(ctx, number)
    _require_role(ctx, {Role.clerk, Role.legal_counsel, Role.office_head}, "登记复议诉讼")
    _not_after_today(ctx, filed_on, "复议诉讼提起日期")
    if filed_on < app.receipt_date:
        raise ValidationFailed("复议诉讼提起日期不能早于收到申请日期。", "challenge before receipt")
    ensure_challenge_year_open(ctx.session, app, filed_on, "复议诉讼提起日期")
    challenge = LegalChallenge(application_id=app.id, kind=kind, filed_on=filed_on, body=body)
    ctx.session.add(challenge)
    ctx.session.flush()
    _note(ctx, app, "record_challenge", challenge_id=challenge.id, kind=ChallengeKind(kind).value, filed_on=filed_on)
    return challenge


@action
def decide_challenge(ctx: Ctx, challenge_id: int, *, result: ChallengeResult, decided_on: date) -> LegalChallenge:
    challenge = ctx.session.get(LegalChallenge, challenge_id)
    if challenge is None:
        raise NotFound(f"复议诉讼记录 {challenge_id} 不存在。", "no challenge")
    _require_role(ctx, {Role.clerk, Role.legal_counsel, Role.office_head}, "登记复议诉讼结果")
    if ChallengeResult(result) == ChallengeResult.pending:
        raise ValidationFailed("请登记审结结果（维持、纠正或其他）。", "pending is not a result")
    _not_after_today(ctx, decided_on, "审结日期")
    if decided_on < challenge.filed_on:
        raise ValidationFailed("审结日期不能早于提起日期。", "decided before filed")
    app = ctx.session.get(Application, challenge.application_id)
    # table 四 counts the result in the year it is decided (regulation.md §4.5), whichever year it was filed
    ensure_challenge_year_open(ctx.session, app, decided_on, "审结日期")
    challenge.result = result
    challenge.decided_on = decided_on
    ctx.session.add(challenge)
    _note(ctx, app, "decide_challenge", challenge_id=challenge.id, result=ChallengeResult(result).value)
    return challenge
