"""End to end in Debian's Chromium (Playwright for Python): one case through every role's pages.

The server runs in this process on a free loopback port, on the test's own database and a fixed clock.
Screenshots go to the folder GONGKAI_SCREENSHOTS names, for a reviewer to look at, else to the test's temporary
folder; the test prints where.
"""

import os
import re
import socket
import threading
import time
from pathlib import Path

import pytest

from models.demo import DEMO_PASSWORD
from tests.factories import SMALL_PDF
from tests.web.conftest import DAY

pytestmark = pytest.mark.slow
CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(desk):
    import uvicorn

    port = _free_port()
    config = uvicorn.Config(desk, host="127.0.0.1", port=port, log_level="warning")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    for _ in range(100):
        if srv.started:
            break
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def browser():
    if not CHROMIUM.exists():
        pytest.fail("Chromium missing: run scripts/setup --test (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield b
        b.close()


class Role:
    """One person at one screen: their own browser context (cookies), 1366×768."""

    def __init__(self, browser, base, username, shots, folder):
        self.folder = folder
        self.context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
        self.page = self.context.new_page()
        self.base, self.shots, self.username = base, shots, username
        self.page.goto(base + "/login")
        self.page.get_by_label("用户名").fill(username)
        self.page.get_by_label("密码").fill(DEMO_PASSWORD)
        self.page.get_by_label("密码").press("Enter")  # keyboard only
        self.page.wait_for_load_state()
        assert "欢迎使用" in self.page.content()

    def go(self, path):
        self.page.goto(self.base + path)
        return self.page

    def shot(self, name, full=True):
        self.shots.append(name)
        self.page.screenshot(path=str(self.folder / f"{len(self.shots):02d}-{name}.png"), full_page=full)

    def act(self, number, summary, fields=None, button=None, files=None):
        """Open the action's disclosure, fill its fields by label, choose its files (label → [(name, bytes)]), submit."""
        page = self.go(f"/cases/{number}")
        box = page.locator("details.action", has=page.locator("summary", has_text=summary)).first
        if box.get_attribute("open") is None:
            box.locator("summary").click()
        for label, value in (fields or {}).items():
            field = box.get_by_label(label, exact=False)
            if field.evaluate("e => e.tagName") == "SELECT":
                field.select_option(label=value)
            else:
                field.fill(value)
        for label, chosen in (files or {}).items():
            box.get_by_label(label, exact=False).set_input_files(
                [{"name": name, "mimeType": "application/pdf", "buffer": content} for name, content in chosen])
        with page.expect_navigation():  # the POST and its redirect, not the page already loaded
            box.get_by_role("button", name=button or summary).click()
        page.wait_for_load_state()
        return page


@pytest.fixture
def screenshots(tmp_path, capsys):
    """GONGKAI_SCREENSHOTS (a reviewer's folder, emptied of old shots) or the test's temporary folder."""
    folder = Path(os.environ.get("GONGKAI_SCREENSHOTS") or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.png"):
        old.unlink()
    with capsys.disabled():
        print(f"\nscreenshots: {folder}")
    return folder


def test_one_case_through_the_desk_in_chromium(server, browser, screenshots):
    shots: list[str] = []
    clerk, dept, counsel, head, supervisor = (Role(browser, server, u, shots, screenshots)
                                              for u in ("clerk", "dept_ziran", "counsel", "head", "supervisor"))

    def dashboard_shows(label, name):
        page = supervisor.go("/dashboard")
        assert page.locator("#by-stage").get_by_text(label).count() >= 1, label
        supervisor.shot(f"dashboard-{name}")

    # clerk registers (one inline error first, then fixed)
    page = clerk.go("/register")
    page.get_by_label("提交方式").select_option(label="当面提交")
    page.get_by_label("姓名或名称").fill("张三")
    page.get_by_label("证件号码", exact=True).fill("110105194912310021")
    page.get_by_label("联系电话").fill("13800138000")
    page.get_by_label("申请公开的政府信息").fill("请公开本区2025年财政预算执行情况报告")
    page.get_by_role("button", name="登记").click()
    page.wait_for_load_state()
    assert page.locator("#err-id_number").is_visible()
    clerk.shot("register-inline-error")
    page.get_by_label("证件号码", exact=True).fill("11010519491231002X")
    page.get_by_role("button", name="登记").click()
    page.wait_for_load_state()
    number = re.search(r"申请编号 (\d{4}-\d{6})", page.content()).group(1)
    clerk.shot("case-registered")
    dashboard_shows("已登记", "registered")

    clerk.act(number, "交办承办单位", {"承办单位": "区自然资源局"})
    dashboard_shows("已交办承办单位", "routed")

    page = dept.go("/inbox")
    assert number in page.content()
    dept.shot("department-inbox")
    dept.act(number, "签收")
    dept.act(number, "提交书面答复意见", {"书面答复意见": "该文件系我局内部研究过程稿，尚未定稿。"},
             files={"附件": [("过程稿说明.pdf", SMALL_PDF)]})
    dashboard_shows("拟稿中", "drafting")
    page = clerk.go(f"/cases/{number}")
    assert page.get_by_role("link", name="过程稿说明.pdf").count() == 1  # the department's file, listed on the case

    # clerk drafts with a wrong ground: the citation check catches it inline
    page = clerk.go(f"/cases/{number}/draft")
    page.get_by_label("处理结果", exact=True).select_option(label="不予公开（属于过程性信息）")
    page.get_by_label("第三十六条第（三）项").check()
    page.get_by_label("第十六条第一款").check()
    page.get_by_label("理由（查明的事实和理由").fill("该文件属于内部研究过程稿。")
    page.get_by_role("button", name="提交法律审核").click()
    page.wait_for_load_state()
    findings = page.locator(".findings")
    assert findings.is_visible() and "第十六条第二款" in findings.inner_text()
    clerk.shot("draft-citation-check")
    page.get_by_label("第十六条第一款").uncheck()
    page.get_by_label("第十六条第二款").check()
    page.get_by_role("button", name="校验法律依据").click()  # htmx partial update
    page.locator(".findings.ok").wait_for()
    page.get_by_role("button", name="提交法律审核").click()
    page.wait_for_load_state()
    assert "提交法律审核" in page.content() and "法律审核中" in page.content()
    dashboard_shows("法律审核中", "review")

    page = counsel.go("/review")
    assert number in page.content()
    counsel.shot("counsel-queue")
    counsel.act(number, "退回修改", {"审核意见（退回理由）": "请写明该过程稿形成的时间和用途。"})
    dashboard_shows("退回修改", "returned")

    page = clerk.go(f"/cases/{number}/draft")
    assert "请写明该过程稿形成的时间和用途" in page.content()
    page.get_by_label("理由（查明的事实和理由").fill("该文件系2025年12月形成的内部研究过程稿，用于局务会讨论，尚未定稿。")
    page.get_by_role("button", name="提交法律审核").click()
    page.wait_for_load_state()

    page = counsel.go(f"/cases/{number}")
    assert page.locator(".diff .add").count() >= 1
    counsel.shot("counsel-diff")
    counsel.act(number, "审核通过")
    dashboard_shows("审核通过待签发", "approved")

    head.act(number, "签发答复")  # the office head signs after counsel (会签办结制度), not the clerk
    page = clerk.go(f"/cases/{number}")
    assert page.get_by_role("link", name=re.compile("^政府信息公开申请答复书 第1版")).count() == 1
    clerk.act(number, "寄送答复", {"送达方式": "邮寄", "邮件号码": "EMS123456789"})
    clerk.act(number, "登记送达", {"送达凭证": "邮件签收记录"})  # the delivery's automatic steps archive the case
    page = clerk.go(f"/cases/{number}")
    assert "已归档" in page.locator("#case-status").inner_text()
    clerk.shot("case-archived")
    page = supervisor.go("/dashboard")
    assert "暂无在办申请" in page.content()

    # 200 % zoom: the layout reflows instead of scrolling sideways
    clerk.page.set_viewport_size({"width": 683, "height": 384})  # 1366×768 at 200 %
    page = clerk.go(f"/cases/{number}")
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1, f"horizontal scroll of {overflow}px at 200 % zoom"
    clerk.shot("case-at-200-percent", full=False)
    # keyboard: the skip link is the first tab stop
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "跳到正文"
