"""Dates and periods as they appear in Nordic business files, parsed per column.

Understood, all vectorised with polars expressions:

* ISO dates with or without a time (``2025-01-31``, ``2025-01-31 13:45:00``);
* day-month-year with ``-``, ``.`` or ``/`` (``31-01-2025``, ``31.01.25``). Day
  first, unless the column proves otherwise (a second component above 12 and
  no first component above 12 makes it month first);
* day and month name (``1. januar 2025``, ``31 Jan 2025``, ``January 31, 2025``);
* month labels in English, Danish, Norwegian and Swedish (``jan 2025``,
  ``Januar 2025``, ``maj``, ``okt.``, ``mars``, ``des``), year-months
  (``2025-01``, ``01/2025``) and quarters (``Q1 2025``, ``2025 Q1``, ``K1 2025``,
  ``1. kvartal 2025``). A period becomes its first day;
* Excel serial day numbers and ``yyyymmdd`` numbers, but only in a column
  whose header names a date (``Dato``, ``Datum``, ``Date``, ``Dag``, ``Day``);
  anywhere else they are just numbers.

A month or quarter without a year takes the year the caller passes (from a
title row or the file name) and rolls over at the turn of the year
(``nov, dec, jan`` → 2024-11, 2024-12, 2025-01).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

import polars as pl

from kpi_core.issues import Issue, issue

MONTHS: dict[str, int] = {
    **dict.fromkeys(["jan", "januar", "january", "januari"], 1),
    **dict.fromkeys(["feb", "febr", "februar", "february", "februari"], 2),
    **dict.fromkeys(["mar", "mrt", "marts", "mars", "march", "mär", "märz"], 3),
    **dict.fromkeys(["apr", "april"], 4),
    **dict.fromkeys(["maj", "mai", "may"], 5),
    **dict.fromkeys(["jun", "juni", "june"], 6),
    **dict.fromkeys(["jul", "juli", "july"], 7),
    **dict.fromkeys(["aug", "august", "augusti"], 8),
    **dict.fromkeys(["sep", "sept", "september"], 9),
    **dict.fromkeys(["okt", "oct", "oktober", "october"], 10),
    **dict.fromkeys(["nov", "november"], 11),
    **dict.fromkeys(["dec", "des", "desember", "december"], 12),
}

# Excel day 18264 is 1950-01-01 and 73050 is 2099-12-31: business data outside
# that range in a numeric date column is far more likely a count than a date.
SERIAL_MIN = 18264
SERIAL_MAX = 73050
_EXCEL_EPOCH = dt.date(1899, 12, 30)

_WORD = "([a-zæøåäö]+)"
_TIME = r"(?:[t ,]+([0-9]{1,2})[:.]([0-9]{2})(?:[:.]([0-9]{2})(?:[.,][0-9]+)?)?)?"
_ISO_RE = (
    rf"^([0-9]{{4}})[-/.]([0-9]{{1,2}})[-/.]([0-9]{{1,2}}){_TIME}(?:z|[+-][0-9]{{2}}:?[0-9]{{2}})?$"
)
_DMY_RE = rf"^([0-9]{{1,2}})[-/.]([0-9]{{1,2}})[-/.]([0-9]{{4}}|[0-9]{{2}}){_TIME}$"
_D_MONTH_Y_RE = rf"^([0-9]{{1,2}})[.\s/-]*{_WORD}[.,\s/-]*([0-9]{{4}})$"
_MONTH_D_Y_RE = rf"^{_WORD}[.\s]*([0-9]{{1,2}}),?\s+([0-9]{{4}})$"
_MONTH_Y_RE = rf"^{_WORD}[.,\s/'-]*([0-9]{{4}}|[0-9]{{2}})?$"
_Y_MONTH_RE = rf"^([0-9]{{4}})[\s/-]+{_WORD}\.?$"
_YM_RE = r"^([0-9]{4})[-/]([0-9]{1,2})$"
_MY_RE = r"^([0-9]{1,2})[-/]([0-9]{4})$"
_Q_Y_RE = r"^(?:[qk]|kv\.?|kvartal|quarter|qtr)\s*([1-4])(?:[\s/.,-]*([0-9]{4}))?$"
_Y_Q_RE = r"^([0-9]{4})[\s/.-]*(?:[qk]|kv\.?)\s*([1-4])$"
_N_KVARTAL_Y_RE = r"^([1-4])\.?\s*(?:kvartal|kv\.?|quarter|qtr)\s*([0-9]{4})?$"
_SERIAL_RE = r"^[0-9]{5}(?:\.[0-9]+)?$"
_COMPACT_RE = r"^(?:19|20)[0-9]{6}$"

_DATE_WORDS = ("dato", "datum", "date", "dag", "day", "måned", "month", "periode", "period")


@dataclass(frozen=True)
class ParsedDates:
    """The outcome of parsing one column as dates.

    Attributes
    ----------
    values
        ``pl.Date`` series, null where empty or not a date.
    failed
        Boolean series: the cell had text but is not a date.
    day_first
        For day/month/year values: whether they were read day first
        (``None`` when the column had none).
    order_proven
        Whether some value proved the day/month order (a component above 12).
    had_time
        Some value carried a time of day other than midnight (it was dropped).
    yearless
        How many months or quarters had no year and took the default year.
    """

    values: pl.Series
    failed: pl.Series
    day_first: bool | None
    order_proven: bool
    had_time: bool
    yearless: int


def looks_like_date_header(name: str) -> bool:
    """True when a header names a date (``Dato``, ``Ordredato``, ``Date``, ``Day`` …)."""
    spaced = re.sub(r"([a-zæøå])([A-Z])", r"\1 \2", name)
    words = [w for w in re.split(r"[^a-zæøåäö]+", spaced.lower()) if w]
    return any(word.endswith(_DATE_WORDS) for word in words)


def year_hint(texts: Iterable[str]) -> int | None:
    """The year named in titles or a file name (``Salg 2025``, ``budget_2024.xlsx``).

    Returns the first plausible four-digit year (1990–2099) found, or ``None``.
    """
    for text in texts:
        for match in re.finditer(r"(?<![0-9])(19[9][0-9]|20[0-9]{2})(?![0-9])", text):
            return int(match.group(1))
    return None


def _int(expr: pl.Expr) -> pl.Expr:
    return expr.cast(pl.Int32, strict=False)


def _month(expr: pl.Expr) -> pl.Expr:
    return expr.str.strip_chars(".").replace_strict(MONTHS, default=None, return_dtype=pl.Int32)


def _full_year(expr: pl.Expr) -> pl.Expr:
    """Two-digit years: up to ten years ahead is this century, the rest the last."""
    pivot = dt.date.today().year % 100 + 10
    year = _int(expr)
    return (
        pl.when(year >= 100).then(year).when(year <= pivot).then(year + 2000).otherwise(year + 1900)
    )


def _make_date(year: pl.Expr, month: pl.Expr, day: pl.Expr) -> pl.Expr:
    # Formatting and re-parsing turns impossible dates (31.02.) into nulls,
    # where pl.date would raise for the whole column.
    text = pl.format(
        "{}-{}-{}",
        year.cast(pl.String).str.zfill(4),
        month.cast(pl.String).str.zfill(2),
        day.cast(pl.String).str.zfill(2),
    )
    return text.str.to_date("%Y-%m-%d", strict=False)


def _has_time(groups: pl.Expr, first: str) -> pl.Expr:
    names = [first, str(int(first) + 1), str(int(first) + 2)]
    parts = [_int(groups.struct.field(n)).fill_null(0) for n in names]
    return (parts[0] > 0) | (parts[1] > 0) | (parts[2] > 0)


def _serial_dates(text: pl.Expr) -> pl.Expr:
    serial = text.cast(pl.Float64, strict=False)
    in_range = text.str.contains(_SERIAL_RE) & serial.is_between(SERIAL_MIN, SERIAL_MAX)
    days = serial.floor().cast(pl.Int64)
    return pl.when(in_range).then(pl.lit(_EXCEL_EPOCH) + pl.duration(days=days))


def serials_to_dates(values: pl.Series) -> pl.Series:
    """Excel serial day numbers (Float64) to ``pl.Date``; outside 1950–2099 → null."""
    frame = pl.DataFrame({"v": values.cast(pl.Float64)})
    in_range = pl.col("v").is_between(SERIAL_MIN, SERIAL_MAX)
    days = pl.col("v").floor().cast(pl.Int64)
    expr = pl.when(in_range).then(pl.lit(_EXCEL_EPOCH) + pl.duration(days=days))
    return frame.select(expr.cast(pl.Date).alias(values.name)).to_series()


# Most date columns are ISO or dd-mm-yyyy; those cells are parsed by one
# strptime and only the rest go through the patterns below, and only the
# pattern families that occur at all are run.
_ISO_FAST_RE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}(?:[ T][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?)?$"
_DMY_FAST_RE = r"^[0-9]{2}[-./][0-9]{2}[-./][0-9]{4}$"
_MIDNIGHT_RE = r"^(?:.{10})?(?:[ T]00:00(?::00(?:\.0+)?)?)?$"


def parse_dates(
    series: pl.Series, *, year: int, date_header: bool = False, roll_years: bool = True
) -> ParsedDates:
    """Parse trimmed text cells as dates or periods.

    Parameters
    ----------
    series
        Trimmed text cells; null means empty.
    year
        The year for months and quarters written without one.
    date_header
        The column's header names a date: Excel serial numbers and
        ``yyyymmdd`` numbers are then read as dates too.
    roll_years
        Let yearless months roll into the next (or previous) year when the
        sequence wraps around, as a row of month headers does.

    Returns
    -------
    ParsedDates
    """
    series = series.cast(pl.String)
    t = pl.col("t")
    iso = t.str.contains(_ISO_FAST_RE)
    dmy = t.str.contains(_DMY_FAST_RE).fill_null(False)
    frame = pl.DataFrame({"t": series}).with_row_index("i")
    first = frame.select(
        pl.when(iso).then(t.str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False)).alias("v"),
        (iso.fill_null(True) | dmy).alias("fast"),
        dmy.alias("dmy"),
        (iso & ~t.str.contains(_MIDNIGHT_RE)).any().alias("timed"),
        pl.when(dmy).then(_int(t.str.slice(0, 2))).max().alias("a"),
        pl.when(dmy).then(_int(t.str.slice(3, 2))).max().alias("b"),
    )
    rest = frame.filter(~first["fast"])
    evidence = (first["a"][0], first["b"][0])
    general = None
    if rest.height:
        general = _parse_general(
            rest["t"], year=year, date_header=date_header, roll_years=roll_years, order=evidence
        )
    values = first["v"]
    day_first, proven = _day_order(*evidence) if evidence[0] is not None else (None, False)
    if general is not None:
        values = values.scatter(rest["i"], general.values)
        if general.day_first is not None:
            day_first, proven = general.day_first, general.order_proven
    if first["dmy"].any():
        layout = "%d-%m-%Y" if day_first else "%m-%d-%Y"
        dmy_values = frame.filter(first["dmy"]).select(
            "i", t.str.replace_all("[./]", "-").str.to_date(layout, strict=False).alias("v")
        )
        values = values.scatter(dmy_values["i"], dmy_values["v"])
    return ParsedDates(
        values=values.alias(series.name),
        failed=series.is_not_null() & values.is_null(),
        day_first=day_first,
        order_proven=proven,
        had_time=bool(first["timed"][0]) or bool(general and general.had_time),
        yearless=general.yearless if general else 0,
    )


def _day_order(max_a: int | None, max_b: int | None) -> tuple[bool, bool]:
    """(day first, proven) from the largest first and second components of d/m/y values."""
    month_first = max_b is not None and max_b > 12 and (max_a is None or max_a <= 12)
    proven = (max_a is not None and max_a > 12) or (max_b is not None and max_b > 12)
    return not month_first, proven


def _parse_general(
    series: pl.Series,
    *,
    year: int,
    date_header: bool,
    roll_years: bool,
    order: tuple[int | None, int | None],
) -> ParsedDates:
    """The patterns for everything the fast paths did not take.

    ``order`` holds the largest first and second components of the column's
    dd-mm-yyyy cells read elsewhere, so one day/month order serves the column.
    """
    low = pl.col("t").str.to_lowercase()
    families = (
        pl.DataFrame({"t": series})
        .select(
            low.str.contains(r"^[0-9]{4}[-/.][0-9]").any().alias("iso"),
            low.str.contains(r"^[0-9]{1,2}[-/.][0-9]{1,2}[-/.][0-9]").any().alias("dmy"),
            low.str.contains(r"^[0-9]{1,2}[-/][0-9]{4}$").any().alias("my"),
            low.str.contains("[a-zæøåäö]").any().alias("words"),
            low.str.contains(r"^[0-9]+(?:\.[0-9]+)?$").any().alias("numbers"),
        )
        .row(0, named=True)
    )
    columns: list[pl.Expr] = [pl.col("t")]
    if families["iso"]:
        columns += [
            low.str.extract_groups(_ISO_RE).alias("iso"),
            low.str.extract_groups(_YM_RE).alias("ym"),
        ]
    if families["dmy"]:
        dmy = low.str.extract_groups(_DMY_RE)
        columns += [
            dmy.alias("dmy"),
            _int(dmy.struct.field("1")).alias("a"),
            _int(dmy.struct.field("2")).alias("b"),
        ]
    if families["my"]:
        columns.append(low.str.extract_groups(_MY_RE).alias("my"))
    if families["words"]:
        month_y = low.str.extract_groups(_MONTH_Y_RE)
        columns += [
            month_y.alias("month_y"),
            _month(month_y.struct.field("1")).alias("month_y_m"),
            low.str.extract_groups(_Q_Y_RE).alias("q_y"),
            low.str.extract_groups(_N_KVARTAL_Y_RE).alias("n_kv_y"),
            low.str.extract_groups(_D_MONTH_Y_RE).alias("d_month_y"),
            low.str.extract_groups(_MONTH_D_Y_RE).alias("month_d_y"),
            low.str.extract_groups(_Y_MONTH_RE).alias("y_month"),
            low.str.extract_groups(_Y_Q_RE).alias("y_q"),
        ]
    frame = pl.DataFrame({"t": series}).lazy().select(columns).collect()

    maxima_a = [
        m for m in (order[0], frame["a"].max() if families["dmy"] else None) if m is not None
    ]
    maxima_b = [
        m for m in (order[1], frame["b"].max() if families["dmy"] else None) if m is not None
    ]
    day_first, proven = _day_order(max(maxima_a, default=None), max(maxima_b, default=None))
    month_first = not day_first

    candidates: list[pl.Expr] = []
    timed: list[pl.Expr] = []
    yearless_parts: list[pl.Expr] = []
    if families["iso"]:
        iso = pl.col("iso")
        candidates.append(
            _make_date(
                _int(iso.struct.field("1")),
                _int(iso.struct.field("2")),
                _int(iso.struct.field("3")),
            )
        )
        candidates.append(
            _make_date(
                _int(pl.col("ym").struct.field("1")),
                _int(pl.col("ym").struct.field("2")),
                pl.lit(1),
            )
        )
        timed.append(iso.struct.field("4").is_not_null() & _has_time(iso, "4"))
    if families["dmy"]:
        day, month = (pl.col("b"), pl.col("a")) if month_first else (pl.col("a"), pl.col("b"))
        candidates.append(_make_date(_full_year(pl.col("dmy").struct.field("3")), month, day))
        timed.append(pl.col("dmy").struct.field("4").is_not_null() & _has_time(pl.col("dmy"), "4"))
    if families["my"]:
        my = pl.col("my")
        candidates.append(
            _make_date(_int(my.struct.field("2")), _int(my.struct.field("1")), pl.lit(1))
        )
    if families["words"]:
        frame, default_year, yearless_month, yearless_quarter, quarter_no, quarter_year = (
            _yearless_periods(frame, year=year, roll_years=roll_years)
        )
        candidates += [
            _make_date(
                _int(pl.col("d_month_y").struct.field("3")),
                _month(pl.col("d_month_y").struct.field("2")),
                _int(pl.col("d_month_y").struct.field("1")),
            ),
            _make_date(
                _int(pl.col("month_d_y").struct.field("3")),
                _month(pl.col("month_d_y").struct.field("1")),
                _int(pl.col("month_d_y").struct.field("2")),
            ),
            _make_date(
                pl.when(yearless_month)
                .then(default_year)
                .otherwise(_full_year(pl.col("month_y").struct.field("2"))),
                pl.col("month_y_m"),
                pl.lit(1),
            ),
            _make_date(
                _int(pl.col("y_month").struct.field("1")),
                _month(pl.col("y_month").struct.field("2")),
                pl.lit(1),
            ),
            _make_date(
                pl.when(yearless_quarter).then(default_year).otherwise(_int(quarter_year)),
                quarter_no * 3 - 2,
                pl.lit(1),
            ),
            _make_date(
                _int(pl.col("y_q").struct.field("1")),
                _int(pl.col("y_q").struct.field("2")) * 3 - 2,
                pl.lit(1),
            ),
        ]
        yearless_parts.append(yearless_month | yearless_quarter)
    if date_header and families["numbers"]:
        candidates.append(_serial_dates(pl.col("t")).cast(pl.Date))
        candidates.append(
            pl.when(pl.col("t").str.contains(_COMPACT_RE)).then(
                pl.col("t").str.to_date("%Y%m%d", strict=False)
            )
        )
    if not candidates:
        nothing = pl.Series(series.name, [None] * series.len(), dtype=pl.Date)
        return ParsedDates(nothing, series.is_not_null(), None, False, False, 0)
    value = pl.coalesce(candidates)
    result = frame.select(
        value.alias("v"),
        (pl.any_horizontal(timed) & value.is_not_null()).any().alias("timed")
        if timed
        else pl.lit(False).alias("timed"),
        (pl.any_horizontal(yearless_parts) & value.is_not_null()).sum().alias("yearless")
        if yearless_parts
        else pl.lit(0).alias("yearless"),
    )
    return ParsedDates(
        values=result["v"],
        failed=series.is_not_null() & result["v"].is_null(),
        day_first=(not month_first) if families["dmy"] else None,
        order_proven=bool(proven),
        had_time=bool(result["timed"][0]),
        yearless=int(result["yearless"][0] or 0),
    )


def _yearless_periods(
    frame: pl.DataFrame, *, year: int, roll_years: bool
) -> tuple[pl.DataFrame, pl.Expr, pl.Expr, pl.Expr, pl.Expr, pl.Expr]:
    """Give months and quarters without a year one, rolling over where the sequence wraps.

    In row (or column) order, a step back from December to January moves to
    the next year when most steps go forward, and the other way round.
    """
    yearless_month = (
        pl.col("month_y_m").is_not_null() & pl.col("month_y").struct.field("2").is_null()
    )
    quarter_no = pl.coalesce(
        _int(pl.col("q_y").struct.field("1")), _int(pl.col("n_kv_y").struct.field("1"))
    )
    quarter_year = pl.coalesce(pl.col("q_y").struct.field("2"), pl.col("n_kv_y").struct.field("2"))
    yearless_quarter = quarter_no.is_not_null() & quarter_year.is_null()
    period_index = (
        pl.when(yearless_month)
        .then(pl.col("month_y_m"))
        .when(yearless_quarter)
        .then(quarter_no * 3 - 2)
    )
    frame = frame.with_columns(period_index.alias("p"))
    offsets = pl.Series("o", [0] * frame.height, dtype=pl.Int32)
    steps_in_order = frame["p"].drop_nulls()
    if roll_years and steps_in_order.len() > 1:
        steps = steps_in_order.diff().drop_nulls()
        forward = int((steps > 0).sum()) >= int((steps < 0).sum())
        wraps = (steps < 0) if forward else (steps > 0)
        cumulative = pl.concat([pl.Series([0], dtype=pl.Int32), wraps.cast(pl.Int32).cum_sum()])
        positions = frame.with_row_index("i").filter(pl.col("p").is_not_null())["i"]
        offsets = offsets.scatter(positions, cumulative * (1 if forward else -1))
    frame = frame.with_columns(offsets.alias("o"))
    default_year = pl.lit(year) + pl.col("o")
    return frame, default_year, yearless_month, yearless_quarter, quarter_no, quarter_year


@dataclass(frozen=True)
class YearHint:
    """The year for months and quarters written without one, and where it came from.

    Attributes
    ----------
    year
        The year to use.
    origin
        Where it was found (``"the title"``, ``"the sheet name"``, ``"the file
        name"``), or ``""`` when nothing named a year and the current year was
        assumed.
    """

    year: int
    origin: str


def choose_year(*, titles: Iterable[str], sheet: str | None, source: str) -> YearHint:
    """Find the year a file is about: its title rows, then sheet name, then file name."""
    for origin, texts in (
        ("the title", titles),
        ("the sheet name", [sheet or ""]),
        ("the file name", [source]),
    ):
        found = year_hint(texts)
        if found is not None:
            return YearHint(found, origin)
    return YearHint(dt.date.today().year, "")


_ORIGINS = {"the title": "title", "the sheet name": "sheet", "the file name": "file"}


def yearless_issue(field: str, count: int, hint: YearHint) -> Issue:
    """Say which year was given to months or quarters written without one."""
    subject = "column" if field else "headers"
    if hint.origin:
        origin = _ORIGINS.get(hint.origin, "title")
        return issue(
            "info",
            field,
            f"ingest.yearless.{subject}_{origin}",
            count=count,
            column=field,
            year=str(hint.year),
        )
    return issue(
        "warning",
        field,
        f"ingest.yearless.{subject}_assumed",
        count=count,
        column=field,
        year=str(hint.year),
    )
