"""Warnings about the codes an indicator set depends on (local codes and unverified codes), and
the limitations every indicator's description states.

A local code (``ip:``) is one no clinical system records unless the practice adds it, so an
indicator counting it scores nothing on real data until then; an unverified code is one whose
id was not found in a published list (:mod:`inclusion_practice.domain.code_sources`). Neither
stops a set loading: ``indicators validate`` prints these so a practice knows before it claims.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from inclusion_practice.domain.code_sources import is_local, unverified
from inclusion_practice.indicators.definitions import CodeList, Indicator, IndicatorSet


@dataclass(frozen=True)
class CodeWarning:
    codelist: str
    code: str
    indicators: tuple[str, ...]
    kind: str
    """``local`` or ``unverified``."""
    message: str

    def __str__(self) -> str:
        return f"warning: {self.message}"


def codelists_used_by(indicator: Indicator) -> set[str]:
    """Every code list an indicator names, wherever in its definition."""
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, Mapping):
            for key, value in node.items():
                if key in ("codelist", "in_codelist", "anchor_codelist") and isinstance(value, str):
                    found.add(value)
                else:
                    walk(value)
        elif isinstance(node, list | tuple):
            for item in node:
                walk(item)

    walk(indicator.model_dump())
    return found


def code_warnings(indicator_set: IndicatorSet) -> list[CodeWarning]:
    """One warning per local or unverified code the set's indicators depend on."""
    users: dict[str, list[str]] = {}
    for ind in indicator_set.indicators:
        for name in sorted(codelists_used_by(ind)):
            users.setdefault(name, []).append(ind.id)
    out: list[CodeWarning] = []
    for name in sorted(users):
        cl: CodeList | None = indicator_set.codelists.get(name)
        if cl is None:
            continue
        who = tuple(users[name])
        for c in cl.codes:
            if is_local(c.code):
                out.append(CodeWarning(
                    name, c.code, who, "local",
                    f"code list {name} uses the local code {c.code} ({c.term}), which clinical "
                    f"systems do not record: {', '.join(who)} will not score on real data until "
                    "the practice adds the code its system records (see the list's source)",
                ))
        for u in unverified(c.code for c in cl.codes):
            out.append(CodeWarning(
                name, u.code, who, "unverified",
                f"code list {name}: {u.code} {u.term} is unverified ({u.note}); used by "
                f"{', '.join(who)}",
            ))
    return out


ATTRIBUTE_LIMITATION = (
    "Patient attributes ({fields}) are read as the record holds them when the indicator is run, "
    "not as they stood on the period end: the patient record keeps current values only (the "
    "audit trail records each change, but the indicator engines do not read it), so a change "
    "made after the period end changes a past period's figure. Run a return soon after the "
    "period ends."
)


def limitations(indicator: Indicator, codelists: Mapping[str, CodeList]) -> list[str]:
    """What the indicator cannot see, in words for its description and the methods appendix:
    the author's own ``limitations``, then local codes it depends on, then patient attributes
    read as currently recorded."""
    out = list(indicator.limitations)
    for name in sorted(codelists_used_by(indicator)):
        cl = codelists.get(name)
        if cl is None:
            continue
        local = [c.code for c in cl.codes if is_local(c.code)]
        if local:
            out.append(
                f"Depends on a local code: code list {name} ({cl.title}) uses {', '.join(local)}, "
                f"which is not SNOMED CT and which clinical systems do not record, so "
                f"{indicator.id} scores nothing on clinical-system data until the practice adds "
                "the code its system records."
            )
    fields = sorted({c.field.replace("_", " ") for c in indicator.all_criteria() if c.type == "attribute"})
    if fields:
        out.append(ATTRIBUTE_LIMITATION.format(fields=", ".join(fields)))
    return out
