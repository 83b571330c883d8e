"""Art 44: the similarity of two requests, measured on the hand-labelled pairs of tests/models/data/art44_pairs.py.

The threshold SIMILAR was chosen on TUNING only (the most recall with precision ≥ 0.97 there; since PRIOR_DOCS was
added 0.25 would meet that too, SIMILAR stayed at 0.3); HELD_OUT was written
with TUNING but kept out of the choice; BLIND was written after models.similarity was frozen and measured once.
The idf is that of every labelled request (as the agency's requests of a year would be in use).

Figures at SIMILAR = 0.3 (precision / recall), against TF-IDF cosine alone (no kinds of document, no veto) at its best
threshold for precision on TUNING:

    TUNING    312 pairs (144 similar)   0.979 / 0.951     cosine alone at 0.5: 0.833 / 0.486 (never ≥ 0.9)
    HELD_OUT  142 pairs  (76 similar)   1.000 / 0.987     cosine alone at 0.5: 1.000 / 0.632
    BLIND      83 pairs  (48 similar)   1.000 / 0.896

The kinds of document and the veto came from TUNING's and HELD_OUT's errors, so HELD_OUT is not blind; BLIND is.
The floors below hold the figures with a margin; a change that loses precision fails here.
"""

import pytest

from models import similarity as S
from tests.models.data import art44_pairs as D

ALL = D.texts(D.TUNING) + D.texts(D.HELD_OUT) + D.texts(D.BLIND) + [t for a, b, _ in D.EXTRA for t in (a, b)]


@pytest.fixture(scope="module")
def idf():
    return S.Idf.of(S.features(t) for t in ALL)


def _measure(pairs, idf, threshold=S.SIMILAR):
    said = [(S.similarity(a, b, idf=idf) >= threshold, label) for a, b, label in pairs]
    tp = sum(1 for s, label in said if s and label)
    fp = sum(1 for s, label in said if s and not label)
    fn = sum(1 for s, label in said if not s and label)
    return tp / (tp + fp), tp / (tp + fn)


def test_the_labelled_set_has_enough_pairs_of_both_kinds():
    pairs = D.TUNING_PAIRS + D.HELD_OUT_PAIRS + D.BLIND_PAIRS
    assert len(pairs) >= 500
    assert sum(1 for *_, label in pairs if label) >= 250 and sum(1 for *_, label in pairs if not label) >= 200


@pytest.mark.parametrize(("name", "precision_floor", "recall_floor"),
                         [("TUNING", 0.95, 0.9), ("HELD_OUT", 0.95, 0.9), ("BLIND", 0.9, 0.8)])
def test_precision_and_recall_on_the_labelled_pairs_hold_their_floors(idf, name, precision_floor, recall_floor):
    precision, recall = _measure(getattr(D, f"{name}_PAIRS"), idf)
    print(f"{name}: precision {precision:.3f} recall {recall:.3f}")
    assert precision >= precision_floor and recall >= recall_floor


def test_cosine_alone_falls_short_which_is_why_kinds_and_the_veto_are_there(idf, monkeypatch):
    monkeypatch.setattr(S, "split_kinds", lambda text: (frozenset(), S._clean(text)))
    monkeypatch.setattr(S, "other_of_a_kind", lambda a, b: False)
    assert max(_measure(D.TUNING_PAIRS, idf, t)[0] for t in (0.3, 0.4, 0.5, 0.6)) < 0.9


@pytest.mark.parametrize(
    ("a", "b", "alike"),
    [
        ("请公开城关镇东关村集体土地征收补偿安置方案", "请公开城关镇西关村集体土地征收补偿安置方案", False),
        ("请公开本区2025年财政预算报告", "请公开本区2024年财政预算报告", False),
        ("请公开本区2025年财政预算报告", "请公开本区2025年财政决算报告", False),
        ("请公开幸福里棚户区改造项目房屋征收决定", "请公开幸福里棚户区改造项目安置房分配方案", False),
        ("请公开示政发〔2025〕12号文件", "申请公开区政府关于幸福里棚改的通知（示政发〔2025〕12号）", True),
        ("请公开锦绣花园项目环评报告", "本人系锦绣花园业主，申请公开锦绣花园项目环境影响评价报告书", True),
        ("请公开本区2025年城乡最低生活保障资金发放情况", "申请公开2025年本区低保资金发放情况", True),
    ],
    ids=["another-village", "another-year", "budget-not-final-accounts", "another-kind-of-document", "same-wenhao",
         "abbreviation-of-the-kind", "dibao-abbreviation"],
)
def test_named_cases(idf, a, b, alike):
    assert (S.similarity(a, b, idf=idf) >= S.SIMILAR) is alike


def test_boilerplate_alone_makes_no_two_requests_alike(idf):
    assert S.features("本人申请公开相关政府信息文件") == {}
    assert S.similarity("申请公开相关信息", "请公开有关文件", idf=idf) == 0.0
