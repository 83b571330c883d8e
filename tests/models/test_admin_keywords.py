"""易诉 keywords: one list per agency, 强拆 among the defaults, edited only by the admin, every change audited."""

from datetime import date

import pytest
from sqlalchemy import text
from sqlmodel import select

from models.admin import add_agency, admin_history, set_litigation_keywords
from models.demo import DEMO_AGENCY
from models.errors import RoleNotAllowed, ValidationFailed
from models.queries import agency_by_name
from models.registration import litigation_keywords, litigation_prone_by_keywords, register
from models.tables import AdminEvent
from tests.factories import application_in, ctx

DAY = date(2026, 3, 2)


def test_forced_demolition_is_litigation_prone_by_default(session, calendar):
    done = register(ctx(session, calendar, "clerk", DAY), application_in(DAY, request_text="请公开对我家房屋实施强拆的决定书"))
    assert done.litigation_prone


def test_the_admin_adds_a_keyword_for_the_agency_and_the_change_is_audited(session, calendar):
    after = set_litigation_keywords(ctx(session, calendar, "admin", DAY), agency=DEMO_AGENCY, add=["违建"])
    agency = agency_by_name(session, DEMO_AGENCY)
    assert after[-1] == "违建" and litigation_prone_by_keywords(agency, "请公开违建认定书")
    done = register(ctx(session, calendar, "clerk", DAY), application_in(DAY, request_text="请公开我村违建认定书"))
    assert done.litigation_prone
    (event,) = admin_history(session, agency=DEMO_AGENCY)
    assert (event.action, event.actor_name) == ("set_litigation_prone_keywords", "系统管理员")
    assert event.data == {"before": after[:-1], "after": after}


def test_each_agency_keeps_its_own_list(session, calendar):
    ctx(session, calendar, None, DAY)
    add_agency(session, name="示范区某某街道办事处")
    set_litigation_keywords(ctx(session, calendar, "admin", DAY), agency="示范区某某街道办事处",
                            keywords=["征收", "棚改"])
    assert litigation_keywords(agency_by_name(session, "示范区某某街道办事处")) == ["征收", "棚改"]
    assert "强拆" in litigation_keywords(agency_by_name(session, DEMO_AGENCY))


@pytest.mark.parametrize("user,change,error,words", [
    ("clerk", dict(add=["违建"]), RoleNotAllowed, "只有系统管理员"),
    ("head", dict(add=["违建"]), RoleNotAllowed, "只有系统管理员"),
    ("admin", dict(add=["强拆"]), ValidationFailed, "已在"),
    ("admin", dict(remove=["棚改"]), ValidationFailed, "没有「棚改」"),
    ("admin", dict(keywords=[]), ValidationFailed, "至少保留一个"),
    ("admin", dict(add=["征地 拆迁"]), ValidationFailed, "不含逗号"),
    ("admin", dict(add=["拆" * 21]), ValidationFailed, "1至20个字"),
], ids=["clerk", "office-head", "duplicate", "remove-absent", "empty", "separator-inside", "too-long"])
def test_a_refused_change_leaves_the_list_and_the_audit_unchanged(session, calendar, user, change, error, words):
    with pytest.raises(error) as err:
        set_litigation_keywords(ctx(session, calendar, user, DAY), agency=DEMO_AGENCY, **change)
    assert words in err.value.message_zh
    assert "强拆" in litigation_keywords(agency_by_name(session, DEMO_AGENCY))
    assert session.exec(select(AdminEvent)).all() == []


def test_a_list_typed_with_chinese_separators_is_read_word_by_word(session, calendar):
    ctx(session, calendar, None, DAY)  # seeds the demo agency
    agency = agency_by_name(session, DEMO_AGENCY)
    agency.litigation_prone_keywords = "征地、拆迁，强拆；补偿安置"
    assert litigation_keywords(agency) == ["征地", "拆迁", "强拆", "补偿安置"]


def test_the_migration_adds_forced_demolition_only_to_the_shipped_list(engine):
    from alembic import command

    from models.db import _alembic_config, migrate

    config = _alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0006")
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO agency (name, disclosure_office, address, phone, reconsideration_body, court,"
                                " doc_number_prefix, seal_text, retention_years, supplement_days, repeat_window_days,"
                                " outcome_precedence, litigation_prone_keywords) VALUES"
                                " ('甲区人民政府', '', '', '', '', '', '', '', 30, 15, 365, '', '征地,征收,拆迁,拆除,补偿安置,土地'),"
                                " ('乙区人民政府', '', '', '', '', '', '', '', 30, 15, 365, '', '征地,棚改')"))
    migrate(engine)
    with engine.connect() as connection:
        lists = dict(connection.execute(text("SELECT name, litigation_prone_keywords FROM agency")).all())
    assert lists == {"甲区人民政府": "征地,征收,拆迁,拆除,强拆,补偿安置,土地", "乙区人民政府": "征地,棚改"}
