"""A read table as plain data (``TableParts``), and reading without polars in the parent.

A server lets its other sessions work while one waits for the sandbox's child; that is
only safe if the waiting side runs no polars (ui/frame.py). These tests pin both halves:
the parts carry the whole table, and an isolated read touches no polars in this process.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import fields

import polars as pl
import pytest

from kpi_core.ingest import (
    LoadedTable,
    TableParts,
    guard,
    isolates,
    load_table,
    pipeline,
    read_parts,
)
from kpi_core.issues import InputError

D = dt.date
NORDIC = (
    "Dato;Kanal;Besøg;Omsætning (kr.)\n"
    "01-09-2026;Meta;1.200;10.500,50\n"
    "02-09-2026;Meta;n/a;9.000,00\n"
    "I alt;;1.200;19.500,50\n"
).encode()
ROWS = [
    ["Titel"],
    ["Dato", "Klik", "Kundenr"],
    *[[D(2025, 3, d), d, f"{d:03d}"] for d in range(1, 11)],
]


def same(a: LoadedTable, b: LoadedTable) -> bool:
    """Equal frames (with their types) and equal everything else."""
    return (
        a.frame.equals(b.frame)
        and a.frame.schema == b.frame.schema
        and all(getattr(a, f.name) == getattr(b, f.name) for f in fields(a) if f.name != "frame")
    )


def test_parts_give_back_the_whole_table_issues_and_excluded_rows_included():
    table = load_table(NORDIC, source="salg.csv")
    # The file has something to say: an unreadable cell and a total row left out.
    assert table.issues and table.excluded_rows
    assert same(TableParts.of(table).table(), table)


def test_parts_of_a_table_without_columns():
    empty = LoadedTable(pl.DataFrame(), {}, "x.csv", "csv", (), None, 1)
    parts = TableParts.of(empty)
    assert parts.arrow == b""
    assert same(parts.table(), empty)


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("salg.csv", NORDIC, False),  # small text: read in this process
        ("salg.xlsx", "workbook", True),  # every workbook: in the child
        ("salg.xlsx", b"PK\x03\x04 not really a zip", False),  # fails the cheap checks
        ("tom.csv", b"", False),
    ],
)
def test_isolates_says_where_load_table_reads(make, name, data, expected):
    data = make.xlsx(ROWS) if data == "workbook" else data
    assert isolates(data, source=name) is expected


def test_large_text_is_isolated(monkeypatch):
    monkeypatch.setattr(guard, "INPROCESS_TEXT_BYTES", 10)
    assert isolates(NORDIC, source="salg.csv") is True


@pytest.mark.parametrize("isolate", [True, False])
def test_read_parts_equals_load_table(make, isolate):
    data = make.xlsx(ROWS)
    parts = read_parts(data, source="a.xlsx", isolate=isolate)
    assert same(parts.table(), load_table(data, source="a.xlsx", isolate=isolate))
    assert parts.seconds > 0


def test_an_isolated_read_runs_no_polars_in_this_process(make, monkeypatch):
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("polars ran in the waiting process")

    for name in ("read_ipc", "read_csv", "DataFrame", "LazyFrame", "from_arrow", "concat"):
        monkeypatch.setattr(pl, name, refuse)
    monkeypatch.setattr(pipeline, "load_in_process", refuse)
    parts = read_parts(make.xlsx(ROWS), source="a.xlsx")  # the child has its own polars
    monkeypatch.undo()
    assert parts.table().frame["Klik"].to_list() == list(range(1, 11))


def test_read_parts_raises_the_files_error(make):
    with pytest.raises(InputError) as caught:
        read_parts(make.xlsx({"Data": ROWS}), source="a.xlsx", sheet="Salg")
    assert caught.value.key == "ingest.sheet.unknown"
    with pytest.raises(InputError):
        read_parts(b"", source="tom.csv")
