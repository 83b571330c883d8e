"""Session resources that start a server: their tests run on one pytest-xdist worker (`--dist loadgroup`), which
starts each server once, instead of on every worker.

pytest-xdist reads a test's group from its `xdist_group` marks in its own `pytest_collection_modifyitems` and
renames the test's id there, so the marks must be added before that hook runs (tryfirst). It renames `item._nodeid`,
which pytest 9 no longer reads: pyproject.toml keeps pytest below 9. tests/test_server_groups.py checks both.
"""

import pytest

SHARED_SERVERS = {"stack_a": "gongkai-up", "stack_b": "gongkai-up", "prefect_harness": "prefect-harness"}


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    for item in items:
        groups = {SHARED_SERVERS[f] for f in getattr(item, "fixturenames", ()) if f in SHARED_SERVERS}
        if groups:
            item.add_marker(pytest.mark.xdist_group(sorted(groups)[0]))
