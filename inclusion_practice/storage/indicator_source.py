"""What the indicator engines read: storage's read-only view contract for them.

The SQL compiler and the record loaders in :mod:`inclusion_practice.indicators` build their
statements against an :class:`IndicatorSource`, never against :mod:`.tables`, so storage alone
decides where those rows live. Today that is the application's own tables; a DuckDB backend over
attached databases (issue 15) gives the same view from schema-qualified tables
(``indicator_source(schema=...)``) or from tables of its own (:meth:`IndicatorSource.from_tables`).
Only the columns in :data:`READS` are relied on, and a view lacking one is refused when built.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from functools import cache

from sqlalchemy import MetaData, Table

from inclusion_practice.storage import tables as t

READS: Mapping[str, frozenset[str]] = {
    "patient": frozenset(
        {
            "id",
            "sex",
            "date_of_birth",
            "main_language",
            "interpreter_needed",
            "interpreter_mode",
            "keyworker_name",
            "given_name",
            "family_name",
            # Records linked as the same person count once, on the surviving record (issue 12).
            "linked_to_id",
        }
    ),
    # ``planned_end`` matters: ``active_on`` applies it when the table has it.
    "registration": frozenset({"id", "patient_id", "start_date", "end_date", "planned_end", "kind"}),
    "flag": frozenset({"patient_id", "category", "subcategory", "start_date", "end_date"}),
    "clinical_event": frozenset({"patient_id", "code", "event_date", "value"}),
    "invitation": frozenset({"patient_id", "topic", "sent_on"}),
    "dna_event": frozenset({"id", "patient_id", "occurred_at", "voided_at"}),
    "dna_action": frozenset({"patient_id", "dna_event_id", "action", "status", "done_at"}),
}
"""Per table, the columns the indicator engines read (the whole contract, nothing else)."""


@dataclass(frozen=True)
class IndicatorSource:
    """The tables the indicator SQL reads, one field per table name in :data:`READS`."""

    patient: Table
    registration: Table
    flag: Table
    clinical_event: Table
    invitation: Table
    dna_event: Table
    dna_action: Table

    def __post_init__(self) -> None:
        # Refuse a view that lacks a column now, not halfway through compiling a run.
        for f in fields(self):
            table: Table = getattr(self, f.name)
            missing = READS[f.name] - set(table.c.keys())
            if missing:
                raise ValueError(
                    f"{f.name} ({table.fullname}) lacks what the indicators read: {', '.join(sorted(missing))}"
                )

    @classmethod
    def from_tables(cls, tables: Mapping[str, Table]) -> IndicatorSource:
        """A view over any tables, keyed by the names in :data:`READS` (extra keys ignored)."""
        return cls(
            patient=tables["patient"],
            registration=tables["registration"],
            flag=tables["flag"],
            clinical_event=tables["clinical_event"],
            invitation=tables["invitation"],
            dna_event=tables["dna_event"],
            dna_action=tables["dna_action"],
        )


def _own_tables() -> dict[str, Table]:
    return {
        "patient": t.Patient.__table__,  # type: ignore[attr-defined]
        "registration": t.Registration.__table__,  # type: ignore[attr-defined]
        "flag": t.Flag.__table__,  # type: ignore[attr-defined]
        "clinical_event": t.ClinicalEvent.__table__,  # type: ignore[attr-defined]
        "invitation": t.Invitation.__table__,  # type: ignore[attr-defined]
        "dna_event": t.DnaEvent.__table__,  # type: ignore[attr-defined]
        "dna_action": t.DnaAction.__table__,  # type: ignore[attr-defined]
    }


@cache
def indicator_source(schema: str | None = None) -> IndicatorSource:
    """The application's tables, or copies of them qualified by ``schema`` (an attached database).

    Cached: the view is immutable, and copies of the tables per call would be wasted work.
    """
    own = _own_tables()
    if schema is None:
        return IndicatorSource.from_tables(own)
    metadata = MetaData()
    return IndicatorSource.from_tables({name: tbl.to_metadata(metadata, schema=schema) for name, tbl in own.items()})
