"""Read-only lookups shared by the actions, the CLI and the desk."""

import hmac
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import defer
from sqlmodel import Session, col, select

from models.enums import Status
from models.errors import NotFound, ValidationFailed
from models.lifecycle import CONCLUDED
from models.mock_tables import is_mock
from models.tables import Agency, Applicant, Application, Assignment, Attachment, Department, Document, Event, User


def agency_by_name(session: Session, name: str) -> Agency:
    agency = session.exec(select(Agency).where(Agency.name == name)).first()
    if agency is None:
        raise NotFound(f"机关「{name}」不存在，请先用 gongkai agency add 添加。", f"no agency {name!r}")
    return agency


def department_by_name(session: Session, agency: Agency, name: str) -> Department:
    department = session.exec(
        select(Department).where(Department.agency_id == agency.id, Department.name == name)
    ).first()
    if department is None:
        raise NotFound(f"{agency.name}没有承办单位「{name}」。", f"no department {name!r} in {agency.name}")
    return department


def user_by_username(session: Session, username: str) -> User:
    user = session.exec(select(User).where(User.username == username)).first()
    if user is None or not user.active:
        raise NotFound(f"用户「{username}」不存在或已停用。", f"no active user {username!r}")
    return user


def application_by_number(session: Session, number: str, *, agency: Agency | None = None,
                          agency_id: int | None = None) -> Application:
    """The application with this number in this agency; without one, the number alone may be ambiguous."""
    if agency is not None:
        agency_id = agency.id
    query = select(Application).where(Application.number == number)
    if agency_id is not None:
        query = query.where(Application.agency_id == agency_id)
    found = session.exec(query).all()
    if not found:
        raise NotFound(f"申请编号「{number}」不存在。", f"no application {number} (agency {agency_id})")
    if len(found) > 1:
        raise ValidationFailed(f"编号「{number}」在多个机关下都存在，请指定机关。", f"ambiguous number {number}")
    return found[0]


def application_by_query_code(session: Session, number: str, code: str) -> Application | None:
    """The case an applicant follows with number + query code (the status page, the portal, the JSON API): numbers
    repeat across agencies and the code tells them apart. Every candidate's code is compared in constant time, so the
    reply time says nothing about the code. A 模拟暗访 test (models.mock_audits) is never found."""
    number, code = (number or "").strip(), (code or "").strip().upper()
    if not number or not code or len(number) > 40 or len(code) > 40:
        return None
    candidates = session.exec(select(Application).where(Application.number == number)).all()
    matching = [a for a in candidates if hmac.compare_digest(a.query_code.encode(), code.encode())]
    return matching[0] if len(matching) == 1 and not is_mock(session, matching[0].id) else None


def application_of(session: Session, case) -> Application:
    """The application a CaseRef (models.identity) names: agency and number, never the number alone."""
    return application_by_number(session, case.number, agency_id=case.agency_id)


def applicant_of(session: Session, application: Application) -> Applicant:
    return session.get(Applicant, application.applicant_id)


def events_of(session: Session, application: Application) -> list[Event]:
    return list(session.exec(select(Event).where(Event.application_id == application.id).order_by(Event.id)))


def assignments_of(session: Session, application: Application) -> list[Assignment]:
    return list(session.exec(select(Assignment).where(Assignment.application_id == application.id).order_by(Assignment.id)))


def documents_of(session: Session, application: Application) -> list[Document]:
    """The case's generated documents, oldest first; their PDFs are loaded only if read."""
    query = (select(Document).where(Document.application_id == application.id)
             .options(defer(Document.content)).order_by(Document.id))
    return list(session.exec(query))


def document_of(session: Session, application: Application, document_id: int) -> Document:
    """One generated document of this case; the id of another case's document is not found."""
    return _of_case(session, Document, application, document_id, "文书")


def attachments_of(session: Session, application: Application) -> list[Attachment]:
    """The departments' files on this case, oldest first; their content is loaded only if read."""
    query = (select(Attachment).where(Attachment.application_id == application.id)
             .options(defer(Attachment.content)).order_by(Attachment.id))
    return list(session.exec(query))


def attachment_of(session: Session, application: Application, attachment_id: int) -> Attachment:
    """One file of this case; the id of another case's file is not found."""
    return _of_case(session, Attachment, application, attachment_id, "附件")


def _of_case(session: Session, model, application: Application, row_id: int, what: str):
    row = session.get(model, row_id)
    if row is None or row.application_id != application.id:
        raise NotFound(f"申请 {application.number} 没有编号为 {row_id} 的{what}。",
                       f"no {model.__name__.lower()} {row_id} on {application.number}")
    return row


@dataclass(frozen=True)
class ListFilter:
    agency: str | None = None
    status: Status | None = None
    department: str | None = None
    due_before: date | None = None
    overdue_on: date | None = None  # open, with the stored due date before this day
    text: str | None = None  # number, applicant name or request text
    limit: int = 200


def list_applications(session: Session, flt: ListFilter) -> list[tuple[Application, Applicant]]:
    """Applications by the next deadline first (the clerk's worklist order)."""
    query = select(Application, Applicant).join(Applicant, Applicant.id == Application.applicant_id)
    if flt.agency:
        query = query.where(Application.agency_id == agency_by_name(session, flt.agency).id)
    if flt.status:
        query = query.where(Application.status == flt.status)
    if flt.department:
        query = query.where(
            Application.id.in_(  # type: ignore[union-attr]
                select(Assignment.application_id)
                .join(Department, Department.id == Assignment.department_id)
                .where(Department.name == flt.department)
            )
        )
    if flt.due_before:
        query = query.where(Application.due_date <= flt.due_before)
    if flt.overdue_on:
        query = query.where(
            Application.due_date < flt.overdue_on, col(Application.status).not_in([s.value for s in CONCLUDED])
        )
    if flt.text:
        like = f"%{flt.text}%"
        query = query.where(
            col(Application.number).like(like) | col(Applicant.name).like(like) | col(Application.request_text).like(like)
        )
    query = query.order_by(col(Application.due_date).is_(None), Application.due_date, Application.id).limit(flt.limit)
    return list(session.exec(query).all())
