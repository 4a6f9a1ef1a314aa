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
from kpi_core.issues import InputError
from kpi_core.targets import (
    SPLIT_METHODS,
    STATUSES,
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
    status_name,
    with_baseline,
    with_steps,
)
from ui import frame, lang, session, widgets, workspace

_STATUS_ICON = dict(
    zip(
        STATUSES,
        (":material/error:", ":material/warning:", ":material/check_circle:",
         ":material/schedule:", ":material/help:"),
        strict=True,
    )
)  # fmt: skip
_STATUS_ORDER = list(STATUSES)
_SMART_ICON = {"error": ":material/error:", "warning": ":material/warning:"}

frame.ensure()
st.title(lang.t("page.targets"))
locale, currency = lang.current(), lang.currency()

file, mapping, kf = widgets.active_monthly()
available = kpis_for_fields(measures_in(kf))
fields = set(measures_in(kf))
targets = session.targets()


def _shown(value: float | None, kpi_id: str) -> str:
    return lang.value(value, KPIS[kpi_id].unit, compact=True)


def _value_label(kpi_unit: str) -> str:
    """The header of a target's number: its unit, or the workspace's currency."""
    return lang.t(f"targets.form.value_{kpi_unit}", currency=currency)


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
        st.info(lang.t("targets.form.no_kpis"))
        return None
    kpi_id = st.selectbox(
        lang.t("targets.form.kpi"),
        ids,
        index=ids.index(initial.kpi) if initial and initial.kpi in ids else 0,
        format_func={i: KPIS[i].label(locale) for i in ids}.__getitem__,
        key=f"{prefix}_kpi",
    )
    options = _period_options()
    if initial and initial.label not in options:
        options.insert(0, initial.label)
    period = st.selectbox(
        lang.t("targets.form.period"),
        options,
        index=options.index(initial.label) if initial else 0,
        format_func={o: lang.period(o) for o in options}.__getitem__,
        key=f"{prefix}_period",
        help=lang.t("targets.form.period_help"),
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
        lang.t("targets.form.last_year", value=_shown(base, kpi_id))
        if base is not None
        else lang.t("targets.form.no_last_year")
    )
    scale = 100.0 if k.is_rate else 1.0
    # The key follows the KPI and period so the suggestion updates when they change.
    value = st.number_input(
        _value_label(k.unit),
        min_value=0.0,
        max_value=100.0 if k.is_rate else None,
        value=round(suggested * scale, 2 if k.is_rate else 0),
        step=0.1 if k.is_rate else 1.0,
        format="%.2f" if k.is_rate else "%.0f",
        key=f"{prefix}_value_{kpi_id}_{period}",
    )
    owner = st.text_input(
        lang.t("targets.form.owner"), value=initial.owner if initial else "", key=f"{prefix}_owner"
    )
    goal = st.text_input(
        lang.t("targets.form.goal"),
        value=initial.goal if initial else "",
        key=f"{prefix}_goal",
        placeholder=lang.t("targets.form.goal_placeholder"),
    )
    notes = st.text_area(
        lang.t("targets.form.notes"), value=initial.notes if initial else "", key=f"{prefix}_notes"
    )
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
with add, st.popover(lang.t("targets.add.open"), icon=":material/add:", width="stretch"):
    new = _target_inputs("kk_tg_new", None)
    if new is not None and st.button(lang.t("targets.add.button"), type="primary", key="kk_tg_add"):
        session.put_target(new)
        st.session_state["kk_tg_pick"] = new.id
        st.rerun()

if not targets:
    with head:
        st.info(lang.t("targets.empty", leads=4400))
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
            st.session_state[workspace.NOTE_KEY] = lang.t("targets.note_seasonal")
        except InputError:
            pass

ordered = sorted(targets.values(), key=lambda t: (t.start, stage_order(t.kpi)))
paces: dict[str, Pacing] = {t.id: pace(with_baseline(t, kf), kf) for t in ordered}
through = max((p.through for p in paces.values() if p.through), default=None)

with head:
    counts = {s: sum(p.status == s for p in paces.values()) for s in _STATUS_ORDER}
    parts = [f"{lang.number(n)} {status_name(s, locale=locale)}" for s, n in counts.items() if n]
    st.caption(
        lang.t("targets.data_to", file=file.name, day=lang.day(through))
        if through
        else lang.t("targets.no_data_yet", file=file.name)
    )
    st.markdown(lang.t("targets.summary", count=len(paces), parts=lang.words(parts)))
for p in sorted(paces.values(), key=lambda p: _STATUS_ORDER.index(p.status)):
    st.markdown(f"{_STATUS_ICON[p.status]} {pacing_sentence(p, locale=locale, currency=currency)}")

_COLUMNS = ("kpi", "period", "target", "last_year", "so_far", "pace", "status", "owner")
table = pl.DataFrame(
    [
        (
            KPIS[t.kpi].label(locale),
            lang.period(t.label),
            _shown(t.value, t.kpi),
            _shown(paces[t.id].target.baseline, t.kpi),
            _shown(paces[t.id].actual, t.kpi),
            _shown(paces[t.id].projected, t.kpi),
            status_name(paces[t.id].status, locale=locale),
            t.owner,
        )
        for t in ordered
    ],
    schema={lang.t(f"targets.table.{c}"): pl.String for c in _COLUMNS},
    orient="row",
)
st.dataframe(table, hide_index=True, width="stretch")

# -- One target, looked at closely -------------------------------------------------------------
st.subheader(lang.t("targets.closer.title"))
ids = [t.id for t in ordered]
if st.session_state.get("kk_tg_pick") not in ids:
    st.session_state["kk_tg_pick"] = ids[0]
pick_col, edit_col = st.columns([4, 1], vertical_alignment="bottom")
with pick_col:
    chosen_id = st.selectbox(
        lang.t("targets.closer.pick"),
        ids,
        format_func={
            i: f"{KPIS[targets[i].kpi].label(locale)}, {lang.period(targets[i].label)}" for i in ids
        }.__getitem__,
        key="kk_tg_pick",
    )
t = targets[chosen_id]
k = KPIS[t.kpi]
p = paces[chosen_id]
with edit_col, st.popover(lang.t("targets.closer.edit"), icon=":material/edit:", width="stretch"):
    edited = _target_inputs(f"kk_tg_edit_{t.id}", t)
    save, delete = st.columns(2)
    if edited is not None and save.button(
        lang.t("targets.closer.save"), type="primary", key=f"kk_tg_save_{t.id}"
    ):
        keep_steps = edited.kpi == t.kpi and edited.label == t.label and edited.value == t.value
        session.put_target(replace(edited, steps=t.steps if keep_steps else ()))
        st.rerun()
    if delete.button(lang.t("targets.closer.delete"), key=f"kk_tg_delete_{t.id}"):
        session.remove_target(t.id)
        st.rerun()

st.markdown(f"{_STATUS_ICON[p.status]} {pacing_sentence(p, locale=locale, currency=currency)}")
chart_col, numbers_col = st.columns([3, 1])
with chart_col:
    lang.chart(pacing_chart(p.months, kpi=k, locale=locale), width="stretch")
with numbers_col:
    st.metric(lang.t("targets.table.target"), _shown(t.value, t.kpi), border=True)
    st.metric(lang.t("targets.table.so_far"), _shown(p.actual, t.kpi), border=True)
    if t.additive:
        st.metric(lang.t("targets.closer.plan"), _shown(p.expected, t.kpi), border=True)
    st.metric(lang.t("targets.table.pace"), _shown(p.projected, t.kpi), border=True)
    if p.elapsed:
        st.progress(
            min(p.elapsed, 1.0),
            text=lang.t("targets.closer.elapsed", percent=round(p.elapsed * 100)),
        )

st.markdown(lang.t("targets.closer.smart"))
for c in smart_check(
    with_baseline(t, kf),
    fields=fields,
    history=kf,
    today=dt.date.today(),
    locale=locale,
    currency=currency,
):
    icon = ":material/check:" if c.ok else _SMART_ICON.get(c.level, ":material/info:")
    st.markdown(f"{icon} **{c.name}.** {c.message}")

# -- Steps --------------------------------------------------------------------------------------
if t.kind != "month":
    st.markdown(lang.t("targets.steps.title"))
    into_options = ["quarter", "month"] if t.kind == "year" else ["month"]
    c1, c2, c3 = st.columns([1, 2, 1], vertical_alignment="bottom")
    into = (
        c1.segmented_control(
            lang.t("targets.steps.split_into"),
            into_options,
            default=into_options[0],
            format_func={s: lang.t(f"targets.steps.into_{s}") for s in into_options}.__getitem__,
            required=True,
            key=f"kk_tg_into_{t.id}",
        )
        or into_options[0]
    )
    method = c2.selectbox(
        lang.t("targets.steps.how"),
        SPLIT_METHODS,
        index=1,
        format_func={m: lang.t(f"targets.method.{m}") for m in SPLIT_METHODS}.__getitem__,
        key=f"kk_tg_method_{t.id}",
        help=lang.t("targets.steps.how_help"),
    )
    version_key = f"kk_tg_steps_version_{t.id}"
    if c3.button(lang.t("targets.steps.split"), key=f"kk_tg_split_{t.id}", width="stretch"):
        try:
            steps = split(with_baseline(t, kf), into=into, method=method, history=kf)
            session.put_target(replace(t, steps=tuple(steps)))
            st.session_state[version_key] = st.session_state.get(version_key, 0) + 1
            st.rerun()
        except InputError as err:
            st.error(err.text(locale))
    scale = 100.0 if k.is_rate else 1.0
    step_column, value_column = lang.t("targets.steps.step"), _value_label(k.unit)
    steps_frame = pl.DataFrame(
        {
            step_column: [lang.period(s.label) for s in t.steps],
            value_column: [round(s.value * scale, 4) for s in t.steps],
        },
        schema={step_column: pl.String, value_column: pl.Float64},
    )
    edited_steps = st.data_editor(
        steps_frame,
        hide_index=True,
        disabled=[step_column],
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
        st.caption(lang.t("targets.steps.total", total=lang.value(total, k.unit)))
    widgets.show_issues(check_steps(t, locale=locale, currency=currency))

# -- The year as a journey ---------------------------------------------------------------------
st.subheader(lang.t("targets.journey.title"))
years = sorted({t.start.year for t in ordered})
year = st.selectbox(
    lang.t("period.year"), years, index=len(years) - 1, format_func=str, key="kk_tg_year"
)
plan = journey_plan(list(targets.values()), year=year, locale=locale)
st.caption(lang.t("targets.journey.caption"))
no_target = lang.t("targets.journey.no_target")
journey = pl.DataFrame(
    [
        (
            lang.period(f"{year}-{r['quarter']}", style="short"),
            r["focus"],
            r["aim"],
            r["name"] or "–",
            _shown(r["goal"], r["kpi"]) if r["kpi"] else no_target,
        )
        for r in plan.iter_rows(named=True)
    ],
    schema={
        lang.t("period.quarter"): pl.String,
        lang.t("targets.journey.column.focus"): pl.String,
        lang.t("targets.journey.column.aim"): pl.String,
        lang.t("targets.table.kpi"): pl.String,
        lang.t("targets.journey.column.goal"): pl.String,
    },
    orient="row",
)
st.dataframe(journey, hide_index=True, width="stretch")
