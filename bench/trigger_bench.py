"""Action → automatic steps done, through `gongkai up`'s real stack, beside the bare work (rendering the receipt).

    .venv/bin/python -m bench.trigger_bench [--cases 20] [--burst 40] [--clients 4] [--serve-runs 3]

Starts `gongkai up --demo` on free ports in a temporary folder (tests/e2e/stack.py), logs a clerk into the desk and:
1. registers `--cases` applications one after another: for each, whether the 接收回执 was on file when the
   registration page returned, and the time from that return to its trigger's run being done (CaseTrigger.done_at:
   receipt, notification queued and sent) → p50 / p95;
2. registers `--burst` applications from `--clients` desks at once → runs done per second, p95 under load;
3. the same steps as a flow run of the served `advance-case` deployment (serve(): a new Python process per run),
   `--serve-runs` times → the per-run cost the task worker removes;
4. the bare work in this process: rendering the receipt of those cases → ms each.
The target (issue 14, one machine): p95 ≤ 1 s.
"""

import argparse
import statistics
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path

from sqlmodel import select

from models.tables import SHANGHAI, Application, Document
from models.triggers import CaseTrigger
from tests.e2e.stack import launch_up, ready
from tests.e2e.walk import REGISTRATION, Browser, shanghai_today

WAIT = 120.0


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def register(clerk: Browser, stack) -> tuple[str, float, bool]:
    """One registration at the desk: its number, the wall time it returned, and whether the receipt was on file."""
    today = shanghai_today()
    r = clerk.submit("/register", "/register", REGISTRATION | {"arrived_on": today, "receipt_date": today})
    returned = datetime.now(SHANGHAI)
    number = r.headers["location"].rsplit("/", 1)[-1]
    with stack.session() as s:
        app = s.exec(select(Application).where(Application.number == number)).one()
        receipt = s.exec(select(Document.id).where(Document.application_id == app.id,
                                                   Document.kind == "receipt")).first() is not None
    return number, returned.timestamp(), receipt


def done_times(stack, numbers: list[str]) -> dict[str, float]:
    """Wait (bounded) until every case's trigger is done; number → done_at (epoch seconds)."""
    deadline = time.monotonic() + WAIT
    while True:
        with stack.session() as s:
            rows = s.exec(select(Application.number, CaseTrigger.done_at)
                          .join(CaseTrigger, CaseTrigger.application_id == Application.id)
                          .where(Application.number.in_(numbers))).all()
        done = {n: d.timestamp() for n, d in rows if d is not None}
        if len(done) == len(numbers) or time.monotonic() > deadline:
            return done
        time.sleep(0.05)


def undone(stack, numbers: list[str]) -> str:
    """What became of the triggers not done in time: delivered or not, attempts, the last error."""
    with stack.session() as s:
        rows = s.exec(select(Application.number, CaseTrigger.delivered_at, CaseTrigger.attempts, CaseTrigger.last_error)
                      .join(CaseTrigger, CaseTrigger.application_id == Application.id)
                      .where(Application.number.in_(numbers))).all()
    return "\n".join(f"  not done: {n} delivered {d is not None} attempts {a} {e[:160]}" for n, d, a, e in rows)


def through_serve(stack, numbers: list[str]) -> list[float]:
    """The same case's steps as a flow run of the served deployment: creation → Completed, seconds."""
    from prefect.client.orchestration import SyncPrefectClient

    seconds = []
    with SyncPrefectClient(stack.prefect_api()) as client, stack.session() as s:
        deployment = client.read_deployment_by_name("advance-case/advance-case")
        for number in numbers:
            app = s.exec(select(Application).where(Application.number == number)).one()
            start = time.monotonic()
            run = client.create_flow_run_from_deployment(
                deployment.id, name=f"{number} · 核查", parameters={"agency_id": app.agency_id, "number": number})
            while not (state := client.read_flow_run(run.id).state).is_final() and time.monotonic() - start < WAIT:
                time.sleep(0.1)
            seconds.append(time.monotonic() - start if state.is_completed() else float("nan"))
    return seconds


def bare_receipts(stack, numbers: list[str]) -> list[float]:
    from notices import from_case
    from notices.render import DocumentKind, render_pdf

    seconds = []
    with stack.session() as s:
        for number in numbers:
            app = s.exec(select(Application).where(Application.number == number)).one()
            start = time.perf_counter()
            render_pdf(DocumentKind.receipt, from_case.receipt(s, app))
            seconds.append(time.perf_counter() - start)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=20)
    parser.add_argument("--burst", type=int, default=40)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--serve-runs", type=int, default=3)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="gongkai-trigger-bench-"))
    stack = ready(launch_up("bench", root))
    try:
        clerk = Browser(stack, "clerk")
        register(clerk, stack)  # warm the desk and the task worker
        time.sleep(2)
        returned, on_file = {}, 0
        for _ in range(args.cases):
            number, at, receipt = register(clerk, stack)
            returned[number] = at
            on_file += receipt
            done_times(stack, [number])  # one after another: each alone on the machine
        done = done_times(stack, list(returned))
        single = [max(0.0, done[n] - returned[n]) for n in returned if n in done]

        burst_returned: dict[str, float] = {}
        lock = threading.Lock()

        def desk(count: int) -> None:
            me = Browser(stack, "clerk")
            for _ in range(count):
                number, at, _receipt = register(me, stack)
                with lock:
                    burst_returned[number] = at
            me.close()

        start = datetime.now(SHANGHAI).timestamp()
        share = [args.burst // args.clients + (i < args.burst % args.clients) for i in range(args.clients)]
        threads = [threading.Thread(target=desk, args=(n,)) for n in share]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        burst_done = done_times(stack, list(burst_returned))
        under_load = [max(0.0, burst_done[n] - burst_returned[n]) for n in burst_returned if n in burst_done]
        span = max(burst_done.values()) - start if burst_done else float("nan")

        if len(burst_done) < len(burst_returned):
            print(undone(stack, [n for n in burst_returned if n not in burst_done]))
            print(stack.output(30000))
        served = through_serve(stack, list(returned)[: args.serve_runs])
        bare = bare_receipts(stack, list(returned))
        clerk.close()
    finally:
        stack.stop()

    print(f"gongkai up on this machine, {args.cases} registrations one at a time, then {args.burst} from "
          f"{args.clients} desks at once")
    print(f"  receipt on file when the registration page returned: {on_file}/{args.cases}")
    print(f"  action → automatic steps done (task worker), one at a time: p50 {pct(single, .5):.2f} s, "
          f"p95 {pct(single, .95):.2f} s ({len(single)}/{args.cases} done)")
    print(f"  the same under a burst: p50 {pct(under_load, .5):.2f} s, p95 {pct(under_load, .95):.2f} s, "
          f"throughput {len(burst_done) / span:.2f} cases/s ({len(burst_done)}/{args.burst} done in {span:.1f} s)")
    if served:
        print(f"  the same steps as a served deployment run (serve(), a process per run): "
              f"median {statistics.median(served):.2f} s, max {max(served):.2f} s ({len(served)} runs)")
    print(f"  bare work, rendering the receipt in this process: median {statistics.median(bare) * 1000:.1f} ms, "
          f"p95 {pct(bare, .95) * 1000:.1f} ms")
    print(f"  ratio p95 / bare receipt: {pct(single, .95) / statistics.median(bare):.0f}×; target p95 ≤ 1 s: "
          f"{'met' if pct(single, .95) <= 1 else 'missed'}")


if __name__ == "__main__":
    main()
