"""Setting up an agency: the agency itself, its departments and its users; later changes are audited."""

import struct
from pathlib import Path

from sqlmodel import Session, select

from models.context import Ctx, action
from models.enums import Role
from models.errors import InvalidFields, NotFound, RoleNotAllowed, ValidationFailed
from models.queries import agency_by_name, department_by_name
from models.registration import litigation_keywords
from models.tables import AdminEvent, Agency, Department, User
from models.validation import check_clean, check_email, check_phone, check_required


class _Checks:
    """Every check of one form run to its end, so the user fixes every field in one pass: the failures are raised
    together (InvalidFields; one alone as itself) by `done`, before anything is written."""

    def __init__(self):
        self.found: list[ValidationFailed] = []

    def __call__(self, fn, *args, **kwargs):
        """fn's result, or None with its failure kept (several, when fn itself collected them)."""
        try:
            return fn(*args, **kwargs)
        except InvalidFields as exc:
            self.found.extend(exc.problems)
        except ValidationFailed as exc:
            self.found.append(exc)
        return None

    def fail(self, problem: ValidationFailed) -> None:
        self.found.append(problem)

    def done(self) -> None:
        if len(self.found) == 1:
            raise self.found[0]
        if self.found:
            raise InvalidFields(self.found)


def _text(value: str | None, *, what: str, field: str, required: bool = False) -> str:
    """A name or contact typed on a form: free of control characters; stripped; required when `required`."""
    check_clean(value or "", what=what, field=field)
    return check_required(value, what=what, field=field) if required else (value or "").strip()


def _commit(session: Session, obj):
    session.add(obj)
    session.commit()
    session.refresh(obj)
    return obj


def add_agency(session: Session, *, name: str, parent: str | None = None, **profile) -> Agency:
    """An agency (机关) with the profile its notices need: office, reconsideration body, court, 文号 prefix."""
    return _commit(session, _new_agency(session, name=name, parent=parent, **profile))


def _new_agency(session: Session, *, name: str, parent: str | None = None, **profile) -> Agency:
    """The checked agency, added to the session (flushed, not committed); every bad field is reported at once."""
    unknown = set(profile) - set(Agency.model_fields)
    if unknown:
        raise ValidationFailed(f"未知的机关设置项：{'、'.join(sorted(unknown))}。", f"unknown fields {unknown}")
    checks = _Checks()
    name = checks(_text, name, what="机关名称", field="name", required=True)
    if name and session.exec(select(Agency).where(Agency.name == name)).first():
        checks.fail(ValidationFailed(f"机关「{name}」已存在。", f"agency {name!r} exists", field="name"))
    parent_row = checks(_parent_agency, session, parent) if parent else None
    checks(check_remedy_bodies, name=name or "", reconsideration_body=profile.get("reconsideration_body", ""),
           court=profile.get("court", ""), parent=parent_row.name if parent_row else None)
    for image, transparent in (("seal_image", True), ("fee_payment_qr", False)):
        if profile.get(image):
            profile[image] = checks(check_image, profile[image], what="印章图片" if transparent else "缴费二维码图片",
                                    transparent=transparent, field=image)
    if "phone" in profile:
        profile["phone"] = checks(check_phone, profile["phone"])
    if "repeat_window_days" in profile:
        profile["repeat_window_days"] = checks(check_repeat_window, profile["repeat_window_days"])
    checks.done()
    row = Agency(name=name, parent_id=parent_row.id if parent_row else None, **profile)
    session.add(row)
    session.flush()
    return row


def _parent_agency(session: Session, parent: str) -> Agency:
    try:
        return agency_by_name(session, parent)
    except NotFound as exc:
        raise ValidationFailed(exc.message_zh, str(exc), field="parent") from None


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

    An empty value is left for later (the citation check refuses a reply that names none). A wrong court and a
    wrong reconsideration body are reported together.
    """
    checks = _Checks()
    checks(_check_court, name=name, court=(court or "").strip())
    checks(_check_reconsideration_body, name=name, body=(reconsideration_body or "").strip(), parent=parent)
    checks.done()


def _check_court(*, name: str, court: str) -> None:
    if court:
        if not court.endswith(COURT_SUFFIXES) or court in COURT_SUFFIXES:
            raise ValidationFailed(f"管辖法院应为人民法院（如“示范市中级人民法院”），填写的「{court}」不是法院。",
                                   f"court {court!r} is not a court", field="court")
        if _is_government(name) and not _is_township(name) and not court.endswith(INTERMEDIATE_COURTS):
            raise ValidationFailed(
                f"对县级以上地方人民政府的行政行为提起诉讼的案件由中级人民法院管辖（《中华人民共和国行政诉讼法》"
                f"第十五条第（一）项），「{court}」不是中级人民法院。", "government needs an intermediate court",
                field="court")


def _check_reconsideration_body(*, name: str, body: str, parent: str | None) -> None:
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
                      "fee_payment_code", "fee_payment_qr", "fee_payment_place", "repeat_window_days"})
REPEAT_WINDOW_MAX = 3650  # ten years: a window longer than the records an office keeps finds nothing more
_PNG = b"\x89PNG\r\n\x1a\n"
MAX_IMAGE_BYTES = 5 * 1024 * 1024


def _png_chunks(data: bytes):
    pos = 8
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        yield kind, data[pos + 8:pos + 8 + length]
        pos += 12 + length


def check_image(path: str, *, what: str, transparent: bool = False, field: str | None = None) -> str:
    """An image file a notice will print: it exists, is a PNG (a JPEG too, unless it must be transparent), and
    a seal has an alpha channel or a transparent colour so the text under it stays legible. Returns the absolute path."""
    if not path:
        return ""
    file = Path(path).expanduser().resolve()
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise ValidationFailed(f"无法读取{what}文件 {file}：{exc.strerror}", f"cannot read {file}", field=field) from exc
    check_image_bytes(data, what=what, transparent=transparent, shown=str(file), field=field)
    return str(file)


def check_image_bytes(data: bytes, *, what: str, transparent: bool = False, shown: str = "", field: str | None = None) -> str:
    """The checks of check_image on the image's bytes (an upload); returns the file suffix it should be kept under."""
    where = f"：{shown}" if shown else "。"
    if not data:
        raise ValidationFailed(f"请选择{what}文件。", "empty image", field=field)
    if len(data) > MAX_IMAGE_BYTES:
        raise ValidationFailed(f"{what}文件超过5 MB。", f"{shown or 'upload'} too large", field=field)
    if data.startswith(b"\xff\xd8") and not transparent:
        return ".jpg"
    if not data.startswith(_PNG):
        kinds = "带透明背景的 PNG 图片" if transparent else "PNG 或 JPEG 图片"
        raise ValidationFailed(f"{what}须为{kinds}{where}", f"{shown or 'upload'} is not a PNG", field=field)
    chunks = dict(_png_chunks(data))
    if b"IHDR" not in chunks or len(chunks[b"IHDR"]) < 10:
        raise ValidationFailed(f"{what}文件已损坏{where}", f"{shown or 'upload'}: no IHDR", field=field)
    colour_type = chunks[b"IHDR"][9]
    if transparent and colour_type not in (4, 6) and b"tRNS" not in chunks:  # 4, 6: grey/RGB with alpha
        raise ValidationFailed(f"{what}须有透明背景（带 Alpha 通道的 PNG），否则会遮住下面的机关署名和日期{where}",
                               f"{shown or 'upload'} has no transparency", field=field)
    return ".png"


def check_repeat_window(value) -> int:
    """Art 36(6): the days a possible repeat is looked back for, a whole number from 1 to REPEAT_WINDOW_MAX."""
    try:
        days = int(str(value).strip())
    except ValueError:
        raise ValidationFailed(f"重复申请比对天数「{value}」须为整数。", f"bad repeat window {value!r}",
                               field="repeat_window_days") from None
    if not 1 <= days <= REPEAT_WINDOW_MAX:
        raise ValidationFailed(f"重复申请比对天数须在1至{REPEAT_WINDOW_MAX}天之间。", f"repeat window {days} out of range",
                               field="repeat_window_days")
    return days


def set_agency(session: Session, *, agency: str, **changes) -> Agency:
    """Change an agency's settings; an image is checked now, so a notice never fails on it later."""
    row = agency_by_name(session, agency)
    _apply_settings(session, row, changes)
    return _commit(session, row)


def _apply_settings(session: Session, row: Agency, changes: dict) -> dict:
    """Check and apply `changes` to the agency row (not committed); returns {field: [before, after]} of what changed."""
    return _set_settings(session, row, _checked_settings(session, row, changes))


def _checked_settings(session: Session, row: Agency, changes: dict) -> dict:
    """`changes` as they will be stored; every bad one reported at once (InvalidFields), nothing applied."""
    unknown = set(changes) - SETTABLE
    if unknown:
        raise ValidationFailed(f"未知的机关设置项：{'、'.join(sorted(unknown))}。", f"unknown fields {unknown}")
    changes, checks = dict(changes), _Checks()
    if "seal_image" in changes:
        changes["seal_image"] = checks(check_image, changes["seal_image"], what="印章图片", transparent=True,
                                       field="seal_image")
    if "fee_payment_qr" in changes:
        changes["fee_payment_qr"] = checks(check_image, changes["fee_payment_qr"], what="缴费二维码图片",
                                           field="fee_payment_qr")
    if "phone" in changes:
        changes["phone"] = checks(check_phone, changes["phone"])
    if "repeat_window_days" in changes:
        changes["repeat_window_days"] = checks(check_repeat_window, changes["repeat_window_days"])
    if "reconsideration_body" in changes or "court" in changes:  # the same rules as when the agency was added
        parent = session.get(Agency, row.parent_id) if row.parent_id else None
        checks(check_remedy_bodies, name=row.name,
               reconsideration_body=changes.get("reconsideration_body", row.reconsideration_body),
               court=changes.get("court", row.court), parent=parent.name if parent else None)
    checks.done()
    return changes


def _set_settings(session: Session, row: Agency, changes: dict) -> dict:
    changed = {}
    for name, value in changes.items():
        value = value.strip() if isinstance(value, str) else value
        if getattr(row, name) != value:
            changed[name] = [getattr(row, name), value]
        setattr(row, name, value)
    session.add(row)
    return changed


def add_department(session: Session, *, agency: str, name: str, contact: str = "") -> Department:
    return _commit(session, _new_department(session, agency=agency, name=name, contact=contact))


def _new_department(session: Session, *, agency: str, name: str, contact: str = "") -> Department:
    owner = agency_by_name(session, agency)
    checks = _Checks()
    name = checks(_text, name, what="承办单位名称", field="name", required=True)
    if name and session.exec(select(Department).where(Department.agency_id == owner.id, Department.name == name)).first():
        checks.fail(ValidationFailed(f"{owner.name}已有承办单位「{name}」。", f"department {name!r} exists", field="name"))
    contact = checks(_text, contact, what="联系方式", field="contact")
    checks.done()
    row = Department(agency_id=owner.id, name=name, contact=contact)
    session.add(row)
    session.flush()
    return row


def add_user(session: Session, *, username: str, full_name: str, role: Role, agency: str, department: str | None = None,
             password_hash: str | None = None, government_counsel: bool = False, email: str = "",
             phone: str = "") -> User:
    """A user with one role; a department handler belongs to exactly one department."""
    return _commit(session, _new_user(session, username=username, full_name=full_name, role=role, agency=agency,
                                      department=department, password_hash=password_hash,
                                      government_counsel=government_counsel, email=email, phone=phone))


def _check_role(role, *, department: str | None, government_counsel: bool) -> Role:
    """The role's rules, for a new user and a changed one alike."""
    role = _role_of(role)
    checks = _Checks()
    if role == Role.department_handler and not department:
        checks.fail(ValidationFailed("承办单位经办人须指定所属承办单位。", "department handler without department",
                                     field="department"))
    if role != Role.department_handler and department:
        checks.fail(ValidationFailed("只有承办单位经办人属于承办单位。", "department for a non-handler", field="department"))
    if government_counsel and role != Role.legal_counsel:
        checks.fail(ValidationFailed("只有法律顾问可以标记为政府法律顾问。", "government counsel must be legal counsel",
                                     field="government_counsel"))
    checks.done()
    return role


def _new_user(session: Session, *, username: str, full_name: str, role: Role, agency: str, department: str | None = None,
              password_hash: str | None = None, government_counsel: bool = False, email: str = "",
              phone: str = "", checks: "_Checks | None" = None) -> User:
    """The checked user, flushed; every bad field (with those the caller found, `checks`) reported at once."""
    owner = agency_by_name(session, agency)
    checks = checks if checks is not None else _Checks()
    username = checks(_text, username, what="用户名", field="username", required=True)
    if username and session.exec(select(User).where(User.username == username)).first():
        checks.fail(ValidationFailed(f"用户名「{username}」已被使用。", f"user {username!r} exists", field="username"))
    full_name = checks(_text, full_name, what="姓名", field="full_name", required=True)
    role = checks(_check_role, role, department=department, government_counsel=government_counsel)
    dept_id = checks(_department_id, session, owner, department)
    email, phone = checks(check_email, email), checks(check_phone, phone)
    checks.done()
    row = User(username=username, full_name=full_name, role=role, agency_id=owner.id, department_id=dept_id,
               password_hash=password_hash, government_counsel=government_counsel, email=email, phone=phone)
    session.add(row)
    session.flush()
    return row


def _role_of(role) -> Role:
    try:
        return Role(role)
    except ValueError:
        raise ValidationFailed("请选择角色。", f"bad role {role!r}", field="role") from None


def _department_id(session: Session, owner: Agency, department: str | None) -> int | None:
    if not department:
        return None
    try:
        return department_by_name(session, owner, department).id
    except NotFound as exc:
        raise ValidationFailed(exc.message_zh, str(exc), field="department") from None


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
    return _change_keywords(ctx, owner, keywords=keywords, add=add, remove=remove)


def _change_keywords(ctx: Ctx, owner: Agency, *, keywords: list[str] | None = None, add=(), remove=()) -> list[str]:
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
    after = _check_keywords(words)
    if after == before:
        raise ValidationFailed("关键词没有变化。", "keywords unchanged", field="keywords")
    owner.litigation_prone_keywords = ",".join(after)
    ctx.session.add(owner)
    _audit(ctx, owner.id, "set_litigation_prone_keywords", {"before": before, "after": after})
    return after


def _check_keywords(words: list[str]) -> list[str]:
    """The keyword list as stored (stripped, each once), or refused: a word 1 to 20 characters with no separator in it,
    at least one word."""
    after = list(dict.fromkeys(w.strip() for w in words))
    for word in after:
        if not word or len(word) > KEYWORD_MAX_LENGTH or any(c in word for c in ",，、;； \t"):
            raise ValidationFailed(f"关键词「{word}」无效：每个关键词1至{KEYWORD_MAX_LENGTH}个字，不含逗号、顿号或空格。",
                                   f"bad keyword {word!r}", field="keywords")
    if not after:
        raise ValidationFailed("易诉关键词至少保留一个（如 征地、拆迁）。", "empty keyword list", field="keywords")
    return after


def admin_history(session: Session, *, agency: str) -> list[AdminEvent]:
    """The audited changes to an agency's settings, oldest first."""
    owner = agency_by_name(session, agency)
    return list(session.exec(select(AdminEvent).where(AdminEvent.agency_id == owner.id).order_by(AdminEvent.id)))


# --- administration with an actor: the desk's admin pages and the CLI call these; each change is one
# transaction with its admin_event (who, when, before and after), or nothing is written ----------------------

OPERATOR = "命令行操作员"  # the CLI run without --user: whoever holds the server's shell and database
MIN_PASSWORD_LENGTH = 8


def manageable_agencies(session: Session) -> list[Agency]:
    """The agencies of this installation, parents before their children where ids allow: the 系统管理员
    administers them all (the CLI's operator likewise)."""
    return list(session.exec(select(Agency).order_by(Agency.id)))


def _require_admin(ctx: Ctx, agency: Agency | None = None) -> None:
    """Only a 系统管理员, or the CLI operator (no actor), may change agencies, departments and users."""
    if ctx.actor is not None and Role(ctx.actor.role) != Role.admin:
        raise RoleNotAllowed("只有系统管理员可以修改机关、承办单位和用户设置。", "only admins administer")


def _audit(ctx: Ctx, agency_id: int, what: str, data: dict) -> None:
    ctx.session.add(AdminEvent(agency_id=agency_id, action=what, actor_id=ctx.actor.id if ctx.actor else None,
                               actor_name=ctx.actor.full_name if ctx.actor else OPERATOR, at=ctx.now, data=data))


def _plain(value):
    return value if isinstance(value, (str, int, bool, type(None))) else str(value)


@action
def create_agency(ctx: Ctx, *, name: str, parent: str | None = None, **profile) -> Agency:
    """Add an agency (with the same checks as `gongkai agency add`), logged."""
    _require_admin(ctx)
    row = _new_agency(ctx.session, name=name, parent=parent, **profile)
    _audit(ctx, row.id, "add_agency", {"name": row.name, "parent": parent,
                                       **{k: _plain(v) for k, v in profile.items() if v not in ("", None)}})
    return row


@action
def update_agency(ctx: Ctx, *, agency: str, keywords: list[str] | None = None, **changes) -> dict:
    """Change an agency's settings (and its 易诉 keywords when `keywords` differs): {field: [before, after]};
    nothing changed is nothing logged."""
    row = agency_by_name(ctx.session, agency)
    _require_admin(ctx, row)
    checks = _Checks()  # the settings and the keywords are one form: every bad field reported at once
    settings = checks(_checked_settings, ctx.session, row, changes)
    if keywords is not None and keywords != litigation_keywords(row):
        checks(_check_keywords, keywords)
    checks.done()
    changed = _set_settings(ctx.session, row, settings)
    if keywords is not None and keywords != litigation_keywords(row):
        changed["litigation_prone_keywords"] = [litigation_keywords(row),
                                                _change_keywords(ctx, row, keywords=keywords)]
    settings = {k: v for k, v in changed.items() if k != "litigation_prone_keywords"}
    if settings:
        _audit(ctx, row.id, "set_agency", {k: [_plain(a), _plain(b)] for k, (a, b) in settings.items()})
    return changed


IMAGES = {"seal_image": ("印章图片", True), "fee_payment_qr": ("缴费二维码图片", False)}


@action
def upload_agency_image(ctx: Ctx, *, agency: str, kind: str, data: bytes, folder: Path) -> str:
    """An uploaded seal or payment QR image: checked like a path given to the CLI, kept under `folder` by its
    content hash (a file in use is never overwritten), and set on the agency. Returns the stored path."""
    import hashlib

    row = agency_by_name(ctx.session, agency)
    _require_admin(ctx, row)
    what, transparent = IMAGES[kind]
    suffix = check_image_bytes(data, what=what, transparent=transparent, field=kind)
    target = folder / str(row.id) / f"{kind}-{hashlib.sha256(data).hexdigest()[:16]}{suffix}"
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists():
        partial = target.with_suffix(".part")
        partial.write_bytes(data)
        partial.replace(target)  # whole or absent, never half a file
    before = getattr(row, kind)
    setattr(row, kind, str(target))
    ctx.session.add(row)
    _audit(ctx, row.id, "set_agency", {kind: [before, str(target)]})
    return str(target)


@action
def record_certificate(ctx: Ctx, *, agency: str, subject: str, not_after: str, sha256: str) -> None:
    """The signing certificate installed for the agency (by notices.signing), kept in the admin log."""
    row = agency_by_name(ctx.session, agency)
    _require_admin(ctx, row)
    _audit(ctx, row.id, "install_certificate", {"subject": subject, "not_after": not_after, "sha256": sha256})


@action
def create_department(ctx: Ctx, *, agency: str, name: str, contact: str = "") -> Department:
    owner = agency_by_name(ctx.session, agency)
    _require_admin(ctx, owner)
    row = _new_department(ctx.session, agency=agency, name=name, contact=contact)
    _audit(ctx, owner.id, "add_department", {"name": row.name, "contact": row.contact})
    return row


@action
def update_department(ctx: Ctx, *, department_id: int, name: str | None = None, contact: str | None = None) -> dict:
    """Rename a department or change its contact; its cases and handlers stay with it."""
    row = ctx.session.get(Department, department_id)
    if row is None:
        raise NotFound("承办单位不存在。", f"no department {department_id}")
    owner = ctx.session.get(Agency, row.agency_id)
    _require_admin(ctx, owner)
    changed, checks = {}, _Checks()
    if name is not None:
        name = checks(_text, name, what="承办单位名称", field="name", required=True)
        if name and name != row.name and ctx.session.exec(
                select(Department).where(Department.agency_id == owner.id, Department.name == name)).first():
            checks.fail(ValidationFailed(f"{owner.name}已有承办单位「{name}」。", f"department {name!r} exists",
                                         field="name"))
    if contact is not None:
        contact = checks(_text, contact, what="联系方式", field="contact")
    checks.done()
    if name is not None and name != row.name:
        changed["name"], row.name = [row.name, name], name
    if contact is not None and contact != row.contact:
        changed["contact"], row.contact = [row.contact, contact], contact
    if changed:
        ctx.session.add(row)
        _audit(ctx, owner.id, "set_department", {"department": row.name, **changed})
    return changed


def check_new_password(password: str | None) -> str:
    if not password or len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(f"密码至少{MIN_PASSWORD_LENGTH}位。", "password too short", field="password")
    if len(set(password)) < 3:
        raise ValidationFailed("密码过于简单，请混合使用不同的字母、数字或符号。", "password too simple", field="password")
    return password


@action
def create_user(ctx: Ctx, *, username: str, full_name: str, role: Role, agency: str, department: str | None = None,
                password: str | None = None, government_counsel: bool = False, email: str = "",
                phone: str = "") -> User:
    """A new user (the same rules as add_user); with a password the user can log in to the desk at once."""
    from models.passwords import hash_password

    owner = agency_by_name(ctx.session, agency)
    _require_admin(ctx, owner)
    checks = _Checks()
    password = checks(check_new_password, password) if password is not None else None
    row = _new_user(ctx.session, username=username, full_name=full_name, role=role, agency=agency,
                    department=department, password_hash=hash_password(password) if password else None,
                    government_counsel=government_counsel, email=email, phone=phone, checks=checks)
    _audit(ctx, owner.id, "add_user", {"username": row.username, "full_name": row.full_name, "role": str(row.role),
                                       "department": department, "government_counsel": government_counsel})
    return row


def _user(ctx: Ctx, username: str) -> User:
    row = ctx.session.exec(select(User).where(User.username == username)).first()
    if row is None:
        raise NotFound(f"用户「{username}」不存在。", f"no user {username!r}")
    _require_admin(ctx, ctx.session.get(Agency, row.agency_id))
    return row


_UNSET = object()


@action
def update_user(ctx: Ctx, *, username: str, full_name: str | None = None, role: Role | None = None,
                department=_UNSET, government_counsel: bool | None = None, email: str | None = None,
                phone: str | None = None) -> dict:
    """Change a user's name, role, department, government-counsel mark or contacts: {field: [before, after]}."""
    row = _user(ctx, username)
    owner = ctx.session.get(Agency, row.agency_id)
    current = ctx.session.get(Department, row.department_id).name if row.department_id else None
    checks = _Checks()
    new_role = checks(_role_of, role) if role is not None else Role(row.role)
    new_department = current if department is _UNSET else (department or None)
    if department is _UNSET and new_role != Role.department_handler:
        new_department = None  # a user who stops being a handler leaves the department
    counsel = row.government_counsel if government_counsel is None else government_counsel
    if government_counsel is None and new_role != Role.legal_counsel:
        counsel = False
    if new_role is not None:
        checks(_check_role, new_role, department=new_department, government_counsel=counsel)
    if ctx.actor is not None and row.id == ctx.actor.id and new_role not in (Role.admin, None):
        checks.fail(ValidationFailed("不能取消自己的系统管理员角色（请由另一位管理员操作）。", "admin demotes self",
                                     field="role"))
    after = {"full_name": checks(_text, full_name, what="姓名", field="full_name", required=True)
             if full_name is not None else row.full_name,
             "role": new_role, "department": new_department, "government_counsel": counsel,
             "email": checks(check_email, email) if email is not None else row.email,
             "phone": checks(check_phone, phone) if phone is not None else row.phone}
    department_id = checks(_department_id, ctx.session, owner, new_department)
    checks.done()
    before = {"full_name": row.full_name, "role": Role(row.role), "department": current,
              "government_counsel": row.government_counsel, "email": row.email, "phone": row.phone}
    changed = {k: [_plain(before[k]), _plain(after[k])] for k in after if after[k] != before[k]}
    if not changed:
        return changed
    row.full_name, row.role, row.government_counsel = after["full_name"], new_role, counsel
    row.email, row.phone = after["email"], after["phone"]
    row.department_id = department_id
    ctx.session.add(row)
    _audit(ctx, owner.id, "set_user", {"username": row.username, **changed})
    return changed


@action
def set_user_active(ctx: Ctx, *, username: str, active: bool) -> User:
    """停用 / 启用: a deactivated user cannot log in and is logged out at the next request; their record stays."""
    row = _user(ctx, username)
    if row.active == active:
        raise ValidationFailed(f"用户「{username}」已{'启用' if active else '停用'}。", "no change", field="active")
    if ctx.actor is not None and row.id == ctx.actor.id and not active:
        raise ValidationFailed("不能停用自己的账号。", "admin deactivates self", field="active")
    row.active = active
    ctx.session.add(row)
    _audit(ctx, row.agency_id, "activate_user" if active else "deactivate_user", {"username": row.username})
    return row


@action
def reset_password(ctx: Ctx, *, username: str, password: str) -> User:
    """A new password set by the administrator (the log says who reset whose password, never the password)."""
    from models.passwords import hash_password

    row = _user(ctx, username)
    row.password_hash = hash_password(check_new_password(password))
    ctx.session.add(row)
    _audit(ctx, row.agency_id, "reset_password", {"username": row.username})
    return row


def user_rows(session: Session, *, agency: str | None = None) -> list[dict]:
    """Every user (of one agency, when named) with their agency, department and state, for the lists."""
    owner = agency_by_name(session, agency) if agency else None
    agencies = {a.id: a.name for a in session.exec(select(Agency))}
    departments = {d.id: d.name for d in session.exec(select(Department))}
    query = select(User).order_by(User.agency_id, User.id)
    if owner is not None:
        query = query.where(User.agency_id == owner.id)
    return [{"username": u.username, "full_name": u.full_name, "role": str(u.role), "role_label": Role(u.role).label,
             "agency": agencies[u.agency_id], "agency_id": u.agency_id,
             "department": departments.get(u.department_id) if u.department_id else None,
             "government_counsel": u.government_counsel, "active": u.active, "email": u.email, "phone": u.phone}
            for u in session.exec(query)]


FIELD_LABELS = {
    "name": "名称", "parent": "上级机关", "disclosure_office": "政府信息公开工作机构", "address": "地址", "phone": "电话",
    "reconsideration_body": "行政复议机关", "court": "管辖法院", "doc_number_prefix": "文号前缀", "seal_text": "印章文字",
    "seal_image": "印章图片", "contact_person": "联系人", "status_url": "进度查询网址", "fee_payee": "收款单位",
    "fee_bank": "开户银行", "fee_account": "账号", "fee_payment_code": "非税收入缴款码", "fee_payment_qr": "缴费二维码",
    "fee_payment_place": "缴费地点或途径", "repeat_window_days": "重复申请比对天数",
    "litigation_prone_keywords": "易诉案件关键词", "contact": "联系方式", "full_name": "姓名", "role": "角色",
    "department": "所属承办单位", "government_counsel": "政府法律顾问", "email": "电子邮箱",
    "decision_id": "决定编号", "title": "信息名称", "numbers": "申请编号", "applicants": "申请人数",
    "location": "公开位置", "url": "网址", "published_on": "公开日期", "reason": "理由",
}
ACTION_LABELS = {
    "add_agency": "添加机关", "set_agency": "修改机关设置", "set_litigation_prone_keywords": "修改易诉关键词",
    "install_certificate": "安装电子签名证书", "add_department": "添加承办单位", "set_department": "修改承办单位",
    "add_user": "添加用户", "set_user": "修改用户", "activate_user": "启用用户", "deactivate_user": "停用用户",
    "reset_password": "重置密码", "lock_user": "锁定账户", "unlock_user": "解除锁定",
    "api_token_create": "签发接口令牌", "api_token_revoke": "吊销接口令牌",
    "art44_publish": "转为主动公开（第四十四条）", "art44_decline": "不转为主动公开（第四十四条）",
}


def _shown(value) -> str:
    if isinstance(value, list):
        return "、".join(map(str, value)) or "（空）"
    if isinstance(value, bool):
        return "是" if value else "否"
    if value in (None, ""):
        return "（空）"
    try:
        return Role(value).label
    except ValueError:
        return str(value)


def describe(event: AdminEvent) -> str:
    """One admin_event in Chinese: 修改用户 clerk：角色 公开办经办人 → 公开办负责人."""
    data = dict(event.data or {})
    what = ACTION_LABELS.get(event.action, event.action)
    if event.action == "set_litigation_prone_keywords":
        return f"{what}：{_shown(data.get('before', []))} → {_shown(data.get('after', []))}"
    if event.action == "install_certificate":
        return f"{what}：{data.get('subject', '')}，有效期至 {str(data.get('not_after', ''))[:10]}"
    subject = data.pop("username", None) or data.pop("department", None) or ""
    parts = []
    for key, value in data.items():
        label = FIELD_LABELS.get(key, key)
        parts.append(f"{label} {_shown(value[0])} → {_shown(value[1])}" if isinstance(value, list) and len(value) == 2
                     and key != "litigation_prone_keywords" else f"{label} {_shown(value)}")
    return f"{what}{(' ' + subject) if subject else ''}" + (f"：{'；'.join(parts)}" if parts else "")
