"""归档: the dossier of a concluded case as a directory with a manifest of SHA-256 hashes.

    <GONGKAI_VAR_DIR>/archive/<agency id>/<number>/
        application.json     the application, applicant and receipt evidence (Art 29, 31)
        documents/…          every generated notice and the reply, each version
        attachments/…        the files departments sent with their opinions, as <id>-<name>
        decisions.json       every draft version with counsel's reviews (会签办结)
        handling.json        assignments and department opinions (with their files' names and hashes),
                             会商 minutes, consultations, supplement, fee, extension, dispatch and delivery
        events.json          the full event log
        sources/…, released/…, redactions.json
                             only for a case with redactions (Art 37): the clerk's source files, every released
                             version, and the marks with the log of what each release removed where
        applicant/…, online.json
                             only for an application made online: the 身份证明 and 补正 files the applicant sent,
                             and the online application's details (models.portal)
        manifest.json        {path: sha256} of everything above; its own hash is recorded on the case

The package is rebuilt identically from the same rows, so building it twice is harmless; after
`models.actions.archive` the case is read-only and `verify_package` re-checks every hash. The archive event
holds the manifest's hash in the event chain (models.audit), which `models.audit_verify` checks the package
against. Locations are stored relative to GONGKAI_VAR_DIR (`archive/3/2026-000123`), so a restored copy reads
its own folder; every path is built from checked parts and must stay inside the archive root.
Rows do change while a case is being archived (the archive Event itself), so one process at a time
builds and archives a case: `building()` holds a lock file beside the package, <root>/<agency id>/.<number>.lock.
"""

import fcntl
import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import Column, String
from sqlmodel import Field, Session, SQLModel, select

from models.errors import GuardFailed, NotFound
from models.tables import (
    Agency,
    Applicant,
    Application,
    Assignment,
    Attachment,
    AwareDateTime,
    Consultation,
    Decision,
    Delivery,
    Document,
    Event,
    Extension,
    Fee,
    JointConsultation,
    RedactionMark,
    ReleasedFile,
    Review,
    SourceFile,
    Supplement,
)

MANIFEST = "manifest.json"
ARCHIVE_DIR = "archive"  # the archive root, under GONGKAI_VAR_DIR


class ArchivePackage(SQLModel, table=True):
    """Where a case's dossier lies, its manifest hash and until when it must be kept."""

    __tablename__ = "archive_package"
    id: int | None = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="application.id", unique=True)
    location: str = Field(sa_type=String(500))
    manifest_sha256: str = Field(sa_type=String(64))
    files: int
    archived_on: date
    retain_until: date  # 档案保管期限: Agency.retention_years after the archive date
    created_at: datetime = Field(sa_column=Column(AwareDateTime(), nullable=False))


@dataclass(frozen=True)
class Built:
    location: str
    manifest_sha256: str
    files: int


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _json(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, indent=1, default=str).encode("utf-8")


def _rows(session: Session, table, app_id: int) -> list[dict]:
    rows = session.exec(select(table).where(table.application_id == app_id).order_by(table.id)).all()
    return [r.model_dump(warnings=False) for r in rows]


def dossier(session: Session, app: Application) -> dict[str, bytes]:
    """Every file of the dossier, path → bytes, from the rows of one case."""
    files: dict[str, bytes] = {}
    applicant = session.get(Applicant, app.applicant_id)
    files["application.json"] = _json({"application": app.model_dump(warnings=False), "applicant": applicant.model_dump(warnings=False)})
    docs = session.exec(select(Document).where(Document.application_id == app.id).order_by(Document.id)).all()
    for doc in docs:
        ext = "pdf" if doc.content_type == "application/pdf" else "bin"
        files[f"documents/{doc.kind}-v{doc.version}.{ext}"] = doc.content
    attachments = session.exec(select(Attachment).where(Attachment.application_id == app.id)
                               .order_by(Attachment.id)).all()
    for att in attachments:
        if _sha(att.content) != att.sha256:  # the manifest must not bless a file that changed after upload
            raise GuardFailed(f"附件「{att.filename}」的内容与上传时记录的 SHA-256 不一致，不能归档，请联系管理员核查。",
                              f"attachment {att.id}: content does not match its stored sha256")
        files[f"attachments/{att.id}-{att.filename}"] = att.content
    files.update(_redaction_files(session, app))
    files.update(_online_files(session, app))
    decisions = _rows(session, Decision, app.id)
    ids = [d["id"] for d in decisions]
    reviews = session.exec(select(Review).where(Review.decision_id.in_(ids)).order_by(Review.id)).all() if ids else []
    files["decisions.json"] = _json({"decisions": decisions, "reviews": [r.model_dump(warnings=False) for r in reviews]})
    files["handling.json"] = _json({
        "assignments": _rows(session, Assignment, app.id),
        "attachments": [att.model_dump(exclude={"content"}, warnings=False) for att in attachments],
        "joint_consultations": _rows(session, JointConsultation, app.id),
        "consultations": _rows(session, Consultation, app.id),
        "supplement": _rows(session, Supplement, app.id),
        "fee": _rows(session, Fee, app.id),
        "extension": _rows(session, Extension, app.id),
        "deliveries": _rows(session, Delivery, app.id),
    })
    files["events.json"] = _json(_rows(session, Event, app.id))
    return files


def _online_files(session: Session, app: Application) -> dict[str, bytes]:
    """The files an applicant sent through the portal and the online details; nothing for any other case."""
    from models.tables import ApplicantFile, OnlineApplication

    sent = session.exec(select(ApplicantFile).where(ApplicantFile.application_id == app.id)
                        .order_by(ApplicantFile.id)).all()
    online = _rows(session, OnlineApplication, app.id)
    if not (sent or online):
        return {}
    files = {}
    for row in sent:
        if _sha(row.content) != row.sha256:
            raise GuardFailed(f"申请人提交的文件「{row.filename}」的内容与提交时记录的 SHA-256 不一致，不能归档，请联系管理员核查。",
                              f"applicant file {row.id}: content does not match its stored sha256")
        files[f"applicant/{row.id}-{row.filename}"] = row.content
    files["online.json"] = _json({"online_application": online,
                                  "applicant_files": [r.model_dump(exclude={"content"}, warnings=False) for r in sent]})
    return files


def _redaction_files(session: Session, app: Application) -> dict[str, bytes]:
    """Art 37: the clerk's source files, every released version (each batch) and the marks, when the case has any;
    a case without them gets exactly the package it always had."""
    sources = _rows(session, SourceFile, app.id)
    released = session.exec(select(ReleasedFile).where(ReleasedFile.application_id == app.id)
                            .order_by(ReleasedFile.id)).all()
    marks = _rows(session, RedactionMark, app.id)
    if not (sources or released or marks):
        return {}
    files: dict[str, bytes] = {}
    for row in session.exec(select(SourceFile).where(SourceFile.application_id == app.id).order_by(SourceFile.id)):
        if _sha(row.content) != row.sha256:
            raise GuardFailed(f"源文件「{row.filename}」的内容与添加时记录的 SHA-256 不一致，不能归档，请联系管理员核查。",
                              f"source file {row.id}: content does not match its stored sha256")
        files[f"sources/{row.id}-{row.filename}"] = row.content
    for row in released:
        if _sha(row.content) != row.sha256:
            raise GuardFailed(f"公开版本「{row.filename}」的内容与生成时记录的 SHA-256 不一致，不能归档，请联系管理员核查。",
                              f"released file {row.id}: content does not match its stored sha256")
        files[f"released/{row.id}-{row.filename}"] = row.content
    files["redactions.json"] = _json({
        "source_files": [{k: v for k, v in s.items() if k != "content"} for s in sources],
        "marks": marks,
        "released_files": [r.model_dump(exclude={"content"}, warnings=False) for r in released],
    })
    return files


def archive_root(var_dir: Path) -> Path:
    return Path(var_dir) / ARCHIVE_DIR


def _component(value: str, what: str) -> str:
    """One path component from data: not empty, no separator, not '.' or '..', no control character."""
    if (not value or value in (".", "..") or "/" in value or "\\" in value
            or any(ord(ch) < 32 or ord(ch) == 127 for ch in value)):
        raise GuardFailed(f"{what}「{value}」不能用作归档路径，已拒绝归档。", f"unsafe path component {value!r}")
    return value


def inside(root: Path, path: Path, what: str) -> Path:
    """`path`, resolved, if it lies inside `root`; anything else is refused (path traversal)."""
    real_root, real = Path(root).resolve(), Path(path).resolve()
    if real != real_root and real_root not in real.parents:
        raise GuardFailed(f"{what}「{path}」不在归档根目录 {real_root} 内，已拒绝。", f"{path} escapes {real_root}")
    return real


def location_of(app: Application) -> str:
    """Where a case's package lies, relative to GONGKAI_VAR_DIR: archive/<agency id>/<number>."""
    return f"{ARCHIVE_DIR}/{app.agency_id}/{_component(app.number, '申请编号')}"


def package_path(var_dir: Path, location: str) -> Path:
    """The folder a stored location names, which must lie inside <var dir>/archive (a relative location is read
    against the var dir; an absolute one, written before migration 0012 moved the rest, must lie there too)."""
    return inside(archive_root(var_dir), Path(var_dir) / location, "归档位置")


@contextmanager
def building(root: Path, app: Application) -> Iterator[None]:
    """The case's package is built and the case archived by one process at a time; the next one waits here."""
    lock = Path(root) / str(app.agency_id) / f".{_component(app.number, '申请编号')}.lock"
    lock.parent.mkdir(parents=True, exist_ok=True)
    with lock.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def build_package(session: Session, app: Application, *, var_dir: Path) -> Built:
    """Write the dossier and its manifest; the same rows give the same bytes and the same manifest hash."""
    location = location_of(app)
    target = package_path(var_dir, location)
    files = dossier(session, app)
    for path, content in files.items():
        out = inside(target, target / path, "归档文件")
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(content)
    manifest = _json({"number": app.number, "files": {p: _sha(c) for p, c in sorted(files.items())}})
    (target / MANIFEST).write_bytes(manifest)
    return Built(location, _sha(manifest), len(files))


def record_package(session: Session, app: Application, built: Built, *, archived_on: date, now: datetime) -> ArchivePackage:
    """The package row (once per case), with the retention date from the agency's setting."""
    existing = session.exec(select(ArchivePackage).where(ArchivePackage.application_id == app.id)).first()
    if existing is not None:
        return existing
    years = session.get(Agency, app.agency_id).retention_years
    try:
        retain_until = archived_on.replace(year=archived_on.year + years)
    except ValueError:  # 29 February
        retain_until = archived_on.replace(year=archived_on.year + years, day=28)
    row = ArchivePackage(application_id=app.id, location=built.location, manifest_sha256=built.manifest_sha256,
                         files=built.files, archived_on=archived_on, retain_until=retain_until, created_at=now)
    session.add(row)
    session.commit()
    return row


def package_of(session: Session, app: Application) -> ArchivePackage:
    row = session.exec(select(ArchivePackage).where(ArchivePackage.application_id == app.id)).first()
    if row is None:
        raise NotFound(f"申请 {app.number} 尚未归档。", f"{app.number} has no archive package")
    return row


def verify_package(location: str | Path, manifest_sha256: str, *, var_dir: Path) -> list[str]:
    """Every problem found, in Chinese; an empty list means every hash matches."""
    try:
        target = package_path(var_dir, str(location))
    except GuardFailed as exc:
        return [exc.message_zh]
    manifest_path = target / MANIFEST
    if not manifest_path.exists():
        return [f"缺少清单文件 {manifest_path}"]
    raw = manifest_path.read_bytes()
    problems = []
    if _sha(raw) != manifest_sha256:
        problems.append("清单文件的 SHA-256 与归档记录不一致（清单被修改）")
    for path, digest in json.loads(raw)["files"].items():
        try:
            f = inside(target, target / path, "清单中的文件")
        except GuardFailed as exc:
            problems.append(exc.message_zh)
            continue
        if not f.exists():
            problems.append(f"缺少文件 {path}")
        elif _sha(f.read_bytes()) != digest:
            problems.append(f"文件 {path} 的 SHA-256 不一致（文件被修改）")
    return problems
