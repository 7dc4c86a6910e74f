"""The patient banner: who this is, how to reach them, and what they need — at a glance.

It shows exactly what :meth:`PatientService.show` returned for the signed-in user: the library
has already removed restricted flags for non-clinical roles, so nothing here filters or decides.
"""

from __future__ import annotations

import datetime as dt

from rich.text import Text
from textual.widgets import Static

from inclusion_practice.config import PracticeConfig
from inclusion_practice.domain.addresses import ContactRoute, CorrespondenceKind
from inclusion_practice.domain.calendar_months import age_on
from inclusion_practice.domain.languages import language_name
from inclusion_practice.domain.needs import AccessNeeds
from inclusion_practice.domain.patient_record import PatientView
from inclusion_practice.domain.registration import period_on
from inclusion_practice.services.portable_record import PortableStatus


def age_text(view: PatientView, today: dt.date) -> str:
    record = view.record
    age = age_on(record.date_of_birth, today)
    if record.dob_estimated:
        return f"about {age} (estimated, born ~{record.date_of_birth.year})"
    return f"{age} (born {record.date_of_birth:%d %b %Y})"


def registration_text(view: PatientView, today: dt.date) -> str:
    period = period_on(view.record.registrations, today)
    if period is None:
        return "not registered today"
    text = period.kind.label
    if period.planned_end is not None:
        text += f" to {period.planned_end:%d %b %Y}"
    return text


def letters_text(view: PatientView, config: PracticeConfig) -> str:
    a = view.record.addresses
    kind = a.correspondence_kind
    if kind is CorrespondenceKind.USUAL:
        return "letters home" + (f" ({a.usual_postcode})" if a.usual_postcode else "")
    if kind is CorrespondenceKind.PRACTICE:
        agreed = f", agreed {a.post_check_agreed_on:%d %b}" if a.post_check_agreed_on else ""
        return f"letters held at the practice (checks for post{agreed})"
    if kind is CorrespondenceKind.PARTNER:
        partner = config.partner(a.correspondence_partner or "")
        return f"letters c/o {partner.name if partner else a.correspondence_partner}"
    if kind in (CorrespondenceKind.CARE_OF, CorrespondenceKind.TEMPORARY):
        first = a.correspondence_lines[0] if a.correspondence_lines else ""
        label = "c/o" if kind is CorrespondenceKind.CARE_OF else "temporary address"
        return f"letters {label} {first}, {a.correspondence_postcode or ''}".rstrip(", ")
    return "no letters: collect at reception"


def contact_text(view: PatientView, config: PracticeConfig) -> str:
    c = view.record.contact
    parts: list[str] = []
    if c.route in (ContactRoute.SMS, ContactRoute.PHONE) and c.phone:
        parts.append(f"{'SMS' if c.route is ContactRoute.SMS else 'phone'} {c.phone}")
    elif c.route is ContactRoute.EMAIL and c.email:
        parts.append(f"email {c.email}")
    elif c.route is ContactRoute.RECEPTION:
        parts.append("messages at reception")
    elif c.phone:
        parts.append(f"phone {c.phone}")
    if c.keyworker_name or c.keyworker_partner:
        partner = config.partner(c.keyworker_partner or "")
        who = c.keyworker_name or ""
        if partner is not None:
            who = f"{who} ({partner.name})".strip()
        phone = f" {c.keyworker_phone}" if c.keyworker_phone else ""
        route = "via keyworker" if c.route in (ContactRoute.KEYWORKER, ContactRoute.HOSTEL) else "keyworker"
        parts.append(f"{route} {who}{phone}")
    return " · ".join(parts) or "no phone"


def portable_text(status: PortableStatus | None) -> str:
    """Consent to a portable record and when a card was last printed (no clinical content)."""
    if status is None:
        return ""
    consent = status.consent
    if consent is None:
        words = "no consent recorded"
    elif not consent.given:
        words = f"consent withdrawn {consent.recorded_on:%d %b %Y}"
    else:
        words = f"consent recorded {consent.recorded_on:%d %b %Y}"
    last = status.last_print
    printed = (f"last printed {last.printed_at:%d %b %Y} by {last.printed_by}"
               if last is not None else "never printed")
    return f"{words} · {printed}"


def needs_phrases(view: PatientView) -> list[str]:
    return needs_phrases_of(view.needs)


def needs_phrases_of(needs: AccessNeeds) -> list[str]:
    """The library's needs summary, with the interpreter language named in words."""
    phrases = list(needs.summary())
    if needs.interpreter_language:
        mode = (needs.interpreter_mode or "").replace("_", " ")
        name = language_name(needs.interpreter_language) or needs.interpreter_language
        dialect = f", {needs.interpreter_dialect}" if needs.interpreter_dialect else ""
        phrases[0] = f"{name}{dialect} interpreter" + (f" ({mode})" if mode else "")
        if needs.interpreter_gender:
            phrases[0] += f", {needs.interpreter_gender} interpreter"
    if needs.no_family_interpreter:
        phrases.append("no family interpreting")
    return phrases


class PatientBanner(Static):
    """Name, age, registration, how to reach them, needs and (role-filtered) flags."""

    DEFAULT_CSS = """
    PatientBanner {
        height: auto;
        min-height: 3;
        padding: 0 1;
        border: round $primary;
        background: $surface;
    }
    PatientBanner.-empty { color: $text-muted; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("No patient selected", id=id, classes="-empty")
        self.view: PatientView | None = None
        self.portable: PortableStatus | None = None

    def show_patient(self, view: PatientView | None, today: dt.date, config: PracticeConfig,
                     portable: PortableStatus | None = None) -> None:
        self.view = view
        self.portable = portable
        if view is None:
            self.add_class("-empty")
            self.update("No patient selected")
            return
        self.remove_class("-empty")
        r = view.record
        text = Text(no_wrap=False)
        text.append(f"{r.display_name}", style="bold")
        text.append(f"  #{r.id}  {r.sex.value}  {age_text(view, today)}")
        if r.nhs_number:
            text.append(f"  NHS {r.nhs_number[:3]} {r.nhs_number[3:6]} {r.nhs_number[6:]}")
        text.append("\nRegistration: ", style="bold")
        text.append(registration_text(view, today))
        if view.health_check_due is not None:
            text.append(f" · health check due {view.health_check_due:%d %b}")
        text.append("\nReach: ", style="bold")
        text.append(f"{contact_text(view, config)} · {letters_text(view, config)}")
        text.append("\nNeeds: ", style="bold")
        text.append(" · ".join(needs_phrases(view)) or "none recorded")
        if view.flags:
            text.append("\nFlags: ", style="bold")
            text.append(" · ".join(
                f.label + (f" ({f.subcategory.replace('_', ' ')})" if f.subcategory else "")
                for f in view.flags
            ))
        if portable is not None:
            text.append("\nPortable record: ", style="bold")
            text.append(portable_text(portable))
        self.update(text)
