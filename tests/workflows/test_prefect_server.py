"""`gongkai up`'s Prefect server (workflows.prefect_server) begins its SQLite write transactions IMMEDIATE, so a
transaction that reads and then writes waits for the lock instead of failing at once with 503; and it keeps the
leases on concurrency slots on disk, so a killed server does not leave a case's slot taken for good."""

import asyncio
import os
import subprocess
from contextlib import asynccontextmanager
from unittest.mock import patch

import pytest
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


def _serve(env: dict, port: int) -> subprocess.Popen:
    """`gongkai up`'s Prefect server, started and awaited as up does."""
    from interfaces.cli import up_cmd

    server = up_cmd._start(["-m", "workflows.prefect_server", "--host", "127.0.0.1", "--port", str(port)], env)
    assert up_cmd._wait_for(f"http://127.0.0.1:{port}/api/health", 120, server), "Prefect's server did not answer"
    return server


@pytest.mark.slow
def test_a_cases_slot_lease_outlives_a_kill_of_gongkai_ups_prefect_server(tmp_path):
    """A run holds its case's slot through a lease. Kept in the server's memory (Prefect's default), a kill -9 of the
    server loses the lease while the slot stays taken in its database, and the case's later runs wait for good."""
    from prefect.client.orchestration import SyncPrefectClient
    from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate

    from interfaces.cli.up_cmd import prefect_env
    from tests.e2e.stack import free_port, user_env

    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    with patch.dict(os.environ, user_env(tmp_path), clear=True):
        env = prefect_env(tmp_path / "var", api)
    os.makedirs(env["PREFECT_HOME"])
    server = _serve(env, port)
    try:
        with SyncPrefectClient(api) as client:
            client.create_global_concurrency_limit(GlobalConcurrencyLimitCreate(name="case:1-2026-000001", limit=1))
            taken = client.increment_concurrency_slots_with_lease(names=["case:1-2026-000001"], slots=1,
                                                                  mode="concurrency", lease_duration=60)
            lease_id = taken.json()["lease_id"]
        server.kill()
        server.wait()
        server = _serve(env, port)
        with SyncPrefectClient(api) as client:
            client.renew_concurrency_lease(lease_id, lease_duration=60)  # 410 Gone when the lease was forgotten
            client.release_concurrency_slots_with_lease(lease_id)
            assert client.read_global_concurrency_limit_by_name("case:1-2026-000001").active_slots == 0
    finally:
        server.kill()
        server.wait()
