"""Indicator sets and code lists are validated on load: errors name the file, the indicator and
the key, and nothing runs. Shipped sets and code lists load and cite their sources."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from inclusion_practice.api import InclusionPractice
from inclusion_practice.domain.actor import Actor
from inclusion_practice.domain.dna_ladder import REMINDERS, SANCTIONS
from inclusion_practice.indicators.definitions import (
    DefinitionError,
    Offset,
    Window,
    load_shipped_set,
    parse_set,
    season_on,
    shipped_codelists,
    shipped_set_names,
)
from inclusion_practice.indicators.verification import limitations

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


# --------------------------------------------------------------------------- issue 12 rules


@pytest.mark.parametrize(
    ("period_end", "first", "last"),
    [
        (dt.date(2026, 3, 31), dt.date(2025, 9, 1), dt.date(2026, 3, 31)),  # the year
        (dt.date(2025, 12, 31), dt.date(2025, 9, 1), dt.date(2026, 3, 31)),  # Q3: clipped by engines
        (dt.date(2025, 9, 1), dt.date(2025, 9, 1), dt.date(2026, 3, 31)),  # the first day
        (dt.date(2025, 8, 31), dt.date(2024, 9, 1), dt.date(2025, 3, 31)),  # before it: last season
        (dt.date(2025, 6, 30), dt.date(2024, 9, 1), dt.date(2025, 3, 31)),  # Q1
    ],
)
def test_the_flu_season_for_any_period_end(period_end: dt.date, first: dt.date, last: dt.date) -> None:
    assert season_on("season:09-01..03-31", period_end) == (first, last)
    w = Window(anchor="season:09-01..03-31")
    assert (w.start, w.end) == ("0d", "0d") and w.constant
    assert w.period_bounds(dt.date(2025, 4, 1), period_end) == (first, last)


@pytest.mark.parametrize(("anchor", "why"), [
    ("season:02-29..03-31", "not a day of every year"),
    ("season:9-1..3-31", "season:MM-DD..MM-DD"),
])
def test_a_bad_season_is_refused(anchor: str, why: str) -> None:
    with pytest.raises(ValueError, match=why):
        Window(anchor=anchor)


def test_ih006_counts_the_flu_season_and_ih014_outreach_only() -> None:
    les = load_shipped_set("inclusion-health-les")
    ih006, ih014 = les.get("IH006"), les.get("IH014")
    assert ih006 is not None and ih014 is not None
    assert ih006.numerator_criteria[0].window.anchor == "season:09-01..03-31"  # type: ignore[union-attr]
    assert ih006.exceptions.window.anchor == "season:09-01..03-31"
    actions = set(ih014.numerator_criteria[0].actions)  # type: ignore[union-attr]
    assert not actions & {a.value for a in REMINDERS | SANCTIONS}
    assert actions == {"contact_via_keyworker", "offer_drop_in", "clinician_review", "safeguarding_check"}


def test_a_dna_criterion_counts_outreach_by_default_and_refuses_unknown_actions() -> None:
    s = parse_set(GOOD.replace('type = "event"\ncodelist = "flu_vaccination"',
                               'type = "dna"\nfollowed_up_within_days = 14'), "dna.toml")
    assert "sms_reminder" not in s.indicators[0].numerator_criteria[0].actions  # type: ignore[union-attr]
    with pytest.raises(DefinitionError, match="unknown action 'phone_call'"):
        parse_set(GOOD.replace('type = "event"\ncodelist = "flu_vaccination"',
                               'type = "dna"\nfollowed_up_within_days = 14\nactions = ["phone_call"]'), "dna.toml")


def test_temporary_residents_are_opted_in_per_indicator() -> None:
    s = parse_set(GOOD.replace('title = "Flu"\n', 'title = "Flu"\n[indicator.register]\ninclude_temporary = true\n'),
                  "t.toml")
    assert s.indicators[0].population.include_temporary
    assert not parse_set(GOOD, "t.toml").indicators[0].population.include_temporary
    assert all(not i.population.include_temporary
               for n in shipped_set_names() for i in load_shipped_set(n).indicators)


PREVALENCE = GOOD + """
[indicator.scoring.prevalence]
register = "{register}"
reference_percent = 2.5
source = "commissioner's reference"
[[indicator]]
id = "L2"
title = "Register"
kind = "register"
"""


def test_prevalence_weighting_names_a_register_indicator_of_the_set() -> None:
    s = parse_set(PREVALENCE.format(register="L2"), "p.toml")
    prev = s.indicators[0].scoring.prevalence
    assert prev is not None and (prev.register_id, prev.reference_percent) == ("L2", 2.5)
    with pytest.raises(DefinitionError, match="'L1' is not a kind = \"register\" indicator"):
        parse_set(PREVALENCE.format(register="L1"), "p.toml")


def test_descriptions_state_local_codes_and_attributes_read_as_recorded() -> None:
    les = load_shipped_set("inclusion-health-les")
    for iid, code in (("IH002", "ip:new-pt-check"), ("IH003", "ip:health-review")):
        ind = les.get(iid)
        assert ind is not None
        assert any("local code" in lim and code in lim for lim in limitations(ind, les.codelists)), iid
    for iid in ("IH013", "IH015"):
        ind = les.get(iid)
        assert ind is not None
        assert any("not as they stood on the period end" in lim for lim in limitations(ind, les.codelists))
    ih004 = les.get("IH004")
    assert ih004 is not None and limitations(ih004, les.codelists) == []
