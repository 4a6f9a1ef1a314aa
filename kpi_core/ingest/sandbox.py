"""Read a workbook in a child process with memory and time limits.

calamine aborts the whole process on some hostile workbooks (a 5 KB file
whose cells span A1:XFD1048576 asks for 550 GB); an abort cannot be caught.
So workbooks are parsed by ``python -m kpi_core.ingest.sandbox <job dir>``:

* the parent writes the upload to a private temporary directory, starts the
  child with ``subprocess`` (no ``preexec_fn``: the Streamlit server is
  multi-threaded, and forking a threaded process to run Python code is
  unsafe), relays its progress lines, and kills it at the time limit;
* the child sets its own limits before importing anything heavy (this
  module's top level imports only the standard library, and the package's
  ``__init__`` is lazy), reads, shapes and types the table, and writes the
  frame as Arrow IPC and everything else as JSON;
* a child that dies by a signal (abort, kill, CPU limit) or runs out of
  memory becomes an :class:`~kpi_core.issues.InputError` in the parent.

Memory is bounded with ``RLIMIT_DATA``, not ``RLIMIT_AS``: polars' jemalloc
and glibc's per-thread arenas reserve address space they never touch (a
100k-row read shows 2.1 GB of address space for 0.2 GB resident, and the
reservation grows with the number of cores), so an address-space cap
either fails ordinary files or must be set so high it bounds nothing.
``RLIMIT_DATA`` counts private writable mappings (Linux ≥ 4.7), which is
what the parsers actually fill; jemalloc falls back to smaller mappings
when a reservation is refused. Measured cost of the child: a tiny workbook
takes 0.66–0.8 s isolated against 0.04 s in process (the interpreter and its
imports of polars, fastexcel and pyarrow are about 0.55 s of that); at 100k
rows the difference is about 0.6 s, at a million rows it is lost in the noise.
"""

from __future__ import annotations

import json
import logging
import os
import resource
import selectors
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kpi_core.ingest.model import SheetInfo, TableParts

log = logging.getLogger(__name__)

GIB = 1 << 30
# The reading process's data segment. A 1,000,000-row × 13-column workbook
# peaks at about 2.3 GB (calamine's dense cell grid plus Arrow buffers); 4 GiB
# leaves room for wider sheets while one upload takes at most a sixth of the
# 24 GiB server.
MEMORY_LIMIT = 4 * GIB
# Wall time for one workbook; a million rows take about 10–15 s on 2 cores.
TIME_LIMIT_S = 120.0
# The child writes only its result; anything near this is a runaway.
_FILE_LIMIT = 8 * GIB
_EXIT_INPUT_ERROR = 3
_EXIT_MEMORY = 4
_EXIT_BUG = 5
_PROGRESS = b"progress "
_ROOT = str(Path(__file__).resolve().parents[2])


# --------------------------------------------------------------------------- child


def _limit(resource_id: int, value: int) -> None:
    _, hard = resource.getrlimit(resource_id)
    if hard != resource.RLIM_INFINITY:
        value = min(value, hard)
    resource.setrlimit(resource_id, (value, value if hard == resource.RLIM_INFINITY else hard))


def _set_limits(memory: int, seconds: float) -> None:
    _limit(resource.RLIMIT_DATA, memory)
    # CPU time counts every thread, so it may run ahead of wall time; the
    # parent's wall-clock kill is the real limit, this is the backstop.
    _limit(resource.RLIMIT_CPU, int(seconds * 4) + 10)
    _limit(resource.RLIMIT_CORE, 0)
    _limit(resource.RLIMIT_FSIZE, _FILE_LIMIT)


def _progress(stage: str) -> None:
    sys.stdout.buffer.write(_PROGRESS + stage.encode() + b"\n")
    sys.stdout.buffer.flush()


def _child(job_dir: Path) -> int:
    job = json.loads((job_dir / "job.json").read_text(encoding="utf-8"))
    _set_limits(job["memory"], job["seconds"])
    from kpi_core.issues import InputError

    try:
        from kpi_core.ingest import pipeline

        data = (job_dir / "input.bin").read_bytes()
        if job["task"] == "sheets":
            sheets = pipeline.list_sheets_in_process(data, source=job["source"])
            result: dict[str, Any] = {"sheets": [vars(s) for s in sheets]}
        else:
            from kpi_core.ingest.model import table_meta

            table = pipeline.load_in_process(
                data, source=job["source"], sheet=job["sheet"], on_progress=_progress
            )
            if table.frame.width:
                table.frame.write_ipc(job_dir / "result.arrow", compression="uncompressed")
            result = table_meta(table)
        (job_dir / "result.json").write_text(json.dumps(result), encoding="utf-8")
        return 0
    except InputError as exc:
        error = {"message": str(exc), "hint": exc.hint, "key": exc.key, "params": exc.params}
        (job_dir / "error.json").write_text(json.dumps(error), encoding="utf-8")
        return _EXIT_INPUT_ERROR
    except MemoryError:
        return _EXIT_MEMORY
    except Exception:
        logging.basicConfig()
        log.exception("reading %s failed", job.get("source"))
        return _EXIT_BUG


# --------------------------------------------------------------------------- parent


def _relay(
    proc: subprocess.Popen[bytes], deadline: float, on_progress: Callable[[str], None] | None
) -> bool:
    """Pass progress lines on until the child closes stdout; False at the deadline."""
    assert proc.stdout is not None
    fd = proc.stdout.fileno()
    pending = b""
    with selectors.DefaultSelector() as selector:
        selector.register(fd, selectors.EVENT_READ)
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            if not selector.select(timeout=min(remaining, 1.0)):
                continue
            chunk = os.read(fd, 4096)
            if not chunk:
                return True
            pending += chunk
            *lines, pending = pending.split(b"\n")
            for line in lines:
                if line.startswith(_PROGRESS) and on_progress is not None:
                    on_progress(line[len(_PROGRESS) :].decode(errors="replace"))


def _stderr_tail(path: Path) -> str:
    try:
        with path.open("rb") as stream:
            stream.seek(max(0, path.stat().st_size - 4000))
            return stream.read().decode(errors="replace")
    except OSError:
        return ""


def _run(
    task: str,
    data: bytes,
    *,
    source: str,
    sheet: str | None,
    on_progress: Callable[[str], None] | None,
    memory: int,
    seconds: float,
) -> tuple[dict[str, Any], Path | None, tempfile.TemporaryDirectory[str]]:
    from kpi_core.issues import InputError

    workdir = tempfile.TemporaryDirectory(prefix="kpi-ingest-")
    job_dir = Path(workdir.name)
    (job_dir / "input.bin").write_bytes(data)
    job = {"task": task, "source": source, "sheet": sheet, "memory": memory, "seconds": seconds}
    (job_dir / "job.json").write_text(json.dumps(job), encoding="utf-8")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (_ROOT, env.get("PYTHONPATH")) if p)
    env["RUST_BACKTRACE"] = "0"  # an abort would otherwise print a long backtrace
    stderr_path = job_dir / "stderr.txt"
    with stderr_path.open("wb") as stderr:
        proc = subprocess.Popen(
            [sys.executable, "-m", "kpi_core.ingest.sandbox", str(job_dir)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=stderr,
            cwd=job_dir,
            env=env,
            close_fds=True,
            start_new_session=True,
        )
    deadline = time.monotonic() + seconds
    try:
        finished = _relay(proc, deadline, on_progress)
        if finished:
            proc.wait(timeout=max(deadline - time.monotonic(), 0.5))
    except subprocess.TimeoutExpired:
        finished = False
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        assert proc.stdout is not None
        proc.stdout.close()
    code = proc.returncode
    if not finished or code == -signal.SIGXCPU:
        workdir.cleanup()
        raise InputError.of(
            "ingest.guard.time_limit", source=source, file=source, seconds=round(seconds)
        )
    if code == 0:
        result = json.loads((job_dir / "result.json").read_text(encoding="utf-8"))
        arrow = job_dir / "result.arrow"
        return result, arrow if arrow.exists() else None, workdir
    if code == _EXIT_INPUT_ERROR:
        error = json.loads((job_dir / "error.json").read_text(encoding="utf-8"))
        workdir.cleanup()
        message = error["message"]
        hint = error["hint"]
        if hint and message.endswith(hint):
            message = message[: -len(hint)].rstrip()
        # The key and its values come back too, so the message can be read in any language.
        raise InputError(
            message, source=source, hint=hint, key=error.get("key", ""), params=error.get("params")
        )
    tail = _stderr_tail(stderr_path)
    workdir.cleanup()
    if code == _EXIT_BUG:
        log.error("reading %s failed in the sandbox:\n%s", source, tail)
        raise InputError.of("ingest.guard.app_error", source=source, file=source)
    log.warning("reading %s ended with exit code %s:\n%s", source, code, tail)
    limit = f"{memory / GIB:.0f} GB" if memory >= GIB else f"{memory >> 20} MB"
    raise InputError.of(
        "ingest.guard.memory_limit", source=source, file=source, limit=limit, last_row=1_048_576
    )


def parts_isolated(
    data: bytes,
    *,
    source: str,
    sheet: str | None,
    on_progress: Callable[[str], None] | None = None,
    memory: int = MEMORY_LIMIT,
    seconds: float = TIME_LIMIT_S,
) -> TableParts:
    """Read, shape and type a file in a limited child process; this process only waits.

    Nothing here runs polars (the frame comes back as Arrow IPC bytes), so a server can
    let its other sessions work meanwhile.

    Parameters
    ----------
    data
        The whole file.
    source
        The file name as the user gave it.
    sheet
        Sheet to read, or ``None`` for the data sheet.
    on_progress
        Receives the child's stage names as they happen.
    memory, seconds
        The child's data-segment limit in bytes and its wall-time limit.

    Raises
    ------
    InputError
        The file is bad, or it could not be read within the limits.
    """
    from kpi_core.ingest.model import TableParts

    started = time.monotonic()
    result, arrow, workdir = _run(
        "load",
        data,
        source=source,
        sheet=sheet,
        on_progress=on_progress,
        memory=memory,
        seconds=seconds,
    )
    try:
        frame = arrow.read_bytes() if arrow else b""
    finally:
        workdir.cleanup()
    return TableParts(meta=result, arrow=frame, seconds=time.monotonic() - started)


def sheets_isolated(
    data: bytes, *, source: str, memory: int = MEMORY_LIMIT, seconds: float = TIME_LIMIT_S
) -> tuple[SheetInfo, ...]:
    """List a workbook's sheets in a limited child process."""
    from kpi_core.ingest.model import SheetInfo

    result, _, workdir = _run(
        "sheets", data, source=source, sheet=None, on_progress=None, memory=memory, seconds=seconds
    )
    workdir.cleanup()
    return tuple(SheetInfo(**s) for s in result["sheets"])


if __name__ == "__main__":
    sys.exit(_child(Path(sys.argv[1])))
