"""Issue 19's browser test in Chromium: an applicant applies online with an ID image, the clerk confirms receipt, the
case runs to a reply served electronically, and the applicant downloads it with the query code.

The server, the browser and the screenshots folder are tests/web/test_browser.py's fixtures (the server on a free
loopback port in this process, on the test's own database and fixed clock).
"""


import pytest
from sqlmodel import Session

from models.enums import Status
from tests.factories import advance
from tests.web.conftest import DAY
from tests.web.test_browser import Role, browser, screenshots, server  # noqa: F401  (the shared fixtures)
from tests.web.test_portal import JPEG, solve

pytestmark = pytest.mark.slow


def test_an_applicant_applies_online_and_downloads_the_reply_served_electronically(server, browser, screenshots,  # noqa: F811
                                                                                   engine, calendar):
    shots: list[str] = []
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN", accept_downloads=True)
    applicant = context.new_page()

    # the applicant applies: one mistake first (a wrong check digit), every field kept, then fixed
    applicant.goto(server + "/portal/apply")
    applicant.get_by_label("姓名或组织名称").fill("张三")
    applicant.get_by_label("证件号码").fill("110105194912310021")
    applicant.get_by_label("联系电话").fill("13800138000")
    applicant.get_by_label("所需政府信息的名称").fill("请公开本区2025年财政预算执行情况报告")
    applicant.get_by_label("获取信息的方式").select_option(label="网上平台下载（须同意电子送达）")
    applicant.get_by_label("我同意受理机关以电子方式向我送达").check()
    applicant.get_by_label("身份证明文件").set_input_files(
        [{"name": "身份证.jpg", "mimeType": "image/jpeg", "buffer": JPEG}])
    applicant.get_by_label("请回答").fill(solve(applicant.content())["challenge_answer"])
    applicant.get_by_role("button", name="提交申请").click()
    applicant.wait_for_load_state()
    assert applicant.locator("#id_number-error").is_visible()
    assert applicant.get_by_label("姓名或组织名称").input_value() == "张三"
    applicant.screenshot(path=str(screenshots / "portal-01-form-errors.png"), full_page=True)
    applicant.get_by_label("证件号码").fill("11010519491231002X")
    applicant.get_by_label("身份证明文件").set_input_files(  # a browser never keeps a chosen file
        [{"name": "身份证.jpg", "mimeType": "image/jpeg", "buffer": JPEG}])
    applicant.get_by_label("请回答").fill(solve(applicant.content())["challenge_answer"])
    applicant.get_by_role("button", name="提交申请").click()
    applicant.wait_for_load_state()
    number = applicant.locator("#receipt-number").inner_text()
    code = applicant.locator("#receipt-code").inner_text()
    assert "以双方确认之日为收到申请之日" in applicant.locator("#receipt").inner_text()
    applicant.screenshot(path=str(screenshots / "portal-02-receipt.png"), full_page=True)

    # the clerk sees it waiting, with the ID image, and confirms receipt: the clock starts today
    clerk = Role(browser, server, "clerk", shots, screenshots)
    page = clerk.go("/worklist")
    assert number in page.content() and "待确认" in page.content()
    page = clerk.go(f"/cases/{number}")
    assert page.get_by_role("link", name="身份证.jpg").count() == 1
    clerk.act(number, "确认收到网上申请", {"确认情况": "电话联系申请人确认"})
    page = clerk.go(f"/cases/{number}")
    assert "待确认" not in page.locator("#case-status").inner_text()
    clerk.shot("portal-03-confirmed")

    # the office handles it (departments, counsel: the happy path's domain steps), the head signs in the desk and
    # the clerk serves the reply through the platform
    with Session(engine, expire_on_commit=False) as s:
        advance(s, calendar, number, Status.approved, DAY)
    head = Role(browser, server, "head", shots, screenshots)
    head.act(number, "签发答复")
    clerk.act(number, "寄送答复", {"送达方式": "网上平台"})

    # the applicant follows the case with the query code and downloads the reply
    applicant.goto(server + "/portal/follow")
    applicant.get_by_label("申请编号").fill(number)
    applicant.get_by_label("查询码").fill(code)
    applicant.get_by_role("button", name="查询").click()
    applicant.wait_for_load_state()
    assert applicant.locator("#stage").inner_text() == "已答复"
    row = applicant.locator("#documents tr", has_text="政府信息公开申请答复书")
    assert row.count() == 1 and "2026年3月2日" in row.inner_text()
    applicant.screenshot(path=str(screenshots / "portal-04-follow.png"), full_page=True)
    with applicant.expect_download() as download:
        row.get_by_role("button").click()
    content = open(download.value.path(), "rb").read()
    assert content.startswith(b"%PDF") and download.value.suggested_filename.endswith(".pdf")
    context.close()
