"""Indicator definitions as FHIR R4 ``Measure`` resources (proportion scoring).

Each shipped indicator is also written to ``fhir_profiles/measures/<id>.json``; a test keeps the
files in step with the definitions. Regenerate them with::

    python -m inclusion_practice.fhir.measure
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fhir.resources.R4B.measure import Measure

from inclusion_practice.fhir.urls import OUR_MEASURE
from inclusion_practice.indicators.definitions import (
    AttributeCriterion,
    CodeList,
    DnaCriterion,
    EventCriterion,
    Indicator,
    IndicatorSet,
    LatestEventCriterion,
    RegisteredInCriterion,
    load_shipped_set,
    shipped_set_names,
)
from inclusion_practice.indicators.verification import limitations

MEASURE_POPULATION = "http://terminology.hl7.org/CodeSystem/measure-population"
MEASURE_SCORING = "http://terminology.hl7.org/CodeSystem/measure-scoring"
IMPROVEMENT = "http://terminology.hl7.org/CodeSystem/measure-improvement-notation"
STRATIFIERS = (
    ("sex", "Sex as recorded"),
    ("age-band", "Age band on the period end: 0-15, 16-24, 25-34, 35-49, 50-64, 65+"),
    ("category", "Inclusion-health category active on the period end (aggregate only)"),
)


def measure_url(indicator_id: str) -> str:
    return f"{OUR_MEASURE}/{indicator_id}"


def _criterion_text(c: Any, lists: dict[str, CodeList]) -> str:
    if isinstance(c, EventCriterion):
        value = ""
        if c.min_value is not None or c.max_value is not None:
            value = f" with value {c.min_value if c.min_value is not None else ''}..{c.max_value if c.max_value is not None else ''}"
        count = f"at least {c.min_count} × (on different days) " if c.min_count > 1 else ""
        return f"{count}{lists[c.codelist].title} [{c.codelist}]{value}, {c.window.describe()}"
    if isinstance(c, LatestEventCriterion):
        return (
            f"latest {lists[c.codelist].title} [{c.codelist}] {c.window.describe()} is "
            f"{lists[c.in_codelist].title} [{c.in_codelist}]"
        )
    if isinstance(c, AttributeCriterion):
        how = " (case-insensitive)" if c.field == "main_language" and c.value is not None else ""
        return f"patient {c.field} {c.op}{'' if c.value is None else ' ' + json.dumps(c.value)}{how}"
    if isinstance(c, DnaCriterion):
        if c.followed_up_within_days is None:
            return f"a missed appointment {c.window.describe()}"
        return (
            f"every missed appointment {c.window.describe()} followed by an outreach action "
            f"({', '.join(c.actions)}) done within {c.followed_up_within_days} days"
        )
    if isinstance(c, RegisteredInCriterion):
        return f"registration started {c.window.describe()}"
    raise TypeError(type(c))


def _criteria(name: str, description: str) -> dict[str, Any]:
    """A CQL-identifier style criteria: the rule in words, the identifier as the expression.

    The R4 schema only admits CQL, FHIRPath or FHIR query here; the executable definition is the
    TOML indicator set, so the expression names the population and the description states it.
    """
    identifier = " ".join(w.capitalize() for w in name.replace("-", " ").split())
    return {"language": "text/cql", "expression": f'"{identifier}"', "description": description}


def _population(code: str, description: str) -> dict[str, Any]:
    return {
        "code": {"coding": [{"system": MEASURE_POPULATION, "code": code}]},
        "description": description,
        "criteria": _criteria(code, description),
    }


def describe_populations(ind: Indicator, lists: dict[str, CodeList]) -> dict[str, str]:
    """Plain-English population criteria (also used in docs)."""
    cats = ind.population.categories
    who = (
        "Registered (permanently, or as a temporary resident or for immediately necessary "
        "treatment) on the period end"
        if ind.population.include_temporary
        else "On the registered list on the period end (temporary residents and immediately "
        "necessary treatment not counted)"
    )
    reg = f"{who} with " + (
        "any active inclusion-health flag" if cats == "any" else f"an active flag: {', '.join(cats)}"
    )
    if ind.population.min_registration_days:
        reg += (
            f", registered at least {ind.population.min_registration_days} days (continuous "
            "registration, across linked records of the same person)"
        )
    den = [reg]
    if ind.denominator.min_age is not None:
        den.append(f"aged {ind.denominator.min_age}+")
    if ind.denominator.max_age is not None:
        den.append(f"aged up to {ind.denominator.max_age}")
    den += [_criterion_text(c, lists) for c in ind.denominator.rules]
    out = {"initial-population": reg, "denominator": "; ".join(den)}
    if ind.numerator is not None:
        joiner = " AND " if ind.numerator.require == "all" else " OR "
        out["numerator"] = joiner.join(_criterion_text(c, lists) for c in ind.numerator.criteria)
        exc = ind.exceptions
        parts = [f"excluded: {_criterion_text(c, lists)}" for c in exc.exclusions]
        parts += [f"unsuitable: {lists[n].title} {exc.window.describe()}" for n in exc.unsuitable]
        parts += [f"declined: {lists[n].title} {exc.window.describe()}" for n in exc.declined]
        if exc.invitations is not None:
            inv = exc.invitations
            parts.append(
                f"did not respond to {inv.count} '{inv.topic}' invitations at least "
                f"{inv.min_gap_days} days apart {inv.window.describe()}"
            )
        if parts:
            out["denominator-exception"] = "Not in the numerator and " + "; or ".join(parts)
    return out


def measure_resource(ind: Indicator, ind_set: IndicatorSet) -> dict[str, Any]:
    """The FHIR ``Measure`` for one indicator (JSON-ready dict, validated by fhir.resources)."""
    lists = dict(ind_set.codelists)
    pops = describe_populations(ind, lists)
    proportion = ind.kind == "proportion"
    sc = ind.scoring
    scoring_note = (
        f" Thresholds {sc.lower}%-{sc.upper}% for up to {sc.max_points} points"
        if sc.lower is not None
        else ""
    )
    money = []
    if sc.per_patient:
        money.append(f"£{sc.per_patient:.2f} per patient")
    if sc.per_event:
        money.append(f"£{sc.per_event:.2f} per event")
    note = scoring_note + ("; " + ", ".join(money) if money else "") + (
        " (placeholders to be agreed with the commissioner)." if sc.placeholder else "."
    )
    limits = limitations(ind, lists)
    limits_note = (" Limitations: " + " ".join(limits)) if limits else ""
    resource: dict[str, Any] = {
        "resourceType": "Measure",
        "id": ind.id,
        "url": measure_url(ind.id),
        "version": ind.version,
        "name": ind.id.replace("-", "_"),
        "title": ind.title,
        "status": "draft" if sc.placeholder else "active",
        "experimental": False,
        "publisher": ind_set.publisher or "Inclusion Practice",
        "description": f"{ind.title}. Part of '{ind_set.title}' ({ind_set.id} {ind_set.version}).{note}{limits_note}",
        "rationale": ind.rationale or ind.title,
        "scoring": {"coding": [{"system": MEASURE_SCORING, "code": "proportion" if proportion else "cohort"}]},
        "improvementNotation": {"coding": [{"system": IMPROVEMENT, "code": "increase"}]},
        "group": [
            {
                "population": [_population(code, text) for code, text in pops.items()],
                "stratifier": [
                    {
                        "code": {"text": code},
                        "description": text,
                        "criteria": _criteria(code, text),
                    }
                    for code, text in STRATIFIERS
                ],
            }
        ],
    }
    Measure.model_validate(resource)
    return resource


def measures_dir() -> Path:
    return Path(__file__).resolve().parents[2] / "fhir_profiles" / "measures"


def shipped_measures() -> dict[str, dict[str, Any]]:
    """``{file name: Measure}`` for every indicator of every shipped set."""
    out: dict[str, dict[str, Any]] = {}
    for name in shipped_set_names():
        s = load_shipped_set(name)
        for ind in s.indicators:
            out[f"{ind.id}.json"] = measure_resource(ind, s)
    return out


def render(resource: dict[str, Any]) -> str:
    return json.dumps(resource, indent=2, ensure_ascii=False) + "\n"


def write_measures(folder: Path | None = None) -> list[Path]:
    """Rewrite ``fhir_profiles/measures`` from the shipped definitions."""
    target = folder or measures_dir()
    target.mkdir(parents=True, exist_ok=True)
    written = []
    wanted = shipped_measures()
    for stale in target.glob("*.json"):
        if stale.name not in wanted:
            stale.unlink()
    for fname, res in wanted.items():
        path = target / fname
        path.write_text(render(res), encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":  # pragma: no cover - developer tool
    for p in write_measures():
        print(p)
