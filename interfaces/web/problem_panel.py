"""What the case page shows of the problem list (问题清单): the case's items and which of the three forms this user gets.

Read-only and free of the routes (interfaces.web.problem_views posts the forms), so views.case_page can use it.
"""

from dataclasses import dataclass

from sqlmodel import select

from interfaces.web.app import Web
from models import problems as P
from models.enums import ProblemReason, ProblemStatus, Role
from models.tables import Application, User

REASONS = tuple((r.value, r.label) for r in ProblemReason)


@dataclass(frozen=True)
class Panel:
    items: list  # ProblemLine, the open one first
    can_add: bool
    can_note: bool
    can_close: bool
    owners: list  # (username, "姓名（角色）") of the agency's staff who may own an item
    reasons: tuple = REASONS

    @property
    def open_item(self):
        return next((i for i in self.items if i.status == ProblemStatus.open), None)


def owners(web: Web) -> list[tuple[str, str]]:
    users = web.db.exec(select(User).where(User.agency_id == web.user.agency_id, User.active,
                                           User.role != Role.admin.value).order_by(User.id))
    return [(u.username, f"{u.full_name}（{Role(u.role).label}）") for u in users]


def panel(web: Web, app: Application) -> Panel:
    items = P.problems_of_case(web.db, app, today=web.now.date(), calendar=web.desk.calendar)
    open_item = next((i for i in items if i.status == ProblemStatus.open), None)
    lister = web.role in P.LISTERS
    return Panel(items, can_add=lister and open_item is None,
                 can_note=open_item is not None and (lister or open_item.owner_username == web.user.username),
                 can_close=lister and open_item is not None, owners=owners(web) if lister else [])
