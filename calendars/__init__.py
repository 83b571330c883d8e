"""Chinese working days and the legal clock of a disclosure application — pure code, no database.

Public surface: load a calendar, count working days on it, and read one application's clock.
"""

from calendars.arrangements import Arrangement, DayEntry, check_file, load_arrangement
from calendars.clock import (
    CaseDates,
    ClockReading,
    DueLevel,
    Extension,
    Pause,
    PauseKind,
    SupplementWait,
    check_extension,
    reply_clock,
)
from calendars.deadlines import (
    Deadline,
    RemedyDeadlines,
    consultation_reply_due,
    department_answer_due,
    fee_payment_due,
    remedy_deadlines,
    supplement_notice_due,
    supplement_period_due,
)
from calendars.errors import CalendarError, ExtensionRefused, InvalidCalendarFile, OutsideCalendarRange
from calendars.working import DayInfo, WorkingCalendar, load_calendar

__all__ = [
    "Arrangement", "CalendarError", "CaseDates", "ClockReading", "DayEntry", "DayInfo", "Deadline", "DueLevel",
    "Extension", "ExtensionRefused", "InvalidCalendarFile", "OutsideCalendarRange", "Pause", "PauseKind",
    "RemedyDeadlines", "SupplementWait", "WorkingCalendar", "check_extension", "check_file", "consultation_reply_due",
    "department_answer_due", "fee_payment_due", "load_arrangement", "load_calendar", "remedy_deadlines",
    "reply_clock", "supplement_notice_due", "supplement_period_due",
]
