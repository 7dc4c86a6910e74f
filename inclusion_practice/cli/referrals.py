"""``inclusion-practice referrals``: refer to a partner service, record replies, the overdue list.

    inclusion-practice --as drokafor referrals create --patient 12 --partner city-drug-alcohol \\
        --reason-code drug-tx --reason "Wants help to cut down" --consent summary
    inclusion-practice --as reception1 referrals reply 3 accepted
    inclusion-practice --as reception1 referrals overdue
"""

from __future__ import annotations

import typer

from inclusion_practice.cli.app import acting_user, get_practice
from inclusion_practice.cli.dates import parse_date

app = typer.Typer(no_args_is_help=True)


@app.command("create")
def create_cmd(
    ctx: typer.Context,
    patient: int = typer.Option(..., "--patient", help="Patient id (from `patient find`)."),
    partner: str = typer.Option(..., "--partner", help="Partner code (see practice.toml)."),
    reason_code: str = typer.Option(..., "--reason-code",
                                    help="drug-tx | mh-assess | housing | outreach | dental | sexual-hlth | tb"),
    reason: str = typer.Option(..., "--reason", help="Why, in words."),
    consent: str = typer.Option(..., "--consent", help="What may be shared: identity | summary."),
    sent: str = typer.Option(None, "--sent", help="Day sent (default today)."),
) -> None:
    """Refer a patient to a partner's service."""
    ip = get_practice(ctx)
    r = ip.referrals.create(acting_user(ctx), patient, partner, reason_code, reason, consent,
                            sent_on=parse_date(sent, "--sent", ip.clock))
    typer.echo(f"referral {r.id}: {r.patient_name} to {r.partner_name} ({r.service.label}); "
               f"reply due {r.reply_due:%d %b %Y}")


@app.command("reply")
def reply_cmd(
    ctx: typer.Context, referral: int, status: str,
    on: str = typer.Option(None, "--on", help="Day of the reply (default today)."),
    note: str = typer.Option(None, "--note", help="Needed for declined or lost to follow-up."),
) -> None:
    """Record the partner's reply: accepted, seen, declined or lost."""
    ip = get_practice(ctx)
    r = ip.referrals.record_reply(acting_user(ctx), referral, status, on=parse_date(on, "--on", ip.clock),
                                  note=note)
    typer.echo(f"referral {r.id}: {r.status.value} on {r.status_changed_on:%d %b %Y}")


@app.command("list")
def list_cmd(
    ctx: typer.Context,
    patient: int = typer.Option(None, "--patient", help="Patient id (from `patient find`)."),
    status: str = typer.Option(None, "--status", help="sent | accepted | seen | declined | lost_to_follow_up"),
) -> None:
    """Referrals, newest first."""
    ip = get_practice(ctx)
    actor = acting_user(ctx)
    rows = ip.referrals.for_patient(actor, patient) if patient else ip.referrals.find(actor, status=status)
    if not rows:
        typer.echo("no referrals")
    for r in rows:
        typer.echo(f"#{r.id:<4} {r.sent_on:%d %b %Y} {r.status.value:<18} {r.patient_name:<24} "
                   f"→ {r.partner_name} ({r.reason.label})")


@app.command("overdue")
def overdue_cmd(ctx: typer.Context) -> None:
    """The worklist: referrals with no reply after it was due, longest overdue first."""
    ip = get_practice(ctx)
    rows = ip.referrals.overdue(acting_user(ctx))
    if not rows:
        typer.echo("no referrals overdue for a reply")
        return
    today = ip.clock.today()
    for r in rows:
        typer.echo(f"#{r.id:<4} {r.days_overdue(today):>3} days overdue  sent {r.sent_on:%d %b %Y}  "
                   f"{r.patient_name:<24} → {r.partner_name} ({r.reason.label})")
