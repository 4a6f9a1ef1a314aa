"""The scorecard: changes read in each KPI's direction, periods to compare, plain summaries."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from kpi_core.catalogue import KPIS
from kpi_core.compute import kpi_frame
from kpi_core.issues import InputError
from kpi_core.scorecard import Change, ScoreRow, change, default_period, scorecard, summary

D = dt.date

# --- change -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kpi_id", "now", "before", "value", "kind", "verdict"),
    [
        # Rates move in percentage points: 2.0 % → 2.5 % is +0.5 pp (not +25 %).
        ("ctr", 0.025, 0.020, 0.5, "pp", "better"),
        ("ctr", 0.020, 0.025, -0.5, "pp", "worse"),
        ("traffic_to_lead", 0.10, 0.05, 5.0, "pp", "better"),
        ("lead_to_customer", 0.30, 0.32, -2.0, "pp", "worse"),
        # The pp 'same' band is |Δ| < 0.05 pp.
        ("ctr", 0.0204, 0.0200, 0.04, "pp", "same"),
        ("ctr", 0.0205, 0.0200, 0.05, "pp", "better"),
        ("ctr", 0.0195, 0.0200, -0.05, "pp", "worse"),
        ("ctr", 0.02, 0.02, 0.0, "pp", "same"),
        # A rate from zero is still a pp change, not unknown.
        ("conversion_rate", 0.01, 0.0, 1.0, "pp", "better"),
        # Everything else moves relatively: (now - before) / |before|.
        ("sessions", 1250.0, 1000.0, 0.25, "relative", "better"),
        ("sessions", 800.0, 1000.0, -0.2, "relative", "worse"),
        ("revenue", 12000.0, 10000.0, 0.2, "relative", "better"),
        ("roas", 3.0, 2.0, 0.5, "relative", "better"),
        ("aov", 450.0, 500.0, -0.1, "relative", "worse"),
        # Lower is better for costs.
        ("cpc", 4.0, 5.0, -0.2, "relative", "better"),
        ("cpc", 5.0, 4.0, 0.25, "relative", "worse"),
        ("cac", 300.0, 400.0, -0.25, "relative", "better"),
        ("cpm", 220.0, 200.0, 0.1, "relative", "worse"),
        ("cpl", 40.0, 50.0, -0.2, "relative", "better"),
        # Spend is neither good nor bad.
        ("spend", 5000.0, 4000.0, 0.25, "relative", "neutral"),
        ("spend", 3000.0, 4000.0, -0.25, "relative", "neutral"),
        ("spend", 4000.0, 4000.0, 0.0, "relative", "neutral"),
        # The relative 'same' band is |Δ| < 0.5 %.
        ("sessions", 1004.0, 1000.0, 0.004, "relative", "same"),
        ("sessions", 996.0, 1000.0, -0.004, "relative", "same"),
        ("sessions", 1005.0, 1000.0, 0.005, "relative", "better"),
        ("cpc", 1005.0, 1000.0, 0.005, "relative", "worse"),
        ("cac", 100.0, 100.0, 0.0, "relative", "same"),
        # Negative before: the sign of the change still follows the direction of travel.
        ("revenue", -5.0, -10.0, 0.5, "relative", "better"),
    ],
)
def test_change(
    kpi_id: str, now: float, before: float, value: float, kind: str, verdict: str
) -> None:
    ch = change(KPIS[kpi_id], now, before)
    assert ch.kind == kind
    assert ch.value == pytest.approx(value, abs=1e-12)
    assert ch.verdict == verdict


@pytest.mark.parametrize(
    ("kpi_id", "now", "before"),
    [
        ("sessions", None, 1000.0),
        ("sessions", 1000.0, None),
        ("sessions", None, None),
        ("sessions", 1000.0, 0.0),  # relative change from zero is undefined
        ("cpc", 4.0, 0.0),
        ("spend", 100.0, 0.0),
        ("ctr", None, 0.02),
        ("ctr", 0.02, None),
    ],
)
def test_change_is_unknown_without_two_values_or_from_zero(
    kpi_id: str, now: float | None, before: float | None
) -> None:
    ch = change(KPIS[kpi_id], now, before)
    assert (ch.value, ch.verdict) == (None, "unknown")
    assert ch.kind == ("pp" if KPIS[kpi_id].is_rate else "relative")


# --- a year and a bit of monthly data ---------------------------------------------------

#: Values per month; every other month of 2024-01 … 2025-02 gets BASE.
BASE = {"sessions": 1000.0, "leads": 10.0, "revenue": 5000.0, "customers": 2.0}
BASE_AD = {"clicks": 200.0, "spend": 1000.0}
SPECIAL = {
    D(2024, 2, 1): {"sessions": 1000.0, "leads": 20.0, "revenue": 8000.0, "customers": 4.0},
    D(2025, 1, 1): {"sessions": 1600.0, "leads": 32.0, "revenue": 10000.0, "customers": 5.0},
    D(2025, 2, 1): {"sessions": 2000.0, "leads": 50.0, "revenue": 12000.0, "customers": 5.0},
}
SPECIAL_AD = {
    D(2024, 2, 1): {"clicks": 400.0, "spend": 2000.0},  # cpc 5.0
    D(2025, 1, 1): {"clicks": 500.0, "spend": 2000.0},  # cpc 4.0
    D(2025, 2, 1): {"clicks": 500.0, "spend": 2500.0},  # cpc 5.0
}


MID_MARCH = D(2025, 3, 20)


def monthly_rows(*, last_day: dt.date = MID_MARCH) -> pl.DataFrame:
    """One row on the 1st of every month from 2024-01 to 2025-03, plus one on ``last_day``.

    The data starts on 2024-01-01, so every month up to February 2025 is complete;
    March 2025 runs to ``last_day`` and is partial unless that is the 31st.
    """
    rows = []
    month = D(2024, 1, 1)
    while month <= D(2025, 3, 1):
        values = {**BASE, **BASE_AD, **SPECIAL.get(month, {}), **SPECIAL_AD.get(month, {})}
        rows.append({"date": month, **values})
        month = D(month.year + month.month // 12, month.month % 12 + 1, 1)
    zero = dict.fromkeys([*BASE, *BASE_AD], 0.0)
    rows.append({"date": last_day, **zero})
    return pl.DataFrame(rows)


@pytest.fixture(scope="module")
def kf() -> pl.DataFrame:
    return kpi_frame(monthly_rows())


KPI_IDS = ["revenue", "customers", "traffic_to_lead", "sessions", "cpc", "spend"]


def test_the_fixture_is_what_the_comments_say(kf: pl.DataFrame) -> None:
    assert kf.height == 15  # 2024-01 … 2025-03
    assert kf["complete"].to_list() == [True] * 14 + [False]
    feb = kf.filter(pl.col("period") == "2025-02").row(0, named=True)
    assert (feb["traffic_to_lead"], feb["cpc"]) == (0.025, 5.0)  # 50/2000, 2500/500


def test_default_period_is_the_latest_complete_one(kf: pl.DataFrame) -> None:
    # March 2025 has data but runs only to the 20th.
    assert default_period(kf) == "2025-02"


def test_default_period_falls_back_to_the_latest_with_data() -> None:
    # Three days of data in one month: nothing complete.
    rows = pl.DataFrame({"date": [D(2025, 3, 3), D(2025, 3, 5)], "sessions": [1.0, 2.0]})
    assert default_period(kpi_frame(rows)) == "2025-03"


def test_default_period_skips_complete_periods_without_data() -> None:
    # Months inside the range count as complete even with no rows; they are not chosen.
    rows = pl.DataFrame(
        {"date": [D(2025, 1, 1), D(2025, 1, 31), D(2025, 4, 10)], "sessions": [1.0, 2.0, 3.0]}
    )
    kf = kpi_frame(rows)
    assert kf.select("period", "complete", "days").rows() == [
        ("2025-01", True, 2),
        ("2025-02", True, 0),
        ("2025-03", True, 0),
        ("2025-04", False, 1),
    ]
    assert default_period(kf) == "2025-01"


def test_default_period_without_any_data_is_an_input_error(kf: pl.DataFrame) -> None:
    with pytest.raises(InputError, match="no data in any period"):
        default_period(kf.with_columns(pl.lit(0, pl.UInt32).alias("days")))


def test_scorecard_compares_with_previous_period_and_same_period_last_year(
    kf: pl.DataFrame,
) -> None:
    rows = {r.kpi.id: r for r in scorecard(kf, kpis=KPI_IDS)}
    assert list(rows) == KPI_IDS
    table = {
        k: (r.value, r.previous, r.last_year, r.vs_previous.verdict, r.vs_last_year.verdict)
        for k, r in rows.items()
    }
    # February 2025 against January 2025 and February 2024.
    assert table == {
        "revenue": (12000.0, 10000.0, 8000.0, "better", "better"),  # +20 %, +50 %
        "customers": (5.0, 5.0, 4.0, "same", "better"),  # ±0 %, +25 %
        "traffic_to_lead": (0.025, 0.02, 0.02, "better", "better"),  # +0.5 pp, +0.5 pp
        "sessions": (2000.0, 1600.0, 1000.0, "better", "better"),  # +25 %, +100 %
        "cpc": (5.0, 4.0, 5.0, "worse", "same"),  # +25 % is worse for a cost
        "spend": (2500.0, 2000.0, 2000.0, "neutral", "neutral"),
    }
    assert rows["traffic_to_lead"].vs_previous == Change(pytest.approx(0.5), "pp", "better")
    assert rows["revenue"].vs_last_year.value == pytest.approx(0.5)  # (12000-8000)/8000
    assert rows["sessions"].vs_last_year.value == pytest.approx(1.0)  # (2000-1000)/1000


def test_scorecard_trend_ends_at_the_chosen_period(kf: pl.DataFrame) -> None:
    (row,) = scorecard(kf, kpis=["sessions"], trend_length=3)
    assert row.trend_periods == ("2024-12", "2025-01", "2025-02")
    assert row.trend == (1000.0, 1600.0, 2000.0)


def test_scorecard_default_trend_is_twelve_periods(kf: pl.DataFrame) -> None:
    (row,) = scorecard(kf, kpis=["sessions"])
    assert len(row.trend) == 12
    assert row.trend_periods[0] == "2024-03"
    assert row.trend_periods[-1] == "2025-02"


def test_scorecard_trend_is_shorter_at_the_start(kf: pl.DataFrame) -> None:
    (row,) = scorecard(kf, kpis=["sessions"], at="2024-02")
    assert row.trend_periods == ("2024-01", "2024-02")


def test_scorecard_at_the_first_period_has_nothing_to_compare(kf: pl.DataFrame) -> None:
    (row,) = scorecard(kf, kpis=["revenue"], at="2024-01")
    assert (row.value, row.previous, row.last_year) == (5000.0, None, None)
    assert row.vs_previous.verdict == row.vs_last_year.verdict == "unknown"


def test_scorecard_at_a_partial_period_when_asked(kf: pl.DataFrame) -> None:
    (row,) = scorecard(kf, kpis=["sessions"], at="2025-03")
    # 2025-03: 1000 (BASE) + 0 (the row on the 20th); previous 2000; last year 1000.
    assert (row.value, row.previous, row.last_year) == (1000.0, 2000.0, 1000.0)


def test_scorecard_previous_period_can_be_an_empty_month() -> None:
    rows = pl.DataFrame(
        {"date": [D(2025, 1, 1), D(2025, 3, 1), D(2025, 3, 31)], "sessions": [5.0, 7.0, 1.0]}
    )
    (row,) = scorecard(kpi_frame(rows), kpis=["sessions"])
    # February had no rows: no data is not zero, so the change is unknown, not +∞.
    assert (row.value, row.previous) == (8.0, None)
    assert row.vs_previous.verdict == "unknown"
    assert row.trend == (5.0, None, 8.0)


def test_scorecard_by_quarter_compares_the_same_quarter_last_year() -> None:
    kfq = kpi_frame(monthly_rows(last_day=D(2025, 3, 31)), period="quarter")
    assert kfq["period"].to_list() == ["2024-Q1", "2024-Q2", "2024-Q3", "2024-Q4", "2025-Q1"]
    (row,) = scorecard(kfq, kpis=["revenue"])
    # 2025-Q1 = 10000 + 12000 + 5000 = 27000; 2024-Q4 = 3 × 5000; 2024-Q1 = 5000 + 8000 + 5000.
    assert (row.value, row.previous, row.last_year) == (27000.0, 15000.0, 18000.0)
    assert row.vs_last_year.value == pytest.approx(0.5)  # 27000/18000 - 1


def test_scorecard_leaves_out_unknown_and_uncomputable_kpis(kf: pl.DataFrame) -> None:
    rows = scorecard(kf, kpis=["bogus", "roas", "sessions", "aov"])  # no orders in the data
    assert [r.kpi.id for r in rows] == ["roas", "sessions"]


@pytest.mark.parametrize(
    ("frame_kwargs", "at", "message"),
    [
        ({"period": "month"}, "2023-05", r"no period 2023-05 .*2024-01 to 2025-03"),
        ({"period": None}, None, "needs KPIs per period"),
    ],
)
def test_scorecard_errors(frame_kwargs: dict, at: str | None, message: str) -> None:
    kf = kpi_frame(monthly_rows(), **frame_kwargs)
    with pytest.raises(InputError, match=message):
        scorecard(kf, kpis=["sessions"], at=at)


# --- summary ----------------------------------------------------------------------------


def test_summary_sentences(kf: pl.DataFrame) -> None:
    rows = scorecard(kf, kpis=KPI_IDS)
    assert summary(rows, period="2025-02") == [
        "In February 2025, revenue was DKK12,000 – up 20.0% on the period before "
        "and up 50.0% on the same period last year.",
        # Judged: revenue, customers (same), traffic to lead, sessions, CPC; spend is neutral.
        # Against Feb 2024: revenue, customers, TTL, sessions better; CPC 5.0 = 5.0 the same.
        "Of 5 KPIs with a direction, 3 improved on the period before and 1 got worse; "
        "against the same period last year, 4 of 5 improved.",
        # Sessions +25 % beats revenue +20 % and +0.5 pp (weighed as 5 %).
        "Biggest improvement: Sessions (+25.0%, now 2,000).",
        "Worth a look: Cost per click (+25.0%, now DKK5.00).",
    ]


@pytest.mark.parametrize(
    ("locale", "currency", "expected"),
    [
        (
            "da",
            "DKK",
            "I februar 2025 var tallet for omsætning 12.000\xa0kr. – op 20,0\xa0% i forhold til "
            "perioden før og op 50,0\xa0% i forhold til samme periode sidste år.",
        ),
        (
            "nb",
            "NOK",
            "I februar 2025 var tallet for omsetning 12\xa0000\xa0kr – opp 20,0\xa0% fra perioden "
            "før og opp 50,0\xa0% fra samme periode i fjor.",
        ),
        (
            "sv",
            "EUR",
            "I februari 2025 var siffran för intäkter 12\xa0000\xa0€ – upp 20,0\xa0% mot perioden "
            "innan och upp 50,0\xa0% mot samma period förra året.",
        ),
    ],
)
def test_summary_in_the_users_language_and_currency(
    kf: pl.DataFrame, locale: str, currency: str, expected: str
) -> None:
    rows = scorecard(kf, kpis=["revenue"])
    assert summary(rows, period="2025-02", locale=locale, currency=currency)[0] == expected


def test_summary_counts_and_changes_in_danish(kf: pl.DataFrame) -> None:
    lines = summary(scorecard(kf, kpis=KPI_IDS), period="2025-02", locale="da")
    assert lines[1:] == [
        "Af 5 KPI'er med en retning blev 3 bedre end perioden før, og 1 blev dårligere; "
        "sammenlignet med samme periode sidste år blev 4 af 5 bedre.",
        "Største forbedring: Besøg (+25,0\xa0%, nu 2.000).",
        "Værd at se på: Pris pr. klik (+25,0\xa0%, nu 5,00\xa0kr.).",
    ]


def test_scorecard_errors_speak_the_language() -> None:
    kf = kpi_frame(monthly_rows())
    with pytest.raises(InputError) as caught:
        scorecard(kf, kpis=["sessions"], at="2023-05")
    assert caught.value.text("da") == (
        "Perioden 2023-05 findes ikke i dataene (de går fra 2024-01 til 2025-03)."
    )


def test_summary_headline_falls_back_to_customers_then_a_lagging_kpi(kf: pl.DataFrame) -> None:
    first = summary(scorecard(kf, kpis=["sessions", "customers"]), period="2025-02")[0]
    assert first.startswith("In February 2025, new customers was 5 – about the same on")
    first = summary(scorecard(kf, kpis=["sessions", "cpc", "cac"]), period="2025-02")[0]
    # cac 2500/5 = 500 now, 2000/5 = 400 before: +25 %; last year 2000/4 = 500: ±0 %.
    assert first == (
        "In February 2025, customer acquisition cost was DKK500.00 – up 25.0% on the period "
        "before and about the same on the same period last year."
    )
    first = summary(scorecard(kf, kpis=["traffic_to_lead"]), period="2025-02")[0]
    assert first == (
        "In February 2025, traffic to lead (TTL) was 2.5% – up 0.5 pp on the period before "
        "and up 0.5 pp on the same period last year."
    )


def test_summary_counts_only_kpis_with_a_verdict() -> None:
    rows = pl.DataFrame(
        {"date": [D(2025, 1, 1), D(2025, 2, 1), D(2025, 2, 28)], "spend": [10.0, 20.0, 0.0]}
    )
    lines = summary(scorecard(kpi_frame(rows), kpis=["spend"]), period="2025-02")
    # Spend is neutral: a headline, but no count and no best or worst.
    assert lines == ["In February 2025, spend was DKK20.00 – up 100.0% on the period before."]


def test_summary_without_a_value_skips_the_headline() -> None:
    row = ScoreRow(
        kpi=KPIS["revenue"],
        value=None,
        previous=None,
        last_year=None,
        vs_previous=Change(None, "relative", "unknown"),
        vs_last_year=Change(None, "relative", "unknown"),
        trend=(None,),
        trend_periods=("2025-02",),
    )
    assert summary([row], period="2025-02") == []
    assert summary([], period="2025-02") == []


def test_summary_worst_is_the_biggest_decline(kf: pl.DataFrame) -> None:
    rows = scorecard(kf, kpis=["revenue", "sessions"], at="2025-03")
    # 2025-03 vs 2025-02: revenue 5000 vs 12000 = -58.3 %, sessions 1000 vs 2000 = -50 %.
    assert summary(rows, period="2025-03")[1:] == [
        # Against March 2024 (5000 and 1000): both the same.
        "Of 2 KPIs with a direction, 0 improved on the period before and 2 got worse; "
        "against the same period last year, 0 of 2 improved.",
        "Worth a look: Revenue (-58.3%, now DKK5,000).",
    ]


def test_a_frame_split_by_channel_is_refused(kf: pl.DataFrame) -> None:
    split = pl.concat([kf, kf])
    with pytest.raises(InputError, match="one row per period"):
        scorecard(split, kpis=["revenue"])


def test_summary_headline_falls_back_when_revenue_has_no_value(kf: pl.DataFrame) -> None:
    rows = scorecard(kf, kpis=["revenue", "sessions"])
    blank = ScoreRow(**{**rows[0].__dict__, "value": None})
    lines = summary([blank, rows[1]], period=rows[1].trend_periods[-1])
    assert lines[0].startswith(f"In {''}") and "sessions was" in lines[0]


def test_summary_says_kpi_in_the_singular_for_one() -> None:
    row = ScoreRow(
        kpi=KPIS["leads"], value=12.0, previous=10.0, last_year=None,
        vs_previous=change(KPIS["leads"], 12.0, 10.0),
        vs_last_year=Change(None, "relative", "unknown"),
        trend=(10.0, 12.0), trend_periods=("2025-01", "2025-02"),
    )  # fmt: skip
    assert "Of 1 KPI with a direction, 1 improved" in " ".join(summary([row], period="2025-02"))


def test_summary_keeps_acronyms_in_the_headline() -> None:
    row = ScoreRow(
        kpi=KPIS["mqls"],
        value=12.0,
        previous=None,
        last_year=None,
        vs_previous=Change(None, "relative", "unknown"),
        vs_last_year=Change(None, "relative", "unknown"),
        trend=(12.0,),
        trend_periods=("2025-02",),
    )
    assert summary([row], period="2025-02")[0] == "In February 2025, MQLs was 12."
