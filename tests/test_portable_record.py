"""The portable health record (issue 16): consent, the printed summary and wallet card, the QR
codes, the IPS document from the CLI and ``$summary``, reprints, and what is never carried."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from fhir.resources.R4B.bundle import Bundle
from sqlalchemy import text

from inclusion_practice.api import InclusionPractice
from inclusion_practice.domain.actor import Actor
from inclusion_practice.domain.portable_record import (
    CARD_QR,
    CONSENT_CODE,
    DOCUMENT_QR,
    ConsentRequired,
    Layout,
    PayloadKind,
    Section,
    essentials_text,
    parse_sections,
    summary_from_json,
    summary_to_json,
)
from inclusion_practice.errors import InvalidInput, NotFound, PermissionDenied
from inclusion_practice.fhir.ips import ips_document, qr_payloads
from inclusion_practice.rest import create_app
from inclusion_practice.services.access import SYSTEM
from inclusion_practice.services.api_tokens import ApiTokenService
from inclusion_practice.services.patients import NewPatient
from reports.portable_card import print_card, render_pdf, reprint_card, write_fhir
from tests.conftest import NOW
from tests.fhir_schema import assert_valid
from tests.portable_support import (
    as_json,
    decode_qr_codes,
    leaks,
    pdf_text,
    portable_patient,
)

SQLITE = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
PRINTED = f"Printed {NOW:%d %b %Y}"


def _valid_document(doc: dict[str, Any]) -> None:
    """A FHIR R4 document: the schema, the fhir.resources model, the document rules we rely on."""
    assert_valid(doc)
    for entry in doc["entry"]:
        assert_valid(entry["resource"])
    Bundle.model_validate(doc)
    assert doc["type"] == "document" and doc["entry"][0]["resource"]["resourceType"] == "Composition"
    urls = {e["fullUrl"] for e in doc["entry"]}
    comp = doc["entry"][0]["resource"]
    refs = [comp["subject"]["reference"], *(a["reference"] for a in comp["author"]
                                            if "reference" in a)]
    refs += [r["reference"] for s in comp["section"] for r in s.get("entry", [])]
    assert set(refs) <= urls, "a reference that does not resolve inside the document"
    assert comp["type"]["coding"][0]["code"] == "60591-5"
    codes = {s["code"]["coding"][0]["code"] for s in comp["section"] if "code" in s}
    assert {"11450-4", "48765-2", "10160-0"} <= codes, "an IPS-required section is missing"


@pytest.fixture
def patient(ip: InclusionPractice, actors: dict[str, Actor]) -> int:
    return portable_patient(ip, actors)


# ------------------------------------------------------------------------------- consent


@SQLITE
def test_nothing_is_printed_without_consent_and_the_refusal_names_consent(
    ip: InclusionPractice, actors: dict[str, Actor], patient: int, tmp_path: Path
) -> None:
    clinician = actors["clinician"]
    with pytest.raises(ConsentRequired, match="consent") as refused:
        print_card(ip, clinician, patient, tmp_path / "card.pdf")
    assert "has not been recorded" in str(refused.value)
    assert not (tmp_path / "card.pdf").exists()
    ip.portable.record_consent(clinician, patient, parse_sections("all"))
    ip.portable.withdraw_consent(clinician, patient)
    with pytest.raises(ConsentRequired, match="withdrawn on"):
        write_fhir(ip, clinician, patient, tmp_path / "summary.json")
    assert not (tmp_path / "summary.json").exists()
    assert ip.portable.prints(clinician, patient) == []


def test_consent_is_a_coded_dated_audited_fact_with_the_sections_chosen(
    ip: InclusionPractice, actors: dict[str, Actor], patient: int
) -> None:
    clinician = actors["clinician"]
    fact = ip.portable.record_consent(clinician, patient, [Section.ALLERGIES, Section.MEDICATIONS])
    assert fact.code == CONSENT_CODE and fact.given and fact.recorded_on == NOW.date()
    assert fact.recorded_by == clinician.username
    assert fact.sections == {Section.IDENTITY, Section.PRACTICE, Section.ALLERGIES,
                             Section.MEDICATIONS}
    audit = ip.audit.for_entity(SYSTEM, "portable_consent", fact.id)
    assert audit and audit[0].actor == clinician.username
    assert "allergies,medications" in json.dumps(audit[0].changes) or "allergies" in str(audit[0])
    with pytest.raises(PermissionDenied):
        ip.portable.record_consent(actors["receptionist"], patient, [Section.PROBLEMS])
    with pytest.raises(InvalidInput, match="'bloods' is not a section"):
        parse_sections("problems,bloods")
    with pytest.raises(InvalidInput, match="future"):
        ip.portable.record_consent(clinician, patient, [], on=NOW.date() + dt.timedelta(days=1))
    # Consents and prints are append-only in the database itself.
    with pytest.raises(Exception, match="append-only"), ip.db.connection() as conn:
        conn.execute(text("UPDATE portable_consent SET given = false"))


# ---------------------------------------------------------------------- the card and the QR


def test_a_clinician_prints_the_card_and_its_qr_codes_decode_to_a_valid_document(
    ip: InclusionPractice, actors: dict[str, Actor], patient: int, tmp_path: Path
) -> None:
    clinician = actors["clinician"]
    ip.portable.record_consent(clinician, patient, parse_sections("all"))
    done = print_card(ip, clinician, patient, tmp_path / "card.pdf")
    pdf = (tmp_path / "card.pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and done.rendered.pages == 2  # one A4 page and the card
    words = pdf_text(pdf)
    for expected in ("Amanuel Tesfay", "about 1996 (estimated)", "943 476 5919",
                     "Riverside Inclusion Health Practice", "0113 496 0000",
                     "Needs a Tigrinya interpreter, by telephone",
                     "Please allow a longer (double) appointment",
                     "care of St Anne's Hostel", "Keyworker: Jo Bloggs",
                     "Allergy to penicillin", "Salbutamol 100micrograms/dose inhaler CFC free",
                     "Asthma", "Influenza virus antigen only vaccine product",
                     "Hepatitis C screening", "Body mass index: 21.4 kg/m2", PRINTED,
                     "check with my GP practice", "Wallet card", "MY HEALTH RECORD"):
        assert expected in words, expected
    # Resolved problems and finished medicines stay off; the usual residence is never printed.
    assert "Dental caries" not in words and "Amoxicillin" not in words
    assert "ZZ99" not in words
    codes = decode_qr_codes(pdf)
    assert [page for page, _ in codes] == [1, 2]
    document = as_json(codes[0][1])
    _valid_document(document)
    assert codes[0][1] == done.rendered.document_payload.data
    assert done.rendered.document_payload.size <= DOCUMENT_QR.max_bytes
    card = codes[1][1].decode("utf-8")
    assert card.startswith("PATIENT-HELD HEALTH RECORD") and "Amanuel Tesfay" in card
    assert "Allergies: Allergy to penicillin" in card and "0113 496 0000" in card
    assert len(codes[1][1]) <= CARD_QR.max_bytes
    # The print is recorded with its content, and the patient's status shows it.
    status = ip.portable.status(actors["receptionist"], patient)
    assert status.consented and status.last_print is not None and status.can_reprint
    assert status.last_print.printed_at == NOW and status.last_print.qr_bytes == len(codes[0][1])


@SQLITE
def test_the_qr_payload_falls_back_to_the_essentials_when_the_document_will_not_fit(
    ip: InclusionPractice, actors: dict[str, Actor], patient: int
) -> None:
    clinician = actors["clinician"]
    ip.portable.record_consent(clinician, patient, parse_sections("all"))
    summary = ip.portable.summary(clinician, patient)
    full, essentials, plain = qr_payloads(summary)
    assert full.kind is PayloadKind.FHIR_DOCUMENT and essentials.kind is PayloadKind.FHIR_ESSENTIALS
    assert essentials.size < full.size
    for payload in (full, essentials):
        _valid_document(as_json(payload.data))
    assert plain.kind is PayloadKind.TEXT_ESSENTIALS and plain.data.startswith(b"PATIENT-HELD")
    # A long record: the document cannot fit, the essentials say what they left out.
    many = summary.entries * 12
    crowded = type(summary)(**{**summary.__dict__, "entries": many})
    chosen = render_pdf(crowded).document_payload
    assert chosen.size <= DOCUMENT_QR.max_bytes
    assert chosen.kind in (PayloadKind.FHIR_ESSENTIALS, PayloadKind.TEXT_ESSENTIALS)
    assert chosen.left_out, "what is left out is stated"
    text_only = essentials_text(crowded, CARD_QR)
    assert text_only.size <= CARD_QR.max_bytes and text_only.left_out


@SQLITE
@pytest.mark.parametrize("layout", [Layout.LARGE, Layout.EASY_READ])
def test_large_print_and_easy_read_layouts(
    ip: InclusionPractice, actors: dict[str, Actor], patient: int, tmp_path: Path, layout: Layout
) -> None:
    clinician = actors["clinician"]
    ip.portable.record_consent(clinician, patient, parse_sections("all"))
    done = print_card(ip, clinician, patient, tmp_path / "card.pdf", layout)
    words = pdf_text((tmp_path / "card.pdf").read_bytes())
    assert "My health record" in words and PRINTED in words
    if layout is Layout.EASY_READ:
        assert "This is me" in words and "My medicines" in words
        assert "I speak Tigrinya. I need an interpreter by telephone." in words
    assert done.record.layout is layout
    assert [p for p, _ in decode_qr_codes((tmp_path / "card.pdf").read_bytes())][-1] == \
        done.rendered.pages


# ----------------------------------------------------------------- what is never carried


@SQLITE
def test_a_restricted_flag_or_concept_never_appears_on_anything_the_patient_carries(
    ip: InclusionPractice, actors: dict[str, Actor], patient: int, tmp_path: Path
) -> None:
    clinician = actors["clinician"]
    assert any(f.category == "sex_work" for f in ip.flags.list(clinician, patient))
    ip.portable.record_consent(clinician, patient, parse_sections("all"))
    outputs: list[str] = []
    for layout in Layout:
        done = print_card(ip, clinician, patient, tmp_path / f"{layout.value}.pdf", layout)
        pdf = (tmp_path / f"{layout.value}.pdf").read_bytes()
        outputs += [pdf_text(pdf), *(data.decode("utf-8") for _, data in decode_qr_codes(pdf))]
        assert any("restricted category" in note for note in done.summary.left_out)
    write_fhir(ip, clinician, patient, tmp_path / "summary.json")
    outputs.append((tmp_path / "summary.json").read_text("utf-8"))
    outputs.append(json.dumps(ip.fhir.patient_summary(clinician, patient)))
    summary = ip.portable.summary(clinician, patient)
    outputs += [p.data.decode("utf-8") for p in qr_payloads(summary)]
    outputs.append(json.dumps(summary_to_json(summary)))
    for out in outputs:
        assert leaks(out) == [], leaks(out)
    assert "homelessness" not in outputs[0].lower() and "rough sleep" not in outputs[0].lower()


@SQLITE
def test_the_patient_chooses_the_sections_and_the_rest_are_withheld(
    ip: InclusionPractice, actors: dict[str, Actor], patient: int, tmp_path: Path
) -> None:
    clinician = actors["clinician"]
    ip.portable.record_consent(clinician, patient, [Section.ALLERGIES])
    print_card(ip, clinician, patient, tmp_path / "card.pdf")
    words = pdf_text((tmp_path / "card.pdf").read_bytes())
    assert "Allergy to penicillin" in words
    for hidden in ("Asthma", "Salbutamol", "Tigrinya", "Jo Bloggs", "Hepatitis C"):
        assert hidden not in words, hidden
    assert "by the patient's choice" in words
    write_fhir(ip, clinician, patient, tmp_path / "summary.json")
    doc = json.loads((tmp_path / "summary.json").read_text("utf-8"))
    _valid_document(doc)
    sections = {s["code"]["coding"][0]["code"]: s for s in doc["entry"][0]["resource"]["section"]
                if "code" in s}
    assert sections["11450-4"]["emptyReason"]["coding"][0]["code"] == "withheld"
    assert sections["48765-2"]["entry"]


# --------------------------------------------------------------------- bad input, safety


@SQLITE
def test_unknown_deregistered_and_empty_patients(
    ip: InclusionPractice, actors: dict[str, Actor], tmp_path: Path
) -> None:
    clinician, reception = actors["clinician"], actors["receptionist"]
    with pytest.raises(NotFound):
        ip.portable.record_consent(clinician, 999_999, [])
    with pytest.raises(NotFound):
        print_card(ip, clinician, 999_999, tmp_path / "x.pdf")
    empty = ip.patients.register(reception, NewPatient(
        given_name="Łucja", family_name="Wiśniewska", sex="female",
        date_of_birth=dt.date(1988, 4, 1)), decision="new_person",
        start=NOW.date() - dt.timedelta(days=90)).patient
    assert empty.id is not None
    ip.patients.deregister(reception, empty.id, "moved", on=NOW.date() - dt.timedelta(days=3))
    ip.portable.record_consent(clinician, empty.id, parse_sections("all"))
    done = print_card(ip, clinician, empty.id, tmp_path / "empty.pdf")
    words = pdf_text((tmp_path / "empty.pdf").read_bytes())
    assert "Wiśniewska" in words or "Wisniewska" in words
    assert "Former practice" in words and "not registered there now" in words
    assert "Former GP" in words and "Nothing recorded at the practice." in words
    assert not done.summary.practice.registered
    doc = as_json(decode_qr_codes((tmp_path / "empty.pdf").read_bytes())[0][1])
    _valid_document(doc)
    assert "generalPractitioner" not in doc["entry"][1]["resource"]
    assert doc["entry"][0]["resource"]["author"][0]["display"].startswith("Former GP practice")


def test_h21_every_page_and_panel_is_dated_and_a_reprint_keeps_the_first_date(
    ip: InclusionPractice, actors: dict[str, Actor], patient: int, tmp_path: Path,
    clock: Any,
) -> None:
    """Hazard H21, a wrong or stale card: every page says when it was printed and to check with
    the practice; a reprint (reception) is the card as printed, saying so, with both dates; a
    changed choice of sections or a withdrawal stops reprints."""
    from pypdf import PdfReader

    clinician, reception = actors["clinician"], actors["receptionist"]
    ip.portable.record_consent(clinician, patient, parse_sections("all"))
    first = print_card(ip, clinician, patient, tmp_path / "card.pdf")
    pages = PdfReader(str(tmp_path / "card.pdf")).pages
    for page in pages:
        words = page.extract_text()
        assert PRINTED in words and "check with my GP practice" in words
    assert pdf_text((tmp_path / "card.pdf").read_bytes()).count("check with the practice") >= 2
    clock.advance(dt.timedelta(days=40))
    again = reprint_card(ip, reception, patient, tmp_path / "again.pdf")
    words = pdf_text((tmp_path / "again.pdf").read_bytes())
    later = NOW + dt.timedelta(days=40)
    assert PRINTED in words and f"Reprinted {later:%d %b %Y}" in words
    assert again.summary == first.summary and again.record.reprint_of_id == first.record.id
    assert summary_from_json(summary_to_json(first.summary)) == first.summary
    with pytest.raises(PermissionDenied):
        print_card(ip, reception, patient, tmp_path / "new.pdf")
    ip.portable.record_consent(clinician, patient, [Section.ALLERGIES])
    with pytest.raises(InvalidInput, match="changed after the last card"):
        reprint_card(ip, reception, patient, tmp_path / "stale.pdf")
    ip.portable.withdraw_consent(clinician, patient)
    with pytest.raises(ConsentRequired):
        reprint_card(ip, reception, patient, tmp_path / "withdrawn.pdf")
    assert not (tmp_path / "stale.pdf").exists() and not (tmp_path / "withdrawn.pdf").exists()


# --------------------------------------------------------------------------- $summary


@SQLITE
def test_patient_summary_operation_returns_a_valid_ips_document_to_clinical_tokens(
    ip: InclusionPractice, actors: dict[str, Actor], patient: int
) -> None:
    svc = ApiTokenService(ip.db)
    tokens = {role: svc.create(SYSTEM, a.username, role) for role, a in actors.items()}
    client = TestClient(create_app(ip))

    def get(role: str, pid: Any) -> Any:
        return client.get(f"/Patient/{pid}/$summary",
                          headers={"Authorization": f"Bearer {tokens[role]}"})

    got = get("clinician", patient)
    assert got.status_code == 200, got.text
    assert got.headers["content-type"].startswith("application/fhir+json")
    doc = got.json()
    _valid_document(doc)
    types = {e["resource"]["resourceType"] for e in doc["entry"]}
    assert types == {"Composition", "Patient", "Organization", "Condition", "AllergyIntolerance",
                     "MedicationStatement", "Immunization", "Procedure", "Observation"}
    assert all("text" in s for s in doc["entry"][0]["resource"]["section"])  # narrative
    assert leaks(got.text) == []
    for role in ("receptionist", "manager", "admin"):
        refused = get(role, patient)
        assert refused.status_code == 403 and refused.json()["resourceType"] == "OperationOutcome"
    assert get("clinician", 999_999).status_code == 404
    log = ip.access_log.for_patient(actors["manager"], patient)
    assert [r.purpose for r in log if r.purpose == "patient.summary"] == ["patient.summary"]
    assert next(r for r in log if r.purpose == "patient.summary").channel == "rest"


def test_every_portable_read_and_print_is_in_the_access_log(
    ip: InclusionPractice, actors: dict[str, Actor], patient: int, tmp_path: Path
) -> None:
    clinician, reception = actors["clinician"], actors["receptionist"]
    ip.portable.record_consent(clinician, patient, parse_sections("all"))
    print_card(ip, clinician, patient, tmp_path / "card.pdf")
    ip.portable.status(reception, patient)
    reprint_card(ip, reception, patient, tmp_path / "again.pdf")
    purposes = [(r.actor, r.purpose) for r in ip.access_log.for_patient(actors["manager"], patient)]
    for expected in [(clinician.username, "portable_record.summary"),
                     (reception.username, "portable_record.status"),
                     (reception.username, "portable_record.reprint")]:
        assert expected in purposes
    assert [p.output for p in ip.portable.prints(clinician, patient)] == ["card", "card"]


def test_ips_document_of_the_summary_round_trips_through_the_stored_json(
    ip: InclusionPractice, actors: dict[str, Actor], patient: int
) -> None:
    clinician = actors["clinician"]
    ip.portable.record_consent(clinician, patient, parse_sections("all"))
    summary = ip.portable.summary(clinician, patient)
    assert ips_document(summary_from_json(summary_to_json(summary))) == ips_document(summary)
