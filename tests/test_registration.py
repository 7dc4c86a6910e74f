"""Registration: types and periods, as-of-any-date, history, duplicates, health check, bad input.

Service tests run on SQLite and PostgreSQL (the ``ip`` fixture).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlmodel import select

from inclusion_practice.api import InclusionPractice
from inclusion_practice.domain.actor import Actor
from inclusion_practice.domain.registration import (
    RegistrationKind,
    RegistrationPeriod,
    check_date_of_birth,
    continuous_start,
    counts_as_registered,
    is_registered_on,
    plan_period,
)
from inclusion_practice.errors import InvalidInput, NoActingUser, NotFound
from inclusion_practice.services.patients import NewPatient, PatientUpdate, PossibleDuplicates
from inclusion_practice.storage.tables import AuditEvent, Task
from tests.patient_fixtures import actors, audit_rows, counts, zofia

__all__ = ["actors"]

D = dt.date
TODAY = D(2026, 11, 23)
# --------------------------------------------------------------------------- pure rules


@pytest.mark.parametrize(
    ("kind", "start", "planned", "expected_end"),
    [
        ("permanent", TODAY, None, None),
        ("temporary", TODAY, TODAY + dt.timedelta(days=1), TODAY + dt.timedelta(days=1)),
        ("temporary", TODAY, TODAY + dt.timedelta(days=92), TODAY + dt.timedelta(days=92)),
        ("immediately_necessary", TODAY, None, TODAY + dt.timedelta(days=14)),
    ],
)
def test_registration_periods_follow_the_type(
    kind: str, start: dt.date, planned: dt.date | None, expected_end: dt.date | None
) -> None:
    p = plan_period(kind, start, planned, today=TODAY)
    assert p.planned_end == expected_end


@pytest.mark.parametrize(
    ("kind", "planned", "field", "reason"),
    [
        ("temporary", None, "planned_end", "needs an end date"),
        ("temporary", TODAY, "planned_end", "at least 24 hours"),
        ("temporary", TODAY - dt.timedelta(days=1), "planned_end", "before the start"),
        ("temporary", TODAY + dt.timedelta(days=93), "planned_end", "at most 3 months"),
        ("permanent", TODAY + dt.timedelta(days=5), "planned_end", "no planned end"),
        ("immediately_necessary", TODAY + dt.timedelta(days=3), "planned_end", "14"),
        ("visitor", None, "kind", "is not one of"),
    ],
)
def test_bad_registration_periods_are_refused(
    kind: str, planned: dt.date | None, field: str, reason: str
) -> None:
    with pytest.raises(InvalidInput) as err:
        plan_period(kind, TODAY, planned, today=TODAY)
    assert (err.value.field, reason in err.value.reason) == (field, True)


PERIODS = [
    RegistrationPeriod(RegistrationKind.PERMANENT, D(2020, 1, 1), end=D(2022, 6, 30)),
    RegistrationPeriod(RegistrationKind.TEMPORARY, D(2025, 1, 1), planned_end=D(2025, 3, 1)),
    RegistrationPeriod(RegistrationKind.PERMANENT, D(2026, 1, 5)),
]


@pytest.mark.parametrize(
    ("day", "registered"),
    [
        (D(2019, 12, 31), False), (D(2020, 1, 1), True), (D(2022, 6, 30), True),
        (D(2022, 7, 1), False), (D(2025, 3, 1), True), (D(2025, 3, 2), False),
        (D(2026, 1, 4), False), (D(2026, 3, 31), True),
    ],
)
def test_registered_on_a_date_uses_every_period(day: dt.date, registered: bool) -> None:
    assert is_registered_on(PERIODS, day) is registered


@pytest.mark.parametrize(
    ("dob", "estimated", "year", "expected"),
    [
        (D(1990, 6, 15), False, None, (D(1990, 6, 15), False)),
        (None, False, 1990, (D(1990, 1, 1), True)),
        (D(1990, 6, 15), True, None, (D(1990, 1, 1), True)),
    ],
)
def test_an_estimated_date_of_birth_is_1_january_marked_estimated(
    dob: dt.date | None, estimated: bool, year: int | None, expected: tuple[dt.date, bool]
) -> None:
    assert check_date_of_birth(dob, estimated=estimated, estimated_year=year, today=TODAY) == expected


# --------------------------------------------------------------------------- service


def test_reception_registers_a_person_of_no_fixed_abode_with_nothing_but_name_dob_and_sex(
    ip: InclusionPractice, actors: dict[str, Actor]
) -> None:
    r = ip.patients.register(
        actors["receptionist"], NewPatient("Sam", "Rough", "male", estimated_birth_year=1980,
                                           no_fixed_abode=True)
    )
    rec = r.patient
    assert rec.addresses.usual_postcode == "ZZ99 3VZ"
    assert rec.addresses.correspondence_kind.value == "none"
    assert rec.nhs_number is None and rec.nhs_number_unavailable_reason is not None
    assert rec.date_of_birth == D(1980, 1, 1) and rec.dob_estimated
    assert ip.patients.is_registered(rec.id or 0, TODAY)


def test_the_api_has_no_way_to_demand_id_or_proof_of_address() -> None:
    names = {f.name for f in dataclasses.fields(NewPatient)}
    assert not {n for n in names if "id_" in n or "proof" in n or "immigration" in n
                or "passport" in n or "visa" in n}
    required = {f.name for f in dataclasses.fields(NewPatient)
                if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING}
    assert required == {"given_name", "family_name", "sex"}


def test_registering_writes_patient_registration_adjustment_and_health_check_task_all_audited(
    ip: InclusionPractice, actors: dict[str, Actor]
) -> None:
    r = ip.patients.register(actors["receptionist"], zofia())
    assert r.health_check_due == TODAY + dt.timedelta(days=ip.config.registration.health_check_window_days)
    with ip.db.read() as uow:
        task = uow.session.get(Task, r.health_check_task_id)
        assert task is not None and task.kind == "new_patient_health_check" and task.status == "due"
    assert sorted(audit_rows(ip)) == sorted([
        ("register_patient", "patient", "reception1"),
        ("register_patient", "registration", "reception1"),
        ("register_patient", "adjustment", "reception1"),
        ("register_patient", "task", "reception1"),
    ])
    assert ip.audit.verify().ok


def test_registration_types_and_the_registered_on_date_query(
    ip: InclusionPractice, actors: dict[str, Actor]
) -> None:
    rec = actors["receptionist"]
    perm = ip.patients.register(rec, NewPatient("A", "Perm", "female", date_of_birth=D(1970, 1, 2)))
    temp = ip.patients.register(
        rec, NewPatient("B", "Temp", "male", date_of_birth=D(1971, 1, 2)), kind="temporary",
        planned_end=TODAY + dt.timedelta(days=30),
    )
    inr = ip.patients.register(
        rec, NewPatient("C", "Inr", "male", date_of_birth=D(1972, 1, 2)),
        kind="immediately_necessary",
    )
    assert inr.registration.planned_end == TODAY + dt.timedelta(days=14)
    ids = (perm.patient.id, temp.patient.id, inr.patient.id)
    assert ip.patients.registered_on(TODAY) == sorted(ids)  # type: ignore[type-var]
    assert ip.patients.registered_on(TODAY + dt.timedelta(days=15)) == [ids[0], ids[1]]
    assert ip.patients.registered_on(TODAY + dt.timedelta(days=31)) == [ids[0]]
    assert ip.patients.registered_on(TODAY - dt.timedelta(days=1)) == []


def test_deregistering_and_reregistering_keeps_history(
    ip: InclusionPractice, actors: dict[str, Actor]
) -> None:
    rec = actors["receptionist"]
    pid = ip.patients.register(rec, NewPatient("D", "Mover", "female", date_of_birth=D(1990, 5, 5))).patient.id
    assert pid is not None
    with pytest.raises(InvalidInput, match="detail"):
        ip.patients.deregister(rec, pid, "removed", on=TODAY)
    ended = ip.patients.deregister(rec, pid, "moved", on=TODAY)
    assert ended.end == TODAY and ended.end_reason is not None
    with pytest.raises(InvalidInput, match="already registered"):
        ip.patients.reregister(rec, pid, start=TODAY)
    again = ip.patients.reregister(rec, pid, start=TODAY + dt.timedelta(days=3))
    assert len(again.patient.registrations) == 2
    assert [p.start for p in ip.patients.registrations(pid)] == [TODAY, TODAY + dt.timedelta(days=3)]
    assert ip.patients.is_registered(pid, TODAY)
    assert not ip.patients.is_registered(pid, TODAY + dt.timedelta(days=1))
    assert ip.patients.is_registered(pid, TODAY + dt.timedelta(days=3))
    actions = [a for a, e, _ in audit_rows(ip) if e == "registration"]
    assert actions == ["register_patient", "deregister_patient", "reregister_patient"]


def test_the_duplicate_check_catches_a_spacing_variant_born_a_year_apart(
    ip: InclusionPractice, actors: dict[str, Actor]
) -> None:
    rec = actors["receptionist"]
    first = ip.patients.register(rec, zofia()).patient
    again = NewPatient("Zofia", "Kowalska Nowak", "female", date_of_birth=D(1991, 4, 2))
    before = counts(ip)
    with pytest.raises(PossibleDuplicates) as err:
        ip.patients.register(rec, again)
    assert [c.patient_id for c in err.value.candidates] == [first.id]
    assert counts(ip) == before
    assert [c.patient_id for c in ip.patients.check_duplicates(rec, again)] == [first.id]
    new = ip.patients.register(rec, again, decision="new_person")
    assert new.patient.linked_to_id is None and new.candidates


def test_same_person_links_the_records_keeping_both_histories_audited(
    ip: InclusionPractice, actors: dict[str, Actor]
) -> None:
    rec = actors["receptionist"]
    first = ip.patients.register(rec, zofia(nhs_number="943 476 5919")).patient
    assert first.id is not None
    second = ip.patients.register(
        rec, NewPatient("Zofia", "Kowalska Nowak", "female", date_of_birth=D(1991, 4, 2),
                        nhs_number="9434765919"),
        same_as=first.id,
    )
    assert second.linked_to_id == first.id
    assert second.patient.nhs_number is None  # the number stays on the first record
    assert ip.patients.show(rec, first.id).linked_records == (second.patient.id,)
    assert ip.patients.registrations(first.id) and ip.patients.registrations(second.patient.id or 0)
    assert ("link_patients", "patient", "reception1") in audit_rows(ip)


def test_linking_two_existing_records(ip: InclusionPractice, actors: dict[str, Actor]) -> None:
    rec = actors["receptionist"]
    a = ip.patients.register(rec, NewPatient("E", "One", "male", date_of_birth=D(1960, 1, 1))).patient.id
    b = ip.patients.register(rec, NewPatient("F", "Two", "male", date_of_birth=D(1961, 1, 1))).patient.id
    assert a is not None and b is not None
    assert ip.patients.link(rec, b, a).linked_to_id == a
    with pytest.raises(InvalidInput):
        ip.patients.link(rec, a, a)
    with ip.db.read() as uow:
        last = uow.session.exec(select(AuditEvent).order_by(AuditEvent.id.desc())).first()  # type: ignore[union-attr]
        assert last is not None and last.action == "link_patients"
        assert json.loads(last.changes)["linked_to_id"] == [None, a]


def test_edits_are_validated_and_audited(ip: InclusionPractice, actors: dict[str, Actor]) -> None:
    rec = actors["receptionist"]
    pid = ip.patients.register(rec, zofia()).patient.id
    assert pid is not None
    ip.patients.update(rec, pid, PatientUpdate(
        main_language="ti", interpreter_mode="face_to_face", interpreter_gender="female",
        no_family_interpreter=True))
    ip.patients.update(rec, pid, PatientUpdate(
        contact_route="keyworker", keyworker_name="Sam Keyworker",
        keyworker_partner="st-annes-hostel"))
    ip.patients.update(rec, pid, PatientUpdate(
        no_fixed_abode=True, correspondence="practice",
        post_check_agreed_on=TODAY))
    ip.patients.update(rec, pid, PatientUpdate(nhs_number="9434765919", nhs_number_status="01"))
    r = ip.patients.get(rec, pid)
    assert r.communication.main_language == "ti" and r.communication.no_family_interpreter
    assert r.contact.route is not None and r.contact.route.value == "keyworker"
    assert r.addresses.post_check_agreed_on == TODAY
    assert r.nhs_number == "9434765919" and r.nhs_number_status is not None
    needs = ip.patients.needs(rec, pid)
    assert needs.contact_via_keyworker and needs.interpreter_gender == "female"
    actions = [a for a, e, _ in audit_rows(ip) if e == "patient"]
    assert actions[-4:] == ["edit_patient"] * 4


def test_an_update_changes_only_the_fields_it_sets(
    ip: InclusionPractice, actors: dict[str, Actor]
) -> None:
    rec = actors["receptionist"]
    pid = ip.patients.register(rec, zofia(phone="07700 900001", main_language="pl")).patient.id
    assert pid is not None
    before = ip.patients.get(rec, pid)
    after = ip.patients.update(rec, pid, PatientUpdate(dialect="Silesian"))
    assert after.communication.dialect == "Silesian"
    assert after.communication.main_language == before.communication.main_language == "pl"
    assert after.contact == before.contact and after.addresses == before.addresses
    renamed = ip.patients.update(rec, pid, PatientUpdate(family_name="  Nowak-Kowalska "))
    assert renamed.family_name == "Nowak-Kowalska" and renamed.given_name == before.given_name
    assert [p.id for p in ip.patients.find(rec, "nowak kowalska")] == [pid]


@pytest.mark.parametrize(
    ("update", "field"),
    [
        ({"main_language": "xx-not a tag"}, "main_language"),
        ({"phone": "not a phone", "contact_route": "phone"}, "phone"),
        ({"nhs_number": "1234567890"}, "nhs_number"),
        ({"family_name": "   "}, "family_name"),
        ({"care_of_partner": "no-such-hostel", "correspondence": "partner"}, "partner"),
        ({"no_fixed_abode": "perhaps"}, "no_fixed_abode"),
        ({"shoe_size": 9}, "shoe_size"),
        ({}, "update"),
    ],
)
def test_a_bad_update_names_the_field_and_changes_nothing(
    ip: InclusionPractice, actors: dict[str, Actor], update: dict[str, object], field: str
) -> None:
    rec = actors["receptionist"]
    pid = ip.patients.register(rec, zofia()).patient.id
    assert pid is not None
    before, rows = ip.patients.get(rec, pid), audit_rows(ip)
    with pytest.raises(InvalidInput) as err:
        ip.patients.update(rec, pid, PatientUpdate(**update))
    assert err.value.field == field
    assert ip.patients.get(rec, pid) == before and audit_rows(ip) == rows


BAD_INPUT: list[tuple[str, dict[str, Any], str, str]] = [
    ("invalid NHS number", {"nhs_number": "943 476 5918"}, "nhs_number", "check digit"),
    ("DOB in the future", {"estimated_birth_year": None, "date_of_birth": D(2027, 1, 1)},
     "date_of_birth", "in the future"),
    ("no DOB at all", {"estimated_birth_year": None}, "date_of_birth", "is required"),
    ("empty given name", {"given_name": "  "}, "given_name", "is empty"),
    ("empty family name", {"family_name": ""}, "family_name", "is empty"),
    ("unknown partner", {"care_of_partner": "nowhere"}, "partner", "unknown partner"),
    ("unparseable postcode", {"no_fixed_abode": False, "care_of_partner": None,
                              "correspondence": "none", "usual_postcode": "L1"},
     "usual_postcode", "a UK postcode has 5 to 7"),
    ("unknown sex", {"sex": "tbc"}, "sex", "is not one of"),
    ("unknown adjustment", {"adjustments": ["teleport"]}, "adjustments", "is not one of"),
    ("bad language", {"main_language": "Polish please"}, "main_language", "language tag"),
    ("temporary address ends before it starts",
     {"care_of_partner": None, "correspondence": "temporary",
      "correspondence_address": ["Room 1"], "correspondence_postcode": "LS1 2AB",
      "correspondence_from": D(2026, 11, 20), "correspondence_to": D(2026, 11, 1)},
     "correspondence_to", "before the start"),
    ("unknown ethnicity", {"ethnicity_code": "Q"}, "ethnicity", "ethnic category"),
]


def test_bad_input_names_the_field_and_writes_nothing(
    ip: InclusionPractice, actors: dict[str, Actor]
) -> None:
    """One database per engine for the whole table (setting one up per row is slow)."""
    before = counts(ip)
    for case, change, field, reason in BAD_INPUT:
        with pytest.raises(InvalidInput) as err:
            ip.patients.register(actors["receptionist"], zofia(**change))
        assert (case, err.value.field) == (case, field)
        assert reason in err.value.reason, case
        assert counts(ip) == before, case


def test_an_end_before_the_start_is_refused_and_nothing_written(
    ip: InclusionPractice, actors: dict[str, Actor]
) -> None:
    rec = actors["receptionist"]
    pid = ip.patients.register(rec, zofia()).patient.id
    assert pid is not None
    before = counts(ip)
    with pytest.raises(InvalidInput) as err:
        ip.patients.deregister(rec, pid, "moved", on=TODAY - dt.timedelta(days=1))
    assert err.value.field == "patient"  # not registered on a day before the start
    with pytest.raises(InvalidInput) as err:
        ip.patients.register(rec, NewPatient("G", "H", "male", date_of_birth=D(1990, 1, 1)),
                             kind="temporary", planned_end=TODAY - dt.timedelta(days=2))
    assert err.value.field == "planned_end"
    assert counts(ip) == before


def test_a_duplicate_nhs_number_is_refused_for_a_new_person(
    ip: InclusionPractice, actors: dict[str, Actor]
) -> None:
    rec = actors["receptionist"]
    ip.patients.register(rec, zofia(nhs_number="9434765919"))
    before = counts(ip)
    with pytest.raises(InvalidInput, match="already recorded"):
        ip.patients.register(rec, NewPatient("X", "Y", "male", date_of_birth=D(2000, 1, 1),
                                             nhs_number="9434765919"), decision="new_person")
    assert counts(ip) == before


def test_registering_needs_an_acting_user_and_an_unknown_patient_is_not_found(
    ip: InclusionPractice, actors: dict[str, Actor]
) -> None:
    before = counts(ip)
    with pytest.raises(NoActingUser):
        ip.patients.register(None, zofia())
    assert counts(ip) == before
    with pytest.raises(NotFound):
        ip.patients.show(actors["receptionist"], 999)
    with pytest.raises(NotFound):
        ip.patients.deregister(actors["receptionist"], 999, "moved")


def test_find_matches_accents_hyphens_spacing_nhs_number_and_dob(
    ip: InclusionPractice, actors: dict[str, Actor]
) -> None:
    rec = actors["receptionist"]
    pid = ip.patients.register(rec, zofia(given_name="Żaneta", nhs_number="9434765919")).patient.id
    for text in ("zaneta kowalska nowak", "Kowalska-Nowak", "KOWALSKA NOWAK", "943 476 5919",
                 "1990-01-01", f"#{pid}", "Zanetta Kowalska"):
        assert [i.id for i in ip.patients.find(rec, text)] == [pid], text
    assert ip.patients.find(rec, "Smith") == []


def test_adjustments_are_added_and_ended_with_audit_rows(
    ip: InclusionPractice, actors: dict[str, Actor]
) -> None:
    rec = actors["receptionist"]
    pid = ip.patients.register(rec, NewPatient("I", "J", "female", date_of_birth=D(1980, 1, 1))).patient.id
    assert pid is not None
    before = counts(ip)
    for bad in ("teleport", "clinician_gender", "clinician_gender:any"):
        with pytest.raises(InvalidInput):
            ip.adjustments.add(rec, pid, bad)
    assert counts(ip) == before
    a = ip.adjustments.add(rec, pid, "clinician_gender:female")
    assert (a.ra_category, a.snomed_code) == ("008", "314434008")
    with pytest.raises(InvalidInput, match="already recorded"):
        ip.adjustments.add(rec, pid, "clinician_gender", "female")
    assert ip.patients.needs(rec, pid).clinician_gender == "female"
    with pytest.raises(InvalidInput):
        ip.adjustments.end(rec, a.id or 0, on=D(2000, 1, 1))
    ended = ip.adjustments.end(rec, a.id or 0, on=TODAY)
    assert ended.end == TODAY
    assert ip.adjustments.list(rec, pid, include_ended=True)[0].end == TODAY
    assert [x for x in audit_rows(ip) if x[1] == "adjustment"] == [
        ("add_adjustment", "adjustment", "reception1"), ("end_adjustment", "adjustment", "reception1")]


def test_a_name_typed_in_arabic_script_is_offered_as_the_patient_registered_in_latin(
    ip: InclusionPractice, actors: dict[str, Actor]
) -> None:
    """A refugee registered as "Mohammed Ali" from a letter returns with a form filled in
    Arabic: reception is shown the existing record, and nothing is saved until they decide."""
    rec = actors["receptionist"]
    first = ip.patients.register(rec, NewPatient(
        given_name="Mohammed", family_name="Ali", date_of_birth=dt.date(1994, 7, 1),
        sex="male")).patient
    arabic = NewPatient(given_name="محمد", family_name="علي", date_of_birth=dt.date(1994, 7, 1),
                        sex="male")
    assert [c.patient_id for c in ip.patients.check_duplicates(rec, arabic)] == [first.id]
    before = counts(ip)
    with pytest.raises(PossibleDuplicates):
        ip.patients.register(rec, arabic)
    assert counts(ip) == before


def test_reception_finds_a_patient_by_the_date_of_birth_typed_day_first(
    ip: InclusionPractice, actors: dict[str, Actor]
) -> None:
    rec = actors["receptionist"]
    p = ip.patients.register(rec, NewPatient(
        given_name="Amara", family_name="Okoye", date_of_birth=dt.date(1990, 12, 3),
        sex="female")).patient
    for typed in ("03/12/1990", "3/12/90", "1990-12-03", "03.12.1990"):
        assert [x.id for x in ip.patients.find(rec, typed)] == [p.id], typed
    with pytest.raises(InvalidInput, match="text"):
        ip.patients.find(rec, "31/02/1990")


# --------------------------------------------------------------------------- continuous registration

_D = dt.date
PPED = _D(2026, 3, 31)


@pytest.mark.parametrize(
    ("case", "spans", "start"),
    [
        ("one open period", [(_D(2024, 1, 1), None)], _D(2024, 1, 1)),
        ("not yet started", [(_D(2026, 4, 1), None)], None),
        ("ended before the day", [(_D(2024, 1, 1), _D(2026, 3, 30))], None),
        ("ends on the day", [(_D(2024, 1, 1), PPED)], _D(2024, 1, 1)),
        ("consecutive periods are one", [(_D(2024, 1, 1), _D(2025, 5, 31)), (_D(2025, 6, 1), None)], _D(2024, 1, 1)),
        ("a day's gap starts again", [(_D(2024, 1, 1), _D(2025, 5, 30)), (_D(2025, 6, 1), None)], _D(2025, 6, 1)),
        ("overlapping periods are one", [(_D(2024, 1, 1), None), (_D(2025, 6, 1), None)], _D(2024, 1, 1)),
        ("contained period", [(_D(2024, 1, 1), None), (_D(2025, 6, 1), _D(2025, 7, 1))], _D(2024, 1, 1)),
        ("chain of three", [(_D(2025, 6, 1), None), (_D(2024, 1, 1), _D(2024, 12, 31)),
                            (_D(2025, 1, 1), _D(2025, 6, 15))], _D(2024, 1, 1)),
        ("an old spell does not join a later one", [(_D(2020, 1, 1), _D(2021, 1, 1)), (_D(2024, 1, 1), None)],
         _D(2024, 1, 1)),
        ("an empty period is ignored", [(_D(2024, 1, 1), _D(2023, 1, 1)), (_D(2025, 1, 1), None)], _D(2025, 1, 1)),
        ("nothing", [], None),
    ],
)
def test_continuous_registration_starts_at_the_first_unbroken_day(
    case: str, spans: list[tuple[dt.date, dt.date | None]], start: dt.date | None,
) -> None:
    assert continuous_start(spans, PPED) == start, case


def test_only_permanent_registrations_are_on_the_list_unless_temporary_ones_are_asked_for() -> None:
    assert counts_as_registered("permanent")
    assert not counts_as_registered("temporary")
    assert not counts_as_registered("immediately_necessary")
    assert counts_as_registered("temporary", include_temporary=True)


_small_days = st.dates(min_value=_D(2026, 1, 1), max_value=_D(2026, 4, 30))


@given(st.lists(st.tuples(_small_days, st.none() | _small_days), max_size=5), _small_days)
def test_continuous_registration_agrees_with_walking_back_day_by_day(
    spans: list[tuple[dt.date, dt.date | None]], day: dt.date,
) -> None:
    def covered(d: dt.date) -> bool:
        return any(s <= d and (e is None or d <= e) for s, e in spans)

    expected = None
    if covered(day):
        d = day
        while covered(d - dt.timedelta(days=1)):
            d -= dt.timedelta(days=1)
        expected = d
    assert continuous_start(spans, day) == expected
