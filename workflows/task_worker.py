"""The task worker: a long-lived process that runs each human action's trigger (workflows.flows.run_trigger).

`gongkai up` starts it beside the served deployments; on a scaled-out installation run it on every worker machine
(`python -m workflows.task_worker`). Prefect pushes each deferred task run to one connected worker over a websocket,
so a run starts within milliseconds and in a process that has already imported Prefect, SQLModel and the notices
(≈5 s of a new process on this machine, per run, under serve() or a process work pool). docs/orchestration.md
has the measured comparison.
"""

import os

from prefect.task_worker import serve

from workflows.flows import run_trigger

LIMIT = int(os.environ.get("GONGKAI_TASK_WORKER_LIMIT", "4"))  # runs at once in this process (threads)


def start_prefect_services() -> tuple[object, object]:
    """Prefect's events worker and API-log worker, started once here before any run is taken.

    Prefect 3.8.8 starts each on first use while holding a lock that its global event loop also takes, and waits
    for that loop; two runs starting together in a fresh worker process (one emitting a state event on the loop, one
    logging from its thread) stopped the process for good (tests/e2e/test_burst.py: 2 of 40 runs received, none done).
    Started beforehand, later uses only find them."""
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    return EventsWorker.instance(), APILogWorker.instance()


if __name__ == "__main__":
    start_prefect_services()
    serve(run_trigger, limit=LIMIT)
