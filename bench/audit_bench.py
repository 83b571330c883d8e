"""`audit verify` over 1M hash-chained events on SQLite, next to just reading the same rows in the same run.

    .venv/bin/python -m bench.audit_bench [--events N] [--per-case 10]

The events are generated with executemany into a freshly migrated database, their chains computed in the same
run by models.audit (the same code every writer uses), interleaved across cases as a working installation
writes them. The baseline reads the same columns through the same SQLAlchemy types without hashing; verify
also walks both chains, the head, and the case list. Figures are the best of two runs.
"""

import argparse
import json
import sqlite3
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import select
from sqlmodel import Session

from models import audit
from models.audit_verify import verify
from models.db import make_engine, migrate
from models.tables import Event

START = datetime(2026, 1, 5, 1, 30, tzinfo=timezone.utc)
STEPS = [("register", None, "registered"), ("route", "registered", "routed"), ("notify", None, None),
         ("accept_assignment", None, None), ("submit_opinion", None, None), ("opinions_complete", "routed", "drafting"),
         ("submit_for_review", "drafting", "legal_review"), ("approve_draft", "legal_review", "approved"),
         ("issue_reply", "approved", "issued"), ("dispatch", "issued", "dispatched")]


def _fill(path: Path, events: int, per_case: int) -> float:
    """Applications, then their events round by round (the installation chain interleaves the cases)."""
    cases = max(1, events // per_case)
    con = sqlite3.connect(path)
    con.executescript("INSERT INTO agency (id, name, disclosure_office, address, phone, reconsideration_body, court,"
                      " doc_number_prefix, seal_text, retention_years, supplement_days, repeat_window_days,"
                      " outcome_precedence, litigation_prone_keywords) VALUES (1, '基准区人民政府', '', '', '', '', '',"
                      " '', '', 30, 15, 365, '', '');"
                      "INSERT INTO applicant (id, kind, name, id_type, phone, email, address)"
                      " VALUES (1, 'natural_person', '张三', 'none', '', '', '');")
    con.executemany(
        "INSERT INTO application (id, agency_id, number, year, query_code, applicant_id, channel, arrived_on,"
        " receipt_date, receipt_evidence, transcribed_by_clerk, applicant_confirmed, needs_assistance,"
        " request_text, requested_form, delivery_method, electronic_delivery_consent, litigation_prone,"
        " possible_repeat_of, monthly_count, status, due_provisional, calendar_fingerprint, created_at, version)"
        " VALUES (?, 1, ?, 2026, 'q', 1, 'online', '2026-01-05', '2026-01-05', '', 0, 0, 0, '申请', 'paper', 'post',"
        " 0, 0, '', 1, 'dispatched', 0, '', '2026-01-05 01:30:00.000000', 1)",
        ((i, f"2026-{i:06d}" if i < 1_000_000 else f"{2026 + i // 1_000_000}-{i % 1_000_000:06d}")
         for i in range(1, cases + 1)))
    keys = {i: audit.case_key(1, n) for i, n in con.execute("SELECT id, number FROM application")}
    started = time.perf_counter()
    last, case_last, written = None, {}, 0

    def rows():
        nonlocal last, written
        for step in range(per_case):
            action, before, after = STEPS[step % len(STEPS)]
            for app_id in range(1, cases + 1):
                if written == events:
                    return
                at = START + timedelta(minutes=step * 30, microseconds=app_id)
                data = {"step": step, "note": "基准"} if action != "notify" else {"key": f"1/{app_id}:{step}"}
                fields = audit.content(application_id=app_id, case=keys[app_id], action=action, actor_id=None,
                                       actor_name="系统", at=at, from_status=before, to_status=after, data=data)
                prev_case = case_last.get(app_id)
                sha = audit.digest(fields, prev_case=prev_case, prev_log=last)
                yield (app_id, action, "系统", at.strftime("%Y-%m-%d %H:%M:%S.%f"), before, after,
                       json.dumps(data), sha, prev_case, last)
                last = case_last[app_id] = sha
                written += 1

    con.executemany("INSERT INTO event (application_id, action, actor_id, actor_name, at, from_status, to_status,"
                    " data, sha256, prev_case_sha256, prev_log_sha256) VALUES (?, ?, NULL, ?, ?, ?, ?, ?, ?, ?, ?)",
                    rows())
    con.execute("UPDATE audit_head SET events = ?, sha256 = ? WHERE id = 1", (written, last))
    con.commit()
    con.execute("ANALYZE")
    con.close()
    return time.perf_counter() - started


def _read_rows(engine) -> int:
    """The baseline: every event's columns, through the same types (aware times, parsed JSON), nothing else."""
    count = 0
    query = select(Event.id, Event.application_id, Event.action, Event.actor_id, Event.actor_name, Event.at,
                   Event.from_status, Event.to_status, Event.data, Event.sha256, Event.prev_case_sha256,
                   Event.prev_log_sha256).order_by(Event.id)
    with engine.connect() as c:
        for _ in c.execution_options(yield_per=20000).execute(query):
            count += 1
    return count


def _best(fn, runs: int = 2) -> tuple[float, object]:
    best, result = None, None
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        took = time.perf_counter() - started
        best = took if best is None else min(best, took)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--per-case", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        engine = make_engine(f"sqlite:///{path}")
        migrate(engine)
        generated = _fill(path, args.events, args.per_case)
        print(f"generated {args.events:,} chained events over {args.events // args.per_case:,} cases "
              f"in {generated:.1f} s ({args.events / generated:,.0f} events/s, hashing included)")
        baseline, count = _best(lambda: _read_rows(engine))
        assert count == args.events

        def run():
            with Session(engine) as s:
                return verify(s, var_dir=Path(tmp) / "var")

        took, report = _best(run)
        assert report.ok and report.events == args.events, report.lines()[:3]
        engine.dispose()
    print(f"read the rows (baseline): {baseline:.2f} s, {count / baseline:,.0f} events/s")
    print(f"audit verify:             {took:.2f} s, {count / took:,.0f} events/s, {took / baseline:.2f}× the baseline")


if __name__ == "__main__":
    main()
