"""Exports: JSON keys as published, XLSX with merged headers, PDF with embedded fonts, HTML escaped."""

import io
import json
import subprocess
from datetime import date

import pytest
from openpyxl import load_workbook

from models.demo import DEMO_AGENCY
from models.queries import agency_by_name
from models.statistics import annual_report
from notices.annual_report import export
from tests.statistics.cases import hedong_2021, import_cases


@pytest.fixture
def report(session, calendar):
    import_cases(session, calendar, hedong_2021())
    return annual_report(session, agency=agency_by_name(session, DEMO_AGENCY), year=2021, today=date(2026, 6, 1))


def test_json_has_the_published_keys_and_numbers(report, hedong):
    data = json.loads(export(report, "json"))
    assert data["columns"] == hedong["columns"]
    assert data["table3"] == hedong["table3"]
    assert list(data["table4"]["reconsideration"]) == list(hedong["table4"]["reconsideration"])


def test_xlsx_has_the_printed_merged_headers(report):
    book = load_workbook(io.BytesIO(export(report, "xlsx")))
    sheet = book["表三"]
    merged = {str(r) for r in sheet.merged_cells.ranges}
    assert {"A2:C4", "D2:J2", "D3:D4", "E3:I3", "J3:J4", "A7:A28"} <= merged
    assert sheet["D2"].value == "申请人情况" and sheet["E3"].value == "法人或其他组织"
    assert [sheet.cell(4, c).value for c in range(5, 10)] == ["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"]
    assert sheet["A5"].value == "一、本年新收政府信息公开申请数量" and sheet["D5"].value == 79
    assert sheet["B9"].value == "（三）不予公开" and "B9:B16" in merged
    four = book["表四"]
    assert {"A2:E3", "F2:O2", "F3:J3", "K3:O3"} <= {str(r) for r in four.merged_cells.ranges}


def test_pdf_embeds_every_font(report, tmp_path):
    path = tmp_path / "report.pdf"
    path.write_bytes(export(report, "pdf"))
    fonts = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True, text=True).stdout
    rows = [line.split() for line in fonts.splitlines()[2:]]
    assert rows and all(r[-5] == "yes" for r in rows), fonts
    text = subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True).stdout
    assert "本年新收政府信息公开申请数量" in text
    meta = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
    assert f"Author:          {report.agency}" in meta and "Title:           " in meta  # who made it, and what


def test_html_is_utf8_and_escaped(report):
    report.agency = "<script>示范</script>"
    html = export(report, "html").decode("utf-8")
    assert "<script>示范" not in html and "&lt;script&gt;" in html
    assert 'rowspan="22"' in html and 'colspan="7"' in html


def test_csv_opens_in_excel(report):
    text = export(report, "csv").decode("utf-8")
    assert text.startswith("\ufeff三、收到和处理政府信息公开申请情况")
    assert "r4_1_not_held,（四）无法提供 1.本机关不掌握相关政府信息,22,0,0,0,0,0,22" in text
