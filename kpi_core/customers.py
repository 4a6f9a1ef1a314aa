"""Customers from an order export: who buys, who comes back, who drifts away.

An order export (one row per order, or per order line) says which customer
ordered when, and often for how much, through which channel, and when the
customer was last contacted. From that we count, per month, the active, new
and returning customers, the repeat rate, churn and revenue per customer;
summarise them into a lifetime and a customer lifetime value (CLV); group
customers into cohorts by their first month; and list the customers nobody
has heard from for a while. The rules:

* **An order is a customer's purchases on one day.** Several rows of the same
  customer on the same day (order lines) count as one order; their amounts
  add up.
* **Months are calendar months.** A customer is *active* in a month when
  they ordered in that month or in the ``inactive_months - 1`` months before
  it; they *churn* in the month they stop being active, i.e. exactly
  ``inactive_months`` months after their last order.
* **Ratios are ratios of sums**: a rate over a year is the year's numerators
  over the year's denominators, never an average of monthly rates.
* **A customer's channel is the channel of their first order** (the first
  that names one): the channel that won them. Split by channel, every count
  adds up to the total.
* **No amount is not zero.** Without an amount column, revenue and the
  figures built on it are ``None``/null; the counts still work.

Typical use::

    table = load_path("ordrer.csv")
    columns = suggest_customer_columns(table.kinds)
    issues = validate(table.frame, columns)
    orders = order_frame(table.frame, columns)
    table = monthly(orders, inactive_months=3)      # one row per month
    summary = summarize(orders, today=dt.date(2026, 10, 31))

>>> import datetime as dt
>>> raw = pl.DataFrame({
...     "Kunde-ID": ["1", "2", "1"],
...     "Ordredato": [dt.date(2026, 1, 5), dt.date(2026, 1, 9), dt.date(2026, 2, 3)],
...     "Beløb": [100.0, 50.0, 30.0],
... })
>>> cols = suggest_customer_columns({"Kunde-ID": "id", "Ordredato": "date", "Beløb": "number"})
>>> monthly(order_frame(raw, cols)).select("period", "buying", "new", "returning").rows()
[('2026-01', 2, 2, 0), ('2026-02', 1, 0, 1)]
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

import polars as pl

from kpi_core.compute import period_label
from kpi_core.i18n import (
    DEFAULT_CURRENCY,
    format_day,
    format_number,
    format_value,
    period_name,
    t,
)
from kpi_core.issues import InputError, Issue, issue
from kpi_core.leads import looks_like_leads
from kpi_core.mapping import RoleMatcher, fold, normalise_header

#: The canonical order frame made by :func:`order_frame`.
ORDER_SCHEMA: dict[str, Any] = {
    "customer": pl.String,
    "date": pl.Date,
    "amount": pl.Float64,
    "channel": pl.String,
    "name": pl.String,
    "last_contact": pl.Date,
}
#: Without an order for this many months a customer counts as inactive.
DEFAULT_INACTIVE_MONTHS = 3


# ---------------------------------------------------------------------------
# Which column is which
# ---------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class CustomerColumns:
    """Which column of an order export holds what; ``customer`` and ``date`` are required.

    Attributes
    ----------
    customer
        Who ordered: a customer id (kept as text, leading zeros and all), or
        failing that the customer's name.
    date
        The order date.
    amount
        The order amount (revenue); without it only counts can be made.
    channel
        Through which channel the order came (``Kanal``, ``Source``).
    name
        The customer's name, for the call list.
    last_contact
        The date the customer was last contacted (from the CRM).
    """

    customer: str
    date: str
    amount: str | None = None
    channel: str | None = None
    name: str | None = None
    last_contact: str | None = None

    def roles(self) -> dict[str, str]:
        """Role → column name for every column that is set."""
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name)}


_ROLES: tuple[str, ...] = ("customer", "date", "amount", "channel", "name", "last_contact")
_ROLE_KINDS: dict[str, frozenset[str]] = {
    "customer": frozenset({"id", "text", "number"}),
    "date": frozenset({"date"}),
    "amount": frozenset({"number"}),
    "channel": frozenset({"text", "id"}),
    "name": frozenset({"text", "id"}),
    "last_contact": frozenset({"date"}),
}
# fmt: off
#: Header texts seen in Danish, Norwegian, Swedish and English order and
#: customer exports, lower-case and without units (see
#: :func:`kpi_core.mapping.normalise_header`).
_ROLE_WORDS: dict[str, tuple[str, ...]] = {
    "customer": (
        "kunde id", "kundeid", "kunde nr", "kundenr", "kundenummer", "kunde nummer", "kunde",
        "kund id", "kundid", "kund nr", "kundnr", "kundnummer", "kund", "customer id",
        "customerid", "customer no", "customer number", "customer", "client id", "client",
        "debitor", "debitornr", "debitor nr", "debitornummer", "kontakt id", "contact id",
        "account id", "konto", "kontonr", "e mail", "email", "e post", "epost",
    ),
    "date": (
        "ordredato", "ordre dato", "orderdato", "order dato", "orderdatum", "order datum",
        "order date", "date of order", "ordered", "bestillingsdato", "bestilt", "beställd",
        "beställningsdatum", "købsdato", "kjøpsdato", "köpdatum", "purchase date", "salgsdato",
        "försäljningsdatum", "fakturadato", "fakturadatum", "invoice date", "transaction date",
        "transaktionsdato", "created at", "dato", "date", "datum",
    ),
    "amount": (
        "beløb", "beløp", "belopp", "amount", "ordrebeløb", "ordrebeløp", "orderbelopp",
        "order amount", "ordreværdi", "ordreverdi", "ordervärde", "order value", "order total",
        "ordretotal", "subtotal", "omsætning", "omsetning", "omsättning", "revenue", "sales",
        "salg", "försäljning", "fakturabeløb", "fakturabeløp", "fakturabelopp",
        "invoice amount", "nettobeløb", "nettobeløp", "nettobelopp", "net amount", "pris",
        "price", "værdi", "verdi", "värde", "value",
    ),
    "channel": (
        "kanal", "channel", "salgskanal", "sales channel", "försäljningskanal", "kilde",
        "källa", "kalla", "source", "lead source", "leadkilde", "medium", "utm source",
        "marketing channel", "markedsføringskanal",
    ),
    "name": (
        "kundenavn", "kunde navn", "kundnavn", "kundnamn", "kund namn", "navn", "namn", "name",
        "customer name", "client name", "full name", "fulde navn", "fullt navn",
        "fullständigt namn", "kontaktperson", "contact name", "kontaktnavn", "firmanavn",
        "firmanamn", "company", "company name", "firma", "virksomhed", "bedrift", "företag",
    ),
    "last_contact": (
        "sidste kontakt", "seneste kontakt", "sidst kontaktet", "senest kontaktet",
        "siste kontakt", "sist kontaktet", "senaste kontakt", "senast kontaktad",
        "senast kontakt", "last contact", "last contacted", "last contact date",
        "date of last contact", "last activity", "last activity date", "sidste aktivitet",
        "seneste aktivitet", "siste aktivitet", "senaste aktivitet", "last touch",
        "kontaktet", "kontaktdato", "kontaktdatum", "contacted",
    ),
}
# fmt: on
#: Words too general to count when merely contained in a header ("Sidste kontakt
#: dato" is not the order date because it contains "dato").
# fmt: off
_GENERIC = frozenset({
    "date", "dato", "datum", "value", "værdi", "verdi", "värde", "name", "navn", "namn",
    "pris", "price", "konto", "sales", "salg", "kontaktet", "contacted",
})
# fmt: on

# One matcher for the headers of this export (shared logic: kpi_core.mapping.RoleMatcher).
_MATCHER = RoleMatcher(_ROLES, _ROLE_WORDS, _ROLE_KINDS, _GENERIC)
_score = _MATCHER.score
_suggest_roles = _MATCHER.suggest


def suggest_customer_columns(kinds: Mapping[str, str]) -> CustomerColumns:
    """Suggest which column is which from the headers and the column kinds.

    Headers are recognised in Danish, Norwegian, Swedish and English
    (Kunde-ID/Kundenummer/Kundnummer/Customer ID, Ordredato/Orderdatum/Order
    date, Beløb/Beløp/Belopp/Amount, Kanal/Channel, Kundenavn/Namn/Name,
    Sidste/Siste/Senaste kontakt/Last contact …). Without a customer-id
    header, a name column identifies the customer; without an order-date
    header, the first date column that is not the last contact is the order
    date.

    Parameters
    ----------
    kinds
        Column name → kind (``"date"``, ``"number"``, ``"text"``, ``"id"``),
        as :class:`kpi_core.ingest.LoadedTable` reports them.

    Raises
    ------
    InputError
        When no column identifies the customer or none holds dates; the
        message names what is missing.

    Examples
    --------
    >>> kinds = {"Kundnummer": "id", "Orderdatum": "date", "Belopp": "number",
    ...          "Kanal": "text", "Senaste kontakt": "date"}
    >>> suggest_customer_columns(kinds)
    CustomerColumns(customer='Kundnummer', date='Orderdatum', amount='Belopp', channel='Kanal', name=None, last_contact='Senaste kontakt')
    """  # noqa: E501
    roles = _suggest_roles(kinds)
    customer = roles.pop("customer", None)
    if customer is None and "name" in roles:
        customer = roles.pop("name")
    date = roles.pop("date", None)
    if date is None:
        taken = set(roles.values()) | {customer}
        date = next((c for c, k in kinds.items() if k == "date" and c not in taken), None)
    if customer is None and date is None:
        raise InputError.of("customers.error.no_customer_or_date_column")
    if customer is None:
        raise InputError.of("customers.error.no_customer_column")
    if date is None:
        raise InputError.of("customers.error.no_date_column")
    return CustomerColumns(customer=customer, date=date, **roles)


def looks_like_orders(kinds: Mapping[str, str]) -> bool:
    """Whether a table is an order export: headers that name a customer and an order date.

    A plain ``Dato`` counts only next to an amount (``Kunde-ID``, ``Dato``,
    ``Score`` is a survey). A CRM lead export (created, won and lost dates)
    is not an order export, even when it has a customer number.

    >>> looks_like_orders({"Kunde-ID": "id", "Ordredato": "date", "Beløb (kr.)": "number"})
    True
    >>> looks_like_orders({"Dato": "date", "Kanal": "text", "Omsætning": "number"})
    False
    """
    roles = _suggest_roles(kinds)
    if "customer" not in roles or "date" not in roles:
        return False
    # "Dato" next to a customer id is also a survey answer or a support case:
    # without an amount, the header must say it is an order date.
    plain_date = fold(normalise_header(roles["date"])) in {fold(w) for w in _GENERIC}
    if plain_date and "amount" not in roles:
        return False
    return not looks_like_leads(kinds)


# ---------------------------------------------------------------------------
# The canonical order frame
# ---------------------------------------------------------------------------


def _is_date(dtype: pl.DataType) -> bool:
    return dtype == pl.Date or isinstance(dtype, pl.Datetime)


def _column_errors(frame: pl.DataFrame, columns: CustomerColumns) -> list[Issue]:
    issues = []
    for role, column in columns.roles().items():
        if column not in frame.columns:
            have = ", ".join(f"‘{c}’" for c in frame.columns)
            issues.append(
                issue(
                    "error", column, f"customers.issue.no_column.{role}", column=column, have=have
                )
            )
            continue
        dtype = frame.schema[column]
        if role in ("date", "last_contact") and not _is_date(dtype):
            issues.append(
                issue("error", column, f"customers.issue.not_dates.{role}", column=column)
            )
        elif role == "amount" and not dtype.is_numeric():
            issues.append(issue("error", column, "customers.issue.not_numbers", column=column))
    return issues


def _text(name: str | None, dtype: pl.DataType | None) -> pl.Expr:
    """A column as trimmed text (``123.0`` from a workbook is ``"123"``); blank is null."""
    if name is None or dtype is None:
        return pl.lit(None, dtype=pl.String)
    col = pl.col(name)
    if dtype.is_float():
        col = col.cast(pl.Int64, strict=False)
    text = col.cast(pl.String).str.strip_chars()
    return pl.when(text != "").then(text)


def _canonical(frame: pl.DataFrame, columns: CustomerColumns) -> pl.DataFrame:
    """Every row in canonical columns, rows without customer or date included."""

    def date(name: str | None) -> pl.Expr:
        return pl.lit(None, dtype=pl.Date) if name is None else pl.col(name).cast(pl.Date)

    schema = frame.schema
    amount = (
        pl.col(columns.amount).cast(pl.Float64)
        if columns.amount
        else pl.lit(None, dtype=pl.Float64)
    )
    return frame.select(
        _text(columns.customer, schema[columns.customer]).alias("customer"),
        date(columns.date).alias("date"),
        amount.alias("amount"),
        _text(columns.channel, schema.get(columns.channel or "")).alias("channel"),
        _text(columns.name, schema.get(columns.name or "")).alias("name"),
        date(columns.last_contact).alias("last_contact"),
    ).cast(ORDER_SCHEMA)


def order_frame(frame: pl.DataFrame, columns: CustomerColumns) -> pl.DataFrame:
    """The orders in canonical columns, one row per row of the export.

    Returns
    -------
    pl.DataFrame
        ``customer`` (text), ``date`` (the order date), ``amount`` (null
        without an amount column), ``channel``, ``name``, ``last_contact``
        (a date; null when unknown). Rows without a customer or an order
        date are left out (:func:`validate` counts them). Sorted by date,
        the export's order kept within a day.

    Raises
    ------
    InputError
        When a named column is missing or of the wrong kind.

    Examples
    --------
    >>> import datetime as dt
    >>> raw = pl.DataFrame({"Kunde": [7.0, None], "Dato": [dt.date(2026, 3, 2)] * 2})
    >>> order_frame(raw, CustomerColumns(customer="Kunde", date="Dato")).rows()
    [('7', datetime.date(2026, 3, 2), None, None, None, None)]
    """
    errors = _column_errors(frame, columns)
    if errors:
        raise InputError.of(errors[0].key, **dict(errors[0].params))
    out = _canonical(frame, columns)
    kept = out.filter(pl.col("customer").is_not_null() & pl.col("date").is_not_null())
    return kept.sort("date", maintain_order=True)


def _check_schema(orders: pl.DataFrame) -> None:
    missing = [c for c in ORDER_SCHEMA if c not in orders.columns]
    if missing:
        raise InputError.of("customers.error.not_an_order_frame", missing=", ".join(missing))


#: What a left-out row lacks, by (no customer, no order date): the example's message.
_MISSING = {
    (True, True): "no_customer_or_date",
    (True, False): "no_customer",
    (False, True): "no_date",
}


def _day(day: dt.date, locale: str) -> str:
    """``03-01-2026`` in English, the language's short date (``03.01.2026``) otherwise."""
    return f"{day:%d-%m-%Y}" if locale == "en" else format_day(day, locale=locale, style="short")


def validate(
    frame: pl.DataFrame,
    columns: CustomerColumns,
    *,
    today: dt.date | None = None,
    locale: str = "en",
) -> list[Issue]:
    """Check an order export and its column choice; an empty list means all is well.

    Errors (a missing column, a text column as a date) mean
    :func:`order_frame` cannot be used. Warnings: rows left out for want of
    a customer or an order date (counted, with examples; row numbers count
    the data rows, 1 being the first row below the header), order or
    contact dates after ``today``. Infos: negative amounts (refunds and
    credit notes, which reduce revenue as they should), orders without an
    amount, and a file without amounts at all.

    Parameters
    ----------
    today
        The day the export was made; default the computer's date.
    locale
        The language of the examples and of the dates in the messages.

    Examples
    --------
    >>> import datetime as dt
    >>> raw = pl.DataFrame({"Kunde-ID": ["1", None], "Ordredato": [dt.date(2026, 1, 5)] * 2,
    ...                     "Beløb": [-50.0, 10.0]})
    >>> cols = CustomerColumns(customer="Kunde-ID", date="Ordredato", amount="Beløb")
    >>> [(i.level, i.count) for i in validate(raw, cols, today=dt.date(2026, 2, 1))]
    [('warning', 1), ('info', 1)]
    """
    errors = _column_errors(frame, columns)
    if errors:
        return errors
    today = today or dt.date.today()
    issues: list[Issue] = []
    every = _canonical(frame, columns).with_row_index("row", offset=1)
    no_id = pl.col("customer").is_null()
    no_date = pl.col("date").is_null()
    dropped = every.filter(no_id | no_date)
    if not dropped.is_empty():
        examples = tuple(
            t(
                f"customers.example.{_MISSING[(cust is None, d is None)]}",
                locale=locale,
                row=str(row),
            )
            for row, cust, d in dropped.select("row", "customer", "date").head(3).rows()
        )
        issues.append(
            issue(
                "warning",
                columns.customer if dropped.filter(no_id).height else columns.date,
                "customers.issue.rows_left_out",
                examples=examples,
                count=dropped.height,
                customer=columns.customer,
                date=columns.date,
            )
        )
    orders = every.filter(~no_id & ~no_date)
    if columns.amount is None:
        issues.append(issue("info", "", "customers.issue.no_amount_column"))
    else:
        negative = orders.filter(pl.col("amount") < 0)
        if not negative.is_empty():
            issues.append(
                issue(
                    "info",
                    columns.amount,
                    "customers.issue.negative_amounts",
                    examples=tuple(
                        t(
                            "customers.example.negative",
                            locale=locale,
                            customer=c,
                            day=_day(d, locale),
                            amount=format_number(a, locale=locale, digits=2),
                        )
                        for c, d, a in negative.select("customer", "date", "amount").head(3).rows()
                    ),
                    count=negative.height,
                )
            )
        blank = orders.filter(pl.col("amount").is_null())
        if not blank.is_empty():
            issues.append(
                issue(
                    "info",
                    columns.amount,
                    "customers.issue.no_amount",
                    examples=tuple(
                        t("customers.example.row", locale=locale, row=str(r))
                        for r in blank["row"].head(3).to_list()
                    ),
                    count=blank.height,
                )
            )
    for role in ("date", "last_contact"):
        name = getattr(columns, role)
        if name is None:
            continue
        late = orders.filter(pl.col(role) > today)
        if not late.is_empty():
            issues.append(
                issue(
                    "warning",
                    name,
                    f"customers.issue.after_today.{role}",
                    examples=tuple(
                        t(
                            "customers.example.row_day",
                            locale=locale,
                            row=str(r),
                            day=_day(d, locale),
                        )
                        for r, d in late.select("row", role).head(3).rows()
                    ),
                    count=late.height,
                    today=_day(today, locale),
                    column=name,
                )
            )
    return issues


def latest_date(orders: pl.DataFrame) -> dt.date:
    """The latest order or contact date: the default ``today``."""
    _check_schema(orders)
    latest = orders.select(pl.max_horizontal(pl.col("date", "last_contact").max())).item()
    if latest is None:
        raise InputError.of("customers.error.no_orders")
    return latest


# ---------------------------------------------------------------------------
# Month by month
# ---------------------------------------------------------------------------


def _month_index(expr: pl.Expr) -> pl.Expr:
    """Months since year 0: January 2026 is 2026 × 12 + 0."""
    return expr.dt.year().cast(pl.Int64) * 12 + expr.dt.month().cast(pl.Int64) - 1


def _index_of(day: dt.date) -> int:
    return day.year * 12 + day.month - 1


def _start_of(index: int) -> dt.date:
    return dt.date(index // 12, index % 12 + 1, 1)


def _months_back(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` calendar months earlier (31 May − 3 months = 28/29 Feb)."""
    index = _index_of(day) - months
    year, month = index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _check_months(inactive_months: int) -> None:
    if inactive_months < 1:
        raise InputError.of("customers.error.inactive_months")


def _customer_months(orders: pl.DataFrame, by: str | None) -> tuple[pl.DataFrame, list[str]]:
    """One row per customer and month with orders, with the customer's first month.

    Columns: (``channel``: the customer's acquisition channel), ``customer``,
    ``m`` (month index), ``first_m``, ``orders`` (order days), ``revenue``.
    """
    if by not in (None, "channel"):
        raise InputError.of("customers.error.split_by", by=str(by))
    keys = [by] if by else []
    indexed = orders.with_row_index("__row").with_columns(_month_index(pl.col("date")).alias("m"))
    first = (
        indexed.sort("date", "__row")
        .group_by("customer", maintain_order=True)
        .agg(
            pl.col("m").first().alias("first_m"),
            pl.col("channel").drop_nulls().first().alias("__channel"),
        )
    )
    per_month = indexed.group_by("customer", "m").agg(
        pl.col("date").n_unique().cast(pl.Int64).alias("orders"),
        pl.col("amount").sum().alias("revenue"),
    )
    out = per_month.join(first, on="customer", how="left")
    out = out.rename({"__channel": "channel"}) if by else out.drop("__channel")
    return out.select(*keys, "customer", "m", "first_m", "orders", "revenue"), keys


def _count(frame: pl.DataFrame, keys: list[str], month: str, name: str) -> pl.DataFrame:
    return (
        frame.group_by([*keys, month]).agg(pl.len().cast(pl.Int64).alias(name)).rename({month: "m"})
    )


def _monthly(
    orders: pl.DataFrame, inactive_months: int, by: str | None, until: dt.date | None
) -> pl.DataFrame:
    """:func:`monthly` with the month index ``m`` kept."""
    _check_schema(orders)
    _check_months(inactive_months)
    if orders.is_empty():
        raise InputError.of("customers.error.no_orders")
    k = inactive_months
    cm, keys = _customer_months(orders, by)
    first_m = int(cm["m"].min())  # type: ignore[arg-type]
    last_m = int(cm["m"].max())  # type: ignore[arg-type]
    if until is not None:
        last_m = max(last_m, _index_of(until))
    months = pl.DataFrame({"m": list(range(first_m, last_m + 1))}, schema={"m": pl.Int64})
    grid = (
        cm.select(keys).unique().sort(keys, nulls_last=True).join(months, how="cross")
        if keys
        else months
    )
    active_rows = (
        cm.select(*keys, "customer", pl.int_ranges(pl.col("m"), pl.col("m") + k).alias("am"))
        .explode("am")
        .unique(["customer", "am"])
    )
    active = _count(active_rows, keys, "am", "active")
    active_start = active.with_columns(pl.col("m") + 1).rename({"active": "active_start"})
    ordered = cm.sort("customer", "m")
    churn_rows = ordered.with_columns(
        pl.col("m").shift(-1).over("customer").alias("next_m"),
        (pl.col("m") + k).alias("cm"),
    ).filter(pl.col("next_m").is_null() | (pl.col("next_m") > pl.col("cm")))
    churned = _count(churn_rows, keys, "cm", "churned")
    buying = cm.group_by([*keys, "m"]).agg(
        pl.len().cast(pl.Int64).alias("buying"),
        (pl.col("m") == pl.col("first_m")).sum().cast(pl.Int64).alias("new"),
        pl.col("orders").sum().alias("orders"),
        pl.col("revenue").sum().alias("revenue"),
        pl.col("revenue").filter(pl.col("m") > pl.col("first_m")).sum().alias("revenue_returning"),
    )
    out = grid
    for part in (active_start, active, buying, churned):
        out = out.join(part, on=[*keys, "m"], how="left", nulls_equal=True, maintain_order="left")
    counts = ["active_start", "active", "buying", "new", "orders", "churned"]
    has_amount = orders["amount"].null_count() < orders.height
    money = ["revenue", "revenue_returning"]
    out = out.with_columns(
        *[pl.col(c).fill_null(0) for c in counts],
        *[
            pl.col(c).fill_null(0.0) if has_amount else pl.lit(None, dtype=pl.Float64).alias(c)
            for c in money
        ],
    )

    def ratio(num: pl.Expr, den: pl.Expr) -> pl.Expr:
        return pl.when(den > 0).then(num / den).otherwise(None).cast(pl.Float64)

    returning = pl.col("buying") - pl.col("new")
    out = out.with_columns(
        returning.alias("returning"),
        ratio(returning, pl.col("buying")).alias("repeat_rate"),
        ratio(pl.col("churned"), pl.col("active_start")).alias("churn_rate"),
        ratio(pl.col("revenue"), pl.col("buying")).alias("revenue_per_customer"),
        pl.date(pl.col("m") // 12, pl.col("m") % 12 + 1, 1).alias("period_start"),
    ).with_columns(
        pl.format(
            "{}-{}",
            pl.col("period_start").dt.year(),
            pl.col("period_start").dt.month().cast(pl.String).str.zfill(2),
        ).alias("period")
    )
    return out.select(
        "period",
        "period_start",
        *keys,
        "m",
        "active_start",
        "active",
        "buying",
        "new",
        "returning",
        "repeat_rate",
        "churned",
        "churn_rate",
        "orders",
        "revenue",
        "revenue_returning",
        "revenue_per_customer",
    ).sort(["m", *keys], nulls_last=True)


def monthly(
    orders: pl.DataFrame,
    *,
    inactive_months: int = DEFAULT_INACTIVE_MONTHS,
    by: str | None = None,
    until: dt.date | None = None,
) -> pl.DataFrame:
    """Customers and revenue per calendar month, every month from the first order on.

    Definitions, for a month M and ``k = inactive_months``:

    * ``buying``: customers with at least one order in M.
    * ``new``: customers whose first order ever (in the data) is in M.
    * ``returning``: ``buying − new``: buying customers whose first order
      was in an earlier month.
    * ``repeat_rate``: ``returning / buying``, the share of M's buying
      customers that had ordered in an earlier month (null when nobody bought).
    * ``active``: customers with an order in M or the ``k − 1`` months
      before it (the trailing ``k`` months ending with M).
    * ``active_start``: ``active`` of the month before M (customers active
      when M begins; 0 in the first month of the data).
    * ``churned``: customers whose last order was in month M − k and who have
      not ordered since: they were active at the end of M − 1 and are not in
      M. So ``active = active_start − churned + (buying customers not active
      before)``.
    * ``churn_rate``: ``churned / active_start`` (null when nobody was active).
    * ``orders``: order days (a customer's orders on one day count once).
    * ``revenue``: the amounts of M's orders (refunds included); 0 in a
      month without orders, null for every month when there are no amounts.
    * ``revenue_returning``: the part of ``revenue`` from returning customers.
    * ``revenue_per_customer``: ``revenue / buying``.

    Every rate is a ratio of the month's counts, so rates over several
    months are taken from summed counts (see :func:`summarize`).

    Parameters
    ----------
    orders
        A canonical order frame (:func:`order_frame`).
    inactive_months
        Months without an order after which a customer counts as inactive.
    by
        ``"channel"``: one row per month and acquisition channel (the
        channel of the customer's first order; null when unknown). Every
        count adds up over the channels to the total.
    until
        Extend the months to this date's month (months after the last order
        have no orders, but customers still churn in them).

    Returns
    -------
    pl.DataFrame
        ``period`` (``YYYY-MM``), ``period_start``, (``channel``), then the
        columns above, one row per month (and channel) from the first
        order's month on, in order.

    Examples
    --------
    >>> import datetime as dt
    >>> orders = pl.DataFrame(
    ...     {"customer": ["a", "a"], "date": [dt.date(2026, 1, 9), dt.date(2026, 2, 2)]},
    ... ).with_columns(amount=pl.lit(None, pl.Float64), channel=pl.lit(None, pl.String),
    ...                name=pl.lit(None, pl.String), last_contact=pl.lit(None, pl.Date))
    >>> m = monthly(orders, inactive_months=1, until=dt.date(2026, 3, 31))
    >>> m.select("period", "active", "churned").rows()
    [('2026-01', 1, 0), ('2026-02', 1, 0), ('2026-03', 0, 1)]
    """
    return _monthly(orders, inactive_months, by, until).drop("m")


# ---------------------------------------------------------------------------
# The summary
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CustomerSummary:
    """The customer figures over the latest complete months, and what they say.

    Counts are summed over the months of the window; rates are ratios of
    those sums. Money is ``None`` when the orders have no amounts.

    Attributes
    ----------
    as_of
        ``today``: orders after it are left out.
    inactive_months
        Months without an order after which a customer counts as inactive.
    period_from, period_to, months
        The window: the first and last month (``YYYY-MM``) and how many months.
    customers
        Customers with at least one order in the window.
    new_customers
        Of them, those whose first order ever is in the window.
    repeat_customers, repeat_purchase_rate
        Of ``customers``, those with orders on two or more days (up to the
        window's end), and their share.
    active_now
        Customers active in the window's last month.
    churned, active_at_start
        Σ churned and Σ active at the start of each month, over the window.
    monthly_churn_rate
        ``churned / active_at_start``: the share of active customers that
        become inactive in a month.
    customer_months
        Σ active over the window (one active customer for one month is one).
    revenue, revenue_returning
        Revenue in the window, and the part from returning customers.
    revenue_per_customer_month
        ``revenue / customer_months``: what an active customer brings a month.
    lifetime_months
        ``1 / monthly_churn_rate``: how long a customer stays active on
        average. ``None`` when no customer churned in the window (the
        estimate would be endless; the sentences say so).
    clv
        Customer lifetime value: ``revenue_per_customer_month × lifetime_months``.
    sentences
        The findings in plain words.
    """

    as_of: dt.date
    inactive_months: int
    period_from: str
    period_to: str
    months: int
    customers: int
    new_customers: int
    repeat_customers: int
    repeat_purchase_rate: float | None
    active_now: int
    churned: int
    active_at_start: int
    monthly_churn_rate: float | None
    customer_months: int
    revenue: float | None
    revenue_returning: float | None
    revenue_per_customer_month: float | None
    lifetime_months: float | None
    clv: float | None
    sentences: tuple[str, ...]


def _last_complete_month(today: dt.date) -> int:
    """The month index of the last month that ``today`` has seen to its end."""
    last_day = calendar.monthrange(today.year, today.month)[1]
    return _index_of(today) - (0 if today.day == last_day else 1)


def summarize(
    orders: pl.DataFrame,
    *,
    inactive_months: int = DEFAULT_INACTIVE_MONTHS,
    months: int = 12,
    today: dt.date | None = None,
    locale: str = "en",
    currency: str = DEFAULT_CURRENCY,
) -> CustomerSummary:
    """The customer figures over the latest ``months`` complete months.

    A month is complete when ``today`` is its last day or later; the
    window is the ``months`` complete months up to the last one, or fewer
    when the orders start later. The figures are defined in
    :class:`CustomerSummary` and :func:`monthly`.

    Parameters
    ----------
    orders
        A canonical order frame (:func:`order_frame`).
    today
        The day of the export; default the latest order or contact date.
        Orders after it are left out.
    locale, currency
        How the sentences show numbers and money.

    Raises
    ------
    InputError
        No orders up to ``today``, or no complete month.

    Examples
    --------
    >>> import datetime as dt
    >>> orders = pl.DataFrame({
    ...     "customer": ["a", "b", "a"],
    ...     "date": [dt.date(2026, 1, 5), dt.date(2026, 1, 9), dt.date(2026, 2, 3)],
    ...     "amount": [100.0, 50.0, 30.0],
    ... }).with_columns(channel=pl.lit(None, pl.String), name=pl.lit(None, pl.String),
    ...                 last_contact=pl.lit(None, pl.Date))
    >>> s = summarize(orders, inactive_months=1, today=dt.date(2026, 3, 31))
    >>> s.customers, s.repeat_purchase_rate, s.churned, s.active_at_start
    (2, 0.5, 2, 3)
    """
    _check_schema(orders)
    _check_months(inactive_months)
    if months < 1:
        raise InputError.of("customers.error.summary_months")
    today = today or latest_date(orders)
    upto = orders.filter(pl.col("date") <= today)
    if upto.is_empty():
        raise InputError.of("customers.error.no_orders_before", today=today)
    table = _monthly(upto, inactive_months, None, today)
    end_m = _last_complete_month(today)
    window = table.filter(pl.col("m").is_between(end_m - months + 1, end_m))
    if window.is_empty():
        raise InputError.of("customers.error.no_complete_month", today=today)
    first_m, last_m = int(window["m"].min()), int(window["m"].max())  # type: ignore[arg-type]
    start, end = _start_of(first_m), _start_of(last_m + 1) - dt.timedelta(days=1)
    in_window = upto.filter(pl.col("date").is_between(start, end))
    days = (
        upto.filter(pl.col("date") <= end)
        .group_by("customer")
        .agg(pl.col("date").n_unique().alias("days"))
    )
    buyers = in_window.select("customer").unique().join(days, on="customer", how="left")
    customers = buyers.height
    repeat = buyers.filter(pl.col("days") >= 2).height

    def total(name: str) -> int:
        return int(window[name].sum())

    churned, at_start, customer_months = total("churned"), total("active_start"), total("active")
    has_amount = window["revenue"].null_count() == 0
    revenue = float(window["revenue"].sum()) if has_amount else None
    revenue_returning = float(window["revenue_returning"].sum()) if has_amount else None
    churn = churned / at_start if at_start else None
    arpu = revenue / customer_months if revenue is not None and customer_months else None
    lifetime = 1.0 / churn if churn else None
    clv = arpu * lifetime if arpu is not None and lifetime is not None else None
    summary = CustomerSummary(
        as_of=today,
        inactive_months=inactive_months,
        period_from=period_label(start, "month"),
        period_to=period_label(_start_of(last_m), "month"),
        months=window.height,
        customers=customers,
        new_customers=total("new"),
        repeat_customers=repeat,
        repeat_purchase_rate=repeat / customers if customers else None,
        active_now=int(window.filter(pl.col("m") == last_m)["active"].item()),
        churned=churned,
        active_at_start=at_start,
        monthly_churn_rate=churn,
        customer_months=customer_months,
        revenue=revenue,
        revenue_returning=revenue_returning,
        revenue_per_customer_month=arpu,
        lifetime_months=lifetime,
        clv=clv,
        sentences=(),
    )
    return _with_sentences(summary, locale=locale, currency=currency)


def _with_sentences(s: CustomerSummary, *, locale: str, currency: str) -> CustomerSummary:
    def pct(v: float | None) -> str:
        return format_value(v, "percent", locale=locale)

    def money(v: float | None) -> str:
        return format_value(v, "currency", locale=locale, currency=currency)

    def say(key: str, **values: object) -> str:
        return t(f"customers.summary.{key}", locale=locale, **values)

    within = say("within", count=s.inactive_months)
    last = period_name(s.period_to, locale=locale)
    out = [
        say(
            "bought_in" if s.months == 1 else "bought_from",
            count=s.customers,
            first=period_name(s.period_from, locale=locale),
            last=last,
            new=say("new", count=s.new_customers),
            active=say("active", count=s.active_now),
            within=within,
        )
    ]
    if s.repeat_customers:
        out.append(say("repeat", share=pct(s.repeat_purchase_rate)))
    elif s.customers:
        out.append(say("no_repeat"))
    if s.monthly_churn_rate is None:
        out.append(say("churn_unknown"))
    elif s.lifetime_months is None:
        out.append(say("no_churn", within=within))
    else:
        out.append(
            say(
                "churn",
                share=pct(s.monthly_churn_rate),
                within=within,
                lifetime=format_value(s.lifetime_months, "count", locale=locale),
            )
        )
    if s.revenue is None:
        out.append(say("no_amounts"))
    elif s.revenue_per_customer_month is not None:
        arpu = money(s.revenue_per_customer_month)
        if s.clv is not None:
            out.append(say("value_and_clv", arpu=arpu, clv=money(s.clv)))
        else:
            out.append(say("value", arpu=arpu))
    return replace(s, sentences=tuple(out))


def retention_value(
    summary: CustomerSummary, *, extra_months: float, sell_more: float
) -> dict[str, float]:
    """What keeping customers longer, and selling more to them, is worth a year.

    * ``churned_per_year`` = ``summary.churned × 12 / summary.months``.
    * ``keep_longer`` = ``churned_per_year × extra_months ×
      revenue_per_customer_month``: every customer who would have become
      inactive stays ``extra_months`` longer, buying what an active customer
      buys a month.
    * ``returning_revenue_per_year`` = ``summary.revenue_returning × 12 /
      summary.months``.
    * ``sell_more`` = ``returning_revenue_per_year × sell_more``: existing
      customers buy ``sell_more`` (0.05 = 5 %) more.

    Also returned: ``revenue_per_customer_month``.

    Raises
    ------
    InputError
        When the summary has no revenue (no amounts in the orders), or
        ``extra_months`` is negative.

    Examples
    --------
    >>> import datetime as dt
    >>> s = CustomerSummary(
    ...     as_of=dt.date(2026, 12, 31), inactive_months=3, period_from="2026-01",
    ...     period_to="2026-12", months=12, customers=100, new_customers=40,
    ...     repeat_customers=30, repeat_purchase_rate=0.3, active_now=50, churned=24,
    ...     active_at_start=600, monthly_churn_rate=0.04, customer_months=600,
    ...     revenue=300_000.0, revenue_returning=120_000.0, revenue_per_customer_month=500.0,
    ...     lifetime_months=25.0, clv=12_500.0, sentences=())
    >>> v = retention_value(s, extra_months=2, sell_more=0.05)
    >>> v["keep_longer"], v["sell_more"]
    (24000.0, 6000.0)
    """
    if summary.revenue_per_customer_month is None or summary.revenue_returning is None:
        raise InputError.of("customers.error.lever_needs_revenue")
    if extra_months < 0 or not math.isfinite(extra_months) or not math.isfinite(sell_more):
        raise InputError.of("customers.error.lever_inputs")
    per_year = 12.0 / summary.months
    churned_per_year = summary.churned * per_year
    returning_per_year = summary.revenue_returning * per_year
    arpu = summary.revenue_per_customer_month
    return {
        "churned_per_year": churned_per_year,
        "revenue_per_customer_month": arpu,
        "keep_longer": churned_per_year * extra_months * arpu,
        "returning_revenue_per_year": returning_per_year,
        "sell_more": returning_per_year * sell_more,
    }


# ---------------------------------------------------------------------------
# Cohorts and the call list
# ---------------------------------------------------------------------------


def cohorts(orders: pl.DataFrame, *, today: dt.date | None = None) -> pl.DataFrame:
    """Customers grouped by the month of their first order, and who still buys later.

    Parameters
    ----------
    orders
        A canonical order frame (:func:`order_frame`).
    today
        The last month shown is ``today``'s; default the month of the latest
        order. Orders after ``today`` are left out.

    Returns
    -------
    pl.DataFrame
        ``cohort`` (``YYYY-MM`` of the first order), ``months_since`` (0 for
        the first month, 1 for the next …, up to the last month that has
        happened), ``customers`` (the cohort's size), ``buying`` (cohort
        customers with an order in that month), ``share`` (``buying /
        customers``; 1 in month 0). Sorted by cohort and month.

    Examples
    --------
    >>> import datetime as dt
    >>> orders = pl.DataFrame({
    ...     "customer": ["a", "b", "a"],
    ...     "date": [dt.date(2026, 1, 5), dt.date(2026, 1, 9), dt.date(2026, 2, 3)],
    ... }).with_columns(amount=pl.lit(None, pl.Float64), channel=pl.lit(None, pl.String),
    ...                 name=pl.lit(None, pl.String), last_contact=pl.lit(None, pl.Date))
    >>> cohorts(orders).rows()
    [('2026-01', 0, 2, 2, 1.0), ('2026-01', 1, 2, 1, 0.5)]
    """
    _check_schema(orders)
    upto = orders if today is None else orders.filter(pl.col("date") <= today)
    schema = {
        "cohort": pl.String,
        "months_since": pl.Int64,
        "customers": pl.Int64,
        "buying": pl.Int64,
        "share": pl.Float64,
    }
    if upto.is_empty():
        return pl.DataFrame(schema=schema)
    cm, _ = _customer_months(upto, None)
    last_m = int(cm["m"].max()) if today is None else _index_of(today)  # type: ignore[arg-type]
    sizes = cm.group_by("first_m").agg(pl.col("customer").n_unique().cast(pl.Int64).alias("n"))
    grid = sizes.with_columns(
        pl.int_ranges(0, last_m - pl.col("first_m") + 1).alias("months_since")
    ).explode("months_since")
    buying = cm.group_by("first_m", (pl.col("m") - pl.col("first_m")).alias("months_since")).agg(
        pl.len().cast(pl.Int64).alias("buying")
    )
    out = grid.join(buying, on=["first_m", "months_since"], how="left").with_columns(
        pl.col("buying").fill_null(0)
    )
    start = pl.date(pl.col("first_m") // 12, pl.col("first_m") % 12 + 1, 1)
    return (
        out.sort("first_m", "months_since")
        .select(
            pl.format(
                "{}-{}", start.dt.year(), start.dt.month().cast(pl.String).str.zfill(2)
            ).alias("cohort"),
            pl.col("months_since").cast(pl.Int64),
            pl.col("n").alias("customers"),
            "buying",
            (pl.col("buying") / pl.col("n")).alias("share"),
        )
        .cast(schema)
    )


def to_contact(
    orders: pl.DataFrame,
    *,
    inactive_months: int = DEFAULT_INACTIVE_MONTHS,
    today: dt.date,
) -> pl.DataFrame:
    """Customers nobody has heard from for more than ``inactive_months`` months: a call list.

    A customer is on the list when their last order, and their last contact
    when it is known, are both more than ``inactive_months`` calendar months
    before ``today``: earlier than the same day that many months back (on
    31-10 with 3 months, a last order on 30-07 is on the list, one on 31-07
    is not). Orders after ``today`` are left out; a last contact after
    ``today`` counts as a contact.

    Returns
    -------
    pl.DataFrame
        ``customer``, ``name`` (the latest name given), ``channel`` (of the
        first order), ``last_order``, ``last_contact``, ``months_quiet``
        (whole calendar months from the later of the two to ``today``),
        ``orders`` (order days), ``revenue`` (all the customer's orders;
        null without amounts). The most valuable customers first (revenue
        descending), then the longest quiet.

    Examples
    --------
    >>> import datetime as dt
    >>> orders = pl.DataFrame({
    ...     "customer": ["a", "b"], "date": [dt.date(2026, 1, 5), dt.date(2026, 9, 1)],
    ...     "amount": [100.0, 900.0], "last_contact": [dt.date(2026, 2, 1), None],
    ... }).with_columns(channel=pl.lit(None, pl.String), name=pl.lit(None, pl.String))
    >>> to_contact(orders, today=dt.date(2026, 10, 31)).select("customer", "months_quiet").rows()
    [('a', 8)]
    """
    _check_schema(orders)
    _check_months(inactive_months)
    cutoff = _months_back(today, inactive_months)
    upto = orders.filter(pl.col("date") <= today).with_row_index("__row")
    has_amount = upto["amount"].null_count() < upto.height
    per = (
        upto.sort("date", "__row")
        .group_by("customer", maintain_order=True)
        .agg(
            pl.col("name").drop_nulls().last().alias("name"),
            pl.col("channel").drop_nulls().first().alias("channel"),
            pl.col("date").max().alias("last_order"),
            pl.col("last_contact").max().alias("last_contact"),
            pl.col("date").n_unique().cast(pl.Int64).alias("orders"),
            pl.col("amount").sum().alias("revenue"),
        )
        .with_columns(
            pl.max_horizontal("last_order", "last_contact").alias("__quiet_since"),
            pl.col("revenue") if has_amount else pl.lit(None, dtype=pl.Float64).alias("revenue"),
        )
    )
    since = pl.col("__quiet_since")
    months_quiet = (
        _index_of(today) - _month_index(since) - (pl.lit(today.day) < since.dt.day()).cast(pl.Int64)
    )
    return (
        per.filter(since < cutoff)
        .with_columns(months_quiet.cast(pl.Int64).alias("months_quiet"))
        .sort(
            ["revenue", "__quiet_since", "customer"],
            descending=[True, False, False],
            nulls_last=True,
        )
        .select(
            "customer",
            "name",
            "channel",
            "last_order",
            "last_contact",
            "months_quiet",
            "orders",
            "revenue",
        )
    )
