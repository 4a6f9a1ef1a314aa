"""From a grid of cells to a table: header, data rows, and the shape of the data.

Rules (each one tested):

* **Header row**: within the first 30 non-blank rows, the first row that
  fills at least half the table's width (at least two cells). A sparser row
  directly followed by a fuller, header-like row (no numbers) is a title or
  a group row, not the header. Row numbers are the sheet's or file's own,
  1-based, blank rows included. A first row that has the same pattern of
  numbers, dates and text as the rows below it, with no text at all, is
  data: the file has no header and columns are named ``Column 1`` ….
* **Two-row header**: a row right above the header whose cells are all text,
  each sitting over a header cell, with at least one spanning several
  columns (a merged group such as ``Trafik | | Salg |``), is combined with
  the header: a group label applies to the columns under it up to the next
  label, giving ``Trafik Besøg``, ``Trafik Klik``, ``Salg Ordrer`` ….
* **Names**: trimmed; a blank header over data becomes ``Column <n>`` (n is
  the 1-based column); repeats become ``Klik 2``, ``Klik 3``.
* **Dropped silently**: blank rows and columns with neither header nor data.
* **Left out and recorded** (``excluded_rows``): total rows (the first
  non-empty cell reads ``Total``, ``Totalt``, ``I alt``, ``Sum``, ``Summa``,
  ``Grand total`` … with or without a colon) wherever they are, and notes
  below the data (rows at the bottom holding a single text cell, separated
  from the data by a blank row, written where the column holds numbers or
  dates, or starting like a note: ``*``, ``Kilde``, ``Note`` …).
* **Wide layout**: when at least two header cells are periods (months,
  quarters, dates, years) and they outnumber the other columns after the
  first period, the columns before the first period are labels: the metric
  (a column whose header says so, e.g. ``KPI``, ``Nøgletal``, else the last
  text label), dimensions such as a channel (forward-filled when left blank
  under a group), and row numbering (whole numbers, all different), which is
  left out. Columns after the periods that are not periods (``I alt``) are
  left out too, and said so. The table becomes one row per period and
  dimension with one column per metric and the period's first day in a
  column named ``Date`` (``Period date`` if the file already uses ``Date``).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

import polars as pl

from kpi_core.i18n import t
from kpi_core.ingest.dates import YearHint, parse_dates, yearless_issue
from kpi_core.ingest.model import ColumnKind
from kpi_core.ingest.values import clean_text, format_number, parse_numbers, to_text
from kpi_core.issues import ExcludedRow, InputError, Issue, issue

ROW = "__row__"
PERIOD = "__period__"
HEADER_WINDOW = 30
TAIL_ROWS = 200
WIDE_DATE_NAMES = ("Date", "Period date", "Period start")

TOTAL_RE = (
    r"(?i)^\s*(?:grand total|total i alt|totalt|totaler|totals?|i alt|sum|summa|subtotal|sub-total"
    r"|delsum|deltotal|samlet|total sum|sum total)\s*:?\s*$"
)
_NOTE_RE = re.compile(
    r"^(?:\*|†|©|\(c\)|note|notes|noter|kilde|kilder|källa|source|sources|bemærk|bemerk|obs\b"
    r"|anm\b|nb\b|fodnote|footnote)",
    re.IGNORECASE,
)
_METRIC_WORDS = re.compile(
    r"(?i)\b(metric|metrics|kpi|kpis|nøgletal|nyckeltal|måltal|mål|measure|measures|post|poster"
    r"|konto|linje|line item|item)\b"
)
_MIDNIGHT_RE = re.compile(r" 00:00:00(?:\.0+)?$")

Rows = Sequence[tuple[int, dict[int, str]]]


def cell_column(index: int) -> str:
    """Name of the grid column holding the cells of 0-based sheet column ``index``."""
    return f"c{index}"


def column_index(name: str) -> int:
    """Inverse of :func:`cell_column`."""
    return int(name[1:])


@dataclass(frozen=True)
class Header:
    """Where the header is and what it says.

    Attributes
    ----------
    row
        1-based row of the first header row; 0 when the file has no header.
    depth
        Number of header rows: 0, 1 or 2.
    data_start
        1-based row where the data begins.
    names
        0-based column → header text (combined for two rows).
    titles
        Texts of the rows above the header (titles, notes, report periods).
    """

    row: int
    depth: int
    data_start: int
    names: dict[int, str]
    titles: tuple[str, ...] = ()


@dataclass(frozen=True)
class FormulaCells:
    """Formula cells saved without a result, by position."""

    cells: tuple[tuple[int, int], ...] = ()  # (1-based row, 0-based column)
    complete: bool = True  # False when only the first of very many were kept
    per_column: dict[int, int] = field(default_factory=dict)


@dataclass(frozen=True)
class RawTable:
    """Cells from the data start on, with the header found above them."""

    cells: pl.DataFrame  # ROW + cell columns
    header: Header
    formulas: FormulaCells = FormulaCells()


@dataclass(frozen=True)
class Shaped:
    """The table in its final shape, cells not yet typed.

    Attributes
    ----------
    frame
        User columns (final names) plus hidden row-number and period columns.
    columns
        The user columns in order.
    rows
        Column → name of the hidden column with the source row of each cell.
    period
        Hidden column with the period label of each row (wide layout).
    pretyped
        Columns that already have their final type (the wide layout's dates).
    """

    frame: pl.DataFrame
    columns: tuple[str, ...]
    rows: dict[str, str]
    period: str | None
    pretyped: dict[str, ColumnKind]
    layout: Literal["long", "wide"]
    excluded: tuple[ExcludedRow, ...]
    issues: tuple[Issue, ...]


# --------------------------------------------------------------------------- cells


def classify(texts: Sequence[str]) -> list[str]:
    """Kind of each text cell: ``"number"``, ``"year"``, ``"date"`` or ``"text"``.

    Used on the few dozen cells around the header, so one vectorised pass over
    all of them is cheap.
    """
    if not texts:
        return []
    series = clean_text(pl.Series("t", list(texts), dtype=pl.String))
    is_date = parse_dates(series, year=2000, roll_years=False).values.is_not_null()
    is_number = (
        parse_numbers(series, decimal=",").values.is_not_null()
        | parse_numbers(series, decimal=".").values.is_not_null()
    )
    is_year = series.str.contains(r"^(?:19[0-9]{2}|20[0-9]{2})$").fill_null(False)
    out = []
    for date, number, year in zip(is_date, is_number, is_year, strict=True):
        out.append("year" if year else "date" if date else "number" if number else "text")
    return out


def _blank(name: str, dtype: pl.DataType) -> pl.Expr:
    if dtype == pl.String:
        return pl.col(name).str.strip_chars().str.len_chars().fill_null(0) == 0
    return pl.col(name).is_null()


def blank_rows(frame: pl.DataFrame) -> pl.Expr:
    """Expression: every cell of the row is empty or whitespace."""
    cells = [c for c in frame.columns if c != ROW]
    if not cells:
        return pl.lit(True)
    return pl.all_horizontal([_blank(c, frame.schema[c]) for c in cells])


def top_rows(grid: pl.DataFrame, *, limit: int = HEADER_WINDOW + 10) -> list[tuple[int, dict]]:
    """The first ``limit`` non-blank rows of a grid as (row, {column: text})."""
    # Look at the top first; only a sheet that starts with a long blank
    # stretch needs the whole grid scanned.
    head = grid.head(50 * limit).filter(~blank_rows(grid)).head(limit)
    if head.height < limit and grid.height > 50 * limit:
        head = grid.filter(~blank_rows(grid)).head(limit)
    out: list[tuple[int, dict[int, str]]] = []
    for record in head.iter_rows(named=True):
        cells = {}
        for name, value in record.items():
            if name == ROW or value is None:
                continue
            text = value if isinstance(value, str) else str(value)
            if text.strip():
                cells[column_index(name)] = text
        out.append((int(record[ROW]), cells))
    return out


# --------------------------------------------------------------------------- header


def _header_like(kinds: dict[int, str]) -> bool:
    values = list(kinds.values())
    return "number" not in values and (
        "text" in values or values.count("date") + values.count("year") >= 2
    )


def _is_group_row(
    upper: dict[int, str], upper_kinds: dict[int, str], lower: dict[int, str]
) -> bool:
    if len(upper) < 2 or any(kind != "text" for kind in upper_kinds.values()):
        return False
    # A label with nothing below it ("Dato" merged down over both rows) is a name of its
    # own; the groups are the labels over a run of names ("Google Ads" over Klik, Omsætning).
    # Such a label stands inside the header's width; a note beside it (a print date to the
    # right) makes the row a title, not a header.
    if any(col not in lower and col > max(lower) for col in upper):
        return False
    groups = [col for col in upper if col in lower]
    return any(col + 1 in lower and col + 1 not in upper for col in groups)


def _clean_name(text: str) -> str:
    return _MIDNIGHT_RE.sub("", " ".join(text.split()))


def find_header(rows: Rows) -> Header:
    """Find the header among the first non-blank rows of a sheet or file.

    Parameters
    ----------
    rows
        Non-blank rows in order, as (1-based row, {0-based column: text}).
        Must not be empty.

    Returns
    -------
    Header
    """
    window = list(rows[:HEADER_WINDOW])
    flat = [text for _, cells in window for text in cells.values()]
    flat_kinds = iter(classify(flat))
    kinds = [{col: next(flat_kinds) for col in cells} for _, cells in window]
    width = max(len(cells) for _, cells in window)
    threshold = 1 if width <= 1 else max(2, math.ceil(width / 2))

    chosen = None
    for i, (_, cells) in enumerate(window):
        if len(cells) < threshold:
            continue
        if i + 1 < len(window):
            fuller = len(window[i + 1][1])
            if (
                fuller > len(cells)
                and fuller >= math.ceil(0.8 * width)
                and _header_like(kinds[i + 1])
            ):
                continue
        chosen = i
        break
    if chosen is None:
        chosen = max(range(len(window)), key=lambda i: len(window[i][1]))

    row, cells = window[chosen]
    titles = tuple(" ".join(c.values()) for _, c in window[:chosen])
    if _headerless(kinds, chosen):
        return Header(row=0, depth=0, data_start=row, names={}, titles=titles)

    names = {col: _clean_name(text) for col, text in cells.items()}
    if chosen > 0:
        upper_row, upper = window[chosen - 1]
        if upper_row == row - 1 and _is_group_row(upper, kinds[chosen - 1], cells):
            combined: dict[int, str] = {}
            group = ""
            for col in sorted(set(upper) | set(cells)):
                if col in upper and col not in cells:
                    combined[col] = _clean_name(upper[col])  # merged down: its own name
                    group = ""
                    continue
                group = _clean_name(upper[col]) if col in upper else group
                lower = names.get(col, "")
                combined[col] = f"{group} {lower}".strip() if group else lower
            return Header(
                row=upper_row,
                depth=2,
                data_start=row + 1,
                names=combined,
                titles=titles[:-1],
            )
    return Header(row=row, depth=1, data_start=row + 1, names=names, titles=titles)


def _headerless(kinds: list[dict[int, str]], chosen: int) -> bool:
    here = kinds[chosen]
    if "text" in here.values() or "number" not in here.values():
        return False
    if chosen + 1 >= len(kinds):
        return False
    below = kinds[chosen + 1]

    def plain(k: str) -> str:
        return "number" if k == "year" else k

    return {c: plain(k) for c, k in here.items()} == {c: plain(k) for c, k in below.items()}


def body_after(grid: pl.DataFrame, header: Header) -> pl.DataFrame:
    """The grid rows from the data start on."""
    return grid.filter(pl.col(ROW) >= header.data_start)


# --------------------------------------------------------------------------- rows


def _preview(values: Sequence[object]) -> str:
    shown = [
        format_number(v) if isinstance(v, float) else str(v).strip()
        for v in values
        if v is not None
    ]
    text = " | ".join(v for v in shown if v)
    return text if len(text) <= 80 else text[:79] + "…"


def _first_texts(frame: pl.DataFrame, cells: list[str]) -> pl.Expr:
    def as_text(name: str) -> pl.Expr:
        text = pl.col(name).cast(pl.String).str.strip_chars()
        return pl.when(text.str.len_chars() > 0).then(text)

    return pl.coalesce([as_text(c) for c in cells])


def _total_rows(frame: pl.DataFrame, cells: list[str]) -> pl.DataFrame:
    """The rows whose first non-empty cell is a total label."""
    text_cells = [c for c in cells if frame.schema[c] == pl.String]
    if not text_cells:
        return frame.clear()
    # Only rows with a total label somewhere are looked at cell by cell.
    candidate = pl.any_horizontal(
        [pl.col(c).str.contains(TOTAL_RE).fill_null(False) for c in text_cells]
    )
    rows = frame.filter(candidate)
    if rows.is_empty():
        return rows
    is_total = _first_texts(rows, cells).str.contains(TOTAL_RE)
    return rows.filter(is_total.fill_null(False))


def _note_rows(frame: pl.DataFrame, cells: list[str], totals: set[int]) -> list[int]:
    """Rows of notes below the data (see the module rules)."""
    tail = frame.tail(TAIL_ROWS)
    records = tail.iter_rows(named=True)
    rows: list[tuple[int, list[tuple[str, object]]]] = []
    for record in records:
        filled = [
            (c, record[c]) for c in cells if record[c] is not None and str(record[c]).strip() != ""
        ]
        rows.append((int(record[ROW]), filled))
    candidates: list[tuple[int, str, str]] = []
    index = len(rows) - 1
    while index >= 0:
        row, filled = rows[index]
        if not filled or row in totals:
            index -= 1
            continue
        if len(filled) == 1 and isinstance(filled[0][1], str):
            candidates.append((row, filled[0][0], filled[0][1].strip()))
            index -= 1
            continue
        break
    if not candidates or len(candidates) >= len([r for r in rows if r[1]]):
        return []
    last_data_row = rows[index][0] if index >= 0 else 0
    # Blank rows were removed before this, so a jump in row numbers is a gap
    # (or a total row) between the data and the notes.
    gap_below_data = min(r for r, _, _ in candidates) - last_data_row > 1
    kinds = classify([text for _, _, text in candidates])
    notes: list[int] = []
    for (row, column, text), kind in zip(candidates, kinds, strict=True):
        if kind != "text":
            continue
        above = tail.filter(pl.col(ROW) <= last_data_row)[column].drop_nulls().tail(50)
        if above.dtype != pl.String:
            column_is_text = False
        else:
            sample = [v for v in above.to_list() if v.strip()]
            sample_kinds = classify(sample)
            column_is_text = sample_kinds.count("text") * 2 > len(sample_kinds)
        if gap_below_data or not column_is_text or _NOTE_RE.match(text):
            notes.append(row)
    return notes


# --------------------------------------------------------------------------- names


def unique_names(names: Sequence[str], *, reserved: Sequence[str] = ()) -> list[str]:
    """Make names unique: a repeated ``Klik`` becomes ``Klik 2`` (or the next free number).

    A name's first occurrence keeps it; repeats take a number no other column uses.
    """
    taken = {n.casefold() for n in (*reserved, *names)}
    seen: set[str] = {n.casefold() for n in reserved}
    out = []
    for name in names:
        if name.casefold() not in seen:
            seen.add(name.casefold())
            out.append(name)
            continue
        number = 2
        while f"{name} {number}".casefold() in taken:
            number += 1
        candidate = f"{name} {number}"
        taken.add(candidate.casefold())
        seen.add(candidate.casefold())
        out.append(candidate)
    return out


# --------------------------------------------------------------------------- shape


def shape(raw: RawTable, *, year: YearHint, source: str, sheet: str | None = None) -> Shaped:
    """Turn the cells below the header into the table's final shape.

    Parameters
    ----------
    raw
        Cells from the data start on, and the header.
    year
        Year for period headers written without one (``jan``, ``Q1``).
    source, sheet
        The file name, and the sheet of a workbook (``None`` for a text file), for messages.

    Returns
    -------
    Shaped

    Raises
    ------
    InputError
        Nothing is left below the header.
    """
    frame = raw.cells
    cells = sorted((c for c in frame.columns if c != ROW), key=column_index)
    issues: list[Issue] = []
    excluded: list[ExcludedRow] = []

    totals = _total_rows(frame, cells)
    total_rows = set(totals[ROW].to_list())
    for record in totals.select(ROW, *cells).iter_rows():
        excluded.append(ExcludedRow(int(record[0]), TOTAL_ROW, _preview(record[1:])))
    frame = frame.filter(~blank_rows(frame))
    note_rows = _note_rows(frame, cells, total_rows)
    for record in frame.filter(pl.col(ROW).is_in(note_rows)).select(ROW, *cells).iter_rows():
        excluded.append(ExcludedRow(int(record[0]), NOTE_ROW, _preview(record[1:])))
    dropped = total_rows | set(note_rows)
    if dropped:
        frame = frame.filter(~pl.col(ROW).is_in(sorted(dropped)))
    if frame.is_empty() or not cells:
        raise _where_error("no_rows", source, sheet)
    if raw.header.depth == 2:
        first = raw.header.row
        issues.append(
            issue("info", "", "ingest.layout.two_row_header", first=str(first), last=str(first + 1))
        )
    if raw.header.depth == 0:
        if sheet:
            issues.append(
                issue("info", "", "ingest.layout.no_header_sheet", file=source, sheet=sheet)
            )
        else:
            issues.append(issue("info", "", "ingest.layout.no_header", file=source))

    has_data = frame.select([(~_blank(c, frame.schema[c])).any().alias(c) for c in cells]).row(0)
    named = {c: raw.header.names.get(column_index(c), "").strip() for c in cells}
    kept = [c for c, filled in zip(cells, has_data, strict=True) if filled or named[c]]
    labels = {c: named[c] or f"Column {column_index(c) + 1}" for c in kept}
    plan = _wide_plan(frame, kept, labels, year=year.year)
    if plan is not None:
        shaped = _to_long(frame, plan, labels, raw, issues, excluded, source=source, sheet=sheet)
        if plan.yearless:
            issues.append(yearless_issue("", plan.yearless, year))
    else:
        names = dict(
            zip(kept, unique_names([labels[c] for c in kept], reserved=(ROW, PERIOD)), strict=True)
        )
        out = frame.select(ROW, *[pl.col(c).alias(names[c]) for c in kept])
        issues.extend(_formula_issues(raw.formulas, out[ROW], names))
        shaped = Shaped(
            frame=out,
            columns=tuple(names[c] for c in kept),
            rows={names[c]: ROW for c in kept},
            period=None,
            pretyped={},
            layout="long",
            excluded=(),
            issues=(),
        )
    excluded.sort(key=lambda e: e.row)
    if excluded:
        issues[0:0] = _excluded_issues(excluded)
    return replace(shaped, excluded=tuple(excluded), issues=tuple(issues))


def _where_error(name: str, source: str, sheet: str | None) -> InputError:
    """Message ``name`` for a text file, ``name_sheet`` for a sheet of a workbook."""
    if sheet:
        return InputError.of(f"ingest.layout.{name}_sheet", source=source, file=source, sheet=sheet)
    return InputError.of(f"ingest.layout.{name}", source=source, file=source)


#: Why a row was left out. ``ExcludedRow.reason`` holds these English ids (the command
#: line prints them); :func:`reason_text` says them in the user's language.
TOTAL_ROW = "total row"
NOTE_ROW = "note below the data"
HEADING_ROW = "label without values"
#: Reason -> the name of its messages ``ingest.excluded.<name>`` and ``...reason.<name>``.
_REASON_NAMES = {TOTAL_ROW: "total", NOTE_ROW: "note", HEADING_ROW: "label"}


def reason_text(reason: str, *, locale: str = "en") -> str:
    """Why a row was left out, in ``locale`` (an unknown reason is shown as it is)."""
    name = _REASON_NAMES.get(reason)
    return t(f"ingest.excluded.reason.{name}", locale=locale) if name else reason


def row_list(rows: Sequence[int], *, total: int, limit: int = 3) -> str:
    """``7, 9, 12, …``: the first row numbers, with an ellipsis when there are more."""
    shown = [str(r) for r in rows[:limit]]
    return ", ".join(shown) + (", …" if total > len(shown) else "")


def _excluded_issues(excluded: list[ExcludedRow]) -> list[Issue]:
    """One note per reason: how many rows were left out, and which."""
    by_reason: dict[str, list[ExcludedRow]] = {}
    for row in excluded:
        by_reason.setdefault(row.reason, []).append(row)
    out = []
    for reason, rows in by_reason.items():
        examples = tuple(f"row {e.row}: ‘{e.preview}’" for e in rows[:3])
        listing = row_list([e.row for e in rows], total=len(rows))
        name = _REASON_NAMES.get(reason, "other")
        out.append(
            issue(
                "info",
                "",
                f"ingest.excluded.{name}",
                examples=examples,
                count=len(rows),
                rows=listing,
            )
        )
    return out


def _formula_issues(formulas: FormulaCells, rows: pl.Series, names: dict[str, str]) -> list[Issue]:
    if not formulas.per_column:
        return []
    kept_rows = set(rows.to_list())
    by_column: dict[str, list[int]] = {}
    for row, col in formulas.cells:
        name = names.get(cell_column(col))
        if name is not None and row in kept_rows:
            by_column.setdefault(name, []).append(row)
    if not formulas.complete:
        for col, count in formulas.per_column.items():
            name = names.get(cell_column(col))
            if name is not None and count > len(by_column.get(name, [])):
                by_column.setdefault(name, [])
                by_column[name] += [0] * (count - len(by_column[name]))
    return [formula_issue(name, found) for name, found in by_column.items() if found]


def formula_issue(name: str, rows: list[int]) -> Issue:
    """The warning for formula cells that were saved without a result."""
    shown = [r for r in rows if r][:3]
    examples = tuple(f"row {r}" for r in shown)
    count = len(rows)
    if not shown:
        return issue(
            "warning", name, "ingest.formula.unsaved", examples=examples, count=count, column=name
        )
    return issue(
        "warning",
        name,
        "ingest.formula.unsaved_rows",
        examples=examples,
        count=count,
        column=name,
        rows=row_list(shown, total=count),
    )


# --------------------------------------------------------------------------- wide


@dataclass(frozen=True)
class _WidePlan:
    metric: str
    dimensions: tuple[str, ...]
    periods: tuple[tuple[str, object], ...]  # (cell column, date)
    ignored: tuple[str, ...]
    yearless: int


def _wide_plan(
    frame: pl.DataFrame, kept: list[str], labels: dict[str, str], *, year: int
) -> _WidePlan | None:
    if len(kept) < 3:
        return None
    headers = pl.Series("h", [labels[c] for c in kept], dtype=pl.String)
    parsed = parse_dates(clean_text(headers), year=year, roll_years=True)
    years = headers.str.extract(r"^((?:19|20)[0-9]{2})$").cast(pl.Int32, strict=False)
    dates = [
        d if d is not None or y is None else dt.date(y, 1, 1)
        for d, y in zip(parsed.values.to_list(), years.to_list(), strict=True)
    ]
    positions = [i for i, d in enumerate(dates) if d is not None]
    if len(positions) < 2:
        return None
    first = positions[0]
    label_cols = kept[:first]
    text_labels = [c for c in label_cols if frame.schema[c] == pl.String]
    ignored = [c for i, c in enumerate(kept[first:], start=first) if dates[i] is None]
    if not text_labels or len(positions) <= len(ignored):
        return None
    metric = next((c for c in text_labels if _METRIC_WORDS.search(labels[c])), text_labels[-1])
    # A label column splits the table (a channel, written per row or once per
    # group), unless it only numbers the rows: whole numbers, all different.
    dimensions, row_labels = [], []
    for column in label_cols:
        if column == metric:
            continue
        values = clean_text(to_text(frame[column]))
        numbering = (
            values.null_count() == 0
            and values.n_unique() == values.len() > 1
            and bool(values.str.contains(r"^[0-9]+$").all())
        )
        (row_labels if numbering else dimensions).append(column)
    sample = clean_text(frame[metric]).drop_nulls().head(200).to_list()
    kinds = classify(sample)
    if not kinds or kinds.count("text") * 2 <= len(kinds):
        return None
    return _WidePlan(
        metric=metric,
        dimensions=tuple(dimensions),
        periods=tuple((kept[i], dates[i]) for i in positions),
        ignored=tuple(row_labels + ignored),
        yearless=parsed.yearless,
    )


def _to_long(
    frame: pl.DataFrame,
    plan: _WidePlan,
    labels: dict[str, str],
    raw: RawTable,
    issues: list[Issue],
    excluded: list[ExcludedRow],
    *,
    source: str,
    sheet: str | None,
) -> Shaped:
    """Build the long table of a wide plan; headings without values join ``excluded``."""
    dims = list(plan.dimensions)
    period_cols = [c for c, _ in plan.periods]
    values = [pl.col(c).cast(pl.String).str.strip_chars() for c in period_cols]
    prepared = frame.select(
        ROW,
        *[clean_text(to_text(frame[d])).forward_fill().alias(d) for d in dims],
        clean_text(frame[plan.metric]).alias(plan.metric),
        *[v.alias(c) for v, c in zip(values, period_cols, strict=True)],
    )
    empty = pl.all_horizontal([pl.col(c).fill_null("").str.len_chars() == 0 for c in period_cols])
    headings = prepared.filter(empty)
    for record in headings.select(ROW, *dims, plan.metric).iter_rows():
        excluded.append(ExcludedRow(int(record[0]), HEADING_ROW, _preview(record[1:])))
    prepared = prepared.filter(~empty)
    if prepared.is_empty():
        raise _where_error("no_values", source, sheet)
    metric_label = pl.coalesce(pl.col(plan.metric), pl.format("Row {}", pl.col(ROW)))
    occurrence = pl.int_range(pl.len()).over([*dims, "__metric__"]) + 1
    prepared = prepared.with_columns(metric_label.alias("__metric__")).with_columns(
        pl.when(occurrence > 1)
        .then(pl.format("{} ({})", pl.col("__metric__"), occurrence))
        .otherwise(pl.col("__metric__"))
        .alias("__metric__")
    )
    long = pl.concat(
        [
            prepared.select(
                ROW,
                *dims,
                "__metric__",
                pl.col(column).alias("__value__"),
                pl.lit(date, dtype=pl.Date).alias("__date__"),
                pl.lit(labels[column]).alias(PERIOD),
            )
            for column, date in plan.periods
        ]
    )
    metrics = prepared["__metric__"].unique(maintain_order=True).to_list()
    dim_names = unique_names([labels[d] for d in dims], reserved=(ROW, PERIOD))
    date_name = next(
        (n for n in WIDE_DATE_NAMES if n.casefold() not in {d.casefold() for d in dim_names}),
        "Date",
    )
    reserved = [ROW, PERIOD, date_name, *dim_names]
    metric_names = unique_names(metrics, reserved=reserved)
    base = long.select("__date__", PERIOD, *dims).unique(maintain_order=True)
    row_columns: dict[str, str] = {}
    for index, (metric, name) in enumerate(zip(metrics, metric_names, strict=True)):
        row_column = f"{ROW}{index}"
        part = long.filter(pl.col("__metric__") == metric).select(
            "__date__", *dims, pl.col("__value__").alias(name), pl.col(ROW).alias(row_column)
        )
        base = base.join(part, on=["__date__", *dims], how="left", nulls_equal=True)
        row_columns[name] = row_column
    base = base.sort(["__date__", *dims], maintain_order=True, nulls_last=True)
    out = base.select(
        pl.col("__date__").alias(date_name),
        *[pl.col(d).alias(n) for d, n in zip(dims, dim_names, strict=True)],
        *metric_names,
        PERIOD,
        *row_columns.values(),
    )
    first, last = plan.periods[0][0], plan.periods[-1][0]
    issues.append(
        issue(
            "info",
            date_name,
            "ingest.layout.wide",
            first=labels[first],
            last=labels[last],
            column=date_name,
        )
    )
    if plan.ignored:
        names = ", ".join(f"‘{labels[c]}’" for c in plan.ignored)
        issues.append(
            issue(
                "info",
                "",
                "ingest.layout.ignored",
                examples=tuple(labels[c] for c in plan.ignored),
                count=len(plan.ignored),
                columns=names,
            )
        )
    if raw.formulas.per_column:
        metric_of_row = dict(
            zip(prepared[ROW].to_list(), prepared["__metric__"].to_list(), strict=True)
        )
        name_of = dict(zip(metrics, metric_names, strict=True))
        period_columns = {column_index(c) for c in period_cols}
        found: dict[str, list[int]] = {}
        for row, col in raw.formulas.cells:
            if col in period_columns and row in metric_of_row:
                found.setdefault(name_of[metric_of_row[row]], []).append(row)
        issues.extend(formula_issue(name, rows) for name, rows in found.items())
    first_rows = next(iter(row_columns.values()))
    rows = dict.fromkeys([date_name, *dim_names], first_rows) | row_columns
    return Shaped(
        frame=out,
        columns=(date_name, *dim_names, *metric_names),
        rows=rows,
        period=PERIOD,
        pretyped={date_name: "date"},
        layout="wide",
        excluded=tuple(excluded),
        issues=tuple(issues),
    )
