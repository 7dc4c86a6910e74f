"""``--format table|csv|json`` for every list command.

``table`` is the layout a person reads at a terminal (each command's own lines); ``csv`` and
``json`` carry the columns the reception app's table shows for the same list, plus the ids a
script needs, so a batch job never scrapes the human layout. JSON is one array of objects
with ISO dates; an empty list is ``[]``, not a sentence.
"""

from __future__ import annotations

import csv
import datetime as dt
import enum
import io
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import typer

from inclusion_practice.errors import InvalidInput

FORMATS = ("table", "csv", "json")
FORMAT_HELP = "table (to read) | csv | json (the reception app's columns, for scripts)"


def format_option(default: str = "table") -> Any:
    """The shared ``--format`` option."""
    return typer.Option(default, "--format", help=FORMAT_HELP)


def check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise InvalidInput("--format", f"{fmt!r}: use one of {', '.join(FORMATS)}")
    return fmt


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="minutes")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


def render(rows: Sequence[Mapping[str, Any]], columns: Sequence[str], fmt: str) -> str:
    """``rows`` as CSV (header from ``columns``) or JSON (keys from ``columns``)."""
    if fmt == "json":
        return json.dumps([{c: _plain(r.get(c)) for c in columns} for r in rows],
                          ensure_ascii=False, indent=1) + "\n"
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    for r in rows:
        v = [_plain(r.get(c)) for c in columns]
        writer.writerow(["; ".join(map(str, x)) if isinstance(x, list) else
                         "" if x is None else x for x in v])
    return buf.getvalue()


def emit_list(
    fmt: str,
    items: Iterable[Any],
    columns: Sequence[str],
    row: Callable[[Any], Mapping[str, Any]],
    table: Callable[[list[Any]], Iterable[str]],
    empty: str,
) -> None:
    """Print ``items`` in ``fmt``: ``table`` lines (or ``empty``), or CSV/JSON rows."""
    check_format(fmt)
    listed = list(items)
    if fmt == "table":
        lines = list(table(listed)) if listed else [empty]
        for line in lines:
            typer.echo(line)
        return
    typer.echo(render([row(x) for x in listed], columns, fmt), nl=False)
