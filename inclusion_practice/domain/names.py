"""Folding and comparing names across accents, hyphens, spacing and transliteration.

Duplicates at an inclusion-health practice come from the same person being written down
differently: "Kowalska-Nowak" and "Kowalska Nowak", "Łukasz" and "Lukasz", "Mohammed" and
"Muhammad", "Олена" and "Olena". :func:`fold` gives one searchable form; :func:`skeleton`
goes further and removes spelling differences common in transliteration; :func:`name_similarity`
scores two full names 0–100 with rapidfuzz.
"""

from __future__ import annotations

import re
import unicodedata

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
    ("sch", "sh"), ("szcz", "shch"), ("sz", "sh"), ("cz", "ch"), ("tch", "ch"), ("tsch", "ch"),
    ("kh", "h"), ("gh", "g"), ("ph", "f"), ("th", "t"), ("dh", "d"), ("ck", "k"), ("q", "k"),
    ("ou", "u"), ("oo", "u"), ("ee", "i"), ("ie", "i"), ("ei", "i"), ("ey", "i"), ("ai", "ai"),
    ("w", "v"), ("y", "i"), ("j", "i"), ("x", "ks"), ("c", "k"), ("z", "s"),
)
"""Spelling differences that transliteration and hearing a name aloud commonly produce."""


def strip_accents(text: str) -> str:
    """Remove diacritics and map letters that have no decomposition (ł, ø, ß, …)."""
    text = text.translate(_SPECIAL)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def transliterate(text: str) -> str:
    """Latin letters for Cyrillic and Greek; other scripts are left as they are."""
    out: list[str] = []
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
    for word in fold(text).split():
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
