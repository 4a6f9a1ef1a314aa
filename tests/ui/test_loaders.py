"""Caches are keyed on the file's full hash, so users never get each other's results.

Streamlit hashes frames of 50,000+ rows from a sample; two uploads that differ only
outside that sample must still get their own numbers.
"""

from __future__ import annotations

import ast
from pathlib import Path

import polars as pl

from ui import loaders
from ui.session import DataFile


def _csv(last_sessions: int) -> bytes:
    rows = ["Dato;Besøg;Leads"]
    rows += [f"{(i % 28) + 1:02d}-01-2026;100;2" for i in range(59_999)]
    rows.append(f"28-01-2026;{last_sessions};2")
    return ("\n".join(rows) + "\n").encode()


def test_uploads_that_differ_only_in_their_last_row_get_their_own_numbers() -> None:
    a = DataFile(name="export.csv", data=_csv(100))
    b = DataFile(name="export.csv", data=_csv(5_000))
    assert a.sha256 != b.sha256
    mapping = {"Dato": "date", "Besøg": "sessions", "Leads": "leads"}
    kf_a = loaders.kpis(a, mapping, period="month")
    kf_b = loaders.kpis(b, mapping, period="month")
    assert isinstance(kf_a, pl.DataFrame) and isinstance(kf_b, pl.DataFrame)
    # 60,000 rows × 100 sessions, and the same with the last row at 5,000.
    assert kf_a["sessions"].item() == 6_000_000
    assert kf_b["sessions"].item() == 6_000_000 - 100 + 5_000
    assert loaders.view(a).rows == loaders.view(b).rows == 60_000


def test_a_failure_carries_its_error_and_speaks_the_users_language() -> None:
    # Sessions but no date column: KPIs per period cannot be computed.
    file = DataFile(name="uden_dato.csv", data="Besøg;Leads\n100;2\n200;3\n".encode())
    failure = loaders.kpis(file, {"Besøg": "sessions", "Leads": "leads"}, period="month")
    assert isinstance(failure, loaders.Failure)
    assert failure.key == "scorecard.error.no_date_column"
    assert (
        failure.message
        == failure.text("en")
        == ("No column is mapped to Date, so KPIs cannot be shown per period.")
    )
    assert failure.text("da") == (
        "Ingen kolonne er koblet til Dato, så KPI'erne kan ikke vises pr. periode."
    )
    assert loaders.Failure("plain").text("sv") == "plain"


def _called_names(node: ast.AST) -> set[str]:
    names = set()
    for call in ast.walk(node):
        if isinstance(call, ast.Call):
            f = call.func
            names.add(f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", ""))
    return names


def _is_cached(fn: ast.FunctionDef) -> bool:
    return any("cache_data" in ast.unparse(d) for d in fn.decorator_list)


def test_no_cached_function_steps_out_of_the_run_lock() -> None:
    """Stepping out of the run lock inside a cached function could deadlock (ui/frame.py).

    A cached body holds its value's compute lock; a session holding the run lock and asking
    for the same value would wait for it, while this one waits to take the run lock back.
    """
    root = Path(__file__).resolve().parents[2]
    tree = ast.parse((root / "ui" / "loaders.py").read_text(encoding="utf-8"))
    functions = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]
    steps_out = {"outside_run", "_ready"}
    steps_out |= {f.name for f in functions if _called_names(f) & steps_out}
    assert {"view", "kpis", "funnel_view", "full_table"} <= steps_out  # the check sees them
    for path in [root / "app.py", *(root / "ui").glob("*.py"), *(root / "pages").glob("*.py")]:
        for fn in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(fn, ast.FunctionDef) and _is_cached(fn):
                assert not _called_names(fn) & steps_out, f"{path.name}: {fn.name}"


def test_a_workbook_is_read_once_per_session_and_file(monkeypatch) -> None:
    """The sandbox runs once for a file; later pages find it ready (a marker per session)."""
    import streamlit as st

    from kpi_core.ingest import pipeline

    calls: list[str] = []
    real = pipeline.read_parts

    def counted(data: bytes, *, source: str, **kwargs: object) -> object:
        calls.append(source)
        return real(data, source=source, **kwargs)

    monkeypatch.setattr(loaders, "read_parts", counted)
    monkeypatch.setattr(st, "session_state", {})
    data = Path(__file__).resolve().parents[2] / "sample_data" / "nordlys_marketing.xlsx"
    file = DataFile(name="once.xlsx", data=data.read_bytes())
    loaders._parts.clear()
    first = loaders.view(file)
    assert isinstance(first, loaders.TableView) and first.seconds > 0
    assert loaders.view(file).rows == first.rows
    loaders.full_table(file)
    assert calls == ["once.xlsx"]
    assert st.session_state[loaders._READY] == [f"{file.sha256}:"]
