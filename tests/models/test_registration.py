"""Registration: Art 29 contents, Art 31 receipt dates by channel, validation errors, and the flags for a human."""

from datetime import date

import pytest
from sqlmodel import func, select

from models.enums import ApplicantIdType, Channel, DeliveryMethod
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
    ("online-without-confirmation", dict(channel=Channel.online), "applicant_confirmed", "双方确认"),
    ("ordinary-mail-without-confirmation", dict(channel=Channel.ordinary_mail), "applicant_confirmed", "与申请人确认"),
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
    done = register(ctx(session, calendar, "clerk", DAY), application_in(
        DAY, channel=channel, arrived_on=arrived, receipt_date=receipt, applicant_confirmed=True,
        transcribed_by_clerk=channel == Channel.oral))
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
