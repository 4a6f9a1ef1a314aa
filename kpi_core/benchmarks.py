"""Industry benchmarks and competitor comparison.

The built-in benchmark table (``data/benchmarks.csv``) holds published
figures, each with its definition, region, period and source. Nothing here
invents a figure: a KPI without a published benchmark simply has no band.

Conventions
-----------
* Percent KPIs are shares in [0, 1]; money is stored with its currency.
* Gaps are signed so that **negative always means worse** (in the KPI's
  direction): for "lower is better" KPIs such as cost per click, a value
  above the reference gives a negative gap. Rates' gaps are in percentage
  points (share difference × 100); other KPIs' gaps are relative
  (a fraction of the reference, ``-0.25`` = 25 % worse).
* ``position`` is ``"worse than band"``, ``"within band"`` or
  ``"better than band"``, again in the KPI's direction.

>>> b = bands(load_builtin(), channel="Paid search (Google and Microsoft Ads)")
>>> b.filter(pl.col("kpi_id") == "cpc")["typical"].item()
4.66
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from pathlib import Path

import polars as pl

from kpi_core import i18n
from kpi_core.catalogue import KPIS, Kpi
from kpi_core.i18n import format_number, has, t
from kpi_core.issues import InputError, Issue, issue

DATA_FILE = Path(__file__).parent / "data" / "benchmarks.csv"

COLUMNS: tuple[str, ...] = (
    "kpi_id", "statistic", "value", "unit", "currency", "industry", "channel", "region",
    "period", "sample", "definition", "source_name", "source_url", "source_type", "caveat",
)  # fmt: skip
STATISTICS: frozenset[str] = frozenset({"low", "typical", "high", "median", "mean", "p25", "p75"})
_TYPICAL = ("typical", "median", "mean")  # in order of preference
_LOW = ("low", "p25")
_HIGH = ("high", "p75")
GENERIC_INDUSTRY = "All industries"
COMPETITOR_PREFIX = "competitor:"

#: KPIs for which no citable figure was found (see the CSV header note), in English;
#: :func:`not_found_text` says it in any language.
NOT_FOUND: dict[str, str] = {
    "lead_to_customer": t("benchmarks.not_found.lead_to_customer"),
}
#: Columns of the table whose texts we wrote (not the citation): shown through
#: :func:`data_text`, which looks them up in the catalogue.
TRANSLATED_COLUMNS: tuple[str, ...] = ("industry", "channel", "region", "definition")

_BAND_SCHEMA: dict[str, pl.DataType] = {
    "kpi_id": pl.String(),
    "low": pl.Float64(),
    "typical": pl.Float64(),
    "high": pl.Float64(),
    "unit": pl.String(),
    "currency": pl.String(),
    "industry": pl.String(),
    "channel": pl.String(),
    "region": pl.String(),
    "source_name": pl.String(),
    "source_url": pl.String(),
    "period": pl.String(),
    "definition": pl.String(),
    "caveat": pl.String(),
}


def load_builtin() -> pl.DataFrame:
    """Read the built-in benchmark table shipped next to this module.

    Returns
    -------
    pl.DataFrame
        One row per published figure with the columns in :data:`COLUMNS`;
        ``value`` is Float64, all other columns String (empty cells null).
    """
    schema = {c: (pl.Float64 if c == "value" else pl.String) for c in COLUMNS}
    return pl.read_csv(DATA_FILE, schema=schema, comment_prefix="#", encoding="utf8")


def _slug(text: str) -> str:
    """``"Animals & Pets"`` -> ``"animals_pets"``: a catalogue key part from a table text."""
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def data_text(column: str, value: str | None, *, locale: str = "en") -> str:
    """A text of the benchmark table (industry, channel, region, definition) in ``locale``.

    The built-in table's texts are in the catalogue under ``benchmarks.<column>.<slug>``;
    a text we do not know (a user's own industry, "Solar installers (DK)") is shown as
    typed. Citations (source name, URL, period) are never translated.

    >>> data_text("industry", "Real Estate", locale="da")
    'Ejendomme'
    """
    if not value or column not in _DATA_KEYS:
        return value or ""
    slug = _slug(value)
    return _DATA_KEYS[column](slug, locale) if has(f"{_DATA_PREFIX[column]}{slug}") else value


_DATA_KEYS = {
    "industry": lambda slug, loc: t(f"benchmarks.industry.{slug}", locale=loc),
    "channel": lambda slug, loc: t(f"benchmarks.channel.{slug}", locale=loc),
    "region": lambda slug, loc: t(f"benchmarks.region.{slug}", locale=loc),
    "definition": lambda slug, loc: t(f"benchmarks.definition.{slug}", locale=loc),
    "caveat": lambda slug, loc: t(f"benchmarks.caveat.{slug}", locale=loc),
}
_DATA_PREFIX = {column: f"benchmarks.{column}." for column in _DATA_KEYS}


def not_found_text(kpi_id: str, *, locale: str = "en") -> str:
    """Why ``kpi_id`` has no benchmark, in ``locale``; ``""`` for a KPI not in :data:`NOT_FOUND`."""
    return t(f"benchmarks.not_found.{kpi_id}", locale=locale) if kpi_id in NOT_FOUND else ""


def validate_rows(frame: pl.DataFrame, *, locale: str = "en") -> list[Issue]:
    """Check benchmark rows: provenance, catalogue KPI, unit, range, statistic.

    Parameters
    ----------
    frame
        Rows shaped like :func:`load_builtin`'s result.
    locale
        The language of the examples (``row 2``) and KPI names; the messages
        themselves read in any language through :meth:`Issue.text`.

    Returns
    -------
    list[Issue]
        One ``"error"`` issue per problem and row (rows numbered from 1);
        empty when every row is usable.
    """
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        return [issue("error", "", "benchmarks.invalid.columns", columns=", ".join(missing))]
    issues: list[Issue] = []
    for number, row in enumerate(frame.iter_rows(named=True), start=1):
        kpi_id = row["kpi_id"] or ""
        where = (t("benchmarks.invalid.where", locale=locale, row=str(number)),)

        def add(problem: Issue) -> None:
            issues.append(problem)

        at = {"examples": where, "count": 1, "row": str(number)}
        if not (row["source_name"] or "").strip():
            add(issue("error", kpi_id, "benchmarks.invalid.no_source", **at))
        url = (row["source_url"] or "").strip()
        if not url.startswith(("http://", "https://")):
            add(issue("error", kpi_id, "benchmarks.invalid.no_url", **at))
        if row["statistic"] not in STATISTICS:
            statistic = str(row["statistic"])
            add(issue("error", kpi_id, "benchmarks.invalid.statistic", statistic=statistic, **at))
        value = row["value"]
        if value is None or not math.isfinite(value):
            add(issue("error", kpi_id, "benchmarks.invalid.no_value", **at))
        k = KPIS.get(kpi_id)
        if k is None:
            add(issue("error", kpi_id, "benchmarks.invalid.kpi", kpi=kpi_id, **at))
            continue
        name = k.label(locale)
        if row["unit"] != k.unit:
            add(
                issue("error", kpi_id, "benchmarks.invalid.unit", name=name,
                      unit=str(row["unit"]), expected=k.unit, **at)
            )  # fmt: skip
        if k.unit == "percent" and value is not None and not 0 <= value <= 1:
            add(
                issue(
                    "error", kpi_id, "benchmarks.invalid.share", name=name, value=str(value), **at
                )
            )
        if k.unit == "currency" and not (row["currency"] or "").strip():
            add(issue("error", kpi_id, "benchmarks.invalid.currency", name=name, **at))
    return issues


def _year(period: str | None) -> int:
    """The latest four-digit year in ``period`` (0 when none is given)."""
    years = re.findall(r"(?:19|20)\d\d", period or "")
    return max((int(y) for y in years), default=0)


def _pick(values: dict[str, float], names: tuple[str, ...]) -> float | None:
    return next((values[n] for n in names if n in values), None)


def _same(column: str, wanted: str | None) -> pl.Expr:
    return pl.col(column).str.to_lowercase() == (wanted or "").strip().lower()


def bands(
    frame: pl.DataFrame,
    *,
    industry: str | None = None,
    region: str | None = None,
    channel: str | None = None,
) -> pl.DataFrame:
    """One benchmark band per KPI for the chosen industry, region and channel.

    Rows are grouped into *figures* (same KPI, industry, channel, region,
    period and source); each figure gives ``low`` (low/p25), ``typical``
    (typical, else median, else mean) and ``high`` (high/p75).

    Selection when several figures match one KPI: an exact ``industry``
    match beats the ``"All industries"`` fallback, then the most recent
    period wins (the latest year named in ``period``; no year counts as
    oldest), then the figure listed first in the table.

    Parameters
    ----------
    frame
        Benchmark rows (see :func:`load_builtin`).
    industry, region, channel
        Case-insensitive exact filters; ``None`` means any. With an
        ``industry``, ``"All industries"`` figures are used where the
        industry has none.

    Returns
    -------
    pl.DataFrame
        Columns ``kpi_id, low, typical, high, unit, currency, industry,
        channel, region, source_name, source_url, period, definition,
        caveat``, in catalogue order.
    """
    rows = frame.with_row_index("_order")
    if region is not None:
        rows = rows.filter(_same("region", region))
    if channel is not None:
        rows = rows.filter(_same("channel", channel))
    if industry is not None:
        rows = rows.filter(_same("industry", industry) | _same("industry", GENERIC_INDUSTRY))
    keys = ("kpi_id", "industry", "channel", "region", "period", "source_url")
    figures: dict[tuple[str | None, ...], dict] = {}
    for row in rows.iter_rows(named=True):
        key = tuple(row[k] for k in keys)
        fig = figures.setdefault(key, {**row, "values": {}})
        fig["values"].setdefault(row["statistic"], row["value"])
    best: dict[str, dict] = {}
    for fig in figures.values():
        exact = industry is not None and (fig["industry"] or "").lower() == industry.lower()
        fig["_rank"] = (not exact, -_year(fig["period"]), fig["_order"])
        current = best.get(fig["kpi_id"])
        if current is None or fig["_rank"] < current["_rank"]:
            best[fig["kpi_id"]] = fig
    order = {k: i for i, k in enumerate(KPIS)}
    out = []
    for kpi_id in sorted(best, key=lambda k: order.get(k, len(order))):
        fig = best[kpi_id]
        v = fig["values"]
        record = {c: fig.get(c) for c in _BAND_SCHEMA}
        record.update(low=_pick(v, _LOW), typical=_pick(v, _TYPICAL), high=_pick(v, _HIGH))
        out.append(record)
    return pl.DataFrame(out, schema=_BAND_SCHEMA)


def options(frame: pl.DataFrame) -> dict[str, list[str]]:
    """The distinct industries, regions and channels in ``frame``, sorted, for pickers."""
    return {
        key: sorted(frame[column].drop_nulls().unique().to_list())
        for key, column in (
            ("industries", "industry"),
            ("regions", "region"),
            ("channels", "channel"),
        )
    }


def competitors_long(
    frame: pl.DataFrame, *, name_column: str, kpi_columns: Mapping[str, str]
) -> pl.DataFrame:
    """Turn a competitor sheet (one row per competitor) into long form.

    Parameters
    ----------
    frame
        The sheet as ingest returns it: numbers already Float64, percentages
        already shares.
    name_column
        The column holding the competitor's name. Rows without a name are
        dropped.
    kpi_columns
        Sheet column → KPI id, e.g. ``{"CPC (kr.)": "cpc"}``.

    Returns
    -------
    pl.DataFrame
        ``competitor, kpi_id, value`` (String, String, Float64); empty cells
        stay as null values.

    Raises
    ------
    InputError
        A named column is missing, a KPI id is unknown, a value column is
        not numeric, or two rows share a competitor name.
    """
    missing = [c for c in (name_column, *kpi_columns) if c not in frame.columns]
    if missing:
        raise InputError.of(
            "benchmarks.error.no_column",
            columns=", ".join(f"‘{c}’" for c in missing),
            found=", ".join(frame.columns),
        )
    unknown = [k for k in kpi_columns.values() if k not in KPIS]
    if unknown:
        raise InputError.of(
            "benchmarks.error.unknown_kpi", kpis=", ".join(unknown), valid=", ".join(KPIS)
        )
    for column in kpi_columns:
        if not (frame[column].dtype.is_numeric() or frame[column].dtype == pl.Null):
            raise InputError.of("benchmarks.error.not_numbers", column=column)
    named = frame.with_columns(pl.col(name_column).cast(pl.String).str.strip_chars()).filter(
        pl.col(name_column).is_not_null() & (pl.col(name_column) != "")
    )
    dupes = named[name_column].filter(named[name_column].is_duplicated()).unique().to_list()
    if dupes:
        raise InputError.of("benchmarks.error.twice", names=", ".join(sorted(dupes)))
    parts = [
        named.select(
            pl.col(name_column).alias("competitor"),
            pl.lit(kpi_id, pl.String).alias("kpi_id"),
            pl.col(column).cast(pl.Float64).alias("value"),
        )
        for column, kpi_id in kpi_columns.items()
    ]
    schema = {"competitor": pl.String, "kpi_id": pl.String, "value": pl.Float64}
    return pl.concat(parts) if parts else pl.DataFrame(schema=schema)


def _gap(k: Kpi, ours: float | None, ref: float | None) -> float | None:
    """Signed gap: negative = worse than ``ref``; pp for rates, relative otherwise."""
    if ours is None or ref is None or k.direction == "neutral":
        return None
    sign = 1.0 if k.direction == "higher" else -1.0
    if k.is_rate:
        return sign * (ours - ref) * 100.0
    if ref == 0:
        return None
    return sign * (ours - ref) / abs(ref)


def _better(k: Kpi, a: float, b: float) -> bool:
    return a > b if k.direction == "higher" else a < b


def _position(k: Kpi, ours: float | None, low: float | None, high: float | None) -> str | None:
    if ours is None or k.direction == "neutral" or (low is None and high is None):
        return None
    worse_edge, better_edge = (low, high) if k.direction == "higher" else (high, low)
    if worse_edge is not None and _better(k, worse_edge, ours):
        return "worse than band"
    if better_edge is not None and _better(k, ours, better_edge):
        return "better than band"
    return "within band"


def _median(values: list[float]) -> float | None:
    if not values:
        return None
    s = sorted(values)
    mid = len(s) // 2
    return s[mid] if len(s) % 2 else (s[mid - 1] + s[mid]) / 2


def compare(
    ours: Mapping[str, float | None],
    *,
    competitors: pl.DataFrame | None = None,
    bands: pl.DataFrame | None = None,
    currency: str | None = None,
    locale: str = "en",
) -> pl.DataFrame:
    """Compare our KPI values with competitors and benchmark bands.

    ``name`` and ``note`` are worded in ``locale``.

    Parameters
    ----------
    ours
        KPI id → our value (``None`` when unknown; kept, but not ranked).
    competitors
        Long frame ``competitor, kpi_id, value`` (see :func:`competitors_long`).
    bands
        Result of :func:`bands`.
    currency
        Our currency code (e.g. ``"DKK"``). Money KPIs are placed in a band
        (``position``, ``gap_to_typical``) only when it equals the band's
        currency; otherwise ``note`` says why they were not compared.

    Returns
    -------
    pl.DataFrame
        One row per KPI in ``ours``: ``kpi_id, name, unit, direction, value,
        low, typical, high, band_currency, source_name, source_url, period,
        rank, of, best, median, gap_to_best, gap_to_median, gap_to_typical,
        position, note`` and one ``competitor:<name>`` column per competitor
        (in order of first appearance).

        ``rank`` is ours among all non-null values, 1 = best in the KPI's
        direction, ties share the better rank; ``of`` counts the ranked
        values (ours included). ``best`` and ``median`` are taken over the
        competitors only, so a positive ``gap_to_best`` is a lead. Neutral
        KPIs (spend) are not ranked.
    """
    unknown = [k for k in ours if k not in KPIS]
    if unknown:
        raise InputError.of(
            "benchmarks.error.unknown_kpi", kpis=", ".join(unknown), valid=", ".join(KPIS)
        )
    names: list[str] = []
    comp: dict[tuple[str, str], float | None] = {}
    if competitors is not None:
        for row in competitors.iter_rows(named=True):
            if row["competitor"] not in names:
                names.append(row["competitor"])
            comp.setdefault((row["competitor"], row["kpi_id"]), row["value"])
    band_rows = {} if bands is None else {r["kpi_id"]: r for r in bands.iter_rows(named=True)}
    records = []
    for kpi_id, value in ours.items():
        k = KPIS[kpi_id]
        value = None if value is None or not math.isfinite(value) else float(value)
        b = band_rows.get(kpi_id, {})
        others = [v for n in names if (v := comp.get((n, kpi_id))) is not None]
        rank = best = median = None
        ranked = len(others) + (value is not None)
        if k.direction != "neutral":
            if value is not None:
                rank = 1 + sum(_better(k, o, value) for o in others)
            if others:
                best = max(others) if k.direction == "higher" else min(others)
                median = _median(others)
        note = None
        low, typical, high = b.get("low"), b.get("typical"), b.get("high")
        comparable = bool(b)
        if b and k.unit == "currency" and (currency or "").upper() != (b["currency"] or "").upper():
            comparable = False
            note = t("benchmarks.note.currency", locale=locale, currency=b["currency"])
        records.append(
            {
                "kpi_id": kpi_id,
                "name": k.label(locale),
                "unit": k.unit,
                "direction": k.direction,
                "value": value,
                "low": low,
                "typical": typical,
                "high": high,
                "band_currency": b.get("currency"),
                "source_name": b.get("source_name"),
                "source_url": b.get("source_url"),
                "period": b.get("period"),
                "rank": rank,
                "of": ranked if k.direction != "neutral" else None,
                "best": best,
                "median": median,
                "gap_to_best": _gap(k, value, best),
                "gap_to_median": _gap(k, value, median),
                "gap_to_typical": _gap(k, value, typical) if comparable else None,
                "position": _position(k, value, low, high) if comparable else None,
                "note": note,
                **{f"{COMPETITOR_PREFIX}{n}": comp.get((n, kpi_id)) for n in names},
            }
        )
    schema: dict[str, pl.DataType] = {
        "kpi_id": pl.String(), "name": pl.String(), "unit": pl.String(),
        "direction": pl.String(), "value": pl.Float64(), "low": pl.Float64(),
        "typical": pl.Float64(), "high": pl.Float64(), "band_currency": pl.String(),
        "source_name": pl.String(), "source_url": pl.String(), "period": pl.String(),
        "rank": pl.Int64(), "of": pl.Int64(), "best": pl.Float64(), "median": pl.Float64(),
        "gap_to_best": pl.Float64(), "gap_to_median": pl.Float64(),
        "gap_to_typical": pl.Float64(), "position": pl.String(), "note": pl.String(),
        **{f"{COMPETITOR_PREFIX}{n}": pl.Float64() for n in names},
    }  # fmt: skip
    return pl.DataFrame(records, schema=schema)


def _label(name: str) -> str:
    """Lower-case the first letter unless the word is an acronym ("MQL to SQL")."""
    return name[0].lower() + name[1:] if len(name) > 1 and name[1].islower() else name


def format_value(
    value: float, unit: str, *, currency: str | None = None, locale: str = "en"
) -> str:
    """``0.052`` → ``"5.2%"``, ``4.1`` → ``"4.10 kr."`` (with ``currency="kr."``).

    A currency code the app knows (``"DKK"``, ``"USD"``) is written the locale's way
    (:func:`kpi_core.i18n.format_value`); any other ``currency`` is put after the amount.
    Numbers use the locale's separators (``5,2 %`` in Danish).
    """
    loc = i18n.LOCALES.get(locale, "en_GB")
    if unit == "percent":
        return i18n.format_value(value, "percent", locale=locale)
    if unit == "currency":
        if currency in i18n.CURRENCIES or currency == "USD":
            return i18n.format_value(value, "currency", locale=locale, currency=currency)
        amount = format_number(value, locale=locale, digits=2)
        return amount + (f" {currency}" if currency else "")
    if unit == "multiple":
        from babel.numbers import format_decimal

        return format_decimal(value, format="0.0", locale=loc) + "×"
    return format_number(value, locale=locale)


def _pct(x: float, locale: str) -> str:
    """A share as whole per cent the locale's way: ``25%``, ``25 %``."""
    from babel.numbers import format_percent

    return format_percent(x, locale=i18n.LOCALES.get(locale, "en_GB"))


def summary(
    comparison: pl.DataFrame, *, currency: str | None = None, locale: str = "en"
) -> list[str]:
    """Plain sentences about a :func:`compare` result, in ``locale``.

    One sentence per ranked KPI with competitors, one per KPI placed in a
    benchmark band, then which benchmark gap is largest (relative gaps and
    percentage points are compared as they stand: a 0.25 relative gap
    counts as 25).

    Parameters
    ----------
    comparison
        Result of :func:`compare`.
    currency
        The currency of our money values: a code (``"DKK"``) or a sign put after
        the amount (``"kr."``).
    """
    out: list[str] = []
    gaps: list[tuple[float, str, float, str]] = []
    for row in comparison.iter_rows(named=True):
        value, unit = row["value"], row["unit"]
        if value is None or row["direction"] == "neutral":
            continue
        words = {
            "kpi": _label(row["name"]),
            "value": format_value(value, unit, currency=currency, locale=locale),
        }
        n_comp = (row["of"] or 1) - 1
        if row["rank"] is not None and n_comp > 0:
            beaten = n_comp - (row["rank"] - 1) - _ties(row)
            if row["rank"] == 1 and beaten == n_comp:
                out.append(t("benchmarks.summary.lead", locale=locale, count=n_comp, **words))
            elif row["rank"] == row["of"]:
                out.append(t("benchmarks.summary.trail", locale=locale, **words))
            else:
                out.append(
                    t(
                        "benchmarks.summary.middle",
                        locale=locale,
                        count=n_comp,
                        beaten=beaten,
                        **words,
                    )
                )
        position, gap = row["position"], row["gap_to_typical"]
        if position is not None:
            src = f"{row['source_name']}, {row['period']}" if row["period"] else row["source_name"]
            out.append(
                t(f"benchmarks.summary.{_POSITION[position]}", locale=locale, source=src, **words)
            )
        if gap is not None:
            size = gap if unit == "percent" else gap * 100
            gaps.append((size, words["kpi"], gap, unit))
    if gaps:
        size, label, gap, unit = min(gaps)
        if size < 0:
            if unit == "percent":
                points = format_number(abs(gap), locale=locale, digits=1)
                out.append(
                    t("benchmarks.summary.largest_gap_pp", locale=locale, kpi=label, points=points)
                )
            else:
                out.append(
                    t(
                        "benchmarks.summary.largest_gap",
                        locale=locale,
                        kpi=label,
                        percent=_pct(abs(gap), locale),
                    )
                )
        else:
            label = max(gaps)[1]
            out.append(t("benchmarks.summary.everywhere", locale=locale, kpi=label))
    return out


#: The ``position`` id of a value worse than the published band.
WORSE_THAN_BAND = "worse than band"
#: ``position`` ids → the word used in keys (``benchmarks.position.worse``).
_POSITION = {"worse than band": "worse", "within band": "within", "better than band": "better"}


def position_text(position: str | None, *, locale: str = "en") -> str:
    """A ``position`` id (``"worse than band"``) in ``locale``; ``""`` for none."""
    if position not in _POSITION:
        return ""
    return t(f"benchmarks.position.{_POSITION[position]}", locale=locale)


def _ties(row: dict) -> int:
    """How many competitors equal our value for this row."""
    value = row["value"]
    return sum(
        1
        for c, v in row.items()
        if c.startswith(COMPETITOR_PREFIX) and v is not None and v == value
    )


def benchmark_report(
    ours: Mapping[str, float | None],
    *,
    competitors: pl.DataFrame | None = None,
    industry: str | None = None,
    region: str | None = None,
    channel: str | None = None,
    currency: str | None = None,
    frame: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """The command line's benchmark table.

    Parameters
    ----------
    ours, competitors, currency
        As in :func:`compare`.
    industry, region, channel
        Filters for :func:`bands`.
    frame
        Benchmark rows; the built-in table when ``None``.

    Returns
    -------
    pl.DataFrame
        ``kpi_id, value, low, typical, high, source, year, competitor:<name>…,
        rank, gap_to_best``; ``year`` is the source's period as published.
    """
    table = load_builtin() if frame is None else frame
    chosen = bands(table, industry=industry, region=region, channel=channel)
    result = compare(ours, competitors=competitors, bands=chosen, currency=currency)
    comp_cols = [c for c in result.columns if c.startswith(COMPETITOR_PREFIX)]
    return result.select(
        "kpi_id", "value", "low", "typical", "high",
        pl.col("source_name").alias("source"), pl.col("period").alias("year"),
        *comp_cols, "rank", "gap_to_best",
    )  # fmt: skip


_BULLET_SCHEMA: dict[str, pl.DataType] = {
    "name": pl.String(),
    "low": pl.Float64(),
    "typical": pl.Float64(),
    "high": pl.Float64(),
    "who": pl.String(),
    "value": pl.Float64(),
}


def bullet_rows(
    comparison: pl.DataFrame, competitors: pl.DataFrame, *, currency: str = "DKK"
) -> pl.DataFrame:
    """The rows of :func:`kpi_core.charts.bullet_chart`: you and each competitor over the band.

    ``comparison`` is :func:`compare`'s result (``kpi_id``, ``name``, ``value``, ``low``,
    ``typical``, ``high``, ``band_currency``); ``competitors`` is
    :func:`competitors_long`'s. A KPI with neither a band in ``currency`` nor a
    competitor value is left out; rates are scaled to per cent (an axis of 0.012 reads
    as nothing to an owner) and named "… (%)".
    """
    records = []
    for r in comparison.to_dicts():
        rivals = competitors.filter(pl.col("kpi_id") == r["kpi_id"]).to_dicts()
        # A band in another currency is not drawn under a value it cannot be compared with.
        comparable = r["band_currency"] in (None, currency) and (
            r["low"] is not None or r["typical"] is not None
        )
        if not comparable and not rivals:
            continue
        scale, suffix = (100.0, " (%)") if KPIS[r["kpi_id"]].is_rate else (1.0, "")

        def scaled(x: float | None, scale: float = scale) -> float | None:
            return None if x is None else x * scale

        base = {
            "name": r["name"] + suffix,
            "low": scaled(r["low"]) if comparable else None,
            "typical": scaled(r["typical"]) if comparable else None,
            "high": scaled(r["high"]) if comparable else None,
        }
        if r["value"] is not None:
            records.append(base | {"who": "You", "value": scaled(r["value"])})
        for c in rivals:
            records.append(base | {"who": c["competitor"], "value": scaled(c["value"])})
    return pl.DataFrame(records, schema=_BULLET_SCHEMA)
