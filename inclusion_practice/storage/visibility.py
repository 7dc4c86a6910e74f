"""The flag visibility policy as SQL (:class:`inclusion_practice.domain.roles.FlagVisibility`).

Services add this filter to every query that reads flags for a role, and check rows they load
with :meth:`FlagVisibility.allows`; both are the same allow-list.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, true

from inclusion_practice.domain.roles import FlagVisibility


def flag_category_visible(category_column: Any, policy: FlagVisibility) -> ColumnElement[bool]:
    """``category_column`` holds a category the policy allows (always true for clinicians)."""
    if policy.allowed is None:
        return true()
    result: ColumnElement[bool] = category_column.in_(sorted(policy.allowed))
    return result
