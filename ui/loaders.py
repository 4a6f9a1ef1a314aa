"""Cached reads and computations, keyed on the file's full hash.

Streamlit hashes frames of 50,000+ rows from a sample, so no frame is ever a
cache key: every cached function takes the file's SHA-256 (and the frozen
settings) as its key and the bytes as an unhashed ``_data`` argument. Two
uploads that differ anywhere have different keys. Results are shared only
between sessions holding the very same bytes, which is the same result.

A file is read once into :class:`~kpi_core.ingest.TableParts` (``_parts``: the
story as plain values, the frame as Arrow bytes); every other cached function
starts from those. Workbooks and large text files are read by the sandbox's
child process, and the session waits for it outside the run lock (``_ready``),
so a large upload does not hold up everyone else's pages.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

import polars as pl
import streamlit as st

from kpi_core.charts import coverage_frame
from kpi_core.compute import Period, kpi_frame
from kpi_core.funnel import Funnel, Leak, biggest_leak, funnel, funnel_trend, leak_table
from kpi_core.i18n import t
from kpi_core.ingest import LoadedTable, TableParts, isolates, read_parts
from kpi_core.issues import InputError, Issue
from kpi_core.leads import (
    LeadColumns,
    LeadSummary,
    join_leads,
    lead_frame,
    lead_summary,
    suggest_lead_columns,
    validate,
)
from kpi_core.mapping import (
    ColumnSuggestion,
    apply_mapping,
    suggest_mapping,
)
from ui import frame
from ui.session import DataFile

#: Rows kept for the preview; the full frame stays out of the cache's copies.
PREVIEW_ROWS = 200
_TTL = 60 * 60
# Entries per cache. With one server for many users each user's pages need their own
# entries: with 64 KPI entries, 50 users on their own files recomputed most of their pages
# on every visit, and with 16 read files their workbooks were read again, inside the run
# lock, while everyone waited (bench/load_ws.py). A read file is its Arrow frame (about
# 9 bytes a cell: 5 MB for 100,000 rows × 6 columns); the other results are small frames.
# The TTL bounds them all.


@dataclass(frozen=True)
class TableView:
    """What the Data page shows about a file: small, cheap to unpickle."""

    table: LoadedTable  # its frame holds only the first PREVIEW_ROWS rows
    rows: int
    seconds: float
    suggestions: tuple[ColumnSuggestion, ...]


@dataclass(frozen=True)
class Failure:
    """A file that could not be read, with the user's message.

    ``message`` is the English text; pages show :meth:`text` in the user's language
    (the catalogue ``key`` and ``params`` of the error, kept so the cache holds no
    language).
    """

    message: str
    key: str = ""
    params: tuple[tuple[str, object], ...] = ()

    @classmethod
    def of_error(cls, err: InputError) -> Failure:
        """The failure an :class:`InputError` describes."""
        return cls(str(err), err.key, tuple(err.params.items()))

    def text(self, locale: str = "en") -> str:
        """The message in ``locale`` (the English message for an error without a key)."""
        if not self.key:
            return self.message
        return t(self.key, locale=locale, **dict(self.params))


@st.cache_data(max_entries=64, ttl=_TTL, show_spinner=False)
def _parts(sha256: str, name: str, sheet: str | None, _data: bytes) -> TableParts | Failure:
    # Never takes the run lock: _ready computes it outside, other runs inside (see _ready).
    try:
        return read_parts(_data, source=name, sheet=sheet)
    except InputError as err:
        return Failure.of_error(err)


def _read(sha256: str, name: str, sheet: str | None, _data: bytes) -> LoadedTable | Failure:
    parts = _parts(sha256, name, sheet, _data)
    return parts if isinstance(parts, Failure) else parts.table()


_READY = "kk_read_ready"


def _ready(file: DataFile) -> None:
    """Read a workbook (or a large text file) for the first time without holding up others.

    Such files are read in the sandbox's child process while this session only waits: it
    steps out of the run lock (:func:`ui.frame.outside_run`), so the other sessions' runs
    go on. Only from the public functions below, never inside a cached one. Once per
    session and file; if the cache has dropped the read since, the next cached function
    reads it again inside the lock, which is slower for others but just as right.
    """
    ready: list[str] = st.session_state.setdefault(_READY, [])
    key = f"{file.sha256}:{file.sheet or ''}"
    if key in ready:
        return
    if isolates(file.data, source=file.name):
        with frame.outside_run():
            _parts(file.sha256, file.name, file.sheet, file.data)
    ready.append(key)


@st.cache_data(max_entries=128, ttl=_TTL, show_spinner=False)
def _view(sha256: str, name: str, sheet: str | None, _data: bytes) -> TableView | Failure:
    parts = _parts(sha256, name, sheet, _data)
    if isinstance(parts, Failure):
        return parts
    table = parts.table()
    small = replace(table, frame=table.frame.head(PREVIEW_ROWS))
    return TableView(small, table.rows, parts.seconds, suggest_mapping(table.kinds))


def view(file: DataFile) -> TableView | Failure:
    """The file as read (preview, kinds, issues), or why it could not be."""
    _ready(file)
    return _view(file.sha256, file.name, file.sheet, file.data)


def mapping_for(file: DataFile, v: TableView) -> dict[str, str]:
    """The file's mapping: the user's, else the suggestions; stale columns dropped."""
    if file.mapping is None:
        return {s.column: s.field for s in v.suggestions if s.field}
    return {c: f for c, f in file.mapping.items() if c in v.table.kinds}


@st.cache_data(max_entries=512, ttl=_TTL, show_spinner=False)
def _kpis(
    sha256: str,
    name: str,
    sheet: str | None,
    mapping: tuple[tuple[str, str], ...],
    period: Period | None,
    by: tuple[str, ...],
    parts: bool,
    _data: bytes,
) -> pl.DataFrame | Failure:
    table = _read(sha256, name, sheet, _data)
    if isinstance(table, Failure):
        return table
    try:
        data = apply_mapping(table.frame, dict(mapping))
        return kpi_frame(data, period=period, by=by, parts=parts)
    except InputError as err:
        return Failure.of_error(err)


def kpis(
    file: DataFile,
    mapping: dict[str, str],
    *,
    period: Period | None,
    by: tuple[str, ...] = (),
    parts: bool = False,
) -> pl.DataFrame | Failure:
    """KPIs per period (and ``by``) for the file under ``mapping``: a small frame.

    ``parts`` keeps the paired sums that let targets and plans add months up exactly.
    """
    _ready(file)
    frozen = tuple(sorted(mapping.items()))
    return _kpis(file.sha256, file.name, file.sheet, frozen, period, by, parts, file.data)


@st.cache_data(max_entries=256, ttl=_TTL, show_spinner=False)
def _coverage(
    sha256: str, name: str, sheet: str | None, date_column: str, _data: bytes
) -> pl.DataFrame:
    table = _read(sha256, name, sheet, _data)
    if isinstance(table, Failure):
        return pl.DataFrame()
    return coverage_frame(table.frame.select(pl.col(date_column).alias("date")))


def coverage(file: DataFile, date_column: str) -> pl.DataFrame:
    """Rows per month of the file's date column."""
    _ready(file)
    return _coverage(file.sha256, file.name, file.sheet, date_column, file.data)


@dataclass(frozen=True)
class FunnelView:
    """Everything the Funnel page shows from summed (marketing) data: small frames."""

    funnel: Funnel
    by_channel: Funnel | None
    trend: pl.DataFrame
    leak: Leak | None
    leaks: pl.DataFrame


@st.cache_data(max_entries=256, ttl=_TTL, show_spinner=False)
def _funnel_view(
    sha256: str,
    name: str,
    sheet: str | None,
    mapping: tuple[tuple[str, str], ...],
    period: Period,
    at: str | None,
    window: tuple[dt.date, dt.date] | None,
    locale: str,
    _data: bytes,
) -> FunnelView | Failure:
    table = _read(sha256, name, sheet, _data)
    if isinstance(table, Failure):
        return table
    try:
        data = apply_mapping(table.frame, dict(mapping))
        start, end = window if window else (None, None)
        has_channel = "channel" in data.columns
        return FunnelView(
            funnel=funnel(data, start=start, end=end, locale=locale),
            by_channel=(
                funnel(data, by="channel", start=start, end=end, locale=locale)
                if has_channel
                else None
            ),
            trend=funnel_trend(data, period=period, locale=locale),
            leak=biggest_leak(data, period=period, at=at, locale=locale),
            leaks=leak_table(data, period=period, at=at, locale=locale),
        )
    except InputError as err:
        return Failure.of_error(err)


def funnel_view(
    file: DataFile,
    mapping: dict[str, str],
    *,
    period: Period,
    at: str | None,
    window: tuple[dt.date, dt.date] | None,
    locale: str = "en",
) -> FunnelView | Failure:
    """The funnel of ``file`` for the period ``at`` (``window`` is its first and last day).

    Its stage names and findings are worded in ``locale`` (part of the cache key).
    """
    _ready(file)
    frozen = tuple(sorted(mapping.items()))
    return _funnel_view(
        file.sha256, file.name, file.sheet, frozen, period, at, window, locale, file.data
    )


@dataclass(frozen=True)
class LeadView:
    """Everything the Funnel page shows from a CRM export: small frames and findings."""

    summary: LeadSummary
    columns: LeadColumns
    issues: tuple[Issue, ...]
    matched: int | None = None


@st.cache_data(max_entries=64, ttl=_TTL, show_spinner=False)
def _lead_view(
    sha256: str,
    name: str,
    sheet: str | None,
    columns: tuple[tuple[str, str], ...],
    deals: tuple[str, str, str | None, str, str] | None,
    locale: str,
    _data: bytes,
    _deals_data: bytes | None,
) -> LeadView | Failure:
    table = _read(sha256, name, sheet, _data)
    if isinstance(table, Failure):
        return table
    try:
        cols = (
            LeadColumns(**dict(columns))
            if columns
            else suggest_lead_columns(table.kinds, locale=locale)
        )
        issues = list(validate(table.frame, cols, locale=locale))
        matched = None
        if deals is not None and _deals_data is not None:
            d_sha, d_name, d_sheet, on_left, on_right = deals
            other = _read(d_sha, d_name, d_sheet, _deals_data)
            if isinstance(other, Failure):
                return other
            joined = join_leads(
                table.frame,
                other.frame,
                on_left=on_left,
                on_right=on_right,
                leads_columns=cols,
                locale=locale,
            )
            leads = lead_frame(joined.frame, joined.columns, locale=locale)
            issues += joined.issues
            matched = joined.matched
        else:
            leads = lead_frame(table.frame, cols, locale=locale)
        return LeadView(lead_summary(leads, locale=locale), cols, tuple(issues), matched)
    except InputError as err:
        return Failure.of_error(err)


def lead_view(
    file: DataFile,
    *,
    deals: DataFile | None = None,
    on: tuple[str, str] | None = None,
    locale: str = "en",
) -> LeadView | Failure:
    """The lead-level funnel of a CRM export, optionally joined with a deals file.

    Its stage names and findings are worded in ``locale`` (part of the cache key).
    """
    _ready(file)
    if deals is not None:
        _ready(deals)
    columns = tuple(sorted((file.lead_columns or {}).items()))
    spec = None
    if deals is not None and on is not None:
        spec = (deals.sha256, deals.name, deals.sheet, on[0], on[1])
    return _lead_view(
        file.sha256,
        file.name,
        file.sheet,
        columns,
        spec,
        locale,
        file.data,
        deals.data if deals is not None else None,
    )


def full_table(file: DataFile) -> pl.DataFrame | Failure:
    """All rows of ``file`` as read (for row-level exports such as orders or survey answers).

    Each call hands back a copy from the cache: use it for exports of thousands of rows,
    and aggregate before charting.
    """
    _ready(file)
    table = _read(file.sha256, file.name, file.sheet, file.data)
    return table if isinstance(table, Failure) else table.frame
