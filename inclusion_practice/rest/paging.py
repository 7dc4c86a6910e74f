"""Search results as FHIR searchset Bundles, one page at a time, with ``self`` and ``next``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Query, Request

from inclusion_practice.errors import InvalidInput
from inclusion_practice.fhir import urls
from inclusion_practice.services.queries import Page

Json = dict[str, Any]


@dataclass(frozen=True)
class Paging:
    """Where a search page starts and how long it is (``_offset``, ``_count``)."""

    offset: int
    count: int


def paging(
    request: Request,
    count: Annotated[str | None, Query(alias="_count", description="Results per page")] = None,
    offset: Annotated[str | None, Query(alias="_offset", description="Results to skip")] = None,
) -> Paging:
    limits: PageLimits = request.app.state.page_limits
    return Paging(_number("_offset", offset, 0, 10_000_000, 0),
                  _number("_count", count, 1, limits.max_count, limits.default_count))


PagingParams = Annotated[Paging, Depends(paging)]


@dataclass(frozen=True)
class PageLimits:
    default_count: int = 50
    max_count: int = 500


def _number(name: str, text: str | None, low: int, high: int, default: int) -> int:
    if text is None:
        return default
    if not text.isascii() or not text.isdigit() or len(text) > 9:
        raise InvalidInput(name, f"must be a whole number from {low} to {high}")
    value = int(text)
    if not low <= value <= high:
        raise InvalidInput(name, f"must be a whole number from {low} to {high}")
    return value


def searchset(request: Request, page: Page[Any], resources: Sequence[Json]) -> Json:
    """A searchset Bundle of ``resources`` (the page's items as FHIR) with paging links."""
    links = [{"relation": "self", "url": str(request.url)}]
    if page.next_offset is not None:
        nxt = request.url.include_query_params(_offset=page.next_offset, _count=page.count)
        links.append({"relation": "next", "url": str(nxt)})
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": page.total,
        "link": links,
        "entry": [
            {"fullUrl": f"{urls.BASE}/{r['resourceType']}/{r['id']}", "resource": r,
             "search": {"mode": "match"}}
            for r in resources
        ],
    }
