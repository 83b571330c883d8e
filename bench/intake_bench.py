"""Batch intake of 1,000 requests, each with its receipt, routing slip and notices: before and after, same run.

    .venv/bin/python -m bench.intake_bench [N]
1. before: the single-case path one case at a time (register, route, workflows.engine.advance), as the batch
   did until the chunked batch (one transaction per chunk, the PDFs in a pool of warmed processes);
2. after, in this process: workflows.intake.register_and_route;
3. after, as one batch_intake flow run (Prefect test harness).
Target (issue 14): ≤ 10 s for 1,000 on SQLite. Prints the load average beside the figures: the machine is shared.
"""

import os
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="gongkai-bench-prefect-"))
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")


def rows(n: int, start: int) -> list[dict]:
    from models.demo import DEMO_AGENCY
    from workflows.intake import item_to_dict
    from tests.factories import application_in, applicant_in

    day = date(2026, 3, 2)
    return [item_to_dict(application_in(day, agency=DEMO_AGENCY, request_text=f"请公开第{start + i}号批复文件及附件",
                                        applicant=applicant_in(name=f"申请人{start + i}", id_number=None,
                                                               id_type="none", phone=f"1380000{start + i:04d}")),
                         department="区自然资源局") for i in range(n)]


def one_by_one(rows_: list[dict], *, now) -> None:
    """The single-case path: each case registered, routed and advanced on its own (the batch before it was chunked)."""
    from models import actions as A
    from models.context import Ctx
    from models.identity import CaseRef
    from models.queries import user_by_username
    from models.registration import register
    from workflows import engine, intake

    calendar = engine.calendar()
    with engine.session() as s:
        ctx = Ctx(s, calendar, now, user_by_username(s, "clerk"))
        for row in rows_:
            case = CaseRef.of(register(ctx, intake.item_from_dict(row)).application)
            A.route(ctx, case.number, department=row["department"])
            engine.advance(case, now=now)


def main(n: int = 1000) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="gongkai-bench-"))
    os.environ["GONGKAI_DATABASE_URL"] = f"sqlite:///{workdir / 'gongkai.db'}"
    os.environ["GONGKAI_VAR_DIR"] = str(workdir / "var")
    from models.db import default_engine, migrate, session_scope
    from models.demo import seed_demo
    from tests.factories import at
    from workflows import intake

    migrate(default_engine())
    with session_scope() as s:
        seed_demo(s)
    now = at(date(2026, 3, 2))
    before_rows, batch_a, batch_b = rows(n, 2 * n), rows(n, 0), rows(n, n)
    intake.register_and_route(rows(2, 9000), clerk="clerk", now=now)  # starts and warms the renderers' pool
    loads = [os.getloadavg()[0]]

    t = time.perf_counter()
    one_by_one(before_rows, now=now)
    before = time.perf_counter() - t
    loads.append(os.getloadavg()[0])

    t = time.perf_counter()
    intake.register_and_route(batch_a, clerk="clerk", now=now)
    bare = time.perf_counter() - t
    loads.append(os.getloadavg()[0])

    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
    from prefect.testing.utilities import prefect_test_harness
    from workflows.flows import batch_intake

    with prefect_test_harness(server_startup_timeout=60), temporary_settings({PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        t = time.perf_counter()
        source = intake.write_rows(workdir / "batch.jsonl", batch_b)
        registered = batch_intake(source=str(source), clerk="clerk", now=now)
        flow = time.perf_counter() - t
    assert registered == n
    loads.append(os.getloadavg()[0])
    from notices.pool import available_cores

    print(f"{n} cases, each registered, routed, its receipt, routing slip and notices made; "
          f"{available_cores()} cores; load average (1 min) {' → '.join(f'{x:.1f}' for x in loads)}")
    print(f"  before, the single-case path one case at a time : {before:6.2f} s ({before / n * 1000:.2f} ms each)")
    print(f"  after, register_and_route in this process       : {bare:6.2f} s ({bare / n * 1000:.2f} ms each)")
    print(f"  after, one batch_intake flow run                : {flow:6.2f} s ({flow / n * 1000:.2f} ms each)")
    print(f"ratio after / before: {bare / before:.2f} (in process), {flow / before:.2f} (flow run)   "
          f"target ≤ 10 s: {'OK' if flow <= 10 else 'MISSED'}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
