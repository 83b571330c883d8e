"""The annual report draft: every section of 国办公开办函〔2021〕30号, table 二 as entered, tables 三/四 rebuilt from the
cases of the published Hedong 2021 report and read back from the DOCX cell by cell."""

import io
import subprocess
from datetime import date, datetime

import pytest
from docx import Document
from sqlmodel import select

from models.demo import DEMO_AGENCY
from models.errors import InvalidFields, ValidationFailed
from models.outcomes import TABLE3_COLUMNS, TABLE3_ROWS, ChallengeKind
from models.queries import agency_by_name
from models.statistics.draft import annual_draft
from models.statistics.table2 import TABLE2_KEYS, read_table2_file, save_table2
from models.statistics.table4 import TABLE4_KEYS
from models.statistics.tables import ProactiveFigures
from models.tables import SHANGHAI
from notices.annual_draft import SECTION_TITLES, to_docx, to_pdf
from tests.statistics.cases import hedong_2021, import_cases

NOW = datetime(2026, 6, 1, 9, tzinfo=SHANGHAI)
# Table 二 of the published report (河东区2021年政府信息公开工作年度报告, 二、主动公开政府信息情况)
HEDONG_TABLE2 = {"rules_made": "0", "rules_repealed": "0", "rules_in_force": "0", "normative_made": "6",
                 "normative_repealed": "1", "normative_in_force": "21", "licensing": "112311", "punishment": "1083",
                 "enforcement": "46", "fees_wan": "10098.75"}


def challenge(kind: str, result: str | None) -> dict:
    filed = {"kind": kind, "filed_date": "2021-12-01"}
    return filed | ({"outcome": result, "closed_date": "2021-12-20"} if result else {})


# The published table 四, case by case: 复议 1 维持 + 11 纠正; 直接起诉 3 维持 + 1 纠正; 复议后起诉 1 维持 + 1 未结
HEDONG_CHALLENGES = ([challenge("reconsideration", "upheld")] + [challenge("reconsideration", "corrected")] * 11
                     + [challenge("litigation_direct", "upheld")] * 3 + [challenge("litigation_direct", "corrected")]
                     + [challenge("litigation_after_reconsideration", "upheld"),
                        challenge("litigation_after_reconsideration", None)])


def hedong_2021_with_challenges() -> list[dict]:
    cases = hedong_2021()
    for case, one in zip(cases, HEDONG_CHALLENGES):
        case["challenges"] = [one]
    return cases


@pytest.fixture
def draft(session, calendar):
    import_cases(session, calendar, hedong_2021_with_challenges())
    agency = agency_by_name(session, DEMO_AGENCY)
    save_table2(session, agency_id=agency.id, year=2021, raw=HEDONG_TABLE2, by="head", now=NOW)
    return annual_draft(session, agency=agency, year=2021, today=NOW.date(), calendar=calendar)


def _section_tables(doc) -> dict[str, object]:
    """The table that follows each section heading in the DOCX body."""
    found, heading = {}, None
    for element in doc.element.body.iterchildren():
        tag = element.tag.rsplit("}", 1)[-1]
        if tag == "p":
            text = "".join(t.text or "" for t in element.iter() if t.tag.endswith("}t"))
            if text in SECTION_TITLES:
                heading = text
        elif tag == "tbl" and heading:
            found[heading] = next(t for t in doc.tables if t._tbl is element)
    return found


def test_docx_has_every_section_heading_and_the_filled_figures(draft):
    doc = Document(io.BytesIO(to_docx(draft)))
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert headings == list(SECTION_TITLES)
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "共收到政府信息公开申请79件，上年结转0件；办结79件，其中予以公开48件、部分公开3件、不予公开1件、无法提供22件" in text
    assert "被申请行政复议12件、提起行政诉讼6件" in text
    assert "规范性文件6件" in text and "行政事业性收费10098.75万元" in text
    assert "2021年度，未收取政府信息公开信息处理费。" in text
    assert "2021年未列入问题清单的疑难申请。" in text
    table2 = _section_tables(doc)["二、主动公开政府信息情况"]
    cells = [[c.text for c in row.cells] for row in table2.rows]
    assert ["规范性文件", "6", "1", "21"] in cells and ["行政许可", "112311", "112311", "112311"] in cells


def test_docx_tables_three_and_four_match_the_published_hedong_report_cell_by_cell(draft, hedong):
    tables = _section_tables(Document(io.BytesIO(to_docx(draft))))
    three = tables["三、收到和处理政府信息公开申请情况"]
    for r, row in enumerate(TABLE3_ROWS):
        printed = [three.cell(3 + r, 3 + c).text for c in range(len(TABLE3_COLUMNS))]
        assert printed == [str(v) for v in hedong["table3"][row.key]], row.key
    four = tables["四、政府信息公开行政复议、行政诉讼情况"]
    differ = []
    for g, kind in enumerate(ChallengeKind):
        for i, key in enumerate(TABLE4_KEYS):
            if four.cell(3, 5 * g + i).text != str(hedong["table4"][kind.value][key]):
                differ.append((kind.value, key, four.cell(3, 5 * g + i).text))
    # the published 复议后起诉 总计 (1) is not the sum of its parts (1 维持 + 1 未结): the cases give 2 (see its notes)
    assert differ == [("litigation_after_reconsideration", "total", "2")]
    assert [f.row for f in draft.report.failures] == []


def test_pdf_embeds_fonts_and_carries_every_section(draft, tmp_path):
    path = tmp_path / "draft.pdf"
    path.write_bytes(to_pdf(draft))
    fonts = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True, text=True).stdout
    assert all(line.split()[-5] == "yes" for line in fonts.splitlines()[2:]), fonts
    text = subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True).stdout.replace("\n", "")
    for title in SECTION_TITLES:
        assert title in text


BAD = [
    ({"licensing": "十二"}, "行政许可「本年处理决定数量」应为整数件数"),
    ({"punishment": "-3"}, "行政处罚「本年处理决定数量」不能为负数"),
    ({"fees_wan": "abc"}, "行政事业性收费「本年收费金额（单位：万元）」应为数字"),
    ({"fees_wan": "1.234567"}, "最多保留四位小数"),
    ({"rules_made": ""}, "请填写规章「本年制发件数」"),
    ({"enforcement": "4.5"}, "行政强制「本年处理决定数量」应为整数件数"),
]


@pytest.mark.parametrize("change, message", BAD, ids=["chinese-numeral", "negative", "fee-not-a-number",
                                                       "fee-too-precise", "missing", "fraction"])
def test_table_two_entry_refuses_bad_input_in_chinese_and_writes_nothing(session, change, message):
    from models.demo import seed_demo

    seed_demo(session)
    agency = agency_by_name(session, DEMO_AGENCY)
    with pytest.raises(InvalidFields) as refused:
        save_table2(session, agency_id=agency.id, year=2021, raw=HEDONG_TABLE2 | change, by="head", now=NOW)
    assert message in refused.value.message_zh
    assert session.exec(select(ProactiveFigures)).all() == []


def test_table_two_refuses_a_future_year_and_every_bad_field_at_once(session):
    from models.demo import seed_demo

    seed_demo(session)
    agency = agency_by_name(session, DEMO_AGENCY)
    with pytest.raises(ValidationFailed) as future:
        save_table2(session, agency_id=agency.id, year=2027, raw=HEDONG_TABLE2, by="head", now=NOW)
    assert "年度应在2008年至2026年之间" in future.value.message_zh
    with pytest.raises(InvalidFields) as refused:
        save_table2(session, agency_id=agency.id, year=2021, raw={"licensing": "x", "bogus": "1"}, by="head", now=NOW)
    assert len(refused.value.problems) == len(TABLE2_KEYS) + 1  # each of the ten missing or bad, and the unknown item
    assert "表二没有这些项目：bogus" in refused.value.message_zh
    assert session.exec(select(ProactiveFigures)).all() == []


def test_table_two_imports_from_csv_and_xlsx_by_label(tmp_path):
    from openpyxl import Workbook

    from models.statistics.table2 import TABLE2_ITEMS, label

    rows = [("项目", "数值"), *((label(i), HEDONG_TABLE2[i.key]) for i in TABLE2_ITEMS)]
    csv_bytes = ("\ufeff" + "\n".join(f"{a},{b}" for a, b in rows)).encode("utf-8")
    assert read_table2_file("表二.csv", csv_bytes) == HEDONG_TABLE2
    book = Workbook()
    for row in rows:
        book.active.append(list(row))
    out = io.BytesIO()
    book.save(out)
    assert read_table2_file("表二.XLSX", out.getvalue()) == HEDONG_TABLE2
    for name, content, message in [("表二.txt", b"", "只能导入 CSV 或 XLSX"),
                                   ("a.csv", "项目,数值\n规章-本年制发件数,1\n规章-本年制发件数,2\n".encode(),
                                    "第3行：项目「规章-本年制发件数」重复"),
                                   ("a.csv", "项目,数值\n规章-本年制发件数,1\n".encode("gbk"), "不是 UTF-8"),
                                   ("a.xlsx", b"not a workbook", "不是有效的 XLSX")]:
        with pytest.raises(ValidationFailed) as refused:
            read_table2_file(name, content)
        assert message in refused.value.message_zh


def test_sections_five_and_six_carry_the_problem_list_and_the_fees_of_the_year(session, calendar):
    from models.problems import add_problem
    from models.queries import application_by_number
    from models.tables import Fee
    from tests.factories import ctx
    from tests.statistics.cases import case

    cases = hedong_2021()[:2] + [case(received=date(2021, 12, 1))]  # the third is still open at the year's end
    import_cases(session, calendar, cases)
    first = application_by_number(session, cases[0]["number"])
    session.add(Fee(application_id=first.id, method="per_application", monthly_count=12, amount=200,
                    justification="本月第12件申请", notice_sent_on=date(2021, 5, 20), paid_on=date(2021, 5, 28)))
    session.commit()
    add_problem(ctx(session, calendar, "clerk", date(2021, 12, 6)), cases[2]["number"], reason="old_records",
                owner="clerk", plan="调取1990年代档案", limit_days=30)
    agency = agency_by_name(session, DEMO_AGENCY)
    draft = annual_draft(session, agency=agency, year=2021, today=NOW.date(), calendar=calendar)
    text = "\n".join(p.text for p in Document(io.BytesIO(to_docx(draft))).paragraphs)
    assert "发出收费通知1件，已缴费1件，共收取信息处理费200元。" in text
    assert "2021年列入问题清单1件，已销号0件，仍在办理1件" in text
    assert f"申请{cases[2]['number']}" in text and "措施：调取1990年代档案" in text
    assert "【请填写】（表二尚未录入" in text
    later = annual_draft(session, agency=agency, year=2020, today=NOW.date(), calendar=calendar)
    assert later.problems == [] and later.fees.collected == 0


def test_sections_five_and_six_carry_the_mock_audits_of_the_year(session, calendar):
    from models import mock_audits as M
    from tests.factories import ctx
    from tests.mock_factories import answer, sent_mock

    day = date(2026, 3, 2)
    graded, number = sent_mock(session, calendar, day, expected_outcome="art14_state_secret")
    answer(session, calendar, number, day=day)
    M.grade_mock(ctx(session, calendar, "supervisor", day), graded)
    sent_mock(session, calendar, day, round_name="2026年第二轮", department="区财政局")  # sent, not answered yet
    agency = agency_by_name(session, DEMO_AGENCY)
    draft = annual_draft(session, agency=agency, year=2026, today=date(2026, 3, 20), calendar=calendar)
    text = "\n".join(p.text for p in Document(io.BytesIO(to_docx(draft))).paragraphs)
    assert ("2026年，本机关开展模拟暗访2轮，向2个承办单位发出模拟申请2件，已评分1件，平均得分40.0分（满分100分），"
            "发现问题" in text)
    problems = [line for line in text.splitlines() if line.startswith("· 区自然资源局：")]
    assert problems[0].startswith("· 区自然资源局：处理结果为“") and "答复要点不完整" not in text  # both points found
    assert draft.report.table3["new_received"][-1] == 0  # the tests themselves are in no table
    assert "模拟暗访" not in "\n".join(p.text for p in Document(io.BytesIO(to_docx(
        annual_draft(session, agency=agency, year=2025, today=date(2026, 3, 20), calendar=calendar)))).paragraphs)
