"""How the applicant is notified: SMS when there is a phone, else e-mail, else the clerk posts the paper."""

from datetime import date

import pytest
from sqlmodel import select

from models import outbox
from models.outbox import OutboxMessage
from tests import factories as F
from workflows import engine as E

MON = date(2026, 3, 2)
ADDRESS = "示范市示范区人民路8号"


@pytest.mark.parametrize(
    "phone, email, address, channel, recipient",
    [
        ("13800138000", "zhangsan@example.com", ADDRESS, "sms", "13800138000"),
        ("", "zhangsan@example.com", ADDRESS, "email", "zhangsan@example.com"),
        ("", "", ADDRESS, "post", ADDRESS),
    ],
    ids=["phone-wins-over-email", "email-without-phone", "address-only"],
)
def test_the_plan_tells_the_applicant_by_the_best_channel_they_gave(session, calendar, phone, email, address, channel,
                                                                      recipient):
    number = F.register_case(session, calendar, MON, applicant=F.applicant_in(phone=phone, email=email, address=address))
    [receipt] = [n for n in E.plan(session, F.case(session, number)).notices if n.kind == "receipt"]
    assert (receipt.channel, receipt.recipient) == (channel, recipient)
    assert receipt.key == f"{F.case(session, number).key}:receipt"  # the key does not depend on the channel: a re-plan adds nothing


def test_an_applicant_with_only_an_email_gets_the_receipt_through_the_email_sender(app_db, session, calendar):
    number = F.register_case(session, calendar, MON, applicant=F.applicant_in(phone="", email="lisi@example.com"))
    email, elsewhere = outbox.ListSender(), outbox.ListSender()  # in place of SmtpSender and the drop folder
    E.advance(F.case(session, number), now=F.at(MON, 11), sender=outbox.ChannelSender({"email": email}, elsewhere))

    [(key, message)] = email.sent.items()
    assert key == f"{F.case(session, number).key}:receipt" and message.recipient == "lisi@example.com"
    assert message.subject == f"【{number}】您的政府信息公开申请已登记"
    assert elsewhere.sent == {}
    session.expire_all()
    assert session.exec(select(OutboxMessage.sent_at).where(OutboxMessage.key == key)).one() is not None
