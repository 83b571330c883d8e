"""备份与恢复: the database and the archive folder together, taken while the desk keeps working.

    backup(settings, dest)     a folder (or a .tar.gz) holding
                                   backup.json        format, time, database kind, the database file's SHA-256 and
                                                      size, the events and chain head in the copy
                                   gongkai.db         SQLite: a consistent copy by the online backup API
                                   database.dump      PostgreSQL: pg_dump --format=custom (one snapshot)
                                   archive/…          the archive packages, copied after the database
                                   agency-images/…    each agency's seal and payment QR image, wherever it was kept
                                   signing/…          each agency's signing key and certificate (as secret as
                                                      the keys themselves: keep the backup where they may be)
    restore(settings, src)     into the installation the settings name (an empty one unless `replace`), then
                               migrates it to this code's schema and runs the audit verification

Without the images and the keys a restored installation could read every case but issue no reply (the seal is
gone, the signature cannot be made); restore puts them in its own var folder and points the agencies at them.

The database is copied first and the archive folder after: a package is written before the archive event that
names it commits, so every package the copied database names is already on disk. Locations are relative to
GONGKAI_VAR_DIR, so the restored copy reads its own folder, never the original's.
"""

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import make_url

from models.archive import ARCHIVE_DIR
from models.errors import GuardFailed, ValidationFailed

FORMAT = 1
MANIFEST = "backup.json"
IMAGES_DIR = "agency-images"  # as the desk's uploads (interfaces/web/admin_views.py)
SIGNING_DIR = "signing"
IMAGE_COLUMNS = ("seal_image", "fee_payment_qr")
SQLITE_FILE = "gongkai.db"
POSTGRES_FILE = "database.dump"
TARBALL = (".tar.gz", ".tgz")


@dataclass(frozen=True)
class Taken:
    """What a backup holds (as written in its backup.json)."""

    path: Path
    database: str  # sqlite | postgresql
    events: int | None
    head_sha256: str | None
    archive_files: int
    size: int
    images: int = 0
    missing_images: tuple[str, ...] = ()
    signing: bool = False


def _kind(url: str) -> str:
    name = make_url(url).get_backend_name()
    if name not in ("sqlite", "postgresql"):
        raise ValidationFailed(f"不支持备份这种数据库：{name}。", f"no backup for {name}")
    return name


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise ValidationFailed("内存数据库无法备份。", "in-memory database")
    return Path(database)


def _quoted(value) -> str:
    """A libpq conninfo value: single-quoted, backslash and quote escaped."""
    return "'" + str(value).replace("\\", "\\\\").replace("'", "\\'") + "'"


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """A libpq connection string for pg_dump / pg_restore, and the environment carrying the password (an
    argument would show it to every user of the machine in the process list)."""
    u = make_url(url)
    parts = {"host": u.host, "port": u.port, "user": u.username, "dbname": u.database, **dict(u.query)}
    conninfo = " ".join(f"{k}={_quoted(v)}" for k, v in parts.items() if v is not None)
    return conninfo, ({"PGPASSWORD": u.password} if u.password else {})


def _sha(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _run(command: list[str], what: str, env: dict[str, str]) -> None:
    try:
        done = subprocess.run(command, capture_output=True, text=True, env={**os.environ, **env})
    except FileNotFoundError as exc:
        raise GuardFailed(f"找不到 {command[0]}，请安装 PostgreSQL 客户端工具后再{what}。", f"{command[0]} missing") from exc
    if done.returncode != 0:
        raise GuardFailed(f"{command[0]} 执行失败，未能{what}：{done.stderr.strip()[-500:]}",
                          f"{command[0]} exit {done.returncode}: {done.stderr.strip()[-500:]}")


def _sqlite_copy(source: Path, target: Path) -> None:
    """The online backup API: one consistent snapshot, while other connections keep writing (WAL)."""
    src = sqlite3.connect(source, timeout=30)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)  # all pages in one step: a single read transaction, never restarted
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, readable from read-only media
    finally:
        dst.close()
        src.close()


def _chain_of_copy(path: Path) -> tuple[int | None, str | None]:
    c = sqlite3.connect(path)
    try:
        row = c.execute("SELECT events, sha256 FROM audit_head WHERE id = 1").fetchone()
    finally:
        c.close()
    return (row[0], row[1]) if row else (None, None)


def _empty_target(dest: Path) -> None:
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise ValidationFailed(f"备份目标「{dest}」已存在且不为空，请换一个目录或文件名。", f"{dest} is not empty")


def backup(settings, dest: Path, *, now: datetime) -> Taken:
    """Copy the database (consistently, while others write) and then the archive folder into `dest`."""
    dest = Path(dest)
    if dest.name.endswith(TARBALL):
        if dest.exists():
            raise ValidationFailed(f"备份文件「{dest}」已存在，请换一个文件名。", f"{dest} exists")
        dest.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="gongkai-backup-", dir=dest.parent) as work:
            taken = backup(settings, Path(work) / "backup", now=now)
            with tarfile.open(dest, "w:gz") as tar:
                tar.add(taken.path, arcname="gongkai-backup")
        return Taken(dest, taken.database, taken.events, taken.head_sha256, taken.archive_files, dest.stat().st_size,
                     taken.images, taken.missing_images, taken.signing)
    _empty_target(dest)
    dest.mkdir(parents=True, exist_ok=True)
    kind = _kind(settings.database_url)
    if kind == "sqlite":
        database = dest / SQLITE_FILE
        _sqlite_copy(_sqlite_path(settings.database_url), database)
        events, head = _chain_of_copy(database)
        images = _agency_images(f"sqlite:///{database}")
    else:
        database = dest / POSTGRES_FILE
        conninfo, env = _libpq(settings.database_url)
        _run(["pg_dump", "--format=custom", "--no-owner", f"--file={database}", f"--dbname={conninfo}"], "备份数据库", env)
        events, head = None, None  # the dump is one snapshot; its figures are read when it is restored
        images = _agency_images(settings.database_url)
    source = Path(settings.var_dir) / ARCHIVE_DIR
    files = 0
    if source.is_dir():
        shutil.copytree(source, dest / ARCHIVE_DIR)
        files = sum(1 for p in (dest / ARCHIVE_DIR).rglob("*") if p.is_file())
    kept, missing = _copy_images(images, dest)
    signing = Path(settings.signing_dir)
    if signing.is_dir() and any(signing.iterdir()):
        shutil.copytree(signing, dest / SIGNING_DIR)
    manifest = {"format": FORMAT, "created_at": now.isoformat(), "database": kind, "file": database.name,
                "sha256": _sha(database), "size": database.stat().st_size, "events": events,
                "head_sha256": head, "archive_files": files, "images": kept, "missing_images": missing,
                "signing": (dest / SIGNING_DIR).is_dir()}
    (dest / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    return Taken(dest, kind, events, head, files, database.stat().st_size, len(kept), tuple(missing),
                 manifest["signing"])


def _agency_images(url: str) -> list[tuple[int, str, str]]:
    """(agency id, column, path) of every seal and payment QR image the database names."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as c:
            rows = c.execute(text(f"SELECT id, {', '.join(IMAGE_COLUMNS)} FROM agency")).all()
    finally:
        engine.dispose()
    return [(row[0], column, path) for row in rows for column, path in zip(IMAGE_COLUMNS, row[1:]) if path]


def _copy_images(images: list[tuple[int, str, str]], dest: Path) -> tuple[list[dict], list[str]]:
    """Each image into the backup as agency-images/<agency id>/<column><suffix>, with its hash; the paths that no
    longer hold a file are listed (the notices of that agency cannot be made here either)."""
    kept, missing = [], []
    for agency_id, column, path in images:
        source = Path(path)
        if not source.is_file():
            missing.append(path)
            continue
        file = Path(IMAGES_DIR) / str(agency_id) / f"{column}{source.suffix.lower()}"
        (dest / file).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, dest / file)
        kept.append({"agency_id": agency_id, "column": column, "file": file.as_posix(), "sha256": _sha(dest / file)})
    return kept, missing


# --- restore ------------------------------------------------------------------------------------------------------


def _read_manifest(folder: Path) -> dict:
    path = folder / MANIFEST
    if not path.exists():
        raise ValidationFailed(f"「{folder}」不是 Gongkai 备份：缺少 {MANIFEST}。", f"no {MANIFEST} in {folder}")
    manifest = json.loads(path.read_text(encoding="utf-8"))
    if manifest.get("format") != FORMAT:
        raise ValidationFailed(f"备份格式 {manifest.get('format')} 不受支持（应为 {FORMAT}）。", "unknown backup format")
    database = folder / manifest["file"]
    if not database.exists() or _sha(database) != manifest["sha256"]:
        raise ValidationFailed(f"备份中的数据库文件 {manifest['file']} 缺失或与 {MANIFEST} 记录的 SHA-256 不一致，"
                               "备份已损坏，未恢复任何内容。", "backup database missing or corrupt")
    for image in manifest.get("images", []):
        file = folder / image["file"]
        if image.get("column") not in IMAGE_COLUMNS or not file.is_file() or _sha(file) != image["sha256"]:
            raise ValidationFailed(f"备份中的图片 {image['file']} 缺失或与 {MANIFEST} 记录的 SHA-256 不一致，"
                                   "备份已损坏，未恢复任何内容。", f"backup image {image['file']} missing or corrupt")
    return manifest


def _unpacked(src: Path, work: Path) -> Path:
    if not src.name.endswith(TARBALL):
        return src
    with tarfile.open(src, "r:gz") as tar:
        tar.extractall(work, filter="data")  # no path outside `work`, no device files
    found = [p.parent for p in work.rglob(MANIFEST)]
    if len(found) != 1:
        raise ValidationFailed(f"「{src}」中没有（或有多个）{MANIFEST}，不是 Gongkai 备份。", "not a backup tarball")
    return found[0]


def _has_tables(url: str) -> bool:
    from sqlalchemy import create_engine, inspect

    engine = create_engine(url)
    try:
        return bool(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def restore(settings, src: Path, *, replace: bool = False) -> dict:
    """Put the backup's database and archive folder in place of the (empty) installation the settings name."""
    src = Path(src)
    if not src.exists():
        raise ValidationFailed(f"备份「{src}」不存在。", f"{src} missing")
    with tempfile.TemporaryDirectory(prefix="gongkai-restore-") as work:
        folder = _unpacked(src, Path(work))
        manifest = _read_manifest(folder)
        kind = _kind(settings.database_url)
        if manifest["database"] != kind:
            raise ValidationFailed(f"备份来自 {manifest['database']} 数据库，不能恢复到 {kind} 数据库。", "kind mismatch")
        archive = Path(settings.var_dir) / ARCHIVE_DIR
        if archive.exists() and any(archive.iterdir()) and not replace:
            raise ValidationFailed(f"归档目录「{archive}」不为空；恢复会覆盖现有数据，确认时请加 --replace。",
                                   f"{archive} not empty")
        if kind == "sqlite":
            target = _sqlite_path(settings.database_url)
            if target.exists() and not replace:
                raise ValidationFailed(f"数据库文件「{target}」已存在；恢复会覆盖现有数据，确认时请加 --replace。",
                                       f"{target} exists")
            for stale in (target, Path(f"{target}-wal"), Path(f"{target}-shm")):
                stale.unlink(missing_ok=True)
            target.parent.mkdir(parents=True, exist_ok=True)
            _sqlite_copy(folder / manifest["file"], target)
        else:
            if _has_tables(settings.database_url) and not replace:
                raise ValidationFailed("目标 PostgreSQL 数据库不为空；恢复会覆盖现有数据，确认时请加 --replace。",
                                       "target database not empty")
            conninfo, env = _libpq(settings.database_url)
            _run(["pg_restore", "--no-owner", "--clean", "--if-exists", "--single-transaction",
                  f"--dbname={conninfo}", str(folder / manifest["file"])], "恢复数据库", env)
        if archive.exists():
            shutil.rmtree(archive)
        if (folder / ARCHIVE_DIR).is_dir():
            shutil.copytree(folder / ARCHIVE_DIR, archive)
        else:
            archive.mkdir(parents=True, exist_ok=True)
        _restore_images(settings, folder, manifest.get("images", []))
        if (folder / SIGNING_DIR).is_dir():
            shutil.copytree(folder / SIGNING_DIR, Path(settings.signing_dir), dirs_exist_ok=True)
    return manifest


def _restore_images(settings, folder: Path, images: list[dict]) -> None:
    """The images into this installation's var folder, named by content as the desk's uploads are, and each agency
    pointed at its own copy (the backup's paths name the original machine's folders)."""
    from sqlalchemy import create_engine, text

    if not images:
        return
    engine = create_engine(settings.database_url)
    try:
        with engine.begin() as c:
            for image in images:
                source = folder / image["file"]
                target = (Path(settings.var_dir) / IMAGES_DIR / str(image["agency_id"])
                          / f"{image['column']}-{image['sha256'][:16]}{source.suffix}")
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, target)
                c.execute(text(f"UPDATE agency SET {image['column']} = :path WHERE id = :id"),
                          {"path": str(target), "id": image["agency_id"]})
    finally:
        engine.dispose()
