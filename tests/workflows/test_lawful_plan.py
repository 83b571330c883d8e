"""Issue 12: what the flow sends on its own — nothing counsel has not signed off, the Art 35 notices when due."""

from datetime import date

from models import actions as A
from models.fees import FeeMethod
from models.queries import application_by_number
from notices.render import DocumentKind, render_text
from tests import factories as F
from workflows import engine as E

MON = date(2026, 3, 2)


def planned(session, number) -> list[DocumentKind]:
    return [step.kind for step in E.plan(session, F.case(session, number)).documents]


def told(session, number) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for notice in E.plan(session, F.case(session, number)).notices:
        found.setdefault(notice.kind, []).append(notice.recipient)
    return found


def test_a_fee_notice_is_planned_only_once_counsel_has_signed_it_off(session, calendar):
    number = F.register_case(session, calendar, MON)
    A.issue_fee_notice(F.ctx(session, calendar, "clerk", MON), number, method=FeeMethod.per_page, pages=120,
                       justification="申请数量明显超过合理范围")
    assert DocumentKind.fee not in planned(session, number) and "fee" not in told(session, number)
    assert told(session, number)["fee_review"] == ["counsel", "gov_counsel"]  # the review is counsel's gate
    A.approve_fee_notice(F.ctx(session, calendar, "counsel", MON), number)
    assert DocumentKind.fee in planned(session, number) and "fee" in told(session, number)


def test_a_litigation_prone_fee_notice_is_put_to_the_governments_counsel_only(session, calendar):
    number = F.register_case(session, calendar, MON, request_text="请公开某村征地补偿安置方案")
    A.issue_fee_notice(F.ctx(session, calendar, "clerk", MON), number, method=FeeMethod.per_page, pages=120,
                       justification="申请数量明显超过合理范围")
    assert told(session, number)["fee_review"] == ["gov_counsel"]


def test_no_termination_notice_is_generated_by_the_flow_the_clerk_is_asked_to_draft_it(session, calendar):
    number = F.register_case(session, calendar, MON)
    A.request_supplement(F.ctx(session, calendar, "clerk", MON), number, items="请补充", period_days=5)
    A.deem_abandoned(F.ctx(session, calendar, None, date(2026, 3, 10)), number)
    plan = E.plan(session, F.case(session, number))
    assert DocumentKind.termination not in planned(session, number) and not plan.archive
    assert told(session, number)["deemed_abandoned"] == ["clerk"]


def test_the_reason_request_and_a_deferral_are_sent_to_the_applicant(session, calendar):
    number = F.register_case(session, calendar, MON)
    A.request_reasons(F.ctx(session, calendar, "clerk", MON), number)
    assert DocumentKind.reason_request in planned(session, number) and "reason_request" in told(session, number)
    assert DocumentKind.deferral not in planned(session, number)
    A.record_reasons(F.ctx(session, calendar, "clerk", MON), number, answered_on=MON, reasons="研究需要")
    A.defer_reply(F.ctx(session, calendar, "head", MON), number, due_date=date(2026, 5, 29), reason="档案量大")
    assert DocumentKind.deferral in planned(session, number) and "deferral" in told(session, number)
    for step in E.missing_documents(session, E.plan(session, F.case(session, number))):  # each renders from its row
        kind, ctx = E._context(session, application_by_number(session, number), step)
        assert render_text(kind, ctx).startswith(kind.title)


def test_a_case_deemed_abandoned_gets_no_deadline_reminders_or_overdue_escalation(session, calendar):
    from workflows.sweep import deadline_notices

    number = F.register_case(session, calendar, MON)
    A.request_supplement(F.ctx(session, calendar, "clerk", MON), number, items="请补充", period_days=5)
    A.deem_abandoned(F.ctx(session, calendar, None, date(2026, 3, 10)), number)
    assert application_by_number(session, number).due_date is None
    for today in (date(2026, 3, 27), date(2026, 3, 30), date(2026, 4, 15)):  # around and after the old due date
        assert [n for a, n in deadline_notices(session, today=today, calendar=calendar) if a.number == number] == []
