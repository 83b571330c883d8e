"""Import and export: all-or-nothing per file, errors with line numbers, a lossless round trip."""

import json
from datetime import date, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel, func, select

from models.demo import DEMO_AGENCY, seed_demo
from models.errors import ImportLineError
from models.tables import SHANGHAI, Application, LegalChallenge
from models.transfer import export_jsonl, import_jsonl
from tests.factories import register_case

NOW = datetime(2026, 11, 21, 10, tzinfo=SHANGHAI)


def line(**overrides) -> str:
    record = {"agency": DEMO_AGENCY, "number": "2021-000001",
              "applicant": {"kind": "natural_person", "name": "张三", "id_number": None}, "channel": "online",
              "receipt_date": "2021-01-14", "request_text": "……", "status": "closed", "outcome": "r1_disclosed",
              "closed_date": "2021-02-08",
              "challenges": [{"kind": "reconsideration", "filed_date": "2021-03-01", "outcome": "upheld",
                              "closed_date": "2021-04-10"}]}
    record.update(overrides)
    return json.dumps(record, ensure_ascii=False)


def run(session, calendar, lines):
    seed_demo(session)
    return import_jsonl(session, lines, now=NOW, calendar=calendar)


def test_the_issue_example_imports_a_closed_case_with_its_challenge(session, calendar):
    assert run(session, calendar, [line()]) == 1
    app = session.exec(select(Application)).one()
    assert (app.status, app.closed_on, app.year) == ("archived", date(2021, 2, 8), 2021)
    assert session.exec(select(LegalChallenge.result)).one() == "upheld"


BAD = [
    ("not-json", "{oops", "JSON"),
    ("unknown-agency", line(agency="某某局"), "不存在"),
    ("bad-channel", line(channel="pigeon"), "channel"),
    ("bad-date", line(receipt_date="2021-02-30"), "receipt_date"),
    ("future-date", line(receipt_date="2027-01-04", closed_date=None, outcome=None, status="registered"), "晚于今天"),
    ("unknown-row", line(outcome="r9_magic"), "表三"),
    ("closed-without-outcome", line(outcome=None), "outcome"),
    ("open-with-outcome", line(status="registered"), "null"),
    ("closed-before-received", line(closed_date="2021-01-01"), "早于"),
    ("bad-applicant-kind", line(applicant={"kind": "alien", "name": "X"}), "applicant.kind"),
    ("bad-id", line(applicant={"kind": "natural_person", "name": "X", "id_number": "110105194912310021"}), "身份证"),
    ("pending-with-date", line(challenges=[{"kind": "reconsideration", "filed_date": "2021-03-01", "outcome": "pending",
                                            "closed_date": "2021-04-01"}]), "pending"),
    ("finer-outcome-disagrees", line(decision_outcome="art36_4_not_held"), "不一致"),
]


@pytest.mark.parametrize("bad,words", [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_a_bad_line_aborts_the_file_with_its_line_number_and_writes_nothing(session, calendar, bad, words):
    good = line(number="2021-000009")
    with pytest.raises(ImportLineError) as err:
        run(session, calendar, [good, "", bad])
    assert err.value.line == 3
    assert err.value.message_zh.startswith("第3行：") and words in err.value.message_zh
    assert session.exec(select(func.count()).select_from(Application)).one() == 0


def test_a_number_repeated_in_the_file_or_already_stored_is_refused(session, calendar):
    with pytest.raises(ImportLineError, match="line 2"):
        run(session, calendar, [line(), line()])
    run(session, calendar, [line()])
    with pytest.raises(ImportLineError) as err:
        run(session, calendar, [line()])
    assert "已存在" in err.value.message_zh


def test_new_registrations_continue_after_the_imported_numbers(session, calendar):
    run(session, calendar, [line(number="2026-000041", receipt_date="2026-03-02", closed_date="2026-03-20",
                                 challenges=[])])
    assert register_case(session, calendar, date(2026, 3, 2)) == "2026-000042"


def test_import_export_import_round_trips_losslessly(session, calendar, tmp_path):
    register_case(session, calendar, date(2026, 3, 2))
    run(session, calendar, [line(), line(number="2021-000002", status="registered", outcome=None, closed_date=None,
                                         challenges=[], applicant={"kind": "commercial_enterprise", "name": "某公司",
                                                                   "id_number": "91350100M000100Y43"})])
    first = list(export_jsonl(session))
    assert len(first) == 3
    from models.db import make_engine, migrate
    from sqlmodel import Session

    other = make_engine(f"sqlite:///{tmp_path / 'second.db'}")  # on the PostgreSQL run: across databases
    migrate(other)
    with Session(other) as fresh:
        run(fresh, calendar, first)
        again = list(export_jsonl(fresh))
    assert [json.loads(x) for x in again] == [json.loads(x) for x in first]


def test_the_migrations_build_exactly_the_schema_the_code_declares(engine):
    with engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), SQLModel.metadata) == []
