"""Indicator results as FHIR R4 ``MeasureReport`` resources.

``summary`` reports carry counts per population (initial-population, denominator,
denominator-exception, numerator), the score A/(B−C) as a proportion, and strata by sex, age
band and inclusion-health category. ``subject-list`` reports also point each population at a
contained ``List`` of the patients in it. ``measure`` is the indicator's canonical URL; the
reporter is the practice by ODS code. A set is returned as a ``collection`` Bundle.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from typing import Any, Literal
from zoneinfo import ZoneInfo

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.measurereport import MeasureReport

from inclusion_practice.domain.qof import Counts
from inclusion_practice.fhir.measure import IMPROVEMENT, MEASURE_POPULATION, measure_url
from inclusion_practice.fhir.urls import OUR_SD
from inclusion_practice.indicators.results import PatientOutcome

ODS_SYSTEM = "https://fhir.nhs.uk/Id/ods-organization-code"
EXT_POINTS = f"{OUR_SD}/measurereport-qof-points"
EXT_PAYMENT = f"{OUR_SD}/measurereport-payment-gbp"
EXT_WITHHELD = f"{OUR_SD}/list-withheld-count"
"""On a subject List: how many of the population's patients are held back from the reader."""
LIST_EMPTY_REASON = "http://terminology.hl7.org/CodeSystem/list-empty-reason"
ReportType = Literal["summary", "subject-list"]
PRACTICE_TZ = ZoneInfo("Europe/London")


def fhir_datetime(when: dt.datetime) -> str:
    """FHIR dateTime/instant with an offset; the practice's naive times are UK local time."""
    aware = when if when.tzinfo else when.replace(tzinfo=PRACTICE_TZ)
    return aware.isoformat(timespec="seconds")


class _Result:
    """The bits of a service IndicatorResult this module reads (kept structural on purpose)."""

    indicator_id: str
    counts: Counts
    points: float
    payment: float
    kind: str
    by_sex: dict[str, Counts]
    by_age_band: dict[str, Counts]
    by_category: dict[str, Counts]


def _populations(c: Counts, kind: str) -> list[dict[str, Any]]:
    pops = [("initial-population", c.denominator)]
    if kind == "proportion":
        pops += [
            ("denominator", c.denominator),
            ("denominator-exception", c.exceptions),
            ("numerator", c.numerator),
        ]
    return [
        {"code": {"coding": [{"system": MEASURE_POPULATION, "code": code}]}, "count": count}
        for code, count in pops
    ]


def _score(c: Counts) -> dict[str, Any] | None:
    ach = c.achievement
    return None if ach is None else {"value": round(ach / 100, 4)}


def _stratifier(name: str, strata: Mapping[str, Counts], kind: str) -> dict[str, Any]:
    out = []
    for value in sorted(strata):
        s = strata[value]
        stratum: dict[str, Any] = {"value": {"text": value}, "population": _populations(s, kind)}
        score = _score(s)
        if score is not None and kind == "proportion":
            stratum["measureScore"] = score
        out.append(stratum)
    return {"code": [{"text": name}], "stratum": out} if out else {"code": [{"text": name}]}


def measure_report(
    result: Any,
    period_start: str,
    period_end: str,
    *,
    ods_code: str,
    practice_name: str,
    generated_at: dt.datetime,
    report_type: ReportType = "summary",
    outcomes: Sequence[PatientOutcome] | None = None,
) -> dict[str, Any]:
    """One indicator's ``MeasureReport``. ``outcomes`` are needed for ``subject-list``."""
    r: _Result = result
    group: dict[str, Any] = {"population": _populations(r.counts, r.kind)}
    score = _score(r.counts)
    if score is not None and r.kind == "proportion":
        group["measureScore"] = score
    group["stratifier"] = [
        _stratifier("sex", r.by_sex, r.kind),
        _stratifier("age-band", r.by_age_band, r.kind),
        _stratifier("category", r.by_category, r.kind),
    ]
    report: dict[str, Any] = {
        "resourceType": "MeasureReport",
        "id": f"{r.indicator_id}-{period_end}",
        "extension": [
            {"url": EXT_POINTS, "valueDecimal": r.points},
            {"url": EXT_PAYMENT, "valueDecimal": r.payment},
        ],
        "status": "complete",
        "type": report_type,
        "measure": measure_url(r.indicator_id),
        "date": fhir_datetime(generated_at),
        "reporter": {"identifier": {"system": ODS_SYSTEM, "value": ods_code}, "display": practice_name},
        "period": {"start": period_start, "end": period_end},
        "improvementNotation": {"coding": [{"system": IMPROVEMENT, "code": "increase"}]},
        "group": [group],
    }
    if report_type == "subject-list":
        if outcomes is None:
            raise ValueError("a subject-list report needs the patient outcomes")
        members = {
            "initial-population": [o.patient_id for o in outcomes],
            "denominator": [o.patient_id for o in outcomes],
            "denominator-exception": [o.patient_id for o in outcomes if o.exception is not None],
            "numerator": [o.patient_id for o in outcomes if o.numerator],
        }
        contained = []
        for pop in group["population"]:
            code = pop["code"]["coding"][0]["code"]
            list_id = f"list-{code}"
            entries = [{"item": {"reference": f"Patient/{pid}"}} for pid in members[code]]
            # The count is everyone; the outcomes are what the reader's role may see (the
            # service leaves out patients on the register only through a restricted category).
            withheld = int(pop["count"]) - len(entries)
            lst: dict[str, Any] = {
                "resourceType": "List",
                "id": list_id,
                "status": "current",
                "mode": "snapshot",
                "title": f"{r.indicator_id} {code}",
            }
            if withheld > 0:
                lst["extension"] = [{"url": EXT_WITHHELD, "valueUnsignedInt": withheld}]
            if entries:
                lst["entry"] = entries
            elif withheld > 0:  # empty because held back: say so (never "nil known")
                lst["emptyReason"] = {
                    "coding": [{"system": LIST_EMPTY_REASON, "code": "withheld",
                                "display": "Information Withheld"}]
                }
            contained.append(lst)
            pop["subjectResults"] = {"reference": f"#{list_id}"}
        report["contained"] = contained
    MeasureReport.model_validate(report)
    return report


def set_bundle(reports: Sequence[dict[str, Any]], generated_at: dt.datetime) -> dict[str, Any]:
    """All of a set's reports in one ``collection`` Bundle."""
    when = fhir_datetime(generated_at)
    bundle = {
        "resourceType": "Bundle",
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, "|".join(r["id"] for r in reports) + when)),
        "type": "collection",
        "timestamp": when,
        "entry": [
            {"fullUrl": f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, r['id'] + when)}", "resource": r}
            for r in reports
        ],
    }
    Bundle.model_validate(bundle)
    return bundle
