"""The domain, statistics and dashboard tests again, on PostgreSQL: the database Gongkai runs on at scale.

Each module here imports the tests of one SQLite-run module; the `engine` fixture below replaces the
SQLite one, so every test that touches the database runs on a migrated PostgreSQL database, emptied
after it. Tests that need no database are not run twice.
"""

import os

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel

from models.db import make_engine, migrate
from tests.statistics.conftest import hedong  # noqa: F401  (a resource some statistics tests use)
from tests.web.conftest import clock, demo_hash, desk, login  # noqa: F401  (the desk, for the web flow)

# another name runs side by side; each pytest-xdist worker has its own database
DATABASE = os.environ.get("GONGKAI_TEST_PG_DATABASE", "gongkai_test") + os.environ.get("PYTEST_XDIST_WORKER", "")
APPEND_ONLY = ("event", "audit_head")  # their triggers refuse DELETE and a rewind (migration 0012): lifted here


def pytest_collection_modifyitems(config, items):
    here = os.path.dirname(__file__)
    kept = [i for i in items if not str(i.path).startswith(here) or "engine" in i.fixturenames]
    config.hook.pytest_deselected(items=[i for i in items if i not in kept])
    items[:] = kept


@pytest.fixture(scope="session")
def postgres():
    """A migrated database on the server scripts/test starts (GONGKAI_TEST_PG_URL names it)."""
    url = os.environ.get("GONGKAI_TEST_PG_URL")
    if not url:
        if os.environ.get("CI"):
            pytest.fail("GONGKAI_TEST_PG_URL is not set: run the tests with scripts/test, which starts PostgreSQL")
        pytest.skip("PostgreSQL is not configured (scripts/test sets GONGKAI_TEST_PG_URL)")
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)"))
        c.execute(text(f"CREATE DATABASE {DATABASE}"))
    test_url = make_url(url).set(database=DATABASE).update_query_dict({"options": "-c synchronous_commit=off"})
    engine = make_engine(test_url.render_as_string(hide_password=False))  # no flush to disk per commit: tests
    migrate(engine)
    yield engine
    engine.dispose()
    with admin.connect() as c:
        c.execute(text(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)"))
    admin.dispose()


@pytest.fixture
def engine(postgres):
    """The migrated database, emptied after each test (much cheaper than a database per test)."""
    yield postgres
    postgres.dispose()  # a test may leave a connection checked out in its session; start the next one clean
    with postgres.begin() as c:  # DELETE, not TRUNCATE: a few rows go faster than new table files
        for name in APPEND_ONLY:
            c.execute(text(f"ALTER TABLE {name} DISABLE TRIGGER USER"))
        for table in reversed(SQLModel.metadata.sorted_tables):
            if table.name not in ("audit_head", "installation"):  # the installation's identity outlives the cases
                c.execute(table.delete())
        c.execute(text("UPDATE installation SET prefect_api_url = NULL, prefect_api_since = NULL"))
        c.execute(text("DELETE FROM audit_head"))  # the chain starts again (a test may have removed the row)
        c.execute(text("INSERT INTO audit_head (id, events, sha256) VALUES (1, 0, NULL)"))
        for name in APPEND_ONLY:
            c.execute(text(f"ALTER TABLE {name} ENABLE TRIGGER USER"))
