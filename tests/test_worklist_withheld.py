"""A manager's worklist adds up to the indicator run: patients held back from the role are
counted as "withheld" (service, CLI table and CSV, FHIR subject lists), never listed."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest

from inclusion_practice.api import InclusionPractice
from inclusion_practice.cli.app import main
from inclusion_practice.domain.actor import Actor
from inclusion_practice.fhir.measure_report import EXT_WITHHELD, LIST_EMPTY_REASON
from tests import returns_support as data


@pytest.fixture(autouse=True)
def _cli_credential(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests run the CLI as a user: give it that user's password, as a batch job would."""
    from tests.conftest import use_cli_password

    use_cli_password(monkeypatch)


YEAR = "2025/26"
ON = dt.date(2024, 1, 1)


def _practice(ip: InclusionPractice, *, visible: bool = True) -> None:
    """Patient 1 on the register through homelessness (any role may see it), patient 2 only
    through sex work (a restricted category: clinicians only)."""
    with ip.db.engine.begin() as conn:
        if visible:
            data.patient(conn, 1, flags=(("homelessness", ON, None),))
        data.patient(conn, 2, flags=(("sex_work", ON, None),))


def _cli(ip: InclusionPractice, capsys: pytest.CaptureFixture[str], user: str, *args: str) -> str:
    code = main(["--db", ip.db.url, "--as", user, "indicators", *args])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return captured.out


def test_the_worklist_plus_withheld_is_the_runs_denominator_for_every_role(
    ip: InclusionPractice, actors: dict[str, Actor]
) -> None:
    _practice(ip)
    run = ip.indicators.run(actors["manager"], YEAR)
    for role, withheld in (("manager", 1), ("admin", 1), ("clinician", 0)):
        for r in run.results:
            lists = ip.indicators.patients(actors[role], r.indicator_id, YEAR)
            listed = len(lists.numerator) + len(lists.excepted) + len(lists.missing)
            assert listed + lists.withheld == r.counts.denominator, (role, r.indicator_id)
        ih001 = ip.indicators.patients(actors[role], "IH001", YEAR)
        assert ih001.withheld == withheld, role
        assert 2 not in {p.patient_id for p in ih001.denominator} or withheld == 0


def test_the_cli_worklist_shows_and_exports_the_withheld_count(
    ip: InclusionPractice, actors: dict[str, Actor], capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    _practice(ip)
    table = _cli(ip, capsys, "manager1", "missing", "IH001", "--period", YEAR)
    assert "1 withheld" in table and "restricted category" in table
    assert "Test2" not in table
    _cli(ip, capsys, "manager1", "missing", "IH001", "--period", YEAR, "--format", "csv",
         "--out", str(tmp_path / "w.csv"))
    rows = list(csv.DictReader(io.StringIO((tmp_path / "w.csv").read_text(encoding="utf-8"))))
    assert [(r["status"], r["patient_id"], r["count"]) for r in rows] == [
        ("numerator", "1", "1"), ("withheld", "", "1")]
    run = ip.indicators.run(actors["manager"], YEAR)
    ih001 = next(r for r in run.results if r.indicator_id == "IH001")
    assert sum(int(r["count"]) for r in rows) == ih001.counts.denominator
    clinician = _cli(ip, capsys, "drokafor", "missing", "IH001", "--period", YEAR, "--format", "csv")
    assert clinician.splitlines()[-1].startswith("withheld,") and clinician.splitlines()[-1].endswith(",0")
    assert main(["--db", ip.db.url, "--as", "manager1", "indicators", "missing", "IH001",
                 "--period", YEAR, "--format", "xml"]) == 2
    assert "--format" in capsys.readouterr().err


@pytest.mark.parametrize("visible", [True, False], ids=["some-listed", "all-withheld"])
def test_fhir_subject_lists_mark_withheld_patients_never_nil_known(
    ip: InclusionPractice, actors: dict[str, Actor], capsys: pytest.CaptureFixture[str],
    visible: bool,
) -> None:
    _practice(ip, visible=visible)
    text = _cli(ip, capsys, "manager1", "run", "--period", YEAR, "--format", "fhir",
                "--subject-list")
    assert "nilknown" not in text
    reports = {e["resource"]["id"].split("-")[0]: e["resource"]
               for e in json.loads(text)["entry"]}
    lists = {c["id"]: c for c in reports["IH001"]["contained"]}
    pop = lists["list-initial-population"]
    assert pop["extension"] == [{"url": EXT_WITHHELD, "valueUnsignedInt": 1}]
    if visible:
        assert [e["item"]["reference"] for e in pop["entry"]] == ["Patient/1"]
        assert "emptyReason" not in pop
    else:
        assert "entry" not in pop
        assert pop["emptyReason"]["coding"][0] == {
            "system": LIST_EMPTY_REASON, "code": "withheld", "display": "Information Withheld"}
    # A clinician may see both: nothing withheld, no extension.
    text = _cli(ip, capsys, "drokafor", "run", "--period", YEAR, "--format", "fhir",
                "--subject-list")
    ih001 = next(e["resource"] for e in json.loads(text)["entry"]
                 if e["resource"]["id"].startswith("IH001"))
    pop = {c["id"]: c for c in ih001["contained"]}["list-initial-population"]
    assert "extension" not in pop
    assert len(pop["entry"]) == (2 if visible else 1)
