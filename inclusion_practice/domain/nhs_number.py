"""NHS numbers: normalising, the modulus-11 check digit, verification status and why absent.

An NHS number is 10 digits; the last is a check digit computed from the first nine with weights
10..2, modulus 11 (a remainder giving 10 means the nine digits can never form a valid number).
Many inclusion-health patients have none or do not know it, so UK Core's "unavailable reason"
is recorded instead.
"""

from __future__ import annotations

from enum import StrEnum

from inclusion_practice.errors import InvalidInput

_SEPARATORS = " -\t"


class VerificationStatus(StrEnum):
    """UK Core NHS number verification status (England), codes 01–08."""

    VERIFIED = "01"
    PRESENT_NOT_TRACED = "02"
    TRACE_REQUIRED = "03"
    TRACE_NO_MATCH = "04"
    TRACE_TO_RESOLVE = "05"
    TRACE_IN_PROGRESS = "06"
    NOT_PRESENT_TRACE_NOT_REQUIRED = "07"
    TRACE_POSTPONED_BABY = "08"

    @property
    def display(self) -> str:
        return VERIFICATION_DISPLAY[self]


VERIFICATION_DISPLAY: dict[VerificationStatus, str] = {
    VerificationStatus.VERIFIED: "Number present and verified",
    VerificationStatus.PRESENT_NOT_TRACED: "Number present but not traced",
    VerificationStatus.TRACE_REQUIRED: "Trace required",
    VerificationStatus.TRACE_NO_MATCH: "Trace attempted - No match or multiple match found",
    VerificationStatus.TRACE_TO_RESOLVE: (
        "Trace needs to be resolved - (NHS number or patient detail conflict)"
    ),
    VerificationStatus.TRACE_IN_PROGRESS: "Trace in progress",
    VerificationStatus.NOT_PRESENT_TRACE_NOT_REQUIRED: "Number not present and trace not required",
    VerificationStatus.TRACE_POSTPONED_BABY: "Trace postponed (baby under six weeks old)",
}

STATUSES_WITH_NUMBER: frozenset[VerificationStatus] = frozenset(
    {
        VerificationStatus.VERIFIED,
        VerificationStatus.PRESENT_NOT_TRACED,
        VerificationStatus.TRACE_TO_RESOLVE,
    }
)
"""Statuses that only make sense when a number is recorded."""

STATUSES_WITHOUT_NUMBER: frozenset[VerificationStatus] = frozenset(
    {
        VerificationStatus.TRACE_REQUIRED,
        VerificationStatus.TRACE_NO_MATCH,
        VerificationStatus.TRACE_IN_PROGRESS,
        VerificationStatus.NOT_PRESENT_TRACE_NOT_REQUIRED,
        VerificationStatus.TRACE_POSTPONED_BABY,
    }
)


class UnavailableReason(StrEnum):
    """UK Core NHS number unavailable reason (the codes are UK Core's own)."""

    NOT_KNOWN = "nhs-number-not-known"
    OVERSEAS = "overseas-patient"
    DEVOLVED_NATION = "devolved-nation"

    @property
    def display(self) -> str:
        return {
            "nhs-number-not-known": "NHS number not known",
            "overseas-patient": "Overseas patient",
            "devolved-nation": "Devolved nation",
        }[self.value]


_UNAVAILABLE_ALIASES = {
    "not_known": UnavailableReason.NOT_KNOWN,
    "not-known": UnavailableReason.NOT_KNOWN,
    "unknown": UnavailableReason.NOT_KNOWN,
    "overseas": UnavailableReason.OVERSEAS,
    "devolved": UnavailableReason.DEVOLVED_NATION,
    "devolved_nation": UnavailableReason.DEVOLVED_NATION,
}


def check_digit(first_nine: str) -> int | None:
    """The modulus-11 check digit for nine digits, or ``None`` when no valid one exists."""
    if len(first_nine) != 9 or not first_nine.isdigit():
        raise ValueError("need exactly nine digits")
    total = sum(int(d) * w for d, w in zip(first_nine, range(10, 1, -1), strict=True))
    digit = 11 - total % 11
    if digit == 11:
        return 0
    if digit == 10:
        return None
    return digit


def normalise_nhs_number(text: str, field: str = "nhs_number") -> str:
    """Strip spaces and dashes and validate: 10 digits with a correct check digit.

    Raises :class:`InvalidInput` naming ``field`` and saying what is wrong.
    """
    compact = "".join(ch for ch in text.strip() if ch not in _SEPARATORS)
    if not compact:
        raise InvalidInput(field, "is empty; leave it out and give an unavailable reason instead")
    if not compact.isdigit():
        raise InvalidInput(field, f"{text!r} must contain only digits (spaces and dashes allowed)")
    if len(compact) != 10:
        raise InvalidInput(field, f"{text!r} has {len(compact)} digits; an NHS number has 10")
    expected = check_digit(compact[:9])
    if expected is None:
        raise InvalidInput(field, f"{text!r} is not a valid NHS number (no check digit is possible)")
    if int(compact[9]) != expected:
        raise InvalidInput(field, f"{text!r} is not a valid NHS number (the check digit is wrong)")
    return compact


def is_valid_nhs_number(text: str) -> bool:
    """Whether ``text`` is a valid NHS number once spaces and dashes are removed."""
    try:
        normalise_nhs_number(text)
    except InvalidInput:
        return False
    return True


def format_nhs_number(number: str) -> str:
    """The 3-3-4 form people read aloud: ``943 476 5919``."""
    return f"{number[:3]} {number[3:6]} {number[6:]}"


def parse_verification_status(
    value: str | None, field: str = "nhs_number_status"
) -> VerificationStatus | None:
    """Accept ``1``/``01``; refuse anything outside 01–08."""
    if value is None or not str(value).strip():
        return None
    text = str(value).strip().zfill(2)
    try:
        return VerificationStatus(text)
    except ValueError:
        raise InvalidInput(field, f"{value!r} is not a verification status code 01–08") from None


def parse_unavailable_reason(
    value: str | None, field: str = "nhs_number_unavailable_reason"
) -> UnavailableReason | None:
    if value is None or not str(value).strip():
        return None
    text = str(value).strip().lower()
    try:
        return UnavailableReason(text)
    except ValueError:
        pass
    if text in _UNAVAILABLE_ALIASES:
        return _UNAVAILABLE_ALIASES[text]
    raise InvalidInput(
        field,
        f"{value!r} is not one of not_known, overseas, devolved "
        f"({', '.join(r.value for r in UnavailableReason)})",
    )


def resolve_identity(
    nhs_number: str | None,
    status: str | None,
    unavailable_reason: str | None,
) -> tuple[str | None, VerificationStatus | None, UnavailableReason | None]:
    """Validate the NHS number trio together.

    With a number: status defaults to 02 (present, not traced) and no unavailable reason is
    allowed. Without: the reason defaults to "not known" and the status, if given, must be one
    that means no number.
    """
    number = normalise_nhs_number(nhs_number) if nhs_number and nhs_number.strip() else None
    st = parse_verification_status(status)
    reason = parse_unavailable_reason(unavailable_reason)
    if number is not None:
        if reason is not None:
            raise InvalidInput(
                "nhs_number_unavailable_reason", "an NHS number was given, so it is not unavailable"
            )
        if st is not None and st not in STATUSES_WITH_NUMBER:
            raise InvalidInput(
                "nhs_number_status", f"{st.value} ({st.display}) means there is no number"
            )
        return number, st or VerificationStatus.PRESENT_NOT_TRACED, None
    if st is not None and st in STATUSES_WITH_NUMBER:
        raise InvalidInput("nhs_number_status", f"{st.value} ({st.display}) needs an NHS number")
    return None, st, reason or UnavailableReason.NOT_KNOWN
