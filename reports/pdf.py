"""The return as a PDF a practice manager can sign and attach (reportlab platypus).

Tables repeat their header row when they split across pages; every page carries a running header
(practice, return, period) and "page n of N"; charts (achievement against thresholds, the
quarterly trend, the register by category) are drawn with ``reportlab.graphics`` from the same
presented tables as the text, so a suppressed count is suppressed in the chart too. Output is
deterministic: reportlab runs in invariant mode and the creation date is the only thing that
varies, and ``creation_date`` fixes it.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import reportlab
from reportlab.graphics.shapes import Drawing, Line, Rect, String
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    KeepTogether,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    TableStyle,
)
from reportlab.platypus import Table as RLTable
from reportlab.platypus.flowables import HRFlowable

from reports.figures import ReturnFigures
from reports.suppression import SUPPRESSED, WITHHELD
from reports.tables import PERIOD, RETURN, YEAR_TO_DATE, Cell, Table, all_tables

FONT = "IPVera"
FONT_BOLD = "IPVera-Bold"
FONT_ITALIC = "IPVera-Italic"
PAGE_W, PAGE_H = float(A4[0]), float(A4[1])
MARGIN = float(16 * mm)
CONTENT_W = PAGE_W - 2 * MARGIN

NHS_BLUE = colors.HexColor("#005EB8")
DARK = colors.HexColor("#212B32")
GREY = colors.HexColor("#768692")
LIGHT = colors.HexColor("#E8EDEE")
BELOW = colors.HexColor("#F4D6D6")
BETWEEN = colors.HexColor("#FFF1C2")
ABOVE = colors.HexColor("#D5EBDD")
BAR = colors.HexColor("#005EB8")
SERIES = [colors.HexColor(c) for c in ("#005EB8", "#007F3B", "#ED8B00", "#7C2855", "#330072",
                                        "#00A499", "#DA291C", "#425563", "#AE2573", "#FFB81C")]


def _register_fonts() -> None:
    """Bitstream Vera ships with reportlab and has every glyph we print (≤ £ — …)."""
    if FONT in pdfmetrics.getRegisteredFontNames():
        return
    folder = os.path.join(os.path.dirname(reportlab.__file__), "fonts")
    pdfmetrics.registerFont(TTFont(FONT, os.path.join(folder, "Vera.ttf")))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, os.path.join(folder, "VeraBd.ttf")))
    pdfmetrics.registerFont(TTFont(FONT_ITALIC, os.path.join(folder, "VeraIt.ttf")))
    pdfmetrics.registerFont(TTFont(FONT + "-BoldItalic", os.path.join(folder, "VeraBI.ttf")))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD, italic=FONT_ITALIC,
                                  boldItalic=FONT + "-BoldItalic")


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("base", fontName=FONT, fontSize=9, leading=11.5, textColor=DARK)
    return {
        "base": base,
        "title": ParagraphStyle("title", parent=base, fontName=FONT_BOLD, fontSize=18, leading=22,
                                textColor=NHS_BLUE, spaceAfter=4),
        "subtitle": ParagraphStyle("subtitle", parent=base, fontSize=11, leading=14, spaceAfter=8),
        "h1": ParagraphStyle("h1", parent=base, fontName=FONT_BOLD, fontSize=13, leading=16,
                             textColor=NHS_BLUE, spaceBefore=10, spaceAfter=5),
        "h2": ParagraphStyle("h2", parent=base, fontName=FONT_BOLD, fontSize=10.5, leading=13,
                             spaceBefore=8, spaceAfter=3),
        "note": ParagraphStyle("note", parent=base, fontName=FONT_ITALIC, fontSize=7.5, leading=9.5,
                               textColor=GREY, spaceBefore=2, spaceAfter=4),
        "cell": ParagraphStyle("cell", parent=base, fontSize=7.5, leading=9),
        "cell_bold": ParagraphStyle("cell_bold", parent=base, fontName=FONT_BOLD, fontSize=7.5,
                                    leading=9),
        "head": ParagraphStyle("head", parent=base, fontName=FONT_BOLD, fontSize=7.5, leading=9,
                               textColor=colors.white),
        "head_r": ParagraphStyle("head_r", parent=base, fontName=FONT_BOLD, fontSize=7.5,
                                 leading=9, textColor=colors.white, alignment=TA_RIGHT),
        "num": ParagraphStyle("num", parent=base, fontSize=7.5, leading=9, alignment=TA_RIGHT),
        "num_bold": ParagraphStyle("num_bold", parent=base, fontName=FONT_BOLD, fontSize=7.5,
                                   leading=9, alignment=TA_RIGHT),
        "box": ParagraphStyle("box", parent=base, fontSize=8.5, leading=11),
    }


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_DECIMAL = re.compile(r"^-?\d+\.\d+$")


def show(value: Cell) -> str:
    """How a cell prints: numbers with thousands separators, other strings as they are."""
    if not isinstance(value, str):
        return f"{value:,}"
    if _DECIMAL.match(value):
        whole, _, frac = value.partition(".")
        return f"{int(whole):,}.{frac}"
    return value


def _number(value: Cell) -> float | None:
    """A presented value as a number for a chart (None if suppressed or withheld)."""
    if isinstance(value, int):
        return float(value)
    if value in (SUPPRESSED, WITHHELD, ""):
        return None
    try:
        return float(value)
    except ValueError:
        return None


# --------------------------------------------------------------------------- page furniture


def _numbered_canvas(creation_date: dt.datetime) -> type[Canvas]:
    """A canvas that knows the page count (for "page n of N") and prints a fixed creation date."""

    class NumberedCanvas(Canvas):  # type: ignore[misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []
            when = creation_date.replace(microsecond=0)
            stamp = when.strftime("D:%Y%m%d%H%M%S") + ("+00'00'" if when.tzinfo else "")
            self.setDateFormatter(lambda *_: stamp)

        def showPage(self) -> None:
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self.setFont(FONT, 7.5)
                self.setFillColor(GREY)
                self.drawRightString(PAGE_W - MARGIN, 9 * mm, f"Page {self._pageNumber} of {total}")
                super().showPage()
            super().save()

    return NumberedCanvas


def _page_decorator(f: ReturnFigures) -> Callable[[Canvas, BaseDocTemplate], None]:
    sup = f.suppression
    left = f"{f.practice.name} ({f.practice.ods_code})"
    right = f"{f.title} · {f.period.label}"
    if f.publishable:
        foot = "Publishable: small numbers suppressed" if sup.enabled else "Publishable: EXACT counts"
    else:
        foot = "Exact counts: private return to the commissioner, not for publication"

    def decorate(canvas: Canvas, _doc: BaseDocTemplate) -> None:
        canvas.saveState()
        canvas.setStrokeColor(NHS_BLUE)
        canvas.setLineWidth(0.8)
        canvas.line(MARGIN, PAGE_H - 12 * mm, PAGE_W - MARGIN, PAGE_H - 12 * mm)
        canvas.setFont(FONT_BOLD, 7.5)
        canvas.setFillColor(DARK)
        canvas.drawString(MARGIN, PAGE_H - 10.5 * mm, _fit(left, FONT_BOLD, 7.5, CONTENT_W * 0.48))
        canvas.setFont(FONT, 7.5)
        canvas.drawRightString(PAGE_W - MARGIN, PAGE_H - 10.5 * mm,
                               _fit(right, FONT, 7.5, CONTENT_W * 0.5))
        canvas.setStrokeColor(LIGHT)
        canvas.line(MARGIN, 12 * mm, PAGE_W - MARGIN, 12 * mm)
        canvas.setFillColor(GREY)
        canvas.drawString(MARGIN, 9 * mm, f"{foot} · produced {f.produced_on.isoformat()}")
        canvas.restoreState()

    return decorate


def _fit(text: str, font: str, size: float, width: float) -> str:
    if pdfmetrics.stringWidth(text, font, size) <= width:
        return text
    while text and pdfmetrics.stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…"


# --------------------------------------------------------------------------- tables


def _table_flowable(
    table: Table,
    st: dict[str, ParagraphStyle],
    *,
    label_width: float | None = None,
    label_header: str = "",
    text_widths: dict[str, float] | None = None,
) -> RLTable:
    """A platypus table with a repeated header row and right-aligned numbers.

    ``text_widths`` fixes the width of named columns; the others share what is left."""
    text_widths = text_widths or {}
    ncols = len(table.columns)
    fixed = sum(text_widths.values())
    numeric_cols = [c for c in table.columns if c.key not in text_widths]
    label_w = label_width if label_width is not None else (
        CONTENT_W * (0.62 if ncols == 1 else 0.46 if ncols <= 3 else 0.34)
    )
    rest = CONTENT_W - label_w - fixed
    num_w = rest / max(1, len(numeric_cols))
    widths = [label_w] + [text_widths.get(c.key, num_w) for c in table.columns]
    header = [Paragraph(_esc(label_header), st["head"])] + [
        Paragraph(_esc(c.label), st["head_r" if c.numeric else "head"]) for c in table.columns
    ]
    data: list[list[Any]] = [header]
    for row in table.rows:
        label_style = st["cell_bold" if row.total else "cell"]
        cells: list[Any] = [Paragraph(_esc(row.label), label_style)]
        for col, value in zip(table.columns, row.values, strict=True):
            if col.numeric:
                cells.append(Paragraph(_esc(show(value)), st["num_bold" if row.total else "num"]))
            else:
                cells.append(Paragraph(_esc(show(value)), label_style))
        data.append(cells)
    t = RLTable(data, colWidths=widths, repeatRows=1, splitByRow=1, hAlign="LEFT")
    style: list[tuple[Any, ...]] = [
        ("BACKGROUND", (0, 0), (-1, 0), NHS_BLUE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, LIGHT),
    ]
    for i, row in enumerate(table.rows, start=1):
        if row.total:
            style.append(("LINEABOVE", (0, i), (-1, i), 0.8, DARK))
        elif i % 2 == 0:
            style.append(("BACKGROUND", (0, i), (-1, i), colors.HexColor("#F6F8F8")))
    t.setStyle(TableStyle(style))
    _ = ncols
    return t


def _section(table: Table, st: dict[str, ParagraphStyle], **kwargs: Any) -> list[Flowable]:
    """Heading, table, note. The heading moves to the next page rather than sit alone at the
    bottom of one; the table itself splits between rows with its header repeated."""
    out: list[Flowable] = [CondPageBreak(38 * mm), Paragraph(_esc(table.title), st["h2"])]
    out.append(_table_flowable(table, st, **kwargs))
    if table.note:
        out.append(Paragraph(_esc(table.note), st["note"]))
    return out


def _side_by_side(a: Table, b: Table, st: dict[str, ParagraphStyle], heads: tuple[str, str]) -> RLTable:
    """The quarter and the year to date in one table (same rows, two value columns)."""
    data: list[list[Any]] = [[Paragraph("", st["head"]), Paragraph(heads[0], st["head_r"]),
                              Paragraph(heads[1], st["head_r"])]]
    ytd = {r.key: r for r in b.rows}
    for row in a.rows:
        other = ytd.get(row.key)
        style = st["num_bold" if row.total else "num"]
        data.append([
            Paragraph(_esc(row.label), st["cell_bold" if row.total else "cell"]),
            Paragraph(_esc(show(row.values[0])), style),
            Paragraph(_esc(show(other.values[0]) if other else WITHHELD), style),
        ])
    t = RLTable(data, colWidths=[CONTENT_W * 0.6, CONTENT_W * 0.2, CONTENT_W * 0.2], repeatRows=1)
    t.setStyle(TableStyle([
        ("BACKGROUND", (0, 0), (-1, 0), NHS_BLUE),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, LIGHT),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
    ]))
    return t


# --------------------------------------------------------------------------- charts


def achievement_chart(indicators: Table) -> Drawing | None:
    """One bar per proportion indicator on a 0–100 % track shaded below / between / above the
    thresholds, so "are we there?" is visible at a glance."""
    rows = [r for r in indicators.rows if not r.total]
    cols = [c.key for c in indicators.columns]
    items = []
    for r in rows:
        vals = dict(zip(cols, r.values, strict=True))
        lower, upper = _number(vals["lower"]), _number(vals["upper"])
        achieved = _number(vals["achievement"])
        if lower is None and achieved is None:
            continue  # a register indicator: nothing to plot
        items.append((r.key, achieved, lower, upper, vals["achievement"]))
    if not items:
        return None
    row_h, label_w, top, bottom = 14.0, 62.0, 20.0, 22.0
    width = CONTENT_W
    plot_w = width - label_w - 40
    height = top + bottom + row_h * len(items)
    d = Drawing(width, height)

    def x(v: float) -> float:
        return label_w + plot_w * max(0.0, min(100.0, v)) / 100

    for i, (key, achieved, lower, upper, shown) in enumerate(items):
        y = height - top - (i + 1) * row_h + 3
        h = row_h - 6
        d.add(String(label_w - 6, y + 2, key, fontName=FONT, fontSize=7.5, textAnchor="end",
                     fillColor=DARK))
        if lower is not None and upper is not None:
            d.add(Rect(x(0), y, x(lower) - x(0), h, fillColor=BELOW, strokeColor=None))
            d.add(Rect(x(lower), y, x(upper) - x(lower), h, fillColor=BETWEEN, strokeColor=None))
            d.add(Rect(x(upper), y, x(100) - x(upper), h, fillColor=ABOVE, strokeColor=None))
        else:
            d.add(Rect(x(0), y, x(100) - x(0), h, fillColor=LIGHT, strokeColor=None))
        if achieved is not None:
            d.add(Rect(x(0), y + h * 0.25, x(achieved) - x(0), h * 0.5, fillColor=BAR,
                       strokeColor=None))
        d.add(String(x(100) + 4, y + 2, f"{show(shown)}" + ("" if shown == WITHHELD else " %"),
                     fontName=FONT, fontSize=7.5, fillColor=DARK))
    axis_y = bottom - 4
    d.add(Line(x(0), axis_y, x(100), axis_y, strokeColor=GREY, strokeWidth=0.5))
    for v in (0, 25, 50, 75, 100):
        d.add(Line(x(v), axis_y, x(v), axis_y - 3, strokeColor=GREY, strokeWidth=0.5))
        d.add(String(x(v), axis_y - 11, f"{v}%", fontName=FONT, fontSize=7, textAnchor="middle",
                     fillColor=GREY))
    # Legend, top right.
    lx = label_w
    for colour, text in ((BELOW, "below lower threshold"), (BETWEEN, "between thresholds"),
                         (ABOVE, "at or above upper threshold"), (BAR, "achieved")):
        d.add(Rect(lx, height - 12, 8, 7, fillColor=colour, strokeColor=None))
        d.add(String(lx + 11, height - 11, text, fontName=FONT, fontSize=7, fillColor=DARK))
        lx += 22 + pdfmetrics.stringWidth(text, FONT, 7)
    return d


def register_chart(register: Table) -> Drawing | None:
    """Patients on the register at the period end, one bar per category."""
    rows = [r for r in register.rows if not r.total]
    ci = [c.key for c in register.columns].index("at_end")
    items = [(r.label, r.values[ci]) for r in rows]
    nums = [_number(v) or 0.0 for _, v in items]
    if not items:
        return None
    peak = max(nums) or 1.0
    row_h, label_w = 12.5, 150.0
    height = row_h * len(items) + 8
    d = Drawing(CONTENT_W, height)
    plot_w = CONTENT_W - label_w - 50
    for i, ((label, shown), value) in enumerate(zip(items, nums, strict=True)):
        y = height - (i + 1) * row_h
        d.add(String(label_w - 6, y + 3, _fit(label, FONT, 7.5, label_w - 10), fontName=FONT,
                     fontSize=7.5, textAnchor="end", fillColor=DARK))
        w = plot_w * value / peak
        d.add(Rect(label_w, y + 1, max(w, 0.5), row_h - 4, fillColor=SERIES[i % len(SERIES)],
                   strokeColor=None))
        d.add(String(label_w + w + 4, y + 3, show(shown), fontName=FONT, fontSize=7.5,
                     fillColor=DARK))
    return d


def trend_chart(trend: Table, thresholds: dict[str, tuple[float | None, float | None]]) -> Drawing | None:
    """Small multiples: one panel per indicator, a bar per quarter (year to date), dashed lines
    at the thresholds. Fourteen lines on one chart would be unreadable."""
    if not trend.rows:
        return None
    per_row = 5
    cell_w, cell_h = CONTENT_W / per_row, 78.0
    n = len(trend.rows)
    lines = (n + per_row - 1) // per_row
    d = Drawing(CONTENT_W, cell_h * lines)
    quarters = [c.label for c in trend.columns]
    for i, row in enumerate(trend.rows):
        cx = (i % per_row) * cell_w
        cy = d.height - (i // per_row + 1) * cell_h
        px, py, pw, ph = cx + 8, cy + 14, cell_w - 18, cell_h - 30
        d.add(String(cx + 8, cy + cell_h - 10, row.label, fontName=FONT_BOLD, fontSize=7.5,
                     fillColor=DARK))
        d.add(Rect(px, py, pw, ph, fillColor=colors.HexColor("#F6F8F8"), strokeColor=LIGHT,
                   strokeWidth=0.5))
        lower, upper = thresholds.get(row.key, (None, None))
        for t, colour in ((lower, colors.HexColor("#DA291C")), (upper, colors.HexColor("#007F3B"))):
            if t is not None:
                ty = py + ph * t / 100
                d.add(Line(px, ty, px + pw, ty, strokeColor=colour, strokeWidth=0.6,
                           strokeDashArray=[2, 2]))
        slot = pw / max(1, len(quarters))
        for j, (q, value) in enumerate(zip(quarters, row.values, strict=True)):
            v = _number(value)
            bx = px + j * slot + slot * 0.2
            if v is not None:
                d.add(Rect(bx, py, slot * 0.6, ph * max(0.0, min(100.0, v)) / 100,
                           fillColor=BAR, strokeColor=None))
            d.add(String(bx + slot * 0.3, cy + 5, q[-2:], fontName=FONT, fontSize=6,
                         textAnchor="middle", fillColor=GREY))
    return d


# --------------------------------------------------------------------------- the document


def _title_block(f: ReturnFigures, st: dict[str, ParagraphStyle]) -> list[Flowable]:
    sup = f.suppression
    p = f.practice
    out: list[Flowable] = [
        Paragraph(_esc(f.title), st["title"]),
        Paragraph(
            _esc(f"{p.name} · ODS {p.ods_code} · contract {p.contract_type}")
            + "<br/>"
            + _esc(f"Period {f.period.label}: {f.period.start:%d %B %Y} to {f.period.end:%d %B %Y}"
                   + (f" (with the year to date from {f.year_to_date.period.start:%d %B %Y})"
                      if f.year_to_date else ""))
            + "<br/>"
            + _esc(f"Produced {f.produced_on:%d %B %Y} · indicator set {f.indicator_set.title} "
                   f"version {f.indicator_set.version}"),
            st["subtitle"],
        ),
    ]
    box_lines = [f"<b>{'Publishable version' if f.publishable else 'Private return'}.</b> "
                 + _esc(sup.statement)]
    box_lines += [_esc(n) for n in f.notes]
    box = RLTable([[Paragraph(line, st["box"])] for line in box_lines], colWidths=[CONTENT_W])
    box.setStyle(TableStyle([
        ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor("#EEF5FB")),
        ("LINEBEFORE", (0, 0), (0, -1), 3, NHS_BLUE),
        ("LEFTPADDING", (0, 0), (-1, -1), 8),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]))
    out += [box, Spacer(1, 6)]
    return out


def _blanks(labels: Sequence[str], st: dict[str, ParagraphStyle]) -> RLTable:
    """Label and a ruled line to write on, lines aligned."""
    t = RLTable([[Paragraph(label, st["cell"]), ""] for label in labels],
                colWidths=[CONTENT_W * 0.14, CONTENT_W * 0.46], rowHeights=[20] * len(labels))
    t.setStyle(TableStyle([
        ("LINEBELOW", (1, 0), (1, -1), 0.5, DARK),
        ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
    ]))
    return t


def _sign_off(f: ReturnFigures, st: dict[str, ParagraphStyle]) -> list[Flowable]:
    data = [
        [Paragraph("<b>Prepared by</b>", st["cell"]),
         Paragraph(_esc(f"{f.sign_off.prepared_by} ({f.sign_off.prepared_role}), "
                        f"{f.produced_on:%d %B %Y}"), st["cell"])],
        [Paragraph("<b>Signed for the practice</b>", st["cell"]),
         _blanks(["Name", "Role", "Signature", "Date"], st)],
        [Paragraph("<b>Received by the commissioner</b>", st["cell"]),
         _blanks(["Name", "Date"], st)],
    ]
    t = RLTable(data, colWidths=[CONTENT_W * 0.3, CONTENT_W * 0.7])
    t.setStyle(TableStyle([
        ("BOX", (0, 0), (-1, -1), 0.6, DARK),
        ("INNERGRID", (0, 0), (-1, -1), 0.25, GREY),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 6),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 8),
    ]))
    statement = Paragraph(
        "I confirm that these figures were produced from the practice's clinical system for the "
        "period stated, using the indicator definitions in the methods appendix, and that the "
        "claim is accurate to the best of my knowledge.", st["base"])
    return [KeepTogether([Paragraph("Sign-off", st["h1"]), statement, Spacer(1, 6), t])]


INDICATOR_WIDTHS: dict[str, float] = {
    "numerator": 12 * mm, "denominator": 12 * mm, "exceptions": 11 * mm, "achievement": 17 * mm,
    "lower": 13 * mm, "upper": 13 * mm, "max_points": 12 * mm, "points": 14 * mm,
    "payment": 19 * mm,
}
"""Wide enough for "Achieved %" and a five-figure claim on one line."""


def _h1(text: str, st: dict[str, ParagraphStyle]) -> list[Flowable]:
    return [CondPageBreak(50 * mm), Paragraph(_esc(text), st["h1"])]


def _period_part(
    tables: Sequence[Table], st: dict[str, ParagraphStyle], heading: str
) -> list[Flowable]:
    by = {t.key: t for t in tables}
    out: list[Flowable] = _h1(heading, st)
    out += _section(by["register"], st, label_width=CONTENT_W * 0.40, label_header="Category")
    out += _section(by["indicators"], st, label_width=CONTENT_W * 0.31, label_header="Indicator",
                    text_widths=INDICATOR_WIDTHS)
    if "payment_basis" in by:
        out += _section(by["payment_basis"], st, label_width=CONTENT_W * 0.34, label_header="",
                        text_widths={"value": CONTENT_W * 0.16, "source": CONTENT_W * 0.50})
    if "payment" in by:
        out += _section(by["payment"], st, label_width=CONTENT_W * 0.40, label_header="Indicator")
    out += _h1("Registrations and refusals", st)
    out += _section(by["registrations"], st, label_header="Type")
    out += _section(by["deregistrations"], st, label_header="Reason")
    out += _section(by["refusals"], st, label_width=CONTENT_W * 0.36, label_header="Reason")
    out += _h1("Access", st)
    out += _section(by["appointments"], st)
    out += _section(by["interpreters"], st, label_header="Language, mode")
    out += _section(by["dna_rates"], st, label_header="Patients")
    out += _section(by["dna_actions"], st, label_header="Action",
                    text_widths={"kind": CONTENT_W * 0.16})
    out += _h1("Data quality", st)
    out += _section(by["data_quality"], st, label_width=CONTENT_W * 0.40, label_header="Check",
                    text_widths={"action": CONTENT_W * 0.45})
    return out


def build_story(f: ReturnFigures, tables: Sequence[Table] | None = None) -> list[Flowable]:
    _register_fonts()
    st = _styles()
    tables = list(tables) if tables is not None else all_tables(f)
    current = [t for t in tables if t.scope == PERIOD]
    ytd = [t for t in tables if t.scope == YEAR_TO_DATE]
    general = {t.key: t for t in tables if t.scope == RETURN}
    by = {t.key: t for t in current}
    story: list[Flowable] = _title_block(f, st)

    story.append(Paragraph("Summary", st["h1"]))
    if ytd:
        ytd_by = {t.key: t for t in ytd}
        story.append(_side_by_side(by["summary"], ytd_by["summary"], st,
                                   (f"Quarter {f.period.label}", "Year to date")))
    else:
        story.append(_table_flowable(by["summary"], st))
    story.append(Spacer(1, 4))

    chart = achievement_chart(by["indicators"])
    if chart is not None:
        story.append(KeepTogether([Paragraph("Achievement against thresholds", st["h2"]), chart]))
    reg_chart = register_chart(by["register"])
    if reg_chart is not None:
        story.append(KeepTogether([
            Paragraph("Register at the period end, by category", st["h2"]), reg_chart]))
    if "trend" in general:
        thresholds = {
            r.indicator_id: (r.lower, r.upper) for r in f.current.indicators
        }
        tchart = trend_chart(general["trend"], thresholds)
        if tchart is not None:
            story.append(KeepTogether([
                Paragraph("Quarterly trend: achievement for the year to the end of each quarter",
                          st["h2"]),
                tchart,
                Paragraph("Dashed lines: red the lower threshold, green the upper.", st["note"]),
            ]))
            story += _section(general["trend"], st, label_width=CONTENT_W * 0.2,
                              label_header="Indicator")

    heading = f"Quarter {f.period.label}" if ytd else f"Year {f.period.label}"
    story += _period_part(current, st, heading)
    if ytd:
        assert f.year_to_date is not None
        story += _period_part(ytd, st, f"Year to date: {f.year_to_date.period.start:%d %B %Y} to "
                                       f"{f.year_to_date.period.end:%d %B %Y}")
    story += _sign_off(f, st)

    story.append(PageBreak())
    story.append(Paragraph("Methods appendix", st["h1"]))  # after a page break
    story.append(Paragraph(
        _esc(f"Indicator set {f.indicator_set.title} ({f.indicator_set.id}), version "
             f"{f.indicator_set.version}"
             + (f", published by {f.indicator_set.publisher}" if f.indicator_set.publisher else "")
             + ". Windows are relative to the period end unless stated; -12m+1d..0d is the 12 "
             "months up to and including the last day. Counts are of patients, never of events, "
             "unless stated. Register figures count distinct patients."), st["base"]))
    story += _section(general["methods"], st, label_width=CONTENT_W * 0.24,
                      label_header="Indicator",
                      text_widths={"version": CONTENT_W * 0.08, "codelists": CONTENT_W * 0.18,
                                   "description": CONTENT_W * 0.50})
    story += _section(general["codelists"], st, label_width=CONTENT_W * 0.22,
                      label_header="Code list",
                      text_widths={"codes": CONTENT_W * 0.22, "source": CONTENT_W * 0.34,
                                   "url": CONTENT_W * 0.22})
    story.append(HRFlowable(width="100%", color=LIGHT))
    story.append(Paragraph(
        "Produced by inclusion-practice from the practice's own records. Code lists cite their "
        "sources; SNOMED CT codes are from the UK edition.", st["note"]))
    return story


def render_pdf(
    f: ReturnFigures,
    *,
    creation_date: dt.datetime | None = None,
    tables: Sequence[Table] | None = None,
) -> bytes:
    """The PDF as bytes. Same figures → the same bytes: the creation date is the return's own
    (``f.created_at``) unless ``creation_date`` overrides it."""
    _register_fonts()
    buf = io.BytesIO()
    doc = BaseDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=18 * mm,
        bottomMargin=17 * mm,
        title=f"{f.title} {f.period.label}",
        author=f.practice.name,
        subject=f"{f.practice.ods_code} {f.period.label}",
        creator="inclusion-practice",
        producer="inclusion-practice (ReportLab)",
        invariant=1,
    )
    frame = Frame(MARGIN, 17 * mm, CONTENT_W, PAGE_H - 35 * mm, id="body", leftPadding=0,
                  rightPadding=0, topPadding=0, bottomPadding=0)
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame], onPage=_page_decorator(f))])
    when = creation_date if creation_date is not None else f.created_at
    doc.build(build_story(f, tables), canvasmaker=_numbered_canvas(when))
    return buf.getvalue()


def write_pdf(f: ReturnFigures, path: Path, *, creation_date: dt.datetime | None = None) -> None:
    path.write_bytes(render_pdf(f, creation_date=creation_date))
