"""The 系统管理员's pages: agencies, their settings, departments and users.

A thin layer over models.admin, the functions `gongkai agency|department|user …` call: the same checks, each
change one transaction with its admin_event. A refused form shows every error at once (models.admin checks every
field before writing), each beside its field and listed above the form, with what was typed kept; nothing of it
is written.
"""

from pathlib import Path

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlmodel import select

from interfaces.web.app import Denied, Web, posted_form
from interfaces.web.views import ROUTE_ROLES, allow
from models import admin as M
from models.context import Ctx
from models.enums import Role
from models.errors import GongkaiError, InvalidFields, ValidationFailed
from models.registration import litigation_keywords, split_keywords
from models.sessions import locked_until, unlock_user
from models.settings import Settings
from models.tables import AdminEvent, Agency, Department, User

router = APIRouter()
ADMIN = ROUTE_ROLES["/admin/agencies"]
HISTORY_SHOWN = 50

# The settings form, in the order of the page: (field, label, hint)
SETTINGS = (
    ("disclosure_office", "政府信息公开工作机构", ""),
    ("reconsideration_body", "行政复议机关", "部门为本级人民政府，人民政府为上一级人民政府，垂直管理机关为上一级主管部门"),
    ("court", "管辖法院", "县级以上地方人民政府为中级人民法院（行政诉讼法第十五条）"),
    ("doc_number_prefix", "文号前缀", "如 示政公开"),
    ("seal_text", "印章文字", ""),
    ("address", "地址", ""),
    ("phone", "电话", "如 0539-8123456"),
    ("contact_person", "联系人", "未指明经办人时印在文书上"),
    ("status_url", "进度查询网址", "印在接收回执上"),
    ("repeat_window_days", "重复申请比对天数", "登记时向前查找可能重复的申请（《条例》第三十六条第（六）项）"),
)
FEE_SETTINGS = (
    ("fee_payee", "收款单位", ""),
    ("fee_bank", "开户银行", ""),
    ("fee_account", "账号", ""),
    ("fee_payment_code", "非税收入缴款码", "或执收单位编码"),
    ("fee_payment_place", "缴费地点或途径", ""),
)
NEW_AGENCY = (("name", "机关名称"), ("disclosure_office", "政府信息公开工作机构"), ("reconsideration_body", "行政复议机关"),
              ("court", "管辖法院"), ("doc_number_prefix", "文号前缀"))


def _ctx(web: Web) -> Ctx:
    return Ctx(web.db, web.desk.calendar, web.now, web.user)


def _agency_of(web: Web, agency_id: int | str | None) -> Agency:
    """The agency the page is about: the one asked for, else the admin's own."""
    if agency_id in (None, ""):
        return web.db.get(Agency, web.user.agency_id)
    try:
        found = web.db.get(Agency, int(agency_id))
    except ValueError:
        found = None
    if found is None:
        raise Denied("机关不存在。")
    return found


# The fields' names in the error summary above a refused form
LABELS = {**M.FIELD_LABELS, "name": "名称", "parent": "上级机关", "keywords": "易诉案件关键词", "username": "用户名",
          "password": "密码", "password_again": "再次输入的密码", "key_file": "私钥文件路径",
          "cert_file": "证书文件路径", "active": "账号状态", "unlock": "解除锁定"}


def _failed(exc: GongkaiError, fields) -> dict:
    """Every error of the refused form beside its field (two on one field together), in the order of `fields`;
    one on a field the form lacks goes above the form."""
    errors: dict = {}
    for problem in exc.problems if isinstance(exc, InvalidFields) else [exc]:
        field = getattr(problem, "field", None)
        name = field if field in fields else "_form"
        errors[name] = f"{errors[name]} {problem.message_zh}" if name in errors else problem.message_zh
    order = {name: i for i, name in enumerate(fields)}
    return dict(sorted(errors.items(), key=lambda item: order.get(item[0], -1)))


def _values(form) -> dict:
    return {k: v for k, v in form.items() if k != "csrf_token" and isinstance(v, str)}


def _history(web: Web, agency: Agency) -> list[tuple[AdminEvent, str]]:
    rows = web.db.exec(select(AdminEvent).where(AdminEvent.agency_id == agency.id)
                       .order_by(AdminEvent.id.desc()).limit(HISTORY_SHOWN)).all()
    return [(e, M.describe(e)) for e in rows]


# --- agencies ----------------------------------------------------------------------------------------------


def _agencies_page(web: Web, values=None, errors=None, status_code=200):
    agencies = M.manageable_agencies(web.db)
    names = {a.id: a.name for a in agencies}
    counts = {}
    for department in web.db.exec(select(Department)):
        counts.setdefault(department.agency_id, [0, 0])[0] += 1
    for user in web.db.exec(select(User).where(User.active)):
        counts.setdefault(user.agency_id, [0, 0])[1] += 1
    return web.render("admin_agencies.html", status_code, agencies=agencies, names=names, counts=counts,
                      values=values or {}, errors=errors or {}, fields=NEW_AGENCY, section="agencies", labels=LABELS,
                      parents=[("", "（无）")] + [(a.name, a.name) for a in agencies])


@router.get("/admin/agencies", response_class=HTMLResponse)
def agencies(web: Web = Depends(allow(*ADMIN))):
    return _agencies_page(web)


@router.post("/admin/agencies", response_class=HTMLResponse)
def agency_add(request: Request, form=Depends(posted_form), web: Web = Depends(allow(*ADMIN))):
    values = _values(form)
    profile = {k: values.get(k, "").strip() for k, _ in NEW_AGENCY if k != "name"}
    try:
        row = M.create_agency(_ctx(web), name=values.get("name", ""), parent=values.get("parent") or None, **profile)
    except GongkaiError as exc:
        return _agencies_page(web, values, _failed(exc, [k for k, _ in NEW_AGENCY] + ["parent"]), 422)
    return web.redirect(f"/admin/agencies/{row.id}", f"已添加机关：{row.name}。请继续填写其设置、承办单位和用户。")


def _certificate(agency: Agency):
    """The installed signing certificate's subject and validity, or None."""
    from notices.signing import CERT, certificate_info, credentials_dir

    path = credentials_dir(Settings.load(), agency.id) / CERT
    if not path.is_file():
        return None
    try:
        return certificate_info(path)
    except ValueError:
        return None


def _current_settings(agency: Agency) -> dict:
    current = {k: str(getattr(agency, k) or "") for k, _, _ in SETTINGS + FEE_SETTINGS}
    current["keywords"] = "、".join(litigation_keywords(agency))
    return current


def _settings_page(web: Web, agency: Agency, values=None, errors=None, status_code=200):
    return web.render("admin_agency.html", status_code, agency=agency, values=values or _current_settings(agency),
                      errors=errors or {},
                      settings=SETTINGS, fee_settings=FEE_SETTINGS, history=_history(web, agency),
                      certificate=_certificate(agency), section="agencies", labels=LABELS)


@router.get("/admin/agencies/{agency_id}", response_class=HTMLResponse)
def agency_settings(agency_id: str, web: Web = Depends(allow(*ADMIN))):
    return _settings_page(web, _agency_of(web, agency_id))


SETTING_FIELDS = [k for k, _, _ in SETTINGS] + ["keywords"] + [k for k, _, _ in FEE_SETTINGS]


@router.post("/admin/agencies/{agency_id}", response_class=HTMLResponse)
def agency_settings_save(agency_id: str, request: Request, form=Depends(posted_form), web: Web = Depends(allow(*ADMIN))):
    agency = _agency_of(web, agency_id)
    values = _values(form)
    changes = {k: values.get(k, "") for k, _, _ in SETTINGS + FEE_SETTINGS}
    try:
        changed = M.update_agency(_ctx(web), agency=agency.name, keywords=split_keywords(values.get("keywords", "")),
                                  **changes)
    except GongkaiError as exc:
        web.db.rollback()
        return _settings_page(web, _agency_of(web, agency_id), values, _failed(exc, SETTING_FIELDS), 422)
    if not changed:
        return web.redirect(f"/admin/agencies/{agency.id}", "没有修改任何设置。")
    shown = "、".join(M.FIELD_LABELS.get(k, k) for k in changed)
    return web.redirect(f"/admin/agencies/{agency.id}", f"已保存{agency.name}的设置：{shown}。")


@router.post("/admin/agencies/{agency_id}/image", response_class=HTMLResponse)
def agency_image(agency_id: str, request: Request, form=Depends(posted_form), web: Web = Depends(allow(*ADMIN))):
    """An uploaded seal image (transparent PNG) or payment QR code; `clear` removes it from the notices."""
    agency = _agency_of(web, agency_id)
    kind = form.get("kind") or ""
    if kind not in M.IMAGES:
        raise Denied("未知的图片类型。")
    what = M.IMAGES[kind][0]
    try:
        if form.get("clear"):
            M.update_agency(_ctx(web), agency=agency.name, **{kind: ""})
            return web.redirect(f"/admin/agencies/{agency.id}", f"已取消{what}。")
        upload = form.get("file")
        data = upload.file.read(M.MAX_IMAGE_BYTES + 1) if upload is not None and not isinstance(upload, str) else b""
        M.upload_agency_image(_ctx(web), agency=agency.name, kind=kind, data=data,
                              folder=Settings.load().var_dir / "agency-images")
    except GongkaiError as exc:
        web.db.rollback()
        return _settings_page(web, _agency_of(web, agency_id), None, {kind: exc.message_zh}, 422)
    return web.redirect(f"/admin/agencies/{agency.id}", f"已上传{what}，此后生成的文书使用新图片。")


@router.post("/admin/agencies/{agency_id}/certificate", response_class=HTMLResponse)
def agency_certificate(agency_id: str, request: Request, form=Depends(posted_form), web: Web = Depends(allow(*ADMIN))):
    """The signing key and certificate, from files on the server (the key never passes through the browser)."""
    from notices.signing import certificate_info, credentials_dir, install_certificate

    agency = _agency_of(web, agency_id)
    key, cert = (form.get("key_file") or "").strip(), (form.get("cert_file") or "").strip()
    try:
        missing = [ValidationFailed(f"请填写服务器上的{what}路径。", f"no {name}", field=name)
                   for name, what, given in (("key_file", "私钥文件", key), ("cert_file", "证书文件", cert)) if not given]
        if missing:
            raise InvalidFields(missing) if len(missing) > 1 else missing[0]
        M._require_admin(_ctx(web))
        creds = install_certificate(credentials_dir(Settings.load(), agency.id), key_file=Path(key), cert_file=Path(cert))
        info = certificate_info(creds.cert)
        M.record_certificate(_ctx(web), agency=agency.name, subject=info.subject, not_after=info.not_after.isoformat(),
                             sha256=info.sha256)
    except GongkaiError as exc:
        web.db.rollback()
        fresh = _agency_of(web, agency_id)  # the paths typed stay in their inputs
        errors = _failed(exc, ["key_file", "cert_file"])
        if "_form" in errors:  # a file the server could not read or install: beside the key's path
            errors = {"key_file": errors.pop("_form"), **errors}
        return _settings_page(web, fresh, _current_settings(fresh) | {"key_file": key, "cert_file": cert}, errors, 422)
    return web.redirect(f"/admin/agencies/{agency.id}", f"已安装电子签名证书：{info.subject}，有效期至 {info.not_after:%Y-%m-%d}。")


# --- departments ------------------------------------------------------------------------------------------


def _departments_page(web: Web, agency: Agency, values=None, errors=None, status_code=200, editing=None):
    departments = list(web.db.exec(select(Department).where(Department.agency_id == agency.id).order_by(Department.id)))
    handlers: dict[int, list[str]] = {}
    for user in web.db.exec(select(User).where(User.agency_id == agency.id, User.active,
                                               User.role == Role.department_handler)):
        handlers.setdefault(user.department_id, []).append(user.full_name)
    return web.render("admin_departments.html", status_code, agency=agency, agencies=M.manageable_agencies(web.db),
                      departments=departments, handlers=handlers, values=values or {}, errors=errors or {},
                      editing=editing, section="departments", labels=LABELS)


@router.get("/admin/departments", response_class=HTMLResponse)
def departments(web: Web = Depends(allow(*ADMIN)), agency: str = ""):
    return _departments_page(web, _agency_of(web, agency))


@router.post("/admin/departments", response_class=HTMLResponse)
def department_add(request: Request, form=Depends(posted_form), web: Web = Depends(allow(*ADMIN))):
    agency = _agency_of(web, form.get("agency"))
    values = _values(form)
    try:
        row = M.create_department(_ctx(web), agency=agency.name, name=values.get("name", ""),
                                  contact=values.get("contact", ""))
    except GongkaiError as exc:
        return _departments_page(web, agency, values, _failed(exc, ["name", "contact"]), 422)
    return web.redirect(f"/admin/departments?agency={agency.id}",
                        f"已添加承办单位：{row.name}。请为其添加承办单位经办人，否则不能交办。")


@router.post("/admin/departments/{department_id}", response_class=HTMLResponse)
def department_save(department_id: int, request: Request, form=Depends(posted_form), web: Web = Depends(allow(*ADMIN))):
    row = web.db.get(Department, department_id)
    if row is None:
        raise Denied("承办单位不存在。")
    agency = web.db.get(Agency, row.agency_id)
    values = {f"d{department_id}_{k}": v for k, v in _values(form).items()}
    try:
        changed = M.update_department(_ctx(web), department_id=department_id, name=form.get("name") or "",
                                      contact=form.get("contact") or "")
    except GongkaiError as exc:
        web.db.rollback()
        errors = {(f"d{department_id}_{k}" if k != "_form" else k): v
                  for k, v in _failed(exc, ["name", "contact"]).items()}
        return _departments_page(web, agency, values, errors, 422, editing=department_id)
    message = "没有修改任何内容。" if not changed else f"已修改承办单位：{form.get('name')}。"
    return web.redirect(f"/admin/departments?agency={agency.id}", message)


# --- users -------------------------------------------------------------------------------------------------

USER_FIELDS = ["username", "full_name", "role", "department", "government_counsel", "password", "phone", "email"]


def _roles() -> list[tuple[str, str]]:
    return [(r.value, r.label) for r in Role]


def _department_choices(web: Web, agency: Agency) -> list[tuple[str, str]]:
    names = web.db.exec(select(Department.name).where(Department.agency_id == agency.id).order_by(Department.id)).all()
    return [("", "（不属于承办单位）")] + [(n, n) for n in names]


def _users_page(web: Web, agency: Agency, values=None, errors=None, status_code=200):
    return web.render("admin_users.html", status_code, agency=agency, agencies=M.manageable_agencies(web.db),
                      users=M.user_rows(web.db, agency=agency.name), roles=_roles(),
                      departments=_department_choices(web, agency),
                      values=values or {"role": Role.clerk.value}, errors=errors or {}, section="users", labels=LABELS)


@router.get("/admin/users", response_class=HTMLResponse)
def users(web: Web = Depends(allow(*ADMIN)), agency: str = ""):
    return _users_page(web, _agency_of(web, agency))


@router.post("/admin/users", response_class=HTMLResponse)
def user_add(request: Request, form=Depends(posted_form), web: Web = Depends(allow(*ADMIN))):
    agency = _agency_of(web, form.get("agency"))
    values = _values(form)
    try:
        row = M.create_user(_ctx(web), username=values.get("username", ""), full_name=values.get("full_name", ""),
                            role=values.get("role", ""), agency=agency.name, department=_department_for(values),
                            password=values.get("password", ""), government_counsel=values.get("government_counsel") == "on",
                            email=values.get("email", ""), phone=values.get("phone", ""))
    except GongkaiError as exc:
        values.pop("password", None)
        return _users_page(web, agency, values, _failed(exc, USER_FIELDS), 422)
    return web.redirect(f"/admin/users?agency={agency.id}", f"已添加用户：{row.username}（{Role(row.role).label}）。")


def _department_for(values: dict) -> str | None:
    """The department chosen, for a department handler; other roles belong to none, whatever the select still shows."""
    return (values.get("department") or None) if values.get("role") == Role.department_handler.value else None


def _user_row(web: Web, username: str) -> User:
    row = web.db.exec(select(User).where(User.username == username)).first()
    if row is None:
        raise Denied("用户不存在。")
    return row


def _user_page(web: Web, row: User, values=None, errors=None, status_code=200):
    agency = web.db.get(Agency, row.agency_id)
    department = web.db.get(Department, row.department_id).name if row.department_id else ""
    current = {"full_name": row.full_name, "role": str(row.role), "department": department,
               "government_counsel": row.government_counsel, "phone": row.phone, "email": row.email}
    return web.render("admin_user.html", status_code, account=row, agency=agency, roles=_roles(),
                      departments=_department_choices(web, agency), values=values or current, errors=errors or {},
                      itself=row.id == web.user.id, section="users", labels=LABELS,
                      locked_until=locked_until(web.db, row, now=web.now))


@router.get("/admin/users/{username}", response_class=HTMLResponse)
def user_view(username: str, web: Web = Depends(allow(*ADMIN))):
    return _user_page(web, _user_row(web, username))


@router.post("/admin/users/{username}", response_class=HTMLResponse)
def user_save(username: str, request: Request, form=Depends(posted_form), web: Web = Depends(allow(*ADMIN))):
    row = _user_row(web, username)
    values = _values(form)
    try:
        changed = M.update_user(_ctx(web), username=username, full_name=values.get("full_name", ""),
                                role=values.get("role") or None, department=_department_for(values),
                                government_counsel=values.get("government_counsel") == "on",
                                phone=values.get("phone", ""), email=values.get("email", ""))
    except GongkaiError as exc:
        web.db.rollback()
        values["government_counsel"] = values.get("government_counsel") == "on"
        return _user_page(web, _user_row(web, username), values, _failed(exc, USER_FIELDS), 422)
    if not changed:
        return web.redirect(f"/admin/users/{username}", "没有修改任何内容。")
    shown = "；".join(f"{M.FIELD_LABELS.get(k, k)} {M._shown(a)} → {M._shown(b)}" for k, (a, b) in changed.items())
    return web.redirect(f"/admin/users/{username}", f"已修改用户 {row.username}：{shown}。")


@router.post("/admin/users/{username}/active", response_class=HTMLResponse)
def user_active(username: str, request: Request, form=Depends(posted_form), web: Web = Depends(allow(*ADMIN))):
    row = _user_row(web, username)
    active = form.get("active") == "1"
    try:
        M.set_user_active(_ctx(web), username=username, active=active)
    except GongkaiError as exc:
        web.db.rollback()
        return _user_page(web, _user_row(web, username), None, {"active": exc.message_zh}, 422)
    return web.redirect(f"/admin/users/{username}",
                        f"已{'启用' if active else '停用'}用户 {row.username}" + ("。" if active else "，其登录即刻失效。"))


@router.post("/admin/users/{username}/unlock", response_class=HTMLResponse)
def user_unlock(username: str, request: Request, form=Depends(posted_form), web: Web = Depends(allow(*ADMIN))):
    _user_row(web, username)
    try:
        unlock_user(_ctx(web), username=username)
    except GongkaiError as exc:
        web.db.rollback()
        return _user_page(web, _user_row(web, username), None, {"unlock": exc.message_zh}, 422)
    return web.redirect(f"/admin/users/{username}", f"已解锁用户 {username}，可以重新登录。")


@router.post("/admin/users/{username}/password", response_class=HTMLResponse)
def user_password(username: str, request: Request, form=Depends(posted_form), web: Web = Depends(allow(*ADMIN))):
    _user_row(web, username)
    password, again = form.get("password") or "", form.get("password_again") or ""
    try:
        found = []  # a password too short and not repeated right: both said at once
        try:
            M.check_new_password(password)
        except ValidationFailed as exc:
            found.append(exc)
        if password != again:
            found.append(ValidationFailed("两次输入的密码不一致。", "passwords differ", field="password_again"))
        if found:
            raise InvalidFields(found) if len(found) > 1 else found[0]
        M.reset_password(_ctx(web), username=username, password=password)
    except GongkaiError as exc:
        web.db.rollback()
        return _user_page(web, _user_row(web, username), None, _failed(exc, ["password", "password_again"]), 422)
    return web.redirect(f"/admin/users/{username}", f"已重置 {username} 的密码，请当面或电话告知本人。")

