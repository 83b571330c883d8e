"""Issue 12: the notices say what the guarded decisions rest on, built from the stored case (notices.from_case)."""

from datetime import date

import pytest
from sqlmodel import select

from models import actions as A
from models.enums import Status
from models.outcomes import Outcome
from models.queries import application_by_number
from models.tables import Document, ReasonRequest
from notices import from_case
from notices.render import DocumentKind, NoticeFieldMissing, render_text
from tests import factories as F
from tests.notices import factories as NF

MON = date(2026, 3, 2)


def app(session, number):
    return application_by_number(session, number)


def test_a_repeat_refusal_names_the_earlier_application_its_reply_and_its_document_number(session, calendar):
    earlier = F.register_case(session, calendar, MON)
    F.advance(session, calendar, earlier, Status.delivered)  # replied 2026-03-04 as 示政公开〔2026〕1号
    later = F.register_case(session, calendar, date(2026, 3, 9))
    F.advance(session, calendar, later, Status.drafting, day=date(2026, 3, 10))
    A.submit_for_review(F.ctx(session, calendar, "clerk", date(2026, 3, 10)), later,
                        draft=A.DraftIn(outcome=Outcome.repeat, repeat_of=earlier))
    decision = A.latest_decision(session, app(session, later))
    kind, ctx = from_case.issued_notice(session, app(session, later), decision, doc_number="示政公开〔2026〕2号",
                                        on=date(2026, 3, 11))
    text = render_text(kind, ctx)
    assert kind is DocumentKind.reply
    assert (f"您于2026年3月2日提出的内容相同的政府信息公开申请（申请编号：{earlier}），"
            "本机关已于2026年3月4日以示政公开〔2026〕1号作出答复") in text.replace("\n", "")
    assert "第三十六条第（六）项" in text


def test_a_repeat_refusal_without_the_earlier_reply_never_renders():
    with pytest.raises(NoticeFieldMissing) as err:
        render_text(DocumentKind.reply, NF.reply(Outcome.repeat, earlier_reply=None))
    assert "此前已作出答复的申请" in err.value.message_zh


def test_an_unreasonable_volume_refusal_says_when_reasons_were_asked_and_what_came_back(session, calendar):
    number = F.register_case(session, calendar, MON)
    A.request_reasons(F.ctx(session, calendar, "clerk", MON), number)
    A.record_reasons(F.ctx(session, calendar, "clerk", date(2026, 3, 5)), number, answered_on=date(2026, 3, 5),
                     reasons="为撰写论文需要。")
    A.start_drafting(F.ctx(session, calendar, "clerk", date(2026, 3, 5)), number)
    A.submit_for_review(F.ctx(session, calendar, "clerk", date(2026, 3, 5)), number,
                        draft=A.DraftIn(outcome=Outcome.unreasonable_volume))
    decision = A.latest_decision(session, app(session, number))
    text = render_text(*from_case.issued_notice(session, app(session, number), decision, doc_number="X〔2026〕3号",
                                                on=date(2026, 3, 6))).replace("\n", "")
    assert "本机关已于2026年3月2日要求您说明理由。您于2026年3月5日说明的理由为：为撰写论文需要。本机关认为申请理由不合理" in text
    with pytest.raises(NoticeFieldMissing):
        render_text(DocumentKind.reply, NF.reply(Outcome.unreasonable_volume, reasons_asked=None))


def test_the_reason_request_and_the_deferral_notices_come_from_the_recorded_request(session, calendar):
    number = F.register_case(session, calendar, MON)
    A.request_reasons(F.ctx(session, calendar, "clerk", MON), number, days=10)
    row = session.exec(select(ReasonRequest)).one()
    text = render_text(DocumentKind.reason_request, from_case.reason_request(session, app(session, number), row))
    assert "共向本机关提出政府信息公开申请1件" in text and "2026年3月16日前" in text
    with pytest.raises(NoticeFieldMissing):  # no deferral decided yet
        from_case.deferral(session, app(session, number), row)
    A.record_reasons(F.ctx(session, calendar, "clerk", date(2026, 3, 5)), number, answered_on=date(2026, 3, 5),
                     reasons="本人系业主委员会成员")
    A.defer_reply(F.ctx(session, calendar, "head", date(2026, 3, 6)), number, due_date=date(2026, 5, 29),
                  reason="涉及五个年度的档案，需逐一调取、审查")
    session.refresh(row)
    ctx = from_case.deferral(session, app(session, number), row)
    text = render_text(DocumentKind.deferral, ctx).replace("\n", "")
    assert ctx.issue.date == date(2026, 3, 6)
    assert "第三十五条的规定，本机关确定于2026年5月29日前作出答复" in text and "本人系业主委员会成员" in text


def test_a_termination_is_issued_as_the_termination_notice_with_its_document_number(session, calendar):
    from models.enums import DeliveryMethod

    number = F.register_case(session, calendar, MON)
    A.request_supplement(F.ctx(session, calendar, "clerk", MON), number, items="请补充", period_days=5)
    day = date(2026, 3, 10)
    A.deem_abandoned(F.ctx(session, calendar, None, day), number)
    A.submit_for_review(F.ctx(session, calendar, "clerk", day), number, draft=A.DraftIn(outcome=Outcome.deemed_abandoned))
    A.approve_draft(F.ctx(session, calendar, "counsel", day), number)
    A.issue_reply(F.ctx(session, calendar, "head", day), number,
                  render=from_case.reply_renderer(session, app(session, number), on=day))
    doc = session.exec(select(Document).where(Document.kind == "termination")).one()
    assert doc.doc_number == "示政公开〔2026〕1号" and doc.content.startswith(b"%PDF")
    decision = A.latest_decision(session, app(session, number))
    kind, ctx = from_case.issued_notice(session, app(session, number), decision, doc_number=doc.doc_number, on=day)
    text = render_text(kind, ctx)
    assert kind is DocumentKind.termination and text.startswith("政府信息公开申请终止处理告知书")
    assert "补正告知书" in text and "视为放弃申请" in text and ctx.issue.number == "示政公开〔2026〕1号"
    A.dispatch(F.ctx(session, calendar, "clerk", day), number, method=DeliveryMethod.post, dispatched_on=day,
               tracking_no="EMS9")
    assert app(session, number).status == Status.dispatched  # the termination notice itself was dispatched

