"""The annual statistics (国办公开办函〔2021〕30号 tables 三 and 四) counted from the case data.

    annual_report(session, agency=, year=, today=, include_subunits=, department=, previous=) → AnnualReport
    department_reports(...)                    one AnnualReport per department the cases were routed to
    cell_cases(session, scope, period, row=, column=)  the applications behind one cell (drill-down)
    check_published(data, previous)            every failed check of a table in the published JSON shape
    lock_year(ctx, agency=, year=) / reopen_year(ctx, agency=, year=, reason=)   audited in year_lock_event
    ensure_year_open(session, application)     raises CaseReadOnly for a concluded case of a locked year
    ensure_receipt_year_open(session, agency_id, receipt_date)   refuses a registration into a locked year
    supervisor_figures(session, scope, period, calendar=)
"""

from models.statistics.checks import CheckFailure, check_carry_over, check_published, check_table3, check_table4
from models.statistics.lock import ensure_receipt_year_open, ensure_year_open, lock_history, lock_year, reopen_year
from models.statistics.report import AnnualReport, annual_report, department_reports
from models.statistics.scope import Period, Scope, period, scope_of
from models.statistics.supervisor import SupervisorFigures, supervisor_figures
from models.statistics.table3 import CaseRef, cell_cases, count_table3
from models.statistics.table4 import count_table4

__all__ = [
    "AnnualReport", "CaseRef", "CheckFailure", "Period", "Scope", "SupervisorFigures", "annual_report",
    "cell_cases", "check_carry_over", "check_published", "check_table3", "check_table4", "count_table3",
    "count_table4", "department_reports", "ensure_receipt_year_open", "ensure_year_open", "lock_history", "lock_year", "period",
    "reopen_year", "scope_of", "supervisor_figures",
]
