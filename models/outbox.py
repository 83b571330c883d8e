"""The outbox: every notification is a row with a unique key, written with its Event in one transaction.

Each channel has its sender: `internal` messages are read on the desk (/notices), `email` goes out by SMTP
and `sms` to the SMS gateway when those are configured; anything without a configured sender lands in a
drop folder as JSON for an external gateway to collect. A sender receives the row's key as its idempotency
key, so a retried delivery never sends twice: the key is unique, not the timing.

    enqueue(session, app, key=…)   → one OutboxMessage + one Event("notify"); a second call is a no-op
    deliver_pending(session, sender, now=…) → sends unsent rows, marks them sent
    inbox(session, user) / unread_count / mark_read → the desk's notifications
"""

import json
import smtplib
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol
from urllib.parse import quote, unquote, urlsplit
from urllib.request import Request, urlopen

from sqlalchemy import Column, Index, String, Text, UniqueConstraint, func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel, select

from models import lifecycle
from models.tables import Application, AwareDateTime


class OutboxMessage(SQLModel, table=True):
    """A notification to send: to whom, through which channel, exactly once (by key)."""

    __tablename__ = "outbox_message"
    __table_args__ = (
        UniqueConstraint("key"),
        Index("ix_outbox_message_pending", "sent_at"),
        Index("ix_outbox_message_inbox", "channel", "recipient", "read_at"),  # a user's unread count
    )
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
    read_at: datetime | None = Field(default=None, sa_column=Column(AwareDateTime(), nullable=True))  # internal only
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
        """Deliver one message; must be idempotent by `message.key` (e.g. Message-ID = key).
        Raise OSError when the channel fails: the row stays pending and is retried on the next run."""


class DeskSender:
    """`internal`: storing the row was the delivery; the recipient reads it on the desk and marks it read."""

    def send(self, message: OutboxMessage) -> None:
        return None


class FileSender:
    """Writes each message to <directory>/<key>.json: re-sending the same key rewrites the same file.
    The drop folder for a gateway this process cannot reach itself (and for channels nobody configured)."""

    def __init__(self, directory: Path):
        self.directory = Path(directory)

    def send(self, message: OutboxMessage) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        name = message.key.replace("/", "_").replace(":", "_") + ".json"
        payload = {"key": message.key, "kind": message.kind, "channel": message.channel,
                   "recipient": message.recipient, "subject": message.subject, "body": message.body}
        (self.directory / name).write_text(json.dumps(payload, ensure_ascii=False, indent=1), encoding="utf-8")


class SmtpSender:
    """`email` by SMTP: smtp://user:password@host:587 uses STARTTLS, smtps:// implicit TLS (port 465).
    The Message-ID is made from the key, so a receiving server can drop a retried duplicate."""

    def __init__(self, url: str, mail_from: str = ""):
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError(f"GONGKAI_SMTP_URL must be smtp://… or smtps://…, got {url!r}")
        self.parts = parts
        self.mail_from = mail_from or f"gongkai@{parts.hostname}"

    def send(self, message: OutboxMessage) -> None:
        mail = EmailMessage()
        mail["From"] = self.mail_from
        mail["To"] = message.recipient
        mail["Subject"] = message.subject
        mail["Message-ID"] = f"<{quote(message.key, safe='')}@{self.parts.hostname}>"
        mail.set_content(message.body or message.subject)
        secure = self.parts.scheme == "smtps"
        port = self.parts.port or (465 if secure else 587)
        with (smtplib.SMTP_SSL if secure else smtplib.SMTP)(self.parts.hostname, port, timeout=30) as smtp:
            if not secure and smtp.has_extn("starttls"):
                smtp.starttls()
            if self.parts.username:
                smtp.login(unquote(self.parts.username), unquote(self.parts.password or ""))
            smtp.send_message(mail)


class SmsGatewaySender:
    """`sms` through the agency's SMS platform: POST {"key", "phone", "text"} as JSON; the key lets the
    gateway refuse a duplicate. Any non-2xx answer raises (urllib's HTTPError is an OSError)."""

    def __init__(self, url: str, *, timeout: float = 30):
        self.url, self.timeout = url, timeout

    def send(self, message: OutboxMessage) -> None:
        text = message.subject if not message.body else f"{message.subject}\n{message.body}"
        body = json.dumps({"key": message.key, "phone": message.recipient, "text": text}, ensure_ascii=False)
        request = Request(self.url, data=body.encode("utf-8"), method="POST",
                          headers={"Content-Type": "application/json; charset=utf-8", "Idempotency-Key": message.key})
        with urlopen(request, timeout=self.timeout):
            pass


class ChannelSender:
    """Sends each message through the sender of its channel, or the fallback when none is configured."""

    def __init__(self, routes: dict[str, Sender], fallback: Sender):
        self.routes, self.fallback = routes, fallback

    def send(self, message: OutboxMessage) -> None:
        self.routes.get(message.channel, self.fallback).send(message)


def senders_from(settings) -> ChannelSender:
    """The channels the settings configure; the rest go to the drop folder <var>/outbox."""
    routes: dict[str, Sender] = {"internal": DeskSender()}
    if settings.smtp_url:
        routes["email"] = SmtpSender(settings.smtp_url, settings.mail_from)
    if settings.sms_url:
        routes["sms"] = SmsGatewaySender(settings.sms_url)
    return ChannelSender(routes, FileSender(settings.var_dir / "outbox"))


class ListSender:
    """Keeps what was sent in memory (tests, dry runs); a key already sent is not sent again."""

    def __init__(self):
        self.sent: dict[str, OutboxMessage] = {}

    def send(self, message: OutboxMessage) -> None:
        self.sent.setdefault(message.key, message)


def pending(session: Session, *, limit: int = 500) -> list[OutboxMessage]:
    return list(session.exec(select(OutboxMessage).where(OutboxMessage.sent_at.is_(None))
                             .order_by(OutboxMessage.id).limit(limit)))


def _claim_next(session: Session, *, after: int) -> OutboxMessage | None:
    """The next unsent row after `after`, locked until this transaction commits; on PostgreSQL a row another process is
    sending is skipped (FOR UPDATE SKIP LOCKED), and once it commits the row is no longer unsent. SQLite has no row
    locks (the clause is left out): one machine, where two deliveries at once may still send a key twice."""
    return session.exec(select(OutboxMessage).where(OutboxMessage.sent_at.is_(None), OutboxMessage.id > after)
                        .order_by(OutboxMessage.id).limit(1).with_for_update(skip_locked=True)).first()


def deliver_pending(session: Session, sender: Sender, *, now: datetime, limit: int = 500) -> int:
    """Send the unsent rows; each is claimed, sent and marked sent in its own transaction, so two runs delivering at
    once (a worker's run and an inline trigger) never send one key twice. Failures stay pending with the error."""
    sent, last = 0, 0
    for _ in range(limit):
        message = _claim_next(session, after=last)
        if message is None:
            break
        last = message.id
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


# --- the desk's notifications (channel "internal") -------------------------------------------------------


def _mine(user):
    return (OutboxMessage.channel == "internal", OutboxMessage.recipient == user.username)


def inbox(session: Session, user, *, limit: int = 100) -> list[OutboxMessage]:
    """A user's notifications, newest first."""
    return list(session.exec(select(OutboxMessage).where(*_mine(user))
                             .order_by(OutboxMessage.id.desc()).limit(limit)))


def unread_count(session: Session, user) -> int:
    return session.exec(select(func.count()).select_from(OutboxMessage)
                        .where(*_mine(user), OutboxMessage.read_at.is_(None))).one()


def mark_read(session: Session, user, *, now: datetime, ids: list[int] | None = None) -> int:
    """Mark the user's own unread notifications (all, or those in `ids`) read; returns how many."""
    query = update(OutboxMessage).where(*_mine(user), OutboxMessage.read_at.is_(None))
    if ids is not None:
        query = query.where(OutboxMessage.id.in_(ids))
    count = session.execute(query.values(read_at=now)).rowcount
    session.commit()
    return count
