"""After a human action: start the case's next run. Light to import — Prefect is loaded only to trigger.

With a Prefect API (PREFECT_API_URL, or a server answering on 127.0.0.1:4200 as `gongkai up` starts it)
the run is created on the `advance-case` deployment and this returns at once (timeout=0); the serving
process or a worker runs it. Without one, the same steps run inline (workflows.engine.advance).
"""

import os
import urllib.request

DEPLOYMENT = "advance-case/advance-case"
LOCAL_API = "http://127.0.0.1:4200/api"
# Actions after which nothing automatic can be due: no run, so a lifecycle stays within 8 runs.
NO_AUTOMATIC_STEP = frozenset({"accept_assignment", "set_litigation_prone", "record_challenge", "decide_challenge"})


def needs_run(action: str) -> bool:
    return action not in NO_AUTOMATIC_STEP


def prefect_api() -> str | None:
    """The Prefect API to trigger through, or None (then the steps run inline)."""
    if os.environ.get("GONGKAI_ENGINE") == "inline":
        return None
    url = os.environ.get("PREFECT_API_URL")
    if url:
        return url
    try:
        with urllib.request.urlopen(f"{LOCAL_API}/health", timeout=0.3) as response:
            return LOCAL_API if response.status == 200 else None
    except OSError:
        return None


def after_action(number: str, action: str) -> str:
    """Trigger the next run for `number` after `action`; returns a line for the user (Chinese)."""
    from workflows.engine import label_of, shanghai_now

    label = label_of(action)
    if not needs_run(action):
        return ""
    api = prefect_api()
    if api is None:
        from workflows.engine import advance

        advance(number, now=shanghai_now())
        return f"自动步骤已完成（{number} · {label}）。"
    os.environ.setdefault("PREFECT_API_URL", api)
    from prefect.deployments import run_deployment

    run = run_deployment(DEPLOYMENT, parameters={"number": number, "after": label}, timeout=0,
                         tags=[number, "gongkai"])
    return f"已触发流程运行「{run.name}」（{number} · {label}）。"
