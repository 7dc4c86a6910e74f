"""Helpers for indicator tests and the benchmark: write PatientRecords straight into the tables.

Test data only: Core bulk inserts bypass the audit hook on purpose (the audit trail is not what
these tests are about, and the benchmark needs millions of rows).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Protocol

from sqlalchemy import Connection, insert, update

from inclusion_practice.domain.periods import Period
from inclusion_practice.indicators.definitions import IndicatorSet
from inclusion_practice.indicators.duckdb_engine import duckdb_engine
from inclusion_practice.indicators.records import PatientHistory
from inclusion_practice.indicators.results import IndicatorTally, PatientOutcome
from inclusion_practice.indicators.sql_engine import SqlEngine
from inclusion_practice.storage import tables as t

NOW = dt.datetime(2026, 1, 1, 9, 0)
BATCH = 5000


SQL_RUNNERS = ("sql", "duckdb")
"""The engines that run the compiled plan: in the database itself, or DuckDB attached to it."""


class SqlRunner(Protocol):
    def run(self, ind_set: IndicatorSet, period: Period) -> dict[str, IndicatorTally]: ...

    def outcomes(self, ind_set: IndicatorSet, indicator_id: str, period: Period) -> list[PatientOutcome]: ...

    def all_outcomes(self, ind_set: IndicatorSet, period: Period) -> dict[str, list[PatientOutcome]]: ...


@contextmanager
def sql_runner(kind: str, conn: Connection, ind_set: IndicatorSet | None = None) -> Iterator[SqlRunner]:
    """``SqlEngine`` on ``conn``, or a DuckDB engine over the database ``conn`` reads (committed
    rows only: insert in a transaction of its own first)."""
    if kind == "sql":
        yield SqlEngine(conn)
        return
    with duckdb_engine(conn, ind_set) as engine:
        yield engine


def _chunks(rows: list[dict[str, Any]], n: int = BATCH) -> Iterable[list[dict[str, Any]]]:
    for i in range(0, len(rows), n):
        yield rows[i : i + n]


def _insert(conn: Connection, table: Any, rows: list[dict[str, Any]]) -> None:
    for chunk in _chunks(rows):
        conn.execute(insert(table), chunk)


def insert_records(conn: Connection, records: Sequence[PatientHistory]) -> None:
    """Insert patients (keeping their ids) and everything hanging off them."""
    patients, regs, flags, events, invites, dnas, actions = [], [], [], [], [], [], []
    dna_id = 0
    for p in records:
        patients.append(
            {
                "id": p.id,
                "given_name": f"Test{p.id}",
                "family_name": "Patient",
                "name_key": f"test{p.id} patient",
                "date_of_birth": p.date_of_birth,
                "dob_estimated": False,
                "sex": p.sex,
                "no_fixed_abode": False,
                "correspondence_kind": "usual",
                "main_language": p.main_language,
                "interpreter_needed": p.interpreter_needed,
                "interpreter_mode": p.interpreter_mode,
                "no_family_interpreter": False,
                "keyworker_name": p.keyworker_name,
                "created_at": NOW,
                "updated_at": NOW,
            }
        )
        for r in p.registrations:
            regs.append(
                {
                    "patient_id": p.id,
                    "kind": r.kind,
                    "start_date": r.start_date,
                    "end_date": r.end_date,
                    "planned_end": r.planned_end,
                    "created_at": NOW,
                }
            )
        for f in p.flags:
            flags.append(
                {
                    "patient_id": p.id,
                    "category": f.category,
                    "subcategory": f.subcategory,
                    "start_date": f.start_date,
                    "end_date": f.end_date,
                    "source": "clinician",
                    "recorded_by": "test",
                }
            )
        for e in p.events:
            events.append(
                {
                    "patient_id": p.id,
                    "code": e.code,
                    "system": "snomed",
                    "event_date": e.event_date,
                    "value": e.value,
                    "recorded_by": "test",
                }
            )
        for i in p.invitations:
            invites.append(
                {"patient_id": p.id, "topic": i.topic, "sent_on": i.sent_on, "method": "sms", "recorded_by": "test"}
            )
        for d in p.dnas:
            dna_id += 1
            dnas.append(
                {
                    "id": dna_id,
                    "patient_id": p.id,
                    "occurred_at": d.occurred_at,
                    "reason": "no_show",
                    "recorded_by": "test",
                    "voided_at": d.voided_at,
                }
            )
            for a in d.actions:
                actions.append(
                    {
                        "patient_id": p.id,
                        "dna_event_id": dna_id,
                        "policy": "flexible",
                        "action": a.action,
                        "priority": 0,
                        "due_date": d.occurred_at.date(),
                        "explanation": json.dumps({"test": True}),
                        "status": a.status,
                        "done_at": a.done_at,
                    }
                )
    _insert(conn, t.Patient.__table__, patients)  # type: ignore[attr-defined]
    # Links after every patient exists (the foreign key is checked row by row).
    patient_t = t.Patient.__table__  # type: ignore[attr-defined]
    for p in records:
        if p.linked_to_id is not None:
            conn.execute(update(patient_t).where(patient_t.c.id == p.id).values(linked_to_id=p.linked_to_id))
    _insert(conn, t.Registration.__table__, regs)  # type: ignore[attr-defined]
    _insert(conn, t.Flag.__table__, flags)  # type: ignore[attr-defined]
    _insert(conn, t.ClinicalEvent.__table__, events)  # type: ignore[attr-defined]
    _insert(conn, t.Invitation.__table__, invites)  # type: ignore[attr-defined]
    _insert(conn, t.DnaEvent.__table__, dnas)  # type: ignore[attr-defined]
    _insert(conn, t.DnaAction.__table__, actions)  # type: ignore[attr-defined]
