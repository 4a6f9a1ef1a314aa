"""Decide what each column is, convert it, and say what did not fit.

A column becomes ``"date"`` or ``"number"`` when at least 90 % of its
non-empty cells parse (``PARSE_SHARE``); that tolerates the odd ``n/a`` or
``-`` in a real export while keeping text columns text. The cells that do
not parse are left empty and reported with a count, row numbers and the
text they held. Excel error cells (``#DIV/0!`` …) are reported separately.
``"id"`` columns keep their characters exactly: a digits-only column where
some value has a leading zero (or more digits than a float holds), or any
column whose header names an identifier. Dates are tried before numbers,
so ``31.01.2025`` is a date and ``1.234,5`` a number; plain numbers are
dates only under a date header (Excel serial days). Text stays text,
trimmed, and ``NA`` is the text ``NA``, not a missing value.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

import polars as pl

from kpi_core.ingest.dates import (
    ParsedDates,
    YearHint,
    looks_like_date_header,
    parse_dates,
    serials_to_dates,
    yearless_issue,
)
from kpi_core.ingest.layout import Shaped
from kpi_core.ingest.model import ColumnKind
from kpi_core.ingest.values import (
    Decimal,
    choose_decimal,
    clean_text,
    decimal_evidence,
    digits_only,
    is_excel_error,
    keeps_leading_zeros,
    looks_like_id_header,
    parse_numbers,
)
from kpi_core.issues import Issue, issue

PARSE_SHARE = 0.9
# Deciding which parser to try looks at a spread sample; the share above is
# always checked on the whole column.
_SAMPLE = 500
_TRY_SHARE = 0.5
_EXAMPLES = 3


@dataclass(frozen=True)
class Typed:
    """Columns converted to their kinds, with everything worth telling."""

    frame: pl.DataFrame
    kinds: dict[str, ColumnKind]
    issues: tuple[Issue, ...]
    decimal: Decimal


@dataclass(frozen=True)
class _Column:
    values: pl.Series
    kind: ColumnKind
    issues: tuple[Issue, ...] = ()


def _examples(
    mask: pl.Series,
    texts: pl.Series,
    rows: pl.Series,
    periods: pl.Series | None,
    *,
    quoted: bool = True,
) -> tuple[str, ...]:
    """``row 14: ‘n/a’`` (``row 5, jan 2025: ‘n/a’`` in a wide table) for the first cells."""
    out = []
    for i in mask.arg_true().head(_EXAMPLES).to_list():
        where = f"row {rows[i]}" if periods is None else f"row {rows[i]}, {periods[i]}"
        out.append(f"{where}: ‘{texts[i]}’" if quoted else f"{where}: {texts[i]}")
    return tuple(out)


def _failure_issue(
    name: str,
    what: Literal["dates", "numbers"],
    mask: pl.Series,
    texts: pl.Series,
    rows: pl.Series,
    periods: pl.Series | None,
) -> list[Issue]:
    count = int(mask.sum())
    if not count:
        return []
    examples = _examples(mask, texts, rows, periods)
    more = ", …" if count > len(examples) else ""
    return [
        issue(
            "warning",
            name,
            f"ingest.cells.not_{what}",
            examples=examples,
            count=count,
            column=name,
            cells=", ".join(examples) + more,
        )
    ]


def _sample(series: pl.Series) -> pl.Series:
    present = series.drop_nulls()
    step = max(1, present.len() // _SAMPLE)
    return present.gather_every(step)


_DAY_FIRST_TIMES = ("%d-%m-%Y %H:%M", "%d-%m-%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%d.%m.%Y %H:%M:%S",
                    "%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S")  # fmt: skip
_MONTH_FIRST_TIMES = ("%m/%d/%Y %H:%M", "%m/%d/%Y %H:%M:%S", "%m-%d-%Y %H:%M")
_ISO_TIMES = ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S",
              "%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f")  # fmt: skip


def _with_times(texts: pl.Series, parsed: ParsedDates) -> pl.Series | None:
    """The dates with their times of day, when every date cell's time can be read.

    Only full timestamps in the common layouts are kept; anything else (a time in an
    unusual form, a cell whose day would differ) keeps the whole-day dates, with the
    note that times were dropped.
    """
    layouts = (
        *_ISO_TIMES,
        *(_MONTH_FIRST_TIMES if parsed.day_first is False else _DAY_FIRST_TIMES),
    )
    stamps = pl.select(
        pl.coalesce([texts.str.strptime(pl.Datetime("us"), f, strict=False) for f in layouts])
    ).to_series()
    days = parsed.values.cast(pl.Datetime("us"))
    merged = pl.select(pl.coalesce(stamps, days)).to_series()
    dated = parsed.values.is_not_null()
    agrees = (merged.dt.date() == parsed.values).fill_null(True)
    # A cell longer than a date carries a time: it must be one of the layouts above.
    clock = texts.str.strip_chars().str.len_chars().fill_null(0) > 10
    unread = dated & clock & stamps.is_null()
    if bool(unread.any()) or not bool((agrees | ~dated).all()):
        return None
    return pl.select(pl.when(dated).then(merged)).to_series()


def _time_issue(name: str) -> Issue:
    return issue("info", name, "ingest.dates.times_dropped", column=name)


def _date_issues(name: str, parsed: ParsedDates, texts: pl.Series, year: YearHint) -> list[Issue]:
    issues = []
    if parsed.day_first is not None and not parsed.order_proven:
        example = texts.filter(parsed.values.is_not_null()).head(1).to_list()
        if example:
            issues.append(
                issue(
                    "info", name, "ingest.dates.day_first_example", column=name, example=example[0]
                )
            )
        else:
            issues.append(issue("info", name, "ingest.dates.day_first", column=name))
    elif parsed.day_first is False:
        issues.append(issue("info", name, "ingest.dates.month_first", column=name))
    if parsed.had_time:
        issues.append(_time_issue(name))
    if parsed.yearless:
        issues.append(yearless_issue(name, parsed.yearless, year))
    return issues


@dataclass(frozen=True)
class _Text:
    """A text column after the checks that need no decimal convention."""

    name: str
    texts: pl.Series  # trimmed, null = empty, error codes removed
    rows: pl.Series
    periods: pl.Series | None
    issues: tuple[Issue, ...]
    sample: pl.Series
    evidence: tuple[int, int] | None  # (comma-only, dot-only) when it may hold numbers
    done: _Column | None  # decided already: empty, or an identifier


def _error_issue(
    name: str, texts: pl.Series, errors: pl.Series, rows: pl.Series, periods: pl.Series | None
) -> Issue:
    count = int(errors.sum())
    codes = sorted(set(texts.filter(errors).to_list()))
    examples = _examples(errors, texts, rows, periods, quoted=False)
    return issue(
        "warning",
        name,
        "ingest.cells.excel_errors",
        examples=examples,
        count=count,
        column=name,
        codes=", ".join(codes),
        cells=", ".join(examples) + (", …" if count > len(examples) else ""),
    )


def _evidence(texts: pl.Series, sample: pl.Series) -> tuple[int, int]:
    """Decimal evidence of a column: from its sample when that is decisive, else from all."""
    comma_only, dot_only = decimal_evidence(sample)
    low, high = sorted((comma_only, dot_only))
    # Clearly one way in a spread sample: counting the whole column would only confirm it.
    if (high >= 20 and low * 10 <= high) or texts.len() == sample.len():
        return comma_only, dot_only
    return decimal_evidence(texts)


def _prepare_text(
    name: str, series: pl.Series, rows: pl.Series, periods: pl.Series | None
) -> _Text:
    texts = clean_text(series.cast(pl.String))
    issues: tuple[Issue, ...] = ()
    errors = is_excel_error(texts)
    if errors.any():
        issues = (_error_issue(name, texts, errors, rows, periods),)
        texts = pl.select(pl.when(~errors).then(texts)).to_series().alias(name)
    sample = _sample(texts)
    done = None
    if texts.null_count() == texts.len():
        done = _Column(texts, "text", issues)
    elif looks_like_id_header(name) or (
        digits_only(sample) and keeps_leading_zeros(texts)  # the sample rules most out cheaply
    ):
        done = _Column(texts, "id", issues)
    evidence = None
    if done is None:
        # Only columns that may hold numbers vote on the file's decimal sign.
        numeric = (
            parse_numbers(sample, decimal=",").values.is_not_null()
            | parse_numbers(sample, decimal=".").values.is_not_null()
        )
        if numeric.sum() >= _TRY_SHARE * sample.len():
            evidence = _evidence(texts, sample)
    return _Text(name, texts, rows, periods, issues, sample, evidence, done)


def _type_text(column: _Text, *, decimal: Decimal, year: YearHint) -> _Column:
    """Type a prepared text column: dates first, then numbers, else text."""
    name, texts, rows, periods, sample = (
        column.name, column.texts, column.rows, column.periods, column.sample
    )  # fmt: skip
    issues = list(column.issues)
    present = texts.len() - texts.null_count()
    date_header = looks_like_date_header(name)
    sample_dates = parse_dates(sample, year=year.year, date_header=date_header)
    if sample_dates.values.is_not_null().sum() >= _TRY_SHARE * sample.len():
        parsed = parse_dates(texts, year=year.year, date_header=date_header)
        if int(parsed.values.is_not_null().sum()) >= PARSE_SHARE * present:
            issues += _failure_issue(name, "dates", parsed.failed, texts, rows, periods)
            timed = _with_times(texts, parsed) if parsed.had_time else None
            if timed is not None:
                # Times of day matter to some exports (support tickets: hours to a reply).
                issues += _date_issues(name, replace(parsed, had_time=False), texts, year)
                return _Column(timed.alias(name), "date", tuple(issues))
            issues += _date_issues(name, parsed, texts, year)
            return _Column(parsed.values.alias(name), "date", tuple(issues))
    if column.evidence is not None:
        numbers = parse_numbers(texts, decimal=decimal)
        if int(numbers.values.is_not_null().sum()) >= PARSE_SHARE * present:
            issues += _failure_issue(name, "numbers", numbers.failed, texts, rows, periods)
            if numbers.percent:
                percent = texts.str.ends_with("%").fill_null(False) & numbers.values.is_not_null()
                example = texts.filter(percent)[0]
                value = numbers.values.filter(percent)[0]
                issues.append(
                    issue(
                        "info",
                        name,
                        "ingest.cells.percentages",
                        count=numbers.percent,
                        column=name,
                        example=example,
                        value=float(value),
                    )
                )
            return _Column(numbers.values.alias(name), "number", tuple(issues))
    return _Column(texts, "text", tuple(issues))


def _type_native(
    name: str, series: pl.Series, rows: pl.Series, periods: pl.Series | None
) -> _Column | None:
    """Columns a workbook reader already typed; ``None`` for anything to read as text."""
    dtype = series.dtype
    if dtype.is_numeric():
        if looks_like_id_header(name):
            as_float = series.cast(pl.Float64)
            integral = (as_float == as_float.floor()) & (as_float.abs() < 1e15)
            ids = pl.select(
                pl.when(integral)
                .then(as_float.cast(pl.Int64, strict=False).cast(pl.String))
                .otherwise(as_float.cast(pl.String))
            ).to_series()
            return _Column(ids.alias(name), "id")
        if looks_like_date_header(name):
            dates = serials_to_dates(series)
            present = series.len() - series.null_count()
            if present and dates.is_not_null().sum() >= PARSE_SHARE * present:
                failed = series.is_not_null() & dates.is_null()
                issues = _failure_issue(
                    name, "dates", failed, series.cast(pl.String), rows, periods
                )
                return _Column(dates.alias(name), "date", tuple(issues))
        return _Column(series.cast(pl.Float64).alias(name), "number")
    if dtype == pl.Date or isinstance(dtype, pl.Datetime):
        values = series.cast(pl.Date)
        timed = isinstance(dtype, pl.Datetime) and bool(
            ((series.dt.hour() > 0) | (series.dt.minute() > 0) | (series.dt.second() > 0)).any()
        )
        return _Column(values.alias(name), "date", (_time_issue(name),) if timed else ())
    if dtype == pl.Boolean:
        flags = pl.select(pl.when(series).then(pl.lit("TRUE")).otherwise(pl.lit("FALSE")))
        return _Column(flags.to_series().alias(name), "text")
    return None


def type_columns(shaped: Shaped, *, decimal_hint: Decimal, year: YearHint) -> Typed:
    """Give every column of a shaped table its kind and final type.

    The decimal convention is decided per column from its own unambiguous
    values; a column with none (``1.234`` reads both ways) follows the
    majority of the file's columns, and failing that ``decimal_hint``.

    Parameters
    ----------
    shaped
        The table in its final shape, cells still as read.
    decimal_hint
        The file-level guess (``","`` for a ``;``-separated file).
    year
        Year for months and quarters written without one.

    Returns
    -------
    Typed
        Typed columns; ``decimal`` is the file-level convention.
    """
    frame = shaped.frame
    prepared: dict[str, _Text] = {}
    natives: dict[str, _Column] = {}
    for name in shaped.columns:
        if name in shaped.pretyped:
            continue
        series, rows = frame[name], frame[shaped.rows[name]]
        native = None
        if series.dtype != pl.String:
            native = _type_native(name, series, rows, _periods(shaped))
        if native is None:
            prepared[name] = _prepare_text(name, series, rows, _periods(shaped))
        else:
            natives[name] = native
    votes = [
        choose_decimal(p.evidence, hint=decimal_hint)
        for p in prepared.values()
        if p.evidence is not None and p.evidence[0] != p.evidence[1]
    ]
    decimal = choose_decimal((votes.count(","), votes.count(".")), hint=decimal_hint)

    kinds: dict[str, ColumnKind] = {}
    issues: list[Issue] = []
    out: list[pl.Series] = []
    for name in shaped.columns:
        if name in shaped.pretyped:
            kinds[name] = shaped.pretyped[name]
            out.append(frame[name])
            continue
        column = natives.get(name)
        if column is None:
            text = prepared[name]
            column = text.done or _type_text(
                text, decimal=choose_decimal(text.evidence or (0, 0), hint=decimal), year=year
            )
        kinds[name] = column.kind
        issues.extend(column.issues)
        out.append(column.values.alias(name))
    return Typed(frame=pl.DataFrame(out), kinds=kinds, issues=tuple(issues), decimal=decimal)


def _periods(shaped: Shaped) -> pl.Series | None:
    return shaped.frame[shaped.period] if shaped.period else None
