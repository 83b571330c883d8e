"""Two deliveries at once (a worker's run and an inline trigger, bench/faults_bench.py found it): each key is sent once.

PostgreSQL only (the `engine` of tests/postgres): the row being sent is locked, and the other delivery skips it.
"""

import threading
from collections import Counter
from datetime import datetime

from sqlmodel import Session

from models import outbox
from models.tables import SHANGHAI

NOW = datetime(2026, 3, 2, 10, tzinfo=SHANGHAI)


def test_a_message_being_sent_by_one_delivery_is_not_sent_again_by_another(engine):
    with Session(engine) as s:
        outbox.enqueue(s, None, outbox.Notice(key="1/2026-000001:receipt", kind="receipt", recipient="13800138000",
                                              subject="【2026-000001】您的政府信息公开申请已登记", channel="sms"), now=NOW)
    received: Counter = Counter()
    sending, release = threading.Event(), threading.Event()

    class SlowGateway:  # the first delivery is mid-send when the second one looks
        def send(self, message):
            received[message.key] += 1
            sending.set()
            release.wait(10)

    class Gateway:
        def send(self, message):
            received[message.key] += 1

    def first():
        with Session(engine) as s:
            outbox.deliver_pending(s, SlowGateway(), now=NOW)

    slow = threading.Thread(target=first)
    slow.start()
    assert sending.wait(10)
    with Session(engine) as s:
        second = outbox.deliver_pending(s, Gateway(), now=NOW)
    release.set()
    slow.join(10)
    assert (received, second) == (Counter({"1/2026-000001:receipt": 1}), 0)
    with Session(engine) as s:
        assert outbox.pending(s) == []
