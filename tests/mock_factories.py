"""Factories for mock applications (模拟暗访): a drafted test, sent, answered by the department and signed."""

from datetime import date

from models import actions as A
from models import mock_audits as M
from models.enums import ApplicantIdType
from models.outcomes import ApplicantKind, Outcome
from models.portal import confirm_receipt
from models.queries import application_by_number
from models.registration import ApplicantIn
from tests.factories import ctx

MOCK_ID = "110105198001010032"  # a valid resident ID that no other factory uses


def mock_in(**overrides) -> M.MockIn:
    values = dict(round_name="2026年第一轮", department="区自然资源局",
                  request_text="请公开本区2025年国有建设用地供应计划",
                  expected_outcome=Outcome.disclosed, points=["供应计划", "获取方式"],
                  applicant=ApplicantIn(kind=ApplicantKind.natural_person, name="李明",
                                        id_type=ApplicantIdType.resident_id, id_number=MOCK_ID, phone="13900139000"))
    values.update(overrides)
    return M.MockIn(**values)


def sent_mock(session, calendar, day: date = date(2026, 3, 2), **overrides) -> tuple[int, str]:
    """Drafted and sent by the supervisor on `day`: (mock id, case number)."""
    mock = M.draft_mock(ctx(session, calendar, "supervisor", day), mock_in(**overrides))
    registered = M.send_mock(ctx(session, calendar, "supervisor", day), mock.id)
    return mock.id, registered.application.number


def answer(session, calendar, number: str, *, day: date, answered: date | None = None,
           draft: A.DraftIn | None = None, opinion: str = "该信息由我局制作，可以公开。") -> None:
    """The office confirms receipt of the online application and routes it, the department answers (on `answered`),
    the reply is drafted, reviewed, signed."""
    confirm_receipt(ctx(session, calendar, "clerk", day), number)
    A.route(ctx(session, calendar, "clerk", day), number, department="区自然资源局")
    A.submit_opinion(ctx(session, calendar, "dept_ziran", answered or day), number, opinion=opinion)
    signed = answered or day
    A.submit_for_review(ctx(session, calendar, "clerk", signed), number,
                        draft=draft or A.DraftIn(outcome=Outcome.disclosed, body="供应计划见附件，获取方式为电子邮件。"))
    A.approve_draft(ctx(session, calendar, "gov_counsel", signed), number)
    A.issue_reply(ctx(session, calendar, "head", signed), number, render=lambda no, d: f"答复 {no}".encode())


def case_id(session, number: str) -> int:
    return application_by_number(session, number).id
