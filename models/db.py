"""Engine, sessions and schema migrations (Alembic): the data outlives the code."""

from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine

import models.lifecycle  # noqa: F401  (installs the guard: only the lifecycle writes a status)
from models.settings import Settings

MIGRATIONS = Path(__file__).with_name("migrations")


def make_engine(url: str) -> Engine:
    """An engine; SQLite gets foreign keys, WAL and a busy timeout so that the desk and the flows can share it."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


@lru_cache(maxsize=8)
def engine_for(url: str) -> Engine:
    return make_engine(url)


def default_engine() -> Engine:
    return engine_for(Settings.load().database_url)


@contextmanager
def session_scope(engine: Engine | None = None):
    """A session for one unit of work; the domain actions open their own transaction inside it."""
    with Session(engine or default_engine(), expire_on_commit=False) as session:
        yield session


def require_current_schema(engine: Engine) -> None:
    """Refuse, in Chinese, a database that `gongkai init` has not created or upgraded to this code's schema."""
    from alembic.runtime.migration import MigrationContext

    from models.errors import SchemaNotCurrent

    with engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    if current != _heads():
        found = "、".join(sorted(current)) or "无"
        raise SchemaNotCurrent(
            f"数据库尚未初始化或版本过旧（当前版本：{found}），请先运行 gongkai init 创建或升级数据库。",
            f"schema at {sorted(current)}, code expects {sorted(_heads())}",
        )


@lru_cache(maxsize=1)
def _heads() -> set[str]:
    from alembic.script import ScriptDirectory

    return set(ScriptDirectory.from_config(_alembic_config("sqlite://")).get_heads())


def _alembic_config(url: str):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def migrate(engine: Engine) -> None:
    """Create or upgrade the schema to the newest migration."""
    from alembic import command

    config = _alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "heads")  # several table modules may each add a branch
