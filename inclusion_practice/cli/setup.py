"""Set-up commands: ``init``, ``demo``, ``tui`` and ``audit`` (verify, checkpoint, keys)."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from inclusion_practice.cli.app import state

audit_app = typer.Typer(no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.command("init")(init_cmd)
    app.command("demo")(demo_cmd)
    app.command("tui")(tui_cmd)


def init_cmd(
    ctx: typer.Context,
    path: Path = typer.Option(Path("practice.toml"), "--path", help="Where to write the config."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing config file."),
    admin: str = typer.Option("admin", "--admin", help="Username of the first admin user."),
    admin_password: str | None = typer.Option(
        None, "--admin-password", help="Password for the first admin (prompted when omitted)."
    ),
) -> None:
    """Write a commented example practice.toml and create an upgraded, empty database."""
    from inclusion_practice.config import example_config_text, parse_config
    from inclusion_practice.errors import InvalidInput
    from inclusion_practice.services.access import SYSTEM
    from inclusion_practice.services.audit import AuditService
    from inclusion_practice.services.users import UserService
    from inclusion_practice.storage.audit_keys import AuditSetup
    from inclusion_practice.storage.database import Database, create_db_engine
    from inclusion_practice.storage.migrate import upgrade

    if path.exists() and not force:
        raise InvalidInput("--path", f"{path} already exists (use --force to overwrite)")
    text = example_config_text()
    path.write_text(text, encoding="utf-8")
    typer.echo(f"wrote {path}: edit it for your practice (every value in it is synthetic)")
    st = state(ctx)
    st.config_path = path
    from inclusion_practice.config import resolve_database_url

    cfg = parse_config(text, str(path))
    url = resolve_database_url(st.db_option, cfg)
    engine = create_db_engine(url)
    before, after = upgrade(engine)
    engine.dispose()
    typer.echo(f"database {url}: schema {before or 'empty'} -> {after}")
    db = Database(url, audit_setup=AuditSetup.for_database(url, cfg.audit))
    audit = AuditService(db)
    try:
        for line in audit.provision():
            typer.echo(f"created {line}")
        if admin_password is None and not sys.stdin.isatty():
            typer.echo("no admin user created: pass --admin-password or run `users add` later")
        else:
            if admin_password is None:
                admin_password = typer.prompt(f"Password for admin user {admin!r}",
                                              hide_input=True, confirmation_prompt=True)
            try:
                UserService(db).create(SYSTEM, admin, "Administrator", "admin",
                                       password=admin_password)
                typer.echo(f"created admin user {admin!r}")
            except InvalidInput as exc:
                if exc.field != "username":
                    raise
                typer.echo(f"admin user {admin!r} already exists")
        written = audit.checkpoint("init")
        if written is not None:
            typer.echo(f"audit checkpoint {written}")
    finally:
        db.dispose()


def demo_cmd(
    ctx: typer.Context,
    patients: int = typer.Option(5000, "--patients", min=1, max=5_000_000, help="How many patients."),
    seed: int = typer.Option(42, "--seed", help="Same seed, same practice."),
    no_tui: bool = typer.Option(False, "--no-tui", help="Build the practice but do not open the app."),
    batch_size: int = typer.Option(2000, "--batch-size", min=100, max=100_000, hidden=True),
) -> None:
    """Build a deterministic synthetic practice, then open the reception app."""
    from inclusion_practice.api import InclusionPractice
    from inclusion_practice.services.bulk_load import BulkLoadService
    from inclusion_practice.storage.database import Database, create_db_engine
    from inclusion_practice.storage.migrate import upgrade
    from inclusion_practice.synthetic.generator import DEMO_PASSWORD, generate_practice
    from inclusion_practice.synthetic.schedule import add_demo_schedule

    st = state(ctx)
    cfg = st.config()
    url = st.database_url()
    engine = create_db_engine(url)
    upgrade(engine)
    engine.dispose()
    db = Database(url, audit_setup=st.audit_setup())
    ip = InclusionPractice(db, cfg)
    for line in ip.audit.provision():
        typer.echo(f"created {line}")
    existing = BulkLoadService(db).count("patient")
    if existing:
        typer.echo(f"{url} already holds {existing} patients: not adding more "
                   "(point --db at a new database for a fresh practice)")
    else:
        from inclusion_practice.services.demo_marker import mark_demo_database

        # Marks the database as the demo (CLI writes then need no credential); refused when it
        # already holds users, so a live practice can never be turned into a "demo".
        mark_demo_database(db, f"synthetic practice, {patients} patients, seed {seed}")
        typer.echo(f"building a synthetic practice of {patients:,} patients (seed {seed}) in {url}")
        with typer.progressbar(length=patients, label="patients", show_pos=True,
                               file=sys.stderr) as bar:
            last = [0]

            def progress(done: int, total: int) -> None:
                bar.update(done - last[0])
                last[0] = done

            summary = generate_practice(db, cfg, patients=patients, seed=seed,
                                        batch_size=batch_size, progress=progress)
        sessions, appointments = add_demo_schedule(ip, seed=seed)
        summary.sessions, summary.appointments = sessions, appointments
        from inclusion_practice.synthetic.mdt import add_demo_mdt

        discussed, referrals = add_demo_mdt(ip)
        for line in summary.lines():
            typer.echo(line)
        ip.audit.checkpoint("demo practice built")
        typer.echo(f"MDT: last meeting discussed {discussed} patients; {referrals} referrals to partners")
        typer.echo(f"demo users: reception1, drokafor, manager1, admin1 … password {DEMO_PASSWORD!r}")
    db.dispose()
    if no_tui or not (sys.stdin.isatty() and sys.stdout.isatty()):
        return
    _run_tui(url, cfg)


def tui_cmd(ctx: typer.Context) -> None:
    """Open the reception and practice-manager app."""
    st = state(ctx)
    _run_tui(st.database_url(), st.config())


def _run_tui(url: str, cfg: object) -> None:
    """Open the terminal app through its entry point.

    The library never imports the app: the ``tui`` package registers itself under the
    ``inclusion_practice.ui`` entry-point group and is loaded only when asked for.
    """
    from importlib.metadata import entry_points

    from inclusion_practice.api import InclusionPractice
    from inclusion_practice.errors import InclusionPracticeError

    found = entry_points(group="inclusion_practice.ui", name="tui")
    if not found:
        raise InclusionPracticeError("the terminal app (tui) is not installed")
    launch = next(iter(found)).load()
    ip = InclusionPractice.open(url, config=cfg)  # type: ignore[arg-type]
    try:
        launch(ip)
    finally:
        ip.close()


@audit_app.command("verify")
def audit_verify_cmd(
    ctx: typer.Context,
    public_key: list[Path] | None = typer.Option(
        None, "--public-key", help="Public key the checkpoints are signed with (repeat for "
        "retired keys; default: the audit folder's signing.pub and the ones kept beside it)."),
    checkpoints: Path | None = typer.Option(
        None, "--checkpoints", help="Folder of signed checkpoints (default: the audit folder's)."),
    no_key: bool = typer.Option(
        False, "--no-key", help="Check without the MAC key: signatures and checkpoints only."),
) -> None:
    """Check the audit trail: every row's MAC, the chain of links, and the signed checkpoints
    kept outside the database. Each edited, removed, copied or re-hashed row, a removed tail,
    an emptied or replaced chain is named; exit 1 if anything is found."""
    from inclusion_practice.errors import AuditChainBroken

    check = state(ctx).practice().audit.verify(
        public_keys=public_key or None, checkpoint_dir=checkpoints, use_key=not no_key)
    for note in check.notes:
        typer.echo(f"note: {note}")
    if not check.ok:
        for problem in check.problems:
            typer.echo(f"FOUND: {problem}", err=True)
        raise AuditChainBroken(
            f"audit chain broken: {len(check.problems)} finding"
            f"{'s' if len(check.problems) != 1 else ''} ({check.rows} rows checked, "
            f"{check.checkpoints} checkpoints)")
    unsealed = f", {check.unsealed} not yet sealed" if check.unsealed else ""
    typer.echo(f"audit chain intact: {check.rows} rows ({check.sealed} sealed{unsealed}); "
               f"{check.checkpoints} signed checkpoint{'s' if check.checkpoints != 1 else ''} "
               "checked")


@audit_app.command("checkpoint")
def audit_checkpoint_cmd(
    ctx: typer.Context,
    reason: str = typer.Option("scheduled", "--reason", help="Why (shown by `audit verify`)."),
) -> None:
    """Seal the chain and write a signed checkpoint of its head outside the database (run it
    from cron, e.g. hourly; backups, returns and exports write one too)."""
    path = state(ctx).practice().audit.checkpoint(reason, required=True)
    typer.echo(f"audit checkpoint {path}")


@audit_app.command("seal")
def audit_seal_cmd(ctx: typer.Context) -> None:
    """Link every committed row into the chain now (writes do this themselves; after an
    upgrade from schema 0006 this adopts the old chain)."""
    typer.echo(f"sealed {state(ctx).practice().audit.seal()} rows")


@audit_app.command("rotate-key")
def audit_rotate_key_cmd(
    ctx: typer.Context,
    signing: bool = typer.Option(False, "--signing",
                                 help="Replace the checkpoint signing key instead."),
) -> None:
    """Make a new MAC key current in the keyring (old rows keep verifying: the old key stays
    in the keyring). Restart every terminal afterwards so they all use the new key."""
    audit = state(ctx).practice().audit
    if signing:
        old, new = audit.rotate_signing_key()
        typer.echo(f"checkpoint signing key {old} -> {new} (the old public key is kept beside "
                   "the new one; give verifiers the new signing.pub)")
        return
    old, new = audit.rotate_key()
    typer.echo(f"audit key {old} -> {new}; restart the terminals")


@audit_app.command("access")
def audit_access_cmd(
    ctx: typer.Context,
    patient: int | None = typer.Option(None, "--patient", help="Who looked at this patient's record."),
    user: str | None = typer.Option(None, "--user", help="Which records this user looked at."),
    since: str | None = typer.Option(None, "--since", help="Only from this day (DD/MM/YYYY)."),
) -> None:
    """The access log: who read a patient's record, when and through what (subject access,
    complaints). Managers and admins."""
    from inclusion_practice.domain.dates import parse_day, show_day
    from inclusion_practice.errors import InvalidInput

    st = state(ctx)
    ip = st.practice()
    day = parse_day(since, "--since", today=ip.clock.today())
    if (patient is None) == (user is None):
        raise InvalidInput("--patient", "say --patient N or --user NAME")
    actor = st.actor()
    rows = (ip.access_log.for_patient(actor, patient, since=day) if patient is not None
            else ip.access_log.by_user(actor, user or "", since=day))
    if not rows:
        typer.echo("no recorded access")
    for r in rows:
        when = f"{show_day(r.at.date())} {r.at:%H:%M}"
        typer.echo(f"{when}  {r.actor} ({r.role}) via {r.channel}: {r.purpose}, "
                   f"{r.patient_count} patient{'s' if r.patient_count != 1 else ''}")


@audit_app.command("sign-ins")
def audit_sign_ins_cmd(
    ctx: typer.Context,
    user: str | None = typer.Option(None, "--user", help="Only attempts for this username."),
    since: str | None = typer.Option(None, "--since", help="Only attempts on or after this day (e.g. 01/12/2026)."),
    limit: int = typer.Option(1000, "--limit", help="At most this many rows (newest first)."),
) -> None:
    """Every recorded sign-in attempt, newest first (managers and admins)."""
    from inclusion_practice.cli.app import acting_user
    from inclusion_practice.cli.dates import parse_date

    st = state(ctx)
    rows = st.practice().users.sign_ins(acting_user(ctx), username=user,
                                        since=parse_date(since, "--since"), limit=limit)
    if not rows:
        typer.echo("no sign-in attempts recorded")
        return
    for r in rows:
        who = r.username or "-"
        known = "" if r.known_user or r.username is None else " (no such user)"
        typer.echo(f"{r.at:%Y-%m-%d %H:%M:%S}  {r.channel:<4}  {r.outcome:<12}  {who}{known}  "
                   f"at {r.terminal}")
