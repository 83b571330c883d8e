"""The problem list (问题清单, 一案一策): hard cases handled one by one, each with a named owner, a time limit and a plan.

A clerk or a leader puts a case on the list with the reason (年代久远、产权变更复杂、资料查找困难, or their own
words), the owner, the time limit (working days on the calendar, or a date) and the plan; progress notes are
appended; the item is closed (销号) with its result. A case is on the list at most once at a time.

The list keeps an internal clock of its own: `ProblemItem.due_date`. It never changes the statutory clock
(Art 33: Application.due_date and everything models.deadlines reads). Its alert level is computed at read time
(`problem_level`), never stored. Every change is an Event on the case (hash-chained, models.audit).

    internal_due(…)       pure: the internal due date from working days or a date
    problem_level(…)      pure: overdue / due_soon / on_track / closed
    reminders(lines, …)   pure: whom the morning sweep reminds, and of what (workflows.sweep only sends)
    add_problem / note_problem / close_problem   the actions (one transaction each)
    problem_list / problems_of_case              the reads for the dashboard, the list page and the case page
"""

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from models import lifecycle
from models.context import Ctx, action
from models.enums import ProblemReason, ProblemStatus, Role
from models.errors import GuardFailed, NotFound, RoleNotAllowed, ValidationFailed
from models.identity import CaseRef
from models.outbox import Notice
from models.queries import application_by_number
from models.tables import Application, ProblemItem, ProblemNote, User

# Who may put a case on the list and close an item (销号): the office and the leaders (the seeds' practice)
LISTERS = frozenset({Role.clerk, Role.coordinating_leader, Role.office_head, Role.supervisor})
MAX_LIMIT_DAYS = 120  # working days: about half a year, the longest limit the seeds' lists set
SOON_DAYS = 3  # an item is "due soon" when its internal due date is at most this many working days away

LEVELS = ("overdue", "due_soon", "on_track")
LEVEL_LABELS = {"overdue": "已超期", "due_soon": "即将到期", "on_track": "期限内", "closed": "已销号"}


# --- the internal clock (pure) ------------------------------------------------------------------------------


def internal_due(*, added_on: date, limit_days: int | None = None, due_date: date | None = None, calendar) -> date:
    """The item's own due date: `limit_days` working days after `added_on` (not counted), or the date given."""
    if (limit_days is None) == (due_date is None):
        raise ValidationFailed("请填写办理时限：工作日数或截止日期，二者择一。", "give either limit_days or due_date")
    if limit_days is not None:
        if not 1 <= limit_days <= MAX_LIMIT_DAYS:
            raise ValidationFailed(f"办理时限应为1至{MAX_LIMIT_DAYS}个工作日（填写的是{limit_days}）。",
                                   f"limit_days {limit_days} out of range", field="limit_days")
        return calendar.add_working_days(added_on, days=limit_days)
    if due_date <= added_on:
        raise ValidationFailed(f"截止日期（{due_date}）应晚于今天（{added_on}）。", "due date not after today",
                               field="due_date")
    return due_date


def problem_level(due: date, *, today: date, calendar, status: ProblemStatus = ProblemStatus.open) -> str:
    """The alert level of an item by the internal clock: closed, overdue (due before today), due soon (today or
    within SOON_DAYS working days), on track."""
    if ProblemStatus(status) == ProblemStatus.closed:
        return "closed"
    if due < today:
        return "overdue"
    if due <= calendar.add_working_days(today, days=SOON_DAYS):
        return "due_soon"
    return "on_track"


# --- the reads ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProblemLine:
    """One item as the lists show it and the sweep reads it."""

    id: int
    case: CaseRef
    reason: str  # the label, or the clerk's words when 其他
    owner_username: str
    owner_name: str
    plan: str
    added_on: date
    due_date: date
    status: ProblemStatus
    level: str
    closed_on: date | None = None
    result: str = ""
    notes: tuple = ()  # ProblemNote rows, oldest first

    @property
    def level_label(self) -> str:
        return LEVEL_LABELS[self.level]


def reason_text(item: ProblemItem) -> str:
    reason = ProblemReason(item.reason)
    return item.reason_text if reason == ProblemReason.other else reason.label


def _lines(session: Session, rows, *, today: date, calendar) -> list[ProblemLine]:
    ids = [item.id for item, _, _ in rows]
    notes: dict = {}
    if ids:
        for note in session.exec(select(ProblemNote).where(col(ProblemNote.problem_id).in_(ids)).order_by(ProblemNote.id)):
            notes.setdefault(note.problem_id, []).append(note)
    return [ProblemLine(item.id, CaseRef(app.agency_id, app.number), reason_text(item), owner.username, owner.full_name,
                        item.plan, item.added_on, item.due_date, ProblemStatus(item.status),
                        problem_level(item.due_date, today=today, calendar=calendar, status=item.status),
                        item.closed_on, item.result, tuple(notes.get(item.id, ())))
            for item, app, owner in rows]


def _query():
    return (select(ProblemItem, Application, User).join(Application, Application.id == ProblemItem.application_id)
            .join(User, User.id == ProblemItem.owner_id))


def problem_list(session: Session, *, agency_id: int, today: date, calendar, include_closed: bool = False,
                 owner_id: int | None = None, limit: int = 500) -> list[ProblemLine]:
    """The agency's list: open items by their internal due date (the most overdue first), then the closed ones."""
    query = _query().where(ProblemItem.agency_id == agency_id)
    if not include_closed:
        query = query.where(ProblemItem.status == ProblemStatus.open.value)
    if owner_id is not None:
        query = query.where(ProblemItem.owner_id == owner_id)
    query = query.order_by(ProblemItem.status.desc(), ProblemItem.due_date, ProblemItem.id).limit(limit)  # "open" > "closed"
    return _lines(session, session.exec(query).all(), today=today, calendar=calendar)


def open_problems(session: Session, *, today: date, calendar) -> list[ProblemLine]:
    """Every agency's open items: what the morning sweep reads."""
    query = _query().where(ProblemItem.status == ProblemStatus.open.value).order_by(ProblemItem.id)
    return _lines(session, session.exec(query).all(), today=today, calendar=calendar)


def problems_of_case(session: Session, application: Application, *, today: date, calendar) -> list[ProblemLine]:
    """The case's items, the open one first (the case page)."""
    query = (_query().where(ProblemItem.application_id == application.id)
             .order_by(ProblemItem.status.desc(), ProblemItem.id.desc()))
    return _lines(session, session.exec(query).all(), today=today, calendar=calendar)


def level_counts(lines: list[ProblemLine]) -> dict:
    """Open items per alert level, in LEVELS order (the dashboard's figures)."""
    return {lv: sum(1 for line in lines if line.level == lv) for lv in LEVELS}


# --- whom the morning sweep reminds (pure) ------------------------------------------------------------------


def reminders(lines: list[ProblemLine], *, today: date) -> list[tuple[ProblemLine, Notice]]:
    """The owner of each open item due soon (once per due date) or overdue (every working day until closed).

    The keys make a second sweep the same day add nothing; a new due date would be reminded afresh."""
    found = []
    for line in lines:
        if line.status != ProblemStatus.open:
            continue
        if line.level == "due_soon":
            key = f"{line.case.key}:problem:{line.id}:due_soon:{line.due_date}:{line.owner_username}"
            subject = f"【{line.case.number}】问题清单事项（{line.reason}）办理时限 {line.due_date}，即将到期"
        elif line.level == "overdue":
            key = f"{line.case.key}:problem:{line.id}:overdue:{today}:{line.owner_username}"
            subject = f"【{line.case.number}】问题清单事项（{line.reason}）已超过办理时限 {line.due_date}，请抓紧办理"
        else:
            continue
        found.append((line, Notice(key=key, kind=f"problem_{line.level}", recipient=line.owner_username,
                                   subject=subject, body=f"工作方案：{line.plan}")))
    return found


# --- the actions --------------------------------------------------------------------------------------------


def _require_lister(ctx: Ctx, what: str) -> None:
    if ctx.actor is None or Role(ctx.actor.role) not in LISTERS:
        raise RoleNotAllowed(f"当前用户无权{what}（限公开办经办人、分管领导、公开办负责人和督办人员）。",
                             f"role may not {what}")


def _owner(ctx: Ctx, username: str) -> User:
    user = ctx.session.exec(select(User).where(User.username == username.strip())).first()
    if user is None or not user.active or user.agency_id != ctx.scope:
        raise NotFound(f"本机关没有在用的用户「{username}」，不能作为责任人。", f"no active user {username!r} in agency")
    if Role(user.role) == Role.admin:
        raise ValidationFailed("系统管理员不能作为问题清单事项的责任人。", "admin as owner", field="owner")
    return user


def _open_item(ctx: Ctx, app: Application) -> ProblemItem:
    item = ctx.session.exec(select(ProblemItem).where(ProblemItem.application_id == app.id,
                                                      ProblemItem.status == ProblemStatus.open.value)).first()
    if item is None:
        raise NotFound(f"申请 {app.number} 不在问题清单上（或已销号）。", f"{app.number}: no open problem item")
    return item


def _text(value: str, what: str, field: str, limit: int = 2000) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationFailed(f"请填写{what}。", f"no {field}", field=field)
    if len(value) > limit:
        raise ValidationFailed(f"{what}不能超过{limit}字。", f"{field} too long", field=field)
    return value


@action
def add_problem(ctx: Ctx, number: str, *, reason: ProblemReason | str, owner: str, plan: str, reason_text: str = "",
                limit_days: int | None = None, due_date: date | None = None) -> ProblemItem:
    """Put a case on the problem list; the statutory clock is not touched."""
    _require_lister(ctx, "将申请列入问题清单")
    app = application_by_number(ctx.session, number, agency_id=ctx.scope)
    try:
        reason = ProblemReason(reason)
    except ValueError:
        raise ValidationFailed(f"列入原因「{reason}」不在可选范围内。", f"bad reason {reason!r}", field="reason") from None
    words = reason_text.strip()
    if reason == ProblemReason.other:
        words = _text(words, "具体原因", "reason_text", 200)
    plan = _text(plan, "工作方案（一案一策）", "plan")
    user = _owner(ctx, owner)
    due = internal_due(added_on=ctx.today, limit_days=limit_days, due_date=due_date, calendar=ctx.calendar)
    if ctx.session.exec(select(ProblemItem.id).where(ProblemItem.application_id == app.id,
                                                     ProblemItem.status == ProblemStatus.open.value)).first():
        raise GuardFailed(f"申请 {app.number} 已在问题清单上，请在原事项中续记进展，或销号后重新列入。",
                          f"{app.number} already on the problem list")
    item = ProblemItem(agency_id=app.agency_id, application_id=app.id, reason=reason,
                       reason_text=words if reason == ProblemReason.other else "", owner_id=user.id, plan=plan,
                       limit_days=limit_days, due_date=due, added_on=ctx.today, added_by_id=ctx.actor.id)
    ctx.session.add(item)
    ctx.session.flush()
    lifecycle.record(ctx.session, app, "problem_add", actor=ctx.actor, now=ctx.now,
                     data={"problem_id": item.id, "reason": reason.value, "reason_text": item.reason_text,
                           "owner": user.username, "limit_days": limit_days, "due_date": due.isoformat(), "plan": plan})
    return item


@action
def note_problem(ctx: Ctx, number: str, *, text: str) -> ProblemNote:
    """Append a progress note to the case's open item: its owner or the office."""
    app = application_by_number(ctx.session, number, agency_id=ctx.scope)
    item = _open_item(ctx, app)
    if ctx.actor is None or (ctx.actor.id != item.owner_id and Role(ctx.actor.role) not in LISTERS):
        raise RoleNotAllowed("只有责任人或公开办、分管领导、督办人员可以记录进展。", "not the owner nor a lister")
    text = _text(text, "进展情况", "text")
    note = ProblemNote(problem_id=item.id, written_on=ctx.today, author_id=ctx.actor.id,
                       author_name=ctx.actor.full_name, text=text)
    ctx.session.add(note)
    lifecycle.record(ctx.session, app, "problem_note", actor=ctx.actor, now=ctx.now,
                     data={"problem_id": item.id, "text": text})
    return note


@action
def close_problem(ctx: Ctx, number: str, *, result: str) -> ProblemItem:
    """Close (销号) the case's open item with its result: the office or a leader, not the owner alone."""
    _require_lister(ctx, "将问题清单事项销号")
    app = application_by_number(ctx.session, number, agency_id=ctx.scope)
    item = _open_item(ctx, app)
    item.result = _text(result, "办理结果", "result")
    item.status = ProblemStatus.closed
    item.closed_on = ctx.today
    item.closed_by_id = ctx.actor.id
    ctx.session.add(item)
    lifecycle.record(ctx.session, app, "problem_close", actor=ctx.actor, now=ctx.now,
                     data={"problem_id": item.id, "result": item.result, "due_date": item.due_date.isoformat(),
                           "late": ctx.today > item.due_date})
    return item
