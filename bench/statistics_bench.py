"""Table 三 for 1M applications on SQLite, next to a bare GROUP BY over the same table in the same run.

    .venv/bin/python -m bench.statistics_bench [--applications N]

Rows are bulk-inserted with executemany (not the ORM) into a freshly migrated database; the figures
are the best of three runs of each query. Target: table 三 ≤ 3× the bare GROUP BY and under 3 s.
"""

import argparse
import random
import sqlite3
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import text
from sqlmodel import Session

from models.db import make_engine, migrate
from models.outcomes import ApplicantKind, Outcome
from models.statistics import count_table3, period
from models.statistics.scope import Scope

YEAR = 2025
BARE = "SELECT outcome, COUNT(*) FROM application WHERE agency_id = :agency GROUP BY outcome"


def _fill(path: Path, applications: int, seed: int = 20251231) -> None:
    """Agencies, applicants and applications spread over three years, ~5 % still open."""
    rnd = random.Random(seed)
    kinds = [k.value for k in ApplicantKind]
    outcomes = [o.value for o in Outcome]
    applicants = max(1, applications // 4)
    con = sqlite3.connect(path)
    con.execute("INSERT INTO agency (id, name, disclosure_office, address, phone, reconsideration_body, court,"
                " doc_number_prefix, seal_text, retention_years, supplement_days, repeat_window_days,"
                " outcome_precedence, litigation_prone_keywords) VALUES (1, '基准区人民政府', '', '', '', '', '', '',"
                " '', 30, 15, 365, '', '')")
    con.executemany("INSERT INTO applicant (id, kind, name, id_type, phone, email, address)"
                    " VALUES (?, ?, ?, 'none', '', '', '')",
                    ((i, kinds[0] if rnd.random() < 0.8 else rnd.choice(kinds), f"申请人{i}")
                     for i in range(1, applicants + 1)))
    first = date(YEAR - 1, 1, 1).toordinal()

    def rows():
        for i in range(1, applications + 1):
            received = date.fromordinal(first + rnd.randrange(3 * 365))
            open_ = rnd.random() < 0.05
            closed = None if open_ else (received + timedelta(days=rnd.randrange(1, 60))).isoformat()
            yield (i, f"{received.year}-{i:08d}", received.year, rnd.randrange(1, applicants + 1),
                   received.isoformat(), received.isoformat(), "registered" if open_ else "archived",
                   None if open_ else rnd.choice(outcomes), closed)

    con.executemany(
        "INSERT INTO application (id, agency_id, number, year, query_code, applicant_id, channel, arrived_on,"
        " receipt_date, receipt_evidence, transcribed_by_clerk, applicant_confirmed, needs_assistance,"
        " request_text, requested_form, delivery_method, electronic_delivery_consent, litigation_prone,"
        " possible_repeat_of, monthly_count, status, due_provisional, calendar_fingerprint, outcome, closed_on,"
        " created_at, version) VALUES (?, 1, ?, ?, 'q', ?, 'online', ?, ?, '', 0, 0, 0, '申请', 'paper', 'post',"
        " 0, 0, '', 1, ?, 0, '', ?, ?, '2025-01-01 00:00:00', 1)", rows())
    con.commit()
    con.execute("ANALYZE")
    con.close()


def _best(fn, runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--applications", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        engine = make_engine(f"sqlite:///{path}")
        migrate(engine)
        started = time.perf_counter()
        _fill(path, args.applications)
        print(f"bulk insert of {args.applications:,} applications: {time.perf_counter() - started:.1f} s")
        scope, when = Scope((1,)), period(YEAR, today=date(YEAR + 1, 3, 1))
        with Session(engine) as session:
            bare = _best(lambda: session.execute(text(BARE), {"agency": 1}).all())
            table3 = _best(lambda: count_table3(session, scope, when))
            counted = count_table3(session, scope, when).table3
        engine.dispose()
    print(f"bare GROUP BY outcome:        {bare:.3f} s")
    print(f"table 三 ({YEAR}, one query):  {table3:.3f} s")
    print(f"ratio: {table3 / bare:.2f}×  (target ≤ 3× and < 3 s: {'met' if table3 <= 3 * bare and table3 < 3 else 'MISSED'})")
    print(f"check: new {counted['new_received'][-1]:,}, concluded {counted['r7_total'][-1]:,}, "
          f"carried forward {counted['carried_forward'][-1]:,}")


if __name__ == "__main__":
    main()
