"""Benchmarks and competitor comparison; expected numbers computed by hand."""

from __future__ import annotations

import polars as pl
import pytest

from kpi_core.benchmarks import (
    COLUMNS,
    bands,
    benchmark_report,
    compare,
    competitors_long,
    load_builtin,
    options,
    summary,
    validate_rows,
)
from kpi_core.catalogue import KPIS
from kpi_core.issues import InputError

PAID = "Paid search (Google and Microsoft Ads)"


def _row(**changes: object) -> dict[str, object]:
    row: dict[str, object] = dict.fromkeys(COLUMNS, "")
    row.update(
        kpi_id="ctr", statistic="typical", value=0.05, unit="percent", industry="All industries",
        channel="X", region="R", period="2024", source_name="S", source_url="https://example.org",
    )  # fmt: skip
    row.update(changes)
    return row


def _frame(*rows: dict[str, object]) -> pl.DataFrame:
    schema = {c: (pl.Float64 if c == "value" else pl.String) for c in COLUMNS}
    return pl.DataFrame(list(rows), schema=schema)


@pytest.fixture(scope="module")
def builtin() -> pl.DataFrame:
    return load_builtin()


def test_every_shipped_row_is_valid_and_sourced(builtin: pl.DataFrame) -> None:
    assert builtin.columns == list(COLUMNS)
    assert builtin.height > 0
    assert validate_rows(builtin) == []
    for row in builtin.iter_rows(named=True):
        assert row["source_name"] and row["source_url"].startswith("https://")
        assert row["unit"] == KPIS[row["kpi_id"]].unit
    # No figure for lead-to-customer was found, so none is shipped.
    assert "lead_to_customer" not in builtin["kpi_id"].to_list()


def test_shipped_percentages_are_shares(builtin: pl.DataFrame) -> None:
    ctr_2024 = builtin.filter(
        (pl.col("kpi_id") == "ctr") & (pl.col("channel") == PAID)
        & (pl.col("industry") == "All industries") & pl.col("period").str.starts_with("2024")
    )  # fmt: skip
    assert ctr_2024["value"].to_list() == [0.0642]


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"source_url": ""}, "no source URL"),
        ({"source_name": None}, "no source name"),
        ({"kpi_id": "nps"}, "not a KPI"),
        ({"unit": "currency"}, "unit"),
        ({"value": 6.42}, "between 0 and 1"),
        ({"statistic": "average"}, "unknown statistic"),
        ({"kpi_id": "cpc", "unit": "currency", "value": 4.0, "currency": None}, "currency"),
    ],
)
def test_bad_row_gives_issue(changes: dict[str, object], fragment: str) -> None:
    issues = validate_rows(_frame(_row(), _row(**changes)))
    assert len(issues) == 1
    assert issues[0].level == "error"
    assert fragment in issues[0].message
    assert issues[0].examples == ("row 2",)


def test_missing_columns_is_one_issue() -> None:
    assert len(validate_rows(pl.DataFrame({"kpi_id": ["ctr"]}))) == 1


def test_bands_pick_most_recent_and_combine_statistics() -> None:
    frame = _frame(
        _row(value=0.05, period="2022"),
        _row(value=0.06, period="2024 (Apr 2023 – Mar 2024)"),
        _row(value=0.07, period="2023"),
        _row(kpi_id="mql_to_sql", statistic="low", value=0.3, period="2017–2022"),
        _row(kpi_id="mql_to_sql", statistic="high", value=0.5, period="2017–2022"),
        _row(
            kpi_id="mql_to_sql", statistic="median", value=0.13, period="", source_url="https://b"
        ),
        _row(kpi_id="conversion_rate", statistic="p25", value=0.008),
        _row(kpi_id="conversion_rate", statistic="median", value=0.014),
        _row(kpi_id="conversion_rate", statistic="p75", value=0.031),
    )
    out = bands(frame)
    assert out["kpi_id"].to_list() == ["ctr", "mql_to_sql", "conversion_rate"]  # catalogue order
    got = {r["kpi_id"]: (r["low"], r["typical"], r["high"], r["period"]) for r in out.to_dicts()}
    assert got["ctr"] == (None, 0.06, None, "2024 (Apr 2023 – Mar 2024)")
    assert got["mql_to_sql"] == (0.3, None, 0.5, "2017–2022")  # a year beats "not stated"
    assert got["conversion_rate"] == (0.008, 0.014, 0.031, "2024")


def test_bands_filters_and_industry_fallback(builtin: pl.DataFrame) -> None:
    out = bands(builtin, industry="real estate", channel=PAID)
    got = {r["kpi_id"]: (r["typical"], r["industry"]) for r in out.to_dicts()}
    assert got == {
        "ctr": (0.092, "Real Estate"),
        "cpc": (2.10, "Real Estate"),
        "cpl": (66.69, "All industries"),  # no Real Estate CPL: the general figure
    }
    nordic = bands(builtin, region="Nordics")
    assert nordic["kpi_id"].to_list() == ["conversion_rate"]
    assert nordic["typical"].item() == 0.023
    assert bands(builtin, region="Atlantis").height == 0


def test_options(builtin: pl.DataFrame) -> None:
    opts = options(builtin)
    assert set(opts) == {"industries", "regions", "channels"}
    assert "Nordics" in opts["regions"] and PAID in opts["channels"]
    assert opts["industries"] == sorted(opts["industries"])


def _nordic_sheet() -> pl.DataFrame:
    # As ingest returns "Konkurrent;CPC (kr.);CTR" with "4,50" and "3,2 %": Float64 shares.
    return pl.DataFrame(
        {
            "Konkurrent": ["Søstrene Grene", "Ærø Cykler", "Østergaard ApS", None],
            "CPC (kr.)": [4.5, 3.0, None, 9.9],
            "CTR": [0.032, 0.05, 0.04, 0.9],
        },
        schema={"Konkurrent": pl.String, "CPC (kr.)": pl.Float64, "CTR": pl.Float64},
    )


def test_competitors_long_from_nordic_sheet() -> None:
    long = competitors_long(
        _nordic_sheet(), name_column="Konkurrent", kpi_columns={"CPC (kr.)": "cpc", "CTR": "ctr"}
    )
    assert long.schema == {"competitor": pl.String, "kpi_id": pl.String, "value": pl.Float64}
    assert long.height == 6  # the unnamed row is dropped
    assert long.row(2) == ("Østergaard ApS", "cpc", None)
    assert long.row(3) == ("Søstrene Grene", "ctr", 0.032)


def test_competitors_long_errors() -> None:
    sheet = _nordic_sheet()
    with pytest.raises(InputError, match="no column"):
        competitors_long(sheet, name_column="Navn", kpi_columns={"CTR": "ctr"})
    with pytest.raises(InputError, match="Unknown KPI"):
        competitors_long(sheet, name_column="Konkurrent", kpi_columns={"CTR": "nps"})
    twice = pl.DataFrame({"n": ["A", "A"], "v": [1.0, 2.0]})
    with pytest.raises(InputError, match="more than once"):
        competitors_long(twice, name_column="n", kpi_columns={"v": "cpc"})


def _long(rows: list[tuple[str, str, float | None]]) -> pl.DataFrame:
    return pl.DataFrame(
        rows,
        schema={"competitor": pl.String, "kpi_id": pl.String, "value": pl.Float64},
        orient="row",
    )


COMP = _long(
    [
        ("A", "cpc", 5.0), ("B", "cpc", 3.0), ("C", "cpc", 4.5),
        ("A", "ctr", 0.02), ("B", "ctr", 0.05), ("C", "ctr", None),
    ]
)  # fmt: skip


def test_compare_lower_is_better_cpc() -> None:
    row = compare({"cpc": 4.1}, competitors=COMP).row(0, named=True)
    # Lower wins: 3.0 < 4.1 < 4.5 < 5.0, so we are 2nd of 4.
    assert (row["rank"], row["of"]) == (2, 4)
    assert row["best"] == 3.0
    assert row["median"] == 4.5  # of the competitors 3.0, 4.5, 5.0
    # Relative and signed, negative = worse: (3.0 - 4.1) / 3.0
    assert row["gap_to_best"] == pytest.approx(-1.1 / 3.0)
    # Better than the median: (4.5 - 4.1) / 4.5
    assert row["gap_to_median"] == pytest.approx(0.4 / 4.5)
    assert [row[f"competitor:{n}"] for n in "ABC"] == [5.0, 3.0, 4.5]


def test_compare_higher_is_better_ctr_in_points_and_missing_competitor() -> None:
    row = compare({"ctr": 0.04}, competitors=COMP).row(0, named=True)
    # C has no CTR: ranked among 0.05, 0.04, 0.02.
    assert (row["rank"], row["of"]) == (2, 3)
    assert row["best"] == 0.05
    assert row["median"] == pytest.approx(0.035)
    assert row["gap_to_best"] == pytest.approx(-1.0)  # 4 % vs 5 %: 1 point behind
    assert row["gap_to_median"] == pytest.approx(0.5)
    assert row["competitor:C"] is None


def test_compare_ties_share_rank() -> None:
    comp = _long([("A", "cpc", 3.0), ("B", "cpc", 3.0), ("C", "cpc", 5.0)])
    row = compare({"cpc": 3.0}, competitors=comp).row(0, named=True)
    assert (row["rank"], row["of"], row["gap_to_best"]) == (1, 4, 0.0)


def test_compare_missing_own_value_kept_not_ranked() -> None:
    out = compare({"cpc": None, "ctr": 0.06}, competitors=COMP)
    assert out["kpi_id"].to_list() == ["cpc", "ctr"]
    cpc = out.row(0, named=True)
    assert (cpc["value"], cpc["rank"], cpc["of"], cpc["gap_to_best"]) == (None, None, 3, None)
    assert cpc["best"] == 3.0
    assert out.row(1, named=True)["rank"] == 1


def test_compare_neutral_kpi_not_ranked() -> None:
    row = compare({"spend": 100.0}, competitors=_long([("A", "spend", 50.0)])).row(0, named=True)
    assert (row["rank"], row["of"], row["position"]) == (None, None, None)


def _band_frame() -> pl.DataFrame:
    return bands(
        _frame(
            _row(kpi_id="cpc", unit="currency", currency="USD", statistic="low", value=2.0),
            _row(kpi_id="cpc", unit="currency", currency="USD", statistic="typical", value=3.0),
            _row(kpi_id="cpc", unit="currency", currency="USD", statistic="high", value=4.0),
            _row(kpi_id="ctr", statistic="low", value=0.02),
            _row(kpi_id="ctr", statistic="median", value=0.03),
            _row(kpi_id="ctr", statistic="high", value=0.05),
        )
    )


@pytest.mark.parametrize(
    ("kpi_id", "value", "position"),
    [
        ("cpc", 4.1, "worse than band"),  # lower is better: above the high end is worse
        ("cpc", 1.5, "better than band"),
        ("cpc", 4.0, "within band"),
        ("ctr", 0.01, "worse than band"),
        ("ctr", 0.06, "better than band"),
        ("ctr", 0.02, "within band"),
    ],
)
def test_position_is_direction_aware(kpi_id: str, value: float, position: str) -> None:
    row = compare({kpi_id: value}, bands=_band_frame(), currency="USD").row(0, named=True)
    assert row["position"] == position


def test_band_gap_and_currency_guard() -> None:
    b = _band_frame()
    cpc = compare({"cpc": 4.5}, bands=b, currency="usd").row(0, named=True)
    assert cpc["gap_to_typical"] == pytest.approx(-0.5)  # (3.0 - 4.5) / 3.0
    ctr = compare({"ctr": 0.01}, bands=b).row(0, named=True)
    assert ctr["gap_to_typical"] == pytest.approx(-2.0)  # 1 % vs 3 %: 2 points behind
    dkk = compare({"cpc": 4.5}, bands=b, currency="DKK").row(0, named=True)
    assert dkk["typical"] == 3.0
    assert (dkk["position"], dkk["gap_to_typical"]) == (None, None)
    assert "USD" in dkk["note"]


def test_summary_sentences() -> None:
    comp = _long([("A", "cpc", 5.0), ("B", "cpc", 3.0), ("C", "cpc", 4.5), ("A", "ctr", 0.02)])
    result = compare({"cpc": 4.1, "ctr": 0.01, "spend": 9.0}, competitors=comp, bands=_band_frame())
    lines = summary(result, currency="kr.")
    assert lines == [
        "Your cost per click (4.10 kr.) is better than 2 of 3 competitors.",
        "You trail on click-through rate (1.0%): every competitor does better.",
        "Your click-through rate (1.0%) is worse than the benchmark band (S, 2024).",
        "Your largest gap to a benchmark is click-through rate: 2.0 percentage points worse "
        "than typical.",
    ]


def test_summary_lead() -> None:
    result = compare({"ctr": 0.06}, competitors=COMP)
    assert summary(result) == [
        "You lead on click-through rate (6.0%): better than all 2 competitors."
    ]


def test_benchmark_report_columns(builtin: pl.DataFrame) -> None:
    comp = _long([("Ærø", "cpc", 5.0), ("Ærø", "ctr", 0.07)])
    out = benchmark_report(
        {"cpc": 4.1, "ctr": 0.05}, competitors=comp, industry="Real Estate", currency="USD"
    )
    assert out.columns == [
        "kpi_id", "value", "low", "typical", "high", "source", "year",
        "competitor:Ærø", "rank", "gap_to_best",
    ]  # fmt: skip
    cpc = out.row(0, named=True)
    assert (cpc["kpi_id"], cpc["typical"], cpc["rank"]) == ("cpc", 2.10, 1)
    assert cpc["year"] == "2024 (Apr 2023 – Mar 2024)"
    assert cpc["gap_to_best"] == pytest.approx(0.9 / 5.0)
    assert out.row(1, named=True)["gap_to_best"] == pytest.approx(-2.0)


def test_bullet_rows_scale_rates_and_leave_out_what_cannot_be_compared() -> None:
    from kpi_core.benchmarks import bullet_rows

    comparison = pl.DataFrame(
        {
            "kpi_id": ["ctr", "cpc", "cpl"],
            "name": ["Click-through rate", "Cost per click", "Cost per lead"],
            "value": [0.012, 7.8, 420.0],
            "low": [0.01, 2.0, None],
            "typical": [0.02, 4.66, None],
            "high": [0.03, 6.0, None],
            "band_currency": [None, "USD", None],
        }
    )
    rivals = pl.DataFrame({"kpi_id": ["cpl"], "competitor": ["Solkraft"], "value": [380.0]})
    rows = bullet_rows(comparison, rivals, currency="DKK")
    # CTR in per cent over its band; a dollar CPC band has no competitor, so it is left out;
    # CPL has no band but a competitor, so both marks stand without one.
    assert rows.rows() == [
        ("Click-through rate (%)", 1.0, 2.0, 3.0, "You", 1.2),
        ("Cost per lead", None, None, None, "You", 420.0),
        ("Cost per lead", None, None, None, "Solkraft", 380.0),
    ]


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("da", "Hos dig er pris pr. klik (4,10 kr.) bedre end hos 2 af 3 konkurrenter."),
        ("nb", "Hos deg er kostnad per klikk (4,10 kr.) bedre enn hos 2 av 3 konkurrenter."),
        ("sv", "Hos dig är kostnad per klick (4,10 kr.) bättre än hos 2 av 3 konkurrenter."),
    ],
)
def test_summary_in_each_language(locale: str, expected: str) -> None:
    comp = _long([("A", "cpc", 5.0), ("B", "cpc", 3.0), ("C", "cpc", 4.5)])
    result = compare({"cpc": 4.1}, competitors=comp, locale=locale)
    assert summary(result, currency="kr.", locale=locale) == [expected]


def test_texts_we_wrote_are_translated_and_citations_are_not(builtin: pl.DataFrame) -> None:
    from kpi_core.benchmarks import data_text, position_text

    assert data_text("industry", "Real Estate", locale="nb") == "Eiendom"
    assert data_text("channel", PAID, locale="sv") == "Betald sökning (Google och Microsoft Ads)"
    assert data_text("industry", "Solar installers (DK)", locale="da") == "Solar installers (DK)"
    assert position_text("worse than band", locale="da") == "dårligere end intervallet"
    for column in ("industry", "channel", "region", "definition"):
        for value in builtin[column].drop_nulls().unique():
            assert data_text(column, value, locale="da") != value or value in ("B2B SaaS", "USA")
    row = compare({"cpc": 4.5}, bands=_band_frame(), currency="DKK", locale="da").row(0, named=True)
    assert row["name"] == "Pris pr. klik"
    assert (
        row["note"] == "Sammenligningstallet er i USD; sæt din valuta til USD for at sammenligne."
    )


def test_invalid_rows_speak_the_language() -> None:
    (problem,) = validate_rows(_frame(_row(source_url="")), locale="sv")
    assert problem.examples == ("rad 1",)
    assert problem.text("sv") == "Rad 1 med jämförelsetal har ingen käll-URL."
    assert problem.message == "Benchmark row 1 has no source URL."
