"""``inclusion-practice mdt``: candidates, meetings, agendas (screen and PDF), outcomes, actions.

    inclusion-practice --as manager1 mdt candidates
    inclusion-practice --as manager1 mdt meeting-create --date 2026-11-26 --partner city-drug-alcohol
    inclusion-practice --as manager1 mdt agenda-build 1
    inclusion-practice --as manager1 mdt agenda 1 --pdf agenda.pdf [--partner-copy]
    inclusion-practice --as drokafor mdt discuss ITEM --summary "..." --lead "Dr Okafor"
    inclusion-practice --as drokafor mdt action-add ITEM "Book review" --owner reception1 --due +7d
    inclusion-practice --as reception1 mdt actions
"""

from __future__ import annotations

from pathlib import Path

import typer

from inclusion_practice.cli.app import acting_user, get_practice
from inclusion_practice.cli.dates import parse_date

app = typer.Typer(no_args_is_help=True)


@app.command("candidates")
def candidates_cmd(ctx: typer.Context, on: str = typer.Option(None, "--on", help="Day (default today).")) -> None:
    """Who needs discussing, longest waiting first, with the rule that put each there."""
    ip = get_practice(ctx)
    found = ip.mdt.candidates(acting_user(ctx), parse_date(on, "--on", ip.clock))
    if not found:
        typer.echo("no MDT candidates")
        return
    for c in found:
        typer.echo(f"patient {c.patient_id:<5} {c.name:<28} since {c.since:%d %b %Y}")
        for rule, why in zip(c.rules, c.why, strict=True):
            typer.echo(f"        [{rule.value}] {why}")


@app.command("meeting-create")
def meeting_create_cmd(
    ctx: typer.Context,
    date: str = typer.Option(..., "--date", help="Meeting day, e.g. 2026-11-26 or +3d."),
    title: str = typer.Option(None, "--title", help="Meeting title (default: MDT meeting)."),
    partner: list[str] = typer.Option([], "--partner", help="Partner organisation attending (repeat)."),
    user: list[str] = typer.Option([], "--user", help="Practice user attending (repeat)."),
) -> None:
    """Plan a meeting on a date, with the organisations and users attending."""
    ip = get_practice(ctx)
    day = parse_date(date, "--date", ip.clock)
    assert day is not None
    m = ip.mdt.create_meeting(acting_user(ctx), day, title=title, partners=partner, users=user)
    typer.echo(f"meeting {m.id}: {m.title} on {m.meeting_date:%d %b %Y}")


@app.command("meeting-cancel")
def meeting_cancel_cmd(ctx: typer.Context, meeting: int, reason: str = typer.Option(..., "--reason", help="Why, in a few words (kept in the record).")) -> None:
    """Cancel a planned meeting (kept, with why: nothing is deleted)."""
    m = get_practice(ctx).mdt.cancel_meeting(acting_user(ctx), meeting, reason)
    typer.echo(f"meeting {m.id} cancelled: {m.note}")


@app.command("meetings")
def meetings_cmd(ctx: typer.Context) -> None:
    """Every meeting, soonest first."""
    for m in get_practice(ctx).mdt.meetings(acting_user(ctx)):
        typer.echo(f"meeting {m.id:<4} {m.meeting_date:%d %b %Y}  {m.status.value:<9} {m.title}")


@app.command("attend")
def attend_cmd(
    ctx: typer.Context, meeting: int, who: str,
    person: str = typer.Option(None, "--person", help="Who comes for a partner."),
) -> None:
    """Add user:NAME or partner:CODE to a meeting's attendance list."""
    a = get_practice(ctx).mdt.add_attendee(acting_user(ctx), meeting, who, person=person)
    typer.echo(f"attending meeting {meeting}: {a.label}")


@app.command("agenda-build")
def agenda_build_cmd(
    ctx: typer.Context, meeting: int,
    limit: int = typer.Option(10, "--limit", help="At most this many candidates (longest waiting first)."),
) -> None:
    """Pull today's candidates into the meeting's agenda."""
    agenda = get_practice(ctx).mdt.build_agenda(acting_user(ctx), meeting, limit=limit)
    typer.echo(f"meeting {meeting}: {len(agenda.items)} patients on the agenda")


@app.command("agenda-add")
def agenda_add_cmd(
    ctx: typer.Context, meeting: int,
    patient: int = typer.Option(..., "--patient", help="Patient id (from `patient find`)."),
    reason: str = typer.Option(..., "--reason", help="Why the patient is added by hand."),
    consent: str = typer.Option("none", "--consent", help="none | identity | summary"),
) -> None:
    """Add a patient to the agenda by hand."""
    i = get_practice(ctx).mdt.add_patient(acting_user(ctx), meeting, patient, reason, consent=consent)
    typer.echo(f"item {i.id}: {i.patient_name} added ({i.consent.value})")


@app.command("consent")
def consent_cmd(ctx: typer.Context, item: int, consent: str) -> None:
    """Record what the patient agreed may be shared with partners: none | identity | summary."""
    i = get_practice(ctx).mdt.set_consent(acting_user(ctx), item, consent)
    typer.echo(f"item {i.id}: consent {i.consent.value}")


@app.command("agenda")
def agenda_cmd(
    ctx: typer.Context, meeting: int,
    pdf: Path = typer.Option(None, "--pdf", help="Also print the agenda to this PDF."),
    partner_copy: bool = typer.Option(False, "--partner-copy",
                                      help="The PDF partners may take: consented details only."),
) -> None:
    """Show the agenda (and print it to PDF: every print is in the access log)."""
    ip = get_practice(ctx)
    actor = acting_user(ctx)
    if pdf is not None:
        from reports.mdt_agenda import write_agenda

        out = write_agenda(ip, actor, meeting, pdf, audience="partner" if partner_copy else "practice")
        typer.echo(f"wrote {out}")
        if partner_copy:
            return
    a = ip.mdt.agenda(actor, meeting)
    m = a.meeting
    typer.echo(f"{m.title} — {m.meeting_date:%a %d %b %Y} [{m.status.value}]")
    typer.echo("attending: " + (", ".join(x.label for x in a.attendees) or "none listed"))
    for i in a.items:
        typer.echo(f"{i.position:>2}. item {i.id:<4} {i.patient_name:<26} ({i.source}; consent {i.consent.value})")
        for w in i.why:
            typer.echo(f"      why: {w}")
        if i.reason:
            typer.echo(f"      added because: {i.reason}")
        if i.flags:
            typer.echo(f"      flags: {', '.join(i.flags)}")
        if i.discussed_on:
            typer.echo(f"      discussed {i.discussed_on:%d %b %Y}; lead {i.lead_professional}: {i.summary}")
        for act in i.actions:
            typer.echo(f"      action {act.id}: {act.description} — {act.owner_label}, due "
                       f"{act.due_on:%d %b %Y} [{act.status.value}]")


@app.command("discuss")
def discuss_cmd(
    ctx: typer.Context, item: int,
    summary: str = typer.Option(..., "--summary", help="What the MDT discussed and agreed, in plain words."),
    lead: str = typer.Option(..., "--lead", help="The lead professional."),
) -> None:
    """Record the discussion summary and lead professional for an agenda item."""
    i = get_practice(ctx).mdt.record_discussion(acting_user(ctx), item, summary, lead)
    typer.echo(f"item {i.id}: {i.patient_name} discussed {i.discussed_on:%d %b %Y}; lead {i.lead_professional}")


@app.command("action-add")
def action_add_cmd(
    ctx: typer.Context, item: int, description: str,
    owner: str = typer.Option(..., "--owner", help="user:NAME or partner:CODE (or a bare name)."),
    due: str = typer.Option(None, "--due", help="Due date (default: the [mdt] action_due_days)."),
) -> None:
    """Agree an action for the patient with an owner and a due date."""
    ip = get_practice(ctx)
    a = ip.mdt.add_action(acting_user(ctx), item, description, owner, due_on=parse_date(due, "--due", ip.clock))
    typer.echo(f"action {a.id}: {a.description} — {a.owner_label}, due {a.due_on:%d %b %Y}")


@app.command("action-done")
def action_done_cmd(
    ctx: typer.Context, action: int,
    outcome: str = typer.Option(..., "--outcome", help="What happened."),
    cancelled: bool = typer.Option(False, "--cancelled", help="Not done: cancelled, with why."),
) -> None:
    """Record the outcome of an action."""
    a = get_practice(ctx).mdt.complete_action(acting_user(ctx), action, outcome,
                                              status="cancelled" if cancelled else "done")
    typer.echo(f"action {a.id} {a.status.value}: {a.outcome}")


@app.command("actions")
def actions_cmd(
    ctx: typer.Context,
    days: int = typer.Option(7, "--days", help="Also list actions due in this many days."),
    owner: str = typer.Option(None, "--owner", help="Only this owner (user:NAME, partner:CODE)."),
) -> None:
    """The worklist of MDT actions due, overdue first."""
    ip = get_practice(ctx)
    items = ip.mdt.actions_due(acting_user(ctx), days_ahead=days, owner=owner)
    if not items:
        typer.echo("no MDT actions due")
        return
    today = ip.clock.today()
    for a in items:
        mark = "OVERDUE" if a.overdue_on(today) else "due"
        typer.echo(f"#{a.id:<4} {mark:<7} {a.due_on:%d %b %Y}  {a.patient_name:<24} {a.description} "
                   f"— {a.owner_label}")
