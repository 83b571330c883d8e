"""`gongkai report table2-import` and `gongkai report annual-draft` on a real database."""

import io
from datetime import date

import pytest
from docx import Document
from sqlmodel import select
from typer.testing import CliRunner

from interfaces.cli import report_cmd
from models.demo import DEMO_AGENCY
from models.statistics.table2 import TABLE2_ITEMS, label
from models.statistics.tables import ProactiveFigures
from notices.annual_draft import SECTION_TITLES
from tests.statistics.cases import hedong_2021, import_cases
from tests.statistics.test_annual_draft import HEDONG_TABLE2

runner = CliRunner()


@pytest.fixture
def database(session, calendar, engine, monkeypatch):
    import_cases(session, calendar, hedong_2021())
    monkeypatch.setenv("GONGKAI_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("GONGKAI_TODAY", "2026-06-01")
    return engine


def _csv(tmp_path, values: dict) -> str:
    path = tmp_path / "表二.csv"
    path.write_text("项目,数值\n" + "".join(f"{label(i)},{values[i.key]}\n" for i in TABLE2_ITEMS), encoding="utf-8-sig")
    return str(path)


def test_import_table_two_then_the_draft_has_it(database, session, tmp_path):
    imported = runner.invoke(report_cmd.app, ["table2-import", _csv(tmp_path, HEDONG_TABLE2), "--year", "2021",
                                              "--user", "head"])
    assert imported.exit_code == 0, imported.output
    out = tmp_path / "draft"
    made = runner.invoke(report_cmd.app, ["annual-draft", "--agency", DEMO_AGENCY, "--year", "2021", "--output", str(out)])
    assert made.exit_code == 0, made.output
    docx = next(out.glob("*.docx"))
    assert docx.name == f"{DEMO_AGENCY}2021年政府信息公开工作年度报告（草稿）.docx"
    assert next(out.glob("*.pdf")).read_bytes()[:5] == b"%PDF-"
    doc = Document(io.BytesIO(docx.read_bytes()))
    assert [p.text for p in doc.paragraphs if p.style.name == "Heading 1"] == list(SECTION_TITLES)
    assert "行政许可处理决定112311件" in "\n".join(p.text for p in doc.paragraphs)


@pytest.mark.parametrize("user, change, message", [
    ("head", {"licensing": "十万"}, "行政许可「本年处理决定数量」应为整数件数"),
    ("clerk", {}, "只有公开办负责人、督办人员或系统管理员可以录入年度报告表二"),
], ids=["bad-figure", "clerk-may-not"])
def test_import_refused_writes_nothing(database, session, tmp_path, user, change, message):
    result = runner.invoke(report_cmd.app, ["table2-import", _csv(tmp_path, HEDONG_TABLE2 | change), "--year", "2021",
                                            "--user", user])
    assert result.exit_code != 0
    assert message in result.exception.message_zh
    assert session.exec(select(ProactiveFigures)).all() == []


def test_draft_without_table_two_says_so(database, tmp_path):
    made = runner.invoke(report_cmd.app, ["annual-draft", "--agency", DEMO_AGENCY, "--year", "2021", "-o", str(tmp_path)])
    assert made.exit_code == 0, made.output
    assert "2021年度表二尚未录入" in made.output
