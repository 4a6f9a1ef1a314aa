"""What ingest hands to the rest of the core: a typed table and its story."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any, Literal

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


@dataclass(frozen=True)
class TableParts:
    """A read table as plain data: its story as JSON values, its frame as Arrow IPC bytes.

    It holds no polars object, so code that must not run polars (a server thread that only
    waits for the sandbox while other sessions work) can receive it from the reading child
    process, keep it and pass it on; :meth:`table` turns it into the :class:`LoadedTable`.

    Attributes
    ----------
    meta
        Every attribute of the table but its frame, as JSON values.
    arrow
        The frame as uncompressed Arrow IPC (empty for a table with no columns).
    seconds
        How long reading the file took.

    Examples
    --------
    >>> import polars as pl
    >>> t = LoadedTable(pl.DataFrame({"a": [1.0]}), {"a": "number"}, "x.csv", "csv", (), None, 1)
    >>> back = TableParts.of(t).table()
    >>> back.frame.equals(t.frame), back.kinds
    (True, {'a': 'number'})
    """

    meta: dict[str, Any]
    arrow: bytes
    seconds: float = 0.0

    @classmethod
    def of(cls, table: LoadedTable, *, seconds: float = 0.0) -> TableParts:
        """The parts of ``table``."""
        buffer = io.BytesIO()
        if table.frame.width:
            table.frame.write_ipc(buffer, compression="uncompressed")
        return cls(meta=table_meta(table), arrow=buffer.getvalue(), seconds=seconds)

    def table(self) -> LoadedTable:
        """The table these parts describe."""
        m = self.meta
        frame = pl.read_ipc(io.BytesIO(self.arrow)) if self.arrow else pl.DataFrame()
        return LoadedTable(
            frame=frame,
            kinds=m["kinds"],
            source=m["source"],
            file_format=m["file_format"],
            sheets=tuple(SheetInfo(**s) for s in m["sheets"]),
            sheet=m["sheet"],
            header_row=m["header_row"],
            layout=m["layout"],
            excluded_rows=tuple(ExcludedRow(**e) for e in m["excluded_rows"]),
            issues=tuple(
                Issue(
                    **{
                        **i,
                        "examples": tuple(i["examples"]),
                        "params": tuple((k, v) for k, v in i["params"]),
                    }
                )
                for i in m["issues"]
            ),
            delimiter=m["delimiter"],
            encoding=m["encoding"],
            decimal=m["decimal"],
        )


def table_meta(table: LoadedTable) -> dict[str, Any]:
    """Every attribute of ``table`` but its frame, as JSON values (see :class:`TableParts`)."""
    return {
        "kinds": dict(table.kinds),
        "source": table.source,
        "file_format": table.file_format,
        "sheets": [vars(s) for s in table.sheets],
        "sheet": table.sheet,
        "header_row": table.header_row,
        "layout": table.layout,
        "excluded_rows": [vars(e) for e in table.excluded_rows],
        "issues": [vars(i) for i in table.issues],
        "delimiter": table.delimiter,
        "encoding": table.encoding,
        "decimal": table.decimal,
    }
