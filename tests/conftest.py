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
