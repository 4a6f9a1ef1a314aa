"""The funnel from aggregated rows: counts, step rates, rises, trends and the biggest leak."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from kpi_core.compute import kpi_frame
from kpi_core.funnel import (
    JOURNEY_STAGE,
    Step,
    biggest_leak,
    funnel,
    funnel_stages,
    funnel_trend,
    leak_sentence,
    leak_table,
    localized_steps,
    step_between,
)
from kpi_core.ingest import LoadedTable, load_path
from kpi_core.issues import InputError
from kpi_core.leads import funnel_report
from kpi_core.mapping import apply_mapping, resolve_mapping

D = dt.date
ROOT = Path(__file__).resolve().parents[2]
WORKBOOK = ROOT / "sample_data" / "nordlys_marketing.xlsx"
STAGES = ["impressions", "clicks", "sessions", "leads", "mqls", "sqls", "customers"]

#: Two paid days and one organic day. Organic search has no impressions or clicks,
#: so over all rows sessions (1000) outnumber clicks (500).
ROWS = pl.DataFrame(
    {
        "date": [D(2026, 1, 1), D(2026, 1, 2), D(2026, 1, 1)],
        "channel": ["Ads", "Ads", "Organic"],
        "impressions": [10_000.0, 10_000.0, None],
        "clicks": [200.0, 300.0, None],
        "sessions": [150.0, 250.0, 600.0],
        "leads": [15.0, 25.0, 10.0],
        "mqls": [9.0, 11.0, 8.0],
        "sqls": [6.0, 4.0, 4.0],
        "customers": [3.0, 1.0, 2.0],
    }
)


def by_stage(steps: pl.DataFrame, column: str) -> dict[str, object]:
    return dict(zip(steps["stage"], steps[column], strict=True))


# ---------------------------------------------------------------------------
# Steps and stages
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "target", "step_id", "label"),
    [
        ("impressions", "clicks", "ctr", "Impression → click"),
        ("clicks", "sessions", "clicks_to_sessions", "Click → session"),
        ("sessions", "leads", "traffic_to_lead", "Session → lead"),
        ("leads", "mqls", "lead_to_mql", "Lead → MQL"),
        ("mqls", "sqls", "mql_to_sql", "MQL → SQL"),
        ("sqls", "customers", "sql_to_customer", "SQL → customer"),
        # Skipped stages: the catalogue KPI when there is one, else a made-up id.
        ("leads", "customers", "lead_to_customer", "Lead → customer"),
        ("leads", "sqls", "leads_to_sqls", "Lead → SQL"),
    ],
)
def test_steps_are_named_after_their_catalogue_kpi(source, target, step_id, label) -> None:
    step = step_between(source, target)
    assert step == Step(step_id, source, target)
    assert step.label == label


def test_journey_stages_match_the_catalogue() -> None:
    assert JOURNEY_STAGE == {
        "impressions": "Awareness",
        "clicks": "Awareness",
        "sessions": "Engagement",
        "leads": "Engagement",
        "mqls": "Engagement",
        "sqls": "Conversion",
        "customers": "Conversion",
    }


def test_stages_are_the_mapped_fields_with_numbers_in_journey_order() -> None:
    frame = pl.DataFrame({"customers": [1.0], "leads": [5.0], "clicks": [None], "spend": [9.0]})
    assert funnel_stages(frame) == ("leads", "customers")


# ---------------------------------------------------------------------------
# The funnel over all rows
# ---------------------------------------------------------------------------


def test_counts_are_sums_and_rates_ratios_of_sums() -> None:
    f = funnel(ROWS)
    steps = f.steps
    assert steps["stage"].to_list() == STAGES
    assert by_stage(steps, "count") == {
        "impressions": 20_000.0,  # 10000 + 10000
        "clicks": 500.0,  # 200 + 300
        "sessions": 1000.0,  # 150 + 250 + 600
        "leads": 50.0,  # 15 + 25 + 10
        "mqls": 28.0,  # 9 + 11 + 8
        "sqls": 14.0,  # 6 + 4 + 4
        "customers": 6.0,  # 3 + 1 + 2
    }
    prev = by_stage(steps, "pct_of_previous")
    assert prev["impressions"] is None  # the first stage has no previous one
    assert prev["clicks"] == pytest.approx(500 / 20_000)  # 0.025
    assert prev["sessions"] is None  # 1000 sessions > 500 clicks: not a conversion
    assert prev["leads"] == pytest.approx(50 / 1000)  # 0.05
    assert prev["mqls"] == pytest.approx(28 / 50)  # 0.56
    assert prev["sqls"] == pytest.approx(14 / 28)  # 0.5
    assert prev["customers"] == pytest.approx(6 / 14)  # 0.4286
    first = by_stage(steps, "pct_of_first")
    assert first["impressions"] == 1.0
    assert first["sessions"] == pytest.approx(1000 / 20_000)  # 0.05
    assert first["customers"] == pytest.approx(6 / 20_000)  # 0.0003
    drop = by_stage(steps, "drop")
    assert drop["clicks"] == 19_500.0  # 20000 − 500
    assert drop["sessions"] is None  # a rise is not a negative drop
    assert drop["leads"] == 950.0  # 1000 − 50
    assert drop["customers"] == 8.0  # 14 − 6
    assert by_stage(steps, "journey_stage")["sqls"] == "Conversion"


def test_ttl_and_ltc_are_named_and_returned() -> None:
    f = funnel(ROWS)
    assert f.traffic_to_lead == pytest.approx(50 / 1000)  # Σleads / Σsessions = 0.05
    assert f.lead_to_customer == pytest.approx(6 / 50)  # Σcustomers / Σleads = 0.12
    assert f.key_rates.rows() == [(pytest.approx(0.05), pytest.approx(0.12))]


def test_a_later_stage_outnumbering_an_earlier_one_is_explained_not_a_rate() -> None:
    f = funnel(ROWS)
    sessions = f.steps.filter(pl.col("stage") == "sessions").row(0, named=True)
    assert sessions["count"] == 1000.0  # the honest number is kept
    assert sessions["pct_of_previous"] is None
    assert sessions["note"] == "More sessions than clicks: not a conversion step"
    (issue,) = [i for i in f.issues if i.field == "sessions"]
    assert issue.level == "info"
    assert "Sessions (1,000) are more than Clicks (500)" in issue.message
    # 600 organic sessions have no clicks; on the Ads rows 400 sessions / 500 clicks.
    assert "600 sessions are on rows with no clicks (Organic)" in issue.message
    assert "there were 80 sessions per 100 clicks" in issue.message
    assert issue.examples == ("Organic",)
    assert issue.count == 600


def test_a_rise_on_the_rows_that_have_both_is_also_not_a_rate() -> None:
    # Σclicks 300 ≥ Σsessions 150 overall, but on the one row with both 150 > 100.
    rows = pl.DataFrame({"clicks": [100.0, 200.0], "sessions": [150.0, None]})
    f = funnel(rows)
    sessions = f.steps.filter(pl.col("stage") == "sessions").row(0, named=True)
    assert sessions["pct_of_previous"] is None
    assert "On the rows that have both, sessions (150) are more than clicks (100)" in (
        f.issues[0].message
    )


def test_rates_use_the_rows_where_both_stages_were_recorded_like_the_scorecard() -> None:
    # MQLs were only tracked on the first day: 6 MQLs of that day's 10 leads.
    rows = pl.DataFrame(
        {"date": [D(2026, 1, 1), D(2026, 1, 2)], "leads": [10.0, 30.0], "mqls": [6.0, None]}
    )
    f = funnel(rows)
    assert by_stage(f.steps, "count") == {"leads": 40.0, "mqls": 6.0}
    assert by_stage(f.steps, "pct_of_previous")["mqls"] == pytest.approx(0.6)  # 6 / 10
    assert kpi_frame(rows, period=None)["lead_to_mql"].item() == pytest.approx(0.6)
    (issue,) = f.issues
    assert "measured on the rows where both Leads and MQLs are filled in (6 of 10)" in (
        issue.message
    )


def test_per_channel_each_funnel_starts_at_its_first_recorded_stage() -> None:
    f = funnel(ROWS, by="channel")
    ads = f.steps.filter(pl.col("channel") == "Ads")
    organic = f.steps.filter(pl.col("channel") == "Organic")
    assert ads["stage"].to_list() == STAGES
    assert organic["stage"].to_list() == ["sessions", "leads", "mqls", "sqls", "customers"]
    assert by_stage(ads, "pct_of_previous") == pytest.approx(
        {
            "impressions": None,
            "clicks": 500 / 20_000,  # 0.025
            "sessions": 400 / 500,  # 0.8: on paid traffic fewer sessions than clicks
            "leads": 40 / 400,  # 0.1
            "mqls": 20 / 40,  # 0.5
            "sqls": 10 / 20,  # 0.5
            "customers": 4 / 10,  # 0.4
        }
    )
    assert by_stage(organic, "pct_of_previous") == pytest.approx(
        {"sessions": None, "leads": 10 / 600, "mqls": 8 / 10, "sqls": 4 / 8, "customers": 2 / 4}
    )
    assert by_stage(organic, "pct_of_first") == pytest.approx(
        {"sessions": 1.0, "leads": 10 / 600, "mqls": 8 / 600, "sqls": 4 / 600, "customers": 2 / 600}
    )
    assert f.key_rates.rows() == [
        ("Ads", pytest.approx(0.1), pytest.approx(0.1)),  # 40/400, 4/40
        ("Organic", pytest.approx(10 / 600), pytest.approx(0.2)),  # 2/10
    ]
    assert f.traffic_to_lead == pytest.approx(0.05)  # still the whole data's
    assert not f.issues  # within each channel nothing rises


@pytest.mark.parametrize(
    ("start", "end", "leads"),
    [
        (None, None, 50.0),
        (D(2026, 1, 2), None, 25.0),  # only the second Ads day
        (None, D(2026, 1, 1), 25.0),  # 15 + 10
    ],
)
def test_the_funnel_can_be_limited_to_dates(start, end, leads) -> None:
    f = funnel(ROWS, start=start, end=end)
    assert by_stage(f.steps, "count")["leads"] == leads


def test_chosen_stages_only() -> None:
    f = funnel(ROWS, stages=["customers", "leads"])  # order does not matter
    assert f.steps["stage"].to_list() == ["leads", "customers"]
    assert f.steps["step"].to_list() == [None, "lead_to_customer"]
    assert by_stage(f.steps, "pct_of_previous")["customers"] == pytest.approx(6 / 50)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"stages": ["leads"]}, "at least two stages"),
        ({"stages": ["leads", "visits"]}, "visits is not a funnel stage"),
        ({"stages": ["leads", "orders"]}, "orders is not a funnel stage"),
        ({"by": "campaign"}, "Cannot split the funnel by campaign"),
    ],
)
def test_unusable_requests_raise_a_readable_error(kwargs, message) -> None:
    with pytest.raises(InputError, match=message):
        funnel(ROWS, **kwargs)


def test_a_stage_that_is_not_mapped_is_named_in_the_error() -> None:
    with pytest.raises(InputError, match="No column is mapped to MQLs"):
        funnel(ROWS.drop("mqls"), stages=["leads", "mqls"])


# ---------------------------------------------------------------------------
# Over time
# ---------------------------------------------------------------------------


def monthly(months: list[tuple[str, dict[str, float]]]) -> pl.DataFrame:
    """One row per month on the 1st, plus an empty row on the last day so the
    last month counts as complete."""
    rows = [{"date": D(int(m[:4]), int(m[5:]), 1), **values} for m, values in months]
    last = rows[-1]["date"]
    nxt = D(last.year + last.month // 12, last.month % 12 + 1, 1)
    rows.append({"date": nxt - dt.timedelta(days=1), **dict.fromkeys(months[0][1], 0.0)})
    return pl.DataFrame(rows)


def test_trend_rates_per_period_with_changes_in_points() -> None:
    data = monthly(
        [
            ("2025-01", {"leads": 100.0, "mqls": 50.0}),  # 0.50
            ("2025-02", {"leads": 100.0, "mqls": 60.0}),  # 0.60
            *[(f"2025-{m:02d}", {"leads": 100.0, "mqls": 55.0}) for m in range(3, 13)],
            ("2026-01", {"leads": 200.0, "mqls": 80.0}),  # 0.40
            ("2026-02", {"leads": 0.0, "mqls": 0.0}),  # no leads: no rate
        ]
    )
    trend = funnel_trend(data)
    assert trend["step"].unique().to_list() == ["lead_to_mql"]
    rate = dict(zip(trend["period"], trend["rate"], strict=True))
    assert rate["2025-01"] == pytest.approx(0.5)
    assert rate["2026-01"] == pytest.approx(0.4)
    assert rate["2026-02"] is None
    prev = dict(zip(trend["period"], trend["vs_previous_pp"], strict=True))
    assert prev["2025-01"] is None
    assert prev["2025-02"] == pytest.approx(10.0)  # 60 % − 50 %
    assert prev["2026-01"] == pytest.approx(-15.0)  # 40 % − 55 %
    last_year = dict(zip(trend["period"], trend["vs_last_year_pp"], strict=True))
    assert last_year["2025-12"] is None
    assert last_year["2026-01"] == pytest.approx(-10.0)  # 40 % − 50 % (January 2025)
    assert last_year["2026-02"] is None  # no rate this February


def test_trend_per_quarter_and_a_rise_is_flagged_not_a_rate() -> None:
    data = monthly(
        [
            ("2026-01", {"clicks": 100.0, "sessions": 80.0}),
            ("2026-02", {"clicks": 100.0, "sessions": 90.0}),
            ("2026-03", {"clicks": 100.0, "sessions": 100.0}),
            ("2026-04", {"clicks": 100.0, "sessions": 400.0}),
        ]
    )
    trend = funnel_trend(data, period="quarter")
    assert trend["period"].to_list() == ["2026-Q1", "2026-Q2"]
    assert trend["rate"].to_list() == [pytest.approx(270 / 300), None]  # Q2: 400 > 100
    assert trend["exceeds"].to_list() == [False, True]


def test_trend_per_channel() -> None:
    trend = funnel_trend(ROWS, by="channel", stages=["leads", "customers"])
    assert trend.select("channel", "rate").rows() == [
        ("Ads", pytest.approx(4 / 40)),
        ("Organic", pytest.approx(2 / 10)),
    ]


# ---------------------------------------------------------------------------
# The biggest leak
# ---------------------------------------------------------------------------

#: Twelve ordinary months of 1,000 leads and 50,000 sessions; MQLs wobble around 600.
HISTORY_MQLS = [600, 610, 590, 605, 595, 600, 620, 580, 600, 610, 590, 600]


def leak_data(
    *, last_mqls: float = 400.0, last_sessions: float = 50_000.0, months: int = 12
) -> pl.DataFrame:
    history = [
        (f"2025-{m + 1:02d}", {"sessions": 50_000.0, "leads": 1000.0, "mqls": float(q)})
        for m, q in enumerate(HISTORY_MQLS[:months])
    ]
    last = ("2026-01", {"sessions": last_sessions, "leads": 1000.0, "mqls": last_mqls})
    return monthly([*history, last])


def test_the_leak_is_the_step_furthest_below_its_usual_rate() -> None:
    leak = biggest_leak(leak_data())
    assert leak is not None
    assert (leak.step, leak.label, leak.period) == ("lead_to_mql", "Lead → MQL", "2026-01")
    # History sorted: 580 590 590 595 600 600 600 600 605 610 610 620 → median 0.600.
    assert leak.usual == pytest.approx(0.6)
    assert leak.rate == pytest.approx(0.4)  # 400 / 1000
    assert leak.gap_pp == pytest.approx(-20.0)  # (0.4 − 0.6) × 100
    assert leak.relative == pytest.approx(-1 / 3)  # 0.4 / 0.6 − 1
    # |x − 600|: 0 0 0 0 5 5 10 10 10 10 20 20 → MAD 7.5/1000; 1.4826 × MAD = 0.0111,
    # below the sampling error √(0.6 × 0.4 / 1000) = 0.0155, which is the spread then.
    assert leak.z == pytest.approx(-0.2 / (0.24 / 1000) ** 0.5)
    assert leak.history_periods == 12
    assert leak.sentence == (
        "Lead → MQL fell to 40% in January 2026, 20 pp below its usual 60%: "
        "the biggest leak in the funnel."
    )


def test_the_largest_relative_shortfall_wins_not_the_most_points() -> None:
    # Session → lead halves (2 % → 1 %, −1 pp, −50 %); lead → MQL 60 % → 40 % (−20 pp, −33 %).
    leak = biggest_leak(leak_data(last_sessions=100_000.0))
    assert leak is not None
    assert leak.step == "traffic_to_lead"
    assert leak.sentence.startswith("Session → lead fell to 1.0% in January 2026, 1.0 pp below")
    table = leak_table(leak_data(last_sessions=100_000.0))
    assert table.filter(pl.col("step") == "lead_to_mql")["relative"].item() == pytest.approx(-1 / 3)


def test_an_unusual_but_small_dip_is_not_a_leak() -> None:
    # A steady click-through rate (1.26 % ± 0.005 pp) dips to 1.22 %: many standard
    # deviations below, but only 3 % fewer clicks.
    clicks = [12_600 + d for d in (0, 50, -50, 20, -20, 0, 30, -30, 0, 10, -10, 0)]
    data = monthly(
        [
            (f"2025-{m + 1:02d}", {"impressions": 1e6, "clicks": float(c)})
            for m, c in enumerate(clicks)
        ]
        + [("2026-01", {"impressions": 1e6, "clicks": 12_200.0})]
    )
    table = leak_table(data)
    assert table["z"].item() < -2  # unusual …
    assert table["relative"].item() == pytest.approx(12_200 / 12_600 - 1)  # … but only −3.2 %
    assert biggest_leak(data) is None
    assert biggest_leak(data, min_drop=0.01) is not None


@pytest.mark.parametrize(
    ("kwargs", "found"),
    [
        ({}, True),
        ({"last_mqls": 590.0}, False),  # an ordinary month
        ({"last_mqls": 720.0}, False),  # above the usual rate is no leak
        ({"months": 3}, False),  # three months of history are too few …
        ({"months": 4}, True),  # … four are enough
    ],
)
def test_when_there_is_a_leak(kwargs, found) -> None:
    assert (biggest_leak(leak_data(**kwargs)) is not None) is found


@pytest.mark.parametrize(
    ("band", "tail"),
    [
        (None, ""),
        ((0.5, 0.7), " It is also below the industry range of 50%–70%."),
        ((0.35, 0.55), " It is still within the industry range of 35%–55%."),
        ((0.2, 0.3), " It is still above the industry range of 20%–30%."),
    ],
)
def test_an_industry_band_is_reported_with_the_leak(band, tail) -> None:
    benchmarks = {"lead_to_mql": band} if band else None
    leak = biggest_leak(leak_data(), benchmarks=benchmarks)
    assert leak is not None
    assert leak.benchmark == band
    assert leak.sentence.endswith("the biggest leak in the funnel." + tail)


@pytest.mark.parametrize(
    ("rate", "usual", "text"),
    [
        (0.41, 0.58, "fell to 41% in October 2026, 17 pp below its usual 58%"),
        (0.012, 0.02, "fell to 1.2% in October 2026, 0.80 pp below its usual 2.0%"),
        (0.0012, 0.0025, "fell to 0.12% in October 2026, 0.13 pp below its usual 0.25%"),
    ],
)
def test_the_leak_sentence_rounds_like_a_person_would(rate, usual, text) -> None:
    assert text in leak_sentence("Lead → MQL", "2026-10", rate, usual)


def test_the_leak_period_can_be_chosen() -> None:
    data = leak_data()
    assert biggest_leak(data, at="2025-12") is None  # December 2025 was ordinary
    with pytest.raises(InputError, match="no period 2030-01"):
        leak_table(data, at="2030-01")


# ---------------------------------------------------------------------------
# Golden checks on the sample workbook
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def workbook() -> LoadedTable:
    return load_path(WORKBOOK)


@pytest.fixture(scope="module")
def mapped(workbook: LoadedTable) -> pl.DataFrame:
    return apply_mapping(workbook.frame, resolve_mapping(workbook.kinds))


def test_golden_the_planted_leak_is_found(mapped: pl.DataFrame) -> None:
    leak = biggest_leak(mapped)
    assert leak is not None
    assert (leak.step, leak.period) == ("lead_to_mql", "2026-10")
    assert leak.rate == pytest.approx(132 / 309)  # October 2026: 132 MQLs of 309 leads
    assert 0.57 < leak.usual < 0.62  # the README: about 0.59 before the new form
    assert leak.sentence == (
        "Lead → MQL fell to 43% in October 2026, 16 pp below its usual 59%: "
        "the biggest leak in the funnel."
    )


@pytest.mark.parametrize(("period", "at"), [("month", "2026-08"), ("month", "2026-09"),
                                            ("quarter", None)])  # fmt: skip
def test_golden_the_leak_shows_from_august_and_per_quarter(mapped, period, at) -> None:
    leak = biggest_leak(mapped, period=period, at=at)
    assert leak is not None
    assert leak.step == "lead_to_mql"
    assert leak.rate < 0.46


def test_golden_no_leak_before_the_new_form(mapped: pl.DataFrame) -> None:
    assert biggest_leak(mapped, at="2026-07") is None


def test_golden_trend_rates_are_the_scorecards(mapped: pl.DataFrame) -> None:
    trend = funnel_trend(mapped)
    kf = kpi_frame(mapped, period="month")
    for step in ("ctr", "traffic_to_lead", "lead_to_mql", "mql_to_sql", "sql_to_customer"):
        ours = trend.filter(pl.col("step") == step)["rate"].to_list()
        assert ours == pytest.approx(kf[step].to_list()), step


def test_golden_per_channel_counts_are_the_channel_sums(mapped: pl.DataFrame) -> None:
    f = funnel(mapped, by="channel")
    sums = kpi_frame(mapped, period=None, by=["channel"])
    for row in f.steps.iter_rows(named=True):
        expected = sums.filter(pl.col("channel") == row["channel"])[row["stage"]].item()
        assert row["count"] == pytest.approx(expected)
    organic = f.steps.filter(pl.col("channel") == "Organisk søgning")
    assert organic["stage"][0] == "sessions"  # no impressions or clicks for organic search


def test_golden_organic_sessions_are_explained(mapped: pl.DataFrame) -> None:
    f = funnel(mapped)
    (issue,) = [i for i in f.issues if i.field == "sessions"]
    assert issue.examples == ("Organisk søgning", "Henvisninger")
    assert 0.0 < f.traffic_to_lead < 0.05  # type: ignore[operator]
    # Every reported step rate is a true share.
    rates = f.steps["pct_of_previous"].drop_nulls()
    assert rates.is_between(0, 1).all()


def test_golden_the_command_lines_report_sums_the_workbook(workbook: LoadedTable) -> None:
    report = funnel_report(workbook.frame, kinds=workbook.kinds)
    assert report.level == "aggregated"
    assert report.stages["stage"].to_list() == STAGES
    assert report.stages["median_days"].null_count() == report.stages.height  # no lead dates
    assert report.traffic_to_lead == funnel(apply_mapping(
        workbook.frame, resolve_mapping(workbook.kinds))).traffic_to_lead  # fmt: skip
    with pytest.raises(InputError, match="Cohorts need one row per lead"):
        funnel_report(workbook.frame, kinds=workbook.kinds, by="cohort")


# ---------------------------------------------------------------------------
# In every language
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("da", "Lead → MQL faldt til 41\xa0% i oktober 2026, 17 pct.-point under det normale "
               "niveau på 58\xa0%: den største lækage i tragten."),
        ("nb", "Lead → MQL falt til 41\xa0% i oktober 2026, 17 %-poeng under det vanlige "
               "nivået på 58\xa0%: den største lekkasjen i trakten."),
        ("sv", "Lead → MQL föll till 41\xa0% i oktober 2026, 17 %-enheter under den vanliga "
               "nivån på 58\xa0%: det största läckaget i tratten."),
    ],
)  # fmt: skip
def test_the_leak_sentence_in_every_language(locale, expected) -> None:
    assert leak_sentence("Lead → MQL", "2026-10", 0.41, 0.58, locale=locale) == expected


def test_a_danish_leak_uses_danish_decimals_and_step_names() -> None:
    leak = biggest_leak(leak_data(last_sessions=100_000.0), locale="da")
    assert leak is not None
    assert leak.label == "Besøg → lead"
    assert leak.sentence.startswith("Besøg → lead faldt til 1,0\xa0% i januar 2026, 1,0 pct.-point")


@pytest.mark.parametrize(
    ("locale", "label", "note"),
    [
        ("da", "Klik → besøg", "Flere besøg end klik: ikke et konverteringstrin"),
        ("nb", "Klikk → besøk", "Flere besøk enn klikk: ikke et konverteringstrinn"),
        ("sv", "Klick → besök", "Fler besök än klick: inte ett konverteringssteg"),
    ],
)
def test_steps_and_notes_in_every_language(locale, label, note) -> None:
    steps = funnel(ROWS, locale=locale).steps
    sessions = steps.filter(pl.col("stage") == "sessions").row(0, named=True)
    assert (sessions["step_label"], sessions["note"]) == (label, note)
    # A frame made in English says the same once localized (e.g. from a cache).
    assert localized_steps(funnel(ROWS).steps, locale=locale).equals(steps)


def test_a_finding_made_in_english_reads_in_danish_with_danish_numbers() -> None:
    (found,) = [i for i in funnel(ROWS, locale="da").issues if i.field == "sessions"]
    assert found.text("da").startswith("Besøg (1.000) er flere end Klik (500), så Klik → besøg")
    assert "var der 80 besøg pr. 100 klik." in found.text("da")
    with pytest.raises(InputError) as err:
        funnel(ROWS.drop("mqls"), stages=["leads", "mqls"], locale="sv")
    assert err.value.text("sv") == (
        "Ingen kolumn är kopplad till MQL:er, så det kan inte vara med i tratten."
    )
