"""Time every number of the lead-level funnel page on 100,000 leads.

The benchmark makes a seeded CRM export of ``--leads`` leads (typed as
ingest hands it over: dates as ``pl.Date``, ids as text) and times, in one
process, the whole computation the funnel page needs:

``kpi_core``
    ``suggest_lead_columns`` + ``validate`` + ``lead_frame`` +
    ``lead_summary`` (stage counts overall and per channel, time to convert
    overall, per channel and per cohort, maturity window, cohorts with open
    ones marked, the histogram, data-quality checks).
``python-loop`` (the named baseline)
    The same numbers from a plain per-row Python loop over the rows
    (``frame.rows()``, converted before the clock starts, so the baseline
    is timed on its loop alone), the way one would write it without a
    dataframe library.

Each timing is the median of ``--repeats`` runs after one warm-up run. The
two results are compared on the counts, medians, maturity and cohorts, so
the baseline is known to do the same work.

Speed is measured here and never asserted in tests.

Usage::

    python bench/funnel_bench.py                  # 100,000 leads, 7 runs
    python bench/funnel_bench.py --leads 1000000 --repeats 3
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from kpi_core.leads import (  # noqa: E402
    DEFAULT_MATURITY_DAYS,
    DEFAULT_OPEN_SHARE,
    LeadSummary,
    lead_frame,
    lead_summary,
    suggest_lead_columns,
    validate,
)

SEED = 20261123
CHANNELS = ("Google Ads", "Meta", "Nyhedsbrev", "Organisk søgning", "Henvisninger")
#: (lead → MQL, MQL → SQL, SQL → won) per channel, like the sample workspace.
RATES = ((0.60, 0.52, 0.42), (0.46, 0.38, 0.30), (0.70, 0.58, 0.50), (0.62, 0.52, 0.46),
         (0.80, 0.68, 0.60))  # fmt: skip
START = dt.date(2024, 1, 1)
DAYS = 730


def make_leads(n: int, seed: int = SEED) -> pl.DataFrame:
    """A CRM export of ``n`` leads over two years, as ingest would type it."""
    rng = np.random.default_rng(seed)
    channel = rng.choice(len(CHANNELS), size=n, p=[0.3, 0.27, 0.07, 0.24, 0.12])
    rates = np.array(RATES)[channel]
    created = np.sort(rng.integers(0, DAYS, size=n))
    to_mql = rng.random(n) < rates[:, 0]
    to_sql = to_mql & (rng.random(n) < rates[:, 1])
    to_won = to_sql & (rng.random(n) < rates[:, 2])
    mql = created + np.floor(rng.exponential(1.3, n)).astype(int)
    sql = mql + np.maximum(1, np.round(rng.lognormal(math.log(6), 0.7, n))).astype(int)
    won = sql + np.maximum(2, np.round(rng.lognormal(math.log(17), 0.75, n))).astype(int)
    lost_after = np.maximum(1, np.round(rng.lognormal(math.log(15), 0.6, n))).astype(int)
    lost = np.where(to_sql, sql, np.where(to_mql, mql, created)) + lost_after
    closed = rng.random(n) > 0.02  # stale leads nobody closed
    # A few typing errors in the CRM: an MQL date a week before the lead came in.
    typo = rng.random(n) < 0.003
    mql = np.where(typo, created - 7, mql)
    end = DAYS - 1

    def dates(offsets: np.ndarray, keep: np.ndarray) -> pl.Series:
        keep = keep & (offsets <= end)  # events after the export have not happened
        days = np.where(keep, offsets, 0).astype("timedelta64[D]")
        values = (np.datetime64(START) + days).astype("datetime64[D]")
        return pl.Series(values).cast(pl.Date).set(pl.Series(~keep), None)  # type: ignore[arg-type]

    value = np.round(rng.lognormal(math.log(80_000), 0.32, n) / 500) * 500
    won_s = dates(won, to_won)
    return pl.DataFrame(
        {
            "Lead-ID": [f"{i:07d}" for i in range(1, n + 1)],
            "Oprettet": dates(created, np.ones(n, dtype=bool)),
            "Kilde": [CHANNELS[c] for c in channel],
            "MQL dato": dates(mql, to_mql),
            "SQL dato": dates(sql, to_sql),
            "Vundet dato": won_s,
            "Tabt dato": dates(lost, ~to_won & closed),
            "Ordreværdi (kr.)": pl.Series(value).set(won_s.is_null(), None),
        }
    )


KINDS = {
    "Lead-ID": "id",
    "Oprettet": "date",
    "Kilde": "text",
    "MQL dato": "date",
    "SQL dato": "date",
    "Vundet dato": "date",
    "Tabt dato": "date",
    "Ordreværdi (kr.)": "number",
}


def with_kpi_core(raw: pl.DataFrame) -> LeadSummary:
    """Everything the funnel page shows, the way the page computes it."""
    columns = suggest_lead_columns(KINDS)
    issues = validate(raw, columns)
    summary = lead_summary(lead_frame(raw, columns))
    return LeadSummary(**{**summary.__dict__, "issues": (*issues, *summary.issues)})


# ---------------------------------------------------------------------------
# The baseline: a plain per-row Python loop
# ---------------------------------------------------------------------------


def _quantile(values: list[int], q: float) -> float | None:
    """Linear interpolation between the two nearest values (numpy's default)."""
    if not values:
        return None
    s = sorted(values)
    pos = (len(s) - 1) * q
    lo = math.floor(pos)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)


def with_python_loop(rows: list[tuple[Any, ...]]) -> dict[str, Any]:
    """The same numbers from one loop over the rows, then small loops over groups."""
    stages = ("leads", "mqls", "sqls", "customers")
    as_of = max(d for row in rows for d in row[1:2] + row[3:7] if d is not None)
    counts: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(stages, 0))
    days: dict[tuple[str, str], list[int]] = defaultdict(list)
    cohort_days: dict[tuple[str, str], list[int]] = defaultdict(list)
    per_cohort: dict[str, dict[str, int]] = defaultdict(
        lambda: dict.fromkeys((*stages, "lost", "pending"), 0)
    )
    undecided_age: list[tuple[str, int]] = []
    bad_order = 0
    seen: set[str] = set()
    duplicates = 0
    for lead_id, created, channel, mql, sql, won, lost, _value in rows:
        if lead_id in seen:
            duplicates += 1
        seen.add(lead_id)
        for later, earlier in ((mql, created), (sql, created), (won, created), (lost, created),
                               (sql, mql), (won, sql), (won, mql)):  # fmt: skip
            if later is not None and earlier is not None and later < earlier:
                bad_order += 1
        is_won = won is not None
        is_sql = sql is not None or is_won
        is_mql = mql is not None or is_sql
        is_lost = lost is not None and not is_won
        reached = {"leads": True, "mqls": is_mql, "sqls": is_sql, "customers": is_won}
        cohort = f"{created.year}-{created.month:02d}"
        for group in ("All", channel):
            for s in stages:
                if reached[s]:
                    counts[group][s] += 1
        for s in stages:
            if reached[s]:
                per_cohort[cohort][s] += 1
        if is_lost:
            per_cohort[cohort]["lost"] += 1
        if not is_won and not is_lost:
            undecided_age.append((cohort, (as_of - created).days))
        for s, date in (("mqls", mql), ("sqls", sql), ("customers", won)):
            if date is not None and date >= created:
                d = (date - created).days
                days[("All", s)].append(d)
                days[(channel, s)].append(d)
                cohort_days[(cohort, s)].append(d)
    won_days = days[("All", "customers")]
    maturity = (
        max(1, math.ceil(_quantile(won_days, 0.9) or 0))
        if len(won_days) >= 20
        else DEFAULT_MATURITY_DAYS
    )
    for cohort, age in undecided_age:
        if age < maturity:
            per_cohort[cohort]["pending"] += 1
    times = {k: (len(v), _quantile(v, 0.5), _quantile(v, 0.75)) for k, v in days.items()}
    cohort_times = {
        k: (len(v), _quantile(v, 0.5), _quantile(v, 0.75)) for k, v in cohort_days.items()
    }
    cohorts = {}
    for cohort, c in sorted(per_cohort.items()):
        year, month = int(cohort[:4]), int(cohort[5:])
        nxt = dt.date(year + month // 12, month % 12 + 1, 1)
        complete = nxt - dt.timedelta(days=1) <= as_of
        share = c["pending"] / c["leads"]
        cohorts[cohort] = {
            **c,
            "lead_to_customer": c["customers"] / c["leads"],
            "is_open": (not complete) or share >= DEFAULT_OPEN_SHARE,
        }
    histogram: dict[int, int] = defaultdict(int)
    for d in won_days:
        histogram[d // 7 * 7] += 1
    return {
        "counts": counts,
        "times": times,
        "cohort_times": cohort_times,
        "maturity": maturity,
        "cohorts": cohorts,
        "histogram": dict(histogram),
        "bad_order": bad_order,
        "duplicates": duplicates,
    }


def check_same(summary: LeadSummary, loop: dict[str, Any]) -> None:
    """Fail loudly if the baseline did not compute the same numbers."""
    assert summary.maturity_days == loop["maturity"]
    for row in summary.funnel.iter_rows(named=True):
        assert loop["counts"]["All"][row["stage"]] == row["count"], row
    assert summary.funnel_by_channel is not None
    for row in summary.funnel_by_channel.iter_rows(named=True):
        assert loop["counts"][row["channel"]][row["stage"]] == row["count"], row
    for row in summary.time_to_convert.iter_rows(named=True):
        n, median, p75 = loop["times"][("All", row["stage"])]
        assert (n, median, p75) == (row["n"], row["median_days"], row["p75_days"]), row
    for row in summary.cohorts.iter_rows(named=True):
        c = loop["cohorts"][row["cohort"]]
        assert (c["leads"], c["customers"], c["pending"], c["is_open"]) == (
            row["leads"],
            row["customers"],
            row["pending"],
            row["is_open"],
        ), row
    hist = {r["bin_start"]: r["count"] for r in summary.histogram.iter_rows(named=True)}
    assert {k: v for k, v in hist.items() if v} == loop["histogram"]
    order_issues = sum(i.count for i in summary.issues if " date before the " in i.message)
    assert order_issues == loop["bad_order"], (order_issues, loop["bad_order"])


def median_time(fn: Callable[[], object], repeats: int) -> tuple[float, list[float]]:
    fn()  # warm-up: first-call set-up is paid once by a server
    runs = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t0)
    return statistics.median(runs), runs


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)

    raw = make_leads(args.leads, args.seed)
    rows = raw.rows()
    summary = with_kpi_core(raw)
    check_same(summary, with_python_loop(rows))

    ours, ours_runs = median_time(lambda: with_kpi_core(raw), args.repeats)
    base, base_runs = median_time(lambda: with_python_loop(rows), args.repeats)
    print(
        f"funnel_bench: {args.leads:,} leads, median of {args.repeats} runs | "
        f"kpi_core.leads (polars {pl.__version__}): {ours * 1000:.0f} ms | "
        f"baseline python-loop over rows: {base * 1000:.0f} ms | "
        f"{base / ours:.1f}× faster"
    )
    print(f"  kpi_core runs (ms): {', '.join(f'{r * 1000:.0f}' for r in ours_runs)}")
    print(f"  baseline runs (ms): {', '.join(f'{r * 1000:.0f}' for r in base_runs)}")
    print(
        f"  same numbers: {summary.funnel['count'].to_list()} per stage, lead → customer "
        f"median {summary.median_days_to_customer:.0f} d, "
        f"p75 {summary.p75_days_to_customer:.0f} d, "
        f"maturity {summary.maturity_days} d, "
        f"{summary.cohorts['is_open'].sum()} open cohort(s) as of {summary.as_of}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
