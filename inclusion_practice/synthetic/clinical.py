"""Synthetic coded history for one patient: the events and invitations indicators count.

Pure: a :class:`random.Random`, the synthetic patient and "today" in; rows out. The codes come
from the shipped indicator code lists (so the demo practice exercises every indicator), and the
probabilities are chosen so achievement is realistic: flagged inclusion-health patients get more
care than others but nobody gets everything, some decline or are unsuitable, and some are
invited twice (at least 7 days apart) without responding — the personalised care adjustments.
"""

from __future__ import annotations

import datetime as dt
import functools
import random

from inclusion_practice.indicators.definitions import shipped_codelists
from inclusion_practice.synthetic.people import SyntheticPatient

Event = tuple[str, dt.date, float | None]
InvitationRow = tuple[str, dt.date]

HISTORY_YEARS = 3
BBV_CATEGORIES = frozenset({"homelessness", "substance_use", "sex_work"})
TB_CATEGORIES = frozenset({"homelessness", "vulnerable_migrant", "prison_leaver"})

# Invitation topics: the set definitions name the same strings.
TOPIC_HEALTH_REVIEW = "health_review"
TOPIC_BBV = "bbv"
TOPIC_FLU = "flu"
TOPIC_MENTAL_HEALTH = "mental_health"
TOPIC_SMOKING = "smoking"
TOPIC_TB = "tb"
TOPIC_ALCOHOL = "alcohol"


HEPB_DOSE_CODES: tuple[str, str, str] = ("170370000", "170371001", "170372008")
"""First, second and third hepatitis B vaccination (from the hepb_vaccination code list), so a
synthetic course is recorded dose by dose as a clinical system would."""


@functools.cache
def _codes() -> dict[str, tuple[str, ...]]:
    return {name: tuple(c.code for c in cl.codes) for name, cl in shipped_codelists().items()}


def _pick(rng: random.Random, codelist: str) -> str:
    return rng.choice(_codes()[codelist])


def _day_in(rng: random.Random, start: dt.date, end: dt.date) -> dt.date | None:
    if end < start:
        return None
    return start + dt.timedelta(days=rng.randint(0, (end - start).days))


def clinical_history(
    rng: random.Random, p: SyntheticPatient, today: dt.date
) -> tuple[list[Event], list[InvitationRow]]:
    """Coded events ``(code, date, value)`` and invitations ``(topic, sent_on)`` for ``p``.

    Covers the :data:`HISTORY_YEARS` years before ``today`` while the patient was registered.
    Deterministic for a given ``rng`` state.
    """
    events: list[Event] = []
    invites: list[InvitationRow] = []
    first = max(p.registered_on, today - dt.timedelta(days=365 * HISTORY_YEARS))
    last = min(today, p.deregistered_on) if p.deregistered_on else today
    if last < first:
        return events, invites
    cats = set(p.categories)
    flagged = bool(cats)
    age = p.age_on(today)

    def add(codelist: str, day: dt.date | None, value: float | None = None) -> None:
        if day is not None and first <= day <= last:
            events.append((_pick(rng, codelist), day, value))

    def invite_twice(topic: str, start: dt.date, end: dt.date) -> None:
        """Two invitations at least 7 days apart (the "did not respond" PCA), or just one."""
        d1 = _day_in(rng, start, end - dt.timedelta(days=30))
        if d1 is None or not first <= d1 <= last:
            return
        invites.append((topic, d1))
        if rng.random() < 0.7:
            d2 = d1 + dt.timedelta(days=rng.randint(7, 28))
            if d2 <= last:
                invites.append((topic, d2))

    # New-patient health check, due within 28 days of registering.
    if p.registered_on >= first:
        r = rng.random()
        if r < (0.62 if flagged else 0.5):
            add("new_patient_check", p.registered_on + dt.timedelta(days=rng.randint(0, 28)))
        elif r < 0.8:
            add("new_patient_check", p.registered_on + dt.timedelta(days=rng.randint(29, 120)))
    if p.interpreter_needed:
        add("interpreter_needed", p.registered_on if p.registered_on >= first else first)

    # Hepatitis B course: three doses (0, 1, 6 months), not always completed.
    if flagged and rng.random() < 0.55:
        # Start early enough that a completed course (0, 1, 6 months) can fit in the history.
        d1 = _day_in(rng, first, max(first, last - dt.timedelta(days=200)))
        if d1 is not None:
            doses = 3 if rng.random() < 0.7 else rng.choice((1, 2))
            for dose, offset in enumerate((0, 30, 182)[:doses]):
                dose_day = d1 + dt.timedelta(days=offset)
                if first <= dose_day <= last:
                    events.append((HEPB_DOSE_CODES[dose], dose_day, None))

    contraindicated = rng.random() < 0.02
    if contraindicated:
        add("flu_contraindicated", _day_in(rng, first, last))

    for k in range(HISTORY_YEARS):
        y_end = today - dt.timedelta(days=365 * k)
        y_start = y_end - dt.timedelta(days=364)
        lo, hi = max(y_start, first), min(y_end, last)
        if hi < lo:
            continue

        # Annual inclusion-health review.
        if rng.random() < (0.6 if flagged else 0.35):
            add("health_review", _day_in(rng, lo, hi))
        elif flagged and rng.random() < 0.4:
            invite_twice(TOPIC_HEALTH_REVIEW, lo, hi)

        # Blood-borne virus testing.
        if cats & BBV_CATEGORIES:
            r = rng.random()
            if r < 0.5:
                day = _day_in(rng, lo, hi)
                for cl in ("hepb_test", "hepc_test", "hiv_test"):
                    add(cl, day)
            elif r < 0.62:
                add(rng.choice(("hepb_test", "hepc_test", "hiv_test")), _day_in(rng, lo, hi))
            elif r < 0.8:
                invite_twice(TOPIC_BBV, lo, hi)

        # Flu vaccination in season (September to March).
        season_start = dt.date(y_end.year if y_end.month >= 9 else y_end.year - 1, 9, 1)
        season_end = min(dt.date(season_start.year + 1, 3, 31), hi)
        s_lo = max(season_start, lo)
        if s_lo <= season_end and not contraindicated:
            if rng.random() < (0.55 if flagged or age >= 65 else 0.35):
                add("flu_vaccination", _day_in(rng, s_lo, min(season_end, s_lo + dt.timedelta(days=90))))
            elif rng.random() < 0.45:
                invite_twice(TOPIC_FLU, s_lo, season_end)

        # TB symptom screen or chest X-ray.
        if cats & TB_CATEGORIES:
            if rng.random() < 0.45:
                add("tb_screen", _day_in(rng, lo, hi))
            elif rng.random() < 0.3:
                invite_twice(TOPIC_TB, lo, hi)

        # Smoking status and support.
        if age >= 15 and rng.random() < 0.72:
            day = _day_in(rng, lo, hi)
            add("smoking_current" if p.smoker else "smoking_status", day)
            if p.smoker and rng.random() < 0.55:
                add("smoking_support", day)
            elif p.smoker and rng.random() < 0.3:
                invite_twice(TOPIC_SMOKING, lo, hi)

        # Alcohol: AUDIT-C score 0-12.
        if age >= 16:
            r = rng.random()
            if r < 0.58:
                score = rng.randint(5, 12) if p.drinks_harmfully else rng.randint(0, 4)
                add("audit_c", _day_in(rng, lo, hi), float(score))
            elif r < 0.63:
                add("alcohol_declined", _day_in(rng, lo, hi))

        # Mental-health review for flagged patients.
        if flagged:
            r = rng.random()
            if r < 0.48:
                add("mental_health_review", _day_in(rng, lo, hi))
            elif r < 0.52:
                add("mh_declined", _day_in(rng, lo, hi))
            elif r < 0.55:
                add("mh_unsuitable", _day_in(rng, lo, hi))
            elif r < 0.75:
                invite_twice(TOPIC_MENTAL_HEALTH, lo, hi)

        # Drug-use review or treatment referral.
        if "substance_use" in cats and rng.random() < 0.58:
            add("drug_review", _day_in(rng, lo, hi))

        # Sexual health: STI screening.
        if 16 <= age <= 64 and (
            rng.random() < (0.7 if "sex_work" in cats else 0.32 if flagged else 0.12)
        ):
            add("sti_screen", _day_in(rng, lo, hi))

    events.sort(key=lambda e: (e[1], e[0]))
    invites.sort(key=lambda i: (i[1], i[0]))
    return events, invites
