"""Pages and widgets hold no words of their own: every text comes from the catalogue.

A string in ``app.py``, ``pages/`` or ``ui/`` that reads as prose (two words or more)
is a text someone forgot to put in the catalogues, and would stay English in every
language. Docstrings, catalogue keys and the product's name are not prose.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FILES = sorted([ROOT / "app.py", *(ROOT / "pages").glob("*.py"), *(ROOT / "ui").glob("*.py")])
PROSE = re.compile(r"[A-Za-zÆØÅæøåÄÖäö]{2,}[,.]? +[A-Za-zÆØÅæøåÄÖäö]{2,}")
#: Not words for a reader: the product's name, and markup around catalogue texts.
ALLOWED = {"KPI Kompas"}


def _docstrings(tree: ast.AST) -> set[int]:
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                out.add(id(body[0].value))
    return out


def prose_in(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _docstrings(tree)
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Constant) or not isinstance(node.value, str):
            continue
        if id(node) in skip:
            continue
        text = node.value
        for allowed in ALLOWED:
            text = text.replace(allowed, "")
        if PROSE.search(text):
            found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.value[:70]!r}")
    return found


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_words_outside_the_catalogue(path: Path) -> None:
    found = prose_in(path)
    assert not found, "texts to move to the catalogues:\n" + "\n".join(found)
