"""Resources for the desk: a seeded database, a movable clock, a TestClient per role."""

import re
from datetime import date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from interfaces.web.app import create_app
from models.demo import DEMO_PASSWORD, seed_demo
from models.passwords import hash_password
from models.tables import SHANGHAI

DAY = date(2026, 3, 2)  # a Monday


class Clock:
    """An injected `now()` the test moves by hand."""

    def __init__(self, start: datetime):
        self.at = start

    def __call__(self) -> datetime:
        return self.at

    def advance(self, **delta) -> None:
        self.at += timedelta(**delta)


@pytest.fixture(scope="session")
def demo_hash():
    return hash_password(DEMO_PASSWORD)


@pytest.fixture
def clock():
    return Clock(datetime(DAY.year, DAY.month, DAY.day, 9, tzinfo=SHANGHAI))


@pytest.fixture
def desk(engine, calendar, clock, demo_hash, monkeypatch, tmp_path):
    """The desk on the test database; its actions run the real trigger, inline (no Prefect configured)."""
    monkeypatch.setenv("GONGKAI_ENGINE", "inline")
    monkeypatch.setenv("GONGKAI_VAR_DIR", str(tmp_path / "var"))  # archive packages, outbox files
    with Session(engine) as session:
        seed_demo(session, password_hash=demo_hash)
    return create_app(engine, calendar, clock, secret_key="test-secret")


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF token on the page"
    return found.group(1)


class Desk:
    """A TestClient logged in as one user; `post` fills in the CSRF token of the current session."""

    def __init__(self, app, username: str | None):
        self.client = TestClient(app, follow_redirects=False)
        self.csrf = csrf_of(self.client.get("/login").text)
        if username:
            r = self.client.post("/login", data={"username": username, "password": DEMO_PASSWORD,
                                                 "csrf_token": self.csrf})
            assert r.status_code == 303, r.text
            self.csrf = csrf_of(self.client.get(r.headers["location"]).text)

    def get(self, url, **kw):
        return self.client.get(url, **kw)

    def post(self, url, data=None, **kw):
        return self.client.post(url, data={"csrf_token": self.csrf, **(data or {})}, **kw)


@pytest.fixture
def login(desk):
    return lambda username=None: Desk(desk, username)
