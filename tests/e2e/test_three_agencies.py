"""Done when (issue 11 §3): three agencies in one installation whose numbers collide, on one running stack:
every action, the public status page, reconcile and the archive find each agency's own case."""

import json
import re
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import pytest
from sqlmodel import select

from models.tables import SHANGHAI, Agency, Application
from tests.e2e.walk import Actors, Browser, csrf_of, walk

pytestmark = pytest.mark.slow

PASSWORD = "agency-e2e-pass"
OTHERS = {  # two more district governments, set up as their administrator would, with the CLI
    "乙区人民政府": ("yi", "乙市人民政府", "乙市中级人民法院", "乙政公开"),
    "丙区人民政府": ("bing", "丙市人民政府", "丙市中级人民法院", "丙政公开"),
}
ROLES = (("clerk", "clerk", "经办"), ("dept", "department_handler", "承办"), ("counsel", "legal_counsel", "律师"),
         ("head", "office_head", "主任"))


def add_agency(stack, name: str, prefix: str, reconsideration: str, court: str, doc_prefix: str) -> Actors:
    stack.cli("agency", "add", name, "--reconsideration-body", reconsideration, "--court", court,
              "--doc-number-prefix", doc_prefix, "--disclosure-office", f"{name}办公室", "--address", f"{name}人民路1号",
              "--phone", "0539-8000000", "--seal-text", name)
    stack.cli("department", "add", name, "区自然资源局")
    stack.cli("agency", "certificate", name, "--demo")  # replies are signed with the agency's own certificate
    for suffix, role, title in ROLES:
        extra = ["--department", "区自然资源局"] if role == "department_handler" else []
        stack.cli("user", "add", f"{prefix}_{suffix}", f"{name[0]}{title}", "--role", role, "--agency", name,
                  "--password", PASSWORD, *extra)
    return Actors(agency=name, clerk=f"{prefix}_clerk", handler=f"{prefix}_dept", counsel=f"{prefix}_counsel",
                  head=f"{prefix}_head", password=PASSWORD)


def holders_of(stack, number: str) -> dict[str, tuple[int, str]]:
    """Agency name → (agency id, query code) of every case with this number."""
    with stack.session() as s:
        rows = s.exec(select(Agency.name, Agency.id, Application.query_code).join(Application)
                      .where(Application.number == number)).all()
    return {name: (agency_id, code) for name, agency_id, code in rows}


def status_of(stack, number: str, code: str) -> tuple[int, str]:
    """The public status page, as an applicant uses it: number and query code, no login."""
    public = Browser(stack)
    try:
        page = public.get_page("/status")
        r = public.client.post("/status", data={"csrf_token": csrf_of(page), "number": number, "query_code": code})
        found = re.search(r"<dt>受理机关</dt><dd id=\"agency\">([^<]+)</dd>", r.text)
        return r.status_code, found.group(1) if found else ""
    finally:
        public.close()


def test_three_agencies_with_colliding_numbers_each_find_their_own_case(stack_a):
    def set_up_and_walk(agency: str | None) -> tuple[Actors, object]:
        actors = add_agency(stack_a, agency, *OTHERS[agency]) if agency else Actors()
        return actors, walk(stack_a, actors, through_prefect=True)

    first = f"{datetime.now(SHANGHAI).year}-000001"
    # The demo agency's first case is usually the walk of test_one_case (which runs before this file); on its own,
    # this test walks one there too. The new agencies' cases are walked at once, through the same Prefect.
    walk_demo = not holders_of(stack_a, first)
    with ThreadPoolExecutor(3) as pool:
        actors, walked = zip(*pool.map(set_up_and_walk, [*OTHERS, *([None] if walk_demo else [])]))
    actors = (*actors, *([] if walk_demo else [Actors()]))

    assert [w.number for w in walked[:2]] == [first, first]  # each new agency counts from 000001
    assert len({w.key for w in walked}) == len(walked) and len({w.agency_id for w in walked}) == len(walked)
    holders = holders_of(stack_a, first)
    assert set(holders) == {a.agency for a in actors}  # three agencies, one number

    for agency, (_, code) in holders.items():  # one number, three cases: the query code finds the applicant's own
        assert status_of(stack_a, first, code) == (200, agency)
    for a, w in zip(actors, walked):
        assert status_of(stack_a, w.number, w.query_code) == (200, a.agency)
    assert status_of(stack_a, first, "WRONG123")[0] == 404

    # Crash recovery runs over every agency, stopping at none. Under load a trigger whose delivery timed out on our
    # side (the run was made) is delivered again, harmlessly, by the first pass; a second pass finds nothing left.
    assert re.fullmatch(r"已补办 \d+ 件。", stack_a.cli("flow", "reconcile").stdout.strip())
    reconciled = stack_a.cli("flow", "reconcile")
    assert reconciled.stdout.strip() == "已补办 0 件。", reconciled.stdout

    for agency, (agency_id, _) in holders.items():  # one number, three packages: each in its own agency's folder
        package = stack_a.var / "archive" / str(agency_id) / first
        assert json.loads((package / "application.json").read_text("utf-8"))["application"]["agency_id"] == agency_id
        verified = stack_a.cli("archive", "verify", first, "--agency", agency).stdout
        assert "✓" in verified and f"archive/{agency_id}/{first}" in verified, verified  # relative to the var dir
