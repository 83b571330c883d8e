"""The tables: the database is the system of record.

English names for tables and columns; Chinese labels live with the enums and in the notices.
State is stored as the status and the deadlines only; "overdue" and "due soon" are computed at
read time from the dates (calendars.clock). Every change of status goes through models.lifecycle.
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import JSON, Column, DateTime, Index, Integer, LargeBinary, String, Text, TypeDecorator, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.enums import (
    ApplicantIdType,
    AssignmentStatus,
    Channel,
    ConfirmationMethod,
    ConsultationKind,
    ConsultationReply,
    DecisionStatus,
    DeliveryMethod,
    ExtensionStatus,
    FeeStatus,
    ProblemReason,
    ProblemStatus,
    RequestedForm,
    Role,
    Status,
)
from models.outcomes import DEFAULT_PRECEDENCE, ApplicantKind, ChallengeKind, ChallengeResult, Outcome

SHANGHAI = ZoneInfo("Asia/Shanghai")


def shanghai_day(moment: datetime) -> date:
    """The calendar day of an aware event time in Asia/Shanghai: the day deadlines and statuses count from."""
    return moment.astimezone(SHANGHAI).date()


class AwareDateTime(TypeDecorator):
    """Stores UTC, returns Asia/Shanghai: event times are timezone-aware on SQLite and PostgreSQL alike."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("event times must be timezone-aware")
        utc = value.astimezone(ZoneInfo("UTC"))
        # PostgreSQL reads a naive time in the session's TimeZone (often Asia/Shanghai): give it the offset
        return utc if dialect.name == "postgresql" else utc.replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=ZoneInfo("UTC"))
        return value.astimezone(SHANGHAI)


def _code(**kw):
    """An enum member stored as its string value (portable: no native ENUM types to migrate)."""
    return Field(sa_type=String(40), **kw)


def _when(**kw):
    return Field(sa_column=Column(AwareDateTime(), **kw))


class Installation(SQLModel, table=True):
    """One row: the identity of this installation's database, and the Prefect API that `gongkai up` started for it.

    Every workflow run carries `id`; a run that finds another id refuses to act (it was sent to the wrong
    installation). The CLI and the desk trigger runs through `prefect_api_url`, never through a guessed port.
    """

    id: str = Field(sa_column=Column(String(36), primary_key=True))
    created_at: datetime = _when(nullable=False)
    prefect_api_url: str | None = Field(default=None, sa_column=Column(String(300), nullable=True))
    prefect_api_since: datetime | None = _when(nullable=True)


class Agency(SQLModel, table=True):
    """机关: the agency that answers, with what its notices must name."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_column=Column(String(200), unique=True, nullable=False))
    parent_id: int | None = Field(default=None, foreign_key="agency.id", index=True)
    disclosure_office: str = ""  # 政府信息公开工作机构
    address: str = ""
    phone: str = ""
    reconsideration_body: str = ""  # 行政复议机关 named in remedy clauses
    court: str = ""  # 人民法院 named in remedy clauses
    doc_number_prefix: str = ""  # 文号 prefix, e.g. 河政公开
    seal_text: str = ""
    seal_image: str = ""  # a PNG with transparency, placed over the date of every notice (checked when set)
    contact_person: str = ""  # 联系人 printed when no clerk is named (the clerk who issues a notice comes first)
    status_url: str = ""  # the public status page's address, printed on the 接收回执
    fee_payee: str = ""  # 收费通知书: 收款单位
    fee_bank: str = ""  # 开户银行
    fee_account: str = ""  # 账号
    fee_payment_code: str = ""  # 非税收入缴款码（或执收单位编码）
    fee_payment_qr: str = ""  # a payment QR code image (checked when set)
    fee_payment_place: str = ""  # where or through which platform to pay
    retention_years: int = 30  # 档案保管期限: 10 or 30 are common
    supplement_days: int = 15  # default 补正 period the clerk may change (Art 30 "合理的补正期限")
    repeat_window_days: int = 365  # Art 36(6): how far back a possible repeat is looked for
    outcome_precedence: str = ",".join(DEFAULT_PRECEDENCE)
    litigation_prone_keywords: str = "征地,征收,拆迁,拆除,强拆,补偿安置,土地"  # 易诉: the admin edits it
    # Working days the office keeps between a department's deadline and the reply due date, to draft the reply,
    # have counsel review it, sign and dispatch it: drafting 3 + legal review 3 + 签发 1 + 寄送 1, the usual
    # durations of those steps (models.dashboard.STAGE_USUAL). A department deadline is never later (models.guards).
    office_reserve_days: int = 8


class Department(SQLModel, table=True):
    """承办单位 of an agency."""

    __table_args__ = (UniqueConstraint("agency_id", "name"),)
    id: int | None = Field(default=None, primary_key=True)
    agency_id: int = Field(foreign_key="agency.id", index=True)
    name: str
    contact: str = ""


class User(SQLModel, table=True):
    __tablename__ = "user_account"
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(sa_column=Column(String(80), unique=True, nullable=False))
    full_name: str
    role: Role = _code()
    agency_id: int = Field(foreign_key="agency.id", index=True)
    department_id: int | None = Field(default=None, foreign_key="department.id")
    government_counsel: bool = False  # 政府法律顾问: required for 易诉 cases
    password_hash: str | None = None
    email: str = ""
    phone: str = ""
    active: bool = True


class Applicant(SQLModel, table=True):
    """申请人: the principal; the kind decides the table 三 column."""

    id: int | None = Field(default=None, primary_key=True)
    kind: ApplicantKind = _code()
    name: str
    id_type: ApplicantIdType = _code(default=ApplicantIdType.none)
    id_number: str | None = Field(default=None, index=True)  # 身份证号 or 统一社会信用代码
    phone: str = ""
    email: str = ""
    address: str = ""


# Optimistic locking: every UPDATE of an application checks and bumps this column.
_application_version = Column("version", Integer, nullable=False, default=1)


class Application(SQLModel, table=True):
    """One 依申请公开 application: status and stored deadlines; the rest is in its rows and events."""

    __table_args__ = (
        UniqueConstraint("agency_id", "number"),
        # the worklists and the dashboard's counts read only this index (covering): no row lookups
        Index("ix_application_open_due", "agency_id", "status", "due_date"),
        Index("ix_application_open_since", "agency_id", "status", "status_since"),  # cases at risk
        # the province roll-up (models.province): every agency's open cases by status (migration 0017)
        Index("ix_application_province_due", "status", "due_date", "id", "agency_id"),
        Index("ix_application_province_since", "status", "status_since", "id"),
        Index("ux_application_form_token", "form_token", unique=True),  # one registration per registration form
    )
    id: int | None = Field(default=None, primary_key=True)
    agency_id: int = Field(foreign_key="agency.id", index=True)
    number: str = Field(sa_type=String(20))  # 2026-000123, unique per agency
    year: int = Field(index=True)
    query_code: str = Field(sa_type=String(12))
    applicant_id: int = Field(foreign_key="applicant.id", index=True)
    # the applicant's kind (table 三's column), copied by the database's triggers (migration 0028): never set it
    applicant_kind: str | None = Field(default=None, sa_type=String(40))
    agent_name: str | None = None
    agent_id_type: ApplicantIdType | None = _code(default=None, nullable=True)
    agent_id_number: str | None = None
    agent_phone: str | None = None
    agent_authorization: str = ""  # 授权委托书 the agent produced (what, signed when)
    channel: Channel = _code()
    arrived_on: date  # the day it physically or electronically arrived
    receipt_date: date = Field(index=True)  # Art 31: the legal receipt date
    receipt_evidence: str = ""  # 签收单、确认记录、系统回执 …
    confirmed_on: date | None = None  # Art 31(2)(3): the day the receipt was confirmed with the applicant
    confirmation_method: ConfirmationMethod | None = _code(default=None, nullable=True)
    confirmation_note: str = ""  # who was reached and how; why not on the day the letter arrived
    transcribed_by_clerk: bool = False  # Art 29: oral application written down (代为填写)
    applicant_confirmed: bool = False  # the applicant confirmed the transcript / the receipt date
    needs_assistance: bool = False  # Art 43
    request_text: str = Field(sa_column=Column(Text, nullable=False))
    requested_form: RequestedForm = _code(default=RequestedForm.paper)
    delivery_method: DeliveryMethod = _code(default=DeliveryMethod.post)
    electronic_delivery_consent: bool = False  # 民诉法 Art 90 by analogy
    litigation_prone: bool = False  # 易诉: government counsel must sign off
    possible_repeat_of: str = ""  # numbers a human should compare (Art 36(6))
    monthly_count: int = 1  # the applicant's count this calendar month at this agency (Art 35, fees)
    status: Status = _code(index=True)
    paused_from: Status | None = _code(default=None, nullable=True)
    status_since: date | None = None  # the day the current status began (set by models.lifecycle only)
    due_date: date | None = Field(default=None, index=True)
    due_provisional: bool = False
    calendar_fingerprint: str = ""
    outcome: Outcome | None = _code(default=None, nullable=True)
    closed_on: date | None = Field(default=None, index=True)  # concluded: reply dispatched or closed
    registered_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    created_at: datetime = _when(nullable=False)
    form_token: str | None = Field(default=None, sa_type=String(64))  # the desk's one-time registration form token
    version: int = Field(default=1, sa_column=_application_version)

    __mapper_args__ = {"version_id_col": _application_version}


class OpenCaseCount(SQLModel, table=True):
    """Open cases (models.dashboard.OPEN, a due date set) per agency, status and due date, for the province roll-up.

    Kept by the database's triggers on application in the writing transaction (migration 0028), never by code;
    a row may hold 0."""

    __tablename__ = "open_case_count"
    agency_id: int = Field(foreign_key="agency.id", primary_key=True)
    status: Status = _code(primary_key=True)
    due_date: date = Field(primary_key=True)
    n: int


class Event(SQLModel, table=True):
    """Append-only history: who did what when, and the status before and after, hash-chained (models.audit).

    The database refuses UPDATE and DELETE on this table (triggers, migration 0012)."""

    __table_args__ = (Index("ux_event_prev_log", "prev_log_sha256", unique=True),)  # one successor per event
    id: int | None = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="application.id", index=True)
    action: str = Field(sa_type=String(60))
    actor_id: int | None = Field(default=None, foreign_key="user_account.id")
    actor_name: str
    at: datetime = _when(nullable=False)
    from_status: Status | None = _code(default=None, nullable=True)
    to_status: Status | None = _code(default=None, nullable=True)
    data: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    sha256: str | None = Field(default=None, sa_type=String(64))  # this event's hash (models.audit.digest)
    prev_case_sha256: str | None = Field(default=None, sa_type=String(64))  # the case's previous event
    prev_log_sha256: str | None = Field(default=None, sa_type=String(64))  # the installation's previous event


class AdminEvent(SQLModel, table=True):
    """Append-only audit of an administrator's change to an agency's settings: who, when, before and after."""

    __tablename__ = "admin_event"

    id: int | None = Field(default=None, primary_key=True)
    agency_id: int = Field(foreign_key="agency.id", index=True)
    action: str = Field(sa_type=String(60))
    actor_id: int | None = Field(default=None, foreign_key="user_account.id")
    actor_name: str
    at: datetime = _when(nullable=False)
    data: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class Assignment(SQLModel, table=True):
    """Routing to a department (交办): its due date, 签收 / 退回 and the written reply opinion."""

    __table_args__ = (  # covering indexes for the dashboard: open assignments, then this year's answer times
        Index("ix_assignment_open_due", "status", "department_id", "due_date"),
        Index("ix_assignment_answer_times", "status", "answered_on", "department_id", "routed_on", "due_date"),
        # one agency's departments' answers of the year: a short range each (models.dashboard.answer_times, 0028)
        Index("ix_assignment_department_answers", "status", "department_id", "answered_on", "routed_on", "due_date"),
    )

    id: int | None = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="application.id", index=True)
    department_id: int = Field(foreign_key="department.id", index=True)
    routed_on: date
    due_date: date
    due_set_by_leader: bool = False
    status: AssignmentStatus = _code(default=AssignmentStatus.routed)
    accepted_on: date | None = None
    returned_on: date | None = None
    return_reason: str = ""
    opinion: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    answered_on: date | None = None
    answered_by_id: int | None = Field(default=None, foreign_key="user_account.id")


class Supplement(SQLModel, table=True):
    """补正 (Art 30): one single notice; the clock restarts in full from the supplement's receipt."""

    id: int | None = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="application.id", unique=True)
    issued_on: date
    items: str = Field(sa_column=Column(Text, nullable=False))
    period_days: int
    notice_received_on: date
    due_date: date
    received_on: date | None = None
    content: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))


class Consultation(SQLModel, table=True):
    """征求意见: third party (Art 32) or co-producing / other agency (Art 34); not counted (Art 33(3))."""

    id: int | None = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="application.id", index=True)
    kind: ConsultationKind = _code()
    party: str
    party_contact: str = ""
    sent_on: date
    party_received_on: date
    due_date: date
    ended_on: date | None = None
    reply: ConsultationReply | None = _code(default=None, nullable=True)
    reasons: str = ""


class JointConsultation(SQLModel, table=True):
    """会商: the recorded joint consultation for major or complex cases."""

    __tablename__ = "joint_consultation"

    id: int | None = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="application.id", index=True)
    convened_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    convened_on: date
    held_on: date | None = None
    participants: str = ""  # as printed in the 会商纪要; the structured list is `attendees`
    # [{"kind": ParticipantKind, "name": …}]: the departments, the justice bureau and legal counsel (models.guards)
    attendees: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False, default=list))
    minutes: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    proposed_reply: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))


class Extension(SQLModel, table=True):
    """延期答复 (Art 33(2)): once, at most 20 WD, approved by the head of the disclosure office in time."""

    id: int | None = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="application.id", unique=True)
    days: int
    reason: str
    requested_on: date
    requested_by_id: int = Field(foreign_key="user_account.id")
    status: ExtensionStatus = _code(default=ExtensionStatus.requested)
    decided_on: date | None = None
    decided_by_id: int | None = Field(default=None, foreign_key="user_account.id")


class Fee(SQLModel, table=True):
    """信息处理费 (Art 42, 国办函〔2020〕109号): one method per application; sent after counsel's sign-off,
    the clock stops from then until paid."""

    id: int | None = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="application.id", unique=True)
    method: str = Field(sa_type=String(20))
    monthly_count: int | None = None
    pages: int | None = None
    amount: int  # 元
    justification: str
    status: FeeStatus = _code(default=FeeStatus.sent)
    reviewed_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    review_comments: str = ""
    notice_sent_on: date | None = None  # the three dates are set when counsel approves and the notice goes out
    notice_received_on: date | None = None
    pay_due: date | None = None
    paid_on: date | None = None
    receipt_no: str = ""


class Decision(SQLModel, table=True):
    """One version of the drafted reply: the structured decision a notice is generated from."""

    __table_args__ = (UniqueConstraint("application_id", "version"),)
    id: int | None = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="application.id", index=True)
    version: int
    outcome: Outcome = _code()
    citations: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    withheld_items: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    item_outcomes: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    reasons: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    body: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    responsible_agency: str | None = None
    responsible_agency_contact: str | None = None
    repeat_of: str | None = Field(default=None, sa_type=String(20))  # Art 36(6): the earlier application answered
    status: DecisionStatus = _code(default=DecisionStatus.draft)
    drafted_by_id: int = Field(foreign_key="user_account.id")
    drafted_at: datetime = _when(nullable=False)


class ReasonRequest(SQLModel, table=True):
    """说明理由 (Art 35): the applicant is asked for reasons; unreasonable → 不予处理, reasonable but too much for
    the Art 33 period → a reasonable deferred reply date, set here and read by the clock."""

    __tablename__ = "reason_request"

    id: int | None = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="application.id", unique=True)
    sent_on: date
    application_count: int  # the applicant's applications to this agency up to this one's receipt date
    due_date: date  # the applicant states reasons by this day
    answered_on: date | None = None
    reasons: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    deferred_due: date | None = None
    deferred_on: date | None = None
    deferred_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    deferral_reason: str = ""


class Review(SQLModel, table=True):
    """法律审核: counsel's verdict and comments on one draft version."""

    id: int | None = Field(default=None, primary_key=True)
    decision_id: int = Field(foreign_key="decision.id", index=True)
    reviewer_id: int = Field(foreign_key="user_account.id")
    approved: bool
    comments: str = ""
    at: datetime = _when(nullable=False)


class Document(SQLModel, table=True):
    """A generated notice, kept with its content hash; never overwritten, only versioned."""

    __table_args__ = (UniqueConstraint("application_id", "kind", "version"),)
    id: int | None = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="application.id", index=True)
    kind: str = Field(sa_type=String(40))
    version: int = 1
    doc_number: str | None = Field(default=None, sa_column=Column(String(60), unique=True, nullable=True))
    content_type: str = "application/pdf"
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    sha256: str = Field(sa_type=String(64))
    created_at: datetime = _when(nullable=False)


class Attachment(SQLModel, table=True):
    """A file a department sends with its written reply opinion: kept whole with its size and hash, never changed."""

    id: int | None = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="application.id", index=True)
    assignment_id: int = Field(foreign_key="assignment.id", index=True)
    filename: str = Field(sa_type=String(200))
    content_type: str = Field(sa_type=String(100))
    size: int
    sha256: str = Field(sa_type=String(64))
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    uploaded_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    uploaded_at: datetime = _when(nullable=False)


class Counter(SQLModel, table=True):
    """Gap-free sequences per agency and year (application numbers, 文号), advanced in the caller's transaction."""

    agency_id: int = Field(foreign_key="agency.id", primary_key=True)
    name: str = Field(primary_key=True, sa_type=String(20))
    year: int = Field(primary_key=True)
    value: int = 0


class Delivery(SQLModel, table=True):
    """Dispatch (交邮、发送) and delivery (送达) of a document, recorded separately."""

    id: int | None = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="application.id", index=True)
    document_id: int | None = Field(default=None, foreign_key="document.id")
    method: DeliveryMethod = _code()
    dispatched_on: date
    tracking_no: str = ""
    delivered_on: date | None = None
    proof: str = ""


class LegalChallenge(SQLModel, table=True):
    """行政复议 / 行政诉讼 against a decision; feeds table 四, never changes an archived case."""

    __tablename__ = "legal_challenge"

    id: int | None = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="application.id", index=True)
    kind: ChallengeKind = _code()
    filed_on: date = Field(index=True)
    body: str = ""  # the reconsideration body or court
    result: ChallengeResult = _code(default=ChallengeResult.pending)
    decided_on: date | None = None


class SourceFile(SQLModel, table=True):
    """A file the clerk adds to a case as a source document for partial disclosure (beside the departments' files).

    Kept whole with its hash; served only to staff who may read the case (never to the applicant)."""

    __tablename__ = "source_file"

    id: int | None = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="application.id", index=True)
    filename: str = Field(sa_type=String(200))
    content_type: str = Field(sa_type=String(100))
    size: int
    sha256: str = Field(sa_type=String(64))
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    uploaded_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    uploaded_at: datetime = _when(nullable=False)


class RedactionMark(SQLModel, table=True):
    """Art 37 区分处理: one area of a source document to be removed from the released version, with its ground.

    A region (page + rectangle in PDF points from the page's top-left) or a phrase (every occurrence, every page).
    The source is a department's Attachment or a clerk's SourceFile. A mark is withdrawn, never deleted: its
    adding and withdrawal are both in the case's event log."""

    __tablename__ = "redaction_mark"

    id: int | None = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="application.id", index=True)
    attachment_id: int | None = Field(default=None, foreign_key="attachment.id")
    source_file_id: int | None = Field(default=None, foreign_key="source_file.id")
    kind: str = Field(sa_type=String(10))  # region | phrase
    page: int | None = None  # 1-based; regions only
    x0: float | None = None
    y0: float | None = None
    x1: float | None = None
    y1: float | None = None
    phrase: str | None = Field(default=None, sa_type=String(200))
    ground: str = Field(sa_type=String(40))  # models.redaction.Ground
    reason: str = Field(sa_type=String(500))
    created_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    created_at: datetime = _when(nullable=False)
    withdrawn_at: datetime | None = Field(default=None, sa_column=Column(AwareDateTime(), nullable=True))


class ReleasedFile(SQLModel, table=True):
    """The released version (公开版本) of a source document: marked content removed, metadata and hidden layers
    stripped. One release of a case is a batch; the latest batch is the one that goes with the reply.

    `applied` is the redaction log as the engine applied it: [{"mark_id", "kind", "pages": [...], "ground",
    "reason", "phrase"}], the Art 37 withheld-items list is written from it."""

    __tablename__ = "released_file"
    __table_args__ = (UniqueConstraint("application_id", "batch", "source_key"),)

    id: int | None = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="application.id", index=True)
    batch: int
    source_key: str = Field(sa_type=String(20))  # a<attachment id> | f<source file id>
    source_sha256: str = Field(sa_type=String(64))
    filename: str = Field(sa_type=String(200))
    pages: int
    size: int
    sha256: str = Field(sa_type=String(64))
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    applied: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    marks_digest: str = Field(sa_type=String(64))  # the case's active marks when this batch was made
    made_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    made_at: datetime = _when(nullable=False)
class ProblemItem(SQLModel, table=True):
    """问题清单 (一案一策): a hard case with a named owner, an internal time limit and a plan (models.problems).

    The internal due date never touches the statutory clock (Application.due_date): it is the list's own."""

    __tablename__ = "problem_item"
    __table_args__ = (Index("ix_problem_item_open_due", "agency_id", "status", "due_date"),)  # the dashboard's list

    id: int | None = Field(default=None, primary_key=True)
    agency_id: int = Field(foreign_key="agency.id")
    application_id: int = Field(foreign_key="application.id", index=True)
    reason: ProblemReason = _code()
    reason_text: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))  # the words, when 其他
    owner_id: int = Field(foreign_key="user_account.id", index=True)
    plan: str = Field(sa_column=Column(Text, nullable=False))
    limit_days: int | None = None  # working days from added_on, when the limit was given so
    due_date: date
    status: ProblemStatus = _code(default=ProblemStatus.open)
    added_on: date
    added_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    closed_on: date | None = None
    closed_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    result: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))


class ProblemNote(SQLModel, table=True):
    """A progress note appended to a problem-list item; never changed."""

    __tablename__ = "problem_note"

    id: int | None = Field(default=None, primary_key=True)
    problem_id: int = Field(foreign_key="problem_item.id", index=True)
    written_on: date
    author_id: int | None = Field(default=None, foreign_key="user_account.id")
    author_name: str
    text: str = Field(sa_column=Column(Text, nullable=False))


class ApiToken(SQLModel, table=True):
    """A staff system's bearer token for the JSON API: it acts as `user_id` within the agency and role it was made
    for. Only the SHA-256 of the token is kept; the token itself is shown once, when it is made."""

    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(sa_column=Column(String(64), unique=True, nullable=False))
    prefix: str = Field(sa_type=String(12))  # the token's first characters, to tell tokens apart in a list
    user_id: int = Field(foreign_key="user_account.id", index=True)
    agency_id: int = Field(foreign_key="agency.id")
    role: Role = _code()
    label: str = ""
    created_at: datetime = _when(nullable=False)
    revoked_at: datetime | None = _when(nullable=True)


class OnlineApplication(SQLModel, table=True):
    """What an application made through the portal adds to the Art 29 contents: the organisation's legal
    representative and contact person (a legal person or other organisation acts through them), and when and
    through which form it was submitted. The receipt date itself is the clerk's confirmation (Art 31(3))."""

    __tablename__ = "online_application"

    id: int | None = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="application.id", unique=True)
    legal_representative: str = ""  # 法定代表人或负责人 (organisations)
    contact_person: str = ""  # 联系人 (organisations)
    submitted_at: datetime = _when(nullable=False)
    via: str = Field(default="portal", sa_type=String(20))  # portal | api


class ApplicantFile(SQLModel, table=True):
    """A file the applicant sent online: the 身份证明 with the application (Art 29(2)(1)), or a file with the
    补正 (Art 30). Kept whole with its size and hash, never changed; the type was checked by its first bytes."""

    __tablename__ = "applicant_file"

    id: int | None = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="application.id", index=True)
    purpose: str = Field(sa_type=String(20))  # identity | supplement
    filename: str = Field(sa_type=String(200))
    content_type: str = Field(sa_type=String(100))
    size: int
    sha256: str = Field(sa_type=String(64))
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    uploaded_at: datetime = _when(nullable=False)
