"""What one browser session holds: its files, the active one, and their mappings.

Everything per user lives in ``st.session_state`` (never in module globals or
``st.cache_resource``), so sessions never see each other's data.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import streamlit as st

from kpi_core.issues import InputError
from kpi_core.plan import Scenario
from kpi_core.targets import Target, load_targets

SAMPLE_DIR = Path(__file__).resolve().parent.parent / "sample_data"
#: The sample workspace a newcomer opens on: the first file is the active one.
SAMPLE_FILES = (
    "nordlys_marketing.xlsx",
    "crm_leads.csv",
    "ordrer.csv",
    "nps_svar.csv",
    "csat_svar.csv",
    "supportsager.csv",
)

FILES = "kk_files"
ACTIVE = "kk_active"


@dataclass
class DataFile:
    """One uploaded file, kept as received, with the user's choices about it."""

    name: str
    data: bytes = field(repr=False)
    sha256: str = ""
    sheet: str | None = None  # None: the sheet ingest picks
    mapping: dict[str, str] | None = None  # None: accept the suggestions
    lead_columns: dict[str, str] | None = None  # CRM exports: role -> column; None: suggested
    sample: bool = False

    def __post_init__(self) -> None:
        if not self.sha256:
            self.sha256 = hashlib.sha256(self.data).hexdigest()

    @property
    def key(self) -> str:
        """Identifies the file in the session (same bytes, same key)."""
        return self.sha256[:16]


def files() -> dict[str, DataFile]:
    """The session's files by key, opening on the sample workspace."""
    if FILES not in st.session_state:
        st.session_state[FILES] = {}
        for name in SAMPLE_FILES:
            path = SAMPLE_DIR / name
            if path.is_file():
                add_file(DataFile(name=name, data=path.read_bytes(), sample=True), activate=False)
        if st.session_state[FILES]:
            st.session_state[ACTIVE] = next(iter(st.session_state[FILES]))
    return st.session_state[FILES]


def add_file(file: DataFile, *, activate: bool = True) -> DataFile:
    """Add a file (or return the one already there with the same bytes)."""
    store = st.session_state.setdefault(FILES, {})
    existing = store.get(file.key)
    if existing is None:
        store[file.key] = file
        existing = file
    if activate:
        st.session_state[ACTIVE] = existing.key
    return existing


def remove_file(key: str) -> None:
    store = files()
    store.pop(key, None)
    if st.session_state.get(ACTIVE) == key:
        st.session_state[ACTIVE] = next(iter(store), None)


def active_file() -> DataFile | None:
    store = files()
    key = st.session_state.get(ACTIVE)
    if key not in store:
        key = next(iter(store), None)
        st.session_state[ACTIVE] = key
    return store.get(key) if key else None


def set_active(key: str) -> None:
    if key in files():
        st.session_state[ACTIVE] = key


ROLES = "kk_roles"
#: The Benchmarks page's tables: competitors' figures and the user's own benchmark rows.
COMPETITORS = "kk_competitors"
OWN_BENCHMARKS = "kk_benchmark_rows"


def role_overrides() -> dict[str, str]:
    """The user's leading/lagging tags that differ from the catalogue, by KPI id."""
    return st.session_state.setdefault(ROLES, {})


def kpi_role(kpi_id: str, default: str) -> str:
    """Leading or lagging: the user's tag if they changed it, else the catalogue's."""
    return role_overrides().get(kpi_id, default)


TARGETS = "kk_targets"
SCENARIOS = "kk_scenarios"
SAMPLE_TARGETS = "targets.json"


def targets() -> dict[str, Target]:
    """The workspace's targets by id; the sample workspace opens with its own."""
    if TARGETS not in st.session_state:
        st.session_state[TARGETS] = {}
        files()  # the sample targets belong with the sample files
        path = SAMPLE_DIR / SAMPLE_TARGETS
        if any(f.sample for f in files().values()) and path.is_file():
            try:
                loaded = load_targets(path.read_text(encoding="utf-8"), source=path.name)
            except InputError:
                loaded = []  # a broken sample must not stop the app; its test catches it
            st.session_state[TARGETS] = {t.id: t for t in loaded}
    return st.session_state[TARGETS]


def put_target(t: Target) -> None:
    targets()[t.id] = t


def remove_target(target_id: str) -> None:
    targets().pop(target_id, None)


def scenarios() -> dict[str, Scenario]:
    """The workspace's saved what-if scenarios by name."""
    return st.session_state.setdefault(SCENARIOS, {})
