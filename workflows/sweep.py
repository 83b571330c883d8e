"""The morning sweep, as plain functions: deadlines, chases and the closings the law allows the system.

    close_expired      supplement periods (Art 30 → 三(六)1), unpaid fees (→ 三(六)2), consultations past 15 WD
    deadline_notices   T-5/T-3/T-1/due today to the responsible clerk and the open departments; overdue to the
                       supervisor; departments past their answer due date are chased
    problem_reminders  the problem list's owners, due soon or overdue by its internal clock (models.problems
                       chooses whom; the sweep only queues)
    audit_notices      every morning, working day or not: the event chains and archive packages are verified
                       (models.audit_verify); a broken link is told to the supervisors, once a day
Every notification is an outbox row with its Event, keyed so that a second sweep the same day adds nothing.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

from sqlmodel import Session, col, select

from calendars import DueLevel
from models import actions as A
from models import problems as P
from models.audit_verify import Report, verify
from models.context import Ctx
from models.identity import CaseRef
from models.deadlines import read_clock, recompute_stale
from models.enums import AssignmentStatus, Role, Status
from models.lifecycle import OPEN_BEFORE_REPLY, PAUSED
from models.outbox import Notice, enqueue
from models.queries import application_by_number, application_of
from models.tables import SHANGHAI, Application, Assignment, Consultation, Department, Fee, Supplement, User
from workflows import engine

ALERT_LEVELS = {DueLevel.t5: "还有5个工作日内到期", DueLevel.t3: "还有3个工作日内到期",
                DueLevel.t1: "下一个工作日到期", DueLevel.due_today: "今日到期"}
EXPIRY = {  # status → (the row and its date that ends the wait, the system action)
    Status.awaiting_supplement: (Supplement, Supplement.due_date, A.deem_abandoned),
    Status.awaiting_fee: (Fee, Fee.pay_due, A.close_fee_unpaid),
    Status.consulting: (Consultation, Consultation.due_date, A.expire_consultation),
}


@dataclass
class SweepReport:
    today: date
    working_day: bool = True
    notified: int = 0
    closed: list[CaseRef] = field(default_factory=list)  # cases whose state the sweep changed
    recomputed: int = 0  # stored due dates recomputed on new calendar data
    audit: str = ""  # the audit verification's summary

    def summary(self) -> str:
        audit = f" {self.audit}" if self.audit else ""
        if not self.working_day:
            return f"{self.today} 不是工作日，晨检跳过。{audit}"
        return (f"{self.today} 晨检：按新日历重算期限 {self.recomputed} 件，发出提醒 {self.notified} 条，"
                f"逾期处理 {len(self.closed)} 件。{audit}")


def sweep_time(today: date) -> datetime:
    """The sweep acts at 07:30 Shanghai time on `today` (its Events carry this time)."""
    return datetime.combine(today, time(7, 30), tzinfo=SHANGHAI)


def expired(s: Session, today: date) -> list[CaseRef]:
    """Cases whose supplement period, payment period or consultation period ended before today."""
    cases = []
    for status, (table, due, _) in EXPIRY.items():
        query = (select(Application.agency_id, Application.number).join(table, table.application_id == Application.id)
                 .where(Application.status == status, due < today).order_by(Application.id))
        if table is Consultation:
            query = query.where(Consultation.ended_on.is_(None))
        cases += [CaseRef(agency_id, number) for agency_id, number in s.exec(query)]
    return list(dict.fromkeys(cases))


def close_expired(s: Session, case: CaseRef, *, today: date, calendar) -> str:
    """Take the system action the expired wait calls for (deem abandoned, fee unpaid, consultation ended)."""
    app = application_of(s, case)
    _, _, action = EXPIRY[Status(app.status)]
    return action(Ctx(s, calendar, sweep_time(today), None, agency_id=case.agency_id), case.number).message


def _users(s: Session, app: Application, role: Role, **where) -> list[User]:
    query = select(User).where(User.agency_id == app.agency_id, User.role == role, User.active)
    for name, value in where.items():
        query = query.where(getattr(User, name) == value)
    return list(s.exec(query.order_by(User.id)))


def _responsible_clerks(s: Session, app: Application) -> list[User]:
    if app.registered_by_id:
        return [s.get(User, app.registered_by_id)]
    return _users(s, app, Role.clerk)


def deadline_notices(s: Session, *, today: date, calendar) -> list[tuple[Application, Notice]]:
    """Every reminder due today: levels of the reply clock, overdue escalation, department chases."""
    found = []
    watched = [st.value for st in OPEN_BEFORE_REPLY - PAUSED]
    # no reply due (deemed abandoned, unpaid fee: only the reviewed 终止处理告知书 remains): nothing to count down
    for app in s.exec(select(Application).where(col(Application.status).in_(watched), Application.due_date.is_not(None))
                      .order_by(Application.id)):
        reading = read_clock(s, app, calendar=calendar, today=today)
        open_assignments = [a for a in s.exec(select(Assignment).where(Assignment.application_id == app.id))
                            if AssignmentStatus(a.status) in (AssignmentStatus.routed, AssignmentStatus.accepted)]
        if reading.level in ALERT_LEVELS:
            text = f"【{app.number}】答复期限 {reading.due_date}，{ALERT_LEVELS[reading.level]}"
            people = _responsible_clerks(s, app)
            for a in open_assignments:
                people += _users(s, app, Role.department_handler, department_id=a.department_id)
            for user in people:
                found.append((app, Notice(key=f"{CaseRef.of(app).key}:deadline:{reading.level.value}:{reading.due_date}:{user.username}",
                                          kind=f"deadline_{reading.level.value}", recipient=user.username, subject=text)))
        elif reading.level == DueLevel.overdue:
            for user in _users(s, app, Role.supervisor):
                found.append((app, Notice(key=f"{CaseRef.of(app).key}:overdue:{reading.due_date}:{user.username}", kind="overdue",
                                          recipient=user.username,
                                          subject=f"【{app.number}】已超过答复期限 {reading.due_date}，请督办")))
        for a in open_assignments:
            if a.due_date < today:
                dept = s.get(Department, a.department_id)
                people = _users(s, app, Role.department_handler, department_id=a.department_id)
                if a.due_set_by_leader:
                    people += _users(s, app, Role.coordinating_leader)
                for user in people:
                    found.append((app, Notice(key=f"{CaseRef.of(app).key}:chase:{a.id}:{today}:{user.username}", kind="chase",
                                              recipient=user.username,
                                              subject=f"【{app.number}】{dept.name}书面答复意见已逾期（应于 {a.due_date} 前提交），请尽快办理")))
    return found


def queue_problem_reminders(s: Session, *, today: date, calendar, now: datetime) -> int:
    """Queue the reminders models.problems.reminders chooses; an archived case's item is told without a case event."""
    queued = 0
    for line, notice in P.reminders(P.open_problems(s, today=today, calendar=calendar), today=today):
        app = application_by_number(s, line.case.number, agency_id=line.case.agency_id)
        queued += enqueue(s, None if app.status == Status.archived else app, notice, now=now)
    return queued


def audit_notices(s: Session, *, today: date, var_dir: Path) -> tuple[Report, list[Notice]]:
    """Verify the chains and the packages; when a link is broken, a notice to each supervisor (once a day)
    with the findings about their agency's cases and about the installation's chain."""
    report = verify(s, var_dir=var_dir)
    if report.ok:
        return report, []
    notices = []
    for user in s.exec(select(User).where(User.role == Role.supervisor, User.active).order_by(User.id)):
        mine = [f for f in report.findings if f.agency_id in (None, user.agency_id)]
        if not mine:
            continue
        first = sorted(mine, key=lambda f: (f.event_id is None, f.event_id or 0))[0]
        notices.append(Notice(key=f"audit:{today}:{user.username}", kind="audit", recipient=user.username,
                              subject=f"审计核验发现 {len(mine)} 处问题，第一处：{first}"[:300],
                              body="\n".join(str(f) for f in mine)))
    return report, notices


def audit_and_alert(today: date, *, var_dir: Path | None = None) -> str:
    """Run the audit verification and queue its notices; the summary for the sweep's report."""
    with engine.session() as s:
        report, notices = audit_notices(s, today=today, var_dir=var_dir or engine.settings().var_dir)
        for notice in notices:
            enqueue(s, None, notice, now=sweep_time(today))
    return report.summary()


def sweep(today: date, *, sender=None) -> SweepReport:
    """Inline (no Prefect): the same steps as workflows.flows.morning_sweep."""
    calendar = engine.calendar()
    report = SweepReport(today, working_day=calendar.is_working_day(today))
    report.audit = audit_and_alert(today)
    if not report.working_day:
        with engine.session() as s:
            engine.send_notifications(s, now=sweep_time(today), sender=sender)
        return report
    now = sweep_time(today)
    with engine.session() as s:
        report.recomputed = recompute_stale(s, calendar=calendar, today=today)
        for case in expired(s, today):
            close_expired(s, case, today=today, calendar=calendar)
            report.closed.append(case)
        for app, notice in deadline_notices(s, today=today, calendar=calendar):
            report.notified += engine.queue_notification(s, CaseRef.of(app), notice, now=now)
        report.notified += queue_problem_reminders(s, today=today, calendar=calendar, now=now)
    for case in report.closed:
        engine.advance(case, now=now, sender=sender)
    with engine.session() as s:
        engine.send_notifications(s, now=now, sender=sender)
    return report
