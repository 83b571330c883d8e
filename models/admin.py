"""Setting up an agency: the agency itself, its departments and its users; later changes are audited."""

import struct
from pathlib import Path

from sqlmodel import Session, select

from models.context import Ctx, action
from models.enums import Role
from models.errors import RoleNotAllowed, ValidationFailed
from models.queries import agency_by_name, department_by_name
from models.registration import litigation_keywords
from models.tables import AdminEvent, Agency, Department, User
from models.validation import check_email, check_phone, check_required


def _commit(session: Session, obj):
    session.add(obj)
    session.commit()
    session.refresh(obj)
    return obj


def add_agency(session: Session, *, name: str, parent: str | None = None, **profile) -> Agency:
    """An agency (机关) with the profile its notices need: office, reconsideration body, court, 文号 prefix."""
    name = check_required(name, what="机关名称", field="name")
    if session.exec(select(Agency).where(Agency.name == name)).first():
        raise ValidationFailed(f"机关「{name}」已存在。", f"agency {name!r} exists", field="name")
    parent_row = agency_by_name(session, parent) if parent else None
    unknown = set(profile) - set(Agency.model_fields)
    if unknown:
        raise ValidationFailed(f"未知的机关设置项：{'、'.join(sorted(unknown))}。", f"unknown fields {unknown}")
    check_remedy_bodies(name=name, reconsideration_body=profile.get("reconsideration_body", ""),
                        court=profile.get("court", ""), parent=parent_row.name if parent_row else None)
    for image, transparent in (("seal_image", True), ("fee_payment_qr", False)):
        if profile.get(image):
            profile[image] = check_image(profile[image], what="印章图片" if transparent else "缴费二维码图片",
                                         transparent=transparent)
    return _commit(session, Agency(name=name, parent_id=parent_row.id if parent_row else None, **profile))


# --- the remedy bodies a reply names (行政复议法 (2023) Arts 24–28; 行政诉讼法 Arts 14, 15, 18) ----------------

GOVERNMENT = "人民政府"
# 行政诉讼法 Art 18(2): cross-region administrative jurisdiction is often given to railway transport courts.
COURT_SUFFIXES = ("人民法院", "铁路运输法院", "铁路运输中级法院")
INTERMEDIATE_COURTS = ("中级人民法院", "铁路运输中级法院")
# 行政复议法 (2023) Art 27: these go to the department one level up, not to a people's government.
VERTICAL_KEYWORDS = ("海关", "税务", "国家安全", "外汇管理", "金融监督管理", "金融监管", "中国人民银行", "证券监督管理")
# Art 28: a justice department acting as the reconsideration office may also go to the justice department above.
JUSTICE_KEYWORDS = ("司法局", "司法厅")
PROVINCIAL_MUNICIPALITIES = ("北京市", "天津市", "上海市", "重庆市")


def _is_government(name: str) -> bool:
    return name.endswith(GOVERNMENT)


def _is_township(name: str) -> bool:
    return name.endswith(("乡人民政府", "镇人民政府"))


def _is_provincial(name: str) -> bool:
    stem = name.removesuffix(GOVERNMENT)
    return _is_government(name) and (stem.endswith(("省", "自治区")) or stem in PROVINCIAL_MUNICIPALITIES)


def _is_state_council_department(name: str) -> bool:
    return name.startswith(("中华人民共和国", "国务院"))


def check_remedy_bodies(*, name: str, reconsideration_body: str, court: str, parent: str | None = None) -> None:
    """The reconsideration body and the court a reply names must be the ones the law gives this agency.

    An empty value is left for later (the citation check refuses a reply that names none).
    """
    body, court = (reconsideration_body or "").strip(), (court or "").strip()
    if court:
        if not court.endswith(COURT_SUFFIXES) or court in COURT_SUFFIXES:
            raise ValidationFailed(f"管辖法院应为人民法院（如“示范市中级人民法院”），填写的「{court}」不是法院。",
                                   f"court {court!r} is not a court", field="court")
        if _is_government(name) and not _is_township(name) and not court.endswith(INTERMEDIATE_COURTS):
            raise ValidationFailed(
                f"对县级以上地方人民政府的行政行为提起诉讼的案件由中级人民法院管辖（《中华人民共和国行政诉讼法》"
                f"第十五条第（一）项），「{court}」不是中级人民法院。", "government needs an intermediate court",
                field="court")
    if not body:
        return
    if body == name:
        # 行政复议法 (2023) Art 24(2): a provincial government hears cases against itself; Art 25: so does a
        # State Council department. Any other agency is reconsidered by another.
        if _is_provincial(name) or _is_state_council_department(name):
            return
        raise ValidationFailed(f"「{name}」不能作为自己的行政复议机关（《中华人民共和国行政复议法》第二十四条）。",
                               "agency is its own reconsideration body", field="reconsideration_body")
    if _is_provincial(name):
        raise ValidationFailed(f"对省、自治区、直辖市人民政府的行政行为不服的，向该人民政府申请行政复议"
                               f"（《中华人民共和国行政复议法》第二十四条第二款），应填写「{name}」。",
                               "a provincial government reconsiders itself", field="reconsideration_body")
    vertical = any(k in name for k in VERTICAL_KEYWORDS)
    justice = any(k in name for k in JUSTICE_KEYWORDS)
    if vertical:
        if _is_government(body):
            raise ValidationFailed(f"「{name}」属于实行垂直领导的机关，向上一级主管部门申请行政复议"
                                   "（《中华人民共和国行政复议法》第二十七条），不是人民政府。",
                                   "vertical agency goes to its superior department", field="reconsideration_body")
    elif not _is_government(body) and not (justice and any(k in body for k in JUSTICE_KEYWORDS)):
        level = "上一级人民政府" if _is_government(name) else "本级人民政府"
        raise ValidationFailed(
            f"行政复议机关应为人民政府（「{name}」的行政复议机关是{level}，《中华人民共和国行政复议法》第二十四条），"
            f"填写的「{body}」不是人民政府。", f"reconsideration body {body!r} is not a people's government",
            field="reconsideration_body")
    if parent and body != parent and (_is_government(parent) or vertical):
        # The parent agency given is the one the law names: the government one level up (Art 24(1)(2)),
        # the department's own government (Art 24(1)(1)), or a vertical body's superior department (Art 27).
        if not (justice and not _is_government(body)):
            raise ValidationFailed(f"「{name}」的上级机关是「{parent}」，行政复议机关应为「{parent}」，填写的是「{body}」。",
                                   "reconsideration body differs from the parent agency", field="reconsideration_body")


# Settings an agency changes after it is added (`gongkai agency set`); images are checked when they are set.
SETTABLE = frozenset({"disclosure_office", "address", "phone", "reconsideration_body", "court", "doc_number_prefix",
                      "seal_text", "seal_image", "contact_person", "status_url", "fee_payee", "fee_bank", "fee_account",
                      "fee_payment_code", "fee_payment_qr", "fee_payment_place"})
_PNG = b"\x89PNG\r\n\x1a\n"
MAX_IMAGE_BYTES = 5 * 1024 * 1024


def _png_chunks(data: bytes):
    pos = 8
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        yield kind, data[pos + 8:pos + 8 + length]
        pos += 12 + length


def check_image(path: str, *, what: str, transparent: bool = False) -> str:
    """An image file a notice will print: it exists, is a PNG (a JPEG too, unless it must be transparent), and
    a seal has an alpha channel or a transparent colour so the text under it stays legible. Returns the absolute path."""
    if not path:
        return ""
    file = Path(path).expanduser().resolve()
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise ValidationFailed(f"无法读取{what}文件 {file}：{exc.strerror}", f"cannot read {file}") from exc
    if len(data) > MAX_IMAGE_BYTES:
        raise ValidationFailed(f"{what}文件超过5 MB。", f"{file} too large")
    if data.startswith(b"\xff\xd8") and not transparent:
        return str(file)
    if not data.startswith(_PNG):
        kinds = "带透明背景的 PNG 图片" if transparent else "PNG 或 JPEG 图片"
        raise ValidationFailed(f"{what}须为{kinds}：{file}", f"{file} is not a PNG")
    chunks = dict(_png_chunks(data))
    if b"IHDR" not in chunks or len(chunks[b"IHDR"]) < 10:
        raise ValidationFailed(f"{what}文件已损坏：{file}", f"{file}: no IHDR")
    colour_type = chunks[b"IHDR"][9]
    if transparent and colour_type not in (4, 6) and b"tRNS" not in chunks:  # 4, 6: grey/RGB with alpha
        raise ValidationFailed(f"{what}须有透明背景（带 Alpha 通道的 PNG），否则会遮住下面的机关署名和日期：{file}",
                               f"{file} has no transparency")
    return str(file)


def set_agency(session: Session, *, agency: str, **changes) -> Agency:
    """Change an agency's settings; an image is checked now, so a notice never fails on it later."""
    row = agency_by_name(session, agency)
    unknown = set(changes) - SETTABLE
    if unknown:
        raise ValidationFailed(f"未知的机关设置项：{'、'.join(sorted(unknown))}。", f"unknown fields {unknown}")
    if "seal_image" in changes:
        changes["seal_image"] = check_image(changes["seal_image"], what="印章图片", transparent=True)
    if "fee_payment_qr" in changes:
        changes["fee_payment_qr"] = check_image(changes["fee_payment_qr"], what="缴费二维码图片")
    if "phone" in changes:
        changes["phone"] = check_phone(changes["phone"])
    if "reconsideration_body" in changes or "court" in changes:  # the same rules as when the agency was added
        parent = session.get(Agency, row.parent_id) if row.parent_id else None
        check_remedy_bodies(name=row.name, reconsideration_body=changes.get("reconsideration_body", row.reconsideration_body),
                            court=changes.get("court", row.court), parent=parent.name if parent else None)
    for name, value in changes.items():
        setattr(row, name, value.strip() if isinstance(value, str) else value)
    return _commit(session, row)


def add_department(session: Session, *, agency: str, name: str, contact: str = "") -> Department:
    owner = agency_by_name(session, agency)
    name = check_required(name, what="承办单位名称", field="name")
    if session.exec(select(Department).where(Department.agency_id == owner.id, Department.name == name)).first():
        raise ValidationFailed(f"{owner.name}已有承办单位「{name}」。", f"department {name!r} exists", field="name")
    return _commit(session, Department(agency_id=owner.id, name=name, contact=contact))


def add_user(session: Session, *, username: str, full_name: str, role: Role, agency: str, department: str | None = None,
             password_hash: str | None = None, government_counsel: bool = False, email: str = "",
             phone: str = "") -> User:
    """A user with one role; a department handler belongs to exactly one department."""
    username = check_required(username, what="用户名", field="username")
    check_required(full_name, what="姓名", field="full_name")
    role = Role(role)
    owner = agency_by_name(session, agency)
    if session.exec(select(User).where(User.username == username)).first():
        raise ValidationFailed(f"用户名「{username}」已被使用。", f"user {username!r} exists", field="username")
    if role == Role.department_handler and not department:
        raise ValidationFailed("承办单位经办人须指定所属承办单位。", "department handler without department", field="department")
    if role != Role.department_handler and department:
        raise ValidationFailed("只有承办单位经办人属于承办单位。", "department for a non-handler", field="department")
    if government_counsel and role != Role.legal_counsel:
        raise ValidationFailed("只有法律顾问可以标记为政府法律顾问。", "government counsel must be legal counsel")
    dept_id = department_by_name(session, owner, department).id if department else None
    return _commit(session, User(username=username, full_name=full_name.strip(), role=role, agency_id=owner.id,
                                 department_id=dept_id, password_hash=password_hash,
                                 government_counsel=government_counsel, email=check_email(email),
                                 phone=check_phone(phone)))


KEYWORD_MAX_LENGTH = 20


@action
def set_litigation_keywords(ctx: Ctx, *, agency: str, keywords: list[str] | None = None, add: list[str] = (),
                            remove: list[str] = ()) -> list[str]:
    """The agency's 易诉 keywords (征地拆迁等易诉案件 need government counsel): replace the list, or add and
    remove words; only an admin may, and every change is kept in admin_event with the list before and after.

    Cases already registered keep their flag; a clerk flags or clears one by hand."""
    if ctx.actor is None or Role(ctx.actor.role) != Role.admin:
        raise RoleNotAllowed("只有系统管理员可以修改易诉案件关键词。", "only admins edit litigation keywords")
    owner = agency_by_name(ctx.session, agency)
    before = litigation_keywords(owner)
    words = [w.strip() for w in keywords] if keywords is not None else list(before)
    for word in (w.strip() for w in add):
        if word in words:
            raise ValidationFailed(f"关键词「{word}」已在{owner.name}的易诉关键词中。", f"keyword {word!r} present",
                                   field="add")
        words.append(word)
    for word in (w.strip() for w in remove):
        if word not in words:
            raise ValidationFailed(f"{owner.name}的易诉关键词中没有「{word}」。", f"keyword {word!r} absent", field="remove")
        words.remove(word)
    after = list(dict.fromkeys(words))
    for word in after:
        if not word or len(word) > KEYWORD_MAX_LENGTH or any(c in word for c in ",，、;； \t"):
            raise ValidationFailed(f"关键词「{word}」无效：每个关键词1至{KEYWORD_MAX_LENGTH}个字，不含逗号、顿号或空格。",
                                   f"bad keyword {word!r}", field="keywords")
    if not after:
        raise ValidationFailed("易诉关键词至少保留一个（如 征地、拆迁）。", "empty keyword list", field="keywords")
    if after == before:
        raise ValidationFailed("关键词没有变化。", "keywords unchanged", field="keywords")
    owner.litigation_prone_keywords = ",".join(after)
    ctx.session.add(owner)
    ctx.session.add(AdminEvent(agency_id=owner.id, action="set_litigation_prone_keywords", actor_id=ctx.actor.id,
                               actor_name=ctx.actor.full_name, at=ctx.now, data={"before": before, "after": after}))
    return after


def admin_history(session: Session, *, agency: str) -> list[AdminEvent]:
    """The audited changes to an agency's settings, oldest first."""
    owner = agency_by_name(session, agency)
    return list(session.exec(select(AdminEvent).where(AdminEvent.agency_id == owner.id).order_by(AdminEvent.id)))
