"""gongkai audit verify, gongkai backup DEST, gongkai restore SRC: the record's integrity and its copies."""

from contextlib import contextmanager
from pathlib import Path

import typer

from interfaces.cli.runtime import JSON, emit

app = typer.Typer(help="审计：核验事件哈希链与归档包", no_args_is_help=True)


@contextmanager
def _io_errors(what: str):
    """A disk or file error (no space, no permission, a damaged SQLite file) in Chinese, not a traceback."""
    import sqlite3
    import tarfile

    from models.errors import GuardFailed

    try:
        yield
    except OSError as exc:
        raise GuardFailed(f"{what}失败：{exc.strerror or exc}（{exc.filename or ''}）", f"{what}: {exc}") from exc
    except (sqlite3.Error, tarfile.TarError) as exc:
        raise GuardFailed(f"{what}失败：{exc}", f"{what}: {exc}") from exc


def print_report(report, *, as_json: bool) -> None:
    """The summary, then every broken link (the first one first); exit 1 when anything is broken."""
    emit({"ok": report.ok, "events": report.events, "cases": report.cases, "packages": report.packages,
          "head_events": report.head_events, "head_sha256": report.head_sha256,
          "findings": [{"case": f.case, "event_id": f.event_id, "message": f.message_zh} for f in report.findings]},
         as_json=as_json, lines=[report.summary(), *(f"  ✗ {line}" for line in report.lines())])
    if not report.ok:
        raise typer.Exit(1)


@app.command("verify")
def verify(number: str = typer.Option(None, "--case", help="只核验这件申请（申请编号）"),
           agency: str = typer.Option(None, "--agency", help="机关名称（编号在多个机关下重复时必填）"),
           as_json: bool = JSON) -> None:
    """重新计算每条事件的哈希，沿本案链与全局链逐条核对，并核验归档包；指出第一处断链。"""
    from interfaces.cli.runtime import session
    from models.audit_verify import verify as run
    from models.identity import CaseRef
    from models.queries import agency_by_name, application_by_number
    from models.settings import Settings

    from interfaces.cli.progress import progress

    with session() as s, progress("核验事件哈希链", unit="条", as_json=as_json) as advance:
        case = None
        if number:
            owner = agency_by_name(s, agency) if agency else None
            case = CaseRef.of(application_by_number(s, number, agency=owner))
        report = run(s, var_dir=Settings.load().var_dir, case=case, progress=advance)
    print_report(report, as_json=as_json)


def backup(dest: Path = typer.Argument(..., help="备份目录（须不存在或为空），或以 .tar.gz 结尾的文件"),
           as_json: bool = JSON) -> None:
    """备份数据库和归档目录（SQLite 用在线备份接口，PostgreSQL 用 pg_dump），办理中也可进行。"""
    from interfaces.cli.runtime import now, session
    from models.backup import backup as take
    from models.settings import Settings

    with session():  # a database gongkai init has prepared
        pass
    with _io_errors("备份"):
        taken = take(Settings.load(), dest, now=now())
    chain = f"，事件 {taken.events} 条，链头哈希 {taken.head_sha256[:12]}…" if taken.head_sha256 else ""
    keys = "，签章密钥和证书" if taken.signing else ""
    lines = [f"已备份到 {taken.path}：{taken.database} 数据库{chain}，归档文件 {taken.archive_files} 个，"
             f"印章和缴费二维码图片 {taken.images} 个{keys}。",
             *(f"注意：图片 {path} 已不存在，未能备份，请用 gongkai agency set 重新设置。" for path in taken.missing_images),
             "请把备份复制到另一台机器或离线介质保存" + ("；备份含签章私钥，须与私钥同等保密。" if taken.signing else "。")]
    emit({"path": str(taken.path), "database": taken.database, "events": taken.events,
          "head_sha256": taken.head_sha256, "archive_files": taken.archive_files, "images": taken.images,
          "missing_images": list(taken.missing_images), "signing": taken.signing}, as_json=as_json, lines=lines)


def restore(src: Path = typer.Argument(..., help="gongkai backup 生成的目录或 .tar.gz 文件"),
            replace: bool = typer.Option(False, "--replace", help="覆盖已有的数据库和归档目录"),
            as_json: bool = JSON) -> None:
    """从备份恢复数据库和归档目录到本机设置（GONGKAI_DATABASE_URL、GONGKAI_VAR_DIR）指向的位置，然后核验。"""
    from models.audit_verify import verify as run
    from models.backup import restore as put_back
    from models.db import make_engine, migrate, session_scope
    from models.settings import Settings, display_url

    settings = Settings.load()
    with _io_errors("恢复"):
        manifest = put_back(settings, src, replace=replace)
    engine = make_engine(settings.database_url)  # a new engine: the file under this URL was just replaced
    try:
        migrate(engine)  # a backup from an older version is brought to this code's schema
        if not as_json:
            typer.echo(f"已从 {src} 恢复（备份于 {manifest['created_at']}）到 {display_url(settings.database_url)}，"
                       f"归档目录 {settings.var_dir / 'archive'}。")
        with session_scope(engine) as s:
            report = run(s, var_dir=settings.var_dir)
    finally:
        engine.dispose()
    print_report(report, as_json=as_json)
