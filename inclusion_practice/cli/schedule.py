"""``inclusion-practice schedule`` and ``slots``: generate and cancel sessions, find free times."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import typer

from inclusion_practice.cli.app import acting_user, get_practice
from inclusion_practice.cli.dates import parse_date
from inclusion_practice.cli.listing import check_format, emit_list, format_option
from inclusion_practice.errors import InvalidInput

app = typer.Typer(no_args_is_help=True)
slots_app = typer.Typer(no_args_is_help=True)


@app.command("generate")
def generate_cmd(
    ctx: typer.Context,
    weeks: int | None = typer.Option(None, "--weeks", help="Weeks ahead (default: config horizon)."),
    start: str | None = typer.Option(None, "--from", help="First date (default today)."),
) -> None:
    """Create sessions and slots from the weekly templates. Safe to run again."""
    r = get_practice(ctx).schedule.generate(acting_user(ctx), weeks, parse_date(start, "--from"))
    typer.echo(
        f"{r.first_date} to {r.last_date}: {r.sessions_created} sessions "
        f"({r.slots_created} slots) created, {r.sessions_existing} already there (left as they were)"
    )


@app.command("sessions")
def sessions_cmd(
    ctx: typer.Context,
    start: str | None = typer.Option(None, "--from", help="First date (default today)."),
    end: str | None = typer.Option(None, "--to", help="Last date (default a week on)."),
    clinician: str | None = typer.Option(None, "--clinician", help="Clinician code from practice.toml (e.g. dr-okafor)."),
    fmt: str = format_option(),
) -> None:
    """List sessions with free slots."""
    check_format(fmt)
    sessions = get_practice(ctx).schedule.sessions(
        parse_date(start, "--from"), parse_date(end, "--to"), clinician)
    emit_list(fmt, sessions, ("id", "date", "start", "end", "clinician", "location", "slot_type",
                              "free", "slots"),
              lambda s: {"id": s.id, "date": s.date, "start": f"{s.start_time:%H:%M}",
                         "end": f"{s.end_time:%H:%M}", "clinician": s.clinician,
                         "location": s.location, "slot_type": s.slot_type,
                         "free": s.free_count, "slots": s.slot_count},
              lambda items: (f"{s.id:>5}  {s.date:%a %d %b} {s.start_time:%H:%M}-"
                             f"{s.end_time:%H:%M}  {s.clinician:<15} {s.location:<19} "
                             f"{s.slot_type:<9} {s.free_count}/{s.slot_count} free"
                             for s in items), "no sessions in those dates")


@app.command("slots")
def session_slots_cmd(ctx: typer.Context, session_id: int) -> None:
    """Show one session's slots and who holds them."""
    for s in get_practice(ctx).schedule.slots(session_id):
        state = "free" if s.free else "booked " + ",".join(str(a) for a in s.appointment_ids)
        typer.echo(f"{s.id:>6}  {s.start:%H:%M}-{s.end:%H:%M}  {state}")


@app.command("cancel-session")
def cancel_session_cmd(
    ctx: typer.Context,
    session_id: int,
    reason: str = typer.Option(..., "--reason", help="Why (e.g. clinician off sick)."),
) -> None:
    """Cancel a session; lists the booked patients to ring for rebooking."""
    r = get_practice(ctx).schedule.cancel_session(acting_user(ctx), session_id, reason)
    s = r.session
    typer.echo(f"cancelled session {s.id}: {s.clinician} {s.date:%a %d %b} {s.start_time:%H:%M}")
    if not r.affected:
        typer.echo("no patients were booked")
        return
    typer.echo(f"{len(r.affected)} patient(s) to rebook:")
    for a in r.affected:
        contact = a.phone or (f"keyworker {a.keyworker}" if a.keyworker else "no phone: via reception")
        interp = "  [cancel interpreter]" if a.interpreter_to_cancel else ""
        typer.echo(f"  {a.start:%H:%M} patient {a.patient_id} {a.patient_name} — {contact}{interp}")


@app.command("fhir")
def fhir_cmd(
    ctx: typer.Context,
    clinician: str = typer.Option(..., "--clinician", help="Clinician code from practice.toml (e.g. dr-okafor)."),
    start: str | None = typer.Option(None, "--from", help="First day (e.g. 03/12/2026, today, +7d)."),
    end: str | None = typer.Option(None, "--to", help="Last day (e.g. 31/12/2026, +28d)."),
) -> None:
    """Print a clinician's Schedule and Slots as a FHIR R4 collection Bundle."""
    from inclusion_practice.fhir.scheduling import schedule_resource, slot_resource

    ip = get_practice(ctx)
    conf = ip.config.clinician(clinician)
    if conf is None:
        raise InvalidInput("--clinician", f"unknown clinician {clinician!r}")
    sessions = ip.schedule.sessions(parse_date(start, "--from"), parse_date(end, "--to"), clinician)
    first = sessions[0].date if sessions else ip.clock.today()
    last = sessions[-1].date if sessions else first
    entries = [schedule_resource(conf, first, last)]
    for s in sessions:
        entries.extend(slot_resource(slot, s) for slot in ip.schedule.slots(s.id))
    bundle = {"resourceType": "Bundle", "type": "collection",
              "entry": [{"resource": e} for e in entries]}
    typer.echo(json.dumps(bundle, indent=2))


@slots_app.command("find")
def find_cmd(
    ctx: typer.Context,
    patient: int = typer.Option(..., "--patient", help="Patient id."),
    clinician: str | None = typer.Option(None, "--clinician", help="A clinician code (else any)."),
    start: str | None = typer.Option(None, "--from", help="Earliest date."),
    end: str | None = typer.Option(None, "--to", help="Latest date."),
    double: bool = typer.Option(False, "--double", help="Two contiguous slots."),
    length: int | None = typer.Option(None, "--slots", help="Exactly this many contiguous slots."),
    location: str | None = typer.Option(None, "--location", help="Site or partner code where the session is held."),
    channel: str | None = typer.Option(None, "--channel", help="in_person | telephone | video"),
    limit: int = typer.Option(10, "--limit", help="At most this many results."),
    fmt: str = format_option(),
) -> None:
    """Next free times that fit the patient's needs, and why each was offered."""
    check_format(fmt)
    ip = get_practice(ctx)
    needs = ip.appointments.needs(patient)
    if needs.summary() and fmt == "table":
        typer.echo("needs: " + "; ".join(needs.summary()))
    offers = ip.appointments.find_slots(
        patient, clinician=clinician, date_from=parse_date(start, "--from"),
        date_to=parse_date(end, "--to"), double=double, length=length, location=location,
        channel=channel, limit=limit,
    )

    def lines(found: list[Any]) -> Iterator[str]:
        for o in found:
            ids = " ".join(f"--slot {i}" for i in o.slot_ids)
            yield f"{o.start:%a %d %b %H:%M}-{o.end:%H:%M}  {o.clinician:<15} {o.location:<19} {ids}"
            yield f"    why: {'; '.join(o.reasons)}"

    emit_list(fmt, offers, ("when", "end", "mins", "clinician", "where", "slot_ids", "why"),
              lambda o: {"when": o.start, "end": o.end,
                         "mins": int((o.end - o.start).total_seconds() // 60),
                         "clinician": o.clinician, "where": o.location,
                         "slot_ids": list(o.slot_ids), "why": list(o.reasons)},
              lines, "no free time fits: widen the dates, or try any clinician")
