"""Every page runs inside app.py's frame, also when opened by a direct link.

Streamlit runs a fresh server in its old multipage mode while a ``pages/``
folder sits beside the entry script, until the first ``st.navigation`` call:
the very first request for ``/targets`` after a restart would run
``pages/targets.py`` alone, without the sidebar, the workspace or its
autosave. Each page calls :func:`ensure` first; in that mode it switches the
server to ``st.navigation`` for good and reruns, so ``app.py`` runs the page.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

_frozen = False
#: Held while a script run (or a fragment's rerun) works; it guards no data.
_RUN_LOCK = threading.RLock()


def ensure() -> None:
    """Rerun through ``app.py`` when this page was started without it."""
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


def freeze_startup_objects() -> None:
    """Leave the libraries' own objects out of every later garbage collection.

    Streamlit runs a full collection after every run, a slider's fragment rerun
    included; walking the ~150,000 objects of streamlit, altair, polars and pandas
    took most of that rerun. Frozen objects are still freed by reference counting;
    what sessions create later is collected as before. Once per process.
    """
    global _frozen
    if not _frozen:
        gc.freeze()
        _frozen = True


@contextlib.contextmanager
def one_run_at_a_time() -> Iterator[None]:
    """Let one session's script run at a time in this process.

    With polars 2.1, pyarrow and pandas, two sessions converting frames at the same moment
    (polars' ``collect`` in one script thread, ``to_pandas`` in another, as Streamlit does
    for every table and chart) can each hold what the other waits for; the server then
    stops answering everyone (``bench/load_ws.py`` at 50 sessions). Script runs already
    take turns on the GIL, so running them one after the other costs little. Reentrant:
    a fragment's body takes it again inside its page's run.
    """
    with _RUN_LOCK:
        yield
