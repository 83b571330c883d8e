"""The desk's annual report page: table 二 typed in or imported, and the whole draft downloaded as DOCX or PDF.

Thin over models.statistics.table2 (entry and import, refused in Chinese with every bad field at once; nothing is
written on a refusal) and notices.annual_draft (the draft of 国办公开办函〔2021〕30号).
"""

from urllib.parse import quote

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, Response

from calendars import CalendarError
from interfaces.web.app import Web, posted_form
from interfaces.web.case_actions import parse_uploads
from interfaces.web.views import ROUTE_ROLES, allow
from models.context import Ctx
from models.errors import GongkaiError, ValidationFailed
from models.statistics.draft import annual_draft
from models.statistics.table2 import TABLE2_ITEMS, enter_table2, label, read_table2_file, table2_of
from models.tables import Agency
from notices.annual_draft import to_docx, to_pdf

router = APIRouter()
KINDS = {"docx": (to_docx, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
         "pdf": (to_pdf, "application/pdf")}


def _year(web: Web, text: str | None) -> int:
    """The report's year: the one asked for, else last year (reports are published by 31 January)."""
    if not text:
        return web.now.year - 1
    if not text.strip().isdigit():
        raise ValidationFailed(f"年度应为四位数字（填写的是「{text}」）。", "bad year", field="year")
    return int(text)


def _page(web: Web, year: int, *, errors: dict | None = None, submitted=None, status_code: int = 200):
    row = table2_of(web.db, agency_id=web.user.agency_id, year=year)
    values = {i.key: (submitted.get(i.key, "") if submitted is not None else (getattr(row, i.key) if row else ""))
              for i in TABLE2_ITEMS}
    return web.render("annual.html", status_code, year=year, items=TABLE2_ITEMS, label=label, values=values,
                      row=row, errors=errors or {})


def _refused(web: Web, year: int, exc: GongkaiError, form):
    web.db.rollback()
    problems = getattr(exc, "problems", None) or [exc]
    errors = {getattr(p, "field", None) or "form": p.message_zh for p in problems}
    return _page(web, year, errors=errors, submitted=form, status_code=422)


@router.get("/annual", response_class=HTMLResponse)
def annual_page(web: Web = Depends(allow(*ROUTE_ROLES["/annual"])), year: str = ""):
    try:
        chosen = _year(web, year)
    except GongkaiError as exc:
        return web.render("message.html", 422, title="年度有误", message=exc.message_zh)
    return _page(web, chosen)


@router.post("/annual/table2", response_class=HTMLResponse)
def table2_entry(form=Depends(posted_form), web: Web = Depends(allow(*ROUTE_ROLES["/annual"]))):
    year = web.now.year - 1
    try:
        year = _year(web, form.get("year"))
        raw = {i.key: str(form.get(i.key) or "") for i in TABLE2_ITEMS}
        enter_table2(Ctx(web.db, web.desk.calendar, web.now, web.user), year=year, raw=raw)
    except GongkaiError as exc:
        return _refused(web, year, exc, form)
    return web.redirect(f"/annual?year={year}", f"已保存{year}年度表二。")


@router.post("/annual/table2/import", response_class=HTMLResponse)
def table2_import(form=Depends(posted_form), web: Web = Depends(allow(*ROUTE_ROLES["/annual"]))):
    year = web.now.year - 1
    try:
        year = _year(web, form.get("year"))
        uploads = parse_uploads(form.getlist("file"), "表二文件", "file")
        if len(uploads) != 1:
            raise ValidationFailed("请选择一个 CSV 或 XLSX 文件。", "no file", field="file")
        raw = read_table2_file(uploads[0].filename, uploads[0].content)
        enter_table2(Ctx(web.db, web.desk.calendar, web.now, web.user), year=year, raw=raw, source="import")
    except GongkaiError as exc:
        return _refused(web, year, exc, None)
    return web.redirect(f"/annual?year={year}", f"已导入{year}年度表二。")


def _download(web: Web, year_text: str, kind: str):
    try:
        year = _year(web, year_text)
        agency = web.db.get(Agency, web.user.agency_id)
        draft = annual_draft(web.db, agency=agency, year=year, today=web.now.date(), calendar=web.desk.calendar)
    except (GongkaiError, CalendarError) as exc:
        return web.render("message.html", 422, title="无法生成年度报告草稿", message=exc.message_zh)
    write, media_type = KINDS[kind]
    name = quote(f"{agency.name}{year}年政府信息公开工作年度报告（草稿）.{kind}")
    return Response(write(draft), media_type=media_type,
                    headers={"Content-Disposition": f"attachment; filename=\"annual-{year}.{kind}\"; filename*=UTF-8''{name}"})


@router.get("/annual/draft.docx")
def draft_docx(web: Web = Depends(allow(*ROUTE_ROLES["/annual/draft.docx"])), year: str = ""):
    return _download(web, year, "docx")


@router.get("/annual/draft.pdf")
def draft_pdf(web: Web = Depends(allow(*ROUTE_ROLES["/annual/draft.pdf"])), year: str = ""):
    return _download(web, year, "pdf")
