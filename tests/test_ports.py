"""Ports are options everywhere: no Prefect port is written into the code, the scripts, prefect.yaml or the docs.

`gongkai up --prefect-port` and `scripts/scale-out-demo --prefect-port` take one; without it they use Prefect's own
setting (PREFECT_SERVER_API_PORT). A port written into a file is a second installation's collision waiting to happen.
"""

import re

from tests.conftest import REPOSITORY

PREFECT_DEFAULT_PORT = re.compile(r"(?<!\d)4200(?!\d)")
WHERE = ("calendars", "models", "notices", "workflows", "interfaces", "bench", "scripts", "docs")


def test_no_file_of_the_product_names_prefects_default_port():
    files = [REPOSITORY / "prefect.yaml", REPOSITORY / "README.md"]
    files += [p for top in WHERE for p in (REPOSITORY / top).rglob("*") if p.is_file() and p.suffix != ".pyc"]
    named = [str(p.relative_to(REPOSITORY)) for p in files
             if PREFECT_DEFAULT_PORT.search(p.read_text("utf-8", errors="ignore"))]
    assert named == []


def test_gongkai_up_takes_prefects_own_port_setting_when_none_is_given(monkeypatch):
    from interfaces.cli.up_cmd import default_prefect_port

    monkeypatch.setenv("PREFECT_SERVER_API_PORT", "4311")
    assert default_prefect_port() == 4311
