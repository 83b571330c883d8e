"""gongkai mock draft / send / grade / list / report: mock applications (模拟暗访) from the command line.

Thin over models.mock_audits, for the office (督办人员, 公开办负责人). `send` submits the test as an online
application and runs the registration's automatic steps; the office's clerk then handles it as any case.
"""

from pathlib import Path

import typer

from interfaces.cli.runtime import JSON, USER, context, emit, parse_enum, write_output

app = typer.Typer(help="模拟暗访：拟写、发出、评分、查看、通报", no_args_is_help=True)
MOCK = typer.Argument(..., help="模拟暗访编号（mock draft 输出的编号）")


@app.command("draft")
def draft(round_name: str = typer.Option(..., "--round", help="轮次，如 2026年第一轮"),
          department: str = typer.Option(..., help="被测单位名称"),
          text: str = typer.Option(..., help="申请内容"),
          expected: str = typer.Option(..., help="预期处理结果，如 art36_2_disclosed（见 docs/outcomes.md）"),
          point: list[str] = typer.Option(..., "--point", help="答复应包含的要点（可多次）"),
          name: str = typer.Option(..., help="以谁的名义申请：姓名或名称"),
          kind: str = typer.Option("natural_person", help="申请人类型"),
          id_type: str = typer.Option("resident_id", help="证件类型"),
          id_number: str = typer.Option(None, help="证件号码"),
          phone: str = typer.Option("", help="联系电话"),
          email: str = typer.Option("", help="电子邮箱"),
          address: str = typer.Option("", help="通信地址"),
          user: str = USER, as_json: bool = JSON) -> None:
    """拟写模拟申请（尚未发出）。"""
    from models.enums import ApplicantIdType
    from models.mock_audits import MockIn, draft_mock
    from models.outcomes import ApplicantKind
    from models.registration import ApplicantIn

    applicant = ApplicantIn(kind=parse_enum(ApplicantKind, kind, "申请人类型"), name=name,
                            id_type=parse_enum(ApplicantIdType, id_type, "证件类型"), id_number=id_number,
                            phone=phone, email=email, address=address)
    with context(user) as ctx:
        mock = draft_mock(ctx, MockIn(round_name=round_name, department=department, request_text=text,
                                      expected_outcome=expected, points=point, applicant=applicant))
        emit({"id": mock.id, "round": mock.round_name, "points": mock.points}, as_json=as_json,
             lines=[f"已拟写模拟暗访 {mock.id}（{mock.round_name}，{department}），要点{len(mock.points)}个；"
                    f"用 gongkai mock send {mock.id} 发出。"])


@app.command("send")
def send(mock_id: int = MOCK, user: str = USER, as_json: bool = JSON) -> None:
    """发出模拟申请：按网上申请登记，由公开办按正常流程交办和答复。"""
    from interfaces.cli.actions_cmd import _after
    from models.identity import CaseRef
    from models.mock_audits import send_mock

    with context(user) as ctx:
        app_ = send_mock(ctx, mock_id).application
        case = CaseRef.of(app_)
        emit({"id": mock_id, "number": app_.number, "due_date": app_.due_date}, as_json=as_json,
             lines=[f"模拟暗访 {mock_id} 已作为网上申请发出，申请编号 {app_.number}，答复期限 {app_.due_date}。"])
    _after(case, "register", as_json)


@app.command("grade")
def grade(mock_id: int = MOCK,
          score: list[str] = typer.Option([], "--score", help="未在答复中找到原文的要点得分：序号=分数（序号从1起，0至100）"),
          user: str = USER, as_json: bool = JSON) -> None:
    """为已签发的答复评分：按时、结果、引用、救济途径由系统计算，要点得分未找到原文的由督办人员填写。"""
    from models.errors import ValidationFailed
    from models.mock_audits import grade_mock
    from models.outcomes import Outcome

    scores = {}
    for item in score:
        index, _, value = item.partition("=")
        if not index.strip().isdigit() or int(index) < 1 or not value.strip():
            raise ValidationFailed(f"--score 应写作「序号=分数」，如 2=60（填写的是「{item}」）。", f"bad --score {item!r}")
        scores[int(index) - 1] = value.strip()
    with context(user) as ctx:
        g = grade_mock(ctx, mock_id, scores=scores)
        yes = lambda ok: "是" if ok else "否"  # noqa: E731
        emit({"id": mock_id, "total": g.total, "department_on_time": g.department_on_time,
              "reply_on_time": g.reply_on_time, "outcome_right": g.outcome_right, "citations_right": g.citations_right,
              "remedy_right": g.remedy_right, "actual_outcome": g.actual_outcome, "points": g.point_scores,
              "findings": g.findings}, as_json=as_json,
             lines=[f"模拟暗访 {mock_id} 总分 {g.total:.1f}：承办按时 {yes(g.department_on_time)}，答复按时 "
                    f"{yes(g.reply_on_time)}，结果（{Outcome(g.actual_outcome).label}）正确 {yes(g.outcome_right)}，"
                    f"引用正确 {yes(g.citations_right)}，救济途径正确 {yes(g.remedy_right)}。",
                    *(f"要点「{s['point']}」{s['score']:.0f}分{'（答复中有原文）' if s['computed'] else ''}"
                      for s in g.point_scores),
                    *(f"问题：{f}" for f in g.findings)])


@app.command("list")
def list_(round_name: str = typer.Option(None, "--round", help="只看该轮次"), user: str = USER,
          as_json: bool = JSON) -> None:
    """查看本机关的模拟暗访及其进展。"""
    from models.mock_audits import mock_lines

    with context(user) as ctx:
        lines = mock_lines(ctx.session, agency_id=ctx.actor.agency_id, round_name=round_name)
    emit({"mocks": [{"id": ln.id, "round": ln.round_name, "department": ln.department, "number": ln.number,
                     "stage": ln.stage, "total": ln.grade.total if ln.grade else None} for ln in lines]},
         as_json=as_json,
         lines=[f"{ln.id}　{ln.round_name}　{ln.department}　{ln.number or '未发出'}　{ln.stage}"
                f"{'　总分 %.1f' % ln.grade.total if ln.grade else ''}" for ln in lines] or ["尚未拟写模拟暗访申请。"])


@app.command("report")
def report(round_name: str = typer.Option(..., "--round", help="轮次"),
           department: str = typer.Option(None, help="只通报该单位"),
           output: Path = typer.Option(..., "--output", "-o", help="输出文件：.pdf 或 .xlsx"),
           user: str = USER, as_json: bool = JSON) -> None:
    """生成一轮模拟暗访情况通报（PDF 或 Excel）。"""
    from models.enums import Role
    from models.errors import RoleNotAllowed, ValidationFailed
    from models.mock_audits import AUDITORS, audit_report
    from models.queries import department_by_name
    from models.tables import Agency
    from notices.mock_report import to_pdf, to_xlsx

    writers = {".pdf": to_pdf, ".xlsx": to_xlsx}
    if output.suffix.lower() not in writers:
        raise ValidationFailed("输出文件应以 .pdf 或 .xlsx 结尾。", f"unknown output type {output.suffix!r}")
    with context(user) as ctx:
        if ctx.actor is None or Role(ctx.actor.role) not in AUDITORS:
            raise RoleNotAllowed("只有督办人员或公开办负责人可以生成模拟暗访通报。", "only the office reports mock audits")
        dept = department_by_name(ctx.session, ctx.session.get(Agency, ctx.actor.agency_id), department) \
            if department else None
        result = audit_report(ctx.session, agency_id=ctx.actor.agency_id, round_name=round_name,
                              department_id=dept.id if dept else None)
        write_output(output, writers[output.suffix.lower()](result))
    average = "尚无评分" if result.average is None else f"平均得分 {result.average:.1f}"
    emit({"output": str(output), "cases": len(result.lines), "average": result.average}, as_json=as_json,
         lines=[f"已生成模拟暗访情况通报：{output}（{len(result.lines)}件，{average}）。"])
