"""What it would take: the reverse funnel from a revenue target, its levers and scenarios.

The plan works back from revenue, one stage at a time, at today's rates:

    revenue ÷ revenue per new customer            = customers
    customers ÷ SQL→customer                      = SQLs
    SQLs ÷ MQL→SQL                                = MQLs
    MQLs ÷ lead→MQL                               = leads
    leads ÷ TTL                                   = sessions
    sessions × ad clicks per session              = clicks
    clicks ÷ CTR = impressions,   clicks × CPC    = spend

Revenue per new customer is the average order value × orders per new
customer when orders are mapped. Stages that are not mapped are skipped:
with sessions, leads and customers only, leads come from customers through
lead→customer. Every rate is a ratio of sums over the baseline months, the
same number the scorecard shows.

>>> a = Assumptions(("leads", "customers"), (("value_per_customer", 10_000.0),
...     ("lead_to_customer", 0.2)))
>>> p = goal_seek(1_200_000, a, months=["2027-01", "2027-02"])
>>> p.monthly.select("period", "customers", "leads").rows()
[('2027-01', 60.0, 300.0), ('2027-02', 60.0, 300.0)]
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Literal

import polars as pl

from kpi_core.catalogue import KPIS
from kpi_core.compute import window_values
from kpi_core.fields import FIELDS_BY_ID
from kpi_core.funnel import step_between
from kpi_core.i18n import (
    DEFAULT_CURRENCY,
    format_number,
    format_value,
    in_sentence,
    period_name,
    t,
)
from kpi_core.issues import InputError, Issue, issue
from kpi_core.targets import apportion, period_bounds, seasonal_weights

#: The stages a plan can run through, top to bottom of the funnel it reverses.
PLAN_STAGES: tuple[str, ...] = ("sessions", "leads", "mqls", "sqls", "customers")
#: Columns of a plan, in the order a reader follows it (revenue down to spend).
PLAN_COLUMNS: tuple[str, ...] = (
    "revenue",
    "orders",
    "customers",
    "sqls",
    "mqls",
    "leads",
    "sessions",
    "clicks",
    "impressions",
    "spend",
)


def _field_name(field_id: str, locale: str) -> str:
    f = FIELDS_BY_ID.get(field_id)
    return f.name(locale) if f else field_id


@dataclass(frozen=True)
class Lever:
    """One assumption of the plan: what it is called and how it is shown.

    A step rate keeps its ``source`` and ``target`` stages, to be named in any language.
    """

    id: str
    unit: Literal["percent", "currency", "number"]
    source: str = ""
    target: str = ""

    def label(self, locale: str = "en") -> str:
        """The lever's name in ``locale``: the catalogue KPI's name when it is one."""
        if self.id in KPIS:
            return KPIS[self.id].label(locale)
        if self.source:
            return t(
                "plan.lever.step",
                locale=locale,
                source=_field_name(self.source, locale),
                target=in_sentence(_field_name(self.target, locale)),
            )
        return t(f"plan.lever.{self.id}.name", locale=locale)

    def about(self, locale: str = "en") -> str:
        """What the lever measures, in ``locale``."""
        if self.source:
            return t(
                "plan.lever.step_help",
                locale=locale,
                source=in_sentence(_field_name(self.source, locale)),
                target=in_sentence(_field_name(self.target, locale)),
            )
        if self.id in KPIS:
            return KPIS[self.id].about(locale)
        return t(f"plan.lever.{self.id}.help", locale=locale)

    @property
    def name(self) -> str:
        """The English name (:meth:`label` for other languages)."""
        return self.label()


def _step_lever(source: str, target: str) -> Lever:
    return Lever(step_between(source, target).id, "percent", source, target)


FIXED_LEVERS: dict[str, Lever] = {
    lv.id: lv
    for lv in (
        Lever("aov", "currency"),
        Lever("orders_per_customer", "number"),
        Lever("value_per_customer", "currency"),
        Lever("clicks_per_session", "number"),
        Lever("ctr", "percent"),
        Lever("cpc", "currency"),
    )
}


@dataclass(frozen=True)
class Assumptions:
    """The rates and values a plan is built on.

    Attributes
    ----------
    chain
        The funnel stages the plan runs through, top first, ending in
        ``"customers"`` (e.g. ``("sessions", "leads", "customers")``).
    values
        ``(lever id, value)`` pairs: the step rates between consecutive
        stages of ``chain`` (``"traffic_to_lead"`` …), ``"value_per_customer"``
        or ``"aov"`` with ``"orders_per_customer"``, and optionally
        ``"clicks_per_session"``, ``"ctr"`` and ``"cpc"``. A tuple keeps the
        assumptions hashable and their order stable.
    """

    chain: tuple[str, ...]
    values: tuple[tuple[str, float], ...]

    def get(self, lever: str) -> float | None:
        return dict(self.values).get(lever)

    def set(self, lever: str, value: float) -> Assumptions:
        """A copy with one assumption changed; unknown levers are refused."""
        if lever not in dict(self.values):
            valid = ", ".join(k for k, _ in self.values)
            raise InputError.of("plan.error.no_lever", lever=lever, valid=valid)
        if not math.isfinite(value) or value < 0:
            raise InputError.of("plan.error.negative", lever=lever, value=value)
        if self.lever(lever).unit == "percent" and lever != "clicks_per_session" and value > 1:
            raise InputError.of("plan.error.share", lever=lever, share=0.05, percent=5, value=value)
        return replace(self, values=tuple((k, value if k == lever else v) for k, v in self.values))

    def lever(self, lever: str) -> Lever:
        if lever in FIXED_LEVERS:
            return FIXED_LEVERS[lever]
        for a, b in self.steps:
            if step_between(a, b).id == lever:
                return _step_lever(a, b)
        raise KeyError(lever)

    @property
    def levers(self) -> list[Lever]:
        return [self.lever(k) for k, _ in self.values]

    @property
    def steps(self) -> list[tuple[str, str]]:
        return list(zip(self.chain, self.chain[1:], strict=False))

    @property
    def value_per_customer(self) -> float | None:
        aov, opc = self.get("aov"), self.get("orders_per_customer")
        if aov is not None and opc is not None:
            return aov * opc
        return self.get("value_per_customer")

    def rate(self, source: str, target: str) -> float | None:
        return self.get(step_between(source, target).id)


def assumptions_from(kf: pl.DataFrame, *, start: dt.date, end: dt.date) -> Assumptions:
    """Today's assumptions: the rates and values over ``start`` … ``end`` of ``kf``.

    ``kf`` is a monthly :func:`~kpi_core.compute.kpi_frame` made with
    ``parts=True``. Rates are ratios of sums over the window; a step whose
    pair was never recorded together is left out (and its stage with it).
    """
    totals = window_values(kf, start=start, end=end)
    if "customers" not in kf.columns or not totals.get("customers"):
        raise InputError.of("plan.error.no_customers")
    if "revenue" not in kf.columns or not totals.get("revenue"):
        raise InputError.of("plan.error.no_revenue")
    present = [s for s in PLAN_STAGES if s in kf.columns and totals.get(s)]
    if "sessions" not in present and "clicks" in kf.columns and totals.get("clicks"):
        present.insert(0, "clicks")
    chain = [present[-1]]
    values: list[tuple[str, float]] = []
    # Walk up from customers; a stage whose rate cannot be measured is skipped.
    for source in reversed(present[:-1]):
        rate = _paired_rate(kf, start, end, source, chain[0])
        if rate is None or rate <= 0:
            continue
        values.insert(0, (step_between(source, chain[0]).id, rate))
        chain.insert(0, source)
    ordered: list[tuple[str, float]] = []
    if totals.get("orders") and totals.get("aov"):
        ordered += [
            ("aov", float(totals["aov"])),  # type: ignore[arg-type]
            ("orders_per_customer", float(totals["orders"]) / float(totals["customers"])),  # type: ignore[arg-type]
        ]
    else:
        ordered.append(
            ("value_per_customer", float(totals["revenue"]) / float(totals["customers"]))
        )  # type: ignore[arg-type]
    ordered += values
    if chain[0] == "sessions":
        cps = _paired_rate(kf, start, end, "sessions", "clicks")
        if cps:
            ordered.append(("clicks_per_session", cps))
    if "clicks" in chain or any(k == "clicks_per_session" for k, _ in ordered):
        if totals.get("ctr"):
            ordered.append(("ctr", float(totals["ctr"])))  # type: ignore[arg-type]
        if totals.get("cpc"):
            ordered.append(("cpc", float(totals["cpc"])))  # type: ignore[arg-type]
    return Assumptions(tuple(chain), tuple(ordered))


def _paired_rate(
    kf: pl.DataFrame, start: dt.date, end: dt.date, source: str, target: str
) -> float | None:
    """Σtarget / Σsource over the months where both were recorded."""
    if source not in kf.columns or target not in kf.columns:
        return None
    inside = kf.filter(
        (pl.col("period_start") >= start)
        & (pl.col("period_end") <= end)
        & pl.col(source).is_not_null()
        & pl.col(target).is_not_null()
    )
    den = inside[source].sum()
    return float(inside[target].sum()) / float(den) if inside.height and den else None


def monthly_averages(kf: pl.DataFrame, *, start: dt.date, end: dt.date) -> dict[str, float | None]:
    """What the data shows today: each plan column's average per month over the window."""
    inside = kf.filter((pl.col("period_start") >= start) & (pl.col("period_end") <= end))
    out: dict[str, float | None] = {}
    for c in PLAN_COLUMNS:
        if c in inside.columns and inside[c].null_count() < inside.height:
            out[c] = float(inside[c].drop_nulls().mean())  # type: ignore[arg-type]
    return out


def baseline_window(kf: pl.DataFrame, *, months: int = 12) -> tuple[dt.date, dt.date]:
    """The latest ``months`` complete months of ``kf`` (fewer when the data is shorter)."""
    done = kf.filter(pl.col("complete") & (pl.col("days") > 0)).sort("period_start")
    if done.is_empty():
        raise InputError.of("plan.error.no_complete_month")
    tail = done.tail(months)
    return tail["period_start"][0], tail["period_end"][-1]


# -- Goal-seek -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """What a revenue target needs, month by month.

    Attributes
    ----------
    monthly
        ``period`` and one column per plan stage the assumptions support
        (``revenue``, ``orders``, ``customers``, ``sqls``, ``mqls``, ``leads``,
        ``sessions``, ``clicks``, ``impressions``, ``spend``), unrounded.
    total
        The same columns summed over the months.
    assumptions
        What the plan was built on.
    """

    monthly: pl.DataFrame
    total: dict[str, float]
    assumptions: Assumptions

    @property
    def top(self) -> str:
        """The highest stage the plan reaches (spend when it is known, else traffic)."""
        for c in ("spend", "impressions", "clicks", *PLAN_STAGES):
            if c in self.total:
                return c
        return "customers"


def months_of(period: str) -> list[str]:
    """The month labels of a period label (``"2027"`` → ``"2027-01"`` … ``"2027-12"``)."""
    _, start, end = period_bounds(period)
    out = []
    while start <= end:
        out.append(f"{start.year}-{start.month:02d}")
        start = dt.date(start.year + start.month // 12, start.month % 12 + 1, 1)
    return out


def revenue_weights(kf: pl.DataFrame | None, months: Sequence[str]) -> list[float] | None:
    """Each month's share of revenue in the latest complete year, or ``None``."""
    if kf is None:
        return None
    starts = [dt.date(int(m[:4]), int(m[5:]), 1) for m in months]
    return seasonal_weights(kf, "revenue", starts, into="month")


def required(revenue: float, a: Assumptions, *, locale: str = "en") -> dict[str, float]:
    """What ``revenue`` needs at the assumptions, stage by stage (one period, unrounded).

    ``locale`` names the stage in the error when a rate is zero.
    """
    value = a.value_per_customer
    if value is None or value <= 0:
        raise InputError.of("plan.error.value_per_customer")
    out: dict[str, float] = {"revenue": float(revenue)}
    aov = a.get("aov")
    if aov:
        out["orders"] = revenue / aov
    out["customers"] = revenue / value
    below = out["customers"]
    for source, target in reversed(a.steps):
        rate = a.rate(source, target)
        if not rate:
            raise InputError.of(
                "plan.error.zero_rate",
                step=_step_lever(source, target).label(locale),
                source=in_sentence(_field_name(source, locale)),
            )
        below = below / rate
        out[source] = below
    cps, ctr, cpc = a.get("clicks_per_session"), a.get("ctr"), a.get("cpc")
    if "sessions" in out and cps is not None:
        out["clicks"] = out["sessions"] * cps
    if "clicks" in out and ctr:
        out["impressions"] = out["clicks"] / ctr
    if "clicks" in out and cpc is not None:
        out["spend"] = out["clicks"] * cpc
    return out


def push_forward(top: float, a: Assumptions) -> float:
    """Revenue from ``top`` units of the plan's first stage at the assumptions.

    The inverse of :func:`required`: ``push_forward(required(R, a)[a.chain[0]], a) == R``.
    """
    value = top
    for source, target in a.steps:
        value *= a.rate(source, target) or 0.0
    return value * (a.value_per_customer or 0.0)


def goal_seek(
    revenue: float,
    a: Assumptions,
    *,
    months: Sequence[str],
    weights: Sequence[float] | None = None,
    locale: str = "en",
) -> Plan:
    """Share ``revenue`` over ``months`` and work each month back through the funnel.

    ``weights`` shape the months (e.g. last year's revenue by month, see
    :func:`revenue_weights`); default even. Revenue per month adds up exactly
    to ``revenue`` (whole kroner); the stages above it are unrounded, so the
    plan pushed forward through the funnel gives back the target.
    """
    if not math.isfinite(revenue) or revenue <= 0:
        raise InputError.of("plan.error.revenue_target")
    if not months:
        raise InputError.of("plan.error.no_months")
    split = apportion(revenue, weights if weights else [1.0] * len(months))
    rows = [
        {"period": m, **required(r, a, locale=locale)} for m, r in zip(months, split, strict=True)
    ]
    columns = [c for c in PLAN_COLUMNS if c in rows[0]]
    monthly = pl.DataFrame(rows, schema={"period": pl.String, **{c: pl.Float64 for c in columns}})
    total = {c: float(monthly[c].sum()) for c in columns}
    return Plan(monthly, total, a)


# -- Levers -----------------------------------------------------------------------------------


def lever_moves(
    a: Assumptions, *, pp: float = 0.01, relative: float = 0.10, locale: str = "en"
) -> list[tuple[str, float, str]]:
    """Each lever's single improvement: ``(lever, new value, words)``, words in ``locale``.

    Rates move by ``pp`` (one percentage point), values by ``relative`` (10 %),
    each in its better direction (a lower cost per click, a higher order value).
    """
    moves = []
    percent = round(relative * 100, 1)
    for lever, value in a.values:
        info = a.lever(lever)
        name = in_sentence(info.label(locale))
        if lever == "cpc":
            new = value * (1 - relative)
            words = t("plan.move.lower", locale=locale, percent=percent, name=name)
        elif info.unit == "percent":
            new = min(value + pp, 1.0)
            words = t("plan.move.rate", locale=locale, count=round(pp * 100, 2), name=name)
        elif lever == "clicks_per_session":
            continue  # the paid share of traffic is a mix, not an improvement
        else:
            new = value * (1 + relative)
            words = t("plan.move.higher", locale=locale, percent=percent, name=name)
        if new != value:
            moves.append((lever, new, words))
    return moves


def levers(
    revenue: float,
    a: Assumptions,
    *,
    pp: float = 0.01,
    relative: float = 0.10,
    best: Mapping[str, float] | None = None,
    locale: str = "en",
) -> pl.DataFrame:
    """Which single lever cuts the required traffic, or spend, the most.

    Returns one row per lever: ``lever``, ``name``, ``change`` (in words, in ``locale``),
    ``from``, ``to``, ``measure`` (``"spend"`` when the plan reaches spend,
    else its top stage), ``needed`` (that measure with the lever moved),
    ``saved`` (how much less than today) and ``saved_share``, and
    ``seen_before`` (whether the data's best month already reached the new
    value, when ``best`` gives each lever's best month), best lever first.
    """
    base = required(revenue, a, locale=locale)
    measure = next(
        c for c in ("spend", "impressions", "clicks", "sessions", *PLAN_STAGES) if c in base
    )
    rows = []
    for lever, new, words in lever_moves(a, pp=pp, relative=relative, locale=locale):
        moved = required(revenue, a.set(lever, new), locale=locale)
        needed = moved[measure]
        best_month = (best or {}).get(lever)
        seen = None
        if best_month is not None:
            seen = best_month <= new if lever == "cpc" else best_month >= new
        rows.append(
            {
                "lever": lever,
                "name": a.lever(lever).label(locale),
                "change": words,
                "from": a.get(lever),
                "to": new,
                "measure": measure,
                "needed": needed,
                "saved": base[measure] - needed,
                "saved_share": (base[measure] - needed) / base[measure] if base[measure] else None,
                "seen_before": seen,
            }
        )
    schema = {
        "lever": pl.String,
        "name": pl.String,
        "change": pl.String,
        "from": pl.Float64,
        "to": pl.Float64,
        "measure": pl.String,
        "needed": pl.Float64,
        "saved": pl.Float64,
        "saved_share": pl.Float64,
        "seen_before": pl.Boolean,
    }
    return pl.DataFrame(rows, schema=schema).sort("saved", descending=True)


def best_months(
    kf: pl.DataFrame, a: Assumptions, *, start: dt.date, end: dt.date
) -> dict[str, float]:
    """Each lever's best monthly value in the window (lowest for cost per click)."""
    inside = kf.filter(
        (pl.col("period_start") >= start) & (pl.col("period_end") <= end) & pl.col("complete")
    )
    out: dict[str, float] = {}
    for lever, _ in a.values:
        if lever in inside.columns:
            series = inside[lever].drop_nulls()
        elif lever in ("orders_per_customer", "value_per_customer", "clicks_per_session"):
            num, den = {
                "orders_per_customer": ("orders", "customers"),
                "value_per_customer": ("revenue", "customers"),
                "clicks_per_session": ("clicks", "sessions"),
            }[lever]
            if num not in inside.columns or den not in inside.columns:
                continue
            series = _ratio(inside, num, den)
        else:
            source_target = next(
                ((s, t) for s, t in a.steps if step_between(s, t).id == lever), None
            )
            if source_target is None:
                continue
            series = _ratio(inside, source_target[1], source_target[0])
        if series.len():
            out[lever] = float(series.min() if lever == "cpc" else series.max())  # type: ignore[arg-type]
    return out


def _ratio(frame: pl.DataFrame, num: str, den: str) -> pl.Series:
    ok = frame.filter(pl.col(num).is_not_null() & pl.col(den).is_not_null() & (pl.col(den) > 0))
    return ok[num] / ok[den]


# -- Sales capacity ----------------------------------------------------------------------------


def capacity_table(
    plan: Plan,
    *,
    measure: Literal["leads", "sqls"],
    capacity: float,
    tolerance: float = 0.1,
    locale: str = "en",
) -> pl.DataFrame:
    """The plan's leads (or SQLs) per month against what sales can handle per month.

    ``period, flow, capacity, ratio, status`` with status ``"over capacity"``,
    ``"under capacity"`` (more than ``tolerance`` below) or ``"matched"``: ids, not
    words (``locale`` only names the measure in an error).
    """
    if capacity <= 0:
        raise InputError.of("plan.error.capacity")
    if measure not in plan.monthly.columns:
        raise InputError.of("plan.error.no_measure", name=KPIS[measure].label(locale))
    flow = pl.col(measure)
    return plan.monthly.select(
        "period",
        flow.alias("flow"),
        pl.lit(float(capacity)).alias("capacity"),
        (flow / capacity).alias("ratio"),
        pl.when(flow > capacity * (1 + tolerance))
        .then(pl.lit("over capacity"))
        .when(flow < capacity * (1 - tolerance))
        .then(pl.lit("under capacity"))
        .otherwise(pl.lit("matched"))
        .alias("status"),
    )


def capacity_findings(
    table: pl.DataFrame, *, measure: str, today: float | None = None, locale: str = "en"
) -> list[Issue]:
    """In words: months the plan would swamp sales, months sales has room, and today's flow.

    The issues are worded in ``locale`` (:meth:`Issue.text` with the same locale).
    """
    noun = in_sentence(KPIS[measure].label(locale)) if measure in KPIS else measure

    def count(x: float) -> str:
        return format_value(x, "count", locale=locale)

    cap = float(table["capacity"][0]) if table.height else 0.0
    over = table.filter(pl.col("status") == "over capacity")
    under = table.filter(pl.col("status") == "under capacity")
    out: list[Issue] = []
    if over.height:
        worst = over.sort("flow", descending=True).row(0, named=True)
        out.append(
            issue(
                "warning",
                measure,
                "plan.capacity.over",
                examples=[
                    period_name(p, locale=locale, style="short") for p in over["period"].to_list()
                ],
                count=table.height,
                months=over.height,
                noun=noun,
                capacity=count(cap),
                month=period_name(worst["period"], locale=locale),
                most=count(worst["flow"]),
            )
        )
    if under.height:
        low = under.sort("flow").row(0, named=True)
        out.append(
            issue(
                "info",
                measure,
                "plan.capacity.under",
                count=table.height,
                months=under.height,
                noun=noun,
                capacity=count(cap),
                month=period_name(low["period"], locale=locale),
                fewest=count(low["flow"]),
            )
        )
    if not over.height and not under.height:
        out.append(issue("info", measure, "plan.capacity.matched", noun=noun, capacity=count(cap)))
    if today is not None and cap:
        gap = today / cap - 1
        if gap > 0.1:
            out.append(
                issue(
                    "warning",
                    measure,
                    "plan.capacity.today",
                    today=count(today),
                    noun=noun,
                    percent=format_number(gap * 100, locale=locale),
                )
            )
    return out


# -- Customer value levers ---------------------------------------------------------------------


def value_levers(
    *,
    new_customers: float,
    value_per_customer: float,
    existing_revenue: float,
    sell_more: float,
    customers_per_year: float,
    extra_months: float,
    monthly_value: float,
    locale: str = "en",
    currency: str = DEFAULT_CURRENCY,
) -> pl.DataFrame:
    """Three ways to more revenue, each with its effect on annual revenue.

    * ``new_customers`` more customers at ``value_per_customer`` each;
    * selling ``sell_more`` (a share, 0.05 = 5 %) more to existing customers,
      whose revenue is ``existing_revenue`` a year;
    * keeping customers ``extra_months`` longer at ``monthly_value`` a month.
      In a steady state as many customers leave each year as are won, so
      ``customers_per_year`` customers each stay that much longer.

    ``name`` and ``how`` are worded in ``locale``, amounts in ``currency``.

    >>> value_levers(new_customers=10, value_per_customer=5000, existing_revenue=200_000,
    ...     sell_more=0.05, customers_per_year=40, extra_months=2, monthly_value=100
    ... )["effect"].to_list()
    [50000.0, 10000.0, 8000.0]
    """
    for name, v in (
        ("new_customers", new_customers),
        ("value_per_customer", value_per_customer),
        ("existing_revenue", existing_revenue),
        ("sell_more", sell_more),
        ("customers_per_year", customers_per_year),
        ("extra_months", extra_months),
        ("monthly_value", monthly_value),
    ):
        if not math.isfinite(v) or v < 0:
            raise InputError.of(
                "plan.error.value_input", name=t(f"plan.value_input.{name}", locale=locale)
            )

    def money(x: float) -> str:
        return format_value(x, "currency", locale=locale, currency=currency)

    rows = [
        (
            "new",
            t("plan.value.new", locale=locale),
            t(
                "plan.value.new_how",
                locale=locale,
                count=new_customers,
                customers=format_number(new_customers, locale=locale),
                value=money(value_per_customer),
            ),
            new_customers * value_per_customer,
        ),
        (
            "more",
            t("plan.value.more", locale=locale),
            t(
                "plan.value.more_how",
                locale=locale,
                percent=format_number(sell_more * 100, locale=locale),
                revenue=money(existing_revenue),
            ),
            existing_revenue * sell_more,
        ),
        (
            "keep",
            t("plan.value.keep", locale=locale),
            t(
                "plan.value.keep_how",
                locale=locale,
                count=customers_per_year,
                customers=format_number(customers_per_year, locale=locale),
                months=round(extra_months, 2),
                value=money(monthly_value),
            ),
            customers_per_year * extra_months * monthly_value,
        ),
    ]
    return pl.DataFrame(
        rows,
        schema={"lever": pl.String, "name": pl.String, "how": pl.String, "effect": pl.Float64},
        orient="row",
    )


# -- Scenarios ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    """A named set of assumptions with its revenue target and period."""

    name: str
    revenue: float
    period: str  # a year label, "2027"
    assumptions: Assumptions
    split: Literal["even", "seasonal"] = "seasonal"


def compare(
    scenarios: Sequence[Scenario],
    *,
    weights: Mapping[str, Sequence[float] | None] | None = None,
    locale: str = "en",
) -> pl.DataFrame:
    """Scenarios side by side: one row per assumption and plan total, one column per scenario.

    ``weights`` gives each scenario's month weights by name (for seasonal
    splits); the totals do not depend on them, only the monthly plan does. The ``what``
    column is worded in ``locale``; scenario names are the user's, as they are.
    """
    if not scenarios:
        return pl.DataFrame({"what": [], "unit": []}, schema={"what": pl.String, "unit": pl.String})
    names = [s.name for s in scenarios]
    if len(set(names)) != len(names):
        raise InputError.of("plan.error.same_name")
    rows: dict[str, tuple[str, dict[str, float | None]]] = {}

    def put(key: str, label: str, unit: str, name: str, value: float | None) -> None:
        rows.setdefault(key, (f"{label}", {}))[1][name] = value
        units[key] = unit

    units: dict[str, str] = {}
    for s in scenarios:
        put("target", t("plan.revenue_target", locale=locale), "currency", s.name, s.revenue)
        for lv in s.assumptions.levers:
            put(lv.id, lv.label(locale), lv.unit, s.name, s.assumptions.get(lv.id))
        need = required(s.revenue, s.assumptions, locale=locale)
        for c in PLAN_COLUMNS[1:]:
            if c in need:
                unit = "currency" if c == "spend" else "count"
                put(f"need_{c}", needed_name(c, locale=locale), unit, s.name, need[c])
    return pl.DataFrame(
        [
            {"what": label, "unit": units[key], **{n: vals.get(n) for n in names}}
            for key, (label, vals) in rows.items()
        ],
        schema={"what": pl.String, "unit": pl.String, **{n: pl.Float64 for n in names}},
    )


def stage_name(stage: str, *, locale: str = "en") -> str:
    """``"leads"`` → ``"Leads"``; ``"spend"`` → ``"Ad spend"`` (in ``locale``)."""
    if stage == "spend":
        return t("plan.ad_spend", locale=locale)
    return KPIS[stage].label(locale) if stage in KPIS else _field_name(stage, locale)


def needed_name(stage: str, *, locale: str = "en") -> str:
    """What the plan needs of a stage, as a heading: ``"Leads needed"``."""
    return t(f"plan.needed.{stage}", locale=locale)


def benchmark_starts(
    a: Assumptions, bands: pl.DataFrame, *, currency: str = DEFAULT_CURRENCY, locale: str = "en"
) -> dict[str, tuple[float, str]]:
    """Published typical values for the plan's levers: ``lever -> (value, source)``.

    ``bands`` is :func:`kpi_core.benchmarks.bands`. Only levers that are catalogue
    KPIs with a typical value are given; money figures only in ``currency`` (a
    dollar cost per click is not a krone one). A source without a name is called
    a published figure in ``locale``.
    """
    out: dict[str, tuple[float, str]] = {}
    by_kpi = {r["kpi_id"]: r for r in bands.iter_rows(named=True)}
    for lever, _ in a.values:
        row = by_kpi.get(lever)
        if row is None or row.get("typical") is None:
            continue
        if a.lever(lever).unit == "currency" and (row.get("currency") or currency) != currency:
            continue
        name = row.get("source_name") or t("plan.published_figure", locale=locale)
        source = f"{name}, {row.get('period') or ''}"
        out[lever] = (float(row["typical"]), source.strip(", "))
    return out
