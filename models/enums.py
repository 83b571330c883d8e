"""The enumerations of the domain, each member with its Chinese label for display."""

from enum import StrEnum


class Labelled(StrEnum):
    """A StrEnum whose members carry a Chinese label: `Status.registered.label == "已登记"`."""

    def __new__(cls, value: str, label: str):
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member


class Status(Labelled):
    """Where an application stands; the transitions between them are in models.lifecycle."""

    registered = "registered", "已登记"
    # Art 31(3): submitted online, received in law only on the day the office confirms it (the clerk's confirmation)
    awaiting_confirmation = "awaiting_confirmation", "待确认"
    awaiting_supplement = "awaiting_supplement", "待补正"
    routed = "routed", "已交办承办单位"
    coordinating = "coordinating", "分管领导协调中"
    joint_consultation = "joint_consultation", "会商中"
    consulting = "consulting", "征求意见中"
    awaiting_fee = "awaiting_fee", "待缴纳信息处理费"
    fee_review = "fee_review", "收费通知法律审核中"
    drafting = "drafting", "拟稿中"
    legal_review = "legal_review", "法律审核中"
    returned_for_revision = "returned_for_revision", "退回修改"
    approved = "approved", "审核通过待签发"
    issued = "issued", "已签发待寄送"
    dispatched = "dispatched", "已寄送待送达"
    delivered = "delivered", "已送达"
    withdrawn = "withdrawn", "申请人已撤回"
    deemed_abandoned = "deemed_abandoned", "逾期未补正视为放弃"
    fee_unpaid = "fee_unpaid", "逾期未缴费不再处理"
    archived = "archived", "已归档"
    voided = "voided", "登记作废"  # registered in error (a repeat submit, a wrong entry): counted nowhere


class Role(Labelled):
    clerk = "clerk", "公开办经办人"
    department_handler = "department_handler", "承办单位经办人"
    legal_counsel = "legal_counsel", "法律顾问"
    coordinating_leader = "coordinating_leader", "分管领导"
    office_head = "office_head", "公开办负责人"
    supervisor = "supervisor", "督办人员"
    admin = "admin", "系统管理员"


class Channel(Labelled):
    """Art 31: the channel decides which date is the receipt date."""

    in_person = "in_person", "当面提交"
    registered_mail = "registered_mail", "邮寄（需签收）"
    ordinary_mail = "ordinary_mail", "平常信函"
    online = "online", "互联网"
    fax = "fax", "传真"
    oral = "oral", "口头提出（代为填写）"


class ConfirmationMethod(Labelled):
    """Art 31(2)(3): how the receipt was confirmed with the applicant (letters, internet, fax), or how the
    applicant confirmed the clerk's transcript of an oral application (Art 29(1))."""

    phone = "phone", "电话确认"
    sms = "sms", "短信确认"
    email = "email", "电子邮件确认"
    platform = "platform", "网上平台回执确认"
    fax = "fax", "传真回复确认"
    signature = "signature", "申请人当面签字确认"


class ApplicantOnFile(Labelled):
    """When an ID number is already on file with other details, the clerk says which record stands."""

    keep = "keep", "沿用已登记的申请人信息"
    update = "update", "按本次填写更新申请人信息"


class ApplicantIdType(Labelled):
    none = "none", "未提供"
    resident_id = "resident_id", "居民身份证"
    passport = "passport", "护照"
    other_id = "other_id", "其他身份证件"
    credit_code = "credit_code", "统一社会信用代码"


class RequestedForm(Labelled):
    """Art 29(3), Art 40: the form in which the information is wanted."""

    paper = "paper", "纸质"
    electronic = "electronic", "电子"
    inspection = "inspection", "查阅抄录"


class DeliveryMethod(Labelled):
    pickup = "pickup", "当面领取"
    post = "post", "邮寄"
    email = "email", "电子邮件"
    platform = "platform", "网上平台"
    fax = "fax", "传真"


class AssignmentStatus(Labelled):
    routed = "routed", "待签收"
    accepted = "accepted", "已签收"
    returned = "returned", "已退回"
    answered = "answered", "已答复"


class ConsultationKind(Labelled):
    third_party = "third_party", "第三方"  # Art 32
    other_agency = "other_agency", "其他机关"  # Art 34, Art 33(3)


class ConsultationReply(Labelled):
    agrees = "agrees", "同意公开"
    objects = "objects", "不同意公开"
    no_reply = "no_reply", "逾期未提出意见"


class ExtensionStatus(Labelled):
    requested = "requested", "待审批"
    approved = "approved", "已批准"
    refused = "refused", "未批准"


class DecisionStatus(Labelled):
    draft = "draft", "草稿"
    in_review = "in_review", "审核中"
    returned = "returned", "已退回"
    approved = "approved", "已通过"


class FeeStatus(Labelled):
    """A fee notice leaves only after legal counsel's sign-off (会签办结制度; regulation.md §3.3 rule 1)."""

    proposed = "proposed", "待法律审核"
    returned = "returned", "法律顾问退回"
    sent = "sent", "已发出"


class ParticipantKind(Labelled):
    """Who sits in a 会商: the departments concerned, the justice bureau and legal counsel (the seeds' 联席办理制度)."""

    department = "department", "相关部门"
    justice_bureau = "justice_bureau", "司法局"
    legal_counsel = "legal_counsel", "法律顾问"
    other = "other", "其他"


class ProblemReason(Labelled):
    """Why a hard case is on the problem list (问题清单): the seeds' usual reasons, or the clerk's own words."""

    old_records = "old_records", "年代久远"
    ownership_changes = "ownership_changes", "产权变更复杂"
    records_hard_to_find = "records_hard_to_find", "资料查找困难"
    other = "other", "其他"


class ProblemStatus(Labelled):
    open = "open", "办理中"
    closed = "closed", "已销号"
