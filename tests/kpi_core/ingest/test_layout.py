"""Real-world layouts: titles, blank rows and columns, totals, notes, two-row headers, wide."""

from __future__ import annotations

import datetime as dt

import pytest

from kpi_core.ingest import load_table
from kpi_core.issues import ExcludedRow, InputError

D = dt.date


def csv(text: str, name: str = "rapport.csv"):
    return load_table(text.encode(), source=name, isolate=False)


@pytest.mark.parametrize(
    ("text", "header_row", "columns"),
    [
        ("Dato;Klik\n2025-01-01;1\n", 1, ["Dato", "Klik"]),
        ("\n\nDato;Klik\n2025-01-01;1\n", 3, ["Dato", "Klik"]),
        ("Salgsrapport\nPeriode: januar 2025\n\nDato;Klik\n2025-01-01;1\n", 4, ["Dato", "Klik"]),
        # a two-cell title row above a three-column header is still a title
        ("Rapport;2025\nDato;Kanal;Klik\n2025-01-01;A;1\n", 2, ["Dato", "Kanal", "Klik"]),
        # a blank header over the dates is not a title row
        (";Klik;Visninger\n2025-01-01;1;2\n2025-01-02;3;4\n", 1, ["Column 1", "Klik", "Visninger"]),
    ],
    ids=["plain", "blank-rows-above", "title-and-note", "two-cell-title", "blank-corner"],
)
def test_header_row_is_found_and_reported_in_file_numbering(text, header_row, columns):
    table = csv(text)
    assert table.header_row == header_row
    assert table.frame.columns == columns


def test_header_far_down_in_a_workbook(make):
    rows = [["Eksport fra ERP"], [], ["Firma A/S"], *[[] for _ in range(20)], ["Dato", "Klik"]]
    rows += [[D(2025, 1, d), d] for d in range(1, 6)]
    table = load_table(make.xlsx(rows), source="erp.xlsx", isolate=False)
    assert table.header_row == 24
    assert table.frame["Klik"].to_list() == [1.0, 2.0, 3.0, 4.0, 5.0]


def test_blank_rows_and_columns_are_dropped():
    text = "Dato;;Klik;\n2025-01-01;;1;\n\n\n2025-01-02;;2;\n;;;\n"
    table = csv(text)
    assert table.frame.columns == ["Dato", "Klik"]
    assert table.rows == 2
    assert table.excluded_rows == ()


def test_duplicate_and_blank_header_names_become_unique():
    table = csv("Klik;Klik;;Klik 2\n1;2;3;4\n5;6;7;8\n")
    assert table.frame.columns == ["Klik", "Klik 3", "Column 3", "Klik 2"]


def test_header_without_data_keeps_its_column():
    table = csv("Dato;Note;Klik\n2025-01-01;;1\n2025-01-02;;2\n")
    assert table.frame.columns == ["Dato", "Note", "Klik"]
    assert table.frame["Note"].to_list() == [None, None]


@pytest.mark.parametrize(
    "label",
    ["Total", "Totalt", "I alt", "Sum", "Summa", "Grand total", "Total i alt", "TOTAL:", " sum: "],
)
def test_total_rows_are_left_out_and_recorded(label):
    body = "".join(f"2025-01-{d:02d};{d}\n" for d in range(1, 6))
    table = csv(f"Dato;Klik\n{body}{label};15\n")
    assert table.rows == 5
    assert table.excluded_rows == (
        ExcludedRow(row=7, reason="total row", preview=f"{label.strip()} | 15"),
    )
    assert table.frame["Klik"].sum() == 15
    assert any("total row" in i.message for i in table.issues)


def test_total_label_in_a_later_column_counts_when_it_is_the_first_cell():
    table = csv("Dato;Kanal;Klik\n2025-01-01;A;1\n2025-01-02;B;2\n;I alt;3\n")
    assert [e.row for e in table.excluded_rows] == [4]


def test_a_text_value_total_after_data_is_not_a_total():
    table = csv("Kanal;Type;Klik\nA;Sum;1\nB;Enkelt;2\n")
    assert table.rows == 2 and table.excluded_rows == ()


def test_notes_below_the_data_are_left_out():
    body = "".join(f"2025-01-{d:02d};{d};{d * 2}\n" for d in range(1, 5))
    text = f"Dato;Klik;Visninger\n{body}Total;10;20\n\nKilde: Google Analytics\n* foreløbige tal\n"
    table = csv(text)
    assert table.rows == 4
    assert [(e.row, e.reason) for e in table.excluded_rows] == [
        (6, "total row"),
        (8, "note below the data"),
        (9, "note below the data"),
    ]
    assert table.kinds == {"Dato": "date", "Klik": "number", "Visninger": "number"}


def test_note_in_a_date_column_without_gap_is_a_note():
    body = "".join(f"2025-01-{d:02d};{d}\n" for d in range(1, 5))
    table = csv(f"Dato;Klik\n{body}Tal fra kassesystemet\n")
    assert [e.reason for e in table.excluded_rows] == ["note below the data"]
    assert table.kinds["Dato"] == "date"


def test_last_text_row_of_a_text_column_is_data():
    table = csv("Navn;By\nIda;Oslo\nBo;\nAl;\n")
    assert table.rows == 3 and table.excluded_rows == ()


def test_two_row_merged_header_is_combined(make):
    rows = [
        [None, "Trafik", None, "Salg", None],
        ["Dato", "Besøg", "Klik", "Ordrer", "Omsætning"],
        [D(2025, 1, 1), 100, 10, 2, 500.0],
        [D(2025, 1, 2), 120, 12, 3, 750.5],
    ]
    data = make.xlsx(rows)
    data = make.sheet_xml(
        data,
        lambda b: b.replace(
            b"</sheetData>",
            b"</sheetData><mergeCells "
            b'count="2"><mergeCell ref="B1:C1"/><mergeCell ref="D1:E1"/></mergeCells>',
        ),
    )
    table = load_table(data, source="t.xlsx", isolate=False)
    assert table.frame.columns == [
        "Dato",
        "Trafik Besøg",
        "Trafik Klik",
        "Salg Ordrer",
        "Salg Omsætning",
    ]
    assert table.header_row == 1
    assert table.frame["Salg Omsætning"].to_list() == [500.0, 750.5]
    assert any("header spans rows 1–2" in i.message for i in table.issues)


def test_headerless_file_gets_numbered_columns():
    table = csv("2025-01-01;5;7\n2025-01-02;6;8\n2025-01-03;1;2\n")
    assert table.header_row == 0
    assert table.frame.columns == ["Column 1", "Column 2", "Column 3"]
    assert table.rows == 3
    assert table.kinds["Column 1"] == "date"


WIDE_MONTHS = (
    "Nøgletal 2024\n"
    "Nøgletal;jan 2024;feb 2024;mar 2024;I alt\n"
    "Besøg;1.000;1.200;1.100;3.300\n"
    "Ordrer;10;12;11;33\n"
    "Omsætning;5.000,50;6.000;5.500;16.500,50\n"
)


def test_wide_months_become_long():
    table = csv(WIDE_MONTHS)
    assert table.layout == "wide"
    assert table.header_row == 2
    assert table.frame.columns == ["Date", "Besøg", "Ordrer", "Omsætning"]
    assert table.kinds == {
        "Date": "date",
        "Besøg": "number",
        "Ordrer": "number",
        "Omsætning": "number",
    }
    assert table.frame["Date"].to_list() == [D(2024, 1, 1), D(2024, 2, 1), D(2024, 3, 1)]
    assert table.frame["Besøg"].to_list() == [1000.0, 1200.0, 1100.0]
    assert table.frame["Omsætning"].to_list() == [5000.5, 6000.0, 5500.0]
    assert any("were left out: ‘I alt’" in i.message for i in table.issues)


def test_wide_with_channel_column_and_quarters():
    text = (
        "Kanal;Måling;Q1 2025;Q2 2025\n"
        "Google;Klik;10;20\n"
        ";Visninger;100;200\n"
        "Meta;Klik;30;40\n"
        ";Visninger;300;400\n"
    )
    table = csv(text)
    assert table.layout == "wide"
    assert table.frame.columns == ["Date", "Kanal", "Klik", "Visninger"]
    assert table.frame.rows() == [
        (D(2025, 1, 1), "Google", 10.0, 100.0),
        (D(2025, 1, 1), "Meta", 30.0, 300.0),
        (D(2025, 4, 1), "Google", 20.0, 200.0),
        (D(2025, 4, 1), "Meta", 40.0, 400.0),
    ]
    assert table.kinds["Kanal"] == "text"


def test_wide_with_yearless_month_headers_in_a_workbook_uses_the_title_year(make):
    rows = [["Budget 2023"], ["", "Januar", "Februar", "Marts"], ["Omsætning", 1, 2, 3]]
    table = load_table(make.xlsx(rows), source="b.xlsx", isolate=False)
    assert table.layout == "wide"
    assert table.frame["Date"].to_list() == [D(2023, 1, 1), D(2023, 2, 1), D(2023, 3, 1)]
    assert table.frame["Omsætning"].to_list() == [1.0, 2.0, 3.0]


def test_wide_with_date_cells_as_headers(make):
    rows = [["Metric", D(2025, 1, 1), D(2025, 2, 1)], ["Klik", 5, 6], ["Leads", 1, "n/a"]]
    table = load_table(make.xlsx(rows), source="b.xlsx", isolate=False)
    assert table.layout == "wide"
    assert table.frame.columns == ["Date", "Klik", "Leads"]
    assert table.frame["Klik"].to_list() == [5.0, 6.0]


def test_wide_unreadable_cell_names_row_and_period():
    months = ["jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec"]
    header = "KPI;" + ";".join(f"{m} 2025" for m in months) + "\n"
    rows = "".join(
        f"M{i};" + ";".join("x" if (i, m) == (7, "mar") else str(i) for m in months) + "\n"
        for i in range(1, 12)
    )
    table = csv(header + rows)
    column = table.frame["M7"]
    assert column.to_list() == [7.0, 7.0, None, *[7.0] * 9]
    issue = next(i for i in table.issues if i.field == "M7")
    assert issue.examples == ("row 8, mar 2025: ‘x’",)


def test_wide_date_column_name_avoids_a_clash():
    table = csv("Date;Måling;jan 2025;feb 2025\nWeb;Klik;1;2\n")
    assert table.frame.columns == ["Period date", "Date", "Klik"]


def test_long_table_with_month_column_stays_long():
    table = csv("Måned;Klik;Visninger\njan 2025;1;2\nfeb 2025;3;4\n")
    assert table.layout == "long"
    assert table.frame["Måned"].to_list() == [D(2025, 1, 1), D(2025, 2, 1)]


def test_only_a_header_and_a_total_is_no_data():
    with pytest.raises(InputError, match=r"‘tom\.csv’ has column headers but no data rows"):
        csv("Dato;Klik\nTotal;0\n", "tom.csv")


@pytest.mark.parametrize(
    ("lang", "note", "reason"),
    [
        ("en", "Left out of the data: 1 total row (row 7).", "total row"),
        ("da", "Udeladt af dataene: 1 totalrække (række 7).", "totalrække"),
        ("nb", "Utelatt fra dataene: 1 totalrad (rad 7).", "totalrad"),
        ("sv", "Utelämnat ur data: 1 summarad (rad 7).", "summarad"),
    ],
)
def test_left_out_rows_are_told_in_every_language(lang, note, reason):
    from kpi_core.ingest.layout import reason_text

    body = "".join(f"2025-01-{d:02d};{d}\n" for d in range(1, 6))
    table = csv(f"Dato;Klik\n{body}I alt;15\n")
    assert table.issues[0].text(lang) == note
    assert reason_text(table.excluded_rows[0].reason, locale=lang) == reason


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("da", "‘tom.csv’ har kolonneoverskrifter, men ingen rækker med data."),
        ("nb", "‘tom.csv’ har kolonneoverskrifter, men ingen rader med data."),
        ("sv", "‘tom.csv’ har kolumnrubriker men inga rader med data."),
    ],
)
def test_header_only_file_says_so_in_every_language(lang, expected):
    with pytest.raises(InputError) as caught:
        csv("Dato;Klik\n", name="tom.csv")
    assert caught.value.text(lang).startswith(expected)


@pytest.mark.parametrize(
    ("upper", "lower", "names"),
    [
        # "Dato" merged down over both rows, the channels merged across their columns.
        (
            {0: "Dato", 1: "Google Ads", 3: "Meta"},
            {1: "Klik", 2: "Omsætning", 3: "Klik", 4: "Omsætning"},
            ["Dato", "Google Ads Klik", "Google Ads Omsætning", "Meta Klik", "Meta Omsætning"],
        ),
        # A label merged down does not become the group of the columns after it.
        (
            {0: "Dato", 2: "Google Ads"},
            {1: "Kanal", 2: "Klik", 3: "Omsætning"},
            ["Dato", "Kanal", "Google Ads Klik", "Google Ads Omsætning"],
        ),
    ],
)
def test_two_row_header_with_labels_merged_down(upper, lower, names) -> None:
    from kpi_core.ingest.layout import find_header

    body = [(3, {0: "01-01-2026", 1: "5", 2: "7", 3: "9", 4: "11"})]
    header = find_header([(1, upper), (2, lower), *body])
    assert header.depth == 2 and header.row == 1 and header.data_start == 3
    assert [header.names[c] for c in sorted(header.names)] == names


def test_a_note_right_of_the_header_is_not_a_group_row() -> None:
    from kpi_core.ingest.layout import find_header

    title = {0: "Salg pr kanal", 6: "Udskrevet af Mette"}
    names = {0: "Dato", 1: "Kanal", 2: "Klik", 3: "Omsætning"}
    header = find_header(
        [(1, title), (2, names), (3, {0: "01-01-2026", 1: "Meta", 2: "5", 3: "9"})]
    )
    assert header.depth == 1 and header.row == 2
    assert [header.names[c] for c in sorted(header.names)] == ["Dato", "Kanal", "Klik", "Omsætning"]
