"""Notice contexts built from the stored case rows (notices.from_case)."""

from datetime import date

import pytest
from sqlmodel import select

from models.queries import application_by_number
from models.tables import JointConsultation
from notices import from_case
from notices.render import DocumentKind, NoticeFieldMissing, render_text
from tests import factories as F

MON, TUE, WED = date(2026, 3, 2), date(2026, 3, 3), date(2026, 3, 4)


def meeting(session, number) -> JointConsultation:
    app = application_by_number(session, number)
    return session.exec(select(JointConsultation).where(JointConsultation.application_id == app.id)).one()


def test_joint_consultation_minutes_come_from_the_recorded_meeting(session, calendar):
    number = F.register_case(session, calendar, MON)
    F.convene_joint(session, calendar, number, MON)
    F.record_joint(session, calendar, number, WED, held_on=TUE)
    app = application_by_number(session, number)
    ctx = from_case.joint_consultation(session, app, meeting(session, number))

    assert ctx.convener == "刘副区长（分管领导）" and ctx.held_on == TUE
    assert ctx.issue.date == TUE and ctx.issue.number == "示政公开会商〔2026〕1号"  # dated from the row, one year
    assert ctx.participants == F.JOINT_PARTICIPANTS
    assert ctx.minutes == tuple(F.JOINT_MINUTES.splitlines()) and ctx.proposed_reply == (F.JOINT_PROPOSED_REPLY,)
    text = render_text(DocumentKind.joint_consultation, ctx)
    assert "会商日期：2026年3月3日" in text and ctx.application.request_text in text


def test_a_meeting_not_yet_recorded_has_no_minutes(session, calendar):
    number = F.register_case(session, calendar, MON)
    F.convene_joint(session, calendar, number, MON)
    row = meeting(session, number)
    assert not from_case.recorded(row)
    with pytest.raises(NoticeFieldMissing) as exc:
        from_case.joint_consultation(session, application_by_number(session, number), row)
    assert "会商尚未记录" in exc.value.message_zh
