"""Art 30: while a case waits for its 补正 it has no reply due date, only the applicant's supplement period.

The case of the issue: received 2026-03-02 (due 2026-03-30), a 补正 notice on 2026-03-04 with 20 working
days for the applicant (to 2026-04-01); looked at on 2026-03-31 it was shown "已逾期1个工作日".
"""

from datetime import date

from models import actions as A
from models import dashboard as D
from models.deadlines import read_clock
from models.enums import Status
from models.queries import application_by_number
from tests.factories import ctx, register_case

RECEIVED, NOTICE, LOOKED_AT = date(2026, 3, 2), date(2026, 3, 4), date(2026, 3, 31)
ORIGINAL_DUE, PERIOD_ENDS = date(2026, 3, 30), date(2026, 4, 1)


def _waiting(session, calendar) -> str:
    number = register_case(session, calendar, RECEIVED)
    assert application_by_number(session, number).due_date == ORIGINAL_DUE
    A.request_supplement(ctx(session, calendar, "clerk", NOTICE), number, items="请写明所需会议纪要的文号",
                         period_days=20)
    return number


def test_a_case_waiting_for_its_supplement_has_no_reply_due_date_and_is_never_overdue(session, calendar):
    number = _waiting(session, calendar)
    app = application_by_number(session, number)
    reading = read_clock(session, app, calendar=calendar, today=LOOKED_AT)
    assert (app.due_date, reading.due_date, reading.level.value) == (None, None, "awaiting_supplement")
    assert (reading.supplement_period_ends, reading.supplement_days_left) == (PERIOD_ENDS, 1)
    text = reading.explain()
    assert "逾期" not in text and "补正期限至 2026-04-01" in text and "剩余1个工作日" in text
    assert "重新计算20个工作日" in text


def test_after_the_supplement_period_the_clock_says_deemed_abandoned_not_overdue(session, calendar):
    reading = read_clock(session, application_by_number(session, _waiting(session, calendar)), calendar=calendar,
                         today=date(2026, 4, 7))
    assert reading.due_date is None and "已逾期" not in reading.explain()
    assert "视为放弃申请" in reading.explain()


def test_the_supplement_received_restarts_20_working_days(session, calendar):
    number = _waiting(session, calendar)
    done = A.receive_supplement(ctx(session, calendar, "clerk", LOOKED_AT), number, received_on=LOOKED_AT)
    assert done.due_date == calendar.add_working_days(LOOKED_AT, days=20) == application_by_number(session, number).due_date


def test_worklist_and_dashboard_show_the_supplement_period_and_no_alert_level(session, calendar):
    number = _waiting(session, calendar)
    overdue = register_case(session, calendar, RECEIVED, request_text="请公开本区2025年政府工作报告全文")
    agency_id = application_by_number(session, number).agency_id
    cut = D.Cutoffs.on(LOOKED_AT, calendar=calendar)
    rows = {r.application.number: r for r in D.worklist(session, agency_id=agency_id, cutoffs=cut)}
    assert (rows[number].level, rows[number].supplement_due) == (None, PERIOD_ENDS)
    assert rows[overdue].level == "overdue"
    assert [r.application.number for r in D.worklist(session, agency_id=agency_id, cutoffs=cut, overdue=True)] == [overdue]
    dash = D.supervisor_dashboard(session, agency_id=agency_id, cutoffs=cut, calendar=calendar)
    assert dash.by_level["overdue"] == 1 and Status.awaiting_supplement not in dash.by_stage
    assert number not in [c.number for c in dash.urgent]


def test_the_morning_sweep_sends_no_overdue_notice_for_a_waiting_case(session, calendar):
    from workflows.sweep import deadline_notices

    number = _waiting(session, calendar)
    found = deadline_notices(session, today=LOOKED_AT, calendar=calendar)
    assert [n for app, n in found if app.number == number] == []
