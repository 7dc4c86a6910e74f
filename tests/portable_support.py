"""A patient with a realistic record for the portable-record tests (synthetic, no real data).

No fixed abode, letters care of the hostel, a keyworker, Tigrinya by telephone, and coded
entries imported as a feeding system would send them: an active and a resolved problem, an
allergy, an active and a finished medicine, a vaccination, a screening test and a measurement —
plus a restricted concept (drug dependence) and a drug-use review, which no portable record may
carry, and a restricted (sex work) flag.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import Any

from inclusion_practice.api import InclusionPractice
from inclusion_practice.domain.actor import Actor
from inclusion_practice.domain.flag_categories import BUILT_IN_CATEGORIES, all_snomed
from inclusion_practice.fhir import urls
from inclusion_practice.fhir.importer import FhirImporter
from inclusion_practice.indicators.definitions import shipped_codelists
from inclusion_practice.services.patients import NewPatient
from tests.fhir_practice import VALID_NHS

RESTRICTED = [c for c in BUILT_IN_CATEGORIES if c.restricted]
RESTRICTED_WORDS = sorted(
    {c.code for c in RESTRICTED} | {c.label.lower() for c in RESTRICTED}
    | {code for c in RESTRICTED for code in all_snomed(c)}
    | {c.code for c in shipped_codelists()["drug_review"].codes}
    | {"drug dependence", "drug misuse", "substance misuse", "prostitute"}
)
"""What no portable record may ever hold: restricted categories' codes, labels and concepts."""

SUBJECT = {"identifier": {"system": urls.NHS_NUMBER_SYSTEM, "value": VALID_NHS}}


def _concept(code: str, display: str) -> dict[str, Any]:
    return {"coding": [{"system": urls.SNOMED, "code": code, "display": display}]}


def _status(system: str, code: str) -> dict[str, Any]:
    return {"coding": [{"system": f"http://terminology.hl7.org/CodeSystem/{system}",
                        "code": code}]}


def coded_entries() -> list[dict[str, Any]]:
    drug_review = shipped_codelists()["drug_review"].codes[0]
    return [
        {"resourceType": "Condition", "id": "pt-asthma", "subject": SUBJECT,
         "clinicalStatus": _status("condition-clinical", "active"),
         "code": _concept("195967001", "Asthma"), "recordedDate": "2024-02-10"},
        {"resourceType": "Condition", "id": "pt-caries", "subject": SUBJECT,
         "clinicalStatus": _status("condition-clinical", "resolved"),
         "code": _concept("80967001", "Dental caries"), "recordedDate": "2023-05-01"},
        {"resourceType": "Condition", "id": "pt-restricted", "subject": SUBJECT,
         "clinicalStatus": _status("condition-clinical", "active"),
         "code": _concept("191816009", "Drug dependence"), "recordedDate": "2025-01-01"},
        {"resourceType": "Procedure", "id": "pt-review", "subject": SUBJECT,
         "status": "completed", "code": _concept(drug_review.code, drug_review.term),
         "performedDateTime": "2026-01-15"},
        {"resourceType": "AllergyIntolerance", "id": "pt-pen", "patient": SUBJECT,
         "clinicalStatus": _status("allergyintolerance-clinical", "active"),
         "code": _concept("91936005", "Allergy to penicillin"), "recordedDate": "2022-09-09"},
        {"resourceType": "MedicationStatement", "id": "pt-salb", "subject": SUBJECT,
         "status": "active",
         "medicationCodeableConcept": _concept("39113611000001102",
                                               "Salbutamol 100micrograms/dose inhaler CFC free"),
         "effectiveDateTime": "2024-02-10"},
        {"resourceType": "MedicationStatement", "id": "pt-amox", "subject": SUBJECT,
         "status": "completed",
         "medicationCodeableConcept": _concept("39732311000001104", "Amoxicillin 250mg capsules"),
         "effectiveDateTime": "2025-03-01"},
        {"resourceType": "Immunization", "id": "pt-flu", "patient": SUBJECT,
         "status": "completed",
         "vaccineCode": _concept("1181000221105", "Influenza virus antigen only vaccine product"),
         "occurrenceDateTime": "2026-10-02"},
        {"resourceType": "Procedure", "id": "pt-hepc", "subject": SUBJECT,
         "status": "completed", "code": _concept("413107006", "Hepatitis C screening"),
         "performedDateTime": "2026-06-20"},
        {"resourceType": "Observation", "id": "pt-bmi", "subject": SUBJECT, "status": "final",
         "code": _concept("60621009", "Body mass index"), "effectiveDateTime": "2026-06-20",
         "valueQuantity": {"value": 21.4, "unit": "kg/m2", "system": "http://unitsofmeasure.org",
                           "code": "kg/m2"}},
    ]


def portable_patient(ip: InclusionPractice, actors: dict[str, Actor]) -> int:
    """Register the patient (as reception), flag them (restricted, as a clinician), import the
    coded entries (as admin) and return the id."""
    reception, clinician = actors["receptionist"], actors["clinician"]
    p = ip.patients.register(reception, NewPatient(
        given_name="Amanuel", family_name="Tesfay", sex="male", estimated_birth_year=1996,
        nhs_number=VALID_NHS, no_fixed_abode=True, correspondence="partner",
        care_of_partner="st-annes-hostel", contact_route="keyworker",
        keyworker_name="Jo Bloggs", keyworker_phone="0113 496 0101", main_language="ti",
        interpreter_needed=True, interpreter_mode="telephone",
        adjustments=["extended_appointment"],
    ), decision="new_person").patient
    assert p.id is not None
    ip.flags.add(reception, p.id, "homelessness", subcategory="rough_sleeping")
    ip.flags.add(clinician, p.id, "sex_work", source="clinician", start=dt.date(2025, 1, 1))
    report = FhirImporter(ip.services).import_resources(actors["admin"], coded_entries(),
                                                        atomic=True)
    assert not report.problems, report.problems
    return int(p.id)


def pdf_text(pdf: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages)


def decode_qr_codes(pdf: bytes, dpi: int = 200) -> list[tuple[int, bytes]]:
    """Every QR code on every page, as (page number, bytes), read with zxing-cpp from the
    rendered pages (pypdfium2), as a phone would read the paper."""
    import pypdfium2
    import zxingcpp

    out: list[tuple[int, bytes]] = []
    doc = pypdfium2.PdfDocument(pdf)
    for i in range(len(doc)):
        image = doc[i].render(scale=dpi / 72).to_pil()
        out += [(i + 1, bytes(r.bytes)) for r in zxingcpp.read_barcodes(image)
                if r.format == zxingcpp.BarcodeFormat.QRCode]
    return out


def leaks(text: str) -> list[str]:
    low = text.lower()
    return [w for w in RESTRICTED_WORDS if w in low]


def as_json(data: bytes) -> dict[str, Any]:
    value = json.loads(data.decode("utf-8"))
    assert isinstance(value, dict)
    return value
