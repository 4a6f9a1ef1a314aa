"""Benchmarks: you against your competitors and published industry figures."""

from __future__ import annotations

from collections.abc import Callable

import polars as pl
import streamlit as st

from kpi_core.benchmarks import (
    WORSE_THAN_BAND,
    bands,
    bullet_rows,
    compare,
    competitors_long,
    data_text,
    load_builtin,
    options,
    position_text,
    summary,
    validate_rows,
)
from kpi_core.benchmarks import format_value as figure_text
from kpi_core.catalogue import KPIS, kpis_for_fields, recommended
from kpi_core.charts import bullet_chart, ranked_chart
from kpi_core.compute import measures_in
from kpi_core.issues import InputError
from kpi_core.scorecard import default_period
from ui import frame, lang, loaders, session, widgets

COMPETITORS_KEY = session.COMPETITORS
#: The journey's step rates in order, for the funnel comparison.
FUNNEL_STEPS = ("ctr", "traffic_to_lead", "lead_to_mql", "mql_to_sql", "sql_to_customer",
                "lead_to_customer", "conversion_rate")  # fmt: skip
OWN_ROWS_KEY = session.OWN_BENCHMARKS

frame.ensure()
loc = lang.current()
money = lang.currency()
st.title(lang.t("page.benchmarks"))
st.markdown(lang.t("benchmarks.page.intro"))

file, v = widgets.active_totals()

kind, at = widgets.current_period()
kf = loaders.kpis(file, loaders.mapping_for(file, v), period=kind)
if isinstance(kf, loaders.Failure):
    st.warning(lang.t("benchmarks.page.file_says", file=file.name, message=kf.text(loc)))
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


#: What the no-filter choice ("") of each picker reads.
_ANY = {
    "industry": lang.t("benchmarks.industry.all_industries"),
    "region": lang.t("benchmarks.region.all_regions"),
    "channel": lang.t("benchmarks.channel.all_channels"),
}


def _shown(column: str) -> Callable[[str], str]:
    """The picker's words for a table text of ``column`` (its value stays the English id)."""
    return lambda x: data_text(column, x, locale=loc) if x else _ANY[column]


industry = c1.selectbox(
    lang.t("benchmarks.page.industry"),
    _choices(opts["industries"]),
    format_func=_shown("industry"),
    key="kk_bench_industry",
)
region = c2.selectbox(
    lang.t("benchmarks.page.region"),
    _choices(opts["regions"]),
    format_func=_shown("region"),
    key="kk_bench_region",
)
channel = c3.selectbox(
    lang.t("benchmarks.page.channel"),
    _choices(opts["channels"]),
    format_func=_shown("channel"),
    key="kk_bench_channel",
    help=lang.t("benchmarks.page.channel_help"),
)
band = bands(rows, industry=industry or None, region=region or None, channel=channel or None)

st.subheader(lang.t("benchmarks.page.competitors"))
st.caption(lang.t("benchmarks.page.competitors_help", period=lang.period(at)))
# Saved workspaces keep competitor rows as {"Competitor": name, "<English KPI name>": value}.
# That stays the stored form; the editor works on KPI ids and shows headers in the language.
names = {k: KPIS[k].label(loc) for k in kpi_ids}
stored_as = {k: KPIS[k].name for k in kpi_ids}
stored = st.session_state.get(COMPETITORS_KEY, [])
table = pl.DataFrame(
    {"Competitor": [r.get("Competitor") for r in stored]}
    | {k: [r.get(stored_as[k]) for r in stored] for k in rival_ids},
    schema={"Competitor": pl.String} | {k: pl.Float64 for k in rival_ids},
)
edited = st.data_editor(
    table,
    num_rows="dynamic",
    hide_index=True,
    key=f"kk_competitor_editor_{file.key}",
    column_config={"Competitor": st.column_config.TextColumn(lang.t("benchmarks.competitor"))}
    | {
        k: st.column_config.NumberColumn(
            names[k], help=lang.t("benchmarks.page.cell_help", about=KPIS[k].about(loc))
        )
        for k in rival_ids
    },
)
st.session_state[COMPETITORS_KEY] = [
    {"Competitor": r["Competitor"]} | {stored_as[k]: r.get(k) for k in rival_ids}
    for r in edited.to_dicts()
    if r.get("Competitor")
]

others = {k: f for k, f in session.files().items() if k != file.key}
sheet_key = st.selectbox(
    lang.t("benchmarks.page.sheet"),
    ["", *others],
    format_func=lambda k: others[k].name if k else "—",
    key="kk_competitor_sheet",
    help=lang.t("benchmarks.page.sheet_help"),
)
sheet_rows: list[dict] = []
if sheet_key:
    sv = loaders.view(others[sheet_key])
    if isinstance(sv, loaders.Failure):
        st.error(sv.text(loc), icon=":material/error:")
    else:
        # A sheet may name its columns in English or in the user's language.
        by_label = (
            {KPIS[k].name.lower(): k for k in rival_ids}
            | {KPIS[k].label(loc).lower(): k for k in rival_ids}
            | {k: k for k in rival_ids}
        )
        columns = {
            c: by_label[c.strip().lower()] for c in sv.table.kinds if c.strip().lower() in by_label
        }
        name_col = next((c for c, kd in sv.table.kinds.items() if kd in ("text", "id")), None)
        if name_col is None or not columns:
            st.error(
                lang.t("benchmarks.page.sheet_empty", file=others[sheet_key].name),
                icon=":material/error:",
            )
        else:
            try:
                sheet_rows = competitors_long(
                    sv.table.frame, name_column=name_col, kpi_columns=columns
                ).to_dicts()
                st.caption(
                    lang.t(
                        "benchmarks.page.sheet_from",
                        file=others[sheet_key].name,
                        names=", ".join(sorted({r["competitor"] for r in sheet_rows})),
                        kpis=", ".join(names[k] for k in dict.fromkeys(columns.values())),
                    )
                )
            except InputError as err:
                st.error(
                    lang.t("benchmarks.page.file_says", file=others[sheet_key].name,
                           message=err.text(loc)),
                    icon=":material/error:",
                )  # fmt: skip
long = pl.DataFrame(
    [
        {"competitor": r["Competitor"], "kpi_id": k, "value": r.get(stored_as[k])}
        for r in st.session_state[COMPETITORS_KEY]
        for k in rival_ids
        if r.get(stored_as[k]) is not None
    ]
    + [r for r in sheet_rows if r["value"] is not None],
    schema={"competitor": pl.String, "kpi_id": pl.String, "value": pl.Float64},
)

comparison = compare(
    ours, competitors=long if long.height else None, bands=band, currency=money, locale=loc
)

st.subheader(lang.t("benchmarks.page.how_you_compare", period=lang.period(at)))
for line in summary(comparison, currency=money, locale=loc):
    st.markdown(line)
foreign = comparison.filter(
    pl.col("band_currency").is_not_null() & (pl.col("band_currency") != money)
)
if foreign.height:
    currencies = foreign["band_currency"].unique(maintain_order=True).to_list()
    st.caption(
        lang.t(
            "benchmarks.page.foreign",
            kpis=lang.words(foreign["name"].to_list()),
            currencies=lang.words(currencies),
            currency=money,
        )
    )

chart_rows = bullet_rows(comparison, long, currency=money)
if not chart_rows.is_empty():
    lang.chart(bullet_chart(chart_rows, locale=loc))
    st.caption(lang.t("benchmarks.page.bullet_caption"))


def _figure(value: float | None, kpi_id: str, currency: str | None) -> str:
    if value is None:
        return "–"
    return figure_text(value, KPIS[kpi_id].unit, currency=currency or money, locale=loc)


if long.height:
    st.subheader(lang.t("benchmarks.page.ranked"))
    ranked = []
    for r in comparison.to_dicts():
        sign = -1.0 if KPIS[r["kpi_id"]].direction == "lower" else 1.0
        # "You" is the id the chart names in the language (kpi_core.charts).
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
        lang.chart(ranked_chart(pl.DataFrame(ranked), locale=loc))
        st.caption(lang.t("benchmarks.page.ranked_caption"))

steps = [k for k in FUNNEL_STEPS if k in set(comparison["kpi_id"])]
funnel_rows = comparison.filter(pl.col("kpi_id").is_in(steps) & pl.col("position").is_not_null())
if funnel_rows.height:
    st.subheader(lang.t("benchmarks.page.funnel"))
    below = funnel_rows.filter(pl.col("position") == WORSE_THAN_BAND)
    if below.height:
        st.markdown(lang.t("benchmarks.page.funnel_below", steps="**, **".join(below["name"])))
    else:
        st.markdown(lang.t("benchmarks.page.funnel_fine"))
    st.dataframe(
        pl.DataFrame(
            {
                lang.t("benchmarks.page.col_step"): funnel_rows["name"],
                lang.t("benchmarks.you"): [lang.value(x, "percent") for x in funnel_rows["value"]],
                lang.t("benchmarks.page.col_range"): [
                    f"{lang.value(lo, 'percent')} – {lang.value(hi, 'percent')}"
                    if lo is not None and hi is not None
                    else lang.value(ty, "percent")
                    for lo, hi, ty in zip(
                        funnel_rows["low"], funnel_rows["high"], funnel_rows["typical"], strict=True
                    )
                ],
                lang.t("benchmarks.page.col_position"): [
                    position_text(p, locale=loc) for p in funnel_rows["position"]
                ],
                lang.t("benchmarks.page.col_source_year"): [
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
            lang.t("benchmarks.page.col_kpi"): [r["name"] for r in table],
            lang.t("benchmarks.you"): [_figure(r["value"], r["kpi_id"], money) for r in table],
            lang.t("benchmarks.page.col_range"): [
                f"{_figure(r['low'], r['kpi_id'], r['band_currency'])} – "
                f"{_figure(r['high'], r['kpi_id'], r['band_currency'])}"
                if r["low"] is not None or r["high"] is not None
                else _figure(r["typical"], r["kpi_id"], r["band_currency"])
                for r in table
            ],
            lang.t("benchmarks.page.col_position"): [
                position_text(r["position"], locale=loc) for r in table
            ],
            lang.t("benchmarks.page.col_rank"): [
                lang.t("benchmarks.rank", rank=r["rank"], of=r["of"])
                if r["rank"] is not None and r["of"] > 1
                else ""
                for r in table
            ],
            lang.t("benchmarks.page.col_source"): [r["source_name"] or "" for r in table],
            lang.t("benchmarks.page.col_year"): [r["period"] or "" for r in table],
            "link": [r["source_url"] for r in table],
        }
    ),
    hide_index=True,
    column_config={
        "link": st.column_config.LinkColumn(
            lang.t("benchmarks.page.col_link"), display_text=lang.t("benchmarks.page.link_text")
        )
    },
)

with st.expander(lang.t("benchmarks.page.own_title")):
    st.caption(lang.t("benchmarks.page.own_help"))
    mine = st.data_editor(
        # Every column, so a row round-trips whole: what is not shown is not lost.
        own.select(builtin.columns),
        num_rows="dynamic",
        hide_index=True,
        key="kk_own_benchmarks",
        column_config={
            "kpi_id": st.column_config.SelectboxColumn(
                lang.t("benchmarks.page.col_kpi"), options=list(KPIS), required=True
            ),
            "statistic": st.column_config.SelectboxColumn(
                lang.t("benchmarks.page.col_statistic"),
                options=["low", "typical", "high", "median", "mean", "p25", "p75"],
            ),
        } | {
            column: st.column_config.Column(lang.t(f"benchmarks.page.own_col.{column}"))
            for column in builtin.columns
            if column not in ("kpi_id", "statistic")
        },
    )  # fmt: skip
    candidate = pl.concat([own.head(0), mine.select(pl.all())], how="diagonal_relaxed")
    problems = validate_rows(candidate, locale=loc) if candidate.height else []
    widgets.show_issues(problems)
    if not [p for p in problems if p.level == "error"]:
        st.session_state[OWN_ROWS_KEY] = candidate.to_dicts()

bad_builtin = [p for p in validate_rows(builtin, locale=loc) if p.level == "error"]
if bad_builtin:
    widgets.show_issues(bad_builtin, source=lang.t("benchmarks.page.builtin"))
