"""The morning sweep verifies the event chains and the archive packages and tells the supervisors, once a day."""

from datetime import date

from sqlalchemy import text
from sqlmodel import select

from models.enums import Status
from models.outbox import OutboxMessage
from tests import factories as F
from workflows.flows import morning_sweep
from workflows.sweep import sweep

MON, TUE, SAT = date(2026, 3, 2), date(2026, 3, 10), date(2026, 3, 14)


def audit_notices(session) -> list[OutboxMessage]:
    session.expire_all()
    return list(session.exec(select(OutboxMessage).where(OutboxMessage.kind == "audit").order_by(OutboxMessage.id)))


def forge_the_approver(engine) -> None:
    with engine.begin() as c:
        c.execute(text("DROP TRIGGER event_no_update"))
        c.execute(text("UPDATE event SET actor_name = '李四' WHERE action = 'approve_draft'"))


def test_a_broken_link_is_told_to_the_agencys_supervisors_once_a_day(app_db, session, calendar):
    number = F.register_case(session, calendar, MON)
    F.advance(session, calendar, number, Status.approved)
    F.seed_agency(session, "乙区人民政府", "yi")  # another agency's supervisor is not told about this case
    assert "✓ 审计核验通过" in sweep(TUE).summary()
    assert audit_notices(session) == []

    forge_the_approver(app_db)
    summary = sweep(TUE).summary()
    assert "✗ 审计核验发现 1 处问题" in summary and f"申请 {number}（示范区人民政府）" in summary
    [told] = audit_notices(session)
    assert (told.recipient, told.key, told.channel) == ("supervisor", "audit:2026-03-10:supervisor", "internal")
    assert told.subject.startswith(f"审计核验发现 1 处问题，第一处：申请 {number}（示范区人民政府），事件 #")
    assert "「审核通过」的内容与其哈希不一致" in told.body

    sweep(TUE)  # the same day again: nothing new
    assert len(audit_notices(session)) == 1
    sweep(SAT)  # a day off still verifies, and tells again
    assert [m.key for m in audit_notices(session)] == ["audit:2026-03-10:supervisor", "audit:2026-03-14:supervisor"]


def test_the_deployed_morning_sweep_verifies_too(prefect_harness, app_db, session, calendar):
    number = F.register_case(session, calendar, MON)
    F.advance(session, calendar, number, Status.approved)
    forge_the_approver(app_db)
    assert "✗ 审计核验发现 1 处问题" in morning_sweep(today=TUE)
    assert [m.recipient for m in audit_notices(session)] == ["supervisor"]
