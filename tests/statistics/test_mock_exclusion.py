"""A mock case (模拟暗访) is in no statistic but the audit's own: every figure is the same with it as without it.

The same world is read three times: with the real cases only, after mock cases in the same states are added, and
after those mocks are unmarked (as if they were real). Each statistic must read the same the first two times and
differently the third: so the case is one the statistic sees, and the mark is what keeps it out.
"""

from dataclasses import replace
from datetime import date

from sqlmodel import delete, select

from models import actions as A
from models.dashboard import Cutoffs, supervisor_dashboard
from models.demo import DEMO_AGENCY
from models.enums import Status
from models.guards import earlier_applications
from models.identity import CaseRef
from models.mock_tables import MockAudit
from models.outcomes import ChallengeKind
from models.periodic import parse_period, period_report
from models.province import province_dashboard, province_table3
from models.queries import agency_by_name, application_by_number
from models.registration import monthly_count, possible_repeats
from models.statistics import annual_report, cell_cases, department_reports, period, scope_of, supervisor_figures
from models.statistics.draft import annual_draft, fee_figures
from models.tables import Applicant
from models.transfer import export_jsonl
from tests.factories import advance, ctx, register_case, send_fee_notice
from models.portal import confirm_receipt
from tests.mock_factories import MOCK_ID, mock_in, sent_mock
from workflows.engine import plan

DAY = date(2026, 3, 2)
TODAY = date(2026, 3, 20)  # the routed cases are overdue by then
TEXT = mock_in().request_text


def _concluded(session, calendar, number: str) -> None:
    """Paid a fee, answered, dispatched, and challenged: in tables 三 and 四, the fee figures, the answer times."""
    send_fee_notice(session, calendar, number, DAY)
    A.record_payment(ctx(session, calendar, "clerk", DAY), number, paid_on=DAY, receipt_no=f"R-{number}")
    advance(session, calendar, number, Status.dispatched, DAY)
    A.record_challenge(ctx(session, calendar, "clerk", date(2026, 3, 5)), number, kind=ChallengeKind.reconsideration,
                       filed_on=date(2026, 3, 5), body="示范市人民政府")


def _routed(session, calendar, number: str) -> None:
    """Routed and not answered: on the dashboards' open counts, the urgent and at-risk lists."""
    advance(session, calendar, number, Status.routed, DAY)


def _persona(session) -> Applicant | None:
    return session.exec(select(Applicant).where(Applicant.id_number == MOCK_ID)).first()


def _statistics(session, calendar, persons_own: str) -> dict:
    agency = agency_by_name(session, DEMO_AGENCY)
    scope, year = scope_of(session, agency), period(2026, today=TODAY)
    cutoffs = Cutoffs.on(TODAY, calendar=calendar)
    persona = _persona(session) or Applicant(id=-1, kind="natural_person", name="")
    return {
        "table 三 and 四 (annual_report)": annual_report(session, agency=agency, year=2026, today=TODAY),
        "per-department tables": department_reports(session, agency=agency, year=2026, today=TODAY),
        "table 三 drill-down": cell_cases(session, scope, year, row="r7_total", column="total"),
        "supervisor figures": supervisor_figures(session, scope, year, calendar=calendar),
        "agency dashboard": supervisor_dashboard(session, agency_id=agency.id, cutoffs=cutoffs, calendar=calendar),
        "province dashboard": province_dashboard(session, cutoffs=cutoffs, calendar=calendar),
        "province table 三": province_table3(session, year=2026, today=TODAY),
        "fee figures": fee_figures(session, agency_ids=scope.agency_ids, start=year.start, end=year.end),
        "annual report draft": annual_draft(session, agency=agency, year=2026, today=TODAY, calendar=calendar).fees,
        "repeats detection": possible_repeats(session, agency=agency, applicant=persona, text=TEXT, receipt_date=TODAY),
        "monthly count (Art 35, fees)": monthly_count(session, agency=agency, applicant=persona, receipt_date=TODAY),
        "case export (import format)": list(export_jsonl(session)),
        "Art 35 count (说明理由)": A.applications_so_far(ctx(session, calendar, "clerk", TODAY),
                                                      application_by_number(session, persons_own)),
        "earlier applications (Art 36(6))": earlier_applications(session, application_by_number(session, persons_own)),
        "monthly check (周调度、月检查、季通报)": period_report(session, agency_id=agency.id, kind="month",
                                                    period=parse_period("month", "2026-03"), today=TODAY,
                                                    calendar=calendar),
    }


def test_mock_cases_are_in_no_statistic(session, calendar):
    _concluded(session, calendar, register_case(session, calendar, DAY))
    _routed(session, calendar, register_case(session, calendar, DAY))
    # the person the tests are sent as has an application of their own, on the same subject
    own = register_case(session, calendar, DAY, applicant=replace(mock_in().applicant), request_text=TEXT)
    without = _statistics(session, calendar, own)

    _, concluded = sent_mock(session, calendar, DAY)
    _, routed = sent_mock(session, calendar, DAY)
    for number in (concluded, routed):  # received in law once the clerk confirms them, as any online application
        confirm_receipt(ctx(session, calendar, "clerk", DAY), number)
    _concluded(session, calendar, concluded)
    _routed(session, calendar, routed)
    mock_case = CaseRef.of(application_by_number(session, concluded))
    mock_plan = plan(session, mock_case)
    with_mocks = _statistics(session, calendar, own)

    session.exec(delete(MockAudit))  # the same cases, no longer marked
    session.commit()
    unmarked = _statistics(session, calendar, own)

    for name in without:
        assert with_mocks[name] == without[name], f"{name} counts the mock cases"
        assert unmarked[name] != without[name], f"{name} does not see these cases at all: the test proves nothing"
    # the applicant the office made up is told nothing; the staff hear of the case as of any other
    assert [n for n in mock_plan.notices if n.channel != "internal"] == []
    assert any(n.kind == "assignment" for n in mock_plan.notices)
    assert [n.kind for n in plan(session, mock_case).notices if n.channel != "internal"] == ["receipt", "fee"]  # unmarked
