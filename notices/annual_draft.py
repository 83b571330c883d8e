"""The whole annual report draft in the 国办公开办函〔2021〕30号 shape: DOCX for the office to edit, and PDF.

One list of blocks (headings, paragraphs, grids) feeds both writers, so they cannot differ. Sections 一, 五 and 六
are skeletons with the year's figures filled in and 【…】 where the office writes its own words; table 二 is what
the office entered (models.statistics.table2); tables 三 and 四 are the counted grids of notices.annual_report.
"""

import io
from dataclasses import dataclass

from models.statistics.draft import AnnualDraft
from models.statistics.table2 import TABLE2_ITEMS
from notices.annual_report import Cell, Grid, table3_grid, table4_grid

SECTION_TITLES = (
    "一、总体情况",
    "二、主动公开政府信息情况",
    "三、收到和处理政府信息公开申请情况",
    "四、政府信息公开行政复议、行政诉讼情况",
    "五、存在的主要问题及改进情况",
    "六、其他需要报告的事项",
)
TABLE2_TITLE = SECTION_TITLES[1]
TO_FILL = "【请填写】"


@dataclass(frozen=True)
class Block:
    kind: str  # title | heading | subheading | paragraph | grid
    text: str = ""
    grid: Grid | None = None


def table2_grid(draft: AnnualDraft) -> Grid:
    """Four groups as printed: 第二十条第（一）项 (three columns), （五）, （六） (two rows) and （八）."""
    figures = draft.table2
    value = (lambda key: str(getattr(figures, key))) if figures is not None else (lambda key: TO_FILL)
    cells, r = [], 0
    groups: dict[str, list] = {}
    for item in TABLE2_ITEMS:
        groups.setdefault(item.article_item, []).append(item)
    for article, items in groups.items():
        cells.append(Cell(article, r, 0, 1, 4, True))
        columns = list(dict.fromkeys(i.column for i in items))
        cells.append(Cell("信息内容", r + 1, 0, header=True))
        for c, column in enumerate(columns):
            cells.append(Cell(column, r + 1, 1 + c, 1, 3 if len(columns) == 1 else 1, True))
        r += 2
        for content in dict.fromkeys(i.content for i in items):
            cells.append(Cell(content, r, 0, header=True))
            row_items = [i for i in items if i.content == content]
            for c, item in enumerate(row_items):
                cells.append(Cell(value(item.key), r, 1 + c, 1, 3 if len(row_items) == 1 else 1))
            r += 1
    return Grid(TABLE2_TITLE, tuple(cells), r, 4, 0, 1)


def _row(draft: AnnualDraft, key: str) -> int:
    return draft.report.table3[key][-1]


def _mock_text(draft: AnnualDraft) -> str:
    """六（六）: the mock audits (模拟暗访) of the year, as the seeds' reports state them."""
    m = draft.mocks
    if m is None or m.sent == 0:
        return "无。"
    graded = (f"已评分{m.graded}件，平均得分{m.average:.1f}分（满分100分）" if m.average is not None
              else "答复尚未评分")
    found = f"，发现问题{len(m.problems)}项（见第五部分）" if m.problems else "，未发现问题"
    return (f"{draft.year}年，本机关开展模拟暗访{m.rounds}轮，向{m.departments}个承办单位发出模拟申请{m.sent}件，"
            f"{graded}{found}。模拟申请不计入上述统计数据。")


def blocks(draft: AnnualDraft) -> list[Block]:
    """The draft, section by section, figures filled in from the cases and from table 二."""
    report, year, agency = draft.report, draft.year, draft.agency
    t3, t4 = report.table3, report.table4
    withheld = sum(_row(draft, k) for k in t3 if k.startswith("r3_"))
    unable = sum(_row(draft, k) for k in t3 if k.startswith("r4_"))
    not_processed = sum(_row(draft, k) for k in t3 if k.startswith("r5_"))
    other = sum(_row(draft, k) for k in t3 if k.startswith("r6_"))
    reconsideration = t4["reconsideration"]["total"]
    litigation = t4["litigation_direct"]["total"] + t4["litigation_after_reconsideration"]["total"]
    f2 = draft.table2
    proactive = (f"{year}年，本机关制发规章{f2.rules_made}件、规范性文件{f2.normative_made}件，废止规范性文件"
                 f"{f2.normative_repealed}件，现行有效规范性文件{f2.normative_in_force}件；公开行政许可处理决定"
                 f"{f2.licensing}件、行政处罚{f2.punishment}件、行政强制{f2.enforcement}件，行政事业性收费"
                 f"{f2.fees_wan}万元（详见第二部分）。{TO_FILL}（主动公开的其他情况）"
                 if f2 is not None else f"{TO_FILL}（表二尚未录入：请在「年度报告」页录入或导入后重新生成。）")
    fees = draft.fees
    fee_text = (f"{year}年度，未收取政府信息公开信息处理费。" if fees.notices == 0 and fees.collected == 0 else
                f"{year}年度，依据《政府信息公开信息处理费管理办法》发出收费通知{fees.notices}件，已缴费{fees.paid}件，"
                f"共收取信息处理费{fees.collected}元。")
    out = [
        Block("title", f"{agency}{year}年政府信息公开工作年度报告"),
        Block("paragraph", f"根据《中华人民共和国政府信息公开条例》（国务院令第711号，以下简称《条例》）和《国务院办公厅"
                           f"政府信息与政务公开办公室关于印发〈中华人民共和国政府信息公开工作年度报告格式〉的通知》"
                           f"（国办公开办函〔2021〕30号）要求，发布{agency}{year}年政府信息公开工作年度报告。本报告中所列"
                           f"数据统计期限从{year}年1月1日到12月31日止。如对本报告有疑问，请与{TO_FILL}联系。"),
        Block("heading", SECTION_TITLES[0]),
        Block("paragraph", f"{year}年，{agency}{TO_FILL}（年度工作概述）"),
        Block("subheading", "（一）主动公开情况"),
        Block("paragraph", proactive),
        Block("subheading", "（二）依申请公开情况"),
        Block("paragraph", f"{year}年，共收到政府信息公开申请{_row(draft, 'new_received')}件，上年结转"
                           f"{_row(draft, 'carried_over')}件；办结{_row(draft, 'r7_total')}件，其中予以公开"
                           f"{_row(draft, 'r1_disclosed')}件、部分公开{_row(draft, 'r2_partial')}件、不予公开{withheld}件、"
                           f"无法提供{unable}件、不予处理{not_processed}件、其他处理{other}件；结转下年度继续办理"
                           f"{_row(draft, 'carried_forward')}件。因政府信息公开被申请行政复议{reconsideration}件、"
                           f"提起行政诉讼{litigation}件。主要涉及{TO_FILL}。"),
        Block("subheading", "（三）政府信息管理"),
        Block("paragraph", TO_FILL),
        Block("subheading", "（四）平台建设情况"),
        Block("paragraph", TO_FILL),
        Block("subheading", "（五）监督保障情况"),
        Block("paragraph", TO_FILL),
        Block("heading", SECTION_TITLES[1]),
        Block("grid", grid=table2_grid(draft)),
        Block("heading", SECTION_TITLES[2]),
        Block("grid", grid=table3_grid(report)),
        Block("heading", SECTION_TITLES[3]),
        Block("grid", grid=table4_grid(report)),
        Block("heading", SECTION_TITLES[4]),
        Block("subheading", "（一）存在问题"),
        Block("paragraph", f"{TO_FILL}（本年度工作中存在的主要问题）"),
    ]
    if draft.problems:
        open_items = sum(1 for p in draft.problems if p.status.value == "open")
        out.append(Block("paragraph", f"对年代久远、产权变更复杂、资料查找困难等疑难申请，实行问题清单管理、一案一策。"
                                      f"{year}年列入问题清单{len(draft.problems)}件，已销号{len(draft.problems) - open_items}件，"
                                      f"仍在办理{open_items}件："))
        for p in draft.problems:
            state = f"已于{p.closed_on}销号：{p.result}" if p.closed_on else f"办理时限至{p.due_date}，办理中"
            out.append(Block("paragraph", f"· 申请{p.case.number}（{p.reason}），责任人{p.owner_name}，"
                                          f"措施：{p.plan}；{state}。"))
    else:
        out.append(Block("paragraph", f"{year}年未列入问题清单的疑难申请。"))
    mocks = draft.mocks
    if mocks is not None and mocks.problems:
        out.append(Block("paragraph", f"通过模拟暗访发现的问题{len(mocks.problems)}项："))
        out += [Block("paragraph", f"· {p}。") for p in mocks.problems]
    out += [
        Block("subheading", "（二）改进情况"),
        Block("paragraph", f"{TO_FILL}（下一步改进措施）"),
        Block("heading", SECTION_TITLES[5]),
        Block("subheading", "（一）依据《政府信息公开信息处理费管理办法》收取信息处理费的情况"),
        Block("paragraph", fee_text),
        Block("subheading", "（二）本行政机关落实上级年度政务公开工作要点情况"),
        Block("paragraph", TO_FILL),
        Block("subheading", "（三）本行政机关人大代表建议和政协提案办理结果公开情况"),
        Block("paragraph", TO_FILL),
        Block("subheading", "（四）本行政机关年度政务公开工作创新情况"),
        Block("paragraph", TO_FILL),
        Block("subheading", "（五）本行政机关政府信息公开工作年度报告数据统计需要说明的事项"),
        Block("paragraph", f"本年度报告所列数据统计期限从{year}年1月1日到{year}年12月31日止。"
                           + (f"表三、表四截至{report.as_of}统计。" if report.live else "")),
        Block("subheading", "（六）本行政机关认为需要报告的其他事项"),
        Block("paragraph", _mock_text(draft)),
        Block("subheading", "（七）其他有关文件专门要求通过政府信息公开工作年度报告予以报告的事项"),
        Block("paragraph", "无。"),
    ]
    if report.failures:
        out.append(Block("paragraph", "【统计校验未通过，发布前请核对】" + "；".join(f.message_zh for f in report.failures)))
    return out


def to_docx(draft: AnnualDraft) -> bytes:
    """Word: Heading 1 per section, the grids as real tables with merged cells, so the office edits everything."""
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Pt

    doc = Document()
    normal = doc.styles["Normal"]
    normal.font.size = Pt(12)
    normal.font.name = "仿宋"
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "仿宋")  # CJK text needs its own slot
    doc.core_properties.title = f"{draft.agency}{draft.year}年政府信息公开工作年度报告"
    doc.core_properties.author = draft.agency
    for block in blocks(draft):
        if block.kind == "title":
            doc.add_heading(block.text, level=0).alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif block.kind == "heading":
            doc.add_heading(block.text, level=1)
        elif block.kind == "subheading":
            doc.add_heading(block.text, level=2)
        elif block.kind == "paragraph":
            doc.add_paragraph(block.text)
        else:
            grid = block.grid
            table = doc.add_table(rows=grid.rows, cols=grid.cols)
            table.style = "Table Grid"
            for cell in grid.cells:
                target = table.cell(cell.row, cell.col)
                if cell.rowspan > 1 or cell.colspan > 1:
                    target = target.merge(table.cell(cell.row + cell.rowspan - 1, cell.col + cell.colspan - 1))
                target.text = cell.text
                for paragraph in target.paragraphs:
                    for run in paragraph.runs:
                        run.font.size = Pt(8 if grid.cols > 4 else 10.5)
                        run.bold = cell.header and cell.row < grid.header_rows
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def to_pdf(draft: AnnualDraft) -> bytes:
    """A4 portrait, the same blocks, the project's TrueType faces embedded (notices.fonts)."""
    from xml.sax.saxutils import escape

    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    from notices.fonts import fonts_in_use

    title, body = fonts_in_use()
    text = ParagraphStyle("text", fontName=body, fontSize=11, leading=18, wordWrap="CJK", firstLineIndent=22)
    styles = {
        "title": ParagraphStyle("title", fontName=title, fontSize=16, leading=24, alignment=1, spaceAfter=10),
        "heading": ParagraphStyle("heading", fontName=title, fontSize=13, leading=20, spaceBefore=8, spaceAfter=4),
        "subheading": ParagraphStyle("sub", fontName=body, fontSize=11.5, leading=18, spaceBefore=4),
        "paragraph": text,
    }
    cell_style = ParagraphStyle("cell", fontName=body, fontSize=6.5, leading=8, wordWrap="CJK", alignment=1)
    width = A4[0] - 30 * mm
    story = []
    for block in blocks(draft):
        if block.kind != "grid":
            story.append(Paragraph(escape(block.text), styles[block.kind]))
            continue
        grid = block.grid
        data = [[""] * grid.cols for _ in range(grid.rows)]
        spans = []
        for cell in grid.cells:
            data[cell.row][cell.col] = Paragraph(escape(cell.text), cell_style)
            if cell.rowspan > 1 or cell.colspan > 1:
                spans.append(("SPAN", (cell.col, cell.row), (cell.col + cell.colspan - 1, cell.row + cell.rowspan - 1)))
        label_widths = {10: [14 * mm, 16 * mm, 50 * mm], 4: [45 * mm]}.get(grid.cols, [])
        rest = (width - sum(label_widths)) / (grid.cols - len(label_widths))
        table = Table(data, colWidths=label_widths + [rest] * (grid.cols - len(label_widths)),
                      repeatRows=grid.header_rows)
        table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), body), ("GRID", (0, 0), (-1, -1), 0.5, "black"),
                                   ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                                   ("TOPPADDING", (0, 0), (-1, -1), 1), ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
                                   *spans]))
        story += [table, Spacer(1, 4 * mm)]
    out = io.BytesIO()
    SimpleDocTemplate(out, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=18 * mm,
                      bottomMargin=18 * mm, title=f"{draft.agency}{draft.year}年政府信息公开工作年度报告",
                      author=draft.agency, creator="Gongkai", initialFontName=body).build(story)
    return out.getvalue()
