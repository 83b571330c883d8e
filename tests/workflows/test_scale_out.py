"""docs/scale-out.md cannot drift: its own script (scripts/scale-out-demo) runs here, as an administrator runs it.

Prefect's server on PostgreSQL behind an auth string, on a port given as an option; the process pool, two
workers; two demo cases from registration to archive through the workers (bench/scaleout.py checks every
document, notification and archive package, the spread over both workers, and prints the figures).
"""

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "scale-out-demo"
SECONDS = 1200  # a bound, not the expectation: 622 and 847 s measured on a machine shared 8 ways (load 20–28)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def admin_url() -> str:
    url = os.environ.get("GONGKAI_TEST_PG_URL")
    if not url:
        if os.environ.get("CI"):
            pytest.fail("GONGKAI_TEST_PG_URL is not set: run the tests with scripts/test, which starts PostgreSQL")
        pytest.skip("PostgreSQL is not configured (scripts/test sets GONGKAI_TEST_PG_URL)")
    return url


@pytest.mark.slow
def test_the_scale_out_script_runs_cases_to_archive_on_two_workers_over_postgresql(admin_url, tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "GONGKAI_"))}
    env["GONGKAI_PYTHON"] = sys.executable
    args = [str(SCRIPT), "--admin-url", admin_url, "--db-prefix", f"so_{os.getpid()}_", "--prefect-port", str(port),
            "--workers", "2", "--worker-limit", "1", "--cases", "2", "--drop", "--run-dir", str(tmp_path / "run")]
    script = subprocess.Popen(args, env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              start_new_session=True)
    try:
        out, _ = script.communicate(timeout=SECONDS)
    except subprocess.TimeoutExpired:
        script.send_signal(signal.SIGTERM)  # the script's trap stops every process it started and drops its databases
        try:
            out, _ = script.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(script.pid, signal.SIGKILL)
            out, _ = script.communicate()
        pytest.fail(f"scripts/scale-out-demo did not finish within {SECONDS} s\n{out}")

    assert script.returncode == 0, out
    assert "scale-out check: ok" in out and "lost: 0" in out and "duplicated: 0" in out, out
    assert f"127.0.0.1:{port}" in out  # the port given, nowhere a default one
    assert "Prefect API without the auth string: 401" in out, out
    password = make_url(admin_url).password
    assert f":{password}@" not in out and ":***@" in out, out  # gongkai init names the database, never the password
    runs = next(line for line in out.splitlines() if line.startswith("runs per worker:"))
    assert "worker-1" in runs and "worker-2" in runs, out
