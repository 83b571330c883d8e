"""The online channel's domain rules: 待确认 until the clerk confirms receipt (Art 31(3)), the clock from that day,
the files the applicant sends, and the online 补正 that restarts the clock (Art 30)."""

import json
from dataclasses import replace
from datetime import date

import pytest
from sqlmodel import Session, select

from models import actions as A
from models import portal as P
from models.attachments import Upload
from models.enums import Channel, ConfirmationMethod, DeliveryMethod, Status
from models.errors import InvalidFields, RoleNotAllowed, TransitionNotAllowed, ValidationFailed
from models.identity import CaseRef
from models.queries import application_by_number
from models.tables import ApplicantFile, Application, Event
from tests.factories import SMALL_PDF, application_in, ctx, register_case
from tests.models.test_cli import cli  # noqa: F401  (the fixture: a demo database, GONGKAI_TODAY 2026-03-02)

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


def online(**overrides):
    return replace(application_in(date(2026, 2, 27)), channel=Channel.online, delivery_method=DeliveryMethod.platform,
                   electronic_delivery_consent=True, **overrides)


def submit(session, calendar, day=date(2026, 2, 27), *, identity=Upload("身份证.jpg", JPEG), **overrides) -> str:
    done = P.submit_online(ctx(session, calendar, None, day), replace(online(**overrides), arrived_on=day,
                                                                     receipt_date=day), identity=identity)
    return done.application.number


@pytest.mark.parametrize("submitted, confirmed", [
    (date(2026, 2, 27), date(2026, 3, 2)),  # Friday's submission confirmed on Monday
    (date(2026, 3, 2), date(2026, 3, 2)),  # confirmed the same day
    (date(2022, 9, 30), date(2022, 9, 30)),  # the court's case: Fri 2022-09-30 → due 2022-11-02 (调休 counted)
], ids=["friday-confirmed-monday", "same-day", "before-national-day"])
def test_the_receipt_date_is_the_day_the_clerk_confirms_and_the_clock_counts_from_it(engine, calendar, submitted,
                                                                                      confirmed):
    with Session(engine, expire_on_commit=False) as s:
        number = submit(s, calendar, submitted)
        app = application_by_number(s, number)
        assert (Status(app.status), app.due_date, app.confirmed_on) == (Status.awaiting_confirmation, None, None)
        done = P.confirm_receipt(ctx(s, calendar, "clerk", confirmed), number, note="电话确认")
    with Session(engine) as s:  # saved and reloaded
        app = application_by_number(s, number)
        assert Status(app.status) == Status.registered == done.status
        assert (app.receipt_date, app.confirmed_on, app.arrived_on) == (confirmed, confirmed, submitted)
        assert ConfirmationMethod(app.confirmation_method) == ConfirmationMethod.platform and app.applicant_confirmed
        assert app.due_date == calendar.add_working_days(confirmed, days=20)
        if submitted == date(2022, 9, 30):
            assert app.due_date == date(2022, 11, 2)
        assert "电话确认" in app.receipt_evidence


def test_only_an_online_application_awaiting_confirmation_is_confirmed_and_only_by_a_clerk(engine, calendar):
    with Session(engine, expire_on_commit=False) as s:
        at_counter = register_case(s, calendar)
        with pytest.raises(TransitionNotAllowed):
            P.confirm_receipt(ctx(s, calendar, "clerk", date(2026, 3, 2)), at_counter)
        number = submit(s, calendar)
        with pytest.raises(RoleNotAllowed):
            P.confirm_receipt(ctx(s, calendar, "head", date(2026, 3, 2)), number)
        for step in (lambda c: A.route(c, number, department="区财政局"),
                     lambda c: A.request_supplement(c, number, items="请补充文号")):
            with pytest.raises(TransitionNotAllowed):  # nothing is handled before it is received in law
                step(ctx(s, calendar, "clerk", date(2026, 3, 2)))
        assert Status(application_by_number(s, number).status) == Status.awaiting_confirmation


def test_a_pending_application_gets_no_receipt_notice_and_the_clerks_are_told(engine, calendar):
    from workflows.engine import plan

    with Session(engine, expire_on_commit=False) as s:
        number = submit(s, calendar)
        pending = plan(s, CaseRef.of(application_by_number(s, number)))
        assert pending.documents == [] and {n.recipient for n in pending.notices} == {"clerk"}
        assert "待确认" in pending.notices[0].subject
        P.confirm_receipt(ctx(s, calendar, "clerk", date(2026, 3, 2)), number)
        confirmed = plan(s, CaseRef.of(application_by_number(s, number)))
        assert [d.kind.value for d in confirmed.documents] == ["receipt"]
        assert not any("重新审查" in n.subject for n in confirmed.notices)  # the clerk confirmed it herself


def test_the_portal_needs_the_identity_file_the_api_does_not(engine, calendar):
    with Session(engine, expire_on_commit=False) as s:
        with pytest.raises(ValidationFailed) as err:
            submit(s, calendar, identity=None)
        assert err.value.field == "identity_file"
        assert s.exec(select(Application)).all() == []
        done = P.submit_online(ctx(s, calendar, None, date(2026, 2, 27)), online(), via="api")
        assert Status(done.application.status) == Status.awaiting_confirmation
        assert s.exec(select(ApplicantFile)).all() == []


def test_an_online_supplement_is_the_counters_supplement_received_today(engine, calendar):
    with Session(engine, expire_on_commit=False) as s:
        number = submit(s, calendar)
        P.confirm_receipt(ctx(s, calendar, "clerk", date(2026, 3, 2)), number)
        A.request_supplement(ctx(s, calendar, "clerk", date(2026, 3, 3)), number, items="请补充文号")
        app_id = application_by_number(s, number).id
        system = replace(ctx(s, calendar, None, date(2026, 3, 9)), agency_id=application_by_number(s, number).agency_id)
        with pytest.raises(InvalidFields) as err:  # every problem at once, nothing written
            P.supplement_online(system, number, content="",
                                files=[Upload("x.gif", b"GIF89a")]
                                + [Upload(f"{n}.pdf", SMALL_PDF) for n in range(P.MAX_SUPPLEMENT_FILES)])
        assert {p.field for p in err.value.problems} == {"files"} and len(err.value.problems) == 2
        assert s.exec(select(ApplicantFile).where(ApplicantFile.purpose == "supplement")).all() == []
        done = P.supplement_online(system, number, content="文号为示政发〔2025〕3号", files=[Upload("补正.pdf", SMALL_PDF)])
    with Session(engine) as s:
        app = s.get(Application, app_id)
        assert Status(app.status) == Status.registered == done.status
        assert app.due_date == calendar.add_working_days(date(2026, 3, 9), days=20)
        received = s.exec(select(Event).where(Event.application_id == app_id, Event.action == "receive_supplement")).one()
        assert received.actor_id is None and received.data["received_on"] == "2026-03-09"


def test_a_file_whose_first_bytes_are_not_its_type_is_refused():
    with pytest.raises(ValidationFailed) as err:
        P.check_file(Upload("id.jpg", b"%PDF-1.4 pretending"), field="identity_file", what="身份证明文件",
                     suffixes=P.IDENTITY_TYPES, max_bytes=P.MAX_IDENTITY_BYTES)
    assert "不是JPEG" in err.value.message_zh and err.value.field == "identity_file"
    checked = P.check_file(Upload("扫描件.PDF", SMALL_PDF), field="identity_file", what="身份证明文件",
                           suffixes=P.IDENTITY_TYPES, max_bytes=P.MAX_IDENTITY_BYTES)
    assert checked.content_type == "application/pdf"


def test_the_dossier_keeps_the_files_the_applicant_sent_with_their_hashes(engine, calendar):
    import hashlib
    import json

    from models.archive import dossier

    with Session(engine, expire_on_commit=False) as s:
        number = submit(s, calendar)
        files = dossier(s, application_by_number(s, number))
        counter = dossier(s, application_by_number(s, register_case(s, calendar)))
    [(path, content)] = [(p, c) for p, c in files.items() if p.startswith("applicant/")]
    assert path.endswith("-身份证.jpg") and content == JPEG
    listed = json.loads(files["online.json"])
    assert listed["applicant_files"][0]["sha256"] == hashlib.sha256(JPEG).hexdigest()
    assert listed["online_application"][0]["via"] == "portal"
    assert not any(p.startswith("applicant/") or p == "online.json" for p in counter)  # other cases unchanged


def test_an_online_application_left_unconfirmed_is_at_risk_on_the_dashboard(engine, calendar):
    from models import dashboard as D

    with Session(engine, expire_on_commit=False) as s:
        number = submit(s, calendar, date(2026, 3, 2))  # Monday
        agency_id = application_by_number(s, number).agency_id
        on_tuesday = D.at_risk(s, agency_id=agency_id, cutoffs=D.Cutoffs.on(date(2026, 3, 3), calendar=calendar),
                               calendar=calendar)
        on_wednesday = D.at_risk(s, agency_id=agency_id, cutoffs=D.Cutoffs.on(date(2026, 3, 4), calendar=calendar),
                                 calendar=calendar)
    assert on_tuesday == []
    assert [(r.case.number, r.case.status) for r in on_wednesday] == [(number, Status.awaiting_confirmation)]


def test_the_clerk_confirms_an_online_application_from_the_command_line(cli, tmp_path, calendar):  # noqa: F811
    from models.db import make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'gongkai.db'}")  # the applicant submits on the portal (Friday)
    with Session(engine, expire_on_commit=False) as s:
        number = submit(s, calendar)
    engine.dispose()
    assert "待确认" in cli("show", number).stdout
    confirmed = json.loads(cli("confirm-receipt", number, "--note", "电话联系申请人确认", "--json").stdout.splitlines()[0])
    assert (confirmed["status"], confirmed["due_date"]) == ("registered", "2026-03-30")  # 20 working days from Monday
    again = cli("confirm-receipt", number, ok=False)
    assert again.returncode == 1 and "确认收到网上申请" in again.stderr and "Traceback" not in again.stderr
    assert "今天为收到申请之日" in cli("confirm-receipt", "--help").stdout
