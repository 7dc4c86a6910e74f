"""The access log: every read of a patient's record says who, when, through what and how many,
is append-only in the database, is in the audit chain, and answers "who looked at this person"."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from inclusion_practice.api import InclusionPractice
from inclusion_practice.domain.actor import Actor
from inclusion_practice.errors import PermissionDenied
from inclusion_practice.services.queries import FlagQuery, PatientQuery
from tests.patient_fixtures import zofia

READS: dict[str, Callable[[InclusionPractice, Actor, int], Any]] = {
    "patient.show": lambda ip, a, p: ip.patients.show(a, p),
    "patient.get": lambda ip, a, p: ip.patients.get(a, p),
    "patient.needs": lambda ip, a, p: ip.patients.needs(a, p),
    "patient.find": lambda ip, a, p: ip.patients.find(a, "Kowalska"),
    "patient.list": lambda ip, a, p: ip.patients.list(a),
    "patient.search": lambda ip, a, p: ip.patients.search(a, PatientQuery(name="zofia")),
    "flag.list": lambda ip, a, p: ip.flags.list(a, p),
    "flag.search": lambda ip, a, p: ip.flags.search(a, FlagQuery(patient_id=p)),
    "dna.explain": lambda ip, a, p: ip.dna.explain(a, p),
    "fhir.patient_bundle": lambda ip, a, p: ip.fhir.patient_bundle(a, p),
}


MANAGER_READS: dict[str, Callable[[InclusionPractice, Actor, int], Any]] = {
    "fhir.export": lambda ip, a, p: list(ip.fhir.exporter().resources(a)),
    "indicators.worklist": lambda ip, a, p: ip.indicators.patients(a, "IH001", "2026/27"),
    "indicators.explain": lambda ip, a, p: ip.indicators.explain(a, "IH001", p, "2026/27"),
    "patient.health_checks": lambda ip, a, p: ip.patients.health_checks_due(a, within_days=60),
}
"""Reads that list or export patients for practice work (managers): logged the same way."""


@pytest.fixture
def patient(ip: InclusionPractice, actors: dict[str, Actor]) -> int:
    pid = ip.patients.register(actors["receptionist"], zofia()).patient.id
    assert pid is not None
    ip.flags.add(actors["receptionist"], pid, "homelessness")
    return pid


@pytest.mark.parametrize("purpose", sorted(READS))
def test_every_read_path_records_who_looked_at_whom(
    ip: InclusionPractice, actors: dict[str, Actor], patient: int, purpose: str
) -> None:
    reader = actors["receptionist"]
    before = len(ip.access_log.for_patient(actors["manager"], patient))
    READS[purpose](ip, reader, patient)
    log = ip.access_log.for_patient(actors["manager"], patient)
    assert len(log) > before
    latest = log[-1]
    assert (latest.actor, latest.role) == (reader.username, reader.role)
    assert latest.patient_count >= 1
    assert latest.at == ip.clock.now()
    expected = "patient.show" if purpose == "fhir.patient_bundle" else purpose
    assert any(r.purpose.startswith(expected.split(".")[0]) for r in log[before:])


@pytest.mark.parametrize("purpose", sorted(MANAGER_READS))
def test_exports_worklists_and_explanations_are_logged_too(
    ip: InclusionPractice, actors: dict[str, Actor], patient: int, purpose: str
) -> None:
    reader = actors["manager"]
    before = len(ip.access_log.for_patient(reader, patient))
    MANAGER_READS[purpose](ip, reader, patient)
    log = ip.access_log.for_patient(reader, patient)
    assert [r.purpose for r in log[before:]].count(purpose) >= 1, [r.purpose for r in log]
    assert all(r.actor == reader.username for r in log[before:])


def test_the_log_answers_for_one_patient_and_for_one_user(
    ip: InclusionPractice, actors: dict[str, Actor], patient: int
) -> None:
    other = ip.patients.register(
        actors["receptionist"],
        zofia(given_name="Jan", family_name="Nowicki", estimated_birth_year=1970),
        decision="new_person",
    ).patient.id
    assert other is not None
    ip.patients.show(actors["clinician"], patient)
    ip.patients.show(actors["receptionist"], other)
    mine = ip.access_log.for_patient(actors["admin"], patient)
    assert [r.actor for r in mine] == [actors["clinician"].username]
    theirs = ip.access_log.by_user(actors["admin"], actors["receptionist"].username)
    assert [r.purpose for r in theirs] == ["patient.show"]
    assert ip.access_log.for_patient(actors["admin"], patient,
                                     since=ip.clock.today() + dt.timedelta(days=1)) == []


def test_only_managers_and_admins_may_read_the_access_log(
    ip: InclusionPractice, actors: dict[str, Actor], patient: int
) -> None:
    for role in ("receptionist", "clinician"):
        with pytest.raises(PermissionDenied):
            ip.access_log.for_patient(actors[role], patient)


def test_the_access_log_is_append_only_in_the_database_and_in_the_audit_chain(
    ip: InclusionPractice, actors: dict[str, Actor], patient: int
) -> None:
    ip.patients.show(actors["receptionist"], patient)
    for sql in ("UPDATE access_event SET actor = 'nobody'", "DELETE FROM access_event",
                "DELETE FROM access_subject"):
        with pytest.raises(DBAPIError), ip.db.engine.begin() as conn:
            conn.execute(text(sql))
    if ip.db.dialect == "postgresql":
        with pytest.raises(DBAPIError), ip.db.engine.begin() as conn:
            conn.execute(text("TRUNCATE access_event CASCADE"))
    with ip.db.read() as uow:
        chained = uow.session.execute(
            text("SELECT count(*) FROM audit_event WHERE entity = 'access_event'")).scalar_one()
    assert chained == len(ip.access_log.by_user(actors["admin"], actors["receptionist"].username))
    assert ip.audit.verify().ok


def test_the_cli_says_who_looked_at_a_record(
    ip: InclusionPractice, actors: dict[str, Actor], patient: int,
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from inclusion_practice.cli.app import main
    from tests.conftest import use_cli_password

    ip.patients.show(actors["clinician"], patient)
    use_cli_password(monkeypatch)
    monkeypatch.setenv("INCLUSION_PRACTICE_DB", ip.db.url)
    code = main(["--as", actors["manager"].username, "audit", "access", "--patient", str(patient)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert f"{actors['clinician'].username} (clinician) via library: patient.show, 1 patient" in out
    assert main(["--as", actors["manager"].username, "audit", "access"]) == 2
