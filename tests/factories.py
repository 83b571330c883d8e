"""Factories for domain objects: a demo agency, contexts, applications, and cases placed at any gate."""

from dataclasses import replace
from datetime import date, datetime

from models import actions as A
from models.attachments import Upload
from models.context import Ctx
from models.demo import DEMO_AGENCY, seed_demo
from models.identity import CaseRef
from models.enums import ApplicantIdType, Channel, ConsultationKind, DeliveryMethod, Status
from models.fees import FeeMethod
from models.outcomes import ApplicantKind, Outcome
from models.queries import application_by_number, user_by_username
from models.registration import ApplicantIn, ApplicationIn, register
from models.tables import SHANGHAI

VALID_ID = "11010519491231002X"
SMALL_PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def pdf_upload(name: str = "答复依据.pdf", content: bytes = SMALL_PDF) -> Upload:
    """A file a department attaches to its opinion, as the desk or the CLI receives it."""
    return Upload(filename=name, content=content, content_type="application/pdf")


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI)


def ctx(session, calendar, username: str | None, day: date) -> Ctx:
    """The context of `username` (None: the system) acting on `day`; seeds the demo agency if needed."""
    seed_demo(session)
    actor = user_by_username(session, username) if username else None
    return Ctx(session, calendar, at(day), actor)


def seed_agency(session, name: str, prefix: str, *, password_hash: str | None = None) -> None:
    """Another agency shaped like the demo one (same departments), its users named `<prefix>_<demo username>`:
    an installation serves many agencies, each numbering its cases from 2026-000001."""
    from models.admin import add_agency, add_department, add_user
    from models.demo import DEPARTMENTS, USERS

    seed_demo(session)
    add_agency(session, name=name, disclosure_office=f"{name}办公室", reconsideration_body="示范市人民政府",
               court="示范市中级人民法院", doc_number_prefix=f"{name[:2]}政公开", seal_text=name)
    for department in DEPARTMENTS:
        add_department(session, agency=name, name=department)
    for username, full_name, role, department, government_counsel in USERS:
        add_user(session, username=f"{prefix}_{username}", full_name=full_name, role=role, agency=name,
                 department=department, password_hash=password_hash, government_counsel=government_counsel)


def applicant_in(**overrides) -> ApplicantIn:
    base = ApplicantIn(kind=ApplicantKind.natural_person, name="张三", id_type=ApplicantIdType.resident_id,
                       id_number=VALID_ID, phone="13800138000")
    return replace(base, **overrides)


def application_in(received: date = date(2026, 3, 2), **overrides) -> ApplicationIn:
    base = ApplicationIn(agency=DEMO_AGENCY, applicant=applicant_in(), channel=Channel.in_person, arrived_on=received,
                         receipt_date=received, request_text="请公开本区2025年财政预算执行情况报告")
    return replace(base, **overrides)


def case(session, number: str) -> CaseRef:
    """The CaseRef (agency + number) of a case registered by these factories."""
    return CaseRef.of(application_by_number(session, number))


def register_case(session, calendar, received: date = date(2026, 3, 2), **overrides) -> str:
    return register(ctx(session, calendar, "clerk", received), application_in(received, **overrides)).application.number


def approved_draft(outcome: Outcome = Outcome.disclosed) -> A.DraftIn:
    if Outcome(outcome).is_withholding_ground:
        return A.DraftIn(outcome=outcome, reasons="经审查，该信息属于条例规定不予公开的情形。")
    return A.DraftIn(outcome=outcome, body="所申请信息见附件。")


# The happy path as (status reached, step): advance() replays the steps until the case stands at a gate.
def _steps(session, calendar, number: str, day: date):
    c = lambda user: ctx(session, calendar, user, day)  # noqa: E731
    yield Status.routed, lambda: A.route(c("clerk"), number, department="区自然资源局")
    yield Status.drafting, lambda: A.submit_opinion(c("dept_ziran"), number, opinion="该信息由我局制作，可以公开。")
    yield Status.legal_review, lambda: A.submit_for_review(c("clerk"), number, draft=approved_draft())
    yield Status.approved, lambda: A.approve_draft(c("gov_counsel"), number)
    yield Status.issued, lambda: A.issue_reply(c("head"), number, render=lambda no, d: f"答复 {no}".encode())
    yield Status.dispatched, lambda: A.dispatch(c("clerk"), number, method=DeliveryMethod.post, dispatched_on=day,
                                                tracking_no="EMS0001")
    yield Status.delivered, lambda: A.record_delivery(c("clerk"), number, delivered_on=day, proof="邮件签收记录")
    yield Status.archived, lambda: A.archive(c(None), number, manifest_sha256="0" * 64, location="test")


def advance(session, calendar, number: str, to: Status, day: date = date(2026, 3, 4)) -> None:
    """Drive a registered case along the happy path until it stands in `to`."""
    for reached, step in _steps(session, calendar, number, day):
        if application_by_number(session, number).status == to:
            return
        step()
        if reached == to:
            return
    raise ValueError(f"{to} is not on the happy path")


def send_fee_notice(session, calendar, number: str, day: date, *, pages: int = 120) -> A.Done:
    """A per-page fee notice drafted by the clerk and signed off by counsel the same day: it goes out."""
    A.issue_fee_notice(ctx(session, calendar, "clerk", day), number, method=FeeMethod.per_page, pages=pages,
                       justification="申请数量明显超过合理范围")
    return A.approve_fee_notice(ctx(session, calendar, "gov_counsel", day), number)


def terminate(session, calendar, number: str, day: date) -> A.Done:
    """A case deemed abandoned or unpaid: its 终止处理告知书 is drafted, reviewed, signed off and dispatched on `day`."""
    outcome = {Status.deemed_abandoned: Outcome.deemed_abandoned,
               Status.fee_unpaid: Outcome.fee_unpaid}[application_by_number(session, number).status]
    A.submit_for_review(ctx(session, calendar, "clerk", day), number, draft=A.DraftIn(outcome=outcome))
    A.approve_draft(ctx(session, calendar, "gov_counsel", day), number)
    A.issue_reply(ctx(session, calendar, "head", day), number, render=lambda no, d: f"终止处理告知书 {no}".encode())
    return A.dispatch(ctx(session, calendar, "clerk", day), number, method=DeliveryMethod.post, dispatched_on=day,
                      tracking_no="EMS0002")


def consult(session, calendar, number: str, day: date) -> None:
    A.start_consultation(ctx(session, calendar, "clerk", day), number, kind=ConsultationKind.third_party,
                         party="某某房地产开发有限公司")


COORDINATED = ("区自然资源局", "区住房和城乡建设局")


def coordinate(session, calendar, number: str, day: date, *, due_date: date, departments=COORDINATED) -> None:
    """Several departments: the clerk refers the case to the coordinating leader, who names them and their deadline."""
    if application_by_number(session, number).status != Status.coordinating:
        A.refer_to_leader(ctx(session, calendar, "clerk", day), number, reason="涉及多个部门")
    A.assign_departments(ctx(session, calendar, "leader", day), number, departments=list(departments),
                         due_date=due_date)


JOINT_DEPARTMENTS = ["区自然资源局", "区住房和城乡建设局"]
JOINT_JUSTICE_BUREAU = "区司法局王科长"
JOINT_COUNSEL = "法律顾问陈律师"
JOINT_PARTICIPANTS = "相关部门：区自然资源局、区住房和城乡建设局；司法局：区司法局王科长；法律顾问：法律顾问陈律师"
JOINT_MINUTES = "该信息由区自然资源局制作并保存，不涉及国家秘密。\n其中涉及第三方的部分，应当书面征求第三方意见。"
JOINT_PROPOSED_REPLY = "予以公开；涉及第三方的部分征求意见后区分处理。"


def convene_joint(session, calendar, number: str, day: date, *, user: str = "leader") -> None:
    """会商 convened by the coordinating leader (or the office head), with the departments, 司法局 and counsel."""
    A.convene_joint_consultation(ctx(session, calendar, user, day), number, departments=JOINT_DEPARTMENTS,
                                 justice_bureau=JOINT_JUSTICE_BUREAU, legal_counsel=JOINT_COUNSEL)


def record_joint(session, calendar, number: str, day: date, *, held_on: date | None = None, user: str = "leader") -> None:
    """The 会商 recorded on `day`: held that day unless `held_on` says otherwise, with minutes and a proposed reply."""
    A.record_joint_consultation(ctx(session, calendar, user, day), number, held_on=held_on or day,
                                minutes=JOINT_MINUTES, proposed_reply=JOINT_PROPOSED_REPLY)
