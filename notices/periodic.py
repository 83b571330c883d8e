"""The periodic reports as files: 周调度 (weekly dispatch list), 月检查 (monthly check), 季通报 (quarterly bulletin).

PDF (reportlab, the project's faces from notices.fonts, A4 landscape, bar charts from reportlab.graphics) and XLSX
(openpyxl, the figures sheet with a bar chart, the dispatch list on its own sheet). Both are built from the same
rows (models.periodic.PeriodReport); a value the period does not have is printed "—".
"""

import io
from xml.sax.saxutils import escape

from models.dashboard import LEVEL_LABELS
from models.periodic import GRADING_RULE_ZH, OFFICE, PeriodKind, PeriodReport, ReportPeriod

DASH = "—"
# (heading, value of a row): the columns of the figures table, in print order
COLUMNS = (
    ("承办单位", lambda r: r.department),
    ("交办件数", lambda r: r.received),
    ("已答复", lambda r: r.answered),
    ("按时答复", lambda r: r.on_time),
    ("逾期", lambda r: r.overdue),
    ("平均用时（工作日）", lambda r: r.average_days),
    ("法律审核退回", lambda r: r.returned_by_counsel),
    ("问题清单未销号", lambda r: r.open_problems),
    ("暗访成绩", lambda r: r.mock_grade),
    ("综合得分", lambda r: r.grade),
)
TOTAL_NOTE = ("注：各承办单位按交办计（交办日、书面答复意见日在本期内）；全机关合计按申请件计：收到申请以条例第三十一条的收到日为准，"
              "已答复为本期办结，按时、逾期以答复期限（第三十三条）为准，逾期含期末仍未办结且已过期限的申请。"
              "用时均按工作日计（法定节假日及调休按国务院通知）。登记作废的申请不计入任何数字；模拟暗访申请只计入暗访成绩。")
DISPATCH_HEAD = ("申请编号", "申请内容", "收到日期", "交办日期", "承办期限", "答复期限", "当前状态", "等待事项", "期限预警")


def show(value) -> str:
    """A figure as printed: None → "—", a fraction with one decimal."""
    if value is None:
        return DASH
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def figure_rows(report: PeriodReport) -> list[list[str]]:
    """The figures table as printed: the heading, each department, the agency's own row."""
    return [[h for h, _ in COLUMNS]] + [[show(get(r)) for _, get in COLUMNS] for r in (*report.rows, report.total)]


def dispatch_rows(report: PeriodReport) -> list[tuple[str, list[list[str]]]]:
    """(department, its lines as printed) for every group of the dispatch list that has lines."""
    out = []
    for group in report.dispatch:
        lines = [[x.number, x.request, show(x.receipt_date), show(x.routed_on), show(x.department_due),
                  show(x.reply_due) if x.reply_due else "待补正", x.status.label, x.waits_for,
                  LEVEL_LABELS.get(x.level, DASH) if x.level else DASH] for x in group.lines]
        if lines:
            out.append((group.department, lines))
    return out


def dispatch_title(report: PeriodReport) -> str:
    if report.period.kind == PeriodKind.week:
        return f"在办申请调度清单（截至{report.made_on:%Y年%m月%d日}）"
    return f"逾期未办结申请（截至{report.made_on:%Y年%m月%d日}）"


def summary_lines(report: PeriodReport) -> list[str]:
    """The report's opening sentences and, for the monthly check and the quarterly bulletin, the grading."""
    t = report.total
    cut = "" if report.complete else f"（本期尚未结束，统计截至{report.as_of:%Y年%m月%d日}）"
    lines = [f"统计期间：{report.period.start:%Y年%m月%d日}至{report.period.end:%Y年%m月%d日}{cut}。",
             f"本期全机关收到政府信息公开申请{t.received}件，办结{t.answered}件，其中按时办结{t.on_time}件；"
             f"逾期{t.overdue}件；法律审核退回{t.returned_by_counsel}次；问题清单未销号事项{t.open_problems}项。"]
    if report.period.kind == PeriodKind.week:
        waiting = sum(len(g.lines) for g in report.dispatch)
        late = sum(g.overdue for g in report.dispatch)
        lines.append(f"截至{report.made_on:%m月%d日}，在办申请{waiting}件，其中已逾期{late}件，请各承办单位按期限办理。")
        return lines
    ranked = report.ranked
    if ranked:
        lines.append("综合得分排名：" + "；".join(f"{i}. {r.department} {show(r.grade)}分" for i, r in enumerate(ranked, 1)) + "。")
    if report.period.kind == PeriodKind.quarter:
        low = [r for r in ranked if r.grade < 80]
        if ranked:
            best = [r.department for r in ranked if r.grade == ranked[0].grade]
            lines.append(f"予以通报表扬：{'、'.join(best)}。")
        lines.append(f"予以通报并限期整改（综合得分低于80分）：{'、'.join(r.department for r in low)}。" if low
                     else "本季度无综合得分低于80分的单位。")
    lines.append(GRADING_RULE_ZH)
    return lines


def file_name(report: PeriodReport, ext: str) -> str:
    """月检查-2026-03.pdf: the kind in Chinese and the period's key."""
    return stored_path(".", report.agency_id, report.period, ext).name


def stored_path(var_dir, agency_id: int, period: ReportPeriod, ext: str):
    """Where the scheduled run keeps a period's file: <var>/reports/periodic/<agency id>/月检查-2026-03.pdf."""
    from pathlib import Path

    return Path(var_dir) / "reports" / "periodic" / str(agency_id) / f"{period.kind.label}-{period.key}.{ext}"


def write_files(report: PeriodReport, directory) -> list:
    """The PDF and the XLSX of the report written into `directory` (made if missing); their paths."""
    from pathlib import Path

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for ext, build in (("pdf", to_pdf), ("xlsx", to_xlsx)):
        path = directory / file_name(report, ext)
        partial = path.with_name(path.name + ".partial")
        partial.write_bytes(build(report))
        partial.replace(path)  # a reader never sees half a file
        written.append(path)
    return written


# --- PDF ----------------------------------------------------------------------------------------------------


def _bar_chart(*, title: str, categories: list[str], series: list[tuple[str, list[float]]], font: str, width: float,
               value_max: float | None = None):
    """A vertical bar chart (reportlab.graphics) with Chinese category labels and a legend."""
    from reportlab.graphics.charts.barcharts import VerticalBarChart
    from reportlab.graphics.charts.legends import Legend
    from reportlab.graphics.shapes import Drawing, String
    from reportlab.lib import colors

    palette = [colors.HexColor(c) for c in ("#2f5597", "#70ad47", "#c00000", "#ed7d31")]
    height = 190
    drawing = Drawing(width, height, initialFontName=font, initialFontSize=8)
    drawing.add(String(width / 2, height - 12, title, fontName=font, fontSize=10, textAnchor="middle"))
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 40, 40, width - 170, height - 70
    chart.data = [values for _, values in series] or [[0] * len(categories)]
    chart.categoryAxis.categoryNames = categories
    chart.categoryAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = 7
    chart.valueAxis.labels.fontName = font
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    top = max([v for _, values in series for v in values if v is not None] + [1])
    chart.valueAxis.valueMax = value_max or top + max(1, round(top * 0.2))
    if value_max is None:  # counts: whole steps
        chart.valueAxis.valueStep = max(1, -(-chart.valueAxis.valueMax // 5))
    chart.barLabels.fontName = font
    chart.barLabels.fontSize = 6
    chart.barLabelFormat = lambda v: show(v) if isinstance(v, float) and v != int(v) else str(int(v))
    fills = [palette[2] if "逾期" in name else palette[i % 2] for i, (name, _) in enumerate(series)]
    for i, fill in enumerate(fills):
        chart.bars[i].fillColor = fill
    drawing.add(chart)
    legend = Legend()
    legend.x, legend.y = width - 120, height - 40
    legend.fontName, legend.fontSize = font, 8
    legend.colorNamePairs = [(fill, name) for fill, (name, _) in zip(fills, series)]
    drawing.add(legend)
    return drawing


def charts(report: PeriodReport) -> list[tuple[str, list[str], list[tuple[str, list[float]]], float | None]]:
    """The charts each report carries: (title, categories, series, value axis top)."""
    names = [r.department for r in report.rows]
    found = [("各承办单位办理情况", names, [("交办件数", [r.received for r in report.rows]),
                                         ("已答复", [r.answered for r in report.rows]),
                                         ("逾期", [r.overdue for r in report.rows])], None)]
    if report.period.kind == PeriodKind.week:
        open_by = {g.department: len(g.lines) for g in report.dispatch}
        late_by = {g.department: g.overdue for g in report.dispatch}
        groups = [*names, OFFICE]
        found.append(("在办申请分布", groups, [("在办", [open_by.get(n, 0) for n in groups]),
                                             ("已逾期", [late_by.get(n, 0) for n in groups])], None))
    else:
        found.append(("各承办单位综合得分", names, [("综合得分", [r.grade for r in report.rows])], 100.0))  # None: no bar
    return found


def to_pdf(report: PeriodReport) -> bytes:
    """A4 landscape: title, summary, figures table, charts, the dispatch list (week) or the overdue cases (month)."""
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    from notices.fonts import fonts_in_use

    title_font, body = fonts_in_use()
    width = landscape(A4)[0] - 30 * mm
    heading = ParagraphStyle("heading", fontName=title_font, fontSize=16, leading=24, alignment=1, spaceAfter=8)
    h2 = ParagraphStyle("h2", fontName=title_font, fontSize=12, leading=18, spaceBefore=6, spaceAfter=4)
    text = ParagraphStyle("text", fontName=body, fontSize=10, leading=16, wordWrap="CJK", firstLineIndent=20)
    cell = ParagraphStyle("cell", fontName=body, fontSize=8, leading=10, wordWrap="CJK", alignment=1)
    note = ParagraphStyle("note", fontName=body, fontSize=8, leading=11, wordWrap="CJK")
    grid = [("FONTNAME", (0, 0), (-1, -1), body), ("GRID", (0, 0), (-1, -1), 0.5, "black"),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("BACKGROUND", (0, 0), (-1, 0), "#d9e1f2"),
            ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 3)]

    story = [Paragraph(escape(report.title), heading)]
    story += [Paragraph(escape(line), text) for line in summary_lines(report)]
    story.append(Paragraph("一、各承办单位情况", h2))
    rows = figure_rows(report)
    first = 40 * mm
    table = Table([[Paragraph(escape(v), cell) for v in row] for row in rows],
                  colWidths=[first] + [(width - first) / (len(COLUMNS) - 1)] * (len(COLUMNS) - 1), repeatRows=1)
    table.setStyle(TableStyle([*grid, ("BACKGROUND", (0, len(rows) - 1), (-1, len(rows) - 1), "#f2f2f2")]))
    story += [table, Spacer(1, 2 * mm), Paragraph(escape(TOTAL_NOTE), note)]
    for i, (title, categories, series, top) in enumerate(charts(report)):
        chart = _bar_chart(title=title, categories=categories, series=series, font=body, width=width, value_max=top)
        story += [KeepTogether([Paragraph("二、图表", h2)] * (i == 0) + [chart]), Spacer(1, 3 * mm)]
    groups = dispatch_rows(report)
    if report.period.kind != PeriodKind.quarter:
        story.append(Paragraph(escape(f"三、{dispatch_title(report)}"), h2))
        if not groups:
            story.append(Paragraph("无。", text))
        widths = [24 * mm, 62 * mm, 20 * mm, 20 * mm, 20 * mm, 20 * mm, 28 * mm, 46 * mm]
        widths.append(width - sum(widths))
        for department, lines in groups:
            t = Table([[Paragraph(escape(v), cell) for v in row] for row in [list(DISPATCH_HEAD), *lines]],
                      colWidths=widths, repeatRows=1)
            t.setStyle(TableStyle(grid))
            story += [Paragraph(escape(f"{department}（{len(lines)}件）"), ParagraphStyle("h3", h2, fontSize=10.5)), t]
    story.append(Spacer(1, 4 * mm))
    story.append(Paragraph(escape(f"生成日期：{report.made_on:%Y年%m月%d日}"), note))
    out = io.BytesIO()
    SimpleDocTemplate(out, pagesize=landscape(A4), leftMargin=15 * mm, rightMargin=15 * mm, topMargin=15 * mm,
                      bottomMargin=15 * mm, title=report.title, author=report.agency, creator="Gongkai",
                      initialFontName=body).build(story)  # else the canvas starts in Helvetica, never embedded
    return out.getvalue()


# --- XLSX ---------------------------------------------------------------------------------------------------


def _numeric(value):
    """Numbers stay numbers in the workbook (a chart reads them); None is "—"."""
    return DASH if value is None else value


def to_xlsx(report: PeriodReport) -> bytes:
    """Sheet 「各单位情况」 with the figures and a bar chart; sheet 「调度清单」 with the dispatch list; 「说明」."""
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, Reference
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    head_fill = PatternFill("solid", fgColor="D9E1F2")
    book = Workbook()
    sheet = book.active
    sheet.title = "各单位情况"
    sheet.cell(1, 1, report.title).font = Font(bold=True, size=13)
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(COLUMNS))
    sheet.cell(2, 1, f"统计期间：{report.period.start.isoformat()} 至 {report.period.end.isoformat()}"
                     f"{'' if report.complete else '（统计截至' + report.as_of.isoformat() + '）'}")
    first = 4
    for c, (heading, _) in enumerate(COLUMNS, 1):
        target = sheet.cell(first, c, heading)
        target.font, target.fill = Font(bold=True), head_fill
    for i, row in enumerate((*report.rows, report.total), first + 1):
        for c, (_, get) in enumerate(COLUMNS, 1):
            sheet.cell(i, c, _numeric(get(row)))
    last = first + len(report.rows) + 1
    for r in range(first, last + 1):
        for c in range(1, len(COLUMNS) + 1):
            sheet.cell(r, c).border = border
            sheet.cell(r, c).alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    sheet.column_dimensions["A"].width = 26
    for c in "BCDEFGHIJ":
        sheet.column_dimensions[c].width = 12
    sheet.cell(last + 2, 1, TOTAL_NOTE)
    sheet.cell(last + 3, 1, GRADING_RULE_ZH)
    for line_no, line in enumerate(summary_lines(report), last + 5):
        sheet.cell(line_no, 1, line)

    chart = BarChart()
    chart.type = "col"
    chart.title = "各承办单位办理情况"
    chart.y_axis.title = "件数"
    departments_only = first + len(report.rows)  # the agency's own row stays out of the chart
    chart.add_data(Reference(sheet, min_col=2, max_col=3, min_row=first, max_row=departments_only), titles_from_data=True)
    chart.add_data(Reference(sheet, min_col=5, max_col=5, min_row=first, max_row=departments_only), titles_from_data=True)
    chart.set_categories(Reference(sheet, min_col=1, min_row=first + 1, max_row=departments_only))
    chart.width, chart.height = 22, 9
    sheet.add_chart(chart, f"L{first}")
    if report.period.kind != PeriodKind.week:
        grades = BarChart()
        grades.type = "col"
        grades.title = "各承办单位综合得分"
        grades.y_axis.scaling.min, grades.y_axis.scaling.max = 0, 100
        grades.add_data(Reference(sheet, min_col=len(COLUMNS), min_row=first, max_row=departments_only),
                        titles_from_data=True)
        grades.set_categories(Reference(sheet, min_col=1, min_row=first + 1, max_row=departments_only))
        grades.width, grades.height = 22, 9
        sheet.add_chart(grades, f"L{first + 20}")

    if report.period.kind != PeriodKind.quarter:
        listing = book.create_sheet("调度清单" if report.period.kind == PeriodKind.week else "逾期未办结")
        listing.cell(1, 1, dispatch_title(report)).font = Font(bold=True, size=12)
        listing.append([])
        listing.append(["承办单位", *DISPATCH_HEAD])
        for c in range(1, len(DISPATCH_HEAD) + 2):
            listing.cell(3, c).font, listing.cell(3, c).fill = Font(bold=True), head_fill
        for department, lines in dispatch_rows(report):
            for line in lines:
                listing.append([department, *line])
        for c, w in zip("ABCDEFGHIJ", (24, 14, 36, 12, 12, 12, 12, 16, 30, 12)):
            listing.column_dimensions[c].width = w
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
