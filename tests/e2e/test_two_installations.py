"""Done when (issue 11): two installations on one machine, each with its own `gongkai up`, never act on each
other's cases: the desk of one triggers runs only on its own Prefect, and a run that reaches the other
installation's server with the first one's id is refused without touching a row."""

import subprocess
import time

import pytest
from sqlalchemy import func
from sqlmodel import select

from models.demo import DEMO_AGENCY
from models.outbox import OutboxMessage
from models.tables import Application, Document, Event
from tests.e2e.stack import GONGKAI, free_port, user_env
from tests.e2e.walk import Browser, act, advance_case_deployment, case_runs, eventually, prefect, register

pytestmark = pytest.mark.slow


def advance_case_runs(api: str) -> dict[str, dict]:
    """The runs of the advance-case flow by id, the task worker's and the deployment's (the scheduled sweeps and
    reconciles are not case actions)."""
    flow = advance_case_deployment(api)["flow_id"]
    r = prefect("POST", f"{api}/flow_runs/filter", json={"flows": {"id": {"any_": [flow]}}, "limit": 200})
    r.raise_for_status()
    return {run["id"]: run for run in r.json()}


def completed(api: str, case_key: str, count: int) -> None:
    runs = case_runs(api, case_key)
    assert len(runs) == count and {r["state_type"] for r in runs} == {"COMPLETED"}, [
        (r["name"], r["state_type"]) for r in runs]


@pytest.fixture(scope="module")
def case_in_b(stack_b):
    """A case registered on B's desk, its registration run Completed on B's Prefect."""
    clerk = Browser(stack_b, "clerk")
    try:
        case = register(stack_b, clerk, DEMO_AGENCY, through_prefect=True)
    finally:
        clerk.close()
    eventually(lambda: completed(stack_b.prefect_api(), case.key, 1), "B's registration run", stack_b)
    return case


def test_a_case_action_in_one_installation_never_creates_a_run_in_the_other(stack_a, stack_b, case_in_b):
    a_api, b_api = stack_a.prefect_api(), stack_b.prefect_api()
    assert a_api != b_api and stack_a.installation().id != stack_b.installation().id
    before_b = advance_case_runs(b_api)

    clerk_a = Browser(stack_a, "clerk")
    try:
        in_a = register(stack_a, clerk_a, DEMO_AGENCY, through_prefect=True)
        act(clerk_a, in_a.number, "route", {"department": "区自然资源局"}, through_prefect=True, flashes=[])
    finally:
        clerk_a.close()
    eventually(lambda: completed(a_api, in_a.key, 2), "A's registration and routing runs", stack_a)

    after_b = advance_case_runs(b_api)
    assert after_b.keys() == before_b.keys(), "a case action in A created a run on B's Prefect"
    a_ids = {r["id"] for r in case_runs(a_api, in_a.key)}
    assert not a_ids & after_b.keys()
    for run_id in a_ids:  # and B's server has never heard of A's runs
        assert prefect("GET", f"{b_api}/flow_runs/{run_id}").status_code == 404
    assert {r["parameters"]["installation"] for r in after_b.values()} == {stack_b.installation().id}
    assert {r["parameters"]["installation"] for r in case_runs(a_api, in_a.key)} == {stack_a.installation().id}


def _rows(stack) -> dict:
    """Everything a run could change: the cases with their versions, and every event, document and notification."""
    with stack.session() as s:
        return {"cases": sorted((a.id, a.number, a.status, a.version) for a in s.exec(select(Application))),
                **{t.__name__: s.exec(select(func.count()).select_from(t)).one()
                   for t in (Event, Document, OutboxMessage)}}


def test_a_run_sent_to_another_installation_fails_and_changes_nothing_there(stack_a, stack_b, case_in_b):
    """The bug of issue 11 §1: a run of A's sent to B's server, naming an agency id and number that B also has."""
    b_api, in_b = stack_b.prefect_api(), case_in_b
    before = _rows(stack_b)
    deployment = advance_case_deployment(b_api)
    a_id = stack_a.installation().id
    created = prefect("POST", f"{b_api}/deployments/{deployment['id']}/create_flow_run", json={
        "name": f"{in_b.number} · 交办承办单位", "tags": ["gongkai", f"case:{in_b.key}"],
        "parameters": {"agency_id": in_b.agency_id, "number": in_b.number, "installation": a_id, "after": "交办承办单位"}})
    assert created.status_code == 201, created.text

    def ended() -> dict:
        run = prefect("GET", f"{b_api}/flow_runs/{created.json()['id']}").json()
        assert run["state_type"] in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED"), run["state_type"]
        return run

    run = eventually(ended, "the hand-made run on B's advance-case deployment to end", stack_b, seconds=90)
    message = run["state"]["message"] or ""
    assert run["state_type"] == "FAILED", run
    assert "WrongInstallation" in message and a_id in message and stack_b.installation().id in message, message
    time.sleep(2)  # a run that did act would have written by now; nothing may have changed in B
    assert _rows(stack_b) == before, "a run for another installation changed B's database"


def test_gongkai_up_on_a_taken_prefect_port_exits_with_the_chinese_message(stack_a, tmp_path):
    env = user_env(tmp_path)
    done = subprocess.run([str(GONGKAI), "up", "--demo", "--prefect-port", str(stack_a.prefect_port), "--web-port",
                           str(free_port())], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1, (done.returncode, done.stdout, done.stderr)
    assert f"端口 {stack_a.prefect_port} 已被占用（可能是本机另一套安装），请用 --prefect-port 指定其他端口。" in done.stderr
    assert not (tmp_path / "var" / "gongkai.db").exists()  # refused before touching anything
    assert stack_a.alive() and stack_a.installation().prefect_api_url.endswith(f":{stack_a.prefect_port}/api")
