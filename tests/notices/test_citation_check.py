"""One rule per row: a passing draft, then a doctored draft the rule must catch."""

from dataclasses import replace

import pytest

from models.citation_check import (
    CitationCheckFailed,
    FeeNoticeDraft,
    Remedy,
    Rule,
    WithheldItem,
    check_fee_notice,
    check_reply,
    ensure_fee_notice_passes,
    ensure_reply_passes,
)
from models.fees import FeeMethod
from models.outcomes import Citation, Outcome
from tests.notices import factories

REMEDY_GENERAL = Remedy("杭州市西湖区人民政府", "杭州市西湖区人民法院", reconsideration_first=False)
REMEDY_FIRST = Remedy("杭州市西湖区人民政府", "杭州市西湖区人民法院", reconsideration_first=True)


@pytest.mark.parametrize("outcome", factories.REPLY_OUTCOMES, ids=[o.value for o in factories.REPLY_OUTCOMES])
def test_every_outcome_factory_draft_passes(outcome):
    assert check_reply(factories.draft(outcome)) == []


DOCTORED = [
    (Rule.outcome_citations, Outcome.state_secret, {"citations": (Citation(36, item=3),)}),
    (Rule.outcome_citations, Outcome.partial, {"citations": (Citation(37),)}),
    (Rule.contradicting_citation, Outcome.disclosed, {"citations": (Citation(36, item=2), Citation(14))}),
    (Rule.contradicting_citation, Outcome.not_held, {"citations": (Citation(36, item=4), Citation(36, item=3))}),
    (Rule.table3_row, Outcome.process_info, {"table3_row": "r3_7_enforcement_file"}),
    (Rule.law_named, Outcome.law_prohibits, {"citations": (Citation(36, item=3), Citation(14))}),
    (Rule.art16_category, Outcome.internal_affairs, {"citations": (Citation(36, item=3), Citation(16, paragraph=1), Citation(16))}),
    (Rule.remedy_present, Outcome.disclosed, {"remedy": None}),
    (Rule.remedy_present, Outcome.not_held, {"remedy": replace(REMEDY_GENERAL, court=" ")}),
    (Rule.reconsideration_first, Outcome.third_party, {"remedy": REMEDY_GENERAL}),
    (Rule.reconsideration_first, Outcome.partial, {"remedy": REMEDY_GENERAL}),
    (Rule.reconsideration_first, Outcome.not_held, {"remedy": REMEDY_FIRST}),
    (Rule.remedy_periods, Outcome.disclosed, {"remedy": replace(REMEDY_GENERAL, reconsideration_days=30)}),
    (Rule.refusal_reason, Outcome.enforcement_file, {"reasons": ""}),
    (Rule.refusal_reason, Outcome.partial, {"reasons": "  "}),
    (Rule.responsible_agency, Outcome.not_responsible, {"responsible_agency_contact": None}),
    (Rule.responsible_agency, Outcome.not_responsible, {"responsible_agency_determinable": False}),
    (Rule.withheld_items, Outcome.partial, {"withheld_items": ()}),
    (Rule.withheld_items, Outcome.partial, {"withheld_items": (WithheldItem("名单", Outcome.disclosed, "理由"),)}),
    (Rule.withheld_items, Outcome.partial, {"withheld_items": (WithheldItem("名单", Outcome.third_party, ""),)}),
    (Rule.withheld_items, Outcome.disclosed, {"withheld_items": factories.WITHHELD}),
]


@pytest.mark.parametrize(
    ("rule", "outcome", "doctoring"),
    DOCTORED,
    ids=[f"{rule.value}-{outcome.value}-{i}" for i, (rule, outcome, _) in enumerate(DOCTORED)],
)
def test_rule_catches_doctored_draft(rule, outcome, doctoring):
    good = factories.draft(outcome)
    assert check_reply(good) == []
    findings = check_reply(replace(good, **doctoring))
    assert rule in {f.rule for f in findings}
    assert all(f.message_zh for f in findings)


def test_art36_5_may_say_the_agency_cannot_be_determined():
    draft = replace(
        factories.draft(Outcome.not_responsible),
        responsible_agency=None,
        responsible_agency_contact=None,
        responsible_agency_determinable=False,
    )
    assert check_reply(draft) == []


def test_ensure_reply_passes_raises_with_chinese_message():
    with pytest.raises(CitationCheckFailed) as exc:
        ensure_reply_passes(replace(factories.draft(Outcome.third_party), remedy=REMEDY_GENERAL))
    assert "应当先申请行政复议" in exc.value.message_zh
    assert [f.rule for f in exc.value.findings] == [Rule.reconsideration_first]


@pytest.mark.parametrize(
    ("draft", "ok"),
    [
        (FeeNoticeDraft(FeeMethod.per_page, 83460, pages=2219), True),
        (FeeNoticeDraft(FeeMethod.per_application, 200, monthly_count=35), True),
        (FeeNoticeDraft(FeeMethod.per_page, 80000, pages=2219), False),
        (FeeNoticeDraft(FeeMethod.per_application, 100, monthly_count=5), False),
        (FeeNoticeDraft(FeeMethod.per_page, 700, pages=100, monthly_count=12), False),
    ],
    ids=["xian-case", "35th-application", "wrong-amount", "free-band-charged", "both-methods"],
)
def test_fee_amount_rule(draft, ok):
    findings = check_fee_notice(draft)
    assert (findings == []) is ok
    assert all(f.rule is Rule.fee_amount for f in findings)
    if not ok:
        with pytest.raises(CitationCheckFailed):
            ensure_fee_notice_passes(draft)
