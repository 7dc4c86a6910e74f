"""Users: who may sign in, with which role. Passwords are hashed with argon2.

Every sign-in goes through :meth:`UserService.authenticate` (or :meth:`UserService.check_token`
for API tokens): the lockout and throttle rule (:mod:`inclusion_practice.domain.sign_in_policy`)
is applied first, an unknown username is checked against a dummy hash so it costs the same as a
known one, and every attempt is recorded in ``sign_in_attempt``.
"""

from __future__ import annotations

import builtins
import datetime as dt
import os
import secrets
import socket
import sys
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import col, select

from inclusion_practice.clock import Clock
from inclusion_practice.domain.actor import Actor
from inclusion_practice.domain.roles import Permission, Role
from inclusion_practice.domain.sign_in_policy import (
    Attempt,
    Locked,
    SignInChannel,
    SignInOutcome,
    SignInSettings,
    Throttle,
    decide,
    history_horizon,
    terminal_wait,
)
from inclusion_practice.errors import (
    AccountLocked,
    InvalidInput,
    NotFound,
    PermissionDenied,
    SignInThrottled,
)
from inclusion_practice.services.access import require
from inclusion_practice.services.api_tokens import ApiTokenService
from inclusion_practice.storage.database import Database, UnitOfWork
from inclusion_practice.storage.tables import AppUser, SignInAttempt

_HASHER = PasswordHasher()
_DUMMY_HASHES: dict[tuple[int, int, int, int, int], str] = {}


def _dummy_hash(hasher: PasswordHasher) -> str:
    """A hash of a random password with ``hasher``'s parameters, made once per parameter set.

    An unknown username is verified against it, so it costs exactly one argon2 verification
    with the same time and memory cost as a real user's.
    """
    key = (hasher.time_cost, hasher.memory_cost, hasher.parallelism, hasher.hash_len,
           hasher.salt_len)
    if key not in _DUMMY_HASHES:
        _DUMMY_HASHES[key] = hasher.hash(secrets.token_urlsafe(24))
    return _DUMMY_HASHES[key]


def local_terminal(settings: SignInSettings) -> str:
    """This machine in the sign-in records: the configured name, else hostname and tty."""
    if settings.terminal_name:
        return settings.terminal_name
    try:
        tty = os.ttyname(sys.stdin.fileno()) if sys.stdin.isatty() else "no-tty"
    except (OSError, ValueError):
        tty = "no-tty"
    return f"{socket.gethostname()}:{tty}"[:200]


WEB_CLIENT_ENV = "INCLUSION_PRACTICE_WEB_CLIENT"
"""Set by ``inclusion-practice web`` for each browser session's app process: the browser's
address. Its sign-ins are then recorded as channel ``web`` from ``web:<address>``."""


def session_origin(settings: SignInSettings) -> tuple[SignInChannel, str]:
    """Channel and terminal for an interactive app's sign-ins.

    A browser session (started by the web server, which sets ``$INCLUSION_PRACTICE_WEB_CLIENT``)
    is ``web`` from the browser's address, so the per-terminal throttle holds one browser back,
    not every desk; otherwise ``tui`` from this machine's terminal.
    """
    client = os.environ.get(WEB_CLIENT_ENV, "").strip()
    if client:
        return SignInChannel.WEB, f"web:{client}"[:200]
    return SignInChannel.TUI, local_terminal(settings)


def normalise_username(username: str) -> str:
    """The username as the records hold it: trimmed, lower case, at most 64 characters."""
    return username.strip().lower()[:64]


@dataclass(frozen=True)
class SignInRecord:
    """One row of ``audit sign-ins``."""

    at: dt.datetime
    username: str | None
    known_user: bool
    terminal: str
    channel: str
    outcome: str


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
    def __init__(
        self, db: Database, sign_in: SignInSettings | None = None, clock: Clock | None = None
    ) -> None:
        self._db = db
        self.sign_in_settings = sign_in or SignInSettings()
        self._clock: Clock = clock or db.clock

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

    def authenticate(
        self,
        username: str,
        password: str,
        *,
        channel: SignInChannel | str = SignInChannel.TUI,
        terminal: str = "unknown",
    ) -> Actor:
        """Check a password, through the lockout and throttle rule; every attempt is recorded.

        The same error for an unknown user and a wrong password, and the same work: exactly one
        argon2 verification either way (a dummy hash stands in for a missing user). A locked
        username is refused before its password is looked at, so the refusal never says whether
        the password was right.
        """
        channel = SignInChannel(channel)
        name = normalise_username(username)
        now = self._clock.now()
        row = self._user_row(name)
        self._check_policy(name, terminal, channel, now, row)
        hasher = _HASHER
        dummy = _dummy_hash(hasher)  # made (once) before the branch, whoever signs in first
        usable = row is not None and row.password_hash is not None and row.ended_at is None
        stored = row.password_hash if usable and row is not None else None
        try:
            hasher.verify(stored or dummy, password)
            ok = stored is not None
        except (VerificationError, InvalidHashError):
            ok = False
        if not ok or row is None:
            outcome = SignInOutcome.BAD_PASSWORD if usable else SignInOutcome.UNKNOWN_USER
            self._record(now, name, row, terminal, channel, outcome)
            raise InvalidInput("password", "unknown user or wrong password")
        self._record(now, name, row, terminal, channel, SignInOutcome.SUCCESS)
        return Actor(row.username, row.role)

    def check_token(
        self, token: str, *, channel: SignInChannel | str, terminal: str,
        claimed_username: str | None = None,
    ) -> Actor:
        """The user an API token acts as, through the terminal throttle; every attempt recorded.

        ``claimed_username`` (the command line's ``--as``) must be the token's user. A valid token
        is not refused by a password lockout on its user: a batch job must not stop because
        someone mistyped that user's password at a desk (a token is 256 random bits, so there is
        nothing to guess).
        """
        channel = SignInChannel(channel)
        claimed = normalise_username(claimed_username) if claimed_username else None
        now = self._clock.now()
        with self._db.read() as uow:
            terminal_rows = self._attempts(uow, SignInAttempt.terminal == terminal, now)
        wait = terminal_wait(terminal_rows, self.sign_in_settings, now)
        claimed_row = self._user_row(claimed) if claimed else None
        if wait is not None:
            self._record(now, claimed, claimed_row, terminal, channel, SignInOutcome.THROTTLED)
            raise SignInThrottled(max(1, int((wait - now).total_seconds() + 0.999)))
        try:
            actor = ApiTokenService(self._db).actor_for(token)
        except PermissionDenied:
            self._record(now, claimed, claimed_row, terminal, channel, SignInOutcome.BAD_TOKEN)
            raise
        if claimed is not None and claimed != actor.username:
            self._record(now, claimed, claimed_row, terminal, channel, SignInOutcome.BAD_TOKEN)
            raise InvalidInput("--as", "does not match the user of INCLUSION_PRACTICE_TOKEN")
        self._record(now, actor.username, self._user_row(actor.username), terminal, channel,
                     SignInOutcome.SUCCESS)
        return actor

    def unlock(self, actor: Actor | None, username: str) -> None:
        """Clear a sign-in lockout (admins only); audited as a change to the user."""
        require(actor, Permission.MANAGE_USERS)

        def work(uow: UnitOfWork) -> None:
            row = uow.session.exec(
                select(AppUser).where(AppUser.username == normalise_username(username))
            ).first()
            if row is None:
                raise NotFound("user", username)
            row.sign_in_unlocked_at = self._clock.now()
            uow.session.add(row)

        self._db.run_write(actor, "unlock_user", work)

    def locked_until(self, username: str) -> dt.datetime | None:
        """When the lockout on ``username`` ends, or ``None`` when it is not locked now."""
        name = normalise_username(username)
        now = self._clock.now()
        row = self._user_row(name)
        with self._db.read() as uow:
            rows = self._attempts(uow, SignInAttempt.username == name, now)
        decision = decide(rows, [], self.sign_in_settings, now,
                          unlocked_at=row.sign_in_unlocked_at if row else None)
        return decision.until if isinstance(decision, Locked) else None

    def sign_ins(
        self, actor: Actor | None, *, username: str | None = None, since: dt.date | None = None,
        limit: int = 1000,
    ) -> builtins.list[SignInRecord]:
        """Recorded sign-in attempts, newest first (managers and admins)."""
        require(actor, Permission.VIEW_SIGN_INS)
        if not 1 <= limit <= 100_000:
            raise InvalidInput("limit", "must be between 1 and 100000")
        stmt = select(SignInAttempt)
        if username is not None:
            stmt = stmt.where(SignInAttempt.username == normalise_username(username))
        if since is not None:
            stmt = stmt.where(SignInAttempt.at >= dt.datetime.combine(since, dt.time()))
        stmt = stmt.order_by(col(SignInAttempt.at).desc(), col(SignInAttempt.id).desc()).limit(limit)
        with self._db.read() as uow:
            rows = uow.session.exec(stmt).all()
            return [SignInRecord(r.at, r.username, r.user_id is not None, r.terminal, r.channel,
                                 r.outcome) for r in rows]

    # -- sign-in internals ---------------------------------------------------------------

    def _user_row(self, name: str) -> AppUser | None:
        with self._db.read() as uow:
            return uow.session.exec(select(AppUser).where(AppUser.username == name)).first()

    def _attempts(self, uow: UnitOfWork, where: object, now: dt.datetime) -> builtins.list[Attempt]:
        horizon = history_horizon(self.sign_in_settings, now)
        rows = uow.session.exec(
            select(SignInAttempt.at, SignInAttempt.outcome)
            .where(where, SignInAttempt.at >= horizon)  # type: ignore[arg-type]
        ).all()
        return [Attempt(at, SignInOutcome(outcome)) for at, outcome in rows]

    def _check_policy(
        self, name: str, terminal: str, channel: SignInChannel, now: dt.datetime,
        row: AppUser | None,
    ) -> None:
        with self._db.read() as uow:
            user_rows = self._attempts(uow, SignInAttempt.username == name, now)
            terminal_rows = self._attempts(uow, SignInAttempt.terminal == terminal, now)
        decision = decide(user_rows, terminal_rows, self.sign_in_settings, now,
                          unlocked_at=row.sign_in_unlocked_at if row else None)
        if isinstance(decision, Locked):
            self._record(now, name, row, terminal, channel, SignInOutcome.LOCKED)
            raise AccountLocked(decision.until)
        if isinstance(decision, Throttle):
            self._record(now, name, row, terminal, channel, SignInOutcome.THROTTLED)
            raise SignInThrottled(decision.seconds)

    def _record(
        self, now: dt.datetime, name: str | None, row: AppUser | None, terminal: str,
        channel: SignInChannel, outcome: SignInOutcome,
    ) -> None:
        attempt = SignInAttempt(at=now, username=name or None, user_id=row.id if row else None,
                                terminal=terminal[:200] or "unknown", channel=channel.value,
                                outcome=outcome.value)

        def work(uow: UnitOfWork) -> None:
            uow.session.add(attempt)

        # Not an audited table (an unknown name has no acting user); append-only by trigger.
        self._db.run_write(None, "sign_in", work)

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
