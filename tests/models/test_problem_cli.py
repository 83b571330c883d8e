"""gongkai problem add / note / close / list in a subprocess: the printed lines, Chinese refusals, nothing half-written."""

import json

from tests.models.test_cli import REGISTER, cli  # noqa: F401  (the fixture: a demo database, GONGKAI_TODAY 2026-03-02)


def test_problem_commands_list_note_and_close_a_case_and_refuse_in_chinese(cli):  # noqa: F811
    cli(*REGISTER)
    bad = cli("problem", "add", "2026-000001", "--reason", "lazy", "--owner", "clerk", "--days", "5", "--plan", "x",
              ok=False)
    assert bad.returncode == 2 and "列入原因" in bad.stderr
    added = cli("problem", "add", "2026-000001", "--reason", "old_records", "--owner", "dept_ziran", "--days", "5",
                "--plan", "调阅1990年代土地档案")
    assert "已列入问题清单" in added.stdout and "2026-03-09" in added.stdout
    cli("problem", "note", "2026-000001", "--text", "档案馆已找到目录", "-u", "dept_ziran")
    refused = cli("problem", "close", "2026-000001", "--result", "x", "-u", "dept_ziran", ok=False)
    assert refused.returncode == 1 and "无权" in refused.stderr and "Traceback" not in refused.stderr
    listed = json.loads(cli("problem", "list", "--json").stdout)["items"]
    assert [(i["number"], i["reason"], i["due_date"], i["level"], [n["text"] for n in i["notes"]]) for i in listed] == [
        ("2026-000001", "年代久远", "2026-03-09", "on_track", ["档案馆已找到目录"])]
    assert "已销号" in cli("problem", "close", "2026-000001", "--result", "已按档案答复", "-u", "head").stdout
    assert "没有在办事项" in cli("problem", "list").stdout
