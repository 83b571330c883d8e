"""审计核验: walk the event chains and every archive package, and name each broken link in Chinese.

    verify(session, var_dir=…)              the whole installation: every event in id order (each event's own
                                            hash, its link in its case, its link in the installation), the chain
                                            head, cases left without events, every archive package
    verify(session, var_dir=…, case=ref)    one case: its chain, its events' neighbours in the installation
                                            chain, its archive package

An archive package is checked against the archive event in the chain, not only against the archive_package
row: the manifest's SHA-256 must be the one that event holds, every file the manifest's, and events.json must
match the events in the database field by field — which names exactly what an edit changed. The rows a court
reads beside the events (counsel's reviews, the delivery record) must agree with the events that wrote them.
"""

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select
from sqlmodel import Session

from models import audit
from models.archive import MANIFEST, ArchivePackage, archive_root, inside, package_path
from models.errors import GuardFailed
from models.identity import CaseRef
from models.lifecycle import BY_ACTION
from models.queries import application_of
from models.tables import Agency, Application, Decision, Delivery, Event, Review

CONTENT = {"application_id": "所属申请", "action": "动作", "actor_id": "操作人编号", "actor_name": "操作人",
           "at": "时间", "from_status": "原状态", "to_status": "新状态", "data": "记录内容"}  # column → its Chinese name
NOTES = {"register": "登记", "import": "导入", "notify": "通知", "add_document": "生成文书", "accept_assignment": "签收",
         "return_assignment": "承办单位退回", "submit_opinion": "答复意见", "assign_departments": "指定承办单位",
         "request_extension": "申请延期", "decide_extension": "审批延期", "record_challenge": "登记复议诉讼",
         "decide_challenge": "登记复议诉讼结果", "set_litigation_prone": "易诉标记",
         "problem_add": "列入问题清单", "problem_note": "问题清单进展", "problem_close": "问题清单销号"}
LIMIT = 200  # findings kept; the rest are counted


def _short(sha: str | None) -> str:
    return "（空）" if not sha else f"{sha[:12]}…"


def action_label(action: str) -> str:
    label = BY_ACTION[action].label if action in BY_ACTION else NOTES.get(action, action)
    return f"「{label}」"


@dataclass(frozen=True)
class Finding:
    """One broken link: which case, which event, what differs."""

    case: str  # 「申请 2026-000001（示范区人民政府）」, or 「全局链」
    event_id: int | None
    message_zh: str
    agency_id: int | None = None  # whose case it is; None: the installation's chain, head or folders

    def __str__(self) -> str:
        where = f"事件 #{self.event_id}" if self.event_id is not None else ""
        return f"{self.case}{'，' + where if where else ''}：{self.message_zh}"


@dataclass
class Report:
    events: int = 0
    cases: int = 0
    packages: int = 0
    head_events: int | None = None
    head_sha256: str | None = None
    findings: list[Finding] = field(default_factory=list)
    more: int = 0  # findings beyond LIMIT

    @property
    def ok(self) -> bool:
        return not self.findings

    def add(self, case: str, event_id: int | None, message_zh: str, agency_id: int | None = None) -> None:
        if len(self.findings) < LIMIT:
            self.findings.append(Finding(case, event_id, message_zh, agency_id))
        else:
            self.more += 1

    def summary(self) -> str:
        scope = f"核验事件 {self.events} 条（{self.cases} 件申请），归档包 {self.packages} 个"
        if self.ok:
            return f"✓ 审计核验通过：{scope}，链头哈希 {_short(self.head_sha256)}"
        count = len(self.findings) + self.more
        return f"✗ 审计核验发现 {count} 处问题：{scope}。第一处：{self.first()}"

    def first(self) -> Finding | None:
        ordered = sorted(self.findings, key=lambda f: (f.event_id is None, f.event_id or 0))
        return ordered[0] if ordered else None

    def lines(self) -> list[str]:
        ordered = sorted(self.findings, key=lambda f: (f.event_id is None, f.event_id or 0))
        extra = [f"……另有 {self.more} 处问题未列出"] if self.more else []
        return [str(f) for f in ordered] + extra


# --- the walk -----------------------------------------------------------------------------------------------------


_COLUMNS = (Event.id, Event.application_id, Event.action, Event.actor_id, Event.actor_name, Event.at,
            Event.from_status, Event.to_status, Event.data, Event.sha256, Event.prev_case_sha256, Event.prev_log_sha256)


_NONE = (None, None)
_KEPT = frozenset({"archive", "record_delivery", "approve_draft", "return_draft"})  # for the package and row checks


class _Walk:
    """Checks events one after another; remembers what the archive and row checks need."""

    def __init__(self, report: Report, cases: dict[int, tuple[int, str]], agencies: dict[int, str]):
        self.report, self.cases, self.agencies = report, cases, agencies
        self.case_last: dict[int, tuple[int, str | None]] = {}  # application id → (event id, sha256)
        self.broken_cases: set[int] = set()
        self.archives: list = []  # archive event rows
        self.reviews: dict[int, list] = {}  # decision id → approve/return event rows
        self.deliveries: dict[int, object] = {}  # application id → the last record_delivery event row
        self.last_app: int | None = None  # the case of the previous event in the installation chain

    def label(self, app_id: int) -> str:
        known = self.cases.get(app_id)
        if known is None:
            return f"申请（内部编号 {app_id}，已不存在）"
        agency_id, number = known
        return f"申请 {number}（{self.agencies.get(agency_id, f'机关 {agency_id}')}）"

    def event(self, row) -> bool:
        """Check one event's own hash and its link in its case; False when it is broken."""
        (event_id, app_id, action, actor_id, actor_name, at, from_status, to_status, data, sha, prev_case,
         prev_log) = row
        self.report.events += 1
        known = self.cases.get(app_id)
        if sha is None:
            self._break(app_id, event_id, f"{action_label(action)}没有哈希：这条事件不是经本系统写入的（被直接插入数据库）。")
            return False
        if known is None:
            self._break(app_id, event_id, f"{action_label(action)}所属的申请（内部编号 {app_id}）已不存在：申请被删除。")
            return False
        ok = True
        case = f"{known[0]}/{known[1]}"  # models.audit.case_key, inlined: this runs once per event
        if audit.digest_of(app_id, case, action, actor_id, actor_name, at, from_status, to_status, data,
                           prev_case, prev_log) != sha:
            # every changed event is its own fact: reported even after an earlier break in the case
            self.broken_cases.add(app_id)
            self.add(app_id, event_id, f"{action_label(action)}的内容与其哈希不一致：该事件写入后被改动"
                                       f"（现记录的操作人为「{actor_name}」）。")
            ok = False
        previous_id, previous = self.case_last.get(app_id, _NONE)
        if prev_case != previous and app_id not in self.broken_cases:
            if previous_id is None:
                what = (f"它记录的本案前一事件哈希为 {_short(prev_case)}，但本案在它之前已没有事件："
                        "本案更早的事件被删除。")
            else:
                what = (f"它记录的本案前一事件哈希为 {_short(prev_case)}，而本案实际的前一事件 "
                        f"#{previous_id} 的哈希为 {_short(previous)}：两者之间的事件被删除，或前一事件被改写。")
            self._break(app_id, event_id, what)
            ok = False
        self.case_last[app_id] = (event_id, sha)
        if action in _KEPT:
            if action == "archive":
                self.archives.append(row)
            elif action == "record_delivery":
                self.deliveries[app_id] = row
            elif isinstance(data, dict):
                self.reviews.setdefault(data.get("decision_id"), []).append(row)
        return ok

    def add(self, app_id: int, event_id: int | None, message: str) -> None:
        """A finding about one case, for its agency's supervisors."""
        known = self.cases.get(app_id)
        self.report.add(self.label(app_id), event_id, message, known[0] if known else None)

    def _break(self, app_id: int, event_id: int, message: str) -> None:
        if app_id in self.broken_cases:  # the first broken link of a case is the one to show
            return
        self.broken_cases.add(app_id)
        self.add(app_id, event_id, message)


PROGRESS_EVERY = 1000  # events between two progress reports


def verify(session: Session, *, var_dir: Path, case: CaseRef | None = None,
           progress: Callable[[int, int], None] | None = None) -> Report:
    """Walk the chains and the archive packages (of one case, or of the whole installation); `progress(done,
    total)` is told the events walked so far (whole installation only)."""
    report = Report()
    agencies = dict(session.execute(select(Agency.id, Agency.name)).all())
    if case is not None:
        app = application_of(session, case)
        cases = {app.id: (app.agency_id, app.number)}
    else:
        cases = {i: (a, n) for i, a, n in session.execute(select(Application.id, Application.agency_id,
                                                                 Application.number)).all()}
    walk = _Walk(report, cases, agencies)
    if case is not None:
        _walk_case(session, walk, app.id)
    else:
        _walk_all(session, walk, progress=progress)
    report.cases = len(walk.case_last) if case is None else 1
    for row in walk.archives:
        _check_package(session, walk, row, var_dir)
    _check_rows(session, walk, only=None if case is None else app.id)
    if case is None:
        _check_orphan_folders(walk, var_dir)
    return report


def _walk_all(session: Session, walk: _Walk, *, progress: Callable[[int, int], None] | None = None) -> None:
    report = walk.report
    previous_id, previous = None, None
    log_broken = False
    total = session.execute(select(func.count()).select_from(Event)).scalar_one() if progress else 0
    query = select(*_COLUMNS).order_by(Event.id)
    for done, row in enumerate(session.connection().execution_options(yield_per=20000).execute(query), start=1):
        if progress and done % PROGRESS_EVERY == 0:
            progress(done, max(total, done))
        walk.event(row)
        event_id, app_id, sha, prev_log = row[0], row[1], row[9], row[11]
        if prev_log != previous and not log_broken:
            log_broken = True
            if previous_id is None:
                what = f"它是现存最早的事件，却记录了前一事件哈希 {_short(prev_log)}：在它之前的事件被删除。"
            else:
                what = (f"它记录的前一事件哈希为 {_short(prev_log)}，而实际的前一事件 #{previous_id}"
                        f"（{walk.label(walk.last_app)}）的哈希为 {_short(previous)}：两者之间的事件（可能是整件申请）"
                        "被删除，或前一事件被改写。")
            report.add(f"全局链（{walk.label(app_id)}）", event_id, what)
        previous_id, previous = event_id, sha
        walk.last_app = app_id
    if progress:
        progress(report.events, report.events)
    head = session.execute(select(audit.AuditHead.events, audit.AuditHead.sha256)
                           .where(audit.AuditHead.id == audit.HEAD_ID)).first()  # read now, never a cached row
    report.head_events, report.head_sha256 = (head.events, head.sha256) if head else (None, None)
    if head is None:
        report.add("全局链", None, "链头记录（audit_head）不存在：被删除。")
    elif head.events != report.events or head.sha256 != previous:
        gone = head.events - report.events
        latest = "" if head.sha256 == previous else "，最新的事件也不是链头记录的那一条"
        why = (f"少了 {gone} 条，有事件被删除{latest}" if gone > 0 else
               f"多了 {-gone} 条，有事件未经本系统写入{latest}" if gone < 0 else "最后一条事件被改写或替换")
        report.add("全局链", previous_id,
                   f"链头记录共 {head.events} 条事件、最后哈希 {_short(head.sha256)}，实际为 {report.events} 条、"
                   f"最后哈希 {_short(previous)}：{why}。")
    empty = set(walk.cases) - set(walk.case_last)
    for app_id in sorted(empty):
        walk.add(app_id, None, "这件申请没有任何事件记录：它的事件被整体删除。")


def _walk_case(session: Session, walk: _Walk, app_id: int) -> None:
    """One case's chain, and each of its events against its neighbours in the installation chain."""
    connection = session.connection()
    rows = connection.execute(select(*_COLUMNS).where(Event.application_id == app_id).order_by(Event.id)).all()
    for row in rows:
        walk.event(row)
        before = connection.execute(select(Event.id, Event.sha256).where(Event.id < row.id)
                                    .order_by(Event.id.desc()).limit(1)).first()
        after = connection.execute(select(Event.id, Event.prev_log_sha256).where(Event.id > row.id)
                                   .order_by(Event.id).limit(1)).first()
        expected = before.sha256 if before else None
        if row.prev_log_sha256 != expected:
            where = f"实际的前一事件 #{before.id} 的哈希为 {_short(expected)}" if before else "它之前已没有事件"
            walk.report.add(f"全局链（{walk.label(app_id)}）", row.id,
                            f"它记录的前一事件哈希为 {_short(row.prev_log_sha256)}，而{where}：其间的事件被删除或改写。")
            break
        if after is not None and after.prev_log_sha256 != row.sha256:
            walk.report.add(f"全局链（{walk.label(app_id)}）", after.id,
                            f"下一事件 #{after.id} 记录的前一事件哈希为 {_short(after.prev_log_sha256)}，与本事件"
                            f" #{row.id} 的哈希 {_short(row.sha256)} 不一致：其间的事件被删除或本事件被改写。")
            break
    if not rows:
        walk.add(app_id, None, "这件申请没有任何事件记录：它的事件被整体删除。")


# --- archive packages ---------------------------------------------------------------------------------------------


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _plain(value):
    """A value as the archive's JSON writes it and reads it back (dates as text)."""
    return json.loads(json.dumps(value, ensure_ascii=False, default=str))


def _check_package(session: Session, walk: _Walk, event, var_dir: Path) -> None:
    """The package of one archive event: manifest hash from the chain, file hashes, events.json field by field."""
    app_id = event.application_id
    walk.report.packages += 1
    data = event.data if isinstance(event.data, dict) else {}
    location, chained = data.get("location"), data.get("manifest_sha256")
    row = session.execute(select(ArchivePackage).where(ArchivePackage.application_id == app_id)).scalars().first()
    if row is not None and (row.location != location or row.manifest_sha256 != chained):
        walk.add(app_id, event.id, f"归档记录（archive_package）的位置「{row.location}」、清单哈希 {_short(row.manifest_sha256)}"
                                   f"与链上归档事件记录的「{location}」、{_short(chained)} 不一致：归档记录被改写。")
    try:
        folder = package_path(var_dir, str(location))
    except GuardFailed as exc:
        walk.add(app_id, event.id, exc.message_zh)
        return
    manifest_file = folder / MANIFEST
    if not manifest_file.exists():
        walk.add(app_id, event.id, f"归档包缺少清单文件 {location}/{MANIFEST}（归档包被移走或删除）。")
        return
    raw = manifest_file.read_bytes()
    if _sha(raw) != chained:
        walk.add(app_id, event.id, f"归档包清单 {MANIFEST} 的 SHA-256 为 {_short(_sha(raw))}，与链上归档事件 #{event.id}"
                                   f" 记录的 {_short(chained)} 不一致：清单被改写。")
    try:
        listed = json.loads(raw)["files"]
    except (ValueError, KeyError, TypeError):
        walk.add(app_id, event.id, f"归档包清单 {MANIFEST} 无法解析。")
        return
    for path, digest in listed.items():
        try:
            f = inside(folder, folder / path, "清单中的文件")
        except GuardFailed as exc:
            walk.add(app_id, event.id, exc.message_zh)
            continue
        if not f.exists():
            walk.add(app_id, event.id, f"归档包缺少文件 {path}。")
        elif _sha(f.read_bytes()) != digest:
            walk.add(app_id, event.id, f"归档包文件 {path} 的 SHA-256 与清单不一致：文件被修改。")
    _compare_events(session, walk, event, folder / "events.json")


def _compare_events(session: Session, walk: _Walk, archive_event, path: Path) -> None:
    """events.json beside the events in the database: an event deleted, added or changed, field by field."""
    app_id = archive_event.application_id
    try:
        archived = {e["id"]: e for e in json.loads(path.read_text(encoding="utf-8"))}
    except (OSError, ValueError, KeyError, TypeError):
        walk.add(app_id, archive_event.id, "归档包中的 events.json 缺失或无法解析。")
        return
    stored = {e.id: _plain(e.model_dump(warnings=False)) for e in session.execute(
        select(Event).where(Event.application_id == app_id, Event.id < archive_event.id).order_by(Event.id)).scalars()}
    for event_id, kept in sorted(archived.items()):
        now = stored.get(event_id)
        if now is None:
            walk.add(app_id, event_id, f"归档包 events.json 记录的事件 #{event_id}{action_label(kept.get('action', ''))}"
                                       f"（操作人「{kept.get('actor_name')}」）在数据库中已不存在：该事件被删除。")
            continue
        for name, label in CONTENT.items():
            if name in kept and kept[name] != now.get(name):
                walk.add(app_id, event_id, f"{action_label(now['action'])}的{label}（{name}）在数据库中为"
                                           f"「{_text(now.get(name))}」，归档包 events.json 中为「{_text(kept[name])}」。")
    for event_id in sorted(set(stored) - set(archived)):
        walk.add(app_id, event_id, f"数据库中的事件 #{event_id}{action_label(stored[event_id]['action'])}"
                                   "不在归档包 events.json 中：归档后被补插。")


def _text(value) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)


def _check_orphan_folders(walk: _Walk, var_dir: Path) -> None:
    """A package folder whose case no longer exists: the case was probably deleted from the database."""
    root = archive_root(var_dir)
    if not root.is_dir():
        return
    known = {(str(a), n) for a, n in walk.cases.values()}
    for agency_dir in sorted(p for p in root.iterdir() if p.is_dir()):
        for folder in sorted(p for p in agency_dir.iterdir() if p.is_dir()):
            if (agency_dir.name, folder.name) not in known:
                walk.report.add(f"归档目录 {root.name}/{agency_dir.name}/{folder.name}", None,
                                "数据库中没有这件申请（机关编号与申请编号都不存在）：申请可能被整体删除。")


# --- rows a court reads beside the events -------------------------------------------------------------------------


def _check_rows(session: Session, walk: _Walk, *, only: int | None) -> None:
    """Counsel's reviews and the delivery record must say what the events that wrote them say."""
    reviews = select(Review, Decision.application_id).join(Decision, Decision.id == Review.decision_id)
    deliveries = select(Delivery).where(Delivery.delivered_on.is_not(None))
    if only is not None:
        reviews = reviews.where(Decision.application_id == only)
        deliveries = deliveries.where(Delivery.application_id == only)
    names = {}
    for review, app_id in session.execute(reviews.order_by(Review.id)).all():
        action = "approve_draft" if review.approved else "return_draft"
        events = [e for e in walk.reviews.get(review.decision_id, []) if e.action == action]
        if events and all(e.actor_id != review.reviewer_id for e in events):
            event = events[-1]
            names.setdefault(review.reviewer_id, _user_name(session, review.reviewer_id))
            walk.add(app_id, event.id,
                            f"审核记录 #{review.id} 的审核人为「{names[review.reviewer_id]}」，链上事件"
                            f"{action_label(action)}记录的操作人为「{event.actor_name}」：两者不一致，其一被改写。")
    for delivery in session.execute(deliveries.order_by(Delivery.id)).scalars():
        event = walk.deliveries.get(delivery.application_id)
        if event is None or not isinstance(event.data, dict):
            continue
        said = (event.data.get("delivered_on"), (event.data.get("proof") or "").strip())
        if (delivery.delivered_on.isoformat(), delivery.proof) != said:
            walk.add(delivery.application_id, event.id,
                            f"送达记录为 {delivery.delivered_on}「{delivery.proof}」，链上事件「登记送达」记录的是"
                            f" {said[0]}「{said[1]}」：两者不一致，其一被改写。")


def _user_name(session: Session, user_id: int | None) -> str:
    from models.tables import User

    user = session.get(User, user_id) if user_id is not None else None
    return user.full_name if user else f"用户 {user_id}"
