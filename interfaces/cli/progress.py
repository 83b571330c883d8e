"""A progress bar for the CLI's long work (imports, exports, annual reports, `audit verify`, recomputes).

Drawn with rich on stderr, with the count done, the total and the rate; quiet with `--json` and whenever
stdout is not a terminal (a script or a pipe reads the output), so that nothing but the result is printed.
"""

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

Advance = Callable[..., None]  # advance(done, total=None): the count so far (and the total, once known)


def shown(*, as_json: bool = False) -> bool:
    """Whether to draw a bar: a person is watching the terminal and asked for text, not JSON."""
    return not as_json and _is_terminal()


def _is_terminal() -> bool:
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):  # replaced or closed stdout
        return False


def _columns(unit: str):
    from rich.progress import BarColumn, MofNCompleteColumn, ProgressColumn, TextColumn, TimeRemainingColumn
    from rich.text import Text

    class Rate(ProgressColumn):
        """Items per second, e.g. 1,234 件/秒."""

        def render(self, task) -> Text:
            speed = task.finished_speed or task.speed  # rich's rate needs two samples: else done / elapsed
            if speed is None and task.completed and task.elapsed:
                speed = task.completed / task.elapsed
            return Text("—" if speed is None else f"{speed:,.0f} {unit}/秒", style="progress.data.speed")

    return (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), Rate(), TimeRemainingColumn())


@contextmanager
def progress(description: str, *, total: int | None = None, unit: str = "件", as_json: bool = False) -> Iterator[Advance]:
    """Yields advance(done, total=None). Without a terminal (or with --json) advance does nothing at all."""
    if not shown(as_json=as_json):
        yield lambda done, total=None: None
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(*_columns(unit), console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(description, total=total)

        def advance(done: int, total: int | None = None) -> None:
            if total is not None:
                bar.update(task, total=total)
            bar.update(task, completed=done)

        yield advance
