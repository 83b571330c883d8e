"""The desk's problem list (问题清单): the list page and the three forms (list a case, note progress, close).

Thin over models.problems: the domain checks roles and input and refuses in Chinese; a refusal re-opens the form
with what was typed. Nothing here touches the statutory clock, and no workflow run is triggered.
"""

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse

from calendars import CalendarError
from interfaces.web import case_actions
from interfaces.web.app import Denied, Web, posted_form
from interfaces.web.views import ALL_STAFF, ROUTE_ROLES, allow, case_page, load_case
from models import problems as P
from models.context import Ctx
from models.enums import Role
from models.errors import GongkaiError, ValidationFailed

router = APIRouter()
FORMS = ("add", "note", "close")


def _problems_page(web: Web, *, include_closed: bool, errors: dict | None = None, submitted=None,
                   status_code: int = 200):
    mine = None if web.role in P.LISTERS or web.role == Role.admin else web.user.id  # others: the items they own
    lines = P.problem_list(web.db, agency_id=web.user.agency_id, today=web.now.date(), calendar=web.desk.calendar,
                           include_closed=include_closed, owner_id=mine)
    return web.render("problems.html", status_code, lines=lines, counts=P.level_counts(lines),
                      include_closed=include_closed, mine=mine is not None, listers=P.LISTERS,
                      errors=errors or {}, submitted=submitted)


@router.get("/problems", response_class=HTMLResponse)
def problem_list(web: Web = Depends(allow(*ROUTE_ROLES["/problems"])), closed: str = ""):
    return _problems_page(web, include_closed=bool(closed))


def _add(web: Web, number: str, form) -> str:
    text = lambda name: (form.get(name) or "").strip()  # noqa: E731
    by = text("limit_kind") or "days"
    limit_days = due_date = None
    if by == "date":
        due_date = case_actions.parse_date(text("due_date"), "截止日期", "due_date")
    else:
        try:
            limit_days = int(text("limit_days"))
        except ValueError:
            raise ValidationFailed("请填写办理时限的工作日数（整数）。", "limit_days not a number", field="limit_days") from None
    item = P.add_problem(Ctx(web.db, web.desk.calendar, web.now, web.user), number, reason=text("reason"),
                         reason_text=text("reason_text"), owner=text("owner"), plan=text("plan"),
                         limit_days=limit_days, due_date=due_date)
    return f"已列入问题清单，办理时限至 {item.due_date}（内部时限，不改变法定答复期限）。"


def _note(web: Web, number: str, form) -> str:
    P.note_problem(Ctx(web.db, web.desk.calendar, web.now, web.user), number, text=form.get("text") or "")
    return "已记录进展。"


def _close(web: Web, number: str, form) -> str:
    P.close_problem(Ctx(web.db, web.desk.calendar, web.now, web.user), number, result=form.get("result") or "")
    return "问题清单事项已销号。"


RUN = {"add": _add, "note": _note, "close": _close}


@router.post("/cases/{number}/problem/{name}", response_class=HTMLResponse)
def problem_form(number: str, name: str, form=Depends(posted_form), web: Web = Depends(allow(*ALL_STAFF))):
    """One form of the problem list, posted from the case page or (`from=list`) from the list page."""
    if name not in RUN:
        raise Denied("没有这项操作。")
    from_list = form.get("from") == "list"
    if not from_list:
        load_case(web, number)  # the case page's own access rule
    try:
        message = RUN[name](web, number, form)
    except (GongkaiError, CalendarError) as exc:
        web.db.rollback()
        if from_list:
            return _problems_page(web, include_closed=False, errors={f"{name}-{number}": exc.message_zh},
                                  submitted=form, status_code=422)
        return case_page(web, load_case(web, number), errors={f"problem_{name}": exc.message_zh}, status_code=422,
                         open_form=f"problem_{name}", submitted=form)
    return web.redirect("/problems" if from_list else f"/cases/{number}", message)
