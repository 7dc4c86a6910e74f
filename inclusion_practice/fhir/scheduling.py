"""FHIR R4 Schedule, Slot and Appointment from the appointment book (UK Core conventions).

One Schedule per clinician; each Slot is free or busy; an Appointment references every slot it
holds (a double appointment references its two contiguous slots), a DNA is ``noshow``, a
cancellation is ``cancelled`` with ``cancelationReason`` (never on a noshow: invariant app-4
only allows it on ``cancelled``), an interpreter is a participant of type ``translator``, staff
notes go in ``comment`` and patient-facing text in ``patientInstruction``. The UK Core
delivery-channel extension carries in person / telephone / video. Each resource is built through
``fhir.resources.R4B`` so a mapping mistake fails here, not at the receiver.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from zoneinfo import ZoneInfo

from fhir.resources.R4B.appointment import Appointment as FhirAppointment
from fhir.resources.R4B.schedule import Schedule as FhirSchedule
from fhir.resources.R4B.slot import Slot as FhirSlot

from inclusion_practice.config import ClinicianConfig
from inclusion_practice.domain.attendance import AppointmentStatus
from inclusion_practice.fhir.urls import CS_DELIVERY_CHANNEL, EXT_DELIVERY_CHANNEL, OUR_CS
from inclusion_practice.services.appointments import AppointmentInfo
from inclusion_practice.services.schedule import SessionInfo, SlotInfo

LONDON = ZoneInfo("Europe/London")
PARTICIPATION_TYPE = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"
CANCELLATION_REASON = "http://terminology.hl7.org/CodeSystem/appointment-cancellation-reason"
APPOINTMENT_TYPE = "http://terminology.hl7.org/CodeSystem/v2-0276"
CS_SLOT_TYPE = f"{OUR_CS}/slot-type"

DELIVERY_CHANNEL: dict[str, tuple[str, str]] = {
    "in_person": ("In-person", "In-person"),
    "telephone": ("Telephone", "Telephone"),
    "video": ("Video", "Video"),
}
STATUS: dict[AppointmentStatus, str] = {
    AppointmentStatus.BOOKED: "booked",
    AppointmentStatus.ARRIVED: "arrived",
    AppointmentStatus.SEEN: "fulfilled",
    AppointmentStatus.DNA: "noshow",
    AppointmentStatus.CANCELLED_PATIENT: "cancelled",
    AppointmentStatus.CANCELLED_PRACTICE: "cancelled",
    AppointmentStatus.LEFT: "cancelled",
    AppointmentStatus.WALK_IN: "arrived",
}
"""Left without being seen has no FHIR status of its own: it is ``cancelled`` (by the patient)
with the reason in text, which keeps app-4 satisfied."""
TRANSLATOR_STATUS = {
    "to_book": "needs-action",
    "booked": "accepted",
    "to_cancel": "declined",
    "cancelled": "declined",
}


def instant(value: dt.datetime) -> str:
    """A FHIR instant in UK local time with its offset (naive times are practice-local)."""
    aware = value if value.tzinfo else value.replace(tzinfo=LONDON)
    return aware.isoformat(timespec="seconds")


def _dump(model: Any) -> dict[str, Any]:
    out: dict[str, Any] = json.loads(model.model_dump_json(exclude_none=True))
    return out


def _practitioner(code: str, clinician: ClinicianConfig | None) -> dict[str, Any]:
    ref: dict[str, Any] = {"reference": f"Practitioner/{code}"}
    if clinician is not None:
        ref["display"] = clinician.name
    return ref


def schedule_resource(
    clinician: ClinicianConfig, first: dt.date, last: dt.date
) -> dict[str, Any]:
    """One clinician's Schedule over the planning horizon."""
    res = FhirSchedule.model_validate(
        {
            "resourceType": "Schedule",
            "id": clinician.code,
            "active": True,
            "actor": [_practitioner(clinician.code, clinician)],
            "planningHorizon": {
                "start": instant(dt.datetime.combine(first, dt.time.min)),
                "end": instant(dt.datetime.combine(last, dt.time(23, 59, 59))),
            },
            "comment": f"{clinician.name} ({clinician.profession})",
        }
    )
    return _dump(res)


def slot_resource(slot: SlotInfo, session: SessionInfo) -> dict[str, Any]:
    """A Slot: busy when any live hold references it, free otherwise."""
    status = "busy-unavailable" if slot.blocked or session.cancelled else (
        "free" if slot.free else "busy"
    )
    res = FhirSlot.model_validate(
        {
            "resourceType": "Slot",
            "id": str(slot.id),
            "schedule": {"reference": f"Schedule/{session.clinician}"},
            "status": status,
            "start": instant(slot.start),
            "end": instant(slot.end),
            "serviceCategory": [
                {"coding": [{"system": CS_SLOT_TYPE, "code": session.slot_type}]}
            ],
            "comment": f"{session.location.replace('_', ' ')} session {session.id}, slot {slot.seq + 1}",
        }
    )
    return _dump(res)


def appointment_resource(
    appt: AppointmentInfo, clinician: ClinicianConfig | None = None
) -> dict[str, Any]:
    """An Appointment referencing every slot it holds, with translator and delivery channel."""
    status = STATUS[appt.status]
    participants: list[dict[str, Any]] = [
        {
            "actor": {"reference": f"Patient/{appt.patient_id}", "display": appt.patient_name}
            if appt.patient_name
            else {"reference": f"Patient/{appt.patient_id}"},
            "required": "required",
            "status": "declined" if status in ("cancelled", "noshow") else "accepted",
        },
        {
            "actor": _practitioner(appt.clinician, clinician),
            "required": "required",
            "status": "accepted",
        },
    ]
    comments: list[str] = []
    if appt.comment:
        comments.append(appt.comment)
    if appt.double_override_reason:
        comments.append(f"Single slot although a double was proposed: {appt.double_override_reason}")
    if appt.interpreter is not None:
        i = appt.interpreter
        participants.append(
            {
                "type": [
                    {
                        "coding": [
                            {"system": PARTICIPATION_TYPE, "code": "TRANSL",
                             "display": "Translator"}
                        ],
                        "text": f"interpreter: {i.language} ({i.mode.replace('_', ' ')})",
                    }
                ],
                **({"actor": {"display": i.interpreter_name}} if i.interpreter_name else {}),
                "required": "required",
                "status": TRANSLATOR_STATUS.get(i.status, "needs-action"),
            }
        )
        bits = [f"Interpreter {i.status.replace('_', ' ')}: {i.language}"]
        if i.dialect:
            bits.append(f"dialect {i.dialect}")
        bits.append(i.mode.replace("_", " "))
        if i.interpreter_gender:
            bits.append(f"{i.interpreter_gender} interpreter")
        if i.agency_ref:
            bits.append(f"agency ref {i.agency_ref}")
        text = ", ".join(bits)
        if i.note:
            text += f". Note: {i.note}"
        comments.append(text)
    body: dict[str, Any] = {
        "resourceType": "Appointment",
        "id": str(appt.id),
        "status": status,
        "appointmentType": {
            "coding": [
                {
                    "system": APPOINTMENT_TYPE,
                    "code": "WALKIN" if appt.status is AppointmentStatus.WALK_IN else "ROUTINE",
                }
            ]
        },
        "start": instant(appt.start),
        "end": instant(appt.end),
        "created": instant(appt.booked_at),
        "participant": participants,
    }
    code, display = DELIVERY_CHANNEL.get(appt.channel, DELIVERY_CHANNEL["in_person"])
    body["extension"] = [
        {
            "url": EXT_DELIVERY_CHANNEL,
            "valueCodeableConcept": {
                "coding": [{"system": CS_DELIVERY_CHANNEL, "code": code, "display": display}]
            },
        }
    ]
    if appt.slot_ids:
        body["slot"] = [{"reference": f"Slot/{s}"} for s in appt.slot_ids]
    if appt.minutes > 0:
        body["minutesDuration"] = appt.minutes
    if status == "cancelled":
        who = "prov" if appt.status is AppointmentStatus.CANCELLED_PRACTICE else "pat"
        reason = "left without being seen" if appt.status is AppointmentStatus.LEFT else (
            appt.cancel_reason or "cancelled"
        )
        if appt.late_cancellation:
            reason += " (late cancellation)"
        body["cancelationReason"] = {
            "coding": [{"system": CANCELLATION_REASON, "code": who}],
            "text": reason,
        }
    if comments:
        body["comment"] = "\n".join(comments)
    if appt.patient_instruction:
        body["patientInstruction"] = appt.patient_instruction
    return _dump(FhirAppointment.model_validate(body))
