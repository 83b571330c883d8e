"""Administration with an actor: agencies, departments, users and settings; the same checks as the CLI, only the
系统管理员 (or the CLI operator), every change one admin_event in the same transaction, nothing half-written."""

import io
from datetime import date

import pytest
from sqlmodel import select

from models import admin as M
from models.demo import DEMO_AGENCY, DEPARTMENTS, USERS
from models.enums import Role
from models.errors import InvalidFields, NotFound, RoleNotAllowed, ValidationFailed
from models.passwords import verify_password
from models.queries import agency_by_name, user_by_username
from models.tables import AdminEvent, Department, User
from tests.factories import ctx

DAY = date(2026, 3, 2)


def _png(mode: str) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new(mode, (40, 40)).save(out, format="PNG")
    return out.getvalue()


def _users(session) -> list[tuple]:
    return [(u.username, u.full_name, str(u.role), u.department_id, u.government_counsel, u.active, u.password_hash,
             u.email, u.phone) for u in session.exec(select(User).order_by(User.id))]


def _events(session) -> list[AdminEvent]:
    return list(session.exec(select(AdminEvent).order_by(AdminEvent.id)))


def test_every_demo_department_has_an_active_handler(session, calendar):
    ctx(session, calendar, None, DAY)
    owner = agency_by_name(session, DEMO_AGENCY)
    for department in session.exec(select(Department).where(Department.agency_id == owner.id)):
        handlers = session.exec(select(User).where(User.department_id == department.id, User.active,
                                                   User.role == Role.department_handler)).all()
        assert handlers, department.name
    assert {d for _, _, _, d, _ in USERS if d} == set(DEPARTMENTS)


def test_the_admin_adds_a_user_who_can_log_in_and_the_change_is_logged(session, calendar):
    user = M.create_user(ctx(session, calendar, "admin", DAY), username="clerk2", full_name="钱经办", role=Role.clerk,
                         agency=DEMO_AGENCY, password="Xk9-longer")
    assert verify_password(user.password_hash, "Xk9-longer")
    [event] = _events(session)
    assert (event.action, event.actor_name, event.data["username"]) == ("add_user", "系统管理员", "clerk2")
    assert "Xk9" not in str(event.data)
    assert M.describe(event).startswith("添加用户 clerk2")


@pytest.mark.parametrize(("actor", "call", "error", "words"), [
    ("clerk", lambda c: M.create_department(c, agency=DEMO_AGENCY, name="区教育局"), RoleNotAllowed, "只有系统管理员"),
    ("head", lambda c: M.reset_password(c, username="clerk", password="another-pass"), RoleNotAllowed, "只有系统管理员"),
    ("admin", lambda c: M.create_department(c, agency=DEMO_AGENCY, name="区财政局"), ValidationFailed, "已有承办单位"),
    ("admin", lambda c: M.create_user(c, username="x1", full_name="某", role=Role.department_handler, agency=DEMO_AGENCY,
                                      password="long-enough"), ValidationFailed, "须指定所属承办单位"),
    ("admin", lambda c: M.create_user(c, username="x2", full_name="某", role=Role.clerk, agency=DEMO_AGENCY,
                                      password="short"), ValidationFailed, "密码至少8位"),
    ("admin", lambda c: M.update_user(c, username="clerk", government_counsel=True), ValidationFailed, "只有法律顾问"),
    ("admin", lambda c: M.update_user(c, username="clerk", role=Role.department_handler), ValidationFailed,
     "须指定所属承办单位"),
    ("admin", lambda c: M.update_user(c, username="admin", role=Role.clerk), ValidationFailed, "不能取消自己"),
    ("admin", lambda c: M.set_user_active(c, username="admin", active=False), ValidationFailed, "不能停用自己"),
    ("admin", lambda c: M.update_user(c, username="clerk", department="区教育局", role=Role.department_handler),
     ValidationFailed, "没有承办单位「区教育局」"),
    ("admin", lambda c: M.update_agency(c, agency=DEMO_AGENCY, phone="0539-8000000", repeat_window_days="0"),
     ValidationFailed, "1至3650"),
    ("admin", lambda c: M.update_agency(c, agency=DEMO_AGENCY, phone="0539-8000000", court="示范区人民法院"),
     ValidationFailed, "中级人民法院"),
    ("admin", lambda c: M.update_agency(c, agency=DEMO_AGENCY, phone="0539-8000000", keywords=["征地 拆迁"]),
     ValidationFailed, "不含逗号"),
    ("admin", lambda c: M.upload_agency_image(c, agency=DEMO_AGENCY, kind="seal_image", data=_png("RGB"),
                                              folder=c.session.info["folder"]), ValidationFailed, "透明背景"),
    ("admin", lambda c: M.update_user(c, username="nobody", full_name="某"), NotFound, "不存在"),
], ids=["clerk-cannot-add-department", "head-cannot-reset-password", "duplicate-department", "handler-needs-department",
        "short-password", "government-counsel-only-for-counsel", "handler-role-needs-department", "admin-keeps-own-role",
        "admin-keeps-own-account", "unknown-department", "repeat-window-range", "government-needs-intermediate-court",
        "bad-keyword-with-other-settings", "opaque-seal", "unknown-user"])
def test_a_refused_change_writes_nothing(session, calendar, tmp_path, actor, call, error, words):
    c = ctx(session, calendar, actor, DAY)
    session.info["folder"] = tmp_path / "images"
    before = agency_by_name(session, DEMO_AGENCY).model_dump()
    users = _users(session)
    with pytest.raises(error) as exc:
        call(c)
    assert words in exc.value.message_zh
    session.expire_all()
    assert agency_by_name(session, DEMO_AGENCY).model_dump() == before  # the phone given beside the error is not kept
    assert _users(session) == users
    assert _events(session) == [] and not (tmp_path / "images").exists()


def test_a_field_error_names_its_field(session, calendar):
    with pytest.raises(ValidationFailed) as exc:
        M.update_agency(ctx(session, calendar, "admin", DAY), agency=DEMO_AGENCY, repeat_window_days="abc")
    assert exc.value.field == "repeat_window_days"


@pytest.mark.parametrize(("call", "fields"), [
    (lambda c: M.create_agency(c, name=" ", reconsideration_body="示范市公安局", court="示范市公安局", parent="无此机关"),
     ["name", "parent", "court", "reconsideration_body"]),
    (lambda c: M.update_agency(c, agency=DEMO_AGENCY, phone="12345", repeat_window_days="abc", court="示范区人民法院",
                               reconsideration_body="示范区人民政府", keywords=["征地", "拆" * 21]),
     ["phone", "repeat_window_days", "court", "reconsideration_body", "keywords"]),
    (lambda c: M.create_department(c, agency=DEMO_AGENCY, name="区财政局", contact="\x1b[31m"), ["name", "contact"]),
    (lambda c: M.update_department(c, department_id=1, name="", contact="\x00"), ["name", "contact"]),
    (lambda c: M.create_user(c, username="clerk", full_name="", role=Role.clerk, agency=DEMO_AGENCY, password="short",
                             department="区财政局", government_counsel=True, email="x@", phone="1"),
     ["password", "username", "full_name", "department", "government_counsel", "email", "phone"]),
    (lambda c: M.update_user(c, username="clerk", full_name="", role="boss", email="x@", phone="1"),
     ["role", "full_name", "email", "phone"]),
], ids=["add-agency", "agency-settings", "add-department", "edit-department", "add-user", "edit-user"])
def test_every_bad_field_of_an_admin_change_is_reported_at_once(session, calendar, call, fields):
    with pytest.raises(InvalidFields) as exc:
        call(ctx(session, calendar, "admin", DAY))
    assert [p.field for p in exc.value.problems] == fields
    assert all(p.message_zh.rstrip("。") in exc.value.message_zh for p in exc.value.problems)  # the CLI prints them all
    assert _events(session) == []


def test_settings_and_keywords_change_together_each_logged_with_before_and_after(session, calendar):
    changed = M.update_agency(ctx(session, calendar, "admin", DAY), agency=DEMO_AGENCY, repeat_window_days="730",
                              fee_payee="示范区财政局非税收入专户", keywords=["征地", "拆迁"])
    agency = agency_by_name(session, DEMO_AGENCY)
    assert agency.repeat_window_days == 730 and agency.litigation_prone_keywords == "征地,拆迁"
    assert changed["repeat_window_days"] == [365, 730]
    keywords, settings = _events(session)
    assert keywords.action == "set_litigation_prone_keywords" and keywords.data["after"] == ["征地", "拆迁"]
    assert settings.data == {"repeat_window_days": [365, 730], "fee_payee": ["示范区财政局", "示范区财政局非税收入专户"]}
    assert M.describe(settings) == "修改机关设置：重复申请比对天数 365 → 730；收款单位 示范区财政局 → 示范区财政局非税收入专户"


def test_nothing_changed_is_not_logged(session, calendar):
    c = ctx(session, calendar, "admin", DAY)
    assert M.update_agency(c, agency=DEMO_AGENCY, court="示范市中级人民法院", keywords=None) == {}
    assert M.update_user(c, username="clerk", full_name="王经办") == {}
    assert _events(session) == []


def test_a_deactivated_user_is_gone_until_activated_again(session, calendar):
    c = ctx(session, calendar, "admin", DAY)
    M.set_user_active(c, username="counsel", active=False)
    with pytest.raises(NotFound):
        user_by_username(session, "counsel")
    M.set_user_active(c, username="counsel", active=True)
    assert user_by_username(session, "counsel").active
    assert [e.action for e in _events(session)] == ["deactivate_user", "activate_user"]


def test_a_password_reset_replaces_the_hash_and_logs_who_not_what(session, calendar):
    M.reset_password(ctx(session, calendar, "admin", DAY), username="clerk", password="new-pass-2026")
    assert verify_password(user_by_username(session, "clerk").password_hash, "new-pass-2026")
    [event] = _events(session)
    assert event.data == {"username": "clerk"} and M.describe(event) == "重置密码 clerk"


def test_a_role_change_moves_the_user_out_of_the_department(session, calendar):
    changed = M.update_user(ctx(session, calendar, "admin", DAY), username="dept_sifa", role=Role.clerk)
    assert changed == {"role": ["department_handler", "clerk"], "department": ["区司法局", None]}
    assert user_by_username(session, "dept_sifa").department_id is None


def test_an_uploaded_seal_is_kept_by_its_hash_and_set(session, calendar, tmp_path):
    data = _png("RGBA")
    path = M.upload_agency_image(ctx(session, calendar, "admin", DAY), agency=DEMO_AGENCY, kind="seal_image", data=data,
                                 folder=tmp_path)
    assert agency_by_name(session, DEMO_AGENCY).seal_image == path and open(path, "rb").read() == data
    assert M.check_image(path, what="印章图片", transparent=True) == path


def test_the_cli_operator_acts_without_a_user_and_is_named_in_the_log(session, calendar):
    M.create_department(ctx(session, calendar, None, DAY), agency=DEMO_AGENCY, name="区教育局")
    [event] = _events(session)
    assert event.actor_name == M.OPERATOR and M.describe(event) == "添加承办单位：名称 区教育局；联系方式 （空）"
