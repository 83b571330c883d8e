"""Scale-out check: demo cases from registration to archive on a running installation, through its workers.

    scripts/scale-out-demo --cases 4 …          (starts the installation, then runs this)
    .venv/bin/python -m bench.scaleout --cases 4 --run-dir RUN --workers 2

Reads the installation from the environment scripts/scale-out-demo exports (GONGKAI_DATABASE_URL, PREFECT_API_URL,
PREFECT_API_AUTH_STRING …). Each case is walked as its users walk it with the `gongkai` CLI (in this process: the
same commands, the same trigger), one action after the other once the previous action's automatic steps are done
(a person takes longer than a run). Then it prints, and exits 1 unless all hold:
  complete      every case archived, with exactly its documents (receipt, routing slip, reply, 送达回证), its
                notifications (one per key) and one verified archive package
  runs          every advance-case run Completed, none Crashed/Failed/Pending
  spread        each task worker (its log under RUN) ran at least one action's steps
  Prefect DB    the growth of Prefect's own database per flow run (pg_database_size before and after)
"""

import argparse
import json
import os
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import httpx
from sqlalchemy import text
from sqlmodel import Session, select

AGENCY = "示范区人民政府"
DEPARTMENT = "区自然资源局"
EXPECTED_DOCUMENTS = ("receipt", "routing", "reply", "delivery")  # the happy path by post, one of each
EXPECTED_NOTICES = ("receipt", "assignment", "drafting", "legal_review", "approved", "issued")  # kinds, one per key
FINAL = {"Completed", "Failed", "Crashed", "Cancelled"}  # state names of runs that have ended
CONFLICT = "数据与已有记录冲突"  # models' IntegrityError message: nothing was saved
STEP_SECONDS = 150  # the longest one action's automatic steps may take (under faults: until recovered)
RECEIVED = re.compile(r"Received task run: ([0-9a-f-]{36})")  # a task worker took an action's trigger
SUBMITTED = re.compile(r"Worker '[^']+' submitting flow run '([0-9a-f-]{36})'")
ABORTED = re.compile(r"Aborted submission of flow run '([0-9a-f-]{36})'")  # another worker took it first


def _today() -> str:
    from models.tables import SHANGHAI

    return datetime.now(SHANGHAI).date().isoformat()


def steps(number: str, i: int) -> list[tuple[str, ...]]:
    """The happy path after registration, as CLI arguments (who acts is -u)."""
    return [
        ("route", number, "--department", DEPARTMENT, "-u", "clerk"),
        ("accept", number, "-u", "dept_ziran"),
        ("opinion", number, "--text", "该信息由我局制作，可以公开。", "-u", "dept_ziran"),
        ("submit", number, "--outcome", "art36_2_disclosed", "--body", "所申请信息见附件。", "-u", "clerk"),
        ("review-approve", number, "-u", "counsel"),
        ("issue", number, "-u", "head"),
        ("dispatch", number, "--tracking", f"EMS{i:07d}", "-u", "clerk"),
        ("delivered", number, "--on", _today(), "--proof", "邮件签收记录", "-u", "clerk"),
    ]


class Cli:
    """`gongkai …` in this process (typer's runner): the CLI's own code and trigger, without a process per command."""

    def __init__(self):
        from typer.testing import CliRunner

        from interfaces.cli.main import register

        self.app, self.runner = register(), CliRunner()
        self.lines: list[str] = []  # what the commands printed (the trigger's line among them)
        self.conflicts: list[str] = []  # commands refused because another writer collided (and done again)

    def __call__(self, *args: str, retry: bool = False) -> str:
        """Run one command; with `retry`, a command cut off by an infrastructure error (a database connection
        terminated under it) is run again, and a refusal of that second attempt means the first one committed."""
        for attempt in range(30 if retry else 1):
            result = self.runner.invoke(self.app, list(args))
            if result.exit_code == 0:
                self.lines += result.output.splitlines()
                return result.output
            refused = isinstance(result.exception, SystemExit)  # a Chinese refusal, not a traceback
            if refused and CONFLICT in result.output:  # two writers collided, nothing was saved: as a person would, again
                self.conflicts.append(" ".join(args[:2]))
                print(f"gongkai {' '.join(args)}: {result.output.strip()}, again", file=sys.stderr)
                time.sleep(0.5)
                continue
            if not retry or (refused and attempt == 0):
                break
            if refused:
                print(f"gongkai {' '.join(args)}: refused on attempt {attempt + 1} (the first one committed)",
                      file=sys.stderr)
                return result.output
            print(f"gongkai {' '.join(args)}: {type(result.exception).__name__}, again", file=sys.stderr)
            time.sleep(1)
        raise RuntimeError(f"gongkai {' '.join(args)} → {result.exit_code}\n{result.output}{result.exception or ''}")

    def register(self, i: int) -> str:
        out = self("register", "--agency", AGENCY, "--name", "张三", "--id-type", "resident_id",
                   "--id-number", "11010519491231002X", "--phone", "13800138000", "--channel", "in_person",
                   "--text", f"请公开本区2025年第{i}号建设项目的规划许可文件", "--json", "-u", "clerk")
        return json.loads(out.splitlines()[0])["number"]


def engine():
    from models.db import default_engine

    return default_engine()


def settled(number: str) -> bool:
    """Every trigger of the case done (the run's own word, a cheap query: four drivers ask five times a second),
    then no automatic step due (what the next person would find)."""
    from models.identity import CaseRef
    from models.queries import application_by_number
    from models.triggers import open_for
    from workflows.engine import has_work

    with Session(engine()) as s:
        app = application_by_number(s, number)
        return not open_for(s, app.id) and not has_work(s, CaseRef.of(app))


def wait_settled(number: str, seconds: float = STEP_SECONDS) -> float:
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        try:
            if settled(number):
                return time.monotonic() - start
        except Exception:  # the database connection may be down (fault injection): ask again
            pass
        time.sleep(0.2)
    return float("inf")


def walk(cli: Cli, numbers: list[str], *, first: int = 0, pace: bool = True, retry: bool = False) -> list[float]:
    """Every case one step further at a time (cases interleaved), waiting for each step's automatic steps."""
    waits: list[float] = []
    for number in numbers:
        waits.append(wait_settled(number) if pace else 0.0)
    plans = [steps(n, first + i) for i, n in enumerate(numbers)]
    for stage in range(len(plans[0])):
        for number, plan in zip(numbers, plans):
            cli(*plan[stage], retry=retry)
        if pace:
            waits += [wait_settled(n) for n in numbers]
    return waits


# --- what the cases hold afterwards ----------------------------------------------------------------------------


@dataclass
class Tally:
    """Each case's steps, counted where they are kept: lost (missing) and duplicated."""

    cases: int = 0
    complete: int = 0
    lost: Counter = field(default_factory=Counter)  # 'documents', 'notifications', 'archive' → cases missing one
    duplicated: Counter = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.complete == self.cases and not self.lost and not self.duplicated

    def line(self) -> str:
        def total(c: Counter) -> str:
            return f"{sum(c.values())}" + (f" ({', '.join(f'{k} {v}' for k, v in sorted(c.items()))})" if c else "")
        return f"cases: {self.cases}  complete: {self.complete}  lost: {total(self.lost)}  duplicated: {total(self.duplicated)}"


def tally(s: Session, numbers: list[str], *, var_dir: Path, gateway: Counter | None = None) -> Tally:
    """Count, per case, its documents by kind, its notifications by key, its archive packages and folders.

    `gateway`: how often the SMS gateway received each key (a re-send of a key counts as a duplicate)."""
    from models.archive import ArchivePackage, verify_package
    from models.enums import Status
    from models.outbox import OutboxMessage
    from models.queries import application_by_number
    from models.tables import Document, Event

    t = Tally(cases=len(numbers))
    for number in numbers:
        app = application_by_number(s, number)
        docs = Counter(s.exec(select(Document.kind).where(Document.application_id == app.id)))
        keys = Counter(s.exec(select(OutboxMessage.key).where(OutboxMessage.application_id == app.id)))
        kinds = set(s.exec(select(OutboxMessage.kind).where(OutboxMessage.application_id == app.id)))
        unsent = s.exec(select(OutboxMessage.key).where(OutboxMessage.application_id == app.id,
                                                        OutboxMessage.sent_at.is_(None))).all()
        notified = Counter(e.data.get("key") for e in s.exec(select(Event).where(Event.application_id == app.id,
                                                                                 Event.action == "notify")))
        packages = s.exec(select(ArchivePackage).where(ArchivePackage.application_id == app.id)).all()
        folders = list((var_dir / "archive" / str(app.agency_id)).glob(f"{number}*"))
        missing = []
        if Status(app.status) != Status.archived:
            missing.append(f"status {app.status}")
        if lacking := [k for k in EXPECTED_DOCUMENTS if docs[k] < 1]:
            t.lost["documents"] += 1
            missing.append(f"documents {lacking}")
        if lacking := [k for k in EXPECTED_NOTICES if k not in kinds] + list(unsent):
            t.lost["notifications"] += 1
            missing.append(f"notifications {lacking}")
        if not packages or verify_package(packages[0].location, packages[0].manifest_sha256, var_dir=var_dir):
            t.lost["archive packages"] += 1
            missing.append("archive package")
        if extra := {k: n for k, n in docs.items() if n > 1}:
            t.duplicated["documents"] += sum(n - 1 for n in extra.values())
            missing.append(f"duplicated documents {extra}")
        repeated = sum(n - 1 for n in keys.values() if n > 1) + sum(n - 1 for k, n in notified.items() if n > 1)
        if gateway is not None:
            repeated += sum(gateway[k] - 1 for k in keys if gateway[k] > 1)
        if repeated:
            t.duplicated["notifications"] += repeated
            missing.append(f"{repeated} notifications sent twice")
        if len(packages) > 1 or len(folders) > 1:
            t.duplicated["archive packages"] += max(len(packages), len(folders)) - 1
            missing.append(f"{len(packages)} packages, {len(folders)} folders")
        if missing:
            t.problems.append(f"{number}: " + "; ".join(missing))
        else:
            t.complete += 1
    return t


# --- Prefect: runs, workers, its database -----------------------------------------------------------------------


def prefect(path: str, body: dict | None = None) -> httpx.Response:
    api = os.environ["PREFECT_API_URL"].rstrip("/")
    auth = os.environ.get("PREFECT_API_AUTH_STRING")
    headers = {}
    if auth:
        import base64

        headers["Authorization"] = "Basic " + base64.b64encode(auth.encode()).decode()
    return httpx.post(f"{api}{path}", json=body or {}, headers=headers, timeout=30)


def unauthenticated_status() -> int:
    """What the API answers a request without the auth string (401 once the server has one)."""
    api = os.environ["PREFECT_API_URL"].rstrip("/")
    return httpx.post(f"{api}/flows/filter", json={}, timeout=30).status_code


def runs_by_state(deployment: str = "advance-case") -> Counter:
    """The advance-case flow runs by state name (Prefect's API, paged)."""
    flows = prefect("/flows/filter", {"flows": {"name": {"any_": [deployment]}}}).json()
    if not flows:
        return Counter()
    states: Counter = Counter()
    offset = 0
    while True:
        page = prefect("/flow_runs/filter", {"flows": {"id": {"any_": [flows[0]["id"]]}},
                                             "limit": 200, "offset": offset}).json()
        states.update(r["state_name"] for r in page)
        if len(page) < 200:
            return states
        offset += 200


def wait_runs_final(seconds: float = 60) -> Counter:
    """Until every advance-case run has ended (Scheduled, Submitting, Pending, Running … have not; bounded)."""
    deadline = time.monotonic() + seconds
    while True:
        states = runs_by_state()
        if set(states) <= FINAL or time.monotonic() > deadline:
            return states
        time.sleep(1)


def spread(run_dir: Path) -> dict[str, int]:
    """How many runs each worker started, from the workers' logs: the task workers' triggers (each action's steps)
    and the process workers' deployment runs (reconcile, sweep, intake; a submission another worker won is not)."""
    by_worker: dict[str, int] = {}
    for log in sorted(run_dir.glob("task-worker-*.log")):
        received = set(RECEIVED.findall(log.read_text("utf-8", errors="replace")))
        if received:
            by_worker[log.stem] = len(received)
    for log in sorted(run_dir.glob("worker-*.log")):
        lines = log.read_text("utf-8", errors="replace")
        started = set(SUBMITTED.findall(lines)) - set(ABORTED.findall(lines))
        if started:
            by_worker[log.stem] = len(started)
    return by_worker


def prefect_db_bytes(url: str | None) -> int | None:
    """Size of Prefect's own database (PostgreSQL; `url` as the server has it)."""
    if not url or not url.startswith("postgresql"):
        return None
    from sqlalchemy import create_engine

    e = create_engine(url.replace("+asyncpg", "+psycopg"))
    try:
        with e.connect() as c:
            return c.execute(text("SELECT pg_database_size(current_database())")).scalar()
    finally:
        e.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=4)
    parser.add_argument("--run-dir", type=Path, required=True)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--prefect-db", help="Prefect's database URL, to measure its growth per run")
    args = parser.parse_args()

    from models.settings import Settings

    var_dir = Settings.load().var_dir
    cli = Cli()
    size_before = prefect_db_bytes(args.prefect_db)
    start = time.monotonic()
    numbers = [cli.register(i) for i in range(args.cases)]
    waits = walk(cli, numbers)
    walked = time.monotonic() - start
    states = wait_runs_final()
    with Session(engine()) as s:
        t = tally(s, numbers, var_dir=var_dir)
    size_after = prefect_db_bytes(args.prefect_db)
    by_worker = spread(args.run_dir)
    runs = sum(states.values())
    finite = sorted(w for w in waits if w != float("inf"))
    print(f"scale-out: {args.cases} cases registration → archive in {walked:.1f} s, {runs} advance-case runs "
          f"({dict(states)}); action → automatic steps done p50 {finite[len(finite) // 2]:.1f} s, "
          f"max {finite[-1]:.1f} s" if finite else "no step settled")
    print(f"runs per worker: {by_worker}")
    if size_before is not None and size_after is not None and runs:
        print(f"Prefect database: {size_before / 1e6:.1f} MB → {size_after / 1e6:.1f} MB, "
              f"{(size_after - size_before) / runs / 1e3:.0f} kB per flow run")
    refused = unauthenticated_status()
    print(f"Prefect API without the auth string: {refused}")
    print(t.line())
    for problem in t.problems:
        print("  " + problem)
    task_workers = [w for w in by_worker if w.startswith("task-worker-")]
    failed = refused != 401 or not t.ok or set(states) != {"Completed"} or len(task_workers) < min(args.workers, 2) or any(
        w == float("inf") for w in waits)
    print("scale-out check: " + ("FAILED" if failed else "ok"))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
