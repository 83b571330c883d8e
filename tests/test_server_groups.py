"""The tests that start a server share one pytest-xdist worker (tests/server_groups.py, `--dist loadgroup`).

When the grouping breaks, nothing says so: every worker starts its own `gongkai up` stacks and Prefect harness, and
the suite only gets slower (a pytest that reads a test's id from elsewhere did that, and so did marks added after
xdist had read them). This runs the installed pytest and xdist with the project's plugin, as scripts/test does.
"""

import os
import subprocess
import sys

from tests.conftest import REPOSITORY

SERVERS = """
import os

import pytest


def record(tmp_path_factory, what):
    with open(tmp_path_factory.getbasetemp().parent.parent / "workers.txt", "a") as out:
        out.write(f"{what} {os.environ['PYTEST_XDIST_WORKER']}\\n")


@pytest.fixture(scope="session")
def stack_a(tmp_path_factory):
    record(tmp_path_factory, "gongkai-up")


@pytest.fixture(scope="session")
def stack_b(tmp_path_factory):
    record(tmp_path_factory, "gongkai-up")


@pytest.fixture(scope="session")
def prefect_harness(tmp_path_factory):
    record(tmp_path_factory, "prefect-harness")


@pytest.fixture
def through_a(stack_a):
    return stack_a
"""

TESTS = """
import pytest

N = range(6)


@pytest.mark.parametrize("n", N)
def test_on_stack_a(n, stack_a): pass


@pytest.mark.parametrize("n", N)
def test_on_stack_b(n, stack_b): pass


@pytest.mark.parametrize("n", N)
def test_through_a_fixture_on_stack_a(n, through_a): pass


@pytest.mark.parametrize("n", N)
def test_on_the_harness(n, prefect_harness): pass


@pytest.mark.parametrize("n", range(24))
def test_free(n): pass
"""


def test_each_server_is_started_by_one_worker_only(tmp_path):
    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "conftest.py").write_text(SERVERS)
    (suite / "test_servers.py").write_text(TESTS)
    (suite / "pytest.ini").write_text("[pytest]\n")
    (tmp_path / "runs").mkdir()
    env = {**os.environ, "PYTHONPATH": str(REPOSITORY)}
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "tests.server_groups",
                           "-n", "2", "--dist", "loadgroup", f"--basetemp={tmp_path / 'runs' / 'base'}", str(suite)],
                          cwd=suite, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    started = (tmp_path / "runs" / "workers.txt").read_text().split("\n")
    by_server: dict[str, set[str]] = {}
    for line in filter(None, started):
        server, worker = line.split()
        by_server.setdefault(server, set()).add(worker)
    assert by_server.keys() == {"gongkai-up", "prefect-harness"}
    assert all(len(workers) == 1 for workers in by_server.values()), by_server
