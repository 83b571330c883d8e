"""The desk at a Prefect outage: the registration page returns with the receipt on the case page and the Chinese
line 「自动步骤稍后执行」, never an error page."""

from sqlmodel import Session

from models.identity import record_prefect_api
from tests import factories as F
from tests.web.conftest import DAY
from tests.web.test_flow import REGISTRATION


def test_the_receipt_is_on_the_case_page_when_registration_returns_while_prefect_is_down(login, engine, monkeypatch):
    monkeypatch.delenv("GONGKAI_ENGINE")
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    with Session(engine) as s:
        record_prefect_api(s, "http://127.0.0.1:9/api", now=F.at(DAY, 8))  # gongkai up died; nothing answers
    clerk = login("clerk")
    r = clerk.post("/register", REGISTRATION)
    assert r.status_code == 303, r.text
    page = clerk.get(r.headers["location"]).text
    assert "自动步骤稍后执行" in page and "政府信息公开申请接收回执" in page
