"""Batch intake: one batch_intake flow run registering and routing 1,000 requests vs 1,000 bare action pairs.

    .venv/bin/python bench/intake_bench.py [N]
Target (issue 6): ≤ 10 s for 1,000 on SQLite. Prints both figures and the ratio (same run, same machine).
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
    batch_a, batch_b = rows(n, 0), rows(n, n)

    t = time.perf_counter()
    intake.register_and_route(batch_a, clerk="clerk", now=now)
    bare = time.perf_counter() - t

    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
    from prefect.testing.utilities import prefect_test_harness
    from workflows.flows import batch_intake

    with prefect_test_harness(server_startup_timeout=60), temporary_settings({PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        t = time.perf_counter()
        source = intake.write_rows(workdir / "batch.jsonl", batch_b)
        registered = batch_intake(source=str(source), clerk="clerk", now=now)
        flow = time.perf_counter() - t
    assert registered == n
    print(f"{n} × register+route, bare domain actions : {bare:6.2f} s ({bare / n * 1000:.2f} ms each)")
    print(f"{n} × register+route, one batch_intake run : {flow:6.2f} s ({flow / n * 1000:.2f} ms each)")
    print(f"ratio flow / bare: {flow / bare:.2f}   target ≤ 10 s: {'OK' if flow <= 10 else 'MISSED'}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
