"""The applicant's own channel: an online application (Art 29) that waits for the office's confirmation of receipt
(Art 31(3)), the 身份证明 file sent with it, the clerk's confirmation that starts the legal clock, and the 补正 the
applicant sends online (Art 30), which restarts the clock exactly as one handed in at the counter.

The web portal (interfaces/web/portal_views.py) and the JSON API (interfaces/web/api.py) call these; the rules of the
form itself are models.registration's (ID and USCC checksums, contact, Art 29(2) form and means of obtaining).
"""

from dataclasses import dataclass, replace
from pathlib import PurePosixPath

from sqlmodel import Session, select

from models import actions as A
from models import lifecycle
from models.attachments import MiB, CheckedUpload, Upload, check_upload, size_label
from models.context import Ctx, action
from models.deadlines import refresh_due_date
from models.enums import ApplicantIdType, ApplicantOnFile, Channel, ConfirmationMethod, DeliveryMethod, Status
from models.errors import InvalidFields, ValidationFailed
from models.outcomes import ApplicantKind
from models.queries import application_by_number
from models.registration import ApplicationIn, Registered, problems, register
from models.statistics.lock import ensure_receipt_year_open
from models.tables import Applicant, ApplicantFile, Application, OnlineApplication

# The 身份证明 is a photo or a scan: JPEG, PNG or PDF, checked by the file's first bytes (models.attachments).
# 5 MB holds a phone photo of both sides of an ID card or a one-page scan at 300 dpi.
IDENTITY_TYPES = (".jpg", ".jpeg", ".png", ".pdf")
MAX_IDENTITY_BYTES = 5 * MiB
# A 补正 sent online: a few pages (a corrected description, a document number, a missing ID).
SUPPLEMENT_TYPES = (".jpg", ".jpeg", ".png", ".pdf")
MAX_SUPPLEMENT_FILES = 3
MAX_SUPPLEMENT_FILE_BYTES = 5 * MiB
MAX_SUPPLEMENT_TEXT = 5000
# The largest request the portal reads: the files above and the form's text fields with room to spare.
MAX_PORTAL_BODY = MAX_SUPPLEMENT_FILES * MAX_SUPPLEMENT_FILE_BYTES + MiB

NATURAL_PERSON_IDS = (ApplicantIdType.resident_id, ApplicantIdType.passport, ApplicantIdType.other_id)
ORGANISATIONS = tuple(k for k in ApplicantKind if k != ApplicantKind.natural_person)
ONLINE_DELIVERY = (DeliveryMethod.platform, DeliveryMethod.email, DeliveryMethod.post, DeliveryMethod.pickup)


@dataclass(frozen=True)
class OnlineDetails:
    """What a legal person or other organisation adds: who represents it and whom the office may contact."""

    legal_representative: str = ""
    contact_person: str = ""


def types_label(suffixes: tuple[str, ...]) -> str:
    return "、".join(dict.fromkeys(s.lstrip(".").upper().replace("JPEG", "JPG") for s in suffixes))


def check_file(upload: Upload, *, field: str, what: str, suffixes: tuple[str, ...], max_bytes: int,
               position: int = 1) -> CheckedUpload:
    """One file the applicant sent: not empty, not too large, one of `suffixes`, and its content that type (the
    first bytes, never only the name or what the browser claims)."""
    name = upload.filename or ""
    if len(upload.content) > max_bytes:
        raise ValidationFailed(f"{what}「{name}」超过 {size_label(max_bytes)} 的上限，请压缩后重新上传。",
                               f"{field}: larger than {max_bytes} bytes", field=field)
    if PurePosixPath(name).suffix.lower() not in suffixes:
        raise ValidationFailed(f"{what}只接受 {types_label(suffixes)} 格式的文件（选择的是「{name}」）。",
                               f"{field}: {name!r} not one of {suffixes}", field=field)
    try:
        return check_upload(upload, position=position)
    except ValidationFailed as exc:  # the attachment's message, about this file
        message = exc.message_zh.replace("附件", what, 1)
        raise ValidationFailed(message, str(exc), field=field) from None


def online_problems(data: ApplicationIn, details: OnlineDetails, identity: Upload | None, *, today,
                    via: str = "portal") -> list[ValidationFailed]:
    """Every problem of an online application at once: the desk's checks (models.registration.problems) and what the
    portal asks for beside them (the 身份证明 and its file, an organisation's representative and contact person,
    a phone to confirm receipt by, an address for a reply by post). The first problem on a field stands for it."""
    data = _online(data)
    _, found = problems(data, today=today)
    seen = {p.field for p in found}

    def add(field: str, message_zh: str, message_en: str) -> None:
        if field not in seen:
            seen.add(field)
            found.append(ValidationFailed(message_zh, message_en, field=field))

    a = data.applicant
    if via == "portal":
        organisation = a.kind in ORGANISATIONS
        if organisation:
            if a.id_type != ApplicantIdType.credit_code:
                add("applicant.id_type", "法人或其他组织请选择「统一社会信用代码」作为身份证明。", "organisation without USCC")
            if not details.legal_representative.strip():
                add("legal_representative", "请填写法定代表人或负责人姓名。", "no legal representative")
            if not details.contact_person.strip():
                add("contact_person", "请填写联系人姓名。", "no contact person")
        elif a.id_type not in NATURAL_PERSON_IDS:
            add("applicant.id_type", "请选择身份证件类型（居民身份证、护照或其他身份证件）。", "natural person without ID type")
        if not (a.id_number or "").strip():
            add("applicant.id_number", "请填写证件号码（《条例》第二十九条第二款第（一）项：申请人的身份证明）。",
                "no ID number")
        if not (a.phone or "").strip():
            add("applicant.phone", "请填写联系电话：公开办通过电话与您确认收到申请。", "no phone")
        if identity is None:
            add("identity_file", f"请上传身份证明的照片或扫描件（{types_label(IDENTITY_TYPES)}，不超过 "
                                 f"{size_label(MAX_IDENTITY_BYTES)}）。", "no identity file")
        else:
            try:
                check_file(identity, field="identity_file", what="身份证明文件", suffixes=IDENTITY_TYPES,
                           max_bytes=MAX_IDENTITY_BYTES)
            except ValidationFailed as exc:
                add("identity_file", exc.message_zh, str(exc))
    for text, field, what in ((details.legal_representative, "legal_representative", "法定代表人或负责人"),
                              (details.contact_person, "contact_person", "联系人")):
        if len(text) > 100:
            add(field, f"{what}姓名不能超过100个字。", f"{field} too long")
    if data.delivery_method == DeliveryMethod.post and not a.address.strip():
        add("applicant.address", "选择邮寄，请填写通信地址。", "post without an address")
    return found


def _online(data: ApplicationIn) -> ApplicationIn:
    """Art 31(3): the application arrives today and is received on the day the office confirms it."""
    return replace(data, channel=Channel.online, receipt_date=data.arrived_on, confirmed_on=None,
                   confirmation_method=None, awaiting_confirmation=True,
                   applicant_on_file=ApplicantOnFile.keep)  # an anonymous applicant never changes a record on file


def _store_file(session: Session, app: Application, checked: CheckedUpload, *, purpose: str, now) -> ApplicantFile:
    row = ApplicantFile(application_id=app.id, purpose=purpose, filename=checked.filename,
                        content_type=checked.content_type, size=checked.size, sha256=checked.sha256,
                        content=checked.content, uploaded_at=now)
    session.add(row)
    return row


@action
def submit_online(ctx: Ctx, data: ApplicationIn, *, details: OnlineDetails = OnlineDetails(),
                  identity: Upload | None = None, via: str = "portal") -> Registered:
    """An application over the internet (Art 29): number and query code now, status 待确认, no receipt date in law
    and no reply period until the clerk confirms it (confirm_receipt). One transaction: the application, its
    details and its 身份证明 file are written together or not at all."""
    found = online_problems(data, details, identity, today=ctx.today, via=via)
    if found:
        raise InvalidFields(found) if len(found) > 1 else found[0]
    done = register.__wrapped__(ctx, _online(data))  # inside this action's transaction
    app = done.application
    ctx.session.add(OnlineApplication(application_id=app.id, legal_representative=details.legal_representative.strip(),
                                      contact_person=details.contact_person.strip(), submitted_at=ctx.now, via=via))
    if identity is not None:
        checked = check_file(identity, field="identity_file", what="身份证明文件", suffixes=IDENTITY_TYPES,
                             max_bytes=MAX_IDENTITY_BYTES)
        _store_file(ctx.session, app, checked, purpose="identity", now=ctx.now)
    ctx.session.flush()
    return done


@action
def confirm_receipt(ctx: Ctx, number: str, *, note: str = "") -> A.Done:
    """Art 31(3): the clerk confirms an online application; that day is the receipt date and the 20 working days of
    Art 33 count from it (the 7 for a 补正 notice too, Art 30)."""
    app = application_by_number(ctx.session, number, agency_id=ctx.scope)
    lifecycle.check(app, "confirm_receipt", ctx.actor)
    today = ctx.today
    ensure_receipt_year_open(ctx.session, app.agency_id, today)  # its 新收 count is published
    app.receipt_date = today
    app.confirmed_on = today
    app.confirmation_method = ConfirmationMethod.platform
    app.applicant_confirmed = True
    app.receipt_evidence = f"网上申请于{app.arrived_on}提交，公开办于{today}确认收到" + (f"（{note.strip()}）" if note.strip() else "")
    lifecycle.apply(ctx.session, app, "confirm_receipt", actor=ctx.actor, now=ctx.now,
                    data={"receipt_date": today.isoformat(), "submitted_on": app.arrived_on.isoformat(),
                          "note": note.strip()})
    refresh_due_date(ctx.session, app, calendar=ctx.calendar, today=today)
    return A.Done(app.number, f"已确认收到网上申请，收到申请之日为 {today}，答复期限 {app.due_date}。", Status(app.status),
                  lifecycle.waits_for(Status(app.status)), app.due_date, app.agency_id)


def check_supplement(text: str, uploads: list[Upload]) -> tuple[str, list[CheckedUpload]]:
    """An online 补正: some text or at least one file, every problem at once."""
    found: list[ValidationFailed] = []
    text = (text or "").strip()
    if not text and not uploads:
        found.append(ValidationFailed("请填写补正内容或上传补正材料。", "empty supplement", field="content"))
    if len(text) > MAX_SUPPLEMENT_TEXT:
        found.append(ValidationFailed(f"补正内容不能超过{MAX_SUPPLEMENT_TEXT}字。", "supplement too long", field="content"))
    try:
        from models.validation import check_clean

        check_clean(text, what="补正内容", field="content", multiline=True)
    except ValidationFailed as exc:
        found.append(exc)
    if len(uploads) > MAX_SUPPLEMENT_FILES:
        found.append(ValidationFailed(f"补正材料最多 {MAX_SUPPLEMENT_FILES} 个文件，本次选择了 {len(uploads)} 个。",
                                      "too many supplement files", field="files"))
    checked = []
    for n, upload in enumerate(uploads[:MAX_SUPPLEMENT_FILES], start=1):
        try:
            checked.append(check_file(upload, field="files", what="补正材料", suffixes=SUPPLEMENT_TYPES,
                                      max_bytes=MAX_SUPPLEMENT_FILE_BYTES, position=n))
        except ValidationFailed as exc:
            found.append(exc)
    if found:
        raise InvalidFields(found) if len(found) > 1 else found[0]
    return text, checked


@action
def supplement_online(ctx: Ctx, number: str, *, content: str, files: list[Upload]) -> A.Done:
    """Art 30: the applicant's 补正 sent through the portal is received today, and the reply period restarts from
    it in full, exactly as one handed in at the counter (models.actions.receive_supplement, as the system)."""
    text, checked = check_supplement(content, files)
    app = application_by_number(ctx.session, number, agency_id=ctx.scope)
    lifecycle.check(app, "receive_supplement", ctx.actor)
    stored = [_store_file(ctx.session, app, c, purpose="supplement", now=ctx.now) for c in checked]
    ctx.session.flush()
    lifecycle.record(ctx.session, app, "supplement_online", actor=ctx.actor, now=ctx.now,
                     data={"files": [{"id": f.id, "filename": f.filename, "sha256": f.sha256} for f in stored]})
    shown = text + ("\n（网上提交补正材料：" + "、".join(c.filename for c in checked) + "）" if checked else "")
    return A.receive_supplement.__wrapped__(ctx, number, received_on=ctx.today, content=shown.strip())


def applicant_files(session: Session, app: Application) -> list[ApplicantFile]:
    return list(session.exec(select(ApplicantFile).where(ApplicantFile.application_id == app.id)
                             .order_by(ApplicantFile.id)))


def applicant_file(session: Session, app: Application, file_id: int) -> ApplicantFile:
    from models.errors import NotFound

    found = session.get(ApplicantFile, file_id)
    if found is None or found.application_id != app.id:
        raise NotFound("未找到该文件。", f"no applicant file {file_id} on {app.number}")
    return found


def online_details(session: Session, app: Application) -> OnlineApplication | None:
    return session.exec(select(OnlineApplication).where(OnlineApplication.application_id == app.id)).first()


def applicant_name(session: Session, app: Application) -> str:
    return session.get(Applicant, app.applicant_id).name


# --- what the applicant reads: the stage in their words, not the office's internal steps -------------------------

S = Status
_IN_HAND = "办理中"
APPLICANT_STAGE: dict[Status, tuple[str, str]] = {  # status → (stage, what it means for the applicant)
    S.awaiting_confirmation: ("已提交，待确认", "受理机关确认收到您的申请后开始计算答复期限；确认之日为收到申请之日（《条例》第三十一条第（三）项）。"),
    S.registered: (_IN_HAND, "受理机关已收到您的申请，正在办理。"),
    S.awaiting_supplement: ("请您补正", "受理机关已告知您补正申请，请在补正期限内补正；收到补正后重新计算答复期限（《条例》第三十条）。"),
    S.routed: (_IN_HAND, "受理机关正在检索、核实您申请的信息。"),
    S.coordinating: (_IN_HAND, "受理机关正在检索、核实您申请的信息。"),
    S.joint_consultation: (_IN_HAND, "受理机关正在研究答复意见。"),
    S.consulting: (_IN_HAND, "受理机关正在征求第三方或其他机关的意见，所需时间不计算在答复期限内（《条例》第三十三条第三款）。"),
    S.fee_review: (_IN_HAND, "受理机关正在办理您的申请。"),
    S.awaiting_fee: ("请您缴纳信息处理费", "受理机关已发出收费通知，缴费期间不计算在答复期限内；请按收费通知书缴纳。"),
    S.drafting: (_IN_HAND, "受理机关正在拟写答复。"),
    S.legal_review: (_IN_HAND, "受理机关正在审核答复。"),
    S.returned_for_revision: (_IN_HAND, "受理机关正在审核答复。"),
    S.approved: (_IN_HAND, "受理机关正在审核答复。"),
    S.issued: ("已作出答复，正在送达", "答复已作出，正在向您送达。"),
    S.dispatched: ("已答复", "答复已向您发出。"),
    S.delivered: ("已答复", "答复已送达。"),
    S.archived: ("已办结", "该申请已办结。"),
    S.withdrawn: ("已撤回", "您已撤回该申请，受理机关不再处理。"),
    S.deemed_abandoned: ("逾期未补正，视为放弃申请", "您未在补正期限内补正，依照《条例》第三十条视为放弃申请；受理机关将向您送达终止处理告知书。"),
    S.fee_unpaid: ("逾期未缴费，不再处理", "您未在期限内缴纳信息处理费，受理机关不再处理该申请，将向您送达告知书。"),
    S.voided: ("登记已作废", "该编号是受理机关登记有误而作废的记录，不是一件申请。"),
}
assert set(APPLICANT_STAGE) == set(Status)
