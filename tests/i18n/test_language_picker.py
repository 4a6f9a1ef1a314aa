"""The sidebar's language and currency: they switch the app and stay with the workspace."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.pages.conftest import ROOT, texts


def _fresh(query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    return at


def test_picking_danish_and_kroner_changes_the_page_and_is_remembered(app: AppTest) -> None:
    app.run()
    assert app.title[0].value == "Overview"
    app.selectbox(key="kk_lang_pick").set_value("da").run()
    assert not app.exception
    assert app.title[0].value == "Overblik"
    assert "I oktober 2026 var tallet for omsætning" in texts(app)
    app.selectbox(key="kk_currency_pick").set_value("NOK").run()
    revenue = next(m for m in app.metric if m.label == "Omsætning")
    assert revenue.value.endswith("kr.") is False and "NOK" in revenue.value
    # A new session on the same workspace (a refresh, another day) opens in Danish and NOK.
    again = _fresh({"ws": app.query_params["ws"][0]})
    again.run()
    assert again.title[0].value == "Overblik"
    assert again.selectbox(key="kk_lang_pick").value == "da"
    assert again.selectbox(key="kk_currency_pick").value == "NOK"


def test_language_survives_a_run_without_the_sidebar(app: AppTest) -> None:
    """Switching pages and workspaces keeps the language (it is not only a widget's state)."""
    app.run()
    app.selectbox(key="kk_lang_pick").set_value("sv").run()
    for page in ("pages/funnel.py", "pages/workspace.py", "pages/overview.py"):
        app.switch_page(page).run()
        assert not app.exception
    assert app.title[0].value == "Översikt"
    assert app.selectbox(key="kk_lang_pick").value == "sv"
