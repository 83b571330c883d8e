"""The year's first 文号, issued by two transactions at once (the numbering of models.actions.allocate_doc_number).

The first issue of a year creates the year's counter row. Before, a second transaction that came while the first
had not committed found no row to bump, made its own and collided: on PostgreSQL both issues wanted 〔2027〕1号 and
one failed on the duplicate key. The same test runs on PostgreSQL (tests/postgres) and here on SQLite.
"""

import threading
from datetime import date

from sqlmodel import Session, select

from models.actions import allocate_doc_number
from models.tables import Agency
from tests.factories import ctx


def test_two_issues_of_the_years_first_doc_number_at_once_get_1_and_2(engine, calendar):
    with Session(engine, expire_on_commit=False) as s:
        ctx(s, calendar, None, date(2027, 1, 4))  # the demo agency
        agency = s.exec(select(Agency)).first()
        s.commit()
    day = date(2027, 1, 4)
    issued: dict[str, object] = {}

    def second_issue():
        try:
            with Session(engine) as s:
                issued["second"] = allocate_doc_number(ctx(s, calendar, None, day), agency, 2027)
                s.commit()
        except Exception as error:  # reported by the assertion below
            issued["second"] = error

    with Session(engine) as first:
        issued["first"] = allocate_doc_number(ctx(first, calendar, None, day), agency, 2027)
        other = threading.Thread(target=second_issue)
        other.start()
        other.join(1.0)  # it waits for the first issue's transaction
        first.commit()
    other.join(30)
    prefix = agency.doc_number_prefix
    assert issued == {"first": f"{prefix}〔2027〕1号", "second": f"{prefix}〔2027〕2号"}
