"""The table of laws a reply cites: the text in force on a day, its article count, what a clerk types."""

from datetime import date

import pytest

from models.laws import (
    LAWS,
    BadCitation,
    UnknownLaw,
    chinese_to_int,
    citation_problem,
    law_named,
    parse_citation,
    reconsideration_first_in_force,
    reconsideration_period_article,
)
from models.outcomes import FEE_RULES, OGI, Citation, chinese_number

# (short name, day, articles of the text in force that day) — from LawRefBook/Laws 2f4c5c2, each text's last
# article; the dates are the ones those articles state ("本法自……起施行"), except where models/laws.py marks [U].
IN_FORCE = [
    ("保守国家秘密法", date(2024, 4, 30), 53),
    ("保守国家秘密法", date(2024, 5, 1), 65),
    ("档案法", date(2021, 1, 1), 53),
    ("统计法", date(2024, 9, 12), 50),
    ("统计法", date(2024, 9, 13), 53),
    ("个人信息保护法", date(2021, 11, 1), 74),
    ("行政复议法", date(2023, 12, 31), 43),
    ("行政复议法", date(2024, 1, 1), 90),
    ("行政诉讼法", date(2025, 1, 1), 103),
    ("政府信息公开条例", date(2019, 5, 15), 56),
]


@pytest.mark.parametrize("short, day, articles", IN_FORCE, ids=[f"{s}-{d}" for s, d, _ in IN_FORCE])
def test_the_text_in_force_on_a_day_and_its_article_count(short, day, articles):
    assert law_named(short).version_on(day).articles == articles


@pytest.mark.parametrize("short, before", [
    ("档案法", date(2020, 12, 31)), ("个人信息保护法", date(2021, 10, 31)), ("行政复议法", date(1999, 9, 30)),
], ids=["archives-law-2020-revision", "pipl", "reconsideration-law"])
def test_no_text_before_the_first_one_takes_effect(short, before):
    assert law_named(short).version_on(before) is None


def test_every_law_in_the_table_has_a_source_and_dated_versions_in_order():
    assert {"保守国家秘密法", "档案法", "统计法", "个人信息保护法", "行政复议法", "行政诉讼法"} <= {law.short for law in LAWS}
    for law in LAWS:
        days = [v.effective for v in law.versions]
        assert days == sorted(days) and all(v.source for v in law.versions)
        assert law.title.startswith("《") and law.title.endswith("》")


@pytest.mark.parametrize("citation, on, problem", [
    (Citation(99, law="《中华人民共和国统计法》"), date(2025, 3, 28), "共五十三条，没有第九十九条"),
    (Citation(57), date(2025, 3, 28), "共五十六条，没有第五十七条"),
    (Citation(103, law="《中华人民共和国行政诉讼法》"), date(2025, 3, 28), None),
    (Citation(None, law=FEE_RULES), date(2025, 3, 28), None),
    (Citation(None, law="《中华人民共和国统计法》"), date(2025, 3, 28), "须写明第几条"),
    (Citation(1, law="《某某条例》"), date(2025, 3, 28), "不在法律法规表中"),
], ids=["statistics-law-99", "regulation-57", "litigation-law-103", "fee-rules-by-name", "law-without-article",
        "unknown"])
def test_citation_problem(citation, on, problem):
    found = citation_problem(citation, on)
    assert (found is None) if problem is None else (problem in found)


@pytest.mark.parametrize("text, expected", [
    ("统计法:28", Citation(28, law="《中华人民共和国统计法》")),
    ("统计法：28：1", Citation(28, paragraph=1, law="《中华人民共和国统计法》")),
    ("《中华人民共和国统计法》第二十八条", Citation(28, law="《中华人民共和国统计法》")),
    ("社会保险法第七十四条第四款", Citation(74, paragraph=4, law="《中华人民共和国社会保险法》")),
    ("政府信息公开条例第三十六条第（三）项", Citation(36, item=3, law=OGI)),
    ("行政诉讼法第一百零三条", Citation(103, law="《中华人民共和国行政诉讼法》")),
], ids=["short-colon", "fullwidth-colon-paragraph", "full-title", "paragraph", "item", "above-99"])
def test_parse_citation(text, expected):
    assert parse_citation(text) == expected


@pytest.mark.parametrize("text, error", [
    ("统计法", BadCitation), ("统计法:二十八", BadCitation), ("某某法:1", UnknownLaw), ("统计法第二十八", BadCitation),
], ids=["no-article", "chinese-after-colon", "unknown-law", "no-tiao"])
def test_parse_citation_refuses_in_chinese(text, error):
    with pytest.raises(error) as exc:
        parse_citation(text)
    assert exc.value.message_zh


@pytest.mark.parametrize("n", [1, 10, 11, 20, 36, 99, 100, 101, 103, 110, 115, 120, 999])
def test_chinese_numbers_round_trip_up_to_999(n):
    assert chinese_to_int(chinese_number(n)) == n


def test_chinese_number_of_articles_above_99():
    assert [chinese_number(n) for n in (100, 103, 110, 115)] == ["一百", "一百零三", "一百一十", "一百一十五"]


def test_the_remedy_law_follows_the_reply_date():
    assert not reconsideration_first_in_force(date(2023, 12, 31))
    assert reconsideration_first_in_force(date(2024, 1, 1))
    assert reconsideration_period_article(date(2023, 12, 31)).zh() == "《中华人民共和国行政复议法》第九条第一款"
    assert reconsideration_period_article(date(2024, 1, 1)).zh() == "《中华人民共和国行政复议法》第二十条第一款"
