"""Resources only: a calendar, a migrated SQLite database per test, a session."""

import shutil

import pytest
from sqlmodel import Session

from calendars import load_calendar
from models.db import make_engine, migrate


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
    """One self-signed demo key for the whole run, installed for agency ids 1–20 (notices.signing's layout)."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from notices.signing import make_demo_certificate

    root = tmp_path_factory.mktemp("signing")
    make_demo_certificate(root / "key", agency_name="测试机关", now=datetime(2026, 1, 1, tzinfo=ZoneInfo("Asia/Shanghai")))
    for agency_id in range(1, 21):
        (root / str(agency_id)).symlink_to(root / "key", target_is_directory=True)
    return root


@pytest.fixture(autouse=True)
def _signing_keys(signing_dir, monkeypatch):
    """Every issued reply is signed: point the settings at the run's demo key (tests that test a missing key unset it)."""
    monkeypatch.setenv("GONGKAI_SIGNING_DIR", str(signing_dir))
