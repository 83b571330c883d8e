"""Setting up an agency: the agency itself, its departments and its users."""

import struct
from pathlib import Path

from sqlmodel import Session, select

from models.enums import Role
from models.errors import ValidationFailed
from models.queries import agency_by_name, department_by_name
from models.tables import Agency, Department, User
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
    parent_id = agency_by_name(session, parent).id if parent else None
    unknown = set(profile) - set(Agency.model_fields)
    if unknown:
        raise ValidationFailed(f"未知的机关设置项：{'、'.join(sorted(unknown))}。", f"unknown fields {unknown}")
    for image, transparent in (("seal_image", True), ("fee_payment_qr", False)):
        if profile.get(image):
            profile[image] = check_image(profile[image], what="印章图片" if transparent else "缴费二维码图片",
                                         transparent=transparent)
    return _commit(session, Agency(name=name, parent_id=parent_id, **profile))


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
