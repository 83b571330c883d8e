"""Mock applications (模拟暗访): the office tests its departments with applications of its own and grades the replies.

The office (a supervisor or the office head) drafts a test application for one department in one round: the
request, the applicant it is sent as, the outcome the reply should have (one the engine knows, Art 36) and the
points the reply must contain. Sending it submits it through the internet channel exactly as an applicant's online
application arrives (the system registers it, Art 31(3): received the day it is submitted): the same number series,
the same receipt, the same timeline, nothing on the case's row. The office's clerk then handles it like any case:
it is routed to the department, whose desk shows it like any other, and the reply is drafted, reviewed and signed.

Once the reply is signed (签发), the office grades it (`grade_mock`): on time (the department by its deadline, the
reply by the Art 33 due date), right outcome, right citations and remedy clause (the citation check of
models.citation_check run against the expected outcome on the reply date), and completeness, a score per point:
100 where the point is found in the reply or the department's opinion, else the score the supervisor enters.

A mock case is in no statistic but the audit's own (models.mock_tables.not_mock): tables 三/四, the dashboards,
the public status page, the applicant's notifications, repeats and monthly counts. No Event is written on the case
for the audit (the department reads the timeline); the mock rows record who drafted, sent and graded, and when.

    draft_mock / send_mock / grade_mock      the actions (one transaction each)
    compute_grade(session, mock, calendar)   what the engine judges by itself
    department_grades(session, agency_id, start, end)  department id → average total of the mocks graded then
    audit_report(session, agency_id=, round_name=, department_id=)  the audit report's rows
    year_figures(session, agency_ids=, start=, end=)   what the annual report's sections 五/六 say of the audits
"""

import re
from dataclasses import dataclass, field, replace
from datetime import date

from sqlalchemy import func
from sqlmodel import Session, col, select

from models.actions import reply_draft
from models.citation_check import Rule, check_reply
from models.context import Ctx, action
from models.enums import (ApplicantIdType, ApplicantOnFile, Channel, DecisionStatus, DeliveryMethod,
                          RequestedForm, Role, Status)
from models.errors import GuardFailed, NotFound, RoleNotAllowed, ValidationFailed
from models.mock_tables import MockAudit, MockGrade
from models.outcomes import TERMINATION_OUTCOMES, ApplicantKind, Outcome
from models.portal import submit_online
from models.queries import department_by_name
from models.registration import ApplicantIn, ApplicationIn, Registered, validate
from models.tables import Agency, Application, Assignment, Decision, Department, Event, User, shanghai_day
from models.validation import check_clean

AUDITORS = frozenset({Role.supervisor, Role.office_head})  # the office that runs the audit
# The outcomes a test may expect: every reply the engine can make (Art 36), not the closings without one
EXPECTABLE = tuple(o for o in Outcome if o.spec.is_reply and o not in TERMINATION_OUTCOMES)
SIGNED = frozenset({Status.issued, Status.dispatched, Status.delivered, Status.archived})
CITATION_RULES = frozenset({Rule.outcome_citations, Rule.contradicting_citation, Rule.basis_missing,
                            Rule.refusal_ground, Rule.law_in_force, Rule.law_named, Rule.art16_category, Rule.items})
REMEDY_RULES = frozenset({Rule.remedy_present, Rule.reconsideration_first, Rule.remedy_periods})
# The grade's parts and their weight in the total (100): the seeds' 暗访 score sheets weigh the decision most
WEIGHTS = {"department_on_time": 10, "reply_on_time": 10, "outcome": 30, "citations": 20, "remedy": 10,
           "completeness": 20}
MAX_POINTS = 20


@dataclass(frozen=True)
class MockIn:
    """What the office drafts: the round, the department, the request, the expected outcome, the points."""

    round_name: str
    department: str
    request_text: str
    expected_outcome: Outcome | str
    points: list[str]
    applicant: ApplicantIn


def _require_auditor(ctx: Ctx) -> User:
    if ctx.actor is None or Role(ctx.actor.role) not in AUDITORS:
        raise RoleNotAllowed("只有督办人员或公开办负责人可以办理模拟暗访。", "only the office runs mock audits")
    return ctx.actor


def _text(value: str, *, what: str, field: str, multiline: bool = False) -> str:
    value = check_clean(value or "", what=what, field=field, multiline=multiline).strip()
    if not value:
        raise ValidationFailed(f"请填写{what}。", f"{field} empty", field=field)
    return value


def expected_outcome(value: Outcome | str) -> Outcome:
    try:
        outcome = Outcome(value)
    except ValueError:
        raise ValidationFailed(f"预期处理结果「{value}」不存在。", f"unknown outcome {value!r}",
                               field="expected_outcome") from None
    if outcome not in EXPECTABLE:
        raise ValidationFailed(f"「{outcome.label}」办结时不出具答复书，不能作为模拟暗访的预期结果。",
                               f"{outcome} is not a reply", field="expected_outcome")
    return outcome


def clean_points(points: list[str]) -> list[str]:
    found = [_text(p, what="答复要点", field="points") for p in points if (p or "").strip()]
    if not found:
        raise ValidationFailed("请至少填写一个答复应当包含的要点。", "no points", field="points")
    if len(found) > MAX_POINTS:
        raise ValidationFailed(f"答复要点最多{MAX_POINTS}个。", "too many points", field="points")
    return list(dict.fromkeys(found))


@action
def draft_mock(ctx: Ctx, data: MockIn) -> MockAudit:
    """The office drafts a test application (not sent yet: it can be read and checked first)."""
    actor = _require_auditor(ctx)
    agency = ctx.session.get(Agency, actor.agency_id)
    dept = department_by_name(ctx.session, agency, _text(data.department, what="被测单位", field="department"))
    a = data.applicant
    persona = {"kind": ApplicantKind(a.kind).value, "name": _text(a.name, what="申请人姓名", field="applicant.name"),
               "id_type": ApplicantIdType(a.id_type).value, "id_number": (a.id_number or "").strip() or None,
               "phone": (a.phone or "").strip(), "email": (a.email or "").strip(), "address": (a.address or "").strip()}
    mock = MockAudit(agency_id=agency.id, round_name=_text(data.round_name, what="轮次", field="round_name"),
                     department_id=dept.id,
                     request_text=_text(data.request_text, what="申请内容", field="request_text", multiline=True),
                     expected_outcome=expected_outcome(data.expected_outcome).value, points=clean_points(data.points),
                     persona=persona, drafted_by_id=actor.id, drafted_at=ctx.now)
    validate(application_in(agency, mock, today=ctx.today), today=ctx.today)  # what sending would refuse, refused now
    ctx.session.add(mock)
    ctx.session.flush()
    return mock


def mock_of(session: Session, mock_id: int, *, agency_id: int) -> MockAudit:
    mock = session.get(MockAudit, mock_id) if 0 < mock_id < 2**63 else None  # no row id is outside SQL's integers
    if mock is None or mock.agency_id != agency_id:
        raise NotFound(f"模拟暗访 {mock_id} 不存在。", f"mock {mock_id} not found")
    return mock


def application_in(agency: Agency, mock: MockAudit, *, today: date) -> ApplicationIn:
    """The online application the test is sent as (the JSON API's own shape: it arrives today and is received in law
    on the day the clerk confirms it, Art 31(3))."""
    p = mock.persona
    return ApplicationIn(
        agency=agency.name, channel=Channel.online, arrived_on=today, receipt_date=today, awaiting_confirmation=True,
        applicant=ApplicantIn(kind=ApplicantKind(p["kind"]), name=p["name"], id_type=ApplicantIdType(p["id_type"]),
                              id_number=p.get("id_number"), phone=p.get("phone", ""), email=p.get("email", ""),
                              address=p.get("address", "")),
        request_text=mock.request_text, applicant_on_file=ApplicantOnFile.keep,
        requested_form=RequestedForm.electronic, delivery_method=DeliveryMethod.platform,
        electronic_delivery_consent=True)  # as an applicant on the online platform answers its form


@action
def send_mock(ctx: Ctx, mock_id: int) -> Registered:
    """Submit the test as an online application (models.portal.submit_online, as the JSON API does): awaiting the
    clerk's confirmation of receipt like any other, marked a mock in the same transaction."""
    actor = _require_auditor(ctx)
    mock = mock_of(ctx.session, mock_id, agency_id=actor.agency_id)
    if mock.application_id is not None:
        raise GuardFailed("该模拟暗访申请已发出，不能重复发出。", "mock already sent")
    agency = ctx.session.get(Agency, mock.agency_id)
    system = Ctx(ctx.session, ctx.calendar, ctx.now, None, agency.id)  # Art 29: the internet channel admits it
    # as the JSON API submits a real one: 待确认 until the office's clerk confirms receipt (Art 31(3))
    registered = submit_online.__wrapped__(system, application_in(agency, mock, today=ctx.today), via="api")
    mock.application_id = registered.application.id
    mock.sent_on = ctx.today
    mock.sent_by_id = actor.id
    ctx.session.add(mock)
    return registered


# --- grading ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Computed:
    """What the engine judges of a signed reply by itself."""

    department_on_time: bool
    reply_on_time: bool
    actual_outcome: Outcome
    outcome_right: bool
    citations_right: bool
    remedy_right: bool
    findings: list[str]
    found: list[bool]  # per point: found in the reply or the department's opinion
    reply_on: date


def _squeeze(text: str) -> str:
    return re.sub(r"[\s，,。.；;：:、“”\"'（）()《》]+", "", text or "")


def _reply(session: Session, app: Application) -> tuple[Decision, date]:
    if Status(app.status) not in SIGNED:
        raise GuardFailed(f"申请 {app.number} 的答复尚未签发（当前：{Status(app.status).label}），签发后才能评分。",
                          "reply not signed yet")
    decision = session.exec(select(Decision).where(Decision.application_id == app.id,
                                                   Decision.status == DecisionStatus.approved.value)
                            .order_by(col(Decision.version).desc())).first()
    issued = session.exec(select(Event).where(Event.application_id == app.id, Event.action == "issue_reply")
                          .order_by(col(Event.id).desc())).first()
    if decision is None or issued is None:
        raise GuardFailed(f"申请 {app.number} 没有已签发的答复，不能评分。", "no signed reply")
    return decision, shanghai_day(issued.at)


def compute_grade(session: Session, mock: MockAudit) -> Computed:
    """On time, outcome, citations, remedy clause and which points are found, from the case as it stands."""
    if mock.application_id is None:
        raise GuardFailed("该模拟暗访申请尚未发出。", "mock not sent")
    app = session.get(Application, mock.application_id)
    decision, reply_on = _reply(session, app)
    expected = Outcome(mock.expected_outcome)
    findings: list[str] = []
    assignment = session.exec(select(Assignment).where(Assignment.application_id == app.id,
                                                       Assignment.department_id == mock.department_id)
                              .order_by(col(Assignment.id).desc())).first()
    dept = session.get(Department, mock.department_id)
    if assignment is None:
        findings.append(f"申请未交办{dept.name}")
    elif assignment.answered_on is None:
        findings.append(f"{dept.name}未提交书面答复意见")
    elif assignment.answered_on > assignment.due_date:
        findings.append(f"{dept.name}于{assignment.answered_on}提交书面答复意见，超过交办期限{assignment.due_date}")
    department_on_time = bool(assignment and assignment.answered_on and assignment.answered_on <= assignment.due_date)
    reply_on_time = app.due_date is None or reply_on <= app.due_date  # Art 33: the clock's due date, pauses counted
    if not reply_on_time:
        findings.append(f"答复于{reply_on}签发，超过答复期限{app.due_date}（《条例》第三十三条）")
    actual = Outcome(decision.outcome)
    if actual != expected:
        findings.append(f"处理结果为“{actual.label}”，应为“{expected.label}”")
    agency = session.get(Agency, app.agency_id)
    draft = reply_draft(agency, decision, on=reply_on)
    # the reply as signed, checked as if it answered with the expected outcome: its citations and remedy must fit
    checked = check_reply(replace(draft, outcome=expected, table3_row=expected.table3_row))
    citation = [f.message_zh for f in checked if f.rule in CITATION_RULES]
    remedy = [f.message_zh for f in checked if f.rule in REMEDY_RULES]
    findings += [f"引用依据：{m}" for m in citation] + [f"救济途径：{m}" for m in remedy]
    text = _squeeze(" ".join([decision.body, decision.reasons, assignment.opinion if assignment else "",
                              *(f"{w.get('part', '')}{w.get('reason', '')}" for w in decision.withheld_items),
                              *(f"{i.get('part', '')}{i.get('reasons', '')}{i.get('body', '')}"
                                for i in decision.item_outcomes if isinstance(i, dict))]))
    found = [bool(_squeeze(p)) and _squeeze(p) in text for p in mock.points]
    return Computed(department_on_time, reply_on_time, actual, actual == expected, not citation, not remedy,
                    findings, found, reply_on)


def total_score(c: Computed, point_scores: list[float]) -> float:
    completeness = sum(point_scores) / len(point_scores) / 100 if point_scores else 1.0
    parts = {"department_on_time": c.department_on_time, "reply_on_time": c.reply_on_time,
             "outcome": c.outcome_right, "citations": c.citations_right, "remedy": c.remedy_right}
    return round(sum(WEIGHTS[k] for k, ok in parts.items() if ok) + WEIGHTS["completeness"] * completeness, 1)


def _score(value, point: str) -> float:
    try:
        score = float(value)
    except (TypeError, ValueError):
        raise ValidationFailed(f"要点「{point}」的得分应为0至100的数字。", f"score {value!r}", field="scores") from None
    if not 0 <= score <= 100:
        raise ValidationFailed(f"要点「{point}」的得分应在0至100之间（填写的是{value}）。", "score out of range",
                               field="scores")
    return score


@action
def grade_mock(ctx: Ctx, mock_id: int, *, scores: dict[int, float | str] | None = None) -> MockGrade:
    """Grade the signed reply: the engine's parts, the supervisor's score for each point it could not find.

    `scores` maps a point's index (0-based) to 0–100; a point found in the reply scores 100 by itself. Grading again
    replaces the grade (the supervisor corrects a score)."""
    actor = _require_auditor(ctx)
    mock = mock_of(ctx.session, mock_id, agency_id=actor.agency_id)
    computed = compute_grade(ctx.session, mock)
    scores = {int(k): v for k, v in (scores or {}).items() if v not in (None, "")}
    missing = [p for i, (p, ok) in enumerate(zip(mock.points, computed.found)) if not ok and i not in scores]
    if missing:
        raise ValidationFailed(f"以下要点未在答复中找到原文，请逐项评分（0至100）：{'；'.join(missing)}",
                               "points need a score", field="scores")
    point_scores = [{"point": p, "score": 100.0 if ok else _score(scores[i], p), "computed": ok}
                    for i, (p, ok) in enumerate(zip(mock.points, computed.found))]
    total = total_score(computed, [s["score"] for s in point_scores])
    grade = (ctx.session.exec(select(MockGrade).where(MockGrade.mock_id == mock.id)).first()
             or MockGrade(mock_id=mock.id))
    for name, value in dict(graded_on=ctx.today, graded_by_id=actor.id, department_on_time=computed.department_on_time,
                            reply_on_time=computed.reply_on_time, outcome_right=computed.outcome_right,
                            citations_right=computed.citations_right, remedy_right=computed.remedy_right,
                            actual_outcome=computed.actual_outcome.value, findings=computed.findings,
                            point_scores=point_scores, total=total).items():
        setattr(grade, name, value)
    ctx.session.add(grade)
    ctx.session.flush()
    return grade


# --- reads --------------------------------------------------------------------------------------------------


def _grades(session: Session, mock_ids: list[int]) -> dict[int, MockGrade]:
    if not mock_ids:
        return {}
    return {g.mock_id: g for g in session.exec(select(MockGrade).where(col(MockGrade.mock_id).in_(mock_ids)))}


def department_grades(session: Session, agency_id: int, start: date, end: date) -> dict[int, float]:
    """Department id → the average total (0–100) of its mock cases graded from `start` to `end` (both counted)."""
    rows = session.exec(
        select(MockAudit.department_id, func.avg(MockGrade.total))
        .join(MockGrade, MockGrade.mock_id == MockAudit.id)
        .where(MockAudit.agency_id == agency_id, MockGrade.graded_on >= start, MockGrade.graded_on <= end)
        .group_by(MockAudit.department_id)
    ).all()
    return {department_id: round(float(avg), 1) for department_id, avg in rows}


@dataclass(frozen=True)
class MockLine:
    """One test application as the list and the report show it."""

    id: int
    round_name: str
    department: str
    request_text: str
    expected: Outcome
    points: list[str]
    number: str | None
    status: Status | None
    sent_on: date | None
    grade: MockGrade | None

    @property
    def stage(self) -> str:
        if self.number is None:
            return "未发出"
        if self.grade is not None:
            return "已评分"
        return "可评分" if self.status in SIGNED else "办理中"


def mock_lines(session: Session, *, agency_id: int, round_name: str | None = None,
               department_id: int | None = None) -> list[MockLine]:
    query = select(MockAudit).where(MockAudit.agency_id == agency_id)
    if round_name:
        query = query.where(MockAudit.round_name == round_name)
    if department_id:
        query = query.where(MockAudit.department_id == department_id)
    mocks = list(session.exec(query.order_by(MockAudit.round_name, MockAudit.department_id, MockAudit.id)))
    names = dict(session.exec(select(Department.id, Department.name).where(Department.agency_id == agency_id)).all())
    ids = [m.id for m in mocks]
    grades = _grades(session, ids)
    apps = {a.id: a for a in session.exec(select(Application).where(
        col(Application.id).in_([m.application_id for m in mocks if m.application_id])))} if ids else {}
    lines = []
    for m in mocks:
        app = apps.get(m.application_id)
        lines.append(MockLine(m.id, m.round_name, names.get(m.department_id, ""), m.request_text,
                              Outcome(m.expected_outcome), list(m.points), app.number if app else None,
                              Status(app.status) if app else None, m.sent_on, grades.get(m.id)))
    return lines


def rounds(session: Session, *, agency_id: int) -> list[str]:
    return list(session.exec(select(MockAudit.round_name).where(MockAudit.agency_id == agency_id)
                             .group_by(MockAudit.round_name).order_by(MockAudit.round_name)))


@dataclass(frozen=True)
class DepartmentResult:
    department: str
    sent: int
    graded: int
    average: float | None


@dataclass(frozen=True)
class AuditReport:
    """The audit report of one round (optionally one department): the departments' averages and every case."""

    agency: str
    round_name: str
    department: str | None
    departments: list[DepartmentResult]
    lines: list[MockLine] = field(default_factory=list)

    @property
    def average(self) -> float | None:
        totals = [ln.grade.total for ln in self.lines if ln.grade is not None]
        return round(sum(totals) / len(totals), 1) if totals else None


def audit_report(session: Session, *, agency_id: int, round_name: str, department_id: int | None = None) -> AuditReport:
    agency = session.get(Agency, agency_id)
    if round_name not in rounds(session, agency_id=agency_id):
        raise NotFound(f"没有轮次为「{round_name}」的模拟暗访。", f"no round {round_name!r}")
    lines = [ln for ln in mock_lines(session, agency_id=agency_id, round_name=round_name, department_id=department_id)
             if ln.number is not None]
    by_department: dict[str, list[MockLine]] = {}
    for ln in lines:
        by_department.setdefault(ln.department, []).append(ln)
    results = []
    for name, mine in by_department.items():
        totals = [ln.grade.total for ln in mine if ln.grade is not None]
        results.append(DepartmentResult(name, len(mine), len(totals),
                                        round(sum(totals) / len(totals), 1) if totals else None))
    department = session.get(Department, department_id).name if department_id else None
    return AuditReport(agency.name, round_name, department, results, lines)


@dataclass(frozen=True)
class YearFigures:
    """The year's mock audits as the annual report's sections 五/六 state them."""

    rounds: int
    departments: int
    sent: int
    graded: int
    average: float | None
    problems: list[str]  # what the graded replies got wrong, by department


def year_figures(session: Session, *, agency_ids: tuple[int, ...] | list[int], start: date, end: date) -> YearFigures:
    mocks = list(session.exec(select(MockAudit).where(col(MockAudit.agency_id).in_(list(agency_ids)),
                                                      MockAudit.sent_on >= start, MockAudit.sent_on <= end)))
    ids = [m.id for m in mocks]
    grades = _grades(session, ids)
    names = dict(session.exec(select(Department.id, Department.name)).all())
    problems = []
    for m in mocks:
        g = grades.get(m.id)
        if g is None:
            continue
        missed = [s["point"] for s in g.point_scores if s["score"] < 100]
        said = list(g.findings) + ([f"答复要点不完整：{'、'.join(missed)}"] if missed else [])
        problems += [f"{names.get(m.department_id, '')}：{text}" for text in said]
    totals = [g.total for g in grades.values()]
    return YearFigures(len({m.round_name for m in mocks}), len({m.department_id for m in mocks}), len(mocks),
                       len(totals), round(sum(totals) / len(totals), 1) if totals else None,
                       list(dict.fromkeys(problems)))
