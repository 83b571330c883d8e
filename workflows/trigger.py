"""After a human action: the case's automatic steps, through this installation's Prefect or inline.

Where the run goes is read, never guessed by probing a port:

    GONGKAI_ENGINE=inline       inline, always (scripts, tests, a desk with no Prefect)
    PREFECT_API_URL             that server (scale-out: every machine names the same one)
    the installation's record   the server `gongkai up` started for this database (models.identity)
    none of these               inline (workflows.engine.advance, the same steps in the same order)

Every run carries the installation's id, so a server that serves another installation's deployments
refuses it instead of acting on a case of the same number. When the server does not answer, the steps
run inline at once (they are idempotent: documents by content, notifications by key), and the line
returned to the clerk says so. Call this from a sync context (the CLI, FastAPI's threadpool).
"""

import logging
import os
from datetime import datetime

from models.db import session_scope
from models.identity import CaseRef, installation

DEPLOYMENT = "advance-case/advance-case"
CONNECT_SECONDS = 3.0  # the clerk waits this long at most for a server that does not answer
# Actions after which nothing automatic can be due: no run, so a lifecycle stays within 8 runs.
NO_AUTOMATIC_STEP = frozenset({"accept_assignment", "set_litigation_prone", "record_challenge", "decide_challenge"})

log = logging.getLogger(__name__)


def needs_run(action: str) -> bool:
    return action not in NO_AUTOMATIC_STEP


def prefect_api(recorded: str | None) -> str | None:
    """The Prefect API to trigger through, or None (then the steps run inline)."""
    if os.environ.get("GONGKAI_ENGINE") == "inline":
        return None
    return os.environ.get("PREFECT_API_URL") or recorded


def after_action(case: CaseRef, action: str, *, engine=None, now: datetime | None = None) -> str:
    """Start the automatic steps due on `case` after `action`; returns a line for the user (Chinese)."""
    from workflows.engine import label_of

    if not needs_run(action):
        return ""
    label = label_of(action)
    with session_scope(engine) as s:
        this = installation(s)
    api = prefect_api(this.prefect_api_url)
    if api is None:
        return _inline(case, label, engine=engine, now=now)
    try:
        name = create_run(api, case, label, installation_id=this.id)
    except Exception as exc:  # any failure to reach or use the server: the steps must not be lost
        log.warning("trigger for %s through %s failed (%s: %s); running inline", case, api, type(exc).__name__, exc)
        done = _inline(case, label, engine=engine, now=now)
        return f"流程服务暂不可用，{done}"
    return f"已触发流程运行「{name}」（{case.number} · {label}）。"


def create_run(api: str, case: CaseRef, label: str, *, installation_id: str) -> str:
    """A flow run of the advance-case deployment on `api` for this case; returns its name."""
    from prefect.client.orchestration import SyncPrefectClient

    client = SyncPrefectClient(api, auth_string=os.environ.get("PREFECT_API_AUTH_STRING") or None,
                               api_key=os.environ.get("PREFECT_API_KEY") or None,
                               httpx_settings={"timeout": CONNECT_SECONDS})
    with client:
        deployment = client.read_deployment_by_name(DEPLOYMENT)
        run = client.create_flow_run_from_deployment(
            deployment.id, name=f"{case.number} · {label}", tags=["gongkai", f"case:{case.key}"],
            parameters={"agency_id": case.agency_id, "number": case.number, "installation": installation_id,
                        "after": label})
    return run.name


def _inline(case: CaseRef, label: str, *, engine, now: datetime | None) -> str:
    from workflows.engine import advance, shanghai_now

    advance(case, now=now or shanghai_now(), engine=engine)
    return f"自动步骤已完成（{case.number} · {label}）。"
