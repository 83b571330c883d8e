"""After a human action: what must exist now, made now; the rest through this installation's Prefect or inline.

    the action's transaction    its Events and a CaseTrigger row (models.triggers): the trigger cannot be lost
    right after, same request   the 接收回执, the 交办单 and the 协调函 (engine.IMMEDIATE_DOCUMENTS): on the case
                                page when the page returns, whatever Prefect is doing
    then                        the trigger is delivered as a deferred task run (Prefect task workers, long-lived
                                processes: no new Python per run), keyed by the trigger so a retried delivery finds
                                the same run; the task runs the `advance-case` flow, named `2026-000123 · 登记`
    delivery fails              the clerk reads 「自动步骤稍后执行」 (the action stands); reconcile delivers it

Where the run goes is read, never guessed by probing a port:

    GONGKAI_ENGINE=inline       inline, always (scripts, tests, a desk with no Prefect)
    PREFECT_API_URL             that server (scale-out: every machine names the same one)
    the installation's record   the server `gongkai up` started for this database (models.identity)
    none of these               inline (workflows.engine.advance, the same steps in the same order)

Every run carries the installation's id in its key, so a task worker on another installation's database refuses
it. Call this from a sync context (the CLI, FastAPI's threadpool).
"""

import atexit
import logging
import os
import threading
import time
from datetime import datetime

from models.db import session_scope
from models.identity import CaseRef, installation
from models.queries import application_of
from models.triggers import CaseTrigger, claim, claimed, needs_run

CONNECT_SECONDS = 2.0  # one delivery attempt waits this long at most for a server that does not answer
RETRY_PAUSES = (0.2,)  # two attempts (Prefect's client retries timeouts and 5xx itself); then reconcile retries
LATER = "自动步骤稍后执行"

log = logging.getLogger(__name__)


def prefect_api(recorded: str | None) -> str | None:
    """The Prefect API to trigger through, or None (then the steps run inline)."""
    if os.environ.get("GONGKAI_ENGINE") == "inline":
        return None
    return os.environ.get("PREFECT_API_URL") or recorded


def after_action(case: CaseRef, action: str, *, engine=None, now: datetime | None = None) -> str:
    """The action has committed (with its trigger): make what must exist now, then hand the rest to Prefect.

    Returns a line for the user (Chinese); never raises for a failure of the automatic steps, since the action
    itself is done (the CLI exits 0, the desk shows the case)."""
    from workflows.engine import immediate, label_of, shanghai_now

    if not needs_run(action):
        return ""
    now = now or shanghai_now()
    label = label_of(action)
    with session_scope(engine) as s:
        this = installation(s)
        pending = _open_triggers(s, case)
        api = prefect_api(this.prefect_api_url)
        if api is None:  # before anything else, so a reconcile beside this process does not deliver them too
            claim(s, [t.id for t in pending])
    try:
        immediate(case, now=now, engine=engine)
    except Exception as exc:  # a bug in a document must not read as a failed action: it committed
        log.exception("immediate documents of %s after %s failed: %s", case, action, exc)
        return f"{LATER}（{case.number} · {label}）。"
    if api is None:
        return _inline(case, label, engine=engine, now=now)
    names = []
    for trigger in pending:
        name = deliver(api, case, trigger, installation_id=this.id, engine=engine)
        if name is None:
            return f"{LATER}（{case.number} · {label}，流程服务暂不可用，将自动补办）。"
        names.append(name)
    shown = "、".join(f"「{n}」" for n in names) or f"「{case.number} · {label}」"
    return f"已触发流程运行{shown}。"


def _open_triggers(s, case: CaseRef) -> list[CaseTrigger]:
    from models.triggers import open_for

    return [t for t in open_for(s, application_of(s, case).id) if t.delivered_at is None]


def deliver(api: str, case: CaseRef, trigger: CaseTrigger, *, installation_id: str, engine=None) -> str | None:
    """Hand one trigger to Prefect, retrying; the run's name, or None when the server never accepted it."""
    from models.triggers import mark_delivered
    from workflows.engine import label_of

    name = f"{case.number} · {label_of(trigger.action)}"
    error = ""
    for pause in (*RETRY_PAUSES, None):
        try:
            create_run(api, key=trigger.key(installation_id), name=name)
        except Exception as exc:  # connect errors, timeouts, 5xx: the same key again finds the same run
            error = f"{type(exc).__name__}: {exc}"
            log.warning("delivering %s of %s to %s failed (%s)", trigger.key(installation_id), case, api, error)
            if pause is not None:
                time.sleep(pause)
            continue
        with session_scope(engine) as s:
            mark_delivered(s, trigger.id)
        return name
    with session_scope(engine) as s:
        mark_delivered(s, trigger.id, error=error or "undelivered")
    return None


def create_run(api: str, *, key: str, name: str) -> str:
    """A deferred task run of workflows.flows.run_trigger on `api`, its dynamic key the trigger's key.

    Prefect keeps one background task run per (task key, dynamic key): creating it again returns the existing run
    and does not queue it twice, so the key is the idempotency key (as a flow run's idempotency_key would be)."""
    from prefect.context import SettingsContext, get_settings_context
    from prefect.states import Scheduled

    from workflows.flows import run_trigger

    state = Scheduled()
    state.state_details.deferred = True
    context = get_settings_context()
    # The clerk waits for this call: no backoff of the client's own (5 retries, up to a minute on a busy server);
    # our attempts are bounded here and the reconcile delivers what they did not.
    with SettingsContext(profile=context.profile, settings=_without_retries(context.settings)):
        # no tags: the task engine would take a slot on each tag's limit through a service per set of tags, one per
        # case (docs/orchestration.md); the flow run it starts carries the case's tag
        run = _client(api).create_task_run(task=run_trigger, flow_run_id=None, dynamic_key=key, name=name,
                                           extra_tags=None, state=state)
    return run.name


# Made once per process, not per delivery: a Prefect client builds an SSL context and Prefect's settings object
# copies itself, together a third of a clerk's command through Prefect (py-spy of bench.faults_bench's drivers).
# httpx's client is safe to share between the desk's threads; a connection the server dropped (a restart) fails
# one attempt, and deliver's next attempt opens a new one.
_clients: dict[tuple, object] = {}
_settings: list = []  # [the settings in force, the same without client retries]
_made = threading.Lock()


def _client(api: str):
    from prefect.client.orchestration import SyncPrefectClient

    credentials = (os.environ.get("PREFECT_API_AUTH_STRING") or None, os.environ.get("PREFECT_API_KEY") or None)
    with _made:
        client = _clients.get((api, credentials))
        if client is None:
            client = SyncPrefectClient(api, auth_string=credentials[0], api_key=credentials[1],
                                       httpx_settings={"timeout": CONNECT_SECONDS})
            client.__enter__()
            atexit.register(client.__exit__, None, None, None)
            _clients[(api, credentials)] = client
        return client


def _without_retries(settings):
    from prefect.settings import PREFECT_CLIENT_MAX_RETRIES

    with _made:
        if not _settings or _settings[0] is not settings:
            _settings[:] = [settings, settings.copy_with_update(updates={PREFECT_CLIENT_MAX_RETRIES: 0})]
        return _settings[1]


def deliver_open(*, now: datetime, engine=None) -> tuple[list[CaseRef], int]:
    """Reconcile: every trigger never delivered, or delivered and stranded, goes to Prefect (inline without one).

    Returns the cases handed over (or done inline) and how many triggers are still undelivered."""
    from models.triggers import next_round, to_deliver
    from workflows.engine import advance

    with session_scope(engine) as s:
        this = installation(s)
        rows = to_deliver(s, now=now)
        for trigger, _app in rows:
            if trigger.delivered_at is not None:  # stranded: its run died; a new round, a new run
                next_round(s, trigger)
    api = prefect_api(this.prefect_api_url)
    done, failed = [], 0
    for trigger, app in rows:
        case = CaseRef.of(app)
        if trigger.delivered_at is None and _claimed_since(trigger, engine):  # its own process runs it
            continue
        if api is None:
            advance(case, now=now, engine=engine)
        elif deliver(api, case, trigger, installation_id=this.id, engine=engine) is None:
            failed += 1
            continue
        done.append(case)
    return done, failed


def _claimed_since(trigger: CaseTrigger, engine) -> bool:
    with session_scope(engine) as s:
        return claimed(s, trigger.id)


def _inline(case: CaseRef, label: str, *, engine, now: datetime) -> str:
    from workflows.engine import advance

    advance(case, now=now, engine=engine)
    return f"自动步骤已完成（{case.number} · {label}）。"
