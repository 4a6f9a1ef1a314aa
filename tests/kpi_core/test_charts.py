"""Chart builders: last-year alignment, marks and encodings, and only aggregated rows."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from kpi_core.catalogue import KPIS
from kpi_core.charts import (
    coverage_chart,
    coverage_frame,
    sparkline_values,
    trend_chart,
    trend_frame,
    value_format,
)
from kpi_core.compute import kpi_frame

D = dt.date

#: Sessions and leads in five months of two years, with gaps.
ROWS = pl.DataFrame(
    {
        "date": [
            D(2024, 1, 1),
            D(2024, 2, 1),
            D(2024, 4, 1),
            D(2025, 1, 1),
            D(2025, 2, 1),
            D(2025, 3, 15),
        ],
        "sessions": [100.0, 200.0, 400.0, 150.0, 250.0, 300.0],
        "leads": [1.0, 4.0, 8.0, 3.0, 5.0, 9.0],
    }
)


@pytest.fixture(scope="module")
def kf() -> pl.DataFrame:
    return kpi_frame(ROWS)  # 2024-01 … 2025-03: 15 months


def by_period(frame: pl.DataFrame) -> dict[str, dict]:
    return {r["period"]: r for r in frame.iter_rows(named=True)}


def test_trend_frame_puts_last_years_value_beside_each_period(kf: pl.DataFrame) -> None:
    tf = trend_frame(kf, "sessions", selected="2025-02")
    assert tf.height == kf.height == 15
    assert set(tf.columns) == {
        "period",
        "period_start",
        "complete",
        "value",
        "last_year",
        "selected",
        "note",
    }
    rows = by_period(tf)
    # 2025-01 ← 2024-01 (100), 2025-02 ← 2024-02 (200), 2025-03 ← 2024-03 (no rows: null).
    assert [
        (p, rows[p]["value"], rows[p]["last_year"]) for p in ("2025-01", "2025-02", "2025-03")
    ] == [
        ("2025-01", 150.0, 100.0),
        ("2025-02", 250.0, 200.0),
        ("2025-03", 300.0, None),
    ]
    # Nothing a year before 2024: last year is null, never 0.
    assert all(rows[f"2024-{m:02d}"]["last_year"] is None for m in range(1, 13))
    # 2024-04 (400) is last year of 2025-04, which is not in the data: nothing invented.
    assert "2025-04" not in rows


def test_trend_frame_marks_the_selected_and_partial_periods(kf: pl.DataFrame) -> None:
    rows = by_period(trend_frame(kf, "sessions", selected="2025-02"))
    assert [p for p, r in rows.items() if r["selected"]] == ["2025-02"]
    # The data ends on 15 March 2025: only that month is partial.
    assert {p: r["note"] for p, r in rows.items() if r["note"]} == {"2025-03": "partial period"}


def test_trend_frame_of_a_rate(kf: pl.DataFrame) -> None:
    rows = by_period(trend_frame(kf, "traffic_to_lead", selected="2025-02"))
    # 2025-02: 5/250 = 0.02; last year 2024-02: 4/200 = 0.02.
    assert rows["2025-02"]["value"] == pytest.approx(0.02)
    assert rows["2025-02"]["last_year"] == pytest.approx(0.02)
    # 2025-01: 3/150 = 0.02 beside 2024-01: 1/100 = 0.01.
    assert (rows["2025-01"]["value"], rows["2025-01"]["last_year"]) == (
        pytest.approx(0.02),
        pytest.approx(0.01),
    )


def test_trend_frame_by_quarter_aligns_quarters() -> None:
    kfq = kpi_frame(ROWS, period="quarter")
    rows = by_period(trend_frame(kfq, "sessions", selected="2025-Q1"))
    # 2025-Q1 = 150 + 250 + 300 = 700 beside 2024-Q1 = 100 + 200 = 300.
    assert (rows["2025-Q1"]["value"], rows["2025-Q1"]["last_year"]) == (700.0, 300.0)
    assert rows["2024-Q2"]["last_year"] is None


def layers(spec: dict) -> list[dict]:
    """The leaf layers of a Vega-Lite spec, nested layers flattened."""
    if "layer" not in spec:
        return [spec]
    return [leaf for layer in spec["layer"] for leaf in layers(layer)]


def mark_type(layer: dict) -> str:
    mark = layer["mark"]
    return mark if isinstance(mark, str) else mark["type"]


def dataset_rows(spec: dict) -> list[list[dict]]:
    return list(spec.get("datasets", {}).values())


@pytest.mark.parametrize("kpi_id", ["sessions", "revenue", "spend", "cpc"])
def test_counts_and_money_are_bars_with_a_dashed_last_year_line(
    kf: pl.DataFrame, kpi_id: str
) -> None:
    k = KPIS[kpi_id]
    frame = kf.with_columns(pl.lit(1.0).alias(kpi_id)) if kpi_id not in kf.columns else kf
    spec = trend_chart(trend_frame(frame, kpi_id, selected="2025-02"), kpi=k).to_dict()
    marks = [mark_type(layer) for layer in layers(spec)]
    assert marks == ["bar", "line"]
    bar, last_year = layers(spec)
    assert bar["encoding"]["y"]["field"] == "value"
    # One band per period (an ordinal axis), so bars are as wide as their period.
    assert bar["encoding"]["x"]["field"] == "period"
    assert bar["encoding"]["x"]["type"] == "ordinal"
    assert bar["encoding"]["y"]["axis"]["format"] == value_format(k) == ",.0f"
    assert bar["encoding"]["color"]["condition"]["test"] == "datum.selected"
    assert bar["encoding"]["opacity"]["condition"]["test"] == "datum.complete"
    assert last_year["encoding"]["y"]["field"] == "last_year"
    assert last_year["mark"]["strokeDash"] == [4, 3]


@pytest.mark.parametrize(("kpi_id", "fmt"), [("traffic_to_lead", ".1%"), ("roas", ".2f")])
def test_rates_and_multiples_are_lines_with_a_marked_point(
    kf: pl.DataFrame, kpi_id: str, fmt: str
) -> None:
    frame = kf.with_columns(pl.lit(2.5).alias(kpi_id)) if kpi_id not in kf.columns else kf
    spec = trend_chart(
        trend_frame(frame, kpi_id, selected="2025-02"), kpi=KPIS[kpi_id], title="Trend"
    ).to_dict()
    assert spec["title"] == "Trend"
    current, marker, last_year = layers(spec)
    assert (mark_type(current), mark_type(marker), mark_type(last_year)) == (
        "line",
        "point",
        "line",
    )
    assert current["encoding"]["y"]["field"] == "value"
    assert current["encoding"]["y"]["axis"]["format"] == fmt
    assert marker["transform"] == [{"filter": "datum.selected"}]
    assert "strokeDash" not in current["mark"]
    assert last_year["mark"]["strokeDash"] == [4, 3]
    assert last_year["encoding"]["y"]["field"] == "last_year"
    tooltip_formats = {t["field"]: t.get("format") for t in current["encoding"]["tooltip"]}
    assert tooltip_formats["value"] == tooltip_formats["last_year"] == fmt


def test_chart_data_is_one_row_per_period_not_the_raw_rows() -> None:
    # 90 daily rows over three months become three chart rows.
    days = [D(2025, 1, 1) + dt.timedelta(days=i) for i in range(90)]
    daily = pl.DataFrame({"date": days, "sessions": [10.0] * 90, "leads": [1.0] * 90})
    kf = kpi_frame(daily)
    assert kf.height == 3
    for kpi_id in ("sessions", "traffic_to_lead"):
        spec = trend_chart(trend_frame(kf, kpi_id, selected="2025-02"), kpi=KPIS[kpi_id]).to_dict()
        (data,) = dataset_rows(spec)
        assert len(data) == 3
        assert sorted(r["period"] for r in data) == ["2025-01", "2025-02", "2025-03"]
    cov = coverage_chart(coverage_frame(daily)).to_dict()
    (data,) = dataset_rows(cov)
    assert len(data) == 3
    assert sorted(r["rows"] for r in data) == [28, 31, 31]  # Feb 28, Jan 31, Mar 31 days


def test_coverage_frame_fills_gap_months_with_zero_rows() -> None:
    frame = pl.DataFrame(
        {
            "date": [D(2024, 11, 5), D(2024, 11, 6), None, D(2025, 2, 1)],
            "sessions": [1.0, 2.0, 3.0, 4.0],
        },
        schema={"date": pl.Date, "sessions": pl.Float64},
    )
    cov = coverage_frame(frame).sort("month")
    assert cov.schema["month"] == pl.Date
    # Rows without a date are not in any month.
    assert cov.rows() == [
        (D(2024, 11, 1), 2),
        (D(2024, 12, 1), 0),
        (D(2025, 1, 1), 0),
        (D(2025, 2, 1), 1),
    ]


def test_coverage_frame_without_dates_is_empty() -> None:
    frame = pl.DataFrame({"date": [None]}, schema={"date": pl.Date})
    cov = coverage_frame(frame)
    assert cov.is_empty()
    assert cov.schema == pl.Schema({"month": pl.Date, "rows": pl.UInt32})


def test_coverage_chart_is_bars_of_rows_per_month() -> None:
    cov = coverage_frame(ROWS)
    spec = coverage_chart(cov).to_dict()
    assert mark_type(spec) == "bar"
    assert spec["encoding"]["x"]["field"] == "month"
    assert spec["encoding"]["x"]["timeUnit"] == "yearmonth"
    assert spec["encoding"]["y"]["field"] == "rows"
    (data,) = dataset_rows(spec)
    assert len(data) == cov.height == 15  # 2024-01 … 2025-03
    assert sum(r["rows"] for r in data) == ROWS.height


def test_empty_coverage_chart_still_builds() -> None:
    spec = coverage_chart(coverage_frame(ROWS.clear())).to_dict()
    assert mark_type(spec) == "bar"


@pytest.mark.parametrize(
    ("unit_kpi", "fmt"),
    [("ctr", ".1%"), ("cpc", ",.0f"), ("sessions", ",.0f"), ("roas", ".2f")],
)
def test_value_format(unit_kpi: str, fmt: str) -> None:
    assert value_format(KPIS[unit_kpi]) == fmt


def test_sparkline_values_keep_gaps() -> None:
    assert sparkline_values((1, None, 2.5)) == [1.0, None, 2.5]
    assert sparkline_values(()) == []


# --- funnel charts ------------------------------------------------------------------------


def _funnel_steps() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "label": ["Sessions", "Leads", "New customers"],
            "journey_stage": ["Engagement", "Engagement", "Conversion"],
            "count": [2000.0, 50.0, 5.0],
            "pct_of_previous": [None, 0.025, 0.1],
            "pct_of_first": [1.0, 0.025, 0.0025],
        }
    )


def test_funnel_chart_draws_log_bars_from_one_in_journey_order() -> None:
    from kpi_core.charts import funnel_chart

    spec = funnel_chart(_funnel_steps()).to_dict()
    bars, text = layers(spec)
    assert bars["encoding"]["x"]["scale"]["type"] == "log"
    # A log axis has no zero, so each bar starts at 1.
    assert bars["encoding"]["x2"]["field"] == "baseline"
    assert bars["encoding"]["y"]["sort"] == ["Sessions", "Leads", "New customers"]
    assert "of previous" in text["transform"][0]["calculate"]
    assert len(next(iter(spec["datasets"].values()))) == 3


def test_time_to_convert_chart_folds_the_long_tail() -> None:
    from kpi_core.charts import time_to_convert_chart

    bins = pl.DataFrame(
        {
            "bin_start": [i * 7 for i in range(20)],
            "bin_end": [i * 7 + 6 for i in range(20)],
            "label": [f"{i * 7}–{i * 7 + 6} days" for i in range(20)],
            "count": [10] * 20,
            "share": [0.05] * 20,
        }
    )
    spec = time_to_convert_chart(bins, max_bins=16).to_dict()
    rows = next(iter(spec["datasets"].values()))
    assert len(rows) == 16
    # Bins 15..19 (five bins of 10) fold into one bar starting at day 105.
    assert rows[-1]["label"] == "105+ days" and rows[-1]["count"] == 50
    assert sum(r["count"] for r in rows) == 200


def test_cohort_chart_marks_open_cohorts() -> None:
    from kpi_core.charts import cohort_chart

    cohorts = pl.DataFrame(
        {
            "cohort": ["2026-08", "2026-09"],
            "leads": [10, 8],
            "customers": [2, 1],
            "lead_to_customer": [0.2, 0.125],
            "pending": [0, 3],
            "is_open": [False, True],
        }
    )
    spec = cohort_chart(cohorts).to_dict()
    rows = next(iter(spec["datasets"].values()))
    assert [r["status"] for r in rows] == ["settled", "still open"]
    assert spec["encoding"]["color"]["scale"]["domain"] == ["settled", "still open"]


def test_step_rate_chart_shows_one_step_with_last_year_dashed() -> None:
    import datetime as dt

    from kpi_core.charts import step_rate_chart

    starts = [dt.date(2025, m, 1) for m in range(1, 13)] + [dt.date(2026, 1, 1)]
    trend = pl.DataFrame(
        {
            "step": ["lead_to_mql"] * 13 + ["ctr"] * 13,
            "period": [f"{d.year}-{d.month:02d}" for d in starts] * 2,
            "period_start": starts * 2,
            "rate": [0.5] * 12 + [0.4] + [0.01] * 13,
            "complete": [True] * 26,
            "vs_previous_pp": [None] + [0.0] * 11 + [-10.0] + [None] * 13,
            "vs_last_year_pp": [None] * 12 + [-10.0] + [None] * 13,
        }
    )
    spec = step_rate_chart(trend, step="lead_to_mql").to_dict()
    rows = next(iter(spec["datasets"].values()))
    assert len(rows) == 13  # only the chosen step
    # January 2026's dashed point is January 2025's rate.
    assert rows[-1]["last_year"] == 0.5 and rows[-1]["rate"] == 0.4
    line, dashed = layers(spec)
    assert line["encoding"]["y"]["field"] == "rate"
    assert dashed["mark"]["strokeDash"] == [4, 3]


# --- leading vs lagging charts ---------------------------------------------------------


def test_forecast_chart_keeps_periods_in_time_order_and_bridges_the_band() -> None:
    import datetime as dt

    from kpi_core.charts import forecast_chart

    series = pl.DataFrame(
        {
            "period": ["2026-09", "2026-10", "2026-11"],
            "period_start": [dt.date(2026, 9, 1), dt.date(2026, 10, 1), dt.date(2026, 11, 1)],
            "kind": ["actual", "actual", "forecast"],
            "value": [100.0, 110.0, 120.0],
            "low": [None, None, 100.0],
            "high": [None, None, 140.0],
        }
    )
    spec = forecast_chart(series, name="Revenue").to_dict()
    band, line = layers(spec)
    assert band["mark"]["type"] == "area"
    assert line["encoding"]["x"]["sort"] == ["2026-09", "2026-10", "2026-11"]
    rows = next(iter(spec["datasets"].values()))
    # The band starts at the last actual value so the forecast continues the line.
    bridge = [r for r in rows if r["kind"] == "forecast" and r["period"] == "2026-10"]
    assert bridge == [{**bridge[0], "value": 110.0, "low": 110.0, "high": 110.0}]


def test_capacity_chart_colours_over_capacity_red() -> None:
    from kpi_core.charts import BAD, capacity_chart

    table = pl.DataFrame(
        {
            "period": ["2026-01", "2026-02"],
            "flow": [500.0, 300.0],
            "capacity": [400.0, 400.0],
            "status": ["over capacity", "under capacity"],
        }
    )
    bars, line = layers(capacity_chart(table, measure="Leads").to_dict())
    assert bars["encoding"]["color"]["scale"]["range"][0] == BAD
    assert line["encoding"]["y"]["field"] == "capacity"


def _rows(spec: dict) -> list[dict]:
    """All data rows a chart spec carries, from every dataset."""
    return [r for values in spec.get("datasets", {}).values() for r in values]


def test_pacing_chart_draws_plan_actual_and_projection_without_nulls() -> None:
    from kpi_core.charts import pacing_chart

    months = pl.DataFrame(
        {
            "period": ["2026-10", "2026-11", "2026-12"],
            "plan": [35.0, 66.0, 110.0],
            "actual": [36.0, None, None],
            "projected": [36.0, 68.0, 113.0],
        }
    )
    spec = pacing_chart(months, kpi=KPIS["customers"]).to_dict()
    rows = _rows(spec)
    # 3 plan + 1 actual + 3 projected points; the months without an actual are not zeros.
    assert len(rows) == 7 and all(r["value"] is not None for r in rows)
    assert {r["line"] for r in rows} == {"Target (plan)", "Actual", "At this pace"}


def test_plan_chart_draws_one_rule_for_today_not_one_per_bar() -> None:
    from kpi_core.charts import plan_chart

    monthly = pl.DataFrame({"period": ["2027-01", "2027-02"], "leads": [200.0, 400.0]})
    bars, rule = layers(plan_chart(monthly, stage="leads", name="Leads", today=300.0).to_dict())
    assert "x" not in rule["encoding"] and rule["encoding"]["y"]["field"] == "today"
    assert bars["encoding"]["y"]["field"] == "needed"


def test_retention_chart_leaves_out_month_zero() -> None:
    from kpi_core.charts import retention_chart

    cohorts = pl.DataFrame(
        {
            "cohort": ["2026-01", "2026-01", "2026-02"],
            "months_since": [0, 1, 0],
            "customers": [10, 10, 4],
            "buying": [10, 3, 4],
            "share": [1.0, 0.3, 1.0],
        }
    )
    rows = _rows(retention_chart(cohorts).to_dict())
    assert [(r["cohort"], r["months_since"]) for r in rows] == [("2026-01", 1)]


def test_score_chart_skips_months_without_answers() -> None:
    from kpi_core.charts import score_chart

    monthly = pl.DataFrame(
        {
            "period": ["2026-01", "2026-02"],
            "n": [12, 0],
            "value": [30.0, None],
            "low": [-5.0, None],
            "high": [60.0, None],
        }
    )
    rows = _rows(score_chart(monthly, name="NPS").to_dict())
    assert [r["period"] for r in rows] == ["2026-01"]


def test_customers_chart_stacks_new_and_returning() -> None:
    from kpi_core.charts import customers_chart

    monthly = pl.DataFrame({"period": ["2026-01"], "new": [3], "returning": [5]})
    spec = customers_chart(monthly).to_dict()
    assert sorted((r["kind"], r["customers"]) for r in _rows(spec)) == [
        ("New", 3),
        ("Returning", 5),
    ]


# --- words in the user's language ---------------------------------------------------------


def _titles(spec: dict) -> set[str]:
    """Every axis, legend and tooltip title in a spec."""
    out: set[str] = set()

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("title"), str):
                out.add(node["title"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(spec)
    return out


def test_trend_chart_in_danish(kf: pl.DataFrame) -> None:
    frame = trend_frame(kf, "sessions", selected="2025-02", locale="da")
    assert {r["note"] for r in frame.iter_rows(named=True) if r["note"]} == {"delvis periode"}
    spec = trend_chart(frame, kpi=KPIS["revenue"], locale="da").to_dict()
    assert {"Periode", "Omsætning", "Samme periode sidste år"} <= _titles(spec)
    assert "Period" not in _titles(spec)


def test_pacing_chart_in_danish_translates_its_legend() -> None:
    from kpi_core.charts import pacing_chart

    months = pl.DataFrame(
        {"period": ["2026-10"], "plan": [35.0], "actual": [36.0], "projected": [36.0]}
    )
    spec = pacing_chart(months, kpi=KPIS["customers"], locale="da").to_dict()
    assert {r["line"] for r in _rows(spec)} == {"Mål (plan)", "Faktisk", "I dette tempo"}
    assert spec["encoding"]["y"]["title"] == "Nye kunder, akkumuleret"
    assert spec["encoding"]["color"]["scale"]["domain"] == [
        "Mål (plan)",
        "Faktisk",
        "I dette tempo",
    ]


@pytest.mark.parametrize(
    ("locale", "stages", "label"),
    [
        ("da", ["Engagement", "Konvertering"], "' af forrige)'"),
        ("nb", ["Engasjement", "Konvertering"], "' av forrige)'"),
        ("sv", ["Engagemang", "Konvertering"], "' av föregående)'"),
    ],
)
def test_funnel_chart_names_stages_and_labels_in_the_language(
    locale: str, stages: list[str], label: str
) -> None:
    from kpi_core.charts import funnel_chart

    spec = funnel_chart(_funnel_steps(), locale=locale).to_dict()
    _bars, text = layers(spec)
    assert sorted({r["stage_name"] for r in _rows(spec)}) == sorted(stages)
    assert label in text["transform"][0]["calculate"]


def test_forecast_and_benchmark_charts_keep_ids_and_show_words() -> None:
    from kpi_core.charts import bullet_chart, forecast_chart

    series = pl.DataFrame(
        {
            "period": ["2026-10", "2026-11"],
            "period_start": [dt.date(2026, 10, 1), dt.date(2026, 11, 1)],
            "kind": ["actual", "forecast"],
            "value": [110.0, 120.0],
            "low": [None, 100.0],
            "high": [None, 140.0],
        }
    )
    rows = _rows(forecast_chart(series, name="Omsetning", locale="nb").to_dict())
    assert {(r["kind"], r["kind_name"]) for r in rows} == {
        ("actual", "faktisk"),
        ("forecast", "prognose"),
    }
    bench = pl.DataFrame(
        {"name": ["CTR"] * 2, "who": ["You", "Rival"], "value": [0.1, 0.2]}
    ).with_columns(low=pl.lit(0.0), typical=pl.lit(0.1), high=pl.lit(0.3))
    spec = bullet_chart(bench, locale="sv").to_dict()
    assert {r["who"] for r in _rows(spec)} == {"Du", "Rival"}
    assert "datum.who === 'Du'" in str(spec) or 'datum.who === "Du"' in str(spec)
