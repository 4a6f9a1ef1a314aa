"""Real exports from ../shared/realdata: read and computed right, not tuned to."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from kpi_core.compute import kpi_frame
from kpi_core.ingest import load_path
from kpi_core.mapping import apply_mapping, resolve_mapping

REALDATA = Path(__file__).resolve().parents[3] / "shared" / "realdata"
FACEBOOK = REALDATA / "facebook_ads_conversions.csv"

pytestmark = pytest.mark.skipif(not FACEBOOK.exists(), reason="no ../shared/realdata here")


def _raw_sums() -> tuple[int, dict[str, float]]:
    with FACEBOOK.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    keys = ["Impressions", "Clicks", "Spent", "Total_Conversion", "Approved_Conversion"]
    return len(rows), {k: sum(float(r[k]) for r in rows) for k in keys}


def test_facebook_ads_export_reads_every_row_with_day_first_dates() -> None:
    table = load_path(FACEBOOK)
    count, _ = _raw_sums()
    assert table.rows == count
    assert table.kinds["Date"] == "date"
    # dd-mm-yyyy: 31-08-2023 must be 31 August, never a failed or swapped date.
    assert table.frame["Date"].null_count() == 0
    assert {d.month for d in table.frame["Date"].to_list()} <= {8}
    assert table.kinds["ad_id"] in ("id", "number", "text")


def test_facebook_ads_kpis_equal_the_raw_sums() -> None:
    table = load_path(FACEBOOK)
    mapping = resolve_mapping(table.kinds)
    assert mapping["Impressions"] == "impressions"
    assert mapping["Clicks"] == "clicks"
    assert mapping["Spent"] == "spend"
    whole = kpi_frame(apply_mapping(table.frame, mapping), period=None)
    _, raw = _raw_sums()
    assert whole["impressions"].item() == pytest.approx(raw["Impressions"])
    assert whole["clicks"].item() == pytest.approx(raw["Clicks"])
    assert whole["spend"].item() == pytest.approx(raw["Spent"])
    assert whole["ctr"].item() == pytest.approx(raw["Clicks"] / raw["Impressions"])
    assert whole["cpc"].item() == pytest.approx(raw["Spent"] / raw["Clicks"])
    assert 0 <= whole["ctr"].item() <= 1
