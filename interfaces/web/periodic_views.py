"""The desk's periodic reports page (周调度、月检查、季通报): a period's figures per department, its grades and its
dispatch list, and the PDF and XLSX to download: made now, or the files the scheduled run wrote (workflows).

Thin over models.periodic (the figures) and notices.periodic (the files); a bad kind or period is refused in Chinese.
"""

from urllib.parse import quote

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, Response

from calendars import CalendarError
from interfaces.web.app import Web
from interfaces.web.views import ROUTE_ROLES, allow
from models.errors import GongkaiError, NotFound
from models.periodic import GRADING_RULE_ZH, PeriodKind, parse_period, period_containing, period_report
from models.settings import Settings
from notices.periodic import (COLUMNS, DISPATCH_HEAD, dispatch_rows, dispatch_title, figure_rows, file_name,
                              stored_path, summary_lines, to_pdf, to_xlsx)

router = APIRouter()
FORMATS = {"pdf": (to_pdf, "application/pdf"),
           "xlsx": (to_xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")}


def _chosen(web: Web, kind: str, period: str):
    """The kind and period asked for; by default the month just ended (a week: the last one, with today's list)."""
    kind = kind or PeriodKind.month.value
    if not period:
        try:
            kind = PeriodKind(kind)
        except ValueError:
            return parse_period(kind, "")  # refused with the kinds there are
        return period_containing(kind, web.now.date()).previous()
    return parse_period(kind, period)


def _report(web: Web, kind: str, period: str):
    chosen = _chosen(web, kind, period)
    return period_report(web.db, agency_id=web.user.agency_id, kind=chosen.kind, period=chosen, today=web.now.date(),
                         calendar=web.desk.calendar)


@router.get("/periodic", response_class=HTMLResponse)
def periodic_page(web: Web = Depends(allow(*ROUTE_ROLES["/periodic"])), kind: str = "", period: str = ""):
    try:
        report = _report(web, kind, period)
    except (GongkaiError, CalendarError) as exc:
        return web.render("periodic.html", 422, report=None, kinds=list(PeriodKind), kind=kind, period=period,
                          error=exc.message_zh)
    stored = {ext: stored_path(Settings.load().var_dir, report.agency_id, report.period, ext) for ext in FORMATS}
    return web.render("periodic.html", report=report, kinds=list(PeriodKind), kind=report.period.kind.value,
                      period=report.period.key, error=None, columns=[h for h, _ in COLUMNS],
                      rows=figure_rows(report)[1:], summary=summary_lines(report), rule=GRADING_RULE_ZH,
                      dispatch=dispatch_rows(report), dispatch_title=dispatch_title(report),
                      dispatch_head=DISPATCH_HEAD, stored={ext: p for ext, p in stored.items() if p.is_file()})


def _download(web: Web, kind: str, period: str, format: str, stored: str):
    """The report as a file: made now from the current figures, or (stored=1) the one the scheduled run wrote."""
    write, media_type = FORMATS[format]
    try:
        if stored:
            chosen = _chosen(web, kind, period)
            path = stored_path(Settings.load().var_dir, web.user.agency_id, chosen, format)
            if not path.is_file():
                raise NotFound(f"{chosen.label}{chosen.kind.label}尚无定时生成的文件。", f"no stored {path.name}")
            name, content = path.name, path.read_bytes()
        else:
            report = _report(web, kind, period)
            name, content = file_name(report, format), write(report)
    except (GongkaiError, CalendarError) as exc:
        return web.render("message.html", 422, title="无法生成报告", message=exc.message_zh)
    return Response(content, media_type=media_type, headers={
        "Content-Disposition": f"attachment; filename=\"periodic.{format}\"; filename*=UTF-8''{quote(name)}"})


@router.get("/periodic/report.pdf")
def periodic_pdf(web: Web = Depends(allow(*ROUTE_ROLES["/periodic/report.pdf"])), kind: str = "", period: str = "",
                 stored: str = ""):
    return _download(web, kind, period, "pdf", stored)


@router.get("/periodic/report.xlsx")
def periodic_xlsx(web: Web = Depends(allow(*ROUTE_ROLES["/periodic/report.xlsx"])), kind: str = "", period: str = "",
                  stored: str = ""):
    return _download(web, kind, period, "xlsx", stored)
