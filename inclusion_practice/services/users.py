"""Users: who may sign in, with which role. Passwords are hashed with argon2."""

from __future__ import annotations

from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import select

from inclusion_practice.domain.actor import Actor
from inclusion_practice.domain.roles import Permission, Role
from inclusion_practice.errors import InvalidInput, NotFound, PermissionDenied
from inclusion_practice.services.access import require
from inclusion_practice.storage.database import Database, UnitOfWork
from inclusion_practice.storage.tables import AppUser

_HASHER = PasswordHasher()


@dataclass(frozen=True)
class UserInfo:
    username: str
    display_name: str
    role: Role
    clinician_code: str | None
    active: bool

    @property
    def actor(self) -> Actor:
        return Actor(self.username, self.role.value)


def _info(row: AppUser) -> UserInfo:
    return UserInfo(row.username, row.display_name, Role(row.role), row.clinician_code,
                    row.ended_at is None)


class UserService:
    def __init__(self, db: Database) -> None:
        self._db = db

    def create(
        self,
        actor: Actor | None,
        username: str,
        display_name: str,
        role: str,
        *,
        password: str | None = None,
        clinician_code: str | None = None,
    ) -> UserInfo:
        """Add a user. Only admins (or the system, at set-up) may."""
        require(actor, Permission.MANAGE_USERS)
        username = username.strip().lower()
        if not username or not username.replace(".", "").replace("-", "").replace("_", "").isalnum():
            raise InvalidInput("username", "use letters, digits, '.', '-' or '_'")
        if not display_name.strip():
            raise InvalidInput("display_name", "is empty")
        try:
            role_value = Role(role)
        except ValueError:
            raise InvalidInput("role", f"{role!r} is not one of {', '.join(r.value for r in Role)}") from None
        if password is not None and len(password) < 8:
            raise InvalidInput("password", "must be at least 8 characters")

        def work(uow: UnitOfWork) -> UserInfo:
            exists = uow.session.exec(select(AppUser).where(AppUser.username == username)).first()
            if exists is not None:
                raise InvalidInput("username", f"{username!r} already exists")
            row = AppUser(
                username=username,
                display_name=display_name.strip(),
                role=role_value.value,
                password_hash=_HASHER.hash(password) if password else None,
                clinician_code=clinician_code,
                created_at=uow.clock.now(),
            )
            uow.session.add(row)
            uow.flush()
            return _info(row)

        return self._db.run_write(actor, "create_user", work)

    def get(self, username: str) -> UserInfo:
        with self._db.read() as uow:
            row = uow.session.exec(select(AppUser).where(AppUser.username == username.lower())).first()
            if row is None:
                raise NotFound("user", username)
            return _info(row)

    def actor(self, username: str) -> Actor:
        """The acting user for ``--as``: must exist and not be ended."""
        info = self.get(username)
        if not info.active:
            raise PermissionDenied(info.role.value, "act: this user has been ended")
        return info.actor

    def list(self) -> list[UserInfo]:
        with self._db.read() as uow:
            rows = uow.session.exec(select(AppUser).order_by(AppUser.username)).all()
            return [_info(r) for r in rows]

    def authenticate(self, username: str, password: str) -> Actor:
        """Check a password. The same error for unknown user and wrong password."""
        with self._db.read() as uow:
            row = uow.session.exec(select(AppUser).where(AppUser.username == username.lower())).first()
        bad = InvalidInput("password", "unknown user or wrong password")
        if row is None or row.password_hash is None or row.ended_at is not None:
            raise bad
        try:
            _HASHER.verify(row.password_hash, password)
        except (VerificationError, InvalidHashError):
            raise bad from None
        return Actor(row.username, row.role)

    def set_password(self, actor: Actor | None, username: str, password: str) -> None:
        require(actor, Permission.MANAGE_USERS)
        if len(password) < 8:
            raise InvalidInput("password", "must be at least 8 characters")

        def work(uow: UnitOfWork) -> None:
            row = uow.session.exec(select(AppUser).where(AppUser.username == username.lower())).first()
            if row is None:
                raise NotFound("user", username)
            row.password_hash = _HASHER.hash(password)
            uow.session.add(row)

        self._db.run_write(actor, "set_password", work)

    def end(self, actor: Actor | None, username: str) -> None:
        """End a user: they can no longer sign in; their audit rows still name them."""
        require(actor, Permission.MANAGE_USERS)

        def work(uow: UnitOfWork) -> None:
            row = uow.session.exec(select(AppUser).where(AppUser.username == username.lower())).first()
            if row is None:
                raise NotFound("user", username)
            row.ended_at = uow.clock.now()
            uow.session.add(row)

        self._db.run_write(actor, "end_user", work)
