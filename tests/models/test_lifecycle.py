"""Every allowed and forbidden transition, the role checks, and the guard that only the lifecycle writes a status."""

import re
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import Session, select

from models import lifecycle
from models.diagram import DOC, document
from models.enums import Role, Status
from models.errors import RoleNotAllowed, TransitionNotAllowed
from models.tables import Application, Event, User
from tests.factories import at, register_case

PAIRS = [(t, s) for t in lifecycle.TRANSITIONS for s in Status]


def _user(role) -> User | None:
    return None if role == lifecycle.SYSTEM else User(id=1, username="u", full_name="某人", role=role, agency_id=1)


def _app(status: Status) -> Application:
    return Application(number="2026-000001", status=status)


@pytest.mark.parametrize("transition,status", PAIRS, ids=[f"{t.action}-from-{s.value}" for t, s in PAIRS])
def test_a_transition_is_allowed_exactly_from_its_source_states(transition, status):
    actor = _user(sorted(transition.roles, key=str)[0])
    if status in transition.sources:
        assert lifecycle.check(_app(status), transition.action, actor) is transition
    else:
        with pytest.raises(TransitionNotAllowed) as err:
            lifecycle.check(_app(status), transition.action, actor)
        assert "不能执行" in err.value.message_zh


ROLE_PAIRS = [(t, r) for t in lifecycle.TRANSITIONS for r in [*Role, lifecycle.SYSTEM] if r not in t.roles]


@pytest.mark.parametrize("transition,role", ROLE_PAIRS, ids=[f"{t.action}-by-{r}" for t, r in ROLE_PAIRS])
def test_a_role_outside_the_transition_is_refused(transition, role):
    status = sorted(transition.sources)[0]
    with pytest.raises(RoleNotAllowed) as err:
        lifecycle.check(_app(status), transition.action, _user(role))
    assert "无权" in err.value.message_zh


def test_every_state_is_reachable_and_every_open_state_can_move_on():
    reachable = set(lifecycle.ADMITTED)  # registered by a clerk, or submitted online and awaiting confirmation
    for _ in Status:
        for t in lifecycle.TRANSITIONS:
            if t.sources & reachable and t.target != lifecycle.RESUME:
                reachable.add(Status(t.target))
    assert reachable == set(Status)
    stuck = [s for s in Status if s not in lifecycle.TERMINAL and not lifecycle.allowed_actions(s)]
    assert stuck == []


def test_a_status_written_outside_the_lifecycle_is_refused_at_flush(session, calendar):
    number = register_case(session, calendar)
    app = session.exec(select(Application).where(Application.number == number)).one()
    app.status = Status.approved
    session.add(app)
    with pytest.raises(RuntimeError, match="outside models.lifecycle"):
        session.flush()


def test_no_module_but_the_lifecycle_assigns_an_application_status():
    root = Path(__file__).resolve().parents[2]
    pattern = re.compile(r"\b(app|application)\.status\s*=[^=]")
    offenders = [str(p.relative_to(root)) for folder in ("models", "workflows", "interfaces", "notices")
                 for p in (root / folder).rglob("*.py")
                 if p.name != "lifecycle.py" and pattern.search(p.read_text(encoding="utf-8"))]
    assert offenders == []


def test_a_transition_writes_its_event_with_before_and_after_and_survives_a_reload(engine, calendar):
    with Session(engine) as session:
        number = register_case(session, calendar)
        app = session.exec(select(Application).where(Application.number == number)).one()
        clerk = session.exec(select(User).where(User.username == "clerk")).one()
        lifecycle.apply(session, app, "start_drafting", actor=clerk, now=at(date(2026, 3, 3)))
        session.commit()
    with Session(engine) as session:
        app = session.exec(select(Application).where(Application.number == number)).one()
        events = session.exec(select(Event).where(Event.application_id == app.id).order_by(Event.id)).all()
    assert app.status == Status.drafting
    assert [(e.action, e.from_status, e.to_status) for e in events] == [
        ("register", None, Status.registered), ("start_drafting", Status.registered, Status.drafting)]
    assert events[1].at.utcoffset().total_seconds() == 8 * 3600


def test_the_lifecycle_document_is_generated_from_the_code():
    assert DOC.read_text(encoding="utf-8") == document(), "run: python -m models.diagram"
