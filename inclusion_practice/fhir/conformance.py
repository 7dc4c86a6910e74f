"""Our StructureDefinitions and the API's CapabilityStatement, built as data.

Kept in Python (and written to ``fhir_profiles/`` by ``scripts/build_fhir_artefacts.py``) so
the CapabilityStatement is made from the same search-parameter table the REST API serves, and so
each profile sits next to the mapping conventions it documents. Every description is written for
practice IT staff loading these into their own tooling.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from inclusion_practice.fhir import urls
from inclusion_practice.fhir.terminology import DATE, PUBLISHER, VERSION, generated_artefacts

Json = dict[str, Any]
UKCORE_FLAG = f"{urls.UKCORE_SD}/UKCore-Flag"
UKCORE_PATIENT = f"{urls.UKCORE_SD}/UKCore-Patient"
UKCORE_APPOINTMENT = f"{urls.UKCORE_SD}/UKCore-Appointment"
UKCORE_SLOT = f"{urls.UKCORE_SD}/UKCore-Slot"
UKCORE_SCHEDULE = f"{urls.UKCORE_SD}/UKCore-Schedule"
FHIR_CORE_SD = "http://hl7.org/fhir/StructureDefinition"
PARTICIPATION_TYPE = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"


@dataclass(frozen=True)
class SearchParam:
    """One search parameter the REST API supports (also listed in the CapabilityStatement)."""

    name: str
    type: str
    documentation: str


SEARCH_PARAMS: dict[str, tuple[SearchParam, ...]] = {
    "Patient": (
        SearchParam("identifier", "token",
                    "NHS number: `https://fhir.nhs.uk/Id/nhs-number|9434765919` or the bare "
                    "10 digits; or our source identifier `system|value` from an import."),
        SearchParam("name", "string", "Any part of the given or family name (accents, hyphens "
                                      "and spaces are ignored)."),
        SearchParam("birthdate", "date", "Date of birth, `YYYY-MM-DD` (prefixes eq, ge, le, "
                                         "gt, lt)."),
    ),
    "Flag": (
        SearchParam("patient", "reference", "`Patient/<id>`."),
        SearchParam("category", "token", "An inclusion-health category code, optionally "
                                         "`system|code`. Restricted categories are returned to "
                                         "clinical tokens only."),
    ),
    "Appointment": (
        SearchParam("patient", "reference", "`Patient/<id>`."),
        SearchParam("date", "date", "Start date or date-time, with prefixes (e.g. "
                                    "`date=ge2026-11-01&date=lt2026-12-01`)."),
        SearchParam("status", "token", "FHIR appointment status (booked, arrived, fulfilled, "
                                       "cancelled, noshow); comma-separated for several."),
    ),
    "Slot": (
        SearchParam("schedule", "reference", "`Schedule/<clinician code>`."),
        SearchParam("start", "date", "Slot start, with prefixes."),
        SearchParam("status", "token", "free, busy, busy-unavailable."),
    ),
    "ServiceRequest": (
        SearchParam("patient", "reference", "`Patient/<id>`: referrals to partner services."),
        SearchParam("status", "token", "Referral status: sent, accepted, seen, declined, "
                                       "lost_to_follow_up."),
    ),
    "Task": (
        SearchParam("patient", "reference", "`Patient/<id>`: MDT actions (without it, the "
                                            "actions due)."),
    ),
}
"""Search parameters by resource type: the API's routes and the CapabilityStatement share it."""

SUPPORTED_PROFILES: dict[str, list[str]] = {
    "Patient": [urls.SD_PATIENT],
    "Flag": [urls.SD_INCLUSION_HEALTH_FLAG],
    "Appointment": [urls.SD_APPOINTMENT],
    "Slot": [UKCORE_SLOT],
    "Schedule": [UKCORE_SCHEDULE],
}


def _sd(
    rid: str,
    name: str,
    title: str,
    description: str,
    *,
    kind: str,
    type_: str,
    base: str,
    elements: list[Json],
    context: list[str] | None = None,
) -> Json:
    sd: Json = {
        "resourceType": "StructureDefinition",
        "id": rid,
        "url": f"{urls.OUR_SD}/{rid}",
        "version": VERSION,
        "name": name,
        "title": title,
        "status": "active",
        "experimental": False,
        "date": DATE,
        "publisher": PUBLISHER,
        "description": description,
        "fhirVersion": "4.0.1",
        "kind": kind,
        "abstract": False,
    }
    if context:
        sd["context"] = [{"type": "element", "expression": e} for e in context]
    sd["type"] = type_
    sd["baseDefinition"] = base
    sd["derivation"] = "constraint"
    sd["differential"] = {"element": elements}
    return sd


def _el(path: str, eid: str | None = None, **fields: Any) -> Json:
    out: Json = {"id": eid or path, "path": path}
    out.update(fields)
    return out


def _binding(strength: str, value_set: str, description: str | None = None) -> Json:
    b: Json = {"strength": strength}
    if description:
        b["description"] = description
    b["valueSet"] = value_set
    return b


def _vs(rid: str) -> str:
    return f"{urls.OUR_VS}/{rid}"


@dataclass(frozen=True)
class Part:
    """One part of a complex extension (or the value of a simple one)."""

    name: str
    value_type: str
    short: str
    binding: Json | None = None
    max: str = "1"


def extension_sd(
    rid: str, title: str, description: str, context: list[str], parts: list[Part],
    *, simple: bool,
) -> Json:
    """A StructureDefinition for one of our extensions (simple: one value; else sub-parts)."""
    url = f"{urls.OUR_SD}/{rid}"
    elements: list[Json] = [_el("Extension", short=title, definition=description)]
    if simple:
        (p,) = parts
        elements.append(_el("Extension.extension", max="0"))
        elements.append(_el("Extension.url", fixedUri=url))
        value: Json = _el("Extension.value[x]", min=1, short=p.short,
                          type=[{"code": p.value_type}])
        if p.binding:
            value["binding"] = p.binding
        elements.append(value)
    else:
        elements.append(_el("Extension.extension", slicing={
            "discriminator": [{"type": "value", "path": "url"}], "rules": "closed"}))
        for p in parts:
            sid = f"Extension.extension:{p.name}"
            elements.append(_el("Extension.extension", eid=sid, sliceName=p.name, min=0,
                                max=p.max, short=p.short))
            elements.append(_el("Extension.extension.url", eid=f"{sid}.url", fixedUri=p.name))
            value = _el("Extension.extension.value[x]", eid=f"{sid}.value[x]", min=1,
                        type=[{"code": p.value_type}])
            if p.binding:
                value["binding"] = p.binding
            elements.append(value)
        elements.append(_el("Extension.url", fixedUri=url))
        elements.append(_el("Extension.value[x]", max="0"))
    sd = _sd(rid, rid.replace("-", ""), title, description, kind="complex-type",
             type_="Extension", base=f"{FHIR_CORE_SD}/Extension", elements=elements,
             context=context)
    return sd


def extensions() -> list[Json]:
    """Every extension of ours that the Patient and Flag mappings emit."""
    return [
        extension_sd("Extension-BirthDateEstimated", "Birth date estimated",
                     "True when the person did not know their date of birth: birthDate is then "
                     "1 January of the estimated year (PCSE guidance).",
                     ["Patient.birthDate"], [Part("value", "boolean", "Estimated")], simple=True),
        extension_sd("Extension-CorrespondenceKind", "Correspondence kind",
                     "Where letters go. On Patient it always says it (none = collect at "
                     "reception), so a receiver never guesses from the addresses; on the postal "
                     "Address it marks the correspondence address.",
                     ["Patient", "Address"],
                     [Part("value", "Coding", "usual | practice | partner | care_of | "
                           "temporary | none",
                           _binding("required", _vs("correspondence-kind")))], simple=True),
        extension_sd("Extension-CareOfPartner", "Care of partner organisation",
                     "On a postal Address whose correspondence kind is partner: the partner "
                     "organisation (hostel, day centre, outreach team) as its code in the "
                     "practice's directory (identifier system .../Id/partner).",
                     ["Address"], [Part("value", "Identifier", "Partner code")], simple=True),
        extension_sd("Extension-PostCheckAgreed", "Post check agreed",
                     "On a postal Address using the practice's own address: the date the "
                     "patient agreed to check in for post.",
                     ["Address"], [Part("value", "date", "Agreed on")], simple=True),
        extension_sd("Extension-ContactRoute", "Contact route",
                     "How the practice reaches the patient (phone, sms, email, keyworker, "
                     "hostel, reception, no_letters). Routes with a UK Core code also carry "
                     "Extension-UKCore-ContactPreference.",
                     ["Patient"], [Part("value", "Coding", "Route",
                                        _binding("required", _vs("contact-route")))],
                     simple=True),
        extension_sd("Extension-Keyworker", "Keyworker",
                     "Marks the Patient.contact that is the patient's keyworker (reach the "
                     "patient through them); the organisation identifier is the partner code.",
                     ["Patient.contact"], [Part("value", "boolean", "Is the keyworker")],
                     simple=True),
        extension_sd("Extension-InterpreterPreference", "Interpreter preference",
                     "How the patient wants to be interpreted for, alongside the core "
                     "patient-interpreterRequired extension: mode (face to face, telephone, "
                     "video, BSL in person, BSL video relay), interpreter gender, never family "
                     "or friends, and the SNOMED '<language> interpreter needed' concept.",
                     ["Patient"],
                     [Part("mode", "Coding", "Preferred mode",
                           _binding("required", _vs("interpreter-mode"))),
                      Part("gender", "code", "female | male"),
                      Part("noFamilyOrFriends", "boolean", "Never use family or friends"),
                      Part("need", "CodeableConcept", "SNOMED CT interpreter-needed concept")],
                     simple=False),
        extension_sd("Extension-Dialect", "Dialect",
                     "The dialect of Patient.communication.language (patients care about it; "
                     "interpreters are booked by it).",
                     ["Patient.communication"], [Part("value", "string", "Dialect")],
                     simple=True),
        extension_sd("Extension-NHSNumberTraceStatus", "NHS number trace status (no number)",
                     "The NHS number verification status when there is no number (03, 04, 06, "
                     "07, 08): UK Core puts the status on the identifier, which needs a value.",
                     ["Patient"],
                     [Part("value", "CodeableConcept", "Status 01–08",
                           _binding("required",
                                    "https://fhir.hl7.org.uk/ValueSet/"
                                    "UKCore-NHSNumberVerificationStatus"))],
                     simple=True),
        extension_sd("Extension-Registration", "Registration period",
                     "One period of registration with the practice (repeat for history): type "
                     "(permanent, temporary resident, immediately necessary treatment), period, "
                     "planned end (temporary residents and immediately necessary treatment), "
                     "end reason and detail, and our identifier for the period.",
                     ["Patient"],
                     [Part("type", "Coding", "Registration type",
                           _binding("required", _vs("registration-type"))),
                      Part("period", "Period", "Registered from (and to)"),
                      Part("plannedEnd", "date", "Planned end"),
                      Part("endReason", "Coding", "Why it ended",
                           _binding("required", _vs("registration-end-reason"))),
                      Part("endDetail", "string", "Written detail (removed, other)"),
                      Part("identifier", "Identifier", "Our id of the period")],
                     simple=False),
        extension_sd("Extension-FlagReviewDate", "Flag review date",
                     "When the inclusion-health flag should next be reviewed.",
                     ["Flag"], [Part("value", "date", "Review by")], simple=True),
        extension_sd("Extension-FlagSource", "Flag source",
                     "Who told the practice (self_declared, outreach_team, clinician, imported).",
                     ["Flag"], [Part("value", "Coding", "Source",
                                     _binding("required", _vs("flag-source")))], simple=True),
        extension_sd("Extension-FlagEndReason", "Flag end reason",
                     "Why an inclusion-health flag was ended (free text).",
                     ["Flag"], [Part("value", "string", "Reason")], simple=True),
        extension_sd("measurereport-qof-points", "QOF-style points",
                     "On a MeasureReport: the points the indicator earned for the period "
                     "(0 below the lower threshold, the maximum at or above the upper one, "
                     "linear between).",
                     ["MeasureReport"], [Part("value", "decimal", "Points")], simple=True),
        extension_sd("measurereport-payment-gbp", "Payment (GBP)",
                     "On a MeasureReport: the payment in pounds the points are worth (points x "
                     "pounds per point x list-size index, or the per-patient/per-event rate).",
                     ["MeasureReport"], [Part("value", "decimal", "Pounds")], simple=True),
        extension_sd("Extension-AdjustmentDetail", "Reasonable adjustment detail",
                     "The detail of a reasonable adjustment (e.g. first or last appointment; "
                     "female clinician).",
                     ["Flag"], [Part("value", "string", "Detail")], simple=True),
    ]


def _ext_slice(path: str, name: str, rid: str, max_: str = "1") -> Json:
    return _el(f"{path}.extension", eid=f"{path}.extension:{name}", sliceName=name, max=max_,
               type=[{"code": "Extension", "profile": [rid if rid.startswith("http")
                                                       else f"{urls.OUR_SD}/{rid}"]}])


def patient_profile() -> Json:
    return _sd(
        "InclusionPracticePatient",
        "InclusionPracticePatient",
        "Inclusion Practice Patient (proxy and no-fixed-abode addresses)",
        "A patient on UK Core Patient, with our convention for people without a fixed address "
        "(UK Core has none). The usual residence is the Address with use = home and type = "
        "physical (or both, when letters go there too). No fixed abode: postcode ZZ99 3VZ, no "
        "lines, text 'No fixed abode' and the HL7 no-fixed-address extension = true. Address "
        "not known: postcode ZZ99 3WZ. Where letters go is a separate Address with type = "
        "postal carrying Extension-CorrespondenceKind: practice (lines start 'c/o <practice>', "
        "with Extension-PostCheckAgreed: the date the patient agreed to check in for post), "
        "partner (lines start 'c/o <organisation>', with Extension-CareOfPartner), care_of "
        "(a free-text address) or temporary (use = temp with a period). Patient itself always "
        "carries Extension-CorrespondenceKind, so none (collect at reception) is explicit. "
        "NHS number: identifier with system https://fhir.nhs.uk/Id/nhs-number and the UK Core "
        "verification-status extension; without one, the UK Core unavailable-reason extension "
        "(and Extension-NHSNumberTraceStatus for a trace status). Our record id is the "
        "identifier with system .../Id/patient. Interpreter need: the core "
        "patient-interpreterRequired extension plus Extension-InterpreterPreference; "
        "communication.language is BCP-47 (bfi for BSL) with the SNOMED 'main spoken "
        "language' concept where one exists. Registration periods are Extension-Registration.",
        kind="resource",
        type_="Patient",
        base=UKCORE_PATIENT,
        elements=[
            _el("Patient.extension", slicing={"discriminator": [{"type": "value", "path": "url"}],
                                              "rules": "open"}),
            _ext_slice("Patient", "correspondenceKind", "Extension-CorrespondenceKind"),
            _ext_slice("Patient", "contactRoute", "Extension-ContactRoute"),
            _ext_slice("Patient", "interpreterPreference", "Extension-InterpreterPreference"),
            _ext_slice("Patient", "nhsNumberTraceStatus", "Extension-NHSNumberTraceStatus"),
            _ext_slice("Patient", "registration", "Extension-Registration", "*"),
            _el("Patient.identifier", mustSupport=True),
            _el("Patient.birthDate", min=1, mustSupport=True),
            _ext_slice("Patient.birthDate", "estimated", "Extension-BirthDateEstimated"),
            _el("Patient.address", short="Usual residence (use home) and correspondence "
                                         "address (type postal)", mustSupport=True),
            _el("Patient.address.extension", slicing={
                "discriminator": [{"type": "value", "path": "url"}], "rules": "open"}),
            _ext_slice("Patient.address", "noFixedAddress", urls.EXT_NO_FIXED_ADDRESS),
            _ext_slice("Patient.address", "correspondenceKind", "Extension-CorrespondenceKind"),
            _ext_slice("Patient.address", "careOfPartner", "Extension-CareOfPartner"),
            _ext_slice("Patient.address", "postCheckAgreed", "Extension-PostCheckAgreed"),
            _el("Patient.address.use", short="home: usual residence; temp: temporary "
                                             "correspondence address"),
            _el("Patient.address.type", short="physical or both: usual residence; postal: "
                                              "where letters go"),
            _el("Patient.address.postalCode", short="ZZ99 3VZ no fixed abode; ZZ99 3WZ "
                                                    "address not known"),
            _ext_slice("Patient.contact", "keyworker", "Extension-Keyworker"),
            _ext_slice("Patient.communication", "dialect", "Extension-Dialect"),
        ],
    )


def inclusion_health_flag_profile() -> Json:
    return _sd(
        "InclusionHealthFlag",
        "InclusionHealthFlag",
        "Inclusion-health Flag",
        "An inclusion-health status of a patient (homelessness, Gypsy/Roma/Traveller, vulnerable "
        "migrant, prison leaver, learning disability, and the restricted categories sex work, "
        "substance use, domestic abuse refuge and modern slavery), on UK Core Flag. "
        "Flag.category carries HL7 flag-category 'social' and our category code from the "
        "inclusion-health-category CodeSystem. Flag.code carries the SNOMED CT concept recorded "
        "(when there is one) and our category or subcategory code (e.g. rough_sleeping). "
        "Flag.period.start is when the status began; an ended flag has period.end and status "
        "inactive (records are ended, never deleted). Review date, source and end reason are "
        "extensions. Restricted categories carry meta.security R (v3 Confidentiality): they "
        "must only be shown to clinical staff; receivers must apply the same rule, and this "
        "product never sends them to non-clinical API tokens or in exports made by "
        "non-clinical roles. Our record id is the identifier with system .../Id/flag.",
        kind="resource",
        type_="Flag",
        base=UKCORE_FLAG,
        elements=[
            _el("Flag", short="An inclusion-health status of a patient"),
            _el("Flag.meta.security", short="R (restricted) for restricted categories",
                mustSupport=True),
            _el("Flag.extension", slicing={"discriminator": [{"type": "value", "path": "url"}],
                                           "rules": "open"}),
            _ext_slice("Flag", "reviewDate", "Extension-FlagReviewDate"),
            _ext_slice("Flag", "source", "Extension-FlagSource"),
            _ext_slice("Flag", "endReason", "Extension-FlagEndReason"),
            _el("Flag.status", short="active while the status holds; inactive once ended",
                mustSupport=True),
            _el("Flag.category", min=1, short="social, and our inclusion-health category",
                definition="Must include a coding from the inclusion-health-category CodeSystem "
                           "giving the category (e.g. homelessness).",
                mustSupport=True,
                binding=_binding("extensible", urls.VS_INCLUSION_HEALTH_CATEGORY,
                                 "Inclusion-health categories.")),
            _el("Flag.code", short="The SNOMED CT concept recorded and our (sub)category code",
                definition="A SNOMED CT UK edition concept from the category's value set "
                           "(inclusion-health-flag-code-<category>) where one was recorded, and "
                           "our category or subcategory code (the only coding for categories "
                           "without a SNOMED concept: prison leaver, modern slavery).",
                mustSupport=True,
                binding=_binding("required", urls.VS_INCLUSION_HEALTH_FLAG_CODE,
                                 "SNOMED CT concepts by category, and our category codes.")),
            _el("Flag.subject", short="The patient", mustSupport=True,
                type=[{"code": "Reference",
                       "targetProfile": [f"{FHIR_CORE_SD}/Patient"]}]),
            _el("Flag.period", min=1, short="When the status began (and ended)",
                mustSupport=True),
            _el("Flag.period.start", min=1, short="The day the status was first recorded as "
                                                  "holding", mustSupport=True),
            _el("Flag.author", short="The user who recorded it (identifier .../Id/user)",
                mustSupport=True),
        ],
    )


def appointment_profile() -> Json:
    return _sd(
        "InclusionPracticeAppointment",
        "InclusionPracticeAppointment",
        "Inclusion Practice Appointment (with interpreter booking)",
        "An appointment in the practice's book, on UK Core Appointment. Conventions: a missed "
        "appointment (DNA) is status noshow; a cancellation is status cancelled with "
        "cancelationReason (pat: by the patient; prov: by the practice; text gives the reason "
        "and '(late cancellation)' where it applies; 'left without being seen' is also "
        "cancelled); a double appointment is one Appointment referencing two contiguous Slots "
        "of the same Schedule; the delivery channel is the UK Core DeliveryChannel extension "
        "(In-person, Telephone, Video). Interpreter booking: when the practice books an "
        "interpreter the Appointment has a participant of type TRANSL (v3 ParticipationType) "
        "whose status says where the booking stands (needs-action: still to book; accepted: "
        "booked; declined: to cancel or cancelled) and whose type.text names the language "
        "(BCP-47) and mode; the details (dialect, interpreter gender, agency reference) are "
        "repeated for staff in comment. comment is for staff; patientInstruction is for the "
        "patient.",
        kind="resource",
        type_="Appointment",
        base=UKCORE_APPOINTMENT,
        elements=[
            _el("Appointment.extension", eid="Appointment.extension:deliveryChannel",
                sliceName="deliveryChannel", max="1",
                type=[{"code": "Extension",
                       "profile": [urls.EXT_DELIVERY_CHANNEL]}],
                mustSupport=True),
            _el("Appointment.status", short="noshow for a DNA; cancelled with "
                                            "cancelationReason for a cancellation",
                mustSupport=True),
            _el("Appointment.cancelationReason", short="pat or prov, with the reason in text",
                mustSupport=True),
            _el("Appointment.start", min=1, mustSupport=True),
            _el("Appointment.end", min=1, mustSupport=True),
            _el("Appointment.slot", short="Every slot held: two contiguous slots of one "
                                          "Schedule for a double appointment",
                mustSupport=True),
            _el("Appointment.comment", short="For staff: notes and interpreter details",
                mustSupport=True),
            _el("Appointment.patientInstruction", short="For the patient", mustSupport=True),
            _el("Appointment.participant",
                slicing={"discriminator": [{"type": "pattern", "path": "type"}],
                         "rules": "open"},
                min=2, short="The patient, the clinician and, when booked, the interpreter",
                mustSupport=True),
            _el("Appointment.participant", eid="Appointment.participant:interpreter",
                sliceName="interpreter", min=0, max="1",
                short="The interpreter the practice books",
                definition="Present when the patient needs an interpreter for this "
                           "appointment. status: needs-action (to book), accepted (booked), "
                           "declined (to cancel with the agency, or cancelled). type.text: "
                           "'interpreter: <BCP-47 language> (<mode>)'. actor.display: the "
                           "interpreter's name when the agency gave one.",
                mustSupport=True),
            _el("Appointment.participant.type",
                eid="Appointment.participant:interpreter.type", min=1, max="1",
                patternCodeableConcept={
                    "coding": [{"system": PARTICIPATION_TYPE, "code": "TRANSL"}]
                }),
            _el("Appointment.participant.status",
                eid="Appointment.participant:interpreter.status",
                short="needs-action: to book; accepted: booked; declined: to cancel or "
                      "cancelled"),
        ],
    )


def structure_definitions() -> list[Json]:
    return [patient_profile(), inclusion_health_flag_profile(), appointment_profile(),
            *extensions()]


def capability_statement() -> Json:
    resources: list[Json] = []
    for rtype, params in SEARCH_PARAMS.items():
        entry: Json = {"type": rtype}
        if rtype in SUPPORTED_PROFILES:
            entry["supportedProfile"] = SUPPORTED_PROFILES[rtype]
        entry["interaction"] = [{"code": "read"}, {"code": "search-type"}]
        entry["searchParam"] = [
            {"name": p.name, "type": p.type, "documentation": p.documentation} for p in params
        ]
        if rtype == "Patient":
            entry["operation"] = [{
                "name": "summary",
                "definition": "http://hl7.org/fhir/uv/ips/OperationDefinition/summary",
                "documentation": "GET /Patient/<id>/$summary returns the International Patient "
                                 "Summary as a document Bundle (Composition, Patient, the "
                                 "practice, Conditions, AllergyIntolerances, "
                                 "MedicationStatements, Immunizations, Procedures, "
                                 "Observations) from the practice's own data, for clinical "
                                 "tokens. It never holds an inclusion-health flag or a concept "
                                 "that means a restricted category; each read is in the access "
                                 "log.",
            }]
        resources.append(entry)
    resources.append({"type": "Schedule", "supportedProfile": SUPPORTED_PROFILES["Schedule"],
                      "interaction": [{"code": "read"}]})
    resources.append({"type": "Encounter", "interaction": [{"code": "read"}],
                      "documentation": "MDT meetings (`mdt-meeting-<id>`) and each patient's MDT "
                                       "discussion (`mdt-item-<id>`)."})
    resources.append(
        {
            "type": "Measure",
            "interaction": [{"code": "read"}],
            "operation": [
                {
                    "name": "evaluate-measure",
                    "definition": "http://hl7.org/fhir/OperationDefinition/Measure-evaluate-measure",
                    "documentation": "GET /Measure/<id>/$evaluate-measure?periodStart=YYYY-MM-DD"
                                     "&periodEnd=YYYY-MM-DD returns a summary MeasureReport.",
                }
            ],
        }
    )
    for rtype in ("StructureDefinition", "CodeSystem", "ValueSet"):
        resources.append({"type": rtype, "interaction": [{"code": "read"}],
                          "documentation": "The artefacts shipped in fhir_profiles/."})
    return {
        "resourceType": "CapabilityStatement",
        "id": "inclusion-practice-api",
        "url": urls.CAPABILITY_STATEMENT,
        "version": VERSION,
        "name": "InclusionPracticeApi",
        "title": "Inclusion Practice REST API",
        "status": "active",
        "experimental": False,
        "date": DATE,
        "publisher": PUBLISHER,
        "description": "What `inclusion-practice serve` offers practice IT: FHIR R4 read and "
                       "search for Patient, Flag, Appointment and Slot; POST of a transaction "
                       "or collection Bundle to import; $evaluate-measure for the practice's "
                       "indicators. Every request carries `Authorization: Bearer <token>`; the "
                       "token's role decides what is returned (restricted inclusion-health "
                       "flags go to clinical tokens only). Errors are OperationOutcome.",
        "kind": "instance",
        "software": {"name": "inclusion-practice", "version": VERSION},
        "implementation": {"description": "Inclusion Practice FHIR API"},
        "fhirVersion": "4.0.1",
        "format": ["json"],
        "rest": [
            {
                "mode": "server",
                "security": {
                    "description": "Bearer API tokens issued with `inclusion-practice fhir token "
                                   "create`; each token acts as one user with that user's role."
                },
                "resource": resources,
                "interaction": [
                    {"code": "transaction",
                     "documentation": "POST / with a transaction Bundle: all or nothing."},
                    {"code": "batch",
                     "documentation": "POST / with a collection Bundle: valid entries are "
                                      "imported, each problem reported."},
                ],
            }
        ],
    }


def conformance_artefacts() -> dict[str, Json]:
    out: dict[str, Json] = {}
    for sd in structure_definitions():
        out[f"structure_definitions/StructureDefinition-{sd['id']}.json"] = sd
    cap = capability_statement()
    out[f"CapabilityStatement-{cap['id']}.json"] = cap
    return out


def all_generated() -> dict[str, Json]:
    """Every generated file under ``fhir_profiles/`` (``measures/`` belong to the indicators)."""
    return {**generated_artefacts(), **conformance_artefacts()}
