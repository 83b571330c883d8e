"""The reports as files (the PDF read back with pdftotext, the XLSX with openpyxl) and `gongkai report period`."""

import io
import subprocess
from datetime import date

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from interfaces.cli import report_cmd
from models.demo import DEMO_AGENCY
from models.periodic import GRADING_RULE_ZH, parse_period, period_report
from notices.periodic import COLUMNS, to_pdf, to_xlsx
from tests.periodic.factories import SHENGTAI, ZHUJIAN, ZIRAN, demo_agency_id

runner = CliRunner()


def _report(session, calendar, kind, key, today):
    return period_report(session, agency_id=demo_agency_id(session), kind=kind, period=parse_period(kind, key),
                         today=today, calendar=calendar)


def _pdf_text(tmp_path, content: bytes) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(content)
    fonts = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True, text=True).stdout
    assert all(line.split()[-5] == "yes" for line in fonts.splitlines()[2:]), fonts  # every face embedded
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True).stdout


def _squash(text: str) -> str:
    return "".join(text.split())


def test_monthly_check_pdf_has_the_rows_the_grades_the_formula_and_the_charts(session, calendar, march, tmp_path):
    text = _pdf_text(tmp_path, to_pdf(_report(session, calendar, "month", "2026-03", date(2026, 4, 1))))
    lines = [" ".join(line.split()) for line in text.splitlines()]
    assert f"{DEMO_AGENCY}2026年3月政府信息公开工作月检查" in _squash(text)
    assert f"{ZIRAN} 2 2 2 0 1.0 1 0 — 95.0" in lines
    assert f"{ZHUJIAN} 1 1 0 1 8.0 0 0 — 78.0" in lines
    assert f"{SHENGTAI} 1 0 0 1 — 0 0 — 90.0" in lines  # no answer: no average; no mock audit: "—"
    assert "全机关合计 5 1 1 1 2.0 1 1 — —" in lines
    squashed = _squash(text)
    assert _squash(GRADING_RULE_ZH) in squashed
    assert "综合得分排名：1.区财政局98.0分；2.区自然资源局95.0分；3.区生态环境局90.0分；4.区住房和城乡建设局78.0分。" in squashed
    assert "各承办单位办理情况" in squashed and "各承办单位综合得分" in squashed  # the charts' titles
    assert f"逾期未办结申请（截至2026年04月01日）" in squashed and march["open_late"] in squashed


def test_weekly_dispatch_pdf_lists_each_department_s_open_cases(session, calendar, march, tmp_path):
    text = _squash(_pdf_text(tmp_path, to_pdf(_report(session, calendar, "week", "2026-W13", date(2026, 3, 30)))))
    assert "2026年第13周（03月23日至03月29日）政府信息公开工作周调度" in text
    assert "在办申请调度清单（截至2026年03月30日）" in text and "在办申请分布" in text
    assert f"{SHENGTAI}（1件）申请编号" in text
    assert f"{march['open_late']}请公开某企业环评批复2026-03-092026-03-092026-03-162026-04-07已交办承办单位待承办单位签收已逾期" in text
    assert "截至03月30日，在办申请4件，其中已逾期1件" in text


def test_quarterly_bulletin_names_the_best_and_those_to_improve(session, calendar, march, tmp_path):
    text = _squash(_pdf_text(tmp_path, to_pdf(_report(session, calendar, "quarter", "2026-Q1", date(2026, 4, 1)))))
    assert "2026年第一季度政府信息公开工作季通报" in text
    assert "予以通报表扬：区财政局。" in text
    assert f"予以通报并限期整改（综合得分低于80分）：{ZHUJIAN}。" in text
    assert "调度清单" not in text


def test_xlsx_has_the_figures_as_numbers_and_a_chart(session, calendar, march):
    book = load_workbook(io.BytesIO(to_xlsx(_report(session, calendar, "month", "2026-03", date(2026, 4, 1)))))
    sheet = book["各单位情况"]
    values = [[c.value for c in row] for row in sheet.iter_rows(min_row=4, max_row=10, max_col=len(COLUMNS))]
    assert values[0] == [h for h, _ in COLUMNS]
    assert values[1] == [ZIRAN, 2, 2, 2, 0, 1.0, 1, 0, "—", 95.0]
    assert values[3] == [SHENGTAI, 1, 0, 0, 1, "—", 0, 0, "—", 90.0]
    assert values[6] == ["全机关合计", 5, 1, 1, 1, 2.0, 1, 1, "—", "—"]
    assert len(sheet._charts) == 2  # the figures and the grades
    overdue = [[c.value for c in row] for row in book["逾期未办结"].iter_rows(min_row=4)]
    assert [r[0:2] for r in overdue] == [[SHENGTAI, march["open_late"]], ["公开办（未在承办单位）", march["returned"]]]
    assert any(GRADING_RULE_ZH == c.value for row in sheet.iter_rows() for c in row)


@pytest.fixture
def cli_db(session, engine, march, monkeypatch):
    monkeypatch.setenv("GONGKAI_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("GONGKAI_TODAY", "2026-04-01")
    return march


def test_cli_prints_the_figures_and_writes_both_files(cli_db, tmp_path):
    out = tmp_path / "reports"
    result = runner.invoke(report_cmd.app, ["period", "--agency", DEMO_AGENCY, "--kind", "month", "--period", "2026-03",
                                            "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert f"{ZHUJIAN}\t1\t1\t0\t1\t8.0\t0\t0\t—\t78.0" in result.output
    assert sorted(p.name for p in out.iterdir()) == ["月检查-2026-03.pdf", "月检查-2026-03.xlsx"]
    assert (out / "月检查-2026-03.pdf").read_bytes()[:5] == b"%PDF-"


@pytest.mark.parametrize("args, message", [
    (["--kind", "month", "--period", "2026年3月"], "应写作 2026-11"),
    (["--kind", "year", "--period", "2026"], "week、month、quarter"),
    (["--kind", "quarter", "--period", "2026-Q3"], "尚未开始"),
], ids=["bad-period", "bad-kind", "future"])
def test_cli_refuses_in_chinese_and_writes_nothing(cli_db, tmp_path, args, message):
    out = tmp_path / "reports"
    result = runner.invoke(report_cmd.app, ["period", "--agency", DEMO_AGENCY, *args, "--output", str(out)])
    assert result.exit_code != 0 and message in result.exception.message_zh
    assert not out.exists()
