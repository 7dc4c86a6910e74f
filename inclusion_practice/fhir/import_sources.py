"""Reading import files: NDJSON line by line, Bundles entry by entry (``ijson`` when
installed), or one resource; each entry carries where it came from, for the report."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from inclusion_practice.errors import InvalidInput

Json = dict[str, Any]


@dataclass(frozen=True)
class Entry:
    """One resource to import, with where it came from."""

    location: str
    resource: Json | None
    full_url: str | None = None
    problem: str | None = None


def _bundle_entry(i: int, item: Any) -> Entry:
    loc = f"entry[{i}]"
    if not isinstance(item, dict):
        return Entry(loc, None, problem="an entry must be a JSON object")
    full_url = item.get("fullUrl")
    if full_url is not None and not isinstance(full_url, str):
        return Entry(f"{loc}.fullUrl", None, problem="fullUrl must be a string (a URI)")
    res = item.get("resource")
    if not isinstance(res, dict):
        return Entry(loc, None, full_url, problem="entry has no resource")
    return Entry(f"{loc}.resource", res, full_url)


def _ndjson_entries(path: Path) -> Iterator[Entry]:
    with path.open("rb") as fh:
        for n, raw in enumerate(fh, start=1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError:
                yield Entry(f"line {n}", None, problem="not UTF-8 text")
                continue
            if not line.strip():
                continue
            try:
                res = json.loads(line)
            except json.JSONDecodeError as exc:
                yield Entry(f"line {n}", None, problem=f"malformed JSON: {exc.msg} at column {exc.colno}")
                continue
            if not isinstance(res, dict):
                yield Entry(f"line {n}", None, problem="each line must be one JSON object")
                continue
            yield Entry(f"line {n}", res)


def _peek_json(path: Path) -> tuple[str, str | None]:
    """(top-level resourceType, Bundle.type) without loading the file (``ijson`` if present)."""
    try:
        import ijson  # type: ignore[import-untyped]
    except ImportError:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise InvalidInput(str(path), "a FHIR JSON file must hold one object") from None
        return str(data.get("resourceType")), data.get("type")
    rtype = btype = None
    with path.open("rb") as fh:
        for prefix, event, value in ijson.parse(fh):
            if prefix == "resourceType" and event == "string":
                rtype = value
            elif prefix == "type" and event == "string":
                btype = value
            if rtype and (btype or rtype != "Bundle"):
                break
    return str(rtype), btype


def _bundle_entries(path: Path) -> Iterator[Entry]:
    try:
        import ijson  # type: ignore[import-untyped]
    except ImportError:
        data = json.loads(path.read_text(encoding="utf-8"))
        for i, item in enumerate(data.get("entry") or []):
            yield _bundle_entry(i, item)
        return
    with path.open("rb") as fh:
        for i, item in enumerate(ijson.items(fh, "entry.item", use_float=True)):
            yield _bundle_entry(i, item)


@dataclass(frozen=True)
class Source:
    """A re-readable stream of entries (transactions read twice: check, then write)."""

    name: str
    kind: str
    entries: Callable[[], Iterator[Entry]]


def open_source(path: Path) -> Source:
    """Work out what ``path`` holds: NDJSON, a Bundle or one resource."""
    if not path.exists():
        raise InvalidInput(str(path), "file not found")
    if path.suffix.lower() in (".ndjson", ".jsonl"):
        return Source(str(path), "ndjson", lambda: _ndjson_entries(path))
    try:
        rtype, btype = _peek_json(path)
    except (json.JSONDecodeError, ValueError) as exc:
        raise InvalidInput(str(path), f"malformed JSON: {exc}") from None
    except Exception as exc:  # ijson's own errors: incomplete or malformed JSON
        raise InvalidInput(str(path), f"malformed JSON: {exc}") from None
    if rtype == "Bundle":
        if btype not in ("transaction", "collection", "batch"):
            raise InvalidInput(f"{path}: Bundle.type",
                               f"{btype!r} cannot be imported (use transaction or collection)")
        kind = "transaction" if btype == "transaction" else "collection"
        return Source(str(path), kind, lambda: _bundle_entries(path))

    def single() -> Iterator[Entry]:
        yield Entry("resource", json.loads(path.read_text(encoding="utf-8")))

    return Source(str(path), "resource", single)


def bundle_source(bundle: Json, name: str = "request") -> Source:
    """A Bundle already in memory (the API's POST)."""
    if bundle.get("resourceType") != "Bundle":
        raise InvalidInput("resourceType", f"expected a Bundle, got {bundle.get('resourceType')!r}")
    btype = bundle.get("type")
    if btype not in ("transaction", "collection", "batch"):
        raise InvalidInput("Bundle.type", f"{btype!r} cannot be imported (use transaction or collection)")
    entries = bundle.get("entry") or []
    if not isinstance(entries, list):
        raise InvalidInput("Bundle.entry", "must be a list")
    kind = "transaction" if btype == "transaction" else "collection"
    return Source(name, kind, lambda: (_bundle_entry(i, e) for i, e in enumerate(entries)))


_FILE_ORDER = ("patient", "flag", "appointment")


def file_rank(path: Path) -> int:
    """Patients' files first, then flags, appointments and events (references resolve)."""
    name = path.name.lower()
    for i, prefix in enumerate(_FILE_ORDER):
        if name.startswith(prefix):
            return i
    return len(_FILE_ORDER)
