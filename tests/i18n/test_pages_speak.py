"""Every page, in every language: no raw key, and nothing left in English.

Each page runs through app.py in AppTest with the session's language set, as the
sidebar picker sets it. Everything the page shows (texts, labels, options, help, table
headers and cells) is collected; a catalogue key must never show, and outside English no
sentence that only English has may show (which catches a text the code forgot to take
from the catalogue as well as a key the language lacks).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from kpi_core import i18n
from tests.pages.conftest import all_text

PAGES = ["overview", "funnel", "lead_lag", "benchmarks", "customers", "targets", "what_if",
         "data", "workspace"]  # fmt: skip
OTHERS = [lang for lang in i18n.LANGUAGES if lang != "en"]
EN = i18n.catalogue("en")


def _english_only(lang: str) -> dict[str, str]:
    """Pieces of English messages (between blanks) that the language does not share."""
    other = i18n.catalogue(lang)
    pieces: dict[str, str] = {}
    for key, entry in EN.items():
        en_texts = entry.values() if isinstance(entry, dict) else [entry]
        theirs = other.get(key, "")
        theirs = " ".join(theirs.values()) if isinstance(theirs, dict) else theirs
        for text in en_texts:
            for piece in re.split(r"\{[^}]*\}", text):
                piece = piece.strip(" .,:;()–-")
                # Short pieces ("Leads", "KPI") are the same word in several languages.
                if len(piece) >= 18 and " " in piece and piece not in theirs:
                    pieces[piece] = key
    return pieces


@pytest.fixture(scope="module")
def seen(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], list[str]]:
    """Each page's text in each language (one AppTest per language, pages visited in turn)."""
    from streamlit import config

    from tests.pages.conftest import ROOT, use_navigation

    mp = pytest.MonkeyPatch()
    use_navigation(mp)
    mp.chdir(ROOT)
    previous = config.get_option("runner.enforceSerializableSessionState")
    config.set_option("runner.enforceSerializableSessionState", False)
    out: dict[tuple[str, str], list[str]] = {}
    try:
        for lang in i18n.LANGUAGES:
            mp.setenv("KPI_KOMPAS_HOME", str(tmp_path_factory.mktemp(f"home-{lang}")))
            at = AppTest.from_file(str(Path(ROOT, "app.py")), default_timeout=120)
            at.session_state["kk_lang"] = lang
            at.run()
            for page in PAGES:
                at.switch_page(f"pages/{page}.py").run()
                assert not at.exception, f"{page} in {lang}: {at.exception[0].value}"
                out[(page, lang)] = all_text(at)
    finally:
        config.set_option("runner.enforceSerializableSessionState", previous)
        mp.undo()
    return out


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
@pytest.mark.parametrize("page", PAGES)
def test_no_raw_key_is_shown(seen: dict, page: str, lang: str) -> None:
    keys = [k for k in EN if k.count(".") >= 1 and len(k) >= 8]
    shown = "\n".join(seen[(page, lang)])
    raw = [k for k in keys if re.search(rf"(?<![\w.]){re.escape(k)}(?![\w.])", shown)]
    assert not raw, f"{page} in {lang} shows raw keys: {raw[:5]}"


@pytest.mark.parametrize("lang", OTHERS)
@pytest.mark.parametrize("page", PAGES)
def test_nothing_left_in_english(seen: dict, page: str, lang: str) -> None:
    pieces = _english_only(lang)
    found = sorted(
        {f"{piece!r} ({key})" for text in seen[(page, lang)] for piece, key in pieces.items()
         if piece in text}
    )  # fmt: skip
    assert not found, f"{page} in {lang} still says, in English: {found[:8]}"


@pytest.mark.parametrize("lang", OTHERS)
def test_the_page_title_is_in_the_language(seen: dict, lang: str) -> None:
    for page in PAGES:
        assert i18n.t(f"page.{page}", locale=lang) in seen[(page, lang)], page
