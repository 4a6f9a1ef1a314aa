"""Chart builders: each takes an aggregated frame and returns an ``alt.Chart``.

Charts never receive raw rows: Streamlit ships the whole frame to the browser,
so a chart is built from the per-period table (tens of rows), not the file.
"""

from __future__ import annotations

import datetime as dt

import altair as alt
import polars as pl
from babel import Locale

from kpi_core.catalogue import STAGES, Kpi, stage_name
from kpi_core.i18n import LOCALES, has, t, vega_locale

#: Altair's channel classes by ``encode`` keyword, for :func:`_channels`.
_CHANNEL = {
    "x": alt.X, "y": alt.Y, "x2": alt.X2, "y2": alt.Y2, "color": alt.Color,
    "opacity": alt.Opacity, "size": alt.Size, "strokeDash": alt.StrokeDash, "text": alt.Text,
    "detail": alt.Detail, "shape": alt.Shape, "order": alt.Order, "tooltip": alt.Tooltip,
    "strokeWidth": alt.StrokeWidth, "xOffset": alt.XOffset, "yOffset": alt.YOffset,
}  # fmt: skip


def _channels(**channels: object) -> dict[str, object]:
    """``encode`` arguments as Altair's channel objects.

    Given a string (``"value:Q"``) or a dict (what ``alt.condition`` returns), ``encode``
    finds the channel class through the Vega-Lite JSON schema: 11 ms a channel, most of a
    chart's build time and a good part of a page's run. Built here, the same channel costs
    0.07 ms and gives the same spec.
    """
    out: dict[str, object] = {}
    for name, value in channels.items():
        cls = _CHANNEL.get(name)
        if cls is not None and isinstance(value, str):
            value = cls(value)
        elif cls is not None and isinstance(value, dict):
            value = (getattr(alt, cls.__name__ + "Value") if "value" in value else cls)(**value)
        elif cls is not None and isinstance(value, list):
            value = [cls(v) if isinstance(v, str) else v for v in value]
        out[name] = value
    return out


#: Colours that read as "good", "bad" and "no opinion" for every KPI direction.
GOOD, BAD, NEUTRAL, MUTED = "#2e7d32", "#c62828", "#1f5f8b", "#b0bec5"

_D3_FORMAT = {"percent": ".1%", "currency": ",.0f", "count": ",.0f", "multiple": ".2f"}


def value_format(k: Kpi) -> str:
    """The d3 format string for a KPI's axis and tooltips."""
    return _D3_FORMAT[k.unit]


def period_axis(locale: str = "en", *, angle: int = -45) -> alt.Axis:
    """An axis of period labels (``2026-10``, ``2026-Q3``, ``2026``) written as the reader
    writes them: ``okt. 2026`` and ``3. kvt. 2026`` in Danish.

    The labels stay the data's own (they sort and join); Vega words them when it draws,
    with the month names of the chart's locale (:func:`localize`) and CLDR's quarter
    abbreviations.
    """
    quarters = Locale.parse(LOCALES.get(locale, locale)).quarters["format"]["abbreviated"]
    names = ", ".join(f"'{quarters[q]}'" for q in range(1, 5))
    expr = (
        "length(datum.value) == 7 && substring(datum.value, 4, 5) == '-'"
        " ? utcFormat(utc(toNumber(substring(datum.value, 0, 4)),"
        " toNumber(substring(datum.value, 5, 7)) - 1, 1), '%b %Y')"
        " : indexof(datum.value, '-Q') == 4"
        f" ? [{names}][toNumber(substring(datum.value, 6, 7)) - 1]"
        " + ' ' + substring(datum.value, 0, 4)"
        " : datum.value"
    )
    return alt.Axis(labelAngle=angle, labelExpr=expr)


def with_last_year(frame: pl.DataFrame, column: str) -> pl.DataFrame:
    """Add ``last_year``: ``column`` of the period that started a year before each row's."""
    last_year = frame.select(
        pl.col("period_start").dt.offset_by("1y"), pl.col(column).alias("last_year")
    )
    return frame.join(last_year, on="period_start", how="left", maintain_order="left")


def trend_frame(
    kf: pl.DataFrame, kpi_id: str, *, selected: str, locale: str = "en"
) -> pl.DataFrame:
    """Per-period values of one KPI with last year's value beside each period.

    Parameters
    ----------
    kf
        A :func:`kpi_core.compute.kpi_frame` (no ``by``).
    selected
        The period label to highlight.
    locale
        The language of the ``note`` ("partial period").
    """
    base = kf.select("period", "period_start", "complete", pl.col(kpi_id).alias("value"))
    return with_last_year(base, "value").with_columns(
        (pl.col("period") == selected).alias("selected"),
        pl.when(~pl.col("complete"))
        .then(pl.lit(t("chart.partial_period", locale=locale)))
        .otherwise(pl.lit(""))
        .alias("note"),
    )


def trend_chart(
    frame: pl.DataFrame, *, kpi: Kpi, title: str | None = None, locale: str = "en"
) -> alt.Chart:
    """A KPI over time: bars (or a line for rates), last year dashed, the chosen period marked.

    ``frame`` comes from :func:`trend_frame`.
    """
    fmt = value_format(kpi)
    data = frame.with_columns(pl.col("period_start").cast(pl.Date))
    # Periods are bands, not instants: an ordinal axis gives each bar its month's width.
    x = alt.X("period:O", title=None, sort=None, axis=period_axis(locale))
    y_title = kpi.label(locale)
    tooltip = [
        alt.Tooltip("period:N", title=t("chart.period", locale=locale)),
        alt.Tooltip("value:Q", title=y_title, format=fmt),
        alt.Tooltip(
            "last_year:Q", title=t("chart.same_period_last_year", locale=locale), format=fmt
        ),
        alt.Tooltip("note:N", title=" "),
    ]
    base = alt.Chart(data).encode(**_channels(x=x))
    colour = alt.condition(alt.datum.selected, alt.value(NEUTRAL), alt.value("#9ec5e0"))
    if kpi.is_rate or kpi.unit == "multiple":
        current = base.mark_line(point=True, color=NEUTRAL).encode(
            **_channels(
                y=alt.Y("value:Q", title=y_title, axis=alt.Axis(format=fmt)), tooltip=tooltip
            )
        )
        marker = (
            base.transform_filter(alt.datum.selected)
            .mark_point(size=160, filled=True, color=NEUTRAL)
            .encode(**_channels(y="value:Q", tooltip=tooltip))
        )
        current = current + marker
    else:
        current = base.mark_bar(opacity=0.9).encode(
            **_channels(
                y=alt.Y("value:Q", title=y_title, axis=alt.Axis(format=fmt)),
                color=colour,
                opacity=alt.condition(alt.datum.complete, alt.value(0.95), alt.value(0.4)),
                tooltip=tooltip,
            )
        )
    previous = base.mark_line(strokeDash=[4, 3], color="#78909c").encode(
        **_channels(y="last_year:Q", tooltip=tooltip)
    )
    chart = (current + previous).properties(height=260)
    if title:
        chart = chart.properties(title=title)
    return chart


def sparkline_values(values: tuple[float | None, ...]) -> list[float | None]:
    """Values for ``st.metric(chart_data=...)``: ``None`` kept, so gaps stay gaps."""
    return [None if v is None else float(v) for v in values]


def coverage_chart(frame: pl.DataFrame, *, locale: str = "en") -> alt.Chart:
    """Rows and days with data per month, for checking that nothing is missing.

    ``frame`` has ``month`` (date) and ``rows`` columns.
    """
    data = frame.with_columns(pl.col("month").cast(pl.Date))
    rows = t("chart.rows", locale=locale)
    return (
        alt.Chart(data)
        .mark_bar(color=NEUTRAL)
        .encode(
            **_channels(
                x=alt.X("yearmonth(month):T", title=None, axis=alt.Axis(format="%b %Y")),
                y=alt.Y("rows:Q", title=rows),
                tooltip=[
                    alt.Tooltip(
                        "yearmonth(month):T", title=t("chart.month", locale=locale), format="%B %Y"
                    ),
                    alt.Tooltip("rows:Q", title=rows, format=","),
                ],
            )
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


_STAGE_COLOURS = {"Awareness": "#90caf9", "Engagement": "#1f5f8b", "Conversion": "#2e7d32"}


def _vega_text(text: str) -> str:
    """``text`` as a single-quoted Vega expression string."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def funnel_chart(steps: pl.DataFrame, *, locale: str = "en") -> alt.Chart:
    """The funnel as horizontal bars, journey order top to bottom, coloured by stage.

    ``steps`` is ``Funnel.steps`` (or ``LeadSummary.funnel``) without ``by``. Bar
    lengths are on a log scale: impressions and customers differ by four orders of
    magnitude, and a linear scale would hide every stage after the first.
    """
    order = steps["label"].to_list()
    names = {s: stage_name(s, locale=locale) for s in STAGES}
    data = steps.select("label", "journey_stage", "count", "pct_of_previous", "pct_of_first")
    # A log axis has no zero: bars start at 1 instead. The legend shows stage names.
    data = data.with_columns(
        pl.lit(1.0).alias("baseline"),
        pl.col("journey_stage").replace(names).alias("stage_name"),
    )
    base = alt.Chart(data).encode(
        **_channels(
            y=alt.Y("label:N", sort=order, title=None),
            x=alt.X(
                "count:Q", scale=alt.Scale(type="log"), title=t("chart.count_log", locale=locale)
            ),
        )
    )
    # The label "1,234  (2.5% of previous)": the message with the rate filled in by Vega.
    before, _, after = t("chart.of_previous", locale=locale, pct="\0").partition("\0")
    of_previous = (
        f"{_vega_text('  ' + before)} + format(datum.pct_of_previous, '.1%') + {_vega_text(after)}"
    )
    bars = base.mark_bar().encode(
        **_channels(
            x2="baseline:Q",
            color=alt.Color(
                "stage_name:N",
                scale=alt.Scale(
                    domain=[names[s] for s in _STAGE_COLOURS], range=list(_STAGE_COLOURS.values())
                ),
                title=None,
                legend=alt.Legend(orient="bottom", direction="horizontal"),
            ),
            tooltip=[
                alt.Tooltip("label:N", title=t("chart.stage", locale=locale)),
                alt.Tooltip("count:Q", title=t("chart.count", locale=locale), format=",.0f"),
                alt.Tooltip(
                    "pct_of_previous:Q",
                    title=t("chart.pct_of_previous_step", locale=locale),
                    format=".1%",
                ),
                alt.Tooltip(
                    "pct_of_first:Q",
                    title=t("chart.pct_of_first_step", locale=locale),
                    format=".2%",
                ),
            ],
        )
    )
    labels = (
        base.transform_calculate(
            text="format(datum.count, ',.0f') + (isValid(datum.pct_of_previous) ? "
            f"{of_previous} : '')"
        )
        .mark_text(align="left", dx=4, color="#1b2631")
        .encode(**_channels(text="text:N"))
    )
    # Streamlit fits legend and axis title into this height too.
    return (bars + labels).properties(height=34 * len(order) + 110)


def channel_steps_chart(
    steps: pl.DataFrame, *, by: str = "channel", locale: str = "en"
) -> alt.Chart:
    """Each step's conversion per channel as a heat map, so the best channel per step shows.

    ``steps`` is ``Funnel.steps`` with ``by`` (long: one row per channel and stage).
    """
    data = steps.filter(pl.col("step").is_not_null())
    order = data.unique("step_label", maintain_order=True)["step_label"].to_list()
    by_name = t(f"field.{by}", locale=locale) if has(f"field.{by}") else by.capitalize()
    base = alt.Chart(data).encode(
        **_channels(
            x=alt.X(f"{by}:N", title=None, axis=alt.Axis(labelAngle=0)),
            y=alt.Y("step_label:N", sort=order, title=None),
        )
    )
    cells = base.mark_rect().encode(
        **_channels(
            color=alt.Color(
                "pct_of_previous:Q",
                title=t("chart.pct_of_previous", locale=locale),
                scale=alt.Scale(scheme="blues"),
                legend=alt.Legend(format=".0%"),
            ),
            tooltip=[
                alt.Tooltip(f"{by}:N", title=by_name),
                alt.Tooltip("step_label:N", title=t("chart.step", locale=locale)),
                alt.Tooltip(
                    "pct_of_previous:Q", title=t("chart.conversion", locale=locale), format=".1%"
                ),
                alt.Tooltip("count:Q", title=t("chart.reached", locale=locale), format=",.0f"),
            ],
        )
    )
    text = base.mark_text(fontSize=12).encode(
        **_channels(
            text=alt.Text("pct_of_previous:Q", format=".1%"),
            color=alt.condition(
                alt.datum.pct_of_previous > 0.35, alt.value("white"), alt.value("#1b2631")
            ),
        )
    )
    return (cells + text).properties(height=44 * len(order))


def step_rate_chart(trend: pl.DataFrame, *, step: str, locale: str = "en") -> alt.Chart:
    """One step's conversion rate per period, with the same period last year dashed.

    ``trend`` is :func:`kpi_core.funnel.funnel_trend` (one row per step and period).
    """
    data = trend.filter(pl.col("step") == step).select(
        "period", "period_start", "rate", "complete", "vs_previous_pp", "vs_last_year_pp"
    )
    data = with_last_year(data, "rate")
    x = alt.X("period:O", title=None, sort=None, axis=period_axis(locale))
    tooltip = [
        alt.Tooltip("period:N", title=t("chart.period", locale=locale)),
        alt.Tooltip("rate:Q", title=t("chart.rate", locale=locale), format=".1%"),
        alt.Tooltip(
            "vs_previous_pp:Q", title=t("chart.vs_period_before_pp", locale=locale), format="+.1f"
        ),
        alt.Tooltip(
            "vs_last_year_pp:Q", title=t("chart.vs_last_year_pp", locale=locale), format="+.1f"
        ),
    ]
    base = alt.Chart(data).encode(**_channels(x=x))
    line = base.mark_line(point=True, color=NEUTRAL).encode(
        **_channels(
            y=alt.Y(
                "rate:Q", title=t("chart.conversion", locale=locale), axis=alt.Axis(format=".0%")
            ),
            tooltip=tooltip,
        )
    )
    previous = base.mark_line(strokeDash=[4, 3], color="#78909c").encode(
        **_channels(y="last_year:Q")
    )
    return (line + previous).properties(height=240)


def time_to_convert_chart(
    histogram: pl.DataFrame, *, max_bins: int = 16, locale: str = "en"
) -> alt.Chart:
    """How many days leads took to become customers, in bins (``LeadSummary.histogram``).

    The long tail past ``max_bins`` bins is folded into one last bar, so a few slow
    deals do not squeeze the bars that matter into slivers.
    """
    if histogram.height > max_bins:
        head = histogram.head(max_bins - 1)
        tail = histogram.slice(max_bins - 1)
        start = int(tail["bin_start"][0])
        folded = pl.DataFrame(
            {
                "bin_start": [start],
                "bin_end": [int(tail["bin_end"].max())],
                "label": [t("chart.days_plus", locale=locale, start=str(start))],
                "count": [int(tail["count"].sum())],
                "share": [float(tail["share"].sum())],
            },
            schema=histogram.select("bin_start", "bin_end", "label", "count", "share").schema,
        )
        histogram = pl.concat([head.select(folded.columns), folded])
    order = histogram["label"].to_list()
    customers = t("chart.customers", locale=locale)
    return (
        alt.Chart(histogram)
        .mark_bar(color=GOOD)
        .encode(
            **_channels(
                x=alt.X("label:N", sort=order, title=t("chart.days_to_customer", locale=locale)),
                y=alt.Y("count:Q", title=customers),
                tooltip=[
                    alt.Tooltip("label:N", title=t("chart.days", locale=locale)),
                    alt.Tooltip("count:Q", title=customers, format=","),
                    alt.Tooltip("share:Q", title=t("chart.share", locale=locale), format=".1%"),
                ],
            )
        )
        .properties(height=220)
    )


def cohort_chart(cohorts: pl.DataFrame, *, locale: str = "en") -> alt.Chart:
    """Lead-to-customer rate by the month leads came in; open cohorts drawn faded.

    ``cohorts`` is ``LeadSummary.cohorts``. An open cohort's rate is a floor, not a
    result: its leads have not had time to convert yet.
    """
    settled, still_open = (t(k, locale=locale) for k in ("chart.settled", "chart.still_open"))
    data = cohorts.with_columns(
        pl.when(pl.col("is_open"))
        .then(pl.lit(still_open))
        .otherwise(pl.lit(settled))
        .alias("status")
    )
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            **_channels(
                x=alt.X(
                    "cohort:O",
                    title=t("chart.cohort_month", locale=locale),
                    axis=period_axis(locale),
                ),
                y=alt.Y(
                    "lead_to_customer:Q",
                    title=t("chart.became_customers", locale=locale),
                    axis=alt.Axis(format=".0%"),
                ),
                color=alt.Color(
                    "status:N",
                    scale=alt.Scale(domain=[settled, still_open], range=[NEUTRAL, MUTED]),
                    title=None,
                ),
                tooltip=[
                    alt.Tooltip("cohort:N", title=t("chart.cohort", locale=locale)),
                    alt.Tooltip("leads:Q", title=t("chart.leads", locale=locale), format=","),
                    alt.Tooltip(
                        "customers:Q", title=t("chart.customers", locale=locale), format=","
                    ),
                    alt.Tooltip(
                        "lead_to_customer:Q",
                        title=t("chart.lead_to_customer", locale=locale),
                        format=".1%",
                    ),
                    alt.Tooltip(
                        "pending:Q", title=t("chart.still_undecided", locale=locale), format=","
                    ),
                ],
            )
        )
        .properties(height=240)
    )


def indexed_chart(
    indexed: pl.DataFrame, *, names: dict[str, str], lagging: str, locale: str = "en"
) -> alt.Chart:
    """Leading and lagging KPIs on one time axis, each indexed to 100 at the start.

    ``indexed`` is :func:`kpi_core.lead_lag.indexed`; the lagging KPI is drawn thick.
    """
    data = indexed.with_columns(
        pl.col("kpi").replace_strict(names, default=pl.col("kpi")).alias("name"),
        (pl.col("kpi") == lagging).alias("is_lagging"),
    )
    return (
        alt.Chart(data)
        .mark_line(point=False)
        .encode(
            **_channels(
                x=alt.X("period:O", title=None, sort=None, axis=period_axis(locale)),
                y=alt.Y("index:Q", title=t("chart.index_title", locale=locale)),
                color=alt.Color("name:N", title=None, legend=alt.Legend(orient="bottom")),
                strokeWidth=alt.condition(alt.datum.is_lagging, alt.value(4), alt.value(1.6)),
                tooltip=[
                    alt.Tooltip("name:N", title=t("chart.kpi", locale=locale)),
                    alt.Tooltip("period:N", title=t("chart.period", locale=locale)),
                    alt.Tooltip("value:Q", title=t("chart.value", locale=locale), format=",.3~f"),
                    alt.Tooltip("index:Q", title=t("chart.index", locale=locale), format=".0f"),
                ],
            )
        )
        .properties(height=300)
    )


def values_chart(indexed: pl.DataFrame, *, names: dict[str, str], locale: str = "en") -> alt.Chart:
    """The same KPIs in their own units, one small chart each with its own axis."""
    data = indexed.with_columns(
        pl.col("kpi").replace_strict(names, default=pl.col("kpi")).alias("name")
    )
    return (
        alt.Chart(data)
        .mark_line(color=NEUTRAL)
        .encode(
            **_channels(
                x=alt.X(
                    "period:O", title=None, sort=None, axis=alt.Axis(labels=False, ticks=False)
                ),
                y=alt.Y("value:Q", title=None),
                tooltip=[
                    alt.Tooltip("period:N", title=t("chart.period", locale=locale)),
                    alt.Tooltip("value:Q", title=t("chart.value", locale=locale), format=",.3~f"),
                ],
            )
        )
        .properties(height=90)
        .facet(row=alt.Row("name:N", title=None))
        .resolve_scale(y="independent")
    )


def correlation_chart(
    table: pl.DataFrame, *, names: dict[str, str], locale: str = "en"
) -> alt.Chart:
    """Correlation at each lag with its 95 % interval, one row of bars per leading KPI.

    ``table`` is ``LeadLag.table`` (kpi, lag, r, n, low, high).
    """
    data = table.filter(pl.col("r").is_not_null()).with_columns(
        pl.col("kpi").replace_strict(names, default=pl.col("kpi")).alias("name")
    )
    correlation = t("chart.correlation", locale=locale)
    base = alt.Chart(data).encode(
        **_channels(x=alt.X("lag:O", title=t("chart.lag_axis", locale=locale)))
    )
    bars = base.mark_bar(color=NEUTRAL).encode(
        **_channels(
            y=alt.Y("r:Q", title=correlation, scale=alt.Scale(domain=[-1, 1])),
            tooltip=[
                alt.Tooltip("name:N", title=t("chart.kpi", locale=locale)),
                alt.Tooltip("lag:O", title=t("chart.ahead_by", locale=locale)),
                alt.Tooltip("r:Q", title=correlation, format=".2f"),
                alt.Tooltip("low:Q", title=t("chart.likely_from", locale=locale), format=".2f"),
                alt.Tooltip("high:Q", title=t("chart.likely_to", locale=locale), format=".2f"),
                alt.Tooltip("n:Q", title=t("chart.periods_used", locale=locale)),
            ],
        )
    )
    whiskers = base.mark_rule(color="#37474f").encode(**_channels(y="low:Q", y2="high:Q"))
    return (
        (bars + whiskers)
        .properties(height=150, width=180)
        .facet(column=alt.Column("name:N", title=None))
    )


def forecast_chart(
    series: pl.DataFrame, *, name: str, fmt: str = ",.0f", locale: str = "en"
) -> alt.Chart:
    """The lagging KPI's actual line continued by a forecast with its interval band.

    ``series`` is :func:`kpi_core.lead_lag.forecast` (kind actual/forecast, value, low, high).
    """
    data = series.tail(13)
    last_actual = data.filter(pl.col("kind") == "actual").tail(1)
    bridge = last_actual.with_columns(
        pl.lit("forecast").alias("kind"),
        pl.col("value").alias("low"),
        pl.col("value").alias("high"),
    )
    data = pl.concat([data, bridge.select(data.columns)]).sort("period_start")
    # ``kind`` stays the id the marks test; ``kind_name`` is what the legend shows.
    kinds = {k: t(f"chart.{k}", locale=locale) for k in ("actual", "forecast")}
    data = data.with_columns(pl.col("kind").replace(kinds).alias("kind_name"))
    # Layers share one ordinal domain; without an explicit order the band's periods come first.
    periods = data.unique("period", maintain_order=True)["period"].to_list()
    x = alt.X("period:O", title=None, sort=periods, axis=period_axis(locale))
    base = alt.Chart(data).encode(**_channels(x=x))
    band = (
        base.transform_filter(alt.datum.kind == "forecast")
        .mark_area(opacity=0.25, color=NEUTRAL)
        .encode(**_channels(y="low:Q", y2="high:Q"))
    )
    line = base.mark_line(point=True).encode(
        **_channels(
            y=alt.Y("value:Q", title=name, axis=alt.Axis(format=fmt)),
            color=alt.Color(
                "kind_name:N",
                scale=alt.Scale(domain=list(kinds.values()), range=[NEUTRAL, "#ef6c00"]),
                title=None,
            ),
            strokeDash=alt.condition(
                alt.datum.kind == "forecast", alt.value([5, 4]), alt.value([1, 0])
            ),
            tooltip=[
                alt.Tooltip("period:N", title=t("chart.period", locale=locale)),
                alt.Tooltip("kind_name:N", title=" "),
                alt.Tooltip("value:Q", title=name, format=fmt),
                alt.Tooltip("low:Q", title=t("chart.low_80", locale=locale), format=fmt),
                alt.Tooltip("high:Q", title=t("chart.high_80", locale=locale), format=fmt),
            ],
        )
    )
    return (band + line).properties(height=260)


def capacity_chart(table: pl.DataFrame, *, measure: str, locale: str = "en") -> alt.Chart:
    """Marketing's flow per period against sales' capacity, over-capacity bars in red.

    ``table`` is ``Alignment.table`` (period, flow, capacity, status). ``status`` is an
    id (``over capacity``, ``matched``, ``under capacity``); the legend shows it in words.
    """
    statuses = {
        "over capacity": t("chart.over_capacity", locale=locale),
        "matched": t("chart.matched", locale=locale),
        "under capacity": t("chart.under_capacity", locale=locale),
    }
    colours = alt.Scale(domain=list(statuses.values()), range=[BAD, NEUTRAL, MUTED])
    table = table.with_columns(pl.col("status").replace(statuses).alias("status_name"))
    base = alt.Chart(table).encode(
        **_channels(x=alt.X("period:O", title=None, sort=None, axis=period_axis(locale)))
    )
    bars = base.mark_bar().encode(
        **_channels(
            y=alt.Y("flow:Q", title=measure),
            color=alt.Color("status_name:N", scale=colours, title=None),
            tooltip=[
                alt.Tooltip("period:N", title=t("chart.period", locale=locale)),
                alt.Tooltip("flow:Q", title=measure, format=",.0f"),
                alt.Tooltip("capacity:Q", title=t("chart.capacity", locale=locale), format=",.0f"),
                alt.Tooltip("status_name:N", title=" "),
            ],
        )
    )
    line = base.mark_line(color="#37474f", strokeDash=[6, 3]).encode(**_channels(y="capacity:Q"))
    return (bars + line).properties(height=240)


def _with_you(data: pl.DataFrame, locale: str) -> tuple[pl.DataFrame, str]:
    """``data`` with its "You" rows named in ``locale``, and that name."""
    you = t("chart.you", locale=locale)
    return data.with_columns(pl.col("who").replace({"You": you})), you


def bullet_chart(data: pl.DataFrame, *, locale: str = "en") -> alt.Chart:
    """Your value over the benchmark band, with competitor marks, one row per KPI.

    ``data`` is long, one row per KPI and party: ``name`` (the KPI), ``who`` ("You" or
    a competitor), ``value``, and the band ``low``, ``typical``, ``high`` (repeated).
    Rates, money and counts differ in scale, so each KPI gets its own row and x axis.
    ``who`` may be "You" or already ``t("chart.you", locale=locale)``.
    """
    data, you_name = _with_you(data, locale)
    base = alt.Chart(data)
    you = alt.datum.who == you_name
    band = (
        base.transform_filter(you)
        .mark_bar(color="#cfd8dc", height=18)
        .encode(**_channels(x=alt.X("low:Q", title=None), x2="high:Q"))
    )
    typical = (
        base.transform_filter(you)
        .mark_tick(color="#37474f", thickness=2, size=22)
        .encode(**_channels(x="typical:Q"))
    )
    marks = base.mark_point(filled=True, size=120).encode(
        **_channels(
            x="value:Q",
            color=alt.condition(you, alt.value(NEUTRAL), alt.value("#ef6c00")),
            shape=alt.condition(you, alt.value("diamond"), alt.value("circle")),
            tooltip=[
                alt.Tooltip("name:N", title=t("chart.kpi", locale=locale)),
                alt.Tooltip("who:N", title=t("chart.who", locale=locale)),
                alt.Tooltip("value:Q", title=t("chart.value", locale=locale), format=",.4~f"),
                alt.Tooltip(
                    "low:Q", title=t("chart.benchmark_from", locale=locale), format=",.4~f"
                ),
                alt.Tooltip("high:Q", title=t("chart.benchmark_to", locale=locale), format=",.4~f"),
            ],
        )
    )
    return (
        alt.layer(band, typical, marks)
        .properties(height=36, width=520)
        .facet(
            row=alt.Row("name:N", title=None, header=alt.Header(labelAngle=0, labelAlign="left"))
        )
        .resolve_scale(x="independent")
    )


def ranked_chart(data: pl.DataFrame, *, locale: str = "en") -> alt.Chart:
    """You and each competitor ranked per KPI, the best at the top, your bar highlighted.

    ``data`` is long: ``name`` (KPI), ``who``, ``value`` and ``score`` (the value signed
    so that higher is better: the value itself, or minus it for "lower is better").
    """
    data, you = _with_you(data, locale)
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            **_channels(
                x=alt.X("value:Q", title=None),
                y=alt.Y(
                    "who:N", title=None, sort=alt.EncodingSortField("score", order="descending")
                ),
                color=alt.condition(alt.datum.who == you, alt.value(NEUTRAL), alt.value(MUTED)),
                tooltip=[
                    alt.Tooltip("name:N", title=t("chart.kpi", locale=locale)),
                    alt.Tooltip("who:N", title=t("chart.who", locale=locale)),
                    alt.Tooltip("value:Q", title=t("chart.value", locale=locale), format=",.4~f"),
                ],
            )
        )
        .properties(height=alt.Step(20), width=260)
        .facet(facet=alt.Facet("name:N", title=None), columns=3)
        .resolve_scale(x="independent", y="independent")
    )


def pacing_chart(months: pl.DataFrame, *, kpi: Kpi, locale: str = "en") -> alt.Chart:
    """Cumulative actual against the plan line, with the projection dashed to the period's end.

    ``months`` is :attr:`kpi_core.targets.Pacing.months` (``period``, ``plan``, ``actual``,
    ``projected``). For a rate, the values are the rate so far and each month's target.
    """
    fmt = value_format(kpi)
    lines = {
        "plan": t("chart.plan_line", locale=locale),
        "actual": t("chart.actual_line", locale=locale),
        "projected": t("chart.at_this_pace", locale=locale),
    }
    long = months.unpivot(
        index="period", on=["plan", "actual", "projected"], variable_name="line"
    ).with_columns(pl.col("line").replace_strict(lines))
    domain = list(lines.values())
    colours = alt.Scale(domain=domain, range=["#37474f", NEUTRAL, "#9ec5e0"])
    dashes = alt.Scale(domain=domain, range=[[6, 3], [1, 0], [3, 3]])
    name = kpi.label(locale)
    if kpi.is_ratio:
        title = t("chart.so_far", locale=locale, kpi=name)
    else:
        title = t("chart.cumulative", locale=locale, kpi=name)
    return (
        alt.Chart(long.drop_nulls("value"))
        .mark_line(point=True, strokeWidth=2.5)
        .encode(
            **_channels(
                x=alt.X("period:O", title=None, sort=None, axis=period_axis(locale)),
                y=alt.Y("value:Q", title=title, axis=alt.Axis(format=fmt)),
                color=alt.Color(
                    "line:N", scale=colours, title=None, legend=alt.Legend(orient="top")
                ),
                strokeDash=alt.StrokeDash("line:N", scale=dashes, legend=None),
                tooltip=[
                    alt.Tooltip("period:N", title=t("chart.month", locale=locale)),
                    alt.Tooltip("line:N", title=" "),
                    alt.Tooltip("value:Q", title=name, format=fmt),
                ],
            )
        )
        .properties(height=280)
    )


def plan_chart(
    monthly: pl.DataFrame,
    *,
    stage: str,
    name: str,
    today: float | None,
    fmt: str = ",.0f",
    locale: str = "en",
) -> alt.Chart:
    """What the plan needs of one stage per month, against today's monthly average.

    ``monthly`` is :attr:`kpi_core.plan.Plan.monthly`; ``today`` draws a rule.
    """
    data = monthly.select("period", pl.col(stage).alias("needed")).with_columns(
        pl.lit(today, dtype=pl.Float64).alias("today"),
        (pl.col("needed") > today if today is not None else pl.lit(False)).alias("above"),
    )
    today_average = t("chart.today_average", locale=locale)
    base = alt.Chart(data).encode(
        **_channels(x=alt.X("period:O", title=None, sort=None, axis=period_axis(locale)))
    )
    bars = base.mark_bar().encode(
        **_channels(
            y=alt.Y(
                "needed:Q",
                title=t("chart.needed_per_month", locale=locale, name=name),
                axis=alt.Axis(format=fmt),
            ),
            color=alt.condition(alt.datum.above, alt.value(NEUTRAL), alt.value("#9ec5e0")),
            tooltip=[
                alt.Tooltip("period:N", title=t("chart.month", locale=locale)),
                alt.Tooltip("needed:Q", title=t("chart.needed", locale=locale), format=fmt),
                alt.Tooltip("today:Q", title=today_average, format=fmt),
            ],
        )
    )
    if today is None:
        return bars.properties(height=240)
    # One rule across the chart: without an x encoding it is not drawn per bar.
    rule = (
        alt.Chart(pl.DataFrame({"today": [today]}))
        .mark_rule(color="#37474f", strokeDash=[6, 3], strokeWidth=2)
        .encode(
            **_channels(
                y="today:Q",
                tooltip=[alt.Tooltip("today:Q", title=today_average, format=fmt)],
            )
        )
    )
    return (bars + rule).properties(height=240)


def effect_chart(table: pl.DataFrame, *, fmt: str = ",.0f", locale: str = "en") -> alt.Chart:
    """Horizontal bars of each lever's effect (``name``, ``effect``, ``how``), largest first."""
    extra = t("chart.extra_revenue", locale=locale)
    return (
        alt.Chart(table)
        .mark_bar(color=NEUTRAL)
        .encode(
            **_channels(
                y=alt.Y("name:N", title=None, sort="-x", axis=alt.Axis(labelLimit=260)),
                x=alt.X("effect:Q", title=extra, axis=alt.Axis(format=fmt)),
                tooltip=[
                    alt.Tooltip("name:N", title=t("chart.lever", locale=locale)),
                    alt.Tooltip("how:N", title=t("chart.how", locale=locale)),
                    alt.Tooltip("effect:Q", title=extra, format=fmt),
                ],
            )
        )
        .properties(height=alt.Step(34))
    )


def retention_chart(cohorts: pl.DataFrame, *, locale: str = "en") -> alt.Chart:
    """Cohort retention as a heatmap: first-purchase month down, months since across.

    ``cohorts`` is :func:`kpi_core.customers.cohorts` (``cohort``, ``months_since``,
    ``customers``, ``buying``, ``share``). Month 0 is every cohort's first month (100 %).
    """
    data = cohorts.filter(pl.col("months_since") > 0)
    first_purchase = t("chart.first_purchase_in", locale=locale)
    return (
        alt.Chart(data)
        .mark_rect()
        .encode(
            **_channels(
                x=alt.X("months_since:O", title=t("chart.months_after_first", locale=locale)),
                y=alt.Y(
                    "cohort:O",
                    title=first_purchase,
                    sort="descending",
                    axis=period_axis(locale, angle=0),
                ),
                color=alt.Color(
                    "share:Q",
                    title=t("chart.still_buying", locale=locale),
                    scale=alt.Scale(scheme="blues", domainMin=0),
                    legend=alt.Legend(format=".0%"),
                ),
                tooltip=[
                    alt.Tooltip("cohort:N", title=first_purchase),
                    alt.Tooltip("months_since:Q", title=t("chart.months_later", locale=locale)),
                    alt.Tooltip(
                        "customers:Q", title=t("chart.cohort_customers", locale=locale), format=","
                    ),
                    alt.Tooltip(
                        "buying:Q", title=t("chart.bought_that_month", locale=locale), format=","
                    ),
                    alt.Tooltip("share:Q", title=t("chart.share", locale=locale), format=".1%"),
                ],
            )
        )
        .properties(height=alt.Step(14))
    )


def customers_chart(monthly: pl.DataFrame, *, locale: str = "en") -> alt.Chart:
    """New and returning buying customers per month, stacked.

    ``monthly`` is :func:`kpi_core.customers.monthly` (``period``, ``new``, ``returning``).
    """
    long = monthly.select("period", "new", "returning").unpivot(
        index="period", variable_name="kind", value_name="customers"
    )
    kinds = {"new": t("chart.new", locale=locale), "returning": t("chart.returning", locale=locale)}
    long = long.with_columns(pl.col("kind").replace_strict(kinds))
    return (
        alt.Chart(long)
        .mark_bar()
        .encode(
            **_channels(
                x=alt.X("period:O", title=None, axis=period_axis(locale)),
                y=alt.Y(
                    "customers:Q", title=t("chart.customers_buying", locale=locale), stack=True
                ),
                color=alt.Color(
                    "kind:N",
                    scale=alt.Scale(domain=list(kinds.values()), range=["#9ec5e0", NEUTRAL]),
                    title=None,
                    legend=alt.Legend(orient="top"),
                ),
                tooltip=[
                    alt.Tooltip("period:N", title=t("chart.month", locale=locale)),
                    alt.Tooltip("kind:N", title=" "),
                    alt.Tooltip(
                        "customers:Q", title=t("chart.customers", locale=locale), format=","
                    ),
                ],
            )
        )
        .properties(height=240)
    )


def score_chart(
    monthly: pl.DataFrame, *, name: str, fmt: str = "+.0f", locale: str = "en"
) -> alt.Chart:
    """A survey score per month with its 95 % interval as a band, and the answers behind it.

    ``monthly`` has ``period``, ``n``, ``value``, ``low`` and ``high`` (e.g.
    :func:`kpi_core.satisfaction.nps_monthly`); months without answers are gaps.
    """
    data = monthly.filter(pl.col("n") > 0)
    base = alt.Chart(data).encode(
        **_channels(x=alt.X("period:O", title=None, axis=period_axis(locale)))
    )
    tooltip = [
        alt.Tooltip("period:N", title=t("chart.month", locale=locale)),
        alt.Tooltip("value:Q", title=name, format=fmt),
        alt.Tooltip("low:Q", title=t("chart.interval_from", locale=locale), format=fmt),
        alt.Tooltip("high:Q", title=t("chart.interval_to", locale=locale), format=fmt),
        alt.Tooltip("n:Q", title=t("chart.answers", locale=locale), format=","),
    ]
    band = base.mark_area(opacity=0.25, color=NEUTRAL).encode(
        **_channels(y=alt.Y("low:Q", title=name), y2="high:Q", tooltip=tooltip)
    )
    line = base.mark_line(point=True, color=NEUTRAL).encode(
        **_channels(y="value:Q", tooltip=tooltip)
    )
    return (band + line).properties(height=220)


def localize(chart: alt.TopLevelMixin, *, locale: str = "en", currency: str = "DKK") -> alt.Chart:
    """``chart`` with the locale's number and date formats for its axes, labels and tooltips.

    Vega formats with d3, which reads the separators, currency symbol and month names from
    the spec's ``config.locale`` (built from CLDR by :func:`kpi_core.i18n.vega_locale`).

    >>> spec = localize(alt.Chart().mark_bar(), locale="da").to_dict()
    >>> spec["config"]["locale"]["number"]["decimal"]
    ','
    """
    out = chart.copy(deep=False)
    config = out.config if out.config is not alt.Undefined else alt.Config()
    config = config.copy(deep=False)
    config.locale = vega_locale(locale, currency)
    out.config = config
    return out
