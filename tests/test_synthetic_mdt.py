"""The demo practice's MDT history: a held meeting with actions, referrals, candidates left."""

from __future__ import annotations

import shutil
from pathlib import Path

from inclusion_practice.api import InclusionPractice
from inclusion_practice.clock import FixedClock
from inclusion_practice.config import PracticeConfig
from inclusion_practice.domain.actor import Actor
from inclusion_practice.domain.referrals import ReferralStatus
from inclusion_practice.storage.database import Database
from inclusion_practice.synthetic.generator import generate_practice
from inclusion_practice.synthetic.mdt import add_demo_mdt
from tests.conftest import NOW

READER = Actor("manager1", "manager")


def test_the_demo_practice_has_a_meeting_referrals_and_candidates_for_the_next_agenda(
    sqlite_template: Path, tmp_path: Path, config: PracticeConfig,
) -> None:
    """On SQLite only: the services it calls are tested on both engines."""
    shutil.copy(sqlite_template, tmp_path / "demo.db")
    clock = FixedClock(NOW)
    ip = InclusionPractice(Database(f"sqlite:///{tmp_path / 'demo.db'}", clock=clock), config, clock)
    generate_practice(ip.db, ip.config, patients=600, seed=5, today=ip.clock.today())
    discussed, referrals = add_demo_mdt(ip)
    assert discussed == 3 and referrals == 4
    [meeting] = ip.mdt.meetings(READER)
    assert meeting.status.value == "held"
    due = ip.mdt.actions_due(READER)
    assert any(a.overdue_on(ip.clock.today()) for a in due)
    overdue = ip.referrals.overdue(READER)
    assert [r.partner_code for r in overdue] == ["city-drug-alcohol"]
    statuses = {r.status for r in ip.referrals.find(READER)}
    assert statuses == {ReferralStatus.SEEN, ReferralStatus.SENT, ReferralStatus.DECLINED}
    assert ip.mdt.candidates(READER), "the next agenda has candidates"
    ip.close()
