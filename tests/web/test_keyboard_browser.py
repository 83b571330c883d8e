"""A clerk's working day at 1366×768 with the keyboard only (issue 16): no mouse click anywhere.

Reuses tests/web/test_browser.py's server, browser and screenshot folder (GONGKAI_SCREENSHOTS or a temporary
folder, printed). Fields are filled and chosen with the keyboard's equivalents (fill, select_option, press);
nothing is clicked.
"""

import re

import pytest
from sqlmodel import Session

from models.enums import Status
from tests.factories import advance, register_case
from tests.web.conftest import DAY
from tests.web.test_browser import Role, browser, screenshots, server  # noqa: F401 (the shared fixtures)

pytestmark = pytest.mark.slow


def _focused(page) -> str:
    return page.evaluate("() => document.activeElement.id || document.activeElement.textContent.trim()")


def _tab_to(page, text: str, limit: int = 12) -> None:
    """Tab forward until the focused element reads `text` (a button or link), as a keyboard user does."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if _focused(page) == text:
            return
    raise AssertionError(f"{text!r} not reached by Tab (focus on {_focused(page)!r})")


def test_a_clerks_day_by_keyboard_only(server, browser, screenshots, desk, calendar):  # noqa: F811
    shots: list[str] = []
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
