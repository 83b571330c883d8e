"""gongkai flow … (the automatic steps, the sweep, batch intake) and gongkai archive verify.

Prefect is imported only by the commands that orchestrate through it (`--prefect`); the inline path
runs the same steps (workflows.engine) without it.
"""

from datetime import date
from pathlib import Path

import typer

from interfaces.cli.runtime import parse_day

app = typer.Typer(help="流程：自动步骤、晨检、批量登记", no_args_is_help=True)
archive_app = typer.Typer(help="归档：核验归档包", no_args_is_help=True)


def _today(value: str | None) -> date:
    from workflows.engine import shanghai_now

    return parse_day(value, "晨检日期") or shanghai_now().date()


AGENCY = typer.Option(None, "--agency", help="机关名称（编号在多个机关下重复时必填）")


def _case(number: str, agency: str | None):
    """The case this number names (in `agency` when given): a CaseRef, agency and number."""
    from interfaces.cli.runtime import session
    from models.identity import CaseRef
    from models.queries import agency_by_name, application_by_number

    with session() as s:
        owner = agency_by_name(s, agency) if agency else None
        return CaseRef.of(application_by_number(s, number, agency=owner))


@app.command("advance")
def advance(number: str, agency: str = AGENCY,
            prefect: bool = typer.Option(False, "--prefect", help="作为 Prefect 流程运行")) -> None:
    """执行本申请当前到期的自动步骤（文书、通知、归档），直到下一个人工环节。"""
    from interfaces.cli.runtime import now

    case = _case(number, agency)
    if prefect:
        from workflows.flows import advance_case

        typer.echo(advance_case(agency_id=case.agency_id, number=case.number, after="核查"))
    else:
        from workflows.engine import advance as run

        typer.echo(f"{number}：{run(case, now=now())}")


@app.command("sweep")
def sweep(today: str = typer.Option(None, help="晨检日期 YYYY-MM-DD，默认今天（上海时间）"),
          prefect: bool = typer.Option(False, "--prefect", help="作为 Prefect 流程运行")) -> None:
    """每日晨检：期限提醒、逾期督办、催办、逾期未补正/未缴费处理。"""
    day = _today(today)
    if prefect:
        from workflows.flows import morning_sweep

        typer.echo(morning_sweep(today=day))
    else:
        from workflows.sweep import sweep as run

        typer.echo(run(day).summary())


@app.command("reconcile")
def reconcile() -> None:
    """补办：为所有有待办自动步骤的申请补做，各机关全部（进程中断后使用）。"""
    from interfaces.cli.runtime import now
    from workflows.engine import reconcile as catch_up

    typer.echo(f"已补办 {catch_up(now=now())} 件。")


@app.command("intake")
def intake(path: Path, clerk: str = typer.Option("clerk", help="登记人用户名"),
           department: str = typer.Option(None, help="统一交办的承办单位（每行也可写 department）")) -> None:
    """批量登记并交办：JSON Lines 文件，每行一件申请。"""
    from models.errors import ValidationFailed
    from models.transfer import intake_rows, read_lines
    from workflows.engine import shanghai_now
    from workflows.intake import register_and_route

    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ValidationFailed(f"无法读取文件 {path}：{exc.strerror}", str(exc)) from exc
    rows = intake_rows(read_lines(data), today=shanghai_now().date())  # every line checked before any is registered
    if department:
        rows = [{"department": department, **row} for row in rows]
    numbers = register_and_route(rows, clerk=clerk, now=shanghai_now())
    typer.echo(f"已登记 {len(numbers)} 件（{numbers[0]} … {numbers[-1]}）。" if numbers else "文件中没有申请。")


@archive_app.command("verify")
def verify(number: str, agency: str = AGENCY) -> None:
    """重新计算归档包中每个文件的 SHA-256，与清单和归档记录核对（与事件链的核对见 gongkai audit verify）。"""
    from interfaces.cli.runtime import session
    from models.archive import package_of, verify_package
    from models.queries import application_of
    from models.settings import Settings

    case = _case(number, agency)
    with session() as s:
        package = package_of(s, application_of(s, case))
    problems = verify_package(package.location, package.manifest_sha256, var_dir=Settings.load().var_dir)
    if problems:
        for p in problems:
            typer.echo(f"✗ {p}", err=True)
        raise typer.Exit(1)
    typer.echo(f"✓ {number} 归档包完好：{package.files} 个文件，清单 SHA-256 {package.manifest_sha256}，"
               f"保管至 {package.retain_until}（{package.location}）")


@app.command("recompute")
def recompute(today: str = typer.Option(None, help="重算日期 YYYY-MM-DD，默认今天（上海时间）"),
              as_json: bool = typer.Option(False, "--json", help="以 JSON 输出，便于脚本处理")) -> None:
    """按当前日历数据重算在办申请已存的答复期限（新一年的放假安排发布或地方调整后使用；晨检也会做）。"""
    from interfaces.cli.progress import progress
    from interfaces.cli.runtime import calendar, emit, session
    from models.deadlines import recompute_stale

    day = _today(today)
    with session() as s, progress("重算答复期限", as_json=as_json) as advance:
        count = recompute_stale(s, calendar=calendar(), today=day, progress=advance)
    emit({"recomputed": count, "today": day}, as_json=as_json,
         lines=[f"已按当前日历重算 {count} 件在办申请的答复期限。" if count else "没有需要重算的申请。"])
