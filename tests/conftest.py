"""Resources only: a calendar, a migrated SQLite database per test, a session; a temporary var per test.

Tests write only under temporary folders: every test runs with GONGKAI_VAR_DIR in a temporary folder of
its own (archive packages, the outbox drop folder, the default database), Prefect's home is temporary,
and the run fails if it left anything new or changed in the repository's ./var (tests/var_guard.py).
"""

import itertools
import os
import re
import shutil
import tempfile
from pathlib import Path

# Before anything imports Prefect: its home (settings, database, logs) is never the repository nor ~/.prefect.
_PREFECT_HOME = None
if "PREFECT_HOME" not in os.environ:  # scripts/test names a temporary one; else ours, removed at the end
    _PREFECT_HOME = os.environ["PREFECT_HOME"] = tempfile.mkdtemp(prefix="gongkai-test-prefect-")

import pytest  # noqa: E402
from argon2 import PasswordHasher, profiles  # noqa: E402
from sqlmodel import Session  # noqa: E402

import models.passwords  # noqa: E402

from calendars import load_calendar  # noqa: E402
from models.db import make_engine, migrate  # noqa: E402
from tests.var_guard import VarGuard  # noqa: E402

REPOSITORY = Path(__file__).resolve().parents[1]
pytest_plugins = ["tests.server_groups"]  # the tests that start a server share one xdist worker
_numbers = itertools.count(1)


def pytest_configure(config):
    config.pluginmanager.register(VarGuard(REPOSITORY / "var"), "gongkai-var-guard")
    # argon2id with the library's parameters for tests instead of the production cost (≈140 ms a hash or a check
    # here, paid at every one of the suite's thousands of logins): what the tests prove is who may log in, not
    # argon2's cost. The stacks the end-to-end tests start run with the production parameters.
    models.passwords._hasher = PasswordHasher.from_parameters(profiles.CHEAPEST)


def pytest_unconfigure(config):
    if _PREFECT_HOME:
        shutil.rmtree(_PREFECT_HOME, ignore_errors=True)


@pytest.fixture(scope="session", autouse=True)
def _session_var(tmp_path_factory):
    """What session-wide resources start (a Prefect harness, a served process) sees: a temporary var."""
    root = tmp_path_factory.mktemp("var")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GONGKAI_VAR_DIR", str(root / "session"))
        mp.delenv("GONGKAI_DATABASE_URL", raising=False)  # the default database is the one in that var
        mp.delenv("GONGKAI_CONFIG", raising=False)  # a developer's settings file never points tests at real data
        yield root


@pytest.fixture(autouse=True)
def _test_var(_session_var, request, monkeypatch):
    """Each test's own var folder (created only if something writes there); a test may set its own."""
    name = re.sub(r"[^\w.-]+", "_", request.node.name)[:60]
    monkeypatch.setenv("GONGKAI_VAR_DIR", str(_session_var / f"{next(_numbers):05d}-{name}"))


@pytest.fixture(scope="session")
def demo_templates(tmp_path_factory):
    """Where tests/cli_harness.demo_installation keeps its one `init --demo` per worker."""
    return tmp_path_factory.mktemp("demo-templates")


@pytest.fixture(scope="session")
def calendar():
    return load_calendar()


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory):
    """Migrate once per run; each test gets a copy of the file (its own temporary SQLite)."""
    path = tmp_path_factory.mktemp("template") / "gongkai.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    engine.dispose()
    return path


@pytest.fixture
def engine(migrated_template, tmp_path):
    path = tmp_path / "gongkai.db"
    shutil.copy(migrated_template, path)
    engine = make_engine(f"sqlite:///{path}")
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine):
    with Session(engine, expire_on_commit=False) as session:
        yield session


@pytest.fixture(scope="session")
def signing_dir(tmp_path_factory):
    """One self-signed demo key for the whole run, installed for agency ids 1–2000 (notices.signing's layout): the
    PostgreSQL tests empty the tables between tests, but its sequences go on counting agencies."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from notices.signing import make_demo_certificate

    root = tmp_path_factory.mktemp("signing")
    make_demo_certificate(root / "key", agency_name="测试机关", now=datetime(2026, 1, 1, tzinfo=ZoneInfo("Asia/Shanghai")))
    for agency_id in range(1, 2001):
        (root / str(agency_id)).symlink_to(root / "key", target_is_directory=True)
    return root


@pytest.fixture(autouse=True)
def _signing_keys(signing_dir, monkeypatch):
    """Every issued reply is signed: point the settings at the run's demo key (tests that test a missing key unset it)."""
    monkeypatch.setenv("GONGKAI_SIGNING_DIR", str(signing_dir))
