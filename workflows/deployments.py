"""The deployments served on one machine (`gongkai up`); prefect.yaml declares the same for workers."""

from prefect import serve
from prefect.schedules import Cron

from workflows.flows import advance_case, batch_intake, morning_sweep, reconcile

SWEEP_CRON = "30 7 * * *"  # 07:30 Shanghai, every day: 调休 weekends work, so the flow itself skips days off
TIMEZONE = "Asia/Shanghai"


def deployments():
    return [
        advance_case.to_deployment(name="advance-case", tags=["gongkai"]),
        morning_sweep.to_deployment(name="morning-sweep", tags=["gongkai"],
                                    schedules=[Cron(SWEEP_CRON, timezone=TIMEZONE)]),
        reconcile.to_deployment(name="reconcile", tags=["gongkai"]),
        batch_intake.to_deployment(name="batch-intake", tags=["gongkai"]),
    ]


def serve_all(limit: int = 4) -> None:
    """Blocks: polls for runs of these deployments and runs them in subprocesses."""
    serve(*deployments(), limit=limit)


if __name__ == "__main__":
    serve_all()
