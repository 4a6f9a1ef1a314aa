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


class NotHeld(RuntimeError):
    """The run lock was released by a thread that does not hold it (a bug in the app)."""


class _RunLock:
    """A reentrant lock that a run can also step out of entirely (:func:`outside_run`).

    ``threading.RLock`` can only be released one level at a time, and a run may hold it
    twice (a fragment's body inside its page's run).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._owner: int | None = None
        self._depth = 0

    def held(self) -> bool:
        return self._owner == threading.get_ident()

    def acquire(self, depth: int = 1) -> None:
        if self.held():
            self._depth += depth
            return
        self._lock.acquire()
        self._owner, self._depth = threading.get_ident(), depth

    def release(self) -> int:
        """Release one level; returns the levels still held."""
        if not self.held():
            raise NotHeld
        self._depth -= 1
        if self._depth == 0:
            self._owner = None
            self._lock.release()
        return self._depth

    def release_all(self) -> int:
        """Release every level this thread holds; returns how many there were."""
        if not self.held():
            return 0
        depth, self._depth, self._owner = self._depth, 0, None
        self._lock.release()
        return depth


#: Held while a script run (or a fragment's rerun) works; it guards no data.
_RUN_LOCK = _RunLock()


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
    _RUN_LOCK.acquire()
    try:
        yield
    finally:
        _RUN_LOCK.release()


@contextlib.contextmanager
def outside_run() -> Iterator[None]:
    """Let other sessions run while this one only waits (for a file read in a child process).

    Whatever runs inside must not use polars, pyarrow or pandas in this process (see
    :func:`one_run_at_a_time`), and must not be inside a ``st.cache_data`` function: a
    cached function's body holds that value's compute lock, and a session that asks for
    the same value while holding the run lock would wait for it while this one waits for
    the run lock. The lock is taken back, to the same depth, however the body ends.
    """
    depth = _RUN_LOCK.release_all()
    try:
        yield
    finally:
        if depth:
            _RUN_LOCK.acquire(depth)
