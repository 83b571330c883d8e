from datetime import date

from models.enums import Status
from models.queries import application_by_number
from tests.factories import advance, register_case


def test_a_registered_case_can_be_driven_to_every_gate_of_the_happy_path(session, calendar):
    number = register_case(session, calendar)
    advance(session, calendar, number, Status.archived)
    assert application_by_number(session, number).status == Status.archived
