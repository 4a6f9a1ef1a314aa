"""Overview: the scorecard by journey stage for the chosen period."""

from __future__ import annotations

import polars as pl
import streamlit as st

from kpi_core.catalogue import SELECTION_SOFT_LIMIT, by_stage, kpis_for_fields, recommended
from kpi_core.charts import trend_chart, trend_frame
from kpi_core.compute import measures_in
from kpi_core.i18n import format_change, format_value, period_name
from kpi_core.scorecard import ScoreRow, scorecard, summary
from ui import frame, loaders, session, widgets

_DELTA_COLOUR = {"higher": "normal", "lower": "inverse", "neutral": "off"}
_VERDICT_COLOUR = {"better": "green", "worse": "red"}

frame.ensure()
st.title("Overview")

file, v = widgets.active_totals()

mapping = loaders.mapping_for(file, v)
available = kpis_for_fields(mapping.values())
if not available:
    st.info(
        f"No KPIs can be computed from {file.name} yet: no column is mapped to a number such "
        "as sessions, leads or revenue. Map its columns on the Data page."
    )
    st.page_link("pages/data.py", label="Map columns", icon=":material/tune:")
    st.stop()

kind, at = widgets.current_period()
kf = loaders.kpis(file, mapping, period=kind)
if isinstance(kf, loaders.Failure):
    st.warning(f"{file.name}: {kf.message}")
    st.page_link("pages/data.py", label="Check the column mapping", icon=":material/tune:")
    st.stop()

# The KPI selection belongs to the file: another file has other columns.
selection_key = f"kk_kpis_{file.key}"
if selection_key not in st.session_state:
    st.session_state[selection_key] = recommended(measures_in(kf))
chosen: list[str] = st.session_state[selection_key]
at = at if at in kf["period"].to_list() else None
rows = scorecard(kf, kpis=chosen, at=at)
shown_period = at or (rows[0].trend_periods[-1] if rows else None)

head, picker = st.columns([4, 1], vertical_alignment="bottom")
with head:
    if shown_period:
        complete = kf.filter(pl.col("period") == shown_period)["complete"].item()
        partial = "" if complete else " (a partial period: the data stops before it ends)"
        st.caption(f"{file.name} · {period_name(shown_period)}{partial}")
    for line in summary(rows, period=shown_period or ""):
        st.markdown(line)
with picker, st.popover("Choose KPIs", icon=":material/checklist:", width="stretch"):
    st.multiselect(
        "KPIs to follow",
        [k.id for k in available],
        format_func=lambda i: next(k.name for k in available if k.id == i),
        key=selection_key,
        help="Few KPIs per stage beat many. We suggest 3–4 per stage, pairing leading "
        "ones (activities that predict) with lagging ones (results).",
    )
    if st.button("Use the recommended set", key=f"kk_reset_kpis_{file.key}"):
        del st.session_state[selection_key]
        st.rerun()

if len(chosen) > SELECTION_SOFT_LIMIT:
    st.warning(
        f"You follow {len(chosen)} KPIs. Past about {SELECTION_SOFT_LIMIT} a scorecard stops "
        "being read: keep 3–4 per stage and drop the ones nobody acts on.",
        icon=":material/priority_high:",
    )
if not rows:
    st.info("Choose at least one KPI to follow (button on the right).")
    st.stop()

prev_label = rows[0].trend_periods[-2] if len(rows[0].trend_periods) > 1 else None


def _metric(row: ScoreRow) -> None:
    k = row.kpi
    role = "Leading" if session.kpi_role(k.id, k.role) == "leading" else "Lagging"
    flat = row.vs_previous.verdict == "same"
    st.metric(
        k.name,
        format_value(row.value, k.unit, compact=True),
        delta=format_change(row.vs_previous) if row.vs_previous.value is not None else None,
        delta_color="off" if flat else _DELTA_COLOUR[k.direction],
        delta_arrow="off" if flat else "auto",
        delta_description=f"vs {period_name(prev_label, style='short')}" if prev_label else None,
        chart_data=[x for x in row.trend if x is not None] or None,
        help=f"{k.description} {role} KPI. Formula: {k.formula}.",
        border=True,
    )
    if row.vs_last_year.value is not None:
        colour = _VERDICT_COLOUR.get(row.vs_last_year.verdict)
        text = f"{format_change(row.vs_last_year)} vs same period last year"
        st.caption(f":{colour}[{text}]" if colour else text)
    elif has_last_year:
        st.caption("No figure for the same period last year")


has_last_year = any(r.vs_last_year.value is not None for r in rows)
if not has_last_year:
    st.caption(
        "The data does not reach back a year before this period yet, so there is no "
        "comparison with last year."
    )


for stage, kpis in by_stage(r.kpi for r in rows).items():
    st.subheader(stage)
    stage_rows = [r for r in rows if r.kpi in kpis]
    for start in range(0, len(stage_rows), 4):
        cols = st.columns(4)
        for col, row in zip(cols, stage_rows[start : start + 4], strict=False):
            with col:
                _metric(row)

st.divider()
st.subheader("Over time")
by_id = {r.kpi.id: r for r in rows}
chart_kpi = st.selectbox(
    "KPI",
    list(by_id),
    format_func=lambda i: by_id[i].kpi.name,
    key=f"kk_trend_{file.key}",
)
k = by_id[chart_kpi].kpi
st.altair_chart(trend_chart(trend_frame(kf, k.id, selected=shown_period or ""), kpi=k))
st.caption(
    "Bars (or the line for rates) are this period's values; the dashed line is the same "
    "period a year earlier. Faded bars are partial periods."
)

with st.expander("The numbers behind the scorecard"):
    table = pl.DataFrame(
        {
            "KPI": [r.kpi.name for r in rows],
            "Stage": [r.kpi.stage for r in rows],
            "Type": [session.kpi_role(r.kpi.id, r.kpi.role) for r in rows],
            "This period": [format_value(r.value, r.kpi.unit) for r in rows],
            "Period before": [format_value(r.previous, r.kpi.unit) for r in rows],
            "Change": [format_change(r.vs_previous) for r in rows],
            "Last year": [format_value(r.last_year, r.kpi.unit) for r in rows],
            "Change vs last year": [format_change(r.vs_last_year) for r in rows],
            "Formula": [r.kpi.formula for r in rows],
        }
    )
    st.dataframe(table, hide_index=True)
