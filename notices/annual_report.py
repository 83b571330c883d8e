"""Export the annual report's tables 三 and 四: JSON, CSV, XLSX, PDF and HTML, in the printed layout.

One grid (cells with row/column spans, as in the published reports of 国办公开办函〔2021〕30号) feeds
XLSX, PDF and HTML, so the three layouts cannot differ; JSON keeps exactly the published keys.
"""

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path

import jinja2

from models.outcomes import APPLICANT_KIND_LABELS, TABLE3_ROWS, ChallengeKind, ChallengeResult
from models.statistics import AnnualReport
from models.statistics.table4 import TABLE4_KEYS

FORMATS = ("json", "csv", "xlsx", "pdf", "html")
CONTENT_TYPES = {"json": "application/json", "csv": "text/csv; charset=utf-8", "html": "text/html; charset=utf-8",
                 "pdf": "application/pdf",
                 "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}

# The note printed in the top-left header cell of table 三 (official wording, regulation.md §4.3).
TABLE3_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
TABLE3_TITLE = "三、收到和处理政府信息公开申请情况"
TABLE4_TITLE = "四、政府信息公开行政复议、行政诉讼情况"
ORG_KINDS = [APPLICANT_KIND_LABELS[k] for k in list(APPLICANT_KIND_LABELS)[1:]]
RESULT_LABELS = [ChallengeResult(k).label if k != "total" else "总计" for k in TABLE4_KEYS]


@dataclass(frozen=True)
class Cell:
    text: str
    row: int
    col: int
    rowspan: int = 1
    colspan: int = 1
    header: bool = False


@dataclass(frozen=True)
class Grid:
    title: str
    cells: tuple[Cell, ...]
    rows: int
    cols: int
    header_rows: int
    label_cols: int


def table3_grid(report: AnnualReport) -> Grid:
    """Three label columns (part, group, item) and seven numbers; three header rows as printed."""
    cells = [
        Cell(TABLE3_NOTE, 0, 0, 3, 3, True),
        Cell("申请人情况", 0, 3, 1, 7, True),
        Cell("自然人", 1, 3, 2, 1, True),
        Cell("法人或其他组织", 1, 4, 1, 5, True),
        Cell("总计", 1, 9, 2, 1, True),
        *(Cell(label, 2, 4 + i, header=True) for i, label in enumerate(ORG_KINDS)),
    ]
    r = 3
    results = [row for row in TABLE3_ROWS if row.group]
    groups: dict[str, int] = {}
    for row in TABLE3_ROWS:
        if row.key == "r1_disclosed":
            cells.append(Cell("三、本年度办理结果", r, 0, len(results), 1, True))
        if row.group is None:
            cells.append(Cell(row.label, r, 0, 1, 3, True))
        elif row.group == "三、本年度办理结果":
            cells.append(Cell(row.label, r, 1, 1, 2, True))
        else:
            if row.group not in groups:
                groups[row.group] = sum(1 for x in results if x.group == row.group)
                cells.append(Cell(row.group, r, 1, groups[row.group], 1, True))
            cells.append(Cell(row.label, r, 2, header=True))
        cells.extend(Cell(str(v), r, 3 + i) for i, v in enumerate(report.table3[row.key]))
        r += 1
    return Grid(TABLE3_TITLE, tuple(cells), r, 10, 3, 3)


def table4_grid(report: AnnualReport) -> Grid:
    """行政复议 (5 columns) and 行政诉讼 split into 未经复议直接起诉 and 复议后起诉."""
    cells = [
        Cell("行政复议", 0, 0, 2, 5, True),
        Cell("行政诉讼", 0, 5, 1, 10, True),
        Cell("未经复议直接起诉", 1, 5, 1, 5, True),
        Cell("复议后起诉", 1, 10, 1, 5, True),
    ]
    for g, kind in enumerate(ChallengeKind):
        for i, key in enumerate(TABLE4_KEYS):
            cells.append(Cell(RESULT_LABELS[i], 2, 5 * g + i, header=True))
            cells.append(Cell(str(report.table4[kind.value][key]), 3, 5 * g + i))
    return Grid(TABLE4_TITLE, tuple(cells), 4, 15, 3, 0)


def to_json(report: AnnualReport) -> bytes:
    return json.dumps(report.to_json(), ensure_ascii=False, indent=1).encode("utf-8")


def to_csv(report: AnnualReport) -> bytes:
    """Flat rows with the verbatim labels; UTF-8 with a BOM so that Excel opens the Chinese correctly."""
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow([TABLE3_TITLE])
    w.writerow(["行", "项目", *[APPLICANT_KIND_LABELS[k] for k in APPLICANT_KIND_LABELS], "总计"])
    for row in TABLE3_ROWS:
        label = f"{row.group} {row.label}" if row.group and row.group.startswith("（") else row.label
        w.writerow([row.key, label, *report.table3[row.key]])
    w.writerow([])
    w.writerow([TABLE4_TITLE])
    w.writerow(["类别", "项目", *RESULT_LABELS])
    for kind in ChallengeKind:
        w.writerow([kind.value, kind.label, *(report.table4[kind.value][k] for k in TABLE4_KEYS)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(report: AnnualReport) -> bytes:
    """One sheet per table, merged headers and borders as in the printed report."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side

    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    book = Workbook()
    book.remove(book.active)
    for grid, name, widths in ((table3_grid(report), "表三", [14, 12, 40]), (table4_grid(report), "表四", [])):
        sheet = book.create_sheet(name)
        sheet.cell(1, 1, f"{report.title} {grid.title}").font = Font(bold=True, size=12)
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=grid.cols)
        for cell in grid.cells:
            row, col = cell.row + 2, cell.col + 1
            target = sheet.cell(row, col, int(cell.text) if not cell.header else cell.text)
            target.alignment = Alignment(horizontal="left" if cell.header and cell.col == 2 else "center",
                                         vertical="center", wrap_text=True)
            target.font = Font(bold=cell.header and cell.row < grid.header_rows)
            for r in range(row, row + cell.rowspan):
                for c in range(col, col + cell.colspan):
                    sheet.cell(r, c).border = border
            if cell.rowspan > 1 or cell.colspan > 1:
                sheet.merge_cells(start_row=row, start_column=col, end_row=row + cell.rowspan - 1,
                                  end_column=col + cell.colspan - 1)
        for i, width in enumerate(widths, 1):
            sheet.column_dimensions[chr(64 + i)].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def to_pdf(report: AnnualReport) -> bytes:
    """Landscape A4, the same grid with SPAN styles, the body TrueType face embedded (notices.fonts)."""
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
    from xml.sax.saxutils import escape

    from notices.fonts import fonts_in_use

    title, body = fonts_in_use()
    cell_style = ParagraphStyle("cell", fontName=body, fontSize=7.5, leading=9, wordWrap="CJK", alignment=1)
    left = ParagraphStyle("left", cell_style, alignment=0)
    heading = ParagraphStyle("heading", fontName=title, fontSize=14, leading=20, alignment=1, spaceAfter=6)
    width = landscape(A4)[0] - 30 * mm
    story = [Paragraph(escape(report.title), heading)]
    for grid, label_widths in ((table3_grid(report), [18 * mm, 20 * mm, 105 * mm]), (table4_grid(report), [])):
        data = [[""] * grid.cols for _ in range(grid.rows)]
        spans = []
        for cell in grid.cells:
            style = left if cell.header and cell.col == 2 and cell.row >= grid.header_rows else cell_style
            data[cell.row][cell.col] = Paragraph(escape(cell.text), style)
            if cell.rowspan > 1 or cell.colspan > 1:
                spans.append(("SPAN", (cell.col, cell.row), (cell.col + cell.colspan - 1, cell.row + cell.rowspan - 1)))
        rest = (width - sum(label_widths)) / (grid.cols - len(label_widths))
        table = Table(data, colWidths=label_widths + [rest] * (grid.cols - len(label_widths)), repeatRows=grid.header_rows)
        table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), body), ("TOPPADDING", (0, 0), (-1, -1), 1),
                                   ("BOTTOMPADDING", (0, 0), (-1, -1), 2), ("GRID", (0, 0), (-1, -1), 0.5, "black"),
                                   ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                                   *spans]))
        story += [KeepTogether([Paragraph(escape(grid.title), ParagraphStyle("h2", heading, fontSize=11, alignment=0)),
                                table]), Spacer(1, 8 * mm)]
    if report.failures:
        story.append(Paragraph(escape("未通过的校验："), left))
        story += [Paragraph(escape(f"· {f.message_zh}"), left) for f in report.failures]
    out = io.BytesIO()
    SimpleDocTemplate(out, pagesize=landscape(A4), leftMargin=15 * mm, rightMargin=15 * mm, topMargin=15 * mm,
                      bottomMargin=15 * mm, title=report.title, author=report.agency, creator="Gongkai",
                      initialFontName=body).build(story)  # else the canvas starts in Helvetica, never embedded
    return out.getvalue()


_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).with_name("templates") / "annual"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def to_html(report: AnnualReport) -> bytes:
    """A standalone UTF-8 page: both grids with rowspan/colspan and every failed check."""
    grids = []
    for grid in (table3_grid(report), table4_grid(report)):
        rows = [[] for _ in range(grid.rows)]
        for cell in sorted(grid.cells, key=lambda c: (c.row, c.col)):
            rows[cell.row].append(cell)
        grids.append({"title": grid.title, "rows": rows, "header_rows": grid.header_rows})
    return _env.get_template("report.html.j2").render(report=report, grids=grids).encode("utf-8")


EXPORTERS = {"json": to_json, "csv": to_csv, "xlsx": to_xlsx, "pdf": to_pdf, "html": to_html}


def export(report: AnnualReport, fmt: str) -> bytes:
    """The report in one of FORMATS."""
    return EXPORTERS[fmt](report)
