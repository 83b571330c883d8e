"""Partial disclosure (Art 37) through the redaction log: marks on the case's source documents, the released versions,
the withheld-items list written from the log, the reply citing each ground, the archive and the applicant's files."""

from datetime import date

import pytest

from models import actions as A
from models import redaction as R
from models.archive import dossier
from models.attachments import Upload
from models.citation_check import exemption_citations
from models.enums import DeliveryMethod, Status
from models.errors import GuardFailed, RoleNotAllowed, ValidationFailed
from models.outcomes import Outcome
from models.queries import application_by_number, events_of
from notices.from_case import issued_notice
from notices.redaction import redact
from notices.render import render_html
from tests import redaction_pdfs as P
from tests.factories import advance, ctx, register_case

DAY = date(2026, 3, 4)


@pytest.fixture
def drafting(session, calendar):
    """A case whose department answered with a real-looking agreement (text PDF): the clerk drafts the reply."""
    number = register_case(session, calendar)
    advance(session, calendar, number, Status.routed, DAY)
    A.submit_opinion(ctx(session, calendar, "dept_ziran", DAY), number, opinion="协议可以公开，个人信息应遮盖。",
                     attachments=[Upload("征收补偿协议.pdf", P.text_pdf(2), "application/pdf")])
    return number


def clerk(session, calendar):
    return ctx(session, calendar, "clerk", DAY)


def source_key(session, number) -> str:
    return R.sources_of(session, application_by_number(session, number))[0].key


def mark_the_agreement(session, calendar, number) -> str:
    """Two regions and one phrase, on two grounds (personal information, process information)."""
    c, key = clerk(session, calendar), source_key(session, number)
    R.add_phrase_mark(c, number, source=key, phrase=P.ID_NUMBER, ground="personal_info", reason="第三人的身份证号")
    R.add_region_mark(c, number, source=key, page=1, rect=P.line_rect("phone"), ground="personal_info",
                      reason="第三人的联系电话")
    R.add_region_mark(c, number, source=key, page=2, rect=P.line_rect("internal"), ground="process_info",
                      reason="内部讨论意见")
    return key


def partial(**kw) -> A.DraftIn:
    return A.DraftIn(outcome=Outcome.partial, reasons="协议中含有第三人的个人信息和内部讨论意见。",
                     body="公开版本随本答复书提供。", **kw)


def test_the_withheld_items_are_written_from_the_redaction_log(session, calendar, drafting):
    mark_the_agreement(session, calendar, drafting)
    released = R.release(clerk(session, calendar), drafting, engine=redact)

    A.submit_for_review(clerk(session, calendar), drafting, draft=partial())

    decision = A.latest_decision(session, application_by_number(session, drafting))
    assert [(w["part"], w["ground"], w["reason"]) for w in decision.withheld_items] == [
        ("《征收补偿协议（公开版本）.pdf》第1、2页标有“15个人”的遮盖内容", "art15_third_party", "第三人的身份证号"),
        ("《征收补偿协议（公开版本）.pdf》第1页标有“15个人”的遮盖内容", "art15_third_party", "第三人的联系电话"),
        ("《征收补偿协议（公开版本）.pdf》第2页标有“16过程”的遮盖内容", "art16_2_process_info", "内部讨论意见"),
    ]
    assert [r.pages for r in released] == [2]
    cited = {(c["article"], c["paragraph"]) for c in decision.citations}
    assert {(37, None), (15, None), (16, 2)} <= cited


def test_the_reply_cites_each_ground_and_lists_the_released_files_with_their_pages(session, calendar, drafting):
    mark_the_agreement(session, calendar, drafting)
    R.release(clerk(session, calendar), drafting, engine=redact)
    A.submit_for_review(clerk(session, calendar), drafting, draft=partial())
    app = application_by_number(session, drafting)

    html = render_html(*issued_notice(session, app, A.latest_decision(session, app), doc_number="示政公开〔2026〕1号",
                                      on=DAY))

    for ground in (Outcome.third_party, Outcome.process_info):
        assert "".join(c.zh(with_law=False) for c in exemption_citations(ground)) in html
    assert "第三人的身份证号" in html and "内部讨论意见" in html
    assert "附件：1. 《征收补偿协议（公开版本）.pdf》（共2页）" in html


def test_with_marks_the_reply_must_be_a_partial_disclosure(session, calendar, drafting):
    mark_the_agreement(session, calendar, drafting)
    R.release(clerk(session, calendar), drafting, engine=redact)
    with pytest.raises(GuardFailed) as refused:
        A.submit_for_review(clerk(session, calendar), drafting,
                            draft=A.DraftIn(outcome=Outcome.disclosed, body="见附件"))
    assert "部分公开" in refused.value.message_zh


def test_a_mark_changed_after_the_release_makes_it_stale_until_released_again(session, calendar, drafting):
    key = mark_the_agreement(session, calendar, drafting)
    R.release(clerk(session, calendar), drafting, engine=redact)
    R.add_phrase_mark(clerk(session, calendar), drafting, source=key, phrase=P.NAME, ground="personal_info",
                      reason="第三人姓名")
    with pytest.raises(GuardFailed) as refused:
        A.submit_for_review(clerk(session, calendar), drafting, draft=partial())
    assert "重新生成公开版本" in refused.value.message_zh

    again = R.release(clerk(session, calendar), drafting, engine=redact)
    A.submit_for_review(clerk(session, calendar), drafting, draft=partial())
    assert again[0].batch == 2 and len(again[0].applied) == 4


def test_a_phrase_found_nowhere_is_refused_instead_of_released_silently(session, calendar, drafting):
    key = source_key(session, drafting)
    R.add_phrase_mark(clerk(session, calendar), drafting, source=key, phrase="110105 19491231 002X",
                      ground="personal_info", reason="身份证号")
    with pytest.raises(ValidationFailed) as refused:
        R.release(clerk(session, calendar), drafting, engine=redact)
    assert "未找到词句「110105 19491231 002X」" in refused.value.message_zh


def test_a_withdrawn_mark_leaves_the_log_and_the_list(session, calendar, drafting):
    key = source_key(session, drafting)
    c = clerk(session, calendar)
    kept = R.add_phrase_mark(c, drafting, source=key, phrase=P.PHONE, ground="personal_info", reason="电话")
    wrong = R.add_phrase_mark(c, drafting, source=key, phrase=P.KEPT, ground="state_secret", reason="误标")
    R.withdraw_mark(c, drafting, mark_id=wrong.id)
    released = R.release(c, drafting, engine=redact)
    assert [e["mark_id"] for e in released[0].applied] == [kept.id]
    app = application_by_number(session, drafting)
    assert [w["reason"] for w in R.logged_items(session, app)] == ["电话"]
    actions = [e.action for e in events_of(session, app)]
    assert actions.count("add_redaction") == 2 and actions.count("withdraw_redaction") == 1


@pytest.mark.parametrize("args, says", [
    ({"ground": "art36_2_disclosed"}, "不予公开的依据"),
    ({"reason": "  "}, "简要理由"),
    ({"rect": (10, 10, 10.5, 300)}, "遮盖区域无效"),
    ({"page": 0}, "页码"),
], ids=["not-a-ground", "no-reason", "zero-width", "page-zero"])
def test_a_mark_without_ground_reason_or_area_is_refused(session, calendar, drafting, args, says):
    base = {"source": source_key(session, drafting), "page": 1, "rect": P.line_rect("id"), "ground": "personal_info",
            "reason": "身份证号"}
    with pytest.raises(ValidationFailed) as refused:
        R.add_region_mark(clerk(session, calendar), drafting, **(base | args))
    assert says in refused.value.message_zh


def test_only_the_clerk_marks_and_only_while_drafting(session, calendar, drafting):
    key = source_key(session, drafting)
    with pytest.raises(RoleNotAllowed):
        R.add_phrase_mark(ctx(session, calendar, "gov_counsel", DAY), drafting, source=key, phrase=P.PHONE,
                          ground="personal_info", reason="电话")
    mark_the_agreement(session, calendar, drafting)
    R.release(clerk(session, calendar), drafting, engine=redact)
    A.submit_for_review(clerk(session, calendar), drafting, draft=partial())
    with pytest.raises(GuardFailed) as refused:  # in review: the release is frozen with the draft
        R.add_phrase_mark(clerk(session, calendar), drafting, source=key, phrase=P.NAME, ground="personal_info",
                          reason="姓名")
    assert "送审后公开版本随答复草稿固定" in refused.value.message_zh


def test_the_clerk_adds_a_scan_as_a_source_and_a_region_removes_it(session, calendar, drafting):
    c = clerk(session, calendar)
    added = R.add_source_file(c, drafting, upload=Upload("现场照片.png", P.scan_png(), "image/png"))
    R.add_region_mark(c, drafting, source=f"f{added.id}", page=1, rect=P.line_rect("id"), ground="personal_info",
                      reason="身份证号")
    released = R.release(c, drafting, engine=redact)
    assert [(r.source_key, r.filename, r.pages) for r in released] == [(f"f{added.id}", "现场照片（公开版本）.pdf", 1)]
    with pytest.raises(ValidationFailed) as refused:
        R.add_source_file(c, drafting, upload=Upload("说明.txt", "文本".encode(), "text/plain"))
    assert "PDF 或扫描图片" in refused.value.message_zh


def test_personal_numbers_are_suggested_once_each_and_only_when_their_check_digit_is_right():
    text = f"身份证号{P.ID_NUMBER}，电话{P.PHONE}，卡号{P.CARD}；又见{P.PHONE}；错号110105194912310021，卡6222020200112233440"
    found = [(s.pattern, s.phrase) for s in R.suggest(text, already=())]
    assert found == [("身份证号", P.ID_NUMBER), ("手机号", P.PHONE), ("银行卡号", P.CARD)]
    assert [s.phrase for s in R.suggest(text, already=[P.PHONE])] == [P.ID_NUMBER, P.CARD]


def test_the_archive_holds_sources_released_versions_and_marks_with_their_hashes(session, calendar, drafting):
    mark_the_agreement(session, calendar, drafting)
    released = R.release(clerk(session, calendar), drafting, engine=redact)
    files = dossier(session, application_by_number(session, drafting))
    assert files[f"released/{released[0].id}-征收补偿协议（公开版本）.pdf"] == released[0].content
    assert b'"sha256": "' + released[0].sha256.encode() in files["redactions.json"]
    assert "第三人的联系电话" in files["redactions.json"].decode()


def test_a_case_without_redactions_archives_exactly_as_before(session, calendar, drafting):
    files = dossier(session, application_by_number(session, drafting))
    assert "redactions.json" not in files and not any(p.startswith(("released/", "sources/")) for p in files)


def test_the_applicant_gets_only_released_files_and_only_after_electronic_dispatch(session, calendar, drafting):
    mark_the_agreement(session, calendar, drafting)
    released = R.release(clerk(session, calendar), drafting, engine=redact)
    app = application_by_number(session, drafting)
    app.electronic_delivery_consent = True
    session.add(app)
    session.commit()
    A.submit_for_review(clerk(session, calendar), drafting, draft=partial())
    A.approve_draft(ctx(session, calendar, "gov_counsel", DAY), drafting)
    A.issue_reply(ctx(session, calendar, "head", DAY), drafting, render=lambda no, d: f"答复 {no}".encode())
    assert R.applicant_files(session, app) == []  # issued, not yet sent
    A.dispatch(clerk(session, calendar), drafting, method=DeliveryMethod.platform, dispatched_on=DAY)
    assert [f.id for f in R.applicant_files(session, app)] == [r.id for r in released]


def test_marks_all_withdrawn_after_a_release_send_no_released_file_with_the_reply(session, calendar, drafting):
    key, c = source_key(session, drafting), clerk(session, calendar)
    mark = R.add_phrase_mark(c, drafting, source=key, phrase=P.PHONE, ground="personal_info", reason="电话")
    R.release(c, drafting, engine=redact)
    R.withdraw_mark(c, drafting, mark_id=mark.id)  # the clerk decides to disclose the whole document after all
    A.submit_for_review(c, drafting, draft=A.DraftIn(outcome=Outcome.disclosed, body="协议全文随本答复书提供。"))
    app = application_by_number(session, drafting)
    assert R.reply_attachments(session, app) == () and R.travelling_release(session, app) == []
    assert A.latest_decision(session, app).withheld_items == []
