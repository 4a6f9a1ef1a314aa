"""The committed sample workspace is reproducible and internally consistent.

The invariants are checked with polars directly, not through
``kpi_core.ingest``: this test guards the sample files themselves, so a bug
in the reader must not be able to hide (or cause) a failure here.
"""

from __future__ import annotations

import subprocess
import sys
import zipfile
from datetime import date
from pathlib import Path

import polars as pl
import pytest

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sample_data"
XLSX = SAMPLE / "nordlys_marketing.xlsx"
CSV = SAMPLE / "crm_leads.csv"
START, END = date(2024, 11, 1), date(2026, 10, 31)
COUNTS = ["Visninger", "Klik", "Besøg", "Leads", "MQL", "SQL", "Nye kunder", "Ordrer"]
MONEY = ["Omsætning (kr.)", "Annonceudgift (kr.)"]
FUNNEL = ["Leads", "MQL", "SQL", "Nye kunder"]
CHANNELS = {"Google Ads", "Meta", "Nyhedsbrev", "Organisk søgning", "Henvisninger"}


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Run the generator exactly as a contributor would, into a fresh folder."""
    out = tmp_path_factory.mktemp("sample")
    subprocess.run(
        [sys.executable, str(SAMPLE / "generate.py"), "--out", str(out)],
        check=True,
        capture_output=True,
        cwd=ROOT,
    )
    return out


def _read_sheet(path: Path) -> pl.DataFrame:
    """The daily sheet with every cell as text (so the total row survives), header on row 4."""
    return pl.read_excel(
        path,
        sheet_name="Marketing dagligt",
        engine="calamine",
        read_options={"header_row": 3},
        infer_schema_length=0,
    )


@pytest.fixture(scope="module")
def sheet() -> tuple[pl.DataFrame, pl.DataFrame]:
    """``(daily rows, total row)`` with typed columns."""
    raw = _read_sheet(XLSX)
    total = raw.filter(pl.col("Dato") == "I alt")
    daily = raw.filter(pl.col("Dato") != "I alt").with_columns(
        pl.col("Dato").str.to_datetime("%Y-%m-%d %H:%M:%S").dt.date(),
        *[pl.col(c).cast(pl.Float64) for c in COUNTS + MONEY],
    )
    return daily, total.with_columns(*[pl.col(c).cast(pl.Float64) for c in COUNTS + MONEY])


@pytest.fixture(scope="module")
def crm() -> pl.DataFrame:
    """The CRM export with dates parsed and the order value as a number."""
    raw = pl.read_csv(CSV, separator=";", infer_schema_length=0, encoding="utf8")
    dates = ["Oprettet", "MQL dato", "SQL dato", "Vundet dato", "Tabt dato"]
    return raw.with_columns(
        *[pl.col(c).str.to_date("%d-%m-%Y") for c in dates],
        pl.col("Ordreværdi (kr.)")
        .str.replace_all(".", "", literal=True)
        .str.replace(",", ".", literal=True)
        .cast(pl.Float64)
        .alias("value"),
    )


def test_csv_is_byte_identical_to_a_fresh_run(regenerated: Path) -> None:
    assert (regenerated / CSV.name).read_bytes() == CSV.read_bytes()


def test_xlsx_is_identical_to_a_fresh_run(regenerated: Path) -> None:
    fresh = regenerated / XLSX.name
    if fresh.read_bytes() == XLSX.read_bytes():
        return
    # Another zlib build can compress the same XML into other bytes; the
    # content of every part must still be exactly the same.
    with zipfile.ZipFile(fresh) as new, zipfile.ZipFile(XLSX) as old:
        assert new.namelist() == old.namelist()
        for name in old.namelist():
            assert new.read(name) == old.read(name), name


def test_files_are_commit_sized() -> None:
    for path in (XLSX, CSV):
        assert path.stat().st_size < 1_000_000, path


def test_csv_looks_like_excel_csv_utf8() -> None:
    data = CSV.read_bytes()
    assert data.startswith(b"\xef\xbb\xbfLead-ID;Oprettet;Kilde;")
    assert b"\r\n" in data
    first_rows = data.decode("utf-8-sig").splitlines()[1:4]
    assert all(row.split(";")[0].startswith("0000") for row in first_rows)


def test_daily_sheet_covers_every_day_and_channel(sheet: tuple[pl.DataFrame, pl.DataFrame]) -> None:
    daily, _ = sheet
    days = (END - START).days + 1
    assert daily.height == days * len(CHANNELS)
    assert set(daily["Kanal"].unique()) == CHANNELS
    assert daily["Dato"].min() == START
    assert daily["Dato"].max() == END
    assert daily.select(pl.struct("Dato", "Kanal").is_unique().all()).item()


def test_total_row_equals_column_sums(sheet: tuple[pl.DataFrame, pl.DataFrame]) -> None:
    daily, total = sheet
    assert total.height == 1
    for column in COUNTS:
        assert total[column].item() == daily[column].sum(), column
    for column in MONEY:
        assert total[column].item() == pytest.approx(daily[column].sum(), abs=0.01), column


def test_daily_leads_equal_crm_leads_by_created_date(
    sheet: tuple[pl.DataFrame, pl.DataFrame], crm: pl.DataFrame
) -> None:
    daily, _ = sheet
    from_crm = (
        crm.filter(pl.col("Oprettet").is_between(START, END))
        .group_by(pl.col("Oprettet").alias("Dato"), pl.col("Kilde").alias("Kanal"))
        .agg(pl.len().cast(pl.Float64).alias("crm"))
    )
    joined = daily.join(from_crm, on=["Dato", "Kanal"], how="left").with_columns(
        pl.col("crm").fill_null(0.0)
    )
    assert joined.filter(pl.col("Leads") != pl.col("crm")).height == 0
    assert joined["crm"].sum() == from_crm["crm"].sum()  # no CRM day fell outside the sheet


@pytest.mark.parametrize(
    ("column", "crm_column"),
    [("MQL", "MQL dato"), ("SQL", "SQL dato"), ("Nye kunder", "Vundet dato")],
)
def test_stage_events_equal_crm_dates(
    sheet: tuple[pl.DataFrame, pl.DataFrame], crm: pl.DataFrame, column: str, crm_column: str
) -> None:
    daily, _ = sheet
    from_crm = crm.filter(pl.col(crm_column).is_between(START, END)).group_by("Kilde").len()
    by_channel = daily.group_by("Kanal").agg(pl.col(column).sum())
    expected = dict(from_crm.iter_rows())
    for channel, total in by_channel.iter_rows():
        assert total == expected.get(channel, 0), (column, channel)


def test_customers_equal_won_leads(
    sheet: tuple[pl.DataFrame, pl.DataFrame], crm: pl.DataFrame
) -> None:
    daily, _ = sheet
    won = crm.filter(pl.col("Vundet dato").is_between(START, END))
    assert daily["Nye kunder"].sum() == won.height
    # Revenue is contract values plus service orders, so never less than the contracts.
    assert daily["Omsætning (kr.)"].sum() >= won["value"].sum()
    assert daily.filter(pl.col("Ordrer") < pl.col("Nye kunder")).height == 0


def test_funnel_counts_never_rise(sheet: tuple[pl.DataFrame, pl.DataFrame]) -> None:
    daily, _ = sheet
    per_channel = daily.group_by("Kanal").agg(pl.col(FUNNEL).sum())
    for row in [*per_channel.select(FUNNEL).iter_rows(), daily.select(pl.col(FUNNEL).sum()).row(0)]:
        assert list(row) == sorted(row, reverse=True), row


def test_monthly_ratios_are_proportions(sheet: tuple[pl.DataFrame, pl.DataFrame]) -> None:
    daily, _ = sheet
    month = pl.col("Dato").dt.truncate("1mo")
    monthly = daily.group_by(month).agg(pl.col(COUNTS).sum())
    # Organic and referral visits have no clicks, so click ratios use the
    # channels that have them.
    clicked = daily.filter(pl.col("Klik").is_not_null()).group_by(month).agg(pl.col(COUNTS).sum())
    pairs = [
        (clicked, "Klik", "Visninger"),
        (clicked, "Besøg", "Klik"),
        (monthly, "Leads", "Besøg"),
        (monthly, "MQL", "Leads"),
        (monthly, "SQL", "MQL"),
        (monthly, "Nye kunder", "SQL"),
    ]
    for frame, num, den in pairs:
        ratio = frame[num] / frame[den]
        assert ratio.is_between(0.0, 1.0).all(), (num, den)


def test_blank_means_not_applicable(sheet: tuple[pl.DataFrame, pl.DataFrame]) -> None:
    daily, _ = sheet
    organic = daily.filter(pl.col("Kanal").is_in(["Organisk søgning", "Henvisninger"]))
    assert organic.select(pl.col("Visninger", "Klik", "Annonceudgift (kr.)").is_null().all()).row(0)
    ads = daily.filter(pl.col("Kanal").is_in(["Google Ads", "Meta"]))
    assert ads.select(pl.col(COUNTS + MONEY).is_not_null().all()).row(0) == (True,) * 10


def test_crm_lead_lifecycle_is_ordered(crm: pl.DataFrame) -> None:
    assert crm["Lead-ID"].is_unique().all()
    assert crm["Lead-ID"].str.len_chars().eq(6).all()
    assert crm["Postnr"].str.contains(r"^[1-9]\d{3}$").all()
    assert set(crm["Kilde"].unique()) == CHANNELS
    later = [("Oprettet", "MQL dato"), ("MQL dato", "SQL dato"), ("SQL dato", "Vundet dato")]
    for first, then in later:
        bad = crm.filter(
            pl.col(then).is_not_null() & (pl.col(first).is_null() | (pl.col(then) < pl.col(first)))
        )
        assert bad.height == 0, (first, then)
    assert (
        crm.filter(pl.col("Vundet dato").is_not_null() & pl.col("Tabt dato").is_not_null()).height
        == 0
    )
    assert (
        crm.filter(pl.col("Vundet dato").is_not_null() != pl.col("value").is_not_null()).height == 0
    )
    last_event = pl.max_horizontal("Oprettet", "MQL dato", "SQL dato", "Vundet dato", "Tabt dato")
    assert crm.select(last_event.max()).item() <= END
    # Recent leads are still open: neither won nor lost at the export.
    recent = crm.filter(pl.col("Oprettet") >= date(2026, 10, 1))
    open_recent = recent.filter(pl.col("Vundet dato").is_null() & pl.col("Tabt dato").is_null())
    assert open_recent.height > recent.height / 4


def test_planted_patterns_are_visible(
    sheet: tuple[pl.DataFrame, pl.DataFrame], crm: pl.DataFrame
) -> None:
    """The story in sample_data/README.md holds: a best and a worst channel, and a leak."""
    daily, _ = sheet
    by_channel = daily.group_by("Kanal").agg(pl.col("Leads", "Nye kunder").sum())
    rate = {k: c / n for k, n, c in by_channel.iter_rows()}
    assert max(rate, key=rate.__getitem__) == "Henvisninger"
    assert min(rate, key=rate.__getitem__) == "Meta"
    leak = daily.filter(pl.col("Dato") >= date(2026, 8, 1))
    before = daily.filter(pl.col("Dato").is_between(date(2026, 2, 1), date(2026, 7, 31)))
    leak_rate = leak["MQL"].sum() / leak["Leads"].sum()
    before_rate = before["MQL"].sum() / before["Leads"].sum()
    assert leak_rate < 0.8 * before_rate
