"""Drafting through the action: other laws' articles entered and checked, items answered one by one, no reply
for a withdrawal, the remedy of the reply's own date."""

from datetime import date

import pytest
from sqlmodel import select

from models import actions as A
from models.citation_check import CitationCheckFailed, Rule
from models.enums import DeliveryMethod, Status
from models.errors import ValidationFailed
from models.laws import parse_citation
from models.outcomes import Citation, Outcome
from models.queries import application_by_number
from models.tables import Agency
from notices.from_case import reply as reply_context
from notices.render import DocumentKind, render_text
from tests.factories import advance, ctx, register_case

DAY = date(2026, 3, 4)
STATISTICS_28 = parse_citation("统计法:28")


def drafting(session, calendar) -> str:
    number = register_case(session, calendar, date(2026, 3, 2))
    advance(session, calendar, number, Status.drafting, day=DAY)
    return number


def submit(session, calendar, number, draft):
    return A.submit_for_review(ctx(session, calendar, "clerk", DAY), number, draft=draft)


def reply_text(session, number, on=DAY) -> str:
    app = application_by_number(session, number)
    decision = A.latest_decision(session, app)
    return render_text(DocumentKind.reply, reply_context(session, app, decision, doc_number="示政公开〔2026〕1号", on=on))


def test_law_prohibits_is_drafted_with_the_law_and_article_entered(session, calendar):
    number = drafting(session, calendar)
    draft = A.DraftIn(outcome=Outcome.law_prohibits, reasons="该信息为统计调查中获得的能够识别单个调查对象身份的资料。",
                      law_citations=[STATISTICS_28])
    assert submit(session, calendar, number, draft).status == Status.legal_review
    decision = A.latest_decision(session, application_by_number(session, number))
    assert [Citation(**c) for c in decision.citations] == [Citation(36, item=3), Citation(14), STATISTICS_28]
    assert "属于《中华人民共和国统计法》第二十八条禁止公开的政府信息" in reply_text(session, number)


def test_a_law_s_article_that_does_not_exist_is_refused(session, calendar):
    number = drafting(session, calendar)
    draft = A.DraftIn(outcome=Outcome.law_prohibits, reasons="理由。",
                      law_citations=[Citation(99, law="《中华人民共和国统计法》")])
    with pytest.raises(CitationCheckFailed) as exc:
        submit(session, calendar, number, draft)
    assert [f.rule for f in exc.value.findings] == [Rule.law_in_force]
    assert application_by_number(session, number).status == Status.drafting


def test_law_prohibits_without_the_law_is_refused(session, calendar):
    number = drafting(session, calendar)
    with pytest.raises(CitationCheckFailed) as exc:
        submit(session, calendar, number, A.DraftIn(outcome=Outcome.law_prohibits, reasons="理由。"))
    assert Rule.law_named in {f.rule for f in exc.value.findings}


def test_a_withdrawal_cannot_be_drafted_as_a_reply(session, calendar):
    number = drafting(session, calendar)
    with pytest.raises(CitationCheckFailed) as exc:
        submit(session, calendar, number, A.DraftIn(outcome=Outcome.withdrawn, reasons="书面撤回。"))
    assert [f.rule for f in exc.value.findings] == [Rule.not_a_reply]


TWO_ITEMS = [
    {"part": "2025年征收补偿方案", "outcome": Outcome.disclosed, "body": "随本答复书提供"},
    {"part": "2018年房屋调查登记表", "outcome": Outcome.not_held,
     "reasons": "经本机关在档案系统以“调查登记表”为关键词检索，未检索到该信息。"},
]


def test_several_items_are_stored_each_with_its_own_basis_and_answered_one_by_one(session, calendar):
    number = drafting(session, calendar)
    done = submit(session, calendar, number, A.DraftIn(outcome=Outcome.disclosed, item_outcomes=TWO_ITEMS))
    assert "逐项答复2项，年度报告按“予以公开”统计" in done.message
    decision = A.latest_decision(session, application_by_number(session, number))
    assert [i["citations"] for i in decision.item_outcomes] == [
        [{"article": 36, "paragraph": None, "item": 2, "law": Citation(36).law}],
        [{"article": 36, "paragraph": None, "item": 4, "law": Citation(36).law}],
    ]
    assert A.item_outcome_values(decision) == [Outcome.disclosed, Outcome.not_held]
    text = reply_text(session, number).replace("\n", "")
    assert "（二）关于“2018年房屋调查登记表”" in text and "第三十六条第（四）项的规定，告知您该政府信息不存在" in text


def test_items_follow_the_agency_precedence_into_the_statistics_row(session, calendar):
    number = drafting(session, calendar)
    agency = session.exec(select(Agency)).first()
    agency.outcome_precedence = "partial,withhold,unable,disclose,not_processed,other"
    session.add(agency)
    session.commit()
    submit(session, calendar, number, A.DraftIn(outcome=Outcome.disclosed, item_outcomes=TWO_ITEMS))
    assert A.latest_decision(session, application_by_number(session, number)).outcome == Outcome.not_held
    A.approve_draft(ctx(session, calendar, "gov_counsel", DAY), number)
    A.issue_reply(ctx(session, calendar, "head", DAY), number, render=lambda no, d: no.encode())
    A.dispatch(ctx(session, calendar, "clerk", DAY), number, method=DeliveryMethod.post, dispatched_on=DAY,
               tracking_no="EMS1")
    assert application_by_number(session, number).outcome == Outcome.not_held


def test_an_item_given_as_a_bare_outcome_is_refused(session, calendar):
    number = drafting(session, calendar)
    with pytest.raises(ValidationFailed) as exc:
        submit(session, calendar, number, A.DraftIn(outcome=Outcome.disclosed,
                                                    item_outcomes=[Outcome.not_held, Outcome.disclosed]))
    assert "须写明所申请的内容、处理结果和理由" in exc.value.message_zh


def test_an_item_without_its_reasons_is_refused_naming_the_item(session, calendar):
    number = drafting(session, calendar)
    items = [TWO_ITEMS[0], {**TWO_ITEMS[1], "reasons": ""}]
    with pytest.raises(CitationCheckFailed) as exc:
        submit(session, calendar, number, A.DraftIn(outcome=Outcome.disclosed, item_outcomes=items))
    assert "第2项“2018年房屋调查登记表”：处理结果“经检索，所申请公开的政府信息不存在”须写明检索范围和方式" in exc.value.message_zh


def test_a_reply_dated_before_2024_carries_the_remedy_of_the_old_law(session, calendar):
    number = drafting(session, calendar)
    submit(session, calendar, number, A.DraftIn(outcome=Outcome.process_info, reasons="该文件为讨论稿。"))
    assert "第二十三条第一款第（四）项" in reply_text(session, number)
    old = reply_text(session, number, on=date(2023, 12, 29))
    assert "第二十三条" not in old and "或者自收到本答复之日起六个月内" in old
