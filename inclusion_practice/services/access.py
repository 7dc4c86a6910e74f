"""Permission checks every service calls before it acts."""

from __future__ import annotations

from inclusion_practice.domain.actor import Actor
from inclusion_practice.domain.roles import Permission, Role, may
from inclusion_practice.errors import NoActingUser, PermissionDenied

SYSTEM = Actor(username="system", role=Role.ADMIN.value)
"""The acting user for set-up jobs (init, demo generation)."""


def require(actor: Actor | None, permission: Permission) -> Role:
    """Raise unless ``actor`` may do ``permission``; return the actor's role."""
    if actor is None:
        raise NoActingUser()
    role = Role(actor.role)
    if not may(role, permission):
        raise PermissionDenied(role.value, permission.value)
    return role
