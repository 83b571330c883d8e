"""Art 44: clusters of requests from different applicants, the office's decision, and the Art 36(1) offer."""

from datetime import date

import pytest
from sqlmodel import func, select

from models import art44 as A
from models.errors import GuardFailed, InvalidFields, NotFound, RoleNotAllowed, ValidationFailed
from models.queries import application_by_number
from models.admin import describe
from models.tables import AdminEvent
from tests.factories import applicant_in, ctx, register_case, seed_agency
from tests.models.data import art44_pairs as D

DAY = date(2026, 3, 2)
ASKED = D.TUNING["征收补偿"]["东关村补偿安置方案"]  # four wordings of one request
OTHER_VILLAGE = D.TUNING["征收补偿"]["西关村补偿安置方案"]
_W = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def person(n: int) -> str:
    """The n-th valid resident ID number (GB 11643-1999 check character)."""
    body = f"110105199001{n % 28 + 1:02d}{n:03d}"
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, _W)) % 11]


def _register(session, calendar, text, n, *, day=DAY, agency=None):
    extra = {"agency": agency} if agency else {}
    user = "clerk" if agency is None else "b_clerk"
    from models.registration import register
    from tests.factories import application_in

    return register(ctx(session, calendar, user, day),
                    application_in(day, applicant=applicant_in(name=f"申请人{n}", id_number=person(n)),
                                   request_text=text, **extra)).application.number


def _items(texts, applicants, agencies=None):
    return [A.Item(n, (agencies or [1] * len(texts))[n], applicants[n], f"2026-{n + 1:06d}", DAY, t)
            for n, t in enumerate(texts)]


# --- the clustering rules (pure) ------------------------------------------------------------------------------


def test_three_applicants_asking_the_same_make_a_cluster_and_another_village_stays_out():
    clusters = A.clusters(_items(ASKED[:3] + OTHER_VILLAGE[:1], [1, 2, 3, 4]))
    assert [c.numbers for c in clusters] == [["2026-000001", "2026-000002", "2026-000003"]]
    assert clusters[0].applicants == 3


def test_the_same_applicant_asking_again_is_counted_once():
    assert A.clusters(_items(ASKED, [1, 1, 1, 2])) == []  # four requests, two applicants
    [cluster] = A.clusters(_items(ASKED, [1, 1, 2, 3]))
    assert len(cluster.items) == 4 and cluster.applicants == 3


def test_requests_to_different_agencies_never_make_one_cluster():
    assert A.clusters(_items(ASKED[:3], [1, 2, 3], agencies=[1, 2, 1])) == []
    assert [c.agency_id for c in A.clusters(_items(ASKED[:3] * 2, [1, 2, 3, 4, 5, 6], [1, 1, 1, 2, 2, 2]))] == [1, 2]


def test_the_labelled_topics_come_out_as_pure_clusters():
    items, truth, n = [], {}, 0
    for family in D.TUNING.values():
        for topic, texts in family.items():
            for text in texts:
                items.append(A.Item(n, 1, n, f"2026-{n + 1:06d}", DAY, text))
                truth[n] = topic
                n += 1
    clusters = A.clusters(items)
    assert all(len({truth[i.application_id] for i in c.items}) == 1 for c in clusters)  # no cluster mixes topics
    assert len(clusters) >= 22  # of 24 topics (a 4th wording may miss and the cluster still stands with 3)


@pytest.mark.parametrize(("days", "minimum"), [(0, 3), (3661, 3), (365, 1), (365, 101)],
                         ids=["no-days", "ten-years-and-more", "one-applicant", "too-many"])
def test_a_window_or_minimum_out_of_range_is_refused_in_chinese(session, days, minimum):
    with pytest.raises(InvalidFields) as refused:
        A.proposals(session, agency_id=1, today=DAY, days=days, min_applicants=minimum)
    assert "应为" in refused.value.message_zh


# --- proposals, the decision, the offer (database) ------------------------------------------------------------


def test_proposals_read_the_window_and_leave_out_voided_and_decided_requests(session, calendar):
    old = _register(session, calendar, ASKED[3], 9, day=date(2025, 2, 20))  # more than a year before: outside
    numbers = [_register(session, calendar, t, n) for n, t in enumerate(ASKED[:3], start=1)]
    agency_id = application_by_number(session, numbers[0]).agency_id
    [proposal] = A.proposals(session, agency_id=agency_id, today=DAY)
    assert proposal.numbers == numbers and old not in proposal.numbers
    assert A.proposals(session, agency_id=agency_id, today=DAY, min_applicants=4) == []
    A.decline(ctx(session, calendar, "head", DAY), numbers=numbers, reason="涉及个人信息，不宜主动公开")
    assert A.proposals(session, agency_id=agency_id, today=DAY) == []


def _events(session, action):
    return session.exec(select(func.count()).select_from(AdminEvent).where(AdminEvent.action == action)).one()


def test_publishing_records_where_when_and_who_with_an_admin_event(session, calendar):
    numbers = [_register(session, calendar, t, n) for n, t in enumerate(ASKED[:3], start=1)]
    decision = A.publish(ctx(session, calendar, "supervisor", DAY), numbers=numbers, title="东关村征收补偿安置方案",
                         location="示范区人民政府门户网站“政府信息公开—征地信息”栏目",
                         url="http://www.example.gov.cn/zdxx/2026/01.html", published_on=date(2026, 2, 27))
    assert (decision.decision, decision.numbers, decision.applicants, decision.decided_by_name) == (
        "publish", numbers, 3, "吴督办")
    assert decision.decided_at.date() == DAY and decision.idf  # the weights the later requests are compared on
    assert _events(session, "art44_publish") == 1
    event = session.exec(select(AdminEvent).where(AdminEvent.action == "art44_publish")).one()
    assert event.data["published_on"] == "2026-02-27" and event.data["numbers"] == numbers
    shown = describe(event)  # the admin history reads it in Chinese
    assert shown.startswith("转为主动公开（第四十四条）") and "公开日期 2026-02-27" in shown and "art44" not in shown


@pytest.mark.parametrize(
    ("user", "change", "error", "message"),
    [
        ("counsel", {}, RoleNotAllowed, "无权"),
        ("clerk", {"title": " ", "location": "", "url": "www.x", "published_on": None}, InvalidFields, "请填写公开的信息名称"),
        ("clerk", {"published_on": date(2026, 3, 3)}, InvalidFields, "不能晚于今天"),
        ("clerk", {"numbers": ["2026-000001"]}, ValidationFailed, "至少选择两件"),
        ("clerk", {"numbers": ["2026-000001", "2026-000999"]}, NotFound, "2026-000999"),
    ],
    ids=["not-a-decider", "every-missing-field-at-once", "future-date", "one-request", "unknown-number"],
)
def test_a_bad_publication_is_refused_in_chinese_and_writes_nothing(session, calendar, user, change, error, message):
    numbers = [_register(session, calendar, t, n) for n, t in enumerate(ASKED[:3], start=1)]
    args = {"numbers": numbers, "title": "东关村征收补偿安置方案", "location": "门户网站", "url": "",
            "published_on": date(2026, 2, 27)} | change
    with pytest.raises(error) as refused:
        A.publish(ctx(session, calendar, user, DAY), **args)
    assert message in refused.value.message_zh
    if error is InvalidFields:
        assert {p.field for p in refused.value.problems} >= set(k for k in change if k != "numbers")
    assert A.decisions(session, agency_id=1) == [] and _events(session, "art44_publish") == 0


def test_one_applicant_twice_and_a_request_decided_before_are_refused(session, calendar):
    first = _register(session, calendar, ASKED[0], 1)
    again = _register(session, calendar, ASKED[1], 1)  # the same ID number: the same applicant
    third = _register(session, calendar, ASKED[2], 2)
    with pytest.raises(GuardFailed) as refused:
        A.decline(ctx(session, calendar, "clerk", DAY), numbers=[first, again], reason="x")
    assert "同一申请人" in refused.value.message_zh
    A.decline(ctx(session, calendar, "clerk", DAY), numbers=[first, third], reason="尚在审查是否可以公开")
    with pytest.raises(GuardFailed) as refused:
        A.decline(ctx(session, calendar, "clerk", DAY), numbers=[again, third], reason="y")
    assert "已在此前的主动公开决定中" in refused.value.message_zh and len(A.decisions(session, agency_id=1)) == 1
    with pytest.raises(InvalidFields) as refused:
        A.decline(ctx(session, calendar, "clerk", DAY), numbers=[again, third], reason="  ")
    assert "请填写不予主动公开的理由" in refused.value.message_zh


def test_a_later_request_in_a_published_cluster_is_offered_the_already_public_reply(session, calendar):
    numbers = [_register(session, calendar, t, n) for n, t in enumerate(ASKED[:3], start=1)]
    A.publish(ctx(session, calendar, "clerk", DAY), numbers=numbers, title="东关村征收补偿安置方案",
              location="区政府门户网站征地信息栏目", url="http://www.example.gov.cn/zd/1.html", published_on=DAY)
    later = application_by_number(session, _register(session, calendar, ASKED[3], 7, day=date(2026, 3, 9)))
    unrelated = application_by_number(session, _register(session, calendar, OTHER_VILLAGE[0], 8, day=date(2026, 3, 9)))
    offer = A.offer_for(session, later, today=date(2026, 3, 9))
    assert offer is not None and offer.matched in numbers and offer.outcome.value == "art36_1_already_public"
    assert offer.access == ("区政府门户网站征地信息栏目（网址：http://www.example.gov.cn/zd/1.html）查阅，"
                            "本机关已于2026年3月2日主动公开《东关村征收补偿安置方案》")
    assert A.offer_for(session, unrelated, today=date(2026, 3, 9)) is None
    member = application_by_number(session, numbers[0])
    assert A.offer_for(session, member, today=DAY).matched == numbers[0]  # the cluster's own open cases too
    assert A.offer_for(session, later, today=date(2026, 3, 1)) is None  # not public yet on that day


def test_a_declined_cluster_offers_nothing_and_another_agency_sees_no_offer(session, calendar):
    seed_agency(session, "乙区人民政府", "b")
    numbers = [_register(session, calendar, t, n) for n, t in enumerate(ASKED[:3], start=1)]
    A.decline(ctx(session, calendar, "head", DAY), numbers=numbers, reason="属于过程性信息")
    later = application_by_number(session, _register(session, calendar, ASKED[3], 7))
    assert A.offer_for(session, later, today=DAY) is None
    other = [_register(session, calendar, t, n + 10, agency="乙区人民政府") for n, t in enumerate(ASKED[:3])]
    b_ctx = ctx(session, calendar, "b_clerk", DAY)
    A.publish(b_ctx, numbers=other, title="东关村征收补偿安置方案", location="乙区门户网站", published_on=DAY)
    assert A.offer_for(session, later, today=DAY) is None  # 乙区's publication is not 示范区's
