"""The letter font: AR PL UMing CN (Song style), shipped as a subset and embedded in each PDF.

reportlab's built-in ``STSong-Light`` is a CID font that is not embedded: a reader without
Chinese fonts shows boxes or nothing. A TrueType font registered with reportlab is embedded
as a per-document subset (only the glyphs the letter uses), so every reader draws it.

Registering parses the font file, which costs far more than drawing a letter, so it happens
once per process, on first use (or on :func:`letter_font` called by a worker before it forks).
"""

import threading
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT_NAME = "UMingCN"
FONT_FILE = Path(__file__).with_name("fonts") / "uming-cn-subset.ttf"

_lock = threading.Lock()
_font: TTFont | None = None


def letter_font() -> str:
    """Register the letter font once per process (thread-safe) and return its name."""
    global _font
    if _font is None:
        with _lock:
            if _font is None:
                font = TTFont(FONT_NAME, str(FONT_FILE))
                pdfmetrics.registerFont(font)
                _font = font
    return FONT_NAME


def missing_characters(text: str) -> set[str]:
    """Characters of ``text`` the font has no glyph for (they would print as a box)."""
    letter_font()
    glyphs = _font.face.charToGlyph
    return {c for c in set(text) if not c.isspace() and ord(c) not in glyphs}
