"""No rule, test or report reads the wall clock except through ``inclusion_practice/clock.py``:
a test that reads today's date passes on Monday and fails on Thursday."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = ("inclusion_practice", "tui", "reports", "tests", "benchmarks", "scripts")
# Built from pieces so this file does not match itself.
WALL_CLOCK = re.compile(
    r"\b(date" + r"\.today|date" + r"time\.now|date" + r"time\.today|date" + r"time\.utcnow)\s*\("
)


def test_nothing_reads_the_wall_clock_outside_clock_py() -> None:
    found = []
    for folder in FOLDERS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path.name == "clock.py" or "migrations" in path.parts:
                continue
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if WALL_CLOCK.search(line):
                    found.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert found == []


def test_the_check_would_catch_a_wall_clock_read() -> None:
    assert WALL_CLOCK.search("day = " + "dt.date" + ".today()")
    assert WALL_CLOCK.search("at = " + "datetime" + ".now(dt.UTC)")
    assert not WALL_CLOCK.search("today = clock.today()")
