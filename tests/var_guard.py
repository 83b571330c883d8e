"""A pytest plugin that fails the run when it leaves anything new or changed in a watched folder.

tests/conftest.py watches the repository's ./var: the application's own data folder (database, archive
packages, outbox drop folder), which .gitignore hides from `git status`. Tests write only under
temporary folders; a package a test left in ./var/archive once received a real case's package later.
"""

from pathlib import Path

import pytest


def snapshot(folder: Path) -> dict[str, tuple[int, int] | None]:
    """Every path under `folder`: a file with its size and modification time, a folder with None."""
    if not folder.is_dir():
        return {}
    seen: dict[str, tuple[int, int] | None] = {}
    for path in folder.rglob("*"):
        try:
            st = path.lstat()
        except FileNotFoundError:  # removed while we walk (a SQLite journal)
            continue
        seen[path.relative_to(folder).as_posix()] = None if path.is_dir() else (st.st_size, st.st_mtime_ns)
    return seen


def left_behind(before: dict, after: dict) -> list[str]:
    """The paths that are new in `after`, or files whose size or modification time changed."""
    return sorted(p for p, stat in after.items() if p not in before or before[p] != stat)


class VarGuard:
    """Snapshots `folder` when the session starts and fails the run if the session changed it."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.before: dict = {}
        self.changed: list[str] = []

    def pytest_sessionstart(self, session):
        self.before = snapshot(self.folder)

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session):
        self.changed = left_behind(self.before, snapshot(self.folder))
        if self.changed and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter):
        if not self.changed:
            return
        shown = self.changed[:20]
        more = f"\n  … and {len(self.changed) - len(shown)} more" if len(self.changed) > len(shown) else ""
        terminalreporter.write_sep("=", f"the test run wrote into {self.folder}", red=True, bold=True)
        terminalreporter.write_line(
            "Tests must write only under temporary folders (GONGKAI_VAR_DIR is a temporary folder for every test;\n"
            "a test that starts a process or builds a path itself must use tmp_path), or Gongkai itself ran from\n"
            "this folder meanwhile. New or changed:\n  "
            + "\n  ".join(shown) + more)
