"""gongkai problem add / note / close / list: the problem list (问题清单, 一案一策) from the command line.

Thin over models.problems; the internal time limit never changes the statutory reply due date.
"""

import typer

from interfaces.cli.runtime import JSON, USER, context, emit, parse_day, parse_enum

app = typer.Typer(help="问题清单（一案一策）：列入、记录进展、销号、查看", no_args_is_help=True)
NUMBER = typer.Argument(..., help="申请编号，如 2026-000123")


def _line_data(line) -> dict:
    return {"id": line.id, "number": line.case.number, "reason": line.reason, "owner": line.owner_username,
            "owner_name": line.owner_name, "plan": line.plan, "added_on": line.added_on, "due_date": line.due_date,
            "status": line.status.value, "level": line.level, "level_label": line.level_label,
            "closed_on": line.closed_on, "result": line.result,
            "notes": [{"on": n.written_on, "by": n.author_name, "text": n.text} for n in line.notes]}


@app.command("add")
def add(number: str = NUMBER,
        reason: str = typer.Option(..., help="列入原因：old_records（年代久远）、ownership_changes（产权变更复杂）、"
                                             "records_hard_to_find（资料查找困难）、other（其他，须写 --reason-text）"),
        reason_text: str = typer.Option("", help="其他原因的具体说明"),
        owner: str = typer.Option(..., help="责任人用户名"),
        plan: str = typer.Option(..., help="工作方案（一案一策）"),
        days: int = typer.Option(None, help="办理时限：工作日数（与 --due 二选一）"),
        due: str = typer.Option(None, help="办理时限：截止日期 YYYY-MM-DD（与 --days 二选一）"),
        user: str = USER, as_json: bool = JSON) -> None:
    """将申请列入问题清单：原因、责任人、办理时限和工作方案（不改变法定答复期限）。"""
    from models.enums import ProblemReason
    from models.problems import add_problem

    chosen = parse_enum(ProblemReason, reason, "列入原因")
    with context(user) as ctx:
        item = add_problem(ctx, number, reason=chosen, reason_text=reason_text, owner=owner, plan=plan,
                           limit_days=days, due_date=parse_day(due, "截止日期"))
        emit({"number": number, "id": item.id, "due_date": item.due_date, "owner": owner}, as_json=as_json,
             lines=[f"申请 {number} 已列入问题清单，责任人 {owner}，办理时限 {item.due_date}（内部时限，不改变法定答复期限）。"])


@app.command("note")
def note(number: str = NUMBER, text: str = typer.Option(..., help="进展情况"), user: str = USER,
         as_json: bool = JSON) -> None:
    """为问题清单事项记录进展（责任人或公开办、领导、督办人员）。"""
    from models.problems import note_problem

    with context(user) as ctx:
        written = note_problem(ctx, number, text=text)
        emit({"number": number, "written_on": written.written_on, "text": written.text}, as_json=as_json,
             lines=[f"申请 {number} 的问题清单事项已记录进展。"])


@app.command("close")
def close(number: str = NUMBER, result: str = typer.Option(..., help="办理结果"), user: str = USER,
          as_json: bool = JSON) -> None:
    """问题清单事项销号，写明办理结果。"""
    from models.problems import close_problem

    with context(user) as ctx:
        item = close_problem(ctx, number, result=result)
        late = "，已超过办理时限" if item.closed_on > item.due_date else ""
        emit({"number": number, "closed_on": item.closed_on, "due_date": item.due_date}, as_json=as_json,
             lines=[f"申请 {number} 的问题清单事项已销号（办理时限 {item.due_date}{late}）。"])


@app.command("list")
def list_(all_items: bool = typer.Option(False, "--all", help="包括已销号的事项"), user: str = USER,
          as_json: bool = JSON) -> None:
    """查看本机关的问题清单，按内部办理时限预警（已超期的在前）。"""
    from models.problems import problem_list

    with context(user) as ctx:
        lines = problem_list(ctx.session, agency_id=ctx.actor.agency_id, today=ctx.today, calendar=ctx.calendar,
                             include_closed=all_items)
    if as_json:
        emit({"items": [_line_data(line) for line in lines]}, as_json=True, lines=[])
        return
    if not lines:
        typer.echo("问题清单上没有事项。" if all_items else "问题清单上没有在办事项。")
    for line in lines:
        last = f"；最新进展：{line.notes[-1].text}" if line.notes else ""
        done = f"；{line.closed_on} 销号：{line.result}" if line.closed_on else ""
        typer.echo(f"{line.case.number}　{line.level_label}　时限 {line.due_date}　{line.reason}　责任人 {line.owner_name}"
                   f"　方案：{line.plan}{last}{done}")
