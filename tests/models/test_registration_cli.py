"""Registration and agency settings through the gongkai CLI as a clerk or an admin runs them (in process)."""

import json
import sys

import pytest

from tests.cli_harness import demo_installation, invoke
from tests.models.test_cli import REGISTER


@pytest.fixture
def cli(tmp_path, demo_templates):
    """`cli(*args, ok=True, today="2026-03-02")`: gongkai on a fresh demo database, "today" pinned per call."""
    env = {"GONGKAI_VAR_DIR": str(tmp_path), "GONGKAI_ENGINE": "inline", "GONGKAI_USER": "clerk"}
    demo_installation(demo_templates / "2026-03-02", tmp_path, {**env, "GONGKAI_TODAY": "2026-03-02"})

    def run(*args, ok=True, today="2026-03-02"):
        done = invoke({**env, "GONGKAI_TODAY": today}, *args)
        assert (done.returncode == 0) == ok, done.stdout + done.stderr
        return done

    return run


def test_an_ordinary_letter_is_registered_on_the_day_it_was_confirmed_and_refused_without(cli):
    letter = (*REGISTER, "--channel", "ordinary_mail", "--arrived", "2026-02-27")
    refused = cli(*letter, ok=False)
    assert "平常信函应于收到当日与申请人确认" in refused.stderr and "确认日期和确认方式" in refused.stderr
    done = json.loads(cli(*letter, "--confirmed-on", "2026-03-02", "--confirmation-method", "phone",
                          "--confirmation-note", "2月27日来电无人接听，3月2日电话确认", "--json").stdout.splitlines()[0])
    assert done["receipt_date"] == "2026-03-02" and done["due_date"] == "2026-03-30"


def test_an_oral_application_and_an_agent_application_register_from_the_command_line(cli):
    oral = cli(*REGISTER, "--channel", "oral", "--transcribed", "--confirmed", "--confirmation-method", "signature")
    assert "已登记申请 2026-000001" in oral.stdout
    agent = cli(*REGISTER[:-1], "请公开某河道整治工程竣工验收报告", "--agent-name", "李律师",
                "--agent-id-type", "resident_id", "--agent-id-number", "110101198003151239",
                "--agent-phone", "13700137000")
    assert "缺少授权委托书" in agent.stdout
    shown = cli("show", "2026-000002").stdout
    assert "代理人：李律师，110101198003151239，13700137000" in shown and "缺少：授权委托书" in shown


def test_an_id_number_on_file_with_another_name_is_refused_until_keep_or_update(cli):
    cli(*REGISTER)
    zhao = (*REGISTER[:4], "赵四", *REGISTER[5:10], "13900139000", "--text", "请公开河道验收报告")
    refused = cli(*zhao, ok=False)
    assert "已登记为申请人「张三」" in refused.stderr and "--applicant-on-file keep" in refused.stderr
    assert "2026-000002" not in cli("list").stdout
    updated = cli(*zhao, "--applicant-on-file", "update")
    assert "已按本次填写更新申请人信息：姓名或名称 张三 → 赵四" in updated.stdout


def test_show_of_a_case_waiting_for_its_supplement_has_no_due_date_and_no_overdue(cli):
    cli(*REGISTER)
    cli("supplement", "2026-000001", "--items", "请写明文号", "--days", "20", today="2026-03-04")
    shown = json.loads(cli("show", "2026-000001", "--json", today="2026-03-31").stdout)
    assert (shown["due_date"], shown["level"], shown["supplement_period_ends"]) == (None, "awaiting_supplement",
                                                                                    "2026-04-01")
    assert "逾期" not in shown["explain"] and "等待申请人补正" in shown["explain"]


def test_the_admin_edits_the_litigation_keywords_and_show_prints_the_audit(cli):
    refused = cli("agency", "set", "示范区人民政府", "--add-keyword", "违建", ok=False)  # GONGKAI_USER is the clerk
    assert "只有系统管理员" in refused.stderr
    done = cli("agency", "set", "示范区人民政府", "--add-keyword", "违建", "--remove-keyword", "土地", "-u", "admin")
    assert "征地、征收、拆迁、拆除、强拆、补偿安置、违建" in done.stdout
    shown = cli("agency", "show", "示范区人民政府").stdout
    assert "易诉案件关键词：征地、征收、拆迁、拆除、强拆、补偿安置、违建" in shown
    assert "系统管理员 修改易诉关键词：征地、征收、拆迁、拆除、强拆、补偿安置、土地 → " in shown
    flagged = json.loads(cli(*REGISTER[:-1], "请公开对我村违建的认定书", "--json").stdout.splitlines()[0])
    assert flagged["litigation_prone"] is True
