"""The consistency checks of a table (regulation.md §4.3, §4.5): every failure, each named by row and column.

They run on plain data (the JSON shape of tests/statistics/data/annual-report-hedong-2021.json), so the same
code checks a table Gongkai computed and a table some district published.
"""

from dataclasses import dataclass

from models.outcomes import (
    APPLICANT_KIND_LABELS,
    RESULT_ROW_KEYS,
    TABLE3_COLUMNS,
    TABLE3_ROW_KEYS,
    TABLE3_ROWS,
    ApplicantKind,
    ChallengeKind,
    ChallengeResult,
)
from models.statistics.table4 import TABLE4_KEYS, TABLE4_PARTS

COLUMN_LABELS = [APPLICANT_KIND_LABELS[ApplicantKind(k)] for k in TABLE3_COLUMNS[:-1]] + ["总计"]
ROW_LABELS = {r.key: (f"{r.group}{r.label}" if r.group and r.group.startswith("（") else r.label) for r in TABLE3_ROWS}
ROW_LABELS["r7_total"] = "三、（七）总计"


@dataclass(frozen=True)
class CheckFailure:
    """One broken rule: which rule, where, and the sentence a reviewer reads."""

    rule: str  # shape | balance | results_sum | columns_sum | carry_over | table4_total | no_outcome
    where: str
    message_zh: str


def check_shape(data: dict) -> list[CheckFailure]:
    """Every row with seven numbers and every table 四 cell present: the other checks need the full table."""
    failures = []
    table3, table4 = data.get("table3") or {}, data.get("table4") or {}
    if list(data.get("columns", TABLE3_COLUMNS)) != list(TABLE3_COLUMNS):
        failures.append(CheckFailure("shape", "columns", f"表三列顺序应为：{'、'.join(COLUMN_LABELS)}"))
    for key in TABLE3_ROW_KEYS:
        values = table3.get(key)
        if not (isinstance(values, list) and len(values) == len(TABLE3_COLUMNS)
                and all(isinstance(v, int) and v >= 0 for v in values)):
            failures.append(CheckFailure("shape", key, f"表三「{ROW_LABELS[key]}」行缺失或不是7个非负整数"))
    for kind in ChallengeKind:
        group = table4.get(kind.value)
        if not (isinstance(group, dict) and all(isinstance(group.get(k), int) for k in TABLE4_KEYS)):
            failures.append(CheckFailure("shape", kind.value, f"表四「{kind.label}」缺少结果维持、结果纠正、其他结果、尚未审结或总计"))
    return failures


def check_table3(table3: dict[str, list[int]]) -> list[CheckFailure]:
    """The three rules inside one year's table 三, per column and for 总计."""
    failures = []
    for i, column in enumerate(COLUMN_LABELS):
        t = {key: table3[key][i] for key in TABLE3_ROW_KEYS}
        # Official note in the header cell: 第一项加第二项之和，等于第三项加第四项之和.
        if t["new_received"] + t["carried_over"] != t["r7_total"] + t["carried_forward"]:
            failures.append(CheckFailure(
                "balance", TABLE3_COLUMNS[i],
                f"「{column}」列：一、本年新收（{t['new_received']}）+ 二、上年结转（{t['carried_over']}）"
                f"= {t['new_received'] + t['carried_over']}，不等于 三、（七）总计（{t['r7_total']}）"
                f"+ 四、结转下年度（{t['carried_forward']}）= {t['r7_total'] + t['carried_forward']}"))
        results = sum(t[key] for key in RESULT_ROW_KEYS)
        if results != t["r7_total"]:
            failures.append(CheckFailure(
                "results_sum", TABLE3_COLUMNS[i],
                f"「{column}」列：三、（七）总计为{t['r7_total']}，但（一）至（六）各项之和为{results}"))
    for key in TABLE3_ROW_KEYS:
        values = table3[key]
        if sum(values[:-1]) != values[-1]:
            failures.append(CheckFailure(
                "columns_sum", key,
                f"「{ROW_LABELS[key]}」行：总计为{values[-1]}，但自然人与法人或其他组织各列之和为{sum(values[:-1])}"))
    return failures


def check_carry_over(table3: dict[str, list[int]], previous: dict[str, list[int]], *, year: int) -> list[CheckFailure]:
    """This year's 二 equals last year's 四, column by column (the cross-year rule public reviewers apply)."""
    failures = []
    for i, column in enumerate(COLUMN_LABELS):
        now, before = table3["carried_over"][i], previous["carried_forward"][i]
        if now != before:
            failures.append(CheckFailure(
                "carry_over", TABLE3_COLUMNS[i],
                f"「{column}」列：{year}年 二、上年结转（{now}）不等于 {year - 1}年 四、结转下年度继续办理（{before}）"))
    return failures


def check_table4(table4: dict[str, dict[str, int]]) -> list[CheckFailure]:
    """Table 四: in each group 总计 = 结果维持 + 结果纠正 + 其他结果 + 尚未审结."""
    failures = []
    for kind in ChallengeKind:
        group = table4[kind.value]
        parts = [group[p] for p in TABLE4_PARTS]
        if sum(parts) != group["total"]:
            shown = " + ".join(f"{ChallengeResult(p).label}{group[p]}" for p in TABLE4_PARTS)
            failures.append(CheckFailure(
                "table4_total", kind.value,
                f"表四「{kind.label}」：总计为{group['total']}，但 {shown} = {sum(parts)}"))
    return failures


def check_published(data: dict, previous: dict | None = None) -> list[CheckFailure]:
    """Every check on a table in the published JSON shape; `previous` is last year's table, if known."""
    if not isinstance(data, dict) or not all(isinstance(data.get(t) or {}, dict) for t in ("table3", "table4")):
        return [CheckFailure("shape", "file", "文件内容应为一个 JSON 对象，其中 table3、table4 为按行键排列的对象")]
    if previous is not None and not isinstance(previous, dict):
        return [CheckFailure("shape", "previous", "上年度表格应为一个 JSON 对象")]
    failures = check_shape(data)
    if failures:
        return failures
    failures = check_table3(data["table3"]) + check_table4(data["table4"])
    if previous is not None:
        prev_shape = check_shape(previous)
        if prev_shape:
            return failures + [CheckFailure(f.rule, f"previous:{f.where}", f"上年度表格：{f.message_zh}")
                               for f in prev_shape]
        year = data.get("year", 0)
        failures += check_carry_over(data["table3"], previous["table3"],
                                     year=int(year) if str(year).isdecimal() and len(str(year)) <= 4 else 0)
    return failures
