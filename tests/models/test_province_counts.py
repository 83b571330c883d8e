"""What the database maintains for the province figures (migration 0028) always equals the recount.

open_case_count (open cases per agency, status and due date) and application.applicant_kind are kept by triggers,
whoever writes: the actions, a bulk UPDATE, a raw INSERT or DELETE. Runs on SQLite here, on PostgreSQL in
tests/postgres.
"""

from datetime import date, timedelta

from sqlalchemy import delete, func, insert, select, update

from models.dashboard import OPEN
from models.enums import Status
from models.outcomes import ApplicantKind
from models.queries import agency_by_name
from models.statistics import count_table3, period
from models.statistics.scope import Scope
from models.tables import Applicant, Application, OpenCaseCount
from tests import factories as F

A = Application.__table__.c


def maintained(session) -> dict:
    rows = session.execute(select(OpenCaseCount.agency_id, OpenCaseCount.status, OpenCaseCount.due_date,
                                  OpenCaseCount.n).where(OpenCaseCount.n > 0)).all()
    return {(a, s, d): n for a, s, d, n in rows}


def recount(session) -> dict:
    rows = session.execute(select(A.agency_id, A.status, A.due_date, func.count())
                           .where(A.status.in_(OPEN), A.due_date.is_not(None))
                           .group_by(A.agency_id, A.status, A.due_date)).all()
    return {(a, s, d): n for a, s, d, n in rows}


def test_the_open_case_counts_equal_the_recount_through_every_status_and_any_write(session, calendar):
    numbers = [F.register_case(session, calendar, date(2026, 3, 2)) for _ in range(3)]
    F.seed_agency(session, "乙区人民政府", "yi")
    session.commit()
    other_agency = agency_by_name(session, "乙区人民政府").id
    assert maintained(session) == recount(session) and sum(recount(session).values()) == 3
    due = date(2026, 3, 30)
    for i, status in enumerate(Status):  # a bulk UPDATE through every status, open or not, and other due dates
        session.execute(update(Application).where(A.number == numbers[i % 3])
                        .values(status=status.value, due_date=due + timedelta(days=i % 4)))
        assert maintained(session) == recount(session), status
    session.execute(update(Application).where(A.number == numbers[0]).values(status=Status.routed.value))
    session.execute(update(Application).where(A.number == numbers[1]).values(status=Status.drafting.value, due_date=None))
    session.execute(update(Application).where(A.number == numbers[2]).values(status=Status.routed.value, agency_id=other_agency))
    copy = [c for c in Application.__table__.c if c.name not in ("id", "number", "form_token")]
    session.execute(insert(Application).from_select([*copy, A.number], select(*copy, A.number + "-copy")
                                                                            .where(A.number == numbers[0])))
    assert maintained(session) == recount(session) and sum(recount(session).values()) == 3
    session.execute(delete(Application).where(A.number == numbers[0] + "-copy"))
    session.commit()
    assert maintained(session) == recount(session) and sum(recount(session).values()) == 2


def test_table3_counts_the_applicant_kind_the_applicant_has_now(session, calendar):
    number = F.register_case(session, calendar, date(2026, 3, 2))
    session.commit()
    applicant_id, agency_id = session.execute(select(A.applicant_id, A.agency_id).where(A.number == number)).one()
    when = period(2026, today=date(2026, 3, 20))

    def received_by_kind() -> dict:
        row = count_table3(session, Scope((agency_id,)), when).table3["new_received"]
        return {kind.value: n for kind, n in zip(ApplicantKind, row) if n}

    assert received_by_kind() == {"natural_person": 1}
    session.execute(update(Applicant).where(Applicant.id == applicant_id).values(kind="commercial_enterprise"))
    assert received_by_kind() == {"commercial_enterprise": 1}  # the applicant's record corrected: the copy follows
    other = session.execute(insert(Applicant).values(kind="other_org", name="某协会", id_type="none", phone="", email="",
                                                     address="")).inserted_primary_key[0]
    session.execute(update(Application).where(A.number == number).values(applicant_id=other))
    assert received_by_kind() == {"other_org": 1}  # the case moved to another applicant
