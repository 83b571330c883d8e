"""The web desk: `create_app()` builds the FastAPI application with its collaborators injected.

Server-rendered Jinja2 (autoescaped, UTF-8, zh-CN) with htmx served from ./static. Every page calls the
same domain actions and queries as the CLI (models.actions, models.queries, models.dashboard); no
business rule lives here. Access: server-side sessions (models.sessions) named by a signed random cookie, CSRF on
every POST, a role check on every route.
"""

import gc
import logging
import secrets
from collections.abc import Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from interfaces.web.security import (COOKIE, CSRF_FIELD, CSRF_HEADER, PasswordChecks, RateLimiter, Sessions,
                                     TrustedProxies, WebSession, csrf_ok)
from interfaces.web.security import secret_key as stored_secret_key
from models import outbox
from models.attachments import MAX_TOTAL_BYTES, MiB, size_label
from models.enums import Role
from models.identity import CaseRef
from models.sessions import LockoutPolicy, SessionPolicy
from models.tables import SHANGHAI, User

HERE = Path(__file__).parent
log = logging.getLogger("gongkai.desk")


class Denied(Exception):
    """The user may not see this page or take this action (403)."""

    def __init__(self, message_zh: str = "您的角色无权访问此页面或执行此操作。"):
        super().__init__(message_zh)
        self.message_zh = message_zh


class LoginRequired(Exception):
    pass


class CsrfFailed(Exception):
    pass


class BodyRefused(Exception):
    """A POST body refused before it is read: too large (413), or multipart without a declared length (411)."""

    def __init__(self, status: int, message_zh: str):
        super().__init__(message_zh)
        self.status = status
        self.message_zh = message_zh


@dataclass
class Desk:
    """What every request is given: the engine, the calendar, the clock and the security collaborators."""

    engine: Engine
    calendar: object
    now: Callable[[], datetime]
    sessions: Sessions
    public_limiter: RateLimiter
    login_limiter: RateLimiter
    templates: Jinja2Templates
    after_action: Callable[[CaseRef, str, datetime], str]  # the case's automatic steps (workflows.trigger)
    upload_limit: int = MAX_TOTAL_BYTES + MiB  # the largest POST body: one opinion's attachments and its fields
    passwords: PasswordChecks = field(default_factory=PasswordChecks)  # argon2 off the pages' CPU
    proxies: TrustedProxies = field(default_factory=TrustedProxies)  # whose X-Forwarded-For to believe (none)
    lockout: LockoutPolicy = field(default_factory=LockoutPolicy)  # wrong passwords in a row that lock an account

    def client_address(self, request: Request) -> str:
        """The client the throttles count: the TCP peer, or what a trusted proxy says it forwarded."""
        return self.proxies.client(request.client.host if request.client else None,
                                   request.headers.get("x-forwarded-for"))

    def secure_cookie(self, request: Request) -> bool:
        if self.sessions.secure is not None:
            return self.sessions.secure
        return self.proxies.https(request.url.scheme, request.client.host if request.client else None,
                                  request.headers.get("x-forwarded-proto"))


@dataclass
class Web:
    """One request: its DB session, user, cookie session and time (read once)."""

    request: Request
    desk: Desk
    db: Session
    user: User | None
    session: WebSession
    now: datetime

    @property
    def role(self) -> Role | None:
        return Role(self.user.role) if self.user else None

    @cached_property
    def unread_notices(self) -> int:
        """The user's unread notifications for the navigation: one COUNT on ix_outbox_message_inbox, run only
        when a page that shows the navigation reads it (htmx fragments never do)."""
        return outbox.unread_count(self.db, self.user) if self.user else 0

    def render(self, template: str, status_code: int = 200, **context) -> HTMLResponse:
        context.setdefault("flash", self.session.pop_flash())
        return self.desk.templates.TemplateResponse(
            self.request, template, {"web": self, "user": self.user, "role": self.role,
                                     "csrf": self.session.csrf, **context},
            status_code=status_code,
        )

    def redirect(self, url: str, message: str | None = None) -> RedirectResponse:
        if message:
            self.session.add_flash(message)
        return RedirectResponse(url, status_code=303)


HOME = {
    Role.clerk: "/worklist",
    Role.department_handler: "/inbox",
    Role.legal_counsel: "/review",
    Role.coordinating_leader: "/coordination",
    Role.office_head: "/coordination",
    Role.supervisor: "/dashboard",
    Role.admin: "/dashboard",
}


def create_app(engine: Engine | None = None, calendar=None, clock: Callable[[], datetime] | None = None, *,
               secret_key: str | None = None, idle_timeout: timedelta = timedelta(minutes=30),
               absolute_timeout: timedelta = timedelta(hours=10), public_limit: int = 10,
               secure_cookies: bool | None = None, trusted_proxies: tuple[str, ...] | None = None,
               lockout: LockoutPolicy | None = None) -> FastAPI:
    """The desk application on `engine` (the configured database by default), with calendar and `clock()` injected.

    Every action triggers the case's automatic steps through workflows.trigger, exactly as the CLI does, on
    the desk's own database: through this installation's Prefect, or inline (GONGKAI_ENGINE=inline, or no
    Prefect configured). There is no other trigger to inject: what the tests drive is what clerks use.

    The secret key, trusted proxies, the cookie's Secure flag and the lockout come from the settings
    (GONGKAI_SECRET_KEY or <var dir>/secret_key, GONGKAI_TRUSTED_PROXIES, GONGKAI_SECURE_COOKIES,
    GONGKAI_LOCKOUT_FAILURES / _MINUTES) unless given here.
    """
    from models.settings import Settings
    from models.db import default_engine, require_current_schema
    from workflows.trigger import after_action as trigger

    engine = engine or default_engine()
    require_current_schema(engine)  # a database gongkai init has not prepared is refused at start, in Chinese
    if calendar is None:
        from calendars import load_calendar

        calendar = load_calendar()
    now = clock or (lambda: datetime.now(SHANGHAI))
    settings = Settings.load()
    key = secret_key or stored_secret_key(settings.var_dir)
    templates = Jinja2Templates(directory=str(HERE / "templates"))  # autoescape is on for .html
    from interfaces.web import problem_views, redaction_views, views

    views.install_filters(templates.env)
    desk = Desk(
        engine=engine, calendar=calendar, now=now,
        sessions=Sessions(engine, key, now=now, policy=SessionPolicy(idle=idle_timeout, absolute=absolute_timeout),
                          secure=secure_cookies if secure_cookies is not None else settings.secure_cookies),
        public_limiter=RateLimiter(limit=public_limit, window=timedelta(minutes=1), now=now),
        login_limiter=RateLimiter(limit=20, window=timedelta(minutes=1), now=now),
        templates=templates,
        after_action=lambda case, action, now: trigger(case, action, engine=engine, now=now),
        proxies=TrustedProxies(settings.trusted_proxies if trusted_proxies is None else trusted_proxies),
        lockout=lockout or LockoutPolicy(failures=settings.lockout_failures,
                                         period=timedelta(minutes=settings.lockout_minutes)),
    )
    app = FastAPI(title="公开 Gongkai 工作台", docs_url=None, redoc_url=None, openapi_url=None, lifespan=_serving)
    app.state.desk = desk
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    from interfaces.web.api import create_api

    app.mount("/api/v1", create_api(desk))  # the JSON API, its OpenAPI document at /api/v1/openapi.json

    @app.middleware("http")
    async def session_cookie(request: Request, call_next):
        if request.url.path.startswith(("/static/", "/api/")):  # no session for htmx, the stylesheet and the API
            return await call_next(request)
        # the session row is read and written on the thread pool, never on the event loop
        session = await run_in_threadpool(desk.sessions.load, request.cookies.get(COOKIE))
        request.state.web_session = session
        response = await call_next(request)
        if session.dirty or session.touched or session.ended:
            cookie = await run_in_threadpool(desk.sessions.save, session)
            if cookie:
                response.set_cookie(COOKIE, cookie, httponly=True, samesite="lax", secure=desk.secure_cookie(request),
                                    path="/")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    @app.exception_handler(LoginRequired)
    async def _login_required(request: Request, exc: LoginRequired):
        session = request.state.web_session
        if session.expired:
            session.add_flash("登录已超时，请重新登录。", "error")
        elif session.revoked:
            session.add_flash("您的账号角色、密码或状态已变更，登录已失效，请重新登录。", "error")
        target = "/login?next=" + request.url.path
        if request.headers.get("hx-request"):
            return HTMLResponse("", status_code=401, headers={"HX-Redirect": target})
        return RedirectResponse(target, status_code=303)

    @app.exception_handler(Denied)
    async def _denied(request: Request, exc: Denied):
        return await _error_page(request, desk, "无权访问", exc.message_zh, 403)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException):
        """No such page (404) or method (405): a Chinese page with the user's navigation, not FastAPI's JSON."""
        if exc.status_code == 404:
            return await _error_page(request, desk, "页面不存在", "您访问的页面不存在，请从导航重新进入，或按编号查找申请。", 404)
        if exc.status_code == 405:
            return await _error_page(request, desk, "无法访问", "不能以这种方式访问该页面，请从导航重新进入。", 405)
        return await _error_page(request, desk, "无法访问", str(exc.detail), exc.status_code)

    @app.exception_handler(BodyRefused)
    async def _body_refused(request: Request, exc: BodyRefused):
        return await _error_page(request, desk, "无法提交", exc.message_zh, exc.status)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception):
        """Never a bare 500: a Chinese page with a reference the administrator finds in the log with its traceback."""
        reference = secrets.token_hex(4).upper()
        log.error("unexpected error %s on %s %s", reference, request.method, request.url.path, exc_info=exc)
        return await _error_page(request, desk, "系统错误",
                           f"系统处理请求时出错，本次操作可能未完成。请稍后重试；如仍出错，请将参考编号 {reference} "
                           "告知系统管理员。", 500)

    @app.exception_handler(CsrfFailed)
    async def _csrf(request: Request, exc: CsrfFailed):
        return await _error_page(request, desk, "请求已失效",
                           "表单校验码无效或已过期（可能是页面停留过久或在其他窗口重新登录），请返回刷新页面后重试。", 403)

    app.include_router(views.router)
    from interfaces.web import admin_views

    app.include_router(admin_views.router)
    app.include_router(redaction_views.router)
    app.include_router(problem_views.router)
    from interfaces.web import annual_views

    app.include_router(annual_views.router)
    from interfaces.web import portal_views

    portal_views.install(app, desk, secret_key=key, root_path=settings.root_path)  # the applicant portal, /portal
    from interfaces.web import mock_views

    app.include_router(mock_views.router)
    from interfaces.web import periodic_views

    app.include_router(periodic_views.router)
    from interfaces.web import art44_views

    app.include_router(art44_views.router)
    return app


def settle_collector() -> None:
    """Keep the garbage collector out of the requests: the objects of start-up (Prefect, SQLAlchemy, the
    templates) are frozen so that no collection rescans them, and the youngest generation is collected
    less often, since a dashboard request allocates tens of thousands of short-lived rows. Measured in
    bench/desk_bench.py (1M applications): the dashboard's p95 went from 2.2× its p50 (121 ms) to 1.4× (74 ms)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 20, 20)


@asynccontextmanager
async def _serving(app: FastAPI):
    settle_collector()
    yield


async def _error_page(request: Request, desk: Desk, title: str, message: str, status: int) -> HTMLResponse:
    """_plain_page off the event loop: it reads the user (and the navigation's unread count) from the database."""
    return await run_in_threadpool(_plain_page, request, desk, title, message, status)


def _plain_page(request: Request, desk: Desk, title: str, message: str, status: int) -> HTMLResponse:
    """An error page with the navigation of whoever is logged in (the logged-out one only when nobody is)."""
    session = getattr(request.state, "web_session", None)  # absent only if the error came before the session loaded
    context = {"web": None, "user": None, "role": None, "csrf": session.csrf if session else "", "flash": [],
               "title": title, "message": message}
    if session is not None and session.uid is not None:
        with Session(desk.engine, expire_on_commit=False) as db:
            try:
                user = db.get(User, session.uid)
                if user is not None and user.active:
                    web = Web(request, desk, db, user, session, desk.now())
                    # rendered while the session is open: the navigation counts the user's unread notices
                    return desk.templates.TemplateResponse(
                        request, "message.html", context | {"web": web, "user": user, "role": web.role},
                        status_code=status)
            except SQLAlchemyError:  # the database itself failed (a 500): the page still shows, logged out
                log.warning("error page without the user's navigation: the database did not answer")
    return desk.templates.TemplateResponse(request, "message.html", context, status_code=status)


def _check_length(request: Request) -> None:
    """Refuse a body larger than Desk.upload_limit from its Content-Length, before a byte of it is read."""
    limit = request.app.state.desk.upload_limit
    length = request.headers.get("content-length")
    if length is None:
        if request.headers.get("content-type", "").startswith("multipart/"):  # browsers always declare it
            raise BodyRefused(411, "上传请求缺少长度信息，请使用浏览器重新提交。")
        return
    if not length.isdigit() or int(length) > limit:
        raise BodyRefused(413, f"提交的内容超过 {size_label(limit)} 的上限（附件合计不超过 {size_label(MAX_TOTAL_BYTES)}），"
                               "请减少或压缩附件后重新提交。")


async def posted_form(request: Request):
    """Dependency: the POSTed form, read on the event loop and CSRF-checked, so that the handlers stay sync and
    run in FastAPI's threadpool (SQL, password hashing, PDF rendering and the trigger never block the loop)."""
    return await checked_form(request)


async def checked_form(request: Request):
    """The POSTed form, after its CSRF token (form field or htmx header) matched the session's."""
    _check_length(request)
    form = await request.form()
    submitted = form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER)
    if not csrf_ok(request.state.web_session, submitted):
        raise CsrfFailed()
    return form
