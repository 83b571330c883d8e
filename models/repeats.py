"""Art 36(6) possible repeats: which earlier request of the same applicant a clerk should compare.

The flag only asks a human to look; the decision stays with the clerk. Two requests are flagged when they
ask for the same thing in other words, and not when they ask for different documents that read alike:

1. numbers with the same unit must overlap: 2024年 ≠ 2025年, 第11号 ≠ 第1–10号 (a range is expanded),
   第一季度 ≠ 第二季度 (Chinese numerals are read), 3栋 ≠ 5栋; 第5号 inside 第1至10号 still overlaps;
2. the same 文号 (示政发〔2024〕15号) in both is the same document, however the rest is worded;
3. a substitution in the wording (东关村 / 西关村, 建设用地 / 建设工程, 预算 / 决算) makes them different;
   words added or dropped (年 / 年度, 及附图, the document's title) do not;
4. what is left must be similar: SequenceMatcher ratio ≥ REPEAT_SIMILARITY, or the shorter text almost
   wholly contained in the longer one.

Measured on the hand-labelled pairs in tests/models/test_repeat_detection.py (the figures are there).
"""

import re
from difflib import SequenceMatcher

REPEAT_SIMILARITY = 0.6
CONTAINED = 0.9  # share of the shorter request found in the longer one

_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
_CN_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")}
_UNITS = ("年度", "年", "季度", "月份", "月", "号楼", "号", "栋", "幢", "期", "批", "次", "届")
_SAME_UNIT = {"年度": "年", "月份": "月", "号楼": "栋", "幢": "栋"}
_UNIT = "|".join(_UNITS)
# Chinese numerals where they number something: 第二批、第四季度、三月、十二号
_CN_NUMBER = re.compile(r"(?<=第)[一二三四五六七八九十]{1,3}|[一二三四五六七八九十]{1,3}(?=季度|月份|月|期|批|号)")
_RANGE = re.compile(rf"(\d+)(?:{_UNIT})?\s*[-–—~～至到]\s*(\d+)(?=({_UNIT}))")
_NUMBER = re.compile(rf"[〔\[［（(](\d{{4}})[〕\]］）)]|(\d+)({_UNIT})?")
_DOC_NUMBER = re.compile(r"([\u4e00-\u9fa5]{1,8})[〔\[［](\d{4})[〕\]］]第?(\d+)号")  # 示政发〔2024〕15号
# The words every request uses: the verb of asking, particles, "the file", "in full" …
_BOILERPLATE = re.compile(r"^(本人|我)?(申请|请求|要求|请)*(公开|提供|获取|查阅|复制)?|的|相关|有关|全文|文件|及其附件|及附件|份")


def _cn_number(text: str) -> int:
    if "十" in text:
        tens, _, ones = text.partition("十")
        return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)
    return int("".join(str(_CN_DIGITS[c]) for c in text))


def _arabic(text: str) -> str:
    return _CN_NUMBER.sub(lambda m: str(_cn_number(m.group())), text.translate(_FULLWIDTH_DIGITS))


def numbers(text: str) -> dict[str, set[int]]:
    """The numbers of a request by unit (年, 号, 季度 …; "#" without one), ranges expanded."""
    found: dict[str, set[int]] = {}
    text = _arabic(text)
    for m in _RANGE.finditer(text):
        low, high = int(m.group(1)), int(m.group(2))
        if 0 <= high - low <= 1000:
            found.setdefault(_SAME_UNIT.get(m.group(3), m.group(3)), set()).update(range(low, high + 1))
    for m in _NUMBER.finditer(_RANGE.sub(" ", text)):
        if m.group(1):  # the year in a 文号's brackets
            found.setdefault("年", set()).add(int(m.group(1)))
        else:
            unit = m.group(3) or "#"
            found.setdefault(_SAME_UNIT.get(unit, unit), set()).add(int(m.group(2)))
    return found


def doc_numbers(text: str) -> set[tuple[str, str, str]]:
    """The 文号 in a request, as (the prefix's last three characters, year, number)."""
    return {(m.group(1)[-3:], m.group(2), m.group(3)) for m in _DOC_NUMBER.finditer(_arabic(text))}


def _wording(text: str) -> str:
    """The request without punctuation, boilerplate and the values of its numbers (already compared)."""
    plain = re.sub(r"[\s\W_]+", "", _arabic(text))
    return _BOILERPLATE.sub("", re.sub(r"\d+", "#", plain))


def may_repeat(earlier: str, new: str) -> bool:
    """Whether `new` may ask again for what `earlier` asked (Art 36(6)): a human compares the two."""
    mine, theirs = numbers(earlier), numbers(new)
    if any(mine[unit].isdisjoint(theirs[unit]) for unit in mine.keys() & theirs.keys()):
        return False
    if doc_numbers(earlier) & doc_numbers(new):
        return True
    a, b = _wording(earlier), _wording(new)
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    if any(tag == "replace" for tag, *_ in matcher.get_opcodes()):
        return False
    shorter = min(len(a), len(b))
    contained = sum(block.size for block in matcher.get_matching_blocks()) / shorter if shorter >= 4 else 0.0
    return matcher.ratio() >= REPEAT_SIMILARITY or contained >= CONTAINED
