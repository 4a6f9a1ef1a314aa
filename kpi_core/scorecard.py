"""The scorecard: each chosen KPI for one period, read against the previous
period and the same period last year, in the direction that is better for it.

Rates are compared in percentage points, everything else relatively.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import polars as pl

from kpi_core.catalogue import KPIS, Kpi
from kpi_core.i18n import (
    DEFAULT_CURRENCY,
    format_change,
    format_value,
    in_sentence,
    period_name,
    t,
)
from kpi_core.issues import InputError

#: Below these a change is reported as "no change" rather than better or worse.
_SAME_RELATIVE = 0.005
_SAME_PP = 0.05


@dataclass(frozen=True)
class Change:
    """A change between two values of one KPI."""

    value: float | None  # relative (0.12 = +12 %) or percentage points for rates
    kind: Literal["relative", "pp"]
    verdict: Literal["better", "worse", "same", "neutral", "unknown"]


@dataclass(frozen=True)
class ScoreRow:
    """One KPI on the scorecard for one period."""

    kpi: Kpi
    value: float | None
    previous: float | None
    last_year: float | None
    vs_previous: Change
    vs_last_year: Change
    trend: tuple[float | None, ...]  # up to 12 periods ending at the chosen one
    trend_periods: tuple[str, ...]


def change(kpi_def: Kpi, now: float | None, before: float | None) -> Change:
    """The change from ``before`` to ``now``, read in the KPI's direction.

    Rates change in percentage points; everything else relatively.

    >>> change(KPIS["ctr"], 0.025, 0.020).value
    0.5
    >>> change(KPIS["cpc"], 5.0, 4.0).verdict
    'worse'
    """
    kind: Literal["relative", "pp"] = "pp" if kpi_def.is_rate else "relative"
    if now is None or before is None:
        return Change(None, kind, "unknown")
    if kind == "pp":
        value = round((now - before) * 100, 10)
        same = abs(value) < _SAME_PP
    else:
        if before == 0:
            return Change(None, kind, "unknown")
        value = (now - before) / abs(before)
        same = abs(value) < _SAME_RELATIVE
    if kpi_def.direction == "neutral":
        verdict: Literal["better", "worse", "same", "neutral", "unknown"] = "neutral"
    elif same:
        verdict = "same"
    else:
        up_is_good = kpi_def.direction == "higher"
        verdict = "better" if (value > 0) == up_is_good else "worse"
    return Change(value, kind, verdict)


def default_period(kf: pl.DataFrame) -> str:
    """The latest complete period with data, else the latest period with data."""
    with_data = kf.filter(pl.col("days") > 0)
    if with_data.is_empty():
        raise InputError.of("scorecard.error.no_data")
    complete = with_data.filter(pl.col("complete"))
    source = complete if not complete.is_empty() else with_data
    return str(source["period"][-1])


def scorecard(
    kf: pl.DataFrame, *, kpis: Sequence[str], at: str | None = None, trend_length: int = 12
) -> list[ScoreRow]:
    """The scorecard for period ``at`` from a :func:`kpi_frame` without ``by``.

    Each KPI gets its value, the previous period's and the same period last
    year's, the changes read in its direction, and a trend of up to
    ``trend_length`` periods for a sparkline. KPIs the data cannot support
    are left out.
    """
    if "period_start" not in kf.columns:
        raise InputError.of("scorecard.error.needs_periods")
    labels = kf["period"].to_list()
    if len(set(labels)) != len(labels):
        raise InputError.of("scorecard.error.one_row_per_period")
    at = at or default_period(kf)
    if at not in labels:
        raise InputError.of(
            "scorecard.error.no_period", period=at, first=labels[0], last=labels[-1]
        )
    i = labels.index(at)
    start: dt.date = kf["period_start"][i]
    year_ago = dt.date(start.year - 1, start.month, 1)
    starts = kf["period_start"].to_list()
    j = starts.index(year_ago) if year_ago in starts else None
    rows = []
    for kpi_id in kpis:
        if kpi_id not in kf.columns or kpi_id not in KPIS:
            continue
        k = KPIS[kpi_id]
        series = kf[kpi_id].to_list()
        value = series[i]
        previous = series[i - 1] if i > 0 else None
        last_year = series[j] if j is not None else None
        lo = max(0, i - trend_length + 1)
        rows.append(
            ScoreRow(
                kpi=k,
                value=value,
                previous=previous,
                last_year=last_year,
                vs_previous=change(k, value, previous),
                vs_last_year=change(k, value, last_year),
                trend=tuple(series[lo : i + 1]),
                trend_periods=tuple(labels[lo : i + 1]),
            )
        )
    return rows


def summary(
    rows: Sequence[ScoreRow],
    *,
    period: str,
    locale: str = "en",
    currency: str = DEFAULT_CURRENCY,
) -> list[str]:
    """The scorecard in a few plain sentences, most important first, in ``locale``.

    The first sentence is about the headline result (revenue, else new
    customers, else the first lagging KPI); then how many KPIs improved;
    then the biggest improvement and the biggest concern. Money is shown in
    ``currency``.
    """
    if not rows:
        return []
    when = period_name(period, locale=locale)
    out: list[str] = []
    by_id = {r.kpi.id: r for r in rows}
    with_value = [r for r in rows if r.value is not None]
    headline = next(
        (by_id[i] for i in ("revenue", "customers") if i in by_id and by_id[i].value is not None),
        next((r for r in with_value if r.kpi.role == "lagging"), next(iter(with_value), None)),
    )
    if headline is not None:
        moves = [
            _moved(ch, which, locale)
            for ch, which in ((headline.vs_previous, "previous"), (headline.vs_last_year, "year"))
            if ch.value is not None
        ]
        values = {
            "period": when,
            "kpi": in_sentence(headline.kpi.label(locale)),
            "value": _fmt(headline, locale, currency),
        }
        if len(moves) == 2:
            out.append(
                t(
                    "scorecard.headline_two",
                    locale=locale,
                    move=moves[0],
                    move_year=moves[1],
                    **values,
                )
            )
        elif moves:
            out.append(t("scorecard.headline_one", locale=locale, move=moves[0], **values))
        else:
            out.append(t("scorecard.headline", locale=locale, **values))
    judged = [r for r in rows if r.vs_previous.verdict in ("better", "worse", "same")]
    better = [r for r in judged if r.vs_previous.verdict == "better"]
    worse = [r for r in judged if r.vs_previous.verdict == "worse"]
    if judged:
        counts = {"better": len(better), "worse": len(worse)}
        # Month on month mostly measures the season; the year before says more.
        yearly = [r for r in rows if r.vs_last_year.verdict in ("better", "worse", "same")]
        if yearly:
            up = sum(r.vs_last_year.verdict == "better" for r in yearly)
            out.append(
                t(
                    "scorecard.counts_yearly",
                    locale=locale,
                    count=len(judged),
                    up=up,
                    yearly=len(yearly),
                    **counts,
                )
            )
        else:
            out.append(t("scorecard.counts", locale=locale, count=len(judged), **counts))

    def size(r: ScoreRow) -> float:
        # Put pp and relative changes on one scale: 1 pp weighs like a 10 % change.
        v = abs(r.vs_previous.value or 0.0)
        return v / 10 if r.vs_previous.kind == "pp" else v

    if better:
        top = max(better, key=size)
        out.append(t("scorecard.best", locale=locale, **_named_change(top, locale, currency)))
    if worse:
        low = max(worse, key=size)
        out.append(t("scorecard.worst", locale=locale, **_named_change(low, locale, currency)))
    return out


def _fmt(row: ScoreRow, locale: str, currency: str) -> str:
    return format_value(row.value, row.kpi.unit, locale=locale, currency=currency)


def _moved(ch: Change, which: str, locale: str) -> str:
    """``up 20.0% on the period before`` (``which``: ``previous`` or ``year``)."""
    if ch.verdict == "same":
        return t(f"scorecard.move.same_{which}", locale=locale)
    word = "up" if (ch.value or 0) > 0 else "down"
    moved = format_change(ch, locale=locale).lstrip("+-")
    return t(f"scorecard.move.{word}_{which}", locale=locale, change=moved)


def _named_change(row: ScoreRow, locale: str, currency: str) -> dict[str, str]:
    return {
        "kpi": row.kpi.label(locale),
        "change": format_change(row.vs_previous, locale=locale),
        "value": _fmt(row, locale, currency),
    }
