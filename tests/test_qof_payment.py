"""QOF payment maths as worked examples: £ per point and national average list size by
financial year, the contractor population index (CPI), the prevalence factor, the payment."""

from __future__ import annotations

import datetime as dt

import pytest

from inclusion_practice.domain.qof import points
from inclusion_practice.domain.qof_payment import (
    QOF_YEARS,
    contractor_population_index,
    financial_year_start,
    indicator_payment,
    prevalence_factor,
    rates_for,
)

D = dt.date


@pytest.mark.parametrize(
    ("period_end", "year", "ppp", "average"),
    [
        (D(2024, 3, 31), "2023/24", 213.43, 9639),
        (D(2023, 6, 30), "2023/24", 213.43, 9639),  # a quarter of 2023/24
        (D(2025, 3, 31), "2024/25", 220.62, 9964),
        (D(2024, 4, 1), "2024/25", 220.62, 9964),
        (D(2023, 3, 31), "2022/23", 207.56, 9374),
    ],
)
def test_each_financial_year_has_its_own_rates(period_end: dt.date, year: str, ppp: float, average: int) -> None:
    r = rates_for(period_end)
    assert (r.financial_year, r.pounds_per_point, r.national_average_list_size) == (year, ppp, average)
    assert r.apply_cpi and r.notes == ()


def test_2025_26_uses_its_point_value_and_says_what_is_not_sourced() -> None:
    r = rates_for(D(2026, 3, 31))
    assert r.financial_year == "2025/26"
    assert r.pounds_per_point == 225.49
    # No 2025/26 national average list size has a source: the 2024/25 one is used, and said.
    assert r.national_average_list_size == 9964
    assert "2024/25" in r.national_average_source
    assert any("national average list size" in n and "2024/25" in n for n in r.notes)
    assert any("not confirmed" in n for n in r.notes)


def test_practice_toml_overrides_the_table_and_the_caveats_go() -> None:
    r = rates_for(D(2026, 3, 31), pounds_per_point=230.0, national_average_list_size=10_100)
    assert (r.pounds_per_point, r.national_average_list_size) == (230.0, 10_100)
    assert r.notes == ()
    assert "practice.toml" in r.pounds_per_point_source


def test_a_year_beyond_the_table_borrows_the_latest_and_says_so() -> None:
    r = rates_for(D(2028, 3, 31))
    assert r.financial_year == "2027/28"
    assert r.pounds_per_point == QOF_YEARS[2025].pounds_per_point
    assert any("No £ per point is known for 2027/28" in n for n in r.notes)


def test_without_cpi_the_missing_average_is_no_caveat() -> None:
    r = rates_for(D(2026, 3, 31), apply_cpi=False)
    assert not any("national average" in n for n in r.notes)


@pytest.mark.parametrize(("day", "start"), [(D(2026, 3, 31), 2025), (D(2025, 4, 1), 2025), (D(2025, 3, 31), 2024)])
def test_financial_years_start_on_1_april(day: dt.date, start: int) -> None:
    assert financial_year_start(day) == start


def test_every_year_in_the_table_names_its_sources() -> None:
    for start, q in QOF_YEARS.items():
        assert q.label == f"{start}/{(start + 1) % 100:02d}"
        assert len(q.pounds_per_point_source) > 10 and len(q.national_average_source) > 10
        if q.national_average_list_size is None:
            assert q.national_average_source.startswith("UNSOURCED")


@pytest.mark.parametrize(
    ("list_size", "average", "apply", "cpi"),
    [(4982, 9964, True, 0.5), (19928, 9964, True, 2.0), (4982, 9964, False, 1.0), (0, 9964, True, 1.0)],
)
def test_the_contractor_population_index(list_size: int, average: int, apply: bool, cpi: float) -> None:
    assert contractor_population_index(list_size, average, apply) == cpi


def test_the_prevalence_factor() -> None:
    assert prevalence_factor(150, 5000, 2.0) == pytest.approx(1.5)  # 3 % against 2 %
    assert prevalence_factor(50, 5000, 2.0) == pytest.approx(0.5)
    assert prevalence_factor(0, 5000, 2.0) == 0.0
    assert prevalence_factor(0, 0, 2.0) == 0.0
    with pytest.raises(ValueError):
        prevalence_factor(1, 5, 0.0)


def test_worked_example_2024_25_half_an_average_practice() -> None:
    """IH003 at 57.5 % between thresholds 40 and 75 for 20 points: 10 points; a practice of
    4,982 patients in 2024/25 has CPI 4,982 ÷ 9,964 = 0.5; 10 × £220.62 × 0.5 = £1,103.10."""
    pts = points(57.5, 40, 75, 20)
    assert pts == pytest.approx(10.0)
    r = rates_for(D(2025, 3, 31))
    cpi = contractor_population_index(4982, r.national_average_list_size)
    pay = indicator_payment(pts, r.pounds_per_point, cpi)
    assert pay.points_pounds == 1103.10
    assert pay.total == 1103.10


def test_worked_example_2024_25_with_prevalence_and_per_patient_money() -> None:
    """2024/25, list 5,000 (CPI 5,000 ÷ 9,964 = 0.5018), register 150 (3.0 %) against a 2.0 %
    reference (factor 1.5), 6 points: 6 × £220.62 × 0.5018 × 1.5 = £996.38; plus £20 × 40
    patients (£800) and £25 × 12 events (£300): £2,096.38."""
    r = rates_for(D(2025, 3, 31))
    cpi = contractor_population_index(5000, r.national_average_list_size)
    apdf = prevalence_factor(150, 5000, 2.0)
    assert cpi == pytest.approx(0.50181, abs=1e-5) and apdf == pytest.approx(1.5)
    pay = indicator_payment(6, r.pounds_per_point, cpi, apdf, per_patient=20, patients=40, per_event=25, events=12)
    assert pay.points_pounds == 996.38
    assert (pay.per_patient_pounds, pay.per_event_pounds) == (800.0, 300.0)
    assert pay.total == 2096.38


def test_the_total_is_the_sum_of_the_rounded_parts() -> None:
    pay = indicator_payment(1 / 3, 225.49, 0.3333, per_patient=0.005, patients=1)
    assert pay.total == round(pay.points_pounds + pay.per_patient_pounds + pay.per_event_pounds, 2)


def test_negative_inputs_are_refused() -> None:
    with pytest.raises(ValueError):
        indicator_payment(-1, 225.49)
    with pytest.raises(ValueError):
        contractor_population_index(-1, 9964)
