"""Issue 12: every decision lawful for its case, and the process the seeds' offices follow.

Each test names the rule it proves; each would fail on the code before these guards (the engine let a clerk
refuse a repeat whose earlier application was never answered, issue a reply himself, and so on).
"""

from datetime import date

import pytest
from sqlmodel import select

from calendars import reply_clock
from models import actions as A
from models import guards
from models.deadlines import case_dates
from models.enums import DecisionStatus, DeliveryMethod, FeeStatus, Status
from models.errors import GuardFailed, RoleNotAllowed, TransitionNotAllowed, ValidationFailed
from models.fees import FeeMethod
from models.guards import CaseFacts, DecisionIn, EarlierApplication, FeeFacts, ReasonFacts, SupplementFacts
from models.outcomes import Outcome
from models.queries import application_by_number, events_of
from models.tables import Decision, Fee, JointConsultation
from tests.factories import (
    advance,
    applicant_in,
    approved_draft,
    ctx,
    register_case,
    send_fee_notice,
    terminate,
)

MON = date(2026, 3, 2)
OTHER_ID = "110105198001010016"


def app(session, number):
    return application_by_number(session, number)


# --- the guards as pure rules, table-driven ---------------------------------------------------------------

TODAY = date(2026, 4, 1)
SERVED = EarlierApplication("2026-000001", date(2026, 3, 2), Status.archived, "同一内容", "示政公开〔2026〕1号",
                            date(2026, 3, 20), date(2026, 3, 23))
UNANSWERED = EarlierApplication("2026-000001", date(2026, 3, 2), Status.registered, "同一内容", None, None, None)
NOT_SERVED = EarlierApplication("2026-000001", date(2026, 3, 2), Status.dispatched, "同一内容", "示政公开〔2026〕1号",
                                date(2026, 3, 20), None)
ASKED = ReasonFacts(sent_on=date(2026, 3, 10), due_date=date(2026, 3, 24), answered_on=None, reasons="", deferred_due=None)


def facts(**kw) -> CaseFacts:
    return CaseFacts(number="2026-000009", receipt_date=date(2026, 3, 9), today=TODAY, **kw)


RULES = [
    # (outcome, repeat_of, facts, allowed)
    (Outcome.repeat, "2026-000001", facts(earlier=(SERVED,)), True),
    (Outcome.repeat, "2026-000001", facts(earlier=(UNANSWERED,)), False),
    (Outcome.repeat, "2026-000001", facts(earlier=(NOT_SERVED,)), False),
    (Outcome.repeat, None, facts(earlier=(SERVED,)), False),
    (Outcome.repeat, "2026-000007", facts(earlier=(SERVED,)), False),
    (Outcome.unclear_after_supplement, None, facts(), False),
    (Outcome.unclear_after_supplement, None,
     facts(supplement=SupplementFacts(date(2026, 3, 3), date(2026, 3, 24), None)), False),
    (Outcome.unclear_after_supplement, None,
     facts(supplement=SupplementFacts(date(2026, 3, 3), date(2026, 3, 24), date(2026, 3, 16))), True),
    (Outcome.deemed_abandoned, None, facts(supplement=SupplementFacts(date(2026, 3, 3), date(2026, 3, 24), None)), True),
    (Outcome.deemed_abandoned, None, facts(supplement=SupplementFacts(date(2026, 3, 3), date(2026, 4, 24), None)), False),
    (Outcome.deemed_abandoned, None,
     facts(supplement=SupplementFacts(date(2026, 3, 3), date(2026, 3, 24), date(2026, 3, 16))), False),
    (Outcome.fee_unpaid, None, facts(fee=FeeFacts(FeeStatus.sent, date(2026, 3, 3), date(2026, 3, 31), None)), True),
    (Outcome.fee_unpaid, None, facts(fee=FeeFacts(FeeStatus.proposed, None, None, None)), False),
    (Outcome.fee_unpaid, None, facts(fee=FeeFacts(FeeStatus.sent, date(2026, 3, 3), date(2026, 3, 31),
                                                  date(2026, 3, 20))), False),
    (Outcome.unreasonable_volume, None, facts(), False),
    (Outcome.unreasonable_volume, None, facts(reasons=ASKED), True),  # the reasons period has passed
    (Outcome.unreasonable_volume, None, facts(reasons=ASKED.__class__(**{**ASKED.__dict__, "due_date": TODAY})), False),
    (Outcome.unreasonable_volume, None,
     facts(reasons=ASKED.__class__(**{**ASKED.__dict__, "due_date": TODAY, "answered_on": date(2026, 3, 20),
                                      "reasons": "研究需要"})), True),
    (Outcome.unreasonable_volume, None,
     facts(reasons=ASKED.__class__(**{**ASKED.__dict__, "answered_on": date(2026, 3, 20), "reasons": "研究需要",
                                      "deferred_due": date(2026, 5, 29)})), False),
    (Outcome.disclosed, None, facts(supplement=SupplementFacts(date(2026, 3, 3), date(2026, 3, 24), None)), False),
    (Outcome.disclosed, None, facts(fee=FeeFacts(FeeStatus.sent, date(2026, 3, 3), date(2026, 3, 31), None)), False),
    (Outcome.disclosed, "2026-000001", facts(earlier=(SERVED,)), False),  # a repeat number only with a repeat refusal
    (Outcome.disclosed, None, facts(), True),
]
RULE_IDS = [
    "repeat-of-a-served-reply", "repeat-of-an-unanswered-application", "repeat-of-a-reply-not-yet-served",
    "repeat-naming-nothing", "repeat-naming-another-applicants-application",
    "unclear-without-any-supplement-notice", "unclear-before-the-supplement-arrived", "unclear-after-the-supplement",
    "abandoned-after-the-period-lapsed", "abandoned-while-the-period-runs", "abandoned-although-supplemented",
    "fee-unpaid-after-the-period", "fee-unpaid-on-a-notice-never-sent", "fee-unpaid-although-paid",
    "unreasonable-without-asking-for-reasons", "unreasonable-after-the-reasons-period",
    "unreasonable-while-the-reasons-period-runs", "unreasonable-with-reasons-recorded",
    "unreasonable-after-a-deferral",
    "disclosed-on-a-case-deemed-abandoned", "disclosed-on-a-case-whose-fee-lapsed", "disclosed-naming-a-repeat",
    "disclosed-on-an-ordinary-case",
]


@pytest.mark.parametrize(("outcome", "repeat_of", "case", "allowed"), RULES, ids=RULE_IDS)
def test_each_guarded_outcome_needs_its_facts(outcome, repeat_of, case, allowed):
    findings = guards.check_decision(case, DecisionIn(outcome, repeat_of=repeat_of))
    assert (findings == []) == allowed, findings
    for f in findings:
        assert f.message_zh and any("\u4e00" <= ch <= "\u9fff" for ch in f.message_zh)


def test_every_guard_states_its_rule_and_cites_its_basis():
    for guard in guards.GUARDS:
        assert guard.rule_zh and ("条例" in guard.basis or "109号" in guard.basis)
    assert {o for g in guards.GUARDS for o in g.outcomes} >= {
        Outcome.repeat, Outcome.unclear_after_supplement, Outcome.deemed_abandoned, Outcome.fee_unpaid,
        Outcome.unreasonable_volume}


# --- point 1: Art 36(6) repeat -------------------------------------------------------------------------------


def _repeat_draft(repeat_of):
    return A.DraftIn(outcome=Outcome.repeat, reasons="本次申请内容与该申请相同。", repeat_of=repeat_of)


def test_a_repeat_refusal_while_the_earlier_application_is_only_registered_is_refused(session, calendar):
    earlier = register_case(session, calendar, MON)
    later = register_case(session, calendar, date(2026, 3, 9))
    advance(session, calendar, later, Status.drafting, day=date(2026, 3, 10))
    with pytest.raises(GuardFailed) as err:
        A.submit_for_review(ctx(session, calendar, "clerk", date(2026, 3, 10)), later, draft=_repeat_draft(earlier))
    assert "尚未作出答复并送达" in err.value.message_zh and "已登记" in err.value.message_zh
    assert "第三十六条第（六）项" in err.value.message_zh
    assert app(session, later).status == Status.drafting


def test_a_repeat_refusal_needs_the_earlier_reply_served_not_only_dispatched(session, calendar):
    earlier = register_case(session, calendar, MON)
    advance(session, calendar, earlier, Status.dispatched)
    later = register_case(session, calendar, date(2026, 3, 9))
    advance(session, calendar, later, Status.drafting, day=date(2026, 3, 10))
    c = ctx(session, calendar, "clerk", date(2026, 3, 10))
    with pytest.raises(GuardFailed, match="decision not allowed") as err:
        A.submit_for_review(c, later, draft=_repeat_draft(earlier))
    assert "答复书尚未送达" in err.value.message_zh
    A.record_delivery(ctx(session, calendar, "clerk", date(2026, 3, 10)), earlier, delivered_on=date(2026, 3, 5),
                      proof="邮件签收记录")
    done = A.submit_for_review(c, later, draft=_repeat_draft(earlier))
    assert done.status == Status.legal_review
    assert A.latest_decision(session, app(session, later)).repeat_of == earlier  # the decision names it


def test_a_repeat_refusal_must_name_an_earlier_application_of_the_same_applicant(session, calendar):
    stranger = register_case(session, calendar, MON, applicant=applicant_in(name="李四", id_number=OTHER_ID))
    advance(session, calendar, stranger, Status.delivered)
    later = register_case(session, calendar, date(2026, 3, 9))
    advance(session, calendar, later, Status.drafting, day=date(2026, 3, 10))
    c = ctx(session, calendar, "clerk", date(2026, 3, 10))
    with pytest.raises(GuardFailed) as err:
        A.submit_for_review(c, later, draft=_repeat_draft(stranger))
    assert "不是同一申请人" in err.value.message_zh
    with pytest.raises(GuardFailed) as err:
        A.submit_for_review(c, later, draft=_repeat_draft(None))
    assert "同一申请人在本机关没有已作出答复并送达的申请" in err.value.message_zh


# --- point 2: Art 30 unclear after supplement ------------------------------------------------------------------


def test_unclear_after_supplement_is_refused_on_a_case_that_never_had_a_supplement(session, calendar):
    number = register_case(session, calendar, MON)
    advance(session, calendar, number, Status.drafting)
    draft = A.DraftIn(outcome=Outcome.unclear_after_supplement, reasons="仍未写明信息名称。")
    with pytest.raises(GuardFailed) as err:
        A.submit_for_review(ctx(session, calendar, "clerk", MON), number, draft=draft)
    assert "未发出补正告知" in err.value.message_zh and "第三十条" in err.value.message_zh


def test_unclear_after_supplement_is_allowed_once_the_supplement_arrived(session, calendar):
    number = register_case(session, calendar, MON)
    A.request_supplement(ctx(session, calendar, "clerk", MON), number, items="请写明信息名称")
    A.receive_supplement(ctx(session, calendar, "clerk", date(2026, 3, 9)), number, received_on=date(2026, 3, 9))
    A.start_drafting(ctx(session, calendar, "clerk", date(2026, 3, 9)), number)
    draft = A.DraftIn(outcome=Outcome.unclear_after_supplement, reasons="补正后仍未写明信息名称。")
    done = A.submit_for_review(ctx(session, calendar, "clerk", date(2026, 3, 10)), number, draft=draft)
    assert done.status == Status.legal_review


# --- point 5: a department's deadline leaves the office time before the reply due date -------------------------


def test_the_leaders_department_deadline_past_the_reply_date_is_refused_naming_the_latest_date(session, calendar):
    number = register_case(session, calendar, MON)  # reply due 2026-03-30
    A.refer_to_leader(ctx(session, calendar, "clerk", MON), number)
    leader = ctx(session, calendar, "leader", MON)
    latest = A.latest_department_due(leader, app(session, number))
    assert calendar.working_days_between(latest, date(2026, 3, 30)) == 8  # the agency's office_reserve_days
    with pytest.raises(GuardFailed) as err:
        A.assign_departments(leader, number, departments=["区自然资源局"], due_date=date(2026, 6, 30))
    assert f"最迟为 {latest}" in err.value.message_zh and "2026-03-30" in err.value.message_zh
    with pytest.raises(GuardFailed):
        A.assign_departments(leader, number, departments=["区自然资源局"],
                             due_date=calendar.add_working_days(latest, days=1))
    done = A.assign_departments(leader, number, departments=["区自然资源局"], due_date=latest)
    assert str(latest) in done.message


def test_the_reserve_is_an_agency_setting(session, calendar):
    from models.tables import Agency

    number = register_case(session, calendar, MON)
    agency = session.get(Agency, app(session, number).agency_id)
    agency.office_reserve_days = 3
    session.add(agency)
    session.commit()
    latest = A.latest_department_due(ctx(session, calendar, "leader", MON), app(session, number))
    assert calendar.working_days_between(latest, date(2026, 3, 30)) == 3


def test_routing_late_shortens_the_five_days_to_the_latest_date_and_refuses_when_none_is_left(session, calendar):
    number = register_case(session, calendar, MON)  # due 2026-03-30; latest department date 2026-03-18
    done = A.route(ctx(session, calendar, "clerk", date(2026, 3, 16)), number, department="区自然资源局")
    assert "2026-03-18" in done.message and "留出8个工作日" in done.message
    late = register_case(session, calendar, MON)
    with pytest.raises(GuardFailed) as err:
        A.route(ctx(session, calendar, "clerk", date(2026, 3, 18)), late, department="区自然资源局")
    assert "申请延期" in err.value.message_zh


# --- point 15: every notice to the applicant after legal counsel -------------------------------------------


def test_a_case_deemed_abandoned_waits_for_its_termination_notice_to_pass_counsel(session, calendar):
    number = register_case(session, calendar, MON)
    A.request_supplement(ctx(session, calendar, "clerk", MON), number, items="请补充", period_days=5)
    A.deem_abandoned(ctx(session, calendar, None, date(2026, 3, 10)), number)
    case = app(session, number)
    assert case.status == Status.deemed_abandoned and case.outcome is None and case.closed_on is None
    assert case.due_date is None  # Art 30: no longer handled, no reply is due; nothing to extend
    with pytest.raises(GuardFailed):
        A.request_extension(ctx(session, calendar, "clerk", date(2026, 3, 10)), number, days=10, reason="x")
    with pytest.raises(TransitionNotAllowed):  # nothing to archive before the notice is served
        A.archive(ctx(session, calendar, None, date(2026, 3, 10)), number, manifest_sha256="0" * 64, location="x")
    with pytest.raises(GuardFailed) as err:  # the law has decided: only the termination remains
        A.submit_for_review(ctx(session, calendar, "clerk", date(2026, 3, 10)), number, draft=approved_draft())
    assert "视为放弃申请" in err.value.message_zh
    done = A.submit_for_review(ctx(session, calendar, "clerk", date(2026, 3, 10)), number,
                               draft=A.DraftIn(outcome=Outcome.deemed_abandoned))
    assert done.status == Status.legal_review
    with pytest.raises(TransitionNotAllowed):  # 签发 only after counsel's sign-off
        A.issue_reply(ctx(session, calendar, "head", date(2026, 3, 10)), number, render=lambda n, d: b"x")
    day = date(2026, 3, 11)
    A.approve_draft(ctx(session, calendar, "counsel", day), number)
    done = A.issue_reply(ctx(session, calendar, "head", day), number, render=lambda n, d: n.encode())
    assert "已签发终止处理告知书" in done.message
    A.dispatch(ctx(session, calendar, "clerk", day), number, method=DeliveryMethod.post, dispatched_on=day,
               tracking_no="EMS3")
    case = app(session, number)
    assert (Outcome(case.outcome), case.closed_on) == (Outcome.deemed_abandoned, day)
    events = [e.action for e in events_of(session, case)]
    assert events.index("approve_draft") < events.index("issue_reply") < events.index("dispatch")


def test_an_unpaid_fee_closes_only_through_the_reviewed_termination_notice(session, calendar):
    number = register_case(session, calendar, MON)
    send_fee_notice(session, calendar, number, date(2026, 3, 3))
    late = date(2026, 4, 2)
    A.close_fee_unpaid(ctx(session, calendar, None, late), number)
    assert app(session, number).status == Status.fee_unpaid and app(session, number).outcome is None
    with pytest.raises(GuardFailed):
        A.submit_for_review(ctx(session, calendar, "clerk", late), number, draft=A.DraftIn(outcome=Outcome.deemed_abandoned))
    done = terminate(session, calendar, number, late)
    assert done.status == Status.dispatched and Outcome(app(session, number).outcome) == Outcome.fee_unpaid


def test_a_fee_notice_is_not_sent_and_the_clock_not_stopped_before_counsel_signs_it_off(session, calendar):
    number = register_case(session, calendar, MON)
    done = A.issue_fee_notice(ctx(session, calendar, "clerk", date(2026, 3, 3)), number, method=FeeMethod.per_page,
                              pages=120, justification="申请数量明显超过合理范围")
    assert done.status == Status.fee_review
    fee = session.exec(select(Fee)).one()
    assert fee.status == FeeStatus.proposed and fee.notice_sent_on is None
    assert case_dates(session, app(session, number)).pauses == ()  # the clock still runs
    with pytest.raises(RoleNotAllowed):
        A.approve_fee_notice(ctx(session, calendar, "clerk", date(2026, 3, 4)), number)
    sent = A.approve_fee_notice(ctx(session, calendar, "counsel", date(2026, 3, 4)), number, comments="同意收费")
    fee = session.exec(select(Fee)).one()
    assert sent.status == Status.awaiting_fee and fee.notice_sent_on == date(2026, 3, 4)
    assert fee.pay_due == calendar.add_working_days(date(2026, 3, 4), days=20)
    reading = reply_clock(case_dates(session, app(session, number)), calendar=calendar, today=date(2026, 3, 10))
    assert reading.paused


def test_counsel_returns_a_fee_notice_and_the_case_goes_back_unpaused(session, calendar):
    number = register_case(session, calendar, MON)
    A.start_drafting(ctx(session, calendar, "clerk", MON), number)
    A.issue_fee_notice(ctx(session, calendar, "clerk", MON), number, method=FeeMethod.per_page, pages=120,
                       justification="页数较多")
    with pytest.raises(ValidationFailed):
        A.return_fee_notice(ctx(session, calendar, "counsel", MON), number, comments=" ")
    done = A.return_fee_notice(ctx(session, calendar, "counsel", MON), number, comments="页数未明显超过合理范围")
    assert done.status == Status.drafting and app(session, number).paused_from is None
    assert session.exec(select(Fee)).one().status == FeeStatus.returned
    again = A.issue_fee_notice(ctx(session, calendar, "clerk", MON), number, method=FeeMethod.per_page, pages=250,
                               justification="补充说明：申请人本月已申请48件")
    assert again.status == Status.fee_review  # a returned notice may be drafted again


def test_a_litigation_prone_fee_notice_needs_the_governments_counsel(session, calendar):
    number = register_case(session, calendar, MON, request_text="请公开某村征地补偿安置方案")
    A.issue_fee_notice(ctx(session, calendar, "clerk", MON), number, method=FeeMethod.per_page, pages=120,
                       justification="申请数量明显超过合理范围")
    with pytest.raises(RoleNotAllowed):
        A.approve_fee_notice(ctx(session, calendar, "counsel", MON), number)
    assert A.approve_fee_notice(ctx(session, calendar, "gov_counsel", MON), number).status == Status.awaiting_fee


@pytest.mark.parametrize("username", ["counsel", "gov_counsel", "clerk"])
def test_the_reviewer_and_the_clerk_cannot_clear_the_flag_that_decides_who_reviews(session, calendar, username):
    number = register_case(session, calendar, MON, request_text="请公开某村征地补偿安置方案")
    advance(session, calendar, number, Status.legal_review)
    with pytest.raises(RoleNotAllowed) as err:
        A.set_litigation_prone(ctx(session, calendar, username, MON), number, flag=False, reason="不涉及征地")
    assert "公开办负责人或分管领导" in err.value.message_zh
    assert app(session, number).litigation_prone
    with pytest.raises(RoleNotAllowed):  # and so an ordinary counsel still cannot approve
        A.approve_draft(ctx(session, calendar, "counsel", MON), number)


def test_a_leader_clears_the_flag_only_with_a_reason(session, calendar):
    number = register_case(session, calendar, MON, request_text="请公开某村征地补偿安置方案")
    with pytest.raises(GuardFailed):
        A.set_litigation_prone(ctx(session, calendar, "head", MON), number, flag=False, reason="")
    A.set_litigation_prone(ctx(session, calendar, "head", MON), number, flag=False, reason="申请内容为财政预算，与征地无关")
    assert not app(session, number).litigation_prone
    assert events_of(session, app(session, number))[-1].data["reason"] == "申请内容为财政预算，与征地无关"
    A.set_litigation_prone(ctx(session, calendar, "counsel", MON), number, flag=True, reason="涉及拆迁")  # raising: anyone
    assert app(session, number).litigation_prone


# --- point 16: 签发 by the office head or the leader -----------------------------------------------------------


@pytest.mark.parametrize(("username", "allowed"), [("clerk", False), ("counsel", False), ("supervisor", False),
                                                   ("head", True), ("leader", True)])
def test_only_the_office_head_or_the_leader_signs_the_reply_off(session, calendar, username, allowed):
    number = register_case(session, calendar, MON)
    advance(session, calendar, number, Status.approved)
    c = ctx(session, calendar, username, MON)
    if not allowed:
        with pytest.raises(RoleNotAllowed):
            A.issue_reply(c, number, render=lambda n, d: n.encode())
        assert app(session, number).status == Status.approved
        return
    done = A.issue_reply(c, number, render=lambda n, d: n.encode())
    assert done.status == Status.issued
    signed = events_of(session, app(session, number))[-1].data["signed_by"]
    assert signed == f"{c.actor.full_name}（{'公开办负责人' if username == 'head' else '分管领导'}）"


# --- point 17: who sits in a 会商 -------------------------------------------------------------------------------


JOINT = {"departments": ["区自然资源局"], "justice_bureau": "区司法局王科长", "legal_counsel": "陈律师"}


@pytest.mark.parametrize("missing", ["departments", "justice_bureau", "legal_counsel"])
def test_a_joint_consultation_without_the_departments_justice_bureau_or_counsel_is_refused(session, calendar, missing):
    number = register_case(session, calendar, MON)
    with pytest.raises(GuardFailed) as err:
        A.convene_joint_consultation(ctx(session, calendar, "leader", MON), number,
                                     **{**JOINT, missing: [] if missing == "departments" else " "})
    label = {"departments": "相关部门", "justice_bureau": "司法局", "legal_counsel": "法律顾问"}[missing]
    assert f"缺少：{label}" in err.value.message_zh
    assert app(session, number).status == Status.registered


def test_a_joint_consultation_records_its_participants_by_kind_and_checks_them_again_when_held(session, calendar):
    number = register_case(session, calendar, MON)
    A.convene_joint_consultation(ctx(session, calendar, "leader", MON), number, **JOINT, others="区信访局张科长")
    meeting = session.exec(select(JointConsultation)).one()
    assert [a["kind"] for a in meeting.attendees] == ["department", "justice_bureau", "legal_counsel", "other"]
    assert meeting.participants == "相关部门：区自然资源局；司法局：区司法局王科长；法律顾问：陈律师；其他：区信访局张科长"
    c = ctx(session, calendar, "leader", date(2026, 3, 4))
    with pytest.raises(GuardFailed):  # counsel did not come: the 会商 the seeds require did not take place
        A.record_joint_consultation(c, number, held_on=date(2026, 3, 4), minutes="纪要", proposed_reply="予以公开",
                                    legal_counsel="")
    done = A.record_joint_consultation(c, number, held_on=date(2026, 3, 4), minutes="纪要", proposed_reply="予以公开",
                                       departments=["区自然资源局", "区住房和城乡建设局"])
    assert done.status == Status.drafting
    meeting = session.exec(select(JointConsultation)).one()
    assert meeting.participants.startswith("相关部门：区自然资源局、区住房和城乡建设局；司法局：区司法局王科长")


def test_a_joint_consultation_names_only_the_agencys_departments(session, calendar):
    number = register_case(session, calendar, MON)
    with pytest.raises(Exception) as err:
        A.convene_joint_consultation(ctx(session, calendar, "leader", MON), number,
                                     **{**JOINT, "departments": ["区不存在局"]})
    assert "没有承办单位「区不存在局」" in err.value.message_zh


# --- point 18: Art 35 ------------------------------------------------------------------------------------------


def _unreasonable():
    return A.DraftIn(outcome=Outcome.unreasonable_volume)


def test_unreasonable_volume_is_refused_without_a_recorded_request_for_reasons(session, calendar):
    number = register_case(session, calendar, MON)
    A.start_drafting(ctx(session, calendar, "clerk", MON), number)
    with pytest.raises(GuardFailed) as err:
        A.submit_for_review(ctx(session, calendar, "clerk", MON), number, draft=_unreasonable())
    assert "说明理由告知书" in err.value.message_zh and "第三十五条" in err.value.message_zh


def test_unreasonable_volume_after_the_reasons_period_lapsed_or_the_reasons_were_recorded(session, calendar):
    number = register_case(session, calendar, MON)
    done = A.request_reasons(ctx(session, calendar, "clerk", MON), number, days=5)
    assert done.status == Status.registered and "2026-03-09" in done.message
    A.start_drafting(ctx(session, calendar, "clerk", MON), number)
    with pytest.raises(GuardFailed, match="decision not allowed"):  # the applicant still has until 03-09
        A.submit_for_review(ctx(session, calendar, "clerk", date(2026, 3, 9)), number, draft=_unreasonable())
    done = A.submit_for_review(ctx(session, calendar, "clerk", date(2026, 3, 10)), number, draft=_unreasonable())
    assert done.status == Status.legal_review

    answered = register_case(session, calendar, MON)
    A.request_reasons(ctx(session, calendar, "clerk", MON), answered)
    A.record_reasons(ctx(session, calendar, "clerk", date(2026, 3, 4)), answered, answered_on=date(2026, 3, 4),
                     reasons="为撰写论文需要")
    A.start_drafting(ctx(session, calendar, "clerk", date(2026, 3, 4)), answered)
    assert A.submit_for_review(ctx(session, calendar, "clerk", date(2026, 3, 4)), answered,
                               draft=_unreasonable()).status == Status.legal_review


def test_reasons_are_asked_once_and_recorded_once(session, calendar):
    number = register_case(session, calendar, MON)
    with pytest.raises(GuardFailed):
        A.record_reasons(ctx(session, calendar, "clerk", MON), number, answered_on=MON, reasons="x")
    A.request_reasons(ctx(session, calendar, "clerk", MON), number)
    with pytest.raises(GuardFailed):
        A.request_reasons(ctx(session, calendar, "clerk", MON), number)
    A.record_reasons(ctx(session, calendar, "clerk", MON), number, answered_on=MON, reasons="研究需要")
    with pytest.raises(GuardFailed):
        A.record_reasons(ctx(session, calendar, "clerk", MON), number, answered_on=MON, reasons="再说一次")


def test_a_deferred_period_is_set_on_the_clock_by_the_office_head_before_the_due_date(session, calendar):
    number = register_case(session, calendar, MON)  # due 2026-03-30
    A.request_reasons(ctx(session, calendar, "clerk", MON), number)
    with pytest.raises(GuardFailed):  # no reasons yet: nothing to find reasonable
        A.defer_reply(ctx(session, calendar, "head", MON), number, due_date=date(2026, 5, 29), reason="档案量大")
    A.record_reasons(ctx(session, calendar, "clerk", date(2026, 3, 5)), number, answered_on=date(2026, 3, 5),
                     reasons="本人系业主委员会成员，需核对各期改造资金")
    with pytest.raises(RoleNotAllowed):
        A.defer_reply(ctx(session, calendar, "clerk", date(2026, 3, 5)), number, due_date=date(2026, 5, 29),
                      reason="档案量大")
    with pytest.raises(ValidationFailed):  # not later than the current due date: no deferral needed
        A.defer_reply(ctx(session, calendar, "head", date(2026, 3, 5)), number, due_date=date(2026, 3, 27),
                      reason="档案量大")
    with pytest.raises(GuardFailed):  # too late: the Art 33 period has already run out
        A.defer_reply(ctx(session, calendar, "head", date(2026, 3, 31)), number, due_date=date(2026, 5, 29),
                      reason="档案量大")
    done = A.defer_reply(ctx(session, calendar, "head", date(2026, 3, 5)), number, due_date=date(2026, 5, 29),
                         reason="涉及五个年度的档案，需逐一调取、审查")
    assert done.due_date == date(2026, 5, 29) and app(session, number).due_date == date(2026, 5, 29)
    reading = reply_clock(case_dates(session, app(session, number)), calendar=calendar, today=date(2026, 3, 5))
    assert "第三十五条" in reading.explain()
    A.start_drafting(ctx(session, calendar, "clerk", date(2026, 3, 6)), number)
    with pytest.raises(GuardFailed) as err:  # reasons found reasonable: no refusal for unreasonable reasons
        A.submit_for_review(ctx(session, calendar, "clerk", date(2026, 3, 6)), number, draft=_unreasonable())
    assert "已认定申请理由合理" in err.value.message_zh


def test_the_decision_of_a_repeat_is_kept_with_its_status(session, calendar):
    """The guard's view of a stored decision reads the same fields the draft had."""
    earlier = register_case(session, calendar, MON)
    advance(session, calendar, earlier, Status.delivered)
    later = register_case(session, calendar, date(2026, 3, 9))
    advance(session, calendar, later, Status.drafting, day=date(2026, 3, 10))
    A.submit_for_review(ctx(session, calendar, "clerk", date(2026, 3, 10)), later, draft=_repeat_draft(earlier))
    decision = session.exec(select(Decision).where(Decision.repeat_of == earlier)).one()
    assert decision.status == DecisionStatus.in_review
    assert guards.decision_of(decision) == DecisionIn(Outcome.repeat, (), earlier)


def test_the_draft_rules_say_whether_an_earlier_served_application_exists_to_name(session, calendar):
    later = register_case(session, calendar, date(2026, 3, 9))
    rules = {r.basis: r for r in guards.rules_for(guards.case_facts(session, app(session, later), today=TODAY))}
    assert rules[guards.ART36_6].missing == "同一申请人在本机关没有已作出答复并送达的申请"
    earlier = register_case(session, calendar, MON)
    advance(session, calendar, earlier, Status.delivered)
    rules = {r.basis: r for r in guards.rules_for(guards.case_facts(session, app(session, later), today=TODAY))}
    assert rules[guards.ART36_6].missing is None
