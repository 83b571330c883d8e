"""Benchmark: province scale on PostgreSQL (300 agencies, 10M applications, 1M open), SQLite beside it.

    python -m bench.province_bench [--scale 1.0] [--sqlite-scale 0.1] [--pg-url URL] [--runs 20] [--reuse]

--scale 1 is the full province: 300 agencies and 10,000,000 applications of which 1,000,000 are open
(the agencies scale with it, at least 3). The data are made inside the database (generate_series on
PostgreSQL, a recursive CTE on SQLite) with the indexes and foreign keys dropped, then put back, VACUUM
ANALYZE. SQLite has as many agencies and --sqlite-scale of the applications (default: the smaller of --scale
and 0.1, i.e. 1M applications, 100k open), what one file loads in minutes here; the output states both sizes.

Timed in the same run, on each database:
  agency dashboard     models.dashboard.supervisor_dashboard for one agency        target p95 < 200 ms
  province dashboard   models.province.province_dashboard over every agency         target p95 < 1 s
  agency table 三      models.statistics.count_table3 for one agency, year 2025    target p95 < 1 s
  province table 三    models.province.province_table3, year 2025                  target p95 < 10 s
each beside "bare": the very SQL statements that call sends (captured from the engine), replayed on a raw
DBAPI cursor, rows fetched and nothing computed; the floor the domain code is compared with.

PostgreSQL: --pg-url, else GONGKAI_BENCH_PG_URL, else GONGKAI_TEST_PG_URL (scripts/test-postgres prints one);
the bench creates (and with --drop, drops) its own database on that server. --skip-sqlite / --skip-pg.
"""

import argparse
import os
import statistics
import tempfile
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url
from sqlmodel import Session

from calendars import load_calendar
from models import dashboard as D
from models import province as P
from models.db import make_engine, migrate
from models.outcomes import ApplicantKind, Outcome
from models.statistics import count_table3, period
from models.statistics.scope import Scope
from bench.timing import p95, timed

TODAY = date(2026, 6, 15)
YEAR = 2025  # the last complete year: the table an annual report publishes
FULL_AGENCIES, FULL_APPLICATIONS = 300, 10_000_000
DEPARTMENTS = 5  # per agency
OPEN_EVERY = 10  # one application in ten is open
OPEN_STATUSES = ("registered", "routed", "coordinating", "drafting", "legal_review", "returned_for_revision",
                 "approved", "consulting", "awaiting_supplement")
CLOSED_STATUSES = ("archived", "archived", "delivered", "withdrawn")
TARGETS_MS = {"agency dashboard": 200, "province dashboard": 1000, "agency table 三": 1000, "province table 三": 10000}
BENCH_DATABASE = "gongkai_province_bench"
# The server settings the figures assume (printed with them): JIT compiles the big GROUP BYs for seconds on a
# busy machine and gains nothing on queries of this length; table 三's hash of 2M applicants wants work_mem.
PG_SETTINGS = ("jit = off", "work_mem = '64MB'")
TABLES = ("application", "assignment")  # loaded with their indexes and foreign keys dropped


@dataclass(frozen=True)
class Size:
    agencies: int
    applications: int

    @classmethod
    def of(cls, scale: float) -> "Size":
        return cls(max(3, round(FULL_AGENCIES * min(scale, 1.0))), max(300, round(FULL_APPLICATIONS * scale)))

    def __str__(self) -> str:
        return f"{self.agencies} agencies, {self.applications:,} applications ({self.applications // OPEN_EVERY:,} open)"


# --- loading -------------------------------------------------------------------------------------------------


class Dialect:
    """The few spellings that differ: the row series, a day as an offset from TODAY, a year, a timestamp."""

    def __init__(self, name: str):
        self.pg = name == "postgresql"

    def series(self, n: int, select: str) -> str:
        if self.pg:
            return f"{select} FROM generate_series(1, {n}) AS s(i)"
        return f"WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {n}) {select} FROM s"

    def days_ago(self, expr: str) -> str:
        if self.pg:
            return f"(DATE '{TODAY}' - CAST(({expr}) AS integer))"
        return f"date('{TODAY}', printf('%+d days', -({expr})))"

    def plus(self, day: str, days: str) -> str:
        return f"({day} + CAST(({days}) AS integer))" if self.pg else f"date({day}, printf('%+d days', {days}))"

    def year(self, day: str) -> str:
        return f"CAST(extract(year from {day}) AS integer)" if self.pg else f"CAST(strftime('%Y', {day}) AS INTEGER)"

    @property
    def created_at(self) -> str:
        return "TIMESTAMPTZ '2026-01-01 00:00:00+00'" if self.pg else "'2026-01-01 00:00:00.000000'"


def _pick(values, index: str) -> str:
    return "CASE " + index + " " + " ".join(f"WHEN {i} THEN '{v}'" for i, v in enumerate(values)) + " END"


def _applicant_kind(applicant_id: str) -> str:
    """The kind the applicants INSERT of load() gives applicant `applicant_id`."""
    kinds = [k.value for k in ApplicantKind]
    return f"CASE WHEN {applicant_id} % 5 = 0 THEN {_pick(kinds, f'({applicant_id} / 5) % 6')} ELSE 'natural_person' END"


def _application_sql(d: Dialect, size: Size) -> str:
    """10 % open (received in the last 40 days, nine open statuses), the rest closed over six and a half years."""
    outcomes = [o.value for o in Outcome]
    features = (
        "SELECT i, h, (i / {a}) % {oe} = 0 AS is_open, 1 + h % {p} AS applicant, "
        "CASE WHEN (i / {a}) % {oe} = 0 THEN h % 40 ELSE 40 + h % 2370 END AS received_ago FROM "
        "(SELECT i, (i * 2654435761) % 4294967296 AS h FROM s) AS hashed"
    ).format(oe=OPEN_EVERY, a=size.agencies, p=max(1, size.applications // 5))  # i % agencies is the agency: open
    # is read from i / agencies; the applicant's kind is copied as the triggers (off while loading) would
    received = d.days_ago("received_ago")
    select = (
        f"INSERT INTO application (id, agency_id, number, year, query_code, applicant_id, applicant_kind, channel, arrived_on,"
        f" receipt_date, receipt_evidence, transcribed_by_clerk, applicant_confirmed, needs_assistance, request_text,"
        f" requested_form, delivery_method, electronic_delivery_consent, litigation_prone, possible_repeat_of,"
        f" monthly_count, status, status_since, due_date, due_provisional, calendar_fingerprint, outcome, closed_on,"
        f" created_at, version) "
        f"SELECT i, 1 + i % {size.agencies}, 'P-' || i, {d.year(received)}, 'ABCDEFGH',"
        f" applicant, {_applicant_kind('applicant')}, 'online', {received}, {received}, '', false, true, false,"
        f" '请公开某地块征收补偿方案', 'paper', 'post', false, false, '', 1,"
        f" CASE WHEN is_open THEN {_pick(OPEN_STATUSES, f'(h / 40) % {len(OPEN_STATUSES)}')}"
        f" ELSE {_pick(CLOSED_STATUSES, f'(h / 40) % {len(CLOSED_STATUSES)}')} END,"
        f" {d.days_ago('CASE WHEN is_open THEN received_ago - (h / 360) % (received_ago + 1) ELSE received_ago - 5 - (h / 2370) % 30 END')},"
        f" {d.days_ago('received_ago - 28')}, false, '',"
        f" CASE WHEN is_open THEN NULL ELSE {_pick(outcomes, f'(h / 71100) % {len(outcomes)}')} END,"
        f" CASE WHEN is_open THEN NULL ELSE {d.days_ago('received_ago - 5 - (h / 2370) % 30')} END,"
        f" {d.created_at}, 1 FROM ({features}) AS f"
    )
    if d.pg:  # the series is generated in the inner query
        return select.replace("FROM s) AS hashed", f"FROM generate_series(1, {size.applications}) AS s(i)) AS hashed")
    return f"WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {size.applications}) {select}"


def _assignment_sql(d: Dialect, size: Size) -> str:
    """The open routed cases have a routed assignment; one closed case in three was answered by a department.

    Which one, and which department, is read from id / agencies: id % agencies is the agency already."""
    turn = f"(id / {size.agencies})"
    return (
        "INSERT INTO assignment (application_id, department_id, routed_on, due_date, due_set_by_leader, status,"
        " return_reason, opinion, answered_on) "
        f"SELECT id, (agency_id - 1) * {DEPARTMENTS} + 1 + ({turn} / 3) % {DEPARTMENTS}, {d.plus('receipt_date', '1')},"
        f" {d.plus('receipt_date', '8')}, false, CASE WHEN closed_on IS NULL THEN 'routed' ELSE 'answered' END, '', '',"
        f" CASE WHEN closed_on IS NULL THEN NULL ELSE {d.plus('receipt_date', f'2 + ({turn} / 15) % 4')} END "
        f"FROM application WHERE status = 'routed' OR (closed_on IS NOT NULL AND {turn} % 3 = 0)"
    )


def _drop_secondary(conn, d: Dialect) -> list[str]:
    """Drop the indexes and triggers (on PostgreSQL: switch the triggers off, drop the foreign keys and unique
    constraints too) of TABLES; return the DDL that puts them back."""
    if not d.pg:  # SQLite cannot switch triggers off: they are dropped and made again, like the indexes
        ddl = [sql for (sql,) in conn.execute(text(
            "SELECT sql FROM sqlite_master WHERE type IN ('index', 'trigger') AND sql IS NOT NULL"
            " AND tbl_name IN ('application', 'assignment')"))]
        for name, in conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'"
                                       " AND tbl_name IN ('application', 'assignment')")).all():
            conn.execute(text(f"DROP TRIGGER {name}"))
        for name, in conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
                                       " AND tbl_name IN ('application', 'assignment')")).all():
            conn.execute(text(f"DROP INDEX {name}"))
        return ddl
    conn.execute(text("ALTER TABLE application DISABLE TRIGGER USER"))  # the maintained counts: recounted after
    ddl = ["ALTER TABLE application ENABLE TRIGGER USER"]
    constraints = conn.execute(text(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid::regclass::text IN ('application', 'assignment') AND contype IN ('f', 'u')")).all()
    indexes = conn.execute(text(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN ('application', 'assignment') "
        "AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE contype IN ('p', 'u'))")).all()
    for table, name, definition in constraints:
        conn.execute(text(f"ALTER TABLE {table} DROP CONSTRAINT {name}"))
        ddl.append(f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}")
    for name, definition in indexes:
        conn.execute(text(f"DROP INDEX {name}"))
        ddl.insert(0, definition)  # indexes first, then the constraints that use them
    return ddl


def load(engine, size: Size) -> float:
    """Migrate, then fill agencies, departments, applicants, applications and assignments; returns seconds."""
    started = time.perf_counter()
    migrate(engine)
    d = Dialect(engine.dialect.name)
    with engine.begin() as conn:
        if d.pg:
            conn.execute(text("SET LOCAL maintenance_work_mem = '512MB'"))
        ddl = _drop_secondary(conn, d)
        conn.execute(text(d.series(size.agencies, "INSERT INTO agency (id, name, disclosure_office, address, phone,"
                                   " reconsideration_body, court, doc_number_prefix, seal_text, seal_image,"
                                   " contact_person, status_url, fee_payee, fee_bank, fee_account, fee_payment_code,"
                                   " fee_payment_qr, fee_payment_place, retention_years, supplement_days,"
                                   " repeat_window_days, outcome_precedence, litigation_prone_keywords,"
                                   " office_reserve_days) SELECT i, '第' || i || '区人民政府', '', '', '', '', '',"
                                   " '', '', '', '', '', '', '', '', '', '', '', 30, 15, 365, '', '', 8")))
        conn.execute(text(d.series(size.agencies * DEPARTMENTS, "INSERT INTO department (id, agency_id, name, contact)"
                                   f" SELECT i, 1 + (i - 1) / {DEPARTMENTS}, '承办单位' || i, ''")))
        conn.execute(text(d.series(max(1, size.applications // 5), "INSERT INTO applicant (id, kind, name, id_type,"
                                   f" phone, email, address) SELECT i, {_applicant_kind('i')}, '申请人' || i, 'none',"
                                   " '', '', ''")))
        conn.execute(text(_application_sql(d, size)))
        conn.execute(text(_assignment_sql(d, size)))
        for statement in ddl:
            conn.execute(text(statement))
        P.recount_open_cases(conn)  # what the triggers, off while loading, would have counted
        if d.pg:
            for table in ("agency", "department", "applicant", "application", "assignment"):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE" if d.pg else "ANALYZE"))  # the visibility map: index-only scans
    return time.perf_counter() - started


# --- timing --------------------------------------------------------------------------------------------------


def captured(engine, call) -> list[tuple[str, object]]:
    """The statements (and parameters) one call sends to the database."""
    sent = []

    def record(conn, cursor, statement, parameters, context, executemany):
        sent.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        call()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return sent


def measure(engine, runs: int) -> list[tuple[str, list[float], list[float]]]:
    """Each figure's domain call and its bare SQL, interleaved in one run; returns (figure, domain ms, bare ms)."""
    calendar = load_calendar()
    cut = D.Cutoffs.on(TODAY, calendar=calendar)
    with Session(engine) as s:
        agencies = s.execute(text("SELECT count(*) FROM agency")).scalar_one()
    agency_id = (agencies + 1) // 2
    when = period(YEAR, today=TODAY)

    def session_call(fn):
        def call():
            with Session(engine) as s:
                fn(s)
        return call

    figures = {
        "agency dashboard": (session_call(lambda s: D.supervisor_dashboard(s, agency_id=agency_id, cutoffs=cut,
                                                                            calendar=calendar)), runs),
        "province dashboard": (session_call(lambda s: P.province_dashboard(s, cutoffs=cut, calendar=calendar)), runs),
        "agency table 三": (session_call(lambda s: count_table3(s, Scope((agency_id,)), when)), runs),
        "province table 三": (session_call(lambda s: P.province_table3(s, year=YEAR, today=TODAY)), max(3, runs // 4)),
    }
    raw = engine.raw_connection()
    results = []
    for name, (call, n) in figures.items():
        statements = captured(engine, call)  # also the warm-up

        def bare():
            cursor = raw.cursor()
            for statement, parameters in statements:
                cursor.execute(statement, parameters)
                cursor.fetchall()
            cursor.close()
            raw.rollback()

        bare()
        domain_ms, bare_ms = [], []
        for _ in range(n):
            domain_ms += timed(call, 1)
            bare_ms += timed(bare, 1)
        results.append((name, domain_ms, bare_ms))
    raw.close()
    return results


def report(label: str, size: Size, results) -> bool:
    print(f"\n{label}: {size}")
    print(f"  {'figure':20s} {'p50 ms':>9s} {'p95 ms':>9s} {'bare p50':>9s} {'bare p95':>9s} {'×bare':>6s} {'target':>8s}")
    ok = True
    for name, domain_ms, bare_ms in results:
        target = TARGETS_MS[name]
        met = p95(domain_ms) < target
        ok &= met
        print(f"  {name:20s} {statistics.median(domain_ms):9.1f} {p95(domain_ms):9.1f} {statistics.median(bare_ms):9.1f}"
              f" {p95(bare_ms):9.1f} {p95(domain_ms) / max(p95(bare_ms), 0.001):6.2f} {'<' + str(target):>8s}"
              f" {'met' if met else 'NOT met'}")
    return ok


def postgres_engine(url: str, *, fresh: bool, database: str = BENCH_DATABASE):
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        exists = c.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": database}).first()
        if fresh or not exists:
            c.execute(text(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)"))
            c.execute(text(f"CREATE DATABASE {database}"))
            for setting in PG_SETTINGS:
                c.execute(text(f"ALTER DATABASE {database} SET {setting}"))
    admin.dispose()
    return make_engine(make_url(url).set(database=database).render_as_string(hide_password=False)), not (fresh or not exists)


def drop_postgres(url: str, database: str) -> None:
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)"))
    admin.dispose()


def main(argv: list[str] | None = None) -> bool:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1 = 300 agencies, 10M applications, 1M open")
    parser.add_argument("--sqlite-scale", type=float, default=None, help="default: min(--scale, 0.1)")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--pg-url", default=os.environ.get("GONGKAI_BENCH_PG_URL") or os.environ.get("GONGKAI_TEST_PG_URL"))
    parser.add_argument("--pg-database", default=BENCH_DATABASE, help="the database the bench creates on that server")
    parser.add_argument("--sqlite-db", default=None, help="default: a temporary file, removed at the end")
    parser.add_argument("--reuse", action="store_true", help="time the databases a previous run loaded")
    parser.add_argument("--drop", action="store_true", help="drop the PostgreSQL bench database at the end")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--skip-pg", action="store_true")
    args = parser.parse_args(argv)
    ok = True
    if not args.skip_pg:
        if not args.pg_url:
            parser.error("no PostgreSQL: give --pg-url or GONGKAI_TEST_PG_URL (scripts/test-postgres prints one)")
        size = Size.of(args.scale)
        engine, reused = postgres_engine(args.pg_url, fresh=not args.reuse, database=args.pg_database)
        if reused:
            migrate(engine)  # a database loaded before the newest migrations (indexes) gets them
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE"))  # after a migration's UPDATE: the visibility map again
        else:
            print(f"PostgreSQL: loaded {size} in {load(engine, size):.1f} s", flush=True)
        with engine.connect() as c:
            shown = ", ".join(f"{name}={c.execute(text(f'SHOW {name}')).scalar_one()}" for name in ("jit", "work_mem"))
        ok &= report(f"PostgreSQL {engine.dialect.server_version_info[0]} ({shown})", size, measure(engine, args.runs))
        engine.dispose()
        if args.drop:
            drop_postgres(args.pg_url, args.pg_database)
    if not args.skip_sqlite:
        # as many agencies as the PostgreSQL run, fewer applications each
        size = Size(Size.of(args.scale).agencies,
                    Size.of(args.sqlite_scale if args.sqlite_scale is not None else min(args.scale, 0.1)).applications)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(args.sqlite_db or Path(tmp) / "province.db")
            if not (args.reuse and path.exists()):
                path.unlink(missing_ok=True)
                engine = make_engine(f"sqlite:///{path}")
                print(f"SQLite: loaded {size} in {load(engine, size):.1f} s", flush=True)
            else:
                engine = make_engine(f"sqlite:///{path}")
                migrate(engine)
            ok &= report("SQLite", size, measure(engine, args.runs))
            engine.dispose()
    print("\nall targets met" if ok else "\nsome targets NOT met")
    return ok


if __name__ == "__main__":
    main()
