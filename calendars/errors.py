"""Errors of the calendar and the legal clock.

    CalendarError                 message_zh for the user, English str() for the log
     ├── InvalidCalendarFile      a data file fails `gongkai calendar check`
     ├── OutsideCalendarRange     a date beyond the years the calendar covers
     └── ExtensionRefused         Art 33(2): late, too long, or a second extension
"""


class CalendarError(Exception):
    """A calendar or clock failure, with a Chinese message for the user."""

    def __init__(self, message: str, *, message_zh: str):
        super().__init__(message)
        self.message_zh = message_zh


class InvalidCalendarFile(CalendarError):
    """A calendar data file is malformed or contradicts itself."""

    def __init__(self, path: str, problems: list[str]):
        self.path = path
        self.problems = tuple(problems)
        super().__init__(
            f"invalid calendar file {path}: {len(problems)} problem(s)",
            message_zh=f"日历文件 {path} 有 {len(problems)} 处错误：\n" + "\n".join(problems),
        )


class OutsideCalendarRange(CalendarError):
    """A computation left the years the calendar is built for."""


class ExtensionRefused(CalendarError):
    """Art 33(2): the extension cannot be granted."""
