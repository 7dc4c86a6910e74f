"""Aggregate counts for returns: SQLAlchemy Core, one statement per figure, SQLite and PostgreSQL.

Every function takes a connection and the period's first and last days, and returns counts only,
never rows about a person. Aggregates may count restricted inclusion-health categories (the
register by category in a return); who may run them is checked by the returns service
(``Permission.PRODUCE_RETURNS``: managers and admins). Date rules, stated once:

- a flag is active on day *d* when ``start_date <= d`` and its ``end_date`` (the last active day)
  is empty or ``>= d``;
- a patient is registered on *d* when a registration started by *d* has not ended
  (``end_date``) or lapsed (``planned_end``) before *d*; only registered-list (permanent)
  registrations count: temporary residents and immediately-necessary-treatment patients stay
  registered with their home practice and are counted beside the register, not in it;
- records linked as the same person (``patient.linked_to_id``) count once, on the surviving
  record, with every linked record's flags and registrations;
- "on the register on *d*" means registered on *d* AND a flag active on *d* (as the indicator
  engine counts its registers). The register flow compares the day before the period with its
  last day, per patient, so at start + joined − left = at end holds by construction, and a
  patient who joins or leaves the practice while flagged joins or leaves the register; a flag
  ending on 31 March is on the register at that year end and leaves in the next year;
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
    or_,
    select,
)

from inclusion_practice.domain.registration import REGISTERED_LIST_KINDS
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
LIST_KINDS: tuple[str, ...] = tuple(sorted(k.value for k in REGISTERED_LIST_KINDS))
"""Registration kinds on the registered list (temporary residents are not)."""
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


def person_of(patient_id: Any) -> ColumnElement[int]:
    """The surviving record of the person a row belongs to: the record it is linked to as the
    same person (``linked_to_id``), else itself (a primary-key lookup per row)."""
    pl = Patient.__table__.alias("person_link")  # type: ignore[attr-defined]
    found: ColumnElement[int] = func.coalesce(
        select(pl.c.linked_to_id).where(pl.c.id == patient_id).scalar_subquery(), patient_id
    )
    return found


def _surviving(person_id: Any) -> ColumnElement[bool]:
    """``person_id`` is a record that is not itself linked to another (so it is counted)."""
    ps = Patient.__table__.alias("person_row")  # type: ignore[attr-defined]
    return exists(select(literal(1)).where(ps.c.id == person_id, ps.c.linked_to_id.is_(None)))


def _list_kind(kind: Any) -> ColumnElement[bool]:
    listed: ColumnElement[bool] = kind.in_(LIST_KINDS)
    return listed


def registered_people(day: dt.date, *, include_temporary: bool = False) -> Any:
    """People (surviving records) registered on ``day``: on the registered list (permanent
    registrations of any of their records) unless ``include_temporary``. Uncorrelated, so
    ``x.in_(registered_people(d))`` is computed once."""
    conds = [active_on(Registration, day)]
    if not include_temporary:
        conds.append(_list_kind(_r.kind))
    return select(person_of(_r.patient_id)).where(*conds)


def registered_on(patient_id: Any, day: dt.date) -> ColumnElement[bool]:
    """``patient_id`` (a surviving record) is on the registered list on ``day``."""
    found: ColumnElement[bool] = patient_id.in_(registered_people(day))
    return found


def _flag_active_on(day: dt.date) -> ColumnElement[bool]:
    return active_on(Flag, day)


@dataclass(frozen=True)
class RegisterFlow:
    """One category's register over a period (``category=None``: any category, each patient
    once). ``at_start + joined - left == at_end`` holds by construction: every patient is
    counted by whether they were on the register on the day before the period and on its last
    day, so a patient who joined or left the practice while flagged moves the register exactly
    as a flag starting or ending does."""

    category: str | None
    at_start: int
    """On the register on the day before the period's first day."""
    joined: int
    """Off the register then, on it on the last day."""
    left: int
    """On it then, off it on the last day."""
    at_end: int
    """On the register on the last day."""
    in_and_out: int
    """On the register at some time in the period but neither at its start nor its end
    (not part of the identity; shown so short spells are not lost)."""
    temporary_at_end: int = 0
    """Flagged on the last day and there only as a temporary resident or for immediately
    necessary treatment: shown beside the register, never in it."""

    @property
    def balances(self) -> bool:
        return self.at_start + self.joined - self.left == self.at_end


def register_flow(conn: Connection, first: dt.date, last: dt.date) -> list[RegisterFlow]:
    """The register flow per category (sorted), then the total over all categories.

    Rows are keyed by person (records linked as the same person count once, on the surviving
    record) and only registered-list (permanent) registrations count. Each person's flags and
    registrations are reduced to "in force on the day before the period / on its last day", and
    "on the register for a while in the period" is a registration and a flag overlapping each
    other inside it; the total does the same over any category."""
    before = first - dt.timedelta(days=1)
    flags = (
        select(person_of(_f.patient_id).label("pid"), _f.category, _f.start_date, _f.end_date)
        .where(active_between(Flag, before, last))
        .subquery("flag_people")
    )
    regs = (
        select(person_of(_r.patient_id).label("pid"), _r.kind, _r.start_date, _r.end_date, _r.planned_end)
        .where(active_between(Registration, before, last))
        .subquery("reg_people")
    )

    def flag(d: dt.date) -> Any:
        return func.max(case((active_on(flags, d), 1), else_=0))

    def listed(d: dt.date) -> Any:
        return func.max(case((and_(_list_kind(regs.c.kind), active_on(regs, d)), 1), else_=0))

    def temporary(d: dt.date) -> Any:
        return func.max(case((and_(~_list_kind(regs.c.kind), active_on(regs, d)), 1), else_=0))

    reg_state = (
        select(regs.c.pid, listed(before).label("r0"), listed(last).label("r1"),
               temporary(last).label("t1"))
        .group_by(regs.c.pid)
        .subquery("reg_state")
    )
    overlap = and_(
        _list_kind(regs.c.kind),
        active_between(flags, first, last),
        active_between(regs, first, last),
        regs.c.start_date <= func.coalesce(flags.c.end_date, last),
        or_(regs.c.end_date.is_(None), flags.c.start_date <= regs.c.end_date),
        or_(regs.c.planned_end.is_(None), flags.c.start_date <= regs.c.planned_end),
    )
    pairs = select(flags.c.pid, flags.c.category).select_from(
        flags.join(regs, regs.c.pid == flags.c.pid)).where(overlap)
    during_cat = pairs.distinct().subquery("during_cat")
    during_any = select(flags.c.pid).select_from(
        flags.join(regs, regs.c.pid == flags.c.pid)).where(overlap).distinct().subquery("during_any")
    flag_cat = (
        select(flags.c.pid, flags.c.category, flag(before).label("f0"), flag(last).label("f1"))
        .group_by(flags.c.pid, flags.c.category)
        .subquery("flag_cat")
    )
    flag_any = (
        select(flags.c.pid, flag(before).label("f0"), flag(last).label("f1"))
        .group_by(flags.c.pid)
        .subquery("flag_any")
    )
    cat_rows = _flow_rows(
        conn, flag_cat, reg_state,
        flag_cat.outerjoin(reg_state, reg_state.c.pid == flag_cat.c.pid).outerjoin(
            during_cat, and_(during_cat.c.pid == flag_cat.c.pid, during_cat.c.category == flag_cat.c.category)),
        during_cat.c.pid, flag_cat.c.category,
    )
    out = [RegisterFlow(str(cat), *counts) for cat, *counts in cat_rows]
    out.sort(key=lambda r: r.category or "")
    total = _flow_rows(
        conn, flag_any, reg_state,
        flag_any.outerjoin(reg_state, reg_state.c.pid == flag_any.c.pid).outerjoin(
            during_any, during_any.c.pid == flag_any.c.pid),
        during_any.c.pid, None,
    )
    out.append(RegisterFlow(None, *total[0][1:]) if total else RegisterFlow(None, 0, 0, 0, 0, 0))
    return out


def _flow_rows(
    conn: Connection, flag_state: Any, reg_state: Any, frm: Any, during_pid: Any, cat: Any | None,
) -> list[tuple[Any, int, int, int, int, int, int]]:
    start = and_(flag_state.c.f0 == 1, func.coalesce(reg_state.c.r0, 0) == 1)
    end = and_(flag_state.c.f1 == 1, func.coalesce(reg_state.c.r1, 0) == 1)
    during = during_pid.is_not(None)
    temporary = and_(flag_state.c.f1 == 1, func.coalesce(reg_state.c.r1, 0) == 0,
                     func.coalesce(reg_state.c.t1, 0) == 1)

    def count(cond: ColumnElement[bool]) -> Any:
        return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)

    cols = [
        count(start),
        count(and_(~start, end)),
        count(and_(start, ~end)),
        count(end),
        count(and_(~start, ~end, during)),
        count(temporary),
    ]
    label = cat if cat is not None else literal(None)
    stmt = select(label, *cols).select_from(frm).where(_surviving(flag_state.c.pid))
    if cat is not None:
        stmt = stmt.group_by(cat)
    return [
        (c, int(a), int(j), int(lf), int(e), int(io), int(t))
        for c, a, j, lf, e, io, t in conn.execute(stmt).all()
    ]


@dataclass(frozen=True)
class ListSizes:
    """People registered on a day: on the registered list, and temporary only (temporary
    residents and immediately necessary treatment), each person once."""

    registered: int
    temporary: int


def list_sizes(conn: Connection, day: dt.date) -> ListSizes:
    """The registered list on ``day`` and, beside it, the people there only temporarily."""
    listed = registered_people(day)
    anyone = registered_people(day, include_temporary=True)
    ps = Patient.__table__  # type: ignore[attr-defined]
    people = select(func.count()).select_from(ps).where(ps.c.linked_to_id.is_(None))
    n_listed = conn.execute(people.where(ps.c.id.in_(listed))).scalar_one()
    n_temp = conn.execute(people.where(ps.c.id.in_(anyone), ps.c.id.not_in(listed))).scalar_one()
    return ListSizes(int(n_listed), int(n_temp))


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


def _recorded_in_error(appointment_id: Any) -> ColumnElement[bool]:
    """A ``dna`` appointment whose every DNA event was voided: the DNA was recorded in error,
    so it is neither missed nor attended as far as a return knows. (One uncorrelated subquery,
    so the database computes it once, not once per appointment.)"""
    voided_only = (
        select(_de.appointment_id)
        .where(_de.appointment_id.is_not(None))
        .group_by(_de.appointment_id)
        .having(func.sum(case((_de.voided_at.is_(None), 1), else_=0)) == 0)
    )
    found: ColumnElement[bool] = appointment_id.in_(voided_only)
    return found


def _missed(first: dt.date, last: dt.date) -> ColumnElement[bool]:
    """THE definition of a DNA in a return, for appointments: starts in the period, status
    ``dna``, not recorded in error (every DNA event voided)."""
    lo, hi = _day_bounds(first, last)
    return and_(_a.start >= lo, _a.start < hi, _a.status == MISSED_STATUS,
                ~_recorded_in_error(_a.id))


def _dna_event_counts(first: dt.date, last: dt.date) -> ColumnElement[bool]:
    """THE definition of a DNA in a return, for DNA events: not voided, and either linked to a
    missed appointment of the period (:func:`_missed`) or, when recorded without an
    appointment, occurred in the period."""
    lo, hi = _day_bounds(first, last)
    missed_ids = select(_a.id).where(_missed(first, last))
    return and_(
        _de.voided_at.is_(None),
        or_(
            _de.appointment_id.in_(missed_ids),
            and_(_de.appointment_id.is_(None), _de.occurred_at >= lo, _de.occurred_at < hi),
        ),
    )


def dna_rates(conn: Connection, first: dt.date, last: dt.date) -> list[DnaCounts]:
    """Missed ÷ (attended + missed) for patients flagged at any time in the period vs others."""
    lo, hi = _day_bounds(first, last)
    flagged = _flagged_in_period(_a.patient_id, first, last).label("flagged")
    missed = _missed(first, last).label("missed")
    sub = (
        select(flagged, missed)
        .where(
            _a.start >= lo,
            _a.start < hi,
            or_(_a.status.in_(ATTENDED_STATUSES), _missed(first, last)),
        )
        .subquery()
    )
    rows = conn.execute(
        select(
            sub.c.flagged,
            func.count(),
            func.sum(case((sub.c.missed, 1), else_=0)),
        ).group_by(sub.c.flagged)
    ).all()
    found = {bool(f): (int(n), int(m or 0)) for f, n, m in rows}
    return [
        DnaCounts(flag, *found.get(flag, (0, 0)))
        for flag in (True, False)
    ]


@dataclass(frozen=True)
class DnaTotals:
    """The DNAs a return counts, by the one definition both DNA tables use."""

    missed_appointments: int
    """Missed appointments (the DNA-rate table's "missed", summed over the groups)."""
    without_appointment: int
    """DNAs recorded without an appointment (standing, occurred in the period)."""
    dna_events: int
    """Standing DNA events behind them (the ones the policy decided actions for)."""
    with_action: int
    """Of those events, the ones with at least one action that was not withdrawn."""

    @property
    def dnas(self) -> int:
        return self.missed_appointments + self.without_appointment


def dna_totals(conn: Connection, first: dt.date, last: dt.date) -> DnaTotals:
    """How many DNAs the period has, for the DNA actions table to agree with the rates."""
    lo, hi = _day_bounds(first, last)
    missed = conn.execute(select(func.count()).where(_missed(first, last))).scalar_one()
    unlinked = conn.execute(
        select(func.count()).where(_de.appointment_id.is_(None), _de.voided_at.is_(None),
                                   _de.occurred_at >= lo, _de.occurred_at < hi)
    ).scalar_one()
    counted = _dna_event_counts(first, last)
    events = conn.execute(select(func.count()).where(counted)).scalar_one()
    acted = _de.id.in_(select(_da.dna_event_id).where(_da.status != "withdrawn"))
    with_action = conn.execute(select(func.count()).where(counted, acted)).scalar_one()
    return DnaTotals(int(missed), int(unlinked), int(events), int(with_action))


@dataclass(frozen=True)
class DnaActionCounts:
    policy: str
    action: str
    decided: int
    done: int


def dna_actions(conn: Connection, first: dt.date, last: dt.date) -> list[DnaActionCounts]:
    """Actions decided after the period's DNAs (:func:`_dna_event_counts`: voided DNAs out,
    and the same appointments as the DNA rates); withdrawn actions left out."""
    rows = conn.execute(
        select(
            _da.policy,
            _da.action,
            func.count(),
            func.sum(case((_da.status == "done", 1), else_=0)),
        )
        .select_from(DnaAction.__table__.join(DnaEvent.__table__, _da.dna_event_id == _de.id))  # type: ignore[attr-defined]
        .where(_dna_event_counts(first, last), _da.status != "withdrawn")
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
