"""QOF payment maths: £ per point and national average list size per financial year, the
contractor population index (CPI), the prevalence factor and the payment itself.

Pure functions and data, no I/O, so every caller (the indicator service, the returns, the
tests' worked examples) computes a claim the same way.

Payment for an indicator (the QOF formula, e.g. Lincolnshire LMC, "QOF point value and
prevalence", and Ardens, "Maximising QOF income: prevalence")::

    points × £ per point × CPI × prevalence factor  +  £ per patient × A  +  £ per event × events

- **CPI** = practice list size ÷ national average list size for the financial year. On by
  default (``reporting.apply_list_size_index``): QOF always applies it.
- **Prevalence factor** (QOF's adjusted practice disease factor) = practice prevalence ÷ the
  reference prevalence, where practice prevalence = register ÷ list size. Applied only to an
  indicator that names a register and a reference prevalence; 1 otherwise.
- Each £ component is rounded to the penny and the total is their sum, so a return's columns
  add up to its total.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class QofYear:
    """The national figures for one financial year (1 April to 31 March), with their sources.

    ``None`` means no figure has been found in a source: the year's rates then fall back (see
    :func:`rates_for`) and say so.
    """

    label: str
    pounds_per_point: float | None
    pounds_per_point_source: str
    national_average_list_size: int | None
    national_average_source: str


QOF_YEARS: Mapping[int, QofYear] = {
    2021: QofYear(
        "2021/22", 201.16,
        "Ardens support article 31000158571 (QOF income calculations, 2021/22)",
        9085, "Ardens support article 31000158571 (2021/22 national average list size)",
    ),
    2022: QofYear(
        "2022/23", 207.56,
        "Lincolnshire LMC, 'QOF point value and prevalence' (2022/23)",
        9374, "Lincolnshire LMC, 'QOF point value and prevalence' (2022/23)",
    ),
    2023: QofYear(
        "2023/24", 213.43,
        "Ardens support article 31000162271, 'Maximising QOF income: prevalence' (2023/24)",
        9639, "Ardens support article 31000162271 (2023/24 national average list size)",
    ),
    2024: QofYear(
        "2024/25", 220.62,
        "GMS Statement of Financial Entitlements Directions 2024, as reported by Pulse "
        "('Income-protected QOF points double next week', 2024) and Lincolnshire LMC",
        9964,
        "GMS SFE Directions 2024 as reported by Pulse and Lincolnshire LMC (9,964; the Ardens "
        "QOF FAQ says 9,962)",
    ),
    2025: QofYear(
        "2025/26", 225.49,
        "UNCONFIRMED: the project's domain notes, from a summary rather than the 2025 SFE "
        "Directions; confirm with the commissioner",
        None,
        "UNSOURCED: no published 2025/26 national average list size was found",
    ),
}
"""National QOF figures by the calendar year the financial year starts in (2024 → 2024/25)."""


def financial_year_start(day: dt.date) -> int:
    """The calendar year of the 1 April on or before ``day`` (31 March 2026 → 2025)."""
    return day.year if day.month >= 4 else day.year - 1


def _year_label(start: int) -> str:
    return f"{start}/{(start + 1) % 100:02d}"


@dataclass(frozen=True)
class PaymentRates:
    """The £ per point and list-size figures a run uses, each with where it came from."""

    financial_year: str
    pounds_per_point: float
    pounds_per_point_source: str
    national_average_list_size: int
    national_average_source: str
    apply_cpi: bool = True
    notes: tuple[str, ...] = ()
    """Caveats a reader must see: an unsourced or borrowed figure."""


def _nearest(start: int, attr: str) -> tuple[int, QofYear]:
    """The table's year with a figure for ``attr`` nearest to ``start`` (the latest earlier one
    if there is one, else the earliest later one)."""
    known = sorted(y for y, q in QOF_YEARS.items() if getattr(q, attr) is not None)
    earlier = [y for y in known if y <= start]
    year = earlier[-1] if earlier else known[0]
    return year, QOF_YEARS[year]


def rates_for(
    period_end: dt.date,
    *,
    pounds_per_point: float | None = None,
    pounds_per_point_source: str = "practice.toml reporting.pounds_per_point",
    national_average_list_size: int | None = None,
    national_average_source: str = "practice.toml reporting.national_average_list_size",
    apply_cpi: bool = True,
) -> PaymentRates:
    """The rates for the financial year holding ``period_end``; a given figure overrides the table.

    A year without a sourced figure borrows the nearest year's (the latest earlier one) and adds a
    note saying so, so a claim never silently rests on an unsourced number.
    """
    start = financial_year_start(period_end)
    label = _year_label(start)
    notes: list[str] = []
    year = QOF_YEARS.get(start)

    if pounds_per_point is not None:
        ppp, ppp_source = pounds_per_point, pounds_per_point_source
    elif year is not None and year.pounds_per_point is not None:
        ppp, ppp_source = year.pounds_per_point, year.pounds_per_point_source
        if ppp_source.startswith(("UNCONFIRMED", "UNSOURCED")):
            notes.append(
                f"£ per point for {label} ({ppp:.2f}) is not confirmed against a primary source; "
                "set reporting.pounds_per_point in practice.toml to the agreed figure."
            )
    else:
        _y, q = _nearest(start, "pounds_per_point")
        assert q.pounds_per_point is not None
        ppp, ppp_source = q.pounds_per_point, f"{q.label} figure used for {label}: {q.pounds_per_point_source}"
        notes.append(
            f"No £ per point is known for {label}: the {q.label} figure ({ppp:.2f}) is used; set "
            "reporting.pounds_per_point in practice.toml."
        )

    if national_average_list_size is not None:
        avg, avg_source = national_average_list_size, national_average_source
    elif year is not None and year.national_average_list_size is not None:
        avg, avg_source = year.national_average_list_size, year.national_average_source
    else:
        _y, q = _nearest(start, "national_average_list_size")
        assert q.national_average_list_size is not None
        avg = q.national_average_list_size
        avg_source = f"{q.label} figure used for {label}: {q.national_average_source}"
        if apply_cpi:
            notes.append(
                f"No national average list size is sourced for {label}: the {q.label} figure "
                f"({avg:,}) is used for the contractor population index; set "
                "reporting.national_average_list_size in practice.toml."
            )
    return PaymentRates(label, ppp, ppp_source, avg, avg_source, apply_cpi, tuple(notes))


def contractor_population_index(list_size: int, national_average: int, apply: bool = True) -> float:
    """Practice list size ÷ national average list size (1 when not applied or no list size)."""
    if national_average <= 0:
        raise ValueError("the national average list size must be positive")
    if list_size < 0:
        raise ValueError("a list size cannot be negative")
    if not apply or list_size == 0:
        return 1.0
    return list_size / national_average


def prevalence_factor(register: int, list_size: int, reference_percent: float) -> float:
    """Practice prevalence (register ÷ list size, as a percentage) ÷ the reference prevalence.

    0 when the list is empty or nobody is on the register: no prevalence, nothing to pay for.
    """
    if reference_percent <= 0:
        raise ValueError("the reference prevalence must be above 0 %")
    if register < 0 or list_size < 0:
        raise ValueError("counts cannot be negative")
    if list_size == 0:
        return 0.0
    return (register / list_size * 100) / reference_percent


@dataclass(frozen=True)
class Payment:
    """One indicator's claim, component by component (each rounded to the penny)."""

    points: float
    pounds_per_point: float
    cpi: float
    prevalence_factor: float
    points_pounds: float
    per_patient_pounds: float
    per_event_pounds: float

    @property
    def total(self) -> float:
        return round(self.points_pounds + self.per_patient_pounds + self.per_event_pounds, 2)


def indicator_payment(
    points: float,
    pounds_per_point: float,
    cpi: float = 1.0,
    prevalence: float = 1.0,
    *,
    per_patient: float = 0.0,
    patients: int = 0,
    per_event: float = 0.0,
    events: int = 0,
) -> Payment:
    """points × £/point × CPI × prevalence factor, plus per-patient and per-event amounts."""
    if min(points, pounds_per_point, cpi, prevalence, per_patient, per_event) < 0 or min(patients, events) < 0:
        raise ValueError("payment inputs cannot be negative")
    return Payment(
        points=points,
        pounds_per_point=pounds_per_point,
        cpi=cpi,
        prevalence_factor=prevalence,
        points_pounds=round(points * pounds_per_point * cpi * prevalence, 2),
        per_patient_pounds=round(per_patient * patients, 2),
        per_event_pounds=round(per_event * events, 2),
    )
