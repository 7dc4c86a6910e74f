"""Languages, interpreters and how a patient communicates.

Languages are BCP-47 tags (``pl``, ``ti``, ``bfi`` for British Sign Language). Where SNOMED has a
"Main spoken language X" or "X language interpreter needed" concept in ``codes.csv`` we derive
it; otherwise the generic "Interpreter needed". Interpreting is free to the patient, who must
not be asked to bring family or friends (NHS England 2018 guidance).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from inclusion_practice.domain.interpreters import InterpreterMode
from inclusion_practice.domain.needs import CommunicationFact
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


BSL_MODES = frozenset({InterpreterMode.BSL_IN_PERSON, InterpreterMode.BSL_VIDEO_RELAY})


class InterpreterGender(StrEnum):
    FEMALE = "female"
    MALE = "male"


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


@dataclass(frozen=True)
class Communication:
    """How a patient communicates and what interpreting they need."""

    main_language: str | None = None
    dialect: str | None = None
    interpreter_needed: bool = False
    interpreter_mode: InterpreterMode | None = None
    interpreter_gender: InterpreterGender | None = None
    no_family_interpreter: bool = False
    """Do not use family or friends to interpret."""

    def fact(self) -> CommunicationFact:
        return CommunicationFact(
            main_language=self.main_language,
            dialect=self.dialect,
            interpreter_needed=self.interpreter_needed,
            interpreter_mode=self.interpreter_mode.value if self.interpreter_mode else None,
            interpreter_gender=self.interpreter_gender.value if self.interpreter_gender else None,
            no_family_interpreter=self.no_family_interpreter,
        )

    @property
    def main_spoken_language_code(self) -> str | None:
        return main_spoken_language_code(self.main_language)

    @property
    def interpreter_code(self) -> str | None:
        return interpreter_needed_code(self.main_language) if self.interpreter_needed else None


def check_communication(
    main_language: str | None = None,
    *,
    dialect: str | None = None,
    interpreter_needed: bool | None = None,
    interpreter_mode: str | None = None,
    interpreter_gender: str | None = None,
    no_family_interpreter: bool = False,
) -> Communication:
    """Validate and fill in: a mode implies an interpreter is needed; BSL modes mean BSL.

    An interpreter needs a language other than English; with no mode given, face to face is
    assumed (BSL in person for BSL).
    """
    tag = parse_language(main_language) if main_language and main_language.strip() else None
    mode: InterpreterMode | None = None
    if interpreter_mode:
        try:
            mode = InterpreterMode("_".join(interpreter_mode.strip().lower().replace("-", " ").split()))
        except ValueError:
            raise InvalidInput(
                "interpreter_mode",
                f"{interpreter_mode!r} is not one of {', '.join(m.value for m in InterpreterMode)}",
            ) from None
    gender: InterpreterGender | None = None
    if interpreter_gender:
        try:
            gender = InterpreterGender(interpreter_gender.strip().lower())
        except ValueError:
            raise InvalidInput(
                "interpreter_gender", f"{interpreter_gender!r} is not female or male"
            ) from None
    needed = bool(interpreter_needed) or mode is not None
    if interpreter_needed is False and mode is not None:
        raise InvalidInput("interpreter_mode", "a mode was given but no interpreter is needed")
    if needed and tag is None:
        raise InvalidInput("main_language", "an interpreter needs the language to interpret")
    if needed and tag is not None and tag.split("-")[0] == "en":
        raise InvalidInput("interpreter_needed", "the main language is English")
    if mode in BSL_MODES and tag != BSL:
        raise InvalidInput("interpreter_mode", f"{mode.value if mode else ''} is for BSL (bfi)")
    if tag == BSL and mode is not None and mode not in BSL_MODES:
        raise InvalidInput("interpreter_mode", "for BSL use bsl_in_person or bsl_video_relay")
    if needed and mode is None:
        mode = InterpreterMode.BSL_IN_PERSON if tag == BSL else InterpreterMode.FACE_TO_FACE
    if not needed and gender is not None:
        raise InvalidInput("interpreter_gender", "no interpreter is needed")
    clean_dialect = " ".join((dialect or "").split()) or None
    if clean_dialect is not None and tag is None:
        raise InvalidInput("dialect", "give the main language too")
    if clean_dialect is not None and len(clean_dialect) > 100:
        raise InvalidInput("dialect", "is longer than 100 characters")
    return Communication(tag, clean_dialect, needed, mode, gender, no_family_interpreter)
