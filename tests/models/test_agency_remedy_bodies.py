"""`agency add`: the court is a court and the reconsideration body is the one the law gives the agency's level."""

import pytest
from sqlmodel import select

from models.admin import add_agency
from models.errors import ValidationFailed
from models.tables import Agency

REFUSED = [
    ("测试机关", "测试局", "测试局", None, "court", "不是法院"),
    ("示范区自然资源局", "测试局", "示范区人民法院", None, "reconsideration_body", "不是人民政府"),
    ("示范区人民政府", "示范市人民政府", "示范区人民法院", None, "court", "中级人民法院"),
    ("示范区人民政府", "示范区人民政府", "示范市中级人民法院", None, "reconsideration_body", "不能作为自己的行政复议机关"),
    ("示范区自然资源局", "示范市自然资源局", "示范区人民法院", None, "reconsideration_body", "本级人民政府"),
    ("示范区税务局", "示范区人民政府", "示范区人民法院", None, "reconsideration_body", "上一级主管部门"),
    ("浙江省人民政府", "国务院", "杭州市中级人民法院", None, "reconsideration_body", "第二十四条第二款"),
    ("示范区住房和城乡建设局", "另一区人民政府", "示范区人民法院", "示范区人民政府", "reconsideration_body",
     "应为「示范区人民政府」"),
]
ACCEPTED = [
    ("示范区人民政府", "示范市人民政府", "示范市中级人民法院", None),
    ("示范区自然资源局", "示范区人民政府", "示范区人民法院", "示范区人民政府"),
    ("示范区自然资源局", "示范区人民政府", "上海铁路运输法院", None),  # cross-region (行政诉讼法 Art 18(2))
    ("示范区税务局", "示范市税务局", "示范区人民法院", None),  # vertical (行政复议法 Art 27)
    ("示范区司法局", "示范市司法局", "示范区人民法院", None),  # Art 28
    ("某镇人民政府", "示范区人民政府", "示范区人民法院", None),  # township: basic court
    ("浙江省人民政府", "浙江省人民政府", "杭州市中级人民法院", None),  # Art 24(2)
    ("示范区档案馆", "", "", None),  # left for later: a reply naming none is refused by the citation check
]


def _parent(session, name):
    if name:
        add_agency(session, name=name, reconsideration_body="示范市人民政府", court="示范市中级人民法院")


@pytest.mark.parametrize("name, body, court, parent, field, words", REFUSED,
                         ids=["test-bureau-as-court", "bureau-as-body", "government-at-basic-court", "own-body",
                              "department-to-its-superior", "vertical-to-government", "province-elsewhere",
                              "not-the-parent"])
def test_agency_add_refuses_a_wrong_court_or_reconsideration_body(session, name, body, court, parent, field, words):
    _parent(session, parent)
    with pytest.raises(ValidationFailed) as exc:
        add_agency(session, name=name, parent=parent, reconsideration_body=body, court=court)
    assert exc.value.field == field and words in exc.value.message_zh
    assert session.exec(select(Agency).where(Agency.name == name)).first() is None


@pytest.mark.parametrize("name, body, court, parent", ACCEPTED,
                         ids=["district-government", "department-with-parent", "railway-transport-court", "tax-bureau",
                              "justice-bureau", "township", "province", "empty-for-later"])
def test_agency_add_accepts_the_bodies_the_law_gives(session, name, body, court, parent):
    _parent(session, parent)
    assert add_agency(session, name=name, parent=parent, reconsideration_body=body, court=court).id
