"""Dates and periods: formats, day/month order, Nordic month names, quarters, serials, years."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from kpi_core.ingest import load_table
from kpi_core.ingest.dates import (
    YearHint,
    choose_year,
    looks_like_date_header,
    parse_dates,
    year_hint,
)

D = dt.date

SINGLE = [
    ("2025-01-31", D(2025, 1, 31)),
    ("2025-01-31 13:45:00", D(2025, 1, 31)),
    ("2025-01-31T13:45", D(2025, 1, 31)),
    ("2025/1/5", D(2025, 1, 5)),
    ("31-01-2025", D(2025, 1, 31)),
    ("31.01.2025", D(2025, 1, 31)),
    ("31/01/2025", D(2025, 1, 31)),
    ("31.01.25", D(2025, 1, 31)),
    ("5.3.2025", D(2025, 3, 5)),
    ("1. januar 2025", D(2025, 1, 1)),
    ("31 Jan 2025", D(2025, 1, 31)),
    ("January 31, 2025", D(2025, 1, 31)),
    ("jan 2025", D(2025, 1, 1)),
    ("Januar 2025", D(2025, 1, 1)),
    ("januari 2025", D(2025, 1, 1)),
    ("maj 2025", D(2025, 5, 1)),
    ("mai 2025", D(2025, 5, 1)),
    ("okt. 2025", D(2025, 10, 1)),
    ("Oct 2025", D(2025, 10, 1)),
    ("mars 2025", D(2025, 3, 1)),
    ("marts 2025", D(2025, 3, 1)),
    ("des 2025", D(2025, 12, 1)),
    ("desember 2025", D(2025, 12, 1)),
    ("dec-25", D(2025, 12, 1)),
    ("2025 jan", D(2025, 1, 1)),
    ("2025-01", D(2025, 1, 1)),
    ("01/2025", D(2025, 1, 1)),
    ("Q1 2025", D(2025, 1, 1)),
    ("q3-2025", D(2025, 7, 1)),
    ("2025 Q4", D(2025, 10, 1)),
    ("2025-Q2", D(2025, 4, 1)),
    ("K1 2025", D(2025, 1, 1)),
    ("kv2 2025", D(2025, 4, 1)),
    ("2. kvartal 2025", D(2025, 4, 1)),
    ("kvartal 3 2025", D(2025, 7, 1)),
    ("31.02.2025", None),  # no such day
    ("Google", None),
    ("2025", None),  # a year alone is a number
    ("12,5", None),
]


@pytest.mark.parametrize(("text", "expected"), SINGLE)
def test_single_values(text, expected):
    parsed = parse_dates(pl.Series([text]), year=2030)
    assert parsed.values[0] == expected
    assert parsed.failed[0] == (expected is None)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("maj", D(2030, 5, 1)),
        ("okt.", D(2030, 10, 1)),
        ("Q2", D(2030, 4, 1)),
        ("des", D(2030, 12, 1)),
    ],
)
def test_yearless_periods_take_the_given_year(text, expected):
    parsed = parse_dates(pl.Series([text]), year=2030)
    assert parsed.values[0] == expected
    assert parsed.yearless == 1


@pytest.mark.parametrize(
    ("values", "expected", "day_first", "proven"),
    [
        (["03-04-2025", "05-06-2025"], [D(2025, 4, 3), D(2025, 6, 5)], True, False),
        (["03-04-2025", "13-06-2025"], [D(2025, 4, 3), D(2025, 6, 13)], True, True),
        (["04/03/2025", "06/13/2025"], [D(2025, 4, 3), D(2025, 6, 13)], False, True),
    ],
    ids=["ambiguous-day-first", "proven-day-first", "proven-month-first"],
)
def test_day_first_unless_the_data_proves_otherwise(values, expected, day_first, proven):
    parsed = parse_dates(pl.Series(values), year=2025)
    assert parsed.values.to_list() == expected
    assert parsed.day_first is day_first
    assert parsed.order_proven is proven


def test_one_day_month_order_serves_padded_and_unpadded_values():
    # "08/13/2023" proves month first; "1/2/2023" must follow it (2 January).
    parsed = parse_dates(pl.Series(["08/13/2023", "1/2/2023", "03.04.25"]), year=2025)
    assert parsed.values.to_list() == [D(2023, 8, 13), D(2023, 1, 2), D(2025, 3, 4)]
    assert parsed.day_first is False and parsed.order_proven


def test_month_sequence_rolls_over_the_turn_of_the_year():
    parsed = parse_dates(pl.Series(["nov", "dec", "jan", "feb"]), year=2024)
    assert parsed.values.to_list() == [D(2024, 11, 1), D(2024, 12, 1), D(2025, 1, 1), D(2025, 2, 1)]


def test_newest_first_sequence_rolls_backwards():
    parsed = parse_dates(pl.Series(["feb", "jan", "dec", "nov"]), year=2025)
    assert parsed.values.to_list() == [D(2025, 2, 1), D(2025, 1, 1), D(2024, 12, 1), D(2024, 11, 1)]


def test_times_are_noticed():
    assert parse_dates(pl.Series(["2025-01-01 13:00"]), year=2025).had_time
    assert not parse_dates(pl.Series(["2025-01-01 00:00:00"]), year=2025).had_time


def test_serials_and_compact_dates_only_under_a_date_header():
    values = pl.Series(["45658", "45689.5", "20250131"])
    assert parse_dates(values, year=2025).values.to_list() == [None, None, None]
    dated = parse_dates(values, year=2025, date_header=True).values.to_list()
    assert dated == [D(2025, 1, 1), D(2025, 2, 1), D(2025, 1, 31)]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("Dato", True),
        ("Datum", True),
        ("Date", True),
        ("Ordredato", True),
        ("Dag", True),
        ("Day", True),
        ("OrderDate", True),
        ("Klik", False),
        ("Kanal", False),
        ("Antal", False),
    ],
)
def test_date_headers(header, expected):
    assert looks_like_date_header(header) == expected


@pytest.mark.parametrize(
    ("titles", "sheet", "source", "expected"),
    [
        (["Salgsrapport 2024"], None, "x.csv", YearHint(2024, "the title")),
        (["Rapport"], "2023", "x.xlsx", YearHint(2023, "the sheet name")),
        ([], None, "budget_2022.xlsx", YearHint(2022, "the file name")),
        ([], None, "export-20251.csv", YearHint(dt.date.today().year, "")),
    ],
)
def test_year_comes_from_title_sheet_or_file_name(titles, sheet, source, expected):
    assert choose_year(titles=titles, sheet=sheet, source=source) == expected


def test_year_hint_ignores_longer_numbers():
    assert year_hint(["Ordre 120245 fra 2021"]) == 2021


def _column(values, name="Dato", source="x.csv"):
    text = f"{name};Klik\n" + "".join(f"{v};1\n" for v in values)
    return load_table(text.encode(), source=source, isolate=False)


def test_ambiguous_day_order_is_said():
    table = _column(["03-04-2025", "05-06-2025"])
    assert table.frame["Dato"].to_list() == [D(2025, 4, 3), D(2025, 6, 5)]
    assert any("read day first" in i.message for i in table.issues)


def test_month_first_is_said():
    table = _column(["04/03/2025", "06/13/2025"])
    assert table.frame["Dato"].to_list() == [D(2025, 4, 3), D(2025, 6, 13)]
    assert any("month first" in i.message for i in table.issues)


def test_yearless_months_without_a_hint_warn_with_the_current_year():
    table = _column(["jan", "feb", "mar"], name="Måned", source="export.csv")
    year = dt.date.today().year
    assert table.frame["Måned"].to_list() == [D(year, 1, 1), D(year, 2, 1), D(year, 3, 1)]
    warning = next(i for i in table.issues if i.field == "Måned")
    assert warning.level == "warning" and "the current year" in warning.message


def test_yearless_months_take_the_title_year():
    text = "Salg 2023\nMåned;Klik\njan;1\nfeb;2\n"
    table = load_table(text.encode(), source="x.csv", isolate=False)
    assert table.frame["Måned"].to_list() == [D(2023, 1, 1), D(2023, 2, 1)]
    info = next(i for i in table.issues if i.field == "Måned")
    assert info.level == "info" and "the title" in info.message


@pytest.mark.parametrize(
    "cells",
    [
        ["2025-01-01 13:00", "2025-01-02 08:30"],
        ["01-01-2025 13:00", "02-01-2025 08:30"],
        ["01.01.2025 13:00:00", "02.01.2025 08:30:00"],
    ],
)
def test_times_of_day_are_kept(cells):
    # Support tickets: the hours between created and first reply are the point.
    table = _column(cells)
    assert table.kinds["Dato"] == "date"
    assert table.frame["Dato"].to_list() == [
        dt.datetime(2025, 1, 1, 13, 0),
        dt.datetime(2025, 1, 2, 8, 30),
    ]
    assert not any("times of day" in i.message for i in table.issues)


def test_times_in_an_unusual_form_are_dropped_and_said():
    table = _column(["01-01-2025 13.00", "02-01-2025 08.30"])
    assert table.kinds["Dato"] == "date"
    assert table.frame["Dato"].to_list() == [D(2025, 1, 1), D(2025, 1, 2)]
    assert any("times of day were dropped" in i.message for i in table.issues)


def test_unreadable_dates_are_counted():
    values = [f"{d:02d}.01.2025" for d in range(1, 31)]
    values[4] = "ukendt"
    table = _column(values)
    assert table.kinds["Dato"] == "date"
    issue = next(i for i in table.issues if i.level == "warning")
    assert issue.count == 1 and issue.examples == ("row 6: ‘ukendt’",)
    assert "could not be read as dates" in issue.message
