"""Factories for notice contexts: one valid context per document kind and per reply outcome."""

from dataclasses import replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from models.citation_check import FeeNoticeDraft, ReplyDraft, WithheldItem, for_outcome
from models.fees import FeeMethod
from models.outcomes import ApplicantKind, Citation, Outcome
from notices.context import (
    Agency,
    AgencyConsultationContext,
    Applicant,
    Application,
    ConsultationNoticeContext,
    CoordinationContext,
    DeferralContext,
    DeliveryContext,
    EarlierReply,
    ExtensionContext,
    FeeContext,
    Issue,
    Payment,
    JointConsultationContext,
    ReasonRequestContext,
    ReasonsAsked,
    ReceiptContext,
    ReplyContext,
    RoutingContext,
    SubmissionChannel,
    SupplementContext,
    ThirdPartyConsultationContext,
)
from notices.render import DocumentKind

STATISTICS_LAW = "《中华人民共和国统计法》"
REAL_ESTATE_REGISTRATION = "《不动产登记暂行条例》"
SOCIAL_INSURANCE_LAW = "《中华人民共和国社会保险法》"
# The provision of another law each outcome names beside the Regulation (models.outcomes: law_needed).
LAWS = {
    Outcome.law_prohibits: (Citation(28, law=STATISTICS_LAW),),  # 统计法 (2024) Art 28: 不得对外提供、泄露
    Outcome.special_law: (Citation(27, law=REAL_ESTATE_REGISTRATION),),  # 权利人、利害关系人可以依法查询
    Outcome.admin_query: (Citation(74, paragraph=4, law=SOCIAL_INSURANCE_LAW),),  # 个人可以免费查询、核对缴费记录
}


def agency(**overrides) -> Agency:
    return replace(
        Agency(
            name="杭州市西湖区人民政府办公室",
            reconsideration_body="杭州市西湖区人民政府",
            court="杭州市西湖区人民法院",
            address="杭州市西湖区文三路1号",
            contact_person="李明",
            contact_phone="0571-87000000",
            inquiry_channel="西湖区政府门户网站“依申请公开”栏目",
        ),
        **overrides,
    )


def applicant(**overrides) -> Applicant:
    return replace(
        Applicant(name="张三", kind=ApplicantKind.natural_person, address="杭州市西湖区学院路28号", phone="13800000000"),
        **overrides,
    )


def application(**overrides) -> Application:
    return replace(
        Application(
            number="XH-2025-0042",
            receipt_date=date(2025, 3, 4),
            channel=SubmissionChannel.online,
            request_text="2024年度西湖区老旧小区改造项目的立项批复及资金安排情况",
            pages=2,
        ),
        **overrides,
    )


def issue(number: str = "西政办依申请〔2025〕第17号", on: date = date(2025, 3, 28)) -> Issue:
    made = datetime(on.year, on.month, on.day, 10, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
    return Issue(agency=agency(), number=number, date=on, created=made)


PAYMENT = Payment(payee="杭州市西湖区财政局", bank="中国工商银行杭州西湖支行", account="1202 0211 0900 0012 345",
                  code="3301062025000042", place="浙江政务服务网“非税支付”栏目或西湖区行政服务中心一楼财政窗口")


REASONS = {
    Outcome.state_secret: "该信息经定密机关依法确定为秘密级国家秘密，保密期限尚未届满。",
    Outcome.law_prohibits: "该信息为统计调查中获得的能够识别单个统计调查对象身份的资料。",
    Outcome.security_stability: "该信息涉及重要基础设施的安防部署，公开后可能危及公共安全。",
    Outcome.third_party: "该信息涉及中标企业的报价构成等商业秘密，经征求意见，该企业不同意公开。",
    Outcome.internal_affairs: "该信息为本机关工作人员考勤管理记录。",
    Outcome.process_info: "该信息为项目论证会的讨论记录，相关决定尚未作出。",
    Outcome.enforcement_file: "该信息为本机关行政处罚案件的调查询问笔录。",
    Outcome.admin_query: "您申请获取的是本人社会保险缴费记录，个人可以向社会保险经办机构查询、核对。",
    Outcome.not_held: "经本机关在公文管理系统和档案系统以“老旧小区改造”“立项批复”为关键词检索，并向城建科核查，未检索到您申请获取的信息。",
    Outcome.not_responsible: "该信息由杭州市住房和城乡建设局制作并保存。",
    Outcome.needs_creation: "本机关未制作分街道、分年度的汇总统计表，提供该信息需要对现有政府信息进行加工、分析。",
    Outcome.unclear_after_supplement: "您补正后仍未写明所需信息的名称、文号或者其他特征性描述。",
    Outcome.petition: "您提出的申请实质是对小区物业管理问题的投诉。",
    Outcome.repeat: "本次申请公开的内容与该申请相同。",
    Outcome.unreasonable_volume: "",
    Outcome.confirm_or_reissue: "您已于2025年1月20日获取该信息，现要求本机关确认其真实性并重新出具。",
    Outcome.special_law: "您申请获取的是本人名下房屋的不动产登记资料。",
    Outcome.withdrawn: "您于2025年3月20日书面撤回该申请。",
    Outcome.other: "您要求更正的本人社会保险缴费记录不属于本机关职能范围，本机关已将您的更正请求转送杭州市社会保险经办机构处理。",
}
ACCESS = {
    Outcome.already_public: "西湖区人民政府门户网站“政府信息公开—财政资金”栏目（2025年1月15日发布）",
    Outcome.disclosed: "随本答复书以电子邮件方式向您提供",
    Outcome.partial: "随本答复书以电子邮件方式向您提供",
    Outcome.petition: "西湖区信访局或者12345政务服务便民热线",
    Outcome.publication: "杭州市图书馆或者《西湖区政府公报》订阅渠道",
    Outcome.special_law: "向西湖区不动产登记中心申请查询",
    Outcome.admin_query: "杭州市社会保险经办机构服务窗口或者“浙里办”社保查询服务",
}
# `other` has no fixed article: the clerk cites the basis, here Art 41 (a correction request forwarded).
OTHER_BASIS = (Citation(41),)
WITHHELD = (
    WithheldItem("中标企业报价明细表", Outcome.third_party, "属于该企业的商业秘密，经征求意见该企业不同意公开。"),
    WithheldItem("项目论证会讨论记录", Outcome.process_info, "属于论证过程中形成的讨论记录。"),
)


# Every outcome a 答复书 is made for (a withdrawal closes the case without one).
REPLY_OUTCOMES = [o for o in Outcome if o.spec.is_reply]


def draft(outcome: Outcome, **overrides) -> ReplyDraft:
    """A draft that passes the citation check for this outcome."""
    fields = {"reasons": REASONS.get(outcome, ""), "access": ACCESS.get(outcome, "")}
    if outcome is Outcome.partial:
        fields["reasons"] = "本机关已就涉及第三方的内容书面征求该第三方意见。"
        fields["withheld_items"] = WITHHELD
    if outcome is Outcome.not_responsible:
        fields["responsible_agency"] = "杭州市住房和城乡建设局"
        fields["responsible_agency_contact"] = "杭州市解放东路18号，0571-87000001"
    d = for_outcome(outcome, reconsideration_body="杭州市西湖区人民政府", court="杭州市西湖区人民法院",
                    on=date(2025, 3, 28), laws=LAWS.get(outcome, ()), **fields)
    if outcome is Outcome.other:
        d = replace(d, citations=OTHER_BASIS)
    return replace(d, **overrides)


def reply(outcome: Outcome, **overrides) -> ReplyContext:
    fields = {"access": ACCESS.get(outcome)}
    if outcome in (Outcome.disclosed, Outcome.partial):
        fields["attachments"] = ("西湖区老旧小区改造项目立项批复（西发改〔2024〕12号）", "2024年度资金安排表")
    if outcome is Outcome.deemed_abandoned:
        fields.update(earlier_notice="《政府信息公开申请补正告知书》（西政办依申请〔2025〕第9号）",
                      earlier_deadline=date(2025, 3, 25))
    if outcome is Outcome.fee_unpaid:
        fields.update(earlier_notice="《政府信息公开信息处理费收费通知书》（西政办依申请〔2025〕第11号）",
                      earlier_deadline=date(2025, 3, 26))
    if outcome is Outcome.repeat:
        fields["earlier_reply"] = EarlierReply(number="XH-2025-0003", receipt_date=date(2025, 1, 6),
                                               replied_on=date(2025, 1, 20), doc_number="西政办依申请〔2025〕第3号")
    if outcome is Outcome.unreasonable_volume:
        fields["reasons_asked"] = ReasonsAsked(requested_on=date(2025, 3, 10), due_date=date(2025, 3, 24),
                                               answered_on=None, reasons="")
    base = {"issue": issue(), "applicant": applicant(), "application": application(), "draft": draft(outcome)}
    return ReplyContext(**{**base, **fields, **overrides})


def fee_notice(**overrides) -> FeeNoticeDraft:
    return replace(FeeNoticeDraft(method=FeeMethod.per_page, amount=83460, pages=2219), **overrides)


def context(kind: DocumentKind):
    """A valid context for every kind except the reply and the termination (see reply())."""
    common = {"issue": issue(), "application": application()}
    with_applicant = {**common, "applicant": applicant()}
    return {
        DocumentKind.receipt: lambda: ReceiptContext(**with_applicant, query_code="K7QW2M9X", due_date=date(2025, 4, 1)),
        DocumentKind.supplement: lambda: SupplementContext(
            **with_applicant,
            items=("未提供申请人身份证明。", "申请公开的政府信息的名称、文号或者其他特征性描述不明确，请写明项目名称或者所在街道。"),
            guidance="您可以参照西湖区人民政府门户网站公布的项目名录写明所需信息。",
            deadline=date(2025, 3, 25),
        ),
        DocumentKind.routing: lambda: RoutingContext(
            **common, department="区城建科", tasks="检索2024年度老旧小区改造项目的立项批复及资金安排文件，提出是否公开的意见。",
            due_date=date(2025, 3, 18), reply_due_date=date(2025, 4, 1),
        ),
        DocumentKind.coordination: lambda: CoordinationContext(
            **common, departments=("区城建科", "区财政科"), matter="立项批复由城建科检索，资金安排由财政科检索，分别提出是否公开的意见。",
            due_date=date(2025, 3, 18),
        ),
        DocumentKind.joint_consultation: lambda: JointConsultationContext(
            **common, convener="王副区长（分管领导）", held_on=date(2025, 3, 20),
            participants="区城建科、区财政科、区司法局、法律顾问陈律师",
            minutes=("立项批复由城建科制作并保存，属于已经形成的政府信息，可以公开。",
                     "资金安排表中的中标企业报价明细涉及商业秘密，应当书面征求该企业意见后再作决定。"),
            proposed_reply=("对立项批复予以公开；对资金安排表区分处理，涉及商业秘密的部分征求第三方意见后不予公开，其余部分予以公开。",),
        ),
        DocumentKind.consultation_third_party: lambda: ThirdPartyConsultationContext(
            **common, third_party="杭州某建设工程有限公司", information="老旧小区改造项目中标企业报价明细表",
            interest="商业秘密", due_date=date(2025, 4, 2),
        ),
        DocumentKind.consultation_agency: lambda: AgencyConsultationContext(
            **common, consulted_agency="杭州市西湖区财政局", information="2024年度老旧小区改造资金安排表",
            due_date=date(2025, 4, 2),
        ),
        DocumentKind.consultation_notice: lambda: ConsultationNoticeContext(
            **with_applicant, consulted="杭州某建设工程有限公司", sent_date=date(2025, 3, 12),
        ),
        DocumentKind.extension: lambda: ExtensionContext(
            **with_applicant, reason="申请公开的信息数量较大，需要检索、审查的时间较长", days=20,
            new_due_date=date(2025, 4, 29),
        ),
        DocumentKind.fee: lambda: FeeContext(
            **with_applicant, fee=fee_notice(), payment=PAYMENT, pay_due=date(2025, 4, 28),
        ),
        DocumentKind.reason_request: lambda: ReasonRequestContext(
            **with_applicant, application_count=48, deadline=date(2025, 3, 21),
        ),
        DocumentKind.deferral: lambda: DeferralContext(
            **with_applicant, requested_on=date(2025, 3, 10), reasons="本人系该小区业主委员会成员，需核对各期改造资金。",
            reason="申请公开的信息涉及五个年度、二十余个项目的档案，需逐一调取、审查", deferred_due=date(2025, 5, 30),
        ),
        DocumentKind.delivery: lambda: DeliveryContext(
            issue=issue(number="西政办送〔2025〕第17号"), document_title="政府信息公开申请答复书",
            document_number="西政办依申请〔2025〕第17号", recipient="张三", place="杭州市西湖区学院路28号", method="邮寄（EMS）",
        ),
        DocumentKind.reply: lambda: reply(Outcome.disclosed),
        DocumentKind.termination: lambda: reply(Outcome.deemed_abandoned),
    }[kind]()
