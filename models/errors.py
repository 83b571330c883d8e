"""Domain errors: each carries a Chinese message for the user and an English one for the log.

    GongkaiError                      message_zh, str() in English
    ├── ValidationFailed              bad input (registration, import, a field of an action)
    │   ├── ImportLineError           a bad line of an import file, with its line number
    │   ├── InvalidFields             several bad fields of one form, every one with its field (shown together)
    │   └── ApplicantMismatch         the ID number is on file with another name or contact: the clerk decides
    ├── AlreadySubmitted              the same form was submitted before (back and resubmit): the case it made
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


class InvalidFields(ValidationFailed):
    """Every problem of one form at once, so the clerk fixes them in one pass; `problems` keep their fields."""

    def __init__(self, problems: list[ValidationFailed]):
        super().__init__("；".join(p.message_zh.rstrip("。") for p in problems) + "。",
                         "; ".join(str(p) for p in problems), field=problems[0].field)
        self.problems = problems


class ApplicantMismatch(ValidationFailed):
    """The applicant found on file (by ID number) has other details: keep the record or update it, never silently."""

    HINT = "请核对；确属同一申请人的，请选择「沿用已登记的申请人信息」或「按本次填写更新申请人信息」后再登记。"

    def __init__(self, key: str, name_on_file: str, differences: list[tuple[str, str, str, str]], *, hint: str = HINT):
        shown = "；".join(f"{label}：已登记「{old or '（空）'}」，本次填写「{new}」" for _, label, old, new in differences)
        super().__init__(
            f"{key} 已登记为申请人「{name_on_file}」，与本次填写不一致——{shown}。{hint}",
            f"{key}: applicant on file differs in {', '.join(d[0] for d in differences)}", field="applicant_on_file",
        )
        self.key = key
        self.name_on_file = name_on_file
        self.differences = differences


class AlreadySubmitted(GongkaiError):
    """A one-time form token already used: the registration it made is `number` (back and resubmit)."""

    def __init__(self, number: str):
        super().__init__(f"该登记表已提交过，已登记为申请 {number}，未重复登记。如确需再登记一件新的申请，请重新打开登记页。",
                         f"form token already used for {number}")
        self.number = number


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
