"""The sequencer that links committed audit rows into one keyed chain, and its verifier.

Writers only insert audit rows with their own MACs; a trigger queues each new row in
``audit_pending``. The sequencer takes the queue in id order and appends one ``audit_link`` per
row: ``link_mac = HMAC(key, previous link_mac | seq | row id | row MAC)``. Exactly one sequencer
runs at a time: on SQLite it runs inside the writer's own (already exclusive) transaction, so
rows are sealed as they commit; on PostgreSQL it runs at the end of each write, by whichever
write wins a *non-blocking* advisory try-lock (held only from then to its commit); the others
carry on without waiting (one round trip), and their rows are sealed by the next winner. ``audit
checkpoint``, ``db backup``, returns and exports seal whatever is left first.

The verifier walks the links in order and checks: positions without gaps, each link's MAC,
each row's own MAC (and whether it was re-hashed with the old unkeyed function), rows the
chain names that are gone, queued rows' MACs, rows that are neither sealed nor queued, copied
rows, and the signed checkpoints kept outside the database (:mod:`.checkpoints`).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, delete, func, insert, select, text, true
from sqlalchemy.orm import Session
from sqlmodel import col

from inclusion_practice.errors import AuditKeyError
from inclusion_practice.storage import checkpoints as cp
from inclusion_practice.storage.audit import GENESIS, row_hash, row_mac, setup_of
from inclusion_practice.storage.audit_keys import AuditSetup, Keyring, create_keyring
from inclusion_practice.storage.tables import AuditEvent, AuditLink, AuditPending

LINK_DOMAIN = b"inclusion-practice audit link v1"
SEQUENCER_LOCK = 7_311_042
"""PostgreSQL advisory lock, with the schema's hash as second key (practices sharing one
server in separate schemas never contend): held by the one sealing now; writers only ever
*try* it, so none waits for another."""
SEAL_BATCH = 5000
log = logging.getLogger("inclusion_practice.audit")


def link_mac(keyring: Keyring, kid: str, prev: str, seq: int, event_id: int,
             event_mac: str) -> str | None:
    return keyring.mac(kid, LINK_DOMAIN, f"{prev}|{seq}|{event_id}|{event_mac}".encode())


# --------------------------------------------------------------------------- sealing


def _next_links(conn: Connection, keyring: Keyring, now: dt.datetime) -> list[dict[str, Any]]:
    """The links for the next batch of queued rows (in id order), after the current head."""
    top = (select(col(AuditLink.seq), col(AuditLink.link_mac))
           .order_by(col(AuditLink.seq).desc()).limit(1).subquery())
    rows = conn.execute(
        select(col(AuditEvent.id), col(AuditEvent.hash), top.c.seq, top.c.link_mac)
        .join_from(AuditPending, AuditEvent, col(AuditEvent.id) == col(AuditPending.audit_event_id))
        .outerjoin(top, true())
        .order_by(col(AuditEvent.id)).limit(SEAL_BATCH)
    ).all()
    if not rows:
        return []
    seq = int(rows[0][2] or 0)
    prev = str(rows[0][3] or GENESIS)
    links = []
    for event_id, event_mac, _, _ in rows:
        seq += 1
        prev = link_mac(keyring, keyring.current, prev, seq, int(event_id), str(event_mac)) or ""
        links.append({"seq": seq, "audit_event_id": int(event_id), "key_id": keyring.current,
                      "link_mac": prev, "sealed_at": now})
    return links


_PG_STORE = text(
    "WITH sealed AS (DELETE FROM audit_pending WHERE audit_event_id = ANY(CAST(:ids AS integer[]))) "
    "INSERT INTO audit_link (seq, audit_event_id, key_id, link_mac, sealed_at) "
    "SELECT s, i, :kid, m, :at FROM unnest(CAST(:seqs AS integer[]), CAST(:ids AS integer[]), "
    "CAST(:macs AS text[])) AS u(s, i, m)"
)
"""Links in and queue entries out in one statement: one round trip, atomic by itself."""


def _store(conn: Connection, links: list[dict[str, Any]]) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(_PG_STORE, {
            "ids": [x["audit_event_id"] for x in links], "seqs": [x["seq"] for x in links],
            "macs": [x["link_mac"] for x in links], "kid": links[0]["key_id"],
            "at": links[0]["sealed_at"]})
        return
    conn.execute(insert(AuditLink), links)
    conn.execute(delete(AuditPending).where(
        col(AuditPending.audit_event_id).in_([link["audit_event_id"] for link in links])))


def seal_in(conn: Connection, keyring: Keyring, now: dt.datetime,
            limit: int | None = None) -> tuple[int, int]:
    """Seal queued rows inside the caller's transaction, which must exclude other sealers
    (SQLite's write lock, or the PostgreSQL lock). Returns (rows sealed, the head's position
    after them; 0 when nothing was queued)."""
    sealed = 0
    seq = 0
    while limit is None or sealed < limit:
        links = _next_links(conn, keyring, now)
        if not links:
            break
        _store(conn, links)
        sealed += len(links)
        seq = links[-1]["seq"]
        if len(links) < SEAL_BATCH:
            break
    return sealed, seq


def _lock_args() -> dict[str, int]:
    return {"k": SEQUENCER_LOCK}


def seal_in_write(conn: Connection, keyring: Keyring, now: dt.datetime) -> tuple[int, int] | None:
    """The sequencer step of a write unit, just before its commit. SQLite: seal (the writer
    already excludes every other). PostgreSQL: *try* the sequencer lock (one round trip, never
    a wait); the winner seals its own rows and every committed queued row and releases the
    lock with its commit, a loser returns None at once and its rows go to the next winner."""
    if conn.dialect.name == "postgresql" and not conn.execute(
            text("SELECT pg_try_advisory_xact_lock(:k, hashtext(current_schema()))"),
            _lock_args()).scalar():
        return None
    return seal_in(conn, keyring, now)


def seal(engine: Engine, now: dt.datetime) -> tuple[int, int]:
    """Seal every queued row now, in transactions of its own (waiting for a sealing writer to
    commit); returns (rows sealed, head position). For ``audit seal`` and checkpoints."""
    keyring = setup_of(engine).keyring()
    pg = engine.dialect.name == "postgresql"
    writer = engine if pg else engine.execution_options(ip_write=True)  # BEGIN IMMEDIATE
    total, seq = 0, 0
    for _ in range(1000):
        with writer.begin() as conn:
            if pg:
                conn.execute(text("SELECT pg_advisory_xact_lock(:k, hashtext(current_schema()))"),
                             _lock_args())
            n, top = seal_in(conn, keyring, now, limit=SEAL_BATCH * 4)
        total += n
        seq = top or seq
        if n < SEAL_BATCH * 4:
            break
    return total, seq


def head(conn: Connection) -> cp.ChainHead:
    """The sealed chain's head, as a checkpoint records it."""
    last = conn.execute(select(col(AuditLink.seq), col(AuditLink.link_mac), col(AuditLink.key_id))
                        .order_by(col(AuditLink.seq).desc()).limit(1)).first()
    if last is None:
        return cp.ChainHead(0, 0, GENESIS, GENESIS, None)
    first = conn.execute(select(col(AuditLink.link_mac)).where(col(AuditLink.seq) == 1)).scalar()
    last_id = conn.execute(select(func.max(col(AuditLink.audit_event_id)))).scalar()
    return cp.ChainHead(int(last[0]), int(last_id or 0), str(last[1]), str(first or ""),
                        str(last[2]))


def after_write(engine: Engine, now: dt.datetime, sealed: tuple[int, int] | None) -> None:
    """Run by a write unit after its commit: write a checkpoint if one is due. A failure here
    never undoes the committed write; it is logged."""
    if sealed is None or not sealed[0]:
        return
    try:
        maybe_checkpoint(engine, now, sealed[1])
    except Exception:
        log.exception("writing an automatic audit checkpoint failed")


def maybe_checkpoint(engine: Engine, now: dt.datetime, head_seq: int) -> None:
    """Write an automatic checkpoint when the chain has grown by ``every_rows`` or
    ``every_minutes`` have passed since the last one (only where the signing key is)."""
    setup = setup_of(engine)
    paths = setup.paths
    if not (paths.every_rows or paths.every_minutes) or not paths.signing_key_file.exists():
        return
    if not setup.checkpoints_scanned:
        setup.last_checkpoint = cp.latest(paths.checkpoint_dir)
        setup.checkpoints_scanned = True
    last_rows, last_at = setup.last_checkpoint or (0, None)
    grown = head_seq - last_rows
    if grown <= 0:
        return
    due = (paths.every_rows and grown >= paths.every_rows) or (
        paths.every_minutes and (last_at is None
                                 or now - last_at >= dt.timedelta(minutes=paths.every_minutes)))
    if due:
        write_checkpoint(engine, now, reason="scheduled")


def write_checkpoint(engine: Engine, now: dt.datetime, *, reason: str,
                     kind: str = "checkpoint") -> Path:
    """Seal what is queued, then sign the head and write it outside the database."""
    setup = setup_of(engine)
    if kind == "checkpoint":
        seal(engine, now)
    with engine.connect() as conn:
        h = head(conn)
    path = cp.write_checkpoint(setup.paths.checkpoint_dir, setup.paths.signing_key_file, h,
                               kind=kind, reason=reason, at=now)
    setup.last_checkpoint = (h.sealed, now)
    setup.checkpoints_scanned = True
    return path


# --------------------------------------------------------------------------- verifying


@dataclass
class ChainReport:
    """What the verifier found: ``problems`` fail the check, ``notes`` do not."""

    sealed: int = 0
    unsealed: int = 0
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    first_bad_id: int | None = None
    last_id: int = 0
    checkpoints: int = 0

    def bad(self, message: str, row_id: int | None = None) -> None:
        self.problems.append(message)
        if row_id is not None and self.first_bad_id is None:
            self.first_bad_id = row_id


def _row(ev: AuditEvent) -> dict[str, Any]:
    return ev.model_dump()


class _RowChecker:
    """One row's own integrity, with the keyring (or, without one, nothing to check)."""

    def __init__(self, keyring: Keyring | None, report: ChainReport) -> None:
        self.keyring = keyring
        self.report = report
        self.legacy_prev: str | None = GENESIS
        """The last pre-0007 row's hash, while the chain is still in its pre-0007 part."""
        self.missing_keys: set[str] = set()

    def check(self, ev: AuditEvent, where: str) -> None:
        row = _row(ev)
        rid = int(ev.id or 0)
        if ev.key_id is None:  # a row from before schema 0007
            if self.legacy_prev is None:
                self.report.bad(f"row {rid}{where} claims to be from before the keyed chain "
                                "but comes after keyed rows: forged or altered", rid)
            elif row_hash(ev.prev_hash, row) != ev.hash:
                self.report.bad(f"row {rid}{where} was edited: its hash (pre-0007 row) does not "
                                "match its contents", rid)
            elif ev.prev_hash != self.legacy_prev:
                self.report.bad(f"row {rid}{where}: the pre-0007 chain is broken before it "
                                "(a row was removed or moved before the upgrade)", rid)
            if self.legacy_prev is not None:
                self.legacy_prev = ev.hash
            return
        self.legacy_prev = None
        if self.keyring is None:
            return
        expected = row_mac(self.keyring, row)
        if expected is None:
            if ev.key_id not in self.missing_keys:
                self.missing_keys.add(ev.key_id)
                self.report.bad(f"row {rid}{where} is MACed with key {ev.key_id}, which is not in "
                                "the keyring: a row from another database, or a key was lost",
                                rid)
            else:
                self.report.first_bad_id = self.report.first_bad_id or rid
        elif expected != ev.hash:
            if row_hash(ev.prev_hash, row) == ev.hash:
                self.report.bad(f"row {rid}{where} was re-hashed without the key: it carries the "
                                "unkeyed row_hash of its (altered) contents, not its MAC", rid)
            else:
                self.report.bad(f"row {rid}{where} was edited: its MAC does not match its "
                                "contents", rid)


def verify(conn: Connection, keyring: Keyring | None, checkpoints: Sequence[cp.Checkpoint] = (),
           *, batch: int = 10_000) -> ChainReport:
    """Walk the whole chain and the queue; compare with ``checkpoints`` (oldest first)."""
    with Session(bind=conn) as session:
        return _verify(session, keyring, checkpoints, batch)


def _verify(session: Session, keyring: Keyring | None, checkpoints: Sequence[cp.Checkpoint],
            batch: int) -> ChainReport:
    report = ChainReport()
    rows = _RowChecker(keyring, report)
    wanted = {c.head.sealed for c in checkpoints} | {1}
    macs_at: dict[int, str] = {}
    expected_seq = 1
    prev: str | None = GENESIS
    last_seq = 0
    while True:
        session.expunge_all()
        chunk = session.execute(
            select(AuditLink, AuditEvent)
            .outerjoin(AuditEvent, col(AuditEvent.id) == col(AuditLink.audit_event_id))
            .where(col(AuditLink.seq) > last_seq).order_by(col(AuditLink.seq)).limit(batch)
        ).all()
        if not chunk:
            break
        for link, ev in chunk:
            seq = int(link.seq)
            eid = int(link.audit_event_id)
            if seq != expected_seq:
                report.bad(f"links {expected_seq}–{seq - 1} are missing: the chain skips from "
                           f"position {expected_seq - 1} to {seq} (rows removed with their links)",
                           eid)
                prev = None  # cannot check the next link against a removed one
            if seq in wanted:
                macs_at[seq] = link.link_mac
            if ev is None:
                report.bad(f"row {eid} (position {seq} in the chain) is missing: it was removed",
                           eid)
            else:
                rows.check(ev, "")
                report.last_id = max(report.last_id, eid)
                if keyring is not None and prev is not None:
                    expected = link_mac(keyring, link.key_id, prev, seq, eid, ev.hash)
                    if expected is None:
                        report.bad(f"link {seq} is MACed with key {link.key_id}, which is not in "
                                   "the keyring", eid)
                    elif expected != link.link_mac:
                        report.bad(f"link {seq} (row {eid}) does not follow the chain: the row's "
                                   "MAC or the links before it were rewritten after sealing", eid)
            prev = link.link_mac
            expected_seq = seq + 1
            last_seq = seq
            report.sealed += 1
    _check_queue(session, rows, report, batch)
    _check_strays_and_copies(session, report)
    _check_checkpoints(report, checkpoints, macs_at, last_seq)
    if keyring is None:
        report.notes.append("no MAC key: row and link MACs were not checked (checkpoints "
                            "were checked against the chain's stored link MACs)")
    return report


def _check_queue(session: Session, rows: _RowChecker, report: ChainReport, batch: int) -> None:
    last = 0
    while True:
        session.expunge_all()
        chunk = session.execute(
            select(col(AuditPending.audit_event_id), AuditEvent)
            .outerjoin(AuditEvent, col(AuditEvent.id) == col(AuditPending.audit_event_id))
            .where(col(AuditPending.audit_event_id) > last)
            .order_by(col(AuditPending.audit_event_id)).limit(batch)
        ).all()
        if not chunk:
            return
        for eid, ev in chunk:
            if ev is None:
                report.bad(f"row {eid} was removed before it was sealed (its queue entry "
                           "remains)", int(eid))
            else:
                rows.check(ev, " (not yet sealed)")
                report.unsealed += 1
                report.last_id = max(report.last_id, int(eid))
            last = int(eid)


def _check_strays_and_copies(session: Session, report: ChainReport) -> None:
    strays = session.execute(
        select(col(AuditEvent.id))
        .outerjoin(AuditLink, col(AuditLink.audit_event_id) == col(AuditEvent.id))
        .outerjoin(AuditPending, col(AuditPending.audit_event_id) == col(AuditEvent.id))
        .where(col(AuditLink.seq).is_(None), col(AuditPending.audit_event_id).is_(None))
        .order_by(col(AuditEvent.id)).limit(21)
    ).scalars().all()
    if strays:
        more = " and more" if len(strays) > 20 else ""
        report.bad("rows neither sealed nor queued for sealing (inserted with the triggers off, "
                   f"or their queue entries removed): {', '.join(map(str, strays[:20]))}{more}",
                   int(strays[0] or 0))
    copies = session.execute(
        select(col(AuditEvent.nonce), func.min(col(AuditEvent.id)), func.max(col(AuditEvent.id)))
        .where(col(AuditEvent.nonce).is_not(None))
        .group_by(col(AuditEvent.nonce)).having(func.count() > 1).limit(20)
    ).all()
    for _, first, last in copies:
        report.bad(f"row {last} is a copy of row {first} (the same nonce under the MAC)", int(last or 0))


def _check_checkpoints(report: ChainReport, checkpoints: Sequence[cp.Checkpoint],
                       macs_at: dict[int, str], length: int) -> None:
    report.checkpoints = len(checkpoints)
    if not checkpoints:
        if length == 0 and report.unsealed == 0:
            report.bad("the audit chain is empty and no checkpoint says it should be: every "
                       "row may have been removed (e.g. TRUNCATE)")
        else:
            report.notes.append("no checkpoints to compare with: removal of the newest rows "
                                "cannot be detected (write them with `audit checkpoint`)")
        return
    restores = [c for c in checkpoints if c.kind == "restore"]
    restore = restores[-1] if restores else None
    in_force: list[cp.Checkpoint] = []
    for c in checkpoints:
        if restore is not None and c.number < restore.number and c.head.sealed > restore.head.sealed:
            report.notes.append(f"{c.describe()} recorded {c.head.sealed} rows; the database was "
                                f"restored to {restore.head.sealed} at "
                                f"{restore.at:%Y-%m-%d %H:%M}: rows after the backup are not in it")
            continue
        in_force.append(c)
    genesis_told = False
    longest = max(in_force, key=lambda c: (c.head.sealed, c.number))
    if longest.head.sealed > length:
        if length == 0:
            report.bad(f"the audit chain is empty, but {longest.describe()} recorded "
                       f"{longest.head.sealed} sealed rows up to row {longest.head.last_id}: "
                       "every row was removed (e.g. TRUNCATE)")
        else:
            report.bad(f"the newest rows were removed: {longest.describe()} recorded "
                       f"{longest.head.sealed} sealed rows up to row {longest.head.last_id}; the "
                       f"chain now has {length} (last row {report.last_id})")
    for c in in_force:
        if c.head.sealed == 0 or c.head.sealed > length:
            continue
        if not genesis_told and macs_at.get(1) != c.head.genesis_mac:
            genesis_told = True
            report.bad(f"the chain was replaced: its first link is not the one {c.describe()} "
                       "recorded")
        elif macs_at.get(c.head.sealed) != c.head.head_mac:
            report.bad(f"the chain was rewritten: link {c.head.sealed} is not the one "
                       f"{c.describe()} recorded")


def checkpoints_for(setup: AuditSetup, public_keys: Iterable[Any] | None = None,
                    folder: Any = None) -> tuple[list[cp.Checkpoint], list[str]]:
    """The signed checkpoints (and unreadable or forged ones) of ``setup``'s database."""
    paths = setup.paths
    folder = folder or paths.checkpoint_dir
    keys = list(public_keys) if public_keys else cp.public_keys_beside(paths.public_key_file)
    if not keys:
        if folder.is_dir() and any(folder.glob("*.json")):
            raise AuditKeyError(f"checkpoints in {folder} but no public key: pass --public-key")
        return [], []
    return cp.read_checkpoints(folder, keys)


def provision(setup: AuditSetup, now: dt.datetime) -> list[str]:
    """Create the missing key material for ``setup``: the MAC keyring (unless the key comes
    from the environment) and the checkpoint signing key pair, each owner-only."""
    made: list[str] = []
    paths = setup.paths
    if setup.env_key is None and setup.keyring_override is None and not paths.key_file.exists():
        create_keyring(paths.key_file, now)
        made.append(f"audit key {paths.key_file} (owner-only: keep it off the database server)")
    if not paths.signing_key_file.exists():
        cp.create_signing_key(paths.signing_key_file, paths.public_key_file)
        made.append(f"checkpoint signing key {paths.signing_key_file}, public key "
                    f"{paths.public_key_file}")
    setup.reload()
    return made
