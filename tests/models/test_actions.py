"""The domain actions: legal guards, pauses, restarts, roles, one transaction each, and the concurrent-clerks conflict."""

from datetime import date

import pytest
from sqlmodel import Session, func, select

from calendars import ExtensionRefused
from models import actions as A
from models.citation_check import CitationCheckFailed
from models.enums import ConsultationReply, DeliveryMethod, Status
from models.errors import ConcurrentUpdate, GuardFailed, RoleNotAllowed, ValidationFailed
from models.outcomes import Outcome
from models.queries import application_by_number, events_of
from models.tables import Counter, Document, Event
from tests.factories import advance, approved_draft, consult, ctx, register_case, send_fee_notice, terminate

RECEIVED = date(2026, 3, 2)  # Monday


def app(session, number):
    return application_by_number(session, number)


def test_supplement_restarts_the_reply_period_in_full_from_its_receipt(session, calendar):
    number = register_case(session, calendar, RECEIVED)
    A.request_supplement(ctx(session, calendar, "clerk", date(2026, 3, 4)), number, items="请补充信息名称或文号")
    done = A.receive_supplement(ctx(session, calendar, "clerk", date(2026, 3, 16)), number, received_on=date(2026, 3, 16))
    assert done.status == Status.registered
    assert done.due_date == calendar.add_working_days(date(2026, 3, 16), days=20)  # Art 30


def test_only_one_supplement_notice_is_allowed(session, calendar):
    number = register_case(session, calendar, RECEIVED)
    c = ctx(session, calendar, "clerk", date(2026, 3, 4))
    A.request_supplement(c, number, items="请补充")
    A.receive_supplement(c, number, received_on=date(2026, 3, 4))
    with pytest.raises(GuardFailed, match="second supplement") as err:
        A.request_supplement(c, number, items="再补充")
    assert "一次性" in err.value.message_zh


def test_a_late_supplement_notice_is_recorded_as_late(session, calendar):
    number = register_case(session, calendar, RECEIVED)
    done = A.request_supplement(ctx(session, calendar, "clerk", date(2026, 3, 20)), number, items="请补充")
    assert "已逾期" in done.message
    assert events_of(session, app(session, number))[-1].data["late"] is True


def test_deemed_abandoned_only_after_the_supplement_period_and_lands_in_row_6_1(session, calendar):
    number = register_case(session, calendar, RECEIVED)
    A.request_supplement(ctx(session, calendar, "clerk", date(2026, 3, 3)), number, items="请补充", period_days=5)
    with pytest.raises(GuardFailed):
        A.deem_abandoned(ctx(session, calendar, None, date(2026, 3, 10)), number)
    done = A.deem_abandoned(ctx(session, calendar, None, date(2026, 3, 11)), number)
    assert done.status == Status.deemed_abandoned and app(session, number).outcome is None  # the notice is still to go
    terminate(session, calendar, number, date(2026, 3, 12))
    case = app(session, number)
    assert (Outcome(case.outcome).table3_row, case.closed_on) == ("r6_1_no_supplement", date(2026, 3, 12))


def test_third_party_consultation_pauses_the_clock_and_resumes_drafting(session, calendar):
    number = register_case(session, calendar, RECEIVED)
    A.start_drafting(ctx(session, calendar, "clerk", RECEIVED), number)
    before = app(session, number).due_date
    consult(session, calendar, number, date(2026, 3, 5))
    done = A.record_consultation_reply(ctx(session, calendar, "clerk", date(2026, 3, 19)), number,
                                       reply=ConsultationReply.objects, replied_on=date(2026, 3, 19), reasons="涉及商业秘密")
    assert done.status == Status.drafting
    paused_working_days = calendar.working_days_between(date(2026, 3, 5), date(2026, 3, 19))
    assert done.due_date == calendar.add_working_days(before, days=paused_working_days)


def test_an_objection_without_reasons_is_refused(session, calendar):
    number = register_case(session, calendar, RECEIVED)
    A.start_drafting(ctx(session, calendar, "clerk", RECEIVED), number)
    consult(session, calendar, number, date(2026, 3, 5))
    with pytest.raises(ValidationFailed):
        A.record_consultation_reply(ctx(session, calendar, "clerk", date(2026, 3, 9)), number,
                                    reply=ConsultationReply.objects, replied_on=date(2026, 3, 9))


def test_extension_approved_by_the_office_head_in_time_adds_its_working_days(session, calendar):
    number = register_case(session, calendar, RECEIVED)
    A.request_extension(ctx(session, calendar, "clerk", date(2026, 3, 25)), number, days=20, reason="需调取档案")
    done = A.decide_extension(ctx(session, calendar, "head", date(2026, 3, 27)), number, approve=True)
    assert done.due_date == calendar.add_working_days(date(2026, 3, 30), days=20)


def test_extension_approved_one_day_late_is_refused(session, calendar):
    number = register_case(session, calendar, RECEIVED)
    A.request_extension(ctx(session, calendar, "clerk", date(2026, 3, 27)), number, days=10, reason="需调取档案")
    with pytest.raises(ExtensionRefused):
        A.decide_extension(ctx(session, calendar, "head", date(2026, 3, 31)), number, approve=True)
    assert app(session, number).due_date == date(2026, 3, 30)


@pytest.mark.parametrize("username", ["clerk", "supervisor", "leader"])
def test_only_the_head_of_the_disclosure_office_approves_extensions(session, calendar, username):
    number = register_case(session, calendar, RECEIVED)
    A.request_extension(ctx(session, calendar, "clerk", date(2026, 3, 10)), number, days=10, reason="需调取档案")
    with pytest.raises(RoleNotAllowed):
        A.decide_extension(ctx(session, calendar, username, date(2026, 3, 11)), number, approve=True)


def test_fee_notice_pauses_until_paid_and_unpaid_closes_in_row_6_2(session, calendar):
    number = register_case(session, calendar, RECEIVED)
    done = send_fee_notice(session, calendar, number, date(2026, 3, 3))
    assert done.status == Status.awaiting_fee and "1100 元" in done.message
    pay_due = calendar.add_working_days(date(2026, 3, 3), days=20)
    with pytest.raises(GuardFailed):
        A.close_fee_unpaid(ctx(session, calendar, None, pay_due), number)
    closed_on = calendar.add_working_days(pay_due, days=1)
    A.close_fee_unpaid(ctx(session, calendar, None, closed_on), number)
    terminate(session, calendar, number, closed_on)
    assert Outcome(app(session, number).outcome).table3_row == "r6_2_fee_unpaid"


def test_payment_resumes_the_state_the_fee_notice_paused(session, calendar):
    number = register_case(session, calendar, RECEIVED)
    send_fee_notice(session, calendar, number, date(2026, 3, 3), pages=40)
    done = A.record_payment(ctx(session, calendar, "clerk", date(2026, 3, 6)), number, paid_on=date(2026, 3, 6),
                            receipt_no="PJ0001")
    assert done.status == Status.registered


def test_a_department_that_returns_a_single_routing_sends_the_case_back_to_the_clerk(session, calendar):
    number = register_case(session, calendar, RECEIVED)
    A.route(ctx(session, calendar, "clerk", RECEIVED), number, department="区自然资源局")
    with pytest.raises(ValidationFailed):
        A.return_assignment(ctx(session, calendar, "dept_ziran", RECEIVED), number, reason=" ")
    done = A.return_assignment(ctx(session, calendar, "dept_ziran", RECEIVED), number, reason="不属于本局职责")
    assert done.status == Status.registered


def test_a_department_handler_cannot_answer_another_departments_case(session, calendar):
    number = register_case(session, calendar, RECEIVED)
    A.route(ctx(session, calendar, "clerk", RECEIVED), number, department="区自然资源局")
    with pytest.raises(Exception) as err:
        A.submit_opinion(ctx(session, calendar, "dept_zhujian", RECEIVED), number, opinion="我局意见")
    assert "没有待办的交办件" in err.value.message_zh


def test_several_departments_coordinated_by_the_leader_draft_when_all_have_answered(session, calendar):
    number = register_case(session, calendar, RECEIVED)
    A.refer_to_leader(ctx(session, calendar, "clerk", RECEIVED), number)
    A.assign_departments(ctx(session, calendar, "leader", RECEIVED), number,
                         departments=["区自然资源局", "区住房和城乡建设局"], due_date=date(2026, 3, 12))
    first = A.submit_opinion(ctx(session, calendar, "dept_ziran", date(2026, 3, 5)), number, opinion="可以公开")
    assert first.status == Status.coordinating
    done = A.submit_opinion(ctx(session, calendar, "dept_zhujian", date(2026, 3, 6)), number, opinion="可以公开")
    assert done.status == Status.drafting


def test_the_citation_check_blocks_a_draft_before_legal_review(session, calendar):
    number = register_case(session, calendar, RECEIVED)
    advance(session, calendar, number, Status.drafting)
    with pytest.raises(CitationCheckFailed) as err:
        A.submit_for_review(ctx(session, calendar, "clerk", RECEIVED), number, draft=A.DraftIn(outcome=Outcome.process_info))
    assert err.value.findings and app(session, number).status == Status.drafting


def test_counsel_returns_twice_and_every_draft_version_is_kept(session, calendar):
    number = register_case(session, calendar, RECEIVED)
    advance(session, calendar, number, Status.legal_review)
    for comment in ("请补充获取方式", "请核对文号"):
        A.return_draft(ctx(session, calendar, "counsel", RECEIVED), number, comments=comment)
        A.submit_for_review(ctx(session, calendar, "clerk", RECEIVED), number, draft=approved_draft())
    done = A.approve_draft(ctx(session, calendar, "counsel", RECEIVED), number)
    assert done.status == Status.approved
    assert A.latest_decision(session, app(session, number)).version == 3


def test_litigation_prone_cases_need_the_governments_legal_counsel(session, calendar):
    number = register_case(session, calendar, RECEIVED, request_text="请公开某村征地补偿安置方案")
    advance(session, calendar, number, Status.legal_review)
    with pytest.raises(RoleNotAllowed):
        A.approve_draft(ctx(session, calendar, "counsel", RECEIVED), number)
    assert A.approve_draft(ctx(session, calendar, "gov_counsel", RECEIVED), number).status == Status.approved


def test_a_failed_rendering_loses_no_document_number(session, calendar):
    number = register_case(session, calendar, RECEIVED)
    advance(session, calendar, number, Status.approved)

    def broken(doc_number, decision):
        raise OSError("printer on fire")

    with pytest.raises(OSError):
        A.issue_reply(ctx(session, calendar, "head", RECEIVED), number, render=broken)
    done = A.issue_reply(ctx(session, calendar, "head", RECEIVED), number, render=lambda n, d: n.encode())
    assert "示政公开〔2026〕1号" in done.message
    assert session.exec(select(Counter.value).where(Counter.name == "reply_doc")).one() == 1


def test_dispatch_after_the_due_date_is_recorded_as_late(session, calendar):
    number = register_case(session, calendar, RECEIVED)
    advance(session, calendar, number, Status.issued)
    done = A.dispatch(ctx(session, calendar, "clerk", date(2026, 4, 1)), number, method=DeliveryMethod.post,
                      dispatched_on=date(2026, 3, 31), tracking_no="EMS1")
    assert "已超过答复期限" in done.message
    assert events_of(session, app(session, number))[-1].data["on_time"] is False


def test_electronic_delivery_needs_the_applicants_consent(session, calendar):
    number = register_case(session, calendar, RECEIVED)
    advance(session, calendar, number, Status.issued)
    with pytest.raises(GuardFailed):
        A.dispatch(ctx(session, calendar, "clerk", RECEIVED), number, method=DeliveryMethod.email,
                   dispatched_on=RECEIVED)


def test_generating_the_same_document_twice_keeps_one(session, calendar):
    number = register_case(session, calendar, RECEIVED)
    c = ctx(session, calendar, "clerk", RECEIVED)
    first = A.add_document(c, number, kind="receipt", content=b"%PDF receipt")
    again = A.add_document(c, number, kind="receipt", content=b"%PDF receipt")
    assert first.id == again.id
    assert session.exec(select(func.count()).select_from(Document)).one() == 1


def test_two_clerks_acting_at_once_one_wins_and_the_other_gets_a_conflict(engine, calendar):
    with Session(engine, expire_on_commit=False) as setup:
        number = register_case(setup, calendar, RECEIVED)
    with Session(engine, expire_on_commit=False) as first, Session(engine, expire_on_commit=False) as second:
        c1, c2 = ctx(first, calendar, "clerk", RECEIVED), ctx(second, calendar, "clerk", RECEIVED)
        a1, a2 = app(first, number), app(second, number)  # both read the same version
        assert a1.version == a2.version
        A.route(c1, number, department="区自然资源局")
        with pytest.raises(ConcurrentUpdate) as err:
            A.start_drafting(c2, number)
        assert "刚被他人修改" in err.value.message_zh
    with Session(engine) as check:
        case = app(check, number)
        actions = [e.action for e in check.exec(select(Event).where(Event.application_id == case.id))]
    assert case.status == Status.routed and actions == ["register", "route"]


def test_archived_cases_accept_no_more_documents_but_still_record_challenges(session, calendar):
    from models.outcomes import ChallengeKind

    number = register_case(session, calendar, RECEIVED)
    advance(session, calendar, number, Status.archived)
    with pytest.raises(Exception) as err:
        A.add_document(ctx(session, calendar, "clerk", RECEIVED), number, kind="receipt", content=b"x")
    assert "已归档" in err.value.message_zh
    challenge = A.record_challenge(ctx(session, calendar, "clerk", date(2026, 4, 1)), number,
                                   kind=ChallengeKind.reconsideration, filed_on=date(2026, 4, 1))
    assert challenge.id and app(session, number).status == Status.archived


def test_the_leader_closes_a_coordination_once_the_remaining_departments_have_answered(session, calendar):
    number = register_case(session, calendar, RECEIVED)
    A.refer_to_leader(ctx(session, calendar, "clerk", RECEIVED), number)
    A.assign_departments(ctx(session, calendar, "leader", RECEIVED), number,
                         departments=["区自然资源局", "区住房和城乡建设局"], due_date=date(2026, 3, 12))
    with pytest.raises(GuardFailed):  # nobody has answered yet
        A.complete_coordination(ctx(session, calendar, "leader", RECEIVED), number)
    A.submit_opinion(ctx(session, calendar, "dept_ziran", RECEIVED), number, opinion="可以公开")
    A.return_assignment(ctx(session, calendar, "dept_zhujian", RECEIVED), number, reason="不属于本局职责")
    assert app(session, number).status == Status.coordinating  # the leader decides: reassign, or close
    done = A.complete_coordination(ctx(session, calendar, "leader", RECEIVED), number)
    assert done.status == Status.drafting


def test_a_provisional_due_date_is_recomputed_when_next_years_calendar_arrives(session, calendar, tmp_path):
    import shutil
    from pathlib import Path

    import calendars
    from calendars import load_calendar
    from models.deadlines import recompute_stale

    received = date(2026, 12, 15)
    number = register_case(session, calendar, received)
    assert app(session, number).due_provisional
    data = tmp_path / "data"
    shutil.copytree(Path(calendars.__file__).parent / "data", data)
    festivals = ["元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节"]
    rows = "".join(f"  - {{date: 2027-0{i + 1}-0{i + 1}, name: {name}}}\n" for i, name in enumerate(festivals))
    (data / "cn" / "2027.yaml").write_text(
        "year: 2027\njurisdiction: cn\nsource: {title: 测试通知, number: null}\n"
        f"holidays:\n{rows}working_days:\n  - {{date: 2027-01-09, name: 元旦调休上班}}\n", encoding="utf-8")
    confirmed = load_calendar(data_dir=data)

    assert recompute_stale(session, calendar=confirmed, today=received) == 1
    case = app(session, number)
    assert not case.due_provisional and case.calendar_fingerprint == confirmed.fingerprint
    assert case.due_date == confirmed.add_working_days(received, days=20)
    assert recompute_stale(session, calendar=confirmed, today=received) == 0
