"""The gongkai CLI end to end (the real command tree, in process; the console script itself in a subprocess): exact
output, Chinese errors, exit codes, nothing half-written."""

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli_harness import demo_installation, invoke
from tests.factories import SMALL_PDF

GONGKAI = [sys.executable, "-m", "interfaces.cli.main"]
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def cli(tmp_path, demo_templates):
    """`cli(*args, ok=True)`: gongkai on a fresh demo installation, in this process (tests/cli_harness.py)."""
    env = {"GONGKAI_VAR_DIR": str(tmp_path), "GONGKAI_ENGINE": "inline", "GONGKAI_TODAY": "2026-03-02",
           "GONGKAI_USER": "clerk"}
    demo_installation(demo_templates / "2026-03-02", tmp_path, env)

    def run(*args, ok=True):
        done = invoke(env, *args)
        assert (done.returncode == 0) == ok, done.stdout + done.stderr
        return done

    return run


REGISTER = ("register", "--agency", "示范区人民政府", "--name", "张三", "--id-type", "resident_id",
            "--id-number", "11010519491231002X", "--phone", "13800138000", "--text", "请公开2025年财政预算执行报告")


def test_register_route_and_show_print_what_happened_and_what_the_case_waits_for(cli):
    registered = cli(*REGISTER, "--json")
    data = json.loads(registered.stdout.splitlines()[0])
    assert data["number"] == "2026-000001" and data["due_date"] == "2026-03-30"
    routed = cli("route", "2026-000001", "--department", "区自然资源局")
    assert "已交办区自然资源局" in routed.stdout and "等待承办单位签收" in routed.stdout
    shown = json.loads(cli("show", "2026-000001", "--json").stdout)
    assert shown["status"] == "routed" and "第20个工作日 2026-03-30" in shown["explain"]
    assert [e["action"] for e in shown["events"] if e["actor"] != "系统"] == ["register", "route"]


def test_a_forbidden_action_exits_non_zero_with_a_chinese_message_and_changes_nothing(cli):
    cli(*REGISTER)
    refused = cli("review-approve", "2026-000001", "-u", "counsel", ok=False)
    assert refused.returncode == 1 and "不能执行「审核通过」" in refused.stderr
    assert "Traceback" not in refused.stderr
    shown = json.loads(cli("show", "2026-000001", "--json").stdout)
    assert shown["status"] == "registered"


def test_an_invalid_registration_is_refused_and_nothing_is_written(cli):
    bad = cli("register", "--agency", "示范区人民政府", "--name", "李四", "--phone", "123", "--text", "x", ok=False)
    assert "联系电话" in bad.stderr
    assert "没有符合条件的申请" in cli("list").stdout


def test_an_unknown_agency_on_import_names_the_line(cli, tmp_path):
    path = tmp_path / "legacy.jsonl"
    path.write_text(json.dumps({"agency": "不存在的机关", "number": "2021-000001"}, ensure_ascii=False) + "\n",
                    encoding="utf-8")
    failed = cli("import", str(path), ok=False)
    assert "第1行" in failed.stderr and "不存在" in failed.stderr


def test_export_then_import_elsewhere_round_trips(cli, tmp_path):
    cli(*REGISTER)
    exported = tmp_path / "out.jsonl"
    cli("export", "--output", str(exported))
    record = json.loads(exported.read_text(encoding="utf-8"))
    assert record["number"] == "2026-000001" and record["status"] == "registered"


def test_a_command_that_reports_failures_exits_non_zero(cli, tmp_path):
    bad = tmp_path / "2027.yaml"
    bad.write_text("year: 2027\n", encoding="utf-8")
    failed = cli("calendar", "check", str(bad), ok=False)
    assert failed.returncode == 1 and "缺少必填项" in failed.stdout + failed.stderr


def test_a_department_attaches_files_to_its_opinion_and_show_lists_them(cli, tmp_path):
    cli(*REGISTER)
    cli("route", "2026-000001", "--department", "区自然资源局")
    basis = tmp_path / "答复依据.pdf"
    basis.write_bytes(SMALL_PDF)
    missing = cli("opinion", "2026-000001", "--text", "可以公开", "--attach", str(tmp_path / "没有.pdf"),
                  "-u", "dept_ziran", ok=False)
    assert missing.returncode == 1 and "附件文件" in missing.stderr and "不存在" in missing.stderr
    wrong = tmp_path / "伪装.pdf"
    wrong.write_bytes(b"PK\x03\x04")
    refused = cli("opinion", "2026-000001", "--text", "可以公开", "--attach", str(basis), "--attach", str(wrong),
                  "-u", "dept_ziran", ok=False)
    assert "附件「伪装.pdf」的内容不是PDF文件" in refused.stderr
    assert json.loads(cli("show", "2026-000001", "--json").stdout)["attachments"] == []  # nothing half-written
    done = cli("opinion", "2026-000001", "--text", "可以公开", "--attach", str(basis), "-u", "dept_ziran")
    assert "已提交书面答复意见（附件1个）" in done.stdout
    shown = cli("show", "2026-000001").stdout
    digest = hashlib.sha256(SMALL_PDF).hexdigest()
    assert f"附件：答复依据.pdf（{len(SMALL_PDF)} B，SHA-256 {digest[:12]}…）" in shown


USAGE_ERRORS = [
    (("show", "2026-000001", "-u", "clerk"), "没有选项「-u」", "gongkai show"),
    (("show",), "缺少参数「number」", "gongkai show"),
    (("route", "2026-000001"), "缺少选项「--department」", "gongkai route"),
    (("list", "--status", "closed"), "状态「closed」无效，应为：registered、", "gongkai list"),
    (("dispatch", "2026-000001", "--method", "pigeon"), "送达方式「pigeon」无效", "gongkai dispatch"),
    (("calendar", "add-working-days", "2022-09-30", "twenty"), "参数「days」的值无效", "gongkai calendar add-working-days"),
    (("report", "annual", "--agency", "示范区人民政府", "--year", "二〇二六"), "选项「--year」的值无效",
     "gongkai report annual"),
    (("flow", "sweep", "--today", "2026-02-30"), "晨检日期「2026-02-30」不是 YYYY-MM-DD 格式", "gongkai flow sweep"),
    (("nosuch",), "命令用法有误", "gongkai"),
]
USAGE_IDS = ["unknown-option", "missing-argument", "missing-option", "bad-choice", "bad-choice-of-an-action",
             "bad-integer-argument", "bad-integer-option", "bad-date", "unknown-command"]


@pytest.fixture
def runner(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from interfaces.cli.main import register

    monkeypatch.setenv("GONGKAI_VAR_DIR", str(tmp_path))  # nothing here may touch a database, but never the real one
    return lambda *args: CliRunner().invoke(register(), list(args))


@pytest.mark.parametrize("args, problem, command", USAGE_ERRORS, ids=USAGE_IDS)
def test_a_usage_error_names_the_problem_in_chinese_points_to_help_and_exits_2(runner, args, problem, command):
    result = runner(*args)
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"错误：{problem}")
    assert f"请运行「{command} --help」查看用法。" in result.stderr
    assert "Traceback" not in result.output and result.stdout == ""


def test_a_domain_error_keeps_its_chinese_message_and_exit_1_without_a_help_hint(runner, tmp_path):
    result = runner("report", "check", str(tmp_path / "没有.json"))
    assert result.exit_code == 1
    assert result.stderr == f"错误：文件不存在：{tmp_path / '没有.json'}\n"


def test_gongkai_without_a_command_prints_its_help_as_click_does(runner):
    result = runner()
    assert result.exit_code == 2 and "register" in result.output and "Traceback" not in result.output


def test_the_console_script_turns_an_unknown_option_into_a_chinese_usage_error(tmp_path):
    script = Path(sys.executable).with_name("gongkai")  # the entry point pip installed, not python -m
    env = {**os.environ, "GONGKAI_VAR_DIR": str(tmp_path)}
    done = subprocess.run([str(script), "show", "2026-000001", "-u", "clerk"], env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr == ("错误：没有选项「-u」。（No such option: -u）\n"
                           "请运行「gongkai show --help」查看用法。\n")


def test_a_database_never_initialised_is_refused_with_a_pointer_to_init(runner):
    result = runner("list")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "数据库尚未初始化或版本过旧（当前版本：无），请先运行 gongkai init" in result.stderr
    assert runner("init").exit_code == 0
    assert runner("list").exit_code == 0


def test_two_agencies_share_2026_000001_and_each_users_command_acts_on_their_own(cli):
    """Actions name the case within the acting user's agency; system commands need --agency when numbers collide."""
    cli("agency", "add", "乙区人民政府", "--reconsideration-body", "示范市人民政府", "--court", "示范市中级人民法院",
        "--doc-number-prefix", "乙政公开")
    cli("department", "add", "乙区人民政府", "区自然资源局")
    cli("user", "add", "yi_clerk", "钱经办", "--role", "clerk", "--agency", "乙区人民政府", "--password", "pw-yi-clerk")
    cli("user", "add", "yi_ziran", "孙承办", "--role", "department_handler", "--agency", "乙区人民政府",
        "--department", "区自然资源局")  # a department is routed to only with a handler on duty
    cli(*REGISTER)
    yi = [arg if arg != "示范区人民政府" else "乙区人民政府" for arg in REGISTER]
    assert json.loads(cli(*yi, "--json", "-u", "yi_clerk").stdout.splitlines()[0])["number"] == "2026-000001"

    routed = cli("route", "2026-000001", "--department", "区自然资源局", "-u", "yi_clerk")
    assert "已交办区自然资源局" in routed.stdout and "自动步骤已完成" in routed.stdout
    assert json.loads(cli("show", "2026-000001", "--agency", "乙区人民政府", "--json").stdout)["status"] == "routed"
    assert json.loads(cli("show", "2026-000001", "--agency", "示范区人民政府", "--json").stdout)["status"] == "registered"

    ambiguous = cli("flow", "advance", "2026-000001", ok=False)
    assert "在多个机关下都存在，请指定机关" in ambiguous.stderr
    assert "2026-000001" in cli("flow", "advance", "2026-000001", "--agency", "乙区人民政府").stdout
    assert cli("flow", "reconcile").stdout.strip() == "已补办 0 件。"


def test_cli_fee_notice_waits_for_counsel_and_the_clerk_cannot_sign_a_reply(cli):
    cli(*REGISTER)
    proposed = cli("fee", "2026-000001", "--method", "per_page", "--pages", "120", "--justification", "申请数量明显超过合理范围")
    assert "已送法律顾问审核" in proposed.stdout and "等待法律顾问审核收费通知" in proposed.stdout
    sent = cli("fee-approve", "2026-000001", "-u", "counsel")
    assert "收费通知已审核通过并发出" in sent.stdout
    refused = cli("issue", "2026-000001", ok=False)
    assert refused.returncode == 1 and "不能执行「签发答复」" in refused.stderr


def test_cli_joint_consultation_needs_the_justice_bureau_and_counsel(cli):
    cli(*REGISTER)
    refused = cli("joint", "2026-000001", "--department", "区自然资源局", "--justice-bureau", "区司法局王科长",
                  "--counsel", " ", "-u", "leader", ok=False)
    assert "缺少：法律顾问" in refused.stderr
    done = cli("joint", "2026-000001", "--department", "区自然资源局", "--justice-bureau", "区司法局王科长",
               "--counsel", "陈律师", "-u", "leader")
    assert "司法局：区司法局王科长" in done.stdout


def test_cli_art35_reasons_then_a_deferred_reply_date(cli):
    cli(*REGISTER)
    assert "已发出说明理由告知书" in cli("reasons", "2026-000001").stdout
    cli("reasons-received", "2026-000001", "--on", "2026-03-02", "--text", "为撰写论文需要")
    deferred = cli("defer", "2026-000001", "--until", "2026-05-29", "--reason", "档案量大", "-u", "head", "--json")
    assert json.loads(deferred.stdout.splitlines()[0])["due_date"] == "2026-05-29"


def test_a_clerk_voids_a_registration_made_in_error_from_the_cli(cli):
    cli(*REGISTER)
    refused = cli("void", "2026-000001", "--reason", " ", ok=False)
    assert "作废登记须写明理由" in refused.stdout + refused.stderr
    voided = cli("void", "2026-000001", "--reason", "重复提交")
    assert "登记已作废（重复提交）" in voided.stdout
    shown = json.loads(cli("show", "2026-000001", "--json").stdout)
    assert shown["status"] == "voided"
