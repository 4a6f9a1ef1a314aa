"""Write a large daily marketing workbook for the ingest benchmarks.

The sheet has the 13 columns of the sample workspace (``Dato``, ``Kanal``,
``Kampagne``, ``Visninger`` … ``Annonceudgift (kr.)``), its header in row 1
and one row per day, channel and campaign, so every reader parses the same
plain table. Values are seeded random numbers of realistic size; blanks
stand where a measure does not apply (no impressions or spend for organic
traffic), as in real exports.

Usage::

    python bench/make_workbook.py --rows 100000 --out bench/data/marketing_100000.xlsx
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import numpy as np
import xlsxwriter

HEADERS: tuple[str, ...] = (
    "Dato",
    "Kanal",
    "Kampagne",
    "Visninger",
    "Klik",
    "Besøg",
    "Leads",
    "MQL",
    "SQL",
    "Nye kunder",
    "Ordrer",
    "Omsætning (kr.)",
    "Annonceudgift (kr.)",
)
#: (channel, paid) — paid channels have impressions, clicks and spend.
CHANNELS: tuple[tuple[str, bool], ...] = (
    ("Google Ads", True),
    ("Meta", True),
    ("Nyhedsbrev", True),
    ("Organisk søgning", False),
    ("Henvisninger", False),
)
CAMPAIGNS_PER_CHANNEL = 8
#: Rows per day: every channel and campaign, so 1M rows span about 68 years
#: (well inside Excel's date range) instead of 550 with one row per channel.
ROWS_PER_DAY = len(CHANNELS) * CAMPAIGNS_PER_CHANNEL
FIRST_DAY = date(1990, 1, 1)
#: Excel's serial day number of 1899-12-30 is 0; writing serials with a date
#: format is what Excel stores and is several times faster than write_datetime.
EXCEL_EPOCH = date(1899, 12, 30)
CHUNK = 50_000


def make_workbook(path: Path, rows: int, *, seed: int = 7) -> Path:
    """Write ``rows`` data rows (plus the header) to ``path``.

    Parameters
    ----------
    path
        Target ``.xlsx`` file. Written to a temporary name first and renamed,
        so an interrupted run never leaves a truncated file that looks cached.
    rows
        Number of data rows (at most 1,048,575).
    seed
        Seed of the value generator; the same seed gives the same cell values.

    Returns
    -------
    Path
        ``path``.
    """
    if not 0 < rows < 1_048_576:
        raise ValueError(f"rows must be between 1 and 1,048,575, not {rows:,}")
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    rng = np.random.default_rng(seed)
    # constant_memory streams each row to disk: 1M rows in a few tens of MB.
    workbook = xlsxwriter.Workbook(
        str(partial), {"constant_memory": True, "strings_to_formulas": False}
    )
    sheet = workbook.add_worksheet("Marketing dagligt")
    date_fmt = workbook.add_format({"num_format": "dd-mm-yyyy"})
    money_fmt = workbook.add_format({"num_format": "#,##0.00"})
    for col, name in enumerate(HEADERS):
        sheet.write_string(0, col, name)

    campaigns = [
        [f"{channel} – kampagne {k + 1}" for k in range(CAMPAIGNS_PER_CHANNEL)]
        for channel, _ in CHANNELS
    ]
    first_serial = (FIRST_DAY - EXCEL_EPOCH).days
    for start in range(0, rows, CHUNK):
        n = min(CHUNK, rows - start)
        sessions = rng.poisson(40.0, n)
        clicks = sessions + rng.poisson(5.0, n)
        impressions = clicks * 20 + rng.poisson(100.0, n)
        leads = rng.binomial(sessions, 0.03)
        mqls = rng.binomial(leads, 0.6)
        sqls = rng.binomial(mqls, 0.5)
        customers = rng.binomial(sqls, 0.4)
        orders = customers + rng.poisson(0.2, n)
        revenue = np.round(orders * rng.lognormal(np.log(40_000.0), 0.5, n), 2)
        spend = np.round(rng.gamma(4.0, 60.0, n), 2)
        for i in range(n):
            index = start + i
            r = index + 1
            slot = index % ROWS_PER_DAY
            channel_no, campaign_no = divmod(slot, CAMPAIGNS_PER_CHANNEL)
            channel, paid = CHANNELS[channel_no]
            sheet.write_number(r, 0, first_serial + index // ROWS_PER_DAY, date_fmt)
            sheet.write_string(r, 1, channel)
            sheet.write_string(r, 2, campaigns[channel_no][campaign_no])
            if paid:
                sheet.write_number(r, 3, int(impressions[i]))
                sheet.write_number(r, 4, int(clicks[i]))
            sheet.write_number(r, 5, int(sessions[i]))
            sheet.write_number(r, 6, int(leads[i]))
            sheet.write_number(r, 7, int(mqls[i]))
            sheet.write_number(r, 8, int(sqls[i]))
            sheet.write_number(r, 9, int(customers[i]))
            sheet.write_number(r, 10, int(orders[i]))
            sheet.write_number(r, 11, float(revenue[i]), money_fmt)
            if paid:
                sheet.write_number(r, 12, float(spend[i]), money_fmt)
    workbook.close()
    partial.replace(path)
    return path


def main(argv: Sequence[str] | None = None) -> None:
    """Command line: ``--rows N --out PATH [--seed S]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, required=True, help="number of data rows")
    parser.add_argument("--out", type=Path, required=True, help="target .xlsx file")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    make_workbook(args.out, args.rows, seed=args.seed)
    size = args.out.stat().st_size / 1e6
    elapsed = time.perf_counter() - started
    print(f"wrote {args.out} ({args.rows:,} rows, {size:.1f} MB) in {elapsed:.1f} s")


if __name__ == "__main__":
    main()
