"""The year lock: once a year's tables are published, its concluded cases change only through an audited reopen."""

from datetime import datetime

from sqlalchemy import Column, Index, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.tables import Application, AwareDateTime


class YearLock(SQLModel, table=True):
    """A locked statistics year of one agency (and its sub-units): its published tables must stay true."""

    __tablename__ = "year_lock"
    __table_args__ = (UniqueConstraint("agency_id", "year"),)
    id: int | None = Field(default=None, primary_key=True)
    agency_id: int = Field(foreign_key="agency.id", index=True)
    year: int
    locked_at: datetime = Field(sa_column=Column(AwareDateTime(), nullable=False))
    locked_by: str


class YearLockEvent(SQLModel, table=True):
    """Append-only audit of every lock and reopen, with who, when and why."""

    __tablename__ = "year_lock_event"
    id: int | None = Field(default=None, primary_key=True)
    agency_id: int = Field(foreign_key="agency.id", index=True)
    year: int
    action: str = Field(sa_type=String(10))  # lock | reopen
    at: datetime = Field(sa_column=Column(AwareDateTime(), nullable=False))
    by: str
    reason: str = ""


# Table 三 reads only these columns of the scope's applications: a covering index turns the count into two index
# ranges per agency, the cases still open and those concluded in or after the year (migration 0028; bench/
# province_bench.py measures it on 10M applications).
_a = Application.__table__.c
Index("ix_application_statistics", _a.agency_id, _a.closed_on, _a.receipt_date, _a.status, _a.outcome,
      _a.applicant_kind)


class ProactiveFigures(SQLModel, table=True):
    """Table 二 (主动公开政府信息情况) of one agency and year: entered by the office or imported, never counted.

    Art 20 items (一) 规章/规范性文件, (五) 行政许可, (六) 行政处罚/行政强制, (八) 行政事业性收费, in the layout of
    国办公开办函〔2021〕30号; the fee amount is in 万元 as printed, kept as its decimal text (models.statistics.table2)."""

    __tablename__ = "proactive_figures"
    __table_args__ = (UniqueConstraint("agency_id", "year"),)
    id: int | None = Field(default=None, primary_key=True)
    agency_id: int = Field(foreign_key="agency.id", index=True)
    year: int
    rules_made: int = 0
    rules_repealed: int = 0
    rules_in_force: int = 0
    normative_made: int = 0
    normative_repealed: int = 0
    normative_in_force: int = 0
    licensing: int = 0
    punishment: int = 0
    enforcement: int = 0
    fees_wan: str = Field(default="0", sa_type=String(24))
    entered_at: datetime = Field(sa_column=Column(AwareDateTime(), nullable=False))
    entered_by: str
    source: str = Field(default="desk", sa_type=String(20))  # desk | import
