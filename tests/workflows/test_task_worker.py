"""The task worker starts Prefect's events and API-log workers before it takes a run (workflows.task_worker)."""

from prefect.events.worker import EventsWorker
from prefect.logging.handlers import APILogWorker

from workflows.task_worker import start_prefect_services


def test_the_services_a_run_uses_are_started_once_before_any_run_and_then_only_found(prefect_harness):
    events, logs = start_prefect_services()
    assert (events._started, logs._started) == (True, True)
    assert EventsWorker.instance() is events  # a run's first event or log line starts nothing
    assert APILogWorker.instance() is logs
