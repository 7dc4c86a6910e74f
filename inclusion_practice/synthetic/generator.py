"""A deterministic synthetic practice for demos, tests and benchmarks.

Same seed, same data. Realistic enough to exercise every rule: accents, hyphens and
transliterated names, estimated dates of birth, no NHS number, no fixed abode at proxy
addresses, several flags at once, interpreter needs across the languages in codes.csv, DNA
histories and three years of coded clinical events. Obviously synthetic: NHS numbers are in the
999 test range, phone numbers in Ofcom's drama ranges, emails at example.org.

Patients are built and written in batches, so memory stays flat from 1,000 to 1,000,000.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from inclusion_practice.config import PracticeConfig
from inclusion_practice.domain.dna_ladder import DnaAction as DnaActionKind
from inclusion_practice.domain.dna_policy import DnaRecord, FlexibleBasis, decide
from inclusion_practice.domain.flag_categories import BUILT_IN_CATEGORIES, categories_by_code
from inclusion_practice.domain.needs import AGREED_FLEXIBLE
from inclusion_practice.domain.postcode import NO_FIXED_ABODE
from inclusion_practice.services.access import SYSTEM
from inclusion_practice.services.bulk_load import BulkLoadService
from inclusion_practice.storage.database import Database
from inclusion_practice.synthetic.clinical import clinical_history
from inclusion_practice.synthetic.names import BSL_SHARE, ORIGINS, POSTCODES, STREETS, Origin
from inclusion_practice.synthetic.people import SyntheticPatient
from inclusion_practice.synthetic.summary_history import summary_history

Progress = Callable[[int, int], None]
"""Called with (patients done, patients total) after each batch."""

FLAGGED_SHARE = 0.10
"""Share of patients with at least one inclusion-health flag (the issue asks for 8–12 %)."""

CATEGORY_WEIGHTS: dict[str, float] = {
    "homelessness": 0.42,
    "vulnerable_migrant": 0.20,
    "gypsy_roma_traveller": 0.10,
    "substance_use": 0.10,
    "prison_leaver": 0.06,
    "learning_disability": 0.05,
    "sex_work": 0.03,
    "domestic_abuse_refuge": 0.02,
    "modern_slavery": 0.02,
}
SECOND_FLAG_SHARE = 0.28
"""Of flagged patients, how many have a second flag (homelessness with substance use, …)."""

DEMO_PASSWORD = "demo-password"
"""Password of every demo user (synthetic practice only)."""

DEMO_USERS: tuple[tuple[str, str, str, str | None], ...] = (
    ("reception1", "Rachel Reception (demo)", "receptionist", None),
    ("reception2", "Ravi Reception (demo)", "receptionist", None),
    ("reception3", "Róisín Reception (demo)", "receptionist", None),
    ("drokafor", "Dr Amara Okafor", "clinician", "dr-okafor"),
    ("drnowak", "Dr Piotr Nowak", "clinician", "dr-nowak"),
    ("nursemcdonagh", "Nurse Bríd McDonagh", "clinician", "nurse-mcdonagh"),
    ("manager1", "Mandy Manager (demo)", "manager", None),
    ("manager2", "Mo Manager (demo)", "manager", None),
    ("admin1", "Ada Admin (demo)", "admin", None),
)


@dataclass
class DemoSummary:
    """What the generator built, for the CLI to print and tests to check."""

    patients: int = 0
    registered_now: int = 0
    flagged: int = 0
    multi_flagged: int = 0
    by_category: dict[str, int] = field(default_factory=dict)
    no_nhs_number: int = 0
    no_fixed_abode: int = 0
    estimated_dob: int = 0
    interpreter_needed: int = 0
    by_language: dict[str, int] = field(default_factory=dict)
    dna_events: int = 0
    dna_actions: int = 0
    past_appointments: int = 0
    """Attended and missed appointments in the history (every DNA has one)."""
    clinical_events: int = 0
    invitations: int = 0
    adjustments: int = 0
    users: int = 0
    sessions: int = 0
    appointments: int = 0
    rows: int = 0
    seconds: float = 0.0

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0

    def lines(self) -> list[str]:
        def pct(n: int) -> str:
            return f"{100 * n / self.patients:.1f} %" if self.patients else "-"

        cats = ", ".join(f"{k} {v}" for k, v in sorted(self.by_category.items()))
        langs = ", ".join(f"{k} {v}" for k, v in sorted(self.by_language.items()))
        return [
            f"patients: {self.patients} ({self.registered_now} registered today)",
            f"flagged: {self.flagged} ({pct(self.flagged)}), {self.multi_flagged} with several flags",
            f"  by category: {cats}",
            f"no NHS number: {self.no_nhs_number} ({pct(self.no_nhs_number)})",
            f"no fixed abode (proxy address): {self.no_fixed_abode}",
            f"estimated date of birth: {self.estimated_dob}",
            f"interpreter needed: {self.interpreter_needed} ({langs})",
            f"reasonable adjustments: {self.adjustments}",
            f"DNA events: {self.dna_events} (policy actions: {self.dna_actions}), "
            f"past appointments: {self.past_appointments}; "
            f"coded clinical events: {self.clinical_events}; "
            f"invitations: {self.invitations}",
            f"users: {self.users}; sessions: {self.sessions}; appointments: {self.appointments}",
            f"{self.rows} rows in {self.seconds:.1f} s ({self.rows_per_second:,.0f} rows/s)",
        ]


def nhs_check_digit(nine: str) -> int | None:
    """Modulus 11 check digit for nine digits; None where the number is invalid (10)."""
    total = sum(int(d) * w for d, w in zip(nine, range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        return 0
    return None if check == 10 else check


TEST_RANGE_CAPACITY = 900_000
"""Patients that get a unique synthetic NHS number; any beyond (million-patient benchmarks) get
none, which the record then explains with an unavailable reason."""


def synthetic_nhs_number(patient_id: int) -> str | None:
    """A unique, valid NHS number in the 999 range, which is never issued to real people.

    The id's last five digits are scrambled (a bijection) into the number's middle; its higher
    digits choose which of the valid final digits to use (changing that digit moves the
    modulus-11 sum through ten different residues, so at least nine of ten are valid). Distinct
    ids below :data:`TEST_RANGE_CAPACITY` therefore never share a number.
    """
    if not 0 < patient_id < TEST_RANGE_CAPACITY:
        return None
    choice, low = divmod(patient_id, 100_000)
    middle = f"999{(low * 7919) % 100_000:05d}"
    partial = sum(int(d) * w for d, w in zip(middle, range(10, 2, -1), strict=True))
    # The ninth digit has weight 2; the number is invalid only when the sum is 1 mod 11.
    valid = [d for d in range(10) if (partial + 2 * d) % 11 != 1]
    nine = f"{middle}{valid[choice]}"
    return nine + str(nhs_check_digit(nine))


def fold_name(given: str, family: str) -> str:
    """The search key stored with each patient (see :mod:`inclusion_practice.domain.names`)."""
    from inclusion_practice.domain.names import name_key

    return name_key(given, family)


def _pick_origin(rng: random.Random, skew_migrant: bool) -> Origin:
    weights = [o.weight * (6 if skew_migrant and o.language != "en" else 1) for o in ORIGINS]
    return rng.choices(ORIGINS, weights=weights)[0]


class _Builder:
    """Builds one patient's rows. Holds the random generator: call order fixes the data."""

    def __init__(self, rng: random.Random, config: PracticeConfig, today: dt.date,
                 visits: random.Random | None = None,
                 sessions: dict[tuple[str, dt.date], int] | None = None,
                 summary_seed: str = "summary") -> None:
        self.rng = rng
        self.summary_seed = summary_seed
        """Seeds each patient's problems, allergies and medicines (see ``summary_history``)."""
        self.visits = visits or random.Random(0)
        """Past appointments draw from their own generator, so adding them left every other
        row of a seed as it was."""
        self.sessions: dict[tuple[str, dt.date], int] = sessions if sessions is not None else {}
        """(clinician, day) → the past session its appointments sit in."""
        self.config = config
        self.today = today
        self.now = dt.datetime.combine(today, dt.time(8, 0))
        self.partners: list[str | None] = [p.code for p in config.partners] or [None]
        self.hostels = [p.code for p in config.partners if p.kind.value in ("hostel", "night_shelter")]
        self.categories = categories_by_code()

    def patient(self, pid: int, ids: dict[str, int], out: dict[str, list[dict[str, Any]]],
                summary: DemoSummary) -> None:
        rng = self.rng
        flagged = rng.random() < FLAGGED_SHARE
        cats: list[str] = []
        if flagged:
            cats.append(rng.choices(list(CATEGORY_WEIGHTS), weights=list(CATEGORY_WEIGHTS.values()))[0])
            if rng.random() < SECOND_FLAG_SHARE:
                second = "substance_use" if cats[0] == "homelessness" else rng.choice(
                    [c for c in CATEGORY_WEIGHTS if c != cats[0]])
                if second not in cats:
                    cats.append(second)
        migrant = "vulnerable_migrant" in cats or "modern_slavery" in cats
        origin = _pick_origin(rng, migrant)
        if "gypsy_roma_traveller" in cats:
            grt_key = rng.choice(["irish_traveller", "roma"])
            origin = next(o for o in ORIGINS if o.key == grt_key)
        sex = rng.choices(["female", "male", "other"], weights=[50, 49, 1])[0]
        if "sex_work" in cats or "domestic_abuse_refuge" in cats:
            sex = rng.choices(["female", "male"], weights=[85, 15])[0]
        female = sex == "female" or (sex == "other" and rng.random() < 0.5)
        given = rng.choice(origin.female if female else origin.male)
        families = origin.family_female if female and origin.family_female else origin.family
        family = rng.choice(families)
        age = int(min(99, max(0, rng.gauss(38 if flagged else 41, 13 if flagged else 22))))
        if flagged:
            age = max(age, 16)
        estimated = rng.random() < (0.15 if migrant or "homelessness" in cats else 0.005)
        birth_year = self.today.year - age
        if estimated:
            dob = dt.date(birth_year, 1, 1)
        else:
            dob = dt.date(birth_year, 1, 1) + dt.timedelta(days=rng.randrange(365))
        if dob > self.today:
            dob = self.today - dt.timedelta(days=1)
        # Registration: flagged people register more recently and more often temporarily.
        years_back = rng.expovariate(1 / (2.5 if flagged else 6.0))
        registered_on = max(dob, self.today - dt.timedelta(days=int(years_back * 365)))
        kind = "permanent"
        if rng.random() < (0.08 if flagged else 0.02):
            kind = "temporary"
        elif rng.random() < 0.005:
            kind = "immediately_necessary"
        planned_end = None
        if kind == "temporary":
            planned_end = registered_on + dt.timedelta(days=rng.randint(1, 92))
        elif kind == "immediately_necessary":
            planned_end = registered_on + dt.timedelta(days=14)
        end_date = end_reason = None
        if rng.random() < (0.12 if flagged else 0.06):
            end_date = registered_on + dt.timedelta(days=rng.randint(30, 900))
            if end_date >= self.today:
                end_date = None
            else:
                end_reason = rng.choices(["moved", "died", "removed"], weights=[85, 10, 5])[0]
        currently = end_date is None and (planned_end is None or planned_end >= self.today)

        homeless_sub = None
        if "homelessness" in cats:
            homeless_sub = rng.choices(
                ["rough_sleeping", "hostel_or_shelter", "hidden", "temporary_accommodation"],
                weights=[30, 35, 20, 15])[0]
        nfa = homeless_sub in ("rough_sleeping", "hostel_or_shelter", "hidden")
        no_nhs = rng.random() < (0.3 if migrant or nfa else 0.03)
        nhs_number = None if no_nhs else synthetic_nhs_number(pid)
        no_nhs = nhs_number is None
        # Language and interpreter.
        language = origin.language
        interpreter = language != "en" and rng.random() < origin.interpreter_share
        if rng.random() < BSL_SHARE:
            language, interpreter = "bfi", True
        mode = None
        if interpreter:
            mode = "bsl_in_person" if language == "bfi" else rng.choices(
                ["telephone", "face_to_face", "video"], weights=[60, 30, 10])[0]
            if rng.random() < 0.05:
                mode = None  # a data-quality gap the returns must find
        # Addresses and contact.
        street = f"{rng.randint(1, 220)} {rng.choice(STREETS)}"
        corr_kind = "usual"
        corr_partner: str | None = None
        post_agreed: dt.date | None = None
        contact_route: str | None = rng.choices(["sms", "phone", "email"], weights=[60, 30, 10])[0]
        keyworker_name: str | None = None
        keyworker_phone: str | None = None
        keyworker_partner: str | None = None
        if nfa:
            if homeless_sub == "hostel_or_shelter" and self.hostels:
                corr_kind, corr_partner = "partner", rng.choice(self.hostels)
                contact_route = "hostel"
            elif rng.random() < 0.5 and self.partners[0] is not None:
                corr_kind, corr_partner = "partner", rng.choice(self.partners)
                contact_route = "keyworker"
            else:
                corr_kind = "practice"
                post_agreed = registered_on
                contact_route = rng.choice(["reception", "sms", "keyworker"])
        if flagged and rng.random() < 0.55:
            keyworker_name = f"{rng.choice(ORIGINS[0].female + ORIGINS[0].male)} (keyworker)"
            keyworker_phone = f"07700 900{rng.randrange(1000):03d}"
            keyworker_partner = rng.choice(self.partners)
            if contact_route not in ("hostel", "reception"):
                contact_route = "keyworker" if rng.random() < 0.6 else contact_route
        if flagged and rng.random() < 0.04:
            contact_route = None  # flagged without a contact route: a data-quality check
        phone = f"07700 9{rng.randrange(100000):05d}" if contact_route in ("sms", "phone") else None
        email = f"patient{pid}@example.org" if contact_route == "email" else None

        out["patient"].append({
            "id": pid, "title": None, "given_name": given, "family_name": family,
            "name_key": fold_name(given, family), "date_of_birth": dob, "dob_estimated": estimated,
            "sex": sex, "nhs_number": nhs_number,
            "nhs_number_status": None if no_nhs else rng.choices(["01", "02"], weights=[90, 10])[0],
            "nhs_number_unavailable_reason": (
                rng.choice(["nhs-number-not-known", "overseas-patient"]) if no_nhs else None),
            "usual_address": None if nfa else f"{street}\nLeeds",
            "usual_postcode": NO_FIXED_ABODE if nfa else rng.choice(POSTCODES),
            "no_fixed_abode": nfa,
            "correspondence_kind": corr_kind, "correspondence_partner": corr_partner,
            "correspondence_address": None, "correspondence_postcode": None,
            "correspondence_from": None, "correspondence_to": None,
            "post_check_agreed_on": post_agreed, "contact_route": contact_route,
            "phone": phone, "email": email, "keyworker_name": keyworker_name,
            "keyworker_phone": keyworker_phone, "keyworker_partner": keyworker_partner,
            "main_language": language, "dialect": None, "interpreter_needed": interpreter,
            "interpreter_mode": mode,
            "interpreter_gender": rng.choice([None, None, "female", "male"]) if interpreter else None,
            "no_family_interpreter": interpreter and rng.random() < 0.5,
            "ethnicity_code": None, "linked_to_id": None, "source_id": None,
            "created_at": dt.datetime.combine(registered_on, dt.time(10, 0)),
            "updated_at": dt.datetime.combine(registered_on, dt.time(10, 0)),
        })
        out["registration"].append({
            "id": ids["registration"], "patient_id": pid, "kind": kind,
            "start_date": registered_on, "planned_end": planned_end, "end_date": end_date,
            "end_reason": end_reason, "end_detail": None,
            "created_at": dt.datetime.combine(registered_on, dt.time(10, 0)),
        })
        ids["registration"] += 1
        if currently and registered_on > self.today - dt.timedelta(days=40):
            due = registered_on + dt.timedelta(days=self.config.registration.health_check_window_days)
            out["task"].append({
                "id": ids["task"], "patient_id": pid, "kind": "new_patient_health_check",
                "created_on": registered_on, "due_date": due, "status": "due",
                "completed_on": None, "outcome": None,
            })
            ids["task"] += 1

        flagged_on = None
        for i, cat in enumerate(cats):
            start = registered_on + dt.timedelta(days=rng.randint(0, 60) if i == 0 else rng.randint(0, 400))
            start = min(start, self.today)
            flagged_on = start if flagged_on is None else min(flagged_on, start)
            category = self.categories[cat]
            sub = homeless_sub if cat == "homelessness" else None
            if cat == "vulnerable_migrant":
                sub = rng.choices(["asylum_seeker", "refugee", "no_recourse_to_public_funds"],
                                  weights=[55, 35, 10])[0]
            codes = category.snomed_by_subcategory.get(sub or "", ()) or category.snomed
            flag_end = None
            if rng.random() < 0.12:
                flag_end = start + dt.timedelta(days=rng.randint(60, 700))
                if flag_end >= self.today:
                    flag_end = None
            out["flag"].append({
                "id": ids["flag"], "patient_id": pid, "category": cat, "subcategory": sub,
                "snomed_code": rng.choice(codes) if codes else None, "start_date": start,
                "end_date": flag_end, "review_date": start + dt.timedelta(days=365),
                "source": rng.choice(["self_declared", "outreach_team", "clinician"]),
                "recorded_by": "system", "end_reason": "no longer applies" if flag_end else None,
                "source_id": None,
            })
            ids["flag"] += 1
            summary.by_category[cat] = summary.by_category.get(cat, 0) + 1

        adjustments: list[tuple[str, str, str | None, str | None]] = []
        if (interpreter and rng.random() < 0.6) or "learning_disability" in cats:
            adjustments.append(("extended_appointment", "008", "1108171000000102", None))
        if flagged and rng.random() < 0.08:
            adjustments.append(("first_or_last_appointment", "009",
                                *rng.choice([("1325351000000103", "first"), ("1325361000000100", "last")])))
        if ("domestic_abuse_refuge" in cats or "sex_work" in cats) and rng.random() < 0.5:
            adjustments.append(("clinician_gender", "008", "314434008", "female"))
        if flagged and rng.random() < 0.05:
            adjustments.append(("minimal_wait", "009", "1325841000000109", None))
        for kind_, ra, code, detail in adjustments:
            out["adjustment"].append({
                "id": ids["adjustment"], "patient_id": pid, "kind": kind_, "ra_category": ra,
                "snomed_code": code, "detail": detail, "start_date": registered_on,
                "end_date": None, "recorded_by": "system",
            })
            ids["adjustment"] += 1

        person = SyntheticPatient(
            id=pid, given_name=given, family_name=family, date_of_birth=dob,
            dob_estimated=estimated, sex=sex, registered_on=registered_on, registration_kind=kind,
            deregistered_on=end_date, categories=set(cats), flagged_on=flagged_on,
            main_language=language, interpreter_needed=interpreter, no_fixed_abode=nfa,
            smoker=rng.random() < (0.6 if flagged else 0.14),
            drinks_harmfully=rng.random() < (0.35 if flagged else 0.1),
        )
        events, invitations = clinical_history(rng, person, self.today)
        for code, day, value in events:
            out["clinical_event"].append({
                "id": ids["clinical_event"], "patient_id": pid, "code": code, "system": "snomed",
                "event_date": day, "value": value, "resource_type": None,
                "recorded_by": "system", "source_id": None,
                "display": None, "unit": None, "status": None,
            })
            ids["clinical_event"] += 1
        # Problems, allergies, medicines and measurements: their own generator per patient,
        # so every other row of a seed stays as it was.
        for ev in summary_history(random.Random(f"{self.summary_seed}-{pid}"), person, self.today):
            out["clinical_event"].append({
                "id": ids["clinical_event"], "patient_id": pid, "code": ev.code,
                "system": "snomed", "event_date": ev.day, "value": ev.value,
                "resource_type": ev.resource_type, "recorded_by": "system", "source_id": None,
                "display": ev.display, "unit": ev.unit, "status": ev.status,
            })
            ids["clinical_event"] += 1
        for topic, sent_on in invitations:
            out["invitation"].append({
                "id": ids["invitation"], "patient_id": pid, "topic": topic, "sent_on": sent_on,
                "method": rng.choice(["sms", "letter", "phone"]), "recorded_by": "system",
            })
            ids["invitation"] += 1
        # DNA history over three years: people a rigid policy drives away miss more.
        rate = 1.6 if flagged else 0.35
        n_dna = min(12, int(rng.expovariate(1 / rate))) if rng.random() < 0.7 else 0
        start_window = max(registered_on, self.today - dt.timedelta(days=3 * 365))
        span = (min(end_date or self.today, self.today) - start_window).days
        days = sorted(start_window + dt.timedelta(days=rng.randrange(span))
                      for _ in range(n_dna if span > 1 else 0))
        flexible = FlexibleBasis(
            applies=bool(cats) or any(a[0] == "extended_appointment" for a in adjustments),
            reasons=(AGREED_FLEXIBLE,),
        )
        history: list[DnaRecord] = []
        warnings: list[dt.date] = []
        # The appointments they came to over the same years (a DNA rate needs both).
        if span > 1:
            per_year = 1.5 if flagged else 1.0
            n_seen = int(self.visits.uniform(0, 2 * per_year) * span / 365 + 0.5)
            for _ in range(n_seen):
                day = start_window + dt.timedelta(days=self.visits.randrange(span))
                when = dt.datetime.combine(day, dt.time(self.visits.randint(9, 16),
                                                        self.visits.choice([0, 15, 30, 45])))
                self._past_appointment(pid, when, "seen", ids, out)
        for day in days:
            event_id = ids["dna_event"]
            occurred_at = dt.datetime.combine(day, dt.time(rng.randint(9, 16), rng.choice([0, 15, 30, 45])))
            reason = rng.choices(["no_show", "late"], weights=[85, 15])[0]
            appointment_id = self._past_appointment(pid, occurred_at, "dna", ids, out,
                                                    late=reason == "late")
            out["dna_event"].append({
                "id": event_id, "patient_id": pid, "appointment_id": appointment_id,
                "occurred_at": occurred_at, "reason": reason,
                "recorded_by": "system", "voided_at": None,
            })
            ids["dna_event"] += 1
            history.append(DnaRecord(on=day, event_id=event_id))
            self._dna_actions(pid, event_id, day, history, warnings, flexible, ids, out)

        summary.patients += 1
        summary.registered_now += currently
        summary.flagged += bool(cats)
        summary.multi_flagged += len(cats) > 1
        summary.no_nhs_number += no_nhs
        summary.no_fixed_abode += nfa
        summary.estimated_dob += estimated
        summary.interpreter_needed += interpreter
        if interpreter:
            summary.by_language[language] = summary.by_language.get(language, 0) + 1
        summary.adjustments += len(adjustments)


    def _past_appointment(self, pid: int, start: dt.datetime, status: str, ids: dict[str, int],
                          out: dict[str, list[dict[str, Any]]], *, late: bool = False) -> int:
        """A past appointment (``seen`` or ``dna``) in a clinician's session that day.

        Past sessions carry no slots: nobody can book them, and the slot rules (no slot held
        twice) apply to bookings, which go through the appointment service."""
        clinician = self.visits.choice(PAST_CLINICIANS)
        key = (clinician, start.date())
        session_id = self.sessions.get(key)
        if session_id is None:
            session_id = ids["clinic_session"]
            ids["clinic_session"] += 1
            self.sessions[key] = session_id
            out["clinic_session"].append({
                "id": session_id, "clinician_code": clinician, "session_date": start.date(),
                "start_time": PAST_SESSION[0], "end_time": PAST_SESSION[1], "slot_minutes": 15,
                "slot_type": "routine", "location": "surgery", "partner": None,
                "channels": "in_person", "template_key": PAST_TEMPLATE_KEY,
                "cancelled_at": None, "cancel_reason": None,
            })
        appointment_id = ids["appointment"]
        ids["appointment"] += 1
        seen = status == "seen"
        out["appointment"].append({
            "id": appointment_id, "patient_id": pid, "session_id": session_id, "start": start,
            "end": start + dt.timedelta(minutes=15), "slot_count": 1, "status": status,
            "channel": "in_person",
            "booked_at": start - dt.timedelta(days=self.visits.randint(1, 21)),
            "booked_by": "system", "overbooked": False, "late_cancellation": False,
            "arrived_at": start if seen else None,
            "seen_at": start + dt.timedelta(minutes=5) if seen else None,
            "minutes_late": 25 if late else None,
        })
        return appointment_id

    def _dna_actions(self, pid: int, event_id: int, day: dt.date, history: list[DnaRecord],
                     warnings: list[dt.date], flexible: FlexibleBasis, ids: dict[str, int],
                     out: dict[str, list[dict[str, Any]]]) -> None:
        """What the practice's DNA policy decided at the time, and what was done about it.

        Runs the real policy so explanations are genuine. Most actions were done (outreach
        within a few days, some later than the 14 days the LES counts); recent ones are due.
        """
        rng = self.rng
        decision = decide(history, warnings, day, self.config.dna, flexible)
        explanation = json.dumps(decision.to_json(), sort_keys=True)
        for action in decision.actions:
            due = day + dt.timedelta(days=self.config.dna.action_due_days)
            done_at = None
            status = "due"
            if (self.today - day).days > 21 or rng.random() < 0.3:
                delay = int(rng.expovariate(1 / 9)) + 1
                if day + dt.timedelta(days=delay) < self.today and rng.random() < 0.85:
                    done_at = dt.datetime.combine(day + dt.timedelta(days=delay), dt.time(11, 0))
                    status = "done"
            if action == DnaActionKind.WARNING_LETTER and status == "done":
                warnings.append(day)
            out["dna_action"].append({
                "id": ids["dna_action"], "patient_id": pid, "dna_event_id": event_id,
                "policy": decision.policy.value, "action": action.value,
                "priority": decision.priority, "due_date": due, "explanation": explanation,
                "status": status, "done_at": done_at, "done_by": "system" if done_at else None,
                "outcome": rng.choice(_OUTCOMES[decision.policy.value]) if done_at else None,
            })
            ids["dna_action"] += 1


_OUTCOMES = {
    "flexible": ("keyworker passed on the message", "seen at the drop-in",
                 "hostel staff confirmed new appointment", "no contact yet: will try again"),
    "standard": ("sent", "patient rang to rebook", "sent; no reply"),
}

PAST_CLINICIANS = ("dr-okafor", "dr-nowak", "nurse-mcdonagh")
"""The demo clinicians (``DEMO_USERS``) whose past sessions hold the history."""
PAST_SESSION = (dt.time(8, 30), dt.time(17, 30))
PAST_TEMPLATE_KEY = "synthetic-history"
"""Marks the generator's past sessions, so a second run adds to them instead of clashing."""

TABLE_ORDER = (
    "patient", "registration", "task", "flag", "adjustment", "clinical_event", "invitation",
    "clinic_session", "appointment", "dna_event", "dna_action",
)


def generate_practice(
    db: Database,
    config: PracticeConfig,
    *,
    patients: int = 5000,
    seed: int = 42,
    today: dt.date | None = None,
    batch_size: int = 2000,
    progress: Progress | None = None,
    with_users: bool = True,
) -> DemoSummary:
    """Add a synthetic practice to an (empty or existing) migrated database.

    Deterministic: the same ``seed``, ``patients`` and ``today`` give the same rows.
    """
    today = today or db.clock.today()
    rng = random.Random(seed)
    summary = DemoSummary()
    started = time.perf_counter()
    loader = BulkLoadService(db)
    ids = loader.next_ids(TABLE_ORDER)
    sessions = loader.sessions_by_template(PAST_TEMPLATE_KEY)
    builder = _Builder(rng, config, today, random.Random(f"{seed}-visits"), sessions,
                       summary_seed=f"{seed}-summary")
    first_pid = ids["patient"]
    done = 0
    while done < patients:
        n = min(batch_size, patients - done)
        out: dict[str, list[dict[str, Any]]] = {name: [] for name in TABLE_ORDER}
        for i in range(n):
            builder.patient(first_pid + done + i, ids, out, summary)
        # One transaction per batch, sequences moved past it inside it: a load killed later
        # leaves a database that takes ordinary writes.
        summary.rows += loader.load(SYSTEM, "synthetic_practice", out, builder.now)
        summary.dna_events += len(out["dna_event"])
        summary.dna_actions += len(out["dna_action"])
        summary.past_appointments += len(out["appointment"])
        summary.clinical_events += len(out["clinical_event"])
        summary.invitations += len(out["invitation"])
        done += n
        if progress:
            progress(done, patients)
    loader.settle_sequences(TABLE_ORDER)
    if with_users:
        summary.users = _ensure_users(db)
    summary.seconds = time.perf_counter() - started
    return summary


def _ensure_users(db: Database) -> int:
    from inclusion_practice.errors import InvalidInput
    from inclusion_practice.services.users import UserService

    users = UserService(db)
    made = 0
    for username, name, role, clinician in DEMO_USERS:
        try:
            users.create(SYSTEM, username, name, role, password=DEMO_PASSWORD, clinician_code=clinician)
            made += 1
        except InvalidInput:
            pass  # already there from an earlier run
    return made


__all__ = ["BUILT_IN_CATEGORIES", "DEMO_PASSWORD", "DemoSummary", "generate_practice"]
