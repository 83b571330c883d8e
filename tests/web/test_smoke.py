from tests.web.conftest import DAY


def test_clerk_registers_and_sees_case(login):
    clerk = login("clerk")
    r = clerk.get("/worklist")
    assert r.status_code == 200 and "办件清单" in r.text
    r = clerk.get("/register")
    assert r.status_code == 200
    data = {"channel": "in_person", "arrived_on": DAY.isoformat(), "receipt_date": DAY.isoformat(),
            "kind": "natural_person", "name": "张三", "id_type": "resident_id", "id_number": "11010519491231002X",
            "phone": "13800138000", "request_text": "请公开本区2025年财政预算执行情况报告",
            "requested_form": "paper", "delivery_method": "post"}
    r = clerk.post("/register", data)
    assert r.status_code == 303, r.text
    page = clerk.get(r.headers["location"])
    assert page.status_code == 200, page.text
    assert "交办承办单位" in page.text


def test_a_served_desk_keeps_the_collector_out_of_its_requests(desk):
    import gc

    from fastapi.testclient import TestClient

    before = gc.get_threshold()
    try:
        with TestClient(desk) as served:  # runs the lifespan, as uvicorn does
            assert served.get("/login").status_code == 200
            assert gc.get_threshold()[0] == 10_000 and gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)


def test_the_desk_refuses_to_start_on_a_database_gongkai_init_has_not_prepared(tmp_path, monkeypatch):
    import pytest

    from interfaces.web.app import create_app
    from models.errors import SchemaNotCurrent

    monkeypatch.setenv("GONGKAI_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    with pytest.raises(SchemaNotCurrent) as err:
        create_app()
    assert "请先运行 gongkai init" in err.value.message_zh
