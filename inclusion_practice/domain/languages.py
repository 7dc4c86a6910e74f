"""Languages: BCP-47 tags, their English names and the SNOMED "main spoken language" and
"interpreter needed" codes (codes.csv).

Tags are validated and normalised by ``langcodes`` against the IANA language subtag registry
(``xx`` or ``qq-ZZ`` are refused), and a language we hold no codes for is named by its CLDR
English name. The table below adds what the registry cannot: the SNOMED codes, and the names
NHS coding uses ("Farsi", "Pushto").

Its own module so that needs, communication and the FHIR mapping all name a language the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import langcodes

from inclusion_practice.errors import InvalidInput

GENERIC_INTERPRETER_SNOMED = "315594003"
BSL = "bfi"


@dataclass(frozen=True)
class Language:
    tag: str
    name: str
    main_spoken_snomed: str | None = None
    interpreter_snomed: str | None = None


LANGUAGES: dict[str, Language] = {
    lang.tag: lang
    for lang in (
        Language("en", "English", "315570003"),
        Language("ar", "Arabic", "315566006", "203311000000101"),
        Language("bn", "Bengali", "315567002"),
        Language("pl", "Polish", "315579002", "203901000000102"),
        Language("so", "Somali", "315583002", "204021000000108"),
        Language("ur", "Urdu", "315588006", "204211000000109"),
        Language("fa", "Farsi", "395108007", "203421000000104"),
        Language("ku", "Kurdish", "395109004", "203701000000104"),
        Language("uk", "Ukrainian", "407659006", "204201000000107"),
        Language("ti", "Tigrinya", "408533004", "204171000000106"),
        Language("prs", "Dari", "609093008"),
        Language("ro", "Romanian", "698678003", "353881000000101"),
        Language("rom", "Romany", "718512007", "1047321000000104"),
        Language("ps", "Pushto", "970911000000104"),
        Language(BSL, "British Sign Language", "415803005", "204331000000107"),
        Language("am", "Amharic"),
        Language("pa", "Punjabi"),
        Language("pt", "Portuguese"),
        Language("es", "Spanish"),
        Language("fr", "French"),
        Language("lt", "Lithuanian"),
        Language("lv", "Latvian"),
        Language("sk", "Slovak"),
        Language("cs", "Czech"),
        Language("bg", "Bulgarian"),
        Language("hu", "Hungarian"),
        Language("ru", "Russian"),
        Language("tr", "Turkish"),
        Language("sq", "Albanian"),
        Language("vi", "Vietnamese"),
        Language("zh", "Chinese"),
        Language("ga", "Irish"),
        Language("cy", "Welsh"),
        Language("ha", "Hausa"),
        Language("yo", "Yoruba"),
        Language("ig", "Igbo"),
        Language("sw", "Swahili"),
        Language("om", "Oromo"),
        Language("ckb", "Kurdish (Sorani)"),
        Language("kmr", "Kurdish (Kurmanji)"),
    )
}
"""Tags we hold codes and NHS names for. Any valid BCP-47 tag is accepted; these are kept as
they are (``prs``, not the registry's preferred ``fa-AF``) because their codes are keyed so."""

_BY_NAME = {lang.name.lower(): lang.tag for lang in LANGUAGES.values()}
_BY_NAME.update({"bsl": BSL, "british sign language": BSL, "sign language": BSL,
                 "persian": "fa", "pashto": "ps", "romani": "rom", "sorani": "ckb",
                 "kurmanji": "kmr", "mandarin": "zh"})

def parse_language(text: str, field: str = "main_language") -> str:
    """A BCP-47 tag from a tag or an English language name: ``Polish`` → ``pl``, ``pt-br`` →
    ``pt-BR``, ``Tigrinya`` → ``ti``; refused, naming ``field``, when it is neither."""
    raw = " ".join((text or "").strip().split())
    if not raw:
        raise InvalidInput(field, "is empty")
    if raw.lower() in _BY_NAME:
        return _BY_NAME[raw.lower()]
    if raw.lower() in LANGUAGES:
        return raw.lower()
    if len(raw) <= 35 and " " not in raw and langcodes.tag_is_valid(raw):
        tag = langcodes.standardize_tag(raw)
        if tag.startswith("x-"):
            raise InvalidInput(field, f"{text!r} is a private-use tag: it names no language")
        return tag
    found = _find_by_name(raw)
    if found is not None:
        return found
    raise InvalidInput(
        field, f"{text!r} is not a language tag (BCP-47, e.g. pl, ti, bfi) or a known language"
    )


@lru_cache(maxsize=512)
def _find_by_name(name: str) -> str | None:
    if len(name) > 60:
        return None
    try:
        tag = str(langcodes.find(name))
    except LookupError:
        return None
    if not langcodes.tag_is_valid(tag):
        return None
    # ``find`` forgives extra words ("Polish please"): accept only a name it gives back.
    names = {langcodes.Language.get(tag).display_name("en").lower(),
             langcodes.Language.get(tag).language_name("en").lower()}
    return tag if name.lower() in names else None


@lru_cache(maxsize=512)
def language_name(tag: str | None) -> str | None:
    """The English name: the NHS name where we hold codes, else the CLDR name."""
    if tag is None:
        return None
    lang = LANGUAGES.get(tag) or LANGUAGES.get(tag.split("-")[0])
    if lang is not None:
        return lang.name
    try:
        name = langcodes.Language.get(tag).display_name("en")
    except (ValueError, LookupError):
        return tag
    return tag if name.startswith("Unknown language") else name


def main_spoken_language_code(tag: str | None) -> str | None:
    """SNOMED "Main spoken language X" (or "Uses British sign language"), where one exists."""
    if tag is None:
        return None
    lang = LANGUAGES.get(tag) or LANGUAGES.get(tag.split("-")[0])
    return lang.main_spoken_snomed if lang else None


def interpreter_needed_code(tag: str | None) -> str:
    """SNOMED "<language> interpreter needed" where one exists, else "Interpreter needed"."""
    if tag is not None:
        lang = LANGUAGES.get(tag) or LANGUAGES.get(tag.split("-")[0])
        if lang and lang.interpreter_snomed:
            return lang.interpreter_snomed
    return GENERIC_INTERPRETER_SNOMED


def language_for_snomed(code: str) -> str | None:
    """The BCP-47 tag whose main-spoken-language or interpreter code is ``code``."""
    for lang in LANGUAGES.values():
        if code in (lang.main_spoken_snomed, lang.interpreter_snomed):
            return lang.tag
    return None
