"""Domain errors: each carries a Chinese message for the user and an English one for the log.

    GongkaiError                      message_zh, str() in English
    ├── ValidationFailed              bad input (registration, import, a field of an action)
    │   └── ImportLineError           a bad line of an import file, with its line number
    ├── NotFound                      an agency, application, user … that does not exist
    ├── TransitionNotAllowed          the lifecycle forbids this action in this status
    ├── RoleNotAllowed                the actor's role may not take this action
    ├── GuardFailed                   a legal condition is not met (one 补正 only, extension too late …)
    ├── ConcurrentUpdate              someone else changed the case first (optimistic locking)
    ├── CaseReadOnly                  the case is archived, or its year is locked
    ├── SchemaNotCurrent              the database was never initialised, or predates the code's migrations
    └── WrongInstallation             a workflow run meant for another installation's database

calendars.errors.CalendarError is the calendar's own tree; the interfaces treat both alike.
"""


class GongkaiError(Exception):
    def __init__(self, message_zh: str, message_en: str | None = None):
        super().__init__(message_en or message_zh)
        self.message_zh = message_zh


class ValidationFailed(GongkaiError):
    def __init__(self, message_zh: str, message_en: str | None = None, *, field: str | None = None):
        super().__init__(message_zh, message_en)
        self.field = field


class ImportLineError(ValidationFailed):
    def __init__(self, line: int, reason_zh: str):
        super().__init__(f"第{line}行：{reason_zh}", f"line {line}: {reason_zh}")
        self.line = line


class NotFound(GongkaiError):
    pass


class TransitionNotAllowed(GongkaiError):
    pass


class RoleNotAllowed(GongkaiError):
    pass


class GuardFailed(GongkaiError):
    pass


class ConcurrentUpdate(GongkaiError):
    pass


class CaseReadOnly(GongkaiError):
    pass


class SchemaNotCurrent(GongkaiError):
    pass


class WrongInstallation(GongkaiError):
    pass
