"""A registration made in error is voided the same day, with a reason in its Event, and then counts nowhere."""

from datetime import date

import pytest
from sqlmodel import select

from models import actions as A
from models import dashboard as D
from models.demo import DEMO_AGENCY
from models.enums import Status
from models.errors import AlreadySubmitted, CaseReadOnly, GuardFailed, InvalidFields, TransitionNotAllowed, ValidationFailed
from models.outcomes import ChallengeKind
from models.queries import agency_by_name, application_by_number
from models.registration import register
from models.statistics import annual_report
from models.statistics.scope import Scope, period
from models.statistics.supervisor import supervisor_figures
from models.tables import Application, Event
from tests.factories import applicant_in, application_in, ctx, register_case

DAY = date(2026, 3, 2)
NEXT_DAY = date(2026, 3, 3)


def test_a_clerk_voids_a_mistaken_registration_the_same_day_and_the_reason_is_logged(session, calendar):
    number = register_case(session, calendar, DAY)
    done = A.void_registration(ctx(session, calendar, "clerk", DAY), number, reason="重复提交")
    assert done.status == Status.voided
    event = session.exec(select(Event).where(Event.action == "void_registration")).one()
    assert (event.actor_name, event.from_status, event.to_status, event.data["reason"]) == (
        "王经办", Status.registered, Status.voided, "重复提交")


@pytest.mark.parametrize("day,reason,words", [
    (NEXT_DAY, "重复提交", "只能在登记当天"),
    (DAY, "  ", "须写明理由"),
], ids=["the-next-day", "without-a-reason"])
def test_voiding_is_refused_after_the_day_of_registration_or_without_a_reason(session, calendar, day, reason, words):
    number = register_case(session, calendar, DAY)
    with pytest.raises(GuardFailed) as err:
        A.void_registration(ctx(session, calendar, "clerk", day), number, reason=reason)
    assert words in err.value.message_zh
    assert application_by_number(session, number).status == Status.registered


def test_a_voided_case_cannot_be_handled_any_more(session, calendar):
    number = register_case(session, calendar, DAY)
    A.void_registration(ctx(session, calendar, "clerk", DAY), number, reason="登记错误")
    with pytest.raises(TransitionNotAllowed):
        A.route(ctx(session, calendar, "clerk", DAY), number, department="区自然资源局")
    with pytest.raises(CaseReadOnly):
        A.set_litigation_prone(ctx(session, calendar, "clerk", DAY), number, flag=True)


def test_a_voided_case_counts_nowhere(session, calendar):
    kept = register_case(session, calendar, DAY)
    voided = register_case(session, calendar, DAY, request_text="登记错了的一件：河道整治工程验收报告")
    A.record_challenge(ctx(session, calendar, "clerk", DAY), voided, kind=ChallengeKind.reconsideration, filed_on=DAY)
    A.void_registration(ctx(session, calendar, "clerk", DAY), voided, reason="录入错误")
    agency = agency_by_name(session, DEMO_AGENCY)
    report = annual_report(session, agency=agency, year=2026, today=DAY)
    assert report.table3["new_received"][-1] == 1  # table 三: only the kept case is new this year
    assert report.table3["carried_forward"][-1] == 1
    assert report.table4[ChallengeKind.reconsideration.value]["total"] == 0  # table 四: its challenge neither
    figures = supervisor_figures(session, Scope((agency.id,)), period(2026, today=DAY), calendar=calendar)
    assert figures.overdue_open == 0 and figures.concluded == 0
    cut = D.Cutoffs.on(DAY, calendar=calendar)
    for include_closed in (False, True):  # the worklist, open cases or all of them
        rows = D.worklist(session, agency_id=agency.id, cutoffs=cut, include_closed=include_closed)
        assert [r.application.number for r in rows] == [kept]
    dash = D.supervisor_dashboard(session, agency_id=agency.id, cutoffs=cut, calendar=calendar)
    assert dash.open_total == 1 and Status.voided not in dash.by_stage


def test_a_voided_case_is_no_earlier_application_and_not_in_the_monthly_count(session, calendar):
    voided = register_case(session, calendar, DAY)
    A.void_registration(ctx(session, calendar, "clerk", DAY), voided, reason="重复提交")
    done = register(ctx(session, calendar, "clerk", DAY), application_in(DAY))
    assert done.possible_repeats == () and done.monthly_count == 1


def test_a_registration_form_registers_once(session, calendar):
    first = register(ctx(session, calendar, "clerk", DAY), application_in(DAY, form_token="tok-1")).application.number
    with pytest.raises(AlreadySubmitted) as err:
        register(ctx(session, calendar, "clerk", DAY), application_in(DAY, form_token="tok-1"))
    assert err.value.number == first and first in err.value.message_zh
    assert len(session.exec(select(Application)).all()) == 1


def test_every_problem_of_a_registration_is_reported_at_once(session, calendar):
    with pytest.raises(InvalidFields) as err:
        register(ctx(session, calendar, "clerk", DAY), application_in(
            DAY, request_text=" ", applicant=applicant_in(name="", phone="", id_number=None)))
    fields = [p.field for p in err.value.problems]
    assert fields == ["applicant.name", "request_text", "applicant.id_number", "applicant.phone"]
    assert "居民身份证" in err.value.problems[2].message_zh and "联系方式" in err.value.problems[3].message_zh


@pytest.mark.parametrize("id_type", ["resident_id", "credit_code"])
def test_a_number_checked_id_type_without_its_number_is_refused(session, calendar, id_type):
    from models.enums import ApplicantIdType
    from models.outcomes import ApplicantKind

    kind = ApplicantKind.natural_person if id_type == "resident_id" else ApplicantKind.commercial_enterprise
    with pytest.raises(ValidationFailed) as err:
        register(ctx(session, calendar, "clerk", DAY), application_in(
            DAY, applicant=applicant_in(kind=kind, id_type=ApplicantIdType(id_type), id_number=None)))
    assert err.value.field == "applicant.id_number" and "请填写证件号码" in err.value.message_zh
