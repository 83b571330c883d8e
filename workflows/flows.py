"""The Prefect flows: each reads like a table of contents; the work is in workflows.engine / sweep / intake.

    run_trigger()          the deferred task a human action's trigger becomes (workflows.trigger), served by the
                           task worker (`python -m workflows.task_worker`): it runs advance_case for that case
    advance_case(agency_id, number, installation)   re-entrant: every automatic step that is due, then it ends at the next human gate;
                           one run per case at a time (a global concurrency limit named after the case, removed when the
                           case is finished; the morning sweep removes any left behind)
    morning_sweep(today)   cron, Asia/Shanghai: the audit verification daily, deadlines on working days only
    reconcile()            delivers the triggers never delivered, catches up every case a dead process left behind
    batch_intake(rows)     registers and routes a batch in one run
    periodic_report(kind)  cron: 周调度 on Monday mornings, 月检查 on a month's first working day, 季通报 after a
                           quarter's end; every agency's PDF and XLSX under the var folder (workflows.periodic)

Run names carry the case number (`2026-000123 · 交办`) and tags the case (`case:3/2026-000123`), so a case's
runs are found by agency and number. Every flow refuses a run triggered for another installation's database.
"""

import time
from contextlib import contextmanager
from datetime import date, datetime

from prefect import flow, tags, task
from prefect.context import TagsContext

from models.deadlines import recompute_stale
from models.identity import CaseRef
from models.outbox import Notice
from models.tables import Application
from models.triggers import CaseTrigger
from workflows import engine, intake, periodic, sweep
from workflows.engine import DocStep, Plan

CASE_LEASE_SECONDS = 60  # a holder that dies frees its case's slot after this long (Prefect renews it while alive)
SLOT_WAIT_SECONDS = 3 * CASE_LEASE_SECONDS  # a run waits this long at most for its case's slot

DB_RETRIES = {"retries": 3, "retry_delay_seconds": 1}  # SQLite busy, a concurrent run on the same case


def _check(installation: str | None) -> None:
    if installation is not None:  # a run from the trigger always names its installation; a bare one acts on its own DB
        engine.check_installation(installation)


def plan_case(case: CaseRef) -> Plan:
    """Reading what is due is not a step: a plain call, not a task run (each task run is ≈3 calls to Prefect's API
    on the action's critical path, docs/orchestration.md)."""
    with engine.session() as s:
        p = engine.plan(s, case)
        p.documents = engine.missing_documents(s, p)
        p.notices = engine.unqueued(s, p.notices)
        return p


# One task for a run's documents and one for its notifications (each is idempotent one by one): every task run is
# a handful of calls to Prefect's API, the per-run cost that docs/orchestration.md measures.
@task(task_run_name="{case.number} · 生成文书", **DB_RETRIES)
def generate_notices(case: CaseRef, steps: list[DocStep], now: datetime) -> list[int]:
    with engine.session() as s:
        return [engine.generate_document(s, case, step, now=now) for step in steps]


@task(task_run_name="{case.number} · 通知", **DB_RETRIES)
def queue_notifications(case: CaseRef, notices: list[Notice], now: datetime) -> int:
    with engine.session() as s:
        return sum(engine.queue_notification(s, case, notice, now=now) for notice in notices)


@task(task_run_name="{case.number} · 归档", **DB_RETRIES)
def archive_dossier(case: CaseRef, now: datetime) -> str:
    with engine.session() as s:
        return engine.archive_case(s, case, now=now)


@task(task_run_name="{case.number} · 补记归档", **DB_RETRIES)
def record_archive(case: CaseRef, now: datetime) -> str:
    with engine.session() as s:
        return engine.record_archive(s, case, now=now).location


@task(retries=3, retry_delay_seconds=5)  # the channel's I/O (mail server, SMS gateway)
def send_notifications(now: datetime) -> int:
    with engine.session() as s:
        return engine.send_notifications(s, now=now)


@task(task_run_name="{case.number} · 完成", **DB_RETRIES)
def finish_triggers(case: CaseRef, upto: int | None) -> str:
    """The triggers this run covered are done; what the case waits for now."""
    with engine.session() as s:
        engine.finish_triggers(s, case, upto)
        return engine.waits_for(s, case)


CASE_LIMIT_PREFIX = "case-"


def case_limit(case: CaseRef) -> str:
    """The global concurrency limit (1 slot) that keeps one advance-case run per case at a time."""
    return f"{CASE_LIMIT_PREFIX}{case.agency_id}-{case.number}"


def limited_case(name: str) -> CaseRef | None:
    """The case a limit named by case_limit is for; None for any other limit."""
    agency, _, number = name.removeprefix(CASE_LIMIT_PREFIX).partition("-")
    if not name.startswith(CASE_LIMIT_PREFIX) or not agency.isdigit() or not number:
        return None
    return CaseRef(int(agency), number)


def remove_case_limits(cases) -> int:
    """Delete the cases' global concurrency limits (one per case ever run); how many there were."""
    from prefect import get_client
    from prefect.exceptions import ObjectNotFound

    removed = 0
    with get_client(sync_client=True) as client:
        for case in cases:
            try:
                client.delete_global_concurrency_limit_by_name(case_limit(case))
                removed += 1
            except ObjectNotFound:  # never run, or removed already
                pass
    return removed


def _forget_if_finished(case: CaseRef) -> None:
    """A finished case (archived, voided) will have no run again: its limit goes (a late run makes it anew)."""
    with engine.session() as s:
        finished = engine.finished_cases(s, [case])
    remove_case_limits(finished)


@task(name="remove-stale-case-limits", **DB_RETRIES)
def remove_stale_case_limits() -> int:
    """The sweep: the limits of finished cases of this installation that no run holds (a run killed before it
    removed its case's limit, or limits made before runs removed them); a limit for a case not in this
    installation's database is left alone."""
    from prefect import get_client

    limits, page = [], 200
    with get_client(sync_client=True) as client:
        while batch := client.read_global_concurrency_limits(limit=page, offset=len(limits)):
            limits += batch
            if len(batch) < page:
                break
    idle = [c for c in (limited_case(gcl.name) for gcl in limits if gcl.active_slots == 0) if c is not None]
    with engine.session() as s:
        finished = engine.finished_cases(s, idle)
    return remove_case_limits(finished)


@contextmanager
def one_run_per_case(case: CaseRef):
    """Hold the case's global concurrency limit (one slot, made on first use) for the whole run. The slot is a lease
    that Prefect's renewal thread keeps alive while the run lives, so a dead holder's slot comes back after
    CASE_LEASE_SECONDS.

    Taken with Prefect's limit and lease calls, not `prefect.concurrency.sync.concurrency`: that one keeps a queue
    service (a thread and an HTTP client) per distinct limit name for the life of the process, one per case in the
    task worker, and in Prefect 3.8.8 starting one holds a lock the events worker on Prefect's global loop waits for,
    while it waits for that loop: under a burst of registrations the task worker deadlocked for good
    (bench/trigger_bench.py, 14 of 40 runs done)."""
    from prefect import get_client
    from prefect.concurrency._leases import maintain_concurrency_lease

    with get_client(sync_client=True) as client:
        lease_id = _take_slot(client, case_limit(case))
        try:
            with maintain_concurrency_lease(lease_id, CASE_LEASE_SECONDS, raise_on_lease_renewal_failure=True):
                yield
        finally:
            client.release_concurrency_slots_with_lease(lease_id)


def _take_slot(client, name: str, *, wait_seconds: float = SLOT_WAIT_SECONDS):
    """The lease on the limit's one slot, waiting while another run holds it (the server answers 423 with a
    Retry-After), at most `wait_seconds`: a run does not hold a task worker's thread for good behind a slot that is
    not freed. A limit not there (the case's first run, or removed since) is made, then taken: made only then,
    since creating one that exists is a unique violation Prefect's server logs as an error (on PostgreSQL, a
    traceback per case and process)."""
    from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate
    from prefect.client.schemas.responses import ConcurrencyLimitWithLeaseResponse
    from prefect.exceptions import ObjectAlreadyExists, PrefectHTTPStatusError

    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            response = client.increment_concurrency_slots_with_lease(
                names=[name], slots=1, mode="concurrency", lease_duration=CASE_LEASE_SECONDS)
        except PrefectHTTPStatusError as exc:
            if exc.response.status_code != 423:
                raise
            left = deadline - time.monotonic()
            if left <= 0:  # the run fails; its trigger stays open and a later reconcile delivers it again
                raise TimeoutError(f"{name}: another run of the case held its slot for over {wait_seconds:.0f} s")
            time.sleep(min(float(exc.response.headers.get("Retry-After", 1)), left))
            continue
        taken = ConcurrencyLimitWithLeaseResponse.model_validate(response.json())
        if taken.limits:
            return taken.lease_id
        client.release_concurrency_slots_with_lease(taken.lease_id)  # a lease on nothing: no such limit yet
        try:
            client.create_global_concurrency_limit(GlobalConcurrencyLimitCreate(name=name, limit=1))
        except ObjectAlreadyExists:  # another run of the case made it meanwhile
            pass


@flow(name="advance-case", flow_run_name="{number} · {after}", log_prints=True)
def advance_case(agency_id: int, number: str, installation: str | None = None, after: str = "核查",
                 now: datetime | None = None) -> str:
    """Do what is due on one case (agency + number) and stop at its next human gate."""
    _check(installation)
    now = now or engine.shanghai_now()
    case = CaseRef(agency_id, number)
    # The flow run carries the case's tag (run_trigger, the sweep); its task runs carry none: Prefect's task engine
    # takes a slot on every tag's limit through a queue service per distinct set of tags, one per case for the life
    # of the process, and starting one could deadlock the task worker (docs/orchestration.md)
    with TagsContext(current_tags=set()), one_run_per_case(case):
        p = plan_case(case)
        if p.documents:
            generate_notices(case, p.documents, now)
        if p.notices:
            queue_notifications(case, p.notices, now)
        if p.archive:
            archive_dossier(case, now)
        elif p.record_archive:
            record_archive(case, now)
        send_notifications(now)
        waiting = finish_triggers(case, p.triggers_upto)
    _forget_if_finished(case)  # after the slot is given back
    return waiting


@task(name="run-trigger")
def run_trigger() -> str:
    """A human action's trigger (workflows.trigger.create_run): its key, `trigger:<installation>:<id>:<round>`, is
    this run's dynamic key; the task runs that case's advance_case flow (a flow run `2026-000123 · 登记`)."""
    from prefect.context import TaskRunContext

    key = TaskRunContext.get().task_run.dynamic_key
    installation, trigger_id, _round = key.split(":", 1)[1].rsplit(":", 2)
    engine.check_installation(installation)  # another installation's trigger ids mean other cases
    with engine.session() as s:
        trigger = s.get(CaseTrigger, int(trigger_id))
        app = s.get(Application, trigger.application_id)
        agency_id, number, label = app.agency_id, app.number, engine.label_of(trigger.action)
    with tags("gongkai", f"case:{CaseRef(agency_id, number).key}"):  # the case's runs are found by its tag
        return advance_case(agency_id, number, installation=installation, after=label)


# --- the morning sweep ------------------------------------------------------------------------------------


@task
def is_working_day(today: date) -> bool:
    return engine.calendar().is_working_day(today)


@task
def find_expired(today: date) -> list[CaseRef]:
    with engine.session() as s:
        return sweep.expired(s, today)


@task(task_run_name="{case.number} · 逾期处理", **DB_RETRIES)
def close_expired(case: CaseRef, today: date) -> str:
    with engine.session() as s:
        return sweep.close_expired(s, case, today=today, calendar=engine.calendar())


@task(**DB_RETRIES)
def recompute_due_dates(today: date) -> int:
    with engine.session() as s:
        return recompute_stale(s, calendar=engine.calendar(), today=today)


@task(**DB_RETRIES)
def queue_deadline_notices(today: date) -> int:
    now = sweep.sweep_time(today)
    with engine.session() as s:
        due = sweep.deadline_notices(s, today=today, calendar=engine.calendar())
        return sum(engine.queue_notification(s, CaseRef.of(app), notice, now=now) for app, notice in due)


@task(**DB_RETRIES)
def queue_problem_reminders(today: date) -> int:
    with engine.session() as s:
        return sweep.queue_problem_reminders(s, today=today, calendar=engine.calendar(), now=sweep.sweep_time(today))


@task(**DB_RETRIES)
def verify_audit_chain(today: date) -> str:
    return sweep.audit_and_alert(today)


@flow(name="morning-sweep", flow_run_name="晨检 {today}", log_prints=True)
def morning_sweep(today: date | None = None, installation: str | None = None) -> str:
    """The audit verification every day; deadlines, chases and expiries on working days."""
    _check(installation)
    today = today or engine.shanghai_now().date()
    report = sweep.SweepReport(today, working_day=is_working_day(today))
    report.audit = verify_audit_chain(today)
    if report.working_day:
        report.recomputed = recompute_due_dates(today)
        for case in find_expired(today):
            close_expired(case, today)
            report.closed.append(case)
        report.notified = queue_deadline_notices(today)
        report.notified += queue_problem_reminders(today)
        for case in report.closed:
            with tags(f"case:{case.key}", "gongkai"):
                advance_case(case.agency_id, case.number, after="逾期处理", now=sweep.sweep_time(today))
    send_notifications(sweep.sweep_time(today))  # the day's reminders, and any audit alert
    print(f"已清理 {remove_stale_case_limits()} 个已办结案件的并发限制")
    print(report.summary())
    return report.summary()


# --- reconciliation and batch intake ---------------------------------------------------------------------------


@task
def cases_with_work() -> list[CaseRef]:
    from models.triggers import wall_clock

    with engine.session() as s:  # a case whose run is on its way is left to that run
        return engine.cases_with_work(s, running_since=wall_clock())


@task(task_run_name="投递未送达的触发", **DB_RETRIES)
def deliver_triggers(now: datetime) -> list[CaseRef]:
    from workflows.trigger import deliver_open

    delivered, _failed = deliver_open(now=now)
    return delivered


def _reconcile_name() -> str:
    from prefect.runtime import flow_run

    now = flow_run.parameters.get("now") or engine.shanghai_now()
    return f"补办 {now:%Y-%m-%d %H:%M}"


@task(task_run_name="{case.number} · 补办", **DB_RETRIES)
def catch_up(case: CaseRef, now: datetime) -> str:
    return engine.advance(case, now=now)


@flow(name="reconcile", flow_run_name=_reconcile_name)
def reconcile(now: datetime | None = None, installation: str | None = None) -> int:
    """After a crash or a missed trigger: undelivered triggers go to Prefect (each its own run), then every case
    still with a due automatic step gets it done here, in every agency."""
    _check(installation)
    now = now or engine.shanghai_now()
    delivered = deliver_triggers(now)
    cases = [c for c in cases_with_work() if c not in delivered]  # a delivered case's own run does its steps
    for case in cases:
        catch_up(case, now)
    return len(delivered) + len(cases)


@task
def read_batch(source: str) -> list[dict]:
    return intake.read_rows(source)


@task(task_run_name="登记并交办 第{first}件起（{size}件）", **DB_RETRIES)
def register_and_route(rows: list[dict], clerk: str, now: datetime, first: int = 0, size: int = 0) -> list[str]:
    return intake.register_and_route(rows, clerk=clerk, now=now)


@flow(name="batch-intake", flow_run_name="批量登记 {source}")
def batch_intake(source: str, clerk: str = "clerk", now: datetime | None = None, chunk: int = intake.CHUNK,
                 installation: str | None = None) -> int:
    """Register and route a batch from a JSON Lines file (run parameters are capped at 512 KiB, so a path); each
    chunk is one task run and one transaction, so a retried task finds nothing of its chunk half-written."""
    _check(installation)
    now = now or engine.shanghai_now()
    rows = read_batch(source)
    registered = 0
    for i in range(0, len(rows), chunk):
        part = rows[i:i + chunk]
        registered += len(register_and_route(part, clerk, now, first=i + 1, size=len(part)))
    return registered


# --- the periodic reports (周调度、月检查、季通报) ----------------------------------------------------------------


@task
def period_due(kind: str, today: date) -> str | None:
    from models.periodic import scheduled_period

    due = scheduled_period(kind, today, calendar=engine.calendar())
    return due.key if due else None


@task
def agencies_to_report() -> list[int]:
    with engine.session() as s:
        return periodic.agencies_with_departments(s)


@task(task_run_name="{kind} {period} · 机关{agency_id}", **DB_RETRIES)
def write_period_report(agency_id: int, kind: str, period: str, today: date) -> list[str]:
    return periodic.write_report(agency_id, kind, period, today=today)


@flow(name="periodic-report", flow_run_name="定期报告 {kind} {today}", log_prints=True)
def periodic_report(kind: str, today: date | None = None, period: str | None = None,
                    installation: str | None = None) -> list[str]:
    """Every agency's report of the kind: the period named, else the one a run on `today` is due to report (none on
    the other days of a monthly or quarterly schedule)."""
    _check(installation)
    today = today or engine.shanghai_now().date()
    period = period or period_due(kind, today)
    if period is None:
        print(f"{today} 不是{kind}报告的生成日，跳过。")
        return []
    written = []
    for agency_id in agencies_to_report():
        written += write_period_report(agency_id, kind, period, today)
    print(f"{kind} {period}：已生成 {len(written)} 个文件。")
    return written
