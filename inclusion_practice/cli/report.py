"""``report``: the commissioner returns (LES annual, PCTMS annual, quarterly activity).

    inclusion-practice --as manager1 report les --period 2025/26 --out les-2025-26.pdf \\
        --csv les-2025-26.csv --json les-2025-26.json --fhir les-2025-26.fhir.json
    inclusion-practice --as manager1 report quarterly --period 2025Q3 --publishable

The ``reports`` package is imported inside each command, so the library never depends on it and
``--help`` stays fast. Progress goes to stderr, one line per step, with the elapsed time.
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path

import typer

from inclusion_practice.cli.app import acting_user, get_practice
from inclusion_practice.errors import InvalidInput

app = typer.Typer(no_args_is_help=True)

PERIOD_HELP = "Financial year, e.g. 2025/26 (default: the last complete year)."
QUARTER_HELP = "Quarter of the financial year, e.g. 2025Q3 (default: the last complete quarter)."


def _creation_date(text: str | None) -> dt.datetime | None:
    """``--creation-date``: an ISO date or date-time; naive values are taken as UTC."""
    if text is None:
        return None
    try:
        value = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(
            "--creation-date", f"{text!r} is not an ISO date or date-time, e.g. 2026-04-30T09:00"
        ) from None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _run(
    ctx: typer.Context,
    kind_value: str,
    period: str | None,
    out: Path | None,
    csv: Path | None,
    json_path: Path | None,
    fhir: Path | None,
    publishable: bool,
    creation_date: str | None,
    indicator_set: str | None,
    no_trend: bool,
) -> None:
    from reports.figures import ReturnKind
    from reports.service import Outputs, ReturnsService

    kind = ReturnKind(kind_value)
    fixed_date = _creation_date(creation_date)
    if fhir is not None and publishable:
        raise InvalidInput("--fhir", "the FHIR Bundle carries exact counts; leave out --publishable")
    from inclusion_practice.cli.progress import progress as progress_bar
    from inclusion_practice.cli.progress import wanted

    ip = get_practice(ctx)
    actor = acting_user(ctx)
    if out is not None:  # check folders before the slow part
        Outputs(out, csv, json_path, fhir).check()
    service = ReturnsService(ip)
    started = time.perf_counter()
    with progress_bar(f"{kind.value} return", show=wanted()) as bar:
        figures = service.build(actor, kind, period, publishable=publishable,
                                indicator_set=indicator_set, with_trend=not no_trend,
                                progress=bar.stage, creation_date=fixed_date)
        outputs = Outputs(out or Path(f"{figures.file_stem}.pdf"), csv, json_path, fhir)
        written = service.write(figures, outputs, progress=bar.stage)
    if bar.shown:
        typer.echo(f"made in {time.perf_counter() - started:.1f}s", err=True)
    total = figures.current
    typer.echo(f"{figures.title}, {figures.practice.name} ({figures.practice.ods_code}), "
               f"{figures.period.label}"
               + (" [provisional]" if figures.provisional else ""))
    if not figures.suppressed:
        typer.echo(f"  register at period end: {total.register_total.at_end}; "
                   f"points {total.total_points:.2f}; claim £{total.total_payment:,.2f}")
    typer.echo("  " + figures.suppression.statement)
    for path in written:
        typer.echo(f"wrote {path}")
    sys.stdout.flush()


_OUT = typer.Option(None, "--out", help="The PDF (default: <return>-<ODS>-<period>.pdf here).")
_CSV = typer.Option(None, "--csv", help="Also write the figures as CSV (one line per cell).")
_JSON = typer.Option(None, "--json", help="Also write the figures as JSON.")
_FHIR = typer.Option(None, "--fhir", help="Also write a FHIR Bundle of MeasureReports.")
_PUB = typer.Option(
    False, "--publishable",
    help="Mark for publication: small numbers suppressed (≤7, others rounded to 5), money withheld.",
)
_DATE = typer.Option(
    None, "--creation-date",
    help="The return's creation moment (ISO): sets 'produced on', the default period and every "
    "timestamp in the PDF, CSV, JSON and FHIR, so reruns give identical files.",
)
_SET = typer.Option(None, "--set", help="Indicator set id or TOML file (default: the return's).")
_NO_TREND = typer.Option(
    False, "--no-trend", help="Leave out the quarterly trend (up to three fewer indicator runs)."
)


@app.command("les")
def les_cmd(
    ctx: typer.Context,
    period: str | None = typer.Option(None, "--period", help=PERIOD_HELP),
    out: Path | None = _OUT,
    csv: Path | None = _CSV,
    json_path: Path | None = _JSON,
    fhir: Path | None = _FHIR,
    publishable: bool = _PUB,
    creation_date: str | None = _DATE,
    indicator_set: str | None = _SET,
    no_trend: bool = _NO_TREND,
) -> None:
    """Annual inclusion-health enhanced-service (LES) return for a financial year."""
    _run(ctx, "les", period, out, csv, json_path, fhir, publishable, creation_date, indicator_set,
         no_trend)


@app.command("pctms")
def pctms_cmd(
    ctx: typer.Context,
    period: str | None = typer.Option(None, "--period", help=PERIOD_HELP),
    out: Path | None = _OUT,
    csv: Path | None = _CSV,
    json_path: Path | None = _JSON,
    fhir: Path | None = _FHIR,
    publishable: bool = _PUB,
    creation_date: str | None = _DATE,
    indicator_set: str | None = _SET,
    no_trend: bool = _NO_TREND,
) -> None:
    """Annual PCTMS local-measures report for a financial year."""
    _run(ctx, "pctms", period, out, csv, json_path, fhir, publishable, creation_date,
         indicator_set, no_trend)


@app.command("quarterly")
def quarterly_cmd(
    ctx: typer.Context,
    period: str | None = typer.Option(None, "--period", help=QUARTER_HELP),
    out: Path | None = _OUT,
    csv: Path | None = _CSV,
    json_path: Path | None = _JSON,
    fhir: Path | None = _FHIR,
    publishable: bool = _PUB,
    creation_date: str | None = _DATE,
    indicator_set: str | None = _SET,
    no_trend: bool = _NO_TREND,
) -> None:
    """Quarterly activity return: the quarter and the financial year to date."""
    _run(ctx, "quarterly", period, out, csv, json_path, fhir, publishable, creation_date,
         indicator_set, no_trend)
