"""Golden checks: the whole pipeline (read, map, compute) on the sample workspace."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import polars as pl
import pytest

from kpi_core.catalogue import KPIS
from kpi_core.compute import kpi_frame
from kpi_core.ingest import load_path
from kpi_core.mapping import apply_mapping, resolve_mapping

ROOT = Path(__file__).resolve().parents[2]
WORKBOOK = ROOT / "sample_data" / "nordlys_marketing.xlsx"
COLUMNS = {
    "Visninger": "impressions", "Klik": "clicks", "Besøg": "sessions", "Leads": "leads",
    "MQL": "mqls", "SQL": "sqls", "Nye kunder": "customers", "Ordrer": "orders",
    "Omsætning (kr.)": "revenue", "Annonceudgift (kr.)": "spend",
}  # fmt: skip


@pytest.fixture(scope="module")
def mapped() -> pl.DataFrame:
    table = load_path(WORKBOOK)
    return apply_mapping(table.frame, resolve_mapping(table.kinds))


@pytest.fixture(scope="module")
def total_row() -> dict[str, float]:
    """The workbook's own "I alt" row, as its author saved it (cached formula values)."""
    ws = openpyxl.load_workbook(WORKBOOK, read_only=True, data_only=True)["Marketing dagligt"]
    rows = list(ws.iter_rows(values_only=True))
    header = rows[3]
    total = next(r for r in rows if r[0] == "I alt")
    return {COLUMNS[h]: v for h, v in zip(header, total, strict=True) if h in COLUMNS}


def test_every_column_is_mapped_and_the_total_row_left_out(mapped: pl.DataFrame) -> None:
    assert {"date", "channel", "campaign", *COLUMNS.values()} <= set(mapped.columns)
    assert mapped.height == 730 * 5  # two years of days × five channels; no "I alt" row


def test_sums_over_the_file_match_the_workbooks_total_row(mapped, total_row) -> None:
    whole = kpi_frame(mapped, period=None)
    for field_id, expected in total_row.items():
        assert whole[field_id].item() == pytest.approx(expected, rel=1e-9), field_id


@pytest.mark.parametrize("period", ["month", "quarter", "year"])
def test_periods_add_up_to_the_whole(mapped: pl.DataFrame, period: str) -> None:
    whole = kpi_frame(mapped, period=None)
    per = kpi_frame(mapped, period=period)
    for field_id in COLUMNS.values():
        assert per[field_id].sum() == pytest.approx(whole[field_id].item(), rel=1e-9)


def test_rates_stay_in_zero_to_one_per_channel_over_the_two_years(mapped: pl.DataFrame) -> None:
    # Stages are counted on the day each event happened, so in one month the SQLs can
    # outnumber the MQLs (they come from earlier months); over the whole file they cannot.
    kf = kpi_frame(mapped, period=None, by=["channel"])
    for k in KPIS.values():
        if k.is_rate and k.id in kf.columns:
            values = kf[k.id].drop_nulls()
            assert values.is_between(0, 1).all(), k.id


def test_the_two_years_are_complete_months(mapped: pl.DataFrame) -> None:
    kf = kpi_frame(mapped, period="month")
    assert kf["period"].to_list()[0] == "2024-11"
    assert kf["period"].to_list()[-1] == "2026-10"
    assert kf["complete"].all()
    assert kf.height == 24
