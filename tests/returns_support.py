"""Test data for returns: a few rows written straight into the tables (Core inserts).

Returns read aggregates only, so these helpers write exactly the rows a scenario needs and nothing
else. Synthetic names only.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from sqlalchemy import Connection, insert

from inclusion_practice.storage import tables as t

STAMP = dt.datetime(2025, 1, 1, 9, 0)
_ids = itertools.count(50_000_000)
"""Explicit ids far above anything a test practice generates, so rows can be linked."""


def patient(
    conn: Connection,
    pid: int,
    *,
    registered: dt.date = dt.date(2020, 1, 1),
    kind: str = "permanent",
    reg_end: dt.date | None = None,
    reg_end_reason: str | None = None,
    flags: tuple[tuple[str, dt.date, dt.date | None], ...] = (),
    contact_route: str | None = "sms",
    correspondence_kind: str = "usual",
    no_fixed_abode: bool = False,
    interpreter_needed: bool = False,
    interpreter_mode: str | None = None,
    main_language: str | None = "en",
) -> None:
    """A patient with one registration and the given flags (category, start, end)."""
    conn.execute(insert(t.Patient.__table__), [{  # type: ignore[attr-defined]
        "id": pid, "given_name": f"Test{pid}", "family_name": "Patient",
        "name_key": f"test{pid} patient", "date_of_birth": dt.date(1980, 5, 5),
        "dob_estimated": False, "sex": "female", "no_fixed_abode": no_fixed_abode,
        "correspondence_kind": correspondence_kind, "contact_route": contact_route,
        "main_language": main_language, "interpreter_needed": interpreter_needed,
        "interpreter_mode": interpreter_mode, "no_family_interpreter": False,
        "created_at": STAMP, "updated_at": STAMP,
    }])
    conn.execute(insert(t.Registration.__table__), [{  # type: ignore[attr-defined]
        "patient_id": pid, "kind": kind, "start_date": registered, "end_date": reg_end,
        "end_reason": reg_end_reason, "created_at": STAMP,
    }])
    for category, start, end in flags:
        conn.execute(insert(t.Flag.__table__), [{  # type: ignore[attr-defined]
            "patient_id": pid, "category": category, "start_date": start, "end_date": end,
            "source": "clinician", "recorded_by": "test",
        }])


def refusal(conn: Connection, reason: str, refused_on: dt.date, sent_on: dt.date | None) -> None:
    conn.execute(insert(t.Refusal.__table__), [{  # type: ignore[attr-defined]
        "given_name": "Refused", "family_name": "Person", "refused_on": refused_on,
        "reason": reason, "written_reason_due": refused_on + dt.timedelta(days=14),
        "written_reason_sent_on": sent_on, "recorded_by": "test",
    }])


def session(conn: Connection, day: dt.date) -> int:
    sid = next(_ids)
    conn.execute(insert(t.ClinicSession.__table__), [{  # type: ignore[attr-defined]
        "id": sid, "clinician_code": f"dr-{sid}", "session_date": day,
        "start_time": dt.time(9, 0), "end_time": dt.time(12, 0), "slot_minutes": 10,
        "slot_type": "routine", "location": "surgery", "channels": "in_person",
    }])
    return sid


def appointment(
    conn: Connection,
    pid: int,
    start: dt.datetime,
    status: str,
    *,
    slots: int = 1,
    interpreter: tuple[str, str, str] | None = None,
    dna_actions: tuple[tuple[str, str, str], ...] = (),
    voided: bool = False,
) -> int:
    """An appointment; ``interpreter`` is (language, mode, status); a ``dna`` status also records
    a DNA event with ``dna_actions`` (policy, action, status), voided as recorded in error if
    ``voided``."""
    sid = session(conn, start.date())
    aid = next(_ids)
    conn.execute(insert(t.Appointment.__table__), [{  # type: ignore[attr-defined]
        "id": aid, "patient_id": pid, "session_id": sid, "start": start,
        "end": start + dt.timedelta(minutes=10 * slots), "slot_count": slots, "status": status,
        "channel": "in_person", "booked_at": start - dt.timedelta(days=3), "booked_by": "test",
    }])
    if interpreter is not None:
        language, mode, ib_status = interpreter
        conn.execute(insert(t.InterpreterBooking.__table__), [{  # type: ignore[attr-defined]
            "appointment_id": aid, "language": language, "mode": mode, "status": ib_status,
            "updated_at": start,
        }])
    if status == "dna":
        eid = next(_ids)
        conn.execute(insert(t.DnaEvent.__table__), [{  # type: ignore[attr-defined]
            "id": eid, "patient_id": pid, "appointment_id": aid, "occurred_at": start,
            "reason": "no_show", "recorded_by": "test",
            "voided_at": start + dt.timedelta(hours=1) if voided else None,
        }])
        rows: list[dict[str, Any]] = [
            {"patient_id": pid, "dna_event_id": eid, "policy": policy, "action": action,
             "due_date": start.date() + dt.timedelta(days=3), "explanation": "{}",
             "status": a_status}
            for policy, action, a_status in dna_actions
        ]
        if rows:
            conn.execute(insert(t.DnaAction.__table__), rows)  # type: ignore[attr-defined]
    return aid


def bare_patient(conn: Connection, pid: int) -> None:
    """A patient with no registration and no flag (add them with the helpers below)."""
    conn.execute(insert(t.Patient.__table__), [{  # type: ignore[attr-defined]
        "id": pid, "given_name": f"Test{pid}", "family_name": "Patient",
        "name_key": f"test{pid} patient", "date_of_birth": dt.date(1980, 5, 5),
        "dob_estimated": False, "sex": "female", "no_fixed_abode": False,
        "correspondence_kind": "usual", "contact_route": "sms", "main_language": "en",
        "interpreter_needed": False, "no_family_interpreter": False,
        "created_at": STAMP, "updated_at": STAMP,
    }])


def registration(
    conn: Connection, pid: int, start: dt.date, end: dt.date | None = None,
    planned_end: dt.date | None = None, kind: str = "permanent",
) -> None:
    conn.execute(insert(t.Registration.__table__), [{  # type: ignore[attr-defined]
        "patient_id": pid, "kind": kind, "start_date": start, "end_date": end,
        "planned_end": planned_end, "end_reason": "moved" if end else None, "created_at": STAMP,
    }])


def flag(conn: Connection, pid: int, category: str, start: dt.date, end: dt.date | None = None) -> None:
    conn.execute(insert(t.Flag.__table__), [{  # type: ignore[attr-defined]
        "patient_id": pid, "category": category, "start_date": start, "end_date": end,
        "source": "clinician", "recorded_by": "test",
    }])


def dna_without_appointment(conn: Connection, pid: int, at: dt.datetime,
                            dna_actions: tuple[tuple[str, str, str], ...] = ()) -> int:
    """A DNA recorded without an appointment (as ``dna record`` allows), with its actions."""
    eid = next(_ids)
    conn.execute(insert(t.DnaEvent.__table__), [{  # type: ignore[attr-defined]
        "id": eid, "patient_id": pid, "appointment_id": None, "occurred_at": at,
        "reason": "no_show", "recorded_by": "test",
    }])
    rows: list[dict[str, Any]] = [
        {"patient_id": pid, "dna_event_id": eid, "policy": policy, "action": action,
         "due_date": at.date() + dt.timedelta(days=3), "explanation": "{}", "status": a_status}
        for policy, action, a_status in dna_actions
    ]
    if rows:
        conn.execute(insert(t.DnaAction.__table__), rows)  # type: ignore[attr-defined]
    return eid
