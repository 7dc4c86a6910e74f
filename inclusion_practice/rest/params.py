"""Parsing FHIR search parameters into the services' criteria; a bad value is a 400 naming it."""

from __future__ import annotations

import datetime as dt
import re
from typing import cast

from inclusion_practice.errors import InvalidInput, NotFound
from inclusion_practice.fhir import scheduling, urls
from inclusion_practice.services.queries import Comparison, DateBound

_DATE_PARAM = re.compile(
    r"^(eq|ne|ge|le|gt|lt|sa|eb)?(\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2})?)?)$", re.ASCII
)
_ID = re.compile(r"^[0-9]{1,18}$", re.ASCII)
MAX_PARAM_LENGTH = 300


def date_bound(name: str, value: str) -> DateBound:
    """``ge2026-11-01`` → a bound over that whole day (naive practice-local times)."""
    if len(value) > 40:
        raise InvalidInput(name, "is not a date such as 2026-11-23 or ge2026-11-01")
    m = _DATE_PARAM.match(value)
    if not m:
        raise InvalidInput(name, f"{value!r} is not a date such as 2026-11-23 or ge2026-11-01")
    op = m.group(1) or "eq"
    text = m.group(2)
    if op in ("ne", "sa", "eb"):
        raise InvalidInput(name, f"prefix {op!r} is not supported (use eq, ge, le, gt, lt)")
    try:
        if "T" in text:
            at = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
            if at.tzinfo is not None:
                at = at.astimezone(scheduling.LONDON).replace(tzinfo=None)
            return DateBound(cast(Comparison, op), at, at)
        day = dt.date.fromisoformat(text)
    except (ValueError, OverflowError):
        raise InvalidInput(name, f"{value!r} is not a valid date") from None
    return DateBound(cast(Comparison, op), dt.datetime.combine(day, dt.time.min),
                     dt.datetime.combine(day, dt.time.max))


def date_bounds(name: str, values: list[str] | None) -> tuple[DateBound, ...]:
    return tuple(date_bound(name, v) for v in values or [])


def resource_id(rtype: str, rid: str) -> int:
    """A numeric id from a path; anything else (``¹``, ``-1``, 40 digits) is simply not found."""
    if not _ID.match(rid) or int(rid) > 2**62:
        raise NotFound(rtype, rid[:40])
    return int(rid)


def reference_id(name: str, value: str, rtype: str) -> str:
    """``Patient/17`` (or the full URL) → ``17``."""
    text = short(name, value).removeprefix(urls.BASE + "/")
    if text.startswith(f"{rtype}/"):
        text = text[len(rtype) + 1:]
    if not text or "/" in text:
        raise InvalidInput(name, f"{value[:40]!r} is not a {rtype} reference ({rtype}/<id>)")
    return text


def reference_number(name: str, value: str, rtype: str) -> int:
    text = reference_id(name, value, rtype)
    if not _ID.match(text):
        raise InvalidInput(name, f"{value[:40]!r} is not a {rtype} reference ({rtype}/<id>)")
    return int(text)


def short(name: str, value: str, limit: int = MAX_PARAM_LENGTH) -> str:
    """Refuse a parameter too long to mean anything (a 100,000-character name, say)."""
    if len(value) > limit:
        raise InvalidInput(name, f"is longer than {limit} characters")
    return value


def token_list(name: str, value: str | None, allowed: frozenset[str]) -> frozenset[str]:
    """``a,b`` → {a, b}, each one of ``allowed``."""
    if value is None:
        return frozenset()
    parts = frozenset(p.strip() for p in short(name, value).split(",") if p.strip())
    unknown = sorted(parts - allowed)
    if unknown or not parts:
        raise InvalidInput(name, f"use one or more of {', '.join(sorted(allowed))}")
    return parts
