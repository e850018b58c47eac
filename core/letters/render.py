"""Formal letters (公函) in the company's name as PDF: letterhead, reference number, title,
addressee, body paragraphs and tables, signature with the seal's place, page numbers.

The seal itself is stamped on the printed copy (CS-17): the PDF only shows where it goes.
"""

import datetime
import io
import logging
import math
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    HRFlowable,
    KeepTogether,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from core.letters.fonts import FONT_NAME, letter_font, missing_characters
from core.letters.layout import CJKParagraph

log = logging.getLogger("erp.letters")

SEAL_RED = colors.HexColor("#C8102E")
MARGINS = {"leftMargin": 28 * mm, "rightMargin": 26 * mm, "topMargin": 22 * mm}
BOTTOM_MARGIN = 25 * mm


@dataclass
class LetterTable:
    """A table in the body: rows of cell texts, the first ``header_rows`` set as headings."""

    rows: list[list[str]]
    header_rows: int = 1
    col_widths: list[float] | None = None  # fractions of the text width; equal by default


@dataclass
class LetterData:
    company_name: str
    title: str  # e.g. 催款通知函
    addressee: str  # e.g. 张伟 先生
    address: str
    body: list[str | LetterTable]  # paragraphs (plain text) and tables, in order
    date: datetime.date
    reference: str = ""
    header_lines: list[str] = field(default_factory=list)  # address, phone under the name
    salutation: str = ""  # defaults to the addressee
    signer: str = ""  # defaults to the company name, e.g. a department of it
    contact_lines: list[str] = field(default_factory=list)  # above the signature

    def texts(self) -> list[str]:
        cells = [c for b in self.body if isinstance(b, LetterTable) for r in b.rows for c in r]
        plain = [b for b in self.body if isinstance(b, str)]
        fixed = [self.company_name, self.title, self.addressee, self.address, self.reference]
        extra = [self.salutation, self.signer]
        return fixed + extra + self.header_lines + self.contact_lines + plain + cells


def _style(name, size, leading=None, **kw) -> ParagraphStyle:
    leading = leading or size * 1.5
    return ParagraphStyle(
        name, fontName=FONT_NAME, fontSize=size, leading=leading, wordWrap="CJK", **kw
    )


STYLES = {
    "company": _style("company", 22, 30, alignment=TA_CENTER, textColor=SEAL_RED),
    "header": _style("header", 9, 13, alignment=TA_CENTER, textColor=colors.HexColor("#444444")),
    "reference": _style("reference", 10.5, alignment=TA_RIGHT, spaceBefore=4),
    "address": _style("address", 10.5, 16, alignment=TA_LEFT),
    "title": _style("title", 18, 26, alignment=TA_CENTER, spaceBefore=10, spaceAfter=14),
    "salutation": _style("salutation", 12, 22, spaceAfter=2),
    "body": _style("body", 12, 22, firstLineIndent=24, spaceAfter=2),
    "cell": _style("cell", 10.5, 15),
    "head_cell": _style("head_cell", 10.5, 15, alignment=TA_CENTER),
}


def _para(text: str, style: str) -> CJKParagraph:
    return CJKParagraph(escape(text).replace("\n", "<br/>"), STYLES[style])


def chinese_date(day: datetime.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


class _NumberedCanvas(Canvas):
    """Holds every page until the end, so each can say how many pages there are."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._held_pages = []

    def showPage(self):  # noqa: N802 (reportlab's name)
        self._held_pages.append(dict(self.__dict__))
        self._startPage()

    def save(self):
        total = len(self._held_pages)
        for number, page in enumerate(self._held_pages, 1):
            self.__dict__.update(page)
            self.setFont(FONT_NAME, 9)
            self.setFillColor(colors.black)
            self.drawCentredString(self._pagesize[0] / 2, 14 * mm, page_label(number, total))
            super().showPage()
        super().save()


def page_label(number: int, total: int) -> str:
    return f"第 {number} 页 / 共 {total} 页"


class SignatureBlock(Flowable):
    """Signer and date at the right, under a red circle marking where the seal goes."""

    RADIUS = 20 * mm  # company seals are 40 mm across

    def __init__(self, signer: str, date: datetime.date, company_name: str):
        super().__init__()
        self.signer, self.date, self.company_name = signer, date, company_name
        self.height = 2 * self.RADIUS + 2 * mm

    def wrap(self, avail_width, avail_height):
        self.width = avail_width
        return avail_width, self.height

    def draw(self):
        canvas, r = self.canv, self.RADIUS
        text_x = self.width - 6 * mm
        canvas.setFont(FONT_NAME, 12)
        canvas.drawRightString(text_x, r - 2 * mm, self.signer)
        canvas.drawRightString(text_x, r - 10 * mm, chinese_date(self.date))
        # Centred on the signer's name and over the date, as the seal is stamped (骑年盖月).
        centre_x = text_x - max(canvas.stringWidth(self.signer, FONT_NAME, 12) / 2, r)
        self._seal_placeholder(centre_x, r)

    def _seal_placeholder(self, x, y):
        canvas, r = self.canv, self.RADIUS
        canvas.saveState()
        canvas.setStrokeColor(SEAL_RED)
        canvas.setFillColor(SEAL_RED)
        canvas.setLineWidth(1.2)
        canvas.circle(x, y, r, stroke=1, fill=0)
        # The company name along the upper arc (at most 150°, clear of the signer's line),
        # reading left to right as on a seal.
        name, arc = self.company_name or " ", math.radians(150)
        size = min(11, arc * r / (len(name) * 1.15 + arc))
        span = len(name) * size * 1.15 / (r - size)
        canvas.setFont(FONT_NAME, size)
        for i, char in enumerate(name):
            angle = math.pi / 2 + span / 2 - span * (i + 0.5) / len(name)
            canvas.saveState()
            distance = r - size - 2
            canvas.translate(x + distance * math.cos(angle), y + distance * math.sin(angle))
            canvas.rotate(math.degrees(angle) - 90)
            canvas.drawCentredString(0, 0, char)
            canvas.restoreState()
        canvas.setFont(FONT_NAME, 9)
        canvas.drawCentredString(x, y + 0.22 * r, "（盖章处）")
        canvas.setFont(FONT_NAME, 6)
        canvas.drawCentredString(x, y - 0.72 * r, "SEAL PLACEHOLDER")
        canvas.restoreState()


def _table(table: LetterTable, width: float) -> Table:
    columns = max(len(r) for r in table.rows)
    fractions = table.col_widths or [1 / columns] * columns
    cells = [
        [_para(c, "head_cell" if i < table.header_rows else "cell") for c in row]
        for i, row in enumerate(table.rows)
    ]
    result = Table(cells, colWidths=[f * width for f in fractions], repeatRows=table.header_rows)
    style = [
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("FONTNAME", (0, 0), (-1, -1), FONT_NAME),  # the table's own default is Helvetica
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
    ]
    if table.header_rows:
        style.append(
            ("BACKGROUND", (0, 0), (-1, table.header_rows - 1), colors.HexColor("#EEEEEE"))
        )
    result.setStyle(TableStyle(style))
    return result


def _story(letter: LetterData, width: float) -> list:
    story = [_para(letter.company_name, "company")]
    story += [_para(line, "header") for line in letter.header_lines]
    story += [
        HRFlowable(width="100%", thickness=2, color=SEAL_RED, spaceBefore=4, spaceAfter=1.5),
        HRFlowable(width="100%", thickness=0.6, color=SEAL_RED, spaceAfter=4),
    ]
    if letter.reference:
        story.append(_para(f"编号：{letter.reference}", "reference"))
    story += [
        _para(f"收件人：{letter.addressee}", "address"),
        _para(f"地址：{letter.address}", "address"),
        _para(letter.title, "title"),
        _para(f"{letter.salutation or letter.addressee}：", "salutation"),
    ]
    for block in letter.body:
        if isinstance(block, LetterTable):
            story += [Spacer(0, 4), _table(block, width), Spacer(0, 6)]
        else:
            story.append(_para(block, "body"))
    closing = [Spacer(0, 6)] + [_para(line, "body") for line in letter.contact_lines]
    closing.append(
        SignatureBlock(letter.signer or letter.company_name, letter.date, letter.company_name)
    )
    last = story.pop() if letter.body and isinstance(letter.body[-1], str) else None
    return story + _keep_with_signature(last, closing, width)


def _keep_with_signature(last: CJKParagraph | None, closing: list, width: float) -> list:
    """The signature never stands alone on a page: the last paragraph, or its last two lines,
    go with it."""
    if last is None:
        return [KeepTogether(closing)]
    last.wrap(width, 1e6)
    lines = len(last.blPara.lines)
    if lines <= 2:
        return [KeepTogether([last, *closing])]
    head, tail = last.split(width, (lines - 2) * last.style.leading + 0.1)
    return [head, KeepTogether([tail, *closing])]


def render_letter(letter: LetterData) -> bytes:
    """The letter as a PDF with the font embedded (a subset: only the glyphs used)."""
    letter_font()
    missing = missing_characters("".join(letter.texts()))
    if missing:
        log.warning("letter %s: the font has no glyph for %s", letter.reference, sorted(missing))
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        bottomMargin=BOTTOM_MARGIN,
        title=letter.title,
        author=letter.company_name,
        subject=letter.reference,
        creator="erp-realestate",
        initialFontName=FONT_NAME,  # else every page names Helvetica, a font not embedded
        **MARGINS,
    )
    doc.build(_story(letter, doc.width), canvasmaker=_NumberedCanvas)
    return out.getvalue()
