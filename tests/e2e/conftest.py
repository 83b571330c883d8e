"""Stacks shared by the end-to-end tests: each `gongkai up` is started once per session (≈40 s on 2 cores).

    stack_a   `gongkai up --demo`: the installation most tests drive
    stack_b   a second `gongkai up --demo` on the same machine (its own folder and ports)

The first of them a test asks for launches every `gongkai up` the collected tests will need, so that
they start side by side; each is then waited for (bounded) when first used, and stopped with SIGTERM
at the end of the session. When a test fails, the output of the stacks is attached to its report.
"""

import pytest

from tests.e2e.stack import LAUNCHED, Stack, launch_up, ready

STACKS = ("stack_a", "stack_b")
_wanted: set[str] = set()
_launched: dict[str, Stack] = {}


def pytest_collection_modifyitems(session, config, items):
    _wanted.update(name for item in items for name in getattr(item, "fixturenames", ()) if name in STACKS)


def _stack(name: str, tmp_path_factory) -> Stack:
    for wanted in sorted(_wanted | {name}):
        if wanted not in _launched:
            _launched[wanted] = launch_up(f"gongkai-up-{wanted[-1]}", tmp_path_factory.mktemp(f"installation-{wanted[-1]}"))
    return ready(_launched[name])


@pytest.fixture(scope="session")
def stack_a(tmp_path_factory):
    yield _stack("stack_a", tmp_path_factory)
    _launched.pop("stack_a").stop()


@pytest.fixture(scope="session")
def stack_b(tmp_path_factory):
    yield _stack("stack_b", tmp_path_factory)
    _launched.pop("stack_b").stop()


def pytest_sessionfinish(session, exitstatus):
    for stack in _launched.values():  # launched for a test that was then deselected or never reached
        stack.stop()


_first_of_test = 0


def pytest_runtest_setup(item):
    global _first_of_test
    _first_of_test = len(LAUNCHED)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed test's report carries the output of the shared stacks and of those the test started itself."""
    outcome = yield
    report = outcome.get_result()
    if report.failed:
        for stack in {id(s): s for s in [*_launched.values(), *LAUNCHED[_first_of_test:]]}.values():
            if stack.output():
                report.sections.append((f"output of {stack.name}", stack.output(20000)))
