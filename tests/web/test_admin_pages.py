"""The 系统管理员's pages: the same checks as the CLI (models.admin), errors beside their fields, every change logged."""

import io
import re

import pytest
from sqlmodel import Session, select

from models.demo import DEMO_AGENCY
from models.queries import agency_by_name
from models.tables import AdminEvent, Agency, Department, User
from tests.web.conftest import Desk


def _png(mode: str) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new(mode, (40, 40)).save(out, format="PNG")
    return out.getvalue()


def _agency_id(engine) -> int:
    with Session(engine) as s:
        return agency_by_name(s, DEMO_AGENCY).id


def _events(engine) -> list[str]:
    with Session(engine) as s:
        return [e.action for e in s.exec(select(AdminEvent).order_by(AdminEvent.id))]


def test_the_admin_sees_the_admin_pages_in_the_navigation(login):
    assert 'href="/admin/users"' in login("admin").get("/dashboard").text
    assert 'href="/admin/users"' not in login("clerk").get("/worklist").text


@pytest.mark.parametrize("path", ["/admin/agencies", "/admin/departments", "/admin/users", "/admin/users/clerk/password",
                                  "/admin/users/clerk/active", "/admin/agencies/1", "/admin/agencies/1/image"])
def test_other_roles_cannot_post_to_the_admin_pages(login, path):
    assert login("head").post(path, {"name": "x", "password": "long-enough-1", "active": "0"}).status_code == 403


def test_a_new_user_added_on_the_desk_logs_in(login, desk, engine):
    admin = login("admin")
    done = admin.post("/admin/users", {"agency": _agency_id(engine), "username": "clerk2", "full_name": "钱经办",
                                       "role": "clerk", "password": "clerk2-pass", "phone": ""})
    assert done.status_code == 303 and "已添加用户：clerk2" in admin.get(done.headers["location"]).text
    newcomer = Desk.__new__(Desk)
    from fastapi.testclient import TestClient

    newcomer.client = TestClient(desk, follow_redirects=False)
    csrf = newcomer.client.get("/login").text.split('name="csrf_token" value="')[1].split('"')[0]
    r = newcomer.client.post("/login", data={"username": "clerk2", "password": "clerk2-pass", "csrf_token": csrf})
    assert r.status_code == 303 and r.headers["location"] == "/worklist"
    assert _events(engine) == ["add_user"]


@pytest.mark.parametrize(("data", "field", "words"), [
    ({"username": "x", "full_name": "某", "role": "department_handler", "password": "long-enough"}, "department",
     "须指定所属承办单位"),
    ({"username": "clerk", "full_name": "某", "role": "clerk", "password": "long-enough"}, "username", "已被使用"),
    ({"username": "x", "full_name": "某", "role": "clerk", "password": "short"}, "password", "密码至少8位"),
    ({"username": "x", "full_name": "某", "role": "clerk", "government_counsel": "on", "password": "long-enough"},
     "government_counsel", "只有法律顾问"),
], ids=["handler-without-department", "username-taken", "short-password", "government-counsel-not-counsel"])
def test_a_refused_user_shows_the_error_beside_its_field_and_keeps_what_was_typed(login, engine, data, field, words):
    r = login("admin").post("/admin/users", {"agency": _agency_id(engine), **data})
    assert r.status_code == 422 and f'id="err-{field}"' in r.text and words in r.text
    assert 'value="某"' in r.text and "long-enough" not in r.text  # a password is never sent back
    assert _events(engine) == []


def test_settings_save_together_or_not_at_all(login, engine):
    admin, agency = login("admin"), _agency_id(engine)
    page = admin.get(f"/admin/agencies/{agency}").text
    assert 'value="示范市中级人民法院"' in page and 'value="365"' in page
    bad = admin.post(f"/admin/agencies/{agency}", {"court": "示范区人民法院", "phone": "0539-8000000",
                                                   "reconsideration_body": "示范市人民政府", "repeat_window_days": "365",
                                                   "keywords": "征地、拆迁"})
    assert bad.status_code == 422 and 'id="err-court"' in bad.text and "中级人民法院" in bad.text
    assert 'value="0539-8000000"' in bad.text  # kept on the page, not in the database
    with Session(engine) as s:
        assert agency_by_name(s, DEMO_AGENCY).phone == "0539-8123456"
    form = {name: "" for name in ("disclosure_office", "address", "seal_text", "contact_person", "status_url",
                                  "fee_payee", "fee_bank", "fee_account", "fee_payment_code", "fee_payment_place",
                                  "doc_number_prefix", "phone")}
    with Session(engine) as s:
        row = agency_by_name(s, DEMO_AGENCY)
        form |= {k: str(getattr(row, k)) for k in form} | {"court": row.court,
                                                            "reconsideration_body": row.reconsideration_body}
    ok = admin.post(f"/admin/agencies/{agency}", form | {"repeat_window_days": "730", "keywords": "征地、拆迁、强拆"})
    assert ok.status_code == 303, ok.text[-600:]
    shown = admin.get(ok.headers["location"]).text
    assert "已保存" in shown and "重复申请比对天数 365 → 730" in shown and "修改易诉关键词" in shown
    with Session(engine) as s:
        row = agency_by_name(s, DEMO_AGENCY)
        assert (row.repeat_window_days, row.litigation_prone_keywords) == (730, "征地,拆迁,强拆")
    assert _events(engine) == ["set_litigation_prone_keywords", "set_agency"]


def test_the_seal_image_is_uploaded_and_an_opaque_one_refused_beside_its_input(login, engine, monkeypatch, tmp_path):
    monkeypatch.setenv("GONGKAI_VAR_DIR", str(tmp_path / "var"))
    admin, agency = login("admin"), _agency_id(engine)
    url = f"/admin/agencies/{agency}/image"
    bad = admin.post(url, {"kind": "seal_image"}, files={"file": ("seal.png", _png("RGB"), "image/png")})
    assert bad.status_code == 422 and 'id="err-seal_image"' in bad.text and "透明背景" in bad.text
    good = admin.post(url, {"kind": "seal_image"}, files={"file": ("seal.png", _png("RGBA"), "image/png")})
    assert good.status_code == 303
    with Session(engine) as s:
        stored = agency_by_name(s, DEMO_AGENCY).seal_image
    assert stored.startswith(str(tmp_path / "var" / "agency-images")) and open(stored, "rb").read() == _png("RGBA")
    assert _events(engine) == ["set_agency"]


def test_departments_without_a_handler_are_flagged_and_a_new_one_is_added(login, engine):
    admin = login("admin")
    r = admin.post("/admin/departments", {"agency": _agency_id(engine), "name": "区教育局"})
    assert r.status_code == 303
    page = admin.get(r.headers["location"]).text
    assert "区教育局" in page and page.count("无在职经办人") == 1  # every demo department has its handler
    with Session(engine) as s:
        dept = s.exec(select(Department).where(Department.name == "区教育局")).one()
    again = admin.post(f"/admin/departments/{dept.id}", {"name": "区财政局"})
    assert again.status_code == 422 and f'id="err-d{dept.id}_name"' in again.text and "已有承办单位" in again.text


def test_a_deactivated_user_is_logged_out_and_a_reset_password_works(login, engine):
    admin, counsel = login("admin"), login("counsel")
    assert counsel.get("/review").status_code == 200
    assert admin.post("/admin/users/counsel/active", {"active": "0"}).status_code == 303
    assert counsel.get("/review").status_code == 303  # to the login page
    assert admin.post("/admin/users/counsel/active", {"active": "1"}).status_code == 303
    mismatch = admin.post("/admin/users/counsel/password", {"password": "new-pass-1", "password_again": "new-pass-2"})
    assert mismatch.status_code == 422 and 'id="err-password_again"' in mismatch.text
    assert admin.post("/admin/users/counsel/password", {"password": "new-pass-1",
                                                        "password_again": "new-pass-1"}).status_code == 303
    fresh = login(None)
    r = fresh.post("/login", {"username": "counsel", "password": "new-pass-1"})
    assert r.status_code == 303
    assert _events(engine) == ["deactivate_user", "activate_user", "reset_password"]


def test_the_admin_changes_a_role_and_cannot_lock_themselves_out(login, engine):
    admin = login("admin")
    r = admin.post("/admin/users/gov_counsel", {"full_name": "周顾问", "role": "legal_counsel", "department": "",
                                                "phone": "", "email": ""})
    assert r.status_code == 303 and "政府法律顾问 是 → 否" in admin.get(r.headers["location"]).text
    own = admin.post("/admin/users/admin", {"full_name": "系统管理员", "role": "clerk", "department": ""})
    assert own.status_code == 422 and 'id="err-role"' in own.text
    with Session(engine) as s:
        assert str(s.exec(select(User).where(User.username == "admin")).one().role) == "admin"
    assert "停用该用户" not in admin.get("/admin/users/admin").text


def test_an_agency_added_on_the_desk_is_checked_like_the_cli_and_can_be_picked(login, engine):
    admin = login("admin")
    form = {"name": "乙区人民政府", "reconsideration_body": "示范市人民政府", "court": "乙区人民法院", "parent": ""}
    bad = admin.post("/admin/agencies", form)
    assert bad.status_code == 422 and 'id="err-court"' in bad.text and 'value="乙区人民政府"' in bad.text
    ok = admin.post("/admin/agencies", form | {"court": "示范市中级人民法院", "doc_number_prefix": "乙政公开"})
    assert ok.status_code == 303 and ok.headers["location"].startswith("/admin/agencies/")
    assert "已添加机关：乙区人民政府" in admin.get(ok.headers["location"]).text
    new_id = ok.headers["location"].rsplit("/", 1)[1]
    page = admin.get(f"/admin/departments?agency={new_id}").text
    assert 'id="pick-agency"' in page and "<h1>承办单位：乙区人民政府</h1>" in page and "尚无承办单位" in page
    assert _events(engine) == ["add_agency"]


def test_a_handler_made_clerk_leaves_the_department_the_select_still_shows(login, engine):
    admin = login("admin")
    r = admin.post("/admin/users/dept_sifa", {"full_name": "郑承办", "role": "clerk", "department": "区司法局",
                                              "phone": "", "email": ""})
    assert r.status_code == 303, r.text[-600:]
    with Session(engine) as s:
        user = s.exec(select(User).where(User.username == "dept_sifa")).one()
        assert (str(user.role), user.department_id) == ("clerk", None)
    assert "无在职经办人" in admin.get("/admin/departments").text  # 区司法局 now has nobody to route to


def test_an_account_locked_by_wrong_passwords_is_unlocked_from_its_page_and_logged(login, engine, clock):
    from models.sessions import LockoutPolicy, locked_until, record_failure

    with Session(engine) as s:
        clerk = s.exec(select(User).where(User.username == "clerk")).one()
        for _ in range(LockoutPolicy().failures):
            record_failure(s, clerk, now=clock(), policy=LockoutPolicy())
    admin = login("admin")
    page = admin.get("/admin/users/clerk").text
    assert "因连续密码错误已锁定" in page and 'action="/admin/users/clerk/unlock"' in page
    done = admin.post("/admin/users/clerk/unlock", {})
    assert done.status_code == 303 and "已解锁用户 clerk" in admin.get(done.headers["location"]).text
    with Session(engine) as s:
        assert locked_until(s, s.exec(select(User).where(User.username == "clerk")).one(), now=clock()) is None
    assert _events(engine) == ["lock_user", "unlock_user"]
    again = admin.post("/admin/users/clerk/unlock", {})
    assert again.status_code == 422 and "未被锁定" in again.text
    assert "解除锁定" not in admin.get("/admin/users/clerk").text


def test_only_the_admin_unlocks_an_account(login):
    assert login("head").post("/admin/users/clerk/unlock", {}).status_code == 403


# --- every admin form refuses with all its errors at once, beside their fields, the typed values kept -------------


def _rows(engine) -> list:
    """Everything the admin pages write: agencies, departments, users, and the admin log."""
    with Session(engine) as s:
        return [{c.name: getattr(r, c.name) for c in table.__table__.columns}
                for table in (Agency, Department, User, AdminEvent) for r in s.exec(select(table))]


def _department_id(engine, name: str) -> int:
    with Session(engine) as s:
        return s.exec(select(Department).where(Department.name == name)).one().id


BAD_FORMS = [  # url (formatted with the demo agency's id and 区教育局's), the form, its errors by field, values kept
    ("/admin/agencies",
     {"name": "", "reconsideration_body": "示范市公安局", "court": "示范市公安局", "doc_number_prefix": "乙政公开",
      "parent": ""},
     {"name": "请填写机关名称", "reconsideration_body": "不是人民政府", "court": "不是法院"}, ["乙政公开"]),
    ("/admin/agencies/{agency}",
     {"court": "示范区人民法院", "phone": "12345", "reconsideration_body": "示范市人民政府", "repeat_window_days": "0",
      "keywords": "征地、" + "拆" * 21, "fee_bank": "中国工商银行示范区支行"},
     {"court": "中级人民法院", "phone": "格式不正确", "repeat_window_days": "1至3650天", "keywords": "1至20个字"},
     ['value="12345"', 'value="征地、' + "拆" * 21, 'value="中国工商银行示范区支行"']),
    ("/admin/agencies/{agency}/certificate", {"key_file": "", "cert_file": ""},
     {"key_file": "私钥文件", "cert_file": "证书文件"}, []),
    ("/admin/departments", {"agency": "{agency}", "name": "", "contact": "张科长\x1b[31m"},
     {"name": "请填写承办单位名称", "contact": "控制字符"}, []),
    ("/admin/departments/{department}", {"name": "区财政局", "contact": "\x07"},
     {"d{department}_name": "已有承办单位", "d{department}_contact": "控制字符"}, ['value="区财政局"']),
    ("/admin/users",
     {"agency": "{agency}", "username": "clerk", "full_name": "", "role": "department_handler", "department": "",
      "password": "short", "phone": "12345", "email": "not-an-email"},
     {"username": "已被使用", "full_name": "请填写姓名", "department": "须指定所属承办单位", "password": "密码至少8位",
      "phone": "格式不正确", "email": "格式不正确"}, ['value="12345"', 'value="not-an-email"']),
    ("/admin/users/counsel",
     {"full_name": " ", "role": "clerk", "government_counsel": "on", "phone": "0539", "email": "a@b"},
     {"full_name": "请填写姓名", "government_counsel": "只有法律顾问", "phone": "格式不正确", "email": "格式不正确"},
     ['value="0539"', 'value="a@b"']),
    ("/admin/users/counsel/password", {"password": "abc", "password_again": "abd"},
     {"password": "密码至少8位", "password_again": "不一致"}, []),
]


@pytest.mark.parametrize(("url", "form", "errors", "kept"), BAD_FORMS, ids=[
    "add-agency", "agency-settings", "certificate", "add-department", "edit-department", "add-user", "edit-user",
    "reset-password"])
def test_every_admin_form_shows_all_its_errors_at_once_and_writes_nothing(login, engine, url, form, errors, kept):
    admin = login("admin")
    admin.post("/admin/departments", {"agency": _agency_id(engine), "name": "区教育局"})
    ids = {"agency": _agency_id(engine), "department": _department_id(engine, "区教育局")}
    before = _rows(engine)
    r = admin.post(url.format(**ids), {k: v.format(**ids) for k, v in form.items()})
    assert r.status_code == 422, r.text[-800:]
    page = r.text
    for field, words in errors.items():
        field = field.format(**ids)
        error = page.split(f'id="err-{field}"', 1)[1].split("</p>", 1)[0] if f'id="err-{field}"' in page else ""
        assert words in error, (field, words, error)
        assert f'aria-describedby="err-{field}"' in page or f"err-{field}" in page.split(f'id="{field}"', 1)[-1][:400]
    summary = page.split('id="error-summary"', 1)[1].split("</div>", 1)[0]
    assert f"共 {len(errors)} 处需要修改" in summary, summary
    assert page.count('class="field-error"') == len(errors)
    for value in kept:
        assert value in page, value
    assert _rows(engine) == before  # nothing written, not even the admin log


@pytest.mark.parametrize("path", ["/admin/agencies", "/admin/agencies/{agency}", "/admin/departments", "/admin/users",
                                  "/admin/users/counsel"])
def test_the_browser_leaves_the_checks_to_the_desk_which_shows_them_all(login, engine, path):
    """A browser's own checks (`required`, a number field) stop at the first bad field, one bubble at a time: every
    admin form with fields is `novalidate`, so the desk answers with every error at once."""
    page = login("admin").get(path.format(agency=_agency_id(engine))).text
    forms = [f for f in re.findall(r'<form method="post".*?</form>', page, flags=re.S)
             if re.search(r'<input type="(text|number|password)"|<textarea|<select', f)]
    assert forms
    assert all(" novalidate" in f.split(">", 1)[0] for f in forms), [f.split(">", 1)[0] for f in forms]
