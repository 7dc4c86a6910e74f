"""Inclusion-health flags: adding, ending, review dates, source — and sensitivity by role on
every read path (show, find, list, needs, flags list, review list, registers, FHIR export)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from inclusion_practice.api import InclusionPractice
from inclusion_practice.domain.actor import Actor
from inclusion_practice.domain.flag_categories import BUILT_IN_CATEGORIES
from inclusion_practice.errors import InvalidInput, NotFound, PermissionDenied
from tests.patient_fixtures import actors, audit_rows, counts, zofia

__all__ = ["actors"]
D = dt.date
TODAY = D(2026, 11, 23)
RESTRICTED = [c.code for c in BUILT_IN_CATEGORIES if c.restricted]
NON_CLINICAL = ["receptionist", "manager", "admin"]


@pytest.fixture
def flagged(ip: InclusionPractice, actors: dict[str, Actor]) -> int:
    """Zofia with a homelessness flag (anyone may see) and every restricted flag."""
    pid = ip.patients.register(actors["receptionist"], zofia()).patient.id
    assert pid is not None
    ip.flags.add(actors["receptionist"], pid, "homelessness", subcategory="hostel_or_shelter")
    for code in RESTRICTED:
        ip.flags.add(actors["clinician"], pid, code, source="clinician")
    return pid


def _leaks(text: str) -> list[str]:
    lowered = text.lower()
    words = ["sex work", "sex_work", "substance", "refuge", "slavery", "prostitute",
             "159799000", "361055000", "864131000000100"]
    return [w for w in words if w in lowered]


def test_the_issue_restricted_categories_are_restricted() -> None:
    assert set(RESTRICTED) == {"sex_work", "substance_use", "domestic_abuse_refuge", "modern_slavery"}


def test_a_receptionist_may_not_add_a_restricted_flag_and_nothing_is_written(
    ip: InclusionPractice, actors: dict[str, Actor]
) -> None:
    pid = ip.patients.register(actors["receptionist"], zofia()).patient.id
    assert pid is not None
    before = counts(ip)
    for code in RESTRICTED:
        with pytest.raises(PermissionDenied):
            ip.flags.add(actors["receptionist"], pid, code)
    assert counts(ip) == before


def test_adding_sets_source_recorder_code_and_default_review(
    ip: InclusionPractice, actors: dict[str, Actor]
) -> None:
    pid = ip.patients.register(actors["receptionist"], zofia()).patient.id
    assert pid is not None
    f = ip.flags.add(actors["receptionist"], pid, "homelessness", subcategory="rough_sleeping",
                     source="outreach_team", start=D(2026, 11, 1))
    assert f.snomed_code == "224228000" and f.source.value == "outreach_team"
    assert f.recorded_by == "reception1"
    assert f.review == D(2027, 11, 1)  # default_review_months = 12
    g = ip.flags.add(actors["clinician"], pid, "sex_work", snomed_code="159799000",
                     review=D(2027, 2, 1), source="clinician")
    assert g.restricted and g.review == D(2027, 2, 1)
    assert ("add_flag", "flag", "drokafor") in audit_rows(ip)


BAD_FLAGS: list[tuple[dict[str, object], str, str]] = [
    ({"category": "wizardry"}, "category", "unknown flag category"),
    ({"category": "homelessness", "subcategory": "castle"}, "subcategory", "not a subcategory"),
    ({"category": "homelessness", "snomed_code": "159799000"}, "snomed_code", "does not mean"),
    ({"category": "homelessness", "start": D(2027, 1, 1)}, "start", "in the future"),
    ({"category": "homelessness", "start": D(2026, 11, 1), "review": D(2026, 10, 1)},
     "review", "before the start"),
    ({"category": "homelessness", "source": "gossip"}, "source", "is not one of"),
]


def test_bad_flags_name_the_field_and_write_nothing(
    ip: InclusionPractice, actors: dict[str, Actor]
) -> None:
    pid = ip.patients.register(actors["receptionist"], zofia()).patient.id
    assert pid is not None
    before = counts(ip)
    for kwargs, field, reason in BAD_FLAGS:
        args = dict(kwargs)
        category = str(args.pop("category"))
        with pytest.raises(InvalidInput) as err:
            ip.flags.add(actors["clinician"], pid, category, **args)  # type: ignore[arg-type]
        assert (err.value.field, reason in err.value.reason) == (field, True), kwargs
    assert counts(ip) == before
    with pytest.raises(NotFound):
        ip.flags.add(actors["clinician"], 999, "homelessness")


def test_ending_a_flag_keeps_it_with_its_dates(
    ip: InclusionPractice, actors: dict[str, Actor], flagged: int
) -> None:
    [home] = ip.flags.list(actors["receptionist"], flagged)
    with pytest.raises(InvalidInput) as err:
        ip.flags.end(actors["receptionist"], home.id or 0, on=D(2020, 1, 1))
    assert err.value.field == "on"  # an end before the start
    ended = ip.flags.end(actors["receptionist"], home.id or 0, reason="housed")
    assert ended.end == TODAY and ended.end_reason == "housed"
    # The end date is the flag's last day: gone from tomorrow's list.
    assert ip.flags.list(actors["receptionist"], flagged, on=TODAY + dt.timedelta(days=1)) == []
    assert [f.end for f in ip.flags.list(actors["receptionist"], flagged, include_ended=True)] == [TODAY]
    assert ("end_flag", "flag", "reception1") in audit_rows(ip)


# ------------------------------------------------------------------ every read path, by role


@pytest.mark.parametrize("role", NON_CLINICAL)
def test_show_never_gives_a_non_clinical_role_a_restricted_flag(
    ip: InclusionPractice, actors: dict[str, Actor], flagged: int, role: str
) -> None:
    view = ip.patients.show(actors[role], flagged)
    assert [f.category for f in view.flags] == ["homelessness"]
    assert view.needs.flexible_dna and view.needs.double_appointment
    assert not _leaks(repr(view))


def test_show_gives_a_clinician_every_flag(
    ip: InclusionPractice, actors: dict[str, Actor], flagged: int
) -> None:
    cats = {f.category for f in ip.patients.show(actors["clinician"], flagged).flags}
    assert cats == {"homelessness", *RESTRICTED}


def test_find_and_list_never_carry_restricted_flags_for_reception(
    ip: InclusionPractice, actors: dict[str, Actor], flagged: int
) -> None:
    for role in NON_CLINICAL:
        found = ip.patients.find(actors[role], "kowalska")
        listed = ip.patients.list(actors[role])
        on_day = ip.patients.list(actors[role], registered_on=TODAY)
        for items in (found, listed, on_day):
            assert [i.id for i in items] == [flagged]
            assert not _leaks(repr(items)), role
    clinician = ip.patients.find(actors["clinician"], "kowalska")[0]
    assert any("Sex work" in label for label in clinician.flag_labels)


def test_needs_are_role_safe_and_the_same_for_every_role(
    ip: InclusionPractice, actors: dict[str, Actor], flagged: int
) -> None:
    needs = {role: ip.patients.needs(a, flagged) for role, a in actors.items()}
    # Every role gets the same needs; clinicians also see the basis of flexible handling.
    assert len({n.for_front_desk() for n in needs.values()}) == 1
    assert {role for role, n in needs.items() if n.flexible_dna_basis} == {"clinician"}
    assert not _leaks(repr(needs["receptionist"]))
    assert "flexible DNA handling" in needs["receptionist"].summary()


def test_the_flags_service_reads_are_filtered_too(
    ip: InclusionPractice, actors: dict[str, Actor], flagged: int
) -> None:
    rec = actors["receptionist"]
    assert [f.category for f in ip.flags.list(rec, flagged, include_ended=True)] == ["homelessness"]
    due = ip.flags.due_for_review(rec, on=D(2028, 1, 1))
    assert [f.category for f in due] == ["homelessness"]
    assert len(ip.flags.due_for_review(actors["clinician"], on=D(2028, 1, 1))) == 1 + len(RESTRICTED)
    secret = next(f for f in ip.flags.list(actors["clinician"], flagged) if f.category == "sex_work")
    assert secret.id is not None
    with pytest.raises(NotFound):
        ip.flags.get(rec, secret.id)
    with pytest.raises(NotFound):
        ip.flags.end(rec, secret.id)
    with pytest.raises(PermissionDenied):
        ip.flags.patients_with(rec, "sex_work")
    assert ip.flags.patients_with(rec, "homelessness") == [flagged]
    assert ip.flags.patients_with(actors["clinician"], "sex_work") == [flagged]


@pytest.mark.parametrize("role", NON_CLINICAL)
def test_the_fhir_export_for_a_non_clinical_role_has_no_restricted_flag(
    ip: InclusionPractice, actors: dict[str, Actor], flagged: int, role: str
) -> None:
    bundle = ip.fhir.patient_bundle(actors[role], flagged)
    text = json.dumps(bundle)
    assert not _leaks(text)
    flags = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Flag"]
    security = [f.get("meta", {}).get("security") for f in flags]
    assert all(s is None for s in security)


def test_the_fhir_export_for_a_clinician_labels_restricted_flags(
    ip: InclusionPractice, actors: dict[str, Actor], flagged: int
) -> None:
    bundle = ip.fhir.patient_bundle(actors["clinician"], flagged)
    restricted = [
        e["resource"] for e in bundle["entry"]
        if e["resource"].get("meta", {}).get("security", [{}])[0].get("code") == "R"
    ]
    assert len(restricted) == len(RESTRICTED)
