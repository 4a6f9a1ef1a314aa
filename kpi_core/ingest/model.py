"""What ingest hands to the rest of the core: a typed table and its story."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import polars as pl

from kpi_core.issues import ExcludedRow, Issue

ColumnKind = Literal["date", "number", "text", "id"]
FileFormat = Literal["xlsx", "xlsm", "xls", "ods", "csv"]


@dataclass(frozen=True)
class SheetInfo:
    """One sheet of a workbook as listed to the user."""

    name: str
    visible: bool = True
    rows: int | None = None  # data rows found, when the sheet was read


@dataclass(frozen=True)
class LoadedTable:
    """A file read, cleaned and typed, ready for column mapping.

    Attributes
    ----------
    frame
        One row per data row (long layout). Column types: ``pl.Date`` for
        dates, ``pl.Float64`` for numbers, ``pl.String`` for text and ids.
        Column names are the file's own header texts, trimmed and made
        unique; blank columns are gone; nothing else is dropped.
    kinds
        The kind of each column of ``frame`` (``"date"``, ``"number"``,
        ``"text"``, ``"id"``). ``"id"`` is text that must keep its exact
        characters (leading zeros).
    source
        The file name as the user gave it.
    file_format
        What the content turned out to be (not what the extension said).
    sheets
        Every sheet of a workbook (one unnamed entry for text files).
    sheet
        The sheet the data came from (``None`` for text files).
    header_row
        1-based row of the header in the sheet or file.
    layout
        ``"long"`` (a row per date) or ``"wide"`` (periods were columns and
        were turned into rows).
    excluded_rows
        Rows deliberately left out (total rows, notes below the data).
    issues
        Everything the user should know: cells that could not be read,
        error cells, formulas without values, hidden sheets, assumptions.
    delimiter, encoding, decimal
        For text files, what was detected (``None`` for workbooks).
    """

    frame: pl.DataFrame
    kinds: dict[str, ColumnKind]
    source: str
    file_format: FileFormat
    sheets: tuple[SheetInfo, ...]
    sheet: str | None
    header_row: int
    layout: Literal["long", "wide"] = "long"
    excluded_rows: tuple[ExcludedRow, ...] = ()
    issues: tuple[Issue, ...] = ()
    delimiter: str | None = None
    encoding: str | None = None
    decimal: str | None = None

    @property
    def rows(self) -> int:
        return self.frame.height
