"""The letter service: formal Chinese letters as PDF, their reference numbers, and the letter
kinds plugins declare. Storing letters and producing them in batches belong to the documents
and jobs services."""

from core.letters.fonts import FONT_NAME, letter_font, missing_characters
from core.letters.kinds import LetterKind, letter_kinds
from core.letters.references import next_reference
from core.letters.render import LetterData, LetterTable, page_label, render_letter

__all__ = [
    "FONT_NAME",
    "LetterData",
    "LetterKind",
    "LetterTable",
    "letter_font",
    "letter_kinds",
    "missing_characters",
    "next_reference",
    "page_label",
    "render_letter",
]
