"""A receptionist cannot tell who holds a restricted flag by combining what the screens show.

The attack that worked before: for a patient whose only flag is restricted, `patient needs` and
`dna explain` said "because: inclusion-health flag" while every flag list was empty — over 3,000
demo patients it picked out 29 of 78 restricted-flag holders with no false positives. Now every
role is told one reason for flexible handling, whatever its cause, so a restricted flag looks
exactly like the learning-disability or SMI register (which reception does not see either).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from sqlmodel import col, select

from inclusion_practice.api import InclusionPractice
from inclusion_practice.config import PracticeConfig
from inclusion_practice.domain.actor import Actor
from inclusion_practice.domain.needs import AGREED_FLEXIBLE
from inclusion_practice.services.access import SYSTEM
from inclusion_practice.storage.tables import ClinicalEvent, Flag
from inclusion_practice.synthetic.generator import generate_practice
from tests.scheduling_helpers import add_patient

RESTRICTED = ("sex_work", "substance_use", "domestic_abuse_refuge", "modern_slavery")


def _reception_view(ip: InclusionPractice, actor: Actor, pid: int) -> dict[str, Any]:
    """Everything a receptionist can read about a patient, names and ids taken out."""
    shown = ip.patients.show(actor, pid)
    explain = ip.dna.explain(actor, pid)
    text = "\n".join(explain.lines())
    text = re.sub(r"^.*\(patient \d+\).*$", "", text, flags=re.M)
    text = re.sub(r"#\d+", "#", text)
    found = ip.patients.find(actor, f"#{pid}")[0]
    return {
        "flags": [f.category for f in shown.flags],
        "needs": shown.needs,
        "needs_direct": ip.patients.needs(actor, pid),
        "booking_needs": ip.appointments.needs(pid),
        "list_needs": found.needs,
        "list_flags": found.flag_labels,
        "explain": text,
        "worklist": sorted(
            (a.action, a.policy, a.rule, a.flexible_reasons)
            for a in ip.dna.worklist(actor, include_later=True) if a.patient_id == pid
        ),
    }


def _mh_register(ip: InclusionPractice, pid: int) -> None:
    with ip.db.write(SYSTEM, "test_fixture") as uow:
        uow.session.add(ClinicalEvent(patient_id=pid, code="391193001",
                                      event_date=dt.date(2020, 1, 1), recorded_by="system"))
        uow.commit()


@pytest.mark.parametrize("category", RESTRICTED)
def test_a_restricted_only_patient_looks_to_reception_exactly_like_a_register_only_patient(
    ip: InclusionPractice, actors: dict[str, Actor], category: str
) -> None:
    restricted = add_patient(ip, flags=(category,))
    register = add_patient(ip)
    _mh_register(ip, register)
    now = ip.clock.now()
    for pid in (restricted, register):
        for days in (200, 90, 30):
            ip.dna.record(actors["receptionist"], pid, now - dt.timedelta(days=days))
    a = _reception_view(ip, actors["receptionist"], restricted)
    b = _reception_view(ip, actors["receptionist"], register)
    assert a == b
    assert a["needs"].flexible_dna and a["needs"].flexible_dna_reasons == (AGREED_FLEXIBLE,)
    assert a["needs"].flexible_dna_basis == ()
    # A clinician still sees why.
    assert ip.patients.needs(actors["clinician"], restricted).flexible_dna_basis == (
        "inclusion-health flag",)


def test_over_a_whole_synthetic_practice_no_receptionist_view_names_a_flag_it_hides(
    db_url: str, config: PracticeConfig, actors: dict[str, Actor], ip: InclusionPractice
) -> None:
    generate_practice(ip.db, config, patients=400, seed=7, today=ip.clock.today(),
                      with_users=False)
    receptionist = actors["receptionist"]
    with ip.db.read() as uow:
        holders = set(uow.session.exec(
            select(Flag.patient_id).where(col(Flag.category).in_(RESTRICTED))).all())
        flagged = set(uow.session.exec(select(Flag.patient_id)).all())
    assert holders, "the synthetic practice must hold restricted flags for this test to mean much"
    hits: set[int] = set()
    for pid in sorted(flagged):
        view = _reception_view(ip, receptionist, pid)
        words = f"{view['explain']} {view['worklist']} {view['needs']} {view['list_needs']}"
        assert "inclusion-health flag" not in words
        assert not any(c in words for c in RESTRICTED)
        # The attack: a flag-related reason for flexible handling with no flag in sight.
        if "flag" in words and not view["flags"]:
            hits.add(pid)
    assert hits == set()
