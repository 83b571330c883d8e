"""Hostile and careless input refused at the boundary (issue 13): import lines, registration records, text.

Each refusal is a domain error with a Chinese message (an import line's with its number) and nothing written.
"""

from datetime import date

import pytest
from sqlmodel import func, select

from models.demo import DEMO_AGENCY, seed_demo
from models.errors import ImportLineError, ValidationFailed
from models.registration import ApplicantIn, ApplicationIn, application_from_record, validate
from models.enums import Channel, DeliveryMethod, Status
from models.outcomes import ApplicantKind
from models.tables import Applicant, Application, Event
from models.transfer import IMPORTABLE, NEEDS_RECORDS, import_jsonl, read_lines
from models.validation import check_clean, visible, yes_no
from tests.models.test_transfer import NOW, line

TODAY = date(2026, 3, 2)


def open_line(**overrides) -> str:
    return line(**{"status": "registered", "outcome": None, "closed_date": None, "challenges": [], **overrides})


def counts(session) -> tuple[int, int, int]:
    return tuple(session.exec(select(func.count()).select_from(t)).one() for t in (Application, Applicant, Event))


# --- import -----------------------------------------------------------------------------------------------

APPLICANT = {"kind": "natural_person", "name": "张三"}
BAD_LINES = [
    ("phone-as-object", open_line(applicant={**APPLICANT, "phone": {"mobile": "13800138000"}}),
     "applicant.phone（联系电话）应为文字，不能是对象"),
    ("agent-name-as-list", open_line(agent_name=["李四", "王五"]), "agent_name（代理人）应为文字，不能是数组"),
    ("integer-number", open_line(number=2021000001), "number（申请编号）应为文字，不能是数字"),
    ("name-as-number", open_line(applicant={**APPLICANT, "name": 42}), "applicant.name（申请人姓名或名称）应为文字"),
    ("query-code-abc", open_line(query_code="abc"), "query_code「ABC」格式不正确"),
    ("query-code-number", open_line(query_code=12345678), "query_code（查询码）应为文字"),
    ("nul-in-name", open_line(applicant={**APPLICANT, "name": "张\u0000三"}), "含有控制字符（\\x00）"),
    ("ansi-in-request", open_line(request_text="请公开\u001b[2J\u001b[31m预算"), "含有控制字符（\\x1b）"),
    ("bidi-override-in-agent", open_line(agent_name="李\u202e四"), "含有控制字符（\\u202e）"),
    ("channel-as-list", open_line(channel=["online"]), "channel 应为以下文字之一"),
    ("status-missing", open_line(status=None), "缺少 status"),
    ("date-as-number", open_line(receipt_date=20210114), "receipt_date 应为 YYYY-MM-DD 格式的日期文字"),
    ("date-compact", open_line(receipt_date="20210114"), "不是 YYYY-MM-DD 格式"),
    ("date-year-one", open_line(receipt_date="0001-01-01"), "早于《条例》施行之日"),
    ("outcome-as-list", line(outcome=["r1_disclosed"]), "不是表三的行"),
    ("challenge-body-as-object", line(challenges=[{"kind": "reconsideration", "filed_date": "2021-03-01",
                                                   "outcome": "pending", "body": {"x": 1}}]), "应为文字"),
    ("deep-json", "[" * 100000, "JSON"),
]


@pytest.mark.parametrize("bad, words", [b[1:] for b in BAD_LINES], ids=[b[0] for b in BAD_LINES])
def test_a_line_of_the_wrong_shape_is_refused_with_its_number_in_chinese_and_nothing_is_written(session, calendar, bad,
                                                                                               words):
    seed_demo(session)
    before = counts(session)
    with pytest.raises(ImportLineError) as err:
        import_jsonl(session, [open_line(number="2021-000009"), bad], now=NOW, calendar=calendar)
    assert err.value.line == 2 and err.value.message_zh.startswith("第2行：")
    assert words in err.value.message_zh, err.value.message_zh
    assert counts(session) == before


NEEDS = [(Status.legal_review, "答复草稿"), (Status.awaiting_fee, "收费通知"), (Status.issued, "已签发的答复书"),
         (Status.routed, "交办记录"), (Status.awaiting_supplement, "补正告知"), (Status.dispatched, "寄送记录"),
         (Status.approved, "审核通过的答复草稿"), (Status.fee_unpaid, "收费通知")]


@pytest.mark.parametrize("status, record", NEEDS, ids=[s.value for s, _ in NEEDS])
def test_a_status_is_refused_without_the_records_it_stands_on(session, calendar, status, record):
    seed_demo(session)
    with pytest.raises(ImportLineError) as err:
        import_jsonl(session, [open_line(status=status.value)], now=NOW, calendar=calendar)
    assert err.value.message_zh.startswith(f"第1行：status「{status.value}」") and record in err.value.message_zh
    assert "registered" in err.value.message_zh and counts(session) == (0, 0, 0)


def test_every_status_is_either_importable_or_names_the_records_it_needs():
    assert IMPORTABLE | set(NEEDS_RECORDS) == set(Status) and not IMPORTABLE & set(NEEDS_RECORDS)
    assert IMPORTABLE == {Status.registered, Status.drafting, Status.delivered, Status.withdrawn, Status.archived,
                          Status.voided}  # voided: registered in error, exported as such; it needs no records


def test_open_statuses_without_records_and_a_valid_query_code_import(session, calendar):
    seed_demo(session)
    import_jsonl(session, [open_line(query_code="k7m2p9qx"), open_line(number="2021-000002", status="drafting")],
                 now=NOW, calendar=calendar)
    codes = dict(session.exec(select(Application.number, Application.query_code)).all())
    assert codes["2021-000001"] == "K7M2P9QX" and len(codes["2021-000002"]) == 8


@pytest.mark.parametrize("source", [[], [""], [b"", b"  "]], ids=["no-lines", "a-blank-line", "blank-bytes"])
def test_a_file_without_applications_is_refused_not_an_empty_insert(session, calendar, source):
    seed_demo(session)
    with pytest.raises(ValidationFailed, match="nothing to import"):
        import_jsonl(session, source, now=NOW, calendar=calendar)
    assert counts(session) == (0, 0, 0)


def test_invalid_utf8_is_refused_with_its_line_and_byte(session, calendar):
    seed_demo(session)
    data = (open_line(number="2021-000009") + "\n" + open_line()).encode().replace("张三".encode(), b"\xe5\xbc\xff")
    with pytest.raises(ImportLineError) as err:
        import_jsonl(session, read_lines(data), now=NOW, calendar=calendar)
    assert err.value.line == 1 and "不是有效的 UTF-8 编码" in err.value.message_zh and "0xe5" in err.value.message_zh
    assert counts(session) == (0, 0, 0)


def test_lines_are_split_only_at_newlines_so_a_text_holding_u2028_keeps_its_line_numbers(session, calendar):
    """str.splitlines() also splits at U+2028 and form feeds, which JSON strings may hold raw."""
    seed_demo(session)
    data = ("\ufeff" + open_line(request_text="第一段\u2028第二段") + "\n\n" + open_line(number="2021-x")).encode()
    with pytest.raises(ImportLineError) as err:
        import_jsonl(session, read_lines(data), now=NOW, calendar=calendar)
    assert err.value.line == 3  # the BOM and the U+2028 did not shift it
    import_jsonl(session, read_lines(data.rsplit(b"\n", 1)[0]), now=NOW, calendar=calendar)
    assert session.exec(select(Application.request_text)).one() == "第一段\u2028第二段"


# --- a registration record (gongkai register --file) -----------------------------------------------------

RECORD = {"agency": DEMO_AGENCY, "applicant": {"kind": "natural_person", "name": "张三", "phone": "13800138000"},
          "channel": "in_person", "request_text": "请公开2025年财政预算执行报告"}

BAD_RECORDS = [
    ("a-list", [], "登记文件应为一个 JSON 对象（{…}），不能是数组"),
    ("a-string", "x", "登记文件应为一个 JSON 对象（{…}），不能是文字"),
    ("null", None, "不能是null"),
    ("applicant-a-list", {**RECORD, "applicant": ["张三"]}, "applicant应为一个 JSON 对象"),
    ("name-a-number", {**RECORD, "applicant": {**RECORD["applicant"], "name": 12}}, "申请人姓名或名称应为文字，不能是数字（12）"),
    ("phone-a-number", {**RECORD, "applicant": {**RECORD["applicant"], "phone": 13800138000}}, "联系电话应为文字"),
    ("text-an-object", {**RECORD, "request_text": {"zh": "x"}}, "申请内容应为文字，不能是对象"),
    ("consent-no", {**RECORD, "electronic_delivery_consent": "no"}, "应为 true 或 false（或「是」「否」），填写的是「no」"),
    ("consent-one", {**RECORD, "electronic_delivery_consent": 1}, "填写的是「数字（1）」"),
    ("consent-false-string", {**RECORD, "electronic_delivery_consent": "false"}, "填写的是「false」"),
    ("date-a-number", {**RECORD, "arrived_on": 20260302}, "到达日期应为 YYYY-MM-DD 格式的日期文字"),
    ("date-compact", {**RECORD, "arrived_on": "20260302"}, "不是 YYYY-MM-DD 格式的有效日期"),
    ("channel-a-list", {**RECORD, "channel": ["in_person"]}, "递交渠道「数组（列表）」无效"),
    ("unknown-field", {**RECORD, "electronic_consent": True}, "含有未知字段：electronic_consent"),
    ("ansi-name", {**RECORD, "applicant": {**RECORD["applicant"], "name": "\u001b[31m张三"}}, "含有控制字符（\\x1b）"),
    ("nul-in-text", {**RECORD, "request_text": "请公开\u0000"}, "含有控制字符（\\x00）"),
    ("newline-in-name", {**RECORD, "applicant": {**RECORD["applicant"], "name": "张\n三"}}, "含有控制字符（\\n）"),
]


@pytest.mark.parametrize("record, words", [b[1:] for b in BAD_RECORDS], ids=[b[0] for b in BAD_RECORDS])
def test_a_registration_record_of_the_wrong_shape_is_refused_in_chinese(record, words):
    with pytest.raises(ValidationFailed) as err:
        application_from_record(record, today=TODAY)
    assert words in err.value.message_zh, err.value.message_zh


@pytest.mark.parametrize("given, consent", [(True, True), (False, False), ("是", True), ("否", False), (None, False)],
                         ids=["true", "false", "shi", "fou", "absent"])
def test_consent_is_only_a_real_yes_or_no(given, consent):
    data = application_from_record({**RECORD, "electronic_delivery_consent": given}, today=TODAY)
    assert data.electronic_delivery_consent is consent


def test_a_record_over_the_flags_keeps_the_flags_it_does_not_name_and_defaults_to_today():
    flags = {"channel": "oral", "applicant": {"kind": "natural_person", "id_type": "none", "email": "a@b.cn"}}
    data = application_from_record(RECORD, today=TODAY, defaults=flags)
    assert data.channel == Channel.in_person and data.applicant.email == "a@b.cn"
    assert data.arrived_on == data.receipt_date == TODAY and data.delivery_method == DeliveryMethod.post


@pytest.mark.parametrize("day", ["0001-01-01", "2019-05-14"], ids=["year-one", "day-before-the-regulation"])
def test_a_date_before_the_regulation_is_refused_not_a_crash(day):
    data = application_from_record({**RECORD, "arrived_on": day}, today=TODAY)
    with pytest.raises(ValidationFailed, match="before the Regulation"):
        validate(data, today=TODAY)


def test_registration_refuses_control_characters_in_every_text_the_desk_sends():
    data = ApplicationIn(agency=DEMO_AGENCY, applicant=ApplicantIn(ApplicantKind.natural_person, "张三",
                                                                   phone="13800138000", address="某路\u00071号"),
                         channel=Channel.in_person, arrived_on=TODAY, receipt_date=TODAY, request_text="请公开")
    with pytest.raises(ValidationFailed) as err:
        validate(data, today=TODAY)
    assert err.value.field == "applicant.address" and "\\x07" in err.value.message_zh


# --- the text checks themselves ---------------------------------------------------------------------------

CLEAN = [("a-name", "张三", False, True), ("tab-in-one-line", "a\tb", False, False),
         ("newline-in-a-text", "第一行\n第二行\r\n", True, True), ("nul", "a\x00", True, False),
         ("escape", "\x1b[0m", True, False), ("del", "a\x7f", True, False), ("c1", "a\x9b", True, False),
         ("bidi", "abc\u202edcba", True, False), ("surrogate", "a\udcff", True, False),
         ("zero-width-joiner-kept", "👩\u200d💻", False, True)]


@pytest.mark.parametrize("text, multiline, ok", [c[1:] for c in CLEAN], ids=[c[0] for c in CLEAN])
def test_check_clean(text, multiline, ok):
    if ok:
        assert check_clean(text, what="x", field="x", multiline=multiline) == text
    else:
        with pytest.raises(ValidationFailed):
            check_clean(text, what="x", field="x", multiline=multiline)


def test_visible_escapes_what_a_terminal_would_obey_and_keeps_chinese():
    assert visible("张三\x1b[31m\x00\udcff") == "张三\\x1b[31m\\x00\\udcff"
    assert visible("第一行\n\t第二行") == "第一行\n\t第二行"  # a request's lines stay lines
    assert visible("张三") == "张三"


@pytest.mark.parametrize("value", ["no", "yes", "true", 1, 0, [], {}], ids=str)
def test_yes_no_refuses_anything_but_a_real_yes_or_no(value):
    with pytest.raises(ValidationFailed):
        yes_no(value, what="x", field="x")


def test_a_page_count_no_database_column_holds_is_refused():
    from models.fees import FeeMethod, FeeRuleError, fee_amount

    with pytest.raises(FeeRuleError, match="too large"):
        fee_amount(FeeMethod.per_page, pages=10**20)


@pytest.mark.parametrize("year", [0, 2007, 10**12], ids=["zero", "before-the-first-regulation", "huge"])
def test_a_statistics_year_out_of_range_is_refused_not_a_crash(year):
    from models.statistics import period

    with pytest.raises(ValidationFailed, match="out of range"):
        period(year, today=TODAY)
