"""Cached reads and computations, keyed on the file's full hash.

Streamlit hashes frames of 50,000+ rows from a sample, so no frame is ever a
cache key: every cached function takes the file's SHA-256 (and the frozen
settings) as its key and the bytes as an unhashed ``_data`` argument. Two
uploads that differ anywhere have different keys. Results are shared only
between sessions holding the very same bytes, which is the same result.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import polars as pl
import streamlit as st

from kpi_core.charts import coverage_frame
from kpi_core.compute import Period, kpi_frame
from kpi_core.ingest import LoadedTable, load_table
from kpi_core.issues import InputError
from kpi_core.mapping import (
    ColumnSuggestion,
    apply_mapping,
    suggest_mapping,
)
from ui.session import DataFile

#: Rows kept for the preview; the full frame stays out of the cache's copies.
PREVIEW_ROWS = 200
_TTL = 60 * 60


@dataclass(frozen=True)
class TableView:
    """What the Data page shows about a file: small, cheap to unpickle."""

    table: LoadedTable  # its frame holds only the first PREVIEW_ROWS rows
    rows: int
    seconds: float
    suggestions: tuple[ColumnSuggestion, ...]


@dataclass(frozen=True)
class Failure:
    """A file that could not be read, with the user's message."""

    message: str


@st.cache_data(max_entries=8, ttl=_TTL, show_spinner=False)
def _read(sha256: str, name: str, sheet: str | None, _data: bytes) -> LoadedTable | Failure:
    try:
        return load_table(_data, source=name, sheet=sheet)
    except InputError as err:
        return Failure(str(err))


@st.cache_data(max_entries=32, ttl=_TTL, show_spinner=False)
def _view(sha256: str, name: str, sheet: str | None, _data: bytes) -> TableView | Failure:
    started = time.perf_counter()
    table = _read(sha256, name, sheet, _data)
    if isinstance(table, Failure):
        return table
    seconds = time.perf_counter() - started
    small = replace(table, frame=table.frame.head(PREVIEW_ROWS))
    return TableView(small, table.rows, seconds, suggest_mapping(table.kinds))


def view(file: DataFile) -> TableView | Failure:
    """The file as read (preview, kinds, issues), or why it could not be."""
    return _view(file.sha256, file.name, file.sheet, file.data)


def mapping_for(file: DataFile, v: TableView) -> dict[str, str]:
    """The file's mapping: the user's, else the suggestions; stale columns dropped."""
    if file.mapping is None:
        return {s.column: s.field for s in v.suggestions if s.field}
    return {c: f for c, f in file.mapping.items() if c in v.table.kinds}


@st.cache_data(max_entries=64, ttl=_TTL, show_spinner=False)
def _kpis(
    sha256: str,
    name: str,
    sheet: str | None,
    mapping: tuple[tuple[str, str], ...],
    period: Period | None,
    by: tuple[str, ...],
    _data: bytes,
) -> pl.DataFrame | Failure:
    table = _read(sha256, name, sheet, _data)
    if isinstance(table, Failure):
        return table
    try:
        data = apply_mapping(table.frame, dict(mapping))
        return kpi_frame(data, period=period, by=by)
    except InputError as err:
        return Failure(str(err))


def kpis(
    file: DataFile, mapping: dict[str, str], *, period: Period | None, by: tuple[str, ...] = ()
) -> pl.DataFrame | Failure:
    """KPIs per period (and ``by``) for the file under ``mapping``: a small frame."""
    frozen = tuple(sorted(mapping.items()))
    return _kpis(file.sha256, file.name, file.sheet, frozen, period, by, file.data)


@st.cache_data(max_entries=32, ttl=_TTL, show_spinner=False)
def _coverage(
    sha256: str, name: str, sheet: str | None, date_column: str, _data: bytes
) -> pl.DataFrame:
    table = _read(sha256, name, sheet, _data)
    if isinstance(table, Failure):
        return pl.DataFrame()
    return coverage_frame(table.frame.select(pl.col(date_column).alias("date")))


def coverage(file: DataFile, date_column: str) -> pl.DataFrame:
    """Rows per month of the file's date column."""
    return _coverage(file.sha256, file.name, file.sheet, date_column, file.data)
