"""Funnel: where in the journey we lose people, how fast leads buy, and is it getting better."""

from __future__ import annotations

import polars as pl
import streamlit as st

from kpi_core.catalogue import Kpi, stage_name
from kpi_core.charts import (
    channel_steps_chart,
    cohort_chart,
    funnel_chart,
    step_rate_chart,
    time_to_convert_chart,
)
from kpi_core.fields import FIELDS_BY_ID, FUNNEL_ORDER
from kpi_core.funnel import leak_sentence, localized_steps, step_name
from kpi_core.leads import LeadColumns, localized_histogram, looks_like_leads
from kpi_core.scorecard import default_period, scorecard
from ui import frame, lang, loaders, session, widgets

#: The lead-level roles a column can have, in the order of the column pickers.
_ROLES = ("created", "id", "channel", "mql", "sql", "won", "lost", "value")

frame.ensure()
loc = lang.current()
st.title(lang.t("page.funnel"))
st.markdown(lang.t("funnel.view.intro"))

files = session.files()
views = {k: loaders.view(f) for k, f in files.items()}
readable = {k: v for k, v in views.items() if isinstance(v, loaders.TableView)}
lead_files = [k for k, v in readable.items() if looks_like_leads(v.table.kinds)]


def _stages(key: str) -> list[str]:
    mapping = loaders.mapping_for(files[key], readable[key])
    return [f for f in FUNNEL_ORDER if f in mapping.values()]


def _pp(x: float) -> str:
    """A move in percentage points with its sign: ``+1.2 pp``."""
    sign = "+" if x > 0.05 else "-" if x < -0.05 else "±"
    return sign + lang.t("common.pp", value=lang.number(abs(x), digits=1))


def _formula(k: Kpi) -> str:
    """``Σ Leads / Σ Besøg``: a rate's formula with the field names of the language."""
    names = [FIELDS_BY_ID[f].name(loc) if f in FIELDS_BY_ID else f for f in k.fields]
    return " / ".join(f"Σ {n}" for n in names)


def _pct(x: float | None) -> str:
    return lang.value(x, "percent") if x is not None else "–"


def _days(x: float | None) -> str:
    return lang.number(x) if x is not None else "–"


summed_files = [k for k in readable if k not in lead_files and len(_stages(k)) >= 2]
if not summed_files and not lead_files:
    st.info(lang.t("funnel.view.no_data"))
    st.page_link(
        "pages/data.py", label=lang.t("funnel.view.go_to_data"), icon=":material/upload_file:"
    )
    st.stop()


def _pick(label: str, keys: list[str], *, key: str) -> str:
    active = session.active_file()
    if st.session_state.get(key) not in keys:
        st.session_state[key] = active.key if active and active.key in keys else keys[0]
    if len(keys) == 1:
        st.caption(lang.t("funnel.view.picked", label=label, file=files[keys[0]].name))
        return keys[0]
    return st.selectbox(label, keys, format_func=lambda k: files[k].name, key=key)


# --- From summed data: the journey stage by stage -------------------------------------
if summed_files:
    st.header(lang.t("funnel.view.stage_by_stage"))
    source = files[_pick(lang.t("funnel.view.marketing_data"), summed_files, key="kk_funnel_file")]
    mapping = loaders.mapping_for(source, readable[source.key])
    kind, at = widgets.current_period()
    kf = loaders.kpis(source, mapping, period=kind)
    if isinstance(kf, loaders.Failure):
        st.warning(
            lang.t("widgets.file_problem", name=source.name, message=kf.text(lang.current()))
        )
        st.stop()
    periods = kf["period"].to_list()
    at = at if at in periods else default_period(kf)
    row = kf.filter(pl.col("period") == at)
    window = (row["period_start"].item(), row["period_end"].item())
    fv = loaders.funnel_view(
        source, mapping, period=kind, at=at, window=window, locale=lang.current()
    )
    if isinstance(fv, loaders.Failure):
        st.warning(
            lang.t("widgets.file_problem", name=source.name, message=fv.text(lang.current()))
        )
        st.stop()

    when = lang.period(at)
    if fv.leak is not None:
        leak = fv.leak
        sentence = leak_sentence(
            step_name(leak.step, locale=loc),
            leak.period,
            leak.rate,
            leak.usual,
            benchmark=leak.benchmark,
            locale=loc,
        )
        st.error(sentence, icon=":material/water_drop:")
    else:
        st.success(lang.t("funnel.view.no_leak", period=when), icon=":material/check_circle:")

    key_rates = scorecard(kf, kpis=["traffic_to_lead", "lead_to_customer"], at=at)
    if key_rates:
        cols = st.columns(len(key_rates))
        for col, r in zip(cols, key_rates, strict=False):
            with col:
                st.metric(
                    r.kpi.label(loc),
                    lang.value(r.value, r.kpi.unit),
                    delta=lang.change(r.vs_previous) if r.vs_previous.value is not None else None,
                    delta_description=lang.t("funnel.view.vs_before"),
                    help=lang.t(
                        "funnel.view.key_rate_help",
                        description=r.kpi.about(loc),
                        formula=_formula(r.kpi),
                    ),
                    border=True,
                )

    steps = localized_steps(fv.funnel.steps, locale=loc)
    st.subheader(lang.t("funnel.view.funnel_in", period=when))
    lang.chart(funnel_chart(steps, locale=loc))
    widgets.show_issues(fv.funnel.issues)
    with st.expander(lang.t("funnel.view.numbers_behind")):
        st.dataframe(
            pl.DataFrame(
                {
                    lang.t("funnel.view.col.journey_stage"): [
                        stage_name(s, locale=loc) for s in steps["journey_stage"]
                    ],
                    lang.t("funnel.view.col.stage"): steps["label"].to_list(),
                    lang.t("funnel.view.col.count"): [lang.number(x) for x in steps["count"]],
                    lang.t("funnel.view.col.pct_previous"): [
                        _pct(x) for x in steps["pct_of_previous"]
                    ],
                    lang.t("funnel.view.col.pct_first"): [_pct(x) for x in steps["pct_of_first"]],
                    lang.t("funnel.view.col.drop"): [lang.number(x) for x in steps["drop"]],
                    lang.t("funnel.view.col.note"): steps["note"].to_list(),
                },
                schema_overrides={lang.t("funnel.view.col.note"): pl.String},
            ),
            hide_index=True,
        )

    if fv.by_channel is not None:
        st.subheader(lang.t("funnel.view.by_channel"))
        rates = fv.by_channel.key_rates
        if "lead_to_customer" in rates.columns and rates["lead_to_customer"].drop_nulls().len():
            ranked = rates.drop_nulls("lead_to_customer").sort("lead_to_customer", descending=True)
            best, worst = ranked.row(0, named=True), ranked.row(-1, named=True)
            st.markdown(
                lang.t(
                    "funnel.view.best_and_worst_channel",
                    best=str(best["channel"]),
                    best_rate=lang.value(best["lead_to_customer"], "percent"),
                    worst=str(worst["channel"]),
                    worst_rate=lang.value(worst["lead_to_customer"], "percent"),
                )
            )
        lang.chart(
            channel_steps_chart(localized_steps(fv.by_channel.steps, locale=loc), locale=loc)
        )
        st.caption(lang.t("funnel.view.channel_cells"))

    st.subheader(lang.t("funnel.view.over_time"))
    trend = localized_steps(fv.trend, locale=loc)
    step_ids = trend.unique("step", maintain_order=True)
    labels = dict(zip(step_ids["step"], step_ids["step_label"], strict=True))
    default = fv.leak.step if fv.leak is not None else next(iter(labels))
    if st.session_state.get("kk_funnel_step") not in labels:
        st.session_state["kk_funnel_step"] = default
    chosen = st.selectbox(
        lang.t("funnel.view.step"),
        list(labels),
        format_func=labels.__getitem__,
        key="kk_funnel_step",
    )
    lang.chart(step_rate_chart(trend, step=chosen, locale=loc))
    latest = trend.filter((pl.col("step") == chosen) & (pl.col("period") == at))
    if latest.height:
        r = latest.row(0, named=True)
        prev, year = r["vs_previous_pp"], r["vs_last_year_pp"]
        shape = (
            "both"
            if prev is not None and year is not None
            else "previous"
            if prev is not None
            else "last_year"
            if year is not None
            else "plain"
        )
        st.markdown(
            lang.t(
                f"funnel.view.step_now.{shape}",
                step=labels[chosen],
                period=when,
                rate=_pct(r["rate"]),
                previous=_pp(prev) if prev is not None else "",
                last_year=_pp(year) if year is not None else "",
            )
        )
    with st.expander(lang.t("funnel.view.against_history")):
        leaks = fv.leaks
        st.dataframe(
            pl.DataFrame(
                {
                    lang.t("funnel.view.col.step"): [
                        step_name(s, locale=loc) for s in leaks["step"]
                    ],
                    when: [_pct(x) for x in leaks["rate"]],
                    lang.t("funnel.view.col.usual"): [_pct(x) for x in leaks["usual"]],
                    lang.t("funnel.view.col.gap"): [
                        _pp(x) if x is not None else "–" for x in leaks["gap_pp"]
                    ],
                }
            ),
            hide_index=True,
        )

# --- From a CRM export: lead by lead ----------------------------------------------------
st.header(lang.t("funnel.view.lead_by_lead"))
if not lead_files:
    st.info(lang.t("funnel.view.no_crm"))
    st.stop()

crm = files[_pick(lang.t("funnel.view.crm_export"), lead_files, key="kk_funnel_crm")]
crm_view = readable[crm.key]
columns = list(crm_view.table.kinds)

others = [k for k in readable if k != crm.key]
deals_key = None
on: tuple[str, str] | None = None
with st.expander(lang.t("funnel.view.columns_and_deals")):
    in_use = loaders.lead_view(crm, locale=lang.current())
    current = (
        in_use.columns
        if not isinstance(in_use, loaders.Failure)
        else LeadColumns(created=columns[0])
    )
    chosen_roles: dict[str, str] = {}
    grid = st.columns(4)
    for i, role in enumerate(_ROLES):
        with grid[i % 4]:
            options = ["", *columns] if role != "created" else columns
            value = getattr(current, role) or ""
            picked = st.selectbox(
                lang.t(f"funnel.view.role.{role}"),
                options,
                index=options.index(value) if value in options else 0,
                key=f"kk_lead_{crm.key}_{role}",
            )
            if picked:
                chosen_roles[role] = picked
    if chosen_roles != {k: v for k, v in current.__dict__.items() if v}:
        crm.lead_columns = chosen_roles
    if others:
        deals_key = st.selectbox(
            lang.t("funnel.view.deals_file"),
            ["", *others],
            format_func=lambda k: files[k].name if k else "—",
            key=f"kk_deals_{crm.key}",
        )
        if deals_key:
            deal_columns = list(readable[deals_key].table.kinds)
            c1, c2 = st.columns(2)
            left = c1.selectbox(
                lang.t("funnel.view.id_in_leads"), columns, key=f"kk_join_l_{crm.key}"
            )
            right = c2.selectbox(
                lang.t("funnel.view.id_in_deals"), deal_columns, key=f"kk_join_r_{crm.key}"
            )
            on = (left, right)

lv = loaders.lead_view(
    crm, deals=files[deals_key] if deals_key else None, on=on, locale=lang.current()
)
if isinstance(lv, loaders.Failure):
    st.error(
        lang.t("widgets.file_problem", name=crm.name, message=lv.text(lang.current())),
        icon=":material/error:",
    )
    st.stop()
s = lv.summary
median = s.median_days_to_customer
finding = {
    "leads": s.funnel["count"][0],
    "rate": _pct(s.lead_to_customer),
    "settled": _pct(s.settled_lead_to_customer),
    "median": _days(median),
    "p75": _days(s.p75_days_to_customer),
}
shape = ("settled_" if s.settled_lead_to_customer is not None else "") + (
    "median" if median is not None else "plain"
)
st.markdown(
    lang.t(f"funnel.view.lead_finding.{shape}", **finding)
    + " "
    + lang.t("funnel.view.data_up_to", day=lang.day(s.as_of))
)
if lv.matched is not None:
    st.caption(lang.t("funnel.view.deals_matched", count=lv.matched, file=crm.name))
widgets.show_issues(lv.issues + s.issues, source=crm.name)

left, right = st.columns(2)
with left:
    st.subheader(lang.t("funnel.view.lead_funnel"))
    lang.chart(funnel_chart(localized_steps(s.funnel, locale=loc), locale=loc))
with right:
    st.subheader(lang.t("funnel.view.time_to_convert"))
    lang.chart(time_to_convert_chart(localized_histogram(s.histogram, locale=loc), locale=loc))

with st.expander(lang.t("funnel.view.days_to_each_stage")):
    times = localized_steps(s.time_to_convert, locale=loc)
    st.dataframe(
        pl.DataFrame(
            {
                lang.t("funnel.view.col.from_lead_to"): times["step_label"].to_list(),
                lang.t("funnel.view.col.got_there"): [lang.number(x) for x in times["n"]],
                lang.t("funnel.view.col.median_days"): [_days(x) for x in times["median_days"]],
                lang.t("funnel.view.col.p75_days"): [_days(x) for x in times["p75_days"]],
            }
        ),
        hide_index=True,
    )
    by_cohort = s.time_by_cohort.filter(pl.col("stage") == "customers").reverse()
    if by_cohort.height:
        st.caption(lang.t("funnel.view.cohort_days_caption"))
        st.dataframe(
            pl.DataFrame(
                {
                    lang.t("funnel.view.col.leads_from"): [
                        lang.period(c) for c in by_cohort["cohort"]
                    ],
                    lang.t("funnel.view.col.customers_so_far"): [
                        lang.number(x) for x in by_cohort["n"]
                    ],
                    lang.t("funnel.view.col.median_days"): [
                        _days(x) for x in by_cohort["median_days"]
                    ],
                    lang.t("funnel.view.col.p75_days"): [_days(x) for x in by_cohort["p75_days"]],
                    lang.t("funnel.view.col.still_open"): by_cohort["is_open"].to_list(),
                }
            ),
            hide_index=True,
        )

st.subheader(lang.t("funnel.view.by_cohort"))
open_cohorts = s.cohorts.filter(pl.col("is_open"))
if open_cohorts.height:
    names = lang.words([lang.period(c) for c in open_cohorts["cohort"]])
    names = names[:1].upper() + names[1:]  # it begins the sentence ("oktober 2026" in Danish)
    st.markdown(
        lang.t(
            "funnel.view.open_cohorts",
            count=open_cohorts.height,
            names=names,
            days=s.maturity_days,
        )
    )
lang.chart(cohort_chart(s.cohorts, locale=loc))

st.subheader(lang.t("funnel.view.by_channel"))
by_channel = s.funnel_by_channel
if by_channel is not None and by_channel.height:
    wide = (
        by_channel.filter(pl.col("stage") == "customers")
        .sort("pct_of_first", descending=True, nulls_last=True)
        .select("channel", "count", "pct_of_first", "median_days", "p75_days")
    )
    st.dataframe(
        pl.DataFrame(
            {
                lang.t("field.channel"): wide["channel"].to_list(),
                lang.t("funnel.view.col.customers"): [lang.number(x) for x in wide["count"]],
                step_name("lead_to_customer", locale=loc): [_pct(x) for x in wide["pct_of_first"]],
                lang.t("funnel.view.col.median_days"): [_days(x) for x in wide["median_days"]],
                lang.t("funnel.view.col.p75_days"): [_days(x) for x in wide["p75_days"]],
            }
        ),
        hide_index=True,
    )
else:
    st.caption(lang.t("funnel.view.no_channel"))
