"""Checking imported resources one by one and mapping each to the row it is written as.

Each resource is validated once, by its ``fhir.resources`` R4B model, before any field is read;
then the practice's rules (NHS number, addresses, flag categories, SNOMED CT codes, appointment
statuses and clinicians) are applied. A problem names where in the resource it is and why.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from inclusion_practice.clock import Clock
from inclusion_practice.config import PracticeConfig
from inclusion_practice.domain.addresses import check_addresses
from inclusion_practice.domain.attendance import AppointmentStatus
from inclusion_practice.domain.names import name_key
from inclusion_practice.domain.nhs_number import resolve_identity
from inclusion_practice.domain.patient_record import PatientRecord
from inclusion_practice.errors import InvalidInput
from inclusion_practice.fhir import scheduling, urls
from inclusion_practice.fhir.import_report import ImportReport, Problem
from inclusion_practice.fhir.import_sources import Entry
from inclusion_practice.services.imports import row_problems

Json = dict[str, Any]
Progress = Callable[[int], None]
"""Called with the number of resources just handled (for a progress bar)."""


EVENT_TYPES = ("Observation", "Condition", "Procedure", "Immunization", "Encounter",
               "AllergyIntolerance", "MedicationStatement")
SUPPORTED = ("Patient", "Flag", "Appointment", *EVENT_TYPES)
SKIPPED = ("Schedule", "Slot")
"""Accepted and skipped: the appointment book is generated from practice.toml, and an imported
Appointment is matched to its session and slots by clinician and time."""

EVENT_DATE_FIELDS: dict[str, tuple[str, ...]] = {
    "Observation": ("effectiveDateTime", "effectivePeriod.start", "effectiveInstant", "issued"),
    "Condition": ("onsetDateTime", "onsetPeriod.start", "recordedDate"),
    "Procedure": ("performedDateTime", "performedPeriod.start"),
    "Immunization": ("occurrenceDateTime", "recorded"),
    "Encounter": ("period.start",),
    "AllergyIntolerance": ("onsetDateTime", "onsetPeriod.start", "recordedDate"),
    "MedicationStatement": ("effectiveDateTime", "effectivePeriod.start", "dateAsserted"),
}
EVENT_CODE_FIELD = {"Observation": "code", "Condition": "code", "Procedure": "code",
                    "Immunization": "vaccineCode", "Encounter": "type",
                    "AllergyIntolerance": "code", "MedicationStatement": "medicationCodeableConcept"}
EVENT_SUBJECT_FIELD = {"Observation": "subject", "Condition": "subject", "Procedure": "subject",
                       "Immunization": "patient", "Encounter": "subject",
                       "AllergyIntolerance": "patient", "MedicationStatement": "subject"}
EVENT_STATUS: dict[str, frozenset[str]] = {
    "Observation": frozenset({"registered", "preliminary", "final", "amended", "corrected",
                              "cancelled", "entered-in-error", "unknown"}),
    "Procedure": frozenset({"preparation", "in-progress", "not-done", "on-hold", "stopped",
                            "completed", "entered-in-error", "unknown"}),
    "Immunization": frozenset({"completed", "entered-in-error", "not-done"}),
    "Encounter": frozenset({"planned", "arrived", "triaged", "in-progress", "onleave",
                            "finished", "cancelled", "entered-in-error", "unknown"}),
    "MedicationStatement": frozenset({"active", "completed", "entered-in-error", "intended",
                                      "stopped", "on-hold", "unknown", "not-taken"}),
}
NOT_HAPPENED = frozenset({"entered-in-error", "cancelled", "not-done", "not-taken", "refuted"})
"""Statuses meaning the event did not happen: never counted by an indicator, so refused."""
CLINICAL_STATUS_TYPES = ("Condition", "AllergyIntolerance")
"""Their ``clinicalStatus`` (active, resolved, …) is kept, so a portable record can leave
problems the patient no longer has off; MedicationStatement keeps its ``status``."""
FHIR_STATUS_TO_OURS = {
    "booked": AppointmentStatus.BOOKED,
    "arrived": AppointmentStatus.ARRIVED,
    "fulfilled": AppointmentStatus.SEEN,
    "noshow": AppointmentStatus.DNA,
}





def _get(res: Json, dotted: str) -> Any:
    cur: Any = res
    for part in dotted.split("."):
        if not isinstance(cur, dict):
            return None
        cur = cur.get(part)
    return cur


def _first_code(concept: Any) -> str | None:
    """The first coding's code of a CodeableConcept (clinicalStatus, verificationStatus)."""
    if not isinstance(concept, dict):
        return None
    for coding in concept.get("coding") or []:
        if isinstance(coding, dict) and isinstance(coding.get("code"), str):
            return str(coding["code"])
    return None


def _unit(res: Json) -> str | None:
    """An Observation value's UCUM code (else its unit text), as stored (30 characters)."""
    unit = _get(res, "valueQuantity.code") or _get(res, "valueQuantity.unit")
    return str(unit)[:30] if isinstance(unit, str) and unit else None


def _date(value: Any) -> dt.date | None:
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


def _pydantic_problems(loc: str, exc: ValidationError) -> list[Problem]:
    out = []
    for err in exc.errors()[:20]:
        path = ".".join(str(p) for p in err["loc"] if not str(p).startswith("function-"))
        msg = str(err["msg"]).removeprefix("Value error, ")
        out.append(Problem(f"{loc}.{path}" if path else loc, msg, "structure"))
    return out


def _source_key(res: Json) -> str | None:
    rid = res.get("id")
    if isinstance(rid, str) and rid:
        return f"{res['resourceType']}/{rid}"
    for ident in _identifiers(res):
        if isinstance(ident.get("system"), str) and isinstance(ident.get("value"), str) and (
            ident["system"] and ident["value"] and ident["system"] != urls.NHS_NUMBER_SYSTEM
        ):
            return f"{ident['system']}|{ident['value']}"
    return None


def _identifiers(res: Json) -> list[Json]:
    """``res.identifier`` where it is a list of objects, else nothing. The pre-scan reads keys
    before the model has checked the resource: a malformed value must not crash it (the check
    that follows reports it, with its path)."""
    found = res.get("identifier")
    return [i for i in found if isinstance(i, dict)] if isinstance(found, list) else []


@dataclass
class Plan:
    """A checked resource, ready to write."""

    entry: Entry
    rtype: str
    key: str
    patient_ref: str | None = None
    row: Json = field(default_factory=dict)
    record: PatientRecord | None = None
    extra: Json = field(default_factory=dict)


@dataclass
class Refs:
    """Patient references known in this import: reference text → alias key (and id once
    written). Memory grows with patients, not with file size."""

    alias: dict[str, str] = field(default_factory=dict)
    ids: dict[str, int] = field(default_factory=dict)

    def learn(self, entry: Entry, res: Json, key: str, nhs: str | None) -> None:
        if isinstance(entry.full_url, str) and entry.full_url:
            self.alias[entry.full_url] = key
        if isinstance(res.get("id"), str) and res["id"]:
            self.alias[f"Patient/{res['id']}"] = key
        if nhs:
            self.alias[f"nhs:{nhs}"] = key
        self.alias[key] = key


def _ref_text(ref: Any) -> str | None:
    """A patient reference as text: ``Patient/x``, ``urn:uuid:…`` or ``nhs:<number>``."""
    if not isinstance(ref, dict):
        return None
    if isinstance(ref.get("reference"), str):
        text: str = ref["reference"]
        if text.startswith(urls.BASE + "/"):
            text = text[len(urls.BASE) + 1 :]
        return text
    ident = ref.get("identifier")
    if isinstance(ident, dict) and ident.get("system") == urls.NHS_NUMBER_SYSTEM and ident.get("value"):
        return f"nhs:{ident['value']}"
    return None


class ResourceChecker:
    """Checks one resource at a time against FHIR R4 (the ``fhir.resources`` model, once) and
    the practice's rules, and maps it to the row it will be written as."""

    def __init__(self, config: PracticeConfig, clock: Clock) -> None:
        self._config = config
        self._clock = clock

    def check(self, entry: Entry, report: ImportReport, refs: Refs) -> Plan | None:
        """The entry as a plan to write, or ``None`` with its problems added to ``report``."""
        if entry.problem or entry.resource is None:
            report.add_problem(Problem(entry.location, entry.problem or "no resource", "structure"))
            return None
        res = entry.resource
        rtype = res.get("resourceType")
        loc = entry.location
        if rtype in SKIPPED:
            report.skipped += 1
            return None
        if rtype not in SUPPORTED:
            report.add_problem(Problem(
                f"{loc}.resourceType",
                f"{rtype!r} cannot be imported (supported: {', '.join(SUPPORTED)})",
                "not-supported"))
            return None
        try:
            from fhir.resources.R4B import get_fhir_model_class

            model = get_fhir_model_class(rtype).model_validate(res)
        except ValidationError as exc:
            for p in _pydantic_problems(f"{loc}", exc):
                report.add_problem(p)
            return None
        problems: list[Problem] = []
        checker = {"Patient": self._check_patient, "Flag": self._check_flag,
                   "Appointment": self._check_appointment}.get(rtype, self._check_event)
        if rtype == "Patient":  # hand over the validated model: no second validation
            plan = self._check_patient(entry, res, problems, refs, model)
        else:
            plan = checker(entry, res, problems, refs)
        if plan is not None:  # values the database cannot hold: this entry's problem, not a batch's
            target = {"Patient": "patient", "Flag": "flag", "Appointment": "appointment"}
            problems += [Problem(loc, f"{column}: {why}", "value") for column, why in
                         row_problems(target.get(rtype, "clinical_event"), plan.row)]
        for p in problems:
            report.add_problem(p)
        return None if problems else plan

    # ----------------------------------------------------------------- per resource type

    def _check_patient(self, entry: Entry, res: Json, problems: list[Problem],
                       refs: Refs, model: Any = None) -> Plan | None:
        from inclusion_practice.fhir.patient import patient_from_fhir

        loc = entry.location
        for i, ident in enumerate(res.get("identifier") or []):
            if ident.get("system") == urls.NHS_NUMBER_SYSTEM:
                try:
                    resolve_identity(ident.get("value"), None, None)
                except InvalidInput as exc:
                    problems.append(Problem(f"{loc}.identifier[{i}].value", exc.reason, "value"))
        if sum(1 for i in res.get("identifier") or []
               if i.get("system") == urls.NHS_NUMBER_SYSTEM) > 1:
            problems.append(Problem(f"{loc}.identifier",
                                    "more than one NHS number (UK Core allows one)", "invariant"))
        if not res.get("birthDate"):
            problems.append(Problem(f"{loc}.birthDate", "is required to register", "required"))
        names = res.get("name") or []
        if not names or not (names[0].get("family") and names[0].get("given")):
            problems.append(Problem(f"{loc}.name[0]", "family and given names are required",
                                    "required"))
        if problems:
            return None
        try:
            record = patient_from_fhir(model if model is not None else res)
        except (ValueError, AssertionError, KeyError) as exc:
            problems.append(Problem(loc, f"cannot be read as a patient: {exc}", "invalid"))
            return None
        try:
            nhs, status, reason = resolve_identity(
                record.nhs_number,
                record.nhs_number_status.value if record.nhs_number_status else None,
                record.nhs_number_unavailable_reason.value
                if record.nhs_number_unavailable_reason else None,
            )
            a = record.addresses
            check_addresses(
                usual_lines=a.usual_lines, usual_postcode=a.usual_postcode,
                no_fixed_abode=a.no_fixed_abode, correspondence_kind=a.correspondence_kind,
                partner=a.correspondence_partner, correspondence_lines=a.correspondence_lines,
                correspondence_postcode=a.correspondence_postcode,
                correspondence_from=a.correspondence_from, correspondence_to=a.correspondence_to,
                post_check_agreed_on=a.post_check_agreed_on,
                partners=[p.code for p in self._config.partners], today=self._clock.today(),
            )
        except InvalidInput as exc:
            problems.append(Problem(f"{loc} ({exc.field})", exc.reason, "value"))
            return None
        key = patient_key(res)
        if key is None:
            problems.append(Problem(loc, "has no NHS number, id or identifier, so it cannot be "
                                         "imported idempotently", "required"))
            return None
        row = _patient_row(record)
        row.update(nhs_number=nhs, nhs_number_status=status.value if status else None,
                   nhs_number_unavailable_reason=reason.value if reason else None,
                   source_id=_source_key(res))
        return Plan(entry, "Patient", key, row=row, record=record)

    def _patient_ref(self, loc: str, ref: Any, problems: list[Problem], refs: Refs,
                     field_name: str) -> str | None:
        text = _ref_text(ref)
        if text is None:
            problems.append(Problem(f"{loc}.{field_name}", "must reference the patient "
                                    "(Patient/<id>, a fullUrl in this Bundle, or an NHS number "
                                    "identifier)", "required"))
            return None
        if not (text.startswith(("Patient/", "nhs:")) or text in refs.alias):
            problems.append(Problem(f"{loc}.{field_name}", f"{text!r} is not a Patient reference",
                                    "invalid"))
            return None
        return text

    def _check_flag(self, entry: Entry, res: Json, problems: list[Problem],
                    refs: Refs) -> Plan | None:
        from inclusion_practice.fhir.flag import flag_from_fhir, is_adjustment
        from inclusion_practice.services.flags import check_category

        loc = entry.location
        if is_adjustment(res):
            problems.append(Problem(f"{loc}.category", "reasonable-adjustment Flags are not "
                                    "imported (record them in the practice)", "not-supported"))
            return None
        ref = self._patient_ref(loc, res.get("subject"), problems, refs, "subject")
        codings = [c for cc in res.get("category") or [] for c in cc.get("coding") or []]
        if not any(c.get("system") == urls.CS_INCLUSION_HEALTH_CATEGORY for c in codings):
            systems = sorted({str(c.get("system")) for c in codings}) or ["none"]
            problems.append(Problem(f"{loc}.category", "needs a coding from "
                                    f"{urls.CS_INCLUSION_HEALTH_CATEGORY} (found systems: "
                                    f"{', '.join(systems)})", "code-invalid"))
        code_codings = (res.get("code") or {}).get("coding") or []
        for i, c in enumerate(code_codings):
            if c.get("system") not in (urls.SNOMED, urls.CS_INCLUSION_HEALTH_CATEGORY):
                problems.append(Problem(f"{loc}.code.coding[{i}].system",
                                        f"unknown code system {c.get('system')!r}: the binding "
                                        "requires SNOMED CT or our category codes",
                                        "code-invalid"))
        if not (res.get("period") or {}).get("start"):
            problems.append(Problem(f"{loc}.period.start", "is required (when the status began)",
                                    "required"))
        if problems or ref is None:
            return None
        copy = dict(res)
        copy["subject"] = {"reference": "Patient/0"}
        try:
            rec = flag_from_fhir(copy)
            cat, sub, code = check_category(self._config, rec.category, rec.subcategory,
                                            rec.snomed_code)
        except InvalidInput as exc:
            where = {"category": "category", "subcategory": "code", "snomed_code": "code"}
            problems.append(Problem(f"{loc}.{where.get(exc.field, exc.field)}", exc.reason,
                                    "code-invalid"))
            return None
        except (ValueError, KeyError) as exc:
            problems.append(Problem(loc, f"cannot be read as an inclusion-health flag: {exc}"))
            return None
        key = _source_key(res)
        if key is None:
            problems.append(Problem(loc, "needs an id or identifier to be imported idempotently",
                                    "required"))
            return None
        row = {"category": cat.code, "subcategory": sub, "snomed_code": code,
               "start_date": rec.start, "end_date": rec.end, "review_date": rec.review,
               "source": rec.source.value, "recorded_by": rec.recorded_by or "import",
               "end_reason": rec.end_reason, "source_id": key}
        return Plan(entry, "Flag", key, ref, row)

    def _check_event(self, entry: Entry, res: Json, problems: list[Problem],
                     refs: Refs) -> Plan | None:
        rtype = res["resourceType"]
        loc = entry.location
        subj = EVENT_SUBJECT_FIELD[rtype]
        ref = self._patient_ref(loc, res.get(subj), problems, refs, subj)
        status = res.get("status") or res.get("clinicalStatus")
        verification = _first_code(res.get("verificationStatus"))
        if verification in NOT_HAPPENED:
            problems.append(Problem(f"{loc}.verificationStatus", f"{verification}: not imported",
                                    "business-rule"))
        if rtype in EVENT_STATUS and res.get("status") not in EVENT_STATUS[rtype]:
            problems.append(Problem(f"{loc}.status", f"{res.get('status')!r} is not a "
                                    f"{rtype} status", "code-invalid"))
        elif isinstance(status, str) and status in NOT_HAPPENED:
            problems.append(Problem(f"{loc}.status", f"{status}: the event did not happen, so "
                                    "it is not imported", "business-rule"))
        code_field = EVENT_CODE_FIELD[rtype]
        concepts = res.get(code_field)
        if isinstance(concepts, dict):
            concepts = [concepts]
        codings = [(i, j, c) for i, cc in enumerate(concepts or [])
                   for j, c in enumerate(cc.get("coding") or [])]
        snomed = [c for _, _, c in codings if c.get("system") == urls.SNOMED and c.get("code")]
        if not snomed:
            systems = sorted({str(c.get("system")) for _, _, c in codings}) or ["none"]
            problems.append(Problem(f"{loc}.{code_field}", "needs a SNOMED CT coding "
                                    f"({urls.SNOMED}); found code systems: {', '.join(systems)}",
                                    "code-invalid"))
        elif not str(snomed[0]["code"]).isdigit() or not 6 <= len(str(snomed[0]["code"])) <= 18:
            problems.append(Problem(f"{loc}.{code_field}", f"{snomed[0]['code']!r} is not a "
                                    "SNOMED CT concept id", "code-invalid"))
        when = None
        for f in EVENT_DATE_FIELDS[rtype]:
            when = _date(_get(res, f))
            if when:
                break
        if when is None:
            problems.append(Problem(f"{loc}.{EVENT_DATE_FIELDS[rtype][0]}",
                                    "a date is required (indicators count events by date)",
                                    "required"))
        elif when > self._clock.today() + dt.timedelta(days=1):
            problems.append(Problem(f"{loc}.{EVENT_DATE_FIELDS[rtype][0]}",
                                    f"{when} is in the future", "value"))
        key = _source_key(res)
        if key is None:
            problems.append(Problem(loc, "needs an id or identifier to be imported idempotently",
                                    "required"))
        if problems or ref is None or when is None:
            return None
        value = _get(res, "valueQuantity.value") if rtype == "Observation" else None
        display = snomed[0].get("display") or next(
            (cc.get("text") for cc in concepts or [] if isinstance(cc, dict) and cc.get("text")),
            None)
        clinical_status = (_first_code(res.get("clinicalStatus")) if rtype in CLINICAL_STATUS_TYPES
                           else res.get("status") if rtype == "MedicationStatement" else None)
        row = {"code": str(snomed[0]["code"]), "system": "snomed", "event_date": when,
               "value": float(value) if isinstance(value, int | float) else None,
               "resource_type": rtype, "source_id": key,
               "display": str(display)[:255] if display else None,
               "unit": _unit(res) if rtype == "Observation" else None,
               "status": str(clinical_status)[:20] if clinical_status else None}
        return Plan(entry, rtype, str(key), ref, row)

    def _check_appointment(self, entry: Entry, res: Json, problems: list[Problem],
                           refs: Refs) -> Plan | None:
        loc = entry.location
        parts = res.get("participant") or []
        patient_ref = None
        clinician = None
        for i, p in enumerate(parts):
            actor = p.get("actor") or {}
            text = _ref_text(actor) or ""
            if text.startswith(("Patient/", "nhs:")) or text in refs.alias:
                patient_ref = self._patient_ref(f"{loc}.participant[{i}]", actor, problems, refs,
                                                "actor")
            elif text.startswith("Practitioner/"):
                clinician = text.split("/", 1)[1]
        if patient_ref is None and not problems:
            problems.append(Problem(f"{loc}.participant", "no participant references the patient",
                                    "required"))
        if clinician is None or self._config.clinician(clinician) is None:
            known = ", ".join(c.code for c in self._config.clinicians)
            problems.append(Problem(f"{loc}.participant", f"no participant is a clinician of "
                                    f"this practice (Practitioner/<code>; known: {known})",
                                    "not-found"))
        status = res.get("status")
        ours: AppointmentStatus | None = FHIR_STATUS_TO_OURS.get(str(status))
        if status == "cancelled":
            who = ((res.get("cancelationReason") or {}).get("coding") or [{}])[0].get("code")
            ours = (AppointmentStatus.CANCELLED_PRACTICE if who == "prov"
                    else AppointmentStatus.CANCELLED_PATIENT)
            if (res.get("cancelationReason") or {}).get("text") == "left without being seen":
                ours = AppointmentStatus.LEFT
        appt_type = ((res.get("appointmentType") or {}).get("coding") or [{}])[0].get("code")
        if status == "arrived" and appt_type == "WALKIN":
            ours = AppointmentStatus.WALK_IN
        if ours is None:
            problems.append(Problem(f"{loc}.status", f"{status!r} cannot be imported (booked, "
                                    "arrived, fulfilled, noshow, cancelled)", "code-invalid"))
        start = _instant(res.get("start"))
        end = _instant(res.get("end"))
        if start is None or end is None or end <= start:
            problems.append(Problem(f"{loc}.start", "start and end are required, end after start",
                                    "required"))
        channel = "in_person"
        for e in res.get("extension") or []:
            if e.get("url") == urls.EXT_DELIVERY_CHANNEL:
                code = ((e.get("valueCodeableConcept") or {}).get("coding") or [{}])[0].get("code")
                found = [k for k, (c, _) in scheduling.DELIVERY_CHANNEL.items() if c == code]
                if not found:
                    problems.append(Problem(f"{loc}.extension", f"delivery channel {code!r} is "
                                            "not In-person, Telephone or Video", "code-invalid"))
                else:
                    channel = found[0]
        key = _source_key(res)
        if key is None:
            problems.append(Problem(loc, "needs an id or identifier to be imported idempotently",
                                    "required"))
        if problems or patient_ref is None or ours is None or start is None or end is None:
            return None
        assert clinician is not None and key is not None
        reason = (res.get("cancelationReason") or {}).get("text")
        comment, override, interpreter = _split_comment(res.get("comment"))
        row = {"start": start, "end": end, "status": ours.value, "channel": channel,
               "comment": comment, "double_override_reason": override,
               "patient_instruction": res.get("patientInstruction"),
               "cancel_reason": reason if ours in (AppointmentStatus.CANCELLED_PATIENT,
                                                   AppointmentStatus.CANCELLED_PRACTICE) else None,
               "late_cancellation": bool(reason and "(late cancellation)" in reason),
               "source_id": key}
        created = _instant(res.get("created"))
        if reason and ours is not AppointmentStatus.LEFT:
            row["cancel_reason"] = reason.removesuffix(" (late cancellation)")
        translator = next((p for p in parts for t in p.get("type") or [] for c in
                           t.get("coding") or [] if c.get("code") == "TRANSL"), None)
        if translator is not None and interpreter is None:
            text = ((translator.get("type") or [{}])[0].get("text") or "")
            m = re.match(r"^interpreter: (\S+) \((.+)\)$", text)
            if m:
                interpreter = {"language": m.group(1), "mode": m.group(2).replace(" ", "_"),
                               "status": "to_book"}
        if interpreter is not None and translator is not None:
            name = (translator.get("actor") or {}).get("display")
            interpreter["interpreter_name"] = name
        return Plan(entry, "Appointment", key, patient_ref, row,
                     extra={"clinician": clinician, "created": created,
                            "interpreter": interpreter})


# --------------------------------------------------------------------------------- helpers

_INTERPRETER_LINE = re.compile(
    r"^Interpreter (?P<status>to book|booked|to cancel|cancelled): (?P<language>[^,]+)"
    r"(?:, dialect (?P<dialect>[^,]+))?"
    r", (?P<mode>face to face|telephone|video|bsl in person|bsl video relay)"
    r"(?:, (?P<gender>female|male) interpreter)?"
    r"(?:, agency ref (?P<agency>[^.]+))?(?:\. Note: (?P<note>.*))?$"
)
_OVERRIDE_PREFIX = "Single slot although a double was proposed: "


def _split_comment(text: Any) -> tuple[str | None, str | None, Json | None]:
    """Undo :func:`fhir.scheduling.appointment_resource`'s comment: staff note, double-slot
    override reason and interpreter details (the appointment book's own line formats)."""
    if not isinstance(text, str) or not text:
        return None, None, None
    keep: list[str] = []
    override = None
    interpreter: Json | None = None
    for line in text.split("\n"):
        m = _INTERPRETER_LINE.match(line)
        if m:
            interpreter = {
                "status": m["status"].replace(" ", "_"), "language": m["language"],
                "dialect": m["dialect"], "mode": m["mode"].replace(" ", "_"),
                "interpreter_gender": m["gender"], "agency_ref": m["agency"], "note": m["note"],
            }
        elif line.startswith(_OVERRIDE_PREFIX):
            override = line[len(_OVERRIDE_PREFIX):]
        else:
            keep.append(line)
    return "\n".join(keep) or None, override, interpreter



def _instant(value: Any) -> dt.datetime | None:
    """A FHIR dateTime/instant → naive practice-local time (as the appointment book stores)."""
    if not isinstance(value, str):
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(scheduling.LONDON).replace(tzinfo=None)
    return parsed


def nhs_of(res: Json) -> str | None:
    for ident in _identifiers(res):
        if ident.get("system") == urls.NHS_NUMBER_SYSTEM:
            value = ident.get("value")
            return "".join(value.split()) if isinstance(value, str) and value else None
    return None


def patient_key(res: Json) -> str | None:
    nhs = nhs_of(res)
    return f"nhs:{nhs}" if nhs else _source_key(res)


def _patient_row(record: PatientRecord) -> Json:
    a, c, m = record.addresses, record.contact, record.communication
    return {
        "title": record.title, "given_name": record.given_name,
        "family_name": record.family_name,
        "name_key": name_key(record.given_name, record.family_name),
        "date_of_birth": record.date_of_birth, "dob_estimated": record.dob_estimated,
        "sex": record.sex.value,
        "usual_address": "\n".join(a.usual_lines) or None, "usual_postcode": a.usual_postcode,
        "no_fixed_abode": a.no_fixed_abode, "correspondence_kind": a.correspondence_kind.value,
        "correspondence_partner": a.correspondence_partner,
        "correspondence_address": "\n".join(a.correspondence_lines) or None,
        "correspondence_postcode": a.correspondence_postcode,
        "correspondence_from": a.correspondence_from, "correspondence_to": a.correspondence_to,
        "post_check_agreed_on": a.post_check_agreed_on,
        "contact_route": c.route.value if c.route else None, "phone": c.phone, "email": c.email,
        "keyworker_name": c.keyworker_name, "keyworker_phone": c.keyworker_phone,
        "keyworker_partner": c.keyworker_partner,
        "main_language": m.main_language, "dialect": m.dialect,
        "interpreter_needed": m.interpreter_needed,
        "interpreter_mode": m.interpreter_mode.value if m.interpreter_mode else None,
        "interpreter_gender": m.interpreter_gender.value if m.interpreter_gender else None,
        "no_family_interpreter": m.no_family_interpreter,
        "ethnicity_code": record.ethnicity_code,
    }
