"""Code lists that work on real data: SNOMED ids with sources, local codes only where none exists.

Every shipped code (codes.csv, indicators/codelists, domain modules) is either verified against
the source its list cites or listed once in ``domain/code_sources.py``; ``indicators validate``
warns about local and unverified codes, and docs/indicators.md lists the same codes.
"""

from __future__ import annotations

import csv
import re
from importlib import resources
from pathlib import Path

import pytest

from inclusion_practice.api import InclusionPractice
from inclusion_practice.cli.app import main
from inclusion_practice.domain.actor import Actor
from inclusion_practice.domain.code_sources import (
    CODES_CSV_SOURCES,
    UNVERIFIED,
    UNVERIFIED_CODES,
    is_local,
)
from inclusion_practice.domain.registers import REGISTER_CODE_LISTS
from inclusion_practice.indicators.definitions import (
    load_shipped_set,
    shipped_codelists,
    shipped_set_names,
)
from inclusion_practice.indicators.verification import code_warnings, codelists_used_by
from inclusion_practice.synthetic.clinical import HEPB_DOSE_CODES

ROOT = Path(__file__).resolve().parents[1]
SNOMED_ID = re.compile(r"\d{6,18}")


def _codes_csv() -> list[dict[str, str]]:
    text = resources.files("inclusion_practice").joinpath("data/codes.csv").read_text("utf-8")
    return list(csv.DictReader(text.splitlines()))


def _domain_codes() -> set[str]:
    out: set[str] = set()
    for path in (ROOT / "inclusion_practice" / "domain").glob("*.py"):
        if path.name == "code_sources.py":
            continue
        out |= set(re.findall(r'"(\d{6,18})"', path.read_text("utf-8")))
    return out


def _shipped_codes() -> set[str]:
    codes = {r["code"] for r in _codes_csv()} | _domain_codes()
    for cl in shipped_codelists().values():
        codes |= cl.code_set
    return codes


@pytest.mark.parametrize("name", sorted(shipped_codelists()))
def test_each_shipped_list_is_snomed_ids_unless_marked_local_and_cites_its_source(name: str) -> None:
    cl = shipped_codelists()[name]
    assert len(cl.source) > 40 and cl.url.startswith("https://")
    for c in cl.codes:
        if cl.local:
            assert is_local(c.code), c.code
        else:
            assert SNOMED_ID.fullmatch(c.code), c.code
    if cl.local:
        assert cl.source.startswith("LOCAL CODE") and "validate" in cl.source


def test_only_the_lists_with_no_snomed_concept_stay_local() -> None:
    local = {n for n, cl in shipped_codelists().items() if cl.local}
    assert local == {"new_patient_check", "health_review", "mdt_candidate", "mdt_discussed",
                     "referral_sent", "referral_accepted"}
    lists = shipped_codelists()
    assert "170370000" in lists["hepb_vaccination"].code_set  # First hepatitis B vaccination
    assert "1048091000000104" in lists["drug_review"].code_set  # ILLSUBINT_COD
    assert "ILLSUBINT_COD" in lists["drug_review"].source
    # The synthetic practice records a course dose by dose with codes from the list.
    assert set(HEPB_DOSE_CODES) <= lists["hepb_vaccination"].code_set
    # A decline is never a review.
    assert not {"1091431000000107", "299881000000104"} & lists["drug_review"].code_set


def test_hepatitis_c_counts_antibody_and_rna_and_tb_counts_screening_procedures() -> None:
    lists = shipped_codelists()
    hepc = lists["hepc_test"].code_set
    assert {"64411004", "413107006"} <= hepc  # antibody measurement, HCV screening
    assert {"440420005", "371140008"} <= hepc  # RNA by PCR results
    tb = lists["tb_screen"].code_set
    assert {"171126009", "424294008", "399208008"} <= tb
    assert "429599001" not in tb  # a status observable, not a screening done
    assert "28163009" not in tb  # the Tine test


def test_every_shipped_snomed_code_is_verified_or_listed_once_as_unverified() -> None:
    shipped = _shipped_codes()
    assert len(UNVERIFIED_CODES) == len(UNVERIFIED), "a code is listed twice"
    assert set(UNVERIFIED_CODES) <= shipped, set(UNVERIFIED_CODES) - shipped
    groups = {r["group"] for r in _codes_csv()}
    assert groups <= set(CODES_CSV_SOURCES), groups - set(CODES_CSV_SOURCES)
    csv_codes = {r["code"] for r in _codes_csv()}
    register_codes = set().union(*(cl.code_set for cl in REGISTER_CODE_LISTS))
    assert _domain_codes() <= csv_codes | register_codes, "a domain code with no source"
    for row in _codes_csv():
        if "unverified" in CODES_CSV_SOURCES[row["group"]]:
            assert row["system"] != "SNOMED CT" or row["code"] in UNVERIFIED_CODES, row


def test_no_shipped_indicator_depends_on_a_local_code_without_a_warning() -> None:
    lists = shipped_codelists()
    for set_name in shipped_set_names():
        s = load_shipped_set(set_name)
        warned = {(w.codelist, ind) for w in code_warnings(s) if w.kind == "local"
                  for ind in w.indicators}
        for ind in s.indicators:
            for name in codelists_used_by(ind):
                if lists[name].local:
                    assert (name, ind.id) in warned, (set_name, ind.id, name)
    les = load_shipped_set("inclusion-health-les")
    local = {w.codelist: w.indicators for w in code_warnings(les) if w.kind == "local"}
    assert local == {"health_review": ("IH003",), "new_patient_check": ("IH002",),
                     "mdt_candidate": ("IH016",), "mdt_discussed": ("IH016",),
                     "referral_accepted": ("IH017",), "referral_sent": ("IH017",)}


def test_indicators_validate_warns_for_local_and_unverified_codes(
    ip: InclusionPractice, actors: dict[str, Actor], tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(
        'id = "mine"\ntitle = "Mine"\n'
        '[[indicator]]\nid = "M1"\ntitle = "Checked"\n[indicator.register]\ncategories = "any"\n'
        '[[indicator.numerator.criteria]]\ntype = "event"\ncodelist = "new_patient_check"\n'
        '[[indicator]]\nid = "M2"\ntitle = "TB"\n[indicator.register]\ncategories = "any"\n'
        '[[indicator.numerator.criteria]]\ntype = "event"\ncodelist = "tb_screen"\n'
        '[[indicator]]\nid = "M3"\ntitle = "Flu"\n[indicator.register]\ncategories = "any"\n'
        '[[indicator.numerator.criteria]]\ntype = "event"\ncodelist = "flu_vaccination"\n',
        encoding="utf-8",
    )
    capsys.readouterr()
    assert main(["--db", ip.db.url, "--as", "manager1", "indicators", "validate", str(path)]) == 0
    out = capsys.readouterr()
    assert "valid" in out.out
    assert "local code ip:new-pt-check" in out.err and "M1 will not score" in out.err
    assert "tb_screen: 399208008 Plain X-ray of chest is unverified" in out.err
    assert "flu_vaccination" not in out.err
    assert "1 local and 2 unverified codes" in out.err


def test_the_docs_list_every_unverified_code_and_every_local_list() -> None:
    doc = (ROOT / "docs" / "indicators.md").read_text("utf-8")
    for u in UNVERIFIED:
        assert f"`{u.code}`" in doc, u.code
    for name, cl in shipped_codelists().items():
        assert f"`{name}`" in doc, name
        if cl.local:
            assert f"`{cl.codes[0].code}`" in doc
