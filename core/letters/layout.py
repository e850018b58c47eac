"""Chinese line breaking with kinsoku (避头尾) for reportlab paragraphs.

reportlab's ``wordWrap="CJK"`` cuts between any two characters. Its only rule lets one
character of a Japanese list hang past the margin, and that list lacks the Chinese comma,
semicolon, colon, question and exclamation marks and the closing book-title mark, so
"，" can start a line (measured with reportlab 5.1). :class:`CJKParagraph` breaks lines
itself: closing punctuation never starts a line and opening brackets never end one (the
character before is pushed down with it, 推出), and runs of Latin letters and digits
(amounts, unit numbers, e-mail addresses) are kept whole where the line allows.
"""

from reportlab.platypus.paragraph import (
    Paragraph,
    ParaLines,
    cjkU,
    makeCJKParaLine,
)
from reportlab.rl_config import _FUZZ

# Never at the start of a line: closing punctuation and brackets, both full and half width.
NO_LINE_START = frozenset("，。、；：！？）」』》〉】〕］｝’”…—～·%‰℃,.;:!?)]}")
# Never at the end of a line: opening brackets and quotes.
NO_LINE_END = frozenset("（「『《〈【〔［｛‘“([{")


def _in_word(char: str) -> bool:
    return char.isascii() and not char.isspace() and char != ""


def can_break(before: str, after: str) -> bool:
    """May a line end between ``before`` and ``after``?"""
    if after in NO_LINE_START or before in NO_LINE_END:
        return False
    return not (_in_word(before) and _in_word(after))


def _units(frags) -> list:
    units = []
    for frag in frags:
        text = frag.text.decode("utf8") if isinstance(frag.text, bytes) else frag.text
        if text:
            units.extend(cjkU(c, frag, "utf8") for c in text)
        else:  # an empty fragment still matters: it may be a <br/> or an anchor
            units.append(cjkU("", frag, "utf8"))
    return units


def kinsoku_split(frags, max_widths, calc_bounds: bool) -> ParaLines:
    """Greedy line breaking over single characters, moving each break back to the nearest
    point :func:`can_break` allows (a line with no such point is cut where it overflows)."""
    units = _units(frags)
    lines = []
    start, count = 0, len(units)
    while start < count:
        max_width = max_widths[min(len(lines), len(max_widths) - 1)]
        end, used, forced = start, 0.0, False
        while end < count:
            unit = units[end]
            if hasattr(unit.frag, "lineBreak"):
                end, forced = end + 1, True
                break
            if used + unit.width > max_width + _FUZZ and end > start:
                break
            used += unit.width
            end += 1
        if end < count and not forced:
            cut = end
            while cut > start and not can_break(units[cut - 1], units[cut]):
                cut -= 1
            if cut > start:
                end = cut
        line = units[start:end]
        while line and not forced and line[-1].isspace():
            line = line[:-1]  # a space where the line breaks is not drawn
        used = sum(u.width for u in line)
        lines.append(makeCJKParaLine(line, max_width, used, max_width - used, forced, calc_bounds))
        start = end
        while start < count and units[start].isspace() and units[start] != "":
            start += 1
    return ParaLines(kind=1, lines=lines)


class CJKParagraph(Paragraph):
    """A paragraph whose Chinese text breaks with :func:`kinsoku_split`.

    Its style must have ``wordWrap="CJK"``; bullets are not supported."""

    def breakLinesCJK(self, maxWidths):  # noqa: N802 (reportlab's name)
        if not isinstance(maxWidths, list | tuple):
            maxWidths = [maxWidths]  # noqa: N806
        self.height = 0
        if hasattr(self, "blPara") and getattr(self, "_splitpara", 0):
            return self.blPara  # the second half of a paragraph split across pages
        style = self.style
        if not self.frags:
            return ParaLines(
                kind=0,
                fontSize=style.fontSize,
                fontName=style.fontName,
                textColor=style.textColor,
                lines=[],
                ascent=style.fontSize,
                descent=-0.2 * style.fontSize,
            )
        auto_leading = getattr(self, "autoLeading", getattr(style, "autoLeading", ""))
        return kinsoku_split(self.frags, maxWidths, auto_leading not in ("", "off"))
