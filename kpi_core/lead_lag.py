"""Leading vs lagging KPIs: which activities move the results, and how far ahead.

Lagging KPIs (revenue, new customers) say what happened; leading KPIs
(sessions, leads, conversion rates) say early what is about to happen. This
module works on a :func:`kpi_core.compute.kpi_frame` without ``by`` (one row
per period) and, unless told otherwise, on **complete periods only**: a half
month would look like a collapse.

Statistical choices, in one place (each function repeats what concerns it):

* **Changes, not levels.** Two series that both grow, or both peak every May,
  correlate strongly in levels whether or not one drives the other. Lead times
  are therefore found on period-to-period *changes* (first differences by
  default), which removes a shared trend. A shared *seasonal* pattern is not
  fully removed by first differences (the step from April to May is alike
  every year); removing it needs year-on-year changes, which need at least
  three years of months (``method="yoy"``).
* **Fisher z intervals** (standard error ``1/sqrt(n-3)``) around each r. They
  assume independent periods; monthly business data is autocorrelated, so
  the intervals are, if anything, too narrow. Hence the further guards below.
* **Guards against false findings**: fewer than 12 usable pairs → no finding;
  the best lag is chosen only among lags whose r has the sign the KPIs'
  directions imply; "strong" needs the interval to exclude 0 *after* a
  Bonferroni correction for the number of lags tried, "moderate" needs the
  plain 95 % interval to exclude 0 and comes with a caution in words.

>>> import datetime as dt
>>> kf = pl.DataFrame({
...     "period": ["2026-01", "2026-02", "2026-03"],
...     "period_start": [dt.date(2026, 1, 1), dt.date(2026, 2, 1), dt.date(2026, 3, 1)],
...     "complete": [True, True, True],
...     "leads": [200.0, 250.0, 300.0],
... })
>>> indexed(kf, kpis=["leads"])["index"].to_list()
[100.0, 125.0, 150.0]
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any, Literal

import numpy as np
import polars as pl

from kpi_core.catalogue import KPIS, Kpi
from kpi_core.compute import Period, period_label
from kpi_core.i18n import (
    format_number,
    format_value,
    in_sentence,
    join_words,
    period_name,
    t,
)
from kpi_core.issues import InputError, Issue, issue

Method = Literal["diff", "pct", "yoy", "level"]
Strength = Literal["strong", "moderate", "weak", "none"]

#: Below this many (leading, lagging) pairs a correlation is not reported.
MIN_PAIRS = 12
#: |r| thresholds for "moderate" and "strong" (on changes, not levels).
MODERATE_R = 0.3
STRONG_R = 0.5
#: |r| from which a link that fails the interval test is still called "weak".
WEAK_R = 0.2
_Z95 = NormalDist().inv_cdf(0.975)
_PERIODS_PER_YEAR = {"month": 12, "quarter": 4, "year": 1}
_MONTHS = {"month": 1, "quarter": 3, "year": 12}


# --- shared helpers -----------------------------------------------------------------------


def _periods(kf: pl.DataFrame, *, complete_only: bool) -> pl.DataFrame:
    """The KPI frame sorted by period, one row per period, complete periods if asked."""
    for col in ("period", "period_start"):
        if col not in kf.columns:
            raise InputError.of("lead_lag.error.no_periods")
    if kf["period"].n_unique() != kf.height:
        raise InputError.of("lead_lag.error.split")
    out = kf.sort("period_start")
    if complete_only and "complete" in out.columns:
        out = out.filter(pl.col("complete"))
    return out


def _period_kind(kf: pl.DataFrame) -> Period:
    """Month, quarter or year, read from the period labels (``2026-10``, ``2026-Q3``, ``2026``)."""
    label = str(kf["period"][0]) if kf.height else ""
    if "-Q" in label:
        return "quarter"
    return "month" if len(label) == 7 else "year"


def _add_periods(start: dt.date, kind: Period, k: int) -> dt.date:
    total = start.year * 12 + start.month - 1 + k * _MONTHS[kind]
    return dt.date(total // 12, total % 12 + 1, 1)


def _periods_word(kind: Period, locale: str) -> str:
    """``months``, ``quarters``, ``years``: the period kind as a plural noun."""
    return t(f"lead_lag.periods.{kind}", locale=locale)


def _kind_word(kind: Period, locale: str) -> str:
    """``month``, ``quarter``, ``year``: the period kind as a singular noun."""
    return t(f"lead_lag.kind.{kind}", locale=locale)


def _count(kind: Period, n: int, locale: str) -> str:
    """``1 month``, ``2 months`` (``2 måneder``): a number of periods."""
    return t(f"lead_lag.count.{kind}", locale=locale, count=n)


def _last(kind: Period, n: int, locale: str, *, words: bool = False) -> str:
    """``the last month``, ``the last 6 months``; ``the last two months`` with ``words``."""
    if words and n in (2, 3):
        return t(f"lead_lag.last_words.{kind}_{n}", locale=locale)
    return t(f"lead_lag.last.{kind}", locale=locale, count=n)


def _name(k: Kpi, locale: str) -> str:
    """The KPI's name in ``locale`` as it reads inside a sentence (``leads``, ``MQLs``)."""
    return in_sentence(k.label(locale))


def _kpi(kpi_id: str, kf: pl.DataFrame, locale: str = "en") -> Kpi:
    if kpi_id not in KPIS:
        raise InputError.of("lead_lag.error.unknown_kpi", kpi=repr(kpi_id), valid=", ".join(KPIS))
    if kpi_id not in kf.columns:
        k = KPIS[kpi_id]
        needs = [in_sentence(t(f"field.{f}", locale=locale)) for f in k.fields]
        raise InputError.of(
            "lead_lag.error.cannot_compute",
            name=k.label(locale),
            fields=join_words(needs, locale=locale),
        )
    return KPIS[kpi_id]


def _number_of(name: str) -> int:
    """1 for a singular KPI name, 2 for a plural one (``Leads move``, ``Cost per click moves``).

    Passed as ``count`` to messages whose verb agrees with the KPI name; English names
    ending in s are plural. Only English verbs agree, but every language has both forms.
    """
    return 2 if name.endswith("s") else 1


def _sign(k: Kpi) -> int:
    return -1 if k.direction == "lower" else 1


def expected_sign(leading: Kpi, lagging: Kpi) -> int:
    """The sign of r the KPIs' directions imply: more of a good thing → more of a good thing.

    ``"neutral"`` counts as ``"higher"``: more spend is expected to buy more
    results. Leads (higher is better) against revenue give +1; cost per click
    (lower is better) against revenue gives −1; leads against CAC gives −1.

    >>> expected_sign(KPIS["cpc"], KPIS["revenue"])
    -1
    """
    return _sign(leading) * _sign(lagging)


def _values(kf: pl.DataFrame, kpi_id: str) -> np.ndarray:
    return kf[kpi_id].cast(pl.Float64).fill_null(float("nan")).to_numpy().astype(float)


def _transform(x: np.ndarray, method: Method, season: int) -> np.ndarray:
    """The series the correlation is taken on; position t stays period t (NaN where undefined)."""
    out = np.full_like(x, np.nan)
    if method == "level":
        return x.copy()
    step = season if method == "yoy" else 1
    if len(x) <= step:
        return out
    now, before = x[step:], x[:-step]
    with np.errstate(divide="ignore", invalid="ignore"):
        if method == "diff":
            out[step:] = now - before
        else:  # pct and yoy are relative changes; undefined from a zero or negative base
            out[step:] = np.where(before > 0, now / before - 1.0, np.nan)
    return out


def _corr(x: np.ndarray, y: np.ndarray) -> tuple[float | None, int]:
    """Pearson r over the pairs where both are finite, and how many pairs that was."""
    ok = np.isfinite(x) & np.isfinite(y)
    n = int(ok.sum())
    if n < 3:
        return None, n
    a, b = x[ok] - x[ok].mean(), y[ok] - y[ok].mean()
    den = math.sqrt(float((a * a).sum() * (b * b).sum()))
    if den == 0:
        return None, n  # a constant series has no correlation
    return float((a * b).sum() / den), n


def fisher_interval(r: float, n: int, *, z: float = _Z95) -> tuple[float, float]:
    """Confidence interval for a correlation: Fisher z, standard error ``1/sqrt(n-3)``.

    >>> [round(v, 2) for v in fisher_interval(0.5, 28)]
    [0.16, 0.74]
    """
    if n <= 3:
        return -1.0, 1.0
    centre = math.atanh(max(min(r, 0.999999), -0.999999))
    half = z / math.sqrt(n - 3)
    return math.tanh(centre - half), math.tanh(centre + half)


def _t_quantile(p: float, df: int) -> float:
    """Student t quantile by the Cornish–Fisher expansion (no scipy); ~1e-3 for df ≥ 5."""
    z = NormalDist().inv_cdf(p)
    v = float(df)
    return (
        z
        + (z**3 + z) / (4 * v)
        + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * v**2)
        + (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / (384 * v**3)
        + (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / (92160 * v**4)
    )


def _months_phrase(labels: Sequence[str], *, span: bool = False, locale: str = "en") -> str:
    """``November 2026``, ``November 2026 and December 2026`` (a list) or ``… to …`` (a span)."""
    names = [period_name(x, locale=locale) for x in labels]
    if len(names) == 1:
        return names[0]
    if len(names) == 2 and not span:
        return join_words(names, locale=locale)
    return t("lead_lag.range", locale=locale, first=names[0], last=names[-1])


def _pct(x: float, locale: str) -> str:
    """A share as a whole per cent in the locale's way: ``20%`` (en), ``20 %`` (da)."""
    from babel.numbers import format_percent

    from kpi_core.i18n import LOCALES

    return format_percent(x, locale=LOCALES.get(locale, "en_GB"))


def _r(x: float, locale: str) -> str:
    """A correlation with two decimals: ``0.52``, ``0,52``."""
    return format_number(x, locale=locale, digits=2)


# --- 1. on one time axis ------------------------------------------------------------------


def indexed(
    kf: pl.DataFrame,
    *,
    kpis: Sequence[str],
    base: str | None = None,
    complete_only: bool = True,
    locale: str = "en",
) -> pl.DataFrame:
    """Each KPI indexed to 100, so series of any size share one time axis.

    Parameters
    ----------
    kpis
        KPI ids (columns of ``kf``).
    base
        The period label that is 100 (e.g. ``"2025-01"``). Default: the first
        period of the range; a KPI with no value (or 0) there is indexed from
        its own first non-zero value instead, so a KPI that started later still
        gets a line.

    Returns
    -------
    Long frame ``period, period_start, kpi, value, index`` (``index`` is
    ``100 × value / base value``; null where the value is null, and for every
    period of a KPI that has no usable value at an explicit ``base``).
    """
    frame = _periods(kf, complete_only=complete_only)
    labels = frame["period"].to_list()
    if base is not None and base not in labels:
        raise InputError.of("lead_lag.error.no_base", base=base)
    parts = []
    for kpi_id in kpis:
        _kpi(kpi_id, frame, locale)
        values = frame[kpi_id].cast(pl.Float64).to_list()
        if base is not None:
            ref = values[labels.index(base)]
        else:
            ref = next((v for v in values if v is not None and v != 0), None)
        usable = ref is not None and ref != 0
        parts.append(
            frame.select(
                "period",
                "period_start",
                pl.lit(kpi_id).alias("kpi"),
                pl.col(kpi_id).cast(pl.Float64).alias("value"),
                (pl.col(kpi_id).cast(pl.Float64) * 100.0 / ref if usable else pl.lit(None))
                .cast(pl.Float64)
                .alias("index"),
            )
        )
    if not parts:
        return pl.DataFrame(
            schema={
                "period": pl.String,
                "period_start": pl.Date,
                "kpi": pl.String,
                "value": pl.Float64,
                "index": pl.Float64,
            }
        )
    return pl.concat(parts)


# --- 2. lead-time detection ---------------------------------------------------------------


@dataclass(frozen=True)
class LeadFinding:
    """How far one leading KPI runs ahead of a lagging KPI, and how sure that is.

    ``best_lag``, ``r``, ``low``, ``high`` are ``None`` when there is no
    usable lag (too few periods, no data, or no lag with the expected sign).
    ``low``/``high`` is the plain 95 % Fisher interval at the best lag.
    """

    kpi: str
    lagging: str
    best_lag: int | None
    r: float | None
    n: int
    low: float | None
    high: float | None
    strength: Strength
    sentence: str
    issues: tuple[Issue, ...] = ()

    @property
    def reliable(self) -> bool:
        """A lead worth acting on: ``"strong"`` or ``"moderate"``."""
        return self.strength in ("strong", "moderate")


@dataclass(frozen=True)
class LeadLag:
    """The result of :func:`cross_correlation`.

    ``table`` has one row per leading KPI and lag: ``kpi, lag, r, n, low, high,
    expected_sign``; ``r``/``low``/``high`` are null where fewer than
    ``min_pairs`` pairs were usable.
    """

    lagging: str
    method: Method
    period: Period
    table: pl.DataFrame
    findings: tuple[LeadFinding, ...]

    def finding(self, kpi_id: str) -> LeadFinding:
        for f in self.findings:
            if f.kpi == kpi_id:
                return f
        raise KeyError(kpi_id)


def default_leading(kf: pl.DataFrame, *, lagging: str | None = None) -> list[str]:
    """Every leading KPI of the catalogue that ``kf`` has values for, in catalogue order."""
    return [
        k.id
        for k in KPIS.values()
        if k.role == "leading" and k.id in kf.columns and k.id != lagging
        if kf[k.id].drop_nulls().len() > 0
    ]


def cross_correlation(
    kf: pl.DataFrame,
    *,
    lagging: str,
    leading: Sequence[str] | None = None,
    max_lag: int = 6,
    method: Method = "diff",
    min_pairs: int = MIN_PAIRS,
    complete_only: bool = True,
    locale: str = "en",
) -> LeadLag:
    """Correlate each leading KPI with the lagging KPI ``0..max_lag`` periods later.

    At lag ``k`` the leading KPI's change in period ``t-k`` is paired with the
    lagging KPI's change in period ``t``. Findings are worded in ``locale``.

    Parameters
    ----------
    lagging
        The result KPI (e.g. ``"revenue"``).
    leading
        Leading KPI ids; default every leading KPI the frame has.
    max_lag
        The largest lead tried, in periods.
    method
        What is correlated:

        ``"diff"`` (default)
            First differences ``x[t] - x[t-1]``. Removes a shared trend, which
            is what makes raw levels of two growing series correlate. Kept in
            the KPIs' own units, so a month with no data simply drops out.
        ``"pct"``
            Relative changes ``x[t]/x[t-1] - 1``; the same idea, less
            dominated by the busiest months.
        ``"yoy"``
            Changes against the same period a year earlier. Removes a shared
            season as well as a trend, but a year of data goes into the first
            difference: with 24 months there are only 12 such changes, so it
            needs about three years to say anything.
        ``"level"``
            The raw values. Shown for comparison only: a shared trend or
            season makes levels correlate with no causal link at all.

        What remains with ``"diff"`` on monthly data: a shared *seasonal*
        pattern in the month-to-month steps (both KPIs rise every spring), so
        part of a correlation can be the calendar rather than the lead. The
        lead time itself is still read correctly when the season is what the
        leading KPI carries into the lagging one (more spring leads → more
        early-summer revenue).
    min_pairs
        Lags with fewer usable (leading, lagging) pairs are not reported.

    Returns
    -------
    :class:`LeadLag` with the per-lag ``table`` and one :class:`LeadFinding`
    per leading KPI.

    Notes
    -----
    How a finding is graded (``m = max_lag + 1`` lags are tried):

    * fewer than ``min_pairs`` pairs at every lag → ``"none"``, and the
      sentence says there are too few periods;
    * only lags whose r has the sign the directions imply are candidates
      (see :func:`expected_sign`); the best is the largest ``|r|`` among them;
    * ``"strong"``: ``|r| ≥ 0.5`` and the Bonferroni-corrected interval
      (95 % family-wise over ``m`` lags) excludes 0;
    * ``"moderate"``: ``|r| ≥ 0.3`` and the plain 95 % interval excludes 0 –
      the sentence warns that ``m`` lags were tried;
    * ``"weak"``: ``|r| ≥ 0.2`` but the interval includes 0 (or ``|r| < 0.3``)
      – reported as "no reliable lead";
    * ``"none"``: otherwise.

    Example
    -------
    On the sample (monthly, 24 months) leads move about 1 month before revenue:
    r ≈ 0.52 on month-to-month changes over 22 pairs, graded ``"moderate"``.
    """
    if max_lag < 0:
        raise InputError.of("lead_lag.error.negative_lag")
    if method not in ("diff", "pct", "yoy", "level"):
        raise InputError.of("lead_lag.error.method", method=repr(method))
    frame = _periods(kf, complete_only=complete_only)
    kind = _period_kind(frame)
    lag_k = _kpi(lagging, frame, locale)
    ids = list(leading) if leading is not None else default_leading(frame, lagging=lagging)
    season = _PERIODS_PER_YEAR[kind]
    y = _transform(_values(frame, lagging), method, season)
    m = max_lag + 1
    z_family = NormalDist().inv_cdf(1 - 0.025 / m)

    rows: list[dict[str, Any]] = []
    findings = []
    for kpi_id in ids:
        lead_k = _kpi(kpi_id, frame, locale)
        x = _transform(_values(frame, kpi_id), method, season)
        sign = expected_sign(lead_k, lag_k)
        per_lag = []
        for lag in range(m):
            if lag >= len(x):
                r, n = None, 0
            else:
                r, n = _corr(x[: len(x) - lag], y[lag:])
            if n < min_pairs:
                r = None
            low, high = fisher_interval(r, n) if r is not None else (None, None)
            per_lag.append((lag, r, n, low, high))
            rows.append(
                {
                    "kpi": kpi_id,
                    "lag": lag,
                    "r": r,
                    "n": n,
                    "low": low,
                    "high": high,
                    "expected_sign": sign,
                }
            )
        findings.append(
            _grade(lead_k, lag_k, per_lag, sign=sign, z_family=z_family, kind=kind, m=m,
                   method=method, min_pairs=min_pairs, locale=locale)
        )  # fmt: skip
    table = pl.DataFrame(
        rows,
        schema={
            "kpi": pl.String,
            "lag": pl.Int64,
            "r": pl.Float64,
            "n": pl.Int64,
            "low": pl.Float64,
            "high": pl.Float64,
            "expected_sign": pl.Int64,
        },
    )
    return LeadLag(lagging, method, kind, table, tuple(findings))


def _grade(
    lead: Kpi,
    lagging: Kpi,
    per_lag: list[tuple[int, float | None, int, float | None, float | None]],
    *,
    sign: int,
    z_family: float,
    kind: Period,
    m: int,
    method: Method,
    min_pairs: int,
    locale: str = "en",
) -> LeadFinding:
    name = lead.label(locale)
    words = {"lead": in_sentence(name), "result": _name(lagging, locale)}
    usable = [p for p in per_lag if p[1] is not None]
    most_n = max((p[2] for p in per_lag), default=0)
    if not usable:
        params = words | {
            "periods": _periods_word(kind, locale),
            "what": t(f"lead_lag.what.{method}", locale=locale),
            "pairs": most_n,
            "min_pairs": min_pairs,
        }
        found = issue("warning", lead.id, "lead_lag.finding.too_few", count=most_n, **params)
        msg = found.text(locale)
        return LeadFinding(lead.id, lagging.id, None, None, most_n, None, None, "none", msg,
                           (found,))  # fmt: skip
    candidates = [p for p in usable if (p[1] or 0.0) * sign > 0]
    if not candidates:
        msg = t("lead_lag.finding.unexpected", locale=locale, **words)
        return LeadFinding(lead.id, lagging.id, None, None, most_n, None, None, "none", msg)
    lag, r, n, low, high = max(candidates, key=lambda p: (abs(p[1] or 0.0), -p[0]))
    assert r is not None and low is not None and high is not None
    f_low, f_high = fisher_interval(r, n, z=z_family)
    excludes_0 = low > 0 or high < 0
    family_excludes_0 = f_low > 0 or f_high < 0
    if abs(r) >= STRONG_R and family_excludes_0:
        strength: Strength = "strong"
    elif abs(r) >= MODERATE_R and excludes_0:
        strength = "moderate"
    elif abs(r) >= WEAK_R:
        strength = "weak"
    else:
        strength = "none"
    numbers = {
        "r": _r(r, locale),
        "span": _count(kind, n, locale),
        "low": _r(low, locale),
        "high": _r(high, locale),
    }
    if method == "diff":
        stats = t("lead_lag.finding.stats", locale=locale, **numbers)
    else:
        what = t(f"lead_lag.what.{method}", locale=locale)
        stats = t("lead_lag.finding.stats_of", locale=locale, what=what, **numbers)
    if strength in ("strong", "moderate"):
        if lag:
            msg = t(
                "lead_lag.finding.ahead",
                locale=locale,
                count=_number_of(name),
                name=name,
                ahead=_count(kind, lag, locale),
                stats=stats,
                **words,
            )
        else:
            msg = t(
                "lead_lag.finding.same",
                locale=locale,
                count=_number_of(name),
                name=name,
                kind=_kind_word(kind, locale),
                stats=stats,
                **words,
            )
        if strength == "moderate":
            msg += " " + t("lead_lag.finding.moderate", locale=locale, lags=m)
        if method == "level":
            msg += " " + t("lead_lag.finding.levels", locale=locale)
    else:
        msg = t(
            "lead_lag.finding.weak",
            locale=locale,
            ahead=_count(kind, lag, locale),
            stats=stats,
            **words,
        )
    return LeadFinding(lead.id, lagging.id, lag, r, n, low, high, strength, msg)


# --- 3. early warning ---------------------------------------------------------------------


@dataclass(frozen=True)
class EarlyWarning:
    """A leading KPI that moved the wrong way lately, and what it means downstream.

    ``change`` is relative (−0.18 = down 18 %) for every KPI, rates included,
    so one threshold serves all; ``compared_with`` is ``"last year"`` or
    ``"previous periods"``.
    """

    kpi: str
    lagging: str
    periods: tuple[str, ...]
    now: float
    before: float
    change: float
    compared_with: Literal["last year", "previous periods"]
    lag: int | None
    affected: tuple[str, ...]  # future periods of the lagging KPI expected to weaken
    sentence: str


def _window_value(values: Sequence[float | None], k: Kpi) -> float | None:
    """A KPI over several periods: sum for counts, mean of the period values for ratios."""
    if not values or any(v is None for v in values):
        return None
    vals = [float(v) for v in values if v is not None]
    # Ratios over several periods are means of period values here: kf does not
    # carry the paired numerator/denominator sums needed for a ratio of sums.
    return sum(vals) / len(vals) if k.is_ratio else sum(vals)


def early_warnings(
    kf: pl.DataFrame,
    *,
    leading: Sequence[str] | None = None,
    lagging: str,
    findings: Sequence[LeadFinding] = (),
    periods: int = 2,
    threshold: float = 0.10,
    complete_only: bool = True,
    locale: str = "en",
) -> tuple[EarlyWarning, ...]:
    """Leading KPIs whose latest ``periods`` moved the wrong way by more than ``threshold``.

    The latest ``periods`` complete periods (summed for counts, averaged for
    ratios) are compared with **the same periods a year earlier** when the data
    reaches back that far – on seasonal data this is the honest comparison:
    leads always fall from June to August. Without a year of history they are
    compared with the ``periods`` periods just before (which reads the season
    as a change, and the sentence says so). A year-on-year comparison also
    carries the year's growth: a KPI growing 15 % a year that is now down 10 %
    on last year is a real warning.

    Neutral KPIs (spend) have no "against" and are skipped. The lag comes from
    ``findings`` (see :func:`cross_correlation`); without a reliable finding
    the sentence says the effect on the lagging KPI is not known. Sentences are
    worded in ``locale``.

    Example sentence: "Leads fell 18% over the last two months compared with a
    year earlier; with leads moving about 1 month ahead of revenue, expect
    revenue to weaken in November 2026."
    """
    if periods < 1:
        raise InputError.of("lead_lag.error.window")
    frame = _periods(kf, complete_only=complete_only)
    kind = _period_kind(frame)
    lag_k = _kpi(lagging, kf, locale)
    ids = list(leading) if leading is not None else default_leading(frame, lagging=lagging)
    by_kpi = {f.kpi: f for f in findings}
    starts: list[dt.date] = frame["period_start"].to_list()
    labels: list[str] = frame["period"].to_list()
    if len(starts) < 2 * periods:
        return ()
    window = list(range(len(starts) - periods, len(starts)))
    year_ago = [_add_periods(starts[i], kind, -_PERIODS_PER_YEAR[kind]) for i in window]
    pos = {s: i for i, s in enumerate(starts)}
    seasonal = all(s in pos for s in year_ago) and kind != "year"
    before_idx = [pos[s] for s in year_ago] if seasonal else [i - periods for i in window]
    compared: Literal["last year", "previous periods"] = (
        "last year" if seasonal else "previous periods"
    )
    out = []
    for kpi_id in ids:
        k = _kpi(kpi_id, frame, locale)
        if k.direction == "neutral":
            continue
        series = frame[kpi_id].cast(pl.Float64).to_list()
        now = _window_value([series[i] for i in window], k)
        before = _window_value([series[i] for i in before_idx], k)
        if now is None or before is None or before == 0:
            continue
        rel = (now - before) / abs(before)
        if -rel * _sign(k) <= threshold:  # moved with its direction, or not by enough
            continue
        f = by_kpi.get(kpi_id)
        lag = f.best_lag if f is not None and f.reliable else None
        affected: tuple[str, ...] = ()
        if lag is not None and lag > 0:
            affected = tuple(
                period_label(_add_periods(starts[-1], kind, j), kind) for j in range(1, lag + 1)
            )
        out.append(
            EarlyWarning(
                kpi_id,
                lagging,
                tuple(labels[i] for i in window),
                now,
                before,
                rel,
                compared,
                lag,
                affected,
                _warning_sentence(k, lag_k, rel, periods, kind, compared, lag, affected, locale),
            )
        )
    return tuple(out)


def _warning_sentence(
    k: Kpi,
    lagging: Kpi,
    rel: float,
    periods: int,
    kind: Period,
    compared: str,
    lag: int | None,
    affected: tuple[str, ...],
    locale: str = "en",
) -> str:
    """``<what moved>; <what it means>.``: two whole clauses, each one message."""
    moved = "rose" if rel > 0 else "fell"
    base = "year" if compared == "last year" else "before"
    name = k.label(locale)
    head = t(
        f"lead_lag.warning.{moved}_{base}",
        locale=locale,
        name=name,
        change=_pct(abs(rel), locale),
        span=_last(kind, periods, locale, words=True),
        before=_count(kind, periods, locale),
    )
    words = {"lead": in_sentence(name), "result": _name(lagging, locale)}
    if lag is None:
        tail = t("lead_lag.warning.unknown", locale=locale, **words)
    elif lag == 0:
        tail = t(
            "lead_lag.warning.same",
            locale=locale,
            count=_number_of(name),
            kind=_kind_word(kind, locale),
            **words,
        )
    else:
        tail = t(
            "lead_lag.warning.ahead",
            locale=locale,
            ahead=_count(kind, lag, locale),
            when=_months_phrase(affected, locale=locale),
            **words,
        )
    return t("lead_lag.warning.sentence", locale=locale, head=head, tail=tail)


# --- 4. forecast --------------------------------------------------------------------------


def forecast(
    kf: pl.DataFrame,
    *,
    lagging: str,
    leading: str,
    lag: int,
    horizon: int | None = None,
    level: float = 0.80,
    min_pairs: int = MIN_PAIRS,
    complete_only: bool = True,
    locale: str = "en",
) -> pl.DataFrame:
    """The lagging KPI for the next periods, from the leading KPI ``lag`` periods earlier.

    A straight-line regression of the lagging KPI's **level** on the leading
    KPI's level ``lag`` periods before (``y[t] = a + b·x[t-lag]``), with a
    ``level`` (80 %) prediction interval from the t distribution. Why levels
    and not year-on-year changes: with 24 months of data there are only 12
    year-on-year changes, too few to fit anything. Regressing levels is fine
    for *prediction* (the season and trend arrive through the leading KPI,
    which is known ``lag`` periods ahead), though not as proof of a cause.

    Caveats: the residuals of monthly data are autocorrelated, so the interval
    is probably somewhat too narrow; a change in the business the leading KPI
    does not see (a price rise) is not in the forecast.

    Parameters
    ----------
    lag
        Lead time in periods (≥ 1), e.g. ``LeadFinding.best_lag``.
    horizon
        Periods ahead; default ``lag``. Cannot exceed ``lag``: beyond it the
        leading KPI has not happened yet.

    Returns
    -------
    ``period, period_start, kind, value, low, high``: the actual periods
    (``kind="actual"``, no interval) followed by ``horizon`` forecast rows with
    labels continuing the series (``2026-11``, ``2026-12``).

    Raises
    ------
    InputError
        If ``lag < 1``, ``horizon`` is out of range, or fewer than
        ``min_pairs`` periods can be paired.
    """
    if lag < 1:
        raise InputError.of("lead_lag.error.forecast_lag")
    horizon = lag if horizon is None else horizon
    if not 1 <= horizon <= lag:
        driver = _name(KPIS[leading], locale) if leading in KPIS else leading
        raise InputError.of("lead_lag.error.horizon", lag=lag, lead=driver)
    frame = _periods(kf, complete_only=complete_only)
    lag_k = _kpi(lagging, frame, locale)
    lead_k = _kpi(leading, frame, locale)
    kind = _period_kind(frame)
    x_all, y_all = _values(frame, leading), _values(frame, lagging)
    x, y = x_all[: len(x_all) - lag], y_all[lag:]
    ok = np.isfinite(x) & np.isfinite(y)
    n = int(ok.sum())
    if n < min_pairs:
        raise InputError.of(
            "lead_lag.error.forecast_pairs",
            periods=_periods_word(kind, locale),
            result=_name(lag_k, locale),
            pairs=n,
            min_pairs=min_pairs,
        )
    xs, ys = x[ok], y[ok]
    x_mean = float(xs.mean())
    sxx = float(((xs - x_mean) ** 2).sum())
    if sxx == 0:
        raise InputError.of("lead_lag.error.constant", name=lead_k.label(locale))
    b = float(((xs - x_mean) * (ys - ys.mean())).sum()) / sxx
    a = float(ys.mean()) - b * x_mean
    resid = ys - (a + b * xs)
    s = math.sqrt(float((resid**2).sum()) / (n - 2))
    tq = _t_quantile(0.5 + level / 2, n - 2)

    starts: list[dt.date] = frame["period_start"].to_list()
    rows: list[dict[str, Any]] = [
        {
            "period": p,
            "period_start": st,
            "kind": "actual",
            "value": None if not math.isfinite(v) else float(v),
            "low": None,
            "high": None,
        }
        for p, st, v in zip(frame["period"].to_list(), starts, y_all, strict=True)
    ]
    for j in range(1, horizon + 1):
        driver = x_all[len(x_all) - lag + j - 1]  # the leading KPI lag periods before
        start = _add_periods(starts[-1], kind, j)
        if not math.isfinite(driver):
            value = low = high = None
        else:
            value = a + b * float(driver)
            se = s * math.sqrt(1 + 1 / n + (float(driver) - x_mean) ** 2 / sxx)
            low, high = value - tq * se, value + tq * se
        rows.append(
            {
                "period": period_label(start, kind),
                "period_start": start,
                "kind": "forecast",
                "value": value,
                "low": low,
                "high": high,
            }
        )
    return pl.DataFrame(
        rows,
        schema={
            "period": pl.String,
            "period_start": pl.Date,
            "kind": pl.String,
            "value": pl.Float64,
            "low": pl.Float64,
            "high": pl.Float64,
        },
    )


# --- 5. this year vs last year ------------------------------------------------------------


@dataclass(frozen=True)
class YearOnYear:
    """:func:`year_on_year`'s result.

    ``table``: ``kpi, role, before, now, change, change_kind, relative,
    explains`` – the lagging KPI first, then the leading KPIs sorted by
    ``explains`` (largest first).
    """

    lagging: str
    current: tuple[str, str]  # first and last period of the recent window
    previous: tuple[str, str]
    table: pl.DataFrame
    sentence: str


def year_on_year(
    kf: pl.DataFrame,
    *,
    lagging: str,
    leading: Sequence[str] | None = None,
    complete_only: bool = True,
    locale: str = "en",
) -> YearOnYear:
    """The latest year against the year before, and which leading KPIs moved with the result.

    The window is the latest 12 complete months (4 quarters); with less than
    two years of data it is the year to date of the latest year against the
    same periods a year earlier. Counts are summed, ratios averaged over the
    periods. ``change`` is in percentage points for rates, relative otherwise;
    ``relative`` is always relative so KPIs can be ranked together.

    ``explains`` = ``relative change × expected sign × sign of the lagging
    KPI's change``: positive when the leading KPI moved the way that pushes the
    result the way it went (leads +15 % when revenue rose +20 %), negative when
    it pushed the other way. It ranks candidates; it is not a decomposition.
    """
    frame = _periods(kf, complete_only=complete_only)
    kind = _period_kind(frame)
    if kind == "year":
        raise InputError.of("lead_lag.error.yoy_years")
    lag_k = _kpi(lagging, frame, locale)
    ids = list(leading) if leading is not None else default_leading(frame, lagging=lagging)
    per_year = _PERIODS_PER_YEAR[kind]
    starts: list[dt.date] = frame["period_start"].to_list()
    labels: list[str] = frame["period"].to_list()
    pos = {s: i for i, s in enumerate(starts)}
    if len(starts) >= 2 * per_year:
        current = list(range(len(starts) - per_year, len(starts)))
    else:  # year to date: the latest year's periods so far
        last_year = starts[-1].year
        current = [i for i, s in enumerate(starts) if s.year == last_year]
    before_starts = [_add_periods(starts[i], kind, -per_year) for i in current]
    if not current or any(s not in pos for s in before_starts):
        raise InputError.of("lead_lag.error.yoy_history")
    previous = [pos[s] for s in before_starts]

    def measure(k: Kpi) -> tuple[float | None, float | None, float | None, float | None]:
        series = frame[k.id].cast(pl.Float64).to_list()
        now = _window_value([series[i] for i in current], k)
        before = _window_value([series[i] for i in previous], k)
        if now is None or before is None:
            return now, before, None, None
        rel = (now - before) / abs(before) if before else None
        shown = (now - before) * 100 if k.is_rate else rel
        return now, before, shown, rel

    y_now, y_before, y_change, y_rel = measure(lag_k)
    y_dir = 0 if y_rel is None else (1 if y_rel > 0 else -1 if y_rel < 0 else 0)
    rows: list[dict[str, Any]] = [
        {
            "kpi": lagging,
            "role": "lagging",
            "before": y_before,
            "now": y_now,
            "change": y_change,
            "change_kind": "pp" if lag_k.is_rate else "relative",
            "relative": y_rel,
            "explains": None,
        }
    ]
    lead_rows = []
    for kpi_id in ids:
        k = _kpi(kpi_id, frame, locale)
        now, before, shown, rel = measure(k)
        score = None if rel is None else rel * expected_sign(k, lag_k) * y_dir
        lead_rows.append(
            {
                "kpi": kpi_id,
                "role": "leading",
                "before": before,
                "now": now,
                "change": shown,
                "change_kind": "pp" if k.is_rate else "relative",
                "relative": rel,
                "explains": score,
            }
        )
    lead_rows.sort(key=lambda r: -math.inf if r["explains"] is None else r["explains"],
                   reverse=True)  # fmt: skip
    table = pl.DataFrame(
        rows + lead_rows,
        schema={
            "kpi": pl.String,
            "role": pl.String,
            "before": pl.Float64,
            "now": pl.Float64,
            "change": pl.Float64,
            "change_kind": pl.String,
            "relative": pl.Float64,
            "explains": pl.Float64,
        },
    )
    cur = (labels[current[0]], labels[current[-1]])
    prev = (labels[previous[0]], labels[previous[-1]])
    return YearOnYear(
        lagging, cur, prev, table, _yoy_sentence(lag_k, y_rel, y_change, lead_rows, cur, locale)
    )


def _change_text(k: Kpi, shown: float | None, locale: str = "en") -> str:
    """``+10%`` for a relative change, ``-5.0 pp`` for a rate's, in the locale's words."""
    if shown is None:
        return "–"
    sign = "+" if shown >= 0 else "-"
    if k.is_rate:
        digits = 2 if abs(shown) < 0.1 else 1
        size = t(
            "common.pp",
            locale=locale,
            value=format_number(abs(shown), locale=locale, digits=digits),
        )
        return sign + size
    return sign + _pct(abs(shown), locale)


def _yoy_sentence(
    lag_k: Kpi,
    y_rel: float | None,
    y_change: float | None,
    lead_rows: list[dict[str, Any]],
    cur: tuple[str, str],
    locale: str = "en",
) -> str:
    labels = list(dict.fromkeys(cur))
    span = _months_phrase(labels, span=True, locale=locale)
    result = _name(lag_k, locale)
    if y_rel is None:
        return t("lead_lag.yoy.unknown", locale=locale, name=lag_k.label(locale), span=span)
    if len(labels) > 1:
        first, last = (period_name(x, locale=locale) for x in labels)
        when = t("lead_lag.yoy.when_span", locale=locale, first=first, last=last)
    else:
        when = t("lead_lag.yoy.when_one", locale=locale, period=span)
    moved = "rose" if y_rel > 0 else "fell" if y_rel < 0 else "steady"
    size = _change_text(lag_k, y_change, locale).lstrip("+-")
    clauses = [t(f"lead_lag.yoy.{moved}", locale=locale, when=when, result=result, size=size)]

    def items(rows: list[dict[str, Any]]) -> str:
        shown = [(KPIS[r["kpi"]], r["change"]) for r in rows]
        return ", ".join(
            t(
                "lead_lag.yoy.item",
                locale=locale,
                name=_name(k, locale),
                change=_change_text(k, change, locale),
            )
            for k, change in shown
        )

    # Changes under 1 % explain nothing worth a word.
    with_ = [r for r in lead_rows if (r["explains"] or 0) > 0.01][:3]
    against = [r for r in lead_rows if (r["explains"] or 0) < -0.01][-2:]
    if with_:
        clauses.append(t("lead_lag.yoy.same_way", locale=locale, names=items(with_)))
    if against:
        clauses.append(
            t("lead_lag.yoy.other_way", locale=locale, names=items(list(reversed(against))))
        )
    return t("lead_lag.yoy.sentence", locale=locale, clauses="; ".join(clauses))


# --- 6. marketing and sales alignment ------------------------------------------------------


@dataclass(frozen=True)
class Alignment:
    """:func:`sales_alignment`'s result.

    ``table``: ``period, period_start, flow, capacity, ratio, status`` with
    status ``"over capacity"``, ``"under capacity"``, ``"matched"`` or null
    (no data that period).
    """

    measure: str
    capacity_per_month: float
    table: pl.DataFrame
    sentence: str


def sales_alignment(
    kf: pl.DataFrame,
    *,
    capacity: float,
    measure: Literal["leads", "sqls"] = "leads",
    tolerance: float = 0.1,
    last: int | None = None,
    complete_only: bool = True,
    locale: str = "en",
) -> Alignment:
    """Marketing's flow of leads (or SQLs) against what sales can handle each period.

    Parameters
    ----------
    capacity
        What sales can handle **per month**, as the user entered it; scaled to
        3× for quarters and 12× for years.
    tolerance
        Within ``±tolerance`` of capacity counts as ``"matched"``.
    last
        How many latest periods the sentence covers; default one year (12
        months or 4 quarters).

    Example
    -------
    >>> import datetime as dt
    >>> kf = pl.DataFrame({"period": ["2026-01", "2026-02"],
    ...     "period_start": [dt.date(2026, 1, 1), dt.date(2026, 2, 1)],
    ...     "complete": [True, True], "leads": [470.0, 390.0]})
    >>> sales_alignment(kf, capacity=400).table["status"].to_list()
    ['over capacity', 'matched']
    """
    if capacity <= 0:
        raise InputError.of("lead_lag.error.capacity")
    if measure not in ("leads", "sqls"):
        raise InputError.of("lead_lag.error.measure")
    frame = _periods(kf, complete_only=complete_only)
    if measure not in frame.columns:
        raise InputError.of("lead_lag.error.no_measure", name=KPIS[measure].label(locale))
    kind = _period_kind(frame)
    cap = capacity * _MONTHS[kind]
    flow = pl.col(measure).cast(pl.Float64)
    table = frame.select(
        "period",
        "period_start",
        flow.alias("flow"),
        pl.lit(cap, dtype=pl.Float64).alias("capacity"),
        (flow / cap).alias("ratio"),
        pl.when(flow.is_null())
        .then(None)
        .when(flow > cap * (1 + tolerance))
        .then(pl.lit("over capacity"))
        .when(flow < cap * (1 - tolerance))
        .then(pl.lit("under capacity"))
        .otherwise(pl.lit("matched"))
        .alias("status"),
    )
    last = last or _PERIODS_PER_YEAR[kind]
    recent = table.filter(pl.col("flow").is_not_null()).tail(last)
    sentence = _alignment_sentence(recent, measure, capacity, kind, locale)
    return Alignment(measure, capacity, table, sentence)


def _alignment_sentence(
    recent: pl.DataFrame, measure: str, capacity: float, kind: Period, locale: str = "en"
) -> str:
    noun = _name(KPIS[measure], locale)
    n = recent.height
    if n == 0:
        return t("lead_lag.align.nothing", locale=locale, noun=noun)
    cap = t(
        "lead_lag.align.capacity",
        locale=locale,
        capacity=format_value(capacity, "count", locale=locale),
    )
    span = _last(kind, n, locale)
    over = recent.filter(pl.col("status") == "over capacity")
    under = recent.filter(pl.col("status") == "under capacity")
    if over.height:
        worst = over.sort("flow", descending=True).row(0, named=True)
        return t(
            "lead_lag.align.over",
            locale=locale,
            over=over.height,
            span=span,
            noun=noun,
            capacity=cap,
            period=period_name(worst["period"], locale=locale),
            flow=format_value(worst["flow"], "count", locale=locale),
        )
    if under.height:
        low = under.sort("flow").row(0, named=True)
        return t(
            "lead_lag.align.under",
            locale=locale,
            under=under.height,
            span=span,
            noun=noun,
            capacity=cap,
            period=period_name(low["period"], locale=locale),
            flow=format_value(low["flow"], "count", locale=locale),
        )
    return t("lead_lag.align.matched", locale=locale, span=span, noun=noun, capacity=cap)


# --- 7. for the command line --------------------------------------------------------------


def _num(v: float | None) -> float | None:
    return None if v is None or not math.isfinite(v) else round(float(v), 4)


def leadlag_report(
    kf: pl.DataFrame,
    *,
    lagging: str,
    leading: Sequence[str] | None = None,
    max_lag: int = 6,
    method: Method = "diff",
    locale: str = "en",
) -> dict[str, Any]:
    """JSON-ready lead times for ``python -m kpi_core leadlag``.

    ``leading`` defaults to every leading KPI the data has. Per leading KPI:
    the correlation at each lag (``lag, r, n, low, high``; ``r`` null where
    too few pairs), the best lag, its r, the periods used, the strength and
    the sentence (in ``locale``). Numbers are rounded to 4 decimals; missing ones are ``null``.
    """
    result = cross_correlation(
        kf, lagging=lagging, leading=leading, max_lag=max_lag, method=method, locale=locale
    )
    out: list[dict[str, Any]] = []
    for f in result.findings:
        lags = result.table.filter(pl.col("kpi") == f.kpi)
        out.append(
            {
                "kpi": f.kpi,
                "lags": [
                    {
                        "lag": row["lag"],
                        "r": _num(row["r"]),
                        "n": row["n"],
                        "low": _num(row["low"]),
                        "high": _num(row["high"]),
                    }
                    for row in lags.iter_rows(named=True)
                ],
                "best_lag": f.best_lag,
                "r": _num(f.r),
                "n": f.n,
                "low": _num(f.low),
                "high": _num(f.high),
                "strength": f.strength,
                "sentence": f.sentence,
            }
        )
    return {
        "lagging": lagging,
        "period": result.period,
        "method": method,
        "max_lag": max_lag,
        "leading": out,
    }
