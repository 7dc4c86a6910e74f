"""The audit trail from the command line: ``init`` makes the keys (owner-only), ``audit
verify``/``checkpoint``/``seal``/``rotate-key``, and checkpoints at ``db backup`` and a
restore record at ``db restore``."""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

import pytest

from inclusion_practice.cli.app import main
from inclusion_practice.storage.audit_keys import KEY_ENV
from tests.conftest import use_cli_password

AUDIT = Path("inclusion_practice.audit")


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for name in ("INCLUSION_PRACTICE_DB", "INCLUSION_PRACTICE_CONFIG", KEY_ENV,
                 "INCLUSION_PRACTICE_AUDIT_KEY_FILE", "INCLUSION_PRACTICE_AUDIT_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("INCLUSION_PRACTICE_LOG", str(tmp_path / "ip.log"))
    use_cli_password(monkeypatch, "s3cret-pass")
    return tmp_path


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_init_creates_owner_only_keys_and_a_first_checkpoint(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init", "--admin-password", "s3cret-pass"]) == 0
    out = capsys.readouterr().out
    assert "created audit key" in out and "audit checkpoint" in out
    assert _mode(workdir / AUDIT / "audit.key") == 0o600
    assert _mode(workdir / AUDIT / "signing.key") == 0o600
    assert _mode(workdir / AUDIT) == 0o700
    assert (workdir / AUDIT / "signing.pub").read_text().startswith("-----BEGIN PUBLIC KEY")
    made = sorted((workdir / AUDIT / "checkpoints").glob("*.json"))
    assert made and _mode(made[0]) == 0o644  # public: counts and MACs, no patient data
    assert main(["audit", "verify"]) == 0
    out = capsys.readouterr().out
    assert f"audit chain intact: 1 rows (1 sealed); {len(made)} signed checkpoint" in out


def test_tail_removal_is_reported_by_the_cli_after_a_checkpoint(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init", "--admin-password", "s3cret-pass"]) == 0
    assert main(["--as", "admin", "users", "add", "reception9", "--role", "receptionist",
                 "--name", "Rita", "--password", "long-enough"]) == 0
    assert main(["audit", "checkpoint", "--reason", "cron"]) == 0
    capsys.readouterr()
    db = sqlite3.connect(workdir / "inclusion_practice.db")
    with db:
        db.execute("DROP TRIGGER audit_event_no_delete")
        db.execute("DROP TRIGGER audit_link_no_delete")
        last = db.execute("SELECT max(id) FROM audit_event").fetchone()[0]
        db.execute("DELETE FROM audit_event WHERE id = ?", (last,))
        db.execute("DELETE FROM audit_link WHERE audit_event_id = ?", (last,))
    db.close()
    assert main(["audit", "verify"]) == 2
    err = capsys.readouterr().err
    assert "FOUND: the newest rows were removed" in err and "(cron;" in err
    assert "audit chain broken: 1 finding" in err
    # Only the public key and the checkpoints: the same finding.
    assert main(["audit", "verify", "--no-key", "--public-key",
                 str(AUDIT / "signing.pub"), "--checkpoints", str(AUDIT / "checkpoints")]) == 2
    assert "the newest rows were removed" in capsys.readouterr().err


def test_backup_writes_a_checkpoint_and_restore_a_restore_record(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init", "--admin-password", "s3cret-pass"]) == 0
    assert main(["db", "backup", "before.db"]) == 0
    assert "audit checkpoint" in capsys.readouterr().out
    assert main(["--as", "admin", "users", "add", "reception9", "--role", "receptionist",
                 "--name", "Rita", "--password", "long-enough"]) == 0
    assert main(["audit", "checkpoint"]) == 0
    assert main(["db", "restore", "before.db", "--yes"]) == 0
    assert "audit restore record" in capsys.readouterr().out
    assert main(["audit", "verify"]) == 0
    out = capsys.readouterr().out
    assert "audit chain intact: 1 rows" in out and "restored to 1" in out


def test_rotating_the_key_keeps_old_rows_verifiable(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init", "--admin-password", "s3cret-pass"]) == 0
    assert main(["audit", "rotate-key"]) == 0
    assert "audit key " in capsys.readouterr().out
    assert _mode(workdir / AUDIT / "audit.key") == 0o600
    assert main(["--as", "admin", "users", "add", "reception9", "--role", "receptionist",
                 "--name", "Rita", "--password", "long-enough"]) == 0
    assert main(["audit", "rotate-key", "--signing"]) == 0
    assert main(["audit", "checkpoint"]) == 0
    capsys.readouterr()
    assert main(["audit", "verify"]) == 0
    assert "audit chain intact: 2 rows (2 sealed)" in capsys.readouterr().out


def test_a_key_file_named_by_the_environment_is_used(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init", "--admin-password", "s3cret-pass"]) == 0
    moved = workdir / "elsewhere.key"
    (workdir / AUDIT / "audit.key").rename(moved)
    assert main(["--as", "admin", "users", "add", "reception9", "--role", "receptionist",
                 "--name", "Rita", "--password", "long-enough"]) == 2
    assert "no audit key" in capsys.readouterr().err
    monkeypatch.setenv("INCLUSION_PRACTICE_AUDIT_KEY_FILE", str(moved))
    assert main(["--as", "admin", "users", "add", "reception9", "--role", "receptionist",
                 "--name", "Rita", "--password", "long-enough"]) == 0
    assert main(["audit", "verify"]) == 0
