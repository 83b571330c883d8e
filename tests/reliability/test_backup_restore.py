"""Backup under load and restore elsewhere: `gongkai backup` while a clerk keeps registering, the original moved
away, `gongkai restore` into another folder, and every case and package verifies there."""

import os
import shutil
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import Session, func, select

from models.audit_verify import verify
from models.db import make_engine, migrate
from models.enums import Status
from models.identity import CaseRef
from models.tables import Application, Event
from tests import factories as F
from workflows.engine import archive_case

MON = date(2026, 3, 2)
ROOT = Path(__file__).resolve().parents[2]
ARCHIVED = 5


def gongkai(var: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "GONGKAI_VAR_DIR": str(var), "GONGKAI_ENGINE": "inline"}
    env.pop("GONGKAI_DATABASE_URL", None)  # the var dir's own gongkai.db
    return subprocess.run([sys.executable, "-m", "interfaces.cli.main", *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("kind", ["folder", "tarball"])
def test_a_backup_taken_while_cases_are_registered_restores_elsewhere_and_verifies(tmp_path, calendar, kind):
    var = tmp_path / "original" / "var"
    engine = make_engine(f"sqlite:///{var / 'gongkai.db'}")
    migrate(engine)
    with Session(engine, expire_on_commit=False) as s:
        for _ in range(ARCHIVED):
            number = F.register_case(s, calendar, MON)
            F.advance(s, calendar, number, Status.delivered)
            archive_case(s, F.case(s, number), now=F.at(MON, 15), var_dir=var)

    registered: list[str] = []
    stop, failures = threading.Event(), []

    def clerk() -> None:  # the desk keeps working: one registration after another, each committed
        try:
            with Session(engine, expire_on_commit=False) as s:
                while not stop.is_set():
                    registered.append(F.register_case(s, calendar, MON))
        except Exception as exc:
            failures.append(exc)

    writer = threading.Thread(target=clerk)
    writer.start()
    while len(registered) < 20:
        time.sleep(0.05)
    dest = tmp_path / ("backup.tar.gz" if kind == "tarball" else "backup")
    before = len(registered)
    taken = gongkai(var, "backup", str(dest))
    during = len(registered) - before
    while len(registered) < before + during + 10:  # and after it
        time.sleep(0.05)
    stop.set()
    writer.join()
    engine.dispose()
    assert failures == [] and taken.returncode == 0, taken.stderr
    assert taken.stdout.startswith(f"已备份到 {dest}：sqlite 数据库，事件 ")

    shutil.move(tmp_path / "original", tmp_path / "moved-away")  # the original machine is gone
    restored_var = tmp_path / "restored" / "var"
    restored = gongkai(restored_var, "restore", str(dest))
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert f"✓ 审计核验通过" in restored.stdout and f"归档包 {ARCHIVED} 个" in restored.stdout

    copy = make_engine(f"sqlite:///{restored_var / 'gongkai.db'}")
    with Session(copy) as s:
        listed = list(s.exec(select(Application.number)))
        numbers = set(listed)
        assert len(listed) == len(numbers)  # duplicated: 0
        events = s.exec(select(func.count()).select_from(Event)).one()
        lost = [n for n in registered[:before] if n not in numbers]  # committed before the backup began
        assert lost == [] and ARCHIVED + before <= len(numbers) <= ARCHIVED + before + during
        for agency_id, number in s.exec(select(Application.agency_id, Application.number)):
            report = verify(s, var_dir=restored_var, case=CaseRef(agency_id, number))
            assert report.ok, report.lines()
        assert verify(s, var_dir=restored_var).packages == ARCHIVED
    copy.dispose()
    print(f"\nbackup under load ({kind}): cases {len(numbers)}, events {events}, registered while copying {during}, "
          f"packages {ARCHIVED}, lost: 0, duplicated: 0")


def test_a_restored_installation_elsewhere_keeps_the_seals_and_signing_keys_so_it_can_still_issue(tmp_path):
    original = tmp_path / "original" / "var"
    assert gongkai(original, "init", "--demo").returncode == 0
    taken = gongkai(original, "backup", str(tmp_path / "backup.tar.gz"))
    assert taken.returncode == 0 and "印章和缴费二维码图片 1 个，签章密钥和证书" in taken.stdout, taken.stdout
    assert "须与私钥同等保密" in taken.stdout
    shutil.move(tmp_path / "original", tmp_path / "moved-away")  # the original machine is gone

    restored = tmp_path / "restored" / "var"
    assert gongkai(restored, "restore", str(tmp_path / "backup.tar.gz")).returncode == 0
    doctor = gongkai(restored, "doctor").stdout
    assert f"印章图片 {restored.resolve() / 'agency-images' / '1'}" in doctor, doctor
    assert "已不存在" not in doctor and "未配置电子签名证书" not in doctor and "电子签名证书" in doctor, doctor
    assert str(tmp_path / "original") not in doctor


def test_a_backup_with_a_damaged_image_is_refused_before_anything_is_restored(tmp_path):
    var = tmp_path / "var"
    assert gongkai(var, "init", "--demo").returncode == 0
    assert gongkai(var, "backup", str(tmp_path / "b")).returncode == 0
    (image,) = (tmp_path / "b" / "agency-images").rglob("*.png")
    image.write_bytes(image.read_bytes()[:-10])
    elsewhere = tmp_path / "elsewhere"
    refused = gongkai(elsewhere, "restore", str(tmp_path / "b"))
    assert refused.returncode == 1 and "备份已损坏，未恢复任何内容" in refused.stderr, refused.stderr
    assert not (elsewhere / "gongkai.db").exists()


def test_restore_refuses_to_overwrite_an_installation_without_replace(tmp_path, calendar):
    var = tmp_path / "var"
    assert gongkai(var, "init", "--demo").returncode == 0
    assert gongkai(var, "backup", str(tmp_path / "b")).returncode == 0
    refused = gongkai(var, "restore", str(tmp_path / "b"))
    assert refused.returncode == 1 and "已存在；恢复会覆盖现有数据，确认时请加 --replace" in refused.stderr
    replaced = gongkai(var, "restore", str(tmp_path / "b"), "--replace")
    assert replaced.returncode == 0 and "✓ 审计核验通过" in replaced.stdout


def test_a_damaged_backup_is_refused_and_nothing_is_restored(tmp_path):
    var = tmp_path / "var"
    assert gongkai(var, "init").returncode == 0
    assert gongkai(var, "backup", str(tmp_path / "b")).returncode == 0
    with (tmp_path / "b" / "gongkai.db").open("r+b") as f:
        f.seek(200)
        f.write(b"\x00garbage")
    elsewhere = tmp_path / "elsewhere"
    refused = gongkai(elsewhere, "restore", str(tmp_path / "b"))
    assert refused.returncode == 1 and "备份已损坏，未恢复任何内容" in refused.stderr
    assert not (elsewhere / "gongkai.db").exists()


@pytest.mark.parametrize(("args", "words"), [
    (("backup", "{tmp}"), "已存在且不为空"),
    (("restore", "{tmp}/nowhere"), "不存在"),
    (("restore", "{tmp}"), "不是 Gongkai 备份：缺少 backup.json"),
], ids=["backup-into-a-full-folder", "restore-from-nothing", "restore-from-a-folder-that-is-no-backup"])
def test_backup_and_restore_refuse_in_chinese(tmp_path, args, words):
    var = tmp_path / "var"
    assert gongkai(var, "init").returncode == 0
    into = var if args[0] == "backup" else tmp_path / "other"  # a restore goes to an empty installation
    done = gongkai(into, *(a.format(tmp=tmp_path) for a in args))
    assert done.returncode == 1 and words in done.stderr and "Traceback" not in done.stderr
