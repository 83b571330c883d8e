"""Prefect's server as `gongkai up` starts it on one machine: `prefect server start`, its SQLite writes begun IMMEDIATE.

Prefect begins its SQLite transactions DEFERRED: one that reads and then writes while another connection has
written meanwhile cannot take the write lock, fails at once with "database is locked" (SQLite does not wait on
its busy timeout for it) and the API answers 503. Under `gongkai up` that was most of the slot acquisitions of the
cases' concurrency limits and the deliveries of triggers; every 503 costs a Prefect client a back-off of 2 s and
more, which is the latency tail the issue measured. A write transaction begun IMMEDIATE takes the lock up front
and waits its turn on Prefect's own busy timeout instead. On PostgreSQL (docs/scale-out.md) nothing changes.

    python -m workflows.prefect_server --host 127.0.0.1 --port PORT
"""

import sys
from contextlib import asynccontextmanager

# Prefect keeps the leases on its concurrency slots in the server's memory by default: a server killed while a run
# held its case's slot forgets the lease, the slot stays taken in its database, and every later run of that case
# waits for it for good (bench/faults_bench.py found cases stuck so). Kept on disk under PREFECT_HOME (Prefect's own
# filesystem lease storage) they outlive the server, and its repossessor frees the slot once the lease expires.
LEASES_ON_DISK = {"PREFECT_SERVER_CONCURRENCY_LEASE_STORAGE": "prefect.server.concurrency.lease_storage.filesystem"}


def begin_writes_immediate() -> bool:
    """Make Prefect's SQLite configuration begin every write transaction IMMEDIATE; False if Prefect changed shape."""
    from prefect.server.database import configurations as c

    if not (hasattr(c, "AioSqliteConfiguration") and hasattr(c, "SQLITE_BEGIN_MODE")):
        return False

    @asynccontextmanager
    async def begin_transaction(self, session, with_for_update: bool = False):
        token = c.SQLITE_BEGIN_MODE.set("IMMEDIATE")
        try:
            async with session.begin() as transaction:
                yield transaction
        finally:
            c.SQLITE_BEGIN_MODE.reset(token)

    c.AioSqliteConfiguration.begin_transaction = begin_transaction
    return True


def main(argv: list[str]) -> None:
    from prefect.cli import app

    if not begin_writes_immediate():
        print("Prefect 的 SQLite 配置已变化：写事务按 Prefect 默认方式开始", file=sys.stderr)
    sys.argv = ["prefect", "server", "start", *argv]  # Prefect's entry point reads its arguments there
    app()


if __name__ == "__main__":
    main(sys.argv[1:])
