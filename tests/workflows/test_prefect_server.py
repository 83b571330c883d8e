"""`gongkai up`'s Prefect server (workflows.prefect_server) begins its SQLite write transactions IMMEDIATE, so a
transaction that reads and then writes waits for the lock instead of failing at once with 503."""

import asyncio
from contextlib import asynccontextmanager

from prefect.server.database import configurations

from workflows.prefect_server import begin_writes_immediate


class Session:
    """Records the BEGIN mode Prefect's SQLite configuration would emit when the transaction starts."""

    def __init__(self):
        self.modes = []

    @asynccontextmanager
    async def begin(self):
        self.modes.append(configurations.SQLITE_BEGIN_MODE.get())
        yield self


def test_every_write_transaction_of_prefects_sqlite_begins_immediate(monkeypatch):
    sqlite = configurations.AioSqliteConfiguration
    monkeypatch.setattr(sqlite, "begin_transaction", sqlite.begin_transaction)  # put back after the test
    session = Session()

    async def transactions(config):
        for with_for_update in (False, True):
            async with config.begin_transaction(session, with_for_update=with_for_update):
                pass

    config = sqlite.__new__(sqlite)
    asyncio.run(transactions(config))
    assert session.modes == ["DEFERRED", "IMMEDIATE"]  # Prefect's own: a read-then-write fails when it races
    assert begin_writes_immediate()
    session.modes.clear()
    asyncio.run(transactions(config))
    assert session.modes == ["IMMEDIATE", "IMMEDIATE"]
    assert configurations.SQLITE_BEGIN_MODE.get() is None  # set only for the transaction
