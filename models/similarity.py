"""Art 44: how alike two requests are in what they ask for — TF-IDF cosine over jieba words and character bigrams.

Pure Python (no numpy): a request becomes a sparse vector of features, each weighted by its inverse document
frequency in a corpus (the agency's requests of the window, `Idf.of`), and two requests are compared by cosine.

    features(text)        jieba words (len ≥ 2, not boilerplate) + character bigrams of the text without boilerplate
    Idf.of(feature_sets)  smoothed idf = ln((N + 1) / (df + 1)) + 1 with N counting PRIOR_DOCS more; a feature the
                          corpus never saw counts once (the request it is in): ln((N + 1) / 2) + 1
    similarity(a, b, idf) cosine of the two weighted vectors, with two overrides read from the numbers:
                          - numbers with the same unit that do not overlap (2024年 / 2025年, 第3号 / 第13号) → 0.0
                            (models.repeats.numbers: different years or numbers are different information);
                          - the same 文号 in both → 1.0 (the same document, however it is worded)
    SIMILAR               the threshold: two requests ask for the same information when similarity ≥ SIMILAR

Why these features: the words carry the content (东关村, 征收补偿, 规划许可证) once jieba has cut them; the
bigrams catch what jieba cuts differently in two wordings (集体土地征收 / 集体土地的征收) and out-of-vocabulary
place names. Boilerplate every request shares (申请公开, 相关, 信息, 文件, 本人 …) is removed before both, so two
requests are never alike for being requests. Bigrams weigh BIGRAM_WEIGHT of a word: they double-count what
the words already say. Measured on the hand-labelled pairs in tests/models/data/art44_pairs.py (figures in
tests/models/test_similarity.py and the README).
"""

import logging
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from difflib import SequenceMatcher

import jieba

from models.repeats import _arabic, doc_numbers, numbers  # one normaliser of numbers, shared with Art 36(6)

jieba.setLogLevel(logging.WARNING)  # the dictionary load notice is not the user's business

SIMILAR = 0.3  # chosen on the TUNING pairs only (tests/models/test_similarity.py has the figures)
BIGRAM_WEIGHT = 0.5
# An agency's corpus is counted as if PRIOR_DOCS more requests, sharing none of its words, stood beside it: in a small
# office with a dozen requests, the words a cluster shares would otherwise weigh least for being in most of them.
PRIOR_DOCS = 100

# What every request says whatever it asks for: the verb of asking, the applicant, "the relevant information".
# Longest first, so that 政府信息 goes before 信息.
BOILERPLATE = sorted({
    "依申请公开", "申请公开", "申请获取", "申请提供", "请求公开", "要求公开", "请予公开", "请公开", "予以公开", "公开",
    "申请", "请求", "要求", "请予", "提供", "获取", "查阅", "复制", "本人", "我们", "我家", "我", "贵单位", "贵局", "贵府",
    "你单位", "政府信息", "相关", "有关", "信息", "文件", "资料", "材料", "全文", "内容", "复印件", "纸质版", "电子版",
    "以及", "及其", "关于", "涉及", "包括", "具体", "上述", "该", "的", "及", "和", "与", "或", "等", "之",
}, key=len, reverse=True)
_BOILERPLATE = re.compile("|".join(map(re.escape, BOILERPLATE)))
STOP_WORDS = frozenset(BOILERPLATE) | {"请", "系", "为", "因", "被", "在", "对", "将", "已", "是", "了", "其", "此", "所",
                                       "政府", "维护", "合法权益", "权益", "需要", "需", "用于", "依据", "根据", "规定", "条例",
                                       "政府信息公开条例", "中华人民共和国", "第二十七条", "第二十九条", "知情"}
_CJK = re.compile(r"[\u4e00-\u9fff]+")
_TOKEN = re.compile(r"[\u4e00-\u9fff]{2,}|[A-Za-z]{2,}|\d+")


# The kinds of document requests in this field ask for (the spec's and the seeds' reports': 征收补偿、规划许可、
# 财政预决算、环评、拆迁安置 …), each with the wordings that name it. Read in this order, each match consumed, so
# that 环评批复 is an 环评 and not a 批复. Two requests naming only different kinds ask for different information.
KINDS: tuple[tuple[str, str], ...] = (
    ("环评", r"环境影响评价|环境影响报告|环评"),
    ("社会稳定风险评估", r"社会稳定风险|稳定风险评估|稳评"),
    ("立项核准", r"立项|核准|可行性研究|可研"),
    ("建设用地规划许可", r"(?:建设)?用地规划许可"),
    ("建设工程规划许可", r"(?:建设)?工程规划许可"),
    ("施工许可", r"施工许可"),
    ("规划选址", r"选址意见"),
    ("规划条件", r"规划(?:设计)?条件"),
    ("控制性详细规划", r"控制性详细规划|控规"),
    ("成片开发方案", r"成片开发"),
    ("征收决定", r"征收决定"),
    ("拆除决定", r"强制拆除|强拆|限期拆除|拆除决定|强制执行"),
    ("安置房分配", r"分配方案|分配办法|选房|安置名单|房源分配"),
    ("评估报告", r"评估报告|评估机构|价值评估|分户评估"),
    ("补偿款发放", r"补偿(?:款|费|资金)[^，。；、]{0,6}(?:发放|拨付|分配)|发放明细"),
    ("补偿安置方案", r"补偿安置方案|补偿方案|安置方案|补偿标准"),
    ("征地批复", r"批准征收|(?:征地|征收|用地)[^，。；、]{0,8}批复"),
    ("征收公告", r"征收土地公告|征地公告|征收[^，。；、]{0,8}公告"),
    ("竣工验收", r"竣工验收"),
    ("采购合同", r"采购合同|中标"),
    ("三公经费", r"三公|因公出国|公务接待|公务用车"),
    ("专项债券", r"专项债"),
    ("专项资金", r"专项资金"),
    ("决算", r"决算"),
    ("预算", r"预算"),
    ("会议纪要", r"纪要"),
    ("监测", r"监测|质量状况"),
    ("学区划分", r"学区|招生片区|招生范围"),
    ("低保", r"最低生活保障|低保"),
)
_KINDS = tuple((name, re.compile(pattern)) for name, pattern in KINDS)


def split_kinds(text: str) -> tuple[frozenset, str]:
    """The kinds of document the request names (KINDS), and the rest of its text: what it names them of."""
    found, rest = set(), _clean(text)
    for name, pattern in _KINDS:
        if pattern.search(rest):
            found.add(name)
            rest = pattern.sub("，", rest)
    return frozenset(found), rest


def kinds(text: str) -> frozenset:
    return split_kinds(text)[0]


def _clean(text: str) -> str:
    """The request in simplified form: full-width digits to ASCII, Chinese ordinal numbers to digits."""
    return _arabic(text or "")


def words(text: str) -> list[str]:
    """The request's content words in order: jieba's cut without boilerplate, punctuation or single characters."""
    return [w for w in (w.strip() for w in jieba.lcut(_clean(text))) if w not in STOP_WORDS and _TOKEN.fullmatch(w)]


def features(text: str, cut: list[str] | None = None) -> Counter:
    """The request's features: its kinds of document ("k:环评"), and the words ("w:锦绣") and character bigrams
    ("b:锦绣") of the rest, what it asks them of, with their counts. The wording of the kind (环境影响评价报告书
    / 环评报告) is kept out of the words, so that two requests for one kind of document about different projects
    are not alike for their long common name of the kind."""
    found_kinds, rest = split_kinds(text)
    found: Counter = Counter("k:" + k for k in found_kinds)
    found.update("w:" + w for w in (cut if cut is not None else words(rest)))
    for run in _CJK.findall(_BOILERPLATE.sub(" ", rest)):
        for i in range(len(run) - 1):
            found["b:" + run[i:i + 2]] += 1
    return found


@dataclass(frozen=True)
class Idf:
    """Inverse document frequencies of a corpus; `default` is the weight of a feature the corpus never saw."""

    weights: dict = field(default_factory=dict)
    default: float = 1.0

    @classmethod
    def of(cls, feature_sets) -> "Idf":
        df: Counter = Counter()
        n = 0
        for feats in feature_sets:
            n += 1
            df.update(set(feats))
        n += PRIOR_DOCS
        return cls({f: math.log((n + 1) / (d + 1)) + 1.0 for f, d in df.items()}, math.log((n + 1) / 2) + 1.0)

    def __call__(self, feature: str) -> float:
        return self.weights.get(feature, self.default)

    def restricted(self, feature_sets) -> "Idf":
        """The weights of these features only, with the same default: what a decision keeps (models.art44)."""
        keep = set().union(*map(set, feature_sets)) if feature_sets else set()
        return Idf({f: w for f, w in self.weights.items() if f in keep}, self.default)


def vector(feats: Counter, idf: Idf) -> dict:
    """The unit vector of the features: idf × (1 + ln tf), bigrams at BIGRAM_WEIGHT."""
    raw = {f: idf(f) * (1.0 + math.log(tf)) * (BIGRAM_WEIGHT if f.startswith("b:") else 1.0) for f, tf in feats.items()}
    norm = math.sqrt(sum(w * w for w in raw.values()))
    return {f: w / norm for f, w in raw.items()} if norm else {}


def cosine(u: dict, v: dict) -> float:
    if len(u) > len(v):
        u, v = v, u
    return sum(w * v.get(f, 0.0) for f, w in u.items())


@dataclass(frozen=True)
class Request:
    """One request as the comparison reads it: its words, vector, numbers, 文号 and kinds computed once."""

    text: str
    words: tuple
    vec: dict
    nums: dict
    docs: frozenset
    kinds: frozenset

    @classmethod
    def of(cls, text: str, idf: Idf) -> "Request":
        found_kinds, rest = split_kinds(text)
        cut = words(rest)
        return cls(text, tuple(cut), vector(features(text, cut), idf), numbers(text), frozenset(doc_numbers(text)),
                   found_kinds)


_DETERMINERS = frozenset("本全该各我此其每")  # 本区 / 全区 name the same district


def other_of_a_kind(a: tuple, b: tuple) -> bool:
    """One word stands where the other request has another word with the same head (last character) and another
    modifier, amid the same words: 东关村 / 西关村, 东湖 / 南湖, 小学 / 中学 name different things of one kind
    (Chinese compounds are head-final). A paraphrase rewords around the name; it does not swap the name alone."""
    ops = SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    for k, (tag, i1, i2, j1, j2) in enumerate(ops):
        if tag != "replace" or i2 - i1 != 1 or j2 - j1 != 1:
            continue
        x, y = a[i1], b[j1]
        if len(x) != len(y) or x[-1] != y[-1] or x.isdigit() or x[0] in _DETERMINERS or y[0] in _DETERMINERS:
            continue
        if all(0 <= n < len(ops) and ops[n][0] == "equal" or not 0 <= n < len(ops) for n in (k - 1, k + 1)):
            return True
    return False


def numbers_conflict(a: dict, b: dict) -> bool:
    """Numbers with the same unit that do not overlap: 2024年 / 2025年 are different information."""
    return any(a[unit].isdisjoint(b[unit]) for unit in a.keys() & b.keys())


def compare(a: Request, b: Request) -> float:
    """The similarity of two prepared requests (see the module docstring)."""
    if numbers_conflict(a.nums, b.nums):
        return 0.0
    if a.docs & b.docs:
        return 1.0
    if a.kinds and b.kinds and a.kinds.isdisjoint(b.kinds):
        return 0.0  # another kind of document: 征收决定 / 安置房分配方案, 预算 / 决算
    if other_of_a_kind(a.words, b.words):
        return 0.0
    return cosine(a.vec, b.vec)


def similarity(a: str, b: str, *, idf: Idf) -> float:
    """How alike two requests are in what they ask for, 0 to 1, against the corpus's idf."""
    return compare(Request.of(a, idf), Request.of(b, idf))
