"""The letter service: embedded Chinese font, kinsoku, page numbers, reference numbers, kinds."""

import datetime
import io
import logging
import os
import re
import shutil
import subprocess
import threading
import time
import types

import pytest
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

from core.extensions import db
from core.hookspecs import hookimpl
from core.letters import (
    LetterData,
    LetterKind,
    LetterTable,
    fonts,
    letter_font,
    letter_kinds,
    next_reference,
    page_label,
    render_letter,
)
from core.letters.layout import NO_LINE_END, NO_LINE_START, CJKParagraph
from core.models import Company
from core.plugins import state
from core.plugins.manifest import Manifest
from tests.conftest import service_missing

CLOSING = "特此函告。"


def _letter(**changes) -> LetterData:
    fields = {
        "company_name": "洛阳牡丹置业有限公司",
        "title": "催款通知函",
        "addressee": "张伟 先生",
        "address": "河南省洛阳市洛龙区开元大道218号牡丹园3号楼2单元1201室",
        "body": [
            "您购买的牡丹园3号楼2单元1201室房款应于2026年10月31日前付清，至今尚欠123,456.00元。",
            LetterTable([["款项", "欠款（元）"], ["第二期房款", "123,456.00"]]),
            CLOSING,
        ],
        "date": datetime.date(2026, 11, 24),
        "reference": "LY-2026-000123",
    }
    return LetterData(**(fields | changes))


def _poppler(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        service_missing(tool, "install poppler-utils")
    return path


def _pdftotext_pages(pdf: bytes) -> list[str]:
    out = subprocess.run(
        [_poppler("pdftotext"), "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    return out.split("\f")[:-1]


@pytest.fixture(scope="module")
def no_font_env(tmp_path_factory):
    """An environment where fontconfig knows no font: poppler cannot substitute one."""
    root = tmp_path_factory.mktemp("nofonts")
    (root / "empty").mkdir()
    (root / "fonts.conf").write_text(
        '<?xml version="1.0"?><fontconfig>'
        f"<dir>{root / 'empty'}</dir><cachedir>{root / 'cache'}</cachedir></fontconfig>"
    )
    return dict(os.environ, FONTCONFIG_FILE=str(root / "fonts.conf"))


def _gray_pixels(pdf: bytes, env: dict) -> bytes:
    """Page 1 as 8-bit gray pixels (PGM body), rendered at 36 dpi."""
    out = subprocess.run(
        [_poppler("pdftoppm"), "-r", "36", "-f", "1", "-l", "1", "-gray", "-"],
        input=pdf,
        capture_output=True,
        env=env,
        check=True,
    ).stdout
    return out[out.index(b"255\n") + 4 :]  # after the header "P5 w h 255"


def _glyphs_drawn(pdf_a: bytes, pdf_b: bytes, env: dict) -> bool:
    """Two PDFs differing in one Chinese character rasterise differently only when real
    glyphs are drawn: boxes (.notdef) are alike, and missing text leaves both blank."""
    a, b = _gray_pixels(pdf_a, env), _gray_pixels(pdf_b, env)
    return sum(x != y for x, y in zip(a, b, strict=True)) > 10


def _bare_pdf(font: str, text: str) -> bytes:
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=(200, 60))
    canvas.setFont(font, 24)
    canvas.drawString(10, 20, text)
    canvas.showPage()
    canvas.save()
    return out.getvalue()


# --- Font -----------------------------------------------------------------------------------


def test_letter_embeds_a_subset_of_the_shipped_font_and_no_other():
    pdf = render_letter(_letter())
    assert b"/FontFile2" in pdf  # an embedded TrueType font program
    assert b"STSong-Light" not in pdf
    base_fonts = re.findall(rb"/BaseFont /(\S+)", pdf)
    assert base_fonts and all(re.fullmatch(rb"[A-Z]{6}\+UMingCN", f) for f in base_fonts)


def test_chinese_glyphs_are_drawn_on_a_reader_without_chinese_fonts(no_font_env):
    assert _glyphs_drawn(
        render_letter(_letter(title="催款通知函")),
        render_letter(_letter(title="催款通知书")),
        no_font_env,
    )


def test_glyph_check_fails_for_a_font_that_is_not_embedded(no_font_env):
    # Proves the check above can fail: STSong-Light is what reportlab offers out of the box.
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    assert not _glyphs_drawn(
        _bare_pdf("STSong-Light", "通知函"), _bare_pdf("STSong-Light", "通知书"), no_font_env
    )
    assert _glyphs_drawn(
        _bare_pdf(letter_font(), "通知函"), _bare_pdf(letter_font(), "通知书"), no_font_env
    )


@pytest.fixture
def count_registrations(monkeypatch):
    """Forget the registered font and count registrations from here on."""
    calls = []
    original = pdfmetrics.registerFont

    def counting(font):
        calls.append(font.fontName)
        time.sleep(0.02)  # widen the window two unsynchronised threads would race in
        return original(font)

    monkeypatch.setattr(fonts, "_font", None)
    monkeypatch.setattr(pdfmetrics, "registerFont", counting)
    return calls


def test_font_is_registered_once_not_per_letter(count_registrations):
    render_letter(_letter())
    render_letter(_letter())
    assert count_registrations == [fonts.FONT_NAME]


def test_font_registration_is_thread_safe(count_registrations):
    barrier = threading.Barrier(8)

    def first_use():
        barrier.wait()
        letter_font()

    threads = [threading.Thread(target=first_use) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert count_registrations == [fonts.FONT_NAME]


def test_a_character_the_font_lacks_is_logged(caplog):
    with caplog.at_level(logging.WARNING, logger="erp.letters"):
        render_letter(_letter(addressee="𠀾 先生"))  # CJK Extension B, not in the subset
    assert "𠀾" in caplog.text


# --- Layout ---------------------------------------------------------------------------------


def _lines(text: str, chars_per_line: int) -> list[str]:
    style = ParagraphStyle("t", fontName=letter_font(), fontSize=10, leading=15, wordWrap="CJK")
    paragraph = CJKParagraph(text, style)
    paragraph.wrap(chars_per_line * 10 + 0.5, 10_000)  # full-width characters are 10 pt wide
    return ["".join(w.text for w in line.words) for line in paragraph.blPara.lines]


@pytest.mark.parametrize(
    "text",
    [
        "一二三四五六七八九十，甲乙丙丁戊己庚辛壬癸。",  # '，' is the 11th: natural break before it
        "一二三四五六七八九十。」甲乙丙丁戊己庚辛壬",  # two closing marks in a row
        "一二三四五六七八九十）；甲乙丙丁戊己庚辛壬",
        "一二三四五六七八九《合同》甲乙丙丁戊己庚辛",  # '《' would end line 1
    ],
    ids=["comma", "two-closing-marks", "bracket-semicolon", "opening-book-mark"],
)
def test_closing_punctuation_never_starts_a_line_nor_an_opening_one_ends_it(text):
    lines = _lines(text, 10)
    assert "".join(lines) == text
    assert len(lines) > 1
    assert all(len(line) <= 10 for line in lines)
    assert not [line for line in lines[1:] if line[0] in NO_LINE_START]
    assert not [line for line in lines if line[-1] in NO_LINE_END]


def test_amounts_and_unit_numbers_are_not_cut():
    lines = _lines("请于十日内支付欠款1,234,567.00元。", 12)
    assert any("1,234,567.00" in line for line in lines)


# --- Pages ----------------------------------------------------------------------------------


def test_every_page_says_its_number_and_the_page_count():
    long_text = "".join(f"第{i}条，本段为测试分页的正文内容。" for i in range(60))
    pages = _pdftotext_pages(render_letter(_letter(body=[long_text, CLOSING])))
    assert len(pages) == 2
    for number, text in enumerate(pages, 1):
        assert page_label(number, 2) in text
    # The paragraph split across the pages loses nothing.
    flat = re.sub(r"\s+", "", "".join(p.replace(page_label(1, 2), "") for p in pages))
    assert long_text in flat


FILLER = "".join(f"第{i}条，本段为测试分页的正文内容。" for i in range(40))


@pytest.mark.parametrize(
    ("body", "tail"),
    [
        ([FILLER, CLOSING], CLOSING),
        ([FILLER + "请于十日内付清。"], "第39条，本段为测试分页的正文内容。"),
    ],
    ids=["short-last-paragraph", "long-last-paragraph"],
)
def test_signature_does_not_stand_alone_on_a_page(body, tail):
    # The end of the text would fit on page 1 and the signature would not: the signature
    # takes the last paragraph (or its last two lines) to page 2 with it.
    pages = _pdftotext_pages(render_letter(_letter(body=body)))
    assert len(pages) == 2
    last = re.sub(r"\s+", "", pages[-1])
    assert "2026年11月24日" in last
    assert tail in last


# --- Reference numbers ----------------------------------------------------------------------


def test_references_are_sequential_per_company_and_year(world):
    assert next_reference(world.a, 2026) == "LY-2026-000001"
    assert next_reference(world.a, 2026) == "LY-2026-000002"
    assert next_reference(world.b, 2026) == "ZZ-2026-000001"
    assert next_reference(world.a, 2027) == "LY-2027-000001"
    assert next_reference(world.a, 2026, "LYCS") == "LYCS-2026-000003"
    db.session.commit()


def test_a_rolled_back_letter_gives_its_number_back(world):
    assert next_reference(world.a, 2026) == "LY-2026-000001"
    db.session.rollback()
    assert next_reference(world.a, 2026) == "LY-2026-000001"


def test_concurrent_letters_get_distinct_contiguous_numbers(ctx, world):
    company_id, count = world.a.id, 12
    db.session.commit()
    barrier, got, errors = threading.Barrier(count), [], []

    def write_letter():
        try:
            with ctx.app_context():
                company = db.session.get(Company, company_id)
                barrier.wait()
                reference = next_reference(company, 2026)
                time.sleep(0.02)  # hold the transaction open while the others wait
                db.session.commit()
                got.append(reference)
        except Exception as exc:  # reported below, a thread's exception is otherwise lost
            errors.append(exc)

    threads = [threading.Thread(target=write_letter) for _ in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(got) == [f"LY-2026-{n:06d}" for n in range(1, count + 1)]


# --- Letter kinds ---------------------------------------------------------------------------


def _kind_plugin(name: str, key: str):
    module = types.ModuleType(name)
    module.manifest = Manifest(name=name, version="1.0", label=name)

    @hookimpl
    def erp_letter_templates(company):
        return [LetterKind(key, "通知", lambda subject, **ctx: _letter(title=subject))]

    module.erp_letter_templates = erp_letter_templates
    return module


def test_hook_erp_letter_templates_gives_the_kinds_of_enabled_plugins(ctx, world, database_url):
    from core.app import create_app

    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": database_url, "TESTING": True},
        plugin_modules=[
            _kind_plugin("demo_one", "demo.notice"),
            _kind_plugin("demo_two", "demo.notice"),
        ],
    )
    try:
        with app.app_context():
            a, b = db.session.get(Company, world.a.id), db.session.get(Company, world.b.id)
            state.enable(a, "demo_one")
            kinds = letter_kinds(a)
            assert set(kinds) == {"core.notice", "demo.notice"}  # the core's own, and one
            assert render_letter(kinds["demo.notice"].build("入伙通知书")).startswith(b"%PDF")
            assert set(letter_kinds(b)) == {"core.notice"}
            state.enable(a, "demo_two")
            with pytest.raises(ValueError, match="demo.notice"):
                letter_kinds(a)
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
