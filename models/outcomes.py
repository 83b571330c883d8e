"""The legal vocabulary of a decision: applicant kinds, outcomes, their citations and table 三 rows.

Every concluded application lands in exactly one cell of the annual report's table 三
(国办公开办函〔2021〕30号): the row comes from the outcome, the column from the applicant's kind.
This module is the single place that knows which outcome cites which article and counts in which row;
notices, the citation check and the statistics all read it.
"""

from dataclasses import dataclass
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

# Column keys of table 三 in the published order (the JSON of ../shared/data uses exactly these).
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
    """1 → 一, 10 → 十, 36 → 三十六: how articles are numbered in Chinese statutes (1–99)."""
    if not 0 < n < 100:
        raise ValueError(f"article numbers are 1-99, got {n}")
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _CN_DIGITS[tens] + "十")
    return head + (_CN_DIGITS[ones] if ones else "")


@dataclass(frozen=True)
class Citation:
    """A provision of a law: article, paragraph (款) and item (项), rendered the way notices cite it."""

    article: int
    paragraph: int | None = None
    item: int | None = None
    law: str = "《中华人民共和国政府信息公开条例》"

    def zh(self, *, with_law: bool = True) -> str:
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
    category: str  # disclose | partial | withhold | unable | not_processed | other
    # 行政复议法 (2023) Art 23(1)(4): a refusal to disclose must be reconsidered before any lawsuit,
    # and Art 23(2) obliges the agency to say so in the decision.
    reconsideration_first: bool = False


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
        return OUTCOMES[self].category == "withhold"


_36_3 = Citation(36, item=3)


def _spec(label, citations, row, category, reconsideration_first=False):
    return OutcomeSpec(label, tuple(citations), row, category, reconsideration_first)


OUTCOMES: dict[Outcome, OutcomeSpec] = {
    Outcome.already_public: _spec("已主动公开，告知获取方式和途径", [Citation(36, item=1)], "r1_disclosed", "disclose"),
    Outcome.disclosed: _spec("予以公开", [Citation(36, item=2)], "r1_disclosed", "disclose"),
    Outcome.partial: _spec("部分公开", [Citation(37)], "r2_partial", "partial", True),
    Outcome.state_secret: _spec(
        "不予公开（属于国家秘密）", [_36_3, Citation(14)], "r3_1_state_secret", "withhold", True
    ),
    Outcome.law_prohibits: _spec(
        "不予公开（法律、行政法规禁止公开）", [_36_3, Citation(14)], "r3_2_law_prohibits", "withhold", True
    ),
    Outcome.security_stability: _spec(
        "不予公开（公开后可能危及国家安全、公共安全、经济安全、社会稳定）",
        [_36_3, Citation(14)],
        "r3_3_security_stability",
        "withhold",
        True,
    ),
    Outcome.third_party: _spec(
        "不予公开（涉及商业秘密、个人隐私等，公开会对第三方合法权益造成损害）",
        [_36_3, Citation(15)],
        "r3_4_third_party",
        "withhold",
        True,
    ),
    Outcome.internal_affairs: _spec(
        "不予公开（属于内部事务信息）", [_36_3, Citation(16, paragraph=1)], "r3_5_internal_affairs", "withhold", True
    ),
    Outcome.process_info: _spec(
        "不予公开（属于过程性信息）", [_36_3, Citation(16, paragraph=2)], "r3_6_process_info", "withhold", True
    ),
    Outcome.enforcement_file: _spec(
        "不予公开（属于行政执法案卷信息）", [_36_3, Citation(16, paragraph=2)], "r3_7_enforcement_file", "withhold", True
    ),
    Outcome.admin_query: _spec("不予公开（属于行政查询事项）", [_36_3], "r3_8_admin_query", "withhold", True),
    Outcome.not_held: _spec("经检索，所申请公开的政府信息不存在", [Citation(36, item=4)], "r4_1_not_held", "unable"),
    Outcome.not_responsible: _spec(
        "所申请公开信息不属于本机关负责公开", [Citation(36, item=5)], "r4_1_not_held", "unable"
    ),
    Outcome.needs_creation: _spec(
        "没有现成信息，需要另行制作或加工、分析", [Citation(38)], "r4_2_needs_creation", "unable"
    ),
    Outcome.unclear_after_supplement: _spec(
        "补正后申请内容仍不明确", [Citation(30)], "r4_3_unclear_after_supplement", "unable"
    ),
    Outcome.petition: _spec(
        "属于信访、投诉、举报，不作为政府信息公开申请处理", [Citation(39, paragraph=1)], "r5_1_petition", "not_processed"
    ),
    Outcome.repeat: _spec("重复申请，不予重复处理", [Citation(36, item=6)], "r5_2_repeat", "not_processed"),
    Outcome.publication: _spec(
        "要求提供公开出版物，告知获取途径", [Citation(39, paragraph=2)], "r5_3_publication", "not_processed"
    ),
    Outcome.unreasonable_volume: _spec(
        "申请数量、频次明显超过合理范围且理由不合理，不予处理", [Citation(35)], "r5_4_unreasonable_volume", "not_processed"
    ),
    Outcome.confirm_or_reissue: _spec(
        "要求确认或重新出具已获取信息，不予处理", [], "r5_5_confirm_or_reissue", "not_processed"
    ),
    Outcome.deemed_abandoned: _spec(
        "无正当理由逾期不补正，视为放弃申请，不再处理", [Citation(30)], "r6_1_no_supplement", "other"
    ),
    Outcome.fee_unpaid: _spec(
        "逾期未缴纳信息处理费，不再处理", [Citation(42)], "r6_2_fee_unpaid", "other"
    ),
    Outcome.special_law: _spec(
        "属于有关法律、行政法规对信息获取有特别规定的情形，告知依照其规定办理",
        [Citation(36, item=7)],
        "r6_3_other",
        "other",
    ),
    Outcome.withdrawn: _spec("申请人撤回申请", [], "r6_3_other", "other"),
    Outcome.other: _spec("其他处理", [], "r6_3_other", "other"),
}

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
