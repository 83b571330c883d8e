"""Every clerk, department, counsel and leader action: each prints what happened and what the case waits for now."""

from pathlib import Path

import typer

from interfaces.cli.runtime import JSON, USER, context, parse_day, parse_enum, report_done
from models.attachments import limits_label

NUMBER = typer.Argument(..., help="申请编号，如 2026-000123")


def _run(user: str | None, as_json: bool, fn_name: str, number, **kwargs) -> None:
    """Take the action, say what happened, then let the workflow perform whatever became due automatically."""
    from models import actions

    with context(user) as ctx:
        done = getattr(actions, fn_name)(ctx, number, **kwargs)
        report_done(done, as_json=as_json)
    _after(done.case, fn_name, as_json)


def _after(case, action: str, as_json: bool) -> None:
    """The automatic steps the action made due (workflows.trigger): the same trigger as the desk's."""
    from interfaces.cli.runtime import now
    from workflows.trigger import after_action

    line = after_action(case, action, now=now())
    if line and not as_json:
        typer.echo(line)


def confirm_receipt(number: str = NUMBER, note: str = typer.Option("", help="确认情况（如电话联系申请人的结果）"),
                    user: str = USER, as_json: bool = JSON) -> None:
    """确认收到网上申请：今天为收到申请之日，答复期限自今天起计算（《条例》第三十一条第（三）项）。"""
    from models import portal

    with context(user) as ctx:
        done = portal.confirm_receipt(ctx, number, note=note)
        report_done(done, as_json=as_json)
    _after(done.case, "confirm_receipt", as_json)


def supplement(number: str = NUMBER, items: str = typer.Option(..., help="需要补正的全部事项（一次性告知）"),
               days: int = typer.Option(None, help="补正期限（工作日，默认按机关设置）"),
               received: str = typer.Option(None, help="申请人收到补正告知的日期（默认今天）"),
               user: str = USER, as_json: bool = JSON) -> None:
    """告知补正（《条例》第三十条）。"""
    _run(user, as_json, "request_supplement", number, items=items, period_days=days,
         notice_received_on=parse_day(received, "收到告知日期"))


def supplement_received(number: str = NUMBER, on: str = typer.Option(..., help="收到补正的日期"),
                        content: str = typer.Option("", help="补正内容"), user: str = USER, as_json: bool = JSON) -> None:
    """登记收到补正：答复期限重新计算。"""
    _run(user, as_json, "receive_supplement", number, received_on=parse_day(on, "收到补正日期"), content=content)


def abandon(number: str = NUMBER, user: str = USER, as_json: bool = JSON) -> None:
    """逾期未补正，视为放弃申请。"""
    _run(user, as_json, "deem_abandoned", number)


def route(number: str = NUMBER, department: str = typer.Option(..., help="承办单位"), user: str = USER,
          as_json: bool = JSON) -> None:
    """交办一个承办单位（5个工作日内书面答复）。"""
    _run(user, as_json, "route", number, department=department)


def refer(number: str = NUMBER, reason: str = typer.Option("", help="理由"), user: str = USER,
          as_json: bool = JSON) -> None:
    """涉及多个单位，报分管领导协调。"""
    _run(user, as_json, "refer_to_leader", number, reason=reason)


def assign(number: str = NUMBER, department: list[str] = typer.Option(..., help="承办单位（可多次）"),
           due: str = typer.Option(..., help="答复期限"), user: str = USER, as_json: bool = JSON) -> None:
    """分管领导指定多个承办单位及答复期限。"""
    _run(user, as_json, "assign_departments", number, departments=department, due_date=parse_day(due, "答复期限"))


def coordination_done(number: str = NUMBER, user: str = USER, as_json: bool = JSON) -> None:
    """分管领导结束协调（其余承办单位均已答复，转公开办拟稿）。"""
    _run(user, as_json, "complete_coordination", number)


def accept(number: str = NUMBER, user: str = USER, as_json: bool = JSON) -> None:
    """承办单位签收。"""
    _run(user, as_json, "accept_assignment", number)


def send_back(number: str = NUMBER, reason: str = typer.Option(..., help="退回理由"), user: str = USER,
              as_json: bool = JSON) -> None:
    """承办单位退回（写明理由）。"""
    _run(user, as_json, "return_assignment", number, reason=reason)


def opinion(number: str = NUMBER, text: str = typer.Option(..., "--text", help="书面答复意见"),
            attach: list[Path] = typer.Option(None, "--attach", help="附件文件（可多次）；" + limits_label()),
            user: str = USER, as_json: bool = JSON) -> None:
    """承办单位提交书面答复意见（可附文件）。"""
    _run(user, as_json, "submit_opinion", number, opinion=text, attachments=[_read_upload(p) for p in attach or []])


def _read_upload(path: Path):
    """A file named on the command line, read up to one byte past the limit (the domain refuses it then)."""
    from models.attachments import READ_AT_MOST, Upload
    from models.errors import ValidationFailed

    try:
        with path.open("rb") as f:
            return Upload(filename=path.name, content=f.read(READ_AT_MOST))
    except FileNotFoundError:
        raise ValidationFailed(f"附件文件 {path} 不存在。", f"no file {path}") from None
    except IsADirectoryError:
        raise ValidationFailed(f"附件 {path} 是目录，请指定文件。", f"{path} is a directory") from None
    except PermissionError:
        raise ValidationFailed(f"没有读取附件文件 {path} 的权限。", f"{path}: permission denied") from None
    except OSError as exc:
        raise ValidationFailed(f"无法读取附件文件 {path}：{exc.strerror}", str(exc)) from exc


def joint(number: str = NUMBER, department: list[str] = typer.Option(..., help="相关部门（可多次）"),
          justice_bureau: str = typer.Option(..., help="司法局参加人员"),
          counsel: str = typer.Option(..., help="法律顾问"), others: str = typer.Option("", help="其他参加人员"),
          user: str = USER, as_json: bool = JSON) -> None:
    """组织会商（重大复杂案件）：相关部门、司法局和法律顾问参加（联席办理制度）。"""
    _run(user, as_json, "convene_joint_consultation", number, departments=department, justice_bureau=justice_bureau,
         legal_counsel=counsel, others=others)


def joint_minutes(number: str = NUMBER, held: str = typer.Option(..., help="会商日期"),
                  minutes: str = typer.Option(..., help="会商纪要"), proposal: str = typer.Option(..., help="拟答复意见"),
                  department: list[str] = typer.Option(None, help="实际参加的相关部门（如有变化，可多次）"),
                  justice_bureau: str = typer.Option(None, help="实际参加的司法局人员（如有变化）"),
                  counsel: str = typer.Option(None, help="实际参加的法律顾问（如有变化）"),
                  others: str = typer.Option(None, help="其他参加人员（如有变化）"),
                  user: str = USER, as_json: bool = JSON) -> None:
    """记录会商纪要和拟答复意见（参加人员须仍有相关部门、司法局和法律顾问）。"""
    _run(user, as_json, "record_joint_consultation", number, held_on=parse_day(held, "会商日期"), minutes=minutes,
         proposed_reply=proposal, departments=department or None, justice_bureau=justice_bureau,
         legal_counsel=counsel, others=others)


def draft(number: str = NUMBER, user: str = USER, as_json: bool = JSON) -> None:
    """不需交办，直接拟稿。"""
    _run(user, as_json, "start_drafting", number)


def consult(number: str = NUMBER, kind: str = typer.Option("third_party", help="third_party | other_agency"),
            party: str = typer.Option(..., help="被征求意见方"), contact: str = typer.Option("", help="联系方式"),
            received: str = typer.Option(None, help="对方收到征求意见书的日期（默认今天）"),
            user: str = USER, as_json: bool = JSON) -> None:
    """征求第三方或其他机关意见（期间不计入答复期限）。"""
    from models.enums import ConsultationKind

    _run(user, as_json, "start_consultation", number, kind=parse_enum(ConsultationKind, kind, "征求意见类型"), party=party,
         party_contact=contact, party_received_on=parse_day(received, "收到日期"))


def consult_reply(number: str = NUMBER, reply: str = typer.Option(..., help="agrees | objects | no_reply"),
                  on: str = typer.Option(..., help="收到意见的日期"), reasons: str = typer.Option("", help="理由"),
                  user: str = USER, as_json: bool = JSON) -> None:
    """登记被征求意见方的意见，答复期限恢复计算。"""
    from models.enums import ConsultationReply

    _run(user, as_json, "record_consultation_reply", number, reply=parse_enum(ConsultationReply, reply, "意见"),
         replied_on=parse_day(on, "收到意见日期"), reasons=reasons)


def fee(number: str = NUMBER, method: str = typer.Option(..., help="per_application | per_page"),
        justification: str = typer.Option(..., help="明显超过合理范围的理由"),
        pages: int = typer.Option(None, help="页数（按量计收）"),
        user: str = USER, as_json: bool = JSON) -> None:
    """拟发收费通知，送法律顾问审核（审核通过后发出，缴费前答复期限中止）。"""
    from models.fees import FeeMethod

    _run(user, as_json, "issue_fee_notice", number, method=parse_enum(FeeMethod, method, "计费方式"),
         justification=justification, pages=pages)


def fee_approve(number: str = NUMBER, comments: str = typer.Option("", help="审核意见"),
                received: str = typer.Option(None, help="申请人收到收费通知的日期（默认今天）"),
                user: str = USER, as_json: bool = JSON) -> None:
    """法律顾问审核通过收费通知，通知随即发出。"""
    _run(user, as_json, "approve_fee_notice", number, comments=comments,
         notice_received_on=parse_day(received, "收到通知日期"))


def fee_return(number: str = NUMBER, comments: str = typer.Option(..., help="审核意见（退回理由）"), user: str = USER,
               as_json: bool = JSON) -> None:
    """法律顾问退回收费通知，通知不发出。"""
    _run(user, as_json, "return_fee_notice", number, comments=comments)


def reasons(number: str = NUMBER, days: int = typer.Option(None, help="说明理由期限（工作日，默认10）"),
            user: str = USER, as_json: bool = JSON) -> None:
    """发出说明理由告知书（《条例》第三十五条：申请数量、频次明显超过合理范围）。"""
    _run(user, as_json, "request_reasons", number, days=days)


def reasons_received(number: str = NUMBER, on: str = typer.Option(..., help="收到理由的日期"),
                     text: str = typer.Option(..., "--text", help="申请人说明的理由"), user: str = USER,
                     as_json: bool = JSON) -> None:
    """登记申请人说明的理由。"""
    _run(user, as_json, "record_reasons", number, answered_on=parse_day(on, "收到理由日期"), reasons=text)


def defer(number: str = NUMBER, until: str = typer.Option(..., help="延迟答复期限"),
          reason: str = typer.Option(..., help="无法在法定期限内答复的情况"), user: str = USER,
          as_json: bool = JSON) -> None:
    """公开办负责人确定延迟答复期限（《条例》第三十五条：理由合理但无法按期答复）。"""
    _run(user, as_json, "defer_reply", number, due_date=parse_day(until, "延迟答复期限"), reason=reason)


def paid(number: str = NUMBER, on: str = typer.Option(..., help="缴费日期"),
         receipt_no: str = typer.Option(..., help="财政票据号码"), user: str = USER, as_json: bool = JSON) -> None:
    """登记缴费，答复期限恢复计算。"""
    _run(user, as_json, "record_payment", number, paid_on=parse_day(on, "缴费日期"), receipt_no=receipt_no)


def unpaid(number: str = NUMBER, user: str = USER, as_json: bool = JSON) -> None:
    """逾期未缴费，不再处理。"""
    _run(user, as_json, "close_fee_unpaid", number)


def extend(number: str = NUMBER, days: int = typer.Option(20, help="延长的工作日数（至多20）"),
           reason: str = typer.Option(..., help="延期理由"), user: str = USER, as_json: bool = JSON) -> None:
    """申请延期答复（须公开办负责人在期限届满前批准）。"""
    _run(user, as_json, "request_extension", number, days=days, reason=reason)


def extension_decide(number: str = NUMBER, approve: bool = typer.Option(..., "--approve/--refuse"),
                     comment: str = typer.Option("", help="意见"), user: str = USER, as_json: bool = JSON) -> None:
    """公开办负责人审批延期。"""
    _run(user, as_json, "decide_extension", number, approve=approve, comment=comment)


def submit(number: str = NUMBER,
           outcome: str = typer.Option(None, help="答复类型，如 art36_2_disclosed（逐项答复时按各项确定，可不填）"),
           reasons: str = typer.Option("", help="事实和理由（不予公开时必填）"),
           body: str = typer.Option("", help="提供的信息或获取方式"),
           withheld: list[str] = typer.Option(None, help="部分公开时不予公开的部分：内容|依据|理由（可多次）"),
           responsible_agency: str = typer.Option(None, help="负责公开的机关（第三十六条第（五）项）"),
           responsible_contact: str = typer.Option(None, help="该机关的联系方式"),
           law: list[str] = typer.Option(None, help="其他法律法规的条款，如 统计法:28 或 《中华人民共和国统计法》第二十八条"
                                                    "（法律行政法规禁止公开、特别规定、行政查询须填写；可多次）"),
           item: list[str] = typer.Option(None, help="逐项答复（至少两项）：内容|处理结果|理由|答复内容（可多次）；"
                                                     "--law、--responsible-agency 用于需要它们的项"),
           repeat_of: str = typer.Option(None, help="此前已答复并送达的申请编号（第三十六条第（六）项）"),
           user: str = USER, as_json: bool = JSON) -> None:
    """提交答复草稿法律审核（须先通过法律依据检查）。"""
    from models.actions import DraftIn
    from models.errors import ValidationFailed
    from models.laws import BadCitation, UnknownLaw, parse_citation
    from models.outcomes import Outcome

    withheld_items = []
    for spec in withheld or []:
        parts = spec.split("|")
        if len(parts) != 3:
            raise ValidationFailed(f"不予公开部分「{spec}」应写成 内容|依据|理由。", "bad withheld item")
        withheld_items.append({"part": parts[0], "ground": parse_enum(Outcome, parts[1], "不予公开依据"),
                               "reason": parts[2]})
    try:
        laws = [parse_citation(text) for text in law or []]
    except (BadCitation, UnknownLaw) as exc:
        raise ValidationFailed(exc.message_zh, str(exc)) from None
    items = []
    for spec in item or []:
        parts = spec.split("|")
        if not 2 <= len(parts) <= 4:
            raise ValidationFailed(f"逐项答复「{spec}」应写成 内容|处理结果|理由|答复内容。", "bad item")
        parts += [""] * (4 - len(parts))
        chosen = parse_enum(Outcome, parts[1], "处理结果")
        items.append({"part": parts[0], "outcome": chosen, "reasons": parts[2], "body": parts[3],
                      "law_citations": laws if chosen.spec.law_needed else [],
                      **({"responsible_agency": responsible_agency, "responsible_agency_contact": responsible_contact}
                         if chosen is Outcome.not_responsible else {})})
    if not outcome and not items:
        raise ValidationFailed("请用 --outcome 指定答复类型，或用 --item 逐项答复。", "no outcome")
    # With items the application is counted under the outcome their precedence gives (models.actions.draft_decision).
    chosen_outcome = parse_enum(Outcome, outcome, "答复类型") if outcome else items[0]["outcome"]
    _run(user, as_json, "submit_for_review", number, draft=DraftIn(
        outcome=chosen_outcome, reasons=reasons, body=body, withheld_items=withheld_items,
        responsible_agency=responsible_agency, responsible_agency_contact=responsible_contact,
        law_citations=laws, item_outcomes=items, repeat_of=repeat_of))


def review_return(number: str = NUMBER, comments: str = typer.Option(..., help="审核意见"), user: str = USER,
                  as_json: bool = JSON) -> None:
    """法律顾问退回修改。"""
    _run(user, as_json, "return_draft", number, comments=comments)


def review_approve(number: str = NUMBER, comments: str = typer.Option("", help="审核意见"), user: str = USER,
                   as_json: bool = JSON) -> None:
    """法律顾问审核通过。"""
    _run(user, as_json, "approve_draft", number, comments=comments)


def issue(number: str = NUMBER, user: str = USER, as_json: bool = JSON) -> None:
    """签发答复（公开办负责人或分管领导，法律顾问审核通过后）：分配文号并生成正式答复书（PDF）。"""
    from models import actions
    from models.queries import application_by_number
    from notices.from_case import reply_renderer

    with context(user) as ctx:
        app = application_by_number(ctx.session, number, agency_id=ctx.scope)
        done = actions.issue_reply(ctx, number, render=reply_renderer(ctx.session, app, on=ctx.today, at=ctx.now))
        report_done(done, as_json=as_json)
    _after(done.case, "issue_reply", as_json)


def dispatch(number: str = NUMBER, method: str = typer.Option("post", help="pickup | post | email | platform | fax"),
             on: str = typer.Option(None, help="寄送日期（默认今天）"), tracking: str = typer.Option("", help="邮件号码"),
             user: str = USER, as_json: bool = JSON) -> None:
    """寄送答复（在期限内寄出即为按期答复）。"""
    from interfaces.cli.runtime import now
    from models.enums import DeliveryMethod

    _run(user, as_json, "dispatch", number, method=parse_enum(DeliveryMethod, method, "送达方式"),
         dispatched_on=parse_day(on, "寄送日期") or now().date(), tracking_no=tracking)


def delivered(number: str = NUMBER, on: str = typer.Option(..., help="送达日期"),
              proof: str = typer.Option(..., help="送达凭证"), user: str = USER, as_json: bool = JSON) -> None:
    """登记送达。"""
    _run(user, as_json, "record_delivery", number, delivered_on=parse_day(on, "送达日期"), proof=proof)


def withdraw(number: str = NUMBER, reason: str = typer.Option("", help="撤回理由"),
             evidence: str = typer.Option(..., help="撤回证据（书面撤回或通话记录）"), user: str = USER,
             as_json: bool = JSON) -> None:
    """申请人撤回申请。"""
    _run(user, as_json, "withdraw", number, reason=reason, evidence=evidence)


def void(number: str = NUMBER, reason: str = typer.Option(..., help="作废理由（如：重复提交、登记错误）"),
         user: str = USER, as_json: bool = JSON) -> None:
    """作废登记有误的申请（仅限登记当天，须写明理由；作废后不计入任何统计）。"""
    _run(user, as_json, "void_registration", number, reason=reason)


def flag(number: str = NUMBER, on: bool = typer.Option(True, "--on/--off"),
         reason: str = typer.Option("", help="理由（取消时必填）"), user: str = USER, as_json: bool = JSON) -> None:
    """标记易诉案件（须政府法律顾问审核）；取消须由公开办负责人或分管领导写明理由。"""
    _run(user, as_json, "set_litigation_prone", number, flag=on, reason=reason)


def challenge(number: str = NUMBER, kind: str = typer.Option(..., help="reconsideration | litigation_direct | "
                                                                   "litigation_after_reconsideration"),
              filed: str = typer.Option(..., help="提起日期"), body: str = typer.Option("", help="复议机关或法院"),
              user: str = USER) -> None:
    """登记行政复议或行政诉讼。"""
    from models import actions
    from models.outcomes import ChallengeKind

    with context(user) as ctx:
        found = actions.record_challenge(ctx, number, kind=parse_enum(ChallengeKind, kind, "类型"),
                                         filed_on=parse_day(filed, "提起日期"), body=body)
    typer.echo(f"已登记{ChallengeKind(kind).label}（编号 {found.id}），结果待定。")


def challenge_result(challenge_id: int = typer.Argument(..., min=1, max=2**63 - 1), result: str = typer.Option(..., help="upheld | corrected | other"),
                     decided: str = typer.Option(..., help="审结日期"), user: str = USER) -> None:
    """登记复议诉讼结果。"""
    from models import actions
    from models.outcomes import ChallengeResult

    with context(user) as ctx:
        actions.decide_challenge(ctx, challenge_id, result=parse_enum(ChallengeResult, result, "结果"),
                                 decided_on=parse_day(decided, "审结日期"))
    typer.echo(f"已登记结果：{ChallengeResult(result).label}。")


COMMANDS = {
    "confirm-receipt": confirm_receipt, "supplement": supplement, "supplement-received": supplement_received, "abandon": abandon, "route": route,
    "refer": refer, "assign": assign, "coordination-done": coordination_done, "accept": accept, "send-back": send_back, "opinion": opinion, "joint": joint,
    "joint-minutes": joint_minutes, "draft": draft, "consult": consult, "consult-reply": consult_reply, "fee": fee,
    "fee-approve": fee_approve, "fee-return": fee_return, "reasons": reasons, "reasons-received": reasons_received,
    "defer": defer, "paid": paid, "unpaid": unpaid, "extend": extend, "extension": extension_decide, "submit": submit,
    "review-return": review_return, "review-approve": review_approve, "issue": issue, "dispatch": dispatch, "delivered": delivered,
    "withdraw": withdraw, "void": void, "flag": flag, "challenge": challenge, "challenge-result": challenge_result,
}


def install(app: typer.Typer) -> None:
    for name, fn in COMMANDS.items():
        app.command(name)(fn)
