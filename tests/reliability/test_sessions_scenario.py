"""Issue 13's login attacks replayed against the in-process desk, with the figures printed.

A guesser sends 90 wrong passwords for `head`, each with a new X-Forwarded-For (the desk trusts no proxy);
then the real `head` tries the right password. Nine staff log in and keep a copy of their cookie; then six
sessions end the ways issue 13 lists (logout, role change, password change, deactivation) and every saved
cookie is replayed.
"""

from collections import Counter

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from interfaces.web.security import COOKIE
from models.demo import DEMO_PASSWORD
from models.enums import Role
from models.passwords import hash_password
from models.tables import AdminEvent, User
from tests.web.conftest import clock, csrf_of, demo_hash, desk, login  # noqa: F401 (the desk's fixtures)


def _try(client, username, password, **headers):
    csrf = csrf_of(client.get("/login").text)
    return client.post("/login", data={"username": username, "password": password, "csrf_token": csrf},
                       headers=headers).status_code


def _change(engine, username, **values):
    with Session(engine) as s:
        user = s.exec(select(User).where(User.username == username)).one()
        for name, value in values.items():
            setattr(user, name, value)
        s.add(user)
        s.commit()


def test_guessing_is_locked_out_and_ended_sessions_stay_ended(desk, login, engine):
    guesser = TestClient(desk, follow_redirects=False)
    addresses = [f"198.51.100.{i}" for i in range(90)]
    answers = Counter(_try(guesser, "head", f"guess-{i}", **{"X-Forwarded-For": address})
                      for i, address in enumerate(addresses))
    real_head = _try(TestClient(desk, follow_redirects=False), "head", DEMO_PASSWORD)
    with Session(engine) as s:
        locks = s.exec(select(AdminEvent).where(AdminEvent.action == "lock_user")).all()
    assert answers == {401: 9, 423: 81} and real_head == 423 and len(locks) == 1

    staff = ["clerk", "dept_ziran", "dept_zhujian", "counsel", "gov_counsel", "leader", "supervisor", "admin"]
    desks = {username: login(username) for username in staff}
    saved = {username: d.client.cookies.get(COOKIE) for username, d in desks.items()}
    desks["clerk"].post("/logout")
    desks["dept_ziran"].post("/logout")
    _change(engine, "counsel", role=Role.clerk)
    _change(engine, "gov_counsel", password_hash=hash_password("changed-password-2026"))
    _change(engine, "leader", active=False)
    _change(engine, "dept_zhujian", role=Role.supervisor, department_id=None)
    ended = ["clerk", "dept_ziran", "counsel", "gov_counsel", "leader", "dept_zhujian"]
    replayed = {username: TestClient(desk, follow_redirects=False, cookies={COOKIE: cookie}).get("/notices").status_code
                for username, cookie in saved.items()}
    refused = [u for u in ended if replayed[u] == 303]
    kept = [u for u in staff if u not in ended and replayed[u] == 200]
    print(f"\nlogins: wrong passwords tried {sum(answers.values())} from {len(set(addresses))} forwarded "
          f"addresses, refused as wrong {answers[401]}, refused as locked {answers[423]}, accounts locked "
          f"{len(locks)}, right password while locked opened: {int(real_head == 303)}; "
          f"sessions: ended {len(ended)}, saved cookies replayed {len(ended)}, refused {len(refused)}, "
          f"accepted {len(ended) - len(refused)}; untouched sessions still working {len(kept)}/{len(staff) - len(ended)}")
    assert refused == ended and len(kept) == len(staff) - len(ended)
