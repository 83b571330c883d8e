"""The outbox: every notification is a row with a unique key, written with its Event in one transaction.

Senders are pluggable (a file/log sender now, e-mail or SMS later). A sender receives the row's key as
its idempotency key, so a retried delivery never sends twice: the key is unique, not the timing.

    enqueue(session, app, key=…)   → one OutboxMessage + one Event("notify"); a second call is a no-op
    deliver_pending(session, sender, now=…) → sends unsent rows, marks them sent
"""

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

from sqlalchemy import Column, Index, String, Text, UniqueConstraint
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel, select

from models import lifecycle
from models.tables import Application, AwareDateTime


class OutboxMessage(SQLModel, table=True):
    """A notification to send: to whom, through which channel, exactly once (by key)."""

    __tablename__ = "outbox_message"
    __table_args__ = (UniqueConstraint("key"), Index("ix_outbox_message_pending", "sent_at"))
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(sa_type=String(160))  # e.g. 2026-000123:routed:7 — the idempotency key
    application_id: int | None = Field(default=None, foreign_key="application.id", index=True)
    kind: str = Field(sa_type=String(40))  # deadline_t3, overdue, chase, routed, receipt …
    channel: str = Field(default="internal", sa_type=String(20))  # internal | email | sms
    recipient: str = Field(sa_type=String(200))  # username, e-mail address or phone number
    subject: str = ""
    body: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    created_at: datetime = Field(sa_column=Column(AwareDateTime(), nullable=False))
    sent_at: datetime | None = Field(default=None, sa_column=Column(AwareDateTime(), nullable=True))
    attempts: int = 0
    last_error: str = ""


@dataclass(frozen=True)
class Notice:
    """What to tell whom; `key` makes it happen once whatever retries or restarts occur."""

    key: str
    kind: str
    recipient: str
    subject: str
    body: str = ""
    channel: str = "internal"


def enqueue(session: Session, application: Application | None, notice: Notice, *, now: datetime) -> bool:
    """Add the notification and its Event in one transaction; False when the key was already there."""
    if session.exec(select(OutboxMessage.id).where(OutboxMessage.key == notice.key)).first() is not None:
        return False
    session.add(OutboxMessage(key=notice.key, application_id=application.id if application else None,
                              kind=notice.kind, channel=notice.channel, recipient=notice.recipient,
                              subject=notice.subject, body=notice.body, created_at=now))
    if application is not None:
        lifecycle.record(session, application, "notify", actor=None, now=now,
                         data={"key": notice.key, "kind": notice.kind, "recipient": notice.recipient})
    try:
        session.commit()
    except IntegrityError:  # another run inserted the same key first: it is done, once
        session.rollback()
        return False
    return True


class Sender(Protocol):
    def send(self, message: OutboxMessage) -> None:
        """Deliver one message; must be idempotent by `message.key` (e.g. Message-ID = key)."""


class FileSender:
    """Writes each message to <directory>/<key>.json: re-sending the same key rewrites the same file."""

    def __init__(self, directory: Path):
        self.directory = Path(directory)

    def send(self, message: OutboxMessage) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        name = message.key.replace("/", "_").replace(":", "_") + ".json"
        payload = {"key": message.key, "kind": message.kind, "channel": message.channel,
                   "recipient": message.recipient, "subject": message.subject, "body": message.body}
        (self.directory / name).write_text(json.dumps(payload, ensure_ascii=False, indent=1), encoding="utf-8")


class ListSender:
    """Keeps what was sent in memory (tests, dry runs); a key already sent is not sent again."""

    def __init__(self):
        self.sent: dict[str, OutboxMessage] = {}

    def send(self, message: OutboxMessage) -> None:
        self.sent.setdefault(message.key, message)


def pending(session: Session, *, limit: int = 500) -> list[OutboxMessage]:
    return list(session.exec(select(OutboxMessage).where(OutboxMessage.sent_at.is_(None))
                             .order_by(OutboxMessage.id).limit(limit)))


def deliver_pending(session: Session, sender: Sender, *, now: datetime, limit: int = 500) -> int:
    """Send the unsent rows; each is marked sent in its own commit. Failures stay pending with the error."""
    sent = 0
    for message in pending(session, limit=limit):
        message.attempts += 1
        try:
            sender.send(message)
        except OSError as exc:  # I/O of the channel: keep the row pending, retry on the next run
            message.last_error = str(exc)[:500]
        else:
            message.sent_at = now
            sent += 1
        session.add(message)
        session.commit()
    return sent
