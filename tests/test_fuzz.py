"""Bad input at every public entry point: a clear error, nothing half-written, still usable.

Hypothesis throws generated and mutated input at registration (and the edits that follow it),
``practice.toml``, indicator set and code-list files, FHIR import, the command line and the REST
API. Each example must either succeed or be refused with the library's own error — an
:class:`~inclusion_practice.errors.InclusionPracticeError` naming the field (library), exit code
2 with one ``error:`` line and no traceback (CLI), a 4xx OperationOutcome (API) — and a refused
call must leave every table exactly as it was. After each target a normal call still works.

Examples are bounded so the file runs in well under a minute; the number tried per target is
printed at the end (``pytest -s tests/test_fuzz.py``).
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import tomllib
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import tomli_w
import typer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlmodel import SQLModel

from inclusion_practice.api import InclusionPractice
from inclusion_practice.config import PracticeConfig, example_config_text, parse_config
from inclusion_practice.domain.actor import Actor
from inclusion_practice.domain.addresses import ContactRoute, CorrespondenceKind
from inclusion_practice.domain.adjustments import AdjustmentKind
from inclusion_practice.domain.flag_categories import BUILT_IN_CATEGORIES
from inclusion_practice.domain.interpreters import InterpreterMode
from inclusion_practice.domain.nhs_number import UnavailableReason, VerificationStatus
from inclusion_practice.domain.registration import RegistrationKind
from inclusion_practice.errors import ConfigError, InclusionPracticeError, InvalidInput
from inclusion_practice.fhir import urls
from inclusion_practice.fhir.importer import FhirImporter
from inclusion_practice.indicators.definitions import (
    DefinitionError,
    IndicatorSet,
    parse_codelist,
    parse_set,
)
from inclusion_practice.services.patients import NewPatient, PatientUpdate
from tests.conftest import use_cli_password
from tests.fhir_practice import VALID_NHS, build_practice

TRIED: Counter[str] = Counter()
"""Examples run per target (printed at the end of the module)."""
_BASE = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                           HealthCheck.data_too_large, HealthCheck.filter_too_much],
)


def fuzz(examples: int) -> settings:
    """Bounded examples, no deadline (database round trips vary); failures are kept in the
    example database and printed with a blob that reproduces them."""
    return settings(_BASE, max_examples=examples)
SQLITE = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
TODAY = dt.date(2026, 11, 23)


@pytest.fixture(scope="module", autouse=True)
def _report_examples() -> Iterator[None]:
    yield
    print("\n[fuzz] examples tried per target: "
          + ", ".join(f"{k} {v}" for k, v in sorted(TRIED.items())))


# ----------------------------------------------------------------------------- strategies

_TEXT = st.text(max_size=40)
_LONG = st.text(min_size=90, max_size=400)
_JUNK_SCALAR = st.one_of(
    st.text(max_size=30), st.integers(min_value=-(2**63), max_value=2**63), st.booleans(),
    st.floats(allow_nan=False), st.dates(),
)
_JUNK = st.one_of(
    _JUNK_SCALAR,
    st.lists(_JUNK_SCALAR, max_size=3),
    st.dictionaries(st.text(max_size=8), _JUNK_SCALAR, max_size=3),
)
_JSON_SCALAR = st.one_of(st.none(), st.text(max_size=30), _LONG, st.booleans(),
                         st.integers(min_value=-(2**70), max_value=2**70),
                         st.floats(allow_nan=False, allow_infinity=False))
_JSON_JUNK = st.one_of(_JSON_SCALAR, st.lists(_JSON_SCALAR, max_size=3),
                       st.dictionaries(st.text(max_size=8), _JSON_SCALAR, max_size=3))
_IDS = st.one_of(st.integers(min_value=-3, max_value=8), st.integers(min_value=-(2**63),
                                                                      max_value=2**63))


def _maybe(valid: list[str], junk: st.SearchStrategy[Any] = _TEXT) -> st.SearchStrategy[Any]:
    """Usually a valid value, sometimes nothing, sometimes junk or something far too long."""
    return st.one_of(st.none(), st.sampled_from(valid), junk, _LONG)


def _paths(doc: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a JSON/TOML document (dict keys and list indexes), depth first."""
    out: list[tuple[Any, ...]] = []
    items = doc.items() if isinstance(doc, dict) else enumerate(doc) if isinstance(doc, list) else []
    for key, value in items:
        out.append((*prefix, key))
        out.extend(_paths(value, (*prefix, key)))
    return out


def _mutate(doc: Any, path: tuple[Any, ...], op: str, junk: Any) -> Any:
    """A copy of ``doc`` with the node at ``path`` replaced, deleted, emptied or grown."""
    new = copy.deepcopy(doc)
    parent = new
    for key in path[:-1]:
        parent = parent[key]
    last = path[-1]
    if op == "delete":
        del parent[last]
    elif op == "empty":
        parent[last] = type(parent[last])() if isinstance(parent[last], dict | list | str) else junk
    elif op == "add" and isinstance(parent[last], dict):
        parent[last]["unexpected_key"] = junk
    elif op == "add" and isinstance(parent[last], list):
        parent[last].append(junk if parent[last] == [] else copy.deepcopy(parent[last][0]))
    else:
        parent[last] = junk
    return new


_OPS = st.sampled_from(["replace", "replace", "delete", "empty", "add"])


def _counts(ip: InclusionPractice) -> dict[str, int]:
    """Rows in every table: "nothing half-written" means this did not change."""
    with ip.db.connection() as conn:
        return {
            t.name: int(conn.execute(select(func.count()).select_from(t)).scalar_one())
            for t in SQLModel.metadata.sorted_tables
            if t.name != "sign_in_attempt"  # every attempt is recorded, refused or not
        }


def _clear(exc: InclusionPracticeError) -> None:
    """A refusal a receptionist can act on: a message, and the field when one was wrong."""
    assert str(exc).strip()
    if isinstance(exc, InvalidInput):
        assert exc.field and exc.reason


# ----------------------------------------------------------------------------- registration


@st.composite
def _new_patient(draw: st.DrawFn) -> dict[str, Any]:
    person = NewPatient(
        given_name=draw(st.one_of(st.sampled_from(["Amina", "Józef", "Siobhán", "Li"]), _TEXT,
                                  _LONG)),
        family_name=draw(st.one_of(st.sampled_from(["Fuzzova", "O'Fuzz", "Fuzz-Test"]), _TEXT,
                                   _LONG)),
        sex=draw(st.one_of(st.sampled_from(["female", "male", "other", "unknown", "F", ""]),
                           _TEXT)),
        date_of_birth=draw(st.one_of(st.none(), st.dates(dt.date(1800, 1, 1),
                                                         dt.date(2100, 1, 1)))),
        dob_estimated=draw(st.booleans()),
        estimated_birth_year=draw(st.one_of(st.none(), st.integers(-10, 3000))),
        title=draw(st.one_of(st.none(), st.sampled_from(["Ms", "Mx"]), _TEXT)),
        nhs_number=draw(_maybe([VALID_NHS, "943 476 5919", "1234567890", "999"])),
        nhs_number_status=draw(_maybe([s.value for s in VerificationStatus])),
        nhs_number_unavailable_reason=draw(_maybe([r.value for r in UnavailableReason])),
        usual_address=draw(st.lists(st.one_of(_TEXT, _LONG), max_size=3)),
        usual_postcode=draw(_maybe(["LS1 1AA", "ls11aa", "ZZ99 3WZ", "NOT A POSTCODE"])),
        no_fixed_abode=draw(st.booleans()),
        correspondence=draw(_maybe([k.value for k in CorrespondenceKind])),
        care_of_partner=draw(_maybe(["st-annes-hostel", "crossroads-day-centre"])),
        correspondence_address=draw(st.lists(_TEXT, max_size=2)),
        correspondence_postcode=draw(_maybe(["LS2 7EW"])),
        correspondence_from=draw(st.one_of(st.none(), st.dates())),
        correspondence_to=draw(st.one_of(st.none(), st.dates())),
        post_check_agreed_on=draw(st.one_of(st.none(), st.dates())),
        contact_route=draw(_maybe([r.value for r in ContactRoute])),
        phone=draw(_maybe(["07700 900123", "+44 113 496 0000"])),
        email=draw(_maybe(["fuzz@example.org"])),
        keyworker_name=draw(_maybe(["Sam Keyworker"])),
        keyworker_phone=draw(_maybe(["0113 496 0001"])),
        keyworker_partner=draw(_maybe(["st-annes-hostel"])),
        main_language=draw(_maybe(["pl", "ti", "bfi", "en", "Polish"])),
        dialect=draw(_maybe(["Gheg"])),
        interpreter_needed=draw(st.one_of(st.none(), st.booleans())),
        interpreter_mode=draw(_maybe([m.value for m in InterpreterMode])),
        interpreter_gender=draw(_maybe(["female", "male"])),
        no_family_interpreter=draw(st.booleans()),
        ethnicity_code=draw(_maybe(["A", "C", "S", "Z"])),
        adjustments=draw(st.lists(_maybe([k.value for k in AdjustmentKind]
                                         + ["clinician_gender:female"]).filter(
                                             lambda v: v is not None), max_size=3)),
    )
    return {
        "person": person,
        "kind": draw(_maybe([k.value for k in RegistrationKind])) or "permanent",
        "start": draw(st.one_of(st.none(), st.dates(dt.date(1900, 1, 1), dt.date(2200, 1, 1)))),
        "planned_end": draw(st.one_of(st.none(), st.dates())),
        "decision": draw(st.one_of(st.none(), st.sampled_from(["new_person", "same_person"]),
                                   _TEXT)),
        "same_as": draw(st.one_of(st.none(), _IDS)),
    }


def test_fuzzed_registrations_are_saved_or_refused_clearly_with_nothing_half_written(
    ip: InclusionPractice, actors: dict[str, Actor]
) -> None:
    reception = actors["receptionist"]

    @fuzz(120)
    @given(case=_new_patient())
    def register(case: dict[str, Any]) -> None:
        TRIED[f"registration ({ip.db.dialect})"] += 1
        before = _counts(ip)
        person = case.pop("person")
        try:
            ip.patients.register(reception, person, **case)
        except InclusionPracticeError as exc:
            _clear(exc)
            assert _counts(ip) == before
        else:
            assert _counts(ip)["patient"] == before["patient"] + 1

    register()
    # Still usable: an ordinary registration goes through.
    done = ip.patients.register(reception, NewPatient(
        given_name="Ordinary", family_name="Afterfuzz", sex="female",
        date_of_birth=dt.date(1990, 1, 1)), decision="new_person")
    assert done.patient.id


_EDITS = ["contact", "communication", "addresses", "identity", "flag", "adjustment",
          "refusal", "deregister", "reregister", "link", "find", "show", "needs"]


def test_fuzzed_edits_flags_refusals_and_searches_are_done_or_refused_clearly(
    ip: InclusionPractice, actors: dict[str, Actor]
) -> None:
    reception, clinician = actors["receptionist"], actors["clinician"]
    pid = ip.patients.register(reception, NewPatient(
        given_name="Edith", family_name="Fuzzedit", sex="female",
        date_of_birth=dt.date(1984, 4, 4))).patient.id
    assert pid is not None

    @fuzz(150)
    @given(op=st.sampled_from(_EDITS), a=_maybe(["07700 900123", "pl", "fuzz@example.org",
                                                 "sex_work", "homelessness", "moved",
                                                 "outside_boundary", VALID_NHS,
                                                 "quiet_space", "phone", "2026-11-23"]),
           b=_maybe(["rough_sleeping", "female", "01", "outside the area", "self_declared"]),
           day=st.one_of(st.none(), st.dates()), target=st.one_of(st.just(pid), _IDS),
           who=st.sampled_from(["receptionist", "clinician", "manager", "admin"]))
    def edit(op: str, a: Any, b: Any, day: dt.date | None, target: int, who: str) -> None:
        TRIED[f"patient edits, flags, refusals, search ({ip.db.dialect})"] += 1
        actor = actors[who]
        before = _counts(ip)
        try:
            if op == "contact":
                ip.patients.update(actor, target, PatientUpdate(contact_route=a, phone=b, email=a))
            elif op == "communication":
                ip.patients.update(actor, target, PatientUpdate(
                    main_language=a, dialect=b, interpreter_gender=b))
            elif op == "addresses":
                ip.patients.update(actor, target, PatientUpdate(
                    usual_address=[a or ""], usual_postcode=b, correspondence=a))
            elif op == "identity":
                ip.patients.update(actor, target, PatientUpdate(nhs_number=a, nhs_number_status=b))
            elif op == "flag":
                ip.flags.add(actor, target, a or "", subcategory=b, start=day)
            elif op == "adjustment":
                ip.adjustments.add(actor, target, a or "", detail=b)
            elif op == "refusal":
                ip.refusals.record(actor, a or "", b or "", a or "", detail=b, refused_on=day)
            elif op == "deregister":
                ip.patients.deregister(actor, target, a or "", on=day, detail=b)
            elif op == "reregister":
                ip.patients.reregister(actor, target, kind=a or "permanent", start=day)
            elif op == "link":
                ip.patients.link(actor, target, pid)
            elif op == "find":
                ip.patients.find(actor, a or "")
            elif op == "show":
                ip.patients.show(actor, target)
            else:
                ip.patients.needs(actor, target, day)
        except InclusionPracticeError as exc:
            _clear(exc)
            assert _counts(ip) == before

    edit()
    assert ip.patients.show(clinician, pid).record.id == pid


# ----------------------------------------------------------------------------- config files

_EXAMPLE_CONFIG = tomllib.loads(example_config_text())
_CONFIG_PATHS = _paths(_EXAMPLE_CONFIG)


def _parses_or_names_the_problem(text: str) -> PracticeConfig | None:
    try:
        return parse_config(text, "fuzz.toml")
    except ConfigError as exc:
        assert str(exc).startswith("fuzz.toml: ") and len(str(exc)) > len("fuzz.toml: ")
        return None


@fuzz(150)
@given(index=st.integers(0, len(_CONFIG_PATHS) - 1), op=_OPS, junk=_JUNK)
def test_a_mutated_practice_toml_loads_or_says_which_key_is_wrong(
    index: int, op: str, junk: Any
) -> None:
    TRIED["practice.toml (mutated)"] += 1
    doc = _mutate(_EXAMPLE_CONFIG, _CONFIG_PATHS[index], op, junk)
    _parses_or_names_the_problem(tomli_w.dumps(doc))


@fuzz(100)
@given(text=st.one_of(st.text(max_size=200),
                      st.builds(lambda at, cut, ins: example_config_text()[:at] + ins
                                + example_config_text()[at + cut:],
                                st.integers(0, 9000), st.integers(0, 40), st.text(max_size=20))))
def test_practice_toml_text_of_any_shape_loads_or_is_refused_with_the_file_name(text: str) -> None:
    TRIED["practice.toml (text)"] += 1
    _parses_or_names_the_problem(text)


# ----------------------------------------------------------------------------- indicator sets

_SET_TEXT = (Path(__file__).resolve().parents[1] / "inclusion_practice" / "indicators" / "sets"
             / "inclusion-health-les.toml").read_text(encoding="utf-8")
_SET = tomllib.loads(_SET_TEXT)
_SET_PATHS = _paths(_SET)
_CODELIST = tomllib.loads((Path(__file__).resolve().parents[1] / "inclusion_practice"
                           / "indicators" / "codelists" / "hiv_test.toml").read_text("utf-8"))
_CODELIST_PATHS = _paths(_CODELIST)


def _set_or_definition_error(text: str) -> IndicatorSet | None:
    try:
        return parse_set(text, "fuzz-set.toml")
    except DefinitionError as exc:
        assert str(exc).startswith("fuzz-set.toml: ")
        return None


@fuzz(150)
@given(index=st.integers(0, len(_SET_PATHS) - 1), op=_OPS, junk=_JUNK)
def test_a_mutated_indicator_set_loads_or_names_the_indicator_and_key(
    index: int, op: str, junk: Any
) -> None:
    TRIED["indicator set (mutated)"] += 1
    _set_or_definition_error(tomli_w.dumps(_mutate(_SET, _SET_PATHS[index], op, junk)))


@fuzz(60)
@given(text=st.one_of(st.text(max_size=200),
                      st.builds(lambda at, cut: _SET_TEXT[:at] + _SET_TEXT[at + cut:],
                                st.integers(0, len(_SET_TEXT)), st.integers(1, 60))))
def test_indicator_set_text_of_any_shape_loads_or_is_refused(text: str) -> None:
    TRIED["indicator set (text)"] += 1
    _set_or_definition_error(text)


@fuzz(60)
@given(index=st.integers(0, len(_CODELIST_PATHS) - 1), op=_OPS, junk=_JUNK)
def test_a_mutated_code_list_loads_or_is_refused(index: int, op: str, junk: Any) -> None:
    TRIED["code list (mutated)"] += 1
    try:
        parse_codelist(tomli_w.dumps(_mutate(_CODELIST, _CODELIST_PATHS[index], op, junk)),
                       "fuzz-codes.toml")
    except DefinitionError as exc:
        assert str(exc).startswith("fuzz-codes.toml: ")


# ----------------------------------------------------------------------------- FHIR import

_FHIR_SEEDS: list[dict[str, Any]] = [
    {"resourceType": "Patient", "id": "fz1",
     "identifier": [{"system": urls.NHS_NUMBER_SYSTEM, "value": VALID_NHS}],
     "name": [{"family": "Importova", "given": ["Irena"]}], "gender": "female",
     "birthDate": "1985-04-04",
     "address": [{"line": ["1 Synthetic Street"], "postalCode": "LS1 1AA"}],
     "telecom": [{"system": "phone", "value": "07700 900123"}]},
    {"resourceType": "Observation", "id": "fz-obs", "status": "final",
     "code": {"coding": [{"system": urls.SNOMED, "code": "1108171000000102"}]},
     "subject": {"reference": "Patient/fz1"}, "effectiveDateTime": "2026-10-01",
     "valueQuantity": {"value": 4}},
    {"resourceType": "Immunization", "id": "fz-imm", "status": "completed",
     "vaccineCode": {"coding": [{"system": urls.SNOMED, "code": "1108171000000102"}]},
     "patient": {"reference": "Patient/fz1"}, "occurrenceDateTime": "2026-09-09"},
]


@pytest.fixture
def fhir_seeds(ip: InclusionPractice, actors: dict[str, Actor]) -> list[dict[str, Any]]:
    """The hand-made resources plus a Flag and an Appointment exported from a small practice."""
    from inclusion_practice.fhir.exporter import ExportFilter, FhirExporter

    build_practice(ip, actors)
    exported = list(FhirExporter(ip.services).resources(
        actors["manager"], ExportFilter()))
    extra = [r for r in exported if r.get("resourceType") in ("Flag", "Appointment")][:2]
    return [*_FHIR_SEEDS, *extra]


def test_fuzzed_fhir_resources_are_imported_or_reported_and_a_refused_transaction_writes_nothing(
    ip: InclusionPractice, actors: dict[str, Actor], fhir_seeds: list[dict[str, Any]]
) -> None:
    importer = FhirImporter(ip.services)
    admin = actors["admin"]

    @fuzz(100)
    @given(data=st.data(), seed=st.sampled_from(range(len(fhir_seeds))), op=_OPS,
           junk=_JSON_JUNK, kind=st.sampled_from(["transaction", "collection", "garbage"]))
    def import_one(data: st.DataObject, seed: int, op: str, junk: Any, kind: str) -> None:
        TRIED[f"FHIR import ({ip.db.dialect})"] += 1
        resource = fhir_seeds[seed]
        paths = _paths(resource)
        path = paths[data.draw(st.integers(0, len(paths) - 1))]
        mutated = _mutate(resource, path, op, junk)
        if kind == "garbage":
            bundle: Any = {"resourceType": "Bundle", "type": data.draw(_JSON_JUNK),
                           "entry": data.draw(_JSON_JUNK)}
        else:
            bundle = {"resourceType": "Bundle", "type": kind,
                      "entry": [{"resource": _FHIR_SEEDS[0]}, {"resource": mutated}]}
        before = _counts(ip)
        try:
            report = importer.import_bundle(admin, bundle)
        except InclusionPracticeError as exc:
            _clear(exc)
            assert _counts(ip) == before
            return
        for problem in report.problems:
            assert problem.location and problem.reason
        if kind == "transaction" and not report.committed:
            assert _counts(ip) == before
            assert report.problems

    import_one()
    ok = importer.import_bundle(admin, {"resourceType": "Bundle", "type": "transaction",
                                        "entry": [{"resource": r} for r in _FHIR_SEEDS]})
    assert ok.committed, ok.problems


@SQLITE
def test_fuzzed_ndjson_files_are_imported_or_reported_line_by_line(
    ip: InclusionPractice, actors: dict[str, Actor], tmp_path: Path
) -> None:
    importer = FhirImporter(ip.services)

    @fuzz(50)
    @given(lines=st.lists(st.one_of(
        st.sampled_from([json.dumps(r) for r in _FHIR_SEEDS]), st.text(max_size=60),
        st.builds(lambda r, cut: json.dumps(r)[:cut], st.sampled_from(_FHIR_SEEDS),
                  st.integers(0, 80))), max_size=6))
    def import_file(lines: list[str]) -> None:
        TRIED["FHIR NDJSON file"] += 1
        path = tmp_path / "fuzz.ndjson"
        path.write_text("\n".join(lines), encoding="utf-8")
        try:
            report = importer.import_file(actors["admin"], path)
        except InclusionPracticeError as exc:
            _clear(exc)
            return
        for problem in report.problems:
            assert problem.location and problem.reason

    import_file()


@pytest.mark.parametrize("kind", ["ndjson", "collection", "transaction"])
def test_the_same_resource_twice_in_one_import_is_stored_once(
    ip: InclusionPractice, actors: dict[str, Actor], tmp_path: Path, kind: str
) -> None:
    """Found by the NDJSON fuzzing: a repeated line failed the whole batch on the unique
    source identifier (an unexpected error) instead of being one upsert."""
    twice = [_FHIR_SEEDS[0], _FHIR_SEEDS[0], _FHIR_SEEDS[1], _FHIR_SEEDS[1]]
    importer = FhirImporter(ip.services)
    if kind == "ndjson":
        path = tmp_path / "twice.ndjson"
        path.write_text("\n".join(json.dumps(r) for r in twice), encoding="utf-8")
        report = importer.import_file(actors["admin"], path)
    else:
        report = importer.import_bundle(actors["admin"], {
            "resourceType": "Bundle", "type": kind, "entry": [{"resource": r} for r in twice]})
    assert report.committed and report.ok, report.problems
    assert report.counts.created == {"patient": 1, "clinical_event": 1}
    counts = _counts(ip)
    assert counts["patient"] == 1 and counts["clinical_event"] == 1


# ----------------------------------------------------------------------------- command line


def _leaf_commands() -> list[tuple[list[str], list[Any]]]:
    from inclusion_practice.cli.app import app

    out: list[tuple[list[str], list[Any]]] = []

    def walk(cmd: Any, path: list[str]) -> None:
        if hasattr(cmd, "commands"):
            for name, sub in cmd.commands.items():
                walk(sub, [*path, name])
        else:
            out.append((path, list(cmd.params)))

    walk(typer.main.get_command(app), [])
    # Interactive, long-running or replacing the whole database: not for fuzzing. (`web` with
    # valid options serves until stopped: a drawn `web` line hung the suite; its own tests
    # check its options.)
    skip = {("tui",), ("serve",), ("web",), ("demo",), ("init",), ("db", "restore")}
    return [(p, params) for p, params in out if tuple(p) not in skip]


_COMMANDS = _leaf_commands()
_ARG_VALUES = st.one_of(
    st.sampled_from(["1", "2", "3", "0", "-1", "2026-11-23", "2026-11-24T10:00", "2025-26",
                     "2026-Q3", "female", "permanent", "patient", "practice", "dr-okafor",
                     "homelessness", "sex_work", "quiet_space", "pl", "json", "csv", "sql",
                     "LS1 1AA", VALID_NHS, "ih-les", "out.json", "99999999999999999999",
                     ".", "", "not-utf8.bin", "empty.txt", "out-folder"]),
    st.text(st.characters(exclude_characters="\x00", exclude_categories=["Cs"]), max_size=30),
)


@st.composite
def _argv(draw: st.DrawFn) -> list[str]:
    path, params = draw(st.sampled_from(_COMMANDS))
    argv = ["--as", draw(st.sampled_from(["reception1", "drokafor", "manager1", "admin1",
                                          "nobody"]))]
    if draw(st.integers(0, 9)) == 0:
        argv = ["--config", draw(_ARG_VALUES), *argv]
    argv += path
    for p in params:
        if getattr(p, "param_type_name", "") == "argument":
            if draw(st.integers(0, 9)):
                argv.append(draw(_ARG_VALUES))
        elif draw(st.booleans()):
            argv.append(p.opts[0])
            if not getattr(p, "is_flag", False):
                argv.append(draw(_ARG_VALUES))
    if draw(st.integers(0, 5)) == 0:
        argv.append(draw(st.sampled_from(["--bogus", "extra", "--help"])))
    return argv


@SQLITE
def test_fuzzed_command_lines_exit_0_or_2_with_one_clear_line_and_no_traceback(
    ip: InclusionPractice, actors: dict[str, Actor], db_url: str, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from inclusion_practice.cli.app import main

    build_practice(ip, actors)
    monkeypatch.chdir(tmp_path)
    log = tmp_path / "inclusion-practice.log"
    monkeypatch.setenv("INCLUSION_PRACTICE_LOG", str(log))
    monkeypatch.setenv("INCLUSION_PRACTICE_DB", db_url)
    use_cli_password(monkeypatch)
    # "nobody" fails to sign in on many of these lines: raise this terminal's throttle limit
    # (./practice.toml is the config the CLI finds) so the valid users' lines are still checked.
    (tmp_path / "practice.toml").write_text(
        example_config_text().replace("terminal_max_failures = 20", "terminal_max_failures = 10000"),
        encoding="utf-8")
    (tmp_path / "not-utf8.bin").write_bytes(b"\xff\xfe\x00 not text")
    (tmp_path / "empty.txt").write_text("", encoding="utf-8")
    (tmp_path / "out-folder").mkdir()
    codes: Counter[int] = Counter()

    @fuzz(200)
    @given(argv=_argv())
    def run(argv: list[str]) -> None:
        TRIED["command line"] += 1
        before = _counts(ip)
        capsys.readouterr()
        code = main(argv)
        out, err = capsys.readouterr()
        codes[code] += 1
        assert code in (0, 2), (argv, code, err)
        assert "Traceback" not in out + err
        if code == 2:
            assert _counts(ip) == before, argv
            # One "error:" line (progress lines may come before it), or the help when a
            # command group was given no command.
            errors = [line for line in err.splitlines() if line.startswith("error:")]
            assert len(errors) == 1 or (not errors and "Usage" in out), (argv, err)

    run()
    print(f"\n[fuzz] command line exit codes: {dict(codes)}")
    assert not log.exists() or "unexpected error" not in log.read_text(encoding="utf-8")
    assert main(["--as", "reception1", "patient", "find", "Amara"]) == 0


# ----------------------------------------------------------------------------- REST API

_API_PATHS = ["/metadata", "/Patient", "/Patient/{id}", "/Flag", "/Flag/{id}", "/Appointment",
              "/Appointment/{id}", "/Slot", "/Slot/{id}", "/Schedule/{id}", "/Measure/{id}",
              "/Measure/{id}/$evaluate-measure", "/StructureDefinition/{id}", "/CodeSystem/{id}",
              "/ValueSet/{id}", "/nonexistent"]
_API_PARAMS = ["identifier", "name", "birthdate", "patient", "category", "date", "status",
               "schedule", "start", "periodStart", "periodEnd", "_count", "junk"]
_API_VALUES = st.one_of(
    st.sampled_from(["1", "flag-1", "Patient/1", "dr-okafor", "ge2026-11-01", "2026-11-23",
                     "booked", "free", "IH001", "999999999999999999999", "-1", "Patient/x/y",
                     f"{urls.NHS_NUMBER_SYSTEM}|{VALID_NHS}", "sex_work", "eb2026-01-01",
                     "2026-13-45", "gt2026-11-23T10:00:00+05:00"]),
    st.text(max_size=25),
)


def test_fuzzed_api_requests_get_a_result_or_a_4xx_operation_outcome(
    ip: InclusionPractice, actors: dict[str, Actor]
) -> None:
    from fastapi.testclient import TestClient

    from inclusion_practice.rest import create_app
    from inclusion_practice.services.access import SYSTEM
    from inclusion_practice.services.api_tokens import ApiTokenService

    build_practice(ip, actors)
    tokens = {role: ApiTokenService(ip.db).create(SYSTEM, a.username, role)
              for role, a in actors.items()}
    # About one request in six sends a bad token and the clock is frozen: raise the per-address
    # throttle limit so the valid tokens' requests are still checked (tests/test_sign_in.py
    # covers the throttle itself).
    lenient = parse_config(example_config_text().replace("terminal_max_failures = 20",
                                                         "terminal_max_failures = 10000"))
    client = TestClient(create_app(InclusionPractice(ip.db, lenient, ip.clock)),
                        raise_server_exceptions=False)
    statuses: Counter[int] = Counter()

    @fuzz(150)
    @given(path=st.sampled_from(_API_PATHS), rid=_API_VALUES,
           params=st.dictionaries(st.sampled_from(_API_PARAMS), _API_VALUES, max_size=3),
           role=st.sampled_from([*tokens, "none", "bad"]), post=st.integers(0, 4),
           body=st.one_of(_JSON_JUNK, st.fixed_dictionaries(
               {"resourceType": st.just("Bundle"), "type": _JSON_JUNK, "entry": _JSON_JUNK})))
    def request(path: str, rid: str, params: dict[str, str], role: str, post: int,
                body: Any) -> None:
        TRIED[f"REST API ({ip.db.dialect})"] += 1
        headers = {}
        if role in tokens:
            headers["Authorization"] = f"Bearer {tokens[role]}"
        elif role == "bad":
            headers["Authorization"] = "Bearer ipt_not-a-token"
        before = _counts(ip)
        if post == 0:
            resp = client.post("/", json=body, headers=headers)
        else:
            url = path.replace("{id}", quote(rid, safe="") or "x")
            resp = client.get(url, params=params, headers=headers)
        statuses[resp.status_code] += 1
        assert resp.status_code < 500, (path, rid, params, resp.text[:300])
        if resp.status_code >= 400:
            outcome = resp.json()
            assert outcome["resourceType"] == "OperationOutcome"
            assert all(i.get("diagnostics") for i in outcome["issue"])
            assert _counts(ip) == before

    request()
    print(f"\n[fuzz] REST statuses ({ip.db.dialect}): {dict(statuses)}")
    ok = client.get("/Patient", headers={"Authorization": f"Bearer {tokens['clinician']}"})
    assert ok.status_code == 200


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("entry", [5, "x", {"resource": {}}, True])
def test_a_posted_bundle_whose_entry_is_not_a_list_is_a_400_not_a_server_error(
    ip: InclusionPractice, actors: dict[str, Actor], entry: Any
) -> None:
    """Found by the API fuzzing: ``len(entry)`` of a number was a 500."""
    from fastapi.testclient import TestClient

    from inclusion_practice.rest import create_app
    from inclusion_practice.services.access import SYSTEM
    from inclusion_practice.services.api_tokens import ApiTokenService

    token = ApiTokenService(ip.db).create(SYSTEM, actors["admin"].username, "fuzz")
    resp = TestClient(create_app(ip)).post(
        "/", json={"resourceType": "Bundle", "type": "collection", "entry": entry},
        headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 400
    assert resp.json()["issue"][0]["expression"] == ["Bundle.entry"]


def test_the_example_config_and_shipped_files_still_parse() -> None:
    """The fuzz targets' seeds are valid, so mutations start from a real document."""
    assert parse_config(example_config_text()).practice.name
    assert parse_set(_SET_TEXT, "les.toml").indicators
    assert {c.code for c in BUILT_IN_CATEGORIES} >= {"sex_work", "substance_use"}
