"""What if: what a revenue target takes at today's rates, and which lever moves it most."""

from __future__ import annotations

import math

import polars as pl
import streamlit as st

from kpi_core.benchmarks import bands, load_builtin
from kpi_core.catalogue import KPIS
from kpi_core.charts import capacity_chart, effect_chart, plan_chart
from kpi_core.i18n import format_value, period_name
from kpi_core.issues import InputError
from kpi_core.plan import (
    Assumptions,
    Lever,
    Plan,
    Scenario,
    assumptions_from,
    baseline_window,
    benchmark_starts,
    best_months,
    capacity_findings,
    capacity_table,
    compare,
    goal_seek,
    levers,
    monthly_averages,
    months_of,
    revenue_weights,
    stage_name,
    value_levers,
)
from kpi_core.targets import Target, apportion, period_bounds, with_steps
from ui import frame, session, widgets

_KEY = "kk_wi"
_MONEY = {"revenue", "spend"}
_PLURAL = {
    "customers": "new customers",
    "sqls": "SQLs",
    "mqls": "MQLs",
    "leads": "leads",
    "sessions": "website visits",
}

frame.ensure()
st.title("What if")

file, mapping, kf = widgets.active_monthly()
try:
    window = baseline_window(kf)
    today = assumptions_from(kf, start=window[0], end=window[1])
except InputError as err:
    st.info(f"{file.name}: {err} The what-if plan works back from revenue to traffic.")
    st.page_link("pages/data.py", label="Map columns", icon=":material/tune:")
    st.stop()
averages = monthly_averages(kf, start=window[0], end=window[1])
n_months = kf.filter(
    (pl.col("period_start") >= window[0]) & (pl.col("period_end") <= window[1])
).height
last_year_revenue = (averages.get("revenue") or 0.0) * n_months
window_words = f"{period_name(kf.filter(pl.col('period_start') == window[0])['period'][0])} to " + (
    period_name(kf.filter(pl.col("period_end") == window[1])["period"][0])
)


def _lever_key(lever: str) -> str:
    return f"{_KEY}_{lever}"


# Each file starts on its own rates: the sliders reset when the active file changes.
if st.session_state.get(f"{_KEY}__dataset") != file.key:
    for lever, _ in today.values:
        st.session_state.pop(_lever_key(lever), None)
    st.session_state[f"{_KEY}__dataset"] = file.key


def _shown(value: float | None, what: str) -> str:
    unit = "currency" if what in _MONEY else "count"
    return format_value(value, unit, compact=True)


def _scale(lv: Lever) -> float:
    return 100.0 if lv.unit == "percent" else 1.0


def _current() -> Assumptions:
    """Today's assumptions with the user's changes from the inputs below."""
    a = today
    for lever, value in today.values:
        shown = st.session_state.get(_lever_key(lever))
        if shown is not None:
            new = float(shown) / _scale(today.lever(lever))
            if not math.isclose(new, value, rel_tol=1e-9):
                a = a.set(lever, new)
    return a


def _reset() -> None:
    """Forget the user's changes: each input starts again at today's value."""
    for lever, _ in today.values:
        st.session_state.pop(_lever_key(lever), None)


def _benchmarks() -> dict[str, tuple[float, str]]:
    """Published typical values for the levers (the Benchmarks page's industry, if chosen)."""
    industry = st.session_state.get("kk_bench_industry")
    return benchmark_starts(today, bands(load_builtin(), industry=industry or None))


def _use_benchmarks() -> None:
    for lever, (value, _) in _benchmarks().items():
        st.session_state[_lever_key(lever)] = round(value * _scale(today.lever(lever)), 4)


def _lever_input(lv: Lever, value: float) -> None:
    key = _lever_key(lv.id)
    shown = value * _scale(lv)
    if key not in st.session_state:
        st.session_state[key] = round(shown, 4)
    if lv.unit == "percent":
        top = min(100.0, max(shown * 2, shown + 10))
        st.slider(
            f"{lv.name} (%)",
            min_value=0.0,
            max_value=float(round(top, 1)),
            step=0.01 if top < 20 else 0.1,
            format="%.2f %%",
            key=key,
            help=f"{lv.help} Today: {shown:.2f} %.",
        )
    else:
        st.number_input(
            lv.name + (" (kr.)" if lv.unit == "currency" else ""),
            min_value=0.0,
            step=max(round(shown / 20, 2), 0.01),
            format="%.2f" if shown < 100 else "%.0f",
            key=key,
            help=f"{lv.help} Today: {shown:,.2f}.",
        )


# -- The question -------------------------------------------------------------------------------
last = int(kf["period"][-1][:4])
years = [str(last), str(last + 1)]
revenue_targets = {
    t.label: t.value for t in session.targets().values() if t.kpi == "revenue" and t.kind == "year"
}
q1, q2, q3 = st.columns([2, 1, 1], vertical_alignment="bottom")
year = q2.selectbox("Year", years, index=1, key=f"{_KEY}_year")
default_revenue = revenue_targets.get(year) or round(last_year_revenue * 1.1, -5)
revenue = q1.number_input(
    "Revenue target (kr.)",
    min_value=1.0,
    value=float(default_revenue),
    step=100_000.0,
    format="%.0f",
    key=f"{_KEY}_revenue_{year}",
    help="Starts at the year's revenue target on the Targets page, else last 12 months + 10 %.",
)
split_choice = q3.segmented_control(
    "Months",
    ["seasonal", "even"],
    default="seasonal",
    format_func={"seasonal": "Like last year", "even": "Evenly"}.__getitem__,
    required=True,
    key=f"{_KEY}_split",
)
months = months_of(year)
weights = revenue_weights(kf, months) if split_choice == "seasonal" else None
if split_choice == "seasonal" and weights is None:
    st.caption("The data has no complete year, so the months are shared evenly.")


@st.fragment
def plan_section() -> None:
    """The assumptions and everything computed from them: reruns alone when one moves."""
    findings = st.container()
    inputs, results = st.columns([1, 2.2], gap="large")
    with inputs:
        st.markdown("**Assumptions** (today's, from the last 12 complete months)")
        for lv in today.levers:
            _lever_input(lv, today.get(lv.id) or 0.0)
        st.button(
            "Back to today's rates", key=f"{_KEY}_reset", icon=":material/undo:", on_click=_reset
        )
        published = _benchmarks()
        if published:
            st.button(
                "Start from the benchmarks",
                key=f"{_KEY}_benchmarks",
                icon=":material/leaderboard:",
                on_click=_use_benchmarks,
                help="Sets "
                + "; ".join(
                    f"{today.lever(k).name} to the typical {v * _scale(today.lever(k)):.2f}"
                    f"{' %' if today.lever(k).unit == 'percent' else ''} ({src})"
                    for k, (v, src) in published.items()
                )
                + ". Other inputs keep their values.",
            )
    a = _current()
    try:
        plan = goal_seek(revenue, a, months=months, weights=weights)
    except InputError as err:
        results.error(str(err))
        return
    with findings:
        _findings(plan)
    with results:
        _plan_chart(plan)
    _levers(plan, a)
    _capacity(plan)


def _findings(plan: Plan) -> None:
    total = plan.total
    stages = [c for c in ("customers", "sqls", "mqls", "leads", "sessions") if c in total]
    needs = ", ".join(f"{math.ceil(total[c]):,} {_PLURAL[c]}" for c in stages)
    spend = f", and about {_shown(total['spend'], 'spend')} of ad spend" if "spend" in total else ""
    st.markdown(
        f"To reach **{_shown(plan.total['revenue'], 'revenue')}** in {year} at these rates you "
        f"need {needs}{spend}."
    )
    top = next((c for c in ("leads", "sessions", "customers") if c in total), None)
    if top and averages.get(top):
        per_month = total[top] / len(months)
        change = per_month / averages[top] - 1  # type: ignore[operator]
        more = "more" if change >= 0 else "fewer"
        st.markdown(
            f"That is {abs(change) * 100:.0f} % {more} {_PLURAL[top]} a month "
            f"({per_month:,.0f}) than in the last 12 months ({averages[top]:,.0f})."
        )
    shown = [*stages, *(["spend"] if "spend" in total else [])]
    st.caption("Needed per month, against today's monthly average (the last 12 complete months):")
    per_row = 3 if len(shown) > 4 else len(shown)
    for first in range(0, len(shown), per_row):
        row = shown[first : first + per_row]
        for col, c in zip(st.columns(per_row), row, strict=False):
            per_month = total[c] / len(months)
            now = averages.get(c)
            col.metric(
                stage_name(c),
                _shown(per_month, c),
                delta=f"{(per_month / now - 1) * 100:+.0f} % vs today" if now else None,
                delta_color="off",
                border=True,
                help=f"Today: {_shown(now, c)} a month.",
            )


def _plan_chart(plan: Plan) -> None:
    stages = [c for c in plan.monthly.columns if c != "period"]
    default = "leads" if "leads" in stages else stages[0]
    stage = st.selectbox(
        "Show what the plan needs of",
        stages,
        index=stages.index(default),
        format_func=stage_name,
        key=f"{_KEY}_stage",
    )
    st.altair_chart(
        plan_chart(
            plan.monthly,
            stage=stage,
            name=stage_name(stage),
            today=averages.get(stage),
        ),
        width="stretch",
    )
    with st.expander("The plan month by month"):
        shown = plan.monthly.with_columns(
            pl.col(c).ceil()
            for c in plan.monthly.columns
            if c not in ("period", "revenue", "spend")
        ).with_columns(pl.Series("period", [period_name(p) for p in plan.monthly["period"]]))
        st.dataframe(
            shown.rename(
                {c: stage_name(c) for c in shown.columns if c != "period"} | {"period": "Month"}
            ),
            hide_index=True,
            width="stretch",
            column_config={
                stage_name(c): st.column_config.NumberColumn(format="localized")
                for c in shown.columns
                if c != "period"
            },
        )


def _levers(plan: Plan, a: Assumptions) -> None:
    st.subheader("Which lever moves it most")
    best = best_months(kf, a, start=window[0], end=window[1])
    table = levers(plan.total["revenue"], a, best=best)
    if table.is_empty():
        st.info("There are no rates to move in this plan.")
        return
    measure = table["measure"][0]
    top = table.row(0, named=True)
    st.markdown(
        f"**{top['change'][0].upper() + top['change'][1:]}** cuts the "
        f"{stage_name(measure).lower()} needed the most: "
        f"{_shown(top['saved'], measure)} less ({top['saved_share'] * 100:.0f} %)."
        + (
            " The data has had a month that good."
            if top["seen_before"]
            else " No month in the last year was that good, so it needs a real change."
            if top["seen_before"] is False
            else ""
        )
    )
    st.dataframe(
        table.select(
            pl.col("change").alias("Lever"),
            pl.col("saved").alias(f"{stage_name(measure)} saved"),
            pl.col("saved_share").alias("Share"),
            pl.col("seen_before")
            .replace_strict({True: "yes", False: "no"}, default="–", return_dtype=pl.String)
            .alias("A month that good in the last year?"),
        ),
        hide_index=True,
        width="stretch",
        column_config={
            f"{stage_name(measure)} saved": st.column_config.NumberColumn(format="localized"),
            "Share": st.column_config.ProgressColumn(format="percent", min_value=0, max_value=1),
        },
    )
    if "ctr" in table["lever"].to_list() and measure == "spend":
        st.caption(
            "Clicks are paid for, so a better click-through rate saves impressions, not spend."
        )


def _capacity(plan: Plan) -> None:
    measures = [m for m in ("leads", "sqls") if m in plan.monthly.columns]
    if not measures:
        return
    st.subheader("Can sales handle it?")
    c1, c2 = st.columns([1, 1])
    measure = (
        c1.segmented_control(
            "Compare",
            measures,
            default=measures[0],
            format_func=lambda m: KPIS[m].name,
            required=True,
            key=f"{_KEY}_cap_measure",
        )
        or measures[0]
    )
    now = averages.get(measure) or 0.0
    capacity = widgets.capacity_input(
        f"{KPIS[measure].name} sales can handle a month",
        measure,
        default=float(round(now * 1.1)),
        step=5.0,
        key=f"{_KEY}_capacity_{measure}",
        help="Calls, meetings or quotes your sales team can follow up each month.",
        container=c2,
    )
    table = capacity_table(plan, measure=measure, capacity=capacity)
    widgets.show_issues(capacity_findings(table, measure=measure, today=now or None))
    st.altair_chart(capacity_chart(table, measure=f"{KPIS[measure].name} needed"), width="stretch")


plan_section()

# -- Customer value levers ------------------------------------------------------------------------
st.subheader("Other ways to more revenue")
value = today.value_per_customer or 0.0
customers_year = (averages.get("customers") or 0.0) * n_months
orders_year = (averages.get("orders") or 0.0) * n_months
repeat_share = max(orders_year - customers_year, 0.0) / orders_year if orders_year else 0.0
st.caption(
    "Each lever on its own, as extra revenue a year. The starting values come from the last 12 "
    "months: "
    f"revenue per new customer {_shown(value, 'revenue')}"
    + (
        f"; {repeat_share * 100:.0f} % of orders are repeat orders, so existing customers bring "
        f"about {_shown(last_year_revenue * repeat_share, 'revenue')} a year."
        if orders_year
        else "."
    )
)
v1, v2, v3 = st.columns(3)
with v1:
    new_customers = st.number_input(
        "More new customers", 0.0, value=10.0, step=1.0, format="%.0f", key=f"{_KEY}_v_new"
    )
    per_customer = st.number_input(
        "Revenue per new customer (kr.)",
        0.0,
        value=float(round(value)),
        step=1000.0,
        format="%.0f",
        key=f"{_KEY}_v_value",
    )
with v2:
    existing = st.number_input(
        "Existing customers' revenue a year (kr.)",
        0.0,
        value=float(round(last_year_revenue * repeat_share, -3)),
        step=10_000.0,
        format="%.0f",
        key=f"{_KEY}_v_existing",
    )
    more = st.number_input(
        "Sell more to them (%)", 0.0, 100.0, value=5.0, step=1.0, key=f"{_KEY}_v_more"
    )
with v3:
    kept = st.number_input(
        "Customers who would leave in a year",
        0.0,
        value=float(round(customers_year)),
        step=1.0,
        format="%.0f",
        key=f"{_KEY}_v_kept",
        help="In a steady state as many customers leave each year as are won.",
    )
    months_more = st.number_input(
        "Keep them longer by (months)", 0.0, value=3.0, step=1.0, key=f"{_KEY}_v_months"
    )
    monthly_value = st.number_input(
        "Revenue per customer a month (kr.)",
        0.0,
        # What an existing customer brings a month after the first order.
        value=float(round(last_year_revenue * repeat_share / max(customers_year, 1) / 12)),
        step=50.0,
        format="%.0f",
        key=f"{_KEY}_v_monthly",
        help="Starts at existing customers' revenue a year, per customer won a year, per month.",
    )
effects = value_levers(
    new_customers=new_customers,
    value_per_customer=per_customer,
    existing_revenue=existing,
    sell_more=more / 100,
    customers_per_year=kept,
    extra_months=months_more,
    monthly_value=monthly_value,
)
best_effect = effects.sort("effect", descending=True).row(0, named=True)
st.markdown(
    f"Of these, **{best_effect['name'].lower()}** adds the most: "
    f"{_shown(best_effect['effect'], 'revenue')} a year ({best_effect['how']})."
)
st.altair_chart(effect_chart(effects), width="stretch")

# -- Scenarios -------------------------------------------------------------------------------------
st.subheader("Scenarios")
scenarios = session.scenarios()
# The sample workspace opens with two scenarios, so the comparison shows what it is for.
if file.sample and not st.session_state.get(f"{_KEY}__seeded"):
    st.session_state[f"{_KEY}__seeded"] = True
    if not scenarios and today.get("traffic_to_lead") is not None:
        base_revenue = float(default_revenue)
        scenarios["Today's rates"] = Scenario("Today's rates", base_revenue, year, today)
        better = today.set("traffic_to_lead", round(today.get("traffic_to_lead") * 1.2, 4))  # type: ignore[operator]
        scenarios["Quote calculator (+20 % TTL)"] = Scenario(
            "Quote calculator (+20 % TTL)", base_revenue, year, better
        )
s1, s2 = st.columns([3, 1], vertical_alignment="bottom")
name = s1.text_input(
    "Name these assumptions", key=f"{_KEY}_scenario_name", placeholder="e.g. Better website"
)
if s2.button("Save scenario", key=f"{_KEY}_save", icon=":material/save:", width="stretch"):
    if not name.strip():
        st.error("Give the scenario a name first.")
    else:
        scenarios[name.strip()] = Scenario(
            name.strip(),
            float(revenue),
            year,
            _current(),
            split=split_choice,  # type: ignore[arg-type]
        )
        st.rerun()
if not scenarios:
    st.caption(
        "Save the assumptions above under a name (e.g. ‘Today’, ‘Better website’), then change "
        "them and save again: the scenarios appear side by side here."
    )
else:
    names = list(scenarios)
    chosen = st.multiselect(
        "Compare", names, default=names[-3:], max_selections=3, key=f"{_KEY}_compare"
    )
    if chosen:
        table = compare([scenarios[n] for n in chosen])
        shown = (
            table.with_columns(
                pl.struct(["unit", n])
                .map_elements(
                    lambda r, n=n: format_value(
                        r[n],
                        {"number": "multiple"}.get(r["unit"], r["unit"]),
                        compact=r["unit"] == "currency",
                    ).rstrip("×"),
                    return_dtype=pl.String,
                )
                .alias(n)
                for n in chosen
            )
            .drop("unit")
            .rename({"what": " "})
        )
        st.dataframe(shown, hide_index=True, width="stretch")
        t1, t2 = st.columns([3, 1], vertical_alignment="bottom")
        target_of = t1.selectbox("Make one the target", chosen, key=f"{_KEY}_make")
        if t2.button("Use as targets", key=f"{_KEY}_use", icon=":material/flag:", width="stretch"):
            s = scenarios[target_of]
            w = revenue_weights(kf, months_of(s.period)) if s.split == "seasonal" else None
            plan = goal_seek(s.revenue, s.assumptions, months=months_of(s.period), weights=w)
            _, start, end = period_bounds(s.period)
            made = []
            for c in ("revenue", "customers", "leads", "sessions"):
                if c not in plan.total:
                    continue
                total = round(plan.total[c])
                steps = apportion(total, plan.monthly[c].to_list())
                existing_t = next(
                    (x for x in session.targets().values() if x.kpi == c and x.label == s.period),
                    None,
                )
                base = Target(
                    c, float(total), start, end, "year", notes=f"From the scenario ‘{s.name}’."
                )
                if existing_t is not None:
                    base = Target(
                        c,
                        float(total),
                        start,
                        end,
                        "year",
                        owner=existing_t.owner,
                        goal=existing_t.goal,
                        notes=f"From the scenario ‘{s.name}’.",
                        id=existing_t.id,
                    )
                session.put_target(with_steps(base, steps, into="month"))
                made.append(KPIS[c].name.lower())
            st.success(f"Targets for {s.period} set from ‘{s.name}’: {', '.join(made)}.")
            st.page_link(
                "pages/targets.py", label="See them on the Targets page", icon=":material/flag:"
            )
