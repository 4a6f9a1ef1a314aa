"""The Benchmarks page through AppTest."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.pages.conftest import assert_state_pickles, texts


def _open(app: AppTest) -> AppTest:
    app.run()
    return app.switch_page("pages/benchmarks.py").run()


def test_the_sample_is_read_against_published_figures_with_sources(app: AppTest) -> None:
    _open(app)
    assert not app.exception
    assert_state_pickles(app)
    said = texts(app)
    assert "Your traffic to lead (TTL) (1.5%) is worse than the benchmark band" in said
    assert "First Page Sage" in said
    # USD figures are shown, never ranked against kroner.
    assert "not converted to DKK" in said
    table = next(df.value for df in app.dataframe if "Source" in df.value.columns)
    published = table[table["Published range"] != "–"]
    assert (published["Source"] != "").all() and (published["Year"] != "").all()


def test_picking_an_industry_changes_the_figures(app: AppTest) -> None:
    _open(app)
    before = next(df.value for df in app.dataframe if "Source" in df.value.columns)
    app.selectbox(key="kk_bench_industry").set_value("Real Estate").run()
    assert not app.exception
    after = next(df.value for df in app.dataframe if "Source" in df.value.columns)
    assert not before.equals(after)


def test_competitors_typed_in_are_ranked(app: AppTest) -> None:
    _open(app)
    app.session_state["kk_competitors"] = [
        {"Competitor": "Solkraft A/S", "Traffic to lead (TTL)": 0.03},
        {"Competitor": "Grøn Energi", "Traffic to lead (TTL)": 0.01},
    ]
    app.run()
    assert not app.exception
    table = next(df.value for df in app.dataframe if "Rank" in df.value.columns)
    ttl = table[table["KPI"] == "Traffic to lead (TTL)"].iloc[0]
    # Ours is 1.5 %: below 3 %, above 1 % — second of three.
    assert ttl["Rank"] == "2 of 3"
