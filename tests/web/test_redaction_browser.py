"""In Chromium: the clerk marks two regions (one drawn with the mouse, one typed) and one phrase (a one-click
suggestion) on a department's PDF, makes the released version, drafts the partial reply from the log; counsel
reviews the released pages beside the source and signs off; the office head issues the reply."""

import re
from datetime import date

import pytest
from sqlmodel import Session

from models import actions as A
from models.attachments import Upload
from models.enums import Status
from tests import redaction_pdfs as P
from tests.factories import advance, ctx, register_case
from tests.web.conftest import DAY
from tests.web.test_browser import Role, browser, screenshots, server  # noqa: F401  (fixtures)

pytestmark = pytest.mark.slow
STEP = date(2026, 3, 3)


def test_marking_two_regions_and_a_phrase_and_issuing_the_partial_reply(engine, calendar, server, browser, screenshots):  # noqa: F811
    with Session(engine, expire_on_commit=False) as s:
        number = register_case(s, calendar, DAY)
        advance(s, calendar, number, Status.routed, STEP)
        A.submit_opinion(ctx(s, calendar, "dept_ziran", STEP), number, opinion="协议可公开，第三人信息和内部意见应遮盖。",
                         attachments=[Upload("征收补偿协议.pdf", P.text_pdf(2), "application/pdf")])
    shots: list[str] = []
    clerk, counsel, head = (Role(browser, server, u, shots, screenshots) for u in ("clerk", "counsel", "head"))

    page = clerk.go(f"/cases/{number}")
    page.get_by_role("link", name="源文件标注与公开版本").click()
    page.get_by_role("link", name="标注遮盖内容").click()
    page.wait_for_load_state()

    # region 1, drawn with the mouse over the phone line of page 1
    image = page.locator("#page-image")
    image.wait_for()
    box = image.bounding_box()
    scale = box["width"] / P.WIDTH
    x0, y0, x1, y1 = P.line_rect("phone")
    page.mouse.move(box["x"] + x0 * scale, box["y"] + y0 * scale)
    page.mouse.down()
    page.mouse.move(box["x"] + x1 * scale, box["y"] + y1 * scale, steps=5)
    page.mouse.up()
    assert page.locator("#drag-box").is_visible() and float(page.get_by_label("右（点）").input_value()) > 300
    region = page.locator("#region-form")
    region.get_by_label("不予公开的依据").select_option(value="personal_info")
    region.get_by_label("简要理由").fill("第三人的联系电话")
    clerk.shot("redaction-drag-box")
    region.get_by_role("button", name="标注区域").click()
    page.wait_for_load_state()
    assert "已标注第1页的区域" in page.content()

    # region 2, typed (the keyboard way) on page 2
    page.get_by_role("link", name="2", exact=True).first.click()
    page.wait_for_load_state()
    x0, y0, x1, y1 = P.line_rect("internal")
    region = page.locator("#region-form")
    for label, value in (("左（点）", x0), ("上（点）", y0), ("右（点）", x1), ("下（点）", y1)):
        region.get_by_label(label).fill(str(value))
    region.get_by_label("不予公开的依据").select_option(value="process_info")
    region.get_by_label("简要理由").fill("内部讨论意见")
    region.get_by_role("button", name="标注区域").click()
    page.wait_for_load_state()
    assert "已标注第2页的区域" in page.content()

    # the phrase: one click on the suggested ID number
    page.get_by_role("button", name=f"遮盖身份证号 {P.ID_NUMBER}").click()
    page.wait_for_load_state()
    assert f"已标注词句「{P.ID_NUMBER}」" in page.content()
    clerk.shot("redaction-marks")

    page.get_by_role("link", name="← 源文件与公开版本").click()
    page.get_by_role("button", name="生成公开版本").click()
    page.wait_for_load_state()
    logged = page.locator("#withheld-from-log li")
    assert logged.count() == 3
    clerk.shot("redaction-released")

    page = clerk.go(f"/cases/{number}/draft")
    assert page.locator("#logged-items li").count() == 3
    page.get_by_label("处理结果", exact=True).select_option(label="部分公开")
    page.get_by_label("理由（查明的事实和理由").fill("协议中含有第三人的个人信息和内部讨论意见，能够作区分处理。")
    page.get_by_label("答复内容（提供的信息").fill("协议的公开版本随本答复书提供。")
    page.get_by_role("button", name="提交法律审核").click()
    page.wait_for_load_state()
    assert "法律审核中" in page.content(), page.locator(".findings, .error-box").all_inner_texts()

    page = counsel.go(f"/cases/{number}/redaction")
    assert page.locator("figure.compare").count() == 2  # each released page beside its source
    assert page.locator("#marks tbody tr").count() == 3
    counsel.shot("counsel-side-by-side", full=True)
    counsel.act(number, "审核通过")

    head.act(number, "签发答复")
    page = clerk.go(f"/cases/{number}")
    assert page.get_by_role("link", name=re.compile("^政府信息公开申请答复书 第1版")).count() == 1
    preview = clerk.go(f"/cases/{number}/reply-preview").content()
    assert "第十五条" in preview and "第十六条第二款" in preview and "征收补偿协议（公开版本）.pdf》（共2页）" in preview
