"""The return's indicator results as a FHIR R4 ``collection`` Bundle of ``MeasureReport``s.

Built with the indicator engine's own mapping (:mod:`inclusion_practice.fhir.measure_report`),
one summary report per indicator with its strata. For a quarterly return the Bundle holds the
quarter's reports and the year-to-date reports. The timestamp is the return's creation moment
(``--creation-date``), so the same data and creation date give the same Bundle. The Bundle always
carries exact counts: it is for the commissioner's systems and is never produced for a
publishable return.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from inclusion_practice.errors import InvalidInput
from inclusion_practice.fhir.measure_report import measure_report, set_bundle
from reports.figures import ReturnFigures


def fhir_bundle(figures: ReturnFigures, generated_at: dt.datetime | None = None) -> dict[str, Any]:
    """A ``collection`` Bundle with one ``MeasureReport`` per indicator and period.

    ``generated_at`` stamps the Bundle; by default the return's creation moment
    (``--creation-date``), the same one the PDF and "produced on" use."""
    if figures.publishable:
        raise InvalidInput(
            "fhir",
            "the FHIR Bundle carries exact counts for the commissioner; it is not produced for a "
            "publishable return",
        )
    if not figures.engine_results:
        raise InvalidInput("fhir", "this return holds no indicator results to report")
    generated = generated_at if generated_at is not None else figures.created_at
    reports = []
    for result in figures.engine_results:
        for r in result.results:
            report = measure_report(
                r,
                result.period.start.isoformat(),
                result.period.end.isoformat(),
                ods_code=figures.practice.ods_code,
                practice_name=figures.practice.name,
                generated_at=generated,
            )
            # Quarter and year to date end on the same day: keep the ids unique.
            report["id"] = f"{r.indicator_id}-{result.period.start.isoformat()}-{result.period.end.isoformat()}"
            reports.append(report)
    return set_bundle(reports, generated)


def to_fhir_json(figures: ReturnFigures, generated_at: dt.datetime | None = None) -> str:
    return json.dumps(fhir_bundle(figures, generated_at), indent=2, ensure_ascii=False) + "\n"


def write_fhir(figures: ReturnFigures, path: Path, generated_at: dt.datetime | None = None) -> None:
    path.write_bytes(to_fhir_json(figures, generated_at).encode("utf-8"))
