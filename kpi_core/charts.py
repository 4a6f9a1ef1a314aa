"""Chart builders: each takes an aggregated frame and returns an ``alt.Chart``.

Charts never receive raw rows: Streamlit ships the whole frame to the browser,
so a chart is built from the per-period table (tens of rows), not the file.
"""

from __future__ import annotations

import datetime as dt

import altair as alt
import polars as pl

from kpi_core.catalogue import Kpi

#: Colours that read as "good", "bad" and "no opinion" for every KPI direction.
GOOD, BAD, NEUTRAL, MUTED = "#2e7d32", "#c62828", "#1f5f8b", "#b0bec5"

_D3_FORMAT = {"percent": ".1%", "currency": ",.0f", "count": ",.0f", "multiple": ".2f"}


def value_format(k: Kpi) -> str:
    """The d3 format string for a KPI's axis and tooltips."""
    return _D3_FORMAT[k.unit]


def trend_frame(kf: pl.DataFrame, kpi_id: str, *, selected: str) -> pl.DataFrame:
    """Per-period values of one KPI with last year's value beside each period.

    Parameters
    ----------
    kf
        A :func:`kpi_core.compute.kpi_frame` (no ``by``).
    selected
        The period label to highlight.
    """
    base = kf.select("period", "period_start", "complete", pl.col(kpi_id).alias("value"))
    last_year = base.select(
        pl.col("period_start").dt.offset_by("1y").alias("period_start"),
        pl.col("value").alias("last_year"),
    )
    return base.join(last_year, on="period_start", how="left", maintain_order="left").with_columns(
        (pl.col("period") == selected).alias("selected"),
        pl.when(~pl.col("complete"))
        .then(pl.lit("partial period"))
        .otherwise(pl.lit(""))
        .alias("note"),
    )


def trend_chart(frame: pl.DataFrame, *, kpi: Kpi, title: str | None = None) -> alt.Chart:
    """A KPI over time: bars (or a line for rates), last year dashed, the chosen period marked.

    ``frame`` comes from :func:`trend_frame`.
    """
    fmt = value_format(kpi)
    data = frame.with_columns(pl.col("period_start").cast(pl.Date))
    # Periods are bands, not instants: an ordinal axis gives each bar its month's width.
    x = alt.X("period:O", title=None, sort=None, axis=alt.Axis(labelAngle=-45))
    y_title = kpi.name
    tooltip = [
        alt.Tooltip("period:N", title="Period"),
        alt.Tooltip("value:Q", title=kpi.name, format=fmt),
        alt.Tooltip("last_year:Q", title="Same period last year", format=fmt),
        alt.Tooltip("note:N", title=" "),
    ]
    base = alt.Chart(data).encode(x=x)
    colour = alt.condition(alt.datum.selected, alt.value(NEUTRAL), alt.value("#9ec5e0"))
    if kpi.is_rate or kpi.unit == "multiple":
        current = base.mark_line(point=True, color=NEUTRAL).encode(
            y=alt.Y("value:Q", title=y_title, axis=alt.Axis(format=fmt)), tooltip=tooltip
        )
        marker = (
            base.transform_filter(alt.datum.selected)
            .mark_point(size=160, filled=True, color=NEUTRAL)
            .encode(y="value:Q", tooltip=tooltip)
        )
        current = current + marker
    else:
        current = base.mark_bar(opacity=0.9).encode(
            y=alt.Y("value:Q", title=y_title, axis=alt.Axis(format=fmt)),
            color=colour,
            opacity=alt.condition(alt.datum.complete, alt.value(0.95), alt.value(0.4)),
            tooltip=tooltip,
        )
    previous = base.mark_line(strokeDash=[4, 3], color="#78909c").encode(
        y="last_year:Q", tooltip=tooltip
    )
    chart = (current + previous).properties(height=260)
    if title:
        chart = chart.properties(title=title)
    return chart


def sparkline_values(values: tuple[float | None, ...]) -> list[float | None]:
    """Values for ``st.metric(chart_data=...)``: ``None`` kept, so gaps stay gaps."""
    return [None if v is None else float(v) for v in values]


def coverage_chart(frame: pl.DataFrame) -> alt.Chart:
    """Rows and days with data per month, for checking that nothing is missing.

    ``frame`` has ``month`` (date) and ``rows`` columns.
    """
    data = frame.with_columns(pl.col("month").cast(pl.Date))
    return (
        alt.Chart(data)
        .mark_bar(color=NEUTRAL)
        .encode(
            x=alt.X("yearmonth(month):T", title=None, axis=alt.Axis(format="%b %Y")),
            y=alt.Y("rows:Q", title="Rows"),
            tooltip=[
                alt.Tooltip("yearmonth(month):T", title="Month", format="%B %Y"),
                alt.Tooltip("rows:Q", title="Rows", format=","),
            ],
        )
        .properties(height=140)
    )


def coverage_frame(data: pl.DataFrame) -> pl.DataFrame:
    """Rows per month of a mapped frame with a ``date`` column, gap months as 0 rows."""
    dated = data.filter(pl.col("date").is_not_null())
    if dated.is_empty():
        return pl.DataFrame(schema={"month": pl.Date, "rows": pl.UInt32})
    counts = dated.group_by(pl.col("date").dt.truncate("1mo").alias("month")).len("rows")
    first: dt.date = counts["month"].min()  # type: ignore[assignment]
    last: dt.date = counts["month"].max()  # type: ignore[assignment]
    months = pl.date_range(first, last, interval="1mo", eager=True).alias("month")
    return (
        months.to_frame()
        .join(counts, on="month", how="left", maintain_order="left")
        .with_columns(pl.col("rows").fill_null(0))
    )
