"""The problem list on the desk: listed from the case page, noted by its owner, closed by the office, on the dashboard."""

from sqlmodel import Session, func, select

from models.tables import Event, ProblemItem
from tests.factories import register_case
from tests.web.conftest import DAY

FORM = {"reason": "ownership_changes", "owner": "dept_ziran", "limit_kind": "days", "limit_days": "3",
        "plan": "会同不动产登记中心逐次核对产权变更"}


def _problem_events(engine) -> int:
    with Session(engine) as s:
        return s.exec(select(func.count()).select_from(Event).where(Event.action.like("problem_%"))).one()


def test_a_case_is_listed_noted_and_closed_on_the_desk(login, engine, calendar, clock):
    with Session(engine, expire_on_commit=False) as s:
        number = register_case(s, calendar, DAY)
    clerk = login("clerk")
    page = clerk.get(f"/cases/{number}").text
    assert "列入问题清单" in page and 'value="dept_ziran"' in page
    r = clerk.post(f"/cases/{number}/problem/add", FORM)
    assert r.status_code == 303 and r.headers["location"] == f"/cases/{number}"
    page = clerk.get(f"/cases/{number}").text
    assert "产权变更复杂" in page and "2026年3月5日" in page and "不改变法定答复期限" in page

    owner = login("dept_ziran")  # the case is not routed to the owner's department: the list page is the way in
    assert owner.get(f"/cases/{number}").status_code == 403
    mine = owner.get("/problems").text
    assert number in mine and "我负责的事项" in mine
    assert owner.post(f"/cases/{number}/problem/note", {"text": "已调取1998年登记簿", "from": "list"}).status_code == 303
    refused = owner.post(f"/cases/{number}/problem/close", {"result": "办完了", "from": "list"})
    assert refused.status_code == 422 and "无权" in refused.text

    clock.advance(days=4)  # Friday 6 Mar: one day past the internal limit of 5 Mar
    supervisor = login("supervisor")
    dash = supervisor.get("/dashboard").text
    section = dash[dash.index('id="problem-list"'):]
    assert number in section and "已超期" in section and "已调取1998年登记簿" in section
    r = supervisor.post(f"/cases/{number}/problem/close", {"result": "产权链条已理清，已按第三十六条答复"})
    assert r.status_code == 303
    assert number not in supervisor.get("/problems").text.split('id="problems"')[1]
    assert "已销号" in supervisor.get("/problems?closed=1").text
    assert _problem_events(engine) == 3


def test_a_refused_listing_reopens_the_form_with_the_chinese_error_and_writes_nothing(login, engine, calendar):
    with Session(engine, expire_on_commit=False) as s:
        number = register_case(s, calendar, DAY)
    clerk = login("clerk")
    r = clerk.post(f"/cases/{number}/problem/add", FORM | {"limit_days": "abc"})
    assert r.status_code == 422 and "工作日数" in r.text and "会同不动产登记中心" in r.text  # what was typed stays
    r = clerk.post(f"/cases/{number}/problem/add", FORM | {"reason": "other", "reason_text": ""})
    assert r.status_code == 422 and "请填写具体原因" in r.text
    with Session(engine) as s:
        assert s.exec(select(func.count()).select_from(ProblemItem)).one() == 0
    assert _problem_events(engine) == 0
    assert login("counsel").post(f"/cases/{number}/problem/add", FORM).status_code == 422  # not a lister
    assert _problem_events(engine) == 0
