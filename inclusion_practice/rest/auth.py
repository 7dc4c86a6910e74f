"""Who is calling: ``Authorization: Bearer <token>``, resolved to a user and their role."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated

from fastapi import Depends, Request

from inclusion_practice.domain.actor import Actor
from inclusion_practice.errors import NoActingUser
from inclusion_practice.services.api_tokens import ApiTokenService


def caller(request: Request) -> Actor:
    """The acting user of a request; no or a bad token is 401."""
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("bearer ") or not header[7:].strip():
        raise NoActingUser()
    tokens: ApiTokenService = request.app.state.tokens
    return replace(tokens.actor_for(header[7:].strip()[:200]), channel="rest")


Caller = Annotated[Actor, Depends(caller)]
