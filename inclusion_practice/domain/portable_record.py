"""The portable health record a patient carries: what it holds, what it never holds, and limits.

People sleeping rough, in hostels, travelling or moved between asylum accommodation arrive at
A&E, walk-in centres and new practices with no records. The DH guide this project answers names
"practical, portable health records for those with transient lifestyles" among the reasonable
adjustments that work. These rules decide what such a record (a printed A4 summary, a folded
wallet card and their QR codes, and the same content as an IPS-shaped FHIR document) may carry.

The rules, in one place so the card, the QR codes, the CLI file and ``$summary`` agree:

- **Consent first.** Nothing is printed or written for the patient to carry without a recorded
  consent (a coded, dated fact saying who recorded it) naming the sections the patient chose.
  Identity and the practice's contact are always on it: a card without them cannot be checked.
- **Never on anything the patient carries:** see :data:`NEVER_INCLUDED`. Above all, no
  inclusion-health flag of any category, and no coded entry whose concept means a restricted
  category (sex work, substance use, refuge, modern slavery): a lost card must not out anyone.
- **Sizes are stated:** :data:`DOCUMENT_QR` and :data:`CARD_QR` say how many bytes each QR code
  holds and what is left out when the content does not fit.
- **Dated:** every page says when it was printed and to check with the practice (hazard H21).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from inclusion_practice.domain.code_sources import LOCAL_PREFIX
from inclusion_practice.domain.flag_categories import FlagCategory, all_snomed
from inclusion_practice.errors import InclusionPracticeError, InvalidInput


class Section(StrEnum):
    """What the patient can choose to carry."""

    IDENTITY = "identity"
    """Name, date of birth (estimated shown as such), sex, NHS number if known."""
    PRACTICE = "practice"
    """The registered (or former) practice, its address and phone: how to check the card."""
    OTHER_NAMES = "other_names"
    """Other names used (from records confirmed to be the same person)."""
    CONTACT = "contact"
    """How to reach the patient: letters care of, phone, keyworker."""
    COMMUNICATION = "communication"
    """Language, interpreter and mode, and adjustments in plain words."""
    PROBLEMS = "problems"
    ALLERGIES = "allergies"
    MEDICATIONS = "medications"
    VACCINATIONS = "vaccinations"
    SCREENING = "screening"
    """Tests done, with dates: blood-borne virus tests, TB screening."""
    RESULTS = "results"
    """Measurements and results with a value (FHIR Observations)."""


REQUIRED_SECTIONS: frozenset[Section] = frozenset({Section.IDENTITY, Section.PRACTICE})
"""Always on the record: who it belongs to and whom to ask whether it is still right."""

SECTION_LABELS: dict[Section, str] = {
    Section.IDENTITY: "Name, date of birth and NHS number",
    Section.PRACTICE: "Your GP practice and how to contact it",
    Section.OTHER_NAMES: "Other names you have used",
    Section.CONTACT: "How to reach you (letters, phone, keyworker)",
    Section.COMMUNICATION: "Language, interpreter and the help you need",
    Section.PROBLEMS: "Health problems",
    Section.ALLERGIES: "Allergies",
    Section.MEDICATIONS: "Medicines",
    Section.VACCINATIONS: "Vaccinations",
    Section.SCREENING: "Tests and screening",
    Section.RESULTS: "Results and measurements",
}
"""Plain words, as read to the patient when they choose."""

EASY_READ_HEADINGS: dict[Section, str] = {
    Section.IDENTITY: "This is me",
    Section.PRACTICE: "My doctor's surgery",
    Section.OTHER_NAMES: "Other names I have used",
    Section.CONTACT: "How to get in touch with me",
    Section.COMMUNICATION: "How to talk with me",
    Section.PROBLEMS: "My health problems",
    Section.ALLERGIES: "Things I am allergic to",
    Section.MEDICATIONS: "My medicines",
    Section.VACCINATIONS: "My vaccinations",
    Section.SCREENING: "Tests I have had",
    Section.RESULTS: "My results",
}

ALL_SECTIONS: tuple[Section, ...] = tuple(Section)


@dataclass(frozen=True)
class IpsSection:
    """The IPS Composition section a clinical section maps to (LOINC code and display)."""

    code: str
    display: str
    title: str


PATIENT_SUMMARY_LOINC = ("60591-5", "Patient summary Document")
"""Composition.type of an IPS document (HL7 IPS ``CompositionUvIps``)."""

IPS_SECTIONS: dict[Section, IpsSection] = {
    Section.PROBLEMS: IpsSection("11450-4", "Problem list - Reported", "Problems"),
    Section.ALLERGIES: IpsSection("48765-2", "Allergies and adverse reactions Document",
                                  "Allergies and Intolerances"),
    Section.MEDICATIONS: IpsSection("10160-0", "History of Medication use Narrative",
                                    "Medication Summary"),
    Section.VACCINATIONS: IpsSection("11369-6", "History of Immunization note", "Immunizations"),
    Section.SCREENING: IpsSection("47519-4", "History of Procedures Document",
                                  "History of Procedures"),
    Section.RESULTS: IpsSection("30954-2", "Relevant diagnostic tests/laboratory data note",
                                "Results"),
}
"""Section codes from HL7's IPS Composition profile (``CompositionUvIps.fsh``, HL7/fhir-ips)."""

IPS_REQUIRED: tuple[Section, ...] = (Section.PROBLEMS, Section.ALLERGIES, Section.MEDICATIONS)
"""Sections an IPS document always has (empty ones say why with ``emptyReason``)."""


class EntryKind(StrEnum):
    """What a coded entry is, by the FHIR resource it came from."""

    CONDITION = "Condition"
    ALLERGY = "AllergyIntolerance"
    MEDICATION = "MedicationStatement"
    IMMUNIZATION = "Immunization"
    PROCEDURE = "Procedure"
    OBSERVATION = "Observation"


SECTION_OF_KIND: dict[EntryKind, Section] = {
    EntryKind.CONDITION: Section.PROBLEMS,
    EntryKind.ALLERGY: Section.ALLERGIES,
    EntryKind.MEDICATION: Section.MEDICATIONS,
    EntryKind.IMMUNIZATION: Section.VACCINATIONS,
    EntryKind.PROCEDURE: Section.SCREENING,
    EntryKind.OBSERVATION: Section.RESULTS,
}

INACTIVE_STATUSES: frozenset[str] = frozenset(
    {"inactive", "resolved", "remission", "completed", "stopped", "not-taken", "refuted",
     "entered-in-error", "on-hold"}
)
"""Statuses (Condition/AllergyIntolerance clinicalStatus, MedicationStatement status) of an
entry that is not current: problems and medicines the patient no longer has stay off the card."""


class Layout(StrEnum):
    """How the printed record is laid out."""

    STANDARD = "standard"
    LARGE = "large"
    """Large print: at least 16 pt body text, bigger card panels."""
    EASY_READ = "easy-read"
    """Short sentences, "I" headings, one thing per line, larger text."""


CONSENT_CODE = f"{LOCAL_PREFIX}portable-record-consent"
"""The coded fact "consents to a patient-held portable record". No SNOMED CT concept for a
patient-held summary was found in the published lists searched, so it is a local code."""
CONSENT_WITHDRAWN_CODE = f"{LOCAL_PREFIX}portable-record-consent-withdrawn"

NEVER_INCLUDED: tuple[str, ...] = (
    "inclusion-health flags of any category, and their categories or labels",
    "coded entries whose concept means a restricted inclusion-health category, or implies one",
    "the reasons behind flexible handling of missed appointments, and missed-appointment history",
    "the usual residence address (a lost card must not say where someone sleeps)",
    "free-text adjustment details (bespoke adjustments): free text is never printed",
    "registration refusals, tasks, audit and access records, ethnicity",
    "problems and medicines recorded as resolved, inactive or stopped",
)
"""What no portable record (card, summary, QR, FHIR file, ``$summary``) ever holds."""


class ConsentRequired(InclusionPracticeError):
    """No recorded consent to a portable record (or it was withdrawn): nothing is printed."""

    def __init__(self, patient_id: int, withdrawn_on: dt.date | None = None) -> None:
        self.patient_id = patient_id
        self.field = "consent"
        why = (f"was withdrawn on {withdrawn_on:%d %b %Y}" if withdrawn_on
               else "has not been recorded")
        super().__init__(
            f"consent: the patient's consent to a portable record {why}; ask the patient which "
            "sections they want to carry and record it (patient portable-consent) first"
        )


@dataclass(frozen=True)
class ConsentFact:
    """A recorded consent (or its withdrawal): coded, dated, who recorded it, which sections."""

    id: int
    patient_id: int
    code: str
    given: bool
    sections: frozenset[Section]
    recorded_on: dt.date
    recorded_at: dt.datetime
    recorded_by: str

    @property
    def section_list(self) -> list[Section]:
        """The chosen sections in display order."""
        return [s for s in ALL_SECTIONS if s in self.sections]


def parse_sections(value: str | Iterable[str] | None) -> frozenset[Section]:
    """``all`` or a comma-separated list (``problems,allergies``); the required sections are
    always added. An unknown name is refused, naming the choices."""
    if value is None:
        raise InvalidInput("sections", "choose the sections the patient wants to carry "
                                       f"(all, or some of {', '.join(s.value for s in Section)})")
    parts = value.split(",") if isinstance(value, str) else list(value)
    names = [p.strip().lower().replace("-", "_").replace(" ", "_") for p in parts if p.strip()]
    if not names:
        raise InvalidInput("sections", "name at least one section (or all)")
    if "all" in names:
        return frozenset(Section)
    chosen: set[Section] = set(REQUIRED_SECTIONS)
    for name in names:
        try:
            chosen.add(Section(name))
        except ValueError:
            raise InvalidInput(
                "sections", f"{name!r} is not a section (all, {', '.join(s.value for s in Section)})"
            ) from None
    return frozenset(chosen)


def parse_layout(value: str | None) -> Layout:
    if value is None or not value.strip():
        return Layout.STANDARD
    key = value.strip().lower().replace("_", "-").replace(" ", "-")
    if key in ("easyread", "easy"):
        key = Layout.EASY_READ.value
    try:
        return Layout(key)
    except ValueError:
        raise InvalidInput(
            "layout", f"{value!r} is not a layout ({', '.join(x.value for x in Layout)})"
        ) from None


def require_consent(patient_id: int, latest: ConsentFact | None) -> ConsentFact:
    """The consent in force, or :class:`ConsentRequired` naming why there is none."""
    if latest is None:
        raise ConsentRequired(patient_id)
    if not latest.given:
        raise ConsentRequired(patient_id, latest.recorded_on)
    return latest


def restricted_codes(categories: Iterable[FlagCategory]) -> frozenset[str]:
    """Every SNOMED CT code that means a restricted category (never on a portable record)."""
    return frozenset(code for c in categories if c.restricted for code in all_snomed(c))


# ----------------------------------------------------------------------------- the content


@dataclass(frozen=True)
class ClinicalEntry:
    """One coded entry as the record shows it."""

    kind: EntryKind
    code: str
    display: str
    date: dt.date
    value: float | None = None
    unit: str | None = None
    status: str | None = None
    dose: int | None = None
    """Dose number in a course (hepatitis B 1, 2, 3), where the code says it."""

    @property
    def section(self) -> Section:
        return SECTION_OF_KIND[self.kind]

    @property
    def current(self) -> bool:
        return self.status is None or self.status not in INACTIVE_STATUSES


@dataclass(frozen=True)
class PracticeContact:
    """The practice the patient is (or was) registered with, and how to reach it."""

    name: str
    ods_code: str
    phone: str
    address_lines: tuple[str, ...]
    postcode: str
    registered: bool
    """Registered today; ``False`` for a former patient (the card says "former practice")."""
    registered_until: dt.date | None = None


@dataclass(frozen=True)
class PortableSummary:
    """Everything one portable record shows, already filtered by consent and the rules above.

    Built by the portable-record service; rendered by ``reports/portable_card.py`` and mapped to
    FHIR by ``fhir/ips.py``. Stored as printed, so a reprint shows exactly what was checked."""

    patient_id: int
    given_name: str
    family_name: str
    title: str | None
    date_of_birth: dt.date
    dob_estimated: bool
    sex: str
    nhs_number: str | None
    practice: PracticeContact
    sections: frozenset[Section]
    printed_at: dt.datetime
    consent_recorded_on: dt.date | None
    other_names: tuple[str, ...] = ()
    contact_lines: tuple[str, ...] = ()
    communication_lines: tuple[str, ...] = ()
    communication_easy: tuple[str, ...] = ()
    """The same needs in the first person, for the easy-read layout."""
    language: str | None = None
    """BCP-47 tag of the main language, when communication is chosen."""
    language_name: str | None = None
    interpreter_needed: bool = False
    entries: tuple[ClinicalEntry, ...] = ()
    left_out: tuple[str, ...] = ()
    """What was held back from this record and why (restricted concepts, inactive entries)."""

    @property
    def display_name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def printed_on(self) -> dt.date:
        return self.printed_at.date()

    def has(self, section: Section) -> bool:
        return section in self.sections

    def entries_in(self, section: Section) -> list[ClinicalEntry]:
        return [e for e in self.entries if e.section is section]


def dob_text(day: dt.date, estimated: bool) -> str:
    """``17 May 1990`` or ``about 1996 (estimated)``."""
    return f"about {day.year} (estimated)" if estimated else day.strftime("%d %b %Y")


def nhs_text(nhs: str | None) -> str:
    if not nhs:
        return "not known"
    return f"{nhs[:3]} {nhs[3:6]} {nhs[6:]}"


def check_line(summary: PortableSummary) -> str:
    """The line every page and card carries: when it was printed, and whom to ask (H21)."""
    p = summary.practice
    former = "" if p.registered else "former "
    return (f"Printed {summary.printed_at:%d %b %Y}. Things change: check with my {former}GP "
            f"practice, {p.name}, on {p.phone}.")


def entry_text(e: ClinicalEntry) -> str:
    """One entry in plain words, dated."""
    when = e.date.strftime("%d %b %Y")
    dose = f" (dose {e.dose})" if e.dose else ""
    value = ""
    if e.value is not None:
        number = int(e.value) if float(e.value).is_integer() else e.value
        value = f": {number}" + (f" {e.unit}" if e.unit else "")
    return f"{e.display}{dose}{value}, {when}"


# ------------------------------------------------------------------------------- QR limits


@dataclass(frozen=True)
class QrLimit:
    """How much one QR code may hold, at what error correction, printed how big."""

    name: str
    error: str
    """QR error correction level: L (7 %) or M (15 %)."""
    max_version: int
    max_bytes: int
    """Byte-mode capacity of ``max_version`` at ``error``."""
    printed_mm: float
    """Printed width; with the 4-module quiet zone each module is at least 0.4 mm."""


DOCUMENT_QR = QrLimit("summary page", "L", 40, 2953, 80.0)
"""The A4 summary's QR: the compact IPS FHIR document (no narrative), up to QR version 40 at
error correction L (2,953 bytes), printed 80 mm wide (0.43 mm modules at version 40)."""
CARD_QR = QrLimit("wallet card", "M", 20, 666, 44.0)
"""The wallet card's QR: the essentials as plain text any phone shows without an app or a
network, up to version 20 at error correction M (666 bytes), printed 44 mm wide (0.42 mm)."""


class PayloadKind(StrEnum):
    FHIR_DOCUMENT = "fhir-document"
    """The IPS-shaped FHIR document with every chosen section."""
    FHIR_ESSENTIALS = "fhir-essentials"
    """A FHIR document with the IPS-required sections only (problems, allergies, medicines)."""
    TEXT_ESSENTIALS = "text-essentials"
    """Plain text: identity, language, allergies, medicines, problems and the practice."""


@dataclass(frozen=True)
class Payload:
    """What one QR code carries, its size and what it leaves out."""

    kind: PayloadKind
    data: bytes
    left_out: tuple[str, ...] = ()

    @property
    def size(self) -> int:
        return len(self.data)


def choose_payload(candidates: Sequence[Payload], limit: QrLimit) -> Payload:
    """The first candidate (richest first) that fits ``limit``; the last is cut to fit."""
    if not candidates:
        raise ValueError("no payload to choose from")
    for c in candidates:
        if c.size <= limit.max_bytes:
            return c
    last = candidates[-1]
    cut = last.data[: limit.max_bytes - 3].decode("utf-8", "ignore").encode("utf-8") + b"..."
    return Payload(last.kind, cut, (*last.left_out, f"text cut to {limit.max_bytes} bytes"))


ESSENTIAL_SECTIONS: tuple[Section, ...] = (
    Section.ALLERGIES, Section.MEDICATIONS, Section.PROBLEMS, Section.VACCINATIONS,
    Section.SCREENING, Section.RESULTS,
)
"""Clinical sections in the order the essentials keep them (the last is dropped first)."""


def essentials_text(summary: PortableSummary, limit: QrLimit) -> Payload:
    """The essentials as plain text within ``limit``: whole sections are dropped from the end
    of :data:`ESSENTIAL_SECTIONS` until it fits, and each dropped one is named."""
    head = [
        "PATIENT-HELD HEALTH RECORD",
        f"Name: {summary.display_name}",
        f"Born: {dob_text(summary.date_of_birth, summary.dob_estimated)}",
    ]
    if summary.nhs_number:
        head.append(f"NHS no: {nhs_text(summary.nhs_number)}")
    if summary.language_name:
        need = " - interpreter needed" if summary.interpreter_needed else ""
        head.append(f"Language: {summary.language_name}{need}")
    p = summary.practice
    tail = [
        f"{'Former ' if not p.registered else ''}GP: {p.name} ({p.ods_code}) {p.phone}",
        f"Printed {summary.printed_at:%d %b %Y}: check with the practice",
    ]
    blocks: list[tuple[Section, str]] = []
    for section in ESSENTIAL_SECTIONS:
        if not summary.has(section):
            continue
        items = summary.entries_in(section)
        if section in IPS_REQUIRED or items:
            words = "; ".join(entry_text(e) if section not in IPS_REQUIRED else e.display
                              for e in items) or "none recorded"
            blocks.append((section, f"{SECTION_LABELS[section].split(' (')[0]}: {words}"))
    dropped: list[str] = []
    while True:
        text = "\n".join([*head, *(b for _, b in blocks), *tail])
        data = text.encode("utf-8")
        if len(data) <= limit.max_bytes or not blocks:
            break
        section, _ = blocks.pop()
        dropped.append(f"{SECTION_LABELS[section].lower()} (no room in the {limit.name} QR)")
    payload = Payload(PayloadKind.TEXT_ESSENTIALS, data, tuple(dropped))
    return choose_payload([payload], limit)


# ------------------------------------------------------------------------ plain words


@dataclass(frozen=True)
class NeedsFacts:
    """The needs the communication section shows (from the role-safe needs, never flags)."""

    interpreter_language: str | None = None
    interpreter_dialect: str | None = None
    interpreter_mode: str | None = None
    interpreter_gender: str | None = None
    no_family_interpreter: bool = False
    double_appointment: bool = False
    first_or_last: str | None = None
    clinician_gender: str | None = None
    minimal_wait: bool = False
    quiet_space: bool = False
    advocate_present: bool = False
    information_format: str | None = None
    contact_via_keyworker: bool = False
    prefers_drop_in: bool = False
    extra: tuple[str, ...] = field(default_factory=tuple)


_MODE_WORDS = {
    "face_to_face": "face to face", "telephone": "by telephone", "video": "by video",
    "bsl_in_person": "British Sign Language, in person",
    "bsl_video_relay": "British Sign Language by video relay",
}


def communication_lines(
    needs: NeedsFacts, language_name: str | None, *, easy_read: bool = False
) -> list[str]:
    """The communication needs in plain words (first person for easy read)."""
    out: list[str] = []
    if needs.interpreter_language:
        lang = language_name or needs.interpreter_language
        mode = _MODE_WORDS.get(needs.interpreter_mode or "", "")
        dialect = f" ({needs.interpreter_dialect})" if needs.interpreter_dialect else ""
        if easy_read:
            out.append(f"I speak {lang}{dialect}. I need an interpreter"
                       + (f" {mode}" if mode else "") + ".")
        else:
            out.append(f"Needs a {lang}{dialect} interpreter" + (f", {mode}" if mode else ""))
        if needs.interpreter_gender:
            out.append(f"A {needs.interpreter_gender} interpreter, please"
                       if easy_read else f"Prefers a {needs.interpreter_gender} interpreter")
    elif language_name:
        out.append(f"I speak {language_name}." if easy_read else f"Main language: {language_name}")
    if needs.no_family_interpreter:
        out.append("Please do not ask my family or friends to interpret."
                   if easy_read else "Do not use family or friends to interpret")
    phrases: list[tuple[bool, str, str]] = [
        (needs.double_appointment, "I need a longer appointment.",
         "Please allow a longer (double) appointment"),
        (needs.first_or_last is not None,
         f"I need the {needs.first_or_last} appointment of the session.",
         f"Prefers the {needs.first_or_last} appointment of a session"),
        (needs.clinician_gender is not None,
         f"I would like to see a {needs.clinician_gender} doctor or nurse.",
         f"Prefers a {needs.clinician_gender} clinician"),
        (needs.minimal_wait, "Please do not make me wait long.", "Please keep waiting short"),
        (needs.quiet_space, "I need a quiet place to wait.", "Needs a quiet place to wait"),
        (needs.advocate_present, "I would like my advocate or keyworker with me.",
         "Would like an advocate or keyworker present"),
        (needs.information_format is not None,
         f"I need information in {(needs.information_format or '').replace('_', ' ')}.",
         f"Information in {(needs.information_format or '').replace('_', ' ')}"),
        (needs.contact_via_keyworker, "Contact me through my keyworker.",
         "Contact through the keyworker"),
        (needs.prefers_drop_in, "Drop-in or walk-in appointments work best for me.",
         "Drop-in or walk-in appointments work best"),
    ]
    out.extend(easy if easy_read else plain for on, easy, plain in phrases if on)
    out.extend(needs.extra)
    return out


def other_names(own: tuple[str, str], linked: Collection[tuple[str, str]]) -> tuple[str, ...]:
    """Names on records confirmed to be the same person that differ from the patient's own."""
    mine = " ".join(own).casefold()
    seen: dict[str, str] = {}
    for given, family in linked:
        name = f"{given} {family}"
        if name.casefold() != mine:
            seen.setdefault(name.casefold(), name)
    return tuple(sorted(seen.values()))


# ------------------------------------------------------------------- vaccinations as recorded

IMMUNIZATION_CODELISTS: tuple[str, ...] = ("hepb_vaccination", "flu_vaccination")
"""Code lists whose (procedure) codes mean a vaccination given: shown as vaccinations."""
SCREENING_CODELISTS: tuple[str, ...] = ("hepb_test", "hepc_test", "hiv_test", "tb_screen")
"""Code lists of tests and screening: shown under tests and screening, with their dates."""
RESTRICTED_CODELISTS: tuple[str, ...] = ("drug_review",)
"""Code lists whose codes imply a restricted category (a drug-use review implies substance
use): never on a portable record, whatever resource they arrive as."""

_DOSE_WORDS = {"first": 1, "second": 2, "third": 3, "fourth": 4}


def dose_from_term(term: str | None) -> int | None:
    """The dose in a course from a vaccination's term ("Second hepatitis B vaccination" → 2)."""
    first = (term or "").split(" ", 1)[0].lower()
    return _DOSE_WORDS.get(first)


# ------------------------------------------------------------------------ stored as printed


def summary_to_json(s: PortableSummary) -> dict[str, object]:
    """The summary as plain JSON (what a print stores, so a reprint shows the same)."""
    p = s.practice
    return {
        "patient_id": s.patient_id, "given_name": s.given_name, "family_name": s.family_name,
        "title": s.title, "date_of_birth": s.date_of_birth.isoformat(),
        "dob_estimated": s.dob_estimated, "sex": s.sex, "nhs_number": s.nhs_number,
        "practice": {"name": p.name, "ods_code": p.ods_code, "phone": p.phone,
                     "address_lines": list(p.address_lines), "postcode": p.postcode,
                     "registered": p.registered,
                     "registered_until": p.registered_until.isoformat()
                     if p.registered_until else None},
        "sections": [x.value for x in ALL_SECTIONS if x in s.sections],
        "printed_at": s.printed_at.isoformat(),
        "consent_recorded_on": s.consent_recorded_on.isoformat()
        if s.consent_recorded_on else None,
        "other_names": list(s.other_names), "contact_lines": list(s.contact_lines),
        "communication_lines": list(s.communication_lines),
        "communication_easy": list(s.communication_easy), "language": s.language,
        "language_name": s.language_name, "interpreter_needed": s.interpreter_needed,
        "entries": [{"kind": e.kind.value, "code": e.code, "display": e.display,
                     "date": e.date.isoformat(), "value": e.value, "unit": e.unit,
                     "status": e.status, "dose": e.dose} for e in s.entries],
        "left_out": list(s.left_out),
    }


def _day(text: object) -> dt.date:
    return dt.date.fromisoformat(str(text))


def summary_from_json(d: dict[str, object]) -> PortableSummary:
    """A stored summary back (the inverse of :func:`summary_to_json`)."""
    p = d["practice"]
    assert isinstance(p, dict)
    entries = d.get("entries") or []
    assert isinstance(entries, list)

    def strings(key: str) -> tuple[str, ...]:
        value = d.get(key) or []
        assert isinstance(value, list)
        return tuple(str(v) for v in value)

    consent = d.get("consent_recorded_on")
    return PortableSummary(
        patient_id=int(str(d["patient_id"])), given_name=str(d["given_name"]),
        family_name=str(d["family_name"]),
        title=str(d["title"]) if d.get("title") is not None else None,
        date_of_birth=_day(d["date_of_birth"]), dob_estimated=bool(d["dob_estimated"]),
        sex=str(d["sex"]),
        nhs_number=str(d["nhs_number"]) if d.get("nhs_number") is not None else None,
        practice=PracticeContact(
            name=str(p["name"]), ods_code=str(p["ods_code"]), phone=str(p["phone"]),
            address_lines=tuple(str(x) for x in p["address_lines"]), postcode=str(p["postcode"]),
            registered=bool(p["registered"]),
            registered_until=_day(p["registered_until"]) if p.get("registered_until") else None,
        ),
        sections=frozenset(Section(str(x)) for x in strings("sections")),
        printed_at=dt.datetime.fromisoformat(str(d["printed_at"])),
        consent_recorded_on=_day(consent) if consent else None,
        other_names=strings("other_names"), contact_lines=strings("contact_lines"),
        communication_lines=strings("communication_lines"),
        communication_easy=strings("communication_easy"),
        language=str(d["language"]) if d.get("language") is not None else None,
        language_name=str(d["language_name"]) if d.get("language_name") is not None else None,
        interpreter_needed=bool(d.get("interpreter_needed")),
        entries=tuple(
            ClinicalEntry(
                kind=EntryKind(str(e["kind"])), code=str(e["code"]), display=str(e["display"]),
                date=_day(e["date"]),
                value=float(e["value"]) if e.get("value") is not None else None,
                unit=str(e["unit"]) if e.get("unit") is not None else None,
                status=str(e["status"]) if e.get("status") is not None else None,
                dose=int(e["dose"]) if e.get("dose") is not None else None,
            )
            for e in entries if isinstance(e, dict)
        ),
        left_out=strings("left_out"),
    )
