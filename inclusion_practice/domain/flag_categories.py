"""Inclusion-health flag categories, their SNOMED codes and their sensitivity.

The codes are those in the domain reference ``codes.csv`` (shipped as ``inclusion_practice/data/codes.csv``) (SNOMED CT UK edition); a test checks that
every code here appears there. Categories without a published SNOMED concept in that list (prison
leaver, modern slavery, no recourse to public funds) carry only our local code. Practices can add
categories in ``practice.toml`` (``[[flags.extra_categories]]``).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class FlagCategory:
    """One kind of inclusion-health status a patient can be flagged with."""

    code: str
    """Our stable code, used in storage, config, CLI and our FHIR CodeSystem."""
    label: str
    restricted: bool = False
    """Restricted categories are shown to clinical roles only."""
    subcategories: tuple[str, ...] = ()
    snomed: tuple[str, ...] = ()
    """SNOMED concepts that mean this category (any subcategory)."""
    snomed_by_subcategory: dict[str, tuple[str, ...]] = field(default_factory=dict)


HOMELESSNESS = FlagCategory(
    code="homelessness",
    label="Homelessness",
    subcategories=("rough_sleeping", "hostel_or_shelter", "hidden", "temporary_accommodation"),
    snomed=("32911000", "160700001", "105526001", "224226001", "266940006", "266935003"),
    snomed_by_subcategory={
        "rough_sleeping": ("224228000", "224229008", "224233001", "65421000"),
        "hostel_or_shelter": ("224231004",),
        "hidden": ("224232006", "381751000000106", "1095421000000107", "406132007"),
        "temporary_accommodation": ("365510008",),
    },
)
GYPSY_ROMA_TRAVELLER = FlagCategory(
    code="gypsy_roma_traveller",
    label="Gypsy, Roma or Traveller",
    snomed=(
        "976671000000104",
        "88911000000101",
        "88921000000107",
        "88931000000109",
        "718958002",
        "176721000000106",
    ),
)
SEX_WORK = FlagCategory(
    code="sex_work", label="Sex work", restricted=True, snomed=("159799000", "159800001")
)
VULNERABLE_MIGRANT = FlagCategory(
    code="vulnerable_migrant",
    label="Vulnerable migrant",
    subcategories=("asylum_seeker", "refugee", "no_recourse_to_public_funds"),
    snomed_by_subcategory={
        "asylum_seeker": ("390790000", "729851000000109", "728611000000100"),
        "refugee": ("446654005",),
    },
)
PRISON_LEAVER = FlagCategory(code="prison_leaver", label="Recently released from prison")
LEARNING_DISABILITY = FlagCategory(
    code="learning_disability", label="Learning disability", snomed=("416075005",)
)
SUBSTANCE_USE = FlagCategory(
    code="substance_use",
    label="Substance use",
    restricted=True,
    snomed=("361055000", "226034001", "191816009"),
)
DOMESTIC_ABUSE_REFUGE = FlagCategory(
    code="domestic_abuse_refuge",
    label="Domestic abuse refuge",
    restricted=True,
    snomed=("864131000000100",),
)
MODERN_SLAVERY = FlagCategory(code="modern_slavery", label="Modern slavery", restricted=True)

BUILT_IN_CATEGORIES: tuple[FlagCategory, ...] = (
    HOMELESSNESS,
    GYPSY_ROMA_TRAVELLER,
    SEX_WORK,
    VULNERABLE_MIGRANT,
    PRISON_LEAVER,
    LEARNING_DISABILITY,
    SUBSTANCE_USE,
    DOMESTIC_ABUSE_REFUGE,
    MODERN_SLAVERY,
)


def all_snomed(category: FlagCategory) -> tuple[str, ...]:
    """Every SNOMED code that means ``category``, subcategory codes included."""
    codes = list(category.snomed)
    for sub in category.subcategories:
        codes.extend(category.snomed_by_subcategory.get(sub, ()))
    return tuple(dict.fromkeys(codes))


def categories_by_code(extra: tuple[FlagCategory, ...] = ()) -> dict[str, FlagCategory]:
    """The built-in categories plus a practice's own, keyed by code."""
    return {c.code: c for c in (*BUILT_IN_CATEGORIES, *extra)}
