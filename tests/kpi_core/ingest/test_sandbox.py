"""An upload must never take the server down: pre-checks, and parsing in a limited child."""

from __future__ import annotations

import datetime as dt
import os
import time
from types import SimpleNamespace

import pytest

from kpi_core.ingest import load_table, sandbox
from kpi_core.issues import InputError

D = dt.date
ROWS = [
    ["Titel"],
    ["Dato", "Klik", "Kundenr"],
    *[[D(2025, 3, d), d, f"{d:03d}"] for d in range(1, 11)],
]


def test_isolated_result_equals_in_process_and_reports_progress(make):
    data = make.xlsx(ROWS)
    stages: list[str] = []
    isolated = load_table(data, source="a.xlsx", on_progress=stages.append)
    local = load_table(data, source="a.xlsx", isolate=False)
    assert stages == ["reading", "parsing", "typing"]
    assert isolated.frame.equals(local.frame)
    assert isolated.frame.schema == local.frame.schema
    assert (isolated.kinds, isolated.issues, isolated.sheets) == (
        local.kinds,
        local.issues,
        local.sheets,
    )
    assert isolated.header_row == 2 and isolated.file_format == "xlsx"


def test_input_errors_raised_in_the_child_come_back_whole(make):
    with pytest.raises(InputError) as caught:
        load_table(make.xlsx({"Data": ROWS}), source="a.xlsx", sheet="Salg")
    assert str(caught.value) == (
        "‘a.xlsx’ has no sheet named ‘Salg’. Its sheets are: ‘Data’. Choose one of those sheets."
    )
    # The catalogue key and its values come back too, so the page can say it in any language.
    assert caught.value.key == "ingest.sheet.unknown"
    assert caught.value.text("da") == (
        "‘a.xlsx’ har intet ark med navnet ‘Salg’. Filens ark er: ‘Data’. Vælg et af dem."
    )


def test_xfd_workbook_is_stopped_by_the_pre_check_without_a_child(make):
    data = make.xfd_bomb(honest_dimension=True)
    assert len(data) < 10_000
    started = time.perf_counter()
    with pytest.raises(
        InputError, match=r"‘x\.xlsx’ has a sheet that claims to span 1,048,576 rows"
    ):
        load_table(data, source="x.xlsx")
    assert time.perf_counter() - started < 1.0


def test_xfd_workbook_with_a_lying_dimension_aborts_only_the_child(make):
    # calamine asks for 550 GB and aborts its process; ours must carry on.
    data = make.xfd_bomb(honest_dimension=False)
    with pytest.raises(InputError) as caught:
        load_table(data, source="x.xlsx")
    message = str(caught.value)
    assert message.startswith("‘x.xlsx’ could not be read within the memory limit (4 GB)")
    assert "row 1,048,576 or column XFD" in message
    assert os.getpid() > 0  # still here


def test_memory_limit_turns_a_big_allocation_into_an_input_error(make):
    data = make.sparse_span(300_000, 26)  # a 7.8-million-cell grid: 250 MB for calamine
    with pytest.raises(
        InputError, match=r"‘span\.xlsx’ could not be read within the memory limit \(200 MB\)"
    ):
        sandbox.parts_isolated(data, source="span.xlsx", sheet=None, memory=200 << 20)


def test_time_limit_kills_the_child(make):
    with pytest.raises(InputError, match=r"‘slow\.xlsx’ could not be read within the time limit"):
        sandbox.parts_isolated(make.xlsx(ROWS), source="slow.xlsx", sheet=None, seconds=0.05)


def test_zip_bomb_is_rejected_before_parsing(make):
    data = make.zip_bomb()
    assert len(data) < 200_000
    started = time.perf_counter()
    with pytest.raises(InputError, match=r"‘bomb\.xlsx’ looks like a zip bomb"):
        load_table(data, source="bomb.xlsx")
    assert time.perf_counter() - started < 1.0


def test_archive_claiming_gigabytes_is_rejected(make):
    data = make.claim_size(make.xlsx(ROWS), "xl/worksheets/sheet1.xml", 4_000_000_000)
    with pytest.raises(InputError, match=r"‘big\.xlsx’ would unpack to 3\.\d GB"):
        load_table(data, source="big.xlsx")


def test_text_files_can_run_in_the_child_too():
    text = "Dato;Omsætning\n01-02-2025;1.234,50\n02-02-2025;99,00\n".encode()
    table = sandbox.parts_isolated(text, source="a.csv", sheet=None).table()
    assert table.delimiter == ";" and table.decimal == "," and table.encoding == "utf-8"
    assert table.frame["Omsætning"].to_list() == [1234.5, 99.0]


def test_large_text_files_go_to_the_child(monkeypatch):
    from kpi_core.ingest import guard, pipeline

    calls = []
    monkeypatch.setattr(guard, "INPROCESS_TEXT_BYTES", 10)
    monkeypatch.setattr(
        pipeline.sandbox,
        "parts_isolated",
        lambda data, **options: calls.append(options) or SimpleNamespace(table=lambda: None),
    )
    load_table(b"Dato;Klik\n2025-01-01;1\n", source="a.csv")
    load_table(b"Dato;Klik\n2025-01-01;1\n", source="a.csv", isolate=False)
    assert [c["source"] for c in calls] == ["a.csv"]


def test_text_over_the_size_cap_is_refused(monkeypatch):
    from kpi_core.ingest import guard

    monkeypatch.setattr(guard, "MAX_TEXT_BYTES", 1 << 20)
    data = b"Dato;Klik\n" + b"2025-01-01;1\n" * 100_000
    with pytest.raises(InputError, match=r"‘big\.csv’ is 1 MB, more than the 1 MB that can be"):
        load_table(data, source="big.csv", isolate=False)


def test_a_bug_in_the_child_is_an_input_error_and_logged(make, caplog):
    # A sheet that is not a string makes the reading code itself fail.
    with pytest.raises(InputError, match=r"‘a\.xlsx’ could not be read because of an unexpected"):
        sandbox.parts_isolated(make.xlsx(ROWS), source="a.xlsx", sheet=123)  # type: ignore[arg-type]
    assert any("failed in the sandbox" in r.message for r in caplog.records)


def test_zip_claiming_too_many_parts_is_refused_before_its_directory_is_read(make):
    data = bytearray(make.xlsx(ROWS))
    end = data.rfind(b"PK\x05\x06")
    data[end + 8 : end + 12] = (60_000).to_bytes(2, "little") * 2
    with pytest.raises(InputError, match=r"‘many\.xlsx’ has 60,000 internal parts"):
        load_table(bytes(data), source="many.xlsx", isolate=False)
