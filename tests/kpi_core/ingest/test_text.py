"""Text files: encodings, delimiters, quoting, and nothing but a table or an InputError."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kpi_core.ingest import load_path, load_table
from kpi_core.ingest.text import decode, sniff_delimiter
from kpi_core.issues import InputError

NORDIC = "Dato;Kanal;Omsætning\n01-02-2025;Søg;1.234,50\n02-02-2025;Øvrige;€ 99,00\n"


def load(data: bytes, name: str = "export.csv"):
    return load_table(data, source=name, isolate=False)


@pytest.mark.parametrize(
    ("encoded", "encoding"),
    [
        (NORDIC.encode("utf-8"), "utf-8"),
        (b"\xef\xbb\xbf" + NORDIC.encode("utf-8"), "utf-8-sig"),
        ("\ufeff".encode("utf-16-le") + NORDIC.encode("utf-16-le"), "utf-16"),
        ("\ufeff".encode("utf-16-be") + NORDIC.encode("utf-16-be"), "utf-16"),
        (NORDIC.encode("utf-16-le"), "utf-16-le"),
        (NORDIC.encode("cp1252"), "cp1252"),
    ],
    ids=["utf8", "utf8-bom", "utf16le-bom", "utf16be-bom", "utf16le-no-bom", "cp1252"],
)
def test_encodings_give_the_same_table(encoded, encoding):
    table = load(encoded)
    assert table.encoding == encoding
    assert table.frame.columns == ["Dato", "Kanal", "Omsætning"]  # no BOM left on "Dato"
    assert table.frame["Kanal"].to_list() == ["Søg", "Øvrige"]
    assert table.frame["Omsætning"].to_list() == [1234.5, 99.0]
    assert table.frame["Dato"].to_list() == [dt.date(2025, 2, 1), dt.date(2025, 2, 2)]


def test_cp1252_is_preferred_over_latin1_for_the_euro_sign():
    text, encoding, replaced = decode("Pris\n€ 5\n".encode("cp1252"))
    assert (text, encoding, replaced) == ("Pris\n€ 5\n", "cp1252", 0)


@pytest.mark.parametrize(
    ("text", "delimiter"),
    [
        ("a;b;c\n1;2;3\n4;5;6\n", ";"),
        ("a,b,c\n1,2,3\n4,5,6\n", ","),
        ("a\tb\tc\n1\t2\t3\n", "\t"),
        ("a|b|c\n1|2|3\n", "|"),
        # decimal commas do not fool the sniffer: the header has no comma
        ("Dato;Beløb\n01-01-2025;1,5\n02-01-2025;2,5\n", ";"),
        # commas inside quotes are not delimiters
        ('navn,by\n"Hansen, Jens",Oslo\n"Berg, Ida",Bergen\n', ","),
        # semicolons in a quoted note, commas as delimiter
        ('a,b\n"x;y;z",1\n"p;q",2\n"r",3\n', ","),
        ("only one column\nvalue\nother\n", None),
    ],
)
def test_delimiter_sniffing(text, delimiter):
    assert sniff_delimiter(text) == delimiter


def test_title_rows_do_not_confuse_the_sniffer():
    text = "Rapport over salg\nUdtrukket 2025-02-03\n\nDato;Kanal;Klik\n" + "01-01-2025;A;1\n" * 5
    table = load(text.encode())
    assert table.delimiter == ";"
    assert table.header_row == 4
    assert table.frame.columns == ["Dato", "Kanal", "Klik"]


def test_quoted_fields_with_delimiters_and_line_breaks():
    text = 'Navn;Note;Klik\n"Hansen; Jens";"to\nlinjer";5\n"Berg";"ok";6\n'
    table = load(text.encode())
    assert table.frame["Navn"].to_list() == ["Hansen; Jens", "Berg"]
    assert table.frame["Note"].to_list() == ["to\nlinjer", "ok"]
    assert table.frame["Klik"].to_list() == [5.0, 6.0]


def test_excel_sep_line_is_honoured():
    table = load(b"sep=;\nA;B\n1,5;x\n2,5;y\n")
    assert table.delimiter == ";"
    assert table.header_row == 2
    assert table.frame["A"].to_list() == [1.5, 2.5]


def test_classic_mac_line_ends():
    table = load(b"A;B\r1;x\r2;y\r")
    assert table.frame["A"].to_list() == [1.0, 2.0]


def test_undecodable_bytes_in_a_bom_file_are_reported():
    data = b"\xef\xbb\xbfA;B\n1;x\xff\n2;y\n"
    table = load(data)
    assert any("could not be decoded" in i.message for i in table.issues)


def test_na_text_stays_text():
    table = load(b"Land;Klik\nNA;1\nSE;2\nNO;3\n")
    assert table.frame["Land"].to_list() == ["NA", "SE", "NO"]
    assert table.kinds["Land"] == "text"


def test_header_only_file_says_so():
    with pytest.raises(InputError, match=r"‘tom\.csv’ has column headers but no data rows"):
        load(b"Dato;Klik\n", "tom.csv")


def test_delimiters_only_file_is_empty():
    with pytest.raises(InputError, match=r"‘x\.csv’ is empty"):
        load(b";;;\n;;;\n", "x.csv")


def test_a_sheet_name_for_a_text_file_is_refused():
    with pytest.raises(InputError, match=r"‘x\.csv’ is a text file and has no sheet ‘Data’"):
        load_table(b"a;b\n1;2\n", source="x.csv", sheet="Data", isolate=False)


def test_rows_with_more_fields_than_the_header_keep_their_data():
    table = load(b"A;B\n1;2\n3;4;extra\n")
    assert table.frame.columns == ["A", "B", "Column 3"]
    assert table.frame["Column 3"].to_list() == [None, "extra"]


def test_real_facebook_export_loads(tmp_path):
    table = load_path("/work/shared/realdata/facebook_ads_conversions.csv", isolate=False)
    assert table.rows == 1143
    assert table.delimiter == "," and table.decimal == "." and table.encoding == "utf-8"
    assert table.kinds["Date"] == "date"
    assert table.frame["Date"].dtype == pl.Date
    # dd-mm-yyyy: 31-08-2023 is the 31st of August, not an error
    assert table.frame["Date"][0] == dt.date(2023, 8, 31)
    assert table.frame["Date"].null_count() == 0
    assert table.kinds["ad_id"] == "id" and table.frame["ad_id"][0] == "708746"
    assert table.kinds["Spent"] == "number"
    assert table.frame["Spent"][0] == pytest.approx(1.429999948)
    for column in ("Impressions", "Clicks", "Total_Conversion", "Approved_Conversion"):
        assert table.kinds[column] == "number"
        assert table.frame[column].null_count() == 0
    assert table.kinds["age"] == "text" and table.frame["age"][0] == "30-34"
    assert not [i for i in table.issues if i.level == "warning"]


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    st.one_of(
        st.text(max_size=400),
        st.lists(
            st.lists(
                st.one_of(
                    st.text(alphabet=';,|\t"\n 0123456789.,-%krAÆø€', max_size=8),
                    st.sampled_from(["jan 2025", "31.12.2025", "1.234,5", "Total", "#N/A", "NA"]),
                ),
                min_size=1,
                max_size=6,
            ),
            max_size=12,
        ).map(lambda rows: "\n".join(";".join(r) for r in rows)),
    ),
    st.sampled_from(["utf-8", "utf-16", "cp1252"]),
)
def test_any_text_gives_a_table_or_an_input_error(text, encoding):
    data = text.encode(encoding, errors="replace")
    try:
        table = load_table(data, source="fuzz.csv", isolate=False)
    except InputError as error:
        assert "‘fuzz.csv’" in str(error)
        return
    assert set(table.kinds) == set(table.frame.columns)
    for name, kind in table.kinds.items():
        expected = {"date": pl.Date, "number": pl.Float64, "text": pl.String, "id": pl.String}
        assert table.frame[name].dtype == expected[kind]


def test_a_wide_record_far_below_the_sniffed_part_keeps_its_fields():
    body = "12345;67890\n" * 30_000  # 360 KB: beyond what the sniffer reads
    table = load(f"A;B\n{body}1;2;3;4\n".encode())
    assert table.frame.columns == ["A", "B", "Column 3", "Column 4"]
    assert table.frame.tail(1).rows() == [(1.0, 2.0, 3.0, 4.0)]
    assert table.frame["Column 3"].null_count() == 30_000
