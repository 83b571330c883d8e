"""What the applicant may download with number + query code: the documents served on them electronically.

A document counts as served electronically when the applicant consented to electronic service and it was dispatched
by e-mail or through the platform (the reply or the 终止处理告知书, models.actions.dispatch); the released versions
(公开版本) travel with such a reply (models.redaction.applicant_files). On paper nothing is offered here.

The notices sent before the reply (the 接收回执, the 补正告知书, the 收费通知书) are served electronically when the
applicant consented and chose e-mail or the platform as the means of obtaining (Art 29(2)(3)): each on the day it
was issued (the confirmation of receipt, the 补正 notice's date, the day counsel let the fee notice go).
"""

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, select

from models import redaction
from models.enums import DeliveryMethod
from models.errors import NotFound
from models.tables import Application, Delivery, Document, Fee, Supplement

ELECTRONIC = (DeliveryMethod.email.value, DeliveryMethod.platform.value)


@dataclass(frozen=True)
class Served:
    key: str  # document-<id> | release-<id>: unique within the case
    kind: str  # a document kind (reply, termination …) or "release" for a released version
    filename: str
    content_type: str
    served_on: date  # the day it was sent (dispatched)
    delivered_on: date | None  # the day its delivery was recorded, if it was


def _electronic_deliveries(session: Session, app: Application) -> list[Delivery]:
    if not app.electronic_delivery_consent:
        return []
    return list(session.exec(select(Delivery).where(Delivery.application_id == app.id,
                                                    Delivery.method.in_(ELECTRONIC)).order_by(Delivery.id)))


def _latest(session: Session, app: Application, kind: str) -> Document | None:
    return session.exec(select(Document).where(Document.application_id == app.id, Document.kind == kind)
                        .order_by(Document.version.desc())).first()


def _notices_served(session: Session, app: Application) -> list[tuple[Document, date]]:
    """The 接收回执, 补正告知书 and 收费通知书 served electronically, each with the day it was issued."""
    if not (app.electronic_delivery_consent and app.delivery_method in ELECTRONIC):
        return []
    found = []
    if app.confirmed_on is not None and (doc := _latest(session, app, "receipt")) is not None:
        found.append((doc, app.confirmed_on))
    supplement = session.exec(select(Supplement).where(Supplement.application_id == app.id)).first()
    if supplement is not None and (doc := _latest(session, app, "supplement")) is not None:
        found.append((doc, supplement.issued_on))
    fee = session.exec(select(Fee).where(Fee.application_id == app.id, Fee.notice_sent_on.is_not(None))).first()
    if fee is not None and (doc := _latest(session, app, "fee")) is not None:
        found.append((doc, fee.notice_sent_on))
    return found


def served_documents(session: Session, app: Application) -> list[tuple[Served, bytes]]:
    """Each document served on the applicant electronically, with its content, oldest first."""
    found: list[tuple[Served, bytes]] = []
    for doc, served_on in _notices_served(session, app):
        ext = "pdf" if doc.content_type == "application/pdf" else "txt"
        found.append((Served(f"document-{doc.id}", doc.kind, f"{app.number}-{doc.kind}-v{doc.version}.{ext}",
                             doc.content_type, served_on, None), doc.content))
    deliveries = _electronic_deliveries(session, app)
    for delivery in deliveries:
        if delivery.document_id is None:
            continue
        doc = session.get(Document, delivery.document_id)
        ext = "pdf" if doc.content_type == "application/pdf" else "txt"
        found.append((Served(f"document-{doc.id}", doc.kind, f"{app.number}-{doc.kind}-v{doc.version}.{ext}",
                             doc.content_type, delivery.dispatched_on, delivery.delivered_on), doc.content))
    if deliveries:
        first = deliveries[0]
        for f in redaction.applicant_files(session, app):  # Art 37: released versions only, never a source file
            found.append((Served(f"release-{f.id}", "release", f.filename, "application/pdf", first.dispatched_on,
                                 first.delivered_on), f.content))
    return found


def served_document(session: Session, app: Application, key: str) -> tuple[Served, bytes]:
    for served, content in served_documents(session, app):
        if served.key == key:
            return served, content
    raise NotFound("未找到该文件，请核对申请编号、查询码和文件编号。", f"no served document {key!r} on {app.number}")
