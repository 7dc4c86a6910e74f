"""CSV and JSON renderings of a return: the same presented tables, byte-identical per input.

The CSV is "tidy": one line per cell (scope, table, row, column, value) so a commissioner can
filter and pivot it and a script can check it against the PDF. The JSON nests the same cells by
table and adds the methods appendix and sign-off. Neither contains a timestamp other than the
produced-on date, keys are in a fixed order, and line endings are ``\\n``, so the same data and
period always give the same bytes.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from reports.figures import ReturnFigures
from reports.tables import Table, all_tables

CSV_HEADER = ("scope", "table", "row", "row_label", "column", "column_label", "value")
JSON_FORMAT = "inclusion-practice-return/1"
"""Bumped when the JSON shape changes incompatibly."""


def to_csv(figures: ReturnFigures, tables: list[Table] | None = None) -> str:
    tables = tables if tables is not None else all_tables(figures)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for table in tables:
        for row, col, value in table.cells():
            writer.writerow((table.scope, table.key, row.key, row.label, col.key, col.label, value))
    return buf.getvalue()


def _table_json(table: Table) -> dict[str, Any]:
    return {
        "scope": table.scope,
        "key": table.key,
        "title": table.title,
        "note": table.note,
        "columns": [{"key": c.key, "label": c.label} for c in table.columns],
        "rows": [
            {
                "key": r.key,
                "label": r.label,
                "total": r.total,
                "values": {c.key: v for c, v in zip(table.columns, r.values, strict=True)},
            }
            for r in table.rows
        ],
    }


def to_json_data(figures: ReturnFigures, tables: list[Table] | None = None) -> dict[str, Any]:
    tables = tables if tables is not None else all_tables(figures)
    sup = figures.suppression
    p = figures.practice
    return {
        "format": JSON_FORMAT,
        "return": figures.kind.value,
        "title": figures.title,
        "practice": {
            "name": p.name,
            "ods_code": p.ods_code,
            "contract_type": p.contract_type,
            "address": list(p.address_lines),
            "postcode": p.postcode,
        },
        "period": {
            "label": figures.period.label,
            "start": figures.period.start.isoformat(),
            "end": figures.period.end.isoformat(),
        },
        "year_to_date": None
        if figures.year_to_date is None
        else {
            "label": figures.year_to_date.period.label,
            "start": figures.year_to_date.period.start.isoformat(),
            "end": figures.year_to_date.period.end.isoformat(),
        },
        "produced_on": figures.produced_on.isoformat(),
        "provisional": figures.provisional,
        "indicator_set": {
            "id": figures.indicator_set.id,
            "title": figures.indicator_set.title,
            "version": figures.indicator_set.version,
            "publisher": figures.indicator_set.publisher,
        },
        "suppression": {"applies": sup.enabled, "statement": sup.statement},
        "notes": list(figures.notes),
        "tables": [_table_json(t) for t in tables],
        "codelists": [
            {
                "id": c.id,
                "title": c.title,
                "source": c.source,
                "url": c.url,
                "codes": [{"code": code, "term": term} for code, term in c.codes],
            }
            for c in figures.codelists
        ],
        "sign_off": {
            "prepared_by": figures.sign_off.prepared_by,
            "prepared_role": figures.sign_off.prepared_role,
            "signed_by": None,
            "signed_on": None,
        },
    }


def to_json(figures: ReturnFigures, tables: list[Table] | None = None) -> str:
    return json.dumps(to_json_data(figures, tables), indent=2, ensure_ascii=False) + "\n"


def write_csv(figures: ReturnFigures, path: Path) -> None:
    path.write_bytes(to_csv(figures).encode("utf-8"))


def write_json(figures: ReturnFigures, path: Path) -> None:
    path.write_bytes(to_json(figures).encode("utf-8"))
