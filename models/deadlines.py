"""The reply clock of a stored application: its dated rows → calendars.clock → the stored due date.

The clock is computed from the dates (receipt, supplement, pauses, extension), never from counters;
the due date stored on the application is a cache for lists and dashboards, refreshed after every
action and whenever the calendar data change (its fingerprint differs).
"""

from collections.abc import Callable
from datetime import date

from sqlmodel import Session, select

from calendars.clock import CaseDates, ClockReading, Extension as ClockExtension, Pause, PauseKind, SupplementWait, reply_clock
from models.enums import ConsultationKind, ExtensionStatus, Status
from models.lifecycle import CONCLUDED
from models.tables import Application, Consultation, Event, Extension, Fee, ReasonRequest, Supplement

_PAUSE_KIND = {ConsultationKind.third_party: PauseKind.third_party, ConsultationKind.other_agency: PauseKind.other_agency}


def case_dates(session: Session, application: Application) -> CaseDates:
    """Everything the legal clock needs, read from the application's rows."""
    app_id = application.id
    supplement = session.exec(select(Supplement).where(Supplement.application_id == app_id)).first()
    consultations = session.exec(select(Consultation).where(Consultation.application_id == app_id)).all()
    fee = session.exec(select(Fee).where(Fee.application_id == app_id, Fee.notice_sent_on.is_not(None))).first()
    asked = session.exec(select(ReasonRequest).where(ReasonRequest.application_id == app_id)).first()
    extension = session.exec(
        select(Extension).where(Extension.application_id == app_id, Extension.status == ExtensionStatus.approved)
    ).first()
    # Art 33(3): consultations are not counted; 国办函〔2020〕109号 [U]: nor the time until the fee is paid
    # (counted from the day the notice is sent, after counsel's sign-off).
    pauses = [
        Pause(kind=_PAUSE_KIND[ConsultationKind(c.kind)], sent_on=c.sent_on, ended_on=c.ended_on, expected_end=c.due_date)
        for c in consultations
    ]
    if fee is not None:
        pauses.append(Pause(kind=PauseKind.fee, sent_on=fee.notice_sent_on, ended_on=fee.paid_on, expected_end=fee.pay_due))
    # Art 30: while the 补正 is awaited no reply period runs (a deemed-abandoned case is concluded, not waiting)
    waiting = (SupplementWait(issued_on=supplement.issued_on, period_ends=supplement.due_date)
               if supplement and supplement.received_on is None and application.status == Status.awaiting_supplement
               else None)
    return CaseDates(
        receipt_date=application.receipt_date,
        supplement_received_on=supplement.received_on if supplement else None,
        pauses=tuple(sorted(pauses, key=lambda p: p.sent_on)),
        extension=ClockExtension(days=extension.days, approved_on=extension.decided_on) if extension else None,
        deferred_due=asked.deferred_due if asked else None,  # Art 35: the deferred reply date replaces the period
        awaiting_supplement=waiting,
    )


def read_clock(session: Session, application: Application, *, calendar, today: date) -> ClockReading:
    return reply_clock(case_dates(session, application), calendar=calendar, today=today)


# Art 30 (no supplement) / 国办函〔2020〕109号 (no payment): the application is no longer handled, so no reply is
# due; what remains is the 终止处理告知书, which goes through review and 签发 like a reply but has no period.
TERMINATING_ACTIONS = ("deem_abandoned", "close_fee_unpaid")


def reply_period_ended(session: Session, application: Application) -> bool:
    return session.exec(select(Event.id).where(Event.application_id == application.id,
                                               Event.action.in_(TERMINATING_ACTIONS))).first() is not None


def refresh_due_date(session: Session, application: Application, *, calendar, today: date) -> ClockReading:
    """Store the clock's current due date on the application (a cache, recomputed from the dates); none while a
    补正 is awaited (Art 30), so lists and the dashboard never count such a case as due or overdue, and none once
    the application is deemed abandoned or no longer handled for an unpaid fee."""
    reading = read_clock(session, application, calendar=calendar, today=today)
    # Art 31(3): an online application not yet confirmed is not received in law: no reply period runs
    ended = reply_period_ended(session, application) or application.status == Status.awaiting_confirmation
    application.due_date = None if ended else reading.due_date
    application.due_provisional = reading.provisional and not ended
    application.calendar_fingerprint = calendar.fingerprint
    session.add(application)
    return reading


def recompute_stale(session: Session, *, calendar, today: date,
                    progress: Callable[[int, int], None] | None = None) -> int:
    """Open cases whose stored due date was computed on other calendar data (next year's notice has arrived,
    an overlay changed): recompute and store them, so lists and dashboards show the confirmed dates.
    `progress(done, total)` is told the cases recomputed so far."""
    stale = session.exec(select(Application).where(
        Application.calendar_fingerprint != calendar.fingerprint,
        Application.status.not_in([s.value for s in CONCLUDED]),  # type: ignore[union-attr]
    )).all()
    for done, application in enumerate(stale, start=1):
        refresh_due_date(session, application, calendar=calendar, today=today)
        if progress and (done % 100 == 0 or done == len(stale)):
            progress(done, len(stale))
    session.commit()
    return len(stale)
