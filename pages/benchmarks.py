"""Benchmarks: you against your competitors and published industry figures."""

from __future__ import annotations

import polars as pl
import streamlit as st

from kpi_core.benchmarks import (
    bands,
    bullet_rows,
    compare,
    competitors_long,
    load_builtin,
    options,
    summary,
    validate_rows,
)
from kpi_core.catalogue import KPIS, kpis_for_fields, recommended
from kpi_core.charts import bullet_chart, ranked_chart
from kpi_core.compute import measures_in
from kpi_core.i18n import DEFAULT_CURRENCY, format_value, period_name
from kpi_core.issues import InputError
from kpi_core.scorecard import default_period
from ui import frame, loaders, session, widgets

COMPETITORS_KEY = session.COMPETITORS
#: The journey's step rates in order, for the funnel comparison.
FUNNEL_STEPS = ("ctr", "traffic_to_lead", "lead_to_mql", "mql_to_sql", "sql_to_customer",
                "lead_to_customer", "conversion_rate")  # fmt: skip
OWN_ROWS_KEY = session.OWN_BENCHMARKS

frame.ensure()
st.title("Benchmarks")
st.markdown(
    "Is a 2 % conversion rate good? Read your KPIs next to your nearest competitors and "
    "published industry figures, each shown with its source and year."
)

file, v = widgets.active_totals()

kind, at = widgets.current_period()
kf = loaders.kpis(file, loaders.mapping_for(file, v), period=kind)
if isinstance(kf, loaders.Failure):
    st.warning(f"{file.name}: {kf.message}")
    st.stop()
at = at if at in kf["period"].to_list() else default_period(kf)
row = kf.filter(pl.col("period") == at).row(0, named=True)

builtin = load_builtin()
own = pl.DataFrame(st.session_state.get(OWN_ROWS_KEY, []), schema=builtin.schema)
rows = pl.concat([builtin, own]) if own.height else builtin

available = {k.id for k in kpis_for_fields(measures_in(kf))}
benchmarked = set(rows["kpi_id"].unique())
chosen = st.session_state.get(f"kk_kpis_{file.key}") or recommended(measures_in(kf))
kpi_ids = [k for k in KPIS if k in available and (k in chosen or k in benchmarked)]
ours = {k: row.get(k) for k in kpi_ids}
# The competitor table asks only for KPIs that can be compared with something.
rival_ids = [k for k in kpi_ids if k in benchmarked or (k in chosen and KPIS[k].is_ratio)]

c1, c2, c3 = st.columns(3)
opts = options(rows)


def _choices(values: list[str]) -> list[str]:
    """ "" is the no-filter choice; the data's own catch-alls ("All channels") are not
    offered again, or two entries would read the same and filter differently."""
    return ["", *[v for v in values if v and not v.lower().startswith("all ")]]


industry = c1.selectbox(
    "Industry", _choices(opts["industries"]), format_func=lambda x: x or "All industries",
    key="kk_bench_industry",
)  # fmt: skip
region = c2.selectbox(
    "Region", _choices(opts["regions"]), format_func=lambda x: x or "All regions",
    key="kk_bench_region",
)  # fmt: skip
channel = c3.selectbox(
    "Channel", _choices(opts["channels"]), format_func=lambda x: x or "All channels",
    key="kk_bench_channel",
    help="Published figures differ a lot by channel: a search ad's CTR is not a Facebook ad's.",
)  # fmt: skip
band = bands(rows, industry=industry or None, region=region or None, channel=channel or None)

st.subheader("Your competitors")
st.caption(
    "Type in what you know or estimate about your nearest competitors for "
    f"{period_name(at)}. Leave a cell empty when you do not know it."
)
names = {k: KPIS[k].name for k in kpi_ids}
stored = st.session_state.get(COMPETITORS_KEY, [])
table = pl.DataFrame(
    {"Competitor": [r.get("Competitor") for r in stored]}
    | {names[k]: [r.get(names[k]) for r in stored] for k in rival_ids},
    schema={"Competitor": pl.String} | {names[k]: pl.Float64 for k in rival_ids},
)
edited = st.data_editor(
    table,
    num_rows="dynamic",
    hide_index=True,
    key=f"kk_competitor_editor_{file.key}",
    column_config={
        names[k]: st.column_config.NumberColumn(
            names[k], help=f"{KPIS[k].description} Rates as shares: 0.02 for 2 %."
        )
        for k in rival_ids
    },
)
st.session_state[COMPETITORS_KEY] = [r for r in edited.to_dicts() if r.get("Competitor")]

others = {k: f for k, f in session.files().items() if k != file.key}
sheet_key = st.selectbox(
    "…or take them from an uploaded competitor sheet (one row per competitor)",
    ["", *others],
    format_func=lambda k: others[k].name if k else "—",
    key="kk_competitor_sheet",
    help="Upload it on the Data page. Name the columns by KPI (‘Cost per click’, ‘CTR’, "
    "‘cpc’); the first text column holds the competitors' names.",
)
sheet_rows: list[dict] = []
if sheet_key:
    sv = loaders.view(others[sheet_key])
    if isinstance(sv, loaders.Failure):
        st.error(sv.message, icon=":material/error:")
    else:
        by_label = {KPIS[k].name.lower(): k for k in rival_ids} | {k: k for k in rival_ids}
        columns = {
            c: by_label[c.strip().lower()] for c in sv.table.kinds if c.strip().lower() in by_label
        }
        name_col = next((c for c, kd in sv.table.kinds.items() if kd in ("text", "id")), None)
        if name_col is None or not columns:
            st.error(
                f"{others[sheet_key].name}: no competitor names or KPI columns found. Put one "
                "competitor per row, names in the first text column and KPIs in columns named "
                "by KPI (for example ‘Cost per click’ or ‘cpc’).",
                icon=":material/error:",
            )
        else:
            try:
                sheet_rows = competitors_long(
                    sv.table.frame, name_column=name_col, kpi_columns=columns
                ).to_dicts()
                st.caption(
                    f"From {others[sheet_key].name}: "
                    + ", ".join(sorted({r["competitor"] for r in sheet_rows}))
                    + f" ({', '.join(KPIS[k].name for k in dict.fromkeys(columns.values()))})."
                )
            except InputError as err:
                st.error(f"{others[sheet_key].name}: {err}", icon=":material/error:")
long = pl.DataFrame(
    [
        {"competitor": r["Competitor"], "kpi_id": k, "value": r.get(names[k])}
        for r in st.session_state[COMPETITORS_KEY]
        for k in rival_ids
        if r.get(names[k]) is not None
    ]
    + [r for r in sheet_rows if r["value"] is not None],
    schema={"competitor": pl.String, "kpi_id": pl.String, "value": pl.Float64},
)

comparison = compare(
    ours, competitors=long if long.height else None, bands=band, currency=DEFAULT_CURRENCY
)

st.subheader(f"How you compare in {period_name(at)}")
for line in summary(comparison, currency=DEFAULT_CURRENCY):
    st.markdown(line)
foreign = comparison.filter(
    pl.col("band_currency").is_not_null() & (pl.col("band_currency") != DEFAULT_CURRENCY)
)
if foreign.height:
    currencies = ", ".join(foreign["band_currency"].unique(maintain_order=True))
    st.caption(
        f"Published amounts for {', '.join(foreign['name'])} are in {currencies}. They are "
        f"shown beside yours but not converted to {DEFAULT_CURRENCY}, so they are not "
        "ranked against the band."
    )

chart_rows = bullet_rows(comparison, long, currency=DEFAULT_CURRENCY)
if not chart_rows.is_empty():
    st.altair_chart(bullet_chart(chart_rows))
    st.caption("Diamond: you. Circles: competitors. Grey bar: the published range; tick: typical.")


def _figure(value: float | None, kpi_id: str, currency: str | None) -> str:
    if value is None:
        return "–"
    return format_value(value, KPIS[kpi_id].unit, currency=currency or DEFAULT_CURRENCY)


if long.height:
    st.subheader("Ranked")
    ranked = []
    for r in comparison.to_dicts():
        sign = -1.0 if KPIS[r["kpi_id"]].direction == "lower" else 1.0
        parties = [("You", r["value"])] + [
            (c["competitor"], c["value"])
            for c in long.filter(pl.col("kpi_id") == r["kpi_id"]).to_dicts()
        ]
        if len(parties) > 1:
            ranked += [
                {"name": r["name"], "who": w, "value": x, "score": sign * x}
                for w, x in parties
                if x is not None
            ]
    if ranked:
        st.altair_chart(ranked_chart(pl.DataFrame(ranked)))
        st.caption("Best at the top of each KPI, in its own direction (lower cost is better).")

steps = [k for k in FUNNEL_STEPS if k in set(comparison["kpi_id"])]
funnel_rows = comparison.filter(pl.col("kpi_id").is_in(steps) & pl.col("position").is_not_null())
if funnel_rows.height:
    st.subheader("Your funnel against published stage rates")
    below = funnel_rows.filter(pl.col("position") == "worse than band")
    if below.height:
        st.markdown(
            "Below the published range: **"
            + "**, **".join(below["name"])
            + "**. These are the steps to work on first."
        )
    else:
        st.markdown("Every step with a published rate is within or above its range.")
    st.dataframe(
        pl.DataFrame(
            {
                "Step": funnel_rows["name"],
                "You": [format_value(x, "percent") for x in funnel_rows["value"]],
                "Published range": [
                    f"{format_value(lo, 'percent')} – {format_value(hi, 'percent')}"
                    if lo is not None and hi is not None
                    else format_value(ty, "percent")
                    for lo, hi, ty in zip(
                        funnel_rows["low"], funnel_rows["high"], funnel_rows["typical"], strict=True
                    )
                ],
                "Compared with it": funnel_rows["position"],
                "Source and year": [
                    f"{src}, {year}" if year else src
                    for src, year in zip(
                        funnel_rows["source_name"], funnel_rows["period"], strict=True
                    )
                ],
            }
        ),
        hide_index=True,
    )

# Rows with neither a published figure nor a competitor say nothing on this page.
table = [
    r
    for r in comparison.to_dicts()
    if r["low"] is not None or r["typical"] is not None or r["high"] is not None or r["of"] > 1
]
st.dataframe(
    pl.DataFrame(
        {
            "KPI": [r["name"] for r in table],
            "You": [_figure(r["value"], r["kpi_id"], DEFAULT_CURRENCY) for r in table],
            "Published range": [
                f"{_figure(r['low'], r['kpi_id'], r['band_currency'])} – "
                f"{_figure(r['high'], r['kpi_id'], r['band_currency'])}"
                if r["low"] is not None or r["high"] is not None
                else _figure(r["typical"], r["kpi_id"], r["band_currency"])
                for r in table
            ],
            "Compared with it": [r["position"] or "" for r in table],
            "Rank": [
                f"{r['rank']} of {r['of']}" if r["rank"] is not None and r["of"] > 1 else ""
                for r in table
            ],
            "Source": [r["source_name"] or "" for r in table],
            "Year": [r["period"] or "" for r in table],
            "Link": [r["source_url"] for r in table],
        }
    ),
    hide_index=True,
    column_config={"Link": st.column_config.LinkColumn("Link", display_text="source")},
)

with st.expander("Your own benchmark figures (for example from a trade association)"):
    st.caption(
        "Add figures for your own peer set. Every row needs a source: a figure without one "
        "cannot be checked by your client."
    )
    mine = st.data_editor(
        # Every column, so a row round-trips whole: what is not shown is not lost.
        own.select(builtin.columns),
        num_rows="dynamic",
        hide_index=True,
        key="kk_own_benchmarks",
        column_config={
            "kpi_id": st.column_config.SelectboxColumn("KPI", options=list(KPIS), required=True),
            "statistic": st.column_config.SelectboxColumn(
                "Statistic", options=["low", "typical", "high", "median", "mean", "p25", "p75"]
            ),
        },
    )  # fmt: skip
    candidate = pl.concat([own.head(0), mine.select(pl.all())], how="diagonal_relaxed")
    problems = validate_rows(candidate) if candidate.height else []
    widgets.show_issues(problems)
    if not [p for p in problems if p.level == "error"]:
        st.session_state[OWN_ROWS_KEY] = candidate.to_dicts()

bad_builtin = [p for p in validate_rows(builtin) if p.level == "error"]
if bad_builtin:
    widgets.show_issues(bad_builtin, source="built-in benchmarks")
