"""The deployments served on one machine (`gongkai up`); prefect.yaml declares the same for workers.

Served deployments carry this installation's id as a default parameter, so a scheduled sweep or reconcile
that somehow reaches another database refuses to act, like every triggered advance-case run.
"""

from prefect import serve
from prefect.schedules import Cron

from workflows.flows import advance_case, batch_intake, morning_sweep, periodic_report, reconcile

SWEEP_CRON = "30 7 * * *"  # 07:30 Shanghai, every day: 调休 weekends work, so the flow itself skips days off
RECONCILE_CRON = "* * * * *"  # an undelivered trigger or a dead run is caught up within 2 minutes (models.triggers)
TIMEZONE = "Asia/Shanghai"
# 周调度 every Monday at 08:00; 月检查 and 季通报 daily at 08:00 in a month's first twelve days (National Day can push
# the first working day to 8 Oct): the flow itself runs only on the first working day (models.periodic.scheduled_period)
WEEKLY_CRON = "0 8 * * 1"
MONTHLY_CRON = "0 8 1-12 * *"
QUARTERLY_CRON = "0 8 1-12 1,4,7,10 *"
PERIODIC = (("weekly-dispatch", "week", WEEKLY_CRON), ("monthly-check", "month", MONTHLY_CRON),
            ("quarterly-bulletin", "quarter", QUARTERLY_CRON))


def deployments(installation: str | None = None):
    mine = {"installation": installation} if installation else {}
    return [
        advance_case.to_deployment(name="advance-case", tags=["gongkai"]),
        morning_sweep.to_deployment(name="morning-sweep", tags=["gongkai"], parameters=mine,
                                    schedules=[Cron(SWEEP_CRON, timezone=TIMEZONE)]),
        reconcile.to_deployment(name="reconcile", tags=["gongkai"], parameters=mine,
                                schedules=[Cron(RECONCILE_CRON, timezone=TIMEZONE)]),
        batch_intake.to_deployment(name="batch-intake", tags=["gongkai"], parameters=mine),
        *(periodic_report.to_deployment(name=name, tags=["gongkai"], parameters={"kind": kind, **mine},
                                        schedules=[Cron(cron, timezone=TIMEZONE)]) for name, kind, cron in PERIODIC),
    ]


def serve_all(limit: int = 4) -> None:
    """Blocks: polls for runs of these deployments and runs them in subprocesses."""
    from models.db import session_scope
    from models.identity import installation_id

    with session_scope() as s:
        installation = installation_id(s)
    serve(*deployments(installation), limit=limit)


if __name__ == "__main__":
    serve_all()
