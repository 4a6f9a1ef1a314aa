"""Workbooks: sheets, typing from all rows, error cells, formulas without results, xls and ods."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from kpi_core.ingest import load_table, workbook
from kpi_core.issues import InputError

D = dt.date


def read(data: bytes, name: str = "bog.xlsx", **options):
    return load_table(data, source=name, isolate=False, **options)


def daily(n: int):
    return [[D(2025, 1, 1) + dt.timedelta(days=i), i + 1] for i in range(n)]


def test_late_bad_cells_are_counted_not_silently_nulled(make):
    # polars.read_excel types from the first 100 rows and silently nulls these two.
    rows = [["Dato", "Omsætning"], *daily(150)]
    rows += [[D(2025, 6, 1), "n/a"], [D(2025, 6, 2), "1.234,56"], [D(2025, 6, 3), 7.5]]
    table = read(make.xlsx(rows))
    assert table.kinds["Omsætning"] == "number"
    assert table.frame["Omsætning"].to_list()[-3:] == [None, None, 7.5]
    issue = next(i for i in table.issues if i.field == "Omsætning")
    assert issue.count == 2
    assert issue.examples == ("row 152: ‘n/a’", "row 153: ‘1.234,56’")


def test_error_cells_are_reported_separately(make):
    rows = [["Dato", "ROAS", "Klik"], *[[d, n / 10, n] for d, n in daily(30)]]
    rows[5][1] = "#DIV/0!"
    rows[9][1] = "#N/A"
    table = read(make.xlsx(rows))
    assert table.kinds["ROAS"] == "number"
    assert table.frame["ROAS"].null_count() == 2
    messages = [i.message for i in table.issues if i.field == "ROAS"]
    assert messages == [
        "Column ‘ROAS’: 2 cells hold Excel errors (#DIV/0!, #N/A) and were left empty "
        "(row 6: #DIV/0!, row 10: #N/A)."
    ]


def test_formulas_without_saved_results_are_reported(make):
    rows = [
        ["Dato", "Klik", "Dobbelt"],
        *[[d, n, f"=B{i + 2}*2"] for i, (d, n) in enumerate(daily(5))],
    ]
    table = read(make.xlsx(rows))
    issue = next(i for i in table.issues if i.field == "Dobbelt")
    assert issue.level == "warning" and issue.count == 5
    assert issue.examples == ("row 2", "row 3", "row 4")
    assert "no saved result" in issue.message and "open it in Excel" in issue.message


def test_formulas_with_saved_results_are_fine(make):
    rows = [["Dato", "Klik", "Dobbelt"], *[[d, n, None] for d, n in daily(3)]]
    data = make.xlsxwriter_book(rows)
    table = read(data)
    assert not any("formula" in i.message for i in table.issues)


def test_leading_zero_ids_na_text_and_booleans(make):
    rows = [
        ["Kundenr", "Land", "Aktiv", "Ordrenr", "Beløb"],
        ["00123", "NA", True, 1001, 10.5],
        ["04567", "SE", False, 1002, 20.0],
        ["10000", "NO", True, 1003, 30.25],
    ]
    table = read(make.xlsx(rows))
    assert table.kinds == {
        "Kundenr": "id",
        "Land": "text",
        "Aktiv": "text",
        "Ordrenr": "id",
        "Beløb": "number",
    }
    assert table.frame["Kundenr"].to_list() == ["00123", "04567", "10000"]
    assert table.frame["Land"].to_list() == ["NA", "SE", "NO"]
    assert table.frame["Ordrenr"].to_list() == ["1001", "1002", "1003"]
    assert table.frame["Aktiv"].to_list() == ["TRUE", "FALSE", "TRUE"]


def test_native_dates_and_excel_serials(make):
    rows = [["Dato", "Dag", "Antal"], [D(2025, 1, 1), 45659, 1], [D(2025, 1, 2), 45660, 2]]
    table = read(make.xlsx(rows))
    assert table.kinds == {"Dato": "date", "Dag": "date", "Antal": "number"}
    assert table.frame["Dag"].to_list() == [D(2025, 1, 2), D(2025, 1, 3)]
    assert table.frame["Dato"].dtype == pl.Date


def test_mixed_mostly_text_column_stays_text(make):
    rows = [["Kampagne", "Klik"], ["Sommer", 1], ["Vinter", 2], [2025, 3], ["Jul", 4]]
    table = read(make.xlsx(rows))
    assert table.kinds["Kampagne"] == "text"
    assert table.frame["Kampagne"].to_list() == ["Sommer", "Vinter", "2025", "Jul"]


def test_hidden_first_sheet_is_not_picked(make):
    data = make.xlsx(
        {"Gammel": [["Dato", "Klik"], *daily(50)], "Data": [["Dato", "Klik"], *daily(3)]},
        hidden=["Gammel"],
    )
    table = read(data)
    assert table.sheet == "Data" and table.rows == 3
    assert [(s.name, s.visible, s.rows) for s in table.sheets] == [
        ("Gammel", False, None),
        ("Data", True, 3),
    ]
    assert any(i.level == "info" and "‘Gammel’ is hidden" in i.message for i in table.issues)


def test_hidden_sheet_can_be_chosen(make):
    data = make.xlsx({"Gammel": [["Dato", "Klik"], *daily(5)], "Data": [["x"]]}, hidden=["Gammel"])
    assert read(data, sheet="Gammel").rows == 5


@pytest.mark.parametrize("sizes", [(3, 40, 5), (30, 35, 5)], ids=["clear-winner", "close-call"])
def test_visible_sheet_with_most_data_is_picked(make, sizes):
    sheets = {f"S{i}": [["Dato", "Klik"], *daily(n)] for i, n in enumerate(sizes)}
    table = read(make.xlsx(sheets))
    assert table.sheet == "S1" and table.rows == sizes[1]
    assert any("the visible sheet with the most data" in i.message for i in table.issues)


def test_sheet_names_match_case_insensitively(make):
    data = make.xlsx({"Data": [["Dato", "Klik"], *daily(2)]})
    assert read(data, sheet="data").sheet == "Data"


def test_unknown_sheet_lists_the_sheets(make):
    data = make.xlsx({"Data": [["a"]], "Skjult": [["b"]]}, hidden=["Skjult"])
    with pytest.raises(InputError) as caught:
        read(data, sheet="Salg")
    assert str(caught.value) == (
        "‘bog.xlsx’ has no sheet named ‘Salg’. Its sheets are: ‘Data’ (hidden: ‘Skjult’). "
        "Choose one of those sheets."
    )


def test_empty_sheet_is_named(make):
    data = make.xlsx({"Tom": [], "Data": [["Dato", "Klik"], *daily(2)]})
    with pytest.raises(InputError, match=r"Sheet ‘Tom’ of ‘bog\.xlsx’ is empty\. Choose the sheet"):
        read(data, sheet="Tom")


def test_workbook_whose_sheets_are_all_empty(make):
    with pytest.raises(InputError, match=r"Sheet ‘Ark1’ of ‘bog\.xlsx’ is empty"):
        read(make.xlsx({"Ark1": []}))


def test_sheet_with_header_only(make):
    with pytest.raises(
        InputError, match=r"Sheet ‘A’ of ‘bog\.xlsx’ has column headers but no data"
    ):
        read(make.xlsx({"A": [["Dato", "Klik"]]}))


RICH = [
    ["Salgsrapport 2025"],
    [],
    ["Dato", "Kanal", "Klik", "Omsætning", "Kundenr", "Note"],
    *[
        [D(2025, 1, d), "Google" if d % 2 else "Meta", d, d * 10.5, f"{d:05d}", None]
        for d in range(1, 31)
    ],
    ["Total", None, 465, 4882.5, None, None],
    [],
    ["Kilde: kassesystem"],
]


def test_text_path_gives_the_same_table_as_typed_path(make, monkeypatch):
    data = make.xlsx(RICH)
    typed = read(data)
    monkeypatch.setattr(workbook, "_typed", lambda *args, **kwargs: None)
    text = read(data)
    assert typed.frame.equals(text.frame)
    assert typed.kinds == text.kinds
    assert typed.excluded_rows == text.excluded_rows
    assert typed.header_row == text.header_row == 3
    assert [e.row for e in typed.excluded_rows] == [34, 36]


def test_xls_is_read(make):
    rows = [
        ["Dato", "Kanal", "Klik", "Kundenr", "Fejl"],
        *[[D(2025, 1, d), "Web", d, f"{d:04d}", d / 2] for d in range(1, 21)],
    ]
    rows[3][4] = ("error", "#DIV/0!")
    data = make.xls({"Skjult": [["x"], [1]], "Data": rows}, hidden=["Skjult"])
    table = read(data, "gammel.xls")
    assert table.file_format == "xls" and table.sheet == "Data"
    assert table.kinds == {
        "Dato": "date",
        "Kanal": "text",
        "Klik": "number",
        "Kundenr": "id",
        "Fejl": "number",
    }
    assert table.frame["Dato"][0] == D(2025, 1, 1)
    assert table.frame["Kundenr"][0] == "0001"
    assert any("#DIV/0!" in i.message for i in table.issues)
    assert any("‘Skjult’ is hidden" in i.message for i in table.issues)


def test_ods_is_read(make):
    rows = [[None], ["Dato", "Klik", "Pris"], *[[D(2025, 2, d), d, f"{d},5"] for d in range(1, 11)]]
    data = make.ods({"Skjult": [["x"], [1]], "Data": rows}, hidden=["Skjult"])
    table = read(data, "ark.ods")
    assert table.file_format == "ods" and table.sheet == "Data" and table.header_row == 2
    assert table.frame["Dato"][0] == D(2025, 2, 1)
    assert table.frame["Pris"].to_list()[:2] == [1.5, 2.5]
    assert [s.visible for s in table.sheets] == [False, True]


def test_hostile_xml_in_workbook_part_is_refused(make):
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        b"<workbook>&lol2;</workbook>"
    )
    data = make.rewrite_zip(make.xlsx([["a"], [1]]), {"xl/workbook.xml": lambda _: bomb})
    refused = r"‘bog\.xlsx’ was refused: .* declares XML entities"
    with pytest.raises(InputError, match=refused) as err:
        read(data)
    assert "lol" not in str(err.value)  # no parser internals in the message


def test_openpyxl_uses_defusedxml():
    import openpyxl.xml

    assert openpyxl.xml.DEFUSEDXML is True


def test_ods_picks_the_visible_sheet_with_most_data(make):
    sheets = {"Lille": [["Dato", "Klik"], *daily(2)], "Stor": [["Dato", "Klik"], *daily(9)]}
    table = read(make.ods(sheets), "ark.ods")
    assert table.sheet == "Stor" and table.rows == 9


def test_list_sheets_of_xls_in_the_child(make):
    from kpi_core.ingest import list_sheets

    data = make.xls({"Skjult": [["x"]], "Data": [["Dato"], [1]]}, hidden=["Skjult"])
    assert [(s.name, s.visible) for s in list_sheets(data, source="g.xls")] == [
        ("Skjult", False),
        ("Data", True),
    ]


def test_wide_workbook_label_columns_numbering_rows_or_splitting_them(make):
    rows = [
        ["Nr", "Region", "KPI", "jan 2025", "feb 2025"],
        [1, 10, "Klik", 5, 6],
        [2, 10, "Leads", 1, 2],
        [3, 20, "Klik", 7, 8],
        [4, 20, "Leads", 3, 4],
    ]
    table = read(make.xlsx(rows))
    assert table.layout == "wide"
    assert table.frame.columns == ["Date", "Region", "Klik", "Leads"]
    assert table.frame.rows() == [
        (D(2025, 1, 1), 10.0, 5.0, 1.0),
        (D(2025, 1, 1), 20.0, 7.0, 3.0),
        (D(2025, 2, 1), 10.0, 6.0, 2.0),
        (D(2025, 2, 1), 20.0, 8.0, 4.0),
    ]
    assert any("left out: ‘Nr’" in i.message for i in table.issues)


@pytest.mark.parametrize(
    ("detail", "text"),
    [
        ("Expected float but got 'String(\"n/a\")'", "n/a"),
        ('Expected float but got \'String("say \\"hi\\"\\nthere")\'', 'say "hi"\nthere'),
        ("Expected float but got 'String(\"Søgning\")'", "Søgning"),
        ("Expected string but got 'Error(Div0)'", "#DIV/0!"),
        ("Expected string but got 'Error(NA)'", "#N/A"),
        ("Expected float but got 'Bool(true)'", "TRUE"),
        ("Expected string but got 'Float(12.0)'", "12"),
    ],
)
def test_cells_that_did_not_fit_their_column_are_put_back_as_text(detail, text):
    assert workbook._payload_text(detail) == text
