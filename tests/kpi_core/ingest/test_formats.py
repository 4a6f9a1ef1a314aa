"""Formats are recognised by content; every unusable file gets its own message naming it."""

from __future__ import annotations

import io
import random
import zipfile

import pytest

from kpi_core.ingest import list_sheets, load_path, load_table
from kpi_core.ingest.formats import detect_format
from kpi_core.issues import InputError

ROWS = [["Dato", "Klik"], ["2025-01-01", 5], ["2025-01-02", 7]]
CSV = "Dato;Klik\n2025-01-01;5\n2025-01-02;7\n"


def _builders(make):
    return {
        "xlsx": lambda: make.xlsx(ROWS),
        "xlsm": lambda: make.xlsx(ROWS, macro=True),
        "xls": lambda: make.xls(ROWS),
        "ods": lambda: make.ods(ROWS),
        "csv": lambda: CSV.encode(),
    }


@pytest.mark.parametrize("kind", ["xlsx", "xlsm", "xls", "ods", "csv"])
@pytest.mark.parametrize("name", ["data.xlsx", "data.csv", "data.txt", "data", "data.xls"])
def test_format_comes_from_content_not_name(make, kind, name):
    data = _builders(make)[kind]()
    assert detect_format(data, source=name) == kind


@pytest.mark.parametrize("kind", ["xlsx", "xls", "ods", "csv"])
def test_renamed_files_load_the_same(make, kind):
    data = _builders(make)[kind]()
    wrong_name = "export.csv" if kind != "csv" else "export.xlsx"
    table = load_table(data, source=wrong_name, isolate=False)
    assert table.file_format == kind
    assert table.frame.columns == ["Dato", "Klik"]
    assert table.frame["Klik"].to_list() == [5.0, 7.0]
    assert table.kinds == {"Dato": "date", "Klik": "number"}


def _truncated_xlsx(make):
    data = make.xlsx(ROWS)
    return data[: len(data) // 2]


def _docx():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def _plain_zip():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.csv", CSV)
    return buffer.getvalue()


def _xlsb():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.bin", b"\x00")
    return buffer.getvalue()


BAD_INPUTS = [
    ("empty", lambda make: b"", "is empty"),
    ("whitespace", lambda make: b" \r\n\t \n", "is empty"),
    ("bom only", lambda make: b"\xef\xbb\xbf\n", "is empty"),
    ("utf16 blank", lambda make: "\ufeff  \n".encode("utf-16-le"), "is empty"),
    ("random bytes", lambda make: random.Random(7).randbytes(5000), "not a spreadsheet or a text"),
    ("truncated xlsx", _truncated_xlsx, "damaged or incomplete"),
    ("encrypted", lambda make: make.encrypted_ooxml(), "password-protected"),
    ("pdf", lambda make: b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "a PDF document"),
    ("png", lambda make: b"\x89PNG\r\n\x1a\n" + bytes(100), "an image"),
    ("word", lambda make: _docx(), "a Word document"),
    ("zip", lambda make: _plain_zip(), "a zip archive"),
    ("xlsb", lambda make: _xlsb(), "binary workbook (.xlsb)"),
    ("html", lambda make: b"<html><body><table><tr><td>1</td></tr></table>", "a web page"),
    ("json", lambda make: b'[{"Dato": "2025-01-01", "Klik": 5}]', "JSON data"),
    ("doc", lambda make: make.compound_file([("WordDocument", b"x")]), "old Word document"),
]


@pytest.mark.parametrize(
    ("case", "build", "reason"), BAD_INPUTS, ids=[case for case, _, _ in BAD_INPUTS]
)
def test_unusable_files_get_their_own_message(make, case, build, reason):
    with pytest.raises(InputError) as caught:
        load_table(build(make), source="budget.xlsx", isolate=False)
    message = str(caught.value)
    assert "‘budget.xlsx’" in message
    assert reason in message
    assert caught.value.source == "budget.xlsx"


def test_password_message_says_what_to_do(make):
    with pytest.raises(InputError, match="Protect Workbook"):
        load_table(make.encrypted_ooxml(), source="budget.xlsx")


def test_password_protected_xls_is_recognised(make):
    data = make.xls(ROWS, password=True)
    with pytest.raises(InputError, match=r"‘old\.xls’ is password-protected"):
        load_table(data, source="old.xls", isolate=False)


def test_list_sheets_of_a_text_file_is_one_unnamed_sheet():
    sheets = list_sheets(CSV.encode(), source="a.csv")
    assert [s.name for s in sheets] == [""]


def test_list_sheets_reports_visibility_isolated(make):
    data = make.xlsx({"Skjult": ROWS, "Data": ROWS, "Noter": [["x"]]}, hidden=["Skjult"])
    sheets = list_sheets(data, source="b.xlsx")
    assert [(s.name, s.visible) for s in sheets] == [
        ("Skjult", False),
        ("Data", True),
        ("Noter", True),
    ]


def test_list_sheets_of_bad_file_names_it():
    with pytest.raises(InputError, match=r"‘x\.xlsx’ is empty"):
        list_sheets(b"", source="x.xlsx")


def test_load_path_names_a_missing_file(tmp_path):
    with pytest.raises(InputError, match=r"‘nope\.xlsx’ could not be opened"):
        load_path(tmp_path / "nope.xlsx")


def test_load_path_uses_the_file_name_as_source(tmp_path, make):
    path = tmp_path / "salg.ods"
    path.write_bytes(make.ods(ROWS))
    table = load_path(path, isolate=False)
    assert table.source == "salg.ods" and table.file_format == "ods"
