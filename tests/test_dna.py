"""DNA events, the worklist and explanations through the service, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator

import pytest
from freezegun import freeze_time

from inclusion_practice.api import InclusionPractice
from inclusion_practice.clock import SystemClock
from inclusion_practice.config import PracticeConfig
from inclusion_practice.domain.actor import Actor
from inclusion_practice.domain.dna_ladder import SANCTIONS, DnaAction
from inclusion_practice.domain.needs import AGREED_FLEXIBLE
from inclusion_practice.errors import InvalidInput
from inclusion_practice.services.access import SYSTEM
from inclusion_practice.services.dna import DnaOutcome
from inclusion_practice.storage.database import Database
from inclusion_practice.storage.tables import ClinicalEvent
from tests.scheduling_helpers import add_patient, snapshot

A = DnaAction


def _history(ip: InclusionPractice, actor: Actor, patient: int, days_ago: list[int]) -> list[DnaOutcome]:
    now = ip.clock.now()
    return [ip.dna.record(actor, patient, now - dt.timedelta(days=d)) for d in days_ago]


def test_a_dna_on_the_book_puts_the_ladders_action_on_the_worklist_with_its_reasons(
    ip: InclusionPractice, actors: dict[str, Actor]
) -> None:
    ip.schedule.generate(actors["manager"], weeks=1)
    p = add_patient(ip)
    offer = ip.appointments.find_slots(p, date_from=dt.date(2026, 11, 24))[0]
    appt = ip.appointments.book(actors["receptionist"], p, offer.slot_ids).appointment
    ip.clock.advance(dt.timedelta(days=1, hours=3))  # type: ignore[attr-defined]
    r = ip.appointments.dna(actors["receptionist"], appt.id)
    assert r.dna is not None and r.dna.decision.actions == (A.SMS_REMINDER,)
    assert ip.dna.worklist(SYSTEM) == []  # due in 3 days
    ip.clock.advance(dt.timedelta(days=3))  # type: ignore[attr-defined]
    [item] = ip.dna.worklist(SYSTEM)
    assert (item.patient_id, item.action, item.policy, item.counted) == (
        p, A.SMS_REMINDER, "standard", (dt.date(2026, 11, 24),)
    )
    assert "standard ladder step 1" in item.rule
    done = ip.dna.done(actors["receptionist"], item.id, "SMS sent; patient replied")
    assert done.status == "done" and done.outcome == "SMS sent; patient replied"
    assert ip.dna.worklist(SYSTEM) == []
    text = "\n".join(ip.dna.explain(SYSTEM, p).lines())
    assert "Policy: standard" in text and "2026-11-24" in text and "SMS sent" in text


def test_a_repeated_dna_raises_outreach_priority_without_duplicating_the_action(
    ip: InclusionPractice, actors: dict[str, Actor]
) -> None:
    p = add_patient(ip, flags=("homelessness",))
    outcomes = _history(ip, actors["receptionist"], p, [40, 20, 1])
    items = ip.dna.worklist(SYSTEM, include_later=True)
    keyworker = [i for i in items if i.action is A.CONTACT_VIA_KEYWORKER]
    assert len(keyworker) == 1 and keyworker[0].priority == 3
    assert keyworker[0].priority_label == "high"
    assert {i.action for i in items} == {A.CONTACT_VIA_KEYWORKER, A.OFFER_DROP_IN,
                                         A.CLINICIAN_REVIEW, A.SAFEGUARDING_CHECK}
    assert outcomes[-1].decision.flexible_reasons == (AGREED_FLEXIBLE,)
    explained = "\n".join(ip.dna.explain(SYSTEM, p).lines())
    assert f"Policy: flexible (because: {AGREED_FLEXIBLE})" in explained
    assert "homelessness" not in explained  # reception sees the reason class, never the flag


def test_recording_an_outcome_needs_one_and_changes_nothing_without(
    ip: InclusionPractice, actors: dict[str, Actor]
) -> None:
    p = add_patient(ip)
    out = _history(ip, actors["receptionist"], p, [1])[0]
    before = snapshot(ip)
    with pytest.raises(InvalidInput) as err:
        ip.dna.done(actors["receptionist"], out.action_ids[0], "  ")
    assert err.value.field == "outcome"
    with pytest.raises(InvalidInput) as err:
        ip.dna.record(actors["receptionist"], p, ip.clock.now() + dt.timedelta(days=1))
    assert err.value.field == "occurred_at"
    with pytest.raises(InvalidInput) as err:
        ip.dna.record(actors["receptionist"], p, reason="forgot")
    assert err.value.field == "reason"
    assert snapshot(ip) == before


# --- never a removal for a patient the flexible policy covers, on every path ------------------

def _flag(ip: InclusionPractice) -> int:
    return add_patient(ip, flags=("sex_work",))


def _adjustment(ip: InclusionPractice) -> int:
    return add_patient(ip, adjustments=(("flexible_dna", None),))


def _ld_flag(ip: InclusionPractice) -> int:
    return add_patient(ip, flags=("learning_disability",))


def _mh_register(ip: InclusionPractice) -> int:
    p = add_patient(ip)
    from inclusion_practice.services.access import SYSTEM

    with ip.db.write(SYSTEM, "test_fixture") as uow:
        uow.session.add(ClinicalEvent(patient_id=p, code="391193001", event_date=dt.date(2024, 1, 1),
                                      recorded_by="system"))
        uow.commit()
    return p


WHY: dict[str, Callable[[InclusionPractice], int]] = {
    "inclusion-health flag": _flag,
    "reasonable adjustment": _adjustment,
    "learning disability flag": _ld_flag,
    "mental health register": _mh_register,
}


def _via_record(ip: InclusionPractice, a: dict[str, Actor], p: int) -> list[DnaOutcome]:
    return _history(ip, a["receptionist"], p, [100, 80, 60, 40, 20, 1])


def _via_appointments(ip: InclusionPractice, a: dict[str, Actor], p: int) -> list[DnaOutcome]:
    """No-shows and late arrivals recorded at the desk, each on the book."""
    ip.schedule.generate(a["manager"], weeks=1)
    out = []
    offers = ip.appointments.find_slots(p, date_from=dt.date(2026, 11, 24), per_session=6, limit=6)
    appts = [ip.appointments.book(a["receptionist"], p, o.slot_ids).appointment for o in offers]
    ip.clock.advance(dt.timedelta(days=8))  # type: ignore[attr-defined]
    for i, appt in enumerate(appts):
        if i % 2:
            r = ip.appointments.arrive(a["receptionist"], appt.id,
                                       at=appt.start + dt.timedelta(minutes=40))
        else:
            r = ip.appointments.dna(a["receptionist"], appt.id)
        assert r.dna is not None
        out.append(r.dna)
    return out


def _after_standard_history(ip: InclusionPractice, a: dict[str, Actor], p: int) -> list[DnaOutcome]:
    """Sanctions proposed while the policy was standard; then the patient becomes covered."""
    from sqlmodel import select

    from inclusion_practice.services.access import SYSTEM
    from inclusion_practice.storage.tables import Adjustment, Flag

    tomorrow = ip.clock.today() + dt.timedelta(days=1)
    with ip.db.write(SYSTEM, "test_fixture") as uow:  # whatever brings cover starts tomorrow
        for table in (Flag, Adjustment):
            for row in uow.session.exec(select(table).where(table.patient_id == p)).all():
                row.start_date = tomorrow
                uow.session.add(row)
        for ev in uow.session.exec(select(ClinicalEvent).where(ClinicalEvent.patient_id == p)).all():
            ev.event_date = tomorrow
            uow.session.add(ev)
        uow.commit()
    assert not ip.appointments.needs(p).flexible_dna
    _history(ip, a["receptionist"], p, [200, 150, 100])
    warn_item = next(i for i in ip.dna.worklist(SYSTEM, include_later=True)
                     if i.patient_id == p and i.action is A.WARNING_LETTER)
    ip.dna.done(a["receptionist"], warn_item.id, "warning letter sent")
    sanctions = _history(ip, a["receptionist"], p, [10])
    assert sanctions[0].decision.actions == (A.PARTNER_REVIEW, A.CONSIDER_REMOVAL)
    ip.clock.advance(dt.timedelta(days=1))  # type: ignore[attr-defined]  # cover starts today
    assert not [i for i in ip.dna.worklist(SYSTEM, include_later=True)
                if i.patient_id == p and i.action in SANCTIONS], "hidden before any new DNA"
    with pytest.raises(InvalidInput):
        ip.dna.done(a["receptionist"], sanctions[0].action_ids[-1], "removal letter")
    return _history(ip, a["receptionist"], p, [0])


PATHS: dict[str, Callable[[InclusionPractice, dict[str, Actor], int], list[DnaOutcome]]] = {
    "dna record": _via_record,
    "no-show and late arrival at the desk": _via_appointments,
    "flagged after standard sanctions were proposed": _after_standard_history,
}


def test_a_patient_the_flexible_policy_covers_is_never_proposed_for_removal(
    ip: InclusionPractice, actors: dict[str, Actor]
) -> None:
    """Every path that records a DNA, for every reason the flexible policy applies.

    One test body loops over the combinations (fresh patient each) so the matrix costs one
    database set-up per engine.
    """
    for path, record in PATHS.items():
        for why, make in WHY.items():
            case = f"{why} / {path}"
            p = make(ip)
            outcomes = record(ip, actors, p)
            final = outcomes[-1].decision
            assert final.policy.value == "flexible", case
            assert final.flexible_reasons, case
            assert not [o for o in outcomes
                        if o.decision.policy.value == "flexible" and o.decision.proposes_sanction], case
            later = ip.clock.today() + dt.timedelta(days=30)
            listed = [i for i in ip.dna.worklist(SYSTEM, later, include_later=True) if i.patient_id == p]
            assert listed and not SANCTIONS.intersection(i.action for i in listed), case
            explanation = ip.dna.explain(SYSTEM, p)
            assert not explanation.decision.proposes_sanction, case
            assert not [x for x in explanation.actions
                        if x.action in SANCTIONS and x.status == "due"], case


# --- the 12-month lapse, with the calendar moving (freezegun) ----------------------------------

@pytest.fixture
def live_ip(db_url: str, config: PracticeConfig) -> Iterator[InclusionPractice]:
    """The practice on the system clock, so freezegun moves "today" for every layer."""
    with freeze_time("2025-01-10 10:00") as frozen:
        practice = InclusionPractice(Database(db_url, clock=SystemClock()), config, SystemClock())
        practice.frozen = frozen  # type: ignore[attr-defined]
        yield practice
        practice.close()


def test_a_warning_lapses_after_twelve_months_so_removal_is_not_proposed_again(
    live_ip: InclusionPractice, actors: dict[str, Actor]
) -> None:
    ip, frozen = live_ip, live_ip.frozen  # type: ignore[attr-defined]
    reception = actors["receptionist"]
    p = add_patient(ip)

    def dna_on(day: str) -> DnaOutcome:
        frozen.move_to(f"{day} 10:00")
        return ip.dna.record(reception, p)

    dna_on("2025-01-10")
    dna_on("2025-02-10")
    third = dna_on("2025-03-10")
    assert third.decision.actions == (A.WARNING_LETTER,)
    frozen.move_to("2025-03-12 11:00")
    ip.dna.done(reception, third.action_ids[0], "warning letter posted")
    fourth = dna_on("2025-06-01")
    assert fourth.decision.actions == (A.PARTNER_REVIEW, A.CONSIDER_REMOVAL)
    assert fourth.decision.warnings_in_force == (dt.date(2025, 3, 12),)
    dna_on("2025-12-01")
    dna_on("2026-01-05")
    in_force = dna_on("2026-02-02")
    assert in_force.decision.actions == (A.PARTNER_REVIEW, A.CONSIDER_REMOVAL)
    lapsed = dna_on("2026-03-20")
    assert len(lapsed.decision.counted) == 5
    assert lapsed.decision.actions == (A.WARNING_LETTER,)
    assert lapsed.decision.warnings_lapsed == (dt.date(2025, 3, 12),)
    assert "none is in force (lapsed: 2025-03-12)" in lapsed.decision.rule
    frozen.move_to("2027-06-01 10:00")
    assert ip.dna.explain(SYSTEM, p).decision.actions == ()
