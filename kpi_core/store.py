"""Workspaces that never lose work: an embedded SQLite store, a change log, export and import.

A :class:`Workspace` holds everything a user made, as plain values: the
uploaded files as received (with their sheet, column mapping and CRM columns),
the KPI selection per file, leading/lagging tags, targets, scenarios,
competitor and own benchmark rows, sales capacity and notes.

:class:`Store` keeps workspaces in one SQLite file (``default_path()``):

* every save is one transaction, so a crash or a kill midway leaves the
  previous version intact;
* every save names the revision it started from; when another tab or window
  saved the workspace since, :class:`ConflictError` says so and nothing is
  written;
* each save diffs the targets, the KPI selection and the leading/lagging tags
  against the stored version and records the differences in a change log;
* file contents are stored once per SHA-256, however many workspaces use them;
* deleted workspaces stay recoverable until :meth:`Store.purge`.

:meth:`Store.export_bytes` writes a workspace as one zip file and
:meth:`Store.import_bytes` reads it back as a new workspace, checking the
whole file before anything is written.

The small parts are stored as JSON of plain types (dates as ISO strings);
nothing here imports streamlit.
"""

from __future__ import annotations

import builtins
import datetime as dt
import hashlib
import io
import json
import math
import os
import re
import sqlite3
import struct
import uuid
import zipfile
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, NamedTuple, cast

import platformdirs
import polars as pl

from kpi_core import __version__
from kpi_core.catalogue import KPIS
from kpi_core.i18n import CURRENCIES, LANGUAGES, Msg, t
from kpi_core.issues import InputError
from kpi_core.plan import PLAN_STAGES, Assumptions, Scenario
from kpi_core.targets import Target, from_record, period_bounds, to_record

#: The environment variable naming the folder that holds the database.
ENV_HOME = "KPI_KOMPAS_HOME"
DB_NAME = "kompas.sqlite3"

#: The export format: its name and version are written in ``manifest.json``.
FORMAT = "kpi-kompas-workspace"
FORMAT_VERSION = 1

#: Limits an imported file must stay within (zip bombs, hostile archives).
MAX_MEMBERS = 1_000
MAX_TOTAL = 1 << 30  # 1 GiB unpacked, all members together
MAX_JSON = 64 << 20  # workspace.json and manifest.json
MAX_RATIO = 100  # unpacked size / packed size of one member …
RATIO_FLOOR = 1 << 20  # … checked for members that unpack to more than 1 MiB

#: How long a writer waits for another one to finish (milliseconds).
BUSY_MS = 10_000

ROLES = ("leading", "lagging")
SPLITS = ("even", "seasonal")
SCENARIO_STAGES = ("clicks", *PLAN_STAGES)
MAX_NAME = 200

_SHA = re.compile(r"[0-9a-f]{64}")
_MEMBER_FILE = re.compile(r"files/([0-9a-f]{64})")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def default_path() -> Path:
    """Where the workspace database lives.

    Returns
    -------
    Path
        ``$KPI_KOMPAS_HOME/kompas.sqlite3`` when ``KPI_KOMPAS_HOME`` is set,
        else ``kompas.sqlite3`` in the per-user data folder
        (``~/.local/share/kpi-kompas`` on Linux).
    """
    home = os.environ.get(ENV_HOME, "").strip()
    if home:
        return Path(home).expanduser() / DB_NAME
    return Path(platformdirs.user_data_dir("kpi-kompas", appauthor=False)) / DB_NAME


class ConflictError(InputError):
    """Another tab or window saved the workspace after this copy was loaded.

    Attributes
    ----------
    stored, expected
        The revision in the database and the one the save started from.
    """

    def __init__(self, name: str, *, stored: int, expected: int) -> None:
        self.stored = stored
        self.expected = expected
        params: dict[str, object] = {"name": name, "stored": stored, "expected": expected}
        super().__init__(t("store.conflict", **params), key="store.conflict", params=params)


# -- What a workspace holds ------------------------------------------------------------------


@dataclass(frozen=True)
class StoredFile:
    """One uploaded file, kept as received, with the user's choices about it.

    Parameters
    ----------
    name
        The file name as uploaded.
    data
        The bytes as received.
    sha256
        Hex SHA-256 of ``data``; computed when left empty.
    sheet
        The chosen sheet, ``None`` for the one ingest picks.
    mapping
        Column -> canonical field, ``None`` to accept the suggestions.
    lead_columns
        CRM exports: role -> column, ``None`` for the suggestions.
    sample
        Whether the file is one of the bundled sample files.
    """

    name: str
    data: bytes = field(repr=False)
    sha256: str = ""
    sheet: str | None = None
    mapping: dict[str, str] | None = None
    lead_columns: dict[str, str] | None = None
    sample: bool = False

    def __post_init__(self) -> None:
        if not self.sha256:
            object.__setattr__(self, "sha256", hashlib.sha256(self.data).hexdigest())

    @property
    def key(self) -> str:
        """The file's key in a session and a workspace (as ``ui.session.DataFile.key``)."""
        return self.sha256[:16]


@dataclass(frozen=True)
class Workspace:
    """Everything a user made for one client, as plain values.

    Attributes
    ----------
    id
        uuid4 hex; never reused, import and duplicate make new ones.
    name
        Shown in the picker. :meth:`Store.save` does not change it; use
        :meth:`Store.rename`.
    files
        The uploaded files in upload order.
    active
        The key (:attr:`StoredFile.key`) of the file in use, or ``None``.
    kpis
        File key -> the chosen KPI ids, in order.
    roles
        KPI id -> ``"leading"`` or ``"lagging"``: the user's tags that differ
        from the catalogue.
    targets, scenarios
        Targets with their steps; saved what-if scenarios.
    competitors
        Rows of the competitor table (``{"Competitor": …, "<KPI name>": …}``).
    benchmarks
        The user's own benchmark rows (the columns of the built-in table).
    capacity
        Measure (``"leads"``, ``"sqls"``) -> what sales can handle per month.
    notes
        Free text.
    language
        The app language the workspace is read in (``"da"``), or ``None`` until chosen.
    currency
        The reporting currency of its figures (``"DKK"``), or ``None`` until chosen.
    revision
        Bumped by each save; a save names the revision it started from.
    updated
        ISO timestamp (UTC) of the last save.
    """

    id: str
    name: str
    files: tuple[StoredFile, ...] = ()
    active: str | None = None
    kpis: dict[str, list[str]] = field(default_factory=dict)
    roles: dict[str, str] = field(default_factory=dict)
    targets: tuple[Target, ...] = ()
    scenarios: tuple[Scenario, ...] = ()
    competitors: list[dict[str, Any]] = field(default_factory=list)
    benchmarks: list[dict[str, Any]] = field(default_factory=list)
    capacity: dict[str, float] = field(default_factory=dict)
    notes: str = ""
    language: str | None = None
    currency: str | None = None
    revision: int = 0
    updated: str = ""

    def file(self, key: str) -> StoredFile | None:
        """The file with key ``key``, or ``None``."""
        return next((f for f in self.files if f.key == key), None)

    def fingerprint(self) -> str:
        """A hash of the content (name, files, choices), without id, revision or time.

        Two workspaces with the same fingerprint hold the same work: an autosave
        can skip a save when the fingerprint has not moved since the last one.
        A part that cannot be stored raises ``InputError``.
        """
        content = {
            "name": self.name,
            "files": [_file_record(f) for f in self.files],
            **_parts(self),
        }
        return hashlib.sha256(_dumps(content, canonical=True).encode()).hexdigest()


class Entry(NamedTuple):
    """A workspace in the picker."""

    id: str
    name: str
    updated: str
    revision: int


class Deleted(NamedTuple):
    """A deleted workspace that can still be restored."""

    id: str
    name: str
    deleted_at: str
    revision: int


# -- Plain records -----------------------------------------------------------------------------


def target_to_record(t: Target) -> dict[str, object]:
    """``t`` as plain values: :func:`kpi_core.targets.to_record` plus its baseline."""
    return {**to_record(t), "baseline": t.baseline}


def target_from_record(record: object, *, where: Where = "target") -> Target:
    """A target from :func:`target_to_record`'s form; a bad entry raises ``InputError``."""
    t = from_record(record, where=where)
    base = cast(dict[str, object], record).get("baseline")
    if base is None:
        return t
    return replace(t, baseline=_number(base, _part(where, "baseline")))


def scenario_to_record(s: Scenario) -> dict[str, object]:
    """``s`` as plain JSON-ready values.

    >>> a = Assumptions(("leads", "customers"), (("lead_to_customer", 0.2),))
    >>> scenario_to_record(Scenario("Base", 1e6, "2027", a))["assumptions"]
    {'chain': ['leads', 'customers'], 'values': [['lead_to_customer', 0.2]]}
    """
    return {
        "name": s.name,
        "revenue": s.revenue,
        "period": s.period,
        "split": s.split,
        "assumptions": {
            "chain": list(s.assumptions.chain),
            "values": [[k, v] for k, v in s.assumptions.values],
        },
    }


def scenario_from_record(record: object, *, where: Where = "scenario") -> Scenario:
    """A scenario from :func:`scenario_to_record`'s form; a bad entry raises ``InputError``.

    Parameters
    ----------
    record
        ``{"name", "revenue", "period", "split", "assumptions": {"chain", "values"}}``.
    where
        Names the entry in messages ("workspace.json, scenario 2").
    """
    rec = _dict(record, where, "scenario_fields")
    missing = [k for k in ("name", "revenue", "period", "assumptions") if k not in rec]
    if missing:
        raise _error("missing", where=where, fields=", ".join(missing))
    name = _text(rec["name"], _part(where, "name"), empty=False)
    revenue = _number(rec["revenue"], _part(where, "revenue"))
    period = _text(rec["period"], _part(where, "period"), empty=False)
    try:
        period_bounds(period)
    except InputError as err:
        raise _error("in", where=where, error=err.inner()) from None
    split = rec.get("split", "seasonal")
    if split not in SPLITS:
        raise _error("split", where=where, split=str(split), splits=", ".join(SPLITS))
    a = _dict(rec["assumptions"], _part(where, "assumptions"), "assumption_fields")
    chain = a.get("chain")
    if (
        not isinstance(chain, list)
        or not chain
        or not all(isinstance(c, str) and c in SCENARIO_STAGES for c in chain)
    ):
        raise _error("chain", where=where, stages=", ".join(SCENARIO_STAGES))
    values = a.get("values")
    if not isinstance(values, list) or not all(
        isinstance(v, list) and len(v) == 2 and isinstance(v[0], str) for v in values
    ):
        raise _error("pairs", where=where)
    pairs = tuple((k, _number(v, _part(where, "assumption", name=k))) for k, v in values)
    assumptions = Assumptions(tuple(chain), pairs)
    for k, _ in pairs:
        try:
            assumptions.lever(k)
        except KeyError:
            raise _error("lever", where=where, name=k) from None
    return Scenario(name, revenue, period, assumptions, split)


# -- Validation helpers -----------------------------------------------------------------------
#
# ``where`` names the entry a message is about ("The workspace ‘Acme’, target 2: the
# baseline") as a :class:`~kpi_core.i18n.Msg`, so the whole message reads in the user's
# language; ``str(where)`` is the English.

Where = str | Msg


def _part(where: Where, part: str, **params: object) -> Msg:
    """``{where}: the {part}`` (``store.part.<part>``)."""
    return Msg.of("store.where.part", where=where, part=Msg.of(f"store.part.{part}", **params))


def _item(where: Where, kind: str, n: int) -> Msg:
    """``{where}, target 2`` (``store.where.<kind>``)."""
    return Msg.of(f"store.where.{kind}", where=where, n=str(n))


def _error(key: str, **params: object) -> InputError:
    return InputError.of(f"store.error.{key}", **params)


def _dict(value: object, where: Where, what: str) -> dict[str, Any]:
    """``value`` as a mapping; ``what`` names the expected shape (``store.shape.<what>``)."""
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        raise _error("shape", where=where, what=Msg.of(f"store.shape.{what}"))
    return value


def _text(value: object, where: Where, *, empty: bool = True) -> str:
    if not isinstance(value, str):
        raise _error("not_text", where=where)
    if not empty and not value.strip():
        raise _error("empty", where=where)
    return value


def _number(value: object, where: Where) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _error("not_number", where=where, value=str(value))
    if not math.isfinite(value):
        raise _error("not_finite", where=where)
    return float(value)


def _name(name: object, what: Where | None = None) -> str:
    """A clean name; ``what`` names its owner in messages (a workspace by default)."""
    if not isinstance(name, str) or not name.strip():
        if what is None:
            raise _error("no_workspace_name")
        raise _error("no_name", what=what)
    clean = _CONTROL.sub(" ", name).strip()
    if len(clean) > MAX_NAME:
        if what is None:
            raise _error("workspace_name_long", most=MAX_NAME)
        raise _error("name_long", what=what, most=MAX_NAME)
    return clean


def _str_map(value: object, where: Where) -> dict[str, str] | None:
    if value is None:
        return None
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise _error("names", where=where)
    return dict(value)


def _rows(value: object, where: Where) -> list[dict[str, Any]]:
    """Table rows of plain cells; a non-finite number becomes an empty cell."""
    if not isinstance(value, list | tuple):
        raise _error("rows", where=where)
    out = []
    for i, row in enumerate(value, start=1):
        if not isinstance(row, Mapping) or not all(isinstance(k, str) for k in row):
            raise _error("row", where=_item(where, "row", i))
        clean: dict[str, Any] = {}
        for k, v in row.items():
            if isinstance(v, float) and not math.isfinite(v):
                v = None
            elif isinstance(v, dt.date):  # also datetime
                v = v.isoformat()
            elif v is not None and not isinstance(v, str | int | float):
                raise _error("cell", where=_item(where, "row", i), cell=k)
            clean[k] = v
        out.append(clean)
    return out


def _plain(value: object) -> object:
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} cannot be stored")


def _dumps(value: object, *, canonical: bool = False) -> str:
    try:
        return json.dumps(
            value,
            ensure_ascii=False,
            allow_nan=False,
            sort_keys=canonical,
            separators=(",", ":"),
            default=_plain,
        )
    except (TypeError, ValueError) as err:
        raise _error("unsaveable", error=str(err)) from None


def _loads(text: str | bytes, where: Where) -> Any:
    def refuse(constant: str) -> None:
        raise ValueError(f"{constant} is not a number")

    try:
        return json.loads(text, parse_constant=refuse)
    except (json.JSONDecodeError, UnicodeDecodeError, ValueError, RecursionError) as err:
        raise _error("json", where=where, error=str(err)) from None


# -- The small parts as JSON and back ----------------------------------------------------------


def _parts(ws: Workspace) -> dict[str, Any]:
    """The small parts of ``ws`` as JSON-ready plain values (validated on the way)."""
    where = Msg.of("store.where.workspace", name=ws.name)
    if not isinstance(ws.kpis, Mapping) or not isinstance(ws.roles, Mapping):
        raise _error("kpi_mappings", where=where)
    if not isinstance(ws.capacity, Mapping):
        raise _error("capacity", where=where)
    if any(isinstance(v, str) for v in ws.kpis.values()):
        raise _error("kpi_list", where=where)
    return {
        "active": ws.active,
        "kpis": {str(k): [str(i) for i in v] for k, v in ws.kpis.items()},
        "roles": {str(k): str(v) for k, v in ws.roles.items()},
        "targets": [target_to_record(t) for t in ws.targets],
        "scenarios": [scenario_to_record(s) for s in ws.scenarios],
        "competitors": _rows(ws.competitors, _part(where, "competitors")),
        "benchmarks": _rows(ws.benchmarks, _part(where, "benchmarks")),
        "capacity": {
            str(k): _number(v, _part(where, "capacity_for", name=str(k)))
            for k, v in ws.capacity.items()
        },
        "notes": ws.notes,
        "language": _choice(ws.language, LANGUAGES, _part(where, "language")),
        "currency": _choice(ws.currency, CURRENCIES, _part(where, "currency")),
    }


def _choice(value: object, allowed: Sequence[str], where: Where) -> str | None:
    if value is None or value in allowed:
        return value  # type: ignore[return-value]
    raise _error("choice", where=where, value=str(value), allowed=", ".join(allowed))


def _parse_parts(obj: Mapping[str, Any], where: Where) -> dict[str, Any]:
    """The small parts from their JSON form, every entry checked; keys as on :class:`Workspace`."""
    kpis_in = _dict(obj.get("kpis", {}), _part(where, "kpis"), "lists_by_file")
    kpis: dict[str, list[str]] = {}
    for key, ids in kpis_in.items():
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            raise _error("kpi_list_of", where=where, file=key)
        unknown = [i for i in ids if i not in KPIS]
        if unknown:
            raise _error("kpi_unknown", where=where, name=unknown[0])
        kpis[key] = list(ids)
    roles = _dict(obj.get("roles", {}), _part(where, "tags"), "tags")
    for k, role in roles.items():
        if k not in KPIS:
            raise _error("tag_unknown", where=where, name=k)
        if role not in ROLES:
            raise _error("tag_value", where=where, name=k, role=str(role))
    targets_in = obj.get("targets", [])
    if not isinstance(targets_in, list):
        raise _error("not_list", where=_part(where, "targets"))
    targets = tuple(
        target_from_record(r, where=_item(where, "target", i))
        for i, r in enumerate(targets_in, start=1)
    )
    ids = [t.id for t in targets]
    if len(set(ids)) != len(ids):
        raise _error("target_ids", where=where)
    scenarios_in = obj.get("scenarios", [])
    if not isinstance(scenarios_in, list):
        raise _error("not_list", where=_part(where, "scenarios"))
    scenarios = tuple(
        scenario_from_record(r, where=_item(where, "scenario", i))
        for i, r in enumerate(scenarios_in, start=1)
    )
    names = [sc.name for sc in scenarios]
    if len(set(names)) != len(names):
        raise _error("scenario_names", where=where)
    capacity_in = _dict(obj.get("capacity", {}), _part(where, "capacity"), "numbers")
    capacity = {k: _number(v, _part(where, "capacity_for", name=k)) for k, v in capacity_in.items()}
    active = obj.get("active")
    if active is not None and not isinstance(active, str):
        raise _error("active_key", where=where)
    return {
        "active": active,
        "kpis": kpis,
        "roles": dict(roles),
        "targets": targets,
        "scenarios": scenarios,
        "competitors": _rows(obj.get("competitors", []), _part(where, "competitors")),
        "benchmarks": _rows(obj.get("benchmarks", []), _part(where, "benchmarks")),
        "capacity": capacity,
        "notes": _text(obj.get("notes", ""), _part(where, "notes")),
        "language": _choice(obj.get("language"), LANGUAGES, _part(where, "language")),
        "currency": _choice(obj.get("currency"), CURRENCIES, _part(where, "currency")),
    }


def _file_record(f: StoredFile) -> dict[str, object]:
    return {
        "name": f.name,
        "sha256": f.sha256,
        "sheet": f.sheet,
        "mapping": f.mapping,
        "lead_columns": f.lead_columns,
        "sample": bool(f.sample),
    }


def _check_files(files: Sequence[StoredFile], where: Where) -> tuple[StoredFile, ...]:
    seen: set[str] = set()
    out = []
    for i, f in enumerate(files, start=1):
        if not isinstance(f, StoredFile):
            raise _error("stored_file", where=where, n=str(i))
        name = _name(f.name, _part(where, "file", n=str(i)))
        if not isinstance(f.sha256, str) or not _SHA.fullmatch(f.sha256):
            raise _error("file_sha", where=where, name=name)
        if f.sha256 in seen:
            raise _error("file_twice", where=where, name=name)
        seen.add(f.sha256)
        if f.sheet is not None and not isinstance(f.sheet, str):
            raise _error("file_sheet", where=where, name=name)
        out.append(
            replace(
                f,
                name=name,
                mapping=_str_map(f.mapping, _part(where, "mapping_of", name=name)),
                lead_columns=_str_map(f.lead_columns, _part(where, "crm_of", name=name)),
                sample=bool(f.sample),
            )
        )
    return tuple(out)


def _check_active(active: str | None, files: Sequence[StoredFile], where: Where) -> None:
    if active is not None and active not in {f.key for f in files}:
        raise _error("active_file", where=where, file_key=active)


def _diff(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[tuple[str, str, Any, Any]]:
    """Change-log rows ``(kind, what, before, after)`` between two JSON forms of the parts."""
    out: list[tuple[str, str, Any, Any]] = []
    before = {r["id"]: r for r in old.get("targets", []) if isinstance(r, dict) and "id" in r}
    after = {r["id"]: r for r in new.get("targets", [])}
    for tid, rec in after.items():
        if tid not in before:
            out.append(("target added", tid, None, rec))
        elif _dumps(before[tid], canonical=True) != _dumps(rec, canonical=True):
            out.append(("target changed", tid, before[tid], rec))
    out += [("target removed", tid, rec, None) for tid, rec in before.items() if tid not in after]
    for kind, part in (("kpi selection changed", "kpis"), ("role changed", "roles")):
        a, b = old.get(part, {}), new.get(part, {})
        for key in dict.fromkeys([*a, *b]):
            if a.get(key) != b.get(key):
                out.append((kind, key, a.get(key), b.get(key)))
    return out


# -- The store -----------------------------------------------------------------------------------


def _migration_1(conn: sqlite3.Connection) -> None:
    """The first schema: workspaces, files, blobs stored once, the change log."""
    for statement in (
        """CREATE TABLE workspaces (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            revision INTEGER NOT NULL,
            created TEXT NOT NULL,
            updated TEXT NOT NULL,
            deleted_at TEXT,
            payload TEXT NOT NULL
        )""",
        """CREATE TABLE blobs (
            sha256 TEXT PRIMARY KEY,
            size INTEGER NOT NULL,
            data BLOB NOT NULL
        )""",
        """CREATE TABLE files (
            workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            sha256 TEXT NOT NULL REFERENCES blobs(sha256),
            name TEXT NOT NULL,
            sheet TEXT,
            mapping TEXT,
            lead_columns TEXT,
            sample INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (workspace_id, position)
        )""",
        "CREATE INDEX files_by_blob ON files(sha256)",
        """CREATE TABLE changes (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
            at TEXT NOT NULL,
            kind TEXT NOT NULL,
            what TEXT NOT NULL,
            "before" TEXT,
            "after" TEXT,
            note TEXT NOT NULL DEFAULT ''
        )""",
        "CREATE INDEX changes_by_workspace ON changes(workspace_id, id)",
    ):
        conn.execute(statement)


#: Schema migrations in order: the database's ``user_version`` is how many have run.
#: Append a function to change the schema; never edit one that has shipped.
def _migration_2(conn: sqlite3.Connection) -> None:
    """Workspaces belong to an owner: on a shared server each user sees only their own."""
    conn.execute("ALTER TABLE workspaces ADD COLUMN owner TEXT NOT NULL DEFAULT 'local'")
    conn.execute("CREATE INDEX workspaces_by_owner ON workspaces(owner, updated)")


MIGRATIONS: tuple[Callable[[sqlite3.Connection], None], ...] = (_migration_1, _migration_2)

#: The owner of every workspace when nobody is logged in (one user per server).
LOCAL_OWNER = "local"


@contextmanager
def _immediate(conn: sqlite3.Connection) -> Iterator[None]:
    """A write transaction taken at once: committed when the block ends, else rolled back."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


class Store:
    """Workspaces in one SQLite database.

    Each call opens its own connection, so one ``Store`` can serve several
    threads (Streamlit sessions) and several processes can share the file.

    Parameters
    ----------
    path
        The database file; :func:`default_path` when ``None``. Its folder is
        created when missing.
    clock
        Returns the current time (UTC); tests pass a fixed one.
    owner
        Whose workspaces this store shows: every read and write is limited
        to them, so an id from a URL never opens another user's workspace.
        ``"local"`` when the server has one user.

    Raises
    ------
    InputError
        The file cannot be opened, is not a database, or was made by a newer
        version of KPI Kompas.
    """

    def __init__(
        self,
        path: Path | str | None = None,
        *,
        clock: Callable[[], dt.datetime] | None = None,
        owner: str = LOCAL_OWNER,
    ) -> None:
        self.path = Path(path) if path is not None else default_path()
        if not owner:
            raise _error("owner")
        self.owner = owner
        self._clock = clock or (lambda: dt.datetime.now(dt.UTC))
        #: Test hook: called inside a save's transaction, after the writes, before COMMIT.
        self._before_commit: Callable[[], None] | None = None
        self._migrate()

    # -- connections and transactions

    def _now(self) -> str:
        return self._clock().astimezone(dt.UTC).isoformat(timespec="seconds")

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=BUSY_MS / 1000, isolation_level=None)
        except (OSError, sqlite3.Error) as err:
            raise _error("db_open", path=str(self.path), error=str(err), env=ENV_HOME) from None
        try:
            conn.row_factory = sqlite3.Row
            conn.execute(f"PRAGMA busy_timeout = {BUSY_MS}")
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA synchronous = FULL")
            yield conn
        except sqlite3.OperationalError as err:
            text = str(err)
            if "locked" in text or "busy" in text:
                raise _error("db_busy", path=str(self.path)) from err
            raise _error("db_failed", path=str(self.path), error=text) from err
        except sqlite3.DatabaseError as err:
            raise _error("db_damaged", path=str(self.path), error=str(err), env=ENV_HOME) from err
        finally:
            conn.close()

    def _check_version(self, conn: sqlite3.Connection) -> int:
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        if version > len(MIGRATIONS):
            raise _error(
                "db_newer",
                path=str(self.path),
                schema=str(version),
                known=str(len(MIGRATIONS)),
                env=ENV_HOME,
            )
        return version

    def _migrate(self) -> None:
        with self._connect() as conn:
            version = self._check_version(conn)
            if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                conn.execute("PRAGMA journal_mode = WAL")
            if version == len(MIGRATIONS):
                return
            with _immediate(conn):
                version = self._check_version(conn)  # another process may have migrated
                for n in range(version, len(MIGRATIONS)):
                    MIGRATIONS[n](conn)
                    conn.execute(f"PRAGMA user_version = {n + 1}")

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: all of it is stored, or none of it."""
        with self._connect() as conn, _immediate(conn):
            if self._check_version(conn) != len(MIGRATIONS):
                raise _error("db_schema", path=str(self.path))
            yield conn
            if self._before_commit is not None:
                self._before_commit()

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        """One read transaction: a consistent snapshot of every table."""
        with self._connect() as conn:
            conn.execute("BEGIN")
            try:
                yield conn
            finally:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")

    # -- rows

    def _row(
        self, conn: sqlite3.Connection, ws_id: str, *, deleted: bool | None = False
    ) -> sqlite3.Row:
        """The owner's workspace row; ``deleted``: False live only, True deleted only, None either.

        Another owner's workspace is "no such workspace": its existence is not revealed.
        """
        row = conn.execute(
            "SELECT id, name, revision, created, updated, deleted_at, payload "
            "FROM workspaces WHERE id = ? AND owner = ?",
            (str(ws_id), self.owner),
        ).fetchone()
        if row is None or (deleted is not None and (row["deleted_at"] is not None) != deleted):
            raise _error("no_such_deleted" if deleted else "no_such", id=str(ws_id))
        return cast(sqlite3.Row, row)

    @staticmethod
    def _files(conn: sqlite3.Connection, ws_id: str) -> tuple[StoredFile, ...]:
        rows = conn.execute(
            "SELECT f.name, b.data, f.sha256, f.sheet, f.mapping, f.lead_columns, f.sample "
            "FROM files f JOIN blobs b ON b.sha256 = f.sha256 "
            "WHERE f.workspace_id = ? ORDER BY f.position",
            (ws_id,),
        ).fetchall()
        return tuple(
            StoredFile(
                name=r[0],
                data=bytes(r[1]),
                sha256=r[2],
                sheet=r[3],
                mapping=json.loads(r[4]) if r[4] is not None else None,
                lead_columns=json.loads(r[5]) if r[5] is not None else None,
                sample=bool(r[6]),
            )
            for r in rows
        )

    @staticmethod
    def _put_files(
        conn: sqlite3.Connection, ws_id: str, files: Sequence[StoredFile], where: Where
    ) -> None:
        """Replace the workspace's file rows; store each content once; drop unused ones."""
        old = {
            r[0] for r in conn.execute("SELECT sha256 FROM files WHERE workspace_id = ?", (ws_id,))
        }
        conn.execute("DELETE FROM files WHERE workspace_id = ?", (ws_id,))
        for position, f in enumerate(files):
            if conn.execute("SELECT 1 FROM blobs WHERE sha256 = ?", (f.sha256,)).fetchone() is None:
                if hashlib.sha256(f.data).hexdigest() != f.sha256:
                    raise _error("contents", where=where, name=f.name)
                conn.execute(
                    "INSERT INTO blobs (sha256, size, data) VALUES (?, ?, ?)",
                    (f.sha256, len(f.data), f.data),
                )
            conn.execute(
                "INSERT INTO files (workspace_id, position, sha256, name, sheet, mapping, "
                "lead_columns, sample) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    ws_id,
                    position,
                    f.sha256,
                    f.name,
                    f.sheet,
                    _dumps(f.mapping) if f.mapping is not None else None,
                    _dumps(f.lead_columns) if f.lead_columns is not None else None,
                    int(f.sample),
                ),
            )
        for sha in old - {f.sha256 for f in files}:
            conn.execute(
                "DELETE FROM blobs WHERE sha256 = ? "
                "AND NOT EXISTS (SELECT 1 FROM files WHERE sha256 = ?)",
                (sha, sha),
            )

    @staticmethod
    def _log(
        conn: sqlite3.Connection,
        ws_id: str,
        at: str,
        rows: Sequence[tuple[str, str, Any, Any]],
        note: str,
    ) -> None:
        conn.executemany(
            'INSERT INTO changes (workspace_id, at, kind, what, "before", "after", note) '
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    ws_id,
                    at,
                    kind,
                    what,
                    _dumps(before) if before is not None else None,
                    _dumps(after) if after is not None else None,
                    note,
                )
                for kind, what, before, after in rows
            ],
        )

    def _insert(self, conn: sqlite3.Connection, ws: Workspace, parts: Mapping[str, Any]) -> None:
        conn.execute(
            "INSERT INTO workspaces (id, name, revision, created, updated, deleted_at, payload, "
            "owner) VALUES (?, ?, ?, ?, ?, NULL, ?, ?)",
            (ws.id, ws.name, ws.revision, ws.updated, ws.updated, _dumps(parts), self.owner),
        )
        self._put_files(conn, ws.id, ws.files, f"The workspace ‘{ws.name}’")

    # -- the API

    def create(
        self, name: str, *, language: str | None = None, currency: str | None = None
    ) -> Workspace:
        """A new, empty workspace (revision 0).

        Parameters
        ----------
        name
            Shown in the picker; names need not be unique.
        language, currency
            What it is read in, from its first moment (a tab that opens it before its
            first save sees them too).
        """
        ws = Workspace(
            id=uuid.uuid4().hex,
            name=_name(name),
            language=language,
            currency=currency,
            revision=0,
            updated=self._now(),
        )
        with self._write() as conn:
            self._insert(conn, ws, _parts(ws))
        return ws

    def list(self) -> builtins.list[Entry]:
        """The workspaces that are not deleted, the most recently saved first."""
        with self._read() as conn:
            rows = conn.execute(
                "SELECT id, name, updated, revision FROM workspaces "
                "WHERE deleted_at IS NULL AND owner = ? ORDER BY updated DESC, name, id",
                (self.owner,),
            ).fetchall()
        return [Entry(*r) for r in rows]

    def load(self, ws_id: str) -> Workspace:
        """The workspace ``ws_id`` as last saved.

        Raises
        ------
        InputError
            No such workspace, or it was deleted.
        """
        with self._read() as conn:
            return self._load(conn, ws_id)

    def _load(self, conn: sqlite3.Connection, ws_id: str) -> Workspace:
        row = self._row(conn, ws_id)
        files = self._files(conn, row["id"])
        where = Msg.of("store.where.workspace", name=row["name"])
        parts = _parse_parts(_dict(_loads(row["payload"], where), where, "readable"), where)
        return Workspace(
            id=row["id"],
            name=row["name"],
            files=files,
            revision=row["revision"],
            updated=row["updated"],
            **parts,
        )

    @staticmethod
    def _log_rows(conn: sqlite3.Connection, ws_id: str) -> builtins.list[tuple[Any, ...]]:
        rows = conn.execute(
            'SELECT at, kind, what, "before", "after", note FROM changes '
            "WHERE workspace_id = ? ORDER BY id",
            (ws_id,),
        ).fetchall()
        return [tuple(r) for r in rows]

    def save(self, ws: Workspace, *, expected_revision: int, note: str = "") -> Workspace:
        """Store ``ws`` in one transaction, unless someone else saved it since.

        Parameters
        ----------
        ws
            The workspace as the user has it now. Its name is not saved (see
            :meth:`rename`); the stored one is returned.
        expected_revision
            The revision this copy was loaded or last saved at.
        note
            Why the change was made; written on each change-log row of this save.

        Returns
        -------
        Workspace
            ``ws`` at revision ``expected_revision + 1`` with the save's time,
            exactly as :meth:`load` will return it (an ``active`` key that is
            not one of the files becomes ``None``).

        Raises
        ------
        ConflictError
            The stored revision is not ``expected_revision``: another tab or
            window saved the workspace since. Nothing is written.
        InputError
            No such workspace, it was deleted, or a part cannot be stored.
        """
        where = Msg.of("store.where.workspace", name=ws.name)
        files = _check_files(ws.files, where)
        if ws.active is not None and ws.file(ws.active) is None:
            ws = replace(ws, active=None)  # the active file was removed: none is active
        parts = _parts(ws)
        text = _dumps(parts)
        clean = _parse_parts(json.loads(text), where)  # what load will give back
        with self._write() as conn:
            row = conn.execute(
                "SELECT name, revision, deleted_at, payload FROM workspaces "
                "WHERE id = ? AND owner = ?",
                (ws.id, self.owner),
            ).fetchone()
            if row is None:
                raise _error("no_such_save", id=ws.id)
            name, stored, deleted_at, old_payload = row
            if deleted_at is not None:
                raise _error("deleted", name=name)
            if stored != expected_revision:
                raise ConflictError(name, stored=stored, expected=expected_revision)
            now = self._now()
            conn.execute(
                "UPDATE workspaces SET revision = ?, updated = ?, payload = ? WHERE id = ?",
                (stored + 1, now, text, ws.id),
            )
            self._put_files(conn, ws.id, files, where)
            self._log(conn, ws.id, now, _diff(json.loads(old_payload), parts), note)
        return replace(ws, name=name, files=files, revision=stored + 1, updated=now, **clean)

    def rename(self, ws_id: str, name: str) -> None:
        """Rename a workspace (recorded in the change log; the revision stays)."""
        new = _name(name)
        with self._write() as conn:
            row = self._row(conn, ws_id)
            if row["name"] == new:
                return
            now = self._now()
            conn.execute(
                "UPDATE workspaces SET name = ?, updated = ? WHERE id = ?", (new, now, row["id"])
            )
            self._log(conn, row["id"], now, [("renamed", row["id"], row["name"], new)], "")

    def duplicate(self, ws_id: str, name: str) -> Workspace:
        """A copy of everything in ``ws_id`` under a new id: a template for the next client.

        The copy starts at revision 0 with an empty change log; file contents
        are shared, not copied.
        """
        new_name = _name(name)
        new_id = uuid.uuid4().hex
        with self._write() as conn:
            row = self._row(conn, ws_id)
            now = self._now()
            conn.execute(
                "INSERT INTO workspaces (id, name, revision, created, updated, deleted_at, "
                "payload, owner) VALUES (?, ?, 0, ?, ?, NULL, ?, ?)",
                (new_id, new_name, now, now, row["payload"], self.owner),
            )
            conn.execute(
                "INSERT INTO files (workspace_id, position, sha256, name, sheet, mapping, "
                "lead_columns, sample) SELECT ?, position, sha256, name, sheet, mapping, "
                "lead_columns, sample FROM files WHERE workspace_id = ?",
                (new_id, row["id"]),
            )
        return self.load(new_id)

    def delete(self, ws_id: str) -> None:
        """Move a workspace to the deleted ones; :meth:`restore` brings it back."""
        with self._write() as conn:
            row = self._row(conn, ws_id)
            conn.execute(
                "UPDATE workspaces SET deleted_at = ? WHERE id = ?", (self._now(), row["id"])
            )

    def restore(self, ws_id: str) -> None:
        """Bring a deleted workspace back, as it was when deleted."""
        with self._write() as conn:
            row = self._row(conn, ws_id, deleted=True)
            conn.execute("UPDATE workspaces SET deleted_at = NULL WHERE id = ?", (row["id"],))

    def deleted(self) -> builtins.list[Deleted]:
        """The deleted workspaces that can still be restored, the most recent first."""
        with self._read() as conn:
            rows = conn.execute(
                "SELECT id, name, deleted_at, revision FROM workspaces "
                "WHERE deleted_at IS NOT NULL AND owner = ? ORDER BY deleted_at DESC, name, id",
                (self.owner,),
            ).fetchall()
        return [Deleted(*r) for r in rows]

    def purge(self, older_than_days: float = 30) -> int:
        """Remove for good the workspaces deleted at least ``older_than_days`` ago.

        Returns
        -------
        int
            How many workspaces were removed.
        """
        cutoff = (self._clock() - dt.timedelta(days=older_than_days)).astimezone(dt.UTC)
        with self._write() as conn:
            ids = [
                r[0]
                for r in conn.execute(
                    "SELECT id FROM workspaces WHERE deleted_at IS NOT NULL AND deleted_at <= ?",
                    (cutoff.isoformat(timespec="seconds"),),
                )
            ]
            for ws_id in ids:
                conn.execute("DELETE FROM changes WHERE workspace_id = ?", (ws_id,))
                conn.execute("DELETE FROM files WHERE workspace_id = ?", (ws_id,))
                conn.execute("DELETE FROM workspaces WHERE id = ?", (ws_id,))
            if ids:
                conn.execute("DELETE FROM blobs WHERE sha256 NOT IN (SELECT sha256 FROM files)")
        return len(ids)

    def changes(self, ws_id: str) -> pl.DataFrame:
        """The change log of a workspace, oldest first.

        Returns
        -------
        polars.DataFrame
            ``at`` (ISO time), ``kind`` (``"target added"``, ``"target changed"``,
            ``"target removed"``, ``"kpi selection changed"``, ``"role changed"``,
            ``"renamed"``), ``what`` (target id, file key, KPI id or workspace
            id), ``before`` and ``after`` (JSON text, null when absent) and
            ``note``.
        """
        with self._read() as conn:
            row = self._row(conn, ws_id, deleted=None)
            rows = self._log_rows(conn, row["id"])
        return pl.DataFrame(
            rows,
            schema={c: pl.String for c in ("at", "kind", "what", "before", "after", "note")},
            orient="row",
        )

    # -- export and import

    def export_bytes(self, ws_id: str) -> bytes:
        """The workspace as one file: a zip of ``workspace.json``, its files and a manifest.

        ``manifest.json`` holds the format name (``"kpi-kompas-workspace"``), its
        version and the SHA-256 of every other member; ``files/<sha256>`` hold
        the uploaded files as received. The change log travels with it.
        """
        with self._read() as conn:  # the workspace and its log from one snapshot
            ws = self._load(conn, ws_id)
            log = self._log_rows(conn, ws.id)
        document = {
            "name": ws.name,
            "revision": ws.revision,
            "updated": ws.updated,
            "files": [_file_record(f) for f in ws.files],
            **_parts(ws),
            "changes": [
                {
                    "at": at,
                    "kind": kind,
                    "what": what,
                    "before": json.loads(before) if before is not None else None,
                    "after": json.loads(after) if after is not None else None,
                    "note": note,
                }
                for at, kind, what, before, after, note in log
            ],
        }
        members: dict[str, bytes] = {"workspace.json": _dumps(document).encode("utf-8")}
        for f in ws.files:
            members[f"files/{f.sha256}"] = f.data
        manifest = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "app": f"kpi-kompas {__version__}",
            "exported": self._now(),
            "members": {n: hashlib.sha256(d).hexdigest() for n, d in members.items()},
        }
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as zf:
            zf.writestr("manifest.json", _dumps(manifest), compress_type=zipfile.ZIP_DEFLATED)
            for n, d in members.items():
                # Workbooks are zips already: packing them again only costs time.
                packed = d[:4] == b"PK\x03\x04"
                zf.writestr(
                    n, d, compress_type=zipfile.ZIP_STORED if packed else zipfile.ZIP_DEFLATED
                )
        return out.getvalue()

    def import_bytes(self, data: bytes, *, name: str | None = None) -> Workspace:
        """A new workspace from a file made by :meth:`export_bytes`.

        The whole file is checked before anything is written; a bad, truncated
        or hostile file raises ``InputError`` and leaves the database as it was.
        The workspace always gets a new id (revision 0); the change log is kept.

        Parameters
        ----------
        data
            The file's bytes.
        name
            The new workspace's name; the exported one when ``None``.
        """
        ws, log = read_export(data)
        ws = replace(ws, id=uuid.uuid4().hex, revision=0, updated=self._now())
        if name is not None:
            ws = replace(ws, name=_name(name))
        with self._write() as conn:
            self._insert(conn, ws, _parts(ws))
            conn.executemany(
                'INSERT INTO changes (workspace_id, at, kind, what, "before", "after", note) '
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        ws.id,
                        c["at"],
                        c["kind"],
                        c["what"],
                        _dumps(c["before"]) if c["before"] is not None else None,
                        _dumps(c["after"]) if c["after"] is not None else None,
                        c["note"],
                    )
                    for c in log
                ],
            )
        return ws


# -- Reading an export -------------------------------------------------------------------------


def _refuse(reason: str | InputError, **params: object) -> InputError:
    """ "This workspace file cannot be imported: …" with the reason ``store.refuse.<reason>``."""
    if isinstance(reason, InputError):
        if reason.key == "store.error.refused":
            return reason
        why: object = reason.inner()
    else:
        why = Msg.of(f"store.refuse.{reason}", **params)
    return _error("refused", reason=why)


def read_export(data: bytes) -> tuple[Workspace, builtins.list[dict[str, Any]]]:
    """The workspace and change log in an exported file, every part checked; nothing is stored.

    Returns
    -------
    tuple
        The workspace (its id and revision are the exported ones; import
        gives it new ones) and the change-log rows.

    Raises
    ------
    InputError
        One sentence naming what is wrong: not a zip, damaged, a member
        outside the format, too big or too compressed, another format or a
        newer version, a file whose SHA-256 does not match, JSON that does not
        parse, or an entry that is not valid (a target on an unknown KPI …).
    """
    if not isinstance(data, bytes | bytearray | memoryview) or not len(data):
        raise _refuse("empty")
    data = bytes(data)
    if data[:4] not in (b"PK\x03\x04", b"PK\x05\x06"):
        raise _refuse("not_zip")
    # The central directory's entry count, before zipfile builds an object per entry.
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - 65_557))
    if end >= 0 and len(data) >= end + 12:
        (entries,) = struct.unpack("<H", data[end + 10 : end + 12])
        if entries > MAX_MEMBERS:
            raise _refuse("members", count=str(entries), most=str(MAX_MEMBERS))
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            contents = _read_members(zf)
    except InputError:
        raise
    except NotImplementedError as err:
        raise _refuse("zip_feature", error=str(err)) from None
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, RuntimeError) as err:
        raise _refuse("damaged", error=str(err)) from None

    try:
        doc = _dict(
            _loads(contents.pop("workspace.json"), "workspace.json"),
            "workspace.json",
            "workspace",
        )
        ws, log = _document(doc, contents)
    except InputError as err:
        raise _refuse(err) from None
    return ws, log


def _read_members(zf: zipfile.ZipFile) -> dict[str, bytes]:
    """Every member checked against the limits and the manifest; name -> bytes."""
    infos = zf.infolist()
    if len(infos) > MAX_MEMBERS:
        raise _refuse("members", count=str(len(infos)), most=str(MAX_MEMBERS))
    names = [i.filename for i in infos]
    for n in names:
        if n not in ("manifest.json", "workspace.json") and not _MEMBER_FILE.fullmatch(n):
            raise _refuse("member_name", name=n[:80])
    if len(set(names)) != len(names):
        raise _refuse("member_twice")
    if "manifest.json" not in names or "workspace.json" not in names:
        raise _refuse("no_manifest")
    total = 0
    for info in infos:
        if info.flag_bits & 0x1:
            raise _refuse("encrypted", name=info.filename)
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise _refuse("method", name=info.filename)
        total += info.file_size
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise _refuse("bomb", name=info.filename, ratio=str(MAX_RATIO))
        if not info.filename.startswith("files/") and info.file_size > MAX_JSON:
            raise _refuse("large", name=info.filename, mib=str(MAX_JSON >> 20))
    if total > MAX_TOTAL:
        raise _refuse("total", size=total, most=MAX_TOTAL)

    by_name = {i.filename: i for i in infos}
    try:
        manifest = _dict(
            _loads(_member(zf, by_name["manifest.json"]), "manifest.json"),
            "manifest.json",
            "manifest",
        )
    except InputError as err:
        raise _refuse(err) from None
    if manifest.get("format") != FORMAT:
        raise _refuse("format", found=str(manifest.get("format")), wanted=FORMAT)
    version = manifest.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise _refuse("version", version=str(version))
    if version > FORMAT_VERSION:
        raise _refuse("newer", version=str(version), known=str(FORMAT_VERSION))
    listed = manifest.get("members")
    if not isinstance(listed, dict) or not all(
        isinstance(v, str) and _SHA.fullmatch(v) for v in listed.values()
    ):
        raise _refuse("manifest_sha")
    present = set(names) - {"manifest.json"}
    if set(listed) != present:
        odd = sorted(set(listed) ^ present)
        raise _refuse("disagree", name=odd[0][:80])
    out: dict[str, bytes] = {}
    for n in sorted(present):
        content = _member(zf, by_name[n])
        digest = hashlib.sha256(content).hexdigest()
        m = _MEMBER_FILE.fullmatch(n)
        if digest != listed[n] or (m and digest != m.group(1)):
            raise _refuse("sha", name=n)
        out[n] = content
    return out


def _member(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """A member's bytes, never more than its declared size (zipfile also checks the CRC)."""
    parts, size = [], 0
    with zf.open(info) as fh:
        while chunk := fh.read(1 << 20):
            size += len(chunk)
            if size > info.file_size:
                raise _refuse("declared", name=info.filename)
            parts.append(chunk)
    return b"".join(parts)


def _document(
    doc: Mapping[str, Any], blobs: Mapping[str, bytes]
) -> tuple[Workspace, builtins.list[dict[str, Any]]]:
    where = "workspace.json"
    name = _name(doc.get("name"), Msg.of("store.where.exported"))
    files_in = doc.get("files", [])
    if not isinstance(files_in, list):
        raise _error("not_list", where=_part(where, "files"))
    files = []
    for i, rec in enumerate(files_in, start=1):
        at_file = _item(where, "file", i)
        r = _dict(rec, at_file, "file_fields")
        sha = r.get("sha256")
        if not isinstance(sha, str) or f"files/{sha}" not in blobs:
            raise _error("not_in_archive", where=at_file)
        sheet = r.get("sheet")
        if sheet is not None and not isinstance(sheet, str):
            raise _error("sheet_name", where=at_file)
        sample = r.get("sample", False)
        if not isinstance(sample, bool):
            raise _error("sample_flag", where=at_file)
        files.append(
            StoredFile(
                name=_name(r.get("name"), at_file),
                data=blobs[f"files/{sha}"],
                sha256=sha,
                sheet=sheet,
                mapping=_str_map(r.get("mapping"), _part(at_file, "mapping")),
                lead_columns=_str_map(r.get("lead_columns"), _part(at_file, "crm")),
                sample=sample,
            )
        )
    checked = _check_files(files, where)
    unused = sorted(set(blobs) - {f"files/{f.sha256}" for f in checked})
    if unused:
        raise _error("unused", where=where, name=unused[0])
    parts = _parse_parts(doc, where)
    _check_active(parts["active"], checked, where)
    log_in = doc.get("changes", [])
    if not isinstance(log_in, list):
        raise _error("not_list", where=_part(where, "changes"))
    log = []
    for i, rec in enumerate(log_in, start=1):
        at_change = _item(where, "change", i)
        r = _dict(rec, at_change, "change_row")
        at = _text(r.get("at"), _part(at_change, "time"), empty=False)
        try:
            dt.datetime.fromisoformat(at)
        except ValueError:
            raise _error("time", where=at_change, value=at[:40]) from None
        log.append(
            {
                "at": at,
                "kind": _text(r.get("kind"), _part(at_change, "kind"), empty=False),
                "what": _text(r.get("what"), _part(at_change, "what")),
                "before": r.get("before"),
                "after": r.get("after"),
                "note": _text(r.get("note", ""), _part(at_change, "note")),
            }
        )
    revision = doc.get("revision", 0)
    ws = Workspace(
        id=uuid.uuid4().hex,
        name=name,
        files=checked,
        revision=revision if isinstance(revision, int) and not isinstance(revision, bool) else 0,
        updated=str(doc.get("updated") or ""),
        **parts,
    )
    return ws, log
