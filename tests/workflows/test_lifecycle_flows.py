"""Each request's journey through advance_case under Prefect's test harness: the happy path and every branch."""

import asyncio
import json
from datetime import date

import pytest
from sqlmodel import select

from models import actions as A
from models.archive import ArchivePackage, package_path, verify_package
from models.enums import ConsultationKind, ConsultationReply, DeliveryMethod, Status
from models.fees import FeeMethod
from models.outbox import OutboxMessage
from models.queries import application_by_number
from models.settings import Settings
from models.tables import Decision, Document
from notices.from_case import reply_renderer
from tests import factories as F
from tests.workflows.desk import Desk
from workflows.flows import advance_case, morning_sweep

MON = date(2026, 3, 2)
WED = date(2026, 3, 4)
DEPT = "区自然资源局"


@pytest.fixture
def desk(prefect_harness, app_db, calendar):
    return Desk(app_db, calendar, advance_case)


def kinds(desk, number) -> list[str]:
    with desk.session() as s:
        app = application_by_number(s, number)
        return [d.kind for d in s.exec(select(Document).where(Document.application_id == app.id).order_by(Document.id))]


def issue(desk, number, day):
    """签发 with the real reply notice (notices.from_case), then its run."""
    with desk.session() as s:
        app = application_by_number(s, number)
        A.issue_reply(F.ctx(s, desk.calendar, "head", day), number, render=reply_renderer(s, app, on=day))
    desk.advance(number, "issue_reply", day)


def to_drafting(desk, day=MON) -> str:
    number = desk.register(day)
    desk.act("clerk", A.route, number, day, department=DEPT)
    desk.act("dept_ziran", A.submit_opinion, number, day, opinion="该信息由我局制作，可以公开。")
    return number


def review_and_close(desk, number, day, *, approver="counsel"):
    desk.act("clerk", A.submit_for_review, number, day, draft=F.approved_draft())
    desk.act(approver, A.approve_draft, number, day)
    issue(desk, number, day)
    desk.act("clerk", A.dispatch, number, day, method=DeliveryMethod.post, dispatched_on=day, tracking_no="EMS1")
    desk.act("clerk", A.record_delivery, number, day, delivered_on=day, proof="邮件签收记录")


def render_text_of(pdf: bytes) -> str:
    """The text of a stored PDF, as a reader copies it (poppler's pdftotext)."""
    import subprocess

    return subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()


def test_happy_path_registration_to_archive_in_at_most_eight_runs(desk):
    number = desk.register(MON)
    desk.act("clerk", A.route, number, MON, department=DEPT)
    desk.act("dept_ziran", A.accept_assignment, number, MON)  # 签收: nothing automatic is due, no run
    desk.act("dept_ziran", A.submit_opinion, number, WED, opinion="该信息由我局制作，可以公开。")
    review_and_close(desk, number, WED)

    assert desk.status(number) == Status.archived
    assert len(desk.runs[number]) <= 8, desk.runs[number]
    assert kinds(desk, number) == ["receipt", "routing", "reply", "delivery"]  # the 送达回证 goes with the posted reply
    with desk.session() as s:
        app = application_by_number(s, number)
        package = s.exec(select(ArchivePackage).where(ArchivePackage.application_id == app.id)).one()
        reply = s.exec(select(Document).where(Document.kind == "reply")).one()
        proof = s.exec(select(Document).where(Document.kind == "delivery")).one()
    assert reply.content.startswith(b"%PDF") and reply.doc_number.startswith("示政公开〔2026〕")
    proof_text = render_text_of(proof.content)
    assert "送达回证" in proof_text and reply.doc_number in proof_text and "邮寄" in proof_text
    var_dir = Settings.load().var_dir
    assert package.location == f"archive/{desk.case(number).agency_id}/{number}"  # relative to the var dir
    assert verify_package(package.location, package.manifest_sha256, var_dir=var_dir) == []
    assert package.retain_until == date(2056, 3, 4)  # the demo agency keeps 30 years
    manifest = json.loads((package_path(var_dir, package.location) / "manifest.json").read_text())
    assert {"application.json", "decisions.json", "handling.json", "events.json"} <= set(manifest["files"])

    # A run more changes nothing: the case is archived, its package recorded.
    before = len(desk.events(number))
    desk.advance(number, "check", WED)
    assert len(desk.events(number)) == before

    # The runs are found by their case (agency and number) in Prefect.
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterTags

    async def names():
        async with get_client() as client:
            case_tag = f"case:{desk.case(number).key}"
            runs = await client.read_flow_runs(flow_run_filter=FlowRunFilter(tags=FlowRunFilterTags(all_=[case_tag])))
            return sorted(r.name for r in runs)

    found = asyncio.run(names())
    assert f"{number} · 交办承办单位" in found and f"{number} · 登记送达" in found


def test_tampered_archive_fails_verification(desk):
    number = to_drafting(desk)
    review_and_close(desk, number, WED)
    with desk.session() as s:
        package = s.exec(select(ArchivePackage)).one()
    var_dir = Settings.load().var_dir
    (package_path(var_dir, package.location) / "events.json").write_text("[]")
    assert verify_package(package.location, package.manifest_sha256, var_dir=var_dir) == [
        "文件 events.json 的 SHA-256 不一致（文件被修改）"]


def test_supplement_restarts_the_clock(desk):
    number = desk.register(MON)
    desk.act("clerk", A.request_supplement, number, MON, items="请写明所需信息的文号")
    assert kinds(desk, number) == ["receipt", "supplement"]
    with desk.session() as s:
        assert application_by_number(s, number).due_date is None  # Art 30: no reply period while waiting
    desk.act("clerk", A.receive_supplement, number, date(2026, 3, 10), received_on=date(2026, 3, 10))
    with desk.session() as s:
        app = application_by_number(s, number)
        clerk_told = s.exec(select(OutboxMessage).where(OutboxMessage.kind == "registered")).all()
    assert app.status == Status.registered and app.due_date == date(2026, 4, 8)  # 20 WD from 03-10, over 清明
    assert [m.recipient for m in clerk_told] == ["clerk"]


def terminate(desk, number, day, outcome):
    """The 终止处理告知书 goes the way of every reply: drafted, reviewed by counsel, signed by the head, served."""
    desk.act("clerk", A.submit_for_review, number, day, draft=A.DraftIn(outcome=outcome))
    desk.act("counsel", A.approve_draft, number, day)
    issue(desk, number, day)
    desk.act("clerk", A.dispatch, number, day, method=DeliveryMethod.post, dispatched_on=day, tracking_no="EMS2")
    desk.act("clerk", A.record_delivery, number, day, delivered_on=day, proof="邮件签收记录")


def test_supplement_never_received_is_deemed_abandoned_by_the_sweep(desk):
    from models.outcomes import Outcome

    number = desk.register(MON)
    desk.act("clerk", A.request_supplement, number, MON, items="请写明所需信息的文号", period_days=5)
    morning_sweep(today=date(2026, 3, 10))  # the period ends on 2026-03-09
    assert desk.status(number) == Status.deemed_abandoned
    assert kinds(desk, number) == ["receipt", "supplement"]  # no termination leaves without counsel's sign-off
    with desk.session() as s:
        told = [m.recipient for m in s.exec(select(OutboxMessage).where(OutboxMessage.kind == "deemed_abandoned"))]
    assert told == ["clerk"]
    terminate(desk, number, date(2026, 3, 11), Outcome.deemed_abandoned)
    assert desk.status(number) == Status.archived
    assert kinds(desk, number) == ["receipt", "supplement", "termination", "delivery"]
    with desk.session() as s:
        app = application_by_number(s, number)
        notice = s.exec(select(Document).where(Document.kind == "termination")).one()
    assert app.closed_on == date(2026, 3, 11) and notice.doc_number.startswith("示政公开〔2026〕")


def test_third_party_consultation_pauses_the_clock(desk):
    number = to_drafting(desk)
    with desk.session() as s:
        before = application_by_number(s, number).due_date
    desk.act("clerk", A.start_consultation, number, MON, kind=ConsultationKind.third_party, party="某某房地产开发有限公司")
    assert desk.status(number) == Status.consulting
    assert kinds(desk, number) == ["receipt", "routing", "consultation_third_party", "consultation_notice"]
    back = date(2026, 3, 13)
    desk.act("clerk", A.record_consultation_reply, number, back, reply=ConsultationReply.agrees, replied_on=back)
    with desk.session() as s:
        app = application_by_number(s, number)
    assert app.status == Status.drafting and app.due_date > before  # 9 working days not counted


def test_extension_sends_the_extension_notice(desk):
    number = to_drafting(desk)
    desk.act("clerk", A.request_extension, number, WED, days=10, reason="需要调取档案")
    with desk.session() as s:
        asked = [m.recipient for m in s.exec(select(OutboxMessage).where(OutboxMessage.kind == "extension_request"))]
    assert asked == ["head"]
    desk.act("head", A.decide_extension, number, WED, approve=True)
    assert kinds(desk, number)[-1] == "extension"


def test_fee_unpaid_is_closed_and_archived(desk):
    from models.outcomes import Outcome

    number = desk.register(MON)
    desk.act("clerk", A.issue_fee_notice, number, MON, method=FeeMethod.per_page, pages=300,
             justification="申请数量明显超过合理范围")
    assert desk.status(number) == Status.fee_review and "fee" not in kinds(desk, number)  # counsel first
    desk.act("counsel", A.approve_fee_notice, number, MON)
    assert kinds(desk, number)[-1] == "fee"
    morning_sweep(today=date(2026, 4, 30))
    assert desk.status(number) == Status.fee_unpaid
    terminate(desk, number, date(2026, 4, 30), Outcome.fee_unpaid)
    assert desk.status(number) == Status.archived
    assert kinds(desk, number)[-2:] == ["termination", "delivery"]  # the notice and its 送达回证


def test_counsel_returns_the_draft_twice_and_every_version_is_kept(desk):
    number = to_drafting(desk)
    for round_ in (1, 2):
        desk.act("clerk", A.submit_for_review, number, WED, draft=F.approved_draft())
        desk.act("counsel", A.return_draft, number, WED, comments=f"第{round_}次：请补充法律依据")
    review_and_close(desk, number, WED)
    with desk.session() as s:
        versions = [d.version for d in s.exec(select(Decision).order_by(Decision.version))]
        package = s.exec(select(ArchivePackage)).one()
        revise = s.exec(select(OutboxMessage).where(OutboxMessage.kind == "returned_for_revision")).all()
    assert versions == [1, 2, 3] and len(revise) == 2
    archived = json.loads((package_path(Settings.load().var_dir, package.location) / "decisions.json").read_text())
    assert [d["version"] for d in archived["decisions"]] == [1, 2, 3] and len(archived["reviews"]) == 3


def test_several_departments_one_returns(desk):
    number = desk.register(MON)
    desk.act("clerk", A.refer_to_leader, number, MON, reason="涉及多个部门")
    desk.act("leader", A.assign_departments, number, MON, departments=[DEPT, "区住房和城乡建设局"],
             due_date=date(2026, 3, 9))
    assert kinds(desk, number) == ["receipt", "routing", "routing", "coordination"]
    desk.act("dept_zhujian", A.return_assignment, number, WED, reason="不属于本局职责")
    desk.act("dept_ziran", A.submit_opinion, number, WED, opinion="由我局答复。")
    assert desk.status(number) == Status.drafting
    review_and_close(desk, number, WED)
    assert desk.status(number) == Status.archived
