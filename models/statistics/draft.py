"""Everything the annual report draft (国办公开办函〔2021〕30号) fills in, read in one place for notices.annual_draft.

    annual_draft(session, agency=, year=, today=, calendar=)   tables 二/三/四, the fee figures, the problem list,
                                                               the mock audits
"""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, func, select
from sqlmodel import Session

from models.enums import FeeStatus, ProblemStatus
from models.mock_audits import YearFigures, year_figures
from models.mock_tables import not_mock
from models.problems import ProblemLine, problem_list
from models.statistics.report import AnnualReport, annual_report
from models.statistics.scope import period, scope_of
from models.statistics.table2 import table2_of
from models.statistics.tables import ProactiveFigures
from models.tables import Agency, Application, Fee

A = Application.__table__.c
F = Fee.__table__.c


@dataclass(frozen=True)
class FeeFigures:
    """信息处理费 (Art 42, 国办函〔2020〕109号) in the year: notices sent, fees paid and the amount collected (元)."""

    notices: int
    paid: int
    collected: int


@dataclass(frozen=True)
class AnnualDraft:
    report: AnnualReport
    table2: ProactiveFigures | None  # None: the office has not entered table 二 yet
    fees: FeeFigures
    problems: list[ProblemLine]  # items listed in the year, or still open at its end
    mocks: YearFigures | None = None  # the year's mock audits (模拟暗访, models.mock_audits), for sections 五/六

    @property
    def year(self) -> int:
        return self.report.year

    @property
    def agency(self) -> str:
        return self.report.agency


def fee_figures(session: Session, *, agency_ids: tuple[int, ...] | list[int], start: date, end: date) -> FeeFigures:
    joined = Fee.__table__.join(Application.__table__, A.id == F.application_id)
    in_scope = and_(A.agency_id.in_(list(agency_ids)), not_mock(A.id))  # 模拟暗访: no fee figure
    notices = session.execute(select(func.count()).select_from(joined).where(
        in_scope, F.status == FeeStatus.sent.value, F.notice_sent_on >= start, F.notice_sent_on <= end)).scalar_one()
    paid, collected = session.execute(select(func.count(), func.coalesce(func.sum(F.amount), 0)).select_from(joined).where(
        in_scope, F.paid_on >= start, F.paid_on <= end)).one()
    return FeeFigures(int(notices), int(paid), int(collected))


def annual_draft(session: Session, *, agency: Agency, year: int, today: date, calendar) -> AnnualDraft:
    """The year's figures as of `today` (31 Dec for a past year): the draft the office then edits."""
    report = annual_report(session, agency=agency, year=year, today=today)
    when = period(year, today=today)
    scope = scope_of(session, agency)
    fees = fee_figures(session, agency_ids=scope.agency_ids, start=when.start, end=when.end)
    lines = problem_list(session, agency_id=agency.id, today=when.end, calendar=calendar, include_closed=True)
    problems = [p for p in lines if p.added_on <= when.end
                and (p.added_on >= when.start or p.status == ProblemStatus.open or (p.closed_on and p.closed_on >= when.start))]
    mocks = year_figures(session, agency_ids=scope.agency_ids, start=when.start, end=when.end)
    return AnnualDraft(report, table2_of(session, agency_id=agency.id, year=year), fees, problems, mocks)
