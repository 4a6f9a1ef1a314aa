"""What if: what a revenue target takes at today's rates, and which lever moves it most."""

from __future__ import annotations

import math

import polars as pl
import streamlit as st
from babel.numbers import get_currency_symbol

from kpi_core.benchmarks import bands, load_builtin
from kpi_core.catalogue import KPIS
from kpi_core.charts import capacity_chart, effect_chart, plan_chart
from kpi_core.i18n import LOCALES, in_sentence
from kpi_core.issues import InputError
from kpi_core.plan import (
    FIXED_LEVERS,
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
    needed_name,
    revenue_weights,
    stage_name,
    value_levers,
)
from kpi_core.scorecard import Change
from kpi_core.targets import Target, apportion, period_bounds, with_steps
from ui import frame, lang, session, widgets

_KEY = "kk_wi"
_MONEY = {"revenue", "spend"}

frame.ensure()
st.title(lang.t("page.what_if"))
LOCALE = lang.current()
CURRENCY = lang.currency()

file, mapping, kf = widgets.active_monthly()
try:
    window = baseline_window(kf)
    today = assumptions_from(kf, start=window[0], end=window[1])
except InputError as err:
    st.info(lang.t("what_if.cannot_plan", file=file.name, error=err.text(LOCALE)))
    st.page_link("pages/data.py", label=lang.t("what_if.map_columns"), icon=":material/tune:")
    st.stop()
averages = monthly_averages(kf, start=window[0], end=window[1])
n_months = kf.filter(
    (pl.col("period_start") >= window[0]) & (pl.col("period_end") <= window[1])
).height
last_year_revenue = (averages.get("revenue") or 0.0) * n_months


def _lever_key(lever: str) -> str:
    return f"{_KEY}_{lever}"


# Each file starts on its own rates: the sliders reset when the active file changes.
if st.session_state.get(f"{_KEY}__dataset") != file.key:
    for lever, _ in today.values:
        st.session_state.pop(_lever_key(lever), None)
    st.session_state[f"{_KEY}__dataset"] = file.key


def _shown(value: float | None, what: str) -> str:
    unit = "currency" if what in _MONEY else "count"
    return lang.value(value, unit, compact=True)


def _money(label: str) -> str:
    """An input's label with the workspace currency: ``Revenue target (kr.)``."""
    symbol = get_currency_symbol(CURRENCY, LOCALES.get(LOCALE, "en_GB"))
    return lang.t("what_if.in_currency", name=label, currency=symbol)


def _stage(stage: str) -> str:
    return stage_name(stage, locale=LOCALE)


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
    return benchmark_starts(
        today, bands(load_builtin(), industry=industry or None), currency=CURRENCY, locale=LOCALE
    )


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
            lang.t("what_if.in_percent", name=lv.label(LOCALE)),
            min_value=0.0,
            max_value=float(round(top, 1)),
            step=0.01 if top < 20 else 0.1,
            format="%.2f %%",
            key=key,
            help=lang.t(
                "what_if.rate_help", about=lv.about(LOCALE), today=lang.number(shown, digits=2)
            ),
        )
    else:
        name = lv.label(LOCALE)
        st.number_input(
            _money(name) if lv.unit == "currency" else name,
            min_value=0.0,
            step=max(round(shown / 20, 2), 0.01),
            format="%.2f" if shown < 100 else "%.0f",
            key=key,
            help=lang.t(
                "what_if.value_help", about=lv.about(LOCALE), today=lang.number(shown, digits=2)
            ),
        )


# -- The question -------------------------------------------------------------------------------
last = int(kf["period"][-1][:4])
years = [str(last), str(last + 1)]
revenue_targets = {
    t.label: t.value for t in session.targets().values() if t.kpi == "revenue" and t.kind == "year"
}
q1, q2, q3 = st.columns([2, 1, 1], vertical_alignment="bottom")
year = q2.selectbox(lang.t("period.year"), years, index=1, key=f"{_KEY}_year")
default_revenue = revenue_targets.get(year) or round(last_year_revenue * 1.1, -5)
revenue = q1.number_input(
    _money(lang.t("plan.revenue_target")),
    min_value=1.0,
    value=float(default_revenue),
    step=100_000.0,
    format="%.0f",
    key=f"{_KEY}_revenue_{year}",
    help=lang.t("what_if.revenue_help"),
)
split_choice = q3.segmented_control(
    lang.t("what_if.split_label"),
    ["seasonal", "even"],
    default="seasonal",
    format_func=lambda choice: lang.t(f"what_if.split.{choice}"),
    required=True,
    key=f"{_KEY}_split",
)
months = months_of(year)
weights = revenue_weights(kf, months) if split_choice == "seasonal" else None
if split_choice == "seasonal" and weights is None:
    st.caption(lang.t("what_if.no_complete_year"))


@st.fragment
def plan_section() -> None:
    """The assumptions and everything computed from them: reruns alone when one moves."""
    # A fragment's rerun does not pass through app.py: it takes its turn here.
    with frame.one_run_at_a_time():
        _plan_section()


def _plan_section() -> None:
    findings = st.container()
    inputs, results = st.columns([1, 2.2], gap="large")
    with inputs:
        st.markdown(lang.t("what_if.assumptions"))
        for lv in today.levers:
            _lever_input(lv, today.get(lv.id) or 0.0)
        st.button(
            lang.t("what_if.reset"),
            key=f"{_KEY}_reset",
            icon=":material/undo:",
            on_click=_reset,
        )
        published = _benchmarks()
        if published:
            items = "; ".join(
                lang.t(
                    "what_if.benchmark_item",
                    name=today.lever(k).label(LOCALE),
                    value=lang.value(v, today.lever(k).unit),
                    source=src,
                )
                for k, (v, src) in published.items()
            )
            st.button(
                lang.t("what_if.benchmarks"),
                key=f"{_KEY}_benchmarks",
                icon=":material/leaderboard:",
                on_click=_use_benchmarks,
                help=lang.t("what_if.benchmarks_help", items=items),
            )
    a = _current()
    try:
        plan = goal_seek(revenue, a, months=months, weights=weights, locale=LOCALE)
    except InputError as err:
        results.error(err.text(LOCALE))
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
    needs = [lang.t(f"what_if.need.{c}", count=math.ceil(total[c])) for c in stages]
    if "spend" in total:
        needs.append(lang.t("what_if.need_spend", spend=_shown(total["spend"], "spend")))
    revenue_shown = _shown(plan.total["revenue"], "revenue")
    st.markdown(lang.t("what_if.reach", revenue=revenue_shown, year=year, needs=lang.words(needs)))
    top = next((c for c in ("leads", "sessions", "customers") if c in total), None)
    if top and averages.get(top):
        per_month = total[top] / len(months)
        change = per_month / averages[top] - 1  # type: ignore[operator]
        said = {
            "percent": lang.number(abs(change) * 100),
            "noun": lang.t(f"what_if.noun.{top}"),
            "needed": lang.number(per_month),
            "today": lang.number(averages[top]),
        }
        st.markdown(
            lang.t("what_if.more", **said) if change >= 0 else lang.t("what_if.fewer", **said)
        )
    shown = [*stages, *(["spend"] if "spend" in total else [])]
    st.caption(lang.t("what_if.per_month"))
    per_row = 3 if len(shown) > 4 else len(shown)
    for first in range(0, len(shown), per_row):
        row = shown[first : first + per_row]
        for col, c in zip(st.columns(per_row), row, strict=False):
            per_month = total[c] / len(months)
            now = averages.get(c)
            delta = lang.change(Change(per_month / now - 1, "relative", "neutral")) if now else ""
            col.metric(
                _stage(c),
                _shown(per_month, c),
                delta=lang.t("what_if.vs_today", change=delta) if now else None,
                delta_color="off",
                border=True,
                help=lang.t("what_if.today_a_month", value=_shown(now, c)),
            )


def _plan_chart(plan: Plan) -> None:
    stages = [c for c in plan.monthly.columns if c != "period"]
    default = "leads" if "leads" in stages else stages[0]
    stage = st.selectbox(
        lang.t("what_if.chart_stage"),
        stages,
        index=stages.index(default),
        format_func=_stage,
        key=f"{_KEY}_stage",
    )
    lang.chart(
        plan_chart(
            plan.monthly,
            stage=stage,
            name=_stage(stage),
            today=averages.get(stage),
            locale=LOCALE,
        ),
        width="stretch",
    )
    with st.expander(lang.t("what_if.month_by_month")):
        columns = [c for c in plan.monthly.columns if c != "period"]
        table = {lang.t("period.month"): [lang.period(p) for p in plan.monthly["period"]]}
        for c in columns:
            values = plan.monthly[c].to_list()
            table[_stage(c)] = [
                lang.value(v, "currency")
                if c in _MONEY
                else lang.number(math.ceil(v) if v is not None else None)
                for v in values
            ]
        st.dataframe(pl.DataFrame(table), hide_index=True, width="stretch")


def _levers(plan: Plan, a: Assumptions) -> None:
    st.subheader(lang.t("what_if.levers_title"))
    best = best_months(kf, a, start=window[0], end=window[1])
    table = levers(plan.total["revenue"], a, best=best, locale=LOCALE)
    if table.is_empty():
        st.info(lang.t("what_if.no_levers"))
        return
    measure = table["measure"][0]
    top = table.row(0, named=True)
    seen = {True: " " + lang.t("what_if.seen_yes"), False: " " + lang.t("what_if.seen_no")}
    st.markdown(
        lang.t(
            "what_if.best_lever",
            change=top["change"][0].upper() + top["change"][1:],
            measure=in_sentence(_stage(measure)),
            saved=_shown(top["saved"], measure),
            share=lang.number(top["saved_share"] * 100),
        )
        + seen.get(top["seen_before"], "")
    )
    saved = lang.t("what_if.col.saved", measure=_stage(measure))
    share = lang.t("what_if.col.share")
    yes_no = {True: lang.t("common.yes"), False: lang.t("common.no")}
    st.dataframe(
        pl.DataFrame(
            {
                lang.t("what_if.col.lever"): table["change"].to_list(),
                saved: [_shown(x, measure) for x in table["saved"].to_list()],
                share: [x * 100 if x is not None else None for x in table["saved_share"].to_list()],
                lang.t("what_if.col.seen"): [
                    yes_no.get(x, "–") for x in table["seen_before"].to_list()
                ],
            },
            schema_overrides={share: pl.Float64},
        ),
        hide_index=True,
        width="stretch",
        column_config={
            share: st.column_config.ProgressColumn(format="%.0f %%", min_value=0, max_value=100),
        },
    )
    if "ctr" in table["lever"].to_list() and measure == "spend":
        st.caption(lang.t("what_if.ctr_note"))


def _capacity(plan: Plan) -> None:
    measures = [m for m in ("leads", "sqls") if m in plan.monthly.columns]
    if not measures:
        return
    st.subheader(lang.t("what_if.capacity_title"))
    c1, c2 = st.columns([1, 1])
    measure = (
        c1.segmented_control(
            lang.t("what_if.compare"),
            measures,
            default=measures[0],
            format_func=lambda m: KPIS[m].label(LOCALE),
            required=True,
            key=f"{_KEY}_cap_measure",
        )
        or measures[0]
    )
    now = averages.get(measure) or 0.0
    capacity = widgets.capacity_input(
        lang.t("what_if.capacity_label", measure=KPIS[measure].label(LOCALE)),
        measure,
        default=float(round(now * 1.1)),
        step=5.0,
        key=f"{_KEY}_capacity_{measure}",
        help=lang.t("what_if.capacity_help"),
        container=c2,
    )
    table = capacity_table(plan, measure=measure, capacity=capacity, locale=LOCALE)
    widgets.show_issues(capacity_findings(table, measure=measure, today=now or None, locale=LOCALE))
    lang.chart(
        capacity_chart(table, measure=needed_name(measure, locale=LOCALE), locale=LOCALE),
        width="stretch",
    )


plan_section()

# -- Customer value levers ------------------------------------------------------------------------
st.subheader(lang.t("what_if.value_title"))
value = today.value_per_customer or 0.0
customers_year = (averages.get("customers") or 0.0) * n_months
orders_year = (averages.get("orders") or 0.0) * n_months
repeat_share = max(orders_year - customers_year, 0.0) / orders_year if orders_year else 0.0
if orders_year:
    st.caption(
        lang.t(
            "what_if.value_start_repeat",
            value=_shown(value, "revenue"),
            percent=lang.number(repeat_share * 100),
            existing=_shown(last_year_revenue * repeat_share, "revenue"),
        )
    )
else:
    st.caption(lang.t("what_if.value_start", value=_shown(value, "revenue")))
v1, v2, v3 = st.columns(3)
with v1:
    new_customers = st.number_input(
        lang.t("what_if.v_new"), 0.0, value=10.0, step=1.0, format="%.0f", key=f"{_KEY}_v_new"
    )
    per_customer = st.number_input(
        _money(FIXED_LEVERS["value_per_customer"].label(LOCALE)),
        0.0,
        value=float(round(value)),
        step=1000.0,
        format="%.0f",
        key=f"{_KEY}_v_value",
    )
with v2:
    existing = st.number_input(
        _money(lang.t("what_if.v_existing")),
        0.0,
        value=float(round(last_year_revenue * repeat_share, -3)),
        step=10_000.0,
        format="%.0f",
        key=f"{_KEY}_v_existing",
    )
    more = st.number_input(
        lang.t("what_if.in_percent", name=lang.t("what_if.v_more")),
        0.0,
        100.0,
        value=5.0,
        step=1.0,
        # Whole numbers need no decimal mark (Streamlit writes it as a point in every language).
        format="%.0f",
        key=f"{_KEY}_v_more",
    )
with v3:
    kept = st.number_input(
        lang.t("what_if.v_kept"),
        0.0,
        value=float(round(customers_year)),
        step=1.0,
        format="%.0f",
        key=f"{_KEY}_v_kept",
        help=lang.t("what_if.v_kept_help"),
    )
    months_more = st.number_input(
        lang.t("what_if.v_months"), 0.0, value=3.0, step=1.0, format="%.0f", key=f"{_KEY}_v_months"
    )
    monthly_value = st.number_input(
        _money(lang.t("what_if.v_monthly")),
        0.0,
        # What an existing customer brings a month after the first order.
        value=float(round(last_year_revenue * repeat_share / max(customers_year, 1) / 12)),
        step=50.0,
        format="%.0f",
        key=f"{_KEY}_v_monthly",
        help=lang.t("what_if.v_monthly_help"),
    )
effects = value_levers(
    new_customers=new_customers,
    value_per_customer=per_customer,
    existing_revenue=existing,
    sell_more=more / 100,
    customers_per_year=kept,
    extra_months=months_more,
    monthly_value=monthly_value,
    locale=LOCALE,
    currency=CURRENCY,
)
best_effect = effects.sort("effect", descending=True).row(0, named=True)
st.markdown(
    lang.t(
        "what_if.best_value",
        name=in_sentence(best_effect["name"]),
        effect=_shown(best_effect["effect"], "revenue"),
        how=best_effect["how"],
    )
)
lang.chart(effect_chart(effects, locale=LOCALE), width="stretch")

# -- Scenarios -------------------------------------------------------------------------------------
st.subheader(lang.t("what_if.scenarios"))
scenarios = session.scenarios()
# The sample workspace opens with two scenarios, so the comparison shows what it is for. Their
# names are the user's from then on: named once, in the language of the moment.
if file.sample and not st.session_state.get(f"{_KEY}__seeded"):
    st.session_state[f"{_KEY}__seeded"] = True
    if not scenarios and today.get("traffic_to_lead") is not None:
        base_revenue = float(default_revenue)
        base_name, better_name = lang.t("what_if.seed.today"), lang.t("what_if.seed.better")
        scenarios[base_name] = Scenario(base_name, base_revenue, year, today)
        better = today.set("traffic_to_lead", round(today.get("traffic_to_lead") * 1.2, 4))  # type: ignore[operator]
        scenarios[better_name] = Scenario(better_name, base_revenue, year, better)
s1, s2 = st.columns([3, 1], vertical_alignment="bottom")
name = s1.text_input(
    lang.t("what_if.scenario_name"),
    key=f"{_KEY}_scenario_name",
    placeholder=lang.t("what_if.scenario_placeholder"),
)
if s2.button(lang.t("what_if.save"), key=f"{_KEY}_save", icon=":material/save:", width="stretch"):
    if not name.strip():
        st.error(lang.t("what_if.no_name"))
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
    st.caption(lang.t("what_if.no_scenarios"))
else:
    names = list(scenarios)
    chosen = st.multiselect(
        lang.t("what_if.compare"),
        names,
        default=names[-3:],
        max_selections=3,
        key=f"{_KEY}_compare",
    )
    if chosen:
        table = compare([scenarios[n] for n in chosen], locale=LOCALE)
        units = [{"number": "multiple"}.get(u, u) for u in table["unit"]]
        shown = (
            table.with_columns(
                pl.Series(
                    n,
                    [
                        lang.value(v, u, compact=u == "currency").rstrip("×")
                        for v, u in zip(table[n], units, strict=True)
                    ],
                    pl.String,
                )
                for n in chosen
            )
            .drop("unit")
            .rename({"what": " "})
        )
        st.dataframe(shown, hide_index=True, width="stretch")
        t1, t2 = st.columns([3, 1], vertical_alignment="bottom")
        target_of = t1.selectbox(lang.t("what_if.make_target"), chosen, key=f"{_KEY}_make")
        if t2.button(
            lang.t("what_if.use_as_targets"),
            key=f"{_KEY}_use",
            icon=":material/flag:",
            width="stretch",
        ):
            s = scenarios[target_of]
            w = revenue_weights(kf, months_of(s.period)) if s.split == "seasonal" else None
            plan = goal_seek(
                s.revenue, s.assumptions, months=months_of(s.period), weights=w, locale=LOCALE
            )
            _, start, end = period_bounds(s.period)
            note = lang.t("what_if.target_note", name=s.name)
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
                base = Target(c, float(total), start, end, "year", notes=note)
                if existing_t is not None:
                    base = Target(
                        c,
                        float(total),
                        start,
                        end,
                        "year",
                        owner=existing_t.owner,
                        goal=existing_t.goal,
                        notes=note,
                        id=existing_t.id,
                    )
                session.put_target(with_steps(base, steps, into="month"))
                made.append(in_sentence(KPIS[c].label(LOCALE)))
            st.success(
                lang.t(
                    "what_if.targets_set",
                    period=lang.period(s.period),
                    name=s.name,
                    kpis=lang.words(made),
                )
            )
            st.page_link(
                "pages/targets.py",
                label=lang.t("what_if.see_targets"),
                icon=":material/flag:",
            )
