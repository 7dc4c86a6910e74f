"""The patient record as the library hands it out: identity, addresses, contact, communication,
registrations, flags and adjustments.

Plain frozen dataclasses so the CLI, the TUI and the FHIR mapping share one shape, and so that
"our model → FHIR → our model" can be compared with ``==``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum

from inclusion_practice.domain.addresses import Addresses, ContactDetails
from inclusion_practice.domain.communication import Communication
from inclusion_practice.domain.needs import AccessNeeds
from inclusion_practice.domain.nhs_number import UnavailableReason, VerificationStatus
from inclusion_practice.domain.registration import RegistrationPeriod, is_registered_on
from inclusion_practice.domain.span import covers
from inclusion_practice.errors import InvalidInput


class Sex(StrEnum):
    """Sex/gender as recorded (FHIR administrative gender)."""

    FEMALE = "female"
    MALE = "male"
    OTHER = "other"
    UNKNOWN = "unknown"


_SEX_ALIASES = {"f": Sex.FEMALE, "m": Sex.MALE, "woman": Sex.FEMALE, "man": Sex.MALE,
                "not_known": Sex.UNKNOWN, "x": Sex.OTHER, "non_binary": Sex.OTHER}

ETHNIC_CATEGORIES_ENGLAND: dict[str, str] = {
    "A": "White - British", "B": "White - Irish", "C": "White - Any other White background",
    "D": "Mixed - White and Black Caribbean", "E": "Mixed - White and Black African",
    "F": "Mixed - White and Asian", "G": "Mixed - Any other mixed background",
    "H": "Asian or Asian British - Indian", "J": "Asian or Asian British - Pakistani",
    "K": "Asian or Asian British - Bangladeshi",
    "L": "Asian or Asian British - Any other Asian background",
    "M": "Black or Black British - Caribbean", "N": "Black or Black British - African",
    "P": "Black or Black British - Any other Black background",
    "R": "Other Ethnic Groups - Chinese", "S": "Other Ethnic Groups - Any other ethnic group",
    "Z": "Not stated", "99": "Not known",
}
"""UK Core Ethnic Category (England), from the NHS Data Dictionary."""


def parse_sex(text: str | None, field: str = "sex") -> Sex:
    key = "_".join((text or "").strip().lower().replace("-", " ").split())
    if not key:
        raise InvalidInput(field, "is required (female, male, other or unknown)")
    try:
        return Sex(key)
    except ValueError:
        pass
    if key in _SEX_ALIASES:
        return _SEX_ALIASES[key]
    raise InvalidInput(field, f"{text!r} is not one of female, male, other, unknown")


def parse_ethnicity(text: str | None, field: str = "ethnicity") -> str | None:
    if text is None or not text.strip():
        return None
    code = text.strip().upper()
    if code not in ETHNIC_CATEGORIES_ENGLAND:
        raise InvalidInput(
            field, f"{text!r} is not an ethnic category code (A–S, Z not stated, 99 not known)"
        )
    return code


class FlagSource(StrEnum):
    """Who told us."""

    SELF_DECLARED = "self_declared"
    OUTREACH_TEAM = "outreach_team"
    CLINICIAN = "clinician"
    IMPORTED = "imported"


@dataclass(frozen=True)
class FlagRecord:
    """An inclusion-health flag as a role that may see it sees it."""

    id: int | None
    patient_id: int
    category: str
    subcategory: str | None
    snomed_code: str | None
    start: dt.date
    end: dt.date | None
    review: dt.date | None
    source: FlagSource
    recorded_by: str
    end_reason: str | None = None
    restricted: bool = False
    label: str = ""

    def active_on(self, day: dt.date) -> bool:
        return covers(self.start, self.end, day)


@dataclass(frozen=True)
class AdjustmentRecord:
    """A reasonable adjustment with its NHS RA category and SNOMED code."""

    id: int | None
    patient_id: int
    kind: str
    ra_category: str
    snomed_code: str | None
    detail: str | None
    start: dt.date
    end: dt.date | None
    recorded_by: str

    def active_on(self, day: dt.date) -> bool:
        return covers(self.start, self.end, day)


@dataclass(frozen=True)
class PatientRecord:
    """Everything stored about a patient apart from flags and adjustments."""

    id: int | None
    given_name: str
    family_name: str
    date_of_birth: dt.date
    dob_estimated: bool
    sex: Sex
    title: str | None = None
    nhs_number: str | None = None
    nhs_number_status: VerificationStatus | None = None
    nhs_number_unavailable_reason: UnavailableReason | None = None
    addresses: Addresses = field(default_factory=Addresses)
    contact: ContactDetails = field(default_factory=ContactDetails)
    communication: Communication = field(default_factory=Communication)
    ethnicity_code: str | None = None
    linked_to_id: int | None = None
    registrations: tuple[RegistrationPeriod, ...] = ()

    @property
    def display_name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    def registered_on(self, day: dt.date) -> bool:
        return is_registered_on(self.registrations, day)


@dataclass(frozen=True)
class PatientView:
    """What ``show`` returns: the record, the flags the role may see, adjustments and needs."""

    record: PatientRecord
    flags: tuple[FlagRecord, ...]
    adjustments: tuple[AdjustmentRecord, ...]
    needs: AccessNeeds
    registered_today: bool
    health_check_due: dt.date | None = None
    linked_records: tuple[int, ...] = ()
    """Other records confirmed to be the same person (both histories kept)."""


@dataclass(frozen=True)
class PatientListItem:
    """One row of a search or list: role-filtered flags, needs as phrases."""

    id: int
    display_name: str
    date_of_birth: dt.date
    dob_estimated: bool
    sex: Sex
    nhs_number: str | None
    registered_today: bool
    flag_labels: tuple[str, ...]
    needs: tuple[str, ...]
    linked_to_id: int | None = None
