"""Funnel: where in the journey we lose people, how fast leads buy, and is it getting better."""

from __future__ import annotations

import polars as pl
import streamlit as st

from kpi_core.charts import (
    channel_steps_chart,
    cohort_chart,
    funnel_chart,
    step_rate_chart,
    time_to_convert_chart,
)
from kpi_core.fields import FUNNEL_ORDER
from kpi_core.i18n import format_change, format_value, period_name
from kpi_core.leads import LeadColumns, looks_like_leads
from kpi_core.scorecard import default_period, scorecard
from ui import frame, loaders, session, widgets

_ROLES = {
    "created": "Created (lead date)",
    "id": "Lead id",
    "channel": "Source / channel",
    "mql": "MQL date",
    "sql": "SQL date",
    "won": "Won / customer date",
    "lost": "Lost date",
    "value": "Deal value",
}

frame.ensure()
st.title("Funnel")
st.markdown(
    "Where in the customer journey do we lose people, how fast do leads become customers, "
    "and is it getting better?"
)

files = session.files()
views = {k: loaders.view(f) for k, f in files.items()}
readable = {k: v for k, v in views.items() if isinstance(v, loaders.TableView)}
lead_files = [k for k, v in readable.items() if looks_like_leads(v.table.kinds)]


def _stages(key: str) -> list[str]:
    mapping = loaders.mapping_for(files[key], readable[key])
    return [f for f in FUNNEL_ORDER if f in mapping.values()]


summed_files = [k for k in readable if k not in lead_files and len(_stages(k)) >= 2]
if not summed_files and not lead_files:
    st.info(
        "A funnel needs at least two stages, such as sessions and leads, or a CRM export "
        "with one row per lead and its dates. Upload one on the Data page."
    )
    st.page_link("pages/data.py", label="Go to Data", icon=":material/upload_file:")
    st.stop()


def _pick(label: str, keys: list[str], *, key: str) -> str:
    active = session.active_file()
    if st.session_state.get(key) not in keys:
        st.session_state[key] = active.key if active and active.key in keys else keys[0]
    if len(keys) == 1:
        st.caption(f"{label}: **{files[keys[0]].name}**")
        return keys[0]
    return st.selectbox(label, keys, format_func=lambda k: files[k].name, key=key)


# --- From summed data: the journey stage by stage -------------------------------------
if summed_files:
    st.header("Stage by stage")
    source = files[_pick("Marketing data", summed_files, key="kk_funnel_file")]
    mapping = loaders.mapping_for(source, readable[source.key])
    kind, at = widgets.current_period()
    kf = loaders.kpis(source, mapping, period=kind)
    if isinstance(kf, loaders.Failure):
        st.warning(f"{source.name}: {kf.message}")
        st.stop()
    periods = kf["period"].to_list()
    at = at if at in periods else default_period(kf)
    row = kf.filter(pl.col("period") == at)
    window = (row["period_start"].item(), row["period_end"].item())
    fv = loaders.funnel_view(source, mapping, period=kind, at=at, window=window)
    if isinstance(fv, loaders.Failure):
        st.warning(f"{source.name}: {fv.message}")
        st.stop()

    when = period_name(at)
    if fv.leak is not None:
        st.error(fv.leak.sentence, icon=":material/water_drop:")
    else:
        st.success(
            f"No step in {when} is clearly below its own history: nothing leaks more than usual.",
            icon=":material/check_circle:",
        )

    key_rates = scorecard(kf, kpis=["traffic_to_lead", "lead_to_customer"], at=at)
    if key_rates:
        cols = st.columns(len(key_rates))
        for col, r in zip(cols, key_rates, strict=False):
            with col:
                st.metric(
                    r.kpi.name,
                    format_value(r.value, r.kpi.unit),
                    delta=format_change(r.vs_previous) if r.vs_previous.value is not None else None,
                    delta_description="vs the period before",
                    help=f"{r.kpi.description} Formula: {r.kpi.formula}. These two matter more "
                    "as a market matures: more traffic gets harder to buy, converting it does not.",
                    border=True,
                )

    st.subheader(f"The funnel in {when}")
    st.altair_chart(funnel_chart(fv.funnel.steps))
    widgets.show_issues(fv.funnel.issues)
    with st.expander("The numbers behind the funnel"):
        st.dataframe(
            fv.funnel.steps.select(
                pl.col("journey_stage").alias("Journey stage"),
                pl.col("label").alias("Stage"),
                pl.col("count").alias("Count"),
                pl.col("pct_of_previous").alias("% of previous"),
                pl.col("pct_of_first").alias("% of first"),
                pl.col("drop").alias("Lost on the way"),
                pl.col("note").alias("Note"),
            ),
            hide_index=True,
            column_config={
                "Count": st.column_config.NumberColumn(format="localized"),
                "Lost on the way": st.column_config.NumberColumn(format="localized"),
                "% of previous": st.column_config.NumberColumn(format="percent"),
                "% of first": st.column_config.NumberColumn(format="percent"),
            },
        )

    if fv.by_channel is not None:
        st.subheader("By channel")
        rates = fv.by_channel.key_rates
        if "lead_to_customer" in rates.columns and rates["lead_to_customer"].drop_nulls().len():
            ranked = rates.drop_nulls("lead_to_customer").sort("lead_to_customer", descending=True)
            best, worst = ranked.row(0, named=True), ranked.row(-1, named=True)
            st.markdown(
                f"**{best['channel']}** turns the most leads into customers "
                f"({format_value(best['lead_to_customer'], 'percent')}), "
                f"**{worst['channel']}** the fewest "
                f"({format_value(worst['lead_to_customer'], 'percent')})."
            )
        st.altair_chart(channel_steps_chart(fv.by_channel.steps))
        st.caption("Each cell is the share of the step before that reached this step.")

    st.subheader("Over time")
    steps = fv.trend.unique("step", maintain_order=True)
    labels = dict(zip(steps["step"], steps["step_label"], strict=True))
    default = fv.leak.step if fv.leak is not None else next(iter(labels))
    if st.session_state.get("kk_funnel_step") not in labels:
        st.session_state["kk_funnel_step"] = default
    chosen = st.selectbox(
        "Step", list(labels), format_func=labels.__getitem__, key="kk_funnel_step"
    )
    st.altair_chart(step_rate_chart(fv.trend, step=chosen))
    latest = fv.trend.filter((pl.col("step") == chosen) & (pl.col("period") == at))
    if latest.height:
        r = latest.row(0, named=True)
        moves = []
        if r["vs_previous_pp"] is not None:
            moves.append(f"{r['vs_previous_pp']:+.1f} pp on the period before")
        if r["vs_last_year_pp"] is not None:
            moves.append(f"{r['vs_last_year_pp']:+.1f} pp on the same period last year")
        rate = format_value(r["rate"], "percent")
        st.markdown(f"{labels[chosen]} in {when}: **{rate}**" + (", " + ", ".join(moves)) + ".")
    with st.expander("Every step against its own history"):
        st.dataframe(
            fv.leaks.select(
                pl.col("step_label").alias("Step"),
                pl.col("rate").alias(when),
                pl.col("usual").alias("Usual (median of 12 periods)"),
                pl.col("gap_pp").alias("Gap (pp)"),
            ),
            hide_index=True,
            column_config={
                when: st.column_config.NumberColumn(format="percent"),
                "Usual (median of 12 periods)": st.column_config.NumberColumn(format="percent"),
                "Gap (pp)": st.column_config.NumberColumn(format="%+.1f"),
            },
        )

# --- From a CRM export: lead by lead ----------------------------------------------------
st.header("Lead by lead")
if not lead_files:
    st.info(
        "Upload a CRM export with one row per lead (a created date and the dates it became "
        "an MQL, an SQL and a customer) to see how long leads take to buy."
    )
    st.stop()

crm = files[_pick("CRM export", lead_files, key="kk_funnel_crm")]
crm_view = readable[crm.key]
columns = list(crm_view.table.kinds)

others = [k for k in readable if k != crm.key]
deals_key = None
on: tuple[str, str] | None = None
with st.expander("Which column is what, and closed deals in a separate file"):
    in_use = loaders.lead_view(crm)
    current = (
        in_use.columns
        if not isinstance(in_use, loaders.Failure)
        else LeadColumns(created=columns[0])
    )
    chosen_roles: dict[str, str] = {}
    grid = st.columns(4)
    for i, (role, label) in enumerate(_ROLES.items()):
        with grid[i % 4]:
            options = ["", *columns] if role != "created" else columns
            value = getattr(current, role) or ""
            picked = st.selectbox(
                label,
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
            "Closed deals in another file (optional)",
            ["", *others],
            format_func=lambda k: files[k].name if k else "—",
            key=f"kk_deals_{crm.key}",
        )
        if deals_key:
            deal_columns = list(readable[deals_key].table.kinds)
            c1, c2 = st.columns(2)
            left = c1.selectbox("Id in the leads file", columns, key=f"kk_join_l_{crm.key}")
            right = c2.selectbox("Id in the deals file", deal_columns, key=f"kk_join_r_{crm.key}")
            on = (left, right)

lv = loaders.lead_view(crm, deals=files[deals_key] if deals_key else None, on=on)
if isinstance(lv, loaders.Failure):
    st.error(f"{crm.name}: {lv.message}", icon=":material/error:")
    st.stop()
s = lv.summary
as_of = s.as_of
median = s.median_days_to_customer
finding = [
    f"Of {s.funnel['count'][0]:,} leads, {format_value(s.lead_to_customer, 'percent')} "
    "became customers"
]
if s.settled_lead_to_customer is not None:
    settled = format_value(s.settled_lead_to_customer, "percent")
    finding.append(f"{settled} in the months that have had time to settle")
if median is not None:
    finding.append(
        f"a lead takes a median of **{median:.0f} days** to buy "
        f"(three in four within {s.p75_days_to_customer:.0f} days)"
    )
st.markdown("; ".join(finding) + f". Data up to {as_of:%d-%m-%Y}.")
if lv.matched is not None:
    st.caption(f"{lv.matched:,} deals matched a lead in {crm.name}.")
widgets.show_issues(lv.issues + s.issues, source=crm.name)

left, right = st.columns(2)
with left:
    st.subheader("Lead funnel")
    st.altair_chart(funnel_chart(s.funnel))
with right:
    st.subheader("Time to convert")
    st.altair_chart(time_to_convert_chart(s.histogram))

with st.expander("Days to each stage, overall and by the month leads came in"):
    st.dataframe(
        s.time_to_convert.select(
            pl.col("step_label").alias("From lead to"),
            pl.col("n").alias("Leads that got there"),
            pl.col("median_days").alias("Median days"),
            pl.col("p75_days").alias("75 % within (days)"),
        ),
        hide_index=True,
    )
    by_cohort = s.time_by_cohort.filter(pl.col("stage") == "customers").select(
        pl.col("cohort").alias("Leads from"),
        pl.col("n").alias("Customers so far"),
        pl.col("median_days").alias("Median days"),
        pl.col("p75_days").alias("75 % within (days)"),
        pl.col("is_open").alias("Still open"),
    )
    if by_cohort.height:
        st.caption(
            "Days from lead to customer by the month the lead came in. In an open month "
            "only the quick deals have closed yet, so its days look shorter than they will be."
        )
        st.dataframe(by_cohort.reverse(), hide_index=True)

st.subheader("Conversion by the month leads came in")
open_cohorts = s.cohorts.filter(pl.col("is_open"))
if open_cohorts.height:
    names = [period_name(c) for c in open_cohorts["cohort"]]
    names = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    st.markdown(
        f"{names} {'is' if open_cohorts.height == 1 else 'are'} still open: their leads have "
        f"not had the usual {s.maturity_days} days to decide, so those bars will still rise. "
        "Undecided leads are not counted as lost."
    )
st.altair_chart(cohort_chart(s.cohorts))

st.subheader("By channel")
by_channel = s.funnel_by_channel
if by_channel is not None and by_channel.height:
    wide = (
        by_channel.filter(pl.col("stage") == "customers")
        .select(
            pl.col("channel").alias("Channel"),
            pl.col("count").alias("Customers"),
            pl.col("pct_of_first").alias("Lead → customer"),
            pl.col("median_days").alias("Median days"),
            pl.col("p75_days").alias("75 % within (days)"),
        )
        .sort("Lead → customer", descending=True)
    )
    st.dataframe(
        wide,
        hide_index=True,
        column_config={"Lead → customer": st.column_config.NumberColumn(format="percent")},
    )
else:
    st.caption("No source or channel column is set, so there is no split by channel.")
