"""Leading vs lagging: which activities move the results, and how far ahead."""

from __future__ import annotations

import polars as pl
import streamlit as st

from kpi_core.catalogue import KPIS
from kpi_core.charts import (
    capacity_chart,
    correlation_chart,
    forecast_chart,
    indexed_chart,
    value_format,
    values_chart,
)
from kpi_core.compute import measures_in
from kpi_core.i18n import format_change, format_value, in_sentence, period_name
from kpi_core.issues import InputError
from kpi_core.lead_lag import (
    cross_correlation,
    early_warnings,
    forecast,
    indexed,
    sales_alignment,
    year_on_year,
)
from kpi_core.scorecard import Change
from ui import frame, loaders, session, widgets

#: Results that a leading KPI may share a field with; such a pair moves together by
#: construction (lead-to-customer and new customers), which is no lead at all.
_RESULT_FIELDS = {"customers", "orders", "revenue"}

frame.ensure()
st.title("Leading vs lagging")
st.markdown(
    "Lagging KPIs (revenue, new customers) say what happened; leading KPIs (visits, leads, "
    "conversion rates) say early what will happen. Read them side by side."
)

file, v = widgets.active_totals()

kind, _ = widgets.current_period()
if kind == "year":
    st.caption("Years are too few to find a lead; this page uses months.")
    kind = "month"
kf = loaders.kpis(file, loaders.mapping_for(file, v), period=kind)
if isinstance(kf, loaders.Failure):
    st.warning(f"{file.name}: {kf.message}")
    st.stop()

present = [k for k in KPIS if k in kf.columns and kf[k].drop_nulls().len()]
roles = {k: session.kpi_role(k, KPIS[k].role) for k in present}
lagging_ids = [k for k in present if roles[k] == "lagging"]
leading_ids = [k for k in present if roles[k] == "leading"]
if not lagging_ids or not leading_ids:
    st.info(
        f"{file.name} needs at least one result (such as revenue or new customers) and one "
        "activity (such as visits or leads) to compare. Map more columns on the Data page, "
        "or change which KPIs count as leading below."
    )
names = {k: KPIS[k].name for k in present}

with st.expander("Which KPIs are leading and which are lagging?"):
    st.caption(
        "The catalogue's tags are a starting point; your business may differ (for a "
        "subscription shop, new customers may lead revenue)."
    )
    edited = st.data_editor(
        pl.DataFrame({"KPI": [names[k] for k in present], "Type": [roles[k] for k in present]}),
        key=f"kk_roles_editor_{file.key}",
        hide_index=True,
        disabled=["KPI"],
        column_config={
            "Type": st.column_config.SelectboxColumn(
                "Type", options=["leading", "lagging"], required=True
            )
        },
    )
    by_name = {names[k]: k for k in present}
    changed = {
        by_name[n]: t
        for n, t in zip(edited["KPI"], edited["Type"], strict=True)
        if t != KPIS[by_name[n]].role
    }
    if changed != {k: r for k, r in session.role_overrides().items() if k in present}:
        session.role_overrides().clear()
        session.role_overrides().update(changed)
        st.rerun()

if not lagging_ids or not leading_ids:
    st.stop()

left, right = st.columns([1, 2])
with left:
    preferred = [k for k in ("revenue", "customers") if k in lagging_ids]
    default_lagging = (preferred or lagging_ids)[0]
    if st.session_state.get("kk_lagging") not in lagging_ids:
        st.session_state["kk_lagging"] = default_lagging
    lagging = st.selectbox(
        "Result (lagging)", lagging_ids, format_func=names.__getitem__, key="kk_lagging"
    )
with right:
    candidates = [k for k in leading_ids if not set(KPIS[k].fields) & _RESULT_FIELDS]
    defaults = [k for k in ("sessions", "leads", "mqls", "traffic_to_lead") if k in candidates]
    key = f"kk_leading_{lagging}"
    if key not in st.session_state or not set(st.session_state[key]) <= set(leading_ids):
        st.session_state[key] = defaults or candidates[:4]
    leading = st.multiselect(
        "Activities (leading)",
        leading_ids,
        format_func=names.__getitem__,
        key=key,
        help="KPIs computed from the result itself (lead-to-customer against new customers) "
        "are left out by default: they move together by construction.",
    )
if not leading:
    st.info("Choose at least one leading KPI.")
    st.stop()

unit = "month" if kind == "month" else "quarter"
try:
    found = cross_correlation(kf, lagging=lagging, leading=leading)
except InputError as err:
    st.warning(f"{file.name}: {err}")
    st.stop()

# The finding first: the most reliable lead, in words.
reliable = [f for f in found.findings if f.reliable]
best = max(reliable, key=lambda f: abs(f.r or 0), default=None)
if best is not None:
    st.success(best.sentence, icon=":material/trending_up:")
else:
    st.info(
        found.findings[0].sentence
        if found.findings
        else f"No lead found for {in_sentence(names[lagging])}.",
        icon=":material/help:",
    )
headline = best or (found.findings[0] if found.findings else None)
for f in found.findings:
    if f is not headline:
        st.markdown(f"- {f.sentence}")

st.subheader("On one time axis")
show_values = st.toggle("Show actual values on separate axes", key="kk_leadlag_values")
series = indexed(kf, kpis=[lagging, *leading])
if show_values:
    st.altair_chart(values_chart(series, names=names))
else:
    st.altair_chart(indexed_chart(series, names=names, lagging=lagging))
    st.caption(
        f"Each line starts at 100 in the first {unit}; the thick line is "
        f"{in_sentence(names[lagging])}."
    )

st.subheader("How far ahead")
if found.table["r"].drop_nulls().len():
    st.altair_chart(correlation_chart(found.table, names=names))
else:
    st.caption(f"Too few {unit}s for any correlation yet.")
st.caption(
    f"Correlation between the {unit}-to-{unit} changes of each activity and of "
    f"{in_sentence(names[lagging])} that many {unit}s later; the line is the likely range. "
    "Changes are used, not levels, so two KPIs that merely both grow do not look related."
)

st.subheader("Early warning")
warnings = early_warnings(kf, leading=leading, lagging=lagging, findings=found.findings)
if warnings:
    for w in warnings:
        st.warning(w.sentence, icon=":material/notification_important:")
else:
    st.success(
        "None of the chosen activities moved against you in the latest periods.",
        icon=":material/check_circle:",
    )

if best is not None and best.best_lag and best.best_lag > 0:
    st.subheader(f"Where {in_sentence(names[lagging])} is heading")
    try:
        fc = forecast(kf, lagging=lagging, leading=best.kpi, lag=best.best_lag)
    except InputError as err:
        st.caption(str(err))
    else:
        ahead = fc.filter(pl.col("kind") == "forecast")
        k = KPIS[lagging]
        first = ahead.row(0, named=True)
        st.markdown(
            f"From {in_sentence(names[best.kpi])} {best.best_lag} {unit}"
            f"{'' if best.best_lag == 1 else 's'} earlier: "
            f"**{format_value(first['value'], k.unit)}** expected in "
            f"{period_name(first['period'])} (80 % likely between "
            f"{format_value(first['low'], k.unit)} and {format_value(first['high'], k.unit)})."
        )
        st.altair_chart(forecast_chart(fc, name=names[lagging], fmt=value_format(k)))

st.subheader("This year vs last year")
try:
    yoy = year_on_year(kf, lagging=lagging, leading=leading)
except InputError as err:
    st.caption(str(err))
else:
    st.markdown(yoy.sentence)
    rows = yoy.table.to_dicts()
    st.dataframe(
        pl.DataFrame(
            {
                "KPI": [names.get(r["kpi"], r["kpi"]) for r in rows],
                "Type": [r["role"] for r in rows],
                "Year before": [format_value(r["before"], KPIS[r["kpi"]].unit) for r in rows],
                "Latest year": [format_value(r["now"], KPIS[r["kpi"]].unit) for r in rows],
                "Change": [
                    format_change(Change(r["change"], r["change_kind"], "unknown")) for r in rows
                ],
            }
        ),
        hide_index=True,
    )

st.subheader("Marketing and sales alignment")
measures = [m for m in ("leads", "sqls") if m in measures_in(kf)]
if not measures:
    st.caption("Map leads or SQLs to compare marketing's flow with what sales can handle.")
else:
    c1, c2 = st.columns(2)
    measure = c1.selectbox(
        "Compare", measures, format_func=lambda m: KPIS[m].name, key="kk_align_measure"
    )
    typical = kf.filter(pl.col("complete"))[measure].drop_nulls().tail(12).mean() or 0.0
    capacity = widgets.capacity_input(
        f"{KPIS[measure].name} sales can handle per month",
        measure,
        default=float(round(typical)) if typical else 100.0,
        key=f"kk_capacity_{measure}",
        container=c2,
    )
    aligned = sales_alignment(kf, capacity=capacity, measure=measure)
    st.markdown(aligned.sentence)
    st.altair_chart(capacity_chart(aligned.table, measure=KPIS[measure].name))
