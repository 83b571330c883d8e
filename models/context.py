"""What every domain action is given: the session, the calendar, the time and the actor (all injected)."""

from dataclasses import dataclass
from datetime import date, datetime
from functools import wraps

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session

from models.errors import ConcurrentUpdate, ValidationFailed
from models.tables import User, shanghai_day


@dataclass
class Ctx:
    session: Session
    calendar: object  # calendars.WorkingCalendar
    now: datetime  # timezone-aware; only entry points read the clock
    actor: User | None  # None: the system (the morning sweep, a workflow run)
    agency_id: int | None = None  # the system's scope: the agency of the case it acts on

    @property
    def scope(self) -> int | None:
        """The agency whose cases a number names: the actor's own, or the one the system was given."""
        return self.actor.agency_id if self.actor is not None else self.agency_id

    def __post_init__(self):
        if self.now.tzinfo is None:
            raise ValueError("Ctx.now must be timezone-aware")

    @property
    def today(self) -> date:
        return shanghai_day(self.now)


def action(fn):
    """One domain action = one transaction: everything it writes commits together, or nothing does."""

    @wraps(fn)
    def wrapper(ctx: Ctx, *args, **kwargs):
        session = ctx.session
        try:
            result = fn(ctx, *args, **kwargs)
            session.commit()
            return result
        except StaleDataError as exc:
            session.rollback()
            raise ConcurrentUpdate(
                "该申请刚被他人修改，本次操作未保存。请刷新后重试。", f"concurrent update in {fn.__name__}"
            ) from exc
        except IntegrityError as exc:
            session.rollback()
            raise ValidationFailed("数据与已有记录冲突（重复或缺少关联），本次操作未保存。", str(exc.orig)) from exc
        except BaseException:
            session.rollback()
            raise

    return wrapper
