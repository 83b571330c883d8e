"""Import and export of applications as JSON Lines: bringing past years in from spreadsheets and legacy systems.

One application per line (docs/import-format.md). Import is all-or-nothing per file: every line is
checked first against the format (each field's type, text free of control characters, UTF-8) and against
the records its status stands on, a bad line aborts with its number and the reason, and only then is
everything written in one transaction, in bulk (Core executemany — the ORM one object at a time is 6×
slower here).
Import → export → import round-trips losslessly.
"""

import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import insert, update
from sqlmodel import Session, select

from models import audit
from models.enums import ApplicantIdType, Channel, DeliveryMethod, RequestedForm, Status
from models.errors import ImportLineError, ValidationFailed
from models.identity import NUMBER
from models.lifecycle import CONCLUDED
from models.outcomes import ApplicantKind, ChallengeKind, ChallengeResult, Outcome, RESULT_ROW_KEYS
from models.registration import QUERY_CODE, application_from_record, new_query_code, record_of, validate
from models.mock_tables import not_mock
from models.tables import Agency, Applicant, Application, Counter, Event, LegalChallenge, shanghai_day
from models.validation import credit_code_valid, day_value, resident_id_valid, text_value, visible

CLOSED = "closed"  # a concluded legacy case: it is stored as archived
_NUMBER = re.compile(r"(\d{4})-(\d{1,8})")
FIRST_REGULATION = date(2008, 5, 1)  # Decree 492 took effect: no application under the Regulation is older

S = Status
# What a status stands on that an import line cannot carry: a case imported in it would wait on a record that
# does not exist (a review of no draft, a fee with no notice, a dispatch of no reply: later refusals and 500s).
NEEDS_RECORDS: dict[Status, str] = {
    S.awaiting_confirmation: "网上申请的提交记录和公开办的确认（《条例》第三十一条第（三）项；请在原系统确认收到后以 registered 导入）",
    S.awaiting_supplement: "补正告知（补正事项和补正期限，《条例》第三十条）",
    S.routed: "交办记录（承办单位和答复期限）",
    S.coordinating: "分管领导协调的承办单位和答复期限",
    S.joint_consultation: "会商的参会单位",
    S.consulting: "征求意见的对象和期限（《条例》第三十二条、第三十四条）",
    S.fee_review: "收费通知草稿",
    S.awaiting_fee: "已发出的收费通知（金额和缴费期限）",
    S.legal_review: "答复草稿",
    S.returned_for_revision: "答复草稿和法律顾问的审核意见",
    S.approved: "经法律顾问审核通过的答复草稿",
    S.issued: "已签发的答复书（文号和文书）",
    S.dispatched: "寄送记录（寄送日期、方式和邮件号码）",
    S.deemed_abandoned: "补正告知和已届满的补正期限",
    S.fee_unpaid: "已发出的收费通知和已届满的缴费期限",
}
IMPORTABLE = frozenset(Status) - set(NEEDS_RECORDS)  # registered, drafting, and the concluded ones

# A legacy case carries only its table 三 row; it is stored under the outcome that stands for that row.
ROW_OUTCOME: dict[str, Outcome] = {}
for _o in Outcome:
    ROW_OUTCOME.setdefault(_o.table3_row, _o)
ROW_OUTCOME["r1_disclosed"] = Outcome.disclosed
ROW_OUTCOME["r6_3_other"] = Outcome.other
assert set(ROW_OUTCOME) == set(RESULT_ROW_KEYS)


@dataclass
class _Row:
    line: int
    agency_id: int
    applicant: dict
    application: dict
    challenges: list[dict]


def _fail(line: int, reason: str):
    raise ImportLineError(line, reason)


def _date(value, line: int, name: str, *, required: bool = True, today: date) -> date | None:
    if value in (None, ""):
        if required:
            _fail(line, f"缺少 {name}")
        return None
    if not isinstance(value, str):
        _fail(line, f"{name} 应为 YYYY-MM-DD 格式的日期文字，不能是{_kind(value)}")
    try:
        day = day_value(value, what=name, field=name)
    except ValidationFailed:
        _fail(line, f"{name} 「{visible(value)}」不是 YYYY-MM-DD 格式的日期")
    if day > today:
        _fail(line, f"{name}（{day}）晚于今天（{today}）")
    if day < FIRST_REGULATION:
        _fail(line, f"{name}（{day}）早于《条例》施行之日（2008年5月1日），请核对日期")
    return day


def _kind(value) -> str:
    return {bool: "true/false", int: "数字", float: "数字", list: "数组", dict: "对象"}.get(type(value), type(value).__name__)


def _enum(enum_cls, value, line: int, name: str, *, default=None):
    if value in (None, "") and default is not None:
        return default
    if value is None:
        _fail(line, f"缺少 {name}")
    if not isinstance(value, str):
        allowed = "、".join(m.value for m in enum_cls)
        _fail(line, f"{name} 应为以下文字之一：{allowed}，不能是{_kind(value)}")
    try:
        return enum_cls(value)
    except ValueError:
        allowed = "、".join(m.value for m in enum_cls)
        _fail(line, f"{name} 「{visible(value)}」无效，应为：{allowed}")


def _text(record: dict, key: str, line: int, name: str, *, path: str = "") -> str:
    """A required text field: a string, not blank, free of control characters."""
    value = record.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        _fail(line, f"缺少 {name}（{path}{key}）")
    return _optional_text(record, key, line, name, multiline=key == "request_text", path=path)


def _optional_text(record: dict, key: str, line: int, name: str, *, multiline: bool = False, path: str = "") -> str:
    """A text field: a string or null (read as ""), never a number, a list or an object; no control characters.
    `path` is where the record sits in the line (`applicant.`)."""
    try:
        return text_value(record.get(key), what=f"{path}{key}（{name}）", field=path + key, multiline=multiline)
    except ValidationFailed as exc:
        _fail(line, exc.message_zh.rstrip("。"))


def _query_code(record: dict, line: int) -> str:
    """Kept if given in the form registration allocates (what the public status page finds), else generated."""
    code = _optional_text(record, "query_code", line, "查询码").upper()
    if not code:
        return new_query_code()
    if not QUERY_CODE.fullmatch(code):
        _fail(line, f"query_code「{visible(code)}」格式不正确，应为8位大写字母和数字（不含 I、O、0、1），"
                    "如 K7M2P9QX；不填则自动生成")
    return code


def _applicant(raw, line: int) -> dict:
    if not isinstance(raw, dict):
        _fail(line, "applicant 应为对象，至少含 kind 和 name")
    kind = _enum(ApplicantKind, raw.get("kind"), line, "applicant.kind")
    texts = {key: _optional_text(raw, key, line, label, path="applicant.") for key, label in (
        ("id_number", "证件号码"), ("phone", "联系电话"), ("email", "电子邮箱"), ("address", "通信地址"))}
    id_number = texts["id_number"].upper() or None
    default_type = ApplicantIdType.none
    if id_number:
        default_type = ApplicantIdType.resident_id if kind == ApplicantKind.natural_person else ApplicantIdType.credit_code
    id_type = _enum(ApplicantIdType, raw.get("id_type"), line, "applicant.id_type", default=default_type)
    if id_number and id_type == ApplicantIdType.resident_id and not resident_id_valid(id_number):
        _fail(line, f"申请人身份证号码「{id_number}」无效")
    if id_number and id_type == ApplicantIdType.credit_code and not credit_code_valid(id_number):
        _fail(line, f"统一社会信用代码「{id_number}」无效")
    return {"kind": kind.value, "name": _text(raw, "name", line, "申请人姓名或名称", path="applicant."), "id_type": id_type.value,
            "id_number": id_number, "phone": texts["phone"], "email": texts["email"], "address": texts["address"]}


def _challenges(raw, line: int, *, receipt: date, today: date) -> list[dict]:
    if raw in (None, []):
        return []
    if not isinstance(raw, list):
        _fail(line, "challenges 应为数组")
    found = []
    for i, c in enumerate(raw, 1):
        where = f"challenges[{i}]"
        if not isinstance(c, dict):
            _fail(line, f"{where} 应为对象")
        filed = _date(c.get("filed_date"), line, f"{where}.filed_date", today=today)
        if filed < receipt:
            _fail(line, f"{where}.filed_date 早于收到申请日期")
        result = _enum(ChallengeResult, c.get("outcome"), line, f"{where}.outcome", default=ChallengeResult.pending)
        decided = _date(c.get("closed_date"), line, f"{where}.closed_date", required=False, today=today)
        if (result == ChallengeResult.pending) != (decided is None):
            _fail(line, f"{where}：尚未审结（pending）的不应有 closed_date，已审结的必须有 closed_date")
        if decided and decided < filed:
            _fail(line, f"{where}.closed_date 早于 filed_date")
        found.append({"kind": _enum(ChallengeKind, c.get("kind"), line, f"{where}.kind").value, "filed_on": filed,
                      "body": _optional_text(c, "body", line, "复议机关或法院", path=f"{where}."), "result": result.value,
                      "decided_on": decided})
    return found


def _json(line: int, text: str):
    """One line's JSON value, or the line's Chinese error."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        _fail(line, f"不是有效的 JSON（{exc.msg}，第{exc.colno}列）")
    except RecursionError:
        _fail(line, "JSON 嵌套层数过多")


def _parse(line: int, text: str, agencies: dict[str, int], *, today: date) -> _Row:
    record = _json(line, text)
    if not isinstance(record, dict):
        _fail(line, "每行应为一个 JSON 对象")
    agency = _text(record, "agency", line, "机关名称")
    if agency not in agencies:
        _fail(line, f"机关「{agency}」不存在，请先用 gongkai agency add 添加")
    number = _text(record, "number", line, "申请编号")
    if not NUMBER.fullmatch(number):  # it names folders and keys: only the form registration allocates
        _fail(line, f"申请编号「{number}」格式不正确，应为“年份-六位序号”，如 2021-000001")
    receipt = _date(record.get("receipt_date"), line, "receipt_date", today=today)
    arrived = _date(record.get("arrived_date"), line, "arrived_date", required=False, today=today) or receipt
    if receipt < arrived:
        _fail(line, "receipt_date 早于 arrived_date")
    status_raw = record.get("status")
    status = Status.archived if status_raw == CLOSED else _enum(Status, status_raw, line, "status")
    if status in NEEDS_RECORDS:
        _fail(line, f"status「{status.value}」（{status.label}）须有{NEEDS_RECORDS[status]}，导入格式不携带这些记录；"
                    "未办结的申请请按 registered（已登记）或 drafting（拟稿中）导入后在系统中继续办理，"
                    "已办结的按 closed 导入")
    closed = _date(record.get("closed_date"), line, "closed_date", required=False, today=today)
    outcome = _outcome(record, line)
    if status in CONCLUDED:
        if outcome is None or closed is None:
            _fail(line, "已办结的申请必须有 outcome 和 closed_date")
        if closed < receipt:
            _fail(line, f"closed_date（{closed}）早于 receipt_date（{receipt}）")
    elif outcome is not None or closed is not None:
        _fail(line, "未办结的申请 outcome 和 closed_date 应为 null")
    application = {
        "number": number, "year": receipt.year, "query_code": _query_code(record, line),
        "agent_name": _optional_text(record, "agent_name", line, "代理人") or None,
        "channel": _enum(Channel, record.get("channel"), line, "channel").value,
        "arrived_on": arrived, "receipt_date": receipt,
        "receipt_evidence": _optional_text(record, "receipt_evidence", line, "收到凭证"),
        "request_text": _text(record, "request_text", line, "申请内容"),
        "requested_form": _enum(RequestedForm, record.get("requested_form"), line, "requested_form",
                                default=RequestedForm.paper).value,
        "delivery_method": _enum(DeliveryMethod, record.get("delivery_method"), line, "delivery_method",
                                 default=DeliveryMethod.post).value,
        "status": status.value, "outcome": outcome.value if outcome else None, "closed_on": closed,
    }
    return _Row(line, agencies[agency], _applicant(record.get("applicant"), line), application,
                _challenges(record.get("challenges"), line, receipt=receipt, today=today))


def _outcome(record: dict, line: int) -> Outcome | None:
    """The table 三 row is what legacy systems know; `decision_outcome` keeps our finer ground on a round trip."""
    row = record.get("outcome")
    if row is None:
        return None
    if not isinstance(row, str) or row not in ROW_OUTCOME:
        _fail(line, f"outcome 「{visible(str(row))}」不是表三的行（r1_disclosed … r6_3_other）")
    finer = record.get("decision_outcome")
    if finer is None:
        return ROW_OUTCOME[row]
    outcome = _enum(Outcome, finer, line, "decision_outcome")
    if outcome.table3_row != row:
        _fail(line, f"decision_outcome「{finer}」应计入表三「{outcome.table3_row}」，与 outcome「{row}」不一致")
    return outcome


def _lines(source: Iterable[str | bytes]) -> Iterator[tuple[int, str]]:
    """The non-blank lines with their numbers; a line given as bytes must be UTF-8 (a BOM on the first is dropped)."""
    for number, text in enumerate(source, 1):
        if isinstance(text, bytes):
            try:
                text = text.decode("utf-8")
            except UnicodeDecodeError as exc:
                _fail(number, f"不是有效的 UTF-8 编码（第{exc.start + 1}个字节 0x{text[exc.start]:02x}），"
                              "请将文件另存为 UTF-8 后重新导入")
        if number == 1:
            text = text.removeprefix("\ufeff")
        if text.strip():
            yield number, text


def read_lines(data: bytes) -> list[bytes]:
    """A file's lines as bytes, split only at \\n (a JSON string may hold U+2028 or a form feed): decoded per line,
    so invalid UTF-8 is reported with its line number."""
    return data.split(b"\n")


def parse_file(session: Session, source: Iterable[str | bytes], *, today: date) -> list[_Row]:
    """Check every line; the first bad one raises ImportLineError with its line number."""
    agencies = dict(session.exec(select(Agency.name, Agency.id)).all())
    rows, seen = [], {}
    for line, text in _lines(source):
        row = _parse(line, text, agencies, today=today)
        key = (row.agency_id, row.application["number"])
        if key in seen:
            _fail(line, f"申请编号「{key[1]}」与第{seen[key]}行重复")
        seen[key] = line
        rows.append(row)
    if not rows:
        raise ValidationFailed("导入文件中没有任何申请（空文件，或只有空行）。", "nothing to import")
    _check_not_in_database(session, rows)
    return rows


def intake_rows(source: Iterable[str | bytes], *, today: date) -> list[dict]:
    """A batch-intake file (`gongkai flow intake`): each line a registration record (`register --file`'s fields)
    plus an optional `department`, every line checked before anything is registered; the rows as plain JSON."""
    rows = []
    for line, text in _lines(source):
        record = _json(line, text)
        department = record.pop("department", None) if isinstance(record, dict) else None
        try:
            data = application_from_record(record, today=today)
            validate(data, today=today)
            department = text_value(department, what="承办单位", field="department")
        except ValidationFailed as exc:
            _fail(line, exc.message_zh.rstrip("。"))
        rows.append({**record_of(data), **({"department": department} if department else {})})
    return rows


def _check_not_in_database(session: Session, rows: list[_Row]) -> None:
    existing = set(session.exec(select(Application.agency_id, Application.number)).all())
    for row in rows:
        if (row.agency_id, row.application["number"]) in existing:
            _fail(row.line, f"申请编号「{row.application['number']}」已存在于数据库中")


def import_jsonl(session: Session, source: Iterable[str | bytes], *, now: datetime, calendar,
                 progress: Callable[[int], None] | None = None) -> int:
    """Import a whole file in one transaction; returns the number of applications written."""
    rows = parse_file(session, source, today=now.date())
    try:
        applicant_ids = _insert_applicants(session, rows)
        app_ids = _insert_applications(session, rows, applicant_ids, now=now, calendar=calendar, progress=progress)
        _advance_counters(session, rows)  # the counters' lock before the chain head's, as registration takes them
        _insert_events_and_challenges(session, rows, app_ids, now=now)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return len(rows)


def _identity(a: dict) -> tuple:
    return ("id", a["id_number"]) if a["id_number"] else ("name", a["kind"], a["name"], a["phone"])


def _insert_applicants(session: Session, rows: list[_Row]) -> dict[tuple, int]:
    """One applicant per identity (ID number, else kind + name + phone), reusing those already stored."""
    ids: dict[tuple, int] = {}
    def stored() -> None:
        for a in session.exec(select(Applicant)).all():
            ids.setdefault(_identity({"id_number": a.id_number, "kind": a.kind, "name": a.name, "phone": a.phone}), a.id)

    stored()
    new = {}
    for row in rows:
        key = _identity(row.applicant)
        if key not in ids:
            new.setdefault(key, row.applicant)
    if new:
        session.execute(insert(Applicant), list(new.values()))
        stored()
    return ids


def _insert_applications(session, rows, applicant_ids, *, now, calendar, progress) -> list[int]:
    batch, chunk = [], 5000
    for i, row in enumerate(rows, 1):
        values = dict(row.application, agency_id=row.agency_id, applicant_id=applicant_ids[_identity(row.applicant)],
                      created_at=now, version=1, monthly_count=1,
                      status_since=row.application["closed_on"] or shanghai_day(now))
        if Status(values["status"]) not in CONCLUDED:
            values["due_date"] = calendar.add_working_days(values["receipt_date"], days=20)  # Art 33(2)
            values["calendar_fingerprint"] = calendar.fingerprint
        batch.append(values)
        if len(batch) == chunk or i == len(rows):
            session.execute(insert(Application), batch)
            batch = []
            if progress:
                progress(i)
    keys = {(r.agency_id, r.application["number"]) for r in rows}
    found = dict(((a, n), i) for i, a, n in session.execute(
        select(Application.id, Application.agency_id, Application.number)).all() if (a, n) in keys)
    return [found[(r.agency_id, r.application["number"])] for r in rows]


def _insert_events_and_challenges(session, rows, app_ids, *, now) -> None:
    events = [{"application_id": app_id, "action": "import", "actor_id": None, "actor_name": "导入",
               "at": now, "from_status": None, "to_status": r.application["status"], "data": {"line": r.line}}
              for r, app_id in zip(rows, app_ids)]
    cases = {app_id: audit.case_key(r.agency_id, r.application["number"]) for r, app_id in zip(rows, app_ids)}
    audit.chain_rows(session, events, cases)  # hashed in insertion order, the head moved
    session.execute(insert(Event), events)
    challenges = [dict(c, application_id=app_id) for r, app_id in zip(rows, app_ids) for c in r.challenges]
    if challenges:
        session.execute(insert(LegalChallenge), challenges)


def _advance_counters(session, rows) -> None:
    """New registrations continue after the highest imported number of each agency and year."""
    highest: dict[tuple[int, int], int] = {}
    for r in rows:
        m = _NUMBER.fullmatch(r.application["number"])
        if m:
            key = (r.agency_id, int(m.group(1)))
            highest[key] = max(highest.get(key, 0), int(m.group(2)))
    for (agency_id, year), top in highest.items():
        counter = session.get(Counter, (agency_id, "application", year))
        if counter is None:
            session.add(Counter(agency_id=agency_id, name="application", year=year, value=top))
        elif counter.value < top:
            session.execute(update(Counter).where(Counter.agency_id == agency_id, Counter.name == "application",
                                                  Counter.year == year).values(value=top))


def export_count(session: Session, *, agency: str | None = None, year: int | None = None) -> int:
    """How many applications export_jsonl will write (for a progress bar)."""
    from sqlalchemy import func

    query = select(func.count()).select_from(Application).join(Agency, Agency.id == Application.agency_id)
    if agency:
        query = query.where(Agency.name == agency)
    if year:
        query = query.where(Application.year == year)
    return session.exec(query).one()


def export_jsonl(session: Session, *, agency: str | None = None, year: int | None = None) -> Iterator[str]:
    """Every application (of an agency, received in a year) as one JSON line, in import format."""
    query = (select(Application, Applicant, Agency.name)
             .join(Applicant, Applicant.id == Application.applicant_id)
             .join(Agency, Agency.id == Application.agency_id).order_by(Application.id)
             .where(not_mock(Application.id)))  # a 模拟暗访 test imported elsewhere would count as a real case
    if agency:
        query = query.where(Agency.name == agency)
    if year:
        query = query.where(Application.year == year)
    challenges: dict[int, list] = {}
    for c in session.exec(select(LegalChallenge).order_by(LegalChallenge.id)).all():
        challenges.setdefault(c.application_id, []).append(c)
    for app, person, agency_name in session.exec(query).all():
        yield json.dumps(_record(app, person, agency_name, challenges.get(app.id, [])), ensure_ascii=False)


def _record(app: Application, person: Applicant, agency_name: str, challenges: list[LegalChallenge]) -> dict:
    iso = lambda d: d.isoformat() if d else None  # noqa: E731
    outcome = Outcome(app.outcome) if app.outcome else None
    return {
        "agency": agency_name, "number": app.number, "query_code": app.query_code,
        "applicant": {"kind": person.kind, "name": person.name, "id_type": person.id_type,
                      "id_number": person.id_number, "phone": person.phone, "email": person.email,
                      "address": person.address},
        "agent_name": app.agent_name, "channel": app.channel, "arrived_date": iso(app.arrived_on),
        "receipt_date": iso(app.receipt_date), "receipt_evidence": app.receipt_evidence,
        "request_text": app.request_text, "requested_form": app.requested_form,
        "delivery_method": app.delivery_method,
        "status": CLOSED if app.status == Status.archived else app.status,
        "outcome": outcome.table3_row if outcome else None,
        "decision_outcome": outcome.value if outcome else None,
        "closed_date": iso(app.closed_on),
        "challenges": [{"kind": c.kind, "filed_date": iso(c.filed_on), "body": c.body, "outcome": c.result,
                        "closed_date": iso(c.decided_on)} for c in challenges],
    }
