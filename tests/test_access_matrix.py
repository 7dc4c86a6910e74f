"""Who may do what, and who may see what: the whole matrix, against the real services.

Every service operation is mapped to the permission it needs; for every role the matrix says
"allowed" or "refused" straight from :data:`inclusion_practice.domain.roles.PERMISSIONS`, and
the test calls the real operation as that role: an allowed call goes through, a refused one
raises :class:`PermissionDenied` and writes nothing. Representative commands then check the
same on the command line and the REST API (the terminal app's screens are in
``tests/tui/test_tui_access_matrix.py``).

Restricted inclusion-health flags (sex work, substance use, domestic abuse refuge, modern
slavery) must be invisible to every non-clinical role in every output: patient show, find,
list and needs, the flag lists, FHIR bundles and exports, the REST API, indicator worklists and
explanations, DNA explanations — and the log file never holds a patient's name or NHS number.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlmodel import SQLModel

from inclusion_practice.api import InclusionPractice
from inclusion_practice.domain.actor import Actor
from inclusion_practice.domain.flag_categories import BUILT_IN_CATEGORIES, all_snomed
from inclusion_practice.domain.roles import PERMISSIONS, Permission, Role, can_see_restricted
from inclusion_practice.errors import InclusionPracticeError, NotFound, PermissionDenied
from inclusion_practice.fhir.exporter import ExportFilter, FhirExporter
from inclusion_practice.fhir.importer import FhirImporter
from inclusion_practice.services.access import SYSTEM
from inclusion_practice.services.api_tokens import ApiTokenService
from inclusion_practice.services.patients import NewPatient, PatientUpdate
from tests.conftest import NOW, use_cli_password

TODAY = NOW.date()
RESTRICTED = [c for c in BUILT_IN_CATEGORIES if c.restricted]
RESTRICTED_WORDS = sorted(
    {c.code for c in RESTRICTED} | {c.label.lower() for c in RESTRICTED}
    | {code for c in RESTRICTED for code in all_snomed(c)}
)
"""What must never appear in a non-clinical role's output: codes, labels, SNOMED codes."""
UNENFORCED = {Permission.RECORD_CLINICAL_EVENT}
"""Permissions no operation needs yet (coded events arrive by FHIR import, under IMPORT_DATA)."""


def _counts(ip: InclusionPractice) -> dict[str, int]:
    with ip.db.connection() as conn:
        return {t.name: int(conn.execute(select(func.count()).select_from(t)).scalar_one())
                for t in SQLModel.metadata.sorted_tables}


def _leaks(text: str) -> list[str]:
    low = text.lower()
    return [w for w in RESTRICTED_WORDS if w in low]


# ------------------------------------------------------------------------ the world


class World:
    """Fresh targets for each call, made by a user who may (so a refusal is about the role)."""

    def __init__(self, ip: InclusionPractice, actors: dict[str, Actor]) -> None:
        self.ip = ip
        self.actors = actors
        self._names = (f"{a}{b}" for a, b in itertools.product(
            ["Ada", "Bea", "Cai", "Dov", "Eli", "Fay", "Gus", "Hal", "Ida", "Jon", "Kit", "Lev"],
            ["ra", "lo", "mi", "nu", "po", "qi", "su", "ty", "vo", "wa", "xe", "zo"]))
        ip.schedule.generate(actors["manager"], weeks=2)
        self._free = iter([
            s.id for session in ip.schedule.sessions(TODAY, TODAY + dt.timedelta(days=6))
            for s in ip.schedule.slots(session.id) if s.start > NOW and s.free
        ])
        self._weeks = 2
        self.future_session = ip.schedule.sessions(
            TODAY + dt.timedelta(days=7), TODAY + dt.timedelta(days=13))

    def name(self) -> str:
        return next(self._names)

    def week(self) -> int:
        """A week not generated yet (so generating it writes)."""
        self._weeks += 1
        return self._weeks

    def patient(self) -> int:
        return int(self.ip.patients.register(SYSTEM, NewPatient(
            given_name=self.name(), family_name="Matrixson", sex="female",
            date_of_birth=dt.date(1980, 1, 1)), decision="new_person").patient.id or 0)

    def slot(self) -> int:
        return next(self._free)

    def booking(self) -> int:
        return self.ip.appointments.book(SYSTEM, self.patient(), [self.slot()]).appointment.id

    def dna(self) -> Any:
        return self.ip.dna.record(SYSTEM, self.patient(), NOW - dt.timedelta(days=1))

    def session(self) -> int:
        return self.future_session.pop().id

    def flag(self) -> int:
        return int(self.ip.flags.add(SYSTEM, self.patient(), "homelessness").id or 0)

    def meeting_day(self) -> dt.date:
        """A past day with no meeting yet (one planned meeting a day)."""
        self._mdt_days = getattr(self, "_mdt_days", 0) + 1
        return TODAY - dt.timedelta(days=self._mdt_days)

    def meeting(self) -> int:
        m = self.ip.mdt.create_meeting(SYSTEM, self.meeting_day())
        self.ip.mdt.add_patient(SYSTEM, m.id, self.patient(), "matrix", consent="identity")
        return m.id

    def item(self) -> int:
        return self.ip.mdt.agenda(SYSTEM, self.meeting()).items[0].id

    def action(self) -> int:
        return self.ip.mdt.add_action(SYSTEM, self.item(), "call", "partner:city-drug-alcohol").id

    def referral(self) -> int:
        return self.ip.referrals.create(SYSTEM, self.patient(), "city-drug-alcohol", "drug-tx",
                                        "matrix", "identity").id


@dataclass(frozen=True)
class Op:
    """One operation: ``prepare`` makes its targets (as a user who may), ``call`` does it."""

    name: str
    permission: Permission
    call: Callable[..., Any]
    prepare: Callable[[World], tuple[Any, ...]] = lambda w: ()


def _deregistered(w: World) -> tuple[Any, ...]:
    pid = w.patient()
    w.ip.patients.deregister(SYSTEM, pid, "moved", on=TODAY)
    return (pid,)


def _consented(w: World) -> int:
    pid = w.patient()
    w.ip.portable.record_consent(w.actors["clinician"], pid, ["problems", "allergies"])
    return pid


def _printed(w: World) -> tuple[Any, ...]:
    pid = _consented(w)
    clinician = w.actors["clinician"]
    w.ip.portable.record_print(clinician, w.ip.portable.summary(clinician, pid))
    return (pid,)


def _import(ip: InclusionPractice, a: Actor, name: str) -> Any:
    patient = {"resourceType": "Patient", "id": f"mx-{name}", "gender": "male",
               "name": [{"family": "Importson", "given": [name]}], "birthDate": "1970-07-07"}
    return FhirImporter(ip.services).import_bundle(
        a, {"resourceType": "Bundle", "type": "transaction", "entry": [{"resource": patient}]})


def _produce_return(ip: InclusionPractice, a: Actor) -> Any:
    from reports.figures import ReturnKind
    from reports.returns import build_return

    return build_return(ip, a, ReturnKind.LES_ANNUAL, "2025/26", with_trend=False)


OPS: list[Op] = [
    Op("patients.register", Permission.REGISTER_PATIENT,
       lambda ip, a, name: ip.patients.register(a, NewPatient(
           given_name=name, family_name="Newby", sex="male",
           date_of_birth=dt.date(1991, 2, 2)), decision="new_person"),
       lambda w: (w.name(),)),
    Op("patients.reregister", Permission.REGISTER_PATIENT,
       lambda ip, a, pid: ip.patients.reregister(a, pid, start=TODAY + dt.timedelta(days=1)),
       _deregistered),
    Op("patients.update", Permission.EDIT_PATIENT,
       lambda ip, a, pid: ip.patients.update(
           a, pid, PatientUpdate(contact_route="phone", phone="07700 900123")),
       lambda w: (w.patient(),)),
    Op("patients.link", Permission.EDIT_PATIENT,
       lambda ip, a, one, other: ip.patients.link(a, one, other),
       lambda w: (w.patient(), w.patient())),
    Op("adjustments.add", Permission.EDIT_PATIENT,
       lambda ip, a, pid: ip.adjustments.add(a, pid, "quiet_space"),
       lambda w: (w.patient(),)),
    Op("patients.deregister", Permission.DEREGISTER_PATIENT,
       lambda ip, a, pid: ip.patients.deregister(a, pid, "moved"),
       lambda w: (w.patient(),)),
    Op("refusals.record", Permission.RECORD_REFUSAL,
       lambda ip, a, name: ip.refusals.record(a, name, "Refused", "outside_boundary"),
       lambda w: (w.name(),)),
    Op("refusals.summary", Permission.VIEW_REFUSALS,
       lambda ip, a: ip.refusals.summary(a, "2026/27")),
    Op("flags.add (homelessness)", Permission.ADD_FLAG,
       lambda ip, a, pid: ip.flags.add(a, pid, "homelessness"),
       lambda w: (w.patient(),)),
    Op("flags.add (sex work)", Permission.ADD_RESTRICTED_FLAG,
       lambda ip, a, pid: ip.flags.add(a, pid, "sex_work"),
       lambda w: (w.patient(),)),
    Op("flags.end", Permission.END_FLAG,
       lambda ip, a, flag_id: ip.flags.end(a, flag_id), lambda w: (w.flag(),)),
    Op("flags.patients_with (substance use)", Permission.VIEW_RESTRICTED_FLAGS,
       lambda ip, a: ip.flags.patients_with(a, "substance_use")),
    Op("appointments.book", Permission.BOOK,
       lambda ip, a, pid, slot: ip.appointments.book(a, pid, [slot]),
       lambda w: (w.patient(), w.slot())),
    Op("appointments.cancel", Permission.BOOK,
       lambda ip, a, appt: ip.appointments.cancel(a, appt, by="patient", reason="ill"),
       lambda w: (w.booking(),)),
    Op("interpreters.set_note", Permission.BOOK,
       lambda ip, a, appt: ip.interpreters.set_note(a, appt, language="pl", mode="telephone"),
       lambda w: (w.booking(),)),
    Op("appointments.book (overbook)", Permission.OVERBOOK,
       lambda ip, a, pid, slots: ip.appointments.book(
           a, pid, slots, overbook_reason="clinically urgent today"),
       lambda w: (w.patient(), list(w.ip.appointments.get(w.booking()).slot_ids))),
    Op("appointments.arrive", Permission.RECORD_ATTENDANCE,
       lambda ip, a, appt: ip.appointments.arrive(a, appt), lambda w: (w.booking(),)),
    Op("dna.record", Permission.RECORD_ATTENDANCE,
       lambda ip, a, pid: ip.dna.record(a, pid, NOW - dt.timedelta(days=2)),
       lambda w: (w.patient(),)),
    Op("schedule.generate", Permission.MANAGE_SCHEDULE,
       lambda ip, a, weeks: ip.schedule.generate(a, weeks=1,
                                                 start=TODAY + dt.timedelta(weeks=weeks)),
       lambda w: (w.week(),)),
    Op("schedule.cancel_session", Permission.MANAGE_SCHEDULE,
       lambda ip, a, session: ip.schedule.cancel_session(a, session, "clinician unwell"),
       lambda w: (w.session(),)),
    Op("dna.done", Permission.RECORD_DNA_OUTCOME,
       lambda ip, a, action: ip.dna.done(a, action, "texted a reminder"),
       lambda w: (w.dna().action_ids[0],)),
    Op("dna.void", Permission.RECORD_DNA_OUTCOME,
       lambda ip, a, event: ip.dna.void(a, event, "recorded in error"),
       lambda w: (w.dna().event.id,)),
    Op("indicators.run", Permission.RUN_INDICATORS,
       lambda ip, a: ip.indicators.run(a, "2025/26")),
    Op("indicators.missing", Permission.RUN_INDICATORS,
       lambda ip, a: ip.indicators.missing(a, "IH011", "2025/26")),
    Op("returns (LES)", Permission.PRODUCE_RETURNS, _produce_return),
    Op("users.create", Permission.MANAGE_USERS,
       lambda ip, a, name: ip.users.create(a, name.lower(), "New User", "receptionist"),
       lambda w: (w.name(),)),
    Op("api token create", Permission.MANAGE_USERS,
       lambda ip, a: ApiTokenService(ip.db).create(a, "reception1", "front desk")),
    Op("audit.for_entity", Permission.MANAGE_USERS,
       lambda ip, a, pid: ip.audit.for_entity(a, "patient", pid), lambda w: (w.patient(),)),
    Op("access_log.for_patient", Permission.VIEW_ACCESS_LOG,
       lambda ip, a, pid: ip.access_log.for_patient(a, pid), lambda w: (w.patient(),)),
    Op("users.unlock", Permission.MANAGE_USERS, lambda ip, a: ip.users.unlock(a, "reception1")),
    Op("users.sign_ins", Permission.VIEW_SIGN_INS, lambda ip, a: ip.users.sign_ins(a)),
    Op("FHIR import", Permission.IMPORT_DATA, _import, lambda w: (w.name(),)),
    Op("portable.record_consent", Permission.RECORD_PORTABLE_CONSENT,
       lambda ip, a, pid: ip.portable.record_consent(a, pid, ["problems"]),
       lambda w: (w.patient(),)),
    Op("portable.summary", Permission.PRINT_PORTABLE_RECORD,
       lambda ip, a, pid: ip.portable.summary(a, pid), lambda w: (_consented(w),)),
    Op("portable.record_print", Permission.PRINT_PORTABLE_RECORD,
       lambda ip, a, summary: ip.portable.record_print(a, summary),
       lambda w: (w.ip.portable.summary(w.actors["clinician"], _consented(w)),)),
    Op("portable.reprint", Permission.REPRINT_PORTABLE_RECORD,
       lambda ip, a, pid: ip.portable.reprint(a, pid), _printed),
    Op("portable.ips_summary ($summary)", Permission.READ_PATIENT_SUMMARY,
       lambda ip, a, pid: ip.portable.ips_summary(a, pid), lambda w: (w.patient(),)),
    Op("referrals.create", Permission.MAKE_REFERRAL,
       lambda ip, a, pid: ip.referrals.create(a, pid, "city-drug-alcohol", "drug-tx", "why", "summary"),
       lambda w: (w.patient(),)),
    Op("referrals.record_reply", Permission.RECORD_REFERRAL_REPLY,
       lambda ip, a, rid: ip.referrals.record_reply(a, rid, "accepted"), lambda w: (w.referral(),)),
    Op("referrals.overdue", Permission.VIEW_REFERRALS, lambda ip, a: ip.referrals.overdue(a)),
    Op("mdt.create_meeting", Permission.PLAN_MDT,
       lambda ip, a, day: ip.mdt.create_meeting(a, day), lambda w: (w.meeting_day(),)),
    Op("mdt.record_discussion", Permission.RECORD_MDT_DISCUSSION,
       lambda ip, a, item: ip.mdt.record_discussion(a, item, "summary", "Dr Okafor"),
       lambda w: (w.item(),)),
    Op("mdt.actions_due", Permission.VIEW_MDT, lambda ip, a: ip.mdt.actions_due(a)),
    Op("mdt.complete_action", Permission.UPDATE_MDT_ACTION,
       lambda ip, a, action: ip.mdt.complete_action(a, action, "done"), lambda w: (w.action(),)),
    Op("mdt.partner_agenda", Permission.PRINT_MDT_AGENDA,
       lambda ip, a, meeting: ip.mdt.partner_agenda(a, meeting), lambda w: (w.meeting(),)),
    Op("FHIR export", Permission.EXPORT_DATA,
       lambda ip, a: list(FhirExporter(ip.services).resources(
           a, ExportFilter(types=("Patient",))))),
]


def test_every_permission_is_needed_by_at_least_one_operation() -> None:
    assert {op.permission for op in OPS} == set(Permission) - UNENFORCED


def test_every_operation_is_allowed_or_refused_for_each_role_exactly_as_the_table_says(
    ip: InclusionPractice, actors: dict[str, Actor]
) -> None:
    world = World(ip, actors)
    got: dict[tuple[str, Role], str] = {}
    for op, role in itertools.product(OPS, Role):
        args = op.prepare(world)
        before = _counts(ip)
        try:
            op.call(ip, actors[role.value], *args)
            got[(op.name, role)] = "allowed"
        except PermissionDenied as exc:
            got[(op.name, role)] = "refused"
            assert exc.role == role.value and str(exc).startswith(f"a {role.value} may not ")
            assert _counts(ip) == before, f"{op.name} refused for a {role.value} but wrote"
        except InclusionPracticeError as exc:  # the matrix must exercise the real operation
            pytest.fail(f"{op.name} as {role.value}: {type(exc).__name__}: {exc}")
    expected = {(op.name, role): "allowed" if op.permission in PERMISSIONS[role] else "refused"
                for op, role in itertools.product(OPS, Role)}
    width = max(len(op.name) for op in OPS)
    print(f"\n[access {ip.db.dialect}] {'operation':<{width}}  " + "  ".join(
        f"{r.value:<12}" for r in Role))
    for op in OPS:
        print(f"[access {ip.db.dialect}] {op.name:<{width}}  " + "  ".join(
            f"{got[(op.name, r)]:<12}" for r in Role))
    assert got == expected


# ------------------------------------------------------------------------ restricted flags


@pytest.fixture
def flagged(ip: InclusionPractice, actors: dict[str, Actor]) -> dict[str, Any]:
    """Two patients: one with sex work and homelessness flags, one with substance use only."""
    rec, clin = actors["receptionist"], actors["clinician"]
    a = ip.patients.register(rec, NewPatient(
        given_name="Rosalind", family_name="Hiddenflag", sex="female",
        date_of_birth=dt.date(1992, 6, 6), nhs_number="9434765919",
        main_language="pl", interpreter_needed=True)).patient
    b = ip.patients.register(rec, NewPatient(
        given_name="Solomon", family_name="Quietflag", sex="male",
        date_of_birth=dt.date(1975, 3, 3)), decision="new_person").patient
    assert a.id is not None and b.id is not None
    ip.flags.add(rec, a.id, "homelessness", subcategory="rough_sleeping")
    sw = ip.flags.add(clin, a.id, "sex_work", start=dt.date(2025, 1, 1))
    su = ip.flags.add(clin, b.id, "substance_use", start=dt.date(2025, 1, 1))
    ip.dna.record(rec, b.id, NOW - dt.timedelta(days=3))
    return {"a": a.id, "b": b.id, "flags": [sw.id, su.id],
            "names": ["Rosalind", "Hiddenflag", "Solomon", "Quietflag"], "nhs": "9434765919"}


def _library_outputs(ip: InclusionPractice, actor: Actor, f: dict[str, Any]) -> str:
    """Everything the library hands this actor about the two patients, as text."""
    out: list[Any] = []
    for pid in (f["a"], f["b"]):
        out += [ip.patients.show(actor, pid), ip.patients.needs(actor, pid),
                ip.fhir.patient_bundle(actor, pid),
                ip.flags.list(actor, pid, include_ended=True), ip.dna.explain(SYSTEM, pid).lines()]
    out += [ip.patients.find(actor, "flag"), ip.patients.list(actor),
            ip.flags.due_for_review(actor, TODAY + dt.timedelta(days=800)),
            ip.dna.worklist(SYSTEM, include_later=True)]
    for flag_id in f["flags"]:
        try:
            out.append(ip.flags.get(actor, flag_id))
        except NotFound:
            out.append("not found")
    return json.dumps(out, default=repr)


def test_restricted_flags_reach_clinicians_only_in_every_library_output(
    ip: InclusionPractice, actors: dict[str, Actor], flagged: dict[str, Any]
) -> None:
    for role in Role:
        text = _library_outputs(ip, actors[role.value], flagged)
        if can_see_restricted(role):
            assert "sex_work" in text and "substance_use" in text  # the control is live
        else:
            assert _leaks(text) == [], role
        for flag_id in flagged["flags"]:
            if not can_see_restricted(role):
                with pytest.raises(NotFound):
                    ip.flags.get(actors[role.value], flag_id)


def test_exports_for_non_clinical_roles_carry_no_restricted_flag(
    ip: InclusionPractice, actors: dict[str, Actor], flagged: dict[str, Any]
) -> None:
    exporter = FhirExporter(ip.services)
    for role in (Role.MANAGER, Role.ADMIN):
        resources = list(exporter.resources(actors[role.value], ExportFilter()))
        assert any(r["resourceType"] == "Flag" for r in resources)  # homelessness is there
        assert _leaks(json.dumps(resources)) == [], role


def test_indicator_worklists_and_explanations_never_name_a_restricted_category_to_a_manager(
    ip: InclusionPractice, actors: dict[str, Actor], flagged: dict[str, Any]
) -> None:
    manager, clinician = actors["manager"], actors["clinician"]
    for indicator in ("IH001", "IH004", "IH012"):
        for pid in (flagged["a"], flagged["b"]):
            shown = ip.indicators.explain(manager, indicator, pid, "2026/27")
            assert _leaks(json.dumps(shown, default=repr)) == [], (indicator, pid)
        lists = ip.indicators.patients(manager, indicator, "2026/27")
        assert _leaks(json.dumps(lists, default=repr)) == [], indicator
    # A patient on a register only through a restricted category (substance use) is on the
    # clinician's worklist; a manager's list leaves them out and explains them as off the
    # register, so neither names the category by implication. The figures count them for both.
    def listed(actor: Actor, indicator: str) -> set[int]:
        lists = ip.indicators.patients(actor, indicator, "2026/27")
        return {p.patient_id for p in (*lists.numerator, *lists.excepted, *lists.missing)}

    for indicator in ("IH001", "IH012"):
        assert flagged["b"] in listed(clinician, indicator)
        assert flagged["b"] not in listed(manager, indicator)
        assert ip.indicators.explain(manager, indicator, flagged["b"],
                                     "2026/27").population == "not in denominator"
    assert flagged["a"] in listed(manager, "IH001")  # homelessness is hers to see
    figures = {r.indicator_id: r for r in ip.indicators.run(manager, "2026/27").results}
    assert figures["IH012"].counts.denominator >= 1


def test_returns_are_aggregate_and_list_no_patient(
    ip: InclusionPractice, actors: dict[str, Actor], flagged: dict[str, Any]
) -> None:
    text = json.dumps(_produce_return(ip, actors["manager"]), default=repr)
    for word in (*flagged["names"], flagged["nhs"]):
        assert word not in text


# ------------------------------------------------------------------------ command line

CLI_CASES: list[tuple[list[str], Permission]] = [
    (["patient", "register", "--given", "Cli", "--family", "Matrix", "--sex", "female",
      "--dob", "1988-08-08", "--new-person"], Permission.REGISTER_PATIENT),
    (["patient", "flag", "add", "{a}", "modern_slavery"], Permission.ADD_RESTRICTED_FLAG),
    (["schedule", "generate", "--weeks", "1"], Permission.MANAGE_SCHEDULE),
    (["registration", "refusals", "--year", "2026/27"], Permission.VIEW_REFUSALS),
    (["indicators", "run", "--period", "2025/26"], Permission.RUN_INDICATORS),
    (["users", "add", "cli{n}", "--role", "receptionist", "--name", "Cli User",
      "--password", "long enough password"], Permission.MANAGE_USERS),
    (["fhir", "export", "--out", "export-{n}.json"], Permission.EXPORT_DATA),
]
CLI_READS = [["patient", "show", "{a}"], ["patient", "show", "{b}"], ["patient", "find", "flag"],
             ["patient", "needs", "{a}"], ["patient", "fhir", "{a}"],
             ["patient", "flag", "list", "{a}", "--all"], ["dna", "explain", "{b}"],
             ["dna", "worklist", "--all"], ["indicators", "explain", "IH001", "--patient", "{a}",
                                            "--period", "2026/27"]]


@pytest.fixture
def cli(ip: InclusionPractice, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> Callable[..., tuple[int, str]]:
    from inclusion_practice.cli.app import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("INCLUSION_PRACTICE_LOG", str(tmp_path / "inclusion-practice.log"))
    monkeypatch.setenv("INCLUSION_PRACTICE_DB", db_url)
    use_cli_password(monkeypatch)

    def run(username: str, argv: list[str], **fmt: Any) -> tuple[int, str]:
        capsys.readouterr()
        code = main(["--as", username, *[a.format(**fmt) for a in argv]])
        out, err = capsys.readouterr()
        return code, out + err

    return run


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_commands_are_allowed_or_refused_by_role_and_show_no_restricted_flag(
    ip: InclusionPractice, actors: dict[str, Actor], flagged: dict[str, Any],
    cli: Callable[..., tuple[int, str]], tmp_path: Path
) -> None:
    for n, ((argv, permission), role) in enumerate(itertools.product(CLI_CASES, Role)):
        username = actors[role.value].username
        code, text = cli(username, argv, n=n, a=flagged["a"])
        if permission in PERMISSIONS[role]:
            assert code == 0, (argv, role, text)
        else:
            assert code == 2 and f"a {role.value} may not" in text, (argv, role, text)
    for argv in CLI_READS:
        for role in Role:
            code, text = cli(actors[role.value].username, argv, a=flagged["a"], b=flagged["b"])
            if argv[0] == "indicators" and role is Role.RECEPTIONIST:
                assert code == 2
                continue
            assert code == 0, (argv, role, text)
            if not can_see_restricted(role):
                assert _leaks(text) == [], (argv, role)
    # A refused export leaves an existing file as it was (it was truncated before the check).
    keep = tmp_path / "keep.json"
    keep.write_text("earlier export", encoding="utf-8")
    assert cli("reception1", ["fhir", "export", "--out", str(keep)])[0] == 2
    assert keep.read_text(encoding="utf-8") == "earlier export"
    _, shown = cli("drokafor", ["patient", "show", "{a}"], a=flagged["a"])
    assert "sex work" in shown.lower()  # the clinician's view is the positive control
    for role in (Role.MANAGER, Role.ADMIN):
        out = tmp_path / f"all-{role.value}.json"
        assert cli(actors[role.value].username, ["fhir", "export", "--out", str(out)])[0] == 0
        assert _leaks(out.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_log_file_never_holds_a_patient_name_or_nhs_number(
    ip: InclusionPractice, actors: dict[str, Actor], flagged: dict[str, Any],
    cli: Callable[..., tuple[int, str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from inclusion_practice.services.patients import PatientService

    # Bad input naming the patient (exit 2: shown to the user, not logged)…
    cli("reception1", ["patient", "register", "--given", "Rosalind", "--family", "Hiddenflag",
                       "--sex", "female", "--dob", "1992-06-06", "--nhs-number",
                       flagged["nhs"]])
    cli("reception1", ["patient", "find", flagged["nhs"]])
    cli("reception1", ["patient", "edit-identity", str(flagged["b"]), "--nhs-number",
                       flagged["nhs"]])

    # …and an unexpected error whose message quotes patient data (exit 1: traceback logged).
    def boom(self: Any, actor: Any, patient_id: int) -> Any:
        raise RuntimeError(f"boom for Rosalind Hiddenflag {flagged['nhs']} sex_work")

    monkeypatch.setattr(PatientService, "show", boom)
    code, text = cli("drokafor", ["patient", "show", str(flagged["a"])])
    assert code == 1 and "Traceback" not in text
    log = (tmp_path / "inclusion-practice.log").read_text(encoding="utf-8")
    assert "RuntimeError" in log  # the log was written: type and frames only
    for secret in (*flagged["names"], flagged["nhs"], "sex_work"):
        assert secret not in log


def test_the_api_server_keeps_no_access_log_of_search_parameters(
    ip: InclusionPractice, monkeypatch: pytest.MonkeyPatch
) -> None:
    import uvicorn

    from inclusion_practice.rest import serve

    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append(kw))
    serve(ip, "127.0.0.1", 8765)
    assert calls and calls[0]["access_log"] is False


# ------------------------------------------------------------------------ REST API


def test_the_api_applies_the_same_roles_and_hides_restricted_flags(
    ip: InclusionPractice, actors: dict[str, Actor], flagged: dict[str, Any]
) -> None:
    from fastapi.testclient import TestClient

    from inclusion_practice.rest import create_app

    tokens = {role: ApiTokenService(ip.db).create(SYSTEM, a.username, role)
              for role, a in actors.items()}
    client = TestClient(create_app(ip))
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": {
        "resourceType": "Patient", "id": "api-mx", "gender": "male", "birthDate": "1960-01-01",
        "name": [{"family": "Apison", "given": ["Ari"]}]}}]}
    for role in Role:
        headers = {"Authorization": f"Bearer {tokens[role.value]}"}
        flags = client.get("/Flag", params={"patient": f"Patient/{flagged['a']}"},
                           headers=headers)
        assert flags.status_code == 200
        for flag_id in flagged["flags"]:
            one = client.get(f"/Flag/flag-{flag_id}", headers=headers)
            assert one.status_code == (200 if can_see_restricted(role) else 404)
        if not can_see_restricted(role):
            assert _leaks(flags.text) == [], role
        else:
            assert "sex_work" in flags.text
        posted = client.post("/", json=bundle, headers=headers)
        allowed = Permission.IMPORT_DATA in PERMISSIONS[role]
        assert posted.status_code == (200 if allowed else 403), (role, posted.text)
        measure = client.get("/Measure/IH001/$evaluate-measure", headers=headers,
                             params={"periodStart": "2025-04-01", "periodEnd": "2026-03-31"})
        allowed = Permission.RUN_INDICATORS in PERMISSIONS[role]
        assert measure.status_code == (200 if allowed else 403), (role, measure.text)


def test_the_permission_table_in_the_security_doc_is_the_one_the_library_enforces() -> None:
    doc = (Path(__file__).resolve().parents[1] / "docs" / "security.md").read_text("utf-8")
    table = doc.split("<!-- permission-table")[1].split("<!-- end permission-table")[0]
    rows = [[c.strip() for c in line.strip().strip("|").split("|")]
            for line in table.splitlines() if line.startswith("| ") and "---" not in line]
    header, body = rows[0], rows[1:]
    assert header[1:] == [r.value for r in Role]
    stated = {(Permission(row[0]), Role(role)): row[i + 1] == "yes"
              for row in body for i, role in enumerate(header[1:])}
    assert stated == {(p, r): p in PERMISSIONS[r] for p in Permission for r in Role}
