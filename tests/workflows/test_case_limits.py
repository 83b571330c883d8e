"""Each case's global concurrency limit (one advance-case run per case at a time) is removed when the case is
finished: by its last run, and by the morning sweep for any left behind; an open case's limit stays."""

from datetime import date

from prefect import get_client
from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate
from sqlmodel import Session

from models.enums import Status
from models.queries import application_of
from tests import factories as F
from workflows import flows

WED = date(2026, 3, 4)


def limit_names() -> set[str]:
    with get_client(sync_client=True) as client:
        return {gcl.name for gcl in client.read_global_concurrency_limits(limit=200)}


def test_a_finished_cases_limit_goes_with_its_last_run_and_the_sweep_takes_any_left_behind(prefect_harness, app_db,
                                                                                           calendar):
    with Session(app_db, expire_on_commit=False) as s:
        done, still = F.register_case(s, calendar), F.register_case(s, calendar)
        F.advance(s, calendar, done, Status.delivered, day=WED)
        done, still = F.case(s, done), F.case(s, still)
    flows.advance_case(still.agency_id, still.number, now=F.at(WED))
    flows.advance_case(done.agency_id, done.number, now=F.at(WED))  # archives it: its last run
    with Session(app_db) as s:
        assert application_of(s, done).status == Status.archived
    assert flows.case_limit(still) in limit_names() and flows.case_limit(done) not in limit_names()

    with get_client(sync_client=True) as client:  # left behind: a run killed between archiving and removing it
        client.create_global_concurrency_limit(GlobalConcurrencyLimitCreate(name=flows.case_limit(done), limit=1))
    assert flows.remove_stale_case_limits() == 1
    assert flows.case_limit(still) in limit_names() and flows.case_limit(done) not in limit_names()
