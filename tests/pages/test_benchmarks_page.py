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
    table = next(df.value for df in app.dataframe if "Year" in df.value.columns)
    published = table[table["Published range"] != "–"]
    assert (published["Source"] != "").all() and (published["Year"] != "").all()


def test_picking_an_industry_changes_the_figures(app: AppTest) -> None:
    _open(app)
    before = next(df.value for df in app.dataframe if "Year" in df.value.columns)
    app.selectbox(key="kk_bench_industry").set_value("Real Estate").run()
    assert not app.exception
    after = next(df.value for df in app.dataframe if "Year" in df.value.columns)
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


def test_the_funnel_is_compared_step_by_step(app: AppTest) -> None:
    _open(app)
    assert "Your funnel against published stage rates" in [s.value for s in app.subheader]
    # The sample's TTL (1.5 %) is below the 2–5 % visitor → lead range.
    assert "Below the published range: **Traffic to lead (TTL)**" in texts(app)


def test_a_competitor_sheet_from_the_workspace_is_ranked(app: AppTest) -> None:
    app.run()
    app.switch_page("pages/data.py").run()
    sheet = "Konkurrent;Cost per click;CTR\nSolkraft A/S;6,10;0,015\nGrøn Energi;9,50;0,011\n"
    app.file_uploader(key="kk_upload").set_value(
        ("konkurrenter.csv", sheet.encode(), "text/csv")
    ).run()
    sample = next(k for k, f in app.session_state["kk_files"].items() if f.sample)
    app.session_state["kk_active"] = sample
    app.switch_page("pages/benchmarks.py").run()
    sheet_key = next(
        k for k, f in app.session_state["kk_files"].items() if f.name == "konkurrenter.csv"
    )
    app.selectbox(key="kk_competitor_sheet").set_value(sheet_key).run()
    assert not app.exception
    assert "From konkurrenter.csv: Grøn Energi, Solkraft A/S" in texts(app)
    assert "Ranked" in [s.value for s in app.subheader]
    table = next(df.value for df in app.dataframe if "Year" in df.value.columns)
    cpc = table[table["KPI"] == "Cost per click"].iloc[0]
    assert cpc["Rank"] == "2 of 3"  # DKK 7.82 between 6.10 and 9.50; lower is better


def test_own_benchmark_rows_join_the_published_ones(app: AppTest) -> None:
    _open(app)
    peer = {
        "kpi_id": "traffic_to_lead", "value": None, "unit": "percent", "currency": None,
        "industry": "Solar installers (DK)", "channel": None, "region": "Denmark",
        "period": "2026", "sample": "8 firms", "definition": "Visits that became a lead.",
        "source_name": "Branchen for solenergi, members' survey",
        "source_url": "https://example.org/survey-2026", "source_type": "primary", "caveat": None,
    }  # fmt: skip
    app.session_state["kk_benchmark_rows"] = [
        peer | {"statistic": "low", "value": 0.010},
        peer | {"statistic": "high", "value": 0.020},
    ]
    app.run()
    app.selectbox(key="kk_bench_industry").set_value("Solar installers (DK)").run()
    assert not app.exception
    table = next(df.value for df in app.dataframe if "Year" in df.value.columns)
    ttl = table[table["KPI"] == "Traffic to lead (TTL)"].iloc[0]
    # 1.5 % sits inside the peers' 1.0–2.0 %, unlike the B2B SaaS 2–5 %.
    assert ttl["Compared with it"] == "within band"
    assert ttl["Source"] == "Branchen for solenergi, members' survey" and ttl["Year"] == "2026"
