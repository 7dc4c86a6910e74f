"""Languages: BCP-47 tags, their English names and the SNOMED "main spoken language" and
"interpreter needed" codes (codes.csv).

Its own module so that needs, communication and the FHIR mapping all name a language the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

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
"""Tags we know by name. Any well-formed BCP-47 tag is accepted; these get names and codes."""

_BY_NAME = {lang.name.lower(): lang.tag for lang in LANGUAGES.values()}
_BY_NAME.update({"bsl": BSL, "british sign language": BSL, "sign language": BSL,
                 "persian": "fa", "pashto": "ps", "romani": "rom", "sorani": "ckb",
                 "kurmanji": "kmr", "mandarin": "zh"})

_BCP47 = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z]{4})?(-([A-Za-z]{2}|\d{3}))?(-[A-Za-z0-9]{5,8})*$")


def parse_language(text: str, field: str = "main_language") -> str:
    """A BCP-47 tag from a tag or a language name: ``Polish`` → ``pl``, ``pt-br`` → ``pt-BR``."""
    raw = " ".join((text or "").strip().split())
    if not raw:
        raise InvalidInput(field, "is empty")
    if raw.lower() in _BY_NAME:
        return _BY_NAME[raw.lower()]
    if not _BCP47.match(raw) or len(raw) > 20:
        raise InvalidInput(
            field, f"{text!r} is not a language tag (BCP-47, e.g. pl, ti, bfi) or a known language"
        )
    parts = raw.split("-")
    out = [parts[0].lower()]
    for part in parts[1:]:
        if len(part) == 4 and part.isalpha():
            out.append(part.title())
        elif len(part) == 2 or (len(part) == 3 and part.isdigit()):
            out.append(part.upper())
        else:
            out.append(part.lower())
    return "-".join(out)


def language_name(tag: str | None) -> str | None:
    if tag is None:
        return None
    lang = LANGUAGES.get(tag) or LANGUAGES.get(tag.split("-")[0])
    return lang.name if lang else tag


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
