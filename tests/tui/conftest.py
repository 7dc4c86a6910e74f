"""Fixtures for the terminal-app tests: SQLite only, built once and copied, clocks frozen.

The service tests already run every rule on SQLite and PostgreSQL; the app only calls those
services, so its tests use SQLite to stay fast. A template database with the four users and a
few patients is made once per session (argon2 hashing is deliberately slow) and copied for each
test. The practice clock is fixed (Monday 23 November 2026, 09:00) so dates on screen are stable;
the idle clock is a fake the tests advance; cursor blinking is switched off so snapshots do not
depend on when the frame was taken.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from inclusion_practice.api import InclusionPractice
from inclusion_practice.clock import FixedClock
from inclusion_practice.config import PracticeConfig
from inclusion_practice.services.access import SYSTEM
from inclusion_practice.services.patients import NewPatient
from inclusion_practice.storage.database import Database
from tests.conftest import NOW
from tui.app import InclusionPracticeApp, make_app

PASSWORD = "correct horse"
USERS = {
    "receptionist": "reception1",
    "clinician": "drokafor",
    "manager": "manager1",
    "admin": "admin1",
}


class FakeIdleClock:
    """Monotonic seconds that only move when a test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class Seeded:
    """Ids of the patients in the template database."""

    flagged_restricted: int
    """Has a restricted (sex work) flag and a homelessness flag: flexible DNA policy."""
    interpreter: int
    plain: int


SEED: dict[str, int] = {}


def _seed(ip: InclusionPractice) -> None:

    # Cheap argon2 parameters for the test users: verifying reads the parameters from the
    # stored hash, so every sign-in in the tests is fast; production hashes are unchanged.
    from argon2 import PasswordHasher

    from inclusion_practice.services import users as users_module

    real = users_module._HASHER
    users_module._HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    try:
        _create_users(ip)
    finally:
        users_module._HASHER = real
    clinician = ip.users.actor("drokafor")
    reception = ip.users.actor("reception1")
    ip.schedule.generate(ip.users.actor("manager1"), weeks=2)
    a = ip.patients.register(
        reception,
        NewPatient("Zofia", "Kowalska-Nowak", "female", dt.date(1990, 5, 17),
                   no_fixed_abode=True, correspondence="partner",
                   care_of_partner="st-annes-hostel", contact_route="keyworker",
                   keyworker_name="Jo Bloggs", keyworker_phone="0113 496 0101"),
        decision="new_person",
    )
    assert a.patient.id is not None
    ip.flags.add(reception, a.patient.id, "homelessness", subcategory="hostel_or_shelter")
    ip.flags.add(clinician, a.patient.id, "sex_work", source="clinician")
    b = ip.patients.register(
        reception,
        NewPatient("Amanuel", "Tesfay", "male", estimated_birth_year=1996,
                   main_language="ti", interpreter_mode="telephone",
                   contact_route="sms", phone="07700 900123", usual_address=["1 Test Street"],
                   usual_postcode="LS1 1AA"),
        decision="new_person",
    )
    c = ip.patients.register(
        reception,
        NewPatient("Margaret", "Oduya", "female", dt.date(1958, 2, 3),
                   usual_address=["4 Leaf Lane", "Leeds"], usual_postcode="LS6 2AB",
                   contact_route="phone", phone="0113 496 0999"),
        decision="new_person",
    )
    assert b.patient.id is not None and c.patient.id is not None
    SEED.update(flagged_restricted=a.patient.id, interpreter=b.patient.id, plain=c.patient.id)


def _create_users(ip: InclusionPractice) -> None:
    for role, username in USERS.items():
        ip.users.create(SYSTEM, username, username.title(), role, password=PASSWORD,
                        clinician_code="dr-okafor" if role == "clinician" else None)


@pytest.fixture(scope="session")
def tui_template(sqlite_template: Path, config: PracticeConfig,
                 tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("tui") / "tui-template.db"
    shutil.copy(sqlite_template, path)
    clock = FixedClock(NOW)
    ip = InclusionPractice(Database(f"sqlite:///{path}", clock=clock), config, clock)
    _seed(ip)
    ip.close()
    return path


@pytest.fixture
def tui_ip(tui_template: Path, tmp_path: Path, config: PracticeConfig) -> Iterator[InclusionPractice]:
    """A practice on a copy of the template, clock fixed on Monday 23 Nov 2026 09:00."""
    target = tmp_path / "practice.db"
    shutil.copy(tui_template, target)
    clock = FixedClock(NOW)
    practice = InclusionPractice(Database(f"sqlite:///{target}", clock=clock), config, clock)
    yield practice
    practice.close()


@pytest.fixture
def seeded(tui_ip: InclusionPractice) -> Seeded:
    return Seeded(**SEED)


@pytest.fixture
def idle_clock() -> FakeIdleClock:
    return FakeIdleClock()


@pytest.fixture
def app(tui_ip: InclusionPractice, idle_clock: FakeIdleClock, tmp_path: Path) -> InclusionPracticeApp:
    """The app as the CLI builds it, with a fake idle clock and a 60-second lock."""
    return make_app(tui_ip, lock_after_seconds=60, idle_clock=idle_clock,
                    idle_check_seconds=3600, returns_dir=tmp_path)


@pytest.fixture(autouse=True)
def _no_cursor_blink(monkeypatch: pytest.MonkeyPatch) -> None:
    """A blinking cursor makes a snapshot depend on when it was taken: keep it on."""
    from textual.widgets import Input

    monkeypatch.setattr(Input.__dict__["cursor_blink"], "_default", False)


@pytest.fixture
def anyio_backend() -> str:
    """Pilot tests are coroutines marked ``anyio``; anyio's pytest plugin (installed with anyio)
    runs them on asyncio."""
    return "asyncio"
