"""Load test without browsers: N concurrent Streamlit sessions over the websocket protocol.

The script starts the app the way ``bench/load.py`` does (``python -m streamlit run
app.py``, headless, on a free port of 127.0.0.1, with a private ``KPI_KOMPAS_HOME``, so on
the sample workspace), waits for ``/_stcore/health``, and drives ``--sessions`` simulated
users for ``--seconds``. Each one speaks Streamlit's own protocol, as the frontend does:
protobuf ``BackMsg`` frames up, ``ForwardMsg`` frames down, on ``/_stcore/stream``. No
browser renders anything, so on a small machine the server gets (nearly) all of the CPU.

Each session starts at its own moment (spread over ``--ramp`` seconds), then loops over a
cycle, waiting ``--think`` seconds after every step:

``open``
    ``GET /_stcore/health`` for the XSRF cookie, open the websocket (subprotocols
    ``streamlit`` and the cookie's token, the cookie, a same-origin ``Origin``) and send
    ``rerun_script`` with an empty page: a new Streamlit session on the default page,
    the Overview. (A run that ends ``FINISHED_EARLY_FOR_RERUN``, such as the one that
    calls ``st.rerun``, is followed by the next run: the step ends with the last run.)
``page:<title>``
    every other page of the ``navigation`` message in turn, one ``rerun_script`` with its
    ``page_script_hash`` each, and then the Overview again;
``upload:page``, ``upload``, ``overview``
    as ``bench/load.py`` does (its ``nordic_csv``: ``;``, decimal commas, ``dd-mm-yyyy``,
    numbers of this session's own): go to the Data page (``upload:page``), upload the CSV
    through its ``st.file_uploader`` (key ``kk_upload``) until the page's summary names
    the file, "header in row 1" and its 56 rows (``upload``: from the ``file_urls_request``
    to the ``script_finished`` of the run the new widget state caused, after the
    ``st.rerun`` that reading a file calls), then the Overview (``overview``), which must
    show this session's own September revenue. ``--no-upload`` leaves these steps out;
``widget``
    on the Overview, the sidebar's "Show" period (the selectbox keyed ``kk_period_at``)
    set to another of its options: ``rerun_script`` with that widget's state.

With ``--no-reopen`` only the first cycle opens a session; later cycles start with the
pages, on the same session. By default every cycle opens a new one, as ``bench/load.py``
does (the old one is closed; Streamlit keeps its state for ``disconnectedSessionTTL``).

A step's time runs from sending the ``BackMsg`` to the ``script_finished`` that ends the
run it caused (only a ``script_finished`` after that run's ``new_session`` counts).
Reported per step kind: count, median, p95, max; also "page reruns", every step but
``open`` and ``upload``, and the upload's HTTP part alone (``file_urls_request`` to the
``PUT``'s answer). Checked on every run: no ``exception`` element and no script
compilation exception, the page drew elements in the main area, the Overview drew
``metric`` elements, after ``upload`` the Data page says how the file was read, after
``overview`` it shows the session's own revenue, and after ``widget`` the selectbox shows
the value sent. Counted as errors: failed handshakes, websockets the server closed, exception
elements, timeouts, failed checks. Also the server's resident memory (server process
plus children) when idle, after one warm-up session, at the peak and with all sessions
open, giving memory per session; the CPU seconds of the server and of this client, and
how late the client's event loop woke up (to show the client was not the bottleneck).
``/_stcore/health`` is polled every 2 s: when the server stops answering (a deadlock),
it is sent SIGUSR1 (``faulthandler`` is registered in the server process) and the report
lists its threads that were in the app's code.

Protocol notes (Streamlit 1.67, Starlette/uvicorn server): pages are listed in the
``navigation`` ForwardMsg (``new_session.app_pages`` only holds the main script); no
``cached_message_hashes`` are sent, so the server never answers with ``ref_hash``
references and every message arrives whole; websocket pings are answered by the
``websockets`` client; ``app_heartbeat`` BackMsgs are optional and not sent. Widget
states sent are only the ones this client changed (the browser sends every widget's).
A file upload is what the frontend does: a ``file_urls_request`` BackMsg (a request id,
the file names, the session id from ``new_session.initialize``) is answered, outside any
run, by a ``file_urls_response`` ForwardMsg with the same id and per file a ``file_id``,
``upload_url`` and ``delete_url`` (``/_stcore/upload_file/<session>/<file id>``); the file
goes up with an HTTP ``PUT`` of ``multipart/form-data`` (one part, named after the file;
the server takes any single file part) with the XSRF cookie and its value in the
``X-Xsrftoken`` header (else 403), answered 204; then ``rerun_script`` carries the
uploader's ``WidgetState.file_uploader_state_value.uploaded_file_info`` (``file_id``,
``name``, ``size``, ``file_urls``). The uploader's state is sent with that one run only
(the page forgets it when another page runs); the Overview's period choice this client
made is dropped too, since the app starts a new file on its own default period.

Usage::

    .venv/bin/python bench/load_ws.py --sessions 10 --seconds 60
    .venv/bin/python bench/load_ws.py --sessions 50 --seconds 120 --json /tmp/ws50.json
    .venv/bin/python bench/load_ws.py --sessions 10 --seconds 60 --no-upload
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.util
import json
import os
import signal
import statistics
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed


def _load_browser_bench() -> ModuleType:
    """``bench/load.py`` (server start, memory and CPU readings); importing it runs nothing."""
    path = Path(__file__).resolve().with_name("load.py")
    spec = importlib.util.spec_from_file_location("kk_bench_load", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


_bench = _load_browser_bench()
ROOT: Path = _bench.ROOT
free_port = _bench.free_port
start_server = _bench.start_server
stop_server = _bench.stop_server
rss = _bench.rss
MemorySampler = _bench.MemorySampler
server_runs = _bench.server_runs
server_lock = _bench.server_lock
summarise = _bench.summarise
per_session_mb = _bench.per_session_mb

# The server gets a stack dump on SIGUSR1 (into its log), sent when it stops answering.
_bench.SERVER = (
    "import faulthandler, signal, sys\n"
    "faulthandler.register(signal.SIGUSR1, all_threads=True, file=sys.stderr)\n"
) + _bench.SERVER

#: The sidebar's "Show" period selectbox: its widget id ends with its key.
PERIOD_KEY = "kk_period_at"
#: The Data page's file uploader, and the page (by title, else by its url_pathname).
UPLOAD_KEY = "kk_upload"
DATA_PAGE = ("Data", "data")
nordic_csv = _bench.nordic_csv
nordic_xlsx = _bench.nordic_xlsx
OVERVIEW_PATH = ""  # the default page's url_pathname
VERBOSE = False
#: The header an authenticating proxy would set; each session names its own user in it.
USER_HEADER = "X-Forwarded-Email"
OWN_USERS = True
DONE = (
    ForwardMsg.FINISHED_SUCCESSFULLY,
    ForwardMsg.FINISHED_WITH_COMPILE_ERROR,
    ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY,
)
CONTEXT = {  # what the browser reports in ClientState.context_info
    "timezone": "Europe/Copenhagen",
    "timezone_offset": -60,
    "locale": "en-GB",
    "is_embedded": False,
    "color_scheme": "light",
}


def period_name(label: str) -> str:
    """A period option as the pages name it: "October 2026 (partial)" -> "October 2026"."""
    return label.removesuffix(" (partial)")


# --------------------------------------------------------------------------- one run


@dataclass
class Run:
    """What the server sent for one ``rerun_script``, up to its last ``script_finished``."""

    sent: float
    done: asyncio.Future
    started: bool = False  # a new_session came after the request
    runs: int = 0  # new_session messages: 2 or more when a run called st.rerun
    early: int = 0  # script_finished FINISHED_EARLY_FOR_RERUN
    ended: float = 0.0
    status: int = -1
    elements: Counter = field(default_factory=Counter)  # (root, element type) -> count
    exceptions: list[str] = field(default_factory=list)
    error_alerts: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)  # main area: markdown, headings, metrics
    widgets: dict[str, Any] = field(default_factory=dict)  # widget id -> element proto
    pages: list[Any] = field(default_factory=list)  # navigation.app_pages
    page_hash: str = ""  # navigation.page_script_hash: the page that ran
    not_found: str | None = None

    @property
    def seconds(self) -> float:
        return self.ended - self.sent

    def main_elements(self) -> int:
        return sum(n for (root, _), n in self.elements.items() if root == 0)


def _take(run: Run, msg: ForwardMsg) -> None:
    """Fold one ForwardMsg into the run under way."""
    kind = msg.WhichOneof("type")
    if kind == "new_session":
        run.started = True
        run.runs += 1
        run.elements.clear()  # a rerun draws the page again
        run.widgets.clear()
        run.exceptions.clear()
        run.error_alerts.clear()
        run.texts.clear()
    elif kind == "navigation":
        run.pages = list(msg.navigation.app_pages)
        run.page_hash = msg.navigation.page_script_hash
    elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
        element = msg.delta.new_element
        what = element.WhichOneof("type")
        path = msg.metadata.delta_path
        run.elements[(path[0] if path else -1, what)] += 1
        if what == "exception":
            run.exceptions.append(f"{element.exception.type}: {element.exception.message}"[:200])
        elif what == "alert" and element.alert.format == element.alert.ERROR:
            run.error_alerts.append(element.alert.body[:200])
        if path and path[0] == 0 and what in ("markdown", "heading", "alert"):
            run.texts.append(getattr(element, what).body)
        elif path and path[0] == 0 and what == "metric":
            run.texts.append(f"{element.metric.label} {element.metric.body}")
        elif what in ("selectbox", "button_group", "file_uploader"):
            widget = getattr(element, what)
            run.widgets[widget.id] = widget
    elif kind == "session_event" and msg.session_event.HasField("script_compilation_exception"):
        error = msg.session_event.script_compilation_exception
        run.exceptions.append(f"compile: {error.type}: {error.message}"[:200])
    elif kind == "page_not_found":
        run.not_found = msg.page_not_found.page_name
    elif kind == "script_finished" and run.started:
        if msg.script_finished == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
            run.early += 1
        elif msg.script_finished in DONE and not run.done.done():
            run.ended = time.perf_counter()
            run.status = msg.script_finished
            run.done.set_result(None)


# --------------------------------------------------------------------------- sessions


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    handshakes: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    failed_handshakes: int = 0
    closed_sockets: int = 0
    exception_elements: int = 0
    error_alerts: Counter = field(default_factory=Counter)  # (step, text) -> count
    timeouts: int = 0
    failed_checks: int = 0
    unsolicited_runs: int = 0
    script_runs: int = 0  # new_session messages seen during steps
    early_for_rerun: int = 0
    cycles: int = 0
    overview_metrics: list[int] = field(default_factory=list)
    main_elements: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    widget_applied: int = 0
    upload_http: list[float] = field(default_factory=list)  # file_urls_request .. PUT answered
    uploads_read: int = 0
    own_revenue_shown: int = 0


class Session:
    """One simulated user: a websocket, and at most one rerun request in flight."""

    def __init__(self, port: int, index: int, stats: Stats, timeout: float) -> None:
        self.port, self.index, self.stats, self.timeout = port, index, stats, timeout
        self.ws: ClientConnection | None = None
        self.reader: asyncio.Task | None = None
        self.run: Run | None = None
        self.leaving = False
        self.closed = asyncio.Event()
        self.pages: list[Any] = []
        self.widget_states: dict[str, WidgetState] = {}  # widgets this client changed
        self.last: Run | None = None
        self.cookie = ""  # the XSRF cookie, name=value: also for the upload's PUT
        self.session_id = ""  # new_session.initialize.session_id
        self.url_requests: dict[str, asyncio.Future] = {}  # request id -> file_urls_response

    # ----------------------------------------------------------- connection

    def _xsrf_cookie(self) -> str:
        """``name=value`` of the XSRF cookie that the health check sets, as the browser gets it."""
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        url = f"http://127.0.0.1:{self.port}/_stcore/health"
        with opener.open(url, timeout=30) as response:
            for header in response.headers.get_all("set-cookie") or []:
                pair = header.split(";", 1)[0]
                if pair.startswith("_streamlit_xsrf="):
                    return pair
        raise RuntimeError("no _streamlit_xsrf cookie on /_stcore/health")

    async def connect(self) -> None:
        started = time.perf_counter()
        cookie = self.cookie = await asyncio.to_thread(self._xsrf_cookie)
        token = cookie.split("=", 1)[1]
        headers = {"Cookie": cookie}
        if OWN_USERS:  # as an authenticating proxy names the user (ui/workspace.owner)
            headers[USER_HEADER] = f"user{self.index:03d}@load.test"
        self.ws = await connect(
            f"ws://127.0.0.1:{self.port}/_stcore/stream",
            # The frontend's order: "streamlit", then the XSRF token, then (on a
            # reconnect) the last session id. The server selects the first.
            subprotocols=["streamlit", token],  # type: ignore[list-item]
            additional_headers=headers,
            origin=f"http://127.0.0.1:{self.port}",  # type: ignore[arg-type]
            compression=None,  # the server does not enable permessage-deflate by default
            max_size=None,  # Streamlit's own limit is server.maxMessageSize (200 MB)
            proxy=None,
            open_timeout=self.timeout,
        )
        if self.ws.subprotocol != "streamlit":
            raise RuntimeError(f"server chose subprotocol {self.ws.subprotocol!r}")
        self.stats.handshakes.append(time.perf_counter() - started)
        self.leaving = False
        self.closed.clear()
        self.widget_states.clear()  # a new Streamlit session starts on the defaults
        self.reader = asyncio.create_task(self._read(self.ws))

    async def close(self) -> None:
        self.leaving = True
        if self.ws is not None:
            with contextlib.suppress(Exception):
                await self.ws.close()
        if self.reader is not None:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.reader
        self.ws = self.reader = None

    async def _read(self, ws: ClientConnection) -> None:
        try:
            async for data in ws:
                if isinstance(data, str):
                    self._fail("server sent a text frame")
                    continue
                msg = ForwardMsg()
                msg.ParseFromString(data)
                kind = msg.WhichOneof("type")
                if kind == "ref_hash":  # only if we had sent cached hashes
                    self._fail("server sent a ref_hash (cached message) reference")
                elif kind == "new_session" and msg.new_session.initialize.session_id:
                    self.session_id = msg.new_session.initialize.session_id
                elif kind == "file_urls_response":  # comes outside any run
                    waiter = self.url_requests.pop(msg.file_urls_response.response_id, None)
                    if waiter is not None and not waiter.done():
                        waiter.set_result(msg.file_urls_response)
                    continue
                run = self.run
                if run is None or run.done.done():
                    if msg.WhichOneof("type") == "new_session":
                        self.stats.unsolicited_runs += 1
                    continue
                _take(run, msg)
        except ConnectionClosed:
            pass
        finally:
            if not self.leaving:
                self.stats.closed_sockets += 1
                self._fail(f"websocket closed by the server ({ws.close_code} {ws.close_reason})")
            self.closed.set()
            if self.run is not None and not self.run.done.done():
                self.run.done.set_exception(ConnectionError("websocket closed"))
            for waiter in self.url_requests.values():
                if not waiter.done():
                    waiter.set_exception(ConnectionError("websocket closed"))
            self.url_requests.clear()

    def _fail(self, text: str) -> None:
        self.stats.failures.append(f"session {self.index}: {text}"[:300])
        if VERBOSE:
            print(f"session {self.index}: {text}"[:200], file=sys.stderr)

    # ----------------------------------------------------------- steps

    async def rerun(
        self, page_hash: str, widgets: list[WidgetState] | None = None, since: float | None = None
    ) -> Run:
        """Send ``rerun_script`` and wait for the run it causes to finish.

        The run's time counts from ``since`` when given (the start of an upload), else
        from sending the ``rerun_script``.
        """
        if self.ws is None or self.closed.is_set():
            raise ConnectionError("no websocket")
        back = BackMsg()
        state = back.rerun_script
        state.query_string = ""
        state.page_script_hash = page_hash
        state.page_name = ""
        for name, value in CONTEXT.items():
            setattr(state.context_info, name, value)
        state.context_info.url = f"http://127.0.0.1:{self.port}/"
        states = dict(self.widget_states)
        for widget in widgets or []:
            states[widget.id] = widget
        state.widget_states.widgets.extend(states.values())
        run = Run(
            sent=time.perf_counter() if since is None else since,
            done=asyncio.get_running_loop().create_future(),
        )
        self.run = run
        await self.ws.send(back.SerializeToString())
        try:
            await asyncio.wait_for(asyncio.shield(run.done), self.timeout)
        except TimeoutError:
            run.done.cancel()  # a late end or close is not reported twice
            raise
        finally:
            self.stats.script_runs += run.runs
            self.stats.early_for_rerun += run.early
        return run

    async def step(
        self,
        name: str,
        page_hash: str,
        widgets: list[WidgetState] | None = None,
        since: float | None = None,
    ) -> Run | None:
        try:
            run = await self.rerun(page_hash, widgets, since)
        except TimeoutError:
            self.stats.timeouts += 1
            self._fail(f"{name}: no script_finished within {self.timeout:.0f} s")
            return None
        except (ConnectionError, ConnectionClosed) as exc:
            self._fail(f"{name}: {type(exc).__name__}: {exc}")
            return None
        self.stats.latencies[name].append(run.seconds)
        if VERBOSE:
            print(
                f"session {self.index} {name}: {run.seconds:.2f} s "
                f"({run.runs} run(s), {run.main_elements()} elements)",
                file=sys.stderr,
            )
        self._check(name, page_hash, run)
        self.last = run
        if run.pages:
            self.pages = run.pages
        return run

    def _check(self, name: str, page_hash: str, run: Run) -> None:
        problems = []
        if run.exceptions:
            self.stats.exception_elements += len(run.exceptions)
            problems += run.exceptions[:3]
        for text in run.error_alerts:
            self.stats.error_alerts[(name, text)] += 1
        if run.status == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
            problems.append("finished with a compile error")
        if run.not_found is not None:
            problems.append(f"page not found: {run.not_found!r}")
        if page_hash and run.page_hash and run.page_hash != page_hash:
            problems.append(f"ran page {run.page_hash[:8]}, not {page_hash[:8]}")
        main = run.main_elements()
        self.stats.main_elements[name].append(main)
        if not main:
            problems.append("no element in the main area")
        if name in ("open", "page:Overview", "overview", "widget"):
            metrics = run.elements[(0, "metric")]
            self.stats.overview_metrics.append(metrics)
            if not metrics:
                problems.append("the Overview drew no metric")
        for problem in problems:
            self.stats.failed_checks += 1
            self._fail(f"{name}: {problem}")

    def data_hash(self) -> str:
        for page in self.pages:
            if page.page_name == DATA_PAGE[0] or page.url_pathname == DATA_PAGE[1]:
                return page.page_script_hash
        return ""

    def uploader_id(self) -> str:
        """The Data page's file uploader in the last run: its widget id ends with its key."""
        widgets = self.last.widgets if self.last is not None else {}
        return next((i for i in widgets if i.endswith(f"-{UPLOAD_KEY}")), "")

    async def file_urls(self, name: str) -> Any:
        """``file_urls_request`` for one file; the ``FileURLs`` the server gives it."""
        if self.ws is None or self.closed.is_set():
            raise ConnectionError("no websocket")
        request_id = uuid.uuid4().hex
        waiter = asyncio.get_running_loop().create_future()
        self.url_requests[request_id] = waiter
        back = BackMsg()
        back.file_urls_request.request_id = request_id
        back.file_urls_request.file_names.append(name)
        back.file_urls_request.session_id = self.session_id
        try:
            await self.ws.send(back.SerializeToString())
            response = await asyncio.wait_for(waiter, self.timeout)
        finally:
            self.url_requests.pop(request_id, None)
        if response.error_msg or len(response.file_urls) != 1:
            raise RuntimeError(f"file_urls_response: {response.error_msg or 'no URL'}")
        return response.file_urls[0]

    def _put(self, upload_url: str, name: str, data: bytes) -> int:
        """The frontend's PUT: multipart/form-data, one part named after the file."""
        boundary = f"----kkload{uuid.uuid4().hex}"
        body = b"".join(
            [
                f"--{boundary}\r\n".encode(),
                f'Content-Disposition: form-data; name="{name}"; filename="{name}"\r\n'.encode(),
                b"Content-Type: application/octet-stream\r\n\r\n",
                data,
                f"\r\n--{boundary}--\r\n".encode(),
            ]
        )
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{upload_url}",
            data=body,
            method="PUT",
            headers={
                "Content-Type": f"multipart/form-data; boundary={boundary}",
                "Cookie": self.cookie,
                "X-Xsrftoken": self.cookie.split("=", 1)[1],
                "Origin": f"http://127.0.0.1:{self.port}",
            },
        )
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(request, timeout=self.timeout) as response:
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code

    async def upload(self, page_hash: str, name: str, data: bytes) -> Run | None:
        """Upload ``data`` through the last run's file uploader; the run that follows."""
        widget_id = self.uploader_id()
        if not widget_id:
            self.stats.failed_checks += 1
            self._fail(f"upload: no file uploader keyed {UPLOAD_KEY!r} on the Data page")
            return None
        started = time.perf_counter()
        try:
            urls = await self.file_urls(name)
            status = await asyncio.to_thread(self._put, urls.upload_url, name, data)
        except TimeoutError:
            self.stats.timeouts += 1
            self._fail(f"upload: no file_urls_response within {self.timeout:.0f} s")
            return None
        except Exception as exc:
            self.stats.failed_checks += 1
            self._fail(f"upload: {type(exc).__name__}: {exc}")
            return None
        if status not in (200, 204):
            self.stats.failed_checks += 1
            self._fail(f"upload: PUT {urls.upload_url} answered {status}")
            return None
        self.stats.upload_http.append(time.perf_counter() - started)
        state = WidgetState(id=widget_id)
        info = state.file_uploader_state_value.uploaded_file_info.add()
        info.file_id, info.name, info.size = urls.file_id, name, len(data)
        info.file_urls.CopyFrom(urls)
        return await self.step("upload", page_hash, [state], since=started)

    def overview_hash(self) -> str:
        for page in self.pages:
            if page.is_default or page.url_pathname == OVERVIEW_PATH:
                return page.page_script_hash
        return ""

    def period_change(self) -> WidgetState | None:
        """The "Show" selectbox of the last Overview run, set to its next option."""
        widgets = self.last.widgets if self.last is not None else {}
        box = next((w for i, w in widgets.items() if i.endswith(f"-{PERIOD_KEY}")), None)
        if box is None or len(box.options) < 2:
            return None
        options = list(box.options)
        # What the session shows: the period the page reports on ("In September 2026,
        # ..."), else the value this client sent last, else the server's.
        texts = self.last.texts if self.last is not None else []
        shown = [o for o in options if any(t.startswith(f"In {period_name(o)},") for t in texts)]
        if shown:
            current = shown[0]
        elif box.id in self.widget_states:
            current = self.widget_states[box.id].string_value
        elif box.HasField("raw_value"):
            current = box.raw_value
        else:
            current = options[box.default] if box.HasField("default") else options[0]
        now = options.index(current) if current in options else 0
        state = WidgetState(id=box.id)
        state.string_value = options[(now + 1) % len(options)]
        return state


async def run_session(
    port: int,
    index: int,
    deadline: float,
    stats: Stats,
    *,
    think: float,
    timeout: float,
    reopen: bool = True,
    upload: bool = True,
    upload_file: tuple[str, bytes, list[str], str] | None = None,
    cycles: int | None = None,
) -> None:
    """Loop the cycle until ``deadline`` (or exactly ``cycles`` times).

    ``upload_file`` is :func:`export_for` this session (by default its small CSV).
    """
    session = Session(port, index, stats, timeout)
    done, opened = 0, False
    upload_file = upload_file or export_for(index, "csv", 0)
    csv_name, csv_data, read_marks, revenue_mark = upload_file

    def time_left() -> bool:
        return cycles is not None or time.monotonic() < deadline

    async def pause() -> None:
        await asyncio.sleep(think)

    try:
        while (done < cycles) if cycles is not None else time.monotonic() < deadline:
            done += 1
            complete = True
            if reopen or not opened or session.closed.is_set():
                await session.close()
                try:
                    await session.connect()
                except Exception as exc:
                    stats.failed_handshakes += 1
                    session._fail(f"handshake: {type(exc).__name__}: {exc}")
                    await pause()
                    continue
                run = await session.step("open", "")
                opened = run is not None
                await pause()
                if run is None or not session.pages:
                    await session.close()
                    continue
            overview = session.overview_hash()
            others = [p for p in session.pages if p.page_script_hash != overview]
            for page in [*others, *[p for p in session.pages if p.page_script_hash == overview]]:
                if not time_left() or session.closed.is_set():
                    complete = False
                    break
                await session.step(f"page:{page.page_name}", page.page_script_hash)
                await pause()
            if upload and time_left() and not session.closed.is_set() and complete:
                complete = await upload_steps(
                    session, overview, csv_name, csv_data, read_marks, revenue_mark, pause
                )
            if time_left() and not session.closed.is_set() and complete:
                change = session.period_change()
                if change is None:
                    stats.failed_checks += 1
                    session._fail("widget: no 'Show' selectbox with two options on the Overview")
                else:
                    run = await session.step("widget", overview, [change])
                    if run is not None:
                        # The page names the period it reports on ("In September 2026, ...").
                        # (The selectbox's raw_value is only set when the app set the value.)
                        session.widget_states[change.id] = change
                        named = period_name(change.string_value)
                        if any(named in text for text in run.texts):
                            stats.widget_applied += 1
                        else:
                            stats.failed_checks += 1
                            session._fail(
                                f"widget: the Overview does not name {change.string_value!r}"
                            )
                    await pause()
            else:
                complete = False
            if complete:
                stats.cycles += 1
    finally:
        await session.close()


def export_for(index: int, kind: str, extra_rows: int) -> tuple[str, bytes, list[str], str]:
    """Session ``index``'s own export: file name, bytes, what the Data page must say
    about it, and the Overview sentence with its September revenue."""
    make = nordic_xlsx if kind == "xlsx" else nordic_csv
    data, revenue = make(index, extra_rows=extra_rows)
    name = f"salg_{index:03d}.{kind}"
    rows = 56 + extra_rows
    where = f"**{name}**: sheet **Salg**, header" if kind == "xlsx" else f"**{name}**: header"
    marks = [f"{where} in row 1", f"**{rows:,} rows**"]
    return name, data, marks, f"In September 2026, revenue was {revenue}"


async def upload_steps(
    session: Session,
    overview: str,
    name: str,
    data: bytes,
    read_marks: list[str],
    revenue_mark: str,
    pause: Any,
) -> bool:
    """The Data page, the upload, the Overview with this session's numbers: all went?"""
    stats = session.stats
    data_page = session.data_hash()
    if not data_page:
        stats.failed_checks += 1
        session._fail("upload: no Data page in the navigation")
        return False
    if await session.step("upload:page", data_page) is None:
        return False
    await pause()
    run = await session.upload(data_page, name, data)
    if run is None:
        return False
    said = " | ".join(run.texts)
    if all(mark in said for mark in read_marks):
        stats.uploads_read += 1
    else:
        stats.failed_checks += 1
        session._fail(f"upload: the Data page does not say {' / '.join(read_marks)!r}")
    # A new file starts on its own default period: the choice sent before is gone.
    for widget_id in [i for i in session.widget_states if i.endswith(f"-{PERIOD_KEY}")]:
        del session.widget_states[widget_id]
    await pause()
    run = await session.step("overview", overview)
    if run is None:
        return False
    if any(revenue_mark in text for text in run.texts):
        stats.own_revenue_shown += 1
    else:
        stats.failed_checks += 1
        said = next((t for t in run.texts if "revenue was" in t), "(no headline)")
        session._fail(f"overview: not {revenue_mark!r} but {said[:120]!r}")
    await pause()
    return True


# --------------------------------------------------------------------------- the run


async def loop_lag(samples: list[float], stop: asyncio.Event, every: float = 0.05) -> None:
    """How late the client's event loop wakes up: a busy client would delay every step."""
    while not stop.is_set():
        before = time.perf_counter()
        await asyncio.sleep(every)
        samples.append(time.perf_counter() - before - every)


def _healthy(port: int, timeout: float) -> bool:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(f"http://127.0.0.1:{port}/_stcore/health", timeout=timeout) as r:
            return r.status == 200
    except OSError:
        return False


async def watch_health(
    port: int, server_pid: int, started: float, out: dict, stop: asyncio.Event
) -> None:
    """Poll ``/_stcore/health``; when the server stops answering, have it dump its stacks."""
    while not stop.is_set():
        if not await asyncio.to_thread(_healthy, port, 10.0):
            out["failures"] += 1
            if out["unresponsive_from_s"] is None:
                out["unresponsive_from_s"] = round(time.monotonic() - started, 1)
                with contextlib.suppress(OSError):
                    os.kill(server_pid, signal.SIGUSR1)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 2.0)


def stacks_in(log: str, root: Path) -> list[str]:
    """From a faulthandler dump: each thread in the app's code, top frame and app frames."""
    out = []
    for block in log.split("Thread 0x")[1:]:
        frames = [line.strip() for line in block.splitlines() if line.strip().startswith("File")]
        mine = [f for f in frames if str(root) in f and ".venv" not in f]
        if mine:
            out.append(" <- ".join([frames[0], *mine[:2]]))
    return list(dict.fromkeys(out))


def _thread_cpu(pid: int, tid: int) -> float:
    """CPU seconds of one thread (the main thread's id is the process id)."""
    try:
        fields = Path(f"/proc/{pid}/task/{tid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_seconds(server_pid: int) -> dict[str, float]:
    """CPU seconds so far: the server (with children), this client, and the whole machine."""
    return {
        "server": _bench._tree_cpu(server_pid),
        "server's event loop": _thread_cpu(server_pid, server_pid),
        "client": time.process_time(),
        "whole machine": _bench.machine_cpu(),
    }


async def drive(args: argparse.Namespace, port: int, server_pid: int) -> dict:
    report: dict = {
        "sessions": args.sessions,
        "seconds": args.seconds,
        "think_s": args.think,
        "reopen_each_cycle": args.reopen,
        "upload": args.upload,
        "upload_file": f"{args.upload_format}, {56 + args.upload_rows} rows",
    }
    memory: dict[str, float] = {"idle": rss(server_pid)[1]}
    if args.warm_up:
        warm = Stats()
        await run_session(
            port,
            999,
            0.0,
            warm,
            think=0.0,
            timeout=args.timeout,
            upload=args.upload,
            upload_file=export_for(999, args.upload_format, args.upload_rows),
            cycles=1,
        )
        report["warm_up"] = {
            "steps": {n: summarise(v) for n, v in sorted(warm.latencies.items())},
            "failures": warm.failures,
        }
        await asyncio.sleep(2)
    memory["after_warm_up"] = rss(server_pid)[1]

    # Made before the clock starts: a large workbook takes the client a while to write.
    exports = {i: export_for(i, args.upload_format, args.upload_rows) for i in range(args.sessions)}
    stats = Stats()
    sampler = MemorySampler(server_pid)
    sampler.start()
    lag: list[float] = []
    stop_lag = asyncio.Event()
    lag_task = asyncio.create_task(loop_lag(lag, stop_lag))
    cpu_before = cpu_seconds(server_pid)
    measured_from = time.time()
    started = time.monotonic()
    deadline = started + args.seconds
    ramp = args.ramp if args.ramp is not None else min(20.0, 0.4 * args.sessions)

    async def delayed(i: int) -> None:
        await asyncio.sleep(ramp * i / max(args.sessions, 1))
        await run_session(
            port,
            i,
            deadline,
            stats,
            think=args.think,
            timeout=args.timeout,
            reopen=args.reopen,
            upload=args.upload,
            upload_file=exports[i],
        )

    tasks = [asyncio.create_task(delayed(i)) for i in range(args.sessions)]
    with_all: list[int] = []

    async def sample_open() -> None:  # memory with every session open: after the ramp
        await asyncio.sleep(ramp + 5)
        while not all(t.done() for t in tasks):
            with_all.append(rss(server_pid)[1])
            await asyncio.sleep(1)

    sampler_task = asyncio.create_task(sample_open())
    health = {"failures": 0, "unresponsive_from_s": None}
    stop_health = asyncio.Event()
    health_task = asyncio.create_task(watch_health(port, server_pid, started, health, stop_health))
    await asyncio.gather(*tasks)
    sampler_task.cancel()
    stop_health.set()
    await health_task
    elapsed = time.monotonic() - started
    cpu_after = cpu_seconds(server_pid)
    stop_lag.set()
    await lag_task
    sampler.stop()

    memory["peak_own"] = sampler.peak_own
    memory["peak_total"] = sampler.peak_total
    memory["median_with_all_sessions"] = statistics.median(with_all) if with_all else 0
    memory["after"] = rss(server_pid)[1]
    # Page reruns: neither a new session nor an upload (an HTTP PUT and two runs).
    reruns = [v for n, vs in stats.latencies.items() if n not in ("open", "upload") for v in vs]
    lag_sorted = sorted(lag) or [0.0]
    report.update(
        users="one per session (proxy header)" if OWN_USERS else "one shared, unnamed",
        elapsed=elapsed,
        cycles=stats.cycles,
        script_runs=stats.script_runs,
        runs_ended_early_for_rerun=stats.early_for_rerun,
        unsolicited_runs=stats.unsolicited_runs,
        handshake=summarise(stats.handshakes),
        upload_http=summarise(stats.upload_http),
        steps={name: summarise(values) for name, values in sorted(stats.latencies.items())},
        page_reruns=summarise(reruns),
        all_steps=summarise([v for values in stats.latencies.values() for v in values]),
        reruns=server_runs(args.runs_file, since=measured_from),
        run_lock=server_lock(args.runs_file, since=measured_from),
        cpu_seconds={k: round(cpu_after[k] - cpu_before[k], 1) for k in cpu_before},
        client_loop_lag_ms={
            "median": round(1000 * statistics.median(lag_sorted), 1),
            "p95": round(1000 * lag_sorted[int(0.95 * (len(lag_sorted) - 1))], 1),
            "max": round(1000 * lag_sorted[-1], 1),
        },
        server_health=health,
        errors={
            "failed_health_checks": health["failures"],
            "failed_handshakes": stats.failed_handshakes,
            "closed_sockets": stats.closed_sockets,
            "exception_elements": stats.exception_elements,
            "timeouts": stats.timeouts,
            "failed_checks": stats.failed_checks,
        },
        error_alerts={f"{k[0]}: {k[1]}": v for k, v in sorted(stats.error_alerts.items())},
        checks={
            "overview_metric_elements": (
                [min(stats.overview_metrics), max(stats.overview_metrics)]
                if stats.overview_metrics
                else []
            ),
            "main_elements_per_step": {
                k: [min(v), max(v)] for k, v in sorted(stats.main_elements.items())
            },
            "widget_changes_applied": stats.widget_applied,
            "uploads_read": stats.uploads_read,
            "own_september_revenue_shown": stats.own_revenue_shown,
        },
        failures=stats.failures,
        memory_mb={k: round(v / 2**20, 1) for k, v in memory.items()},
        **per_session_mb(memory, args.sessions),
    )
    return report


def _row(name: str, s: dict[str, float]) -> str:
    return f"{name:<26}{s['n']:>6}{s['median_s']:>9.2f}s{s['p95_s']:>9.2f}s{s['max_s']:>9.2f}s"


def print_report(report: dict) -> None:
    uploads = report["upload_file"] if report["upload"] else "none"
    print(
        f"\n{report['sessions']} websocket sessions for {report['seconds']} s, "
        f"{report['think_s']} s between steps, "
        f"{'a new session every cycle' if report['reopen_each_cycle'] else 'one session each'}, "
        f"users: {report['users']}, uploads: {uploads} "
        f"(ran {report['elapsed']:.0f} s, {report['cycles']} full cycles, "
        f"{report['script_runs']} script runs, {report['runs_ended_early_for_rerun']} of them "
        f"ended early for st.rerun)"
    )
    print("send -> script_finished, per step:")
    print(f"{'step':<26}{'n':>6}{'median':>10}{'p95':>10}{'max':>10}")
    rows = [
        *report["steps"].items(),
        ("page reruns (no open/upl)", report["page_reruns"]),
        ("all steps", report["all_steps"]),
        ("(handshake: health + ws)", report["handshake"]),
        ("(upload: urls + PUT)", report["upload_http"]),
    ]
    for name, s in rows:
        if s.get("n"):
            print(_row(name, s))
    print("script runs as the server timed them (every run, by page):")
    for name, s in report["reruns"].items():
        if s.get("n"):
            print(_row(name, s))
    print(
        "the app's run lock (ui/frame.py): held by each page's runs (and the CPU time of the "
        "run's thread meanwhile), waited for by all; Streamlit's gc after each run; sum last:"
    )
    for name, s in report["run_lock"].items():
        if s.get("n"):
            print(_row(name, s) + f"{s['sum_s']:>9.1f}s")
    cpu = report["cpu_seconds"]
    others = cpu["whole machine"] - cpu["server"] - cpu["client"]
    lag = report["client_loop_lag_ms"]
    print(
        f"CPU seconds while sessions ran ({2 * report['elapsed']:.0f} available on 2 cores): "
        + ", ".join(f"{k} {v:,.1f}" for k, v in cpu.items())
        + f", other processes {max(others, 0):,.1f}; client event loop late by "
        f"{lag['median']} ms median, {lag['p95']} ms p95, {lag['max']} ms max"
    )
    memory = report["memory_mb"]
    print(
        "server memory (MB, with children): "
        + ", ".join(f"{k} {v:,.0f}" for k, v in memory.items())
    )
    print(
        f"memory per session: {report['mb_per_session']} MB with all open, "
        f"{report['peak_mb_per_session']} MB at the peak"
    )
    checks = report["checks"]
    print(
        "errors: "
        + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in report["errors"].items())
        + f"; unsolicited runs {report['unsolicited_runs']}, error alerts "
        f"{sum(report['error_alerts'].values())} (st.error boxes, not counted as errors)"
    )
    print(
        f"checks: Overview metric elements per run {checks['overview_metric_elements']}, "
        f"widget changes applied {checks['widget_changes_applied']}, "
        f"uploads read {checks['uploads_read']}, "
        f"own September revenue on the Overview {checks['own_september_revenue_shown']}"
    )
    page_reruns = report["page_reruns"]
    if page_reruns.get("n"):
        failed = sum(report["errors"].values())
        print(
            f"target (p95 page rerun < 1 s, < 40 MB per session, no failure): "
            f"p95 {page_reruns['p95_s']:.2f} s, {report['mb_per_session']} MB, "
            f"{failed} error(s) -> "
            + (
                "met"
                if page_reruns["p95_s"] < 1 and report["mb_per_session"] < 40 and not failed
                else "NOT met"
            )
        )
    for line in report.get("warm_up", {}).get("failures", [])[:5]:
        print("   warm-up:", line)
    for line in report["failures"][:15]:
        print("  ", line)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, default=10, help="concurrent sessions")
    parser.add_argument("--seconds", type=float, default=60, help="how long sessions loop")
    parser.add_argument(
        "--think", type=float, default=2.0, help="seconds a user waits between steps"
    )
    parser.add_argument("--ramp", type=float, default=None, help="seconds to start them all")
    parser.add_argument("--json", type=Path, default=None, help="also write the report here")
    parser.add_argument("--port", type=int, default=None, help="server port (default: free)")
    parser.add_argument(
        "--timeout", type=float, default=120.0, help="seconds a step may take before it fails"
    )
    parser.add_argument(
        "--no-reopen",
        dest="reopen",
        action="store_false",
        help="open one Streamlit session per user, not a new one every cycle",
    )
    parser.add_argument(
        "--no-upload",
        dest="upload",
        action="store_false",
        help="leave out the upload steps (Data page, upload, Overview with the new file)",
    )
    parser.add_argument(
        "--no-warm-up",
        dest="warm_up",
        action="store_false",
        help="let every session hit the cold server at once (no warm-up cycle first)",
    )
    parser.add_argument(
        "--root",
        type=Path,
        default=ROOT,
        help="the app to serve (default: this checkout; e.g. a `git archive` of a commit)",
    )
    parser.add_argument(
        "--upload-format",
        choices=("csv", "xlsx"),
        default="csv",
        help="what each session uploads: its Nordic CSV (read in the server process) or the "
        "same as an Excel workbook (read in the sandbox's child process)",
    )
    parser.add_argument(
        "--upload-rows",
        type=int,
        default=0,
        help="rows of 2025 added to each session's export to make it larger (default 0: 56 rows)",
    )
    parser.add_argument(
        "--one-user",
        dest="own_users",
        action="store_false",
        help="every session is the same unnamed user, sharing one workspace (no proxy)",
    )
    parser.add_argument("--log", type=Path, default=None, help="keep the server log here")
    parser.add_argument("--verbose", action="store_true", help="print every step as it ends")
    args = parser.parse_args(argv)
    global VERBOSE, OWN_USERS
    VERBOSE = args.verbose
    OWN_USERS = args.own_users
    if OWN_USERS:  # the server reads it at start (start_server passes the environment on)
        os.environ["KPI_KOMPAS_USER_HEADER"] = USER_HEADER
    with tempfile.TemporaryDirectory(prefix="kk-load-ws-") as tmp:
        tmp_path = Path(tmp)
        (tmp_path / "home").mkdir()
        log = tmp_path / "streamlit.log"
        args.runs_file = tmp_path / "runs.jsonl"
        port = args.port or free_port()
        server = start_server(args.root, port, tmp_path / "home", log, args.runs_file)
        try:
            report = asyncio.run(drive(args, port, server.pid))
            # A server that died under load closes every socket at once (1006): say so.
            report["server_exit_code_during_run"] = server.poll()
        finally:
            stop_server(server)
        errors = [
            line
            for line in log.read_text(errors="replace").splitlines()
            if "Traceback" in line or " ERROR " in line or "Exception" in line
        ]
        report["server_log_errors"] = errors[:20]
        report["server_stacks_when_unresponsive"] = stacks_in(
            log.read_text(errors="replace"), args.root.resolve()
        )
        if args.log:
            args.log.write_bytes(log.read_bytes())
    print_report(report)
    if report["server_exit_code_during_run"] is not None:
        print(f"THE SERVER EXITED during the run, code {report['server_exit_code_during_run']}")
    if report["server_health"]["unresponsive_from_s"] is not None:
        print(
            f"THE SERVER STOPPED ANSWERING /_stcore/health "
            f"{report['server_health']['unresponsive_from_s']} s into the run; "
            "its threads in the app's code then:",
            *report["server_stacks_when_unresponsive"],
            sep="\n  ",
        )
    if errors:
        print("server log errors:", *errors[:10], sep="\n  ")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
