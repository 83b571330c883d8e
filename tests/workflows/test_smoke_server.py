"""Smoke test against a real `prefect server start`: a flow runs, and the cron deployment gets scheduled runs.

This is what catches the silent breaks of platform-facts.md (SQLAlchemy 2.1 → zero scheduled runs,
fastapi ≥0.151 → the server does not start). Marked slow; ≈30–60 s.
"""

import os
import socket
import subprocess
import sys
import textwrap
import time
import urllib.request

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_server_runs_a_flow_and_schedules_the_sweep(tmp_path):
    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect"), "PREFECT_API_URL": api,
           "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": "2",
           "GONGKAI_DATABASE_URL": f"sqlite:///{tmp_path / 'gongkai.db'}", "GONGKAI_VAR_DIR": str(tmp_path / "var")}
    server = subprocess.Popen([sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
                               "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{api}/health", timeout=1):
                    break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("prefect server start did not answer within 60 s")
        script = textwrap.dedent("""
            import asyncio, time
            from datetime import date
            from models.db import default_engine, migrate
            from workflows.deployments import deployments
            from workflows.flows import morning_sweep
            migrate(default_engine())
            print(morning_sweep(today=date(2026, 3, 28)))
            sweep = [d for d in deployments() if d.name == "morning-sweep"][0]
            deployment_id = sweep.apply()
            from prefect.client.orchestration import get_client
            from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId, FlowRunFilter, FlowRunFilterState, FlowRunFilterStateName
            async def scheduled():
                async with get_client() as c:
                    runs = await c.read_flow_runs(deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment_id])))
                    return [r for r in runs if r.state and r.state.name == "Scheduled"]
            for _ in range(40):
                found = asyncio.run(scheduled())
                if found:
                    break
                time.sleep(1)
            print("SCHEDULED", len(found))
        """)
        out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120,
                             cwd=os.getcwd())
        assert "不是工作日" in out.stdout, out.stderr[-2000:]
        scheduled = int(out.stdout.split("SCHEDULED")[-1].strip())
        assert scheduled > 0, "the cron deployment got no scheduled runs (check the SQLAlchemy pin)"
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
