"""Registration (登记): Art 29 contents, Art 31 receipt dates, and the flags a human must decide on."""

import re
import secrets
from dataclasses import dataclass, field
from datetime import date, timedelta
from difflib import SequenceMatcher

from sqlalchemy import update
from sqlmodel import Session, func, select

from models import lifecycle
from models.context import Ctx, action
from models.deadlines import refresh_due_date
from models.enums import ApplicantIdType, Channel, DeliveryMethod, RequestedForm
from models.errors import ValidationFailed
from models.outcomes import ApplicantKind
from models.queries import agency_by_name
from models.tables import Agency, Applicant, Application, Counter
from models.validation import (
    check_credit_code,
    check_email,
    check_not_future,
    check_phone,
    check_required,
    check_resident_id,
)


@dataclass
class ApplicantIn:
    kind: ApplicantKind
    name: str
    id_type: ApplicantIdType = ApplicantIdType.none
    id_number: str | None = None
    phone: str = ""
    email: str = ""
    address: str = ""


@dataclass
class ApplicationIn:
    """What the clerk registers; "purpose" is deliberately absent (the 2019 Regulation removed it)."""

    agency: str
    applicant: ApplicantIn
    channel: Channel
    arrived_on: date
    receipt_date: date
    request_text: str
    receipt_evidence: str = ""
    requested_form: RequestedForm = RequestedForm.paper
    delivery_method: DeliveryMethod = DeliveryMethod.post
    electronic_delivery_consent: bool = False
    transcribed_by_clerk: bool = False
    applicant_confirmed: bool = False
    needs_assistance: bool = False
    litigation_prone: bool = False
    agent_name: str | None = None
    agent_id_number: str | None = None
    agent_phone: str | None = None
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Registered:
    application: Application
    possible_repeats: tuple[str, ...]
    monthly_count: int
    litigation_prone: bool


def validate(data: ApplicationIn, *, today: date) -> ApplicantIn:
    """Every check of the form, before anything is written; the first failure is reported in Chinese."""
    a = data.applicant
    check_required(a.name, what="申请人姓名或名称", field="applicant.name")
    check_required(data.request_text, what="申请公开的政府信息内容（名称、文号或便于查询的特征描述）", field="request_text")
    id_number = a.id_number.strip() if a.id_number else None
    if id_number:
        if a.id_type == ApplicantIdType.resident_id:
            id_number = check_resident_id(id_number, field="applicant.id_number")
        elif a.id_type == ApplicantIdType.credit_code:
            id_number = check_credit_code(id_number, field="applicant.id_number")
        elif a.id_type == ApplicantIdType.none:
            raise ValidationFailed("填写了证件号码，请同时选择证件类型。", "id_number without id_type", field="applicant.id_type")
    if a.kind == ApplicantKind.natural_person and a.id_type == ApplicantIdType.credit_code:
        raise ValidationFailed("自然人不能使用统一社会信用代码作为身份证明。", "natural person with credit code", field="applicant.id_type")
    if a.kind != ApplicantKind.natural_person and a.id_type == ApplicantIdType.resident_id:
        raise ValidationFailed("法人或其他组织应提供统一社会信用代码。", "organisation with resident ID", field="applicant.id_type")
    phone = check_phone(a.phone, field="applicant.phone")
    email = check_email(a.email, field="applicant.email")
    if not (phone or email or a.address.strip()):  # Art 29(1): 联系方式
        raise ValidationFailed("请至少填写一种联系方式（电话、电子邮箱或通信地址）。", "no contact", field="applicant.phone")
    if data.agent_phone:
        check_phone(data.agent_phone, field="agent_phone")
    _check_receipt(data, today=today)
    if data.delivery_method in (DeliveryMethod.email, DeliveryMethod.platform) and not data.electronic_delivery_consent:
        raise ValidationFailed(
            "选择电子送达须经申请人同意，请勾选「申请人同意电子送达」。", "electronic delivery without consent",
            field="electronic_delivery_consent",
        )
    if data.delivery_method == DeliveryMethod.email and not email:
        raise ValidationFailed("选择电子邮件送达，请填写申请人电子邮箱。", "email delivery without e-mail", field="applicant.email")
    return ApplicantIn(a.kind, a.name.strip(), a.id_type, id_number, phone, email, a.address.strip())


def _check_receipt(data: ApplicationIn, *, today: date) -> None:
    """Art 31: which day is the receipt date depends on the channel."""
    check_not_future(data.arrived_on, today=today, what="到达日期", field="arrived_on")
    check_not_future(data.receipt_date, today=today, what="收到申请日期", field="receipt_date")
    if data.receipt_date < data.arrived_on:
        raise ValidationFailed(
            f"收到申请日期（{data.receipt_date}）不能早于申请到达日期（{data.arrived_on}）。",
            "receipt before arrival", field="receipt_date",
        )
    if data.channel in (Channel.in_person, Channel.oral, Channel.registered_mail) and data.receipt_date != data.arrived_on:
        rule = {
            Channel.in_person: "当面提交的，以提交之日为收到申请之日",
            Channel.oral: "口头提出的，以提出并代为填写之日为收到申请之日",
            Channel.registered_mail: "邮寄需签收的，以签收之日为收到申请之日",
        }[data.channel]
        raise ValidationFailed(f"《条例》第三十一条：{rule}，两个日期应相同。", "receipt date must equal arrival", field="receipt_date")
    if data.channel == Channel.oral and not (data.transcribed_by_clerk and data.applicant_confirmed):
        raise ValidationFailed(
            "口头申请须由公开办代为填写，并记录申请人对所填内容的确认（《条例》第二十九条）。",
            "oral application without confirmed transcript", field="applicant_confirmed",
        )
    if data.channel in (Channel.ordinary_mail, Channel.online, Channel.fax) and not data.applicant_confirmed:
        what = "与申请人确认" if data.channel == Channel.ordinary_mail else "双方确认"
        raise ValidationFailed(
            f"《条例》第三十一条：{Channel(data.channel).label}以{what}之日为收到申请之日，请记录确认情况。",
            "receipt date not confirmed", field="applicant_confirmed",
        )


def next_in_sequence(session: Session, *, agency_id: int, name: str, year: int) -> int:
    """Advance a gap-free counter inside the caller's transaction (the UPDATE takes the write lock first)."""
    where = (Counter.agency_id == agency_id, Counter.name == name, Counter.year == year)
    bumped = session.execute(update(Counter).where(*where).values(value=Counter.value + 1))
    if bumped.rowcount == 0:
        session.add(Counter(agency_id=agency_id, name=name, year=year, value=1))
        session.flush()
        return 1
    return session.exec(select(Counter.value).where(*where)).one()


_QUERY_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def new_query_code() -> str:
    return "".join(secrets.choice(_QUERY_CODE_ALPHABET) for _ in range(8))


def _same_applicant(session: Session, a: ApplicantIn) -> Applicant | None:
    if a.id_number:
        return session.exec(select(Applicant).where(Applicant.id_number == a.id_number)).first()
    if a.phone:
        return session.exec(
            select(Applicant).where(Applicant.name == a.name, Applicant.phone == a.phone, Applicant.kind == a.kind)
        ).first()
    return None


def _normalised(text: str) -> str:
    return re.sub(r"[\s\W_]+", "", text)


REPEAT_SIMILARITY = 0.6


def possible_repeats(session: Session, *, agency: Agency, applicant: Applicant, text: str, receipt_date: date) -> list[str]:
    """Art 36(6): earlier applications by the same applicant with similar text, for a human to compare."""
    since = receipt_date - timedelta(days=agency.repeat_window_days)
    earlier = session.exec(
        select(Application.number, Application.request_text).where(
            Application.agency_id == agency.id, Application.applicant_id == applicant.id, Application.receipt_date >= since
        )
    ).all()
    mine = _normalised(text)
    return [n for n, t in earlier if SequenceMatcher(None, mine, _normalised(t)).ratio() >= REPEAT_SIMILARITY]


def monthly_count(session: Session, *, agency: Agency, applicant: Applicant, receipt_date: date) -> int:
    """The applicant's applications this calendar month at this agency, this one included (Art 35, fee bands)."""
    first = receipt_date.replace(day=1)
    return 1 + session.exec(
        select(func.count()).where(
            Application.agency_id == agency.id,
            Application.applicant_id == applicant.id,
            Application.receipt_date >= first,
            Application.receipt_date <= receipt_date,
        )
    ).one()


def litigation_prone_by_keywords(agency: Agency, text: str) -> bool:
    """易诉 cases (land expropriation, demolition …) by the agency's keyword list; a clerk may also flag by hand."""
    return any(k.strip() and k.strip() in text for k in agency.litigation_prone_keywords.split(","))


@action
def register(ctx: Ctx, data: ApplicationIn) -> Registered:
    """Register an application: number, query code, deadlines from the legal clock, the Event and the flags."""
    session = ctx.session
    person = validate(data, today=ctx.today)
    agency = agency_by_name(session, data.agency)
    applicant = _same_applicant(session, person)
    if applicant is None:
        applicant = Applicant(**person.__dict__)
        session.add(applicant)
        session.flush()
    repeats = possible_repeats(session, agency=agency, applicant=applicant, text=data.request_text,
                               receipt_date=data.receipt_date)
    count = monthly_count(session, agency=agency, applicant=applicant, receipt_date=data.receipt_date)
    prone = data.litigation_prone or litigation_prone_by_keywords(agency, data.request_text)
    year = data.receipt_date.year
    seq = next_in_sequence(session, agency_id=agency.id, name="application", year=year)
    application = Application(
        agency_id=agency.id,
        number=f"{year}-{seq:06d}",
        year=year,
        query_code=new_query_code(),
        applicant_id=applicant.id,
        agent_name=data.agent_name,
        agent_id_number=data.agent_id_number,
        agent_phone=data.agent_phone,
        channel=data.channel,
        arrived_on=data.arrived_on,
        receipt_date=data.receipt_date,
        receipt_evidence=data.receipt_evidence,
        transcribed_by_clerk=data.transcribed_by_clerk or data.channel == Channel.oral,
        applicant_confirmed=data.applicant_confirmed,
        needs_assistance=data.needs_assistance,
        request_text=data.request_text.strip(),
        requested_form=data.requested_form,
        delivery_method=data.delivery_method,
        electronic_delivery_consent=data.electronic_delivery_consent,
        litigation_prone=prone,
        possible_repeat_of=",".join(repeats),
        monthly_count=count,
        registered_by_id=ctx.actor.id if ctx.actor else None,
        created_at=ctx.now,
    )
    lifecycle.admit(session, application, actor=ctx.actor, now=ctx.now, data={
        "channel": data.channel.value, "receipt_date": data.receipt_date.isoformat(),
        "possible_repeat_of": repeats, "monthly_count": count, "litigation_prone": prone,
    })
    refresh_due_date(session, application, calendar=ctx.calendar, today=ctx.today)
    return Registered(application, tuple(repeats), count, prone)
