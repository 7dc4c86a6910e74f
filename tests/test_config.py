"""practice.toml: every error names the key and the reason."""

from __future__ import annotations

import pytest

from inclusion_practice.config import example_config_text, parse_config, resolve_database_url
from inclusion_practice.errors import ConfigError

MINIMAL = """
[practice]
name = "Test Practice"
ods_code = "Y00001"
phone = "0113 496 0000"
address = { lines = ["1 Test Street"], postcode = "LS1 4AP" }
"""


def test_the_shipped_example_parses_and_is_consistent() -> None:
    cfg = parse_config(example_config_text())
    assert cfg.practice.ods_code == "Y99901"
    assert {p.code for p in cfg.partners} >= {"st-annes-hostel", "crossroads-day-centre"}
    assert all(cfg.clinician(s.clinician) for s in cfg.sessions)


def test_a_minimal_config_gets_documented_defaults() -> None:
    cfg = parse_config(MINIMAL)
    assert cfg.registration.health_check_window_days == 28
    assert cfg.dna.window_months == 12
    # £ per point and the national average come from the financial year's table unless set;
    # the contractor population index is on, as in QOF.
    assert cfg.reporting.pounds_per_point is None
    assert cfg.reporting.national_average_list_size is None
    assert cfg.reporting.apply_list_size_index is True


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ('[registration]\nhealth_check_window_days = 0\n', "registration.health_check_window_days:"),
        ('[dna]\nwindow_monthz = 3\n', "dna.window_monthz: unknown key"),
        (
            '[[clinicians]]\ncode="a"\nname="A"\ngender="female"\n'
            '[[sessions]]\nclinician="a"\nweekday="monday"\nstart="9:00"\nend="12:00"\n',
            "sessions[0].start: must be a 24-hour time",
        ),
        (
            '[[sessions]]\nclinician="ghost"\nweekday="monday"\nstart="09:00"\nend="12:00"\n',
            "sessions[0].clinician: unknown clinician 'ghost'",
        ),
        (
            '[[clinicians]]\ncode="a"\nname="A"\ngender="female"\n'
            '[[sessions]]\nclinician="a"\nweekday="monday"\nstart="12:00"\nend="09:00"\n',
            "end 09:00 must be after start 12:00",
        ),
        (
            '[[dna.flexible_ladder]]\ndnas = 1\nactions = ["warning_letter"]\n',
            "sanctions are not allowed in the flexible policy",
        ),
        ('[dna]\nlateness_fraction_of_slot = -1\n', "dna.lateness_fraction_of_slot:"),
        (
            '[[partners]]\ncode="h"\nname="H"\nkind="hostel"\n'
            'address = { lines = ["x"], postcode = "NOT A CODE" }\n',
            "partners[0].address.postcode:",
        ),
    ],
)
def test_a_bad_value_is_reported_with_its_key_and_reason(extra: str, expected: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse_config(MINIMAL + extra, "practice.toml")
    assert str(err.value).startswith("practice.toml: ")
    assert expected in str(err.value)


def test_a_missing_required_key_is_named() -> None:
    with pytest.raises(ConfigError, match=r"practice\.ods_code: required key is missing"):
        parse_config(MINIMAL.replace('ods_code = "Y00001"\n', ""))


def test_broken_toml_names_the_file() -> None:
    with pytest.raises(ConfigError, match=r"^mine\.toml: not valid TOML"):
        parse_config("[practice\n", "mine.toml")


def test_the_database_url_comes_from_option_then_environment_then_config_then_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cfg = parse_config(MINIMAL + '[database]\nurl = "sqlite:///from-config.db"\n')
    monkeypatch.delenv("INCLUSION_PRACTICE_DB", raising=False)
    assert resolve_database_url("sqlite:///opt.db", cfg) == "sqlite:///opt.db"
    assert resolve_database_url(None, cfg) == "sqlite:///from-config.db"
    assert resolve_database_url(None, parse_config(MINIMAL)) == "sqlite:///inclusion_practice.db"
    monkeypatch.setenv("INCLUSION_PRACTICE_DB", "sqlite:///env.db")
    assert resolve_database_url(None, cfg) == "sqlite:///env.db"
    assert resolve_database_url("sqlite:///opt.db", cfg) == "sqlite:///opt.db"
