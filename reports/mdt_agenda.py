"""The MDT meeting agenda as a PDF: the practice's copy and the copy partners may take away.

Both are built from the service's read models (``ip.mdt.agenda_for_print`` and
``ip.mdt.partner_agenda``), which write the print to the access log; this module only lays them
out. The partner copy holds only what each patient consented to share and never a flag: the
service built it that way, and nothing here adds to it.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    KeepTogether,
    PageTemplate,
    Paragraph,
    Spacer,
    TableStyle,
)
from reportlab.platypus import Table as RLTable

from inclusion_practice.api import InclusionPractice
from inclusion_practice.domain.actor import Actor
from inclusion_practice.domain.mdt import ShareConsent
from inclusion_practice.services.mdt import Agenda, AgendaItem, PartnerAgenda
from reports.pdf import FONT, FONT_BOLD, _register_fonts

PAGE_W, PAGE_H = float(A4[0]), float(A4[1])
MARGIN = float(16 * mm)
CONTENT_W = PAGE_W - 2 * MARGIN
NHS_BLUE = colors.HexColor("#005EB8")
DARK = colors.HexColor("#212B32")
GREY = colors.HexColor("#768692")
LIGHT = colors.HexColor("#E8EDEE")
CONSENT_WORDS = {
    ShareConsent.NONE: "No consent to share: not identified",
    ShareConsent.IDENTITY: "Consent to share identity only",
    ShareConsent.SUMMARY: "Consent to share a summary",
}


def _styles() -> dict[str, ParagraphStyle]:
    _register_fonts()
    base = ParagraphStyle("base", fontName=FONT, fontSize=9.5, leading=12.5, textColor=DARK)
    return {
        "base": base,
        "title": ParagraphStyle("title", parent=base, fontName=FONT_BOLD, fontSize=17, leading=21,
                                textColor=NHS_BLUE),
        "h2": ParagraphStyle("h2", parent=base, fontName=FONT_BOLD, fontSize=11.5, leading=15,
                             spaceBefore=8, spaceAfter=3, textColor=NHS_BLUE),
        "small": ParagraphStyle("small", parent=base, fontSize=8, leading=10, textColor=GREY),
        "cell": ParagraphStyle("cell", parent=base, fontSize=8.5, leading=11),
        "cellb": ParagraphStyle("cellb", parent=base, fontName=FONT_BOLD, fontSize=8.5, leading=11),
    }


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _table(rows: Sequence[Sequence[Any]], widths: Sequence[float]) -> RLTable:
    t = RLTable(list(rows), colWidths=list(widths), repeatRows=1)
    t.setStyle(TableStyle([
        ("BACKGROUND", (0, 0), (-1, 0), LIGHT),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, GREY),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
    ]))
    return t


def _doc(buf: io.BytesIO, header: str, footer: str, printed: dt.datetime) -> BaseDocTemplate:
    def page(canvas: Canvas, doc: BaseDocTemplate) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 7.5)
        canvas.setFillColor(GREY)
        canvas.drawString(MARGIN, PAGE_H - 10 * mm, header)
        canvas.drawString(MARGIN, 9 * mm, f"{footer}  ·  printed {printed:%d %b %Y %H:%M}")
        canvas.drawRightString(PAGE_W - MARGIN, 9 * mm, f"page {doc.page}")
        canvas.restoreState()

    doc = BaseDocTemplate(buf, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN,
                          topMargin=18 * mm, bottomMargin=16 * mm, title=header, author="Inclusion Practice",
                          invariant=1)
    frame = Frame(MARGIN, 16 * mm, CONTENT_W, PAGE_H - 34 * mm, id="body")
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame], onPage=page)])
    return doc


def _item_block(item: AgendaItem, st: dict[str, ParagraphStyle]) -> Flowable:
    parts: list[Flowable] = [Paragraph(
        f"{item.position}. {_esc(item.patient_name)} "
        f"<font size=8 color='#768692'>born {item.date_of_birth:%d %b %Y} · patient {item.patient_id} · "
        f"{'added by hand' if item.source == 'hand' else 'candidate'} · {_esc(CONSENT_WORDS[item.consent])}</font>",
        st["h2"])]
    rows: list[list[Any]] = []
    why = list(item.why) + ([f"Added because: {item.reason}"] if item.reason else [])
    rows.append([Paragraph("Why", st["cellb"]), Paragraph(_esc("; ".join(why)) or "-", st["cell"])])
    if item.flags:
        rows.append([Paragraph("Flags", st["cellb"]), Paragraph(_esc(", ".join(item.flags)), st["cell"])])
    rows.append([Paragraph("Lead", st["cellb"]), Paragraph(_esc(item.lead_professional or "to agree"), st["cell"])])
    rows.append([Paragraph("Discussion", st["cellb"]),
                 Paragraph(_esc(item.summary or "").replace("\n", "<br/>") or "&nbsp;", st["cell"])])
    t = RLTable(rows, colWidths=[24 * mm, CONTENT_W - 24 * mm])
    t.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LINEBELOW", (0, 0), (-1, -1), 0.25, LIGHT)]))
    parts.append(t)
    if item.actions:
        acts = [[Paragraph(h, st["cellb"]) for h in ("Action", "Owner", "Due", "Status / outcome")]]
        for a in item.actions:
            acts.append([Paragraph(_esc(a.description), st["cell"]), Paragraph(_esc(a.owner_label), st["cell"]),
                         Paragraph(f"{a.due_on:%d %b %Y}", st["cell"]),
                         Paragraph(_esc(a.status.value + (f": {a.outcome}" if a.outcome else "")), st["cell"])])
        parts += [Spacer(1, 3), _table(acts, [70 * mm, 45 * mm, 22 * mm, CONTENT_W - 137 * mm])]
    return KeepTogether(parts)


def practice_agenda_pdf(agenda: Agenda, printed: dt.datetime) -> bytes:
    """The practice's own agenda (the reader's role decided which flags it shows)."""
    st = _styles()
    buf = io.BytesIO()
    m = agenda.meeting
    header = f"{agenda.practice_name} · MDT meeting {m.meeting_date:%d %b %Y} · CONFIDENTIAL: practice copy"
    doc = _doc(buf, header, "Practice copy: do not give to partners (print the partner copy)", printed)
    story: list[Flowable] = [Paragraph(_esc(m.title), st["title"]),
                             Paragraph(f"{m.meeting_date:%A %d %B %Y} · {m.status.value} · "
                                       f"{len(agenda.items)} patients", st["small"]), Spacer(1, 6)]
    orgs = [a.label + (f" ({a.person})" if a.person else "") for a in agenda.partner_attendees]
    staff = [a.label for a in agenda.attendees if a not in agenda.partner_attendees]
    story.append(Paragraph("Attending", st["h2"]))
    story.append(_table([[Paragraph("Partner organisations", st["cellb"]), Paragraph("Practice", st["cellb"])],
                         [Paragraph(_esc(", ".join(orgs) or "none listed"), st["cell"]),
                          Paragraph(_esc(", ".join(staff) or "none listed"), st["cell"])]],
                        [CONTENT_W / 2, CONTENT_W / 2]))
    story.append(Paragraph("Agenda", st["h2"]))
    if not agenda.items:
        story.append(Paragraph("No patients on the agenda.", st["base"]))
    for item in agenda.items:
        story.append(_item_block(item, st))
    doc.build(story)
    return buf.getvalue()


def partner_agenda_pdf(agenda: PartnerAgenda, printed: dt.datetime) -> bytes:
    """The copy that may leave the practice: consented details only, never a flag."""
    st = _styles()
    buf = io.BytesIO()
    m = agenda.meeting
    header = f"{agenda.practice_name} · MDT meeting {m.meeting_date:%d %b %Y} · partner copy"
    doc = _doc(buf, header, "Shared with the patients' consent; keep securely and destroy after the meeting",
               printed)
    story: list[Flowable] = [
        Paragraph(_esc(m.title) + " — partner copy", st["title"]),
        Paragraph(f"{m.meeting_date:%A %d %B %Y} · hosted by {_esc(agenda.practice_name)}", st["small"]),
        Spacer(1, 6),
        Paragraph("Organisations attending", st["h2"]),
        Paragraph(_esc(", ".join(agenda.organisations) or "none listed"), st["base"]),
        Paragraph("Practice staff: " + _esc(", ".join(agenda.practice_attendees) or "none listed"), st["small"]),
        Paragraph("Patients to discuss", st["h2"]),
    ]
    rows: list[list[Any]] = [[Paragraph(h, st["cellb"]) for h in ("#", "Patient", "Born", "Why discussed",
                                                                   "Agreed actions")]]
    for i in agenda.items:
        rows.append([
            Paragraph(str(i.position), st["cell"]),
            Paragraph(_esc(i.name) if i.name else "<i>a patient (no consent to share)</i>", st["cell"]),
            Paragraph(f"{i.date_of_birth:%d %b %Y}" if i.date_of_birth else "-", st["cell"]),
            Paragraph(_esc("; ".join(i.why)) or "-", st["cell"]),
            Paragraph("<br/>".join(_esc(a) for a in i.actions) or "-", st["cell"]),
        ])
    story.append(_table(rows, [8 * mm, 38 * mm, 22 * mm, 55 * mm, CONTENT_W - 123 * mm]))
    story.append(Spacer(1, 8))
    story.append(Paragraph("Only what each patient agreed to share is shown. Ask the practice for "
                           "anything else; it will check consent first.", st["small"]))
    doc.build(story)
    return buf.getvalue()


def write_agenda(
    ip: InclusionPractice, actor: Actor, meeting_id: int, out: Path, *, audience: str = "practice"
) -> Path:
    """Print a meeting's agenda for ``audience`` (practice | partner) to ``out``; the service logs it."""
    now = ip.clock.now()
    if audience == "partner":
        data = partner_agenda_pdf(ip.mdt.partner_agenda(actor, meeting_id), now)
    elif audience == "practice":
        data = practice_agenda_pdf(ip.mdt.agenda_for_print(actor, meeting_id), now)
    else:
        from inclusion_practice.errors import InvalidInput

        raise InvalidInput("audience", f"{audience!r} is not practice or partner")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    return out
