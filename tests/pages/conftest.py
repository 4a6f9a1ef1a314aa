"""AppTest helpers: the real app.py frame, started on a page."""

from __future__ import annotations

import pickle
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from streamlit import config
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1 import app_test as app_test_module

ROOT = Path(__file__).resolve().parents[2]


class _NavigationPagesManager(PagesManager):
    """AppTest's pages manager, told that app.py uses ``st.navigation``.

    AppTest resets Streamlit's "pages folder" flag before every run, so each run would
    start in the old multipage mode that runs a page without app.py (the server leaves
    that mode for good at its first ``st.navigation``; see ``ui/frame.py``).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        PagesManager.uses_pages_directory = False


def use_navigation(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run every AppTest run through app.py's ``st.navigation``, as the server does."""
    monkeypatch.setattr(app_test_module, "PagesManager", _NavigationPagesManager)


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[AppTest]:
    """The app as a newcomer opens it: the sample workspace on the Overview page."""
    use_navigation(monkeypatch)
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("KPI_KOMPAS_HOME", str(tmp_path))
    # AppTest keeps its widgets' format_func lambdas in session state, which the real
    # server never does; our own keys are checked by assert_state_pickles instead.
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    previous = config.get_option("runner.enforceSerializableSessionState")
    config.set_option("runner.enforceSerializableSessionState", False)
    yield at
    config.set_option("runner.enforceSerializableSessionState", previous)


def assert_state_pickles(at: AppTest) -> None:
    """What the app keeps per session must survive pickling, as the real server demands."""
    state = {}
    for k in at.session_state.keys():  # noqa: SIM118 (AppTest's proxy is not iterable)
        try:
            state[k] = at.session_state[k]
        except KeyError:  # a button's trigger value lives only during its run
            continue
    pickle.dumps(state)


def texts(at: AppTest) -> str:
    """Everything the page says in text, for assertions on findings."""
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += (
        [e.value for e in at.info] + [e.value for e in at.warning] + [e.value for e in at.error]
    )
    return "\n".join(str(p) for p in parts)


def _proto_strings(message: Any, out: list[str]) -> None:
    for desc, value in message.ListFields():
        if desc.name in ("id", "key", "form_id", "icon", "spec", "arrow_data", "data", "url"):
            continue
        items = [value] if isinstance(value, str) or hasattr(value, "ListFields") else value
        if desc.type == desc.TYPE_MESSAGE:
            for item in items:
                if hasattr(item, "ListFields"):
                    _proto_strings(item, out)
        elif desc.type == desc.TYPE_STRING:
            out.extend(items)


def all_text(at: AppTest) -> list[str]:
    """Every string the page shows: texts, labels, options, help, table headers and cells."""
    out: list[str] = []

    def walk(node: Any) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None and hasattr(proto, "ListFields"):
            _proto_strings(proto, out)
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    for frame in list(at.dataframe) + list(at.table):
        value = frame.value
        out.extend(str(c) for c in value.columns)
        for column in value.columns:
            if value[column].dtype == object:
                out.extend(str(v) for v in value[column].head(50))
    return [s for s in out if s]
