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


# ------------------------------------------------- a name written in another script is found

CORPUS: list[tuple[str, str, str, bool]] = [
    # (script, as written in that script, as written in Latin script, offered as a duplicate?)
    ("Arabic", "محمد علي", "Mohammed Ali", True),
    ("Arabic", "محمد علي", "Muhammad Ali", True),
    ("Arabic", "محمود علي", "Mohammed Ali", False),  # Mahmud is not Muhammad
    ("Arabic", "محمد علي", "Ahmed Ali", False),
    ("Arabic", "فاطمة الزهراء", "Fatima al-Zahra", True),
    ("Arabic", "عبد الرحمن", "Abdel Rahman", True),
    ("Persian", "مریم احمدی", "Maryam Ahmadi", True),
    ("Persian", "کریم رحیمی", "Karim Rahman", False),
    ("Persian", "آرش", "Arash", True),
    ("Persian", "آرش", "Aras", False),
    ("Pashto", "گل آغا", "Gul Agha", True),
    ("Kurdish (Sorani)", "ئاراس مەحمود", "Aras Mahmoud", True),
    ("Ge'ez (Tigrinya)", "ተስፋይ ገብረሚካኤል", "Tesfay Gebremichael", True),
    ("Ge'ez (Tigrinya)", "ሰላም ተስፋይ", "Selam Tesfay", True),
    ("Ge'ez (Tigrinya)", "ሰላም ተስፋይ", "Mulu Tesfay", False),
    ("Ge'ez (Amharic)", "አበበ ቢቂላ", "Abebe Bikila", True),
    ("Georgian", "ნინო ბერიძე", "Nino Beridze", True),
    ("Armenian", "Արամ Պետրոսյան", "Aram Petrosyan", True),
    ("Bengali", "রহিমা খাতুন", "Rahima Khatun", True),
    ("Devanagari", "सुनीता देवी", "Sunita Devi", True),
    ("Devanagari", "सुनीता देवी", "Anita Devi", False),
    ("Gurmukhi", "ਗੁਰਪ੍ਰੀਤ ਕੌਰ", "Gurpreet Kaur", True),
    ("Han", "伟 王", "Wei Wang", True),  # given name 伟 (Wei), family name 王 (Wang)
    ("Cyrillic", "Олена Шевченко", "Olena Shevchenko", True),
    ("Cyrillic", "Олена Шевченко", "Iryna Shevchenko", False),
    ("Greek", "Ελένη Παπαδοπούλου", "Eleni Papadopoulou", True),
    ("Greek", "Γιώργος Αντωνίου", "Giorgos Antoniou", True),
    ("Latin (Turkish)", "Şükrü Öztürk", "Sukru Ozturk", True),
    ("Latin (Vietnamese)", "Trần Thị Hoa", "Tran Thi Hoa", True),
    ("Latin (Polish)", "Łukasz Wiśniewski", "Lukasz Wisniewski", True),
]


def test_the_corpus_covers_at_least_ten_scripts() -> None:
    scripts = {s.split(" (")[0] if s.startswith(("Latin", "Ge'ez")) else s for s, *_ in CORPUS}
    scripts -= {"Persian", "Pashto", "Kurdish (Sorani)"}  # Arabic script, counted once
    assert len(scripts) >= 10, sorted(scripts)


@pytest.mark.parametrize(("script", "native", "latin", "offered"), CORPUS,
                         ids=[f"{c[0]}: {c[2]}{'' if c[3] else ' (different)'}" for c in CORPUS])
def test_a_name_in_another_script_is_offered_as_the_same_person_only_when_it_is(
    script: str, native: str, latin: str, offered: bool
) -> None:
    """The duplicate check reception sees, with the same date of birth and sex."""
    import datetime as dt

    from inclusion_practice.domain.duplicates import PersonFacts, find_candidates

    def person(full: str, pid: int | None) -> PersonFacts:
        given, _, family = full.partition(" ")
        return PersonFacts(given, family or given, dt.date(1990, 3, 12), False, "male", None, pid)

    found = find_candidates(person(latin, None), [person(native, 1)])
    assert bool(found) is offered, (name_similarity(native, latin), found)
    back = find_candidates(person(native, None), [person(latin, 2)])
    assert bool(back) is offered
