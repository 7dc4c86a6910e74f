"""A return as presented tables: the one place numbers are formatted and suppressed.

The PDF draws these tables, the CSV flattens them to one line per cell and the JSON nests them,
so the three outputs carry the same numbers by construction. Counts are ``int`` (or "≤7");
rates, points and money are fixed-point strings ("45.2", "1234.50") so that no float
formatting can differ between outputs or runs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from inclusion_practice.domain.dna_ladder import action_kind
from inclusion_practice.domain.refusals import RefusalReason
from inclusion_practice.domain.registration import DeregistrationReason, RegistrationKind
from inclusion_practice.services.reporting import RegisterFlow
from reports.figures import PeriodFigures, ReturnFigures, ReturnKind
from reports.suppression import WITHHELD, Shown, Suppression, format_percent

Cell = Shown
"""A presented value: a count (int), "≤7", or a formatted string."""

PERIOD = "period"
YEAR_TO_DATE = "year_to_date"
RETURN = "return"


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    numeric: bool = True


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    values: tuple[Cell, ...]
    total: bool = False


@dataclass(frozen=True)
class Table:
    """One table of a return. ``scope`` says which period it measures."""

    scope: str
    key: str
    title: str
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    note: str = ""

    def cells(self) -> Iterator[tuple[Row, Column, Cell]]:
        for row in self.rows:
            for col, value in zip(self.columns, row.values, strict=True):
                yield row, col, value

    def value(self, row_key: str, column_key: str) -> Cell:
        """The cell at ``row_key`` × ``column_key`` (tests and the summary use this)."""
        ci = next(i for i, c in enumerate(self.columns) if c.key == column_key)
        row = next(r for r in self.rows if r.key == row_key)
        return row.values[ci]


def fixed(value: float | None, digits: int) -> str:
    return WITHHELD if value is None else f"{value:.{digits}f}"


def threshold(value: float | None) -> str:
    if value is None:
        return WITHHELD
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


DEREGISTRATION_LABELS: dict[str, str] = {
    DeregistrationReason.MOVED.value: "Moved away",
    DeregistrationReason.REGISTERED_ELSEWHERE.value: "Registered elsewhere",
    DeregistrationReason.DIED.value: "Died",
    DeregistrationReason.REMOVED.value: "Removed by the practice",
    DeregistrationReason.LEFT_UK.value: "Left the UK",
    DeregistrationReason.TEMPORARY_ENDED.value: "Temporary registration ended",
    DeregistrationReason.LINKED_DUPLICATE.value: "Duplicate record linked",
    DeregistrationReason.OTHER.value: "Other",
}


def language_label(tag: str) -> str:
    from inclusion_practice.domain.languages import language_name

    return language_name(tag) or tag


def _identity_table(f: ReturnFigures, sup: Suppression) -> Table:
    p = f.practice
    period = f.period
    status = "provisional: produced before the period ended" if f.provisional else "final"
    rows = [
        ("practice_name", "Practice", p.name),
        ("ods_code", "ODS code", p.ods_code),
        ("contract_type", "Contract type", p.contract_type),
        ("return", "Return", f.title),
        ("period", "Period", period.label),
        ("period_start", "First day", period.start.isoformat()),
        ("period_end", "Last day", period.end.isoformat()),
        ("produced_on", "Produced on", f.produced_on.isoformat()),
        ("status", "Status", status),
        ("indicator_set", "Indicator set", f"{f.indicator_set.title} ({f.indicator_set.id})"),
        ("indicator_set_version", "Indicator set version", f.indicator_set.version),
        ("pounds_per_point", "£ per point", fixed(f.indicator_set.pounds_per_point, 2)),
        ("suppression", "Small-number suppression", "applies" if sup.enabled else "off (exact counts)"),
    ]
    if f.year_to_date is not None:
        ytd = f.year_to_date.period
        rows.insert(7, ("year_to_date", "Year to date", f"{ytd.start.isoformat()} to {ytd.end.isoformat()}"))
    return Table(
        RETURN,
        "identity",
        "Return",
        (Column("value", "Value", numeric=False),),
        tuple(Row(k, label, (v,)) for k, label, v in rows),
        note=sup.statement,
    )


def _summary_table(scope: str, pf: PeriodFigures, sup: Suppression, indicative: bool) -> Table:
    total = pf.register_total
    c = pf.counts
    rows: list[Row] = [
        Row("registered_list", "Registered list at the period end (permanent registrations)",
            (sup.count(c.list_sizes.registered),)),
        Row("temporary_at_end", "Temporary residents and immediately necessary treatment at the "
            "period end (not on the list)", (sup.count(c.list_sizes.temporary),)),
        Row("register_at_end", "Patients on the inclusion-health register at the period end",
            (sup.count(total.at_end),)),
        Row("register_temporary_at_end", "Flagged temporary residents at the period end (beside "
            "the register, not on it)", (sup.count(total.temporary_at_end),)),
        Row("register_joined", "Patients who joined the register in the period",
            (sup.count(total.joined),)),
        Row("register_left", "Patients who left the register in the period",
            (sup.count(total.left),)),
        Row("registrations_new", "New registrations in the period",
            (sup.count(sum(r.new for r in c.registrations)),)),
        Row("refusals", "Registrations refused", (sup.count(sum(r.refused for r in c.refusals)),)),
        Row("appointments", "Appointments (not cancelled)", (sup.count(c.appointments.appointments),)),
        Row("double_appointments", "Double appointments booked",
            (sup.count(c.appointments.double),)),
    ]
    for r in c.dna_rates:
        group, label = DNA_GROUPS[r.flagged]
        rows.append(Row(f"dna_rate_{group}", f"DNA rate, {label} (%)",
                        (sup.rate(r.missed, r.appointments),)))
    # Mid-year, points and money say what the year would earn if it ended here: not a claim.
    if indicative:
        rows.append(Row("points", "Points (indicative, if the year ended here)",
                        (_money(pf.total_points, sup),)))
        rows.append(Row("claim", "Payment (£, indicative, if the year ended here)",
                        (_money(pf.total_payment, sup),), total=True))
    else:
        rows.append(Row("points", "Points", (_money(pf.total_points, sup),)))
        rows.append(Row("claim", "Total claim (£)", (_money(pf.total_payment, sup),), total=True))
    return Table(scope, "summary", "Summary", (Column("value", "Value"),), tuple(rows))


def _money(value: float, sup: Suppression, digits: int = 2) -> str:
    """Points and money go to the commissioner only: withheld from publishable versions."""
    return WITHHELD if sup.enabled else fixed(value, digits)


def _register_table(scope: str, pf: PeriodFigures, sup: Suppression) -> Table:
    def values(flow: RegisterFlow) -> tuple[Cell, ...]:
        return tuple(sup.count(v) for v in
                     (flow.at_start, flow.joined, flow.left, flow.at_end, flow.in_and_out,
                      flow.temporary_at_end))

    rows = [
        Row(cat.code, cat.label + (" (restricted)" if cat.restricted else ""), values(flow))
        for cat, flow in pf.register
    ]
    rows.append(Row("total", "Any category (each patient once)", values(pf.register_total),
                    total=True))
    before = pf.period.start - dt.timedelta(days=1)
    return Table(
        scope,
        "register",
        "Inclusion-health register by category",
        (Column("at_start", "At start"), Column("joined", "Joined"), Column("left", "Left"),
         Column("at_end", "At end"), Column("in_and_out", "In and out"),
         Column("temporary_at_end", "Temp. at end")),
        tuple(rows),
        note=f"On the register on a day: on the practice's registered list that day (a permanent "
        f"registration) and a flag of the category active that day. Records linked as the same "
        f"person count once. At start: on it on {before.isoformat()}; at end: on it on "
        f"{pf.period.end.isoformat()}. Joined: not on it at the start, on it at the end; left: "
        "the reverse, so at start + joined - left = at end in every row. A patient who registers "
        "or leaves the practice while flagged joins or leaves the register like a flag that "
        "starts or ends. In and out: on it for a while in the period but neither at its start "
        "nor its end. A patient in several categories is counted in each and once in the total. "
        "Temporary at end: flagged on the last day but there only as a temporary resident or for "
        "immediately necessary treatment; they stay registered with their home practice, so they "
        "are shown beside the register and are in no register, list size or per-patient payment "
        "unless an indicator opts in.",
    )


def _indicator_table(scope: str, pf: PeriodFigures, sup: Suppression) -> Table:
    rows = []
    for r in pf.indicators:
        n = r.counts
        eligible = n.denominator - n.exceptions
        if sup.enabled:
            achievement = sup.rate(n.numerator, eligible)
        else:
            achievement = format_percent(r.achievement)
        if r.kind == "register":
            achievement = WITHHELD
        rows.append(
            Row(
                r.indicator_id,
                f"{r.indicator_id} {r.title}",
                (
                    sup.count(n.numerator),
                    sup.count(n.denominator),
                    sup.count(n.exceptions),
                    achievement,
                    threshold(r.lower),
                    threshold(r.upper),
                    threshold(r.max_points) if r.max_points else WITHHELD,
                    _money(r.points, sup),
                    _money(r.payment, sup),
                ),
            )
        )
    rows.append(Row("total", "Total", ("", "", "", "", "", "",
                                       threshold(sum(r.max_points for r in pf.indicators)),
                                       _money(pf.total_points, sup),
                                       _money(pf.total_payment, sup)), total=True))
    return Table(
        scope,
        "indicators",
        "Indicators",
        (
            Column("numerator", "A"),
            Column("denominator", "B"),
            Column("exceptions", "C"),
            Column("achievement", "Achieved %"),
            Column("lower", "Lower %"),
            Column("upper", "Upper %"),
            Column("max_points", "Max pts"),
            Column("points", "Points"),
            Column("payment", "Payment £"),
        ),
        tuple(rows),
        note="A numerator; B eligible patients (denominator); C personalised care adjustments and "
        "exclusions. Achievement = A / (B − C) × 100. Points rise linearly from 0 at the lower "
        "threshold to the maximum at the upper. Payment = points × £ per point × contractor "
        "population index × prevalence factor, plus any per-patient or per-event amounts (see "
        "the payment table). Register indicators (no %) are paid per patient.",
    )


def _payment_basis_table(scope: str, pf: PeriodFigures, sup: Suppression) -> Table | None:
    run = pf.run
    if run is None or run.rates is None:
        return None
    r = run.rates
    cpi = f"{run.list_size_factor:.4f}" if r.apply_cpi else "not applied (1)"
    rows = (
        Row("financial_year", "Financial year", (r.financial_year, "")),
        Row("pounds_per_point", "£ per point", (fixed(r.pounds_per_point, 2), r.pounds_per_point_source)),
        Row("national_average_list_size", "National average list size",
            (f"{r.national_average_list_size}", r.national_average_source)),
        Row("list_size", "Practice list size (registered list at the period end)",
            (sup.count(run.list_size), "practice.toml practice.list_size if set, else counted")),
        Row("cpi", "Contractor population index (list size ÷ national average)", (cpi, "")),
    )
    return Table(
        scope,
        "payment_basis",
        "Payment basis",
        (Column("value", "Value", numeric=False), Column("source", "Source", numeric=False)),
        rows,
        note="The £ per point and national average list size are those of the financial year "
        "holding the period end, unless practice.toml (reporting.pounds_per_point, "
        "reporting.national_average_list_size) or the indicator set says otherwise. A figure "
        "marked unsourced or unconfirmed must be checked with the commissioner before signing.",
    )


def _payment_table(scope: str, pf: PeriodFigures, sup: Suppression) -> Table | None:
    run = pf.run
    if run is None:
        return None
    rows = []
    for r in pf.indicators:
        rows.append(Row(r.indicator_id, f"{r.indicator_id} {r.title}", (
            _money(r.points, sup),
            _money(r.prevalence_factor, sup, 4),
            _money(r.points_pounds, sup),
            _money(r.per_patient_pounds, sup),
            _money(r.per_event_pounds, sup),
            _money(r.payment, sup),
        )))
    rows.append(Row("total", "Total", (
        _money(pf.total_points, sup), "",
        _money(round(sum(r.points_pounds for r in pf.indicators), 2), sup),
        _money(round(sum(r.per_patient_pounds for r in pf.indicators), 2), sup),
        _money(round(sum(r.per_event_pounds for r in pf.indicators), 2), sup),
        _money(pf.total_payment, sup),
    ), total=True))
    return Table(
        scope,
        "payment",
        "Payment, component by component",
        (Column("points", "Points"), Column("prevalence", "Prevalence factor"),
         Column("points_pounds", "Points £"), Column("per_patient_pounds", "Per patient £"),
         Column("per_event_pounds", "Per event £"), Column("payment", "Payment £")),
        tuple(rows),
        note=f"Points £ = points × £{run.pounds_per_point:.2f} per point × contractor population "
        f"index {run.list_size_factor:.4f} × prevalence factor (practice prevalence ÷ the "
        "indicator's reference prevalence; 1 where the indicator is not prevalence-weighted). Per "
        "patient £ = the indicator's £ per patient × A. Per event £ = £ per event × events, an "
        "event being a numerator patient's day with a qualifying entry (two entries on one day "
        "are one event). Each part is rounded to the penny; the payment is their sum.",
    )


def _trend_table(f: ReturnFigures, sup: Suppression) -> Table | None:
    if not f.trend:
        return None
    quarters = sorted({t.quarter for t in f.trend})
    by = {(t.indicator_id, t.quarter): t for t in f.trend}
    kinds = {r.indicator_id: r.kind for r in f.current.indicators}
    rows = []
    for ind in dict.fromkeys(t.indicator_id for t in f.trend):
        if kinds.get(ind) == "register":
            continue
        values: list[Cell] = []
        for q in quarters:
            t = by.get((ind, q))
            if t is None:
                values.append(WITHHELD)
            elif sup.enabled:
                values.append(sup.rate(t.numerator, t.eligible))
            else:
                values.append(format_percent(t.achievement))
        rows.append(Row(ind, ind, tuple(values)))
    return Table(
        RETURN,
        "trend",
        "Achievement by quarter, financial year to date (%)",
        tuple(Column(q, q) for q in quarters),
        tuple(rows),
        note="Each column is the indicator run for the financial year to the end of that quarter.",
    )


def _registration_tables(scope: str, pf: PeriodFigures, sup: Suppression) -> list[Table]:
    c = pf.counts
    found = {r.kind: r for r in c.registrations}
    rows = []
    known = [k.value for k in RegistrationKind]
    for kind in known + sorted(set(found) - set(known)):
        r = found.get(kind)
        label = RegistrationKind(kind).label if kind in known else kind
        new, proxy, nfa = (r.new, r.proxy_address, r.no_fixed_abode) if r else (0, 0, 0)
        rows.append(Row(kind, label.capitalize(), (sup.count(new), sup.count(proxy), sup.count(nfa))))
    rows.append(Row("total", "Total", (
        sup.count(sum(r.new for r in c.registrations)),
        sup.count(sum(r.proxy_address for r in c.registrations)),
        sup.count(sum(r.no_fixed_abode for r in c.registrations)),
    ), total=True))
    registrations = Table(
        scope,
        "registrations",
        "New registrations by type",
        (Column("new", "Registered"), Column("proxy_address", "Using a proxy address"),
         Column("no_fixed_abode", "No fixed abode")),
        tuple(rows),
        note="Proxy address: letters go to the practice, a partner organisation (hostel, day "
        "centre) or a care-of address. Address figures are from the current record.",
    )
    dereg_rows = [
        Row(k, DEREGISTRATION_LABELS.get(k, k.replace("_", " ").capitalize()), (sup.count(n),))
        for k, n in sorted(c.deregistrations.items())
    ]
    dereg_rows.append(Row("total", "Total", (sup.count(sum(c.deregistrations.values())),),
                          total=True))
    dereg = Table(scope, "deregistrations", "Registrations ended, by reason",
                  (Column("count", "Patients"),), tuple(dereg_rows))
    found_ref = {r.reason: r for r in c.refusals}
    offered = [r.value for r in RefusalReason]
    ref_rows = []
    for reason in offered + sorted(set(found_ref) - set(offered)):
        rr = found_ref.get(reason)
        label = RefusalReason(reason).label if reason in offered else reason
        vals = (rr.refused, rr.written_in_time, rr.written_late, rr.not_yet_written) if rr else (0, 0, 0, 0)
        ref_rows.append(Row(reason, label[:1].upper() + label[1:], tuple(sup.count(v) for v in vals)))
    totals = [sum(getattr(r, a) for r in c.refusals)
              for a in ("refused", "written_in_time", "written_late", "not_yet_written")]
    ref_rows.append(Row("total", "Total", tuple(sup.count(v) for v in totals), total=True))
    refusals = Table(
        scope,
        "refusals",
        "Registrations refused, by reason",
        (Column("refused", "Refused"), Column("written_in_time", "Written to in time"),
         Column("written_late", "Written to late"), Column("not_yet_written", "Not yet written to")),
        tuple(ref_rows),
        note="No ID, no proof of address and immigration status are never grounds to refuse; "
        "the software does not accept them as reasons.",
    )
    return [registrations, dereg, refusals]


DNA_GROUPS: dict[bool, tuple[str, str]] = {
    True: ("flagged", "flagged patients"),
    False: ("other", "other patients"),
}


def _access_tables(scope: str, pf: PeriodFigures, sup: Suppression) -> list[Table]:
    c = pf.counts
    appointments = Table(
        scope,
        "appointments",
        "Appointments",
        (Column("count", "Appointments"),),
        (
            Row("appointments", "Appointments in the period (not cancelled)",
                (sup.count(c.appointments.appointments),)),
            Row("double", "Booked as a double (two or more slots)",
                (sup.count(c.appointments.double),)),
        ),
    )
    interp_rows = [
        Row(f"{r.language}/{r.mode}", f"{language_label(r.language)}, {r.mode.replace('_', ' ')}",
            (sup.count(r.appointments),))
        for r in c.interpreters
    ]
    interp_rows.append(Row("total", "Total", (sup.count(sum(r.appointments for r in c.interpreters)),),
                           total=True))
    interpreters = Table(
        scope,
        "interpreters",
        "Appointments with an interpreter, by language and mode",
        (Column("appointments", "Appointments"),),
        tuple(interp_rows),
        note="Interpreter bookings that still stand (to book or booked) on appointments that were "
        "not cancelled.",
    )
    rate_rows = [
        Row(DNA_GROUPS[r.flagged][0], DNA_GROUPS[r.flagged][1].capitalize(),
            (sup.count(r.appointments), sup.count(r.missed), sup.rate(r.missed, r.appointments)))
        for r in c.dna_rates
    ]
    rate_rows.append(Row("total", "All patients", (
        sup.count(sum(r.appointments for r in c.dna_rates)),
        sup.count(sum(r.missed for r in c.dna_rates)),
        sup.rate(sum(r.missed for r in c.dna_rates), sum(r.appointments for r in c.dna_rates)),
    ), total=True))
    dna = Table(
        scope,
        "dna_rates",
        "Missed appointments (DNA): flagged patients and others",
        (Column("appointments", "Appointments with an outcome"), Column("missed", "Missed"),
         Column("rate", "DNA rate %")),
        tuple(rate_rows),
        note="Flagged: an inclusion-health flag active at any time in the period. Outcome: "
        "attended or missed (cancelled and future appointments are left out). A DNA voided as "
        "recorded in error is neither missed nor attended.",
    )
    t = c.dna_totals
    merged: dict[str, list[int]] = {}
    for a in c.dna_actions:
        counts = merged.setdefault(a.action, [0, 0])
        counts[0] += a.decided
        counts[1] += a.done
    action_rows = [
        Row("dnas", "DNAs in the period (missed appointments and DNAs without one)",
            ("", sup.count(t.dnas), "")),
        Row("dnas_with_action", "DNAs with an action decided", ("", sup.count(t.with_action), "")),
        *(Row(action, action.replace("_", " ").capitalize(),
              (action_kind(action), sup.count(decided), sup.count(done)))
          for action, (decided, done) in sorted(merged.items())),
        Row("total", "Actions, total", ("", sup.count(sum(v[0] for v in merged.values())),
                                        sup.count(sum(v[1] for v in merged.values()))),
            total=True),
    ]
    actions = Table(
        scope,
        "dna_actions",
        "Actions after missed appointments",
        (Column("kind", "Kind", numeric=False), Column("decided", "Decided"), Column("done", "Done")),
        tuple(action_rows),
        note="The same DNAs as the DNA rates (missed appointments of the period, voided DNAs "
        "out), plus DNAs recorded without an appointment. Outreach (keyworker contact, "
        "clinician review, safeguarding check, drop-in offer) replaces sanctions for flagged "
        "patients (NICE NG214).",
    )
    return [appointments, interpreters, dna, actions]


DATA_QUALITY_CHECKS: tuple[tuple[str, str, str], ...] = (
    ("flagged_without_contact_route", "Flagged patients without a contact route",
     "Record how to reach them: keyworker, hostel, reception, phone or SMS"),
    ("interpreter_without_mode", "Patients needing an interpreter with no mode recorded",
     "Record face to face, telephone, video or BSL"),
)
"""(field of :class:`DataQualityCounts`, label, what the practice should do)."""


def _data_quality_table(scope: str, pf: PeriodFigures, sup: Suppression) -> Table:
    q = pf.counts.data_quality
    return Table(
        scope,
        "data_quality",
        "Data-quality checks at the period end",
        (Column("count", "Patients"), Column("action", "What to do", numeric=False)),
        tuple(Row(key, label, (sup.count(getattr(q, key)), action))
              for key, label, action in DATA_QUALITY_CHECKS),
    )


def period_tables(
    scope: str, pf: PeriodFigures, sup: Suppression, indicative: bool = False
) -> list[Table]:
    """Every table measured over one period, in document order."""
    payment = [t for t in (_payment_basis_table(scope, pf, sup), _payment_table(scope, pf, sup))
               if t is not None]
    return [
        _summary_table(scope, pf, sup, indicative),
        _register_table(scope, pf, sup),
        _indicator_table(scope, pf, sup),
        *payment,
        *_registration_tables(scope, pf, sup),
        *_access_tables(scope, pf, sup),
        _data_quality_table(scope, pf, sup),
    ]


def methods_table(f: ReturnFigures) -> Table:
    return Table(
        RETURN,
        "methods",
        "Indicator definitions",
        (Column("version", "Version", numeric=False), Column("codelists", "Code lists", numeric=False),
         Column("description", "Definition", numeric=False)),
        tuple(Row(m.indicator_id, f"{m.indicator_id} {m.title}",
                  (m.version, ", ".join(m.codelists) or WITHHELD, m.description))
              for m in f.methods),
    )


def codelist_table(f: ReturnFigures) -> Table:
    return Table(
        RETURN,
        "codelists",
        "Code lists and their sources",
        (Column("codes", "Codes", numeric=False), Column("source", "Source", numeric=False),
         Column("url", "URL", numeric=False)),
        tuple(Row(c.id, c.title, (" ".join(code for code, _ in c.codes), c.source, c.url))
              for c in f.codelists),
    )


def all_tables(f: ReturnFigures) -> list[Table]:
    """Every table of the return, in document order. The CSV and JSON are exactly these."""
    sup = f.suppression
    indicative = f.kind is ReturnKind.QUARTERLY
    out = [_identity_table(f, sup), *period_tables(PERIOD, f.current, sup, indicative)]
    trend = _trend_table(f, sup)
    if trend is not None:
        out.append(trend)
    if f.year_to_date is not None:
        out.extend(period_tables(YEAR_TO_DATE, f.year_to_date, sup, indicative))
    out.append(methods_table(f))
    out.append(codelist_table(f))
    return out
