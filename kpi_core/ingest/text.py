"""Text tables (CSV, TSV, TXT) as Nordic systems export them.

Encodings: UTF-8 (with or without a byte-order mark, which is removed so it
does not stick to the first header), UTF-16 (Excel's "Unicode text"), and
Windows-1252 as the fallback (it differs from Latin-1 on ``€``). The
delimiter is sniffed among ``;`` ``,`` tab and ``|`` by how consistently it
splits the first few hundred records, with quotes respected. Excel's
``sep=;`` first line is honoured. Cells stay text here; typing happens later.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
from collections import Counter
from dataclasses import dataclass

import polars as pl

from kpi_core.ingest.formats import looks_like_utf16
from kpi_core.ingest.layout import ROW, cell_column
from kpi_core.issues import InputError, Issue, issue

DELIMITERS = (";", "\t", ",", "|")  # order breaks ties: ";" is the Nordic default
_SNIFF_CHARS = 256 << 10
_SNIFF_RECORDS = 400


@dataclass(frozen=True)
class TextGrid:
    """The cells of a text table, before layout.

    Attributes
    ----------
    grid
        ``ROW`` (1-based record number) and one String column per field.
    encoding
        The encoding the bytes were read with.
    delimiter
        The field separator, or ``None`` for a single-column file.
    issues
        Anything lossy found while reading.
    """

    grid: pl.DataFrame
    encoding: str
    delimiter: str | None
    issues: tuple[Issue, ...]


def decode(data: bytes) -> tuple[str, str, int]:
    """Turn bytes into text.

    Returns
    -------
    tuple[str, str, int]
        The text, the encoding used, and how many bytes had to be replaced.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        candidates = [("utf-8-sig", data)]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates = [("utf-16", data)]
    elif looks_like_utf16(data[:4096]):
        odd_nuls = data[1:4096:2].count(0) >= data[0:4096:2].count(0)
        candidates = [("utf-16-le" if odd_nuls else "utf-16-be", data)]
    else:
        candidates = [("utf-8", data), ("cp1252", data), ("latin-1", data)]
    for encoding, payload in candidates:
        try:
            return payload.decode(encoding), encoding, 0
        except UnicodeDecodeError:
            continue
    encoding = candidates[0][0]
    text = data.decode(encoding, errors="replace")
    return text, encoding, text.count("\ufffd")


def sniff_delimiter(sample: str) -> str | None:
    """Pick the delimiter that splits the sample's records most consistently.

    Parameters
    ----------
    sample
        The start of the text, cut at a line end.

    Returns
    -------
    str or None
        The delimiter, or ``None`` when no candidate gives two or more fields.
    """
    best: str | None = None
    best_score = 0.0
    for delimiter in DELIMITERS:
        if delimiter not in sample:
            continue
        try:
            reader = csv.reader(io.StringIO(sample), delimiter=delimiter, strict=False)
            counts = [len(record) for record in itertools.islice(reader, _SNIFF_RECORDS) if record]
        except csv.Error:
            continue
        split = Counter(c for c in counts if c >= 2)
        if not split:
            continue
        # Title and note rows lower every candidate's score alike.
        _, frequency = split.most_common(1)[0]
        score = frequency / len(counts)
        if score > best_score + 1e-9:
            best, best_score = delimiter, score
    return best


def _python_csv(text: str, delimiter: str, *, source: str) -> list[list[str]]:
    """The standard library's reader: slower, but it accepts any quoting."""
    try:
        return list(csv.reader(io.StringIO(text), delimiter=delimiter, strict=False))
    except csv.Error as exc:
        raise InputError.of(
            "ingest.text.unreadable", source=source, file=source, reason=str(exc)
        ) from exc


def _frame_from_records(records: list[list[str]]) -> pl.DataFrame:
    width = max((len(r) for r in records), default=0)
    columns = {
        cell_column(i): [r[i] if i < len(r) and r[i] != "" else None for r in records]
        for i in range(width)
    }
    return pl.DataFrame(columns, schema={name: pl.String for name in columns})


def read_text(data: bytes, *, source: str) -> TextGrid:
    """Read a text table into a grid of text cells.

    Parameters
    ----------
    data
        The whole file.
    source
        File name for messages.

    Returns
    -------
    TextGrid

    Raises
    ------
    InputError
        The file is empty once decoded, or cannot be split into records.
    """
    issues: list[Issue] = []
    text, encoding, replaced = decode(data)
    if replaced:
        issues.append(
            issue(
                "warning",
                "",
                "ingest.text.undecodable",
                count=replaced,
                file=source,
                encoding=encoding,
            )
        )
    text = text.lstrip("\ufeff")
    if "\n" not in text and "\r" in text:
        text = text.replace("\r", "\n")  # classic Mac line ends
    first_row = 1
    forced = re.match(r"(?i)sep=(.)\r?\n", text)
    if forced:
        text = text[forced.end() :]
        first_row = 2
    if not text.strip():
        raise InputError.of("ingest.file.empty", source=source, file=source)
    sample = text[:_SNIFF_CHARS]
    if len(text) > _SNIFF_CHARS and "\n" in sample:
        sample = sample[: sample.rfind("\n")]
    delimiter = forced.group(1) if forced else sniff_delimiter(sample)
    separator = delimiter or "\x1f"  # a byte no text table uses: one column per line
    expected = _width(sample, separator)
    grid = _read_records(text, separator, expected=expected, source=source, issues=issues)
    grid = grid.with_row_index(ROW, offset=first_row).with_columns(pl.col(ROW).cast(pl.Int64))
    return TextGrid(grid=grid, encoding=encoding, delimiter=delimiter, issues=tuple(issues))


def _width(text: str, separator: str) -> int:
    """The most fields on any line (delimiters inside quotes counted too)."""
    lines = pl.Series("line", [text]).str.split("\n").explode()
    return int(lines.str.count_matches(separator, literal=True).max() or 0) + 1


def _polars_csv(text: str, separator: str, width: int) -> pl.DataFrame:
    # One spare column: a record wider than expected shows up there.
    names = [cell_column(i) for i in range(width + 1)]
    return pl.read_csv(
        io.BytesIO(text.encode("utf-8")),
        has_header=False,
        separator=separator,
        quote_char='"',
        infer_schema=False,
        schema={name: pl.String for name in names},
        missing_columns="insert",
        truncate_ragged_lines=True,
        raise_if_empty=False,
    )


def _read_records(
    text: str, separator: str, *, expected: int, source: str, issues: list[Issue]
) -> pl.DataFrame:
    """All records as text cells, ``expected`` fields wide unless a record is wider."""
    try:
        grid = _polars_csv(text, separator, expected)
        spare = cell_column(expected)
        if grid[spare].is_not_null().any():
            # Wider records further down: count every line, then read again.
            widest = _width(text, separator)
            grid = _polars_csv(text, separator, widest)
            spare = cell_column(widest)
    except (pl.exceptions.PolarsError, pl.exceptions.PanicException):
        return _frame_from_records(_python_csv(text, separator, source=source))
    overflow = int(grid[spare].is_not_null().sum())
    if overflow:
        issues.append(issue("warning", "", "ingest.text.overflow", count=overflow, file=source))
    return grid
