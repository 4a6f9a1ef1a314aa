"""The Leading vs lagging page through AppTest."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.pages.conftest import assert_state_pickles, texts


def _open(app: AppTest) -> AppTest:
    app.run()
    return app.switch_page("pages/lead_lag.py").run()


def test_the_sample_finds_activities_a_month_ahead_of_revenue(app: AppTest) -> None:
    _open(app)
    assert not app.exception
    assert_state_pickles(app)
    assert app.selectbox(key="kk_lagging").value == "revenue"
    # Ratios built from revenue's own fields are not offered as leads by default.
    assert app.multiselect(key="kk_leading_revenue").value == [
        "sessions",
        "leads",
        "mqls",
        "traffic_to_lead",
    ]
    assert "MQLs move about 1 month before revenue" in app.success[0].value
    said = texts(app)
    assert "Leads move about 1 month before revenue" in said
    assert "No reliable lead from traffic to lead (TTL) to revenue" in said
    assert [s.value for s in app.subheader] == [
        "On one time axis",
        "How far ahead",
        "Early warning",
        "Where revenue is heading",
        "This year vs last year",
        "Marketing and sales alignment",
    ]


def test_early_warning_and_forecast_speak_plainly(app: AppTest) -> None:
    _open(app)
    assert any(
        "MQLs fell 18% over the last two months compared with a year earlier" in w.value
        and "expect revenue to weaken in November 2026" in w.value
        for w in app.warning
    )
    said = texts(app)
    assert "From MQLs 1 month earlier:" in said and "expected in November 2026" in said
    assert "revenue rose 20% on the year before" in said


def test_capacity_changes_the_alignment_finding(app: AppTest) -> None:
    _open(app)
    app.number_input(key="kk_capacity_leads").set_value(400.0).run()
    assert not app.exception
    assert (
        "In 2 of the last 12 months marketing sent more leads than sales can handle "
        "(capacity 400 a month); the worst was June 2026 with 480."
    ) in texts(app)
    app.number_input(key="kk_capacity_leads").set_value(1000.0).run()
    said = texts(app)
    assert "In 2 of the last 12 months" not in said
    assert "sales had room for more" in said


def test_choosing_another_result_and_fewer_activities(app: AppTest) -> None:
    _open(app)
    app.selectbox(key="kk_lagging").set_value("customers").run()
    assert not app.exception
    app.multiselect(key="kk_leading_customers").set_value(["sessions"]).run()
    assert not app.exception
    said = texts(app) + " ".join(s.value for s in app.success)
    assert "new customers" in said


def test_actual_values_toggle_keeps_the_page_working(app: AppTest) -> None:
    _open(app)
    app.toggle(key="kk_leadlag_values").set_value(True).run()
    assert not app.exception


def test_quarters_are_too_few_and_the_page_says_so_once(app: AppTest) -> None:
    _open(app)
    app.session_state["kk_period_kind"] = "quarter"
    app.run()
    assert not app.exception
    first = "Too few quarters to tell whether sessions lead revenue"
    assert first in app.info[0].value
    assert sum(first in m.value for m in app.markdown) == 0  # not repeated as a bullet
    assert "Too few quarters for any correlation yet." in texts(app)
