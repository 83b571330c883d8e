"""What the benches share: timing a call in milliseconds and the p95 of a sample."""

import statistics
import time


def timed(fn, runs: int, *, warm: bool = False) -> list[float]:
    """`runs` timings of `fn()` in ms; `warm`: one untimed call first (the page cache and the statement caches)."""
    if warm:
        fn()
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def p95(xs: list[float]) -> float:
    return statistics.quantiles(xs, n=20)[-1] if len(xs) >= 20 else max(xs)
