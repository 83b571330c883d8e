"""Batch intake makes what a single registration makes, byte for byte, and writes a chunk whole or not at all."""

import re
import shutil
from datetime import date

import pytest
from sqlmodel import Session, select

from models import actions as A
from models.db import make_engine
from models.errors import GongkaiError
from models.identity import CaseRef
from models.outbox import OutboxMessage
from models.registration import register
from models.tables import Application, Document
from models.triggers import CaseTrigger
from notices import pool
from notices.render import render_pdf
from tests import factories as F
from workflows import intake, trigger

DAY = date(2026, 3, 2)
NOW = F.at(DAY, 10)


@pytest.fixture
def two_databases(migrated_template, tmp_path, monkeypatch):
    """Two seeded copies of the same schema: one takes the batch, the other the same rows one by one at the desk."""
    monkeypatch.setenv("GONGKAI_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("GONGKAI_ENGINE", "inline")
    engines = []
    for name in ("batch", "single"):
        shutil.copy(migrated_template, tmp_path / f"{name}.db")
        db = make_engine(f"sqlite:///{tmp_path / name}.db")
        with Session(db) as s:
            F.seed_demo(s)
        engines.append(db)
    yield engines
    for db in engines:
        db.dispose()
    pool.shutdown()


def use(db, monkeypatch) -> None:
    monkeypatch.setenv("GONGKAI_DATABASE_URL", db.url.render_as_string(hide_password=False))


def rows(n: int) -> list[dict]:
    return [{**intake.item_to_dict(F.application_in(DAY, request_text=f"请公开第{i}号批复文件",
                                                    applicant=F.applicant_in(name=f"申请人{i}", id_number=None,
                                                                             id_type="none",
                                                                             phone=f"1380000{i:04d}"))),
             "department": "区自然资源局"} for i in range(n)]


def at_the_desk(db, batch: list[dict], calendar) -> list[str]:
    """The single-case path: each registration, then its routing, each followed by its automatic steps."""
    numbers = []
    with Session(db, expire_on_commit=False) as s:
        for row in batch:
            ctx = F.ctx(s, calendar, "clerk", DAY)
            case = CaseRef.of(register(ctx, intake.item_from_dict(row)).application)
            trigger.after_action(case, "register", engine=db, now=NOW)
            A.route(ctx, case.number, department=row["department"])
            trigger.after_action(case, "route", engine=db, now=NOW)
            numbers.append(case.number)
    return numbers


def made(db, number: str) -> tuple[list, list, list]:
    with Session(db) as s:
        app = s.exec(select(Application).where(Application.number == number)).one()
        docs = [(d.kind, d.content) for d in s.exec(select(Document).where(Document.application_id == app.id)
                                                    .order_by(Document.kind))]
        notices = [(m.key, m.recipient, m.subject, m.sent_at is not None)
                   for m in s.exec(select(OutboxMessage).where(OutboxMessage.application_id == app.id)
                                   .order_by(OutboxMessage.key))]
        open_triggers = list(s.exec(select(CaseTrigger.id).where(CaseTrigger.application_id == app.id,
                                                                  CaseTrigger.done_at.is_(None))))
    return docs, notices, open_triggers


def rendered_here(db, number: str) -> list[tuple[str, bytes]]:
    """What workflows.engine.generate_document renders for the case's rows, in this process, one by one."""
    from workflows import engine as E

    with Session(db) as s:
        case = CaseRef.of(s.exec(select(Application).where(Application.number == number)).one())
        p = E.plan(s, case)
        out = [(kind.value, render_pdf(kind, context)) for kind, context in
               (E.document_context(s, case, step) for step in p.documents)]
    return sorted(out)


def masked(pdf: bytes) -> str:
    """The document's text as a reader sees it, the applicant's random 查询码 (one per registration) masked."""
    import subprocess

    text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    return re.sub(r"查询码：\w+", "查询码：…", text)


def test_each_case_of_a_batch_rendered_by_the_pool_has_the_same_documents_as_at_the_desk(two_databases, monkeypatch,
                                                                                          calendar):
    batch_db, single_db = two_databases
    batch = rows(5)
    use(batch_db, monkeypatch)
    in_batch = intake.register_and_route(batch, clerk="clerk", now=NOW, chunk=3, workers=2)  # two chunks, two workers
    use(single_db, monkeypatch)
    one_by_one = at_the_desk(single_db, batch, calendar)
    assert in_batch == one_by_one
    for number in in_batch:
        docs, notices, open_triggers = made(batch_db, number)
        assert [kind for kind, _ in docs] == ["receipt", "routing"]
        assert docs == rendered_here(batch_db, number)  # byte-identical to the single-case path's rendering
        single_docs = made(single_db, number)[0]  # the desk's, from its own rows: only the random 查询码 differs
        assert [(kind, masked(content)) for kind, content in docs] == [(k, masked(c)) for k, c in single_docs]
        assert notices == made(single_db, number)[1] and {n[0].rsplit(":", 1)[-1] for n in notices}
        assert all(sent for *_, sent in notices)
        assert open_triggers == []


def test_a_chunk_that_fails_leaves_nothing_of_itself_and_keeps_the_chunks_before(engine, tmp_path, monkeypatch):
    monkeypatch.setenv("GONGKAI_VAR_DIR", str(tmp_path / "var"))
    use(engine, monkeypatch)
    with Session(engine) as s:
        F.seed_demo(s)
    batch = rows(4)
    batch[3]["department"] = "不存在的局"  # the second chunk's second row is refused at routing
    with pytest.raises(GongkaiError):
        intake.register_and_route(batch, clerk="clerk", now=NOW, chunk=2, workers=0)
    with Session(engine) as s:
        kept = list(s.exec(select(Application.number).order_by(Application.id)))
        documents = list(s.exec(select(Document.kind)))
        queued = list(s.exec(select(OutboxMessage.id)))
    assert len(kept) == 2  # the first chunk only: its two cases with their receipts and routing slips
    assert sorted(documents) == ["receipt", "receipt", "routing", "routing"]
    assert queued
