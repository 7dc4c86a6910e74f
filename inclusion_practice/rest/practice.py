"""The practice a request works on (set on the app by ``create_app``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from inclusion_practice.api import InclusionPractice


def practice(request: Request) -> InclusionPractice:
    ip: InclusionPractice = request.app.state.ip
    return ip


Practice = Annotated[InclusionPractice, Depends(practice)]
