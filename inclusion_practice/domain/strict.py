"""The base of every settings type: unknown keys are errors, values are frozen.

Settings types that a domain rule reads (the DNA ladder, session templates) live beside the rule
in ``domain/``; ``config.py`` composes them into the practice configuration.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Strict(BaseModel):
    """Unknown keys are errors: a typo must not silently fall back to a default."""

    model_config = ConfigDict(extra="forbid", frozen=True)
