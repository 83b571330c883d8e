"""What every database command needs: a session, the calendar, the time and the acting user.

Only entry points read the clock: `GONGKAI_TODAY` (YYYY-MM-DD) pins the date for scripts and tests.
"""

import json
import os
from contextlib import contextmanager
from datetime import date, datetime

import typer

from interfaces.cli.errors import BadValue


def now() -> datetime:
    from models.tables import SHANGHAI

    pinned = os.environ.get("GONGKAI_TODAY")
    if pinned:
        day = date.fromisoformat(pinned)
        return datetime(day.year, day.month, day.day, 10, tzinfo=SHANGHAI)
    return datetime.now(SHANGHAI)


def calendar():
    from calendars import load_calendar
    from models.settings import Settings

    settings = Settings.load()
    return load_calendar(settings.jurisdiction, overlays=settings.calendar_overlays)


@contextmanager
def session():
    from models.db import default_engine, require_current_schema, session_scope

    engine = default_engine()
    require_current_schema(engine)
    with session_scope(engine) as s:
        yield s


@contextmanager
def context(username: str | None):
    """A domain Ctx for `username` (from --user or GONGKAI_USER)."""
    from models.context import Ctx
    from models.errors import ValidationFailed
    from models.queries import user_by_username

    username = username or os.environ.get("GONGKAI_USER")
    if not username:
        raise ValidationFailed("请用 --user 或环境变量 GONGKAI_USER 指定操作人。", "no acting user")
    with session() as s:
        yield Ctx(s, calendar(), now(), user_by_username(s, username))


def _refused(message_zh: str, what: str, *, in_record: bool) -> Exception:
    """A bad option value is a usage error (exit 2); a bad field of a record, e.g. a registration file, is not."""
    if in_record:
        from models.errors import ValidationFailed

        return ValidationFailed(message_zh, what)
    return BadValue(message_zh)


def parse_day(value: str | None, what: str, *, in_record: bool = False) -> date | None:
    """A YYYY-MM-DD option (or record field), or None when it was not given."""
    try:
        return date.fromisoformat(value) if value else None
    except ValueError as exc:
        raise _refused(f"{what}「{value}」不是 YYYY-MM-DD 格式。", what, in_record=in_record) from exc


def parse_enum(cls, value: str, what: str, *, in_record: bool = False):
    """An enum option (or record field) by its value, with the allowed values in the error."""
    try:
        return cls(value)
    except ValueError as exc:
        allowed = "、".join(m.value for m in cls)
        raise _refused(f"{what}「{value}」无效，应为：{allowed}。", what, in_record=in_record) from exc


def write_output(path, content: bytes) -> None:
    """Write an --output file; a folder, a missing folder or a read-only place is refused in Chinese (exit 1)."""
    from models.errors import ValidationFailed
    from models.validation import visible

    try:
        path.write_bytes(content)
    except OSError as exc:
        raise ValidationFailed(f"无法写入文件 {visible(str(path))}：{exc.strerror}", str(exc)) from exc


def emit(data: dict, *, as_json: bool, lines: list[str]) -> None:
    """Print the data as JSON or the lines; stored text is never printed with raw control characters."""
    from models.validation import visible

    if as_json:
        text = json.dumps(data, ensure_ascii=False, default=str)
        if visible(text) != text:  # DEL, C1 or bidi controls JSON would keep raw: escape them (\uXXXX)
            text = json.dumps(data, default=str)
        typer.echo(text)
    else:
        for line in lines:
            typer.echo(visible(line))


def report_done(done, *, as_json: bool) -> None:
    """What happened, and what the case waits for now."""
    emit(
        {"number": done.number, "message": done.message, "status": done.status.value,
         "status_label": done.status.label, "waits_for": done.waits_for, "due_date": done.due_date},
        as_json=as_json,
        lines=[done.message, f"申请 {done.number}：{done.status.label}；{done.waits_for}。"
               + (f" 答复期限 {done.due_date}。" if done.due_date else "")],
    )


USER = typer.Option(None, "--user", "-u", help="操作人用户名（或环境变量 GONGKAI_USER）")
JSON = typer.Option(False, "--json", help="以 JSON 输出，便于脚本处理")
