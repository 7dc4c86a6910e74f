"""MDT meetings: the candidate list, agendas, discussions, actions and the partner agenda.

The rules that put a patient on the candidate list are pure (:mod:`inclusion_practice.domain.mdt`);
this service gathers their facts, plans meetings, records what was decided and answers the
worklists. What leaves the practice — the agenda partners take away — is built here, by
:meth:`MdtService.partner_agenda`, from what each patient consented to share: never a flag, and
free text is scrubbed of restricted category names. Every agenda read or printed is in the access
log; every change is audited.

A patient stays a candidate until they are discussed; after that only a rule met again later
(another missed appointment, a new discharge) brings them back. Meeting a rule and being discussed
are also coded entries (``ip:mdt-candidate``, ``ip:mdt-discussed`` with the days waited as its
value) so the "discussed within 8 weeks" indicator is counted by the indicator engines.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, col, select

from inclusion_practice.clock import Clock
from inclusion_practice.config import PracticeConfig
from inclusion_practice.domain.actor import Actor
from inclusion_practice.domain.attendance import AppointmentStatus
from inclusion_practice.domain.mdt import (
    MDT_CANDIDATE_CODE,
    MDT_DISCUSSED_CODE,
    MENTAL_HEALTH_NEED,
    RESTRICTED_WORDS,
    ActionStatus,
    CandidateReason,
    FlagSpan,
    MdtRule,
    MeetingStatus,
    OwnerKind,
    PatientFacts,
    ShareConsent,
    action_overdue,
    candidate_reasons,
    clean_text,
    days_waited,
    first_met,
    parse_consent,
    parse_owner,
)
from inclusion_practice.domain.referrals import PartnerServiceKind, ReferralStatus
from inclusion_practice.domain.registers import MH_CODES
from inclusion_practice.domain.roles import Permission, Role, can_see_restricted
from inclusion_practice.errors import InvalidInput, NotFound
from inclusion_practice.services.access import require
from inclusion_practice.services.access_log import record_access
from inclusion_practice.services.flags import visible_flags
from inclusion_practice.storage.active import active_on
from inclusion_practice.storage.database import Database, UnitOfWork
from inclusion_practice.storage.tables import (
    Appointment,
    AppUser,
    ClinicalEvent,
    DnaAction,
    DnaEvent,
    Flag,
    MdtAction,
    MdtAttendee,
    MdtItem,
    MdtMeeting,
    Patient,
    Referral,
    Registration,
)

LOCAL_SYSTEM = "local"
PARTNER_RULE_LABELS: dict[MdtRule, str] = {
    MdtRule.OVERLAPPING_NEEDS: "Several overlapping needs",
    MdtRule.REPEATED_DNAS: "Missed appointments",
    MdtRule.SAFEGUARDING_CHECK: "Safeguarding follow-up",
    MdtRule.HOSPITAL_DISCHARGE: "Recent hospital discharge",
    MdtRule.NO_CONTACT: "Not seen by the practice for some months",
}
"""What a partner reads for each rule: why, without naming a condition or a flag."""
WITHHELD = "[withheld]"


# --------------------------------------------------------------------------- read models


@dataclass(frozen=True)
class Candidate:
    patient_id: int
    name: str
    date_of_birth: dt.date
    reasons: tuple[CandidateReason, ...]
    since: dt.date
    """When the patient became a candidate (the earliest rule still undiscussed)."""
    why: tuple[str, ...]
    """Each rule in words, as the reader's role may see it."""

    @property
    def rules(self) -> tuple[MdtRule, ...]:
        return tuple(r.rule for r in self.reasons)


@dataclass(frozen=True)
class MeetingInfo:
    id: int
    meeting_date: dt.date
    title: str
    status: MeetingStatus
    created_by: str
    note: str | None


@dataclass(frozen=True)
class Attendee:
    id: int
    kind: OwnerKind
    key: str
    label: str
    """The user's name or the partner organisation's name."""
    person: str | None


@dataclass(frozen=True)
class ActionInfo:
    id: int
    item_id: int
    meeting_id: int
    meeting_date: dt.date
    patient_id: int
    patient_name: str
    description: str
    owner_kind: OwnerKind
    owner: str
    owner_label: str
    due_on: dt.date
    status: ActionStatus
    outcome: str | None
    completed_on: dt.date | None
    created_by: str

    def overdue_on(self, day: dt.date) -> bool:
        return action_overdue(self.status, self.due_on, day)


@dataclass(frozen=True)
class AgendaItem:
    id: int
    meeting_id: int
    position: int
    patient_id: int
    patient_name: str
    date_of_birth: dt.date
    source: str
    """rules | hand."""
    rules: tuple[MdtRule, ...]
    why: tuple[str, ...]
    reason: str | None
    consent: ShareConsent
    candidate_since: dt.date | None
    flags: tuple[str, ...]
    """Active flags the reader's role may see (labels)."""
    summary: str | None
    lead_professional: str | None
    discussed_on: dt.date | None
    actions: tuple[ActionInfo, ...]


@dataclass(frozen=True)
class Agenda:
    meeting: MeetingInfo
    practice_name: str
    attendees: tuple[Attendee, ...]
    items: tuple[AgendaItem, ...]

    @property
    def partner_attendees(self) -> tuple[Attendee, ...]:
        return tuple(a for a in self.attendees if a.kind == OwnerKind.PARTNER)


@dataclass(frozen=True)
class PartnerAgendaItem:
    position: int
    consent: ShareConsent
    name: str | None
    """None when the patient did not consent to share their identity."""
    date_of_birth: dt.date | None
    why: tuple[str, ...]
    """Only with consent to share a summary; never a flag or a restricted category."""
    actions: tuple[str, ...]


@dataclass(frozen=True)
class PartnerAgenda:
    """The agenda that may leave the practice: organisations attending, consented details only."""

    meeting: MeetingInfo
    practice_name: str
    organisations: tuple[str, ...]
    practice_attendees: tuple[str, ...]
    items: tuple[PartnerAgendaItem, ...]


def _meeting(row: MdtMeeting) -> MeetingInfo:
    assert row.id is not None
    return MeetingInfo(row.id, row.meeting_date, row.title, MeetingStatus(row.status),
                       row.created_by, row.note)


# --------------------------------------------------------------------------- facts


def _gather_facts(
    session: Session, on: dt.date, discharge_codes: Iterable[str], patient_ids: Iterable[int] | None = None
) -> dict[int, PatientFacts]:
    """The candidate rules' facts for every patient registered on ``on`` (or those given)."""
    reg_stmt = select(Registration.patient_id, func.max(Registration.start_date)).where(
        active_on(Registration, on)
    ).group_by(col(Registration.patient_id))
    if patient_ids is not None:
        reg_stmt = reg_stmt.where(col(Registration.patient_id).in_(list(patient_ids)))
    registered = {int(pid): start for pid, start in session.exec(reg_stmt).all()}
    if not registered:
        return {}
    ids = list(registered)
    flags: dict[int, list[FlagSpan]] = defaultdict(list)
    for f in session.exec(select(Flag).where(col(Flag.patient_id).in_(ids), Flag.start_date <= on)).all():
        flags[f.patient_id].append(FlagSpan(f.category, f.start_date, f.end_date))
    wanted = set(MH_CODES.codes) | set(discharge_codes)
    events: dict[int, list[tuple[str, dt.date]]] = defaultdict(list)
    for pid, code, day in session.exec(
        select(col(ClinicalEvent.patient_id), col(ClinicalEvent.code), col(ClinicalEvent.event_date)).where(
            col(ClinicalEvent.patient_id).in_(ids), col(ClinicalEvent.code).in_(wanted),
            ClinicalEvent.event_date <= on,
        )
    ).all():
        events[pid].append((code, day))
    dnas: dict[int, list[dt.date]] = defaultdict(list)
    for pid, at in session.exec(
        select(DnaEvent.patient_id, DnaEvent.occurred_at).where(
            col(DnaEvent.patient_id).in_(ids), col(DnaEvent.voided_at).is_(None)
        )
    ).all():
        dnas[pid].append(at.date())
    checks: dict[int, list[tuple[dt.date, str]]] = defaultdict(list)
    for pid, at, status in session.exec(
        select(DnaAction.patient_id, DnaEvent.occurred_at, DnaAction.status)
        .join(DnaEvent, col(DnaEvent.id) == col(DnaAction.dna_event_id))
        .where(col(DnaAction.patient_id).in_(ids), DnaAction.action == "safeguarding_check",
               col(DnaEvent.voided_at).is_(None))
    ).all():
        checks[pid].append((at.date(), status))
    contacts: dict[int, list[dt.date]] = defaultdict(list)
    for pid, last in session.exec(
        select(Appointment.patient_id, func.max(Appointment.start)).where(
            col(Appointment.patient_id).in_(ids),
            col(Appointment.status).in_([AppointmentStatus.SEEN.value, AppointmentStatus.ARRIVED.value]),
        ).group_by(col(Appointment.patient_id))
    ).all():
        if last is not None:
            contacts[pid].append(last.date() if isinstance(last, dt.datetime) else last)
    for pid, last_coded in session.exec(
        select(col(ClinicalEvent.patient_id), func.max(ClinicalEvent.event_date)).where(
            col(ClinicalEvent.patient_id).in_(ids), col(ClinicalEvent.code).not_like("ip:%"),
            ClinicalEvent.event_date <= on,
        ).group_by(col(ClinicalEvent.patient_id))
    ).all():
        if last_coded is not None:
            contacts[pid].append(last_coded)
    mh_refs: dict[int, list[dt.date]] = defaultdict(list)
    for pid, sent in session.exec(
        select(col(Referral.patient_id), col(Referral.sent_on)).where(
            col(Referral.patient_id).in_(ids),
            Referral.service == PartnerServiceKind.MENTAL_HEALTH.value,
            Referral.status != ReferralStatus.DECLINED.value,
        )
    ).all():
        mh_refs[pid].append(sent)
    return {
        pid: PatientFacts(
            patient_id=pid, registered_since=start, flags=tuple(flags[pid]),
            events=tuple(events[pid]), dnas=tuple(dnas[pid]),
            safeguarding_checks=tuple(checks[pid]), contacts=tuple(contacts[pid]),
            mental_health_referrals=tuple(mh_refs[pid]),
        )
        for pid, start in registered.items()
    }


def _last_discussed(session: Session, ids: Iterable[int]) -> dict[int, dt.date]:
    rows = session.exec(
        select(MdtItem.patient_id, func.max(MdtItem.discussed_on)).where(
            col(MdtItem.patient_id).in_(list(ids)), col(MdtItem.discussed_on).is_not(None),
            col(MdtItem.withdrawn_at).is_(None),
        ).group_by(col(MdtItem.patient_id))
    ).all()
    return {int(pid): day for pid, day in rows if day is not None}


class MdtService:
    """Candidate list, meetings, agendas, discussions, actions and their worklist."""

    def __init__(self, db: Database, config: PracticeConfig, clock: Clock) -> None:
        self._db = db
        self._config = config
        self._clock = clock

    # ----------------------------------------------------------------- visibility helpers

    def _show_need(self, role: Role) -> Callable[[str], bool]:
        policy = self._config.flag_visibility(role)

        def show(need: str) -> bool:
            if need == MENTAL_HEALTH_NEED:
                return can_see_restricted(role)
            return policy.allows(need)

        return show

    def _candidates_in(
        self, session: Session, role: Role, on: dt.date, patient_ids: Iterable[int] | None = None
    ) -> list[Candidate]:
        facts = _gather_facts(session, on, self._config.mdt.discharge_codes, patient_ids)
        discussed = _last_discussed(session, facts)
        show = self._show_need(role)
        found: dict[int, tuple[CandidateReason, ...]] = {}
        for pid, f in facts.items():
            reasons = candidate_reasons(f, on, self._config.mdt, self._config.dna.window_months)
            last = discussed.get(pid)
            if last is not None:
                reasons = tuple(r for r in reasons if r.met_on > last)
            if reasons:
                found[pid] = reasons
        if not found:
            return []
        people = {
            int(p.id): p for p in session.exec(
                select(Patient).where(col(Patient.id).in_(list(found)))
            ).all() if p.id is not None
        }
        out = [
            Candidate(
                patient_id=pid, name=f"{people[pid].given_name} {people[pid].family_name}",
                date_of_birth=people[pid].date_of_birth, reasons=reasons, since=first_met(reasons),
                why=tuple(r.describe(show) for r in reasons),
            )
            for pid, reasons in found.items() if pid in people
        ]
        out.sort(key=lambda c: (c.since, c.patient_id))
        return out

    # ----------------------------------------------------------------- candidates

    def candidates(self, actor: Actor | None, on: dt.date | None = None) -> list[Candidate]:
        """Who needs discussing on ``on`` (today), longest-waiting first, with their rules."""
        role = require(actor, Permission.VIEW_MDT)
        day = on or self._clock.today()
        with self._db.read() as uow:
            out = self._candidates_in(uow.session, role, day)
        record_access(self._db, actor, "mdt.candidates", [c.patient_id for c in out])
        return out

    def _record_episodes(self, uow: UnitOfWork, who: str, found: Iterable[Candidate]) -> int:
        """Code each candidate's episode (dated when they met the rule) once."""
        n = 0
        for c in found:
            source = f"mdt-candidate:{c.patient_id}:{c.since.isoformat()}"
            exists = uow.session.exec(
                select(ClinicalEvent.id).where(ClinicalEvent.source_id == source)
            ).first()
            if exists is None:
                uow.session.add(ClinicalEvent(
                    patient_id=c.patient_id, code=MDT_CANDIDATE_CODE, system=LOCAL_SYSTEM,
                    event_date=c.since, resource_type="Flag", recorded_by=who, source_id=source,
                ))
                n += 1
        return n

    def record_candidates(self, actor: Actor | None, on: dt.date | None = None) -> int:
        """Code today's candidates (the indicator's denominator); returns how many were new."""
        role = require(actor, Permission.PLAN_MDT)
        assert actor is not None
        day = on or self._clock.today()

        def work(uow: UnitOfWork) -> int:
            return self._record_episodes(uow, actor.username, self._candidates_in(uow.session, role, day))

        return self._db.run_write(actor, "mdt_record_candidates", work)

    # ----------------------------------------------------------------- meetings

    def create_meeting(
        self, actor: Actor | None, meeting_date: dt.date, *, title: str | None = None,
        partners: Iterable[str] = (), users: Iterable[str] = (),
    ) -> MeetingInfo:
        """Plan a meeting on ``meeting_date`` with the partner organisations and users attending."""
        require(actor, Permission.PLAN_MDT)
        assert actor is not None
        today = self._clock.today()
        if meeting_date < today - dt.timedelta(days=366):
            raise InvalidInput("date", f"{meeting_date} is more than a year ago")
        if meeting_date > today + dt.timedelta(days=366):
            raise InvalidInput("date", f"{meeting_date} is more than a year ahead")
        name = clean_text(title, "title", required=False, limit=200) or (
            f"MDT meeting {meeting_date:%d %b %Y}")
        partner_codes = [self._partner_code(p) for p in partners]
        usernames = list(users)

        def work(uow: UnitOfWork) -> MeetingInfo:
            clash = uow.session.exec(select(MdtMeeting).where(
                MdtMeeting.meeting_date == meeting_date,
                MdtMeeting.status != MeetingStatus.CANCELLED.value,
            )).first()
            if clash is not None:
                raise InvalidInput("date", f"meeting {clash.id} is already planned on {meeting_date}")
            row = MdtMeeting(meeting_date=meeting_date, title=name, status=MeetingStatus.PLANNED.value,
                             created_by=actor.username, created_at=uow.clock.now())
            uow.session.add(row)
            uow.flush()
            assert row.id is not None
            for code in partner_codes:
                uow.session.add(MdtAttendee(meeting_id=row.id, kind=OwnerKind.PARTNER.value, key=code))
            for u in usernames:
                self._check_user(uow.session, u)
                uow.session.add(MdtAttendee(meeting_id=row.id, kind=OwnerKind.USER.value, key=u))
            return _meeting(row)

        return self._db.run_write(actor, "mdt_create_meeting", work)

    def _partner_code(self, code: str) -> str:
        p = self._config.partner(code.strip())
        if p is None:
            raise InvalidInput("partner", f"unknown partner {code!r} (known: "
                               f"{', '.join(x.code for x in self._config.partners) or 'none'})")
        return p.code

    @staticmethod
    def _check_user(session: Session, username: str) -> None:
        row = session.exec(select(AppUser).where(AppUser.username == username)).first()
        if row is None or row.ended_at is not None:
            raise InvalidInput("user", f"no current user {username!r}")

    def add_attendee(
        self, actor: Actor | None, meeting_id: int, who: str, *, person: str | None = None
    ) -> Attendee:
        """Add ``user:NAME`` or ``partner:CODE`` (or a bare name) to the attendance list."""
        require(actor, Permission.PLAN_MDT)
        assert actor is not None
        text = clean_text(person, "person", required=False, limit=200)

        def work(uow: UnitOfWork) -> Attendee:
            meeting = self._meeting_row(uow.session, meeting_id)
            owner = parse_owner(who, self._usernames(uow.session), [p.code for p in self._config.partners])
            row = uow.session.exec(select(MdtAttendee).where(
                MdtAttendee.meeting_id == meeting.id, MdtAttendee.kind == owner.kind.value,
                MdtAttendee.key == owner.key)).first()
            if row is not None and row.ended_at is None:
                raise InvalidInput("attendee", f"{owner.key} is already on the attendance list")
            if row is None:
                row = MdtAttendee(meeting_id=meeting_id, kind=owner.kind.value, key=owner.key, person=text)
            else:
                row.ended_at = None
                row.person = text
            uow.session.add(row)
            uow.flush()
            return self._attendee(uow.session, row)

        return self._db.run_write(actor, "mdt_add_attendee", work)

    def remove_attendee(self, actor: Actor | None, meeting_id: int, who: str) -> None:
        """Take an attendee off the list (apologies): ended, not erased."""
        require(actor, Permission.PLAN_MDT)

        def work(uow: UnitOfWork) -> None:
            owner = parse_owner(who, self._usernames(uow.session), [p.code for p in self._config.partners])
            row = uow.session.exec(select(MdtAttendee).where(
                MdtAttendee.meeting_id == meeting_id, MdtAttendee.kind == owner.kind.value,
                MdtAttendee.key == owner.key, col(MdtAttendee.ended_at).is_(None))).first()
            if row is None:
                raise NotFound("attendee", who)
            row.ended_at = uow.clock.now()
            uow.session.add(row)

        self._db.run_write(actor, "mdt_remove_attendee", work)

    def cancel_meeting(self, actor: Actor | None, meeting_id: int, reason: str) -> MeetingInfo:
        require(actor, Permission.PLAN_MDT)
        why = clean_text(reason, "reason", required=True, limit=1000)

        def work(uow: UnitOfWork) -> MeetingInfo:
            row = self._meeting_row(uow.session, meeting_id)
            if row.status != MeetingStatus.PLANNED.value:
                raise InvalidInput("meeting", f"meeting {meeting_id} is {row.status}, not planned")
            row.status = MeetingStatus.CANCELLED.value
            row.note = why
            uow.session.add(row)
            return _meeting(row)

        return self._db.run_write(actor, "mdt_cancel_meeting", work)

    def meetings(self, actor: Actor | None, *, upcoming_from: dt.date | None = None) -> list[MeetingInfo]:
        """Meetings, soonest first (from ``upcoming_from`` if given)."""
        require(actor, Permission.VIEW_MDT)
        with self._db.read() as uow:
            stmt = select(MdtMeeting)
            if upcoming_from is not None:
                stmt = stmt.where(MdtMeeting.meeting_date >= upcoming_from,
                                  MdtMeeting.status == MeetingStatus.PLANNED.value)
            rows = uow.session.exec(stmt.order_by(col(MdtMeeting.meeting_date), col(MdtMeeting.id))).all()
            return [_meeting(r) for r in rows]

    def next_meeting(self, actor: Actor | None, on: dt.date | None = None) -> MeetingInfo | None:
        found = self.meetings(actor, upcoming_from=on or self._clock.today())
        return found[0] if found else None

    # ----------------------------------------------------------------- agenda

    def build_agenda(self, actor: Actor | None, meeting_id: int, *, limit: int | None = None) -> Agenda:
        """Put today's candidates on the meeting's agenda (those not already on it), the longest
        waiting first, at most ``limit`` of them (the rest wait for the next meeting)."""
        role = require(actor, Permission.PLAN_MDT)
        assert actor is not None
        today = self._clock.today()
        if limit is not None and not 1 <= limit <= 200:
            raise InvalidInput("limit", "must be 1 to 200")

        def work(uow: UnitOfWork) -> None:
            meeting = self._meeting_row(uow.session, meeting_id)
            if meeting.status != MeetingStatus.PLANNED.value:
                raise InvalidInput("meeting", f"meeting {meeting_id} is {meeting.status}, not planned")
            day = min(today, meeting.meeting_date)
            found = self._candidates_in(uow.session, role, day)
            self._record_episodes(uow, actor.username, found)
            existing = {i.patient_id for i in self._items(uow.session, meeting_id, with_withdrawn=True)}
            pos = self._next_position(uow.session, meeting_id)
            found = [c for c in found if c.patient_id not in existing][:limit]
            consents = self._last_consents(uow.session, [c.patient_id for c in found])
            for c in found:
                uow.session.add(MdtItem(
                    meeting_id=meeting_id, patient_id=c.patient_id, position=pos, source="rules",
                    rules=",".join(r.value for r in c.rules), candidate_since=c.since,
                    consent=consents.get(c.patient_id, ShareConsent.NONE.value),
                    added_by=actor.username,
                ))
                pos += 1

        self._db.run_write(actor, "mdt_build_agenda", work)
        return self.agenda(actor, meeting_id)

    def add_patient(
        self, actor: Actor | None, meeting_id: int, patient_id: int, reason: str,
        *, consent: str | ShareConsent = ShareConsent.NONE,
    ) -> AgendaItem:
        """Add a patient by hand, saying why; any rules they meet are recorded too."""
        role = require(actor, Permission.PLAN_MDT)
        assert actor is not None
        why = clean_text(reason, "reason", required=True, limit=1000)
        agreed = parse_consent(consent)
        today = self._clock.today()

        def work(uow: UnitOfWork) -> int:
            meeting = self._meeting_row(uow.session, meeting_id)
            if meeting.status != MeetingStatus.PLANNED.value:
                raise InvalidInput("meeting", f"meeting {meeting_id} is {meeting.status}, not planned")
            if uow.session.get(Patient, patient_id) is None:
                raise NotFound("patient", patient_id)
            if any(i.patient_id == patient_id for i in self._items(uow.session, meeting_id, with_withdrawn=True)):
                raise InvalidInput("patient", f"patient {patient_id} is already on this agenda")
            found = self._candidates_in(uow.session, role, min(today, meeting.meeting_date), [patient_id])
            self._record_episodes(uow, actor.username, found)
            c = found[0] if found else None
            row = MdtItem(
                meeting_id=meeting_id, patient_id=patient_id,
                position=self._next_position(uow.session, meeting_id), source="hand",
                rules=",".join(r.value for r in c.rules) if c else "",
                candidate_since=c.since if c else None, reason=why, consent=agreed.value,
                added_by=actor.username,
            )
            uow.session.add(row)
            uow.flush()
            assert row.id is not None
            return row.id

        item_id = self._db.run_write(actor, "mdt_add_patient", work)
        return self.item(actor, item_id)

    def set_consent(self, actor: Actor | None, item_id: int, consent: str | ShareConsent) -> AgendaItem:
        """Record what the patient agreed may be shared with partners for this meeting."""
        require(actor, Permission.PLAN_MDT)
        agreed = parse_consent(consent)

        def work(uow: UnitOfWork) -> None:
            row = self._item_row(uow.session, item_id)
            row.consent = agreed.value
            uow.session.add(row)

        self._db.run_write(actor, "mdt_set_consent", work)
        return self.item(actor, item_id)

    def withdraw(self, actor: Actor | None, item_id: int, reason: str) -> None:
        """Take a patient off an agenda (ended, not erased), saying why."""
        require(actor, Permission.PLAN_MDT)
        why = clean_text(reason, "reason", required=True, limit=500)

        def work(uow: UnitOfWork) -> None:
            row = self._item_row(uow.session, item_id)
            if row.discussed_on is not None:
                raise InvalidInput("item", "already discussed: a discussion cannot be withdrawn")
            row.withdrawn_at = uow.clock.now()
            row.withdrawn_reason = why
            uow.session.add(row)

        self._db.run_write(actor, "mdt_withdraw", work)

    # ----------------------------------------------------------------- discussion and actions

    def record_discussion(
        self, actor: Actor | None, item_id: int, summary: str, lead_professional: str
    ) -> AgendaItem:
        """What was said and who leads; the meeting becomes held. Amending keeps one coded entry."""
        require(actor, Permission.RECORD_MDT_DISCUSSION)
        assert actor is not None
        text = clean_text(summary, "summary", required=True, limit=4000)
        lead = clean_text(lead_professional, "lead_professional", required=True, limit=200)
        today = self._clock.today()

        def work(uow: UnitOfWork) -> None:
            row = self._item_row(uow.session, item_id)
            meeting = self._meeting_row(uow.session, row.meeting_id)
            if meeting.status == MeetingStatus.CANCELLED.value:
                raise InvalidInput("meeting", f"meeting {meeting.id} was cancelled")
            if meeting.meeting_date > today:
                raise InvalidInput(
                    "meeting", f"the meeting is on {meeting.meeting_date}: record the discussion on or after the day")
            row.summary = text
            row.lead_professional = lead
            row.discussed_on = meeting.meeting_date
            row.recorded_by = actor.username
            uow.session.add(row)
            if meeting.status == MeetingStatus.PLANNED.value:
                meeting.status = MeetingStatus.HELD.value
                uow.session.add(meeting)
            source = f"mdt-item:{row.id}:discussed"
            if uow.session.exec(select(ClinicalEvent.id).where(ClinicalEvent.source_id == source)).first() is None:
                waited = days_waited(row.candidate_since, meeting.meeting_date)
                uow.session.add(ClinicalEvent(
                    patient_id=row.patient_id, code=MDT_DISCUSSED_CODE, system=LOCAL_SYSTEM,
                    event_date=meeting.meeting_date, value=None if waited is None else float(waited),
                    resource_type="Encounter", recorded_by=actor.username, source_id=source,
                ))

        self._db.run_write(actor, "mdt_record_discussion", work)
        return self.item(actor, item_id)

    def add_action(
        self, actor: Actor | None, item_id: int, description: str, owner: str,
        *, due_on: dt.date | None = None,
    ) -> ActionInfo:
        """An agreed action for the patient: owner ``user:NAME`` or ``partner:CODE``, due date."""
        require(actor, Permission.RECORD_MDT_DISCUSSION)
        assert actor is not None
        text = clean_text(description, "description", required=True, limit=1000)
        assert text is not None
        today = self._clock.today()

        def work(uow: UnitOfWork) -> int:
            item = self._item_row(uow.session, item_id)
            meeting = self._meeting_row(uow.session, item.meeting_id)
            if meeting.status == MeetingStatus.CANCELLED.value:
                raise InvalidInput("meeting", f"meeting {meeting.id} was cancelled")
            who = parse_owner(owner, self._usernames(uow.session), [p.code for p in self._config.partners])
            due = due_on or (max(today, meeting.meeting_date) + dt.timedelta(days=self._config.mdt.action_due_days))
            if due < meeting.meeting_date:
                raise InvalidInput("due", f"{due} is before the meeting on {meeting.meeting_date}")
            row = MdtAction(item_id=item_id, patient_id=item.patient_id, description=text,
                            owner_kind=who.kind.value, owner=who.key, due_on=due,
                            status=ActionStatus.OPEN.value, created_by=actor.username)
            uow.session.add(row)
            uow.flush()
            assert row.id is not None
            return row.id

        action_id = self._db.run_write(actor, "mdt_add_action", work)
        return self.action(actor, action_id)

    def complete_action(
        self, actor: Actor | None, action_id: int, outcome: str, *, status: str = "done",
        on: dt.date | None = None,
    ) -> ActionInfo:
        """Record the outcome of an action (done, or cancelled with why)."""
        require(actor, Permission.UPDATE_MDT_ACTION)
        assert actor is not None
        text = clean_text(outcome, "outcome", required=True, limit=2000)
        try:
            new = ActionStatus(status.strip().lower())
        except ValueError:
            raise InvalidInput("status", f"{status!r} is not done or cancelled") from None
        if new == ActionStatus.OPEN:
            raise InvalidInput("status", "an outcome closes the action: use done or cancelled")
        today = self._clock.today()
        day = on or today
        if day > today:
            raise InvalidInput("on", f"{day} is in the future")

        def work(uow: UnitOfWork) -> None:
            row = uow.session.get(MdtAction, action_id)
            if row is None:
                raise NotFound("action", action_id)
            if row.status != ActionStatus.OPEN.value:
                raise InvalidInput("action", f"action {action_id} is already {row.status}")
            row.status = new.value
            row.outcome = text
            row.completed_on = day
            row.updated_by = actor.username
            uow.session.add(row)

        self._db.run_write(actor, f"mdt_action_{new.value}", work)
        return self.action(actor, action_id)

    # ----------------------------------------------------------------- reads

    def agenda(self, actor: Actor | None, meeting_id: int) -> Agenda:
        """The practice's agenda, as the reader's role may see it (on screen; access-logged)."""
        role = require(actor, Permission.VIEW_MDT)
        with self._db.read() as uow:
            out = self._agenda(uow.session, role, meeting_id)
        record_access(self._db, actor, "mdt.agenda", [i.patient_id for i in out.items])
        return out

    def agenda_for_print(self, actor: Actor | None, meeting_id: int) -> Agenda:
        """The practice's agenda for printing: the print is in the access log."""
        role = require(actor, Permission.PRINT_MDT_AGENDA)
        with self._db.read() as uow:
            out = self._agenda(uow.session, role, meeting_id)
        record_access(self._db, actor, "mdt.agenda.print", [i.patient_id for i in out.items])
        return out

    def partner_agenda(self, actor: Actor | None, meeting_id: int) -> PartnerAgenda:
        """What may leave the practice: consented details only, no flags; logged as printed."""
        require(actor, Permission.PRINT_MDT_AGENDA)
        with self._db.read() as uow:
            # Built from a non-clinical view, so no restricted need can be described.
            full = self._agenda(uow.session, Role.RECEPTIONIST, meeting_id)
        items = []
        for i in full.items:
            consent = i.consent
            why: tuple[str, ...] = ()
            actions: tuple[str, ...] = ()
            if consent.shares_summary:
                why = tuple(PARTNER_RULE_LABELS[r] for r in i.rules)
                if i.reason:
                    why += (self._scrub(i.reason),)
                actions = tuple(
                    f"{self._scrub(a.description)} — {a.owner_label}, due {a.due_on:%d %b %Y}"
                    for a in i.actions if a.status == ActionStatus.OPEN
                )
            items.append(PartnerAgendaItem(
                position=i.position, consent=consent,
                name=i.patient_name if consent.shares_identity else None,
                date_of_birth=i.date_of_birth if consent.shares_identity else None,
                why=why, actions=actions,
            ))
        shared = [i.patient_id for i in full.items if i.consent.shares_identity]
        record_access(self._db, actor, "mdt.agenda.print.partner", shared)
        return PartnerAgenda(
            meeting=full.meeting, practice_name=full.practice_name,
            organisations=tuple(a.label for a in full.partner_attendees),
            practice_attendees=tuple(a.label for a in full.attendees if a.kind == OwnerKind.USER),
            items=tuple(items),
        )

    def _scrub(self, text: str) -> str:
        """Free text bound for partners, with restricted category names withheld."""
        out = text
        words: set[str] = set()
        for cat in self._config.flag_categories().values():
            if cat.restricted:
                words |= {cat.label, cat.code, cat.code.replace("_", " "),
                          *RESTRICTED_WORDS.get(cat.code, ())}
        for word in sorted(words, key=len, reverse=True):
            # A word and whatever follows it up to the word's end ("prostitut" → "prostitution").
            out = re.sub(re.escape(word) + r"\w*", WITHHELD, out, flags=re.IGNORECASE)
        return out

    def item(self, actor: Actor | None, item_id: int) -> AgendaItem:
        role = require(actor, Permission.VIEW_MDT)
        with self._db.read() as uow:
            row = self._item_row(uow.session, item_id)
            agenda = self._agenda(uow.session, role, row.meeting_id, only_item=item_id)
        found = agenda.items[0]
        record_access(self._db, actor, "mdt.item", [found.patient_id])
        return found

    def action(self, actor: Actor | None, action_id: int) -> ActionInfo:
        require(actor, Permission.VIEW_MDT)
        with self._db.read() as uow:
            row = uow.session.get(MdtAction, action_id)
            if row is None:
                raise NotFound("action", action_id)
            out = self._actions(uow.session, [row])[0]
        record_access(self._db, actor, "mdt.action", [out.patient_id])
        return out

    def actions_due(
        self, actor: Actor | None, on: dt.date | None = None, *, days_ahead: int = 7,
        owner: str | None = None,
    ) -> list[ActionInfo]:
        """The worklist: open actions due by ``on`` + ``days_ahead``, overdue first."""
        require(actor, Permission.VIEW_MDT)
        if not 0 <= days_ahead <= 365:
            raise InvalidInput("days_ahead", "must be 0 to 365")
        day = on or self._clock.today()
        with self._db.read() as uow:
            stmt = select(MdtAction).where(
                MdtAction.status == ActionStatus.OPEN.value,
                MdtAction.due_on <= day + dt.timedelta(days=days_ahead),
            )
            if owner:
                kind, sep, key = owner.partition(":")
                stmt = stmt.where(MdtAction.owner == (key if sep else owner))
                if sep:
                    stmt = stmt.where(MdtAction.owner_kind == kind)
            rows = list(uow.session.exec(stmt.order_by(col(MdtAction.due_on), col(MdtAction.id))).all())
            out = self._actions(uow.session, rows)
        record_access(self._db, actor, "mdt.actions_due", [a.patient_id for a in out])
        return out

    def actions_for_patient(self, actor: Actor | None, patient_id: int) -> list[ActionInfo]:
        require(actor, Permission.VIEW_MDT)
        with self._db.read() as uow:
            rows = list(uow.session.exec(select(MdtAction).where(MdtAction.patient_id == patient_id)
                                         .order_by(col(MdtAction.due_on), col(MdtAction.id))).all())
            out = self._actions(uow.session, rows)
        record_access(self._db, actor, "mdt.actions", [patient_id] if out else [])
        return out

    # ----------------------------------------------------------------- internals

    @staticmethod
    def _meeting_row(session: Session, meeting_id: int) -> MdtMeeting:
        row = session.get(MdtMeeting, meeting_id)
        if row is None:
            raise NotFound("meeting", meeting_id)
        return row

    @staticmethod
    def _item_row(session: Session, item_id: int) -> MdtItem:
        row = session.get(MdtItem, item_id)
        if row is None or row.withdrawn_at is not None:
            raise NotFound("agenda item", item_id)
        return row

    @staticmethod
    def _items(session: Session, meeting_id: int, *, with_withdrawn: bool = False) -> list[MdtItem]:
        stmt = select(MdtItem).where(MdtItem.meeting_id == meeting_id)
        if not with_withdrawn:
            stmt = stmt.where(col(MdtItem.withdrawn_at).is_(None))
        return list(session.exec(stmt.order_by(col(MdtItem.position), col(MdtItem.id))).all())

    @staticmethod
    def _next_position(session: Session, meeting_id: int) -> int:
        top = session.exec(select(func.max(MdtItem.position)).where(MdtItem.meeting_id == meeting_id)).one()
        return int(top or 0) + 1

    @staticmethod
    def _last_consents(session: Session, ids: list[int]) -> dict[int, str]:
        """Each patient's consent at their latest agenda item (consent carries forward)."""
        out: dict[int, str] = {}
        if not ids:
            return out
        for row in session.exec(select(MdtItem).where(col(MdtItem.patient_id).in_(ids))
                                .order_by(col(MdtItem.id))).all():
            out[row.patient_id] = row.consent
        return out

    @staticmethod
    def _usernames(session: Session) -> list[str]:
        return [u.username for u in session.exec(select(AppUser).where(col(AppUser.ended_at).is_(None))).all()]

    def _owner_label(self, kind: str, key: str, users: dict[str, str]) -> str:
        if kind == OwnerKind.PARTNER.value:
            p = self._config.partner(key)
            return p.name if p else key
        return users.get(key, key)

    @staticmethod
    def _display_names(session: Session) -> dict[str, str]:
        return {u.username: u.display_name for u in session.exec(select(AppUser)).all()}

    def _attendee(self, session: Session, row: MdtAttendee) -> Attendee:
        assert row.id is not None
        return Attendee(row.id, OwnerKind(row.kind), row.key,
                        self._owner_label(row.kind, row.key, self._display_names(session)), row.person)

    def _actions(self, session: Session, rows: list[MdtAction]) -> list[ActionInfo]:
        if not rows:
            return []
        users = self._display_names(session)
        items = {int(i.id): i for i in session.exec(
            select(MdtItem).where(col(MdtItem.id).in_({r.item_id for r in rows}))).all() if i.id is not None}
        meetings = {int(m.id): m for m in session.exec(
            select(MdtMeeting).where(col(MdtMeeting.id).in_({i.meeting_id for i in items.values()}))).all()
            if m.id is not None}
        names = {int(p.id): f"{p.given_name} {p.family_name}" for p in session.exec(
            select(Patient).where(col(Patient.id).in_({r.patient_id for r in rows}))).all() if p.id is not None}
        out = []
        for r in rows:
            assert r.id is not None
            item = items[r.item_id]
            out.append(ActionInfo(
                id=r.id, item_id=r.item_id, meeting_id=item.meeting_id,
                meeting_date=meetings[item.meeting_id].meeting_date, patient_id=r.patient_id,
                patient_name=names.get(r.patient_id, f"patient {r.patient_id}"),
                description=r.description, owner_kind=OwnerKind(r.owner_kind), owner=r.owner,
                owner_label=self._owner_label(r.owner_kind, r.owner, users), due_on=r.due_on,
                status=ActionStatus(r.status), outcome=r.outcome, completed_on=r.completed_on,
                created_by=r.created_by,
            ))
        return out

    def _agenda(self, session: Session, role: Role, meeting_id: int, only_item: int | None = None) -> Agenda:
        meeting = self._meeting_row(session, meeting_id)
        rows = self._items(session, meeting_id)
        if only_item is not None:
            rows = [r for r in rows if r.id == only_item]
        attendees = tuple(
            self._attendee(session, a) for a in session.exec(
                select(MdtAttendee).where(MdtAttendee.meeting_id == meeting_id,
                                          col(MdtAttendee.ended_at).is_(None))
                .order_by(col(MdtAttendee.kind).desc(), col(MdtAttendee.id))).all()
        )
        ids = [r.patient_id for r in rows]
        people = {int(p.id): p for p in session.exec(select(Patient).where(col(Patient.id).in_(ids))).all()
                  if p.id is not None}
        day = min(self._clock.today(), meeting.meeting_date)
        flags = visible_flags(session, self._config, role, ids, on=day)
        current = {c.patient_id: c for c in self._candidates_in(session, role, day, ids)} if ids else {}
        actions_by_item: dict[int, list[ActionInfo]] = defaultdict(list)
        if rows:
            acts = list(session.exec(select(MdtAction).where(
                col(MdtAction.item_id).in_([r.id for r in rows])).order_by(col(MdtAction.id))).all())
            for a in self._actions(session, acts):
                actions_by_item[a.item_id].append(a)
        items = []
        for r in rows:
            assert r.id is not None
            p = people[r.patient_id]
            rules = tuple(MdtRule(x) for x in r.rules.split(",") if x)
            cand = current.get(r.patient_id)
            why = cand.why if cand is not None else tuple(x.label for x in rules)
            items.append(AgendaItem(
                id=r.id, meeting_id=r.meeting_id, position=r.position, patient_id=r.patient_id,
                patient_name=f"{p.given_name} {p.family_name}", date_of_birth=p.date_of_birth,
                source=r.source, rules=rules, why=why, reason=r.reason, consent=ShareConsent(r.consent),
                candidate_since=r.candidate_since,
                flags=tuple(f.label for f in flags.get(r.patient_id, [])),
                summary=r.summary, lead_professional=r.lead_professional, discussed_on=r.discussed_on,
                actions=tuple(actions_by_item[r.id]),
            ))
        return Agenda(_meeting(meeting), self._config.practice.name, attendees, tuple(items))

