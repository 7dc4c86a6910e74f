"""The portable record as an International Patient Summary–shaped FHIR R4 document Bundle.

One mapping for every way the summary leaves the practice: ``GET /Patient/{id}/$summary``
(full, with narrative), ``patient summary --fhir`` (the same) and the summary page's QR code
(compact: no narrative, only what the patient chose, cut to the IPS-required sections or to
plain text when it will not fit — :func:`qr_payloads`).

The document follows the IPS Composition shape (HL7 ``CompositionUvIps``): type LOINC 60591-5,
the practice as author, sections coded with their IPS LOINC codes, and the three required
sections (problems, allergies, medications) always present — with ``emptyReason`` *withheld*
when the patient chose not to carry one and *unavailable* when nothing is recorded. It claims
no IPS profile (``meta.profile``): it is validated against the base FHIR R4 schema and the
``fhir.resources`` models, not against the IPS profiles. Nothing in it comes from a flag.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import uuid
from collections.abc import Iterable
from typing import Any
from zoneinfo import ZoneInfo

from inclusion_practice.domain.portable_record import (
    ALL_SECTIONS,
    DOCUMENT_QR,
    IPS_REQUIRED,
    IPS_SECTIONS,
    PATIENT_SUMMARY_LOINC,
    SECTION_LABELS,
    ClinicalEntry,
    EntryKind,
    Payload,
    PayloadKind,
    PortableSummary,
    Section,
    check_line,
    choose_payload,
    dob_text,
    entry_text,
    essentials_text,
)
from inclusion_practice.fhir import urls

Json = dict[str, Any]

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
ODS_SYSTEM = "https://fhir.nhs.uk/Id/ods-organization-code"
CS_LIST_EMPTY_REASON = "http://terminology.hl7.org/CodeSystem/list-empty-reason"
CS_CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CS_CONDITION_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
CS_ALLERGY_CLINICAL = "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical"
EXT_BIRTH_DATE_ESTIMATED = f"{urls.OUR_SD}/Extension-BirthDateEstimated"
LONDON = ZoneInfo("Europe/London")

HEPATITIS_B_VACCINE = ("836374004", "Hepatitis B virus antigen-containing vaccine product")
HEPATITIS_AB_VACCINE = ("871803007", "Hepatitis A and Hepatitis B virus antigens only vaccine "
                                     "product")
INFLUENZA_VACCINE = ("1181000221105", "Influenza virus antigen only vaccine product")
VACCINE_PRODUCT_FOR: dict[str, tuple[str, str]] = {
    **{c: HEPATITIS_B_VACCINE for c in ("16584000", "170370000", "170371001", "170372008",
                                        "170373003")},
    **{c: HEPATITIS_AB_VACCINE for c in ("312868009", "170434002", "170435001", "170436000",
                                         "170437009")},
    "822851000000102": INFLUENZA_VACCINE,
}
"""A vaccination recorded as a procedure (the hepb_vaccination and flu_vaccination code lists)
→ the vaccine product an Immunization's ``vaccineCode`` names. The products are in SNOMED
International's IPS free set, vaccines value set (HL7/fhir-ips ``VaccinesSnomedCtIpsFreeSet``);
the recorded term stays as ``vaccineCode.text`` and the dose as ``protocolApplied``."""

_CONDITION_STATUSES = frozenset({"active", "recurrence", "relapse", "inactive", "remission",
                                 "resolved"})
_ALLERGY_STATUSES = frozenset({"active", "inactive", "resolved"})
_MEDICATION_STATUSES = frozenset({"active", "completed", "entered-in-error", "intended",
                                  "stopped", "on-hold", "unknown", "not-taken"})


def _coding(system: str, code: str, display: str | None = None) -> Json:
    out: Json = {"system": system, "code": code}
    if display:
        out["display"] = display
    return out


def _concept(code: str, display: str) -> Json:
    return {"coding": [_coding(urls.SNOMED, code, display)]}


def _instant(at: dt.datetime) -> str:
    return at.replace(tzinfo=LONDON).isoformat()


class _Ids:
    """Deterministic ``urn:uuid`` full URLs: the same summary gives the same document."""

    def __init__(self, summary: PortableSummary, ods: str) -> None:
        self._base = f"{urls.BASE}/portable/{ods}/{summary.patient_id}/{summary.printed_at:%Y%m%dT%H%M%S}"

    def __call__(self, name: str) -> str:
        return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{self._base}/{name}')}"


def _div(lines: Iterable[str]) -> Json:
    items = "".join(f"<li>{html.escape(line)}</li>" for line in lines)
    body = f"<ul>{items}</ul>" if items else "<p>Nothing recorded.</p>"
    return {"status": "generated", "div": f'<div xmlns="http://www.w3.org/1999/xhtml">{body}</div>'}


def _patient(s: PortableSummary, org: str, *, compact: bool) -> Json:
    name: Json = {"family": s.family_name, "given": [s.given_name]}
    if not compact:
        name["use"] = "official"
        if s.title:
            name["prefix"] = [s.title]
    # An estimated date of birth is 1 January of the estimated year: compact says just the
    # year (a FHIR date may be a year), the full document keeps the date and marks it estimated.
    born = str(s.date_of_birth.year) if compact and s.dob_estimated else s.date_of_birth.isoformat()
    res: Json = {"resourceType": "Patient", "name": [name, *({"text": n} for n in s.other_names)],
                 "gender": s.sex, "birthDate": born}
    if s.nhs_number:
        res["identifier"] = [{"system": urls.NHS_NUMBER_SYSTEM, "value": s.nhs_number}]
    if s.dob_estimated and not compact:
        res["_birthDate"] = {"extension": [{"url": EXT_BIRTH_DATE_ESTIMATED,
                                            "valueBoolean": True}]}
    if s.language:
        res["communication"] = [{"language": {"coding": [_coding(
            urls.BCP47, s.language, None if compact else s.language_name)]}, "preferred": True}]
        res["extension"] = [{"url": urls.EXT_INTERPRETER_REQUIRED,
                             "valueBoolean": s.interpreter_needed}]
    if s.practice.registered and not compact:
        res["generalPractitioner"] = [{"reference": org}]
    return res


def _organization(s: PortableSummary) -> Json:
    p = s.practice
    return {"resourceType": "Organization",
            "identifier": [{"system": ODS_SYSTEM, "value": p.ods_code}],
            "name": p.name, "telecom": [{"system": "phone", "value": p.phone}],
            "address": [{"line": list(p.address_lines), "postalCode": p.postcode}]}


def _entry_resource(e: ClinicalEntry, patient: str, *, compact: bool) -> Json:
    code = _concept(e.code, e.display)
    day = e.date.isoformat()
    if e.kind is EntryKind.CONDITION:
        res: Json = {"resourceType": "Condition", "code": code,
                     "subject": {"reference": patient}, "recordedDate": day}
        if not compact:  # compact: only current problems are carried, so the status is implied
            status = e.status if e.status in _CONDITION_STATUSES else "active"
            res["clinicalStatus"] = {"coding": [_coding(CS_CONDITION_CLINICAL, status)]}
            res["category"] = [{"coding": [_coding(CS_CONDITION_CATEGORY, "problem-list-item")]}]
        return res
    if e.kind is EntryKind.ALLERGY:
        status = e.status if e.status in _ALLERGY_STATUSES else "active"
        return {"resourceType": "AllergyIntolerance",
                "clinicalStatus": {"coding": [_coding(CS_ALLERGY_CLINICAL, status)]},
                "code": code, "patient": {"reference": patient}, "recordedDate": day}
    if e.kind is EntryKind.MEDICATION:
        status = e.status if e.status in _MEDICATION_STATUSES else "active"
        return {"resourceType": "MedicationStatement", "status": status,
                "medicationCodeableConcept": code, "subject": {"reference": patient},
                "effectiveDateTime": day}
    if e.kind is EntryKind.IMMUNIZATION:
        product = VACCINE_PRODUCT_FOR.get(e.code)
        vaccine = (_concept(*product) | {"text": e.display}) if product else code
        res = {"resourceType": "Immunization", "status": "completed", "vaccineCode": vaccine,
               "patient": {"reference": patient}, "occurrenceDateTime": day}
        if e.dose:
            res["protocolApplied"] = [{"doseNumberPositiveInt": e.dose}]
        return res
    if e.kind is EntryKind.PROCEDURE:
        return {"resourceType": "Procedure", "status": "completed", "code": code,
                "subject": {"reference": patient}, "performedDateTime": day}
    res = {"resourceType": "Observation", "status": "final", "code": code,
           "subject": {"reference": patient}, "effectiveDateTime": day}
    if e.value is not None:
        quantity: Json = {"value": e.value}
        if e.unit:
            quantity |= {"unit": e.unit, "system": UCUM, "code": e.unit}
        res["valueQuantity"] = quantity
    return res


def ips_document(
    summary: PortableSummary, *, compact: bool = False,
    sections: Iterable[Section] | None = None,
) -> Json:
    """The summary as a FHIR R4 ``document`` Bundle (Composition first).

    ``compact`` drops the narrative and the optional elements (for a QR code); ``sections``
    narrows the clinical sections further (the essentials) — the rest are left out of it."""
    chosen = frozenset(sections) if sections is not None else summary.sections
    chosen = chosen & summary.sections
    ids = _Ids(summary, summary.practice.ods_code)
    patient, org, composition = ids("patient"), ids("organization"), ids("composition")
    entries: list[tuple[str, Json]] = [(patient, _patient(summary, org, compact=compact))]
    if compact:  # the practice as a logical reference: its ODS code, name and phone
        p = summary.practice
        author: Json = {"identifier": {"system": ODS_SYSTEM, "value": p.ods_code},
                        "display": f"{'Former GP practice: ' if not p.registered else ''}"
                                   f"{p.name}, tel. {p.phone}"}
    else:
        entries.append((org, _organization(summary)))
        author = {"reference": org}
    comp_sections: list[Json] = []
    if not compact:
        about = [check_line(summary),
                 f"Born {dob_text(summary.date_of_birth, summary.dob_estimated)}."]
        if summary.other_names:
            about.append("Other names used: " + ", ".join(summary.other_names))
        comp_sections.append({"title": "About this record", "text": _div(about)})
        for section in (Section.CONTACT, Section.COMMUNICATION):
            lines = (summary.contact_lines if section is Section.CONTACT
                     else summary.communication_lines)
            if section in chosen and lines:
                comp_sections.append({"title": SECTION_LABELS[section], "text": _div(lines)})
    n = 0
    for section in ALL_SECTIONS:
        ips = IPS_SECTIONS.get(section)
        if ips is None:
            continue
        items = summary.entries_in(section) if section in chosen else []
        if not items and section not in IPS_REQUIRED:
            continue
        block: Json = {"title": ips.title, "code": {"coding": [_coding(LOINC, ips.code,
                                                                       None if compact else
                                                                       ips.display)]}}
        refs = []
        for e in items:
            n += 1
            full_url = ids(f"entry-{n}")
            entries.append((full_url, _entry_resource(e, patient, compact=compact)))
            refs.append({"reference": full_url})
        if refs:
            block["entry"] = refs
        else:
            reason = ("withheld", "Information Withheld") if section not in chosen else (
                "unavailable", "Unavailable")
            block["emptyReason"] = {"coding": [_coding(CS_LIST_EMPTY_REASON, reason[0],
                                                       None if compact else reason[1])]}
        if not compact:
            words = [entry_text(e) for e in items] or [
                "The patient chose not to carry this section." if section not in chosen
                else "Nothing recorded at the practice."]
            block["text"] = _div(words)
        comp_sections.append(block)
    comp: Json = {
        "resourceType": "Composition", "status": "final",
        "type": {"coding": [_coding(LOINC, PATIENT_SUMMARY_LOINC[0],
                                    None if compact else PATIENT_SUMMARY_LOINC[1])]},
        "subject": {"reference": patient},
        "date": summary.printed_at.date().isoformat() if compact else _instant(summary.printed_at),
        "author": [author],
        "title": "Patient-held health record" if compact else "International Patient Summary",
        "section": comp_sections,
    }
    if not compact:
        comp["custodian"] = {"reference": org}
    return {
        "resourceType": "Bundle",
        "identifier": {"system": "urn:ietf:rfc:3986", "value": ids("document")},
        "type": "document",
        "timestamp": _instant(summary.printed_at),
        "entry": [{"fullUrl": url, "resource": res}
                  for url, res in [(composition, comp), *entries]],
    }


def dumps(document: Json) -> bytes:
    """Compact JSON bytes (what a QR code carries)."""
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def qr_payloads(summary: PortableSummary) -> list[Payload]:
    """What the summary page's QR code could carry, richest first: every chosen section as a
    compact document; the IPS-required sections only; the essentials as text."""
    full = dumps(ips_document(summary, compact=True))
    dropped = [SECTION_LABELS[s].lower() for s in ALL_SECTIONS
               if s in summary.sections and s in IPS_SECTIONS and s not in IPS_REQUIRED
               and summary.entries_in(s)]
    narrative = ("contact and communication narrative (printed on the card; the language and "
                 "interpreter need are in Patient)")
    essentials = dumps(ips_document(summary, compact=True, sections=(
        Section.IDENTITY, Section.PRACTICE, Section.COMMUNICATION, *IPS_REQUIRED)))
    plain = essentials_text(summary, DOCUMENT_QR)
    return [
        Payload(PayloadKind.FHIR_DOCUMENT, full, (narrative,)),
        Payload(PayloadKind.FHIR_ESSENTIALS, essentials,
                (narrative, *(f"{d} (no room in the QR code)" for d in dropped))),
        Payload(plain.kind, plain.data, (
            f"the FHIR document: {len(essentials):,} bytes even with only the essential "
            f"sections, more than {DOCUMENT_QR.max_bytes:,}", *plain.left_out)),
    ]


def document_qr_payload(summary: PortableSummary) -> Payload:
    """The summary page's QR payload: the first of :func:`qr_payloads` within
    :data:`~inclusion_practice.domain.portable_record.DOCUMENT_QR`."""
    return choose_payload(qr_payloads(summary), DOCUMENT_QR)


def validated(document: Json) -> Json:
    """The document, after the ``fhir.resources`` R4B Bundle model has accepted it."""
    from fhir.resources.R4B.bundle import Bundle

    Bundle.model_validate(document)
    return document
