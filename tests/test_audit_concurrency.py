"""Many writers at once on PostgreSQL: no audit lock to queue behind, nothing lost or reordered.

Eight processes (each its own engine, like separate terminals) write audit rows as fast as they
can for a fixed number of writes each. Afterwards every write committed, and once the last
queued rows are sealed the chain holds every audit row exactly once, at positions 1..N without
a gap, each terminal's rows in the order that terminal wrote them, and it verifies.
"""

from __future__ import annotations

import multiprocessing as mp
import time
from typing import Any

import pytest
from sqlalchemy import text

from inclusion_practice.api import InclusionPractice
from inclusion_practice.domain.actor import Actor

WRITERS = 8
WRITES = 25


def _writer(url: str, number: int, barrier: Any, out: Any) -> None:
    from inclusion_practice.clock import FixedClock
    from inclusion_practice.storage.database import Database
    from tests.conftest import NOW

    db = Database(url, clock=FixedClock(NOW))
    actor = Actor(f"desk{number}", "receptionist")
    ids: list[str] = []
    started = 0.0
    try:
        barrier.wait(timeout=60)
        started = time.perf_counter()
        for i in range(WRITES):
            def write(uow: Any, i: int = i) -> None:
                from inclusion_practice.storage.audit import append_audit_rows

                append_audit_rows(uow.session, [{
                    "occurred_at": NOW, "actor": actor.username, "actor_role": actor.role,
                    "action": "probe", "entity": "desk", "entity_id": f"{number}:{i}",
                    "changes": "{}"}])

            db.run_write(actor, "probe", write)
            ids.append(f"{number}:{i}")
        out.put((number, ids, time.perf_counter() - started, None))
    except Exception as exc:  # reported to the parent, which fails the test
        out.put((number, ids, 0.0, f"{type(exc).__name__}: {exc}"))
    finally:
        db.dispose()


@pytest.mark.slow
@pytest.mark.parametrize("db_url", [pytest.param("postgresql", marks=pytest.mark.postgres)],
                         indirect=True)
def test_concurrent_writers_all_commit_and_the_chain_holds_every_row_in_order(
    ip: InclusionPractice, db_url: str
) -> None:
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(["inclusion_practice.api", "tests.test_audit_concurrency"])
    barrier = ctx.Barrier(WRITERS)
    out = ctx.Queue()
    procs = [ctx.Process(target=_writer, args=(db_url, n, barrier, out)) for n in range(WRITERS)]
    for p in procs:
        p.start()
    reports = [out.get(timeout=180) for _ in procs]
    for p in procs:
        p.join(timeout=30)
    assert [r[3] for r in reports if r[3]] == []
    assert all(len(r[1]) == WRITES for r in reports)

    ip.audit.seal()  # whatever the last try-lock losers left queued
    with ip.db.engine.connect() as conn:
        chain = conn.execute(text(
            "SELECT l.seq, e.entity_id FROM audit_link l JOIN audit_event e "
            "ON e.id = l.audit_event_id ORDER BY l.seq")).all()
        queued = conn.execute(text("SELECT count(*) FROM audit_pending")).scalar()
    assert queued == 0
    assert [seq for seq, _ in chain] == list(range(1, WRITERS * WRITES + 1))
    written = sorted(i for r in reports for i in r[1])
    assert sorted(e for _, e in chain) == written  # every row once: none lost, none doubled
    for number in range(WRITERS):
        mine = [int(e.split(":")[1]) for _, e in chain if e.startswith(f"{number}:")]
        assert mine == list(range(WRITES)), f"desk {number}'s rows out of order"
    check = ip.audit.verify()
    assert check.ok, check.problems
    assert check.rows == check.sealed == WRITERS * WRITES
    seconds = max(r[2] for r in reports)
    print(f"\n[audit writers] {WRITERS} writers x {WRITES} writes in {seconds:.1f} s "
          f"({WRITERS * WRITES / seconds:.0f} commits/s)")


def _probe(uow: Any, entity_id: str) -> None:
    from inclusion_practice.storage.audit import append_audit_rows
    from tests.conftest import NOW

    append_audit_rows(uow.session, [{
        "occurred_at": NOW, "actor": "desk", "actor_role": "receptionist", "action": "probe",
        "entity": "desk", "entity_id": entity_id, "changes": "{}"}])


@pytest.mark.parametrize("db_url", [pytest.param("postgresql", marks=pytest.mark.postgres)],
                         indirect=True)
def test_a_write_still_open_does_not_hold_up_another_terminals_commit(
    ip: InclusionPractice,
) -> None:
    """Before: every audited write took one advisory lock until its commit, so a slow write
    held up every terminal. Now a write's audit rows need nothing from anyone else."""
    import threading

    actor = Actor("desk", "receptionist")
    slow = ip.db.write(actor, "probe")
    _probe(slow, "slow")
    slow.flush()  # audit row inserted, transaction left open
    done = threading.Event()

    def other() -> None:
        ip.db.run_write(actor, "probe", lambda uow: _probe(uow, "quick"))
        done.set()

    t = threading.Thread(target=other)
    t.start()
    try:
        assert done.wait(timeout=10), "the second terminal's write waited for the first"
    finally:
        slow.commit()
        slow.__exit__(None, None, None)
        t.join(timeout=30)
    ip.audit.seal()
    check = ip.audit.verify()
    assert check.ok and check.rows == 2, check
