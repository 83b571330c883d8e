"""One month of cases for the periodic reports (March 2026, no holidays): each figure of each column has a case."""

from datetime import date

from sqlmodel import select

from models import actions as A
from models import problems as P
from models.enums import AssignmentStatus, ProblemReason, ProblemStatus, Status
from models.queries import agency_by_name, application_by_number
from models.demo import DEMO_AGENCY
from models.tables import Assignment, Department, ProblemItem, User
from tests.factories import advance, approved_draft, ctx, register_case

MONTH_END = date(2026, 3, 31)
ZIRAN, ZHUJIAN, SHENGTAI, CAIZHENG, SIFA = "区自然资源局", "区住房和城乡建设局", "区生态环境局", "区财政局", "区司法局"


def _route(session, calendar, number, department, day):
    A.route(ctx(session, calendar, "clerk", day), number, department=department)


def _answer(session, calendar, number, handler, day):
    A.submit_opinion(ctx(session, calendar, handler, day), number, opinion="该信息由我单位制作，可以公开。")


def march_cases(session, calendar) -> dict[str, str]:
    """The named cases of March 2026 and their numbers.

    on_time   received 2 Mar, routed to 自然资源局 and answered 4 Mar, the reply dispatched 4 Mar (concluded on time)
    returned  received 2 Mar, routed to 自然资源局 3 Mar, answered 5 Mar, counsel returns the draft 6 Mar; its reply
              was due 30 Mar (20 WD) and is still open on 31 Mar: overdue for the agency
    late      received 9 Mar, routed to 住建局 9 Mar (due 16 Mar), answered 19 Mar: 8 WD, late
    open_late received 9 Mar, routed to 生态环境局 9 Mar (due 16 Mar), never answered: overdue at the month's end
    problem   received 9 Mar, routed to 财政局, answered 11 Mar, put on the problem list 12 Mar (still open)
    voided    received 9 Mar and voided that day; rows pointing at it (an assignment to 司法局 answered, an open
              problem item), as an import could leave them, must count nowhere
    """
    cases = {}
    cases["on_time"] = n = register_case(session, calendar, date(2026, 3, 2))
    advance(session, calendar, n, Status.dispatched, day=date(2026, 3, 4))
    cases["returned"] = n = register_case(session, calendar, date(2026, 3, 2), request_text="请公开某路段规划许可证")
    _route(session, calendar, n, ZIRAN, date(2026, 3, 3))
    _answer(session, calendar, n, "dept_ziran", date(2026, 3, 5))
    A.submit_for_review(ctx(session, calendar, "clerk", date(2026, 3, 5)), n, draft=approved_draft())
    A.return_draft(ctx(session, calendar, "counsel", date(2026, 3, 6)), n, comments="引用条款有误，请修改。")
    cases["late"] = n = register_case(session, calendar, date(2026, 3, 9), request_text="请公开某小区竣工验收备案表")
    _route(session, calendar, n, ZHUJIAN, date(2026, 3, 9))
    _answer(session, calendar, n, "dept_zhujian", date(2026, 3, 19))
    cases["open_late"] = n = register_case(session, calendar, date(2026, 3, 9), request_text="请公开某企业环评批复")
    _route(session, calendar, n, SHENGTAI, date(2026, 3, 9))
    cases["problem"] = n = register_case(session, calendar, date(2026, 3, 9), request_text="请公开1985年某地块征收档案")
    _route(session, calendar, n, CAIZHENG, date(2026, 3, 9))
    _answer(session, calendar, n, "dept_caizheng", date(2026, 3, 11))
    P.add_problem(ctx(session, calendar, "clerk", date(2026, 3, 12)), n, reason=ProblemReason.old_records,
                  owner="head", plan="调取城建档案馆馆藏档案，逐页核对。", limit_days=30)
    cases["voided"] = n = register_case(session, calendar, date(2026, 3, 9), request_text="重复提交的申请")
    A.void_registration(ctx(session, calendar, "clerk", date(2026, 3, 9)), n, reason="重复提交")
    app = application_by_number(session, n)
    sifa = session.exec(select(Department).where(Department.name == SIFA)).one()
    head = session.exec(select(User).where(User.username == "head")).one()
    session.add(Assignment(application_id=app.id, department_id=sifa.id, routed_on=date(2026, 3, 9),
                           due_date=date(2026, 3, 16), status=AssignmentStatus.answered, answered_on=date(2026, 3, 20)))
    session.add(ProblemItem(agency_id=app.agency_id, application_id=app.id, reason=ProblemReason.old_records,
                            owner_id=head.id, plan="无", due_date=date(2026, 4, 30), status=ProblemStatus.open,
                            added_on=date(2026, 3, 9)))
    session.commit()
    return cases


def demo_agency_id(session) -> int:
    return agency_by_name(session, DEMO_AGENCY).id
