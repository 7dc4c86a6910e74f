"""FHIR Patient and Flag: UK Core shape, schema-valid JSON, and our model → FHIR → our model
unchanged (hypothesis)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inclusion_practice.config import PracticeConfig, example_config_text, parse_config
from inclusion_practice.domain.addresses import (
    Addresses,
    ContactDetails,
    ContactRoute,
    CorrespondenceKind,
)
from inclusion_practice.domain.adjustments import ADJUSTMENT_TYPES
from inclusion_practice.domain.communication import Communication, InterpreterGender
from inclusion_practice.domain.flag_categories import BUILT_IN_CATEGORIES, all_snomed
from inclusion_practice.domain.interpreters import InterpreterMode
from inclusion_practice.domain.nhs_number import (
    STATUSES_WITH_NUMBER,
    STATUSES_WITHOUT_NUMBER,
    UnavailableReason,
    check_digit,
)
from inclusion_practice.domain.patient_record import (
    ETHNIC_CATEGORIES_ENGLAND,
    AdjustmentRecord,
    FlagRecord,
    FlagSource,
    PatientRecord,
    Sex,
)
from inclusion_practice.domain.registration import (
    DeregistrationReason,
    RegistrationKind,
    RegistrationPeriod,
)
from inclusion_practice.fhir import urls
from inclusion_practice.fhir.flag import (
    adjustment_from_fhir,
    adjustment_to_fhir,
    flag_from_fhir,
    flag_to_fhir,
)
from inclusion_practice.fhir.patient import patient_from_fhir, patient_to_fhir
from tests.fhir_schema import assert_valid

CONFIG: PracticeConfig = parse_config(example_config_text())
PARTNERS = [p.code for p in CONFIG.partners]
D = dt.date

text = st.text(alphabet=st.characters(categories=["L", "Nd"], include_characters=" -'"),
               min_size=1, max_size=20).map(lambda s: " ".join(s.split())).filter(bool)
dates = st.dates(min_value=D(1930, 1, 1), max_value=D(2026, 11, 23))
postcodes = st.sampled_from(["LS1 4AP", "SW1A 1AA", "M1 1AE", "B33 8TH", "LS2 7UE"])
phones = st.sampled_from(["07700 900123", "0113 496 0001", "+44 7700 900456"])


@st.composite
def nhs_numbers(draw: st.DrawFn) -> str:
    nine = draw(st.text(alphabet="0123456789", min_size=9, max_size=9))
    digit = check_digit(nine)
    return "9434765919" if digit is None else nine + str(digit)


@st.composite
def addresses(draw: st.DrawFn) -> Addresses:
    nfa = draw(st.booleans())
    usual_lines = () if nfa else tuple(draw(st.lists(text, max_size=3)))
    usual_postcode = "ZZ99 3VZ" if nfa else (draw(postcodes) if usual_lines else "ZZ99 3WZ")
    kinds = [k for k in CorrespondenceKind if k is not CorrespondenceKind.USUAL or usual_lines]
    kind = draw(st.sampled_from(kinds))
    a: dict[str, Any] = dict(usual_lines=usual_lines, usual_postcode=usual_postcode,
                             no_fixed_abode=nfa, correspondence_kind=kind)
    if kind is CorrespondenceKind.PARTNER:
        a["correspondence_partner"] = draw(st.sampled_from(PARTNERS))
    if kind is CorrespondenceKind.PRACTICE:
        a["post_check_agreed_on"] = draw(dates)
    if kind in (CorrespondenceKind.CARE_OF, CorrespondenceKind.TEMPORARY):
        a["correspondence_lines"] = tuple(draw(st.lists(text, min_size=1, max_size=3)))
        a["correspondence_postcode"] = draw(postcodes)
    if kind is CorrespondenceKind.TEMPORARY:
        start = draw(dates)
        a["correspondence_from"] = start
        a["correspondence_to"] = draw(st.none() | st.just(start + dt.timedelta(days=30)))
    return Addresses(**a)


@st.composite
def contacts(draw: st.DrawFn) -> ContactDetails:
    return ContactDetails(
        route=draw(st.none() | st.sampled_from(list(ContactRoute))),
        phone=draw(st.none() | phones),
        email=draw(st.none() | st.just("someone@example.org")),
        keyworker_name=draw(st.none() | text),
        keyworker_phone=draw(st.none() | phones),
        keyworker_partner=draw(st.none() | st.sampled_from(PARTNERS)),
    )


@st.composite
def communications(draw: st.DrawFn) -> Communication:
    language = draw(st.none() | st.sampled_from(["pl", "ti", "bfi", "ar", "am", "pt-BR", "en"]))
    if language is None:
        return Communication(no_family_interpreter=draw(st.booleans()))
    needed = language != "en" and draw(st.booleans())
    modes = [InterpreterMode.BSL_IN_PERSON, InterpreterMode.BSL_VIDEO_RELAY] if language == "bfi" \
        else [InterpreterMode.FACE_TO_FACE, InterpreterMode.TELEPHONE, InterpreterMode.VIDEO]
    return Communication(
        main_language=language,
        dialect=draw(st.none() | text),
        interpreter_needed=needed,
        interpreter_mode=draw(st.sampled_from(modes)) if needed else None,
        interpreter_gender=draw(st.none() | st.sampled_from(list(InterpreterGender))) if needed else None,
        no_family_interpreter=draw(st.booleans()),
    )


@st.composite
def periods(draw: st.DrawFn) -> RegistrationPeriod:
    kind = draw(st.sampled_from(list(RegistrationKind)))
    start = draw(dates)
    planned = None if kind is RegistrationKind.PERMANENT else start + dt.timedelta(days=14)
    ended = draw(st.booleans())
    reason = draw(st.sampled_from(list(DeregistrationReason))) if ended else None
    return RegistrationPeriod(
        kind=kind, start=start, planned_end=planned,
        end=start + dt.timedelta(days=3) if ended else None, end_reason=reason,
        end_detail=draw(st.none() | text) if ended else None,
        id=draw(st.none() | st.integers(1, 10_000)),
    )


@st.composite
def records(draw: st.DrawFn) -> PatientRecord:
    number = draw(st.none() | nhs_numbers())
    if number:
        status = draw(st.none() | st.sampled_from(sorted(STATUSES_WITH_NUMBER)))
        unavailable = None
    else:
        status = draw(st.none() | st.sampled_from(sorted(STATUSES_WITHOUT_NUMBER)))
        unavailable = draw(st.none() | st.sampled_from(list(UnavailableReason)))
    dob = draw(dates)
    estimated = draw(st.booleans())
    return PatientRecord(
        id=draw(st.none() | st.integers(1, 100_000)),
        given_name=draw(text),
        family_name=draw(text),
        date_of_birth=D(dob.year, 1, 1) if estimated else dob,
        dob_estimated=estimated,
        sex=draw(st.sampled_from(list(Sex))),
        title=draw(st.none() | st.sampled_from(["Ms", "Mr", "Mx", "Dr"])),
        nhs_number=number,
        nhs_number_status=status,
        nhs_number_unavailable_reason=unavailable,
        addresses=draw(addresses()),
        contact=draw(contacts()),
        communication=draw(communications()),
        ethnicity_code=draw(st.none() | st.sampled_from(sorted(ETHNIC_CATEGORIES_ENGLAND))),
        linked_to_id=draw(st.none() | st.integers(1, 100_000)),
        registrations=tuple(draw(st.lists(periods(), max_size=3))),
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records())
def test_every_patient_survives_our_model_to_fhir_and_back_unchanged(record: PatientRecord) -> None:
    resource = patient_to_fhir(record, CONFIG, today=D(2026, 11, 23))
    assert_valid(resource)
    assert patient_from_fhir(resource) == record


@st.composite
def flag_records(draw: st.DrawFn) -> FlagRecord:
    cat = draw(st.sampled_from(BUILT_IN_CATEGORIES))
    sub = draw(st.none() | st.sampled_from(cat.subcategories)) if cat.subcategories else None
    codes = all_snomed(cat)
    start = draw(dates)
    ended = draw(st.booleans())
    return FlagRecord(
        id=draw(st.none() | st.integers(1, 10_000)), patient_id=draw(st.integers(1, 10_000)),
        category=cat.code, subcategory=sub,
        snomed_code=draw(st.none() | st.sampled_from(codes)) if codes else None,
        start=start, end=start + dt.timedelta(days=10) if ended else None,
        review=draw(st.none() | st.just(start + dt.timedelta(days=365))),
        source=draw(st.sampled_from(list(FlagSource))), recorded_by=draw(st.sampled_from(["drokafor", "reception1"])),
        end_reason=draw(st.none() | text) if ended else None, restricted=cat.restricted,
        label=cat.label,
    )


@settings(max_examples=60, deadline=None)
@given(flag_records())
def test_every_flag_survives_the_round_trip_and_validates(flag: FlagRecord) -> None:
    resource = flag_to_fhir(flag, today=D(2026, 11, 23))
    assert_valid(resource)
    assert flag_from_fhir(resource) == flag


@st.composite
def adjustment_records(draw: st.DrawFn) -> AdjustmentRecord:
    t = draw(st.sampled_from(list(ADJUSTMENT_TYPES.values())))
    detail = draw(st.sampled_from(t.details)) if t.details else draw(st.none() | text)
    start = draw(dates)
    return AdjustmentRecord(
        id=draw(st.none() | st.integers(1, 1000)), patient_id=draw(st.integers(1, 1000)),
        kind=t.kind.value, ra_category=t.ra_category,
        snomed_code=dict(t.snomed_by_detail).get(detail or "") or t.snomed, detail=detail,
        start=start, end=draw(st.none() | st.just(start + dt.timedelta(days=5))),
        recorded_by="reception1",
    )


@settings(max_examples=40, deadline=None)
@given(adjustment_records())
def test_every_adjustment_survives_the_round_trip_as_an_ra_flag(adj: AdjustmentRecord) -> None:
    resource = adjustment_to_fhir(adj)
    assert_valid(resource)
    assert adjustment_from_fhir(resource) == adj


ZOFIA = PatientRecord(
    id=7, given_name="Zofia", family_name="Kowalska-Nowak", date_of_birth=D(1990, 1, 1),
    dob_estimated=True, sex=Sex.FEMALE,
    nhs_number_unavailable_reason=UnavailableReason.NOT_KNOWN,
    addresses=Addresses((), "ZZ99 3VZ", True, CorrespondenceKind.PARTNER, "st-annes-hostel"),
    communication=Communication("pl", None, True, InterpreterMode.TELEPHONE),
    registrations=(RegistrationPeriod(RegistrationKind.PERMANENT, D(2026, 11, 23), id=1),),
)


def _ext(resource: dict[str, Any], url: str) -> dict[str, Any] | None:
    return next((e for e in resource.get("extension", []) if e["url"] == url), None)


def test_uk_core_patient_conventions_for_the_issue_example() -> None:
    p = patient_to_fhir(ZOFIA, CONFIG, today=D(2026, 11, 23))
    assert_valid(p)
    assert not any(i["system"] == urls.NHS_NUMBER_SYSTEM for i in p["identifier"])
    reason = _ext(p, urls.EXT_NHS_NUMBER_UNAVAILABLE)
    assert reason and reason["valueCodeableConcept"]["coding"][0]["code"] == "nhs-number-not-known"
    assert _ext(p, urls.EXT_INTERPRETER_REQUIRED) == {"url": urls.EXT_INTERPRETER_REQUIRED,
                                                     "valueBoolean": True}
    assert not _ext(p, "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-NHSCommunication")
    [comm] = p["communication"]
    assert {"system": urls.BCP47, "code": "pl", "display": "Polish"} in comm["language"]["coding"]
    assert {"system": urls.SNOMED, "code": "315579002"} in comm["language"]["coding"]
    usual, post = p["address"]
    assert usual["postalCode"] == "ZZ99 3VZ" and usual["use"] == "home"
    assert usual["extension"][0] == {"url": urls.EXT_NO_FIXED_ADDRESS, "valueBoolean": True}
    assert post["type"] == "postal" and post["line"][0] == "c/o St Anne's Hostel (synthetic)"
    assert p["_birthDate"]["extension"][0]["valueBoolean"] is True
    assert p["active"] is True


def test_an_nhs_number_is_one_identifier_with_its_verification_status() -> None:
    from dataclasses import replace

    from inclusion_practice.domain.nhs_number import VerificationStatus

    rec = replace(ZOFIA, nhs_number="9434765919", nhs_number_status=VerificationStatus.VERIFIED,
                  nhs_number_unavailable_reason=None)
    p = patient_to_fhir(rec, CONFIG)
    [nhs] = [i for i in p["identifier"] if i["system"] == urls.NHS_NUMBER_SYSTEM]
    assert nhs["value"] == "9434765919"
    status = nhs["extension"][0]
    assert status["url"] == urls.EXT_NHS_NUMBER_VERIFICATION
    assert status["valueCodeableConcept"]["coding"][0] == {
        "system": urls.CS_NHS_NUMBER_VERIFICATION, "code": "01",
        "display": "Number present and verified"}
    assert _ext(p, urls.EXT_NHS_NUMBER_UNAVAILABLE) is None


def test_a_flag_carries_category_snomed_code_period_and_author() -> None:
    flag = FlagRecord(3, 7, "homelessness", "rough_sleeping", "224228000", D(2026, 1, 1), None,
                      D(2027, 1, 1), FlagSource.OUTREACH_TEAM, "reception1", label="Homelessness")
    f = flag_to_fhir(flag)
    assert_valid(f)
    assert f["status"] == "active"
    assert {"system": urls.SNOMED, "code": "224228000"} in f["code"]["coding"]
    assert f["category"][1]["coding"][0]["code"] == "homelessness"
    assert f["period"] == {"start": "2026-01-01"}
    assert f["author"]["display"] == "reception1"
    assert f["subject"] == {"reference": "Patient/7"}
