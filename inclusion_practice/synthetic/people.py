"""The synthetic person the generator builds before writing rows.

Kept separate so that other generator parts (clinical events for indicators, DNA histories,
appointments) can work from the same facts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass
class SyntheticPatient:
    id: int
    given_name: str
    family_name: str
    date_of_birth: dt.date
    dob_estimated: bool
    sex: str
    registered_on: dt.date
    registration_kind: str
    deregistered_on: dt.date | None = None
    categories: set[str] = field(default_factory=set)
    """Inclusion-health flag categories (active from ``flagged_on``)."""
    flagged_on: dt.date | None = None
    flag_ended_on: dt.date | None = None
    main_language: str = "en"
    interpreter_needed: bool = False
    no_fixed_abode: bool = False
    smoker: bool = False
    drinks_harmfully: bool = False

    def age_on(self, day: dt.date) -> int:
        years = day.year - self.date_of_birth.year
        if (day.month, day.day) < (self.date_of_birth.month, self.date_of_birth.day):
            years -= 1
        return years
