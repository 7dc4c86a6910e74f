"""Progress for long commands (indicator runs, returns, imports, exports), on stderr.

Shown only when stderr is a terminal: nothing long is silent for a person watching, and a
script piping the output, or asking for ``--format json``, gets no bar in its streams. Each
stage is named ("running indicators for 2025/26", "writing PDF"), with the elapsed time.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


class Reporter:
    """What a command calls as it works; does nothing when progress is not shown."""

    def __init__(self, bar: Any = None, task: Any = None) -> None:
        self._bar = bar
        self._task = task

    @property
    def shown(self) -> bool:
        return self._bar is not None

    def stage(self, name: str) -> None:
        """A new named stage (the bar restarts counting)."""
        if self._bar is not None:
            self._bar.update(self._task, description=name, completed=0, total=None)

    def advance(self, n: int = 1) -> None:
        if self._bar is not None:
            self._bar.advance(self._task, n)


def wanted(*, quiet: bool = False, fmt: str | None = None) -> bool:
    """Whether to show progress: a terminal on stderr, not ``--quiet``, not JSON output."""
    return not quiet and fmt != "json" and sys.stderr.isatty()


@contextmanager
def progress(first_stage: str, *, show: bool) -> Iterator[Reporter]:
    """A rich progress line on stderr for the duration of the block (or a silent reporter)."""
    if not show:
        yield Reporter()
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    bar = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                   MofNCompleteColumn(), TimeElapsedColumn(),
                   console=Console(stderr=True), transient=True)
    with bar:
        task = bar.add_task(first_stage, total=None)
        yield Reporter(bar, task)
