"""The funnel from aggregated data: where in the journey people are lost.

The input is mapped rows (daily, weekly or monthly, see
:func:`kpi_core.mapping.apply_mapping`) with any of the journey fields
``impressions → clicks → sessions → leads → mqls → sqls → customers``.
For lead-level CRM exports see :mod:`kpi_core.leads`.

Three rules shape every number here, the same as in :mod:`kpi_core.compute`:

* **Counts are sums over the period, rates are ratios of sums** taken over
  the rows where both stages were recorded, so a step rate here is the same
  number as the catalogue KPI on the scorecard (``lead_to_mql`` …).
* **A later stage can outnumber an earlier one** on aggregated data:
  sessions include organic visitors who never clicked an ad. The count is
  kept as it is, but the step is not a conversion, so its
  ``pct_of_previous`` and ``drop`` are ``null``, its ``note`` says why and
  an :class:`~kpi_core.issues.Issue` explains it in words.
* **No data is not zero**: a stage not recorded for a channel is left out
  of that channel's funnel rather than shown as 0.

>>> import datetime as dt
>>> rows = pl.DataFrame({
...     "date": [dt.date(2026, 1, 1), dt.date(2026, 1, 2)],
...     "sessions": [600.0, 400.0], "leads": [30.0, 20.0], "customers": [6.0, 4.0],
... })
>>> f = funnel(rows)
>>> f.steps.select("stage", "count", "pct_of_previous").rows()
[('sessions', 1000.0, None), ('leads', 50.0, 0.05), ('customers', 10.0, 0.2)]
>>> f.traffic_to_lead, f.lead_to_customer
(0.05, 0.2)
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import re
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl
from babel import Locale
from babel.numbers import format_percent

from kpi_core.catalogue import KPIS, Stage
from kpi_core.compute import Period, kpi_frame
from kpi_core.fields import FIELDS_BY_ID, FUNNEL_ORDER
from kpi_core.i18n import (
    LOCALES,
    format_number,
    in_sentence,
    join_words,
    period_name,
    t,
)
from kpi_core.issues import InputError, Issue, issue

#: Where each funnel field sits in the journey; taken from the catalogue so the
#: funnel page and the scorecard always agree.
JOURNEY_STAGE: dict[str, Stage] = {f: KPIS[f].stage for f in FUNNEL_ORDER}

#: One of each stage, for step labels such as "Lead → MQL".
NOUN: dict[str, str] = {
    "impressions": "Impression",
    "clicks": "Click",
    "sessions": "Session",
    "leads": "Lead",
    "mqls": "MQL",
    "sqls": "SQL",
    "customers": "Customer",
}

#: Periods per year, to find the same period last year on a complete grid.
_PER_YEAR: dict[str, int] = {"month": 12, "quarter": 4, "year": 1}


@dataclass(frozen=True)
class Step:
    """A move from one funnel stage to the next one recorded.

    Attributes
    ----------
    id
        The catalogue KPI id when the step is one (``"lead_to_mql"``,
        ``"traffic_to_lead"``, ``"ctr"`` …), else ``"<source>_to_<target>"``
        (``"clicks_to_sessions"``).
    source, target
        Canonical field ids.
    """

    id: str
    source: str
    target: str

    @property
    def label(self) -> str:
        """``"Lead → MQL"`` (in English; :meth:`name` in any language)."""
        return self.name("en")

    def name(self, locale: str = "en") -> str:
        """``"Lead → MQL"``; ``"Besøg → lead"`` in Danish."""
        return t(
            "funnel.step_label",
            locale=locale,
            source=noun(self.source, locale=locale),
            target=in_sentence(noun(self.target, locale=locale)),
        )


def noun(stage: str, *, locale: str = "en") -> str:
    """One of a funnel stage, capitalised: ``"Session"``, ``"Besøg"`` in Danish."""
    return t(f"funnel.noun.{stage}", locale=locale)


def step_of(step_id: str) -> Step | None:
    """The step a step id names (``"lead_to_mql"``, ``"clicks_to_sessions"``), if any."""
    k = KPIS.get(step_id)
    if k is not None and k.is_rate and k.denominator in NOUN and k.numerator in NOUN:
        return Step(step_id, str(k.denominator), str(k.numerator))
    source, _, target = step_id.partition("_to_")
    if source in NOUN and target in NOUN:
        return Step(step_id, source, target)
    return None


def step_name(step_id: str, *, locale: str = "en") -> str:
    """A step's label from its id in ``locale``: ``"Lead → MQL"``; the id if unknown."""
    step = step_of(step_id)
    return step.name(locale) if step is not None else step_id


def _stage_name(stage: str, locale: str) -> str:
    """A funnel stage's field name (``"Sessions"``, ``"Besøg"``)."""
    return FIELDS_BY_ID[stage].name(locale)


def step_between(source: str, target: str) -> Step:
    """The step from ``source`` to ``target``, named after its catalogue KPI if it has one.

    >>> step_between("leads", "mqls").id
    'lead_to_mql'
    >>> step_between("clicks", "sessions").label
    'Click → session'
    """
    for k in KPIS.values():
        if k.is_rate and k.numerator == target and k.denominator == source:
            return Step(k.id, source, target)
    return Step(f"{source}_to_{target}", source, target)


@dataclass(frozen=True)
class Funnel:
    """The funnel of one stretch of time, whole or split by a dimension.

    Attributes
    ----------
    steps
        One row per recorded stage (per ``by`` value), in journey order: the
        ``by`` column, ``stage`` (field id), ``label``, ``journey_stage``
        (Awareness/Engagement/Conversion), ``step`` and ``step_label`` (the
        move from the previous stage; null on the first), ``count``,
        ``drop`` (previous − count), ``pct_of_previous``, ``pct_of_first``
        (shares in [0, 1]) and ``note`` (why a rate is blank).
    key_rates
        Traffic to lead (TTL = Σleads/Σsessions) and lead to customer
        (LTC = Σcustomers/Σleads), per ``by`` value (one row when not split).
    traffic_to_lead, lead_to_customer
        TTL and LTC over all the rows; ``None`` when a field is missing.
    issues
        Findings in words, e.g. a stage that outnumbers the one before it.
    """

    steps: pl.DataFrame
    key_rates: pl.DataFrame
    traffic_to_lead: float | None
    lead_to_customer: float | None
    issues: tuple[Issue, ...]


@dataclass(frozen=True)
class Leak:
    """The funnel step furthest below its own usual rate; see :func:`biggest_leak`."""

    step: str  # "lead_to_mql"
    label: str  # "Lead → MQL"
    period: str  # "2026-10"
    rate: float
    usual: float  # median of the history
    gap_pp: float  # (rate − usual) × 100, negative
    relative: float  # rate / usual − 1, negative: the share of the flow lost at this step
    z: float  # gap / spread of the history
    history_periods: int
    benchmark: tuple[float, float] | None
    sentence: str


_STEP_SCHEMA: dict[str, Any] = {
    "stage": pl.String,
    "label": pl.String,
    "journey_stage": pl.String,
    "step": pl.String,
    "step_label": pl.String,
    "count": pl.Float64,
    "drop": pl.Float64,
    "pct_of_previous": pl.Float64,
    "pct_of_first": pl.Float64,
    "note": pl.String,
}


def funnel_stages(data: pl.DataFrame) -> tuple[str, ...]:
    """The journey fields mapped in ``data`` that hold at least one number, in journey order."""
    return tuple(
        f for f in FUNNEL_ORDER if f in data.columns and data[f].null_count() < data.height
    )


def _chosen_stages(
    data: pl.DataFrame, stages: Sequence[str] | None, *, locale: str = "en"
) -> list[str]:
    if stages is None:
        chosen = list(funnel_stages(data))
    else:
        unknown = [s for s in stages if s not in FUNNEL_ORDER]
        if unknown:
            raise InputError.of(
                "funnel.error.not_a_stage",
                names=", ".join(unknown),
                stages=", ".join(FUNNEL_ORDER),
            )
        missing = [s for s in stages if s not in data.columns]
        if missing:
            names = join_words([_stage_name(s, locale) for s in missing], locale=locale)
            raise InputError.of("funnel.error.not_mapped", names=names)
        chosen = [f for f in FUNNEL_ORDER if f in set(stages)]
    if len(chosen) < 2:
        names = ", ".join(_stage_name(f, locale) for f in FUNNEL_ORDER)
        raise InputError.of("funnel.error.two_stages", names=names)
    return chosen


def _date_range(data: pl.DataFrame, start: dt.date | None, end: dt.date | None) -> pl.DataFrame:
    if start is None and end is None:
        return data
    if "date" not in data.columns:
        raise InputError.of("funnel.error.no_date")
    day = pl.col("date").cast(pl.Date)
    keep = pl.lit(True)
    if start is not None:
        keep &= day >= start
    if end is not None:
        keep &= day <= end
    return data.filter(keep)


def _pair_sums(rows: pl.DataFrame, stages: Sequence[str], keys: Sequence[str]) -> pl.DataFrame:
    """Per group: each stage's sum, and for every pair the paired sums.

    ``s|a`` is Σa (null when a was never recorded); for each pair a before b,
    ``d|a|b`` and ``n|a|b`` are Σa and Σb over the rows holding both (the
    ratio's denominator and numerator, as in :func:`kpi_core.compute.kpi_frame`)
    and ``u|a|b`` is Σb over the rows where a is blank (why b can outnumber a).
    """
    aggs: list[pl.Expr] = [
        pl.when(pl.col(s).is_not_null().any()).then(pl.col(s).sum()).alias(f"s|{s}") for s in stages
    ]
    for i, a in enumerate(stages):
        for b in stages[i + 1 :]:
            both = pl.col(a).is_not_null() & pl.col(b).is_not_null()
            aggs += [
                pl.col(a).filter(both).sum().alias(f"d|{a}|{b}"),
                pl.col(b).filter(both).sum().alias(f"n|{a}|{b}"),
                both.any().alias(f"any|{a}|{b}"),
                pl.col(b).filter(pl.col(a).is_null()).sum().alias(f"u|{a}|{b}"),
            ]
    cast = rows.with_columns(pl.col(s).cast(pl.Float64) for s in stages)
    if not keys:
        return cast.select(aggs)
    return cast.group_by(list(keys)).agg(aggs).sort(list(keys), nulls_last=True)


def _paired_rate(group: Mapping[str, Any], a: str, b: str) -> float | None:
    den = group.get(f"d|{a}|{b}")
    if not group.get(f"any|{a}|{b}") or not den:
        return None
    return float(group[f"n|{a}|{b}"]) / float(den)


def _num(x: float, locale: str = "en") -> float:
    """A count rounded as a person writes it; the message formats it for its language.

    A number (not a string) in an issue's values is formatted when the issue is read, so
    ``Issue.text("da")`` writes ``1.000`` even for an issue made in English.
    """
    return float(round(x)) if abs(x) >= 100 or float(x).is_integer() else round(x, 1)


def _for_group(found: Issue, group_name: str | None, *, locale: str) -> Issue:
    """``found``, said of one group (``For Ads: …``) when the funnel is split."""
    if not group_name:
        return found
    return issue(
        found.level,
        found.field,
        "funnel.for_group",
        examples=found.examples,
        count=found.count,
        group=group_name,
        finding=found.text(locale),
    )


def _rise_issue(
    rows: pl.DataFrame,
    group: Mapping[str, Any],
    a: str,
    b: str,
    *,
    by: str | None,
    group_name: str | None,
    locale: str = "en",
) -> Issue:
    """Explain why stage ``b`` outnumbers stage ``a`` (sessions > clicks)."""
    la, lb = _stage_name(a, locale), _stage_name(b, locale)
    names = {
        "source": in_sentence(la),
        "target": in_sentence(lb),
        "source_name": la,
        "target_name": lb,
        "step": step_between(a, b).name(locale),
    }
    count_a, count_b = group[f"s|{a}"], group[f"s|{b}"]
    unpaired = group.get(f"u|{a}|{b}") or 0.0
    paired = _paired_rate(group, a, b)
    examples: tuple[str, ...] = ()
    if count_b <= count_a:
        # Only the rows holding both numbers rise: b counts people a never saw.
        num, den = group[f"n|{a}|{b}"], group[f"d|{a}|{b}"]
        found = issue(
            "info",
            b,
            "funnel.rise.on_rows_with_both",
            target_count=_num(num, locale),
            source_count=_num(den, locale),
            **names,
        )
        return _for_group(found, group_name, locale=locale)
    # With a true rate on the rows that have both, the finding also says it per 100.
    tail = "_per_100" if paired is not None and paired <= 1 else ""
    per_100 = float(round(paired * 100)) if tail and paired is not None else 0.0
    counts = {"target_count": _num(count_b, locale), "source_count": _num(count_a, locale)}
    if tail:
        counts["per_100"] = per_100
    if unpaired > 0:
        channels = ""
        if "channel" in rows.columns and by != "channel":
            mine = rows if by is None else rows.filter(pl.col(by).eq_missing(group[by]))
            sources = (
                mine.filter(pl.col(b).is_not_null() & pl.col(a).is_null())
                .group_by("channel")
                .agg(pl.col(b).sum())
                .sort(b, descending=True)
            )
            found_names = [str(c) for c in sources["channel"].to_list() if c is not None]
            examples = tuple(found_names[:5])
            if found_names:
                channels = f" ({', '.join(found_names[:5])})"
        found = issue(
            "info",
            b,
            f"funnel.rise.unpaired{tail}",
            examples=examples,
            count=int(unpaired),
            unpaired=_num(unpaired, locale),
            channels=channels,
            **counts,
            **names,
        )
    else:
        found = issue("info", b, f"funnel.rise.total{tail}", **counts, **names)
    return _for_group(found, group_name, locale=locale)


def _note(kind: str, source: str, target: str, *, locale: str) -> str:
    """Why a step has no rate: ``"more"`` (the later stage rises) or ``"no_rate"``."""
    return t(
        f"funnel.note.{kind}",
        locale=locale,
        source=in_sentence(_stage_name(source, locale)),
        target=in_sentence(_stage_name(target, locale)),
    )


def _group_steps(
    rows: pl.DataFrame,
    group: Mapping[str, Any],
    stages: Sequence[str],
    *,
    by: str | None,
    locale: str = "en",
) -> tuple[list[dict[str, Any]], list[Issue]]:
    """The funnel rows of one group (one channel, or everything)."""
    group_name = None if by is None else str(group[by])
    present = [s for s in stages if group[f"s|{s}"] is not None]
    out: list[dict[str, Any]] = []
    issues: list[Issue] = []
    if not present:
        return out, issues
    first_count = float(group[f"s|{present[0]}"])
    prev: str | None = None
    for s in present:
        count = float(group[f"s|{s}"])
        row: dict[str, Any] = {
            "stage": s,
            "label": _stage_name(s, locale),
            "journey_stage": JOURNEY_STAGE[s],
            "step": None,
            "step_label": None,
            "count": count,
            "drop": None,
            "pct_of_previous": None,
            "pct_of_first": None,
            "note": None,
        }
        if by is not None:
            row = {by: group[by], **row}
        if prev is None:
            row["pct_of_first"] = 1.0 if count > 0 else None
        else:
            step = step_between(prev, s)
            row["step"], row["step_label"] = step.id, step.name(locale)
            prev_count = float(group[f"s|{prev}"])
            paired = _paired_rate(group, prev, s)
            if count > prev_count or (paired is not None and paired > 1):
                row["note"] = _note("more", prev, s, locale=locale)
                issues.append(
                    _rise_issue(rows, group, prev, s, by=by, group_name=group_name, locale=locale)
                )
            elif paired is None:
                row["drop"] = prev_count - count
                row["note"] = _note("no_rate", prev, s, locale=locale)
            else:
                row["drop"] = prev_count - count
                row["pct_of_previous"] = paired
                den, num = group[f"d|{prev}|{s}"], group[f"n|{prev}|{s}"]
                if den != prev_count or num != count:
                    # Same rule as the scorecard: blanks must not dilute the rate.
                    found = issue(
                        "info",
                        s,
                        "funnel.measured_on_rows_with_both",
                        step=step.name(locale),
                        rate=round(paired * 100, 1),
                        source_name=_stage_name(prev, locale),
                        target_name=_stage_name(s, locale),
                        num=_num(num, locale),
                        den=_num(den, locale),
                    )
                    issues.append(_for_group(found, group_name, locale=locale))
            if first_count > 0 and count <= first_count:
                row["pct_of_first"] = count / first_count
        out.append(row)
        prev = s
    return out, issues


def localized_steps(steps: pl.DataFrame, *, locale: str = "en") -> pl.DataFrame:
    """A steps frame (:attr:`Funnel.steps`, ``LeadSummary.funnel``) with its words in ``locale``.

    ``label``, ``step_label`` and ``note`` are said again from the ids, so a frame made
    in one language (e.g. cached) can be shown in another.
    """
    out = steps
    if "stage" in out.columns and "label" in out.columns:
        labels = [None if s is None else _stage_name(s, locale) for s in out["stage"]]
        out = out.with_columns(pl.Series("label", labels, pl.String))
    if "step" in out.columns and "step_label" in out.columns:
        labels = [None if s is None else step_name(s, locale=locale) for s in out["step"]]
        out = out.with_columns(pl.Series("step_label", labels, pl.String))
    if {"note", "step", "drop"} <= set(out.columns):
        notes = []
        for row in out.select("step", "note", "drop").iter_rows(named=True):
            step = step_of(row["step"]) if row["step"] else None
            if row["note"] is None or step is None:
                notes.append(row["note"])
            else:
                kind = "no_rate" if row["drop"] is not None else "more"
                notes.append(_note(kind, step.source, step.target, locale=locale))
        out = out.with_columns(pl.Series("note", notes, dtype=pl.String))
    return out


def _key_rates(group: Mapping[str, Any], stages: Sequence[str]) -> tuple[float | None, ...]:
    def rate(a: str, b: str) -> float | None:
        if a not in stages or b not in stages:
            return None
        r = _paired_rate(group, a, b)
        return r if r is not None and r <= 1 else None

    return rate("sessions", "leads"), rate("leads", "customers")


def funnel(
    data: pl.DataFrame,
    *,
    by: str | None = None,
    stages: Sequence[str] | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    locale: str = "en",
) -> Funnel:
    """The funnel over all rows (or ``start``–``end``), whole or per ``by`` value.

    Parameters
    ----------
    data
        Mapped rows with some of the fields in :data:`kpi_core.fields.FUNNEL_ORDER`.
    by
        A dimension column (``"channel"``) for one funnel per value; each
        value's funnel starts at its first recorded stage (organic search
        starts at sessions, it has no impressions).
    stages
        The stages to show; default every mapped stage with numbers.
    start, end
        Limit to these dates (both included); needs a ``date`` column.
    locale
        The language of the labels, notes and issues.

    Returns
    -------
    Funnel
        ``steps`` (a long frame), TTL and LTC, and the issues.

    Raises
    ------
    InputError
        Fewer than two stages, an unknown stage or a missing ``by`` column.
    """
    chosen = _chosen_stages(data, stages, locale=locale)
    if by is not None and by not in data.columns:
        name = _stage_name(by, locale) if by in FIELDS_BY_ID else by
        raise InputError.of("funnel.error.no_split", by=in_sentence(name))
    rows = _date_range(data, start, end)
    keys = [by] if by else []
    overall = _pair_sums(rows, chosen, [])
    grouped = _pair_sums(rows, chosen, keys) if keys else overall
    records: list[dict[str, Any]] = []
    issues: list[Issue] = []
    rates: list[dict[str, Any]] = []
    for group in grouped.iter_rows(named=True):
        recs, found = _group_steps(rows, group, chosen, by=by, locale=locale)
        records += recs
        issues += found
        ttl, ltc = _key_rates(group, chosen)
        rates.append(
            {**({by: group[by]} if by else {}), "traffic_to_lead": ttl, "lead_to_customer": ltc}
        )
    by_schema = {by: rows.schema[by]} if by else {}
    steps = pl.DataFrame(records, schema={**by_schema, **_STEP_SCHEMA}, orient="row")
    key_rates = pl.DataFrame(
        rates,
        schema={**by_schema, "traffic_to_lead": pl.Float64, "lead_to_customer": pl.Float64},
        orient="row",
    )
    ttl, ltc = _key_rates(overall.row(0, named=True), chosen)
    return Funnel(steps, key_rates, ttl, ltc, tuple(issues))


# ---------------------------------------------------------------------------
# Over time
# ---------------------------------------------------------------------------


def funnel_trend(
    data: pl.DataFrame,
    *,
    period: Period = "month",
    by: str | None = None,
    stages: Sequence[str] | None = None,
    locale: str = "en",
) -> pl.DataFrame:
    """Each step's conversion rate per period, with its change in percentage points.

    The sums per period come from :func:`kpi_core.compute.kpi_frame` over the
    rows where both stages of the step were recorded, so ``lead_to_mql``
    here equals the scorecard's ``lead_to_mql``. A period where the later
    stage outnumbers the earlier one has ``rate`` null and ``exceeds`` true.

    Returns
    -------
    pl.DataFrame
        One row per step, (``by`` value) and period, every period of the
        range present: ``step``, ``step_label``, ``source``, ``target``,
        (``by``), ``period``, ``period_start``, ``complete``,
        ``source_count``, ``target_count``, ``rate``, ``exceeds``,
        ``vs_previous_pp`` and ``vs_last_year_pp`` (percentage points; null
        when either period has no rate).
    """
    chosen = _chosen_stages(data, stages, locale=locale)
    if period not in _PER_YEAR:
        raise InputError.of("funnel.error.unknown_period", period=repr(period))
    keys = [by] if by else []
    frames = []
    for a, b in itertools.pairwise(chosen):
        step = step_between(a, b)
        both = pl.col(a).is_not_null() & pl.col(b).is_not_null()
        paired = data.select(
            "date",
            *keys,
            pl.when(both).then(pl.col(a)).cast(pl.Float64).alias(a),
            pl.when(both).then(pl.col(b)).cast(pl.Float64).alias(b),
        )
        kf = kpi_frame(paired, period=period, by=keys, kpis=[])
        frames.append(
            kf.select(
                pl.lit(step.id).alias("step"),
                pl.lit(step.name(locale)).alias("step_label"),
                pl.lit(a).alias("source"),
                pl.lit(b).alias("target"),
                *keys,
                "period",
                "period_start",
                "complete",
                pl.col(a).alias("source_count"),
                pl.col(b).alias("target_count"),
            )
        )
    out = pl.concat(frames, how="vertical")
    raw = pl.when(pl.col("source_count") > 0).then(pl.col("target_count") / pl.col("source_count"))
    out = out.with_columns(raw.alias("rate")).with_columns(
        (pl.col("rate") > 1).fill_null(False).alias("exceeds"),
        pl.when(pl.col("rate") <= 1).then(pl.col("rate")).alias("rate"),
    )
    group = ["step", *keys]
    shift_year = _PER_YEAR[period]
    return out.with_columns(
        ((pl.col("rate") - pl.col("rate").shift(1).over(group)) * 100).alias("vs_previous_pp"),
        ((pl.col("rate") - pl.col("rate").shift(shift_year).over(group)) * 100).alias(
            "vs_last_year_pp"
        ),
    )


# ---------------------------------------------------------------------------
# The biggest leak
# ---------------------------------------------------------------------------

#: 1.4826 × MAD estimates the standard deviation of normal data, robust to outliers.
_MAD_TO_SIGMA = 1.4826


def _fmt_pct(share: float, locale: str = "en") -> str:
    v = abs(share * 100)
    digits = 0 if v >= 10 else 1 if v >= 1 else 2
    loc = LOCALES.get(locale, LOCALES["en"])
    pattern = Locale.parse(loc).percent_formats[None].pattern.split(";")[0]
    if digits:
        pattern = re.sub(r"0(?!.*0)", "0." + "0" * digits, pattern)
    return format_percent(share, format=pattern, locale=loc)


def _fmt_pp(pp: float, locale: str = "en") -> str:
    v = abs(pp)
    digits = 0 if v >= 10 else 1 if v >= 1 else 2
    return t("common.pp", locale=locale, value=format_number(v, locale=locale, digits=digits))


def leak_table(
    data: pl.DataFrame,
    *,
    period: Period = "month",
    at: str | None = None,
    history: int = 12,
    benchmarks: Mapping[str, tuple[float, float]] | None = None,
    stages: Sequence[str] | None = None,
    locale: str = "en",
) -> pl.DataFrame:
    """Every step's rate in period ``at`` against its own history.

    Parameters
    ----------
    at
        A period label (``"2026-10"``); default the latest complete period
        with a rate.
    history
        How many earlier periods make "usual" (their median); periods
        without a rate are skipped.
    benchmarks
        Optional industry bands by step id, e.g. ``{"lead_to_mql": (0.5, 0.7)}``.

    Returns
    -------
    pl.DataFrame
        One row per step: ``step``, ``step_label``, ``period``, ``rate``,
        ``usual`` (median of the history), ``history_periods``, ``gap_pp``,
        ``relative`` (rate/usual − 1), ``spread`` (robust standard deviation
        of the history, at least the sampling error of the period's rate),
        ``z`` (gap/spread), ``bench_low``, ``bench_high``.
    """
    trend = funnel_trend(data, period=period, stages=stages, locale=locale)
    rated = trend.filter(pl.col("rate").is_not_null())
    if at is None:
        complete = rated.filter(pl.col("complete"))
        source = complete if not complete.is_empty() else rated
        if source.is_empty():
            raise InputError.of("funnel.error.no_rate")
        at = str(source.sort("period_start")["period"][-1])
    if at not in set(trend["period"].to_list()):
        raise InputError.of("funnel.error.no_period", period=at)
    at_start = trend.filter(pl.col("period") == at)["period_start"][0]
    records = []
    for step_id in trend["step"].unique(maintain_order=True).to_list():
        rows = rated.filter(pl.col("step") == step_id).sort("period_start")
        now = rows.filter(pl.col("period_start") == at_start)
        before = rows.filter(pl.col("period_start") < at_start).tail(history)
        hist = before["rate"].to_list()
        label = trend.filter(pl.col("step") == step_id)["step_label"][0]
        band = (benchmarks or {}).get(step_id)
        rec: dict[str, Any] = {
            "step": step_id,
            "step_label": label,
            "period": at,
            "rate": None,
            "usual": None,
            "history_periods": len(hist),
            "gap_pp": None,
            "relative": None,
            "spread": None,
            "z": None,
            "bench_low": band[0] if band else None,
            "bench_high": band[1] if band else None,
        }
        if not now.is_empty() and hist:
            rate = float(now["rate"][0])
            n = float(now["source_count"][0])
            usual = statistics.median(hist)
            mad = statistics.median(abs(h - usual) for h in hist)
            # A steady history can have a tiny spread; the period's own sampling
            # error is a floor, so a handful of leads cannot look "unusual".
            sampling = math.sqrt(max(usual * (1 - usual), 0.0) / n) if n > 0 else 0.0
            spread = max(_MAD_TO_SIGMA * mad, sampling, 1e-12)
            rec.update(
                rate=rate,
                usual=usual,
                gap_pp=(rate - usual) * 100,
                relative=rate / usual - 1 if usual > 0 else None,
                spread=spread,
                z=(rate - usual) / spread,
            )
        records.append(rec)
    schema = {
        "step": pl.String,
        "step_label": pl.String,
        "period": pl.String,
        "rate": pl.Float64,
        "usual": pl.Float64,
        "history_periods": pl.Int64,
        "gap_pp": pl.Float64,
        "relative": pl.Float64,
        "spread": pl.Float64,
        "z": pl.Float64,
        "bench_low": pl.Float64,
        "bench_high": pl.Float64,
    }
    return pl.DataFrame(records, schema=schema, orient="row")


def biggest_leak(
    data: pl.DataFrame,
    *,
    period: Period = "month",
    at: str | None = None,
    history: int = 12,
    min_history: int = 4,
    min_z: float = 2.0,
    min_drop: float = 0.10,
    benchmarks: Mapping[str, tuple[float, float]] | None = None,
    stages: Sequence[str] | None = None,
    locale: str = "en",
) -> Leak | None:
    """The step whose latest complete period is furthest below its own history.

    A step is a leak when its rate is both *unusual* (at least ``min_z``
    robust standard deviations below the median of its previous
    ``history`` periods) and *material* (at least ``min_drop``, e.g. 10 %,
    below that median, relatively). Among leaks, the one with the largest
    relative shortfall wins: in a chain of rates the final number of
    customers falls by the same share as any one step's rate, so the
    relative shortfall is what the leak costs. Percentage points alone
    would favour high rates (a 2 pp dip in lead → MQL over a halving of a
    1.5 % traffic-to-lead); the spread alone would favour steady rates (a
    click-through rate from 1.27 % to 1.22 % is "unusual" but costs 4 %).

    ``benchmarks`` (industry bands by step id) do not change which step is
    chosen, since the business's own history is the fairer yardstick; the
    band is reported with the leak and in its sentence.

    Returns
    -------
    Leak | None
        ``None`` when no step is clearly below its usual level, or there is
        too little history (fewer than ``min_history`` earlier periods).

    Examples
    --------
    On the sample workbook, ``biggest_leak(mapped).sentence`` is::

        Lead → MQL fell to 43% in October 2026, 16 pp below its usual 59%: the biggest
        leak in the funnel.
    """
    table = leak_table(
        data,
        period=period,
        at=at,
        history=history,
        benchmarks=benchmarks,
        stages=stages,
        locale=locale,
    )
    candidates = table.filter(
        (pl.col("history_periods") >= min_history)
        & (pl.col("z") <= -min_z)
        & (pl.col("relative") <= -min_drop)
    ).sort("relative")
    if candidates.is_empty():
        return None
    best = candidates.row(0, named=True)
    band = (best["bench_low"], best["bench_high"]) if best["bench_low"] is not None else None
    return Leak(
        step=best["step"],
        label=best["step_label"],
        period=best["period"],
        rate=best["rate"],
        usual=best["usual"],
        gap_pp=best["gap_pp"],
        relative=best["relative"],
        z=best["z"],
        history_periods=best["history_periods"],
        benchmark=band,
        sentence=leak_sentence(
            best["step_label"],
            best["period"],
            best["rate"],
            best["usual"],
            benchmark=band,
            locale=locale,
        ),
    )


def leak_sentence(
    label: str,
    period: str,
    rate: float,
    usual: float,
    *,
    benchmark: tuple[float, float] | None = None,
    locale: str = "en",
) -> str:
    """The leak in one plain sentence (``label`` is the step's label in ``locale``).

    >>> leak_sentence("Lead → MQL", "2026-10", 0.41, 0.58)
    'Lead → MQL fell to 41% in October 2026, 17 pp below its usual 58%: the biggest leak in the funnel.'
    """  # noqa: E501
    text = t(
        "funnel.leak.sentence",
        locale=locale,
        step=label,
        rate=_fmt_pct(rate, locale),
        period=period_name(period, locale=locale),
        gap=_fmt_pp((rate - usual) * 100, locale),
        usual=_fmt_pct(usual, locale),
    )
    if benchmark is not None:
        low, high = benchmark
        band = t("funnel.leak.band", locale=locale, low=_fmt_pct(low, locale),
                 high=_fmt_pct(high, locale))  # fmt: skip
        where = "below" if rate < low else "within" if rate <= high else "above"
        text += " " + t(f"funnel.leak.{where}_band", locale=locale, band=band)
    return text
