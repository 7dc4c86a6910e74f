"""``inclusion-practice users``: add, list and end users."""

from __future__ import annotations

import getpass

import typer

from inclusion_practice.cli.app import acting_user, get_practice
from inclusion_practice.cli.listing import check_format, emit_list, format_option

app = typer.Typer(no_args_is_help=True)


@app.command("add")
def add_cmd(
    ctx: typer.Context,
    username: str = typer.Argument(..., help="Sign-in name, e.g. reception2."),
    role: str = typer.Option(..., "--role", help="receptionist | clinician | manager | admin"),
    name: str = typer.Option(..., "--name", help="Display name."),
    clinician: str | None = typer.Option(None, "--clinician", help="Clinician code from practice.toml."),
    password: str | None = typer.Option(
        None, "--password", help="Initial password (else prompted when a terminal is attached)."
    ),
) -> None:
    """Add a user (admins only)."""
    ip = get_practice(ctx)
    if password is None and typer.get_text_stream("stdin").isatty():
        password = getpass.getpass("Password for the new user: ")
    info = ip.users.create(
        acting_user(ctx), username, name, role, password=password or None, clinician_code=clinician
    )
    typer.echo(f"added {info.username} ({info.role.value})")


@app.command("list")
def list_cmd(ctx: typer.Context, fmt: str = format_option()) -> None:
    """List users and roles."""
    check_format(fmt)
    emit_list(fmt, get_practice(ctx).users.list(),
              ("username", "role", "name", "active"),
              lambda u: {"username": u.username, "role": u.role, "name": u.display_name,
                         "active": u.active},
              lambda us: (f"{u.username:<16} {u.role.value:<13} {u.display_name}"
                          f"{'' if u.active else ' (ended)'}" for u in us), "no users")


@app.command("end")
def end_cmd(ctx: typer.Context, username: str) -> None:
    """End a user: they can no longer sign in; the audit trail still names them."""
    get_practice(ctx).users.end(acting_user(ctx), username)
    typer.echo(f"ended {username}")


@app.command("unlock")
def unlock_cmd(ctx: typer.Context, username: str) -> None:
    """Clear a sign-in lockout before its time is up (admins only; audited)."""
    ip = get_practice(ctx)
    ip.users.unlock(acting_user(ctx), username)
    typer.echo(f"unlocked {username}")
