"""Benchmark: add_working_days per call against numpy and holidays, and a 100k-case clock recompute."""

import datetime as dt
import random
import time

import holidays
import numpy as np

from calendars import CaseDates, Extension, Pause, PauseKind, load_calendar, reply_clock
from calendars.working import WorkingCalendar

CALLS = 20_000
CASES = 100_000


def per_call_us(fn, args) -> float:
    """Best of 5 runs, microseconds per call."""
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        for a in args:
            fn(*a)
        best = min(best, time.perf_counter() - start)
    return best / len(args) * 1e6


def main() -> None:
    cal = load_calendar()
    rng = random.Random(2022)
    first, last = dt.date(2019, 1, 1).toordinal(), dt.date(2026, 9, 30).toordinal()
    args = [(dt.date.fromordinal(rng.randint(first, last)), rng.randint(1, 40)) for _ in range(CALLS)]

    # numpy cannot add working weekends to a weekmask: give it every day as a potential business day
    # and every rest day (plain weekends + holidays) as a "holiday" — the same calendar, exactly.
    rest = [d for o in range(dt.date(2019, 1, 1).toordinal(), dt.date(2026, 12, 31).toordinal() + 1)
            if not cal.is_working_day(d := dt.date.fromordinal(o))]
    exact = np.busdaycalendar(weekmask="1111111", holidays=np.array(rest, dtype="datetime64[D]"))
    # the textbook setup (Mon–Fri + holidays) for reference: it misses every 调休上班 Saturday/Sunday
    hols = [d for d in rest if d.weekday() < 5]
    plain = np.busdaycalendar(weekmask="1111100", holidays=np.array(hols, dtype="datetime64[D]"))
    china = holidays.China(years=range(2019, 2028))

    ours = lambda d, n: cal.add_working_days(d, days=n)  # noqa: E731
    np_args = [(np.datetime64(d, "D"), n) for d, n in args]
    np_raw = lambda d, n: np.busday_offset(d, n, roll="backward", busdaycal=exact)  # noqa: E731
    np_dates = lambda d, n: np.busday_offset(d, n, roll="backward", busdaycal=exact).item()  # noqa: E731
    pk = lambda d, n: china.get_nth_working_day(d, n)  # noqa: E731

    assert all(ours(d, n) == np_dates(d, n) for d, n in args), "numpy (exact) disagrees"
    sample = args[:2000]
    assert all(ours(d, n) == pk(d, n) for d, n in sample), "holidays disagrees"
    mismatches = sum(ours(d, n) != np.busday_offset(d, n, roll="backward", busdaycal=plain).item() for d, n in args)

    t_ours = per_call_us(ours, args)
    t_np_raw = per_call_us(np_raw, np_args)
    t_np = per_call_us(np_dates, args)
    t_pk = per_call_us(pk, sample)
    print(f"add_working_days, {CALLS:,} scalar calls, 2019–2026, 1–40 working days (best of 5)")
    print(f"  calendars (bisect)                          {t_ours:7.2f} µs/call")
    print(f"  numpy.busday_offset, date in → date out      {t_np:7.2f} µs/call   ratio ours/numpy {t_ours / t_np:.2f}×")
    print(f"  numpy.busday_offset, datetime64 in and out   {t_np_raw:7.2f} µs/call   ratio ours/numpy {t_ours / t_np_raw:.2f}×")
    print(f"  holidays.China().get_nth_working_day         {t_pk:7.2f} µs/call   ours is {t_pk / t_ours:.0f}× faster")
    print(f"  numpy Mon–Fri weekmask + holidays only (no 调休上班): {mismatches:,}/{CALLS:,} results differ")

    cases = []
    for _ in range(CASES):
        receipt = dt.date.fromordinal(rng.randint(first, last - 120))
        pauses, extension, supplement = (), None, None
        roll = rng.random()
        if roll < 0.2:
            sent = receipt + dt.timedelta(days=rng.randint(1, 20))
            pauses = (Pause(PauseKind.third_party, sent, sent + dt.timedelta(days=rng.randint(1, 21))),)
        if 0.15 < roll < 0.3:
            extension = Extension(days=rng.randint(1, 20), approved_on=receipt + dt.timedelta(days=10))
        if roll > 0.9:
            supplement = receipt + dt.timedelta(days=rng.randint(1, 30))
        cases.append(CaseDates(receipt, supplement_received_on=supplement, pauses=pauses, extension=extension))

    start = time.perf_counter()
    changed = WorkingCalendar(jurisdiction="cn", national=dict(cal._national), overlays=cal.overlays)
    built = time.perf_counter() - start
    today = dt.date(2026, 11, 30)
    start = time.perf_counter()
    dues = [reply_clock(case, calendar=changed, today=today).due_date for case in cases]
    elapsed = time.perf_counter() - start
    print(f"\nrecompute after a calendar change: build calendar {built * 1e3:.0f} ms, "
          f"{CASES:,} reply_clock readings {elapsed:.2f} s ({elapsed / CASES * 1e6:.1f} µs each; target < 2 s)")
    assert len(dues) == CASES


if __name__ == "__main__":
    main()
