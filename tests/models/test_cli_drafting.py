"""The CLI drafts with other laws' articles and item by item; `agency add` refuses a court that is not a court."""

from tests.models.test_cli import REGISTER, cli  # noqa: F401  (the fixture)


def _drafting(cli) -> str:  # noqa: F811
    cli(*REGISTER)
    cli("route", "2026-000001", "--department", "区自然资源局")
    cli("accept", "2026-000001", "-u", "dept_ziran")
    cli("opinion", "2026-000001", "--text", "该信息由我局制作。", "-u", "dept_ziran")
    return "2026-000001"


def test_agency_add_refuses_a_bureau_as_court_and_as_reconsideration_body(cli):  # noqa: F811
    refused = cli("agency", "add", "测试机关", "--reconsideration-body", "测试局", "--court", "测试局", ok=False)
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert "管辖法院应为人民法院" in refused.stderr and "「测试局」不是法院" in refused.stderr
    bad_body = cli("agency", "add", "测试区自然资源局", "--reconsideration-body", "测试局", "--court", "测试区人民法院",
                   ok=False)
    assert "不是人民政府" in bad_body.stderr
    ok = cli("agency", "add", "测试区自然资源局", "--reconsideration-body", "测试区人民政府", "--court", "测试区人民法院")
    assert "已添加机关：测试区自然资源局" in ok.stdout


def test_submit_law_prohibits_with_the_law_entered_and_a_missing_article_refused(cli):  # noqa: F811
    number = _drafting(cli)
    base = ("submit", number, "--outcome", "art14_law_prohibits", "--reasons", "该信息为统计调查中能够识别调查对象身份的资料。")
    no_law = cli(*base, ok=False)
    assert "须写明具体法律、行政法规及条款" in no_law.stderr
    art99 = cli(*base, "--law", "统计法:99", ok=False)
    assert "共五十三条，没有第九十九条" in art99.stderr
    unknown = cli(*base, "--law", "某某法:3", ok=False)
    assert "法律法规表中没有「某某法」" in unknown.stderr
    done = cli(*base, "--law", "《中华人民共和国统计法》第二十八条")
    assert "已通过引用检查" in done.stdout


def test_submit_item_by_item(cli):  # noqa: F811
    number = _drafting(cli)
    done = cli("submit", number,
               "--item", "2025年征收补偿方案|art36_2_disclosed||随本答复书提供",
               "--item", "2018年房屋调查登记表|art36_4_not_held|经在档案系统检索，未检索到该信息。")
    assert "逐项答复2项，年度报告按“予以公开”统计" in done.stdout
