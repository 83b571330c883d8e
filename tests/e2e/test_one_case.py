"""Done when (issue 11): one case from registration to archive through HTTP as each role, on the system as
it is started — `gongkai up` (through its Prefect), the desk with GONGKAI_ENGINE=inline, `gongkai desk` alone."""

import pytest

from tests.e2e.stack import start_desk
from tests.e2e.walk import case_runs, walk

pytestmark = pytest.mark.slow


def test_a_case_walks_to_its_archive_through_gongkai_up_and_its_prefect(stack_a):
    walk(stack_a, through_prefect=True)  # ends by asking the recorded Prefect API for the case's 8 runs, Completed


def test_a_case_walks_to_its_archive_with_the_engine_inline(stack_a, tmp_path):
    """GONGKAI_ENGINE=inline overrides the Prefect API recorded by `gongkai up`: the desk runs the steps itself."""
    desk = start_desk("gongkai-desk-inline", tmp_path, demo=False, env=stack_a.env, GONGKAI_ENGINE="inline")
    try:
        done = walk(desk, through_prefect=False)
    finally:
        desk.stop()
    assert case_runs(stack_a.prefect_api(), done.key) == []  # not one run went to the server `up` recorded


def test_a_case_walks_to_its_archive_on_gongkai_desk_alone(tmp_path):
    """No Prefect at all (`gongkai desk --demo`): every step runs inline, the receipt included."""
    desk = start_desk("gongkai-desk-alone", tmp_path)
    try:
        assert desk.installation().prefect_api_url is None
        walk(desk, through_prefect=False)
    finally:
        desk.stop()
