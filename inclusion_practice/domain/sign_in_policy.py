"""Sign-in throttling and lockout: a pure rule over the recent attempts.

Given the attempts recorded for a username and for a terminal, and the ``[sign_in]`` settings,
:func:`decide` says whether the next attempt may be checked, must wait (the terminal has failed
too often) or is refused because the account is locked.

Attempts are counted by the username **as typed** (normalised), not by account, so an unknown
name locks exactly like a known one: an attacker cannot tell the two apart by which names lock.
Refused attempts (``locked``, ``throttled``) are recorded but never counted as failures, so a
lock ends when its time is up however often someone keeps trying.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated

from pydantic import Field

from inclusion_practice.domain.strict import Strict


class SignInOutcome(StrEnum):
    """What happened to one attempt (stored in ``sign_in_attempt.outcome``)."""

    SUCCESS = "success"
    BAD_PASSWORD = "bad_password"
    BAD_TOKEN = "bad_token"
    UNKNOWN_USER = "unknown_user"
    LOCKED = "locked"
    THROTTLED = "throttled"


class SignInChannel(StrEnum):
    TUI = "tui"
    CLI = "cli"
    REST = "rest"
    WEB = "web"


FAILURES: frozenset[SignInOutcome] = frozenset(
    {SignInOutcome.BAD_PASSWORD, SignInOutcome.BAD_TOKEN, SignInOutcome.UNKNOWN_USER}
)
"""Outcomes that count towards a lockout or a throttle."""


class SignInSettings(Strict):
    """``[sign_in]`` in practice.toml."""

    user_max_failures: Annotated[int, Field(ge=1, le=100)] = 5
    """Failed attempts for one username within ``user_window_minutes`` that lock it."""
    user_window_minutes: Annotated[int, Field(ge=1, le=1440)] = 15
    lockout_minutes: Annotated[int, Field(ge=1, le=10080)] = 15
    terminal_max_failures: Annotated[int, Field(ge=1, le=10000)] = 20
    """Failed attempts from one terminal within ``terminal_window_minutes`` before it is slowed."""
    terminal_window_minutes: Annotated[int, Field(ge=1, le=1440)] = 15
    throttle_seconds: Annotated[float, Field(gt=0, le=3600)] = 1.0
    """Wait after the failure that reaches the terminal limit."""
    throttle_growth: Annotated[float, Field(ge=1, le=10)] = 2.0
    """Each further failure multiplies the wait by this."""
    throttle_max_seconds: Annotated[float, Field(gt=0, le=86400)] = 300.0
    terminal_name: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    """This machine's name in the sign-in records (else hostname and tty)."""


@dataclass(frozen=True)
class Attempt:
    """One recorded attempt, as the rule needs it."""

    at: dt.datetime
    outcome: SignInOutcome


@dataclass(frozen=True)
class Allow:
    """Check the credential."""


@dataclass(frozen=True)
class Throttle:
    """Too many failures from this terminal: wait until ``until`` (``seconds`` from now)."""

    until: dt.datetime
    seconds: int


@dataclass(frozen=True)
class Locked:
    """The username is locked until ``until``; even the right password is refused."""

    until: dt.datetime


Decision = Allow | Throttle | Locked


def locked_until(
    attempts: Iterable[Attempt], settings: SignInSettings, *, unlocked_at: dt.datetime | None = None
) -> dt.datetime | None:
    """When the lock on one username ends (``None``: no lock was ever set, or it was cleared).

    Replays the attempts in time order: a success or an admin unlock clears the count, failures
    older than the window drop out, and reaching ``user_max_failures`` locks for
    ``lockout_minutes`` from that failure.
    """
    window = dt.timedelta(minutes=settings.user_window_minutes)
    lockout = dt.timedelta(minutes=settings.lockout_minutes)
    failures: list[dt.datetime] = []
    until: dt.datetime | None = None
    for a in sorted(attempts, key=lambda a: a.at):
        if unlocked_at is not None and a.at <= unlocked_at:
            continue
        if a.outcome is SignInOutcome.SUCCESS:
            failures, until = [], None
        elif a.outcome in FAILURES:
            if until is not None and a.at < until:
                continue  # recorded while locked (e.g. two terminals at once): already counted
            failures = [f for f in failures if a.at - f < window] + [a.at]
            if len(failures) >= settings.user_max_failures:
                until, failures = a.at + lockout, []
    return until


def terminal_wait(
    attempts: Iterable[Attempt], settings: SignInSettings, now: dt.datetime
) -> dt.datetime | None:
    """Until when a terminal must wait before its next attempt (``None``: no wait).

    Once a terminal has ``terminal_max_failures`` failures in its window, each further attempt
    waits ``throttle_seconds × throttle_growth^(failures − limit)`` (at most
    ``throttle_max_seconds``) after its latest failure.
    """
    window = dt.timedelta(minutes=settings.terminal_window_minutes)
    failures = sorted(a.at for a in attempts if a.outcome in FAILURES and now - a.at < window)
    excess = len(failures) - settings.terminal_max_failures
    if excess < 0:
        return None
    seconds = min(settings.throttle_max_seconds,
                  settings.throttle_seconds * settings.throttle_growth ** min(excess, 64))
    until = failures[-1] + dt.timedelta(seconds=seconds)
    return until if until > now else None


def decide(
    user_attempts: Iterable[Attempt],
    terminal_attempts: Iterable[Attempt],
    settings: SignInSettings,
    now: dt.datetime,
    *,
    unlocked_at: dt.datetime | None = None,
) -> Decision:
    """May the next attempt for this username from this terminal be checked at ``now``?

    A lock wins over a throttle: it says until when, never whether a password was right.
    """
    until = locked_until(user_attempts, settings, unlocked_at=unlocked_at)
    if until is not None and now < until:
        return Locked(until)
    wait = terminal_wait(terminal_attempts, settings, now)
    if wait is not None:
        return Throttle(wait, max(1, math.ceil((wait - now).total_seconds())))
    return Allow()


def history_horizon(settings: SignInSettings, now: dt.datetime) -> dt.datetime:
    """How far back the attempts :func:`decide` needs reach (older ones cannot matter).

    A lock can be set by failures spread over one window and last ``lockout_minutes``; a chain
    of locks (fail, lock, expire, fail again) only needs the attempts since the last expiry,
    which the replay reaches by starting one window plus one lockout back.
    """
    span = max(settings.user_window_minutes, settings.terminal_window_minutes)
    return now - dt.timedelta(minutes=span + settings.lockout_minutes)
