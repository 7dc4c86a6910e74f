"""The synthetic clinical history: deterministic, real codes from the shipped lists, PCAs, and
realistic achievement (neither 0 % nor 100 %) on every indicator it feeds in both shipped sets."""

from __future__ import annotations

import datetime as dt
import random

from inclusion_practice.domain.periods import parse_period
from inclusion_practice.indicators import memory_engine
from inclusion_practice.indicators.definitions import load_shipped_set, shipped_codelists
from inclusion_practice.indicators.records import (
    DnaActionRow,
    DnaRow,
    EventRow,
    FlagRow,
    InvitationRow,
    PatientHistory,
    RegistrationRow,
)
from inclusion_practice.synthetic.clinical import clinical_history
from inclusion_practice.synthetic.people import SyntheticPatient

TODAY = dt.date(2026, 3, 31)
CATS = ["homelessness", "substance_use", "vulnerable_migrant", "sex_work", "prison_leaver", "gypsy_roma_traveller"]


def _person(rng: random.Random, pid: int) -> SyntheticPatient:
    reg = TODAY - dt.timedelta(days=rng.randint(10, 2500))
    return SyntheticPatient(
        id=pid, given_name="Test", family_name="Patient",
        date_of_birth=dt.date(1945, 1, 1) + dt.timedelta(days=rng.randint(0, 365 * 62)),
        dob_estimated=False, sex=rng.choice(["female", "male"]), registered_on=reg,
        registration_kind="permanent", categories=set(rng.sample(CATS, rng.choice([0, 1, 1, 2]))),
        flagged_on=reg, smoker=rng.random() < 0.5, drinks_harmfully=rng.random() < 0.2,
        main_language=rng.choice(["en", "en", "pl", "ar"]), interpreter_needed=rng.random() < 0.3,
    )


def test_the_same_seed_gives_the_same_history() -> None:
    p = _person(random.Random(1), 1)
    assert clinical_history(random.Random(7), p, TODAY) == clinical_history(random.Random(7), p, TODAY)


def test_events_use_shipped_codes_within_three_years_of_registration() -> None:
    codes = {c for cl in shipped_codelists().values() for c in cl.code_set}
    rng = random.Random(2)
    for pid in range(1, 200):
        p = _person(rng, pid)
        events, invites = clinical_history(rng, p, TODAY)
        for code, day, _value in events:
            assert code in codes
            assert max(p.registered_on, TODAY - dt.timedelta(days=3 * 365)) <= day <= TODAY
        for _topic, day in invites:
            assert day <= TODAY


MDT_FED = {"IH016", "IH017"}
"""Fed by MDT meetings and referrals (synthetic/mdt.py), not by the clinical history."""


def test_every_indicator_fed_by_the_history_has_realistic_achievement() -> None:
    rng = random.Random(3)
    period = parse_period("2025/26")
    records = []
    for pid in range(1, 1500):
        p = _person(rng, pid)
        events, invites = clinical_history(rng, p, TODAY)
        dnas = tuple(
            DnaRow(dt.datetime(2025, 6, 1 + k, 10), None,
                   (DnaActionRow("contact_via_keyworker", "done", dt.datetime(2025, 6, 5 + k * 9, 10)),)
                   if rng.random() < 0.7 else ())
            for k in range(rng.choice([0, 0, 1, 2]))
        )
        records.append(PatientHistory(
            pid, p.date_of_birth, p.sex, p.main_language, p.interpreter_needed,
            rng.choice([None, "telephone"]) if p.main_language != "en" else None, rng.choice([None, "Sam"]),
            (RegistrationRow(p.registered_on),), tuple(FlagRow(c, p.registered_on) for c in sorted(p.categories)),
            tuple(EventRow(*e) for e in events), tuple(InvitationRow(*i) for i in invites), dnas,
        ))
    for set_id in ("inclusion-health-les", "pctms-local"):
        s = load_shipped_set(set_id)
        tallies = memory_engine.run_set(s, records, period)
        for ind in s.indicators:
            if ind.id in MDT_FED:
                continue
            total = tallies[ind.id].total
            assert total.denominator > 20, ind.id
            if ind.kind == "proportion":
                assert total.achievement is not None and 5 < total.achievement < 95, (ind.id, total)
        if set_id == "inclusion-health-les":
            assert any(tallies[i].total.exceptions for i in ("IH003", "IH006", "IH011"))
