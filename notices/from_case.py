"""Notice contexts built from a stored case: the bridge between the database rows and notices.context.

Every builder takes the session and the rows it is about and dates the notice from those rows (the day
of routing, of the supplement notice …), never from the clock, so that rendering the same rows twice
yields the same bytes — which is what makes a generated notice idempotent (models.actions.add_document
keeps one document per content hash).
"""

from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime

from sqlmodel import Session, select

from models.actions import issued_kind, reply_draft
from models.citation_check import FeeNoticeDraft
from models.enums import Channel, DeliveryMethod, Role
from models.fees import FeeMethod
from models.guards import earlier_applications
from models.outcomes import ApplicantKind, Outcome
from models.redaction import reply_attachments
from models.tables import Agency as AgencyRow
from models.tables import Applicant as ApplicantRow
from models.tables import (
    Application as ApplicationRow,
    Assignment,
    Consultation,
    Decision,
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
from models.settings import Settings
from notices import context as nc
from notices.pdf import start_of
from notices.render import DocumentKind, NoticeFieldMissing, render_pdf

_CHANNEL = {
    Channel.in_person: nc.SubmissionChannel.in_person,
    Channel.oral: nc.SubmissionChannel.in_person,
    Channel.registered_mail: nc.SubmissionChannel.post,
    Channel.ordinary_mail: nc.SubmissionChannel.post,
    Channel.online: nc.SubmissionChannel.online,
    Channel.fax: nc.SubmissionChannel.fax,
}
# The short word in a non-reply notice's number: 示政公开补正〔2026〕2026-000123号
_NUMBER_WORD = {
    DocumentKind.receipt: "回执", DocumentKind.supplement: "补正", DocumentKind.routing: "交办",
    DocumentKind.coordination: "协调", DocumentKind.joint_consultation: "会商",
    DocumentKind.consultation_third_party: "征询",
    DocumentKind.consultation_agency: "征询", DocumentKind.consultation_notice: "征询告知",
    DocumentKind.extension: "延期", DocumentKind.fee: "收费", DocumentKind.termination: "终止",
    DocumentKind.reason_request: "说明理由", DocumentKind.deferral: "延迟答复", DocumentKind.delivery: "送达",
}


def agency(row: AgencyRow, clerk: User | None = None) -> nc.Agency:
    """The agency as a notice names it; the 联系人 is the clerk who issues it, else the agency's contact person."""
    person = clerk.full_name if clerk is not None else row.contact_person
    phone = (clerk.phone if clerk is not None else "") or row.phone
    return nc.Agency(name=row.name, reconsideration_body=row.reconsideration_body, court=row.court,
                     address=row.address, contact_person=person, contact_phone=phone,
                     inquiry_channel=f"{row.disclosure_office or row.name}（电话 {row.phone}）",
                     status_url=row.status_url, seal_image=row.seal_image or None)


def clerk(session: Session, app: ApplicationRow, *user_ids: int | None) -> User | None:
    """The first of these users who is a clerk (公开办经办人), else the clerk who registered the case."""
    for user_id in (*user_ids, app.registered_by_id):
        user = session.get(User, user_id) if user_id is not None else None
        if user is not None and Role(user.role) == Role.clerk:
            return user
    return None


def made_by(session: Session, app: ApplicationRow, actions: tuple[str, ...], on: date | None,
            **data) -> Event | None:
    """The Event a notice comes from: its time is the notice's creation moment, its actor the clerk who issued it."""
    query = select(Event).where(Event.application_id == app.id, Event.action.in_(actions)).order_by(Event.id)
    for event in session.exec(query):
        if (on is None or shanghai_day(event.at) == on) and all(event.data.get(k) == v for k, v in data.items()):
            return event
    return None


def applicant(row: ApplicantRow) -> nc.Applicant:
    return nc.Applicant(name=row.name, kind=ApplicantKind(row.kind), address=row.address, phone=row.phone)


def application(session: Session, app: ApplicationRow) -> nc.Application:
    supplement = session.exec(select(Supplement).where(Supplement.application_id == app.id)).first()
    return nc.Application(number=app.number, receipt_date=app.receipt_date, channel=_CHANNEL[Channel(app.channel)],
                          request_text=app.request_text, pages=1,
                          supplement_date=supplement.received_on if supplement else None)


def _agency_row(session: Session, app: ApplicationRow) -> AgencyRow:
    return session.get(AgencyRow, app.agency_id)


def notice_number(row: AgencyRow, app: ApplicationRow, kind: DocumentKind) -> str:
    """示政公开补正〔2026〕123号: the case's year once, its sequence without leading zeros (GB/T 9704 7.2.4)."""
    year, _, seq = app.number.partition("-")
    return f"{row.doc_number_prefix}{_NUMBER_WORD[kind]}〔{year}〕{int(seq)}号"


def issue(session: Session, app: ApplicationRow, kind: DocumentKind, on: date, event: Event | None = None,
          *also: int | None) -> nc.Issue:
    """Who issues the notice, when: dated `on`, made at `event`'s time, its contact the clerk who acted."""
    row = _agency_row(session, app)
    actor = event.actor_id if event is not None else None
    return nc.Issue(agency=agency(row, clerk(session, app, actor, *also)), number=notice_number(row, app, kind),
                    date=on, created=event.at if event is not None else start_of(on))


def _parties(session: Session, app: ApplicationRow, kind: DocumentKind, on: date, event: Event | None = None,
             *also: int | None) -> dict:
    return {"issue": issue(session, app, kind, on, event, *also),
            "applicant": applicant(session.get(ApplicantRow, app.applicant_id)), "application": application(session, app)}


def delivery(session: Session, app: ApplicationRow, row: Delivery) -> nc.DeliveryContext:
    """送达回证 for the reply as dispatched on paper (民事诉讼法 Art 87 by analogy): the recipient signs and dates it,
    and that date is the delivery date the clerk then records."""
    served = session.get(Document, row.document_id) if row.document_id else None
    if served is None:
        raise NoticeFieldMissing("送达回证须指明所送达的文书。", "delivery without a document")
    person = session.get(ApplicantRow, app.applicant_id)
    event = made_by(session, app, ("dispatch",), row.dispatched_on)
    return nc.DeliveryContext(
        issue=issue(session, app, DocumentKind.delivery, row.dispatched_on, event),
        document_title=DocumentKind(served.kind).title, document_number=served.doc_number or "",
        recipient=person.name, place=person.address or "本机关（当面领取）", method=DeliveryMethod(row.method).label)


def receipt(session: Session, app: ApplicationRow) -> nc.ReceiptContext:
    """接收回执: the number, the query code, the receipt date and the reply due date (provisional or not)."""
    parties = _parties(session, app, DocumentKind.receipt, app.receipt_date)
    parties["issue"] = replace(parties["issue"], created=app.created_at)  # printed when the case was registered
    return nc.ReceiptContext(**parties, query_code=app.query_code, due_date=app.due_date,
                             due_provisional=app.due_provisional)


def supplement(session: Session, app: ApplicationRow, row: Supplement) -> nc.SupplementContext:
    items = tuple(line.strip(" ；;") for line in row.items.splitlines() if line.strip()) or (row.items,)
    event = made_by(session, app, ("request_supplement",), row.issued_on)
    return nc.SupplementContext(**_parties(session, app, DocumentKind.supplement, row.issued_on, event), items=items,
                                guidance="请按上述事项补正后，当面、邮寄或通过网上平台提交本机关。",
                                deadline=row.due_date)


def routing(session: Session, app: ApplicationRow, row: Assignment) -> nc.RoutingContext:
    department = session.get(Department, row.department_id)
    event = made_by(session, app, ("route",), row.routed_on, department=department.name) or made_by(
        session, app, ("assign_departments",), row.routed_on)
    return nc.RoutingContext(issue=issue(session, app, DocumentKind.routing, row.routed_on, event),
                             application=application(session, app), department=department.name,
                             tasks="请检索、核实申请公开的政府信息是否由本单位制作或保存，并提出书面答复意见。",
                             due_date=row.due_date, reply_due_date=app.due_date or row.due_date)


COORDINATION_MATTER = "请各单位分别检索、核实申请公开的政府信息是否由本单位制作或保存，并就本单位职责范围内的信息提出是否公开的意见。"


def coordination(session: Session, app: ApplicationRow, assigned: Event) -> nc.CoordinationContext:
    """协调函 of the coordinating leader's assignment: the departments he named and the deadline he set, dated that day."""
    if assigned.action != "assign_departments":
        raise ValueError(f"a 协调函 comes from the leader's assign_departments event, not {assigned.action}")
    return nc.CoordinationContext(
        issue=issue(session, app, DocumentKind.coordination, shanghai_day(assigned.at), assigned),
        application=application(session, app), departments=tuple(assigned.data["departments"]),
        matter=COORDINATION_MATTER, due_date=date.fromisoformat(assigned.data["due_date"]))


def _paragraphs(text: str) -> tuple[str, ...]:
    return tuple(line.strip() for line in text.splitlines() if line.strip())


def recorded(row: JointConsultation) -> bool:
    """A 会商 has its minutes once the meeting is recorded: the day it was held and what it concluded."""
    return row.held_on is not None and bool(row.minutes.strip())


def joint_consultation(session: Session, app: ApplicationRow, row: JointConsultation) -> nc.JointConsultationContext:
    """会商纪要, dated the day the meeting was held; a meeting not yet recorded has none."""
    if not recorded(row):
        raise NoticeFieldMissing(DocumentKind.joint_consultation, "会商日期和会商纪要（会商尚未记录）")
    convener = session.get(User, row.convened_by_id) if row.convened_by_id is not None else None
    return nc.JointConsultationContext(
        issue=issue(session, app, DocumentKind.joint_consultation, row.held_on,
                    made_by(session, app, ("record_joint_consultation",), None)),
        application=application(session, app),
        convener=f"{convener.full_name}（{Role(convener.role).label}）" if convener else "",
        held_on=row.held_on, participants=row.participants, minutes=_paragraphs(row.minutes),
        proposed_reply=_paragraphs(row.proposed_reply))


def consultation(session: Session, app: ApplicationRow, row: Consultation):
    """The letter to the consulted party (Art 32 third party, Art 34 other agency)."""
    event = made_by(session, app, ("start_consultation",), None, party=row.party)
    common = {"issue": issue(session, app, DocumentKind.consultation_third_party, row.sent_on, event),
              "application": application(session, app), "information": app.request_text, "due_date": row.due_date}
    if row.kind == "third_party":
        return DocumentKind.consultation_third_party, nc.ThirdPartyConsultationContext(
            third_party=row.party, interest="商业秘密、个人隐私等合法权益", **common)
    return DocumentKind.consultation_agency, nc.AgencyConsultationContext(consulted_agency=row.party, **common)


def consultation_notice(session: Session, app: ApplicationRow, row: Consultation) -> nc.ConsultationNoticeContext:
    event = made_by(session, app, ("start_consultation",), None, party=row.party)
    return nc.ConsultationNoticeContext(**_parties(session, app, DocumentKind.consultation_notice, row.sent_on, event),
                                        consulted=row.party, sent_date=row.sent_on)


def extension(session: Session, app: ApplicationRow, row: Extension) -> nc.ExtensionContext:
    event = made_by(session, app, ("decide_extension",), row.decided_on, approved=True)
    return nc.ExtensionContext(**_parties(session, app, DocumentKind.extension, row.decided_on, event,
                                          row.requested_by_id), reason=row.reason,
                               days=row.days, new_due_date=app.due_date)


def payment(row: AgencyRow) -> nc.Payment:
    return nc.Payment(payee=row.fee_payee, bank=row.fee_bank, account=row.fee_account, code=row.fee_payment_code,
                      qr_image=row.fee_payment_qr or None, place=row.fee_payment_place)


def fee(session: Session, app: ApplicationRow, row: Fee) -> nc.FeeContext:
    """收费通知书: the amount by band, Art 42 and 国办函〔2020〕109号, how, where and by when to pay."""
    draft = FeeNoticeDraft(method=FeeMethod(row.method), amount=row.amount, monthly_count=row.monthly_count,
                           pages=row.pages)
    event = made_by(session, app, ("issue_fee_notice",), None)
    return nc.FeeContext(**_parties(session, app, DocumentKind.fee, row.notice_sent_on, event), fee=draft,
                         payment=payment(_agency_row(session, app)), pay_due=row.pay_due)


def reason_request(session: Session, app: ApplicationRow, row: ReasonRequest) -> nc.ReasonRequestContext:
    """说明理由告知书 (Art 35), dated the day it was sent."""
    return nc.ReasonRequestContext(**_parties(session, app, DocumentKind.reason_request, row.sent_on),
                                   application_count=row.application_count, deadline=row.due_date)


def deferral(session: Session, app: ApplicationRow, row: ReasonRequest) -> nc.DeferralContext:
    """延迟答复告知书 (Art 35), dated the day the deferred reply date was decided."""
    if row.deferred_due is None:
        raise NoticeFieldMissing(DocumentKind.deferral, "延迟答复期限（尚未确定）")
    return nc.DeferralContext(**_parties(session, app, DocumentKind.deferral, row.deferred_on),
                              requested_on=row.sent_on, reasons=row.reasons, reason=row.deferral_reason,
                              deferred_due=row.deferred_due)


def _earlier_reply(session: Session, app: ApplicationRow, decision: Decision) -> nc.EarlierReply | None:
    """Art 36(6): the earlier application the decision names, with the reply it was served (models.guards)."""
    if not decision.repeat_of:
        return None
    found = next((e for e in earlier_applications(session, app) if e.number == decision.repeat_of and e.served), None)
    if found is None:
        return None
    return nc.EarlierReply(number=found.number, receipt_date=found.receipt_date, replied_on=found.dispatched_on,
                           doc_number=found.doc_number)


def _reasons_asked(session: Session, app: ApplicationRow) -> nc.ReasonsAsked | None:
    row = session.exec(select(ReasonRequest).where(ReasonRequest.application_id == app.id)).first()
    if row is None:
        return None
    return nc.ReasonsAsked(requested_on=row.sent_on, due_date=row.due_date, answered_on=row.answered_on,
                           reasons=row.reasons)


def termination(session: Session, app: ApplicationRow, decision: Decision, *, doc_number: str, on: date,
                at: datetime | None = None) -> nc.ReplyContext:
    """终止处理告知书 after no supplement (三(六)1) or no payment (三(六)2), as counsel approved it and it is signed."""
    row = _agency_row(session, app)
    draft = reply_draft(row, decision, on=on)
    if draft.outcome is Outcome.fee_unpaid:
        earlier = session.exec(select(Fee).where(Fee.application_id == app.id)).one()
        notice, deadline = "收费通知书", earlier.pay_due
    else:
        earlier = session.exec(select(Supplement).where(Supplement.application_id == app.id)).one()
        notice, deadline = "补正告知书", earlier.due_date
    parties = _parties(session, app, DocumentKind.termination, on)
    parties["issue"] = nc.Issue(agency=agency(row, clerk(session, app, decision.drafted_by_id)), number=doc_number,
                                date=on, created=at or start_of(on))
    return nc.ReplyContext(**parties, draft=draft, earlier_notice=notice, earlier_deadline=deadline)


def reply(session: Session, app: ApplicationRow, decision: Decision, *, doc_number: str, on: date,
          at: datetime | None = None) -> nc.ReplyContext:
    """答复书 under its 文号, dated the day it is issued; the clerk who drafted it is the contact."""
    row = _agency_row(session, app)
    parties = _parties(session, app, DocumentKind.receipt, on)
    parties["issue"] = nc.Issue(agency=agency(row, clerk(session, app, decision.drafted_by_id)), number=doc_number,
                                date=on, created=at or start_of(on))
    return nc.ReplyContext(**parties, draft=reply_draft(row, decision, on=on), access=decision.body or None,
                           attachments=reply_attachments(session, app),
                           earlier_reply=_earlier_reply(session, app, decision),
                           reasons_asked=_reasons_asked(session, app)
                           if Outcome(decision.outcome) is Outcome.unreasonable_volume else None)


def issued_notice(session: Session, app: ApplicationRow, decision: Decision, *, doc_number: str, on: date,
                  at: datetime | None = None) -> tuple[DocumentKind, nc.ReplyContext]:
    """What a decision is issued as: the 答复书, or the 终止处理告知书 of a termination (models.actions.issued_kind)."""
    if issued_kind(decision) == DocumentKind.termination.value:
        return DocumentKind.termination, termination(session, app, decision, doc_number=doc_number, on=on, at=at)
    return DocumentKind.reply, reply(session, app, decision, doc_number=doc_number, on=on, at=at)


def reply_renderer(session: Session, app: ApplicationRow, *, on: date, at: datetime | None = None,
                   settings: Settings | None = None) -> Callable[[str, Decision], bytes]:
    """What `models.actions.issue_reply(render=…)` needs: the 文号 and the decision → the reply PDF, signed (PAdES)
    with the agency's certificate; without one, issuing is refused (notices.signing.SigningError)."""
    from notices.signing import credentials, sign_pdf

    row = _agency_row(session, app)
    creds = credentials(settings or Settings.load(), row.id, row.name)  # refused before a 文号 is spent

    def render(doc_number: str, decision: Decision) -> bytes:
        kind, context = issued_notice(session, app, decision, doc_number=doc_number, on=on, at=at)
        return sign_pdf(render_pdf(kind, context), creds, name=row.name, reason=f"签发{kind.title}（{doc_number}）",
                        location=row.address, contact=row.phone)

    return render
