"""The annual report of one agency and year: tables 三 and 四, counted in SQL, with every failed check."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session, select

from models.outcomes import TABLE3_COLUMNS
from models.statistics.checks import CheckFailure, check_carry_over, check_table3, check_table4
from models.statistics.scope import Period, Scope, period, scope_of
from models.statistics.table3 import Table3, count_table3
from models.statistics.table4 import Table4, count_table4
from models.tables import Agency, Department


@dataclass
class AnnualReport:
    agency: str
    year: int
    as_of: date  # 31 Dec for a past year, today for the live table
    table3: Table3
    table4: Table4
    failures: list[CheckFailure] = field(default_factory=list)
    department: str | None = None
    include_subunits: bool = False

    @property
    def live(self) -> bool:
        return self.as_of != date(self.year, 12, 31)

    @property
    def title(self) -> str:
        unit = f"（{self.department}）" if self.department else ("（含下属单位）" if self.include_subunits else "")
        return f"{self.agency}{unit}{self.year}年政府信息公开工作年度报告统计表"

    def to_json(self) -> dict:
        """Exactly the keys and column order of the published JSON (tests/statistics/data/annual-report-hedong-2021.json)."""
        cut = f"，截至{self.as_of.isoformat()}" if self.live else ""
        return {
            "agency": self.agency,
            "year": self.year,
            "source": f"公开 Gongkai 依案件数据自动统计{cut}",
            "columns": list(TABLE3_COLUMNS),
            "table3": {key: list(values) for key, values in self.table3.items()},
            "table4": {kind: dict(group) for kind, group in self.table4.items()},
        }


def _count(session: Session, scope: Scope, when: Period) -> tuple[Table3, Table4, list[CheckFailure]]:
    counted = count_table3(session, scope, when)
    table4 = count_table4(session, scope, when)
    failures = check_table3(counted.table3) + check_table4(table4)
    if counted.concluded_without_outcome:
        failures.append(CheckFailure("no_outcome", "r7_total",
                                     f"有{counted.concluded_without_outcome}件申请已办结但未记录办理结果，未计入表三任何一行"))
    return counted.table3, table4, failures


def annual_report(session: Session, *, agency: Agency, year: int, today: date, include_subunits: bool = False,
                  department: Department | None = None, previous: dict | None = None,
                  progress: Callable[[int, int], None] | None = None) -> AnnualReport:
    """Tables 三 and 四 as of `today`; `previous` is last year's published JSON, else last year is computed.
    `progress(done, total)` is told the steps done: this year's count, then last year's for the carry-over."""
    scope = scope_of(session, agency, include_subunits=include_subunits,
                     department_id=department.id if department else None)
    when = period(year, today=today)
    steps = 1 if previous is not None else 2
    table3, table4, failures = _count(session, scope, when)
    if progress:
        progress(1, steps)
    if previous is not None:
        failures += check_carry_over(table3, previous["table3"], year=year)
    else:
        last, _, _ = _count(session, scope, period(year - 1, today=date(year - 1, 12, 31)))
        failures += check_carry_over(table3, last, year=year)
        if progress:
            progress(2, steps)
    return AnnualReport(agency.name, year, when.end, table3, table4, failures,
                        department.name if department else None, include_subunits)


def department_reports(session: Session, *, agency: Agency, year: int, today: date,
                       include_subunits: bool = False) -> list[AnnualReport]:
    """One table per department the cases were routed to; a case routed to two departments counts in both."""
    scope = scope_of(session, agency, include_subunits=include_subunits)
    departments = session.exec(select(Department).where(Department.agency_id.in_(scope.agency_ids))
                               .order_by(Department.id)).all()
    return [annual_report(session, agency=agency, year=year, today=today, include_subunits=include_subunits,
                          department=d) for d in departments]
