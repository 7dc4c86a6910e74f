"""The demo practice's coming weeks: sessions from the templates and some bookings.

Bookings go through the booking service like a receptionist's would, so they obey the same
rules (double slots for interpreter needs, no slot held twice) and are audited.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import TYPE_CHECKING

from inclusion_practice.errors import InclusionPracticeError
from inclusion_practice.services.access import SYSTEM

if TYPE_CHECKING:
    from inclusion_practice.api import InclusionPractice

BOOKED_SHARE = 0.35
"""Share of the next fortnight's slots the demo fills."""
BOOKING_DAYS = 14


def add_demo_schedule(ip: InclusionPractice, *, seed: int = 42) -> tuple[int, int]:
    """Generate sessions for the configured horizon and book some of the next fortnight.

    Returns (sessions generated, appointments booked). Deterministic for a seed and a date.
    """
    rng = random.Random(seed)
    today = ip.clock.today()
    generated = ip.schedule.generate(SYSTEM)
    registered = ip.patients.registered_on(today)[:5000]
    if not registered:
        return generated.sessions_created, 0
    booked = 0
    horizon = today + dt.timedelta(days=BOOKING_DAYS)
    for session in ip.schedule.sessions(today, horizon):
        for slot in ip.schedule.slots(session.id):
            if not slot.free or rng.random() >= BOOKED_SHARE:
                continue
            if slot.start <= ip.clock.now():
                continue
            patient_id = rng.choice(registered)
            try:
                ip.appointments.book(SYSTEM, patient_id, [slot.id],
                                     comment="booked by the demo generator")
                booked += 1
            except InclusionPracticeError:
                continue  # a double that does not fit here: leave the slot free
    return generated.sessions_created, booked
