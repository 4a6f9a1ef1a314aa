"""The What if page through AppTest."""

from __future__ import annotations

import itertools
import re

import polars as pl
from streamlit.testing.v1 import AppTest

from tests.pages.conftest import assert_state_pickles, texts


def _open(app: AppTest) -> AppTest:
    app.run()
    return app.switch_page("pages/what_if.py").run()


def _needs(app: AppTest) -> dict[str, int]:
    """The plan's totals as the finding states them ("599 new customers, …")."""
    line = next(m.value for m in app.markdown if m.value.startswith("To reach"))
    return {
        what: int(n.replace(",", ""))
        for n, what in re.findall(r"([\d,]+) (new customers|SQLs|MQLs|leads|website visits)", line)
    }


def test_the_sample_plan_works_back_from_revenue(app: AppTest) -> None:
    _open(app)
    assert not app.exception
    assert_state_pickles(app)
    needs = _needs(app)
    assert set(needs) == {"new customers", "SQLs", "MQLs", "leads", "website visits"}
    # The funnel narrows: never more customers than SQLs, SQLs than MQLs, and so on.
    order = ["website visits", "leads", "MQLs", "SQLs", "new customers"]
    assert all(needs[a] >= needs[b] for a, b in itertools.pairwise(order))
    said = texts(app)
    assert "cuts the ad spend needed the most" in said
    assert "Can sales handle it?" in [h.value for h in app.subheader]
    # The sample opens with two scenarios side by side.
    compare = app.dataframe[-1].value
    assert {"Today's rates", "Quote calculator (+20 % TTL)"} <= set(compare.columns)


def test_moving_a_rate_changes_the_plan(app: AppTest) -> None:
    _open(app)
    before = _needs(app)
    ttl = app.slider(key="kk_wi_traffic_to_lead")
    old, new = ttl.value, round(ttl.value * 2, 2)
    ttl.set_value(new).run()
    assert not app.exception
    after = _needs(app)
    # Visits needed scale with 1/TTL; everything below leads is unchanged.
    assert abs(after["website visits"] - before["website visits"] * old / new) <= 2
    assert after["leads"] == before["leads"]
    app.button(key="kk_wi_reset").click().run()
    assert _needs(app) == before


def test_a_higher_target_needs_more_of_everything(app: AppTest) -> None:
    _open(app)
    before = _needs(app)
    key = next(k for k in app.session_state.keys() if k.startswith("kk_wi_revenue_"))  # noqa: SIM118
    app.number_input(key=key).set_value(app.number_input(key=key).value * 2).run()
    after = _needs(app)
    assert all(after[k] > before[k] for k in before)


def test_sales_capacity_below_the_plan_is_flagged(app: AppTest) -> None:
    _open(app)
    app.number_input(key="kk_wi_capacity_leads").set_value(100.0).run()
    assert not app.exception
    warnings = " ".join(w.value for w in app.warning)
    assert "In 12 of 12 months the plan needs more leads than sales can handle (100 a month)" in (
        warnings
    )


def test_saving_a_scenario_and_making_it_the_target(app: AppTest) -> None:
    _open(app)
    app.slider(key="kk_wi_sql_to_customer").set_value(60.0).run()
    app.text_input(key="kk_wi_scenario_name").input("Better closing").run()
    app.button(key="kk_wi_save").click().run()
    assert not app.exception
    saved = app.session_state["kk_scenarios"]["Better closing"]
    assert saved.assumptions.get("sql_to_customer") == 0.6
    app.multiselect(key="kk_wi_compare").set_value(["Today's rates", "Better closing"]).run()
    app.selectbox(key="kk_wi_make").set_value("Better closing").run()
    app.button(key="kk_wi_use").click().run()
    assert not app.exception
    targets = app.session_state["kk_targets"].values()
    made = {t.kpi: t for t in targets if "Better closing" in t.notes}
    assert {"revenue", "customers", "leads", "sessions"} <= set(made)
    revenue = made["revenue"]
    assert len(revenue.steps) == 12 and sum(s.value for s in revenue.steps) == revenue.value
    assert "Targets for 2027 set from ‘Better closing’" in " ".join(s.value for s in app.success)


def test_value_levers_name_the_biggest(app: AppTest) -> None:
    _open(app)
    app.number_input(key="kk_wi_v_new").set_value(1000.0).run()
    assert "**win new customers** adds the most" in texts(app)


def test_a_file_without_revenue_gets_a_clear_message(app: AppTest) -> None:
    app.run()
    file = app.session_state["kk_files"][app.session_state["kk_active"]]
    file.mapping = {"Dato": "date", "Besøg": "sessions", "Leads": "leads"}
    app.switch_page("pages/what_if.py").run()
    assert not app.exception
    assert "A plan needs new customers" in texts(app)


def test_starting_from_the_benchmarks_sets_the_published_rates(app: AppTest) -> None:
    _open(app)
    app.button(key="kk_wi_benchmarks").click().run()
    assert not app.exception
    # Every rate with a published typical value starts there (kpi_core/data/benchmarks.csv).
    from kpi_core.benchmarks import bands, load_builtin

    published = bands(load_builtin()).filter(pl.col("typical").is_not_null())
    rates = [r for r in published.iter_rows(named=True) if r["unit"] == "percent"]
    checked = 0
    for row in rates:
        key = f"kk_wi_{row['kpi_id']}"
        if key in app.session_state:
            assert app.slider(key=key).value == round(row["typical"] * 100, 4)
            checked += 1
    assert checked >= 1


def test_the_plan_in_danish(app: AppTest) -> None:
    app.session_state["kk_lang"] = "da"
    _open(app)
    assert not app.exception
    line = next(m.value for m in app.markdown if m.value.startswith("For at nå"))
    # Danish words and Danish thousands separators: "1.290 SQL'er", "310.327 besøg".
    assert re.search(r"\d{1,3}(\.\d{3})+ SQL'er", line) and "nye kunder" in line
    assert "mio.\xa0kr." in line  # the revenue in the workspace currency, the Danish way
    assert "Kan salg følge med?" in [h.value for h in app.subheader]
    app.number_input(key="kk_wi_capacity_leads").set_value(100.0).run()
    warnings = " ".join(w.value for w in app.warning)
    assert "I 12 af 12 måneder kræver planen flere leads, end salg kan nå (100 om måneden)" in (
        warnings
    )
    # The sample's scenarios are named once, in the language of the moment.
    assert {"Dagens tal", "Tilbudsberegner (+20 % TTL)"} <= set(app.dataframe[-1].value.columns)
