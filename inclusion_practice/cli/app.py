"""The ``inclusion-practice`` command: subcommands grouped by what users do.

Exit codes: 0 success; 2 bad input (one line naming the field and the reason); 1 unexpected
error (one line on screen, the traceback in the log file).
"""

from __future__ import annotations

import logging
import os
import sys
import traceback
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import typer

from inclusion_practice.domain.actor import Actor
from inclusion_practice.errors import InclusionPracticeError

if TYPE_CHECKING:  # imported lazily at run time: `--help` must not open the library
    from inclusion_practice.api import InclusionPractice
    from inclusion_practice.config import PracticeConfig
    from inclusion_practice.storage.audit_keys import AuditSetup

LOG_FILE_ENV = "INCLUSION_PRACTICE_LOG"
TOKEN_ENV = "INCLUSION_PRACTICE_TOKEN"
PASSWORD_ENV = "INCLUSION_PRACTICE_PASSWORD"
log = logging.getLogger("inclusion_practice")
F = TypeVar("F", bound=Callable[..., Any])

app = typer.Typer(
    name="inclusion-practice",
    help="Register, book and look after inclusion-health patients; prove it to commissioners.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


class State:
    """Options shared by every command, resolved lazily so ``--help`` never opens a database."""

    def __init__(self, db: str | None, config: Path | None, acting: str | None) -> None:
        self.db_option = db
        self.config_path = config
        self.acting_option = acting
        self._practice: InclusionPractice | None = None
        self._actor: Actor | None = None

    def config(self) -> PracticeConfig:
        from inclusion_practice.config import load_config

        return load_config(self.config_path)

    def database_url(self) -> str:
        from inclusion_practice.config import resolve_database_url

        return resolve_database_url(self.db_option, self.config())

    def audit_setup(self) -> AuditSetup:
        """Where this database's audit key, signing key and checkpoints are."""
        from inclusion_practice.storage.audit_keys import AuditSetup

        return AuditSetup.for_database(self.database_url(), self.config().audit)

    def practice(self) -> InclusionPractice:
        """The opened :class:`~inclusion_practice.api.InclusionPractice` (schema checked)."""
        if self._practice is None:
            from inclusion_practice.api import InclusionPractice

            cfg = self.config()
            self._practice = InclusionPractice.open(self.db_option, config=cfg)
        return self._practice

    def actor(self) -> Actor:
        """The acting user, authenticated: ``$INCLUSION_PRACTICE_TOKEN`` (an API token: its user,
        who must be ``--as`` when that is given), else ``--as`` (or ``defaults.acting_user``)
        proved by ``$INCLUSION_PRACTICE_PASSWORD`` or a password prompt when a terminal is
        attached. The demo database needs no credential.
        Every attempt goes through the sign-in lockout and is recorded (channel ``cli``).
        """
        if self._actor is None:
            self._actor = self._authenticate()
        return self._actor

    def _authenticate(self) -> Actor:
        import getpass

        from inclusion_practice.errors import CredentialRequired, InvalidInput
        from inclusion_practice.services.demo_marker import is_demo_database
        from inclusion_practice.services.users import local_terminal

        ip = self.practice()
        username = self.acting_option or self.config().defaults.acting_user
        token = os.environ.get(TOKEN_ENV, "").strip()
        terminal = local_terminal(ip.config.sign_in)
        if token:
            # Only an explicit --as must match: defaults.acting_user names this desk's usual
            # user, not the batch job's.
            actor: Actor = ip.users.check_token(token, channel="cli", terminal=terminal,
                                                claimed_username=self.acting_option)
            return actor
        if not username:
            raise InvalidInput("--as", "name the acting user (or set defaults.acting_user)")
        if is_demo_database(ip.db):
            return replace(ip.users.actor(username), channel="cli")
        password = os.environ.get(PASSWORD_ENV)
        if password is None:
            if not attached_to_terminal():
                raise CredentialRequired(
                    f"--as {username}: a credential is needed: set {TOKEN_ENV} to an API token "
                    f"of that user (batch jobs) or {PASSWORD_ENV}, or run it at a terminal to be "
                    "asked for the password"
                )
            password = getpass.getpass(f"Password for {username}: ")
        ip.users.authenticate(username, password, channel="cli", terminal=terminal)
        return replace(ip.users.actor(username), channel="cli")


def attached_to_terminal() -> bool:
    """Whether a person can be asked for a password (stdin and stderr are a terminal)."""
    return sys.stdin.isatty() and sys.stderr.isatty()


def state(ctx: typer.Context) -> State:
    obj = ctx.find_root().obj
    assert isinstance(obj, State)
    return obj


def get_practice(ctx: typer.Context) -> InclusionPractice:
    return state(ctx).practice()


def acting_user(ctx: typer.Context) -> Actor:
    return state(ctx).actor()


def _print_version(value: bool) -> None:
    if value:
        typer.echo(version_text())
        raise typer.Exit(0)


@app.callback()
def _root(
    ctx: typer.Context,
    db: str | None = typer.Option(
        None, "--db", help="Database URL (else $INCLUSION_PRACTICE_DB, the config, ./inclusion_practice.db)."
    ),
    config: Path | None = typer.Option(
        None, "--config", help="practice.toml (else $INCLUSION_PRACTICE_CONFIG, ./practice.toml, built-in example)."
    ),
    acting: str | None = typer.Option(None, "--as", help="Username of the acting user."),
    version: bool = typer.Option(
        False, "--version", is_eager=True, callback=_print_version,
        help="Print the version and the database schema revision it needs, then exit.",
    ),
) -> None:
    ctx.obj = State(db, config, acting)


def version_text() -> str:
    """``inclusion-practice 0.1.0 (schema 0008)``: the package and the schema it expects."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as package_version

    from inclusion_practice.storage.migrate import head_revision

    try:
        number = package_version("inclusion-practice")
    except PackageNotFoundError:  # running from a source tree that was never installed
        number = "unknown"
    return f"inclusion-practice {number} (schema {head_revision()})"


def log_file() -> Path:
    return Path(os.environ.get(LOG_FILE_ENV, "inclusion-practice.log"))


def _configure_logging() -> None:
    # One handler, however often main() runs in a process (tests call it many times).
    for old in [h for h in log.handlers if isinstance(h, logging.FileHandler)]:
        log.removeHandler(old)
        old.close()
    handler = logging.FileHandler(log_file(), encoding="utf-8", delay=True)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)


def _register_subcommands() -> None:
    # --- sub-apps: one module per area (keep one line each) ---
    from inclusion_practice.cli import db as db_cli
    from inclusion_practice.cli import setup as setup_cli
    from inclusion_practice.cli import users as users_cli

    app.add_typer(db_cli.app, name="db", help="Create, upgrade and inspect the database schema.")
    app.add_typer(users_cli.app, name="users", help="Users and roles.")
    app.add_typer(setup_cli.audit_app, name="audit", help="Check the audit trail.")
    setup_cli.register(app)
    from inclusion_practice.cli import appointments as appointments_cli
    from inclusion_practice.cli import dna as dna_cli
    from inclusion_practice.cli import interpreters as interpreters_cli
    from inclusion_practice.cli import schedule as schedule_cli

    app.add_typer(schedule_cli.app, name="schedule", help="Generate and cancel clinic sessions.")
    app.add_typer(schedule_cli.slots_app, name="slots", help="Find free times that fit a patient.")
    app.add_typer(appointments_cli.app, name="appointment", help="Book, move, cancel; attendance.")
    app.add_typer(interpreters_cli.app, name="interpreters", help="Interpreters to book or cancel.")
    app.add_typer(dna_cli.app, name="dna", help="DNA worklist, outcomes and explanations.")
    from inclusion_practice.cli import mdt as mdt_cli
    from inclusion_practice.cli import referrals as referrals_cli

    app.add_typer(mdt_cli.app, name="mdt", help="MDT meetings: candidates, agendas, outcomes, actions.")
    app.add_typer(referrals_cli.app, name="referrals", help="Referrals to partner services; overdue replies.")
    from inclusion_practice.cli import patient as patient_cli
    from inclusion_practice.cli import portable as _portable_cli  # noqa: F401 (patient summary)
    from inclusion_practice.cli import registration as registration_cli

    app.add_typer(patient_cli.app, name="patient", help="Register, find, show; flags and needs.")
    app.add_typer(registration_cli.app, name="registration", help="Refusals; registered on a date.")
    from inclusion_practice.cli import indicators as indicators_cli

    app.add_typer(indicators_cli.app, name="indicators", help="Indicator sets: run, worklists, explain.")
    from inclusion_practice.cli import report as report_cli

    app.add_typer(report_cli.app, name="report", help="Commissioner returns: LES, PCTMS, quarterly.")
    from inclusion_practice.cli import fhir as fhir_cli

    app.add_typer(fhir_cli.app, name="fhir", help="FHIR R4 import, export, validate; API tokens.")
    fhir_cli.register(app)
    from inclusion_practice.cli import web as web_cli

    web_cli.register(app)
    # --- end of sub-apps ---


_register_subcommands()


def safe_traceback(exc: BaseException) -> str:
    """Where the error happened, without any exception message.

    Messages can quote data (a database error's detail names the duplicate NHS number), and
    logs must never hold patient identifiers, so only exception types and frames are kept.
    """
    lines: list[str] = []
    seen: BaseException | None = exc
    while seen is not None:
        lines.append(f"{type(seen).__module__}.{type(seen).__qualname__}")
        for frame in traceback.extract_tb(seen.__traceback__):
            lines.append(f"  {frame.filename}:{frame.lineno} in {frame.name}")
        seen = seen.__cause__ or seen.__context__
        if seen is not None:
            lines.append("caused by:")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Entry point with the exit-code contract."""
    _configure_logging()
    try:
        # Without standalone mode click returns a sub-command's ``typer.Exit`` code.
        result = app(args=argv, standalone_mode=False)
        return result if isinstance(result, int) else 0
    except InclusionPracticeError as exc:
        typer.echo(f"error: {exc}", err=True)
        return 2
    except typer.Exit as exc:
        return int(exc.exit_code or 0)
    except typer.Abort:
        typer.echo("aborted", err=True)
        return 1
    except Exception as exc:
        import click
        from sqlalchemy.exc import OperationalError

        if isinstance(exc, OperationalError) and exc.statement is None:
            # Could not connect (server down, wrong URL, no such folder): not a bug.
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
            typer.echo(f"error: cannot open the database: {reason}", err=True)
            return 2
        # Typer vendors its own click (typer._click), whose exceptions are not click's: accept
        # both. A usage error or an unreadable file is bad input: one line, exit 2.
        if isinstance(exc, click.exceptions.ClickException | typer.TyperException) and hasattr(
            exc, "format_message"
        ):
            if exc.format_message():  # empty when the help was shown instead (no arguments)
                typer.echo(f"error: {exc.format_message()}", err=True)
            return 2
        log.error("unexpected error: %s\n%s", type(exc).__name__, safe_traceback(exc))
        typer.echo(
            f"unexpected error ({type(exc).__name__}); details written to {log_file()}", err=True
        )
        return 1


def run() -> None:
    sys.exit(main())
