"""The hash chains of the event log: a record nobody can quietly rewrite, reorder or shorten.

Every Event carries three hashes (SHA-256, hex):

    sha256            H(canonical content, prev_case_sha256, prev_log_sha256): the event's own hash
    prev_case_sha256  sha256 of the previous event of the same case (None for the case's first event)
    prev_log_sha256   sha256 of the previous event of the whole installation (None for the very first)

The content is the case (application id, agency id / number), action, actor id and name, time (UTC, to the
microsecond), status before and after and the data, as canonical JSON (`canonical`). Changing a field breaks
the event's own hash; recomputing that hash breaks the next event's link in its case and in the installation;
deleting an event or a whole case breaks the installation chain at the next event; deleting the newest events
is seen against `AuditHead`, which counts the events and holds the last hash. An archive event's data holds the manifest's
hash, so the archive package is in the chain too. `models.audit_verify` walks all of this.

The hashes are computed in one place: the before_flush hook below for every ORM writer (lifecycle.record is
the only one), and `chain_rows` for the bulk insert of an import. The database refuses UPDATE and DELETE on
events (triggers, migration 0012).

Concurrency: two transactions must never link to the same previous event. The first flush of a transaction
that inserts an event, or updates or deletes a case's row, takes the installation's chain head (`lock_head`:
SELECT … FOR UPDATE of the audit_head row on PostgreSQL; on SQLite an UPDATE of it, which takes the database's
write lock — SQLite has one writer anyway) and keeps it until commit. So event writers follow one another, and
a transaction takes the head before it locks a case's rows (never the other way round: no deadlock between
the head and an application row; the gap-free counters are the one lock taken before it, by registration and
import alike). We chose the lock over a unique constraint with retries because a retry would have to replay a
whole domain action; the unique index on prev_log_sha256 stays as a backstop that refuses a fork even from a
writer that bypassed this module.
"""

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from enum import Enum

from sqlalchemy import BigInteger, Column, String, bindparam, func, select, text
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm.attributes import instance_state
from sqlmodel import Field, SQLModel

from models.errors import GuardFailed
from models.tables import Application, Event

HEAD_ID = 1
_HELD = "audit_head_held"
_NOT_CASE_ROWS = frozenset({"outbox_message"})


class AuditHead(SQLModel, table=True):
    """The installation chain's head: how many events it holds and the newest one's hash (one row)."""

    __tablename__ = "audit_head"
    id: int = Field(default=HEAD_ID, primary_key=True)
    events: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))
    sha256: str | None = Field(default=None, sa_column=Column(String(64), nullable=True))


# --- the canonical content and its hash ---------------------------------------------------------------------


def case_key(agency_id: int, number: str) -> str:
    return f"{agency_id}/{number}"


def at_text(moment: datetime) -> str:
    """An event time as UTC to the microsecond: what both databases store and give back."""
    return moment.astimezone(timezone.utc).isoformat(timespec="microseconds")


def _code(value) -> str | None:
    if value is None:
        return None
    return value.value if isinstance(value, Enum) else str(value)


def content(*, application_id: int, case: str, action: str, actor_id: int | None, actor_name: str, at: datetime,
            from_status, to_status, data: dict) -> dict:
    """The fields an event's hash covers, as plain JSON values."""
    return {"application_id": application_id, "case": case, "action": action, "actor_id": actor_id,
            "actor_name": actor_name, "at": at_text(at), "from_status": _code(from_status),
            "to_status": _code(to_status), "data": data}


FORMAT = 1  # the canonical form below; a new form would be a new number, checked by its own rules
ORDER = ("application_id", "case", "action", "actor_id", "actor_name", "at", "from_status", "to_status", "data")
_encode = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode


def canonical(fields: dict, *, prev_case: str | None, prev_log: str | None) -> bytes:
    """[FORMAT, the content in ORDER, prev_case, prev_log] as JSON: no spaces, ASCII only, the data's keys sorted."""
    return _encode([FORMAT, *(fields[k] for k in ORDER), prev_case, prev_log]).encode("ascii")


def digest(fields: dict, *, prev_case: str | None, prev_log: str | None) -> str:
    """The event's SHA-256 (hex) over its canonical content and both links."""
    return hashlib.sha256(canonical(fields, prev_case=prev_case, prev_log=prev_log)).hexdigest()


def digest_of(application_id, case, action, actor_id, actor_name, at, from_status, to_status, data,
              prev_case, prev_log) -> str:
    """digest(content(…)) without the dict in between: the verifier's inner loop over a million rows."""
    raw = _encode([FORMAT, application_id, case, action, actor_id, actor_name, at_text(at), _code(from_status),
                   _code(to_status), data, prev_case, prev_log])
    return hashlib.sha256(raw.encode("ascii")).hexdigest()


def event_content(event: Event, case: str) -> dict:
    return content(application_id=event.application_id, case=case, action=event.action, actor_id=event.actor_id,
                   actor_name=event.actor_name, at=event.at, from_status=event.from_status,
                   to_status=event.to_status, data=event.data)


# --- the chain head ---------------------------------------------------------------------------------------------


def lock_head(connection) -> tuple[int, str | None]:
    """Take the installation chain's head for this transaction and read it: (events, newest sha256).

    PostgreSQL: SELECT … FOR UPDATE, held until commit. SQLite: an UPDATE of the row takes the database's write
    lock first, so the reads that follow see the newest committed events (no other writer can commit meanwhile).
    """
    if connection.dialect.name == "sqlite":
        row = connection.execute(text("UPDATE audit_head SET events = events WHERE id = :id RETURNING events, sha256"),
                                 {"id": HEAD_ID}).first()
    else:
        row = connection.execute(text("SELECT events, sha256 FROM audit_head WHERE id = :id FOR UPDATE"),
                                 {"id": HEAD_ID}).first()
    if row is None:  # migration 0012 writes it and a trigger keeps it: only a hand in the database removes it
        raise GuardFailed("审计链头记录（audit_head）缺失，已拒绝写入事件。请运行 gongkai audit verify 核查，并从备份恢复。",
                          "audit_head row missing: refusing to write events")
    return row[0], row[1]


def _move_head(connection, events: int, sha256: str) -> None:
    connection.execute(text("UPDATE audit_head SET events = :n, sha256 = :s WHERE id = :id"),
                       {"n": events, "s": sha256, "id": HEAD_ID})


_ONE_CASE = text("SELECT sha256 FROM event WHERE application_id = :a ORDER BY id DESC LIMIT 1")


def _case_heads(connection, application_ids) -> dict[int, str | None]:
    """The newest event hash of each case (absent: the case has no event yet)."""
    ids = sorted(set(application_ids))
    if len(ids) == 1:  # nearly every flush: one plain indexed lookup
        found = connection.execute(_ONE_CASE, {"a": ids[0]}).first()
        return {ids[0]: found[0]} if found else {}
    newest = select(func.max(Event.id)).where(Event.application_id.in_(bindparam("ids", expanding=True)))
    query = select(Event.application_id, Event.sha256).where(Event.id.in_(newest.group_by(Event.application_id)))
    heads: dict[int, str | None] = {}
    for start in range(0, len(ids), 500):
        heads.update(connection.execute(query, {"ids": ids[start:start + 500]}).all())
    return heads


# --- writing: every ORM flush, and the bulk rows of an import --------------------------------------------------


@dataclass
class _Held:
    """The head this transaction holds (taken once, kept until commit) and the case heads it has read: while it
    holds the head nobody else appends, so what it read stays true until it commits."""

    events: int
    sha256: str | None
    cases: dict[int, str | None] = field(default_factory=dict)


def _held(session: OrmSession) -> _Held:
    held = session.info.get(_HELD)
    if held is None:
        held = session.info[_HELD] = _Held(*lock_head(session.connection()))
    return held


def _case_last(session: OrmSession, held: _Held, application_ids) -> dict[int, str | None]:
    missing = {i for i in application_ids if i not in held.cases}
    if missing:
        found = _case_heads(session.connection(), missing)
        held.cases.update({i: found.get(i) for i in missing})
    return held.cases


def _append(held: _Held, app_id: int, fields: dict) -> tuple[str | None, str | None, str]:
    """Link one event after the head: (prev_case_sha256, prev_log_sha256, sha256); the head moves to it."""
    prev_case, prev_log = held.cases.get(app_id), held.sha256
    sha = digest(fields, prev_case=prev_case, prev_log=prev_log)
    held.cases[app_id] = held.sha256 = sha
    held.events += 1
    return prev_case, prev_log, sha


def chain_rows(session: OrmSession, rows: list[dict], cases: dict[int, str]) -> None:
    """Give each event row (dicts, in insertion order) its hashes and move the head; `cases`: application id → key.

    The caller inserts the rows in this order in the same transaction (ids ascend in chain order)."""
    if not rows:
        return
    held = _held(session)
    _case_last(session, held, (r["application_id"] for r in rows))
    for row in rows:
        app_id = row["application_id"]
        fields = content(application_id=app_id, case=cases[app_id], action=row["action"],
                         actor_id=row.get("actor_id"), actor_name=row["actor_name"], at=row["at"],
                         from_status=row.get("from_status"), to_status=row.get("to_status"), data=row.get("data") or {})
        row["prev_case_sha256"], row["prev_log_sha256"], row["sha256"] = _append(held, app_id, fields)
    _move_head(session.connection(), held.events, held.sha256)


def _changes_a_case(session: OrmSession) -> bool:
    """An UPDATE or DELETE of a case's row (its application, assignment, decision …) is in this flush: the rows
    whose locks the head must come before. Inserts lock nothing another writer waits for; the outbox's rows
    are no case's record."""
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, Application) or (hasattr(obj, "application_id")
                                            and getattr(obj, "__tablename__", "") not in _NOT_CASE_ROWS):
            return True
    return False


@sa_event.listens_for(OrmSession, "before_flush")
def _chain_new_events(session, flush_context, instances):
    """Before the first write of a case in a transaction: take the head; hash the events this flush inserts."""
    new = [obj for obj in session.new if isinstance(obj, Event)]
    if not new:
        if _HELD not in session.info and _changes_a_case(session):
            _held(session)
        return
    held = _held(session)
    new.sort(key=lambda e: instance_state(e).insert_order)  # the unit of work inserts them in this order
    _case_last(session, held, (e.application_id for e in new))
    for event in new:
        app = session.get(Application, event.application_id)
        event.data = json.loads(json.dumps(event.data or {}))  # hashed exactly as stored and read back
        fields = event_content(event, case_key(app.agency_id, app.number))
        event.prev_case_sha256, event.prev_log_sha256, event.sha256 = _append(held, event.application_id, fields)
    _move_head(session.connection(), held.events, held.sha256)


@sa_event.listens_for(OrmSession, "after_transaction_end")
def _release(session, transaction):
    """The transaction (or a savepoint, whose rollback may take events back) ended: read the head again next time.
    Each flush runs in an inner transaction of its own; its end changes nothing."""
    if transaction.parent is None or transaction.nested:
        session.info.pop(_HELD, None)
