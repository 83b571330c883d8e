"""The desk issues a signed reply, or refuses in Chinese when the agency has no certificate."""

from sqlmodel import Session, select

from models.enums import Status
from models.queries import application_by_number
from models.settings import Settings
from models.tables import Document
from notices.signing import verify_document
from tests import factories as F
from tests.web.conftest import DAY
from tests.web.test_flow import act


def approved_case(engine, calendar) -> str:
    with Session(engine) as s:
        number = F.register_case(s, calendar, DAY)
        F.advance(s, calendar, number, to=Status.approved, day=DAY)
        s.commit()
    return number


def test_the_desk_refuses_to_issue_without_a_certificate_then_issues_a_signed_reply(login, engine, calendar,
                                                                                    monkeypatch, tmp_path, signing_dir):
    number = approved_case(engine, calendar)
    head = login("head")
    monkeypatch.setenv("GONGKAI_SIGNING_DIR", str(tmp_path / "no-keys"))
    refused = act(head, number, "issue_reply", {"signed_by": "孙主任"}, expect=422)
    assert "尚未配置电子签名证书" in refused.text and "gongkai agency certificate" in refused.text
    monkeypatch.setenv("GONGKAI_SIGNING_DIR", str(signing_dir))
    act(head, number, "issue_reply", {"signed_by": "孙主任"})
    with Session(engine) as s:
        app = application_by_number(s, number)
        reply = s.exec(select(Document).where(Document.application_id == app.id, Document.kind == "reply")).one()
        assert reply.doc_number == "示政公开〔2026〕1号"  # the refused attempt spent no number
        assert verify_document(s, reply.content, Settings.load()).ok
