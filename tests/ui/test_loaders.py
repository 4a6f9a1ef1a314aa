"""Caches are keyed on the file's full hash, so users never get each other's results.

Streamlit hashes frames of 50,000+ rows from a sample; two uploads that differ only
outside that sample must still get their own numbers.
"""

from __future__ import annotations

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
