"""Languages (BCP-47 + SNOMED), interpreter modes and reasonable adjustments (RA 001–011)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from inclusion_practice.domain.adjustments import (
    ADJUSTMENT_TYPES,
    RA_CATEGORIES,
    AdjustmentKind,
    check_adjustment,
)
from inclusion_practice.domain.communication import check_communication
from inclusion_practice.domain.interpreters import InterpreterMode
from inclusion_practice.domain.languages import (
    GENERIC_INTERPRETER_SNOMED,
    LANGUAGES,
    interpreter_needed_code,
    main_spoken_language_code,
    parse_language,
)
from inclusion_practice.domain.needs import AdjustmentFact, CommunicationFact, derive_needs
from inclusion_practice.errors import InvalidInput

CODES = Path(__file__).resolve().parents[1] / "inclusion_practice" / "data" / "codes.csv"


def _codes(group: str) -> set[str]:
    with CODES.open(encoding="utf-8") as fh:
        return {row["code"] for row in csv.DictReader(fh) if row["group"] == group}


def test_every_language_code_we_derive_is_in_codes_csv() -> None:
    spoken = {lang.main_spoken_snomed for lang in LANGUAGES.values() if lang.main_spoken_snomed}
    interp = {lang.interpreter_snomed for lang in LANGUAGES.values() if lang.interpreter_snomed}
    assert spoken <= _codes("language")
    assert interp | {GENERIC_INTERPRETER_SNOMED} <= _codes("interpreter")
    assert _codes("language") <= spoken
    assert _codes("interpreter") <= interp | {GENERIC_INTERPRETER_SNOMED}


def test_every_adjustment_code_is_in_codes_csv_and_every_category_is_001_to_011() -> None:
    known = _codes("adjustment") | _codes("contact")
    for t in ADJUSTMENT_TYPES.values():
        codes = {t.snomed} | {c for _, c in t.snomed_by_detail}
        assert {c for c in codes if c} <= known, t.kind
        assert t.ra_category in RA_CATEGORIES
    assert sorted(RA_CATEGORIES) == [f"{i:03d}" for i in range(1, 12)]


@pytest.mark.parametrize(
    ("text", "tag"),
    [("pl", "pl"), ("Polish", "pl"), ("PL", "pl"), ("pt-br", "pt-BR"), ("bsl", "bfi"),
     ("Tigrinya", "ti"), ("zh-hant-tw", "zh-Hant-TW"), ("prs", "prs")],
)
def test_languages_are_bcp47_tags(text: str, tag: str) -> None:
    assert parse_language(text) == tag


@pytest.mark.parametrize("bad", ["", "p", "Polish please", "12", "x" * 30])
def test_a_bad_language_is_refused(bad: str) -> None:
    with pytest.raises(InvalidInput, match="main_language"):
        parse_language(bad)


@pytest.mark.parametrize(
    ("tag", "spoken", "interp"),
    [
        ("pl", "315579002", "203901000000102"),
        ("bfi", "415803005", "204331000000107"),
        ("bn", "315567002", GENERIC_INTERPRETER_SNOMED),
        ("am", None, GENERIC_INTERPRETER_SNOMED),
        ("ar-EG", "315566006", "203311000000101"),
    ],
)
def test_snomed_codes_are_derived_where_one_exists(tag: str, spoken: str | None, interp: str) -> None:
    assert main_spoken_language_code(tag) == spoken
    assert interpreter_needed_code(tag) == interp


def test_a_mode_means_an_interpreter_is_needed() -> None:
    c = check_communication("pl", interpreter_mode="telephone")
    assert c.interpreter_needed and c.interpreter_mode is InterpreterMode.TELEPHONE
    assert c.interpreter_code == "203901000000102"


def test_an_interpreter_defaults_to_face_to_face_and_bsl_to_in_person() -> None:
    assert check_communication("ti", interpreter_needed=True).interpreter_mode is InterpreterMode.FACE_TO_FACE
    assert check_communication("bfi", interpreter_needed=True).interpreter_mode is InterpreterMode.BSL_IN_PERSON


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"interpreter_needed": True}, "main_language"),
        ({"main_language": "en", "interpreter_needed": True}, "interpreter_needed"),
        ({"main_language": "pl", "interpreter_mode": "bsl_video_relay"}, "interpreter_mode"),
        ({"main_language": "bfi", "interpreter_mode": "telephone"}, "interpreter_mode"),
        ({"main_language": "pl", "interpreter_mode": "carrier pigeon"}, "interpreter_mode"),
        ({"main_language": "pl", "interpreter_gender": "female"}, "interpreter_gender"),
        ({"main_language": "pl", "interpreter_needed": True, "interpreter_gender": "x"},
         "interpreter_gender"),
        ({"dialect": "Silesian"}, "dialect"),
    ],
)
def test_inconsistent_communication_is_refused(kw: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidInput) as err:
        check_communication(**kw)  # type: ignore[arg-type]
    assert err.value.field == field


@pytest.mark.parametrize(
    ("text", "kind", "detail", "code", "ra"),
    [
        ("extended_appointment", AdjustmentKind.EXTENDED_APPOINTMENT, None, "1108171000000102", "008"),
        ("double_appointment", AdjustmentKind.EXTENDED_APPOINTMENT, None, "1108171000000102", "008"),
        ("first_or_last_appointment", AdjustmentKind.FIRST_OR_LAST_APPOINTMENT, "first",
         "1325351000000103", "008"),
        ("first_or_last_appointment:last", AdjustmentKind.FIRST_OR_LAST_APPOINTMENT, "last",
         "1325361000000100", "008"),
        ("clinician_gender:female", AdjustmentKind.CLINICIAN_GENDER, "female", "314434008", "008"),
        ("contact_method:sms", AdjustmentKind.CONTACT_METHOD, "sms", "936701000000103", "003"),
        ("information_format:easy_read", AdjustmentKind.INFORMATION_FORMAT, "easy_read",
         "796161000000101", "004"),
        ("large_print", AdjustmentKind.INFORMATION_FORMAT, "large_print", None, "004"),
        ("quiet_space", AdjustmentKind.QUIET_SPACE, None, "1325391000000106", "009"),
        ("minimal_wait", AdjustmentKind.MINIMAL_WAIT, None, "1325841000000109", "009"),
        ("advocate_present", AdjustmentKind.ADVOCATE_PRESENT, None, "225835008", "007"),
        ("bespoke:see after 11am only", AdjustmentKind.BESPOKE, "see after 11am only",
         "1108111000000107", "011"),
    ],
)
def test_adjustments_get_their_ra_category_and_snomed_code(
    text: str, kind: AdjustmentKind, detail: str | None, code: str | None, ra: str
) -> None:
    spec = check_adjustment(text)
    assert (spec.kind, spec.detail, spec.snomed_code, spec.ra_category) == (kind, detail, code, ra)


@pytest.mark.parametrize(
    "bad", ["clinician_gender", "clinician_gender:any", "bespoke", "teleport", "contact_method"]
)
def test_bad_adjustments_are_refused(bad: str) -> None:
    with pytest.raises(InvalidInput, match="adjustment"):
        check_adjustment(bad)


def test_adjustment_kinds_drive_the_needs_reception_sees() -> None:
    kinds = [check_adjustment(k) for k in
             ("extended_appointment", "first_or_last_appointment:last", "clinician_gender:female",
              "quiet_space", "minimal_wait", "advocate_present", "information_format:easy_read")]
    needs = derive_needs([], [AdjustmentFact(s.kind.value, s.detail) for s in kinds],
                         CommunicationFact())
    assert needs.double_appointment and needs.first_or_last == "last"
    assert needs.clinician_gender == "female" and needs.quiet_space and needs.minimal_wait
    assert needs.advocate_present and needs.information_format == "easy_read"


def test_tags_are_checked_against_the_registry_not_only_their_shape() -> None:
    """``xx`` and ``qq-ZZ`` look like tags but name no language."""
    for bad in ("xx", "qq-ZZ", "zz", "x-klingon"):
        with pytest.raises(InvalidInput, match="main_language"):
            parse_language(bad)
    assert parse_language("ZH-hant-tw") == "zh-Hant-TW"
    assert parse_language("tir") == "ti"  # the registry's two-letter form
    assert parse_language("prs") == "prs"  # kept: Dari's SNOMED code is keyed by it


def test_every_language_we_hold_codes_for_and_every_synthetic_language_round_trips() -> None:
    """Tag → English name → tag, for the languages in codes.csv (our table) and the demo."""
    from inclusion_practice.domain.languages import LANGUAGES, language_name
    from inclusion_practice.synthetic.names import ORIGINS

    tags = set(LANGUAGES) | {o.language for o in ORIGINS}
    for tag in sorted(tags):
        assert parse_language(tag) == tag, tag
        name = language_name(tag)
        assert name and name != tag, tag
        assert parse_language(name) == tag, (tag, name)


def test_a_language_we_hold_no_codes_for_is_named_by_the_registry() -> None:
    from inclusion_practice.domain.languages import language_name

    assert language_name("hy") == "Armenian"
    assert parse_language("Armenian") == "hy"
    assert language_name("pt-BR") == "Portuguese"  # our name for the base language
