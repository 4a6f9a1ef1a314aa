"""Reading uploads: Excel, OpenDocument and text files into typed tables.

Public API::

    from kpi_core.ingest import load_table, list_sheets, load_path, LoadedTable, SheetInfo
    from kpi_core.ingest import read_parts, isolates, TableParts  # for servers: see read_parts

The names are loaded on first use: the sandbox child runs as
``python -m kpi_core.ingest.sandbox``, which imports this package first, and
it must set its memory limit before polars and its allocator start.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kpi_core.ingest.model import LoadedTable, SheetInfo, TableParts
    from kpi_core.ingest.pipeline import isolates, list_sheets, load_path, load_table, read_parts

__all__ = [
    "LoadedTable",
    "SheetInfo",
    "TableParts",
    "isolates",
    "list_sheets",
    "load_path",
    "load_table",
    "read_parts",
]

_HOMES = {
    "LoadedTable": "kpi_core.ingest.model",
    "SheetInfo": "kpi_core.ingest.model",
    "TableParts": "kpi_core.ingest.model",
    "isolates": "kpi_core.ingest.pipeline",
    "read_parts": "kpi_core.ingest.pipeline",
    "list_sheets": "kpi_core.ingest.pipeline",
    "load_path": "kpi_core.ingest.pipeline",
    "load_table": "kpi_core.ingest.pipeline",
}


def __getattr__(name: str) -> object:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_HOMES[name]), name)
    globals()[name] = value
    return value
