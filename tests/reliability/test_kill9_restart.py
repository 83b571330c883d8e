"""Restart: 50 cases at different gates, the engine SIGKILLed mid-run, started again — nothing lost or doubled."""

import collections
import json
import os
import signal
import subprocess
import sys
import time
from datetime import date

import pytest
from sqlmodel import func, select

from models.enums import Status
from models.outbox import OutboxMessage
from models.queries import application_by_number
from models.tables import Application, Document, Event
from tests import factories as F
from workflows import engine as E
from workflows.flows import reconcile

MON, WED = date(2026, 3, 2), date(2026, 3, 4)
GATES = [Status.registered, Status.routed, Status.drafting, Status.legal_review, Status.delivered]


def place(session, calendar, number, gate):
    """Human steps only (no automation) up to `gate`."""
    for reached, step in F._steps(session, calendar, number, WED):
        if application_by_number(session, number).status == gate:
            return
        step()


PATH = [Status.registered, Status.routed, Status.drafting, Status.legal_review, Status.approved, Status.issued,
        Status.dispatched, Status.delivered]


def finish(session, calendar, number):
    """The remaining human steps, each followed by its (inline) run; the last run archives."""
    session.expire_all()
    status = Status(application_by_number(session, number).status)
    if status == Status.archived:
        return
    steps = list(F._steps(session, calendar, number, WED))[PATH.index(status):PATH.index(Status.delivered)]
    for _, step in steps:
        step()
        E.advance(F.case(session, number), now=F.at(WED, 11))
    E.advance(F.case(session, number), now=F.at(WED, 12))


@pytest.mark.slow
def test_sigkill_mid_run_then_restart_finishes_all_fifty(prefect_harness, app_db, session, calendar, tmp_path):
    numbers = []
    for i in range(50):
        number = F.register_case(session, calendar, MON, applicant=F.applicant_in(name=f"申请人{i}", id_number=None,
                                                                                    id_type="none"))
        place(session, calendar, number, GATES[i % len(GATES)])
        numbers.append(number)

    from prefect.settings import PREFECT_API_URL

    env = {**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value(), "PYTHONPATH": os.getcwd()}
    engine_proc = subprocess.Popen([sys.executable, "-m", "tests.workflows.engine_process"], env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # kill it once it is visibly mid-way
        if session.exec(select(func.count()).select_from(Document)).one() >= 15:
            break
        time.sleep(0.05)
    os.killpg(engine_proc.pid, signal.SIGKILL)
    engine_proc.wait()
    done_before = session.exec(select(func.count()).select_from(Document)).one()
    assert 15 <= done_before, "the engine should have been killed mid-way"

    reconcile(now=F.at(WED, 11))  # start again: the reconcile run catches up
    for number in numbers:
        finish(session, calendar, number)

    session.expire_all()
    statuses = collections.Counter(s for s in session.exec(select(Application.status)))
    assert statuses == {Status.archived: 50}
    keys = list(session.exec(select(OutboxMessage.key)))
    assert len(keys) == len(set(keys))
    events = [(e.application_id, e.action, json.dumps(e.data, sort_keys=True)) for e in session.exec(select(Event))]
    doubled = [e for e, n in collections.Counter(events).items() if n > 1]
    assert doubled == []
    receipts = collections.Counter(d.application_id for d in session.exec(select(Document).where(Document.kind == "receipt")))
    assert set(receipts.values()) == {1} and len(receipts) == 50
    documents = session.exec(select(func.count()).select_from(Document)).one()
    print(f"\nkill -9: cases {len(numbers)}, engine SIGKILLed after {done_before} documents, faults injected 1; "
          f"archived {statuses[Status.archived]}, documents {documents}, notifications {len(keys)}, events {len(events)}; "
          f"lost: 0, duplicated: {len(doubled)}")
