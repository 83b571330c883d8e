"""Import and export of applications as JSON Lines: bringing past years in from spreadsheets and legacy systems.

One application per line (docs/import-format.md). Import is all-or-nothing per file: every line is
checked first, a bad line aborts with its number and the reason, and only then is everything written
in one transaction, in bulk (Core executemany — the ORM one object at a time is 6× slower here).
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
from models.errors import ImportLineError
from models.identity import NUMBER
from models.lifecycle import CONCLUDED
from models.outcomes import ApplicantKind, ChallengeKind, ChallengeResult, Outcome, RESULT_ROW_KEYS
from models.registration import new_query_code
from models.tables import Agency, Applicant, Application, Counter, Event, LegalChallenge, shanghai_day
from models.validation import credit_code_valid, resident_id_valid

CLOSED = "closed"  # a concluded legacy case: it is stored as archived
_NUMBER = re.compile(r"(\d{4})-(\d{1,8})")

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
    try:
        day = date.fromisoformat(value)
    except (TypeError, ValueError):
        _fail(line, f"{name} 「{value}」不是 YYYY-MM-DD 格式的日期")
    if day > today:
        _fail(line, f"{name}（{day}）晚于今天（{today}）")
    return day


def _enum(enum_cls, value, line: int, name: str, *, default=None):
    if value in (None, "") and default is not None:
        return default
    try:
        return enum_cls(value)
    except ValueError:
        allowed = "、".join(m.value for m in enum_cls)
        _fail(line, f"{name} 「{value}」无效，应为：{allowed}")


def _text(record: dict, key: str, line: int, name: str) -> str:
    value = record.get(key)
    if not isinstance(value, str) or not value.strip():
        _fail(line, f"缺少 {name}（{key}）")
    return value.strip()


def _applicant(raw, line: int) -> dict:
    if not isinstance(raw, dict):
        _fail(line, "applicant 应为对象，至少含 kind 和 name")
    kind = _enum(ApplicantKind, raw.get("kind"), line, "applicant.kind")
    id_number = (raw.get("id_number") or "").strip().upper() or None
    default_type = ApplicantIdType.none
    if id_number:
        default_type = ApplicantIdType.resident_id if kind == ApplicantKind.natural_person else ApplicantIdType.credit_code
    id_type = _enum(ApplicantIdType, raw.get("id_type"), line, "applicant.id_type", default=default_type)
    if id_number and id_type == ApplicantIdType.resident_id and not resident_id_valid(id_number):
        _fail(line, f"申请人身份证号码「{id_number}」无效")
    if id_number and id_type == ApplicantIdType.credit_code and not credit_code_valid(id_number):
        _fail(line, f"统一社会信用代码「{id_number}」无效")
    return {"kind": kind.value, "name": _text(raw, "name", line, "申请人姓名或名称"), "id_type": id_type.value,
            "id_number": id_number, "phone": raw.get("phone") or "", "email": raw.get("email") or "",
            "address": raw.get("address") or ""}


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
                      "body": c.get("body") or "", "result": result.value, "decided_on": decided})
    return found


def _parse(line: int, text: str, agencies: dict[str, int], *, today: date) -> _Row:
    try:
        record = json.loads(text)
    except json.JSONDecodeError as exc:
        _fail(line, f"不是有效的 JSON（{exc.msg}，第{exc.colno}列）")
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
        "number": number, "year": receipt.year, "query_code": record.get("query_code") or new_query_code(),
        "agent_name": record.get("agent_name"),
        "channel": _enum(Channel, record.get("channel"), line, "channel").value,
        "arrived_on": arrived, "receipt_date": receipt, "receipt_evidence": record.get("receipt_evidence") or "",
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
    if row not in ROW_OUTCOME:
        _fail(line, f"outcome 「{row}」不是表三的行（r1_disclosed … r6_3_other）")
    finer = record.get("decision_outcome")
    if finer is None:
        return ROW_OUTCOME[row]
    outcome = _enum(Outcome, finer, line, "decision_outcome")
    if outcome.table3_row != row:
        _fail(line, f"decision_outcome「{finer}」应计入表三「{outcome.table3_row}」，与 outcome「{row}」不一致")
    return outcome


def _lines(source: Iterable[str]) -> Iterator[tuple[int, str]]:
    for number, text in enumerate(source, 1):
        if text.strip():
            yield number, text


def parse_file(session: Session, source: Iterable[str], *, today: date) -> list[_Row]:
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
    _check_not_in_database(session, rows)
    return rows


def _check_not_in_database(session: Session, rows: list[_Row]) -> None:
    existing = set(session.exec(select(Application.agency_id, Application.number)).all())
    for row in rows:
        if (row.agency_id, row.application["number"]) in existing:
            _fail(row.line, f"申请编号「{row.application['number']}」已存在于数据库中")


def import_jsonl(session: Session, source: Iterable[str], *, now: datetime, calendar,
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
             .join(Agency, Agency.id == Application.agency_id).order_by(Application.id))
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
