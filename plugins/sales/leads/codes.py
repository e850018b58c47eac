"""Customer codes ``{REGION}-{INITIALS}{NNN}`` (SAL-06).

Initials: the first letters of the name's first two syllables (Chinese characters, by their
pinyin) or words (other scripts), upper case: 张三 → ZS, 欧阳娜娜 → OY, 张三丰 → ZS,
John Smith → JS. A one-syllable or one-word name gives the first two letters of it: 张 (zhang)
→ ZH, Madonna → MA; a single letter is padded with X (鄂 e → EX), no letter at all gives XX.
The sequence is per (company, region, initials), bumped atomically and never reused.
"""

import re
import unicodedata

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from core.extensions import db
from plugins.sales.models.customers import CustomerCodeSequence

_INSERT = {"postgresql": postgresql_insert, "sqlite": sqlite_insert}
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def _ascii_words(text: str) -> list[str]:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.findall(r"[A-Za-z]+", plain)


def syllables(name: str) -> list[str]:
    """The name's syllables (pinyin of its Chinese characters) or, with none, its words."""
    han = "".join(_HAN.findall(name))
    if han:
        # Imported here: its phrase dictionary takes ~0.3 s to load, a cost for start-up.
        from pypinyin import Style, lazy_pinyin

        return [p for p in lazy_pinyin(han, style=Style.NORMAL) if p.isalpha()]
    return _ascii_words(name)


def initials(name: str) -> str:
    parts = syllables(name)
    if len(parts) >= 2:
        letters = parts[0][0] + parts[1][0]
    elif parts:
        letters = parts[0][:2]
    else:
        letters = ""
    return letters.upper().ljust(2, "X")


def next_code(company_id: int, region: str, name: str) -> str:
    """The next code for ``name`` in ``region``. The counter row is bumped by one ``UPDATE …
    RETURNING`` that locks it until the caller's transaction ends (PostgreSQL; SQLite
    serialises writers), so two registrations never share a number."""
    letters = initials(name)
    insert = _INSERT[db.session.get_bind().dialect.name]
    db.session.execute(
        insert(CustomerCodeSequence)
        .values(company_id=company_id, region=region, initials=letters, last_number=0)
        .on_conflict_do_nothing(index_elements=["company_id", "region", "initials"])
    )
    number = db.session.execute(
        update(CustomerCodeSequence)
        .where(
            CustomerCodeSequence.company_id == company_id,
            CustomerCodeSequence.region == region,
            CustomerCodeSequence.initials == letters,
        )
        .values(last_number=CustomerCodeSequence.last_number + 1)
        .returning(CustomerCodeSequence.last_number),
        execution_options={"synchronize_session": False},
    ).scalar_one()
    return f"{region}-{letters}{number:03d}"
