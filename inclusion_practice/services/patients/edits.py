"""Changing a patient's details: names, identity, addresses, contact and communication.

One call, :meth:`EditsMixin.update`, takes a :class:`PatientUpdate` whose fields are all
optional: only the fields the caller set (``model_dump(exclude_unset=True)``) change. Each part
of the record touched (identity, addresses, contact, communication) is re-validated whole by the
same domain checks as registration, from the stored values overlaid with the changes, so an edit
can never leave a combination that registration would refuse. The old values stay in the audit
trail.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError
from sqlmodel import select

from inclusion_practice.domain.actor import Actor
from inclusion_practice.domain.addresses import check_addresses, check_contact
from inclusion_practice.domain.communication import check_communication
from inclusion_practice.domain.names import clean_name, name_key
from inclusion_practice.domain.nhs_number import resolve_identity
from inclusion_practice.domain.patient_record import PatientRecord, parse_ethnicity
from inclusion_practice.domain.roles import Permission
from inclusion_practice.errors import InvalidInput, NotFound
from inclusion_practice.services.access import require
from inclusion_practice.services.patients.base import PatientServiceBase
from inclusion_practice.services.patients.rows import (
    apply_addresses,
    apply_communication,
    apply_contact,
    periods_of,
    record_from_row,
)
from inclusion_practice.storage.database import UnitOfWork
from inclusion_practice.storage.tables import Patient

NAME_FIELDS = ("given_name", "family_name", "title", "ethnicity_code")
IDENTITY_FIELDS = ("nhs_number", "nhs_number_status", "nhs_number_unavailable_reason")
ADDRESS_FIELDS = (
    "usual_address", "usual_postcode", "no_fixed_abode", "correspondence", "care_of_partner",
    "correspondence_address", "correspondence_postcode", "correspondence_from",
    "correspondence_to", "post_check_agreed_on",
)
CORRESPONDENCE_DETAIL_FIELDS = (
    "care_of_partner", "correspondence_address", "correspondence_postcode", "correspondence_from",
    "correspondence_to", "post_check_agreed_on",
)
CONTACT_FIELDS = (
    "contact_route", "phone", "email", "keyworker_name", "keyworker_phone", "keyworker_partner",
)
COMMUNICATION_FIELDS = (
    "main_language", "dialect", "interpreter_needed", "interpreter_mode", "interpreter_gender",
    "no_family_interpreter",
)


class PatientUpdate(BaseModel):
    """Changes to a stored patient: set only what changes (``None`` clears a field).

    Field names match :class:`~inclusion_practice.services.patients.registration.NewPatient`.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    given_name: str | None = None
    family_name: str | None = None
    title: str | None = None
    ethnicity_code: str | None = None
    nhs_number: str | None = None
    nhs_number_status: str | None = None
    nhs_number_unavailable_reason: str | None = None
    usual_address: Sequence[str] | None = None
    usual_postcode: str | None = None
    no_fixed_abode: bool | None = None
    correspondence: str | None = None
    """usual | practice | partner | care_of | temporary | none; inferred when left out."""
    care_of_partner: str | None = None
    correspondence_address: Sequence[str] | None = None
    correspondence_postcode: str | None = None
    correspondence_from: dt.date | None = None
    correspondence_to: dt.date | None = None
    post_check_agreed_on: dt.date | None = None
    contact_route: str | None = None
    phone: str | None = None
    email: str | None = None
    keyworker_name: str | None = None
    keyworker_phone: str | None = None
    keyworker_partner: str | None = None
    main_language: str | None = None
    dialect: str | None = None
    interpreter_needed: bool | None = None
    interpreter_mode: str | None = None
    interpreter_gender: str | None = None
    no_family_interpreter: bool | None = None

    def __init__(self, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "update"
            raise InvalidInput(where, first["msg"].lower()) from None

    def changes(self) -> dict[str, Any]:
        """The fields the caller set, and only those."""
        return self.model_dump(exclude_unset=True)


def _touches(changes: dict[str, Any], fields: Sequence[str]) -> bool:
    return any(f in changes for f in fields)


class EditsMixin(PatientServiceBase):
    """Edits to a stored patient record."""

    def update(self, actor: Actor | None, patient_id: int, update: PatientUpdate) -> PatientRecord:
        """Apply ``update`` (only the fields it sets) to the patient, validated and audited."""
        require(actor, Permission.EDIT_PATIENT)
        changes = update.changes()
        if not changes:
            raise InvalidInput("update", "says nothing to change")
        today = self._clock.today()
        partners = {p.code for p in self._config.partners}

        def work(uow: UnitOfWork) -> PatientRecord:
            s = uow.session
            row = s.get(Patient, patient_id)
            if row is None:
                raise NotFound("patient", patient_id)
            current = record_from_row(row)
            if _touches(changes, NAME_FIELDS):
                self._apply_names(row, changes)
            if _touches(changes, IDENTITY_FIELDS):
                merged = {
                    "nhs_number": row.nhs_number,
                    "nhs_number_status": row.nhs_number_status,
                    "nhs_number_unavailable_reason": row.nhs_number_unavailable_reason,
                }
                if changes.get("nhs_number"):
                    # A number found later replaces "not known"; its status starts afresh.
                    merged["nhs_number_unavailable_reason"] = None
                    merged["nhs_number_status"] = None
                merged.update({k: changes[k] for k in IDENTITY_FIELDS if k in changes})
                nhs, status, unavailable = resolve_identity(
                    merged["nhs_number"], merged["nhs_number_status"],
                    merged["nhs_number_unavailable_reason"],
                )
                if nhs is not None:
                    holder = s.exec(select(Patient).where(Patient.nhs_number == nhs)).first()
                    if holder is not None and holder.id != row.id:
                        raise InvalidInput(
                            "nhs_number", f"{nhs} is already recorded for patient #{holder.id}"
                        )
                row.nhs_number = nhs
                row.nhs_number_status = status.value if status else None
                row.nhs_number_unavailable_reason = unavailable.value if unavailable else None
            if _touches(changes, ADDRESS_FIELDS):
                a = current.addresses
                merged_a: dict[str, Any] = {
                    "usual_address": a.usual_lines, "usual_postcode": a.usual_postcode,
                    "no_fixed_abode": a.no_fixed_abode,
                    "correspondence": a.correspondence_kind.value,
                    "care_of_partner": a.correspondence_partner,
                    "correspondence_address": a.correspondence_lines,
                    "correspondence_postcode": a.correspondence_postcode,
                    "correspondence_from": a.correspondence_from,
                    "correspondence_to": a.correspondence_to,
                    "post_check_agreed_on": a.post_check_agreed_on,
                }
                if "correspondence" in changes:
                    # A new kind of correspondence address starts from nothing: the old
                    # partner, lines and dates belonged to the old kind.
                    for k in CORRESPONDENCE_DETAIL_FIELDS:
                        merged_a[k] = () if k == "correspondence_address" else None
                if changes.get("no_fixed_abode"):
                    merged_a["usual_address"], merged_a["usual_postcode"] = (), None
                merged_a.update({k: changes[k] for k in ADDRESS_FIELDS if k in changes})
                apply_addresses(row, check_addresses(
                    usual_lines=merged_a["usual_address"] or (),
                    usual_postcode=merged_a["usual_postcode"],
                    no_fixed_abode=bool(merged_a["no_fixed_abode"]),
                    correspondence_kind=merged_a["correspondence"],
                    partner=merged_a["care_of_partner"],
                    correspondence_lines=merged_a["correspondence_address"] or (),
                    correspondence_postcode=merged_a["correspondence_postcode"],
                    correspondence_from=merged_a["correspondence_from"],
                    correspondence_to=merged_a["correspondence_to"],
                    post_check_agreed_on=merged_a["post_check_agreed_on"],
                    partners=partners, today=today,
                ))
            if _touches(changes, CONTACT_FIELDS):
                c = current.contact
                merged_c: dict[str, Any] = {
                    "contact_route": c.route.value if c.route else None, "phone": c.phone,
                    "email": c.email, "keyworker_name": c.keyworker_name,
                    "keyworker_phone": c.keyworker_phone, "keyworker_partner": c.keyworker_partner,
                }
                merged_c.update({k: changes[k] for k in CONTACT_FIELDS if k in changes})
                apply_contact(row, check_contact(
                    merged_c["contact_route"], phone=merged_c["phone"], email=merged_c["email"],
                    keyworker_name=merged_c["keyworker_name"],
                    keyworker_phone=merged_c["keyworker_phone"],
                    keyworker_partner=merged_c["keyworker_partner"], partners=partners,
                ))
            if _touches(changes, COMMUNICATION_FIELDS):
                m = current.communication
                merged_m: dict[str, Any] = {
                    "main_language": m.main_language, "dialect": m.dialect,
                    "interpreter_needed": m.interpreter_needed,
                    "interpreter_mode": m.interpreter_mode.value if m.interpreter_mode else None,
                    "interpreter_gender": m.interpreter_gender.value if m.interpreter_gender else None,
                    "no_family_interpreter": m.no_family_interpreter,
                }
                merged_m.update({k: changes[k] for k in COMMUNICATION_FIELDS if k in changes})
                apply_communication(row, check_communication(
                    merged_m["main_language"], dialect=merged_m["dialect"],
                    interpreter_needed=merged_m["interpreter_needed"],
                    interpreter_mode=merged_m["interpreter_mode"],
                    interpreter_gender=merged_m["interpreter_gender"],
                    no_family_interpreter=bool(merged_m["no_family_interpreter"]),
                ))
            row.updated_at = uow.clock.now()
            s.add(row)
            uow.flush()
            return record_from_row(row, periods_of(s, patient_id))

        return self._db.run_write(actor, "edit_patient", work)

    @staticmethod
    def _apply_names(row: Patient, changes: dict[str, Any]) -> None:
        if "given_name" in changes:
            row.given_name = clean_name(changes["given_name"] or "", "given_name")
        if "family_name" in changes:
            row.family_name = clean_name(changes["family_name"] or "", "family_name")
        if "title" in changes:
            title = " ".join((changes["title"] or "").split()) or None
            if title is not None and len(title) > 20:
                raise InvalidInput("title", "is longer than 20 characters")
            row.title = title
        if "ethnicity_code" in changes:
            row.ethnicity_code = parse_ethnicity(changes["ethnicity_code"], "ethnicity_code")
        row.name_key = name_key(row.given_name, row.family_name)
