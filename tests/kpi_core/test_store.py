"""Workspaces: save, restart, a new process, export/import, kills, conflicts, the change log.

Every database lives in ``tmp_path``. The kill test is deterministic: the child
process opens the save's transaction, writes, tells the parent through a pipe
and sleeps; the parent kills it with SIGKILL and reads the database.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import pickle
import select
import signal
import sqlite3
import subprocess
import sys
import textwrap
import zipfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

import kpi_core.store as store_module
from kpi_core.issues import InputError
from kpi_core.plan import Assumptions, Scenario
from kpi_core.store import (
    FORMAT,
    MIGRATIONS,
    ConflictError,
    Store,
    StoredFile,
    Workspace,
    default_path,
    read_export,
    scenario_from_record,
    scenario_to_record,
    target_from_record,
    target_to_record,
)
from kpi_core.targets import split, target, with_steps

ROOT = Path(__file__).resolve().parents[2]
UTC = dt.UTC

CSV = StoredFile(
    "crm leads.csv",
    b"date;leads;stage\n2026-01-05;3;MQL\n2026-01-06;4;SQL\n",
    lead_columns={"created": "date", "stage": "stage"},
)
# Looks like a workbook (a zip), so export stores it without packing it again.
WORKBOOK = StoredFile(
    "nordlys marketing.xlsx",
    b"PK\x03\x04" + bytes(range(256)) * 40,
    sheet="Daily",
    mapping={"Dato": "date", "Besøg": "sessions", "Omsætning": "revenue"},
)


def _targets() -> tuple:
    leads = replace(
        with_steps(
            target("leads", 4400, "2026", owner="Jonas", id="t-leads"),
            [1000] * 3 + [1400],
            into="quarter",
        ),
        baseline=3900.0,
    )
    revenue = target(
        "revenue", 1_200_000, "2026", goal="Grow 12 %", notes="From the workshop.", id="t-rev"
    )
    revenue = replace(revenue, steps=tuple(split(revenue, into="month", method="ramp")))
    rate = with_steps(
        target("traffic_to_lead", 0.016, "2026-Q3", id="t-ttl"), [0.014, 0.015, 0.016], into="month"
    )
    return (leads, revenue, rate)


def _scenarios() -> tuple:
    a = Assumptions(
        ("sessions", "leads", "customers"),
        (("traffic_to_lead", 0.015), ("lead_to_customer", 0.2), ("value_per_customer", 12_500.0)),
    )
    return (
        Scenario("Today", 1_000_000.0, "2027", a),
        Scenario("Better site", 1_250_000.0, "2027", a.set("traffic_to_lead", 0.02), "even"),
    )


def _filled(ws: Workspace) -> Workspace:
    """``ws`` with every part a user can make."""
    return replace(
        ws,
        files=(WORKBOOK, CSV),
        active=WORKBOOK.key,
        kpis={WORKBOOK.key: ["sessions", "leads", "revenue", "cac"], CSV.key: ["leads"]},
        roles={"traffic_to_lead": "lagging", "leads": "leading"},
        targets=_targets(),
        scenarios=_scenarios(),
        competitors=[
            {"Competitor": "Solvarme A/S", "Cost per click": 6.5, "Click-through rate": 0.021},
            {"Competitor": "Fjordvarme", "Cost per click": None, "Click-through rate": 0.018},
        ],
        benchmarks=[
            {"kpi_id": "ctr", "statistic": "median", "value": 0.019, "source": "Trade body 2025"}
        ],
        capacity={"leads": 420.0, "sqls": 120.0},
        notes="Quarterly review with Mette in March.\nRemember: prices stay.",
        language="da",
        currency="DKK",
    )


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "kompas.sqlite3"


@pytest.fixture
def store(path: Path) -> Store:
    return Store(path)


@pytest.fixture
def saved(store: Store) -> Workspace:
    ws = store.create("Nordlys Varme")
    return store.save(_filled(ws), expected_revision=ws.revision)


def _content(ws: Workspace) -> Workspace:
    """``ws`` without what a store sets (id, revision, time)."""
    return replace(ws, id="", revision=0, updated="")


def _counts(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as conn:
        return {
            t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("workspaces", "files", "blobs", "changes")
        }


# --- where the database lives -----------------------------------------------------------------


def test_default_path_honours_kpi_kompas_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KPI_KOMPAS_HOME", str(tmp_path / "home"))
    assert default_path() == tmp_path / "home" / "kompas.sqlite3"
    store = Store()
    assert store.path == tmp_path / "home" / "kompas.sqlite3" and store.path.is_file()
    monkeypatch.delenv("KPI_KOMPAS_HOME")
    assert default_path().name == "kompas.sqlite3"
    assert default_path().parent.name == "kpi-kompas"


# --- round trips ------------------------------------------------------------------------------


def test_a_new_workspace_is_listed_at_revision_0(store: Store) -> None:
    ws = store.create("  Nordlys Varme ")
    assert (ws.name, ws.revision, ws.files, ws.targets) == ("Nordlys Varme", 0, (), ())
    assert store.list() == [(ws.id, "Nordlys Varme", ws.updated, 0)]
    assert store.load(ws.id) == ws
    with pytest.raises(InputError, match="needs a name"):
        store.create("   ")


def test_save_then_restart_loads_every_part(store: Store, path: Path, saved: Workspace) -> None:
    assert saved.revision == 1
    assert _content(saved) == _content(_filled(Workspace("", "Nordlys Varme")))
    again = Store(path).load(saved.id)  # a restart: a new store on the same file
    assert again == saved
    assert again.file(WORKBOOK.key).data == WORKBOOK.data
    assert again.targets[0].steps == _targets()[0].steps and again.targets[0].baseline == 3900.0
    assert pickle.loads(pickle.dumps(again)) == again  # st.session_state may pickle it


def test_a_new_process_reads_what_was_saved(path: Path, saved: Workspace) -> None:
    code = textwrap.dedent(
        """
        import hashlib, sys
        from kpi_core.store import Store
        ws = Store(sys.argv[1]).load(sys.argv[2])
        data = hashlib.sha256(b"".join(f.data for f in ws.files)).hexdigest()
        print(ws.fingerprint(), data, ws.revision, len(ws.targets[1].steps))
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(path), saved.id],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout.split()
    data = hashlib.sha256(b"".join(f.data for f in saved.files)).hexdigest()
    assert out == [saved.fingerprint(), data, "1", "12"]


def test_export_and_import_keep_every_part(store: Store, tmp_path: Path, saved: Workspace) -> None:
    store.save(replace(saved, notes="Reviewed."), expected_revision=1, note="Q1 review")
    exported = store.export_bytes(saved.id)
    with zipfile.ZipFile(io.BytesIO(exported)) as zf:
        names = set(zf.namelist())
        manifest = json.loads(zf.read("manifest.json"))
        assert zf.getinfo(f"files/{WORKBOOK.sha256}").compress_type == zipfile.ZIP_STORED
    assert names == {"manifest.json", "workspace.json", *(f"files/{f.sha256}" for f in saved.files)}
    assert manifest["format"] == FORMAT and set(manifest["members"]) == names - {"manifest.json"}

    laptop = Store(tmp_path / "laptop" / "kompas.sqlite3")  # another machine
    imported = laptop.import_bytes(exported)
    original = store.load(saved.id)
    assert imported.id != saved.id and imported.revision == 0
    assert _content(imported) == _content(original)
    assert laptop.load(imported.id) == imported
    assert imported.fingerprint() == original.fingerprint()
    assert laptop.changes(imported.id).to_dicts() == store.changes(saved.id).to_dicts()

    # Importing into the same store makes a new workspace and leaves the original alone.
    copy = store.import_bytes(exported, name="Nordlys (from laptop)")
    assert copy.id != saved.id and copy.name == "Nordlys (from laptop)"
    assert store.load(saved.id) == original
    assert {e.id for e in store.list()} == {saved.id, copy.id}
    assert _counts(store.path)["blobs"] == 2  # the same files are stored once


# --- atomic saves -------------------------------------------------------------------------------

_KILLED_SAVE = textwrap.dedent(
    """
    import os, sys, time
    from dataclasses import replace
    from kpi_core.store import Store, StoredFile

    store = Store(sys.argv[1])
    ws = store.load(sys.argv[2])
    fd = int(sys.argv[3])

    def hold():  # every write is done; COMMIT has not run
        os.write(fd, b"written\\n")
        time.sleep(60)

    store._before_commit = hold
    big = StoredFile("big.csv", os.urandom(8 << 20))
    store.save(
        replace(ws, files=(*ws.files, big), targets=(), kpis={}, notes="never saved"),
        expected_revision=ws.revision,
    )
    """
)


def test_a_save_killed_midway_leaves_the_old_version(path: Path, saved: Workspace) -> None:
    read, write = os.pipe()
    child = subprocess.Popen(
        [sys.executable, "-c", _KILLED_SAVE, str(path), saved.id, str(write)],
        cwd=ROOT,
        pass_fds=(write,),
        stderr=subprocess.PIPE,
    )
    os.close(write)
    try:
        ready, _, _ = select.select([read], [], [], 60)
        assert ready, "the child never reached the middle of its save"
        message = os.read(read, 100)
        assert message == b"written\n", child.stderr.read().decode() if child.stderr else ""
        os.kill(child.pid, signal.SIGKILL)
        assert child.wait(timeout=30) == -signal.SIGKILL
    finally:
        os.close(read)
        if child.poll() is None:
            child.kill()
            child.wait()
        if child.stderr:
            child.stderr.close()

    after = Store(path)
    assert after.load(saved.id) == saved
    assert _counts(path) == {"workspaces": 1, "files": 2, "blobs": 2, "changes": 7}
    # The dead writer's lock is gone: the next save goes through.
    again = after.save(replace(saved, notes="after the crash"), expected_revision=1)
    assert after.load(saved.id).notes == "after the crash" and again.revision == 2


def test_an_error_inside_a_save_rolls_all_of_it_back(store: Store, saved: Workspace) -> None:
    def fail() -> None:
        raise OSError("disk pulled out")

    store._before_commit = fail
    extra = StoredFile("more.csv", b"date,leads\n2026-02-01,9\n")
    with pytest.raises(OSError, match="disk pulled out"):
        store.save(replace(saved, files=(*saved.files, extra), targets=()), expected_revision=1)
    store._before_commit = None
    assert store.load(saved.id) == saved
    assert _counts(store.path)["blobs"] == 2


# --- two tabs -----------------------------------------------------------------------------------


def test_a_second_tab_cannot_overwrite_the_first(store: Store, saved: Workspace) -> None:
    tab_a, tab_b = store.load(saved.id), store.load(saved.id)
    a = store.save(replace(tab_a, notes="from tab A"), expected_revision=tab_a.revision)
    with pytest.raises(ConflictError, match="another browser tab or window") as caught:
        store.save(replace(tab_b, notes="from tab B"), expected_revision=tab_b.revision)
    assert isinstance(caught.value, InputError)
    assert (caught.value.stored, caught.value.expected) == (2, 1)
    assert "Reload the workspace" in str(caught.value)
    assert store.load(saved.id) == a
    fresh = store.load(saved.id)  # tab B reloads and tries again
    b = store.save(replace(fresh, notes="from tab B"), expected_revision=fresh.revision)
    assert b.revision == 3 and store.load(saved.id).notes == "from tab B"


def test_a_save_of_a_deleted_or_unknown_workspace_is_refused(
    store: Store, saved: Workspace
) -> None:
    store.delete(saved.id)
    with pytest.raises(InputError, match="was deleted"):
        store.save(saved, expected_revision=1)
    with pytest.raises(InputError, match="no such workspace"):
        store.save(replace(saved, id="0" * 32), expected_revision=1)


def test_a_save_with_a_bad_part_changes_nothing(store: Store, saved: Workspace) -> None:
    before = _counts(store.path)
    bad = [
        (replace(saved, kpis={CSV.key: ["visits"]}), "not a KPI"),
        (replace(saved, roles={"leads": "driving"}), "not leading or lagging"),
        (replace(saved, capacity={"leads": float("nan")}), "not a finite number"),
        (replace(saved, files=(CSV, CSV)), "in the workspace twice"),
        (replace(saved, files=(StoredFile("x.csv", b"new", sha256="a" * 64),)), "do not match"),
        (replace(saved, competitors=[{"Competitor": ["a list"]}]), "not text or a number"),
    ]
    for ws, message in bad:
        with pytest.raises(InputError, match=message):
            store.save(ws, expected_revision=1)
    assert _counts(store.path) == before and store.load(saved.id) == saved
    # A file removed while it was the active one leaves no file active.
    fixed = store.save(replace(saved, files=(CSV,)), expected_revision=1)
    assert fixed.active is None and store.load(saved.id) == fixed


# --- the change log -------------------------------------------------------------------------------


def test_the_change_log_records_targets_kpis_and_roles(store: Store) -> None:
    ws = store.create("Log")
    leads, revenue, _ = _targets()
    ws = store.save(replace(ws, targets=(leads, revenue)), expected_revision=0, note="Workshop")
    ws = store.save(
        replace(ws, targets=(replace(leads, value=4800.0, steps=()),)),
        expected_revision=1,
        note="Raised after Q1",
    )
    ws = store.save(
        replace(ws, kpis={"abc": ["leads", "cac"]}, roles={"cac": "leading"}), expected_revision=2
    )
    ws = store.save(replace(ws, kpis={"abc": ["leads"]}, notes="no log row"), expected_revision=3)

    log = store.changes(ws.id)
    assert log.columns == ["at", "kind", "what", "before", "after", "note"]
    rows = [(r["kind"], r["what"], r["note"]) for r in log.to_dicts()]
    assert rows == [
        ("target added", leads.id, "Workshop"),
        ("target added", revenue.id, "Workshop"),
        ("target changed", leads.id, "Raised after Q1"),
        ("target removed", revenue.id, "Raised after Q1"),
        ("kpi selection changed", "abc", ""),
        ("role changed", "cac", ""),
        ("kpi selection changed", "abc", ""),
    ]
    changed = log.row(2, named=True)
    assert json.loads(changed["before"])["value"] == 4400.0
    assert json.loads(changed["before"])["steps"][3] == {"period": "2026-Q4", "value": 1400.0}
    assert json.loads(changed["after"])["value"] == 4800.0
    assert log.row(3, named=True)["after"] is None
    assert json.loads(log.row(6, named=True)["before"]) == ["leads", "cac"]
    assert json.loads(log.row(6, named=True)["after"]) == ["leads"]
    assert all(dt.datetime.fromisoformat(a).tzinfo is not None for a in log["at"])


# --- the picker: rename, duplicate, delete, restore, purge ----------------------------------------


def test_rename_keeps_the_revision_and_is_not_undone_by_a_save(
    store: Store, saved: Workspace
) -> None:
    store.rename(saved.id, "Nordlys Varme ApS")
    assert store.load(saved.id).name == "Nordlys Varme ApS"
    assert store.load(saved.id).revision == 1
    after = store.save(replace(saved, notes="x"), expected_revision=1)  # a tab with the old name
    assert after.name == "Nordlys Varme ApS" == store.load(saved.id).name
    assert store.changes(saved.id)["kind"].to_list()[-1] == "renamed"
    with pytest.raises(InputError, match="needs a name"):
        store.rename(saved.id, "")


def test_duplicate_is_a_template_for_the_next_client(store: Store, saved: Workspace) -> None:
    copy = store.duplicate(saved.id, "Next client")
    assert copy.id != saved.id and (copy.name, copy.revision) == ("Next client", 0)
    assert _content(replace(copy, name=saved.name)) == _content(saved)
    assert store.changes(copy.id).is_empty() and not store.changes(saved.id).is_empty()
    assert _counts(store.path)["blobs"] == 2  # the files are shared, not copied
    store.save(replace(copy, targets=(), files=()), expected_revision=0)
    assert store.load(saved.id) == saved
    assert _counts(store.path)["blobs"] == 2  # the original still uses them


def test_delete_is_soft_restore_brings_it_back_purge_removes_it(path: Path) -> None:
    now = [dt.datetime(2026, 3, 1, 9, 0, tzinfo=UTC)]
    store = Store(path, clock=lambda: now[0])
    ws = store.create("Client A")
    ws = store.save(_filled(ws), expected_revision=0)
    other = store.create("Client B")
    store.save(replace(other, files=(CSV,), active=CSV.key), expected_revision=0)

    store.delete(ws.id)
    assert [e.name for e in store.list()] == ["Client B"]
    assert store.deleted() == [(ws.id, "Client A", "2026-03-01T09:00:00+00:00", 1)]
    with pytest.raises(InputError, match="no such workspace"):
        store.load(ws.id)
    with pytest.raises(InputError, match="no such workspace"):
        store.delete(ws.id)
    store.restore(ws.id)
    assert store.load(ws.id) == ws and store.deleted() == []
    with pytest.raises(InputError, match="among the deleted ones"):
        store.restore(ws.id)

    store.delete(ws.id)
    now[0] += dt.timedelta(days=29)
    assert store.purge() == 0 and len(store.deleted()) == 1
    now[0] += dt.timedelta(days=2)
    assert store.purge() == 1 and store.deleted() == []
    with pytest.raises(InputError, match="no such workspace"):
        store.restore(ws.id)
    # The workbook went with it; the CSV stays for Client B.
    assert _counts(path) == {"workspaces": 1, "files": 1, "blobs": 1, "changes": 0}
    assert store.load(other.id).files == (CSV,)


# --- migrations ---------------------------------------------------------------------------------


def test_a_fresh_database_is_at_the_latest_schema_in_wal_mode(path: Path) -> None:
    Store(path)
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"workspaces", "files", "blobs", "changes"} <= tables


def test_a_database_from_a_newer_version_is_refused(path: Path) -> None:
    Store(path)
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    with pytest.raises(InputError, match="newer version of KPI Kompas"):
        Store(path)


def test_a_file_that_is_not_a_database_is_refused(path: Path) -> None:
    path.write_bytes(b"this is a spreadsheet, not a database" * 100)
    with pytest.raises(InputError, match="not a KPI Kompas workspace database"):
        Store(path)


def test_a_first_schema_database_is_upgraded_by_the_later_migrations(path: Path) -> None:
    # A database as the first release wrote it (migration 1 only, no owners), filled
    # with the rows of a workspace saved by this version.
    source = Store(path.with_name("source.sqlite3"))
    ws = source.save(_filled(source.create("Old")), expected_revision=0)
    tables = {
        "workspaces": "id, name, revision, created, updated, deleted_at, payload",
        "blobs": "sha256, size, data",
        "files": "workspace_id, position, sha256, name, sheet, mapping, lead_columns, sample",
        "changes": 'workspace_id, at, kind, what, "before", "after", note',
    }
    with sqlite3.connect(source.path) as src, sqlite3.connect(path) as old:
        store_module._migration_1(old)
        old.execute("PRAGMA user_version = 1")
        for table, columns in tables.items():
            rows = src.execute(f"SELECT {columns} FROM {table}").fetchall()
            marks = ", ".join("?" * len(columns.split(",")))
            old.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)
    upgraded = Store(path)
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS) >= 2
        assert conn.execute("SELECT owner FROM workspaces").fetchone()[0] == "local"
    assert upgraded.load(ws.id) == ws
    assert upgraded.save(replace(ws, notes="new"), expected_revision=1).revision == 2


def test_an_owner_never_sees_another_owners_workspace(path: Path) -> None:
    anna, bo = Store(path, owner="anna@example.com"), Store(path, owner="bo@example.com")
    hers = anna.save(_filled(anna.create("Anna's client")), expected_revision=0)
    assert [e.id for e in anna.list()] == [hers.id]
    assert bo.list() == []
    # Her id, guessed or copied from her URL, is "no such workspace" for him, whatever he does.
    for attempt in (
        lambda: bo.load(hers.id),
        lambda: bo.save(replace(hers, notes="mine now"), expected_revision=1),
        lambda: bo.rename(hers.id, "Taken"),
        lambda: bo.duplicate(hers.id, "Copy"),
        lambda: bo.delete(hers.id),
        lambda: bo.export_bytes(hers.id),
        lambda: bo.changes(hers.id),
    ):
        with pytest.raises(InputError, match="no such workspace"):
            attempt()
    assert anna.load(hers.id) == hers
    # An export she gives him becomes his own copy, with a new id.
    copy = bo.import_bytes(anna.export_bytes(hers.id))
    assert copy.id != hers.id and [e.id for e in bo.list()] == [copy.id]


# --- records ------------------------------------------------------------------------------------


def test_targets_and_scenarios_round_trip_through_records() -> None:
    for t in _targets():
        assert target_from_record(json.loads(json.dumps(target_to_record(t)))) == t
    for s in _scenarios():
        assert scenario_from_record(json.loads(json.dumps(scenario_to_record(s)))) == s


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"name": ""}, "the name is empty"),
        ({"revenue": "lots"}, "is not a number"),
        ({"period": "next year"}, "is not a period"),
        ({"split": "ramp"}, "split ‘ramp’"),
        ({"assumptions": {"chain": ["visits"], "values": []}}, "funnel stages"),
        ({"assumptions": {"chain": ["leads", "customers"], "values": [["magic", 1]]}}, "magic"),
    ],
)
def test_a_bad_scenario_record_names_what_is_wrong(change: dict, message: str) -> None:
    record = scenario_to_record(_scenarios()[0]) | change
    with pytest.raises(InputError, match=message):
        scenario_from_record(record, where="scenario 1")


# --- bad imports ------------------------------------------------------------------------------


def _rezip(
    good: bytes,
    change: Callable[[dict[str, bytes]], None],
    *,
    fix_manifest: bool = True,
    extra: tuple[tuple[str, bytes], ...] = (),
) -> bytes:
    """``good`` with its members changed by ``change``; the manifest follows unless told."""
    with zipfile.ZipFile(io.BytesIO(good)) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    change(members)
    if fix_manifest:
        manifest = json.loads(members["manifest.json"])
        manifest["members"] = {
            n: hashlib.sha256(d).hexdigest() for n, d in members.items() if n != "manifest.json"
        }
        members["manifest.json"] = json.dumps(manifest).encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for n, d in [*members.items(), *extra]:
            zf.writestr(n, d)
    return out.getvalue()


def _doc(change: Callable[[dict], None]) -> Callable[[dict[str, bytes]], None]:
    def edit(members: dict[str, bytes]) -> None:
        doc = json.loads(members["workspace.json"])
        change(doc)
        members["workspace.json"] = json.dumps(doc).encode()

    return edit


def _manifest(change: Callable[[dict], None]) -> Callable[[dict[str, bytes]], None]:
    def edit(members: dict[str, bytes]) -> None:
        manifest = json.loads(members["manifest.json"])
        change(manifest)
        members["manifest.json"] = json.dumps(manifest).encode()

    return edit


def _bomb(good: bytes) -> bytes:
    zeros = bytes(8 << 20)  # packs to about 8 KB

    def add(members: dict[str, bytes]) -> None:
        members[f"files/{hashlib.sha256(zeros).hexdigest()}"] = zeros

    return _rezip(good, add)


_SHA_CSV = CSV.sha256
BAD_FILES: list[tuple[str, Callable[[bytes], bytes], str]] = [
    ("empty", lambda g: b"", "the file is empty"),
    ("not a zip", lambda g: b"date,leads\n2026-01-01,4\n", "not a zip archive"),
    ("truncated", lambda g: g[: len(g) // 2], "damaged or cut short"),
    ("truncated end", lambda g: g[:-10], "damaged or cut short"),
    (
        "path traversal",
        lambda g: _rezip(g, lambda m: None, extra=(("../evil", b"x"),)),
        "member named ‘../evil’",
    ),
    (
        "absolute path",
        lambda g: _rezip(g, lambda m: None, extra=(("/etc/cron.d/evil", b"x"),)),
        "member named ‘/etc/cron.d/evil’",
    ),
    ("zip bomb", _bomb, "zip bomb"),
    (
        "wrong format",
        lambda g: _rezip(
            g, _manifest(lambda m: m.update(format="excel-export")), fix_manifest=False
        ),
        "the format is ‘excel-export’",
    ),
    (
        "newer format",
        lambda g: _rezip(g, _manifest(lambda m: m.update(version=99)), fix_manifest=False),
        "newer version of KPI Kompas",
    ),
    (
        "no manifest",
        lambda g: _rezip(g, lambda m: m.pop("manifest.json"), fix_manifest=False),
        "no manifest.json",
    ),
    (
        "tampered file",
        lambda g: _rezip(
            g,
            lambda m: m.update({f"files/{_SHA_CSV}": b"date,leads\n2026-01-01,999\n"}),
            fix_manifest=False,
        ),
        f"files/{_SHA_CSV} does not match its SHA-256",
    ),
    (
        "tampered file, manifest too",
        lambda g: _rezip(g, lambda m: m.update({f"files/{_SHA_CSV}": b"other bytes"})),
        f"files/{_SHA_CSV} does not match its SHA-256",
    ),
    (
        "invalid json",
        lambda g: _rezip(g, lambda m: m.update({"workspace.json": b'{"name": "x", '})),
        "workspace.json is not valid JSON",
    ),
    (
        "NaN in json",
        lambda g: _rezip(g, lambda m: m.update({"workspace.json": b'{"name": "x", "v": NaN}'})),
        "workspace.json is not valid JSON",
    ),
    (
        "unknown kpi in a target",
        lambda g: _rezip(g, _doc(lambda d: d["targets"][1].update(kpi="visits"))),
        "target 2: ‘visits’ is not a KPI",
    ),
    (
        "unknown kpi in the selection",
        lambda g: _rezip(g, _doc(lambda d: d["kpis"].update(x=["visits"]))),
        "‘visits’, which is not a KPI",
    ),
    (
        "bad scenario",
        lambda g: _rezip(g, _doc(lambda d: d["scenarios"][0].update(revenue=None))),
        "scenario 1: the revenue",
    ),
    (
        "empty name",
        lambda g: _rezip(g, _doc(lambda d: d.update(name=" "))),
        "needs a name",
    ),
    (
        "nameless file",
        lambda g: _rezip(g, _doc(lambda d: d["files"][0].update(name=""))),
        "file 1 needs a name",
    ),
    (
        "missing file contents",
        lambda g: _rezip(g, lambda m: m.pop(f"files/{_SHA_CSV}")),
        "not in the archive",
    ),
    (
        "active file not in it",
        lambda g: _rezip(g, _doc(lambda d: d.update(active="0123456789abcdef"))),
        "not one of its files",
    ),
]


@pytest.mark.parametrize(("case", "make", "message"), BAD_FILES, ids=[c[0] for c in BAD_FILES])
def test_a_bad_import_names_the_problem_and_changes_nothing(
    store: Store, saved: Workspace, case: str, make: Callable[[bytes], bytes], message: str
) -> None:
    good = store.export_bytes(saved.id)
    before, listed = _counts(store.path), store.list()
    with pytest.raises(InputError, match=message) as caught:
        store.import_bytes(make(good))
    text = str(caught.value)
    assert text.startswith("This workspace file cannot be imported: ")
    assert text.count("cannot be imported") == 1 and "Traceback" not in text
    assert store.list() == listed and _counts(store.path) == before


def test_an_import_over_the_size_limit_is_refused(
    store: Store, saved: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    good = store.export_bytes(saved.id)
    monkeypatch.setattr(store_module, "MAX_TOTAL", 1000)
    with pytest.raises(InputError, match="more than the 1,000 allowed"):
        store.import_bytes(good)
    monkeypatch.setattr(store_module, "MAX_MEMBERS", 2)
    with pytest.raises(InputError, match="4 members, more than the 2 allowed"):
        read_export(good)
    assert [e.id for e in store.list()] == [saved.id]


def test_language_and_currency_are_kept_and_checked(store: Store, saved: Workspace) -> None:
    back = store.load(saved.id)
    assert (back.language, back.currency) == ("da", "DKK")
    moved = store.save(
        replace(back, language="sv", currency="SEK"), expected_revision=back.revision
    )
    assert (store.load(moved.id).language, store.load(moved.id).currency) == ("sv", "SEK")
    copy = store.import_bytes(store.export_bytes(saved.id))
    assert (copy.language, copy.currency) == ("sv", "SEK")
    with pytest.raises(InputError, match="the currency is ‘GBP’, not one of DKK, NOK"):
        store.save(replace(moved, currency="GBP"), expected_revision=moved.revision)
    assert store.load(saved.id).currency == "SEK"  # nothing written


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", "This workspace file cannot be imported: the file is empty."),
        ("da", "Denne arbejdsområdefil kan ikke importeres: filen er tom."),
        ("nb", "Denne arbeidsområdefilen kan ikke importeres: filen er tom."),
        ("sv", "Den här arbetsytefilen kan inte importeras: filen är tom."),
    ],
)
def test_import_errors_read_in_every_language(store: Store, lang: str, expected: str) -> None:
    with pytest.raises(InputError) as caught:
        store.import_bytes(b"")
    assert caught.value.text(lang) == expected


def test_a_nested_problem_is_named_in_the_readers_language(store: Store, saved: Workspace) -> None:
    with pytest.raises(InputError) as caught:
        store.save(replace(saved, capacity={"leads": float("nan")}), expected_revision=1)
    assert str(caught.value) == (
        "The workspace ‘Nordlys Varme’: the capacity for leads is not a finite number."
    )
    assert caught.value.text("da") == (
        "Arbejdsområdet ‘Nordlys Varme’: kapaciteten for leads er ikke et endeligt tal."
    )
