"""Sessions, CSRF, the public rate limiter and masking: the desk's security plumbing, clock injected.

The session lives in a signed cookie (itsdangerous): the user id, a CSRF token and the times of login and
of the last request. Expiry is checked against the injected clock so tests can move time.
"""

import hmac
import os
import secrets
import sys
import threading
from collections import defaultdict, deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from itsdangerous import BadSignature, URLSafeSerializer

COOKIE = "gongkai_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


@dataclass
class WebSession:
    """What the cookie carries; `dirty` when it must be written back."""

    csrf: str
    uid: int | None = None
    login_at: float | None = None
    seen_at: float | None = None
    flash: list = field(default_factory=list)
    expired: bool = False
    dirty: bool = False

    def to_dict(self) -> dict:
        return {"csrf": self.csrf, "uid": self.uid, "login_at": self.login_at, "seen_at": self.seen_at,
                "flash": self.flash}

    def add_flash(self, message: str, kind: str = "ok") -> None:
        self.flash.append([kind, message])
        self.dirty = True

    def pop_flash(self) -> list:
        messages, self.flash = self.flash, []
        if messages:
            self.dirty = True
        return messages


class Sessions:
    """Signs and checks session cookies; idle and absolute expiry measured on the injected clock."""

    def __init__(self, secret_key: str, *, now: Callable[[], datetime], idle: timedelta, absolute: timedelta,
                 secure: bool = False):
        self._serializer = URLSafeSerializer(secret_key, salt="gongkai-desk-session")
        self._now = now
        self.idle = idle
        self.absolute = absolute
        self.secure = secure

    def load(self, cookie: str | None) -> WebSession:
        data = None
        if cookie:
            try:
                data = self._serializer.loads(cookie)
            except BadSignature:
                data = None
        if not isinstance(data, dict) or not isinstance(data.get("csrf"), str):
            return WebSession(csrf=secrets.token_urlsafe(32), dirty=True)
        session = WebSession(csrf=data["csrf"], uid=data.get("uid"), login_at=data.get("login_at"),
                             seen_at=data.get("seen_at"), flash=list(data.get("flash") or []))
        if session.uid is not None:
            now = self._now().timestamp()
            idle_over = session.seen_at is None or now - session.seen_at > self.idle.total_seconds()
            absolute_over = session.login_at is None or now - session.login_at > self.absolute.total_seconds()
            if idle_over or absolute_over:
                self.log_out(session)
                session.expired = True
            else:
                session.seen_at = now  # sliding idle expiry
                session.dirty = True
        return session

    def log_in(self, session: WebSession, uid: int) -> None:
        """A fresh CSRF token at login, so a token seen before login is worthless after it."""
        now = self._now().timestamp()
        session.uid, session.login_at, session.seen_at = uid, now, now
        session.csrf = secrets.token_urlsafe(32)
        session.dirty = True

    def log_out(self, session: WebSession) -> None:
        session.uid = session.login_at = session.seen_at = None
        session.csrf = secrets.token_urlsafe(32)
        session.dirty = True

    def dump(self, session: WebSession) -> str:
        return self._serializer.dumps(session.to_dict())


def csrf_ok(session: WebSession, submitted: str | None) -> bool:
    return bool(submitted) and hmac.compare_digest(session.csrf, submitted)


class RateLimiter:
    """A sliding window per key (the client address): at most `limit` hits per `window`."""

    def __init__(self, *, limit: int, window: timedelta, now: Callable[[], datetime]):
        self.limit = limit
        self.window = window.total_seconds()
        self._now = now
        self._hits: dict[str, deque] = defaultdict(deque)
        self._lock = threading.Lock()

    def allow(self, key: str) -> bool:
        now = self._now().timestamp()
        with self._lock:
            hits = self._hits[key]
            while hits and now - hits[0] >= self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                return False
            hits.append(now)
            if len(self._hits) > 10_000:  # forget idle clients so memory stays bounded
                for k in [k for k, v in self._hits.items() if not v]:
                    del self._hits[k]
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
