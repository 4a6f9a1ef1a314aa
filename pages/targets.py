"""Targets: SMART targets, their quarterly and monthly steps, and whether we are on track."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import replace

import polars as pl
import streamlit as st

from kpi_core.catalogue import KPIS, kpis_for_fields
from kpi_core.charts import pacing_chart
from kpi_core.compute import measures_in
from kpi_core.i18n import format_value, period_name
from kpi_core.issues import InputError
from kpi_core.targets import (
    SPLIT_METHODS,
    Pacing,
    Target,
    baseline,
    check_steps,
    journey_plan,
    pace,
    pacing_sentence,
    period_bounds,
    smart_check,
    split,
    stage_order,
    with_baseline,
    with_steps,
)
from ui import frame, session, widgets, workspace

_STATUS_ICON = {
    "on track": ":material/check_circle:",
    "at risk": ":material/warning:",
    "off track": ":material/error:",
    "not started": ":material/schedule:",
    "no data": ":material/help:",
}
_STATUS_ORDER = ["off track", "at risk", "on track", "not started", "no data"]
_METHOD_WORDS = {
    "even": "Evenly",
    "seasonal": "Like last year (seasonal)",
    "ramp": "Ramp up through the year",
}
_SMART_ICON = {"error": ":material/error:", "warning": ":material/warning:"}

frame.ensure()
st.title("Targets")

file, mapping, kf = widgets.active_monthly()
available = kpis_for_fields(measures_in(kf))
fields = set(measures_in(kf))
targets = session.targets()


def _shown(value: float | None, kpi_id: str) -> str:
    return format_value(value, KPIS[kpi_id].unit, compact=True)


def _period_options() -> list[str]:
    """This year and next, as years, quarters and months (the data's last year first)."""
    last = int(kf["period"][-1][:4])
    out: list[str] = []
    for year in (last, last + 1):
        out += [str(year), *(f"{year}-Q{q}" for q in range(1, 5))]
        out += [f"{year}-{m:02d}" for m in range(1, 13)]
    return out


def _target_inputs(prefix: str, initial: Target | None) -> Target | None:
    """The fields of a target; returns the target they describe (None while incomplete)."""
    ids = [k.id for k in available]
    if not ids:
        st.info("Map a number column (sessions, leads, revenue …) to set targets.")
        return None
    kpi_id = st.selectbox(
        "KPI",
        ids,
        index=ids.index(initial.kpi) if initial and initial.kpi in ids else 0,
        format_func=lambda i: KPIS[i].name,
        key=f"{prefix}_kpi",
    )
    options = _period_options()
    if initial and initial.label not in options:
        options.insert(0, initial.label)
    period = st.selectbox(
        "Period",
        options,
        index=options.index(initial.label) if initial else 0,
        format_func=lambda p: period_name(p),
        key=f"{prefix}_period",
        help="A target is a number and a period: a year, a quarter or a month.",
    )
    k = KPIS[kpi_id]
    _, start, end = period_bounds(period)
    base = baseline(kf, kpi_id, start=start, end=end)
    suggested = (
        initial.value
        if initial
        else (base * (0.9 if k.direction == "lower" else 1.1) if base else 0.0)
    )
    st.caption(
        f"Same period last year: **{_shown(base, kpi_id)}**"
        if base is not None
        else "The data does not cover the same period last year."
    )
    scale = 100.0 if k.is_rate else 1.0
    # The key follows the KPI and period so the suggestion updates when they change.
    value = st.number_input(
        f"Target ({'%' if k.is_rate else 'kr.' if k.unit == 'currency' else k.unit})",
        min_value=0.0,
        max_value=100.0 if k.is_rate else None,
        value=round(suggested * scale, 2 if k.is_rate else 0),
        step=0.1 if k.is_rate else 1.0,
        format="%.2f" if k.is_rate else "%.0f",
        key=f"{prefix}_value_{kpi_id}_{period}",
    )
    owner = st.text_input("Owner", value=initial.owner if initial else "", key=f"{prefix}_owner")
    goal = st.text_input(
        "Business goal it serves",
        value=initial.goal if initial else "",
        key=f"{prefix}_goal",
        placeholder="e.g. Grow installations 12 % this year",
    )
    notes = st.text_area("Notes", value=initial.notes if initial else "", key=f"{prefix}_notes")
    extra = {"id": initial.id} if initial else {}
    return Target(
        kpi=kpi_id,
        value=value / scale,
        start=start,
        end=end,
        kind=period_bounds(period)[0],
        owner=owner.strip(),
        goal=goal.strip(),
        notes=notes.strip(),
        **extra,
    )


head, add = st.columns([4, 1], vertical_alignment="bottom")
with add, st.popover("Add a target", icon=":material/add:", width="stretch"):
    new = _target_inputs("kk_tg_new", None)
    if new is not None and st.button("Add target", type="primary", key="kk_tg_add"):
        session.put_target(new)
        st.session_state["kk_tg_pick"] = new.id
        st.rerun()

if not targets:
    with head:
        st.info(
            "No targets yet. A target is a KPI, a number and a period, e.g. 4,400 leads in "
            "2026. Add one with the button on the right."
        )
    st.stop()

# A target nobody split yet follows last year's seasons by quarter, so pacing is fair
# to a seasonal business; the user can split it differently below.
for t in list(targets.values()):
    if not t.steps and t.kind != "month":
        try:
            into = "quarter" if t.kind == "year" else "month"
            t = with_baseline(t, kf)
            session.put_target(
                replace(t, steps=tuple(split(t, into=into, method="seasonal", history=kf)))
            )
            st.session_state[workspace.NOTE_KEY] = (
                "Steps set by the app, following last year's seasons."
            )
        except InputError:
            pass

ordered = sorted(targets.values(), key=lambda t: (t.start, stage_order(t.kpi)))
paces: dict[str, Pacing] = {t.id: pace(with_baseline(t, kf), kf) for t in ordered}
through = max((p.through for p in paces.values() if p.through), default=None)

with head:
    counts = {s: sum(p.status == s for p in paces.values()) for s in _STATUS_ORDER}
    parts = [f"{n} {s}" for s, n in counts.items() if n]
    st.caption(
        f"{file.name} · data to {through:%-d %B %Y}" if through else f"{file.name} · no data yet"
    )
    st.markdown(f"Of {len(paces)} targets: " + ", ".join(parts) + ".")
for p in sorted(paces.values(), key=lambda p: _STATUS_ORDER.index(p.status)):
    st.markdown(f"{_STATUS_ICON[p.status]} {pacing_sentence(p)}")

table = pl.DataFrame(
    [
        {
            "KPI": KPIS[t.kpi].name,
            "Period": period_name(t.label),
            "Target": _shown(t.value, t.kpi),
            "Last year": _shown(paces[t.id].target.baseline, t.kpi),
            "So far": _shown(paces[t.id].actual, t.kpi),
            "At this pace": _shown(paces[t.id].projected, t.kpi),
            "Status": paces[t.id].status,
            "Owner": t.owner,
        }
        for t in ordered
    ]
)
st.dataframe(table, hide_index=True, width="stretch")

# -- One target, looked at closely -------------------------------------------------------------
st.subheader("Look closer")
ids = [t.id for t in ordered]
if st.session_state.get("kk_tg_pick") not in ids:
    st.session_state["kk_tg_pick"] = ids[0]
pick_col, edit_col = st.columns([4, 1], vertical_alignment="bottom")
with pick_col:
    chosen_id = st.selectbox(
        "Target",
        ids,
        format_func=lambda i: f"{KPIS[targets[i].kpi].name}, {period_name(targets[i].label)}",
        key="kk_tg_pick",
    )
t = targets[chosen_id]
k = KPIS[t.kpi]
p = paces[chosen_id]
with edit_col, st.popover("Edit", icon=":material/edit:", width="stretch"):
    edited = _target_inputs(f"kk_tg_edit_{t.id}", t)
    save, delete = st.columns(2)
    if edited is not None and save.button("Save", type="primary", key=f"kk_tg_save_{t.id}"):
        keep_steps = edited.kpi == t.kpi and edited.label == t.label and edited.value == t.value
        session.put_target(replace(edited, steps=t.steps if keep_steps else ()))
        st.rerun()
    if delete.button("Delete", key=f"kk_tg_delete_{t.id}"):
        session.remove_target(t.id)
        st.rerun()

st.markdown(f"{_STATUS_ICON[p.status]} {pacing_sentence(p)}")
chart_col, numbers_col = st.columns([3, 1])
with chart_col:
    st.altair_chart(pacing_chart(p.months, kpi=k), width="stretch")
with numbers_col:
    st.metric("Target", _shown(t.value, t.kpi), border=True)
    label = "Plan to date" if t.additive else "Target"
    st.metric("So far", _shown(p.actual, t.kpi), border=True)
    if t.additive:
        st.metric(label, _shown(p.expected, t.kpi), border=True)
    st.metric("At this pace", _shown(p.projected, t.kpi), border=True)
    if p.elapsed:
        st.progress(min(p.elapsed, 1.0), text=f"{p.elapsed * 100:.0f} % of the period gone")

st.markdown("**Is it SMART?**")
for c in smart_check(with_baseline(t, kf), fields=fields, history=kf, today=dt.date.today()):
    icon = ":material/check:" if c.ok else _SMART_ICON.get(c.level, ":material/info:")
    st.markdown(f"{icon} **{c.name}.** {c.message}")

# -- Steps --------------------------------------------------------------------------------------
if t.kind != "month":
    st.markdown("**Steps**")
    into_options = ["quarter", "month"] if t.kind == "year" else ["month"]
    c1, c2, c3 = st.columns([1, 2, 1], vertical_alignment="bottom")
    into = (
        c1.segmented_control(
            "Split into",
            into_options,
            default=into_options[0],
            format_func=lambda s: {"quarter": "Quarters", "month": "Months"}[s],
            required=True,
            key=f"kk_tg_into_{t.id}",
        )
        or into_options[0]
    )
    method = c2.selectbox(
        "How",
        SPLIT_METHODS,
        index=1,
        format_func=_METHOD_WORDS.__getitem__,
        key=f"kk_tg_method_{t.id}",
        help="Evenly; following last year's months; or starting low and growing. "
        "You can change each step in the table.",
    )
    version_key = f"kk_tg_steps_version_{t.id}"
    if c3.button("Split", key=f"kk_tg_split_{t.id}", width="stretch"):
        try:
            steps = split(with_baseline(t, kf), into=into, method=method, history=kf)
            session.put_target(replace(t, steps=tuple(steps)))
            st.session_state[version_key] = st.session_state.get(version_key, 0) + 1
            st.rerun()
        except InputError as err:
            st.error(str(err))
    scale = 100.0 if k.is_rate else 1.0
    unit = "%" if k.is_rate else ("kr." if k.unit == "currency" else "")
    steps_frame = pl.DataFrame(
        {
            "Step": [period_name(s.label) for s in t.steps],
            f"Target {unit}".strip(): [round(s.value * scale, 4) for s in t.steps],
        }
    )
    value_column = steps_frame.columns[1]
    edited_steps = st.data_editor(
        steps_frame,
        hide_index=True,
        disabled=["Step"],
        key=f"kk_tg_steps_{t.id}_{st.session_state.get(version_key, 0)}",
        column_config={
            value_column: st.column_config.NumberColumn(
                format="%.2f" if k.is_rate else "localized", min_value=0.0
            )
        },
    )
    values = [float(x) / scale if x is not None else 0.0 for x in edited_steps[value_column]]
    changed = any(
        not math.isclose(a, s.value, rel_tol=1e-6, abs_tol=1e-9)
        for a, s in zip(values, t.steps, strict=True)
    )
    if t.steps and changed:
        step_kind = "quarter" if "Q" in t.steps[0].label else "month"
        session.put_target(with_steps(t, values, into=step_kind))
        st.rerun()
    if t.additive and t.steps:
        total = sum(s.value for s in t.steps)
        st.caption(f"The steps add up to {format_value(total, k.unit)}.")
    widgets.show_issues(check_steps(t))

# -- The year as a journey ---------------------------------------------------------------------
st.subheader("The year as a journey")
years = sorted({t.start.year for t in ordered})
year = st.selectbox("Year", years, index=len(years) - 1, key="kk_tg_year")
plan = journey_plan(list(targets.values()), year=year)
st.caption(
    "One focus a quarter: be seen first, then engage, then get asked for quotes, then sell. "
    "Each quarter shows the targets of its stage and that quarter's part of them."
)
st.dataframe(
    plan.with_columns(
        pl.struct("kpi", "goal")
        .map_elements(
            lambda r: _shown(r["goal"], r["kpi"]) if r["kpi"] else "no target yet",
            return_dtype=pl.String,
        )
        .alias("Goal this quarter")
    ).select(
        pl.col("quarter").alias("Quarter"),
        pl.col("focus").alias("Focus"),
        pl.col("aim").alias("Aim"),
        pl.col("name").fill_null("–").alias("KPI"),
        "Goal this quarter",
    ),
    hide_index=True,
    width="stretch",
)
