"""The portable health record on paper: a one-page A4 summary and a folded wallet card.

``print_card`` asks the portable-record service for the summary (refused without the patient's
consent), draws the PDF, records the print and writes the file; ``reprint_card`` re-draws the
last card exactly as printed (reception); ``write_fhir`` writes the same content as the FHIR
document. Reports reach the data only through the services (``ip.portable``), never storage.

Layouts: standard; large print (16 pt body text, bigger card panels); easy read (first-person
headings, one thing per line, simple pictures, 14 pt). Every page and every card panel says when
it was printed and to check with the practice (hazard H21); a reprint says so and keeps the
date it was first printed. QR codes are drawn as vector squares (crisp at any printer
resolution): the summary page carries the IPS FHIR document (or, when it will not fit, the
essentials — see :data:`~inclusion_practice.domain.portable_record.DOCUMENT_QR`), the card the
essentials as plain text (:data:`~inclusion_practice.domain.portable_record.CARD_QR`).

Names are drawn with DejaVu Sans where the system has it (Polish, Romanian, Czech, Turkish
letters); otherwise with Bitstream Vera (shipped with reportlab), and a letter it lacks is
printed without its accent rather than as a blank box.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import reportlab
import segno
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from inclusion_practice.domain.actor import Actor
from inclusion_practice.domain.portable_record import (
    ALL_SECTIONS,
    CARD_QR,
    DOCUMENT_QR,
    EASY_READ_HEADINGS,
    NEVER_INCLUDED,
    SECTION_LABELS,
    Layout,
    Payload,
    PayloadKind,
    PortableSummary,
    QrLimit,
    Section,
    check_line,
    dob_text,
    entry_text,
    essentials_text,
    nhs_text,
)

if TYPE_CHECKING:
    from inclusion_practice.api import InclusionPractice
    from inclusion_practice.services.portable_record import PrintRecord

PAGE_W, PAGE_H = float(A4[0]), float(A4[1])
MARGIN = float(15 * mm)
NHS_BLUE = colors.HexColor("#005EB8")
DARK = colors.HexColor("#212B32")
GREY = colors.HexColor("#4C6272")
LIGHT = colors.HexColor("#E8EDEE")
WARM = colors.HexColor("#FFF9C4")
RED = colors.HexColor("#D5281B")

_SYSTEM_FONT_DIRS = (
    "/usr/share/fonts/truetype/dejavu",
    "/usr/share/fonts/dejavu",
    "/usr/local/share/fonts/dejavu",
    "/Library/Fonts",
)
FONT_DIR_ENV = "INCLUSION_PRACTICE_FONT_DIR"
"""A folder holding ``DejaVuSans.ttf`` and ``DejaVuSans-Bold.ttf`` (else the system's)."""


@dataclass(frozen=True)
class Fonts:
    regular: str
    bold: str
    full_unicode: bool
    covered: frozenset[int]


_FONTS: list[Fonts] = []


def fonts() -> Fonts:
    """DejaVu Sans when installed (full European coverage), else Vera from reportlab."""
    if _FONTS:
        return _FONTS[0]
    dirs = [os.environ[FONT_DIR_ENV]] if os.environ.get(FONT_DIR_ENV) else []
    for folder in (*dirs, *_SYSTEM_FONT_DIRS):
        regular, bold = (os.path.join(folder, f) for f in ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"))
        if os.path.exists(regular) and os.path.exists(bold):
            face = TTFont("IPCard", regular)
            pdfmetrics.registerFont(face)
            pdfmetrics.registerFont(TTFont("IPCard-Bold", bold))
            _FONTS.append(Fonts("IPCard", "IPCard-Bold", True,
                                frozenset(face.face.charToGlyph)))
            return _FONTS[0]
    folder = os.path.join(os.path.dirname(reportlab.__file__), "fonts")
    face = TTFont("IPCardVera", os.path.join(folder, "Vera.ttf"))
    pdfmetrics.registerFont(face)
    pdfmetrics.registerFont(TTFont("IPCardVera-Bold", os.path.join(folder, "VeraBd.ttf")))
    _FONTS.append(Fonts("IPCardVera", "IPCardVera-Bold", False, frozenset(face.face.charToGlyph)))
    return _FONTS[0]


def printable(text: str) -> str:
    """``text`` with any letter the font lacks printed without its accent (never a box)."""
    covered = fonts().covered
    out = []
    for ch in text:
        if ord(ch) in covered or ch in "\n\t":
            out.append(ch)
            continue
        base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
        out.append(base if base and all(ord(c) in covered for c in base) else "?")
    return "".join(out)


# ------------------------------------------------------------------------------ styles


@dataclass(frozen=True)
class Style:
    title: float
    heading: float
    body: float
    small: float
    panel_w: float
    panel_h: float
    card_name: float
    card_body: float
    first_person: bool
    pictures: bool


STYLES: dict[Layout, Style] = {
    Layout.STANDARD: Style(17, 11.5, 9.5, 7.5, 85.6 * mm, 54 * mm, 10, 6.6, False, False),
    Layout.LARGE: Style(26, 20, 16, 12, 105 * mm, 74 * mm, 14, 9.5, False, False),
    Layout.EASY_READ: Style(22, 17, 14, 11, 105 * mm, 74 * mm, 13, 9, True, True),
}
"""Sizes in points (text) and points (card panels: 85.6 × 54 mm is a bank card; 105 × 74 mm is
A7). Large print keeps body text at 16 pt, as RNIB's clear-print guidance asks."""


# ------------------------------------------------------------------------------- QR codes


def qr_matrix(payload: Payload, limit: QrLimit) -> segno.QRCode:
    """The QR code for ``payload`` within ``limit`` (byte mode; the error level is a floor)."""
    return segno.make(payload.data, error=limit.error.lower(), mode="byte", micro=False,
                      boost_error=False)


def draw_qr(c: Canvas, qr: segno.QRCode, x: float, y: float, size: float) -> None:
    """Draw ``qr`` with its 4-module quiet zone as a ``size`` square at (x, y) (bottom left),
    one rectangle per run of dark modules."""
    rows = [list(r) for r in qr.matrix]
    n = len(rows) + 8
    module = size / n
    c.saveState()
    c.setFillColor(colors.white)
    c.rect(x, y, size, size, stroke=0, fill=1)
    c.setFillColor(colors.black)
    for i, row in enumerate(rows):
        j = 0
        while j < len(row):
            if row[j]:
                k = j
                while k < len(row) and row[k]:
                    k += 1
                c.rect(x + (4 + j) * module, y + size - (4 + i + 1) * module, (k - j) * module,
                       module * 1.0005, stroke=0, fill=1)
                j = k
            else:
                j += 1
    c.restoreState()


# --------------------------------------------------------------------------- the page


class _Page:
    """A cursor over A4 pages: wraps text, starts a new page when the next block will not fit."""

    def __init__(self, c: Canvas, summary: PortableSummary, style: Style, stamp: str) -> None:
        self.c = c
        self.s = summary
        self.st = style
        self.stamp = stamp
        self.f = fonts()
        self.width = PAGE_W - 2 * MARGIN
        self.y = PAGE_H - MARGIN
        self.page = 1
        self.beside_until = 0.0
        """Above this height the right of the page holds the QR code: text keeps to the left."""
        self.beside_width = 0.0

    def avail(self) -> float:
        """The width free for a line whose top is at the cursor."""
        if self.y <= self.beside_until:
            return self.width
        return self.width - self.beside_width

    def footer(self) -> None:
        c = self.c
        c.saveState()
        c.setFont(self.f.regular, self.st.small)
        c.setFillColor(GREY)
        lines = simpleSplit(printable(f"{self.stamp}  ·  page {self.page}"), self.f.regular,
                            self.st.small, self.width)
        for i, line in enumerate(reversed(lines)):
            c.drawString(MARGIN, 8 * mm + i * self.st.small * 1.2, line)
        c.restoreState()

    def new_page(self) -> None:
        self.footer()
        self.c.showPage()
        self.page += 1
        self.y = PAGE_H - MARGIN
        self.beside_until = 0.0
        self.beside_width = 0.0  # the QR code is on the first page only

    def need(self, height: float) -> None:
        if self.y - height < 16 * mm:
            self.new_page()

    def text(self, text: str, size: float, *, bold: bool = False, color: colors.Color = DARK,
             indent: float = 0, gap: float = 0.35) -> None:
        font = self.f.bold if bold else self.f.regular
        lead = size * 1.28
        words = printable(text).split()
        first = True
        while words:
            self.need(lead)
            hang = 0.0 if first else size * 0.9
            lines = simpleSplit(" ".join(words), font, size, self.avail() - indent - hang)
            taken = max(1, len(lines[0].split())) if lines else len(words)
            self.c.setFont(font, size)
            self.c.setFillColor(color)
            self.c.drawString(MARGIN + indent + hang, self.y - size, " ".join(words[:taken]))
            self.y -= lead
            words = words[taken:]
            first = False
        self.y -= size * gap

    def heading(self, text: str, picture: Callable[[Canvas, float, float, float], None] | None
                ) -> None:
        size = self.st.heading
        self.need(size * 3.2)
        self.y -= size * 0.5
        indent = 0.0
        if picture is not None and self.st.pictures:
            picture(self.c, MARGIN, self.y - size * 1.3, size * 1.5)
            indent = size * 2.0
        self.c.setFillColor(NHS_BLUE)
        self.c.setFont(self.f.bold, size)
        lines = simpleSplit(printable(text), self.f.bold, size, self.avail() - indent)
        for i, line in enumerate(lines or [""]):
            self.c.drawString(MARGIN + indent, self.y - size * (1 + 1.2 * i), line)
        self.y -= size * 1.2 * (len(lines) - 1) if len(lines) > 1 else 0
        self.y -= size * 1.6 if not (picture and self.st.pictures) else size * 1.9
        self.c.setStrokeColor(LIGHT)
        self.c.line(MARGIN, self.y + size * 0.35, MARGIN + self.avail(), self.y + size * 0.35)

    def bullets(self, lines: Sequence[str]) -> None:
        for line in lines:
            self.text(f"• {line}", self.st.body, indent=self.st.body * 0.4, gap=0.15)


# ----------------------------------------------------------------------------- pictures


def _pic_person(c: Canvas, x: float, y: float, s: float) -> None:
    c.saveState()
    c.setFillColor(NHS_BLUE)
    c.circle(x + s / 2, y + s * 0.72, s * 0.2, stroke=0, fill=1)
    c.roundRect(x + s * 0.22, y, s * 0.56, s * 0.45, s * 0.15, stroke=0, fill=1)
    c.restoreState()


def _pic_house(c: Canvas, x: float, y: float, s: float) -> None:
    c.saveState()
    c.setFillColor(NHS_BLUE)
    p = c.beginPath()
    p.moveTo(x, y + s * 0.55)
    p.lineTo(x + s / 2, y + s)
    p.lineTo(x + s, y + s * 0.55)
    p.close()
    c.drawPath(p, stroke=0, fill=1)
    c.rect(x + s * 0.15, y, s * 0.7, s * 0.55, stroke=0, fill=1)
    c.setFillColor(colors.white)
    c.rect(x + s * 0.44, y + s * 0.12, s * 0.12, s * 0.32, stroke=0, fill=1)
    c.rect(x + s * 0.38, y + s * 0.22, s * 0.24, s * 0.12, stroke=0, fill=1)
    c.restoreState()


def _pic_speech(c: Canvas, x: float, y: float, s: float) -> None:
    c.saveState()
    c.setFillColor(NHS_BLUE)
    c.roundRect(x, y + s * 0.3, s, s * 0.65, s * 0.2, stroke=0, fill=1)
    p = c.beginPath()
    p.moveTo(x + s * 0.2, y + s * 0.32)
    p.lineTo(x + s * 0.1, y)
    p.lineTo(x + s * 0.45, y + s * 0.32)
    p.close()
    c.drawPath(p, stroke=0, fill=1)
    c.restoreState()


def _pic_warning(c: Canvas, x: float, y: float, s: float) -> None:
    c.saveState()
    c.setFillColor(RED)
    p = c.beginPath()
    p.moveTo(x, y)
    p.lineTo(x + s, y)
    p.lineTo(x + s / 2, y + s * 0.9)
    p.close()
    c.drawPath(p, stroke=0, fill=1)
    c.setFillColor(colors.white)
    c.rect(x + s * 0.46, y + s * 0.28, s * 0.08, s * 0.36, stroke=0, fill=1)
    c.circle(x + s / 2, y + s * 0.15, s * 0.05, stroke=0, fill=1)
    c.restoreState()


def _pic_pill(c: Canvas, x: float, y: float, s: float) -> None:
    c.saveState()
    c.translate(x + s / 2, y + s / 2)
    c.rotate(35)
    c.setFillColor(NHS_BLUE)
    c.roundRect(-s / 2, -s * 0.18, s / 2, s * 0.36, s * 0.18, stroke=0, fill=1)
    c.setFillColor(colors.HexColor("#41B6E6"))
    c.roundRect(0, -s * 0.18, s / 2, s * 0.36, s * 0.18, stroke=0, fill=1)
    c.restoreState()


def _pic_cross(c: Canvas, x: float, y: float, s: float) -> None:
    c.saveState()
    c.setFillColor(colors.HexColor("#007F3B"))
    c.rect(x + s * 0.35, y, s * 0.3, s, stroke=0, fill=1)
    c.rect(x, y + s * 0.35, s, s * 0.3, stroke=0, fill=1)
    c.restoreState()


PICTURES: dict[Section, Callable[[Canvas, float, float, float], None]] = {
    Section.IDENTITY: _pic_person, Section.OTHER_NAMES: _pic_person,
    Section.PRACTICE: _pic_house, Section.CONTACT: _pic_house,
    Section.COMMUNICATION: _pic_speech, Section.ALLERGIES: _pic_warning,
    Section.MEDICATIONS: _pic_pill, Section.PROBLEMS: _pic_cross,
    Section.VACCINATIONS: _pic_cross, Section.SCREENING: _pic_cross, Section.RESULTS: _pic_cross,
}


# --------------------------------------------------------------------------- rendering


@dataclass(frozen=True)
class Rendered:
    """A drawn PDF and what its QR codes carry."""

    pdf: bytes
    document_payload: Payload
    card_payload: Payload
    pages: int


def _title(layout: Layout) -> str:
    return {Layout.EASY_READ: "My health record", Layout.LARGE: "My health record"}.get(
        layout, "Patient-held health record")


def _stamp(summary: PortableSummary, reprinted_at: dt.datetime | None) -> str:
    line = check_line(summary)
    if reprinted_at is not None:
        line += f" Reprinted {reprinted_at:%d %b %Y} from the card printed then."
    return line


PAGE_HEADINGS: dict[Section, str] = {
    Section.IDENTITY: "Identity",
    Section.PRACTICE: "GP practice",
    Section.OTHER_NAMES: "Other names used",
    Section.CONTACT: "How to reach the patient",
    Section.COMMUNICATION: "Communication and adjustments",
    Section.PROBLEMS: "Health problems",
    Section.ALLERGIES: "Allergies",
    Section.MEDICATIONS: "Medicines",
    Section.VACCINATIONS: "Vaccinations",
    Section.SCREENING: "Tests and screening",
    Section.RESULTS: "Results and measurements",
}
"""Headings on the printed page, read by whoever the patient shows it to."""


def _heading(section: Section, st: Style) -> str:
    return EASY_READ_HEADINGS[section] if st.first_person else PAGE_HEADINGS[section]


def _practice_lines(s: PortableSummary, st: Style) -> list[str]:
    p = s.practice
    if p.registered:
        first = (f"My GP practice is {p.name}." if st.first_person
                 else f"{p.name} (ODS {p.ods_code})")
    else:
        until = f" until {p.registered_until:%d %b %Y}" if p.registered_until else ""
        first = (f"I was registered at {p.name}{until}. I am not registered there now."
                 if st.first_person else
                 f"Former practice: {p.name} (ODS {p.ods_code}), registered{until}; "
                 "not registered there now")
    return [first, f"Phone: {p.phone}", "Address: " + ", ".join([*p.address_lines, p.postcode])]


def _identity_lines(s: PortableSummary, st: Style) -> list[str]:
    born = dob_text(s.date_of_birth, s.dob_estimated)
    if st.first_person:
        lines = [f"My name is {s.display_name}.", f"I was born {born}."]
        lines.append(f"My NHS number is {nhs_text(s.nhs_number)}." if s.nhs_number
                     else "I do not know my NHS number.")
        return lines
    return [f"Born: {born}", f"NHS number: {nhs_text(s.nhs_number)}", f"Sex: {s.sex}"]


def _entries_lines(s: PortableSummary, section: Section, st: Style) -> list[str]:
    items = s.entries_in(section)
    if not items:
        return ["Nothing recorded at the practice." if not st.first_person
                else "Nothing is written down about this at my surgery."]
    return [entry_text(e) for e in items]


def _draw_summary(page: _Page, summary: PortableSummary, layout: Layout, doc_payload: Payload,
                  reprinted_at: dt.datetime | None) -> None:
    st, c, s = page.st, page.c, summary
    c.setFillColor(NHS_BLUE)
    band = st.title * 2.2
    c.rect(0, PAGE_H - band - MARGIN * 0.6, PAGE_W, band + MARGIN * 0.6, stroke=0, fill=1)
    c.setFillColor(colors.white)
    c.setFont(page.f.bold, st.title)
    c.drawString(MARGIN, PAGE_H - MARGIN * 0.6 - st.title * 1.35, printable(_title(layout)))
    page.y = PAGE_H - band - MARGIN * 0.9
    page.text(s.display_name + (f"  ({s.title})" if s.title and not st.first_person else ""),
              st.title * 0.85, bold=True, gap=0.2)
    # The check line, boxed: the first thing anyone reads after the name.
    lines = simpleSplit(printable(_stamp(s, reprinted_at)), page.f.bold, st.body,
                        page.width - 6 * mm)
    box_h = len(lines) * st.body * 1.3 + 4 * mm
    page.need(box_h + 2 * mm)
    c.setFillColor(WARM)
    c.setStrokeColor(colors.HexColor("#FFB81C"))
    c.rect(MARGIN, page.y - box_h, page.width, box_h, stroke=1, fill=1)
    c.setFillColor(DARK)
    c.setFont(page.f.bold, st.body)
    for i, line in enumerate(lines):
        c.drawString(MARGIN + 3 * mm, page.y - 2 * mm - st.body * (1 + 1.3 * i), line)
    page.y -= box_h + st.body * 0.6

    _place_document_qr(page, doc_payload)
    page.heading(_heading(Section.IDENTITY, st), PICTURES[Section.IDENTITY])
    page.bullets(_identity_lines(s, st))
    if s.has(Section.OTHER_NAMES) and s.other_names:
        page.heading(_heading(Section.OTHER_NAMES, st), PICTURES[Section.OTHER_NAMES])
        page.bullets(list(s.other_names))
    page.heading(_heading(Section.PRACTICE, st), PICTURES[Section.PRACTICE])
    page.bullets(_practice_lines(s, st))
    if s.has(Section.CONTACT) and s.contact_lines:
        page.heading(_heading(Section.CONTACT, st), PICTURES[Section.CONTACT])
        page.bullets(list(s.contact_lines))
    if s.has(Section.COMMUNICATION):
        page.heading(_heading(Section.COMMUNICATION, st), PICTURES[Section.COMMUNICATION])
        lines = s.communication_easy if st.first_person else s.communication_lines
        page.bullets(list(lines) or ["No particular needs recorded."])
    for section in (Section.ALLERGIES, Section.MEDICATIONS, Section.PROBLEMS,
                    Section.VACCINATIONS, Section.SCREENING, Section.RESULTS):
        if s.has(section):
            page.heading(_heading(section, st), PICTURES[section])
            page.bullets(_entries_lines(s, section, st))
    withheld = [SECTION_LABELS[x].lower() for x in ALL_SECTIONS if not s.has(x)]
    if withheld:
        page.text(("I chose not to carry: " if st.first_person else
                   "Not on this record, by the patient's choice: ") + "; ".join(withheld) + ".",
                  st.small, color=GREY)
    if s.consent_recorded_on is not None:
        page.text(f"Consent to carry this record recorded {s.consent_recorded_on:%d %b %Y}.",
                  st.small, color=GREY)



def _qr_caption(payload: Payload, limit: QrLimit) -> str:
    what = {
        PayloadKind.FHIR_DOCUMENT: "an International Patient Summary (FHIR R4 JSON document)",
        PayloadKind.FHIR_ESSENTIALS: "an International Patient Summary (FHIR R4 JSON document) "
                                     "with the essential sections",
        PayloadKind.TEXT_ESSENTIALS: "the essentials as plain text",
    }[payload.kind]
    left = f" Left out of the code: {'; '.join(payload.left_out)}." if payload.left_out else ""
    return (f"This QR code holds {what}: {payload.size:,} bytes (at most {limit.max_bytes:,}). "
            f"Any QR reader shows it without a network.{left}")


def _place_document_qr(page: _Page, payload: Payload) -> None:
    """The summary's QR code at the top right of the first page, its caption under it; the
    text runs beside them."""
    size = DOCUMENT_QR.printed_mm * mm
    small = min(page.st.small, 8.0)
    lines = simpleSplit(printable(_qr_caption(payload, DOCUMENT_QR)), page.f.regular, small, size)
    top = page.y - 1 * mm
    x = MARGIN + page.width - size
    draw_qr(page.c, qr_matrix(payload, DOCUMENT_QR), x, top - size, size)
    page.c.setFont(page.f.regular, small)
    page.c.setFillColor(GREY)
    for i, line in enumerate(lines):
        page.c.drawString(x, top - size - small * (1.3 + 1.2 * i), line)
    page.beside_until = top - size - small * (1.6 + 1.2 * len(lines))
    page.beside_width = size + 5 * mm


# -------------------------------------------------------------------------- the card


def _fit(c: Canvas, lines: Sequence[tuple[str, str, float]], x: float, y: float, w: float,
         h: float) -> None:
    """Draw (font, text, size) lines wrapped in a w × h box from its top; stop with "…" when
    the box is full (the summary sheet has the rest)."""
    cursor = y
    for font, text, size in lines:
        for part in simpleSplit(printable(text), font, size, w):
            if cursor - size * 1.2 < y - h:
                c.setFont(font, size)
                c.drawString(x, cursor - size, "… (more on the summary sheet)")
                return
            c.setFont(font, size)
            c.drawString(x, cursor - size, part)
            cursor -= size * 1.22


def _draw_card(c: Canvas, s: PortableSummary, st: Style, card_payload: Payload,
               reprinted_at: dt.datetime | None) -> None:
    f = fonts()
    w, h = st.panel_w, st.panel_h
    x0 = (PAGE_W - w) / 2
    y = PAGE_H - MARGIN
    for font, size, color, words in (
        (f.bold, 11.0, DARK, "Wallet card: cut along the solid line, then fold along the "
                             "dashed lines like a zig-zag so the blue panel is on the front."),
        (f.regular, 8.5, GREY, "Keep it with you. Show it to any doctor, nurse or hospital. It "
                               "says when it was printed: ask your practice for a new one when "
                               "things change."),
    ):
        c.setFont(font, size)
        c.setFillColor(color)
        for line in simpleSplit(printable(words), font, size, PAGE_W - 2 * MARGIN):
            y -= size * 1.3
            c.drawString(MARGIN, y, line)
    top = y - 6 * mm
    pad = 2.6 * mm
    body, name = st.card_body, st.card_name
    p = s.practice
    practice = f"{'Former ' if not p.registered else ''}GP: {p.name}, {p.phone}"
    printed = f"Printed {s.printed_at:%d %b %Y}" + (
        f" (reprinted {reprinted_at:%d %b %Y})" if reprinted_at else "") + \
        " - check with the practice"

    # Panel 1: the front.
    y1 = top - h
    c.setFillColor(NHS_BLUE)
    c.rect(x0, y1, w, h, stroke=0, fill=1)
    c.setFillColor(colors.white)
    lang = []
    if s.language_name:
        lang = [(f.bold, f"Language: {s.language_name}"
                 + (" - I need an interpreter" if s.interpreter_needed else ""), body)]
    _fit(c, [(f.bold, "MY HEALTH RECORD", body), (f.bold, s.display_name, name),
             (f.regular, f"Born {dob_text(s.date_of_birth, s.dob_estimated)}", body),
             (f.regular, f"NHS no. {nhs_text(s.nhs_number)}", body), *lang,
             (f.regular, practice, body), (f.regular, printed, body * 0.9)],
         x0 + pad, y1 + h - pad, w - 2 * pad, h - 2 * pad)

    # Panel 2: how to help me.
    y2 = y1 - h
    c.setFillColor(DARK)
    help_lines: list[tuple[str, str, float]] = [(f.bold, "How to help me", body * 1.1)]
    comm = s.communication_easy if st.first_person else s.communication_lines
    help_lines += [(f.regular, f"• {line}", body) for line in comm]
    help_lines += [(f.regular, f"• {line}", body) for line in s.contact_lines]
    if len(help_lines) == 1:
        help_lines.append((f.regular, "Ask me, or call my GP practice.", body))
    help_lines.append((f.regular, printed, body * 0.85))
    _fit(c, help_lines, x0 + pad, y2 + h - pad, w - 2 * pad, h - 2 * pad)

    # Panel 3: health, with the QR code.
    y3 = y2 - h
    qr_size = min(CARD_QR.printed_mm * mm, h - 2 * pad)
    draw_qr(c, qr_matrix(card_payload, CARD_QR), x0 + w - qr_size - pad * 0.5, y3 + (h - qr_size) / 2,
            qr_size)
    health: list[tuple[str, str, float]] = []
    for section, label in ((Section.ALLERGIES, "Allergies"), (Section.MEDICATIONS, "Medicines"),
                           (Section.PROBLEMS, "Health problems")):
        if s.has(section):
            items = [e.display for e in s.entries_in(section)] or ["none recorded"]
            health.append((f.bold, label, body))
            health += [(f.regular, f"• {i}", body) for i in items]
    if not health:
        health.append((f.regular, "Health details: ask my GP practice.", body))
    health.append((f.regular, "Scan: my essentials", body * 0.85))
    _fit(c, health, x0 + pad, y3 + h - pad, w - qr_size - 2 * pad, h - 2 * pad)

    # Cut line (solid) and fold lines (dashed).
    c.setStrokeColor(DARK)
    c.setLineWidth(0.6)
    c.setDash()
    c.rect(x0, y3, w, 3 * h, stroke=1, fill=0)
    c.setDash(3, 2)
    c.setStrokeColor(GREY)
    for yy in (y1, y2):
        c.line(x0, yy, x0 + w, yy)
    c.setDash()
    c.setFont(f.regular, 7)
    c.setFillColor(GREY)
    c.drawString(x0 + w + 2 * mm, y1 - 1, "fold")
    c.drawString(x0 + w + 2 * mm, y2 - 1, "fold")
    c.drawString(x0 + w + 2 * mm, y3 + 3 * h - 8, "cut")

    # Under the card: its QR code's size, and what a portable record never holds.
    note = (f"Card QR code: the essentials as plain text, {card_payload.size:,} bytes (at most "
            f"{CARD_QR.max_bytes:,})."
            + (f" Left out: {'; '.join(card_payload.left_out)}." if card_payload.left_out else "")
            + " This record never holds: " + "; ".join(NEVER_INCLUDED) + ".")
    size = 7.0
    lines = simpleSplit(printable(note), f.regular, size, PAGE_W - 2 * MARGIN)
    y = y3 - 5 * mm
    room = int((y - 16 * mm) // (size * 1.25))
    c.setFont(f.regular, size)
    c.setFillColor(GREY)
    for line in lines[:max(0, room)]:
        y -= size * 1.25
        c.drawString(MARGIN, y, line)


def render_pdf(summary: PortableSummary, layout: Layout = Layout.STANDARD, *,
               reprinted_at: dt.datetime | None = None,
               document_payload: Payload | None = None) -> Rendered:
    """The A4 summary (one page, or more in large print) and the wallet-card page, as bytes.

    Deterministic: the same summary gives the same bytes (reportlab's invariant mode, the
    creation date is the print date)."""
    from inclusion_practice.fhir.ips import document_qr_payload

    doc_payload = document_payload or document_qr_payload(summary)
    card_payload = essentials_text(summary, CARD_QR)
    st = STYLES[layout]
    buf = io.BytesIO()
    when = reprinted_at or summary.printed_at
    c = Canvas(buf, pagesize=A4, invariant=1)
    stamp = when.strftime("D:%Y%m%d%H%M%S")
    c.setDateFormatter(lambda *_: stamp)
    c.setTitle(f"Patient-held health record: {summary.display_name}")
    c.setAuthor(summary.practice.name)
    c.setSubject(f"Printed {summary.printed_at:%d %b %Y}")
    c.setCreator("inclusion-practice")
    page = _Page(c, summary, st, _stamp(summary, reprinted_at))
    _draw_summary(page, summary, layout, doc_payload, reprinted_at)
    page.new_page()
    _draw_card(c, summary, st, card_payload, reprinted_at)
    page.footer()
    c.showPage()
    c.save()
    return Rendered(buf.getvalue(), doc_payload, card_payload, page.page)


# ------------------------------------------------------------------------ print and file


@dataclass(frozen=True)
class CardPrinted:
    path: Path
    record: PrintRecord
    rendered: Rendered
    summary: PortableSummary


def print_card(ip: InclusionPractice, actor: Actor | None, patient_id: int, out: Path,
               layout: Layout = Layout.STANDARD) -> CardPrinted:
    """Draw the patient's card and summary under their consent, record the print, write it."""
    summary = ip.portable.summary(actor, patient_id)
    rendered = render_pdf(summary, layout)
    record = ip.portable.record_print(actor, summary, output="card", layout=layout,
                                      qr_kind=rendered.document_payload.kind.value,
                                      qr_bytes=rendered.document_payload.size)
    _write(out, rendered.pdf)
    return CardPrinted(out, record, rendered, summary)


def reprint_card(ip: InclusionPractice, actor: Actor | None, patient_id: int,
                 out: Path) -> CardPrinted:
    """The last card printed under the consent in force, as it was (reception may)."""
    summary, record = ip.portable.reprint(actor, patient_id)
    rendered = render_pdf(summary, record.layout, reprinted_at=record.printed_at)
    _write(out, rendered.pdf)
    return CardPrinted(out, record, rendered, summary)


def write_fhir(ip: InclusionPractice, actor: Actor | None, patient_id: int,
               out: Path) -> tuple[Path, PrintRecord]:
    """The patient's record as the IPS FHIR document (JSON), under their consent."""
    from inclusion_practice.fhir.ips import ips_document, validated

    summary = ip.portable.summary(actor, patient_id)
    document = validated(ips_document(summary))
    data = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    record = ip.portable.record_print(actor, summary, output="fhir")
    _write(out, data.encode("utf-8"))
    return out, record


def _write(out: Path, data: bytes) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
