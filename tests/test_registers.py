"""The learning-disability and SMI registers behind the flexible DNA policy: QOF-cluster shaped.

Spec table: dated codes in, the call ``registers_on(events, day)``, the registers out. Then the
same rule through storage (``patient_facts``), on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt

import pytest

from inclusion_practice.api import InclusionPractice
from inclusion_practice.domain.registers import (
    ALL_REGISTER_CODES,
    LD_CODES,
    MH_CODES,
    MH_REMISSION_CODES,
    REGISTER_CODE_LISTS,
    registers_on,
)
from inclusion_practice.services.access import SYSTEM
from inclusion_practice.storage.patient_facts import load_needs, registers
from inclusion_practice.storage.tables import ClinicalEvent
from tests.scheduling_helpers import add_patient

D = dt.date
DAY = D(2026, 3, 31)
LD_REGISTER = "416075005"  # On learning disability register
LD_DIAGNOSIS = "110359009"  # Intellectual disability
DOWNS = "41040004"  # Complete trisomy 21 syndrome
SMI_REGISTER = "391193001"  # On severe mental illness register
SCHIZOPHRENIA = "58214004"
BIPOLAR = "13746004"
IN_REMISSION_MH_COD = "4926007"  # Schizophrenia in remission: an MH_COD member, stays on
REMISSION = "723903001"  # Bipolar type I disorder currently in full remission
OTHER = "77176002"  # Smoker: on no register list

LD, MH = "learning_disability", "mental_health"

SPEC: list[tuple[str, list[tuple[str, dt.date]], frozenset[str]]] = [
    ("no codes", [], frozenset()),
    ("a code on no list", [(OTHER, D(2020, 1, 1))], frozenset()),
    ("LD register code", [(LD_REGISTER, D(2020, 1, 1))], frozenset({LD})),
    ("LD diagnosis only (no register code)", [(LD_DIAGNOSIS, D(2020, 1, 1))], frozenset({LD})),
    ("a named LD syndrome", [(DOWNS, D(2010, 1, 1))], frozenset({LD})),
    ("LD code after the day", [(LD_DIAGNOSIS, D(2026, 4, 1))], frozenset()),
    ("SMI register code", [(SMI_REGISTER, D(2024, 1, 1))], frozenset({MH})),
    ("SMI diagnosis only", [(SCHIZOPHRENIA, D(2024, 1, 1))], frozenset({MH})),
    ("diagnosis then later remission: off",
     [(BIPOLAR, D(2020, 1, 1)), (REMISSION, D(2023, 1, 1))], frozenset()),
    ("remission then a new diagnosis: back on",
     [(BIPOLAR, D(2020, 1, 1)), (REMISSION, D(2023, 1, 1)), (BIPOLAR, D(2025, 6, 1))],
     frozenset({MH})),
    ("remission on the same day as the diagnosis: stays on (remission must be later)",
     [(SCHIZOPHRENIA, D(2024, 1, 1)), (REMISSION, D(2024, 1, 1))], frozenset({MH})),
    ("remission after the day is not yet counted",
     [(SCHIZOPHRENIA, D(2024, 1, 1)), (REMISSION, D(2026, 4, 2))], frozenset({MH})),
    ("an 'in remission' diagnosis that is an MH_COD member keeps the patient on",
     [(SCHIZOPHRENIA, D(2020, 1, 1)), (IN_REMISSION_MH_COD, D(2024, 1, 1))], frozenset({MH})),
    ("remission with no diagnosis: on no register", [(REMISSION, D(2024, 1, 1))], frozenset()),
    ("both registers", [(LD_REGISTER, D(2019, 1, 1)), (SMI_REGISTER, D(2021, 1, 1))],
     frozenset({LD, MH})),
    ("remission does not take a patient off the LD register",
     [(LD_DIAGNOSIS, D(2019, 1, 1)), (SCHIZOPHRENIA, D(2020, 1, 1)), (REMISSION, D(2022, 1, 1))],
     frozenset({LD})),
]


@pytest.mark.parametrize(("case", "events", "expected"), SPEC, ids=[c for c, _, _ in SPEC])
def test_registers_from_dated_codes(
    case: str, events: list[tuple[str, dt.date]], expected: frozenset[str]
) -> None:
    assert registers_on(events, DAY) == expected, case
    assert registers_on(list(reversed(events)), DAY) == expected, "order of rows must not matter"


def test_the_lists_are_cluster_shaped_and_disjoint() -> None:
    assert LD_REGISTER in LD_CODES.codes and len(LD_CODES.codes) > 20
    assert SMI_REGISTER in MH_CODES.codes and len(MH_CODES.codes) > 20
    assert len(MH_REMISSION_CODES.codes) > 5
    assert not (MH_CODES.code_set & MH_REMISSION_CODES.code_set)
    assert not (LD_CODES.code_set & (MH_CODES.code_set | MH_REMISSION_CODES.code_set))
    assert LD_CODES.code_set | MH_CODES.code_set | MH_REMISSION_CODES.code_set == ALL_REGISTER_CODES
    for cl in REGISTER_CODE_LISTS:
        assert cl.source and cl.url.startswith("https://www.opencodelists.org/")
        for code, term in cl.codes.items():
            assert code.isdigit() and 6 <= len(code) <= 18 and term, (cl.name, code)


def _code(ip: InclusionPractice, pid: int, code: str, day: dt.date) -> None:
    with ip.db.write(SYSTEM, "test_fixture") as uow:
        uow.session.add(ClinicalEvent(patient_id=pid, code=code, event_date=day, recorded_by="system"))
        uow.commit()


def test_storage_applies_the_rule_so_the_flexible_dna_policy_follows_remission(
    ip: InclusionPractice,
) -> None:
    smi, ld, other = add_patient(ip), add_patient(ip), add_patient(ip)
    _code(ip, smi, SCHIZOPHRENIA, D(2024, 1, 1))
    _code(ip, ld, LD_DIAGNOSIS, D(2024, 1, 1))
    _code(ip, other, OTHER, D(2024, 1, 1))
    with ip.db.read() as uow:
        assert registers(uow.session, smi, D(2025, 1, 1)) == {MH}
        assert registers(uow.session, ld, D(2025, 1, 1)) == {LD}
        assert registers(uow.session, other, D(2025, 1, 1)) == set()
        assert registers(uow.session, smi, D(2023, 12, 31)) == set()
        assert load_needs(uow.session, smi, D(2025, 1, 1)).flexible_dna
        assert load_needs(uow.session, ld, D(2025, 1, 1)).flexible_dna
    _code(ip, smi, REMISSION, D(2025, 6, 1))
    with ip.db.read() as uow:
        assert registers(uow.session, smi, D(2025, 5, 31)) == {MH}
        assert registers(uow.session, smi, D(2025, 7, 1)) == set()
        assert not load_needs(uow.session, smi, D(2025, 7, 1)).flexible_dna
