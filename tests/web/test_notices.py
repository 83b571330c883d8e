"""The desk's notifications: each user reads their own, the navigation counts the unread, marking read is theirs only."""

import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import event
from sqlmodel import Session, select

from interfaces.web.app import create_app
from models import outbox
from models.demo import seed_demo
from models.outbox import Notice, OutboxMessage
from models.queries import application_by_number
from models.tables import SHANGHAI
from tests.factories import register_case
from tests.web.conftest import DAY
from tests.web.conftest import Desk as Client

AT = datetime(2026, 3, 2, 9, 30, tzinfo=SHANGHAI)


@pytest.fixture
def notes(engine, calendar, desk):
    """Three notifications for dept_ziran (two on a case, one without), one for counsel, one SMS to a phone."""
    with Session(engine, expire_on_commit=False) as s:
        number = register_case(s, calendar, DAY)
        app = application_by_number(s, number)
        sent = [
            (app, Notice(key="n:routed", kind="assignment", recipient="dept_ziran",
                         subject=f"【{number}】交办区自然资源局，请于 2026-03-09 前提交书面答复意见")),
            (app, Notice(key="n:t3", kind="deadline_t3", recipient="dept_ziran",
                         subject=f"【{number}】书面答复意见期限还有 3 个工作日", body="请于 2026-03-09 前提交。")),
            (None, Notice(key="n:general", kind="general", recipient="dept_ziran", subject="系统将于今晚维护")),
            (app, Notice(key="n:counsel", kind="legal_review", recipient="counsel", subject=f"【{number}】请审核答复草稿")),
            (app, Notice(key="n:sms", kind="receipt", recipient="dept_ziran", subject="短信，不在工作台", channel="sms")),
        ]
        for minutes, (application, notice) in enumerate(sent):
            assert outbox.enqueue(s, application, notice, now=AT + timedelta(minutes=minutes))
        ids = dict(s.exec(select(OutboxMessage.key, OutboxMessage.id)).all())
    return {"number": number} | {key.removeprefix("n:"): ids[key] for key in ids}


def _unread(engine, key: str) -> bool:
    with Session(engine) as s:
        return s.exec(select(OutboxMessage).where(OutboxMessage.key == key)).one().read_at is None


def _nav(html: str) -> str:
    return re.search(r'<a href="/notices" id="nav-notices"[^>]*>(.*?)</a>', html, re.S).group(1)


def _unread_rows(html: str) -> list[str]:
    return re.findall(r'<tr id="notice-(\d+)" class="unread">', html)


def test_a_user_sees_only_their_own_notifications_newest_first(login, notes):
    page = login("dept_ziran").get("/notices")
    assert page.status_code == 200
    subjects = re.findall(r'<span class="subject" id="notice-subject-\d+">([^<]+)</span>', page.text)
    assert [s.split("】")[-1] for s in subjects] == [
        "系统将于今晚维护", "书面答复意见期限还有 3 个工作日", "交办区自然资源局，请于 2026-03-09 前提交书面答复意见"]
    assert "请审核答复草稿" not in page.text and "短信" not in page.text  # counsel's, and not the desk's channel
    assert "2026年3月2日 09:30" in page.text and "请于 2026-03-09 前提交。" in page.text  # time and body
    number = notes["number"]
    row = re.search(rf'<tr id="notice-{notes["routed"]}".*?</tr>', page.text, re.S).group(0)
    assert f'<a href="/cases/{number}">{number}</a>' in row
    general = re.search(rf'<tr id="notice-{notes["general"]}".*?</tr>', page.text, re.S).group(0)
    assert "/cases/" not in general  # no case, no link
    # unread is said in words, not only by colour; each has its own 「已读」 button
    assert len(_unread_rows(page.text)) == 3 and page.text.count('<span class="badge tag">未读</span>') == 3
    assert page.text.count(">已读</button>") == 3 and "全部标为已读" in page.text
    counsel = login("counsel").get("/notices").text
    assert "请审核答复草稿" in counsel and "交办区自然资源局" not in counsel


def test_the_navigation_shows_the_unread_count_on_every_page(login, notes):
    dept, counsel, clerk = login("dept_ziran"), login("counsel"), login("clerk")
    assert _nav(dept.get("/inbox").text) == '通知（3）<span class="sr-only">条未读</span>'
    assert _nav(dept.get("/notices").text).startswith("通知（3）")
    assert _nav(counsel.get("/review").text).startswith("通知（1）")
    assert _nav(clerk.get("/worklist").text) == "通知"  # nothing unread: no count
    assert 'aria-current="page"' in re.search(r'<a href="/notices"[^>]*>', dept.get("/notices").text).group(0)


def test_error_pages_keep_the_users_navigation_and_count(login, notes):
    refused = login("dept_ziran").get("/worklist")  # Denied → the message page, with the user's navigation (issue 16)
    assert refused.status_code == 403 and "无权访问" in refused.text and 'id="nav-notices"' in refused.text
    anonymous = login().get("/no-such-page")
    assert anonymous.status_code == 404 and 'id="nav-notices"' not in anonymous.text and "工作人员登录" in anonymous.text


def test_the_count_is_one_query_through_the_inbox_index(login, notes, engine):
    dept, clerk = login("dept_ziran"), login("clerk")
    statements: list[tuple[str, object]] = []

    def collect(conn, cursor, statement, parameters, context, executemany):
        if "outbox_message" in statement:
            statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", collect)
    try:
        assert dept.get("/inbox").status_code == 200
        [(statement, parameters)] = statements
        statements.clear()
        fragment = clerk.get("/worklist?q=x", headers={"HX-Request": "true", "HX-Target": "worklist-rows"})
        assert fragment.status_code == 200 and "<nav" not in fragment.text
        assert statements == []  # an htmx fragment shows no navigation and counts nothing
    finally:
        event.remove(engine, "before_cursor_execute", collect)
    assert statement.lstrip().upper().startswith("SELECT COUNT(")
    with engine.connect() as conn:
        plan = " ".join(str(row[-1]) for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters))
    assert "ix_outbox_message_inbox" in plan, plan


def test_mark_one_read(login, notes, engine, clock):
    dept = login("dept_ziran")
    done = dept.post("/notices/read", {"id": str(notes["routed"])})
    assert done.status_code == 303 and done.headers["location"] == "/notices"
    page = dept.get("/notices").text
    assert "已将 1 条通知标为已读。" in page and _nav(page).startswith("通知（2）")
    assert str(notes["routed"]) not in _unread_rows(page) and len(_unread_rows(page)) == 2
    assert not _unread(engine, "n:routed") and _unread(engine, "n:t3")
    with Session(engine) as s:
        assert s.get(OutboxMessage, notes["routed"]).read_at == clock()


def test_mark_all_read_leaves_other_users_alone(login, notes, engine):
    dept = login("dept_ziran")
    assert dept.post("/notices/read", {"all": "1"}).status_code == 303
    page = dept.get("/notices").text
    assert "已将 3 条通知标为已读。" in page and _nav(page) == "通知" and _unread_rows(page) == []
    assert "全部标为已读" not in page and ">已读</button>" not in page
    assert _unread(engine, "n:counsel") and _unread(engine, "n:sms")  # counsel's and the SMS are not the desk's


def test_another_users_notification_cannot_be_marked(login, notes, engine):
    dept = login("dept_ziran")
    done = dept.post("/notices/read", {"id": str(notes["counsel"])})
    assert done.status_code == 303
    assert "没有需要标为已读的通知。" in dept.get("/notices").text
    assert _unread(engine, "n:counsel")
    for junk in ("abc", "²", "9" * 40):  # nothing chosen, nothing marked, no error
        assert dept.post("/notices/read", {"id": junk}).status_code == 303
    assert "未选择通知。" in dept.get("/notices").text and _unread(engine, "n:routed")


def test_marking_read_needs_the_csrf_token(login, notes, engine):
    dept = login("dept_ziran")
    assert dept.client.post("/notices/read", data={"all": "1"}).status_code == 403
    assert dept.client.post("/notices/read", data={"all": "1", "csrf_token": "forged"}).status_code == 403
    assert _unread(engine, "n:routed") and _unread(engine, "n:general")


def test_anonymous_is_sent_to_login(login, notes, engine):
    anonymous = login(None)
    for path, response in (("/notices", anonymous.get("/notices")),
                           ("/notices/read", anonymous.post("/notices/read", {"all": "1"}))):
        assert response.status_code == 303 and response.headers["location"] == f"/login?next={path}"
    assert _unread(engine, "n:routed")


# --- a real action, its workflow run, and the department reading what it was told ----------------------------


@pytest.fixture
def desk_with_engine(engine, calendar, clock, demo_hash, monkeypatch, tmp_path):
    """The desk whose actions run the case's workflow inline (workflows.trigger, as configured) on the test database."""
    monkeypatch.setenv("GONGKAI_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("GONGKAI_VAR_DIR", str(tmp_path / "var"))
    for name in ("GONGKAI_CONFIG", "GONGKAI_SMTP_URL", "GONGKAI_SMS_URL"):
        monkeypatch.delenv(name, raising=False)
    with Session(engine) as s:
        seed_demo(s, password_hash=demo_hash)
    return create_app(engine, calendar, clock, secret_key="test-secret")


def test_routing_on_the_desk_notifies_the_department_on_its_notices_page(desk_with_engine, engine, calendar):
    with Session(engine, expire_on_commit=False) as s:
        number = register_case(s, calendar, DAY)
    clerk, dept = Client(desk_with_engine, "clerk"), Client(desk_with_engine, "dept_ziran")
    assert _nav(dept.get("/inbox").text) == "通知"
    assert clerk.post(f"/cases/{number}/actions/route", {"department": "区自然资源局"}).status_code == 303

    inbox = dept.get("/inbox").text
    assert _nav(inbox).startswith("通知（1）")
    page = dept.get("/notices").text
    [row] = re.findall(r'<tr id="notice-\d+" class="unread">.*?</tr>', page, re.S)
    assert f"【{number}】交办区自然资源局，请于 2026-03-" in row and "前提交书面答复意见" in row
    link = re.search(r'href="(/cases/[^"]+)"', row).group(1)
    assert link == f"/cases/{number}" and dept.get(link).status_code == 200
    # the routing run also wrote the documents, listed by their Chinese titles
    case = clerk.get(f"/cases/{number}").text
    assert "政府信息公开申请交办单 第1版" in case and "政府信息公开申请接收回执 第1版" in case
    assert ">routing " not in case
