"""The Simplified Chinese catalogue: complete, compiled, placeholder-safe, and used by the app.

Messages are extracted from the source at test time with the repository's babel.cfg, so a new
UI string without a translation fails here (run `make translations`, translate, run it again).
"""

import io
import re
from collections import Counter
from pathlib import Path

import pytest
from babel.messages.catalog import PYTHON_FORMAT
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

from tests.conftest import PASSWORD
from tests.core.admin_client import english, new_client

ROOT = Path(__file__).parents[1]
MESSAGES = ROOT / "core" / "translations" / "zh_Hans_CN" / "LC_MESSAGES"


def extracted() -> dict[tuple[str, str | None], str]:
    """(msgid, context) -> first place it occurs, for every message babel.cfg extracts."""
    with open(ROOT / "babel.cfg", encoding="utf-8") as f:
        method_map, options_map = parse_mapping_cfg(f, "babel.cfg")
    found = {}
    for filename, lineno, message, _comments, context in extract_from_dir(
        str(ROOT), method_map, options_map
    ):
        msgid = message if isinstance(message, str) else message[0]
        if msgid:
            found.setdefault((msgid, context), f"{filename}:{lineno}")
    return found


@pytest.fixture(scope="module")
def po():
    with open(MESSAGES / "messages.po", "rb") as f:
        return read_po(f)


def strings(message) -> tuple[str, ...]:
    return (message.string,) if isinstance(message.string, str) else tuple(message.string)


def msgids(message) -> tuple[str, ...]:
    return (message.id,) if isinstance(message.id, str) else tuple(message.id)


def test_every_ui_string_has_a_chinese_translation(po):
    untranslated = []
    for (msgid, context), where in sorted(extracted().items(), key=lambda item: item[1]):
        message = po.get(msgid, context)
        if message is None or message.fuzzy or not all(strings(message)):
            state = "missing" if message is None else "fuzzy" if message.fuzzy else "empty"
            untranslated.append(f"  {where}: {msgid!r} ({state})")
    assert len(extracted()) > 100, "babel.cfg extracted almost nothing: is the mapping broken?"
    assert not untranslated, (
        "UI strings without a Chinese translation (run `make translations`, then fill their "
        "msgstr in core/translations/zh_Hans_CN/LC_MESSAGES/messages.po):\n"
        + "\n".join(untranslated)
    )


# Jinja markup inside a Python string: babel.cfg reads .py files as Python only.
TEMPLATE_GETTEXT = re.compile(r"\{\{-?\s*(_|gettext|ngettext)\(|\{%-?\s*trans\b")
PYTHON_TREES = ("core", "plugins", "examples/erp-visitor-log/erp_visitor_log")


def test_no_template_hides_its_strings_inside_python_source():
    hidden = [
        f"  {path.relative_to(ROOT)}:{number}: {line.strip()}"
        for tree in PYTHON_TREES
        for path in sorted((ROOT / tree).rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if TEMPLATE_GETTEXT.search(line)
    ]
    assert not hidden, (
        "templates written as Python strings are not extracted, so their strings stay English; "
        "move them to a templates/ folder:\n" + "\n".join(hidden)
    )


def _messages(catalog) -> dict:
    return {(m.id, m.context): m.string for m in catalog if m.id}


def test_compiled_mo_is_up_to_date_with_the_po(po):
    compiled = io.BytesIO()
    write_mo(compiled, po)  # as `pybabel compile` does: fuzzy entries left out
    compiled.seek(0)
    with open(MESSAGES / "messages.mo", "rb") as f:
        committed = read_mo(f)
    stale = _messages(read_mo(compiled)).items() ^ _messages(committed).items()
    assert not stale, (
        "messages.mo differs from messages.po (run `make translations`): "
        + ", ".join(sorted({repr(key[0]) for key, _string in stale}))
    )


def placeholders(text: str) -> Counter:
    """Python %-format placeholders as (name, conversion); '%%' is a literal percent sign."""
    return Counter((name, kind) for name, _spec, kind in PYTHON_FORMAT.findall(text) if kind != "%")


def test_translations_keep_the_placeholders_of_their_msgid(po):
    wrong = []
    for message in po:
        if not message.id:
            continue
        expected = placeholders(msgids(message)[-1])
        for translation in filter(None, strings(message)):
            if placeholders(translation) != expected:
                wrong.append(f"  {msgids(message)[0]!r} -> {translation!r}")
    assert not wrong, "translations whose %(name)s placeholders differ:\n" + "\n".join(wrong)


def test_admin_shows_our_strings_in_chinese_for_a_chinese_user_and_in_english_for_en(ctx, world):
    # Company A's default language is Simplified Chinese; admin-a picks no language of his own.
    client = new_client(ctx)
    client.post("/login", data={"email": "admin-a@example.com", "password": PASSWORD})
    home = client.get("/admin/").text
    roles = client.get("/admin/roles/").text
    assert "欢迎，" in home and "退出登录" in home and "Welcome," not in home
    # Role names are stored in English (N_) and translated on display.
    assert "置业顾问" in roles and "案场经理" in roles and "Sales rep" not in roles

    english(client)
    home = client.get("/admin/").text
    roles = client.get("/admin/roles/").text
    assert "Welcome," in home and "Sign out" in home and "欢迎" not in home
    assert "Sales rep (置业顾问)" in roles and "Sales-site manager (案场经理)" in roles
