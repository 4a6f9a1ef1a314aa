"""Isolation between users: two sessions never see each other's data.

Two AppTest sessions of the real ``app.py`` stand in for two browsers on one server:
they share the process, its module globals and every ``st.cache_data``, exactly as
two users of one server do, and each has its own session state.
"""

from __future__ import annotations

import ast
import datetime as dt
import io
import re
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import streamlit as st
from streamlit import config
from streamlit.runtime import Runtime
from streamlit.testing.v1 import AppTest

from kpi_core.ingest import sandbox

ROOT = Path(__file__).resolve().parents[2]
APP_FILES = [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py"))]
UI_FILES = sorted((ROOT / "ui").glob("*.py"))
CORE_FILES = sorted((ROOT / "kpi_core").rglob("*.py"))


def nordic_csv(base_revenue: int, base_visits: int) -> bytes:
    """Two months of daily rows; September's revenue is 28 × base + 40,614 kr."""
    rows = ["Dato;Kanal;Besøg;Leads;Nye kunder;Omsætning (kr.)"]
    for month in (9, 10):
        for day in range(1, 29):
            rows.append(
                f"{day:02d}-{month:02d}-2026;Google Ads;{base_visits + day};{day + 5};"
                f"{day % 4 + 1};{base_revenue + day * 100},50"
            )
    return ("\n".join(rows) + "\n").encode("utf-8")


# Each user's file, and the September revenue it must show (see nordic_csv).
USERS = {
    "anna": ("anna_salg.csv", nordic_csv(111_000, 3_000), "DKK3,148,614"),
    "bo": ("bo_omsaetning.csv", nordic_csv(222_000, 7_000), "DKK6,256,614"),
}


@pytest.fixture
def new_session(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[type[AppTest]]:
    """Start sessions of the real app as the page tests do (tests/pages/conftest.py)."""
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("KPI_KOMPAS_HOME", str(tmp_path))
    # AppTest keeps widgets' format_func lambdas in session state, which the real server
    # never does; the page tests check that the app's own keys pickle.
    previous = config.get_option("runner.enforceSerializableSessionState")
    config.set_option("runner.enforceSerializableSessionState", False)
    # AppTest turns the global option on for the length of its own run only, and a widget
    # records its format_func for AppTest only while it is on. Script runs take turns
    # (ui/frame.one_run_at_a_time), so one AppTest's run can end, and turn it off, while
    # the other's run is still drawing its widgets: keep it on for the whole test.
    app_test = config.get_option("global.appTest")
    config.set_option("global.appTest", True)

    def start() -> AppTest:
        return AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)

    yield start  # type: ignore[misc]
    config.set_option("runner.enforceSerializableSessionState", previous)
    config.set_option("global.appTest", app_test)


def upload(at: AppTest, user: str) -> AppTest:
    name, data, _ = USERS[user]
    at.run()
    at.switch_page("pages/data.py").run()
    at.file_uploader(key="kk_upload").set_value((name, data, "text/csv")).run()
    assert not at.exception
    return at


def overview_text(at: AppTest) -> str:
    """Everything the Overview shows in text: metrics, captions, markdown, the table."""
    at.switch_page("pages/overview.py").run()
    assert not at.exception
    parts = [f"{m.label} {m.value} {m.delta}" for m in at.metric]
    parts += [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [d.value.to_csv() for d in at.dataframe]
    return "\n".join(str(p) for p in parts)


def own_files(at: AppTest) -> dict[str, str]:
    """The session's uploaded (non-sample) files: key → name."""
    return {k: f.name for k, f in at.session_state["kk_files"].items() if not f.sample}


def assert_sees_only_own(text: str, at: AppTest, user: str) -> None:
    name, _, revenue = USERS[user]
    other = next(u for u in USERS if u != user)
    other_name, _, other_revenue = USERS[other]
    assert f"In September 2026, revenue was {revenue}." in text
    assert name in text
    assert other_revenue not in text and other_name not in text
    assert list(own_files(at).values()) == [name]


def test_two_sessions_each_see_only_their_own_numbers(new_session) -> None:
    anna, bo = new_session(), new_session()
    # Interleaved as two users on one server: both open, both upload, both look.
    anna.run()
    bo.run()
    upload(anna, "anna")
    upload(bo, "bo")
    anna_text, bo_text = overview_text(anna), overview_text(bo)
    assert_sees_only_own(anna_text, anna, "anna")
    assert_sees_only_own(bo_text, bo, "bo")
    # Anna looks again after Bo's upload filled the shared caches: still only hers.
    assert_sees_only_own(overview_text(anna), anna, "anna")
    assert set(own_files(anna)).isdisjoint(own_files(bo))


def test_two_sessions_rerunning_at_the_same_time(new_session) -> None:
    anna, bo = new_session(), new_session()
    anna.run()
    bo.run()
    sessions = {"anna": upload(anna, "anna"), "bo": upload(bo, "bo")}
    with ThreadPoolExecutor(max_workers=2) as pool:
        for _ in range(3):
            texts = dict(zip(sessions, pool.map(overview_text, sessions.values()), strict=True))
            for user, at in sessions.items():
                assert_sees_only_own(texts[user], at, user)


def nordic_xlsx(base_revenue: int) -> bytes:
    """The same two months as :func:`nordic_csv`, as a workbook (read in the sandbox)."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Salg"
    sheet.append(["Dato", "Kanal", "Besøg", "Omsætning (kr.)"])
    for month in (9, 10):
        for day in range(1, 29):
            sheet.append([dt.date(2026, month, day), "Meta", 1_000 + day, base_revenue + day])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_a_session_reading_a_workbook_does_not_hold_up_the_others(
    new_session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While Anna's workbook is read in the sandbox's child process, Bo's pages still run.

    Her read is held until Bo's run has ended: with the run lock held through the read
    (as before ``ui.frame.outside_run``), Bo's run could not start and timed out.
    """
    reading, release = threading.Event(), threading.Event()
    real = sandbox.parts_isolated

    def held_read(data: bytes, *, source: str, **kwargs: object) -> object:
        if source == "anna_salg.xlsx":
            reading.set()
            assert release.wait(60), "the test never let the read finish"
        return real(data, source=source, **kwargs)

    monkeypatch.setattr(sandbox, "parts_isolated", held_read)
    anna, bo = new_session(), new_session()
    anna.run()
    anna.switch_page("pages/data.py").run()
    bo.run()  # the sample workspace is read before Anna's upload starts
    workbook = ("anna_salg.xlsx", nordic_xlsx(300_000), "application/octet-stream")

    def anna_uploads() -> AppTest:
        return anna.file_uploader(key="kk_upload").set_value(workbook).run()

    with ThreadPoolExecutor(max_workers=1) as pool:
        try:
            upload_done = pool.submit(anna_uploads)
            assert reading.wait(60), "Anna's workbook never reached the sandbox"
            # AppTest keeps its stand-in Runtime in a class attribute and clears it after
            # each run; a server has one for all sessions. Give Anna's run hers back.
            annas_runtime = Runtime._instance
            bo.switch_page("pages/funnel.py").run(timeout=30)
            Runtime._instance = annas_runtime
            assert not bo.exception
            assert bo.title and not upload_done.done()  # Bo's page ran during Anna's read
        finally:
            release.set()
        anna = upload_done.result(timeout=120)
    assert not anna.exception
    said = "\n".join(m.value for m in anna.markdown)
    assert "**anna_salg.xlsx**: sheet **Salg**, header in row 1" in said


def test_a_signed_in_visitor_never_opens_another_users_workspace(
    new_session, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Behind st.login or an authenticating proxy each session has its user; stand in for
    # that with a session key, read by the app's own owner() lookup.
    import ui.workspace

    monkeypatch.setattr(ui.workspace, "owner", lambda: st.session_state.get("test_user", "?"))
    anna = new_session()
    anna.session_state["test_user"] = "anna@example.com"
    upload(anna, "anna")
    anna_ws = anna.query_params["ws"]
    bo = new_session()
    bo.session_state["test_user"] = "bo@example.com"
    bo.query_params["ws"] = anna_ws  # her link, copied or guessed
    bo.run()
    assert not bo.exception
    assert bo.query_params["ws"] != anna_ws
    assert own_files(bo) == {}
    bo_text = overview_text(bo)
    assert USERS["anna"][0] not in bo_text and USERS["anna"][2] not in bo_text
    # Nor does the workspace picker offer her workspace.
    from kpi_core.store import Store

    assert [e.id for e in Store(owner="bo@example.com").list()] == [bo.query_params["ws"]]


def test_the_sample_workspace_is_each_sessions_own_copy(new_session) -> None:
    anna, bo = new_session(), new_session()
    anna.run()
    bo.run()
    key = next(k for k, f in anna.session_state["kk_files"].items() if f.sample)
    # Anna changes the sample file's mapping; Bo's copy is untouched.
    anna.session_state["kk_files"][key].mapping = {"Dato": "date"}
    anna.run()
    assert bo.session_state["kk_files"][key].mapping is None
    assert bo.session_state["kk_files"][key] is not anna.session_state["kk_files"][key]


def test_clearing_the_cache_loses_no_session_data(new_session) -> None:
    # Any client can ask the server to clear st.cache_data for everyone.
    anna = upload(new_session(), "anna")
    before_text = overview_text(anna)
    before_files = {
        k: (f.name, f.sha256, f.data) for k, f in anna.session_state["kk_files"].items()
    }
    st.cache_data.clear()
    after_text = overview_text(anna)
    after_files = {k: (f.name, f.sha256, f.data) for k, f in anna.session_state["kk_files"].items()}
    assert after_files == before_files
    assert after_text == before_text
    assert_sees_only_own(after_text, anna, "anna")


def test_pandas_is_imported_whole_before_any_session_runs_a_page() -> None:
    # Python's import lock makes a second `import pandas` wait for the first to finish;
    # code that only peeks at sys.modules (altair does) does not wait. So pandas must be
    # imported by app.py's own imports, which every session runs before any page.
    code = textwrap.dedent(
        """
        import ast, sys
        tree = ast.parse(open("app.py", encoding="utf-8").read())
        for node in tree.body:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                exec(compile(ast.Module([node], []), "app.py", "exec"), {})
        module = sys.modules.get("pandas")
        print(module is not None and hasattr(module, "Timestamp"))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert result.stdout.strip() == "True"


# --------------------------------------------------------------------------- the code itself


def _calls(path: Path) -> list[str]:
    """Dotted names of everything called or referenced as an attribute in a file."""
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Attribute):
            parts = [node.attr]
            value = node.value
            while isinstance(value, ast.Attribute):
                parts.append(value.attr)
                value = value.value
            if isinstance(value, ast.Name):
                parts.append(value.id)
            names.append(".".join(reversed(parts)))
    return names


@pytest.mark.parametrize("path", APP_FILES + UI_FILES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_no_cache_resource_for_anything(path: Path) -> None:
    # cache_resource hands one object to every session; nothing per user may live there.
    assert not [n for n in _calls(path) if n.endswith("cache_resource")]
    assert "cache_resource" not in re.sub(r'""".*?"""|#.*', "", path.read_text(), flags=re.S)


@pytest.mark.parametrize("path", CORE_FILES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_kpi_core_does_not_import_streamlit(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    imported = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    imported += [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    assert not [m for m in imported if m == "streamlit" or m.startswith("streamlit.")]


_MUTATORS = {
    "append", "extend", "insert", "add", "update", "setdefault", "pop", "popitem",
    "clear", "remove", "discard", "__setitem__",
}  # fmt: skip
_MUTABLE_CALLS = {"list", "dict", "set", "defaultdict", "OrderedDict", "Counter", "deque"}


def _module_state_problems(path: Path) -> list[str]:
    """Module globals that hold mutable containers and are changed, and ``global`` rebinds."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    mutable: set[str] = set()
    for node in tree.body:
        targets, value = [], None
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        is_mutable = isinstance(value, ast.List | ast.Dict | ast.Set | ast.ListComp | ast.DictComp)
        if isinstance(value, ast.Call):
            func = value.func
            called = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            is_mutable = called in _MUTABLE_CALLS
        if is_mutable:
            mutable |= {t.id for t in targets if isinstance(t, ast.Name)}
    # A global rebound only to constants (a process-wide "done once" flag) holds no user data.
    constant_only: dict[str, bool] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    is_constant = isinstance(node.value, ast.Constant)
                    constant_only[target.id] = constant_only.get(target.id, True) and is_constant
    problems = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Global):
            names = [n for n in node.names if not constant_only.get(n, False)]
            if names:
                problems.append(f"line {node.lineno}: global {', '.join(names)}")
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id in mutable
            and node.func.attr in _MUTATORS
        ):
            problems.append(f"line {node.lineno}: {node.func.value.id}.{node.func.attr}()")
        elif isinstance(node, ast.Assign | ast.AugAssign | ast.Delete):
            targets = node.targets if isinstance(node, ast.Assign | ast.Delete) else [node.target]
            for target in targets:
                if (
                    isinstance(target, ast.Subscript)
                    and isinstance(target.value, ast.Name)
                    and target.value.id in mutable
                ):
                    problems.append(f"line {node.lineno}: {target.value.id}[...] changed")
    return problems


@pytest.mark.parametrize(
    "path", UI_FILES + CORE_FILES, ids=lambda p: p.relative_to(ROOT).as_posix()
)
def test_no_mutable_module_state(path: Path) -> None:
    # Modules are imported once per server and shared by every session: a module-level
    # list or dict that code changes would carry one user's data to the next.
    assert _module_state_problems(path) == []


def test_the_module_state_check_finds_what_it_looks_for(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text(
        "_SEEN = {}\nLAST = []\n_DONE = False\n\ndef remember(key, value):\n"
        "    global CURRENT, _DONE\n"
        "    _SEEN[key] = value\n    LAST.append(value)\n    CURRENT = value\n    _DONE = True\n"
    )
    assert _module_state_problems(bad) == [
        "line 6: global CURRENT",
        "line 7: _SEEN[...] changed",
        "line 8: LAST.append()",
    ]
