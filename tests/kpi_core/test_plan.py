"""The reverse funnel: goal-seek by hand, round trips, today's assumptions, levers, capacity.

Every number is worked out by hand in the comments; the round trips push the
plan forward through the funnel and must give back the revenue target.
"""

from __future__ import annotations

import datetime as dt
import math

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpi_core.compute import kpi_frame
from kpi_core.issues import InputError
from kpi_core.plan import (
    Assumptions,
    Plan,
    Scenario,
    assumptions_from,
    baseline_window,
    benchmark_starts,
    best_months,
    capacity_findings,
    capacity_table,
    compare,
    goal_seek,
    lever_moves,
    levers,
    monthly_averages,
    months_of,
    push_forward,
    required,
    revenue_weights,
    stage_name,
    value_levers,
)

D = dt.date

#: The whole funnel, with ad traffic: half a click per visit, 1 % CTR, 8 kr a click.
FULL = Assumptions(
    ("sessions", "leads", "mqls", "sqls", "customers"),
    (
        ("value_per_customer", 10_000.0),
        ("traffic_to_lead", 0.02),
        ("lead_to_mql", 0.5),
        ("mql_to_sql", 0.4),
        ("sql_to_customer", 0.25),
        ("clicks_per_session", 0.5),
        ("ctr", 0.01),
        ("cpc", 8.0),
    ),
)
#: Visits, leads and customers only.
SHORT = Assumptions(
    ("sessions", "leads", "customers"),
    (("value_per_customer", 10_000.0), ("traffic_to_lead", 0.02), ("lead_to_customer", 0.1)),
)
#: Orders mapped: revenue per customer is AOV × orders per customer = 50,000 × 1.5.
AOV = Assumptions(
    ("leads", "customers"),
    (("aov", 50_000.0), ("orders_per_customer", 1.5), ("lead_to_customer", 0.1)),
)
#: No visits mapped: the plan runs from ad clicks.
CLICKS = Assumptions(
    ("clicks", "leads", "customers"),
    (
        ("value_per_customer", 5_000.0),
        ("clicks_to_leads", 0.05),
        ("lead_to_customer", 0.2),
        ("ctr", 0.02),
        ("cpc", 4.0),
    ),
)
SETS = {"full": FULL, "short": SHORT, "aov": AOV, "clicks": CLICKS}
YEAR = [f"2027-{m:02d}" for m in range(1, 13)]


# --- goal-seek by hand -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "revenue", "expected"),
    [
        (
            FULL,
            1_200_000,
            {
                "revenue": 1_200_000,
                "customers": 120,  # 1,200,000 / 10,000
                "sqls": 480,  # 120 / 0.25
                "mqls": 1_200,  # 480 / 0.4
                "leads": 2_400,  # 1,200 / 0.5
                "sessions": 120_000,  # 2,400 / 0.02
                "clicks": 60_000,  # 120,000 × 0.5
                "impressions": 6_000_000,  # 60,000 / 0.01
                "spend": 480_000,  # 60,000 × 8
            },
        ),
        (
            SHORT,
            1_000_000,
            {"revenue": 1_000_000, "customers": 100, "leads": 1_000, "sessions": 50_000},
        ),
        (
            AOV,
            1_500_000,
            # 1,500,000 / 50,000 = 30 orders; / 75,000 = 20 customers; / 0.1 = 200 leads.
            {"revenue": 1_500_000, "orders": 30, "customers": 20, "leads": 200},
        ),
        (
            CLICKS,
            1_000_000,
            # 200 customers, 1,000 leads, 20,000 clicks; 20,000 / 0.02 and 20,000 × 4.
            {
                "revenue": 1_000_000,
                "customers": 200,
                "leads": 1_000,
                "clicks": 20_000,
                "impressions": 1_000_000,
                "spend": 80_000,
            },
        ),
    ],
    ids=["full", "short", "aov", "clicks"],
)
def test_required_by_hand(a: Assumptions, revenue: float, expected: dict[str, float]) -> None:
    need = required(revenue, a)
    assert set(need) == set(expected)
    for stage, value in expected.items():
        assert need[stage] == pytest.approx(value, rel=1e-12), stage


def test_goal_seek_splits_the_year_evenly_and_works_each_month_back() -> None:
    p = goal_seek(1_200_000, FULL, months=YEAR)
    assert p.monthly.columns == [
        "period",
        "revenue",
        "customers",
        "sqls",
        "mqls",
        "leads",
        "sessions",
        "clicks",
        "impressions",
        "spend",
    ]
    assert p.monthly["period"].to_list() == YEAR
    assert p.monthly["revenue"].to_list() == [100_000.0] * 12
    assert p.monthly["customers"].to_list() == pytest.approx([10.0] * 12)
    assert p.monthly["sessions"].to_list() == pytest.approx([10_000.0] * 12)
    assert p.total["spend"] == pytest.approx(480_000)
    assert p.total["customers"] == pytest.approx(120)
    assert p.assumptions is FULL
    assert p.top == "spend"


@pytest.mark.parametrize(("a", "top"), [(FULL, "spend"), (SHORT, "sessions"), (AOV, "leads")])
def test_plan_top_is_the_highest_stage(a: Assumptions, top: str) -> None:
    assert goal_seek(1_000_000, a, months=["2027-01"]).top == top


def test_goal_seek_follows_the_weights() -> None:
    # 1,000,000 by weights 1 and 3: 250,000 and 750,000; 25 and 75 customers.
    p = goal_seek(1_000_000, SHORT, months=["2027-01", "2027-02"], weights=[1, 3])
    assert p.monthly["revenue"].to_list() == [250_000.0, 750_000.0]
    assert p.monthly["customers"].to_list() == pytest.approx([25.0, 75.0])


SEASONAL = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8]


@pytest.mark.parametrize("revenue", [1, 1_000_001, 56_000_000, 123_456_789])
@pytest.mark.parametrize(
    "weights", [None, SEASONAL, [1.0] * 11 + [0.0]], ids=["even", "seasonal", "no december"]
)
def test_monthly_revenue_sums_exactly_to_the_target(revenue: int, weights) -> None:
    p = goal_seek(revenue, FULL, months=YEAR, weights=weights)
    assert p.monthly["revenue"].sum() == revenue
    assert p.total["revenue"] == revenue
    assert all(v >= 0 and float(v).is_integer() for v in p.monthly["revenue"])


def test_a_target_in_kroner_and_oere_sums_to_the_oere() -> None:
    p = goal_seek(1_234_567.89, SHORT, months=YEAR, weights=SEASONAL)
    assert abs(p.monthly["revenue"].sum() - 1_234_567.89) < 0.005


@pytest.mark.parametrize("revenue", [0, -1, math.nan, math.inf])
def test_goal_seek_needs_a_positive_target(revenue: float) -> None:
    with pytest.raises(InputError, match="positive amount"):
        goal_seek(revenue, FULL, months=YEAR)


def test_goal_seek_needs_a_month() -> None:
    with pytest.raises(InputError, match="at least one month"):
        goal_seek(1000, FULL, months=[])


# --- round trips -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", SETS)
@pytest.mark.parametrize("revenue", [1, 999, 1_200_000, 56_000_000, 1_234_567.89])
def test_required_pushed_forward_gives_the_revenue_back(name: str, revenue: float) -> None:
    a = SETS[name]
    need = required(revenue, a)
    assert math.isclose(push_forward(need[a.chain[0]], a), revenue, rel_tol=1e-12)
    # And stage by stage: each stage times its rate is the stage below.
    for source, target in a.steps:
        assert need[source] * a.rate(source, target) == pytest.approx(need[target], rel=1e-12)


@pytest.mark.parametrize("name", SETS)
@pytest.mark.parametrize("weights", [None, SEASONAL], ids=["even", "seasonal"])
def test_each_month_of_the_plan_pushed_forward_gives_its_revenue(name: str, weights) -> None:
    a = SETS[name]
    p = goal_seek(56_000_000, a, months=YEAR, weights=weights)
    for row in p.monthly.iter_rows(named=True):
        assert push_forward(row[a.chain[0]], a) == pytest.approx(row["revenue"], rel=1e-12)
    assert push_forward(p.total[a.chain[0]], a) == pytest.approx(56_000_000, rel=1e-12)


rate = st.floats(min_value=0.001, max_value=1.0, allow_nan=False)


@settings(max_examples=200, deadline=None, database=None, derandomize=True)
@given(
    revenue=st.integers(min_value=1, max_value=10**10),
    value=st.floats(min_value=1.0, max_value=1e6, allow_nan=False),
    rates=st.tuples(rate, rate, rate, rate),
)
def test_required_never_rises_down_the_funnel(
    revenue: int, value: float, rates: tuple[float, float, float, float]
) -> None:
    ttl, l2m, m2s, s2c = rates
    a = Assumptions(
        ("sessions", "leads", "mqls", "sqls", "customers"),
        (
            ("value_per_customer", value),
            ("traffic_to_lead", ttl),
            ("lead_to_mql", l2m),
            ("mql_to_sql", m2s),
            ("sql_to_customer", s2c),
        ),
    )
    need = required(revenue, a)
    assert need["sessions"] >= need["leads"] >= need["mqls"] >= need["sqls"] >= need["customers"]
    assert need["customers"] == pytest.approx(revenue / value, rel=1e-12)
    assert push_forward(need["sessions"], a) == pytest.approx(revenue, rel=1e-9)


# --- today's assumptions from the data ---------------------------------------------------------

#: Three months of 2026. February has no visits recorded, so traffic to lead is
#: taken over January and March only: (50 + 100) / (2,000 + 3,000) = 3 %, not
#: 200 / 5,000 = 4 %. No MQLs are mapped, so leads go straight to SQLs: 60 / 200 = 30 %.
#: SQL to customer 20 / 60 = ⅓; revenue 200,000 on 40 orders (AOV 5,000) and
#: 20 customers (2 orders each; 10,000 per customer).
THREE_MONTHS = [
    {"date": D(2026, 1, 1), "sessions": 1000, "leads": 40, "sqls": 10, "customers": 4,
     "revenue": 40_000, "orders": 8},
    {"date": D(2026, 1, 31), "sessions": 1000, "leads": 10, "sqls": 10, "customers": 1,
     "revenue": 10_000, "orders": 2},
    {"date": D(2026, 2, 1), "leads": 50, "sqls": 20, "customers": 5, "revenue": 60_000,
     "orders": 10},
    {"date": D(2026, 3, 31), "sessions": 3000, "leads": 100, "sqls": 20, "customers": 10,
     "revenue": 90_000, "orders": 20},
]  # fmt: skip


def frame_of(rows: list[dict], *, drop: tuple[str, ...] = ()) -> pl.DataFrame:
    names = [n for n in dict.fromkeys(k for r in rows for k in r) if n != "date" and n not in drop]
    schema = {"date": pl.Date, **{n: pl.Float64 for n in names}}
    frame = pl.DataFrame([{n: r.get(n) for n in schema} for r in rows], schema=schema)
    return kpi_frame(frame, period="month", parts=True)


def test_assumptions_from_a_hand_built_frame() -> None:
    kf = frame_of(THREE_MONTHS)
    a = assumptions_from(kf, start=D(2026, 1, 1), end=D(2026, 3, 31))
    assert a.chain == ("sessions", "leads", "sqls", "customers")
    assert [k for k, _ in a.values] == [
        "aov",
        "orders_per_customer",
        "traffic_to_lead",
        "leads_to_sqls",
        "sql_to_customer",
    ]
    assert a.get("aov") == pytest.approx(5_000)
    assert a.get("orders_per_customer") == pytest.approx(2)
    assert a.get("traffic_to_lead") == pytest.approx(0.03)  # paired: not 0.04
    assert a.get("leads_to_sqls") == pytest.approx(0.3)
    assert a.get("sql_to_customer") == pytest.approx(1 / 3)
    assert a.value_per_customer == pytest.approx(10_000)
    # 300,000 → 30 customers → 90 SQLs → 300 leads → 10,000 visits; 60 orders.
    need = required(300_000, a)
    assert need == pytest.approx(
        {"revenue": 300_000, "orders": 60, "customers": 30, "sqls": 90, "leads": 300,
         "sessions": 10_000}
    )  # fmt: skip


def test_assumptions_from_one_month_of_the_window() -> None:
    kf = frame_of(THREE_MONTHS)
    a = assumptions_from(kf, start=D(2026, 3, 1), end=D(2026, 3, 31))
    # March alone: TTL 100/3,000; 20/100 to SQL; 10/20 won; AOV 90,000/20; 20 orders/10.
    assert dict(a.values) == pytest.approx(
        {"aov": 4_500, "orders_per_customer": 2, "traffic_to_lead": 1 / 30,
         "leads_to_sqls": 0.2, "sql_to_customer": 0.5}
    )  # fmt: skip


def test_without_orders_the_plan_uses_revenue_per_customer() -> None:
    kf = frame_of(THREE_MONTHS, drop=("orders",))
    a = assumptions_from(kf, start=D(2026, 1, 1), end=D(2026, 3, 31))
    assert a.values[0] == ("value_per_customer", pytest.approx(10_000))  # 200,000 / 20
    assert a.get("aov") is None and "orders" not in required(300_000, a)


def test_every_rate_of_today_is_a_share() -> None:
    a = assumptions_from(frame_of(THREE_MONTHS), start=D(2026, 1, 1), end=D(2026, 3, 31))
    shares = [v for lv, (_, v) in zip(a.levers, a.values, strict=True) if lv.unit == "percent"]
    assert len(shares) == 3
    assert all(0 <= v <= 1 for v in shares)


#: One January with ad traffic: 2,000 paid and 1,000 organic visits; 1,000 clicks
#: from 100,000 impressions for 5,000 kr.
ADS = [
    {"date": D(2026, 1, 1), "impressions": 100_000, "clicks": 1000, "spend": 5000,
     "sessions": 2000, "leads": 40, "customers": 4, "revenue": 40_000},
    {"date": D(2026, 1, 31), "sessions": 1000, "leads": 20, "customers": 2, "revenue": 20_000},
]  # fmt: skip


def test_assumptions_with_ad_traffic() -> None:
    a = assumptions_from(frame_of(ADS), start=D(2026, 1, 1), end=D(2026, 1, 31))
    assert a.chain == ("sessions", "leads", "customers")
    assert dict(a.values) == pytest.approx(
        {"value_per_customer": 10_000, "traffic_to_lead": 0.02, "lead_to_customer": 0.1,
         "clicks_per_session": 1 / 3, "ctr": 0.01, "cpc": 5.0}
    )  # fmt: skip
    # 1,000,000 → 100 customers, 1,000 leads, 50,000 visits, 16,667 clicks,
    # 1,666,667 impressions and 83,333 kr of ad spend.
    need = required(1_000_000, a)
    assert need["clicks"] == pytest.approx(50_000 / 3)
    assert need["impressions"] == pytest.approx(5_000_000 / 3)
    assert need["spend"] == pytest.approx(250_000 / 3)


def test_without_visits_the_plan_runs_from_clicks() -> None:
    kf = frame_of(ADS, drop=("sessions",))
    a = assumptions_from(kf, start=D(2026, 1, 1), end=D(2026, 1, 31))
    # Rates are paired month by month: January's 60 leads came with 1,000 clicks (the
    # organic visits' leads count too, as the plan keeps today's mix).
    assert a.chain == ("clicks", "leads", "customers")
    assert dict(a.values) == pytest.approx(
        {"value_per_customer": 10_000, "clicks_to_leads": 0.06, "lead_to_customer": 0.1,
         "ctr": 0.01, "cpc": 5.0}
    )  # fmt: skip


@pytest.mark.parametrize(
    ("drop", "zero", "words"),
    [
        (("customers",), None, "needs new customers"),
        ((), "customers", "needs new customers"),
        (("revenue",), None, "needs revenue"),
        ((), "revenue", "needs revenue"),
    ],
)
def test_a_plan_needs_customers_and_revenue(
    drop: tuple[str, ...], zero: str | None, words: str
) -> None:
    rows = [{**r, zero: 0} if zero else r for r in THREE_MONTHS]
    kf = frame_of(rows, drop=drop)
    with pytest.raises(InputError, match=words):
        assumptions_from(kf, start=D(2026, 1, 1), end=D(2026, 3, 31))


def test_monthly_averages_skip_months_without_the_column() -> None:
    kf = frame_of(THREE_MONTHS)
    today = monthly_averages(kf, start=D(2026, 1, 1), end=D(2026, 3, 31))
    assert today["sessions"] == pytest.approx(2500)  # (2,000 + 3,000) / 2: February is blank
    assert today["leads"] == pytest.approx(200 / 3)
    assert today["revenue"] == pytest.approx(200_000 / 3)
    assert "mqls" not in today and "spend" not in today


def test_baseline_window_is_the_latest_complete_months() -> None:
    # January 2025 to 14 February 2026: February 2026 is not complete.
    rows = [
        {"date": D(2025 + (m - 1) // 12, (m - 1) % 12 + 1, 1), "leads": 1} for m in range(1, 15)
    ]
    rows.append({"date": D(2026, 2, 14), "leads": 1})
    kf = frame_of(rows)
    assert baseline_window(kf) == (D(2025, 2, 1), D(2026, 1, 31))
    assert baseline_window(kf, months=3) == (D(2025, 11, 1), D(2026, 1, 31))
    short = frame_of(THREE_MONTHS)
    assert baseline_window(short) == (D(2026, 1, 1), D(2026, 3, 31))  # fewer than 12


def test_baseline_window_needs_a_complete_month() -> None:
    kf = frame_of([{"date": D(2026, 1, 5), "leads": 1}, {"date": D(2026, 1, 20), "leads": 2}])
    with pytest.raises(InputError, match="no complete month"):
        baseline_window(kf)


def test_best_months() -> None:
    # TTL by month: 2 %, 4 %, 3 %; CPC 5, 4, 6 kr: the best are 4 % and 4 kr.
    rows = [
        {"date": D(2026, 1, 1), "sessions": 1000, "leads": 20, "customers": 2, "revenue": 20_000,
         "clicks": 100, "spend": 500, "impressions": 10_000},
        {"date": D(2026, 2, 1), "sessions": 1000, "leads": 40, "customers": 2, "revenue": 30_000,
         "clicks": 100, "spend": 400, "impressions": 10_000},
        {"date": D(2026, 3, 31), "sessions": 1000, "leads": 30, "customers": 6, "revenue": 30_000,
         "clicks": 100, "spend": 600, "impressions": 10_000},
    ]  # fmt: skip
    kf = frame_of(rows)
    start, end = D(2026, 1, 1), D(2026, 3, 31)
    a = assumptions_from(kf, start=start, end=end)
    best = best_months(kf, a, start=start, end=end)
    assert best["traffic_to_lead"] == pytest.approx(0.04)
    assert best["cpc"] == pytest.approx(4.0)
    assert best["lead_to_customer"] == pytest.approx(0.2)  # March: 6 / 30
    assert best["value_per_customer"] == pytest.approx(15_000)  # February: 30,000 / 2
    assert best["clicks_per_session"] == pytest.approx(0.1)


# --- changing an assumption --------------------------------------------------------------------


def test_set_changes_one_assumption_and_keeps_the_order() -> None:
    b = FULL.set("lead_to_mql", 0.6)
    assert b.get("lead_to_mql") == 0.6
    assert FULL.get("lead_to_mql") == 0.5  # the original is unchanged
    assert [k for k, _ in b.values] == [k for k, _ in FULL.values]
    assert required(1_200_000, b)["leads"] == pytest.approx(2_000)  # 1,200 MQLs / 0.6
    assert FULL.set("clicks_per_session", 1.5).get("clicks_per_session") == 1.5  # not a share
    assert FULL.set("cpc", 120).get("cpc") == 120


@pytest.mark.parametrize(
    ("a", "lever", "value", "words"),
    [
        (FULL, "nope", 1.0, "no assumption ‘nope’; it has value_per_customer, traffic_to_lead"),
        (FULL, "lead_to_customer", 0.1, "no assumption ‘lead_to_customer’"),  # not this chain's
        (FULL, "traffic_to_lead", -0.01, "must be zero or more"),
        (FULL, "cpc", -1.0, "must be zero or more"),
        (FULL, "value_per_customer", math.nan, "must be zero or more"),
        (FULL, "cpc", math.inf, "must be zero or more"),
        (FULL, "traffic_to_lead", 1.5, "is a share"),
        (FULL, "ctr", 2.0, "is a share"),
        (CLICKS, "clicks_to_leads", 1.01, "is a share"),  # a step with no catalogue KPI
    ],
)
def test_set_refuses(a: Assumptions, lever: str, value: float, words: str) -> None:
    with pytest.raises(InputError, match=words):
        a.set(lever, value)


@pytest.mark.parametrize(
    "lever", ["traffic_to_lead", "lead_to_mql", "mql_to_sql", "sql_to_customer"]
)
def test_a_zero_rate_cannot_be_planned(lever: str) -> None:
    with pytest.raises(InputError, match="is 0 %"):
        required(1_200_000, FULL.set(lever, 0.0))


def test_zero_value_per_customer_cannot_be_planned() -> None:
    with pytest.raises(InputError, match="above zero"):
        required(1_200_000, FULL.set("value_per_customer", 0.0))


# --- levers ------------------------------------------------------------------------------------


def test_the_smallest_rate_is_the_strongest_lever() -> None:
    # 1,000,000 needs 50,000 visits at TTL 2 % and LTC 10 %.
    #   TTL 3 %:         1,000 leads / 0.03          = 33,333 visits: 16,667 fewer
    #   LTC 11 %:        (100 / 0.11) / 0.02          = 45,455 visits:  4,545 fewer
    #   10 % more value: (90.9 customers / 0.1) / 0.02 = 45,455 visits:  4,545 fewer
    table = levers(1_000_000, SHORT)
    assert table["measure"].unique().to_list() == ["sessions"]
    assert table["lever"][0] == "traffic_to_lead"
    saved = dict(zip(table["lever"], table["saved"], strict=True))
    assert saved == pytest.approx(
        {"traffic_to_lead": 50_000 / 3, "lead_to_customer": 50_000 / 11,
         "value_per_customer": 50_000 / 11}
    )  # fmt: skip
    row = table.row(0, named=True)
    assert (row["from"], row["to"]) == (0.02, pytest.approx(0.03))
    assert row["needed"] == pytest.approx(100_000 / 3)
    assert row["saved_share"] == pytest.approx(1 / 3)
    assert table["saved"].to_list() == sorted(table["saved"].to_list(), reverse=True)
    assert table["seen_before"].null_count() == table.height  # no best months given


def test_levers_on_ad_spend() -> None:
    # 1,200,000 needs 480,000 kr of ad spend (see test_required_by_hand). Each lever:
    expected = {
        "traffic_to_lead": 480_000 - 480_000 * 0.02 / 0.03,  # 160,000
        "cpc": 48_000,  # 10 % cheaper clicks: 432,000
        "value_per_customer": 480_000 - 480_000 / 1.1,  # 43,636
        "sql_to_customer": 480_000 - 480_000 * 0.25 / 0.26,  # 18,462
        "mql_to_sql": 480_000 - 480_000 * 0.4 / 0.41,  # 11,707
        "lead_to_mql": 480_000 - 480_000 * 0.5 / 0.51,  # 9,412
        "ctr": 0.0,  # a better CTR cuts impressions, not the clicks that are paid for
    }
    table = levers(1_200_000, FULL)
    assert table["measure"].unique().to_list() == ["spend"]
    assert table["lever"].to_list() == list(expected)  # best first; no clicks per visit
    assert table["saved"].to_list() == pytest.approx(list(expected.values()))
    assert table["saved_share"].to_list() == pytest.approx([v / 480_000 for v in expected.values()])


def test_the_cost_per_click_lever_only_moves_spend() -> None:
    base = required(1_200_000, FULL)
    cheaper = required(1_200_000, FULL.set("cpc", 7.2))
    assert cheaper.pop("spend") == pytest.approx(432_000)
    base.pop("spend")
    assert cheaper == base


def test_seen_before_compares_the_move_with_the_best_month() -> None:
    best = {"traffic_to_lead": 0.035, "sql_to_customer": 0.255, "cpc": 7.0, "ctr": 0.015}
    table = levers(1_200_000, FULL, best=best)
    seen = dict(zip(table["lever"], table["seen_before"], strict=True))
    assert seen == {
        "traffic_to_lead": True,  # 3 % has been reached: a month at 3.5 %
        "sql_to_customer": False,  # 26 % has not: the best month was 25.5 %
        "cpc": True,  # 7.20 kr: a month cost 7.00 kr a click
        "ctr": False,  # 2 % against a best of 1.5 %
        "value_per_customer": None,  # no best month given
        "mql_to_sql": None,
        "lead_to_mql": None,
    }


def test_lever_moves() -> None:
    moves = {lever: (new, words) for lever, new, words in lever_moves(FULL)}
    assert "clicks_per_session" not in moves  # the paid share is a mix, not a lever
    assert moves["traffic_to_lead"] == (pytest.approx(0.03), "+1 pp on traffic to lead (TTL)")
    assert moves["cpc"] == (pytest.approx(7.2), "10 % lower cost per click")
    assert moves["value_per_customer"] == (
        pytest.approx(11_000),
        "10 % higher revenue per new customer",
    )
    capped = {lv: new for lv, new, _ in lever_moves(FULL.set("lead_to_mql", 0.995))}
    assert capped["lead_to_mql"] == 1.0  # a rate never passes 100 %
    at_top = [lv for lv, _, _ in lever_moves(FULL.set("lead_to_mql", 1.0))]
    assert "lead_to_mql" not in at_top  # nothing left to gain
    half = {lv: new for lv, new, _ in lever_moves(FULL, pp=0.005, relative=0.5)}
    assert half["traffic_to_lead"] == pytest.approx(0.025)
    assert half["cpc"] == pytest.approx(4.0)


# --- sales capacity ----------------------------------------------------------------------------


def plan_of(**columns: list[float]) -> Plan:
    n = len(next(iter(columns.values())))
    monthly = pl.DataFrame({"period": YEAR[:n], **columns})
    return Plan(monthly, {c: float(sum(v)) for c, v in columns.items()}, FULL)


def test_capacity_statuses_at_the_tolerance_edges() -> None:
    p = plan_of(leads=[110.0, 120.0, 90.0, 80.0, 100.0, 110.01, 89.99])
    table = capacity_table(p, measure="leads", capacity=100)
    assert table.columns == ["period", "flow", "capacity", "ratio", "status"]
    assert table["status"].to_list() == [
        "matched",  # 10 % over: within the tolerance
        "over capacity",
        "matched",  # 10 % under: within
        "under capacity",
        "matched",
        "over capacity",
        "under capacity",
    ]
    assert table["ratio"].to_list() == pytest.approx([1.1, 1.2, 0.9, 0.8, 1.0, 1.1001, 0.8999])
    assert table["capacity"].to_list() == [100.0] * 7
    tight = capacity_table(p, measure="leads", capacity=100, tolerance=0.0)
    assert tight["status"][0] == "over capacity"


@pytest.mark.parametrize("capacity", [0, -5])
def test_capacity_must_be_positive(capacity: float) -> None:
    with pytest.raises(InputError, match="positive number"):
        capacity_table(plan_of(leads=[1.0]), measure="leads", capacity=capacity)


def test_capacity_of_a_stage_the_plan_lacks() -> None:
    with pytest.raises(InputError, match="The plan has no SQLs"):
        capacity_table(plan_of(leads=[1.0]), measure="sqls", capacity=10)


def test_capacity_findings_over_and_under() -> None:
    table = capacity_table(
        plan_of(leads=[100.0, 120.0, 130.0, 80.0, 100.0]), measure="leads", capacity=100
    )
    over, under = capacity_findings(table, measure="leads")
    assert over.level == "warning"
    assert over.message.startswith(
        "In 2 of 5 months the plan needs more leads than sales can handle (100 a month); "
        "most in March 2027 (130)."
    )
    assert over.examples == ("Feb 2027", "Mar 2027")
    assert under.level == "info"
    assert under.message.startswith(
        "In 1 of 5 months the plan needs fewer leads than sales can handle (100 a month); "
        "fewest in April 2027 (80)."
    )


def test_capacity_findings_matched_and_today() -> None:
    table = capacity_table(plan_of(sqls=[100.0, 95.0, 105.0]), measure="sqls", capacity=100)
    (matched,) = capacity_findings(table, measure="sqls")
    assert matched.message == "The plan's SQLs match what sales can handle (100 a month)."
    assert capacity_findings(table, measure="sqls", today=105) == [matched]  # 5 % over: fine
    _, today = capacity_findings(table, measure="sqls", today=125)
    assert today.level == "warning"
    assert today.message == (
        "Today marketing already sends 125 SQLs a month, 25 % more than sales can handle."
    )


# --- customer value levers ---------------------------------------------------------------------


#: The levers worked by hand below: 12 new customers at 7,500, 3 % more of 1,000,000, and 50
#: customers kept 3 months longer at 250 a month.
LEVERS = {
    "new_customers": 12,
    "value_per_customer": 7_500,
    "existing_revenue": 1_000_000,
    "sell_more": 0.03,
    "customers_per_year": 50,
    "extra_months": 3,
    "monthly_value": 250,
}


def test_value_levers_by_hand() -> None:
    table = value_levers(**LEVERS)
    assert table["lever"].to_list() == ["new", "more", "keep"]
    # 12 × 7,500; 3 % of 1,000,000; 50 customers × 3 months × 250.
    assert table["effect"].to_list() == pytest.approx([90_000, 30_000, 37_500])
    assert table["how"][1].startswith("3 % more of")


VALUE_ARGS = {
    "new_customers": 10,
    "value_per_customer": 5000,
    "existing_revenue": 200_000,
    "sell_more": 0.05,
    "customers_per_year": 40,
    "extra_months": 2,
    "monthly_value": 100,
}


@pytest.mark.parametrize("name", VALUE_ARGS)
@pytest.mark.parametrize("bad", [-1, math.nan, math.inf])
def test_value_levers_refuse_negative_or_missing_input(name: str, bad: float) -> None:
    with pytest.raises(InputError, match="must be zero or more"):
        value_levers(**{**VALUE_ARGS, name: bad})


def test_value_levers_of_nothing_are_nothing() -> None:
    table = value_levers(**dict.fromkeys(VALUE_ARGS, 0))
    assert table["effect"].to_list() == [0.0, 0.0, 0.0]


# --- scenarios ---------------------------------------------------------------------------------


def test_compare_side_by_side() -> None:
    scenarios = [
        Scenario("Today", 1_200_000, "2027", FULL),
        Scenario("Better TTL", 1_200_000, "2027", FULL.set("traffic_to_lead", 0.03)),
        Scenario("Small", 600_000, "2027", SHORT, split="even"),
    ]
    table = compare(scenarios)
    assert table.columns == ["what", "unit", "Today", "Better TTL", "Small"]
    rows = {r["what"]: r for r in table.iter_rows(named=True)}

    def row(what: str) -> tuple[str, list[float | None]]:
        r = rows[what]
        return r["unit"], [r["Today"], r["Better TTL"], r["Small"]]

    assert row("Revenue target") == ("currency", [1_200_000, 1_200_000, 600_000])
    assert row("Revenue per new customer") == ("currency", [10_000, 10_000, 10_000])
    assert row("Traffic to lead (TTL)") == ("percent", [0.02, 0.03, 0.02])
    assert row("Lead to MQL") == ("percent", [0.5, 0.5, None])  # not in the short funnel
    assert row("Lead to customer (LTC)") == ("percent", [None, None, 0.1])
    # 600,000 / 10,000 = 60 customers, / 0.1 = 600 leads, / 0.02 = 30,000 visits.
    assert row("New customers needed") == ("count", pytest.approx([120, 120, 60]))
    assert row("Leads needed") == ("count", pytest.approx([2_400, 2_400, 600]))
    # TTL 3 %: 2,400 / 0.03 = 80,000 visits, 40,000 clicks, 320,000 kr.
    assert row("Sessions needed") == ("count", pytest.approx([120_000, 80_000, 30_000]))
    unit, spend = row("Ad spend needed")
    assert unit == "currency"
    assert spend[:2] == pytest.approx([480_000, 320_000]) and spend[2] is None
    assert "Orders needed" not in rows
    assert next(r for r in rows if r.endswith("needed")) == "New customers needed"


def test_compare_refuses_two_scenarios_with_one_name() -> None:
    with pytest.raises(InputError, match="same name"):
        compare([Scenario("A", 1000, "2027", FULL), Scenario("A", 2000, "2027", SHORT)])


def test_compare_nothing() -> None:
    table = compare([])
    assert table.columns == ["what", "unit"] and table.height == 0


# --- months and seasonality --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("period", "months"),
    [
        ("2027", YEAR),
        ("2027-Q1", ["2027-01", "2027-02", "2027-03"]),
        ("2027-Q2", ["2027-04", "2027-05", "2027-06"]),
        ("2027-Q4", ["2027-10", "2027-11", "2027-12"]),
        ("2027-02", ["2027-02"]),
        ("2027-12", ["2027-12"]),
    ],
)
def test_months_of(period: str, months: list[str]) -> None:
    assert months_of(period) == months


@pytest.mark.parametrize("period", ["2027-Q5", "27", "next year"])
def test_months_of_a_bad_period(period: str) -> None:
    with pytest.raises(InputError, match="is not a period"):
        months_of(period)


def test_revenue_weights_follow_last_years_months() -> None:
    # 2026: month m earns 1,000 × m.
    rows = [{"date": D(2026, m, 1), "revenue": 1000.0 * m, "customers": 1.0} for m in range(1, 13)]
    kf = frame_of([*rows, {"date": D(2026, 12, 31)}])
    assert revenue_weights(kf, YEAR) == [1000.0 * m for m in range(1, 13)]
    assert revenue_weights(kf, months_of("2027-Q2")) == [4000.0, 5000.0, 6000.0]
    # 78,000 shared as 1 … 12 of 78: January 1,000, December 12,000.
    p = goal_seek(78_000, SHORT, months=YEAR, weights=revenue_weights(kf, YEAR))
    assert p.monthly["revenue"].to_list() == [1000.0 * m for m in range(1, 13)]
    assert revenue_weights(None, YEAR) is None
    assert revenue_weights(frame_of(rows), YEAR) is None  # December is not complete


def test_benchmark_starts_take_typical_rates_and_skip_other_currencies() -> None:
    a = Assumptions(
        ("sessions", "leads", "customers"),
        (
            ("value_per_customer", 10_000.0),
            ("traffic_to_lead", 0.015),
            ("lead_to_customer", 0.2),
            ("cpc", 8.0),
        ),
    )
    bands = pl.DataFrame(
        {
            "kpi_id": ["traffic_to_lead", "cpc", "lead_to_customer"],
            "typical": [0.03, 4.66, None],
            "currency": [None, "USD", None],
            "source_name": ["First Page Sage", "WordStream", "Nobody"],
            "period": ["2017–2022", "2024", ""],
        }
    )
    starts = benchmark_starts(a, bands)
    # TTL has a typical figure; a dollar CPC is not a krone one; LTC has no typical value.
    assert starts == {"traffic_to_lead": (0.03, "First Page Sage, 2017–2022")}


# --- in the user's language --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "matched", "today"),
    [
        ("da", "Planens SQL'er passer til det, salg kan nå (1.000 om måneden).",
         "I dag sender marketing allerede 1.250 SQL'er om måneden, 25 % mere, end salg kan nå."),
        ("nb", "Planens SQL-er passer med det salg kan håndtere (1\xa0000 i måneden).",
         "I dag sender markedsføringen allerede 1\xa0250 SQL-er i måneden, 25 % mer enn salg "
         "kan håndtere."),
        ("sv", "Planens SQL:er motsvarar vad sälj kan hantera (1\xa0000 i månaden).",
         "I dag skickar marknadsföringen redan 1\xa0250 SQL:er i månaden, 25 % mer än sälj kan "
         "hantera."),
    ],
)  # fmt: skip
def test_capacity_findings_in_other_languages(lang: str, matched: str, today: str) -> None:
    table = capacity_table(plan_of(sqls=[1000.0, 950.0, 1050.0]), measure="sqls", capacity=1000)
    found = capacity_findings(table, measure="sqls", today=1250, locale=lang)
    assert [f.text(lang) for f in found] == [matched, today]


def test_capacity_over_in_danish_names_the_months() -> None:
    table = capacity_table(
        plan_of(leads=[100.0, 1200.0, 1300.0, 1000.0]), measure="leads", capacity=1000
    )
    over = capacity_findings(table, measure="leads", locale="da")[0]
    assert over.text("da").startswith(
        "I 2 af 4 måneder kræver planen flere leads, end salg kan nå (1.000 om måneden); "
        "flest i marts 2027 (1.300)."
    )
    assert over.examples == ("feb. 2027", "mar. 2027")


@pytest.mark.parametrize(
    ("lang", "ttl", "cpc", "value"),
    [
        ("da", "+1 pct.-point på besøg til lead (TTL)", "10 % lavere pris pr. klik",
         "10 % højere omsætning pr. ny kunde"),
        ("nb", "+1 prosentpoeng på besøk til lead (TTL)", "10 % lavere kostnad per klikk",
         "10 % høyere omsetning per ny kunde"),
        ("sv", "+1 procentenhet på besök till lead (TTL)", "10 % lägre kostnad per klick",
         "10 % högre intäkter per ny kund"),
    ],
)  # fmt: skip
def test_lever_moves_in_other_languages(lang: str, ttl: str, cpc: str, value: str) -> None:
    words = {lever: w for lever, _, w in lever_moves(FULL, locale=lang)}
    assert (words["traffic_to_lead"], words["cpc"], words["value_per_customer"]) == (
        ttl,
        cpc,
        value,
    )
    table = levers(1_200_000, FULL, locale=lang)
    assert set(table["change"]) == set(words.values())


@pytest.mark.parametrize(
    ("lang", "currency", "names", "new"),
    [
        ("da", "DKK", ["Vind nye kunder", "Sælg mere til eksisterende kunder",
                       "Hold på kunderne længere"], "12 kunder mere × 7.500\xa0kr."),
        ("nb", "NOK", ["Vinn nye kunder", "Selg mer til eksisterende kunder",
                       "Behold kundene lenger"], "12 kunder til × 7\xa0500\xa0kr"),
        ("sv", "SEK", ["Vinn nya kunder", "Sälj mer till befintliga kunder",
                       "Behåll kunderna längre"], "12 kunder till × 7\xa0500\xa0kr"),
    ],
)  # fmt: skip
def test_value_levers_in_other_languages(
    lang: str, currency: str, names: list[str], new: str
) -> None:
    table = value_levers(
        **LEVERS,
        locale=lang,
        currency=currency,
    )
    assert table["name"].to_list() == names
    assert table["how"][0] == new


@pytest.mark.parametrize(
    ("lang", "target", "leads", "spend"),
    [
        ("da", "Omsætningsmål", "Nødvendige leads", "Nødvendigt annonceforbrug"),
        ("nb", "Omsetningsmål", "Nødvendige leads", "Nødvendig annonsekostnad"),
        ("sv", "Intäktsmål", "Leads som behövs", "Annonskostnad som behövs"),
    ],
)
def test_compare_in_other_languages(lang: str, target: str, leads: str, spend: str) -> None:
    table = compare([Scenario("I dag", 1_200_000, "2027", FULL)], locale=lang)
    what = table["what"].to_list()
    assert what[0] == target and leads in what and what[-1] == spend
    assert table.columns == ["what", "unit", "I dag"]  # a scenario's name is the user's


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("da", "En plan kræver nye kunder: knyt en kolonne til Nye kunder på siden Data."),
        ("nb", "En plan trenger nye kunder: koble en kolonne til Nye kunder på Data-siden."),
        ("sv", "En plan behöver nya kunder: koppla en kolumn till Nya kunder på sidan Data."),
    ],
)
def test_a_plan_without_customers_says_so_in_other_languages(lang: str, words: str) -> None:
    kf = frame_of(THREE_MONTHS, drop=("customers",))
    with pytest.raises(InputError) as err:
        assumptions_from(kf, start=D(2026, 1, 1), end=D(2026, 3, 31))
    assert err.value.text(lang) == words
    assert str(err.value).startswith("A plan needs new customers")


def test_a_zero_rate_names_its_step_in_the_locale() -> None:
    with pytest.raises(InputError) as err:
        required(1_200_000, FULL.set("traffic_to_lead", 0.0), locale="sv")
    assert err.value.text("sv") == (
        "Besök till lead (TTL) är 0 %: ingen mängd besök når målet. Höj den för att kunna planera."
    )


def test_lever_names_and_stage_names_in_other_languages() -> None:
    assert FULL.lever("value_per_customer").label("da") == "Omsætning pr. ny kunde"
    assert FULL.lever("traffic_to_lead").about("nb") == "Andelen av besøk som blir til leads."
    assert CLICKS.lever("clicks_to_leads").label("sv") == "Klick → leads"
    assert CLICKS.lever("clicks_to_leads").label() == "Clicks → leads"
    assert stage_name("spend", locale="nb") == "Annonsekostnad"
    assert stage_name("customers", locale="da") == "Nye kunder"
