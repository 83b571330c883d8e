"""gongkai mock draft / send / grade / list / report (the real command tree, in process): what is printed, Chinese
refusals, the files."""

import json
from datetime import date

from openpyxl import load_workbook
from sqlmodel import Session

from calendars import load_calendar
from models import actions as A
from models.db import make_engine
from models.outcomes import Outcome
from tests.mock_factories import MOCK_ID, answer
from tests.models.test_cli import cli  # noqa: F401  (the fixture: a demo database, GONGKAI_TODAY 2026-03-02)

DRAFT = ("mock", "draft", "--round", "2026年第一轮", "--department", "区自然资源局", "--text", "请公开本区2025年国有建设用地供应计划",
         "--expected", "art36_2_disclosed", "--point", "供应计划", "--point", "规划条件说明", "--name", "李明",
         "--id-number", MOCK_ID, "--phone", "13900139000", "-u", "supervisor")


def test_mock_commands_draft_send_grade_and_report(cli, tmp_path):  # noqa: F811
    mock_id = json.loads(cli(*DRAFT, "--json").stdout)["id"]
    sent = cli("mock", "send", str(mock_id), "-u", "supervisor")
    assert "已作为网上申请发出，申请编号 2026-000001" in sent.stdout
    engine = make_engine(f"sqlite:///{tmp_path / 'gongkai.db'}")  # the office handles it as any case (in process)
    with Session(engine, expire_on_commit=False) as s:
        answer(s, load_calendar(), "2026-000001", day=date(2026, 3, 2),
               draft=A.DraftIn(outcome=Outcome.disclosed, body="供应计划见附件。"), opinion="可以公开供应计划。")
    engine.dispose()
    bad = cli("mock", "grade", str(mock_id), "--score", "x", "-u", "supervisor", ok=False)
    assert bad.returncode == 1 and "序号=分数" in bad.stderr and "Traceback" not in bad.stderr
    graded = cli("mock", "grade", str(mock_id), "--score", "2=50", "-u", "supervisor")
    assert "总分 95.0" in graded.stdout and "要点「规划条件说明」50分" in graded.stdout
    listed = json.loads(cli("mock", "list", "--json", "-u", "head").stdout)["mocks"]
    assert [(m["number"], m["stage"], m["total"]) for m in listed] == [("2026-000001", "已评分", 95.0)]
    xlsx = tmp_path / "通报.xlsx"
    assert "平均得分 95.0" in cli("mock", "report", "--round", "2026年第一轮", "-o", str(xlsx), "-u", "supervisor").stdout
    assert ("区自然资源局", 1, 1, 95.0) in list(load_workbook(xlsx)["各单位得分"].iter_rows(values_only=True))
    pdf = tmp_path / "通报.pdf"
    cli("mock", "report", "--round", "2026年第一轮", "--department", "区自然资源局", "-o", str(pdf), "-u", "supervisor")
    assert pdf.read_bytes().startswith(b"%PDF")
