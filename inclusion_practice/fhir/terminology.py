"""Our FHIR CodeSystems and ValueSets, built from the Python sources that define the codes.

The JSON under ``fhir_profiles/code_systems`` and ``fhir_profiles/value_sets`` is generated from
these functions (``scripts/build_fhir_artefacts.py``) so a code added to an enum or a SNOMED code
added to a flag category cannot drift from what practice IT loads; a test checks they are in sync.
SNOMED displays come from ``codes.csv`` (SNOMED CT UK edition), never typed by hand.
"""

from __future__ import annotations

import csv
import functools
from collections.abc import Iterable
from importlib import resources
from typing import Any

from inclusion_practice.domain.addresses import ContactRoute, CorrespondenceKind
from inclusion_practice.domain.adjustments import ADJUSTMENT_TYPES, AdjustmentKind
from inclusion_practice.domain.dna_ladder import SANCTIONS, DnaAction
from inclusion_practice.domain.flag_categories import BUILT_IN_CATEGORIES, FlagCategory, all_snomed
from inclusion_practice.domain.interpreters import InterpreterMode, InterpreterStatus
from inclusion_practice.domain.patient_record import FlagSource
from inclusion_practice.domain.registration import DeregistrationReason, RegistrationKind
from inclusion_practice.domain.session_template import SlotType
from inclusion_practice.fhir import urls

VERSION = "0.1.0"
DATE = "2026-01-01"
PUBLISHER = "Inclusion Practice"
SNOMED_UK_EDITION = "http://snomed.info/sct/83821000000107"
"""SNOMED CT UK edition module (the codes in codes.csv are from it)."""

Json = dict[str, Any]


@functools.cache
def snomed_displays() -> dict[str, str]:
    """SNOMED code → display, from the packaged ``codes.csv``."""
    text = resources.files("inclusion_practice").joinpath("data/codes.csv").read_text("utf-8")
    return {
        row["code"]: row["display"]
        for row in csv.DictReader(text.splitlines())
        if row["system"] == "SNOMED CT"
    }


def _label(code: str) -> str:
    return code.replace("_", " ").capitalize()


def _header(resource_type: str, rid: str, url: str, name: str, title: str, description: str) -> Json:
    return {
        "resourceType": resource_type,
        "id": rid,
        "url": url,
        "version": VERSION,
        "name": name,
        "title": title,
        "status": "active",
        "experimental": False,
        "date": DATE,
        "publisher": PUBLISHER,
        "description": description,
    }


def _code_system(
    rid: str,
    name: str,
    title: str,
    description: str,
    concepts: list[Json],
    properties: list[Json] | None = None,
    hierarchical: bool = False,
) -> Json:
    cs = _header("CodeSystem", rid, f"{urls.OUR_CS}/{rid}", name, title, description)
    cs["caseSensitive"] = True
    cs["valueSet"] = f"{urls.OUR_VS}/{rid}"
    if hierarchical:
        cs["hierarchyMeaning"] = "is-a"
    cs["content"] = "complete"
    cs["count"] = _count(concepts)
    if properties:
        cs["property"] = properties
    cs["concept"] = concepts
    return cs


def _count(concepts: Iterable[Json]) -> int:
    return sum(1 + _count(c.get("concept", [])) for c in concepts)


def _whole_system_value_set(cs: Json) -> Json:
    rid = cs["id"]
    vs = _header(
        "ValueSet", rid, f"{urls.OUR_VS}/{rid}", cs["name"], cs["title"],
        f"Every code in the CodeSystem {cs['url']}.",
    )
    vs["compose"] = {"include": [{"system": cs["url"]}]}
    return vs


def _category_concept(category: FlagCategory) -> Json:
    concept: Json = {
        "code": category.code,
        "display": category.label,
        "property": [{"code": "restricted", "valueBoolean": category.restricted}],
    }
    if category.subcategories:
        concept["concept"] = [
            {
                "code": sub,
                "display": _label(sub),
                "property": [
                    {"code": "parent", "valueCode": category.code},
                    {"code": "restricted", "valueBoolean": category.restricted},
                ],
            }
            for sub in category.subcategories
        ]
    return concept


def category_code_system(categories: Iterable[FlagCategory] = BUILT_IN_CATEGORIES) -> Json:
    """Inclusion-health categories; subcategories nest under their category."""
    return _code_system(
        "inclusion-health-category",
        "InclusionHealthCategory",
        "Inclusion-health flag category",
        "The inclusion-health groups a patient can be flagged with (NHS England inclusion-health "
        "framework, 2023) and their subcategories. Categories with restricted = true (sex work, "
        "substance use, domestic abuse refuge, modern slavery) are shown to clinical roles only: "
        "receivers must apply the same restriction. A practice may add its own categories in "
        "practice.toml; those codes are local to that practice and not listed here.",
        [_category_concept(c) for c in categories],
        properties=[
            {
                "code": "restricted",
                "uri": f"{urls.OUR_CS}/inclusion-health-category#restricted",
                "description": "Visible to clinical roles only.",
                "type": "boolean",
            },
            {
                "code": "parent",
                "uri": "http://hl7.org/fhir/concept-properties#parent",
                "description": "The category a subcategory belongs to.",
                "type": "code",
            },
        ],
        hierarchical=True,
    )


_MODE_DISPLAY = {
    InterpreterMode.FACE_TO_FACE: "Face-to-face interpreter",
    InterpreterMode.TELEPHONE: "Telephone interpreter",
    InterpreterMode.VIDEO: "Video interpreter",
    InterpreterMode.BSL_IN_PERSON: "British Sign Language interpreter in person",
    InterpreterMode.BSL_VIDEO_RELAY: "British Sign Language video relay",
}
_BOOKING_STATUS_DISPLAY = {
    InterpreterStatus.TO_BOOK: "To book",
    InterpreterStatus.BOOKED: "Booked with the agency",
    InterpreterStatus.TO_CANCEL: "To cancel (appointment cancelled or moved: ring the agency)",
    InterpreterStatus.CANCELLED: "Cancelled",
}
_CORRESPONDENCE_DISPLAY = {
    CorrespondenceKind.USUAL: "Letters to the usual residence",
    CorrespondenceKind.PRACTICE: "Letters to the practice (patient checks in for post)",
    CorrespondenceKind.PARTNER: "Care of a partner organisation (hostel, day centre, outreach)",
    CorrespondenceKind.CARE_OF: "Care of another address (friend, support service)",
    CorrespondenceKind.TEMPORARY: "Temporary address for a period",
    CorrespondenceKind.NONE: "No correspondence address: collect at reception",
}


def interpreter_mode_code_system() -> Json:
    return _code_system(
        "interpreter-mode",
        "InterpreterMode",
        "Interpreter mode",
        "How an interpreter is provided: the patient's preference and the mode booked for an "
        "appointment.",
        [{"code": m.value, "display": _MODE_DISPLAY[m]} for m in InterpreterMode],
    )


def interpreter_booking_status_code_system() -> Json:
    return _code_system(
        "interpreter-booking-status",
        "InterpreterBookingStatus",
        "Interpreter booking status",
        "Where the practice's booking of an interpreter for an appointment stands. The practice "
        "is charged for interpreters it forgets to cancel, so a cancelled appointment turns a "
        "booked interpreter into to_cancel.",
        [{"code": s.value, "display": _BOOKING_STATUS_DISPLAY[s]} for s in InterpreterStatus],
    )


def dna_action_code_system() -> Json:
    return _code_system(
        "dna-action",
        "DnaAction",
        "Action after a missed appointment",
        "What the practice's DNA policy asks staff to do after missed appointments. Actions "
        "with sanction = true are never used for patients covered by the flexible policy.",
        [
            {
                "code": a.value,
                "display": _label(a.value),
                "property": [{"code": "sanction", "valueBoolean": a in SANCTIONS}],
            }
            for a in DnaAction
        ],
        properties=[
            {
                "code": "sanction",
                "uri": f"{urls.OUR_CS}/dna-action#sanction",
                "description": "A sanction (warning letter, partner review, removal).",
                "type": "boolean",
            }
        ],
    )


def registration_type_code_system() -> Json:
    return _code_system(
        "registration-type",
        "RegistrationType",
        "Registration type",
        "How a person is registered with the practice: permanent, temporary resident (24 hours "
        "to 3 months) or immediately necessary treatment.",
        [{"code": k.value, "display": k.label.capitalize()} for k in RegistrationKind],
    )


def correspondence_kind_code_system() -> Json:
    return _code_system(
        "correspondence-kind",
        "CorrespondenceKind",
        "Correspondence address kind",
        "Where letters for the patient go. Kept apart from the usual residence, which for no "
        "fixed abode is the pseudo-postcode ZZ99 3VZ.",
        [{"code": k.value, "display": _CORRESPONDENCE_DISPLAY[k]} for k in CorrespondenceKind],
    )


_SLOT_TYPE_DISPLAY = {
    SlotType.ROUTINE: "Routine (bookable ahead)",
    SlotType.SAME_DAY: "Same day",
    SlotType.DROP_IN: "Drop-in (no booking needed)",
    SlotType.OUTREACH: "Outreach (hostel, day centre or street)",
}


def slot_type_code_system() -> Json:
    return _code_system(
        "slot-type",
        "SlotType",
        "Slot type",
        "What kind of session a Slot belongs to (Slot.serviceCategory): routine, same day, "
        "drop-in or outreach.",
        [{"code": t.value, "display": _SLOT_TYPE_DISPLAY[t]} for t in SlotType],
    )


def _simple(rid: str, name: str, title: str, description: str, codes: Iterable[str],
            displays: dict[str, str] | None = None) -> Json:
    return _code_system(
        rid, name, title, description,
        [{"code": c, "display": (displays or {}).get(c) or _label(c)} for c in codes],
    )


def other_code_systems() -> list[Json]:
    """Code systems the Patient and Flag mappings use for our own enumerations."""
    return [
        _simple("contact-route", "ContactRoute", "Contact route",
                "How the practice reaches the patient. Routes with a UK Core PreferredContactMethod "
                "code also carry that extension; reception (collect messages at reception) and "
                "no_letters have none.", [r.value for r in ContactRoute]),
        _simple("registration-end-reason", "RegistrationEndReason", "Registration end reason",
                "Why a registration period ended (removed and other carry a written detail).",
                [r.value for r in DeregistrationReason]),
        _simple("flag-source", "FlagSource", "Flag source",
                "Who told the practice about an inclusion-health status.",
                [s.value for s in FlagSource]),
        _simple("adjustment-kind", "AdjustmentKind", "Reasonable adjustment kind",
                "The reasonable adjustments reception records; each maps to an NHS England "
                "RA-FlagCategory (001–011) and, where one exists, a SNOMED CT concept.",
                [k.value for k in AdjustmentKind],
                {k.value: ADJUSTMENT_TYPES[k].label.capitalize() for k in AdjustmentKind}),
    ]


def code_systems() -> list[Json]:
    return [
        category_code_system(),
        interpreter_mode_code_system(),
        interpreter_booking_status_code_system(),
        dna_action_code_system(),
        registration_type_code_system(),
        correspondence_kind_code_system(),
        slot_type_code_system(),
        *other_code_systems(),
    ]


def _snomed_include(codes: Iterable[str]) -> Json:
    displays = snomed_displays()
    return {
        "system": urls.SNOMED,
        "concept": [{"code": c, "display": displays[c]} for c in codes],
    }


def flag_code_value_set(category: FlagCategory) -> Json:
    """SNOMED codes meaning ``category`` (codes.csv), plus our own category code."""
    rid = f"inclusion-health-flag-code-{category.code.replace('_', '-')}"
    name = "InclusionHealthFlagCode" + "".join(p.capitalize() for p in category.code.split("_"))
    codes = all_snomed(category)
    cited = (
        "SNOMED CT UK edition concepts " + ", ".join(codes) + " (from the product's codes.csv)"
        if codes
        else "no published SNOMED CT concept in the product's code list, so only our own code"
    )
    vs = _header(
        "ValueSet", rid, f"{urls.OUR_VS}/{rid}", name,
        f"Flag codes: {category.label}",
        f"Codes a Flag of category {category.code!r} may carry in Flag.code: {cited}; and our "
        f"category code {category.code!r} (or a subcategory code) from "
        f"{urls.CS_INCLUSION_HEALTH_CATEGORY}."
        + (" Restricted: clinical roles only." if category.restricted else ""),
    )
    include: list[Json] = []
    if codes:
        include.append(_snomed_include(codes))
    include.append(
        {
            "system": urls.CS_INCLUSION_HEALTH_CATEGORY,
            "concept": [{"code": category.code, "display": category.label}]
            + [{"code": sub, "display": _label(sub)} for sub in category.subcategories],
        }
    )
    vs["compose"] = {"include": include}
    return vs


def all_flag_codes_value_set(categories: Iterable[FlagCategory] = BUILT_IN_CATEGORIES) -> Json:
    cats = list(categories)
    vs = _header(
        "ValueSet", "inclusion-health-flag-code", urls.VS_INCLUSION_HEALTH_FLAG_CODE,
        "InclusionHealthFlagCode", "Inclusion-health flag codes",
        "Every code an inclusion-health Flag may carry in Flag.code: the union of the per-category "
        "value sets (SNOMED CT concepts from the product's codes.csv, and our category codes).",
    )
    vs["compose"] = {
        "include": [
            {"valueSet": [flag_code_value_set(c)["url"]]} for c in cats
        ]
    }
    return vs


def value_sets() -> list[Json]:
    out = [_whole_system_value_set(cs) for cs in code_systems()]
    out.extend(flag_code_value_set(c) for c in BUILT_IN_CATEGORIES)
    out.append(all_flag_codes_value_set())
    return out


def generated_artefacts() -> dict[str, Json]:
    """Relative path under ``fhir_profiles/`` → resource, for every generated file."""
    out: dict[str, Json] = {}
    for cs in code_systems():
        out[f"code_systems/CodeSystem-{cs['id']}.json"] = cs
    for vs in value_sets():
        out[f"value_sets/ValueSet-{vs['id']}.json"] = vs
    return out
