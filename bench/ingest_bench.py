"""Time our workbook reader against the polars and pandas baselines.

For every size the benchmark makes (once, then caches) a daily 13-column
marketing workbook with ``bench/make_workbook.py`` and reads it with:

``kpi_core``
    ``kpi_core.ingest.load_path(path)``: our reader, with its defaults
    (isolation in a separate process included, as the app runs it).
``polars``
    ``polars.read_excel(path, engine="calamine")``: the fast baseline.
``pandas``
    ``pandas.read_excel(path, engine="openpyxl")``: the slow baseline.
``kpi_core_inproc`` (only when named in ``--readers``)
    ``load_path(path, isolate=False)``: shows what the isolation costs.

Each read runs in a fresh Python process, so one reader's memory or caches
never help or hurt the next, and the runs are interleaved (reader A, B, C,
then A, B, C again) so drift in the machine's speed hits every reader alike.
The time is the read call alone, after a warm-up read of a tiny workbook
in the same process (so imports and first-call set-up, which a server pays
once, are excluded; our reader's per-file isolation process is included),
the median of ``--repeats`` runs. Peak RSS is the larger of the biggest single process
(``wait4`` rusage, which includes waited-for grandchildren such as an
isolation worker) and the sum over the process tree sampled every 0.1 s
(which catches a parent and a worker holding data at the same time).

Speed is measured here, by a script, and never asserted in tests: timings
on a shared 2-core machine are too noisy for a pass/fail line.

Usage::

    python bench/ingest_bench.py                       # 100k and 1M rows
    python bench/ingest_bench.py --sizes 100000 --repeats 5
    python bench/ingest_bench.py --skip-pandas-1m      # pandas needs ~160 s per 1M read
    python bench/ingest_bench.py --wait-for-ingest 3600

Workbooks are cached in ``bench/data/`` and results written as JSON and
Markdown to ``bench/results/``; both folders are git-ignored.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from importlib import metadata
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
DEFAULT_DATA = BENCH / "data"
DEFAULT_RESULTS = BENCH / "results"
SEED = 7
#: Rows of the tiny workbook each child reads once before the measured read.
WARMUP_ROWS = 50

#: Reader id -> label shown in the table.
READERS: dict[str, str] = {
    "kpi_core": "KPI Kompas `load_path`",
    "kpi_core_inproc": "KPI Kompas `load_path(isolate=False)`",
    "polars": "polars `read_excel` (calamine)",
    "pandas": "pandas `read_excel` (openpyxl)",
}
#: Run unless ``--readers`` says otherwise; ``kpi_core_inproc`` (no isolation
#: process) is opt-in, to see what the isolation costs.
DEFAULT_READERS = ("kpi_core", "polars", "pandas")
#: ``--skip-pandas-1m`` skips pandas from this many rows on.
PANDAS_1M = 1_000_000


# ---------------------------------------------------------------------------
# Child process: one read, reported as one JSON line on stdout
# ---------------------------------------------------------------------------


def _maxrss_bytes(who: int) -> int:
    """``ru_maxrss`` in bytes (Linux reports KiB, macOS bytes)."""
    value = resource.getrusage(who).ru_maxrss
    return value if sys.platform == "darwin" else value * 1024


def run_child(reader: str, path: str, warmup: str) -> None:
    """Read ``path`` with ``reader`` once and print the measurements as JSON.

    A read of the tiny ``warmup`` workbook comes first: the libraries import
    their engines lazily on the first call (fastexcel, pyarrow, numpy,
    openpyxl) and start thread pools, which an app server pays once, not per
    upload. The clock then measures the read alone.
    """
    if reader in ("kpi_core", "kpi_core_inproc"):
        from kpi_core.ingest import load_path

        isolate = reader == "kpi_core"

        def read(target: str) -> tuple[int, int, dict[str, Any]]:
            table = load_path(Path(target), isolate=isolate)
            extra = {"issues": len(getattr(table, "issues", ())), "sheet": table.sheet}
            return table.frame.height, table.frame.width, extra

    elif reader == "polars":
        import polars as pl

        def read(target: str) -> tuple[int, int, dict[str, Any]]:
            frame = pl.read_excel(target, engine="calamine")
            return frame.height, frame.width, {}

    elif reader == "pandas":
        import pandas as pd

        def read(target: str) -> tuple[int, int, dict[str, Any]]:
            frame = pd.read_excel(target, engine="openpyxl")
            return frame.shape[0], frame.shape[1], {}

    else:
        raise SystemExit(f"unknown reader {reader!r}")

    read(warmup)
    rss_after_warmup = _maxrss_bytes(resource.RUSAGE_SELF)
    started = time.perf_counter()
    rows, cols, extra = read(path)
    seconds = time.perf_counter() - started
    report = {
        "seconds": seconds,
        "rows": rows,
        "cols": cols,
        "rss_after_warmup": rss_after_warmup,
        "rss_self": _maxrss_bytes(resource.RUSAGE_SELF),
        "rss_children": _maxrss_bytes(resource.RUSAGE_CHILDREN),
        **extra,
    }
    print(json.dumps(report))


# ---------------------------------------------------------------------------
# Parent: run children, sample memory, summarise
# ---------------------------------------------------------------------------


@dataclass
class Run:
    """One read in one fresh process."""

    reader: str
    rows_requested: int
    seconds: float | None = None
    wall_seconds: float = 0.0  # the whole process, interpreter start and imports included
    rows: int | None = None
    cols: int | None = None
    peak_rss: int = 0  # bytes: max(largest process, sampled tree sum)
    rss_largest_process: int = 0
    rss_tree_sampled: int = 0
    rss_after_warmup: int = 0
    load_before: float = 0.0  # 1-minute load average: other work on the machine skews times
    extra: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


def _children_of() -> dict[int, list[int]]:
    """Map each pid to its child pids from ``/proc`` (empty off Linux)."""
    tree: dict[int, list[int]] = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return tree
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue  # the process ended while we looked
        # The command name may contain spaces and parentheses: split after the last ")".
        ppid = int(stat[stat.rindex(b")") + 2 :].split()[1])
        tree.setdefault(ppid, []).append(int(entry))
    return tree


def _tree_rss(pid: int) -> int:
    """Current resident memory of ``pid`` and all its descendants, in bytes."""
    tree = _children_of()
    total, stack, page = 0, [pid], os.sysconf("SC_PAGE_SIZE")
    while stack:
        current = stack.pop()
        stack.extend(tree.get(current, ()))
        try:
            with open(f"/proc/{current}/statm", "rb") as handle:
                total += int(handle.read().split()[1]) * page
        except OSError:
            continue
    return total


def run_once(reader: str, path: Path, warmup: Path, rows: int, timeout: float) -> Run:
    """Read ``path`` with ``reader`` in a fresh process and measure it."""
    run = Run(reader=reader, rows_requested=rows, load_before=os.getloadavg()[0])
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONDONTWRITEBYTECODE="1")
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        # A session of its own, so a timeout can end the child and its workers together.
        proc = subprocess.Popen(
            [
                sys.executable,
                str(Path(__file__).resolve()),
                "--child",
                reader,
                str(path),
                str(warmup),
            ],
            stdout=out,
            stderr=err,
            cwd=ROOT,
            env=env,
            start_new_session=True,
        )
        peak_tree = 0
        done = threading.Event()
        timed_out = threading.Event()

        def sample() -> None:
            nonlocal peak_tree
            while not done.wait(0.1):
                peak_tree = max(peak_tree, _tree_rss(proc.pid))
                if time.perf_counter() - started > timeout:
                    timed_out.set()
                    os.killpg(proc.pid, signal.SIGKILL)
                    return

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        # wait4 (not Popen.wait) returns this child's rusage; Linux folds in the
        # peak of grandchildren it waited for, such as an isolation worker.
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        done.set()
        sampler.join()
        run.wall_seconds = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode(errors="replace")

    largest = usage.ru_maxrss if sys.platform == "darwin" else usage.ru_maxrss * 1024
    run.rss_tree_sampled = peak_tree
    if timed_out.is_set():
        run.error = f"timed out after {timeout:.0f} s"
        return run
    if proc.returncode != 0 or not stdout.strip():
        tail = stderr.strip().splitlines()[-3:]
        run.error = f"exit {proc.returncode}: " + " | ".join(tail)
        return run
    report = json.loads(stdout.strip().splitlines()[-1])
    run.seconds = report.pop("seconds")
    run.rows = report.pop("rows")
    run.cols = report.pop("cols")
    run.rss_after_warmup = report.pop("rss_after_warmup")
    run.rss_largest_process = max(largest, report.pop("rss_self"), report.pop("rss_children"))
    run.peak_rss = max(run.rss_largest_process, run.rss_tree_sampled)
    run.extra = report
    return run


def ingest_available() -> bool:
    """Whether ``kpi_core.ingest.load_path`` can be imported right now."""
    probe = subprocess.run(
        [sys.executable, "-c", "from kpi_core.ingest import load_path"],
        cwd=ROOT,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
        capture_output=True,
    )
    return probe.returncode == 0


def wait_for_ingest(seconds: float, every: float = 30.0) -> bool:
    """Poll until our reader exists or ``seconds`` have passed."""
    deadline = time.monotonic() + seconds
    while True:
        if ingest_available():
            return True
        if time.monotonic() >= deadline:
            return False
        print(f"waiting for kpi_core.ingest.load_path (checking every {every:.0f} s)…")
        time.sleep(min(every, max(0.0, deadline - time.monotonic())))


def workbook_for(rows: int, data_dir: Path) -> Path:
    """Return the cached benchmark workbook of ``rows`` rows, making it if needed."""
    path = data_dir / f"marketing_{rows}_s{SEED}.xlsx"
    if not path.exists():
        print(f"making {path.name} (about {rows / 8500:.0f} s)…", flush=True)
        subprocess.run(
            [
                sys.executable,
                str(BENCH / "make_workbook.py"),
                "--rows",
                str(rows),
                "--out",
                str(path),
                "--seed",
                str(SEED),
            ],
            check=True,
        )
    return path


# ---------------------------------------------------------------------------
# Reporting
# ---------------------------------------------------------------------------


def _mib(value: int) -> str:
    """Bytes as MiB for the table."""
    return f"{value / 2**20:,.0f} MiB"


def _seconds(value: float) -> str:
    """Seconds with two decimals below 10 s, one above."""
    return f"{value:.2f} s" if value < 10 else f"{value:.1f} s"


def summarise(runs: list[Run], sizes: dict[int, Path], repeats: int) -> str:
    """The Markdown table for the README's performance section."""
    lines = [
        f"| Rows | File | Reader | Read time (median of {repeats}) | Min – max "
        "| Peak RSS | vs polars |",
        "|---:|---:|---|---:|---:|---:|---:|",
    ]
    notes: list[str] = []
    for rows, path in sizes.items():
        megabytes = path.stat().st_size / 1e6
        size = f"{megabytes:.1f} MB" if megabytes < 10 else f"{megabytes:.0f} MB"
        medians: dict[str, float] = {}
        for reader in READERS:
            ok = [r for r in runs if r.reader == reader and r.rows_requested == rows]
            good = [r for r in ok if r.seconds is not None]
            if good:
                medians[reader] = statistics.median(r.seconds for r in good if r.seconds)
        for reader, label in READERS.items():
            mine = [r for r in runs if r.reader == reader and r.rows_requested == rows]
            if not mine:
                continue
            good = [r for r in mine if r.seconds is not None]
            if not good:
                lines.append(f"| {rows:,} | {size} | {label} | failed | | | |")
                notes.append(f"{label} at {rows:,} rows: {mine[0].error}")
                continue
            times = [r.seconds for r in good if r.seconds is not None]
            median = statistics.median(times)
            peak = max(r.peak_rss for r in good)
            base = medians.get("polars")
            ratio = f"{median / base:.2f}×" if base else "–"
            count = "" if len(good) == repeats else f" (n={len(good)})"
            lines.append(
                f"| {rows:,} | {size} | {label} | {_seconds(median)}{count} "
                f"| {_seconds(min(times))} – {_seconds(max(times))} | {_mib(peak)} | {ratio} |"
            )
            wrong = {r.rows for r in good if r.rows != rows}
            if wrong:
                notes.append(f"{label} at {rows:,} rows returned {sorted(wrong)} rows")
    busy = max((r.load_before for r in runs), default=0.0)
    # The benchmark itself keeps the load average near 1 (more while polars
    # uses both cores), so only a clearly higher figure means other work.
    if busy > 1.8:
        notes.append(
            f"other work ran on the machine during some runs (1-minute load average up to "
            f"{busy:.1f}, of which about 1 is the benchmark): times are noisier than usual"
        )
    table = "\n".join(lines)
    if notes:
        table += "\n\n" + "\n".join(f"- {note}" for note in notes)
    return table


def environment() -> dict[str, Any]:
    """Machine and library versions, stored with the results."""
    versions = {}
    for package in ("polars", "fastexcel", "pandas", "openpyxl", "xlsxwriter", "numpy"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    memory = None
    try:
        with open("/proc/meminfo") as handle:
            memory = handle.readline().split(":")[1].strip()
    except OSError:
        pass
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "memory": memory,
        "versions": versions,
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Command line; returns 1 when any read failed or timed out."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000", help="comma-separated row counts")
    parser.add_argument("--repeats", type=int, default=3, help="runs per reader and size")
    parser.add_argument(
        "--readers",
        default=",".join(DEFAULT_READERS),
        help=f"comma-separated, from {', '.join(READERS)}",
    )
    parser.add_argument(
        "--skip-pandas-1m", action="store_true", help="skip pandas at 1,000,000 rows and above"
    )
    parser.add_argument(
        "--wait-for-ingest",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="poll this long for kpi_core.ingest.load_path before giving up on it",
    )
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds per read")
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--results-dir", type=Path, default=DEFAULT_RESULTS)
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        run_child(*args.child)
        return 0

    sizes_wanted = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    readers = [r.strip() for r in args.readers.split(",") if r.strip()]
    unknown = set(readers) - set(READERS)
    if unknown:
        parser.error(f"unknown readers: {', '.join(sorted(unknown))}")
    ours = [r for r in readers if r.startswith("kpi_core")]
    if ours and not wait_for_ingest(args.wait_for_ingest):
        print("kpi_core.ingest.load_path is not available yet: baselines only.")
        readers = [r for r in readers if r not in ours]

    sizes = {rows: workbook_for(rows, args.data_dir) for rows in sizes_wanted}
    warmup = workbook_for(WARMUP_ROWS, args.data_dir)
    runs: list[Run] = []
    for rows, path in sizes.items():
        active = [
            r for r in readers if not (r == "pandas" and args.skip_pandas_1m and rows >= PANDAS_1M)
        ]
        for repeat in range(args.repeats):
            for reader in active:
                run = run_once(reader, path, warmup, rows, args.timeout)
                runs.append(run)
                shown = _seconds(run.seconds) if run.seconds is not None else run.error
                print(
                    f"{rows:>9,} rows  {reader:<15} run {repeat + 1}/{args.repeats}: {shown}, "
                    f"peak {_mib(run.peak_rss)}",
                    flush=True,
                )

    table = summarise(runs, sizes, args.repeats)
    print()
    print(table)
    args.results_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    result = {
        "created": stamp,
        "args": {k: str(v) for k, v in vars(args).items() if k != "child"},
        "environment": environment(),
        "workbooks": {
            str(rows): {"path": str(p), "bytes": p.stat().st_size} for rows, p in sizes.items()
        },
        "runs": [asdict(run) for run in runs],
        "markdown": table,
    }
    target = args.results_dir / f"ingest-{stamp}.json"
    target.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    target.with_suffix(".md").write_text(table + "\n", encoding="utf-8")
    print(f"\nresults: {target}")
    return 0 if all(run.error is None for run in runs) else 1


if __name__ == "__main__":
    raise SystemExit(main())
