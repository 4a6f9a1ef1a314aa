"""SMART targets: periods, exact splits, steps, checks, pacing, the journey plan and files.

Every expectation is worked out by hand from a few daily rows (see the comments);
the golden checks at the end recompute the sample workspace's figures with plain
polars from the raw workbook, never with the module under test.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from fractions import Fraction
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpi_core.catalogue import KPIS
from kpi_core.compute import kpi_frame
from kpi_core.ingest import load_path
from kpi_core.issues import InputError
from kpi_core.mapping import apply_mapping, resolve_mapping
from kpi_core.targets import (
    JOURNEY_FOCUS,
    Target,
    apportion,
    baseline,
    best_growth,
    check_steps,
    focus_of,
    from_record,
    journey_plan,
    load_targets,
    monthly_plan,
    pace,
    pacing_sentence,
    period_bounds,
    seasonal_weights,
    smart_check,
    split,
    target,
    to_record,
    with_baseline,
    with_steps,
)

D = dt.date
ROOT = Path(__file__).resolve().parents[2]
WORKBOOK = ROOT / "sample_data" / "nordlys_marketing.xlsx"
TARGETS = ROOT / "sample_data" / "targets.json"


def _first_of(first: dt.date, months: int) -> dt.date:
    total = first.year * 12 + first.month - 1 + months
    return D(total // 12, total % 12 + 1, 1)


def monthly(first: dt.date, **series: list[float | None]) -> pl.DataFrame:
    """A monthly ``parts=True`` frame from one daily row per month (on the 1st).

    A blank row on the last day of the last month closes it, so every month is
    complete (the data covers it from its first to its last day).
    """
    n = len(next(iter(series.values())))
    dates = [_first_of(first, i) for i in range(n)]
    closing = _first_of(first, n) - dt.timedelta(days=1)
    schema = {"date": pl.Date, **{name: pl.Float64 for name in series}}
    rows = pl.DataFrame({"date": dates, **series}, schema=schema)
    blank = pl.DataFrame({"date": [closing]}, schema={"date": pl.Date})
    return kpi_frame(pl.concat([rows, blank], how="diagonal"), period="month", parts=True)


def daily(rows: list[dict]) -> pl.DataFrame:
    """A monthly ``parts=True`` frame from hand-written daily rows."""
    names = sorted({k for r in rows for k in r} - {"date"})
    schema = {"date": pl.Date, **{n: pl.Float64 for n in names}}
    frame = pl.DataFrame([{n: r.get(n) for n in schema} for r in rows], schema=schema)
    return kpi_frame(frame, period="month", parts=True)


# --- periods -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "kind", "start", "end"),
    [
        ("2026", "year", D(2026, 1, 1), D(2026, 12, 31)),
        ("2026-Q1", "quarter", D(2026, 1, 1), D(2026, 3, 31)),
        ("2026-Q2", "quarter", D(2026, 4, 1), D(2026, 6, 30)),
        ("2026-Q3", "quarter", D(2026, 7, 1), D(2026, 9, 30)),
        ("2026-Q4", "quarter", D(2026, 10, 1), D(2026, 12, 31)),
        ("2026-01", "month", D(2026, 1, 1), D(2026, 1, 31)),
        ("2026-02", "month", D(2026, 2, 1), D(2026, 2, 28)),
        ("2024-02", "month", D(2024, 2, 1), D(2024, 2, 29)),  # leap year
        ("2026-09", "month", D(2026, 9, 1), D(2026, 9, 30)),
        ("2026-12", "month", D(2026, 12, 1), D(2026, 12, 31)),
        (" 2026-Q3 ", "quarter", D(2026, 7, 1), D(2026, 9, 30)),  # typed with spaces
    ],
)
def test_period_bounds(label: str, kind: str, start: dt.date, end: dt.date) -> None:
    assert period_bounds(label) == (kind, start, end)


@pytest.mark.parametrize(
    "label", ["", "26", "2026-Q0", "2026-Q5", "2026-00", "2026-13", "2026-1", "Q1 2026", "2026/03"]
)
def test_period_bounds_refuses_what_is_not_a_period(label: str) -> None:
    with pytest.raises(InputError, match="is not a period"):
        period_bounds(label)


def test_target_takes_its_dates_from_the_label() -> None:
    t = target("customers", 110, "2026-Q4", owner="Anders")
    assert (t.kind, t.start, t.end, t.label) == (
        "quarter",
        D(2026, 10, 1),
        D(2026, 12, 31),
        "2026-Q4",
    )
    assert t.value == 110.0 and t.owner == "Anders" and t.baseline is None


def test_an_unknown_kpi_cannot_be_built() -> None:
    with pytest.raises(KeyError, match="valid KPIs"):
        target("visits", 1000, "2026")


# --- apportion: parts that add up exactly ----------------------------------------------------


@pytest.mark.parametrize(
    ("total", "weights", "expected"),
    [
        (10, [1, 1, 1], [4.0, 3.0, 3.0]),  # 3⅓ each: the first gets the spare unit
        (100, [1, 2, 3, 4], [10.0, 20.0, 30.0, 40.0]),
        (1, [1, 1, 1], [1.0, 0.0, 0.0]),
        (0, [1, 1], [0.0, 0.0]),
        (7, [0, 1, 0], [0.0, 7.0, 0.0]),
        (6, [0, 0, 0], [2.0, 2.0, 2.0]),  # no weight at all: even
        (6, [-1, 1, 2], [0.0, 2.0, 4.0]),  # a negative weight counts as none
        (11, [2, 1], [7.0, 4.0]),  # 7⅓ and 3⅔: the larger remainder (⅔) gets the unit
        (10.5, [1, 1], [5.25, 5.25]),  # not whole: cents
        (0.1, [1, 1, 1], [0.04, 0.03, 0.03]),  # 10 cents over three
        (100.01, [1, 1], [50.01, 50.0]),  # 10,001 cents: 5,000.5 each
        (1000.5, [1, 1, 1, 1], [250.13, 250.13, 250.12, 250.12]),  # 100,050 cents / 4
        (1234567, [1] * 12, [102881.0] * 7 + [102880.0] * 5),  # 102,880.58…: 7 spare units
        (5, [], []),
    ],
)
def test_apportion_by_hand(total: float, weights: list[float], expected: list[float]) -> None:
    parts = apportion(total, weights)
    assert parts == expected
    if weights:
        assert math.isclose(sum(parts), total, abs_tol=1e-9)


@pytest.mark.parametrize("total", [1, 7, 99, 1000, 56_000_000, 123_456_789, 0.07, 19.99, 1e6 + 0.5])
@pytest.mark.parametrize(
    "weights",
    [[1.0], [1, 1, 1], [0.1, 0.2, 0.7], [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8], [1e-9, 1.0], [2, 0]],
)
def test_apportion_adds_up_for_many_totals_and_weights(total: float, weights: list[float]) -> None:
    parts = apportion(total, weights)
    assert len(parts) == len(weights)
    assert all(p >= 0 for p in parts)
    unit = 1 if float(total).is_integer() else 0.01
    if unit == 1:
        assert sum(parts) == total
    assert sum(round(p / unit) for p in parts) == round(total / unit)  # exact in units
    for p, w in zip(parts, weights, strict=True):  # each part is within one unit of its share
        assert abs(p - total * w / sum(weights)) < unit + 1e-6


weight_lists = st.lists(
    st.floats(min_value=0, max_value=1e6, allow_nan=False, allow_infinity=False),
    min_size=1,
    max_size=24,
)


@settings(max_examples=300, deadline=None, database=None, derandomize=True)
@given(st.integers(min_value=0, max_value=10**12), weight_lists)
def test_apportion_whole_totals_add_up_exactly(total: int, weights: list[float]) -> None:
    parts = apportion(total, weights)
    assert sum(parts) == total
    assert all(p >= 0 and float(p).is_integer() for p in parts)


@settings(max_examples=300, deadline=None, database=None, derandomize=True)
@given(st.integers(min_value=1, max_value=10**11), weight_lists)
def test_apportion_cent_totals_add_up_to_the_cent(cents: int, weights: list[float]) -> None:
    total = cents / 100
    parts = apportion(total, weights)
    assert abs(sum(parts) - total) <= 0.005
    assert all(p >= 0 for p in parts)
    assert all(math.isclose(p * 100, round(p * 100), rel_tol=1e-12, abs_tol=1e-6) for p in parts)


# --- splits ------------------------------------------------------------------------------------

#: Two years of leads and sessions. 2024 is flat (100 leads a month), so a seasonal
#: split must follow 2025 — the latest complete year — where month m has 10·m leads
#: (Jan 10 … Dec 120, 780 in all; quarters 60, 150, 240, 330). Sessions are 1,000 a month.
SEASONS = monthly(
    D(2024, 1, 1),
    leads=[100.0] * 12 + [10.0 * m for m in range(1, 13)],
    sessions=[1000.0] * 24,
)


@pytest.mark.parametrize(
    ("kpi_id", "value", "period", "into", "method", "expected"),
    [
        ("leads", 1200, "2026", "quarter", "even", [300.0] * 4),
        ("leads", 1200, "2026", "month", "even", [100.0] * 12),
        ("leads", 1000, "2026", "quarter", "even", [250.0] * 4),
        ("leads", 1001, "2026", "quarter", "even", [251.0, 250.0, 250.0, 250.0]),
        # Ramp, last step twice the first: shares 1, 4/3, 5/3, 2 (sum 6) → 200, 266⅔, 333⅓,
        # 400; the spare unit goes to the larger remainder (⅔).
        ("leads", 1200, "2026", "quarter", "ramp", [200.0, 267.0, 333.0, 400.0]),
        # 1,000,000 / 6 = 166,666.67 → 166,666.67, 222,222.22, 277,777.78, 333,333.33.
        ("revenue", 1_000_000, "2026", "quarter", "ramp", [166667.0, 222222.0, 277778.0, 333333.0]),
        # 100,050 cents in four: 25,012.5 each; the first two get the two spare cents.
        ("revenue", 1000.5, "2026", "quarter", "even", [250.13, 250.13, 250.12, 250.12]),
        ("leads", 90, "2026-Q2", "month", "even", [30.0, 30.0, 30.0]),
        ("leads", 1560, "2026", "month", "seasonal", [20.0 * m for m in range(1, 13)]),
        # 1,560 × (60, 150, 240, 330) / 780.
        ("leads", 1560, "2026", "quarter", "seasonal", [120.0, 300.0, 480.0, 660.0]),
        # 1,000 × (60, 150, 240, 330) / 780 = 76.92, 192.31, 307.69, 423.08: floors add up to
        # 998; the two spare leads go to the largest remainders (.92 in Q1, .69 in Q3).
        ("leads", 1000, "2026", "quarter", "seasonal", [77.0, 192.0, 308.0, 423.0]),
        # A quarter by months follows April–June: 40, 50, 60 of 150.
        ("leads", 300, "2026-Q2", "month", "seasonal", [80.0, 100.0, 120.0]),
    ],
)
def test_split_summed_kpi(
    kpi_id: str, value: float, period: str, into: str, method: str, expected: list[float]
) -> None:
    steps = split(target(kpi_id, value, period), into=into, method=method, history=SEASONS)
    assert [s.value for s in steps] == expected
    assert math.isclose(sum(s.value for s in steps), value, abs_tol=1e-9)
    if float(value).is_integer():
        assert sum(s.value for s in steps) == value  # exactly, not nearly


def test_split_labels_and_dates() -> None:
    quarters = split(target("leads", 1200, "2026"), into="quarter")
    assert [(s.label, s.start, s.end) for s in quarters] == [
        ("2026-Q1", D(2026, 1, 1), D(2026, 3, 31)),
        ("2026-Q2", D(2026, 4, 1), D(2026, 6, 30)),
        ("2026-Q3", D(2026, 7, 1), D(2026, 9, 30)),
        ("2026-Q4", D(2026, 10, 1), D(2026, 12, 31)),
    ]
    months = split(target("leads", 300, "2026-Q4"), into="month")
    assert [(s.label, s.end) for s in months] == [
        ("2026-10", D(2026, 10, 31)),
        ("2026-11", D(2026, 11, 30)),
        ("2026-12", D(2026, 12, 31)),
    ]


@pytest.mark.parametrize("total", [1, 999, 1200, 4400, 56_000_000, 123_456_789])
@pytest.mark.parametrize("method", ["even", "seasonal", "ramp"])
@pytest.mark.parametrize("into", ["quarter", "month"])
def test_annual_splits_sum_exactly_to_the_target(total: int, method: str, into: str) -> None:
    steps = split(target("leads", total, "2026"), into=into, method=method, history=SEASONS)
    assert len(steps) == (4 if into == "quarter" else 12)
    assert sum(s.value for s in steps) == total
    assert all(s.value >= 0 for s in steps)


def test_monthly_ramp_grows_from_one_to_two() -> None:
    # Shares 1 + i/11 for i = 0 … 11 add up to 18: month i is 1,800 × (1 + i/11) / 18.
    steps = split(target("leads", 1800, "2026"), into="month", method="ramp")
    values = [s.value for s in steps]
    assert sum(values) == 1800
    for i, v in enumerate(values):
        assert abs(v - float(Fraction(1800) * (1 + Fraction(i, 11)) / 18)) < 1
    assert values == sorted(values)
    assert (values[0], values[-1]) == (100.0, 200.0)


def test_seasonal_follows_the_latest_complete_year() -> None:
    starts = [D(2026, m, 1) for m in (1, 4, 7, 10)]
    assert seasonal_weights(SEASONS, "leads", starts, into="quarter") == [60, 150, 240, 330]
    months = [D(2026, m, 1) for m in range(1, 13)]
    assert seasonal_weights(SEASONS, "leads", months, into="month") == [
        10.0 * m for m in range(1, 13)
    ]
    assert seasonal_weights(SEASONS, "revenue", months, into="month") is None  # not in the data


@pytest.mark.parametrize(
    "history",
    [
        None,
        # Eleven complete months (Jan–Nov 2025): no December to follow.
        monthly(D(2025, 1, 1), leads=[10.0 * m for m in range(1, 12)]),
        # Twelve months of rows, but December is cut on the 15th, so it is not complete.
        daily(
            [{"date": D(2025, m, 1), "leads": 10.0 * m} for m in range(1, 13)]
            + [{"date": D(2025, 12, 15)}]
        ),
    ],
    ids=["no history", "eleven months", "december incomplete"],
)
def test_seasonal_falls_back_to_even_without_twelve_complete_months(history) -> None:
    steps = split(target("leads", 1200, "2026"), into="quarter", method="seasonal", history=history)
    assert [s.value for s in steps] == [300.0] * 4


def test_ratio_kpi_steps_hold_the_rate() -> None:
    t = target("traffic_to_lead", 0.02, "2026", baseline=0.014)
    assert [s.value for s in split(t, into="quarter", method="even")] == [0.02] * 4
    # Ramp: baseline + (target − baseline) × (i + 1)/4 — it starts after the baseline
    # (0.0155, not 0.014) and ends on the target itself.
    ramp = [s.value for s in split(t, into="quarter", method="ramp")]
    assert ramp == pytest.approx([0.0155, 0.017, 0.0185, 0.02])
    assert ramp[-1] == 0.02 and ramp[0] > t.baseline
    # Monthly: 0.014 + 0.006 × (i + 1)/12, i.e. +0.0005 a month.
    months = [s.value for s in split(t, into="month", method="ramp")]
    assert months == pytest.approx([0.014 + 0.0005 * (i + 1) for i in range(12)])
    assert months[-1] == pytest.approx(0.02)


def test_ratio_ramp_without_a_baseline_holds_the_target() -> None:
    t = target("lead_to_customer", 0.12, "2026")
    assert [s.value for s in split(t, into="quarter", method="ramp")] == [0.12] * 4


def test_lower_is_better_ratio_ramps_down() -> None:
    t = target("cac", 4000, "2026", baseline=6000)
    assert [s.value for s in split(t, into="quarter", method="ramp")] == [5500, 5000, 4500, 4000]


def test_seasonal_ratio_keeps_last_years_pattern_shifted_to_the_target() -> None:
    # 2025 TTL by quarter: 60/3000, 150/3000, 240/3000, 330/3000 = 2 %, 5 %, 8 %, 11 %;
    # the year: 780/12000 = 6.5 %. A target of 7.5 % lifts every quarter by 1 pp.
    t = with_baseline(target("traffic_to_lead", 0.075, "2026"), SEASONS)
    assert t.baseline == pytest.approx(0.065)
    steps = split(t, into="quarter", method="seasonal", history=SEASONS)
    assert [s.value for s in steps] == pytest.approx([0.03, 0.06, 0.09, 0.12])


@pytest.mark.parametrize(
    ("period", "into"),
    [("2026-Q1", "quarter"), ("2026-03", "month"), ("2026-03", "quarter"), ("2026", "year")],
)
def test_split_into_an_equal_or_longer_period_is_refused(period: str, into: str) -> None:
    with pytest.raises(InputError, match="cannot be split"):
        split(target("leads", 100, period), into=into)


# --- edited steps ------------------------------------------------------------------------------


def test_steps_that_add_up_raise_nothing() -> None:
    t = with_steps(target("leads", 1200, "2026"), [200, 300, 300, 400], into="quarter")
    assert [s.label for s in t.steps] == ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]
    assert check_steps(t) == []
    cents = with_steps(
        target("revenue", 1000.5, "2026"), [250.13, 250.13, 250.12, 250.12], into="quarter"
    )
    assert check_steps(cents) == []


@pytest.mark.parametrize(
    ("values", "words"),
    [
        ([300, 300, 300, 250], ["1,150", "50 short of", "1,200"]),
        ([300, 300, 300, 350], ["1,250", "50 more than", "1,200"]),
    ],
)
def test_steps_that_do_not_add_up_name_the_gap(values: list[float], words: list[str]) -> None:
    t = with_steps(target("leads", 1200, "2026"), values, into="quarter")
    (issue,) = check_steps(t)
    assert issue.level == "warning" and issue.field == "leads"
    for w in words:
        assert w in issue.message


def test_monthly_steps_are_checked_too() -> None:
    t = with_steps(target("leads", 1200, "2026"), [100] * 11 + [90], into="month")
    (issue,) = check_steps(t)
    assert "10 short of" in issue.message


def test_a_rate_step_above_100_percent_is_an_error() -> None:
    t = with_steps(target("traffic_to_lead", 0.02, "2026"), [0.02, 0.02, 0.02, 1.5], into="quarter")
    (issue,) = check_steps(t)
    assert issue.level == "error"
    assert issue.examples == ("2026-Q4",)
    # Rates are held, not summed: four steps of 2 % raise no sum warning.
    ok = with_steps(target("traffic_to_lead", 0.02, "2026"), [0.02] * 4, into="quarter")
    assert check_steps(ok) == []


def test_a_negative_step_is_an_error() -> None:
    t = with_steps(target("leads", 100, "2026"), [150, -50, 0, 0], into="quarter")
    levels = {(i.level, i.message) for i in check_steps(t)}
    assert ("error", "A step cannot be negative.") in levels


def test_with_steps_needs_one_value_per_step() -> None:
    with pytest.raises(InputError, match="has 4 quarters; 3 values"):
        with_steps(target("leads", 1200, "2026"), [400, 400, 400], into="quarter")


# --- best growth and SMART ---------------------------------------------------------------------

#: Two years. Sessions 1,000 and spend 10,000 every month. Leads 100 a month in 2024,
#: 100 in Jan–Jun 2025 and 150 in Jul–Dec 2025; customers 10, then 20 from Jul 2025.
#: So 2025 has 1,500 leads (2024: 1,200), TTL 12.5 % (10 %) and CAC 120,000/180 = 666.67
#: (1,000). The best three months against a year earlier are Jul–Sep 2025: leads 450 vs
#: 300 (+50 %), TTL 15 % vs 10 % (+5 pp), CAC 30,000/60 = 500 vs 1,000 (−50 %).
HISTORY = monthly(
    D(2024, 1, 1),
    sessions=[1000.0] * 24,
    leads=[100.0] * 18 + [150.0] * 6,
    spend=[10_000.0] * 24,
    customers=[10.0] * 18 + [20.0] * 6,
)
FIELDS = ["date", "sessions", "leads", "spend", "customers"]


@pytest.mark.parametrize(
    ("kpi_id", "months", "change", "when"),
    [
        # The first window to reach the best wins: Jul–Sep (Oct–Dec are no better).
        ("leads", 3, 0.5, "2025-09"),
        ("leads", 1, 0.5, "2025-07"),  # July alone: 150 vs 100
        ("leads", 12, 0.25, "2025-12"),  # the one full year: 1,500 vs 1,200
        ("traffic_to_lead", 3, 0.05, "2025-09"),  # percentage points, as a share
        ("traffic_to_lead", 12, 0.025, "2025-12"),  # 12.5 % − 10 %
        ("cac", 3, -0.5, "2025-09"),  # lower is better: the biggest fall
        ("cac", 12, -1 / 3, "2025-12"),  # 666.67 vs 1,000
        ("sessions", 3, 0.0, "2025-03"),  # flat: every window is 0; the first is kept
    ],
)
def test_best_growth_by_hand(kpi_id: str, months: int, change: float, when: str) -> None:
    best = best_growth(HISTORY, kpi_id, months=months)
    assert best is not None
    assert best[0] == pytest.approx(change)
    assert best[1] == when


def test_best_growth_needs_two_years() -> None:
    assert best_growth(HISTORY, "leads", months=13) is None
    one_year = HISTORY.filter(pl.col("period_start") >= D(2025, 1, 1))
    assert best_growth(one_year, "leads", months=3) is None


def test_baseline_is_the_same_period_a_year_earlier() -> None:
    assert baseline(HISTORY, "leads", start=D(2026, 1, 1), end=D(2026, 12, 31)) == 1500
    assert baseline(HISTORY, "leads", start=D(2026, 7, 1), end=D(2026, 9, 30)) == 450
    assert baseline(HISTORY, "cac", start=D(2026, 1, 1), end=D(2026, 12, 31)) == pytest.approx(
        120_000 / 180
    )
    # 2027 needs 2026, which the data does not cover.
    assert baseline(HISTORY, "leads", start=D(2027, 1, 1), end=D(2027, 12, 31)) is None
    # 2025 needs all of 2024 — it has it — but 2024 needs 2023.
    assert baseline(HISTORY, "leads", start=D(2025, 1, 1), end=D(2025, 12, 31)) == 1200
    assert baseline(HISTORY, "leads", start=D(2024, 1, 1), end=D(2024, 12, 31)) is None


def by_letter(t: Target, **kwargs) -> dict[str, object]:
    kwargs.setdefault("fields", FIELDS)
    kwargs.setdefault("history", HISTORY)
    return {c.letter: c for c in smart_check(t, **kwargs)}


def test_a_good_target_passes_every_letter() -> None:
    # Leads 1,650 in 2026: +10 % on 2025's 1,500, within the best +25 % the data shows.
    t = target("leads", 1650, "2026", goal="More quote requests", owner="Jonas")
    checks = smart_check(t, fields=FIELDS, history=HISTORY, today=D(2026, 1, 15))
    assert [c.letter for c in checks] == ["S", "M", "A", "R", "T"]
    assert all(c.ok for c in checks), [c.message for c in checks]
    assert {c.level for c in checks} == {"info"}
    a = checks[2].message
    assert "+10 %" in a and "+25 %" in a and "1,500" in a
    assert "More quote requests" in checks[3].message
    assert checks[4].message == "From 1 Jan 2026 to 31 Dec 2026."  # CLDR en_GB medium date


@pytest.mark.parametrize(
    ("kpi_id", "value"),
    [("leads", -5), ("revenue", -0.01), ("traffic_to_lead", 1.5), ("lead_to_mql", -0.1)],
)
def test_impossible_value_fails_specific(kpi_id: str, value: float) -> None:
    s = by_letter(target(kpi_id, value, "2026"))["S"]
    assert (s.ok, s.level) == (False, "error")
    assert "not a possible value" in s.message


def test_a_rate_of_exactly_100_percent_is_possible() -> None:
    assert by_letter(target("lead_to_mql", 1.0, "2026"))["S"].ok


def test_an_unknown_kpi_fails_specific_and_stops() -> None:
    t = Target(kpi="visits", value=1.0, start=D(2026, 1, 1), end=D(2026, 12, 31))
    (only,) = smart_check(t, fields=FIELDS)
    assert (only.letter, only.ok, only.level) == ("S", False, "error")
    assert "visits" in only.message


@pytest.mark.parametrize(
    ("kpi_id", "fields", "missing"),
    [
        ("traffic_to_lead", ["sessions"], "leads"),
        ("cac", ["spend"], "new customers"),  # the field as the Data page names it
        ("revenue", ["sessions", "leads"], "revenue"),
        ("ctr", [], "clicks and impressions"),
    ],
)
def test_unmapped_field_fails_measurable(kpi_id: str, fields: list[str], missing: str) -> None:
    m = by_letter(target(kpi_id, 1, "2026"), fields=fields, history=None)["M"]
    assert (m.ok, m.level) == (False, "error")
    assert f"No column is mapped to {missing}," in m.message


@pytest.mark.parametrize(
    ("kpi_id", "value", "period", "ok", "level", "words"),
    [
        # Leads: 2025 had 1,500; the best 12 months grew +25 %.
        ("leads", 1650, "2026", True, "info", "+10 %"),
        ("leads", 1875, "2026", True, "info", "+25 %"),  # exactly the best: still within
        ("leads", 2100, "2026", False, "warning", "ambitious"),  # +40 %: more than +25 %
        ("leads", 2250, "2026", False, "warning", "ambitious"),  # +50 %: twice the best, not more
        ("leads", 2400, "2026", False, "warning", "far beyond"),  # +60 % > 2 × 25 %
        ("leads", 1400, "2026", True, "info", "within reach"),  # less than last year
        # Quarters: Q1 2025 had 300; the best three months grew +50 %.
        ("leads", 390, "2026-Q1", True, "info", "+30 %"),
        ("leads", 540, "2026-Q1", False, "warning", "ambitious"),  # +80 %
        ("leads", 660, "2026-Q1", False, "warning", "far beyond"),  # +120 % > 2 × 50 %
        # CAC, lower is better: 666.67 in 2025; the best year fell 33.3 %.
        ("cac", 600, "2026", True, "info", "-10 %"),
        ("cac", 300, "2026", False, "warning", "ambitious"),  # −55 %
        ("cac", 200, "2026", False, "warning", "far beyond"),  # −70 % > 2 × 33.3 %
        ("cac", 700, "2026", True, "info", "within reach"),
        # TTL in percentage points: 12.5 % in 2025; the best year rose 2.5 pp.
        ("traffic_to_lead", 0.14, "2026", True, "info", "+1.5 pp"),
        ("traffic_to_lead", 0.20, "2026", False, "warning", "far beyond"),  # +7.5 pp > 5 pp
        # Sessions never grew: any growth is unproven.
        ("sessions", 13_000, "2026", False, "warning", "has not improved"),
    ],
)
def test_achievable_against_the_best_growth(
    kpi_id: str, value: float, period: str, ok: bool, level: str, words: str
) -> None:
    a = by_letter(target(kpi_id, value, period))["A"]
    assert (a.ok, a.level) == (ok, level), a.message
    assert words in a.message


def test_far_beyond_names_the_best_growth_and_when() -> None:
    a = by_letter(target("leads", 2400, "2026"))["A"]
    assert "It needs +60 % on last year's 1,500, far beyond the best the data shows is +25 %" in (
        a.message
    )
    assert "December 2025" in a.message


@pytest.mark.parametrize(
    ("t", "history"),
    [
        (target("leads", 2000, "2027"), HISTORY),  # 2026 is not in the data
        (target("leads", 2000, "2026"), None),  # no data at all
    ],
)
def test_no_baseline_is_an_info(t: Target, history) -> None:
    a = by_letter(t, history=history)["A"]
    assert (a.ok, a.level) == (False, "info")
    assert "no baseline" in a.message


def test_a_given_baseline_is_used_without_history() -> None:
    a = by_letter(target("leads", 1650, "2026", baseline=1500), history=None)["A"]
    assert "+10 %" in a.message and "too short" in a.message and a.ok


def test_relevant() -> None:
    spend = by_letter(target("spend", 1_000_000, "2026", goal="Grow"))["R"]
    assert (spend.ok, spend.level) == (False, "warning")
    assert "input" in spend.message
    no_goal = by_letter(target("leads", 1650, "2026"))["R"]
    assert (no_goal.ok, no_goal.level) == (False, "info")
    assert "Engagement stage" in no_goal.message and "business goal" in no_goal.message
    blank_goal = by_letter(target("leads", 1650, "2026", goal="   "))["R"]
    assert blank_goal.level == "info" and not blank_goal.ok
    with_goal = by_letter(target("customers", 200, "2026", goal="Fill the calendar"))["R"]
    assert with_goal.ok and "Fill the calendar" in with_goal.message


def test_time_bound() -> None:
    t = target("leads", 1650, "2026")
    ended = by_letter(t, today=D(2027, 1, 5))["T"]
    assert ended.ok and "ended on 31 Dec 2026" in ended.message
    running = by_letter(t, today=D(2026, 12, 31))["T"]
    assert running.message == "From 1 Jan 2026 to 31 Dec 2026."  # CLDR en_GB medium date
    backwards = Target(kpi="leads", value=1.0, start=D(2026, 12, 31), end=D(2026, 1, 1))
    bad = by_letter(backwards)["T"]
    assert (bad.ok, bad.level) == (False, "error")


# --- pacing ------------------------------------------------------------------------------------

#: Half-way through Q2 2026, with data through 15 May.
#:   April: leads 200 + 90 = 290, spend 30,000, customers 50 (CAC 600).
#:   May 1–15: leads 100 + 24 = 124, spend 12,000, customers 30 (CAC 400).
#:   To date: leads 414, spend 42,000, customers 80 (CAC 525).
#: A March row holds sessions only, so sessions exist in the data but not in Q2.
Q2_ROWS = [
    {"date": D(2026, 3, 10), "sessions": 500.0},
    {"date": D(2026, 4, 1), "leads": 200.0, "spend": 20_000.0, "customers": 30.0},
    {"date": D(2026, 4, 30), "leads": 90.0, "spend": 10_000.0, "customers": 20.0},
    {"date": D(2026, 5, 1), "leads": 100.0, "spend": 7_000.0, "customers": 20.0},
    {"date": D(2026, 5, 15), "leads": 24.0, "spend": 5_000.0, "customers": 10.0},
]
Q2 = daily(Q2_ROWS)


def test_pacing_a_summed_kpi_half_way_through_a_quarter() -> None:
    # 910 leads in Q2 (91 days), pro rata by days: April 300, May 310, June 300.
    # Plan to 15 May: 300 + 310 × 15/31 = 450. Actual 414: 8 % behind, at risk.
    # Projected: 414 + (910 − 450) × 414/450 = 414 + 423.2 = 837.2.
    p = pace(target("leads", 910, "2026-Q2"), Q2)
    assert p.through == D(2026, 5, 15)
    assert p.elapsed == pytest.approx(45 / 91)  # 30 April days + 15 May days
    assert p.actual == 414
    assert p.expected == pytest.approx(450)
    assert p.projected == pytest.approx(837.2)
    assert p.status == "at risk"
    months = p.months
    assert months["period"].to_list() == ["2026-04", "2026-05", "2026-06"]
    assert months["plan"].to_list() == pytest.approx([300, 610, 910])
    assert months["plan"][-1] == pytest.approx(910)  # the cumulative plan ends at the target
    assert months["actual"].to_list() == [290, 414, None]
    # The projection starts at the last actual and ends at the projected value.
    assert months["projected"].to_list() == [None, pytest.approx(414), pytest.approx(837.2)]
    sentence = pacing_sentence(p)
    for words in ("Leads: at risk", "414 by 15 May 2026", "8 % behind plan", "450 planned"):
        assert words in sentence
    assert "heads for 837 against a target of 910" in sentence


@pytest.mark.parametrize(
    ("may_15", "ratio", "status"),
    [
        (120.0, 510 / 450, "on track"),  # ahead of plan
        (48.75, 0.975, "on track"),  # 438.75 of 450: 2.5 % behind
        (44.25, 0.965, "at risk"),  # 434.25: 3.5 % behind
        (17.25, 0.905, "at risk"),  # 407.25: 9.5 % behind
        (12.75, 0.895, "off track"),  # 402.75: 10.5 % behind
        (0.0, 390 / 450, "off track"),
    ],
)
def test_pacing_status_thresholds(may_15: float, ratio: float, status: str) -> None:
    rows = [*Q2_ROWS[:-1], {**Q2_ROWS[-1], "leads": may_15}]
    p = pace(target("leads", 910, "2026-Q2"), daily(rows))
    assert p.actual / p.expected == pytest.approx(ratio)
    assert p.status == status


def test_pacing_a_month_target_pro_rata_within_the_month() -> None:
    # 310 leads in May: 10 a day, 150 by the 15th; 124 is 17 % behind.
    p = pace(target("leads", 310, "2026-05"), Q2)
    assert p.expected == pytest.approx(150)
    assert p.actual == 124
    assert p.elapsed == pytest.approx(15 / 31)
    assert p.status == "off track"
    assert p.months["plan"].to_list() == pytest.approx([310])


def test_pacing_follows_edited_steps() -> None:
    # Monthly steps 200, 400, 310: plan to 15 May = 200 + 400 × 15/31.
    t = with_steps(target("leads", 910, "2026-Q2"), [200, 400, 310], into="month")
    p = pace(t, Q2)
    assert p.expected == pytest.approx(200 + 400 * 15 / 31)
    assert p.months["plan"].to_list() == pytest.approx([200, 600, 910])


@pytest.mark.parametrize(
    ("value", "status"),
    [
        (500, "at risk"),  # 525 vs 500: 5 % over the CAC target
        (520, "on track"),  # 525 vs 520: 1 % over
        (450, "off track"),  # 525 vs 450: 17 % over
        (600, "on track"),  # better than the target
    ],
)
def test_pacing_a_lower_is_better_ratio(value: float, status: str) -> None:
    # CAC to date: 42,000 / 80 = 525, judged against the target itself; it is its own projection.
    p = pace(target("cac", value, "2026-Q2"), Q2)
    assert p.actual == pytest.approx(525)
    assert p.expected == value
    assert p.projected == pytest.approx(525)
    assert p.status == status
    # Ratios are held: the plan line is the target each month, the actual is CAC to date.
    assert p.months["plan"].to_list() == [value] * 3
    assert p.months["actual"].to_list() == [pytest.approx(600), pytest.approx(525), None]
    assert p.months["projected"].null_count() == 3


def test_pacing_before_the_period_starts() -> None:
    p = pace(target("leads", 900, "2026-Q3"), Q2)
    assert (p.status, p.actual, p.expected, p.projected, p.through) == (
        "not started",
        None,
        None,
        None,
        None,
    )
    assert p.months["plan"][-1] == pytest.approx(900)
    assert p.months["actual"].null_count() == 3
    assert "has not started" in pacing_sentence(p)


def test_pacing_without_the_kpis_data() -> None:
    p = pace(target("revenue", 1_000_000, "2026-Q2"), Q2)  # no revenue column at all
    assert (p.status, p.actual) == ("no data", None)
    assert "nothing to measure it by" in pacing_sentence(p)
    # Sessions are in the data, but not in Q2.
    q = pace(target("sessions", 5000, "2026-Q2"), Q2)
    assert (q.status, q.actual, q.through) == ("no data", None, D(2026, 5, 15))


def test_pacing_a_finished_period_ends_at_the_actual() -> None:
    rows = [{"date": D(2026, 1, 1), "leads": 100.0}, {"date": D(2026, 3, 31), "leads": 200.0}]
    p = pace(target("leads", 300, "2026-Q1"), daily(rows))
    assert (p.actual, p.elapsed) == (300, 1.0)
    assert (p.expected, p.projected) == (pytest.approx(300), pytest.approx(300))
    assert p.status == "on track"
    assert p.months["projected"].null_count() == 3  # nothing left to project
    assert "ended at" in pacing_sentence(p)


def test_monthly_plan() -> None:
    year = target("leads", 365, "2026")
    days = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    assert monthly_plan(year) == pytest.approx(days)  # one lead a day
    quarters = with_steps(year, [90, 91, 92, 92], into="quarter")
    assert monthly_plan(quarters) == pytest.approx([30] * 3 + [91 / 3] * 3 + [92 / 3] * 6)
    rate = with_steps(target("lead_to_mql", 0.5, "2026"), [0.4, 0.45, 0.5, 0.55], into="quarter")
    assert monthly_plan(rate) == [0.4] * 3 + [0.45] * 3 + [0.5] * 3 + [0.55] * 3
    assert monthly_plan(target("lead_to_mql", 0.5, "2026-Q3")) == [0.5] * 3


# --- the journey plan --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kpi_id", "focus"),
    [
        ("impressions", "Awareness"),
        ("ctr", "Awareness"),
        ("spend", "Awareness"),
        ("sessions", "Engagement"),
        ("leads", "Engagement"),
        ("lead_to_mql", "Engagement"),
        ("sqls", "Requests for quotes"),
        ("sql_to_customer", "Requests for quotes"),
        ("customers", "Purchases"),
        ("revenue", "Purchases"),
        ("cac", "Purchases"),
    ],
)
def test_focus_of(kpi_id: str, focus: str) -> None:
    assert focus_of(KPIS[kpi_id]) == focus


def test_journey_plan_rows() -> None:
    targets = [
        target("impressions", 365_000, "2026"),  # 1,000 a day: Q1 has 90 days
        with_steps(target("leads", 1200, "2026"), [200, 300, 300, 400], into="quarter"),
        with_steps(target("sql_to_customer", 0.3, "2026"), [0.25, 0.27, 0.29, 0.3], into="quarter"),
        target("customers", 110, "2026-Q4"),
        # Monthly steps 45, 55, … 155 (January to December; 1,200 in all).
        with_steps(target("revenue", 1200, "2026"), list(range(45, 165, 10)), into="month"),
        target("leads", 999, "2025"),  # another year: left out
    ]
    plan = journey_plan(targets, year=2026)
    assert plan.columns == ["quarter", "focus", "aim", "kpi", "name", "goal"]
    rows = [(r["quarter"], r["focus"], r["kpi"]) for r in plan.iter_rows(named=True)]
    assert rows == [
        ("Q1", "Awareness", "impressions"),
        ("Q2", "Engagement", "leads"),
        ("Q3", "Requests for quotes", "sql_to_customer"),
        ("Q4", "Purchases", "customers"),
        ("Q4", "Purchases", "revenue"),
    ]
    goals = plan["goal"].to_list()
    assert goals[0] == pytest.approx(90_000)  # Jan 31 + Feb 28 + Mar 31 days
    assert goals[1] == pytest.approx(300)  # the Q2 step
    assert goals[2] == pytest.approx(0.29)  # a rate: the Q3 step
    assert goals[3] == pytest.approx(110)  # the whole quarter target
    assert goals[4] == pytest.approx(135 + 145 + 155)  # the October–December steps
    # The quarter goal of an annual target is the sum of its monthly plan.
    leads = targets[1]
    assert goals[1] == pytest.approx(sum(monthly_plan(leads)[3:6]))


def test_journey_plan_shows_gaps() -> None:
    plan = journey_plan([target("leads", 1200, "2026")], year=2026)
    assert plan["quarter"].to_list() == ["Q1", "Q2", "Q3", "Q4"]
    assert plan["focus"].to_list() == [f for _, f, _ in JOURNEY_FOCUS]
    assert plan["kpi"].to_list() == [None, "leads", None, None]
    assert plan["goal"].to_list() == [None, pytest.approx(1200 * 91 / 365), None, None]
    assert plan["aim"].null_count() == 0
    empty = journey_plan([], year=2027)
    assert empty.height == 4 and empty["kpi"].null_count() == 4


# --- reading and writing -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "t",
    [
        target("leads", 4400, "2026", owner="Jonas", goal="Grow", notes="From the workshop"),
        target("revenue", 1000.5, "2026-Q3"),
        target("cac", 5000, "2026-09", owner="Mette"),
        with_steps(target("leads", 1200, "2026"), [200, 300, 300, 400], into="quarter"),
        with_steps(target("revenue", 1200, "2026"), [100] * 12, into="month"),
        with_steps(target("traffic_to_lead", 0.02, "2026-Q2"), [0.01, 0.015, 0.02], into="month"),
    ],
)
def test_record_round_trip(t: Target) -> None:
    record = json.loads(json.dumps(to_record(t)))
    assert from_record(record) == t
    assert load_targets(json.dumps([to_record(t), to_record(t)])) == [t, t]


def test_a_record_without_an_id_gets_one() -> None:
    a = from_record({"kpi": "leads", "value": "4400", "period": "2026"})
    b = from_record({"kpi": "leads", "value": 4400, "period": "2026"})
    assert a.id and b.id and a.id != b.id
    assert (a.value, a.steps) == (4400.0, ())


GOOD = {"kpi": "leads", "value": 100, "period": "2026"}


@pytest.mark.parametrize(
    ("second", "words"),
    [
        (["leads", 100, "2026"], "target 2 is not a set of fields"),
        ("leads", "target 2 is not a set of fields"),
        ({"kpi": "leads", "period": "2026"}, "target 2 has no value"),
        ({"value": 1}, "target 2 has no kpi, period"),
        ({"kpi": "visits", "value": 1, "period": "2026"}, "target 2: ‘visits’ is not a KPI"),
        ({"kpi": ["leads"], "value": 1, "period": "2026"}, "target 2: ‘['leads']’ is not a KPI"),
        ({"kpi": "leads", "value": "lots", "period": "2026"}, "the value ‘lots’ is not a number"),
        ({"kpi": "leads", "value": None, "period": "2026"}, "target 2: the value ‘None’"),
        ({"kpi": "leads", "value": 1, "period": "2026-13"}, "target 2: ‘2026-13’ is not a period"),
        ({**GOOD, "steps": "quarterly"}, "target 2: steps must be a list"),
        ({**GOOD, "steps": [{"period": "2026-Q1"}]}, "target 2: every step needs a numeric"),
        ({**GOOD, "steps": [{"period": "2026-Q1", "value": "x"}]}, "target 2: every step needs"),
        ({**GOOD, "steps": [{"period": "2026-Q1", "value": 100}]}, "target 2: The 2026 target"),
    ],
)
def test_a_bad_record_is_named(second: object, words: str) -> None:
    text = json.dumps([GOOD, second])
    with pytest.raises(InputError) as err:
        load_targets(text, source="targets.json")
    assert str(err.value).startswith("targets.json, target 2")
    assert words in str(err.value)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ('[{"kpi": "leads",', "targets.json is not valid JSON (line 1)"),
        ("", "targets.json is not valid JSON"),
        ('{"kpi": "leads", "value": 1, "period": "2026"}', "targets.json must hold a list"),
    ],
)
def test_a_bad_file_is_named(text: str, words: str) -> None:
    with pytest.raises(InputError, match=words.replace("(", r"\(").replace(")", r"\)")):
        load_targets(text, source="targets.json")


def test_from_record_names_a_single_entry() -> None:
    with pytest.raises(InputError, match=r"^the leads target has no period"):
        from_record({"kpi": "leads", "value": 1}, where="the leads target")


# --- golden: the sample workspace ---------------------------------------------------------------


@pytest.fixture(scope="module")
def raw() -> pl.DataFrame:
    return load_path(WORKBOOK).frame


@pytest.fixture(scope="module")
def sample_kf() -> pl.DataFrame:
    table = load_path(WORKBOOK)
    mapped = apply_mapping(table.frame, resolve_mapping(table.kinds))
    return kpi_frame(mapped, period="month", parts=True)


@pytest.fixture(scope="module")
def sample_targets() -> dict[str, Target]:
    targets = load_targets(TARGETS.read_text(encoding="utf-8"), source=TARGETS.name)
    return {t.kpi: t for t in targets}


def raw_sum(raw: pl.DataFrame, column: str, start: dt.date, end: dt.date) -> float:
    inside = raw.filter(pl.col("Dato").is_between(start, end))
    return float(inside[column].sum())


def test_sample_targets_load(sample_targets: dict[str, Target]) -> None:
    assert list(sample_targets) == ["revenue", "leads", "traffic_to_lead", "cac", "customers"]
    revenue = sample_targets["revenue"]
    assert (revenue.value, revenue.kind, revenue.owner) == (56_000_000, "year", "Mette Holm (CEO)")
    assert sample_targets["customers"].label == "2026-Q4"
    assert all(not t.steps for t in sample_targets.values())


def test_sample_revenue_2026_to_date(raw, sample_kf, sample_targets) -> None:
    # The workbook runs to 31 October 2026: 304 of 2026's 365 days.
    actual = raw_sum(raw, "Omsætning (kr.)", D(2026, 1, 1), D(2026, 12, 31))
    p = pace(sample_targets["revenue"], sample_kf)
    assert p.through == D(2026, 10, 31)
    assert p.actual == pytest.approx(actual, rel=1e-12)
    assert p.expected == pytest.approx(56_000_000 * 304 / 365)
    assert p.elapsed == pytest.approx(304 / 365)
    assert p.months["actual"][9] == pytest.approx(actual, rel=1e-12)
    assert p.months["actual"][10] is None
    # 2025, the baseline, is all in the workbook (it starts in November 2024).
    t = with_baseline(sample_targets["revenue"], sample_kf)
    assert t.baseline == pytest.approx(
        raw_sum(raw, "Omsætning (kr.)", D(2025, 1, 1), D(2025, 12, 31)), rel=1e-12
    )


def test_sample_leads_and_customers_to_date(raw, sample_kf, sample_targets) -> None:
    leads = pace(sample_targets["leads"], sample_kf)
    assert leads.actual == pytest.approx(raw_sum(raw, "Leads", D(2026, 1, 1), D(2026, 12, 31)))
    # Customers in Q4 2026: only October is in the data; plan to date 110 × 31/92.
    customers = pace(sample_targets["customers"], sample_kf)
    october = raw_sum(raw, "Nye kunder", D(2026, 10, 1), D(2026, 10, 31))
    assert customers.actual == pytest.approx(october)
    assert customers.expected == pytest.approx(110 * 31 / 92)
    assert customers.elapsed == pytest.approx(31 / 92)


def test_sample_ratio_targets_are_ratios_of_paired_sums(raw, sample_kf, sample_targets) -> None:
    y2026 = raw.filter(pl.col("Dato").is_between(D(2026, 1, 1), D(2026, 12, 31)))
    paid = y2026.filter(
        pl.col("Annonceudgift (kr.)").is_not_null() & pl.col("Nye kunder").is_not_null()
    )
    cac = paid["Annonceudgift (kr.)"].sum() / paid["Nye kunder"].sum()
    assert pace(sample_targets["cac"], sample_kf).actual == pytest.approx(cac, rel=1e-12)
    y2025 = raw.filter(pl.col("Dato").is_between(D(2025, 1, 1), D(2025, 12, 31)))
    both = y2025.filter(pl.col("Besøg").is_not_null() & pl.col("Leads").is_not_null())
    ttl = both["Leads"].sum() / both["Besøg"].sum()
    t = with_baseline(sample_targets["traffic_to_lead"], sample_kf)
    assert t.baseline == pytest.approx(ttl, rel=1e-12)


def test_sample_targets_pass_smart_on_the_letters_the_data_decides(
    sample_kf, sample_targets
) -> None:
    fields = [
        c for c in sample_kf.columns if c in ("sessions", "leads", "spend", "customers", "revenue")
    ]
    for t in sample_targets.values():
        checks = {c.letter: c for c in smart_check(t, fields=fields, history=sample_kf)}
        assert checks["S"].ok and checks["M"].ok, t.kpi
        assert checks["R"].ok, t.kpi  # every sample target names its goal
        assert "no baseline" not in checks["A"].message, t.kpi  # 2025 is in the workbook


# --- in the user's language ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("locale", "sentence"),
    [
        (
            "da",
            "**Leads: i risiko.** 414 pr. 15. maj 2026, 8 % bagud i forhold til planen "
            "(450 planlagt til dato); i dette tempo ender 2. kvt. 2026 på 837 (mål: 910).",
        ),
        (
            "nb",
            "**Leads: i faresonen.** 414 per 15. mai 2026, 8 % bak planen (450 planlagt til nå); "
            "i dette tempoet ender K2 2026 på 837 mot et mål på 910.",
        ),
        (
            "sv",
            "**Leads: i riskzonen.** 414 per 15 maj 2026, 8 % efter plan (450 planerat hittills); "
            "i den här takten landar K2 2026 på 837 mot ett mål på 910.",
        ),
    ],
)
def test_the_pacing_sentence_in_nordic_languages(locale: str, sentence: str) -> None:
    assert pacing_sentence(pace(target("leads", 910, "2026-Q2"), Q2), locale=locale) == sentence


def test_a_rate_sentence_writes_money_in_the_locale_and_currency() -> None:
    p = pace(target("cac", 500, "2026-Q2"), Q2)
    assert pacing_sentence(p, locale="sv", currency="SEK") == (
        f"**{KPIS['cac'].label('sv')}: i riskzonen.** 525,00\xa0kr hittills under K2 2026 "
        "(till 15 maj 2026), mot ett mål på 500,00\xa0kr."
    )


@pytest.mark.parametrize(
    ("locale", "names", "achievable"),
    [
        (
            "da",
            ["Specifik", "Målbar", "Opnåelig", "Relevant", "Tidsbestemt"],
            "Det kræver +10 % i forhold til sidste år (1.500); det bedste, data viser, er +25 % "
            "(de 12 måneder frem til december 2025).",
        ),
        (
            "nb",
            ["Spesifikt", "Målbart", "Oppnåelig", "Relevant", "Tidsbestemt"],
            "Det krever +10 % fra fjorårets 1\xa0500; det beste dataene viser, er +25 % "
            "(de 12 månedene fram til desember 2025).",
        ),
        (
            "sv",
            ["Specifikt", "Mätbart", "Accepterat (uppnåeligt)", "Relevant", "Tidsbundet"],
            "Det kräver +10 % jämfört med förra årets 1\xa0500; det bästa datan visar är +25 % "
            "(de 12 månaderna fram till december 2025).",
        ),
    ],
)
def test_smart_in_nordic_languages(locale: str, names: list[str], achievable: str) -> None:
    t = target("leads", 1650, "2026", goal="Flere tilbud")
    checks = smart_check(t, fields=FIELDS, history=HISTORY, today=D(2026, 1, 15), locale=locale)
    assert [c.name for c in checks] == names
    assert checks[2].message == achievable
    assert all(c.ok for c in checks)


def test_smart_dates_and_percentage_points_follow_the_locale() -> None:
    da = by_letter(target("traffic_to_lead", 0.14, "2026"), locale="da", today=D(2027, 1, 5))
    assert "+1,5 pct.-point" in da["A"].message
    assert da["T"].message == (
        "2026 sluttede den 31. dec. 2026; læs det som et resultat, og sæt det næste mål."
    )
    running = by_letter(target("leads", 1650, "2026"), locale="sv", today=D(2026, 6, 1))["T"]
    assert running.message == "Från 1 jan. 2026 till 31 dec. 2026."


def test_a_step_gap_reads_in_danish_with_danish_money() -> None:
    t = with_steps(
        target("revenue", 1_200_000, "2026"), [300_000, 300_000, 300_000, 250_000], into="quarter"
    )
    (issue,) = check_steps(t, locale="da", currency="DKK")
    assert issue.text("da") == (
        "Delmålene giver tilsammen 1.150.000\xa0kr., hvilket er 50.000\xa0kr. mindre end målet "
        "for 2026 (1.200.000\xa0kr.). Ret et delmål eller målet."
    )


def test_errors_and_the_journey_plan_in_the_locale() -> None:
    with pytest.raises(InputError) as err:
        with_steps(target("leads", 1200, "2026"), [400, 400, 400], into="quarter")
    assert err.value.text("nb") == "Målet for 2026 har 4 kvartaler, men det er oppgitt 3 verdier."
    text = json.dumps([GOOD, {**GOOD, "steps": [{"period": "2026-Q1", "value": 100}]}])
    with pytest.raises(InputError) as located:
        load_targets(text, source="targets.json")
    assert located.value.text("sv").endswith(": Målet för 2026 har 4 kvartal, men 1 värde angavs.")
    plan = journey_plan([target("leads", 1200, "2026")], year=2026, locale="da")
    assert plan["focus"].to_list() == ["Kendskab", "Engagement", "Tilbudsforespørgsler", "Køb"]
    assert plan.row(1)[:5] == ("Q2", "Engagement", "Gør besøgende til leads", "leads", "Leads")
