"""``inclusion-practice indicators``: run indicator sets, worklists, explanations, validation."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import typer

from inclusion_practice.cli.app import acting_user, get_practice
from inclusion_practice.cli.listing import render
from inclusion_practice.indicators.verification import code_warnings

app = typer.Typer(no_args_is_help=True)

FORMATS = ("table", "csv", "json", "fhir")


def _pct(v: float | None) -> str:
    return "-" if v is None else f"{v:.1f}%"


def _emit(text: str, out: Path | None) -> None:
    if out is None:
        typer.echo(text, nl=not text.endswith("\n"))
    else:
        out.write_text(text, encoding="utf-8")
        typer.echo(f"written {out}", err=True)


def _result_rows(res: Any) -> list[dict[str, Any]]:
    rows = []
    for r in res.results:
        rows.append(
            {
                "indicator": r.indicator_id,
                "title": r.title,
                "numerator": r.counts.numerator,
                "denominator": r.counts.denominator,
                "exceptions": r.counts.exceptions,
                "achievement": None if r.achievement is None else round(r.achievement, 2),
                "points": r.points,
                "max_points": r.max_points,
                "events": r.counts.events,
                "prevalence_factor": r.prevalence_factor,
                "points_pounds": r.points_pounds,
                "per_patient_pounds": r.per_patient_pounds,
                "per_event_pounds": r.per_event_pounds,
                "payment": r.payment,
                "placeholder": r.placeholder,
            }
        )
    return rows


def _table(res: Any) -> str:
    head = f"{res.set_title} ({res.set_id} {res.set_version}) — period {res.period.label} " \
        f"({res.period.start} to {res.period.end}), engine {res.engine}"
    lines = [head, ""]
    lines.append(f"{'ID':<9} {'A':>6} {'B':>6} {'C':>5} {'A/(B-C)':>8} {'points':>11} {'payment £':>11}  title")
    for r in res.results:
        pts = f"{r.points:.2f}/{r.max_points:g}" if r.kind == "proportion" else "register"
        lines.append(
            f"{r.indicator_id:<9} {r.counts.numerator:>6} {r.counts.denominator:>6} {r.counts.exceptions:>5} "
            f"{_pct(r.achievement):>8} {pts:>11} {r.payment:>11,.2f}  {r.title}"
        )
    lines.append("")
    year = f" {res.rates.financial_year}" if res.rates is not None else ""
    lines.append(
        f"Total {res.total_points:.2f} points, £{res.total_payment:,.2f} "
        f"(£{res.pounds_per_point:.2f}/point{year}, contractor population index "
        f"{res.list_size_factor:.3f} for a list of {res.list_size:,})."
    )
    if res.rates is not None:
        lines.extend(res.rates.notes)
    if any(r.placeholder for r in res.results):
        lines.append("Thresholds and payments are placeholders until the commissioner agrees them.")
    return "\n".join(lines) + "\n"


@app.command("list")
def list_cmd(
    ctx: typer.Context,
    set_ref: str | None = typer.Option(None, "--set", help="Show only this set (id or file)."),
) -> None:
    """List indicator sets and their indicators."""
    ip = get_practice(ctx)
    if set_ref:
        one = ip.indicators.load_set(set_ref)
        typer.echo(f"{one.id} {one.version}: {one.title}")
        for ind in one.indicators:
            typer.echo(f"  {ind.id:<10} {ind.title}")
        return
    for summary in ip.indicators.list_sets():
        default = " (default)" if summary.default else ""
        typer.echo(f"{summary.id} {summary.version}{default}: {summary.title}")
        for iid, title in summary.indicators:
            typer.echo(f"  {iid:<10} {title}")


@app.command("run")
def run_cmd(
    ctx: typer.Context,
    period: str = typer.Option(..., "--period", help="2025/26, 2025Q3 or 2025-04-01..2026-03-31."),
    set_ref: str | None = typer.Option(None, "--set", help="Set id or TOML file (default: practice's)."),
    fmt: str = typer.Option("table", "--format", help="table | csv | json | fhir"),
    out: Path | None = typer.Option(None, "--out", help="Write to this file instead of the screen."),
    engine: str | None = typer.Option(
        None, "--engine",
        help="auto (DuckDB when installed, else sql) | duckdb | sql (in the database) | memory "
        "(the slow reference evaluator). Default: the practice's reporting.indicator_engine.",
    ),
    subjects: bool = typer.Option(False, "--subject-list", help="FHIR: list the patients in each population."),
) -> None:
    """Run a set for a period: A, B, C, achievement, points and payment per indicator."""
    from inclusion_practice.errors import InvalidInput

    if fmt not in FORMATS:
        raise InvalidInput("--format", f"{fmt!r}: use one of {', '.join(FORMATS)}")
    ip = get_practice(ctx)
    actor = acting_user(ctx)
    from inclusion_practice.cli.progress import progress, wanted

    with progress(f"running indicators for {period}", show=wanted(fmt=fmt)):
        res = ip.indicators.run(actor, period, set_ref, engine=engine)
    if fmt == "table":
        _emit(_table(res), out)
    elif fmt == "csv":
        buf = io.StringIO()
        rows = _result_rows(res)
        writer = csv.DictWriter(buf, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
        _emit(buf.getvalue(), out)
    elif fmt == "json":
        doc = {
            "set": res.set_id,
            "version": res.set_version,
            "period": {"label": res.period.label, "start": str(res.period.start), "end": str(res.period.end)},
            "engine": res.engine,
            "pounds_per_point": res.pounds_per_point,
            "list_size_factor": res.list_size_factor,
            "list_size": res.list_size,
            "financial_year": res.rates.financial_year if res.rates is not None else None,
            "payment_notes": list(res.rates.notes) if res.rates is not None else [],
            "total_points": res.total_points,
            "total_payment": res.total_payment,
            "indicators": [
                {
                    **row,
                    "strata": {
                        dim: {k: {"numerator": c.numerator, "denominator": c.denominator,
                                  "exceptions": c.exceptions} for k, c in getattr(r, attr).items()}
                        for dim, attr in (("sex", "by_sex"), ("age_band", "by_age_band"), ("category", "by_category"))
                    },
                }
                for row, r in zip(_result_rows(res), res.results, strict=True)
            ],
        }
        _emit(json.dumps(doc, indent=2) + "\n", out)
    else:
        from inclusion_practice.fhir.measure_report import measure_report, set_bundle

        cfg = ip.config
        when = res.generated_at
        reports = []
        for r in res.results:
            outcomes = ip.indicators.outcomes(actor, r.indicator_id, res.period, set_ref) if subjects else None
            reports.append(
                measure_report(
                    r, str(res.period.start), str(res.period.end),
                    ods_code=cfg.practice.ods_code, practice_name=cfg.practice.name, generated_at=when,
                    report_type="subject-list" if subjects else "summary", outcomes=outcomes,
                )
            )
        _emit(json.dumps(set_bundle(reports, when), indent=2) + "\n", out)


WITHHELD_REASON = "held back from your role: on the register only through a restricted category"
WORKLIST_FORMATS = ("table", "csv", "json")


@app.command("missing")
def missing_cmd(
    ctx: typer.Context,
    indicator_id: str = typer.Argument(..., help="Indicator id, e.g. IH003."),
    period: str = typer.Option(..., "--period", help="2025/26, 2025Q3 or a date range."),
    set_ref: str | None = typer.Option(None, "--set", help="Set id or TOML file."),
    limit: int = typer.Option(0, "--limit", help="Show at most this many (0: all)."),
    fmt: str = typer.Option("table", "--format", help="table (the worklist) | csv | json (every "
                            "denominator patient, and the withheld count)"),
    out: Path | None = typer.Option(None, "--out", help="Write to this file instead of stdout."),
) -> None:
    """The worklist: patients still needing something done, due first, with the reason.

    Patients held back from your role are counted as withheld, never listed, so the lists and
    the withheld count add up to the indicator's denominator."""
    from inclusion_practice.errors import InvalidInput

    if fmt not in WORKLIST_FORMATS:
        raise InvalidInput("--format", f"{fmt!r}: use one of {', '.join(WORKLIST_FORMATS)}")
    ip = get_practice(ctx)
    lists = ip.indicators.patients(acting_user(ctx), indicator_id, period, set_ref)
    if fmt == "json":
        out_rows = [{"status": p.status, "patient_id": p.patient_id, "name": p.name,
                     "due": p.due, "last_done": p.last_done, "reason": p.reason, "count": 1}
                    for p in (*lists.missing, *lists.excepted, *lists.numerator)]
        out_rows.append({"status": "withheld", "reason": WITHHELD_REASON,
                         "count": lists.withheld})
        _emit(render(out_rows, ("status", "patient_id", "name", "due", "last_done", "reason",
                                "count"), "json"), out)
        return
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(("status", "patient_id", "name", "due", "last_done", "reason", "count"))
        for p in (*lists.missing, *lists.excepted, *lists.numerator):
            writer.writerow((p.status, p.patient_id, p.name, p.due or "", p.last_done or "",
                             p.reason, 1))
        writer.writerow(("withheld", "", "", "", "", WITHHELD_REASON, lists.withheld))
        _emit(buf.getvalue(), out)
        return
    rows = lists.missing[:limit] if limit else lists.missing
    lines = [
        f"{lists.indicator_id} {lists.title} — {lists.period.label}: {len(lists.missing)} to do, "
        f"{len(lists.numerator)} achieved, {len(lists.excepted)} excepted, "
        f"{lists.withheld} withheld"
    ]
    if lists.withheld:
        lines.append(f"  {lists.withheld} withheld: {WITHHELD_REASON}")
    for p in rows:
        last = f"last {p.last_done}" if p.last_done else "never"
        lines.append(f"{p.patient_id:>7}  {p.name:<28} due {p.due}  ({last})  {p.reason}")
    _emit("\n".join(lines) + "\n", out)


@app.command("explain")
def explain_cmd(
    ctx: typer.Context,
    indicator_id: str = typer.Argument(..., help="Indicator id."),
    patient: int = typer.Option(..., "--patient", help="Patient id."),
    period: str = typer.Option(..., "--period", help="2025/26, 2025Q3 or a date range."),
    set_ref: str | None = typer.Option(None, "--set", help="Set id or TOML file."),
) -> None:
    """Which rule put one patient where for one indicator."""
    ip = get_practice(ctx)
    ex = ip.indicators.explain(acting_user(ctx), indicator_id, patient, period, set_ref)
    typer.echo(f"{ex.indicator_id} {ex.title} — patient {ex.patient_id}, {ex.period.label}: {ex.population}")
    for s in ex.steps:
        typer.echo(f"  [{'x' if s.passed else ' '}] {s.stage:<11} {s.rule}: {s.detail}")


@app.command("validate")
def validate_cmd(
    ctx: typer.Context,
    path: Path = typer.Argument(..., help="Indicator set TOML file."),
) -> None:
    """Check a set file; errors name the file, the indicator and the key.

    Warns (on stderr, exit 0) for each local or unverified code the set depends on.
    """
    s = get_practice(ctx).indicators.validate(path)
    typer.echo(f"{path}: valid — {s.id} {s.version}, {len(s.indicators)} indicators, "
               f"code lists: {', '.join(sorted(s.codelists))}")
    warnings = code_warnings(s)
    for w in warnings:
        typer.echo(str(w), err=True)
    if warnings:
        local = sum(w.kind == "local" for w in warnings)
        typer.echo(f"{local} local and {len(warnings) - local} unverified codes: see "
                   "docs/indicators.md, 'Code lists and their sources'", err=True)
