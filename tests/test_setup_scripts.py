"""scripts/setup's apt-get waits, bounded and saying so, for another apt-get or dpkg that holds the package lock.

apt-get is someone else's program: a stand-in on PATH answers as apt-get 2.6 does while the lock is held.
"""

import os
import subprocess
from pathlib import Path

import pytest

from tests.conftest import REPOSITORY

FAKE_APT_GET = """#!/usr/bin/env bash
n=$(( $(cat "$FAKE_DIR/count" 2>/dev/null || echo 0) + 1 )); echo "$n" > "$FAKE_DIR/count"
echo "$*" >> "$FAKE_DIR/args"
if [ "$n" -le "$LOCKED_FOR" ]; then
  echo "E: Could not get lock /var/lib/apt/lists/lock. It is held by process 4242 (apt-get)" >&2
  echo "E: Unable to lock directory /var/lib/apt/lists/" >&2
  exit 100
fi
if [ -n "${OTHER_ERROR:-}" ]; then echo "E: Unable to locate package no-such-package" >&2; exit 100; fi
exit 0
"""


@pytest.fixture
def stand_ins(tmp_path):
    """A folder with the stand-in apt-get (and a sudo that just runs its command), to put first on PATH."""
    for name, text in (("apt-get", FAKE_APT_GET), ("sudo", '#!/usr/bin/env bash\nexec "$@"\n')):
        (tmp_path / name).write_text(text)
        (tmp_path / name).chmod(0o755)
    return tmp_path


@pytest.fixture
def apt_get_waiting(stand_ins):
    """Runs scripts/apt-get-waiting with the stand-ins first on PATH; returns its result and apt-get's calls."""
    tmp_path = stand_ins

    def run(*args, locked_for=0, wait=60, other_error=False):
        env = {**os.environ, "PATH": f"{tmp_path}:{os.environ['PATH']}", "FAKE_DIR": str(tmp_path),
               "LOCKED_FOR": str(locked_for), "OTHER_ERROR": "1" if other_error else "",
               "GONGKAI_APT_LOCK_WAIT": str(wait), "GONGKAI_APT_LOCK_POLL": "0.1"}
        done = subprocess.run([REPOSITORY / "scripts" / "apt-get-waiting", *args], env=env, capture_output=True,
                              text=True, timeout=60)
        calls = (tmp_path / "args").read_text().splitlines() if (tmp_path / "args").exists() else []
        return done, calls

    return run


def test_a_held_lock_is_waited_for_and_the_wait_is_announced_once(apt_get_waiting):
    done, calls = apt_get_waiting("update", "-qq", locked_for=3)
    assert done.returncode == 0, done.stderr
    assert len(calls) == 4 and all(c.endswith("update -qq") for c in calls)
    assert "-o DPkg::Lock::Timeout=" in calls[0]  # dpkg's own locks are waited for inside apt as well
    assert done.stderr.count("waiting for it to finish, at most 60s") == 1
    assert "process 4242 (apt-get)" in done.stderr


def test_a_lock_never_released_fails_after_the_bound_with_a_clear_message(apt_get_waiting):
    done, calls = apt_get_waiting("install", "-y", "poppler-utils", locked_for=10_000, wait=1)
    assert done.returncode == 100
    assert "gave up after 1s" in done.stderr and "process 4242 (apt-get)" in done.stderr
    assert "Run scripts/setup again" in done.stderr
    assert 2 <= len(calls) < 100


def test_any_other_failure_is_reported_at_once(apt_get_waiting):
    done, calls = apt_get_waiting("install", "-y", "no-such-package", other_error=True)
    assert done.returncode == 100 and len(calls) == 1
    assert "Unable to locate package no-such-package" in done.stderr and "waiting" not in done.stderr


def _copy_scripts(root: Path, *names: str) -> None:
    (root / "scripts").mkdir(parents=True)
    for name in names:
        (root / "scripts" / name).write_text((REPOSITORY / "scripts" / name).read_text())
        (root / "scripts" / name).chmod(0o755)


def _stub(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/usr/bin/env bash\n" + text)
    path.chmod(0o755)


def test_setup_waits_for_the_lock_while_another_apt_get_runs(tmp_path, stand_ins):
    """scripts/setup on a machine missing the fonts while another apt-get holds the lists lock a while."""
    root = tmp_path / "repo"
    _copy_scripts(root, "setup", "apt-get-waiting")
    (root / "pyproject.toml").write_text("")
    _stub(root / ".venv" / "bin" / "python", "exit 0\n")
    _stub(root / ".venv" / "bin" / "gongkai", "exit 0\n")  # `gongkai fonts prepare`: the fonts are not under test
    (root / ".venv" / ".installed").touch()  # the Python side is installed already: only apt-get runs
    _stub(tmp_path / "dpkg", "exit 1\n")  # no package is installed
    env = {**os.environ, "PATH": f"{tmp_path}:{os.environ['PATH']}", "FAKE_DIR": str(tmp_path), "LOCKED_FOR": "2",
           "OTHER_ERROR": "", "GONGKAI_APT_LOCK_WAIT": "60", "GONGKAI_APT_LOCK_POLL": "0.1"}
    done = subprocess.run([root / "scripts" / "setup"], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    calls = (tmp_path / "args").read_text().splitlines()
    assert [c.split()[2] for c in calls] == ["update", "update", "update", "install"]
    assert "fonts-noto-cjk" in calls[-1] and "waiting for it to finish" in done.stderr


def test_the_test_command_gives_prefect_a_temporary_home_and_removes_it(tmp_path):
    """scripts/test on a fresh clone (no var/): PREFECT_HOME exists during the run, outside the tree, gone after."""
    root = tmp_path / "repo"
    _copy_scripts(root, "test")
    _stub(root / "scripts" / "setup", "exit 0\n")
    _stub(root / ".venv" / "bin" / "lint-imports", "exit 0\n")
    _stub(root / ".venv" / "bin" / "python",
          'test -d "$PREFECT_HOME" && test -w "$PREFECT_HOME" && echo "$PREFECT_HOME" > "$SEEN" && exit 3\n')
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_HOME"}
    env |= {"GONGKAI_TEST_PG_URL": "postgresql://unused", "SEEN": str(tmp_path / "seen")}
    done = subprocess.run([root / "scripts" / "test"], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 3, done.stdout + done.stderr  # pytest's exit status is the command's
    home = Path((tmp_path / "seen").read_text().strip())
    assert not home.is_relative_to(root) and not home.exists()
    assert not (root / "var").exists()
