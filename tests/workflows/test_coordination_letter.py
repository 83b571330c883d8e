"""The 协调函: planned once the coordinating leader names the departments, rendered from his assignment, stored once."""

import subprocess
from datetime import date

import pytest
from sqlmodel import select

from models import actions as A
from models.admin import add_user
from models.demo import DEMO_AGENCY
from models.enums import Role, Status
from models.queries import application_by_number
from models.tables import Document, Event
from notices.render import DocumentKind
from tests import factories as F
from tests.workflows.desk import Desk
from workflows import engine as E
from workflows.flows import advance_case

MON, TUE, WED = date(2026, 3, 2), date(2026, 3, 3), date(2026, 3, 4)
DUE = date(2026, 3, 9)  # the leader's deadline for the departments' written opinions


def coordination_steps(session, number) -> list[E.DocStep]:
    return [step for step in E.plan(session, F.case(session, number)).documents if step.kind is DocumentKind.coordination]


def leader_assignments(session, number) -> list[int]:
    app = application_by_number(session, number)
    return list(session.exec(select(Event.id).where(Event.application_id == app.id,
                                                    Event.action == "assign_departments").order_by(Event.id)))


def documents(session, number, kind=DocumentKind.coordination) -> list[Document]:
    session.expire_all()
    app = application_by_number(session, number)
    return list(session.exec(select(Document).where(Document.application_id == app.id, Document.kind == kind.value)
                             .order_by(Document.id)))


def pdf_text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "coordination.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-raw", str(path), "-"], check=True, capture_output=True, text=True).stdout


def test_plan_lists_a_letter_once_the_leader_names_the_departments(session, calendar):
    number = F.register_case(session, calendar, MON)
    A.refer_to_leader(F.ctx(session, calendar, "clerk", MON), number, reason="涉及多个部门")
    assert coordination_steps(session, number) == []  # referred, not yet coordinated: nobody to write to
    F.coordinate(session, calendar, number, MON, due_date=DUE)
    [assigned] = leader_assignments(session, number)
    assert coordination_steps(session, number) == [E.DocStep(DocumentKind.coordination, assigned)]


def test_a_case_routed_by_the_clerk_gets_no_letter(session, calendar):
    number = F.register_case(session, calendar, MON)
    F.advance(session, calendar, number, Status.routed)
    assert coordination_steps(session, number) == []
    assert [s.kind for s in E.plan(session, F.case(session, number)).documents] == [DocumentKind.receipt, DocumentKind.routing]


def test_the_leader_naming_another_department_after_a_send_back_writes_to_it(session, calendar):
    number = F.register_case(session, calendar, MON)
    F.coordinate(session, calendar, number, MON, due_date=DUE)
    A.return_assignment(F.ctx(session, calendar, "dept_zhujian", TUE), number, reason="不属于本局职责")
    add_user(session, username="letter_eco_handler", full_name="钱承办", role=Role.department_handler,
             agency=DEMO_AGENCY, department="区生态环境局")  # a case goes only where a handler can take it
    F.coordinate(session, calendar, number, TUE, due_date=DUE, departments=("区生态环境局",))
    assert [s.row_id for s in coordination_steps(session, number)] == leader_assignments(session, number)
    assert len(leader_assignments(session, number)) == 2


@pytest.fixture
def desk(prefect_harness, app_db, calendar):
    return Desk(app_db, calendar, advance_case)


def test_the_flow_stores_the_letter_once_with_the_departments_and_the_leaders_deadline(desk, tmp_path):
    number = desk.register(MON)
    desk.act("clerk", A.refer_to_leader, number, MON, reason="涉及多个部门")
    with desk.session() as s:
        assert documents(s, number) == []  # the run after the referral writes no letter
    desk.act("leader", A.assign_departments, number, TUE, departments=list(F.COORDINATED), due_date=DUE)
    assert desk.status(number) == Status.coordinating
    with desk.session() as s:
        [doc] = documents(s, number)
    assert doc.content_type == "application/pdf" and doc.content.startswith(b"%PDF") and doc.version == 1
    text = pdf_text(doc.content, tmp_path)
    assert "政府信息公开申请协调函" in text and "区自然资源局、区住房和城乡建设局：" in text
    assert "2026年3月9日前提出书面意见" in text and "2026年3月3日" in text  # the leader's deadline; dated that day
    assert "示政公开协调〔2026〕" in text

    # A run more adds nothing: no second document, no new event.
    before = len(desk.events(number))
    desk.advance(number, "check", WED)
    with desk.session() as s:
        assert [d.id for d in documents(s, number)] == [doc.id]
    assert len(desk.events(number)) == before


def test_inline_engine_writes_one_letter_per_leader_assignment_and_none_when_routed(app_db, session, calendar):
    coordinated = F.register_case(session, calendar, MON)
    routed = F.register_case(session, calendar, MON, request_text="请公开本区2025年征地补偿方案")
    F.coordinate(session, calendar, coordinated, MON, due_date=DUE)
    F.advance(session, calendar, routed, Status.routed, MON)
    for _ in range(2):  # idempotent: the second pass finds nothing to do
        for number in (coordinated, routed):
            E.advance(F.case(session, number), now=F.at(MON, 11))

    assert len(documents(session, coordinated)) == 1
    assert len(documents(session, coordinated, DocumentKind.routing)) == 2  # each department keeps its routing slip
    assert documents(session, routed) == []
    assert not E.has_work(session, F.case(session, coordinated)) and not E.has_work(session, F.case(session, routed))
