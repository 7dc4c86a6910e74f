"""The demo practice's MDT history: a meeting held six weeks ago and referrals to partners.

Everything goes through the services as staff would do it (so the same rules, audit and coded
entries apply): the earliest candidates were discussed at last month's meeting with actions
(one overdue, one due this week, one done), and referrals went to the drug and alcohol,
mental-health and outreach partners (one accepted and seen, one awaiting a reply past its due
date, one declined, one sent this week). The candidates who remain are the next agenda.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from inclusion_practice.domain.actor import Actor
from inclusion_practice.errors import InclusionPracticeError

if TYPE_CHECKING:
    from inclusion_practice.api import InclusionPractice

CLINICIAN = Actor("drokafor", "clinician")
MANAGER = Actor("manager1", "manager")
RECEPTION = Actor("reception1", "receptionist")
DISCUSSED_LAST_TIME = 3


def add_demo_mdt(ip: InclusionPractice) -> tuple[int, int]:
    """Add the MDT history. Returns (patients discussed, referrals made). Deterministic."""
    today = ip.clock.today()
    held_on = today - dt.timedelta(days=42)
    candidates = ip.mdt.candidates(MANAGER, on=held_on)
    if not candidates:
        return 0, 0
    partners = [p.code for p in ip.config.partners]
    meeting = ip.mdt.create_meeting(
        MANAGER, held_on, title="Inclusion health MDT",
        partners=[c for c in ("city-drug-alcohol", "community-mental-health", "street-outreach")
                  if c in partners],
    )
    for c in candidates[:DISCUSSED_LAST_TIME]:
        ip.mdt.add_patient(MANAGER, meeting.id, c.patient_id,
                           "Overlapping needs; keyworker asked for joined-up plan",
                           consent="summary" if c.patient_id % 2 else "identity")
    items = ip.mdt.agenda(MANAGER, meeting.id).items
    owners = [("user:reception1", today - dt.timedelta(days=2)),
              ("partner:city-drug-alcohol" if "city-drug-alcohol" in partners else "user:drokafor",
               today + dt.timedelta(days=3)),
              ("user:drokafor", today - dt.timedelta(days=10))]
    texts = ["Book a double appointment with the keyworker present",
             "Offer an assessment at the day centre drop-in",
             "Review medication after discharge"]
    for n, item in enumerate(items):
        ip.mdt.record_discussion(CLINICIAN, item.id,
                                 "Discussed with partners; engagement plan agreed with keyworker.",
                                 "Dr Amara Okafor")
        owner, due = owners[n % len(owners)]
        try:
            action = ip.mdt.add_action(CLINICIAN, item.id, texts[n % len(texts)], owner, due_on=due)
        except InclusionPracticeError:
            continue  # a practice without the demo users: no user-owned actions
        if n == 2:
            ip.mdt.complete_action(CLINICIAN, action.id, "Reviewed; no change needed", on=due)
    return len(items), _referrals(ip, [c.patient_id for c in candidates], today)


def _referrals(ip: InclusionPractice, candidates: list[int], today: dt.date) -> int:
    plans = [
        # (partner, reason, days ago sent, replies as (status, days ago))
        ("city-drug-alcohol", "drug-tx", 30, [("accepted", 20), ("seen", 6)]),
        ("city-drug-alcohol", "drug-tx", 21, []),
        ("community-mental-health", "mh-assess", 40, [("declined", 25)]),
        ("street-outreach", "housing", 3, []),
    ]
    made = 0
    pool = candidates[DISCUSSED_LAST_TIME:] or candidates
    for n, (partner, reason, ago, replies) in enumerate(plans):
        p = ip.config.partner(partner)
        if p is None or not p.services:
            continue
        patient = pool[n % len(pool)]
        r = ip.referrals.create(CLINICIAN, patient, partner, reason,
                                "Discussed with the patient, who wants this support",
                                "summary", sent_on=today - dt.timedelta(days=ago))
        for status, days in replies:
            ip.referrals.record_reply(RECEPTION, r.id, status, on=today - dt.timedelta(days=days),
                                      note="Partner replied by secure email" if status == "declined" else None)
        made += 1
    return made

