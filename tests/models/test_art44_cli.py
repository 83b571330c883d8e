"""gongkai art44 (the real command tree, in process): proposals, a decision, the offer, Chinese refusals, nothing
half-written."""

import json

from tests.models.test_art44 import ASKED, person
from tests.models.test_cli import cli  # noqa: F401  (the fixture: a demo database, GONGKAI_TODAY 2026-03-02)


def _register(cli, text, n):  # noqa: F811
    out = cli("register", "--agency", "示范区人民政府", "--name", f"申请人{n}", "--id-type", "resident_id",
              "--id-number", person(n), "--phone", "13800138000", "--text", text, "--json")
    return json.loads(out.stdout.splitlines()[0])["number"]


def test_art44_commands_propose_decide_and_offer_and_refuse_in_chinese(cli):  # noqa: F811
    numbers = [_register(cli, t, n) for n, t in enumerate(ASKED[:3], start=1)]
    [proposal] = json.loads(cli("art44", "proposals", "--json").stdout)["proposals"]
    assert proposal["numbers"] == numbers and proposal["applicants"] == 3
    bad = cli("art44", "publish", *numbers, "--title", "x", "--location", "门户网站", "--on", "2026-3-1", ok=False)
    assert bad.returncode == 2 and "YYYY-MM-DD" in bad.stderr
    refused = cli("art44", "publish", *numbers, "--title", "东关村征收补偿安置方案", "--location", "门户网站",
                  "--on", "2026-03-09", ok=False)
    assert refused.returncode == 1 and "不能晚于今天" in refused.stderr and "Traceback" not in refused.stderr
    assert "尚无决定" in cli("art44", "decisions").stdout  # nothing half-written
    assert "无权" in cli("art44", "decline", *numbers, "--reason", "x", "-u", "counsel", ok=False).stderr
    done = cli("art44", "publish", *numbers, "--title", "东关村征收补偿安置方案", "--location", "区政府门户网站征地信息栏目",
               "--url", "http://www.example.gov.cn/zd/1.html", "--on", "2026-03-02")
    assert "已登记主动公开" in done.stdout
    later = _register(cli, ASKED[3], 7)
    offered = json.loads(cli("art44", "offer", later, "--json").stdout)["offer"]
    assert offered["outcome"] == "art36_1_already_public" and "区政府门户网站征地信息栏目" in offered["body"]
    assert "没有达到人数下限" in cli("art44", "proposals").stdout
    assert "主动公开" in cli("art44", "decisions").stdout
