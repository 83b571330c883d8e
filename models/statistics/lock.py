"""Locking a published year: its concluded cases become read-only until an explicit, audited reopen."""

from sqlmodel import Session, select

from models.context import Ctx, action
from models.enums import Role
from models.errors import CaseReadOnly, GuardFailed, RoleNotAllowed, ValidationFailed
from models.queries import agency_by_name
from models.statistics.scope import ancestor_ids
from models.statistics.tables import YearLock, YearLockEvent
from models.tables import Application

LOCK_ROLES = frozenset({Role.office_head, Role.admin})  # the office answers for the published report


def _require(ctx: Ctx, what: str) -> str:
    if ctx.actor is None or Role(ctx.actor.role) not in LOCK_ROLES:
        raise RoleNotAllowed(f"只有公开办负责人或系统管理员可以{what}。", f"role may not {what}")
    return ctx.actor.full_name


def _lock(session: Session, agency_id: int, year: int) -> YearLock | None:
    return session.exec(select(YearLock).where(YearLock.agency_id == agency_id, YearLock.year == year)).first()


@action
def lock_year(ctx: Ctx, *, agency: str, year: int) -> YearLock:
    """Lock a finished year once its report is published; sub-units are locked with their parent."""
    who = _require(ctx, "锁定统计年度")
    owner = agency_by_name(ctx.session, agency)
    if ctx.today.year <= year:
        raise GuardFailed(f"{year}年度尚未结束，不能锁定（今天是{ctx.today}）。", f"year {year} not over")
    if _lock(ctx.session, owner.id, year):
        raise GuardFailed(f"{owner.name}{year}年度统计已锁定。", f"{year} already locked")
    lock = YearLock(agency_id=owner.id, year=year, locked_at=ctx.now, locked_by=who)
    ctx.session.add(lock)
    ctx.session.add(YearLockEvent(agency_id=owner.id, year=year, action="lock", at=ctx.now, by=who))
    ctx.session.flush()
    return lock


@action
def reopen_year(ctx: Ctx, *, agency: str, year: int, reason: str) -> YearLockEvent:
    """Lift a lock; the reason is kept, because the published report may now need a correction."""
    who = _require(ctx, "解除统计年度锁定")
    if not reason.strip():
        raise ValidationFailed("解除锁定须说明理由（如更正已发布的年度报告）。", "reopen without reason", field="reason")
    owner = agency_by_name(ctx.session, agency)
    lock = _lock(ctx.session, owner.id, year)
    if lock is None:
        raise GuardFailed(f"{owner.name}{year}年度统计未锁定，无需解除。", f"{year} not locked")
    ctx.session.delete(lock)
    event = YearLockEvent(agency_id=owner.id, year=year, action="reopen", at=ctx.now, by=who, reason=reason.strip())
    ctx.session.add(event)
    ctx.session.flush()
    return event


def ensure_year_open(session: Session, application: Application) -> None:
    """Raise CaseReadOnly when the case concluded in a year locked for its agency or any agency above it."""
    if application.closed_on is None:
        return  # an open case lands in a year not yet locked: only concluded cases are in a locked table
    lock = _locked(session, application.agency_id, application.closed_on.year)
    if lock is not None:
        raise CaseReadOnly(
            f"申请 {application.number} 已于 {application.closed_on} 办结，{_locked_text(lock)}",
            f"{application.number}: concluded in locked year {lock.year}",
        )


def ensure_challenge_year_open(session: Session, application: Application, day, what: str) -> None:
    """Table 四 counts a 复议/诉讼 in the year it was filed and in the year it was decided (regulation.md §4.5):
    a filing or a decision dated in a locked year would change a published table."""
    lock = _locked(session, application.agency_id, day.year)
    if lock is not None:
        raise CaseReadOnly(f"{what}（{day}）落在已锁定的年度：{_locked_text(lock)}",
                           f"{application.number}: challenge dated in locked year {lock.year}")


def ensure_receipt_year_open(session: Session, agency_id: int, receipt_date) -> None:
    """A new application received in a locked year would change that year's published 一、本年新收 (and 四、结转)."""
    lock = _locked(session, agency_id, receipt_date.year)
    if lock is not None:
        raise CaseReadOnly(f"收到申请日期（{receipt_date}）落在已锁定的年度，不能登记：{_locked_text(lock)}",
                           f"registration received in locked year {lock.year}")


def _locked(session: Session, agency_id: int, year: int) -> YearLock | None:
    return session.exec(select(YearLock).where(YearLock.agency_id.in_(ancestor_ids(session, agency_id)),
                                               YearLock.year == year)).first()


def _locked_text(lock: YearLock) -> str:
    return (f"{lock.year}年度统计已由{lock.locked_by}于{lock.locked_at:%Y-%m-%d}锁定，不能修改；"
            "确需更正的，请先解除锁定（gongkai report reopen）。")


def lock_history(session: Session, agency_id: int) -> list[YearLockEvent]:
    return list(session.exec(select(YearLockEvent).where(YearLockEvent.agency_id == agency_id)
                             .order_by(YearLockEvent.id)))
