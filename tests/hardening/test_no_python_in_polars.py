"""No Python function runs inside a polars expression in the app or its core.

With polars 2.1 a Python function in an expression (``map_elements``, ``map_batches``,
``map_rows``, ``map_groups``) runs on polars' shared thread pool and needs the GIL. A
second session's script thread that is at the same moment in ``DataFrame.to_pandas``
(which Streamlit calls for every table and chart) holds the GIL while waiting on that
pool: both wait for ever, and the server stops answering everyone. ``bench/load_ws.py``
found it with ten sessions (pages/what_if.py formatting a table with ``map_elements``
while another session drew a chart); see pola-rs/polars#26821 and #27396. Words made
in Python go into a ``pl.Series`` built in plain Python instead, which is also where the
session's language is known.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FILES = sorted(
    [
        ROOT / "app.py",
        *(ROOT / "pages").glob("*.py"),
        *(ROOT / "ui").glob("*.py"),
        *(ROOT / "kpi_core").rglob("*.py"),
    ]
)
PYTHON_IN_POLARS = {"map_elements", "map_batches", "map_rows", "map_groups"}


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_python_function_inside_a_polars_expression(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = [
        f"{path.relative_to(ROOT)}:{node.lineno}: .{node.func.attr}(…)"
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in PYTHON_IN_POLARS
    ]
    assert not found, "build the values in Python instead:\n" + "\n".join(found)
