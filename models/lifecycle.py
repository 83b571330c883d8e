"""The lifecycle of an application: every state, every transition, who may take it. The whole process in one file.

    (online) awaiting_confirmation ──确认收到──▶ registered          (Art 31(3): received on the day it is confirmed)
    registered ──补正──▶ awaiting_supplement ──收到补正──▶ registered          (Art 30: the clock restarts)
         │                       └──逾期未补正──▶ deemed_abandoned ──拟终止处理告知书──┐
         ├──交办──▶ routed ─────────────┐                                              │
         ├──协调──▶ coordinating ───────┤ (all departments answered)                   │
         ├──会商──▶ joint_consultation ─┼──▶ drafting ⇄ consulting               (Art 32/34: paused)
         └──直接拟稿────────────────────┘       │  ⇅ fee_review ──审核通过──▶ awaiting_fee (paused)
                                              │                                  └──逾期未缴费──▶ fee_unpaid ──┐
                                              ▼                                                               │
                     legal_review ◀──────────────────────────────────────────────────────────────────────────┘
                          │  ⇅ 退回 returned_for_revision ──重新送审──▶ legal_review
                          │通过
                          ▼
                      approved ──签发（公开办负责人或分管领导）──▶ issued ──寄送──▶ dispatched ──送达──▶ delivered ──归档──▶ archived

会签办结制度 (the seeds' offices): nothing reaches the applicant as a decision before legal counsel signs it off —
the reply, the 终止处理告知书 after no supplement (Art 30) or no payment (三(六)2), and the 收费通知书 (Art 42,
regulation.md §3.3 rule 1) — and a reply is then signed (签发) by the office head or the leader, not the clerk.
Withdrawal is possible until the reply is dispatched, but not once the law deems the application abandoned.
A registration made in error (the same form submitted twice, a wrong entry) is voided by a clerk on the day it was
registered, with a reason: a voided case is no application at all and counts nowhere (statistics, worklists).
A paused state (consulting, awaiting_fee) resumes the state the case was in before it; so does a fee notice
counsel returns. Departments' 签收/退回/答复 and the extension live on their own rows and change the status
only through the transitions below. The diagram in docs/lifecycle.md is generated from TRANSITIONS
(`python -m models.diagram`) and a test fails when it drifts.
"""

from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import attributes

import models.audit  # noqa: F401  (installs the hook that hash-chains every Event written)
from models import triggers
from models.enums import Channel, Role, Status
from models.errors import CaseReadOnly, RoleNotAllowed, TransitionNotAllowed
from models.tables import Application, Event, User, shanghai_day

S = Status
R = Role
RESUME = "resume"  # target of a transition that leaves a pause: back to the state the pause began in

# The application is deemed abandoned (Art 30) or no longer handled (unpaid fee); its 终止处理告知书 is still to go.
TERMINATING = frozenset({S.deemed_abandoned, S.fee_unpaid})
OPEN_BEFORE_REPLY = frozenset(
    {S.awaiting_confirmation, S.registered, S.awaiting_supplement, S.routed, S.coordinating, S.joint_consultation, S.consulting,
     S.fee_review, S.awaiting_fee, S.drafting, S.legal_review, S.returned_for_revision, S.approved, S.issued}
) | TERMINATING
PAUSED = frozenset({S.consulting, S.awaiting_fee})
# States that remember the state the case came from (Application.paused_from) and go back to it (RESUME).
KEEPS_ORIGIN = PAUSED | {S.fee_review}
CLOSED_WITHOUT_REPLY = frozenset({S.withdrawn})
CONCLUDED = frozenset({S.dispatched, S.delivered, S.archived}) | CLOSED_WITHOUT_REPLY
HANDLING = frozenset({S.routed, S.coordinating, S.joint_consultation})
# Registered in error and voided the same day: no application in law, in no count, list or table.
VOIDED = frozenset({S.voided})
TERMINAL = frozenset({S.archived}) | VOIDED  # nothing moves a case on from here
SYSTEM = "system"  # the morning sweep acts as the system, not as a user
# An archived case is read-only; a later 复议/诉讼 is still recorded against it (and the archive record itself),
# and an item of the problem list (models.problems) that outlived the case is still noted and closed.
AFTER_ARCHIVE = frozenset({"archive", "record_challenge", "decide_challenge", "problem_note", "problem_close"})


@dataclass(frozen=True)
class Transition:
    action: str
    label: str  # what the button says
    sources: frozenset[Status]
    target: Status | str
    roles: frozenset[Role | str]


def _t(action, label, sources, target, roles):
    return Transition(action, label, frozenset(sources), target, frozenset(roles))


TRANSITIONS: tuple[Transition, ...] = (
    # Art 31(3): an application over the internet is received on the day both sides confirm it; the office's side
    # is the clerk's confirmation (models.portal.confirm_receipt), which sets the receipt date and starts the clock
    _t("confirm_receipt", "确认收到网上申请", {S.awaiting_confirmation}, S.registered, {R.clerk}),
    _t("request_supplement", "告知补正", {S.registered}, S.awaiting_supplement, {R.clerk}),
    # the clerk records a supplement handed in; the portal records one the applicant sends online (as the system)
    _t("receive_supplement", "收到补正", {S.awaiting_supplement}, S.registered, {R.clerk, SYSTEM}),
    _t("deem_abandoned", "视为放弃申请", {S.awaiting_supplement}, S.deemed_abandoned, {R.clerk, SYSTEM}),
    _t("route", "交办承办单位", {S.registered}, S.routed, {R.clerk}),
    _t("refer_to_leader", "报分管领导协调", {S.registered, S.routed}, S.coordinating, {R.clerk}),
    _t("convene_joint_consultation", "组织会商", {S.registered, S.routed, S.coordinating},
       S.joint_consultation, {R.coordinating_leader, R.office_head}),
    _t("department_returned", "承办单位退回", {S.routed}, S.registered, {R.department_handler}),
    _t("opinions_complete", "承办意见齐备", {S.routed, S.coordinating}, S.drafting,
       {R.department_handler, R.coordinating_leader}),
    _t("record_joint_consultation", "记录会商结论", {S.joint_consultation}, S.drafting,
       {R.coordinating_leader, R.office_head, R.clerk}),
    _t("start_drafting", "直接拟稿", {S.registered}, S.drafting, {R.clerk}),
    _t("start_consultation", "征求意见", {S.drafting}, S.consulting, {R.clerk}),
    _t("end_consultation", "征求意见结束", {S.consulting}, RESUME, {R.clerk, SYSTEM}),
    _t("issue_fee_notice", "拟发收费通知（送法律审核）", {S.registered, S.drafting}, S.fee_review, {R.clerk}),
    _t("approve_fee_notice", "收费通知审核通过并发出", {S.fee_review}, S.awaiting_fee, {R.legal_counsel}),
    _t("return_fee_notice", "收费通知退回", {S.fee_review}, RESUME, {R.legal_counsel}),
    _t("record_payment", "登记缴费", {S.awaiting_fee}, RESUME, {R.clerk}),
    _t("close_fee_unpaid", "逾期未缴费不再处理", {S.awaiting_fee}, S.fee_unpaid, {R.clerk, SYSTEM}),
    _t("submit_for_review", "提交法律审核", {S.drafting, S.returned_for_revision} | TERMINATING, S.legal_review,
       {R.clerk}),
    _t("return_draft", "退回修改", {S.legal_review}, S.returned_for_revision, {R.legal_counsel}),
    _t("approve_draft", "审核通过", {S.legal_review}, S.approved, {R.legal_counsel}),
    _t("issue_reply", "签发答复", {S.approved}, S.issued, {R.office_head, R.coordinating_leader}),
    _t("dispatch", "寄送答复", {S.issued}, S.dispatched, {R.clerk}),
    _t("record_delivery", "登记送达", {S.dispatched}, S.delivered, {R.clerk}),
    _t("withdraw", "申请人撤回", OPEN_BEFORE_REPLY - TERMINATING, S.withdrawn, {R.clerk}),
    _t("archive", "归档", {S.delivered} | CLOSED_WITHOUT_REPLY, S.archived, {R.clerk, SYSTEM}),
    _t("void_registration", "登记有误，作废", {S.registered}, S.voided, {R.clerk}),
)
BY_ACTION = {t.action: t for t in TRANSITIONS}
assert len(BY_ACTION) == len(TRANSITIONS), "action names must be unique"


REGISTER_ROLES = frozenset({R.clerk})  # Art 29: the disclosure office registers every application
# The states a new application starts in: registered by a clerk, or submitted online and awaiting confirmation.
ADMITTED = frozenset({S.registered, S.awaiting_confirmation})


def admit(session: OrmSession, application: Application, *, actor: User | None, now: datetime, data: dict,
          awaiting_confirmation: bool = False) -> Event:
    """A new application enters the lifecycle as registered (or, submitted online, awaiting the office's
    confirmation of receipt, Art 31(3)), with its first Event."""
    # Art 29: an applicant may apply through the internet; the online channel (portal, JSON API) admits it as the system
    online = actor is None and application.channel == Channel.online
    if not online and (actor is None or Role(actor.role) not in REGISTER_ROLES):
        raise RoleNotAllowed("只有公开办经办人可以登记申请。", "only clerks register applications")
    if awaiting_confirmation and application.channel != Channel.online:
        raise TransitionNotAllowed("只有网上提交的申请等待确认收到。", "only online applications await confirmation")
    first = Status.awaiting_confirmation if awaiting_confirmation else Status.registered
    application.status = first
    application.status_since = shanghai_day(now)
    session.add(application)
    session.flush()
    return record(session, application, "register", actor=actor, now=now, after=first, data=data)


def allowed_actions(status: Status, role: Role | str | None = None) -> list[Transition]:
    """The transitions the current status allows (for one role, if given): what the desk shows as buttons."""
    return [t for t in TRANSITIONS if status in t.sources and (role is None or role in t.roles)]


def waits_for(status: Status) -> str:
    """What the case waits for now, in the words a clerk uses."""
    return WAITING[status]


# The step each status waits for, in order of preference: the desk shows the first one the user may take (and
# is not blocked from) as the primary action. A registered case with its 身份证明 missing waits for the 补正.
NEXT_STEPS: dict[Status, tuple[str, ...]] = {
    S.awaiting_confirmation: ("confirm_receipt",),
    S.registered: ("route", "refer_to_leader", "start_drafting", "request_supplement"),
    S.awaiting_supplement: ("receive_supplement", "deem_abandoned"),
    S.routed: ("accept_assignment", "submit_opinion"),
    S.coordinating: ("complete_coordination", "assign_departments", "accept_assignment", "submit_opinion"),
    S.joint_consultation: ("record_joint_consultation",),
    S.consulting: ("end_consultation",),
    S.fee_review: ("approve_fee_notice",),
    S.awaiting_fee: ("record_payment", "close_fee_unpaid"),
    S.drafting: ("submit_for_review",),
    S.legal_review: ("approve_draft",),
    S.returned_for_revision: ("submit_for_review",),
    S.approved: ("issue_reply",),
    S.issued: ("dispatch",),
    S.dispatched: ("record_delivery",),
    S.delivered: ("archive",),
    S.withdrawn: ("archive",),
    S.deemed_abandoned: ("submit_for_review",),
    S.fee_unpaid: ("submit_for_review",),
    S.archived: (),
    S.voided: (),
}
assert set(NEXT_STEPS) == set(Status)


WAITING = {
    S.awaiting_confirmation: "等待公开办确认收到网上申请（确认之日为收到申请之日）",
    S.registered: "等待公开办审查：补正、交办、报领导协调或直接拟稿",
    S.awaiting_supplement: "等待申请人补正",
    S.routed: "等待承办单位签收并提交书面答复意见",
    S.coordinating: "等待分管领导协调各承办单位答复",
    S.joint_consultation: "等待会商并形成答复意见",
    S.consulting: "等待被征求意见方答复（期限中止计算）",
    S.fee_review: "等待法律顾问审核收费通知",
    S.awaiting_fee: "等待申请人缴纳信息处理费（期限中止计算）",
    S.drafting: "等待公开办拟写答复并提交法律审核",
    S.legal_review: "等待法律顾问审核",
    S.returned_for_revision: "等待公开办按审核意见修改",
    S.approved: "等待公开办负责人或分管领导签发",
    S.issued: "等待寄送答复",
    S.dispatched: "等待登记送达",
    S.delivered: "等待归档",
    S.withdrawn: "等待归档",
    S.deemed_abandoned: "等待公开办拟写终止处理告知书并提交法律审核",
    S.fee_unpaid: "等待公开办拟写终止处理告知书并提交法律审核",
    S.archived: "已办结归档",
    S.voided: "登记作废，不作为申请办理和统计",
}
assert set(WAITING) == set(Status)


def check(application: Application, action: str, actor: User | None) -> Transition:
    """Raise a domain error unless `actor` may take `action` on `application` in its current status."""
    transition = BY_ACTION[action]
    status = Status(application.status)
    if status not in transition.sources:
        raise TransitionNotAllowed(
            f"申请 {application.number} 当前状态为「{status.label}」，不能执行「{transition.label}」。",
            f"{application.number}: '{action}' not allowed in status {status}",
        )
    role = SYSTEM if actor is None else Role(actor.role)
    if role not in transition.roles:
        who = "系统" if actor is None else f"{actor.full_name}（{Role(actor.role).label}）"
        raise RoleNotAllowed(
            f"{who}无权执行「{transition.label}」。",
            f"role {role} may not '{action}'",
        )
    return transition


def apply(
    session: OrmSession,
    application: Application,
    action: str,
    *,
    actor: User | None,
    now: datetime,
    data: dict | None = None,
) -> Event:
    """Check and take a transition: the status changes and its Event is appended in the caller's transaction."""
    transition = check(application, action, actor)
    before = Status(application.status)
    after = _target(application, transition)
    if after in KEEPS_ORIGIN and before not in KEEPS_ORIGIN:
        application.paused_from = before
    elif after not in KEEPS_ORIGIN:
        application.paused_from = None
    with _lifecycle_write(session):
        application.status = after
        application.status_since = shanghai_day(now)
        session.add(application)
        session.flush()
    return record(session, application, action, actor=actor, now=now, before=before, after=after, data=data)


def record(
    session: OrmSession,
    application: Application,
    action: str,
    *,
    actor: User | None,
    now: datetime,
    before: Status | None = None,
    after: Status | None = None,
    data: dict | None = None,
) -> Event:
    """Append an Event for an action that may or may not change the status (签收, extension, …)."""
    if application.status == Status.archived and action not in AFTER_ARCHIVE:
        raise CaseReadOnly(f"申请 {application.number} 已归档，不能再修改。", f"{application.number} is archived")
    if application.status == Status.voided and action != "void_registration":
        raise CaseReadOnly(f"申请 {application.number} 的登记已作废，不能再办理。", f"{application.number} is voided")
    event = Event(
        application_id=application.id,
        action=action,
        actor_id=None if actor is None else actor.id,
        actor_name="系统" if actor is None else actor.full_name,
        at=now,
        from_status=before,
        to_status=after,
        data=data or {},
    )
    session.add(event)
    triggers.with_the_action(session, event)
    return event


def _target(application: Application, transition: Transition) -> Status:
    if transition.target != RESUME:
        return Status(transition.target)
    return Status(application.paused_from or Status.drafting)


# --- the guard that proves nothing else writes the status -------------------------------------------

_WRITING = "lifecycle_writing"


@contextmanager
def _lifecycle_write(session: OrmSession):
    session.info[_WRITING] = True
    try:
        yield
    finally:
        session.info.pop(_WRITING, None)


@sa_event.listens_for(OrmSession, "before_flush")
def _only_lifecycle_writes_status(session, flush_context, instances):
    """A status written anywhere but lifecycle.apply is a bug: refuse the flush."""
    if session.info.get(_WRITING):
        return
    for obj in session.dirty:
        if isinstance(obj, Application) and attributes.get_history(obj, "status").has_changes():
            raise RuntimeError(f"status of {obj.number} written outside models.lifecycle")
    for obj in session.new:
        if isinstance(obj, Application) and obj.status not in ADMITTED:
            raise RuntimeError("a new application starts as registered or awaiting confirmation "
                               "(imports insert rows in models.transfer)")
