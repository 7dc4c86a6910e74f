"""Indicator sets and code lists are validated on load: errors name the file, the indicator and
the key, and nothing runs. Shipped sets and code lists load and cite their sources."""

from __future__ import annotations

from pathlib import Path

import pytest

from inclusion_practice.api import InclusionPractice
from inclusion_practice.domain.actor import Actor
from inclusion_practice.indicators.definitions import (
    DefinitionError,
    Offset,
    load_shipped_set,
    parse_set,
    shipped_codelists,
    shipped_set_names,
)

GOOD = """
id = "local"
title = "Local"

[[indicator]]
id = "L1"
title = "Flu"
[[indicator.numerator.criteria]]
type = "event"
codelist = "flu_vaccination"
[indicator.scoring]
lower = 40
upper = 80
max_points = 10
"""


def test_the_shipped_sets_load_with_every_indicator_the_issue_lists() -> None:
    assert shipped_set_names() == ["inclusion-health-les", "pctms-local"]
    les = load_shipped_set("inclusion-health-les")
    assert len(les.indicators) == 17
    assert all(i.scoring.placeholder for i in les.indicators)
    pctms = load_shipped_set("pctms-local")
    assert [i.id for i in pctms.indicators] == ["PCTMS-MH", "PCTMS-SM", "PCTMS-SH", "PCTMS-TB"]


def test_every_code_list_cites_a_source_and_holds_snomed_ids_or_marked_local_codes() -> None:
    lists = shipped_codelists()
    assert len(lists) >= 18
    for cl in lists.values():
        assert cl.source and cl.url.startswith("http")
        for code in cl.codes:
            assert code.code.isdigit() or (cl.local and code.code.startswith("ip:"))


def test_local_codes_say_they_are_not_snomed() -> None:
    for cl in shipped_codelists().values():
        if cl.local:
            assert "LOCAL CODE, not SNOMED CT" in cl.source


@pytest.mark.parametrize(
    ("change", "indicator", "key", "reason"),
    [
        (('codelist = "flu_vaccination"', 'codelist = "flu_jabs"'), "L1", "numerator.criteria[0].codelist",
         "unknown code list 'flu_jabs'"),
        (('codelist = "flu_vaccination"', 'codelist = "flu_vaccination"\nwindow = { start = "0d", end = "-1m" }'),
         "L1", "numerator.criteria[0].window", "window ends (-1m) before it starts (0d)"),
        (("upper = 80", "upper = 30"), "L1", "scoring", "thresholds out of order"),
        (("lower = 40", "lower = 140"), "L1", "scoring.lower", "less than or equal to 100"),
        (('codelist = "flu_vaccination"', 'codelist = "flu_vaccination"\nwindow = { start = "yesterday" }'),
         "L1", "numerator.criteria[0].window.start", "not an offset"),
        (('type = "event"', 'type = "party"'), "L1", "numerator.criteria[0]", "unknown criterion type"),
        (('title = "Flu"', 'title = "Flu"\nflavour = "mint"'), "L1", "flavour", "unknown key"),
        (('[[indicator.numerator.criteria]]', '[indicator.register]\ncategories = ["pirates"]\n[[indicator.numerator.criteria]]'),
         "L1", "register.categories", "unknown category 'pirates'"),
        (('codelist = "flu_vaccination"', 'codelist = "flu_vaccination"\nwindow = { anchor = "registration_start", start = "0d", end = "1m" }'),
         "L1", "numerator.criteria[0].window", "day or week offsets only"),
    ],
)
def test_a_bad_definition_names_file_indicator_key_and_reason(
    change: tuple[str, str], indicator: str, key: str, reason: str
) -> None:
    text = GOOD.replace(*change)
    with pytest.raises(DefinitionError) as err:
        parse_set(text, "my-set.toml")
    msg = str(err.value)
    assert msg.startswith("my-set.toml: ")
    assert f"indicator {indicator} (indicator[0]): {key}" in msg
    assert reason in msg


def test_a_valid_definition_parses() -> None:
    s = parse_set(GOOD, "my-set.toml")
    assert s.get("L1") is not None and "flu_vaccination" in s.codelists


def test_bad_toml_and_duplicate_ids_are_reported() -> None:
    with pytest.raises(DefinitionError, match=r"my\.toml: not valid TOML"):
        parse_set("id = ", "my.toml")
    dup = GOOD + GOOD[GOOD.index("[[indicator]]"):]
    with pytest.raises(DefinitionError, match="duplicate indicator id 'L1'"):
        parse_set(dup, "my.toml")


@pytest.mark.parametrize(
    ("text", "months", "days"),
    [("-12m+1d", -12, 1), ("0d", 0, 0), ("28d", 0, 28), ("2w", 0, 14), ("-1y", -12, 0), ("-7m+1d", -7, 1)],
)
def test_offsets_parse(text: str, months: int, days: int) -> None:
    o = Offset.parse(text)
    assert (o.months, o.days) == (months, days)


def test_a_bad_set_file_stops_the_run_before_anything_happens(
    ip: InclusionPractice, actors: dict[str, Actor], tmp_path: Path
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(GOOD.replace("upper = 80", "upper = 10"), encoding="utf-8")
    with pytest.raises(DefinitionError, match=r"bad.toml: indicator L1 \(indicator\[0\]\): scoring: thresholds"):
        ip.indicators.run(actors["manager"], "2025/26", str(bad))
    with pytest.raises(DefinitionError):
        ip.indicators.validate(bad)


def test_a_set_file_can_bring_its_own_code_lists(ip: InclusionPractice, tmp_path: Path) -> None:
    (tmp_path / "codelists").mkdir()
    (tmp_path / "codelists" / "my_check.toml").write_text(
        'id = "my_check"\ntitle = "My check"\nsource = "Agreed locally with the commissioner"\n'
        'url = "https://example.org/spec"\nlocal = true\ncodes = [{ code = "ip:my-check", term = "Check" }]\n',
        encoding="utf-8",
    )
    path = tmp_path / "mine.toml"
    path.write_text(GOOD.replace("flu_vaccination", "my_check"), encoding="utf-8")
    assert "my_check" in ip.indicators.validate(path).codelists
