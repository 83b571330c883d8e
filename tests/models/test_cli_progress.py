"""The CLI's long work shows a bar with counts and rate on a terminal, and nothing with --json or without a terminal."""

import json
from datetime import date

import pytest
from sqlmodel import Session

from interfaces.cli import progress as P
from tests.factories import register_case

COMMANDS = {
    "export": ["export"],
    "audit-verify": ["audit", "verify"],
    "recompute": ["flow", "recompute"],
    "annual-report": ["report", "annual", "--agency", "示范区人民政府", "--year", "2026", "--format", "csv"],
    "import": ["import", "{file}"],
}
BAR = "━"  # rich's bar


@pytest.fixture
def runner(tmp_path, monkeypatch, calendar):
    """The CLI in this process on a database of its own holding three cases (and an export of them to import)."""
    from typer.testing import CliRunner

    from interfaces.cli.main import register
    from models.db import default_engine, migrate

    monkeypatch.setenv("GONGKAI_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("GONGKAI_ENGINE", "inline")
    monkeypatch.setenv("GONGKAI_TODAY", "2026-03-10")
    engine = default_engine()
    migrate(engine)
    with Session(engine) as s:
        for day in (2, 3, 4):
            register_case(s, calendar, date(2026, 3, day), request_text=f"请公开3月{day}日的会议纪要")
    exported = CliRunner().invoke(register(), ["export"])
    # the same three cases a year earlier (other numbers): the file the import reads
    (tmp_path / "cases.jsonl").write_text(exported.stdout.replace("2026-", "2025-"), encoding="utf-8")

    def run(name, *extra):
        args = [a.replace("{file}", str(tmp_path / "cases.jsonl")) for a in COMMANDS[name]] + list(extra)
        return CliRunner().invoke(register(), args)

    return run


@pytest.mark.parametrize("name", list(COMMANDS))
def test_no_bar_when_stdout_is_not_a_terminal(runner, name):
    result = runner(name)
    assert result.exit_code == 0, result.output
    assert BAR not in result.stderr and "/秒" not in result.stderr


@pytest.mark.parametrize("name", ["audit-verify", "recompute"])
def test_no_bar_with_json_even_on_a_terminal(runner, name, monkeypatch):
    monkeypatch.setattr(P, "_is_terminal", lambda: True)
    monkeypatch.setenv("FORCE_COLOR", "1")
    result = runner(name, "--json")
    assert result.exit_code == 0, result.output
    json.loads(result.stdout)  # only the JSON on stdout
    assert BAR not in result.stderr and "/秒" not in result.stderr


@pytest.mark.parametrize(("name", "count"), [("audit-verify", "条/秒"), ("annual-report", "步/秒"), ("export", "件/秒")])
def test_a_terminal_sees_a_bar_with_counts_and_rate(runner, name, count, monkeypatch):
    monkeypatch.setattr(P, "_is_terminal", lambda: True)
    monkeypatch.setenv("FORCE_COLOR", "1")  # rich draws on the captured stderr as on a terminal
    result = runner(name)
    assert result.exit_code == 0, result.output
    assert BAR in result.stderr and count in result.stderr
    done = {"audit-verify": None, "annual-report": "3/3", "export": "3/3"}[name]
    assert done is None or done in result.stderr


@pytest.mark.parametrize(("as_json", "terminal", "expected"), [
    (False, True, True), (True, True, False), (False, False, False), (True, False, False)],
    ids=["terminal", "json-on-terminal", "pipe", "json-in-pipe"])
def test_the_bar_is_shown_only_to_a_person_at_a_terminal(monkeypatch, as_json, terminal, expected):
    monkeypatch.setattr(P, "_is_terminal", lambda: terminal)
    assert P.shown(as_json=as_json) is expected
