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
from kpi_core.i18n import LANGUAGES, in_sentence
from kpi_core.i18n import t as t_in
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
from ui import frame, lang, loaders, session, widgets

#: Results that a leading KPI may share a field with; such a pair moves together by
#: construction (lead-to-customer and new customers), which is no lead at all.
_RESULT_FIELDS = {"customers", "orders", "revenue"}
_ROLES = ("leading", "lagging")

frame.ensure()
loc = lang.current()
st.title(lang.t("page.lead_lag"))
st.markdown(lang.t("lead_lag.page.intro"))

file, v = widgets.active_totals()

kind, _ = widgets.current_period()
if kind == "year":
    st.caption(lang.t("lead_lag.page.years_too_few"))
    kind = "month"
kf = loaders.kpis(file, loaders.mapping_for(file, v), period=kind)
if isinstance(kf, loaders.Failure):
    st.warning(lang.t("lead_lag.page.file_says", file=file.name, message=kf.text(loc)))
    st.stop()

present = [k for k in KPIS if k in kf.columns and kf[k].drop_nulls().len()]
roles = {k: session.kpi_role(k, KPIS[k].role) for k in present}
lagging_ids = [k for k in present if roles[k] == "lagging"]
leading_ids = [k for k in present if roles[k] == "leading"]
if not lagging_ids or not leading_ids:
    st.info(lang.t("lead_lag.page.needs_both", file=file.name))
names = {k: KPIS[k].label(loc) for k in present}

with st.expander(lang.t("lead_lag.page.roles_title")):
    st.caption(lang.t("lead_lag.page.roles_help"))
    role_word = {r: lang.t(f"role.{r}") for r in _ROLES}
    # Edits are kept by the editor in the words shown; read back words of any language.
    role_of = {t_in(f"role.{r}", locale=x): r for r in _ROLES for x in LANGUAGES} | {
        r: r for r in _ROLES
    }
    edited = st.data_editor(
        pl.DataFrame(
            {"kpi": [names[k] for k in present], "type": [role_word[roles[k]] for k in present]}
        ),
        key=f"kk_roles_editor_{file.key}",
        hide_index=True,
        disabled=["kpi"],
        column_config={
            "kpi": st.column_config.TextColumn(lang.t("lead_lag.page.col_kpi")),
            "type": st.column_config.SelectboxColumn(
                lang.t("lead_lag.page.col_type"), options=list(role_word.values()), required=True
            ),
        },
    )
    by_name = {names[k]: k for k in present}
    changed = {
        by_name[n]: role_of.get(w, KPIS[by_name[n]].role)
        for n, w in zip(edited["kpi"], edited["type"], strict=True)
        if n in by_name and role_of.get(w, KPIS[by_name[n]].role) != KPIS[by_name[n]].role
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
        lang.t("lead_lag.page.result"), lagging_ids, format_func=names.__getitem__, key="kk_lagging"
    )
with right:
    candidates = [k for k in leading_ids if not set(KPIS[k].fields) & _RESULT_FIELDS]
    defaults = [k for k in ("sessions", "leads", "mqls", "traffic_to_lead") if k in candidates]
    key = f"kk_leading_{lagging}"
    if key not in st.session_state or not set(st.session_state[key]) <= set(leading_ids):
        st.session_state[key] = defaults or candidates[:4]
    leading = st.multiselect(
        lang.t("lead_lag.page.activities"),
        leading_ids,
        format_func=names.__getitem__,
        key=key,
        help=lang.t("lead_lag.page.activities_help"),
    )
if not leading:
    st.info(lang.t("lead_lag.page.choose_one"))
    st.stop()

result = in_sentence(names[lagging])
periods_word = lang.t(f"lead_lag.periods.{'month' if kind == 'month' else 'quarter'}")
try:
    found = cross_correlation(kf, lagging=lagging, leading=leading, locale=loc)
except InputError as err:
    st.warning(lang.t("lead_lag.page.file_says", file=file.name, message=err.text(loc)))
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
        else lang.t("lead_lag.page.no_lead", result=result),
        icon=":material/help:",
    )
headline = best or (found.findings[0] if found.findings else None)
for f in found.findings:
    if f is not headline:
        st.markdown(f"- {f.sentence}")

st.subheader(lang.t("lead_lag.page.one_axis"))
show_values = st.toggle(lang.t("lead_lag.page.show_values"), key="kk_leadlag_values")
series = indexed(kf, kpis=[lagging, *leading], locale=loc)
if show_values:
    lang.chart(values_chart(series, names=names, locale=loc))
else:
    lang.chart(indexed_chart(series, names=names, lagging=lagging, locale=loc))
    st.caption(
        lang.t(
            f"lead_lag.page.index_caption_{'month' if kind == 'month' else 'quarter'}",
            result=result,
        )
    )

st.subheader(lang.t("lead_lag.page.how_far"))
if found.table["r"].drop_nulls().len():
    lang.chart(correlation_chart(found.table, names=names, locale=loc))
else:
    st.caption(lang.t("lead_lag.page.too_few", periods=periods_word))
st.caption(
    lang.t(
        f"lead_lag.page.correlation_caption_{'month' if kind == 'month' else 'quarter'}",
        result=result,
    )
)

st.subheader(lang.t("lead_lag.page.early_warning"))
warnings = early_warnings(kf, leading=leading, lagging=lagging, findings=found.findings, locale=loc)
if warnings:
    for w in warnings:
        st.warning(w.sentence, icon=":material/notification_important:")
else:
    st.success(lang.t("lead_lag.page.no_warning"), icon=":material/check_circle:")

if best is not None and best.best_lag and best.best_lag > 0:
    st.subheader(lang.t("lead_lag.page.heading", result=result))
    try:
        fc = forecast(kf, lagging=lagging, leading=best.kpi, lag=best.best_lag, locale=loc)
    except InputError as err:
        st.caption(err.text(loc))
    else:
        ahead = fc.filter(pl.col("kind") == "forecast")
        k = KPIS[lagging]
        first = ahead.row(0, named=True)
        st.markdown(
            lang.t(
                "lead_lag.page.forecast",
                lead=in_sentence(names[best.kpi]),
                ahead=lang.t(
                    f"lead_lag.count.{'month' if kind == 'month' else 'quarter'}",
                    count=best.best_lag,
                ),
                value=lang.value(first["value"], k.unit),
                period=lang.period(first["period"]),
                low=lang.value(first["low"], k.unit),
                high=lang.value(first["high"], k.unit),
            )
        )
        lang.chart(forecast_chart(fc, name=names[lagging], fmt=value_format(k), locale=loc))

st.subheader(lang.t("lead_lag.page.yoy"))
try:
    yoy = year_on_year(kf, lagging=lagging, leading=leading, locale=loc)
except InputError as err:
    st.caption(err.text(loc))
else:
    st.markdown(yoy.sentence)
    rows = yoy.table.to_dicts()
    st.dataframe(
        pl.DataFrame(
            {
                lang.t("lead_lag.page.col_kpi"): [names.get(r["kpi"], r["kpi"]) for r in rows],
                lang.t("lead_lag.page.col_type"): [lang.t(f"role.{r['role']}") for r in rows],
                lang.t("lead_lag.page.col_before"): [
                    lang.value(r["before"], KPIS[r["kpi"]].unit) for r in rows
                ],
                lang.t("lead_lag.page.col_now"): [
                    lang.value(r["now"], KPIS[r["kpi"]].unit) for r in rows
                ],
                lang.t("lead_lag.page.col_change"): [
                    lang.change(Change(r["change"], r["change_kind"], "unknown")) for r in rows
                ],
            }
        ),
        hide_index=True,
    )

st.subheader(lang.t("lead_lag.page.alignment"))
measures = [m for m in ("leads", "sqls") if m in measures_in(kf)]
if not measures:
    st.caption(lang.t("lead_lag.page.no_measure"))
else:
    c1, c2 = st.columns(2)
    measure = c1.selectbox(
        lang.t("lead_lag.page.compare"),
        measures,
        format_func=lambda m: KPIS[m].label(loc),
        key="kk_align_measure",
    )
    typical = kf.filter(pl.col("complete"))[measure].drop_nulls().tail(12).mean() or 0.0
    capacity = widgets.capacity_input(
        lang.t("lead_lag.page.capacity", name=KPIS[measure].label(loc)),
        measure,
        default=float(round(typical)) if typical else 100.0,
        key=f"kk_capacity_{measure}",
        container=c2,
    )
    aligned = sales_alignment(kf, capacity=capacity, measure=measure, locale=loc)
    st.markdown(aligned.sentence)
    lang.chart(capacity_chart(aligned.table, measure=KPIS[measure].label(loc), locale=loc))
