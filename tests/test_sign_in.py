"""Sign-in protection: lockout per username, throttle per terminal, equal work for unknown and
known users, every attempt recorded, and command-line writes that need a credential."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlmodel import col, select

import inclusion_practice.services.users as users_module
from inclusion_practice.api import InclusionPractice
from inclusion_practice.cli.app import main
from inclusion_practice.clock import FixedClock
from inclusion_practice.config import example_config_text, parse_config
from inclusion_practice.domain.actor import Actor
from inclusion_practice.domain.sign_in_policy import (
    Allow,
    Attempt,
    Locked,
    SignInOutcome,
    SignInSettings,
    Throttle,
    decide,
)
from inclusion_practice.errors import (
    AccountLocked,
    ConfigError,
    InvalidInput,
    PermissionDenied,
    SignInThrottled,
)
from inclusion_practice.rest import create_app
from inclusion_practice.services.access import SYSTEM
from inclusion_practice.services.api_tokens import ApiTokenService
from inclusion_practice.services.demo_marker import is_demo_database, mark_demo_database
from inclusion_practice.storage.tables import AuditEvent, Refusal, SignInAttempt
from tests.conftest import NOW, PASSWORD

DESK = "desk-1"


def outcomes(ip: InclusionPractice, username: str | None = None) -> list[str]:
    with ip.db.read() as uow:
        stmt = select(SignInAttempt).order_by(col(SignInAttempt.id))
        if username is not None:
            stmt = stmt.where(SignInAttempt.username == username)
        return [r.outcome for r in uow.session.exec(stmt).all()]


def sign_in(ip: InclusionPractice, username: str, password: str, terminal: str = DESK) -> Actor:
    return ip.users.authenticate(username, password, channel="tui", terminal=terminal)


# ------------------------------------------------------------------ the rule (pure)

S = SignInSettings()


def _fails(n: int, start: dt.datetime = NOW, step: int = 1) -> list[Attempt]:
    return [Attempt(start + dt.timedelta(seconds=i * step), SignInOutcome.BAD_PASSWORD)
            for i in range(n)]


def test_the_rule_locks_a_username_at_the_fifth_failure_for_fifteen_minutes() -> None:
    assert decide(_fails(4), [], S, NOW + dt.timedelta(seconds=5)) == Allow()
    locked = decide(_fails(5), [], S, NOW + dt.timedelta(seconds=5))
    assert locked == Locked(NOW + dt.timedelta(seconds=4, minutes=15))
    assert decide(_fails(5), [], S, NOW + dt.timedelta(minutes=16)) == Allow()


def test_the_rule_forgets_failures_outside_the_window_and_after_a_success_or_unlock() -> None:
    spread = _fails(5, step=240)  # 5 failures over 16 minutes: never 5 within 15
    assert decide(spread, [], S, NOW + dt.timedelta(minutes=17)) == Allow()
    with_success = [*_fails(4), Attempt(NOW + dt.timedelta(seconds=5), SignInOutcome.SUCCESS),
                    *_fails(4, NOW + dt.timedelta(seconds=6))]
    assert decide(with_success, [], S, NOW + dt.timedelta(seconds=20)) == Allow()
    assert decide(_fails(5), [], S, NOW + dt.timedelta(seconds=20),
                  unlocked_at=NOW + dt.timedelta(seconds=10)) == Allow()


def test_refused_attempts_never_extend_a_lock() -> None:
    attempts = [*_fails(5), *[Attempt(NOW + dt.timedelta(minutes=m), SignInOutcome.LOCKED)
                              for m in range(1, 15)]]
    assert decide(attempts, [], S, NOW + dt.timedelta(minutes=15, seconds=5)) == Allow()


def test_the_rule_throttles_a_terminal_with_a_growing_wait() -> None:
    terminal = _fails(20)
    last = NOW + dt.timedelta(seconds=19)
    assert decide([], terminal, S, last) == Throttle(last + dt.timedelta(seconds=1), 1)
    assert decide([], terminal, S, last + dt.timedelta(seconds=1)) == Allow()
    more = _fails(23)  # three past the limit: 1 × 2³ = 8 s after the last failure
    last = NOW + dt.timedelta(seconds=22)
    assert decide([], more, S, last) == Throttle(last + dt.timedelta(seconds=8), 8)
    capped = SignInSettings(throttle_max_seconds=5)
    assert decide([], more, capped, last) == Throttle(last + dt.timedelta(seconds=5), 5)


def test_a_lock_is_reported_rather_than_a_throttle() -> None:
    decision = decide(_fails(5), _fails(30), S, NOW + dt.timedelta(seconds=30))
    assert isinstance(decision, Locked)


@pytest.mark.parametrize(("key", "value"), [
    ("user_max_failures", "0"), ("lockout_minutes", "-1"), ("throttle_growth", "0.5"),
    ("terminal_max_failures", "\"many\""),
])
def test_bad_sign_in_settings_name_the_key(key: str, value: str) -> None:
    bad = example_config_text().replace(f"\n{key} = ", f"\n{key} = {value}  # was ")
    with pytest.raises(ConfigError, match=rf"sign_in\.{key}"):
        parse_config(bad)
    with pytest.raises(ConfigError, match=r"sign_in\.lockout"):
        parse_config(example_config_text().replace("[sign_in]", "[sign_in]\nlockout = 3"))


# ------------------------------------------------------------------ lockout and unlock


def test_fourteen_wrong_passwords_lock_the_account_even_for_the_right_one(
    ip: InclusionPractice, actors: dict[str, Actor], clock: FixedClock
) -> None:
    for _ in range(14):
        with pytest.raises((InvalidInput, AccountLocked)):
            sign_in(ip, "reception1", "wrong password")
    with pytest.raises(AccountLocked) as refused:
        sign_in(ip, "reception1", PASSWORD)
    message = str(refused.value)
    assert "locked" in message and "until 2026-11-23 09:15" in message
    assert "password" not in message  # never says whether the password was right
    assert outcomes(ip, "reception1") == ["bad_password"] * 5 + ["locked"] * 10
    assert ip.users.locked_until("reception1") == NOW + dt.timedelta(minutes=15)

    clock.advance(dt.timedelta(minutes=14, seconds=59))
    with pytest.raises(AccountLocked):
        sign_in(ip, "reception1", PASSWORD)
    clock.advance(dt.timedelta(seconds=1))
    assert sign_in(ip, "reception1", PASSWORD) == actors["receptionist"]
    assert ip.users.locked_until("reception1") is None
    assert outcomes(ip, "reception1")[-1] == "success"


def test_an_unknown_username_locks_exactly_like_a_known_one(
    ip: InclusionPractice, actors: dict[str, Actor]
) -> None:
    errors = {}
    for name in ("reception1", "no-such-user"):
        for _ in range(5):
            with pytest.raises(InvalidInput) as wrong:
                sign_in(ip, name, "wrong password")
            assert str(wrong.value) == "password: unknown user or wrong password"
        with pytest.raises(AccountLocked) as locked:
            sign_in(ip, name, "wrong password")
        errors[name] = str(locked.value)
    assert errors["reception1"] == errors["no-such-user"]
    assert outcomes(ip, "no-such-user") == ["unknown_user"] * 5 + ["locked"]


def test_an_admin_unlocks_a_locked_account_and_the_unlock_is_audited(
    ip: InclusionPractice, actors: dict[str, Actor]
) -> None:
    for _ in range(5):
        with pytest.raises(InvalidInput):
            sign_in(ip, "drokafor", "wrong password")
    with pytest.raises(AccountLocked):
        sign_in(ip, "drokafor", PASSWORD)
    with pytest.raises(PermissionDenied):
        ip.users.unlock(actors["manager"], "drokafor")
    ip.users.unlock(actors["admin"], "drokafor")
    assert sign_in(ip, "drokafor", PASSWORD) == actors["clinician"]
    with ip.db.read() as uow:
        audit = uow.session.exec(
            select(AuditEvent).where(AuditEvent.action == "unlock_user")
        ).all()
    assert [(a.actor, a.entity) for a in audit] == [("admin1", "app_user")]
    assert "sign_in_unlocked_at" in audit[0].changes


def test_the_lockout_follows_the_configured_settings(
    db_url: str, clock: FixedClock, actors: dict[str, Actor], ip: InclusionPractice
) -> None:
    cfg = parse_config(example_config_text().replace("user_max_failures = 5",
                                                     "user_max_failures = 2")
                       .replace("lockout_minutes = 15", "lockout_minutes = 60"))
    strict = InclusionPractice(ip.db, cfg, clock)
    for _ in range(2):
        with pytest.raises(InvalidInput):
            sign_in(strict, "manager1", "wrong password")
    with pytest.raises(AccountLocked, match="until 2026-11-23 10:00"):
        sign_in(strict, "manager1", PASSWORD)


# ------------------------------------------------------------------ per-terminal throttle


def test_a_terminal_that_fails_too_often_is_slowed_for_every_user(
    ip: InclusionPractice, actors: dict[str, Actor], clock: FixedClock
) -> None:
    for i in range(20):  # a password spray: a different name each time, so no lockout
        with pytest.raises(InvalidInput):
            sign_in(ip, f"guess{i}", "password1")
        clock.advance(dt.timedelta(seconds=1))
    clock.advance(dt.timedelta(seconds=-1))
    with pytest.raises(SignInThrottled) as throttled:
        sign_in(ip, "reception1", PASSWORD)
    assert throttled.value.seconds == 1 and "wait 1 s" in str(throttled.value)
    assert sign_in(ip, "manager1", PASSWORD, terminal="desk-2") == actors["manager"]

    clock.advance(dt.timedelta(seconds=1))
    assert sign_in(ip, "reception1", PASSWORD) == actors["receptionist"]
    with pytest.raises(InvalidInput):
        sign_in(ip, "guess-again", "password1")
    with pytest.raises(SignInThrottled) as longer:
        sign_in(ip, "reception1", PASSWORD)
    assert longer.value.seconds == 2
    clock.advance(dt.timedelta(seconds=2))
    assert sign_in(ip, "reception1", PASSWORD) == actors["receptionist"]


# ------------------------------------------------------------------ equal work


class CountingHasher(PasswordHasher):
    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=1024, parallelism=1)
        self.verified = 0

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:
        self.verified += 1
        return super().verify(hash, password)


@pytest.mark.parametrize("who", ["reception1", "nobody-here", "ended-user"])
@pytest.mark.parametrize("password", [PASSWORD, "wrong password"])
def test_every_checked_attempt_costs_exactly_one_argon2_verification(
    ip: InclusionPractice, actors: dict[str, Actor], monkeypatch: pytest.MonkeyPatch,
    who: str, password: str,
) -> None:
    ip.users.create(SYSTEM, "ended-user", "Ended", "receptionist", password=PASSWORD)
    ip.users.end(SYSTEM, "ended-user")
    counting = CountingHasher()
    monkeypatch.setattr(users_module, "_HASHER", counting)
    try:
        sign_in(ip, who, password)
    except InvalidInput:
        assert not (who == "reception1" and password == PASSWORD)
    assert counting.verified == 1


def test_a_refused_attempt_checks_no_password_for_known_and_unknown_users(
    ip: InclusionPractice, actors: dict[str, Actor], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("reception1", "nobody-here"):
        for _ in range(5):
            with pytest.raises(InvalidInput):
                sign_in(ip, name, "wrong password")
    counting = CountingHasher()
    monkeypatch.setattr(users_module, "_HASHER", counting)
    for name in ("reception1", "nobody-here"):
        with pytest.raises(AccountLocked):
            sign_in(ip, name, PASSWORD)
    assert counting.verified == 0


# ------------------------------------------------------------------ records


def test_every_outcome_is_recorded_and_the_records_are_append_only(
    ip: InclusionPractice, actors: dict[str, Actor], clock: FixedClock
) -> None:
    sign_in(ip, "  Reception1 ", PASSWORD)
    with pytest.raises(InvalidInput):
        sign_in(ip, "reception1", "wrong password")
    with pytest.raises(InvalidInput):
        sign_in(ip, "nobody", "wrong password")
    for _ in range(5):
        with pytest.raises(InvalidInput):
            sign_in(ip, "manager1", "wrong password", terminal="desk-2")
    with pytest.raises(AccountLocked):
        sign_in(ip, "manager1", PASSWORD, terminal="desk-2")
    with pytest.raises(PermissionDenied):
        ip.users.check_token("ipt_wrong", channel="rest", terminal="rest:10.0.0.9")
    for i in range(20):
        with pytest.raises(InvalidInput):
            sign_in(ip, f"spray{i}", "x", terminal="desk-3")
    with pytest.raises(SignInThrottled):
        sign_in(ip, "reception1", PASSWORD, terminal="desk-3")

    with ip.db.read() as uow:
        rows = uow.session.exec(select(SignInAttempt).order_by(col(SignInAttempt.id))).all()
    assert {r.outcome for r in rows} == {o.value for o in SignInOutcome}
    first = rows[0]
    assert (first.username, first.terminal, first.channel, first.outcome, first.at) == (
        "reception1", DESK, "tui", "success", NOW)
    assert first.user_id is not None
    assert next(r for r in rows if r.username == "nobody").user_id is None
    assert next(r for r in rows if r.outcome == "bad_token").channel == "rest"

    for statement in ("UPDATE sign_in_attempt SET outcome = 'success'",
                      "DELETE FROM sign_in_attempt"):
        with pytest.raises(Exception, match="append-only"), ip.db.engine.begin() as conn:
            conn.execute(text(statement))
    assert len(outcomes(ip)) == len(rows)


def test_sign_in_records_are_listed_for_managers_and_admins_only(
    ip: InclusionPractice, actors: dict[str, Actor]
) -> None:
    sign_in(ip, "reception1", PASSWORD)
    with pytest.raises(InvalidInput):
        sign_in(ip, "manager1", "wrong")
    listed = ip.users.sign_ins(actors["manager"])
    assert [(r.username, r.outcome) for r in listed] == [("manager1", "bad_password"),
                                                         ("reception1", "success")]
    assert [r.outcome for r in ip.users.sign_ins(actors["admin"], username="Reception1")] == [
        "success"]
    assert ip.users.sign_ins(actors["admin"], since=NOW.date() + dt.timedelta(days=1)) == []
    for role in ("receptionist", "clinician"):
        with pytest.raises(PermissionDenied):
            ip.users.sign_ins(actors[role])


# ------------------------------------------------------------------ REST


def test_rest_tokens_are_recorded_and_a_client_sending_bad_tokens_is_throttled(
    ip: InclusionPractice, actors: dict[str, Actor]
) -> None:
    token = ApiTokenService(ip.db).create(actors["admin"], "reception1", "feed")
    client = TestClient(create_app(ip))
    good = {"Authorization": f"Bearer {token}"}
    assert client.get("/Patient", headers=good).status_code == 200
    for _ in range(20):
        assert client.get("/Patient", headers={"Authorization": "Bearer ipt_guess"}).status_code == 403
    slowed = client.get("/Patient", headers=good)
    assert slowed.status_code == 429 and slowed.headers["Retry-After"] == "1"
    assert slowed.json()["issue"][0]["code"] == "throttled"
    with ip.db.read() as uow:
        rows = uow.session.exec(select(SignInAttempt).order_by(col(SignInAttempt.id))).all()
    assert [r.outcome for r in rows] == ["success"] + ["bad_token"] * 20 + ["throttled"]
    assert {(r.channel, r.terminal) for r in rows} == {("rest", "rest:testclient")}


# ------------------------------------------------------------------ the command line


@pytest.fixture
def cli(ip: InclusionPractice, actors: dict[str, Actor], db_url: str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Any:
    """Run the CLI against the test database with no credential in the environment."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("INCLUSION_PRACTICE_LOG", str(tmp_path / "ip.log"))
    monkeypatch.setenv("INCLUSION_PRACTICE_DB", db_url)
    monkeypatch.delenv("INCLUSION_PRACTICE_CONFIG", raising=False)
    for name in ("INCLUSION_PRACTICE_TOKEN", "INCLUSION_PRACTICE_PASSWORD"):
        monkeypatch.delenv(name, raising=False)

    def run(*argv: str) -> tuple[int, str]:
        capsys.readouterr()
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out + err

    return run


REFUSE = ["registration", "refuse", "--given", "Jan", "--family", "Kowal",
          "--reason", "outside_boundary"]


def refusals(ip: InclusionPractice) -> int:
    with ip.db.read() as uow:
        return len(uow.session.exec(select(Refusal)).all())


def test_a_cli_write_without_a_credential_is_refused_and_writes_nothing(
    cli: Any, ip: InclusionPractice
) -> None:
    code, out = cli("--as", "reception1", *REFUSE)
    assert code == 2
    assert "INCLUSION_PRACTICE_TOKEN" in out and "INCLUSION_PRACTICE_PASSWORD" in out
    assert refusals(ip) == 0
    # A read that depends on the acting user's role needs one too: a claimed clinician would
    # otherwise see restricted flags.
    assert cli("--as", "drokafor", "patient", "find", "Jan")[0] == 2


def test_a_cli_write_with_the_password_in_the_environment(
    cli: Any, ip: InclusionPractice, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INCLUSION_PRACTICE_PASSWORD", "wrong password")
    code, out = cli("--as", "reception1", *REFUSE)
    assert code == 2 and "unknown user or wrong password" in out
    monkeypatch.setenv("INCLUSION_PRACTICE_PASSWORD", PASSWORD)
    assert cli("--as", "reception1", *REFUSE)[0] == 0
    assert refusals(ip) == 1
    with ip.db.read() as uow:
        rows = uow.session.exec(select(SignInAttempt).order_by(col(SignInAttempt.id))).all()
    assert [(r.channel, r.outcome) for r in rows] == [("cli", "bad_password"), ("cli", "success")]


def test_a_cli_write_with_an_api_token_acts_as_the_tokens_user(
    cli: Any, ip: InclusionPractice, actors: dict[str, Actor], monkeypatch: pytest.MonkeyPatch
) -> None:
    token = ApiTokenService(ip.db).create(actors["admin"], "reception1", "nightly batch")
    monkeypatch.setenv("INCLUSION_PRACTICE_TOKEN", token)
    assert cli("--as", "reception1", *REFUSE)[0] == 0
    assert cli(*REFUSE)[0] == 0  # no --as: the token names the user
    code, out = cli("--as", "manager1", *REFUSE)
    assert code == 2 and "does not match" in out
    monkeypatch.setenv("INCLUSION_PRACTICE_TOKEN", "ipt_not-a-token")
    assert cli("--as", "reception1", *REFUSE)[0] == 2
    assert refusals(ip) == 2
    with ip.db.read() as uow:
        audit = uow.session.exec(select(AuditEvent).where(AuditEvent.entity == "refusal")).all()
    assert {a.actor for a in audit} == {"reception1"}


def test_a_cli_user_at_a_terminal_is_asked_for_the_password(
    cli: Any, ip: InclusionPractice, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[str] = []

    def fake_getpass(prompt: str) -> str:
        asked.append(prompt)
        return PASSWORD

    monkeypatch.setattr("getpass.getpass", fake_getpass)
    monkeypatch.setattr("inclusion_practice.cli.app.attached_to_terminal", lambda: True)
    code, _ = cli("--as", "reception1", *REFUSE)
    assert code == 0 and asked == ["Password for reception1: "]
    assert refusals(ip) == 1


def test_cli_unlock_and_the_sign_in_listing(
    cli: Any, ip: InclusionPractice, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INCLUSION_PRACTICE_PASSWORD", "wrong password")
    for _ in range(5):
        assert cli("--as", "reception1", *REFUSE)[0] == 2
    monkeypatch.setenv("INCLUSION_PRACTICE_PASSWORD", PASSWORD)
    code, out = cli("--as", "reception1", *REFUSE)
    assert code == 2 and "locked" in out
    code, out = cli("--as", "admin1", "users", "unlock", "reception1")
    assert code == 0 and "unlocked reception1" in out
    assert cli("--as", "reception1", *REFUSE)[0] == 0
    code, out = cli("--as", "manager1", "audit", "sign-ins", "--user", "reception1")
    assert code == 0
    lines = out.splitlines()
    assert "success" in lines[0] and "cli" in lines[0]
    assert sum("bad_password" in line for line in lines) == 5
    assert sum("locked" in line for line in lines) == 1
    code, out = cli("--as", "manager1", "audit", "sign-ins", "--since", "not-a-date")
    assert code == 2 and "--since" in out
    code, out = cli("--as", "reception1", "audit", "sign-ins")
    assert code == 2 and "may not view sign-in records" in out


def test_the_demo_database_needs_no_credential_and_a_live_one_cannot_be_marked_demo(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str], config: Any,
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("INCLUSION_PRACTICE_LOG", str(tmp_path / "ip.log"))
    monkeypatch.delenv("INCLUSION_PRACTICE_CONFIG", raising=False)
    for name in ("INCLUSION_PRACTICE_TOKEN", "INCLUSION_PRACTICE_PASSWORD", "INCLUSION_PRACTICE_DB"):
        monkeypatch.delenv(name, raising=False)
    assert main(["--db", db_url, "demo", "--patients", "30", "--no-tui"]) == 0
    assert main(["--db", db_url, "--as", "reception1", *REFUSE]) == 0
    ip = InclusionPractice.open(db_url, config=config)
    try:
        assert is_demo_database(ip.db)
        assert refusals(ip) == 1
    finally:
        ip.close()


def test_a_database_holding_users_is_never_marked_demo(
    ip: InclusionPractice, actors: dict[str, Actor], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(InvalidInput, match="already holds users"):
        mark_demo_database(ip.db, "try")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("INCLUSION_PRACTICE_LOG", str(tmp_path / "ip.log"))
    monkeypatch.delenv("INCLUSION_PRACTICE_PASSWORD", raising=False)
    monkeypatch.delenv("INCLUSION_PRACTICE_TOKEN", raising=False)
    assert main(["--db", ip.db.url, "demo", "--patients", "5", "--no-tui"]) == 2
    assert "already holds users" in capsys.readouterr().err
    assert not is_demo_database(ip.db)
    assert main(["--db", ip.db.url, "--as", "reception1", *REFUSE]) == 2


def test_the_configured_terminal_name_is_recorded_and_otherwise_hostname_and_tty(
    cli: Any, ip: InclusionPractice, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import socket

    monkeypatch.setenv("INCLUSION_PRACTICE_PASSWORD", PASSWORD)
    assert cli("--as", "reception1", *REFUSE)[0] == 0
    (tmp_path / "practice.toml").write_text(example_config_text().replace(
        '# terminal_name = "reception-desk-1"', 'terminal_name = "reception-desk-1"'),
        encoding="utf-8")
    assert cli("--as", "reception1", *REFUSE)[0] == 0
    with ip.db.read() as uow:
        rows = uow.session.exec(select(SignInAttempt).order_by(col(SignInAttempt.id))).all()
    assert [r.terminal for r in rows] == [f"{socket.gethostname()}:no-tty", "reception-desk-1"]
