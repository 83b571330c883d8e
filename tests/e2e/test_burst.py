"""A burst at the counter (issue 14): 24 registrations from four desks at once, with a reconcile run starting among
them, on `gongkai up` as it is started (the second stack: the first one's demo agency numbers its cases for
test_one_case and test_three_agencies). Every case's run gets done and its receipt is made once.

Before a case's slot and its task runs' tags stopped going through Prefect's per-name slot services, and before the
task worker started Prefect's events and log workers up front, such a burst could stop the task worker for good
(docs/orchestration.md: 14 of 40 runs done, the rest never)."""

import threading

import pytest
from prefect.client.orchestration import SyncPrefectClient
from sqlmodel import select

from models.demo import DEMO_AGENCY
from models.triggers import CaseTrigger
from tests.e2e.walk import REGISTRATION, Browser, case_row, documents, eventually, shanghai_today

pytestmark = pytest.mark.slow

DESKS, EACH = 4, 6
WITHIN_SECONDS = 180  # 40 registrations took 18 s on the idle machine (bench.trigger_bench); the suite shares the cores


def served(client, name: str):
    from prefect.exceptions import ObjectNotFound

    try:
        return client.read_deployment_by_name(name)
    except ObjectNotFound as exc:
        raise AssertionError(f"{name} not served yet") from exc


def test_registrations_from_four_desks_at_once_all_get_their_steps_with_a_reconcile_among_them(stack_b):
    numbers, failures, lock = [], [], threading.Lock()
    today = shanghai_today()

    def desk() -> None:
        clerk = Browser(stack_b, "clerk")
        try:
            for _ in range(EACH):
                r = clerk.submit("/register", "/register", REGISTRATION | {"arrived_on": today, "receipt_date": today})
                assert r.status_code == 303, r.text[:300]
                with lock:
                    numbers.append(r.headers["location"].rsplit("/", 1)[-1])
        except BaseException as exc:  # reported by the test's thread below
            failures.append(exc)
        finally:
            clerk.close()

    desks = [threading.Thread(target=desk) for _ in range(DESKS)]
    for t in desks:
        t.start()
    with SyncPrefectClient(stack_b.prefect_api()) as client:
        reconcile = eventually(lambda: served(client, "reconcile/reconcile"), "the served reconcile deployment",
                               stack_b, seconds=120)  # a stack just started may still be serving its deployments
        client.create_flow_run_from_deployment(reconcile.id)
    for t in desks:
        t.join(120)
    assert failures == []
    assert len(numbers) == DESKS * EACH
    apps = [case_row(stack_b, DEMO_AGENCY, n) for n in numbers]

    def every_run_done() -> None:
        with stack_b.session() as s:
            undone = s.exec(select(CaseTrigger.application_id).where(
                CaseTrigger.application_id.in_([a.id for a in apps]), CaseTrigger.done_at.is_(None))).all()
        assert undone == [], f"{len(undone)} of {len(apps)} cases' runs not done"

    eventually(every_run_done, "every registration's automatic steps", stack_b, seconds=WITHIN_SECONDS)
    assert {a.number: documents(stack_b, a.id).count("receipt") for a in apps} == {a.number: 1 for a in apps}
