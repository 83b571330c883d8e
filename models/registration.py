"""Registration (登记): Art 29 contents, Art 31 receipt dates, and the flags a human must decide on."""

import json
import re
import secrets
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, func, select

from models import lifecycle
from models.context import Ctx, action
from models.deadlines import refresh_due_date
from models.enums import (ApplicantIdType, ApplicantOnFile, Channel, ConfirmationMethod, DeliveryMethod, RequestedForm,
                          Status)
from models.errors import AlreadySubmitted, ApplicantMismatch, InvalidFields, ValidationFailed
from models.mock_tables import not_mock
from models.outcomes import ApplicantKind
from models.queries import agency_by_name
from models.repeats import may_repeat
from models.statistics.lock import ensure_receipt_year_open
from models.tables import Agency, Applicant, Application, Counter
from models.validation import (
    check_clean,
    check_credit_code,
    check_email,
    check_not_future,
    check_phone,
    check_required,
    check_resident_id,
    day_value,
    enum_value,
    text_value,
    visible,
    yes_no,
)

REGULATION_IN_FORCE = date(2019, 5, 15)  # Decree 711 took effect: an earlier receipt date is a typing error
CONFIRMED_CHANNELS = (Channel.ordinary_mail, Channel.online, Channel.fax)  # Art 31(2) second half, Art 31(3)
ART29_IDENTITY = "《条例》第二十九条第二款第（一）项"


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
    # Art 31(2)(3): the day the receipt was confirmed with the applicant, how, and (for a letter confirmed
    # after the day it arrived) why not on that day
    confirmed_on: date | None = None
    confirmation_method: ConfirmationMethod | None = None
    confirmation_note: str = ""
    agent_id_type: ApplicantIdType = ApplicantIdType.none
    agent_authorization: str = ""  # 授权委托书
    applicant_on_file: ApplicantOnFile | None = None  # the clerk's choice when the ID number is on file
    form_token: str | None = None  # the desk's one-time form token: one form registers one application
    extra: dict = field(default_factory=dict)
    # Art 31(3): submitted online (the portal, the JSON API) and received only when the office confirms it:
    # receipt_date is then the submission day until models.portal.confirm_receipt sets the confirmation day
    awaiting_confirmation: bool = False


@dataclass(frozen=True)
class Registered:
    application: Application
    possible_repeats: tuple[str, ...]
    monthly_count: int
    litigation_prone: bool
    missing: tuple[str, ...] = ()  # Art 29 elements not provided: the items of a 补正 notice (Art 30)
    applicant_changes: dict = field(default_factory=dict)  # field → [on file, entered] when updated


# The text of a registration, checked for control characters (NUL, ANSI escapes …) before anything else:
# (field as the form names it, what it is in Chinese, multi-line). Names never hold a line break.
_TEXTS = (("agency", "机关名称", False), ("applicant.name", "申请人姓名或名称", False),
          ("applicant.id_number", "证件号码", False), ("applicant.phone", "联系电话", False),
          ("applicant.email", "电子邮箱", False), ("applicant.address", "通信地址", False),
          ("request_text", "申请内容", True), ("receipt_evidence", "收到凭证", True),
          ("confirmation_note", "确认情况说明", True), ("agent_name", "代理人姓名", False),
          ("agent_id_number", "代理人证件号码", False), ("agent_phone", "代理人电话", False),
          ("agent_authorization", "授权委托书", True))


def _value(data: ApplicationIn, field: str):
    owner, _, name = field.rpartition(".")
    return getattr(data.applicant if owner else data, name)


def text_problems(data: ApplicationIn) -> list[ValidationFailed]:
    """Text that would be stored and printed again: no control characters, no invalid UTF-8, no numbers or lists."""
    found = []
    for field, what, multiline in _TEXTS:
        value = _value(data, field)
        try:
            if value is not None:
                if not isinstance(value, str):
                    text_value(value, what=what, field=field)  # refuses it, naming what it is
                check_clean(value, what=what, field=field, multiline=multiline)
        except ValidationFailed as exc:
            found.append(exc)
    return found


def problems(data: ApplicationIn, *, today: date) -> tuple[ApplicantIn | None, list[ValidationFailed]]:
    """Every check of the form at once, before anything is written: the applicant as stored, and each problem with
    its field (a date the form could not read is None here; its own error is the form's)."""
    found = text_problems(data)
    if found:  # not text, or holding control characters: the other checks would misread it
        return None, found

    def check(fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except ValidationFailed as exc:
            found.append(exc)
            return None

    a = data.applicant
    check(check_required, a.name, what="申请人姓名或名称", field="applicant.name")
    check(check_required, data.request_text, what="申请公开的政府信息内容（名称、文号或便于查询的特征描述）",
          field="request_text")
    id_number = check(_check_id, a.id_type, a.id_number, who="", field="applicant")
    check(_check_kind, a)
    phone = check(check_phone, a.phone, field="applicant.phone")
    email = check(check_email, a.email, field="applicant.email")
    if not ((a.phone or "").strip() or (a.email or "").strip() or a.address.strip()):  # Art 29(1): 联系方式
        found.append(ValidationFailed("请至少填写一种联系方式（电话、电子邮箱或通信地址）。", "no contact",
                                      field="applicant.phone"))
    check(_check_agent, data)
    if data.arrived_on is not None and data.receipt_date is not None:
        check(_check_receipt, data, today=today)
    if data.delivery_method in (DeliveryMethod.email, DeliveryMethod.platform) and not data.electronic_delivery_consent:
        found.append(ValidationFailed(
            "选择电子送达须经申请人同意，请勾选「申请人同意电子送达」。", "electronic delivery without consent",
            field="electronic_delivery_consent"))
    if data.delivery_method == DeliveryMethod.email and not (a.email or "").strip():
        found.append(ValidationFailed("选择电子邮件送达，请填写申请人电子邮箱。", "email delivery without e-mail",
                                      field="applicant.email"))
    if found:
        return None, found
    return ApplicantIn(a.kind, a.name.strip(), a.id_type, id_number, phone, email, a.address.strip()), []


def validate(data: ApplicationIn, *, today: date) -> ApplicantIn:
    """Every check of the form, before anything is written; all failures are reported together (InvalidFields)."""
    person, found = problems(data, today=today)
    if len(found) == 1:
        raise found[0]
    if found:
        raise InvalidFields(found)
    return person


def _check_kind(a: ApplicantIn) -> None:
    if a.kind == ApplicantKind.natural_person and a.id_type == ApplicantIdType.credit_code:
        raise ValidationFailed("自然人不能使用统一社会信用代码作为身份证明。", "natural person with credit code", field="applicant.id_type")
    if a.kind != ApplicantKind.natural_person and a.id_type == ApplicantIdType.resident_id:
        raise ValidationFailed("法人或其他组织应提供统一社会信用代码。", "organisation with resident ID", field="applicant.id_type")


# A type whose number the desk checks, chosen with no number: the form's default left in place, not an ID provided.
_NUMBER_CHECKED = (ApplicantIdType.resident_id, ApplicantIdType.credit_code)


# A registration file (gongkai register --file, docs/import-format.md): its fields and each one's type.
_RECORD_TEXTS = {"agency": "机关", "request_text": "申请内容", "receipt_evidence": "收到凭证",
                 "confirmation_note": "确认情况说明", "agent_name": "代理人姓名", "agent_id_number": "代理人证件号码",
                 "agent_phone": "代理人电话", "agent_authorization": "授权委托书"}
_RECORD_YES_NO = {"electronic_delivery_consent": "申请人同意电子送达", "applicant_confirmed": "申请人已确认",
                  "transcribed_by_clerk": "公开办代为填写", "needs_assistance": "需要帮助",
                  "litigation_prone": "易诉案件"}
_RECORD_DAYS = {"arrived_on": "到达日期", "receipt_date": "收到申请日期", "confirmed_on": "确认日期"}
_RECORD_ENUMS = {"channel": (Channel, "递交渠道", Channel.in_person),
                 "requested_form": (RequestedForm, "获取形式", RequestedForm.paper),
                 "delivery_method": (DeliveryMethod, "送达方式", DeliveryMethod.post),
                 "confirmation_method": (ConfirmationMethod, "确认方式", None),
                 "agent_id_type": (ApplicantIdType, "代理人证件类型", ApplicantIdType.none),
                 "applicant_on_file": (ApplicantOnFile, "申请人信息处理方式", None)}
_APPLICANT_TEXTS = {"name": "申请人姓名或名称", "id_number": "证件号码", "phone": "联系电话", "email": "电子邮箱",
                    "address": "通信地址"}
_APPLICANT_ENUMS = {"kind": (ApplicantKind, "申请人类型", ApplicantKind.natural_person),
                    "id_type": (ApplicantIdType, "证件类型", ApplicantIdType.none)}
RECORD_FIELDS = frozenset({"applicant", *_RECORD_TEXTS, *_RECORD_YES_NO, *_RECORD_DAYS, *_RECORD_ENUMS})
APPLICANT_FIELDS = frozenset({*_APPLICANT_TEXTS, *_APPLICANT_ENUMS})


def _object(value, *, what: str, field: str, allowed: frozenset) -> dict:
    if not isinstance(value, dict):
        kind = {list: "数组", str: "文字", bool: "true/false", int: "数字", float: "数字"}.get(type(value), "null")
        raise ValidationFailed(f"{what}应为一个 JSON 对象（{{…}}），不能是{kind}。", f"{field} is not an object",
                               field=field)
    unknown = sorted(str(k) for k in value if k not in allowed)
    if unknown:
        raise ValidationFailed(
            f"{what}含有未知字段：{'、'.join(visible(k) for k in unknown)}（可用字段：{'、'.join(sorted(allowed))}，"
            "见 docs/import-format.md 的登记部分）。", f"{field} has unknown fields {unknown}", field=field)
    return value


def application_from_record(record, *, today: date, defaults: dict | None = None) -> ApplicationIn:
    """A registration record (a JSON object, e.g. `gongkai register --file`) checked field by field: each of its
    type (text never a number, yes/no only true/false or 是/否, dates YYYY-MM-DD), over `defaults` (the flags)."""
    record = _object(record, what="登记文件", field="record", allowed=RECORD_FIELDS)
    applicant = _object(record.get("applicant", {}), what="登记文件的 applicant", field="applicant",
                        allowed=APPLICANT_FIELDS)
    defaults = defaults or {}
    merged = {**defaults, **record}
    person = {**defaults.get("applicant", {}), **applicant}

    def enum(source: dict, key: str, spec, prefix: str = ""):
        cls, what, default = spec
        return enum_value(cls, source.get(key), what=what, field=prefix + key, default=default)

    texts = {key: text_value(merged.get(key), what=what, field=key, multiline=key in ("request_text",
             "receipt_evidence", "confirmation_note", "agent_authorization")) for key, what in _RECORD_TEXTS.items()}
    days = {key: day_value(merged.get(key), what=what, field=key) for key, what in _RECORD_DAYS.items()}
    flags = {key: yes_no(merged.get(key), what=what, field=key) for key, what in _RECORD_YES_NO.items()}
    people = {key: text_value(person.get(key), what=what, field=f"applicant.{key}")
              for key, what in _APPLICANT_TEXTS.items()}
    enums = {key: enum(merged, key, spec) if merged.get(key) not in (None, "") or spec[2] is not None else None
             for key, spec in _RECORD_ENUMS.items()}
    arrived = days["arrived_on"] or today
    return ApplicationIn(
        agency=texts["agency"],
        applicant=ApplicantIn(kind=enum(person, "kind", _APPLICANT_ENUMS["kind"], "applicant."),
                              name=people["name"],
                              id_type=enum(person, "id_type", _APPLICANT_ENUMS["id_type"], "applicant."),
                              id_number=people["id_number"] or None, phone=people["phone"], email=people["email"],
                              address=people["address"]),
        channel=enums["channel"], arrived_on=arrived,
        # Art 31: a confirmed channel's receipt date is the day of confirmation
        receipt_date=days["receipt_date"] or days["confirmed_on"] or arrived,
        request_text=texts["request_text"], receipt_evidence=texts["receipt_evidence"],
        requested_form=enums["requested_form"], delivery_method=enums["delivery_method"],
        electronic_delivery_consent=flags["electronic_delivery_consent"],
        transcribed_by_clerk=flags["transcribed_by_clerk"], applicant_confirmed=flags["applicant_confirmed"],
        needs_assistance=flags["needs_assistance"], litigation_prone=flags["litigation_prone"],
        agent_name=texts["agent_name"] or None, agent_id_number=texts["agent_id_number"] or None,
        agent_phone=texts["agent_phone"] or None, confirmed_on=days["confirmed_on"],
        confirmation_method=enums["confirmation_method"], confirmation_note=texts["confirmation_note"],
        agent_id_type=enums["agent_id_type"], agent_authorization=texts["agent_authorization"],
        applicant_on_file=enums["applicant_on_file"],
    )


def record_of(data: ApplicationIn) -> dict:
    """A checked registration as plain JSON (dates ISO, enums by value): what a batch carries to its flow."""
    return json.loads(json.dumps(asdict(data), default=str, ensure_ascii=False))


def _check_id(id_type: ApplicantIdType, number: str | None, *, who: str, field: str) -> str | None:
    """An ID number checked by its type; `field` is "applicant" or "agent" (the form's input names)."""
    number = number.strip() if number else None
    prefix = "applicant." if field == "applicant" else "agent_"
    if not number:
        if id_type in _NUMBER_CHECKED:
            raise ValidationFailed(
                f"已选择{who}证件类型「{ApplicantIdType(id_type).label}」，请填写{who}证件号码；未提供身份证明的，"
                f"证件类型请选择「{ApplicantIdType.none.label}」（登记后一次性告知补正）。",
                f"{field} id_type {id_type} without a number", field=f"{prefix}id_number")
        return None
    if id_type == ApplicantIdType.resident_id:
        return check_resident_id(number, field=f"{prefix}id_number")
    if id_type == ApplicantIdType.credit_code:
        return check_credit_code(number, field=f"{prefix}id_number")
    if id_type == ApplicantIdType.none:
        raise ValidationFailed(f"填写了{who}证件号码，请同时选择{who}证件类型。", f"{field} id_number without id_type",
                               field=f"{prefix}id_type")
    return number


def _check_agent(data: ApplicationIn) -> tuple[str | None, str | None]:
    """An application through an agent (代理): the agent is named, the agent's ID checked like the applicant's.

    Returns the agent's ID number and phone as stored."""
    given = [(data.agent_id_number or "").strip(), (data.agent_phone or "").strip(), data.agent_authorization.strip()]
    if any(given) and not (data.agent_name or "").strip():
        raise ValidationFailed("填写了代理人的证件、电话或授权委托书，请填写代理人姓名。", "agent details without a name",
                               field="agent_name")
    if data.agent_id_type == ApplicantIdType.credit_code:
        raise ValidationFailed("代理人应提供本人身份证件，而不是统一社会信用代码。", "agent with credit code",
                               field="agent_id_type")
    try:
        id_number = _check_id(data.agent_id_type, data.agent_id_number, who="代理人", field="agent")
        return id_number, check_phone(data.agent_phone or "", field="agent_phone") or None
    except ValidationFailed as exc:
        if "代理人" in exc.message_zh:
            raise
        raise ValidationFailed(f"代理人{exc.message_zh}", f"agent: {exc}", field=exc.field) from None


def _check_day(day: date, *, today: date, what: str, field: str) -> None:
    check_not_future(day, today=today, what=what, field=field)
    if day < REGULATION_IN_FORCE:
        raise ValidationFailed(
            f"{what}（{day}）早于《条例》（2019年修订）施行之日（2019年5月15日），请核对日期。",
            f"{field} {day} before the Regulation took effect", field=field,
        )


def _check_receipt(data: ApplicationIn, *, today: date) -> None:
    """Art 31: which day is the receipt date depends on the channel."""
    _check_day(data.arrived_on, today=today, what="到达日期", field="arrived_on")
    _check_day(data.receipt_date, today=today, what="收到申请日期", field="receipt_date")
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
            "口头申请须由公开办代为填写，并记录申请人对所填内容的确认（《条例》第二十九条第一款）。",
            "oral application without confirmed transcript", field="applicant_confirmed",
        )
    if data.awaiting_confirmation:
        if data.channel != Channel.online:
            raise ValidationFailed("只有通过互联网提交的申请等待公开办确认收到。", "awaiting confirmation off line",
                                   field="channel")
        return  # Art 31(3): the confirmation is the office's step after submission (models.portal.confirm_receipt)
    if data.channel in CONFIRMED_CHANNELS:
        _check_confirmation(data, today=today)


def _check_confirmation(data: ApplicationIn, *, today: date) -> None:
    """Art 31(2): a letter needing no signature is confirmed with the applicant on the day it arrives, and the
    day of confirmation is the receipt date; Art 31(3): internet and fax, the day both sides confirm."""
    letter = data.channel == Channel.ordinary_mail
    rule = ("《条例》第三十一条第（二）项：平常信函应于收到当日与申请人确认，确认之日为收到申请之日" if letter
            else f"《条例》第三十一条第（三）项：通过{Channel(data.channel).label}提交的，以双方确认之日为收到申请之日")
    if data.confirmed_on is None or data.confirmation_method is None:
        raise ValidationFailed(f"{rule}。请填写确认日期和确认方式。", "receipt date not confirmed",
                               field="confirmed_on" if data.confirmed_on is None else "confirmation_method")
    _check_day(data.confirmed_on, today=today, what="确认日期", field="confirmed_on")
    if data.confirmed_on < data.arrived_on:
        raise ValidationFailed(f"确认日期（{data.confirmed_on}）不能早于申请到达日期（{data.arrived_on}）。",
                               "confirmed before arrival", field="confirmed_on")
    if data.receipt_date != data.confirmed_on:
        raise ValidationFailed(f"{rule}：收到申请日期应为确认日期 {data.confirmed_on}，填写的是 {data.receipt_date}。",
                               "receipt date is not the confirmation date", field="receipt_date")
    if letter and data.confirmed_on > data.arrived_on and not data.confirmation_note.strip():
        raise ValidationFailed(
            f"{rule}。该信函 {data.arrived_on} 到达、{data.confirmed_on} 才确认，请在「确认情况说明」中写明当日"
            "未能确认的原因（如当日联系申请人的时间、方式和结果）。", "letter confirmed late without a reason",
            field="confirmation_note",
        )


def missing_items(application: Application, applicant: Applicant) -> tuple[str, ...]:
    """Art 29(2)(1): the 身份证明 (and, through an agent, the agent's ID and authorization) not provided.

    Registration does not refuse them: the office asks for them in its one 补正 notice (Art 30)."""
    missing = []
    if ApplicantIdType(applicant.id_type) == ApplicantIdType.none or not applicant.id_number:
        missing.append("申请人身份证明")
    if application.agent_name:
        if not application.agent_id_number:
            missing.append("代理人身份证明")
        if not application.agent_authorization:
            missing.append("授权委托书")
    return tuple(missing)


def next_in_sequence(session: Session, *, agency_id: int, name: str, year: int) -> int:
    """Advance a gap-free counter inside the caller's transaction, the first of a year included.

    The year's row is made first if missing (INSERT … ON CONFLICT DO NOTHING: a concurrent maker waits for the other's
    commit, then does nothing), so the UPDATE always finds the row and takes its write lock: two transactions issuing
    the year's first 文号 at once get 1 and 2, never 1 twice or a duplicate-key error (PostgreSQL; SQLite's single
    writer already serialises them)."""
    insert = (pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert)(Counter)
    session.execute(insert.values(agency_id=agency_id, name=name, year=year, value=0).on_conflict_do_nothing())
    where = (Counter.agency_id == agency_id, Counter.name == name, Counter.year == year)
    return session.execute(update(Counter).where(*where).values(value=Counter.value + 1)
                           .returning(Counter.value)).scalar_one()


_QUERY_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
QUERY_CODE = re.compile(f"[{_QUERY_CODE_ALPHABET}]{{8}}")  # what new_query_code makes and the status page finds


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


_COMPARED = (("name", "姓名或名称"), ("phone", "联系电话"), ("email", "电子邮箱"), ("address", "通信地址"))


def applicant_differences(on_file: Applicant, entered: ApplicantIn) -> list[tuple[str, str, str, str]]:
    """What the clerk typed that differs from the applicant on file: (field, label, on file, entered).

    A detail left empty is not a difference: the one on file stands."""
    return [(name, label, getattr(on_file, name) or "", getattr(entered, name))
            for name, label in _COMPARED if getattr(entered, name) and getattr(entered, name) != getattr(on_file, name)]


def _applicant_on_file(session: Session, person: ApplicantIn, choice: ApplicantOnFile | None) -> tuple[Applicant, dict]:
    """The applicant on file for this ID number (or name and phone), or a new one; never silently another's."""
    found = _same_applicant(session, person)
    if found is None:
        applicant = Applicant(**person.__dict__)
        session.add(applicant)
        session.flush()
        return applicant, {}
    if ApplicantKind(found.kind) != person.kind:
        raise ValidationFailed(
            f"证件号码 {found.id_number} 已登记为{ApplicantKind(found.kind).label}「{found.name}」，与本次选择的申请人类型"
            f"（{person.kind.label}）不一致。申请人类型决定年度报告表三的列，登记时不能更改，请核对证件号码和申请人类型。",
            "applicant kind differs from the one on file", field="applicant.kind",
        )
    differences = applicant_differences(found, person)
    if not differences or choice == ApplicantOnFile.keep:
        return found, {}
    if choice is None:
        key = f"证件号码 {found.id_number}" if person.id_number else f"姓名「{found.name}」和电话 {found.phone}"
        raise ApplicantMismatch(key, found.name, differences)
    changes = {name: [old, new] for name, _, old, new in differences}
    for name, _, _, new in differences:
        setattr(found, name, new)
    session.add(found)
    return found, changes


def possible_repeats(session: Session, *, agency: Agency, applicant: Applicant, text: str, receipt_date: date) -> list[str]:
    """Art 36(6): earlier applications by the same applicant that may ask for the same, for a human to compare."""
    since = receipt_date - timedelta(days=agency.repeat_window_days)
    earlier = session.exec(
        select(Application.number, Application.request_text).where(
            Application.agency_id == agency.id, Application.applicant_id == applicant.id, Application.receipt_date >= since,
            Application.status != Status.voided.value, not_mock(Application.id),  # a 模拟暗访 is no earlier request
        )
    ).all()
    return [n for n, t in earlier if may_repeat(t, text)]


def monthly_count(session: Session, *, agency: Agency, applicant: Applicant, receipt_date: date) -> int:
    """The applicant's applications this calendar month at this agency, this one included (Art 35, fee bands)."""
    first = receipt_date.replace(day=1)
    return 1 + session.exec(
        select(func.count()).where(
            Application.agency_id == agency.id,
            Application.applicant_id == applicant.id,
            Application.receipt_date >= first,
            Application.receipt_date <= receipt_date,
            Application.status != Status.voided.value,  # registered in error: not an application
            not_mock(Application.id),  # a 模拟暗访 test is not the applicant's application either
        )
    ).one()


_KEYWORD_SEPARATORS = re.compile(r"[,，、;；\s]+")


def split_keywords(text: str) -> list[str]:
    """A keyword list as typed (commas, 顿号, semicolons or spaces between), in order, without blanks or repeats."""
    return list(dict.fromkeys(k for k in _KEYWORD_SEPARATORS.split(text or "") if k))


def litigation_keywords(agency: Agency) -> list[str]:
    """The agency's 易诉 keywords (征地, 拆迁, 强拆 …), in its order, without blanks or repeats."""
    return split_keywords(agency.litigation_prone_keywords)


def litigation_prone_by_keywords(agency: Agency, text: str) -> bool:
    """易诉 cases (land expropriation, demolition …) by the agency's keyword list; a clerk may also flag by hand."""
    return any(k in text for k in litigation_keywords(agency))


def ensure_form_unused(session: Session, token: str | None) -> None:
    """A registration form registers once: its token already on an application means back and resubmit."""
    if not token:
        return
    number = session.exec(select(Application.number).where(Application.form_token == token)).first()
    if number is not None:
        raise AlreadySubmitted(number)


@action
def register(ctx: Ctx, data: ApplicationIn) -> Registered:
    """Register an application: number, query code, deadlines from the legal clock, the Event and the flags."""
    session = ctx.session
    ensure_form_unused(session, data.form_token)
    person = validate(data, today=ctx.today)
    agency = agency_by_name(session, data.agency)
    ensure_receipt_year_open(session, agency.id, data.receipt_date)  # its 新收 count is published
    applicant, changes = _applicant_on_file(session, person, data.applicant_on_file)
    repeats = possible_repeats(session, agency=agency, applicant=applicant, text=data.request_text,
                               receipt_date=data.receipt_date)
    count = monthly_count(session, agency=agency, applicant=applicant, receipt_date=data.receipt_date)
    prone = data.litigation_prone or litigation_prone_by_keywords(agency, data.request_text)
    year = data.receipt_date.year
    seq = next_in_sequence(session, agency_id=agency.id, name="application", year=year)
    confirmed = data.channel in CONFIRMED_CHANNELS and not data.awaiting_confirmation
    agent = (data.agent_name or "").strip() or None
    agent_id_number, agent_phone = _check_agent(data)
    application = Application(
        agency_id=agency.id,
        number=f"{year}-{seq:06d}",
        year=year,
        query_code=new_query_code(),
        applicant_id=applicant.id,
        agent_name=agent,
        agent_id_type=data.agent_id_type if agent_id_number else None,
        agent_id_number=agent_id_number,
        agent_phone=agent_phone,
        agent_authorization=data.agent_authorization.strip() if agent else "",
        channel=data.channel,
        arrived_on=data.arrived_on,
        receipt_date=data.receipt_date,
        receipt_evidence=data.receipt_evidence,
        confirmed_on=data.confirmed_on if confirmed else None,
        confirmation_method=data.confirmation_method if confirmed or data.channel == Channel.oral else None,
        confirmation_note=data.confirmation_note.strip(),
        transcribed_by_clerk=data.transcribed_by_clerk or data.channel == Channel.oral,
        applicant_confirmed=(data.applicant_confirmed or confirmed) and not data.awaiting_confirmation,
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
        form_token=data.form_token or None,
    )
    missing = missing_items(application, applicant)
    lifecycle.admit(session, application, actor=ctx.actor, now=ctx.now, awaiting_confirmation=data.awaiting_confirmation,
                    data={
        "channel": data.channel.value,
        "receipt_date": None if data.awaiting_confirmation else data.receipt_date.isoformat(),
        **({"submitted_on": data.arrived_on.isoformat(), "awaiting_confirmation": True}
           if data.awaiting_confirmation else {}),
        "confirmed_on": application.confirmed_on.isoformat() if application.confirmed_on else None,
        "confirmation_method": application.confirmation_method,
        "possible_repeat_of": repeats, "monthly_count": count, "litigation_prone": prone,
        "missing": list(missing), "agent": agent,
        **({"applicant_on_file": data.applicant_on_file.value} if data.applicant_on_file else {}),
        **({"applicant_updated": changes} if changes else {}),
    })
    refresh_due_date(session, application, calendar=ctx.calendar, today=ctx.today)
    return Registered(application, tuple(repeats), count, prone, missing, changes)
