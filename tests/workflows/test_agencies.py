"""Three agencies in one installation, each with its own 2026-000001: every path finds the case by agency + number."""

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import select

from models import actions as A
from models.enums import DeliveryMethod, Status
from models.errors import NotFound, ValidationFailed
from models.identity import CaseRef
from models.outbox import OutboxMessage
from models.queries import application_by_number, application_of
from models.registration import register
from models.tables import Document
from tests import factories as F
from workflows import engine as E

MON, WED = date(2026, 3, 2), date(2026, 3, 4)
AGENCIES = (("示范区人民政府", ""), ("乙区人民政府", "yi"), ("丙区人民政府", "bing"))


def user(prefix: str, name: str) -> str:
    return f"{prefix}_{name}" if prefix else name


@pytest.fixture
def three(session, calendar):
    """Each agency registers one case: all three are 2026-000001. Returns {prefix: CaseRef}."""
    for name, prefix in AGENCIES[1:]:
        F.seed_agency(session, name, prefix)
    cases = {}
    for name, prefix in AGENCIES:
        ctx = F.ctx(session, calendar, user(prefix, "clerk"), MON)
        app = register(ctx, replace(F.application_in(MON), agency=name,
                                    request_text=f"请公开{name}2025年财政预算执行情况报告")).application
        cases[prefix] = CaseRef.of(app)
    assert {c.number for c in cases.values()} == {"2026-000001"} and len({c.agency_id for c in cases.values()}) == 3
    return cases


def statuses(session, cases) -> dict[str, Status]:
    session.expire_all()
    return {prefix: Status(application_of(session, case).status) for prefix, case in cases.items()}


def happy_path(session, calendar, prefix: str, number: str):
    """The human steps of one case, each taken by a user of that agency, naming the case by its number only."""
    c = lambda name: F.ctx(session, calendar, user(prefix, name), WED)  # noqa: E731
    yield lambda: A.route(c("clerk"), number, department="区自然资源局")
    yield lambda: A.submit_opinion(c("dept_ziran"), number, opinion="该信息由我局制作，可以公开。")
    yield lambda: A.submit_for_review(c("clerk"), number, draft=F.approved_draft())
    yield lambda: A.approve_draft(c("counsel"), number)
    yield lambda: A.issue_reply(c("head"), number, render=lambda no, d: f"答复 {no}".encode())
    yield lambda: A.dispatch(c("clerk"), number, method=DeliveryMethod.post, dispatched_on=WED, tracking_no="EMS1")
    yield lambda: A.record_delivery(c("clerk"), number, delivered_on=WED, proof="邮件签收记录")


def test_a_number_alone_is_refused_when_agencies_share_it(session, three):
    with pytest.raises(ValidationFailed) as refused:
        application_by_number(session, "2026-000001")
    assert "多个机关" in refused.value.message_zh
    for case in three.values():
        assert application_of(session, case).agency_id == case.agency_id


def test_each_users_action_changes_only_their_own_agencys_case(session, calendar, three):
    """Interleaved, step by step: the acting user's agency decides which 2026-000001 moves."""
    walks = {prefix: happy_path(session, calendar, prefix, case.number) for prefix, case in three.items()}
    before = statuses(session, three)
    for _ in range(7):
        for prefix in three:
            next(walks[prefix])()
            after = statuses(session, three)
            assert after[prefix] != before[prefix]
            assert {p: s for p, s in after.items() if p != prefix} == {p: s for p, s in before.items() if p != prefix}
            before = after
    assert set(statuses(session, three).values()) == {Status.delivered}


def test_another_agencys_user_cannot_reach_a_case_by_its_number(session, calendar, three):
    """乙区's clerk routing 2026-000001 routes 乙区's case, never 示范区's; a number 乙区 lacks is not found."""
    F.register_case(session, calendar, MON)  # 示范区 now also has 2026-000002
    with pytest.raises(NotFound):
        A.route(F.ctx(session, calendar, "yi_clerk", WED), "2026-000002", department="区自然资源局")
    assert statuses(session, three) == {"": Status.registered, "yi": Status.registered, "bing": Status.registered}


def test_reconcile_finds_and_advances_every_agencys_case(app_db, session, calendar, three, tmp_path):
    """Crash recovery does not stop at the first colliding number: every agency's receipt is made, once."""
    assert sorted(E.cases_with_work(session), key=str) == sorted(three.values(), key=str)
    for case in E.cases_with_work(session):
        E.advance(case, now=F.at(MON, 11))
    assert E.cases_with_work(session) == []
    for case in three.values():
        app = application_of(session, case)
        kinds = session.exec(select(Document.kind).where(Document.application_id == app.id)).all()
        assert kinds == ["receipt"]
    keys = session.exec(select(OutboxMessage.key).where(OutboxMessage.kind == "receipt")).all()
    assert sorted(keys) == sorted(f"{case.key}:receipt" for case in three.values())


def test_each_agencys_case_is_archived_in_its_own_folder(app_db, session, calendar, three, tmp_path):
    for prefix, case in three.items():
        for step in happy_path(session, calendar, prefix, case.number):
            step()
    for case in three.values():
        E.advance(case, now=F.at(WED, 12))
    session.expire_all()
    locations = set()
    for case in three.values():
        assert application_of(session, case).status == Status.archived
        package = E.record_archive(session, case, now=F.at(WED, 13))
        assert Path(package.location).parts[-2:] == (str(case.agency_id), case.number)
        locations.add(package.location)
    assert len(locations) == 3


def test_the_system_acts_within_the_agency_it_is_given(session, calendar, three):
    """A workflow's system context (no user) names the case by number within the case's agency."""
    yi = three["yi"]
    ctx = replace(F.ctx(session, calendar, None, MON), agency_id=yi.agency_id)
    doc = A.add_document(ctx, yi.number, kind="receipt", content=b"%PDF-1.4 yi")
    assert doc.application_id == application_of(session, yi).id


@pytest.mark.parametrize("text, expected", [
    ("3/2026-000123", CaseRef(3, "2026-000123")),
    ("12/2027-000001", CaseRef(12, "2027-000001")),
], ids=["plain", "two-digit-agency"])
def test_a_case_key_reads_back_into_the_same_case(text, expected):
    assert CaseRef.parse(text) == expected and expected.key == text


@pytest.mark.parametrize("text", ["2026-000123", "x/2026-000123", "3/../../outside", "3/2026-12", "", "３/2026-000123"],
                         ids=["no-agency", "agency-not-a-number", "path-traversal", "short-number", "empty",
                              "full-width-digit"])
def test_a_malformed_case_key_is_refused_in_chinese(text):
    with pytest.raises(ValidationFailed) as refused:
        CaseRef.parse(text)
    assert "案件标识" in refused.value.message_zh
