"""Roles and what each may do.

Permissions live here, in one table, so the library (not the UI) enforces them and a test can
walk the whole matrix.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    """A user's job at the practice."""

    RECEPTIONIST = "receptionist"
    CLINICIAN = "clinician"
    MANAGER = "manager"
    ADMIN = "admin"


CLINICAL_ROLES: frozenset[Role] = frozenset({Role.CLINICIAN})
"""Roles that may see restricted inclusion-health flags (sex work, substance use, refuge,
modern slavery). Front-desk, management and IT roles see the needs that follow, not the reason."""


class Permission(StrEnum):
    """Operations that are allowed or refused by role."""

    REGISTER_PATIENT = "register a patient"
    EDIT_PATIENT = "change a patient's details"
    DEREGISTER_PATIENT = "deregister a patient"
    RECORD_REFUSAL = "record a registration refusal"
    VIEW_REFUSALS = "view the refusals summary"
    ADD_FLAG = "add an inclusion-health flag"
    ADD_RESTRICTED_FLAG = "add a restricted inclusion-health flag"
    END_FLAG = "end an inclusion-health flag"
    VIEW_RESTRICTED_FLAGS = "see restricted inclusion-health flags"
    BOOK = "book an appointment"
    OVERBOOK = "overbook a slot"
    RECORD_ATTENDANCE = "record attendance"
    MANAGE_SCHEDULE = "generate or cancel sessions"
    RECORD_DNA_OUTCOME = "record the outcome of a DNA action"
    RECORD_CLINICAL_EVENT = "record a coded clinical event"
    RUN_INDICATORS = "run indicators"
    PRODUCE_RETURNS = "produce returns"
    MANAGE_USERS = "manage users"
    IMPORT_DATA = "import data"
    EXPORT_DATA = "export data"
    VIEW_ACCESS_LOG = "see who looked at a patient's record"
    VIEW_SIGN_INS = "view sign-in records"
    RECORD_PORTABLE_CONSENT = "record consent to a portable health record"
    PRINT_PORTABLE_RECORD = "print a portable health record"
    REPRINT_PORTABLE_RECORD = "reprint the last consented portable health record"
    READ_PATIENT_SUMMARY = "read a patient summary ($summary)"
    MAKE_REFERRAL = "refer a patient to a partner service"
    RECORD_REFERRAL_REPLY = "record a partner's reply to a referral"
    VIEW_REFERRALS = "see referrals to partner services"
    PLAN_MDT = "plan MDT meetings and their agendas"
    RECORD_MDT_DISCUSSION = "record MDT discussions and actions"
    VIEW_MDT = "see MDT agendas and actions"
    UPDATE_MDT_ACTION = "record the outcome of an MDT action"
    PRINT_MDT_AGENDA = "print an MDT agenda"


_ALL = frozenset(Permission)
_FRONT_DESK = frozenset(
    {
        Permission.REGISTER_PATIENT,
        Permission.EDIT_PATIENT,
        Permission.DEREGISTER_PATIENT,
        Permission.RECORD_REFUSAL,
        Permission.ADD_FLAG,
        Permission.END_FLAG,
        Permission.BOOK,
        Permission.RECORD_ATTENDANCE,
        Permission.RECORD_DNA_OUTCOME,
        Permission.REPRINT_PORTABLE_RECORD,
        Permission.RECORD_REFERRAL_REPLY,
        Permission.VIEW_REFERRALS,
        Permission.VIEW_MDT,
        Permission.UPDATE_MDT_ACTION,
    }
)
_CLINICAL_SUMMARY = frozenset(
    {
        Permission.RECORD_PORTABLE_CONSENT,
        Permission.PRINT_PORTABLE_RECORD,
        Permission.READ_PATIENT_SUMMARY,
    }
)
"""Choosing what goes on a portable record and reading the clinical summary: clinical roles
(reception may reprint the last card a clinician printed with the patient's consent)."""

PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.RECEPTIONIST: _FRONT_DESK,
    Role.CLINICIAN: _FRONT_DESK
    | {
        Permission.ADD_RESTRICTED_FLAG,
        Permission.VIEW_RESTRICTED_FLAGS,
        Permission.RECORD_CLINICAL_EVENT,
        Permission.RUN_INDICATORS,
        Permission.MAKE_REFERRAL,
        Permission.PLAN_MDT,
        Permission.RECORD_MDT_DISCUSSION,
        Permission.PRINT_MDT_AGENDA,
    }
    | _CLINICAL_SUMMARY,
    Role.MANAGER: _FRONT_DESK
    | {
        Permission.VIEW_REFUSALS,
        Permission.OVERBOOK,
        Permission.MANAGE_SCHEDULE,
        Permission.RUN_INDICATORS,
        Permission.PRODUCE_RETURNS,
        Permission.EXPORT_DATA,
        Permission.VIEW_ACCESS_LOG,
        Permission.VIEW_SIGN_INS,
        Permission.PLAN_MDT,
        Permission.PRINT_MDT_AGENDA,
    },
    Role.ADMIN: _ALL - {Permission.ADD_RESTRICTED_FLAG, Permission.VIEW_RESTRICTED_FLAGS}
    - _CLINICAL_SUMMARY,
}


def may(role: Role, permission: Permission) -> bool:
    """Whether ``role`` may do ``permission``."""
    return permission in PERMISSIONS[role]


def can_see_restricted(role: Role) -> bool:
    """Restricted flags are visible to clinical roles only."""
    return role in CLINICAL_ROLES


@dataclass(frozen=True)
class FlagVisibility:
    """Which inclusion-health flag categories a role may see: the one policy every read path
    (lists, banners, worklists, explanations, exports, REST) applies.

    It is an allow-list: ``allowed`` names the categories the role may see, or is ``None`` for
    a clinical role, which sees every category. A category the policy does not know — a new
    practice category, a code from an import — is therefore hidden from non-clinical roles until
    it is declared not restricted. The SQL form is
    :func:`inclusion_practice.storage.visibility.flag_category_visible`.
    """

    role: Role
    allowed: frozenset[str] | None

    @property
    def sees_everything(self) -> bool:
        return self.allowed is None

    def allows(self, category: str) -> bool:
        """Whether the role may see a flag of ``category``."""
        return self.allowed is None or category in self.allowed

    def hidden_among(self, categories: Iterable[str]) -> frozenset[str]:
        """The categories of ``categories`` the role may not see."""
        return frozenset(c for c in categories if not self.allows(c))


def flag_visibility(role: Role | str, restricted_by_category: Mapping[str, bool]) -> FlagVisibility:
    """The policy for ``role`` given each known category and whether it is restricted."""
    who = Role(role)
    if can_see_restricted(who):
        return FlagVisibility(who, None)
    return FlagVisibility(
        who, frozenset(code for code, restricted in restricted_by_category.items() if not restricted)
    )
