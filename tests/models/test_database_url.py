"""A database URL is printed without its password: `gongkai init` and `gongkai restore` print it through display_url.

The scale-out test (tests/workflows/test_scale_out.py) runs `gongkai init` on PostgreSQL with a password and checks
the script's whole output for it.
"""

import pytest

from models.settings import display_url


@pytest.mark.parametrize("url, shown", [
    ("postgresql+psycopg://gongkai:s3cret@db.example:5432/gongkai",
     "postgresql+psycopg://gongkai:***@db.example:5432/gongkai"),
    ("postgresql+psycopg://gongkai:p%40ss%3Aw0rd@127.0.0.1/gongkai", "postgresql+psycopg://gongkai:***@127.0.0.1/gongkai"),
    ("postgresql+asyncpg://prefect:x@db/prefect?ssl=require", "postgresql+asyncpg://prefect:***@db/prefect?ssl=require"),
    ("postgresql+psycopg://gongkai@/gongkai?host=/run/postgresql", "postgresql+psycopg://gongkai@/gongkai?host=%2Frun%2Fpostgresql"),
    ("sqlite:////srv/gongkai/var/gongkai.db", "sqlite:////srv/gongkai/var/gongkai.db"),
    ("not a url with secret", "not a url with secret://***"),
], ids=["password", "escaped-password", "query-kept", "no-password", "sqlite-path", "unreadable"])
def test_a_database_url_is_shown_without_its_password(url, shown):
    assert display_url(url) == shown

