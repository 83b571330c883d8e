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


if __name__ == "__main__":
    serve(run_trigger, limit=LIMIT)
