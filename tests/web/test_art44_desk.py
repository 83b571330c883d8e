"""Art 44 on the desk: the proposal page, the decision, and the 已主动公开 offer on the drafting page."""

from sqlmodel import Session, func, select

from models.enums import Status
from models.tables import AdminEvent
from tests.factories import advance
from tests.models.test_art44 import ASKED, OTHER_VILLAGE, _register
from tests.web.conftest import DAY

PUBLISH = {"title": "东关村征收补偿安置方案", "location": "区政府门户网站征地信息栏目",
           "url": "http://www.example.gov.cn/zd/1.html", "published_on": "2026-03-02"}


def _three(engine, calendar):
    with Session(engine, expire_on_commit=False) as s:
        return [_register(s, calendar, t, n) for n, t in enumerate(ASKED[:3], start=1)]


def _events(engine) -> int:
    with Session(engine) as s:
        return s.exec(select(func.count()).select_from(AdminEvent).where(AdminEvent.action.like("art44_%"))).one()


def test_the_office_sees_the_proposal_publishes_it_and_a_later_request_gets_the_offer(login, engine, calendar):
    numbers = _three(engine, calendar)
    supervisor = login("supervisor")
    page = supervisor.get("/art44").text
    assert "3 位申请人" in page and all(n in page for n in numbers)
    r = supervisor.post("/art44/publish", {**PUBLISH, "numbers": numbers, "key": ",".join(numbers)})
    assert r.status_code == 303, r.text
    page = supervisor.get("/art44").text
    assert "尚无决定" not in page and "区政府门户网站征地信息栏目" in page and "吴督办" in page
    assert "没有达到人数下限" in page  # decided: no longer proposed
    assert _events(engine) == 1

    with Session(engine, expire_on_commit=False) as s:
        later = _register(s, calendar, ASKED[3], 7)
        unrelated = _register(s, calendar, OTHER_VILLAGE[0], 8)
        for n in (later, unrelated):
            advance(s, calendar, n, Status.drafting, DAY)
    clerk = login("clerk")
    draft = clerk.get(f"/cases/{later}/draft").text
    assert 'id="art44-offer"' in draft and "已于2026年3月2日" in draft
    assert 'id="art44-offer"' not in clerk.get(f"/cases/{unrelated}/draft").text
    accepted = clerk.post(f"/cases/{later}/art44-offer", {"decision_id": "1"}).text
    assert 'value="art36_1_already_public" selected' in accepted
    assert "区政府门户网站征地信息栏目（网址：http://www.example.gov.cn/zd/1.html）查阅" in accepted
    assert clerk.post(f"/cases/{unrelated}/art44-offer", {"decision_id": "1"}).status_code == 403


def test_a_bad_decision_reopens_the_page_in_chinese_and_writes_nothing(login, engine, calendar):
    numbers = _three(engine, calendar)
    clerk = login("clerk")
    r = clerk.post("/art44/publish", {**PUBLISH, "location": "", "published_on": "2026-13-01", "numbers": numbers,
                                      "key": ",".join(numbers)})
    assert r.status_code == 422 and "公开日期格式不正确" in r.text
    r = clerk.post("/art44/publish", {**PUBLISH, "location": "", "url": "ftp://x", "numbers": numbers,
                                      "key": ",".join(numbers)})
    assert r.status_code == 422 and "请填写公开的位置" in r.text and "网址应以" in r.text
    r = clerk.post("/art44/decline", {"reason": "", "numbers": numbers, "key": ",".join(numbers)})
    assert r.status_code == 422 and "请填写不予主动公开的理由" in r.text
    assert clerk.get("/art44?days=abc").status_code == 422
    assert login("counsel").get("/art44").status_code == 403
    assert _events(engine) == 0
