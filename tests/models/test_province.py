"""The province roll-up: every figure of the province dashboard and table 三 is the sum of the agencies' own."""

from dataclasses import replace
from datetime import date

import pytest

from models import actions as A
from models import dashboard as D
from models import province as P
from models.enums import DeliveryMethod, Status
from models.outcomes import Outcome
from models.queries import agency_by_name
from models.registration import register
from models.statistics import count_table3, period, scope_of
from models.statistics.table3 import add_tables, empty_table3
from tests import factories as F

TODAY = date(2026, 3, 16)
AGENCIES = (("示范区人民政府", ""), ("乙区人民政府", "yi"), ("丙区人民政府", "bing"))


def user(prefix: str, name: str) -> str:
    return f"{prefix}_{name}" if prefix else name


def draft(outcome: Outcome) -> A.DraftIn:
    if outcome == Outcome.not_held:
        return A.DraftIn(outcome=outcome, reasons="经检索，本机关未制作、获取该信息。")
    return F.approved_draft(outcome)


def walk(session, calendar, prefix: str, number: str, to: Status, day: date, outcome=Outcome.disclosed) -> None:
    """One agency's case along the happy path, each step by that agency's user, until it stands in `to`."""
    c = lambda name: F.ctx(session, calendar, user(prefix, name), day)  # noqa: E731
    steps = [
        (Status.routed, lambda: A.route(c("clerk"), number, department="区自然资源局")),
        (Status.drafting, lambda: A.submit_opinion(c("dept_ziran"), number, opinion="该信息由我局制作，可以公开。")),
        (Status.legal_review, lambda: A.submit_for_review(c("clerk"), number, draft=draft(outcome))),
        (Status.approved, lambda: A.approve_draft(c("gov_counsel"), number)),
        (Status.issued, lambda: A.issue_reply(c("head"), number, render=lambda no, d: f"答复 {no}".encode())),
        (Status.dispatched, lambda: A.dispatch(c("clerk"), number, method=DeliveryMethod.post, dispatched_on=day,
                                               tracking_no="EMS1")),
    ]
    for reached, step in steps:
        step()
        if reached == to:
            return
    raise ValueError(to)


def registered(session, calendar, name: str, prefix: str, day: date) -> str:
    ctx = F.ctx(session, calendar, user(prefix, "clerk"), day)
    return register(ctx, replace(F.application_in(day), agency=name,
                                 request_text=f"请公开{name}{day}收到的某地块征收补偿方案")).application.number


@pytest.fixture
def province(session, calendar):
    """Three agencies, each with a different mix: overdue, stale, routed, answered, concluded (in 2025 and 2026)."""
    for name, prefix in AGENCIES[1:]:
        F.seed_agency(session, name, prefix)
    for k, (name, prefix) in enumerate(AGENCIES):
        for _ in range(k + 1):
            registered(session, calendar, name, prefix, date(2026, 1, 5))  # overdue, and sitting too long
        registered(session, calendar, name, prefix, date(2026, 3, 2 + k))  # on track, stale for the first two
        walk(session, calendar, prefix, registered(session, calendar, name, prefix, date(2026, 3, 6)),
             Status.routed, date(2026, 3, 6 + k))
        for _ in range(2 - k % 2):  # routed on Mon 03-02, answered 1, 3 or 5 WD later
            number = registered(session, calendar, name, prefix, date(2026, 3, 2))
            walk(session, calendar, prefix, number, Status.routed, date(2026, 3, 2))
            A.submit_opinion(F.ctx(session, calendar, user(prefix, "dept_ziran"), date(2026, 3, 3 + 2 * k)), number,
                             opinion="该信息由我局制作，可以公开。")
        walk(session, calendar, prefix, registered(session, calendar, name, prefix, date(2026, 2, 2)),
             Status.dispatched, date(2026, 2, 10 + k), outcome=(Outcome.disclosed, Outcome.not_held)[k % 2])
        if k:
            walk(session, calendar, prefix, registered(session, calendar, name, prefix, date(2025, 12, 1)),
                 Status.legal_review, date(2025, 12, 5))  # carried over into 2026
    return [agency_by_name(session, name) for name, _ in AGENCIES]


def test_province_dashboard_is_the_sum_of_the_agencies_dashboards_and_lists_their_earliest(session, calendar, province):
    cut = D.Cutoffs.on(TODAY, calendar=calendar)
    whole = P.province_dashboard(session, cutoffs=cut, calendar=calendar)
    each = {a.name: D.supervisor_dashboard(session, agency_id=a.id, cutoffs=cut, calendar=calendar) for a in province}
    assert whole.open_total == sum(d.open_total for d in each.values()) == 19
    assert whole.by_level == {lv: sum(d.by_level[lv] for d in each.values()) for lv in D.LEVELS}
    stages = {s for d in each.values() for s in d.by_stage}
    assert whole.by_stage == {s: {lv: n for lv in D.LEVELS
                                  if (n := sum(d.by_stage.get(s, {}).get(lv, 0) for d in each.values()))}
                              for s in sorted(stages, key=list(Status).index)}
    lines = {line.agency: line for line in whole.agencies}
    assert set(lines) == set(each)
    for name, d in each.items():
        line = lines[name]
        assert line.by_level == d.by_level and line.open_total == d.open_total
        assert line.open_assignments == sum(sum(counts.values()) for counts in d.by_department.values())
        answered = sum(t.answered for t in d.answer_times)
        assert (line.answered, line.on_time) == (answered, sum(t.on_time for t in d.answer_times))
        assert line.longest_days == max(t.longest_days for t in d.answer_times)
        assert line.average_days == round(sum(t.average_days * t.answered for t in d.answer_times) / answered, 1)
    whole = P.province_dashboard(session, cutoffs=cut, calendar=calendar, list_limit=4)  # the urgent lists
    urgent = sorted(((c.due_date, name, c.number) for name, d in each.items() for c in d.urgent))
    assert len(urgent) == 8  # 1 + 2 + 3 registered on 01-05, two received in 2025
    chosen = [(c.case.due_date, c.agency, c.case.number) for c in whole.urgent]
    assert set(chosen) <= set(urgent)
    assert [due for due, _, _ in chosen] == [due for due, _, _ in urgent[:4]]  # the most overdue of every agency
    risky = {(name, r.case.number, r.days_in_stage) for name, d in each.items() for r in d.at_risk}
    assert {(r.agency, r.risk.case.number, r.risk.days_in_stage) for r in whole.at_risk} <= risky
    assert max(days for _, _, days in risky) == whole.at_risk[0].risk.days_in_stage


def test_answer_times_count_working_days_across_the_spring_festival(session, calendar):
    """Routed on Fri 2026-02-13, answered Tue 02-24: the 春节 days between are not counted (2 WD, not 11)."""
    number = F.register_case(session, calendar, date(2026, 2, 13))
    walk(session, calendar, "", number, Status.routed, date(2026, 2, 13))
    A.submit_opinion(F.ctx(session, calendar, "dept_ziran", date(2026, 2, 24)), number, opinion="可以公开。")
    agency = agency_by_name(session, AGENCIES[0][0])
    figures = P.answer_times_by_agency(session, since=date(2026, 1, 1), calendar=calendar)
    days = calendar.working_days_between(date(2026, 2, 13), date(2026, 2, 24))
    assert figures[agency.id] == (1, float(days), days, 1)
    assert D.answer_times(session, agency_id=agency.id, since=date(2026, 1, 1), calendar=calendar)[0].longest_days == days


def test_province_table3_is_the_sum_of_the_agencies_tables(session, calendar, province):
    for year in (2025, 2026):  # a past year, and the live one
        whole = P.province_table3(session, year=year, today=TODAY)
        total = empty_table3()
        for agency in province:
            total = add_tables(total, count_table3(session, scope_of(session, agency), period(year, today=TODAY)).table3)
        assert whole.agencies == 3 and whole.counted.table3 == total
        assert whole.counted.concluded_without_outcome == 0
    assert total["new_received"][-1] == 20 and total["carried_over"][-1] == 2
    assert total["r1_disclosed"][-1] == 2 and total["r4_1_not_held"][-1] == 1


def test_an_installation_without_cases_has_an_empty_province(session, calendar):
    F.ctx(session, calendar, "clerk", TODAY)  # the demo agency, no case
    whole = P.province_dashboard(session, cutoffs=D.Cutoffs.on(TODAY, calendar=calendar), calendar=calendar)
    assert whole.open_total == 0 and [line.open_total for line in whole.agencies] == [0]
    assert whole.agencies[0].answered == 0 and whole.agencies[0].average_days is None
    assert P.province_table3(session, year=2026, today=TODAY).counted.table3 == empty_table3()


def test_the_province_report_prints_the_totals_each_agency_and_table3(session, calendar, engine, province, monkeypatch):
    from typer.testing import CliRunner

    from interfaces.cli import report_cmd

    monkeypatch.setenv("GONGKAI_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    result = CliRunner().invoke(report_cmd.app, ["province", "--today", TODAY.isoformat(), "--limit", "3"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "全部机关（3个）截至2026-03-16：在办 19 件" in out
    lines = {line.split("：")[0].strip(): line for line in out.splitlines() if "区人民政府：在办" in line}
    assert [lines[name].split("在办 ")[1].split(" 件")[0] for name, _ in AGENCIES] == ["5", "6", "8"]
    assert "本年答复 3 件，平均 0.7 个工作日，最长 1 个工作日，按期 3 件" in lines["示范区人民政府"]
    assert "表三 2026年度（3个机关汇总，截至2026-03-16）" in out
    assert "乙区人民政府 2025-000001" in out and "丙区人民政府 2025-000001" in out  # the same number: the agency tells
    assert "（一）予以公开\t0\t0\t0\t0\t0\t0\t0" not in out and "\t20\n" in out  # 20 received this year in all
