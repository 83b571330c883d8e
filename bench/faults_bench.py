"""Faults under load: kill -9 a worker, Prefect's server, or the database connections while cases are walked.

    .venv/bin/python -m bench.faults_bench --admin-url "$(scripts/test-postgres)" [--cases 8] [--drivers 4]
                                           [--every 20] [--recover 120] [--seed 1] [--bare]

    --every 0 --bare --cases 60 --drivers 6     throughput: no faults, the whole lifecycle in cases/s, beside the
                                                bare work (the same load with every step inline, no Prefect)

Starts the installation exactly as docs/scale-out.md describes it (scripts/scale-out-demo: PostgreSQL, the server
behind its auth string, two workers restarted when they die, the deployments of prefect.yaml with the reconcile's
triggers on stranded runs), an SMS gateway that records every message it receives, and --drivers processes that
each walk their share of --cases from registration to archive with the `gongkai` CLI (bench/scaleout.py: each
action once the previous one's automatic steps are done, as a person would). Every --every seconds (randomly
jittered) it injects one fault, chosen at random:
  worker     kill -9 one worker, a task worker or a process worker (its runs in flight are orphaned; the
             supervisor restarts it)
  server     kill -9 Prefect's server (restarted by its supervisor after 1 s)
  app-db     pg_terminate_backend on every connection to Gongkai's database
  prefect-db pg_terminate_backend on every connection to Prefect's database
When the drivers are done it stops injecting and waits, at most --recover seconds, until every case has all its
steps, then prints: cases, faults injected, lost, duplicated (documents, notifications — in the database and at
the gateway — and archive packages), the longest wait of an action for its automatic steps, and the time from
the last fault until every case was complete, and the load's rate (cases from registration to archive per
second) with the p50 and p95 of an action's wait for its automatic steps. Exit 1 unless lost and duplicated are 0
within --recover.
"""

import argparse
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlmodel import Session

from bench.timing import p95

ROOT = Path(__file__).resolve().parents[1]
AUTH = "gongkai:faults-bench"
FAULTS = ("worker", "server", "app-db", "prefect-db")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Gateway:
    """An SMS gateway on 127.0.0.1 that answers 200 and counts every key it receives (re-sends included)."""

    def __init__(self):
        self.received: Counter = Counter()
        received = self.received

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                received[json.loads(body)["key"]] += 1
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/sms"


def terminate_connections(admin_url: str, database: str) -> int:
    e = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with e.connect() as c:
            return len(c.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                      "WHERE datname = :db AND pid <> pg_backend_pid()"), {"db": database}).all())
    finally:
        e.dispose()


def inject(kind: str, *, run: Path, admin_url: str, prefix: str, rng: random.Random) -> str:
    if kind in ("worker", "server"):
        # a worker: a task worker (each action's run) or a process worker (the reconcile and the schedules)
        name = f"{rng.choice(('task-worker', 'worker'))}-{rng.randint(1, 2)}" if kind == "worker" else "server"
        pid = int((run / f"{name}.pid").read_text())
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            return f"{name} (pid {pid}) already gone"
        return f"kill -9 {name} (pid {pid})"
    database = f"{prefix}app" if kind == "app-db" else f"{prefix}prefect"
    return f"terminated {terminate_connections(admin_url, database)} connections to {database}"


def drive(first: int, count: int) -> None:
    """One driver process: register `count` cases, walk them, print their numbers and waits as JSON."""
    from bench import scaleout

    cli = scaleout.Cli()
    numbers = []
    for i in range(first, first + count):
        for attempt in range(30):  # the database connection was just cut under it: again (a refusal is raised)
            try:
                numbers.append(cli.register(i))
                break
            except RuntimeError as exc:
                print(f"register {i}: {str(exc).splitlines()[0]}, again", file=sys.stderr)
                time.sleep(1)
    print(json.dumps({"numbers": numbers, "waits": [], "conflicts": []}), flush=True)  # if the walk dies, they count
    waits = scaleout.walk(cli, numbers, first=first, retry=True)
    print(json.dumps({"numbers": numbers, "waits": waits, "conflicts": cli.conflicts}), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--admin-url", default=os.environ.get("GONGKAI_TEST_PG_URL"))
    parser.add_argument("--cases", type=int, default=8)
    parser.add_argument("--drivers", type=int, default=4)
    parser.add_argument("--every", type=float, default=20.0, help="seconds between faults (±50 %%); 0: no faults")
    parser.add_argument("--bare", action="store_true",
                        help="first the same load with every step inline in the drivers: the bare work, no Prefect")
    parser.add_argument("--worker-limit", type=int, default=2, help="runs at once per worker (scripts/scale-out-demo)")
    parser.add_argument("--recover", type=float, default=120.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--run-dir", type=Path)
    parser.add_argument("--drive", nargs=2, type=int, metavar=("FIRST", "COUNT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.drive:
        return drive(*args.drive)
    if not args.admin_url:
        sys.exit("--admin-url (or GONGKAI_TEST_PG_URL): a PostgreSQL role that may create databases")

    import tempfile

    run = (args.run_dir or Path(tempfile.mkdtemp(prefix="gongkai-faults-"))).resolve()
    prefix, port, gateway = f"faults_{os.getpid()}_", free_port(), Gateway()
    admin = make_url(args.admin_url)
    app_url = admin.set(database=f"{prefix}app").render_as_string(hide_password=False)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "GONGKAI_"))}
    env.update(GONGKAI_PYTHON=sys.executable, PREFECT_SERVER_API_AUTH_STRING=AUTH, GONGKAI_SMS_URL=gateway.url,
               GONGKAI_VAR_DIR=str(run / "var"))
    script = subprocess.Popen([str(ROOT / "scripts" / "scale-out-demo"), "--admin-url", args.admin_url,
                               "--db-prefix", prefix, "--prefect-port", str(port), "--workers", "2",
                               "--worker-limit", str(args.worker_limit), "--demo",
                               "--drop", "--run-dir", str(run)], env=env, cwd=ROOT,
                              stdout=_log(run / "script.log"), stderr=subprocess.STDOUT)
    try:
        _bench(args, run=run, prefix=prefix, port=port, gateway=gateway, app_url=app_url, env=env, script=script)
    finally:
        script.send_signal(signal.SIGTERM)  # its trap stops every process it started and drops its databases
        try:
            script.wait(timeout=60)
        except subprocess.TimeoutExpired:
            script.kill()


def _last_json(out: str) -> dict:
    lines = [line for line in out.splitlines() if line.startswith("{")]
    return json.loads(lines[-1]) if lines else {"numbers": [], "waits": [], "conflicts": []}


def _log(path: Path):
    path.parent.mkdir(parents=True, exist_ok=True)
    return path.open("w")


def _bench(args, *, run, prefix, port, gateway, app_url, env, script) -> None:
    from bench import scaleout

    deadline = time.monotonic() + 600
    while not (run / "ready").exists():
        if script.poll() is not None or time.monotonic() > deadline:
            sys.exit(f"scripts/scale-out-demo did not get ready:\n{(run / 'script.log').read_text()}")
        time.sleep(1)
    env.update(PREFECT_API_URL=f"http://127.0.0.1:{port}/api", PREFECT_API_AUTH_STRING=AUTH,
               GONGKAI_DATABASE_URL=app_url, GONGKAI_HOME=str(ROOT))
    os.environ.update({k: env[k] for k in ("PREFECT_API_URL", "PREFECT_API_AUTH_STRING", "GONGKAI_DATABASE_URL",
                                            "GONGKAI_VAR_DIR", "GONGKAI_SMS_URL")})
    bare = None
    if args.bare:  # the same load with the steps run inline in the drivers: the work itself, without Prefect
        bare = _load(args, run=run, prefix=prefix, env={**env, "GONGKAI_ENGINE": "inline"}, first=0, faults=False)
    load = _load(args, run=run, prefix=prefix, env=env, first=args.cases if args.bare else 0, faults=args.every > 0)
    engine = create_engine(app_url)
    with Session(engine) as s:  # every case in the database: a registration done again after an error counts too
        numbers = list(s.exec(text("SELECT number FROM application ORDER BY id")).scalars())
    engine.dispose()
    registered_twice = len(numbers) - len(load.numbers) - (len(bare.numbers) if bare else 0)
    last_fault = load.injected[-1][0] if load.injected else load.seconds
    var_dir = Path(env["GONGKAI_VAR_DIR"])
    engine = create_engine(app_url)
    while True:
        with Session(engine) as s:
            t = scaleout.tally(s, numbers, var_dir=var_dir, gateway=gateway.received)
        since = time.monotonic() - load.start - last_fault
        if t.ok or since > args.recover:
            break
        time.sleep(2)
    engine.dispose()
    states = scaleout.runs_by_state()
    kinds = Counter(kind for _, kind, _ in load.injected)
    worst = max(load.waits) if load.waits else 0.0
    print(f"load: {len(load.numbers)} cases by {args.drivers} drivers, registration → archive through Prefect, in "
          f"{load.seconds:.0f} s: {load.rate:.2f} cases/s; action → automatic steps done {load.percentiles}")
    if bare:
        print(f"the bare work, same run: the same load with every step inline in the drivers (no Prefect), "
              f"{len(bare.numbers)} cases in {bare.seconds:.0f} s: {bare.rate:.2f} cases/s; "
              f"through Prefect / bare: {load.rate / bare.rate:.2f}×")
    print(f"advance-case runs {dict(states)}; reconcile runs {dict(scaleout.runs_by_state('reconcile'))}; "
          f"runs per worker {scaleout.spread(run)}")
    print(f"faults injected: {len(load.injected)} ({', '.join(f'{k} {v}' for k, v in sorted(kinds.items()))})")
    print(f"longest wait of an action for its automatic steps: {worst:.0f} s; every case complete "
          f"{since:.0f} s after the last fault" if t.ok else f"NOT complete {since:.0f} s after the last fault")
    print(f"SMS gateway: {sum(gateway.received.values())} messages, {len(gateway.received)} keys")
    print(f"cases registered again after an error that followed the registration's commit: {registered_twice}")
    conflicts = load.conflicts + (bare.conflicts if bare else [])
    failed_drivers = load.failed + (bare.failed if bare else 0)
    print(f"drivers failed: {failed_drivers}; actions refused as a write conflict and done again: {len(conflicts)} "
          f"{Counter(conflicts) if conflicts else ''}")
    print(t.line())
    for problem in t.problems:
        print("  " + problem)
    sys.exit(0 if t.ok and worst <= args.recover and not failed_drivers else 1)


@dataclass
class Load:
    """What the drivers of one load did: their cases, each action's wait for its steps, and the faults meanwhile."""

    start: float
    seconds: float
    numbers: list[str]
    waits: list[float]
    conflicts: list[str]
    failed: int
    injected: list[tuple[float, str, str]]

    @property
    def rate(self) -> float:
        return len(self.numbers) / self.seconds

    @property
    def percentiles(self) -> str:
        finite = [w for w in self.waits if w != float("inf")]
        if not finite:
            return "never"
        return f"p50 {statistics.median(finite):.2f} s, p95 {p95(finite):.2f} s ({len(finite)} actions)"


def _load(args, *, run, prefix, env, first: int, faults: bool) -> Load:
    """--cases walked from registration to archive by --drivers processes; with `faults`, one injected every
    --every seconds (±50 %) until the drivers are done."""
    rng = random.Random(args.seed)
    share = [args.cases // args.drivers + (i < args.cases % args.drivers) for i in range(args.drivers)]
    firsts = [first + sum(share[:i]) for i in range(args.drivers)]
    start = time.monotonic()
    tag = "bare-" if env.get("GONGKAI_ENGINE") == "inline" else ""
    drivers = [subprocess.Popen([sys.executable, "-m", "bench.faults_bench", "--drive", str(f), str(n)], env=env,
                                cwd=ROOT, stdout=subprocess.PIPE, stderr=(run / f"{tag}driver-{i}.log").open("w"),
                                text=True)
               for i, (f, n) in enumerate(zip(firsts, share)) if n]
    injected: list[tuple[float, str, str]] = []
    while any(d.poll() is None for d in drivers):
        until = time.monotonic() + (args.every * rng.uniform(0.5, 1.5) if faults else 0.5)
        while time.monotonic() < until and any(d.poll() is None for d in drivers):
            time.sleep(0.2)
        if faults and any(d.poll() is None for d in drivers):
            kind = rng.choice(FAULTS)
            what = inject(kind, run=run, admin_url=args.admin_url, prefix=prefix, rng=rng)
            injected.append((time.monotonic() - start, kind, what))
            print(f"[{injected[-1][0]:6.1f} s] fault: {what}", flush=True)
    seconds = time.monotonic() - start
    results = [_last_json(d.stdout.read()) for d in drivers]
    return Load(start=start, seconds=seconds, numbers=[n for r in results for n in r["numbers"]],
                waits=[w for r in results for w in r["waits"]], conflicts=[c for r in results for c in r["conflicts"]],
                failed=sum(d.returncode != 0 for d in drivers), injected=injected)


if __name__ == "__main__":
    main()
