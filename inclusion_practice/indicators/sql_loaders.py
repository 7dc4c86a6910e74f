"""Row readers beside the SQL engine: patient histories, list size and names.

The in-memory evaluator, explain and the reports need rows, not compiled tallies; these read
them through the same :class:`IndicatorSource` the compiler uses, so both engines see one view.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, func, select

from inclusion_practice.domain.registration import REGISTERED_LIST_KINDS
from inclusion_practice.indicators.records import (
    DnaActionRow,
    DnaRow,
    EventRow,
    FlagRow,
    InvitationRow,
    PatientHistory,
    RegistrationRow,
)
from inclusion_practice.storage.active import active_on
from inclusion_practice.storage.indicator_source import IndicatorSource, indicator_source


def _with_linked(conn: Connection, s: IndicatorSource, patient_ids: Sequence[int]) -> list[int]:
    """``patient_ids`` and every record of the same people (the records linked to them, and the
    surviving records they are linked to, with theirs), so a person is loaded whole."""
    pat = s.patient.c
    ids = set(patient_ids)
    wanted = sorted(ids)
    roots: set[int] = set()
    for i in range(0, len(wanted), 500):
        chunk = wanted[i : i + 500]
        for pid, linked in conn.execute(select(pat.id, pat.linked_to_id).where(pat.id.in_(chunk))):
            roots.add(linked if linked is not None else pid)
    ids |= roots
    people = sorted(roots)
    for i in range(0, len(people), 500):
        chunk = people[i : i + 500]
        ids.update(conn.execute(select(pat.id).where(pat.linked_to_id.in_(chunk))).scalars())
    return sorted(ids)


def load_records(
    conn: Connection, patient_ids: Sequence[int] | None = None, *, source: IndicatorSource | None = None
) -> list[PatientHistory]:
    """Patients with everything the indicators read, for the in-memory evaluator and explain.

    One history per record, with ``linked_to_id``; with ``patient_ids``, every record of those
    people is loaded. :func:`~inclusion_practice.indicators.records.merge_linked` folds them into
    one history per person, as the engines count them."""
    s = source if source is not None else indicator_source()
    ids = _with_linked(conn, s, patient_ids) if patient_ids is not None else None

    def scoped(stmt: Any, col: Any) -> list[Any]:
        if ids is None:
            return list(conn.execute(stmt))
        out: list[Any] = []
        for i in range(0, len(ids), 500):
            out.extend(conn.execute(stmt.where(col.in_(ids[i : i + 500]))))
        return out

    reg, flag, ev, inv = s.registration.c, s.flag.c, s.clinical_event.c, s.invitation.c
    dna, act, pat = s.dna_event.c, s.dna_action.c, s.patient.c
    regs: dict[int, list[RegistrationRow]] = {}
    for r in scoped(select(reg.patient_id, reg.start_date, reg.end_date, reg.planned_end, reg.kind), reg.patient_id):
        regs.setdefault(r[0], []).append(RegistrationRow(r[1], r[2], r[3], r[4]))
    flags: dict[int, list[FlagRow]] = {}
    for r in scoped(
        select(flag.patient_id, flag.category, flag.start_date, flag.end_date, flag.subcategory), flag.patient_id
    ):
        flags.setdefault(r[0], []).append(FlagRow(r[1], r[2], r[3], r[4]))
    events: dict[int, list[EventRow]] = {}
    for r in scoped(select(ev.patient_id, ev.code, ev.event_date, ev.value), ev.patient_id):
        events.setdefault(r[0], []).append(EventRow(r[1], r[2], r[3]))
    invites: dict[int, list[InvitationRow]] = {}
    for r in scoped(select(inv.patient_id, inv.topic, inv.sent_on), inv.patient_id):
        invites.setdefault(r[0], []).append(InvitationRow(r[1], r[2]))
    actions: dict[int, list[DnaActionRow]] = {}
    for r in scoped(
        select(act.patient_id, act.dna_event_id, act.action, act.status, act.done_at), act.patient_id
    ):
        actions.setdefault(r[1], []).append(DnaActionRow(r[2], r[3], r[4]))
    dnas: dict[int, list[DnaRow]] = {}
    for r in scoped(select(dna.patient_id, dna.id, dna.occurred_at, dna.voided_at), dna.patient_id):
        dnas.setdefault(r[0], []).append(DnaRow(r[2], r[3], tuple(actions.get(r[1], ()))))
    out = []
    for r in scoped(
        select(pat.id, pat.date_of_birth, pat.sex, pat.main_language,
               pat.interpreter_needed, pat.interpreter_mode, pat.keyworker_name, pat.linked_to_id),
        pat.id,
    ):
        pid = r[0]
        out.append(
            PatientHistory(
                id=pid,
                date_of_birth=r[1],
                sex=r[2],
                main_language=r[3],
                interpreter_needed=bool(r[4]),
                interpreter_mode=r[5],
                keyworker_name=r[6],
                linked_to_id=r[7],
                registrations=tuple(regs.get(pid, ())),
                flags=tuple(flags.get(pid, ())),
                events=tuple(events.get(pid, ())),
                invitations=tuple(invites.get(pid, ())),
                dnas=tuple(dnas.get(pid, ())),
            )
        )
    return sorted(out, key=lambda p: p.id)


def registered_count(
    conn: Connection, day: dt.date, *, source: IndicatorSource | None = None, include_temporary: bool = False
) -> int:
    """People on the registered list on ``day`` (the list size for the contractor population
    index): permanent registrations only unless ``include_temporary``, and records linked as the
    same person once, on the surviving record (as the indicator engines count)."""
    s = source if source is not None else indicator_source()
    r, p = s.registration, s.patient
    root = p.alias("root")
    person = func.coalesce(p.c.linked_to_id, p.c.id)
    conds = [active_on(r, day), root.c.linked_to_id.is_(None)]
    if not include_temporary:
        conds.append(r.c.kind.in_(sorted(k.value for k in REGISTERED_LIST_KINDS)))
    stmt = (
        select(func.count(func.distinct(person)))
        .select_from(r.join(p, p.c.id == r.c.patient_id).join(root, root.c.id == person))
        .where(*conds)
    )
    return int(conn.execute(stmt).scalar_one())


def patient_names(
    conn: Connection, ids: Sequence[int], *, source: IndicatorSource | None = None
) -> dict[int, str]:
    """Display names for worklists."""
    p = (source if source is not None else indicator_source()).patient
    out: dict[int, str] = {}
    for i in range(0, len(ids), 500):
        stmt = select(p.c.id, p.c.given_name, p.c.family_name).where(p.c.id.in_(list(ids[i : i + 500])))
        for pid, given, family in conn.execute(stmt):
            out[pid] = f"{given} {family}"
    return out
