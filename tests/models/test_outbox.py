"""Notifications: each channel's sender, retries that never send twice, and the desk's inbox of a user."""

import json
import socketserver
import threading
from datetime import date, datetime
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from sqlmodel import select

from models import outbox
from models.demo import seed_demo
from models.outbox import Notice, OutboxMessage
from models.queries import user_by_username
from models.settings import Settings
from tests.factories import at

NOW = at(date(2026, 3, 2))


class _Smtp(socketserver.StreamRequestHandler):
    """Just enough SMTP to receive one message: every command succeeds, DATA is kept."""

    def handle(self):
        self.wfile.write(b"220 test ESMTP\r\n")
        while line := self.rfile.readline():
            verb = line[:4].upper()
            if verb in (b"EHLO", b"HELO"):
                self.wfile.write(b"250-test\r\n250 8BITMIME\r\n")
            elif verb == b"DATA":
                self.wfile.write(b"354 go ahead\r\n")
                data = b""
                while (chunk := self.rfile.readline()) != b".\r\n":
                    data += chunk
                self.server.received.append(data)
                self.wfile.write(b"250 queued\r\n")
            elif verb == b"QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 ok\r\n")


@pytest.fixture
def smtp_server():
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Smtp)
    server.received = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def sms_gateway():
    """An SMS platform that answers each POST with the next status in `server.answers` (default 200)."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            self.server.received.append((json.loads(body), self.headers["Idempotency-Key"]))
            self.send_response(self.server.answers.pop(0) if self.server.answers else 200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    server.received, server.answers = [], []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def settings(tmp_path: Path, **channels) -> Settings:
    return Settings("sqlite://", tmp_path, "cn", (), **channels)


def queue(session, *notices: Notice) -> None:
    for n in notices:
        assert outbox.enqueue(session, None, n, now=NOW)


def test_email_goes_out_by_smtp_with_the_key_as_message_id(session, tmp_path, smtp_server):
    port = smtp_server.server_address[1]
    sender = outbox.senders_from(settings(tmp_path, smtp_url=f"smtp://127.0.0.1:{port}", mail_from="gk@example.cn"))
    queue(session, Notice(key="2026-000001:receipt", kind="receipt", recipient="zhang@example.cn",
                          subject="【2026-000001】您的政府信息公开申请已登记", channel="email"))
    assert outbox.deliver_pending(session, sender, now=NOW) == 1
    mail = message_from_bytes(smtp_server.received[0], policy=policy.default)
    assert mail["To"] == "zhang@example.cn" and mail["From"] == "gk@example.cn"
    assert mail["Subject"] == "【2026-000001】您的政府信息公开申请已登记"
    assert mail["Message-ID"] == "<2026-000001%3Areceipt@127.0.0.1>"


def test_sms_goes_to_the_gateway_and_a_refusal_is_retried_not_lost(session, tmp_path, sms_gateway):
    url = f"http://127.0.0.1:{sms_gateway.server_address[1]}/send"
    sender = outbox.senders_from(settings(tmp_path, sms_url=url))
    queue(session, Notice(key="2026-000001:supplement", kind="supplement", recipient="13800138000",
                          subject="【2026-000001】请补正您的政府信息公开申请", channel="sms"))
    sms_gateway.answers = [503]
    assert outbox.deliver_pending(session, sender, now=NOW) == 0
    row = session.exec(select(OutboxMessage)).one()
    assert row.sent_at is None and row.attempts == 1 and "503" in row.last_error
    assert outbox.deliver_pending(session, sender, now=NOW) == 1
    assert outbox.deliver_pending(session, sender, now=NOW) == 0  # sent once, never again
    payloads = [(p["phone"], p["text"], key) for p, key in sms_gateway.received]
    assert payloads == [("13800138000", "【2026-000001】请补正您的政府信息公开申请", "2026-000001:supplement")] * 2


def test_internal_messages_stay_on_the_desk_and_unconfigured_channels_go_to_the_drop_folder(session, tmp_path):
    sender = outbox.senders_from(settings(tmp_path))
    queue(session,
          Notice(key="a:internal", kind="routed", recipient="clerk", subject="请审查"),
          Notice(key="a:sms", kind="receipt", recipient="13800138000", subject="已登记", channel="sms"))
    assert outbox.deliver_pending(session, sender, now=NOW) == 2
    assert [p.name for p in (tmp_path / "outbox").iterdir()] == ["a_sms.json"]


def test_a_bad_smtp_url_is_refused_at_start_up(tmp_path):
    with pytest.raises(ValueError, match="GONGKAI_SMTP_URL"):
        outbox.senders_from(settings(tmp_path, smtp_url="mail.example.cn"))


def test_a_user_reads_only_their_own_notifications(session):
    seed_demo(session)
    clerk, counsel = user_by_username(session, "clerk"), user_by_username(session, "counsel")
    queue(session, *(Notice(key=f"k{i}", kind="routed", recipient="clerk", subject=f"第{i}条") for i in range(3)),
          Notice(key="c", kind="legal_review", recipient="counsel", subject="请审核"),
          Notice(key="s", kind="receipt", recipient="clerk", subject="短信", channel="sms"))
    assert [m.subject for m in outbox.inbox(session, clerk)] == ["第2条", "第1条", "第0条"]
    assert outbox.unread_count(session, clerk) == 3
    counsel_message = outbox.inbox(session, counsel)[0].id
    first = outbox.inbox(session, clerk)[-1].id
    assert outbox.mark_read(session, clerk, now=NOW, ids=[first, counsel_message]) == 1
    assert outbox.unread_count(session, clerk) == 2 and outbox.unread_count(session, counsel) == 1
    assert outbox.mark_read(session, clerk, now=datetime.now(NOW.tzinfo)) == 2
    assert outbox.unread_count(session, clerk) == 0
