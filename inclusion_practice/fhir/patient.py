"""FHIR R4 Patient from and to our patient record, following UK Core.

UK Core parts: the NHS number identifier with its verification-status extension (01–08), the
NHS-number-unavailable-reason extension when there is none, the core
``patient-interpreterRequired`` extension, BCP-47 ``communication.language``, the ethnic-category
and contact-preference extensions. UK Core has no convention for no fixed abode or care-of
addresses, so ours (documented in ``docs/registration.md``) is:

- ``address`` with ``use = home``, ``type = physical`` is the **usual residence**. No fixed abode:
  postcode ``ZZ99 3VZ``, no lines, and ``http://hl7.org/fhir/StructureDefinition/no-fixed-address``
  = true. Unknown: postcode ``ZZ99 3WZ``. When letters also go there, ``type = both``.
- A second ``address`` with ``type = postal`` is the **correspondence address**, carrying our
  correspondence-kind extension (practice | partner | care_of | temporary); lines start
  ``c/o <organisation>`` for the practice and partners; a partner also carries its code; the
  practice address carries the date the patient agreed to check in for post; a temporary
  address has ``use = temp`` and a ``period``.
- ``Patient.extension`` correspondence-kind always says where letters go (``none`` = collect at
  reception) so a receiver never guesses from the addresses alone.

Everything we store survives ``patient_to_fhir`` → ``patient_from_fhir`` unchanged (a
hypothesis test checks it).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from fhir.resources.R4B.patient import Patient as FhirPatient

from inclusion_practice.config import PracticeConfig
from inclusion_practice.domain.addresses import (
    Addresses,
    ContactDetails,
    ContactRoute,
    CorrespondenceKind,
)
from inclusion_practice.domain.communication import Communication, InterpreterGender
from inclusion_practice.domain.interpreters import InterpreterMode
from inclusion_practice.domain.languages import interpreter_needed_code as _interp_code
from inclusion_practice.domain.languages import language_name, main_spoken_language_code
from inclusion_practice.domain.nhs_number import UnavailableReason, VerificationStatus
from inclusion_practice.domain.patient_record import ETHNIC_CATEGORIES_ENGLAND, PatientRecord, Sex
from inclusion_practice.domain.postcode import NO_FIXED_ABODE
from inclusion_practice.domain.registration import (
    DeregistrationReason,
    RegistrationKind,
    RegistrationPeriod,
)
from inclusion_practice.fhir import urls

Json = dict[str, Any]

EXT_BIRTH_DATE_ESTIMATED = f"{urls.OUR_SD}/Extension-BirthDateEstimated"
EXT_CORRESPONDENCE_KIND = f"{urls.OUR_SD}/Extension-CorrespondenceKind"
EXT_CARE_OF_PARTNER = f"{urls.OUR_SD}/Extension-CareOfPartner"
EXT_POST_CHECK_AGREED = f"{urls.OUR_SD}/Extension-PostCheckAgreed"
EXT_CONTACT_ROUTE = f"{urls.OUR_SD}/Extension-ContactRoute"
EXT_KEYWORKER = f"{urls.OUR_SD}/Extension-Keyworker"
EXT_INTERPRETER_PREFERENCE = f"{urls.OUR_SD}/Extension-InterpreterPreference"
EXT_DIALECT = f"{urls.OUR_SD}/Extension-Dialect"
EXT_NHS_NUMBER_TRACE_STATUS = f"{urls.OUR_SD}/Extension-NHSNumberTraceStatus"
"""A verification status recorded while there is no number (03, 04, 06, 07, 08): UK Core puts
the status on the identifier, which needs a value."""
EXT_REGISTRATION = f"{urls.OUR_SD}/Extension-Registration"
EXT_ETHNIC_CATEGORY = f"{urls.UKCORE_SD}/Extension-UKCore-EthnicCategory"
CS_ETHNIC_CATEGORY = f"{urls.UKCORE_CS}/UKCore-EthnicCategoryEngland"
CS_PREFERRED_CONTACT_METHOD = f"{urls.UKCORE_CS}/UKCore-PreferredContactMethod"
CS_CONTACT_ROUTE = f"{urls.OUR_CS}/contact-route"
CS_REGISTRATION_END_REASON = f"{urls.OUR_CS}/registration-end-reason"
CS_V2_RELATIONSHIP = "http://terminology.hl7.org/CodeSystem/v2-0131"
ID_PATIENT = f"{urls.OUR_ID}/patient"
ID_REGISTRATION = f"{urls.OUR_ID}/registration"
ID_PARTNER = f"{urls.OUR_ID}/partner"

PREFERRED_CONTACT_METHOD: dict[ContactRoute, tuple[str, str]] = {
    ContactRoute.PHONE: ("3", "Telephone"),
    ContactRoute.SMS: ("9", "SMS"),
    ContactRoute.EMAIL: ("4", "E-mail"),
    ContactRoute.KEYWORKER: ("6", "Telephone contact via proxy"),
    ContactRoute.HOSTEL: ("6", "Telephone contact via proxy"),
}
"""Our contact routes that have a UK Core PreferredContactMethod code; the others (reception,
no letters) are carried by our contact-route extension only."""


def _coding(system: str, code: str, display: str | None = None) -> Json:
    out: Json = {"system": system, "code": code}
    if display:
        out["display"] = display
    return out


def _ext(url: str, **value: Any) -> Json:
    return {"url": url, **value}


def _find(exts: list[Json] | None, url: str) -> Json | None:
    return next((e for e in exts or [] if e.get("url") == url), None)


def _registration_ext(p: RegistrationPeriod) -> Json:
    parts: list[Json] = [
        _ext("type", valueCoding=_coding(urls.CS_REGISTRATION_TYPE, p.kind.value,
                                         p.kind.label.capitalize())),
        _ext("period", valuePeriod={"start": p.start.isoformat(),
                                    **({"end": p.end.isoformat()} if p.end else {})}),
    ]
    if p.planned_end:
        parts.append(_ext("plannedEnd", valueDate=p.planned_end.isoformat()))
    if p.end_reason:
        parts.append(_ext("endReason", valueCoding=_coding(CS_REGISTRATION_END_REASON,
                                                           p.end_reason.value)))
    if p.end_detail:
        parts.append(_ext("endDetail", valueString=p.end_detail))
    if p.id is not None:
        parts.append(_ext("identifier", valueIdentifier={"system": ID_REGISTRATION,
                                                         "value": str(p.id)}))
    return _ext(EXT_REGISTRATION, extension=parts)


def _partner_lines(config: PracticeConfig | None, code: str) -> tuple[str, list[str], str | None]:
    partner = config.partner(code) if config else None
    if partner is None:
        return code, [f"c/o {code}"], None
    return partner.name, [f"c/o {partner.name}", *partner.address.lines], partner.address.postcode


def _addresses(a: Addresses, config: PracticeConfig | None) -> list[Json]:
    out: list[Json] = []
    if a.usual_lines or a.usual_postcode:
        usual: Json = {
            "use": "home",
            "type": "both" if a.correspondence_kind is CorrespondenceKind.USUAL else "physical",
        }
        if a.no_fixed_abode:
            usual["extension"] = [_ext(urls.EXT_NO_FIXED_ADDRESS, valueBoolean=True)]
            usual["text"] = "No fixed abode"
        if a.usual_lines:
            usual["line"] = list(a.usual_lines)
        if a.usual_postcode:
            usual["postalCode"] = a.usual_postcode
        out.append(usual)
    kind = a.correspondence_kind
    if kind in (CorrespondenceKind.USUAL, CorrespondenceKind.NONE):
        return out
    post: Json = {"type": "postal", "extension": [
        _ext(EXT_CORRESPONDENCE_KIND, valueCoding=_coding(urls.CS_CORRESPONDENCE_KIND, kind.value))
    ]}
    if kind is CorrespondenceKind.PRACTICE:
        name = config.practice.name if config else "the practice"
        post["line"] = [f"c/o {name}", *(config.practice.address.lines if config else [])]
        if config:
            post["postalCode"] = config.practice.address.postcode
        post["text"] = f"Care of {name} (patient checks in for post)"
        if a.post_check_agreed_on:
            post["extension"].append(
                _ext(EXT_POST_CHECK_AGREED, valueDate=a.post_check_agreed_on.isoformat())
            )
    elif kind is CorrespondenceKind.PARTNER:
        assert a.correspondence_partner is not None
        name, lines, postcode = _partner_lines(config, a.correspondence_partner)
        post["line"] = lines
        if postcode:
            post["postalCode"] = postcode
        post["text"] = f"Care of {name}"
        post["extension"].append(
            _ext(EXT_CARE_OF_PARTNER,
                 valueIdentifier={"system": ID_PARTNER, "value": a.correspondence_partner})
        )
    else:
        post["line"] = list(a.correspondence_lines)
        if a.correspondence_postcode:
            post["postalCode"] = a.correspondence_postcode
        if kind is CorrespondenceKind.TEMPORARY:
            post["use"] = "temp"
            period: Json = {}
            if a.correspondence_from:
                period["start"] = a.correspondence_from.isoformat()
            if a.correspondence_to:
                period["end"] = a.correspondence_to.isoformat()
            if period:
                post["period"] = period
    out.append(post)
    return out


def patient_to_fhir(
    record: PatientRecord, config: PracticeConfig | None = None, *, today: dt.date | None = None
) -> Json:
    """Our record → a UK Core Patient as JSON (validated by ``fhir.resources`` on the way)."""
    ext: list[Json] = []
    identifiers: list[Json] = []
    if record.nhs_number:
        ident: Json = {"system": urls.NHS_NUMBER_SYSTEM, "value": record.nhs_number}
        if record.nhs_number_status:
            st = record.nhs_number_status
            ident["extension"] = [_ext(
                urls.EXT_NHS_NUMBER_VERIFICATION,
                valueCodeableConcept={"coding": [_coding(urls.CS_NHS_NUMBER_VERIFICATION,
                                                         st.value, st.display)]},
            )]
        identifiers.append(ident)
    else:
        if record.nhs_number_unavailable_reason:
            r = record.nhs_number_unavailable_reason
            ext.append(_ext(
                urls.EXT_NHS_NUMBER_UNAVAILABLE,
                valueCodeableConcept={"coding": [_coding(urls.CS_NHS_NUMBER_UNAVAILABLE,
                                                         r.value, r.display)]},
            ))
        if record.nhs_number_status:
            st = record.nhs_number_status
            ext.append(_ext(
                EXT_NHS_NUMBER_TRACE_STATUS,
                valueCodeableConcept={"coding": [_coding(urls.CS_NHS_NUMBER_VERIFICATION,
                                                         st.value, st.display)]},
            ))
    if record.id is not None:
        identifiers.append({"system": ID_PATIENT, "value": str(record.id)})

    comm = record.communication
    if comm.main_language is not None:
        ext.append(_ext(urls.EXT_INTERPRETER_REQUIRED, valueBoolean=comm.interpreter_needed))
    prefs: list[Json] = []
    if comm.interpreter_mode:
        prefs.append(_ext("mode", valueCoding=_coding(urls.CS_INTERPRETER_MODE,
                                                      comm.interpreter_mode.value)))
    if comm.interpreter_gender:
        prefs.append(_ext("gender", valueCode=comm.interpreter_gender.value))
    if comm.no_family_interpreter:
        prefs.append(_ext("noFamilyOrFriends", valueBoolean=True))
    if comm.interpreter_needed:
        code = _interp_code(comm.main_language)
        prefs.append(_ext("need", valueCodeableConcept={"coding": [_coding(urls.SNOMED, code)]}))
    if prefs:
        ext.append(_ext(EXT_INTERPRETER_PREFERENCE, extension=prefs))

    ext.append(_ext(
        EXT_CORRESPONDENCE_KIND,
        valueCoding=_coding(urls.CS_CORRESPONDENCE_KIND, record.addresses.correspondence_kind.value),
    ))
    contact = record.contact
    if contact.route:
        ext.append(_ext(EXT_CONTACT_ROUTE, valueCoding=_coding(CS_CONTACT_ROUTE, contact.route.value)))
        if contact.route in PREFERRED_CONTACT_METHOD:
            code, display = PREFERRED_CONTACT_METHOD[contact.route]
            ext.append(_ext(urls.EXT_CONTACT_PREFERENCE, extension=[_ext(
                "PreferredContactMethod",
                valueCodeableConcept={"coding": [_coding(CS_PREFERRED_CONTACT_METHOD, code, display)]},
            )]))
    if record.ethnicity_code:
        ext.append(_ext(EXT_ETHNIC_CATEGORY, valueCodeableConcept={"coding": [_coding(
            CS_ETHNIC_CATEGORY, record.ethnicity_code,
            ETHNIC_CATEGORIES_ENGLAND.get(record.ethnicity_code),
        )]}))
    ext.extend(_registration_ext(p) for p in record.registrations)

    name: Json = {"use": "official", "family": record.family_name, "given": [record.given_name]}
    if record.title:
        name["prefix"] = [record.title]
    resource: Json = {
        "resourceType": "Patient",
        "extension": ext,
        "name": [name],
        "gender": record.sex.value,
        "birthDate": record.date_of_birth.isoformat(),
    }
    if record.id is not None:
        resource["id"] = str(record.id)
    if identifiers:
        resource["identifier"] = identifiers
    if record.dob_estimated:
        resource["_birthDate"] = {"extension": [_ext(EXT_BIRTH_DATE_ESTIMATED, valueBoolean=True)]}
    if today is not None:
        resource["active"] = record.registered_on(today)
    telecom: list[Json] = []
    if contact.phone:
        tp: Json = {"system": "phone", "value": contact.phone}
        if contact.route in (ContactRoute.PHONE, ContactRoute.SMS):
            tp["rank"] = 1
        if contact.route is ContactRoute.SMS:
            tp["use"] = "mobile"
        telecom.append(tp)
    if contact.email:
        te: Json = {"system": "email", "value": contact.email}
        if contact.route is ContactRoute.EMAIL:
            te["rank"] = 1
        telecom.append(te)
    if telecom:
        resource["telecom"] = telecom
    addresses = _addresses(record.addresses, config)
    if addresses:
        resource["address"] = addresses
    if contact.keyworker_name or contact.keyworker_phone or contact.keyworker_partner:
        kw: Json = {
            "extension": [_ext(EXT_KEYWORKER, valueBoolean=True)],
            "relationship": [{"coding": [_coding(CS_V2_RELATIONSHIP, "CP", "Contact person")],
                              "text": "Keyworker"}],
        }
        if contact.keyworker_name:
            kw["name"] = {"text": contact.keyworker_name}
        if contact.keyworker_phone:
            kw["telecom"] = [{"system": "phone", "value": contact.keyworker_phone}]
        if contact.keyworker_partner:
            partner = config.partner(contact.keyworker_partner) if config else None
            org: Json = {"identifier": {"system": ID_PARTNER, "value": contact.keyworker_partner}}
            if partner:
                org["display"] = partner.name
            kw["organization"] = org
        resource["contact"] = [kw]
    if comm.main_language is not None:
        codings = [_coding(urls.BCP47, comm.main_language, language_name(comm.main_language))]
        snomed = main_spoken_language_code(comm.main_language)
        if snomed:
            codings.append(_coding(urls.SNOMED, snomed))
        entry: Json = {"language": {"coding": codings}, "preferred": True}
        if comm.dialect:
            entry["extension"] = [_ext(EXT_DIALECT, valueString=comm.dialect)]
            entry["language"]["text"] = f"{language_name(comm.main_language)} ({comm.dialect})"
        resource["communication"] = [entry]
    if record.linked_to_id is not None:
        resource["link"] = [{"other": {"reference": f"Patient/{record.linked_to_id}"},
                             "type": "seealso"}]
    if not resource["extension"]:
        del resource["extension"]
    model = FhirPatient.model_validate(resource)
    out: Json = json.loads(model.model_dump_json(exclude_none=True))
    return out


def _date(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text[:10]) if text else None


def _code_of(ext: Json | None, key: str = "valueCoding") -> str | None:
    if ext is None:
        return None
    if key == "valueCodeableConcept":
        codings = (ext.get(key) or {}).get("coding") or []
        return codings[0].get("code") if codings else None
    value = ext.get(key) or {}
    return value.get("code") if isinstance(value, dict) else None


def _registration_from(ext: Json) -> RegistrationPeriod:
    parts = ext.get("extension") or []
    kind = _code_of(_find(parts, "type"))
    period = (_find(parts, "period") or {}).get("valuePeriod") or {}
    planned = (_find(parts, "plannedEnd") or {}).get("valueDate")
    reason = _code_of(_find(parts, "endReason"))
    detail = (_find(parts, "endDetail") or {}).get("valueString")
    ident = ((_find(parts, "identifier") or {}).get("valueIdentifier") or {}).get("value")
    start = _date(period.get("start"))
    assert kind is not None and start is not None
    return RegistrationPeriod(
        kind=RegistrationKind(kind), start=start, planned_end=_date(planned),
        end=_date(period.get("end")),
        end_reason=DeregistrationReason(reason) if reason else None,
        end_detail=detail, id=int(ident) if ident else None,
    )


def patient_from_fhir(resource: Json | FhirPatient) -> PatientRecord:
    """A UK Core Patient (ours or a close cousin) → our record."""
    model = (
        resource if isinstance(resource, FhirPatient) else FhirPatient.model_validate(resource)
    )
    data: Json = json.loads(model.model_dump_json(exclude_none=True))
    ext = data.get("extension") or []
    identifiers = data.get("identifier") or []
    nhs_ident = next((i for i in identifiers if i.get("system") == urls.NHS_NUMBER_SYSTEM), None)
    local = next((i for i in identifiers if i.get("system") == ID_PATIENT), None)
    status_code = None
    if nhs_ident is not None:
        status_code = _code_of(
            _find(nhs_ident.get("extension"), urls.EXT_NHS_NUMBER_VERIFICATION),
            "valueCodeableConcept",
        )
    else:
        status_code = _code_of(_find(ext, EXT_NHS_NUMBER_TRACE_STATUS), "valueCodeableConcept")
    unavailable = _code_of(_find(ext, urls.EXT_NHS_NUMBER_UNAVAILABLE), "valueCodeableConcept")
    name = (data.get("name") or [{}])[0]
    given = " ".join(name.get("given") or [])
    estimated = bool(
        (_find((data.get("_birthDate") or {}).get("extension"), EXT_BIRTH_DATE_ESTIMATED) or {})
        .get("valueBoolean")
    )
    # Addresses
    addresses = data.get("address") or []
    usual = next((a for a in addresses if a.get("use") == "home" and a.get("type") != "postal"), None)
    post = next((a for a in addresses if a.get("type") == "postal"), None)
    kind_code = _code_of(_find(ext, EXT_CORRESPONDENCE_KIND))
    kind = CorrespondenceKind(kind_code) if kind_code else (
        CorrespondenceKind.USUAL if usual and usual.get("type") == "both" else CorrespondenceKind.NONE
    )
    nfa = bool(usual and (_find(usual.get("extension"), urls.EXT_NO_FIXED_ADDRESS) or {})
               .get("valueBoolean")) or bool(usual and usual.get("postalCode") == NO_FIXED_ABODE)
    partner = None
    c_lines: tuple[str, ...] = ()
    c_post = None
    c_from = c_to = agreed = None
    if post is not None:
        partner = ((_find(post.get("extension"), EXT_CARE_OF_PARTNER) or {})
                   .get("valueIdentifier") or {}).get("value")
        agreed = _date((_find(post.get("extension"), EXT_POST_CHECK_AGREED) or {}).get("valueDate"))
        if kind in (CorrespondenceKind.CARE_OF, CorrespondenceKind.TEMPORARY):
            c_lines = tuple(post.get("line") or ())
            c_post = post.get("postalCode")
            c_from = _date((post.get("period") or {}).get("start"))
            c_to = _date((post.get("period") or {}).get("end"))
    addr = Addresses(
        usual_lines=tuple((usual or {}).get("line") or ()),
        usual_postcode=(usual or {}).get("postalCode"),
        no_fixed_abode=nfa,
        correspondence_kind=kind,
        correspondence_partner=partner if kind is CorrespondenceKind.PARTNER else None,
        correspondence_lines=c_lines,
        correspondence_postcode=c_post,
        correspondence_from=c_from,
        correspondence_to=c_to,
        post_check_agreed_on=agreed if kind is CorrespondenceKind.PRACTICE else None,
    )
    # Contact
    route = _code_of(_find(ext, EXT_CONTACT_ROUTE))
    telecom = data.get("telecom") or []
    phone = next((t.get("value") for t in telecom if t.get("system") in ("phone", "sms")), None)
    email = next((t.get("value") for t in telecom if t.get("system") == "email"), None)
    contacts = data.get("contact") or []
    kw = next((c for c in contacts if _find(c.get("extension"), EXT_KEYWORKER)), None)
    contact = ContactDetails(
        route=ContactRoute(route) if route else None,
        phone=phone,
        email=email,
        keyworker_name=((kw or {}).get("name") or {}).get("text"),
        keyworker_phone=next((t.get("value") for t in (kw or {}).get("telecom") or []), None),
        keyworker_partner=(((kw or {}).get("organization") or {}).get("identifier") or {}).get("value"),
    )
    # Communication
    comms = data.get("communication") or []
    entry = next((c for c in comms if c.get("preferred")), comms[0] if comms else None)
    language = None
    dialect = None
    if entry is not None:
        codings = (entry.get("language") or {}).get("coding") or []
        language = next((c.get("code") for c in codings if c.get("system") == urls.BCP47), None)
        dialect = (_find(entry.get("extension"), EXT_DIALECT) or {}).get("valueString")
    needed = bool((_find(ext, urls.EXT_INTERPRETER_REQUIRED) or {}).get("valueBoolean"))
    prefs = (_find(ext, EXT_INTERPRETER_PREFERENCE) or {}).get("extension") or []
    mode = _code_of(_find(prefs, "mode"))
    igender = (_find(prefs, "gender") or {}).get("valueCode")
    communication = Communication(
        main_language=language,
        dialect=dialect,
        interpreter_needed=needed,
        interpreter_mode=InterpreterMode(mode) if mode else None,
        interpreter_gender=InterpreterGender(igender) if igender else None,
        no_family_interpreter=bool((_find(prefs, "noFamilyOrFriends") or {}).get("valueBoolean")),
    )
    link = next(iter(data.get("link") or []), None)
    linked = None
    if link is not None:
        ref = (link.get("other") or {}).get("reference") or ""
        if ref.startswith("Patient/") and ref[8:].isdigit():
            linked = int(ref[8:])
    ethnicity = _code_of(_find(ext, EXT_ETHNIC_CATEGORY), "valueCodeableConcept")
    rid = (local or {}).get("value") or data.get("id")
    return PatientRecord(
        id=int(rid) if rid and str(rid).isdigit() else None,
        given_name=given,
        family_name=name.get("family") or "",
        date_of_birth=dt.date.fromisoformat(data["birthDate"]),
        dob_estimated=estimated,
        sex=Sex(data.get("gender") or "unknown"),
        title=(name.get("prefix") or [None])[0],
        nhs_number=(nhs_ident or {}).get("value"),
        nhs_number_status=VerificationStatus(status_code) if status_code else None,
        nhs_number_unavailable_reason=UnavailableReason(unavailable) if unavailable else None,
        addresses=addr,
        contact=contact,
        communication=communication,
        ethnicity_code=ethnicity,
        linked_to_id=linked,
        registrations=tuple(
            _registration_from(e) for e in ext if e.get("url") == EXT_REGISTRATION
        ),
    )
