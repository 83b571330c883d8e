"""tests/models/test_audit.py on PostgreSQL: the chain, the triggers, concurrent writers taking the head row."""

from tests.models.test_audit import *  # noqa: F401,F403


def test_event_times_and_their_hashes_survive_a_session_in_shanghai_time(engine, calendar, tmp_path):
    """A server whose TimeZone is Asia/Shanghai read naive UTC times as local ones: 8 hours off, hash broken."""
    from datetime import date

    from sqlalchemy.engine import make_url
    from sqlmodel import Session, select

    from models.audit_verify import verify
    from models.db import make_engine
    from models.tables import Event
    from tests import factories as F

    url = make_url(engine.url).update_query_dict({"options": "-c timezone=Asia/Shanghai"})
    shanghai = make_engine(url.render_as_string(hide_password=False))
    try:
        with Session(shanghai, expire_on_commit=False) as s:
            F.register_case(s, calendar, date(2026, 3, 2))
        with Session(shanghai) as s:
            assert s.exec(select(Event.at)).one() == F.at(date(2026, 3, 2))
            assert verify(s, var_dir=tmp_path).ok
    finally:
        shanghai.dispose()
