"""Import of 100k JSON lines next to raw executemany of the same rows into the same tables (target ≤ 3×).

Run: .venv/bin/python -m bench.import_bench [N]
"""

import json
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert
from sqlmodel import Session

from calendars import load_calendar
from models.db import make_engine, migrate
from models.demo import DEMO_AGENCY, seed_demo
from models.tables import SHANGHAI, Applicant, Application, Event, LegalChallenge
from models.transfer import import_jsonl

NOW = datetime(2026, 11, 21, 10, tzinfo=SHANGHAI)
ROWS = ["r1_disclosed", "r2_partial", "r4_1_not_held", "r6_3_other"]


def lines(n: int) -> list[str]:
    out = []
    for i in range(n):
        received = date(2024, 1, 1) + timedelta(days=i % 700)
        out.append(json.dumps({
            "agency": DEMO_AGENCY, "number": f"{2024 + i // 999999}-{i % 999999 + 1:06d}",
            "applicant": {"kind": "natural_person", "name": f"申请人{i % 5000}", "phone": f"138{i % 5000:08d}"},
            "channel": "online", "receipt_date": received.isoformat(), "request_text": f"请公开第{i}号文件",
            "status": "closed", "outcome": ROWS[i % 4], "closed_date": (received + timedelta(days=20)).isoformat(),
            "challenges": [{"kind": "reconsideration", "filed_date": (received + timedelta(days=40)).isoformat(),
                            "outcome": "pending"}] if i % 50 == 0 else [],
        }, ensure_ascii=False))
    return out


def fresh(folder: Path, name: str):
    engine = make_engine(f"sqlite:///{folder / name}")
    migrate(engine)
    with Session(engine) as session:
        seed_demo(session)
    return engine


def raw_executemany(engine, records: list[dict]) -> float:
    """The floor: the same rows, already parsed, bulk-inserted with no checks."""
    start = time.perf_counter()
    with engine.begin() as conn:
        people = {}
        for r in records:
            people.setdefault((r["applicant"]["name"], r["applicant"]["phone"]), r["applicant"])
        conn.execute(insert(Applicant), [dict(p, kind="natural_person") for p in people.values()])
        ids = {k: i for i, k in enumerate(people, 1)}
        conn.execute(insert(Application), [{
            "agency_id": 1, "number": r["number"], "year": int(r["receipt_date"][:4]), "query_code": "ABCDEFGH",
            "applicant_id": ids[(r["applicant"]["name"], r["applicant"]["phone"])], "channel": r["channel"],
            "arrived_on": date.fromisoformat(r["receipt_date"]), "receipt_date": date.fromisoformat(r["receipt_date"]),
            "request_text": r["request_text"], "status": "archived", "outcome": "art36_2_disclosed",
            "closed_on": date.fromisoformat(r["closed_date"]), "created_at": NOW, "version": 1,
        } for r in records])
        conn.execute(insert(Event), [{"application_id": i, "action": "import", "actor_name": "导入", "at": NOW,
                                      "data": {}} for i in range(1, len(records) + 1)])
        conn.execute(insert(LegalChallenge), [{"application_id": i + 1, "kind": "reconsideration",
                                               "filed_on": date.fromisoformat(c["filed_date"]), "result": "pending"}
                                              for i, r in enumerate(records) for c in r["challenges"]])
    return time.perf_counter() - start


def main(n: int = 100_000) -> None:
    text = lines(n)
    calendar = load_calendar()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        records = [json.loads(x) for x in text]
        raw = raw_executemany(fresh(folder, "raw.db"), records)
        engine = fresh(folder, "import.db")
        start = time.perf_counter()
        with Session(engine) as session:
            count = import_jsonl(session, text, now=NOW, calendar=calendar)
        ours = time.perf_counter() - start
    print(f"lines: {count}")
    print(f"raw executemany (parsed rows, no checks): {raw:.2f} s")
    print(f"gongkai import (parse, validate, insert):  {ours:.2f} s")
    print(f"ratio: {ours / raw:.2f}x (target <= 3x)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
