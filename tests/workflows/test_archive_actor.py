"""The archive Event names the clerk who closed the case, not 系统 (issue 16)."""

from datetime import date

from sqlmodel import Session, select

from models.enums import Status
from models.tables import Event
from tests import factories as F

DAY = date(2026, 3, 2)


def test_the_automatic_archive_after_delivery_names_the_clerk_who_recorded_the_delivery(app_db, calendar, tmp_path):
    from workflows import engine

    with Session(app_db, expire_on_commit=False) as s:
        number = F.register_case(s, calendar)
        F.advance(s, calendar, number, Status.delivered, day=DAY)
        case = F.case(s, number)
    with engine.session(app_db) as s:
        engine.archive_case(s, case, now=F.at(DAY), var_dir=tmp_path / "var")  # the workflow's step: no actor given
    with Session(app_db) as s:
        archived = s.exec(select(Event).where(Event.action == "archive")).one()
        assert archived.actor_name == "王经办" and archived.actor_id is not None
