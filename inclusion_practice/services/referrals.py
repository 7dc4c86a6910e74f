"""Referrals to partner services: send, record the partner's reply, list what is overdue.

Each referral is a ``referral`` row plus a coded entry in the patient's record
(``ip:referral-sent``; ``ip:referral-accepted`` with the days it took as its value) so the
indicator engines count referrals like any coded care. The status rules are
:mod:`inclusion_practice.domain.referrals`; a partner must offer the service referred to.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlmodel import Session, col, select

from inclusion_practice.clock import Clock
from inclusion_practice.config import Partner, PracticeConfig
from inclusion_practice.domain.actor import Actor
from inclusion_practice.domain.mdt import (
    REFERRAL_ACCEPTED_CODE,
    REFERRAL_SENT_CODE,
    ShareConsent,
    clean_text,
    parse_consent,
)
from inclusion_practice.domain.referrals import (
    PartnerServiceKind,
    ReferralReason,
    ReferralStatus,
    check_transition,
    clean_reason_text,
    days_to_accept,
    is_overdue,
    parse_reason,
    parse_status,
    reply_due,
)
from inclusion_practice.domain.roles import Permission
from inclusion_practice.errors import InvalidInput, NotFound
from inclusion_practice.services.access import require
from inclusion_practice.services.access_log import first_argument, logged_read, record_access
from inclusion_practice.storage.database import Database, UnitOfWork
from inclusion_practice.storage.patient_facts import patient_names
from inclusion_practice.storage.tables import ClinicalEvent, Patient, Referral

LOCAL_SYSTEM = "local"


@dataclass(frozen=True)
class ReferralInfo:
    id: int
    patient_id: int
    patient_name: str
    partner_code: str
    partner_name: str
    service: PartnerServiceKind
    reason: ReferralReason
    reason_text: str
    consent: ShareConsent
    status: ReferralStatus
    referred_by: str
    sent_on: dt.date
    reply_due: dt.date
    status_changed_on: dt.date
    accepted_on: dt.date | None
    seen_on: dt.date | None
    closed_on: dt.date | None
    note: str | None
    mdt_action_id: int | None

    def overdue_on(self, day: dt.date) -> bool:
        return is_overdue(self.status, self.reply_due, day)

    def days_overdue(self, day: dt.date) -> int:
        return max(0, (day - self.reply_due).days) if self.overdue_on(day) else 0


def _info(row: Referral, names: dict[int, str], config: PracticeConfig) -> ReferralInfo:
    assert row.id is not None
    partner = config.partner(row.partner_code)
    return ReferralInfo(
        id=row.id, patient_id=row.patient_id,
        patient_name=names.get(row.patient_id, f"patient {row.patient_id}"),
        partner_code=row.partner_code, partner_name=partner.name if partner else row.partner_code,
        service=PartnerServiceKind(row.service), reason=parse_reason(row.reason_code),
        reason_text=row.reason_text, consent=ShareConsent(row.consent),
        status=ReferralStatus(row.status), referred_by=row.referred_by, sent_on=row.sent_on,
        reply_due=row.reply_due, status_changed_on=row.status_changed_on,
        accepted_on=row.accepted_on, seen_on=row.seen_on, closed_on=row.closed_on,
        note=row.note, mdt_action_id=row.mdt_action_id,
    )


def partner_offering(config: PracticeConfig, code: str, service: PartnerServiceKind) -> Partner:
    """The partner ``code``, refusing one unknown or not offering ``service``."""
    partner = config.partner(code.strip())
    if partner is None:
        known = ", ".join(p.code for p in config.partners if p.services) or "none"
        raise InvalidInput("partner", f"unknown partner {code!r} (partners offering services: {known})")
    if service not in partner.services:
        offers = ", ".join(s.value for s in partner.services) or "no services"
        raise InvalidInput(
            "partner", f"{partner.name} does not offer {service.value} (offers: {offers})"
        )
    return partner


def _coded(uow: UnitOfWork, patient_id: int, code: str, day: dt.date, who: str, source: str,
           value: float | None = None) -> None:
    uow.session.add(ClinicalEvent(
        patient_id=patient_id, code=code, system=LOCAL_SYSTEM, event_date=day, value=value,
        resource_type="ServiceRequest", recorded_by=who, source_id=source,
    ))


def _names(session: Session, rows: list[Referral]) -> dict[int, str]:
    return patient_names(session, {r.patient_id for r in rows})


class ReferralService:
    """Referrals to partners: every change audited, every list of patients access-logged."""

    def __init__(self, db: Database, config: PracticeConfig, clock: Clock) -> None:
        self._db = db
        self._config = config
        self._clock = clock

    def create_in(
        self,
        uow: UnitOfWork,
        actor: Actor,
        patient_id: int,
        partner: str,
        reason_code: str,
        reason: str,
        consent: str | ShareConsent,
        *,
        sent_on: dt.date | None = None,
        mdt_action_id: int | None = None,
    ) -> Referral:
        """Validate and add a referral inside an open unit of work (MDT actions reuse it)."""
        why = parse_reason(reason_code)
        text = clean_reason_text(reason)
        agreed = parse_consent(consent)
        if not agreed.shares_identity:
            raise InvalidInput(
                "consent", "a referral shares the patient's details: record consent to share "
                "(identity or summary); without it, do not refer"
            )
        p = partner_offering(self._config, partner, why.service)
        today = self._clock.today()
        on = sent_on or today
        if on > today:
            raise InvalidInput("sent_on", f"{on} is in the future")
        if uow.session.get(Patient, patient_id) is None:
            raise NotFound("patient", patient_id)
        row = Referral(
            patient_id=patient_id, partner_code=p.code, service=why.service.value,
            reason_code=why.code, reason_text=text, consent=agreed.value,
            status=ReferralStatus.SENT.value, referred_by=actor.username, sent_on=on,
            reply_due=reply_due(on, self._config.mdt.referral_reply_days), status_changed_on=on,
            mdt_action_id=mdt_action_id,
        )
        uow.session.add(row)
        uow.flush()
        _coded(uow, patient_id, REFERRAL_SENT_CODE, on, actor.username, f"referral:{row.id}:sent")
        return row

    def create(
        self,
        actor: Actor | None,
        patient_id: int,
        partner: str,
        reason_code: str,
        reason: str,
        consent: str | ShareConsent,
        *,
        sent_on: dt.date | None = None,
    ) -> ReferralInfo:
        """Refer ``patient_id`` to ``partner`` for a coded reason, with the free-text why."""
        require(actor, Permission.MAKE_REFERRAL)
        assert actor is not None
        # Validate before opening the write, so bad input writes nothing.
        why = parse_reason(reason_code)
        clean_reason_text(reason)
        parse_consent(consent)
        partner_offering(self._config, partner, why.service)

        def work(uow: UnitOfWork) -> ReferralInfo:
            row = self.create_in(uow, actor, patient_id, partner, reason_code, reason, consent,
                                 sent_on=sent_on)
            return _info(row, patient_names(uow.session, {patient_id}), self._config)

        return self._db.run_write(actor, "make_referral", work)

    def record_reply(
        self,
        actor: Actor | None,
        referral_id: int,
        status: str | ReferralStatus,
        *,
        on: dt.date | None = None,
        note: str | None = None,
    ) -> ReferralInfo:
        """Record the partner's answer: accepted, seen, declined or lost to follow-up."""
        require(actor, Permission.RECORD_REFERRAL_REPLY)
        assert actor is not None
        new = parse_status(status)
        text = clean_text(note, "note", required=new in (
            ReferralStatus.DECLINED, ReferralStatus.LOST_TO_FOLLOW_UP), limit=2000)
        today = self._clock.today()
        day = on or today

        def work(uow: UnitOfWork) -> ReferralInfo:
            row = uow.session.get(Referral, referral_id)
            if row is None:
                raise NotFound("referral", referral_id)
            check_transition(ReferralStatus(row.status), new, day, row.status_changed_on, today)
            row.status = new.value
            row.status_changed_on = day
            if text is not None:
                row.note = text
            if new == ReferralStatus.ACCEPTED:
                row.accepted_on = day
                _coded(uow, row.patient_id, REFERRAL_ACCEPTED_CODE, day, actor.username,
                       f"referral:{row.id}:accepted", float(days_to_accept(row.sent_on, day)))
            elif new == ReferralStatus.SEEN:
                row.seen_on = day
            else:
                row.closed_on = day
            uow.session.add(row)
            return _info(row, patient_names(uow.session, {row.patient_id}), self._config)

        return self._db.run_write(actor, f"referral_{new.value}", work)

    @logged_read("referral.show", lambda r, _a: [r.patient_id])
    def get(self, actor: Actor | None, referral_id: int) -> ReferralInfo:
        require(actor, Permission.VIEW_REFERRALS)
        with self._db.read() as uow:
            row = uow.session.get(Referral, referral_id)
            if row is None:
                raise NotFound("referral", referral_id)
            return _info(row, _names(uow.session, [row]), self._config)

    @logged_read("referral.for_patient", first_argument)
    def for_patient(self, actor: Actor | None, patient_id: int) -> list[ReferralInfo]:
        """A patient's referrals, newest first."""
        require(actor, Permission.VIEW_REFERRALS)
        with self._db.read() as uow:
            rows = list(uow.session.exec(
                select(Referral).where(Referral.patient_id == patient_id)
                .order_by(col(Referral.sent_on).desc(), col(Referral.id).desc())
            ).all())
            names = _names(uow.session, rows)
            return [_info(r, names, self._config) for r in rows]

    def find(
        self, actor: Actor | None, *, status: str | None = None, partner: str | None = None,
        limit: int = 500,
    ) -> list[ReferralInfo]:
        """Referrals, newest first, optionally by status or partner (access-logged)."""
        require(actor, Permission.VIEW_REFERRALS)
        wanted = parse_status(status) if status else None
        if not 1 <= limit <= 5000:
            raise InvalidInput("limit", "must be 1 to 5000")
        with self._db.read() as uow:
            stmt = select(Referral)
            if wanted is not None:
                stmt = stmt.where(Referral.status == wanted.value)
            if partner:
                stmt = stmt.where(Referral.partner_code == partner)
            rows = list(uow.session.exec(
                stmt.order_by(col(Referral.sent_on).desc(), col(Referral.id).desc()).limit(limit)
            ).all())
            names = _names(uow.session, rows)
            out = [_info(r, names, self._config) for r in rows]
        record_access(self._db, actor, "referral.list", [r.patient_id for r in out])
        return out

    def overdue(self, actor: Actor | None, on: dt.date | None = None) -> list[ReferralInfo]:
        """The worklist: referrals still awaiting a reply after it was due, longest first."""
        require(actor, Permission.VIEW_REFERRALS)
        day = on or self._clock.today()
        with self._db.read() as uow:
            rows = list(uow.session.exec(
                select(Referral).where(
                    Referral.status == ReferralStatus.SENT.value, Referral.reply_due < day
                ).order_by(col(Referral.reply_due), col(Referral.id))
            ).all())
            names = _names(uow.session, rows)
            out = [_info(r, names, self._config) for r in rows]
        record_access(self._db, actor, "referral.overdue", [r.patient_id for r in out])
        return out
