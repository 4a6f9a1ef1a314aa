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
from kpi_core.i18n import format_value, period_name
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
from ui import frame, loaders, session, widgets

_KEY = "kk_cu"

frame.ensure()
st.title("Customers")
st.caption(
    "Selling more to customers who are happy is easier than winning new ones. This page "
    "reads an order export, survey answers and support tickets from the Data page."
)


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
        st.error(f"{file.name}: {table.message}", icon=":material/error:")
        return None
    return table


def _money(x: float | None) -> str:
    return format_value(x, "currency", compact=True)


# -- Retention and value ---------------------------------------------------------------------------
st.header("Retention and value", divider="gray")
order_files = _kind_files(looks_like_orders)
orders_file = _pick("Order export", order_files, f"{_KEY}_orders_file")
if orders_file is None:
    st.info(
        "Upload an order export on the Data page: one row per order with a customer id, an "
        "order date and an amount (a CRM contact list with a last-contact date works too)."
    )
else:
    raw = _full_frame(orders_file)
    if raw is not None:
        cols = suggest_customer_columns(loaders.view(orders_file).table.kinds)
        widgets.show_issues(validate(raw, cols), source=orders_file.name)
        orders = order_frame(raw, cols)
        c1, c2 = st.columns([1, 3])
        inactive = c1.number_input(
            "Lost after no order for (months)",
            min_value=1,
            max_value=36,
            value=12,
            step=1,
            key=f"{_KEY}_inactive",
            help="A customer with no order for longer than this counts as lost (churned). "
            "Pick what is normal in your trade: a café's regulars come weekly, a solar "
            "customer may buy a service check once a year.",
        )
        s = summarize(orders, inactive_months=int(inactive))
        for line in s.sentences:
            st.markdown(line)
        m = [*st.columns(3), *st.columns(3)]
        m[0].metric("Active customers", f"{s.active_now:,}", border=True)
        m[1].metric(
            "Bought more than once", format_value(s.repeat_purchase_rate, "percent"), border=True
        )
        m[2].metric("Lost a month", format_value(s.monthly_churn_rate, "percent"), border=True)
        m[3].metric("Revenue a customer a month", _money(s.revenue_per_customer_month), border=True)
        m[4].metric(
            "Lifetime",
            f"{s.lifetime_months:,.0f} months" if s.lifetime_months else "–",
            border=True,
        )
        m[5].metric("Lifetime value", _money(s.clv), border=True)

        by_month = monthly(orders, inactive_months=int(inactive))
        st.altair_chart(customers_chart(by_month), width="stretch")
        with st.expander("Month by month"):
            st.dataframe(
                by_month.drop("period_start"),
                hide_index=True,
                width="stretch",
                column_config={
                    "repeat_rate": st.column_config.NumberColumn("Repeat rate", format="percent"),
                    "churn_rate": st.column_config.NumberColumn("Churn rate", format="percent"),
                    "revenue": st.column_config.NumberColumn("Revenue", format="localized"),
                    "revenue_per_customer": st.column_config.NumberColumn(
                        "Revenue per customer", format="localized"
                    ),
                },
            )

        st.subheader("Do customers come back?")
        table = cohorts(orders)
        st.caption(
            "Each row is the customers who first bought in that month; each square the share "
            "of them buying again so many months later."
        )
        st.altair_chart(retention_chart(table), width="stretch")

        st.subheader("What keeping them is worth")
        k1, k2, k3 = st.columns([1, 1, 2], vertical_alignment="bottom")
        extra = k1.number_input(
            "Keep every customer longer by (months)", 0.0, 60.0, 3.0, 1.0, key=f"{_KEY}_extra"
        )
        more = k2.number_input(
            "Sell more to existing customers (%)", 0.0, 100.0, 5.0, 1.0, key=f"{_KEY}_more"
        )
        worth = retention_value(s, extra_months=extra, sell_more=more / 100)
        k3.markdown(
            f"Keeping customers {extra:g} months longer is worth about "
            f"**{_money(worth['keep_longer'])} a year**; selling {more:g} % more to those who come "
            f"back, **{_money(worth['sell_more'])} a year**."
        )

        # -- Who to contact ----------------------------------------------------------------
        st.header("Who to call", divider="gray")
        as_of = latest_date(orders) if not orders.is_empty() else dt.date.today()
        quiet = st.number_input(
            "No order or contact for more than (months)",
            min_value=1,
            max_value=36,
            value=3,
            step=1,
            key=f"{_KEY}_quiet",
        )
        calls = to_contact(orders, inactive_months=int(quiet), today=as_of)
        st.markdown(
            f"**{calls.height:,} customers** have neither ordered nor been contacted for more "
            f"than {int(quiet)} months (as of {as_of:%-d %b %Y}, the export's latest date). "
            "The most valuable first."
        )
        day = "D MMM YYYY"
        st.dataframe(
            calls.head(200),
            hide_index=True,
            width="stretch",
            column_config={
                "customer": "Customer",
                "name": "Name",
                "channel": "Channel",
                "last_order": st.column_config.DateColumn("Last order", format=day),
                "last_contact": st.column_config.DateColumn("Last contact", format=day),
                "months_quiet": st.column_config.NumberColumn("Months quiet"),
                "orders": st.column_config.NumberColumn("Orders"),
                "revenue": st.column_config.NumberColumn("Revenue, all time", format="localized"),
            },
        )
        csv = calls.with_columns(
            pl.col(c).map_elements(safe_text, return_dtype=pl.String)
            for c in calls.columns
            if calls[c].dtype == pl.String
        ).write_csv()
        st.download_button(
            "Download the call list (CSV)",
            data=csv,
            file_name="call-list.csv",
            mime="text/csv",
            icon=":material/download:",
            key=f"{_KEY}_calls",
        )

# -- Satisfaction -------------------------------------------------------------------------------
st.header("Satisfaction", divider="gray")
survey_files = _kind_files(_suggests(suggest_survey_columns))


def _for_scale(scale: str) -> list[session.DataFile]:
    """Survey files, the ones named after ``scale`` (nps_svar.csv) first."""
    return sorted(survey_files, key=lambda f: scale not in f.name.lower())


ticket_files = _kind_files(_suggests(suggest_ticket_columns))
if not survey_files and not ticket_files:
    st.info(
        "Upload survey answers (a date and a 0–10 or 1–5 score per row) or support tickets "
        "(created and first-reply times) on the Data page to see NPS, CSAT and response times."
    )
nps_col, csat_col = st.columns(2)
for label, column, scorer, fmt, unit, key in (
    ("NPS (0–10 answers)", nps_col, nps_monthly, "+.0f", "", "nps"),
    ("CSAT (1–5 answers)", csat_col, csat_monthly, ".0f", " %", "csat"),
):
    with column:
        st.subheader(label.split(" ")[0])
        file = _pick(f"{label} from", _for_scale(key), f"{_KEY}_{key}_file")
        if file is None:
            continue
        data = _full_frame(file)
        if data is None:
            continue
        try:
            scols = suggest_survey_columns(loaders.view(file).table.kinds, scale=key)
            widgets.show_issues(validate_survey(data, scols, scale=key), source=file.name)
            per_month = scorer(data, scols)
        except InputError as err:
            st.warning(f"{file.name}: {err}")
            continue
        answered = per_month.filter(pl.col("n") > 0)
        if answered.is_empty():
            st.info(f"{file.name} has no answers.")
            continue
        last = answered.row(-1, named=True)
        st.markdown(
            f"{label.split(' ')[0]} in {period_name(last['period'])}: "
            f"**{last['value']:{fmt}}{unit}** from {last['n']:,} answers (95 % interval "
            f"{last['low']:{fmt}}{unit} to {last['high']:{fmt}}{unit})."
            + (" Few answers: read it as a rough signal." if last["n"] < 30 else "")
        )
        st.altair_chart(score_chart(per_month, name=label.split(" ")[0], fmt=fmt), width="stretch")

if ticket_files:
    st.subheader("How fast we answer")
    file = _pick("Support tickets from", ticket_files, f"{_KEY}_tickets_file")
    data = _full_frame(file) if file else None
    if file is not None and data is not None:
        tcols = suggest_ticket_columns(loaders.view(file).table.kinds)
        widgets.show_issues(validate_tickets(data, tcols), source=file.name)
        times = first_response(data, tcols)
        answered = times.filter(pl.col("answered") > 0)
        if not answered.is_empty():
            last = answered.row(-1, named=True)
            st.markdown(
                f"In {period_name(last['period'])}, {last['answered']:,} of {last['tickets']:,} "
                "tickets got a "
                f"first reply; half within **{last['median_hours']:.1f} hours**, nine in ten "
                f"within {last['p90_hours']:.1f} hours."
            )
        st.dataframe(
            times.select(
                pl.col("period").alias("Month"),
                pl.col("tickets").alias("Tickets"),
                pl.col("answered").alias("Answered"),
                pl.col("median_hours").round(1).alias("Median hours to a reply"),
                pl.col("p90_hours").round(1).alias("9 in 10 within (hours)"),
                pl.col("mean_hours").round(1).alias("Average hours"),
            ),
            hide_index=True,
            width="stretch",
        )

# -- A/B tests ----------------------------------------------------------------------------------
st.header("A/B tests", divider="gray")
st.caption(
    "Two or more versions of a page, an e-mail or an ad: visitors and conversions for each. "
    "The first row is the one the others are compared with."
)
default = pl.DataFrame(
    {
        "Variant": ["A (today)", "B (new quote form)"],
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
        "Visitors": st.column_config.NumberColumn(min_value=0, step=1),
        "Conversions": st.column_config.NumberColumn(min_value=0, step=1),
    },
)
rows = [r for r in edited.to_dicts() if r.get("Variant")]
try:
    variants = [
        Variant(str(r["Variant"]), int(r["Visitors"] or 0), int(r["Conversions"] or 0))
        for r in rows
    ]
    result = compare(variants)
except (InputError, TypeError, ValueError) as err:
    st.error(f"A/B test: {err}", icon=":material/error:")
else:
    for line in result.sentences:
        st.markdown(line)
    st.dataframe(
        result.table,
        hide_index=True,
        width="stretch",
        column_config={
            "rate": st.column_config.NumberColumn("Conversion rate", format="percent"),
            "lift": st.column_config.NumberColumn("Lift", format="percent"),
            "p_value": st.column_config.NumberColumn("p-value", format="%.3f"),
        },
    )
with st.expander("How many visitors does a test need?"):
    s1, s2 = st.columns(2)
    base_rate = s1.number_input(
        "Today's conversion rate (%)", 0.1, 99.0, 1.5, 0.1, key=f"{_KEY}_base"
    )
    lift = s2.number_input(
        "Smallest lift worth finding (%)", 1.0, 500.0, 20.0, 1.0, key=f"{_KEY}_lift"
    )
    n = sample_size(base_rate / 100, lift / 100)
    st.markdown(
        f"About **{n:,} visitors per version** to see a {lift:g} % lift on {base_rate:g} % "
        "(95 % confidence, 80 % power)."
    )
