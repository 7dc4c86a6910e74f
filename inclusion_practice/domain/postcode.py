"""UK postcodes and NHS pseudo-postcodes.

Real postcodes follow the Royal Mail format (outward code 2–4 characters, inward code digit +
two letters). NHS pseudo-postcodes (``ZZ99 …``) are valid input though they are not real: the
usual residence of someone of no fixed abode is ``ZZ99 3VZ``.
"""

from __future__ import annotations

import re

from inclusion_practice.errors import InvalidInput

NO_FIXED_ABODE = "ZZ99 3VZ"
ADDRESS_NOT_KNOWN = "ZZ99 3WZ"
ENGLAND_NOT_SPECIFIED = "ZZ99 3CZ"

_REAL = re.compile(
    r"^(GIR ?0AA|"
    r"(?:[A-PR-UWYZ][0-9][0-9A-HJKPSTUW]?|[A-PR-UWYZ][A-HK-Y][0-9][0-9ABEHMNPRVWXY]?)"
    r" ?[0-9][ABD-HJLNP-UW-Z]{2})$"
)
_PSEUDO = re.compile(r"^ZZ99 ?[0-9][A-Z]{2}$")


def parse_postcode(text: str, field: str = "postcode") -> str:
    """Normalise a postcode to upper case with one space before the inward code.

    Raises :class:`InvalidInput` naming ``field`` and saying what is wrong.
    """
    raw = " ".join(text.strip().upper().split())
    compact = raw.replace(" ", "")
    if not compact:
        raise InvalidInput(field, "is empty")
    if len(compact) < 5 or len(compact) > 7:
        raise InvalidInput(
            field, f"{text!r} has {len(compact)} letters and digits; a UK postcode has 5 to 7"
        )
    normalised = f"{compact[:-3]} {compact[-3:]}"
    if _PSEUDO.match(normalised) or _REAL.match(normalised):
        return normalised
    if not compact[-3].isdigit() or not compact[-2:].isalpha():
        raise InvalidInput(
            field, f"{text!r}: the last part must be a digit and two letters, e.g. 'SW1A 1AA'"
        )
    if any(ch in "CIKMOV" for ch in compact[-2:]):
        raise InvalidInput(
            field, f"{text!r}: the last part's letters are never C, I, K, M, O or V"
        )
    if not compact[0].isalpha():
        raise InvalidInput(field, f"{text!r}: a postcode starts with a letter")
    raise InvalidInput(
        field, f"{text!r} is not a UK postcode or NHS pseudo-postcode (ZZ99 3VZ for no fixed abode)"
    )


def is_pseudo(postcode: str) -> bool:
    """NHS pseudo-postcodes mark an unknown or absent address, not a place."""
    return postcode.upper().startswith("ZZ99")
