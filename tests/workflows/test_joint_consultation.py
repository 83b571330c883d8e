"""The 会商纪要: planned once the 会商 is recorded, rendered from its row and stored once, by the flow and inline."""

import subprocess
from datetime import date

import pytest
from sqlmodel import select

from models import actions as A
from models.enums import Status
from models.queries import application_by_number
from models.tables import Document, JointConsultation
from notices.render import DocumentKind
from tests import factories as F
from tests.workflows.desk import Desk
from workflows import engine as E
from workflows.flows import advance_case

MON, TUE, WED = date(2026, 3, 2), date(2026, 3, 3), date(2026, 3, 4)


def joint_steps(session, number) -> list[E.DocStep]:
    return [step for step in E.plan(session, F.case(session, number)).documents if step.kind is DocumentKind.joint_consultation]


def documents(session, number, kind=DocumentKind.joint_consultation) -> list[Document]:
    session.expire_all()
    app = application_by_number(session, number)
    return list(session.exec(select(Document).where(Document.application_id == app.id, Document.kind == kind.value)))


def pdf_text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "minutes.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-raw", str(path), "-"], check=True, capture_output=True, text=True).stdout


def test_plan_lists_the_minutes_only_once_the_meeting_is_recorded(session, calendar):
    number = F.register_case(session, calendar, MON)
    F.convene_joint(session, calendar, number, MON)
    assert joint_steps(session, number) == []  # convened, not yet held: nothing to write down
    F.record_joint(session, calendar, number, WED, held_on=TUE)
    meeting = session.exec(select(JointConsultation)).one()
    assert joint_steps(session, number) == [E.DocStep(DocumentKind.joint_consultation, meeting.id)]


@pytest.fixture
def desk(prefect_harness, app_db, calendar):
    return Desk(app_db, calendar, advance_case)


def test_recorded_meeting_gets_its_minutes_through_the_flow_once(desk, tmp_path):
    number = desk.register(MON)
    desk.act("leader", A.convene_joint_consultation, number, MON, departments=F.JOINT_DEPARTMENTS,
             justice_bureau=F.JOINT_JUSTICE_BUREAU, legal_counsel=F.JOINT_COUNSEL)
    with desk.session() as s:
        assert documents(s, number) == []  # the run after convening writes no minutes
    desk.act("head", A.record_joint_consultation, number, WED, held_on=TUE, minutes=F.JOINT_MINUTES,
             proposed_reply=F.JOINT_PROPOSED_REPLY)
    assert desk.status(number) == Status.drafting
    with desk.session() as s:
        [doc] = documents(s, number)
    assert doc.content_type == "application/pdf" and doc.content.startswith(b"%PDF") and doc.version == 1
    text = pdf_text(doc.content, tmp_path)
    assert "政府信息公开申请会商纪要" in text and "刘副区长（分管领导）" in text and "2026年3月3日" in text
    assert "区司法局王科长" in text and "法律顾问陈律师" in text  # who the seeds require in a 会商

    # A run more adds nothing: no second document, no new event.
    before = len(desk.events(number))
    desk.advance(number, "check", WED)
    with desk.session() as s:
        assert [d.id for d in documents(s, number)] == [doc.id]
    assert len(desk.events(number)) == before


def test_inline_engine_writes_the_minutes_and_nothing_for_an_unrecorded_meeting(app_db, session, calendar):
    recorded = F.register_case(session, calendar, MON)
    unrecorded = F.register_case(session, calendar, MON, request_text="请公开本区2025年征地补偿方案")
    for number in (recorded, unrecorded):
        F.convene_joint(session, calendar, number, MON)
    F.record_joint(session, calendar, recorded, WED, held_on=TUE)
    for _ in range(2):  # idempotent: the second pass finds nothing to do
        for number in (recorded, unrecorded):
            E.advance(F.case(session, number), now=F.at(WED, 11))

    assert len(documents(session, recorded)) == 1
    assert documents(session, unrecorded) == [] and len(documents(session, unrecorded, DocumentKind.receipt)) == 1
    assert not E.has_work(session, F.case(session, recorded)) and not E.has_work(session, F.case(session, unrecorded))
