"""The `gongkai report` commands on a real database, and the supervisor figures from events and assignments."""

import json
from datetime import date

import pytest
from typer.testing import CliRunner

from interfaces.cli import report_cmd
from models import actions as A
from models.demo import DEMO_AGENCY
from models.outcomes import Outcome
from models.queries import agency_by_name
from models.statistics import period, scope_of, supervisor_figures
from tests.statistics.cases import hedong_2021, import_cases
from tests.statistics.cases_live import dispatched_case
from tests.statistics.conftest import HEDONG

runner = CliRunner()


@pytest.fixture
def database(session, calendar, engine, monkeypatch):
    import_cases(session, calendar, hedong_2021())
    monkeypatch.setenv("GONGKAI_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    return engine


def test_check_flags_the_hedong_table_four_group():
    result = runner.invoke(report_cmd.app, ["check", str(HEDONG)])
    assert result.exit_code == 1
    assert "表四「行政诉讼（复议后起诉）」：总计为1" in result.output
    assert result.output.count("未通过") == 1


def test_annual_json_reproduces_the_published_table_three(database, hedong):
    result = runner.invoke(report_cmd.app, ["annual", "--agency", DEMO_AGENCY, "--year", "2021", "--today", "2026-06-01"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["table3"] == hedong["table3"]


def test_annual_xlsx_to_file(database, tmp_path):
    out = tmp_path / "2021.xlsx"
    result = runner.invoke(report_cmd.app, ["annual", "--agency", DEMO_AGENCY, "--year", "2021", "--format", "xlsx",
                                            "--output", str(out), "--today", "2026-06-01"])
    assert result.exit_code == 0, result.output
    assert out.read_bytes()[:2] == b"PK"


def test_annual_reads_gongkai_today_and_writes_the_file_named_by_o(database, tmp_path):
    """The README's command: `report annual … -o FILE`; "today" is GONGKAI_TODAY like every other command."""
    out = tmp_path / "2021.json"
    pinned = runner.invoke(report_cmd.app, ["annual", "--agency", DEMO_AGENCY, "--year", "2021", "-o", str(out)],
                           env={"GONGKAI_TODAY": "2021-06-30"})
    assert pinned.exit_code == 0, pinned.output
    assert "截至2021-06-30" in pinned.output
    explicit = runner.invoke(report_cmd.app, ["annual", "--agency", DEMO_AGENCY, "--year", "2021", "--today",
                                              "2021-06-30"])
    whole_year = runner.invoke(report_cmd.app, ["annual", "--agency", DEMO_AGENCY, "--year", "2021", "--today",
                                                "2026-06-01"])
    written = json.loads(out.read_text(encoding="utf-8-sig"))
    assert written == json.loads(explicit.stdout) != json.loads(whole_year.stdout)


def test_lock_uses_gongkai_today_too(database):
    early = runner.invoke(report_cmd.app, ["lock", "--agency", DEMO_AGENCY, "--year", "2021", "--user", "head"],
                          env={"GONGKAI_TODAY": "2021-12-31"})
    assert "2021年度尚未结束" in early.exception.message_zh  # the domain's GuardFailed: the CLI prints it, exit 1


def test_cases_lists_the_cell(database):
    result = runner.invoke(report_cmd.app, ["cases", "--agency", DEMO_AGENCY, "--year", "2021", "--row", "r4_1_not_held",
                                            "--column", "natural_person", "--today", "2026-06-01"])
    assert result.exit_code == 0, result.output
    assert len([line for line in result.stdout.splitlines() if line.startswith("2021-")]) == 22


def test_lock_then_reopen(database):
    args = ["--agency", DEMO_AGENCY, "--year", "2021", "--user", "head"]
    assert "已锁定" in runner.invoke(report_cmd.app, ["lock", *args]).output
    assert "已解除" in runner.invoke(report_cmd.app, ["reopen", *args, "--reason", "更正"]).output


def test_supervisor_figures_from_a_case_driven_through_the_actions(session, calendar):
    draft = A.DraftIn(outcome=Outcome.disclosed, body="所申请信息见附件。")
    dispatched_case(session, calendar, received=date(2026, 3, 2), done=date(2026, 3, 13), draft=draft)
    agency = agency_by_name(session, DEMO_AGENCY)
    figures = supervisor_figures(session, scope_of(session, agency), period(2026, today=date(2026, 6, 1)),
                                 calendar=calendar)
    assert figures.concluded == 1
    assert figures.answered_within == {5: 0.0, 10: 1.0, 15: 1.0, 20: 1.0}  # 2 → 13 March: 9 working days
    assert figures.stage_days["routed"] == 0 and figures.stage_days["dispatched"] == 0
    assert figures.stage_days["drafting"] == 9
    assert [(d.department, d.routed, d.answered, d.overdue) for d in figures.departments] == [("区自然资源局", 1, 1, 1)]
