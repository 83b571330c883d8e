"""The desk's mock applications (模拟暗访): draft, send, grade, and the audit report per round (HTML, PDF, XLSX).

Thin over models.mock_audits, for the office only (MOCK_ROLES). Sending submits the test as an online application
and runs the registration's automatic steps like any registration; the case is then handled like any other.
"""

from urllib.parse import quote

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, Response
from sqlmodel import select

from interfaces.web.app import Web, posted_form
from interfaces.web.views import ROUTE_ROLES, allow
from models import mock_audits as M
from models.context import Ctx
from models.enums import ApplicantIdType
from models.errors import GongkaiError, ValidationFailed
from models.identity import CaseRef
from models.outcomes import ApplicantKind, Outcome
from models.registration import ApplicantIn
from models.tables import Department
from notices.mock_report import CASE_HEADER, case_row, to_pdf, to_xlsx

router = APIRouter()
MOCK_ROLES = ROUTE_ROLES["/mock"]


def _ctx(web: Web) -> Ctx:
    return Ctx(web.db, web.desk.calendar, web.now, web.user)


def _departments(web: Web) -> list[tuple[int, str]]:
    return list(web.db.exec(select(Department.id, Department.name).where(Department.agency_id == web.user.agency_id)
                            .order_by(Department.id)).all())


def _list_page(web: Web, *, errors: dict | None = None, submitted=None, status_code: int = 200):
    return web.render("mock_list.html", status_code, lines=M.mock_lines(web.db, agency_id=web.user.agency_id),
                      departments=_departments(web), outcomes=[(o.value, o.label) for o in M.EXPECTABLE],
                      kinds=[(k.value, k.label) for k in ApplicantKind],
                      id_types=[(t.value, t.label) for t in ApplicantIdType],
                      values=submitted or {"round_name": f"{web.now.year}年第一轮",
                                           "id_type": ApplicantIdType.resident_id.value},
                      errors=errors or {})


@router.get("/mock", response_class=HTMLResponse)
def mock_list(web: Web = Depends(allow(*MOCK_ROLES))):
    return _list_page(web)


@router.post("/mock", response_class=HTMLResponse)
def mock_draft(form=Depends(posted_form), web: Web = Depends(allow(*MOCK_ROLES))):
    text = lambda name: form.get(name) or ""  # noqa: E731
    try:
        data = M.MockIn(round_name=text("round_name"), department=text("department"),
                        request_text=text("request_text"), expected_outcome=text("expected_outcome"),
                        points=text("points").splitlines(),
                        applicant=ApplicantIn(kind=_choice(ApplicantKind, text("applicant_kind"), "申请人类型"),
                                              name=text("applicant_name"),
                                              id_type=_choice(ApplicantIdType, text("id_type"), "证件类型"),
                                              id_number=text("id_number").strip() or None, phone=text("phone"),
                                              email=text("email"), address=text("address")))
        mock = M.draft_mock(_ctx(web), data)
    except GongkaiError as exc:
        web.db.rollback()
        return _list_page(web, errors={getattr(exc, "field", None) or "form": exc.message_zh}, submitted=form,
                          status_code=422)
    return web.redirect(f"/mock/{mock.id}", "模拟申请已拟好，核对无误后发出。")


def _choice(enum_cls, value: str, what: str):
    try:
        return enum_cls(value)
    except ValueError:
        raise ValidationFailed(f"请选择{what}。", f"bad {enum_cls.__name__} {value!r}") from None


def _mock_page(web: Web, mock_id: int, *, errors: dict | None = None, submitted=None, status_code: int = 200):
    mock = M.mock_of(web.db, mock_id, agency_id=web.user.agency_id)
    [line] = [ln for ln in M.mock_lines(web.db, agency_id=web.user.agency_id) if ln.id == mock.id]
    computed, not_yet = None, None
    if line.number is not None:
        try:
            computed = M.compute_grade(web.db, mock)
        except GongkaiError as exc:
            not_yet = exc.message_zh
    return web.render("mock_case.html", status_code, mock=mock, line=line, computed=computed, not_yet=not_yet,
                      weights=M.WEIGHTS, errors=errors or {}, submitted=submitted or {},
                      outcome_label=lambda o: Outcome(o).label)


@router.get("/mock/{mock_id:int}", response_class=HTMLResponse)
def mock_view(mock_id: int, web: Web = Depends(allow(*MOCK_ROLES))):
    try:
        return _mock_page(web, mock_id)
    except GongkaiError as exc:
        return web.render("message.html", 404, title="模拟暗访不存在", message=exc.message_zh)


@router.post("/mock/{mock_id:int}/send", response_class=HTMLResponse)
def mock_send(mock_id: int, form=Depends(posted_form), web: Web = Depends(allow(*MOCK_ROLES))):
    try:
        registered = M.send_mock(_ctx(web), mock_id)
    except GongkaiError as exc:
        web.db.rollback()
        return _mock_page(web, mock_id, errors={"send": exc.message_zh}, status_code=422)
    app = registered.application
    note = web.desk.after_action(CaseRef.of(app), "register", web.now)  # the receipt, as for any registration
    return web.redirect(f"/mock/{mock_id}", f"已作为网上申请发出，申请编号 {app.number}，由公开办按正常流程办理。{note or ''}")


@router.post("/mock/{mock_id:int}/grade", response_class=HTMLResponse)
def mock_grade(mock_id: int, form=Depends(posted_form), web: Web = Depends(allow(*MOCK_ROLES))):
    scores = {int(key.removeprefix("score_")): value for key, value in form.items()
              if key.startswith("score_") and key.removeprefix("score_").isdigit()}
    try:
        grade = M.grade_mock(_ctx(web), mock_id, scores=scores)
    except GongkaiError as exc:
        web.db.rollback()
        return _mock_page(web, mock_id, errors={"grade": exc.message_zh}, submitted=form, status_code=422)
    return web.redirect(f"/mock/{mock_id}", f"已评分：总分 {grade.total:.1f} 分。")


def _report(web: Web, round_name: str, department: str):
    rounds = M.rounds(web.db, agency_id=web.user.agency_id)
    chosen = round_name or (rounds[-1] if rounds else "")
    dept_id = int(department) if department.isdigit() else None
    report = M.audit_report(web.db, agency_id=web.user.agency_id, round_name=chosen, department_id=dept_id) \
        if chosen else None
    return rounds, chosen, dept_id, report


@router.get("/mock/report", response_class=HTMLResponse)
def mock_report(web: Web = Depends(allow(*ROUTE_ROLES["/mock/report"])), round: str = "", department: str = ""):
    try:
        rounds, chosen, dept_id, report = _report(web, round, department)
    except GongkaiError as exc:
        return web.render("message.html", 404, title="没有该轮次", message=exc.message_zh)
    return web.render("mock_report.html", rounds=rounds, chosen=chosen, department_id=dept_id, report=report,
                      departments=_departments(web),
                      query=f"round={quote(chosen)}" + (f"&department={dept_id}" if dept_id else ""),
                      header=CASE_HEADER, case_row=case_row)


KINDS = {"pdf": (to_pdf, "application/pdf"),
         "xlsx": (to_xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")}


def _download(web: Web, round_name: str, department: str, kind: str):
    try:
        _, chosen, _, report = _report(web, round_name, department)
    except GongkaiError as exc:
        return web.render("message.html", 404, title="没有该轮次", message=exc.message_zh)
    if report is None:
        return web.render("message.html", 404, title="尚无模拟暗访", message="尚未拟写任何模拟暗访申请。")
    write, media_type = KINDS[kind]
    name = quote(f"模拟暗访情况通报-{chosen}.{kind}")
    return Response(write(report), media_type=media_type,
                    headers={"Content-Disposition": f"attachment; filename=\"mock-audit.{kind}\"; filename*=UTF-8''{name}"})


@router.get("/mock/report.pdf")
def mock_report_pdf(web: Web = Depends(allow(*MOCK_ROLES)), round: str = "", department: str = ""):
    return _download(web, round, department, "pdf")


@router.get("/mock/report.xlsx")
def mock_report_xlsx(web: Web = Depends(allow(*MOCK_ROLES)), round: str = "", department: str = ""):
    return _download(web, round, department, "xlsx")
