"""FHIR R4 Flag from and to inclusion-health flags and reasonable adjustments (UK Core Flag).

An inclusion-health flag: ``category`` carries HL7's ``social`` plus our inclusion-health
category code; ``code`` the SNOMED concept (when one exists) and our category or subcategory
code; ``period`` its start and end; ``author`` the user who recorded it. Restricted categories are
labelled ``meta.security`` = R (restricted): receivers must apply the same rule. Export for a
role goes through the library's role filter first, so a receptionist's export never contains one.

A reasonable adjustment is a Flag with NHS England's RA flag category (001–011), the SNOMED code
where one exists and our adjustment kind.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from fhir.resources.R4B.flag import Flag as FhirFlag

from inclusion_practice.domain.patient_record import AdjustmentRecord, FlagRecord, FlagSource
from inclusion_practice.fhir import urls

Json = dict[str, Any]

CS_FLAG_CATEGORY = "http://terminology.hl7.org/CodeSystem/flag-category"
CS_CONFIDENTIALITY = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality"
CS_RA_FLAG_CATEGORY = "https://fhir.nhs.uk/England/CodeSystem/RA-FlagCategory"
CS_ADJUSTMENT_KIND = f"{urls.OUR_CS}/adjustment-kind"
CS_FLAG_SOURCE = f"{urls.OUR_CS}/flag-source"
EXT_FLAG_REVIEW_DATE = f"{urls.OUR_SD}/Extension-FlagReviewDate"
EXT_FLAG_SOURCE = f"{urls.OUR_SD}/Extension-FlagSource"
EXT_FLAG_END_REASON = f"{urls.OUR_SD}/Extension-FlagEndReason"
EXT_ADJUSTMENT_DETAIL = f"{urls.OUR_SD}/Extension-AdjustmentDetail"
ID_FLAG = f"{urls.OUR_ID}/flag"
ID_ADJUSTMENT = f"{urls.OUR_ID}/adjustment"
ID_USER = f"{urls.OUR_ID}/user"


def _find(exts: list[Json] | None, url: str) -> Json | None:
    return next((e for e in exts or [] if e.get("url") == url), None)


def _period(start: dt.date, end: dt.date | None) -> Json:
    out: Json = {"start": start.isoformat()}
    if end is not None:
        out["end"] = end.isoformat()
    return out


def _status(end: dt.date | None, today: dt.date | None) -> str:
    if end is None:
        return "active"
    return "active" if today is not None and end >= today else "inactive"


def _dump(resource: Json) -> Json:
    out: Json = json.loads(FhirFlag.model_validate(resource).model_dump_json(exclude_none=True))
    return out


def flag_to_fhir(flag: FlagRecord, *, today: dt.date | None = None) -> Json:
    """An inclusion-health flag → UK Core Flag JSON."""
    code_codings: list[Json] = []
    if flag.snomed_code:
        code_codings.append({"system": urls.SNOMED, "code": flag.snomed_code})
    code_codings.append({"system": urls.CS_INCLUSION_HEALTH_CATEGORY,
                         "code": flag.subcategory or flag.category})
    ext: list[Json] = [
        {"url": EXT_FLAG_SOURCE, "valueCoding": {"system": CS_FLAG_SOURCE, "code": flag.source.value}}
    ]
    if flag.review:
        ext.append({"url": EXT_FLAG_REVIEW_DATE, "valueDate": flag.review.isoformat()})
    if flag.end_reason:
        ext.append({"url": EXT_FLAG_END_REASON, "valueString": flag.end_reason})
    resource: Json = {
        "resourceType": "Flag",
        "extension": ext,
        "status": _status(flag.end, today),
        "category": [
            {"coding": [{"system": CS_FLAG_CATEGORY, "code": "social", "display": "Social"}]},
            {"coding": [{"system": urls.CS_INCLUSION_HEALTH_CATEGORY, "code": flag.category,
                         **({"display": flag.label} if flag.label else {})}]},
        ],
        "code": {"coding": code_codings, "text": flag.label or flag.category},
        "subject": {"reference": f"Patient/{flag.patient_id}"},
        "period": _period(flag.start, flag.end),
        "author": {"identifier": {"system": ID_USER, "value": flag.recorded_by},
                   "display": flag.recorded_by},
    }
    if flag.id is not None:
        resource["id"] = f"flag-{flag.id}"
        resource["identifier"] = [{"system": ID_FLAG, "value": str(flag.id)}]
    if flag.restricted:
        resource["meta"] = {"security": [{"system": CS_CONFIDENTIALITY, "code": "R",
                                          "display": "restricted"}]}
    return _dump(resource)


def _patient_id(data: Json) -> int:
    ref = (data.get("subject") or {}).get("reference") or ""
    if not ref.startswith("Patient/") or not ref[8:].isdigit():
        raise ValueError(f"Flag.subject {ref!r} is not Patient/<id>")
    return int(ref[8:])


def flag_from_fhir(resource: Json | FhirFlag) -> FlagRecord:
    """A Flag we emitted (or one shaped like it) → an inclusion-health flag."""
    model = resource if isinstance(resource, FhirFlag) else FhirFlag.model_validate(resource)
    data: Json = json.loads(model.model_dump_json(exclude_none=True))
    category = None
    label = ""
    for cc in data.get("category") or []:
        for c in cc.get("coding") or []:
            if c.get("system") == urls.CS_INCLUSION_HEALTH_CATEGORY:
                category = c.get("code")
                label = c.get("display") or ""
    if category is None:
        raise ValueError("Flag.category has no inclusion-health category")
    codings = (data.get("code") or {}).get("coding") or []
    snomed = next((c.get("code") for c in codings if c.get("system") == urls.SNOMED), None)
    ours = next((c.get("code") for c in codings
                 if c.get("system") == urls.CS_INCLUSION_HEALTH_CATEGORY), None)
    ext = data.get("extension") or []
    source = ((_find(ext, EXT_FLAG_SOURCE) or {}).get("valueCoding") or {}).get("code")
    review = (_find(ext, EXT_FLAG_REVIEW_DATE) or {}).get("valueDate")
    period = data.get("period") or {}
    ident = next((i.get("value") for i in data.get("identifier") or []
                  if i.get("system") == ID_FLAG), None)
    author = data.get("author") or {}
    security = (data.get("meta") or {}).get("security") or []
    return FlagRecord(
        id=int(ident) if ident else None,
        patient_id=_patient_id(data),
        category=category,
        subcategory=ours if ours and ours != category else None,
        snomed_code=snomed,
        start=dt.date.fromisoformat(period["start"][:10]),
        end=dt.date.fromisoformat(period["end"][:10]) if period.get("end") else None,
        review=dt.date.fromisoformat(review) if review else None,
        source=FlagSource(source) if source else FlagSource.IMPORTED,
        recorded_by=(author.get("identifier") or {}).get("value") or author.get("display") or "",
        end_reason=(_find(ext, EXT_FLAG_END_REASON) or {}).get("valueString"),
        restricted=any(s.get("code") == "R" for s in security),
        label=label,
    )


def adjustment_to_fhir(adj: AdjustmentRecord, *, today: dt.date | None = None) -> Json:
    """A reasonable adjustment → a Flag with the NHS RA flag category."""
    from inclusion_practice.domain.adjustments import RA_CATEGORIES

    codings: list[Json] = []
    if adj.snomed_code:
        codings.append({"system": urls.SNOMED, "code": adj.snomed_code})
    codings.append({"system": CS_ADJUSTMENT_KIND, "code": adj.kind})
    resource: Json = {
        "resourceType": "Flag",
        "status": _status(adj.end, today),
        "category": [{"coding": [{"system": CS_RA_FLAG_CATEGORY, "code": adj.ra_category,
                                  "display": RA_CATEGORIES.get(adj.ra_category, "")}]}],
        "code": {"coding": codings, "text": adj.detail or adj.kind.replace("_", " ")},
        "subject": {"reference": f"Patient/{adj.patient_id}"},
        "period": _period(adj.start, adj.end),
        "author": {"identifier": {"system": ID_USER, "value": adj.recorded_by},
                   "display": adj.recorded_by},
    }
    if adj.detail:
        resource["extension"] = [{"url": EXT_ADJUSTMENT_DETAIL, "valueString": adj.detail}]
    if adj.id is not None:
        resource["id"] = f"adjustment-{adj.id}"
        resource["identifier"] = [{"system": ID_ADJUSTMENT, "value": str(adj.id)}]
    return _dump(resource)


def adjustment_from_fhir(resource: Json | FhirFlag) -> AdjustmentRecord:
    model = resource if isinstance(resource, FhirFlag) else FhirFlag.model_validate(resource)
    data: Json = json.loads(model.model_dump_json(exclude_none=True))
    ra = None
    for cc in data.get("category") or []:
        for c in cc.get("coding") or []:
            if c.get("system") == CS_RA_FLAG_CATEGORY:
                ra = c.get("code")
    codings = (data.get("code") or {}).get("coding") or []
    kind = next((c.get("code") for c in codings if c.get("system") == CS_ADJUSTMENT_KIND), None)
    if ra is None or kind is None:
        raise ValueError("not a reasonable-adjustment Flag (no RA category or adjustment kind)")
    period = data.get("period") or {}
    ident = next((i.get("value") for i in data.get("identifier") or []
                  if i.get("system") == ID_ADJUSTMENT), None)
    author = data.get("author") or {}
    return AdjustmentRecord(
        id=int(ident) if ident else None,
        patient_id=_patient_id(data),
        kind=kind,
        ra_category=ra,
        snomed_code=next((c.get("code") for c in codings if c.get("system") == urls.SNOMED), None),
        detail=(_find(data.get("extension"), EXT_ADJUSTMENT_DETAIL) or {}).get("valueString"),
        start=dt.date.fromisoformat(period["start"][:10]),
        end=dt.date.fromisoformat(period["end"][:10]) if period.get("end") else None,
        recorded_by=(author.get("identifier") or {}).get("value") or author.get("display") or "",
    )


def is_adjustment(resource: Json) -> bool:
    return any(
        c.get("system") == CS_RA_FLAG_CATEGORY
        for cc in resource.get("category") or [] for c in cc.get("coding") or []
    )
