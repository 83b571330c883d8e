"""Batch intake: register and route a batch (a legacy backlog, a mass-application wave) in one pass.

Each application is still one domain transaction (models.registration.register, models.actions.route) with its
trigger, and then gets its automatic steps, like a single registration: the 接收回执, the 交办单 and the
notifications, planned by the same workflows.engine.plan and rendered by the same notices.render.render_pdf as
workflows.engine.advance does for one case (tests/workflows/test_intake_batch.py: byte-identical documents).

What the batch saves is the orchestration around them (bench/intake_bench.py measures it beside the one-by-one path):

    one transaction per chunk   every action of a chunk (CHUNK cases) commits to a SAVEPOINT of one outer
                                transaction, so a chunk is written whole or not at all (a retried Prefect task
                                finds nothing half-done)
    one context per chunk       one calendar, one clerk, one system context per agency; no settings read per case
    a pool of renderers         the chunk's PDFs are rendered by warmed worker processes (notices.pool), one per
                                available core, while this process queues the chunk's notifications
    one send per chunk          the notifications are sent once the chunk has committed (never for a chunk that
                                is rolled back), then the chunk's triggers are marked done
"""

from contextlib import contextmanager

import json
from dataclasses import asdict
from datetime import date, datetime
from pathlib import Path

from models import actions as A
from models import outbox
from models.context import Ctx
from models.identity import CaseRef
from models.enums import ApplicantIdType, ApplicantOnFile, Channel, ConfirmationMethod, DeliveryMethod, RequestedForm
from models.outcomes import ApplicantKind
from models.queries import user_by_username
from models.registration import ApplicantIn, ApplicationIn, register
from notices import pool
from workflows import engine

CHUNK = 100  # cases per transaction: SQLite's write lock is held for the chunk (≈4 s on a quiet machine)
SEND_LIMIT = 500  # outbox.deliver_pending's own bound per call


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


def register_and_route(rows: list[dict], *, clerk: str, now: datetime, calendar=None, sender=None,
                       chunk: int = CHUNK, workers: int | None = None) -> list[str]:
    """Register each row and, when it names a department, route it there (5-WD answer due date); then its
    automatic steps (receipt, routing slip, notifications), as after a registration at the desk.

    `workers`: renderer processes (default: the available cores; 0 renders in this process)."""
    numbers = []
    calendar = calendar or engine.calendar()
    for i in range(0, len(rows), chunk):
        numbers += _chunk(rows[i:i + chunk], clerk=clerk, now=now, calendar=calendar, sender=sender, workers=workers)
    return numbers


@contextmanager
def one_transaction(db=None):
    """A session whose actions' commits are SAVEPOINTs inside one outer transaction, committed on a clean exit.

    SQLite's driver opens a transaction only before a write, and releasing the outermost SAVEPOINT would commit:
    the outer BEGIN is issued explicitly there (IMMEDIATE: the write lock is taken once, up front)."""
    from sqlmodel import Session

    from models.db import default_engine

    with (db or default_engine()).connect() as connection:
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        with Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False) as s:
            try:
                yield s
            except BaseException:
                connection.rollback()
                raise
        connection.commit()


def _chunk(rows: list[dict], *, clerk: str, now: datetime, calendar, sender, workers) -> list[str]:
    with one_transaction() as s:
        ctx = Ctx(s, calendar, now, user_by_username(s, clerk))
        cases = []
        for row in rows:
            case = CaseRef.of(register(ctx, item_from_dict(row)).application)
            if row.get("department"):
                A.route(ctx, case.number, department=row["department"])
            cases.append(case)
        # workflows.engine.advance's steps, a chunk at a time: plan, documents, notifications
        plans = [engine.plan(s, case) for case in cases]
        jobs = [(case, step, *engine.document_context(s, case, step))
                for case, p in zip(cases, plans) for step in engine.missing_documents(s, p)]
        pdfs = pool.render_many([(kind, context) for _case, _step, kind, context in jobs], workers=workers)
        for case, p in zip(cases, plans):  # while the pool renders
            for notice in engine.unqueued(s, p.notices):
                engine.queue_notification(s, case, notice, now=now)
        system = {}
        for (case, _step, kind, _context), pdf in zip(jobs, pdfs):
            if case.agency_id not in system:
                system[case.agency_id] = Ctx(s, calendar, now, None, agency_id=case.agency_id)
            A.add_document(system[case.agency_id], case.number, kind=kind.value, content=pdf)
        for case, p in zip(cases, plans):
            if p.archive:  # never for a case just registered; the single path's steps, kept
                engine.archive_case(s, case, now=now)
            elif p.record_archive:
                engine.record_archive(s, case, now=now)
    with engine.session() as s:  # sent only once the chunk is committed
        sender = sender or engine.default_sender()
        while outbox.deliver_pending(s, sender, now=now, limit=SEND_LIMIT) == SEND_LIMIT:
            pass
        for case, p in zip(cases, plans):
            engine.finish_triggers(s, case, p.triggers_upto)
    return [case.number for case in cases]
