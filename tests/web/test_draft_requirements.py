"""The desk's draft page: what the check requires is shown before submit; other laws and items can be drafted."""

import re

from models.outcomes import Outcome
from tests.web.test_flow import act, register


def drafting(login) -> tuple:
    clerk, dept = login("clerk"), login("dept_ziran")
    number = register(clerk)
    act(clerk, number, "route", {"department": "区自然资源局"})
    act(dept, number, "accept_assignment")
    act(dept, number, "submit_opinion", {"opinion": "该信息由我局制作。"})
    return clerk, number


def plain(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_draft_page_shows_what_the_check_requires_for_the_chosen_outcome(login):
    clerk, number = drafting(login)
    page = plain(clerk.get(f"/cases/{number}/draft").text)
    assert "提交前须满足" in page and "须填写答复内容：提供方式" in page  # the default outcome: 予以公开
    check = plain(clerk.post(f"/cases/{number}/draft/check", {"outcome": "art37_partial", "w1_part": "报价明细",
                                                             "w1_ground": "art15_third_party"}).text)
    assert "自动引用：《中华人民共和国政府信息公开条例》第三十七条、《中华人民共和国政府信息公开条例》第十五条" in check
    assert "应当先申请行政复议" in check and "须填写理由：不予公开的理由" in check
    withdrawn = [o for o in re.findall(r'<option value="([^"]+)"', clerk.get(f"/cases/{number}/draft").text)]
    assert Outcome.withdrawn.value not in withdrawn


def test_partial_with_a_third_party_ground_passes_at_the_first_submit_without_ticking_articles(login):
    clerk, number = drafting(login)
    form = {"outcome": "art37_partial", "reasons": "已书面征求第三方意见，其不同意公开。", "body": "随本答复书提供",
            "w1_part": "中标企业报价明细", "w1_ground": "art15_third_party", "w1_reason": "属于该企业的商业秘密。"}
    assert "校验通过" in clerk.post(f"/cases/{number}/draft/check", form).text
    assert clerk.post(f"/cases/{number}/draft", form).status_code == 303


def test_law_prohibits_is_drafted_on_the_desk_with_the_law_and_article(login):
    clerk, number = drafting(login)
    form = {"outcome": "art14_law_prohibits", "reasons": "该信息为统计调查中能够识别调查对象身份的资料。"}
    missing = plain(clerk.post(f"/cases/{number}/draft", form).text)
    assert "须写明具体法律、行政法规及条款" in missing
    wrong = plain(clerk.post(f"/cases/{number}/draft", form | {"law_citations": "统计法:99"}).text)
    assert "共五十三条，没有第九十九条" in wrong
    unknown = plain(clerk.post(f"/cases/{number}/draft/check", form | {"law_citations": "某某法:3"}).text)
    assert "法律法规表中没有「某某法:3」" not in unknown and "法律法规表中没有" in unknown
    r = clerk.post(f"/cases/{number}/draft", form | {"law_citations": "《中华人民共和国统计法》第二十八条"})
    assert r.status_code == 303, plain(r.text)[-800:]
    act(login("counsel"), number, "return_draft", {"comments": "请补充该资料的形成时间。"})
    again = clerk.get(f"/cases/{number}/draft").text
    assert "《中华人民共和国统计法》第二十八条" in again  # kept on the form for the next version


def test_several_items_are_drafted_on_the_desk_and_the_preview_answers_each(login):
    clerk, number = drafting(login)
    form = {"outcome": "art36_2_disclosed",
            "i1_part": "2025年征收补偿方案", "i1_outcome": "art36_2_disclosed", "i1_body": "随本答复书提供",
            "i2_part": "2018年房屋调查登记表", "i2_outcome": "art36_4_not_held",
            "i2_reasons": "经在档案系统检索，未检索到该信息。"}
    needs = plain(clerk.post(f"/cases/{number}/draft/check", form).text)
    assert "逐项答复" in needs and "第2项（经检索，所申请公开的政府信息不存在）：须填写理由：检索范围和方式" in needs
    r = clerk.post(f"/cases/{number}/draft", form)
    assert r.status_code == 303, plain(r.text)[-800:]
    assert "逐项答复第2项：2018年房屋调查登记表" in plain(clerk.get(f"/cases/{number}").text)
    preview = plain(clerk.get(f"/cases/{number}/reply-preview").text)
    assert "关于“2018年房屋调查登记表”" in preview and "告知您该政府信息不存在" in preview
    assert "第三十六条第（二）项" in preview and "第三十六条第（四）项" in preview
    act(login("counsel"), number, "return_draft", {"comments": "请核对第一项的提供方式。"})
    kept = clerk.get(f"/cases/{number}/draft").text
    assert 'value="2018年房屋调查登记表"' in kept
