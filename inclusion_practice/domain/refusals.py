"""Why a registration may be refused, and the grounds that never justify it.

NHS England guidance, the Primary Medical Care Policy and Guidance Manual and CQC mythbusters
29 and 36: no ID, no proof of address and immigration status are never grounds to refuse, nor
are race, gender, social class, age, religion, sexual orientation, appearance, disability or
medical condition. The library refuses to record them as a reason, with the explanation, so a
refusal on those grounds cannot be entered by mistake. A refused applicant is written to with
the reason within 14 days.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from inclusion_practice.errors import InvalidInput


class RefusalReason(StrEnum):
    """Reasons a practice may lawfully give (the controlled list)."""

    OUTSIDE_BOUNDARY = "outside_boundary"
    LIST_CLOSED = "list_closed"
    """The commissioner has approved closing the list."""
    SPECIAL_ALLOCATION_SCHEME = "special_allocation_scheme"
    """The person must be seen under the violent-patient scheme."""
    REMOVED_RECENTLY = "removed_recently"
    """Removed from this practice in the last 12 months (written reasons given then)."""
    OTHER_REASONABLE_GROUND = "other_reasonable_ground"
    """Anything else: needs a written detail, and must not be a forbidden ground."""

    @property
    def label(self) -> str:
        return {
            "outside_boundary": "lives outside the practice boundary",
            "list_closed": "practice list closed (approved by the commissioner)",
            "special_allocation_scheme": "special allocation scheme",
            "removed_recently": "removed from this practice within 12 months",
            "other_reasonable_ground": "other reasonable ground",
        }[self.value]


class ForbiddenGround(StrEnum):
    """Grounds that must never be used to refuse registration."""

    NO_ID = "no_id"
    NO_PROOF_OF_ADDRESS = "no_proof_of_address"
    IMMIGRATION_STATUS = "immigration_status"
    RACE = "race"
    GENDER = "gender"
    SOCIAL_CLASS = "social_class"
    AGE = "age"
    RELIGION = "religion"
    SEXUAL_ORIENTATION = "sexual_orientation"
    APPEARANCE = "appearance"
    DISABILITY = "disability"
    MEDICAL_CONDITION = "medical_condition"


FORBIDDEN_EXPLANATIONS: dict[ForbiddenGround, str] = {
    ForbiddenGround.NO_ID: (
        "no ID is needed to register with a GP (NHS England registration guidance; CQC "
        "mythbuster 29): register the person"
    ),
    ForbiddenGround.NO_PROOF_OF_ADDRESS: (
        "no proof of address is needed: register with a care-of or the practice address and "
        "the usual-residence postcode ZZ99 3VZ (CQC mythbuster 29)"
    ),
    ForbiddenGround.IMMIGRATION_STATUS: (
        "immigration status is never a reason to refuse, and must not be asked about "
        "(NHS England registration guidance; Safe Surgeries)"
    ),
    ForbiddenGround.RACE: "refusing because of race or ethnicity is unlawful discrimination",
    ForbiddenGround.GENDER: "refusing because of gender is unlawful discrimination",
    ForbiddenGround.SOCIAL_CLASS: "refusing because of social class is not allowed (GMS contract)",
    ForbiddenGround.AGE: "refusing because of age is not allowed (GMS contract)",
    ForbiddenGround.RELIGION: "refusing because of religion or belief is unlawful discrimination",
    ForbiddenGround.SEXUAL_ORIENTATION: (
        "refusing because of sexual orientation is unlawful discrimination"
    ),
    ForbiddenGround.APPEARANCE: "refusing because of appearance is not allowed (GMS contract)",
    ForbiddenGround.DISABILITY: "refusing because of disability is unlawful discrimination",
    ForbiddenGround.MEDICAL_CONDITION: (
        "refusing because of a medical condition is not allowed (GMS contract)"
    ),
}

_ALIASES: dict[str, ForbiddenGround] = {
    "id": ForbiddenGround.NO_ID,
    "no_identification": ForbiddenGround.NO_ID,
    "no_photo_id": ForbiddenGround.NO_ID,
    "no_passport": ForbiddenGround.NO_ID,
    "identification": ForbiddenGround.NO_ID,
    "no_address": ForbiddenGround.NO_PROOF_OF_ADDRESS,
    "no_fixed_abode": ForbiddenGround.NO_PROOF_OF_ADDRESS,
    "homeless": ForbiddenGround.NO_PROOF_OF_ADDRESS,
    "homelessness": ForbiddenGround.NO_PROOF_OF_ADDRESS,
    "proof_of_address": ForbiddenGround.NO_PROOF_OF_ADDRESS,
    "address": ForbiddenGround.NO_PROOF_OF_ADDRESS,
    "immigration": ForbiddenGround.IMMIGRATION_STATUS,
    "asylum": ForbiddenGround.IMMIGRATION_STATUS,
    "asylum_seeker": ForbiddenGround.IMMIGRATION_STATUS,
    "nationality": ForbiddenGround.IMMIGRATION_STATUS,
    "visa": ForbiddenGround.IMMIGRATION_STATUS,
    "no_visa": ForbiddenGround.IMMIGRATION_STATUS,
    "overseas_visitor": ForbiddenGround.IMMIGRATION_STATUS,
    "ethnicity": ForbiddenGround.RACE,
    "ethnic_origin": ForbiddenGround.RACE,
    "traveller": ForbiddenGround.RACE,
    "gypsy": ForbiddenGround.RACE,
    "roma": ForbiddenGround.RACE,
    "sex": ForbiddenGround.GENDER,
    "gender_identity": ForbiddenGround.GENDER,
    "class": ForbiddenGround.SOCIAL_CLASS,
    "belief": ForbiddenGround.RELIGION,
    "religious_belief": ForbiddenGround.RELIGION,
    "sexuality": ForbiddenGround.SEXUAL_ORIENTATION,
    "disabled": ForbiddenGround.DISABILITY,
    "learning_disability": ForbiddenGround.DISABILITY,
    "medical": ForbiddenGround.MEDICAL_CONDITION,
    "health_condition": ForbiddenGround.MEDICAL_CONDITION,
    "condition": ForbiddenGround.MEDICAL_CONDITION,
    "drug_use": ForbiddenGround.MEDICAL_CONDITION,
    "substance_use": ForbiddenGround.MEDICAL_CONDITION,
    "mental_health": ForbiddenGround.MEDICAL_CONDITION,
}


def _key(text: str) -> str:
    return "_".join(text.strip().lower().replace("-", " ").replace("/", " ").split())


def forbidden_ground(text: str) -> ForbiddenGround | None:
    """The forbidden ground ``text`` names, if it names one."""
    key = _key(text)
    try:
        return ForbiddenGround(key)
    except ValueError:
        return _ALIASES.get(key)


def check_refusal_reason(reason: str, detail: str | None = None) -> RefusalReason:
    """Accept a reason from the controlled list; refuse forbidden grounds with the explanation.

    The free-text detail of an "other" reason is also checked against the forbidden grounds'
    names, so "other: no passport" cannot slip through.
    """
    ground = forbidden_ground(reason or "")
    if ground is not None:
        raise InvalidInput(
            "reason", f"{reason!r} can never be a reason to refuse registration: "
            f"{FORBIDDEN_EXPLANATIONS[ground]}"
        )
    try:
        value = RefusalReason(_key(reason or ""))
    except ValueError:
        raise InvalidInput(
            "reason",
            f"{reason!r} is not one of {', '.join(r.value for r in RefusalReason)}",
        ) from None
    cleaned = (detail or "").strip()
    if value is RefusalReason.OTHER_REASONABLE_GROUND and not cleaned:
        raise InvalidInput("detail", "say what the reasonable ground is")
    if value is RefusalReason.OTHER_REASONABLE_GROUND:
        ground = _ground_mentioned(cleaned)
        if ground is not None:
            raise InvalidInput(
                "detail", f"mentions {ground.value.replace('_', ' ')}, which can never be a "
                f"reason to refuse registration: {FORBIDDEN_EXPLANATIONS[ground]}"
            )
    return value


_MENTION_PHRASES: frozenset[str] = frozenset(
    {g.value for g in ForbiddenGround}
    | {"no_passport", "no_identification", "immigration", "asylum", "visa", "no_address",
       "proof_of_address", "nationality", "ethnicity", "sexuality", "homeless"}
)
"""Words and phrases that, in an "other" reason's detail, reveal a forbidden ground."""


def _ground_mentioned(detail: str) -> ForbiddenGround | None:
    words = _key(detail).split("_")
    for n in (3, 2, 1):
        for i in range(len(words) - n + 1):
            phrase = "_".join(words[i : i + n])
            if phrase in _MENTION_PHRASES:
                return forbidden_ground(phrase)
    return None


def written_reason_due(refused_on: dt.date, days: int = 14) -> dt.date:
    """The refused applicant must be told why in writing within ``days``."""
    return refused_on + dt.timedelta(days=days)
