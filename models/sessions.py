"""Desk sessions kept in the database, and the lockout of an account after repeated wrong passwords.

A desk session is a row: the browser's cookie holds only a random token, the row is found by the token's
SHA-256, and it holds the user, the CSRF token and the flash messages. Ending a session deletes its row, so a
cookie saved before logout is worthless after it. Each row also holds a stamp of what the user could do when
they logged in (role, password, active, agency, department): a change to any of them, by whatever writes
it (the desk's admin pages, the CLI, SQL), ends the user's sessions at their next request.

An account is locked after `LockoutPolicy.failures` wrong passwords in a row; the lock ends by itself after
`LockoutPolicy.period`, or when an administrator unlocks it (`unlock_user`, `gongkai user unlock`). Both the
lock and the unlock are kept in admin_event. Time is passed in; nothing here reads the clock.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Column, String, delete, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import JSON, Field, Session, SQLModel, select

from models.context import Ctx, action
from models.enums import Role
from models.errors import RoleNotAllowed, ValidationFailed
from models.tables import AdminEvent, AwareDateTime, User

SYSTEM = "系统"


class DeskSession(SQLModel, table=True):
    """One signed-in (or anonymous) browser of the desk; deleting the row ends it."""

    __tablename__ = "desk_session"

    id: str = Field(sa_column=Column(String(64), primary_key=True))  # SHA-256 of the cookie's token, never the token
    user_id: int | None = Field(default=None, foreign_key="user_account.id", index=True)
    stamp: str = Field(default="", sa_column=Column(String(64), nullable=False))  # auth_stamp(user) at login
    csrf: str = Field(sa_column=Column(String(64), nullable=False))
    flash: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(sa_column=Column(AwareDateTime(), nullable=False))
    login_at: datetime | None = Field(default=None, sa_column=Column(AwareDateTime(), nullable=True))
    seen_at: datetime = Field(sa_column=Column(AwareDateTime(), nullable=False))
    expires_at: datetime = Field(sa_column=Column(AwareDateTime(), nullable=False, index=True))


class LoginLock(SQLModel, table=True):
    """An account's wrong passwords in a row, and until when it is locked."""

    __tablename__ = "login_lock"

    user_id: int = Field(foreign_key="user_account.id", primary_key=True)
    failures: int = 0
    last_failure_at: datetime | None = Field(default=None, sa_column=Column(AwareDateTime(), nullable=True))
    locked_until: datetime | None = Field(default=None, sa_column=Column(AwareDateTime(), nullable=True))


# --- sessions -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionPolicy:
    """Idle: since the last request; absolute: since login (or since the anonymous session began)."""

    idle: timedelta = timedelta(minutes=30)
    absolute: timedelta = timedelta(hours=10)
    # seen_at is written at most this often: a page view is not a database write
    touch_every: timedelta = timedelta(minutes=1)

    def expiry(self, row: DeskSession) -> datetime:
        return min(row.seen_at + self.idle, (row.login_at or row.created_at) + self.absolute)


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_id(token: str) -> str:
    """The row's key: a database reader learns no cookie that works."""
    return hashlib.sha256(token.encode()).hexdigest()


def auth_stamp(user: User) -> str:
    """What the user may do, as a hash: a change of role, password, status, agency or department changes it."""
    parts = (user.id, str(getattr(user.role, "value", user.role)), user.password_hash or "", bool(user.active),
             user.agency_id, user.department_id)
    return hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()


@dataclass
class Found:
    """The session a token names, or why it no longer counts ("expired", "revoked"; None: never existed)."""

    row: DeskSession | None
    ended: str | None = None


def find_session(db: Session, token: str, *, now: datetime) -> Found:
    """The live session of `token`. An expired one, or one whose user changed or left, is deleted here."""
    row = db.get(DeskSession, token_id(token))
    if row is None:
        return Found(None)
    ended = None
    if now >= row.expires_at:
        ended = "expired"
    elif row.user_id is not None:
        user = db.get(User, row.user_id)
        if user is None or not user.active or auth_stamp(user) != row.stamp:
            ended = "revoked"
    if ended:
        db.delete(row)
        db.commit()
        return Found(None, ended if row.user_id is not None else None)
    return Found(row)


def save_session(db: Session, row: DeskSession, *, policy: SessionPolicy, new: bool) -> bool:
    """Insert a new session, or update a stored one; a session ended meanwhile (logout in another tab, a role
    change) stays ended: an update never brings a deleted row back. Returns whether the row is stored."""
    row.expires_at = policy.expiry(row)
    if new:
        db.add(row)
        db.commit()
        return True
    updated = db.exec(update(DeskSession).where(DeskSession.id == row.id)
                      .values(flash=row.flash, seen_at=row.seen_at, expires_at=row.expires_at)).rowcount
    db.commit()
    return bool(updated)


def touch_session(db: Session, row: DeskSession, *, policy: SessionPolicy) -> bool:
    """Move the sliding idle expiry on (seen_at), only if the database takes the write at once: a page view never
    waits behind another write for it. Skipped, the next request tries again; a session in use for half an hour
    while every one of its touches found the database busy could end early, never late."""
    row.expires_at = policy.expiry(row)
    return _write_if_free(db, update(DeskSession).where(DeskSession.id == row.id)
                          .values(seen_at=row.seen_at, expires_at=row.expires_at)) is not None


def purge_expired(db: Session, *, now: datetime) -> int:
    """Delete the sessions past their expiry (idle or absolute), anonymous ones included; skipped while the database
    is busy with another write (an expired row counts for nothing: find_session refuses it)."""
    return _write_if_free(db, delete(DeskSession).where(DeskSession.expires_at <= now)) or 0


BRIEF_WAIT_MS = 50  # what a page view's housekeeping write waits for the database, at most


def _write_if_free(db: Session, statement) -> int | None:
    """Execute and commit `statement` if the database takes it within BRIEF_WAIT_MS: its row count, else None (rolled
    back, nothing raised). A SQLite connection gets its usual wait back before it returns to the pool."""
    connection = db.connection()
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        usual = connection.exec_driver_sql("PRAGMA busy_timeout").scalar()
        connection.exec_driver_sql(f"PRAGMA busy_timeout = {BRIEF_WAIT_MS}")
    else:
        connection.exec_driver_sql(f"SET LOCAL lock_timeout = '{BRIEF_WAIT_MS}ms'")  # ends with the transaction
    try:
        try:
            count = db.exec(statement).rowcount
        finally:
            if sqlite:
                connection.exec_driver_sql(f"PRAGMA busy_timeout = {usual}")
        db.commit()
        return count
    except OperationalError:  # "database is locked" (SQLite), lock_timeout (PostgreSQL)
        db.rollback()
        return None


def delete_session(db: Session, session_id: str) -> None:
    db.exec(delete(DeskSession).where(DeskSession.id == session_id))
    db.commit()


def end_sessions(db: Session, *, user_id: int) -> int:
    """End every desk session of a user (logout everywhere); returns how many were ended."""
    ended = db.exec(delete(DeskSession).where(DeskSession.user_id == user_id)).rowcount
    db.commit()
    return ended


def live_sessions(db: Session, *, user_id: int, now: datetime) -> list[DeskSession]:
    return list(db.exec(select(DeskSession).where(DeskSession.user_id == user_id, DeskSession.expires_at > now)
                        .order_by(DeskSession.login_at)))


# --- lockout ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LockoutPolicy:
    failures: int = 10  # wrong passwords in a row that lock the account
    period: timedelta = timedelta(minutes=30)  # after which the lock ends by itself


def locked_until(db: Session, user: User, *, now: datetime) -> datetime | None:
    """When the account's lock ends, if it is locked now."""
    lock = db.get(LoginLock, user.id)
    if lock is None or lock.locked_until is None or lock.locked_until <= now:
        return None
    return lock.locked_until


def locked_message(until: datetime, *, policy: LockoutPolicy) -> str:
    return (f"该账号因连续{policy.failures}次密码错误已被锁定，请于{until:%Y-%m-%d %H:%M}后再试，"
            "或联系系统管理员解锁。")


def record_failure(db: Session, user: User, *, now: datetime, policy: LockoutPolicy, client: str = "") -> datetime | None:
    """A wrong password for `user`: count it; at `policy.failures` in a row the account is locked (and that is
    logged in admin_event). Returns when the lock ends if the account is locked now."""
    if db.get(LoginLock, user.id) is None:
        try:
            db.add(LoginLock(user_id=user.id))
            db.commit()
        except IntegrityError:  # another desk process counted this user's first failure at the same moment
            db.rollback()
    # the period is over: count afresh. Each step is one UPDATE, so two desk processes counting at once lose none.
    db.exec(update(LoginLock).where(LoginLock.user_id == user.id, LoginLock.locked_until <= now)
            .values(failures=0, locked_until=None))
    db.exec(update(LoginLock).where(LoginLock.user_id == user.id)
            .values(failures=LoginLock.failures + 1, last_failure_at=now))
    lock = db.exec(select(LoginLock).where(LoginLock.user_id == user.id)
                   .execution_options(populate_existing=True)).first()
    if lock is None:  # a right password (or an unlock) in another request started the count again meanwhile
        db.commit()
        return None
    if lock.locked_until is None and lock.failures >= policy.failures:
        locked = db.exec(update(LoginLock).where(LoginLock.user_id == user.id, LoginLock.locked_until.is_(None))
                         .values(locked_until=now + policy.period)).rowcount
        if locked:  # this request locked it (not another process a moment before)
            db.add(AdminEvent(agency_id=user.agency_id, action="lock_user", actor_id=None, actor_name=SYSTEM, at=now,
                              data={"username": user.username, "failures": lock.failures,
                                    "locked_until": (now + policy.period).isoformat(), "client": client}))
        lock = db.exec(select(LoginLock).where(LoginLock.user_id == user.id)
                       .execution_options(populate_existing=True)).one()
    db.commit()
    return lock.locked_until if lock.locked_until is not None and lock.locked_until > now else None


def record_success(db: Session, user: User) -> None:
    """A right password: the count of failures in a row starts again."""
    db.exec(delete(LoginLock).where(LoginLock.user_id == user.id))
    db.commit()


@action
def unlock_user(ctx: Ctx, *, username: str) -> User:
    """An administrator unlocks an account locked after repeated wrong passwords; kept in admin_event."""
    if ctx.actor is None or Role(ctx.actor.role) != Role.admin:
        raise RoleNotAllowed("只有系统管理员可以解锁用户账号。", "only admins unlock accounts")
    user = ctx.session.exec(select(User).where(User.username == username)).first()
    if user is None:
        raise ValidationFailed(f"用户「{username}」不存在。", f"no user {username!r}", field="username")
    lock = ctx.session.get(LoginLock, user.id)
    if lock is None or lock.locked_until is None or lock.locked_until <= ctx.now:
        raise ValidationFailed(f"用户「{username}」未被锁定。", f"user {username!r} is not locked", field="username")
    ctx.session.add(AdminEvent(agency_id=user.agency_id, action="unlock_user", actor_id=ctx.actor.id,
                               actor_name=ctx.actor.full_name, at=ctx.now,
                               data={"username": username, "failures": lock.failures,
                                     "locked_until": lock.locked_until.isoformat()}))
    ctx.session.delete(lock)
    return user
