"""The supervisor's pages: the dashboard, its lazy live table 三 and the table's drill-down to cases."""

from sqlmodel import Session

from tests.factories import register_case
from tests.web.conftest import DAY


def test_the_dashboard_loads_the_live_table_three_after_its_own_counts(login):
    page = login("supervisor").get("/dashboard").text
    assert 'hx-get="/dashboard/table3"' in page and 'hx-trigger="load"' in page
    assert "按办理环节" in page


def test_the_live_table_three_links_each_count_to_its_cases(login, engine, calendar):
    with Session(engine, expire_on_commit=False) as s:
        number = register_case(s, calendar, DAY)
    supervisor = login("supervisor")
    fragment = supervisor.get("/dashboard/table3", headers={"HX-Request": "true"}).text
    assert "<html" not in fragment and "本年度办理结果统计" in fragment
    assert '/dashboard/table3/cases?row=new_received&amp;column=natural_person">1</a>' in fragment
    cell = supervisor.get("/dashboard/table3/cases?row=new_received&column=natural_person").text
    assert number in cell and "新收政府信息公开申请数量" in cell and "自然人" in cell


def test_a_table_three_cell_that_does_not_exist_is_refused_in_chinese(login):
    supervisor = login("supervisor")
    for query in ("row=r99&column=total", "row=r1_disclosed&column=martians"):
        r = supervisor.get(f"/dashboard/table3/cases?{query}")
        assert r.status_code == 422 and "表三没有" in r.text


def test_cases_at_risk_show_how_long_they_sat_against_the_usual(login, engine, calendar, clock):
    with Session(engine, expire_on_commit=False) as s:
        number = register_case(s, calendar, DAY)
    clock.advance(days=7)  # Monday 03-09: registered for 5 working days, usually 2
    page = login("supervisor").get("/dashboard").text
    risk = page[page.index('id="at-risk"'):]
    risk = risk[:risk.index("</table>")]
    assert number in risk and '<td class="num">5</td><td class="num">2</td>' in risk
