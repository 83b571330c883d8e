"""One case from registration to archive over real HTTP, as each role, asserting what every step produces.

A `Browser` is one person at the desk: httpx with real cookies, the CSRF token scraped from the page that
carries the form, and no response allowed to be a 5xx. `walk()` is the whole case; after each step it waits
(bounded, since Prefect runs asynchronously) for the documents and notifications that step must produce,
reading them where their owners read them: the case page, each user's 「通知」, the outbox drop folder and
the archive on disk. Under `gongkai up` it then asks the recorded Prefect API for the case's runs.
"""

import html
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import httpx
from sqlmodel import select

from models.archive import MANIFEST, ArchivePackage, verify_package
from models.demo import DEMO_AGENCY, DEMO_PASSWORD
from models.outbox import OutboxMessage
from models.tables import SHANGHAI, Agency, Application, Delivery, Document
from tests.e2e.stack import Stack
from workflows.engine import label_of

# The longest a step's automatic products may take to appear: a task-worker run on 2 cores busy with the rest of
# the suite, or, when the trigger's delivery failed (the server did not answer within the request's two attempts),
# the next reconcile (every minute, itself a scheduled run that may start late) and the run it delivers. Only a
# failed delivery waits this long; the others pass as soon as the products appear.
WAIT_SECONDS = 240
REGISTRATION = {"channel": "in_person", "kind": "natural_person", "name": "张三", "id_type": "resident_id",
                "id_number": "11010519491231002X", "phone": "13800138000",
                "request_text": "请公开本区2025年财政预算执行情况报告", "requested_form": "paper", "delivery_method": "post"}
# A draft the citation check passes (tests/web/test_flow.py): process information, Art 36(3) + Art 16(2).
DRAFT = {"outcome": "art16_2_process_info", "citations": ["36-0-3", "16-2-0"],
         "reasons": "该文件系2025年12月形成的内部研究过程稿，尚未定稿。"}
# The actions after which the desk triggers the case's automatic steps, in the order of the walk.
TRIGGERING = ("register", "route", "submit_opinion", "submit_for_review", "approve_draft", "issue_reply", "dispatch",
              "record_delivery")


@dataclass(frozen=True)
class Actors:
    """Who handles a case in one agency: usernames for each role, and the department it is routed to."""

    agency: str = DEMO_AGENCY
    clerk: str = "clerk"
    handler: str = "dept_ziran"
    department: str = "区自然资源局"
    counsel: str = "counsel"
    head: str = "head"  # issues the reply (models.lifecycle: 签发 by the clerk or the office head)
    password: str = DEMO_PASSWORD


@dataclass
class Walked:
    """What the walk leaves behind, for the test to check further."""

    agency_id: int
    number: str
    query_code: str
    flashes: list[str] = field(default_factory=list)
    app_id: int = 0

    @property
    def key(self) -> str:
        return f"{self.agency_id}/{self.number}"


def eventually(check: Callable[[], object], what: str, stack: Stack, seconds: float = WAIT_SECONDS):
    """`check()` until it passes (no AssertionError), at most `seconds`; its last failure otherwise."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            return check()
        except AssertionError as exc:
            if time.monotonic() > deadline:
                raise AssertionError(f"{stack.name}: not within {seconds:.0f} s: {what}: {exc}") from None
        time.sleep(1)  # the desk and the runs share the machine's cores with this loop


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, "no CSRF token on the page"
    return found.group(1)


def flashes_of(page: str) -> list[str]:
    return [html.unescape(m) for m in re.findall(r'<p class="flash [^"]*" role="status">(.*?)</p>', page, re.S)]


class Browser:
    """One person at the desk, over HTTP with real cookies; every answer is checked to be no 5xx."""

    def __init__(self, stack: Stack, username: str | None = None, password: str = DEMO_PASSWORD):
        self.stack = stack
        self.client = httpx.Client(base_url=stack.web, follow_redirects=False, timeout=60,
                                   event_hooks={"response": [self._no_server_error]})
        self.username = username
        if username:
            login = self.get_page("/login")
            r = self.client.post("/login", data={"username": username, "password": password,
                                                 "csrf_token": csrf_of(login)})
            assert r.status_code == 303, f"login {username}: {r.status_code} {r.text[-500:]}"
            self.follow(r)

    def _no_server_error(self, response: httpx.Response) -> None:
        if response.status_code >= 500:
            response.read()
            raise AssertionError(f"{response.request.method} {response.request.url} answered "
                                 f"{response.status_code}:\n{_text(response.text)[-1500:]}")

    def get_page(self, url: str) -> str:
        r = self.client.get(url)
        assert r.status_code == 200, f"GET {url} as {self.username}: {r.status_code} {r.text[-800:]}"
        return r.text

    def follow(self, r: httpx.Response) -> str:
        assert r.status_code == 303, f"{r.request.method} {r.request.url}: {r.status_code} {_text(r.text)[-1500:]}"
        return self.get_page(r.headers["location"])

    def submit(self, page_url: str, action: str, data: dict, files=None) -> httpx.Response:
        """POST the form with `action` found on `page_url`, with the CSRF token that page carries."""
        page = self.get_page(page_url)
        assert f'action="{action}"' in page, f"{self.username}: no form {action} on {page_url}:\n{_text(page)[-1500:]}"
        return self.client.post(action, data={"csrf_token": csrf_of(page), **data}, files=files)

    def close(self) -> None:
        self.client.close()


def _text(page: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


# --- what each step must produce ---------------------------------------------------------------------------


def case_row(stack: Stack, agency: str, number: str) -> Application:
    with stack.session() as s:
        return s.exec(select(Application).join(Agency, Agency.id == Application.agency_id)
                      .where(Agency.name == agency, Application.number == number)).one()


def documents(stack: Stack, app_id: int) -> list[str]:
    with stack.session() as s:
        return list(s.exec(select(Document.kind).where(Document.application_id == app_id).order_by(Document.id)))


def outbox_row(stack: Stack, key: str) -> OutboxMessage:
    with stack.session() as s:
        row = s.exec(select(OutboxMessage).where(OutboxMessage.key == key)).first()
    assert row is not None, f"no notification {key}"
    return row


def has_document(stack: Stack, app_id: int, kind: str) -> None:
    kinds = documents(stack, app_id)
    assert kind in kinds, f"no {kind} document (has {kinds})"


def listed_on_case_page(who: Browser, number: str, title: str) -> None:
    assert title in who.get_page(f"/cases/{number}"), f"{title} not listed on the case page of {number}"


def in_notices(who: Browser, subject: str) -> None:
    page = who.get_page("/notices")
    assert subject in html.unescape(page), f"{who.username}'s 通知 lack 「{subject}」"


# --- the walk ------------------------------------------------------------------------------------------------


def walk(stack: Stack, actors: Actors = Actors(), *, through_prefect: bool) -> Walked:
    """Register, route, accept, answer, draft, approve, issue, dispatch, deliver; the case then archives itself."""
    clerk, handler = Browser(stack, actors.clerk, actors.password), Browser(stack, actors.handler, actors.password)
    counsel, head = Browser(stack, actors.counsel, actors.password), Browser(stack, actors.head, actors.password)
    try:
        return _walk(stack, actors, clerk, handler, counsel, head, through_prefect=through_prefect)
    finally:
        for b in (clerk, handler, counsel, head):
            b.close()


def shanghai_today() -> str:
    return datetime.now(SHANGHAI).date().isoformat()  # the desk's day (Asia/Shanghai), not the machine's


def after(who: Browser, r: httpx.Response, action: str, *, through_prefect: bool, flashes: list[str]) -> str:
    """The page a POST redirects to, and the line the desk printed there about the automatic steps."""
    said = " ".join(flashes_of(who.follow(r)))
    flashes.append(said)
    if action in TRIGGERING:
        if through_prefect:
            # sent to Prefect; or, when the server was too slow to answer (a busy CI machine), left for the reconcile
            # to send (「自动步骤稍后执行」): never run inline. The walk checks that most went at once (_walk).
            assert "已触发流程运行" in said or "自动步骤稍后执行" in said, f"{action}: not sent to Prefect: {said}"
            assert "自动步骤已完成" not in said, f"{action}: ran inline instead of through Prefect: {said}"
        else:
            assert "自动步骤已完成" in said, f"{action}: the steps did not run inline: {said}"
    return said


def act(who: Browser, number: str, action: str, data: dict | None = None, *, through_prefect: bool,
        flashes: list[str], files=None) -> str:
    """The form of `action` on the case page, posted as `who`."""
    r = who.submit(f"/cases/{number}", f"/cases/{number}/actions/{action}", data or {}, files=files)
    return after(who, r, action, through_prefect=through_prefect, flashes=flashes)


def register(stack: Stack, clerk: Browser, agency: str, *, through_prefect: bool) -> Walked:
    """Step 1: the clerk registers at the counter; the 接收回执 is made and the applicant told (SMS → drop folder)."""
    today, flashes = shanghai_today(), []
    r = clerk.submit("/register", "/register", REGISTRATION | {"arrived_on": today, "receipt_date": today})
    number = r.headers.get("location", "").rsplit("/", 1)[-1]
    said = after(clerk, r, "register", through_prefect=through_prefect, flashes=flashes)
    code = re.search(r"查询码 ([0-9A-Z]+)", said)
    assert code, f"no query code in 「{said}」"
    app = case_row(stack, agency, number)
    done = Walked(app.agency_id, number, code.group(1), flashes, app.id)
    eventually(lambda: has_document(stack, app.id, "receipt"), "接收回执 after registration", stack)
    listed_on_case_page(clerk, number, "政府信息公开申请接收回执")

    def applicant_told():
        row = outbox_row(stack, f"{done.key}:receipt")
        assert row.channel == "sms" and row.recipient == REGISTRATION["phone"] and row.sent_at is not None, row
        dropped = stack.var / "outbox" / f"{done.agency_id}_{number}_receipt.json"
        assert dropped.exists(), f"no {dropped}"
        assert json.loads(dropped.read_text("utf-8"))["recipient"] == REGISTRATION["phone"]

    eventually(applicant_told, "the applicant's notice of registration", stack)
    return done


def _walk(stack, actors, clerk, handler, counsel, head, *, through_prefect) -> Walked:
    done = register(stack, clerk, actors.agency, through_prefect=through_prefect)
    number, today = done.number, shanghai_today()
    mode = {"through_prefect": through_prefect, "flashes": done.flashes}

    # 2. routed to the department: 交办单, and the department's handler is told on the desk
    act(clerk, number, "route", {"department": actors.department}, **mode)
    eventually(lambda: has_document(stack, done.app_id, "routing"), "交办单 after routing", stack)
    listed_on_case_page(clerk, number, "政府信息公开申请交办单")
    eventually(lambda: in_notices(handler, f"【{number}】交办{actors.department}"), "the department's notification", stack)
    assert number in handler.get_page("/inbox")

    # 3. the department accepts and answers (a browser sends the empty file input as an empty part)
    act(handler, number, "accept_assignment", **mode)
    act(handler, number, "submit_opinion", {"opinion": "该信息由我局制作，属于过程性信息。"},
        files={"attachments": ("", b"", "application/octet-stream")}, **mode)
    eventually(lambda: in_notices(clerk, f"【{number}】请拟写答复并提交法律审核"), "the clerk's notification to draft", stack)

    # 4. the clerk drafts; the citation check passes; counsel is told
    r = clerk.submit(f"/cases/{number}/draft", f"/cases/{number}/draft", DRAFT)
    after(clerk, r, "submit_for_review", **mode)
    eventually(lambda: in_notices(counsel, f"【{number}】请审核答复草稿"), "counsel's review notification", stack)
    assert number in counsel.get_page("/review")

    # 5. counsel approves; the office head is told to sign
    act(counsel, number, "approve_draft", {"comments": "同意。"}, **mode)
    eventually(lambda: in_notices(head, f"【{number}】答复草稿已审核通过，请签发"), "the head's notification to sign", stack)

    # 6. the head issues the reply: 答复书 with its 文号, a real PDF; the clerk is told to dispatch
    act(head, number, "issue_reply", {"signed_by": "孙主任"}, **mode)
    page = clerk.get_page(f"/cases/{number}")
    reply = re.search(rf'<a href="(/cases/{number}/documents/\d+)">政府信息公开申请答复书 第1版（([^）]+)）', page)
    assert reply, f"the issued reply is not listed on the case page:\n{_text(page)[-1500:]}"
    pdf = clerk.client.get(reply.group(1))
    assert pdf.status_code == 200 and pdf.content[:4] == b"%PDF"
    eventually(lambda: in_notices(clerk, f"【{number}】答复已签发，请寄送"), "the clerk's notification to dispatch", stack)

    # 7. dispatched and delivered; the delivery's automatic steps archive the case
    act(clerk, number, "dispatch", {"method": "post", "dispatched_on": today, "tracking_no": "EMS1234567"}, **mode)
    act(clerk, number, "record_delivery", {"delivered_on": today, "proof": "邮件签收记录"}, **mode)
    package = eventually(lambda: _archived(stack, done.app_id), "the archive package after delivery", stack)
    check_package(stack, actors.agency, done, package)
    assert "已办结归档" in clerk.get_page(f"/cases/{number}")

    if through_prefect:
        sent_at_once = sum("已触发流程运行" in said for said in done.flashes)
        assert sent_at_once > len(done.flashes) // 2, f"most actions reach Prefect at once: {done.flashes}"
        eventually(lambda: runs_completed(stack, done), "the case's Prefect runs, Completed", stack)
    return done


def _archived(stack: Stack, app_id: int) -> ArchivePackage:
    with stack.session() as s:
        row = s.exec(select(ArchivePackage).where(ArchivePackage.application_id == app_id)).first()
    assert row is not None, "no archive package recorded"
    return row


def check_package(stack: Stack, agency: str, done: Walked, package: ArchivePackage) -> None:
    """The dossier under <var>/archive/<agency id>/<number>: every hash right, the delivery and reply in it."""
    assert package.location == f"archive/{done.agency_id}/{done.number}", package.location  # relative to the var dir
    where = stack.var / package.location
    assert verify_package(package.location, package.manifest_sha256, var_dir=stack.var) == []
    files = json.loads((where / MANIFEST).read_text("utf-8"))["files"]
    for kind in ("receipt", "routing", "reply", "delivery"):  # the 送达回证 goes with the posted reply
        assert f"documents/{kind}-v1.pdf" in files, f"{kind} missing from the package: {sorted(files)}"
    deliveries = json.loads((where / "handling.json").read_text("utf-8"))["deliveries"]
    assert [(d["tracking_no"], d["proof"]) for d in deliveries] == [("EMS1234567", "邮件签收记录")], deliveries
    with stack.session() as s:
        delivery = s.exec(select(Delivery).where(Delivery.application_id == package.application_id)).one()
    assert delivery.delivered_on is not None and delivery.proof == "邮件签收记录"
    verified = stack.cli("archive", "verify", done.number, "--agency", agency)
    assert "✓" in verified.stdout and str(package.files) in verified.stdout, verified.stdout


# --- Prefect -----------------------------------------------------------------------------------------------


RETRIED = {429, 502, 503}  # what Prefect's own client retries: 503 is its SQLite "database is locked"


def prefect(method: str, url: str, **kw) -> httpx.Response:
    """One call to a Prefect API, retried as Prefect's client retries it."""
    for _ in range(20):
        r = httpx.request(method, url, timeout=30, **kw)
        if r.status_code not in RETRIED:
            return r
        time.sleep(1)
    return r


def flow_runs(api: str, **flow_run_filter) -> list[dict]:
    r = prefect("POST", f"{api}/flow_runs/filter", json={"flow_runs": flow_run_filter, "limit": 200})
    r.raise_for_status()
    return r.json()


def advance_case_deployment(api: str) -> dict:
    r = prefect("GET", f"{api}/deployments/name/advance-case/advance-case")
    r.raise_for_status()
    return r.json()


def case_runs(api: str, case_key: str) -> list[dict]:
    return flow_runs(api, tags={"all_": [f"case:{case_key}"]})


def runs_completed(stack: Stack, done: Walked) -> None:
    """Every triggering action made exactly one advance-case run, on this installation, and each Completed."""
    api = stack.prefect_api()
    runs = case_runs(api, done.key)
    names = sorted(r["name"] for r in runs)
    assert names == sorted(f"{done.number} · {label_of(a)}" for a in TRIGGERING), names
    states = {r["name"]: r["state_type"] for r in runs}
    assert set(states.values()) == {"COMPLETED"}, states
    mine = stack.installation().id
    assert {r["parameters"]["installation"] for r in runs} == {mine}
    assert {(r["parameters"]["agency_id"], r["parameters"]["number"]) for r in runs} == {(done.agency_id, done.number)}
    # run by the task worker (workflows.task_worker) as the advance-case flow, not by a process per deployment run
    assert {r["flow_id"] for r in runs} == {advance_case_deployment(api)["flow_id"]}
