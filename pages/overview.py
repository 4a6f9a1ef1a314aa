"""Overview: the scorecard by journey stage for the chosen period."""

from __future__ import annotations

import polars as pl
import streamlit as st

from kpi_core.catalogue import (
    SELECTION_SOFT_LIMIT,
    by_stage,
    kpis_for_fields,
    recommended,
    stage_name,
)
from kpi_core.charts import trend_chart, trend_frame
from kpi_core.compute import measures_in
from kpi_core.scorecard import ScoreRow, scorecard, summary
from ui import frame, lang, loaders, session, widgets
from ui.lang import t

_DELTA_COLOUR = {"higher": "normal", "lower": "inverse", "neutral": "off"}
_VERDICT_COLOUR = {"better": "green", "worse": "red"}

frame.ensure()
st.title(t("page.overview"))
locale = lang.current()

file, v = widgets.active_totals()

mapping = loaders.mapping_for(file, v)
available = kpis_for_fields(mapping.values())
if not available:
    st.info(t("overview.no_kpis", name=file.name))
    st.page_link("pages/data.py", label=t("overview.map_columns"), icon=":material/tune:")
    st.stop()

kind, at = widgets.current_period()
kf = loaders.kpis(file, mapping, period=kind)
if isinstance(kf, loaders.Failure):
    st.warning(t("widgets.file_problem", name=file.name, message=kf.text(locale)))
    st.page_link("pages/data.py", label=t("widgets.check_mapping"), icon=":material/tune:")
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
        when = lang.period(shown_period)
        if complete:
            st.caption(t("overview.caption", name=file.name, period=when))
        else:
            st.caption(t("overview.caption_partial", name=file.name, period=when))
    for line in summary(rows, period=shown_period or "", locale=locale, currency=lang.currency()):
        st.markdown(line)
with picker, st.popover(t("overview.choose"), icon=":material/checklist:", width="stretch"):
    st.multiselect(
        t("overview.follow"),
        [k.id for k in available],
        format_func=lambda i: next(k.label(locale) for k in available if k.id == i),
        key=selection_key,
        help=t("overview.follow_help"),
    )
    if st.button(t("overview.recommended"), key=f"kk_reset_kpis_{file.key}"):
        del st.session_state[selection_key]
        st.rerun()

if len(chosen) > SELECTION_SOFT_LIMIT:
    st.warning(
        t("overview.too_many", count=len(chosen), limit=SELECTION_SOFT_LIMIT),
        icon=":material/priority_high:",
    )
if not rows:
    st.info(t("overview.choose_one"))
    st.stop()

prev_label = rows[0].trend_periods[-2] if len(rows[0].trend_periods) > 1 else None


def _role(kpi_id: str, default: str) -> str:
    """``leading`` or ``lagging``: the user's tag, else the catalogue's."""
    return "leading" if session.kpi_role(kpi_id, default) == "leading" else "lagging"


def _metric(row: ScoreRow) -> None:
    k = row.kpi
    role = t(f"role.{_role(k.id, k.role)}_kpi")
    flat = row.vs_previous.verdict == "same"
    st.metric(
        k.label(locale),
        lang.value(row.value, k.unit, compact=True),
        delta=lang.change(row.vs_previous) if row.vs_previous.value is not None else None,
        delta_color="off" if flat else _DELTA_COLOUR[k.direction],
        delta_arrow="off" if flat else "auto",
        delta_description=(
            t("overview.vs_period", period=lang.period(prev_label, style="short"))
            if prev_label
            else None
        ),
        chart_data=[x for x in row.trend if x is not None] or None,
        help=t("overview.help", description=k.about(locale), role=role, formula=k.formula),
        border=True,
    )
    if row.vs_last_year.value is not None:
        colour = _VERDICT_COLOUR.get(row.vs_last_year.verdict)
        text = t("overview.vs_last_year", change=lang.change(row.vs_last_year))
        st.caption(f":{colour}[{text}]" if colour else text)
    elif has_last_year:
        st.caption(t("overview.no_last_year_figure"))


has_last_year = any(r.vs_last_year.value is not None for r in rows)
if not has_last_year:
    st.caption(t("overview.no_last_year"))


for stage, kpis in by_stage(r.kpi for r in rows).items():
    st.subheader(stage_name(stage, locale=locale))
    stage_rows = [r for r in rows if r.kpi in kpis]
    for start in range(0, len(stage_rows), 4):
        cols = st.columns(4)
        for col, row in zip(cols, stage_rows[start : start + 4], strict=False):
            with col:
                _metric(row)

st.divider()
st.subheader(t("overview.over_time"))
by_id = {r.kpi.id: r for r in rows}
chart_kpi = st.selectbox(
    t("overview.chart_kpi"),
    list(by_id),
    format_func=lambda i: by_id[i].kpi.label(locale),
    key=f"kk_trend_{file.key}",
)
k = by_id[chart_kpi].kpi
lang.chart(
    trend_chart(
        trend_frame(kf, k.id, selected=shown_period or "", locale=locale), kpi=k, locale=locale
    )
)
st.caption(t("overview.chart_caption"))

with st.expander(t("overview.numbers")):
    table = pl.DataFrame(
        {
            t("overview.col.kpi"): [r.kpi.label(locale) for r in rows],
            t("overview.col.stage"): [stage_name(r.kpi.stage, locale=locale) for r in rows],
            t("overview.col.type"): [t(f"role.{_role(r.kpi.id, r.kpi.role)}") for r in rows],
            t("overview.col.this_period"): [lang.value(r.value, r.kpi.unit) for r in rows],
            t("overview.col.period_before"): [lang.value(r.previous, r.kpi.unit) for r in rows],
            t("overview.col.change"): [lang.change(r.vs_previous) for r in rows],
            t("overview.col.last_year"): [lang.value(r.last_year, r.kpi.unit) for r in rows],
            t("overview.col.change_last_year"): [lang.change(r.vs_last_year) for r in rows],
            t("overview.col.formula"): [r.kpi.formula for r in rows],
        }
    )
    st.dataframe(table, hide_index=True)
