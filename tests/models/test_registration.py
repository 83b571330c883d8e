"""Registration: Art 29 contents, Art 31 receipt dates by channel, validation errors, and the flags for a human."""

from datetime import date

import pytest
from sqlmodel import func, select

from models.enums import ApplicantIdType, Channel, ConfirmationMethod, DeliveryMethod
from models.errors import ValidationFailed
from models.outcomes import ApplicantKind
from models.registration import register
from models.tables import Applicant, Application, Event
from models.validation import credit_code_valid, resident_id_valid
from tests.factories import applicant_in, application_in, ctx, register_case

DAY = date(2026, 3, 2)


@pytest.mark.parametrize("number,valid", [
    ("11010519491231002X", True), ("110105194912310021", False), ("11010519491331002X", False),
    ("1101051949123100", False), ("11010519491231002x", False),
], ids=["valid", "wrong-check-digit", "month-13", "too-short", "lowercase-x-is-normalised-before"])
def test_resident_id_check_digit_follows_gb_11643(number, valid):
    assert resident_id_valid(number) is valid


@pytest.mark.parametrize("code,valid", [
    ("91350100M000100Y43", True), ("91350100M000100Y44", False), ("91350100M000100Y4", False),
    ("91350100M0001O0Y43", False),
], ids=["valid", "wrong-check", "too-short", "letter-O-not-in-code-set"])
def test_credit_code_check_character_follows_gb_32100(code, valid):
    assert credit_code_valid(code) is valid


BAD = [
    ("bad-resident-id", dict(applicant=applicant_in(id_number="110105194912310021")), "applicant.id_number", "居民身份证"),
    ("bad-credit-code", dict(applicant=applicant_in(kind=ApplicantKind.commercial_enterprise, name="某公司",
                                                    id_type=ApplicantIdType.credit_code, id_number="91350100M000100Y44")),
     "applicant.id_number", "统一社会信用代码"),
    ("natural-person-with-credit-code", dict(applicant=applicant_in(id_type=ApplicantIdType.credit_code,
                                                                    id_number="91350100M000100Y43")),
     "applicant.id_type", "自然人"),
    ("bad-phone", dict(applicant=applicant_in(phone="12345")), "applicant.phone", "联系电话"),
    ("bad-email", dict(applicant=applicant_in(email="a@b")), "applicant.email", "电子邮箱"),
    ("no-contact", dict(applicant=applicant_in(phone="")), "applicant.phone", "联系方式"),
    ("no-name", dict(applicant=applicant_in(name=" ")), "applicant.name", "姓名"),
    ("no-request-text", dict(request_text=""), "request_text", "申请公开"),
    ("future-receipt", dict(arrived_on=DAY, receipt_date=date(2026, 3, 3)), "receipt_date", "不能晚于今天"),
    ("receipt-before-arrival", dict(arrived_on=DAY, receipt_date=date(2026, 3, 1)), "receipt_date", "不能早于"),
    ("in-person-receipt-differs", dict(channel=Channel.in_person, arrived_on=date(2026, 2, 27), receipt_date=DAY),
     "receipt_date", "提交之日"),
    ("oral-without-confirmation", dict(channel=Channel.oral), "applicant_confirmed", "代为填写"),
    ("online-without-confirmation", dict(channel=Channel.online), "confirmed_on", "双方确认"),
    ("ordinary-mail-without-confirmation", dict(channel=Channel.ordinary_mail), "confirmed_on", "与申请人确认"),
    ("email-delivery-without-consent", dict(delivery_method=DeliveryMethod.email), "electronic_delivery_consent",
     "同意"),
]


@pytest.mark.parametrize("overrides,field,words", [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_registration_is_refused_in_chinese_and_nothing_is_written(session, calendar, overrides, field, words):
    with pytest.raises(ValidationFailed) as err:
        register(ctx(session, calendar, "clerk", DAY), application_in(DAY, **overrides))
    assert err.value.field == field
    assert words in err.value.message_zh
    assert session.exec(select(func.count()).select_from(Application)).one() == 0
    assert session.exec(select(func.count()).select_from(Event)).one() == 0
    assert session.exec(select(func.count()).select_from(Applicant)).one() == 0


@pytest.mark.parametrize("channel,arrived,receipt", [
    (Channel.registered_mail, DAY, DAY),
    (Channel.ordinary_mail, date(2026, 2, 27), DAY),
    (Channel.online, date(2026, 2, 28), DAY),
    (Channel.fax, DAY, DAY),
    (Channel.oral, DAY, DAY),
], ids=["registered-mail-signed-for", "ordinary-letter-confirmed-later", "online-confirmed-after-weekend", "fax",
        "oral-transcribed"])
def test_every_art31_channel_registers_with_its_receipt_date(session, calendar, channel, arrived, receipt):
    confirmed = channel in (Channel.ordinary_mail, Channel.online, Channel.fax)
    done = register(ctx(session, calendar, "clerk", DAY), application_in(
        DAY, channel=channel, arrived_on=arrived, receipt_date=receipt, applicant_confirmed=True,
        transcribed_by_clerk=channel == Channel.oral, confirmed_on=receipt if confirmed else None,
        confirmation_method=ConfirmationMethod.phone if confirmed else None,
        confirmation_note="2月27日（周五）下午来电无人接听，3月2日上午电话确认" if channel == Channel.ordinary_mail else ""))
    assert done.application.receipt_date == receipt
    assert done.application.due_date == calendar.add_working_days(receipt, days=20)


def test_registration_numbers_per_agency_and_year_and_gives_a_query_code(session, calendar):
    first = register_case(session, calendar, DAY)
    second = register_case(session, calendar, DAY, request_text="另一件完全不同的内容：河道整治工程验收报告")
    assert (first, second) == ("2026-000001", "2026-000002")
    codes = session.exec(select(Application.query_code)).all()
    assert len(set(codes)) == 2 and all(len(c) == 8 for c in codes)


def test_a_similar_request_by_the_same_applicant_is_flagged_as_a_possible_repeat(session, calendar):
    first = register_case(session, calendar, DAY, request_text="请公开本区2025年财政预算执行情况报告")
    done = register(ctx(session, calendar, "clerk", DAY),
                    application_in(DAY, request_text="请公开本区2025年度财政预算执行情况的报告"))
    assert done.possible_repeats == (first,)
    assert done.monthly_count == 2


def test_a_different_applicant_is_not_a_repeat_and_counts_from_one(session, calendar):
    register_case(session, calendar, DAY)
    done = register(ctx(session, calendar, "clerk", DAY), application_in(
        DAY, applicant=applicant_in(name="李四", id_number=None, id_type=ApplicantIdType.none, phone="13900139000")))
    assert done.possible_repeats == () and done.monthly_count == 1


def test_land_expropriation_requests_are_flagged_litigation_prone(session, calendar):
    done = register(ctx(session, calendar, "clerk", DAY), application_in(DAY, request_text="请公开某村征地补偿安置方案"))
    assert done.litigation_prone and done.application.litigation_prone


def test_purpose_is_never_asked_for():
    from models.registration import ApplicationIn

    assert not any("purpose" in f for f in ApplicationIn.__dataclass_fields__)


def test_a_deadline_in_an_unconfirmed_year_is_stored_as_provisional(session, calendar):
    received = date(2026, 12, 15)
    done = register(ctx(session, calendar, "clerk", received), application_in(received))
    assert done.application.due_date.year == 2027
    assert done.application.due_provisional


# --- Art 31: the receipt date of every channel, and the recorded confirmation --------------------------------

LETTER = dict(channel=Channel.ordinary_mail, arrived_on=date(2026, 3, 2))
ART31_REFUSED = [
    ("letter-18-days-later-nothing-recorded", dict(LETTER, receipt_date=date(2026, 3, 20), applicant_confirmed=True),
     "confirmed_on", "确认日期和确认方式"),
    ("letter-confirmation-without-method", dict(LETTER, receipt_date=DAY, confirmed_on=DAY), "confirmation_method",
     "确认方式"),
    ("letter-receipt-is-not-the-confirmation-day", dict(LETTER, receipt_date=date(2026, 3, 20), confirmed_on=DAY,
                                                        confirmation_method=ConfirmationMethod.phone),
     "receipt_date", "应为确认日期 2026-03-02"),
    ("letter-confirmed-18-days-later-without-a-reason",
     dict(LETTER, receipt_date=date(2026, 3, 20), confirmed_on=date(2026, 3, 20),
          confirmation_method=ConfirmationMethod.phone), "confirmation_note", "当日未能确认的原因"),
    ("online-confirmed-before-it-arrived", dict(channel=Channel.online, arrived_on=date(2026, 3, 5),
                                               receipt_date=date(2026, 3, 5), confirmed_on=date(2026, 3, 4),
                                               confirmation_method=ConfirmationMethod.platform),
     "confirmed_on", "不能早于申请到达日期"),
    ("fax-receipt-is-not-the-confirmation-day", dict(channel=Channel.fax, arrived_on=DAY, receipt_date=DAY,
                                                     confirmed_on=date(2026, 3, 3),
                                                     confirmation_method=ConfirmationMethod.fax),
     "receipt_date", "双方确认之日"),
    ("registered-mail-receipt-is-the-day-signed-for", dict(channel=Channel.registered_mail, arrived_on=DAY,
                                                           receipt_date=date(2026, 3, 4)), "receipt_date", "签收之日"),
]


@pytest.mark.parametrize("overrides,field,words", [r[1:] for r in ART31_REFUSED], ids=[r[0] for r in ART31_REFUSED])
def test_a_receipt_date_that_does_not_follow_art31_is_refused(session, calendar, overrides, field, words):
    with pytest.raises(ValidationFailed) as err:
        register(ctx(session, calendar, "clerk", date(2026, 3, 20)), application_in(DAY, **overrides))
    assert (err.value.field, words in err.value.message_zh) == (field, True), err.value.message_zh
    assert session.exec(select(func.count()).select_from(Application)).one() == 0


ART31_ACCEPTED = [
    ("letter-confirmed-by-phone-the-day-it-arrived", dict(LETTER, receipt_date=DAY, confirmed_on=DAY,
                                                          confirmation_method=ConfirmationMethod.phone), DAY),
    ("letter-confirmed-next-working-day-with-the-reason",
     dict(LETTER, arrived_on=date(2026, 2, 27), receipt_date=DAY, confirmed_on=DAY,
          confirmation_method=ConfirmationMethod.phone, confirmation_note="2月27日16时电话无人接听，3月2日9时确认"), DAY),
    ("online-both-sides-confirm-by-the-platform", dict(channel=Channel.online, arrived_on=date(2026, 2, 28),
                                                       receipt_date=DAY, confirmed_on=DAY,
                                                       confirmation_method=ConfirmationMethod.platform), DAY),
    ("in-person-the-day-handed-in", dict(channel=Channel.in_person, arrived_on=DAY, receipt_date=DAY), DAY),
]


@pytest.mark.parametrize("overrides,receipt", [r[1:] for r in ART31_ACCEPTED], ids=[r[0] for r in ART31_ACCEPTED])
def test_the_receipt_date_and_its_confirmation_are_stored_as_art31_defines_them(session, calendar, overrides, receipt):
    done = register(ctx(session, calendar, "clerk", DAY), application_in(DAY, **overrides))
    app = done.application
    assert app.receipt_date == receipt and app.due_date == calendar.add_working_days(receipt, days=20)
    assert app.confirmed_on == overrides.get("confirmed_on")
    assert app.confirmation_method == overrides.get("confirmation_method")
    assert app.applicant_confirmed == ("confirmed_on" in overrides)
    event = session.exec(select(Event).where(Event.application_id == app.id)).one()
    assert event.data["confirmed_on"] == (receipt.isoformat() if "confirmed_on" in overrides else None)


# --- absurd dates, locked years ----------------------------------------------------------------------------


@pytest.mark.parametrize("received,field", [
    (date(2000, 1, 5), "arrived_on"), (date(2019, 5, 14), "arrived_on"),
], ids=["year-2000", "the-day-before-the-regulation"])
def test_a_receipt_date_before_the_2019_regulation_took_effect_is_refused(session, calendar, received, field):
    with pytest.raises(ValidationFailed) as err:
        register(ctx(session, calendar, "clerk", DAY), application_in(received))
    assert err.value.field == field and "2019年5月15日" in err.value.message_zh


def test_the_day_the_regulation_took_effect_is_accepted(session, calendar):
    assert register_case(session, calendar, date(2019, 5, 15)) == "2019-000001"


def test_registration_into_a_locked_year_is_refused_and_the_published_count_stays(session, calendar):
    from models.demo import DEMO_AGENCY
    from models.errors import CaseReadOnly
    from models.queries import agency_by_name
    from models.statistics import annual_report, lock_year

    register_case(session, calendar, date(2024, 3, 4))
    lock_year(ctx(session, calendar, "head", date(2025, 1, 10)), agency=DEMO_AGENCY, year=2024)
    agency = agency_by_name(session, DEMO_AGENCY)
    published = annual_report(session, agency=agency, year=2024, today=date(2025, 1, 10)).table3["new_received"]
    with pytest.raises(CaseReadOnly) as err:
        register(ctx(session, calendar, "clerk", date(2025, 2, 3)), application_in(date(2024, 6, 3)))
    assert "2024年度统计已由孙主任" in err.value.message_zh and "不能登记" in err.value.message_zh
    assert session.exec(select(func.count()).select_from(Application)).one() == 1
    assert annual_report(session, agency=agency, year=2024, today=date(2025, 2, 3)).table3["new_received"] == published
    assert register_case(session, calendar, date(2025, 2, 3)) == "2025-000001"  # the open year registers as before


# --- the applicant on file (same ID number, other details) ---------------------------------------------------

WANG = dict(name="王建国", phone="13800138000")
ZHAO = dict(name="赵四", phone="13900139000")


def _register_wang(session, calendar):
    return register_case(session, calendar, DAY, applicant=applicant_in(**WANG))


def test_another_name_under_a_known_id_number_is_shown_and_refused_until_the_clerk_decides(session, calendar):
    from models.errors import ApplicantMismatch

    _register_wang(session, calendar)
    with pytest.raises(ApplicantMismatch) as err:
        register(ctx(session, calendar, "clerk", DAY), application_in(
            DAY, applicant=applicant_in(**ZHAO), request_text="请公开某河道整治工程竣工验收报告"))
    assert [(d[0], d[2], d[3]) for d in err.value.differences] == [
        ("name", "王建国", "赵四"), ("phone", "13800138000", "13900139000")]
    assert "已登记为申请人「王建国」" in err.value.message_zh and err.value.field == "applicant_on_file"
    assert session.exec(select(func.count()).select_from(Application)).one() == 1
    assert session.exec(select(Applicant.name)).all() == ["王建国"]


def test_keep_registers_for_the_applicant_on_file_unchanged(session, calendar):
    from models.enums import ApplicantOnFile
    from models.queries import applicant_of

    _register_wang(session, calendar)
    done = register(ctx(session, calendar, "clerk", DAY), application_in(
        DAY, applicant=applicant_in(**ZHAO), applicant_on_file=ApplicantOnFile.keep, request_text="请公开河道验收报告"))
    person = applicant_of(session, done.application)
    assert (person.name, person.phone, done.applicant_changes) == ("王建国", "13800138000", {})


def test_update_changes_the_record_and_the_event_keeps_both_versions(session, calendar):
    from models.enums import ApplicantOnFile
    from models.queries import applicant_of

    _register_wang(session, calendar)
    done = register(ctx(session, calendar, "clerk", DAY), application_in(
        DAY, applicant=applicant_in(**ZHAO), applicant_on_file=ApplicantOnFile.update, request_text="请公开河道验收报告"))
    person = applicant_of(session, done.application)
    assert (person.name, person.phone) == ("赵四", "13900139000")
    event = session.exec(select(Event).where(Event.application_id == done.application.id)).one()
    assert event.data["applicant_updated"] == {"name": ["王建国", "赵四"], "phone": ["13800138000", "13900139000"]}
    assert session.exec(select(func.count()).select_from(Applicant)).one() == 1


def test_a_detail_left_empty_is_not_a_difference(session, calendar):
    from models.queries import applicant_of

    register_case(session, calendar, DAY, applicant=applicant_in(**WANG, email="wang@example.com"))
    done = register(ctx(session, calendar, "clerk", DAY), application_in(
        DAY, applicant=applicant_in(**WANG, email=""), request_text="请公开河道验收报告"))
    assert done.applicant_changes == {} and applicant_of(session, done.application).email == "wang@example.com"


def test_another_applicant_kind_under_a_known_number_is_refused(session, calendar):
    from models.enums import ApplicantOnFile

    company = dict(kind=ApplicantKind.commercial_enterprise, name="某房地产开发有限公司",
                   id_type=ApplicantIdType.credit_code, id_number="91350100M000100Y43")
    register_case(session, calendar, DAY, applicant=applicant_in(**company))
    with pytest.raises(ValidationFailed) as err:
        register(ctx(session, calendar, "clerk", DAY), application_in(
            DAY, applicant=applicant_in(**{**company, "kind": ApplicantKind.other_org}),
            applicant_on_file=ApplicantOnFile.update))
    assert err.value.field == "applicant.kind" and "表三的列" in err.value.message_zh


# --- Art 29: 身份证明, agents, oral applications -----------------------------------------------------------

AGENT_ID = "110101198003151239"
AGENT = dict(agent_name="李律师", agent_id_type=ApplicantIdType.resident_id, agent_id_number=AGENT_ID,
             agent_phone="13700137000", agent_authorization="授权委托书一份（2026年3月1日签署）")


@pytest.mark.parametrize("overrides,missing", [
    (dict(applicant=applicant_in(id_type=ApplicantIdType.none, id_number=None)), ("申请人身份证明",)),
    (dict(applicant=applicant_in(id_type=ApplicantIdType.passport, id_number=None)), ("申请人身份证明",)),
    (dict(agent_name="李律师"), ("代理人身份证明", "授权委托书")),
    (dict(AGENT), ()),
    ({}, ()),
], ids=["no-identity-proof", "id-type-without-number", "agent-without-id-or-authorization", "agent-complete",
        "complete"])
def test_missing_identity_proof_is_flagged_for_the_supplement_notice(session, calendar, overrides, missing):
    done = register(ctx(session, calendar, "clerk", DAY), application_in(DAY, **overrides))
    assert done.missing == missing
    event = session.exec(select(Event).where(Event.application_id == done.application.id)).one()
    assert event.data["missing"] == list(missing)


def test_an_agent_application_is_registered_as_one_and_counted_under_the_principal(session, calendar):
    from models.queries import applicant_of

    done = register(ctx(session, calendar, "clerk", DAY), application_in(DAY, **AGENT))
    app = done.application
    assert (app.agent_name, app.agent_id_type, app.agent_id_number, app.agent_phone) == (
        "李律师", ApplicantIdType.resident_id, AGENT["agent_id_number"], "13700137000")
    assert app.agent_authorization == "授权委托书一份（2026年3月1日签署）"
    assert applicant_of(session, app).kind == ApplicantKind.natural_person


@pytest.mark.parametrize("overrides,field", [
    (dict(agent_phone="13700137000"), "agent_name"),
    (dict(AGENT, agent_id_number="110101198003151230"), "agent_id_number"),
    (dict(AGENT, agent_id_type=ApplicantIdType.none), "agent_id_type"),
    (dict(AGENT, agent_phone="123"), "agent_phone"),
], ids=["agent-details-without-a-name", "agent-bad-resident-id", "agent-number-without-type", "agent-bad-phone"])
def test_a_bad_agent_is_refused_in_chinese(session, calendar, overrides, field):
    with pytest.raises(ValidationFailed) as err:
        register(ctx(session, calendar, "clerk", DAY), application_in(DAY, **overrides))
    assert err.value.field == field and "代理人" in err.value.message_zh


def test_an_oral_application_is_registered_with_the_clerks_transcript_and_the_applicants_confirmation(session, calendar):
    done = register(ctx(session, calendar, "clerk", DAY), application_in(
        DAY, channel=Channel.oral, transcribed_by_clerk=True, applicant_confirmed=True,
        confirmation_method=ConfirmationMethod.signature, request_text="申请人口述：请公开本村2025年土地征收补偿标准"))
    app = done.application
    assert (app.transcribed_by_clerk, app.applicant_confirmed, app.confirmation_method) == (
        True, True, ConfirmationMethod.signature)
    assert app.receipt_date == DAY
