"""Customers from an order export: columns, checks, months, summary, cohorts, call list."""

from __future__ import annotations

import calendar
import datetime as dt
import doctest
import importlib.util
import sys
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import kpi_core.customers as customers_module
from kpi_core.customers import (
    ORDER_SCHEMA,
    CustomerColumns,
    CustomerSummary,
    cohorts,
    looks_like_orders,
    monthly,
    order_frame,
    retention_value,
    suggest_customer_columns,
    summarize,
    to_contact,
    validate,
)
from kpi_core.ingest import LoadedTable, load_path
from kpi_core.issues import InputError

D = dt.date
ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sample_data"
ORDERS_CSV = SAMPLE / "ordrer.csv"
NEW_FILES = ("ordrer.csv", "nps_svar.csv", "csat_svar.csv", "supportsager.csv")
AS_OF = D(2026, 10, 31)


def orders_of(rows: list[dict]) -> pl.DataFrame:
    """A canonical order frame from a few dicts (missing keys are blank)."""
    full = [{c: r.get(c) for c in ORDER_SCHEMA} for r in rows]
    return pl.DataFrame(full, schema=ORDER_SCHEMA, orient="row")


def by_period(frame: pl.DataFrame, column: str) -> list:
    return frame.sort("period_start")[column].to_list()


#: Five customers over January–June 2026; with 2 months to inactive:
#: customer  channel  orders (amount)                       order months
#: A         Web      10 Jan (100), 20 Jan (50), 5 Mar (30)  1, 3
#: B         Web      15 Jan (200), 3 Feb (20)               1, 2
#: C         Shop     10 Feb (300)                           2
#: D         Shop     1 Apr (40), 2 May (10)                 4, 5
#: E         Web      30 Jun (60)                            6
FIVE = orders_of(
    [
        {"customer": "A", "date": D(2026, 1, 10), "amount": 100.0, "channel": "Web"},
        {"customer": "A", "date": D(2026, 1, 20), "amount": 50.0, "channel": "Web"},
        {"customer": "B", "date": D(2026, 1, 15), "amount": 200.0, "channel": "Web"},
        {"customer": "B", "date": D(2026, 2, 3), "amount": 20.0, "channel": "Web"},
        {"customer": "C", "date": D(2026, 2, 10), "amount": 300.0, "channel": "Shop"},
        {"customer": "A", "date": D(2026, 3, 5), "amount": 30.0, "channel": "Web"},
        {"customer": "D", "date": D(2026, 4, 1), "amount": 40.0, "channel": "Shop"},
        {"customer": "D", "date": D(2026, 5, 2), "amount": 10.0, "channel": "Shop"},
        {"customer": "E", "date": D(2026, 6, 30), "amount": 60.0, "channel": "Web"},
    ]
)


# ---------------------------------------------------------------------------
# Which column is which
# ---------------------------------------------------------------------------

ORDER_KINDS = {
    "Kunde-ID": "id",
    "Kundenavn": "text",
    "Ordredato": "date",
    "Beløb (kr.)": "number",
    "Kanal": "text",
    "Sidste kontakt": "date",
}
CRM_KINDS = {
    "Lead-ID": "id", "Oprettet": "date", "Kilde": "text", "MQL dato": "date", "SQL dato": "date",
    "Vundet dato": "date", "Tabt dato": "date", "Ordreværdi (kr.)": "number", "Postnr": "id",
}  # fmt: skip


@pytest.mark.parametrize(
    ("kinds", "expected"),
    [
        (  # Danish: the sample order export
            ORDER_KINDS,
            CustomerColumns(customer="Kunde-ID", date="Ordredato", amount="Beløb (kr.)",
                            channel="Kanal", name="Kundenavn", last_contact="Sidste kontakt"),
        ),
        (  # Danish, shorter: Kundenr. and a plain Dato, Omsætning, Kilde
            {"Kundenr.": "id", "Dato": "date", "Omsætning (kr.)": "number", "Kilde": "text"},
            CustomerColumns(customer="Kundenr.", date="Dato", amount="Omsætning (kr.)",
                            channel="Kilde"),
        ),
        (  # Norwegian
            {"Kundenummer": "number", "Navn": "text", "Ordredato": "date",
             "Beløp (NOK)": "number", "Salgskanal": "text", "Siste kontakt": "date"},
            CustomerColumns(customer="Kundenummer", date="Ordredato", amount="Beløp (NOK)",
                            channel="Salgskanal", name="Navn", last_contact="Siste kontakt"),
        ),
        (  # Swedish
            {"Kundnummer": "id", "Kundnamn": "text", "Orderdatum": "date", "Belopp": "number",
             "Kanal": "text", "Senaste kontakt": "date"},
            CustomerColumns(customer="Kundnummer", date="Orderdatum", amount="Belopp",
                            channel="Kanal", name="Kundnamn", last_contact="Senaste kontakt"),
        ),
        (  # English
            {"Customer ID": "id", "Customer name": "text", "Order date": "date",
             "Amount": "number", "Channel": "text", "Last contact": "date"},
            CustomerColumns(customer="Customer ID", date="Order date", amount="Amount",
                            channel="Channel", name="Customer name", last_contact="Last contact"),
        ),
        (  # A last-contact header that contains "dato" is still the last contact
            {"Kunde-ID": "id", "Ordredato": "date", "Sidste kontakt dato": "date"},
            CustomerColumns(customer="Kunde-ID", date="Ordredato",
                            last_contact="Sidste kontakt dato"),
        ),
        (  # No order-date header: the first date column that is not the last contact
            {"Sidste kontakt": "date", "Kunde-ID": "id", "Dag": "date"},
            CustomerColumns(customer="Kunde-ID", date="Dag", last_contact="Sidste kontakt"),
        ),
        (  # No id: the name identifies the customer
            {"Customer name": "text", "When": "date", "Last contact": "date"},
            CustomerColumns(customer="Customer name", date="When", last_contact="Last contact"),
        ),
        (  # Kinds matter: a text amount is no amount, a text "date" no date
            {"Kunde": "text", "Beløb": "text", "Ordredato": "date", "Sidste kontakt": "text"},
            CustomerColumns(customer="Kunde", date="Ordredato"),
        ),
    ],
)  # fmt: skip
def test_suggest_customer_columns(kinds, expected) -> None:
    assert suggest_customer_columns(kinds) == expected


@pytest.mark.parametrize(
    ("kinds", "missing"),
    [
        ({"Dato": "date", "Omsætning": "number"}, "identifies the customer"),
        ({"Kunde-ID": "id", "Kundenavn": "text"}, "order date"),
        (
            {"Omsætning": "number"},
            r"identifies the customer \(.*\) and no column holds the order date",
        ),
    ],
)
def test_missing_customer_or_date_is_named(kinds, missing) -> None:
    with pytest.raises(InputError, match=missing):
        suggest_customer_columns(kinds)


@pytest.mark.parametrize(
    ("kinds", "expected"),
    [
        (ORDER_KINDS, True),
        ({"Kundnummer": "id", "Orderdatum": "date"}, True),
        (CRM_KINDS, False),  # a lead export, even with an id and dates
        ({"Dato": "date", "Kanal": "text", "Omsætning (kr.)": "number"}, False),
        ({"Kunde-ID": "id", "Indgang": "date"}, False),  # no header names an order date
        ({"Kunde-ID": "id", "Dato": "date", "Beløb": "number"}, True),
        ({"Kunde-ID": "id", "Dato": "date", "Score": "number"}, False),  # a survey
    ],
)
def test_looks_like_orders(kinds, expected) -> None:
    assert looks_like_orders(kinds) is expected


def test_roles_lists_the_columns_set() -> None:
    cols = CustomerColumns(customer="Kunde", date="Dato", amount="Beløb")
    assert cols.roles() == {"customer": "Kunde", "date": "Dato", "amount": "Beløb"}


# ---------------------------------------------------------------------------
# The canonical frame and its checks
# ---------------------------------------------------------------------------

RAW = pl.DataFrame(
    {
        "Kunde-ID": ["000017", " 000018 ", None, "000019", ""],
        "Navn": ["Anne Holm", "Bo Lund", "Per Skov", None, "Kim Bach"],
        "Ordredato": [
            dt.datetime(2026, 1, 5, 13, 30),
            dt.datetime(2026, 1, 3),
            dt.datetime(2026, 1, 4),
            None,
            dt.datetime(2026, 1, 6),
        ],
        "Beløb": [84_500, -1_995, 10, 20, 30],
        "Kanal": ["Meta", "", "Meta", "Meta", "Meta"],
        "Sidste kontakt": [D(2026, 2, 1), None, None, None, None],
    }
)
RAW_COLS = CustomerColumns(customer="Kunde-ID", date="Ordredato", amount="Beløb", channel="Kanal",
                           name="Navn", last_contact="Sidste kontakt")  # fmt: skip


def test_order_frame_has_canonical_columns_and_drops_rows_without_id_or_date() -> None:
    orders = order_frame(RAW, RAW_COLS)
    assert orders.schema == pl.Schema(ORDER_SCHEMA)
    # Sorted by date; ids keep their zeros and lose their blanks; a blank channel is null.
    assert orders.rows() == [
        ("000018", D(2026, 1, 3), -1_995.0, None, "Bo Lund", None),
        ("000017", D(2026, 1, 5), 84_500.0, "Meta", "Anne Holm", D(2026, 2, 1)),
    ]


def test_order_frame_without_optional_columns_and_numeric_ids() -> None:
    raw = pl.DataFrame({"Nr": [123.0, 124.0], "Dato": [D(2026, 1, 1)] * 2})
    orders = order_frame(raw, CustomerColumns(customer="Nr", date="Dato"))
    assert orders["customer"].to_list() == ["123", "124"]
    assert (
        orders.select(pl.col("amount", "channel", "name", "last_contact").is_null().all()).row(0)
        == (True,) * 4
    )


@pytest.mark.parametrize(
    ("columns", "message"),
    [
        (CustomerColumns(customer="Kunde-ID", date="Nope"), "no column ‘Nope’"),
        (CustomerColumns(customer="Kunde-ID", date="Navn"), "does not hold dates"),
        (CustomerColumns(customer="Kunde-ID", date="Ordredato", amount="Kanal"), "numbers"),
        (
            CustomerColumns(customer="Kunde-ID", date="Ordredato", last_contact="Navn"),
            "date of last contact",
        ),
    ],
)
def test_wrong_columns_are_errors(columns, message) -> None:
    issues = validate(RAW, columns)
    assert [i.level for i in issues] == ["error"]
    assert message in issues[0].message
    with pytest.raises(InputError, match=message):
        order_frame(RAW, columns)


def test_validate_counts_dropped_rows_refunds_and_future_dates() -> None:
    issues = validate(RAW, RAW_COLS, today=D(2026, 1, 5))
    assert len(issues) == 3
    dropped = next(i for i in issues if "left out" in i.message)
    assert (dropped.level, dropped.count) == ("warning", 3)
    assert dropped.examples == (
        "row 3: no customer",
        "row 4: no order date",
        "row 5: no customer",
    )
    refund = next(i for i in issues if "negative" in i.message)
    assert (refund.level, refund.count) == ("info", 1)
    assert refund.examples == ("customer 000018 on 03-01-2026: -1,995.00",)
    future = [i for i in issues if "after today" in i.message]
    assert [(i.level, i.field, i.count) for i in future] == [("warning", "Sidste kontakt", 1)]


def test_validate_future_orders_and_missing_amounts() -> None:
    days = [D(2026, 1, 1), D(2026, 3, 1), D(2026, 4, 1)]
    raw = pl.DataFrame({"Kunde": ["1", "2", "3"], "Dato": days, "Beløb": [10.0, None, 5.0]})
    cols = CustomerColumns(customer="Kunde", date="Dato", amount="Beløb")
    issues = validate(raw, cols, today=D(2026, 2, 1))
    assert [(i.level, i.count) for i in issues] == [("info", 1), ("warning", 2)]
    assert "no amount" in issues[0].message
    assert issues[1].examples == ("row 2: 01-03-2026", "row 3: 01-04-2026")


def test_validate_clean_data_and_data_without_amounts() -> None:
    raw = pl.DataFrame({"Kunde": ["1"], "Dato": [D(2026, 1, 1)], "Beløb": [10.0]})
    assert validate(raw, CustomerColumns(customer="Kunde", date="Dato", amount="Beløb")) == []
    issues = validate(raw, CustomerColumns(customer="Kunde", date="Dato"))
    assert [i.level for i in issues] == ["info"]
    assert "no amount column" in issues[0].message


# ---------------------------------------------------------------------------
# Month by month
# ---------------------------------------------------------------------------

#: The hand-computed months of FIVE with 2 months to inactive (see the table above).
FIVE_MONTHLY = {
    "period": ["2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06"],
    "buying": [2, 2, 1, 1, 1, 1],
    "new": [2, 1, 0, 1, 0, 1],
    "returning": [0, 1, 1, 0, 1, 0],
    "repeat_rate": [0.0, 0.5, 1.0, 0.0, 1.0, 0.0],
    "active": [2, 3, 3, 2, 1, 2],  # M and M-1: {A,B} {A,B,C} {A,B,C} {A,D} {D} {D,E}
    "active_start": [0, 2, 3, 3, 2, 1],
    "churned": [0, 0, 0, 2, 1, 0],  # B and C in April (last order Feb), A in May (Mar)
    "churn_rate": [None, 0.0, 0.0, 2 / 3, 1 / 2, 0.0],
    "orders": [3, 2, 1, 1, 1, 1],  # A ordered on two days in January
    "revenue": [350.0, 320.0, 30.0, 40.0, 10.0, 60.0],
    "revenue_returning": [0.0, 20.0, 30.0, 0.0, 10.0, 0.0],
    "revenue_per_customer": [175.0, 160.0, 30.0, 40.0, 10.0, 60.0],
}


@pytest.mark.parametrize("column", [c for c in FIVE_MONTHLY if c != "period"])
def test_monthly_by_hand(column: str) -> None:
    m = monthly(FIVE, inactive_months=2)
    assert by_period(m, "period") == FIVE_MONTHLY["period"]
    assert by_period(m, column) == pytest.approx(FIVE_MONTHLY[column])


def test_monthly_columns_and_first_day_of_month() -> None:
    m = monthly(FIVE)
    assert m.columns == [
        "period", "period_start", "active_start", "active", "buying", "new", "returning",
        "repeat_rate", "churned", "churn_rate", "orders", "revenue", "revenue_returning",
        "revenue_per_customer",
    ]  # fmt: skip
    assert m["period_start"].to_list() == [D(2026, month, 1) for month in range(1, 7)]


@pytest.mark.parametrize(
    ("inactive_months", "active", "churned"),
    [
        (1, [2, 2, 1, 1, 1, 1], [0, 1, 2, 1, 0, 1]),  # active = buying
        (2, [2, 3, 3, 2, 1, 2], [0, 0, 0, 2, 1, 0]),
        (3, [2, 3, 3, 4, 2, 2], [0, 0, 0, 0, 2, 1]),  # April: B, C (Feb), A (Mar), D
    ],
)
def test_active_and_churned_depend_on_the_months_to_inactive(
    inactive_months: int, active: list[int], churned: list[int]
) -> None:
    m = monthly(FIVE, inactive_months=inactive_months)
    assert by_period(m, "active") == active
    assert by_period(m, "churned") == churned


def test_months_after_the_last_order_still_see_customers_churn() -> None:
    m = monthly(FIVE, inactive_months=2, until=D(2026, 8, 31))
    assert by_period(m, "period")[-2:] == ["2026-07", "2026-08"]
    assert by_period(m, "active")[-2:] == [1, 0]  # E in July, nobody in August
    assert by_period(m, "churned")[-2:] == [1, 1]  # D in July, E in August
    assert by_period(m, "revenue")[-2:] == [0.0, 0.0]  # no orders is a real zero
    assert by_period(m, "revenue_per_customer")[-2:] == [None, None]


def test_monthly_by_channel_splits_customers_by_their_first_channel() -> None:
    # A's later orders come through another channel; A stays a Web customer.
    moved = FIVE.with_columns(
        pl.when(pl.col("date") == D(2026, 3, 5)).then(pl.lit("Shop")).otherwise("channel")
        .alias("channel")
    )  # fmt: skip
    m = monthly(moved, inactive_months=2, by="channel")
    shop = m.filter(pl.col("channel") == "Shop")
    web = m.filter(pl.col("channel") == "Web")
    assert by_period(shop, "active") == [0, 1, 1, 1, 1, 1]  # C, C, D, D, D
    assert by_period(shop, "churned") == [0, 0, 0, 1, 0, 0]  # C in April
    assert by_period(web, "churned") == [0, 0, 0, 1, 1, 0]  # B in April, A in May
    assert by_period(web, "revenue_returning") == [0.0, 20.0, 30.0, 0.0, 0.0, 0.0]
    total = monthly(moved, inactive_months=2)
    summed = m.group_by("period").agg(pl.exclude("channel", "period_start").sum()).sort("period")
    for column in ("active", "active_start", "buying", "new", "churned", "orders", "revenue"):
        assert summed[column].to_list() == total[column].to_list(), column


def test_unknown_channel_is_its_own_group() -> None:
    m = monthly(FIVE.with_columns(pl.lit(None, pl.String).alias("channel")), by="channel")
    assert m["channel"].null_count() == m.height == 6


def test_monthly_without_amounts_has_null_revenue_but_counts() -> None:
    m = monthly(FIVE.with_columns(pl.lit(None, pl.Float64).alias("amount")), inactive_months=2)
    assert m["revenue"].null_count() == m["revenue_per_customer"].null_count() == m.height
    assert by_period(m, "buying") == FIVE_MONTHLY["buying"]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: monthly(FIVE, inactive_months=0), "at least one month"),
        (lambda: monthly(FIVE, by="campaign"), "by channel only"),
        (lambda: monthly(FIVE.head(0)), "no orders"),
        (lambda: monthly(FIVE.drop("last_contact")), "order_frame"),
    ],
)
def test_monthly_refuses_what_it_cannot_do(call, message) -> None:
    with pytest.raises(InputError, match=message):
        call()


# ---------------------------------------------------------------------------
# The summary and the retention lever
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def five_summary() -> CustomerSummary:
    return summarize(FIVE, inactive_months=2, today=D(2026, 6, 30))


def test_summary_by_hand(five_summary: CustomerSummary) -> None:
    s = five_summary
    assert (s.period_from, s.period_to, s.months) == ("2026-01", "2026-06", 6)
    assert (s.customers, s.new_customers, s.repeat_customers) == (5, 5, 3)  # A, B, D
    assert s.repeat_purchase_rate == pytest.approx(3 / 5)
    assert s.active_now == 2  # D and E in June
    assert (s.churned, s.active_at_start, s.customer_months) == (3, 11, 13)
    assert s.monthly_churn_rate == pytest.approx(3 / 11)
    assert s.revenue == pytest.approx(810.0)
    assert s.revenue_returning == pytest.approx(60.0)
    assert s.revenue_per_customer_month == pytest.approx(810 / 13)
    assert s.lifetime_months == pytest.approx(11 / 3)
    assert s.clv == pytest.approx(810 / 13 * 11 / 3)
    assert len(s.sentences) == 4
    assert s.sentences[0] == (
        "From January 2026 to June 2026, 5 customers bought (5 new); 2 were active at the end "
        "of June 2026 (an order within 2 months)."
    )


def test_summary_of_the_latest_months_only() -> None:
    s = summarize(FIVE, inactive_months=2, months=3, today=D(2026, 6, 30))
    # April–June: D and E bought; B and C churned in April, A in May.
    assert (s.period_from, s.customers, s.new_customers, s.repeat_customers) == ("2026-04", 2, 2, 1)
    assert (s.churned, s.active_at_start, s.customer_months) == (3, 6, 5)
    assert s.monthly_churn_rate == pytest.approx(0.5)
    assert s.lifetime_months == pytest.approx(2.0)
    assert s.revenue_per_customer_month == pytest.approx(110 / 5)
    assert s.clv == pytest.approx(44.0)


def test_an_incomplete_month_is_left_out_and_later_orders_ignored() -> None:
    s = summarize(FIVE, inactive_months=2, today=D(2026, 6, 29))
    assert (s.period_to, s.months, s.customers) == ("2026-05", 5, 4)  # E ordered on 30 June
    assert s.as_of == D(2026, 6, 29)


def test_default_today_is_the_latest_date() -> None:
    assert summarize(FIVE).as_of == D(2026, 6, 30)
    later = FIVE.with_columns(
        pl.when(pl.col("customer") == "C").then(D(2026, 7, 31)).alias("last_contact")
    )
    assert summarize(later).as_of == D(2026, 7, 31)


def test_no_churn_means_no_lifetime() -> None:
    steady = orders_of(
        [{"customer": "a", "date": D(2026, m, 3), "amount": 10.0} for m in (1, 2, 3)]
    )
    s = summarize(steady, inactive_months=1, today=D(2026, 3, 31))
    assert (s.churned, s.active_at_start, s.monthly_churn_rate) == (0, 2, 0.0)
    assert s.lifetime_months is None and s.clv is None
    assert s.revenue_per_customer_month == pytest.approx(10.0)
    assert any("endless" in x for x in s.sentences)


def test_one_order() -> None:
    s = summarize(
        orders_of([{"customer": "a", "date": D(2026, 1, 15), "amount": 99.0}]),
        today=D(2026, 1, 31),
    )
    assert (s.customers, s.new_customers, s.repeat_customers, s.active_now) == (1, 1, 0, 1)
    assert s.repeat_purchase_rate == 0.0
    assert s.monthly_churn_rate is None and s.lifetime_months is None and s.clv is None
    assert s.revenue_per_customer_month == pytest.approx(99.0)
    assert s.sentences[0] == (
        "In January 2026, 1 customer bought (1 new); 1 was active at the end of January 2026 "
        "(an order within 3 months)."
    )
    assert "None of these customers has bought more than once" in s.sentences[1]
    assert "cannot be measured yet" in s.sentences[2]


def test_no_repeat_customers_is_a_repeat_rate_of_zero() -> None:
    once = orders_of(
        [{"customer": c, "date": D(2026, 1, d), "amount": 1.0} for c, d in (("a", 1), ("b", 2))]
    )
    s = summarize(once, today=D(2026, 2, 28))
    assert (s.repeat_customers, s.repeat_purchase_rate) == (0, 0.0)
    assert by_period(monthly(once), "repeat_rate") == [0.0]


def test_two_rows_on_one_day_are_one_order() -> None:
    lines = orders_of([{"customer": "a", "date": D(2026, 1, 1), "amount": 5.0}] * 2)
    s = summarize(lines, today=D(2026, 1, 31))
    assert (s.repeat_customers, s.revenue) == (0, 10.0)
    assert monthly(lines)["orders"].to_list() == [1]


def test_summary_without_amounts() -> None:
    s = summarize(FIVE.with_columns(pl.lit(None, pl.Float64).alias("amount")), today=AS_OF)
    assert s.revenue is None and s.revenue_per_customer_month is None and s.clv is None
    assert s.customers == 5
    assert any(x.startswith("Without amounts") for x in s.sentences)
    with pytest.raises(InputError, match="needs revenue"):
        retention_value(s, extra_months=1, sell_more=0.05)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"today": D(2026, 1, 20)}, "no complete month"),
        ({"today": D(2025, 12, 31)}, "no orders on or before"),
        ({"months": 0}, "at least one month"),
        ({"inactive_months": 0}, "at least one month"),
    ],
)
def test_summary_refuses_what_it_cannot_do(kwargs, message) -> None:
    with pytest.raises(InputError, match=message):
        summarize(FIVE, **kwargs)


def test_summary_sentences_follow_the_locale() -> None:
    s = summarize(FIVE, inactive_months=2, today=D(2026, 6, 30), locale="da")
    assert "januar 2026" in s.sentences[0]
    assert "60,0 %" in s.sentences[1]


@pytest.mark.parametrize(
    ("extra_months", "sell_more", "keep_longer", "sell_more_value"),
    [
        # 3 churned in 6 months = 6 a year; 810 kr. over 13 customer-months; 60 kr. returning.
        (2.0, 0.10, 6 * 2 * 810 / 13, 120 * 0.10),
        (0.0, 0.0, 0.0, 0.0),
        (0.5, 0.05, 6 * 0.5 * 810 / 13, 120 * 0.05),
    ],
)
def test_retention_value_by_hand(
    five_summary, extra_months, sell_more, keep_longer, sell_more_value
) -> None:
    v = retention_value(five_summary, extra_months=extra_months, sell_more=sell_more)
    assert v["churned_per_year"] == pytest.approx(6.0)
    assert v["revenue_per_customer_month"] == pytest.approx(810 / 13)
    assert v["returning_revenue_per_year"] == pytest.approx(120.0)
    assert v["keep_longer"] == pytest.approx(keep_longer)
    assert v["sell_more"] == pytest.approx(sell_more_value)


def test_retention_value_refuses_negative_months(five_summary) -> None:
    with pytest.raises(InputError, match="zero or more"):
        retention_value(five_summary, extra_months=-1, sell_more=0.05)


# ---------------------------------------------------------------------------
# Cohorts
# ---------------------------------------------------------------------------


def test_cohorts_by_hand() -> None:
    c = cohorts(FIVE)
    assert c.columns == ["cohort", "months_since", "customers", "buying", "share"]
    expected = [
        # January: A and B; B again in February, A in March.
        ("2026-01", 0, 2, 2, 1.0), ("2026-01", 1, 2, 1, 0.5), ("2026-01", 2, 2, 1, 0.5),
        ("2026-01", 3, 2, 0, 0.0), ("2026-01", 4, 2, 0, 0.0), ("2026-01", 5, 2, 0, 0.0),
        ("2026-02", 0, 1, 1, 1.0), ("2026-02", 1, 1, 0, 0.0), ("2026-02", 2, 1, 0, 0.0),
        ("2026-02", 3, 1, 0, 0.0), ("2026-02", 4, 1, 0, 0.0),
        # Nobody's first order was in March: no cohort.
        ("2026-04", 0, 1, 1, 1.0), ("2026-04", 1, 1, 1, 1.0), ("2026-04", 2, 1, 0, 0.0),
        ("2026-06", 0, 1, 1, 1.0),
    ]  # fmt: skip
    assert c.rows() == expected


def test_cohorts_up_to_today() -> None:
    c = cohorts(FIVE, today=D(2026, 7, 15))
    assert c.filter(pl.col("cohort") == "2026-06")["months_since"].to_list() == [0, 1]
    early = cohorts(FIVE, today=D(2026, 1, 31))
    assert early.rows() == [("2026-01", 0, 2, 2, 1.0)]
    assert cohorts(FIVE, today=D(2025, 1, 1)).is_empty()


# ---------------------------------------------------------------------------
# The call list
# ---------------------------------------------------------------------------

#: As of 31-10-2026 with 3 months, the cut-off is 31-07-2026 (quiet since earlier: listed).
QUIET = orders_of(
    [
        {"customer": "P", "date": D(2026, 7, 30), "amount": 500.0, "name": "Per"},
        {"customer": "Q", "date": D(2026, 7, 31), "amount": 700.0},  # exactly 3 months
        {"customer": "R", "date": D(2026, 1, 15), "amount": 800.0,
         "last_contact": D(2026, 9, 1)},  # called recently
        {"customer": "S", "date": D(2025, 12, 1), "amount": 900.0, "channel": "Meta",
         "last_contact": D(2026, 2, 10), "name": "Old name"},
        {"customer": "S", "date": D(2025, 12, 1), "amount": 0.0, "channel": "Web",
         "last_contact": D(2026, 2, 10), "name": "Sofie Skov"},
        {"customer": "T", "date": D(2026, 3, 20), "amount": 900.0},
        {"customer": "U", "date": D(2025, 5, 5), "amount": 100.0, "channel": "Web"},
        {"customer": "U", "date": D(2025, 6, 1), "amount": 50.0, "channel": "Meta"},
        {"customer": "V", "date": D(2026, 11, 5), "amount": 5000.0},  # after today
        {"customer": "W", "date": D(2026, 6, 30), "amount": 50.0},
        {"customer": "W", "date": D(2026, 11, 2), "amount": 9000.0},  # after today
    ]
)  # fmt: skip


def test_to_contact_by_hand() -> None:
    tc = to_contact(QUIET, today=AS_OF)
    assert tc.columns == [
        "customer", "name", "channel", "last_order", "last_contact", "months_quiet", "orders",
        "revenue",
    ]  # fmt: skip
    assert tc.rows() == [
        # S and T tie on value; S has been quiet longer.
        ("S", "Sofie Skov", "Meta", D(2025, 12, 1), D(2026, 2, 10), 8, 1, 900.0),
        ("T", None, None, D(2026, 3, 20), None, 7, 1, 900.0),
        ("P", "Per", None, D(2026, 7, 30), None, 3, 1, 500.0),
        ("U", None, "Web", D(2025, 6, 1), None, 16, 2, 150.0),
        ("W", None, None, D(2026, 6, 30), None, 4, 1, 50.0),
    ]


@pytest.mark.parametrize(
    ("inactive_months", "listed"),
    [
        (1, ["S", "T", "R", "Q", "P", "U", "W"]),  # cut-off 30-09: R's call on 01-09 is old
        (3, ["S", "T", "P", "U", "W"]),
        (4, ["S", "T", "U"]),  # cut-off 30-06: W's order on 30-06 is exactly 4 months
        (12, ["U"]),
        (20, []),
    ],
)
def test_to_contact_threshold_is_the_users(inactive_months: int, listed: list[str]) -> None:
    tc = to_contact(QUIET, inactive_months=inactive_months, today=AS_OF)
    assert tc["customer"].to_list() == listed
    assert (tc["months_quiet"] >= inactive_months).all()


@pytest.mark.parametrize(
    ("last", "today", "months", "listed", "quiet"),
    [
        (D(2026, 2, 27), D(2026, 5, 31), 3, True, 3),  # 31 May − 3 months = 28 Feb
        (D(2026, 2, 28), D(2026, 5, 31), 3, False, None),
        (D(2026, 7, 20), D(2026, 10, 15), 3, False, None),
        (D(2026, 7, 20), D(2026, 10, 15), 2, True, 2),  # not yet three whole months
        (D(2024, 2, 29), D(2025, 2, 28), 12, False, None),  # a leap day
    ],
)
def test_to_contact_counts_calendar_months(last, today, months, listed, quiet) -> None:
    tc = to_contact(orders_of([{"customer": "x", "date": last}]), inactive_months=months,
                    today=today)  # fmt: skip
    assert (tc.height == 1) is listed
    if listed:
        assert tc["months_quiet"].item() == quiet


def test_to_contact_without_amounts_sorts_by_quiet_time() -> None:
    tc = to_contact(QUIET.with_columns(pl.lit(None, pl.Float64).alias("amount")), today=AS_OF)
    assert tc["customer"].to_list() == ["U", "S", "T", "W", "P"]
    assert tc["revenue"].null_count() == tc.height


# ---------------------------------------------------------------------------
# Invariants on random orders
# ---------------------------------------------------------------------------


@st.composite
def random_orders(draw) -> pl.DataFrame:
    n = draw(st.integers(1, 40))
    rows = [
        {
            "customer": draw(st.sampled_from("abcdefgh")),
            "date": D(2025, 1, 1) + dt.timedelta(days=draw(st.integers(0, 500))),
            "amount": draw(st.one_of(st.none(), st.floats(-50, 1000))),
            "channel": draw(st.sampled_from(["Web", "Shop", None])),
        }
        for _ in range(n)
    ]
    return orders_of(rows)


@settings(max_examples=25, deadline=None)
@given(random_orders(), st.integers(1, 6))
def test_invariants(orders: pl.DataFrame, k: int) -> None:
    m = monthly(orders, inactive_months=k)
    for rate in ("repeat_rate", "churn_rate"):
        assert m[rate].drop_nulls().is_between(0.0, 1.0).all(), rate
    assert (m["returning"] >= 0).all()
    assert (m["buying"] <= m["active"]).all()
    # Flows: active = active before − churned + buying customers that were not active.
    comeback = m["active"] - m["active_start"] + m["churned"]
    assert (comeback >= 0).all() and (comeback <= m["buying"]).all()
    assert m["new"].sum() == orders["customer"].n_unique()
    split = monthly(orders, inactive_months=k, by="channel")
    for column in ("active", "churned", "buying", "new"):
        assert split[column].sum() == m[column].sum(), column
    c = cohorts(orders)
    assert c["share"].is_between(0.0, 1.0).all()
    assert (c.filter(pl.col("months_since") == 0)["share"] == 1.0).all()
    assert c.filter(pl.col("months_since") == 0)["customers"].sum() == m["new"].sum()
    last = orders["date"].max()
    month_end = D(last.year, last.month, calendar.monthrange(last.year, last.month)[1])
    s = summarize(orders, inactive_months=k, today=month_end)
    for rate in (s.repeat_purchase_rate, s.monthly_churn_rate):
        assert rate is None or 0.0 <= rate <= 1.0
    assert s.active_now <= s.customers or s.months == 0
    quiet = to_contact(orders, inactive_months=k, today=last)
    assert (quiet["months_quiet"] >= k).all()
    assert quiet["customer"].is_unique().all()


def test_doctests() -> None:
    result = doctest.testmod(customers_module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0 and result.attempted >= 10


# ---------------------------------------------------------------------------
# Golden checks on the sample order export and the satisfaction files
# ---------------------------------------------------------------------------


def _plain(name: str) -> pl.DataFrame:
    """A sample file read with plain polars, every cell as text."""
    return pl.read_csv(SAMPLE / name, separator=";", infer_schema=False, encoding="utf8").rename(
        lambda c: c.lstrip("\ufeff")
    )


def _kr(column: str) -> pl.Expr:
    return (
        pl.col(column)
        .str.replace_all(".", "", literal=True)
        .str.replace(",", ".", literal=True)
        .cast(pl.Float64)
    )


@pytest.fixture(scope="module")
def order_table() -> LoadedTable:
    return load_path(ORDERS_CSV)


@pytest.fixture(scope="module")
def sample(order_table: LoadedTable) -> pl.DataFrame:
    columns = suggest_customer_columns(order_table.kinds)
    assert validate(order_table.frame, columns, today=AS_OF) == []
    return order_frame(order_table.frame, columns)


@pytest.fixture(scope="module")
def plain_orders() -> pl.DataFrame:
    return _plain("ordrer.csv").with_columns(
        pl.col("Ordredato", "Sidste kontakt").str.to_date("%d-%m-%Y"),
        _kr("Beløb (kr.)").alias("amount"),
    )


def test_golden_the_sample_loads_cleanly(order_table: LoadedTable) -> None:
    assert order_table.kinds == ORDER_KINDS
    assert order_table.issues == ()
    assert suggest_customer_columns(order_table.kinds) == CustomerColumns(
        customer="Kunde-ID", date="Ordredato", amount="Beløb (kr.)", channel="Kanal",
        name="Kundenavn", last_contact="Sidste kontakt",
    )  # fmt: skip
    assert looks_like_orders(order_table.kinds)


@pytest.mark.parametrize(
    ("name", "kinds"),
    [
        ("nps_svar.csv", {"Dato": "date", "Kunde-ID": "id", "Score": "number"}),
        ("csat_svar.csv", {"Dato": "date", "Score": "number"}),
        ("supportsager.csv", {"Sag": "number", "Oprettet": "date", "Første svar": "date"}),
    ],
)
def test_golden_satisfaction_files_load_with_dates_and_numbers(name: str, kinds: dict) -> None:
    table = load_path(SAMPLE / name)
    assert table.kinds == kinds
    # No "times of day were dropped" on the tickets: their hours are kept.
    assert table.issues == ()
    if "support" in name:
        assert table.frame["Oprettet"].dtype == pl.Datetime("us")
    assert not looks_like_orders(table.kinds)


def test_golden_counts_match_a_plain_count(sample, plain_orders) -> None:
    assert sample.height == plain_orders.height == 1300
    customers = plain_orders["Kunde-ID"].n_unique()
    assert customers == 1093
    m = monthly(sample)
    assert m["new"].sum() == customers
    assert m["revenue"].sum() == pytest.approx(plain_orders["amount"].sum())
    assert plain_orders["amount"].sum() == pytest.approx(98_423_865.0)
    assert m["orders"].sum() == plain_orders.select("Kunde-ID", "Ordredato").unique().height
    assert (m["period"][0], m["period"][-1]) == ("2024-08", "2026-10")
    c = cohorts(sample)
    assert c.filter(pl.col("months_since") == 0)["customers"].sum() == customers


def test_golden_summary_of_the_sample(sample, plain_orders) -> None:
    s = summarize(sample, today=AS_OF, inactive_months=12)
    window = plain_orders.filter(pl.col("Ordredato") >= D(2025, 11, 1))
    assert (s.period_from, s.period_to) == ("2025-11", "2026-10")
    assert s.customers == window["Kunde-ID"].n_unique()
    assert s.revenue == pytest.approx(window["amount"].sum())
    # The README's story: one purchase, few repeats; a lifetime of about 16 months.
    assert 0.15 < s.repeat_purchase_rate < 0.30
    assert 12 < s.lifetime_months < 20
    assert 90_000 < s.clv < 140_000
    short = summarize(sample, today=AS_OF)
    assert 0.25 < short.monthly_churn_rate < 0.40


def test_golden_call_list_of_the_sample(sample, plain_orders) -> None:
    tc = to_contact(sample, today=AS_OF)
    per = plain_orders.group_by("Kunde-ID").agg(
        pl.max_horizontal(pl.col("Ordredato").max(), pl.col("Sidste kontakt").max()).alias("q"),
        pl.col("amount").sum().alias("revenue"),
    )
    quiet = per.filter(pl.col("q") < D(2026, 7, 31))
    assert tc.height == quiet.height == 738
    assert tc["revenue"].to_list() == sorted(tc["revenue"].to_list(), reverse=True)


@pytest.fixture(scope="module")
def crm_won() -> pl.DataFrame:
    return (
        _plain("crm_leads.csv")
        .filter(pl.col("Vundet dato") != "")
        .select(
            pl.col("Lead-ID").alias("Kunde-ID"),
            pl.col("Vundet dato").str.to_date("%d-%m-%Y").alias("won"),
            _kr("Ordreværdi (kr.)").alias("value"),
            pl.col("Kilde"),
        )
    )


def test_golden_first_orders_are_the_crms_won_leads(plain_orders, crm_won) -> None:
    first = (
        plain_orders.with_row_index()
        .sort("Ordredato", "index")
        .group_by("Kunde-ID", maintain_order=True)
        .first()
    )
    assert set(first["Kunde-ID"]) == set(crm_won["Kunde-ID"])
    joined = first.join(crm_won, on="Kunde-ID")
    assert joined.height == crm_won.height
    assert (joined["Ordredato"] == joined["won"]).all()
    assert (joined["amount"] == joined["value"]).all()
    assert (joined["Kanal"] == joined["Kilde"]).all()
    # Every later order is a service or add-on order, after the installation.
    later = plain_orders.join(first.select("Kunde-ID", "Ordredato"), on="Kunde-ID", suffix="_1")
    later = later.filter(pl.col("Ordredato") > pl.col("Ordredato_1"))
    assert later.height == 207
    assert later["amount"].max() < 80_000
    assert plain_orders["Sidste kontakt"].max() <= AS_OF


def test_golden_orders_are_part_of_the_marketing_sheet(plain_orders) -> None:
    sheet = (
        pl.read_excel(
            SAMPLE / "nordlys_marketing.xlsx",
            sheet_name="Marketing dagligt",
            engine="calamine",
            read_options={"header_row": 3},
            infer_schema_length=0,
        )
        .filter(pl.col("Dato") != "I alt")
        .with_columns(
            pl.col("Dato").str.to_datetime("%Y-%m-%d %H:%M:%S").dt.date(),
            pl.col("Ordrer", "Nye kunder", "Omsætning (kr.)").cast(pl.Float64),
        )
    )
    start = sheet["Dato"].min()
    mine = (
        plain_orders.with_columns(
            (pl.col("Ordredato") == pl.col("Ordredato").min().over("Kunde-ID")).alias("first")
        )
        .filter(pl.col("Ordredato") >= start)
        .group_by(pl.col("Ordredato").alias("Dato"), "Kanal")
        .agg(pl.len().alias("n"), pl.col("amount").sum(), pl.col("first").sum().alias("new"))
    )
    joined = mine.join(sheet, on=["Dato", "Kanal"], how="left")
    assert joined["Ordrer"].null_count() == 0
    assert (joined["n"] <= joined["Ordrer"]).all()
    assert (joined["amount"] <= joined["Omsætning (kr.)"] + 0.01).all()
    # New customers: exactly the sheet's, day by day and channel by channel.
    assert (joined["new"] == joined["Nye kunder"]).all()
    assert joined["new"].sum() == sheet["Nye kunder"].sum()


def test_golden_satisfaction_samples_are_plausible(plain_orders) -> None:
    nps = _plain("nps_svar.csv").with_columns(pl.col("Score").cast(pl.Int64))
    assert 300 <= nps.height <= 400
    assert nps["Score"].is_between(0, 10).all()
    assert nps["Kunde-ID"].is_unique().all()
    assert nps["Kunde-ID"].is_in(plain_orders["Kunde-ID"].implode()).all()
    csat = _plain("csat_svar.csv").with_columns(pl.col("Score").cast(pl.Int64))
    assert 200 <= csat.height <= 400 and csat["Score"].is_between(1, 5).all()
    tickets = _plain("supportsager.csv").with_columns(
        pl.col("Oprettet", "Første svar").str.to_datetime("%d-%m-%Y %H:%M", strict=False)
    )
    answered = tickets.filter(pl.col("Første svar").is_not_null())
    assert tickets.height - answered.height == 2
    assert (answered["Første svar"] > answered["Oprettet"]).all()
    reply = answered["Første svar"]
    assert (reply.dt.weekday() <= 5).all()
    assert reply.dt.time().is_between(dt.time(8), dt.time(16)).all()
    for frame, column in ((nps, "Dato"), (csat, "Dato")):
        days = frame[column].str.to_date("%d-%m-%Y")
        assert days.min() >= D(2024, 11, 1) and days.max() <= AS_OF


def test_golden_new_files_regenerate_byte_for_byte(tmp_path: Path) -> None:
    """The customer part of the generator, run alone (the workbook takes seconds to write)."""
    spec = importlib.util.spec_from_file_location("sample_generate", SAMPLE / "generate.py")
    assert spec is not None and spec.loader is not None
    gen = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = gen  # dataclasses look their module up
    try:
        spec.loader.exec_module(gen)
        rng = gen.Rng(gen.SEED)
        _, expected = gen.simulate_traffic(rng)
        leads = gen.simulate_leads(rng, expected)
        paths = gen.generate_customers(tmp_path, leads, gen.simulate_service_orders(rng, leads))
    finally:
        del sys.modules[spec.name]
    assert sorted(p.name for p in paths.values()) == sorted(NEW_FILES)
    for name in NEW_FILES:
        assert (tmp_path / name).read_bytes() == (SAMPLE / name).read_bytes(), name
        assert (SAMPLE / name).read_bytes().startswith(b"\xef\xbb\xbf")
        assert (SAMPLE / name).stat().st_size < 200_000


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("da", "Fra januar 2026 til juni 2026 købte 5 kunder (5 nye); 2 var aktive ved udgangen "
               "af juni 2026 (en ordre inden for 2 måneder)."),
        ("nb", "Fra januar 2026 til juni 2026 kjøpte 5 kunder (5 nye); 2 var aktive ved utgangen "
               "av juni 2026 (en ordre innen 2 måneder)."),
        ("sv", "Från januari 2026 till juni 2026 köpte 5 kunder (5 nya); 2 var aktiva i slutet "
               "av juni 2026 (en order inom 2 månader)."),
    ],
)  # fmt: skip
def test_summary_first_sentence_in_every_language(locale: str, expected: str) -> None:
    s = summarize(FIVE, inactive_months=2, today=D(2026, 6, 30), locale=locale)
    assert s.sentences[0] == expected


def test_issues_and_examples_follow_the_locale() -> None:
    issues = validate(RAW, RAW_COLS, today=D(2026, 1, 5), locale="da")
    refund = next(i for i in issues if i.key == "customers.issue.negative_amounts")
    assert refund.text("da").startswith("1 ordre har et negativt beløb")
    assert refund.examples == ("kunde 000018 den 03.01.2026: -1.995,00",)
    with pytest.raises(InputError) as err:
        suggest_customer_columns({"Omsætning": "number"})
    assert err.value.text("sv").startswith("Ingen kolumn anger kunden")
