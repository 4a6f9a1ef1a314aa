"""``kpi_core`` never imports streamlit: the command line and tests run without a UI.

Two independent checks: every module is imported in a fresh interpreter and
``streamlit`` must not appear in ``sys.modules``; and every source file is parsed
for an import of streamlit (or a streamlit add-on) that a lazy import would hide.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "kpi_core"
SOURCES = sorted(PACKAGE.rglob("*.py"))


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


#: ``kpi_core.__main__`` runs the command line when imported; the AST scan covers it.
MODULES = sorted(module_name(p) for p in SOURCES if p.name != "__main__.py")

_PROBE = textwrap.dedent(
    """
    import importlib, json, pkgutil, sys

    import kpi_core

    errors = {}
    walked = set()
    def onerror(name):
        errors[name] = repr(sys.exc_info()[1])

    for info in pkgutil.walk_packages(kpi_core.__path__, "kpi_core.", onerror=onerror):
        walked.add(info.name)
    # Also the modules found on disk: pkgutil does not walk folders without __init__.py.
    names = sorted((walked | set(sys.argv[1:]) | {"kpi_core"}) - {"kpi_core.__main__"})
    pulled_in = {}
    for name in names:
        before = "streamlit" in sys.modules
        try:
            importlib.import_module(name)
        except Exception as exc:
            errors[name] = f"{type(exc).__name__}: {exc}"
        if not before and "streamlit" in sys.modules:
            pulled_in[name] = True
    print(json.dumps({
        "imported": names,
        "walked": sorted(walked),
        "errors": errors,
        "pulled_in": sorted(pulled_in),
        "streamlit": sorted(m for m in sys.modules if m.split(".")[0] == "streamlit"),
    }))
    """
)


@pytest.fixture(scope="module")
def probe() -> dict:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, *MODULES],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(ROOT), "PYTHONDONTWRITEBYTECODE": "1"},
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_walk_covers_the_package(probe: dict) -> None:
    assert len(MODULES) >= 10
    for name in ("kpi_core.compute", "kpi_core.mapping", "kpi_core.charts", "kpi_core.cli"):
        assert name in MODULES
        assert name in probe["walked"]
    assert set(MODULES) <= set(probe["imported"])


def test_importing_every_module_does_not_import_streamlit(probe: dict) -> None:
    assert probe["streamlit"] == [], f"imported by {probe['pulled_in']}"


@pytest.mark.parametrize("name", MODULES)
def test_module_imports_cleanly(probe: dict, name: str) -> None:
    # A module that cannot be imported could hide a streamlit import from the check above.
    assert name not in probe["errors"], probe["errors"].get(name)


def streamlit_imports(source: str, filename: str = "<source>") -> list[str]:
    """``file:line`` of every import of streamlit, or of a ``streamlit_*`` add-on."""

    def is_streamlit(module: str | None) -> bool:
        top = (module or "").split(".")[0]
        return top == "streamlit" or top.startswith("streamlit_")

    found = []
    for node in ast.walk(ast.parse(source, filename)):
        hit = False
        if isinstance(node, ast.Import):
            hit = any(is_streamlit(a.name) for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            hit = node.level == 0 and is_streamlit(node.module)
        elif isinstance(node, ast.Call) and node.args:
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            arg = node.args[0]
            hit = (
                name in ("import_module", "__import__")
                and isinstance(arg, ast.Constant)
                and isinstance(arg.value, str)
                and is_streamlit(arg.value)
            )
        if hit:
            found.append(f"{filename}:{node.lineno}")
    return found


@pytest.mark.parametrize(
    ("source", "hits"),
    [
        ("import streamlit as st", 1),
        ("import os, streamlit", 1),
        ("import streamlit.components.v1 as components", 1),
        ("from streamlit import session_state", 1),
        ("from streamlit.runtime import exists", 1),
        ("import streamlit_extras", 1),
        ("def f():\n    import streamlit\n", 1),
        ("import importlib\nst = importlib.import_module('streamlit')", 1),
        ("st = __import__('streamlit')", 1),
        ("import altair as alt\nimport polars as pl", 0),
        ("from . import streamlit_like", 0),  # a relative import of a local module
        ("text = 'import streamlit'", 0),
        ("# import streamlit", 0),
        ("import streamlitish", 0),
    ],
)
def test_the_scanner_finds_streamlit_imports(source: str, hits: int) -> None:
    assert len(streamlit_imports(source)) == hits


@pytest.mark.parametrize("path", SOURCES, ids=[str(p.relative_to(ROOT)) for p in SOURCES])
def test_no_source_file_imports_streamlit(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    assert streamlit_imports(source, str(path.relative_to(ROOT))) == []
