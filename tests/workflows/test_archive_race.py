"""Two runs archive one case at once: under `gongkai up` every action triggers a run, and a late run of 寄送
(dispatch) meets the run of 送达 (delivery) at the archive step. Found by tests/e2e: the package on disk was
the loser's rebuild while the case recorded the winner's manifest, so `gongkai archive verify` failed."""

import threading
from datetime import date

from sqlmodel import Session

from models import archive as dossier
from models.archive import package_of, verify_package
from models.enums import Status
from models.queries import application_of
from tests import factories as F
from workflows import engine

WED = date(2026, 3, 4)


def test_two_runs_archiving_one_case_at_once_leave_the_package_the_case_records(app_db, calendar, monkeypatch, tmp_path):
    with Session(app_db, expire_on_commit=False) as s:
        number = F.register_case(s, calendar)
        F.advance(s, calendar, number, Status.delivered, day=WED)
        case = F.case(s, number)
    var_dir = tmp_path / "var"
    build, y_building, x_done = dossier.build_package, threading.Event(), threading.Event()

    def build_slowly(session, app, *, var_dir):
        """Run Y has read the case as delivered; run X archives it before Y writes its dossier."""
        if threading.current_thread().name == "run-Y":
            y_building.set()
            x_done.wait(2)  # with the fix X cannot archive meanwhile: it waits for Y, and this times out
        return build(session, app, var_dir=var_dir)

    monkeypatch.setattr(dossier, "build_package", build_slowly)
    errors = []

    def run(after=None):
        with engine.session(app_db) as s:
            for _ in range(2):  # the archive task is retried (workflows.flows.DB_RETRIES)
                try:
                    engine.archive_case(s, case, now=F.at(WED), var_dir=var_dir)
                    break
                except Exception as exc:  # noqa: BLE001 (a Prefect task retries on any exception)
                    errors.append(exc)
                    s.rollback()
        if after:
            after.set()

    y = threading.Thread(target=run, name="run-Y")
    y.start()
    assert y_building.wait(10)
    x = threading.Thread(target=run, args=(x_done,), name="run-X")
    x.start()
    x.join(30)
    y.join(30)

    with Session(app_db) as s:
        app = application_of(s, case)
        package = package_of(s, app)
        assert Status(app.status) == Status.archived
    assert verify_package(package.location, package.manifest_sha256, var_dir=var_dir) == [], errors
    assert errors == []  # the second run waited for the first, then found the case archived and its package recorded
