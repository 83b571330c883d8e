"""The mock-audit report (模拟暗访情况通报) of one round: the departments' grades and every test case, as PDF and XLSX.

The 月检查/季通报 cite it. Built from models.mock_audits.AuditReport; the PDF embeds the project's faces
(notices.fonts), the XLSX is for the office to sort and annotate.
"""

import io

from models.mock_audits import WEIGHTS, AuditReport, MockLine


def _yes(value: bool) -> str:
    return "是" if value else "否"


def title(report: AuditReport) -> str:
    scope = f"（{report.department}）" if report.department else ""
    return f"{report.agency}模拟暗访情况通报{scope}——{report.round_name}"


def summary_rows(report: AuditReport) -> list[list[str]]:
    rows = [["被测单位", "发出件数", "已评分件数", "平均得分"]]
    for d in report.departments:
        rows.append([d.department, str(d.sent), str(d.graded), "未评分" if d.average is None else f"{d.average:.1f}"])
    return rows


FIXED = (22, 20, 17, 20, 20, 11, 11, 11, 11, 13, 33, 11)  # mm: every column of the case table but the last
CASE_HEADER = ["被测单位", "申请编号", "发出日期", "预期处理结果", "实际处理结果", "承办按时", "答复按时", "结果正确",
               "引用正确", "救济途径正确", "要点得分", "总分", "发现的问题"]


def case_row(line: MockLine) -> list[str]:
    from models.outcomes import Outcome

    g = line.grade
    head = [line.department, line.number or "", str(line.sent_on or ""), line.expected.label]
    if g is None:
        return head + [line.stage] + [""] * (len(CASE_HEADER) - len(head) - 1)
    points = "；".join(f"{s['point']} {s['score']:.0f}" for s in g.point_scores)
    return head + [Outcome(g.actual_outcome).label, _yes(g.department_on_time), _yes(g.reply_on_time),
                   _yes(g.outcome_right), _yes(g.citations_right), _yes(g.remedy_right), points, f"{g.total:.1f}",
                   "；".join(g.findings) or "无"]


def weights_text() -> str:
    return (f"评分办法（满分100分）：承办单位按时提交书面答复意见{WEIGHTS['department_on_time']}分，答复在法定期限内签发"
            f"{WEIGHTS['reply_on_time']}分，处理结果正确{WEIGHTS['outcome']}分，引用依据正确{WEIGHTS['citations']}分，"
            f"救济途径正确{WEIGHTS['remedy']}分，答复要点完整{WEIGHTS['completeness']}分（按要点平均）。"
            "按时、结果、引用和救济途径由系统根据办理记录和引用检查计算；答复中能找到原文的要点由系统计满分，"
            "其余要点由督办人员评分。")


def to_xlsx(report: AuditReport) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    sheet.title = "各单位得分"
    sheet.append([title(report)])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([])
    for row in summary_rows(report):
        sheet.append([_number(v) for v in row])
    sheet.append([])
    sheet.append([weights_text()])
    cases = book.create_sheet("逐件评分")
    cases.append(CASE_HEADER)
    for line in report.lines:
        cases.append([_number(v) for v in case_row(line)])
    for ws in (sheet, cases):
        for cell in ws[1 if ws is cases else 3]:
            cell.font = Font(bold=True)
        for column in ws.columns:
            ws.column_dimensions[column[0].column_letter].width = 16
    for row in cases.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _number(value: str):
    """Counts and scores go in as numbers, so the office can sort and sum them."""
    try:
        return float(value) if "." in value else int(value)
    except ValueError:
        return value


def to_pdf(report: AuditReport) -> bytes:
    """A4 landscape: the departments' grades, then every case; the project's faces embedded."""
    from xml.sax.saxutils import escape

    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    from notices.fonts import fonts_in_use

    heading, body = fonts_in_use()
    title_style = ParagraphStyle("title", fontName=heading, fontSize=16, leading=24, alignment=1, spaceAfter=8)
    h2 = ParagraphStyle("h2", fontName=heading, fontSize=12.5, leading=20, spaceBefore=6, spaceAfter=4)
    text = ParagraphStyle("text", fontName=body, fontSize=10, leading=16, wordWrap="CJK")
    cell = ParagraphStyle("cell", fontName=body, fontSize=7.5, leading=9.5, wordWrap="CJK")
    grid = TableStyle([("FONTNAME", (0, 0), (-1, -1), body), ("GRID", (0, 0), (-1, -1), 0.5, "black"),
                       ("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("BACKGROUND", (0, 0), (-1, 0), "#eeeeee")])

    def table(rows, widths):
        t = Table([[Paragraph(escape(v), cell) for v in row] for row in rows], colWidths=widths, repeatRows=1)
        t.setStyle(grid)
        return t

    page = landscape(A4)
    width = page[0] - 24 * mm
    average = "尚无已评分的答复" if report.average is None else f"平均得分 {report.average:.1f} 分"
    story = [Paragraph(escape(title(report)), title_style),
             Paragraph(escape(f"本轮共向{len(report.departments)}个单位发出模拟申请{len(report.lines)}件，"
                              f"已评分{sum(d.graded for d in report.departments)}件，{average}。"), text),
             Paragraph("一、各单位得分", h2), table(summary_rows(report), [width * 0.4] + [width * 0.2] * 3),
             Spacer(1, 4 * mm), Paragraph("二、逐件评分", h2),
             table([CASE_HEADER] + [case_row(ln) for ln in report.lines],
                   [w * mm for w in FIXED] + [width - sum(FIXED) * mm]),
             Spacer(1, 4 * mm), Paragraph(escape(weights_text()), text)]
    out = io.BytesIO()
    SimpleDocTemplate(out, pagesize=page, leftMargin=12 * mm, rightMargin=12 * mm, topMargin=15 * mm,
                      bottomMargin=15 * mm, title=title(report), author=report.agency, creator="Gongkai",
                      initialFontName=body).build(story)
    return out.getvalue()
