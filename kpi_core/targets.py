"""SMART targets: a KPI, a number and a period; their steps, checks and pacing.

A target is read against a monthly KPI frame made with ``parts=True`` (see
:func:`kpi_core.compute.kpi_frame`), so every figure here is a sum or a
ratio of sums over whole months, the same numbers as the scorecard.

Summed KPIs (sessions, leads, revenue …) are *split*: the steps of a year
add up exactly to the year. Ratio KPIs (TTL, CAC …) are *held*: each step
is the rate to reach in that step, so a ramp moves from the baseline to
the target.

>>> t = target("leads", 1200, "2026")
>>> t.start, t.end, t.kind
(datetime.date(2026, 1, 1), datetime.date(2026, 12, 31), 'year')
>>> [s.value for s in split(t, into="quarter", method="even")]
[300.0, 300.0, 300.0, 300.0]
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

import polars as pl

from kpi_core import i18n
from kpi_core.catalogue import KPIS, STAGES, Kpi, kpi, stage_name
from kpi_core.compute import Period, period_end, period_label, window_values
from kpi_core.fields import FIELDS_BY_ID
from kpi_core.i18n import (
    DEFAULT_CURRENCY,
    format_number,
    format_value,
    in_sentence,
    join_words,
    period_name,
)
from kpi_core.issues import InputError, Issue, issue

SplitMethod = Literal["even", "seasonal", "ramp"]
SPLIT_METHODS: tuple[SplitMethod, ...] = ("even", "seasonal", "ramp")
Status = Literal["on track", "at risk", "off track", "not started", "no data"]
#: The pacing statuses, worst first (the order the Targets page lists them in).
STATUSES: tuple[Status, ...] = ("off track", "at risk", "on track", "not started", "no data")

#: Within 3 % of plan is on track, within 10 % at risk, beyond that off track.
ON_TRACK = 0.03
AT_RISK = 0.10

_MONTHS = {"month": 1, "quarter": 3, "year": 12}
_LABEL = re.compile(r"^(?P<y>\d{4})(?:-(?:Q(?P<q>[1-4])|(?P<m>0[1-9]|1[0-2])))?$")


@dataclass(frozen=True)
class SubGoal:
    """One step of a target: the part of it due in one quarter or month."""

    label: str  # "2026-Q1", "2026-03"
    start: dt.date
    end: dt.date
    value: float


@dataclass(frozen=True)
class Target:
    """A SMART target: a KPI, a number and a period.

    Attributes
    ----------
    kpi
        Catalogue KPI id.
    value
        The number to reach (a share in [0, 1] for rates).
    start, end
        First and last day of the period.
    kind
        ``"year"``, ``"quarter"`` or ``"month"``.
    baseline
        The same period a year earlier, taken from the data when set.
    owner, goal, notes
        Who answers for it, the business goal it serves, anything else.
    steps
        Quarterly or monthly sub-goals; empty until the target is split.
    id
        Stable identifier (saved workspaces and the change log refer to it).
    """

    kpi: str
    value: float
    start: dt.date
    end: dt.date
    kind: Period = "year"
    baseline: float | None = None
    owner: str = ""
    goal: str = ""
    notes: str = ""
    steps: tuple[SubGoal, ...] = ()
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])

    @property
    def label(self) -> str:
        return period_label(self.start, self.kind)

    @property
    def definition(self) -> Kpi:
        return kpi(self.kpi)

    @property
    def additive(self) -> bool:
        """Summed KPIs split into steps that add up; ratios are held per step."""
        return not self.definition.is_ratio


def period_bounds(label: str) -> tuple[Period, dt.date, dt.date]:
    """The kind, first and last day of a period label.

    >>> period_bounds("2026-Q2")
    ('quarter', datetime.date(2026, 4, 1), datetime.date(2026, 6, 30))
    """
    m = _LABEL.match(label.strip())
    if not m:
        raise InputError.of("targets.error.not_period", label=label)
    year = int(m["y"])
    if m["q"]:
        kind: Period = "quarter"
        start = dt.date(year, 3 * int(m["q"]) - 2, 1)
    elif m["m"]:
        kind = "month"
        start = dt.date(year, int(m["m"]), 1)
    else:
        kind = "year"
        start = dt.date(year, 1, 1)
    return kind, start, period_end(start, kind)


def target(kpi_id: str, value: float, period: str, **extra: object) -> Target:
    """A target on ``kpi_id`` for the period label ``period`` ("2026", "2026-Q3", "2026-09")."""
    kind, start, end = period_bounds(period)
    kpi(kpi_id)  # unknown ids fail here, with the valid ones listed
    return Target(kpi=kpi_id, value=float(value), start=start, end=end, kind=kind, **extra)  # type: ignore[arg-type]


def _shift_year(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def baseline(kf: pl.DataFrame, kpi_id: str, *, start: dt.date, end: dt.date) -> float | None:
    """The KPI over the same period one year earlier, when the data covers all of it."""
    before_start, before_end = _shift_year(start, -1), _shift_year(end, -1)
    months = kf.filter(
        (pl.col("period_start") >= before_start) & (pl.col("period_end") <= before_end)
    )
    expected = _months_between(before_start, before_end)
    if months.height < expected or not months["complete"].all():
        return None
    return window_values(kf, start=before_start, end=before_end, kpis=[kpi_id]).get(kpi_id)


def with_baseline(t: Target, kf: pl.DataFrame) -> Target:
    """``t`` with its baseline taken from the monthly frame ``kf``."""
    return replace(t, baseline=baseline(kf, t.kpi, start=t.start, end=t.end))


# -- Steps ---------------------------------------------------------------------------------


def _months_between(start: dt.date, end: dt.date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month + 1


def _step_starts(t: Target, into: Period) -> list[dt.date]:
    size = _MONTHS[into]
    n = _months_between(t.start, t.end) // size
    out = []
    for i in range(n):
        total = t.start.year * 12 + t.start.month - 1 + i * size
        out.append(dt.date(total // 12, total % 12 + 1, 1))
    return out


def _unit(value: float) -> float:
    """Whole units for whole targets, else cents: steps add up exactly in that unit."""
    return 1.0 if float(value).is_integer() else 0.01


def apportion(total: float, weights: Sequence[float]) -> list[float]:
    """Share ``total`` by ``weights`` so the parts add up exactly (largest remainder).

    >>> apportion(10, [1, 1, 1])
    [4.0, 3.0, 3.0]
    """
    if not weights:
        return []
    unit = _unit(total)
    units = round(total / unit)
    w = [max(float(x), 0.0) for x in weights]
    if sum(w) <= 0:
        w = [1.0] * len(w)
    exact = [units * x / sum(w) for x in w]
    floors = [math.floor(e) for e in exact]
    left = units - sum(floors)
    order = sorted(range(len(w)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:left]:
        floors[i] += 1
    if unit == 1.0:
        return [float(f) for f in floors]
    return [round(f * unit, 2) for f in floors]


def seasonal_weights(
    kf: pl.DataFrame, column: str, starts: Sequence[dt.date], *, into: Period
) -> list[float] | None:
    """Each step's share of ``column`` in the latest complete year of the data.

    The months are matched by calendar month (the latest complete January,
    February …), so a plan for next year follows this year's pattern.
    ``None`` when a month is missing, so the caller can fall back.
    """
    if column not in kf.columns:
        return None
    done = kf.filter(pl.col("complete") & pl.col(column).is_not_null())
    latest: dict[int, float] = {}
    for month, value in zip(done["period_start"], done[column], strict=True):
        latest[month.month] = float(value)  # later rows overwrite earlier ones
    if len(latest) < 12:
        return None
    size = _MONTHS[into]
    return [sum(latest[(s.month - 1 + i) % 12 + 1] for i in range(size)) for s in starts]


def split(
    t: Target,
    *,
    into: Period,
    method: SplitMethod = "even",
    history: pl.DataFrame | None = None,
    ramp: float = 2.0,
) -> list[SubGoal]:
    """Break ``t`` into quarterly or monthly sub-goals.

    Parameters
    ----------
    into
        ``"quarter"`` or ``"month"`` (shorter than the target's period).
    method
        ``"even"``; ``"seasonal"``, following the latest complete year in
        ``history`` (a monthly frame; falls back to even without one); or
        ``"ramp"``, growing step by step (the last step ``ramp`` times the
        first for summed KPIs; from the baseline to the target for ratios).

    For summed KPIs the steps add up exactly to the target (in whole units
    when the target is whole, else in cents); for ratios every step is a
    rate, and the last step is the target itself under a ramp.

    >>> t = target("revenue", 1_000_000, "2026")
    >>> [s.value for s in split(t, into="quarter", method="ramp")]
    [166667.0, 222222.0, 277778.0, 333333.0]
    """
    if _MONTHS[into] >= _MONTHS[t.kind]:
        raise InputError.of(f"targets.error.split.{t.kind}_{into}")
    starts = _step_starts(t, into)
    n = len(starts)
    k = t.definition
    if method == "seasonal":
        column = k.id if not k.is_ratio else k.numerator
        weights = (
            seasonal_weights(history, column, starts, into=into) if history is not None else None
        )
        if weights is None or sum(weights) <= 0:
            method = "even"
    if t.additive:
        if method == "seasonal":
            assert weights is not None
            shares = weights
        elif method == "ramp":
            shares = [1 + (ramp - 1) * i / max(n - 1, 1) for i in range(n)]
        else:
            shares = [1.0] * n
        values = apportion(t.value, shares)
    else:
        base = t.baseline if t.baseline is not None else t.value
        if method == "ramp":
            values = [base + (t.value - base) * (i + 1) / n for i in range(n)]
        elif method == "seasonal" and history is not None and t.baseline is not None:
            before = [
                window_values(
                    history,
                    start=_shift_year(s, -1),
                    end=_shift_year(period_end(s, into), -1),
                    kpis=[k.id],
                ).get(k.id)
                for s in starts
            ]
            values = (
                [b + (t.value - t.baseline) for b in before]
                if all(b is not None for b in before)
                else [t.value] * n
            )  # type: ignore[operator]
        else:
            values = [t.value] * n
        if k.is_rate:
            values = [min(max(v, 0.0), 1.0) for v in values]
    return [
        SubGoal(period_label(s, into), s, period_end(s, into), v)
        for s, v in zip(starts, values, strict=True)
    ]


def with_steps(t: Target, values: Sequence[float], *, into: Period) -> Target:
    """``t`` with its sub-goals set to ``values`` (one per quarter or month, in order)."""
    starts = _step_starts(t, into)
    if len(values) != len(starts):
        raise InputError.of(
            f"targets.error.step_count.{into}",
            period=t.label,
            steps=len(starts),
            count=len(values),
        )
    steps = tuple(
        SubGoal(period_label(s, into), s, period_end(s, into), float(v))
        for s, v in zip(starts, values, strict=True)
    )
    return replace(t, steps=steps)


def check_steps(t: Target, *, locale: str = "en", currency: str = DEFAULT_CURRENCY) -> list[Issue]:
    """Steps that do not add up to a summed target, or a rate step outside 0–100 %.

    Amounts in the messages are written for ``locale`` and ``currency``.
    """
    if not t.steps:
        return []
    k = t.definition
    issues: list[Issue] = []

    def shown(x: float) -> str:
        return format_value(x, k.unit, locale=locale, currency=currency)

    if t.additive:
        total = sum(s.value for s in t.steps)
        if not math.isclose(total, t.value, rel_tol=1e-9, abs_tol=0.005):
            gap = t.value - total
            values = {
                "total": shown(total),
                "gap": shown(abs(gap)),
                "period": t.label,
                "goal": shown(t.value),
            }
            if gap > 0:
                issues.append(issue("warning", t.kpi, "targets.steps.short", **values))
            else:
                issues.append(issue("warning", t.kpi, "targets.steps.over", **values))
    if k.is_rate:
        bad = [s.label for s in t.steps if not 0 <= s.value <= 1]
        if bad:
            issues.append(issue("error", t.kpi, "targets.steps.rate_range", examples=bad))
    if any(s.value < 0 for s in t.steps) and not k.is_rate:
        issues.append(issue("error", t.kpi, "targets.steps.negative"))
    return issues


# -- SMART ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SmartCheck:
    """One letter of SMART: whether the target meets it, and why (not)."""

    letter: Literal["S", "M", "A", "R", "T"]
    name: str
    ok: bool
    message: str
    level: Literal["info", "warning", "error"] = "info"


def best_growth(kf: pl.DataFrame, kpi_id: str, *, months: int) -> tuple[float, str] | None:
    """The best year-on-year change of ``kpi_id`` over any run of ``months`` complete months.

    Relative growth for summed KPIs and money, percentage points (as a share)
    for rates; "best" follows the KPI's direction (a fall for CAC). Returns
    the change and the period it ended in, or ``None`` without two years.
    """
    k = kpi(kpi_id)
    done = kf.filter(pl.col("complete")).sort("period_start")
    starts = done["period_start"].to_list()
    best: tuple[float, str] | None = None
    for s in starts:
        end = period_end(s, "month")
        first = _add(s, -(months - 1))
        now = _window(kf, k, first, end, months)
        before = _window(kf, k, _shift_year(first, -1), _shift_year(end, -1), months)
        if now is None or before is None:
            continue
        change = _change(k, now, before)
        if change is None:
            continue
        better = -change if k.direction == "lower" else change
        if best is None or better > (-best[0] if k.direction == "lower" else best[0]):
            best = (change, period_label(s, "month"))
    return best


def _add(day: dt.date, months: int) -> dt.date:
    total = day.year * 12 + day.month - 1 + months
    return dt.date(total // 12, total % 12 + 1, 1)


def _window(kf: pl.DataFrame, k: Kpi, start: dt.date, end: dt.date, months: int) -> float | None:
    inside = kf.filter(
        (pl.col("period_start") >= start) & (pl.col("period_end") <= end) & pl.col("complete")
    )
    if inside.height < months:
        return None
    return window_values(kf, start=start, end=end, kpis=[k.id]).get(k.id)


def _change(k: Kpi, now: float, before: float) -> float | None:
    if k.is_rate:
        return now - before
    if before <= 0:
        return None
    return now / before - 1


def _fmt_change(k: Kpi, change: float, *, locale: str = "en") -> str:
    """``+10 %`` for relative growth, ``+1.5 pp`` for a rate, in ``locale``'s numbers."""
    sign = "-" if change < 0 else "+"
    if k.is_rate:
        digits = 2 if abs(change) < 0.001 else 1
        number = format_number(abs(change) * 100, locale=locale, digits=digits)
        return sign + i18n.t("common.pp", locale=locale, value=number)
    return f"{sign}{format_number(abs(change) * 100, locale=locale)} %"


def _formula(k: Kpi, locale: str) -> str:
    """How the KPI is computed, with the fields named in ``locale``: ``Σ leads / Σ sessions``."""

    def total(field_id: str) -> str:
        return f"Σ {in_sentence(FIELDS_BY_ID[field_id].name(locale))}"

    if k.denominator is None:
        return total(k.numerator)
    scale = "" if k.scale == 1 else f"{format_number(k.scale, locale=locale)} × "
    return f"{scale}{total(k.numerator)} / {total(k.denominator)}"


def smart_check(
    t: Target,
    *,
    fields: Iterable[str],
    history: pl.DataFrame | None = None,
    today: dt.date | None = None,
    locale: str = "en",
    currency: str = DEFAULT_CURRENCY,
) -> list[SmartCheck]:
    """Check ``t`` against SMART, one result per letter.

    Parameters
    ----------
    fields
        The canonical fields mapped in the data (Measurable needs the KPI's).
    history
        The monthly frame (``parts=True``): the baseline and the best growth
        the data has shown (Achievable).
    today
        To tell a period that has already ended (Time-bound).
    locale, currency
        The language of the names and messages, and the currency of amounts.
    """
    k = KPIS.get(t.kpi)
    checks: list[SmartCheck] = []

    def tk(letter: str, ok: bool, key: str, level: str = "info", **values: object) -> SmartCheck:
        """One letter's result, worded by the catalogue message ``key``."""
        name = i18n.t(f"targets.smart.name.{letter}", locale=locale)
        return SmartCheck(letter, name, ok, i18n.t(key, locale=locale, **values), level)  # type: ignore[arg-type]

    # Specific: a defined KPI and a plain number in its unit.
    if k is None:
        checks.append(tk("S", False, "targets.smart.s_not_kpi", "error", kpi=t.kpi))
        return checks
    label = k.label(locale)

    def shown(x: float) -> str:
        return format_value(x, k.unit, locale=locale, currency=currency)

    period = _p(t, locale)
    if not math.isfinite(t.value) or (k.is_rate and not 0 <= t.value <= 1) or t.value < 0:
        checks.append(
            tk(
                "S",
                False,
                "targets.smart.s_impossible",
                "error",
                value=shown(t.value),
                name=in_sentence(label),
            )
        )
    else:
        checks.append(
            tk(
                "S",
                True,
                f"targets.smart.s_{k.direction}",
                name=label,
                value=shown(t.value),
                period=period,
            )
        )
    # Measurable: the data to track it is mapped.
    missing = [f for f in k.fields if f not in set(fields)]
    if missing:
        names = [in_sentence(FIELDS_BY_ID[f].name(locale)) for f in missing]
        checks.append(
            tk(
                "M",
                False,
                "targets.smart.m_missing",
                "error",
                fields=join_words(names, locale=locale),
                name=in_sentence(label),
            )
        )
    else:
        checks.append(tk("M", True, "targets.smart.m_ok", formula=_formula(k, locale)))
    checks.append(_achievable(t, k, history, locale=locale, currency=currency))
    # Relevant: tied to a stage of the journey and to a business goal.
    stage = stage_name(k.stage, locale=locale)
    role = in_sentence(i18n.t(f"role.{k.role}", locale=locale))
    if k.direction == "neutral":
        checks.append(tk("R", False, "targets.smart.r_input", "warning", name=label))
    elif not t.goal.strip():
        checks.append(tk("R", False, "targets.smart.r_no_goal", name=label, stage=stage, role=role))
    else:
        checks.append(tk("R", True, "targets.smart.r_ok", stage=stage, role=role, goal=t.goal))
    # Time-bound: an end date after the start.
    if t.end < t.start:
        checks.append(tk("T", False, "targets.smart.t_backwards", "error"))
    elif today is not None and t.end < today:
        checks.append(
            tk("T", True, "targets.smart.t_ended", period=period[:1].upper() + period[1:],
                  end=t.end)
        )  # fmt: skip
    else:
        checks.append(tk("T", True, "targets.smart.t_running", start=t.start, end=t.end))
    return checks


def _p(t: Target, locale: str = "en") -> str:
    return period_name(t.label, locale=locale)


def _achievable(
    t: Target,
    k: Kpi,
    history: pl.DataFrame | None,
    *,
    locale: str = "en",
    currency: str = DEFAULT_CURRENCY,
) -> SmartCheck:
    name = i18n.t("targets.smart.name.A", locale=locale)

    def say(ok: bool, key: str, level: str = "info", **values: object) -> SmartCheck:
        return SmartCheck("A", name, ok, i18n.t(key, locale=locale, **values), level)  # type: ignore[arg-type]

    def shown(x: float) -> str:
        return format_value(x, k.unit, locale=locale, currency=currency)

    base = t.baseline
    if base is None and history is not None:
        base = baseline(history, t.kpi, start=t.start, end=t.end)
    if base is None:
        return say(False, "targets.smart.a_no_baseline", period=_p(t, locale))
    needed = _change(k, t.value, base)
    if needed is None:
        return say(False, "targets.smart.a_zero", name=in_sentence(k.label(locale)))
    months = _months_between(t.start, t.end)
    best = best_growth(history, t.kpi, months=months) if history is not None else None
    wants_better = needed < 0 if k.direction == "lower" else needed > 0
    if not wants_better:
        return say(True, "targets.smart.a_no_better", value=shown(t.value), base=shown(base))
    said = {"change": _fmt_change(k, needed, locale=locale), "base": shown(base)}
    if best is None:
        return say(True, "targets.smart.a_too_short", **said)
    best_change, when = best
    size, best_size = abs(needed), (-best_change if k.direction == "lower" else best_change)
    if best_size <= 0:
        return say(
            False,
            "targets.smart.a_not_improved",
            "warning",
            name=in_sentence(k.label(locale)),
            **said,
        )
    shown_best = {
        "best": _fmt_change(k, best_change, locale=locale),
        "when": period_name(when, locale=locale),
        "count": months,
    }
    if size > 2 * best_size:
        return say(False, "targets.smart.a_far", "warning", **said, **shown_best)
    if size > best_size:
        return say(False, "targets.smart.a_ambitious", "warning", **said, **shown_best)
    return say(True, "targets.smart.a_within", **said, **shown_best)


# -- Pacing ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pacing:
    """Where a target stands: actual vs the plan to date, and the projected end.

    Attributes
    ----------
    actual
        The KPI from the period's start to ``through`` (a sum, or the rate so far).
    expected
        The plan to date: the steps due, pro rata within the current month (for
        rates, the target itself).
    elapsed
        The share of the period's days up to ``through``.
    projected
        Where the period ends at this pace: for sums, the remaining plan scaled
        by how far ahead or behind it the actual is; for rates, the rate so far.
    status
        ``"on track"``, ``"at risk"``, ``"off track"``, ``"not started"`` (no
        data in the period yet) or ``"no data"``.
    months
        Per month: ``period``, ``plan`` (cumulative), ``actual`` (cumulative,
        null for months without data), ``projected`` (cumulative, from the
        last actual on).
    """

    target: Target
    actual: float | None
    expected: float | None
    elapsed: float
    projected: float | None
    status: Status
    through: dt.date | None
    months: pl.DataFrame


def monthly_plan(t: Target) -> list[float]:
    """The target's value per month: its monthly steps, its quarters shared evenly, or pro rata."""
    starts = _step_starts(t, "month") if t.kind != "month" else [t.start]
    if not t.additive:
        by_label = {s.label: s.value for s in t.steps}
        return [
            by_label.get(
                period_label(s, "month"), by_label.get(period_label(s, "quarter"), t.value)
            )
            for s in starts
        ]
    if t.steps and all("Q" not in s.label for s in t.steps):  # monthly steps
        return [s.value for s in t.steps]
    if t.steps:  # quarterly: each quarter shared evenly over its months
        return [s.value / 3 for s in t.steps for _ in range(3)]
    days = [(period_end(s, "month") - s).days + 1 for s in starts]
    return [t.value * d / sum(days) for d in days]


def pace(t: Target, kf: pl.DataFrame) -> Pacing:
    """Pacing of ``t`` against the monthly frame ``kf`` (made with ``parts=True``)."""
    k = t.definition
    starts = _step_starts(t, "month") if t.kind != "month" else [t.start]
    plan = monthly_plan(t)
    in_period = kf.filter((pl.col("period_start") >= t.start) & (pl.col("period_end") <= t.end))
    with_data = in_period.filter(pl.col("days") > 0)
    have = f"{k.id}__num" in kf.columns if k.is_ratio else k.id in kf.columns
    if not have:
        return Pacing(
            t, None, None, 0.0, None, "no data", None, _months_frame(starts, plan, {}, None)
        )
    if with_data.is_empty():
        return Pacing(
            t, None, None, 0.0, None, "not started", None, _months_frame(starts, plan, {}, None)
        )
    through = max(d for d in with_data["last_date"].to_list() if d is not None)
    through = min(through, t.end)
    days_total = (t.end - t.start).days + 1
    elapsed = ((through - t.start).days + 1) / days_total

    cumulative: dict[str, float] = {}
    for s in starts:
        if s > through:
            break
        v = window_values(kf, start=t.start, end=period_end(s, "month"), kpis=[k.id]).get(k.id)
        if v is not None:
            cumulative[period_label(s, "month")] = v
    actual = window_values(kf, start=t.start, end=t.end, kpis=[k.id]).get(k.id)
    if actual is None:
        return Pacing(
            t, None, None, elapsed, None, "no data", through, _months_frame(starts, plan, {}, None)
        )

    if t.additive:
        expected = 0.0
        for s, p in zip(starts, plan, strict=True):
            e = period_end(s, "month")
            if e <= through:
                expected += p
            elif s <= through:
                expected += p * ((through - s).days + 1) / ((e - s).days + 1)
        if expected > 0:
            projected = actual + (t.value - expected) * (actual / expected)
        else:
            projected = actual / elapsed if elapsed else None
        ratio = actual / expected if expected > 0 else None
    else:
        # A rate is judged on the period's target: the steps only shape the way there.
        expected = t.value
        projected = actual
        ratio = actual / expected if expected else None
    status = _status(k, ratio, done=through >= t.end, projected=projected, target_value=t.value)
    return Pacing(
        t,
        actual,
        expected,
        elapsed,
        projected,
        status,
        through,
        _months_frame(
            starts,
            plan,
            cumulative,
            projected if t.additive else None,
            additive=t.additive,
            value=t.value,
        ),
    )


def _status(
    k: Kpi, ratio: float | None, *, done: bool, projected: float | None, target_value: float
) -> Status:
    if ratio is None:
        return "no data"
    if k.direction == "lower":
        ratio = 1 / ratio if ratio else math.inf
    # A neutral KPI is a budget: too far either way is off.
    off = abs(ratio - 1) if k.direction == "neutral" else max(1 - ratio, 0.0)
    if off <= ON_TRACK:
        return "on track"
    if off <= AT_RISK:
        return "at risk"
    return "off track"


def _months_frame(
    starts: Sequence[dt.date],
    plan: Sequence[float],
    cumulative: dict[str, float],
    projected_end: float | None,
    *,
    additive: bool = True,
    value: float | None = None,
) -> pl.DataFrame:
    labels = [period_label(s, "month") for s in starts]
    plan_cum = list(_running(plan)) if additive else list(plan)
    actual = [cumulative.get(label) for label in labels]
    projected: list[float | None] = [None] * len(labels)
    known = [i for i, a in enumerate(actual) if a is not None]
    if additive and known and projected_end is not None and known[-1] < len(labels) - 1:
        last = known[-1]
        start_value = actual[last]
        assert start_value is not None
        remaining_plan = plan_cum[-1] - plan_cum[last]
        projected[last] = start_value
        for i in range(last + 1, len(labels)):
            share = (plan_cum[i] - plan_cum[last]) / remaining_plan if remaining_plan else 1.0
            projected[i] = start_value + (projected_end - start_value) * share
    return pl.DataFrame(
        {"period": labels, "plan": plan_cum, "actual": actual, "projected": projected},
        schema={
            "period": pl.String,
            "plan": pl.Float64,
            "actual": pl.Float64,
            "projected": pl.Float64,
        },
    )


def _running(values: Iterable[float]) -> Iterable[float]:
    total = 0.0
    for v in values:
        total += v
        yield total


def pacing_sentence(p: Pacing, *, locale: str = "en", currency: str = DEFAULT_CURRENCY) -> str:
    """The finding in plain words, e.g. "Revenue: 38.2 M kr. by 31 Oct, 4 % behind plan …"."""
    t, k = p.target, p.target.definition
    name = k.label(locale)
    period = _p(t, locale)

    def shown(x: float | None) -> str:
        return format_value(x, k.unit, locale=locale, currency=currency, compact=True)

    goal = shown(t.value)
    if p.status == "no data":
        return i18n.t("targets.pace.no_data", locale=locale, name=name, period=period)
    if p.status == "not started" or p.actual is None or p.through is None:
        return i18n.t(
            "targets.pace.not_started", locale=locale, name=name, period=period, goal=goal
        )
    values = {
        "name": name,
        "status": status_name(p.status, locale=locale),
        "now": shown(p.actual),
        "when": p.through,
        "period": period,
        "goal": goal,
    }
    if t.additive and p.expected:
        gap = p.actual / p.expected - 1
        where = "on_plan" if abs(gap) < 0.005 else ("ahead" if gap > 0 else "behind")
        tail = "ended" if p.through >= t.end else "running"
        return i18n.t(
            f"targets.pace.{where}_{tail}",
            locale=locale,
            gap=round(abs(gap) * 100),
            plan=shown(p.expected),
            end=shown(p.projected),
            **values,
        )
    return i18n.t("targets.pace.rate", locale=locale, **values)


def status_name(status: str, *, locale: str = "en") -> str:
    """A pacing status in words: ``"at risk"`` is ``i risiko`` in Danish."""
    return i18n.t(f"targets.status.{status.replace(' ', '_')}", locale=locale)


# -- The journey plan --------------------------------------------------------------------------

#: One year, one focus per quarter: be seen, engage, get asked for quotes, sell.
#: Each is the quarter, the focus (its id) and the catalogue word for focus and aim.
JOURNEY_FOCUS: tuple[tuple[str, str, str], ...] = (
    ("Q1", "Awareness", "awareness"),
    ("Q2", "Engagement", "engagement"),
    ("Q3", "Requests for quotes", "quotes"),
    ("Q4", "Purchases", "purchases"),
)


def focus_of(k: Kpi) -> str:
    """Which quarter's focus a KPI belongs to in the journey plan."""
    if k.stage == "Conversion":
        return "Purchases" if k.role == "lagging" else "Requests for quotes"
    return k.stage


def journey_plan(targets: Sequence[Target], *, year: int, locale: str = "en") -> pl.DataFrame:
    """The year as a journey: each quarter's focus and the sub-goals that belong to it.

    Returns one row per quarter and target of that quarter's focus: ``quarter``,
    ``focus``, ``aim``, ``kpi``, ``name``, ``goal`` (the quarter's sub-goal:
    its quarterly step, the sum of its monthly steps, or a quarter's share of
    an annual target). Quarters without a target get one row with null ``kpi``
    so the plan shows the gap. ``focus``, ``aim`` and ``name`` are in ``locale``.
    """
    rows = []
    for q, focus, word in JOURNEY_FOCUS:
        qstart, qend = period_bounds(f"{year}-{q}")[1:]
        shown = i18n.t(f"targets.journey.focus.{word}", locale=locale)
        aim = i18n.t(f"targets.journey.aim.{word}", locale=locale)
        found = False
        for t in targets:
            k = KPIS.get(t.kpi)
            if k is None or focus_of(k) != focus or t.end < qstart or t.start > qend:
                continue
            found = True
            rows.append((q, shown, aim, k.id, k.label(locale), _quarter_goal(t, qstart, qend)))
        if not found:
            rows.append((q, shown, aim, None, None, None))
    return pl.DataFrame(
        rows,
        schema={
            "quarter": pl.String,
            "focus": pl.String,
            "aim": pl.String,
            "kpi": pl.String,
            "name": pl.String,
            "goal": pl.Float64,
        },
        orient="row",
    )


def _quarter_goal(t: Target, qstart: dt.date, qend: dt.date) -> float:
    if not t.additive:
        inside = [s.value for s in t.steps if qstart <= s.start <= qend]
        return inside[-1] if inside else t.value
    starts = _step_starts(t, "month") if t.kind != "month" else [t.start]
    plan = monthly_plan(t)
    return sum(v for s, v in zip(starts, plan, strict=True) if qstart <= s <= qend)


def stage_order(kpi_id: str) -> int:
    """Journey order of a KPI, for sorting targets."""
    k = KPIS[kpi_id]
    return STAGES.index(k.stage) * 100 + list(KPIS).index(kpi_id)


# -- Reading and writing ---------------------------------------------------------------------


def to_record(t: Target) -> dict[str, object]:
    """``t`` as plain JSON-ready values (the workspace and sample files use these)."""
    return {
        "id": t.id,
        "kpi": t.kpi,
        "value": t.value,
        "period": t.label,
        "owner": t.owner,
        "goal": t.goal,
        "notes": t.notes,
        "steps": [{"period": s.label, "value": s.value} for s in t.steps],
    }


class _At(InputError):
    """An error in one entry of a file: the entry named before the reason."""

    def __init__(self, where: str, inner: InputError) -> None:
        super().__init__(
            f"{where}: {inner}", source=inner.source, key=inner.key, params=inner.params
        )
        self.where, self.inner = where, inner

    def text(self, locale: str = "en") -> str:
        return f"{self.where}: {self.inner.text(locale)}"


def from_record(record: object, *, where: str = "target") -> Target:
    """A target from :func:`to_record`'s form; a bad entry raises ``InputError`` naming it.

    ``steps`` is a list of ``{"period", "value"}`` or, to be split from the
    data later, left out.
    """
    if not isinstance(record, dict):
        raise InputError.of("targets.error.not_record", where=where)
    missing = [k for k in ("kpi", "value", "period") if k not in record]
    if missing:
        raise InputError.of("targets.error.missing", where=where, fields=", ".join(missing))
    if not isinstance(record["kpi"], str) or record["kpi"] not in KPIS:
        raise InputError.of(
            "targets.error.not_kpi", where=where, kpi=str(record["kpi"]), valid=", ".join(KPIS)
        )
    try:
        value = float(record["value"])
    except (TypeError, ValueError):
        raise InputError.of(
            "targets.error.not_number", where=where, value=str(record["value"])
        ) from None
    text = {k: str(record.get(k) or "") for k in ("owner", "goal", "notes")}
    extra: dict[str, object] = {"id": str(record["id"])} if record.get("id") else {}
    try:
        t = target(str(record["kpi"]), value, str(record["period"]), **text, **extra)
    except InputError as err:
        raise _At(where, err) from None
    steps = record.get("steps") or []
    if steps:
        if not isinstance(steps, list) or not all(isinstance(s, dict) for s in steps):
            raise InputError.of("targets.error.steps_list", where=where)
        into: Period = "quarter" if "Q" in str(steps[0].get("period", "")) else "month"
        try:
            t = with_steps(t, [float(s["value"]) for s in steps], into=into)
        except (KeyError, TypeError, ValueError):
            raise InputError.of("targets.error.step_value", where=where) from None
        except InputError as err:
            raise _At(where, err) from None
    return t


def load_targets(text: str, *, source: str = "targets") -> list[Target]:
    """Targets from JSON text: a list of records (see :func:`from_record`)."""
    try:
        records = json.loads(text)
    except json.JSONDecodeError as err:
        raise InputError.of(
            "targets.error.not_json", source=source, line=str(err.lineno), error=err.msg
        ) from None
    if not isinstance(records, list):
        raise InputError.of("targets.error.not_list", source=source)
    return [from_record(r, where=f"{source}, target {i + 1}") for i, r in enumerate(records)]
