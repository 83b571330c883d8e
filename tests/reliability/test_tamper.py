"""The attacks of issue 13, made with sqlite3 on a copy of an installation, each caught by `audit verify`.

An archived case (its package on disk), an open case approved by counsel, and a third case in between. The
attacker drops the triggers first, as anyone with the database file would, then edits rows and files.
"""

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import Session, select

from models import audit
from models.audit_verify import verify
from models.db import make_engine, migrate
from models.enums import Status
from models.queries import application_by_number
from models.tables import Event
from tests import factories as F
from workflows.engine import archive_case

MON = date(2026, 3, 2)
ROOT = Path(__file__).resolve().parents[2]
DROP_TRIGGERS = "DROP TRIGGER event_no_update; DROP TRIGGER event_no_delete;"


@dataclass
class Installation:
    db: Path
    var: Path
    archived: str  # numbers
    open: str
    between: str

    def events(self, number: str) -> dict[str, int]:
        """action → event id of the case (the last of each action)."""
        with sqlite3.connect(self.db) as c:
            rows = c.execute("SELECT e.action, e.id FROM event e JOIN application a ON a.id = e.application_id "
                             "WHERE a.number = ? ORDER BY e.id", (number,)).fetchall()
        return dict(rows)


@pytest.fixture(scope="module")
def original(tmp_path_factory, calendar):
    """Built once: a real archive package and a case in legal review's wake, through the domain actions."""
    folder = tmp_path_factory.mktemp("original")
    var = folder / "var"
    engine = make_engine(f"sqlite:///{folder / 'gongkai.db'}")
    migrate(engine)
    with Session(engine, expire_on_commit=False) as s:
        archived = F.register_case(s, calendar, MON)
        between = F.register_case(s, calendar, MON)
        opened = F.register_case(s, calendar, MON)
        F.advance(s, calendar, archived, Status.delivered)
        archive_case(s, F.case(s, archived), now=F.at(MON, 15), var_dir=var)
        F.advance(s, calendar, opened, Status.approved)
        assert verify(s, var_dir=var).ok
    engine.dispose()
    return Installation(folder / "gongkai.db", var, archived, opened, between)


@pytest.fixture
def copy(original, tmp_path) -> Installation:
    """The attacker's copy: the database file and the var dir beside it."""
    shutil.copy(original.db, tmp_path / "gongkai.db")
    shutil.copytree(original.var, tmp_path / "var")
    return Installation(tmp_path / "gongkai.db", tmp_path / "var", original.archived, original.open, original.between)


def attack(inst: Installation, script: str, *params) -> None:
    queue = list(params)
    with sqlite3.connect(inst.db) as c:  # the sqlite3 shell's defaults: foreign keys off
        c.executescript(DROP_TRIGGERS)
        for statement in filter(str.strip, script.split(";")):
            used, queue = queue[: statement.count("?")], queue[statement.count("?"):]
            c.execute(statement, used)


def findings(inst: Installation) -> list[str]:
    engine = make_engine(f"sqlite:///{inst.db}")
    try:
        with Session(engine) as s:
            report = verify(s, var_dir=inst.var)
    finally:
        engine.dispose()
    assert not report.ok
    return report.lines()


def test_the_untouched_copy_verifies(copy):
    engine = make_engine(f"sqlite:///{copy.db}")
    with Session(engine) as s:
        report = verify(s, var_dir=copy.var)
    engine.dispose()
    assert report.ok and report.packages == 1 and report.cases == 3


def test_the_triggers_refuse_the_edit_until_they_are_dropped(copy):
    with sqlite3.connect(copy.db) as c, pytest.raises(sqlite3.IntegrityError, match="append-only"):
        c.execute("UPDATE event SET actor_name = '王五'")


def test_a_forged_delivery_actor_and_proof_are_named_field_by_field(copy):
    delivery = copy.events(copy.archived)["record_delivery"]
    attack(copy, "UPDATE event SET actor_name = '王五', actor_id = 1, "
                 "data = json_set(data, '$.proof', '伪造的送达回证') WHERE id = ?", delivery)
    found = findings(copy)
    case = f"申请 {copy.archived}（示范区人民政府），事件 #{delivery}"
    assert found[0] == f"{case}：「登记送达」的内容与其哈希不一致：该事件写入后被改动（现记录的操作人为「王五」）。"
    assert f"{case}：「登记送达」的操作人（actor_name）在数据库中为「王五」，归档包 events.json 中为「王经办」。" in found
    assert any(line.startswith(f"{case}：「登记送达」的记录内容（data）") and "伪造的送达回证" in line for line in found)
    assert any("送达记录为 2026-03-04「邮件签收记录」" in line for line in found)  # the delivery row disagrees


def test_a_deleted_approval_of_an_archived_case_is_named(copy):
    ids = copy.events(copy.archived)
    approval, issued = ids["approve_draft"], ids["issue_reply"]
    attack(copy, "DELETE FROM event WHERE id = ?", approval)
    found = findings(copy)
    assert found[0] == (f"申请 {copy.archived}（示范区人民政府），事件 #{approval}：归档包 events.json 记录的事件 "
                        f"#{approval}「审核通过」（操作人「周顾问」）在数据库中已不存在：该事件被删除。")
    case_link = [line for line in found if line.startswith(f"申请 {copy.archived}（示范区人民政府），事件 #{issued}：")]
    assert case_link and "两者之间的事件被删除" in case_link[0]
    assert any(line.startswith(f"全局链（申请 {copy.archived}") and f"事件 #{issued}：" in line for line in found)


def test_the_issues_attack_in_one_go_delivery_forged_and_approval_deleted(copy):
    ids = copy.events(copy.archived)
    attack(copy, "UPDATE event SET actor_name = '王五', data = json_set(data, '$.proof', '伪造') WHERE id = ?;"
                 "DELETE FROM event WHERE id = ?", ids["record_delivery"], ids["approve_draft"])
    found = findings(copy)
    assert f"事件 #{ids['approve_draft']}：" in found[0] and "该事件被删除" in found[0]
    assert any(f"事件 #{ids['record_delivery']}：「登记送达」的内容与其哈希不一致" in line for line in found)


def test_an_open_cases_approver_changed_in_its_event_is_caught(copy):
    approval = copy.events(copy.open)["approve_draft"]
    attack(copy, "UPDATE event SET actor_name = '李四', actor_id = 1 WHERE id = ?", approval)
    found = findings(copy)
    assert found[0] == (f"申请 {copy.open}（示范区人民政府），事件 #{approval}：「审核通过」的内容与其哈希不一致："
                        "该事件写入后被改动（现记录的操作人为「李四」）。")


def test_an_open_cases_approver_changed_in_the_review_row_is_caught(copy):
    approval = copy.events(copy.open)["approve_draft"]
    with sqlite3.connect(copy.db) as c:  # the review row is not an event: no trigger stands in the way
        c.execute("UPDATE review SET reviewer_id = (SELECT id FROM user_account WHERE username = 'clerk') "
                  "WHERE id = (SELECT MAX(id) FROM review)")
    found = findings(copy)
    assert len(found) == 1 and f"事件 #{approval}：审核记录" in found[0]
    assert "审核人为「王经办」，链上事件「审核通过」记录的操作人为「周顾问」：两者不一致" in found[0]


def test_an_archive_rewritten_with_its_manifest_and_manifest_sha256_is_caught(copy):
    """events.json, manifest.json and archive_package.manifest_sha256 all rewritten to agree with each other."""
    folder = copy.var / "archive" / "1" / copy.archived
    events = json.loads((folder / "events.json").read_text(encoding="utf-8"))
    for e in events:
        if e["action"] == "record_delivery":
            e["actor_name"], e["data"]["proof"] = "王五", "伪造"
    (folder / "events.json").write_text(json.dumps(events, ensure_ascii=False, indent=1), encoding="utf-8")
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    manifest["files"]["events.json"] = hashlib.sha256((folder / "events.json").read_bytes()).hexdigest()
    (folder / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, sort_keys=True, indent=1),
                                          encoding="utf-8")
    forged = hashlib.sha256((folder / "manifest.json").read_bytes()).hexdigest()
    with sqlite3.connect(copy.db) as c:
        c.execute("UPDATE archive_package SET manifest_sha256 = ?", (forged,))
    archived = copy.events(copy.archived)["archive"]
    found = findings(copy)
    case = f"申请 {copy.archived}（示范区人民政府）"
    assert f"{case}，事件 #{archived}：归档包清单 manifest.json 的 SHA-256 为 {forged[:12]}…，与链上归档事件 " \
           f"#{archived} 记录的" in "\n".join(found)
    assert any("归档记录（archive_package）" in line and "不一致：归档记录被改写" in line for line in found)
    assert any("操作人（actor_name）在数据库中为「王经办」，归档包 events.json 中为「王五」" in line for line in found)


def test_an_archive_event_rewritten_to_bless_a_forged_manifest_is_caught(copy):
    archived = copy.events(copy.archived)["archive"]
    attack(copy, "UPDATE event SET data = json_set(data, '$.manifest_sha256', ?) WHERE id = ?", "0" * 64, archived)
    assert any(f"事件 #{archived}：「归档」的内容与其哈希不一致" in line for line in findings(copy))


def test_an_event_whose_hash_was_recomputed_breaks_the_next_link(copy):
    """The attacker knows the format and recomputes the forged event's own hash: the next event says otherwise."""
    ids = copy.events(copy.archived)
    delivery, archived = ids["record_delivery"], ids["archive"]
    engine = make_engine(f"sqlite:///{copy.db}")
    with Session(engine) as s:
        event = s.get(Event, delivery)
        app = application_by_number(s, copy.archived)
        fields = dict(audit.event_content(event, audit.case_key(app.agency_id, app.number)), actor_name="王五")
        sha = audit.digest(fields, prev_case=event.prev_case_sha256, prev_log=event.prev_log_sha256)
    engine.dispose()
    attack(copy, "UPDATE event SET actor_name = '王五', sha256 = ? WHERE id = ?", sha, delivery)
    found = findings(copy)
    assert any(line.startswith(f"申请 {copy.archived}（示范区人民政府），事件 #{archived}：") and "前一事件被改写" in line
               for line in found)
    assert any(line.startswith("全局链") and "前一事件被改写" in line for line in found)


def test_a_whole_case_deleted_is_seen_in_the_installation_chain(copy):
    [register] = copy.events(copy.between).values()
    attack(copy, "DELETE FROM event WHERE id = ?; DELETE FROM application WHERE number = ?", register, copy.between)
    found = findings(copy)
    assert any(line.startswith("全局链") and f"事件 #{register + 1}：" in line and "可能是整件申请" in line for line in found)


def test_the_newest_events_deleted_are_seen_against_the_chain_head(copy):
    newest = max(copy.events(copy.open).values())
    attack(copy, "DELETE FROM event WHERE id = ?", newest)
    found = findings(copy)
    assert found == [f"全局链，事件 #{newest - 1}：链头记录共 {newest} 条事件、最后哈希"
                     + found[0].split("最后哈希", 1)[1]]
    assert "少了 1 条，有事件被删除，最新的事件也不是链头记录的那一条" in found[0]


# --- the command ---------------------------------------------------------------------------------------------------


def gongkai(inst: Installation, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "GONGKAI_VAR_DIR": str(inst.var), "GONGKAI_DATABASE_URL": f"sqlite:///{inst.db}"}
    return subprocess.run([sys.executable, "-m", "interfaces.cli.main", *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def test_gongkai_audit_verify_exits_1_and_names_the_first_broken_link(copy):
    clean = gongkai(copy, "audit", "verify")
    assert clean.returncode == 0 and clean.stdout.startswith("✓ 审计核验通过：核验事件"), clean.stderr
    approval = copy.events(copy.open)["approve_draft"]
    attack(copy, "UPDATE event SET actor_name = '李四' WHERE id = ?", approval)
    broken = gongkai(copy, "audit", "verify")
    assert broken.returncode == 1 and "Traceback" not in broken.stderr
    first = f"第一处：申请 {copy.open}（示范区人民政府），事件 #{approval}：「审核通过」的内容与其哈希不一致"
    assert broken.stdout.startswith("✗ 审计核验发现 1 处问题") and first in broken.stdout
    one = gongkai(copy, "audit", "verify", "--case", copy.open, "--agency", "示范区人民政府")
    assert one.returncode == 1 and first in one.stdout
    other = gongkai(copy, "audit", "verify", "--case", copy.archived)
    assert other.returncode == 0 and "归档包 1 个" in other.stdout
