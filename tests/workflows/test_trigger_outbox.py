"""The trigger outbox: recorded with the action, never lost, done once; late runs; batch intake (all inline, fast)."""

from datetime import date

import pytest
from sqlmodel import Session, select

from models import actions as A
from models.errors import GongkaiError
from models.outbox import OutboxMessage
from models.queries import application_of
from models.tables import Document
from models.triggers import CaseTrigger
from tests import factories as F
from workflows import engine as E
from workflows import intake, trigger

DAY = date(2026, 3, 2)


@pytest.fixture
def inline(engine, tmp_path, monkeypatch):
    monkeypatch.setenv("GONGKAI_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("GONGKAI_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("GONGKAI_ENGINE", "inline")
    return engine


def rows(engine, table, case=None) -> list:
    with Session(engine) as s:
        query = select(table)
        if case is not None:
            query = query.where(table.application_id == application_of(s, case).id)
        return list(s.exec(query.order_by(table.id)))


def test_a_human_action_commits_its_trigger_and_a_refused_one_leaves_none(inline, calendar):
    with Session(inline, expire_on_commit=False) as s:
        case = F.case(s, F.register_case(s, calendar, DAY))
        assert [t.action for t in rows(inline, CaseTrigger, case)] == ["register"]
        with pytest.raises(GongkaiError):  # a department the agency does not have: nothing written
            A.route(F.ctx(s, calendar, "clerk", DAY), case.number, department="不存在的局")
        assert len(rows(inline, CaseTrigger, case)) == 1
        A.route(F.ctx(s, calendar, "clerk", DAY), case.number, department="区自然资源局")
        A.accept_assignment(F.ctx(s, calendar, "dept_ziran", DAY), case.number)  # nothing automatic is due after 签收
    assert [t.action for t in rows(inline, CaseTrigger, case)] == ["register", "route"]
    E.advance(case, now=F.at(DAY, 11))  # the system's own events (documents, notifications) bring no trigger
    assert [(t.action, t.done_at is not None) for t in rows(inline, CaseTrigger, case)] == [("register", True),
                                                                                          ("route", True)]


def test_the_routing_slip_exists_when_the_route_action_returns_and_prefect_has_not_run(inline, calendar, monkeypatch):
    from models.identity import record_prefect_api

    monkeypatch.delenv("GONGKAI_ENGINE")
    with Session(inline, expire_on_commit=False) as s:
        record_prefect_api(s, "http://127.0.0.1:9/api", now=F.at(DAY, 8))  # a server that does not answer
        case = F.case(s, F.register_case(s, calendar, DAY))
        A.route(F.ctx(s, calendar, "clerk", DAY), case.number, department="区自然资源局")
    line = trigger.after_action(case, "route", engine=inline, now=F.at(DAY, 11))
    assert "自动步骤稍后执行" in line
    assert [d.kind for d in rows(inline, Document, case)] == ["receipt", "routing"]
    assert rows(inline, OutboxMessage, case) == []  # the notices wait for the run, the documents did not


def test_a_late_run_still_sends_the_stage_it_missed(inline, calendar):
    """drafting's notice to the clerk was due after 承办意见齐备; the run comes only after 提交法律审核."""
    with Session(inline, expire_on_commit=False) as s:
        number = F.register_case(s, calendar, DAY)
        case = F.case(s, number)
        F.advance(s, calendar, number, F.Status.legal_review, DAY)
    E.advance(case, now=F.at(DAY, 12))
    kinds = [m.kind for m in rows(inline, OutboxMessage, case)]
    assert "drafting" in kinds and "legal_review" in kinds


def test_a_case_archived_by_its_run_leaves_no_trigger_open(inline, calendar):
    """The archive is recorded in the clerk's name by the run itself: it must not leave a trigger that a reconcile
    would deliver as one more run with nothing to do."""
    with Session(inline, expire_on_commit=False) as s:
        number = F.register_case(s, calendar, DAY)
        case = F.case(s, number)
        F.advance(s, calendar, number, F.Status.delivered, DAY)
    E.advance(case, now=F.at(DAY, 12))
    assert [t.action for t in rows(inline, CaseTrigger, case) if t.done_at is None] == []
    with Session(inline) as s:
        assert application_of(s, case).status == "archived"
        assert E.cases_with_work(s) == []  # nothing for the reconcile either


def test_an_old_case_without_triggers_is_told_only_its_current_gate(inline, calendar):
    """A case older than the trigger outbox: no flood of the stages it passed long ago."""
    from sqlalchemy import delete

    with Session(inline, expire_on_commit=False) as s:
        number = F.register_case(s, calendar, DAY)
        case = F.case(s, number)
        F.advance(s, calendar, number, F.Status.legal_review, DAY)
        s.execute(delete(CaseTrigger))
        s.commit()
    E.advance(case, now=F.at(DAY, 12))
    kinds = [m.kind for m in rows(inline, OutboxMessage, case)]
    assert "legal_review" in kinds and "drafting" not in kinds


def test_reconcile_drains_the_triggers_never_delivered(inline, calendar):
    with Session(inline, expire_on_commit=False) as s:
        cases = [F.case(s, F.register_case(s, calendar, DAY)) for _ in range(3)]
    assert E.reconcile(now=F.at(DAY, 12)) == 3
    assert all(t.done_at is not None for t in rows(inline, CaseTrigger))
    assert [m.kind for m in rows(inline, OutboxMessage)] == ["receipt"] * 3
    assert E.reconcile(now=F.at(DAY, 13)) == 0  # once
    assert {d.kind for c in cases for d in rows(inline, Document, c)} == {"receipt"}


def test_batch_intake_gives_each_case_its_receipt_routing_slip_and_notices(inline, calendar):
    with Session(inline) as s:
        F.seed_demo(s)
    batch = [{**intake.item_to_dict(F.application_in(DAY)), "department": "区自然资源局"} for _ in range(3)]
    numbers = intake.register_and_route(batch, clerk="clerk", now=F.at(DAY, 10))
    with Session(inline) as s:
        cases = [F.case(s, n) for n in numbers]
    for case in cases:
        assert [d.kind for d in rows(inline, Document, case)] == ["receipt", "routing"]
        kinds = {m.kind for m in rows(inline, OutboxMessage, case)}
        assert {"receipt", "assignment"} <= kinds
        assert all(t.done_at is not None for t in rows(inline, CaseTrigger, case))


def test_the_cli_at_a_server_outage_prints_the_chinese_line_and_exits_0(tmp_path):
    """The action committed: no traceback, exit 0, the receipt on file, the trigger waiting for reconcile."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    from models.db import make_engine

    env = {**{k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "GONGKAI_"))},
           "GONGKAI_VAR_DIR": str(tmp_path), "GONGKAI_TODAY": "2026-03-02", "GONGKAI_USER": "clerk",
           "PREFECT_API_URL": "http://127.0.0.1:9/api"}  # nothing answers on the discard port

    def cli(*args):
        return subprocess.run([sys.executable, "-m", "interfaces.cli.main", *args], env=env, capture_output=True,
                              text=True, timeout=120, cwd=Path(__file__).resolve().parents[2])

    assert cli("init", "--demo").returncode == 0
    done = cli("register", "--agency", "示范区人民政府", "--name", "张三", "--id-type", "resident_id",
               "--id-number", "11010519491231002X", "--phone", "13800138000", "--text", "请公开2025年财政预算执行报告")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "自动步骤稍后执行（2026-000001 · 登记" in done.stdout and "Traceback" not in done.stdout + done.stderr
    engine = make_engine(f"sqlite:///{tmp_path / 'gongkai.db'}")
    try:
        assert [d.kind for d in rows(engine, Document)] == ["receipt"]
        assert [(t.delivered_at, t.done_at) for t in rows(engine, CaseTrigger)] == [(None, None)]
    finally:
        engine.dispose()


def test_an_action_that_completes_the_opinions_brings_one_trigger_named_after_the_action(inline, calendar):
    """submit_opinion flushes its note, then 承办意见齐备: one trigger (one run, 「答复意见」), not two."""
    with Session(inline, expire_on_commit=False) as s:
        number = F.register_case(s, calendar, DAY)
        case = F.case(s, number)
        F.advance(s, calendar, number, F.Status.drafting, DAY)
    assert [t.action for t in rows(inline, CaseTrigger, case)] == ["register", "route", "submit_opinion"]
