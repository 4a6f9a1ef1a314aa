"""Customers: who keeps buying, who to call, how satisfied they are, and A/B tests."""

from __future__ import annotations

import datetime as dt

import polars as pl
import streamlit as st

from kpi_core.abtest import Variant, compare, sample_size
from kpi_core.charts import customers_chart, retention_chart, score_chart
from kpi_core.customers import (
    cohorts,
    latest_date,
    looks_like_orders,
    monthly,
    order_frame,
    retention_value,
    suggest_customer_columns,
    summarize,
    to_contact,
    validate,
)
from kpi_core.export import safe_text
from kpi_core.issues import InputError
from kpi_core.satisfaction import (
    csat_monthly,
    first_response,
    nps_monthly,
    suggest_survey_columns,
    suggest_ticket_columns,
    validate_survey,
    validate_tickets,
)
from ui import frame, lang, loaders, session, widgets

_KEY = "kk_cu"

frame.ensure()
st.title(lang.t("page.customers"))
st.caption(lang.t("customers.page.intro"))


def _kind_files(test) -> list[session.DataFile]:
    """The session's files whose columns pass ``test`` (kinds -> bool)."""
    out = []
    for f in session.files().values():
        v = loaders.view(f)
        if isinstance(v, loaders.TableView) and test(v.table.kinds):
            out.append(f)
    return out


def _pick(label: str, files: list[session.DataFile], key: str) -> session.DataFile | None:
    if not files:
        return None
    names = [f.key for f in files]
    chosen = st.selectbox(
        label,
        names,
        format_func=lambda k: next(f.name for f in files if f.key == k),
        key=key,
    )
    return next(f for f in files if f.key == chosen)


def _suggests(suggest) -> object:
    def test(kinds: dict[str, str]) -> bool:
        try:
            suggest(kinds)
        except InputError:
            return False
        return True

    return test


def _full_frame(file: session.DataFile) -> pl.DataFrame | None:
    table = loaders.full_table(file)
    if isinstance(table, loaders.Failure):
        st.error(f"{file.name}: {table.text(lang.current())}", icon=":material/error:")
        return None
    return table


def _money(x: float | None) -> str:
    return lang.value(x, "currency", compact=True)


def _plain(x: float) -> str:
    """``3`` or ``2,5``: a number typed into an input, as the language writes it."""
    return lang.number(x, digits=0 if float(x).is_integer() else 1)


def _hours(x: float | None) -> str:
    return lang.number(x, digits=1)


def _cells(values: list[object], show) -> list[str]:
    """A display column: each value through ``show``, a missing one as an en dash."""
    return ["–" if v is None else show(v) for v in values]


# -- Retention and value ---------------------------------------------------------------------------
st.header(lang.t("customers.page.retention_header"), divider="gray")
order_files = _kind_files(looks_like_orders)
orders_file = _pick(lang.t("customers.page.order_file"), order_files, f"{_KEY}_orders_file")
if orders_file is None:
    st.info(lang.t("customers.page.upload_orders"))
else:
    raw = _full_frame(orders_file)
    if raw is not None:
        cols = suggest_customer_columns(loaders.view(orders_file).table.kinds)
        widgets.show_issues(validate(raw, cols, locale=lang.current()), source=orders_file.name)
        orders = order_frame(raw, cols)
        c1, c2 = st.columns([1, 3])
        inactive = c1.number_input(
            lang.t("customers.page.inactive_label"),
            min_value=1,
            max_value=36,
            value=12,
            step=1,
            key=f"{_KEY}_inactive",
            help=lang.t("customers.page.inactive_help"),
        )
        s = summarize(
            orders, inactive_months=int(inactive), locale=lang.current(), currency=lang.currency()
        )
        for line in s.sentences:
            st.markdown(line)
        m = [*st.columns(3), *st.columns(3)]
        m[0].metric(lang.t("customers.page.active"), lang.number(s.active_now), border=True)
        m[1].metric(
            lang.t("customers.page.repeat"),
            lang.value(s.repeat_purchase_rate, "percent"),
            border=True,
        )
        m[2].metric(
            lang.t("customers.page.lost_a_month"),
            lang.value(s.monthly_churn_rate, "percent"),
            border=True,
        )
        m[3].metric(
            lang.t("customers.page.revenue_per_customer_month"),
            _money(s.revenue_per_customer_month),
            border=True,
        )
        m[4].metric(
            lang.t("customers.page.lifetime"),
            lang.t("customers.page.lifetime_months", months=lang.number(s.lifetime_months))
            if s.lifetime_months
            else "–",
            border=True,
        )
        m[5].metric(lang.t("customers.page.clv"), _money(s.clv), border=True)

        by_month = monthly(orders, inactive_months=int(inactive))
        lang.chart(customers_chart(by_month, locale=lang.current()), width="stretch")
        with st.expander(lang.t("customers.page.month_by_month")):
            shown: dict[str, list[str]] = {
                lang.t("customers.page.col.month"): _cells(
                    by_month["period"].to_list(), lambda p: lang.period(p, style="short")
                )
            }
            for column, unit in (
                ("active_start", "count"),
                ("active", "count"),
                ("buying", "count"),
                ("new", "count"),
                ("returning", "count"),
                ("repeat_rate", "percent"),
                ("churned", "count"),
                ("churn_rate", "percent"),
                ("orders", "count"),
                ("revenue", "currency"),
                ("revenue_returning", "currency"),
                ("revenue_per_customer", "currency"),
            ):
                shown[lang.t(f"customers.page.col.{column}")] = _cells(
                    by_month[column].to_list(), lambda x, u=unit: lang.value(x, u)
                )
            st.dataframe(pl.DataFrame(shown), hide_index=True, width="stretch")

        st.subheader(lang.t("customers.page.cohorts_header"))
        table = cohorts(orders)
        st.caption(lang.t("customers.page.cohorts_caption"))
        lang.chart(retention_chart(table, locale=lang.current()), width="stretch")

        st.subheader(lang.t("customers.page.worth_header"))
        k1, k2, k3 = st.columns([1, 1, 2], vertical_alignment="bottom")
        extra = k1.number_input(
            lang.t("customers.page.extra_months"), 0, 60, 3, 1, key=f"{_KEY}_extra"
        )
        more = k2.number_input(lang.t("customers.page.sell_more"), 0, 100, 5, 1, key=f"{_KEY}_more")
        try:
            worth = retention_value(s, extra_months=extra, sell_more=more / 100)
        except InputError as err:
            k3.info(err.text(lang.current()), icon=":material/info:")
        else:
            k3.markdown(
                lang.t(
                    "customers.page.worth",
                    months=_plain(extra),
                    keep=_money(worth["keep_longer"]),
                    more=_plain(more),
                    sell=_money(worth["sell_more"]),
                )
            )

        # -- Who to contact ----------------------------------------------------------------
        st.header(lang.t("customers.page.calls_header"), divider="gray")
        as_of = latest_date(orders) if not orders.is_empty() else dt.date.today()
        quiet = st.number_input(
            lang.t("customers.page.quiet_label"),
            min_value=1,
            max_value=36,
            value=3,
            step=1,
            key=f"{_KEY}_quiet",
        )
        calls = to_contact(orders, inactive_months=int(quiet), today=as_of)
        st.markdown(
            lang.t(
                "customers.page.calls",
                count=calls.height,
                months=lang.t("customers.page.months", count=int(quiet)),
                day=lang.day(as_of),
            )
        )
        top = calls.head(200)
        st.dataframe(
            pl.DataFrame(
                {
                    lang.t("customers.page.col.customer"): top["customer"],
                    lang.t("customers.page.col.name"): top["name"],
                    lang.t("customers.page.col.channel"): top["channel"],
                    lang.t("customers.page.col.last_order"): _cells(
                        top["last_order"].to_list(), lang.day
                    ),
                    lang.t("customers.page.col.last_contact"): _cells(
                        top["last_contact"].to_list(), lang.day
                    ),
                    lang.t("customers.page.col.months_quiet"): _cells(
                        top["months_quiet"].to_list(), lang.number
                    ),
                    lang.t("customers.page.col.order_days"): _cells(
                        top["orders"].to_list(), lang.number
                    ),
                    lang.t("customers.page.col.revenue_all_time"): _cells(
                        top["revenue"].to_list(), lambda x: lang.value(x, "currency")
                    ),
                },
                schema_overrides={
                    lang.t("customers.page.col.customer"): pl.String,
                    lang.t("customers.page.col.name"): pl.String,
                    lang.t("customers.page.col.channel"): pl.String,
                },
            ),
            hide_index=True,
            width="stretch",
        )
        # The CSV is machine output: its column names stay the English ids.
        csv = calls.with_columns(
            pl.Series(c, [None if v is None else safe_text(v) for v in calls[c]], pl.String)
            for c in calls.columns
            if calls[c].dtype == pl.String
        ).write_csv()
        st.download_button(
            lang.t("customers.page.download_calls"),
            data=csv,
            file_name="call-list.csv",
            mime="text/csv",
            icon=":material/download:",
            key=f"{_KEY}_calls",
        )

# -- Satisfaction -------------------------------------------------------------------------------
st.header(lang.t("satisfaction.page.header"), divider="gray")
survey_files = _kind_files(_suggests(suggest_survey_columns))


def _for_scale(scale: str) -> list[session.DataFile]:
    """Survey files, the ones named after ``scale`` (nps_svar.csv) first."""
    return sorted(survey_files, key=lambda f: scale not in f.name.lower())


def _score(value: float, scale: str) -> str:
    """``+32`` (NPS points) or ``84 %`` (CSAT)."""
    if scale == "nps":
        shown = round(value)
        return ("+" if shown > 0 else "") + lang.number(shown)
    return f"{lang.number(value)}\u00a0%"


ticket_files = _kind_files(_suggests(suggest_ticket_columns))
if not survey_files and not ticket_files:
    st.info(lang.t("satisfaction.page.upload"))
nps_col, csat_col = st.columns(2)
for column, scorer, fmt, key in (
    (nps_col, nps_monthly, "+.0f", "nps"),
    (csat_col, csat_monthly, ".0f", "csat"),
):
    with column:
        measure = lang.t(f"satisfaction.page.measure.{key}")
        st.subheader(measure)
        file = _pick(lang.t(f"satisfaction.page.file.{key}"), _for_scale(key), f"{_KEY}_{key}_file")
        if file is None:
            continue
        data = _full_frame(file)
        if data is None:
            continue
        try:
            scols = suggest_survey_columns(loaders.view(file).table.kinds, scale=key)
            widgets.show_issues(
                validate_survey(data, scols, scale=key, locale=lang.current()), source=file.name
            )
            per_month = scorer(data, scols)
        except InputError as err:
            st.warning(f"{file.name}: {err.text(lang.current())}")
            continue
        answered = per_month.filter(pl.col("n") > 0)
        if answered.is_empty():
            st.info(lang.t("satisfaction.page.no_answers", file=file.name))
            continue
        last = answered.row(-1, named=True)
        st.markdown(
            lang.t(
                f"satisfaction.page.latest{'_few' if last['n'] < 30 else ''}",
                count=last["n"],
                measure=measure,
                period=lang.period(last["period"]),
                score=_score(last["value"], key),
                low=_score(last["low"], key),
                high=_score(last["high"], key),
            )
        )
        lang.chart(
            score_chart(per_month, name=measure, fmt=fmt, locale=lang.current()), width="stretch"
        )

if ticket_files:
    st.subheader(lang.t("satisfaction.page.tickets_header"))
    file = _pick(lang.t("satisfaction.page.file.tickets"), ticket_files, f"{_KEY}_tickets_file")
    data = _full_frame(file) if file else None
    if file is not None and data is not None:
        tcols = suggest_ticket_columns(loaders.view(file).table.kinds)
        widgets.show_issues(validate_tickets(data, tcols, locale=lang.current()), source=file.name)
        times = first_response(data, tcols)
        answered = times.filter(pl.col("answered") > 0)
        if not answered.is_empty():
            last = answered.row(-1, named=True)
            st.markdown(
                lang.t(
                    "satisfaction.page.response",
                    count=last["tickets"],
                    period=lang.period(last["period"]),
                    answered=last["answered"],
                    median=_hours(last["median_hours"]),
                    p90=_hours(last["p90_hours"]),
                )
            )
        st.dataframe(
            pl.DataFrame(
                {
                    lang.t("satisfaction.page.col.month"): _cells(
                        times["period"].to_list(), lambda p: lang.period(p, style="short")
                    ),
                    lang.t("satisfaction.page.col.tickets"): _cells(
                        times["tickets"].to_list(), lang.number
                    ),
                    lang.t("satisfaction.page.col.answered"): _cells(
                        times["answered"].to_list(), lang.number
                    ),
                    lang.t("satisfaction.page.col.median"): _cells(
                        times["median_hours"].to_list(), _hours
                    ),
                    lang.t("satisfaction.page.col.p90"): _cells(
                        times["p90_hours"].to_list(), _hours
                    ),
                    lang.t("satisfaction.page.col.mean"): _cells(
                        times["mean_hours"].to_list(), _hours
                    ),
                }
            ),
            hide_index=True,
            width="stretch",
        )

# -- A/B tests ----------------------------------------------------------------------------------
st.header(lang.t("abtest.page.header"), divider="gray")
st.caption(lang.t("abtest.page.caption"))
# Column names are ids; the headers the user reads come from the column configuration.
default = pl.DataFrame(
    {
        "Variant": [lang.t("abtest.page.default_a"), lang.t("abtest.page.default_b")],
        "Visitors": [4200, 4150],
        "Conversions": [61, 88],
    }
)
edited = st.data_editor(
    default,
    num_rows="dynamic",
    hide_index=True,
    key=f"{_KEY}_ab",
    column_config={
        "Variant": st.column_config.TextColumn(lang.t("abtest.page.col.variant")),
        "Visitors": st.column_config.NumberColumn(
            lang.t("abtest.page.col.visitors"), min_value=0, step=1
        ),
        "Conversions": st.column_config.NumberColumn(
            lang.t("abtest.page.col.conversions"), min_value=0, step=1
        ),
    },
)
rows = [r for r in edited.to_dicts() if r.get("Variant")]
try:
    variants = [
        Variant(str(r["Variant"]), int(r["Visitors"] or 0), int(r["Conversions"] or 0))
        for r in rows
    ]
    result = compare(variants, locale=lang.current())
except InputError as err:
    st.error(lang.t("abtest.page.error", error=err.text(lang.current())), icon=":material/error:")
except (TypeError, ValueError):
    st.error(lang.t("abtest.page.unreadable"), icon=":material/error:")
else:
    for line in result.sentences:
        st.markdown(line)
    ab = result.table
    st.dataframe(
        pl.DataFrame(
            {
                lang.t("abtest.page.col.variant"): ab["variant"],
                lang.t("abtest.page.col.visitors"): _cells(ab["visitors"].to_list(), lang.number),
                lang.t("abtest.page.col.conversions"): _cells(
                    ab["conversions"].to_list(), lang.number
                ),
                lang.t("abtest.page.col.rate"): _cells(
                    ab["rate"].to_list(), lambda x: lang.value(x, "percent")
                ),
                lang.t("abtest.page.col.diff"): _cells(
                    ab["diff"].to_list(), lambda x: lang.number(x, digits=2)
                ),
                lang.t("abtest.page.col.lift"): _cells(
                    ab["lift"].to_list(), lambda x: lang.value(x, "percent")
                ),
                lang.t("abtest.page.col.p_value"): _cells(
                    ab["p_value"].to_list(), lambda x: lang.number(x, digits=3)
                ),
                lang.t("abtest.page.col.outcome"): _cells(
                    ab["outcome"].to_list(), lambda o: lang.t(f"abtest.page.outcome.{o}")
                ),
            }
        ),
        hide_index=True,
        width="stretch",
    )
with st.expander(lang.t("abtest.page.sample_size_header")):
    s1, s2 = st.columns(2)
    base_rate = s1.number_input(
        lang.t("abtest.page.base_rate"), 0.1, 99.0, 1.5, 0.1, format="%.1f", key=f"{_KEY}_base"
    )
    lift = s2.number_input(lang.t("abtest.page.lift"), 1, 500, 20, 1, key=f"{_KEY}_lift")
    try:
        n = sample_size(base_rate / 100, lift / 100)
    except InputError as err:
        st.info(err.text(lang.current()), icon=":material/info:")
    else:
        st.markdown(
            lang.t(
                "abtest.page.sample_size",
                n=lang.number(n),
                lift=_plain(lift),
                rate=_plain(base_rate),
            )
        )
