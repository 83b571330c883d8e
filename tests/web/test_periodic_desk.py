"""The supervisor's periodic reports page: a period's figures and grades, the lists, and the files to download."""

import io
import os
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlmodel import Session

from models.periodic import GRADING_RULE_ZH, parse_period
from models.tables import SHANGHAI
from notices.periodic import stored_path
from tests.periodic.factories import SHENGTAI, ZHUJIAN, demo_agency_id, march_cases


@pytest.fixture
def march(desk, engine, calendar, clock):
    with Session(engine, expire_on_commit=False) as s:
        cases = march_cases(s, calendar)
        cases["agency_id"] = demo_agency_id(s)
    clock.at = datetime(2026, 4, 1, 9, tzinfo=SHANGHAI)
    return cases


def test_supervisor_sees_the_month_just_ended_with_grades_and_overdue_cases(login, march):
    page = login("supervisor").get("/periodic")
    assert page.status_code == 200
    html = page.text
    assert "示范区人民政府2026年3月政府信息公开工作月检查" in html and 'value="2026-03"' in html
    assert f'<th scope="row">{ZHUJIAN}</th><td>1</td><td>1</td><td>0</td><td>1</td><td>8.0</td><td>0</td><td>0</td><td>—</td><td>78.0</td>' in html
    assert GRADING_RULE_ZH in html
    assert f'<a href="/cases/{march["open_late"]}">{march["open_late"]}</a>' in html  # overdue at 生态环境局


def test_the_weekly_list_and_a_chosen_quarter(login, march):
    desk = login("head")
    week = desk.get("/periodic?kind=week&period=2026-03-30").text  # the week of 30 Mar, the list as of today (1 Apr)
    assert "2026年第14周" in week and "在办申请调度清单（截至2026年04月01日）" in week and f"{SHENGTAI}（1件）" in week
    quarter = desk.get("/periodic?kind=quarter&period=2026-Q1").text
    assert "予以通报并限期整改（综合得分低于80分）：区住房和城乡建设局。" in quarter and "调度清单" not in quarter


def test_download_pdf_and_xlsx_made_now(login, march):
    desk = login("supervisor")
    pdf = desk.get("/periodic/report.pdf?kind=month&period=2026-03")
    assert pdf.status_code == 200 and pdf.content[:5] == b"%PDF-"
    assert "%E6%9C%88%E6%A3%80%E6%9F%A5-2026-03.pdf" in pdf.headers["content-disposition"]  # 月检查-2026-03.pdf
    xlsx = desk.get("/periodic/report.xlsx?kind=month&period=2026-03")
    sheet = load_workbook(io.BytesIO(xlsx.content))["各单位情况"]
    assert [c.value for c in sheet[6]][:10] == [ZHUJIAN, 1, 1, 0, 1, 8.0, 0, 0, "—", 78.0]


def test_the_scheduled_run_s_files_are_listed_and_served(login, march):
    desk = login("supervisor")
    missing = desk.get("/periodic/report.pdf?kind=month&period=2026-03&stored=1")
    assert missing.status_code == 422 and "2026年3月月检查尚无定时生成的文件" in missing.text
    path = stored_path(Path(os.environ["GONGKAI_VAR_DIR"]), march["agency_id"], parse_period("month", "2026-03"), "pdf")
    path.parent.mkdir(parents=True)
    path.write_bytes(b"%PDF-1.4 scheduled")
    page = desk.get("/periodic?kind=month&period=2026-03").text
    assert "定时生成的文件" in page and "月检查-2026-03.pdf" in page
    served = desk.get("/periodic/report.pdf?kind=month&period=2026-03&stored=1")
    assert served.status_code == 200 and served.content == b"%PDF-1.4 scheduled"


@pytest.mark.parametrize("query, message", [
    ("kind=month&period=2026年3月", "应写作 2026-11"),
    ("kind=year", "week、month、quarter"),
    ("kind=quarter&period=2026-Q3", "尚未开始"),
], ids=["bad-period", "bad-kind", "future"])
def test_bad_choices_are_refused_in_chinese(login, march, query, message):
    supervisor = login("supervisor")
    page = supervisor.get(f"/periodic?{query}")
    assert page.status_code == 422 and message in page.text
    download = supervisor.get(f"/periodic/report.xlsx?{query}")
    assert download.status_code == 422 and message in download.text


def test_clerks_and_departments_may_not_see_it(login, march):
    assert login("clerk").get("/periodic").status_code == 403
    assert login("dept_ziran").get("/periodic/report.pdf").status_code == 403
