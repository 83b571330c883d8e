"""The trigger: where runs go is read, never guessed; a run for another installation refuses to act."""

from datetime import date

import pytest
from sqlmodel import Session, select

from models.errors import WrongInstallation
from models.identity import CaseRef, installation_id, record_prefect_api
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


def test_a_server_that_does_not_answer_leaves_the_receipt_made_and_the_trigger_for_reconcile(engine, calendar,
                                                                                              monkeypatch, tmp_path):
    """gongkai up died without clearing its record: the receipt is made anyway, the clerk reads 「自动步骤稍后执行」,
    the trigger stays in the outbox with its error, and the next reconcile delivers it (here inline)."""
    from models.outbox import OutboxMessage
    from models.triggers import CaseTrigger

    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    monkeypatch.delenv("GONGKAI_ENGINE", raising=False)
    monkeypatch.setenv("GONGKAI_VAR_DIR", str(tmp_path / "var"))
    with Session(engine, expire_on_commit=False) as s:
        record_prefect_api(s, CLOSED, now=F.at(DAY, 8))
        case = F.case(s, F.register_case(s, calendar, DAY))
    line = trigger.after_action(case, "register", engine=engine, now=F.at(DAY, 11))
    assert line.startswith(f"自动步骤稍后执行（{case.number} · 登记")
    assert documents(engine, case) == ["receipt"]  # made in the request, whatever Prefect does
    with Session(engine) as s:
        [row] = s.exec(select(CaseTrigger)).all()
        assert (row.delivered_at, row.done_at, row.attempts) == (None, None, 1) and "ConnectError" in row.last_error
        assert s.exec(select(OutboxMessage)).all() == []  # the notifications wait for the run
        record_prefect_api(s, None, now=F.at(DAY, 12))  # the server is gone for good: reconcile runs it inline
    delivered, failed = trigger.deliver_open(now=F.at(DAY, 12), engine=engine)
    assert (delivered, failed) == ([case], 0)
    with Session(engine) as s:
        assert s.exec(select(CaseTrigger.done_at)).one() is not None
        assert [m.kind for m in s.exec(select(OutboxMessage))] == ["receipt"]


def _behind_a_recorded_server(engine, calendar, monkeypatch, tmp_path) -> CaseRef:
    """`gongkai up` recorded its Prefect for this database; a case registered, its trigger not yet run."""
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    monkeypatch.setenv("GONGKAI_VAR_DIR", str(tmp_path / "var"))
    with Session(engine, expire_on_commit=False) as s:
        record_prefect_api(s, CLOSED, now=F.at(DAY, 8))
        return F.case(s, F.register_case(s, calendar, DAY))


def test_a_reconcile_beside_an_inline_action_leaves_its_trigger_to_it(engine, calendar, monkeypatch, tmp_path):
    """A desk with GONGKAI_ENGINE=inline beside `gongkai up`: the reconcile `up` runs while the desk is still making
    the receipt does not hand the case to Prefect as well; the desk's own run does the steps."""
    import os

    from models.triggers import CaseTrigger
    from workflows import engine as E

    case = _behind_a_recorded_server(engine, calendar, monkeypatch, tmp_path)
    monkeypatch.setenv("GONGKAI_ENGINE", "inline")
    beside = []

    def immediate_with_a_reconcile_beside(case, *, now, engine):
        del os.environ["GONGKAI_ENGINE"]  # the reconcile is `gongkai up`'s: it reads the recorded server
        try:
            beside.append(trigger.deliver_open(now=now, engine=engine))
        finally:
            os.environ["GONGKAI_ENGINE"] = "inline"
        return made(case, now=now, engine=engine)

    made = E.immediate
    monkeypatch.setattr(E, "immediate", immediate_with_a_reconcile_beside)
    assert trigger.after_action(case, "register", engine=engine, now=F.at(DAY, 11)).startswith("自动步骤已完成")
    assert beside == [([], 0)]  # nothing delivered, nothing tried against the server
    with Session(engine) as s:
        [row] = s.exec(select(CaseTrigger)).all()
        assert (row.attempts, row.last_error, row.done_at is not None) == (1, "", True)


def test_a_trigger_claimed_after_the_reconcile_read_it_is_not_delivered(engine, calendar, monkeypatch, tmp_path):
    from models import triggers

    _behind_a_recorded_server(engine, calendar, monkeypatch, tmp_path)
    monkeypatch.delenv("GONGKAI_ENGINE", raising=False)
    read = triggers.to_deliver

    def read_then_the_action_claims(s, *, now):
        rows = read(s, now=now)
        with Session(engine) as desk:  # the acting process, in its own session
            triggers.claim(desk, [t.id for t, _app in rows])
        return rows

    monkeypatch.setattr(triggers, "to_deliver", read_then_the_action_claims)
    assert trigger.deliver_open(now=F.at(DAY, 12), engine=engine) == ([], 0)


def test_a_claimed_trigger_whose_process_died_is_delivered_again_once_stranded(engine, calendar, monkeypatch,
                                                                               tmp_path):
    from models import triggers

    _behind_a_recorded_server(engine, calendar, monkeypatch, tmp_path)
    with Session(engine) as s:
        [row] = s.exec(select(triggers.CaseTrigger)).all()
        triggers.claim(s, [row.id])
        claimed_at = s.exec(select(triggers.CaseTrigger.delivered_at)).one()
        assert triggers.to_deliver(s, now=claimed_at + triggers.STRANDED / 2) == []
        assert [t.id for t, _app in triggers.to_deliver(s, now=claimed_at + triggers.STRANDED * 2)] == [row.id]


@pytest.mark.parametrize("rounds, seconds_since_delivered, delivered_again", [
    (0, 30, False), (0, 50, True),
    (1, 80, False), (1, 100, True),
    (3, 300, False), (3, 400, True),
    (5, 1400, False), (9, 1400, False), (9, 1500, True),
], ids=lambda v: str(v))
def test_a_trigger_delivered_again_and_again_waits_twice_as_long_each_round(engine, calendar, monkeypatch, tmp_path,
                                                                            rounds, seconds_since_delivered,
                                                                            delivered_again):
    """45 s after its run was delivered, then 90 s, 180 s … up to 24 minutes: a case whose runs cannot finish is not
    given one more waiting run every minute."""
    from datetime import timedelta

    from sqlalchemy import update

    from models import triggers

    _behind_a_recorded_server(engine, calendar, monkeypatch, tmp_path)
    now = triggers.wall_clock()
    with Session(engine) as s:
        s.execute(update(triggers.CaseTrigger).values(round=rounds,
                                                      delivered_at=now - timedelta(seconds=seconds_since_delivered)))
        s.commit()
        assert bool(triggers.to_deliver(s, now=now)) is delivered_again


async def _work(worker, task, run):
    """What `python -m workflows.task_worker` does with a run Prefect pushes to it."""
    await worker(task).execute_task_run(run)


def test_a_retried_delivery_finds_the_same_run_and_the_task_worker_runs_the_cases_flow(prefect_harness, app_db,
                                                                                       calendar, monkeypatch):
    """The trigger's key is the deferred task run's dynamic key: delivering twice gives one run; the run does the
    steps in a flow run named `number · step` and marks the trigger done."""
    import asyncio

    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import TaskRunFilter, TaskRunFilterName
    from prefect.settings import PREFECT_API_URL
    from prefect.task_worker import TaskWorker

    from models.triggers import CaseTrigger
    from workflows.flows import run_trigger

    monkeypatch.setenv("PREFECT_API_URL", PREFECT_API_URL.value())
    monkeypatch.delenv("GONGKAI_ENGINE", raising=False)
    with Session(app_db, expire_on_commit=False) as s:
        case = F.case(s, F.register_case(s, calendar, DAY))
        mine = installation_id(s)
        [row] = s.exec(select(CaseTrigger)).all()
    line = trigger.after_action(case, "register", engine=app_db, now=F.at(DAY, 11))
    name = f"{case.number} · 登记"
    assert line == f"已触发流程运行「{name}」。"
    assert documents(app_db, case) == ["receipt"]  # the receipt did not wait for the run
    key = row.key(mine)
    assert trigger.create_run(PREFECT_API_URL.value(), key=key, name=name) == name  # a client retry
    with get_client(sync_client=True) as client:
        runs = [r for r in client.read_task_runs(task_run_filter=TaskRunFilter(name=TaskRunFilterName(any_=[name])))
                if r.dynamic_key == key]
        [run] = runs
        assert run.tags == []  # the flow run it starts is the case's tagged run
        asyncio.run(_work(TaskWorker, run_trigger, run))
        flows = [f for f in client.read_flow_runs() if f.name == name and f.parameters.get("installation") == mine]
        assert {"gongkai", f"case:{case.key}"} <= set(flows[0].tags)
    assert [f.state_type.value for f in flows] == ["COMPLETED"]
    with Session(app_db) as s:
        assert s.exec(select(CaseTrigger.done_at)).one() is not None


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


def test_a_cases_limit_removed_since_this_process_saw_it_is_made_again_and_held(prefect_harness, app_db, calendar,
                                                                                monkeypatch):
    """workflows.flows.one_run_per_case makes a case's limit when it finds none (its first run); a limit removed
    meanwhile (a cleanup) is made again rather than run the case without its one-run-per-case slot."""
    from prefect.client.orchestration import get_client

    from workflows.flows import case_limit

    monkeypatch.delenv("GONGKAI_ENGINE", raising=False)
    with Session(app_db, expire_on_commit=False) as s:
        case = F.case(s, F.register_case(s, calendar, DAY))
    advance_case(agency_id=case.agency_id, number=case.number)
    with get_client(sync_client=True) as client:
        assert client.read_global_concurrency_limit_by_name(case_limit(case)).limit == 1
        client.delete_global_concurrency_limit_by_name(case_limit(case))
    advance_case(agency_id=case.agency_id, number=case.number)
    with get_client(sync_client=True) as client:
        assert client.read_global_concurrency_limit_by_name(case_limit(case)).limit == 1
    assert documents(app_db, case) == ["receipt"]
