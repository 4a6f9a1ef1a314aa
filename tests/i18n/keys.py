"""Where the code names catalogue keys: read from the source, never imported."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted(
    [ROOT / "app.py", *(ROOT / "pages").glob("*.py"), *(ROOT / "ui").glob("*.py")]
    + [p for p in (ROOT / "kpi_core").rglob("*.py")]
)
KEY = re.compile(r"^[a-z][a-z0-9_]*(\.[A-Za-z0-9_]+)+$")
#: Functions whose string arguments are catalogue keys.
KEY_TAKERS = {"t", "say", "issue", "of", "label_key", "tk"}


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def used_keys() -> tuple[dict[str, list[str]], set[str]]:
    """Literal keys (key -> where) and prefixes of keys built at run time (``kpi.``)."""
    literal: dict[str, list[str]] = {}
    prefixes: set[str] = set()
    for path in SOURCES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or _name(node.func) not in KEY_TAKERS:
                continue
            for arg in [*node.args, *(k.value for k in node.keywords if k.arg == "key")]:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    if KEY.match(arg.value):
                        where = f"{path.relative_to(ROOT)}:{node.lineno}"
                        literal.setdefault(arg.value, []).append(where)
                elif isinstance(arg, ast.JoinedStr) and arg.values:
                    head = arg.values[0]
                    if isinstance(head, ast.Constant) and re.match(
                        r"^[a-z][a-z0-9_.]*\.", head.value
                    ):
                        prefixes.add(head.value)
    return literal, prefixes
