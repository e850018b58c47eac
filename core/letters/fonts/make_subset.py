"""Build ``uming-cn-subset.ttf`` from Debian's AR PL UMing (build-time tool, not imported).

Needs fontTools (``pip install fonttools``, not a runtime dependency) and two Debian
packages unpacked anywhere (``apt-get download fonts-arphic-uming unicode-data`` then
``dpkg-deb -x FILE.deb DIR``)::

    python make_subset.py DIR/usr/share/fonts/truetype/arphic/uming.ttc \
        DIR/usr/share/unicode/Unihan_OtherMappings.txt.bz2 uming-cn-subset.ttf

Kept: the CN face's glyphs for GB 2312, the Table of General Standard Chinese Characters
(通用规范汉字表, Unihan kTGH: it adds the name characters GB 2312 lacks, e.g. 喆 堃 赟),
Latin, and the punctuation and symbol blocks. Dropped: embedded bitmaps, hinting, layout
and vertical tables (reportlab uses none of them).
"""

import bz2
import sys
from datetime import date

from fontTools import subset
from fontTools.ttLib import TTCollection

BLOCKS = [
    (0x0020, 0x007E),  # ASCII
    (0x00A0, 0x024F),  # Latin-1, Latin Extended-A/B
    (0x2000, 0x206F),  # General Punctuation
    (0x2100, 0x218F),  # Letterlike symbols, number forms (№ ℃ Ⅻ)
    (0x2190, 0x21FF),  # Arrows
    (0x2460, 0x24FF),  # Enclosed alphanumerics (① ⑴)
    (0x2500, 0x25FF),  # Box drawing, geometric shapes (□ ○ ■)
    (0x3000, 0x303F),  # CJK symbols and punctuation
    (0x3200, 0x32FF),  # Enclosed CJK (㈠)
    (0xFE30, 0xFE4F),  # CJK compatibility forms
    (0xFF00, 0xFFEF),  # Fullwidth forms
]


def gb2312() -> set[int]:
    chars = set()
    for hi in range(0xA1, 0xF8):
        for lo in range(0xA1, 0xFF):
            try:
                chars.add(ord(bytes([hi, lo]).decode("gb2312")))
            except UnicodeDecodeError:
                continue
    return chars


def general_standard(unihan_other_mappings: str) -> set[int]:
    with bz2.open(unihan_other_mappings, "rt", encoding="utf-8") as lines:
        return {int(line.split("\t")[0][2:], 16) for line in lines if "\tkTGH\t" in line}


def main(ttc: str, unihan: str, out: str) -> None:
    font = TTCollection(ttc).fonts[0]  # face 0 is "AR PL UMing CN" (mainland glyph forms)
    wanted = gb2312() | general_standard(unihan)
    for first, last in BLOCKS:
        wanted |= set(range(first, last + 1))
    wanted &= set(font.getBestCmap())

    options = subset.Options()
    options.drop_tables += ["EBDT", "EBLC", "BDF ", "FFTM", "VORG", "vhea", "vmtx"]
    options.drop_tables += ["GSUB", "GPOS", "GDEF"]
    options.hinting = False
    options.name_IDs = ["*"]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=wanted)
    subsetter.subset(font)

    # Arphic Public Licence §2a: the modified file states how and when it was changed.
    notice = (
        f"Modified {date.today().isoformat()}: subset of AR PL UMing CN to {len(wanted)} "
        "characters (GB 2312, Table of General Standard Chinese Characters, Latin, "
        "punctuation) with fontTools; bitmaps, hinting and layout tables removed. "
        "Licensed under the Arphic Public License (ARPHICPL.TXT)."
    )
    font["name"].setName(notice, 10, 3, 1, 0x409)  # Description
    font["name"].setName(notice, 10, 1, 0, 0)
    font.save(out)
    print(f"{out}: {len(wanted)} characters")


if __name__ == "__main__":
    main(*sys.argv[1:4])
