"""The citation check: a reply's outcome, cited articles, remedy clause and table 三 row must agree.

Districts' own reports name the problem: notices cite the wrong article or the wrong remedy. Every
reply is checked before legal review; a finding blocks the transition and is shown to the clerk.
The same module says, before anything is typed, what the check will require (`requirements`), and
builds the citations it fills in by itself (`default_citations`) so that those always pass.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from models.fees import FeeMethod, FeeRuleError, fee_amount
from models.laws import (
    LITIGATION_PERIOD_ARTICLE,
    RECONSIDERATION_FIRST_FROM,
    citation_problem,
    law_named,
    reconsideration_first_in_force,
    reconsideration_period_article,
)
from models.outcomes import ITEM_OUTCOMES, OGI, Citation, Outcome

# 行政复议法 (2023) Art 20 (before 2024: the 1999 law's Art 9): sixty days to apply for reconsideration;
# 行政诉讼法 Art 46: six months to sue.
RECONSIDERATION_DAYS = 60
LITIGATION_MONTHS = 6
# The Regulation as revised by Decree 711 applies to replies made from this day (its Art 56).
OGI_2019_FROM = law_named("政府信息公开条例").versions[0].effective

# Articles a reply may cite beside its outcome's own: who is responsible (Art 10), the consultation (Art 32).
SUPPORTING_CITATIONS: dict[Outcome, tuple[Citation, ...]] = {
    Outcome.not_responsible: (Citation(10),),
    Outcome.third_party: (Citation(32),),
}
ART16_OUTCOMES = (Outcome.internal_affairs, Outcome.process_info, Outcome.enforcement_file)
EXEMPTION_ARTICLES = (14, 15, 16)


class Rule(StrEnum):
    """One code per check, so the desk and the log can name what failed."""

    outcome_citations = "outcome_citations"
    contradicting_citation = "contradicting_citation"
    basis_missing = "basis_missing"
    refusal_ground = "refusal_ground"
    law_in_force = "law_in_force"
    table3_row = "table3_row"
    law_named = "law_named"
    art16_category = "art16_category"
    remedy_present = "remedy_present"
    reconsideration_first = "reconsideration_first"
    remedy_periods = "remedy_periods"
    refusal_reason = "refusal_reason"
    reasons = "reasons"
    access = "access"
    responsible_agency = "responsible_agency"
    withheld_items = "withheld_items"
    items = "items"
    not_a_reply = "not_a_reply"
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
    # A reply answering several items, some refused and some not: the refused ones are reconsidered first,
    # the others may be challenged either way, and the clause says both.
    other_parts: bool = False


@dataclass(frozen=True)
class ItemAnswer:
    """One item of a request with several, answered with its own outcome and basis (Arts 36, 37)."""

    part: str  # the information this item asks for, as the reply names it
    outcome: Outcome
    citations: tuple[Citation, ...]
    reasons: str = ""
    access: str = ""
    responsible_agency: str | None = None
    responsible_agency_contact: str | None = None
    responsible_agency_determinable: bool = True
    withheld_items: tuple[WithheldItem, ...] = ()  # items do not nest: a withheld part is an item of its own


@dataclass(frozen=True)
class ReplyDraft:
    """What a reply will say, before it is rendered: the decision and everything that must agree with it."""

    outcome: Outcome  # with items: the outcome the application is counted under (table 三)
    citations: tuple[Citation, ...]
    table3_row: str
    remedy: Remedy | None
    reasons: str = ""  # the facts found and why; Art 36(3) requires them for a refusal
    withheld_items: tuple[WithheldItem, ...] = ()
    responsible_agency: str | None = None  # Art 36(5)
    responsible_agency_contact: str | None = None
    responsible_agency_determinable: bool = True  # False: the reply says it cannot be determined, and why
    access: str = ""  # Arts 36(1)(2)(7), 39, 行政查询: how, where, when the applicant obtains it or asks
    items: tuple[ItemAnswer, ...] = ()  # several items, each with its own outcome and basis
    on: date | None = None  # the reply date: the law in force that day applies (None: today's law)


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


# --- what the check fills in by itself, and what it will ask for -------------------------------------------


def _ordered(citations: Iterable[Citation]) -> tuple[Citation, ...]:
    return tuple(dict.fromkeys(citations))


def exemption_citations(ground: Outcome) -> tuple[Citation, ...]:
    """Art 37: a withheld part's own exemption (Art 14/15/16), without the Art 36(3) of a whole refusal."""
    return tuple(c for c in ground.spec.citations if c.article != 36)


def default_citations(outcome: Outcome, *, grounds: Iterable[Outcome] = (),
                      laws: Iterable[Citation] = ()) -> tuple[Citation, ...]:
    """The citations a draft gets when the clerk picks none: the outcome's own, each withheld ground's
    exemption, and the provisions of other laws the clerk entered. They always pass the check."""
    found = list(outcome.spec.citations) + list(SUPPORTING_CITATIONS.get(outcome, ()))
    for ground in grounds:
        found += exemption_citations(ground)
    return _ordered([*found, *laws])


def items_citations(outcome: Outcome, items: Iterable[ItemAnswer]) -> tuple[Citation, ...]:
    """A several-item reply cites what its items cite, and Art 37 when it is counted as partial."""
    head = list(outcome.spec.citations) if outcome is Outcome.partial else []
    return _ordered([*head, *(c for item in items for c in item.citations)])


def remedy_for(outcomes: Iterable[Outcome], *, reconsideration_body: str, court: str,
               on: date | None) -> Remedy | None:
    """The remedy clause a reply with these outcomes carries on `on`, by the law in force that day."""
    specs = [o.spec for o in outcomes]
    challengeable = [s for s in specs if s.remedy]
    if not challengeable:
        return None  # 法释〔2011〕17号 Art 2(2): published materials (T14)
    first = any(s.reconsideration_first for s in specs) and reconsideration_first_in_force(on)
    others = first and any(not s.reconsideration_first for s in challengeable) and len(specs) > 1
    return Remedy(reconsideration_body, court, reconsideration_first=first, other_parts=others)


def for_outcome(outcome: Outcome, *, reconsideration_body: str, court: str, on: date | None = None,
                laws: Sequence[Citation] = (), **fields) -> ReplyDraft:
    """A draft whose citations, row and remedy are the outcome's own; the usual way to start one."""
    grounds = [item.ground for item in fields.get("withheld_items", ())]
    return ReplyDraft(
        outcome=outcome,
        citations=default_citations(outcome, grounds=grounds, laws=laws),
        table3_row=outcome.table3_row,
        remedy=remedy_for([outcome], reconsideration_body=reconsideration_body, court=court, on=on),
        on=on,
        **fields,
    )


def requirements(outcome: Outcome, *, grounds: Iterable[Outcome] = (), items: Iterable[Outcome] = (),
                 on: date | None = None) -> list[str]:
    """What the check will require of a draft with this outcome (and withheld grounds, or items), in Chinese,
    for the desk to show before the clerk submits."""
    spec = outcome.spec
    grounds, items = list(grounds), list(items)
    if not spec.is_reply:
        return [f"处理结果“{outcome.label}”办结时不出具答复书，不能拟写答复（请使用相应的办结操作）。"]
    if items:
        lines = ["逐项答复：每一项写明所申请的内容、处理结果及其依据，答复书逐项答复；统计按各项结果确定一行。"]
        for n, o in enumerate(items, start=1):
            lines += [f"第{n}项（{o.label}）：{line}" for line in _single(o, [])]
        lines.append(_remedy_line(remedy_for(items, reconsideration_body="", court="", on=on), on))
        return lines
    return _single(outcome, grounds) + [_remedy_line(remedy_for([outcome], reconsideration_body="", court="",
                                                                  on=on), on)]


def _single(outcome: Outcome, grounds: list[Outcome]) -> list[str]:
    spec = outcome.spec
    lines = []
    auto = default_citations(outcome, grounds=grounds)
    if auto:
        lines.append("自动引用：" + "、".join(c.zh() for c in auto) + "。")
    if spec.open_basis:
        lines.append("须选择或填写处理依据的具体条款（本处理结果没有固定条款）。")
    needed = [spec.law_needed] + [g.spec.law_needed for g in grounds]
    for law in dict.fromkeys(n for n in needed if n):
        lines.append(f"须填写{law}（法律法规表中的法律和条款）。")
    if spec.reasons_needed:
        lines.append(f"须填写理由：{spec.reasons_needed}。")
    if spec.access_needed:
        lines.append(f"须填写答复内容：{spec.access_needed}。")
    if outcome is Outcome.partial:
        lines.append("须逐项填写不予公开的内容、依据（第十四条至第十六条规定的情形）和理由。")
    if outcome is Outcome.not_responsible:
        lines.append("须填写负责公开该信息的机关及其联系方式；无法确定的，在理由中说明。")
    return lines


def _remedy_line(remedy: Remedy | None, on: date | None) -> str:
    if remedy is None:
        return "不附救济途径（公开出版物不属于行政诉讼受案范围，法释〔2011〕17号第二条第（二）项）。"
    if remedy.reconsideration_first:
        return "救济途径：应当先申请行政复议（《中华人民共和国行政复议法》第二十三条第一款第（四）项）。"
    if on is not None and on < RECONSIDERATION_FIRST_FROM:
        return "救济途径：六十日内申请行政复议或六个月内提起行政诉讼（答复日适用修订前的行政复议法，无复议前置）。"
    return "救济途径：六十日内申请行政复议或六个月内提起行政诉讼。"


# --- the rules -------------------------------------------------------------------------------------------


def _key(c: Citation) -> tuple:
    return (c.law != OGI, c.law, c.article or 0, c.paragraph or 0, c.item or 0)


def _laws(citations: Iterable[Citation]) -> list[Citation]:
    return [c for c in citations if c.law != OGI]


def _grounds(d) -> list[Outcome]:
    return [d.outcome] + [item.ground for item in d.withheld_items]


def _check_citations(d) -> list[Finding]:
    """`d` is a ReplyDraft or one ItemAnswer: the decision's own basis."""
    spec = d.outcome.spec
    if not d.citations:
        return [Finding(Rule.basis_missing, f"处理结果“{d.outcome.label}”须写明具体法律依据（条款），答复书不能没有依据")]
    findings = []
    cited = set(d.citations)
    required = set(spec.citations)
    if d.outcome is Outcome.partial:
        # Art 37 plus each withheld item's own exemption (Art 14/15/16), not the Art 36(3) of a full refusal.
        required |= {c for item in d.withheld_items for c in exemption_citations(item.ground)}
    for missing in sorted(required - cited, key=_key):
        findings.append(
            Finding(Rule.outcome_citations, f"处理结果“{d.outcome.label}”须引用{missing.zh()}，答复书未引用")
        )
    if spec.open_basis:
        return findings  # Other: the clerk's basis; the law table still checks that it exists
    allowed = set(spec.citations) | set(SUPPORTING_CITATIONS.get(d.outcome, ()))
    for item in d.withheld_items:
        allowed |= set(item.ground.spec.citations) | set(SUPPORTING_CITATIONS.get(item.ground, ()))
    own = "、".join(c.zh(with_law=False) for c in sorted(required, key=_key) if c.law == OGI)
    for c in d.citations:
        if c.law == OGI and c not in allowed:
            findings.append(Finding(Rule.contradicting_citation,
                                    f"引用的{c.zh()}与处理结果“{d.outcome.label}”不符" + (f"（其依据为{own}）" if own else "")))
    return findings


def _check_refusal_ground(d) -> list[Finding]:
    # Art 36(3) "依据本条例的规定决定不予公开": the refusal rests on an Art 14–16 ground, and cites it.
    ogi = [c for c in d.citations if c.law == OGI]
    if Citation(36, item=3) in ogi and not any(c.article in EXEMPTION_ARTICLES for c in ogi):
        return [Finding(Rule.refusal_ground,
                        "依第三十六条第（三）项不予公开的，须同时引用第十四条、第十五条或第十六条规定的具体情形")]
    return []


def _check_law_named(d) -> list[Finding]:
    if _laws(d.citations):
        return []
    findings = []
    for ground in dict.fromkeys(_grounds(d)):
        if ground is Outcome.law_prohibits:
            # Art 14: "法律、行政法规禁止公开" only holds with the prohibiting law named.
            findings.append(Finding(Rule.law_named, "以法律、行政法规禁止公开为由不予公开的，须写明具体法律、行政法规及条款"))
        elif ground.spec.law_needed:
            findings.append(Finding(Rule.law_named, f"处理结果“{ground.label}”须写明{ground.spec.law_needed}"))
    return findings


def _check_art16(d) -> list[Finding]:
    findings = []
    art16 = [c for c in d.citations if c.law == OGI and c.article == 16]
    if any(c.paragraph is None for c in art16):
        findings.append(Finding(Rule.art16_category, "引用第十六条须写明第几款（内部事务信息为第一款，过程性信息、行政执法案卷信息为第二款）"))
    if art16 and not any(g in ART16_OUTCOMES for g in _grounds(d)):
        findings.append(
            Finding(Rule.art16_category, "依第十六条不予公开的，须写明属于内部事务信息、过程性信息还是行政执法案卷信息")
        )
    return findings


def _check_reason(d) -> list[Finding]:
    spec = d.outcome.spec
    if d.reasons.strip() or not spec.reasons_needed:
        return []
    if spec.reconsideration_first:  # Art 36(3): a refusal tells the applicant why
        return [Finding(Rule.refusal_reason, "不予公开（含部分公开）的答复须说明理由")]
    return [Finding(Rule.reasons, f"处理结果“{d.outcome.label}”须写明{spec.reasons_needed}")]


def _check_access(d) -> list[Finding]:
    needed = d.outcome.spec.access_needed
    if needed and not d.access.strip():
        return [Finding(Rule.access, f"处理结果“{d.outcome.label}”须在答复内容中写明{needed}")]
    return []


def _check_responsible(d) -> list[Finding]:
    if d.outcome is not Outcome.not_responsible:
        return []
    if not d.responsible_agency_determinable:
        if d.responsible_agency or not d.reasons.strip():
            return [Finding(Rule.responsible_agency, "无法确定负责公开机关的，须说明理由，且不得同时写明负责公开机关")]
        return []
    if not (d.responsible_agency or "").strip() or not (d.responsible_agency_contact or "").strip():
        return [
            Finding(Rule.responsible_agency, "依第三十六条第（五）项答复的，须写明负责公开该政府信息的机关及其联系方式，或说明无法确定")
        ]
    return []


def _check_withheld(d) -> list[Finding]:
    if d.outcome is not Outcome.partial or d.items:
        if d.withheld_items:
            return [Finding(Rule.withheld_items, "只有部分公开的答复才逐项列明不予公开的内容")]
        return []
    if not d.withheld_items:
        return [Finding(Rule.withheld_items, "部分公开的答复须逐项列明不予公开的内容、依据和理由")]
    findings = []
    for n, item in enumerate(d.withheld_items, start=1):
        if not item.ground.is_withholding_ground:
            findings.append(
                Finding(Rule.withheld_items, f"第{n}项不予公开内容的依据“{item.ground.label}”不是不予公开的法定情形")
            )
        if not item.part.strip() or not item.reason.strip():
            findings.append(Finding(Rule.withheld_items, f"第{n}项不予公开内容须写明内容和理由"))
    return findings


# The rules one decision answers to: the whole reply, or each of its items.
DECISION_CHECKS = (
    _check_citations,
    _check_refusal_ground,
    _check_law_named,
    _check_art16,
    _check_reason,
    _check_access,
    _check_responsible,
)


def _check_items(draft: ReplyDraft) -> list[Finding]:
    findings = []
    if len(draft.items) < 2:
        findings.append(Finding(Rule.items, "逐项答复须至少有两项；只有一项的，直接选择处理结果"))
    for n, item in enumerate(draft.items, start=1):
        name = f"第{n}项“{item.part.strip()}”" if item.part.strip() else f"第{n}项"
        if not item.part.strip():
            findings.append(Finding(Rule.items, f"第{n}项须写明所申请的内容"))
        if item.outcome not in ITEM_OUTCOMES:
            findings.append(Finding(Rule.items, f"{name}的处理结果“{item.outcome.label}”不能用于逐项答复"))
            continue
        findings += [Finding(f.rule, f"{name}：{f.message_zh}") for check in DECISION_CHECKS for f in check(item)]
    outcomes = [item.outcome for item in draft.items]
    categories = {o.spec.category for o in outcomes}
    mixed = "disclose" in categories and "withhold" in categories
    if (draft.outcome is not Outcome.partial or not mixed) and draft.outcome not in outcomes:
        findings.append(Finding(Rule.items, f"处理结果“{draft.outcome.label}”不是任何一项的处理结果，统计行与答复不符"))
    if mixed and draft.outcome is not Outcome.partial:
        findings.append(Finding(Rule.items, "既有公开又有不予公开的逐项答复，按部分公开统计（《条例》第三十七条）"))
    expected = items_citations(draft.outcome, draft.items)
    for missing in sorted(set(expected) - set(draft.citations), key=_key):
        findings.append(Finding(Rule.outcome_citations, f"逐项答复须引用各项的依据，未引用{missing.zh()}"))
    for extra in set(draft.citations) - set(expected):
        findings.append(Finding(Rule.contradicting_citation, f"引用的{extra.zh()}不是任何一项的依据"))
    return findings


def _check_in_force(draft: ReplyDraft) -> list[Finding]:
    """The law in force on the reply date: the 2019 Regulation, and each cited article in its text of that day."""
    if draft.on is not None and draft.on < OGI_2019_FROM:
        return [Finding(Rule.law_in_force, f"答复日期{draft.on}早于2019年5月15日，不适用2019年修订的《条例》")]
    findings = []
    every = list(draft.citations) + [c for item in draft.items for c in item.citations]
    for c in dict.fromkeys(every):
        problem = citation_problem(c, draft.on)
        if problem:
            findings.append(Finding(Rule.law_in_force, problem))
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


def _check_remedy(draft: ReplyDraft) -> list[Finding]:
    outcomes = [item.outcome for item in draft.items] or [draft.outcome]
    expected = remedy_for(outcomes, reconsideration_body="", court="", on=draft.on)
    remedy = draft.remedy
    if expected is None:
        if remedy is not None:
            return [Finding(Rule.remedy_present, "告知公开出版物获取途径的答复不附行政复议、行政诉讼救济途径"
                                                 "（法释〔2011〕17号第二条第（二）项）")]
        return []
    if remedy is None:
        return [Finding(Rule.remedy_present, "答复书缺少救济途径（行政复议机关和人民法院）")]
    findings = []
    if not remedy.reconsideration_body.strip() or not remedy.court.strip():
        findings.append(Finding(Rule.remedy_present, "救济途径须写明行政复议机关和人民法院的名称"))
    if expected.reconsideration_first and not remedy.reconsideration_first:
        findings.append(
            Finding(
                Rule.reconsideration_first,
                "不予公开（含部分公开）的答复须告知应当先申请行政复议（《中华人民共和国行政复议法》第二十三条）",
            )
        )
    if remedy.reconsideration_first and not expected.reconsideration_first:
        if any(o.spec.reconsideration_first for o in outcomes):
            findings.append(Finding(Rule.reconsideration_first,
                                    f"答复日期{draft.on}早于2024年1月1日，当时施行的行政复议法没有复议前置的规定，"
                                    "不得告知应当先申请行政复议"))
        else:
            findings.append(
                Finding(Rule.reconsideration_first, f"处理结果“{draft.outcome.label}”不属于不予公开，不得告知复议前置")
            )
    if remedy.other_parts != expected.other_parts:
        findings.append(Finding(Rule.reconsideration_first,
                                "逐项答复中既有不予公开又有其他处理的，须分别告知：不予公开的先申请行政复议，"
                                "其他事项可以申请行政复议或者提起行政诉讼"))
    if remedy.reconsideration_days != RECONSIDERATION_DAYS or remedy.litigation_months != LITIGATION_MONTHS:
        period = reconsideration_period_article(draft.on)
        findings.append(
            Finding(Rule.remedy_periods, f"救济期限须为申请行政复议六十日、提起行政诉讼六个月（行政复议法"
                                         f"{period.zh(with_law=False)}、行政诉讼法{LITIGATION_PERIOD_ARTICLE.zh(with_law=False)}）")
        )
    return findings


def check_reply(draft: ReplyDraft) -> list[Finding]:
    """Every finding of every rule; empty when the reply may go to legal review."""
    if not draft.outcome.spec.is_reply:
        return [Finding(Rule.not_a_reply, f"处理结果“{draft.outcome.label}”办结时不出具答复书，不能作为答复提交")]
    findings = _check_in_force(draft)
    if draft.items:
        findings += _check_items(draft)
        if draft.withheld_items:
            findings.append(Finding(Rule.withheld_items, "逐项答复的，不予公开的内容作为单独一项填写"))
    else:
        findings += [f for check in DECISION_CHECKS for f in check(draft)]
        findings += _check_withheld(draft)
    return findings + _check_row(draft) + _check_remedy(draft)


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
