"""Workbooks (xlsx, xlsm, xls, ods) read with calamine through fastexcel.

Reading is one calamine pass over the chosen sheet; everything else is done
on whole columns. For xlsx/xlsm the header is found first from the top rows
(``ooxml.preview_rows``) so that calamine can type every column from *all*
its rows (``schema_sample_rows=None``): a column of numbers arrives as
Float64 and costs nothing more, while every cell that did not fit its
column's type comes back in ``to_arrow_with_errors`` and is put back as text
for our own parsers to count. That is about 4 s faster per million rows
than reading every cell as text. If anything about that plan does not line
up (the header calamine sees differs from ours, or a column mixes types
calamine cannot combine), the sheet is read as text instead, which is also
how .xls and .ods files are read.

This module runs calamine, which can abort the process on hostile input:
call it inside the sandbox (``sandbox.py``) unless the input is trusted.
"""

from __future__ import annotations

import io
import logging
import re
import threading
import zipfile
from collections.abc import Callable
from dataclasses import dataclass

import fastexcel
import polars as pl

from kpi_core.ingest import ooxml
from kpi_core.ingest.formats import password_protected
from kpi_core.ingest.guard import damaged
from kpi_core.ingest.layout import (
    HEADER_WINDOW,
    ROW,
    FormulaCells,
    Header,
    RawTable,
    body_after,
    cell_column,
    find_header,
    top_rows,
)
from kpi_core.ingest.model import FileFormat, SheetInfo
from kpi_core.ingest.values import format_number, to_text
from kpi_core.issues import InputError, Issue, issue

log = logging.getLogger(__name__)

_ERROR_CODES = {
    "Div0": "#DIV/0!",
    "NA": "#N/A",
    "Value": "#VALUE!",
    "Ref": "#REF!",
    "Name": "#NAME?",
    "Num": "#NUM!",
    "Null": "#NULL!",
    "GettingData": "#GETTING_DATA",
}
_DETAIL_RE = re.compile(r"got '(.*)'$", re.S)
_PAYLOAD_RE = re.compile(r"^(\w+)\((.*)\)$", re.S)
# fastexcel shows a string cell as Rust's Debug form: "a\"b\n" with escapes.
_RUST_ESCAPE_RE = re.compile(r"\\(.)", re.S)
_RUST_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\0"}
# A multi-sheet workbook whose biggest sheet XML is this many times the next
# is decided by size alone; closer calls count the cells that hold values.
_CLEAR_WINNER = 4


@dataclass(frozen=True)
class WorkbookRead:
    """A sheet read from a workbook, ready for layout."""

    raw: RawTable
    sheets: tuple[SheetInfo, ...]
    sheet: str
    issues: tuple[Issue, ...]


class _NewErrorCell(Exception):
    """calamine knows no newer Excel error cell (``#SPILL!``, ``#CALC!``) and refuses the sheet."""


def _open(data: bytes, *, source: str) -> fastexcel.ExcelReader:
    try:
        return fastexcel.read_excel(data)
    except Exception as exc:  # calamine reports every kind of damage as its own error type
        raise _reader_error(exc, source) from exc


def _reader_error(exc: Exception, source: str) -> InputError:
    text = str(exc).lower()
    if "password" in text or "encrypt" in text:
        return password_protected(source)
    return damaged(source)


def _catalog(data: bytes, *, source: str) -> ooxml.Catalog:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return ooxml.catalog(zf, source=source)


def _load(
    reader: fastexcel.ExcelReader, name: str, *, source: str, **options: object
) -> fastexcel.ExcelSheet:
    try:
        return reader.load_sheet(name, **options)
    except fastexcel.UnsupportedColumnTypeCombinationError:
        raise
    except fastexcel.CalamineCellError as exc:
        if "unsupported cell error" in str(exc).lower():
            raise _NewErrorCell(str(exc)) from exc
        if options.get("dtypes") == "string":
            raise _reader_error(exc, source) from exc
        raise  # the typed read gives up on an error cell; the text read handles it
    except Exception as exc:
        if "unsupported cell error" in str(exc).lower():
            raise _NewErrorCell(str(exc)) from exc
        raise _reader_error(exc, source) from exc


def _resolve(requested: str, infos: tuple[SheetInfo, ...], *, source: str) -> str:
    names = [i.name for i in infos]
    if requested in names:
        return requested
    folded = [n for n in names if n.casefold() == requested.strip().casefold()]
    if len(folded) == 1:
        return folded[0]
    visible = [i.name for i in infos if i.visible]
    hidden = [i.name for i in infos if not i.visible]
    if not hidden or not visible:
        raise InputError.of(
            "ingest.sheet.unknown",
            source=source,
            file=source,
            sheet=requested,
            sheets=_quoted(visible or hidden),
        )
    raise InputError.of(
        "ingest.sheet.unknown_with_hidden",
        source=source,
        file=source,
        sheet=requested,
        sheets=_quoted(visible),
        hidden=_quoted(hidden),
    )


def _quoted(names: list[str]) -> str:
    """``‘a’, ‘b’``: sheet names as messages list them (names are never translated)."""
    return ", ".join(f"‘{n}’" for n in names)


def _payload_text(detail: str) -> str:
    """What a cell held, from fastexcel's description of why it did not fit."""
    found = _DETAIL_RE.search(detail)
    payload = found.group(1) if found else detail
    match = _PAYLOAD_RE.match(payload)
    if not match:
        return payload
    kind, inner = match.groups()
    if kind == "Error":
        return _ERROR_CODES.get(inner, f"#{inner.upper()}")
    if kind in ("String", "DateTimeIso", "DurationIso"):
        if len(inner) < 2 or inner[0] != '"' or inner[-1] != '"':
            return inner
        return _RUST_ESCAPE_RE.sub(lambda m: _RUST_ESCAPES.get(m.group(1), m.group(1)), inner[1:-1])
    if kind == "Bool":
        return inner.upper()
    if kind in ("Float", "Int"):
        try:
            return format_number(float(inner))
        except ValueError:
            return inner
    serial = re.search(r"value: ([0-9.]+)", inner)
    if kind == "DateTime" and serial:
        return ooxml.serial_text(float(serial.group(1)))
    return inner


def _to_frame(
    sheet: fastexcel.ExcelSheet,
    *,
    first_row: int,
    infos: list[fastexcel.ColumnInfo] | None = None,
) -> pl.DataFrame:
    """A loaded sheet as ROW + cell columns, with misfit cells put back as text."""
    batch, errors = sheet.to_arrow_with_errors()
    frame = pl.DataFrame(pl.from_arrow(batch))
    # available_columns() works out the column types again on every call.
    infos = infos if infos is not None else sheet.available_columns()
    frame = frame.rename({info.name: cell_column(info.absolute_index) for info in infos})
    if errors is not None and errors.errors:
        fixes: dict[str, tuple[list[int], list[str]]] = {}
        for error in errors.errors:
            column = cell_column(infos[error.position[1]].absolute_index)
            rows, texts = fixes.setdefault(column, ([], []))
            rows.append(error.offset_position[0])
            texts.append(_payload_text(error.detail))
        frame = frame.with_columns(
            to_text(frame[column]).scatter(rows, texts) for column, (rows, texts) in fixes.items()
        )
    return frame.with_row_index(ROW, offset=first_row).with_columns(pl.col(ROW).cast(pl.Int64))


def _grid(reader: fastexcel.ExcelReader, name: str, *, source: str) -> pl.DataFrame:
    sheet = _load(reader, name, source=source, header_row=None, skip_rows=0, dtypes="string")
    return _to_frame(sheet, first_row=1)


def _typed(
    reader: fastexcel.ExcelReader,
    name: str,
    header: Header,
    preview: list[tuple[int, dict[int, str]]],
    *,
    source: str,
) -> pl.DataFrame | None:
    """Read below the header with whole-column typing; ``None`` if the plan does not hold."""
    header_row = header.data_start - 1
    lower = next((cells for row, cells in preview if row == header_row), {})
    try:
        sheet = _load(
            reader,
            name,
            source=source,
            header_row=header_row - 1,
            schema_sample_rows=None,
            dtype_coercion="coerce",
        )
    except (fastexcel.UnsupportedColumnTypeCombinationError, fastexcel.CalamineCellError):
        # Mixed types, or an error cell such as #NAME? the typed read cannot hold.
        return None
    except _NewErrorCell:
        return None  # the text read goes to the sheet's XML
    infos = sheet.available_columns()
    for info in infos:
        text = lower.get(info.absolute_index)
        if info.column_name_from == "looked_up":
            if text is None or not (info.name == text or info.name.startswith(text)):
                return None
        elif text is not None and text.strip():
            return None
    return _to_frame(sheet, first_row=header.data_start, infos=infos)


def _start_formula_scan(data: bytes, member: str | None) -> Callable[[], FormulaCells]:
    """Scan for formulas without results in a thread, next to calamine's parse."""
    result: list[FormulaCells] = []

    def scan() -> None:
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                found = ooxml.scan_formulas_without_values(zf, member)
        except Exception:  # a scan that fails must not fail the read; calamine judges the file
            log.warning("formula scan of %s failed", member, exc_info=True)
            return
        total = sum(found.per_column.values())
        result.append(FormulaCells(tuple(found.cells), len(found.cells) == total, found.per_column))

    if member is None:
        return _no_formulas
    thread = threading.Thread(target=scan, name="formula-scan", daemon=True)
    thread.start()

    def join() -> FormulaCells:
        thread.join()
        return result[0] if result else FormulaCells()

    return join


def _no_formulas() -> FormulaCells:
    return FormulaCells()


def _choose_by_cells(data: bytes, candidates: list[str], paths: dict[str, str | None]) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        sizes = {
            n: zf.getinfo(p).file_size if p in zf.NameToInfo else 0
            for n, p in ((n, paths.get(n)) for n in candidates)
        }
        largest = max(sizes.values())
        close = [n for n in candidates if sizes[n] * _CLEAR_WINNER >= largest]
        if len(close) == 1:
            return close[0]
        counts = {n: ooxml.count_value_cells(zf, paths[n]) if paths.get(n) else 0 for n in close}
    return max(close, key=lambda n: counts[n])


@dataclass
class _Book:
    """An opened workbook and what is known about its sheets."""

    data: bytes
    source: str
    reader: fastexcel.ExcelReader
    catalog: ooxml.Catalog | None  # xlsx/xlsm only
    infos: tuple[SheetInfo, ...]
    loaded: dict[str, fastexcel.ExcelSheet]  # xls/ods: calamine parsed them on opening
    grids: dict[str, pl.DataFrame]

    @classmethod
    def open(cls, data: bytes, *, source: str, file_format: FileFormat) -> _Book:
        reader = _open(data, source=source)
        names = reader.sheet_names
        if file_format in ("xlsx", "xlsm"):
            catalog = _catalog(data, source=source)
            states = {e.name: e.state for e in catalog.sheets}
            infos = tuple(
                SheetInfo(n, visible=states.get(n, "visible") == "visible") for n in names
            )
            return cls(data, source, reader, catalog, infos, {}, {})
        options = {"header_row": None, "skip_rows": 0, "dtypes": "string"}
        loaded = {n: _load(reader, n, source=source, **options) for n in names}
        infos = tuple(SheetInfo(n, visible=loaded[n].visible == "visible") for n in names)
        return cls(data, source, reader, None, infos, loaded, {})

    def entry(self, name: str) -> ooxml.SheetEntry | None:
        if self.catalog is None:
            return None
        return next((e for e in self.catalog.sheets if e.name == name), None)

    def grid(self, name: str) -> pl.DataFrame:
        """The sheet's cells as text, from row 1 (read once)."""
        if name not in self.grids:
            if name in self.loaded:
                self.grids[name] = _to_frame(self.loaded[name], first_row=1)
            else:
                try:
                    self.grids[name] = _grid(self.reader, name, source=self.source)
                except _NewErrorCell as exc:
                    self.grids[name] = self._grid_from_xml(name, exc)
        return self.grids[name]

    def _grid_from_xml(self, name: str, exc: _NewErrorCell) -> pl.DataFrame:
        """The sheet's cells read from its XML, for a sheet calamine refuses.

        Excel 365 writes error cells (``#SPILL!``, ``#CALC!``) that calamine does not know;
        the cells are text like any other here, and the values step reports them as errors.
        """
        entry = self.entry(name)
        if self.catalog is None or entry is None:
            raise damaged(self.source) from exc
        with zipfile.ZipFile(io.BytesIO(self.data)) as zf:
            rows = ooxml.preview_rows(zf, self.catalog, entry.path, rows=None, source=self.source)
        width = max((max(cells) for _, cells in rows), default=-1) + 1
        last = max((row for row, _ in rows), default=0)
        by_row = dict(rows)
        columns = {
            cell_column(i): [by_row.get(r, {}).get(i) for r in range(1, last + 1)]
            for i in range(width)
        }
        frame = pl.DataFrame(columns, schema={c: pl.String for c in columns})
        return frame.with_row_index(ROW, offset=1).with_columns(pl.col(ROW).cast(pl.Int64))


def _choose_sheet(book: _Book, requested: str | None) -> tuple[str, list[Issue]]:
    """The requested sheet, or the visible worksheet with the most data."""
    if requested is not None:
        return _resolve(requested, book.infos, source=book.source), []
    candidates = [
        i.name
        for i in book.infos
        if i.visible and (book.entry(i.name) is None or book.entry(i.name).is_worksheet)
    ]
    if not candidates:
        raise InputError.of("ingest.sheet.none_visible", source=book.source, file=book.source)
    if len(candidates) == 1:
        chosen = candidates[0]
    elif book.catalog is not None:
        paths = {e.name: e.path for e in book.catalog.sheets}
        chosen = _choose_by_cells(book.data, candidates, paths)
    else:
        filled = {
            n: sum(g.height - g[c].null_count() for c in g.columns if c != ROW)
            for n, g in ((n, book.grid(n)) for n in candidates)
        }
        chosen = max(candidates, key=lambda n: filled[n])
    issues = []
    if len(candidates) > 1:
        others = _quoted([n for n in candidates if n != chosen])
        issues.append(issue("info", "", "ingest.sheet.chosen", sheet=chosen, others=others))
    for info in book.infos:
        if not info.visible:
            issues.append(issue("info", "", "ingest.sheet.hidden", sheet=info.name))
    return chosen, issues


def _read_sheet(book: _Book, name: str) -> RawTable:
    """Find the header and read the cells below it, typed where the plan allows."""
    entry = book.entry(name)
    member = entry.path if entry is not None else None
    if book.catalog is not None and member is not None:
        formulas = _start_formula_scan(book.data, member)
        with zipfile.ZipFile(io.BytesIO(book.data)) as zf:
            preview = ooxml.preview_rows(
                zf, book.catalog, member, rows=HEADER_WINDOW + 10, source=book.source
            )
        if preview:
            header = find_header(preview)
            if header.depth > 0:
                cells = _typed(book.reader, name, header, preview, source=book.source)
                if cells is not None:
                    return RawTable(cells=cells, header=header, formulas=formulas())
    else:
        formulas = _no_formulas
    grid = book.grid(name)
    top = top_rows(grid)
    if not top:
        others = _quoted([i.name for i in book.infos if i.name != name])
        if others:
            raise InputError.of(
                "ingest.sheet.empty",
                source=book.source,
                file=book.source,
                sheet=name,
                others=others,
            )
        raise InputError.of(
            "ingest.sheet.empty_only", source=book.source, file=book.source, sheet=name
        )
    header = find_header(top)
    return RawTable(cells=body_after(grid, header), header=header, formulas=formulas())


def list_workbook_sheets(
    data: bytes, *, source: str, file_format: FileFormat
) -> tuple[SheetInfo, ...]:
    """Every sheet of a workbook with its visibility (for xlsx no sheet is parsed).

    Parameters
    ----------
    data
        The whole file.
    source
        File name for messages.
    file_format
        What :func:`formats.detect_format` found.
    """
    return _Book.open(data, source=source, file_format=file_format).infos


def read_workbook(
    data: bytes,
    *,
    source: str,
    file_format: FileFormat,
    sheet: str | None,
) -> WorkbookRead:
    """Read the data sheet of a workbook into cells below a found header.

    Parameters
    ----------
    data
        The whole file.
    source
        File name for messages.
    file_format
        ``"xlsx"``, ``"xlsm"``, ``"xls"`` or ``"ods"``.
    sheet
        The sheet to read; ``None`` picks the visible sheet with the most data.

    Returns
    -------
    WorkbookRead

    Raises
    ------
    InputError
        Damaged or protected file, unknown sheet, or an empty sheet.
    """
    book = _Book.open(data, source=source, file_format=file_format)
    chosen, issues = _choose_sheet(book, sheet)
    raw = _read_sheet(book, chosen)
    return WorkbookRead(raw=raw, sheets=book.infos, sheet=chosen, issues=tuple(issues))
