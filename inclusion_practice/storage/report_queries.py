"""Aggregate counts for returns: SQLAlchemy Core, one statement per figure, SQLite and PostgreSQL.

Every function takes a connection and the period's first and last days, and returns counts only,
never rows about a person. Aggregates may count restricted inclusion-health categories (the
register by category in a return); who may run them is checked by the returns service
(``Permission.PRODUCE_RETURNS``: managers and admins). Date rules, stated once:

- a flag is active on day *d* when ``start_date <= d`` and its ``end_date`` (the last active day)
  is empty or ``>= d``;
- a patient is registered on *d* when a registration started by *d* has not ended
  (``end_date``) or lapsed (``planned_end``) before *d*;
- "on the register at the period end" means registered on the last day with a flag active on it
  (as the indicator engine counts its registers); a flag "ended in the period" came off the
  register during it, i.e. its last active day is between the day before the period and the day
  before its last day. So a flag ending on 31 March is on the register at that year end and
  counts as ended in the next year, and at start + new − ended = at end holds per flag;
- timestamps (appointments, DNAs) are in the period when ``first day 00:00 <= t < day after``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    and_,
    case,
    distinct,
    exists,
    func,
    literal,
    select,
)

from inclusion_practice.storage.active import active_between, active_on
from inclusion_practice.storage.tables import (
    Appointment,
    DnaAction,
    DnaEvent,
    Flag,
    InterpreterBooking,
    Patient,
    Refusal,
    Registration,
)

PROXY_CORRESPONDENCE_KINDS: tuple[str, ...] = ("practice", "partner", "care_of")
"""Correspondence that goes somewhere other than where the patient lives."""
CANCELLED_STATUSES: tuple[str, ...] = ("cancelled_patient", "cancelled_practice")
ATTENDED_STATUSES: tuple[str, ...] = ("arrived", "seen", "left", "walk_in")
"""Appointment outcomes that mean the patient came."""
MISSED_STATUS = "dna"
LIVE_INTERPRETER_STATUSES: tuple[str, ...] = ("to_book", "booked")
"""Interpreter bookings that still stand (not cancelled, not waiting to be cancelled)."""

_f = Flag.__table__.c  # type: ignore[attr-defined]
_r = Registration.__table__.c  # type: ignore[attr-defined]
_p = Patient.__table__.c  # type: ignore[attr-defined]
_ref = Refusal.__table__.c  # type: ignore[attr-defined]
_a = Appointment.__table__.c  # type: ignore[attr-defined]
_ib = InterpreterBooking.__table__.c  # type: ignore[attr-defined]
_de = DnaEvent.__table__.c  # type: ignore[attr-defined]
_da = DnaAction.__table__.c  # type: ignore[attr-defined]


def _day_bounds(first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    return dt.datetime.combine(first, dt.time()), dt.datetime.combine(
        last + dt.timedelta(days=1), dt.time()
    )


def registered_on(patient_id: Any, day: dt.date) -> ColumnElement[bool]:
    """EXISTS a registration covering ``day`` for ``patient_id`` (a column)."""
    return exists(
        select(literal(1)).where(
            _r.patient_id == patient_id, active_on(Registration, day)
        )
    )


def _flag_active_on(day: dt.date) -> ColumnElement[bool]:
    return active_on(Flag, day)


@dataclass(frozen=True)
class RegisterCounts:
    category: str | None
    """None for the total over all categories (distinct patients)."""
    new: int
    ended: int
    at_end: int


def register_by_category(conn: Connection, first: dt.date, last: dt.date) -> list[RegisterCounts]:
    """Distinct patients per category: flag started in the period, came off in it, on it at the end.

    The last item (``category=None``) counts distinct patients over all categories.
    """
    new = func.count(distinct(case((_f.start_date.between(first, last), _f.patient_id))))
    one_day = dt.timedelta(days=1)
    ended = func.count(
        distinct(case((_f.end_date.between(first - one_day, last - one_day), _f.patient_id)))
    )
    at_end = func.count(
        distinct(case((and_(_flag_active_on(last), registered_on(_f.patient_id, last)),
                       _f.patient_id)))
    )
    touching = active_between(Flag, first - one_day, last)
    rows = conn.execute(
        select(_f.category, new, ended, at_end).where(touching).group_by(_f.category)
    ).all()
    out = [RegisterCounts(str(c), int(n), int(e), int(a)) for c, n, e, a in rows]
    total = conn.execute(select(new, ended, at_end).where(touching)).one()
    out.sort(key=lambda r: r.category or "")
    out.append(RegisterCounts(None, int(total[0]), int(total[1]), int(total[2])))
    return out


@dataclass(frozen=True)
class RegistrationCounts:
    kind: str
    new: int
    proxy_address: int
    no_fixed_abode: int


def registrations_by_kind(conn: Connection, first: dt.date, last: dt.date) -> list[RegistrationCounts]:
    """Registrations that started in the period, by kind, with proxy-address and NFA use.

    The address figures use the patient's current record (addresses are not versioned)."""
    proxy = func.sum(case((_p.correspondence_kind.in_(PROXY_CORRESPONDENCE_KINDS), 1), else_=0))
    nfa = func.sum(case((_p.no_fixed_abode.is_(True), 1), else_=0))
    rows = conn.execute(
        select(_r.kind, func.count(), proxy, nfa)
        .select_from(Registration.__table__.join(Patient.__table__, _r.patient_id == _p.id))  # type: ignore[attr-defined]
        .where(_r.start_date.between(first, last))
        .group_by(_r.kind)
        .order_by(_r.kind)
    ).all()
    return [RegistrationCounts(str(k), int(n), int(pr or 0), int(nf or 0)) for k, n, pr, nf in rows]


def deregistrations_by_reason(conn: Connection, first: dt.date, last: dt.date) -> dict[str, int]:
    """Registrations ended (deregistered) in the period, by reason. Lapsed temporary ones are
    not deregistrations and are not counted here."""
    rows = conn.execute(
        select(_r.end_reason, func.count())
        .where(_r.end_date.between(first, last))
        .group_by(_r.end_reason)
    ).all()
    out: dict[str, int] = {}
    for reason, n in rows:
        key = str(reason or "unknown")
        out[key] = out.get(key, 0) + int(n)
    return out


@dataclass(frozen=True)
class RefusalCounts:
    reason: str
    refused: int
    written_in_time: int
    written_late: int
    not_yet_written: int


def refusals_by_reason(conn: Connection, first: dt.date, last: dt.date) -> list[RefusalCounts]:
    """Refusals recorded in the period, by reason, and whether the written reason went in time."""
    sent = _ref.written_reason_sent_on
    rows = conn.execute(
        select(
            _ref.reason,
            func.count(),
            func.sum(case((and_(sent.is_not(None), sent <= _ref.written_reason_due), 1), else_=0)),
            func.sum(case((and_(sent.is_not(None), sent > _ref.written_reason_due), 1), else_=0)),
            func.sum(case((sent.is_(None), 1), else_=0)),
        )
        .where(_ref.refused_on.between(first, last))
        .group_by(_ref.reason)
        .order_by(_ref.reason)
    ).all()
    return [
        RefusalCounts(str(r), int(n), int(a or 0), int(b or 0), int(c or 0))
        for r, n, a, b, c in rows
    ]


@dataclass(frozen=True)
class AppointmentCounts:
    appointments: int
    double: int


def appointment_counts(conn: Connection, first: dt.date, last: dt.date) -> AppointmentCounts:
    """Appointments starting in the period that were not cancelled, and the double ones."""
    lo, hi = _day_bounds(first, last)
    row = conn.execute(
        select(func.count(), func.sum(case((_a.slot_count >= 2, 1), else_=0))).where(
            _a.start >= lo, _a.start < hi, _a.status.not_in(CANCELLED_STATUSES)
        )
    ).one()
    return AppointmentCounts(int(row[0]), int(row[1] or 0))


def interpreter_appointments(
    conn: Connection, first: dt.date, last: dt.date
) -> list[tuple[str, str, int]]:
    """(language, mode, appointments) for standing interpreter bookings on live appointments."""
    lo, hi = _day_bounds(first, last)
    rows = conn.execute(
        select(_ib.language, _ib.mode, func.count(distinct(_ib.appointment_id)))
        .select_from(InterpreterBooking.__table__.join(Appointment.__table__, _ib.appointment_id == _a.id))  # type: ignore[attr-defined]
        .where(
            _a.start >= lo,
            _a.start < hi,
            _a.status.not_in(CANCELLED_STATUSES),
            _ib.status.in_(LIVE_INTERPRETER_STATUSES),
        )
        .group_by(_ib.language, _ib.mode)
        .order_by(_ib.language, _ib.mode)
    ).all()
    return [(str(lang), str(mode), int(n)) for lang, mode, n in rows]


@dataclass(frozen=True)
class DnaCounts:
    flagged: bool
    appointments: int
    """Appointments in the period with an outcome (attended or missed)."""
    missed: int


def _flagged_in_period(patient_id: Any, first: dt.date, last: dt.date) -> ColumnElement[bool]:
    return exists(
        select(literal(1)).where(
            _f.patient_id == patient_id,
            active_between(Flag, first, last),
        )
    )


def dna_rates(conn: Connection, first: dt.date, last: dt.date) -> list[DnaCounts]:
    """Missed ÷ (attended + missed) for patients flagged at any time in the period vs others."""
    lo, hi = _day_bounds(first, last)
    flagged = _flagged_in_period(_a.patient_id, first, last).label("flagged")
    sub = (
        select(flagged, _a.status.label("status"))
        .where(
            _a.start >= lo,
            _a.start < hi,
            _a.status.in_((*ATTENDED_STATUSES, MISSED_STATUS)),
        )
        .subquery()
    )
    rows = conn.execute(
        select(
            sub.c.flagged,
            func.count(),
            func.sum(case((sub.c.status == MISSED_STATUS, 1), else_=0)),
        ).group_by(sub.c.flagged)
    ).all()
    found = {bool(f): (int(n), int(m or 0)) for f, n, m in rows}
    return [
        DnaCounts(flag, *found.get(flag, (0, 0)))
        for flag in (True, False)
    ]


@dataclass(frozen=True)
class DnaActionCounts:
    policy: str
    action: str
    decided: int
    done: int


def dna_actions(conn: Connection, first: dt.date, last: dt.date) -> list[DnaActionCounts]:
    """Actions decided after DNAs in the period (withdrawn ones and voided DNAs left out)."""
    lo, hi = _day_bounds(first, last)
    rows = conn.execute(
        select(
            _da.policy,
            _da.action,
            func.count(),
            func.sum(case((_da.status == "done", 1), else_=0)),
        )
        .select_from(DnaAction.__table__.join(DnaEvent.__table__, _da.dna_event_id == _de.id))  # type: ignore[attr-defined]
        .where(
            _de.occurred_at >= lo,
            _de.occurred_at < hi,
            _de.voided_at.is_(None),
            _da.status != "withdrawn",
        )
        .group_by(_da.policy, _da.action)
        .order_by(_da.policy, _da.action)
    ).all()
    return [DnaActionCounts(str(p), str(a), int(n), int(d or 0)) for p, a, n, d in rows]


@dataclass(frozen=True)
class DataQualityCounts:
    flagged_without_contact_route: int
    interpreter_without_mode: int


def data_quality(conn: Connection, on: dt.date) -> DataQualityCounts:
    """Gaps among patients registered on ``on`` (current record values)."""
    flagged = exists(
        select(literal(1)).where(_f.patient_id == _p.id, _flag_active_on(on))
    )
    registered = registered_on(_p.id, on)
    no_route = conn.execute(
        select(func.count())
        .select_from(Patient.__table__)  # type: ignore[attr-defined]
        .where(registered, flagged, _p.contact_route.is_(None))
    ).scalar_one()
    no_mode = conn.execute(
        select(func.count())
        .select_from(Patient.__table__)  # type: ignore[attr-defined]
        .where(registered, _p.interpreter_needed.is_(True), _p.interpreter_mode.is_(None))
    ).scalar_one()
    return DataQualityCounts(int(no_route), int(no_mode))
