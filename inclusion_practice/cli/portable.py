"""``inclusion-practice patient summary`` and ``patient portable-consent``: the portable record.

A clinician records which sections the patient wants to carry, then prints the A4 summary and
wallet card (``--out card.pdf``) or writes the IPS FHIR document (``--fhir summary.json``).
Reception reprints the last consented card (``--reprint``). Nothing is printed without the
patient's consent; restricted flags never appear on anything the patient carries.
"""

from __future__ import annotations

from pathlib import Path

import typer

from inclusion_practice.cli.app import acting_user, get_practice
from inclusion_practice.cli.dates import parse_date
from inclusion_practice.cli.patient import app
from inclusion_practice.domain.portable_record import (
    ALL_SECTIONS,
    SECTION_LABELS,
    parse_layout,
    parse_sections,
)
from inclusion_practice.errors import InvalidInput


@app.command("portable-consent")
def portable_consent_cmd(
    ctx: typer.Context,
    patient_id: int = typer.Argument(...),
    sections: str | None = typer.Option(
        None, "--sections",
        help="all, or a comma-separated choice of: " + ", ".join(s.value for s in ALL_SECTIONS)
             + " (identity and practice are always on it).",
    ),
    withdraw: bool = typer.Option(False, "--withdraw", help="The patient no longer wants one."),
    on: str | None = typer.Option(None, "--on", help="Day the patient said so (default today)."),
) -> None:
    """Record the patient's consent to a portable record, and the sections they chose."""
    ip = get_practice(ctx)
    actor = acting_user(ctx)
    day = parse_date(on, "--on")
    if withdraw:
        if sections is not None:
            raise InvalidInput("--sections", "not used with --withdraw")
        fact = ip.portable.withdraw_consent(actor, patient_id, on=day)
        typer.echo(f"patient {patient_id}: consent to a portable record withdrawn on "
                   f"{fact.recorded_on:%d %b %Y} ({fact.code}); nothing more will be printed")
        return
    fact = ip.portable.record_consent(actor, patient_id, parse_sections(sections), on=day)
    typer.echo(f"patient {patient_id}: consent to a portable record recorded on "
               f"{fact.recorded_on:%d %b %Y} by {fact.recorded_by} ({fact.code})")
    for s in fact.section_list:
        typer.echo(f"  on the record: {SECTION_LABELS[s]}")


@app.command("portable-status")
def portable_status_cmd(ctx: typer.Context, patient_id: int = typer.Argument(...)) -> None:
    """Whether consent is recorded and when a card was last printed."""
    st = get_practice(ctx).portable.status(acting_user(ctx), patient_id)
    if st.consent is None:
        typer.echo("consent: not recorded")
    elif not st.consent.given:
        typer.echo(f"consent: withdrawn on {st.consent.recorded_on:%d %b %Y}")
    else:
        typer.echo(f"consent: recorded {st.consent.recorded_on:%d %b %Y} by "
                   f"{st.consent.recorded_by}; sections: "
                   + ", ".join(s.value for s in st.consent.section_list))
    if st.last_print is None:
        typer.echo("last printed: never")
    else:
        p = st.last_print
        typer.echo(f"last printed: {p.printed_at:%d %b %Y %H:%M} by {p.printed_by} "
                   f"({p.layout.value}{', reprint' if p.reprint_of_id else ''})"
                   + ("" if st.can_reprint else "; not reprintable (consent changed since)"))


@app.command("summary")
def summary_cmd(
    ctx: typer.Context,
    patient_id: int = typer.Argument(...),
    out: Path | None = typer.Option(None, "--out", help="Write the A4 summary and wallet card "
                                                        "(PDF) here."),
    fhir: Path | None = typer.Option(None, "--fhir", help="Write the IPS FHIR document (JSON) "
                                                          "here."),
    layout: str | None = typer.Option(None, "--layout", help="standard (default) | large | "
                                                             "easy-read"),
    reprint: bool = typer.Option(False, "--reprint", help="Reprint the last consented card as "
                                                          "it was printed (reception)."),
) -> None:
    """The patient's portable health record, under their recorded consent."""
    from reports.portable_card import print_card, reprint_card, write_fhir

    if out is None and fhir is None:
        raise InvalidInput("--out", "say where to write it: --out card.pdf and/or "
                                    "--fhir summary.json")
    if reprint and (fhir is not None or layout is not None):
        raise InvalidInput("--reprint", "a reprint is the last card as printed: --out only")
    ip = get_practice(ctx)
    actor = acting_user(ctx)
    if out is not None:
        if reprint:
            done = reprint_card(ip, actor, patient_id, out)
            typer.echo(f"reprinted the card first printed {done.summary.printed_at:%d %b %Y} "
                       f"to {out}")
        else:
            done = print_card(ip, actor, patient_id, out, parse_layout(layout))
            typer.echo(f"wrote {out}: {done.rendered.pages} pages ({done.record.layout.value}), "
                       f"printed {done.summary.printed_at:%d %b %Y}")
        doc, card = done.rendered.document_payload, done.rendered.card_payload
        typer.echo(f"  summary QR: {doc.kind.value}, {doc.size:,} bytes"
                   + (f"; left out: {'; '.join(doc.left_out)}" if doc.left_out else ""))
        typer.echo(f"  card QR: {card.kind.value}, {card.size:,} bytes"
                   + (f"; left out: {'; '.join(card.left_out)}" if card.left_out else ""))
        for note in done.summary.left_out:
            typer.echo(f"  not on the record: {note}")
    if fhir is not None:
        path, _record = write_fhir(ip, actor, patient_id, fhir)
        typer.echo(f"wrote {path}: International Patient Summary (FHIR R4 document Bundle)")
