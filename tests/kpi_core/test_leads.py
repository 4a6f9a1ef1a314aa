"""The funnel from lead-level data: columns, checks, joins, counts, times and cohorts."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpi_core.ingest import LoadedTable, load_path
from kpi_core.issues import InputError
from kpi_core.leads import (
    DEFAULT_MATURITY_DAYS,
    LEAD_SCHEMA,
    LeadColumns,
    check_leads,
    cohorts,
    funnel_report,
    join_leads,
    latest_date,
    lead_frame,
    lead_summary,
    looks_like_leads,
    maturity_days,
    stage_counts,
    suggest_lead_columns,
    time_histogram,
    time_to_convert,
    validate,
)

D = dt.date
ROOT = Path(__file__).resolve().parents[2]
CRM = ROOT / "sample_data" / "crm_leads.csv"
JAN1 = D(2026, 1, 1)


def day(n: int) -> dt.date:
    """``n`` days after 1 January 2026."""
    return JAN1 + dt.timedelta(days=n)


def leads_of(rows: list[dict]) -> pl.DataFrame:
    """A canonical lead frame from a few dicts (missing keys are blank)."""
    full = [{c: r.get(c) for c in LEAD_SCHEMA} for r in rows]
    return pl.DataFrame(full, schema=LEAD_SCHEMA, orient="row")


#: Ten leads, all created on 1 January 2026 (day 0), two channels.
#: id  ch  mql   sql   won   lost   what happened
#: 1   A   0     4     10    -      won
#: 2   A   2     8     20    -      won
#: 3   A   1     10    -     30     lost after SQL
#: 4   A   1     -     -     14     lost after MQL
#: 5   A   -     -     -     4      lost as a lead
#: 6   B   -     -     40    -      won without MQL/SQL dates: counts as MQL and SQL
#: 7   B   3     -     -     -      open
#: 8   B   -     -     -     2      lost as a lead
#: 9   B   -2    -     -     19     MQL before created: an MQL, but not in the times
#: 10  B   -     -     -     -      open
TEN = leads_of(
    [
        {"lead_id": "1", "channel": "A", "mql_at": day(0), "sql_at": day(4), "won_at": day(10)},
        {"lead_id": "2", "channel": "A", "mql_at": day(2), "sql_at": day(8), "won_at": day(20)},
        {"lead_id": "3", "channel": "A", "mql_at": day(1), "sql_at": day(10), "lost_at": day(30)},
        {"lead_id": "4", "channel": "A", "mql_at": day(1), "lost_at": day(14)},
        {"lead_id": "5", "channel": "A", "lost_at": day(4)},
        {"lead_id": "6", "channel": "B", "won_at": day(40), "value": 50_000.0},
        {"lead_id": "7", "channel": "B", "mql_at": day(3)},
        {"lead_id": "8", "channel": "B", "lost_at": day(2)},
        {"lead_id": "9", "channel": "B", "mql_at": day(-2), "lost_at": day(19)},
        {"lead_id": "10", "channel": "B"},
    ]
).with_columns(pl.lit(JAN1).alias("created"))


def as_dict(frame: pl.DataFrame, key: str, value: str) -> dict:
    return dict(zip(frame[key], frame[value], strict=True))


# ---------------------------------------------------------------------------
# Which column is which
# ---------------------------------------------------------------------------

CRM_KINDS = {
    "Lead-ID": "id",
    "Oprettet": "date",
    "Kilde": "text",
    "MQL dato": "date",
    "SQL dato": "date",
    "Vundet dato": "date",
    "Tabt dato": "date",
    "Ordreværdi (kr.)": "number",
    "Postnr": "id",
}


@pytest.mark.parametrize(
    ("kinds", "expected"),
    [
        (  # Danish: the sample CRM export
            CRM_KINDS,
            LeadColumns(created="Oprettet", id="Lead-ID", mql="MQL dato", sql="SQL dato",
                        won="Vundet dato", lost="Tabt dato", value="Ordreværdi (kr.)",
                        channel="Kilde"),
        ),
        (  # Norwegian
            {"Kundenr": "id", "Opprettet": "date", "Kilde": "text", "MQL dato": "date",
             "Vunnet dato": "date", "Tapt dato": "date", "Ordreverdi (NOK)": "number"},
            LeadColumns(created="Opprettet", id="Kundenr", mql="MQL dato", won="Vunnet dato",
                        lost="Tapt dato", value="Ordreverdi (NOK)", channel="Kilde"),
        ),
        (  # Swedish
            {"ID": "number", "Skapad": "date", "Källa": "text", "MQL datum": "date",
             "SQL datum": "date", "Vunnen": "date", "Förlorad": "date", "Belopp": "number"},
            LeadColumns(created="Skapad", id="ID", mql="MQL datum", sql="SQL datum",
                        won="Vunnen", lost="Förlorad", value="Belopp", channel="Källa"),
        ),
        (  # English, CRM style
            {"Lead ID": "text", "Created date": "date", "Lead source": "text",
             "Marketing qualified date": "date", "Sales qualified date": "date",
             "Closed won date": "date", "Closed lost date": "date", "Deal value": "number"},
            LeadColumns(created="Created date", id="Lead ID", mql="Marketing qualified date",
                        sql="Sales qualified date", won="Closed won date",
                        lost="Closed lost date", value="Deal value", channel="Lead source"),
        ),
        (  # No created header: the first free date column is the created date
            {"Indgang": "date", "Won": "date", "Channel": "text"},
            LeadColumns(created="Indgang", won="Won", channel="Channel"),
        ),
        (  # Kinds matter: a text "amount" is not a value, a number is not a date
            {"Created": "date", "Amount": "text", "Won": "number"},
            LeadColumns(created="Created"),
        ),
    ],
)  # fmt: skip
def test_suggest_lead_columns(kinds, expected) -> None:
    assert suggest_lead_columns(kinds) == expected


def test_without_any_dates_there_is_no_created_date() -> None:
    with pytest.raises(InputError, match="date each lead was created"):
        suggest_lead_columns({"Lead-ID": "id", "Kilde": "text"})


@pytest.mark.parametrize(
    ("kinds", "expected"),
    [
        (CRM_KINDS, True),
        ({"Dato": "date", "Kanal": "text", "Leads": "number", "Nye kunder": "number"}, False),
        ({"Kilde": "text"}, False),
    ],
)
def test_lead_level_or_aggregated(kinds, expected) -> None:
    assert looks_like_leads(kinds) is expected


def test_roles_lists_the_columns_set() -> None:
    cols = LeadColumns(created="Oprettet", won="Vundet")
    assert cols.roles() == {"created": "Oprettet", "won": "Vundet"}
    assert cols.is_lead_level
    assert not LeadColumns(created="Dato", channel="Kanal").is_lead_level


# ---------------------------------------------------------------------------
# The canonical frame
# ---------------------------------------------------------------------------

RAW = pl.DataFrame(
    {
        "Lead-ID": ["000017", " 000018 ", "000019"],
        "Oprettet": [D(2026, 1, 5), None, D(2026, 1, 7)],
        "Kilde": ["Meta", "Meta", ""],
        "Vundet": [dt.datetime(2026, 2, 1, 13, 30), None, None],
        "Beløb": [84_500, None, None],
    }
)
RAW_COLS = LeadColumns(created="Oprettet", id="Lead-ID", won="Vundet", value="Beløb",
                       channel="Kilde")  # fmt: skip


def test_lead_frame_has_canonical_columns_and_keeps_ids_as_text() -> None:
    leads = lead_frame(RAW, RAW_COLS)
    assert leads.schema == pl.Schema(LEAD_SCHEMA)
    # The row without a created date is left out; ids keep their leading zeros.
    assert leads.rows() == [
        ("000017", "Meta", D(2026, 1, 5), None, None, D(2026, 2, 1), None, 84_500.0),
        ("000019", None, D(2026, 1, 7), None, None, None, None, None),
    ]


def test_ids_without_an_id_column_and_from_numbers() -> None:
    assert lead_frame(RAW, LeadColumns(created="Oprettet"))["lead_id"].to_list() == ["#1", "#3"]
    numeric = pl.DataFrame({"Nr": [123.0, 124.0], "Created": [JAN1, JAN1]})
    ids = lead_frame(numeric, LeadColumns(created="Created", id="Nr"))["lead_id"]
    assert ids.to_list() == ["123", "124"]


@pytest.mark.parametrize(
    ("columns", "message"),
    [
        (LeadColumns(created="Created"), "no column ‘Created’ for the created"),
        (LeadColumns(created="Oprettet", won="Kilde"), "‘Kilde’ does not hold dates"),
        (LeadColumns(created="Oprettet", value="Kilde"), "‘Kilde’ does not hold numbers"),
    ],
)
def test_unusable_columns(columns, message) -> None:
    issues = validate(RAW, columns)
    assert [i.level for i in issues] == ["error"]
    assert message in issues[0].message
    with pytest.raises(InputError, match=message):
        lead_frame(RAW, columns)


def test_validate_counts_rows_without_a_created_date() -> None:
    issues = validate(RAW, RAW_COLS)
    assert [(i.level, i.count) for i in issues] == [("warning", 1)]
    assert issues[0].message == "1 row has no date in ‘Oprettet’; left out."


# ---------------------------------------------------------------------------
# Data quality
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dates", "field", "text"),
    [
        ({"mql_at": day(-1)}, "mql_at", "an MQL date before the created date"),
        ({"sql_at": day(-1)}, "sql_at", "an SQL date before the created date"),
        ({"won_at": day(-1)}, "won_at", "a won date before the created date"),
        ({"lost_at": day(-1)}, "lost_at", "a lost date before the created date"),
        ({"mql_at": day(5), "sql_at": day(3)}, "sql_at", "an SQL date before the MQL date"),
        ({"sql_at": day(5), "won_at": day(3)}, "won_at", "a won date before the SQL date"),
        ({"mql_at": day(5), "won_at": day(3)}, "won_at", "a won date before the MQL date"),
    ],
)
def test_stage_dates_out_of_order_are_counted_with_examples(dates, field, text) -> None:
    good = {"lead_id": "1", "created": JAN1, "mql_at": day(1), "sql_at": day(2)}
    bad = [{"lead_id": f"x{i}", "created": JAN1, **dates} for i in range(4)]
    issues = check_leads(leads_of([good, *bad]))
    (issue,) = [i for i in issues if text in i.message]
    assert (issue.level, issue.field, issue.count) == ("warning", field, 4)
    assert issue.message.startswith("4 leads have")
    assert len(issue.examples) == 3  # a few, not all
    assert issue.examples[0].startswith("lead x0: ")


def test_hand_built_leads_give_the_expected_findings() -> None:
    order, no_mql, no_sql = check_leads(TEN)
    assert order.message == (
        "1 lead has an MQL date before the created date. "
        "They count as MQLs, but not in the time to MQL."
    )
    assert order.examples == ("lead 9: created 2026-01-01, MQL 2025-12-30",)
    # Lead 6 was won without MQL or SQL dates: counted at both stages.
    assert (no_mql.level, no_mql.field, no_mql.count) == ("info", "mql_at", 1)
    assert no_mql.message.startswith("1 lead reached a later stage without an MQL date.")
    assert (no_sql.field, no_sql.examples) == ("sql_at", ("lead 6",))
    assert "these count as SQLs" in no_sql.message


def test_duplicates_both_won_and_lost_and_negative_values() -> None:
    leads = leads_of(
        [
            {"lead_id": "7", "created": JAN1, "won_at": day(3), "lost_at": day(4), "value": -5.0},
            {"lead_id": "7", "created": JAN1},
        ]
    )
    messages = [i.message for i in check_leads(leads)]
    assert messages[0].startswith("1 lead id appears more than once (2 rows);")
    assert any("both a won and a lost date; they are counted as won" in m for m in messages)
    assert any("negative deal value" in m for m in messages)
    counts = stage_counts(leads)
    assert as_dict(counts, "stage", "count") == {"leads": 2, "customers": 1}


# ---------------------------------------------------------------------------
# Counts, conversion and time to convert
# ---------------------------------------------------------------------------


def test_counts_per_stage_never_rise() -> None:
    counts = stage_counts(TEN)
    assert counts["stage"].to_list() == ["leads", "mqls", "sqls", "customers"]
    # MQLs: 1 2 3 4 6 7 9 = 7; SQLs: 1 2 3 6 = 4; customers: 1 2 6 = 3.
    assert counts["count"].to_list() == [10, 7, 4, 3]
    assert counts["pct_of_previous"].to_list() == pytest.approx([None, 0.7, 4 / 7, 0.75])
    assert counts["pct_of_first"].to_list() == pytest.approx([1.0, 0.7, 0.4, 0.3])
    assert counts["drop"].to_list() == [None, 3, 3, 1]
    assert counts["step"].to_list() == [None, "lead_to_mql", "mql_to_sql", "sql_to_customer"]


def test_counts_per_channel() -> None:
    counts = stage_counts(TEN, by="channel")
    assert counts.filter(pl.col("channel") == "A")["count"].to_list() == [5, 4, 3, 2]
    # B: lead 6 (won without dates) is its only SQL and customer.
    assert counts.filter(pl.col("channel") == "B")["count"].to_list() == [5, 3, 1, 1]


def test_time_to_convert_by_hand() -> None:
    times = time_to_convert(TEN)
    # MQL days [0, 1, 1, 2, 3] (lead 6 has no date, lead 9 is before created):
    #   median 1; p75 at position 4 × 0.75 = 3 → 2.
    # SQL days [4, 8, 10]: median 8; p75 at 2 × 0.75 = 1.5 → 8 + 0.5 × (10 − 8) = 9.
    # Won days [10, 20, 40]: median 20; p75 at 1.5 → 20 + 0.5 × (40 − 20) = 30.
    assert times.select("stage", "n", "median_days", "p75_days").rows() == [
        ("mqls", 5, 1.0, 2.0),
        ("sqls", 3, 8.0, 9.0),
        ("customers", 3, 20.0, 30.0),
    ]
    assert times["step_label"].to_list() == ["Lead → MQL", "Lead → SQL", "Lead → customer"]


def test_time_to_convert_per_channel_and_cohort() -> None:
    times = time_to_convert(TEN, by="channel").filter(pl.col("stage") == "customers")
    # A: [10, 20] → median 15, p75 at 0.75 → 10 + 0.75 × 10 = 17.5. B: [40].
    assert times.select("channel", "median_days", "p75_days").rows() == [
        ("A", 15.0, 17.5),
        ("B", 40.0, 40.0),
    ]
    by_cohort = time_to_convert(TEN, by="cohort")
    assert by_cohort["cohort"].unique().to_list() == ["2026-01"]


def test_stages_never_recorded_are_left_out() -> None:
    leads = leads_of(
        [
            {"lead_id": "1", "created": JAN1, "won_at": day(5)},
            {"lead_id": "2", "created": JAN1, "lost_at": day(5)},
        ]
    )
    counts = stage_counts(leads)
    assert counts.select("stage", "count", "step").rows() == [
        ("leads", 2, None),
        ("customers", 1, "lead_to_customer"),
    ]
    assert time_to_convert(leads)["stage"].to_list() == ["customers"]


def test_as_of_replays_the_past() -> None:
    assert latest_date(TEN) == day(40)  # lead 6 won on day 40
    # On day 15, leads 1 and 2 are won (days 10 and 20 → only lead 1), lead 6 not yet.
    counts = stage_counts(TEN, as_of=day(15))
    assert as_dict(counts, "stage", "count") == {"leads": 10, "mqls": 6, "sqls": 3, "customers": 1}
    # A lead created after as_of is not there yet.
    late = leads_of([*TEN.to_dicts(), {"lead_id": "11", "created": day(50)}])
    assert stage_counts(late, as_of=day(40))["count"][0] == 10


def test_unknown_split_is_an_error() -> None:
    with pytest.raises(InputError, match="Cannot split leads by 'postcode'"):
        stage_counts(TEN, by="postcode")


# ---------------------------------------------------------------------------
# Cohorts: recent leads have not had time to convert
# ---------------------------------------------------------------------------

#: January: 2 won, 1 lost, 1 never closed (old: not pending). February: no leads.
#: March, created on the 20th: 1 won on the 25th, 3 neither won nor lost.
COHORTS = leads_of(
    [
        {"lead_id": "j1", "created": D(2026, 1, 5), "won_at": D(2026, 1, 25)},
        {"lead_id": "j2", "created": D(2026, 1, 6), "won_at": D(2026, 2, 3)},
        {"lead_id": "j3", "created": D(2026, 1, 7), "lost_at": D(2026, 1, 9)},
        {"lead_id": "j4", "created": D(2026, 1, 8)},
        {"lead_id": "m1", "created": D(2026, 3, 20), "won_at": D(2026, 3, 25)},
        {"lead_id": "m2", "created": D(2026, 3, 20)},
        {"lead_id": "m3", "created": D(2026, 3, 20)},
        {"lead_id": "m4", "created": D(2026, 3, 20)},
    ]
)


def test_open_cohorts_are_marked_and_open_leads_are_not_lost() -> None:
    c = cohorts(COHORTS, as_of=D(2026, 3, 31), maturity=30)
    assert c["cohort"].to_list() == ["2026-01", "2026-02", "2026-03"]
    assert c["leads"].to_list() == [4, 0, 4]
    assert c["customers"].to_list() == [2, 0, 1]
    assert c["lost"].to_list() == [1, 0, 0]  # open leads are not lost
    # March leads are 11 days old (< 30) and undecided; j4 is 82 days old: not pending.
    assert c["pending"].to_list() == [0, 0, 3]
    assert c["pending_share"].to_list() == [0.0, None, 0.75]
    assert c["lead_to_customer"].to_list() == [0.5, None, 0.25]  # 2/4, –, 1/4 so far
    assert c["is_open"].to_list() == [False, False, True]
    assert c["note"].to_list() == [
        None,
        None,
        "March 2026 is still open: 3 of its 4 leads (75%) are under 30 days old and "
        "neither won nor lost, so its conversion will still rise.",
    ]


def test_a_cohort_whose_period_is_not_over_is_open() -> None:
    c = cohorts(COHORTS, as_of=D(2026, 3, 22), maturity=1)
    march = c.filter(pl.col("cohort") == "2026-03").row(0, named=True)
    assert march["customers"] == 0  # won on the 25th: not yet
    assert march["complete"] is False
    assert march["is_open"] is True
    assert march["note"].startswith("March 2026 is still open: the data ends on 22 March 2026")


def test_cohorts_per_quarter_and_channel() -> None:
    leads = COHORTS.with_columns(
        pl.when(pl.col("lead_id").str.starts_with("j")).then(pl.lit("A")).otherwise(pl.lit("B"))
        .alias("channel")
    )  # fmt: skip
    c = cohorts(leads, period="quarter", by="channel", as_of=D(2026, 3, 31), maturity=30)
    assert c.select("cohort", "channel", "leads", "customers", "is_open").rows() == [
        ("2026-Q1", "A", 4, 2, False),
        ("2026-Q1", "B", 4, 1, True),
    ]


def test_maturity_is_the_90th_percentile_of_lead_to_customer_days() -> None:
    won = leads_of([{"lead_id": str(i), "created": JAN1, "won_at": day(i)} for i in range(1, 21)])
    # Days 1 … 20: position 19 × 0.9 = 17.1 → 18 + 0.1 × (19 − 18) = 18.1 → 19 days.
    assert maturity_days(won) == 19
    # Too few won leads to measure: the default.
    assert maturity_days(won.head(19)) == DEFAULT_MATURITY_DAYS


# ---------------------------------------------------------------------------
# Chart frames
# ---------------------------------------------------------------------------


def test_histogram_of_days_to_customer() -> None:
    hist = time_histogram(TEN)
    # Won days 10, 20, 40 in weekly bins: 7–13, 14–20, 35–41; empty bins shown as 0.
    assert hist.select("bin_start", "bin_end", "label", "count").rows() == [
        (0, 6, "0–6 days", 0),
        (7, 13, "7–13 days", 1),
        (14, 20, "14–20 days", 1),
        (21, 27, "21–27 days", 0),
        (28, 34, "28–34 days", 0),
        (35, 41, "35–41 days", 1),
    ]
    assert hist["share"].sum() == pytest.approx(1.0)


def test_histogram_with_an_open_last_bin_and_per_channel() -> None:
    hist = time_histogram(TEN, max_days=21, by="channel")
    assert hist.select("channel", "label", "count").rows() == [
        ("A", "0–6 days", 0),
        ("A", "7–13 days", 1),
        ("A", "14–20 days", 1),
        ("A", "21+ days", 0),
        ("B", "0–6 days", 0),
        ("B", "7–13 days", 0),
        ("B", "14–20 days", 0),
        ("B", "21+ days", 1),
    ]
    assert hist.filter(pl.col("label") == "21+ days")["bin_end"].to_list() == [None, None]


def test_summary_has_every_number_of_the_page() -> None:
    s = lead_summary(TEN)
    assert s.as_of == day(40)
    assert s.maturity_days == DEFAULT_MATURITY_DAYS  # three won leads are too few to measure
    assert s.funnel.select("stage", "count", "median_days", "p75_days").rows() == [
        ("leads", 10, 0.0, 0.0),
        ("mqls", 7, 1.0, 2.0),
        ("sqls", 4, 8.0, 9.0),
        ("customers", 3, 20.0, 30.0),
    ]
    assert s.funnel_by_channel is not None
    assert s.funnel_by_channel.height == 8
    assert s.lead_to_customer == pytest.approx(0.3)
    # Two leads are undecided and 40 days old (< 90): January is open, nothing is settled.
    assert s.pending == 2
    assert s.settled_lead_to_customer is None
    assert (s.median_days_to_customer, s.p75_days_to_customer) == (20.0, 30.0)
    assert s.time_by_cohort["is_open"].to_list() == [True, True, True]
    assert "2 of 10 leads (20%) are under 90 days old" in s.issues[0].message


# ---------------------------------------------------------------------------
# Invariants on random leads
# ---------------------------------------------------------------------------

maybe_offset = st.one_of(st.none(), st.integers(min_value=-5, max_value=60))


@st.composite
def random_leads(draw: st.DrawFn) -> pl.DataFrame:
    n = draw(st.integers(min_value=1, max_value=40))
    rows = []
    for i in range(n):
        created = day(draw(st.integers(min_value=0, max_value=90)))

        def at(offset: int | None, base: dt.date = created) -> dt.date | None:
            return None if offset is None else base + dt.timedelta(days=offset)

        rows.append(
            {
                "lead_id": str(i),
                "channel": draw(st.sampled_from(["A", "B", None])),
                "created": created,
                "mql_at": at(draw(maybe_offset)),
                "sql_at": at(draw(maybe_offset)),
                "won_at": at(draw(maybe_offset)),
                "lost_at": at(draw(maybe_offset)),
            }
        )
    return leads_of(rows)


@settings(max_examples=40, deadline=None)
@given(random_leads())
def test_counts_never_rise_and_every_rate_is_a_share(leads: pl.DataFrame) -> None:
    for by in (None, "channel", "cohort"):
        counts = stage_counts(leads, by=by)
        keys = [by] if by else []
        for _, group in counts.group_by(keys or pl.lit(0), maintain_order=True):
            values = group["count"].to_list()
            assert values == sorted(values, reverse=True), (by, values)
        for col in ("pct_of_previous", "pct_of_first"):
            assert counts[col].drop_nulls().is_between(0, 1).all()
    per_channel = stage_counts(leads, by="channel").group_by("stage").agg(pl.col("count").sum())
    overall = stage_counts(leads)
    assert as_dict(per_channel, "stage", "count") == as_dict(overall, "stage", "count")
    c = cohorts(leads)
    for col in ("lead_to_mql", "mql_to_sql", "sql_to_customer", "lead_to_customer"):
        assert c[col].drop_nulls().is_between(0, 1).all()
    assert (c["lost"] + c["customers"] + c["pending"] <= c["leads"]).all()
    times = time_to_convert(leads)
    assert (times["median_days"].drop_nulls() >= 0).all()
    assert (times["p75_days"].drop_nulls() >= times["median_days"].drop_nulls()).all()


# ---------------------------------------------------------------------------
# Two tables joined by an id
# ---------------------------------------------------------------------------

LEADS_TABLE = pl.DataFrame(
    {
        "Lead-ID": ["001", "002", "003", "004"],
        "Oprettet": [D(2026, 1, 1), D(2026, 1, 2), D(2026, 1, 3), D(2026, 1, 4)],
        "Kilde": ["Meta", "Meta", "Google Ads", "Google Ads"],
        "MQL dato": [D(2026, 1, 2), D(2026, 1, 3), D(2026, 1, 4), None],
    }
)
DEALS_TABLE = pl.DataFrame(
    {
        "Lead-ID": ["002", "003", "003", "999", "002"],
        "Vundet dato": [D(2026, 2, 1), D(2026, 2, 10), D(2026, 2, 5), D(2026, 2, 1), D(2026, 2, 1)],
        "Beløb": [80_000.0, 10_000.0, 5_000.0, 1.0, 80_000.0],
    }
)


def test_join_keeps_every_lead_and_adds_its_deal() -> None:
    j = join_leads(LEADS_TABLE, DEALS_TABLE, on_left="Lead-ID")
    assert j.columns == LeadColumns(created="Oprettet", id="Lead-ID", mql="MQL dato",
                                    won="Vundet dato", value="Beløb", channel="Kilde")  # fmt: skip
    assert j.frame.height == 4
    assert (j.matched, j.unmatched) == (2, 1)
    leads = lead_frame(j.frame, j.columns)
    # 003 had two deals: its earliest date and the sum of its amounts.
    assert leads.select("lead_id", "won_at", "value").rows() == [
        ("001", None, None),
        ("002", D(2026, 2, 1), 80_000.0),
        ("003", D(2026, 2, 5), 15_000.0),
        ("004", None, None),
    ]
    assert as_dict(stage_counts(leads), "stage", "count") == {
        "leads": 4,
        "mqls": 3,
        "customers": 2,
    }
    text = " ".join(i.message for i in j.issues)
    assert "1 row of the deals table repeated another row exactly" in text  # the second 002
    assert "1 id appears more than once in the deals table" in text  # 003
    assert "1 deal has an id that is not in the leads table" in text  # 999
    orphan = next(i for i in j.issues if "not in the leads table" in i.message)
    assert (orphan.count, orphan.examples) == (1, ("999",))


def test_join_on_ids_stored_as_numbers_on_one_side() -> None:
    deals = pl.DataFrame({"Kundenr": [2.0, 3.0], "Won": [D(2026, 2, 1), D(2026, 2, 2)]})
    j = join_leads(LEADS_TABLE, deals, on_left="Lead-ID", on_right="Kundenr")
    assert j.matched == 2
    assert j.frame["Won"].to_list() == [None, D(2026, 2, 1), D(2026, 2, 2), None]


def test_join_renames_clashing_deal_columns_and_finds_the_won_date() -> None:
    # The deals export has its own "Oprettet" (the deal's) and a plain "Dato".
    deals = pl.DataFrame(
        {"Lead-ID": ["001"], "Oprettet": [D(2026, 1, 20)], "Dato": [D(2026, 1, 30)]}
    )
    j = join_leads(LEADS_TABLE, deals, on_left="Lead-ID")
    assert "Oprettet_deals" in j.frame.columns
    assert j.columns.created == "Oprettet"  # the lead's, not the deal's
    assert j.columns.won == "Dato"
    assert any("‘Dato’ in the deals table is taken as the date" in i.message for i in j.issues)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"on_left": "ID"}, "The leads table has no column ‘ID’"),
        ({"on_left": "Lead-ID", "on_right": "Deal"}, "The deals table has no column ‘Deal’"),
        # 5 deal rows: one exact copy, 003 twice → 3 ids, none of them a channel name.
        ({"on_left": "Kilde"}, "None of the 3 deal ids"),
        ({"on_left": "Lead-ID", "won": "Lukket"}, "no column ‘Lukket’ for the won"),
    ],
)
def test_join_errors_say_what_to_do(kwargs, message) -> None:
    deals = DEALS_TABLE.rename({"Lead-ID": "Kilde"}) if kwargs["on_left"] == "Kilde" else None
    with pytest.raises(InputError, match=message):
        join_leads(LEADS_TABLE, DEALS_TABLE if deals is None else deals, **kwargs)


# ---------------------------------------------------------------------------
# The command line's function
# ---------------------------------------------------------------------------


def test_report_on_two_tables() -> None:
    report = funnel_report(LEADS_TABLE, deals=DEALS_TABLE, join_on="Lead-ID")
    assert report.level == "leads"
    assert report.stages.select("stage", "count", "pct_of_previous").rows() == [
        ("leads", 4, None),
        ("mqls", 3, 0.75),
        ("customers", 2, pytest.approx(2 / 3)),
    ]
    # Lead 002: created 2 January, won 1 February = 30 days; 003: 3 Jan → 5 Feb = 33 days.
    customers = report.stages.filter(pl.col("stage") == "customers").row(0, named=True)
    assert (customers["median_days"], customers["p75_days"]) == (31.5, 32.25)
    assert report.as_of == D(2026, 2, 5)
    assert report.lead_to_customer == 0.5


def test_report_needs_the_join_column_for_two_tables() -> None:
    with pytest.raises(InputError, match="--join-on"):
        funnel_report(LEADS_TABLE, deals=DEALS_TABLE)


def test_report_splits_by_channel_only_when_there_is_one() -> None:
    report = funnel_report(LEADS_TABLE.drop("Kilde"), deals=DEALS_TABLE, join_on="Lead-ID")
    assert report.stages["count"][0] == 4
    with pytest.raises(InputError, match="no column says where each lead came from"):
        funnel_report(LEADS_TABLE.drop("Kilde"), deals=DEALS_TABLE, join_on="Lead-ID", by="channel")


# ---------------------------------------------------------------------------
# Golden checks on the sample CRM export
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def crm_table() -> LoadedTable:
    return load_path(CRM)


@pytest.fixture(scope="module")
def crm(crm_table: LoadedTable) -> pl.DataFrame:
    columns = suggest_lead_columns(crm_table.kinds)
    assert validate(crm_table.frame, columns) == []  # the generator writes consistent data
    return lead_frame(crm_table.frame, columns)


@pytest.fixture(scope="module")
def plain() -> pl.DataFrame:
    """The export read with plain polars, every cell as text: an independent count."""
    return pl.read_csv(CRM, separator=";", infer_schema=False, encoding="utf8-lossy").rename(
        lambda c: c.lstrip("\ufeff")
    )


@pytest.fixture(scope="module")
def summary(crm: pl.DataFrame):
    return lead_summary(crm)


def test_golden_columns_of_the_crm_export(crm_table: LoadedTable) -> None:
    assert crm_table.kinds == CRM_KINDS


def test_golden_counts_per_channel_match_a_plain_count(summary, plain) -> None:
    filled = [pl.col(c).is_not_null() & (pl.col(c) != "") for c in
              ("MQL dato", "SQL dato", "Vundet dato")]  # fmt: skip
    expected = plain.group_by("Kilde").agg(
        pl.len().alias("leads"),
        (filled[0] | filled[1] | filled[2]).sum().alias("mqls"),
        (filled[1] | filled[2]).sum().alias("sqls"),
        filled[2].sum().alias("customers"),
    )
    assert summary.funnel_by_channel is not None
    got = summary.funnel_by_channel.pivot(on="stage", index="channel", values="count")
    assert (
        got.sort("channel").rows()
        == expected.sort("Kilde")
        .cast({c: pl.Int64 for c in ("leads", "mqls", "sqls", "customers")})
        .rows()
    )
    assert summary.funnel["count"][0] == plain.height == 8506


def test_golden_time_to_convert_is_plausible(summary) -> None:
    # The README: lead to contract takes a median of 25 days, 90 % within 53 days.
    assert 20 <= summary.median_days_to_customer <= 30
    assert summary.median_days_to_customer < summary.p75_days_to_customer < 50
    assert 45 <= summary.maturity_days <= 60


def test_golden_recent_cohorts_are_open_and_older_ones_settled(summary) -> None:
    c = summary.cohorts
    assert c["cohort"][0] == "2024-08"  # the CRM started on 1 August 2024
    assert summary.as_of == D(2026, 10, 31)
    open_ = c.filter(pl.col("is_open"))["cohort"].to_list()
    assert open_[-1] == "2026-10"
    assert set(open_) <= {"2026-09", "2026-10"}
    assert c.filter(pl.col("cohort") <= "2026-08")["pending"].sum() == 0
    assert 0.10 < summary.settled_lead_to_customer < 0.16


def test_golden_the_leak_shows_in_the_cohorts(summary) -> None:
    c = summary.cohorts
    before = c.filter(pl.col("cohort").is_between(pl.lit("2025-08"), pl.lit("2026-07")))[
        "lead_to_mql"
    ]
    after = c.filter(pl.col("cohort") >= "2026-08")["lead_to_mql"]
    assert before.min() > 0.5  # type: ignore[operator]
    assert after.max() < 0.45  # type: ignore[operator]


def test_golden_report_reads_the_crm_export_lead_by_lead(crm_table: LoadedTable) -> None:
    report = funnel_report(crm_table.frame, kinds=crm_table.kinds, by="channel")
    assert report.level == "leads"
    assert report.stages["channel"].unique().len() == 5
    assert report.stages.filter(pl.col("stage") == "leads")["count"].sum() == 8506
    assert report.as_of == D(2026, 10, 31)


# ---------------------------------------------------------------------------
# In every language
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("locale", "order", "example"),
    [
        ("da", "1 lead har en MQL-dato før oprettelsesdatoen. Det tæller som MQL, men ikke med "
               "i tiden til MQL.", "lead 9: oprettet 2026-01-01, MQL 2025-12-30"),
        ("nb", "1 lead har en MQL-dato før opprettelsesdatoen. Det telles som MQL, men ikke i "
               "tiden til MQL.", "lead 9: opprettet 2026-01-01, MQL 2025-12-30"),
        ("sv", "1 lead har ett MQL-datum före det skapade datumet. Det räknas som MQL, men inte "
               "i tiden till MQL.", "lead 9: skapad 2026-01-01, MQL 2025-12-30"),
    ],
)  # fmt: skip
def test_findings_in_every_language(locale, order, example) -> None:
    found = check_leads(TEN, locale=locale)[0]
    assert (found.text(locale), found.examples) == (order, (example,))
    assert found.message.startswith("1 lead has an MQL date")  # the English text stays


@pytest.mark.parametrize(
    ("locale", "note"),
    [
        ("da", "Marts 2026 er stadig åben: 3 af dens 4 leads (75\xa0%) er under 1.000 dage gamle "
               "og hverken vundet eller tabt, så konverteringen vil stadig stige."),
        ("sv", "Mars 2026 är fortfarande öppen: 3 av dess 4 leads (75\xa0%) är yngre än "
               "1\xa0000 dagar och varken vunna eller förlorade, så konverteringen kommer "
               "fortfarande att stiga."),
    ],
)  # fmt: skip
def test_cohort_notes_in_the_language_with_its_numbers(locale, note) -> None:
    c = cohorts(COHORTS, as_of=D(2026, 3, 31), maturity=1000, locale=locale)
    assert c["note"][-1] == note


def test_histogram_labels_and_steps_in_danish() -> None:
    hist = time_histogram(TEN, max_days=21, locale="da")
    assert hist["label"].to_list() == ["0–6 dage", "7–13 dage", "14–20 dage", "21+ dage"]
    times = time_to_convert(TEN, locale="nb")
    assert times["step_label"].to_list() == ["Lead → MQL", "Lead → SQL", "Lead → kunde"]
    s = lead_summary(TEN, locale="sv")
    assert s.issues[0].text("sv").startswith("2 av 10 leads (20\xa0%) är yngre än 90 dagar")
    with pytest.raises(InputError) as err:
        join_leads(LEADS_TABLE, DEALS_TABLE, on_left="ID", locale="da")
    assert err.value.text("da").startswith("Lead-tabellen har ingen kolonne ‘ID’ at forbinde på")
