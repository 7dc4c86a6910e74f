"""Name folding and fuzzy matching: accents, hyphens, spacing and transliteration."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inclusion_practice.domain.duplicates import NAME_THRESHOLD
from inclusion_practice.domain.names import clean_name, fold, name_key, name_similarity, skeleton
from inclusion_practice.errors import InvalidInput


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Kowalska-Nowak", "kowalska nowak"),
        ("Kowalska  Nowak", "kowalska nowak"),
        ("Łukasz Żółć", "lukasz zolc"),
        ("Siobhán Ó Briain", "siobhan o briain"),
        ("O'Neill", "o neill"),
        ("Олена Шевченко", "olena shevchenko"),
        ("Jørgen Strauß", "jorgen strauss"),
        ("Ştefan Dumitrescu", "stefan dumitrescu"),
    ],
)
def test_folding_removes_accents_hyphens_spacing_and_script(text: str, folded: str) -> None:
    assert fold(text) == folded


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Zofia Kowalska-Nowak", "Zofia Kowalska Nowak"),
        ("Zofia Kowalska-Nowak", "Zofia KowalskaNowak"),
        ("Łukasz Wiśniewski", "Lukasz Wisniewski"),
        ("Mohammed Ali", "Muhammad Ali"),
        ("Mohamed Abdi", "Mohammed Abdi"),
        ("Olena Shevchenko", "Олена Шевченко"),
        ("Yusuf Khan", "Youssef Khan"),
        ("Nowak Zofia", "Zofia Nowak"),
    ],
)
def test_variants_of_one_name_are_alike(a: str, b: str) -> None:
    assert name_similarity(a, b) >= NAME_THRESHOLD


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Zofia Nowak", "Anna Nowak"),
        ("John Smith", "Jane Smith"),
        ("Mariam Tesfaye", "Miriam Haile"),
    ],
)
def test_different_people_are_not_alike(a: str, b: str) -> None:
    assert name_similarity(a, b) < NAME_THRESHOLD


def test_the_stored_key_is_the_folded_full_name() -> None:
    assert name_key("Zofia", "Kowalska-Nowak") == "zofia kowalska nowak"


def test_the_skeleton_forgives_transliteration_spellings() -> None:
    assert skeleton("Mohammed") == skeleton("Muhammad")
    assert skeleton("Kowalczyk") == skeleton("Kovalchik")


@pytest.mark.parametrize("bad", ["", "   ", "---", "123"])
def test_an_empty_name_is_refused(bad: str) -> None:
    with pytest.raises(InvalidInput) as err:
        clean_name(bad, "given_name")
    assert err.value.field == "given_name"


@given(st.text(min_size=1, max_size=30))
def test_similarity_is_symmetric_and_bounded(text: str) -> None:
    other = text[::-1]
    s = name_similarity(text, other)
    assert 0 <= s <= 100
    assert s == pytest.approx(name_similarity(other, text))


@given(st.text(alphabet=st.characters(categories=["Lu", "Ll"]), min_size=2, max_size=20))
def test_a_name_is_always_alike_itself_with_a_hyphen_for_a_space(text: str) -> None:
    if fold(text):
        assert name_similarity(f"{text} {text}", f"{text}-{text}") == 100
