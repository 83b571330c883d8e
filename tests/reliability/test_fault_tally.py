"""bench/faults_bench.py counts, per case, what is lost and what is duplicated: the counting itself, tested.

A case walked by bench/scaleout.py's driver (the `gongkai` CLI in-process, steps inline) is complete; then each
kind of damage a fault could leave is made by hand and must be counted as lost or duplicated, nothing else.
"""

from collections import Counter
import pytest
from sqlalchemy import text
from sqlmodel import Session

from bench import scaleout


@pytest.fixture
def walked(engine, tmp_path, monkeypatch):
    """One demo case from registration to archive, through the same driver as the scale-out and fault benches."""
    monkeypatch.setenv("GONGKAI_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("GONGKAI_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("GONGKAI_ENGINE", "inline")
    cli = scaleout.Cli()
    cli("init", "--demo")
    number = cli.register(0)
    scaleout.walk(cli, [number])
    return engine, number


def counted(engine, number, **kw) -> scaleout.Tally:
    from models.settings import Settings

    with Session(engine) as s:
        return scaleout.tally(s, [number], var_dir=Settings.load().var_dir, **kw)


def test_a_case_walked_to_archive_is_complete_with_nothing_lost_or_duplicated(walked):
    engine, number = walked
    t = counted(engine, number, gateway=Counter({f"1/{number}:receipt": 1}))
    assert (t.complete, t.ok, t.line()) == (1, True, "cases: 1  complete: 1  lost: 0  duplicated: 0"), t.problems


def test_each_kind_of_damage_a_fault_could_leave_is_counted_as_lost_or_duplicated(walked):
    engine, number = walked
    from models.settings import Settings

    t = counted(engine, number, gateway=Counter({f"1/{number}:receipt": 2}))  # the gateway got the receipt SMS twice
    assert (t.duplicated, t.lost, t.complete) == (Counter({"notifications": 1}), Counter(), 0)

    (Settings.load().var_dir / "archive" / "1" / f"{number}-copy").mkdir()  # a second package folder
    assert counted(engine, number).duplicated == Counter({"archive packages": 1})

    with engine.begin() as c:  # the receipt is gone and the routing slip is there twice
        c.execute(text("UPDATE document SET kind = 'routing', version = 2 WHERE kind = 'receipt'"))
    t = counted(engine, number)
    assert t.duplicated == Counter({"documents": 1, "archive packages": 1}) and t.lost == Counter({"documents": 1})
