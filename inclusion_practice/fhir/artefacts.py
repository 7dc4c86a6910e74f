"""Load the FHIR artefacts shipped in ``fhir_profiles/`` (profiles, extensions, code systems,
value sets, measures, the CapabilityStatement) at run time.

They are read through ``importlib.resources`` so an installed wheel finds them without the
source tree. The importer uses the value sets to check bindings; the API serves the
CapabilityStatement and the conformance resources by id.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

from inclusion_practice.errors import NotFound
from inclusion_practice.fhir import urls

PACKAGE = "fhir_profiles"
Json = dict[str, Any]


def dump_json(resource: Json) -> str:
    """The on-disk form of an artefact: 2-space indented UTF-8 with a final newline."""
    return json.dumps(resource, indent=2, ensure_ascii=False) + "\n"


@dataclass(frozen=True)
class Artefact:
    """One shipped JSON file and the resource in it."""

    path: str
    """Relative to the ``fhir_profiles`` package, e.g. ``code_systems/CodeSystem-dna-action.json``."""
    resource: Json

    @property
    def resource_type(self) -> str:
        return str(self.resource["resourceType"])

    @property
    def id(self) -> str:
        return str(self.resource.get("id", ""))

    @property
    def url(self) -> str | None:
        url = self.resource.get("url")
        return str(url) if url else None


def _walk(folder: Traversable, prefix: str = "") -> Iterator[tuple[str, Traversable]]:
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        rel = f"{prefix}{entry.name}"
        if entry.is_dir():
            if entry.name.startswith((".", "__")):
                continue
            yield from _walk(entry, rel + "/")
        elif entry.name.endswith(".json"):
            yield rel, entry


@functools.cache
def all_artefacts() -> tuple[Artefact, ...]:
    """Every shipped artefact, in path order."""
    root = resources.files(PACKAGE)
    return tuple(
        Artefact(rel, json.loads(entry.read_text(encoding="utf-8"))) for rel, entry in _walk(root)
    )


@functools.cache
def by_url() -> dict[str, Json]:
    """Canonical URL → resource (for resources that have a canonical URL)."""
    return {a.url: a.resource for a in all_artefacts() if a.url}


def resolve(url: str) -> Json:
    """The shipped resource with canonical ``url`` (a ``|version`` suffix is ignored)."""
    found = by_url().get(url.split("|", 1)[0])
    if found is None:
        raise NotFound("FHIR artefact", url)
    return found


def get(resource_type: str, rid: str) -> Json:
    """The shipped resource of ``resource_type`` with id ``rid`` (the API's read)."""
    for a in all_artefacts():
        if a.resource_type == resource_type and a.id == rid:
            return a.resource
    raise NotFound(resource_type, rid)


def of_type(resource_type: str) -> list[Json]:
    return [a.resource for a in all_artefacts() if a.resource_type == resource_type]


def capability_statement() -> Json:
    return resolve(urls.CAPABILITY_STATEMENT)


def value_set_codes(url: str) -> frozenset[tuple[str, str]]:
    """The (system, code) pairs in a shipped value set, expanded from its ``compose``.

    Handles what our value sets use: listed concepts, whole shipped code systems and included
    value sets. Raises :class:`NotFound` for anything that is not shipped.
    """
    return _expand(url.split("|", 1)[0])


@functools.cache
def _expand(url: str) -> frozenset[tuple[str, str]]:
    vs = resolve(url)
    out: set[tuple[str, str]] = set()
    for inc in vs.get("compose", {}).get("include", []):
        for nested in inc.get("valueSet", []):
            out |= _expand(nested)
        system = inc.get("system")
        if system is None:
            continue
        if "concept" in inc:
            out |= {(system, c["code"]) for c in inc["concept"]}
        else:
            out |= {(system, code) for code in code_system_codes(system)}
    return frozenset(out)


def code_system_codes(url: str) -> frozenset[str]:
    """Every code in a shipped code system, nested concepts included."""
    cs = resolve(url)

    def walk(concepts: list[Json]) -> Iterator[str]:
        for c in concepts:
            yield c["code"]
            yield from walk(c.get("concept", []))

    return frozenset(walk(cs.get("concept", [])))


def display(system: str, code: str) -> str | None:
    """The display of ``code`` in a shipped code system (``None`` if not shipped)."""
    try:
        cs = resolve(system)
    except NotFound:
        return None

    def walk(concepts: list[Json]) -> str | None:
        for c in concepts:
            if c["code"] == code:
                return str(c.get("display", code))
            found = walk(c.get("concept", []))
            if found:
                return found
        return None

    return walk(cs.get("concept", []))
