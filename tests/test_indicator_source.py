"""The indicator engines' read view: storage's tables by default, swappable, and checked."""

from __future__ import annotations

from dataclasses import fields

import pytest
from sqlalchemy import Column, Integer, MetaData, Table
from sqlalchemy.dialects import sqlite

from inclusion_practice.domain.periods import parse_period
from inclusion_practice.indicators.definitions import load_shipped_set, shipped_set_names
from inclusion_practice.indicators.sql_compiler import compile_run
from inclusion_practice.storage import tables as t
from inclusion_practice.storage.indicator_source import READS, IndicatorSource, indicator_source


def test_default_view_is_the_applications_own_tables() -> None:
    src = indicator_source()
    assert src is indicator_source()
    assert src.patient is t.Patient.__table__  # type: ignore[attr-defined]
    assert src.dna_action is t.DnaAction.__table__  # type: ignore[attr-defined]
    assert {f.name for f in fields(src)} == set(READS)
    assert all(getattr(src, name).schema is None for name in READS)


def test_a_schema_view_qualifies_every_table_the_compiler_reads() -> None:
    src = indicator_source("att")
    assert {getattr(src, name).fullname for name in READS} == {f"att.{name}" for name in READS}
    ind_set = load_shipped_set(shipped_set_names()[0])
    compiled = compile_run(src, "sqlite", ind_set, ind_set.indicators, parse_period("2025/26"))
    sql = " ".join(
        str(stmt.compile(dialect=sqlite.dialect())) for step in compiled.steps for stmt in step.fill
    )
    assert "att.patient" in sql and "att.registration" in sql and "att.flag" in sql
    # The temporary tables stay unqualified: they live in the connection, not the attached data.
    assert all(step.table.schema is None for step in compiled.steps)


def test_a_view_lacking_a_column_the_engines_read_is_refused() -> None:
    own = {name: getattr(indicator_source(), name) for name in READS}
    own["invitation"] = Table("invitation", MetaData(), Column("patient_id", Integer), Column("topic", Integer))
    with pytest.raises(ValueError, match=r"invitation .*sent_on"):
        IndicatorSource.from_tables(own)
