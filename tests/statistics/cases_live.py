"""Cases driven through the real actions (events, assignments, several outcomes per application)."""

from datetime import date

from models import actions as A
from models.enums import DeliveryMethod
from tests.factories import ctx, register_case


def dispatched_case(session, calendar, *, received: date, done: date, draft: A.DraftIn,
                    department: str = "区自然资源局") -> str:
    """Register on `received`, route to `department`, and carry the reply with `draft` to dispatch on `done`."""
    number = register_case(session, calendar, received)
    c = lambda user: ctx(session, calendar, user, done)  # noqa: E731
    A.route(ctx(session, calendar, "clerk", received), number, department=department)
    handler = {"区自然资源局": "dept_ziran", "区住房和城乡建设局": "dept_zhujian"}[department]
    A.submit_opinion(c(handler), number, opinion="该信息由我局制作。")
    A.submit_for_review(c("clerk"), number, draft=draft)
    A.approve_draft(c("gov_counsel"), number)
    A.issue_reply(c("head"), number, render=lambda no, d: f"答复 {no}".encode())
    A.dispatch(c("clerk"), number, method=DeliveryMethod.post, dispatched_on=done, tracking_no="EMS0001")
    return number
