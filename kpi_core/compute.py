"""From mapped rows to KPI values per period, and the scorecard built on them.

Two decisions shape every number here:

* **Ratios are ratios of sums over the period**, taken over the rows where
  both numbers were recorded: a blank means "not measured" (no spend on an
  organic visit) and must not dilute the ratio, while a 0 is a real zero.
* **No data is not zero.** A period with no rows, or a field never filled in
  it, is ``null``; the period grid is complete so gaps are visible.

>>> import datetime as dt, polars as pl
>>> rows = pl.DataFrame({
...     "date": [dt.date(2025, 1, 1), dt.date(2025, 1, 2), dt.date(2025, 2, 1)],
...     "impressions": [1000.0, 9000.0, 500.0],
...     "clicks": [100.0, 90.0, 10.0],
... })
>>> kf = kpi_frame(rows, period="month")
>>> kf.select("period", "clicks", "ctr").rows()
[('2025-01', 190.0, 0.019), ('2025-02', 10.0, 0.02)]
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Literal

import polars as pl

from kpi_core.catalogue import KPIS, Kpi, kpis_for_fields
from kpi_core.fields import MEASURE_FIELDS
from kpi_core.issues import InputError

Period = Literal["month", "quarter", "year"]
PERIODS: tuple[Period, ...] = ("month", "quarter", "year")
_TRUNCATE = {"month": "1mo", "quarter": "1q", "year": "1y"}
_MONTHS = {"month": 1, "quarter": 3, "year": 12}


def period_label(start: dt.date, period: Period) -> str:
    """The label of the period that starts on ``start``.

    >>> period_label(dt.date(2025, 4, 1), "quarter")
    '2025-Q2'
    """
    if period == "month":
        return f"{start.year}-{start.month:02d}"
    if period == "quarter":
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    return f"{start.year}"


def _add_months(day: dt.date, months: int) -> dt.date:
    total = day.year * 12 + day.month - 1 + months
    return dt.date(total // 12, total % 12 + 1, 1)


def period_end(start: dt.date, period: Period) -> dt.date:
    """The last day of the period that starts on ``start``."""
    return _add_months(start, _MONTHS[period]) - dt.timedelta(days=1)


def measures_in(frame: pl.DataFrame) -> list[str]:
    """The canonical measure fields present in a mapped frame, in field order."""
    return [f for f in MEASURE_FIELDS if f in frame.columns]


def _sum_or_null(name: str) -> pl.Expr:
    return pl.when(pl.col(name).is_not_null().any()).then(pl.col(name).sum()).alias(name)


def _kpi_parts(k: Kpi) -> list[pl.Expr]:
    """Paired sums for a ratio: only rows where both numbers are present."""
    assert k.denominator is not None
    both = pl.col(k.numerator).is_not_null() & pl.col(k.denominator).is_not_null()
    return [
        pl.col(k.numerator).filter(both).sum().alias(f"__{k.id}_num"),
        pl.col(k.denominator).filter(both).sum().alias(f"__{k.id}_den"),
        both.any().alias(f"__{k.id}_any"),
    ]


def _kpi_value(k: Kpi) -> pl.Expr:
    num, den, seen = (pl.col(f"__{k.id}_{p}") for p in ("num", "den", "any"))
    return (
        pl.when(seen & (den != 0))
        .then(num / den * k.scale)
        .otherwise(None)
        .cast(pl.Float64)
        .alias(k.id)
    )


def kpi_frame(
    data: pl.DataFrame,
    *,
    period: Period | None = "month",
    by: Sequence[str] = (),
    kpis: Sequence[str] | None = None,
    parts: bool = False,
) -> pl.DataFrame:
    """Sum the measures and compute every computable KPI per period.

    Parameters
    ----------
    data
        Mapped rows (see :func:`kpi_core.mapping.apply_mapping`): a ``date``
        column (needed unless ``period`` is ``None``) and measure fields.
    period
        ``"month"``, ``"quarter"``, ``"year"``, or ``None`` for one row
        covering all the data.
    by
        Dimension columns to split by (e.g. ``["channel"]``).
    kpis
        KPI ids to compute; default every KPI the fields support.
    parts
        Also keep, per ratio KPI, its paired sums ``{id}__num`` and
        ``{id}__den``, and ``last_date`` (the last day with data), so that
        :func:`window_values` can add periods up exactly.

    Returns
    -------
    One row per period (and ``by`` value), every period of the range present,
    in order: ``period``, ``period_start``, ``period_end``, ``complete``,
    ``days`` (days with data), the ``by`` columns, the measure sums, and one
    column per KPI. Missing data is ``null``, never ``0``.
    """
    measures = measures_in(data)
    if kpis is None:
        chosen = kpis_for_fields(measures)
    else:
        unknown = [k for k in kpis if k not in KPIS]
        if unknown:
            raise InputError.of(
                "scorecard.error.unknown_kpi", kpis=", ".join(unknown), valid=", ".join(KPIS)
            )
        chosen = [KPIS[k] for k in kpis if set(KPIS[k].fields) <= set(measures)]
    missing_by = [b for b in by if b not in data.columns]
    if missing_by:
        raise InputError.of("scorecard.error.cannot_split", columns=", ".join(missing_by))
    ratio_kpis = [k for k in chosen if k.is_ratio]
    aggs: list[pl.Expr] = [_sum_or_null(m) for m in measures]
    for k in ratio_kpis:
        aggs.extend(_kpi_parts(k))

    if period is None:
        aggs.append(
            pl.col("date").n_unique().alias("days") if "date" in data.columns else pl.lit(None)
        )
        out = data.group_by(list(by), maintain_order=True).agg(aggs) if by else data.select(aggs)
        out = out.with_columns(pl.lit("All").alias("period"))
        lead = ["period"]
    else:
        if "date" not in data.columns:
            raise InputError.of("scorecard.error.no_date_column")
        # Datetimes become days: a KPI period is made of whole days.
        dated = data.filter(pl.col("date").is_not_null()).with_columns(pl.col("date").cast(pl.Date))
        if dated.is_empty():
            raise InputError.of("scorecard.error.no_dates")
        start_expr = pl.col("date").dt.truncate(_TRUNCATE[period])
        aggs.append(pl.col("date").n_unique().alias("days"))
        if parts:
            aggs.append(pl.col("date").max().alias("last_date"))
        grouped = dated.with_columns(start_expr.alias("period_start")).group_by(
            ["period_start", *by]
        )
        out = grouped.agg(aggs)
        out = _complete_grid(out, dated, period=period, by=by)
        lead = ["period", "period_start", "period_end", "complete", "days"]

    out = out.with_columns(_kpi_value(k) for k in ratio_kpis)
    sums = [pl.col(k.id) for k in chosen if not k.is_ratio and k.id not in measures]
    columns = [*lead, *by, *measures, *[k.id for k in ratio_kpis]]
    if parts:
        out = out.with_columns(
            expr
            for k in ratio_kpis
            for expr in (
                # A period where the pair was never recorded adds nothing, not null.
                pl.col(f"__{k.id}_num").fill_null(0.0).alias(f"{k.id}__num"),
                pl.col(f"__{k.id}_den").fill_null(0.0).alias(f"{k.id}__den"),
            )
        )
        columns += [c for k in ratio_kpis for c in (f"{k.id}__num", f"{k.id}__den")]
        columns += ["last_date"] if period is not None else []
    return out.with_columns(sums).select([c for c in columns if c in out.columns])


def window_values(
    kf: pl.DataFrame, *, start: dt.date, end: dt.date, kpis: Sequence[str] | None = None
) -> dict[str, float | None]:
    """KPI values over the periods of ``kf`` that lie within ``start`` … ``end``.

    ``kf`` is a :func:`kpi_frame` made with ``parts=True``. Sums add up; ratios
    are taken again from the paired sums, so a quarter made of three months
    has the very same value as the quarter computed from the rows. A KPI
    with no data in the window is ``None``.

    >>> rows = pl.DataFrame({
    ...     "date": [dt.date(2025, 1, 5), dt.date(2025, 2, 5)],
    ...     "impressions": [1000.0, 3000.0], "clicks": [10.0, 90.0],
    ... })
    >>> kf = kpi_frame(rows, period="month", parts=True)
    >>> window_values(kf, start=dt.date(2025, 1, 1), end=dt.date(2025, 2, 28))["ctr"]
    0.025
    """
    inside = kf.filter((pl.col("period_start") >= start) & (pl.col("period_end") <= end))
    wanted = [KPIS[k] for k in (kpis if kpis is not None else KPIS) if k in KPIS]
    out: dict[str, float | None] = {}
    for k in wanted:
        if k.is_ratio:
            if f"{k.id}__num" not in inside.columns:
                continue
            num, den = inside[f"{k.id}__num"].sum(), inside[f"{k.id}__den"].sum()
            seen = inside.filter(pl.col(f"{k.id}__den") > 0).height > 0
            out[k.id] = float(num) / float(den) * k.scale if seen and den else None
        elif k.id in inside.columns:
            column = inside[k.id]
            out[k.id] = None if column.null_count() == column.len() else float(column.sum())
    return out


def _complete_grid(
    out: pl.DataFrame, dated: pl.DataFrame, *, period: Period, by: Sequence[str]
) -> pl.DataFrame:
    """Add the periods (and by-values) with no rows, and mark partial periods."""
    first = dated["date"].min()
    last = dated["date"].max()
    assert isinstance(first, dt.date) and isinstance(last, dt.date)
    starts: list[dt.date] = []
    cursor = pl.Series([first]).dt.truncate(_TRUNCATE[period]).item()
    while cursor <= last:
        starts.append(cursor)
        cursor = _add_months(cursor, _MONTHS[period])
    grid = pl.DataFrame({"period_start": starts}, schema={"period_start": pl.Date})
    if by:
        grid = grid.join(dated.select(by).unique().sort(by, nulls_last=True), how="cross")
    out = grid.join(out, on=["period_start", *by], how="left", nulls_equal=True)
    ends = [period_end(s, period) for s in starts]
    meta = pl.DataFrame(
        {
            "period_start": starts,
            "period": [period_label(s, period) for s in starts],
            "period_end": ends,
            # A period is complete when the data covers it from its first to its last day.
            "complete": [s >= first and e <= last for s, e in zip(starts, ends, strict=True)],
        },
        schema={
            "period_start": pl.Date,
            "period": pl.String,
            "period_end": pl.Date,
            "complete": pl.Boolean,
        },
    )
    out = out.join(meta, on="period_start", how="left").with_columns(pl.col("days").fill_null(0))
    return out.sort(["period_start", *by], nulls_last=True)
