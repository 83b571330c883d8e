"""Counting wrong passwords while another request resets the count (models.sessions.record_failure)."""

from datetime import datetime

from sqlalchemy import event
from sqlalchemy.sql import Update
from sqlmodel import Session, select

from models.demo import seed_demo
from models.sessions import LockoutPolicy, LoginLock, record_failure, record_success
from models.tables import SHANGHAI, User

NOW = datetime(2026, 3, 2, 10, tzinfo=SHANGHAI)


def test_a_wrong_password_counted_while_a_right_one_resets_the_count_is_no_error(engine):
    """A guesser's wrong password for `head` while head logs in: the right password removes the count between the
    guess's check and its count. The guess is answered as a wrong password (it was a server error, 500)."""
    with Session(engine, expire_on_commit=False) as s:
        seed_demo(s, password_hash="x")
        head = s.exec(select(User).where(User.username == "head")).one()
        assert record_failure(s, head, now=NOW, policy=LockoutPolicy()) is None  # the count's row exists now
        updates = []

        @event.listens_for(s, "do_orm_execute")
        def right_password_meanwhile(state):
            if isinstance(state.statement, Update) and not updates:
                updates.append(state.statement)
                with Session(engine) as other:
                    record_success(other, head)

        assert record_failure(s, head, now=NOW, policy=LockoutPolicy()) is None
        assert updates
    with Session(engine) as s:
        assert s.get(LoginLock, head.id) is None  # the right password's fresh start stands


def test_the_tenth_wrong_password_in_a_row_locks_the_account(engine):
    with Session(engine, expire_on_commit=False) as s:
        seed_demo(s, password_hash="x")
        head = s.exec(select(User).where(User.username == "head")).one()
        answers = [record_failure(s, head, now=NOW, policy=LockoutPolicy()) for _ in range(10)]
    assert answers[:9] == [None] * 9
    assert answers[9] == NOW + LockoutPolicy().period
