"""Postcodes: real UK formats and NHS pseudo-postcodes accepted; anything else refused with why."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inclusion_practice.domain.postcode import NO_FIXED_ABODE, is_pseudo, parse_postcode
from inclusion_practice.errors import InvalidInput


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("LS1 4AP", "LS1 4AP"),
        ("ls14ap", "LS1 4AP"),
        ("SW1A 1AA", "SW1A 1AA"),
        ("  m1   1ae ", "M1 1AE"),
        ("B33 8TH", "B33 8TH"),
        ("CR2 6XH", "CR2 6XH"),
        ("DN55 1PT", "DN55 1PT"),
        ("W1A 0AX", "W1A 0AX"),
        ("EC1A 1BB", "EC1A 1BB"),
        ("GIR 0AA", "GIR 0AA"),
        ("zz99 3vz", NO_FIXED_ABODE),
        ("ZZ993WZ", "ZZ99 3WZ"),
        ("ZZ99 3CZ", "ZZ99 3CZ"),
    ],
)
def test_real_and_pseudo_postcodes_are_accepted_and_normalised(text: str, expected: str) -> None:
    assert parse_postcode(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "is empty"),
        ("LS1", "has 3 letters and digits"),
        ("LS1 4APXX", "has 8"),
        ("LS1 AAP", "last part must be a digit and two letters"),
        ("QS1 4AP", "is not a UK postcode"),
        ("LS1 4CP", "never C, I, K, M, O or V"),
        ("12345", "last part"),
    ],
)
def test_anything_else_is_refused_saying_why(text: str, reason: str) -> None:
    with pytest.raises(InvalidInput) as err:
        parse_postcode(text, "usual_postcode")
    assert err.value.field == "usual_postcode"
    assert reason in err.value.reason


def test_pseudo_postcodes_are_recognised() -> None:
    assert is_pseudo("ZZ99 3VZ") and not is_pseudo("LS1 4AP")


_AREA = st.sampled_from(["LS", "M", "B", "SW", "EC", "N", "E", "BD", "HX", "YO"])
_INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"


@st.composite
def real_postcodes(draw: st.DrawFn) -> str:
    area = draw(_AREA)
    district = str(draw(st.integers(1, 29 if len(area) == 2 else 9)))
    inward = (
        str(draw(st.integers(0, 9)))
        + draw(st.sampled_from(_INWARD_LETTERS))
        + draw(st.sampled_from(_INWARD_LETTERS))
    )
    return f"{area}{district} {inward}"


@given(real_postcodes(), st.booleans(), st.booleans())
def test_any_well_formed_postcode_parses_whatever_the_case_and_spacing(
    postcode: str, lower: bool, squash: bool
) -> None:
    text = postcode.lower() if lower else postcode
    text = text.replace(" ", "") if squash else text
    assert parse_postcode(text) == postcode


@given(st.text(max_size=12))
def test_parsing_never_crashes_and_either_normalises_or_names_the_field(text: str) -> None:
    try:
        out = parse_postcode(text, "postcode")
    except InvalidInput as exc:
        assert exc.field == "postcode"
    else:
        assert out == parse_postcode(out)
        assert out[-4] == " "
