"""The indicator service on both databases: results, worklists, explain, roles, FHIR, CLI."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from inclusion_practice.api import InclusionPractice
from inclusion_practice.cli.app import main
from inclusion_practice.domain.actor import Actor
from inclusion_practice.errors import InvalidInput, NotFound, PermissionDenied
from inclusion_practice.fhir.measure_report import measure_report, set_bundle
from inclusion_practice.indicators.records import (
    EventRow,
    FlagRow,
    InvitationRow,
    PatientHistory,
    RegistrationRow,
)
from tests.conftest import use_cli_password
from tests.fhir_schema import assert_valid
from tests.indicator_support import insert_records

D = dt.date


def assert_valid_fhir(resource: dict[str, object]) -> None:
    """Validate contained/bundled resources one by one: the schema's any-resource ``oneOf`` makes
    validating them in place needlessly slow."""
    res = dict(resource)
    inner = list(res.pop("contained", []))  # type: ignore[call-overload]
    if res.get("resourceType") == "Bundle":
        inner += [e["resource"] for e in res["entry"]]  # type: ignore[index, union-attr]
        res["entry"] = [{k: v for k, v in e.items() if k != "resource"} for e in res["entry"]]  # type: ignore[union-attr]
    assert_valid(res)
    for r in inner:
        assert_valid_fhir(r)


MH_REVIEW = "166121000000101"
REG = (RegistrationRow(D(2024, 1, 1)),)


def _practice(ip: InclusionPractice) -> None:
    recs = [
        PatientHistory(1, D(1980, 1, 1), "female", registrations=REG, flags=(FlagRow("homelessness", D(2024, 1, 1)),),
                      events=(EventRow(MH_REVIEW, D(2025, 6, 1)),)),
        PatientHistory(2, D(1985, 1, 1), "male", registrations=REG, flags=(FlagRow("substance_use", D(2024, 1, 1)),)),
        PatientHistory(3, D(1990, 1, 1), "male", registrations=REG, flags=(FlagRow("homelessness", D(2024, 1, 1)),),
                      events=(EventRow(MH_REVIEW, D(2024, 6, 1)),)),
        PatientHistory(4, D(1970, 1, 1), "female", registrations=REG, flags=(FlagRow("homelessness", D(2024, 1, 1)),),
                      invitations=(InvitationRow("mental_health", D(2025, 5, 1)), InvitationRow("mental_health", D(2025, 6, 1)))),
        PatientHistory(5, D(1970, 1, 1), "female", registrations=REG),
    ]
    with ip.db.engine.begin() as conn:
        insert_records(conn, recs)


def test_a_run_gives_a_b_c_achievement_points_and_payment(ip: InclusionPractice, actors: dict[str, Actor]) -> None:
    _practice(ip)
    res = ip.indicators.run(actors["manager"], "2025/26")
    ih011 = next(r for r in res.results if r.indicator_id == "IH011")
    assert (ih011.counts.numerator, ih011.counts.denominator, ih011.counts.exceptions) == (1, 4, 1)
    assert ih011.achievement == pytest.approx(100 / 3)
    assert ih011.points == 0.0  # below the lower threshold of 35 %
    register = next(r for r in res.results if r.indicator_id == "IH001")
    assert register.counts.denominator == 4 and register.payment == 4 * 20.0
    assert ih011.by_category["homelessness"].denominator == 3
    assert ih011.by_sex["female"].denominator == 2
    memory = ip.indicators.run(actors["manager"], "2025/26", engine="memory")
    assert [r.counts for r in memory.results] == [r.counts for r in res.results]


def test_only_roles_that_may_run_indicators_can(ip: InclusionPractice, actors: dict[str, Actor]) -> None:
    with pytest.raises(PermissionDenied):
        ip.indicators.run(actors["receptionist"], "2025/26")
    with pytest.raises(InvalidInput, match="period"):
        ip.indicators.run(actors["manager"], "last year")
    with pytest.raises(InvalidInput, match="engine"):
        ip.indicators.run(actors["manager"], "2025/26", engine="abacus")


def test_the_worklist_lists_who_still_needs_care_with_the_reason(ip: InclusionPractice, actors: dict[str, Actor]) -> None:
    _practice(ip)
    lists = ip.indicators.patients(actors["clinician"], "IH011", "2025/26")
    assert [p.patient_id for p in lists.numerator] == [1]
    assert [p.patient_id for p in lists.excepted] == [4]
    assert [p.patient_id for p in lists.missing] == [2, 3]  # never done before done long ago
    assert lists.missing[1].last_done == D(2024, 6, 1)
    assert "mental-health review" in lists.missing[0].reason
    assert lists.missing[0].due == D(2026, 3, 31)


def test_non_clinical_roles_never_see_a_restricted_category_named(ip: InclusionPractice, actors: dict[str, Actor]) -> None:
    _practice(ip)
    manager = ip.indicators.explain(actors["manager"], "IH012", 2, "2025/26")
    clinician = ip.indicators.explain(actors["clinician"], "IH012", 2, "2025/26")
    # On the register only through substance use: a manager must not learn that from the list.
    assert clinician.population == "missing" and manager.population == "not in denominator"
    assert 2 not in {p.patient_id for p in ip.indicators.patients(actors["manager"], "IH012",
                                                                   "2025/26").missing}
    assert "substance_use" not in " ".join(s.rule + s.detail for s in manager.steps)
    assert "a restricted category" in " ".join(s.rule + s.detail for s in manager.steps)
    assert "substance_use" in " ".join(s.rule + s.detail for s in clinician.steps)


def test_explain_says_which_rule_put_a_patient_where(ip: InclusionPractice, actors: dict[str, Actor]) -> None:
    _practice(ip)
    assert ip.indicators.explain(actors["clinician"], "IH011", 5, "2025/26").population == "not in denominator"
    ex = ip.indicators.explain(actors["clinician"], "IH011", 4, "2025/26")
    assert ex.population.startswith("excepted: did not respond")
    with pytest.raises(NotFound):
        ip.indicators.explain(actors["clinician"], "IH011", 999, "2025/26")
    with pytest.raises(NotFound):
        ip.indicators.explain(actors["clinician"], "NOPE", 1, "2025/26")


def test_fhir_measure_reports_are_valid(ip: InclusionPractice, actors: dict[str, Actor]) -> None:
    _practice(ip)
    res = ip.indicators.run(actors["manager"], "2025Q4")
    reports = []
    for r in [r for r in res.results if r.indicator_id in ("IH001", "IH011", "IH004")]:
        outcomes = ip.indicators.outcomes(actors["manager"], r.indicator_id, res.period)
        for kind in ("summary", "subject-list"):
            rep = measure_report(r, str(res.period.start), str(res.period.end), ods_code="Y12345",
                                 practice_name="Test", generated_at=res.generated_at,
                                 report_type=kind, outcomes=outcomes)  # type: ignore[arg-type]
            assert_valid_fhir(rep)
            assert rep["measure"].endswith(f"/Measure/{r.indicator_id}")
            assert rep["period"] == {"start": "2026-01-01", "end": "2026-03-31"}
            reports.append(rep)
    ih011 = next(r for r in reports if r["id"].startswith("IH011") and r["type"] == "subject-list")
    lists = {c["id"]: c for c in ih011["contained"]}
    assert [e["item"]["reference"] for e in lists["list-numerator"]["entry"]] == ["Patient/1"]
    assert_valid_fhir(set_bundle(reports, res.generated_at))


def test_the_cli_runs_lists_explains_and_validates(
    ip: InclusionPractice, actors: dict[str, Actor], tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _practice(ip)
    use_cli_password(monkeypatch)
    url = ip.db.url
    base = ["--db", url, "--as", "manager1", "indicators"]
    assert main([*base, "run", "--period", "2025/26"]) == 0
    out = capsys.readouterr().out
    assert "IH011" in out and "A/(B-C)" in out and "Total" in out
    assert main([*base, "run", "--period", "2025/26", "--format", "fhir", "--out", str(tmp_path / "r.json")]) == 0
    assert_valid_fhir(json.loads((tmp_path / "r.json").read_text()))
    assert main([*base, "run", "--period", "2025/26", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["set"] == "inclusion-health-les"
    assert main([*base, "missing", "IH011", "--period", "2025/26"]) == 0
    # Patient 2 is on the register only through substance use: not on a manager's worklist.
    assert "1 to do" in capsys.readouterr().out
    assert main([*base, "explain", "IH011", "--patient", "4", "--period", "2025/26"]) == 0
    assert "excepted" in capsys.readouterr().out
    assert main([*base, "list"]) == 0
    assert "pctms-local" in capsys.readouterr().out
    assert main([*base, "run", "--period", "2025Q9"]) == 2
    bad = tmp_path / "bad.toml"
    bad.write_text('id = "x"\ntitle = "X"\n[[indicator]]\nid = "X1"\ntitle = "t"\n', encoding="utf-8")
    assert main([*base, "validate", str(bad)]) == 2
    assert "bad.toml: indicator X1 (indicator[0]): numerator" in capsys.readouterr().err


PAYMENT_SET = '''
id = "pay"
title = "Payment worked example"
[[indicator]]
id = "R"
title = "Homeless register"
kind = "register"
[indicator.register]
categories = ["homelessness"]
[[indicator]]
id = "RT"
title = "Homeless register, temporary residents too"
kind = "register"
[indicator.register]
categories = ["homelessness"]
include_temporary = true
[indicator.scoring]
per_patient = 10.0
[[indicator]]
id = "P"
title = "Mental-health review, prevalence-weighted"
[indicator.register]
categories = ["homelessness"]
[[indicator.numerator.criteria]]
type = "event"
codelist = "mental_health_review"
[indicator.scoring]
lower = 0
upper = 50
max_points = 10
[indicator.scoring.prevalence]
register = "R"
reference_percent = 50
source = "worked example"
'''


def test_payment_uses_the_population_index_prevalence_and_the_registered_list(
    ip: InclusionPractice, actors: dict[str, Actor], tmp_path: Path,
) -> None:
    """List 6 (patients 1-5 and 8; 6 is a temporary resident, 7 a record of patient 3) against a
    national average of 12: CPI 0.5. Register R: 1, 3, 4 (3 of 6 = 50 %, the reference: factor 1).
    P: A = 2 (1, and 3 through record 7), B = 3: 66.7 % ≥ 50 %, so 10 points:
    10 × £220.62 (2024/25) × 0.5 × 1 = £1,103.10."""
    from inclusion_practice.services.indicators import IndicatorService

    home = (FlagRow("homelessness", D(2024, 1, 1)),)
    recs = [
        PatientHistory(1, D(1980, 1, 1), "female", registrations=REG, flags=home,
                       events=(EventRow(MH_REVIEW, D(2024, 6, 1)),)),
        PatientHistory(2, D(1985, 1, 1), "male", registrations=REG),
        PatientHistory(3, D(1990, 1, 1), "male", registrations=REG, flags=home),
        PatientHistory(4, D(1970, 1, 1), "female", registrations=REG, flags=home),
        PatientHistory(5, D(1970, 1, 1), "female", registrations=REG),
        PatientHistory(6, D(1970, 1, 1), "female", flags=home, registrations=(
            RegistrationRow(D(2025, 3, 1), planned_end=D(2025, 5, 1), kind="temporary"),)),
        PatientHistory(7, D(1990, 1, 1), "male", registrations=REG, linked_to_id=3,
                       events=(EventRow(MH_REVIEW, D(2024, 9, 1)),)),
        PatientHistory(8, D(1970, 1, 1), "female", registrations=REG),
    ]
    with ip.db.engine.begin() as conn:
        insert_records(conn, recs)
    path = tmp_path / "pay.toml"
    path.write_text(PAYMENT_SET, encoding="utf-8")
    cfg = ip.config.model_copy(update={"reporting": ip.config.reporting.model_copy(
        update={"national_average_list_size": 12})})
    service = IndicatorService(ip.db, cfg, ip.clock)
    for engine in ("sql", "memory"):
        res = service.run(actors["manager"], "2024/25", str(path), engine=engine)
        by = {r.indicator_id: r for r in res.results}
        assert res.list_size == 6 and res.list_size_factor == pytest.approx(0.5), engine
        assert res.rates is not None and res.rates.financial_year == "2024/25"
        assert res.pounds_per_point == 220.62
        assert by["R"].counts.numerator == 3
        assert by["RT"].counts.numerator == 4 and by["RT"].payment == 40.0  # 6 opts in
        p = by["P"]
        assert (p.counts.numerator, p.counts.denominator) == (2, 3)
        assert p.points == 10.0 and p.prevalence_factor == pytest.approx(1.0)
        assert p.points_pounds == p.payment == 1103.10
    # The CPI can be switched off in practice.toml.
    off = ip.config.model_copy(update={"reporting": ip.config.reporting.model_copy(
        update={"apply_list_size_index": False})})
    res = IndicatorService(ip.db, off, ip.clock).run(actors["manager"], "2024/25", str(path))
    assert res.list_size_factor == 1.0
    assert next(r for r in res.results if r.indicator_id == "P").payment == 2206.20


def test_linked_records_are_listed_and_explained_on_the_surviving_record(
    ip: InclusionPractice, actors: dict[str, Actor],
) -> None:
    home = (FlagRow("homelessness", D(2024, 1, 1)),)
    recs = [
        PatientHistory(1, D(1980, 1, 1), "female", registrations=REG),
        # The flag is on the duplicate record 2, linked to 1.
        PatientHistory(2, D(1980, 1, 1), "female", registrations=REG, flags=home, linked_to_id=1),
    ]
    with ip.db.engine.begin() as conn:
        insert_records(conn, recs)
    for role in ("clinician", "manager"):
        lists = ip.indicators.patients(actors[role], "IH011", "2025/26")
        assert [p.patient_id for p in lists.missing] == [1] and lists.withheld == 0, role
    ex = ip.indicators.explain(actors["clinician"], "IH011", 2, "2025/26")
    assert ex.population == "missing"
    assert "linked as the same person as #1" in ex.steps[0].detail
