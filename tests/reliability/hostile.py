"""Hostile and careless input for the property tests and the fuzz scenario: values, records, command lines.

`Figures` counts what a run tried and how it ended; `rows` counts every table, so a refusal that left
anything behind ("half-written") is seen.
"""

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlmodel import SQLModel

import models.all_tables  # noqa: F401  (every table in the metadata)
from models.demo import DEMO_AGENCY

EXAMPLES = int(os.environ.get("GONGKAI_FUZZ_EXAMPLES", "25"))  # per property; bounded for CI


def bounded(examples: int = EXAMPLES):
    """Property settings: bounded, no deadline (a PDF may render), reproducible, no example database in the repo."""
    return settings(max_examples=examples, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                           HealthCheck.data_too_large, HealthCheck.filter_too_much])


# What careless operators and attackers type: control characters, invalid UTF-8 (as Python hands it over),
# JSON of the wrong shape, dates out of range, huge numbers, paths, and a few values that are valid somewhere.
HOSTILE = [
    "", " ", "x", "\x00", "张\x00三", "\x1b[31m红字\x1b[0m", "\x1b]0;owned\x07", "abc\u202edcba", "张\udcff",
    "\r\n", "\t", "a" * 400, "[]", '"x"', "{}", "null", "true", "no", "是", "否", "0", "-1", "1e3", "二十",
    "99999999999999999999", "0001-01-01", "9999-12-31", "2026-02-30", "20260302", "2026-03-02", "2019-05-14",
    "2026-000001", "2026-000002", "2026-999999", "../../../../outside/ESCAPED", "1/2026-000001", "%s%n{0}",
    "'; DROP TABLE event;--", DEMO_AGENCY, "区自然资源局", "clerk", "counsel", "head", "leader",
    "dept_ziran", "gov_counsel", "in_person", "online", "post", "email", "resident_id", "natural_person",
    "r1_disclosed", "art36_2_disclosed",
    "reconsideration", "upheld", "phone", "keep", "13800138000", "11010519491231002X", "K7M2P9QX", "统计法:28",
]
hostile_text = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=12))
# any JSON value, of any shape, where a field's value belongs
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-10**20, 10**20), st.floats(allow_nan=False), hostile_text),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(hostile_text, inner, max_size=3)),
    max_leaves=6,
)


def field_values(*valid) -> st.SearchStrategy:
    """Mostly a valid value for the field, else anything."""
    return st.one_of(st.sampled_from(valid), json_values) if valid else json_values


REGISTRATION_FIELDS = {
    "agency": (DEMO_AGENCY,), "channel": ("in_person", "online", "ordinary_mail", "oral", "registered_mail", "fax"),
    "arrived_on": ("2026-03-02", "2026-02-27"), "receipt_date": ("2026-03-02",), "confirmed_on": ("2026-03-02",),
    "confirmation_method": ("phone", "signature"), "confirmation_note": ("电话确认",),
    "request_text": ("请公开2025年财政预算执行报告",), "requested_form": ("paper", "electronic"),
    "delivery_method": ("post", "email", "pickup"), "electronic_delivery_consent": (True, False, "是", "否"),
    "applicant_confirmed": (True, False), "transcribed_by_clerk": (True, False), "receipt_evidence": ("签收单",),
    "agent_name": ("李律师", None), "agent_id_type": ("resident_id", "none"), "agent_id_number": ("110101198003151239",),
    "agent_phone": ("13700137000",), "agent_authorization": ("授权委托书",), "applicant_on_file": ("keep", "update"),
    "litigation_prone": (False,), "needs_assistance": (False,),
}
APPLICANT_FIELDS = {
    "kind": ("natural_person", "commercial_enterprise"), "name": ("张三", "李四"), "id_type": ("resident_id", "none"),
    "id_number": ("11010519491231002X", None), "phone": ("13800138000", ""), "email": ("a@example.cn", ""),
    "address": ("某路1号", ""),
}


@st.composite
def registration_records(draw):
    """A registration file's JSON: usually an object of mostly valid fields, sometimes anything at all."""
    if draw(st.integers(0, 9)) == 0:
        return draw(json_values)
    keys = draw(st.sets(st.sampled_from(sorted(REGISTRATION_FIELDS)), max_size=8))
    record = {"agency": DEMO_AGENCY, "request_text": "请公开预算", **{k: draw(field_values(*REGISTRATION_FIELDS[k])) for k in keys}}
    person = {"name": "张三", "phone": "13800138000"}
    for k in draw(st.sets(st.sampled_from(sorted(APPLICANT_FIELDS)), max_size=4)):
        person[k] = draw(field_values(*APPLICANT_FIELDS[k]))
    record["applicant"] = draw(st.one_of(st.just(person), json_values)) if draw(st.integers(0, 9)) == 0 else person
    if draw(st.booleans()):
        record[draw(hostile_text)] = draw(json_values)  # a field nobody knows
    return record


IMPORT_FIELDS = {
    "agency": (DEMO_AGENCY,), "channel": ("online", "in_person"), "receipt_date": ("2021-01-14",),
    "arrived_date": ("2021-01-13", None), "request_text": ("请公开……",),
    "status": ("registered", "drafting", "closed", "legal_review", "awaiting_fee", "issued", "withdrawn"),
    "outcome": ("r1_disclosed", None), "closed_date": ("2021-02-08", None), "query_code": ("K7M2P9QX", None, "abc"),
    "agent_name": ("李律师", None), "decision_outcome": ("art36_2_disclosed", None),
    "requested_form": ("paper",), "delivery_method": ("post",), "receipt_evidence": ("",),
    "challenges": ([], [{"kind": "reconsideration", "filed_date": "2021-03-01", "outcome": "pending"}]),
}


@st.composite
def import_lines(draw, *, first_number: int) -> list[bytes]:
    """Lines of an import file: valid ones with some fields made hostile, raw junk, invalid UTF-8."""
    lines = []
    for i in range(draw(st.integers(1, 4))):
        kind = draw(st.integers(0, 19))
        if kind == 0:
            lines.append(draw(st.binary(max_size=40)).replace(b"\n", b""))
            continue
        record = {"agency": DEMO_AGENCY, "number": f"2021-{first_number + i:06d}",
                  "applicant": {"kind": "natural_person", "name": "张三"}, "channel": "online",
                  "receipt_date": "2021-01-14", "request_text": "请公开……", "status": "closed",
                  "outcome": "r1_disclosed", "closed_date": "2021-02-08"}
        for key in draw(st.sets(st.sampled_from(sorted(IMPORT_FIELDS)), max_size=3)):
            record[key] = draw(field_values(*IMPORT_FIELDS[key]))
        if kind == 1:
            record["number"] = draw(json_values)
        if kind == 2:
            record["applicant"] = draw(st.one_of(json_values, st.fixed_dictionaries(
                {"kind": field_values("natural_person"), "name": field_values("张三"), "phone": json_values})))
        # a lone surrogate from HOSTILE ("张\udcff") becomes the invalid byte it stood for, as a real file holds it
        line = json.dumps(record, ensure_ascii=False).encode("utf-8", "surrogateescape")
        if kind == 3:
            line = line.replace("张三".encode(), b"\xd5\xc5")  # GBK, as Excel on a Chinese Windows saves it
        lines.append(line)
    return lines


def rows(engine) -> dict[str, int]:
    """Every table's row count."""
    with engine.connect() as c:
        return {t.name: c.execute(select(func.count()).select_from(t)).scalar() for t in SQLModel.metadata.sorted_tables}


@dataclass
class Figures:
    """What a fuzz run tried and how each case ended."""

    name: str
    tried: int = 0
    refused: int = 0
    accepted: int = 0
    tracebacks: int = 0
    half_written: int = 0
    failures: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return (f"{self.name}: tried {self.tried}, refused {self.refused}, accepted {self.accepted}, "
                f"tracebacks: {self.tracebacks}, half-written: {self.half_written}")

    def check(self) -> None:
        assert self.tracebacks == 0 and self.half_written == 0, "\n".join([str(self), *self.failures[:5]])


# --- the command line -----------------------------------------------------------------------------------

# Not fuzzed: they start servers (up), take minutes of CPU (fonts prepare), set up or replace the whole
# database (init, restore) or need a Prefect server (--prefect); backup is tested under load elsewhere.
SKIPPED = {("up",), ("fonts", "prepare"), ("init",), ("restore",), ("backup",)}
NEVER_GIVEN = {"prefect"}
USERS = ["clerk", "dept_ziran", "gov_counsel", "head", "leader", "admin", "supervisor", "nobody", "\x1b[31m", ""]


def commands(app) -> list[tuple[tuple[str, ...], object]]:
    """Every leaf command of the CLI (the path of names, the click command)."""
    import typer

    found = []

    def walk(command, path):
        if hasattr(command, "commands"):
            for name, sub in command.commands.items():
                walk(sub, (*path, name))
        elif path not in SKIPPED:
            found.append((path, command))

    walk(typer.main.get_command(app), ())
    return found


def _annotation(param):
    descriptor = getattr(param, "type_descriptor", None)
    return getattr(descriptor, "annotation", None)


PATHISH = {"file", "path", "output", "dest", "src", "key", "cert", "seal_image", "fee_payment_qr", "attach", "previous"}


DATEISH = {"on", "arrived", "receipt", "due", "until", "held", "filed", "decided", "today", "received", "due_before",
           "confirmed_on", "date", "supplement"}
DAYS = ["0001-01-01", "9999-12-31", "2026-03-02", "2026-03-20", "2026-02-30", "20260302", "2019-05-14"]
INTS = ["0", "-1", "1", "5", "2026", "99999999999999999999", "9223372036854775808", "1e3", "二十"]
NUMBERS = ["2026-000001", "2026-000002", "2026-000003", "2026-000004", "2021-000001"]


def _values(param, files: list[str]) -> st.SearchStrategy:
    """Values for one option or argument: hostile text, plus what its type makes plausible (a path, a date …)."""
    if param.name in PATHISH or _annotation(param) is Path:
        return st.sampled_from(files)  # only files under the test's folder: nothing is written elsewhere
    if param.name == "user":
        return st.sampled_from(USERS)
    plausible = (DAYS if param.name in DATEISH else INTS if _annotation(param) is int
                 else NUMBERS if param.name == "number" else None)
    return st.one_of(st.sampled_from(plausible), hostile_text) if plausible else hostile_text


@st.composite
def command_lines(draw, path: tuple[str, ...], command, files: list[str]) -> list[str]:
    """One command line for `command`: every argument, some options, each value hostile or plausible."""
    args = list(path)
    for param in command.params:
        if param.name in NEVER_GIVEN:
            continue
        value = _values(param, files)
        if param.param_type_name == "argument":
            args.append(draw(value))
            continue
        if getattr(param, "is_flag", False):
            if draw(st.booleans()):
                args.append(param.opts[0])
            continue
        given = 1 if param.required else draw(st.integers(0, 2 if param.multiple else 1))
        for _ in range(given):
            args += [param.opts[0], draw(value)]
    return args
