"""The periodic reports as the scheduled runs make them: which agencies, and each one's files under the var folder.

The figures are models.periodic's, the files notices.periodic's; this module only chooses and writes
(<GONGKAI_VAR_DIR>/reports/periodic/<agency id>/月检查-2026-03.pdf and .xlsx, replaced whole if run again).
"""

from datetime import date

from sqlmodel import Session, select

from models.periodic import ReportPeriod, parse_period, period_report
from models.tables import Agency, Department
from notices.periodic import stored_path, write_files
from workflows import engine


def agencies_with_departments(s: Session) -> list[int]:
    """The agencies that route cases to departments: the ones a periodic report is about."""
    return list(s.exec(select(Agency.id).where(Agency.id.in_(select(Department.agency_id))).order_by(Agency.id)))


def write_report(agency_id: int, kind: str, period_key: str, *, today: date) -> list[str]:
    """One agency's report for the period, written as PDF and XLSX where the desk finds it; their paths."""
    chosen: ReportPeriod = parse_period(kind, period_key)
    with engine.session() as s:
        report = period_report(s, agency_id=agency_id, kind=chosen.kind, period=chosen, today=today,
                               calendar=engine.calendar())
    folder = stored_path(engine.settings().var_dir, agency_id, chosen, "pdf").parent
    return [str(path) for path in write_files(report, folder)]
