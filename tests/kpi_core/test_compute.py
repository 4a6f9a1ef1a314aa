"""KPIs per period: ratios of sums, paired sums, a complete period grid, readable errors."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpi_core.catalogue import KPIS
from kpi_core.compute import kpi_frame, measures_in, period_end, period_label
from kpi_core.fields import FUNNEL_ORDER, MEASURE_FIELDS
from kpi_core.issues import InputError

D = dt.date

#: Two rows in January 2025, every measure filled in. Row 1 is a small, efficient day,
#: row 2 a big, expensive one, so a mean of daily ratios differs from the ratio of sums.
FULL = pl.DataFrame(
    {
        "date": [D(2025, 1, 1), D(2025, 1, 31)],
        "impressions": [1000.0, 9000.0],
        "clicks": [100.0, 90.0],
        "sessions": [400.0, 600.0],
        "leads": [40.0, 10.0],
        "mqls": [20.0, 5.0],
        "sqls": [10.0, 5.0],
        "customers": [4.0, 1.0],
        "orders": [8.0, 2.0],
        "revenue": [4000.0, 1000.0],
        "spend": [500.0, 1500.0],
    }
)

# Sums: impressions 10000, clicks 190, sessions 1000, leads 50, mqls 25, sqls 15,
# customers 5, orders 10, revenue 5000, spend 2000.
EXPECTED_FULL = {
    "impressions": 10000.0,  # 1000 + 9000
    "clicks": 190.0,  # 100 + 90
    "sessions": 1000.0,  # 400 + 600
    "leads": 50.0,  # 40 + 10
    "mqls": 25.0,  # 20 + 5
    "sqls": 15.0,  # 10 + 5
    "customers": 5.0,  # 4 + 1
    "orders": 10.0,  # 8 + 2
    "revenue": 5000.0,  # 4000 + 1000
    "spend": 2000.0,  # 500 + 1500
    # Σclicks/Σimpressions = 190/10000 = 0.019; mean of daily ratios (0.1+0.01)/2 = 0.055
    "ctr": 0.019,
    # 1000 × Σspend/Σimpressions = 1000 × 2000/10000 = 200; daily mean (500+166.7)/2 = 333.3
    "cpm": 200.0,
    # Σspend/Σclicks = 2000/190 = 10.526…; daily mean (5 + 16.67)/2 = 10.83
    "cpc": 2000 / 190,
    # Σleads/Σsessions = 50/1000 = 0.05; daily mean (0.1 + 0.0167)/2 = 0.058
    "traffic_to_lead": 0.05,
    # Σspend/Σleads = 2000/50 = 40; daily mean (12.5 + 150)/2 = 81.25
    "cpl": 40.0,
    "lead_to_mql": 0.5,  # 25/50; daily mean (0.5+0.5)/2 = 0.5 (same by construction)
    "mql_to_sql": 0.6,  # 15/25; daily mean (0.5+1.0)/2 = 0.75
    "sql_to_customer": 1 / 3,  # 5/15; daily mean (0.4+0.2)/2 = 0.3
    "lead_to_customer": 0.1,  # 5/50; daily mean (0.1+0.1)/2 = 0.1
    "conversion_rate": 0.01,  # Σorders/Σsessions = 10/1000; daily mean (0.02+0.0033)/2
    "aov": 500.0,  # Σrevenue/Σorders = 5000/10; daily mean (500+500)/2
    "cac": 400.0,  # Σspend/Σcustomers = 2000/5; daily mean (125+1500)/2 = 812.5
    "roas": 2.5,  # Σrevenue/Σspend = 5000/2000; daily mean (8 + 0.667)/2 = 4.33
}


def one_row(frame: pl.DataFrame, **kwargs) -> dict:
    out = kpi_frame(frame, **kwargs)
    assert out.height == 1
    return out.row(0, named=True)


def test_the_expectation_table_covers_every_kpi() -> None:
    assert set(EXPECTED_FULL) == set(KPIS)


@pytest.mark.parametrize(("kpi_id", "expected"), EXPECTED_FULL.items())
@pytest.mark.parametrize("period", ["month", None])
def test_every_kpi_is_a_ratio_of_sums(kpi_id: str, expected: float, period: str | None) -> None:
    row = one_row(FULL, period=period)
    assert row[kpi_id] == pytest.approx(expected, rel=1e-12)


def test_ratio_of_sums_is_not_the_mean_of_daily_ratios() -> None:
    row = one_row(FULL)
    daily = (100 / 1000 + 90 / 9000) / 2  # 0.055
    assert row["ctr"] == pytest.approx(0.019)
    assert abs(row["ctr"] - daily) > 0.03


def test_cpm_is_scaled_to_a_thousand_impressions() -> None:
    frame = pl.DataFrame({"date": [D(2025, 1, 1)], "impressions": [4000.0], "spend": [10.0]})
    # 1000 × 10 / 4000 = 2.5 kr per thousand impressions (not 0.0025 per impression)
    assert one_row(frame)["cpm"] == pytest.approx(2.5)


def test_output_columns_are_in_documented_order() -> None:
    out = kpi_frame(FULL)
    ratios = [k.id for k in KPIS.values() if k.is_ratio]
    assert out.columns == [
        "period",
        "period_start",
        "period_end",
        "complete",
        "days",
        *MEASURE_FIELDS,
        *ratios,
    ]
    assert out.schema["period_start"] == pl.Date
    assert out.schema["period_end"] == pl.Date
    assert out.schema["complete"] == pl.Boolean
    assert all(out.schema[k] == pl.Float64 for k in ratios)


def test_kpis_argument_limits_the_ratio_columns_and_skips_uncomputable_ones() -> None:
    # cac needs customers, which this frame lacks: left out, not an error.
    frame = FULL.select("date", "sessions", "leads", "spend")
    out = kpi_frame(frame, kpis=["traffic_to_lead", "cac"])
    assert out.columns == [
        "period",
        "period_start",
        "period_end",
        "complete",
        "days",
        "sessions",
        "leads",
        "spend",
        "traffic_to_lead",
    ]


def test_measures_in_follows_field_order() -> None:
    frame = pl.DataFrame(
        {"spend": [1.0], "note": ["x"], "sessions": [2.0], "date": [D(2025, 1, 1)]}
    )
    assert measures_in(frame) == ["sessions", "spend"]


# --- paired sums and zeros --------------------------------------------------------------


@pytest.mark.parametrize(
    ("clicks", "spend", "expected_cpc", "why"),
    [
        # Σspend/Σclicks over rows with both: 200/100 = 2.0. Counting the e-mail clicks
        # would give 200/(100+300) = 0.5 and make paid clicks look four times cheaper.
        ([100.0, 300.0], [200.0, None], 2.0, "blank spend is not measured"),
        # A real 0 spend is a measurement: (200+0)/(100+300) = 0.5.
        ([100.0, 300.0], [200.0, 0.0], 0.5, "zero spend counts"),
        # Blank clicks on the spend row: the spend has nothing to pair with.
        ([None, 300.0], [200.0, 0.0], 0.0, "blank clicks drop the row"),
        ([None, 300.0], [200.0, None], None, "no row has both"),
    ],
)
def test_ratio_uses_only_rows_where_both_numbers_were_recorded(
    clicks: list, spend: list, expected_cpc: float | None, why: str
) -> None:
    frame = pl.DataFrame(
        {"date": [D(2025, 1, 1), D(2025, 1, 2)], "clicks": clicks, "spend": spend},
        schema={"date": pl.Date, "clicks": pl.Float64, "spend": pl.Float64},
    )
    row = one_row(frame)
    assert row["cpc"] == (pytest.approx(expected_cpc) if expected_cpc is not None else None), why


def test_paired_sums_do_not_change_the_displayed_sums() -> None:
    frame = pl.DataFrame(
        {
            "date": [D(2025, 1, 1), D(2025, 1, 2)],
            "channel": ["Google Ads", "E-mail"],
            "clicks": [100.0, 300.0],
            "spend": [200.0, None],
        }
    )
    row = one_row(frame)
    # The sums are of every filled cell: clicks 100+300, spend 200 (blank skipped).
    assert (row["clicks"], row["spend"], row["cpc"]) == (400.0, 200.0, 2.0)


@pytest.mark.parametrize(
    ("kpi_id", "columns"),
    [
        ("ctr", {"clicks": [0.0], "impressions": [0.0]}),
        ("ctr", {"clicks": [5.0], "impressions": [0.0]}),
        ("cpc", {"spend": [100.0], "clicks": [0.0]}),
        ("cac", {"spend": [100.0], "customers": [0.0]}),
        ("roas", {"revenue": [100.0], "spend": [0.0]}),
        ("aov", {"revenue": [0.0], "orders": [0.0]}),
        ("cpm", {"spend": [50.0], "impressions": [0.0]}),
    ],
)
def test_zero_denominator_gives_null_not_inf_or_zero(kpi_id: str, columns: dict) -> None:
    frame = pl.DataFrame({"date": [D(2025, 1, 1)], **columns})
    assert one_row(frame)[kpi_id] is None


def test_zero_numerator_with_a_real_denominator_is_zero() -> None:
    frame = pl.DataFrame({"date": [D(2025, 1, 1)], "clicks": [0.0], "impressions": [500.0]})
    assert one_row(frame)["ctr"] == 0.0


def test_a_field_never_filled_in_a_period_is_null_not_zero() -> None:
    frame = pl.DataFrame(
        {
            "date": [D(2025, 1, 1), D(2025, 2, 1), D(2025, 2, 2)],
            "sessions": [10.0, 20.0, 30.0],
            "leads": [1.0, None, None],
        }
    )
    out = kpi_frame(frame)
    assert out["period"].to_list() == ["2025-01", "2025-02"]
    assert out["leads"].to_list() == [1.0, None]
    assert out["sessions"].to_list() == [10.0, 50.0]
    assert out["traffic_to_lead"].to_list() == [pytest.approx(0.1), None]  # 1/10, nothing


def test_integer_columns_are_summed_and_divided_as_numbers() -> None:
    frame = pl.DataFrame(
        {"date": [D(2025, 1, 1), D(2025, 1, 2)], "leads": [1, 2], "sessions": [10, 20]}
    )
    row = one_row(frame)
    assert row["leads"] == 3
    assert row["traffic_to_lead"] == pytest.approx(0.1)  # 3/30, not integer division 0


# --- period labels and the grid ---------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "period", "label", "end"),
    [
        (D(2025, 1, 1), "month", "2025-01", D(2025, 1, 31)),
        (D(2025, 2, 1), "month", "2025-02", D(2025, 2, 28)),
        (D(2024, 2, 1), "month", "2024-02", D(2024, 2, 29)),  # leap year
        (D(2025, 12, 1), "month", "2025-12", D(2025, 12, 31)),
        (D(2025, 1, 1), "quarter", "2025-Q1", D(2025, 3, 31)),
        (D(2025, 4, 1), "quarter", "2025-Q2", D(2025, 6, 30)),
        (D(2025, 7, 1), "quarter", "2025-Q3", D(2025, 9, 30)),
        (D(2025, 10, 1), "quarter", "2025-Q4", D(2025, 12, 31)),
        (D(2025, 1, 1), "year", "2025", D(2025, 12, 31)),
    ],
)
def test_period_label_and_end(start: dt.date, period: str, label: str, end: dt.date) -> None:
    assert period_label(start, period) == label
    assert period_end(start, period) == end


@pytest.mark.parametrize(
    ("period", "expected"),
    [
        (
            "month",
            [
                ("2024-12", D(2024, 12, 1), D(2024, 12, 31)),
                ("2025-01", D(2025, 1, 1), D(2025, 1, 31)),
                ("2025-02", D(2025, 2, 1), D(2025, 2, 28)),
            ],
        ),
        (
            "quarter",
            [
                ("2024-Q4", D(2024, 10, 1), D(2024, 12, 31)),
                ("2025-Q1", D(2025, 1, 1), D(2025, 3, 31)),
            ],
        ),
        (
            "year",
            [
                ("2024", D(2024, 1, 1), D(2024, 12, 31)),
                ("2025", D(2025, 1, 1), D(2025, 12, 31)),
            ],
        ),
    ],
)
def test_periods_across_a_year_end(period: str, expected: list[tuple]) -> None:
    frame = pl.DataFrame(
        {"date": [D(2024, 12, 31), D(2025, 1, 15), D(2025, 2, 3)], "sessions": [1.0, 2.0, 4.0]}
    )
    out = kpi_frame(frame, period=period)
    assert out.select("period", "period_start", "period_end").rows() == expected
    assert out["sessions"].sum() == 7.0  # 1 + 2 + 4: nothing lost or counted twice


def test_a_month_without_rows_is_in_the_grid_with_null_sums_and_zero_days() -> None:
    frame = pl.DataFrame(
        {
            "date": [D(2025, 1, 1), D(2025, 1, 1), D(2025, 1, 31), D(2025, 3, 1), D(2025, 3, 31)],
            "sessions": [10.0, 5.0, 20.0, 40.0, 0.0],
            "leads": [1.0, 0.0, 1.0, 2.0, 0.0],
        }
    )
    out = kpi_frame(frame)
    assert out.select("period", "days", "sessions", "leads", "traffic_to_lead").rows() == [
        ("2025-01", 2, 35.0, 2.0, pytest.approx(2 / 35)),  # two distinct days, three rows
        ("2025-02", 0, None, None, None),  # no data is not zero
        ("2025-03", 2, 40.0, 2.0, pytest.approx(0.05)),
    ]


@pytest.mark.parametrize(
    ("first", "last", "period", "complete"),
    [
        # From the 1st to the last day of the month: every month complete.
        (D(2025, 1, 1), D(2025, 3, 31), "month", [True, True, True]),
        # Starts mid-January: January is partial.
        (D(2025, 1, 15), D(2025, 3, 31), "month", [False, True, True]),
        # Ends mid-March: March is partial (a month still running).
        (D(2025, 1, 1), D(2025, 3, 15), "month", [True, True, False]),
        (D(2025, 1, 2), D(2025, 3, 30), "month", [False, True, False]),
        (D(2025, 1, 1), D(2025, 3, 31), "quarter", [True]),
        (D(2025, 1, 1), D(2025, 3, 30), "quarter", [False]),
        (D(2024, 1, 1), D(2025, 6, 30), "year", [True, False]),
        (D(2024, 2, 1), D(2024, 2, 29), "month", [True]),  # leap February
    ],
)
def test_partial_first_and_last_periods_are_not_complete(
    first: dt.date, last: dt.date, period: str, complete: list[bool]
) -> None:
    frame = pl.DataFrame({"date": [first, last], "sessions": [1.0, 1.0]})
    assert kpi_frame(frame, period=period)["complete"].to_list() == complete


def test_by_channel_has_every_period_for_every_channel_including_null() -> None:
    frame = pl.DataFrame(
        {
            "date": [D(2025, 1, 1), D(2025, 1, 2), D(2025, 1, 3), D(2025, 3, 1)],
            "channel": ["Meta", None, "Meta", "Google Ads"],
            "sessions": [10.0, 5.0, 20.0, 7.0],
        }
    )
    out = kpi_frame(frame, by=["channel"])
    assert out.columns[:6] == [
        "period",
        "period_start",
        "period_end",
        "complete",
        "days",
        "channel",
    ]
    # 3 months × 3 channel values (Google Ads, Meta, blank), sorted with blank last.
    assert out.select("period", "channel", "days", "sessions").rows() == [
        ("2025-01", "Google Ads", 0, None),
        ("2025-01", "Meta", 2, 30.0),  # 10 + 20
        ("2025-01", None, 1, 5.0),
        ("2025-02", "Google Ads", 0, None),
        ("2025-02", "Meta", 0, None),
        ("2025-02", None, 0, None),
        ("2025-03", "Google Ads", 1, 7.0),
        ("2025-03", "Meta", 0, None),
        ("2025-03", None, 0, None),
    ]
    # The split adds up to the total, per period.
    total = kpi_frame(frame)
    split = out.group_by("period").agg(pl.col("sessions").sum()).sort("period")
    assert split["sessions"].to_list() == [35.0, 0.0, 7.0]
    assert total["sessions"].to_list() == [35.0, None, 7.0]


def test_by_channel_ratios_are_per_channel() -> None:
    frame = pl.DataFrame(
        {
            "date": [D(2025, 1, 1)] * 3,
            "channel": ["Meta", "Meta", "Google Ads"],
            "clicks": [10.0, 30.0, 5.0],
            "spend": [100.0, 100.0, None],
        }
    )
    out = kpi_frame(frame, by=["channel"])
    # Meta: Σspend/Σclicks = 200/40 = 5.0; Google Ads: no spend recorded → null.
    assert dict(out.select("channel", "cpc").rows()) == {"Google Ads": None, "Meta": 5.0}


def test_period_none_gives_one_row_over_all_the_data() -> None:
    frame = pl.DataFrame(
        {
            "date": [D(2024, 5, 3), D(2025, 1, 1), D(2025, 8, 9)],
            "impressions": [1000.0, 9000.0, 0.0],
            "clicks": [100.0, 90.0, 0.0],
        }
    )
    out = kpi_frame(frame, period=None)
    # Σclicks/Σimpressions = 190/10000 over every row, whatever the dates.
    assert out.rows(named=True) == [
        {"period": "All", "impressions": 10000.0, "clicks": 190.0, "ctr": pytest.approx(0.019)}
    ]


def test_period_none_works_without_a_date_column() -> None:
    frame = pl.DataFrame({"leads": [3.0, 1.0], "sessions": [100.0, 100.0]})
    assert one_row(frame, period=None)["traffic_to_lead"] == pytest.approx(0.02)  # 4/200


def test_period_none_by_channel_keeps_first_seen_order() -> None:
    frame = pl.DataFrame(
        {"channel": ["B", None, "A", "B"], "sessions": [1.0, 2.0, 4.0, 8.0]},
    )
    out = kpi_frame(frame, period=None, by=["channel"])
    assert out.rows() == [("All", "B", 9.0), ("All", None, 2.0), ("All", "A", 4.0)]


def test_rows_without_a_date_are_left_out_of_periods() -> None:
    frame = pl.DataFrame(
        {"date": [D(2025, 1, 1), None], "sessions": [10.0, 99.0]},
        schema={"date": pl.Date, "sessions": pl.Float64},
    )
    assert kpi_frame(frame)["sessions"].to_list() == [10.0]


# --- errors -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("frame", "kwargs", "message"),
    [
        (
            pl.DataFrame({"sessions": [1.0]}),
            {},
            "No column is mapped to Date",
        ),
        (
            FULL,
            {"kpis": ["ctr", "ctrr"]},
            r"Unknown KPI ctrr; valid KPIs: impressions, clicks, ctr",
        ),
        (
            FULL,
            {"by": ["channel"]},
            r"Cannot split by channel: no column is mapped to it",
        ),
        (
            FULL,
            {"by": ["channel"], "period": None},
            r"Cannot split by channel",
        ),
        (
            pl.DataFrame(
                {"date": [None, None], "sessions": [1.0, 2.0]},
                schema={"date": pl.Date, "sessions": pl.Float64},
            ),
            {},
            "The date column has no dates",
        ),
    ],
    ids=["no-date", "unknown-kpi", "by-unmapped", "by-unmapped-all", "all-dates-null"],
)
def test_unusable_input_raises_input_error_with_a_readable_message(
    frame: pl.DataFrame, kwargs: dict, message: str
) -> None:
    with pytest.raises(InputError, match=message):
        kpi_frame(frame, **kwargs)


def test_a_datetime_date_column_is_read_as_days() -> None:
    # kpi_frame casts the date to pl.Date for truncation, so it means to accept Datetime.
    frame = pl.DataFrame(
        {
            "date": [dt.datetime(2025, 1, 1, 9, 30), dt.datetime(2025, 2, 3, 17, 0)],
            "sessions": [1.0, 2.0],
        }
    )
    out = kpi_frame(frame)
    assert out.select("period", "sessions").rows() == [("2025-01", 1.0), ("2025-02", 2.0)]


# --- invariants on funnel data ----------------------------------------------------------

_FUNNEL_RATES = [
    k.id
    for k in KPIS.values()
    if k.is_rate and k.numerator in FUNNEL_ORDER and k.denominator in FUNNEL_ORDER
]


@st.composite
def funnel_rows(draw: st.DrawFn, *, blanks: bool = True) -> pl.DataFrame:
    """Rows where every stage is at most the one before it; some cells maybe left blank."""
    n = draw(st.integers(1, 12))
    days = draw(st.lists(st.integers(0, 400), min_size=n, max_size=n))
    columns: dict[str, list[float | None]] = {f: [] for f in FUNNEL_ORDER}
    for _ in range(n):
        value = draw(st.integers(0, 100_000))
        for f in FUNNEL_ORDER:
            value = draw(st.integers(0, value))
            columns[f].append(float(value))
    for f in FUNNEL_ORDER if blanks else ():
        blank = draw(st.lists(st.booleans(), min_size=n, max_size=n))
        columns[f] = [None if b else v for v, b in zip(columns[f], blank, strict=True)]
    return pl.DataFrame(
        {"date": [D(2024, 1, 1) + dt.timedelta(days=d) for d in days], **columns},
        schema={"date": pl.Date, **dict.fromkeys(FUNNEL_ORDER, pl.Float64)},
    )


@settings(max_examples=60, deadline=None, database=None, derandomize=True)
@given(funnel_rows(), st.sampled_from(["month", "quarter", "year", None]))
def test_funnel_rates_stay_within_zero_and_one(frame: pl.DataFrame, period: str | None) -> None:
    out = kpi_frame(frame, period=period)
    for kpi_id in _FUNNEL_RATES:
        for value in out[kpi_id].to_list():
            assert value is None or 0.0 <= value <= 1.0, (kpi_id, value)


@settings(max_examples=60, deadline=None, database=None, derandomize=True)
@given(funnel_rows(blanks=False))
def test_funnel_counts_never_rise_when_every_cell_is_filled(full: pl.DataFrame) -> None:
    out = kpi_frame(full, period="quarter")
    for row in out.filter(pl.col("days") > 0).iter_rows(named=True):
        counts = [row[f] for f in FUNNEL_ORDER]
        assert counts == sorted(counts, reverse=True), counts
    # Periods add up to the whole.
    whole = one_row(full, period=None)
    for f in FUNNEL_ORDER:
        assert out[f].sum() == pytest.approx(whole[f])


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("da", "Kan ikke dele op efter channel: ingen kolonne er koblet til det."),
        ("nb", "Kan ikke dele opp etter channel: ingen kolonne er koblet til det."),
        ("sv", "Kan inte dela upp efter channel: ingen kolumn är kopplad till det."),
    ],
)
def test_errors_speak_the_users_language(locale: str, expected: str) -> None:
    data = pl.DataFrame({"date": [dt.date(2025, 1, 1)], "sessions": [1.0]})
    with pytest.raises(InputError) as caught:
        kpi_frame(data, period="month", by=("channel",))
    assert caught.value.text(locale).startswith(expected)
