"""A scripted desk: human actions through models.actions, each followed by the case's next flow run."""

from datetime import date

from sqlmodel import Session, select

from models.enums import Status
from models.identity import CaseRef
from models.queries import application_by_number
from models.tables import Event
from tests import factories as F
from prefect import tags

from workflows.engine import label_of
from workflows.trigger import needs_run


class Desk:
    """Acts as the users of the demo agency; `runs` counts the advance_case runs of each case."""

    def __init__(self, engine, calendar, flow):
        self.engine, self.calendar, self.flow = engine, calendar, flow
        self.runs: dict[str, list[str]] = {}

    def session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    def register(self, day: date, **overrides) -> str:
        with self.session() as s:
            number = F.register_case(s, self.calendar, day, **overrides)
        self.advance(number, "register", day)
        return number

    def act(self, user: str | None, fn, number: str, day: date, **kwargs):
        with self.session() as s:
            done = fn(F.ctx(s, self.calendar, user, day), number, **kwargs)
        if needs_run(fn.__name__):
            self.advance(number, fn.__name__, day)
        return done

    def case(self, number: str) -> CaseRef:
        with self.session() as s:
            return F.case(s, number)

    def advance(self, number: str, action: str, day: date) -> str:
        label = label_of(action)
        self.runs.setdefault(number, []).append(label)
        case = self.case(number)
        with tags(f"case:{case.key}", "gongkai"):
            return self.flow(agency_id=case.agency_id, number=number, after=label, now=F.at(day, 11))

    def status(self, number: str) -> Status:
        with self.session() as s:
            return Status(application_by_number(s, number).status)

    def events(self, number: str) -> list[Event]:
        with self.session() as s:
            app = application_by_number(s, number)
            return list(s.exec(select(Event).where(Event.application_id == app.id).order_by(Event.id)))
