"""Reading patient records back, by role: get, show, find, list, needs, registrations.

Every read goes through the one flag visibility policy (``config.flag_visibility``): restricted
flags reach clinical roles only; every role sees the needs that follow from them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Any

from rapidfuzz import fuzz, process
from sqlalchemy import func
from sqlmodel import Session, col, or_, select

from inclusion_practice.domain.actor import Actor
from inclusion_practice.domain.dates import parse_day
from inclusion_practice.domain.names import fold
from inclusion_practice.domain.needs import AccessNeeds
from inclusion_practice.domain.nhs_number import (
    normalise_nhs_number,
)
from inclusion_practice.domain.patient_record import (
    PatientListItem,
    PatientRecord,
    PatientView,
    Sex,
)
from inclusion_practice.domain.registration import (
    RegistrationPeriod,
    period_on,
)
from inclusion_practice.domain.roles import Role
from inclusion_practice.errors import InvalidInput, NotFound
from inclusion_practice.services.access_log import first_argument, logged_read
from inclusion_practice.services.adjustments import active_adjustments
from inclusion_practice.services.flags import visible_flags
from inclusion_practice.services.patients.base import PatientServiceBase, reader_role
from inclusion_practice.services.patients.rows import (
    HEALTH_CHECK_TASK,
    period_from_row,
    periods_of,
    record_from_row,
)
from inclusion_practice.services.queries import MAX_NAME_LENGTH, Page, PatientQuery, check_page
from inclusion_practice.storage.active import active_on
from inclusion_practice.storage.patient_facts import is_registered as _is_registered_row
from inclusion_practice.storage.patient_facts import (
    load_needs,
    load_needs_many,
)
from inclusion_practice.storage.search_sql import date_bounds, name_words
from inclusion_practice.storage.tables import Patient, Registration, Task

FUZZY_MIN_CHARS = 4
"""Below this many letters a fuzzy match means little (type-ahead's first keystrokes): only
substring matches are offered."""



class SearchMixin(PatientServiceBase):
    """Role-filtered reads of patient records."""

    # ----------------------------------------------------------------- reads for other areas

    @logged_read("patient.needs", first_argument)
    def needs(self, actor: Actor | None, patient_id: int, on: dt.date | None = None) -> AccessNeeds:
        """What this patient needs to be seen (role-safe: never a flag category; the basis of
        flexible handling for clinical roles only)."""
        role = reader_role(actor)
        with self._db.read() as uow:
            if uow.session.get(Patient, patient_id) is None:
                raise NotFound("patient", patient_id)
            return self._for_role(role, load_needs(uow.session, patient_id,
                                                   on or self._clock.today()))

    def _for_role(self, role: Role, needs: AccessNeeds) -> AccessNeeds:
        return needs if self._config.flag_visibility(role).sees_everything else needs.for_front_desk()

    def is_registered(self, patient_id: int, on: dt.date) -> bool:
        """Registered on ``on`` under any period (indicators: "registered on 31 March")."""
        with self._db.read() as uow:
            return _is_registered_row(uow.session, patient_id, on)

    def registrations(self, patient_id: int) -> list[RegistrationPeriod]:
        """Every registration period of the patient, oldest first (history is kept)."""
        with self._db.read() as uow:
            if uow.session.get(Patient, patient_id) is None:
                raise NotFound("patient", patient_id)
            return [period_from_row(r) for r in periods_of(uow.session, patient_id)]

    def registration_on(self, patient_id: int, on: dt.date) -> RegistrationPeriod | None:
        return period_on(self.registrations(patient_id), on)

    def registered_on(self, on: dt.date) -> list[int]:
        """Ids of every patient registered on ``on`` (as of any date)."""
        with self._db.read() as uow:
            ids = uow.session.exec(
                select(Registration.patient_id).where(active_on(Registration, on))
            ).all()
            return sorted(set(ids))

    @logged_read("patient.get", first_argument)
    def get(self, actor: Actor | None, patient_id: int) -> PatientRecord:
        """The stored record (identity, addresses, contact, communication, registrations)."""
        reader_role(actor)
        with self._db.read() as uow:
            row = uow.session.get(Patient, patient_id)
            if row is None:
                raise NotFound("patient", patient_id)
            return record_from_row(row, periods_of(uow.session, patient_id))

    @logged_read("patient.search", lambda page, _a: [r.id for r in page.items])
    def search(
        self, actor: Actor | None, query: PatientQuery, *, offset: int = 0, count: int = 50
    ) -> Page[PatientRecord]:
        """Patients matching ``query``, in id order, one page at a time (names match as in
        :meth:`find`, without the fuzzy extras, so pages are stable)."""
        reader_role(actor)
        check_page(offset, count)
        conds: list[Any] = []
        if query.name is not None:
            conds.append(name_words(Patient.name_key, fold(query.name)))
        if query.patient_id is not None:
            conds.append(col(Patient.id) == query.patient_id)
        if query.nhs_number is not None or query.source_id is not None:
            either = []
            if query.nhs_number is not None:
                either.append(col(Patient.nhs_number) == query.nhs_number.replace(" ", ""))
            if query.source_id is not None:
                either.append(col(Patient.source_id) == query.source_id)
            conds.append(or_(*either))
        if query.birthdate:
            conds.append(date_bounds(Patient.date_of_birth, query.birthdate, dates=True))
        with self._db.read() as uow:
            s = uow.session
            total = s.exec(select(func.count()).select_from(Patient).where(*conds)).one()
            rows = list(s.exec(
                select(Patient).where(*conds).order_by(col(Patient.id)).offset(offset).limit(count)
            ).all())
            periods: dict[int, list[Registration]] = {}
            ids = [r.id for r in rows]
            if ids:
                for reg in s.exec(
                    select(Registration).where(col(Registration.patient_id).in_(ids))
                    .order_by(col(Registration.start_date), col(Registration.id))
                ).all():
                    periods.setdefault(reg.patient_id, []).append(reg)
            items = tuple(record_from_row(r, periods.get(r.id or 0, [])) for r in rows)
        return Page(items, int(total), offset, count)

    @logged_read("patient.show", first_argument)
    def show(self, actor: Actor | None, patient_id: int) -> PatientView:
        """The record as the actor's role may see it: restricted flags only for clinical roles;
        the needs that follow from every flag for all."""
        role = reader_role(actor)
        today = self._clock.today()
        with self._db.read() as uow:
            s = uow.session
            row = s.get(Patient, patient_id)
            if row is None:
                raise NotFound("patient", patient_id)
            record = record_from_row(row, periods_of(s, patient_id))
            flags = visible_flags(s, self._config, role, [patient_id], on=today)[patient_id]
            adjustments = active_adjustments(s, [patient_id], today)[patient_id]
            needs = self._for_role(role, load_needs(s, patient_id, today))
            task = s.exec(
                select(Task).where(
                    Task.patient_id == patient_id, Task.kind == HEALTH_CHECK_TASK,
                    Task.status == "due",
                ).order_by(col(Task.due_date))
            ).first()
            linked = s.exec(
                select(Patient.id).where(
                    or_(Patient.linked_to_id == patient_id,
                        col(Patient.id) == (row.linked_to_id or -1),
                        Patient.linked_to_id == (row.linked_to_id or -1))
                )
            ).all()
            return PatientView(
                record=record,
                flags=tuple(flags),
                adjustments=tuple(adjustments),
                needs=needs,
                registered_today=record.registered_on(today),
                health_check_due=task.due_date if task else None,
                linked_records=tuple(sorted(i for i in linked if i is not None and i != patient_id)),
            )

    def _items(self, s: Session, role: Role, rows: Sequence[Patient]) -> list[PatientListItem]:
        today = self._clock.today()
        ids = [r.id for r in rows if r.id is not None]
        flags = visible_flags(s, self._config, role, ids, on=today)
        registered = set(
            s.exec(
                select(Registration.patient_id).where(
                    col(Registration.patient_id).in_(ids), active_on(Registration, today)
                )
            ).all()
        ) if ids else set()
        needs = load_needs_many(s, ids, today)
        out = []
        for r in rows:
            assert r.id is not None
            labels = tuple(
                dict.fromkeys(
                    f.label + (f" ({f.subcategory.replace('_', ' ')})" if f.subcategory else "")
                    for f in flags[r.id]
                )
            )
            out.append(
                PatientListItem(
                    id=r.id, display_name=f"{r.given_name} {r.family_name}",
                    date_of_birth=r.date_of_birth, dob_estimated=r.dob_estimated,
                    sex=Sex(r.sex), nhs_number=r.nhs_number,
                    registered_today=r.id in registered, flag_labels=labels,
                    needs=tuple(needs[r.id].summary()),
                    linked_to_id=r.linked_to_id,
                )
            )
        return out

    @logged_read("patient.find", lambda items, _a: [i.id for i in items])
    def find(self, actor: Actor | None, text: str, *, limit: int = 20) -> list[PatientListItem]:
        """Search by NHS number, ``#id``, date of birth (``03/12/1990`` or ISO) or name (accent-, hyphen-
        and spacing-insensitive, fuzzy). Results carry only the flags the role may see."""
        role = reader_role(actor)
        query = " ".join((text or "").split())
        if not query:
            raise InvalidInput("text", "is empty")
        with self._db.read() as uow:
            s = uow.session
            rows: list[Patient] = []
            digits = query.replace(" ", "").replace("-", "")
            if query.startswith("#") and query[1:].isdigit():
                row = s.get(Patient, int(query[1:]))
                rows = [row] if row else []
            elif digits.isdigit() and len(digits) == 10:
                number = normalise_nhs_number(digits, "text")
                rows = list(s.exec(select(Patient).where(Patient.nhs_number == number)).all())
            elif (born := _as_date(query, self._clock.today())) is not None:
                rows = list(
                    s.exec(
                        select(Patient).where(Patient.date_of_birth == born)
                        .order_by(col(Patient.family_name))
                    ).all()
                )
            else:
                if len(query) > MAX_NAME_LENGTH:
                    raise InvalidInput("text", f"is longer than {MAX_NAME_LENGTH} characters")
                key = fold(query)
                stmt = select(Patient).where(name_words(Patient.name_key, key))
                rows = list(s.exec(stmt.order_by(col(Patient.name_key)).limit(limit)).all())
                if len(rows) < limit and len(key.replace(" ", "")) >= FUZZY_MIN_CHARS:
                    seen = {r.id for r in rows}
                    choices = {
                        pid: k for pid, k in self._name_keys.current(s).items() if pid not in seen
                    }
                    matches = process.extract(
                        key, choices, scorer=fuzz.token_set_ratio, limit=limit - len(rows),
                        score_cutoff=80,
                    )
                    extra_ids = [m[2] for m in matches]
                    if extra_ids:
                        extra = {
                            r.id: r for r in s.exec(
                                select(Patient).where(col(Patient.id).in_(extra_ids))
                            ).all()
                        }
                        rows += [extra[i] for i in extra_ids if i in extra]
            return self._items(s, role, rows[:limit])

    @logged_read("patient.list", lambda items, _a: [i.id for i in items])
    def list(
        self, actor: Actor | None, *, registered_on: dt.date | None = None, limit: int = 200
    ) -> list[PatientListItem]:
        """Patients (registered on a day, if given), with role-filtered flags and needs."""
        role = reader_role(actor)
        with self._db.read() as uow:
            s = uow.session
            stmt = select(Patient)
            if registered_on is not None:
                ids = self.registered_on(registered_on)
                stmt = stmt.where(col(Patient.id).in_(ids))
            rows = s.exec(stmt.order_by(col(Patient.family_name), col(Patient.id)).limit(limit)).all()
            return self._items(s, role, list(rows))



_DATE_LIKE = re.compile(r"^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}$")


def _as_date(text: str, today: dt.date) -> dt.date | None:
    """A date of birth as reception types it (``03/12/1990``, ``3/12/90``, ``1990-12-03``)."""
    if not _DATE_LIKE.match(text):
        return None
    return parse_day(text, "text", today=today)
