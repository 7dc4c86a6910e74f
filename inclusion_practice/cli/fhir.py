"""``inclusion-practice fhir …`` (import, export, validate, API tokens) and ``serve``."""

from __future__ import annotations

from pathlib import Path

import typer

from inclusion_practice.cli.app import acting_user, get_practice
from inclusion_practice.cli.dates import parse_date
from inclusion_practice.cli.progress import progress, wanted

app = typer.Typer(no_args_is_help=True)
token_app = typer.Typer(no_args_is_help=True)
app.add_typer(token_app, name="token", help="REST API tokens (admins).")


def register(root: typer.Typer) -> None:
    root.command("serve")(serve_cmd)


@app.command("import")
def import_cmd(
    ctx: typer.Context,
    files: list[Path] = typer.Argument(..., help="Bundles (.json) or NDJSON (.ndjson) files."),
    quiet: bool = typer.Option(False, "--quiet", help="No progress bar."),
) -> None:
    """Import FHIR R4 Bundles and NDJSON (Patient, Flag, Appointment, coded events).

    Idempotent; a transaction Bundle is all or nothing. Exit code 2 when anything was refused.
    """
    from inclusion_practice.errors import InclusionPracticeError
    from inclusion_practice.fhir.importer import FhirImporter

    ip = get_practice(ctx)
    actor = acting_user(ctx)
    imp = FhirImporter(ip.services)
    with progress("importing resources", show=wanted(quiet=quiet)) as bar:
        reports = imp.import_files(actor, files, progress=bar.advance if bar.shown else None)
    problems = 0
    for report in reports:
        typer.echo(report.summary())
        for p in report.problems:
            typer.echo(f"  {p}", err=True)
        if report.more_problems:
            typer.echo(f"  … and {report.more_problems} more problems", err=True)
        problems += len(report.problems) + report.more_problems
    if problems:
        raise InclusionPracticeError(f"{problems} problems (listed above)")


@app.command("export")
def export_cmd(
    ctx: typer.Context,
    out: Path = typer.Option(..., "--out", help="A .json file (Bundle) or, with --ndjson, a folder."),
    ndjson: bool = typer.Option(False, "--ndjson", help="One NDJSON file per resource type."),
    since: str | None = typer.Option(None, "--since", help="Only changes/events from this day (e.g. 01/04/2026)."),
    patient: list[int] = typer.Option([], "--patient", help="Only this patient (repeatable)."),
    types: str | None = typer.Option(
        None, "--types", help="Comma-separated: Patient,Flag,Schedule,Slot,Appointment,"
                              "MeasureReport (default: all but MeasureReport)."),
    period: str | None = typer.Option(None, "--period", help="MeasureReports for this period "
                                                             "(e.g. 2025/26)."),
    quiet: bool = typer.Option(False, "--quiet", help="No progress bar."),
) -> None:
    """Export Patient, Flag, Schedule, Slot, Appointment (and MeasureReport) as FHIR R4."""
    from inclusion_practice.errors import InvalidInput
    from inclusion_practice.fhir.exporter import EXPORT_TYPES, ExportFilter, FhirExporter

    ip = get_practice(ctx)
    actor = acting_user(ctx)
    since_day = parse_date(since, "--since")
    chosen = tuple(t.strip() for t in types.split(",")) if types else tuple(
        t for t in EXPORT_TYPES if t != "MeasureReport" or period)
    flt = ExportFilter(types=chosen, since=since_day,
                       patient_ids=tuple(patient) if patient else None, measure_period=period)
    ex = FhirExporter(ip.services)
    if not ndjson and out.suffix.lower() != ".json":
        raise InvalidInput("--out", "a Bundle is written to a .json file (or use --ndjson)")
    with progress(f"exporting to {out}", show=wanted(quiet=quiet)) as bar:
        tick = bar.advance if bar.shown else None
        if ndjson:
            summary = ex.write_ndjson(actor, out, flt, progress=tick)
        else:
            summary = ex.write_bundle(actor, out, flt, progress=tick)
    for line in summary.lines():
        typer.echo(line)


@app.command("validate")
def validate_cmd(
    ctx: typer.Context,
    file: Path = typer.Argument(..., help="A Bundle, resource or NDJSON file."),
) -> None:
    """Check a file as the importer would (structure, codes, NHS numbers), writing nothing."""
    from inclusion_practice.errors import InclusionPracticeError
    from inclusion_practice.fhir.importer import FhirImporter

    ip = get_practice(ctx)
    report = FhirImporter(ip.services).check_file(file)
    for p in report.problems:
        typer.echo(f"  {p}", err=True)
    if not report.ok:
        raise InclusionPracticeError(
            f"{file}: {report.rejected} of {report.read} resources have problems")
    typer.echo(f"{file}: {report.read} resources, all valid")


@token_app.command("create")
def token_create_cmd(
    ctx: typer.Context,
    username: str = typer.Argument(..., help="The user the token acts as (its role applies)."),
    label: str = typer.Option(..., "--label", help="What it is for, e.g. 'EMIS feed'."),
) -> None:
    """Make an API token. It is shown once: store it safely."""
    from inclusion_practice.services.api_tokens import ApiTokenService

    ip = get_practice(ctx)
    token = ApiTokenService(ip.db).create(acting_user(ctx), username, label)
    typer.echo(token)


@token_app.command("list")
def token_list_cmd(ctx: typer.Context) -> None:
    """List API tokens (never the tokens themselves)."""
    from inclusion_practice.services.api_tokens import ApiTokenService

    for t in ApiTokenService(get_practice(ctx).db).list():
        typer.echo(f"{t.id}\t{t.username}\t{'active' if t.active else 'revoked'}\t{t.label}")


@token_app.command("revoke")
def token_revoke_cmd(ctx: typer.Context, token_id: int = typer.Argument(...)) -> None:
    """Revoke an API token by its id (from ``fhir token list``)."""
    from inclusion_practice.services.api_tokens import ApiTokenService

    ApiTokenService(get_practice(ctx).db).revoke(acting_user(ctx), token_id)
    typer.echo(f"revoked token {token_id}")


def serve_cmd(
    ctx: typer.Context,
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on."),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="Port."),
    max_count: int = typer.Option(500, "--max-count", min=1, max=1000,
                                  help="Most results one search page may hold (_count)."),
    max_body_mb: int = typer.Option(10, "--max-body-mb", min=1, max=1024,
                                    help="Larger request bodies are refused with 413."),
) -> None:
    """Run the FHIR REST API for practice IT (OpenAPI at /docs and /openapi.json)."""
    from inclusion_practice.rest import serve

    serve(get_practice(ctx), host, port, max_count=max_count,
          max_body_bytes=max_body_mb * 1024 * 1024)
