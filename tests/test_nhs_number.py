"""NHS numbers: normalising, the modulus-11 check digit, verification status, unavailable reason."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inclusion_practice.domain.nhs_number import (
    UnavailableReason,
    VerificationStatus,
    check_digit,
    format_nhs_number,
    is_valid_nhs_number,
    normalise_nhs_number,
    parse_unavailable_reason,
    parse_verification_status,
    resolve_identity,
)
from inclusion_practice.errors import InvalidInput


@st.composite
def valid_numbers(draw: st.DrawFn) -> str:
    first_nine = draw(st.text(alphabet="0123456789", min_size=9, max_size=9))
    digit = check_digit(first_nine)
    if digit is None:
        first_nine = first_nine[:8] + str((int(first_nine[8]) + 1) % 10)
        digit = check_digit(first_nine)
    if digit is None:  # pragma: no cover - two adjacent impossibles do not happen
        first_nine = "943476591"
        digit = 9
    return first_nine + str(digit)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("9434765919", "9434765919"),
        ("943 476 5919", "9434765919"),
        ("943-476-5919", "9434765919"),
        (" 943 476-5919 ", "9434765919"),
        ("4010232137", "4010232137"),
    ],
)
def test_a_valid_number_is_normalised_to_ten_digits(text: str, expected: str) -> None:
    assert normalise_nhs_number(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("9434765918", "check digit is wrong"),
        ("943476591", "has 9 digits"),
        ("94347659190", "has 11 digits"),
        ("94347659l9", "only digits"),
        ("", "is empty"),
        ("1234567890", "no check digit is possible"),
    ],
)
def test_an_invalid_number_is_refused_naming_the_field_and_why(text: str, reason: str) -> None:
    with pytest.raises(InvalidInput) as err:
        normalise_nhs_number(text)
    assert err.value.field == "nhs_number"
    assert reason in err.value.reason


@given(valid_numbers())
def test_every_generated_valid_number_passes(number: str) -> None:
    assert is_valid_nhs_number(number)
    assert normalise_nhs_number(format_nhs_number(number)) == number


@given(valid_numbers(), st.integers(0, 9), st.integers(1, 9))
def test_any_single_digit_change_fails(number: str, position: int, delta: int) -> None:
    changed = number[:position] + str((int(number[position]) + delta) % 10) + number[position + 1:]
    assert not is_valid_nhs_number(changed)


@pytest.mark.parametrize(
    ("given_", "expected"),
    [("1", VerificationStatus.VERIFIED), ("01", VerificationStatus.VERIFIED),
     ("08", VerificationStatus.TRACE_POSTPONED_BABY), (None, None), ("", None)],
)
def test_verification_status_accepts_codes_01_to_08(
    given_: str | None, expected: VerificationStatus | None
) -> None:
    assert parse_verification_status(given_) == expected


def test_all_eight_uk_core_verification_statuses_exist_with_displays() -> None:
    assert [s.value for s in VerificationStatus] == [f"0{i}" for i in range(1, 9)]
    assert VerificationStatus.VERIFIED.display == "Number present and verified"


@pytest.mark.parametrize("bad", ["09", "00", "x"])
def test_an_unknown_verification_status_is_refused(bad: str) -> None:
    with pytest.raises(InvalidInput, match="nhs_number_status"):
        parse_verification_status(bad)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("not_known", UnavailableReason.NOT_KNOWN), ("overseas", UnavailableReason.OVERSEAS),
     ("devolved", UnavailableReason.DEVOLVED_NATION),
     ("nhs-number-not-known", UnavailableReason.NOT_KNOWN)],
)
def test_unavailable_reasons_use_uk_core_codes(text: str, expected: UnavailableReason) -> None:
    assert parse_unavailable_reason(text) is expected


@pytest.mark.parametrize(
    ("number", "status", "reason", "expected"),
    [
        ("943 476 5919", None, None, ("9434765919", VerificationStatus.PRESENT_NOT_TRACED, None)),
        ("9434765919", "01", None, ("9434765919", VerificationStatus.VERIFIED, None)),
        (None, None, None, (None, None, UnavailableReason.NOT_KNOWN)),
        (None, None, "overseas", (None, None, UnavailableReason.OVERSEAS)),
        (None, "03", None, (None, VerificationStatus.TRACE_REQUIRED, UnavailableReason.NOT_KNOWN)),
    ],
)
def test_identity_defaults_follow_whether_there_is_a_number(
    number: str | None, status: str | None, reason: str | None, expected: tuple[object, ...]
) -> None:
    assert resolve_identity(number, status, reason) == expected


@pytest.mark.parametrize(
    ("number", "status", "reason", "field"),
    [
        ("9434765919", None, "overseas", "nhs_number_unavailable_reason"),
        ("9434765919", "07", None, "nhs_number_status"),
        (None, "01", None, "nhs_number_status"),
    ],
)
def test_contradictory_identity_is_refused(
    number: str | None, status: str | None, reason: str | None, field: str
) -> None:
    with pytest.raises(InvalidInput) as err:
        resolve_identity(number, status, reason)
    assert err.value.field == field
