"""The Overview page through AppTest: the scorecard and its controls."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.pages.conftest import assert_state_pickles, texts


def _metric_labels(at: AppTest) -> list[str]:
    return [m.label for m in at.metric]


def test_opens_on_the_sample_scorecard(app: AppTest) -> None:
    app.run()
    assert not app.exception
    assert_state_pickles(app)
    assert app.title[0].value == "Overview"
    labels = _metric_labels(app)
    # The recommended set: 3–4 per stage, leading and lagging.
    assert {"Revenue", "New customers", "Leads", "Traffic to lead (TTL)"} <= set(labels)
    assert 8 <= len(labels) <= 12
    assert [s.value for s in app.subheader][:3] == ["Awareness", "Engagement", "Conversion"]
    said = texts(app)
    assert "In October 2026, revenue was" in said
    assert "improved on the period before" in said


def test_rates_change_in_percentage_points(app: AppTest) -> None:
    app.run()
    ttl = next(m for m in app.metric if m.label == "Traffic to lead (TTL)")
    assert ttl.value.endswith("%")
    assert ttl.delta.endswith(" pp")
    revenue = next(m for m in app.metric if m.label == "Revenue")
    assert revenue.delta.endswith("%")


def _sidebar(app: AppTest, **values: str) -> AppTest:
    """Set the sidebar's widgets and rerun.

    AppTest (streamlit 1.67) loses an ``st.navigation`` app's sidebar from its element
    tree after the first run, so its widgets cannot be clicked there; setting their
    session-state keys is what a click does. The browser test clicks the real ones.
    """
    for key, value in values.items():
        app.session_state[key] = value
    return app.run()


def test_period_length_and_period_change_the_numbers(app: AppTest) -> None:
    app.run()
    assert app.sidebar.segmented_control(key="kk_period_kind").value == "month"
    month_value = next(m.value for m in app.metric if m.label == "Revenue")
    _sidebar(app, kk_period_kind="quarter")
    assert not app.exception
    quarter_value = next(m.value for m in app.metric if m.label == "Revenue")
    assert quarter_value != month_value
    assert "Q3 2026" in texts(app)  # Q4 2026 is partial, so the latest complete quarter shows

    _sidebar(app, kk_period_kind="quarter", kk_period_at="2025-Q3")
    assert not app.exception
    assert "Q3 2025" in texts(app)
    assert next(m.value for m in app.metric if m.label == "Revenue") != quarter_value


def test_choosing_kpis_changes_the_scorecard(app: AppTest) -> None:
    app.run()
    key = next(k for k in app.session_state.keys() if k.startswith("kk_kpis_"))  # noqa: SIM118
    app.multiselect(key=key).set_value(["revenue", "cac"]).run()
    assert not app.exception
    assert _metric_labels(app) == ["Revenue", "Customer acquisition cost"]


def test_too_many_kpis_gets_a_warning(app: AppTest) -> None:
    app.run()
    key = next(k for k in app.session_state.keys() if k.startswith("kk_kpis_"))  # noqa: SIM118
    everything = list(app.multiselect(key=key).options)
    app.multiselect(key=key).set_value(everything).run()
    assert not app.exception
    assert any("stops being read" in w.value for w in app.warning)


def test_a_file_without_numbers_mapped_gets_an_explicit_empty_state(app: AppTest) -> None:
    app.run()
    app.switch_page("pages/data.py").run()
    csv = b"Kunde;Note\nA;hej\nB;ok\n"
    app.file_uploader(key="kk_upload").set_value(("noter.csv", csv, "text/csv")).run()
    assert not app.exception
    app.switch_page("pages/overview.py").run()
    assert not app.exception
    assert "No KPIs can be computed from noter.csv" in texts(app)


def test_a_crm_export_is_sent_to_the_funnel_page_not_summed(app: AppTest) -> None:
    app.run()
    crm = next(k for k, f in app.session_state["kk_files"].items() if f.name == "crm_leads.csv")
    _sidebar(app, kk_active=crm)
    assert not app.exception
    assert not app.metric  # no "revenue down 80 %" from deals not yet won
    assert "crm_leads.csv is a CRM export with one row per lead" in texts(app)
    app.switch_page("pages/lead_lag.py").run()
    assert not app.exception
    assert "crm_leads.csv is a CRM export with one row per lead" in texts(app)


def test_an_unreadable_active_file_shows_its_error_on_every_totals_page(app: AppTest) -> None:
    from ui.session import DataFile

    app.run()
    broken = DataFile(name="rapport.xlsx", data=b"PK\x03\x04 not really a workbook")
    app.session_state["kk_files"] = {broken.key: broken}
    app.session_state["kk_active"] = broken.key
    for page in ("pages/overview.py", "pages/lead_lag.py", "pages/benchmarks.py"):
        app.switch_page(page).run()
        assert not app.exception, page
        assert any("rapport.xlsx" in e.value for e in app.error), page
        assert not app.metric, page


@pytest.mark.parametrize("name", ["nps_svar.csv", "supportsager.csv"])
def test_a_survey_or_ticket_export_is_sent_to_the_customers_page(app: AppTest, name: str) -> None:
    app.run()
    files = app.session_state["kk_files"]
    app.session_state["kk_active"] = next(k for k, f in files.items() if f.name == name)
    app.run()
    assert not app.exception
    said = " ".join(i.value for i in app.info)
    assert f"{name} holds survey answers or support tickets" in said
