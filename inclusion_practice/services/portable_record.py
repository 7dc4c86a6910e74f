"""The portable health record: consent, the summary it shows, and every print.

A clinician records the patient's consent (the sections chosen) and prints; reception may
reprint the last card printed under the consent still in force. The summary is built here from
the practice's own rows through the same role-safe reads as everywhere else: needs come from
:func:`~inclusion_practice.storage.patient_facts.load_needs` in their front-desk form, flags are
never read, and the domain rules (:mod:`inclusion_practice.domain.portable_record`) drop
every coded entry whose concept means a restricted category. Every read is written to the
access log; consents and prints are append-only, audited rows.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass

from sqlmodel import Session, col, or_, select

from inclusion_practice.clock import Clock
from inclusion_practice.config import PracticeConfig
from inclusion_practice.domain.actor import Actor
from inclusion_practice.domain.addresses import ContactRoute, CorrespondenceKind
from inclusion_practice.domain.languages import language_name
from inclusion_practice.domain.needs import AccessNeeds
from inclusion_practice.domain.patient_record import PatientRecord
from inclusion_practice.domain.portable_record import (
    ALL_SECTIONS,
    CONSENT_CODE,
    CONSENT_WITHDRAWN_CODE,
    IMMUNIZATION_CODELISTS,
    RESTRICTED_CODELISTS,
    SCREENING_CODELISTS,
    ClinicalEntry,
    ConsentFact,
    ConsentRequired,
    EntryKind,
    Layout,
    NeedsFacts,
    PortableSummary,
    PracticeContact,
    Section,
    communication_lines,
    dose_from_term,
    other_names,
    require_consent,
    restricted_codes,
    summary_from_json,
    summary_to_json,
)
from inclusion_practice.domain.registration import period_on
from inclusion_practice.domain.roles import Permission
from inclusion_practice.errors import InvalidInput, NoActingUser, NotFound
from inclusion_practice.services.access import require
from inclusion_practice.services.access_log import record_access
from inclusion_practice.services.patients.rows import periods_of, record_from_row
from inclusion_practice.storage.database import Database, UnitOfWork
from inclusion_practice.storage.patient_facts import load_needs
from inclusion_practice.storage.tables import (
    ClinicalEvent,
    Patient,
    PortableConsent,
    PortablePrint,
)


@dataclass(frozen=True)
class PrintRecord:
    """One portable record handed over."""

    id: int
    patient_id: int
    consent_id: int
    printed_at: dt.datetime
    printed_by: str
    output: str
    layout: Layout
    reprint_of_id: int | None
    qr_kind: str | None
    qr_bytes: int | None
    content_sha256: str


@dataclass(frozen=True)
class PortableStatus:
    """What the patient banner shows: consent and the last print (no clinical content)."""

    patient_id: int
    consent: ConsentFact | None
    last_print: PrintRecord | None
    """The last card printed (a FHIR file is not a card)."""

    @property
    def consented(self) -> bool:
        return self.consent is not None and self.consent.given

    @property
    def can_reprint(self) -> bool:
        """A card printed under the consent now in force exists."""
        return (self.consented and self.last_print is not None and self.consent is not None
                and self.last_print.consent_id == self.consent.id)


@functools.cache
def _codelist_codes() -> tuple[dict[str, str], frozenset[str], frozenset[str], frozenset[str]]:
    """Terms of shipped codes, and the vaccination, screening and restricted code sets."""
    from inclusion_practice.indicators.definitions import shipped_codelists

    lists = shipped_codelists()
    terms = {c.code: c.term for cl in lists.values() for c in cl.codes}

    def codes(names: Iterable[str]) -> frozenset[str]:
        return frozenset(c.code for n in names if n in lists for c in lists[n].codes)

    return (terms, codes(IMMUNIZATION_CODELISTS), codes(SCREENING_CODELISTS),
            codes(RESTRICTED_CODELISTS))


def _consent(row: PortableConsent) -> ConsentFact:
    assert row.id is not None
    return ConsentFact(
        id=row.id, patient_id=row.patient_id, code=row.code, given=row.given,
        sections=frozenset(Section(s) for s in row.sections.split(",") if s),
        recorded_on=row.recorded_on, recorded_at=row.recorded_at, recorded_by=row.recorded_by,
    )


def _print(row: PortablePrint) -> PrintRecord:
    assert row.id is not None
    return PrintRecord(
        id=row.id, patient_id=row.patient_id, consent_id=row.consent_id,
        printed_at=row.printed_at, printed_by=row.printed_by, output=row.output,
        layout=Layout(row.layout), reprint_of_id=row.reprint_of_id, qr_kind=row.qr_kind,
        qr_bytes=row.qr_bytes, content_sha256=row.content_sha256,
    )


def _latest_consent(s: Session, patient_id: int) -> ConsentFact | None:
    row = s.exec(
        select(PortableConsent).where(PortableConsent.patient_id == patient_id)
        .order_by(col(PortableConsent.recorded_at).desc(), col(PortableConsent.id).desc())
    ).first()
    return _consent(row) if row else None


def _last_card(s: Session, patient_id: int) -> PortablePrint | None:
    return s.exec(
        select(PortablePrint).where(PortablePrint.patient_id == patient_id,
                                    PortablePrint.output == "card")
        .order_by(col(PortablePrint.printed_at).desc(), col(PortablePrint.id).desc())
    ).first()


def _needs_facts(needs: AccessNeeds) -> NeedsFacts:
    """The role-safe needs a portable record shows: no flexible-DNA basis, no free text."""
    return NeedsFacts(
        interpreter_language=needs.interpreter_language,
        interpreter_dialect=needs.interpreter_dialect,
        interpreter_mode=needs.interpreter_mode,
        interpreter_gender=needs.interpreter_gender,
        no_family_interpreter=needs.no_family_interpreter,
        double_appointment=needs.double_appointment, first_or_last=needs.first_or_last,
        clinician_gender=needs.clinician_gender, minimal_wait=needs.minimal_wait,
        quiet_space=needs.quiet_space, advocate_present=needs.advocate_present,
        information_format=needs.information_format,
        contact_via_keyworker=needs.contact_via_keyworker, prefers_drop_in=needs.prefers_drop_in,
    )


class PortableRecordService:
    """Consent to, and prints of, the record a patient carries; the IPS summary's content."""

    def __init__(self, db: Database, config: PracticeConfig, clock: Clock) -> None:
        self._db = db
        self._config = config
        self._clock = clock

    # ------------------------------------------------------------------------ consent

    def record_consent(
        self, actor: Actor | None, patient_id: int, sections: Iterable[Section | str],
        *, on: dt.date | None = None,
    ) -> ConsentFact:
        """Record that the patient consents to carrying ``sections`` (identity and the practice
        are always included). A new consent replaces the old; the old stays in the history."""
        require(actor, Permission.RECORD_PORTABLE_CONSENT)
        assert actor is not None
        chosen = frozenset(Section(s) for s in sections) | {Section.IDENTITY, Section.PRACTICE}
        return self._write_consent(actor, patient_id, chosen, given=True, on=on)

    def withdraw_consent(
        self, actor: Actor | None, patient_id: int, *, on: dt.date | None = None
    ) -> ConsentFact:
        """Record that the patient no longer wants a portable record: nothing more is printed,
        and reception can no longer reprint."""
        require(actor, Permission.RECORD_PORTABLE_CONSENT)
        assert actor is not None
        return self._write_consent(actor, patient_id, frozenset(), given=False, on=on)

    def _write_consent(self, actor: Actor, patient_id: int, sections: frozenset[Section], *,
                       given: bool, on: dt.date | None) -> ConsentFact:
        today = self._clock.today()
        day = on or today
        if day > today:
            raise InvalidInput("on", f"{day:%d %b %Y} is in the future")

        def work(uow: UnitOfWork) -> ConsentFact:
            if uow.session.get(Patient, patient_id) is None:
                raise NotFound("patient", patient_id)
            if not given:
                latest = _latest_consent(uow.session, patient_id)
                if latest is None or not latest.given:
                    raise InvalidInput("consent", "there is no consent in force to withdraw")
            row = PortableConsent(
                patient_id=patient_id, code=CONSENT_CODE if given else CONSENT_WITHDRAWN_CODE,
                given=given, sections=",".join(s.value for s in ALL_SECTIONS if s in sections),
                recorded_on=day, recorded_at=uow.clock.now(), recorded_by=actor.username,
            )
            uow.session.add(row)
            uow.flush()
            return _consent(row)

        return self._db.run_write(
            actor, "record_portable_consent" if given else "withdraw_portable_consent", work)

    def status(self, actor: Actor | None, patient_id: int) -> PortableStatus:
        """Consent and the last card printed (any signed-in role: the banner shows it)."""
        if actor is None:
            raise NoActingUser()
        with self._db.read() as uow:
            s = uow.session
            if s.get(Patient, patient_id) is None:
                raise NotFound("patient", patient_id)
            last = _last_card(s, patient_id)
            out = PortableStatus(patient_id, _latest_consent(s, patient_id),
                                 _print(last) if last else None)
        record_access(self._db, actor, "portable_record.status", [patient_id])
        return out

    # ------------------------------------------------------------------------ content

    def summary(self, actor: Actor | None, patient_id: int) -> PortableSummary:
        """What the patient's portable record shows now, under their consent (clinical roles).

        Refused with :class:`ConsentRequired` when no consent is in force."""
        require(actor, Permission.PRINT_PORTABLE_RECORD)
        with self._db.read() as uow:
            if uow.session.get(Patient, patient_id) is None:
                raise NotFound("patient", patient_id)
            consent = require_consent(patient_id, _latest_consent(uow.session, patient_id))
            out = self._build(uow.session, patient_id, consent.sections, consent.recorded_on)
        record_access(self._db, actor, "portable_record.summary", [patient_id])
        return out

    def ips_summary(self, actor: Actor | None, patient_id: int) -> PortableSummary:
        """Every section, for another service's clinician (the IPS ``$summary`` operation):
        direct care, so no patient-held consent is needed, and the same things are never in
        it as on a card (no flags, no restricted concepts)."""
        require(actor, Permission.READ_PATIENT_SUMMARY)
        with self._db.read() as uow:
            if uow.session.get(Patient, patient_id) is None:
                raise NotFound("patient", patient_id)
            out = self._build(uow.session, patient_id, frozenset(Section), None)
        record_access(self._db, actor, "patient.summary", [patient_id])
        return out

    def _build(self, s: Session, patient_id: int, sections: frozenset[Section],
               consent_on: dt.date | None) -> PortableSummary:
        row = s.get(Patient, patient_id)
        assert row is not None
        today = self._clock.today()
        record = record_from_row(row, periods_of(s, patient_id))
        period = period_on(record.registrations, today)
        last = record.registrations[-1] if record.registrations else None
        p = self._config.practice
        practice = PracticeContact(
            name=p.name, ods_code=p.ods_code, phone=p.phone,
            address_lines=tuple(p.address.lines), postcode=p.address.postcode,
            registered=period is not None,
            registered_until=None if period is not None or last is None else last.last_day,
        )
        left_out: list[str] = []
        names: tuple[str, ...] = ()
        if Section.OTHER_NAMES in sections:
            linked = s.exec(select(Patient).where(or_(
                Patient.linked_to_id == patient_id,
                col(Patient.id) == (row.linked_to_id or -1),
                Patient.linked_to_id == (row.linked_to_id or -1),
            ))).all()
            names = other_names((row.given_name, row.family_name),
                                [(r.given_name, r.family_name) for r in linked
                                 if r.id != patient_id])
        contact = self._contact_lines(record) if Section.CONTACT in sections else ()
        comm = record.communication
        lang_name = language_name(comm.main_language) if comm.main_language else None
        communication: tuple[str, ...] = ()
        easy: tuple[str, ...] = ()
        if Section.COMMUNICATION in sections:
            facts = _needs_facts(load_needs(s, patient_id, today).for_front_desk())
            communication = tuple(communication_lines(facts, lang_name))
            easy = tuple(communication_lines(facts, lang_name, easy_read=True))
        entries = self._entries(s, patient_id, sections, left_out)
        with_comm = Section.COMMUNICATION in sections
        return PortableSummary(
            patient_id=patient_id, given_name=record.given_name, family_name=record.family_name,
            title=record.title, date_of_birth=record.date_of_birth,
            dob_estimated=record.dob_estimated, sex=record.sex.value,
            nhs_number=record.nhs_number, practice=practice, sections=sections,
            printed_at=self._clock.now(), consent_recorded_on=consent_on, other_names=names,
            contact_lines=contact, communication_lines=communication, communication_easy=easy,
            language=comm.main_language if with_comm else None,
            language_name=lang_name if with_comm else None,
            interpreter_needed=comm.interpreter_needed if with_comm else False,
            entries=tuple(entries), left_out=tuple(left_out),
        )

    def _contact_lines(self, record: PatientRecord) -> tuple[str, ...]:
        a, c = record.addresses, record.contact
        out: list[str] = []
        kind = a.correspondence_kind
        if kind is CorrespondenceKind.PARTNER and a.correspondence_partner:
            partner = self._config.partner(a.correspondence_partner)
            if partner is not None:
                where = ", ".join([*partner.address.lines, partner.address.postcode])
                phone = f" ({partner.phone})" if partner.phone else ""
                out.append(f"Letters: care of {partner.name}, {where}{phone}")
            else:
                out.append(f"Letters: care of {a.correspondence_partner}")
        elif kind is CorrespondenceKind.PRACTICE:
            out.append("Letters: kept at the practice (I check in for post)")
        elif kind in (CorrespondenceKind.CARE_OF, CorrespondenceKind.TEMPORARY):
            care_of = ", ".join([*a.correspondence_lines, a.correspondence_postcode or ""])
            out.append(f"Letters: care of {care_of.rstrip(', ')}")
        elif kind is CorrespondenceKind.NONE:
            out.append("Letters: I collect them at the practice reception")
        else:
            out.append("Letters: to my home address (not shown on this card)")
        if c.phone and c.route not in (ContactRoute.KEYWORKER, ContactRoute.HOSTEL):
            out.append(f"{'Text' if c.route is ContactRoute.SMS else 'Phone'}: {c.phone}")
        if c.email and c.route is ContactRoute.EMAIL:
            out.append(f"Email: {c.email}")
        if c.keyworker_name or c.keyworker_partner:
            org = self._config.partner(c.keyworker_partner or "")
            who = ", ".join(x for x in (c.keyworker_name, org.name if org else None) if x)
            kw_phone = c.keyworker_phone or (org.phone if org else None)
            out.append(f"Keyworker: {who}" + (f", {kw_phone}" if kw_phone else ""))
        if c.route is ContactRoute.RECEPTION:
            out.append("Messages: left for me at the practice reception")
        return tuple(out)

    def _entries(self, s: Session, patient_id: int, sections: frozenset[Section],
                 left_out: list[str]) -> list[ClinicalEntry]:
        terms, vaccinations, screening, implied = _codelist_codes()
        never = restricted_codes(self._config.flag_categories().values()) | implied
        rows = s.exec(
            select(ClinicalEvent).where(ClinicalEvent.patient_id == patient_id)
            .order_by(col(ClinicalEvent.event_date), col(ClinicalEvent.id))
        ).all()
        out: list[ClinicalEntry] = []
        restricted = inactive = 0
        for r in rows:
            kind = self._kind(r, vaccinations, screening)
            if kind is None:
                continue
            if r.code in never:
                restricted += 1
                continue
            entry = ClinicalEntry(
                kind=kind, code=r.code, display=r.display or terms.get(r.code) or r.code,
                date=r.event_date, value=r.value, unit=r.unit, status=r.status,
                dose=dose_from_term(terms.get(r.code)) if kind is EntryKind.IMMUNIZATION
                else None,
            )
            if entry.section not in sections:
                continue
            if not entry.current:
                inactive += 1
                continue
            out.append(entry)
        if restricted:
            left_out.append(f"{restricted} coded entr{'y' if restricted == 1 else 'ies'} never "
                            "carried (a restricted category)")
        if inactive:
            left_out.append(f"{inactive} resolved, inactive or stopped "
                            f"entr{'y' if inactive == 1 else 'ies'}")
        return out

    @staticmethod
    def _kind(r: ClinicalEvent, vaccinations: frozenset[str],
              screening: frozenset[str]) -> EntryKind | None:
        if r.code in vaccinations and r.resource_type in (None, "Procedure", "Immunization"):
            return EntryKind.IMMUNIZATION
        if r.resource_type is None:
            return EntryKind.PROCEDURE if r.code in screening else None
        try:
            return EntryKind(r.resource_type)
        except ValueError:
            return None  # Encounters and other types are not part of a summary

    # -------------------------------------------------------------------------- prints

    def record_print(
        self, actor: Actor | None, summary: PortableSummary, *, output: str = "card",
        layout: Layout = Layout.STANDARD, qr_kind: str | None = None,
        qr_bytes: int | None = None,
    ) -> PrintRecord:
        """Record a card or FHIR file handed over, with its content as printed."""
        require(actor, Permission.PRINT_PORTABLE_RECORD)
        assert actor is not None
        if output not in ("card", "fhir"):
            raise InvalidInput("output", f"{output!r} is not card or fhir")
        return self._write_print(actor, summary, output, layout, qr_kind, qr_bytes, None)

    def reprint(self, actor: Actor | None, patient_id: int) -> tuple[PortableSummary, PrintRecord]:
        """The last card printed under the consent in force, as it was printed (reception):
        the summary (dated when first printed) and the new print row."""
        require(actor, Permission.REPRINT_PORTABLE_RECORD)
        assert actor is not None
        with self._db.read() as uow:
            s = uow.session
            if s.get(Patient, patient_id) is None:
                raise NotFound("patient", patient_id)
            consent = require_consent(patient_id, _latest_consent(s, patient_id))
            last = _last_card(s, patient_id)
            if last is None:
                raise InvalidInput("reprint", "no card has been printed for this patient: a "
                                              "clinician prints the first one")
            if last.consent_id != consent.id:
                raise InvalidInput("reprint", "the patient's choice of sections changed after "
                                              "the last card was printed: a clinician prints a "
                                              "new one")
            stored = summary_from_json(json.loads(last.content))
        record = self._write_print(actor, stored, "card", Layout(last.layout), last.qr_kind,
                                   last.qr_bytes, last.id)
        record_access(self._db, actor, "portable_record.reprint", [patient_id])
        return stored, record

    def _write_print(self, actor: Actor, summary: PortableSummary, output: str, layout: Layout,
                     qr_kind: str | None, qr_bytes: int | None,
                     reprint_of: int | None) -> PrintRecord:
        content = json.dumps(summary_to_json(summary), ensure_ascii=False, sort_keys=True)
        digest = hashlib.sha256(content.encode("utf-8")).hexdigest()
        pid = summary.patient_id

        def work(uow: UnitOfWork) -> PrintRecord:
            s = uow.session
            if s.get(Patient, pid) is None:
                raise NotFound("patient", pid)
            consent = require_consent(pid, _latest_consent(s, pid))
            row = PortablePrint(
                patient_id=pid, consent_id=consent.id, printed_at=uow.clock.now(),
                printed_by=actor.username, channel=actor.channel[:20], output=output,
                layout=layout.value, reprint_of_id=reprint_of, qr_kind=qr_kind,
                qr_bytes=qr_bytes, content=content, content_sha256=digest,
            )
            s.add(row)
            uow.flush()
            return _print(row)

        action = "reprint_portable_record" if reprint_of else f"print_portable_{output}"
        return self._db.run_write(actor, action, work)

    def prints(self, actor: Actor | None, patient_id: int) -> list[PrintRecord]:
        """Every card and file handed over, oldest first (no content)."""
        if actor is None:
            raise NoActingUser()
        with self._db.read() as uow:
            rows = uow.session.exec(
                select(PortablePrint).where(PortablePrint.patient_id == patient_id)
                .order_by(col(PortablePrint.id))
            ).all()
            return [_print(r) for r in rows]


__all__ = ["ConsentRequired", "PortableRecordService", "PortableStatus", "PrintRecord"]
