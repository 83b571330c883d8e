"""Sessions, CSRF, client addresses, the rate limiters, the secret key and masking: the desk's security
plumbing, clock injected.

A session is a row of desk_session (models.sessions): the cookie holds only a random token, signed with the
desk's secret key so that a forged cookie is refused without a database read. The CSRF token and the flash
messages live in the row. Expiry (idle and absolute) is checked against the injected clock so tests can move time.
"""

import hmac
import ipaddress
import logging
import os
import secrets
import sys
import threading
from collections import defaultdict, deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path

from itsdangerous import BadSignature, Signer
from sqlalchemy.engine import Engine
from sqlmodel import Session

from models import sessions as stored
from models.sessions import DeskSession, SessionPolicy

COOKIE = "gongkai_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SECRET_KEY_FILE = "secret_key"  # under GONGKAI_VAR_DIR, mode 0600, when GONGKAI_SECRET_KEY is not set
log = logging.getLogger("gongkai.desk")


class WebSession:
    """One request's view of its session row; `dirty` when the row must be written back."""

    def __init__(self, row: DeskSession, *, stored_row: bool):
        self.row = row
        self.stored = stored_row  # the row is in the database
        self.token = ""  # the cookie's token, known only for a session made during this request
        self.dirty = False
        self.touched = False  # only seen_at moved on: written if the database is free (models.sessions.touch_session)
        self.expired = False  # the previous session ran out (idle or absolute) at this request
        self.revoked = False  # the previous session was ended: the user's role, password or status changed
        self.ended: list[str] = []  # row ids to delete (the session before login, or the one logged out)

    @property
    def csrf(self) -> str:
        if not self.stored:
            self.dirty = True  # a page shows the token: the row must exist when the form comes back
        return self.row.csrf

    @property
    def uid(self) -> int | None:
        return self.row.user_id

    @property
    def flash(self) -> list:
        return self.row.flash

    def add_flash(self, message: str, kind: str = "ok") -> None:
        self.row.flash = [*self.row.flash, [kind, message]]
        self.dirty = True

    def pop_flash(self) -> list:
        messages = self.row.flash
        if messages:
            self.row.flash = []
            self.dirty = True
        return messages


class Sessions:
    """Finds, makes, ends and stores desk sessions; the cookie carries only the signed random token."""

    def __init__(self, engine: Engine, secret_key: str, *, now: Callable[[], datetime],
                 policy: SessionPolicy = SessionPolicy(), secure: bool | None = None):
        self._engine = engine
        self._signer = Signer(secret_key, salt="gongkai-desk-session")
        self._now = now
        self.policy = policy
        self.secure = secure  # None: Secure when the request came over HTTPS
        self._purged_at: datetime | None = None

    @property
    def idle(self) -> timedelta:
        return self.policy.idle

    @property
    def absolute(self) -> timedelta:
        return self.policy.absolute

    def _fresh(self, now: datetime) -> WebSession:
        token = stored.new_token()
        row = DeskSession(id=stored.token_id(token), csrf=secrets.token_urlsafe(32), flash=[], created_at=now,
                          seen_at=now, expires_at=now)
        session = WebSession(row, stored_row=False)
        session.token = token
        return session

    def token_of(self, cookie: str | None) -> str | None:
        if not cookie:
            return None
        try:
            return self._signer.unsign(cookie).decode()
        except (BadSignature, UnicodeDecodeError):
            return None

    def load(self, cookie: str | None) -> WebSession:
        """The session the cookie names; a new anonymous one (not yet stored) if none, or if it ended."""
        now = self._now()
        token = self.token_of(cookie)
        found = stored.Found(None)
        if token is not None:
            with Session(self._engine, expire_on_commit=False) as db:
                found = stored.find_session(db, token, now=now)
        if found.row is None:
            session = self._fresh(now)
            session.expired, session.revoked = found.ended == "expired", found.ended == "revoked"
            return session
        session = WebSession(found.row, stored_row=True)
        if now - found.row.seen_at >= self.policy.touch_every:  # sliding idle expiry, written once a minute at most
            found.row.seen_at = now
            session.touched = True
        return session

    def log_in(self, session: WebSession, user) -> None:
        """A new token and CSRF token at login, so neither a cookie nor a token seen before login works after it."""
        now = self._now()
        if session.stored:
            session.ended.append(session.row.id)
        fresh = self._fresh(now)
        fresh.row.user_id, fresh.row.stamp, fresh.row.login_at = user.id, stored.auth_stamp(user), now
        fresh.row.flash = []
        session.row, session.token, session.stored, session.dirty = fresh.row, fresh.token, False, True

    def log_out(self, session: WebSession) -> None:
        """The row is deleted: the cookie, and any copy of it, is worthless from now on."""
        if session.stored:
            session.ended.append(session.row.id)
        fresh = self._fresh(self._now())
        session.row, session.token, session.stored, session.dirty = fresh.row, fresh.token, False, True

    def save(self, session: WebSession) -> str | None:
        """Write the session back; returns the cookie to set when the token is new (None: the cookie stays)."""
        now = self._now()
        with Session(self._engine, expire_on_commit=False) as db:
            for ended in session.ended:
                stored.delete_session(db, ended)
            if session.dirty:
                session.stored = stored.save_session(db, session.row, policy=self.policy, new=not session.stored)
            elif session.touched:
                stored.touch_session(db, session.row, policy=self.policy)
            if self._purged_at is None or now - self._purged_at >= timedelta(minutes=5):
                self._purged_at = now
                stored.purge_expired(db, now=now)
        session.ended, session.dirty, session.touched = [], False, False
        return self._signer.sign(session.token).decode() if session.token else None


def csrf_ok(session: WebSession, submitted: str | None) -> bool:
    return bool(submitted) and session.stored and hmac.compare_digest(session.csrf, submitted)


class TrustedProxies:
    """Whose X-Forwarded-For the desk believes: only the configured proxies' (GONGKAI_TRUSTED_PROXIES).

    By default none is trusted, so a client cannot pick its own address by sending the header. Behind trusted
    proxies the client is the nearest address in the header that is not itself a trusted proxy.
    """

    def __init__(self, proxies=()):
        self.networks = tuple(ipaddress.ip_network(p.strip(), strict=False) for p in proxies if p.strip())

    def trusts(self, address: str | None) -> bool:
        try:
            ip = ipaddress.ip_address((address or "").strip())
        except ValueError:
            return False
        return any(ip in network for network in self.networks)

    def client(self, peer: str | None, forwarded_for: str | None) -> str:
        """The client's address, for the throttles and the logs."""
        peer = peer or "?"
        if not self.trusts(peer) or not forwarded_for:
            return peer
        hops = [h.strip() for h in forwarded_for.split(",") if h.strip()]
        for hop in reversed(hops):  # appended by each proxy on the way: the rightmost untrusted one is the client
            if not self.trusts(hop):
                return hop
        return hops[0] if hops else peer

    def https(self, scheme: str, peer: str | None, forwarded_proto: str | None) -> bool:
        """Whether the browser's connection is HTTPS: our own TLS, or a trusted proxy's X-Forwarded-Proto."""
        if scheme == "https":
            return True
        return self.trusts(peer) and (forwarded_proto or "").split(",")[0].strip().lower() == "https"


def secret_key(var_dir: Path, environ=None) -> str:
    """GONGKAI_SECRET_KEY, else the key in <var dir>/secret_key, made once (mode 0600) and shared by every desk
    process of the installation: a second process, or a restart, keeps everyone logged in."""
    env = os.environ if environ is None else environ
    if env.get("GONGKAI_SECRET_KEY"):
        return env["GONGKAI_SECRET_KEY"]
    path = Path(var_dir) / SECRET_KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f".{SECRET_KEY_FILE}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w", encoding="ascii") as out:
                out.write(secrets.token_urlsafe(48) + "\n")
            try:
                os.link(draft, path)  # atomic and never overwrites: two processes starting at once share one key
            except FileExistsError:
                pass
        finally:
            draft.unlink(missing_ok=True)
    if path.stat().st_mode & 0o077:
        log.warning("secret key file %s was readable by others; set to 0600", path)
        path.chmod(0o600)
    key = path.read_text(encoding="ascii").strip()
    if len(key) < 32:
        raise RuntimeError(f"the secret key in {path} is shorter than 32 characters")
    return key


class RateLimiter:
    """A sliding window per key (the client address): at most `limit` counted hits per `window`.

    The throttles count failures only (a wrong password, a number and code that match nothing): `blocked`
    before the attempt, `record` after a failed one, so a user who succeeds is never slowed down.
    """

    def __init__(self, *, limit: int, window: timedelta, now: Callable[[], datetime]):
        self.limit = limit
        self.window = window.total_seconds()
        self._now = now
        self._hits: dict[str, deque] = defaultdict(deque)
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque:
        hits = self._hits[key]
        while hits and now - hits[0] >= self.window:
            hits.popleft()
        return hits

    def blocked(self, key: str) -> bool:
        with self._lock:
            return len(self._recent(key, self._now().timestamp())) >= self.limit

    def record(self, key: str) -> None:
        now = self._now().timestamp()
        with self._lock:
            self._recent(key, now).append(now)
            if len(self._hits) > 10_000:  # forget idle clients so memory stays bounded
                for k in [k for k, v in self._hits.items() if not v]:
                    del self._hits[k]

    def allow(self, key: str) -> bool:
        """Count this hit, unless the key is already at its limit."""
        with self._lock:
            if len(self._recent(key, self._now().timestamp())) >= self.limit:
                return False
        self.record(key)
        return True


class LoginBusy(Exception):
    """Too many password checks are already waiting: the login is refused at once rather than queued."""


class PasswordChecks:
    """The desk's argon2 work, kept from taking the CPU the pages need.

    argon2id is expensive by design (64 MiB, 4 lanes, about 0.25 s of CPU a check). Wrong-password guesses
    from many addresses (the per-address limiter does not stop those) ran four checks at once on a 2-core
    machine, and every page waited for the CPU. So the checks run here, `workers` at a time, on threads whose
    nice value is raised (on Linux; argon2's lane threads inherit it), and at most `waiting` more may queue:
    beyond that a login is refused at once (LoginBusy), so logins never hold more than workers + waiting of
    the request threads. Measured by bench/desk_load_bench.py (2 cores, same-run baseline): the pages' p95
    under load went from 2.2–4.3 s (16–24× the desk alone) to 94–318 ms (0.8–4.0×) over seven runs.
    """

    def __init__(self, *, workers: int = 1, waiting: int = 8, niceness: int = 10):
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="gongkai-password",
                                        initializer=_lower_priority, initargs=(niceness,))
        self._slots = threading.BoundedSemaphore(workers + waiting)

    def run(self, check: Callable, *args):
        """`check(*args)` on the password threads; the caller (a request thread) waits for its result."""
        if not self._slots.acquire(blocking=False):
            raise LoginBusy()
        try:
            return self._pool.submit(check, *args).result()
        finally:
            self._slots.release()


def _lower_priority(niceness: int) -> None:
    """Raise this thread's nice value by `niceness`: on Linux it is per thread, and threads it starts inherit it."""
    if sys.platform.startswith("linux") and niceness:
        me = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, me, min(os.getpriority(os.PRIO_PROCESS, me) + niceness, 19))


def mask_id(number: str | None) -> str:
    """110105********002X: region and the last four kept, birth date hidden."""
    if not number:
        return ""
    if len(number) <= 7:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def mask_phone(phone: str | None) -> str:
    """138****8000 (mobile) / 0539-****456 (landline)."""
    if not phone:
        return ""
    digits = phone.strip()
    if len(digits) <= 4:
        return "*" * len(digits)
    keep_head = 3 if len(digits) >= 11 else max(1, len(digits) - 7)
    keep_tail = 4 if len(digits) >= 11 else 3
    return digits[:keep_head] + "*" * (len(digits) - keep_head - keep_tail) + digits[-keep_tail:]
