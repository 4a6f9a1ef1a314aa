"""Reading an upload end to end: detect, guard, read, shape, type.

Workbooks are read in the sandbox by default; text files are read in this
process up to ``guard.INPROCESS_TEXT_BYTES`` (polars' CSV reader has no
native abort risk, and the child's 0.5 s start would dominate a small CSV),
and in the sandbox above that so their memory is bounded too.
"""

from __future__ import annotations

import io
import time
import zipfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from kpi_core.ingest import guard, sandbox
from kpi_core.ingest.columns import type_columns
from kpi_core.ingest.dates import choose_year
from kpi_core.ingest.formats import detect_format
from kpi_core.ingest.layout import RawTable, body_after, find_header, shape, top_rows
from kpi_core.ingest.model import FileFormat, LoadedTable, SheetInfo, TableParts
from kpi_core.ingest.text import read_text
from kpi_core.ingest.workbook import list_workbook_sheets, read_workbook
from kpi_core.issues import InputError, Issue

Progress = Callable[[str], None]


def _no_progress(stage: str) -> None:
    del stage


def _checked_format(data: bytes, *, source: str) -> FileFormat:
    """Detect the format and run the cheap safety checks that need no parser."""
    file_format = detect_format(data, source=source)
    if file_format == "csv":
        guard.check_text_size(len(data), source=source)
    elif file_format in ("xlsx", "xlsm", "ods"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                guard.check_archive(zf, source=source)
        except zipfile.BadZipFile as exc:
            raise guard.damaged(source) from exc
    return file_format


def load_in_process(
    data: bytes, *, source: str, sheet: str | None = None, on_progress: Progress | None = None
) -> LoadedTable:
    """Read a file in this process (see :func:`load_table`; no isolation)."""
    progress = on_progress or _no_progress
    sheet = sheet or None  # "" is what list_sheets names a text file's only sheet
    file_format = _checked_format(data, source=source)
    progress("reading")
    issues: list[Issue] = []
    delimiter = encoding = None
    if file_format == "csv":
        if sheet:
            raise InputError.of(
                "ingest.file.no_sheet_in_text", source=source, file=source, sheet=sheet
            )
        text = read_text(data, source=source)
        issues += text.issues
        delimiter, encoding = text.delimiter, text.encoding
        top = top_rows(text.grid)
        if not top:
            raise InputError.of("ingest.file.empty", source=source, file=source)
        header = find_header(top)
        raw = RawTable(cells=body_after(text.grid, header), header=header)
        sheets: tuple[SheetInfo, ...] = (SheetInfo(name=""),)
        chosen = None
        decimal_hint = "," if delimiter == ";" else "."
    else:
        read = read_workbook(data, source=source, file_format=file_format, sheet=sheet)
        issues += read.issues
        raw, sheets, chosen = read.raw, read.sheets, read.sheet
        # Native numbers come out of calamine with a decimal point.
        decimal_hint = "."
    year = choose_year(titles=raw.header.titles, sheet=chosen, source=source)
    progress("parsing")
    shaped = shape(raw, year=year, source=source, sheet=chosen)
    progress("typing")
    typed = type_columns(shaped, decimal_hint=decimal_hint, year=year)
    sheets = tuple(replace(s, rows=typed.frame.height) if s.name == chosen else s for s in sheets)
    return LoadedTable(
        frame=typed.frame,
        kinds=typed.kinds,
        source=source,
        file_format=file_format,
        sheets=sheets,
        sheet=chosen,
        header_row=raw.header.row,
        layout=shaped.layout,
        excluded_rows=shaped.excluded,
        issues=(*issues, *shaped.issues, *typed.issues),
        delimiter=delimiter,
        encoding=encoding,
        decimal=typed.decimal if file_format == "csv" else None,
    )


def load_table(
    data: bytes,
    *,
    source: str,
    sheet: str | None = None,
    isolate: bool = True,
    on_progress: Progress | None = None,
) -> LoadedTable:
    """Read an uploaded spreadsheet or text table into a typed long table.

    Parameters
    ----------
    data
        The whole file as uploaded.
    source
        The file name as the user gave it; used in every message.
    sheet
        Sheet to read. ``None`` picks the visible sheet with the most data;
        hidden sheets are never picked by default (an info issue names them).
    isolate
        Parse workbooks (and large text files) in a child process with
        memory and time limits. Only trusted input may use ``False``.
    on_progress
        Called with short stage names: ``"reading"``, ``"parsing"``, ``"typing"``.

    Returns
    -------
    LoadedTable

    Raises
    ------
    InputError
        The file cannot be used at all; ``str(err)`` says why and what to do.
    """
    file_format = _checked_format(data, source=source)
    if isolate and _in_sandbox(file_format, len(data)):
        parts = sandbox.parts_isolated(data, source=source, sheet=sheet, on_progress=on_progress)
        return parts.table()
    return load_in_process(data, source=source, sheet=sheet, on_progress=on_progress)


def _in_sandbox(file_format: FileFormat, size: int) -> bool:
    return file_format != "csv" or size > guard.INPROCESS_TEXT_BYTES


def isolates(data: bytes, *, source: str) -> bool:
    """Whether :func:`load_table` reads this file in the sandbox (workbooks, large text).

    A file that fails the cheap checks is not: its error comes from the reading itself.
    """
    try:
        return _in_sandbox(_checked_format(data, source=source), len(data))
    except InputError:
        return False


def read_parts(
    data: bytes,
    *,
    source: str,
    sheet: str | None = None,
    isolate: bool = True,
    on_progress: Progress | None = None,
) -> TableParts:
    """:func:`load_table`, handed back as :class:`~kpi_core.ingest.model.TableParts`.

    When the file is read in the sandbox (:func:`isolates`), this process runs no polars:
    it waits for the child and takes its Arrow bytes. ``seconds`` is the reading time.
    Parameters and errors as for :func:`load_table`.
    """
    started = time.monotonic()
    file_format = _checked_format(data, source=source)
    if isolate and _in_sandbox(file_format, len(data)):
        return sandbox.parts_isolated(data, source=source, sheet=sheet, on_progress=on_progress)
    table = load_in_process(data, source=source, sheet=sheet, on_progress=on_progress)
    return TableParts.of(table, seconds=time.monotonic() - started)


def list_sheets_in_process(data: bytes, *, source: str) -> tuple[SheetInfo, ...]:
    """The sheets of a file, in this process (see :func:`list_sheets`)."""
    file_format = _checked_format(data, source=source)
    if file_format == "csv":
        return (SheetInfo(name=""),)
    return list_workbook_sheets(data, source=source, file_format=file_format)


def list_sheets(data: bytes, *, source: str) -> tuple[SheetInfo, ...]:
    """List the sheets of a workbook, with visibility; one unnamed entry for a text file.

    Workbooks are opened in the sandbox, as for :func:`load_table`.

    Parameters
    ----------
    data
        The whole file.
    source
        The file name as the user gave it.

    Raises
    ------
    InputError
        The file cannot be used at all.
    """
    file_format = _checked_format(data, source=source)
    if file_format == "csv":
        return (SheetInfo(name=""),)
    return sandbox.sheets_isolated(data, source=source)


def load_path(path: str | Path, *, sheet: str | None = None, isolate: bool = True) -> LoadedTable:
    """Read a file from disk (command line, tests); the file name is the source.

    Raises
    ------
    InputError
        The file cannot be opened or used.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError.of(
            "ingest.file.cannot_open",
            source=path.name,
            file=path.name,
            reason=str(exc.strerror or exc),
        ) from exc
    return load_table(data, source=path.name, sheet=sheet, isolate=isolate)
