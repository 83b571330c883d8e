"""bench/province_bench.py works: a tiny run (the full one is run by hand, see its docstring), and the data it loads."""

from sqlalchemy import text
from sqlmodel import Session

from bench import province_bench as B
from calendars import load_calendar
from models import dashboard as D
from models import province as P
from models.db import make_engine


def test_the_loaded_province_has_its_agencies_open_cases_and_answers(tmp_path):
    size = B.Size.of(0.0003)
    engine = make_engine(f"sqlite:///{tmp_path / 'province.db'}")
    B.load(engine, size)
    calendar = load_calendar()
    with Session(engine) as s:
        count = lambda sql: s.execute(text(sql)).scalar_one()  # noqa: E731
        assert (count("SELECT count(*) FROM agency"), count("SELECT count(*) FROM application")) == (3, 3000)
        assert count("SELECT count(*) FROM application WHERE closed_on IS NULL") == 300
        assert count("SELECT count(DISTINCT agency_id) FROM application WHERE closed_on IS NULL") == 3  # every agency
        assert count("SELECT count(*) FROM application WHERE closed_on > '2026-06-15' OR receipt_date > '2026-06-15'"
                     " OR status_since > '2026-06-15' OR status_since < receipt_date") == 0
        assert count("SELECT count(*) FROM assignment a JOIN application p ON p.id = a.application_id"
                     " JOIN department d ON d.id = a.department_id WHERE d.agency_id != p.agency_id") == 0
        # what the triggers (off while loading) maintain is there as they would have made it
        assert count("SELECT count(*) FROM application a JOIN applicant p ON p.id = a.applicant_id"
                     " WHERE a.applicant_kind IS NOT p.kind") == 0
        assert count("SELECT sum(n) FROM open_case_count") == 300
        assert count("SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'application'") >= 5
        whole = P.province_dashboard(s, cutoffs=D.Cutoffs.on(B.TODAY, calendar=calendar), calendar=calendar)
        assert whole.open_total == 300 and all(line.answered for line in whole.agencies)
        assert len({c.case.status for c in whole.urgent}) > 1
    engine.dispose()


def test_a_tiny_run_prints_every_figure_beside_its_bare_sql(tmp_path, capsys):
    """SQLite only: a PostgreSQL database of its own costs the suite a CREATE DATABASE and every migration (the
    PostgreSQL path is the one the full run takes, see the bench's docstring)."""
    B.main(["--scale", "0.0003", "--runs", "1", "--sqlite-db", str(tmp_path / "smoke.db"), "--skip-pg"])
    out = capsys.readouterr().out  # whether the targets are met at this size on a shared machine is not the point
    for figure in B.TARGETS_MS:
        lines = [line for line in out.splitlines() if line.strip().startswith(figure)]
        assert len(lines) == 1
        assert len([x for x in lines[0].split() if x.replace(".", "").isdigit()]) >= 5  # p50, p95, bare p50, p95, ×bare
    assert "SQLite: 3 agencies, 3,000 applications (300 open)" in out
