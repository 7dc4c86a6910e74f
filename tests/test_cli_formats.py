"""``--format table|csv|json`` on every list command: scripts read JSON or CSV with the
reception app's columns, never the human layout, and a bad format is refused by name."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from freezegun import freeze_time

from inclusion_practice.cli.app import main
from tests.scheduling_helpers import add_patient, open_cli_practice


@pytest.fixture(autouse=True)
def _monday_morning() -> Iterator[None]:
    with freeze_time("2026-11-23 09:00"):
        yield


@pytest.fixture
def practice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sqlite_template: Path) -> dict[str, int]:
    ip = open_cli_practice(tmp_path, monkeypatch, sqlite_template, (
        ("reception1", "receptionist"), ("manager1", "manager"), ("admin1", "admin")))
    ids = {"plain": add_patient(ip), "interp": add_patient(ip, interpreter="pl"),
           "flagged": add_patient(ip, flags=("homelessness",))}
    ip.close()
    assert main(["--as", "manager1", "schedule", "generate", "--weeks", "1"]) == 0
    return ids


LISTS: list[tuple[str, list[str], str]] = [
    ("reception1", ["patient", "find", "a"], "name"),
    ("reception1", ["patient", "flag", "list", "{flagged}", "--all"], "category"),
    ("manager1", ["patient", "flag", "due"], "review"),
    ("reception1", ["patient", "health-checks", "--days", "60"], "due"),
    ("reception1", ["dna", "worklist", "--all"], "action"),
    ("reception1", ["interpreters", "due", "--days", "14"], "language"),
    ("reception1", ["appointment", "list", "--day", "today"], "status"),
    ("reception1", ["schedule", "sessions"], "free"),
    ("reception1", ["slots", "find", "--patient", "{plain}"], "slot_ids"),
    ("admin1", ["users", "list"], "role"),
    ("manager1", ["registration", "refusals", "--year", "2026/27", "--list"], "reason"),
    ("manager1", ["registration", "refusals", "--year", "2026/27"], "count"),
    ("manager1", ["indicators", "missing", "IH001", "--period", "2026/27"], "status"),
]


def _argv(user: str, args: list[str], ids: dict[str, int]) -> list[str]:
    return ["--as", user, *(a.format(**ids) for a in args)]


@pytest.mark.parametrize(("user", "args", "column"), LISTS, ids=[" ".join(x[1]) for x in LISTS])
def test_every_list_command_gives_json_and_csv_with_the_same_columns(
    practice: dict[str, int], capsys: pytest.CaptureFixture[str], user: str, args: list[str],
    column: str,
) -> None:
    capsys.readouterr()
    assert main([*_argv(user, args, practice), "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert isinstance(rows, list)
    assert main([*_argv(user, args, practice), "--format", "csv"]) == 0
    table = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert column in table[0]
    assert len(table) == len(rows) + 1
    for row in rows:
        assert set(row) == set(table[0])


def test_json_rows_carry_ids_and_iso_dates(
    practice: dict[str, int], capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert main(["--as", "reception1", "slots", "find", "--patient", str(practice["plain"]),
                 "--format", "json"]) == 0
    offers = json.loads(capsys.readouterr().out)
    assert offers and all(isinstance(i, int) for i in offers[0]["slot_ids"])
    assert offers[0]["when"].startswith("2026-11-")
    assert main(["--as", "reception1", "patient", "find", "a", "--format", "json"]) == 0
    found = json.loads(capsys.readouterr().out)
    assert {p["id"] for p in found} >= {practice["plain"], practice["interp"]}


def test_a_format_that_does_not_exist_is_refused_by_name(
    practice: dict[str, int], capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert main(["--as", "reception1", "patient", "find", "a", "--format", "xml"]) == 2
    assert "--format" in capsys.readouterr().err
