"""The CLI contract: exit codes, one-line errors naming the field, init, db and users."""

from __future__ import annotations

from pathlib import Path

import pytest

from inclusion_practice.cli.app import main
from tests.conftest import use_cli_password


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("INCLUSION_PRACTICE_DB", raising=False)
    monkeypatch.delenv("INCLUSION_PRACTICE_CONFIG", raising=False)
    monkeypatch.setenv("INCLUSION_PRACTICE_LOG", str(tmp_path / "ip.log"))
    use_cli_password(monkeypatch, "s3cret-pass")
    return tmp_path


def test_help_lists_the_command_groups(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for command in ("init", "demo", "db", "users", "audit", "tui"):
        assert command in out


def test_init_writes_the_example_config_and_an_upgraded_database(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init", "--admin-password", "s3cret-pass"]) == 0
    assert (workdir / "practice.toml").read_text().startswith("# practice.toml")
    assert (workdir / "inclusion_practice.db").exists()
    capsys.readouterr()
    assert main(["db", "current"]) == 0
    assert "up to date" in capsys.readouterr().out
    assert main(["--as", "admin", "users", "add", "reception9", "--role", "receptionist",
                 "--name", "Rita", "--password", "long-enough"]) == 0
    assert main(["users", "list"]) == 0
    assert "reception9" in capsys.readouterr().out


def test_init_refuses_to_overwrite_a_config(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (workdir / "practice.toml").write_text("keep me")
    assert main(["init", "--admin-password", "s3cret-pass"]) == 2
    assert "--path: " in capsys.readouterr().err
    assert (workdir / "practice.toml").read_text() == "keep me"


def test_an_out_of_date_database_says_to_run_db_upgrade(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--db", f"sqlite:///{workdir / 'new.db'}", "users", "list"]) == 2
    err = capsys.readouterr().err
    assert "db upgrade" in err and "Traceback" not in err
    assert main(["--db", f"sqlite:///{workdir / 'new.db'}", "db", "upgrade"]) == 0
    assert main(["--db", f"sqlite:///{workdir / 'new.db'}", "db", "upgrade"]) == 0
    assert "nothing to do" in capsys.readouterr().out


def test_bad_input_exits_2_with_one_line_naming_the_field(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init", "--admin-password", "s3cret-pass"]) == 0
    capsys.readouterr()
    code = main(["--as", "admin", "users", "add", "x", "--role", "wizard", "--name", "X",
                 "--password", "long-enough"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.strip().count("\n") == 0 and "role: 'wizard' is not one of" in err


def test_an_unknown_acting_user_is_refused(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["init", "--admin-password", "s3cret-pass"]) == 0
    capsys.readouterr()
    assert main(["--as", "nobody", "users", "end", "admin"]) == 2
    # The same answer as a wrong password: the command line does not confirm which names exist.
    assert "unknown user or wrong password" in capsys.readouterr().err


def test_a_bad_config_file_exits_2_naming_the_key(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (workdir / "practice.toml").write_text('[practice]\nname = "x"\n')
    assert main(["db", "current"]) == 2
    assert "practice.ods_code: required key is missing" in capsys.readouterr().err


def test_an_unexpected_error_exits_1_with_the_traceback_in_the_log_only(
    workdir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import inclusion_practice.storage.migrate as migrate

    def boom(*_: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(migrate, "current_revision", boom)
    assert main(["db", "current"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and "ip.log" in err
    logged = (workdir / "ip.log").read_text()
    assert "RuntimeError" in logged and "in boom" in logged
    assert "disk on fire" not in logged  # messages can quote patient data: never logged


def test_audit_verify_reports_an_intact_chain(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["init", "--admin-password", "s3cret-pass"]) == 0
    capsys.readouterr()
    assert main(["audit", "verify"]) == 0
    assert "audit chain intact: 1 rows" in capsys.readouterr().out


def test_a_subcommand_exit_code_is_returned(workdir: Path) -> None:
    import typer

    from inclusion_practice.cli.app import app

    probe = typer.Typer()

    @probe.command("exit-three")
    def _exit_three() -> None:
        raise typer.Exit(3)

    app.add_typer(probe, name="probe-exit")
    try:
        assert main(["probe-exit", "exit-three"]) == 3
    finally:
        app.registered_groups = [g for g in app.registered_groups if g.name != "probe-exit"]


def test_version_prints_the_package_and_the_schema_it_needs(capsys: pytest.CaptureFixture[str]) -> None:
    from inclusion_practice.cli.app import main
    from inclusion_practice.storage.migrate import head_revision

    assert main(["--version"]) == 0
    out = capsys.readouterr().out.strip()
    assert out.startswith("inclusion-practice ") and out.endswith(f"(schema {head_revision()})")
