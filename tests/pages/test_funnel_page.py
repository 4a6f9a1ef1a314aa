"""The Funnel page through AppTest: stage by stage, lead by lead, and its controls."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.pages.conftest import assert_state_pickles, texts


def _open(app: AppTest) -> AppTest:
    app.run()
    return app.switch_page("pages/funnel.py").run()


def test_the_sample_shows_the_planted_leak_and_key_rates(app: AppTest) -> None:
    _open(app)
    assert not app.exception
    assert_state_pickles(app)
    assert [h.value for h in app.header] == ["Stage by stage", "Lead by lead"]
    # The sample's planted leak: a shorter quote form from August 2026 lets more
    # unqualified leads in, so lead → MQL falls well below its usual level.
    assert any(
        "Lead → MQL fell to 43% in October 2026" in e.value and "biggest leak" in e.value
        for e in app.error
    )
    labels = [m.label for m in app.metric]
    assert labels == ["Traffic to lead (TTL)", "Lead to customer (LTC)"]
    assert all(m.delta.endswith(" pp") for m in app.metric)


def test_channels_and_lead_level_findings_are_said_in_words(app: AppTest) -> None:
    _open(app)
    said = texts(app)
    assert "**Henvisninger** turns the most leads into customers" in said
    assert "**Meta** the fewest" in said
    assert "a lead takes a median of **25 days** to buy" in said
    # Recent cohorts are open, not lost.
    assert "September 2026 and October 2026 are still open" in said
    assert "Undecided leads are not counted as lost" in said


def test_choosing_another_step_changes_the_sentence_under_the_chart(app: AppTest) -> None:
    _open(app)
    assert app.selectbox(key="kk_funnel_step").value == "lead_to_mql"
    app.selectbox(key="kk_funnel_step").set_value("traffic_to_lead").run()
    assert not app.exception
    assert "Session → lead in October 2026" in texts(app)


def test_the_period_in_the_sidebar_moves_the_funnel(app: AppTest) -> None:
    _open(app)
    app.session_state["kk_period_kind"] = "month"
    app.session_state["kk_period_at"] = "2026-07"
    app.run()
    assert not app.exception
    assert "The funnel in July 2026" in [s.value for s in app.subheader]
    # Nothing leaked in July 2026: the form change came in August.
    assert any("nothing leaks more than usual" in s.value for s in app.success)


def test_a_lead_column_can_be_changed(app: AppTest) -> None:
    _open(app)
    key = next(k for k in app.session_state.keys() if k.endswith("_channel"))  # noqa: SIM118
    app.selectbox(key=key).set_value("").run()
    assert not app.exception
    assert "No source or channel column is set" in texts(app)


def test_without_funnel_data_the_page_says_what_to_upload(app: AppTest) -> None:
    app.run()
    app.session_state["kk_files"] = {}
    app.switch_page("pages/funnel.py").run()
    assert not app.exception
    assert "A funnel needs at least two stages" in texts(app)
