"""A page view's housekeeping writes (models.sessions.touch_session, purge_expired) are made only when the database
takes them at once: behind another write they are skipped, never waited for, and the next request makes them."""

from contextlib import contextmanager
from datetime import datetime, timedelta

from sqlmodel import Session, select

from models.sessions import DeskSession, SessionPolicy, purge_expired, touch_session
from models.tables import SHANGHAI

NOW = datetime(2026, 3, 2, 10, tzinfo=SHANGHAI)


def stored_session(engine, sid: str, *, seen_at: datetime) -> DeskSession:
    row = DeskSession(id=sid, csrf="c", flash=[], created_at=seen_at, seen_at=seen_at, expires_at=seen_at)
    row.expires_at = SessionPolicy().expiry(row)
    with Session(engine, expire_on_commit=False) as s:
        s.add(row)
        s.commit()
    return row


@contextmanager
def another_write(engine, sid: str):
    """Another connection holding a write on the session's row (SQLite: the database's write lock)."""
    with engine.connect() as c:
        if c.dialect.name == "sqlite":
            c.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            c.exec_driver_sql("SELECT id FROM desk_session WHERE id = %(id)s FOR UPDATE", {"id": sid})
        try:
            yield
        finally:
            c.rollback()


def seen_at(engine, sid: str) -> datetime:
    with Session(engine) as s:
        return s.exec(select(DeskSession.seen_at).where(DeskSession.id == sid)).one()


def test_a_touch_behind_another_write_is_skipped_and_the_next_one_is_written(engine):
    row = stored_session(engine, "a" * 64, seen_at=NOW)
    row.seen_at = NOW + timedelta(minutes=2)
    with another_write(engine, row.id), Session(engine) as s:
        assert touch_session(s, row, policy=SessionPolicy()) is False
    assert seen_at(engine, row.id) == NOW
    with Session(engine) as s:
        assert touch_session(s, row, policy=SessionPolicy()) is True
    assert seen_at(engine, row.id) == NOW + timedelta(minutes=2)


def test_expired_sessions_are_purged_when_the_database_is_free_and_left_for_later_when_not(engine):
    old = stored_session(engine, "b" * 64, seen_at=NOW - timedelta(hours=1))
    stored_session(engine, "c" * 64, seen_at=NOW)
    with another_write(engine, old.id), Session(engine) as s:
        assert purge_expired(s, now=NOW) == 0
    with Session(engine) as s:
        assert purge_expired(s, now=NOW) == 1
        assert [r.id for r in s.exec(select(DeskSession))] == ["c" * 64]
