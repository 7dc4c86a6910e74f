"""``inclusion-practice interpreters``: the day list and interpreter notes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import typer

from inclusion_practice.cli.app import acting_user, get_practice
from inclusion_practice.cli.listing import check_format, emit_list, format_option

app = typer.Typer(no_args_is_help=True)


@app.command("due")
def due_cmd(
    ctx: typer.Context,
    days: int = typer.Option(1, "--days", help="Tomorrow and the days after: how many days."),
    fmt: str = format_option(),
) -> None:
    """Interpreters to book (and to cancel) for the coming days."""
    check_format(fmt)
    rows = get_practice(ctx).interpreters.due(days)

    def lines(due: list[Any]) -> Iterator[str]:
        for d in due:
            extra = ", ".join(
                x for x in (d.dialect, d.interpreter_gender and f"{d.interpreter_gender} interpreter",
                            d.agency_ref and f"ref {d.agency_ref}") if x
            )
            yield (f"{d.status.upper():<9} {d.start:%a %d %b %H:%M} ({d.minutes} min) "
                   f"{d.language:<4} {d.mode:<15} appt {d.appointment_id} {d.patient_name} "
                   f"with {d.clinician}" + (f" [{extra}]" if extra else ""))

    emit_list(fmt, rows, ("when", "appointment_id", "patient", "language", "dialect", "mode",
                          "mins", "to_do", "agency_ref", "clinician", "interpreter_gender"),
              lambda d: {"when": d.start, "appointment_id": d.appointment_id,
                         "patient": d.patient_name, "language": d.language,
                         "dialect": d.dialect, "mode": d.mode, "mins": d.minutes,
                         "to_do": d.status, "agency_ref": d.agency_ref,
                         "clinician": d.clinician, "interpreter_gender": d.interpreter_gender},
              lines, "nothing to book or cancel")


@app.command("note")
def note_cmd(
    ctx: typer.Context,
    appointment_id: int,
    language: str | None = typer.Option(None, "--language", help="BCP-47, e.g. pl, ti, bfi."),
    dialect: str | None = typer.Option(None, "--dialect", help="Dialect, if it matters for the interpreter (e.g. Sorani)."),
    mode: str | None = typer.Option(None, "--mode", help="face_to_face, telephone, video, bsl_in_person or bsl_video_relay."),
    gender: str | None = typer.Option(None, "--gender", help="Interpreter gender the patient asked for: female or male."),
    status: str | None = typer.Option(None, "--status", help="to_book | booked | to_cancel | cancelled"),
    agency_ref: str | None = typer.Option(None, "--agency-ref", help="The interpreting agency's booking reference."),
    name: str | None = typer.Option(None, "--name", help="Interpreter's name."),
    note: str | None = typer.Option(None, "--note", help="Free text for the clinician."),
) -> None:
    """Add or update the interpreter note on an appointment."""
    i = get_practice(ctx).interpreters.set_note(
        acting_user(ctx), appointment_id, language=language, dialect=dialect, mode=mode,
        interpreter_gender=gender, status=status, agency_ref=agency_ref, interpreter_name=name,
        note=note,
    )
    typer.echo(f"appointment {appointment_id}: interpreter {i.language} ({i.mode}) {i.status}"
               + (f", ref {i.agency_ref}" if i.agency_ref else ""))
