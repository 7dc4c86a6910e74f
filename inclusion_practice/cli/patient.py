"""``inclusion-practice patient``: register anyone who asks, find, show by role, flags, needs.

There is no option for ID or proof of address: none may be asked for. What ``show``, ``find``
and ``needs`` print depends on the acting user's role (``--as``): restricted flags appear only
for clinicians; everyone sees the needs that follow from them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import typer

from inclusion_practice.cli.app import acting_user, get_practice
from inclusion_practice.cli.dates import parse_date
from inclusion_practice.cli.listing import check_format, emit_list, format_option
from inclusion_practice.domain.addresses import CorrespondenceKind
from inclusion_practice.domain.languages import language_name
from inclusion_practice.domain.needs import AccessNeeds
from inclusion_practice.domain.nhs_number import format_nhs_number
from inclusion_practice.domain.patient_record import FlagRecord, PatientListItem, PatientView
from inclusion_practice.errors import InvalidInput
from inclusion_practice.services.patients import NewPatient, PatientUpdate, PossibleDuplicates

app = typer.Typer(no_args_is_help=True)
flag_app = typer.Typer(no_args_is_help=True)
adjust_app = typer.Typer(no_args_is_help=True)
app.add_typer(flag_app, name="flag", help="Inclusion-health flags: add, end, list, due for review.")
app.add_typer(adjust_app, name="adjustment", help="Reasonable adjustments: add, end.")


def _dob(p: PatientListItem | PatientView) -> str:
    if isinstance(p, PatientView):
        r = p.record
        return f"{r.date_of_birth.year} (estimated)" if r.dob_estimated else str(r.date_of_birth)
    return f"{p.date_of_birth.year} (estimated)" if p.dob_estimated else str(p.date_of_birth)


FLAG_COLUMNS = ("id", "patient_id", "category", "label", "subcategory", "start", "end", "review",
                "source", "recorded_by", "end_reason")


def _flag_row(f: FlagRecord) -> dict[str, object]:
    return {"id": f.id, "patient_id": f.patient_id, "category": f.category, "label": f.label,
            "subcategory": f.subcategory, "start": f.start, "end": f.end, "review": f.review,
            "source": f.source, "recorded_by": f.recorded_by, "end_reason": f.end_reason}


def _flag_line(f: FlagRecord) -> str:
    sub = f" ({f.subcategory.replace('_', ' ')})" if f.subcategory else ""
    dates = f"from {f.start}" + (f" to {f.end}" if f.end else "")
    review = f", review {f.review}" if f.review and not f.end else ""
    return (
        f"flag {f.id}: {f.label}{sub} [{f.category}] {dates}{review}; "
        f"source {f.source.value.replace('_', ' ')}, recorded by {f.recorded_by}"
        + (f"; ended: {f.end_reason}" if f.end_reason else "")
    )


def _needs_lines(needs: AccessNeeds) -> list[str]:
    lines = needs.summary()
    if needs.interpreter_language:
        name = language_name(needs.interpreter_language)
        lines = [
            (f"interpreter: {name} [{needs.interpreter_language}]"
             + (f", dialect {needs.interpreter_dialect}" if needs.interpreter_dialect else "")
             + (f", {needs.interpreter_mode.replace('_', ' ')}" if needs.interpreter_mode else "")
             + (f", {needs.interpreter_gender} interpreter" if needs.interpreter_gender else ""))
            if line.startswith("interpreter:") else line
            for line in lines
        ]
    if needs.no_family_interpreter:
        lines.append("do not use family or friends to interpret")
    if needs.flexible_dna_basis:  # clinical roles only: the service leaves it empty for others
        lines.append("flexible DNA handling because: " + "; ".join(needs.flexible_dna_basis))
    return lines


def _echo_duplicates(exc: PossibleDuplicates) -> None:
    typer.echo("possible duplicates — check with the person, then re-run with --new-person "
               "or --same-as <id>:", err=True)
    for c in exc.candidates:
        est = " (estimated)" if c.dob_estimated else ""
        typer.echo(
            f"  #{c.patient_id} {c.given_name} {c.family_name}, born {c.date_of_birth}{est}, "
            f"{c.sex}: {', '.join(c.reasons)}",
            err=True,
        )


def _correspondence(
    care_of: str | None, care_of_address: list[str], practice_address: bool,
    temporary_address: list[str], no_correspondence: bool,
) -> str | None:
    chosen = [
        k for k, on in (
            (CorrespondenceKind.PARTNER, care_of is not None),
            (CorrespondenceKind.CARE_OF, bool(care_of_address)),
            (CorrespondenceKind.PRACTICE, practice_address),
            (CorrespondenceKind.TEMPORARY, bool(temporary_address)),
            (CorrespondenceKind.NONE, no_correspondence),
        ) if on
    ]
    if len(chosen) > 1:
        raise InvalidInput(
            "correspondence", "choose one of --care-of, --care-of-address, --practice-address, "
            "--temporary-address, --collect-at-reception",
        )
    return chosen[0].value if chosen else None


@app.command("register")
def register_cmd(
    ctx: typer.Context,
    given: str = typer.Option(..., "--given", help="Given name(s)."),
    family: str = typer.Option(..., "--family", help="Family name."),
    sex: str = typer.Option(..., "--sex", help="Sex/gender as recorded: female | male | other | unknown."),
    dob: str | None = typer.Option(None, "--dob", help="Date of birth: 03/12/1990 or 1990-12-03."),
    dob_estimated: bool = typer.Option(False, "--dob-estimated", help="The date of birth is a guess."),
    estimated_year: int | None = typer.Option(
        None, "--estimated-year", help="Unknown date of birth: recorded as 1 January, estimated."
    ),
    title: str | None = typer.Option(None, "--title", help="Title, if the patient uses one (Ms, Mr, Mx, Dr…)."),
    nhs_number: str | None = typer.Option(None, "--nhs-number", help="Optional; spaces and dashes allowed."),
    nhs_status: str | None = typer.Option(None, "--nhs-status", help="Verification status 01–08."),
    nhs_unavailable: str | None = typer.Option(
        None, "--nhs-unavailable", help="No number: not_known (default) | overseas | devolved."
    ),
    address: list[str] = typer.Option([], "--address", help="Usual residence line (repeat)."),
    postcode: str | None = typer.Option(None, "--postcode", help="Usual residence postcode."),
    no_fixed_abode: bool = typer.Option(False, "--no-fixed-abode", help="Usual postcode becomes ZZ99 3VZ."),
    care_of: str | None = typer.Option(None, "--care-of", help="Letters care of this partner (code)."),
    care_of_address: list[str] = typer.Option([], "--care-of-address", help="Care-of address line (repeat)."),
    care_of_postcode: str | None = typer.Option(None, "--care-of-postcode", help="Postcode of the care-of address."),
    practice_address: bool = typer.Option(False, "--practice-address", help="Letters to the practice."),
    agreed_to_check_post: bool = typer.Option(
        False, "--agreed-to-check-post", help="With --practice-address: the patient agreed to check in."
    ),
    agreed_on: str | None = typer.Option(None, "--agreed-on", help="Date of that agreement (default today)."),
    temporary_address: list[str] = typer.Option([], "--temporary-address", help="Temporary address line."),
    temporary_postcode: str | None = typer.Option(None, "--temporary-postcode", help="Postcode of the temporary address."),
    temporary_from: str | None = typer.Option(None, "--temporary-from", help="First day at the temporary address."),
    temporary_to: str | None = typer.Option(None, "--temporary-to", help="Last day at the temporary address."),
    collect_at_reception: bool = typer.Option(
        False, "--collect-at-reception", help="No correspondence address: letters kept at reception."
    ),
    contact: str | None = typer.Option(
        None, "--contact", help="phone | sms | email | keyworker | hostel | reception | no_letters"
    ),
    phone: str | None = typer.Option(None, "--phone", help="Patient's phone number."),
    email: str | None = typer.Option(None, "--email", help="Patient's email address."),
    keyworker: str | None = typer.Option(None, "--keyworker", help="Keyworker's name."),
    keyworker_phone: str | None = typer.Option(None, "--keyworker-phone", help="Keyworker's phone number."),
    keyworker_partner: str | None = typer.Option(None, "--keyworker-partner", help="Partner code."),
    language: str | None = typer.Option(None, "--language", help="BCP-47 tag or name: pl, ti, bfi, Polish."),
    dialect: str | None = typer.Option(None, "--dialect", help="Dialect, if it matters for the interpreter (e.g. Sorani)."),
    interpreter: str | None = typer.Option(
        None, "--interpreter",
        help="Interpreter needed, by: face_to_face | telephone | video | bsl_in_person | bsl_video_relay",
    ),
    interpreter_gender: str | None = typer.Option(None, "--interpreter-gender", help="female | male"),
    no_family_interpreter: bool = typer.Option(
        False, "--no-family-interpreter", help="Do not use family or friends to interpret."
    ),
    ethnicity: str | None = typer.Option(None, "--ethnicity", help="Ethnic category code A–S, Z, 99."),
    adjustment: list[str] = typer.Option(
        [], "--adjustment", help="Reasonable adjustment kind[:detail] (repeat), e.g. extended_appointment."
    ),
    kind: str = typer.Option(
        "permanent", "--type", help="permanent | temporary | immediately_necessary"
    ),
    start: str | None = typer.Option(None, "--start", help="Registration start (default today)."),
    until: str | None = typer.Option(None, "--until", help="Temporary residents: the planned end."),
    new_person: bool = typer.Option(False, "--new-person", help="Checked: not any of the duplicates."),
    same_as: int | None = typer.Option(None, "--same-as", help="Checked: the same person as this record."),
) -> None:
    """Register a person. Only names, date of birth (or estimated year) and sex are needed."""
    ip = get_practice(ctx)
    actor = acting_user(ctx)
    if agreed_to_check_post and not practice_address:
        raise InvalidInput("--agreed-to-check-post", "only used with --practice-address")
    agreed_date = None
    if practice_address and agreed_to_check_post:
        agreed_date = parse_date(agreed_on, "--agreed-on") or ip.clock.today()
    person = NewPatient(
        given_name=given, family_name=family, sex=sex,
        date_of_birth=parse_date(dob, "--dob"), dob_estimated=dob_estimated,
        estimated_birth_year=estimated_year, title=title, nhs_number=nhs_number,
        nhs_number_status=nhs_status, nhs_number_unavailable_reason=nhs_unavailable,
        usual_address=address, usual_postcode=postcode, no_fixed_abode=no_fixed_abode,
        correspondence=_correspondence(care_of, care_of_address, practice_address,
                                       temporary_address, collect_at_reception),
        care_of_partner=care_of,
        correspondence_address=care_of_address or temporary_address,
        correspondence_postcode=care_of_postcode or temporary_postcode,
        correspondence_from=parse_date(temporary_from, "--temporary-from"),
        correspondence_to=parse_date(temporary_to, "--temporary-to"),
        post_check_agreed_on=agreed_date,
        contact_route=contact, phone=phone, email=email, keyworker_name=keyworker,
        keyworker_phone=keyworker_phone, keyworker_partner=keyworker_partner,
        main_language=language, dialect=dialect,
        interpreter_needed=True if interpreter else None, interpreter_mode=interpreter,
        interpreter_gender=interpreter_gender, no_family_interpreter=no_family_interpreter,
        ethnicity_code=ethnicity, adjustments=adjustment,
    )
    if new_person and same_as is not None:
        raise InvalidInput("--same-as", "say --new-person or --same-as, not both")
    decision = "new_person" if new_person else ("same_person" if same_as is not None else None)
    try:
        result = ip.patients.register(
            actor, person, kind=kind, start=parse_date(start, "--start"),
            planned_end=parse_date(until, "--until"), decision=decision, same_as=same_as,
        )
    except PossibleDuplicates as exc:
        _echo_duplicates(exc)
        raise
    p = result.patient
    reg = result.registration
    typer.echo(
        f"registered patient {p.id}: {p.display_name} ({reg.kind.label} from {reg.start}"
        + (f" to {reg.planned_end}" if reg.planned_end else "") + ")"
    )
    if result.linked_to_id:
        typer.echo(f"linked to patient {result.linked_to_id} (same person; both histories kept)")
    typer.echo(f"new-patient health check due by {result.health_check_due} (task {result.health_check_task_id})")


@app.command("find")
def find_cmd(
    ctx: typer.Context,
    text: str = typer.Argument(..., help="Name, NHS number, #id or date of birth."),
    limit: int = typer.Option(20, "--limit", help="At most this many results."),
    fmt: str = format_option(),
) -> None:
    """Search (accents, hyphens and spacing ignored). Shows what your role may see."""
    check_format(fmt)
    items = get_practice(ctx).patients.find(acting_user(ctx), text, limit=limit)

    def lines(found: list[PatientListItem]) -> Iterator[str]:
        for it in found:
            nhs = format_nhs_number(it.nhs_number) if it.nhs_number else "no NHS number"
            reg = "registered" if it.registered_today else "not registered"
            extra = []
            if it.flag_labels:
                extra.append("flags: " + ", ".join(it.flag_labels))
            if it.needs:
                extra.append("needs: " + ", ".join(it.needs))
            yield (f"{it.id:>6}  {it.display_name}  born {_dob(it)}  {it.sex.value}  {nhs}  {reg}"
                   + ("  — " + "; ".join(extra) if extra else ""))

    emit_list(fmt, items, ("id", "name", "born", "born_estimated", "sex", "nhs_number",
                           "registered", "flags", "needs"),
              lambda it: {"id": it.id, "name": it.display_name, "born": it.date_of_birth,
                          "born_estimated": it.dob_estimated, "sex": it.sex,
                          "nhs_number": it.nhs_number, "registered": it.registered_today,
                          "flags": list(it.flag_labels), "needs": list(it.needs)},
              lines, "no patients found")


@app.command("show")
def show_cmd(ctx: typer.Context, patient_id: int = typer.Argument(...)) -> None:
    """The record as your role may see it, with the needs that follow from it."""
    ip = get_practice(ctx)
    v = ip.patients.show(acting_user(ctx), patient_id)
    r = v.record
    title = f"{r.title} " if r.title else ""
    typer.echo(f"patient {r.id}: {title}{r.display_name}")
    typer.echo(f"  born {_dob(v)}, {r.sex.value}")
    if r.nhs_number:
        status = f" ({r.nhs_number_status.value} {r.nhs_number_status.display})" if r.nhs_number_status else ""
        typer.echo(f"  NHS number {format_nhs_number(r.nhs_number)}{status}")
    else:
        why = r.nhs_number_unavailable_reason.display if r.nhs_number_unavailable_reason else "none"
        typer.echo(f"  NHS number: none ({why})")
    a = r.addresses
    if a.no_fixed_abode:
        usual = f"no fixed abode ({a.usual_postcode})"
    elif a.usual_lines:
        usual = ", ".join(a.usual_lines) + (f", {a.usual_postcode}" if a.usual_postcode else "")
    else:
        usual = f"not known ({a.usual_postcode})" if a.usual_postcode else "not known"
    typer.echo(f"  usual residence: {usual}")
    kind = a.correspondence_kind
    if kind is CorrespondenceKind.PARTNER and a.correspondence_partner:
        partner = ip.config.partner(a.correspondence_partner)
        corr = f"care of {partner.name if partner else a.correspondence_partner}"
    elif kind is CorrespondenceKind.PRACTICE:
        corr = f"the practice (agreed to check in for post on {a.post_check_agreed_on})"
    elif kind in (CorrespondenceKind.CARE_OF, CorrespondenceKind.TEMPORARY):
        corr = ", ".join(a.correspondence_lines) + f", {a.correspondence_postcode}"
        if kind is CorrespondenceKind.TEMPORARY:
            corr = f"temporary: {corr} from {a.correspondence_from}" + (
                f" to {a.correspondence_to}" if a.correspondence_to else "")
    elif kind is CorrespondenceKind.NONE:
        corr = "none — collect at reception"
    else:
        corr = "usual residence"
    typer.echo(f"  letters: {corr}")
    c = r.contact
    if c.route or c.phone or c.email or c.keyworker_name:
        bits = [f"by {c.route.value.replace('_', ' ')}" if c.route else None,
                f"phone {c.phone}" if c.phone else None, f"email {c.email}" if c.email else None]
        if c.keyworker_name or c.keyworker_partner:
            kw = c.keyworker_name or ""
            if c.keyworker_partner:
                partner = ip.config.partner(c.keyworker_partner)
                kw += f" at {partner.name if partner else c.keyworker_partner}"
            if c.keyworker_phone:
                kw += f" ({c.keyworker_phone})"
            bits.append(f"keyworker {kw.strip()}")
        typer.echo("  contact: " + ", ".join(b for b in bits if b))
    comm = r.communication
    if comm.main_language:
        typer.echo(
            f"  language: {language_name(comm.main_language)} [{comm.main_language}]"
            + (f", dialect {comm.dialect}" if comm.dialect else "")
        )
    regs = ", ".join(
        f"{p.kind.label} {p.start}–{p.last_day or ''}".rstrip("–")
        + (f" ({p.end_reason.value})" if p.end_reason else "")
        for p in r.registrations
    )
    typer.echo(f"  registration: {'registered' if v.registered_today else 'not registered'} today; {regs}")
    if v.health_check_due:
        typer.echo(f"  new-patient health check due by {v.health_check_due}")
    if v.linked_records:
        typer.echo("  same person as: " + ", ".join(f"#{i}" for i in v.linked_records))
    needs = _needs_lines(v.needs)
    typer.echo("  needs: " + ("; ".join(needs) if needs else "none recorded"))
    for adj in v.adjustments:
        typer.echo(f"  adjustment {adj.id}: {adj.kind.replace('_', ' ')}"
                   + (f" ({adj.detail})" if adj.detail else "") + f" [RA {adj.ra_category}]")
    for f in v.flags:
        typer.echo("  " + _flag_line(f))


@app.command("needs")
def needs_cmd(ctx: typer.Context, patient_id: int = typer.Argument(...)) -> None:
    """What this patient needs to be seen (never the reason behind a restricted flag)."""
    needs = get_practice(ctx).patients.needs(acting_user(ctx), patient_id)
    lines = _needs_lines(needs)
    if not lines:
        typer.echo("no particular needs recorded")
    for line in lines:
        typer.echo(line)


@app.command("fhir")
def fhir_cmd(ctx: typer.Context, patient_id: int = typer.Argument(...)) -> None:
    """The record as a FHIR R4 Bundle (Patient, visible Flags, adjustments) on stdout."""
    bundle = get_practice(ctx).fhir.patient_bundle(acting_user(ctx), patient_id)
    typer.echo(json.dumps(bundle, indent=2, ensure_ascii=False))


@app.command("registrations")
def registrations_cmd(ctx: typer.Context, patient_id: int = typer.Argument(...)) -> None:
    """Every registration period, oldest first."""
    for p in get_practice(ctx).patients.registrations(patient_id):
        end = f" to {p.last_day}" if p.last_day else ""
        why = f" — ended: {p.end_reason.value}" + (f" ({p.end_detail})" if p.end_detail else "") if p.end_reason else ""
        typer.echo(f"{p.kind.label} from {p.start}{end}{why}")


@app.command("deregister")
def deregister_cmd(
    ctx: typer.Context,
    patient_id: int = typer.Argument(...),
    reason: str = typer.Option(
        ..., "--reason",
        help="moved | registered_elsewhere | died | removed | left_uk | temporary_ended | other",
    ),
    on: str | None = typer.Option(None, "--on", help="Last day registered (default today)."),
    detail: str | None = typer.Option(None, "--detail", help="Required for removed and other."),
) -> None:
    """End the current registration (history is kept)."""
    p = get_practice(ctx).patients.deregister(
        acting_user(ctx), patient_id, reason, on=parse_date(on, "--on"), detail=detail
    )
    typer.echo(f"deregistered patient {patient_id}: last day {p.end} ({reason})")


@app.command("reregister")
def reregister_cmd(
    ctx: typer.Context,
    patient_id: int = typer.Argument(...),
    kind: str = typer.Option("permanent", "--type", help="permanent, temporary or immediately_necessary."),
    start: str | None = typer.Option(None, "--start", help="First day (e.g. today, 03/12/2026)."),
    until: str | None = typer.Option(None, "--until", help="Planned last day (temporary residents: at most 3 months)."),
) -> None:
    """Register a known patient again: a new period; the old ones stay."""
    r = get_practice(ctx).patients.reregister(
        acting_user(ctx), patient_id, kind=kind, start=parse_date(start, "--start"),
        planned_end=parse_date(until, "--until"),
    )
    typer.echo(f"re-registered patient {patient_id} ({r.registration.kind.label} from {r.registration.start}); "
               f"health check due by {r.health_check_due}")


@app.command("link")
def link_cmd(
    ctx: typer.Context,
    patient_id: int = typer.Argument(...),
    same_as: int = typer.Option(..., "--same-as", help="The record this one is the same person as."),
) -> None:
    """Confirm two records are the same person (both histories kept; audited)."""
    rec = get_practice(ctx).patients.link(acting_user(ctx), patient_id, same_as)
    typer.echo(f"linked patient {patient_id} to {rec.linked_to_id}")


@app.command("edit-communication")
def edit_communication_cmd(
    ctx: typer.Context,
    patient_id: int = typer.Argument(...),
    language: str | None = typer.Option(None, "--language", help="Main spoken language: a tag (pl, ti, bfi) or a name (Polish)."),
    dialect: str | None = typer.Option(None, "--dialect", help="Dialect, if it matters for the interpreter (e.g. Sorani)."),
    interpreter: str | None = typer.Option(None, "--interpreter", help="Interpreter needed, by: face_to_face | telephone | video | bsl_in_person | bsl_video_relay"),
    interpreter_gender: str | None = typer.Option(None, "--interpreter-gender", help="Interpreter gender the patient asked for: female or male."),
    no_family_interpreter: bool = typer.Option(False, "--no-family-interpreter", help="Never use family or friends to interpret."),
) -> None:
    """Replace language and interpreter needs."""
    get_practice(ctx).patients.update(acting_user(ctx), patient_id, PatientUpdate(
        main_language=language, dialect=dialect,
        interpreter_needed=True if interpreter else None, interpreter_mode=interpreter,
        interpreter_gender=interpreter_gender, no_family_interpreter=no_family_interpreter,
    ))
    typer.echo(f"updated communication for patient {patient_id}")


@app.command("edit-contact")
def edit_contact_cmd(
    ctx: typer.Context,
    patient_id: int = typer.Argument(...),
    contact: str | None = typer.Option(None, "--contact", help="phone | sms | email | keyworker | hostel | reception | no_letters"),
    phone: str | None = typer.Option(None, "--phone", help="Patient's phone number."),
    email: str | None = typer.Option(None, "--email", help="Patient's email address."),
    keyworker: str | None = typer.Option(None, "--keyworker", help="Keyworker's name."),
    keyworker_phone: str | None = typer.Option(None, "--keyworker-phone", help="Keyworker's phone number."),
    keyworker_partner: str | None = typer.Option(None, "--keyworker-partner", help="Partner code of the keyworker's organisation (practice.toml)."),
) -> None:
    """Replace the contact route and numbers."""
    get_practice(ctx).patients.update(acting_user(ctx), patient_id, PatientUpdate(
        contact_route=contact, phone=phone, email=email,
        keyworker_name=keyworker, keyworker_phone=keyworker_phone,
        keyworker_partner=keyworker_partner,
    ))
    typer.echo(f"updated contact for patient {patient_id}")


@app.command("edit-address")
def edit_address_cmd(
    ctx: typer.Context,
    patient_id: int = typer.Argument(...),
    address: list[str] = typer.Option([], "--address", help="Usual residence line (repeat)."),
    postcode: str | None = typer.Option(None, "--postcode", help="Usual address postcode."),
    no_fixed_abode: bool = typer.Option(False, "--no-fixed-abode", help="No fixed abode (stored with the NHS pseudo-postcode ZZ99 3VZ)."),
    care_of: str | None = typer.Option(None, "--care-of", help="Partner code to write care of (a hostel or day centre in practice.toml)."),
    care_of_address: list[str] = typer.Option([], "--care-of-address", help="Care-of address line (repeat)."),
    care_of_postcode: str | None = typer.Option(None, "--care-of-postcode", help="Postcode of the care-of address."),
    practice_address: bool = typer.Option(False, "--practice-address", help="Use the practice as the correspondence address."),
    agreed_to_check_post: bool = typer.Option(False, "--agreed-to-check-post", help="The patient agreed to collect post at the practice."),
    agreed_on: str | None = typer.Option(None, "--agreed-on", help="The day the patient agreed."),
    temporary_address: list[str] = typer.Option([], "--temporary-address", help="Temporary address line (repeat)."),
    temporary_postcode: str | None = typer.Option(None, "--temporary-postcode", help="Postcode of the temporary address."),
    temporary_from: str | None = typer.Option(None, "--temporary-from", help="First day at the temporary address."),
    temporary_to: str | None = typer.Option(None, "--temporary-to", help="Last day at the temporary address."),
    collect_at_reception: bool = typer.Option(False, "--collect-at-reception", help="Letters are kept at reception for the patient to collect."),
) -> None:
    """Replace the usual residence and correspondence address."""
    ip = get_practice(ctx)
    agreed_date = None
    if practice_address and agreed_to_check_post:
        agreed_date = parse_date(agreed_on, "--agreed-on") or ip.clock.today()
    ip.patients.update(acting_user(ctx), patient_id, PatientUpdate(
        usual_address=address, usual_postcode=postcode,
        no_fixed_abode=no_fixed_abode,
        correspondence=_correspondence(care_of, care_of_address, practice_address,
                                       temporary_address, collect_at_reception),
        care_of_partner=care_of, correspondence_address=care_of_address or temporary_address,
        correspondence_postcode=care_of_postcode or temporary_postcode,
        correspondence_from=parse_date(temporary_from, "--temporary-from"),
        correspondence_to=parse_date(temporary_to, "--temporary-to"),
        post_check_agreed_on=agreed_date,
    ))
    typer.echo(f"updated addresses for patient {patient_id}")


@app.command("edit-identity")
def edit_identity_cmd(
    ctx: typer.Context,
    patient_id: int = typer.Argument(...),
    nhs_number: str | None = typer.Option(None, "--nhs-number", help="NHS number (10 digits; checked with modulus 11)."),
    nhs_status: str | None = typer.Option(None, "--nhs-status", help="NHS number verification status code (01–08)."),
    nhs_unavailable: str | None = typer.Option(None, "--nhs-unavailable", help="No number: not_known | overseas | devolved."),
) -> None:
    """Record an NHS number found later or a trace result."""
    get_practice(ctx).patients.update(acting_user(ctx), patient_id, PatientUpdate(
        nhs_number=nhs_number, nhs_number_status=nhs_status,
        nhs_number_unavailable_reason=nhs_unavailable,
    ))
    typer.echo(f"updated NHS number details for patient {patient_id}")


@flag_app.command("add")
def flag_add_cmd(
    ctx: typer.Context,
    patient_id: int = typer.Argument(...),
    category: str = typer.Argument(..., help="e.g. homelessness, sex_work, vulnerable_migrant"),
    sub: str | None = typer.Option(None, "--sub", help="Subcategory, e.g. rough_sleeping."),
    source: str = typer.Option(
        "self_declared", "--source", help="self_declared | outreach_team | clinician | imported"
    ),
    start: str | None = typer.Option(None, "--start", help="First day (e.g. today, 03/12/2026)."),
    review: str | None = typer.Option(None, "--review", help="Review date (default: per config)."),
    snomed: str | None = typer.Option(None, "--snomed", help="SNOMED code (default: the category's)."),
) -> None:
    """Flag a patient. Restricted categories need a clinician."""
    f = get_practice(ctx).flags.add(
        acting_user(ctx), patient_id, category, subcategory=sub, source=source,
        start=parse_date(start, "--start"), review=parse_date(review, "--review"),
        snomed_code=snomed,
    )
    typer.echo("added " + _flag_line(f))


@flag_app.command("end")
def flag_end_cmd(
    ctx: typer.Context,
    flag_id: int = typer.Argument(...),
    on: str | None = typer.Option(None, "--on", help="Last day (default today)."),
    reason: str | None = typer.Option(None, "--reason", help="Why, in a few words (kept in the record)."),
) -> None:
    """End a flag (kept in the record with its dates)."""
    f = get_practice(ctx).flags.end(acting_user(ctx), flag_id, on=parse_date(on, "--on"), reason=reason)
    typer.echo("ended " + _flag_line(f))


@flag_app.command("list")
def flag_list_cmd(
    ctx: typer.Context,
    patient_id: int = typer.Argument(...),
    all_flags: bool = typer.Option(False, "--all", help="Include ended flags."),
    fmt: str = format_option(),
) -> None:
    """A patient's flags that your role may see."""
    check_format(fmt)
    flags = get_practice(ctx).flags.list(acting_user(ctx), patient_id, include_ended=all_flags)
    emit_list(fmt, flags, FLAG_COLUMNS, _flag_row, lambda fs: map(_flag_line, fs),
              "no flags you can see")


@flag_app.command("due")
def flag_due_cmd(ctx: typer.Context, fmt: str = format_option()) -> None:
    """Flags due for review (that your role may see)."""
    check_format(fmt)
    flags = get_practice(ctx).flags.due_for_review(acting_user(ctx))
    emit_list(fmt, flags, FLAG_COLUMNS, _flag_row,
              lambda fs: (f"patient {f.patient_id}: " + _flag_line(f) for f in fs),
              "no flags due for review")


@adjust_app.command("add")
def adjustment_add_cmd(
    ctx: typer.Context,
    patient_id: int = typer.Argument(...),
    kind: str = typer.Argument(..., help="kind[:detail], e.g. extended_appointment, clinician_gender:female"),
) -> None:
    """Record a reasonable adjustment."""
    a = get_practice(ctx).adjustments.add(acting_user(ctx), patient_id, kind)
    typer.echo(f"added adjustment {a.id}: {a.kind}" + (f" ({a.detail})" if a.detail else "")
               + f" [RA {a.ra_category}" + (f", SNOMED {a.snomed_code}]" if a.snomed_code else "]"))


@adjust_app.command("end")
def adjustment_end_cmd(
    ctx: typer.Context,
    adjustment_id: int = typer.Argument(...),
    on: str | None = typer.Option(None, "--on", help="The day it ends (default today)."),
) -> None:
    """End a reasonable adjustment."""
    a = get_practice(ctx).adjustments.end(acting_user(ctx), adjustment_id, on=parse_date(on, "--on"))
    typer.echo(f"ended adjustment {a.id} on {a.end}")


@app.command("health-checks")
def health_checks_cmd(
    ctx: typer.Context,
    days: int = typer.Option(7, "--days", help="Due within this many days (overdue always shown)."),
    fmt: str = format_option(),
) -> None:
    """New-patient health checks to offer: overdue first."""
    check_format(fmt)
    due = get_practice(ctx).patients.health_checks_due(acting_user(ctx), within_days=days)
    emit_list(fmt, due, ("due", "overdue", "patient_id", "patient", "registered"),
              lambda d: {"due": d.due_date, "overdue": d.overdue, "patient_id": d.patient_id,
                         "patient": d.display_name, "registered": d.registered_on},
              lambda ds: (f"{'OVERDUE ' if d.overdue else ''}{d.due_date:%Y-%m-%d}  "
                          f"#{d.patient_id:<7} {d.display_name}  "
                          f"(registered {d.registered_on:%Y-%m-%d})" for d in ds),
              "no new-patient health checks due")


@app.command("health-check-done")
def health_check_done_cmd(
    ctx: typer.Context,
    patient_id: int = typer.Argument(...),
    outcome: str = typer.Option(..., "--outcome", help="What was done."),
) -> None:
    """Record that a patient's new-patient health check is done."""
    done = get_practice(ctx).patients.complete_health_check(acting_user(ctx), patient_id,
                                                           outcome=outcome)
    typer.echo(f"health check for #{done.patient_id} {done.display_name} recorded as done")
