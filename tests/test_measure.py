"""Every shipped indicator is a FHIR Measure under fhir_profiles/measures, kept in sync."""

from __future__ import annotations

import json

from inclusion_practice.fhir.measure import measures_dir, render, shipped_measures
from tests.fhir_schema import assert_valid


def test_measure_files_match_the_definitions() -> None:
    """If this fails, run ``python -m inclusion_practice.fhir.measure`` and review the diff."""
    wanted = shipped_measures()
    on_disk = {p.name: p.read_text(encoding="utf-8") for p in measures_dir().glob("*.json")}
    assert sorted(on_disk) == sorted(wanted)
    for name, res in wanted.items():
        assert on_disk[name] == render(res), name


def test_measures_are_valid_proportion_measures_with_canonical_urls() -> None:
    for name, res in shipped_measures().items():
        assert_valid(res)
        assert res["url"].endswith("/Measure/" + name.removesuffix(".json"))
        codes = [p["code"]["coding"][0]["code"] for p in res["group"][0]["population"]]
        if res["scoring"]["coding"][0]["code"] == "proportion":
            assert {"initial-population", "denominator", "numerator"} <= set(codes)
        json.dumps(res)
