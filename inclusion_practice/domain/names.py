"""Folding and comparing names across accents, hyphens, spacing and transliteration.

Duplicates at an inclusion-health practice come from the same person being written down
differently: "Kowalska-Nowak" and "Kowalska Nowak", "Łukasz" and "Lukasz", "Mohammed" and
"Muhammad", "Олена" and "Olena". :func:`fold` gives one searchable form; :func:`skeleton`
goes further: it romanises every other script (``anyascii``, after our own Cyrillic and Greek
rules and a table of common Arabic-script names) and removes spelling differences common in
transliteration; :func:`name_similarity` scores two full names 0–100 with rapidfuzz.

The stored search key (:func:`name_key`) keeps a name in the script it was typed in, so a search
typed in that script finds it by index; comparisons (the duplicate check, fuzzy search) romanise
both sides, so "محمد علي" and "Mohammed Ali" are alike.
"""

from __future__ import annotations

import re
import unicodedata

from anyascii import anyascii
from rapidfuzz import fuzz

from inclusion_practice.errors import InvalidInput

_SPECIAL = str.maketrans(
    {
        "ł": "l", "Ł": "l", "ø": "o", "Ø": "o", "đ": "d", "Đ": "d", "ð": "d", "þ": "th",
        "ı": "i", "ß": "ss", "æ": "ae", "Æ": "ae", "œ": "oe", "Œ": "oe", "ħ": "h",
    }
)

_CYRILLIC = {
    "а": "a", "б": "b", "в": "v", "г": "h", "ґ": "g", "д": "d", "е": "e", "є": "ie", "ё": "e",
    "ж": "zh", "з": "z", "и": "y", "і": "i", "ї": "i", "й": "i", "к": "k", "л": "l", "м": "m",
    "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh",
    "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e",
    "ю": "iu", "я": "ia",
}
"""Ukrainian national transliteration (Russian letters close to it): Cyrillic names are often
written from a passport in Latin script."""

_GREEK = {
    "α": "a", "β": "v", "γ": "g", "δ": "d", "ε": "e", "ζ": "z", "η": "i", "θ": "th", "ι": "i",
    "κ": "k", "λ": "l", "μ": "m", "ν": "n", "ξ": "x", "ο": "o", "π": "p", "ρ": "r", "σ": "s",
    "ς": "s", "τ": "t", "υ": "y", "φ": "f", "χ": "ch", "ψ": "ps", "ω": "o",
}

_SEPARATORS = re.compile(r"[\s\-‐‑–—_.,'’`\"/()]+")

_SKELETON_RULES: tuple[tuple[str, str], ...] = (
    ("mohammed", "muhamad"), ("mohamed", "muhamad"), ("muhammad", "muhamad"),
    ("mohammad", "muhamad"), ("mohamad", "muhamad"), ("muhammed", "muhamad"),
    ("mukhammed", "muhamad"), ("abdel", "abdul"), ("abdal", "abdul"), ("abdoul", "abdul"),
    ("sch", "sh"), ("szcz", "shch"), ("sz", "sh"), ("cz", "ch"), ("tch", "ch"), ("tsch", "ch"),
    ("kh", "h"), ("gh", "g"), ("ph", "f"), ("th", "t"), ("dh", "d"), ("ck", "k"), ("q", "k"),
    ("ou", "u"), ("oo", "u"), ("ee", "i"), ("ie", "i"), ("ei", "i"), ("ey", "i"), ("ai", "ai"),
    ("w", "v"), ("y", "i"), ("j", "i"), ("x", "ks"), ("c", "k"), ("z", "s"),
)
"""Spelling differences that transliteration and hearing a name aloud commonly produce."""


_ABJAD = re.compile("[\u0590-\u05ff\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff"
                    "\ufb1d-\ufdff\ufe70-\ufeff]")
"""Arabic-script and Hebrew letters: scripts written without most vowels, so a romanised
name has only its consonants ("محمد" → "mhmd")."""

_ARABIC_SCRIPT_NAMES = {
    "محمد": "muhammad", "محمود": "mahmud", "احمد": "ahmad", "أحمد": "ahmad", "علي": "ali",
    "على": "ali", "عمر": "umar", "عثمان": "uthman", "حسن": "hasan", "حسين": "husain",
    "يوسف": "yusuf", "یوسف": "yusuf", "ابراهيم": "ibrahim", "إبراهيم": "ibrahim",
    "ابراهیم": "ibrahim", "اسماعيل": "ismail", "خالد": "khalid", "مصطفى": "mustafa",
    "عبد": "abdul", "عبدالله": "abdullah", "عبد الله": "abdullah", "الله": "allah",
    "الرحمن": "rahman", "عبدالرحمن": "abdulrahman", "فاطمة": "fatima", "فاطمه": "fatima",
    "مريم": "maryam", "مریم": "maryam", "زينب": "zainab", "زینب": "zainab", "عائشة": "aisha",
    "خديجة": "khadija", "آمنة": "amina", "امينة": "amina", "نور": "nur", "سارة": "sara",
    "رضا": "reza", "مهدي": "mahdi", "مهدی": "mahdi", "جعفر": "jafar", "كريم": "karim",
    "کریم": "karim", "رحيم": "rahim", "رحیم": "rahim", "رحيمي": "rahimi", "رحیمی": "rahimi",
    "احمدی": "ahmadi", "احمدي": "ahmadi", "حسيني": "husaini", "حسینی": "husaini",
    "محمدی": "muhammadi", "محمدي": "muhammadi", "صالح": "salih", "سليمان": "sulaiman",
    "سلیمان": "sulaiman", "داود": "dawud", "موسى": "musa", "موسی": "musa", "عيسى": "isa",
    "عیسی": "isa", "هاشم": "hashim", "جمال": "jamal", "نصر": "nasr", "امير": "amir",
    "امیر": "amir", "گل": "gul", "خان": "khan", "ولي": "wali", "ولی": "wali",
}
"""Common Arabic, Persian, Dari and Pashto names written in Arabic script, with the spelling
most often written in Latin script: an abjad leaves out the vowels, so "محمد" (Muhammad) and
"محمود" (Mahmud) romanise alike letter by letter but are different names."""


def romanise(text: str) -> str:
    """:func:`fold`, then Latin letters for every other script: known Arabic-script names from
    the table, everything else through ``anyascii``."""
    words = []
    for word in unicodedata.normalize("NFC", text).split():
        bare = word.strip("\u200c\u200d")
        words.append(_ARABIC_SCRIPT_NAMES.get(bare.removeprefix("ال"), word)
                     if _ABJAD.search(bare) else word)
    folded = fold(" ".join(words))
    if folded.isascii():
        return folded
    return " ".join(_SEPARATORS.sub(" ", anyascii(folded).lower()).split())


def _unresolved_abjad(text: str) -> bool:
    """Whether ``text`` has an Arabic-script or Hebrew word the name table does not know."""
    return any(_ABJAD.search(w) and w.removeprefix("ال") not in _ARABIC_SCRIPT_NAMES
               for w in unicodedata.normalize("NFC", text).split())


def _consonants(skel: str) -> str:
    """A skeleton's consonants (long vowels too: an abjad writes them as w/y), trailing h
    dropped (the feminine ending ة)."""
    words = [re.sub(r"(?<![sckgz])h$", "", re.sub(r"[aeiouv]", "", w)) for w in skel.split()]
    return " ".join(w for w in words if w)


def strip_accents(text: str) -> str:
    """Remove diacritics and map letters that have no decomposition (ł, ø, ß, …)."""
    text = text.translate(_SPECIAL)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


_GREEK_DIGRAPHS = (("ου", "ou"), ("αυ", "av"), ("ευ", "ev"))
"""ELOT 743 digraphs (Greek passports): "Παπαδοπούλου" is written Papadopoulou."""


def transliterate(text: str) -> str:
    """Latin letters for Cyrillic and Greek; other scripts are left as they are."""
    out: list[str] = []
    if any("\u0370" <= ch <= "\u03ff" or "\u1f00" <= ch <= "\u1fff" for ch in text):
        text = strip_accents(text.lower())
        for old, new in _GREEK_DIGRAPHS:
            text = text.replace(old, new)
    for ch in text:
        low = ch.lower()
        if low in _CYRILLIC:
            out.append(_CYRILLIC[low])
        elif low in _GREEK:
            out.append(_GREEK[low])
        else:
            out.append(ch)
    return "".join(out)


def fold(text: str) -> str:
    """Lower case, no accents, Latin script, hyphens and punctuation as single spaces."""
    text = strip_accents(transliterate(unicodedata.normalize("NFC", text))).lower()
    return " ".join(_SEPARATORS.sub(" ", text).split())


def name_key(given: str, family: str) -> str:
    """The stored search key: folded "given family"."""
    return fold(f"{given} {family}")[:220]


def skeleton(text: str) -> str:
    """A coarser form that also forgives common transliteration variants and doubled letters."""
    words = []
    for word in romanise(text).split():
        for old, new in _SKELETON_RULES:
            word = word.replace(old, new)
        word = re.sub(r"(.)\1+", r"\1", word)
        words.append(word)
    return " ".join(words)


def name_similarity(a: str, b: str) -> float:
    """0–100: how alike two full names are, ignoring order, accents, hyphens and spacing.

    The best of token-sort on the folded forms, token-sort on the skeletons, and a
    joined-up comparison (so "Kowalska Nowak" matches "KowalskaNowak").
    """
    fa, fb = fold(a), fold(b)
    if not fa or not fb:
        return 0.0
    if fa == fb or fa.replace(" ", "") == fb.replace(" ", ""):
        return 100.0
    sa, sb = skeleton(a), skeleton(b)
    scores = [
        fuzz.token_sort_ratio(fa, fb),
        fuzz.token_sort_ratio(sa, sb),
        fuzz.ratio("".join(sorted(sa.split())), "".join(sorted(sb.split()))),
        fuzz.ratio(sa.replace(" ", ""), sb.replace(" ", "")),
    ]
    if min(len(sa.split()), len(sb.split())) >= 2:
        # A dropped middle name or half of a double-barrelled surname: alike, not identical.
        scores.append(0.95 * fuzz.token_set_ratio(sa, sb))
    if _unresolved_abjad(a) or _unresolved_abjad(b):
        # A name the table does not know, written without vowels: compare consonants only,
        # a little below an exact match.
        ca, cb = _consonants(sa), _consonants(sb)
        if ca and cb:
            scores.append(0.95 * max(
                fuzz.token_sort_ratio(ca, cb),
                fuzz.ratio("".join(sorted(ca.split())), "".join(sorted(cb.split()))),
                fuzz.ratio(ca.replace(" ", ""), cb.replace(" ", ""))))
    return float(max(scores))


def clean_name(text: str, field: str) -> str:
    """Trim and collapse spaces; refuse an empty name (``InvalidInput`` naming ``field``)."""
    cleaned = " ".join(unicodedata.normalize("NFC", text or "").split())
    if not cleaned:
        raise InvalidInput(field, "is empty")
    if len(cleaned) > 100:
        raise InvalidInput(field, "is longer than 100 characters")
    if not any(ch.isalpha() for ch in cleaned):
        raise InvalidInput(field, f"{text!r} has no letters")
    return cleaned
