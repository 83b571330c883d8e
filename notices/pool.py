"""Render many notices at once (batch intake) in a pool of warmed worker processes, one per available core.

A worker imports the notices, registers the faces and reads their tables once (notices.fonts), then renders every
document it is sent with the very function a single case uses (notices.render.render_pdf): the same context gives
the same bytes in a worker as in the desk's process. The pool lives as long as the process that made it, so the
second batch finds its workers warm. Workers are started with `spawn` (a fork of a process running Prefect's
threads is not safe), so they read the same GONGKAI_* settings from the environment.
"""

import multiprocessing
import os
import threading
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor

from notices.render import DocumentKind, render_pdf

CHUNK = 8  # documents per round trip to a worker: fewer pickling round trips, still an even spread

_lock = threading.Lock()
_pools: dict[int, ProcessPoolExecutor] = {}


def available_cores() -> int:
    """The cores this process may run on (its affinity), not the machine's count."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _warm() -> None:
    """A worker's start: register the faces and read their tables, so its first document costs what the rest do."""
    from datetime import date

    from notices.pdf import Meta, layout_pdf, start_of
    from notices.render import Block

    layout_pdf([Block("title", "政府信息公开"), Block("para", "申请人：一二三四五六七八九十")],
               Meta(title="warm", author="", created=start_of(date(2026, 1, 1))))


def _render(job: tuple[DocumentKind, object]) -> bytes:
    kind, ctx = job
    return render_pdf(kind, ctx)


def pool(workers: int | None = None) -> ProcessPoolExecutor:
    """This process's pool of `workers` warmed renderers (default: the available cores), made on first use."""
    workers = workers or available_cores()
    with _lock:
        if workers in _pools and getattr(_pools[workers], "_broken", False):  # a worker died: a fresh pool
            _pools.pop(workers).shutdown(wait=False, cancel_futures=True)
        if workers not in _pools:
            _pools[workers] = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                                                  initializer=_warm)
        return _pools[workers]


def render_many(jobs: Iterable[tuple[DocumentKind, object]], *, workers: int | None = None) -> Iterator[bytes]:
    """The PDF of each (kind, context), in order; rendered by the pool while the caller goes on (lazy iterator).

    `workers=0` renders here, one after another (a test's baseline, a machine with one core)."""
    jobs = list(jobs)
    if workers == 0 or not jobs:
        return (render_pdf(kind, ctx) for kind, ctx in jobs)
    return pool(workers).map(_render, jobs, chunksize=CHUNK)


def shutdown() -> None:
    """Stop this process's pools (tests; a long-lived process keeps them)."""
    with _lock:
        for p in _pools.values():
            p.shutdown(cancel_futures=True)
        _pools.clear()
