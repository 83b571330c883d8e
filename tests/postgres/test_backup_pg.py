"""gongkai backup (pg_dump) while a clerk keeps registering, gongkai restore (pg_restore) into another database
with the original archive folder moved away: every case and package verifies there."""

import os
import shutil
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlmodel import Session, select

from models.audit_verify import verify
from models.db import make_engine
from models.enums import Status
from models.tables import Application
from tests import factories as F
from workflows.engine import archive_case

MON = date(2026, 3, 2)
ROOT = Path(__file__).resolve().parents[2]


def gongkai(url: str, var: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "GONGKAI_DATABASE_URL": url, "GONGKAI_VAR_DIR": str(var), "GONGKAI_ENGINE": "inline"}
    return subprocess.run([sys.executable, "-m", "interfaces.cli.main", *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


def test_a_pg_dump_taken_under_load_restores_into_another_database_and_verifies(engine, calendar, tmp_path):
    url = engine.url.render_as_string(hide_password=False)
    var = tmp_path / "original" / "var"
    with Session(engine, expire_on_commit=False) as s:
        for _ in range(3):
            number = F.register_case(s, calendar, MON)
            F.advance(s, calendar, number, Status.delivered)
            archive_case(s, F.case(s, number), now=F.at(MON, 15), var_dir=var)

    registered, stop = [], threading.Event()

    def clerk():
        with Session(engine, expire_on_commit=False) as s:
            while not stop.is_set():
                registered.append(F.register_case(s, calendar, MON))

    writer = threading.Thread(target=clerk)
    writer.start()
    while len(registered) < 10:
        time.sleep(0.05)
    before = len(registered)
    taken = gongkai(url, var, "backup", str(tmp_path / "backup"))
    stop.set()
    writer.join()
    assert taken.returncode == 0, taken.stderr
    assert (tmp_path / "backup" / "database.dump").exists()

    shutil.move(tmp_path / "original", tmp_path / "moved-away")
    target = make_url(url).set(database=f"{make_url(url).database}_restored")
    admin = create_engine(make_url(os.environ["GONGKAI_TEST_PG_URL"]), isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f"DROP DATABASE IF EXISTS {target.database} WITH (FORCE)"))
        c.execute(text(f"CREATE DATABASE {target.database}"))
    try:
        restored_var = tmp_path / "restored" / "var"
        restored = gongkai(target.render_as_string(hide_password=False), restored_var, "restore",
                           str(tmp_path / "backup"))
        assert restored.returncode == 0, restored.stdout + restored.stderr
        assert "✓ 审计核验通过" in restored.stdout and "归档包 3 个" in restored.stdout
        copy = make_engine(target.render_as_string(hide_password=False))
        with Session(copy) as s:
            numbers = set(s.exec(select(Application.number)))
            assert all(n in numbers for n in registered[:before])  # lost: 0
            assert verify(s, var_dir=restored_var).ok
        copy.dispose()
    finally:
        with admin.connect() as c:
            c.execute(text(f"DROP DATABASE IF EXISTS {target.database} WITH (FORCE)"))
        admin.dispose()
