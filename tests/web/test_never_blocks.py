"""The desk never blocks (issue 11 §2): no blocking work on the event loop, and argon2 cannot take the pages' CPU.

How fast the pages stay under load is measured by bench/desk_load_bench.py, not here: these tests hold the
rules that make it so, without timing anything.
"""

import inspect
import os
import sys
import threading

import pytest
from fastapi.routing import APIRoute

from interfaces.web import views
from interfaces.web.app import checked_form, posted_form
from interfaces.web.security import LoginBusy, PasswordChecks
from models.demo import DEMO_PASSWORD

# Async dependencies allowed on a route: they only read the request body on the loop (no SQL, no hashing).
READS_THE_BODY = {posted_form, checked_form}


def _dependencies(dependant):
    for sub in dependant.dependencies:
        yield sub.call
        yield from _dependencies(sub)


def test_every_route_handler_is_a_plain_function_run_in_the_threadpool():
    routes = [r for r in views.router.routes if isinstance(r, APIRoute)]
    assert len(routes) > 20  # the desk's routes, not an empty router
    coroutines = [f"{sorted(r.methods)} {r.path}: {r.endpoint.__name__}" for r in routes
                  if inspect.iscoroutinefunction(r.endpoint)]
    assert coroutines == []


def test_async_dependencies_only_read_the_posted_body():
    offenders = {f"{r.path}: {call.__name__}" for r in views.router.routes if isinstance(r, APIRoute)
                 for call in _dependencies(r.dependant)
                 if (inspect.iscoroutinefunction(call) or inspect.isasyncgenfunction(call)) and call not in READS_THE_BODY}
    assert offenders == set()


def _occupy(checks: PasswordChecks):
    """Start a check that holds the only password thread until the returned event is set."""
    started, release = threading.Event(), threading.Event()

    def slow_check():
        started.set()
        release.wait(10)
        return True

    holder = threading.Thread(target=checks.run, args=(slow_check,))
    holder.start()
    assert started.wait(10)
    return release, holder


def test_a_password_check_beyond_the_queue_is_refused_at_once_not_queued():
    checks = PasswordChecks(workers=1, waiting=0)
    release, holder = _occupy(checks)
    with pytest.raises(LoginBusy):
        checks.run(lambda: True)
    release.set()
    holder.join(10)
    assert checks.run(lambda: "free again") == "free again"


def test_login_while_the_password_checks_are_full_answers_503_in_chinese(desk, login):
    anonymous = login()
    desk.state.desk.passwords = PasswordChecks(workers=1, waiting=0)
    release, holder = _occupy(desk.state.desk.passwords)
    try:
        r = anonymous.post("/login", data={"username": "clerk", "password": DEMO_PASSWORD})
    finally:
        release.set()
        holder.join(10)
    assert r.status_code == 503
    assert "当前登录请求较多，请稍候几秒再试" in r.text
    assert r.headers["retry-after"] == "5"
    again = anonymous.post("/login", data={"username": "clerk", "password": DEMO_PASSWORD})
    assert again.status_code == 303


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice values are Linux's")
def test_password_threads_and_the_threads_they_start_run_at_a_lower_priority():
    def nice_of_this_thread():
        return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    def nice_of_a_started_thread():  # argon2's lanes are threads the check starts
        seen = []
        t = threading.Thread(target=lambda: seen.append(nice_of_this_thread()))
        t.start()
        t.join()
        return seen[0]

    mine = nice_of_this_thread()
    checks = PasswordChecks(niceness=5)
    assert checks.run(nice_of_this_thread) == min(mine + 5, 19)
    assert checks.run(nice_of_a_started_thread) == min(mine + 5, 19)
    assert nice_of_this_thread() == mine  # the request threads keep theirs
