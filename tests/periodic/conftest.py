"""Resources for the periodic reports: the March 2026 cases (tests.periodic.factories) in a test database."""

import shutil

import pytest
from sqlmodel import Session

from models.db import make_engine
from tests.periodic.factories import march_cases


@pytest.fixture
def march(session, calendar) -> dict[str, str]:
    return march_cases(session, calendar)


@pytest.fixture(scope="module")
def march_session(migrated_template, tmp_path_factory, calendar):
    """The March cases built once for a module's read-only tests (the table-driven columns): a session on them."""
    path = tmp_path_factory.mktemp("march") / "gongkai.db"
    shutil.copy(migrated_template, path)
    engine = make_engine(f"sqlite:///{path}")
    with Session(engine, expire_on_commit=False) as session:
        march_cases(session, calendar)
        yield session
    engine.dispose()
