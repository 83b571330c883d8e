"""The tables of the mock applications (模拟暗访, models.mock_audits), and the one test every statistic asks.

The mark that a case is a mock lives here, outside `application`: nothing on the case's own row, number series or
events tells a department that it is a test. Every statistic keeps a case out with `not_mock(application id)`.
"""

from datetime import date, datetime

from sqlalchemy import JSON, Column, String, Text, select
from sqlmodel import Field, Session, SQLModel

from models.tables import AwareDateTime


class MockAudit(SQLModel, table=True):
    """A test application the office drafts for one department in one round, and the case it became when sent."""

    __tablename__ = "mock_audit"

    id: int | None = Field(default=None, primary_key=True)
    agency_id: int = Field(foreign_key="agency.id", index=True)
    round_name: str = Field(sa_type=String(60))  # 轮次, e.g. 2026年第一轮
    department_id: int = Field(foreign_key="department.id", index=True)
    request_text: str = Field(sa_column=Column(Text, nullable=False))
    expected_outcome: str = Field(sa_type=String(40))  # models.outcomes.Outcome
    points: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))  # what the reply must contain
    # the applicant the test is sent as: {"kind", "name", "id_type", "id_number", "phone", "email", "address"}
    persona: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    drafted_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    drafted_at: datetime = Field(sa_column=Column(AwareDateTime(), nullable=False))
    sent_on: date | None = None
    sent_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    application_id: int | None = Field(default=None, foreign_key="application.id", unique=True)


class MockGrade(SQLModel, table=True):
    """The grade of a mock case's reply: what the engine computed, the scores the supervisor entered, the total."""

    __tablename__ = "mock_grade"

    id: int | None = Field(default=None, primary_key=True)
    mock_id: int = Field(foreign_key="mock_audit.id", unique=True)
    graded_on: date = Field(index=True)
    graded_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    department_on_time: bool
    reply_on_time: bool
    outcome_right: bool
    citations_right: bool
    remedy_right: bool
    actual_outcome: str = Field(sa_type=String(40))
    findings: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))  # the checks' words
    # [{"point", "score" 0–100, "computed": found in the reply by the engine}]
    point_scores: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    total: float


def mock_case_ids():
    """The ids of the applications that are mock cases (a subquery)."""
    return select(MockAudit.application_id).where(MockAudit.application_id.is_not(None))


def not_mock(application_id_column):
    """The SQL condition that keeps mock cases out of a statistic."""
    return application_id_column.not_in(mock_case_ids())


def is_mock(session: Session, application_id: int | None) -> bool:
    if application_id is None:
        return False
    return session.execute(select(MockAudit.id).where(MockAudit.application_id == application_id)).first() is not None
