"""``inclusion-practice appointment``: book, move, cancel and record attendance."""

from __future__ import annotations

import datetime as dt
import json

import typer

from inclusion_practice.cli.app import acting_user, get_practice
from inclusion_practice.cli.dates import parse_date
from inclusion_practice.cli.listing import check_format, emit_list, format_option
from inclusion_practice.errors import InvalidInput, SlotJustTaken
from inclusion_practice.services.appointments import AppointmentInfo

app = typer.Typer(no_args_is_help=True)


def _line(a: AppointmentInfo) -> str:
    interp = f"  interpreter {a.interpreter.language}: {a.interpreter.status}" if a.interpreter else ""
    return (
        f"appointment {a.id}: {a.start:%a %d %b %H:%M}-{a.end:%H:%M} {a.clinician} "
        f"({a.slot_count} slot{'s' if a.slot_count != 1 else ''}, {a.channel.replace('_', ' ')}) "
        f"patient {a.patient_id} {a.patient_name} — {a.status.value}{interp}"
    )


def _alternatives(exc: SlotJustTaken) -> None:
    if exc.alternatives:
        typer.echo("next free alternatives:", err=True)
        for o in exc.alternatives:
            ids = " ".join(f"--slot {i}" for i in o.slot_ids)
            typer.echo(f"  {o.start:%a %d %b %H:%M} {o.clinician} {ids}", err=True)


@app.command("book")
def book_cmd(
    ctx: typer.Context,
    patient: int = typer.Option(..., "--patient", help="Patient id (from `patient find`)."),
    slot: list[int] = typer.Option(..., "--slot", help="Slot id; repeat for contiguous slots."),
    channel: str | None = typer.Option(None, "--channel", help="in_person, telephone or video (must be one the session offers)."),
    comment: str | None = typer.Option(None, "--comment", help="Note for staff and clinician."),
    instruction: str | None = typer.Option(None, "--instruction", help="Text for the patient."),
    single_reason: str | None = typer.Option(
        None, "--single-reason", help="Book one slot although a double is proposed (audited)."
    ),
    overbook: str | None = typer.Option(
        None, "--overbook", help="Reason to overbook taken slots (managers; audited)."
    ),
) -> None:
    """Book one or more contiguous slots (a double is proposed when the needs call for it)."""
    try:
        r = get_practice(ctx).appointments.book(
            acting_user(ctx), patient, slot, channel=channel, comment=comment,
            patient_instruction=instruction, double_override_reason=single_reason,
            overbook_reason=overbook,
        )
    except SlotJustTaken as exc:
        _alternatives(exc)
        raise
    typer.echo("booked " + _line(r.appointment))
    if r.proposal.count > len(slot):
        typer.echo(f"  double appointment proposed and booked: {'; '.join(r.proposal.reasons)}")
    for w in r.warnings:
        typer.echo(f"  warning: {w}")


@app.command("move")
def move_cmd(
    ctx: typer.Context,
    appointment_id: int,
    slot: list[int] = typer.Option(..., "--slot", help="Slot id to move to (from `slots find`); twice for a double slot."),
    by: str = typer.Option("patient", "--by", help="patient | practice"),
    reason: str = typer.Option("moved", "--reason", help="Why, in a few words (kept in the record)."),
) -> None:
    """Move an appointment to other slots (the interpreter is re-requested)."""
    try:
        r = get_practice(ctx).appointments.reschedule(
            acting_user(ctx), appointment_id, slot, by=by, reason=reason
        )
    except SlotJustTaken as exc:
        _alternatives(exc)
        raise
    typer.echo("moved to " + _line(r.appointment))


@app.command("cancel")
def cancel_cmd(
    ctx: typer.Context,
    appointment_id: int,
    by: str = typer.Option(..., "--by", help="patient | practice"),
    reason: str = typer.Option(..., "--reason", help="Why, in a few words (kept in the record)."),
) -> None:
    """Cancel: frees the slots; a booked interpreter is marked to cancel."""
    a = get_practice(ctx).appointments.cancel(acting_user(ctx), appointment_id, by=by, reason=reason)
    typer.echo("cancelled " + _line(a) + (" (late cancellation)" if a.late_cancellation else ""))


@app.command("arrive")
def arrive_cmd(
    ctx: typer.Context,
    appointment_id: int,
    at: str | None = typer.Option(None, "--at", help="Arrival time HH:MM (default now)."),
    late_threshold: int | None = typer.Option(
        None, "--late-threshold", help="Minutes late that count as a DNA (default from config)."
    ),
) -> None:
    """Record arrival (beyond the lateness threshold it counts as a DNA)."""
    ip = get_practice(ctx)
    when = None
    if at is not None:
        try:
            when = dt.datetime.combine(ip.clock.today(), dt.time.fromisoformat(at))
        except ValueError:
            raise InvalidInput("--at", f"{at!r} is not a time like 09:40") from None
    r = ip.appointments.arrive(acting_user(ctx), appointment_id, at=when,
                               late_threshold_minutes=late_threshold)
    typer.echo(_line(r.appointment))
    for m in r.messages:
        typer.echo(f"  {m}")


@app.command("seen")
def seen_cmd(ctx: typer.Context, appointment_id: int) -> None:
    """Record that the patient was seen."""
    typer.echo(_line(get_practice(ctx).appointments.seen(acting_user(ctx), appointment_id)))


@app.command("left")
def left_cmd(ctx: typer.Context, appointment_id: int) -> None:
    """Record that the patient left without being seen."""
    typer.echo(_line(get_practice(ctx).appointments.left(acting_user(ctx), appointment_id)))


@app.command("dna")
def dna_cmd(ctx: typer.Context, appointment_id: int) -> None:
    """Record a DNA; the DNA policy puts its actions on the worklist."""
    r = get_practice(ctx).appointments.dna(acting_user(ctx), appointment_id)
    typer.echo(_line(r.appointment))
    for m in r.messages:
        typer.echo(f"  {m}")


@app.command("walk-in")
def walk_in_cmd(
    ctx: typer.Context,
    patient: int = typer.Option(..., "--patient", help="Patient id (from `patient find`)."),
    session: int = typer.Option(..., "--session", help="Today's session id."),
    comment: str | None = typer.Option(None, "--comment", help="A note for the clinician."),
) -> None:
    """Record an unbooked attendance against today's session."""
    a = get_practice(ctx).appointments.walk_in(acting_user(ctx), patient, session, comment=comment)
    typer.echo("walk-in " + _line(a))


@app.command("show")
def show_cmd(
    ctx: typer.Context,
    appointment_id: int,
    fhir: bool = typer.Option(False, "--fhir", help="Print the FHIR R4 Appointment."),
) -> None:
    """Show an appointment (or its FHIR Appointment)."""
    ip = get_practice(ctx)
    a = ip.appointments.get(appointment_id)
    if fhir:
        from inclusion_practice.fhir.scheduling import appointment_resource

        typer.echo(json.dumps(appointment_resource(a, ip.config.clinician(a.clinician)), indent=2))
        return
    typer.echo(_line(a))
    for label, value in (("comment", a.comment), ("for the patient", a.patient_instruction),
                         ("single slot because", a.double_override_reason),
                         ("cancelled", a.cancel_reason)):
        if value:
            typer.echo(f"  {label}: {value}")


@app.command("list")
def list_cmd(
    ctx: typer.Context,
    day: str = typer.Option("today", "--day", help="The day (e.g. today, 03/12/2026)."),
    clinician: str | None = typer.Option(None, "--clinician", help="Clinician code from practice.toml (e.g. dr-okafor)."),
    fmt: str = format_option(),
) -> None:
    """The day's appointments."""
    check_format(fmt)
    d = parse_date(day, "--day")
    if d is None:
        raise InvalidInput("--day", "give a date (e.g. today, 03/12/2026)")
    emit_list(fmt, get_practice(ctx).appointments.for_day(d, clinician),
              ("id", "time", "end", "patient_id", "patient", "clinician", "mins", "status",
               "channel", "interpreter"),
              lambda a: {"id": a.id, "time": a.start, "end": a.end, "patient_id": a.patient_id,
                         "patient": a.patient_name, "clinician": a.clinician, "mins": a.minutes,
                         "status": a.status, "channel": a.channel,
                         "interpreter": (f"{a.interpreter.language}: {a.interpreter.status}"
                                         if a.interpreter else None)},
              lambda items: map(_line, items), f"no appointments on {d}")
