"""The trigger: where runs go is read, never guessed; a run for another installation refuses to act."""

from datetime import date

import pytest
from sqlmodel import Session, select

from models.errors import WrongInstallation
from models.identity import installation_id, record_prefect_api
from models.queries import application_of
from models.tables import Document, Event
from tests import factories as F
from workflows import trigger
from workflows.flows import advance_case

DAY = date(2026, 3, 2)
CLOSED = "http://127.0.0.1:9/api"  # the discard port: nothing of ours answers there


@pytest.mark.parametrize("engine_var, env_api, recorded, expected", [
    ("inline", "http://env/api", "http://recorded/api", None),
    ("", "http://env/api", "http://recorded/api", "http://env/api"),
    ("", "", "http://recorded/api", "http://recorded/api"),
    ("", "", None, None),
], ids=["inline-wins", "environment-over-record", "the-installations-record", "nothing-configured-runs-inline"])
def test_the_target_is_read_from_settings_and_the_installation_never_probed(monkeypatch, engine_var, env_api, recorded,
                                                                          expected):
    for name, value in (("GONGKAI_ENGINE", engine_var), ("PREFECT_API_URL", env_api)):
        if value:
            monkeypatch.setenv(name, value)
        else:
            monkeypatch.delenv(name, raising=False)
    assert trigger.prefect_api(recorded) == expected


def documents(engine, case) -> list[str]:
    with Session(engine) as s:
        app = application_of(s, case)
        return list(s.exec(select(Document.kind).where(Document.application_id == app.id)))


def test_with_nothing_configured_the_steps_run_inline_on_the_callers_database(engine, calendar, monkeypatch, tmp_path):
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    monkeypatch.delenv("GONGKAI_ENGINE", raising=False)
    monkeypatch.setenv("GONGKAI_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("GONGKAI_DATABASE_URL", f"sqlite:///{tmp_path / 'not-this-one.db'}")  # must not be used
    with Session(engine, expire_on_commit=False) as s:
        case = F.case(s, F.register_case(s, calendar, DAY))
    line = trigger.after_action(case, "register", engine=engine, now=F.at(DAY, 11))
    assert line == f"自动步骤已完成（{case.number} · 登记）。"
    assert documents(engine, case) == ["receipt"]
    assert not (tmp_path / "not-this-one.db").exists()


def test_a_recorded_server_that_does_not_answer_loses_no_step(engine, calendar, monkeypatch, tmp_path):
    """gongkai up died without clearing its record: the clerk is told, and the steps are done inline at once."""
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    monkeypatch.delenv("GONGKAI_ENGINE", raising=False)
    monkeypatch.setenv("GONGKAI_VAR_DIR", str(tmp_path / "var"))
    with Session(engine, expire_on_commit=False) as s:
        record_prefect_api(s, CLOSED, now=F.at(DAY, 8))
        case = F.case(s, F.register_case(s, calendar, DAY))
    line = trigger.after_action(case, "register", engine=engine, now=F.at(DAY, 11))
    assert line.startswith("流程服务暂不可用，自动步骤已完成")
    assert documents(engine, case) == ["receipt"]


def test_a_run_is_created_on_the_configured_server_with_the_case_and_the_installation(prefect_harness, app_db,
                                                                                     calendar, monkeypatch):
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL

    advance_case.to_deployment(name="advance-case", tags=["gongkai"]).apply()
    monkeypatch.setenv("PREFECT_API_URL", PREFECT_API_URL.value())
    monkeypatch.delenv("GONGKAI_ENGINE", raising=False)
    with Session(app_db, expire_on_commit=False) as s:
        case = F.case(s, F.register_case(s, calendar, DAY))
        mine = installation_id(s)
    line = trigger.after_action(case, "route", engine=app_db)
    assert line == f"已触发流程运行「{case.number} · 交办承办单位」（{case.number} · 交办承办单位）。"
    with get_client(sync_client=True) as client:
        # the harness's server is shared by the session: this database's run is the one carrying its id
        [run] = [r for r in client.read_flow_runs()
                 if f"case:{case.key}" in r.tags and r.parameters.get("installation") == mine]
    assert run.parameters == {"agency_id": case.agency_id, "number": case.number, "installation": mine,
                              "after": "交办承办单位"}
    assert documents(app_db, case) == []  # nothing inline: the served deployment does the steps


def test_a_run_for_another_installation_refuses_before_touching_any_case(prefect_harness, app_db, calendar):
    with Session(app_db, expire_on_commit=False) as s:
        case = F.case(s, F.register_case(s, calendar, DAY))
        events = len(s.exec(select(Event)).all())
    with pytest.raises(WrongInstallation) as refused:
        advance_case(agency_id=case.agency_id, number=case.number, installation="00000000-another-installation")
    assert "另一套安装" in refused.value.message_zh
    with Session(app_db) as s:
        assert len(s.exec(select(Event)).all()) == events
    assert documents(app_db, case) == []
