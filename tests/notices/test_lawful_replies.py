"""Every reply lawful: its ground, its basis, the law in force on its date, its remedy, each item answered."""

from dataclasses import replace
from datetime import date
from itertools import combinations

import pytest

from models.citation_check import (
    CitationCheckFailed,
    ItemAnswer,
    Remedy,
    Rule,
    WithheldItem,
    check_reply,
    default_citations,
    for_outcome,
    items_citations,
    remedy_for,
    requirements,
)
from models.outcomes import FEE_RULES, ITEM_OUTCOMES, OGI, Citation, Outcome
from notices.render import DocumentKind, render_text
from tests.notices import factories

BODY, COURT = "杭州市西湖区人民政府", "杭州市西湖区人民法院"
REPLY_DAY = date(2025, 3, 28)
STATISTICS_LAW = "《中华人民共和国统计法》"


def rules(draft) -> set[Rule]:
    return {f.rule for f in check_reply(draft)}


# --- 3. Art 36(3) needs its Art 14–16 ground; an administrative query is told where to query ------------------


def test_a_refusal_under_art36_3_without_its_art14_16_ground_is_refused():
    bare = replace(factories.draft(Outcome.state_secret), citations=(Citation(36, item=3),))
    assert Rule.refusal_ground in rules(bare)


def test_an_admin_query_is_not_a_36_3_refusal_and_cites_the_query_service_s_provision():
    spec = Outcome.admin_query.spec
    assert Citation(36, item=3) not in default_citations(Outcome.admin_query)
    assert not spec.reconsideration_first and not spec.exemption
    assert Outcome.admin_query.table3_row == "r3_8_admin_query"  # regulation.md §4.4: （三）8
    old_style = replace(factories.draft(Outcome.admin_query), citations=(Citation(36, item=3),))
    assert {Rule.contradicting_citation, Rule.refusal_ground, Rule.law_named} <= rules(old_style)


def test_an_admin_query_reply_prints_the_channel_the_clerk_typed_and_no_reconsideration_first_clause():
    ctx = factories.reply(Outcome.admin_query)
    text = render_text(DocumentKind.reply, ctx)
    assert factories.ACCESS[Outcome.admin_query] in text
    assert "《中华人民共和国社会保险法》第七十四条第四款" in text
    assert "第三十六条第（三）项" not in text and "第二十三条第一款第（四）项" not in text
    assert "或者自收到本答复之日起六个月内" in text


def test_an_admin_query_without_its_channel_is_refused_before_review():
    assert Rule.access in rules(factories.draft(Outcome.admin_query, access=" "))


# --- 4. every reply cites its specific basis; no reply without one ---------------------------------------------


@pytest.mark.parametrize("outcome", factories.REPLY_OUTCOMES, ids=[o.value for o in factories.REPLY_OUTCOMES])
def test_the_checker_refuses_a_reply_with_no_citation(outcome):
    assert Rule.basis_missing in rules(replace(factories.draft(outcome), citations=()))


def test_confirm_or_reissue_cites_art38_in_the_reply():
    assert default_citations(Outcome.confirm_or_reissue) == (Citation(38),)
    text = render_text(DocumentKind.reply, factories.reply(Outcome.confirm_or_reissue))
    assert "第三十八条的规定，本机关不予处理" in text


def test_other_needs_the_basis_the_clerk_cites_and_prints_it():
    no_basis = for_outcome(Outcome.other, reconsideration_body=BODY, court=COURT, on=REPLY_DAY,
                           reasons=factories.REASONS[Outcome.other])
    assert no_basis.citations == () and Rule.basis_missing in rules(no_basis)
    cited = replace(no_basis, citations=(Citation(41),))
    assert check_reply(cited) == []
    text = render_text(DocumentKind.reply, factories.reply(Outcome.other, draft=cited))
    assert "根据《中华人民共和国政府信息公开条例》第四十一条的规定" in text


def test_a_withdrawal_is_never_a_reply():
    draft = for_outcome(Outcome.withdrawn, reconsideration_body=BODY, court=COURT, on=REPLY_DAY,
                        reasons="您于2025年3月20日书面撤回该申请。")
    assert rules(draft) == {Rule.not_a_reply}
    with pytest.raises(CitationCheckFailed):
        render_text(DocumentKind.reply, factories.reply(Outcome.disclosed, draft=draft))


# --- 8. fee unpaid: 视为放弃 is the fee rules' (国办函〔2020〕109号), not Art 42 alone --------------------------


def test_fee_unpaid_termination_cites_the_fee_rules():
    assert Citation(None, law=FEE_RULES) in Outcome.fee_unpaid.spec.citations
    text = render_text(DocumentKind.termination, factories.reply(Outcome.fee_unpaid))
    assert "第四十二条和《政府信息公开信息处理费管理办法》的规定，视为放弃申请" in text
    art42_alone = replace(factories.draft(Outcome.fee_unpaid), citations=(Citation(42),))
    assert Rule.outcome_citations in rules(art42_alone)


# --- 9. the Art 39(2) publication reply carries no remedy clause (T14) -----------------------------------------


def test_the_publication_reply_carries_no_remedy_clause():
    text = render_text(DocumentKind.reply, factories.reply(Outcome.publication))
    assert "行政复议" not in text and "行政诉讼" not in text
    with_clause = replace(factories.draft(Outcome.publication), remedy=Remedy(BODY, COURT, reconsideration_first=False))
    assert Rule.remedy_present in rules(with_clause)


# --- 10. the remedy clause follows the law in force on the reply date -----------------------------------------


@pytest.mark.parametrize("on, first", [
    (date(2023, 12, 29), False),
    (date(2024, 1, 1), True),
    (date(2025, 3, 28), True),
], ids=["last-working-day-of-the-1999-law", "2023-revision-in-force", "later"])
def test_reconsideration_first_only_from_2024_01_01(on, first):
    draft = factories.draft(Outcome.third_party, on=on,
                            remedy=remedy_for([Outcome.third_party], reconsideration_body=BODY, court=COURT, on=on))
    assert draft.remedy.reconsideration_first is first
    assert check_reply(draft) == []
    text = render_text(DocumentKind.reply, factories.reply(Outcome.third_party, draft=draft))
    assert ("第二十三条第一款第（四）项" in text) is first
    assert ("或者自收到本答复之日起六个月内" in text) is not first


def test_a_reply_dated_before_2024_with_the_reconsideration_first_clause_is_refused():
    old = factories.draft(Outcome.third_party, on=date(2023, 6, 1))  # factory remedy: reconsideration first
    findings = check_reply(old)
    assert [f.rule for f in findings] == [Rule.reconsideration_first]
    assert "2024年1月1日" in findings[0].message_zh


def test_a_reply_before_the_2019_regulation_took_effect_is_refused():
    assert Rule.law_in_force in rules(factories.draft(Outcome.disclosed, on=date(2019, 5, 14)))


@pytest.mark.parametrize("law, article, on, ok", [
    (STATISTICS_LAW, 99, REPLY_DAY, False),
    (STATISTICS_LAW, 53, REPLY_DAY, True),
    (STATISTICS_LAW, 53, date(2024, 9, 12), False),  # the 2009 text had 50 articles
    ("《中华人民共和国保守国家秘密法》", 60, date(2024, 4, 30), False),  # 2010 text: 53 articles
    ("《中华人民共和国保守国家秘密法》", 60, date(2024, 5, 1), True),  # 2024 text: 65 articles
    ("《中华人民共和国个人信息保护法》", 13, date(2021, 10, 31), False),  # not yet in force
    ("《中华人民共和国某某法》", 1, REPLY_DAY, False),  # not in the table
], ids=["statistics-law-art-99", "statistics-law-last-article", "statistics-law-2009-text",
        "secrets-law-before-2024-revision", "secrets-law-after", "pipl-before-in-force", "unknown-law"])
def test_a_cited_law_and_article_must_exist_on_the_reply_date(law, article, on, ok):
    draft = factories.draft(Outcome.law_prohibits, on=on,
                            citations=(Citation(36, item=3), Citation(14), Citation(article, law=law)))
    if on < date(2024, 1, 1):
        draft = replace(draft, remedy=remedy_for([Outcome.law_prohibits], reconsideration_body=BODY, court=COURT,
                                                 on=on))
    assert (Rule.law_in_force not in rules(draft)) is ok
    assert (check_reply(draft) == []) is ok


def test_the_statistics_law_art_99_is_refused_with_the_article_count_in_chinese():
    draft = factories.draft(Outcome.law_prohibits,
                            citations=(Citation(36, item=3), Citation(14), Citation(99, law=STATISTICS_LAW)))
    [finding] = [f for f in check_reply(draft) if f.rule is Rule.law_in_force]
    assert finding.message_zh == "答复日（2025年3月28日）施行的《中华人民共和国统计法》共五十三条，没有第九十九条"


def test_law_prohibits_names_the_law_in_the_ground_clause():
    text = render_text(DocumentKind.reply, factories.reply(Outcome.law_prohibits))
    assert "属于《中华人民共和国统计法》第二十八条禁止公开的政府信息" in text


# --- 13. the citations filled in by default always pass, with what `requirements` asks for -------------------


def _filled(outcome: Outcome, grounds: tuple[Outcome, ...] = ()) -> dict:
    """The inputs `requirements` asks a clerk for, filled the way a clerk would."""
    spec = outcome.spec
    fields = {}
    laws = [Citation(28, law=STATISTICS_LAW)] if spec.law_needed or Outcome.law_prohibits in grounds else []
    if outcome is Outcome.special_law:
        laws = [Citation(27, law="《不动产登记暂行条例》")]
    if outcome is Outcome.admin_query:
        laws = [Citation(74, paragraph=4, law="《中华人民共和国社会保险法》")]
    if outcome is Outcome.other:
        laws = [Citation(41)]
    if spec.reasons_needed:
        fields["reasons"] = "查明的事实和理由。"
    if spec.access_needed:
        fields["access"] = "随本答复书提供。"
    if outcome is Outcome.partial:
        fields["withheld_items"] = tuple(WithheldItem(f"第{n}部分", g, "理由。") for n, g in enumerate(grounds, 1))
    if outcome is Outcome.not_responsible:
        fields |= {"responsible_agency": "某市住房和城乡建设局", "responsible_agency_contact": "0571-87000001"}
    return {"laws": laws, **fields}


EXEMPTIONS = [o for o in Outcome if o.is_withholding_ground]
GROUND_SETS = [(g,) for g in EXEMPTIONS] + list(combinations(EXEMPTIONS, 2))
DEFAULT_CASES = [(o, ()) for o in factories.REPLY_OUTCOMES if o is not Outcome.partial] + [
    (Outcome.partial, gs) for gs in GROUND_SETS
]


@pytest.mark.parametrize("outcome, grounds", DEFAULT_CASES,
                         ids=[f"{o.value}-{'+'.join(g.value for g in gs)}" for o, gs in DEFAULT_CASES])
def test_the_default_citations_of_every_outcome_and_ground_combination_pass(outcome, grounds):
    draft = for_outcome(outcome, reconsideration_body=BODY, court=COURT, on=REPLY_DAY, **_filled(outcome, grounds))
    assert check_reply(draft) == [], requirements(outcome, grounds=grounds, on=REPLY_DAY)


@pytest.mark.parametrize("outcome", factories.REPLY_OUTCOMES, ids=[o.value for o in factories.REPLY_OUTCOMES])
def test_requirements_name_every_input_the_check_asks_for(outcome):
    """Leave out each input requirements() asked for: the check then refuses, so the desk showed it in advance."""
    grounds = (Outcome.third_party, Outcome.law_prohibits) if outcome is Outcome.partial else ()
    needs = " ".join(requirements(outcome, grounds=grounds, on=REPLY_DAY))
    filled = _filled(outcome, grounds)
    for name, empty in [("reasons", ""), ("access", ""), ("laws", []), ("withheld_items", ()),
                        ("responsible_agency", None)]:
        if name not in filled or not filled[name]:
            continue
        draft = for_outcome(outcome, reconsideration_body=BODY, court=COURT, on=REPLY_DAY, **{**filled, name: empty})
        assert check_reply(draft), f"{name} was not needed"
        label = {"reasons": "理由", "access": "答复内容", "laws": "须", "withheld_items": "不予公开的内容",
                 "responsible_agency": "负责公开"}[name]
        assert label in needs


def test_partial_with_a_third_party_ground_passes_with_its_defaults_at_the_first_attempt():
    """The desk's 15 + 36(3) + 37 took three rounds: the defaults now include each ground's exemption."""
    citations = default_citations(Outcome.partial, grounds=[Outcome.third_party])
    assert citations == (Citation(37), Citation(15))
    needs = requirements(Outcome.partial, grounds=[Outcome.third_party])
    assert any("第三十七条" in line and "第十五条" in line for line in needs)


# --- 14. several items, one reply: each item answered with its own basis -------------------------------------


def _item(part, outcome, **fields) -> ItemAnswer:
    return ItemAnswer(part=part, outcome=outcome, citations=default_citations(outcome), **fields)


ITEMS = (
    _item("2024年度资金安排表", Outcome.disclosed, access="随本答复书以电子邮件方式向您提供"),
    _item("2019年立项批复", Outcome.not_held,
          reasons="经本机关在公文管理系统以“立项批复”为关键词检索，未检索到该信息。"),
)


def _items_draft(items=ITEMS, outcome=Outcome.disclosed, **overrides):
    draft = replace(factories.draft(Outcome.disclosed), items=items, outcome=outcome, access="", reasons="",
                    citations=items_citations(outcome, items), table3_row=outcome.table3_row,
                    remedy=remedy_for([i.outcome for i in items], reconsideration_body=BODY, court=COURT, on=REPLY_DAY))
    return replace(draft, **overrides)


def test_a_reply_with_several_items_answers_each_with_its_own_basis():
    draft = _items_draft()
    assert check_reply(draft) == []
    text = render_text(DocumentKind.reply, factories.reply(Outcome.disclosed, draft=draft, access=None))
    assert "您的申请包含两项内容，本机关逐项答复如下" in text
    assert "（一）关于“2024年度资金安排表”" in text and "（二）关于“2019年立项批复”" in text
    assert "第三十六条第（二）项的规定，本机关决定予以公开" in text.replace("\n", "")
    assert "第三十六条第（四）项的规定，告知您该政府信息不存在" in text.replace("\n", "")


def test_an_item_without_its_basis_or_its_reasons_is_refused_with_the_item_named():
    bare = replace(ITEMS[1], citations=(), reasons="")
    findings = check_reply(_items_draft(items=(ITEMS[0], bare)))
    assert {Rule.basis_missing, Rule.reasons} <= {f.rule for f in findings}
    assert all("第2项“2019年立项批复”" in f.message_zh for f in findings if f.rule in (Rule.basis_missing, Rule.reasons))


def test_the_reply_cites_every_item_s_basis_and_no_other():
    missing_36_4 = _items_draft(citations=(Citation(36, item=2),))
    assert Rule.outcome_citations in rules(missing_36_4)
    extra = _items_draft(citations=items_citations(Outcome.disclosed, ITEMS) + (Citation(38),))
    assert Rule.contradicting_citation in rules(extra)


def test_disclosed_and_withheld_items_make_a_partial_reply_with_both_remedies():
    items = (ITEMS[0], _item("中标企业报价明细", Outcome.third_party, reasons="属于该企业的商业秘密，该企业不同意公开。"))
    draft = _items_draft(items=items, outcome=Outcome.partial)
    assert draft.remedy.reconsideration_first and draft.remedy.other_parts
    assert Citation(37) in draft.citations and check_reply(draft) == []
    text = render_text(DocumentKind.reply, factories.reply(Outcome.partial, draft=draft, access=None))
    assert "第二十三条第一款第（四）项" in text and "如对本答复中其他事项不服" in text
    assert Rule.items in rules(replace(draft, outcome=Outcome.disclosed, table3_row="r1_disclosed"))


def test_items_need_two_and_item_outcomes_answer_a_piece_of_information():
    assert Rule.items in rules(_items_draft(items=ITEMS[:1]))
    assert Outcome.partial not in ITEM_OUTCOMES and Outcome.withdrawn not in ITEM_OUTCOMES
    whole = _item("全部", Outcome.unreasonable_volume, reasons="理由不合理。")
    assert Rule.items in rules(_items_draft(items=(ITEMS[0], whole)))


def test_ogi_is_cited_by_the_regulation_s_full_title():
    assert OGI == "《中华人民共和国政府信息公开条例》"
