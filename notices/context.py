"""Plain data a document is rendered from: who issues it, to whom, about which application; no DB."""

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from models.citation_check import FeeNoticeDraft, ReplyDraft
from models.outcomes import ApplicantKind


class SubmissionChannel(StrEnum):
    """Art 29/31: how the application reached the agency; the receipt date is fixed accordingly."""

    in_person = "in_person"
    post = "post"
    online = "online"
    fax = "fax"
    email = "email"

    @property
    def label(self) -> str:
        return {
            "in_person": "当面提交",
            "post": "邮寄",
            "online": "互联网",
            "fax": "传真",
            "email": "电子邮件",
        }[self.value]


@dataclass(frozen=True)
class Agency:
    """The issuing agency and the remedy bodies configured for it (行政复议法 Arts 24–27, 行政诉讼法 Arts 14–18)."""

    name: str
    reconsideration_body: str
    court: str
    address: str
    contact_person: str  # the clerk who issues the document, else the agency's contact; "" prints the phone alone
    contact_phone: str
    inquiry_channel: str  # where an applicant follows progress, printed on the receipt
    status_url: str = ""  # the public status page (number + query code), printed on the receipt
    seal_image: str | None = None  # a PNG with transparency, placed over the date; None: room for a wet seal


@dataclass(frozen=True)
class Applicant:
    name: str
    kind: ApplicantKind
    address: str
    phone: str


@dataclass(frozen=True)
class Application:
    """The request as submitted (Art 29) and the dates its clock runs from (Arts 30, 31)."""

    number: str  # 申请编号
    receipt_date: date
    channel: SubmissionChannel
    request_text: str
    pages: int
    supplement_date: date | None = None


@dataclass(frozen=True)
class Issue:
    """Who issues a document, under which 文号 (numbered by models), on which date."""

    agency: Agency
    number: str
    date: date
    created: datetime | None = None  # the moment it was made (the PDF's creation date); None: the date's midnight


@dataclass(frozen=True)
class ReceiptContext:
    """接收回执, printed at the counter (Arts 29, 31): what the applicant needs to follow the case."""

    issue: Issue
    applicant: Applicant
    application: Application
    query_code: str = ""  # with the number, opens the public status page
    due_date: date | None = None  # the reply due date (Art 33)
    due_provisional: bool = False  # it reaches into a year whose holidays are not published yet


@dataclass(frozen=True)
class SupplementContext:
    """补正告知书: every item at once (Art 30, 一次性), with guidance and a deadline."""

    issue: Issue
    applicant: Applicant
    application: Application
    items: tuple[str, ...]
    guidance: str
    deadline: date


@dataclass(frozen=True)
class RoutingContext:
    """交办单: the disclosure office hands the search to a department with its due date."""

    issue: Issue
    application: Application
    department: str
    tasks: str
    due_date: date
    reply_due_date: date


@dataclass(frozen=True)
class CoordinationContext:
    """协调函: a leader asks several departments to work out who answers what."""

    issue: Issue
    application: Application
    departments: tuple[str, ...]
    matter: str
    due_date: date


@dataclass(frozen=True)
class JointConsultationContext:
    """会商纪要: the internal record of a 会商 on a major or complex case; the office drafts the reply from it."""

    issue: Issue
    application: Application
    convener: str  # the leader or office head who convened it, with the role: 刘副区长（分管领导）
    held_on: date
    participants: str
    minutes: tuple[str, ...]  # one paragraph each
    proposed_reply: tuple[str, ...]


@dataclass(frozen=True)
class ThirdPartyConsultationContext:
    """征求意见书 to a third party (Art 32): 15 working days to answer."""

    issue: Issue
    application: Application
    third_party: str
    information: str
    interest: str  # 商业秘密 / 个人隐私 / …
    due_date: date


@dataclass(frozen=True)
class AgencyConsultationContext:
    """征求意见书 to a co-producing agency (Art 34)."""

    issue: Issue
    application: Application
    consulted_agency: str
    information: str
    due_date: date


@dataclass(frozen=True)
class ConsultationNoticeContext:
    """告知书 to the applicant: the consultation time is not counted (Art 33(3))."""

    issue: Issue
    applicant: Applicant
    application: Application
    consulted: str
    sent_date: date


@dataclass(frozen=True)
class ExtensionContext:
    """延期答复告知书 (Art 33(2)): at most 20 more working days, approved by the office's head."""

    issue: Issue
    applicant: Applicant
    application: Application
    reason: str
    days: int
    new_due_date: date


@dataclass(frozen=True)
class Payment:
    """How and where an applicant pays (the agency's settings): a bank account, a non-tax payment code or a QR image."""

    payee: str = ""  # 收款单位
    bank: str = ""  # 开户银行
    account: str = ""  # 账号
    code: str = ""  # 非税收入缴款码（或执收单位编码）
    qr_image: str | None = None  # a payment QR code image
    place: str = ""  # where to pay in person, or the online platform

    @property
    def given(self) -> bool:
        return bool(self.account or self.code or self.qr_image)


@dataclass(frozen=True)
class FeeContext:
    """收费通知书 (Art 42; 国办函〔2020〕109号)."""

    issue: Issue
    applicant: Applicant
    application: Application
    fee: FeeNoticeDraft
    payment: Payment
    payment_days: int = 20  # working days from receipt of the notice ([U] regulation.md §3.2)
    pay_due: date | None = None


@dataclass(frozen=True)
class ReasonRequestContext:
    """说明理由告知书 (Art 35): the applicant explains an unreasonable volume or frequency."""

    issue: Issue
    applicant: Applicant
    application: Application
    application_count: int
    deadline: date


@dataclass(frozen=True)
class DeferralContext:
    """延迟答复告知书 (Art 35): the reasons are reasonable, but the reply comes by a deferred date."""

    issue: Issue
    applicant: Applicant
    application: Application
    requested_on: date  # the 说明理由告知书
    reasons: str  # what the applicant stated
    reason: str  # why the Art 33 period cannot be met
    deferred_due: date


@dataclass(frozen=True)
class EarlierReply:
    """Art 36(6): the earlier application of the same applicant and the reply it was given (T12)."""

    number: str
    receipt_date: date
    replied_on: date  # the day the reply was dispatched
    doc_number: str


@dataclass(frozen=True)
class ReasonsAsked:
    """Art 35: when the applicant was asked for reasons, and what came back (T15)."""

    requested_on: date
    due_date: date
    answered_on: date | None
    reasons: str


@dataclass(frozen=True)
class ReplyContext:
    """答复书 and 终止处理告知书: a checked ReplyDraft plus how the applicant obtains what is given."""

    issue: Issue
    applicant: Applicant
    application: Application
    draft: ReplyDraft
    access: str | None = None  # Art 36(1)(2), 39: how, where and when to obtain the information
    attachments: tuple[str, ...] = ()
    earlier_notice: str | None = None  # the 补正告知书 / 收费通知书 a termination refers to
    earlier_deadline: date | None = None
    earlier_reply: EarlierReply | None = None  # Art 36(6): the application already answered
    reasons_asked: ReasonsAsked | None = None  # Art 35: the request for reasons and the answer


@dataclass(frozen=True)
class DeliveryContext:
    """送达回证 (by analogy with 民事诉讼法 Art 87)."""

    issue: Issue
    document_title: str
    document_number: str
    recipient: str
    place: str
    method: str
