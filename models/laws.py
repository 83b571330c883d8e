"""The laws an OGI reply cites beside the Regulation: which text was in force on a day, how many articles it has.

A reply cites the law in force on the day it is made. Every citation is checked against this table: the law
must be one we know, a text of it must be in force on the reply date, and the article must exist in that
text (《统计法》第九十九条 does not: the Statistics Law has 53 articles). Add a law here, with its source,
before a reply may cite it.

Sources. Unless a row says otherwise, the effective date and the article count come from the text in
LawRefBook/Laws (GitHub, commit 2f4c5c2), file named in `source`: the count is that text's last article,
which also states the date it took effect ("本法自……起施行"). Rows marked [U] carry a date or count not
read from such a text; treat them as unverified until checked against the official gazette.
"""

import re
from dataclasses import dataclass
from datetime import date

from models.outcomes import FEE_RULES, OGI, Citation, chinese_number


@dataclass(frozen=True)
class LawVersion:
    """One text of a law: in force from `effective` until the next version's date."""

    effective: date
    articles: int | None  # None: the articles are not verified, so the instrument is cited as a whole
    source: str


@dataclass(frozen=True)
class Law:
    title: str  # as a notice writes it, with the book-title marks: 《中华人民共和国统计法》
    short: str  # what a clerk types: 统计法
    kind: str  # 法律 · 行政法规 · 国务院办公厅文件
    versions: tuple[LawVersion, ...]  # oldest first

    def version_on(self, day: date | None) -> LawVersion | None:
        """The text in force on `day` (None: the newest text, i.e. a reply made today)."""
        if day is None:
            return self.versions[-1]
        found = None
        for version in self.versions:
            if version.effective <= day:
                found = version
        return found


_LRB = "LawRefBook/Laws 2f4c5c2 "
RECONSIDERATION_LAW = "《中华人民共和国行政复议法》"
LITIGATION_LAW = "《中华人民共和国行政诉讼法》"

LAWS: tuple[Law, ...] = (
    Law(OGI, "政府信息公开条例", "行政法规", (
        # The 2007 text (国务院令第492号) is not in this table: replies before 2019-05-15 are refused.
        LawVersion(date(2019, 5, 15), 56, _LRB + "行政法规/政府信息公开条例(2019-04-03).md"),
    )),
    Law("《中华人民共和国保守国家秘密法》", "保守国家秘密法", "法律", (
        LawVersion(date(2010, 10, 1), 53, _LRB + "行政法/保守国家秘密法(2010-04-29).md"),
        LawVersion(date(2024, 5, 1), 65, _LRB + "行政法/保守国家秘密法(2024-02-27).md"),
    )),
    Law("《中华人民共和国保守国家秘密法实施条例》", "保守国家秘密法实施条例", "行政法规", (
        LawVersion(date(2014, 3, 1), 45, _LRB + "行政法规/保守国家秘密法实施条例(2014-01-17).md"),
        LawVersion(date(2024, 9, 1), 74, _LRB + "行政法规/保守国家秘密法实施条例(2024-07-10).md"),
    )),
    Law("《中华人民共和国档案法》", "档案法", "法律", (
        # The 1987 law as amended in 1996 and 2016 is not in the table (no verified text at hand).
        LawVersion(date(2021, 1, 1), 53, _LRB + "行政法/档案法(2020-06-20).md"),
    )),
    Law("《中华人民共和国档案法实施条例》", "档案法实施条例", "行政法规", (
        LawVersion(date(2024, 3, 1), 52, _LRB + "行政法规/档案法实施条例(2024-01-12).md"),
    )),
    Law("《中华人民共和国统计法》", "统计法", "法律", (
        LawVersion(date(2010, 1, 1), 50, _LRB + "经济法/统计法(2009-06-27).md"),
        # [U] 53 articles verified; the date is the amending decision's of 2024-09-13, which (as recalled, not
        # read) took effect on promulgation. The text's last article keeps the law's original 2010-01-01.
        LawVersion(date(2024, 9, 13), 53, _LRB + "经济法/统计法(2024-09-13).md"),
    )),
    Law("《中华人民共和国统计法实施条例》", "统计法实施条例", "行政法规", (
        LawVersion(date(2017, 8, 1), 55, _LRB + "行政法规/统计法实施条例(2017-05-28).md"),
    )),
    Law("《中华人民共和国个人信息保护法》", "个人信息保护法", "法律", (
        LawVersion(date(2021, 11, 1), 74, _LRB + "行政法/个人信息保护法(2021-08-20).md"),
    )),
    Law("《中华人民共和国数据安全法》", "数据安全法", "法律", (
        LawVersion(date(2021, 9, 1), 55, _LRB + "行政法/数据安全法(2021-06-10).md"),
    )),
    Law("《中华人民共和国国家安全法》", "国家安全法", "法律", (
        LawVersion(date(2015, 7, 1), 84, _LRB + "宪法相关法/国家安全法(2015-07-01).md"),
    )),
    Law("《不动产登记暂行条例》", "不动产登记暂行条例", "行政法规", (
        # [U] 35 articles in the 2019 text; the 2019 amendment kept the numbering of the 2015 text (as recalled).
        # A later revision is reported but was not verified.
        LawVersion(date(2015, 3, 1), 35, _LRB + "行政法规/不动产登记暂行条例(2019-03-24).md"),
    )),
    Law("《中华人民共和国市场主体登记管理条例》", "市场主体登记管理条例", "行政法规", (
        LawVersion(date(2022, 3, 1), 55, _LRB + "行政法规/市场主体登记管理条例(2021-07-27).md"),
    )),
    Law("《中华人民共和国社会保险法》", "社会保险法", "法律", (
        # [U] 98 articles in the 2018 amended text; that amendment kept the numbering of the 2011 text (as recalled).
        LawVersion(date(2011, 7, 1), 98, _LRB + "社会法/社会保险法(2018-12-29).md"),
    )),
    Law(RECONSIDERATION_LAW, "行政复议法", "法律", (
        # The 1999 law as amended in 2009 and 2017 (in force 2018-01-01): 43 articles, the numbering unchanged.
        LawVersion(date(1999, 10, 1), 43, _LRB + "诉讼与非诉讼程序法/行政复议法(2017-09-01).md"),
        LawVersion(date(2024, 1, 1), 90, _LRB + "诉讼与非诉讼程序法/行政复议法(2023-09-01).md"),
    )),
    Law(LITIGATION_LAW, "行政诉讼法", "法律", (
        # [U] 103 articles verified in the 2017 text; the date is the 2017 amendment's (as recalled). The 2014
        # amendment (in force 2015-05-01) already had the 103 articles; the 1990 text is not in the table.
        LawVersion(date(2017, 7, 1), 103, _LRB + "诉讼与非诉讼程序法/行政诉讼法(2017-06-27).md"),
    )),
    Law(FEE_RULES, "政府信息公开信息处理费管理办法", "国务院办公厅文件", (
        # 国办函〔2020〕109号. [S] in force from 2021-01-01 (regulation.md §3.2). Only Arts 1-5 were retrieved,
        # so the articles after them (payment period, 视为放弃) are cited by the instrument's name alone.
        LawVersion(date(2021, 1, 1), None, "regulation.md §3 (国办函〔2020〕109号, mirrored government pages)"),
    )),
)
_BY_TITLE = {law.title: law for law in LAWS}


class UnknownLaw(ValueError):
    def __init__(self, name: str):
        self.message_zh = f"法律法规表中没有「{name}」，不能引用；如确需引用，请先将其收录（models/laws.py）。"
        super().__init__(f"unknown law {name!r}")


def _bare(name: str) -> str:
    return name.strip().strip("《》").removeprefix("中华人民共和国")


def law_named(name: str) -> Law:
    """The law a clerk names: 统计法, 中华人民共和国统计法 or 《中华人民共和国统计法》."""
    bare = _bare(name)
    for law in LAWS:
        if bare in (law.short, _bare(law.title)):
            return law
    raise UnknownLaw(name.strip())


def citation_problem(citation: Citation, on: date | None) -> str | None:
    """Why `citation` cannot stand in a reply dated `on` (None: today's law), or None when it can."""
    law = _BY_TITLE.get(citation.law)
    if law is None:
        return f"{citation.law}不在法律法规表中，不能核对其条款"
    version = law.version_on(on)
    if version is None:
        return f"{citation.law}在{_zh(on)}尚未施行（自{_zh(law.versions[0].effective)}起施行）"
    if citation.article is None:
        if version.articles is not None:
            return f"引用{citation.law}须写明第几条"
        return None
    if version.articles is not None and citation.article > version.articles:
        when = f"答复日（{_zh(on)}）施行的" if on else "现行"
        return f"{when}{citation.law}共{chinese_number(version.articles)}条，没有{citation.zh(with_law=False)}"
    return None


def _zh(day: date | None) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day else "今天"


# --- the remedy clause follows the law in force on the reply date -----------------------------------------

# 行政复议法 (2023) Art 23(1)(4) and 23(2), in force 2024-01-01 (its Art 90): a refusal to disclose is
# reconsidered before any lawsuit, and the decision must say so. Before that day the 1999 law applied: the
# applicant chose between reconsideration and a lawsuit (行政诉讼法 Art 44), so no such clause existed.
RECONSIDERATION_FIRST_FROM = date(2024, 1, 1)


def reconsideration_first_in_force(on: date | None) -> bool:
    return on is None or on >= RECONSIDERATION_FIRST_FROM


def reconsideration_period_article(on: date | None) -> Citation:
    """The article giving the 60 days to apply for reconsideration, in the law in force on `on`."""
    if reconsideration_first_in_force(on):
        return Citation(20, paragraph=1, law=RECONSIDERATION_LAW)  # 行政复议法 (2023) Art 20(1)
    # 行政复议法 (1999, as amended 2017) Art 9(1): "自知道该具体行政行为之日起六十日内提出行政复议申请",
    # read in LawRefBook/Laws 诉讼与非诉讼程序法/行政复议法(2017-09-01).md.
    return Citation(9, paragraph=1, law=RECONSIDERATION_LAW)


LITIGATION_PERIOD_ARTICLE = Citation(46, paragraph=1, law=LITIGATION_LAW)  # 行政诉讼法 (2017) Art 46(1): six months


# --- what a clerk types: 统计法:28, 统计法第二十八条第一款, 《中华人民共和国统计法》第二十八条 -------------------

_CN = {c: i for i, c in enumerate("零一二三四五六七八九")}


def chinese_to_int(text: str) -> int:
    """二十八 → 28, 一百零三 → 103: the inverse of chinese_number (1–999)."""
    if not text or any(ch not in _CN and ch not in "十百" for ch in text):
        raise ValueError(text)
    total, digit = 0, None
    for ch in text:
        if ch == "百":
            total += (digit if digit is not None else 1) * 100
            digit = None
        elif ch == "十":
            total += (digit if digit is not None else 1) * 10
            digit = None
        else:
            digit = _CN[ch] if ch != "零" else None
    total += digit or 0
    if not 0 < total < 1000 or chinese_number(total) != text:
        raise ValueError(text)
    return total


_ZH_FORM = re.compile(r"^(?P<law>.+?)第(?P<a>[一二三四五六七八九十百零]+)条"
                      r"(?:第(?P<p>[一二三四五六七八九十]+)款)?(?:第[（(](?P<i>[一二三四五六七八九十]+)[)）]项)?$")


class BadCitation(ValueError):
    def __init__(self, text: str):
        self.message_zh = (f"无法识别法律依据「{text}」，请写成“统计法:28”（法律:条[:款[:项]]）"
                           "或“《中华人民共和国统计法》第二十八条”。")
        super().__init__(f"bad citation {text!r}")


def parse_citation(text: str) -> Citation:
    """A law and article as typed on the CLI or the desk, resolved against the table."""
    text = text.strip()
    if ":" in text or "：" in text:
        name, *numbers = re.split(r"[:：]", text)
        try:
            nums = [int(n) for n in numbers]
        except ValueError:
            raise BadCitation(text) from None
        if not 1 <= len(nums) <= 3 or any(n < 1 for n in nums):
            raise BadCitation(text)
        nums += [None] * (3 - len(nums))
        return Citation(nums[0], paragraph=nums[1], item=nums[2], law=law_named(name).title)
    found = _ZH_FORM.match(text)
    if not found:
        raise BadCitation(text)
    try:
        article = chinese_to_int(found["a"])
        paragraph = chinese_to_int(found["p"]) if found["p"] else None
        item = chinese_to_int(found["i"]) if found["i"] else None
    except ValueError:
        raise BadCitation(text) from None
    return Citation(article, paragraph=paragraph, item=item, law=law_named(found["law"]).title)
