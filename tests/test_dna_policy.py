"""Spec tables for the DNA ladder (standard and flexible) and the never-a-sanction rule."""

from __future__ import annotations

import datetime as dt

import pytest
from freezegun import freeze_time
from hypothesis import given, settings
from hypothesis import strategies as st

from inclusion_practice.clock import SystemClock
from inclusion_practice.domain.dna_ladder import SANCTIONS, DnaAction, DnaSettings, LadderStep
from inclusion_practice.domain.dna_policy import (
    DnaRecord,
    FlexibleBasis,
    Policy,
    decide,
    months_before,
)

TODAY = dt.date(2026, 11, 23)
STANDARD = FlexibleBasis(False)
FLEXIBLE = FlexibleBasis(True, ("inclusion-health flag",))
A = DnaAction


def _d(*days: str) -> list[DnaRecord]:
    return [DnaRecord(dt.date.fromisoformat(d), i) for i, d in enumerate(days)]


RECENT = ["2026-11-20", "2026-10-02", "2026-08-14", "2026-05-05", "2026-03-03", "2026-01-09"]

STANDARD_SPEC = [
    # what, DNA dates, warnings sent, expected actions, a phrase the rule must contain
    ("no DNAs: nothing to do", [], [], (), "no DNAs in the last 12 months"),
    ("one DNA: SMS reminder", RECENT[:1], [], (A.SMS_REMINDER,), "standard ladder step 1"),
    ("two DNAs: letter", RECENT[:2], [], (A.LETTER,), "step 2: 2 DNA(s)"),
    ("three DNAs: warning letter", RECENT[:3], [], (A.WARNING_LETTER,), "step 3"),
    ("four DNAs with a warning in force: partner review and consider removal",
     RECENT[:4], ["2026-08-20"], (A.PARTNER_REVIEW, A.CONSIDER_REMOVAL), "step 4"),
    ("four DNAs, the only warning has lapsed: a warning letter instead of removal",
     RECENT[:4], ["2025-11-01"], (A.WARNING_LETTER,), "none is in force (lapsed: 2025-11-01)"),
    ("four DNAs and never warned: a warning letter instead of removal",
     RECENT[:4], [], (A.WARNING_LETTER,), "removal needs a warning in the last 12 months"),
    ("a warning exactly 12 months old has lapsed",
     RECENT[:4], ["2025-11-23"], (A.WARNING_LETTER,), "lapsed: 2025-11-23"),
    ("a warning 12 months less a day old is in force",
     RECENT[:4], ["2025-11-24"], (A.PARTNER_REVIEW, A.CONSIDER_REMOVAL), "step 4"),
    ("six DNAs: the top step, saying so", RECENT, ["2026-09-01"],
     (A.PARTNER_REVIEW, A.CONSIDER_REMOVAL), "beyond the top step (4)"),
    ("DNAs older than the window are not counted",
     ["2026-11-20", "2024-01-01", "2024-02-01", "2024-03-01"], [], (A.SMS_REMINDER,), "1 DNA(s)"),
    ("a DNA exactly 12 months ago is outside the window",
     ["2025-11-23", "2026-11-20"], [], (A.SMS_REMINDER,), "1 DNA(s)"),
    ("a DNA 12 months less a day ago is inside",
     ["2025-11-24", "2026-11-20"], [], (A.LETTER,), "2 DNA(s)"),
]

FLEXIBLE_SPEC = [
    # what, DNA dates, warnings sent, expected actions, expected priority
    ("one DNA: keyworker contact and an offer of drop-in", RECENT[:1], [],
     (A.CONTACT_VIA_KEYWORKER, A.OFFER_DROP_IN), 1),
    ("two DNAs: keyworker and clinician review, priority raised", RECENT[:2], [],
     (A.CONTACT_VIA_KEYWORKER, A.CLINICIAN_REVIEW), 2),
    ("three DNAs: add a safeguarding check, high priority", RECENT[:3], [],
     (A.CONTACT_VIA_KEYWORKER, A.CLINICIAN_REVIEW, A.SAFEGUARDING_CHECK), 3),
    ("four DNAs with a warning in force: still outreach, never removal", RECENT[:4], ["2026-08-20"],
     (A.CONTACT_VIA_KEYWORKER, A.CLINICIAN_REVIEW, A.SAFEGUARDING_CHECK), 4),
    ("six DNAs: outreach at higher priority", RECENT, [],
     (A.CONTACT_VIA_KEYWORKER, A.CLINICIAN_REVIEW, A.SAFEGUARDING_CHECK), 6),
    ("no DNAs in the window: nothing", ["2024-01-01"], [], (), 0),
]


@pytest.mark.parametrize(("what", "dnas", "warnings", "actions", "rule"), STANDARD_SPEC,
                         ids=[r[0] for r in STANDARD_SPEC])
def test_standard_ladder(what: str, dnas: list[str], warnings: list[str],
                         actions: tuple[DnaAction, ...], rule: str) -> None:
    d = decide(_d(*dnas), [dt.date.fromisoformat(w) for w in warnings], TODAY, DnaSettings(),
               STANDARD)
    assert d.policy is Policy.STANDARD
    assert d.actions == actions
    assert rule in d.rule, d.rule
    assert d.flexible_reasons == ()


@pytest.mark.parametrize(("what", "dnas", "warnings", "actions", "priority"), FLEXIBLE_SPEC,
                         ids=[r[0] for r in FLEXIBLE_SPEC])
def test_flexible_ladder(what: str, dnas: list[str], warnings: list[str],
                         actions: tuple[DnaAction, ...], priority: int) -> None:
    d = decide(_d(*dnas), [dt.date.fromisoformat(w) for w in warnings], TODAY, DnaSettings(),
               FLEXIBLE)
    assert d.policy is Policy.FLEXIBLE
    assert d.actions == actions
    assert d.priority == priority
    assert not d.proposes_sanction
    assert d.flexible_reasons == ("inclusion-health flag",)


def test_a_decision_explains_the_rule_the_dnas_counted_with_dates_and_why_flexible() -> None:
    d = decide(_d(*RECENT[:2]), [], TODAY, DnaSettings(), FlexibleBasis(
        True, ("inclusion-health flag", "reasonable adjustment")))
    text = "\n".join(d.lines())
    assert "Policy: flexible (because: inclusion-health flag; reasonable adjustment)" in text
    assert "DNAs counted since 2025-11-24 up to 2026-11-23: 2 (2026-10-02, 2026-11-20)" in text
    assert "Rule: flexible ladder step 2" in text
    assert "Outreach priority: raised (2)" in text
    assert d.to_json()["counted"][0]["on"] == "2026-10-02"


def test_warnings_lapse_after_twelve_months_as_the_calendar_moves_on() -> None:
    """The same history decided on successive days (the date comes from a frozen clock)."""
    dnas = _d("2026-09-01", "2026-09-15", "2026-10-01", "2026-11-20")
    warnings = [dt.date(2025, 11, 25)]
    with freeze_time("2026-11-24"):
        before = decide(dnas, warnings, SystemClock().today(), DnaSettings(), STANDARD)
    with freeze_time("2026-11-25"):
        on_the_day = decide(dnas, warnings, SystemClock().today(), DnaSettings(), STANDARD)
    assert before.actions == (A.PARTNER_REVIEW, A.CONSIDER_REMOVAL)
    assert before.warnings_in_force == (dt.date(2025, 11, 25),)
    assert on_the_day.actions == (A.WARNING_LETTER,)
    assert on_the_day.warnings_lapsed == (dt.date(2025, 11, 25),)


@pytest.mark.parametrize(("day", "months", "expected"), [
    ("2026-11-23", 12, "2025-11-23"),
    ("2026-03-31", 1, "2026-02-28"),
    ("2028-03-31", 1, "2028-02-29"),
    ("2026-01-15", 13, "2024-12-15"),
])
def test_months_before_clamps_to_the_end_of_a_short_month(day: str, months: int, expected: str) -> None:
    assert months_before(dt.date.fromisoformat(day), months) == dt.date.fromisoformat(expected)


_dates = st.dates(min_value=dt.date(2023, 1, 1), max_value=dt.date(2027, 12, 31))
_outreach = st.lists(st.sampled_from([a for a in DnaAction if a not in SANCTIONS]), min_size=1,
                     max_size=3, unique=True)
_any_action = st.lists(st.sampled_from(list(DnaAction)), min_size=1, max_size=3, unique=True)


@st.composite
def _ladder(draw: st.DrawFn, actions: st.SearchStrategy[list[DnaAction]]) -> list[LadderStep]:
    counts = sorted(draw(st.sets(st.integers(1, 8), min_size=1, max_size=5)))
    return [LadderStep(dnas=c, actions=draw(actions)) for c in counts]


@settings(max_examples=300, deadline=None)
@given(
    dnas=st.lists(_dates, max_size=12),
    warnings=st.lists(_dates, max_size=4),
    today=_dates,
    standard=_ladder(_any_action),
    flexible=_ladder(_outreach),
    window=st.integers(1, 36),
    lapse=st.integers(1, 36),
    sneak_sanctions_in=st.booleans(),
)
def test_a_flexible_decision_never_proposes_a_warning_or_removal(
    dnas: list[dt.date], warnings: list[dt.date], today: dt.date, standard: list[LadderStep],
    flexible: list[LadderStep], window: int, lapse: int, sneak_sanctions_in: bool,
) -> None:
    cfg = DnaSettings(window_months=window, warning_lapse_months=lapse, standard_ladder=standard,
                      flexible_ladder=flexible)
    if sneak_sanctions_in:
        # Even a ladder that bypassed validation (model_construct) cannot smuggle a sanction in.
        cfg = DnaSettings.model_construct(**{**cfg.__dict__, "flexible_ladder": standard})
    d = decide([DnaRecord(x) for x in dnas], warnings, today, cfg, FLEXIBLE)
    assert not SANCTIONS.intersection(d.actions)
    assert d.policy is Policy.FLEXIBLE
    if d.actions:
        assert d.priority >= 1
