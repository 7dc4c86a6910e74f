"""Inclusion-health flags: adding, ending, reviewing — and who may see which.

Sensitivity is enforced here, on every read: restricted categories (sex work, substance use,
domestic abuse refuge, modern slavery, and practice categories marked restricted) are returned
only to roles with ``VIEW_RESTRICTED_FLAGS``. Other roles get the needs that follow from them
(see :mod:`inclusion_practice.domain.needs`), never the category. A restricted flag is "not
found" for a role that may not see it, so its existence does not leak either.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from inclusion_practice.clock import Clock
from inclusion_practice.config import PracticeConfig
from inclusion_practice.domain.actor import Actor
from inclusion_practice.domain.calendar_months import add_months
from inclusion_practice.domain.flag_categories import FlagCategory, all_snomed
from inclusion_practice.domain.patient_record import FlagRecord, FlagSource
from inclusion_practice.domain.roles import Permission, Role
from inclusion_practice.errors import InvalidInput, NotFound
from inclusion_practice.services.access import require
from inclusion_practice.services.access_log import first_argument, logged_read
from inclusion_practice.services.queries import FlagQuery, Page, check_page
from inclusion_practice.storage.active import active_on
from inclusion_practice.storage.database import Database, UnitOfWork
from inclusion_practice.storage.tables import Flag, Patient
from inclusion_practice.storage.visibility import flag_category_visible


def restricted_codes(config: PracticeConfig) -> frozenset[str]:
    return frozenset(c.code for c in config.flag_categories().values() if c.restricted)


def visible_to(role: Role, category: str, config: PracticeConfig) -> bool:
    """Whether ``role`` may see a flag of ``category`` (the allow-list policy: a category the
    configuration does not know is hidden from non-clinical roles)."""
    return config.flag_visibility(role).allows(category)


def to_record(row: Flag, config: PracticeConfig) -> FlagRecord:
    cat = config.flag_categories().get(row.category)
    assert row.id is not None
    return FlagRecord(
        id=row.id,
        patient_id=row.patient_id,
        category=row.category,
        subcategory=row.subcategory,
        snomed_code=row.snomed_code,
        start=row.start_date,
        end=row.end_date,
        review=row.review_date,
        source=FlagSource(row.source),
        recorded_by=row.recorded_by,
        end_reason=row.end_reason,
        restricted=cat.restricted if cat else True,
        label=cat.label if cat else row.category,
    )


def visible_flags(
    session: Session,
    config: PracticeConfig,
    role: Role,
    patient_ids: Iterable[int],
    *,
    on: dt.date | None = None,
    include_ended: bool = False,
) -> dict[int, list[FlagRecord]]:
    """Flags of ``patient_ids`` that ``role`` may see, by patient (the one filter every read
    path uses). With ``on``, only flags active that day unless ``include_ended``."""
    ids = list(set(patient_ids))
    out: dict[int, list[FlagRecord]] = {pid: [] for pid in ids}
    if not ids:
        return out
    policy = config.flag_visibility(role)
    stmt = select(Flag).where(col(Flag.patient_id).in_(ids), flag_category_visible(Flag.category, policy))
    if on is not None and not include_ended:
        stmt = stmt.where(active_on(Flag, on))
    for row in session.exec(stmt.order_by(col(Flag.start_date), col(Flag.id))).all():
        if policy.allows(row.category):
            out[row.patient_id].append(to_record(row, config))
    return out


def parse_source(text: str | FlagSource) -> FlagSource:
    key = "_".join(str(text).strip().lower().replace("-", " ").split())
    try:
        return FlagSource(key)
    except ValueError:
        raise InvalidInput(
            "source", f"{text!r} is not one of {', '.join(s.value for s in FlagSource)}"
        ) from None


def check_category(
    config: PracticeConfig, category: str, subcategory: str | None, snomed_code: str | None
) -> tuple[FlagCategory, str | None, str | None]:
    """Validate the category, subcategory and code; choose the default SNOMED code."""
    cats = config.flag_categories()
    key = "_".join((category or "").strip().lower().replace("-", " ").split())
    cat = cats.get(key)
    if cat is None:
        raise InvalidInput("category", f"unknown flag category {category!r} (known: {', '.join(cats)})")
    sub = "_".join((subcategory or "").strip().lower().replace("-", " ").split()) or None
    if sub is not None and sub not in cat.subcategories:
        choices = ", ".join(cat.subcategories) or "none"
        raise InvalidInput("subcategory", f"{subcategory!r} is not a subcategory of {cat.code} ({choices})")
    code = (snomed_code or "").strip() or None
    if code is not None:
        allowed = all_snomed(cat)
        if code not in allowed:
            raise InvalidInput(
                "snomed_code",
                f"{code} does not mean {cat.label} (use one of {', '.join(allowed) or 'none'})",
            )
    else:
        by_sub = cat.snomed_by_subcategory.get(sub, ()) if sub else ()
        code = (by_sub or cat.snomed or (None,))[0]
    return cat, sub, code


class FlagService:
    """Adding, ending and reading inclusion-health flags, filtered by role on every read."""

    def __init__(self, db: Database, config: PracticeConfig, clock: Clock) -> None:
        self._db = db
        self._config = config
        self._clock = clock

    def add(
        self,
        actor: Actor | None,
        patient_id: int,
        category: str,
        *,
        subcategory: str | None = None,
        start: dt.date | None = None,
        review: dt.date | None = None,
        source: str | FlagSource = FlagSource.SELF_DECLARED,
        snomed_code: str | None = None,
    ) -> FlagRecord:
        """Flag a patient. Restricted categories need ``ADD_RESTRICTED_FLAG`` (clinicians)."""
        require(actor, Permission.ADD_FLAG)
        assert actor is not None
        cat, sub, code = check_category(self._config, category, subcategory, snomed_code)
        if cat.restricted:
            require(actor, Permission.ADD_RESTRICTED_FLAG)
        src = parse_source(source)
        today = self._clock.today()
        start = start or today
        if start > today:
            raise InvalidInput("start", f"{start} is in the future")
        if review is None:
            review = add_months(start, self._config.flags.default_review_months)
        elif review < start:
            raise InvalidInput("review", f"{review} is before the start {start}")

        def work(uow: UnitOfWork) -> FlagRecord:
            if uow.session.get(Patient, patient_id) is None:
                raise NotFound("patient", patient_id)
            row = Flag(
                patient_id=patient_id, category=cat.code, subcategory=sub, snomed_code=code,
                start_date=start, review_date=review, source=src.value,
                recorded_by=actor.username,
            )
            uow.session.add(row)
            uow.flush()
            return to_record(row, self._config)

        return self._db.run_write(actor, "add_flag", work)

    def end(
        self,
        actor: Actor | None,
        flag_id: int,
        *,
        on: dt.date | None = None,
        reason: str | None = None,
    ) -> FlagRecord:
        """End a flag on ``on`` (its last day). A role that cannot see it gets "not found"."""
        role = require(actor, Permission.END_FLAG)
        on = on or self._clock.today()
        reason = " ".join((reason or "").split()) or None
        if reason is not None and len(reason) > 200:
            raise InvalidInput("reason", "is longer than 200 characters")

        def work(uow: UnitOfWork) -> FlagRecord:
            row = uow.session.get(Flag, flag_id)
            if row is None or not visible_to(role, row.category, self._config):
                raise NotFound("flag", flag_id)
            if row.end_date is not None:
                raise InvalidInput("flag", f"flag {flag_id} already ended on {row.end_date}")
            if on < row.start_date:
                raise InvalidInput("on", f"{on} is before the flag started on {row.start_date}")
            row.end_date = on
            row.end_reason = reason
            uow.session.add(row)
            return to_record(row, self._config)

        return self._db.run_write(actor, "end_flag", work)

    def set_review(self, actor: Actor | None, flag_id: int, review: dt.date) -> FlagRecord:
        """Move a flag's review date (after reviewing it)."""
        role = require(actor, Permission.ADD_FLAG)

        def work(uow: UnitOfWork) -> FlagRecord:
            row = uow.session.get(Flag, flag_id)
            if row is None or not visible_to(role, row.category, self._config):
                raise NotFound("flag", flag_id)
            if review < row.start_date:
                raise InvalidInput("review", f"{review} is before the start {row.start_date}")
            row.review_date = review
            uow.session.add(row)
            return to_record(row, self._config)

        return self._db.run_write(actor, "review_flag", work)

    @logged_read("flag.get", lambda flag, _a: [flag.patient_id])
    def get(self, actor: Actor | None, flag_id: int) -> FlagRecord:
        role = _reader_role(actor)
        with self._db.read() as uow:
            row = uow.session.get(Flag, flag_id)
            if row is None or not visible_to(role, row.category, self._config):
                raise NotFound("flag", flag_id)
            return to_record(row, self._config)

    @logged_read("flag.due_for_review", lambda flags, _a: [f.patient_id for f in flags])
    def due_for_review(self, actor: Actor | None, on: dt.date | None = None) -> list[FlagRecord]:
        """Active flags whose review date has come, that the role may see."""
        role = _reader_role(actor)
        on = on or self._clock.today()
        with self._db.read() as uow:
            stmt = select(Flag).where(
                col(Flag.end_date).is_(None), col(Flag.review_date).is_not(None),
                col(Flag.review_date) <= on,
            )
            rows = uow.session.exec(stmt.order_by(col(Flag.review_date), col(Flag.id))).all()
            return [
                to_record(r, self._config) for r in rows
                if visible_to(role, r.category, self._config)
            ]

    @logged_read("flag.register", lambda ids, _a: ids)
    def patients_with(
        self, actor: Actor | None, category: str, on: dt.date | None = None
    ) -> list[int]:
        """Patients flagged ``category`` on ``on`` (a register). Restricted: clinical roles only."""
        role = _reader_role(actor)
        cat, _, _ = check_category(self._config, category, None, None)
        if not visible_to(role, cat.code, self._config):
            require(actor, Permission.VIEW_RESTRICTED_FLAGS)
        on = on or self._clock.today()
        with self._db.read() as uow:
            ids = uow.session.exec(
                select(Flag.patient_id).where(
                    Flag.category == cat.code, active_on(Flag, on),
                )
            ).all()
            return sorted(set(ids))


    @logged_read("flag.list", first_argument)
    def list(
        self,
        actor: Actor | None,
        patient_id: int,
        *,
        include_ended: bool = False,
        on: dt.date | None = None,
    ) -> list[FlagRecord]:
        """A patient's flags the actor's role may see (active today unless ``include_ended``)."""
        role = _reader_role(actor)
        with self._db.read() as uow:
            if uow.session.get(Patient, patient_id) is None:
                raise NotFound("patient", patient_id)
            return visible_flags(
                uow.session, self._config, role, [patient_id],
                on=on or self._clock.today(), include_ended=include_ended,
            )[patient_id]


    @logged_read("flag.search", lambda page, _a: [f.patient_id for f in page.items])
    def search(
        self, actor: Actor | None, query: FlagQuery, *, offset: int = 0, count: int = 50
    ) -> Page[FlagRecord]:
        """Flags (ended ones too) the actor's role may see, by patient then start, paged."""
        role = _reader_role(actor)
        check_page(offset, count)
        policy = self._config.flag_visibility(role)
        conds: list[Any] = [flag_category_visible(Flag.category, policy)]
        if query.patient_id is not None:
            conds.append(col(Flag.patient_id) == query.patient_id)
        if query.category is not None:
            conds.append(col(Flag.category) == query.category)
        with self._db.read() as uow:
            total = uow.session.exec(select(func.count()).select_from(Flag).where(*conds)).one()
            rows = uow.session.exec(
                select(Flag).where(*conds)
                .order_by(col(Flag.patient_id), col(Flag.start_date), col(Flag.id))
                .offset(offset).limit(count)
            ).all()
            items = tuple(to_record(r, self._config) for r in rows if policy.allows(r.category))
        return Page(items, int(total), offset, count)


def _reader_role(actor: Actor | None) -> Role:
    from inclusion_practice.errors import NoActingUser

    if actor is None:
        raise NoActingUser()
    return Role(actor.role)
