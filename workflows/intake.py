"""Batch intake: register and route a batch (a legacy backlog, a mass-application wave) in one pass.

Each application is still one domain transaction (models.registration.register, models.actions.route) with its
trigger, and then gets its automatic steps at once, like a single registration: the 接收回执, the 交办单 and the
notifications (workflows.engine.advance, which marks its triggers done). What the batch saves is the orchestration
around them: one session, one calendar, one context, and no Prefect run per case.
"""

import json
from dataclasses import asdict
from datetime import date, datetime
from pathlib import Path

from models import actions as A
from models.context import Ctx
from models.identity import CaseRef
from models.enums import ApplicantIdType, ApplicantOnFile, Channel, ConfirmationMethod, DeliveryMethod, RequestedForm
from models.outcomes import ApplicantKind
from models.queries import user_by_username
from models.registration import ApplicantIn, ApplicationIn, register
from workflows import engine


def item_from_dict(data: dict) -> ApplicationIn:
    """A JSON row (a flow parameter, an import line) → ApplicationIn."""
    a = dict(data["applicant"])
    applicant = ApplicantIn(**{**a, "kind": ApplicantKind(a["kind"]),
                               "id_type": ApplicantIdType(a.get("id_type", "none"))})
    fields = {k: v for k, v in data.items() if k not in ("applicant", "department")}
    for name in ("arrived_on", "receipt_date"):
        fields[name] = date.fromisoformat(str(fields[name]))
    if fields.get("confirmed_on"):  # Art 31: ordinary letters, internet, fax
        fields["confirmed_on"] = date.fromisoformat(str(fields["confirmed_on"]))
    for name, cls in (("confirmation_method", ConfirmationMethod), ("agent_id_type", ApplicantIdType),
                      ("applicant_on_file", ApplicantOnFile)):
        if fields.get(name):
            fields[name] = cls(fields[name])
    fields["channel"] = Channel(fields["channel"])
    if "requested_form" in fields:
        fields["requested_form"] = RequestedForm(fields["requested_form"])
    if "delivery_method" in fields:
        fields["delivery_method"] = DeliveryMethod(fields["delivery_method"])
    return ApplicationIn(applicant=applicant, **fields)


def item_to_dict(item: ApplicationIn, department: str | None = None) -> dict:
    data = asdict(item)
    data["arrived_on"], data["receipt_date"] = item.arrived_on.isoformat(), item.receipt_date.isoformat()
    data["confirmed_on"] = item.confirmed_on.isoformat() if item.confirmed_on else None
    if department:
        data["department"] = department
    return data


def read_rows(source: str) -> list[dict]:
    """A JSON Lines file, one application a line."""
    text = Path(source).read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def write_rows(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def register_and_route(rows: list[dict], *, clerk: str, now: datetime, calendar=None, sender=None) -> list[str]:
    """Register each row and, when it names a department, route it there (5-WD answer due date); then its
    automatic steps (receipt, routing slip, notifications), as after a registration at the desk."""
    numbers = []
    calendar = calendar or engine.calendar()
    with engine.session() as s:
        ctx = Ctx(s, calendar, now, user_by_username(s, clerk))
        for row in rows:
            app = register(ctx, item_from_dict(row)).application
            case = CaseRef.of(app)
            if row.get("department"):
                A.route(ctx, case.number, department=row["department"])
            engine.advance(case, now=now, sender=sender)
            numbers.append(case.number)
    return numbers
