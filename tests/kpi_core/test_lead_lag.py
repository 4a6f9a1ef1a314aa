"""Leading vs lagging: lead-time detection, its guards, warnings, forecast, alignment."""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from kpi_core.catalogue import KPIS
from kpi_core.issues import InputError
from kpi_core.lead_lag import (
    cross_correlation,
    early_warnings,
    expected_sign,
    fisher_interval,
    forecast,
    indexed,
    leadlag_report,
    sales_alignment,
    year_on_year,
)

ROOT = Path(__file__).resolve().parents[2]


def months(n: int, *, start: dt.date = dt.date(2023, 1, 1)) -> list[dt.date]:
    total = start.year * 12 + start.month - 1
    return [dt.date((total + i) // 12, (total + i) % 12 + 1, 1) for i in range(n)]


def frame(complete: Sequence[bool] | None = None, **series: Sequence[float | None]) -> pl.DataFrame:
    """A KPI frame as :func:`kpi_frame` makes it, from plain per-month series."""
    n = len(next(iter(series.values())))
    starts = months(n)
    return pl.DataFrame(
        {
            "period": [f"{s.year}-{s.month:02d}" for s in starts],
            "period_start": starts,
            "complete": list(complete) if complete is not None else [True] * n,
            **{k: pl.Series(k, list(v), dtype=pl.Float64) for k, v in series.items()},
        }
    )


def planted(n: int = 36, lag: int = 2, seed: int = 7) -> tuple[np.ndarray, np.ndarray]:
    """revenue[t] = 3·leads[t-lag] + noise, leads = trend + season + noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(n + lag)
    leads = 300 + 4 * t + 60 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 40, n + lag)
    revenue = 3 * leads[:n] + rng.normal(0, 30, n)  # revenue[i] is driven by leads[i]...
    return leads[lag:], revenue  # ...which sits `lag` months before revenue[i] once cut


# --- helpers ------------------------------------------------------------------------------


def test_fisher_interval_by_hand() -> None:
    # atanh(0.5) = 0.5493; ± 1.96/sqrt(25) = 0.392 → tanh(0.1573), tanh(0.9413)
    low, high = fisher_interval(0.5, 28)
    assert low == pytest.approx(math.tanh(0.549306 - 1.959964 / 5), abs=1e-5)
    assert high == pytest.approx(math.tanh(0.549306 + 1.959964 / 5), abs=1e-5)


def test_expected_sign_follows_both_directions() -> None:
    assert expected_sign(KPIS["leads"], KPIS["revenue"]) == 1
    assert expected_sign(KPIS["cpc"], KPIS["revenue"]) == -1
    assert expected_sign(KPIS["leads"], KPIS["cac"]) == -1
    assert expected_sign(KPIS["spend"], KPIS["revenue"]) == 1  # neutral counts as "more"


# --- 1. indexed ---------------------------------------------------------------------------


def test_indexed_to_100_at_the_first_period_by_hand() -> None:
    kf = frame(leads=[200, 250, 150], revenue=[None, 1000, 1100])
    out = indexed(kf, kpis=["leads", "revenue"])
    assert out.columns == ["period", "period_start", "kpi", "value", "index"]
    assert out.filter(pl.col("kpi") == "leads")["index"].to_list() == [100.0, 125.0, 75.0]
    # revenue has no value in the first period: it is indexed from its own first value
    assert out.filter(pl.col("kpi") == "revenue")["index"].to_list() == [None, 100.0, 110.0]


def test_indexed_to_a_chosen_base_and_incomplete_periods_left_out() -> None:
    kf = frame(leads=[200, 250, 500], complete=[True, True, False])
    out = indexed(kf, kpis=["leads"], base="2023-02")
    assert out["index"].to_list() == [80.0, 100.0]
    with pytest.raises(InputError, match="no period 2030-01"):
        indexed(kf, kpis=["leads"], base="2030-01")


# --- 2. lead-time detection ---------------------------------------------------------------


def test_finds_a_planted_two_month_lead() -> None:
    leads, revenue = planted()
    kf = frame(leads=leads, revenue=revenue)
    result = cross_correlation(kf, lagging="revenue", leading=["leads"], max_lag=6)
    f = result.finding("leads")
    assert f.best_lag == 2
    assert f.strength == "strong"
    assert f.r is not None and f.r > 0.5
    assert f.n == 36 - 1 - 2  # one period lost to differencing, two to the lag
    assert f.low is not None and f.high is not None and 0 < f.low < f.r < f.high
    assert f.sentence.startswith("Leads move about 2 months before revenue; correlation")
    assert result.table.height == 7
    assert result.table.filter(pl.col("lag") == 0)["n"].item() == 35


@pytest.mark.parametrize("seed", range(8))
def test_a_shared_trend_alone_is_not_reported_as_a_strong_lead(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    t = np.arange(36)
    # Two independent noisy upward trends: levels correlate strongly, changes do not.
    leads = 200 + 8 * t + rng.normal(0, 20, 36)
    revenue = 5000 + 150 * t + rng.normal(0, 400, 36)
    kf = frame(leads=leads, revenue=revenue)
    levels = cross_correlation(kf, lagging="revenue", leading=["leads"], method="level")
    assert levels.table.filter(pl.col("lag") == 0)["r"].item() > 0.8  # the trap
    f = cross_correlation(kf, lagging="revenue", leading=["leads"]).finding("leads")
    assert f.strength != "strong"


@pytest.mark.parametrize("seed", range(8))
def test_two_independent_random_walks_give_no_strong_lead(seed: int) -> None:
    rng = np.random.default_rng(200 + seed)
    leads = 300 + np.cumsum(rng.normal(2, 15, 36))
    revenue = 9000 + np.cumsum(rng.normal(50, 300, 36))
    f = cross_correlation(frame(leads=leads, revenue=revenue), lagging="revenue").finding("leads")
    assert f.strength != "strong"


def test_too_short_a_series_says_so_instead_of_reporting() -> None:
    leads, revenue = planted(n=10)
    result = cross_correlation(frame(leads=leads, revenue=revenue), lagging="revenue")
    f = result.finding("leads")
    assert (f.best_lag, f.r, f.strength) == (None, None, "none")
    assert f.sentence.startswith("Too few months")
    assert "at least 12" in f.sentence
    assert f.issues and f.issues[0].level == "warning"
    assert result.table["r"].null_count() == result.table.height


def test_only_lags_with_the_expected_sign_are_candidates() -> None:
    leads, revenue = planted()
    # Revenue falling when leads rise is not a lead, however strong.
    kf = frame(leads=leads, revenue=-revenue)
    f = cross_correlation(kf, lagging="revenue", leading=["leads"]).finding("leads")
    assert f.strength in ("none", "weak")
    assert f.best_lag != 2 or f.strength != "strong"
    # For cost per click (lower is better) the expected sign is negative.
    cpc = 20 - leads / 50
    kf = frame(cpc=cpc, revenue=revenue)
    f = cross_correlation(kf, lagging="revenue", leading=["cpc"]).finding("cpc")
    assert (f.best_lag, f.strength) == (2, "strong")
    assert f.r is not None and f.r < 0


def test_a_missing_period_drops_only_its_pairs() -> None:
    leads, revenue = planted()
    leads = leads.copy()
    leads[10] = np.nan
    f = cross_correlation(frame(leads=leads, revenue=revenue), lagging="revenue").finding("leads")
    assert f.best_lag == 2
    assert f.n == 33 - 2  # the gap removes two changes


def test_unknown_or_missing_kpis_are_input_errors() -> None:
    kf = frame(leads=[1.0] * 20, revenue=[2.0] * 20)
    with pytest.raises(InputError, match="Unknown KPI"):
        cross_correlation(kf, lagging="profit")
    with pytest.raises(InputError, match="cannot be computed"):
        cross_correlation(kf, lagging="revenue", leading=["sessions"])


# --- 3. early warning ---------------------------------------------------------------------


def test_early_warning_fires_on_a_planted_twenty_percent_drop() -> None:
    leads, revenue = planted()
    kf = frame(leads=leads, revenue=revenue)
    findings = cross_correlation(kf, lagging="revenue", leading=["leads"]).findings
    dropped = leads.copy()
    dropped[-2:] = leads[-14:-12] * 0.8  # the last two months: 20 % below a year earlier
    kf = frame(leads=dropped, revenue=revenue)
    (w,) = early_warnings(kf, leading=["leads"], lagging="revenue", findings=findings)
    assert w.compared_with == "last year"
    assert w.change == pytest.approx(-0.2)
    assert w.periods == ("2025-11", "2025-12")
    assert (w.lag, w.affected) == (2, ("2026-01", "2026-02"))
    assert w.sentence == (
        "Leads fell 20% over the last two months compared with a year earlier; with leads "
        "moving about 2 months ahead of revenue, expect revenue to weaken in January 2026 "
        "and February 2026."
    )


def test_no_early_warning_on_a_flat_series() -> None:
    kf = frame(leads=[300.0] * 24, revenue=[9000.0] * 24)
    assert early_warnings(kf, leading=["leads"], lagging="revenue") == ()


def test_early_warning_without_a_year_compares_with_the_periods_before() -> None:
    kf = frame(leads=[100, 100, 100, 100, 80, 80], cpc=[5, 5, 5, 5, 5.2, 5.2], revenue=[1] * 6)
    (w,) = early_warnings(kf, leading=["leads", "cpc"], lagging="revenue")  # cpc +4 %: quiet
    assert (w.kpi, w.compared_with, w.lag) == ("leads", "previous periods", None)
    assert w.change == pytest.approx(-0.2)
    assert "the effect on revenue is not known" in w.sentence
    # Cost per click up 20 % is a warning: lower is better.
    kf = frame(cpc=[5, 5, 6, 6], revenue=[1] * 4)
    (w,) = early_warnings(kf, leading=["cpc"], lagging="revenue")
    assert w.sentence.startswith("Cost per click rose 20%")


# --- 4. forecast --------------------------------------------------------------------------


def test_forecast_interval_holds_the_planted_truth_and_labels_continue() -> None:
    rng = np.random.default_rng(11)
    n, lag = 36, 2
    leads = 300 + 60 * np.sin(np.arange(n + lag) * 2 * np.pi / 12) + rng.normal(0, 30, n + lag)
    truth = 3 * leads  # revenue[t] = 3·leads[t-2], before noise
    revenue = truth[:n] + rng.normal(0, 15, n)
    # leads[i] is known at month i; revenue at month i comes from leads[i-2]
    kf = frame(leads=leads[lag : n + lag], revenue=revenue)
    out = forecast(kf, lagging="revenue", leading="leads", lag=lag)
    assert out.columns == ["period", "period_start", "kind", "value", "low", "high"]
    assert out["kind"].to_list() == ["actual"] * n + ["forecast"] * 2
    assert out["period"].tail(3).to_list() == ["2025-12", "2026-01", "2026-02"]
    assert out["period_start"].tail(1).item() == dt.date(2026, 2, 1)
    fc = out.filter(pl.col("kind") == "forecast")
    for (low, high), expected in zip(fc.select("low", "high").rows(), truth[n:], strict=True):
        assert low < expected < high
    assert out.filter(pl.col("kind") == "actual")["low"].null_count() == n


def test_forecast_refuses_too_few_periods_and_an_impossible_horizon() -> None:
    leads, revenue = planted(n=10)
    with pytest.raises(InputError, match="Too few months"):
        forecast(frame(leads=leads, revenue=revenue), lagging="revenue", leading="leads", lag=1)
    leads, revenue = planted()
    kf = frame(leads=leads, revenue=revenue)
    with pytest.raises(InputError, match="1 to 2 periods ahead"):
        forecast(kf, lagging="revenue", leading="leads", lag=2, horizon=3)
    with pytest.raises(InputError, match="at least one period"):
        forecast(kf, lagging="revenue", leading="leads", lag=0)


# --- 5. year on year ----------------------------------------------------------------------


def test_year_on_year_by_hand() -> None:
    # Year 1: revenue 100/month, leads 10/month, lead_to_mql 0.5; year 2: 120, 11, 0.45.
    kf = frame(
        revenue=[100] * 12 + [120] * 12,
        leads=[10] * 12 + [11] * 12,
        lead_to_mql=[0.5] * 12 + [0.45] * 12,
    )
    yoy = year_on_year(kf, lagging="revenue", leading=["lead_to_mql", "leads"])
    assert (yoy.current, yoy.previous) == (("2024-01", "2024-12"), ("2023-01", "2023-12"))
    rows = {r["kpi"]: r for r in yoy.table.iter_rows(named=True)}
    assert rows["revenue"]["change"] == pytest.approx(0.2)
    assert rows["leads"]["change"] == pytest.approx(0.1)
    assert rows["lead_to_mql"]["change"] == pytest.approx(-5.0)  # percentage points
    assert rows["lead_to_mql"]["change_kind"] == "pp"
    assert yoy.table["kpi"].to_list() == ["revenue", "leads", "lead_to_mql"]  # best explainer first
    assert yoy.sentence == (
        "From January 2024 to December 2024, revenue rose 20% on the year before; moving the "
        "same way: leads (+10%); pulling the other way: lead to MQL (-5.0 pp)."
    )


def test_year_on_year_needs_a_year_earlier() -> None:
    with pytest.raises(InputError, match="a year earlier"):
        year_on_year(frame(revenue=[1.0] * 6, leads=[1.0] * 6), lagging="revenue")


# --- 6. sales alignment -------------------------------------------------------------------


def test_sales_alignment_statuses_by_hand() -> None:
    kf = frame(leads=[470, 440, 439, 400, 361, 360, None])
    out = sales_alignment(kf, capacity=400, tolerance=0.1)
    assert out.table["status"].to_list() == [
        "over capacity",  # 470 > 440
        "matched",  # exactly +10 % is still matched
        "matched",
        "matched",
        "matched",
        "matched",  # exactly -10 %
        None,  # no data is not "under capacity"
    ]
    assert out.table["capacity"].to_list() == [400.0] * 7
    assert out.sentence == (
        "In 1 of the last 6 months marketing sent more leads than sales can handle "
        "(capacity 400 a month); the worst was January 2023 with 470."
    )
    low = sales_alignment(frame(sqls=[50, 100]), capacity=100, measure="sqls")
    assert low.table["status"].to_list() == ["under capacity", "matched"]
    assert "never sent more SQLs" in low.sentence


def test_sales_alignment_scales_capacity_for_quarters() -> None:
    kf = pl.DataFrame(
        {
            "period": ["2026-Q1", "2026-Q2"],
            "period_start": [dt.date(2026, 1, 1), dt.date(2026, 4, 1)],
            "complete": [True, True],
            "leads": [1300.0, 1100.0],
        }
    )
    out = sales_alignment(kf, capacity=400)
    assert out.table["capacity"].to_list() == [1200.0, 1200.0]
    assert out.table["status"].to_list() == ["matched", "matched"]
    assert sales_alignment(kf, capacity=350).table["status"].to_list()[0] == "over capacity"


# --- 7. the command line report and the sample ----------------------------------------------


def test_leadlag_report_is_json_ready() -> None:
    leads, revenue = planted()
    report = leadlag_report(frame(leads=leads, revenue=revenue), lagging="revenue", max_lag=3)
    text = json.dumps(report)
    assert "NaN" not in text
    (item,) = report["leading"]
    assert (item["kpi"], item["best_lag"], item["n"]) == ("leads", 2, 33)
    assert [x["lag"] for x in item["lags"]] == [0, 1, 2, 3]
    assert report["period"] == "month"


@pytest.fixture(scope="module")
def sample_kf() -> pl.DataFrame:
    from kpi_core.compute import kpi_frame
    from kpi_core.ingest import load_path
    from kpi_core.mapping import apply_mapping, resolve_mapping

    t = load_path(ROOT / "sample_data" / "nordlys_marketing.xlsx")
    return kpi_frame(apply_mapping(t.frame, resolve_mapping(t.kinds)), period="month")


def test_golden_sample_leads_lead_revenue_by_one_month(sample_kf: pl.DataFrame) -> None:
    result = cross_correlation(sample_kf, lagging="revenue", leading=["leads", "sessions"])
    f = result.finding("leads")
    assert f.best_lag == 1
    assert f.r is not None and f.r > 0.4
    assert f.n == 22
    assert f.reliable
    assert f.sentence.startswith("Leads move about 1 month before revenue")
    # In raw levels the sample's README figure: r ≈ 0.79 one month on, 0.72 the same month.
    levels = cross_correlation(sample_kf, lagging="revenue", leading=["leads"], method="level")
    assert levels.finding("leads").best_lag == 1
    assert levels.table["r"][1] == pytest.approx(0.79, abs=0.02)


def test_golden_sample_forecast_and_warnings(sample_kf: pl.DataFrame) -> None:
    out = forecast(sample_kf, lagging="revenue", leading="leads", lag=1)
    assert out["period"].tail(1).item() == "2026-11"
    row = out.tail(1).row(0, named=True)
    assert row["low"] < row["value"] < row["high"]
    # The new quote form (August 2026) halves lead → MQL: the warning must see it.
    warned = {w.kpi for w in early_warnings(sample_kf, lagging="revenue", leading=["lead_to_mql"])}
    assert warned == {"lead_to_mql"}


# --- 8. in the user's language --------------------------------------------------------------


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("da", "I 1 af de seneste 6 måneder sendte marketing flere leads, end salg kan håndtere "
               "(kapacitet 400 om måneden); værst var januar 2023 med 4.700."),
        ("nb", "I 1 av de siste 6 månedene sendte markedsføring flere leads enn salg kan håndtere "
               "(kapasitet 400 i måneden); verst var januar 2023 med 4\xa0700."),
        ("sv", "Under 1 av de senaste 6 månaderna skickade marknadsföringen fler leads än säljarna "
               "hinner med (kapacitet 400 i månaden); värst var januari 2023 med 4\xa0700."),
    ],
)  # fmt: skip
def test_alignment_sentence_in_each_language(locale: str, expected: str) -> None:
    kf = frame(leads=[4700, 440, 439, 400, 361, 360, None])
    assert sales_alignment(kf, capacity=400, locale=locale).sentence == expected


def test_early_warning_in_danish() -> None:
    kf = frame(leads=[100, 100, 100, 100, 80, 80], revenue=[1] * 6)
    (w,) = early_warnings(kf, leading=["leads"], lagging="revenue", locale="da")
    assert w.sentence == (
        "Leads faldt 20\xa0% over de seneste to måneder sammenlignet med de 2 måneder før "
        "(sæsonen medregnet); der er ikke fundet noget pålideligt forspring fra leads til "
        "omsætning, så virkningen på omsætning kendes ikke."
    )


def test_findings_and_errors_follow_the_locale() -> None:
    leads, revenue = planted()
    f = cross_correlation(
        frame(leads=leads, revenue=revenue), lagging="revenue", leading=["leads"], locale="sv"
    ).finding("leads")
    assert f.sentence.startswith("Leads rör sig ungefär 2 månader före intäkter; korrelation 0,")
    short = cross_correlation(frame(leads=leads[:10], revenue=revenue[:10]), lagging="revenue",
                              locale="nb").finding("leads")  # fmt: skip
    assert short.sentence.startswith("For få måneder til å avgjøre om leads varsler omsetning")
    assert short.issues[0].text("da").startswith("For få måneder til at afgøre")
    with pytest.raises(InputError) as err:
        forecast(frame(leads=leads, revenue=revenue), lagging="revenue", leading="leads", lag=0)
    assert err.value.text("da") == "En prognose kræver et forspring på mindst én periode."
