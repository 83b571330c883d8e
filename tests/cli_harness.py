"""The gongkai CLI called in the test's own process: typer's CliRunner over the same command tree the console
script runs (`interfaces.cli.main.main` is `register()(prog_name="gongkai")`), with the same environment.

A subprocess pays Python's start and the imports of SQLModel, the tables and Alembic for every command: ≈1.6 s of
CPU, ≈50 commands a module. Here they are paid once per worker. What only a real process shows (the console
script, argv bytes that are not UTF-8, a backup's files replaced under a live engine) stays in the tests that
start one (tests/models/test_cli.py::test_the_console_script_…, tests/reliability).
"""

import shutil
from pathlib import Path
from typing import NamedTuple


class Ran(NamedTuple):
    """What subprocess.run would have returned: the exit code and both streams."""

    returncode: int
    stdout: str
    stderr: str


def invoke(env: dict[str, str | None], *args: str) -> Ran:
    """`gongkai *args` with `env` set (a None value unsets the variable) for the call."""
    from typer.testing import CliRunner

    from interfaces.cli.main import register

    result = CliRunner().invoke(register(), list(args), env=env, prog_name="gongkai")
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception  # a traceback is a failure of the test, as it would be of the command
    return Ran(result.exit_code, result.stdout, result.stderr)


def demo_installation(template: Path, into: Path, env: dict[str, str]) -> None:
    """`gongkai init --demo` once per worker (in `template`), copied for each test: each test its own database."""
    if not (template / "gongkai.db").exists():
        done = invoke({**env, "GONGKAI_VAR_DIR": str(template)}, "init", "--demo")
        assert done.returncode == 0, done.stdout + done.stderr
    shutil.copytree(template, into, dirs_exist_ok=True)
