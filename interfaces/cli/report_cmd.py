"""`gongkai report …`: the annual tables 三 and 四, their checks, drill-down, year lock and supervisor figures."""

import datetime as dt
import json
from pathlib import Path

import typer

from interfaces.cli.runtime import now, parse_day, write_output

app = typer.Typer(help="年度报告统计（表三、表四）", no_args_is_help=True)

AgencyOption = typer.Option(..., "--agency", help="机关名称")
YearOption = typer.Option(..., "--year", help="统计年度", min=1, max=9999)  # models check the year's range
TodayOption = typer.Option(None, "--today", help="统计截止日（YYYY-MM-DD），默认今天；用于当年实时统计")
SubunitsOption = typer.Option(False, "--include-subunits", help="汇总下属单位")


def _fail(message_zh: str):
    from models.errors import ValidationFailed

    return ValidationFailed(message_zh)


def _today(text: str | None) -> dt.date:
    """Only the entry point reads the clock: --today, else GONGKAI_TODAY, else today in Asia/Shanghai."""
    return parse_day(text, "统计截止日") if text else now().date()


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise _fail(f"文件不存在：{path}") from None
    except OSError as exc:
        raise _fail(f"无法读取文件 {path}：{exc.strerror}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise _fail(f"{path} 不是有效的 UTF-8 JSON：{exc}") from None


def _print_failures(failures, *, err: bool = True) -> None:
    for failure in failures:
        typer.echo(f"未通过：{failure.message_zh}", err=err)


@app.command("annual")
def annual(agency: str = AgencyOption, year: int = YearOption,
           fmt: str = typer.Option("json", "--format", help="json|csv|xlsx|pdf|html"),
           output: Path | None = typer.Option(None, "--output", "-o", help="输出文件；缺省时文本格式打印到屏幕"),
           include_subunits: bool = SubunitsOption,
           department: str | None = typer.Option(None, "--department", help="只统计交办给该承办单位的申请"),
           previous: Path | None = typer.Option(None, "--previous", help="上年度已发布的表格（JSON），用于核对上年结转"),
           today: str | None = TodayOption) -> None:
    """某机关某年度的表三、表四；未通过的校验列在屏幕上。"""
    from interfaces.cli.runtime import session as session_scope  # refuses a database never initialised
    from models.queries import agency_by_name, department_by_name
    from models.statistics import annual_report
    from notices.annual_report import FORMATS, export

    if fmt not in FORMATS:
        raise _fail(f"不支持的格式「{fmt}」，可用：{'、'.join(FORMATS)}")
    if output is None and fmt in ("xlsx", "pdf"):
        raise _fail(f"{fmt} 格式请用 --output 指定输出文件")
    from interfaces.cli.progress import progress

    last = _read_json(previous) if previous else None
    steps = 2 if last is not None else 3  # this year's count, last year's (unless given), the file
    with session_scope() as session, progress(f"生成{year}年度报告", total=steps, unit="步") as advance:
        owner = agency_by_name(session, agency)
        unit = department_by_name(session, owner, department) if department else None
        report = annual_report(session, agency=owner, year=year, today=_today(today),
                               include_subunits=include_subunits, department=unit, previous=last,
                               progress=lambda done, _total: advance(done))
        content = export(report, fmt)
        advance(steps)
    if output is None:
        typer.echo(content.decode("utf-8-sig"))
    else:
        write_output(output, content)
        typer.echo(f"已生成 {output}（{report.title}{'，截至' + report.as_of.isoformat() if report.live else ''}）", err=True)
    _print_failures(report.failures)


@app.command("check")
def check(file: Path, previous: Path | None = typer.Option(None, "--previous", help="上年度表格（JSON）")) -> None:
    """校验已发布的表格（JSON）：列出每一处不一致，有不一致时退出码为 1。"""
    from models.statistics import check_published

    data = _read_json(file)
    failures = check_published(data, _read_json(previous) if previous else None)
    name = f"{data.get('agency', file.name)} {data.get('year', '')}年度" if isinstance(data, dict) else file.name
    if not failures:
        typer.echo(f"{name}：全部校验通过。")
        return
    _print_failures(failures, err=False)
    # a domain error: interfaces.cli.errors prints its Chinese message and exits 1
    raise _fail(f"{name}：{len(failures)}处校验未通过。")


@app.command("cases")
def cases(agency: str = AgencyOption, year: int = YearOption,
          row: str = typer.Option(..., "--row", help="表三的行，如 r4_1_not_held"),
          column: str = typer.Option("total", "--column", help="表三的列，如 natural_person、total"),
          include_subunits: bool = SubunitsOption, today: str | None = TodayOption) -> None:
    """列出表三某一格所计入的申请。"""
    from interfaces.cli.runtime import session as session_scope  # refuses a database never initialised
    from models.queries import agency_by_name
    from models.statistics import cell_cases, period, scope_of

    with session_scope() as session:
        owner = agency_by_name(session, agency)
        found = cell_cases(session, scope_of(session, owner, include_subunits=include_subunits),
                           period(year, today=_today(today)), row=row, column=column)
    for c in found:
        closed = c.closed_on.isoformat() if c.closed_on else "未办结"
        typer.echo(f"{c.number}\t{c.applicant}\t收到 {c.receipt_date}\t办结 {closed}\t{c.outcome or ''}")
    typer.echo(f"共 {len(found)} 件。", err=True)


def _ctx(session, username: str):
    from calendars import load_calendar
    from models.context import Ctx
    from models.queries import user_by_username

    return Ctx(session, load_calendar(), now(), user_by_username(session, username))


@app.command("lock")
def lock(agency: str = AgencyOption, year: int = YearOption,
         user: str = typer.Option(..., "--user", help="操作人用户名（公开办负责人或系统管理员）")) -> None:
    """锁定已发布年度：该年度办结的申请不能再修改。"""
    from interfaces.cli.runtime import session as session_scope  # refuses a database never initialised
    from models.statistics import lock_year

    with session_scope() as session:
        done = lock_year(_ctx(session, user), agency=agency, year=year)
        typer.echo(f"已锁定{agency}{year}年度统计（{done.locked_by}，{done.locked_at:%Y-%m-%d %H:%M}）。")


@app.command("reopen")
def reopen(agency: str = AgencyOption, year: int = YearOption,
           user: str = typer.Option(..., "--user", help="操作人用户名（公开办负责人或系统管理员）"),
           reason: str = typer.Option(..., "--reason", help="解除锁定的理由（记录在案）")) -> None:
    """解除年度锁定（留痕）。"""
    from interfaces.cli.runtime import session as session_scope  # refuses a database never initialised
    from models.statistics import reopen_year

    with session_scope() as session:
        event = reopen_year(_ctx(session, user), agency=agency, year=year, reason=reason)
        typer.echo(f"已解除{agency}{year}年度统计锁定（{event.by}：{event.reason}）。")


STAGE_LABELS = {"routed": "登记→交办", "drafting": "→拟稿", "legal_review": "拟稿→法律审核",
                "approved": "法律审核→审核通过", "dispatched": "审核通过→寄送"}


@app.command("supervisor")
def supervisor(agency: str = AgencyOption, year: int = YearOption, include_subunits: bool = SubunitsOption,
               today: str | None = TodayOption) -> None:
    """督办数据：答复用时、延期、各环节用时、承办单位、逾期。"""
    from calendars import load_calendar
    from interfaces.cli.runtime import session as session_scope  # refuses a database never initialised
    from models.queries import agency_by_name
    from models.statistics import period, scope_of, supervisor_figures

    with session_scope() as session:
        owner = agency_by_name(session, agency)
        f = supervisor_figures(session, scope_of(session, owner, include_subunits=include_subunits),
                               period(year, today=_today(today)), calendar=load_calendar())
    typer.echo(f"{agency} {year}年度：办结 {f.concluded} 件，平均用时 {_days(f.average_days)}")
    for n, share in f.answered_within.items():
        typer.echo(f"  {n}个工作日内办结：{share:.1%}")
    typer.echo(f"延期答复：{f.extensions_used} 件，共延长 {f.extension_days} 个工作日")
    typer.echo("各环节平均用时：")
    for status, days in f.stage_days.items():
        typer.echo(f"  {STAGE_LABELS[status]}：{_days(days)}")
    typer.echo("承办单位：")
    for d in f.departments:
        typer.echo(f"  {d.department}：交办 {d.routed} 件，已答复 {d.answered} 件，平均 {_days(d.average_days)}，逾期 {d.overdue} 件")
    typer.echo(f"逾期未办结：{f.overdue_open} 件；超期办结：{f.concluded_late} 件")


def _days(value: float | None) -> str:
    return "—" if value is None else f"{value} 个工作日"


@app.command("province")
def province(year: int | None = typer.Option(None, "--year", help="表三的统计年度，默认今年"),
             today: str | None = TodayOption,
             limit: int = typer.Option(10, "--limit", help="逾期、滞留名单各列出几件")) -> None:
    """全省汇总（本系统内全部机关）：督办看板的期限预警、各环节、各机关，及表三汇总。"""
    from calendars import load_calendar
    from models.dashboard import LEVEL_LABELS, LEVELS, Cutoffs
    from models.db import session_scope
    from models.outcomes import TABLE3_COLUMNS, TABLE3_ROWS, ApplicantKind
    from models.province import province_dashboard, province_table3

    day = _today(today)
    calendar = load_calendar()
    with session_scope() as session:
        dash = province_dashboard(session, cutoffs=Cutoffs.on(day, calendar=calendar), calendar=calendar,
                                  list_limit=limit)
        table = province_table3(session, year=year or day.year, today=day)
    levels = lambda counts: "，".join(f"{LEVEL_LABELS[lv]} {counts.get(lv, 0)}" for lv in LEVELS)  # noqa: E731
    typer.echo(f"全部机关（{len(dash.agencies)}个）截至{day.isoformat()}：在办 {dash.open_total} 件")
    typer.echo(f"  {levels(dash.by_level)}")
    typer.echo("各环节：")
    for status, counts in dash.by_stage.items():
        typer.echo(f"  {status.label}：{levels(counts)}")
    typer.echo("各机关：")
    for line in dash.agencies:
        answers = (f"本年答复 {line.answered} 件，平均 {_days(line.average_days)}，最长 {_days(line.longest_days)}，"
                   f"按期 {line.on_time} 件") if line.answered else "本年尚无答复"
        typer.echo(f"  {line.agency}：在办 {line.open_total} 件（{levels(line.by_level)}）；"
                   f"交办未答复 {line.open_assignments} 件；{answers}")
    typer.echo(f"逾期及剩1个工作日（最紧急的{len(dash.urgent)}件）：")
    for c in dash.urgent:
        typer.echo(f"  {c.agency} {c.case.number} {c.case.status.label} 答复期限 {c.case.due_date}")
    typer.echo(f"环节滞留（最久的{len(dash.at_risk)}件）：")
    for r in dash.at_risk:
        typer.echo(f"  {r.agency} {r.risk.case.number} {r.risk.case.status.label} 已{r.risk.days_in_stage}个工作日"
                   f"（通常{r.risk.usual}个）")
    cut = f"，截至{table.as_of.isoformat()}" if table.as_of.month != 12 or table.as_of.day != 31 else ""
    typer.echo(f"表三 {table.year}年度（{table.agencies}个机关汇总{cut}）：")
    heads = [ApplicantKind(c).label if c != "total" else "总计" for c in TABLE3_COLUMNS]
    typer.echo("  " + "\t".join(["行", *heads]))
    labels = {r.key: (f"{r.group}：{r.label}" if r.group and r.label[0].isdigit() else r.label) for r in TABLE3_ROWS}
    for key, values in table.counted.table3.items():
        typer.echo("  " + "\t".join([labels.get(key, key), *map(str, values)]))
    if table.counted.concluded_without_outcome:
        typer.echo(f"未通过：有{table.counted.concluded_without_outcome}件申请已办结但未记录办理结果，未计入表三任何一行",
                   err=True)


@app.command("table2-import")
def table2_import(file: Path, year: int = YearOption,
                  user: str = typer.Option(..., "--user", help="操作人用户名（公开办负责人或督办人员）")) -> None:
    """导入年度报告表二（主动公开政府信息情况）：CSV 或 XLSX，每行「项目,数值」，如「规章-本年制发件数,0」。"""
    from interfaces.cli.runtime import context
    from models.statistics.table2 import enter_table2, read_table2_file

    try:
        content = file.read_bytes()
    except FileNotFoundError:
        raise _fail(f"文件不存在：{file}") from None
    raw = read_table2_file(file.name, content)
    with context(user) as ctx:
        row = enter_table2(ctx, year=year, raw=raw, source="import")
    typer.echo(f"已导入{row.year}年度表二（{row.entered_by}，{row.entered_at:%Y-%m-%d %H:%M}）。")


@app.command("annual-draft")
def annual_draft_cmd(agency: str = AgencyOption, year: int = YearOption,
                     output: Path = typer.Option(Path("."), "--output", "-o", help="输出目录，缺省为当前目录"),
                     today: str | None = TodayOption) -> None:
    """生成年度报告全文草稿（国办公开办函〔2021〕30号格式）：DOCX（供修改）和 PDF。"""
    from interfaces.cli.runtime import calendar
    from models.db import session_scope
    from models.queries import agency_by_name
    from models.statistics.draft import annual_draft
    from notices.annual_draft import to_docx, to_pdf

    if output.exists() and not output.is_dir():
        raise _fail(f"--output 应为目录：{output}")
    output.mkdir(parents=True, exist_ok=True)
    with session_scope() as session:
        draft = annual_draft(session, agency=agency_by_name(session, agency), year=year, today=_today(today),
                             calendar=calendar())
        stem = output / f"{draft.agency}{year}年政府信息公开工作年度报告（草稿）"
        Path(f"{stem}.docx").write_bytes(to_docx(draft))
        Path(f"{stem}.pdf").write_bytes(to_pdf(draft))
    typer.echo(f"已生成 {stem}.docx 和 {stem}.pdf")
    if draft.table2 is None:
        typer.echo(f"注意：{year}年度表二尚未录入，草稿中以【请填写】标出（gongkai report table2-import）。", err=True)
    _print_failures(draft.report.failures)


@app.command("period")
def period_cmd(agency: str = AgencyOption,
               kind: str = typer.Option(..., "--kind", help="week（周调度）| month（月检查）| quarter（季通报）"),
               period: str = typer.Option(..., "--period", help="期间：2026-W48（或该周任一日期）、2026-11、2026-Q4"),
               output: Path = typer.Option(Path("."), "--output", "-o", help="输出目录，缺省为当前目录"),
               today: str | None = TodayOption) -> None:
    """周调度、月检查、季通报：各承办单位的办理情况、量化评分和调度清单，生成 PDF 和 XLSX。"""
    from interfaces.cli.runtime import calendar
    from interfaces.cli.runtime import session as session_scope  # refuses a database never initialised
    from models.periodic import parse_period, period_report
    from models.queries import agency_by_name
    from notices.periodic import figure_rows, summary_lines, write_files

    chosen = parse_period(kind, period)  # a bad kind or period is refused in Chinese before the database is read
    if output.exists() and not output.is_dir():
        raise _fail(f"--output 应为目录：{output}")
    with session_scope() as session:
        owner = agency_by_name(session, agency)
        report = period_report(session, agency_id=owner.id, kind=chosen.kind, period=chosen, today=_today(today),
                               calendar=calendar())
    typer.echo(report.title)
    for line in summary_lines(report):
        typer.echo(line)
    for row in figure_rows(report):
        typer.echo("\t".join(row))
    for path in write_files(report, output):
        typer.echo(f"已生成 {path}", err=True)
