"""Every role's working day at 1366×768 with the keyboard only (issue 16): no mouse click anywhere.

One browser and one server (tests/web/test_browser.py's fixtures) for the whole day: the clerk registers and routes,
the department answers, counsel approves one draft and returns another, the office head approves an extension and
signs, the supervisor drills into the dashboard, the administrator adds a user and deactivates another. Screenshots go
to GONGKAI_SCREENSHOTS or a temporary folder (printed). After logging in, the other roles move only with Tab,
Shift+Tab, Enter, Space, the arrow keys, the "/" shortcut and typing; the clerk's part also opens pages by address.
"""

import re

import pytest
from sqlmodel import Session

from models import actions as A
from models.enums import Status
from tests.factories import advance, ctx, register_case
from tests.web.conftest import DAY
from tests.web.test_browser import Role, browser, screenshots, server  # noqa: F401 (the shared fixtures)

pytestmark = pytest.mark.slow

# The focused element: its id, its own text, whether it sits inside `within`, and its focus ring
FOCUS = """within => { const e = document.activeElement, s = getComputedStyle(e);
  return {id: e.id, text: (e.textContent || "").trim(), inside: !within || !!e.closest(within),
          ring: s.outlineStyle !== "none" && parseFloat(s.outlineWidth) >= 2}; }"""


def _focused(page) -> str:
    return page.evaluate("() => document.activeElement.id || document.activeElement.textContent.trim()")


def _tab_to(page, text: str, limit: int = 12, *, within: str | None = None, back: bool = False) -> None:
    """Tab (Shift+Tab) until the focused element's id or text is `text`, as a keyboard user does; it shows its focus."""
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if back else "Tab")
        found = page.evaluate(FOCUS, within)
        if text in (found["id"], found["text"]) and found["inside"]:
            assert found["ring"], f"{text!r} is focused without a visible focus ring"
            return
    raise AssertionError(f"{text!r} not reached by Tab (focus on {_focused(page)!r})")


def _submit(page, key: str = "Enter") -> None:
    with page.expect_navigation():  # the POST and its redirect
        page.keyboard.press(key)
    page.wait_for_load_state()


def _skip_to_main(page) -> None:
    """The first Tab stop is the skip link; Enter puts the focus at the start of the page's content."""
    page.keyboard.press("Tab")
    assert _focused(page) == "跳到正文"
    page.keyboard.press("Enter")
    assert _focused(page) == "main"


def _find(page, number: str) -> None:
    """"/" from anywhere, the number's end, Enter: the case opens."""
    page.keyboard.press("Escape")
    page.keyboard.press("/")
    assert _focused(page) == "find-number"
    page.keyboard.type(number[-6:])
    _submit(page)
    assert page.url.endswith(f"/cases/{number}"), page.url


def test_every_roles_day_by_keyboard_only(server, browser, screenshots, desk, calendar):  # noqa: F811
    shots: list[str] = []
    number = _clerk(server, browser, screenshots, desk, calendar, shots)
    with Session(desk.state.desk.engine, expire_on_commit=False) as s:
        first, second = (register_case(s, calendar, DAY, request_text=text) for text in (
            "请公开本区2025年老旧小区改造项目清单", "请公开本区2025年城市道路养护合同"))
        for case in (first, second):
            advance(s, calendar, case, Status.legal_review, day=DAY)
        extended = register_case(s, calendar, DAY, request_text="请公开本区2025年污水处理厂运行监测数据")
        A.request_extension(ctx(s, calendar, "clerk", DAY), extended, days=15, reason="需向多个单位调取监测数据")
    _department(server, browser, screenshots, shots, number)
    _counsel(server, browser, screenshots, shots, approve=first, send_back=second)
    _head(server, browser, screenshots, shots, extended=extended, approved=first)
    _supervisor(server, browser, screenshots, shots, returned=second)
    _admin(server, browser, screenshots, shots)


def _department(server, browser, screenshots, shots, number):
    """The handler of 区住房和城乡建设局 signs for the case the clerk routed and answers it with a written opinion."""
    dept = Role(browser, server, "dept_zhujian", shots, screenshots)
    page = dept.page
    assert page.url.endswith("/inbox")
    _skip_to_main(page)
    _tab_to(page, number, within="main")
    _submit(page)
    assert _focused(page) == "签收"  # the step the case waits for, a button alone: focused
    _submit(page)
    assert _focused(page) == "submit_opinion-opinion"
    page.keyboard.type("该项目清单由我局制作并保存，可以公开，详见附件说明。")
    dept.shot("department-opinion-typed", full=False)
    _tab_to(page, "提交书面答复意见", within="form")  # past the optional attachments
    _submit(page)
    assert "已提交书面答复意见" in page.content() or "拟稿中" in page.locator("#case-status").inner_text()
    dept.shot("department-opinion-submitted", full=False)


def _counsel(server, browser, screenshots, shots, *, approve, send_back):
    """Counsel approves one draft from the queue and returns another, found by "/", with a comment."""
    counsel = Role(browser, server, "counsel", shots, screenshots)
    page = counsel.page
    assert page.url.endswith("/review")
    _skip_to_main(page)
    _tab_to(page, approve, within="main")
    _submit(page)
    assert _focused(page) == "approve_draft-comments"  # 审核通过 is the primary action, its comment first
    _tab_to(page, "审核通过", within="form")
    _submit(page)
    assert "审核通过待签发" in page.locator("#case-status").inner_text()
    _find(page, send_back)
    _tab_to(page, "退回修改", limit=20)  # the folded form's summary: Enter opens it
    page.keyboard.press("Enter")
    _tab_to(page, "return_draft-comments")
    page.keyboard.type("请补充该合同是否涉及商业秘密的查明情况。")
    counsel.shot("counsel-returns-with-comment", full=False)
    _tab_to(page, "退回修改", within="form")
    _submit(page)
    assert "退回修改" in page.locator("#case-status").inner_text()


def _head(server, browser, screenshots, shots, *, extended, approved):
    """The office head approves the extension waiting on the coordination page (Art 33(2)), then signs a reply."""
    head = Role(browser, server, "head", shots, screenshots)
    page = head.page
    assert page.url.endswith("/coordination")
    _skip_to_main(page)
    _tab_to(page, extended, within="main")
    _submit(page)
    # the linked form opens, its first field focused (by keys.js, once the page has loaded)
    page.wait_for_function("document.activeElement.id === 'decide_extension-approve'", timeout=5000)
    page.keyboard.press("Tab")
    page.keyboard.type("同意延长15个工作日")
    head.shot("head-extension-approval", full=False)
    _submit(page)
    assert "已批准延期15个工作日" in page.content()
    _find(page, approved)
    assert _focused(page) == "签发答复"
    _submit(page)
    assert "已签发" in page.locator("#case-status").inner_text()
    head.shot("head-reply-signed", full=False)


def _supervisor(server, browser, screenshots, shots, *, returned):
    """The supervisor opens the dashboard's count of cases returned for revision and sees the case."""
    supervisor = Role(browser, server, "supervisor", shots, screenshots)
    page = supervisor.page
    assert page.url.endswith("/dashboard")
    _skip_to_main(page)
    _tab_to(page, "退回修改", limit=60, within="#by-stage")
    _submit(page)
    assert "/dashboard/cases" in page.url and page.get_by_role("link", name=returned).count() == 1
    supervisor.shot("supervisor-drill-down", full=False)


def _admin(server, browser, screenshots, shots):
    """The administrator adds a department handler (first with every error at once) and deactivates an account."""
    admin = Role(browser, server, "admin", shots, screenshots)
    page = admin.page
    _tab_to(page, "系统管理", limit=20, within="nav")
    _submit(page)
    assert page.url.endswith("/admin/users")
    _skip_to_main(page)
    _tab_to(page, "username", limit=40)
    _tab_to(page, "添加用户", within="form")  # an empty form, sent: every error at once
    _submit(page)
    summary = page.locator("#error-summary")
    assert summary.is_visible() and "共 3 处需要修改" in summary.inner_text()
    for field in ("username", "full_name", "password"):
        assert page.locator(f"#err-{field}").is_visible(), field
    admin.shot("admin-every-error-at-once", full=False)
    _tab_to(page, "username", limit=60)
    page.keyboard.type("dept_jiaoyu")
    page.keyboard.press("Tab")
    page.keyboard.type("冯承办")
    page.keyboard.press("Tab")
    page.keyboard.press("ArrowDown")  # 公开办经办人 → 承办单位经办人
    page.keyboard.press("Tab")
    page.keyboard.press("ArrowDown")  # （不属于承办单位）→ the first department
    assert page.locator("#role").input_value() == "department_handler"
    assert page.locator("#department").input_value() == "区自然资源局"
    _tab_to(page, "password", limit=3)
    page.keyboard.type("jiaoyu-2026")
    _submit(page)
    assert "已添加用户：dept_jiaoyu（承办单位经办人）" in page.content()
    _skip_to_main(page)
    _tab_to(page, "dept_sifa", limit=40, within="main")
    _submit(page)
    _tab_to(page, "停用该用户", limit=40, within="main")
    _submit(page)
    assert "已停用用户 dept_sifa" in page.content() and "已停用" in page.locator("main p").first.inner_text()
    admin.shot("admin-user-deactivated", full=False)


def _clerk(server, browser, screenshots, desk, calendar, shots) -> str:
    """The clerk registers (every error at once), routes by keyboard, dispatches and records delivery."""
    clerk = Role(browser, server, "clerk", shots, screenshots)  # logs in by typing and Enter
    page = clerk.go("/register")

    # an empty form submitted with Enter: every error at once, beside its field
    with page.expect_navigation():
        page.get_by_label("姓名或名称").press("Enter")
    summary = page.locator("#error-summary")
    assert summary.is_visible() and "共 4 处需要修改" in summary.inner_text()
    for field in ("name", "request_text", "id_number", "phone"):
        assert page.locator(f"#err-{field}").is_visible(), field
    clerk.shot("register-every-error-at-once", full=False)

    page.get_by_label("姓名或名称").fill("张三")
    page.get_by_label("证件号码", exact=True).fill("11010519491231002X")
    page.get_by_label("联系电话").fill("13800138000")
    page.get_by_label("申请公开的政府信息").fill("请公开本区2025年财政预算执行情况报告")
    with page.expect_navigation():
        page.get_by_label("联系电话").press("Enter")
    number = re.search(r"申请编号 (\d{4}-\d{6})", page.content()).group(1)
    # the step the case waits for is open and focused: choose the department and submit without the mouse
    assert _focused(page) == "route-department"
    clerk.shot("case-primary-action-focused", full=False)

    # back and resubmit the same form: refused, with a link to the case already made
    page.go_back()
    page.wait_for_load_state()
    with page.expect_navigation():
        page.get_by_label("联系电话").press("Enter")
    assert page.locator("#already").is_visible() and number in page.locator("#already").inner_text()
    clerk.shot("register-second-submit-refused", full=False)

    # "/" jumps to the search by number from any page; Enter opens the case
    page = clerk.go("/worklist")
    page.keyboard.press("/")
    assert _focused(page) == "find-number"
    page.keyboard.type(number[-6:])
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith(f"/cases/{number}")
    page.get_by_label("承办单位", exact=True).select_option("区住房和城乡建设局")
    _tab_to(page, "交办承办单位")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "已交办区住房和城乡建设局" in page.content()
    cell = page.locator("td.dept", has_text="区住房和城乡建设局")
    line = float(cell.evaluate("e => parseFloat(getComputedStyle(e).lineHeight)"))
    assert cell.bounding_box()["height"] < 2 * line + 12  # one line, not a character per line
    clerk.shot("case-routed-department-on-one-line")

    # a case waiting to be sent: dispatch and delivery by keyboard; the clock then says how the reply was given
    with Session(desk.state.desk.engine, expire_on_commit=False) as s:
        issued = register_case(s, calendar, DAY, request_text="请公开本区2025年河道整治工程验收报告")
        advance(s, calendar, issued, Status.issued, day=DAY)
    page = clerk.go(f"/cases/{issued}")
    assert _focused(page) == "dispatch-method"  # 寄送答复 is the primary action
    page.get_by_label("邮件号码（邮寄时必填）").fill("EMS1234567")
    with page.expect_navigation():
        page.get_by_label("邮件号码（邮寄时必填）").press("Enter")
    assert _focused(page) == "record_delivery-delivered_on"
    page.get_by_label("送达凭证").fill("邮件签收记录")
    with page.expect_navigation():
        page.get_by_label("送达凭证").press("Enter")
    text = page.locator("#clock-concluded").inner_text()
    assert "以邮寄方式寄送答复" in text and "EMS1234567" in text and "送达（凭证：邮件签收记录）" in text
    assert page.locator("#deliveries .tracking").inner_text() == "EMS1234567"
    assert "王经办：归档" in re.sub(r"\s+", "", page.locator("ol.timeline").inner_text()).replace("：", "：")
    clerk.shot("case-delivered-and-archived")

    # an error page keeps the clerk's navigation
    page = clerk.go("/inbox")
    assert page.get_by_role("navigation", name="主导航").get_by_role("link", name="办件清单").count() == 1
    clerk.shot("error-page-with-navigation", full=False)
    return number
