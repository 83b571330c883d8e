"""Every check fails on a doctored table with a message naming its row and column; Hedong 2021 fails exactly one."""

import copy

import pytest

from models.statistics import check_published


def doctor(data: dict, edit) -> dict:
    changed = copy.deepcopy(data)
    edit(changed)
    return changed


def test_published_hedong_2021_fails_only_the_table_four_group(hedong):
    failures = check_published(hedong)
    assert [(f.rule, f.where) for f in failures] == [("table4_total", "litigation_after_reconsideration")]
    assert "复议后起诉" in failures[0].message_zh and "总计为1" in failures[0].message_zh


def _fixed(hedong):
    return doctor(hedong, lambda d: d["table4"]["litigation_after_reconsideration"].update(total=2))


def _set(row, col, value):
    return lambda d: d["table3"][row].__setitem__(col, value)


def _both(*edits):
    def edit(d):
        for e in edits:
            e(d)
    return edit


@pytest.mark.parametrize("edit, rules, words", [
    # 一 + 二 ≠ 三(七) + 四 in 自然人 and 总计 (all rows still add up across and down)
    (_both(_set("new_received", 0, 80), _set("new_received", 6, 80)), ["balance", "balance"], ["自然人", "一、本年新收"]),
    # （七）总计 ≠ sum of its rows
    (_both(_set("r7_total", 0, 78), _set("r7_total", 6, 78), _set("carried_forward", 0, 1), _set("carried_forward", 6, 1)),
     ["results_sum", "results_sum"], ["（七）总计为78"]),
    # 总计 column ≠ sum of the applicant columns
    (_set("r3_4_third_party", 6, 2), ["results_sum", "columns_sum"], ["（三）不予公开4.保护第三方合法权益", "总计为2"]),
    # table 四 group total ≠ its parts
    (lambda d: d["table4"]["reconsideration"].update(corrected=10), ["table4_total"], ["行政复议", "总计为12"]),
    # a missing row
    (lambda d: d["table3"].pop("r5_2_repeat"), ["shape"], ["2.重复申请"]),
], ids=["balance", "results-sum", "columns-sum", "table4-total", "missing-row"])
def test_each_check_fails_on_a_doctored_table(hedong, edit, rules, words):
    failures = check_published(doctor(_fixed(hedong), edit))
    assert [f.rule for f in failures] == rules
    for word in words:
        assert any(word in f.message_zh for f in failures), (word, [f.message_zh for f in failures])


def test_carried_over_must_equal_last_years_carried_forward(hedong):
    last_year = doctor(_fixed(hedong), lambda d: d["table3"]["carried_forward"].__setitem__(0, 3))
    failures = check_published(_fixed(hedong), previous=last_year)
    assert [(f.rule, f.where) for f in failures] == [("carry_over", "natural_person")]
    assert "2020年 四、结转下年度继续办理（3）" in failures[0].message_zh


def test_a_clean_table_passes(hedong):
    assert check_published(_fixed(hedong)) == []


def test_every_failure_is_shown_not_only_the_first(hedong):
    data = doctor(hedong, _both(_set("r1_disclosed", 6, 47), lambda d: d["table4"]["reconsideration"].update(total=1)))
    assert {f.rule for f in check_published(data)} == {"columns_sum", "results_sum", "table4_total"}
