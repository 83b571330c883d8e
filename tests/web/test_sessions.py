"""Sessions and logins (issue 13): server-side revocable sessions, trusted proxies, throttles that count failures
only, account lockout and unlock, the persisted secret key, the cookie's flags, CSRF and flashes kept server-side."""

import asyncio
import hashlib
import stat
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select
from typer.testing import CliRunner

from interfaces.web.app import create_app
from interfaces.web.security import COOKIE, SECRET_KEY_FILE, TrustedProxies
from models import sessions
from models.context import Ctx
from models.demo import DEMO_PASSWORD
from models.enums import Role
from models.errors import RoleNotAllowed, ValidationFailed
from models.passwords import hash_password
from models.sessions import DeskSession, LoginLock
from models.settings import Settings
from models.tables import AdminEvent, User
from tests.web.conftest import csrf_of


def client_of(app, username=None, *, password=DEMO_PASSWORD, **client_args):
    """A TestClient (any base_url / peer), logged in as `username` when given; returns (client, last response)."""
    client = TestClient(app, follow_redirects=False, **client_args)
    csrf = csrf_of(client.get("/login").text)
    response = None
    if username:
        response = client.post("/login", data={"username": username, "password": password, "csrf_token": csrf})
    return client, response


def try_login(client, username, password, headers=None):
    csrf = csrf_of(client.get("/login").text)
    return client.post("/login", data={"username": username, "password": password, "csrf_token": csrf},
                       headers=headers or {})


def rows(engine, **where):
    with Session(engine) as s:
        query = select(DeskSession)
        for name, value in where.items():
            query = query.where(getattr(DeskSession, name) == value)
        return list(s.exec(query))


def user_row(engine, username):
    with Session(engine) as s:
        return s.exec(select(User).where(User.username == username)).one()


# --- 1. server-side revocable sessions ----------------------------------------------------------------------


def test_a_cookie_saved_before_logout_no_longer_works_after_it(login):
    clerk = login("clerk")
    saved = clerk.client.cookies.get(COOKIE)
    assert clerk.post("/logout").status_code == 303
    thief = TestClient(clerk.client.app, follow_redirects=False, cookies={COOKIE: saved})
    r = thief.get("/worklist")
    assert r.status_code == 303 and r.headers["location"] == "/login?next=/worklist"


def test_the_cookie_holds_only_a_signed_random_token_and_the_row_holds_user_csrf_and_flashes(login, engine):
    clerk = login("clerk")
    cookie = clerk.client.cookies.get(COOKIE)
    token = cookie.rsplit(".", 1)[0]
    [row] = rows(engine, id=hashlib.sha256(token.encode()).hexdigest())  # stored by its hash, never the token
    assert row.user_id == user_row(engine, "clerk").id
    assert row.csrf == clerk.csrf and clerk.csrf not in cookie
    assert token not in {r.id for r in rows(engine)}
    clerk.post("/notices/read", {"all": "1"})  # an action leaves a flash
    flashed = rows(engine, id=row.id)[0].flash
    assert flashed and all(message not in cookie for _, message in flashed)
    assert clerk.client.cookies.get(COOKIE) == cookie  # a flash never rewrites the cookie


def test_login_starts_a_new_session_so_a_cookie_planted_before_it_stays_anonymous(desk):
    client = TestClient(desk, follow_redirects=False)
    csrf = csrf_of(client.get("/login").text)
    planted = client.cookies.get(COOKIE)
    assert client.post("/login", data={"username": "clerk", "password": DEMO_PASSWORD,
                                       "csrf_token": csrf}).status_code == 303
    assert client.cookies.get(COOKIE) != planted
    assert TestClient(desk, follow_redirects=False, cookies={COOKIE: planted}).get("/worklist").status_code == 303


def _role(s, user):
    user.role = Role.supervisor


def _password(s, user):
    user.password_hash = hash_password("a-new-password-2026")


def _deactivate(s, user):
    user.active = False


def _contact(s, user):
    user.phone = "0539-8123999"  # not what the user may do: the sessions survive (control case)


@pytest.mark.parametrize("change, ends", [(_role, True), (_password, True), (_deactivate, True), (_contact, False)],
                         ids=["role-change", "password-change", "deactivation", "phone-change-keeps-sessions"])
def test_a_change_of_role_password_or_status_ends_the_users_sessions(login, engine, change, ends):
    first, second = login("clerk"), login("clerk")
    with Session(engine) as s:
        user = s.exec(select(User).where(User.username == "clerk")).one()
        change(s, user)
        s.add(user)
        s.commit()
    for desk in (first, second):
        r = desk.get("/worklist")
        assert (r.status_code == 303) is ends
    if ends:
        assert rows(engine, user_id=user_row(engine, "clerk").id) == []
        assert "登录已失效" in first.get("/login").text


def test_end_sessions_logs_a_user_out_everywhere(login, engine):
    first, second, other = login("clerk"), login("clerk"), login("counsel")
    with Session(engine) as s:
        assert sessions.end_sessions(s, user_id=user_row(engine, "clerk").id) == 2
    assert first.get("/worklist").status_code == 303 and second.get("/worklist").status_code == 303
    assert other.get("/review").status_code == 200


def test_idle_expiry_is_kept_in_the_row_and_expired_rows_are_purged(login, engine, clock):
    clerk = login("clerk")
    saved = clerk.client.cookies.get(COOKIE)
    clock.advance(minutes=31)
    assert clerk.get("/worklist").status_code == 303
    clock.advance(minutes=-31)  # even with the clock put back, the ended session's row is gone
    assert TestClient(clerk.client.app, follow_redirects=False, cookies={COOKIE: saved}).get("/worklist").status_code == 303
    login(None)  # an anonymous visit leaves a row with a token on its form
    clock.advance(hours=11)
    with Session(engine) as s:
        assert sessions.purge_expired(s, now=clock()) >= 1
    assert all(r.expires_at > clock() for r in rows(engine))


def test_a_session_ended_in_another_tab_is_not_brought_back_by_a_request_in_flight(login, engine, clock):
    clerk = login("clerk")
    app = clerk.client.app
    session = app.state.desk.sessions.load(clerk.client.cookies.get(COOKIE))
    clock.advance(minutes=2)  # the request in flight will write seen_at back
    session = app.state.desk.sessions.load(clerk.client.cookies.get(COOKIE))
    assert session.touched
    clerk.post("/logout")
    app.state.desk.sessions.save(session)
    assert rows(engine, user_id=user_row(engine, "clerk").id) == []


def test_a_page_view_does_not_wait_for_its_sessions_touch_while_another_write_holds_the_database(login, engine, clock):
    """The sliding idle expiry is written only if the database is free: behind another write (a batch, a backup) the
    page answers without it, and the next request writes it. The connections keep their usual wait afterwards."""
    import sqlite3

    clerk = login("clerk")
    [before] = rows(engine, user_id=user_row(engine, "clerk").id)
    clock.advance(minutes=2)
    holder = sqlite3.connect(engine.url.database)
    holder.execute("BEGIN IMMEDIATE")  # another process's write, holding the lock
    try:
        assert clerk.get("/worklist").status_code == 200
        [during] = rows(engine, user_id=before.user_id)
        assert during.seen_at == before.seen_at  # skipped, not waited for
    finally:
        holder.rollback()
        holder.close()
    assert clerk.get("/worklist").status_code == 200
    [after] = rows(engine, user_id=before.user_id)
    assert after.seen_at == clock()
    connections = [engine.connect() for _ in range(5)]
    try:
        assert {c.exec_driver_sql("PRAGMA busy_timeout").scalar() for c in connections} == {30000}
    finally:
        for c in connections:
            c.close()


def test_the_session_row_is_read_and_written_off_the_event_loop(desk, login):
    stored_sessions, calls = desk.state.desk.sessions, []

    def spy(name, original):
        def call(*args):
            try:
                asyncio.get_running_loop()
                calls.append((name, "on the event loop"))
            except RuntimeError:
                calls.append((name, "in a worker thread"))
            return original(*args)
        return call

    for name in ("load", "save"):
        setattr(stored_sessions, name, spy(name, getattr(stored_sessions, name)))
    login("clerk").get("/worklist")
    assert {name for name, _ in calls} == {"load", "save"}
    assert {where for _, where in calls} == {"in a worker thread"}


# --- 2. throttles: trusted proxies, failures only, account lockout --------------------------------------------


@pytest.mark.parametrize("trusted, peer, header, client", [
    ((), "203.0.113.9", "1.2.3.4", "203.0.113.9"),
    ((), "127.0.0.1", "1.2.3.4", "127.0.0.1"),
    (("10.0.0.0/8",), "203.0.113.9", "1.2.3.4", "203.0.113.9"),
    (("10.0.0.0/8",), "10.0.0.2", "1.2.3.4", "1.2.3.4"),
    (("10.0.0.0/8",), "10.0.0.2", "6.6.6.6, 1.2.3.4", "1.2.3.4"),
    (("10.0.0.0/8",), "10.0.0.2", "1.2.3.4, 10.0.0.7", "1.2.3.4"),
    (("10.0.0.0/8",), "10.0.0.2", None, "10.0.0.2"),
    (("127.0.0.1", "::1"), "::1", "2001:db8::5", "2001:db8::5"),
], ids=["none-trusted", "loopback-not-trusted-by-default", "untrusted-peer", "trusted-proxy",
        "spoofed-left-part-ignored", "proxy-chain", "no-header", "ipv6"])
def test_x_forwarded_for_is_believed_only_from_a_configured_proxy(trusted, peer, header, client):
    assert TrustedProxies(trusted).client(peer, header) == client


def test_a_rotating_x_forwarded_for_from_an_untrusted_peer_is_one_client(desk):
    public = TestClient(desk, follow_redirects=False)
    csrf = csrf_of(public.get("/status").text)
    codes = [public.post("/status", data={"number": "2026-999999", "query_code": "X", "csrf_token": csrf},
                         headers={"X-Forwarded-For": f"198.51.100.{i}"}).status_code for i in range(11)]
    assert codes == [404] * 10 + [429]


def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_limit(engine, calendar, clock, desk):
    app = create_app(engine, calendar, clock, secret_key="test-secret", trusted_proxies=("10.0.0.0/8",))
    proxy = TestClient(app, follow_redirects=False, client=("10.0.0.2", 40000))
    csrf = csrf_of(proxy.get("/status").text)

    def query(address):
        return proxy.post("/status", data={"number": "2026-999999", "query_code": "X", "csrf_token": csrf},
                          headers={"X-Forwarded-For": address}).status_code

    assert [query(f"198.51.100.{i}") for i in range(15)] == [404] * 15
    assert [query("198.51.100.200") for _ in range(11)] == [404] * 10 + [429]


def test_successful_logins_do_not_count_toward_the_login_limit(desk):
    client = TestClient(desk, follow_redirects=False)
    assert [try_login(client, "clerk", DEMO_PASSWORD).status_code for _ in range(25)] == [303] * 25


def test_wrong_passwords_from_one_client_are_limited_whatever_the_username(desk):
    client = TestClient(desk, follow_redirects=False)
    codes = [try_login(client, f"nobody{i}", "wrong").status_code for i in range(21)]
    assert codes == [401] * 20 + [429]


def test_ten_wrong_passwords_lock_the_account_even_against_the_right_one(login, desk, engine, clock):
    client = TestClient(desk, follow_redirects=False)
    codes = [try_login(client, "head", "wrong-guess").status_code for _ in range(10)]
    assert codes == [401] * 9 + [423]
    refused = try_login(TestClient(desk, follow_redirects=False), "head", DEMO_PASSWORD)
    assert refused.status_code == 423
    assert "该账号因连续10次密码错误已被锁定，请于2026-03-02 09:30后再试，或联系系统管理员解锁。" in refused.text
    with Session(engine) as s:
        [event] = s.exec(select(AdminEvent).where(AdminEvent.action == "lock_user")).all()
    assert event.data["username"] == "head" and event.data["failures"] == 10 and event.actor_name == "系统"
    clock.advance(minutes=30)  # the lock ends by itself
    assert try_login(TestClient(desk, follow_redirects=False), "head", DEMO_PASSWORD).status_code == 303


def test_the_lock_counts_wrong_passwords_per_account_from_any_client(engine, calendar, clock, desk):
    app = create_app(engine, calendar, clock, secret_key="test-secret", trusted_proxies=("10.0.0.0/8",))
    proxy = TestClient(app, follow_redirects=False, client=("10.0.0.2", 40000))
    codes = [try_login(proxy, "head", "guess", {"X-Forwarded-For": f"198.51.100.{i}"}).status_code for i in range(12)]
    assert codes == [401] * 9 + [423] * 3


def test_a_right_password_starts_the_count_again(desk):
    client = TestClient(desk, follow_redirects=False)
    for _ in range(2):
        assert [try_login(client, "head", "wrong").status_code for _ in range(9)] == [401] * 9
        assert try_login(client, "head", DEMO_PASSWORD).status_code == 303


def _ctx(session, calendar, clock, username):
    return Ctx(session, calendar, clock(), session.exec(select(User).where(User.username == username)).one())


def _lock(desk, username="head", times=10):
    client = TestClient(desk, follow_redirects=False)
    for _ in range(times):
        try_login(client, username, "wrong")


def test_an_admin_unlocks_the_account_and_the_unlock_is_logged(desk, engine, calendar, clock):
    _lock(desk)
    with Session(engine) as s:
        with pytest.raises(RoleNotAllowed):
            sessions.unlock_user(_ctx(s, calendar, clock, "head"), username="head")
        sessions.unlock_user(_ctx(s, calendar, clock, "admin"), username="head")
        [event] = s.exec(select(AdminEvent).where(AdminEvent.action == "unlock_user")).all()
        assert event.data["username"] == "head" and event.actor_name == "系统管理员"
        with pytest.raises(ValidationFailed) as refused:
            sessions.unlock_user(_ctx(s, calendar, clock, "admin"), username="head")
        assert refused.value.message_zh == "用户「head」未被锁定。"
    assert try_login(TestClient(desk, follow_redirects=False), "head", DEMO_PASSWORD).status_code == 303


def test_gongkai_user_unlock(desk, engine, monkeypatch, clock):
    from interfaces.cli.main import register

    clock.advance(hours=1, minutes=30)  # locked at 10:30 until 11:00; the CLI's GONGKAI_TODAY reads 10:00
    _lock(desk)
    monkeypatch.setenv("GONGKAI_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("GONGKAI_TODAY", clock().date().isoformat())
    result = CliRunner().invoke(register(), ["user", "unlock", "head", "-u", "clerk"])
    assert result.exit_code == 1 and "只有系统管理员可以解锁用户账号" in result.output
    result = CliRunner().invoke(register(), ["user", "unlock", "head", "-u", "admin"])
    assert result.exit_code == 0, result.output
    assert "已解锁用户：head" in result.stdout
    with Session(engine) as s:
        assert s.get(LoginLock, user_row(engine, "head").id) is None


# --- 3. secret key, cookie flags ------------------------------------------------------------------------------


def test_two_desk_processes_without_a_configured_key_share_the_persisted_one(engine, calendar, clock, desk,
                                                                            monkeypatch, tmp_path):
    var = tmp_path / "shared-var"
    monkeypatch.setenv("GONGKAI_VAR_DIR", str(var))
    monkeypatch.delenv("GONGKAI_SECRET_KEY", raising=False)
    first, second = create_app(engine, calendar, clock), create_app(engine, calendar, clock)
    key_file = var / SECRET_KEY_FILE
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    client, r = client_of(first, "clerk")
    assert r.status_code == 303
    moved = TestClient(second, follow_redirects=False, cookies={COOKIE: client.cookies.get(COOKIE)})
    assert moved.get("/worklist").status_code == 200  # the second process keeps the clerk logged in
    other = create_app(engine, calendar, clock, secret_key="another-installation-key")
    assert TestClient(other, follow_redirects=False,
                      cookies={COOKIE: client.cookies.get(COOKIE)}).get("/worklist").status_code == 303


def test_gongkai_secret_key_wins_over_the_file(engine, calendar, clock, desk, monkeypatch, tmp_path):
    monkeypatch.setenv("GONGKAI_VAR_DIR", str(tmp_path / "v"))
    monkeypatch.setenv("GONGKAI_SECRET_KEY", "k" * 48)
    first = create_app(engine, calendar, clock)
    assert not (tmp_path / "v" / SECRET_KEY_FILE).exists()
    client, _ = client_of(first, "clerk")
    second = create_app(engine, calendar, clock, secret_key="k" * 48)
    assert TestClient(second, follow_redirects=False,
                      cookies={COOKIE: client.cookies.get(COOKIE)}).get("/worklist").status_code == 200


@pytest.mark.parametrize("setting, base_url, peer, proto, secure", [
    (None, "http://testserver", "testclient", None, False),
    (None, "https://testserver", "testclient", None, True),
    (None, "http://testserver", "10.0.0.2", "https", True),
    (None, "http://testserver", "203.0.113.9", "https", False),
    (True, "http://testserver", "testclient", None, True),
    (False, "https://testserver", "testclient", None, False),
], ids=["http", "https", "https-at-trusted-proxy", "proto-from-untrusted-peer", "always", "never"])
def test_the_cookie_is_httponly_samesite_lax_and_secure_over_https(engine, calendar, clock, desk, setting, base_url,
                                                                    peer, proto, secure):
    app = create_app(engine, calendar, clock, secret_key="test-secret", secure_cookies=setting,
                     trusted_proxies=("10.0.0.0/8",))
    client = TestClient(app, follow_redirects=False, base_url=base_url, client=(peer, 40000))
    header = client.get("/login", headers={"X-Forwarded-Proto": proto} if proto else {}).headers["set-cookie"]
    attributes = {a.strip().lower() for a in header.split(";")}
    assert "httponly" in attributes and "samesite=lax" in attributes and "path=/" in attributes
    assert ("secure" in attributes) is secure


@pytest.mark.parametrize("environ, field, value", [
    ({}, "trusted_proxies", ()),
    ({"GONGKAI_TRUSTED_PROXIES": "10.0.0.5, 192.168.0.0/16"}, "trusted_proxies", ("10.0.0.5", "192.168.0.0/16")),
    ({}, "secure_cookies", None),
    ({"GONGKAI_SECURE_COOKIES": "true"}, "secure_cookies", True),
    ({"GONGKAI_SECURE_COOKIES": "false"}, "secure_cookies", False),
    ({"GONGKAI_LOCKOUT_FAILURES": "5"}, "lockout_failures", 5),
    ({"GONGKAI_LOCKOUT_MINUTES": "60"}, "lockout_minutes", 60),
], ids=["no-proxy-by-default", "proxies", "secure-auto", "secure-true", "secure-false", "failures", "minutes"])
def test_login_settings(environ, field, value):
    assert getattr(Settings.load(environ), field) == value


@pytest.mark.parametrize("environ, message", [
    ({"GONGKAI_TRUSTED_PROXIES": "proxy.local"}, "不是 IP 地址或网段"),
    ({"GONGKAI_SECURE_COOKIES": "sometimes"}, "应为 auto、true 或 false"),
    ({"GONGKAI_LOCKOUT_FAILURES": "0"}, "应为正整数"),
], ids=["proxy-name", "secure-word", "zero-failures"])
def test_bad_login_settings_are_refused_in_chinese(environ, message):
    with pytest.raises(ValidationFailed) as refused:
        Settings.load(environ)
    assert message in refused.value.message_zh


def test_gongkai_desk_runs_uvicorn_without_its_own_proxy_header_trust(engine, monkeypatch):
    import uvicorn

    from interfaces.cli.main import register

    seen = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: seen.update(kw))
    monkeypatch.setenv("GONGKAI_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    result = CliRunner().invoke(register(), ["desk", "--port", "8123"])
    assert result.exit_code == 0, result.output
    assert seen["proxy_headers"] is False


def test_the_lockout_policy_comes_from_the_settings(engine, calendar, clock, desk, monkeypatch):
    monkeypatch.setenv("GONGKAI_LOCKOUT_FAILURES", "3")
    monkeypatch.setenv("GONGKAI_LOCKOUT_MINUTES", "5")
    app = create_app(engine, calendar, clock, secret_key="test-secret")
    assert app.state.desk.lockout == sessions.LockoutPolicy(failures=3, period=timedelta(minutes=5))
    client = TestClient(app, follow_redirects=False)
    assert [try_login(client, "head", "wrong").status_code for _ in range(3)] == [401, 401, 423]
