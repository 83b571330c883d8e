"""The scheduled periodic reports: the flow run in-process on Prefect's test harness writes every agency's files
where the desk finds them, on the first working day only; the served deployments and prefect.yaml agree."""

import io
import subprocess
from datetime import date
from pathlib import Path

import pytest
import yaml
from openpyxl import load_workbook

from models.periodic import parse_period
from models.settings import Settings
from notices.periodic import stored_path
from tests.periodic.factories import ZHUJIAN, demo_agency_id, march_cases
from workflows.deployments import PERIODIC, deployments
from workflows.flows import periodic_report

REPOSITORY = Path(__file__).resolve().parents[2]


@pytest.fixture
def march(prefect_harness, app_db, session, calendar):
    march_cases(session, calendar)
    return demo_agency_id(session)


def test_monthly_check_is_written_on_the_first_working_day_only(march):
    assert periodic_report(kind="month", today=date(2026, 4, 2)) == []  # the second working day: nothing
    written = periodic_report(kind="month", today=date(2026, 4, 1))
    pdf = stored_path(Settings.load().var_dir, march, parse_period("month", "2026-03"), "pdf")
    assert sorted(written) == [str(pdf), str(pdf.with_suffix(".xlsx"))]
    text = subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    assert "2026年3月政府信息公开工作月检查" in "".join(text.split())
    sheet = load_workbook(io.BytesIO(pdf.with_suffix(".xlsx").read_bytes()))["各单位情况"]
    assert [c.value for c in sheet[6]][:10] == [ZHUJIAN, 1, 1, 0, 1, 8.0, 0, 0, "—", 78.0]


def test_the_weekly_list_on_demand_for_a_named_period(march):
    written = periodic_report(kind="week", today=date(2026, 3, 30), period="2026-W13")
    assert [Path(p).name for p in written] == ["周调度-2026-W13.pdf", "周调度-2026-W13.xlsx"]


def test_served_deployments_and_prefect_yaml_schedule_the_same_reports():
    served = {d.name: d for d in deployments("installation-id")}
    declared = {d["name"]: d for d in yaml.safe_load((REPOSITORY / "prefect.yaml").read_text())["deployments"]}
    for name, kind, cron in PERIODIC:
        assert served[name].parameters == {"kind": kind, "installation": "installation-id"}
        assert served[name].schedules[0].schedule.cron == cron
        assert declared[name]["entrypoint"] == "workflows/flows.py:periodic_report"
        assert declared[name]["parameters"] == {"kind": kind}
        assert declared[name]["schedules"][0]["cron"] == cron
