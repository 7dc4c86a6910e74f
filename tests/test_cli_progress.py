"""Progress on stderr only for a person at a terminal: never in a pipe, never with JSON."""

from __future__ import annotations

import io
import sys

import pytest

from inclusion_practice.cli.progress import progress, wanted


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_wanted_only_on_a_terminal_and_never_for_json(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    assert not wanted()  # piped
    monkeypatch.setattr(sys, "stderr", _Tty())
    assert wanted()
    assert not wanted(fmt="json")
    assert not wanted(quiet=True)
    assert wanted(fmt="table")


def test_a_silent_reporter_accepts_every_call() -> None:
    with progress("importing", show=False) as bar:
        assert not bar.shown
        bar.stage("writing")
        bar.advance(5)


def test_a_shown_reporter_names_each_stage(monkeypatch: pytest.MonkeyPatch) -> None:
    with progress("running indicators for 2025/26", show=True) as bar:
        assert bar.shown
        bar.stage("writing PDF")
        bar.advance(3)
        task = bar._bar.tasks[0]  # type: ignore[union-attr]
        assert task.description == "writing PDF" and task.completed == 3
