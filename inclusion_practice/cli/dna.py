"""``inclusion-practice dna``: the worklist of DNA actions and why each was decided."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import typer

from inclusion_practice.cli.app import acting_user, get_practice
from inclusion_practice.cli.listing import check_format, emit_list, format_option

app = typer.Typer(no_args_is_help=True)


@app.command("worklist")
def worklist_cmd(
    ctx: typer.Context,
    all_: bool = typer.Option(False, "--all", help="Include actions not yet due."),
    fmt: str = format_option(),
) -> None:
    """Due DNA actions, highest outreach priority first."""
    check_format(fmt)
    items = get_practice(ctx).dna.worklist(acting_user(ctx), include_later=all_)

    def lines(actions: list[Any]) -> Iterator[str]:
        for a in actions:
            yield (f"#{a.id:<5} due {a.due_date}  {a.priority_label:<8} {a.label:<32} "
                   f"patient {a.patient_id} {a.patient_name} [{a.policy}]")
            yield f"        {a.rule}"

    emit_list(fmt, items, ("id", "due", "patient_id", "patient", "action", "policy", "priority",
                           "rule"),
              lambda a: {"id": a.id, "due": a.due_date, "patient_id": a.patient_id,
                         "patient": a.patient_name, "action": a.label, "policy": a.policy,
                         "priority": a.priority_label, "rule": a.rule},
              lines, "no DNA actions due")


@app.command("explain")
def explain_cmd(ctx: typer.Context, patient: int) -> None:
    """How the DNA policy stands for a patient: rule, DNAs counted, why flexible applied."""
    for line in get_practice(ctx).dna.explain(acting_user(ctx), patient).lines():
        typer.echo(line)


@app.command("done")
def done_cmd(
    ctx: typer.Context,
    action_id: int,
    outcome: str = typer.Option(..., "--outcome", help="What happened."),
) -> None:
    """Record a worklist action as done, with its outcome."""
    a = get_practice(ctx).dna.done(acting_user(ctx), action_id, outcome)
    typer.echo(f"#{a.id} {a.label} done: {a.outcome}")


@app.command("record")
def record_cmd(
    ctx: typer.Context,
    patient: int = typer.Option(..., "--patient", help="Patient id (from `patient find`)."),
    reason: str = typer.Option("no_show", "--reason", help="no_show | late"),
) -> None:
    """Record a DNA that is not on the appointment book (e.g. a missed visit)."""
    r = get_practice(ctx).dna.record(acting_user(ctx), patient, reason=reason)
    typer.echo("\n".join(r.decision.lines()))


@app.command("void")
def void_cmd(
    ctx: typer.Context,
    event_id: int,
    reason: str = typer.Option(..., "--reason", help="Why, in a few words (kept in the record)."),
) -> None:
    """Mark a DNA recorded in error (the record stays; it is no longer counted)."""
    get_practice(ctx).dna.void(acting_user(ctx), event_id, reason)
    typer.echo(f"DNA {event_id} voided")
