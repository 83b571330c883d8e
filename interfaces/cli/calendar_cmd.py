"""`gongkai calendar …`: working days and legal deadlines from the command line."""

import datetime as dt

import typer

import calendars
from interfaces.cli.errors import BadValue
from interfaces.cli.runtime import parse_day

app = typer.Typer(help="工作日历与法定期限", no_args_is_help=True)

OverlayOption = typer.Option(None, "--overlay", help="叠加地区日历（data/overlays 下的名称或 YAML 路径），可多次指定")


def _date(text: str) -> dt.date:
    day = parse_day(text, "日期")
    if day is None:
        raise BadValue("日期不能为空。")
    return day


def _calendar(overlays: list[str] | None) -> calendars.WorkingCalendar:
    return calendars.load_calendar(overlays=tuple(overlays or ()))


def _warn_provisional(reasons: tuple[str, ...]) -> None:
    for reason in reasons:
        typer.echo(f"注意：结果为推算（未确认）：{reason}", err=True)


@app.command("add-working-days")
def add_working_days(date: str, days: int, overlay: list[str] = OverlayOption) -> None:
    """DATE 之后第 N 个工作日（当日不计）。"""
    cal = _calendar(overlay)
    start = _date(date)
    due = cal.add_working_days(start, days=days)
    typer.echo(due.isoformat())
    _warn_provisional(cal.provisional_reasons(start, due))


@app.command("is-working-day")
def is_working_day(date: str, overlay: list[str] = OverlayOption) -> None:
    """DATE 是否为工作日，及其原因。"""
    info = _calendar(overlay).day_info(_date(date))
    reason = info.reason
    if info.reason in ("工作日", "周末"):
        reason = f"{calendars.arrangements.weekday_zh(info.day)}，{'正常工作日' if info.working else '周末'}"
    status = "" if info.confirmed else "；推算（未确认）"
    typer.echo(f"{'是' if info.working else '否'}（{reason}{status}）")


@app.command("show")
def show(year: int = typer.Argument(..., min=1, max=9999), overlay: list[str] = OverlayOption) -> None:
    """某年的放假日与调休上班日及其依据。"""
    cal = _calendar(overlay)
    entries = cal.year_entries(year)
    confirmed = year in cal.confirmed_years
    typer.echo(f"{year}年 {cal.jurisdiction}：{'已确认' if confirmed else '推算（未确认）'}")
    typer.echo(f"依据：{cal.year_source(year)}")
    if not confirmed:
        typer.echo(calendars.working.provisional_reason(year, cal.confirmed_years))
    for title, working in (("放假", False), ("调休上班", True)):
        typer.echo(f"\n{title}：")
        for info in (e for e in entries if e.working == working):
            extra = f"  [{info.source}]" if info.source != cal.year_source(year) else ""
            typer.echo(f"  {info.day}（{calendars.arrangements.weekday_zh(info.day)}）{info.reason}{extra}")


@app.command("check")
def check(file: str) -> None:
    """校验放假安排数据文件；有错误时返回非零。"""
    problems = calendars.check_file(file)
    if problems:
        for problem in problems:
            typer.echo(f"错误：{problem}", err=True)
        typer.echo(f"{file}：{len(problems)} 处错误", err=True)
        raise typer.Exit(1)
    typer.echo(f"{file}：校验通过")


@app.command("explain")
def explain(
    receipt: str,
    supplement: str | None = typer.Option(None, "--supplement", help="收到补正申请的日期（第三十条，重新起算）"),
    today: str | None = typer.Option(None, "--today", help="计算剩余期限的日期，默认今天"),
    overlay: list[str] = OverlayOption,
) -> None:
    """按收到申请日期推导答复期限（第三十三条），逐步说明。"""
    case = calendars.CaseDates(receipt_date=_date(receipt), supplement_received_on=_date(supplement) if supplement else None)
    reading = calendars.reply_clock(case, calendar=_calendar(overlay), today=_date(today) if today else dt.date.today())
    typer.echo(reading.explain())
