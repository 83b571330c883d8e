"""The annual report page: table 二 typed in or imported by the office's head or a supervisor, refused in Chinese
with nothing written, and the whole draft downloaded as DOCX and PDF."""

import io

from docx import Document
from sqlmodel import Session, select

from models.statistics.table2 import TABLE2_ITEMS, label
from models.statistics.tables import ProactiveFigures

FIGURES = {"rules_made": "0", "rules_repealed": "0", "rules_in_force": "0", "normative_made": "6",
           "normative_repealed": "1", "normative_in_force": "21", "licensing": "112311", "punishment": "1083",
           "enforcement": "46", "fees_wan": "10098.75"}


def _rows(engine) -> list[ProactiveFigures]:
    with Session(engine) as s:
        return s.exec(select(ProactiveFigures)).all()


def test_supervisor_enters_table_two_and_downloads_the_draft(login, engine):
    supervisor = login("supervisor")
    page = supervisor.get("/annual").text  # the desk's clock is in 2026: last year's report by default
    assert "2025年政府信息公开工作年度报告" in page and "2025年度表二尚未录入" in page
    saved = supervisor.post("/annual/table2", {"year": "2025", **FIGURES})
    assert saved.status_code == 303 and saved.headers["location"] == "/annual?year=2025"
    assert 'value="112311"' in supervisor.get("/annual?year=2025").text
    docx = supervisor.get("/annual/draft.docx?year=2025")
    assert docx.status_code == 200 and "attachment" in docx.headers["content-disposition"]
    text = "\n".join(p.text for p in Document(io.BytesIO(docx.content)).paragraphs)
    assert "二、主动公开政府信息情况" in text and "行政许可处理决定112311件" in text
    pdf = supervisor.get("/annual/draft.pdf?year=2025")
    assert pdf.status_code == 200 and pdf.content[:5] == b"%PDF-"


def test_bad_table_two_is_refused_in_chinese_and_nothing_is_written(login, engine):
    head = login("head")
    refused = head.post("/annual/table2", {"year": "2025", **FIGURES, "licensing": "十万", "fees_wan": "-1"})
    assert refused.status_code == 422
    assert "行政许可「本年处理决定数量」应为整数件数" in refused.text and "不能为负数" in refused.text
    assert 'value="十万"' in refused.text  # what was typed stays in the form
    assert _rows(engine) == []


def test_table_two_imported_from_a_csv_and_a_bad_file_refused(login, engine):
    head = login("head")
    content = ("项目,数值\n" + "".join(f"{label(i)},{FIGURES[i.key]}\n" for i in TABLE2_ITEMS)).encode("utf-8")
    bad = head.post("/annual/table2/import", {"year": "2025"}, files={"file": ("表二.txt", b"x", "text/plain")})
    assert bad.status_code == 422 and "只能导入 CSV 或 XLSX" in bad.text and _rows(engine) == []
    ok = head.post("/annual/table2/import", {"year": "2025"}, files={"file": ("表二.csv", content, "text/csv")})
    assert ok.status_code == 303, ok.text[-500:]
    [row] = _rows(engine)
    assert (row.year, row.licensing, row.fees_wan, row.source, row.entered_by) == (2025, 112311, "10098.75", "import", "head")


def test_clerk_cannot_reach_the_annual_page(login):
    clerk = login("clerk")
    assert clerk.get("/annual").status_code == 403
    assert clerk.post("/annual/table2", {"year": "2025", **FIGURES}).status_code == 403
