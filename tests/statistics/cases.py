"""Legacy case sets for the statistics tests, imported the way real history arrives (models.transfer)."""

import json
from datetime import date, datetime
from itertools import count

from models.admin import add_agency
from models.demo import DEMO_AGENCY, seed_demo
from models.tables import SHANGHAI
from models.transfer import import_jsonl

_numbers = count(1)


def case(*, received: date, row: str | None = None, closed: date | None = None, kind: str = "natural_person",
         agency: str = DEMO_AGENCY, name: str | None = None, agent: str | None = None,
         challenges: list[dict] | None = None) -> dict:
    """One legacy application: concluded (row + closed date) or still open (neither)."""
    n = next(_numbers)
    return {
        "agency": agency, "number": f"{received.year}-{n:06d}",
        "applicant": {"kind": kind, "name": name or f"申请人{n}"}, "agent_name": agent,
        "channel": "in_person", "receipt_date": received.isoformat(), "request_text": "请公开相关政府信息",
        "status": "closed" if row else "registered", "outcome": row,
        "closed_date": closed.isoformat() if closed else None, "challenges": challenges or [],
    }


def import_cases(session, calendar, cases: list[dict], *, today: date = date(2026, 6, 1)) -> int:
    """Seed the demo agency (and any sub-unit named in the cases) and import the cases in one file."""
    seed_demo(session)
    return import_jsonl(session, [json.dumps(c, ensure_ascii=False) for c in cases],
                        now=datetime(today.year, today.month, today.day, 9, tzinfo=SHANGHAI), calendar=calendar)


def add_subunit(session, name: str, parent: str = DEMO_AGENCY) -> None:
    seed_demo(session)
    add_agency(session, name=name, parent=parent)


HEDONG_2021_ROWS = {"r1_disclosed": 48, "r2_partial": 3, "r3_4_third_party": 1, "r4_1_not_held": 22, "r6_3_other": 5}


def hedong_2021() -> list[dict]:
    """79 applications of natural persons received and concluded in 2021, in the published rows."""
    cases, day = [], date(2021, 1, 4)
    for row, n in HEDONG_2021_ROWS.items():
        for i in range(n):
            received = date(2021, 1 + (len(cases) % 11), 1 + i % 20)
            cases.append(case(received=received, row=row, closed=date(received.year, received.month, 25)))
    return cases
