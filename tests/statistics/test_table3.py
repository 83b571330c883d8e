"""Table 三 from case data: the Hedong 2021 table reproduced, carry-over, columns, live year, roll-up, drill-down."""

from datetime import date

import pytest

from models.demo import DEMO_AGENCY
from models.queries import agency_by_name
from models.statistics import annual_report, cell_cases, period, scope_of
from tests.statistics.cases import add_subunit, case, hedong_2021, import_cases

TODAY = date(2026, 6, 1)


def report(session, year, today=TODAY, **kw):
    return annual_report(session, agency=agency_by_name(session, DEMO_AGENCY), year=year, today=today, **kw)


def test_imported_cases_reproduce_the_hedong_2021_table_three(session, calendar, hedong):
    assert import_cases(session, calendar, hedong_2021()) == 79
    counted = report(session, 2021)
    assert counted.table3 == hedong["table3"]
    assert counted.failures == []
    assert list(counted.to_json()) == [k for k in hedong if k != "notes"]
    assert list(counted.to_json()["table3"]) == list(hedong["table3"])


def test_december_case_concluded_in_january_is_carried_forward_then_over(session, calendar):
    import_cases(session, calendar, [
        case(received=date(2021, 12, 20), row="r1_disclosed", closed=date(2022, 1, 10)),
        case(received=date(2021, 3, 1), row="r4_1_not_held", closed=date(2021, 3, 20)),
    ])
    first, second = report(session, 2021), report(session, 2022)
    assert first.table3["new_received"][0] == 2
    assert first.table3["r7_total"][0] == 1
    assert first.table3["carried_forward"][0] == 1
    assert second.table3["carried_over"][0] == 1
    assert second.table3["new_received"][0] == 0
    assert second.table3["r1_disclosed"][0] == 1
    assert second.table3["carried_forward"][0] == 0
    assert first.failures == [] and second.failures == []


def test_column_is_the_principal_not_the_agent(session, calendar):
    import_cases(session, calendar, [
        case(received=date(2021, 5, 6), row="r2_partial", closed=date(2021, 6, 1), kind="commercial_enterprise",
             name="某某置业有限公司", agent="李律师（某某律师事务所）"),
    ])
    table = report(session, 2021).table3
    assert table["r2_partial"] == [0, 1, 0, 0, 0, 0, 1]
    assert table["r2_partial"][4] == 0  # not 法律服务机构


@pytest.mark.parametrize("today, new, handled, forward", [
    (date(2026, 3, 31), 1, 0, 1),
    (date(2026, 4, 10), 2, 1, 1),
    (date(2026, 12, 31), 2, 2, 0),
], ids=["before-the-first-conclusion", "mid-year", "year-end"])
def test_live_table_as_of_today(session, calendar, today, new, handled, forward):
    import_cases(session, calendar, [
        case(received=date(2026, 3, 2), row="r1_disclosed", closed=date(2026, 4, 3)),
        case(received=date(2026, 4, 7), row="r5_2_repeat", closed=date(2026, 5, 6)),
    ], today=date(2026, 6, 1))
    live = report(session, 2026, today=today)
    assert (live.table3["new_received"][6], live.table3["r7_total"][6], live.table3["carried_forward"][6]) == (
        new, handled, forward)
    assert live.live == (today != date(2026, 12, 31))
    assert live.failures == []


def test_roll_up_adds_the_sub_units(session, calendar):
    add_subunit(session, "示范区某某街道办事处")
    import_cases(session, calendar, [
        case(received=date(2021, 4, 1), row="r1_disclosed", closed=date(2021, 4, 9)),
        case(received=date(2021, 4, 1), row="r1_disclosed", closed=date(2021, 4, 9), agency="示范区某某街道办事处"),
    ])
    assert report(session, 2021).table3["r1_disclosed"][6] == 1
    assert report(session, 2021, include_subunits=True).table3["r1_disclosed"][6] == 2


def test_drill_down_lists_exactly_the_cases_of_a_cell(session, calendar):
    import_cases(session, calendar, hedong_2021() + [
        case(received=date(2021, 12, 28), kind="other_org"),  # still open: carried forward
    ])
    agency = agency_by_name(session, DEMO_AGENCY)
    scope, year = scope_of(session, agency), period(2021, today=TODAY)
    table = report(session, 2021).table3
    for row, column in [("r4_1_not_held", "natural_person"), ("r1_disclosed", "total"),
                        ("carried_forward", "other_org"), ("new_received", "total"), ("r7_total", "total")]:
        found = cell_cases(session, scope, year, row=row, column=column)
        assert len(found) == table[row][["natural_person", "commercial_enterprise", "research_institution",
                                         "public_welfare_org", "legal_service_org", "other_org",
                                         "total"].index(column)]
        assert len({c.number for c in found}) == len(found)
    assert all(c.outcome == "art36_4_not_held" for c in cell_cases(session, scope, year, row="r4_1_not_held",
                                                                   column="natural_person"))
