"""MDT work as FHIR R4: referrals as ServiceRequest, actions as Task, a meeting as Encounters.

Each resource is checked against its R4B model (fhir.resources) before it is returned. A meeting
is one Encounter (no subject; its participants are the practice users and, by name, the partner
organisations attending); each patient discussed has an Encounter of their own ``partOf`` it, so
one patient's record never carries another's discussion. Actions are Tasks for the patient, on
that Encounter, owned by a Practitioner (a user) or an Organization (a partner), due by
``restriction.period.end``. Codes are our local code systems, never sent as SNOMED CT
(see ``domain/code_sources.py``).
"""

from __future__ import annotations

import json
from typing import Any

from fhir.resources.R4B.encounter import Encounter as FhirEncounter
from fhir.resources.R4B.servicerequest import ServiceRequest as FhirServiceRequest
from fhir.resources.R4B.task import Task as FhirTask

from inclusion_practice.domain.mdt import ActionStatus, OwnerKind
from inclusion_practice.domain.referrals import REASON_CODE_SYSTEM, ReferralStatus
from inclusion_practice.fhir import urls
from inclusion_practice.services.mdt import ActionInfo, Agenda, AgendaItem
from inclusion_practice.services.referrals import ReferralInfo

Json = dict[str, Any]

CS_PARTNER_SERVICE = f"{urls.OUR_CS}/partner-service"
CS_MDT = f"{urls.OUR_CS}/mdt"
CS_SHARE_CONSENT = f"{urls.OUR_CS}/share-consent"
ID_PARTNER = f"{urls.OUR_ID}/partner"
ID_USER = f"{urls.OUR_ID}/user"
ID_REFERRAL = f"{urls.OUR_ID}/referral"
ID_MDT_ACTION = f"{urls.OUR_ID}/mdt-action"
ID_MDT_MEETING = f"{urls.OUR_ID}/mdt-meeting"
EXT_SHARE_CONSENT = f"{urls.OUR_SD}/share-consent"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"

# ServiceRequest.status is the request's own state; the partner's answer is business status.
_SR_STATUS = {
    ReferralStatus.SENT: "active",
    ReferralStatus.ACCEPTED: "active",
    ReferralStatus.SEEN: "completed",
    ReferralStatus.DECLINED: "revoked",
    ReferralStatus.LOST_TO_FOLLOW_UP: "revoked",
}
_TASK_STATUS = {ActionStatus.OPEN: "requested", ActionStatus.DONE: "completed",
                ActionStatus.CANCELLED: "cancelled"}


def _dump(model: Any, resource: Json) -> Json:
    out: Json = json.loads(model.model_validate(resource).model_dump_json(exclude_none=True))
    return out


def _partner_ref(code: str, name: str) -> Json:
    return {"type": "Organization", "identifier": {"system": ID_PARTNER, "value": code}, "display": name}


def _user_ref(username: str, name: str | None = None) -> Json:
    return {"type": "Practitioner", "identifier": {"system": ID_USER, "value": username},
            "display": name or username}


def referral_to_fhir(r: ReferralInfo) -> Json:
    """A referral → ServiceRequest (intent ``order``, performer the partner organisation)."""
    history = [f"sent {r.sent_on.isoformat()}"]
    if r.accepted_on:
        history.append(f"accepted {r.accepted_on.isoformat()}")
    if r.seen_on:
        history.append(f"seen {r.seen_on.isoformat()}")
    if r.closed_on:
        history.append(f"{r.status.value} {r.closed_on.isoformat()}")
    resource: Json = {
        "resourceType": "ServiceRequest",
        "id": f"referral-{r.id}",
        "identifier": [{"system": ID_REFERRAL, "value": str(r.id)}],
        "extension": [{"url": EXT_SHARE_CONSENT,
                       "valueCoding": {"system": CS_SHARE_CONSENT, "code": r.consent.value}}],
        "status": _SR_STATUS[r.status],
        "intent": "order",
        "category": [{"coding": [{"system": CS_PARTNER_SERVICE, "code": r.service.value,
                                  "display": r.service.label}]}],
        "code": {"coding": [{"system": CS_PARTNER_SERVICE, "code": r.service.value,
                             "display": r.service.label}], "text": f"Referral: {r.service.label}"},
        "subject": {"reference": f"Patient/{r.patient_id}"},
        "authoredOn": r.sent_on.isoformat(),
        "requester": _user_ref(r.referred_by),
        "performer": [_partner_ref(r.partner_code, r.partner_name)],
        "reasonCode": [{"coding": [{"system": REASON_CODE_SYSTEM, "code": r.reason.code,
                                    "display": r.reason.label}], "text": r.reason_text}],
        "note": [{"text": f"Partner reply: {r.status.value} ({'; '.join(history)})"
                          + (f". {r.note}" if r.note else "")}],
    }
    return _dump(FhirServiceRequest, resource)


def action_to_fhir(a: ActionInfo) -> Json:
    """An MDT action → Task for the patient, owned by a user or a partner organisation."""
    owner = (_partner_ref(a.owner, a.owner_label) if a.owner_kind == OwnerKind.PARTNER
             else _user_ref(a.owner, a.owner_label))
    resource: Json = {
        "resourceType": "Task",
        "id": f"mdt-action-{a.id}",
        "identifier": [{"system": ID_MDT_ACTION, "value": str(a.id)}],
        "status": _TASK_STATUS[a.status],
        "intent": "plan",
        "code": {"coding": [{"system": CS_MDT, "code": "mdt-action", "display": "MDT action"}]},
        "description": a.description,
        "for": {"reference": f"Patient/{a.patient_id}"},
        "encounter": {"reference": f"Encounter/mdt-item-{a.item_id}"},
        "authoredOn": a.meeting_date.isoformat(),
        "requester": _user_ref(a.created_by),
        "owner": owner,
        "restriction": {"period": {"end": a.due_on.isoformat()}},
    }
    if a.status != ActionStatus.OPEN:
        resource["output"] = [{"type": {"text": "outcome"}, "valueString": a.outcome or a.status.value}]
        if a.completed_on:
            resource["lastModified"] = f"{a.completed_on.isoformat()}T00:00:00Z"
    return _dump(FhirTask, resource)


def meeting_to_fhir(agenda: Agenda) -> Json:
    """The meeting → Encounter: date, status, practice users and partner organisations attending."""
    m = agenda.meeting
    status = {"planned": "planned", "held": "finished", "cancelled": "cancelled"}[m.status.value]
    participants: list[Json] = []
    for att in agenda.attendees:
        ref = (_partner_ref(att.key, att.label) if att.kind == OwnerKind.PARTNER
               else _user_ref(att.key, att.label))
        participants.append({"type": [{"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "code": "PART",
            "display": "Participation"}]}], "individual": ref} if att.kind == OwnerKind.USER else {
            "type": [{"text": "partner organisation"}], "individual": {"display": ref["display"]}})
    resource: Json = {
        "resourceType": "Encounter",
        "id": f"mdt-meeting-{m.id}",
        "identifier": [{"system": ID_MDT_MEETING, "value": str(m.id)}],
        "status": status,
        "class": {"system": ACT_CODE, "code": "AMB", "display": "ambulatory"},
        "type": [{"coding": [{"system": CS_MDT, "code": "mdt-meeting",
                              "display": "Multidisciplinary team meeting"}], "text": m.title}],
        "period": {"start": m.meeting_date.isoformat(), "end": m.meeting_date.isoformat()},
        "participant": participants,
    }
    return _dump(FhirEncounter, resource)


def item_to_fhir(item: AgendaItem) -> Json:
    """One patient's discussion → Encounter for that patient, part of the meeting."""
    resource: Json = {
        "resourceType": "Encounter",
        "id": f"mdt-item-{item.id}",
        "status": "finished" if item.discussed_on else "planned",
        "class": {"system": ACT_CODE, "code": "AMB", "display": "ambulatory"},
        "type": [{"coding": [{"system": CS_MDT, "code": "mdt-discussion",
                              "display": "Discussed at multidisciplinary team meeting"}]}],
        "subject": {"reference": f"Patient/{item.patient_id}"},
        "partOf": {"reference": f"Encounter/mdt-meeting-{item.meeting_id}"},
        "reasonCode": [{"coding": [{"system": CS_MDT, "code": r.value, "display": r.label}]}
                       for r in item.rules] or [{"text": item.reason or "added by hand"}],
    }
    if item.discussed_on:
        resource["period"] = {"start": item.discussed_on.isoformat(), "end": item.discussed_on.isoformat()}
    if item.lead_professional:
        resource["participant"] = [{"type": [{"text": "lead professional"}],
                                    "individual": {"display": item.lead_professional}}]
    return _dump(FhirEncounter, resource)


def meeting_bundle(agenda: Agenda) -> Json:
    """The meeting, each patient's discussion and every action, as a collection Bundle."""
    entries: list[Json] = [meeting_to_fhir(agenda)]
    for item in agenda.items:
        entries.append(item_to_fhir(item))
        entries += [action_to_fhir(a) for a in item.actions]
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"fullUrl": f"{urls.BASE}/{e['resourceType']}/{e['id']}", "resource": e} for e in entries],
    }
