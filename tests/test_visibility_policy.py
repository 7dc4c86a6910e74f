"""One flag visibility policy: an allow-list by role, the same on every read path.

A category the configuration does not know (a practice category later removed from
practice.toml, say) must be hidden from non-clinical roles on the flag list, in patient lists
and in indicator explanations alike — before, the flag service hid it and the indicator service
showed it.
"""

from __future__ import annotations

import datetime as dt

import pytest

from inclusion_practice.api import InclusionPractice
from inclusion_practice.clock import FixedClock
from inclusion_practice.config import example_config_text, parse_config
from inclusion_practice.domain.actor import Actor
from inclusion_practice.domain.roles import Role, flag_visibility
from inclusion_practice.services.patients import NewPatient
from inclusion_practice.storage.database import Database

EXTRA = '\n[[flags.extra_categories]]\ncode = "care_leaver"\nlabel = "Care leaver"\nrestricted = false\n'


@pytest.mark.parametrize(
    ("role", "category", "seen"),
    [
        (Role.RECEPTIONIST, "homelessness", True),
        (Role.RECEPTIONIST, "sex_work", False),
        (Role.RECEPTIONIST, "never_heard_of", False),
        (Role.MANAGER, "substance_use", False),
        (Role.ADMIN, "domestic_abuse_refuge", False),
        (Role.CLINICIAN, "sex_work", True),
        (Role.CLINICIAN, "never_heard_of", True),
    ],
)
def test_the_policy_is_an_allow_list_by_role(role: Role, category: str, seen: bool) -> None:
    config = parse_config(example_config_text())
    policy = config.flag_visibility(role)
    assert policy.allows(category) is seen
    assert (category in policy.hidden_among([category])) is (not seen)


def test_a_clinical_role_sees_every_category_and_others_only_the_allowed_ones() -> None:
    assert flag_visibility(Role.CLINICIAN, {"a": True}).sees_everything
    policy = flag_visibility(Role.RECEPTIONIST, {"a": True, "b": False})
    assert policy.allowed == frozenset({"b"})


def test_a_category_the_configuration_no_longer_knows_is_hidden_on_every_read_path(
    db_url: str, actors: dict[str, Actor], clock: FixedClock
) -> None:
    with_extra = parse_config(example_config_text() + EXTRA)
    before = InclusionPractice(Database(db_url, clock=clock), with_extra, clock)
    pid = before.patients.register(
        actors["receptionist"],
        NewPatient(given_name="Ada", family_name="Lovelace", sex="female",
                   date_of_birth=dt.date(1990, 12, 10)),
    ).patient.id
    before.flags.add(actors["receptionist"], pid, "care_leaver", start=dt.date(2026, 1, 5))
    assert [f.category for f in before.flags.list(actors["receptionist"], pid)] == ["care_leaver"]
    before.close()

    after = InclusionPractice(Database(db_url, clock=clock), parse_config(example_config_text()), clock)
    try:
        receptionist, clinician = actors["receptionist"], actors["clinician"]
        assert after.flags.list(receptionist, pid) == []
        assert after.patients.show(receptionist, pid).flags == ()
        assert after.patients.find(receptionist, "Lovelace")[0].flag_labels == ()
        assert [f.category for f in after.flags.list(clinician, pid)] == ["care_leaver"]
        assert after.patients.list(receptionist)[0].flag_labels == ()
    finally:
        after.close()
