"""What the flows do, as plain functions: read a case, do every automatic step that is due, stop at a gate.

No Prefect here: the flows (workflows.flows) wrap these functions in tasks, and the CLI can call them
inline when no Prefect server runs. Every step is idempotent by construction:

    documents      one per source row (receipt, supplement, routing slip per assignment, 协调函 per
                   assignment by the coordinating leader, 会商纪要 per recorded 会商 …); rendering is dated
                   from the rows, so the same rows give the same bytes and add_document keeps one
    notifications  an outbox row + Event under a unique key (models.outbox.enqueue)
    archive        the dossier is rebuilt identically; archive() runs once (the lifecycle refuses a second)
"""

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import func
from sqlmodel import Session, select

from calendars import load_calendar
from models import actions as A
from models import archive as dossier
from models import outbox, triggers
from models.context import Ctx
from models.db import default_engine, session_scope
from models.enums import DeliveryMethod, ExtensionStatus, FeeStatus, Role, Status
from models.lifecycle import BY_ACTION
from models.mock_tables import is_mock
from models.outbox import Notice
from models.identity import CaseRef, ensure_installation
from models.queries import application_of
from models.settings import Settings
from models.tables import (
    SHANGHAI,
    Applicant,
    Application,
    Assignment,
    Consultation,
    Delivery,
    Department,
    Document,
    Event,
    Extension,
    Fee,
    JointConsultation,
    ReasonRequest,
    Supplement,
    User,
    shanghai_day,
)
from notices import from_case
from notices.render import DocumentKind, render_pdf

# What must exist when the human action returns (the counter prints the 接收回执; the department gets its 交办单):
# made in the same request right after the action commits (workflows.trigger); Prefect carries the rest.
IMMEDIATE_DOCUMENTS = frozenset(DocumentKind(kind) for kind in triggers.IMMEDIATE_DOCUMENTS)
PAPER_SERVICE = frozenset({DeliveryMethod.pickup, DeliveryMethod.post})  # electronic service has its system record
ARCHIVABLE = frozenset({Status.delivered, Status.withdrawn})
# Who is told when a case enters a status (the gate's owners), and what they are told.
GATE_OWNERS: dict[Status, tuple[Role, str]] = {
    Status.registered: (Role.clerk, "申请需重新审查（补正已收到或承办单位退回）"),
    Status.coordinating: (Role.coordinating_leader, "请协调并指定承办单位及答复期限"),
    Status.joint_consultation: (Role.office_head, "请组织会商并记录会商结论"),
    Status.drafting: (Role.clerk, "请拟写答复并提交法律审核"),
    Status.deemed_abandoned: (Role.clerk, "申请人逾期未补正，视为放弃申请，请拟写终止处理告知书并提交法律审核"),
    Status.fee_unpaid: (Role.clerk, "申请人逾期未缴费，请拟写终止处理告知书并提交法律审核"),
    Status.fee_review: (Role.legal_counsel, "请审核收费通知"),
    Status.legal_review: (Role.legal_counsel, "请审核答复草稿"),
    Status.returned_for_revision: (Role.clerk, "法律顾问退回草稿，请按审核意见修改"),
    Status.approved: (Role.office_head, "答复草稿已审核通过，请签发"),
    Status.issued: (Role.clerk, "答复已签发，请寄送"),
}
ACTION_LABELS = {"register": "登记", "accept_assignment": "签收", "return_assignment": "退回",
                 "submit_opinion": "答复意见", "assign_departments": "指定承办单位", "request_extension": "申请延期",
                 "decide_extension": "审批延期", "sweep": "晨检", "check": "核查", "intake": "批量登记",
                 "request_reasons": "说明理由", "record_reasons": "登记理由", "defer_reply": "延迟答复"}


def shanghai_now() -> datetime:
    """Entry points only: everything below takes `now` or `today`."""
    return datetime.now(SHANGHAI)


def label_of(action: str) -> str:
    """The Chinese word for an action, as it appears in run names (`2026-000123 · 交办`)."""
    return BY_ACTION[action].label if action in BY_ACTION else ACTION_LABELS.get(action, action)


@dataclass(frozen=True)
class DocStep:
    kind: DocumentKind
    row_id: int | None = None  # the row the notice is about (assignment, consultation, the leader's assign Event …)
    applicant_copy: bool = False  # the consultation notice to the applicant rather than the letter


@dataclass
class Plan:
    """The automatic steps due on a case now."""

    case: CaseRef
    status: Status
    documents: list[DocStep] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    archive: bool = False
    record_archive: bool = False  # archived by an earlier run that died before recording the package
    triggers_upto: int | None = None  # the newest open trigger this plan covers (done when the run ends)


# --- resources -------------------------------------------------------------------------------------------


def settings() -> Settings:
    return Settings.load()


def calendar():
    s = settings()
    return load_calendar(s.jurisdiction, s.calendar_overlays)


def session(engine=None):
    return session_scope(engine or default_engine())


def system_ctx(s: Session, now: datetime, case: CaseRef) -> Ctx:
    """The system acting on one case: numbers are read within that case's agency."""
    return Ctx(s, calendar(), now, None, agency_id=case.agency_id)


def check_installation(installation: str) -> None:
    """A run triggered for another installation's database refuses before it reads any case (WrongInstallation)."""
    with session() as s:
        ensure_installation(s, installation)


# --- planning ----------------------------------------------------------------------------------------------


def _rows(s: Session, table, app: Application) -> list:
    return list(s.exec(select(table).where(table.application_id == app.id).order_by(table.id)))


def _users(s: Session, app: Application, role: Role, *, department_id: int | None = None,
           government_counsel: bool = False) -> list[User]:
    query = select(User).where(User.agency_id == app.agency_id, User.role == role, User.active)
    if department_id is not None:
        query = query.where(User.department_id == department_id)
    if government_counsel:
        query = query.where(User.government_counsel)
    return list(s.exec(query.order_by(User.id)))


def _entry_event(s: Session, app: Application) -> Event | None:
    """The Event that brought the case into its current status."""
    return s.exec(select(Event).where(Event.application_id == app.id, Event.to_status == app.status)
                  .order_by(Event.id.desc())).first()


def _leader_assignments(s: Session, app: Application) -> list[Event]:
    """Each time the coordinating leader named departments and their deadline (assign_departments)."""
    return list(s.exec(select(Event).where(Event.application_id == app.id, Event.action == "assign_departments")
                       .order_by(Event.id)))


def applicant_channel(applicant: Applicant) -> tuple[str, str]:
    """How the applicant is told: by SMS when there is a phone, else by e-mail, else the clerk posts the paper."""
    if applicant.phone:
        return "sms", applicant.phone
    if applicant.email:
        return "email", applicant.email
    return "post", applicant.address or applicant.name


def _applicant_notice(app: Application, applicant: Applicant, what: str, subject: str) -> Notice:
    channel, recipient = applicant_channel(applicant)
    return Notice(key=f"{CaseRef.of(app).key}:{what}", kind=what, recipient=recipient, channel=channel,
                  subject=f"【{app.number}】{subject}")


def plan(s: Session, case: CaseRef) -> Plan:
    """Read the case and list what is due: documents, notifications, archiving."""
    app = application_of(s, case)
    status = Status(app.status)
    p = Plan(case, status, triggers_upto=triggers.last_open_id(s, app.id))
    if status == Status.voided:  # registered in error: nothing is sent or generated for it any more
        return p
    if status == Status.archived:
        p.record_archive = s.exec(select(dossier.ArchivePackage.id)
                                  .where(dossier.ArchivePackage.application_id == app.id)).first() is None
        return p
    if status == Status.awaiting_confirmation:  # Art 31(3): not received in law until the clerk confirms it
        for user in _users(s, app, Role.clerk):  # no 接收回执 yet: it is dated from the confirmation
            p.notices.append(Notice(key=f"{case.key}:online_submission:{user.username}", kind="online_submission",
                                    recipient=user.username,
                                    subject=f"【{app.number}】网上申请待确认收到（确认之日为收到申请之日）"))
        return p
    applicant = s.get(Applicant, app.applicant_id)
    p.documents.append(DocStep(DocumentKind.receipt))
    p.notices.append(_applicant_notice(app, applicant, "receipt", "您的政府信息公开申请已登记"))
    for row in _rows(s, Supplement, app):
        p.documents.append(DocStep(DocumentKind.supplement, row.id))
        p.notices.append(_applicant_notice(app, applicant, "supplement", "请补正您的政府信息公开申请"))
    for row in _rows(s, Assignment, app):
        p.documents.append(DocStep(DocumentKind.routing, row.id))
        dept = s.get(Department, row.department_id)
        for user in _users(s, app, Role.department_handler, department_id=row.department_id):
            p.notices.append(Notice(key=f"{case.key}:assignment:{row.id}:{user.username}", kind="assignment",
                                    recipient=user.username,
                                    subject=f"【{app.number}】交办{dept.name}，请于 {row.due_date} 前提交书面答复意见"))
    for event in _leader_assignments(s, app):  # the leader's 协调函 to the departments, beside their routing slips
        p.documents.append(DocStep(DocumentKind.coordination, event.id))
    for row in _rows(s, JointConsultation, app):
        if from_case.recorded(row):  # the 会商纪要 exists once the meeting is recorded, not when it is convened
            p.documents.append(DocStep(DocumentKind.joint_consultation, row.id))
    for row in _rows(s, Consultation, app):
        p.documents.append(DocStep(DocumentKind.consultation_third_party, row.id))
        p.documents.append(DocStep(DocumentKind.consultation_notice, row.id, applicant_copy=True))
        p.notices.append(_applicant_notice(app, applicant, f"consultation:{row.id}", "征求第三方意见期间不计入答复期限"))
    for row in _rows(s, Fee, app):
        if FeeStatus(row.status) == FeeStatus.sent:  # a fee notice goes out only after counsel's sign-off
            p.documents.append(DocStep(DocumentKind.fee, row.id))
            p.notices.append(_applicant_notice(app, applicant, "fee", f"请于 {row.pay_due} 前缴纳信息处理费"))
    for row in _rows(s, ReasonRequest, app):  # Art 35: the request for reasons, then any deferred reply date
        p.documents.append(DocStep(DocumentKind.reason_request, row.id))
        p.notices.append(_applicant_notice(app, applicant, "reason_request", f"请于 {row.due_date} 前说明申请理由"))
        if row.deferred_due is not None:
            p.documents.append(DocStep(DocumentKind.deferral, row.id))
            p.notices.append(_applicant_notice(app, applicant, "deferral", f"答复期限确定为 {row.deferred_due}"))
    for row in _rows(s, Delivery, app):  # 送达回证 for a reply served on paper (by hand or by post)
        if DeliveryMethod(row.method) in PAPER_SERVICE and row.document_id is not None:
            p.documents.append(DocStep(DocumentKind.delivery, row.id))
    for row in _rows(s, Extension, app):
        if ExtensionStatus(row.status) == ExtensionStatus.approved:
            p.documents.append(DocStep(DocumentKind.extension, row.id))
            p.notices.append(_applicant_notice(app, applicant, "extension", "答复期限已依法延长"))
        elif ExtensionStatus(row.status) == ExtensionStatus.requested:
            for user in _users(s, app, Role.office_head):
                p.notices.append(Notice(key=f"{case.key}:extension_request:{row.id}:{user.username}",
                                        kind="extension_request", recipient=user.username,
                                        subject=f"【{app.number}】延期申请待审批（须在 {app.due_date} 前批准）"))
    p.notices += _gate_notices(s, app, status)
    if is_mock(s, app.id):  # 模拟暗访: the staff hear of it as of any case, the applicant the office made up never
        p.notices = [n for n in p.notices if n.channel == "internal"]
    p.archive = status in ARCHIVABLE
    return p


def _gate_events(s: Session, app: Application) -> list[Event]:
    """The entries into a gate whose owners are told: the current one, and every one since the case's first
    trigger, so a run that arrives after the next human action still sends the stage it missed. A case older than
    the trigger outbox (no trigger) is told only its current gate: no flood of stale notices."""
    gates = [status.value for status in GATE_OWNERS]
    entry = _entry_event(s, app)
    found = {entry.id: entry} if entry is not None and entry.to_status in gates else {}
    since = s.exec(select(func.min(triggers.CaseTrigger.created_at))
                   .where(triggers.CaseTrigger.application_id == app.id)).one()
    if since is not None:
        for event in s.exec(select(Event).where(Event.application_id == app.id, Event.to_status.in_(gates),
                                                Event.at >= since).order_by(Event.id)):
            found[event.id] = event
    # entering by registration, or by the clerk's own confirmation of an online application, tells no one
    return [found[i] for i in sorted(found) if found[i].action not in ("register", "confirm_receipt")]


def _gate_notices(s: Session, app: Application, status: Status) -> list[Notice]:
    notices = []
    for entry in _gate_events(s, app):
        gate = Status(entry.to_status)
        role, text = GATE_OWNERS[gate]
        reviewing = gate in (Status.legal_review, Status.fee_review)
        users = _users(s, app, role, government_counsel=reviewing and app.litigation_prone)
        notices += [Notice(key=f"{CaseRef.of(app).key}:{gate.value}:{entry.id}:{u.username}", kind=gate.value,
                           recipient=u.username, subject=f"【{app.number}】{text}") for u in users]
    return notices


# --- the steps -----------------------------------------------------------------------------------------------


def _context(s: Session, app: Application, step: DocStep):
    k = step.kind
    if k == DocumentKind.receipt:
        return k, from_case.receipt(s, app)
    if k == DocumentKind.supplement:
        return k, from_case.supplement(s, app, s.get(Supplement, step.row_id))
    if k == DocumentKind.routing:
        return k, from_case.routing(s, app, s.get(Assignment, step.row_id))
    if k == DocumentKind.coordination:
        return k, from_case.coordination(s, app, s.get(Event, step.row_id))
    if k == DocumentKind.joint_consultation:
        return k, from_case.joint_consultation(s, app, s.get(JointConsultation, step.row_id))
    if k == DocumentKind.consultation_notice:
        return k, from_case.consultation_notice(s, app, s.get(Consultation, step.row_id))
    if k == DocumentKind.consultation_third_party:
        return from_case.consultation(s, app, s.get(Consultation, step.row_id))
    if k == DocumentKind.fee:
        return k, from_case.fee(s, app, s.get(Fee, step.row_id))
    if k == DocumentKind.extension:
        return k, from_case.extension(s, app, s.get(Extension, step.row_id))
    if k == DocumentKind.delivery:
        return k, from_case.delivery(s, app, s.get(Delivery, step.row_id))
    if k == DocumentKind.reason_request:
        return k, from_case.reason_request(s, app, s.get(ReasonRequest, step.row_id))
    if k == DocumentKind.deferral:
        return k, from_case.deferral(s, app, s.get(ReasonRequest, step.row_id))
    raise ValueError(f"no automatic document of kind {k}")


def _expected(p: Plan) -> dict[str, int]:
    counts: dict[str, int] = {}
    for step in p.documents:
        counts[step.kind.value] = counts.get(step.kind.value, 0) + 1
    return counts


def missing_documents(s: Session, p: Plan) -> list[DocStep]:
    """Skip rendering what is already stored (the hash check in add_document is the real guarantee)."""
    app = application_of(s, p.case)
    have: dict[str, int] = {}
    for kind in s.exec(select(Document.kind).where(Document.application_id == app.id)):
        have[kind] = have.get(kind, 0) + 1
    # consultation letters are stored under the agency kind too: count both letter kinds as one
    have["consultation_third_party"] = have.get("consultation_third_party", 0) + have.pop("consultation_agency", 0)
    expected = _expected(p)
    return [step for step in p.documents if have.get(step.kind.value, 0) < expected[step.kind.value]]


def document_context(s: Session, case: CaseRef, step: DocStep):
    """(kind, context) of one due document: what render_pdf needs, read here, rendered anywhere (notices.pool)."""
    return _context(s, application_of(s, case), step)


def generate_document(s: Session, case: CaseRef, step: DocStep, *, now: datetime) -> int:
    """Render one notice from the rows and keep it; the same rows twice give one Document."""
    app = application_of(s, case)
    kind, ctx = _context(s, app, step)
    doc = A.add_document(system_ctx(s, now, case), case.number, kind=kind.value, content=render_pdf(kind, ctx))
    return doc.id


def queue_notification(s: Session, case: CaseRef, notice: Notice, *, now: datetime) -> bool:
    return outbox.enqueue(s, application_of(s, case), notice, now=now)


def archive_case(s: Session, case: CaseRef, *, now: datetime, var_dir: Path | None = None, actor=None) -> str:
    """Build the dossier with its manifest, archive the case (read-only from now on), record the package.

    `actor`: the clerk who archives from the desk or the CLI. The automatic step after 送达 (or 撤回) archives in the
    name of the user whose action made the case archivable, so the record says who closed the file, not 系统.
    Returns the package's location, relative to the var dir. Two runs often reach this step together (a late run
    of 寄送 meets the run of 送达): one builds and archives while the other waits, then finds the case archived, so
    no rebuild overwrites the package it recorded."""
    app = application_of(s, case)
    var_dir = var_dir or settings().var_dir
    with dossier.building(dossier.archive_root(var_dir), app):
        s.refresh(app)  # the status as the run before us left it, not as this session first read it
        if Status(app.status) != Status.archived:
            built = dossier.build_package(s, app, var_dir=var_dir)
            actor = actor or _archiving_user(s, app)
            ctx = system_ctx(s, now, case) if actor is None else Ctx(s, calendar(), now, actor)
            A.archive(ctx, case.number, manifest_sha256=built.manifest_sha256, location=built.location)
        return record_archive(s, case, now=now, var_dir=var_dir).location


def _archiving_user(s: Session, app: Application) -> User | None:
    """The active user whose action brought the case into its archivable status (送达, 撤回), if a user did."""
    entry = _entry_event(s, app)
    user = s.get(User, entry.actor_id) if entry is not None and entry.actor_id is not None else None
    if user is None or not user.active or user.agency_id != app.agency_id or user.role not in BY_ACTION["archive"].roles:
        return None
    return user


def record_archive(s: Session, case: CaseRef, *, now: datetime, var_dir: Path | None = None) -> dossier.ArchivePackage:
    """The package row, from the archive Event (so a run that died after archiving is completed later)."""
    app = application_of(s, case)
    event = s.exec(select(Event).where(Event.application_id == app.id, Event.action == "archive")
                   .order_by(Event.id.desc())).one()
    location, manifest = event.data["location"], event.data["manifest_sha256"]
    folder = dossier.package_path(var_dir or settings().var_dir, location)
    files = len(json.loads((folder / dossier.MANIFEST).read_text("utf-8"))["files"])
    built = dossier.Built(location, manifest, files)
    return dossier.record_package(s, app, built, archived_on=shanghai_day(event.at), now=now)


def send_notifications(s: Session, *, now: datetime, sender=None) -> int:
    return outbox.deliver_pending(s, sender or default_sender(), now=now)


def default_sender():
    return outbox.senders_from(settings())


def waits_for(s: Session, case: CaseRef) -> str:
    from models.lifecycle import waits_for as _waits

    return _waits(Status(application_of(s, case).status))


def immediate(case: CaseRef, *, now: datetime, engine=None) -> int:
    """The documents that must exist when the action returns (IMMEDIATE_DOCUMENTS), made now; how many."""
    with session(engine) as s:
        p = plan(s, case)
        due = [step for step in missing_documents(s, p) if step.kind in IMMEDIATE_DOCUMENTS]
        for step in due:
            generate_document(s, case, step, now=now)
        return len(due)


def finish_triggers(s: Session, case: CaseRef, upto: int | None) -> int:
    """The run did every step its plan saw: the case's triggers it covered are done."""
    return triggers.mark_done(s, application_of(s, case).id, upto=upto)


def advance(case: CaseRef, *, now: datetime, sender=None, engine=None) -> str:
    """Inline (no Prefect): the same steps as workflows.flows.advance_case, in the same order."""
    with session(engine) as s:
        p = plan(s, case)
        for step in missing_documents(s, p):
            generate_document(s, case, step, now=now)
        for notice in unqueued(s, p.notices):
            queue_notification(s, case, notice, now=now)
        if p.archive:
            archive_case(s, case, now=now)
        elif p.record_archive:
            record_archive(s, case, now=now)
        send_notifications(s, now=now, sender=sender)
        finish_triggers(s, case, p.triggers_upto)
        return waits_for(s, case)


def _refs(s: Session, query) -> list[CaseRef]:
    return [CaseRef(agency_id, number) for agency_id, number in s.exec(query)]


def open_cases(s: Session) -> list[CaseRef]:
    """Every case an advance may still have work on (reconciliation after a crash), in every agency."""
    return _refs(s, select(Application.agency_id, Application.number).where(Application.status.not_in((Status.archived.value, Status.voided.value)))
                 .order_by(Application.id))


def unrecorded_archives(s: Session) -> list[CaseRef]:
    recorded = select(dossier.ArchivePackage.application_id)
    return _refs(s, select(Application.agency_id, Application.number)
                 .where(Application.status == Status.archived, Application.id.not_in(recorded)))


def unqueued(s: Session, notices: list[Notice]) -> list[Notice]:
    """The notices whose keys are not in the outbox yet (the unique key is the real guarantee)."""
    if not notices:
        return []
    keys = set(s.exec(select(outbox.OutboxMessage.key).where(outbox.OutboxMessage.key.in_([n.key for n in notices]))))
    return [n for n in notices if n.key not in keys]


def has_work(s: Session, case: CaseRef) -> bool:
    p = plan(s, case)
    return bool(missing_documents(s, p) or unqueued(s, p.notices) or p.archive or p.record_archive)


def open_triggers(s: Session) -> list[CaseRef]:
    """Cases with a trigger not done (never delivered, lost with a server, or its run died)."""
    return _refs(s, select(Application.agency_id, Application.number).distinct()
                 .join(triggers.CaseTrigger, triggers.CaseTrigger.application_id == Application.id)
                 .where(triggers.CaseTrigger.done_at.is_(None)))


def in_flight(s: Session, *, now: datetime) -> set[CaseRef]:
    """Cases whose trigger was just delivered and whose run has not finished yet: their run does the steps."""
    return set(_refs(s, select(Application.agency_id, Application.number).distinct()
                     .join(triggers.CaseTrigger, triggers.CaseTrigger.application_id == Application.id)
                     .where(triggers.CaseTrigger.done_at.is_(None), triggers.CaseTrigger.delivered_at.is_not(None),
                            triggers.CaseTrigger.delivered_at >= now - triggers.STRANDED)))


def cases_with_work(s: Session, *, running_since: datetime | None = None) -> list[CaseRef]:
    """Every case with a due step or an open trigger; with `running_since` (a reconcile beside live runs), less
    the cases whose delivered run is still within its time (models.triggers.STRANDED)."""
    found = [c for c in open_cases(s) if has_work(s, c)] + unrecorded_archives(s)
    found += [c for c in open_triggers(s) if c not in set(found)]
    skip = in_flight(s, now=running_since) if running_since is not None else set()
    return [c for c in found if c not in skip]


def finished_cases(s: Session, cases: list[CaseRef]) -> set[CaseRef]:
    """Those of `cases` that nothing moves on any more (models.lifecycle.TERMINAL: archived, voided)."""
    from models.lifecycle import TERMINAL

    found: set[CaseRef] = set()
    for i in range(0, len(cases), 500):
        chunk = cases[i:i + 500]
        found |= set(_refs(s, select(Application.agency_id, Application.number)
                           .where(Application.number.in_({c.number for c in chunk}),
                                  Application.status.in_([t.value for t in TERMINAL])))) & set(chunk)
    return found


def reconcile(*, now: datetime) -> int:
    """Inline (no Prefect), as workflows.flows.reconcile: every case with a due automatic step, in every agency."""
    with session() as s:
        cases = cases_with_work(s)
    for case in cases:
        advance(case, now=now)
    return len(cases)
