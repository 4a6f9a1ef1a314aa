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

from kpi_core.catalogue import KPIS, STAGES, Kpi, kpi
from kpi_core.compute import Period, period_end, period_label, window_values
from kpi_core.i18n import format_value, period_name
from kpi_core.issues import InputError, Issue

SplitMethod = Literal["even", "seasonal", "ramp"]
SPLIT_METHODS: tuple[SplitMethod, ...] = ("even", "seasonal", "ramp")
Status = Literal["on track", "at risk", "off track", "not started", "no data"]

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
        raise InputError(
            f"‘{label}’ is not a period. Write a year (2026), a quarter (2026-Q3) "
            "or a month (2026-09)."
        )
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
        raise InputError(f"A {t.kind} target cannot be split into {into}s; choose a shorter step.")
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
        raise InputError(
            f"The {t.label} target has {len(starts)} {into}s; {len(values)} values were given."
        )
    steps = tuple(
        SubGoal(period_label(s, into), s, period_end(s, into), float(v))
        for s, v in zip(starts, values, strict=True)
    )
    return replace(t, steps=steps)


def check_steps(t: Target) -> list[Issue]:
    """Steps that do not add up to a summed target, or a rate step outside 0–100 %."""
    if not t.steps:
        return []
    k = t.definition
    issues: list[Issue] = []
    if t.additive:
        total = sum(s.value for s in t.steps)
        if not math.isclose(total, t.value, rel_tol=1e-9, abs_tol=0.005):
            gap = t.value - total
            issues.append(
                Issue(
                    "warning",
                    t.kpi,
                    f"The steps add up to {format_value(total, k.unit)}, "
                    f"{format_value(abs(gap), k.unit)} {'short of' if gap > 0 else 'more than'} "
                    f"the {t.label} target of {format_value(t.value, k.unit)}. "
                    "Change a step or the target.",
                )
            )
    if k.is_rate:
        bad = [s.label for s in t.steps if not 0 <= s.value <= 1]
        if bad:
            issues.append(
                Issue("error", t.kpi, "A rate step must be between 0 % and 100 %.", tuple(bad))
            )
    if any(s.value < 0 for s in t.steps) and not k.is_rate:
        issues.append(Issue("error", t.kpi, "A step cannot be negative."))
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


def _fmt_change(k: Kpi, change: float) -> str:
    if k.is_rate:
        return f"{change * 100:+.2f} pp" if abs(change) < 0.001 else f"{change * 100:+.1f} pp"
    return f"{change * 100:+.0f} %"


def smart_check(
    t: Target,
    *,
    fields: Iterable[str],
    history: pl.DataFrame | None = None,
    today: dt.date | None = None,
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
    """
    k = KPIS.get(t.kpi)
    checks: list[SmartCheck] = []
    # Specific: a defined KPI and a plain number in its unit.
    if k is None:
        checks.append(SmartCheck("S", "Specific", False, f"‘{t.kpi}’ is not a KPI.", "error"))
        return checks
    if not math.isfinite(t.value) or (k.is_rate and not 0 <= t.value <= 1) or t.value < 0:
        checks.append(
            SmartCheck(
                "S",
                "Specific",
                False,
                f"{format_value(t.value, k.unit)} is not a possible value for {k.name}.",
                "error",
            )
        )
    else:
        checks.append(
            SmartCheck(
                "S",
                "Specific",
                True,
                f"{k.name} {_aim(k)} {format_value(t.value, k.unit)} in {_p(t)}.",
            )
        )
    # Measurable: the data to track it is mapped.
    missing = [f for f in k.fields if f not in set(fields)]
    if missing:
        checks.append(
            SmartCheck(
                "M",
                "Measurable",
                False,
                f"No column is mapped to {' and '.join(missing)}, so {k.name} cannot be tracked. "
                "Map one on the Data page.",
                "error",
            )
        )
    else:
        checks.append(SmartCheck("M", "Measurable", True, f"Tracked from {k.formula}."))
    checks.append(_achievable(t, k, history))
    # Relevant: tied to a stage of the journey and to a business goal.
    if k.direction == "neutral":
        checks.append(
            SmartCheck(
                "R",
                "Relevant",
                False,
                f"{k.name} is an input, neither good nor bad alone: set the target on what it "
                "buys (leads, customers, revenue) or on its cost per result.",
                "warning",
            )
        )
    elif not t.goal.strip():
        checks.append(
            SmartCheck(
                "R",
                "Relevant",
                False,
                f"{k.name} belongs to the {k.stage} stage ({k.role}). Say which business goal "
                "it serves, so the team knows why it matters.",
                "info",
            )
        )
    else:
        checks.append(
            SmartCheck("R", "Relevant", True, f"{k.stage} stage ({k.role}); serves: {t.goal}.")
        )
    # Time-bound: an end date after the start.
    if t.end < t.start:
        checks.append(SmartCheck("T", "Time-bound", False, "The end is before the start.", "error"))
    elif today is not None and t.end < today:
        checks.append(
            SmartCheck(
                "T",
                "Time-bound",
                True,
                f"{_p(t).capitalize()} ended on {t.end:%d %b %Y}; read it as a result, "
                "and set the next one.",
            )
        )
    else:
        checks.append(
            SmartCheck("T", "Time-bound", True, f"From {t.start:%d %b %Y} to {t.end:%d %b %Y}.")
        )
    return checks


def _aim(k: Kpi) -> str:
    return {"higher": "to reach", "lower": "down to", "neutral": "at"}[k.direction]


def _p(t: Target) -> str:
    return period_name(t.label)


def _achievable(t: Target, k: Kpi, history: pl.DataFrame | None) -> SmartCheck:
    base = t.baseline
    if base is None and history is not None:
        base = baseline(history, t.kpi, start=t.start, end=t.end)
    if base is None:
        return SmartCheck(
            "A",
            "Achievable",
            False,
            f"The data does not cover {_p(t)} a year earlier, so there is no baseline to "
            "judge the target against.",
            "info",
        )
    needed = _change(k, t.value, base)
    if needed is None:
        return SmartCheck("A", "Achievable", False, f"The baseline of {k.name} is zero.", "info")
    months = _months_between(t.start, t.end)
    best = best_growth(history, t.kpi, months=months) if history is not None else None
    said = f"It needs {_fmt_change(k, needed)} on last year's {format_value(base, k.unit)}"
    wants_better = needed < 0 if k.direction == "lower" else needed > 0
    if not wants_better:
        return SmartCheck(
            "A",
            "Achievable",
            True,
            f"{format_value(t.value, k.unit)} is no better than last year's "
            f"{format_value(base, k.unit)}, so it is within reach.",
        )
    if best is None:
        return SmartCheck(
            "A",
            "Achievable",
            True,
            f"{said}. The data is too short to show the best growth so far.",
            "info",
        )
    best_change, when = best
    size, best_size = abs(needed), (-best_change if k.direction == "lower" else best_change)
    shown = (
        f"the best the data shows is {_fmt_change(k, best_change)} "
        f"(the {months} months to {period_name(when)})"
    )
    if best_size <= 0:
        return SmartCheck(
            "A",
            "Achievable",
            False,
            f"{said}, but {k.name} has not improved year on year in the data.",
            "warning",
        )
    if size > 2 * best_size:
        return SmartCheck(
            "A",
            "Achievable",
            False,
            f"{said}, far beyond {shown}. Lower the target, lengthen the period, or name "
            "what will change.",
            "warning",
        )
    if size > best_size:
        return SmartCheck(
            "A", "Achievable", False, f"{said}, more than {shown}: ambitious.", "warning"
        )
    return SmartCheck("A", "Achievable", True, f"{said}; {shown}.")


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


def pacing_sentence(p: Pacing, *, locale: str = "en") -> str:
    """The finding in plain words, e.g. "Revenue: 38.2 M kr. by 31 Oct, 4 % behind plan …"."""
    t, k = p.target, p.target.definition
    name = k.name
    goal = format_value(t.value, k.unit, locale=locale, compact=True)
    if p.status == "no data":
        return f"{name}: the data has nothing to measure it by in {_p(t)}."
    if p.status == "not started" or p.actual is None or p.through is None:
        return f"{name}: {_p(t)} has not started in the data yet (target {goal})."
    now = format_value(p.actual, k.unit, locale=locale, compact=True)
    when = f"{p.through:%-d %b %Y}"
    if t.additive and p.expected:
        gap = p.actual / p.expected - 1
        where = (
            "on plan"
            if abs(gap) < 0.005
            else f"{abs(gap) * 100:.0f} % {'ahead of' if gap > 0 else 'behind'} plan"
        )
        plan = format_value(p.expected, k.unit, locale=locale, compact=True)
        end = (
            format_value(p.projected, k.unit, locale=locale, compact=True)
            if p.projected is not None
            else "–"
        )
        tail = "ended at" if p.through >= t.end else "heads for"
        return (
            f"**{name}: {p.status}.** {now} by {when}, {where} ({plan} planned to date); "
            f"at this pace {_p(t)} {tail} {end} against a target of {goal}."
        )
    return (
        f"**{name}: {p.status}.** {now} so far in {_p(t)} (to {when}), against a target of {goal}."
    )


# -- The journey plan --------------------------------------------------------------------------

#: One year, one focus per quarter: be seen, engage, get asked for quotes, sell.
JOURNEY_FOCUS: tuple[tuple[str, str, str], ...] = (
    ("Q1", "Awareness", "Be seen by the right people"),
    ("Q2", "Engagement", "Turn visitors into leads"),
    ("Q3", "Requests for quotes", "Turn leads into sales conversations"),
    ("Q4", "Purchases", "Win customers and revenue"),
)


def focus_of(k: Kpi) -> str:
    """Which quarter's focus a KPI belongs to in the journey plan."""
    if k.stage == "Conversion":
        return "Purchases" if k.role == "lagging" else "Requests for quotes"
    return k.stage


def journey_plan(targets: Sequence[Target], *, year: int) -> pl.DataFrame:
    """The year as a journey: each quarter's focus and the sub-goals that belong to it.

    Returns one row per quarter and target of that quarter's focus: ``quarter``,
    ``focus``, ``aim``, ``kpi``, ``name``, ``goal`` (the quarter's sub-goal:
    its quarterly step, the sum of its monthly steps, or a quarter's share of
    an annual target). Quarters without a target get one row with null ``kpi``
    so the plan shows the gap.
    """
    rows = []
    for q, focus, aim in JOURNEY_FOCUS:
        qstart, qend = period_bounds(f"{year}-{q}")[1:]
        found = False
        for t in targets:
            k = KPIS.get(t.kpi)
            if k is None or focus_of(k) != focus or t.end < qstart or t.start > qend:
                continue
            found = True
            rows.append((q, focus, aim, k.id, k.name, _quarter_goal(t, qstart, qend)))
        if not found:
            rows.append((q, focus, aim, None, None, None))
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


def from_record(record: object, *, where: str = "target") -> Target:
    """A target from :func:`to_record`'s form; a bad entry raises ``InputError`` naming it.

    ``steps`` is a list of ``{"period", "value"}`` or, to be split from the
    data later, left out.
    """
    if not isinstance(record, dict):
        raise InputError(f"{where} is not a set of fields (kpi, value, period).")
    missing = [k for k in ("kpi", "value", "period") if k not in record]
    if missing:
        raise InputError(f"{where} has no {', '.join(missing)}.")
    if not isinstance(record["kpi"], str) or record["kpi"] not in KPIS:
        raise InputError(f"{where}: ‘{record['kpi']}’ is not a KPI; valid KPIs: {', '.join(KPIS)}.")
    try:
        value = float(record["value"])
    except (TypeError, ValueError):
        raise InputError(f"{where}: the value ‘{record['value']}’ is not a number.") from None
    text = {k: str(record.get(k) or "") for k in ("owner", "goal", "notes")}
    extra: dict[str, object] = {"id": str(record["id"])} if record.get("id") else {}
    try:
        t = target(str(record["kpi"]), value, str(record["period"]), **text, **extra)
    except InputError as err:
        raise InputError(f"{where}: {err}") from None
    steps = record.get("steps") or []
    if steps:
        if not isinstance(steps, list) or not all(isinstance(s, dict) for s in steps):
            raise InputError(f"{where}: steps must be a list of {{period, value}}.")
        into: Period = "quarter" if "Q" in str(steps[0].get("period", "")) else "month"
        try:
            t = with_steps(t, [float(s["value"]) for s in steps], into=into)
        except (KeyError, TypeError, ValueError):
            raise InputError(f"{where}: every step needs a numeric value.") from None
        except InputError as err:
            raise InputError(f"{where}: {err}") from None
    return t


def load_targets(text: str, *, source: str = "targets") -> list[Target]:
    """Targets from JSON text: a list of records (see :func:`from_record`)."""
    try:
        records = json.loads(text)
    except json.JSONDecodeError as err:
        raise InputError(f"{source} is not valid JSON (line {err.lineno}): {err.msg}.") from None
    if not isinstance(records, list):
        raise InputError(f"{source} must hold a list of targets.")
    return [from_record(r, where=f"{source}, target {i + 1}") for i, r in enumerate(records)]
