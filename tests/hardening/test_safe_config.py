"""Safe server settings, and no way for text from a file to become HTML or script."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest

from kpi_core.ingest import guard

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / ".streamlit" / "config.toml"
APP_FILES = [
    ROOT / "app.py",
    *sorted((ROOT / "pages").glob("*.py")),
    *sorted((ROOT / "ui").glob("*.py")),
]


@pytest.fixture(scope="module")
def settings() -> dict:
    return tomllib.loads(CONFIG.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("section", "option", "expected"),
    [
        ("server", "enableCORS", True),
        ("server", "enableXsrfProtection", True),
        ("server", "enableStaticServing", False),
        ("client", "showErrorDetails", "none"),
        ("runner", "enforceSerializableSessionState", True),
        ("runner", "magicEnabled", False),
        ("browser", "gatherUsageStats", False),
    ],
)
def test_server_setting(settings: dict, section: str, option: str, expected: object) -> None:
    assert settings.get(section, {}).get(option) == expected


def test_upload_limit_is_set_and_within_what_the_reader_accepts(settings: dict) -> None:
    limit_mb = settings["server"]["maxUploadSize"]
    assert isinstance(limit_mb, int) and limit_mb >= 1
    # Streamlit's own default is 200 MB; the reader takes text files up to
    # guard.MAX_TEXT_BYTES, so the browser refuses first and with its own message.
    assert limit_mb * 1_000_000 <= guard.MAX_TEXT_BYTES


def test_streamlit_reads_the_same_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    # The file is where streamlit looks, and it parses: the options take effect.
    from streamlit import config

    monkeypatch.chdir(ROOT)
    config.get_config_options(force_reparse=True)
    try:
        assert config.get_option("server.enableXsrfProtection") is True
        assert config.get_option("server.enableCORS") is True
        assert config.get_option("client.showErrorDetails") == "none"
        assert config.get_option("browser.gatherUsageStats") is False
        assert config.get_option("runner.enforceSerializableSessionState") is True
    finally:
        config.get_config_options(force_reparse=True)


def _html_sinks(path: Path) -> list[str]:
    """Every place a file passes text to the browser as HTML or script."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg == "unsafe_allow_html":
            if not (isinstance(node.value, ast.Constant) and node.value.value is False):
                found.append(f"line {node.value.lineno}: unsafe_allow_html")
        elif isinstance(node, ast.Attribute) and node.attr == "html":
            found.append(f"line {node.lineno}: .html")
        elif (isinstance(node, ast.Attribute) and node.attr == "components") or (
            isinstance(node, ast.Name) and node.id == "components"
        ):
            found.append(f"line {node.lineno}: components")
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
            "streamlit.components"
        ):
            found.append(f"line {node.lineno}: import {node.module}")
        elif isinstance(node, ast.Import) and any(
            a.name.startswith("streamlit.components") for a in node.names
        ):
            found.append(f"line {node.lineno}: import streamlit.components")
    return sorted(found, key=lambda f: (int(f.split(":")[0][5:]), f))


@pytest.mark.parametrize("path", APP_FILES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_no_raw_html_or_components(path: Path) -> None:
    # Headers, sheet names, cells and file names are shown as text (markdown at most);
    # no page hands anything to unsafe_allow_html, st.html or a component.
    assert _html_sinks(path) == []


def test_the_html_check_finds_what_it_looks_for(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text(
        "import streamlit as st\nimport streamlit.components.v1 as components\n"
        "st.markdown(name, unsafe_allow_html=True)\nst.html(cell)\ncomponents.html(x)\n"
    )
    assert _html_sinks(bad) == [
        "line 2: import streamlit.components",
        "line 3: unsafe_allow_html",
        "line 4: .html",
        "line 5: .html",
        "line 5: components",
    ]
