"""Setting up an agency: the agency itself, its departments and its users."""

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
    return _commit(session, Agency(name=name, parent_id=parent_id, **profile))


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
