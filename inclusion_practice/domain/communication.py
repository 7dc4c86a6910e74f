"""Languages, interpreters and how a patient communicates.

Languages are BCP-47 tags (``pl``, ``ti``, ``bfi`` for British Sign Language). Where SNOMED has a
"Main spoken language X" or "X language interpreter needed" concept in ``codes.csv`` we derive
it; otherwise the generic "Interpreter needed". Interpreting is free to the patient, who must
not be asked to bring family or friends (NHS England 2018 guidance).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from inclusion_practice.domain.interpreters import InterpreterMode
from inclusion_practice.domain.languages import (
    BSL,
    interpreter_needed_code,
    main_spoken_language_code,
    parse_language,
)
from inclusion_practice.domain.needs import CommunicationFact
from inclusion_practice.errors import InvalidInput

BSL_MODES = frozenset({InterpreterMode.BSL_IN_PERSON, InterpreterMode.BSL_VIDEO_RELAY})


class InterpreterGender(StrEnum):
    FEMALE = "female"
    MALE = "male"


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
