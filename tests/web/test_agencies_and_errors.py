"""The desk in an installation of several agencies, and when something unexpected breaks: never a bare 500."""

import re
from dataclasses import replace

from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlmodel import Session

from models.identity import CaseRef
from models.queries import application_of
from models.registration import register
from tests import factories as F
from tests.web.conftest import DAY
from tests.web.conftest import Desk as Client

AGENCIES = (("示范区人民政府", ""), ("乙区人民政府", "yi"), ("丙区人民政府", "bing"))


def seed_three(engine, calendar, demo_hash) -> dict[str, tuple[CaseRef, str]]:
    """Each agency's 2026-000001 with its query code, keyed by username prefix."""
    cases = {}
    with Session(engine, expire_on_commit=False) as s:
        for name, prefix in AGENCIES[1:]:
            F.seed_agency(s, name, prefix, password_hash=demo_hash)
        for name, prefix in AGENCIES:
            ctx = F.ctx(s, calendar, f"{prefix}_clerk" if prefix else "clerk", DAY)
            app = register(ctx, replace(F.application_in(DAY), agency=name,
                                        request_text=f"请公开{name}2025年财政预算执行情况报告")).application
            cases[prefix] = (CaseRef.of(app), app.query_code)
    return cases


def status_of(engine, case: CaseRef) -> str:
    with Session(engine) as s:
        return application_of(s, case).status


def test_each_agencys_clerk_sees_and_moves_only_their_own_2026_000001(desk, engine, calendar, demo_hash):
    cases = seed_three(engine, calendar, demo_hash)
    yi_clerk = Client(desk, "yi_clerk")
    page = yi_clerk.get("/cases/2026-000001").text
    assert "请公开乙区人民政府2025年财政预算执行情况报告" in page and "示范区人民政府2025年" not in page
    routed = yi_clerk.post("/cases/2026-000001/actions/route", {"department": "区自然资源局"})
    assert routed.status_code == 303, routed.text[-800:]
    assert "自动步骤已完成" in yi_clerk.get(routed.headers["location"]).text
    assert {p: status_of(engine, c) for p, (c, _) in cases.items()} == {"": "registered", "yi": "routed",
                                                                       "bing": "registered"}


def test_registering_in_a_second_agency_gives_its_own_receipt(desk, engine, calendar, demo_hash):
    """The issue's failure: the row was written, then '编号在多个机关下都存在' and no receipt."""
    seed_three(engine, calendar, demo_hash)
    bing = Client(desk, "bing_clerk")
    form = {"channel": "in_person", "arrived_on": DAY.isoformat(), "receipt_date": DAY.isoformat(),
            "kind": "natural_person", "name": "张三", "id_type": "resident_id", "id_number": "11010519491231002X",
            "phone": "13800138000", "request_text": "请公开丙区2025年征地补偿标准", "requested_form": "paper",
            "delivery_method": "post"}
    r = bing.post("/register", form)
    assert r.status_code == 303 and r.headers["location"] == "/cases/2026-000002"
    page = bing.get("/cases/2026-000002").text
    assert "政府信息公开申请接收回执" in page and "自动步骤已完成" in page


def test_the_status_page_tells_colliding_numbers_apart_by_their_query_codes(desk, engine, calendar, demo_hash):
    cases = seed_three(engine, calendar, demo_hash)
    Client(desk, "yi_clerk").post("/cases/2026-000001/actions/route", {"department": "区自然资源局"})
    public = Client(desk, None)
    stages = {}
    for prefix, (case, code) in cases.items():
        r = public.post("/status", {"number": case.number, "query_code": code})
        assert r.status_code == 200, r.text[-500:]
        stages[prefix] = re.search(r'id="stage">([^<]+)<', r.text).group(1)
    assert stages == {"": "已登记", "yi": "已交办承办单位", "bing": "已登记"}
    wrong = public.post("/status", {"number": "2026-000001", "query_code": "WRONGCODE"})
    assert wrong.status_code == 404 and "未找到该申请" in wrong.text


def test_an_unexpected_error_is_a_chinese_page_with_a_reference_in_the_log(desk, engine, caplog):
    clerk = Client(desk, "clerk")
    clerk.client = TestClient(desk, follow_redirects=False, raise_server_exceptions=False,
                              cookies=clerk.client.cookies)
    with engine.begin() as connection:  # a broken database: the worklist's query fails
        connection.execute(text("ALTER TABLE application RENAME TO application_moved_away"))
    r = clerk.get("/worklist")
    assert r.status_code == 500 and r.headers["content-type"].startswith("text/html")
    reference = re.search(r"参考编号 ([0-9A-F]{8})", r.text).group(1)
    assert "系统处理请求时出错" in r.text and "Internal Server Error" not in r.text
    assert any(reference in rec.getMessage() and rec.exc_info for rec in caplog.records)
