"""The desk's Art 44 page (依申请公开转主动公开) and the Art 36(1) offer on the drafting page.

Thin over models.art44: the proposals (clusters of alike requests from different applicants), the two decisions
(publish with where and when, or decline with the reason) and the offer the clerk accepts into the drafting form.
A refusal re-opens the page with the Chinese message and what was typed; nothing is written.
"""

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse

from interfaces.web import case_actions
from interfaces.web.app import Denied, Web, posted_form
from interfaces.web.views import ROUTE_ROLES, _draft_page, _draft_values, _draftable, _facts, allow
from models import art44
from models.actions import latest_decision
from models.context import Ctx
from models.errors import GongkaiError, InvalidFields, ValidationFailed
from models.outcomes import Outcome

router = APIRouter()
ROLES = ROUTE_ROLES["/art44"]


def _int(value: str, default: int, label: str, name: str) -> int:
    if not (value or "").strip():
        return default
    try:
        return int(value)
    except ValueError:
        raise ValidationFailed(f"{label}应为整数。", f"{name} not a number", field=name) from None


def _page(web: Web, *, days: str = "", minimum: str = "", errors: dict | None = None, submitted=None,
          status_code: int = 200):
    errors = dict(errors or {})
    try:
        window, least = _int(days, art44.WINDOW_DAYS, "统计期间", "days"), _int(minimum, art44.MIN_APPLICANTS,
                                                                            "申请人数下限", "min_applicants")
        found = art44.proposals(web.db, agency_id=web.user.agency_id, today=web.now.date(), days=window,
                                min_applicants=least)
    except ValidationFailed as exc:
        errors["window"] = exc.message_zh
        window, least, found, status_code = art44.WINDOW_DAYS, art44.MIN_APPLICANTS, [], 422
    return web.render("art44_proposals.html", status_code, proposals=found, days=window, minimum=least,
                      decisions=art44.decisions(web.db, agency_id=web.user.agency_id),
                      deciders=art44.DECIDERS, errors=errors, submitted=submitted or {})


@router.get("/art44", response_class=HTMLResponse)
def proposals_page(web: Web = Depends(allow(*ROLES)), days: str = "", min_applicants: str = ""):
    return _page(web, days=days, minimum=min_applicants)


@router.post("/art44/{what}", response_class=HTMLResponse)
def decide(what: str, form=Depends(posted_form), web: Web = Depends(allow(*ROLES))):
    """Publish or decline one proposal (the requests ticked on the page)."""
    if what not in (art44.PUBLISH, art44.DECLINE):
        raise Denied("没有这项操作。")
    numbers = form.getlist("numbers")
    ctx = Ctx(web.db, web.desk.calendar, web.now, web.user)
    try:
        if what == art44.PUBLISH:
            text = (form.get("published_on") or "").strip()
            day = case_actions.parse_date(text, "公开日期", "published_on") if text else None
            done = art44.publish(ctx, numbers=numbers, title=form.get("title") or "", location=form.get("location") or "",
                                 url=form.get("url") or "", published_on=day)
            message = f"已登记主动公开：《{done.title}》，{done.location}，{done.published_on}。此后同类申请拟稿时将提示按已主动公开答复。"
        else:
            done = art44.decline(ctx, numbers=numbers, reason=form.get("reason") or "", title=form.get("title") or "")
            message = f"已登记不予主动公开：{done.reason}"
    except GongkaiError as exc:
        web.db.rollback()
        shown = "；".join(p.message_zh for p in exc.problems) if isinstance(exc, InvalidFields) else exc.message_zh
        return _page(web, days=form.get("days") or "", minimum=form.get("min_applicants") or "",
                     errors={f"{what}-{form.get('key') or ''}": shown}, submitted=form, status_code=422)
    return web.redirect("/art44", message)


@router.post("/cases/{number}/art44-offer", response_class=HTMLResponse)
def accept_offer(number: str, form=Depends(posted_form), web: Web = Depends(allow(*ROUTE_ROLES["/cases/{number}/draft"]))):
    """The clerk accepts the offer: the drafting form comes back with 已主动公开 and the publication's location filled
    in, to be checked and submitted as any draft (nothing is submitted here)."""
    app = _draftable(web, number)
    offer = art44.offer_for(web.db, app, today=web.now.date())
    if offer is None or str(offer.decision_id) != (form.get("decision_id") or ""):
        raise Denied("该申请没有可采用的“已主动公开”答复建议。")
    facts = _facts(web, app)
    values = _draft_values(latest_decision(web.db, app), facts) | {"outcome": Outcome.already_public.value,
                                                                   "body": offer.access}
    return _draft_page(web, app, values, facts=facts)


def offer_of(web: Web, app, *, terminating: bool):
    """The offer the drafting page shows (none for a 终止处理告知书)."""
    return None if terminating else art44.offer_for(web.db, app, today=web.now.date())
