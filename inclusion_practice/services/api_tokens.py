"""REST API tokens: each acts as one user, with that user's role.

Only a SHA-256 hash of the token is stored (tokens are long random strings, so a slow hash adds
nothing); the plain token is shown once, when it is made. Ending the user or revoking the token
stops it working.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from sqlmodel import col, select

from inclusion_practice.domain.actor import Actor
from inclusion_practice.domain.roles import Permission
from inclusion_practice.errors import InvalidInput, NotFound, PermissionDenied
from inclusion_practice.services.access import require
from inclusion_practice.storage.database import Database, UnitOfWork
from inclusion_practice.storage.tables import ApiToken, AppUser

PREFIX = "ipt_"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class TokenInfo:
    id: int
    username: str
    label: str
    active: bool


class ApiTokenService:
    """Issue, list, revoke and check API tokens (admins manage them: ``MANAGE_USERS``)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def create(self, actor: Actor | None, username: str, label: str) -> str:
        """A new token for ``username``; returns the plain token (shown once)."""
        require(actor, Permission.MANAGE_USERS)
        if not label.strip():
            raise InvalidInput("label", "say what the token is for (e.g. 'EMIS feed')")
        token = PREFIX + secrets.token_urlsafe(32)

        def work(uow: UnitOfWork) -> None:
            user = uow.session.exec(
                select(AppUser).where(AppUser.username == username.lower())
            ).first()
            if user is None:
                raise NotFound("user", username)
            if user.ended_at is not None:
                raise InvalidInput("username", f"{username!r} has been ended")
            uow.session.add(ApiToken(token_hash=token_hash(token), username=user.username,
                                     label=label.strip(), created_at=uow.clock.now()))

        self._db.run_write(actor, "create_api_token", work)
        return token

    def list(self) -> list[TokenInfo]:
        with self._db.read() as uow:
            rows = uow.session.exec(select(ApiToken).order_by(col(ApiToken.id))).all()
            return [TokenInfo(r.id or 0, r.username, r.label, r.revoked_at is None) for r in rows]

    def revoke(self, actor: Actor | None, token_id: int) -> None:
        require(actor, Permission.MANAGE_USERS)

        def work(uow: UnitOfWork) -> None:
            row = uow.session.get(ApiToken, token_id)
            if row is None:
                raise NotFound("API token", token_id)
            row.revoked_at = uow.clock.now()
            uow.session.add(row)

        self._db.run_write(actor, "revoke_api_token", work)

    def actor_for(self, token: str) -> Actor:
        """The user a token acts as. The same error for unknown, revoked or ended."""
        bad = PermissionDenied("caller", "use the API without a valid token")
        with self._db.read() as uow:
            row = uow.session.exec(
                select(ApiToken).where(ApiToken.token_hash == token_hash(token))
            ).first()
            if row is None or row.revoked_at is not None:
                raise bad
            user = uow.session.exec(select(AppUser).where(AppUser.username == row.username)).first()
            if user is None or user.ended_at is not None:
                raise bad
            return Actor(user.username, user.role)
