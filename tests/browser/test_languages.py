"""Every page in every language, in Chromium: what a Danish, Norwegian or Swedish owner sees.

A fresh server (its own empty store) is opened by a browser whose language is Danish: the
app must answer in Danish without being asked. Then the sidebar's language picker switches
to each language in turn, and every page is visited and photographed under
``artifacts/screenshots/languages/`` (looked at before a change to texts is called done).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from kpi_core import i18n
from tests.browser.conftest import SCREENSHOTS, serve
from tests.browser.test_flow import assert_no_exception, wait_idle

pytestmark = pytest.mark.browser

PAGES = ["overview", "funnel", "lead_lag", "benchmarks", "customers", "targets", "what_if",
         "data", "workspace"]  # fmt: skip
BROWSER_LOCALE = {"en": "en-GB", "da": "da-DK", "nb": "nb-NO", "sv": "sv-SE"}
KEYS = [k for k in i18n.catalogue("en") if "." in k and len(k) >= 8]


@pytest.fixture(scope="module")
def fresh_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from serve(tmp_path_factory)


def _raw_keys(text: str) -> list[str]:
    return [k for k in KEYS if re.search(rf"(?<![\w.]){re.escape(k)}(?![\w.])", text)]


def _choose_language(page, lang: str) -> None:
    picker = page.locator("[data-testid='stSidebar'] [data-testid='stSelectbox']").filter(
        has_text="Language"
    )
    picker.first.click()
    page.get_by_role("option", name=i18n.LANGUAGE_NAMES[lang], exact=True).click()
    wait_idle(page)


def test_every_page_in_every_language(browser, fresh_url) -> None:
    folder = SCREENSHOTS / "languages"
    folder.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1400, "height": 3400}, locale="da-DK")
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        page.goto(fresh_url)
        wait_idle(page)
        # The browser says Danish, the new workspace has no language yet: Danish it is.
        page.get_by_role(
            "heading", name=i18n.t("page.overview", locale="da"), exact=True
        ).wait_for()
        for lang in ["da", "nb", "sv", "en"]:
            if lang != "da":
                _choose_language(page, lang)
            for name in PAGES:
                title = i18n.t(f"page.{name}", locale=lang)
                page.get_by_role("link", name=title, exact=True).first.click()
                wait_idle(page)
                page.get_by_role("heading", name=title, exact=True).first.wait_for()
                assert_no_exception(page)
                body = page.inner_text("body")
                assert not _raw_keys(body), f"{name} in {lang}: {_raw_keys(body)[:5]}"
                page.screenshot(path=folder / f"{lang}-{name}.png", full_page=True)
        # The workspace remembers its language: a reload (same ?ws=) comes back in English.
        page.reload()
        wait_idle(page)
        page.get_by_role(
            "heading", name=i18n.t("page.workspace", locale="en"), exact=True
        ).wait_for()
    finally:
        context.close()
