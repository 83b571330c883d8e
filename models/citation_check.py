"""The citation check: a reply's outcome, cited articles, remedy clause and table 三 row must agree.

Districts' own reports name the problem: notices cite the wrong article or the wrong remedy. Every
reply is checked before legal review; a finding blocks the transition and is shown to the clerk.
"""

from dataclasses import dataclass
from enum import StrEnum

from models.fees import FeeMethod, FeeRuleError, fee_amount
from models.outcomes import OGI, Citation, Outcome

# 行政复议法 (2023) Art 20: sixty days to apply for reconsideration; 行政诉讼法 Art 46: six months to sue.
RECONSIDERATION_DAYS = 60
LITIGATION_MONTHS = 6

# Articles a reply may cite beside its outcome's own: who is responsible (Art 10), the consultation (Art 32).
SUPPORTING_CITATIONS: dict[Outcome, tuple[Citation, ...]] = {
    Outcome.not_responsible: (Citation(10),),
    Outcome.third_party: (Citation(32),),
}
ART16_OUTCOMES = (Outcome.internal_affairs, Outcome.process_info, Outcome.enforcement_file)


class Rule(StrEnum):
    """One code per check, so the desk and the log can name what failed."""

    outcome_citations = "outcome_citations"
    contradicting_citation = "contradicting_citation"
    table3_row = "table3_row"
    law_named = "law_named"
    art16_category = "art16_category"
    remedy_present = "remedy_present"
    reconsideration_first = "reconsideration_first"
    remedy_periods = "remedy_periods"
    refusal_reason = "refusal_reason"
    responsible_agency = "responsible_agency"
    withheld_items = "withheld_items"
    fee_amount = "fee_amount"


@dataclass(frozen=True)
class Finding:
    rule: Rule
    message_zh: str


@dataclass(frozen=True)
class WithheldItem:
    """Art 37: one withheld part of a partial disclosure, with its ground and reason."""

    part: str
    ground: Outcome
    reason: str


@dataclass(frozen=True)
class Remedy:
    """The remedy clause: who reconsiders, which court, and whether reconsideration must come first."""

    reconsideration_body: str
    court: str
    reconsideration_first: bool  # 行政复议法 (2023) Art 23(1)(4), in force since 2024-01-01
    reconsideration_days: int = RECONSIDERATION_DAYS
    litigation_months: int = LITIGATION_MONTHS


@dataclass(frozen=True)
class ReplyDraft:
    """What a reply will say, before it is rendered: the decision and everything that must agree with it."""

    outcome: Outcome
    citations: tuple[Citation, ...]
    table3_row: str
    remedy: Remedy | None
    reasons: str = ""  # the facts found and why; Art 36(3) requires them for a refusal
    withheld_items: tuple[WithheldItem, ...] = ()
    responsible_agency: str | None = None  # Art 36(5)
    responsible_agency_contact: str | None = None
    responsible_agency_determinable: bool = True  # False: the reply says it cannot be determined, and why


@dataclass(frozen=True)
class FeeNoticeDraft:
    """A 收费通知书's figures: one method (Art 3) and the amount the notice will demand."""

    method: FeeMethod
    amount: int
    monthly_count: int | None = None
    pages: int | None = None


class CitationCheckFailed(Exception):
    """A draft with findings; message_zh lists them for the clerk."""

    def __init__(self, findings: list[Finding]):
        self.findings = findings
        self.message_zh = "文书未通过法律依据校验：" + "；".join(f.message_zh for f in findings)
        super().__init__("citation check failed: " + ", ".join(f.rule for f in findings))


def for_outcome(outcome: Outcome, *, reconsideration_body: str, court: str, **fields) -> ReplyDraft:
    """A draft whose citations, row and remedy are the outcome's own; the usual way to start one."""
    return ReplyDraft(
        outcome=outcome,
        citations=outcome.spec.citations + SUPPORTING_CITATIONS.get(outcome, ()),
        table3_row=outcome.table3_row,
        remedy=Remedy(reconsideration_body, court, reconsideration_first=outcome.spec.reconsideration_first),
        **fields,
    )


def _allowed_citations(draft: ReplyDraft) -> set[Citation]:
    allowed = set(draft.outcome.spec.citations) | set(SUPPORTING_CITATIONS.get(draft.outcome, ()))
    for item in draft.withheld_items:
        allowed |= set(item.ground.spec.citations) | set(SUPPORTING_CITATIONS.get(item.ground, ()))
    return allowed


def _grounds(draft: ReplyDraft) -> list[Outcome]:
    return [draft.outcome] + [item.ground for item in draft.withheld_items]


def _check_citations(draft: ReplyDraft) -> list[Finding]:
    findings = []
    cited = set(draft.citations)
    required = set(draft.outcome.spec.citations)
    if draft.outcome is Outcome.partial:
        # Art 37 plus each withheld item's own exemption (Art 14/15/16), not the Art 36(3) of a full refusal.
        required |= {c for item in draft.withheld_items for c in item.ground.spec.citations if c.article != 36}
    for missing in sorted(required - cited, key=lambda c: (c.article, c.paragraph or 0, c.item or 0)):
        findings.append(
            Finding(Rule.outcome_citations, f"处理结果“{draft.outcome.label}”须引用{missing.zh()}，答复书未引用")
        )
    allowed = _allowed_citations(draft)
    for c in draft.citations:
        if c.law == OGI and c not in allowed:
            findings.append(
                Finding(Rule.contradicting_citation, f"引用的{c.zh()}与处理结果“{draft.outcome.label}”不符")
            )
    return findings


def _check_row(draft: ReplyDraft) -> list[Finding]:
    if draft.table3_row == draft.outcome.table3_row:
        return []
    return [
        Finding(
            Rule.table3_row,
            f"年度报告表三统计行“{draft.table3_row}”与处理结果“{draft.outcome.label}”"
            f"应计入的“{draft.outcome.table3_row}”不一致",
        )
    ]


def _check_law_named(draft: ReplyDraft) -> list[Finding]:
    # Art 14: "法律、行政法规禁止公开" only holds with the prohibiting law named.
    if Outcome.law_prohibits in _grounds(draft) and not any(c.law != OGI for c in draft.citations):
        return [Finding(Rule.law_named, "以法律、行政法规禁止公开为由不予公开的，须写明具体法律、行政法规及条款")]
    return []


def _check_art16(draft: ReplyDraft) -> list[Finding]:
    findings = []
    art16 = [c for c in draft.citations if c.law == OGI and c.article == 16]
    if any(c.paragraph is None for c in art16):
        findings.append(Finding(Rule.art16_category, "引用第十六条须写明第几款（内部事务信息为第一款，过程性信息、行政执法案卷信息为第二款）"))
    if art16 and not any(g in ART16_OUTCOMES for g in _grounds(draft)):
        findings.append(
            Finding(Rule.art16_category, "依第十六条不予公开的，须写明属于内部事务信息、过程性信息还是行政执法案卷信息")
        )
    return findings


def _check_remedy(draft: ReplyDraft) -> list[Finding]:
    remedy = draft.remedy
    if remedy is None:
        return [Finding(Rule.remedy_present, "答复书缺少救济途径（行政复议机关和人民法院）")]
    findings = []
    if not remedy.reconsideration_body.strip() or not remedy.court.strip():
        findings.append(Finding(Rule.remedy_present, "救济途径须写明行政复议机关和人民法院的名称"))
    needs_first = draft.outcome.spec.reconsideration_first
    if needs_first and not remedy.reconsideration_first:
        findings.append(
            Finding(
                Rule.reconsideration_first,
                "不予公开（含部分公开）的答复须告知应当先申请行政复议（《中华人民共和国行政复议法》第二十三条）",
            )
        )
    if remedy.reconsideration_first and not needs_first:
        findings.append(
            Finding(Rule.reconsideration_first, f"处理结果“{draft.outcome.label}”不属于不予公开，不得告知复议前置")
        )
    if remedy.reconsideration_days != RECONSIDERATION_DAYS or remedy.litigation_months != LITIGATION_MONTHS:
        findings.append(
            Finding(Rule.remedy_periods, "救济期限须为申请行政复议六十日、提起行政诉讼六个月（行政复议法第二十条、行政诉讼法第四十六条）")
        )
    return findings


def _check_reason(draft: ReplyDraft) -> list[Finding]:
    # Art 36(3): a refusal tells the applicant why.
    if draft.outcome.spec.reconsideration_first and not draft.reasons.strip():
        return [Finding(Rule.refusal_reason, "不予公开（含部分公开）的答复须说明理由")]
    return []


def _check_responsible(draft: ReplyDraft) -> list[Finding]:
    if draft.outcome is not Outcome.not_responsible:
        return []
    if not draft.responsible_agency_determinable:
        if draft.responsible_agency or not draft.reasons.strip():
            return [Finding(Rule.responsible_agency, "无法确定负责公开机关的，须说明理由，且不得同时写明负责公开机关")]
        return []
    if not (draft.responsible_agency or "").strip() or not (draft.responsible_agency_contact or "").strip():
        return [
            Finding(Rule.responsible_agency, "依第三十六条第（五）项答复的，须写明负责公开该政府信息的机关及其联系方式，或说明无法确定")
        ]
    return []


def _check_withheld(draft: ReplyDraft) -> list[Finding]:
    if draft.outcome is not Outcome.partial:
        if draft.withheld_items:
            return [Finding(Rule.withheld_items, "只有部分公开的答复才逐项列明不予公开的内容")]
        return []
    if not draft.withheld_items:
        return [Finding(Rule.withheld_items, "部分公开的答复须逐项列明不予公开的内容、依据和理由")]
    findings = []
    for n, item in enumerate(draft.withheld_items, start=1):
        if not item.ground.is_withholding_ground:
            findings.append(
                Finding(Rule.withheld_items, f"第{n}项不予公开内容的依据“{item.ground.label}”不是不予公开的法定情形")
            )
        if not item.part.strip() or not item.reason.strip():
            findings.append(Finding(Rule.withheld_items, f"第{n}项不予公开内容须写明内容和理由"))
    return findings


CHECKS = (
    _check_citations,
    _check_row,
    _check_law_named,
    _check_art16,
    _check_remedy,
    _check_reason,
    _check_responsible,
    _check_withheld,
)


def check_reply(draft: ReplyDraft) -> list[Finding]:
    """Every finding of every rule; empty when the reply may go to legal review."""
    return [finding for check in CHECKS for finding in check(draft)]


def ensure_reply_passes(draft: ReplyDraft) -> None:
    """Raise CitationCheckFailed with the findings in Chinese; the transition is blocked."""
    findings = check_reply(draft)
    if findings:
        raise CitationCheckFailed(findings)


def check_fee_notice(draft: FeeNoticeDraft) -> list[Finding]:
    """A fee notice's amount must be what the rules give for its method and count (国办函〔2020〕109号)."""
    try:
        expected = fee_amount(draft.method, monthly_count=draft.monthly_count, pages=draft.pages)
    except FeeRuleError as exc:
        return [Finding(Rule.fee_amount, exc.message_zh)]
    if draft.amount != expected:
        return [Finding(Rule.fee_amount, f"收费金额{draft.amount}元与收费标准计算结果{expected}元不符")]
    return []


def ensure_fee_notice_passes(draft: FeeNoticeDraft) -> None:
    """Raise CitationCheckFailed when the fee notice's amount disagrees with the rules."""
    findings = check_fee_notice(draft)
    if findings:
        raise CitationCheckFailed(findings)
