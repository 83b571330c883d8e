"""Tests write only under temporary folders: never into the repository's ./var, where Gongkai keeps its data."""

from datetime import date
from pathlib import Path

import pytest

from models.enums import Status
from models.settings import Settings
from tests import factories as F
from tests.conftest import REPOSITORY

pytest_plugins = ["pytester"]

GUARDED = """
from pathlib import Path
from tests.var_guard import VarGuard

def pytest_configure(config):
    config.pluginmanager.register(VarGuard(Path(__file__).parent / "var"))
"""


def test_the_archive_package_a_test_builds_lands_in_its_temporary_var(session, calendar):
    from workflows.engine import archive_case

    number = F.register_case(session, calendar)
    F.advance(session, calendar, number, Status.delivered)
    location = archive_case(session, F.case(session, number), now=F.at(date(2026, 3, 5)))  # the default root, as the desk's
    var = Settings.load().var_dir
    assert location.startswith("archive/") and (var / location / "manifest.json").is_file()
    assert not var.is_relative_to(REPOSITORY), var


def test_each_test_has_its_own_var(request):
    assert Settings.load().var_dir.name.endswith(request.node.name)


@pytest.fixture
def guarded(pytester):
    """A small project whose ./var the guard watches, with a database already there before the run."""
    pytester.makeconftest(GUARDED)
    (pytester.path / "var" / "archive").mkdir(parents=True)
    (pytester.path / "var" / "gongkai.db").write_bytes(b"the real database")
    return pytester


@pytest.mark.parametrize("body", [
    'out = Path("var/archive/1/2026-000001")\n    out.mkdir(parents=True)\n    (out / "manifest.json").write_text("{}")',
    'Path("var/gongkai.db").write_bytes(b"a test wrote something else here")',
], ids=["new-package", "changed-database"])
def test_a_run_that_writes_into_var_fails_and_names_what_it_wrote(guarded, body):
    guarded.makepyfile(f"from pathlib import Path\n\ndef test_writes():\n    {body}\n")
    result = guarded.runpytest()
    result.assert_outcomes(passed=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*the test run wrote into*var*"])
    assert ("archive/1/2026-000001/manifest.json" if "archive" in body else "gongkai.db") in result.stdout.str()


def test_a_run_that_writes_only_to_tmp_path_passes(guarded):
    guarded.makepyfile('def test_writes(tmp_path):\n    (tmp_path / "var").mkdir()\n    (tmp_path / "var" / "x").write_text("x")\n')
    result = guarded.runpytest()
    result.assert_outcomes(passed=1)
    assert result.ret == pytest.ExitCode.OK and "wrote into" not in result.stdout.str()
