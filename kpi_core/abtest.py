"""A/B tests: is one version of a page, mail or offer converting better than another?

Each variant is a number of visitors and how many of them converted. Every
variant is compared with one **control** (the first variant unless told
otherwise). The statistics, in one place:

* **Conversion rate** ``conversions / visitors`` (a share in [0, 1]).
* **Difference** in percentage points (``+1.2`` = 1.2 pp) with a **Wald
  interval** from the *unpooled* standard error
  ``sqrt(p1(1 - p1)/n1 + p2(1 - p2)/n2)``; **lift** is the difference relative
  to the control's rate (``0.2`` = 20 % better; null when the control has no
  conversions).
* **p-value** of the two-sided **two-proportion z-test** with the *pooled*
  standard error ``sqrt(p(1 - p)(1/n1 + 1/n2))``, ``p`` the pooled rate. When
  both groups have a rate of 0 (or both of 1) there is nothing to test: ``z = 0``
  and ``p = 1``.
* **Bonferroni**: with ``k`` variants there are ``k - 1`` comparisons with the
  control, and each is judged at ``alpha / (k - 1)`` (0.025 for three variants
  at the usual 0.05), so that chance alone calls a false winner no more often
  than ``alpha`` across the whole test. The intervals use the same adjusted
  level (97.5 % for three variants), so interval and test tell the same story;
  with two variants it is the plain 95 %.

The verdict refuses to call a winner on thin data. The rule, per variant:

1. **Too few to tell** when the control or the variant has fewer than 10
   conversions or fewer than 10 non-conversions: the normal approximation
   behind both the test and the interval is not trustworthy there (the usual
   "success–failure" rule). This holds even when the p-value is small.
   "About N more per variant" is then what each group needs to reach 10 of
   both at its current rate, or the 80 %-power sample size below if that is
   larger and within reach; a group with none of one kind yet is taken at
   the "rule of three" bound (rate at most ``3 / n``), so N is a minimum
   ("at least N more").
2. Otherwise **better / worse** when ``p < alpha`` (Bonferroni-adjusted).
3. Otherwise (not significant) it depends on the **power** to detect the
   observed difference: the visitors per variant that an 80 %-power test
   would need for a difference of the size seen (:func:`sample_size`).
   If that is at most ten times the visitors so far, more data could settle
   it: **too few to tell**, with "about N more per variant needed". If it is
   more, the difference seen is too small to chase: **no clear difference**,
   with the interval saying how big it could be.

Power computed at the *observed* difference is not used to overrule a
significant result: it is a function of the p-value alone, so it would only
be a stricter alpha in disguise.

>>> result = compare([Variant("A", 2000, 100), Variant("B", 2000, 150)])
>>> result.table.select("variant", "rate", "significant").rows()
[('A', 0.05, None), ('B', 0.075, True)]
>>> result.sentences[0]
'B converts better than A (7.50% vs 5.00%, +2.5 pp, lift +50%, p = 0.001).'
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import polars as pl
from babel.numbers import format_decimal, format_percent

from kpi_core.i18n import LOCALES, join_words, t
from kpi_core.issues import InputError

Outcome = Literal["control", "better", "worse", "no_clear_difference", "too_few"]

#: Conversions and non-conversions each group needs before a verdict is given.
MIN_EVENTS = 10
#: Power the "more visitors needed" estimate aims for.
TARGET_POWER = 0.8
#: A non-significant difference that would need more than this many times the
#: visitors so far is called "no clear difference" rather than "too few".
REACHABLE_FACTOR = 10


# ---------------------------------------------------------------------------
# The normal distribution (no scipy)
# ---------------------------------------------------------------------------


def normal_cdf(x: float) -> float:
    """The standard normal distribution function Φ(x), from ``math.erfc``.

    ``erfc`` keeps full relative precision far in the tails, where
    ``1 - Φ`` computed as a difference would round to 0.

    >>> round(normal_cdf(1.959963984540054), 12)
    0.975
    >>> normal_cdf(0.0)
    0.5
    """
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


def _two_sided_p(z: float) -> float:
    """``2 (1 - Φ(|z|))``, computed as ``erfc(|z|/√2)`` to keep precision."""
    return math.erfc(abs(z) / math.sqrt(2.0))


def normal_quantile(p: float) -> float:
    """The standard normal quantile Φ⁻¹(p), by Wichura's algorithm AS 241 (PPND16).

    Wichura, M. J. (1988), "Algorithm AS 241: The percentage points of the
    normal distribution", *Applied Statistics* 37(3), 477–484. The rational
    approximations are accurate to about 1e-16 relative, i.e. to double
    precision (Python's ``statistics.NormalDist.inv_cdf`` uses the same
    algorithm).

    Raises
    ------
    InputError
        When ``p`` is not strictly between 0 and 1.

    Examples
    --------
    >>> round(normal_quantile(0.975), 12)
    1.95996398454
    >>> round(normal_quantile(0.8), 12)
    0.841621233573
    """
    if not 0.0 < p < 1.0:
        raise InputError.of("abtest.error.probability", p=str(p))
    q = p - 0.5
    if abs(q) <= 0.425:
        r = 0.180625 - q * q
        num = _poly(
            r,
            (
                3.387132872796366608,
                133.14166789178437745,
                1971.5909503065514427,
                13731.693765509461125,
                45921.953931549871457,
                67265.770927008700853,
                33430.575583588128105,
                2509.0809287301226727,
            ),
        )
        den = _poly(
            r,
            (
                1.0,
                42.313330701600911252,
                687.1870074920579083,
                5394.1960214247511077,
                21213.794301586595867,
                39307.89580009271061,
                28729.085735721942674,
                5226.495278852545925,
            ),
        )
        return q * num / den
    r = p if q < 0.0 else 1.0 - p
    r = math.sqrt(-math.log(r))
    if r <= 5.0:
        r -= 1.6
        num = _poly(
            r,
            (
                1.42343711074968357734,
                4.6303378461565452959,
                5.7694972214606914055,
                3.64784832476320460504,
                1.27045825245236838258,
                0.24178072517745061177,
                0.0227238449892691845833,
                7.7454501427834140764e-4,
            ),
        )
        den = _poly(
            r,
            (
                1.0,
                2.05319162663775882187,
                1.6763848301838038494,
                0.68976733498510000455,
                0.14810397642748007459,
                0.0151986665636164571966,
                5.475938084995344946e-4,
                1.05075007164441684324e-9,
            ),
        )
    else:
        r -= 5.0
        num = _poly(
            r,
            (
                6.6579046435011037772,
                5.4637849111641143699,
                1.7848265399172913358,
                0.29656057182850489123,
                0.026532189526576123093,
                0.0012426609473880784386,
                2.71155556874348757815e-5,
                2.01033439929228813265e-7,
            ),
        )
        den = _poly(
            r,
            (
                1.0,
                0.59983220655588793769,
                0.13692988092273580531,
                0.0148753612908506148525,
                7.868691311456132591e-4,
                1.8463183175100546818e-5,
                1.4215117583164458887e-7,
                2.04426310338993978564e-15,
            ),
        )
    x = num / den
    return -x if q < 0.0 else x


def _poly(x: float, coefficients: Sequence[float]) -> float:
    """``c0 + c1·x + c2·x² + …`` by Horner's rule."""
    out = 0.0
    for c in reversed(coefficients):
        out = out * x + c
    return out


# ---------------------------------------------------------------------------
# Variants
# ---------------------------------------------------------------------------


def _whole(value: object, what: str, name: str) -> int:
    if isinstance(value, bool):
        raise InputError.of(f"abtest.error.not_whole.{what}", name=name, value=str(value))
    if isinstance(value, int):
        out = value
    elif isinstance(value, float) and math.isfinite(value) and value.is_integer():
        out = int(value)
    else:
        raise InputError.of(f"abtest.error.not_whole.{what}", name=name, value=repr(value))
    if out < 0:
        raise InputError.of(f"abtest.error.negative.{what}", name=name, value=str(out))
    return out


@dataclass(frozen=True)
class Variant:
    """One version in a test: how many saw it and how many converted.

    Whole-number floats (``1200.0``, as a spreadsheet gives them) are taken
    as ints.

    Raises
    ------
    InputError
        An empty name, counts that are negative or not whole, no visitors, or
        more conversions than visitors; the message names the variant.

    Examples
    --------
    >>> Variant("B", 1200, 58).rate
    0.04833333333333333
    >>> Variant("B", 100, 120)
    Traceback (most recent call last):
    ...
    kpi_core.issues.InputError: Variant ‘B’ has more conversions (120) than visitors (100).
    """

    name: str
    visitors: int
    conversions: int

    def __post_init__(self) -> None:
        name = str(self.name).strip()
        if not name:
            raise InputError.of("abtest.error.no_name")
        object.__setattr__(self, "name", name)
        visitors = _whole(self.visitors, "visitors", name)
        conversions = _whole(self.conversions, "conversions", name)
        if visitors == 0:
            raise InputError.of("abtest.error.no_visitors", name=name)
        if conversions > visitors:
            raise InputError.of(
                "abtest.error.too_many_conversions",
                name=name,
                conversions=str(conversions),
                visitors=str(visitors),
            )
        object.__setattr__(self, "visitors", visitors)
        object.__setattr__(self, "conversions", conversions)

    @property
    def rate(self) -> float:
        """Conversions per visitor, in [0, 1]."""
        return self.conversions / self.visitors


def parse_variant(text: str) -> Variant:
    """A variant from the command line's ``NAME:VISITORS:CONVERSIONS``.

    The name may contain spaces and colons (the last two fields are the
    numbers). Numbers are whole, without thousands separators, though
    ``1_200`` and ``1 200`` are read as 1200.

    Raises
    ------
    InputError
        When the text does not have that form; the message shows the form.

    Examples
    --------
    >>> parse_variant("New headline: 1200:58")
    Variant(name='New headline', visitors=1200, conversions=58)
    >>> parse_variant("B-1200-58")
    Traceback (most recent call last):
    ...
    kpi_core.issues.InputError: Cannot read the variant ‘B-1200-58’: expected NAME:VISITORS:CONVERSIONS, such as ‘B:1200:58’.
    """  # noqa: E501
    parts = str(text).rsplit(":", 2)
    if len(parts) != 3 or not parts[0].strip():
        raise InputError.of("abtest.error.unreadable", text=str(text))
    name, *numbers = parts
    values = []
    for label, raw in zip(("visitors", "conversions"), numbers, strict=True):
        cleaned = re.sub(r"[\s_\u00a0\u202f]", "", raw)
        if not cleaned.isdigit():
            raise InputError.of(
                f"abtest.error.unreadable_number.{label}", text=str(text), raw=raw.strip()
            )
        values.append(int(cleaned))
    return Variant(name.strip(), values[0], values[1])


# fmt: off
_VARIANT_WORDS: dict[str, tuple[str, ...]] = {
    "name": ("variant", "variant name", "variation", "version", "gruppe", "grupp", "group",
             "navn", "namn", "name", "test", "arm"),
    "visitors": ("visitors", "besøgende", "besøkende", "besökare", "sessions", "sessioner",
                 "sessjoner", "users", "brugere", "brukere", "användare", "visninger",
                 "visningar", "views", "impressions", "modtagere", "mottakere", "mottagare",
                 "recipients", "sendt", "skickade", "sent", "trials", "n"),
    "conversions": ("conversions", "konverteringer", "konverteringar", "konvertering",
                    "conversion", "køb", "kjøp", "köp", "purchases", "orders", "ordrer",
                    "beställningar", "leads", "signups", "tilmeldinger", "påmeldinger",
                    "registreringar", "klik", "klikk", "klick", "clicks", "successes"),
}
# fmt: on


def variants_from_frame(frame: pl.DataFrame) -> list[Variant]:
    """Variants from an uploaded table: one row per variant.

    The columns are found by their headers (Variant/Version/Gruppe,
    Visitors/Besøgende/Besökare/Sessions, Conversions/Konverteringer/Köp/
    Orders …, in Danish, Norwegian, Swedish and English); without a name
    header the first text column is the name.

    Raises
    ------
    InputError
        A column cannot be found, or a row is not a valid variant.

    Examples
    --------
    >>> t = pl.DataFrame({"Variant": ["A", "B"], "Besøgende": [1000.0, 1000.0],
    ...                   "Konverteringer": [40.0, 55.0]})
    >>> [v.conversions for v in variants_from_frame(t)]
    [40, 55]
    """
    found: dict[str, str] = {}
    for role, words in _VARIANT_WORDS.items():
        for column in frame.columns:
            if column in found.values():
                continue
            header = re.sub(r"[^\w ]+", " ", column.lower()).strip()
            if header in words:
                found[role] = column
                break
    if "name" not in found:
        text = [c for c, t in frame.schema.items() if t == pl.String and c not in found.values()]
        if text:
            found["name"] = text[0]
    missing = [role for role in ("name", "visitors", "conversions") if role not in found]
    if missing:
        have = ", ".join(f"‘{c}’" for c in frame.columns)
        raise InputError.of(f"abtest.error.no_column.{missing[0]}", have=have)
    out = []
    for row in frame.select(found["name"], found["visitors"], found["conversions"]).iter_rows():
        name, visitors, conversions = row
        if name is None and visitors is None and conversions is None:
            continue
        label = str(name) if name is not None else "?"
        if visitors is None or conversions is None:
            raise InputError.of("abtest.error.incomplete_row", name=label)
        out.append(Variant(label, visitors, conversions))
    return out


# ---------------------------------------------------------------------------
# Sample size and power
# ---------------------------------------------------------------------------


def _check_rate(value: float, what: str) -> None:
    """``what``: ``baseline`` or ``other`` (conversion rate)."""
    if not (isinstance(value, int | float) and 0.0 < value < 1.0):
        raise InputError.of(f"abtest.error.rate.{what}", value=str(value))


def _required_n(p1: float, p2: float, alpha: float, power: float) -> float:
    """The unrounded visitors per variant of the standard two-proportion formula."""
    z_a = normal_quantile(1.0 - alpha / 2.0)
    z_b = normal_quantile(power)
    mean = (p1 + p2) / 2.0
    spread = z_a * math.sqrt(2.0 * mean * (1.0 - mean)) + z_b * math.sqrt(
        p1 * (1.0 - p1) + p2 * (1.0 - p2)
    )
    return spread**2 / (p2 - p1) ** 2


def sample_size(
    baseline_rate: float,
    lift: float,
    *,
    alpha: float = 0.05,
    power: float = 0.8,
    relative: bool = True,
) -> int:
    """Visitors needed **per variant** to detect a lift with a two-sided test.

    The standard formula for two proportions (equal groups, normal
    approximation), with ``p̄ = (p1 + p2) / 2``::

        n = (z₁₋α/₂ · √(2 p̄ (1 − p̄)) + z₁₋β · √(p1 (1 − p1) + p2 (1 − p2)))² / (p2 − p1)²

    rounded up. It solves the same equation as R's
    ``power.prop.test`` (with ``strict = FALSE``).

    Parameters
    ----------
    baseline_rate
        The control's conversion rate ``p1`` (a share, ``0.10`` for 10 %).
    lift
        The smallest change worth detecting: relative (``0.2`` = 20 % better,
        so ``p2 = p1 · 1.2``) or, with ``relative=False``, absolute
        (``0.02`` = 2 percentage points, so ``p2 = p1 + 0.02``). Negative
        lifts (a drop) work the same way.
    alpha
        Two-sided significance level; with several variants pass the
        Bonferroni-adjusted one (``0.05 / (k − 1)``).
    power
        Chance of detecting the lift if it is real.

    Raises
    ------
    InputError
        Rates outside (0, 1) (also the rate the lift leads to), a zero lift,
        or ``alpha``/``power`` outside (0, 1).

    Examples
    --------
    A 10 % conversion rate, looking for a 20 % relative lift (to 12 %):

    >>> sample_size(0.10, 0.20)
    3841
    >>> sample_size(0.10, 0.02, relative=False)
    3841
    """
    _check_rate(baseline_rate, "baseline")
    for value, what in ((alpha, "alpha"), (power, "power")):
        if not 0.0 < value < 1.0:
            raise InputError.of(f"abtest.error.between.{what}", value=str(value))
    if lift == 0:
        raise InputError.of("abtest.error.zero_lift")
    target = baseline_rate * (1.0 + lift) if relative else baseline_rate + lift
    if not 0.0 < target < 1.0:
        raise InputError.of(
            f"abtest.error.lift_{'relative' if relative else 'absolute'}",
            lift=f"{lift:+g}",
            rate=f"{baseline_rate:g}",
            target=f"{target:g}",
        )
    return math.ceil(_required_n(baseline_rate, target, alpha, power) - 1e-9)


def detection_power(
    baseline_rate: float, other_rate: float, visitors: int, *, alpha: float = 0.05
) -> float:
    """Chance that a two-sided test with ``visitors`` per variant detects a true difference.

    The power of the same normal approximation :func:`sample_size` inverts
    (the far tail is ignored, as ``power.prop.test`` does by default).

    >>> round(detection_power(0.50, 0.75, 50), 3)
    0.74
    """
    _check_rate(baseline_rate, "baseline")
    _check_rate(other_rate, "other")
    if visitors <= 0:
        return 0.0
    mean = (baseline_rate + other_rate) / 2.0
    z_a = normal_quantile(1.0 - alpha / 2.0)
    spread = math.sqrt(baseline_rate * (1 - baseline_rate) + other_rate * (1 - other_rate))
    shift = math.sqrt(visitors) * abs(other_rate - baseline_rate)
    return normal_cdf((shift - z_a * math.sqrt(2.0 * mean * (1.0 - mean))) / spread)


# ---------------------------------------------------------------------------
# The comparison
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ABResult:
    """The outcome of :func:`compare`.

    Attributes
    ----------
    control
        The name of the variant the others are compared with.
    alpha
        The overall significance level asked for.
    adjusted_alpha
        The level each comparison is judged at: ``alpha / (k − 1)`` with
        ``k`` variants (Bonferroni); ``alpha`` itself for two.
    confidence
        The level of the difference intervals, ``1 − adjusted_alpha``.
    table
        One row per variant, control first, in the order given:
        ``variant``, ``visitors``, ``conversions``, ``rate`` (share in
        [0, 1]), ``diff``, ``diff_low``, ``diff_high`` (difference from the
        control and its interval, in **percentage points**), ``lift``
        (relative to the control's rate, ``0.2`` = +20 %), ``z``,
        ``p_value``, ``significant`` (``p_value < adjusted_alpha``),
        ``outcome`` (``control``, ``better``, ``worse``,
        ``no_clear_difference``, ``too_few``), ``more_needed`` (extra
        visitors per variant for ``too_few``, when it can be estimated) and
        ``verdict`` (one sentence). The comparison columns are null on the
        control's row.
    sentences
        The verdicts of the non-control variants, then a note on the
        Bonferroni adjustment when there are more than two variants.
    """

    control: str
    alpha: float
    adjusted_alpha: float
    confidence: float
    table: pl.DataFrame
    sentences: tuple[str, ...]


_TABLE_SCHEMA: dict[str, pl.DataType] = {
    "variant": pl.String(),
    "visitors": pl.Int64(),
    "conversions": pl.Int64(),
    "rate": pl.Float64(),
    "diff": pl.Float64(),
    "diff_low": pl.Float64(),
    "diff_high": pl.Float64(),
    "lift": pl.Float64(),
    "z": pl.Float64(),
    "p_value": pl.Float64(),
    "significant": pl.Boolean(),
    "outcome": pl.String(),
    "more_needed": pl.Int64(),
    "verdict": pl.String(),
}


def _loc(locale: str) -> str:
    return LOCALES.get(locale, LOCALES["en"])


def _pct(rate: float, locale: str = "en") -> str:
    """``12.5%``; rates under 10 % with two decimals (``1.11%``), where one hides differences."""
    digits = "0" if rate == 0 or rate >= 0.1 else "00"
    pattern = f"#,##0.{digits}%" if locale == "en" else f"#,##0.{digits}\u00a0%"
    return format_percent(rate, format=pattern, locale=_loc(locale))


def _pp(diff_pp: float, decimals: int | None = None, *, locale: str = "en") -> str:
    """``+1.2 pp``; under one point with two decimals (``−0.01 pp``)."""
    if decimals is None:
        decimals = 1 if abs(diff_pp) >= 0.995 else 2
    shown = round(diff_pp, decimals)
    sign = "±" if shown == 0 else ("+" if shown > 0 else "−")
    number = format_decimal(abs(shown), format="0." + "0" * decimals, locale=_loc(locale))
    return sign + t("common.pp", locale=locale, value=number)


def _whole_percent(share: float, locale: str = "en") -> str:
    """``20%`` in English, ``20 %`` in the Nordic languages; ``+50%`` with ``signed``."""
    pattern = "#,##0%" if locale == "en" else "#,##0\u00a0%"
    return format_percent(share, format=pattern, locale=_loc(locale))


def _level(confidence: float, locale: str = "en") -> str:
    """``95 %``, ``97.5 %``."""
    number = format_decimal(float(f"{confidence * 100:.4g}"), format="0.##", locale=_loc(locale))
    return f"{number} %" if locale == "en" else f"{number}\u00a0%"


def _decimal(x: float, locale: str = "en") -> str:
    """``0.025`` (``0,025`` in Danish): a level as the language writes it."""
    return format_decimal(float(f"{x:.3g}"), format="0.######", locale=_loc(locale))


def _p_text(p: float, locale: str = "en") -> str:
    if p < 0.001:
        return f"p < {format_decimal(0.001, format='0.000', locale=_loc(locale))}"
    shown = format_decimal(p, format="0.000" if p < 0.01 else "0.00", locale=_loc(locale))
    return f"p = {shown}"


def _count(n: int, locale: str = "en") -> str:
    return format_decimal(n, format="#,##0", locale=_loc(locale))


@dataclass(frozen=True)
class _Comparison:
    diff: float
    low: float
    high: float
    lift: float | None
    z: float
    p: float
    significant: bool
    outcome: Outcome
    more_needed: int | None
    verdict: str


def _thin_reason(c: Variant, v: Variant, locale: str = "en") -> str:
    """Which group fails the 10-and-10 rule, in words: ``B has only 3 conversions``."""
    parts = []
    for g in (v, c):
        misses = g.visitors - g.conversions
        if g.conversions == 0:
            parts.append(
                t(
                    "abtest.reason.no_conversions",
                    locale=locale,
                    name=g.name,
                    visitors=_count(g.visitors, locale),
                )
            )
        elif g.conversions < MIN_EVENTS:
            parts.append(
                t("abtest.reason.few_conversions", locale=locale, count=g.conversions, name=g.name)
            )
        if 0 < misses < MIN_EVENTS:
            parts.append(t("abtest.reason.few_misses", locale=locale, count=misses, name=g.name))
        elif misses == 0:
            parts.append(
                t(
                    "abtest.reason.all_converted",
                    locale=locale,
                    name=g.name,
                    visitors=_count(g.visitors, locale),
                )
            )
    return join_words(parts, locale=locale)


def _visitors_for_events(g: Variant) -> tuple[int, bool]:
    """Visitors ``g`` needs for 10 conversions and 10 non-conversions at its current rate.

    With none of one kind yet, its rate is taken at the "rule of three"
    upper bound ``3 / n`` (95 % confidence), so the answer is a minimum:
    ``(visitors, at_least)``.
    """
    needed, at_least = g.visitors, False
    for events in (g.conversions, g.visitors - g.conversions):
        if events >= MIN_EVENTS:
            continue
        if events == 0:
            needed, at_least = max(needed, math.ceil(MIN_EVENTS * g.visitors / 3)), True
        else:
            needed = max(needed, math.ceil(MIN_EVENTS * g.visitors / events))
    return needed, at_least


def _more_for_thin(c: Variant, v: Variant, alpha: float) -> tuple[int, bool]:
    """Extra visitors per variant to pass the 10-and-10 rule (and the power, when in reach).

    Returns ``(more, at_least)``; ``at_least`` when a group has none of one
    kind yet (see :func:`_visitors_for_events`) or the power could not be
    estimated.
    """
    more, at_least = 0, False
    for g in (c, v):
        needed, unsure = _visitors_for_events(g)
        more, at_least = max(more, needed - g.visitors), at_least or unsure
    pc, pv = c.rate, v.rate
    if pv != pc and 0.0 < pc < 1.0 and 0.0 < pv < 1.0:
        current = min(c.visitors, v.visitors)
        n_power = math.ceil(_required_n(pc, pv, alpha, TARGET_POWER))
        if n_power <= REACHABLE_FACTOR * (current + more):
            more = max(more, n_power - current)
        else:
            at_least = True
    else:
        at_least = True
    return max(more, 1), at_least


def _compare_one(c: Variant, v: Variant, alpha: float, k: int, locale: str = "en") -> _Comparison:
    pc, pv = c.rate, v.rate
    diff = pv - pc
    se_unpooled = math.sqrt(pc * (1 - pc) / c.visitors + pv * (1 - pv) / v.visitors)
    z_crit = normal_quantile(1.0 - alpha / 2.0)
    low, high = diff - z_crit * se_unpooled, diff + z_crit * se_unpooled
    pooled = (c.conversions + v.conversions) / (c.visitors + v.visitors)
    se_pooled = math.sqrt(pooled * (1 - pooled) * (1 / c.visitors + 1 / v.visitors))
    z = diff / se_pooled if se_pooled > 0 else 0.0
    p = _two_sided_p(z) if se_pooled > 0 else 1.0
    lift = diff / pc if pc > 0 else None
    significant = p < alpha
    names = {"variant": v.name, "control": c.name}
    rates = {"variant_rate": _pct(pv, locale), "control_rate": _pct(pc, locale)}
    so_far = t("abtest.so_far", locale=locale, p=_p_text(p, locale), **rates)
    enough = min(
        c.conversions, c.visitors - c.conversions, v.conversions, v.visitors - v.conversions
    )
    more: int | None = None
    if enough < MIN_EVENTS:
        outcome: Outcome = "too_few"
        more, at_least = _more_for_thin(c, v, alpha)
        reason = _thin_reason(c, v, locale)
        verdict = t(
            "abtest.verdict.too_few_at_least" if at_least else "abtest.verdict.too_few_about",
            locale=locale,
            more=_count(more, locale),
            reason=reason[:1].upper() + reason[1:],
            minimum=MIN_EVENTS,
            so_far=so_far,
            **names,
        )
    elif significant:
        outcome = "better" if diff > 0 else "worse"
        lift_text = (
            "–" if lift is None else ("+" if lift >= 0 else "−") + _whole_percent(abs(lift), locale)
        )
        verdict = t(
            f"abtest.verdict.{outcome}{'_strict' if k > 2 else ''}",
            locale=locale,
            diff=_pp(diff * 100, locale=locale),
            lift=lift_text,
            p=_p_text(p, locale),
            alpha=_decimal(alpha, locale),
            k=k,
            **names,
            **rates,
        )
    else:
        current = min(c.visitors, v.visitors)
        needed = _required_n(pc, pv, alpha, TARGET_POWER) if diff != 0 else math.inf
        if needed <= REACHABLE_FACTOR * current:
            outcome = "too_few"
            more = max(math.ceil(needed) - current, 1)
            chance = detection_power(pc, pv, current, alpha=alpha)
            verdict = t(
                "abtest.verdict.too_few_power",
                locale=locale,
                more=_count(more, locale),
                diff=_pp(diff * 100, locale=locale),
                so_far=so_far,
                chance=_whole_percent(chance, locale),
                **names,
            )
        else:
            outcome = "no_clear_difference"
            decimals = 1 if max(abs(low), abs(high)) * 100 >= 0.995 else 2
            verdict = t(
                "abtest.verdict.no_clear_difference",
                locale=locale,
                so_far=so_far,
                low=_pp(low * 100, decimals, locale=locale),
                high=_pp(high * 100, decimals, locale=locale),
                level=_level(1 - alpha, locale),
                **names,
            )
    return _Comparison(
        diff * 100,
        low * 100,
        high * 100,
        lift,
        z,
        p,
        significant,
        outcome,
        more,
        verdict,
    )


def compare(
    variants: Sequence[Variant],
    *,
    control: str | None = None,
    alpha: float = 0.05,
    locale: str = "en",
) -> ABResult:
    """Compare every variant with the control; see the module notes for the rules.

    Parameters
    ----------
    variants
        Two or more variants with distinct names.
    control
        The name of the control; default the first variant.
    alpha
        The overall two-sided significance level (Bonferroni-split over the
        comparisons when there are more than two variants).
    locale
        The language of the verdicts and sentences (and of the numbers in them).

    Raises
    ------
    InputError
        Fewer than two variants, repeated names, an unknown control, or
        ``alpha`` outside (0, 1).

    Examples
    --------
    >>> r = compare([Variant("A", 150, 0), Variant("B", 140, 3)])
    >>> r.table.filter(pl.col("variant") == "B")["outcome"].item()
    'too_few'
    """
    variants = list(variants)
    if len(variants) < 2:
        raise InputError.of("abtest.error.two_variants")
    if not 0.0 < alpha < 1.0:
        raise InputError.of("abtest.error.between.alpha", value=str(alpha))
    seen: dict[str, str] = {}
    for v in variants:
        key = v.name.casefold()
        if key in seen:
            raise InputError.of("abtest.error.same_name", name=v.name)
        seen[key] = v.name
    if control is None:
        base = variants[0]
    else:
        matches = [v for v in variants if v.name.casefold() == control.strip().casefold()]
        if not matches:
            names = ", ".join(f"‘{v.name}’" for v in variants)
            raise InputError.of("abtest.error.no_control", control=control, names=names)
        base = matches[0]
    k = len(variants)
    adjusted = alpha / (k - 1)
    rows: list[dict[str, object]] = []
    sentences: list[str] = []
    for v in variants:
        row: dict[str, object] = {
            "variant": v.name,
            "visitors": v.visitors,
            "conversions": v.conversions,
            "rate": v.rate,
        }
        if v is base:
            verdict = t("abtest.verdict.control", locale=locale, name=v.name)
            row |= {"outcome": "control", "verdict": verdict}
        else:
            cmp = _compare_one(base, v, adjusted, k, locale)
            row |= {
                "diff": cmp.diff,
                "diff_low": cmp.low,
                "diff_high": cmp.high,
                "lift": cmp.lift,
                "z": cmp.z,
                "p_value": cmp.p,
                "significant": cmp.significant,
                "outcome": cmp.outcome,
                "more_needed": cmp.more_needed,
                "verdict": cmp.verdict,
            }
            sentences.append(cmp.verdict)
        rows.append(row)
    if k > 2:
        sentences.append(
            t(
                "abtest.bonferroni",
                locale=locale,
                k=k,
                control=base.name,
                adjusted=_decimal(adjusted, locale),
                alpha=_decimal(alpha, locale),
            )
        )
    table = pl.DataFrame(
        [{col: row.get(col) for col in _TABLE_SCHEMA} for row in rows], schema=_TABLE_SCHEMA
    )
    # The control first, the others in the order given.
    table = pl.concat(
        [table.filter(pl.col("variant") == base.name), table.filter(pl.col("variant") != base.name)]
    )
    return ABResult(
        control=base.name,
        alpha=alpha,
        adjusted_alpha=adjusted,
        confidence=1.0 - adjusted,
        table=table,
        sentences=tuple(sentences),
    )


def result_dict(result: ABResult) -> Mapping[str, object]:
    """The result as plain JSON-ready data, for the command line."""
    return {
        "control": result.control,
        "alpha": result.alpha,
        "adjusted_alpha": result.adjusted_alpha,
        "confidence": result.confidence,
        "variants": result.table.to_dicts(),
        "sentences": list(result.sentences),
    }
