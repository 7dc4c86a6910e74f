"""Attacks on the audit trail by someone with the database owner's rights, on SQLite and
PostgreSQL: each is named by ``audit verify``; an intact trail and a backup → restore pass.

The attacker works with plain SQL and switches the append-only triggers off first
(``session_replication_role = replica`` on PostgreSQL, dropping them on SQLite). Without the
MAC key they cannot make an altered row verify; with it they still cannot hide from the signed
checkpoints written outside the database.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, select, text
from sqlalchemy.exc import DBAPIError

from inclusion_practice.api import InclusionPractice
from inclusion_practice.clock import FixedClock
from inclusion_practice.config import AuditSettings, PracticeConfig
from inclusion_practice.domain.actor import Actor
from inclusion_practice.errors import AuditKeyError
from inclusion_practice.storage.audit import row_hash
from inclusion_practice.storage.audit_keys import KEY_ENV, AuditSetup
from inclusion_practice.storage.backup import backup, restore
from inclusion_practice.storage.database import Database
from inclusion_practice.storage.tables import AuditEvent, Patient

RECEPTION = Actor("reception1", "receptionist")
SQLITE_GUARDS = ("audit_event_no_update", "audit_event_no_delete", "audit_link_no_update",
                 "audit_link_no_delete", "audit_pending_no_update")


def _open(db_url: str, config: PracticeConfig, clock: FixedClock, folder: Path,
          **settings: Any) -> InclusionPractice:
    setup = AuditSetup.for_database(db_url, AuditSettings(dir=str(folder), **settings))
    return InclusionPractice(Database(db_url, clock=clock, audit_setup=setup), config, clock)


@pytest.fixture
def practice(db_url: str, config: PracticeConfig, clock: FixedClock,
             tmp_path: Path) -> Iterator[InclusionPractice]:
    """A practice whose audit folder (signing key, checkpoints) is in the test's own folder."""
    ip = _open(db_url, config, clock, tmp_path / "audit", checkpoint_every_rows=0,
               checkpoint_every_minutes=0)
    ip.audit.provision()
    yield ip
    ip.close()


def _register(ip: InclusionPractice, n: int = 1) -> None:
    for i in range(n):
        now = ip.clock.now()
        with ip.db.write(RECEPTION, "register_patient") as uow:
            uow.session.add(Patient(given_name=f"Ola{i}", family_name="Test", name_key=f"ola{i} test",
                                    date_of_birth=dt.date(1980, 1, 1), sex="female",
                                    created_at=now, updated_at=now))
            uow.commit()


@contextmanager
def dba(ip: InclusionPractice, *, every_trigger: bool = False) -> Iterator[Connection]:
    """The database owner with the append-only guards out of the way (and, with
    ``every_trigger``, the trigger that queues new rows for sealing too, as PostgreSQL's
    replica mode does)."""
    with ip.db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        else:
            for trigger in (*SQLITE_GUARDS, *(["audit_event_queue"] if every_trigger else [])):
                conn.execute(text(f"DROP TRIGGER IF EXISTS {trigger}"))
        yield conn


def _problems(ip: InclusionPractice, **kwargs: Any) -> str:
    check = ip.audit.verify(**kwargs)
    assert not check.ok, "the attack was not detected"
    return "\n".join(check.problems)


def _ids(ip: InclusionPractice) -> list[int]:
    with ip.db.engine.connect() as conn:
        return [int(i) for i in conn.execute(text("SELECT id FROM audit_event ORDER BY id")).scalars()]


# --------------------------------------------------------------------------- intact


def test_an_intact_trail_verifies_with_its_checkpoints(practice: InclusionPractice) -> None:
    _register(practice, 3)
    assert practice.audit.checkpoint("test") is not None
    _register(practice, 2)
    check = practice.audit.verify()
    assert check.ok, check.problems
    assert check.rows == 5 and check.checkpoints == 1
    # SQLite seals inside the write; PostgreSQL right after it: nothing is left waiting.
    assert check.sealed == 5 and check.unsealed == 0


def test_each_row_carries_a_keyed_mac_and_a_key_id(practice: InclusionPractice) -> None:
    _register(practice)
    with practice.db.engine.connect() as conn:
        row = conn.execute(select(AuditEvent.__table__)).mappings().one()
    assert row["key_id"] and len(row["nonce"]) == 32 and row["prev_hash"] == ""
    assert row["hash"] != row_hash(row["prev_hash"], dict(row))  # not the unkeyed hash


# --------------------------------------------------------------------------- attacks


def test_a_row_edited_with_plain_sql_is_named(practice: InclusionPractice) -> None:
    _register(practice, 3)
    victim = _ids(practice)[1]
    with dba(practice) as conn:
        conn.execute(text("UPDATE audit_event SET actor = 'someone' WHERE id = :i"), {"i": victim})
    found = _problems(practice)
    assert f"row {victim} was edited: its MAC does not match its contents" in found
    assert practice.audit.verify().first_bad_id == victim


def test_a_chain_recomputed_with_the_unkeyed_hash_is_named(practice: InclusionPractice) -> None:
    _register(practice, 4)
    ids = _ids(practice)
    with dba(practice) as conn:
        conn.execute(text("UPDATE audit_event SET actor = 'someone' WHERE id = :i"), {"i": ids[1]})
        prev = ""
        table = AuditEvent.__table__
        for row in conn.execute(select(table).order_by(table.c.id)).mappings().all():
            new = row_hash(prev, dict(row))
            conn.execute(text("UPDATE audit_event SET prev_hash = :p, hash = :h WHERE id = :i"),
                         {"p": prev, "h": new, "i": row["id"]})
            prev = new
    found = _problems(practice)
    assert f"row {ids[1]} was re-hashed without the key" in found
    assert practice.audit.verify().first_bad_id == ids[0]  # every row was re-hashed


def test_a_removed_middle_row_is_named(practice: InclusionPractice) -> None:
    _register(practice, 4)
    victim = _ids(practice)[1]
    with dba(practice) as conn:
        conn.execute(text("DELETE FROM audit_event WHERE id = :i"), {"i": victim})
    assert f"row {victim} (position 2 in the chain) is missing: it was removed" in _problems(practice)


def test_a_middle_row_removed_with_its_link_is_named(practice: InclusionPractice) -> None:
    _register(practice, 4)
    victim = _ids(practice)[1]
    with dba(practice) as conn:
        conn.execute(text("DELETE FROM audit_event WHERE id = :i"), {"i": victim})
        conn.execute(text("DELETE FROM audit_link WHERE audit_event_id = :i"), {"i": victim})
    assert "links 2–2 are missing: the chain skips from position 1 to 3" in _problems(practice)


def test_a_removed_tail_is_caught_by_the_checkpoint(practice: InclusionPractice) -> None:
    _register(practice, 5)
    practice.audit.checkpoint("hourly")
    ids = _ids(practice)
    with dba(practice) as conn:
        conn.execute(text("DELETE FROM audit_event WHERE id >= :i"), {"i": ids[3]})
        conn.execute(text("DELETE FROM audit_link WHERE audit_event_id >= :i"), {"i": ids[3]})
    found = _problems(practice)
    assert "the newest rows were removed" in found
    assert f"recorded 5 sealed rows up to row {ids[4]}; the chain now has 3" in found


def test_an_emptied_chain_is_caught(practice: InclusionPractice) -> None:
    _register(practice, 3)
    practice.audit.checkpoint("hourly")
    with dba(practice) as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("TRUNCATE audit_event, audit_link, audit_pending"))
        else:
            for table in ("audit_event", "audit_link", "audit_pending"):
                conn.execute(text(f"DELETE FROM {table}"))
    found = _problems(practice)
    assert "the audit chain is empty, but the checkpoint of" in found
    assert "recorded 3 sealed rows" in found


def test_an_empty_chain_with_no_checkpoint_fails(practice: InclusionPractice) -> None:
    assert "the audit chain is empty and no checkpoint says it should be" in _problems(practice)


@pytest.mark.parametrize("db_url", [pytest.param("postgresql", marks=pytest.mark.postgres)],
                         indirect=True)
@pytest.mark.parametrize("table", ["audit_event", "audit_link", "audit_pending",
                                   "sign_in_attempt", "database_marker"])
def test_postgresql_refuses_truncate_of_every_append_only_table(
    practice: InclusionPractice, table: str
) -> None:
    _register(practice)
    with pytest.raises(DBAPIError, match="append-only"), practice.db.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {table} CASCADE"))
    assert practice.audit.verify().ok


def test_a_chain_rewritten_with_the_key_is_caught_by_the_checkpoint(
    practice: InclusionPractice,
) -> None:
    """Even with the MAC key (but not the signing key) a rewrite before the last checkpoint
    shows: the DBA removes a row and re-seals the whole chain so it is self-consistent."""
    _register(practice, 4)
    practice.audit.checkpoint("hourly")
    victim = _ids(practice)[2]
    with dba(practice) as conn:
        conn.execute(text("DELETE FROM audit_event WHERE id = :i"), {"i": victim})
        conn.execute(text("DELETE FROM audit_link"))
        conn.execute(text("INSERT INTO audit_pending (audit_event_id) SELECT id FROM audit_event"))
    practice.audit.seal()  # the library's own sequencer, with the key
    _register(practice, 1)  # and life goes on: the chain is as long as the checkpoint said
    check = practice.audit.verify()
    assert not check.ok
    assert any("the chain was rewritten: link 4 is not the one the checkpoint of" in p
               for p in check.problems), check.problems


def test_a_replaced_chain_is_caught_by_the_checkpoint(
    db_url: str, config: PracticeConfig, clock: FixedClock, tmp_path: Path,
    practice: InclusionPractice,
) -> None:
    """Another chain (here: built afresh under the same key) swapped in for the real one."""
    _register(practice, 2)
    practice.audit.checkpoint("hourly")
    with dba(practice) as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("TRUNCATE audit_event, audit_link, audit_pending"))
        else:
            for table in ("audit_event", "audit_link", "audit_pending"):
                conn.execute(text(f"DELETE FROM {table}"))
    _register(practice, 3)  # a new, internally perfect chain, longer than the checkpoint's
    found = _problems(practice)
    assert "the chain was replaced: its first link is not the one the checkpoint of" in found


def test_rows_inserted_behind_the_library_and_copies_are_named(practice: InclusionPractice) -> None:
    _register(practice, 2)
    first = _ids(practice)[0]
    with dba(practice, every_trigger=True) as conn:
        cols = ("occurred_at, actor, actor_role, action, entity, entity_id, changes, prev_hash, "
                "hash, key_id, nonce")
        conn.execute(text(f"INSERT INTO audit_event ({cols}) SELECT {cols} FROM audit_event "
                          "WHERE id = :i"), {"i": first})
    found = _problems(practice)
    assert "rows neither sealed nor queued for sealing" in found
    assert f"is a copy of row {first}" in found


def test_a_forged_checkpoint_is_named(practice: InclusionPractice) -> None:
    _register(practice, 2)
    path = practice.audit.checkpoint("hourly")
    assert path is not None
    doc = json.loads(path.read_text())
    doc["payload"]["sealed"] = 1
    path.write_text(json.dumps(doc))
    assert f"checkpoint {path.name}: the signature does not verify" in _problems(practice)


def test_a_verifier_with_only_the_public_key_catches_a_removed_tail(
    practice: InclusionPractice, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _register(practice, 3)
    practice.audit.checkpoint("hourly")
    ids = _ids(practice)
    with dba(practice) as conn:
        conn.execute(text("DELETE FROM audit_event WHERE id = :i"), {"i": ids[-1]})
        conn.execute(text("DELETE FROM audit_link WHERE audit_event_id = :i"), {"i": ids[-1]})
    public = tmp_path / "audit" / "signing.pub"
    check = practice.audit.verify(use_key=False, public_keys=[public],
                                  checkpoint_dir=tmp_path / "audit" / "checkpoints")
    assert not check.ok and "the newest rows were removed" in "\n".join(check.problems)
    assert any("no MAC key" in n for n in check.notes)


# --------------------------------------------------------------------------- legitimate


def test_backup_then_restore_verifies_even_after_later_checkpoints(
    practice: InclusionPractice, tmp_path: Path
) -> None:
    _register(practice, 2)
    file = tmp_path / "backup.bin"
    practice.audit.checkpoint("backup")
    backup(practice.db.url, file)
    _register(practice, 2)
    practice.audit.checkpoint("hourly")  # remembers 4 rows
    practice.db.dispose()
    restore(practice.db.url, file)
    assert not practice.audit.verify().ok  # 2 rows, but a checkpoint said 4 ...
    practice.audit.restored(file.name)  # ... until the restore is recorded, signed
    check = practice.audit.verify()
    assert check.ok, check.problems
    assert check.rows == 2
    assert any("restored to 2" in n for n in check.notes)
    _register(practice)
    assert practice.audit.verify().ok


def test_rows_written_before_a_key_rotation_still_verify(
    db_url: str, config: PracticeConfig, clock: FixedClock, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(KEY_ENV)
    ip = _open(db_url, config, clock, tmp_path / "audit")
    made = ip.audit.provision()
    key_file = tmp_path / "audit" / "audit.key"
    assert any(str(key_file) in m for m in made)
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(tmp_path / "audit" / "signing.key").st_mode) == 0o600
    _register(ip, 2)
    old, new = ip.audit.rotate_key()
    assert old != new
    _register(ip, 2)
    with ip.db.engine.connect() as conn:
        kids = conn.execute(text("SELECT key_id FROM audit_event ORDER BY id")).scalars().all()
    assert kids == [old, old, new, new]
    ip.audit.checkpoint("after rotation")
    assert ip.audit.verify().ok
    ip.close()


def test_without_its_key_a_write_is_refused_and_writes_nothing(
    db_url: str, config: PracticeConfig, clock: FixedClock, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(KEY_ENV)
    ip = _open(db_url, config, clock, tmp_path / "nowhere")
    with pytest.raises(AuditKeyError, match=r"no audit key: .* Run `inclusion-practice init`"):
        _register(ip)
    with ip.db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM patient")).scalar() == 0
    ip.close()


def test_a_key_file_others_can_read_is_refused(
    db_url: str, config: PracticeConfig, clock: FixedClock, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(KEY_ENV)
    ip = _open(db_url, config, clock, tmp_path / "audit")
    ip.audit.provision()
    (tmp_path / "audit" / "audit.key").chmod(0o644)
    ip.db.audit.reload()
    with pytest.raises(AuditKeyError, match="chmod 600"):
        _register(ip)
    ip.close()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_every_fhir_export_and_return_writes_a_signed_checkpoint(
    practice: InclusionPractice, tmp_path: Path
) -> None:
    from inclusion_practice.services.access import SYSTEM
    from reports.figures import ReturnKind
    from reports.returns import build_return

    practice.users.create(SYSTEM, "manager1", "Manager", "manager", password="long-enough")
    manager = practice.users.actor("manager1")
    _register(practice, 2)
    folder = tmp_path / "audit" / "checkpoints"
    summary = practice.fhir.exporter().write_ndjson(manager, tmp_path / "out")
    assert summary.checkpoint is not None and summary.checkpoint.parent == folder
    build_return(practice, manager, ReturnKind.LES_ANNUAL, "2025/26", with_trend=False)
    reasons = [json.loads(p.read_text())["payload"]["reason"] for p in sorted(folder.glob("*.json"))]
    assert reasons == ["FHIR export", "les return 2025/26"]
    check = practice.audit.verify()
    assert check.ok and check.checkpoints == 2, check.problems


def test_an_upgraded_database_adopts_its_old_unkeyed_chain(
    tmp_path: Path, config: PracticeConfig, clock: FixedClock
) -> None:
    """Rows written before schema 0007 (the unkeyed chain) are queued by the migration and
    linked into the keyed chain by the first seal; editing one afterwards is still caught."""
    import sqlalchemy as sa

    from inclusion_practice.storage.audit import GENESIS
    from inclusion_practice.storage.database import create_db_engine
    from inclusion_practice.storage.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = create_db_engine(url)
    upgrade(engine, "0006")
    old = sa.table("audit_event", *(sa.column(c) for c in (
        "actor", "actor_role", "action", "entity", "entity_id", "changes", "prev_hash", "hash")),
        sa.column("occurred_at", sa.DateTime()))
    prev = GENESIS
    with engine.begin() as conn:
        for i in range(3):
            row = {"occurred_at": clock.now(), "actor": "reception1", "actor_role": "receptionist",
                   "action": "register_patient", "entity": "patient", "entity_id": str(i + 1),
                   "changes": "{}"}
            row["prev_hash"], row["hash"] = prev, row_hash(prev, row)
            prev = row["hash"]
            conn.execute(sa.insert(old), row)
    upgrade(engine)
    engine.dispose()
    ip = _open(url, config, clock, tmp_path / "audit")
    assert ip.audit.verify().unsealed == 3
    assert ip.audit.seal() == 3
    _register(ip, 2)  # keyed rows follow the adopted ones
    check = ip.audit.verify()
    assert check.ok and check.sealed == 5, check.problems
    with dba(ip) as conn:
        conn.execute(text("UPDATE audit_event SET actor = 'someone' WHERE id = 2"))
    assert "row 2 was edited: its hash (pre-0007 row) does not match" in _problems(ip)
    ip.close()
