"""The one place that says which shipped codes are not verified against a published list.

Every SNOMED CT code the product ships (``data/codes.csv``, ``indicators/codelists/*.toml``,
``domain/*.py``) is either verified — its id and term appear in the published list its code
list or module cites (NHS Digital Primary Care Domain refsets and QOF clusters on OpenCodelists,
SNOMED International's IPS free set, NHS Digital FHIR profiles, the VSAC value set cited, or a
UK-edition research code set) — or listed here with what was searched and why it is doubtful.
Local codes (``ip:`` prefix) are not SNOMED CT at all; a code list of them says so
(``local = true``). ``indicators validate`` warns about both, and ``docs/indicators.md`` lists
this table (a test keeps the two in step).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

LOCAL_PREFIX = "ip:"


def is_local(code: str) -> bool:
    """A code the product made up because no concept exists (never sent as SNOMED CT)."""
    return code.startswith(LOCAL_PREFIX)


@dataclass(frozen=True)
class UnverifiedCode:
    code: str
    term: str
    where: str
    """Where the product uses it (codes.csv group, code list, module)."""
    note: str
    """What was searched, and why it is doubtful."""


_NOT_FOUND = "id not found in any published list searched (OpenCodelists, NHS Digital refsets, UK code sets)"

UNVERIFIED: tuple[UnverifiedCode, ...] = (
    # codes.csv and domain/flag_categories.py
    UnverifiedCode("976671000000104", "White: Gypsy or Irish Traveller - England and Wales ethnic "
                   "category 2011 census", "codes.csv gypsy_roma_traveller; flag_categories",
                   "id and term seen in ethnicity research code lists, not in an NHS refset read"),
    UnverifiedCode("88911000000101", "Irish Traveller - ethnic category 2001 census",
                   "codes.csv gypsy_roma_traveller; flag_categories", _NOT_FOUND),
    UnverifiedCode("88921000000107", "Traveller - ethnic category 2001 census",
                   "codes.csv gypsy_roma_traveller; flag_categories", _NOT_FOUND),
    UnverifiedCode("88931000000109", "Gypsy/Romany - ethnic category 2001 census",
                   "codes.csv gypsy_roma_traveller; flag_categories", _NOT_FOUND),
    UnverifiedCode("718958002", "Roma", "codes.csv gypsy_roma_traveller; flag_categories",
                   "one public SQL mapping only"),
    UnverifiedCode("728611000000100", "Asylum seeker awaiting decision on refugee status",
                   "codes.csv migrant; flag_categories",
                   "quoted in a blog post and UK SQL lists, not in an NHS list read"),
    UnverifiedCode("204331000000107", "British Sign Language interpreter needed",
                   "codes.csv interpreter; domain/languages.py; interpreter_needed",
                   "term in EMIS exports; the id seen once, in a code comment"),
    # codes.csv and domain/adjustments.py
    UnverifiedCode("225835008", "Needs an advocate", "codes.csv adjustment; domain/adjustments.py",
                   "term in reasonable-adjustment lists; " + _NOT_FOUND),
    UnverifiedCode("1108111000000107", "Requires reasonable adjustment for health and care access "
                   "(Equality Act 2010)", "codes.csv adjustment; domain/adjustments.py", _NOT_FOUND),
    UnverifiedCode("936701000000103", "Requires contact by short message service text message",
                   "codes.csv contact; domain/adjustments.py", _NOT_FOUND),
    UnverifiedCode("795661000000104", "Requires contact by telephone",
                   "codes.csv contact; domain/adjustments.py", _NOT_FOUND),
    UnverifiedCode("936721000000107", "Requires contact by letter",
                   "codes.csv contact; domain/adjustments.py", _NOT_FOUND),
    UnverifiedCode("719561001", "Requires contact via carer",
                   "codes.csv contact; domain/adjustments.py", _NOT_FOUND),
    UnverifiedCode("796161000000101", "Requires information in Easyread",
                   "codes.csv contact; domain/adjustments.py",
                   "seen with this display in public RA-flag FHIR examples only"),
    # indicators/codelists
    UnverifiedCode("858861000000101", "Declines to state current alcohol consumption",
                   "alcohol_declined", "found in one UK SQL alcohol list only"),
    UnverifiedCode("1239871000000107", "Live attenuated influenza vaccination contraindicated",
                   "flu_contraindicated",
                   "not re-found in XFLU_COD; a live-vaccine contraindication does not "
                   "contraindicate inactivated flu vaccine"),
    UnverifiedCode("166121000000101", "Care programme approach review", "mental_health_review",
                   "not found; the QOF MH002 care-plan cluster MHP_COD could not be read"),
    UnverifiedCode("166131000000104", "Initial care programme approach review",
                   "mental_health_review",
                   "not found; the QOF MH002 care-plan cluster MHP_COD could not be read"),
    UnverifiedCode("31676001", "Human immunodeficiency virus antigen test", "hiv_test",
                   "Synthea only; an antigen-only test, UK tests are combined antibody/p24"),
    UnverifiedCode("1014211000000100", "Hepatitis B surface antigen level", "hepb_test",
                   "cited from an NHS England Pathology FHIR IG example, not re-found"),
    UnverifiedCode("47758006", "Hepatitis B surface antigen measurement", "hepb_test",
                   "FSN consistent in two public lists and Synthea; not in an NHS list"),
    UnverifiedCode("104375008", "Hepatitis C antibody, confirmatory test", "hepc_test",
                   "FSN from two public lists; the confirmatory test, not the screening test"),
    UnverifiedCode("440420005", "Hepatitis C viral ribonucleic acid not detected by polymerase "
                   "chain reaction", "hepc_test", "one unofficial SNOMED browser page"),
    UnverifiedCode("310861008", "Chlamydia antigen test", "sti_screen", "Synthea only"),
    UnverifiedCode("165829005", "Gonorrhoea infection test", "sti_screen", "Synthea only"),
    UnverifiedCode("269828009", "Syphilis infection test", "sti_screen", "Synthea only"),
    UnverifiedCode("424489006", "Mantoux test", "tb_screen",
                   "one SNOMED browser page (child of the verified 424294008)"),
    UnverifiedCode("399208008", "Plain X-ray of chest", "tb_screen",
                   "consistent in many public sources, not in a UK list read"),
)
"""Shipped codes not verified against a cited published list."""

UNVERIFIED_CODES: dict[str, UnverifiedCode] = {u.code: u for u in UNVERIFIED}

LOCAL_CODES: tuple[UnverifiedCode, ...] = (
    # domain/mdt.py, domain/referrals.py; recorded by services/mdt.py and services/referrals.py
    UnverifiedCode("ip:mdt-candidate", "Meets a multidisciplinary team discussion rule",
                   "mdt_candidate; domain/mdt.py",
                   "the rules are the practice's own: no SNOMED CT concept can mean them"),
    UnverifiedCode("ip:mdt-discussed", "Discussed at multidisciplinary team meeting",
                   "mdt_discussed; domain/mdt.py",
                   "UK-edition MDT concepts exist; " + _NOT_FOUND + " for the discussion itself"),
    UnverifiedCode("ip:discharged", "Discharged from hospital", "domain/mdt.py ([mdt] discharge_codes)",
                   "discharge-summary codes vary by system; a practice adds its own in [mdt]"),
    UnverifiedCode("ip:referral-sent", "Referral to partner service sent",
                   "referral_sent; domain/mdt.py",
                   "'referral to <service>' procedures exist; " + _NOT_FOUND + " for these services"),
    UnverifiedCode("ip:referral-accepted", "Referral accepted by partner service",
                   "referral_accepted; domain/mdt.py", _NOT_FOUND),
    UnverifiedCode("ip:ref-*", "Referral reasons (drug-tx, mh-assess, housing, outreach, dental, "
                   "sexual-hlth, tb)", "domain/referrals.py REFERRAL_REASONS",
                   "our local code system for the coded reason; sent in FHIR under our own system URL"),
)
"""Local (``ip:``) codes the MDT and referral work records: not SNOMED CT, registered here so
nothing sends them as SNOMED CT; their code lists say ``local = true``."""

CODES_CSV_SOURCES: dict[str, str] = {
    "homeless": (
        "NHS Digital PCD refsets HOMELESS_COD and RESNONE_COD, OpenCodelists version 20241205 "
        "(https://www.opencodelists.org/codelist/nhsd-primary-care-domain-refsets/homeless_cod)"
    ),
    "no_permanent_address": (
        "NHS Digital PCD refset RESNONE_COD 'No permanent address residency codes', OpenCodelists "
        "version 20241205 (176721000000106 'Lives on unofficial site' is an accommodation "
        "finding; counting it as Gypsy/Roma/Traveller is an inference)"
    ),
    "gypsy_roma_traveller": "ethnic category concepts: all unverified (listed)",
    "sex_work": (
        "SNOMED CT occupation concepts, id and term in WHO HIV key-population FHIR value sets"
    ),
    "migrant": (
        "NHS Digital Digital Maternity FHIR specification, social context 'Asylum Status' binding"
    ),
    "learning_disability": "NHS Digital PCD refset LD_COD, OpenCodelists version 20210127",
    "substance_use": "NHS Digital PCD refset ILLSUB_COD, OpenCodelists version 20250912",
    "language": "UK-edition 'first language' code set (GM SDE clinical code sets)",
    "interpreter": (
        "UK-edition reasonable-adjustment category 6 code set (GM SDE clinical code sets)"
    ),
    "adjustment": "UK-edition reasonable-adjustment category code sets (GM SDE clinical code sets)",
    "contact": "no published list found: all unverified (listed)",
    "pseudo_postcode": "NHS Data Dictionary pseudo-postcodes (not SNOMED CT)",
}
"""Where each ``codes.csv`` group's codes were verified (codes not listed in :data:`UNVERIFIED`)."""


def unverified(codes: Iterable[str]) -> list[UnverifiedCode]:
    """The codes in ``codes`` that are listed as unverified, in the order given."""
    return [UNVERIFIED_CODES[c] for c in codes if c in UNVERIFIED_CODES]
