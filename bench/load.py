"""Load test: N concurrent browser sessions against one KPI Kompas server on 127.0.0.1.

The script starts the app (``python -m streamlit run app.py``, headless, on a free
port, with a private ``KPI_KOMPAS_HOME``), waits for ``/_stcore/health``, and drives
``--sessions`` browser contexts of one headless Debian Chromium (Playwright's async API;
never a downloaded browser) for ``--seconds``. Each session loops over one cycle:

``open``
    load the app (a new Streamlit session): the sample workspace's Overview;
``page:<title>``
    every other page of the sidebar navigation in turn;
``upload``
    a small Nordic CSV (``;``, decimal commas, ``dd-mm-yyyy``), different numbers per
    session, through the Data page's file uploader, until the page says how it was read;
``overview``
    back to the Overview, which must show this session's own September revenue.

A step's latency runs from the click (or navigation) to the end of the script run it
caused, as the server reports it on the websocket (``script_finished``), and to the
step's own text being on the page. Reported per step: count, median, p95, max. Also:
failed HTTP requests and responses ≥ 400, websocket closes, exception boxes
(``[data-testid="stException"]``), wrong numbers, steps that timed out; and the server's
resident memory (``psutil`` if installed, else ``/proc/<pid>/status``, server process
plus its children) when idle, after one warm-up session, at the peak, and with all
sessions open, which gives the memory per session.

The browser runs on the same machine as the server, so on 2 cores the latencies include
the time Chromium needs to render; they are an upper bound for what the server costs.

Usage::

    .venv/bin/python bench/load.py --sessions 10 --seconds 60
    .venv/bin/python bench/load.py --sessions 50 --seconds 120 --json /tmp/load50.json
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
# What shows a page has run to its end, once the run the click caused has finished:
# the Overview's metrics, and any other page's title (page texts change too often).
OVERVIEW_MARKER = "[data-testid='stMetric']"
PAGE_MARKER = "[data-testid='stMain'] h1"
STEP_TIMEOUT_MS = 180_000
VERBOSE = False
VIEWPORT = {"width": 1280, "height": 1600}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-renderer-backgrounding",
    "--disable-background-timer-throttling",
    "--disable-backgrounding-occluded-windows",
]


# --------------------------------------------------------------------------- server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ``python -m streamlit``, with every script run's wall time appended to $KK_LOAD_RUNS
# (one JSON line: page, seconds, session). Only this process is changed; the app is not.
SERVER = """
import json, os, sys, threading, time
from streamlit.runtime.scriptrunner import script_runner

_run = script_runner.ScriptRunner._run_script
_out = open(os.environ["KK_LOAD_RUNS"], "a", buffering=1, encoding="utf-8")
_lock = threading.Lock()

# How long each run waited for, and then held, the app's run lock (ui/frame.py).
sys.path.insert(0, os.getcwd())
import contextlib
from ui import frame as _frame
_lock_times = threading.local()
_one_run = _frame.one_run_at_a_time

@contextlib.contextmanager
def _timed_lock():
    asked = time.perf_counter()
    with _one_run():
        got, cpu = time.perf_counter(), time.thread_time()
        try:
            yield
        finally:
            _lock_times.wait = getattr(_lock_times, "wait", 0.0) + got - asked
            _lock_times.held = getattr(_lock_times, "held", 0.0) + time.perf_counter() - got
            _lock_times.cpu = getattr(_lock_times, "cpu", 0.0) + time.thread_time() - cpu

_frame.one_run_at_a_time = _timed_lock

# Streamlit collects garbage after every run (runner.postScriptGC), holding the GIL.
import gc as _gc, types as _types

def _timed_collect(*args):
    started = time.perf_counter()
    try:
        return _gc.collect(*args)
    finally:
        _lock_times.gc = getattr(_lock_times, "gc", 0.0) + time.perf_counter() - started

script_runner.gc = _types.SimpleNamespace(collect=_timed_collect)
_outside = getattr(_frame, "outside_run", None)

if _outside is not None:  # a run that steps out while it waits for a file does not hold it
    @contextlib.contextmanager
    def _timed_outside():
        left, cpu = time.perf_counter(), time.thread_time()
        try:
            with _outside():
                yield
        finally:
            _lock_times.held = getattr(_lock_times, "held", 0.0) - (time.perf_counter() - left)
            _lock_times.cpu = getattr(_lock_times, "cpu", 0.0) - (time.thread_time() - cpu)

    _frame.outside_run = _timed_outside

def _timed(self, rerun_data):
    started = time.perf_counter()
    _lock_times.wait = _lock_times.held = _lock_times.cpu = _lock_times.gc = 0.0
    try:
        return _run(self, rerun_data)
    finally:
        seconds = time.perf_counter() - started
        try:
            manager = self._pages_manager
            info = manager.get_pages().get(manager.current_page_script_hash, {})
            page = info.get("url_pathname") or info.get("page_name") or "?"
        except Exception:
            page = "?"
        line = json.dumps({"page": page or "overview", "seconds": seconds,
                           "waited": _lock_times.wait, "held": _lock_times.held,
                           "held_cpu": _lock_times.cpu, "gc": _lock_times.gc,
                           "session": self._session_id, "end": time.time()})
        with _lock:
            _out.write(line + "\\n")

script_runner.ScriptRunner._run_script = _timed
from streamlit.web.cli import main
sys.argv = ["streamlit", *sys.argv[1:]]
main()
"""


def start_server(root: Path, port: int, home: Path, log: Path, runs: Path) -> subprocess.Popen:
    env = {**os.environ, "KPI_KOMPAS_HOME": str(home), "KK_LOAD_RUNS": str(runs)}
    out = log.open("wb")
    proc = subprocess.Popen(
        [
            sys.executable, "-c", SERVER, "run", "app.py",
            "--server.headless", "true",
            "--server.port", str(port),
            "--server.address", "127.0.0.1",
        ],
        cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}/_stcore/health"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return proc
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit(f"the app did not start:\n{log.read_text(errors='replace')[-3000:]}")


def stop_server(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _children(pid: int) -> list[int]:
    out = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            out += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return out


def _vm_rss(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def rss(pid: int) -> tuple[int, int]:
    """Resident bytes of the server process, and of it plus all its descendants."""
    try:
        import psutil  # optional
    except ImportError:
        own = _vm_rss(pid)
        total, todo = own, _children(pid)
        while todo:
            child = todo.pop()
            total += _vm_rss(child)
            todo += _children(child)
        return own, total
    try:
        process = psutil.Process(pid)
        own = process.memory_info().rss
        total = own
        for child in process.children(recursive=True):
            with contextlib.suppress(psutil.Error):
                total += child.memory_info().rss
        return own, total
    except psutil.Error:
        return 0, 0


def _proc_cpu(pid: int) -> float:
    """CPU seconds of one process, with its children that it has reaped."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def _tree_cpu(pid: int, *, skip: int | None = None) -> float:
    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        if current == skip:
            continue
        total += _proc_cpu(current)
        todo += _children(current)
    return total


def machine_cpu() -> float:
    """CPU seconds the whole machine has been busy so far (not idle, not waiting for I/O)."""
    cpu = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    busy = sum(int(v) for v in cpu) - int(cpu[3]) - int(cpu[4])  # minus idle and iowait
    return busy / os.sysconf("SC_CLK_TCK")


def cpu_seconds(server_pid: int) -> dict[str, float]:
    """CPU seconds so far: the server, this script with its browser, and the whole machine."""
    return {
        "server": _tree_cpu(server_pid),
        "load generator (browser)": _tree_cpu(os.getpid(), skip=server_pid),
        "whole machine": machine_cpu(),
    }


def per_session_mb(memory: dict[str, float], sessions: int) -> dict[str, float]:
    """Server memory per session above the warmed-up server: with all open, and at the peak."""
    base = memory["after_warm_up"]
    all_open = max(memory["median_with_all_sessions"], base) - base
    return {
        "mb_per_session": round(all_open / 2**20 / sessions, 2),
        "peak_mb_per_session": round((memory["peak_total"] - base) / 2**20 / sessions, 2),
    }


class MemorySampler(threading.Thread):
    """Samples the server's memory every ``interval`` seconds; keeps the peaks."""

    def __init__(self, pid: int, interval: float = 0.25) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.peak_own = self.peak_total = 0
        self.samples: list[tuple[float, int, int]] = []
        self._stop_event = threading.Event()

    def run(self) -> None:
        started = time.monotonic()
        while not self._stop_event.is_set():
            own, total = rss(self.pid)
            self.peak_own = max(self.peak_own, own)
            self.peak_total = max(self.peak_total, total)
            self.samples.append((time.monotonic() - started, own, total))
            self._stop_event.wait(self.interval)

    def stop(self) -> None:
        self._stop_event.set()
        self.join()


# --------------------------------------------------------------------------- sessions


def _nordic_rows(session: int, extra_rows: int) -> tuple[list[tuple], int]:
    """The rows of a session's export, and its September 2026 revenue in øre.

    28 days of September and October 2026; September's revenue is
    28 × base + 100 × (1 + … + 28) + 28 × 0.50 kr. ``extra_rows`` more rows of 2025
    (one a day, cycling) make the file larger without touching 2026.
    """
    base = 100_000 + session * 1_000
    rows = []
    for day_of_year in range(extra_rows):
        date = dt.date(2025, 1, 1) + dt.timedelta(days=day_of_year % 365)
        channel = "Google Ads" if day_of_year % 2 else "Meta"
        revenue = base / 2 + day_of_year % 500 + 0.5
        rows.append((date, channel, 900 + day_of_year % 97, 4 + day_of_year % 9,
                     day_of_year % 3 + 1, revenue))  # fmt: skip
    for month in (9, 10):
        for day in range(1, 29):
            channel = "Google Ads" if day % 2 else "Meta"
            rows.append((dt.date(2026, month, day), channel, 1_000 + session + day, day + 5,
                         day % 4 + 1, base + day * 100 + 0.5))  # fmt: skip
    return rows, 100 * (28 * base + 100 * (28 * 29 // 2)) + 28 * 50


NORDIC_HEADER = ("Dato", "Kanal", "Besøg", "Leads", "Nye kunder", "Omsætning (kr.)")


def nordic_csv(session: int, *, extra_rows: int = 0) -> tuple[bytes, str]:
    """A small export with this session's own numbers, and the revenue it must show.

    ``;``-separated, decimal commas, ``dd-mm-yyyy`` (see :func:`_nordic_rows`).
    """
    rows, september = _nordic_rows(session, extra_rows)
    lines = [";".join(NORDIC_HEADER)]
    for date, channel, visits, leads, customers, revenue in rows:
        amount = f"{revenue:,.2f}".replace(",", " ").replace(".", ",").replace(" ", ".")
        lines.append(f"{date:%d-%m-%Y};{channel};{visits};{leads};{customers};{amount}")
    return ("\n".join(lines) + "\n").encode("utf-8"), f"DKK{september // 100:,}"


def nordic_xlsx(session: int, *, extra_rows: int = 0) -> tuple[bytes, str]:
    """The same export as an Excel workbook (sheet "Salg", real dates and numbers)."""
    import io

    import xlsxwriter

    rows, september = _nordic_rows(session, extra_rows)
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"constant_memory": True, "in_memory": True})
    sheet = book.add_worksheet("Salg")
    day = book.add_format({"num_format": "dd-mm-yyyy"})
    sheet.write_row(0, 0, NORDIC_HEADER)
    for i, (date, *values) in enumerate(rows, start=1):
        sheet.write_datetime(i, 0, dt.datetime.combine(date, dt.time()), day)
        sheet.write_row(i, 1, values)
    book.close()
    return buffer.getvalue(), f"DKK{september // 100:,}"


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    server_latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    failures: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    outside_requests: set[str] = field(default_factory=set)
    exception_boxes: int = 0
    websocket_closes: int = 0
    cycles: int = 0
    script_runs: int = 0


class RunWatcher:
    """Follows one page's websocket: rerun requests sent, script runs finished."""

    def __init__(self, stats: Stats) -> None:
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        self._forward, self._back = ForwardMsg, BackMsg
        self.finished = 0
        self.requests: list[float] = []  # perf_counter of each rerun request sent
        self.ends: list[float] = []  # perf_counter of each script run's end
        self.changed = asyncio.Event()
        self.stats = stats
        self.leaving = False

    def on_websocket(self, ws) -> None:
        self.leaving = False
        ws.on("framereceived", self._received)
        ws.on("framesent", self._sent)
        ws.on("close", self._closed)

    def _closed(self, _ws) -> None:
        # Loading the page again or closing the context closes the old socket: expected.
        if not self.leaving:
            self.stats.websocket_closes += 1

    def _sent(self, payload) -> None:
        if isinstance(payload, str):
            return
        message = self._back()
        try:
            message.ParseFromString(payload)
        except Exception:
            return
        if message.WhichOneof("type") == "rerun_script":
            self.requests.append(time.perf_counter())

    def _received(self, payload) -> None:
        if isinstance(payload, str):
            return
        message = self._forward()
        try:
            message.ParseFromString(payload)
        except Exception:  # not every frame is a whole ForwardMsg
            return
        if message.WhichOneof("type") != "script_finished":
            return
        self.ends.append(time.perf_counter())
        if message.script_finished in (
            self._forward.FINISHED_SUCCESSFULLY,
            self._forward.FINISHED_FRAGMENT_RUN_SUCCESSFULLY,
        ):
            self.finished += 1
            self.stats.script_runs += 1
            self.changed.set()

    def server_time(self, since: float) -> float | None:
        """From the first rerun request after ``since`` to the last run's end."""
        asked = [t for t in self.requests if t >= since]
        ended = [t for t in self.ends if t >= since]
        if not asked or not ended or ended[-1] < asked[0]:
            return None
        return ended[-1] - asked[0]

    async def wait_after(self, before: int, timeout: float) -> None:
        """Wait until a run finished after ``before`` runs had."""
        deadline = time.monotonic() + timeout
        while self.finished <= before:
            self.changed.clear()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("no script run finished")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.changed.wait(), remaining)


async def run_session(
    browser,
    url: str,
    index: int,
    deadline: float,
    csv_dir: Path,
    stats: Stats,
    *,
    cycles: int | None = None,
    think: float = 0.0,
) -> None:
    """Loop the cycle until ``deadline`` (or exactly ``cycles`` times).

    The session gets its own browser context: its own cookies and cache, as a
    separate browser would have.
    """
    context = await browser.new_context(viewport=VIEWPORT, locale="en-GB")
    page = await context.new_page()
    page.set_default_timeout(STEP_TIMEOUT_MS)
    watcher = RunWatcher(stats)
    page.on("websocket", watcher.on_websocket)
    local = url.rstrip("/")

    def on_request(request) -> None:
        if not request.url.startswith((local, "data:", "blob:")):
            stats.outside_requests.add(request.url)

    def on_failed(request) -> None:
        if request.url.startswith(local):  # outside requests are counted apart
            stats.failed_requests.append(f"{request.url} {request.failure}")

    def on_response(response) -> None:
        if response.status >= 400 and response.url.startswith(local):
            stats.failed_requests.append(f"{response.status} {response.url}")

    page.on("request", on_request)
    page.on("requestfailed", on_failed)
    page.on("response", on_response)
    data, revenue = nordic_csv(index)
    csv_path = csv_dir / f"salg_{index:03d}.csv"
    csv_path.write_bytes(data)
    timeout = STEP_TIMEOUT_MS / 1000

    async def step(name: str, action, marker: str) -> None:
        before = watcher.finished
        started = time.perf_counter()
        try:
            await action()
            await watcher.wait_after(before, timeout)
            await page.locator(marker).first.wait_for(state="visible")
        except Exception as exc:  # a step that fails is counted, and the session goes on
            stats.failures.append(f"session {index} {name}: {type(exc).__name__}: {exc}"[:300])
            if VERBOSE:
                print(f"session {index} {name} failed: {exc}"[:200], file=sys.stderr)
            return
        stats.latencies[name].append(time.perf_counter() - started)
        if VERBOSE:
            print(f"session {index} {name}: {time.perf_counter() - started:.2f} s", file=sys.stderr)
        server = watcher.server_time(started)
        if server is not None:
            stats.server_latencies[name].append(server)
        boxes = await page.locator("[data-testid='stException']").count()
        if boxes:
            stats.exception_boxes += boxes
            stats.failures.append(f"session {index} {name}: {boxes} exception box(es)")
        await asyncio.sleep(think)

    async def reopen() -> None:
        watcher.leaving = True
        await page.goto(url)

    def nav(title: str):
        return lambda: page.get_by_role("link", name=title).first.click()

    try:
        done = 0
        upload = lambda: page.locator("input[type='file']").set_input_files(str(csv_path))  # noqa: E731
        await step("open", reopen, OVERVIEW_MARKER)
        # Every page of the navigation, the Data page last (the upload happens there).
        titles = await page.locator("[data-testid='stSidebarNav'] a").all_inner_texts()
        # A link's text is its icon's ligature name, then the title on the last line.
        titles = [t.strip().splitlines()[-1].strip() for t in titles if t.strip()]
        titles = [t for t in titles if t != "Overview"]
        titles.sort(key=lambda t: t == "Data")
        cycle = [
            ("open", reopen, OVERVIEW_MARKER),
            *[(f"page:{t}", nav(t), PAGE_MARKER) for t in titles],
            ("upload", upload, f"text={csv_path.name}: header in row 1"),
            ("overview", nav("Overview"), f"text=In September 2026, revenue was {revenue}"),
        ]
        first = True
        while (done < cycles) if cycles is not None else (time.monotonic() < deadline):
            done += 1
            for name, action, marker in cycle[1:] if first else cycle:
                if cycles is None and time.monotonic() >= deadline:
                    break  # time is up: stop after the step under way
                await step(name, action, marker)
            else:
                stats.cycles += 1
            first = False
    finally:
        watcher.leaving = True
        await context.close()


async def warm_up(browser, url: str, csv_dir: Path) -> Stats:
    """One session through the cycle, so that one-off costs are not counted per session."""
    stats = Stats()
    await run_session(browser, url, 999, 0.0, csv_dir, stats, cycles=1)
    return stats


async def drive(
    args: argparse.Namespace, url: str, server_pid: int, csv_dir: Path, runs: Path
) -> dict:
    from playwright.async_api import async_playwright

    report: dict = {
        "sessions": args.sessions,
        "seconds": args.seconds,
        "think_s": args.think,
        "browser_nice": 19 if args.nice_browser else 0,
    }
    memory: dict[str, float] = {}
    async with async_playwright() as p:
        executable = CHROMIUM
        if args.nice_browser:
            # The browser renders on the server's 2 cores: at nice 19 it gets what the
            # server leaves, so the server-side times are the server's own.
            wrapper = csv_dir / "chromium-nice"
            wrapper.write_text(f'#!/bin/sh\nexec nice -n 19 {CHROMIUM} "$@"\n')
            wrapper.chmod(0o755)
            executable = str(wrapper)
        browser = await p.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        memory["idle"] = rss(server_pid)[1]
        if args.warm_up:
            warm = await warm_up(browser, url, csv_dir)
            report["warm_up"] = {
                "steps": {n: summarise(v) for n, v in sorted(warm.latencies.items())},
                "failures": warm.failures,
            }
            await asyncio.sleep(2)
        memory["after_warm_up"] = rss(server_pid)[1]

        stats = Stats()
        sampler = MemorySampler(server_pid)
        sampler.start()
        cpu_before = cpu_seconds(server_pid)
        measured_from = time.time()
        started = time.monotonic()
        deadline = started + args.seconds
        ramp = args.ramp if args.ramp is not None else min(20.0, 0.4 * args.sessions)

        async def delayed(i: int) -> None:
            await asyncio.sleep(ramp * i / max(args.sessions, 1))
            await run_session(browser, url, i, deadline, csv_dir, stats, think=args.think)

        tasks = [asyncio.create_task(delayed(i)) for i in range(args.sessions)]
        # Memory with every session open: sampled while they run, after the ramp.
        with_all = []

        async def sample_open() -> None:
            await asyncio.sleep(ramp + 5)
            while not all(t.done() for t in tasks):
                with_all.append(rss(server_pid)[1])
                await asyncio.sleep(1)

        sampler_task = asyncio.create_task(sample_open())
        await asyncio.gather(*tasks)
        sampler_task.cancel()
        elapsed = time.monotonic() - started
        cpu_after = cpu_seconds(server_pid)
        sampler.stop()
        await browser.close()

    memory["peak_own"] = sampler.peak_own
    memory["peak_total"] = sampler.peak_total
    memory["median_with_all_sessions"] = statistics.median(with_all) if with_all else 0
    memory["after"] = rss(server_pid)[1]
    report.update(
        elapsed=elapsed,
        cycles=stats.cycles,
        script_runs=stats.script_runs,
        steps={name: summarise(values) for name, values in sorted(stats.latencies.items())},
        all_steps=summarise([v for values in stats.latencies.values() for v in values]),
        reruns=server_runs(runs, since=measured_from),
        server_steps={n: summarise(v) for n, v in sorted(stats.server_latencies.items())},
        all_server_steps=summarise([v for vs in stats.server_latencies.values() for v in vs]),
        cpu_seconds={k: round(cpu_after[k] - cpu_before[k], 1) for k in cpu_before},
        failures=stats.failures,
        failed_requests=stats.failed_requests,
        outside_requests=sorted(stats.outside_requests),
        exception_boxes=stats.exception_boxes,
        websocket_closes=stats.websocket_closes,
        memory_mb={k: round(v / 2**20, 1) for k, v in memory.items()},
        **per_session_mb(memory, args.sessions),
    )
    return report


def server_runs(path: Path, *, since: float) -> dict[str, dict[str, float]]:
    """Script run times as the server measured them, per page and overall."""
    per_page: dict[str, list[float]] = defaultdict(list)
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            run = json.loads(line)
            if run["end"] >= since:
                per_page[run["page"]].append(run["seconds"])
    out = {page: summarise(values) for page, values in sorted(per_page.items())}
    out["all runs"] = summarise([v for values in per_page.values() for v in values])
    return out


def server_lock(path: Path, *, since: float) -> dict[str, dict[str, float]]:
    """Per page, how long its runs held the app's run lock; and, over all runs, waited for it.

    A run that waits long behind short ones means queueing; one that holds it long is the
    run that made the others wait.
    """
    held: dict[str, list[float]] = defaultdict(list)
    waited: list[float] = []
    cpu: list[float] = []
    gc: list[float] = []
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            run = json.loads(line)
            if run["end"] >= since and "held" in run:
                held[run["page"]].append(run["held"])
                waited.append(run["waited"])
                cpu.append(run.get("held_cpu", 0.0))
                gc.append(run.get("gc", 0.0))
    out = {f"held: {page}": summarise(values) for page, values in sorted(held.items())}
    # Held but not on the CPU: waiting for the GIL (or for the disk) while holding the lock.
    out["held: thread CPU"] = summarise(cpu)
    out["held (all runs)"] = summarise([v for values in held.values() for v in values])
    out["waited (all runs)"] = summarise(waited)
    out["gc after run"] = summarise(gc)
    return out


def summarise(values: list[float]) -> dict[str, float]:
    if not values:
        return {"n": 0}
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]
    return {
        "n": len(values),
        "median_s": round(statistics.median(ordered), 3),
        "p95_s": round(p95, 3),
        "max_s": round(ordered[-1], 3),
        "sum_s": round(sum(ordered), 1),
    }


def print_report(report: dict) -> None:
    print(
        f"\n{report['sessions']} sessions for {report['seconds']} s, "
        f"{report['think_s']} s between steps, browser at nice {report['browser_nice']} "
        f"(ran {report['elapsed']:.0f} s, {report['cycles']} full cycles, "
        f"{report['script_runs']} script runs)"
    )
    print(f"{'step':<26}{'n':>6}{'median':>10}{'p95':>10}{'max':>10}")
    rows = [*report["steps"].items(), ("all steps", report["all_steps"])]
    for name, s in rows:
        if s.get("n"):
            print(
                f"{name:<26}{s['n']:>6}{s['median_s']:>9.2f}s{s['p95_s']:>9.2f}s{s['max_s']:>9.2f}s"
            )
    print("script runs as the server timed them (every rerun, by page):")
    for name, s in report["reruns"].items():
        if s.get("n"):
            print(
                f"{name:<26}{s['n']:>6}{s['median_s']:>9.2f}s{s['p95_s']:>9.2f}s{s['max_s']:>9.2f}s"
            )
    cpu = report["cpu_seconds"]
    others = cpu["whole machine"] - cpu["server"] - cpu["load generator (browser)"]
    print(
        f"CPU seconds while sessions ran ({2 * report['elapsed']:.0f} available on 2 cores): "
        + ", ".join(f"{k} {v:,.0f}" for k, v in cpu.items())
        + f", other processes {max(others, 0):,.0f}"
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
    print(
        f"failed requests: {len(report['failed_requests'])}, exception boxes: "
        f"{report['exception_boxes']}, failed steps: {len(report['failures'])}, "
        f"unexpected websocket closes: {report['websocket_closes']}"
    )
    if report["outside_requests"]:
        print("the browser asked hosts other than the server for:")
        for line in report["outside_requests"]:
            print("  ", line)
    for line in (report["failures"] + report["failed_requests"])[:15]:
        print("  ", line)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, default=10, help="concurrent browser sessions")
    parser.add_argument("--seconds", type=float, default=60, help="how long sessions loop")
    parser.add_argument("--ramp", type=float, default=None, help="seconds to start them all")
    parser.add_argument("--json", type=Path, default=None, help="also write the report here")
    parser.add_argument(
        "--no-warm-up",
        dest="warm_up",
        action="store_false",
        help="let every session hit the cold server at once (no warm-up cycle first)",
    )
    parser.add_argument(
        "--think", type=float, default=2.0, help="seconds a user waits between steps"
    )
    parser.add_argument(
        "--same-priority",
        dest="nice_browser",
        action="store_false",
        help="run Chromium at the server's priority (default: nice 19)",
    )
    parser.add_argument(
        "--root",
        type=Path,
        default=ROOT,
        help="the app to serve (default: this checkout; e.g. a `git archive` of a commit)",
    )
    parser.add_argument("--log", type=Path, default=None, help="keep the server log here")
    parser.add_argument("--verbose", action="store_true", help="print every step as it ends")
    args = parser.parse_args(argv)
    global VERBOSE
    VERBOSE = args.verbose
    if not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} is missing (apt-get install chromium); no browser is downloaded.")
        return 2
    with tempfile.TemporaryDirectory(prefix="kk-load-") as tmp:
        tmp_path = Path(tmp)
        (tmp_path / "home").mkdir()
        log = tmp_path / "streamlit.log"
        runs = tmp_path / "runs.jsonl"
        server = start_server(args.root, free_port(), tmp_path / "home", log, runs)
        url = f"http://127.0.0.1:{server.args[server.args.index('--server.port') + 1]}"
        try:
            report = asyncio.run(drive(args, url, server.pid, tmp_path, runs))
        finally:
            stop_server(server)
        errors = [
            line
            for line in log.read_text(errors="replace").splitlines()
            if "Traceback" in line or " ERROR " in line or "Exception" in line
        ]
        report["server_log_errors"] = errors[:20]
        if args.log:
            args.log.write_bytes(log.read_bytes())
    print_report(report)
    if errors:
        print("server log errors:", *errors[:10], sep="\n  ")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
