"""Benchmark: the supervisor dashboard on SQLite with 100k open / 1M total applications.

    python bench/desk_bench.py [--total 1000000] [--open 100000] [--runs 30]

Bulk-loads a migrated SQLite file (executemany, not the ORM), then times in the same run:
  bare     the dashboard's SQL statements, executed directly on a sqlite3 connection (rows fetched, nothing
           computed from them)
  queries  models.dashboard.supervisor_dashboard (SQLAlchemy, the desk's code path, alert levels and working
           days computed from the rows)
  page     GET /dashboard through the web desk (session, queries, Jinja2 rendering)
  table3   GET /dashboard/table3, the live table 三 the page loads after it (htmx), for information
and prints p50/p95 and the ratio to bare. Target: queries p95 ≤ 2× bare and under 200 ms.
"""

import argparse
import random
import statistics
import time
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlmodel import Session, select

from calendars import load_calendar
from models import dashboard as D
from models.db import make_engine, migrate
from models.demo import DEMO_PASSWORD, seed_demo
from models.enums import Status
from models.passwords import hash_password
from models.tables import SHANGHAI, Agency
from bench.timing import p95, timed

TODAY = date(2026, 6, 15)
OPEN_STATUSES = [s.value for s in (Status.registered, Status.routed, Status.coordinating, Status.drafting,
                                   Status.legal_review, Status.returned_for_revision, Status.approved,
                                   Status.consulting, Status.awaiting_supplement)]


def _fill(conn, table: str, rows: list[dict]) -> None:
    columns = list(rows[0])
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    conn.executemany(sql, [tuple(r[c] for c in columns) for r in rows])


def load(path: Path, *, total: int, open_: int) -> None:
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    with Session(engine) as s:
        seed_demo(s, password_hash=hash_password(DEMO_PASSWORD))
    engine.dispose()
    import sqlite3

    conn = sqlite3.connect(path)
    agency_id, = conn.execute("SELECT id FROM agency").fetchone()
    departments = [r[0] for r in conn.execute("SELECT id FROM department")]
    clerk_id, = conn.execute("SELECT id FROM user_account WHERE username='clerk'").fetchone()
    rng = random.Random(7)
    _fill(conn, "applicant", [{"kind": "natural_person", "name": f"申请人{i}", "id_type": "none", "phone": "",
                               "email": "", "address": "示范区"} for i in range(20_000)])
    created = datetime(2026, 1, 1, tzinfo=SHANGHAI).astimezone(SHANGHAI).replace(tzinfo=None).isoformat(" ")
    batch, assignments, app_id = [], [], 0
    for i in range(total):
        app_id += 1
        is_open = i < open_
        received = TODAY - timedelta(days=rng.randint(0, 40) if is_open else rng.randint(41, 2000))
        status = rng.choice(OPEN_STATUSES) if is_open else rng.choice(["archived", "delivered", "withdrawn"])
        batch.append({"id": app_id, "agency_id": agency_id, "number": f"{received.year}-{i:07d}", "year": received.year,
                      "query_code": "ABCDEFGH", "applicant_id": rng.randint(1, 20_000), "channel": "in_person",
                      "arrived_on": received.isoformat(), "receipt_date": received.isoformat(), "receipt_evidence": "",
                      "transcribed_by_clerk": 0, "applicant_confirmed": 1, "needs_assistance": 0,
                      "request_text": "请公开某地块征收补偿方案", "requested_form": "paper", "delivery_method": "post",
                      "electronic_delivery_consent": 0, "litigation_prone": 0, "possible_repeat_of": "",
                      "monthly_count": 1, "status": status, "due_date": (received + timedelta(days=28)).isoformat(),
                      "status_since": (received + timedelta(days=rng.randint(0, 12))).isoformat(),
                      "due_provisional": 0, "calendar_fingerprint": "", "created_at": created, "version": 1,
                      "registered_by_id": clerk_id,
                      "closed_on": None if is_open else (received + timedelta(days=20)).isoformat()})
        if status == "routed" or (not is_open and rng.random() < 0.5):
            routed = received + timedelta(days=1)
            answered = None if is_open else routed + timedelta(days=rng.randint(1, 9))
            assignments.append({"application_id": app_id, "department_id": rng.choice(departments),
                                "routed_on": routed.isoformat(), "due_date": (routed + timedelta(days=7)).isoformat(),
                                "due_set_by_leader": 0, "status": "routed" if is_open else "answered",
                                "return_reason": "", "opinion": "", "answered_on": answered and answered.isoformat()})
        if len(batch) == 50_000:
            _fill(conn, "application", batch)
            batch = []
    if batch:
        _fill(conn, "application", batch)
    if assignments:
        _fill(conn, "assignment", assignments)
    conn.commit()
    conn.execute("ANALYZE")
    conn.close()


def bare_sql(path: Path, cut: D.Cutoffs, agency_id: int):
    """The statements the dashboard needs, as plain SQL text on sqlite3 (the floor to compare with)."""
    import sqlite3

    conn = sqlite3.connect(path)
    marks = ",".join("?" * len(D.OPEN))
    statements = [
        (f"SELECT status, due_date, count(*) FROM application WHERE agency_id = ? AND status IN ({marks}) "
         "AND due_date IS NOT NULL GROUP BY status, due_date", [agency_id, *D.OPEN]),
        ("SELECT d.name, a.due_date, count(*) FROM assignment a JOIN department d ON d.id = a.department_id "
         "WHERE d.agency_id = ? AND a.status IN ('routed','accepted') GROUP BY d.name, a.due_date", [agency_id]),
        ("SELECT id, name FROM department WHERE agency_id = ?", [agency_id]),
        ("SELECT answered_on, department_id, routed_on, count(*), sum(CASE WHEN answered_on <= due_date THEN 1 "
         "ELSE 0 END) FROM assignment WHERE status = 'answered' AND answered_on >= ? AND department_id IN "
         "(SELECT id FROM department WHERE agency_id = ?) GROUP BY answered_on, department_id, routed_on",
         [f"{cut.today.year}-01-01", agency_id]),
    ]
    earliest = [(f"SELECT {column}, id, number, status, due_date, status_since FROM application WHERE agency_id = ? "
                 f"AND status = ? AND {column} <= ? ORDER BY {column}, id LIMIT 50", [agency_id, status.value, day.isoformat()])
                for column, last in (("status_since", cut.risk), ("due_date", {Status(s): cut.t1 for s in D.OPEN}))
                for status, day in last.items()]

    def run():
        for sql, args in statements + earliest:
            conn.execute(sql, args).fetchall()

    return run


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--total", type=int, default=1_000_000)
    parser.add_argument("--open", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--db", default="var/bench/desk_bench.db")
    parser.add_argument("--reuse", action="store_true", help="time the file a previous run loaded (migrated first)")
    args = parser.parse_args()
    path = Path(args.db)
    path.parent.mkdir(parents=True, exist_ok=True)
    if args.reuse and path.exists():
        reused = make_engine(f"sqlite:///{path}")
        migrate(reused)  # a file loaded before the newest migrations
        reused.dispose()
    else:
        path.unlink(missing_ok=True)
        start = time.perf_counter()
        load(path, total=args.total, open_=args.open)
        print(f"loaded {args.total:,} applications ({args.open:,} open) in {time.perf_counter() - start:.1f} s")

    calendar = load_calendar()
    cut = D.Cutoffs.on(TODAY, calendar=calendar)
    engine = make_engine(f"sqlite:///{path}")
    with Session(engine) as s:
        agency_id = s.exec(select(Agency.id)).first()

    def queries():
        with Session(engine) as s:
            D.supervisor_dashboard(s, agency_id=agency_id, cutoffs=cut, calendar=calendar)

    from fastapi.testclient import TestClient

    from interfaces.web.app import create_app, settle_collector

    clock = lambda: datetime(TODAY.year, TODAY.month, TODAY.day, 10, tzinfo=SHANGHAI)  # noqa: E731
    client = TestClient(create_app(engine, calendar, clock, secret_key="bench"))
    settle_collector()  # what the desk does when uvicorn starts it (FastAPI lifespan)
    import re

    csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
    client.post("/login", data={"username": "supervisor", "password": DEMO_PASSWORD, "csrf_token": csrf})

    def page():
        assert client.get("/dashboard").status_code == 200

    def table3():
        assert client.get("/dashboard/table3", headers={"HX-Request": "true"}).status_code == 200

    calls = {"bare": (bare_sql(path, cut, agency_id), args.runs), "queries": (queries, args.runs),
             "page": (page, args.runs), "table3": (table3, max(5, args.runs // 3))}
    results = {name: timed(fn, runs, warm=True) for name, (fn, runs) in calls.items()}
    base = p95(results["bare"])
    for name, xs in results.items():
        print(f"{name:8s} p50 {statistics.median(xs):8.1f} ms   p95 {p95(xs):8.1f} ms   ×bare {p95(xs) / base:5.2f}")
    ok = p95(results["queries"]) <= 2 * base and p95(results["queries"]) < 200
    print("target (queries p95 ≤ 2× bare and < 200 ms):", "met" if ok else "NOT met")


if __name__ == "__main__":
    main()
