"""Whether a decision is allowed for this case: the facts each outcome needs, with the article that requires them.

The citation check (models.citation_check) asks whether a reply *says* the right thing; these guards ask
whether the case *allows* the decision at all. Each guard cites its basis, states its rule in Chinese
(the desk shows it before the clerk submits) and refuses with a Chinese message saying what is missing.

    outcome                      the case must have                                             basis
    repeat                       an earlier application of the same applicant, answered and     Art 36(6)
                                 the reply served, named in the decision
    unclear_after_supplement     a 补正 notice and the supplemented application received         Art 30
    deemed_abandoned             a 补正 notice whose period passed without a supplement          Art 30
    fee_unpaid                   a fee notice sent (after counsel's sign-off), unpaid, past due  国办函〔2020〕109号
    unreasonable_volume          a 说明理由告知书 sent, the reasons recorded or their period     Art 35
                                 past, and no deferred period granted instead

and the other way round: once the law deems an application abandoned (Art 30) or the fee is unpaid, the
only decision left is the 终止处理告知书. The process guards (a department's deadline, who sits in a 会商,
who may clear the 易诉 flag) are at the end.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlmodel import Session, select

from models.enums import FeeStatus, ParticipantKind, Role, Status
from models.errors import GuardFailed, RoleNotAllowed
from models.mock_tables import not_mock
from models.outcomes import TERMINATION_OUTCOMES, Outcome
from models.tables import Application, Decision, Delivery, Document, Fee, ReasonRequest, Supplement, User

ART30 = "《条例》第三十条"
ART35 = "《条例》第三十五条"
ART36_6 = "《条例》第三十六条第（六）项"
FEE_RULES = "《政府信息公开信息处理费管理办法》（国办函〔2020〕109号）"
REPLY_DOCUMENT = "reply"  # the kind of the stored 答复书 (a 终止处理告知书 is "termination")


# --- the facts of a case, read once -------------------------------------------------------------------------


@dataclass(frozen=True)
class SupplementFacts:
    issued_on: date
    due_date: date
    received_on: date | None


@dataclass(frozen=True)
class FeeFacts:
    status: FeeStatus
    sent_on: date | None
    pay_due: date | None
    paid_on: date | None


@dataclass(frozen=True)
class ReasonFacts:
    """Art 35: the 说明理由告知书 and what came of it."""

    sent_on: date
    due_date: date
    answered_on: date | None
    reasons: str
    deferred_due: date | None


@dataclass(frozen=True)
class EarlierApplication:
    """Another application of the same applicant to the same agency, and whether its reply was served."""

    number: str
    receipt_date: date
    status: Status
    request_text: str
    doc_number: str | None  # the 文号 of its 答复书
    dispatched_on: date | None
    delivered_on: date | None  # 送达

    @property
    def served(self) -> bool:
        return self.doc_number is not None and self.delivered_on is not None


@dataclass(frozen=True)
class CaseFacts:
    """What the decision guards read: plain data, so that the rules are pure and testable without a database."""

    number: str
    receipt_date: date
    today: date
    supplement: SupplementFacts | None = None
    fee: FeeFacts | None = None
    reasons: ReasonFacts | None = None
    earlier: tuple[EarlierApplication, ...] = ()  # the same applicant's other applications here, oldest first

    def earlier_named(self, number: str) -> EarlierApplication | None:
        return next((e for e in self.earlier if e.number == number), None)

    @property
    def supplement_lapsed(self) -> bool:
        """Art 30: a 补正 was asked for, its period has passed and nothing came."""
        s = self.supplement
        return s is not None and s.received_on is None and self.today > s.due_date

    @property
    def fee_lapsed(self) -> bool:
        f = self.fee
        return (f is not None and f.status == FeeStatus.sent and f.paid_on is None and f.pay_due is not None
                and self.today > f.pay_due)


def case_facts(session: Session, app: Application, *, today: date) -> CaseFacts:
    """Read the facts the guards need from the case's rows."""
    supplement = session.exec(select(Supplement).where(Supplement.application_id == app.id)).first()
    fee = session.exec(select(Fee).where(Fee.application_id == app.id)).first()
    asked = session.exec(select(ReasonRequest).where(ReasonRequest.application_id == app.id)).first()
    return CaseFacts(
        number=app.number, receipt_date=app.receipt_date, today=today,
        supplement=SupplementFacts(supplement.issued_on, supplement.due_date, supplement.received_on)
        if supplement else None,
        fee=FeeFacts(FeeStatus(fee.status), fee.notice_sent_on, fee.pay_due, fee.paid_on) if fee else None,
        reasons=ReasonFacts(asked.sent_on, asked.due_date, asked.answered_on, asked.reasons, asked.deferred_due)
        if asked else None,
        earlier=earlier_applications(session, app),
    )


def earlier_applications(session: Session, app: Application) -> tuple[EarlierApplication, ...]:
    """The same applicant's other applications to this agency received up to this one, with their served replies."""
    others = session.exec(
        select(Application).where(Application.agency_id == app.agency_id, Application.applicant_id == app.applicant_id,
                                  Application.id != app.id, Application.receipt_date <= app.receipt_date,
                                  Application.status != Status.voided.value,
                                  not_mock(Application.id))  # a 模拟暗访 test was not the applicant's application
        .order_by(Application.receipt_date, Application.id)
    ).all()
    found = []
    for other in others:
        reply = session.exec(select(Document).where(Document.application_id == other.id,
                                                    Document.kind == REPLY_DOCUMENT)
                             .order_by(Document.version.desc())).first()
        delivery = None
        if reply is not None:
            delivery = session.exec(select(Delivery).where(Delivery.document_id == reply.id)
                                    .order_by(Delivery.id.desc())).first()
        found.append(EarlierApplication(
            number=other.number, receipt_date=other.receipt_date, status=Status(other.status),
            request_text=other.request_text, doc_number=reply.doc_number if reply else None,
            dispatched_on=delivery.dispatched_on if delivery else None,
            delivered_on=delivery.delivered_on if delivery else None))
    return tuple(found)


# --- the decision guards -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GuardFinding:
    """One unmet condition, in the shape the desk lists citation findings in."""

    rule: str
    message_zh: str


@dataclass(frozen=True)
class DecisionIn:
    """The parts of a draft the guards read."""

    outcome: Outcome
    item_outcomes: tuple[Outcome, ...] = ()
    repeat_of: str | None = None

    @property
    def outcomes(self) -> tuple[Outcome, ...]:
        return tuple(dict.fromkeys((self.outcome, *self.item_outcomes)))


@dataclass(frozen=True)
class Guard:
    """What an outcome needs from the case: its rule as the desk shows it, its basis, and the test."""

    rule: str
    outcomes: tuple[Outcome, ...]
    basis: str
    rule_zh: str
    unmet: Callable[[CaseFacts, DecisionIn], str | None]  # None when met, else what is missing


def _repeat(facts: CaseFacts, d: DecisionIn) -> str | None:
    if not (d.repeat_of or "").strip():
        if not any(e.served for e in facts.earlier):
            return "同一申请人在本机关没有已作出答复并送达的申请"
        return "请写明此前已作出答复的申请编号"
    earlier = facts.earlier_named(d.repeat_of.strip())
    if earlier is None:
        return f"申请 {d.repeat_of} 不是同一申请人在本申请之前向本机关提出的申请"
    if not earlier.served:
        state = f"当前状态「{earlier.status.label}」" if earlier.doc_number is None else "答复书尚未送达"
        return f"申请 {earlier.number} 尚未作出答复并送达（{state}），不能以重复申请为由不予处理"
    return None


def _unclear(facts: CaseFacts, d: DecisionIn) -> str | None:
    s = facts.supplement
    if s is None:
        return "本申请未发出补正告知，不能认定“补正后申请内容仍不明确”"
    if s.received_on is None:
        return "尚未收到申请人的补正；逾期未补正的，应视为放弃申请（终止处理），而不是“补正后仍不明确”"
    return None


def _abandoned(facts: CaseFacts, d: DecisionIn) -> str | None:
    s = facts.supplement
    if s is None:
        return "本申请未发出补正告知，不能视为放弃申请"
    if s.received_on is not None:
        return f"申请人已于 {s.received_on} 补正，不能视为放弃申请"
    if facts.today <= s.due_date:
        return f"补正期限至 {s.due_date} 尚未届满"
    return None


def _unpaid(facts: CaseFacts, d: DecisionIn) -> str | None:
    f = facts.fee
    if f is None or f.status != FeeStatus.sent:
        return "本申请没有经法律审核后发出的收费通知"
    if f.paid_on is not None:
        return f"申请人已于 {f.paid_on} 缴费"
    if facts.today <= f.pay_due:
        return f"缴费期限至 {f.pay_due} 尚未届满"
    return None


def _unreasonable(facts: CaseFacts, d: DecisionIn) -> str | None:
    r = facts.reasons
    if r is None:
        return "尚未向申请人发出说明理由告知书，要求其说明理由"
    if r.deferred_due is not None:
        return f"已认定申请理由合理并确定于 {r.deferred_due} 前答复，不能再以理由不合理不予处理"
    if r.answered_on is None and facts.today <= r.due_date:
        return f"申请人说明理由的期限至 {r.due_date} 尚未届满，且尚未说明理由"
    return None


GUARDS: tuple[Guard, ...] = (
    Guard("repeat_answered", (Outcome.repeat,), ART36_6,
          "须是同一申请人此前提出、本机关已作出答复并送达的申请，并写明该申请编号", _repeat),
    Guard("supplement_received", (Outcome.unclear_after_supplement,), ART30,
          "须已发出补正告知并收到申请人的补正", _unclear),
    Guard("supplement_lapsed", (Outcome.deemed_abandoned,), ART30,
          "须已发出补正告知、补正期限届满且申请人未补正", _abandoned),
    Guard("fee_lapsed", (Outcome.fee_unpaid,), FEE_RULES,
          "须已发出经法律审核的收费通知、缴费期限届满且申请人未缴费", _unpaid),
    Guard("reasons_requested", (Outcome.unreasonable_volume,), ART35,
          "须已发出说明理由告知书，申请人已说明理由或说明期限已届满，且未确定延迟答复期限", _unreasonable),
)
GUARD_OF: dict[Outcome, Guard] = {o: g for g in GUARDS for o in g.outcomes}


def _only_termination(facts: CaseFacts, d: DecisionIn) -> list[GuardFinding]:
    """Art 30 / the fee rules: once the application is deemed abandoned, nothing but the termination is decided."""
    if facts.supplement_lapsed and d.outcomes != (Outcome.deemed_abandoned,):
        return [GuardFinding("supplement_lapsed", f"申请人逾期未补正，依{ART30}视为放弃申请，只能作出终止处理告知"
                                                   f"（处理结果“{Outcome.deemed_abandoned.label}”）")]
    if facts.fee_lapsed and d.outcomes != (Outcome.fee_unpaid,):
        return [GuardFinding("fee_lapsed", f"申请人逾期未缴纳信息处理费，依{FEE_RULES}不再处理，只能作出终止处理告知"
                                           f"（处理结果“{Outcome.fee_unpaid.label}”）")]
    return []


def check_decision(facts: CaseFacts, decision: DecisionIn) -> list[GuardFinding]:
    """Every unmet condition of the decision's outcomes on this case; empty when it may be drafted."""
    findings = _only_termination(facts, decision)
    if decision.repeat_of and Outcome.repeat not in decision.outcomes:
        findings.append(GuardFinding("repeat_answered", "只有以重复申请为由不予处理时才写明此前的申请编号"))
    for outcome in decision.outcomes:
        guard = GUARD_OF.get(outcome)
        missing = guard.unmet(facts, decision) if guard else None
        if missing:
            findings.append(GuardFinding(guard.rule, f"处理结果“{outcome.label}”{guard.rule_zh}（{guard.basis}）：{missing}"))
    return findings


def ensure_decision_allowed(facts: CaseFacts, decision: DecisionIn) -> None:
    """Refuse a decision the case does not allow, with every reason in Chinese."""
    findings = check_decision(facts, decision)
    if findings:
        raise GuardFailed("本案不能作出该处理决定：" + "；".join(f.message_zh for f in findings) + "。",
                          "decision not allowed: " + ", ".join(f.rule for f in findings))


@dataclass(frozen=True)
class RuleStatus:
    """One guard as the draft page shows it: the rule, and whether this case meets it now."""

    outcomes: str
    basis: str
    rule_zh: str
    missing: str | None


def rules_for(facts: CaseFacts, *, repeat_of: str | None = None) -> list[RuleStatus]:
    """Every guarded outcome with its rule and, for this case today, what is still missing (None: met)."""
    shown = []
    served = next((e.number for e in facts.earlier if e.served), None)
    for guard in GUARDS:  # without a chosen earlier application, the repeat rule is met when one could be chosen
        named = repeat_of or (served if guard.rule == "repeat_answered" else None)
        decision = DecisionIn(guard.outcomes[0], repeat_of=named)
        shown.append(RuleStatus("、".join(o.label for o in guard.outcomes), guard.basis, guard.rule_zh,
                                guard.unmet(facts, decision)))
    return shown


def default_outcome(facts: CaseFacts) -> Outcome | None:
    """The outcome a case can only have: the termination once the supplement or the payment period lapsed."""
    if facts.supplement_lapsed:
        return Outcome.deemed_abandoned
    if facts.fee_lapsed:
        return Outcome.fee_unpaid
    return None


assert set(TERMINATION_OUTCOMES) <= set(GUARD_OF), "every termination outcome has its guard"


# --- process guards -----------------------------------------------------------------------------------------


def latest_department_due(reply_due: date, *, reserve_days: int, calendar) -> date:
    """The last working day a department may be given: `reserve_days` working days remain for the office
    (drafting, legal review, 签发, dispatch) before the reply due date (the seeds' 联席办理制度, Art 33)."""
    day = reply_due
    while calendar.working_days_between(day, reply_due) < reserve_days:
        day -= timedelta(days=1)
    while not calendar.is_working_day(day):
        day -= timedelta(days=1)
    return day


def ensure_department_due(due_date: date, *, today: date, reply_due: date, reserve_days: int, calendar) -> None:
    """A department's deadline is after today and never later than the latest the reply due date allows."""
    latest = latest_department_due(reply_due, reserve_days=reserve_days, calendar=calendar)
    if latest <= today:
        raise GuardFailed(
            f"答复期限为 {reply_due}，须留出{reserve_days}个工作日供公开办拟稿、法律审核和签发，承办单位已无答复时间；"
            f"请先申请延期答复（《条例》第三十三条第二款）。",
            f"no time left for departments before {reply_due}")
    if due_date > latest:
        raise GuardFailed(
            f"承办单位答复期限（{due_date}）最迟为 {latest}：答复期限为 {reply_due}，须留出{reserve_days}个工作日"
            f"供公开办拟稿、法律审核和签发（《条例》第三十三条）。",
            f"department due {due_date} after the latest {latest}")


# The seeds' 联席办理制度: "召集相关部门负责人及司法局、法律顾问会商研究，提出答复意见".
JOINT_REQUIRED = (ParticipantKind.department, ParticipantKind.justice_bureau, ParticipantKind.legal_counsel)


def ensure_joint_attendees(attendees: list[dict]) -> None:
    """A 会商 has the departments concerned, the justice bureau and legal counsel, each named."""
    kinds = {ParticipantKind(a["kind"]) for a in attendees if (a.get("name") or "").strip()}
    missing = [k.label for k in JOINT_REQUIRED if k not in kinds]
    if missing:
        raise GuardFailed(
            f"会商须由相关部门负责人及司法局、法律顾问参加（联席办理制度），缺少：{'、'.join(missing)}。",
            f"joint consultation without {missing}")


# The flag that decides who reviews is not cleared by the reviewer (会签办结制度): only a leader, with a reason.
FLAG_ROLES = frozenset({Role.clerk, Role.legal_counsel, Role.office_head, Role.coordinating_leader})
CLEAR_FLAG_ROLES = frozenset({Role.office_head, Role.coordinating_leader})


def ensure_may_set_litigation_prone(actor: User | None, *, flag: bool, reason: str) -> None:
    role = None if actor is None else Role(actor.role)
    if flag:
        if role not in FLAG_ROLES:
            raise RoleNotAllowed("当前用户无权标记易诉案件。", "may not flag litigation-prone")
        return
    if role not in CLEAR_FLAG_ROLES:
        raise RoleNotAllowed("易诉标记决定由谁审核，审核人和经办人不能取消；须由公开办负责人或分管领导取消并写明理由。",
                             "only a leader clears the litigation-prone flag")
    if not reason.strip():
        raise GuardFailed("取消易诉标记须写明理由。", "clearing the flag without a reason")


# --- what a user may not do now, and why (the desk shows it on the disabled button; the actions refuse with it) ---


COUNSEL_RULE = "本申请属于征地拆迁等易诉案件，须由政府法律顾问审核通过。"


def counsel_refusal(*, litigation_prone: bool, government_counsel: bool) -> str | None:
    """会签办结制度: 易诉 cases (land expropriation, demolition …) are signed off by the government's counsel only."""
    if litigation_prone and not government_counsel:
        return COUNSEL_RULE + "您不是政府法律顾问，请转交政府法律顾问审核。"
    return None


def ensure_counsel_may_sign(actor: User | None, *, litigation_prone: bool) -> None:
    refusal = counsel_refusal(litigation_prone=litigation_prone,
                              government_counsel=bool(actor is not None and actor.government_counsel))
    if refusal:
        raise RoleNotAllowed(refusal, "litigation-prone needs government counsel")


def coordination_refusal(*, pending: list[str], answered: int) -> str | None:
    """The leader closes the coordination once every remaining department has answered, naming those that have not."""
    if pending:
        return f"尚有承办单位未提交书面答复意见：{'、'.join(pending)}，不能结束协调。"
    if answered == 0:
        return "还没有任何承办单位提交书面答复意见，不能结束协调；请先指定承办单位。"
    return None


def ensure_coordination_complete(*, pending: list[str], answered: int) -> None:
    refusal = coordination_refusal(pending=pending, answered=answered)
    if refusal:
        raise GuardFailed(refusal, f"opinions incomplete: pending {pending}, answered {answered}")


def handler_refusal(without_handler: list[str]) -> str | None:
    """A department is given a case only when someone there can take it: an active department handler."""
    if without_handler:
        return (f"{'、'.join(without_handler)}没有在岗的承办单位经办人，交办后无人签收办理，已通知公开办；"
                "请先为该单位设置经办人账号，或改交其他单位。")
    return None


def ensure_departments_have_handlers(without_handler: list[str]) -> None:
    refusal = handler_refusal(without_handler)
    if refusal:
        raise GuardFailed(refusal, f"departments without an active handler: {without_handler}")


def void_refusal(*, registered_on: date, today: date) -> str | None:
    """A registration made in error is voided by the clerk on the day it was registered; later, it is a case to handle."""
    if registered_on != today:
        return (f"只能在登记当天（{registered_on}）作废登记有误的申请；已过登记当天的，应按申请办理"
                "（如申请人撤回，记录撤回证据）。")
    return None


def ensure_may_void(*, registered_on: date, today: date, reason: str) -> None:
    refusal = void_refusal(registered_on=registered_on, today=today)
    if refusal:
        raise GuardFailed(refusal, "voiding after the day of registration")
    if not reason.strip():
        raise GuardFailed("作废登记须写明理由（如：重复提交、登记错误）。", "voiding without a reason")


def decision_of(decision: Decision) -> DecisionIn:
    """The guard's view of a stored decision."""
    return DecisionIn(Outcome(decision.outcome), tuple(Outcome(o) for o in decision.item_outcomes),
                      decision.repeat_of)
