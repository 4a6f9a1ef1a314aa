"""Numbers as typed in Nordic files, ids, and the per-column decimal decision."""

from __future__ import annotations

import polars as pl
import pytest

from kpi_core.ingest import load_table
from kpi_core.ingest.values import (
    choose_decimal,
    decimal_evidence,
    keeps_leading_zeros,
    looks_like_id_header,
    parse_numbers,
)

NBSP, NNBSP = "\u00a0", "\u202f"

COMMA_CASES = [
    ("1.234,56", 1234.56),
    ("1 234,56", 1234.56),
    (f"1{NBSP}234,56", 1234.56),
    (f"1{NNBSP}234{NNBSP}567,5", 1234567.5),
    ("1234,5", 1234.5),
    ("-12,5", -12.5),
    ("\u221212,5", -12.5),
    ("(1.234)", -1234.0),
    ("1.234.567", 1234567.0),
    ("12,5 %", 0.125),
    ("12,5%", 0.125),
    ("kr. 1.234,50", 1234.5),
    ("1.234,50 kr.", 1234.5),
    ("1.234 kr", 1234.0),
    ("SEK 99", 99.0),
    ("99 NOK", 99.0),
    ("DKK 1.000", 1000.0),
    ("€ 12,99", 12.99),
    ("12,99 €", 12.99),
    ("EUR 5", 5.0),
    ("100,-", 100.0),
    ("123-", -123.0),
    (",5", 0.5),
    ("0", 0.0),
]

DOT_CASES = [
    ("1,234.56", 1234.56),
    ("1 234.56", 1234.56),
    ("1234.5", 1234.5),
    ("-12.5", -12.5),
    ("$1,234.56", 1234.56),
    ("£ 12", 12.0),
    ("1e-7", 1e-7),
    ("1e+20", 1e20),
    ("12.5 %", 0.125),
    ("(12.5)", -12.5),
]

NOT_NUMBERS = ["n/a", "abc", "1.2.3", "12,34,5", "1 23", "kr", "", "--5", "2025-01-31", "12:30"]


@pytest.mark.parametrize(("text", "expected"), COMMA_CASES)
def test_decimal_comma(text, expected):
    parsed = parse_numbers(pl.Series([text]), decimal=",")
    assert parsed.values[0] == pytest.approx(expected)
    assert not parsed.failed[0]


@pytest.mark.parametrize(("text", "expected"), DOT_CASES)
def test_decimal_dot(text, expected):
    parsed = parse_numbers(pl.Series([text]), decimal=".")
    assert parsed.values[0] == pytest.approx(expected)


@pytest.mark.parametrize("text", NOT_NUMBERS)
@pytest.mark.parametrize("decimal", [",", "."])
def test_not_numbers_fail_and_are_flagged(text, decimal):
    parsed = parse_numbers(pl.Series([text or None], dtype=pl.String), decimal=decimal)
    assert parsed.values[0] is None
    assert parsed.failed[0] == bool(text)


def test_percent_cells_are_counted():
    parsed = parse_numbers(pl.Series(["12,5 %", "3", None, "1 %"]), decimal=",")
    assert parsed.values.to_list() == [0.125, 3.0, None, 0.01]
    assert parsed.percent == 2


@pytest.mark.parametrize(
    ("values", "evidence", "hint", "decision"),
    [
        (["1.234,56", "12,5", "1.234"], (2, 0), ".", ","),
        (["1,234.56", "12.5", "1,234"], (0, 2), ",", "."),
        (["1.234", "2.500"], (0, 0), ",", ","),  # thousands under a comma hint
        (["1.234", "2.500"], (0, 0), ".", "."),  # decimals under a dot hint
        (["1234", "7"], (0, 0), ",", ","),
        (["1 234,5", "kr 2.000,00", "12.5"], (2, 1), ".", ","),
    ],
)
def test_decimal_decided_per_column_from_all_values(values, evidence, hint, decision):
    measured = decimal_evidence(pl.Series(values))
    assert measured == evidence
    assert choose_decimal(measured, hint=hint) == decision


@pytest.mark.parametrize(
    ("header", "is_id"),
    [
        ("Kundenr", True),
        ("Kundenr.", True),
        ("Ordre nr", True),
        ("Kundenummer", True),
        ("ad_id", True),
        ("CampaignId", True),
        ("ID", True),
        ("Postnr", True),
        ("Zip", True),
        ("Telefon", True),
        ("EAN", True),
        ("Klik", False),
        ("Valid", False),
        ("Paid orders", False),
        ("Antal", False),
        ("No. of orders", False),
        ("Omsætning", False),
    ],
)
def test_id_headers(header, is_id):
    assert looks_like_id_header(header) == is_id


@pytest.mark.parametrize(
    ("values", "keeps"),
    [
        (["00123", "123", "4"], True),
        (["1234567890123456"], True),  # 16 digits do not survive a float
        (["123", "4567"], False),
        (["0"], False),
        (["0123", "x"], False),  # not digits only: text anyway
    ],
)
def test_leading_zero_columns(values, keeps):
    assert keeps_leading_zeros(pl.Series(values)) == keeps


def test_ambiguous_column_follows_the_file():
    # "Beløb" reads both ways; "Pris" proves the file writes decimal commas.
    text = "Dato;Beløb;Pris\n01-01-2025;1.234;12,5\n02-01-2025;2.500;7,25\n"
    table = load_table(text.encode(), source="a.csv", isolate=False)
    assert table.decimal == ","
    assert table.frame["Beløb"].to_list() == [1234.0, 2500.0]


def test_ambiguous_column_in_a_comma_separated_file_is_decimal():
    text = "Dato,Beløb\n2025-01-01,1.234\n2025-01-02,2.500\n"
    table = load_table(text.encode(), source="a.csv", isolate=False)
    assert table.decimal == "."
    assert table.frame["Beløb"].to_list() == [1.234, 2.5]


def test_unreadable_cells_are_counted_with_rows_and_examples():
    rows = [f"2025-01-{d:02d};{d * 10},5" for d in range(1, 29)]
    rows[13] = "2025-01-14;n/a"
    rows[20] = "2025-01-21;?"
    text = "Dato;Omsætning\n" + "\n".join(rows) + "\n"
    table = load_table(text.encode(), source="s.csv", isolate=False)
    assert table.kinds["Omsætning"] == "number"
    assert table.frame["Omsætning"].null_count() == 2
    issue = next(i for i in table.issues if i.field == "Omsætning")
    assert issue.level == "warning" and issue.count == 2
    assert issue.examples == ("row 15: ‘n/a’", "row 22: ‘?’")
    assert issue.message == (
        "Column ‘Omsætning’: 2 cells could not be read as numbers and were left empty "
        "(row 15: ‘n/a’, row 22: ‘?’)."
    )


def test_mostly_text_column_stays_text():
    text = "Navn;Klik\n" + "".join(f"{n};1\n" for n in ["Ida", "12", "Bo", "7", "Al"])
    table = load_table(text.encode(), source="s.csv", isolate=False)
    assert table.kinds["Navn"] == "text"
    assert table.frame["Navn"].to_list() == ["Ida", "12", "Bo", "7", "Al"]


def test_id_column_keeps_leading_zeros_in_csv():
    text = "Postnr;Kundenr;Antal\n0800;00123;5\n2100;04567;6\n"
    table = load_table(text.encode(), source="s.csv", isolate=False)
    assert table.kinds == {"Postnr": "id", "Kundenr": "id", "Antal": "number"}
    assert table.frame["Kundenr"].to_list() == ["00123", "04567"]
    assert table.frame["Postnr"].to_list() == ["0800", "2100"]


def test_excel_error_texts_in_csv_are_reported_separately():
    body = "".join(f"2025-01-{d:02d};{d}\n" for d in range(1, 21))
    text = "Dato;Klik\n" + body + "2025-01-21;#DIV/0!\n"
    table = load_table(text.encode(), source="s.csv", isolate=False)
    assert table.kinds["Klik"] == "number"
    messages = [i.message for i in table.issues if i.field == "Klik"]
    assert messages == [
        "Column ‘Klik’: 1 cell holds an Excel error (#DIV/0!) and was left empty (row 22: #DIV/0!)."
    ]


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "da",
            "Kolonnen ‘Omsætning’: 1.200 celler kunne ikke læses som tal og blev efterladt tomme",
        ),
        (
            "nb",
            "Kolonnen ‘Omsætning’: 1\xa0200 celler kunne ikke leses som tall og ble stående tomme",
        ),
        ("sv", "Kolumnen ‘Omsætning’: 1\xa0200 celler kunde inte läsas som tal och lämnades tomma"),
    ],
)
def test_unreadable_cells_in_every_language_with_its_number_format(lang, expected):
    rows = [f"2025-01-01;{d},5" for d in range(12000)] + ["2025-01-02;n/a"] * 1200
    text = "Dato;Omsætning\n" + "\n".join(rows) + "\n"
    table = load_table(text.encode(), source="s.csv", isolate=False)
    issue = next(i for i in table.issues if i.field == "Omsætning")
    assert issue.text(lang).startswith(expected)
