"""The FHIR artefacts in fhir_profiles/: valid R4, loadable, in sync with the code, resolvable."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from fhir.resources.R4B import get_fhir_model_class

from inclusion_practice.domain.flag_categories import BUILT_IN_CATEGORIES, all_snomed
from inclusion_practice.fhir import artefacts, urls
from inclusion_practice.fhir.conformance import SEARCH_PARAMS, all_generated
from inclusion_practice.fhir.terminology import snomed_displays
from tests.conftest import TEST_DATA
from tests.fhir_schema import assert_valid

ARTEFACTS = artefacts.all_artefacts()
EXTERNAL_PREFIXES = (
    "http://hl7.org/fhir/",
    "http://terminology.hl7.org/",
    "http://snomed.info/sct",
    "urn:ietf:bcp:47",
)


def _ukcore_urls() -> set[str]:
    out = set()
    for path in (TEST_DATA / "fhir" / "ukcore").glob("*.xml"):
        url = ET.parse(path).getroot().find("{http://hl7.org/fhir}url")
        if url is not None:
            out.add(url.attrib["value"])
    return out


UKCORE = _ukcore_urls()


def test_there_are_artefacts_of_every_kind() -> None:
    kinds = Counter(a.resource_type for a in ARTEFACTS)
    assert kinds["CodeSystem"] >= 6
    assert kinds["ValueSet"] >= 10
    assert kinds["StructureDefinition"] >= 2
    assert kinds["CapabilityStatement"] == 1


@pytest.mark.parametrize("artefact", ARTEFACTS, ids=lambda a: a.path)
def test_every_artefact_loads_with_fhir_resources_and_is_valid_r4(
    artefact: artefacts.Artefact,
) -> None:
    get_fhir_model_class(artefact.resource_type).model_validate(artefact.resource)
    assert_valid(artefact.resource)


@pytest.mark.parametrize("artefact", ARTEFACTS, ids=lambda a: a.path)
def test_every_artefact_has_an_id_matching_its_file_name_and_a_description(
    artefact: artefacts.Artefact,
) -> None:
    if artefact.path.startswith("measures/"):  # the indicator area names them <id>.json
        assert artefact.path == f"measures/{artefact.id}.json"
    else:
        assert artefact.path.endswith(f"{artefact.resource_type}-{artefact.id}.json")
    assert len(artefact.resource.get("description", "")) > 20


def test_canonical_urls_are_unique_and_under_our_base() -> None:
    seen = Counter(a.url for a in ARTEFACTS if a.url)
    assert [u for u, n in seen.items() if n > 1] == []
    for a in ARTEFACTS:
        assert a.url is not None, a.path
        assert a.url == f"{urls.BASE}/{a.resource_type}/{a.id}"


def _canonicals(node: Any, path: str = "") -> Iterator[tuple[str, str]]:
    keys = {"baseDefinition", "valueSet", "profile", "targetProfile", "supportedProfile",
            "system", "definition", "measure"}
    if isinstance(node, dict):
        for k, v in node.items():
            if k in keys:
                for item in v if isinstance(v, list) else [v]:
                    if isinstance(item, str) and re.match(r"^(https?|urn):", item):
                        yield f"{path}.{k}", item
            yield from _canonicals(v, f"{path}.{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _canonicals(v, f"{path}[{i}]")


@pytest.mark.parametrize("artefact", ARTEFACTS, ids=lambda a: a.path)
def test_every_reference_resolves_to_a_shipped_or_a_known_external_artefact(
    artefact: artefacts.Artefact,
) -> None:
    for where, url in _canonicals(artefact.resource):
        bare = url.split("|")[0]
        if bare.startswith(urls.BASE):
            assert bare in artefacts.by_url(), f"{artefact.path} {where}: {url} is not shipped"
        elif bare.startswith("https://fhir.hl7.org.uk/"):
            known = UKCORE | {f"{urls.UKCORE_SD}/Extension-UKCore-BookingOrganization"}
            assert bare in known, f"{artefact.path} {where}: {url} is not a UK Core artefact"
        else:
            assert bare.startswith(EXTERNAL_PREFIXES), f"{artefact.path} {where}: {url}"


def test_the_generated_artefacts_are_in_sync_with_the_python_sources() -> None:
    """If this fails run `python scripts/build_fhir_artefacts.py` and commit the JSON."""
    shipped = {a.path: a.resource for a in ARTEFACTS}
    for rel, resource in all_generated().items():
        assert shipped.get(rel) == resource, f"fhir_profiles/{rel} is out of date"


@pytest.mark.parametrize("category", BUILT_IN_CATEGORIES, ids=lambda c: c.code)
def test_each_category_value_set_holds_exactly_its_snomed_codes_and_our_code(category: Any) -> None:
    url = f"{urls.OUR_VS}/inclusion-health-flag-code-{category.code.replace('_', '-')}"
    expected = {(urls.SNOMED, c) for c in all_snomed(category)}
    expected.add((urls.CS_INCLUSION_HEALTH_CATEGORY, category.code))
    expected |= {(urls.CS_INCLUSION_HEALTH_CATEGORY, s) for s in category.subcategories}
    assert artefacts.value_set_codes(url) == expected


def test_every_snomed_code_in_a_value_set_is_cited_from_the_code_list_with_its_display() -> None:
    displays = snomed_displays()
    for vs in artefacts.of_type("ValueSet"):
        for inc in vs.get("compose", {}).get("include", []):
            if inc.get("system") == urls.SNOMED:
                for c in inc["concept"]:
                    assert displays[c["code"]] == c["display"]
                    assert c["code"] in vs["description"]


def test_the_union_value_set_covers_every_category() -> None:
    codes = artefacts.value_set_codes(urls.VS_INCLUSION_HEALTH_FLAG_CODE)
    for cat in BUILT_IN_CATEGORIES:
        assert (urls.CS_INCLUSION_HEALTH_CATEGORY, cat.code) in codes


def test_restricted_categories_are_marked_in_the_code_system() -> None:
    cs = artefacts.resolve(urls.CS_INCLUSION_HEALTH_CATEGORY)
    flags = {c["code"]: c["property"][0]["valueBoolean"] for c in cs["concept"]}
    assert flags == {c.code: c.restricted for c in BUILT_IN_CATEGORIES}


def test_the_capability_statement_lists_the_api_search_parameters() -> None:
    cap = artefacts.capability_statement()
    listed = {
        r["type"]: {p["name"] for p in r.get("searchParam", [])} for r in cap["rest"][0]["resource"]
    }
    for rtype, params in SEARCH_PARAMS.items():
        assert listed[rtype] == {p.name for p in params}


def test_lookups_by_id_and_url_agree() -> None:
    for a in ARTEFACTS:
        assert artefacts.get(a.resource_type, a.id) is a.resource
        if a.url:
            assert artefacts.resolve(a.url + "|0.1.0") is a.resource


def test_the_uk_core_sources_the_checks_read_are_in_the_repository() -> None:
    assert len(list((TEST_DATA / "fhir" / "ukcore").glob("*.xml"))) >= 15
    assert len(UKCORE) >= 5
