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


def inclusion_health_flag_profile() -> Json:
    return _sd(
        "InclusionHealthFlag",
        "InclusionHealthFlag",
        "Inclusion-health Flag",
        "An inclusion-health status of a patient (homelessness, Gypsy/Roma/Traveller, vulnerable "
        "migrant, prison leaver, learning disability, and the restricted categories sex work, "
        "substance use, domestic abuse refuge and modern slavery), on UK Core Flag. "
        "Flag.category carries our category code (and, where recorded, the subcategory such as "
        "rough_sleeping) from the inclusion-health-category CodeSystem; Flag.code carries the "
        "SNOMED CT concept recorded, or our category code when the category has no SNOMED "
        "concept. Flag.period.start is when the status began; an ended flag has period.end and "
        "status inactive (records are ended, never deleted). Restricted categories must only be "
        "shown to clinical staff: receivers must apply the same rule, and this product never "
        "sends them to non-clinical API tokens or in exports made by non-clinical roles.",
        kind="resource",
        type_="Flag",
        base=UKCORE_FLAG,
        elements=[
            _el("Flag", short="An inclusion-health status of a patient"),
            _el("Flag.status", short="active while the status holds; inactive once ended",
                mustSupport=True),
            _el("Flag.category", min=1, short="Our inclusion-health category (and subcategory)",
                definition="One coding from the inclusion-health-category CodeSystem giving the "
                           "category (e.g. homelessness); optionally a second coding giving the "
                           "subcategory (e.g. rough_sleeping).",
                mustSupport=True,
                binding=_binding("required", urls.VS_INCLUSION_HEALTH_CATEGORY,
                                 "Inclusion-health categories and subcategories.")),
            _el("Flag.code", short="The SNOMED CT concept recorded, or our category code",
                definition="A SNOMED CT UK edition concept from the category's value set "
                           "(inclusion-health-flag-code-<category>), or our category code when "
                           "the category has no SNOMED concept (prison leaver, modern slavery).",
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
            _el("Flag.author", short="Who recorded it (the practice or the recording user)",
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
    return [inclusion_health_flag_profile(), appointment_profile()]


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
        resources.append(entry)
    resources.append({"type": "Schedule", "supportedProfile": SUPPORTED_PROFILES["Schedule"],
                      "interaction": [{"code": "read"}]})
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
