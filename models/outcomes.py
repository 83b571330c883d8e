"""The legal vocabulary of a decision: applicant kinds, outcomes, their citations and table 三 rows.

Every concluded application lands in exactly one cell of the annual report's table 三
(国办公开办函〔2021〕30号): the row comes from the outcome, the column from the applicant's kind.
This module is the single place that knows which outcome cites which article and counts in which row;
notices, the citation check and the statistics all read it.
"""

from dataclasses import dataclass, replace
from enum import StrEnum


class ApplicantKind(StrEnum):
    """The six applicant columns of table 三 (the principal's kind, never the agent's)."""

    natural_person = "natural_person"
    commercial_enterprise = "commercial_enterprise"
    research_institution = "research_institution"
    public_welfare_org = "public_welfare_org"
    legal_service_org = "legal_service_org"
    other_org = "other_org"

    @property
    def label(self) -> str:
        return APPLICANT_KIND_LABELS[self]


APPLICANT_KIND_LABELS = {
    ApplicantKind.natural_person: "自然人",
    ApplicantKind.commercial_enterprise: "商业企业",
    ApplicantKind.research_institution: "科研机构",
    ApplicantKind.public_welfare_org: "社会公益组织",
    ApplicantKind.legal_service_org: "法律服务机构",
    ApplicantKind.other_org: "其他",
}

# Column keys of table 三 in the published order (the published JSON in tests/statistics/data has exactly these).
TABLE3_COLUMNS = (*[k.value for k in ApplicantKind], "total")


@dataclass(frozen=True)
class Table3Row:
    key: str
    label: str
    group: str | None = None  # the heading a sub-item sits under, e.g. "（三）不予公开"


# regulation.md §4.3: every row label verbatim, in the printed order.
TABLE3_ROWS: tuple[Table3Row, ...] = (
    Table3Row("new_received", "一、本年新收政府信息公开申请数量"),
    Table3Row("carried_over", "二、上年结转政府信息公开申请数量"),
    Table3Row("r1_disclosed", "（一）予以公开", "三、本年度办理结果"),
    Table3Row("r2_partial", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）", "三、本年度办理结果"),
    Table3Row("r3_1_state_secret", "1.属于国家秘密", "（三）不予公开"),
    Table3Row("r3_2_law_prohibits", "2.其他法律行政法规禁止公开", "（三）不予公开"),
    Table3Row("r3_3_security_stability", "3.危及\u201c三安全一稳定\u201d", "（三）不予公开"),
    Table3Row("r3_4_third_party", "4.保护第三方合法权益", "（三）不予公开"),
    Table3Row("r3_5_internal_affairs", "5.属于三类内部事务信息", "（三）不予公开"),
    Table3Row("r3_6_process_info", "6.属于四类过程性信息", "（三）不予公开"),
    Table3Row("r3_7_enforcement_file", "7.属于行政执法案卷", "（三）不予公开"),
    Table3Row("r3_8_admin_query", "8.属于行政查询事项", "（三）不予公开"),
    Table3Row("r4_1_not_held", "1.本机关不掌握相关政府信息", "（四）无法提供"),
    Table3Row("r4_2_needs_creation", "2.没有现成信息需要另行制作", "（四）无法提供"),
    Table3Row("r4_3_unclear_after_supplement", "3.补正后申请内容仍不明确", "（四）无法提供"),
    Table3Row("r5_1_petition", "1.信访举报投诉类申请", "（五）不予处理"),
    Table3Row("r5_2_repeat", "2.重复申请", "（五）不予处理"),
    Table3Row("r5_3_publication", "3.要求提供公开出版物", "（五）不予处理"),
    Table3Row("r5_4_unreasonable_volume", "4.无正当理由大量反复申请", "（五）不予处理"),
    Table3Row("r5_5_confirm_or_reissue", "5.要求行政机关确认或重新出具已获取信息", "（五）不予处理"),
    Table3Row(
        "r6_1_no_supplement",
        "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
        "（六）其他处理",
    ),
    Table3Row(
        "r6_2_fee_unpaid",
        "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
        "（六）其他处理",
    ),
    Table3Row("r6_3_other", "3.其他", "（六）其他处理"),
    Table3Row("r7_total", "（七）总计", "三、本年度办理结果"),
    Table3Row("carried_forward", "四、结转下年度继续办理"),
)
TABLE3_ROW_KEYS = tuple(r.key for r in TABLE3_ROWS)
# The rows an application's outcome can land in (r1 … r6_3).
RESULT_ROW_KEYS = tuple(k for k in TABLE3_ROW_KEYS if k[0] == "r" and k != "r7_total")


class ChallengeKind(StrEnum):
    """The three groups of table 四."""

    reconsideration = "reconsideration"  # 行政复议
    litigation_direct = "litigation_direct"  # 未经复议直接起诉
    litigation_after_reconsideration = "litigation_after_reconsideration"  # 复议后起诉

    @property
    def label(self) -> str:
        return {
            ChallengeKind.reconsideration: "行政复议",
            ChallengeKind.litigation_direct: "行政诉讼（未经复议直接起诉）",
            ChallengeKind.litigation_after_reconsideration: "行政诉讼（复议后起诉）",
        }[self]


class ChallengeResult(StrEnum):
    """The result columns of table 四; pending until decided."""

    upheld = "upheld"  # 结果维持
    corrected = "corrected"  # 结果纠正: revoked, altered, illegality confirmed, ordered to re-reply
    other = "other"  # 其他结果: dismissed, withdrawn, mediated
    pending = "pending"  # 尚未审结

    @property
    def label(self) -> str:
        return {"upheld": "结果维持", "corrected": "结果纠正", "other": "其他结果", "pending": "尚未审结"}[
            self.value
        ]


_CN_DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 36 → 三十六, 103 → 一百零三: how articles are numbered in Chinese statutes (1–999)."""
    if not 0 < n < 1000:
        raise ValueError(f"article numbers are 1-999, got {n}")
    hundreds, rest = divmod(n, 100)
    tens, ones = divmod(rest, 10)
    if hundreds == 0:
        head = "" if tens == 0 else ("十" if tens == 1 else _CN_DIGITS[tens] + "十")
        return head + (_CN_DIGITS[ones] if ones else "")
    text = _CN_DIGITS[hundreds] + "百"
    if tens:
        text += _CN_DIGITS[tens] + "十"  # 110 → 一百一十, not 一百十
    elif ones:
        text += "零"
    return text + (_CN_DIGITS[ones] if ones else "")


@dataclass(frozen=True)
class Citation:
    """A provision of a law: article, paragraph (款) and item (项), rendered the way notices cite it.

    `article` is None only for an instrument cited as a whole because its articles are not verified
    (models.laws: the fee rules of 国办函〔2020〕109号).
    """

    article: int | None
    paragraph: int | None = None
    item: int | None = None
    law: str = "《中华人民共和国政府信息公开条例》"

    def zh(self, *, with_law: bool = True) -> str:
        if self.article is None:
            return self.law
        text = f"第{chinese_number(self.article)}条"
        if self.paragraph:
            text += f"第{chinese_number(self.paragraph)}款"
        if self.item:
            text += f"第（{chinese_number(self.item)}）项"
        return (self.law + text) if with_law else text


OGI = "《中华人民共和国政府信息公开条例》"
FEE_RULES = "《政府信息公开信息处理费管理办法》"


@dataclass(frozen=True)
class OutcomeSpec:
    label: str  # the decision in the words a reply uses
    citations: tuple[Citation, ...]  # the exact legal basis, most specific first
    table3_row: str
    category: str  # disclose | partial | withhold | unable | not_processed | other (the table 三 group)
    # 行政复议法 (2023) Art 23(1)(4): a refusal to disclose must be reconsidered before any lawsuit,
    # and Art 23(2) obliges the agency to say so in the decision.
    reconsideration_first: bool = False
    exemption: bool = False  # an Art 14–16 ground: what a refusal (36(3)) or a withheld part (Art 37) rests on
    remedy: bool = True  # the reply tells the applicant how to challenge it
    law_needed: str | None = None  # the reply must also name this provision of another law (models.laws)
    reasons_needed: str | None = None  # what the reasons must state; None: optional
    access_needed: str | None = None  # how, where, when the applicant obtains it (Arts 36(1)(2)(7), 39)
    open_basis: bool = False  # no fixed article: the clerk cites the basis, any provision in force
    is_reply: bool = True  # False: the case closes without a 答复书 (withdrawal, §6.5)


class Outcome(StrEnum):
    """What a decision answers, down to the ground; each maps to exactly one table 三 row (§4.4)."""

    already_public = "art36_1_already_public"
    disclosed = "art36_2_disclosed"
    partial = "art37_partial"
    state_secret = "art14_state_secret"
    law_prohibits = "art14_law_prohibits"
    security_stability = "art14_security_stability"
    third_party = "art15_third_party"
    internal_affairs = "art16_1_internal_affairs"
    process_info = "art16_2_process_info"
    enforcement_file = "art16_2_enforcement_file"
    admin_query = "admin_query"
    not_held = "art36_4_not_held"
    not_responsible = "art36_5_not_responsible"
    needs_creation = "art38_needs_creation"
    unclear_after_supplement = "art30_unclear_after_supplement"
    petition = "art39_1_petition"
    repeat = "art36_6_repeat"
    publication = "art39_2_publication"
    unreasonable_volume = "art35_unreasonable_volume"
    confirm_or_reissue = "confirm_or_reissue"
    deemed_abandoned = "art30_deemed_abandoned"
    fee_unpaid = "fee_unpaid"
    special_law = "art36_7_special_law"
    withdrawn = "withdrawn"
    other = "other"

    @property
    def spec(self) -> OutcomeSpec:
        return OUTCOMES[self]

    @property
    def label(self) -> str:
        return OUTCOMES[self].label

    @property
    def table3_row(self) -> str:
        return OUTCOMES[self].table3_row

    @property
    def is_withholding_ground(self) -> bool:
        """A ground on which content may be withheld (Arts 14–16): a refusal or a partial item."""
        return OUTCOMES[self].exemption


_36_3 = Citation(36, item=3)
_REFUSAL = "不予公开的理由"


def _spec(label, citations, row, category, **more) -> OutcomeSpec:
    return OutcomeSpec(label, tuple(citations), row, category, **more)


def _exemption(label, citations, row) -> OutcomeSpec:
    """Art 36(3) with its Art 14–16 ground: reasons are owed (Art 36(3) "说明理由"), reconsideration comes first."""
    return _spec(label, [_36_3, *citations], row, "withhold", reconsideration_first=True, exemption=True,
                 reasons_needed=_REFUSAL)


OUTCOMES: dict[Outcome, OutcomeSpec] = {
    Outcome.already_public: _spec("已主动公开，告知获取方式和途径", [Citation(36, item=1)], "r1_disclosed", "disclose",
                                  access_needed="获取方式和途径"),
    Outcome.disclosed: _spec("予以公开", [Citation(36, item=2)], "r1_disclosed", "disclose", access_needed="提供方式"),
    Outcome.partial: _spec("部分公开", [Citation(37)], "r2_partial", "partial", reconsideration_first=True,
                           reasons_needed=_REFUSAL, access_needed="提供方式"),
    Outcome.state_secret: _exemption("不予公开（属于国家秘密）", [Citation(14)], "r3_1_state_secret"),
    Outcome.law_prohibits: replace(
        _exemption("不予公开（法律、行政法规禁止公开）", [Citation(14)], "r3_2_law_prohibits"),
        law_needed="禁止公开该信息的法律、行政法规及其条款",  # Art 14; regulation.md §5.3 T8
    ),
    Outcome.security_stability: _exemption(
        "不予公开（公开后可能危及国家安全、公共安全、经济安全、社会稳定）", [Citation(14)], "r3_3_security_stability"
    ),
    Outcome.third_party: _exemption(
        "不予公开（涉及商业秘密、个人隐私等，公开会对第三方合法权益造成损害）", [Citation(15)], "r3_4_third_party"
    ),
    Outcome.internal_affairs: _exemption("不予公开（属于内部事务信息）", [Citation(16, paragraph=1)], "r3_5_internal_affairs"),
    Outcome.process_info: _exemption("不予公开（属于过程性信息）", [Citation(16, paragraph=2)], "r3_6_process_info"),
    Outcome.enforcement_file: _exemption(
        "不予公开（属于行政执法案卷信息）", [Citation(16, paragraph=2)], "r3_7_enforcement_file"
    ),
    # regulation.md §4.4: "a request that is really a query service … (三)8", basis: practice. It is not an
    # Art 14–16 ground, so it neither cites Art 36(3) nor carries the Art 23 reconsideration-first clause: the
    # reply tells where to query, under the provision that provides the query service.
    Outcome.admin_query: _spec("属于行政查询事项，告知查询渠道", [], "r3_8_admin_query", "withhold",
                               law_needed="提供该查询服务的法律、法规及其条款", reasons_needed="属于行政查询事项的理由",
                               access_needed="查询渠道"),
    Outcome.not_held: _spec("经检索，所申请公开的政府信息不存在", [Citation(36, item=4)], "r4_1_not_held", "unable",
                            reasons_needed="检索范围和方式"),
    Outcome.not_responsible: _spec(
        "所申请公开信息不属于本机关负责公开", [Citation(36, item=5)], "r4_1_not_held", "unable"
    ),
    Outcome.needs_creation: _spec(
        "没有现成信息，需要另行制作或加工、分析", [Citation(38)], "r4_2_needs_creation", "unable",
        reasons_needed="需要另行制作的理由",
    ),
    Outcome.unclear_after_supplement: _spec(
        "补正后申请内容仍不明确", [Citation(30)], "r4_3_unclear_after_supplement", "unable",
        reasons_needed="仍不明确的事项",
    ),
    Outcome.petition: _spec(
        "属于信访、投诉、举报，不作为政府信息公开申请处理", [Citation(39, paragraph=1)], "r5_1_petition", "not_processed",
        reasons_needed="申请的实质诉求", access_needed="信访、投诉、举报渠道",
    ),
    # The earlier answered application (Art 36(6)) and the request for reasons (Art 35) are facts of the case,
    # required by models.guards and printed from the rows, not typed into the reasons.
    Outcome.repeat: _spec("重复申请，不予重复处理", [Citation(36, item=6)], "r5_2_repeat", "not_processed"),
    # regulation.md §5.3 T14 has no remedy clause: refusing published materials is not justiciable
    # (法释〔2011〕17号 Art 2(2)).
    Outcome.publication: _spec(
        "要求提供公开出版物，告知获取途径", [Citation(39, paragraph=2)], "r5_3_publication", "not_processed",
        remedy=False, access_needed="获取途径",
    ),
    Outcome.unreasonable_volume: _spec(
        "申请数量、频次明显超过合理范围且理由不合理，不予处理", [Citation(35)], "r5_4_unreasonable_volume",
        "not_processed",
    ),
    # [U] regulation.md §4.4 lists this row as practice; no article names it. Art 38 (first sentence: what is
    # provided is information already made or obtained) is the nearest basis: a confirmation or a re-issued
    # document would be made anew, which a request may not demand (cf. 法释〔2011〕17号 Art 2(3)).
    Outcome.confirm_or_reissue: _spec(
        "要求确认或重新出具已获取信息，不予处理", [Citation(38)], "r5_5_confirm_or_reissue", "not_processed",
        reasons_needed="已获取信息的情况",
    ),
    Outcome.deemed_abandoned: _spec(
        "无正当理由逾期不补正，视为放弃申请，不再处理", [Citation(30)], "r6_1_no_supplement", "other"
    ),
    # Art 42 allows the fee; 视为放弃 on non-payment is the fee rules' (国办函〔2020〕109号, spec T17), whose
    # article is not verified (regulation.md §3.2), so the instrument is cited by name.
    Outcome.fee_unpaid: _spec(
        "逾期未缴纳信息处理费，不再处理", [Citation(42), Citation(None, law=FEE_RULES)], "r6_2_fee_unpaid", "other"
    ),
    # Art 36(7) "有关法律、行政法规对信息的获取有特别规定的": the reply names that law (spec T16).
    Outcome.special_law: _spec(
        "属于有关法律、行政法规对信息获取有特别规定的情形，告知依照其规定办理",
        [Citation(36, item=7)],
        "r6_3_other",
        "other",
        law_needed="对该信息的获取有特别规定的法律、行政法规及其条款", reasons_needed="特别规定",
        access_needed="办理途径",
    ),
    # regulation.md §6.5: a withdrawal closes the case with no reply document; nothing to cite.
    Outcome.withdrawn: _spec("申请人撤回申请", [], "r6_3_other", "other", remedy=False, is_reply=False),
    Outcome.other: _spec("其他处理", [], "r6_3_other", "other", open_basis=True, reasons_needed="处理情况"),
}

# The outcomes one item of a several-item request may have (Arts 36, 37): each answers a piece of information.
# Partial disclosure is itself the sum of items (disclosed + withheld); the rest conclude a whole application.
ITEM_OUTCOMES = tuple(
    o for o in Outcome
    if OUTCOMES[o].is_reply and o not in (Outcome.partial, Outcome.unreasonable_volume, Outcome.deemed_abandoned,
                                          Outcome.fee_unpaid)
)

# The outcomes a 终止处理告知书 states (not a 答复书): no supplement (Art 30), no payment (三(六)2).
TERMINATION_OUTCOMES = (Outcome.deemed_abandoned, Outcome.fee_unpaid)

# regulation.md §4.3: when one application has several outcomes and is not split, it is counted once,
# under the first category in this order ("部分公开 > 不予公开 > 予以公开 > 无法提供 > 不予处理 > 其他处理").
# Configurable per agency (Agency.outcome_precedence); this is the documented default.
DEFAULT_PRECEDENCE = ("partial", "withhold", "disclose", "unable", "not_processed", "other")


def main_outcome(outcomes: list[Outcome], precedence: tuple[str, ...] = DEFAULT_PRECEDENCE) -> Outcome:
    """The one outcome a multi-outcome application is counted under; a mix of disclosed and withheld is partial."""
    if not outcomes:
        raise ValueError("an application needs at least one outcome")
    categories = {o.spec.category for o in outcomes}
    if "disclose" in categories and "withhold" in categories:
        return Outcome.partial  # Art 37: what can be separated is partial disclosure, counted only in （二）
    rank = {category: i for i, category in enumerate(precedence)}
    return min(outcomes, key=lambda o: (rank[o.spec.category], outcomes.index(o)))
