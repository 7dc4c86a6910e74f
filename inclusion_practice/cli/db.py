"""``inclusion-practice db``: the schema is created and changed only through Alembic."""

from __future__ import annotations

from pathlib import Path

import typer

from inclusion_practice.cli.app import State, state

app = typer.Typer(no_args_is_help=True)


@app.command("upgrade")
def upgrade_cmd(ctx: typer.Context) -> None:
    """Create the schema, or upgrade it to this version. Back up first on a live practice."""
    from inclusion_practice.storage.database import create_db_engine
    from inclusion_practice.storage.migrate import upgrade

    url = state(ctx).database_url()
    engine = create_db_engine(url)
    before, after = upgrade(engine)
    engine.dispose()
    if before == after:
        typer.echo(f"already at {after}: nothing to do")
    else:
        typer.echo(f"upgraded {before or 'empty database'} -> {after}")


@app.command("current")
def current_cmd(ctx: typer.Context) -> None:
    """Report the schema revision and whether it is this version's."""
    from inclusion_practice.storage.database import create_db_engine
    from inclusion_practice.storage.migrate import current_revision, head_revision

    engine = create_db_engine(state(ctx).database_url())
    current = current_revision(engine)
    engine.dispose()
    head = head_revision()
    status = "up to date" if current == head else "out of date: run `inclusion-practice db upgrade`"
    typer.echo(f"{current or 'none'} (head {head}; {status})")


@app.command("backup")
def backup_cmd(ctx: typer.Context, file: Path = typer.Argument(..., help="Backup file to write.")) -> None:
    """Back up the database (SQLite: online backup API; PostgreSQL: pg_dump custom format)."""
    from inclusion_practice.storage.backup import backup

    st = state(ctx)
    written = _checkpoint(st, f"backup {file.name}")
    size = backup(st.database_url(), file)
    typer.echo(f"backed up to {file} ({size:,} bytes)")
    if written is not None:
        typer.echo(f"audit checkpoint {written}")


@app.command("restore")
def restore_cmd(
    ctx: typer.Context,
    file: Path = typer.Argument(..., help="Backup file made by `db backup`."),
    yes: bool = typer.Option(False, "--yes", help="Confirm replacing the current database."),
) -> None:
    """Replace the database with a backup. Stop every terminal first."""
    from inclusion_practice.errors import InvalidInput
    from inclusion_practice.storage.backup import restore

    if not yes:
        raise InvalidInput("--yes", "restoring replaces the current database: add --yes to confirm")
    st = state(ctx)
    restore(st.database_url(), file)
    typer.echo(f"restored from {file}")
    written = _checkpoint(st, file.name, restored=True)
    if written is not None:
        typer.echo(f"audit restore record {written} (checkpoints after the backup are superseded)")
    else:
        typer.echo("no signing key here: run `audit verify` where it is, and expect it to report "
                   "the rows after the backup as removed")


def _checkpoint(st: State, reason: str, *, restored: bool = False) -> Path | None:
    """A signed checkpoint (or restore record) where this machine has the signing key; none
    for a database at an older schema (backing up before an upgrade)."""
    from inclusion_practice.errors import SchemaOutOfDate

    try:
        audit = st.practice().audit
    except SchemaOutOfDate:
        return None
    return audit.restored(reason) if restored else audit.checkpoint(reason)
