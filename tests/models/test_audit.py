"""The event log is hash-chained and append-only: every writer chains, concurrent writers never fork, the
database refuses to change an event, a migration chains what was there before, and archive paths stay home."""

import threading
from datetime import date
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlmodel import Session, select

from models import audit
from models.archive import ArchivePackage, build_package, package_path, verify_package
from models.audit_verify import verify
from models.db import _alembic_config
from models.demo import seed_demo
from models.enums import Status
from models.errors import GuardFailed, ImportLineError
from models.outbox import Notice, enqueue
from models.queries import application_by_number
from models.tables import Application, Event
from models.transfer import import_jsonl
from tests import factories as F
from tests.models.test_transfer import line

MON = date(2026, 3, 2)


def events(session) -> list[Event]:
    session.expire_all()
    return list(session.exec(select(Event).order_by(Event.id)))


def assert_linked(found: list[Event]) -> None:
    """Each event names the previous one of its case and of the installation, and its own hash is right."""
    previous, case_last = None, {}
    cases = {}
    for e in found:
        assert e.prev_log_sha256 == previous, e.id
        assert e.prev_case_sha256 == case_last.get(e.application_id), e.id
        previous = case_last[e.application_id] = e.sha256
        cases.setdefault(e.application_id, 0)
        cases[e.application_id] += 1
    assert len({e.sha256 for e in found}) == len(found)


def test_every_event_is_chained_in_its_case_and_across_the_installation(session, calendar, tmp_path):
    first = F.register_case(session, calendar, MON)
    second = F.register_case(session, calendar, MON)
    F.advance(session, calendar, first, Status.approved)
    F.advance(session, calendar, second, Status.routed)
    found = events(session)
    assert len(found) >= 8 and all(e.sha256 for e in found)
    assert_linked(found)
    head = session.get(audit.AuditHead, audit.HEAD_ID)
    assert (head.events, head.sha256) == (len(found), found[-1].sha256)
    assert verify(session, var_dir=tmp_path).ok


def test_the_hash_covers_the_case_the_actor_the_time_and_the_data(session, calendar):
    number = F.register_case(session, calendar, MON)
    [event] = events(session)
    app = application_by_number(session, number)
    fields = audit.event_content(event, audit.case_key(app.agency_id, app.number))
    assert audit.digest(fields, prev_case=None, prev_log=None) == event.sha256
    for name, forged in [("actor_name", "王五"), ("actor_id", event.actor_id + 1), ("action", "archive"),
                         ("data", {"x": 1}), ("case", audit.case_key(app.agency_id + 1, app.number)),
                         ("at", "2026-03-02T02:00:00.000001Z")]:
        assert audit.digest(dict(fields, **{name: forged}), prev_case=None, prev_log=None) != event.sha256, name


@pytest.mark.parametrize("statement", [
    "UPDATE event SET actor_name = '王五'",
    "DELETE FROM event",
    "UPDATE audit_head SET events = 0",
    "DELETE FROM audit_head",
], ids=["update-event", "delete-event", "rewind-head", "delete-head"])
def test_the_database_refuses_to_change_or_delete_an_event(engine, session, calendar, statement):
    F.register_case(session, calendar, MON)
    with pytest.raises(DBAPIError, match="append-only|only moves forward|cannot be deleted"):
        with engine.begin() as c:
            c.execute(text(statement))
    assert verify(session, var_dir=Path("unused")).ok


def test_without_its_head_the_chain_refuses_new_events_and_verify_says_why(engine, session, calendar, tmp_path):
    F.register_case(session, calendar, MON)
    with engine.begin() as c:  # as an attacker would: the trigger first
        c.execute(text("DROP TRIGGER audit_head_no_delete" if engine.dialect.name == "sqlite" else
                       "ALTER TABLE audit_head DISABLE TRIGGER USER"))
        c.execute(text("DELETE FROM audit_head"))
    with pytest.raises(GuardFailed) as err:
        F.register_case(session, calendar, MON)
    assert err.value.message_zh.startswith("审计链头记录（audit_head）缺失，已拒绝写入事件")
    assert len(events(session)) == 1
    assert verify(session, var_dir=tmp_path).lines() == ["全局链：链头记录（audit_head）不存在：被删除。"]


def test_two_events_can_never_name_the_same_previous_event(engine, session, calendar):
    """The unique index refuses a fork even from a writer that bypassed models.audit."""
    F.register_case(session, calendar, MON)
    F.register_case(session, calendar, MON)
    [_, second] = events(session)
    with pytest.raises(IntegrityError):
        with engine.begin() as c:
            c.execute(text("INSERT INTO event (application_id, action, actor_name, at, data, sha256, prev_log_sha256) "
                           "VALUES (:a, 'notify', '系统', :at, '{}', :h, :p)"),
                      {"a": second.application_id, "at": second.at.replace(tzinfo=None), "h": "f" * 64,
                       "p": second.prev_log_sha256})


def test_an_import_is_chained_like_every_other_writer(session, calendar, tmp_path):
    F.register_case(session, calendar, MON)
    import_jsonl(session, [line(number="2021-000001"), line(number="2021-000002")], now=F.at(MON), calendar=calendar)
    F.register_case(session, calendar, MON)
    found = events(session)
    assert [e.action for e in found] == ["register", "import", "import", "register"]
    assert_linked(found)
    assert verify(session, var_dir=tmp_path).ok


def test_concurrent_writers_never_link_to_the_same_previous_event(engine, session, calendar, tmp_path):
    """Eight sessions register cases and queue notices on one shared case at once: one chain, no fork."""
    shared = F.register_case(session, calendar, MON)
    writers, rounds = 8, 5
    barrier, failures = threading.Barrier(writers), []

    def write(worker: int) -> None:
        try:
            with Session(engine, expire_on_commit=False) as s:
                barrier.wait()
                for k in range(rounds):
                    F.register_case(s, calendar, MON)
                    enqueue(s, application_by_number(s, shared),
                            Notice(key=f"test:{worker}:{k}", kind="test", recipient="clerk", subject="并发"),
                            now=F.at(MON))
        except Exception as exc:  # reported below: a thread's exception would otherwise vanish
            failures.append(exc)

    threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    found = events(session)
    assert len(found) == 1 + 2 * writers * rounds
    assert len({e.prev_log_sha256 for e in found}) == len(found)  # nobody links to an event twice
    assert_linked(found)
    report = verify(session, var_dir=tmp_path)
    assert report.ok, report.lines()
    print(f"\nconcurrent writers: {writers}, events: {len(found)}, forks: 0")


def test_the_migration_chains_existing_events_as_they_were_written(engine, session, calendar, tmp_path, monkeypatch):
    """Down to the schema before the chain, locations made absolute as they were; up again: the same hashes."""
    from workflows.engine import archive_case

    monkeypatch.setenv("GONGKAI_VAR_DIR", str(tmp_path))
    number = F.register_case(session, calendar, MON)
    F.advance(session, calendar, number, Status.delivered)
    archive_case(session, F.case(session, number), now=F.at(MON, 12), var_dir=tmp_path)
    F.advance(session, calendar, F.register_case(session, calendar, MON), Status.routed)
    written = [(e.id, e.sha256) for e in events(session)]
    location = session.exec(select(ArchivePackage.location)).one()
    session.close()

    config = _alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0006")
    with engine.begin() as c:  # as archive_case wrote them before: absolute paths under the var dir
        absolute = str(tmp_path / location)
        c.execute(text("UPDATE archive_package SET location = :l"), {"l": absolute})
        c.execute(text("UPDATE event SET data = json_set(data, '$.location', :l) WHERE action = 'archive'")
                  if engine.dialect.name == "sqlite" else
                  text("UPDATE event SET data = jsonb_set(data::jsonb, '{location}', to_jsonb(CAST(:l AS text)))::json "
                       "WHERE action = 'archive'"), {"l": absolute})
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "heads")

    with Session(engine) as s:
        assert [(e.id, e.sha256) for e in events(s)] == written
        assert s.exec(select(ArchivePackage.location)).one() == location
        report = verify(s, var_dir=tmp_path)
        assert report.ok, report.lines()


# --- paths built from data stay inside the archive root --------------------------------------------------------


def test_an_imported_number_that_climbs_out_of_the_archive_is_refused_with_its_line(session, calendar):
    seed_demo(session)
    before = session.exec(select(Application)).all()
    with pytest.raises(ImportLineError) as err:
        import_jsonl(session, [line(), line(number="../../../../outside/ESCAPED")], now=F.at(MON), calendar=calendar)
    assert err.value.line == 2
    assert err.value.message_zh.startswith("第2行：申请编号「../../../../outside/ESCAPED」格式不正确")
    assert session.exec(select(Application)).all() == before


def test_archiving_refuses_a_number_that_would_leave_the_archive_root(engine, session, calendar, tmp_path):
    number = F.register_case(session, calendar, MON)
    F.advance(session, calendar, number, Status.delivered)
    with engine.begin() as c:  # a row written before numbers were checked, or by hand
        c.execute(text("UPDATE application SET number = '../../../../ESCAPED'"))  # 20 characters at most
    session.expire_all()
    [app] = session.exec(select(Application)).all()
    with pytest.raises(GuardFailed) as err:
        build_package(session, app, var_dir=tmp_path / "var")
    assert "不能用作归档路径" in err.value.message_zh
    assert list(tmp_path.rglob("*.json")) == []


def test_archiving_refuses_a_folder_that_leads_outside_the_root(session, calendar, tmp_path):
    """A link planted inside the archive root does not carry the package outside it."""
    number = F.register_case(session, calendar, MON)
    F.advance(session, calendar, number, Status.delivered)
    app = application_by_number(session, number)
    outside = tmp_path / "outside"
    outside.mkdir()
    (tmp_path / "var" / "archive").mkdir(parents=True)
    (tmp_path / "var" / "archive" / str(app.agency_id)).symlink_to(outside)
    with pytest.raises(GuardFailed) as err:
        build_package(session, app, var_dir=tmp_path / "var")
    assert "不在归档根目录" in err.value.message_zh
    assert list(outside.iterdir()) == []


@pytest.mark.parametrize("location", ["../outside", "/etc", "archive/../../outside"], ids=["up", "absolute", "climb"])
def test_a_stored_location_outside_the_archive_root_is_never_read(tmp_path, location):
    with pytest.raises(GuardFailed):
        package_path(tmp_path, location)
    assert verify_package(location, "0" * 64, var_dir=tmp_path)[0].startswith("归档位置")
