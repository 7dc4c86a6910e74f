"""Who is calling: ``Authorization: Bearer <token>``, resolved to a user and their role."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated

from fastapi import Depends, Request

from inclusion_practice.api import InclusionPractice
from inclusion_practice.domain.actor import Actor
from inclusion_practice.errors import NoActingUser


def caller(request: Request) -> Actor:
    """The acting user of a request; no or a bad token is 401.

    Every presented token is a sign-in attempt: recorded (channel ``rest``, the client address
    as the terminal) and throttled per address after repeated bad tokens (429, Retry-After).
    """
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("bearer ") or not header[7:].strip():
        raise NoActingUser()
    ip: InclusionPractice = request.app.state.ip
    client = request.client.host if request.client else "unknown"
    actor = ip.users.check_token(header[7:].strip()[:200], channel="rest",
                                 terminal=f"rest:{client}")
    return replace(actor, channel="rest")


Caller = Annotated[Actor, Depends(caller)]
