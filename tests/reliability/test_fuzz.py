"""Fuzz (issue 13): hostile and careless input at every boundary, property-based (hypothesis, bounded).

Registration (the domain function and the desk's form), the desk's case actions, import, and every CLI
action with hostile values for each option: never a traceback, never a 5xx, nothing half-written (every
table's row count unchanged after a refusal). Each test prints its figures:

    fuzz <surface>: tried N, refused R, accepted A, tracebacks: 0, half-written: 0

`GONGKAI_FUZZ_EXAMPLES` (default 25) bounds the examples per property; the CLI tries every command a tenth
as often.
"""

import itertools
from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlmodel import Session
from typer.testing import CliRunner

from calendars import CalendarError
from interfaces.cli.main import register as gongkai_app
from interfaces.web.app import create_app
from models.context import Ctx
from models.demo import seed_demo
from models.errors import GongkaiError
from models.queries import user_by_username
from models.registration import application_from_record, register
from models.tables import SHANGHAI
from models.transfer import import_jsonl
from tests import factories as F
from tests.reliability.hostile import (
    EXAMPLES, REGISTRATION_FIELDS, Figures, bounded, command_lines, commands, hostile_text,
    import_lines, registration_records, rows,
)
from tests.web.conftest import DAY, Clock, Desk

NOW = datetime(DAY.year, DAY.month, DAY.day, 10, tzinfo=SHANGHAI)


@pytest.fixture
def seeded(engine, demo_hash):
    with Session(engine) as s:
        seed_demo(s, password_hash=demo_hash)
    return engine


@pytest.fixture(scope="module")
def demo_hash():
    from models.demo import DEMO_PASSWORD
    from models.passwords import hash_password

    return hash_password(DEMO_PASSWORD)


def test_registration_refuses_hostile_records_whole_or_registers_them(seeded, calendar):
    figures = Figures("fuzz register (domain)")

    @bounded()
    @given(record=registration_records())
    def case(record):
        figures.tried += 1
        before = rows(seeded)
        with Session(seeded, expire_on_commit=False) as s:
            try:
                data = application_from_record(record, today=DAY)
                register(Ctx(s, calendar, NOW, user_by_username(s, "clerk")), data)
            except (GongkaiError, CalendarError):
                figures.refused += 1
                if rows(seeded) != before:
                    figures.half_written += 1
                    figures.failures.append(f"half-written after refusing {record!r}")
                return
        figures.accepted += 1

    case()
    print(f"\n{figures}")
    figures.check()
    assert figures.refused and figures.accepted  # both sides were reached


_numbers = itertools.count(1, 10)


def test_import_refuses_a_hostile_file_whole_with_its_line_or_imports_it(seeded, calendar):
    figures = Figures("fuzz import")

    @bounded()
    @given(lines=st.deferred(lambda: import_lines(first_number=next(_numbers))))
    def case(lines):
        figures.tried += 1
        before = rows(seeded)
        with Session(seeded, expire_on_commit=False) as s:
            try:
                count = import_jsonl(s, lines, now=NOW, calendar=calendar)
            except GongkaiError as exc:
                figures.refused += 1
                if not exc.message_zh.startswith(("第", "导入文件中没有任何申请")):
                    figures.failures.append(f"no line number: {exc.message_zh}")
                    figures.tracebacks += 1
                if rows(seeded) != before:
                    figures.half_written += 1
                    figures.failures.append(f"half-written after refusing {lines!r}")
                return
        figures.accepted += 1
        assert rows(seeded)["application"] == before["application"] + count

    case()
    print(f"\n{figures}")
    figures.check()
    assert figures.refused and figures.accepted


# --- the desk ------------------------------------------------------------------------------------------------

REG_INPUTS = ["kind", "name", "id_type", "id_number", "phone", "email", "address", "channel", "arrived_on",
              "receipt_date", "request_text", "receipt_evidence", "requested_form", "delivery_method", "confirmed_on",
              "confirmation_method", "confirmation_note", "agent_name", "agent_id_type", "agent_id_number",
              "agent_phone", "agent_authorization", "applicant_on_file", "electronic_delivery_consent",
              "transcribed_by_clerk", "applicant_confirmed"]
VALID_FORM = {"kind": "natural_person", "name": "张三", "id_type": "none", "phone": "13800138000",
              "channel": "in_person", "arrived_on": "2026-03-02", "receipt_date": "2026-03-02",
              "request_text": "请公开预算", "requested_form": "paper", "delivery_method": "post"}


@pytest.fixture
def desk(seeded, calendar, monkeypatch, tmp_path):
    monkeypatch.setenv("GONGKAI_ENGINE", "inline")
    monkeypatch.setenv("GONGKAI_VAR_DIR", str(tmp_path / "var"))
    clock = Clock(datetime(DAY.year, DAY.month, DAY.day, 9, tzinfo=SHANGHAI))
    return create_app(seeded, calendar, clock, secret_key="fuzz-secret")


def _form_text(value) -> str:
    return value if isinstance(value, str) else str(value)


def test_the_desk_registration_form_never_answers_5xx_and_refuses_whole(desk, seeded):
    clerk = Desk(desk, "clerk")
    figures = Figures("fuzz desk registration")
    values = st.dictionaries(st.sampled_from(REG_INPUTS), st.one_of(hostile_text, st.sampled_from(
        [_form_text(v) for vs in REGISTRATION_FIELDS.values() for v in vs if v is not None] + ["on"])), max_size=8)

    @bounded()
    @given(changes=values, dropped=st.sets(st.sampled_from(sorted(VALID_FORM)), max_size=2))
    def case(changes, dropped):
        figures.tried += 1
        form = {k: v for k, v in {**VALID_FORM, **changes}.items() if k not in dropped}
        form = {k: v.replace("\udcff", "\ufffd") for k, v in form.items()}  # a browser sends UTF-8 only
        before = rows(seeded)
        response = clerk.post("/register", form)
        if response.status_code >= 500:
            figures.tracebacks += 1
            figures.failures.append(f"{response.status_code} for {form!r}")
        elif response.status_code == 303:
            figures.accepted += 1
        else:
            figures.refused += 1
            if rows(seeded) != before:
                figures.half_written += 1
                figures.failures.append(f"half-written after refusing {form!r}")

    case()
    print(f"\n{figures}")
    figures.check()
    assert figures.refused and figures.accepted


def test_the_desk_case_actions_never_answer_5xx_and_refuse_whole(desk, seeded, calendar):
    """Every form of a case page (each action a role may see in a few statuses), filled with hostile values."""
    from models.enums import Status

    with Session(seeded, expire_on_commit=False) as s:
        numbers = {status: F.register_case(s, calendar, DAY) for status in (Status.registered, Status.routed,
                                                                           Status.drafting, Status.approved)}
        for status, number in numbers.items():
            if status != Status.registered:
                F.advance(s, calendar, number, status)
    users = {name: Desk(desk, name) for name in ("clerk", "dept_ziran", "gov_counsel", "head")}
    figures = Figures("fuzz desk case actions")

    @bounded(EXAMPLES * 2)
    @given(user=st.sampled_from(sorted(users)), number=st.sampled_from(sorted(numbers.values())),
           pick=st.integers(0, 99),
           form=st.dictionaries(hostile_text, hostile_text, max_size=3),
           fields=st.lists(hostile_text, min_size=8, max_size=8))
    def case(user, number, pick, form, fields):
        figures.tried += 1
        desk_user = users[user]
        page = desk_user.get(f"/cases/{number}")
        if page.status_code >= 500:
            figures.tracebacks += 1
            figures.failures.append(f"case page {page.status_code} for {user}")
            return
        names_on_page = sorted(set(_action_names(page.text)))
        chosen = names_on_page[pick % len(names_on_page)] if names_on_page else "route"
        inputs = _input_names(page.text, chosen)
        data = {**dict(zip(inputs, fields)), **form}
        data = {k.replace("\udcff", "\ufffd"): v.replace("\udcff", "\ufffd") for k, v in data.items()}
        before = rows(seeded)
        response = desk_user.post(f"/cases/{number}/actions/{chosen}", data)
        if response.status_code >= 500:
            figures.tracebacks += 1
            figures.failures.append(f"{response.status_code} for {user} {chosen} {data!r}")
        elif response.status_code in (200, 303):
            figures.accepted += 1
        else:
            figures.refused += 1
            if rows(seeded) != before:
                figures.half_written += 1
                figures.failures.append(f"half-written after refusing {user} {chosen} {data!r}")

    case()
    print(f"\n{figures}")
    figures.check()


def _action_names(html: str) -> list[str]:
    import re

    return re.findall(r'action="/cases/[^/"]+/actions/([\w-]+)"', html)


def _input_names(html: str, action: str) -> list[str]:
    """The input names of one action's form on the case page."""
    import re

    start = html.find(f'/actions/{action}"')
    end = html.find("</form>", start)
    if start < 0 or end < 0:
        return []
    return [n for n in re.findall(r'name="([\w-]+)"', html[start:end]) if n != "csrf_token"]


# --- every CLI action ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cli_database(tmp_path_factory):
    """One demo installation for the CLI fuzz: a few cases in several statuses, prepared files for path options."""
    folder = tmp_path_factory.mktemp("fuzz-cli")
    env = {"GONGKAI_DATABASE_URL": f"sqlite:///{folder / 'gongkai.db'}", "GONGKAI_VAR_DIR": str(folder / "var"),
           "GONGKAI_ENGINE": "inline", "GONGKAI_TODAY": DAY.isoformat(), "GONGKAI_USER": "clerk",
           "GONGKAI_SIGNING_DIR": str(folder / "signing")}
    files = folder / "files"
    files.mkdir()
    (files / "empty").write_bytes(b"")
    (files / "junk.json").write_bytes(b"\xd5\xc5\x00\x1b[31m{[")
    (files / "list.json").write_text("[]")
    (files / "lines.jsonl").write_text('{"agency": 1}\n"x"\n', encoding="utf-8")
    paths = [str(files / "empty"), str(files / "junk.json"), str(files / "list.json"), str(files / "lines.jsonl"),
             str(files / "missing.pdf"), str(files), str(files / "out" / "x.pdf")]
    runner = CliRunner()
    app = gongkai_app()
    assert runner.invoke(app, ["init", "--demo"], env=env).exit_code == 0
    from sqlmodel import create_engine

    engine = create_engine(env["GONGKAI_DATABASE_URL"])
    with Session(engine) as s:
        from calendars import load_calendar

        calendar = load_calendar()
        from models.enums import Status

        for status in (Status.registered, Status.routed, Status.legal_review):
            number = F.register_case(s, calendar, DAY)
            if status != Status.registered:
                F.advance(s, calendar, number, status)
    return env, paths, engine, app


@pytest.mark.parametrize("start", [0, 1], ids=["first-half", "second-half"])
def test_every_cli_action_ends_with_a_message_and_an_exit_code_never_a_traceback(cli_database, tmp_path, start,
                                                                                 monkeypatch):
    env, paths, engine, app = cli_database
    monkeypatch.chdir(tmp_path)  # a relative path given to an option lands here
    every = commands(app)
    mine = every[start::2]
    figures = Figures(f"fuzz CLI ({len(every)} commands, {'odd' if start else 'even'} half)")
    runner = CliRunner()

    def fuzz(path, command):
        @bounded(max(1, EXAMPLES // 10))  # every command this many times
        @given(args=command_lines(path, command, paths))
        def case(args):
            figures.tried += 1
            before = rows(engine)
            result = runner.invoke(app, args, env=env)
            crashed = result.exception is not None and not isinstance(result.exception, SystemExit)
            if crashed or "Traceback" in result.output or result.exit_code not in (0, 1, 2):
                figures.tracebacks += 1
                figures.failures.append(f"{args!r} → {result.exit_code} {result.exception!r}\n{result.output[-500:]}")
            elif result.exit_code == 0:
                figures.accepted += 1
            else:
                figures.refused += 1
                if rows(engine) != before:
                    figures.half_written += 1
                    figures.failures.append(f"half-written after refusing {args!r}: {result.output[-300:]}")
            if "\x1b[31m" in result.output or "\x00" in result.output:
                figures.failures.append(f"raw control characters printed for {args!r}")
                figures.tracebacks += 1

        case()

    for path, command in mine:
        fuzz(path, command)
    print(f"\n{figures}")
    figures.check()
    assert figures.refused
