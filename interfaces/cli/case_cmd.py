"""Setting up and looking at cases: init, agencies, departments, users, register, list, show, import, export."""

import json
import sys
from contextlib import contextmanager
from pathlib import Path

import typer

from interfaces.cli.runtime import (JSON, USER, calendar, context, emit, now, parse_day, parse_enum, session,
                                    write_output)

ADMIN_USER = typer.Option(None, "--user", "-u", help="操作人（系统管理员）用户名，记入管理日志；不填时记为命令行操作员")


@contextmanager
def admin_context(username: str | None):
    """The Ctx of an administrative command: the named user (who must be a 系统管理员), else the CLI operator, who
    holds the server's shell and database; either way the change is logged in admin_event."""
    if username:
        with context(username) as ctx:
            yield ctx
        return
    from models.context import Ctx

    with session() as s:
        yield Ctx(s, calendar(), now(), None)


agency_app = typer.Typer(help="机关")
department_app = typer.Typer(help="承办单位")
user_app = typer.Typer(help="用户")


def init(demo: bool = typer.Option(False, "--demo", help="同时创建示范机关、承办单位和各角色用户")) -> None:
    """创建或升级数据库。"""
    from models.db import default_engine, migrate
    from models.settings import Settings, display_url

    migrate(default_engine())
    typer.echo(f"数据库已就绪：{display_url(Settings.load().database_url)}")  # never the password
    if demo:
        from models.demo import DEMO_AGENCY, DEMO_PASSWORD, USERS, seed_demo
        from models.passwords import hash_password

        with session() as s:
            created = seed_demo(s, password_hash=hash_password(DEMO_PASSWORD))
        typer.echo(f"{'已创建' if created else '已存在'}示范机关：{DEMO_AGENCY}")
        for username, full_name, role, department, _ in USERS:
            typer.echo(f"  {username:<14}{full_name}（{role.label}{'，' + department if department else ''}）")
        typer.echo(f"  示范用户密码：{DEMO_PASSWORD}")
        from interfaces.cli.documents_cmd import demo_documents

        for line in demo_documents(DEMO_AGENCY):
            typer.echo(line)


@agency_app.command("add")
def agency_add(
    name: str,
    parent: str = typer.Option(None, help="上级机关"),
    disclosure_office: str = typer.Option("", help="政府信息公开工作机构"),
    reconsideration_body: str = typer.Option("", help="行政复议机关：部门为本级人民政府，人民政府为上一级人民政府，"
                                                    "垂直管理机关为上一级主管部门（行政复议法第二十四条至第二十八条）"),
    court: str = typer.Option("", help="管辖法院：…人民法院；县级以上地方人民政府为中级人民法院（行政诉讼法第十五条）"),
    doc_number_prefix: str = typer.Option("", help="文号前缀，如 河政公开"),
    address: str = typer.Option("", help="地址"),
    phone: str = typer.Option("", help="电话"),
    seal_text: str = typer.Option("", help="印章文字"),
    user: str = ADMIN_USER,
) -> None:
    """添加机关（记入管理日志）。"""
    from models.admin import create_agency

    with admin_context(user) as ctx:
        agency = create_agency(ctx, name=name, parent=parent, disclosure_office=disclosure_office,
                               reconsideration_body=reconsideration_body, court=court,
                               doc_number_prefix=doc_number_prefix, address=address, phone=phone, seal_text=seal_text)
    typer.echo(f"已添加机关：{agency.name}")


@agency_app.command("set")
def agency_set(
    name: str,
    litigation_keywords: str = typer.Option(None, "--litigation-keywords",
                                            help="易诉案件关键词，整体替换，用逗号或顿号分隔，如 征地,拆迁,强拆"),
    add_keyword: list[str] = typer.Option([], "--add-keyword", help="增加一个易诉关键词（可重复）"),
    remove_keyword: list[str] = typer.Option([], "--remove-keyword", help="删除一个易诉关键词（可重复）"),
    seal_image: str = typer.Option(None, help="印章图片（带透明背景的 PNG），盖在成文日期上；空字符串取消"),
    contact_person: str = typer.Option(None, help="联系人（未指明经办人时印在文书上）"),
    phone: str = typer.Option(None, help="电话"),
    address: str = typer.Option(None, help="地址"),
    disclosure_office: str = typer.Option(None, help="政府信息公开工作机构"),
    status_url: str = typer.Option(None, help="公众查询办理进度的网址（印在接收回执上）"),
    fee_payee: str = typer.Option(None, help="信息处理费收款单位"),
    fee_bank: str = typer.Option(None, help="开户银行"),
    fee_account: str = typer.Option(None, help="账号"),
    fee_payment_code: str = typer.Option(None, help="非税收入缴款码（或执收单位编码）"),
    fee_payment_qr: str = typer.Option(None, help="缴费二维码图片（PNG 或 JPEG）"),
    fee_payment_place: str = typer.Option(None, help="缴费地点或途径"),
    reconsideration_body: str = typer.Option(None, help="行政复议机关"),
    court: str = typer.Option(None, help="管辖法院"),
    doc_number_prefix: str = typer.Option(None, help="文号前缀"),
    repeat_window_days: int = typer.Option(None, "--repeat-window-days",
                                           help="重复申请比对天数：登记时向前查找可能重复的申请（《条例》第三十六条第（六）项）"),
    user: str = USER,
) -> None:
    """修改机关设置：易诉案件关键词（系统管理员）、印章图片、联系人、查询网址、信息处理费缴纳方式、重复申请比对天数等，
    每项修改记入管理日志。"""
    from models.admin import set_litigation_keywords, update_agency
    from models.queries import agency_by_name
    from models.registration import split_keywords

    keywords = litigation_keywords is not None or add_keyword or remove_keyword
    given = {k: v for k, v in {
        "seal_image": seal_image, "contact_person": contact_person, "phone": phone, "address": address,
        "disclosure_office": disclosure_office, "status_url": status_url, "fee_payee": fee_payee, "fee_bank": fee_bank,
        "fee_account": fee_account, "fee_payment_code": fee_payment_code, "fee_payment_qr": fee_payment_qr,
        "fee_payment_place": fee_payment_place, "reconsideration_body": reconsideration_body, "court": court,
        "doc_number_prefix": doc_number_prefix, "repeat_window_days": repeat_window_days}.items() if v is not None}
    if not keywords and not given:
        typer.echo("没有要修改的设置项，见 gongkai agency set --help。")
        return
    if keywords:
        replace = split_keywords(litigation_keywords) if litigation_keywords is not None else None
        with context(user) as ctx:
            after = set_litigation_keywords(ctx, agency=name, keywords=replace, add=add_keyword, remove=remove_keyword)
        typer.echo(f"已修改{name}的易诉案件关键词：{'、'.join(after)}（已登记的申请不受影响）。")
    if given:
        with admin_context(user) as ctx:
            update_agency(ctx, agency=name, **given)
            agency = agency_by_name(ctx.session, name)
            for key in given:
                typer.echo(f"已设置 {agency.name} 的 {key}：{getattr(agency, key) or '（空）'}")


@agency_app.command("show")
def agency_show(name: str) -> None:
    """机关的设置：复议机关、法院、文号前缀、易诉关键词、重复申请比对天数，以及管理日志。"""
    from models.admin import admin_history, describe
    from models.queries import agency_by_name
    from models.registration import litigation_keywords

    with session() as s:
        agency = agency_by_name(s, name)
        history = admin_history(s, agency=name)
    typer.echo(f"{agency.name}")
    typer.echo(f"  行政复议机关：{agency.reconsideration_body or '—'}　管辖法院：{agency.court or '—'}"
               f"　文号前缀：{agency.doc_number_prefix or '—'}")
    typer.echo(f"  易诉案件关键词：{'、'.join(litigation_keywords(agency))}")
    typer.echo(f"  重复申请比对天数：{agency.repeat_window_days}")
    for event in history:
        typer.echo(f"  {event.at:%Y-%m-%d %H:%M} {event.actor_name} {describe(event)}")


@agency_app.command("certificate")
def agency_certificate(
    name: str,
    key: Path = typer.Option(None, help="私钥文件（PEM，不加密）"),
    cert: Path = typer.Option(None, help="证书文件（PEM）"),
    demo: bool = typer.Option(False, "--demo", help="生成自签名演示证书（仅供演示和测试）"),
) -> None:
    """安装机关签发答复书所用的电子签名证书（私钥只存放在设置目录中，不进数据库）。"""
    from models.errors import ValidationFailed
    from models.queries import agency_by_name
    from models.settings import Settings
    from notices.signing import certificate_info, credentials_dir, install_certificate, make_demo_certificate

    if demo == bool(key and cert) or (key is None) != (cert is None):
        raise ValidationFailed("请同时给出 --key 和 --cert，或者只用 --demo。", "key/cert or demo")
    with session() as s:
        agency = agency_by_name(s, name)
    folder = credentials_dir(Settings.load(), agency.id)
    creds = (make_demo_certificate(folder, agency_name=agency.name, now=now()) if demo
             else install_certificate(folder, key_file=key, cert_file=cert))
    info = certificate_info(creds.cert)
    from models.admin import record_certificate

    with admin_context(None) as ctx:
        record_certificate(ctx, agency=agency.name, subject=info.subject, not_after=info.not_after.isoformat(),
                           sha256=info.sha256)
    typer.echo(f"已安装 {agency.name} 的电子签名证书：{info.subject}，有效期至 {info.not_after:%Y-%m-%d}")
    typer.echo(f"  私钥 {creds.key}（仅所有者可读）；证书 {creds.cert}")


@department_app.command("add")
def department_add(agency: str, name: str, contact: str = typer.Option("", help="联系方式"),
                   user: str = ADMIN_USER) -> None:
    """添加承办单位（记入管理日志）。"""
    from models.admin import create_department

    with admin_context(user) as ctx:
        create_department(ctx, agency=agency, name=name, contact=contact)
    typer.echo(f"已添加承办单位：{agency} / {name}")


@department_app.command("set")
def department_set(agency: str, name: str, rename: str = typer.Option(None, "--rename", help="新名称"),
                   contact: str = typer.Option(None, help="联系方式"), user: str = ADMIN_USER) -> None:
    """修改承办单位的名称或联系方式（记入管理日志）。"""
    from models.admin import update_department
    from models.queries import agency_by_name, department_by_name

    with admin_context(user) as ctx:
        row = department_by_name(ctx.session, agency_by_name(ctx.session, agency), name)
        update_department(ctx, department_id=row.id, name=rename, contact=contact)
    typer.echo(f"已修改承办单位：{agency} / {rename or name}")


@user_app.command("add")
def user_add(
    username: str,
    full_name: str,
    role: str = typer.Option(..., help="clerk | department_handler | legal_counsel | coordinating_leader | "
                                       "office_head | supervisor | admin"),
    agency: str = typer.Option(..., help="所属机关"),
    department: str = typer.Option(None, help="所属承办单位（承办单位经办人必填）"),
    government_counsel: bool = typer.Option(False, help="政府法律顾问（可审核易诉案件）"),
    password: str = typer.Option(None, help="登录密码（网页端使用）"),
    phone: str = typer.Option("", help="联系电话（经办人签发的文书上印作联系电话）"),
    user: str = ADMIN_USER,
) -> None:
    """添加用户（记入管理日志）。"""
    from models.admin import create_user
    from models.enums import Role

    role_value = parse_enum(Role, role, "角色")
    with admin_context(user) as ctx:
        create_user(ctx, username=username, full_name=full_name, role=role_value, agency=agency, department=department,
                    government_counsel=government_counsel, password=password or None, phone=phone)
    typer.echo(f"已添加用户：{username}（{role_value.label}）")


@user_app.command("unlock")
def user_unlock(username: str, user: str = USER) -> None:
    """解锁因连续密码错误被锁定的账号（系统管理员；解锁留痕）。"""
    from models.sessions import unlock_user

    with context(user) as ctx:
        unlock_user(ctx, username=username)
    typer.echo(f"已解锁用户：{username}，可以重新登录。")


@user_app.command("set")
def user_set(
    username: str,
    full_name: str = typer.Option(None, "--full-name", help="姓名"),
    role: str = typer.Option(None, help="角色"),
    department: str = typer.Option(None, help="所属承办单位（承办单位经办人）"),
    government_counsel: bool = typer.Option(None, "--government-counsel/--no-government-counsel",
                                            help="政府法律顾问（可审核易诉案件）"),
    phone: str = typer.Option(None, help="联系电话"),
    email: str = typer.Option(None, help="电子邮箱"),
    user: str = ADMIN_USER,
) -> None:
    """修改用户的姓名、角色、所属承办单位、政府法律顾问标记或联系方式（记入管理日志）。"""
    from models.admin import FIELD_LABELS, _shown, update_user
    from models.enums import Role

    given = {"full_name": full_name, "role": parse_enum(Role, role, "角色") if role else None,
             "government_counsel": government_counsel, "phone": phone, "email": email}
    if department is not None:
        given["department"] = department
    with admin_context(user) as ctx:
        changed = update_user(ctx, username=username, **{k: v for k, v in given.items() if v is not None})
    for key, (before, after) in changed.items():
        typer.echo(f"已修改 {username} 的{FIELD_LABELS.get(key, key)}：{_shown(before)} → {_shown(after)}")


@user_app.command("deactivate")
def user_deactivate(username: str, user: str = ADMIN_USER) -> None:
    """停用用户：不能再登录，记录保留（记入管理日志）。"""
    from models.admin import set_user_active

    with admin_context(user) as ctx:
        set_user_active(ctx, username=username, active=False)
    typer.echo(f"已停用用户：{username}")


@user_app.command("activate")
def user_activate(username: str, user: str = ADMIN_USER) -> None:
    """重新启用用户（记入管理日志）。"""
    from models.admin import set_user_active

    with admin_context(user) as ctx:
        set_user_active(ctx, username=username, active=True)
    typer.echo(f"已启用用户：{username}")


@user_app.command("reset-password")
def user_reset_password(username: str,
                        password: str = typer.Option(..., prompt="新密码", hide_input=True, confirmation_prompt=True,
                                                     help="新密码（至少8位；不给出时提示输入）"),
                        user: str = ADMIN_USER) -> None:
    """重置用户的登录密码（管理日志只记录谁重置了谁的密码）。"""
    from models.admin import reset_password

    with admin_context(user) as ctx:
        reset_password(ctx, username=username, password=password)
    typer.echo(f"已重置 {username} 的密码，请通知本人登录后使用。")


@user_app.command("list")
def user_list(agency: str = typer.Option(None, help="机关（默认全部）"), as_json: bool = JSON) -> None:
    """用户清单：角色、所属承办单位、政府法律顾问、是否停用。"""
    from models.admin import user_rows

    with session() as s:
        rows = user_rows(s, agency=agency)
    emit({"users": rows}, as_json=as_json, lines=[
        f"{r['username']:<16}{r['full_name']}（{r['role_label']}{'，' + r['department'] if r['department'] else ''}"
        f"{'，政府法律顾问' if r['government_counsel'] else ''}）{'' if r['active'] else '　已停用'}　{r['agency']}"
        for r in rows] or ["没有用户。"])


def register(
    file: Path = typer.Option(None, "--file", "-f", help="JSON 文件，字段见 docs/import-format.md 的登记部分"),
    agency: str = typer.Option(None, help="机关"),
    applicant_kind: str = typer.Option("natural_person", help="申请人类型"),
    name: str = typer.Option(None, help="申请人姓名或名称"),
    id_type: str = typer.Option("none", help="证件类型：resident_id | passport | other_id | credit_code | none"),
    id_number: str = typer.Option(None, help="证件号码或统一社会信用代码"),
    phone: str = typer.Option("", help="联系电话"),
    email: str = typer.Option("", help="电子邮箱"),
    address: str = typer.Option("", help="通信地址"),
    channel: str = typer.Option("in_person", help="in_person | registered_mail | ordinary_mail | online | fax | oral"),
    arrived: str = typer.Option(None, help="到达日期（默认今天）"),
    receipt: str = typer.Option(None, help="《条例》第三十一条的收到申请日期（默认同到达日期）"),
    text: str = typer.Option(None, "--text", help="申请公开的政府信息内容"),
    confirmed_on: str = typer.Option(None, "--confirmed-on",
                                     help="与申请人确认收到申请的日期（平常信函、互联网、传真必填；即收到申请日期）"),
    confirmation_method: str = typer.Option(None, "--confirmation-method",
                                            help="确认方式：phone | sms | email | platform | fax | signature"),
    confirmation_note: str = typer.Option("", "--confirmation-note",
                                          help="确认情况说明（平常信函未在到达当日确认的，须写明原因）"),
    confirmed: bool = typer.Option(False, "--confirmed", help="口头申请：申请人已确认代为填写的内容"),
    transcribed: bool = typer.Option(False, "--transcribed", help="口头申请：由公开办代为填写（《条例》第二十九条）"),
    agent_name: str = typer.Option(None, "--agent-name", help="代理人姓名（代理申请）"),
    agent_id_type: str = typer.Option("none", "--agent-id-type", help="代理人证件类型：resident_id | passport | other_id"),
    agent_id_number: str = typer.Option(None, "--agent-id-number", help="代理人证件号码"),
    agent_phone: str = typer.Option(None, "--agent-phone", help="代理人电话"),
    agent_authorization: str = typer.Option("", "--agent-authorization", help="授权委托书（如：授权委托书一份，2026-03-01签署）"),
    applicant_on_file: str = typer.Option(None, "--applicant-on-file",
                                          help="证件号码已登记而姓名或联系方式不同时：keep（沿用已登记）| update（按本次更新）"),
    form: str = typer.Option("paper", help="paper | electronic | inspection"),
    delivery: str = typer.Option("post", help="pickup | post | email | platform | fax"),
    electronic_consent: bool = typer.Option(False, help="申请人同意电子送达"),
    user: str = USER,
    as_json: bool = JSON,
) -> None:
    """登记申请：编号、查询码、法定期限，并提示重复申请、本月申请数和缺少的申请材料。"""
    from models.enums import ApplicantIdType, ApplicantOnFile, Channel, ConfirmationMethod, DeliveryMethod, RequestedForm
    from models.outcomes import ApplicantKind
    from models.registration import application_from_record
    from models.registration import register as do_register

    # a bad option value is a usage error (exit 2); the same value in the --file record is a refusal (exit 1)
    for cls, value, what in ((ApplicantKind, applicant_kind, "申请人类型"), (ApplicantIdType, id_type, "证件类型"),
                             (Channel, channel, "递交渠道"), (RequestedForm, form, "获取形式"),
                             (DeliveryMethod, delivery, "送达方式"), (ApplicantIdType, agent_id_type, "代理人证件类型"),
                             (ConfirmationMethod, confirmation_method, "确认方式"),
                             (ApplicantOnFile, applicant_on_file, "申请人信息处理方式")):
        if value is not None:
            parse_enum(cls, value, what)
    for value, what in ((arrived, "到达日期"), (receipt, "收到申请日期"), (confirmed_on, "确认日期")):
        parse_day(value, what)
    flags = {"agency": agency, "channel": channel, "arrived_on": arrived, "receipt_date": receipt,
             "request_text": text, "requested_form": form, "delivery_method": delivery,
             "electronic_delivery_consent": electronic_consent, "applicant_confirmed": confirmed,
             "transcribed_by_clerk": transcribed, "confirmed_on": confirmed_on,
             "confirmation_method": confirmation_method, "confirmation_note": confirmation_note,
             "agent_name": agent_name, "agent_id_type": agent_id_type, "agent_id_number": agent_id_number,
             "agent_phone": agent_phone, "agent_authorization": agent_authorization,
             "applicant_on_file": applicant_on_file,
             "applicant": {"kind": applicant_kind, "name": name, "id_type": id_type, "id_number": id_number,
                           "phone": phone, "email": email, "address": address}}
    data = application_from_record(_read_json(file) if file else {}, today=now().date(), defaults=flags)
    from models.errors import ApplicantMismatch

    with context(user) as ctx:
        try:
            done = do_register(ctx, data)
        except ApplicantMismatch as exc:
            raise ApplicantMismatch(exc.key, exc.name_on_file, exc.differences,
                                    hint="请核对；确属同一申请人的，请加 --applicant-on-file keep（沿用已登记的信息）"
                                         "或 --applicant-on-file update（按本次填写更新）后重新登记。") from None
        app = done.application
        emit({"number": app.number, "query_code": app.query_code, "due_date": app.due_date,
              "receipt_date": app.receipt_date, "possible_repeat_of": list(done.possible_repeats),
              "monthly_count": done.monthly_count, "litigation_prone": done.litigation_prone,
              "missing": list(done.missing), "applicant_updated": done.applicant_changes}, as_json=as_json, lines=[
            f"已登记申请 {app.number}，查询码 {app.query_code}，收到申请日期 {app.receipt_date}，答复期限 {app.due_date}"
            + ("（暂定）" if app.due_provisional else "") + "。",
            *([f"已按本次填写更新申请人信息：{_changes_zh(done.applicant_changes)}。"] if done.applicant_changes else []),
            *([f"提示：可能与 {', '.join(done.possible_repeats)} 重复（《条例》第三十六条第（六）项），请人工核对。"]
              if done.possible_repeats else []),
            f"该申请人本月第{done.monthly_count}件申请。",
            *([f"提示：缺少{'、'.join(done.missing)}（《条例》第二十九条第二款第（一）项），"
               "请在收到申请之日起7个工作日内一次性告知补正（第三十条）。"] if done.missing else []),
            *(["提示：涉及征地拆迁等易诉事项，须政府法律顾问审核。"] if done.litigation_prone else []),
        ])
    from interfaces.cli.actions_cmd import _after
    from models.identity import CaseRef

    _after(CaseRef.of(app), "register", as_json)


_FIELD_LABELS = {"name": "姓名或名称", "phone": "联系电话", "email": "电子邮箱", "address": "通信地址"}


def _changes_zh(changes: dict) -> str:
    return "；".join(f"{_FIELD_LABELS.get(k, k)} {old or '（空）'} → {new}" for k, (old, new) in changes.items())


def _read_json(path: Path):
    """The registration file's JSON value (models.registration checks that it is an object, field by field)."""
    from models.errors import ValidationFailed
    from models.validation import visible

    try:
        return json.loads(path.read_bytes().decode("utf-8"))
    except OSError as exc:
        raise ValidationFailed(f"无法读取登记文件 {visible(str(path))}：{exc.strerror}", str(exc)) from exc
    except UnicodeDecodeError as exc:
        raise ValidationFailed(f"登记文件 {visible(str(path))} 不是有效的 UTF-8 编码（第{exc.start + 1}个字节），"
                               "请另存为 UTF-8 后重试。", str(exc)) from exc
    except json.JSONDecodeError as exc:
        raise ValidationFailed(f"登记文件 {visible(str(path))} 不是有效的 JSON（{exc.msg}，第{exc.lineno}行"
                               f"第{exc.colno}列）。", str(exc)) from exc
    except RecursionError as exc:
        raise ValidationFailed(f"登记文件 {visible(str(path))} 的 JSON 嵌套层数过多。", "too deep") from exc


def list_cases(
    agency: str = typer.Option(None, help="机关"),
    status: str = typer.Option(None, help="状态，如 routed、legal_review"),
    department: str = typer.Option(None, help="承办单位"),
    due_before: str = typer.Option(None, help="答复期限不晚于该日"),
    overdue: bool = typer.Option(False, help="只看已超期的"),
    search: str = typer.Option(None, help="按编号、申请人或申请内容搜索"),
    as_json: bool = JSON,
) -> None:
    """按最近期限排列的申请清单。"""
    from models.enums import Status
    from models.queries import ListFilter, list_applications

    today = now().date()
    flt = ListFilter(agency=agency, status=parse_enum(Status, status, "状态") if status else None,
                     department=department, due_before=parse_day(due_before, "期限日期"),
                     overdue_on=today if overdue else None, text=search)
    with session() as s:
        rows = list_applications(s, flt)
    data = [{"number": a.number, "status": a.status, "applicant": p.name, "due_date": a.due_date,
             "receipt_date": a.receipt_date} for a, p in rows]
    emit({"applications": data}, as_json=as_json, lines=[
        f"{a.number}  {Status(a.status).label:<12} 期限 {a.due_date or '—'}  {p.name}  {a.request_text[:30]}"
        for a, p in rows] or ["没有符合条件的申请。"])


def show(number: str, agency: str = typer.Option(None, help="机关（编号重复时）"), as_json: bool = JSON) -> None:
    """申请详情：状态、期限及其推算过程、时间线、文书、承办单位附件。"""
    from models.deadlines import read_clock
    from models.enums import AssignmentStatus, Channel, Status
    from models.lifecycle import allowed_actions, waits_for
    from models.outcomes import ApplicantKind
    from models.tables import Department
    from models.attachments import size_label
    from models.enums import ConfirmationMethod
    from models.queries import (agency_by_name, applicant_of, application_by_number, assignments_of, attachments_of,
                                documents_of, events_of)
    from models.registration import missing_items

    today = now().date()
    with session() as s:
        owner = agency_by_name(s, agency) if agency else None
        app = application_by_number(s, number, agency=owner)
        person = applicant_of(s, app)
        reading = read_clock(s, app, calendar=calendar(), today=today)
        events, documents, attachments = events_of(s, app), documents_of(s, app), attachments_of(s, app)
        assignments = [(s.get(Department, a.department_id).name, a) for a in assignments_of(s, app)]
    status = Status(app.status)
    missing = missing_items(app, person) if status == Status.registered else ()
    confirmation = ""
    if app.confirmed_on or app.confirmation_method:
        method = ConfirmationMethod(app.confirmation_method).label if app.confirmation_method else ""
        confirmation = f"确认：{app.confirmed_on or ''} {method}" + (f"：{app.confirmation_note}" if app.confirmation_note else "")
    agent = ""
    if app.agent_name:
        agent = "代理人：" + "，".join(x for x in (app.agent_name, app.agent_id_number, app.agent_phone,
                                                   app.agent_authorization) if x)
    data = {"number": app.number, "status": status.value, "waits_for": waits_for(status), "applicant": person.name,
            "receipt_date": app.receipt_date, "due_date": reading.due_date, "provisional": reading.provisional,
            "level": reading.level.name, "supplement_period_ends": reading.supplement_period_ends,
            "missing": list(missing), "agent_name": app.agent_name, "confirmed_on": app.confirmed_on,
            "explain": reading.explain(), "request_text": app.request_text,
            "events": [{"at": e.at.isoformat(), "action": e.action, "actor": e.actor_name, "to": e.to_status,
                        "data": e.data} for e in events],
            "documents": [{"kind": d.kind, "version": d.version, "doc_number": d.doc_number, "sha256": d.sha256}
                          for d in documents],
            "attachments": [{"id": f.id, "filename": f.filename, "content_type": f.content_type, "size": f.size,
                             "sha256": f.sha256, "assignment_id": f.assignment_id} for f in attachments],
            "next_actions": [t.action for t in allowed_actions(status)]}
    lines = [
        f"申请 {app.number}　{status.label}　（{waits_for(status)}）",
        f"申请人：{person.name}（{ApplicantKind(person.kind).label}）　收到申请：{app.receipt_date}"
        f"（{Channel(app.channel).label}）",
        *([confirmation] if confirmation else []),
        *([agent] if agent else []),
        f"申请内容：{app.request_text}",
        *([f"缺少：{'、'.join(missing)}（《条例》第二十九条第二款第（一）项），请于 {reading.supplement_notice_due} 前"
           "一次性告知补正（第三十条）"] if missing else []),
        "", "期限：", reading.explain(), "",
        "承办：" + ("；".join(f"{name} {AssignmentStatus(a.status).label} 期限 {a.due_date}" for name, a in assignments)
                    or "无"),
        "文书：" + ("；".join(f"{d.kind} 第{d.version}版 {d.doc_number or ''}" for d in documents) or "无"),
        "附件：" + ("；".join(f"{f.filename}（{size_label(f.size)}，SHA-256 {f.sha256[:12]}…）" for f in attachments)
                    or "无"),
        "", "时间线：",
        *[f"  {e.at:%Y-%m-%d %H:%M}  {e.actor_name}  {e.action}" + (f" → {Status(e.to_status).label}" if e.to_status else "")
          for e in events],
        "", "可执行：" + "、".join(f"{t.label}（{t.action}）" for t in allowed_actions(status)),
    ]
    emit(data, as_json=as_json, lines=lines)


def import_file(path: Path = typer.Argument(..., help="JSON Lines 文件，每行一件申请")) -> None:
    """导入历史申请（整份文件要么全部导入，要么一件也不导入）。"""
    from interfaces.cli.progress import progress
    from models.errors import ValidationFailed
    from models.transfer import import_jsonl

    from models.transfer import read_lines
    from models.validation import visible

    try:
        lines = read_lines(path.read_bytes())  # decoded line by line: invalid UTF-8 is named with its line
    except OSError as exc:
        raise ValidationFailed(f"无法读取文件 {visible(str(path))}：{exc.strerror}", str(exc)) from exc
    with session() as s, progress("导入申请", total=len(lines)) as advance:
        count = import_jsonl(s, lines, now=now(), calendar=calendar(), progress=advance)
    typer.echo(f"已导入 {count} 件申请。")


def export(
    agency: str = typer.Option(None, help="机关"),
    year: int = typer.Option(None, help="收到申请的年份", min=1, max=9999),
    output: Path = typer.Option(None, "--output", "-o", help="输出文件（默认标准输出）"),
) -> None:
    """导出申请为 JSON Lines（与导入格式相同）。"""
    from interfaces.cli.progress import progress
    from models.transfer import export_count, export_jsonl

    with session() as s, progress("导出申请", total=export_count(s, agency=agency, year=year)) as advance:
        lines = []
        for line in export_jsonl(s, agency=agency, year=year):
            lines.append(line)
            if len(lines) % 200 == 0:
                advance(len(lines))
        advance(len(lines))
    text = "".join(line + "\n" for line in lines)
    if output:
        write_output(output, text.encode("utf-8"))
        typer.echo(f"已导出 {len(lines)} 件申请到 {output}。", err=True)
    else:
        sys.stdout.write(text)


def install(app: typer.Typer) -> None:
    app.command("init")(init)
    app.command("register")(register)
    app.command("list")(list_cases)
    app.command("show")(show)
    app.command("import")(import_file)
    app.command("export")(export)
    app.add_typer(agency_app, name="agency")
    app.add_typer(department_app, name="department")
    app.add_typer(user_app, name="user")
