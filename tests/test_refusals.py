"""Refusals: the controlled list, forbidden grounds refused with why, 14-day letters, summary."""

from __future__ import annotations

import datetime as dt

import pytest

from inclusion_practice.api import InclusionPractice
from inclusion_practice.domain.actor import Actor
from inclusion_practice.domain.refusals import (
    FORBIDDEN_EXPLANATIONS,
    LEGACY_REASONS,
    OFFERED_REASONS,
    REASON_SOURCES,
    ForbiddenGround,
    RefusalReason,
    check_refusal_reason,
    ground_mentioned,
    written_reason_due,
)
from inclusion_practice.errors import InvalidInput, PermissionDenied
from inclusion_practice.services.refusals import RefusalBreakdownRow
from inclusion_practice.storage.tables import Refusal
from tests.patient_fixtures import actors, audit_rows, counts

__all__ = ["actors"]
D = dt.date


@pytest.mark.parametrize(
    ("reason", "expected"),
    [
        ("outside_boundary", RefusalReason.OUTSIDE_BOUNDARY),
        ("Outside boundary", RefusalReason.OUTSIDE_BOUNDARY),
        ("list-closed", RefusalReason.LIST_CLOSED),
        ("special_allocation_scheme", RefusalReason.SPECIAL_ALLOCATION_SCHEME),
    ],
)
def test_reasons_on_the_controlled_list_are_accepted(reason: str, expected: RefusalReason) -> None:
    assert check_refusal_reason(reason) is expected


@pytest.mark.parametrize(
    ("reason", "explains"),
    [
        ("no_id", "no ID is needed"),
        ("no passport", "no ID is needed"),
        ("no_proof_of_address", "ZZ99 3VZ"),
        ("no fixed abode", "ZZ99 3VZ"),
        ("homeless", "care-of"),
        ("immigration_status", "never a reason"),
        ("asylum seeker", "must not be asked"),
        ("race", "unlawful"),
        ("traveller", "unlawful"),
        ("gender", "unlawful"),
        ("social_class", "not allowed"),
        ("age", "not allowed"),
        ("religion", "unlawful"),
        ("sexual_orientation", "unlawful"),
        ("appearance", "not allowed"),
        ("disability", "unlawful"),
        ("medical_condition", "not allowed"),
        ("drug use", "not allowed"),
    ],
)
def test_forbidden_grounds_are_refused_with_an_explanation(reason: str, explains: str) -> None:
    with pytest.raises(InvalidInput) as err:
        check_refusal_reason(reason)
    assert err.value.field == "reason"
    assert "can never be a reason" in err.value.reason and explains in err.value.reason


def test_every_forbidden_ground_in_the_regulations_and_guidance_is_covered() -> None:
    # PMS 2015 Sch 2 para 31H(1) (and the GMS 2015 refusal paragraph), plus guidance on ID,
    # address and immigration status.
    assert {g.value for g in ForbiddenGround} == {
        "no_id", "no_proof_of_address", "immigration_status", "race", "gender",
        "gender_reassignment", "marriage_or_civil_partnership", "pregnancy_or_maternity",
        "social_class", "age", "religion", "sexual_orientation", "appearance", "disability",
        "medical_condition",
    }
    assert set(FORBIDDEN_EXPLANATIONS) == set(ForbiddenGround)


def test_every_reason_offered_cites_its_regulation_and_the_unsourced_one_is_not_offered() -> None:
    assert set(REASON_SOURCES) == set(RefusalReason)
    for reason in OFFERED_REASONS:
        assert "Regulations 2015" in reason.source, reason
    assert RefusalReason.REMOVED_RECENTLY in LEGACY_REASONS
    assert RefusalReason.REMOVED_RECENTLY not in OFFERED_REASONS
    assert REASON_SOURCES[RefusalReason.REMOVED_RECENTLY].startswith("no source")


def test_the_legacy_reason_is_refused_for_a_new_refusal() -> None:
    with pytest.raises(InvalidInput) as err:
        check_refusal_reason("removed_recently")
    assert err.value.field == "reason" and "no longer a reason" in err.value.reason
    assert "outside_boundary" in err.value.reason


# Spec table: what a receptionist might type, and the ground the check must find.
GROUNDS_PLAIN_AND_PARAPHRASED: list[tuple[str, ForbiddenGround]] = [
    # no ID
    ("no ID", ForbiddenGround.NO_ID),
    ("he had no passport", ForbiddenGround.NO_ID),
    ("couldn't show photo ID", ForbiddenGround.NO_ID),
    ("no driving licence or birth certificate", ForbiddenGround.NO_ID),
    ("came without any documents", ForbiddenGround.NO_ID),
    # no proof of address
    ("could not show proof of address", ForbiddenGround.NO_PROOF_OF_ADDRESS),
    ("no fixed abode", ForbiddenGround.NO_PROOF_OF_ADDRESS),
    ("homeless", ForbiddenGround.NO_PROOF_OF_ADDRESS),
    ("he is sleeping rough", ForbiddenGround.NO_PROOF_OF_ADDRESS),
    ("sofa surfing at the moment", ForbiddenGround.NO_PROOF_OF_ADDRESS),
    ("no utility bill", ForbiddenGround.NO_PROOF_OF_ADDRESS),
    ("NFA", ForbiddenGround.NO_PROOF_OF_ADDRESS),
    # immigration status
    ("asked about visa", ForbiddenGround.IMMIGRATION_STATUS),
    ("asylum seeker", ForbiddenGround.IMMIGRATION_STATUS),
    ("no leave to remain", ForbiddenGround.IMMIGRATION_STATUS),
    ("she's an overseas visitor", ForbiddenGround.IMMIGRATION_STATUS),
    ("not entitled to NHS care", ForbiddenGround.IMMIGRATION_STATUS),
    ("waiting on the Home Office", ForbiddenGround.IMMIGRATION_STATUS),
    ("undocumented migrant", ForbiddenGround.IMMIGRATION_STATUS),
    # race
    ("because of his ethnicity", ForbiddenGround.RACE),
    ("family are travellers", ForbiddenGround.RACE),
    ("Roma family", ForbiddenGround.RACE),
    ("doesn't speak English", ForbiddenGround.RACE),
    ("would need an interpreter", ForbiddenGround.RACE),
    # gender
    ("because she's a woman", ForbiddenGround.GENDER),
    ("we only take female patients", ForbiddenGround.GENDER),
    # gender reassignment
    ("trans patient", ForbiddenGround.GENDER_REASSIGNMENT),
    ("she is transitioning", ForbiddenGround.GENDER_REASSIGNMENT),
    ("had a sex change", ForbiddenGround.GENDER_REASSIGNMENT),
    ("non-binary applicant", ForbiddenGround.GENDER_REASSIGNMENT),
    ("gender reassignment", ForbiddenGround.GENDER_REASSIGNMENT),
    # marriage or civil partnership
    ("she is not married", ForbiddenGround.MARRIAGE_OR_CIVIL_PARTNERSHIP),
    ("in a civil partnership", ForbiddenGround.MARRIAGE_OR_CIVIL_PARTNERSHIP),
    ("recently divorced", ForbiddenGround.MARRIAGE_OR_CIVIL_PARTNERSHIP),
    ("single mum", ForbiddenGround.MARRIAGE_OR_CIVIL_PARTNERSHIP),
    # pregnancy or maternity
    ("she is expecting", ForbiddenGround.PREGNANCY_OR_MATERNITY),
    ("pregnant", ForbiddenGround.PREGNANCY_OR_MATERNITY),
    ("expecting a baby in May", ForbiddenGround.PREGNANCY_OR_MATERNITY),
    ("just had a baby", ForbiddenGround.PREGNANCY_OR_MATERNITY),
    ("breastfeeding", ForbiddenGround.PREGNANCY_OR_MATERNITY),
    ("would need antenatal care", ForbiddenGround.PREGNANCY_OR_MATERNITY),
    # social class
    ("because he's on benefits", ForbiddenGround.SOCIAL_CLASS),
    ("unemployed", ForbiddenGround.SOCIAL_CLASS),
    ("on universal credit", ForbiddenGround.SOCIAL_CLASS),
    ("works as a sex worker", ForbiddenGround.SOCIAL_CLASS),
    ("lives on the council estate", ForbiddenGround.SOCIAL_CLASS),
    # age
    ("too old", ForbiddenGround.AGE),
    ("he is 82 years old", ForbiddenGround.AGE),
    ("elderly, would need home visits", ForbiddenGround.AGE),
    ("because of her age", ForbiddenGround.AGE),
    # religion or belief
    ("Muslim family", ForbiddenGround.RELIGION),
    ("wears a hijab", ForbiddenGround.RELIGION),
    ("Jehovah's Witness, refuses blood", ForbiddenGround.RELIGION),
    ("religious reasons", ForbiddenGround.RELIGION),
    # sexual orientation
    ("he is gay", ForbiddenGround.SEXUAL_ORIENTATION),
    ("same-sex couple", ForbiddenGround.SEXUAL_ORIENTATION),
    ("lesbian", ForbiddenGround.SEXUAL_ORIENTATION),
    # appearance
    ("looked scruffy and dirty", ForbiddenGround.APPEARANCE),
    ("smelled", ForbiddenGround.APPEARANCE),
    ("face tattoos", ForbiddenGround.APPEARANCE),
    ("because of his appearance", ForbiddenGround.APPEARANCE),
    # disability
    ("wheelchair user", ForbiddenGround.DISABILITY),
    ("deaf, needs BSL", ForbiddenGround.DISABILITY),
    ("has a learning disability", ForbiddenGround.DISABILITY),
    ("autistic", ForbiddenGround.DISABILITY),
    # medical condition
    ("on methadone", ForbiddenGround.MEDICAL_CONDITION),
    ("drug user", ForbiddenGround.MEDICAL_CONDITION),
    ("alcoholic", ForbiddenGround.MEDICAL_CONDITION),
    ("complex needs, too many appointments", ForbiddenGround.MEDICAL_CONDITION),
    ("has HIV", ForbiddenGround.MEDICAL_CONDITION),
    ("mental health problems", ForbiddenGround.MEDICAL_CONDITION),
    ("schizophrenic", ForbiddenGround.MEDICAL_CONDITION),
    ("would be expensive to look after", ForbiddenGround.MEDICAL_CONDITION),
]


@pytest.mark.parametrize(("text", "ground"), GROUNDS_PLAIN_AND_PARAPHRASED)
def test_the_free_text_check_finds_every_ground_in_plain_and_paraphrased_wording(
    text: str, ground: ForbiddenGround
) -> None:
    assert ground_mentioned(text) is ground
    with pytest.raises(InvalidInput) as err:
        check_refusal_reason("other_reasonable_ground", text)
    assert err.value.field == "detail"
    assert FORBIDDEN_EXPLANATIONS[ground] in err.value.reason


def test_the_spec_table_covers_every_ground() -> None:
    assert {g for _, g in GROUNDS_PLAIN_AND_PARAPHRASED} == set(ForbiddenGround)


LEGITIMATE_DETAILS = [
    "outside our practice boundary",
    "lives in Leeds, outside the practice area",
    "lives in the outer boundary area, no home visits possible",
    "we looked up the address and it is outside the boundary",
    "Church Road is outside our area",
    "list closed by the ICB on 1 April 2025",
    "on the special allocation scheme after an incident reported to the police",
    "practice premises closed by flood",
    "moved to Manchester",
    "already registered at the practice next door, applied twice",
    "lives 40 miles away in Temple Meads",
    "said I'd rather register nearer work, which is outside our area",
]


@pytest.mark.parametrize("detail", LEGITIMATE_DETAILS)
def test_legitimate_details_are_not_mistaken_for_a_forbidden_ground(detail: str) -> None:
    assert ground_mentioned(detail) is None
    assert check_refusal_reason("other_reasonable_ground", detail) is RefusalReason.OTHER_REASONABLE_GROUND
    assert check_refusal_reason("outside_boundary", detail) is RefusalReason.OUTSIDE_BOUNDARY


@pytest.mark.parametrize(
    ("reason", "detail"),
    [("outside_boundary", "and she is pregnant"), ("list_closed", "trans patient"),
     ("she is expecting", None), ("pregnancy", None), ("gender reassignment", None)],
)
def test_a_forbidden_ground_is_refused_in_any_reason_or_its_detail(reason: str, detail: str | None) -> None:
    with pytest.raises(InvalidInput) as err:
        check_refusal_reason(reason, detail)
    assert err.value.field == ("reason" if detail is None else "detail")
    assert "can never be a reason" in err.value.reason


@pytest.mark.parametrize(
    ("detail", "ok"),
    [("practice premises closed by flood", True), ("he had no passport", False),
     ("could not show proof of address", False), ("asked about visa", False), (None, False)],
)
def test_an_other_reason_needs_a_detail_that_is_not_a_forbidden_ground(detail: str | None, ok: bool) -> None:
    if ok:
        assert check_refusal_reason("other_reasonable_ground", detail)
    else:
        with pytest.raises(InvalidInput) as err:
            check_refusal_reason("other_reasonable_ground", detail)
        assert err.value.field == "detail"


def test_the_written_reason_is_due_in_14_days() -> None:
    assert written_reason_due(D(2025, 10, 1)) == D(2025, 10, 15)


def test_recording_a_refusal_and_sending_the_letter_is_audited(
    ip: InclusionPractice, actors: dict[str, Actor]
) -> None:
    rec = actors["receptionist"]
    r = ip.refusals.record(rec, "Jan", "Kowal", "outside_boundary", refused_on=D(2026, 11, 2))
    assert r.written_reason_due == D(2026, 11, 16) and r.written_reason_sent_on is None
    assert r.overdue_on(D(2026, 11, 23))
    sent = ip.refusals.mark_sent(rec, r.id, D(2026, 11, 20))
    assert sent.written_reason_sent_on == D(2026, 11, 20)
    with pytest.raises(InvalidInput, match="already sent"):
        ip.refusals.mark_sent(rec, r.id)
    assert audit_rows(ip) == [("record_refusal", "refusal", "reception1"),
                              ("refusal_letter_sent", "refusal", "reception1")]


def test_a_forbidden_refusal_writes_nothing(ip: InclusionPractice, actors: dict[str, Actor]) -> None:
    before = counts(ip)
    for reason in ("no_id", "no_proof_of_address", "immigration_status", "appearance"):
        with pytest.raises(InvalidInput) as err:
            ip.refusals.record(actors["receptionist"], "Jan", "Kowal", reason)
        assert err.value.field == "reason"
    with pytest.raises(InvalidInput) as err:
        ip.refusals.record(actors["receptionist"], "", "Kowal", "outside_boundary")
    assert err.value.field == "given_name"
    assert counts(ip) == before


def test_the_summary_by_reason_age_and_period_is_for_managers(
    ip: InclusionPractice, actors: dict[str, Actor]
) -> None:
    rec = actors["receptionist"]
    ip.refusals.record(rec, "A", "One", "outside_boundary", refused_on=D(2025, 4, 1),
                       date_of_birth=D(2000, 1, 1))
    late = ip.refusals.record(rec, "B", "Two", "list_closed", refused_on=D(2025, 10, 1))
    ip.refusals.mark_sent(rec, late.id, D(2025, 10, 20))
    ip.refusals.record(rec, "C", "Three", "outside_boundary", refused_on=D(2026, 3, 31),
                       date_of_birth=D(1950, 6, 1))
    ip.refusals.record(rec, "D", "Four", "outside_boundary", refused_on=D(2026, 4, 1))
    with pytest.raises(PermissionDenied):
        ip.refusals.summary(rec, "2025/26")
    s = ip.refusals.summary(actors["manager"], "2025/26")
    assert s.total == 3
    assert s.by_reason["outside_boundary"] == 2 and s.by_reason["list_closed"] == 1
    assert s.by_age_band["25-34"] == 1 and s.by_age_band["65+"] == 1
    assert s.by_age_band["not known"] == 1
    assert (s.written_on_time, s.written_late, s.not_yet_written, s.overdue) == (0, 1, 2, 2)
    q3 = ip.refusals.summary(actors["manager"], "2025Q3")
    assert q3.total == 1 and q3.period.start == D(2025, 10, 1)
    assert [r.given_name for r in ip.refusals.list(rec, "2025/26", unsent_only=True)] == ["A", "C"]


def test_a_refusal_with_pregnancy_or_gender_reassignment_writes_nothing(
    ip: InclusionPractice, actors: dict[str, Actor]
) -> None:
    before = counts(ip)
    for detail in ("she is expecting", "trans patient"):
        with pytest.raises(InvalidInput) as err:
            ip.refusals.record(actors["receptionist"], "Jan", "Kowal", "other_reasonable_ground",
                               detail=detail)
        assert err.value.field == "detail"
    assert counts(ip) == before


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"age": -1}, "age"), ({"age": 131}, "age"), ({"age_band": "20-30"}, "age_band"),
     ({"ethnic_category": "Q"}, "ethnic_category"), ({"ethnic_category": "white"}, "ethnic_category"),
     ({"age": 30, "age_band": "65+"}, "age_band"), ({"reason": "removed_recently"}, "reason"),
     ({"age": 30, "date_of_birth": D(1950, 1, 1)}, "age")],
)
def test_bad_age_or_ethnic_category_is_refused_and_writes_nothing(
    ip: InclusionPractice, actors: dict[str, Actor], kwargs: dict[str, object], field: str
) -> None:
    before = counts(ip)
    args: dict[str, object] = {"reason": "outside_boundary", **kwargs}
    reason = str(args.pop("reason"))
    with pytest.raises(InvalidInput) as err:
        ip.refusals.record(actors["receptionist"], "Jan", "Kowal", reason, **args)  # type: ignore[arg-type]
    assert err.value.field == field
    assert counts(ip) == before


def test_age_and_ethnic_category_are_kept_and_the_breakdown_counts_them(
    ip: InclusionPractice, actors: dict[str, Actor]
) -> None:
    rec, mgr = actors["receptionist"], actors["manager"]
    a = ip.refusals.record(rec, "A", "One", "outside_boundary", refused_on=D(2025, 4, 1),
                           date_of_birth=D(2000, 1, 1), ethnic_category="n")
    assert (a.age_band, a.ethnic_category) == ("25-34", "N")
    b = ip.refusals.record(rec, "B", "Two", "outside_boundary", refused_on=D(2025, 5, 1), age=70,
                           ethnic_category="A")
    assert (b.age_years, b.age_band) == (70, "65+")
    c = ip.refusals.record(rec, "C", "Three", "list_closed", refused_on=D(2025, 6, 1),
                           age_band="16-24")
    assert (c.age_band, c.ethnic_category) == ("16-24", None)
    ip.refusals.record(rec, "D", "Four", "list_closed", refused_on=D(2025, 7, 1), ethnic_category="N")
    ip.refusals.record(rec, "E", "Five", "list_closed", refused_on=D(2026, 4, 1), ethnic_category="N")
    with pytest.raises(PermissionDenied):
        ip.refusals.breakdown(rec, "2025/26", "reason")

    by_reason = ip.refusals.breakdown(mgr, "2025/26", "reason")
    assert [(r.reason, r.count) for r in by_reason] == [
        ("outside_boundary", 2), ("list_closed", 2), ("special_allocation_scheme", 0),
        ("other_reasonable_ground", 0),
    ]
    assert by_reason[0].reason_label == RefusalReason.OUTSIDE_BOUNDARY.label
    by_age = {r.age_band: r.count for r in ip.refusals.breakdown(mgr, "2025/26", "age")}
    assert by_age == {"0-15": 0, "16-24": 1, "25-34": 1, "35-49": 0, "50-64": 0, "65+": 1,
                      "not known": 1}
    by_eth = {r.ethnic_category: r.count for r in ip.refusals.breakdown(mgr, "2025/26", "ethnicity")}
    assert by_eth["N"] == 2 and by_eth["A"] == 1 and by_eth["not recorded"] == 1 and by_eth["Z"] == 0
    assert sum(by_eth.values()) == 4
    cross = ip.refusals.breakdown(mgr, "2025/26", ("reason", "ethnicity"))
    assert cross == [
        RefusalBreakdownRow("outside_boundary", None, "A", 1),
        RefusalBreakdownRow("outside_boundary", None, "N", 1),
        RefusalBreakdownRow("list_closed", None, "N", 1),
        RefusalBreakdownRow("list_closed", None, "not recorded", 1),
    ]
    assert cross[0].ethnic_label == "White - British"
    with pytest.raises(InvalidInput) as err:
        ip.refusals.breakdown(mgr, "2025/26", "postcode")
    assert err.value.field == "by"


def test_a_stored_refusal_with_the_legacy_reason_still_reads_back(
    ip: InclusionPractice, actors: dict[str, Actor]
) -> None:
    mgr = actors["manager"]

    def old_row(uow: object) -> None:
        uow.session.add(Refusal(  # type: ignore[attr-defined]
            given_name="Old", family_name="Row", refused_on=D(2025, 5, 1),
            reason="removed_recently", written_reason_due=D(2025, 5, 15), recorded_by="reception1",
        ))

    ip.db.run_write(mgr, "record_refusal", old_row)  # type: ignore[arg-type]
    [row] = ip.refusals.list(actors["receptionist"], "2025/26")
    assert row.reason is RefusalReason.REMOVED_RECENTLY and not row.reason.offered
    assert "legacy" in row.reason.label and row.age_band == "not known"
    s = ip.refusals.summary(mgr, "2025/26")
    assert s.by_reason["removed_recently"] == 1 and s.total == 1
    assert [r.reason for r in ip.refusals.breakdown(mgr, "2025/26", "reason") if r.count] == [
        "removed_recently"]
    assert "removed_recently" not in ip.refusals.summary(mgr, "2024/25").by_reason
