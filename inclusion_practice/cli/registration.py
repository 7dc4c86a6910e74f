"""``inclusion-practice registration``: refusals (recorded, written to, summarised) and who was
registered on a date."""

from __future__ import annotations

from typing import Any

import typer

from inclusion_practice.cli.app import acting_user, get_practice
from inclusion_practice.cli.dates import parse_date
from inclusion_practice.cli.listing import check_format, emit_list, format_option, render
from inclusion_practice.domain.periods import financial_year_of, parse_period
from inclusion_practice.errors import InvalidInput

app = typer.Typer(no_args_is_help=True)


@app.command("refuse")
def refuse_cmd(
    ctx: typer.Context,
    given: str = typer.Option(..., "--given", help="Given name as the person gave it."),
    family: str = typer.Option(..., "--family", help="Family name as the person gave it."),
    reason: str = typer.Option(
        ..., "--reason",
        help="outside_boundary | list_closed | special_allocation_scheme | "
             "other_reasonable_ground (never no ID, no address, immigration status or a "
             "protected characteristic)",
    ),
    detail: str | None = typer.Option(None, "--detail", help="What happened, in a few words (never a forbidden ground)."),
    on: str | None = typer.Option(None, "--on", help="Date refused (default today)."),
    dob: str | None = typer.Option(None, "--dob", help="Date of birth, if the person gave it (for the age-band breakdown)."),
    age: int | None = typer.Option(None, "--age", help="Age in years, if no date of birth."),
    age_band: str | None = typer.Option(None, "--age-band", help="0-15, 16-24, ... 65+."),
    ethnicity: str | None = typer.Option(
        None, "--ethnicity", help="UK Core ethnic category (England): A-S, Z not stated, 99 not known."
    ),
) -> None:
    """Record a refused registration; the written reason is due within 14 days."""
    r = get_practice(ctx).refusals.record(
        acting_user(ctx), given, family, reason, detail=detail,
        refused_on=parse_date(on, "--on"), date_of_birth=parse_date(dob, "--dob"),
        age=age, age_band=age_band, ethnic_category=ethnicity,
    )
    typer.echo(f"recorded refusal {r.id}: {r.given_name} {r.family_name} on {r.refused_on} "
               f"({r.reason.label}); written reason due by {r.written_reason_due}")


@app.command("refusal-sent")
def refusal_sent_cmd(
    ctx: typer.Context,
    refusal_id: int = typer.Argument(...),
    on: str | None = typer.Option(None, "--on", help="Date sent (default today)."),
) -> None:
    """Record that the written reason was sent."""
    r = get_practice(ctx).refusals.mark_sent(acting_user(ctx), refusal_id, parse_date(on, "--on"))
    late = " (late)" if r.written_reason_sent_on and r.written_reason_sent_on > r.written_reason_due else ""
    typer.echo(f"refusal {r.id}: written reason sent on {r.written_reason_sent_on}{late}")


@app.command("refusals")
def refusals_cmd(
    ctx: typer.Context,
    year: str | None = typer.Option(None, "--year", help="Financial year, e.g. 2025/26."),
    period: str | None = typer.Option(None, "--period", help="2025Q3 or 2025-04-01..2026-03-31."),
    list_them: bool = typer.Option(False, "--list", help="List each refusal (front desk)."),
    unsent: bool = typer.Option(False, "--unsent", help="With --list: only letters not yet sent."),
    by: str | None = typer.Option(
        None, "--by", help="reason | age | ethnicity (or several, comma separated): one table."
    ),
    fmt: str = format_option(),
) -> None:
    """Refusals by reason and age band for the commissioner (managers), or --list them."""
    check_format(fmt)
    ip = get_practice(ctx)
    if year and period:
        raise InvalidInput("--period", "give --year or --period, not both")
    p = parse_period(year or period or "", "--year" if year else "--period") if (year or period) \
        else financial_year_of(ip.clock.today())
    if list_them:
        rows = ip.refusals.list(acting_user(ctx), p, unsent_only=unsent)
        today = ip.clock.today()

        def sent(r: Any) -> str:
            return f"sent {r.written_reason_sent_on}" if r.written_reason_sent_on else (
                "OVERDUE" if r.overdue_on(today) else f"due {r.written_reason_due}")

        emit_list(fmt, rows, ("id", "refused_on", "given_name", "family_name", "reason",
                              "written_reason_due", "written_reason_sent_on", "overdue"),
                  lambda r: {"id": r.id, "refused_on": r.refused_on, "given_name": r.given_name,
                             "family_name": r.family_name, "reason": r.reason,
                             "written_reason_due": r.written_reason_due,
                             "written_reason_sent_on": r.written_reason_sent_on,
                             "overdue": r.overdue_on(today)},
                  lambda rs: (f"{r.id:>5}  {r.refused_on}  {r.given_name} {r.family_name}  "
                              f"{r.reason.value}  {sent(r)}" for r in rs),
                  f"no refusals in {p.label}")
        return
    if by is not None:
        table = ip.refusals.breakdown(acting_user(ctx), p, by)
        if fmt != "table":
            typer.echo(render([{"reason": r.reason, "age_band": r.age_band,
                                "ethnic_category": r.ethnic_category,
                                "ethnic_label": r.ethnic_label, "count": r.count}
                               for r in table],
                              ("reason", "age_band", "ethnic_category", "ethnic_label", "count"),
                              fmt), nl=False)
            return
        typer.echo(f"registration refusals {p.label} ({p.start} to {p.end}) by {by}:")
        for row in table:
            cells = [c for c in (row.reason, row.age_band,
                                 None if row.ethnic_category is None else
                                 f"{row.ethnic_category} {row.ethnic_label}"
                                 if row.ethnic_label != row.ethnic_category else row.ethnic_category)
                     if c is not None]
            typer.echo(f"  {' / '.join(cells):<60} {row.count}")
        typer.echo(f"  {'total':<60} {sum(r.count for r in table)}")
        return
    s = ip.refusals.summary(acting_user(ctx), p)
    if fmt != "table":
        groups = ([{"group": "reason", "value": k, "count": n} for k, n in s.by_reason.items()]
                  + [{"group": "age_band", "value": k, "count": n}
                     for k, n in s.by_age_band.items()])
        typer.echo(render(groups, ("group", "value", "count"), fmt), nl=False)
        return
    typer.echo(f"registration refusals {s.period.label} ({s.period.start} to {s.period.end}): {s.total}")
    typer.echo("by reason:")
    for reason, n in s.by_reason.items():
        typer.echo(f"  {reason:<28} {n}")
    typer.echo("by age band:")
    for band, n in s.by_age_band.items():
        typer.echo(f"  {band:<28} {n}")
    typer.echo(f"written reason sent within 14 days: {s.written_on_time}; late: {s.written_late}; "
               f"not yet sent: {s.not_yet_written} (overdue {s.overdue})")


@app.command("registered-on")
def registered_on_cmd(
    ctx: typer.Context,
    day: str = typer.Argument(..., help="The day: 31/03/2026, 2026-03-31 or today."),
) -> None:
    """How many patients were registered on a date (any registration type)."""
    d = parse_date(day, "day")
    if d is None:
        raise InvalidInput("day", "give a date (e.g. 31/03/2026)")
    ids = get_practice(ctx).patients.registered_on(d)
    typer.echo(f"{len(ids)} patients registered on {d}")
