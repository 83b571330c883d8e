"""Each case's global concurrency limit (one advance-case run per case at a time): a second run of the case waits
for the first; the process keeps nothing per case once a run is over; the limit is removed when the case is
finished: by its last run, and by the morning sweep for any left behind; an open case's limit stays."""

import threading
import time
from datetime import date

from prefect import get_client
from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate
from sqlmodel import Session

from models.enums import Status
from models.queries import application_of
from models.identity import CaseRef
from tests import factories as F
from workflows import flows

WED = date(2026, 3, 4)


def threads_left_by(first, rest) -> list[str]:
    """The threads still alive after `rest()` that were not there after `first()` (which starts the client's own)."""
    first()
    before = {t.ident for t in threading.enumerate()}
    rest()
    return [t.name for t in threading.enumerate() if t.ident not in before]


def limit_names() -> set[str]:
    with get_client(sync_client=True) as client:
        return {gcl.name for gcl in client.read_global_concurrency_limits(limit=200)}


def test_a_finished_cases_limit_goes_with_its_last_run_and_the_sweep_takes_any_left_behind(prefect_harness, app_db,
                                                                                           calendar):
    with Session(app_db, expire_on_commit=False) as s:
        done, still = F.register_case(s, calendar), F.register_case(s, calendar)
        F.advance(s, calendar, done, Status.delivered, day=WED)
        done, still = F.case(s, done), F.case(s, still)
    flows.advance_case(still.agency_id, still.number, now=F.at(WED))
    flows.advance_case(done.agency_id, done.number, now=F.at(WED))  # archives it: its last run
    with Session(app_db) as s:
        assert application_of(s, done).status == Status.archived
    assert flows.case_limit(still) in limit_names() and flows.case_limit(done) not in limit_names()

    with get_client(sync_client=True) as client:  # left behind: a run killed between archiving and removing it
        client.create_global_concurrency_limit(GlobalConcurrencyLimitCreate(name=flows.case_limit(done), limit=1))
    assert flows.remove_stale_case_limits() == 1
    assert flows.case_limit(still) in limit_names() and flows.case_limit(done) not in limit_names()


def test_a_second_run_of_a_case_waits_until_the_first_gives_its_slot_back(prefect_harness):
    case = CaseRef(7, "2026-000301")
    held, release, order = threading.Event(), threading.Event(), []

    def first():
        with flows.one_run_per_case(case):
            order.append("first in")
            held.set()
            release.wait(30)
            order.append("first out")

    def second():
        held.wait(30)
        with flows.one_run_per_case(case):
            order.append("second in")

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    held.wait(30)
    time.sleep(1.5)  # the second run asks meanwhile and is told to wait
    assert order == ["first in"]
    release.set()
    for t in threads:
        t.join(60)
    assert order == ["first in", "first out", "second in"]


def test_a_run_gives_up_waiting_for_a_slot_that_is_not_freed(prefect_harness):
    """Behind a slot that stays taken (its holder hung), a run fails after its bound instead of holding a task
    worker's thread for good; its trigger stays open for a later reconcile."""
    import pytest

    case = CaseRef(7, "2026-000302")
    held, release = threading.Event(), threading.Event()

    def holder():
        with flows.one_run_per_case(case):
            held.set()
            release.wait(60)

    thread = threading.Thread(target=holder)
    thread.start()
    try:
        assert held.wait(30)
        started = time.monotonic()
        with get_client(sync_client=True) as client, pytest.raises(TimeoutError, match="2026-000302"):
            flows._take_slot(client, flows.case_limit(case), wait_seconds=2)
        assert time.monotonic() - started < 10  # the server's Retry-After (up to 30 s) is cut to the bound
    finally:
        release.set()
        thread.join(60)


def test_runs_of_many_cases_leave_no_thread_behind_in_the_process(prefect_harness):
    """Prefect's `concurrency()` kept a service thread per limit name, i.e. per case, for the life of the task worker
    (and could deadlock starting one); one_run_per_case leaves nothing once a run is over."""
    def run(i: int) -> None:
        with flows.one_run_per_case(CaseRef(7, f"2026-0004{i:02d}")):
            pass

    assert threads_left_by(lambda: run(0), lambda: [run(i) for i in range(1, 13)]) == []


def test_the_runs_of_many_cases_start_no_slot_service_for_their_tasks(prefect_harness, app_db, calendar):
    """A case's flow run is tagged with the case; its task runs are not: Prefect's task engine starts a queue service
    (a thread, kept) per distinct set of task tags, which with the case's tag was one per case."""
    from prefect import tags

    with Session(app_db, expire_on_commit=False) as s:
        cases = [F.case(s, F.register_case(s, calendar, WED)) for _ in range(4)]
    def run(case) -> None:
        with tags("gongkai", f"case:{case.key}"):  # as run_trigger and the sweep call it
            flows.advance_case(case.agency_id, case.number)

    assert threads_left_by(lambda: run(cases[0]), lambda: [run(c) for c in cases[1:]]) == []
