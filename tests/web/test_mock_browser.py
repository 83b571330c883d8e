"""The issue's browser test for mock applications (模拟暗访), in Chromium: the supervisor drafts and sends a test, the
office routes it, the department answers it like any case, the reply is signed, the supervisor grades it, the grade
is in the monthly check and the audit report, and table 三 is unchanged throughout."""

import re

import pytest
from sqlmodel import Session

from models import actions as A
from models.outcomes import Outcome
from tests.factories import ctx
from tests.mock_factories import MOCK_ID
from tests.web.conftest import DAY
from tests.web.test_browser import Role, browser, screenshots, server  # noqa: F401  (the browser fixtures)

pytestmark = pytest.mark.slow


def table3(role) -> str:
    page = role.go("/dashboard/table3")
    return page.locator("section[aria-labelledby=h-t3] table").inner_text()


def test_a_mock_application_is_answered_like_any_case_and_graded(  # noqa: F811
        server, browser, screenshots, engine, calendar):
    shots: list[str] = []
    supervisor, clerk, dept, counsel, head = (Role(browser, server, u, shots, screenshots)
                                              for u in ("supervisor", "clerk", "dept_ziran", "counsel", "head"))
    before = table3(supervisor)

    page = supervisor.go("/mock")
    page.get_by_label("轮次").fill("2026年第一轮")
    page.get_by_label("被测单位").select_option(label="区自然资源局")
    page.get_by_label("预期处理结果").select_option(label=Outcome.disclosed.label)
    page.get_by_label("申请内容").fill("请公开本区2025年国有建设用地供应计划")
    page.get_by_label("答复应包含的要点（每行一个）").fill("供应计划\n规划条件说明")
    page.get_by_label("申请人姓名或名称").fill("李明")
    page.get_by_label("证件号码").fill(MOCK_ID)
    page.get_by_label("联系电话").fill("13900139000")
    supervisor.shot("mock-draft")
    with page.expect_navigation():
        page.get_by_role("button", name="保存模拟申请").click()
    with page.expect_navigation():
        page.get_by_role("button", name="发出模拟申请").click()
    page.wait_for_load_state()
    mock_url = page.url
    number = page.locator("#mock-number").inner_text()
    assert re.fullmatch(r"2026-\d{6}", number)
    supervisor.shot("mock-sent")

    # the office's clerk confirms receipt and routes it like any online application; the department answers it
    page = clerk.go("/worklist")
    assert number in page.content()
    clerk.act(number, "确认收到网上申请", {"确认情况": "平台确认"})
    clerk.act(number, "交办承办单位", {"承办单位": "区自然资源局"})
    page = dept.go("/inbox")
    assert number in page.content()
    dept.shot("department-inbox")
    page = dept.go(f"/cases/{number}")
    assert "模拟" not in page.content() and "暗访" not in page.content()
    dept.act(number, "签收")
    dept.act(number, "提交书面答复意见", {"书面答复意见": "该供应计划由我局制作，可以公开。"})
    dept.shot("department-answered")

    # the office drafts the reply from the opinion (in process), counsel signs it off, the head signs it (签发)
    with Session(engine, expire_on_commit=False) as s:
        A.submit_for_review(ctx(s, calendar, "clerk", DAY), number,
                            draft=A.DraftIn(outcome=Outcome.disclosed, body="供应计划见附件，可登录平台下载。"))
    counsel.act(number, "审核通过")
    head.act(number, "签发答复")

    page = supervisor.page
    page.goto(mock_url)
    assert "答复中有原文，计100分" in page.content()
    page.get_by_label("得分（0至100）").fill("60")
    with page.expect_navigation():
        page.get_by_role("button", name="评分").click()
    page.wait_for_load_state()
    assert "总分：96.0" in page.locator("#grade-total").inner_text()
    supervisor.shot("mock-graded")

    # the grade in the month's check (月检查), where the test case itself is not counted, and in the audit report
    page = supervisor.go("/periodic?kind=month&period=2026-03")
    headings = page.locator("#periodic-figures thead th").all_inner_texts()
    row = page.locator("#periodic-figures tbody tr", has=page.locator("th", has_text="区自然资源局"))
    cells = dict(zip(headings, row.locator("th, td").all_inner_texts()))
    assert (cells["暗访成绩"], cells["交办件数"], cells["已答复"]) == ("96.0", "0", "0")
    assert cells["综合得分"] == f"{0.7 * 100 + 0.3 * 96.0:.1f}"
    supervisor.shot("monthly-check")
    page = supervisor.go("/mock/report")
    row = page.locator("#mock-departments tr", has_text="区自然资源局")
    assert row.locator("td.average").inner_text() == "96.0"
    supervisor.shot("mock-report")
    assert table3(supervisor) == before  # the test application is in no count of table 三
