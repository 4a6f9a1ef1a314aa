"""The session's workspace: saved as the user works, back after a refresh or a restart.

A session is bound to one workspace of the store (:mod:`kpi_core.store`). At the
start of a session :func:`ensure` loads it (the one in the URL's ``?ws=``, else
the user's latest, else a new copy of the sample workspace) into
``st.session_state``; after every run :func:`autosave` writes what changed, in
one transaction, naming the revision it started from, so a second tab that saved
in between is detected instead of overwritten.

Per-tab view state (period length and period) lives in the URL, so a refresh
brings the same page back without one tab's view overwriting another's.
"""

from __future__ import annotations

import os
from dataclasses import replace
from typing import Any

import streamlit as st

from kpi_core.issues import InputError
from kpi_core.store import LOCAL_OWNER, ConflictError, Store, StoredFile, Workspace
from kpi_core.targets import load_targets
from ui import lang, session

WS = "kk_ws"
_REV = "kk_ws_rev"
_FP = "kk_ws_fp"
_NAME = "kk_ws_name"
PROBLEM = "kk_ws_problem"
NOTICE = "kk_ws_notice"
NOTES = "kk_ws_notes"
#: Why the next save happens, when the app (not the user) made the change.
NOTE_KEY = "kk_ws_next_note"
CAPACITY = "kk_capacity"
_KPI_SHADOW = "kk_ws_kpis"
_KPIS_PREFIX = "kk_kpis_"
#: Per-tab view state kept in the URL: session key -> query parameter.
VIEW_PARAMS = {"kk_period_kind": "period", "kk_period_at": "at"}


#: The request header an authenticating proxy puts the user in (e.g. ``X-Forwarded-Email``
#: from oauth2-proxy). Only set it when every request passes that proxy, which must drop
#: the header from what clients send: the app trusts it.
USER_HEADER_ENV = "KPI_KOMPAS_USER_HEADER"


def owner() -> str:
    """Whose workspaces these are.

    The ``st.login`` user's e-mail; else the user the authenticating proxy names (see
    :data:`USER_HEADER_ENV`); else ``"local"``: without a login the server has one user,
    and everyone who reaches it shares that user's workspaces (README, "Deploying").
    """
    user = st.user
    if getattr(user, "is_logged_in", False):
        return str(user.get("email") or user.get("sub") or LOCAL_OWNER)
    header = os.environ.get(USER_HEADER_ENV, "").strip()
    if header:
        named = (st.context.headers or {}).get(header, "").strip()
        if not named:
            st.error(lang.t("workspace_ui.proxy_required", header=header))
            st.stop()
        return f"proxy:{named.lower()}"
    return LOCAL_OWNER


def store() -> Store:
    """The user's view of the store (a new object per call: it holds no user data)."""
    return Store(owner=owner())


def _sample(s: Store) -> Workspace:
    """A new workspace holding the sample files and targets, for a first visit."""
    files = []
    for name in session.SAMPLE_FILES:
        path = session.SAMPLE_DIR / name
        if path.is_file():
            files.append(StoredFile(name=name, data=path.read_bytes(), sample=True))
    targets_path = session.SAMPLE_DIR / session.SAMPLE_TARGETS
    targets = (
        tuple(load_targets(targets_path.read_text(encoding="utf-8"), source=targets_path.name))
        if targets_path.is_file()
        else ()
    )
    # Named in the language of the session that creates it, like its notes.
    ws = s.create(lang.t("workspace_ui.sample_name"), currency="DKK")
    filled = Workspace(
        id=ws.id,
        name=ws.name,
        files=tuple(files),
        active=files[0].key if files else None,
        targets=targets,
        # The made-up installer is Danish: its figures are in kroner whatever the language.
        currency="DKK",
        # Written once, in the language of the session that creates it.
        notes=lang.t("workspace_ui.sample_notes"),
    )
    return s.save(filled, expected_revision=ws.revision)


def ensure() -> None:
    """Bind the session to a workspace, once per session."""
    if WS in st.session_state:
        return
    s = store()
    ws: Workspace | None = None
    wanted = st.query_params.get("ws")
    if wanted:
        try:
            ws = s.load(wanted)
        except InputError:
            # A catalogue key: shown in the language of the run that shows it.
            st.session_state[NOTICE] = "workspace_ui.link_missing"
    if ws is None:
        entries = s.list()
        ws = s.load(entries[0].id) if entries else _sample(s)
    open_workspace(ws)
    kind = st.query_params.get("period")
    if kind in ("month", "quarter", "year"):
        st.session_state["kk_period_kind"] = kind
        at = st.query_params.get("at")
        if at:
            st.session_state["kk_period_at"] = at
            # The period belongs to the open file: the picker keeps it instead of resetting.
            st.session_state["kk_period_at__dataset"] = st.session_state.get(session.ACTIVE)


def _workspace_keys() -> list[str]:
    """Session keys that hold a workspace's work (cleared when another one opens)."""
    keep = {NOTICE, lang.LANG, lang.CURRENCY, *VIEW_PARAMS}
    return [k for k in st.session_state if str(k).startswith("kk_") and k not in keep]


def open_workspace(ws: Workspace) -> None:
    """Put ``ws`` in the session, replacing whatever workspace was there."""
    for key in _workspace_keys():
        del st.session_state[key]
    lang.restore(ws.language, ws.currency)
    st.session_state[session.FILES] = {
        f.key: session.DataFile(
            name=f.name,
            data=f.data,
            sha256=f.sha256,
            sheet=f.sheet,
            mapping=dict(f.mapping) if f.mapping is not None else None,
            lead_columns=dict(f.lead_columns) if f.lead_columns is not None else None,
            sample=f.sample,
        )
        for f in ws.files
    }
    st.session_state[session.ACTIVE] = ws.active or next(
        iter(st.session_state[session.FILES]), None
    )
    st.session_state[session.TARGETS] = {t.id: t for t in ws.targets}
    st.session_state[session.SCENARIOS] = {sc.name: sc for sc in ws.scenarios}
    st.session_state[session.ROLES] = dict(ws.roles)
    st.session_state[session.COMPETITORS] = [dict(r) for r in ws.competitors]
    st.session_state[session.OWN_BENCHMARKS] = [dict(r) for r in ws.benchmarks]
    st.session_state[CAPACITY] = dict(ws.capacity)
    st.session_state[NOTES] = ws.notes
    st.session_state[_KPI_SHADOW] = {k: list(v) for k, v in ws.kpis.items()}
    for key, ids in ws.kpis.items():
        st.session_state[f"{_KPIS_PREFIX}{key}"] = list(ids)
    st.session_state[WS] = ws.id
    st.session_state[_NAME] = ws.name
    st.session_state[_REV] = ws.revision
    st.session_state[_FP] = snapshot().fingerprint()
    st.query_params["ws"] = ws.id


def current_id() -> str | None:
    return st.session_state.get(WS)


def current_name() -> str:
    return st.session_state.get(_NAME, "")


def snapshot() -> Workspace:
    """The session's work as a :class:`~kpi_core.store.Workspace` (nothing is written)."""
    # A KPI selection is a widget's state, which Streamlit drops on pages that do not
    # show it: remember each one while it is there.
    shadow: dict[str, list[str]] = st.session_state.setdefault(_KPI_SHADOW, {})
    for key in list(st.session_state):
        if str(key).startswith(_KPIS_PREFIX) and isinstance(st.session_state[key], list):
            shadow[str(key)[len(_KPIS_PREFIX) :]] = list(st.session_state[key])
    files = st.session_state.get(session.FILES, {})
    return Workspace(
        id=st.session_state.get(WS, ""),
        name=st.session_state.get(_NAME, "") or lang.t("workspace_ui.default_name"),
        files=tuple(
            StoredFile(
                name=f.name,
                data=f.data,
                sha256=f.sha256,
                sheet=f.sheet,
                mapping=f.mapping,
                lead_columns=f.lead_columns,
                sample=f.sample,
            )
            for f in files.values()
        ),
        active=st.session_state.get(session.ACTIVE),
        kpis={k: v for k, v in shadow.items() if k in files},
        roles=dict(st.session_state.get(session.ROLES, {})),
        targets=tuple(st.session_state.get(session.TARGETS, {}).values()),
        scenarios=tuple(st.session_state.get(session.SCENARIOS, {}).values()),
        competitors=_rows(st.session_state.get(session.COMPETITORS, [])),
        benchmarks=_rows(st.session_state.get(session.OWN_BENCHMARKS, [])),
        capacity=dict(st.session_state.get(CAPACITY, {})),
        notes=str(st.session_state.get(NOTES, "")),
        language=lang.current(),
        currency=lang.currency(),
        revision=st.session_state.get(_REV, 0),
    )


def _rows(rows: Any) -> list[dict[str, Any]]:
    """Table rows as plain values (a data editor may hand back NaN for an empty cell)."""
    out = []
    for r in rows or []:
        out.append({k: (None if isinstance(v, float) and v != v else v) for k, v in r.items()})
    return out


def autosave(*, note: str = "") -> None:
    """Save the session's work when it changed since the last save; runs after every run.

    A conflict (another tab saved first) or a failed save is kept in
    ``st.session_state[PROBLEM]`` for :func:`show_problem`; nothing the user has
    in this tab is dropped.
    """
    if WS not in st.session_state or st.session_state.get(PROBLEM):
        return
    try:
        ws = snapshot()
        fingerprint = ws.fingerprint()
        if fingerprint == st.session_state.get(_FP):
            return
        # A page may say why it changed something on its own (e.g. steps it set).
        why = note or st.session_state.get(NOTE_KEY, "")
        saved = store().save(ws, expected_revision=st.session_state[_REV], note=why)
        st.session_state.pop(NOTE_KEY, None)
    except ConflictError as err:
        st.session_state[PROBLEM] = ("conflict", err)
        return
    except InputError as err:
        st.session_state[PROBLEM] = ("failed", err)
        return
    st.session_state[_REV] = saved.revision
    st.session_state[_FP] = fingerprint


def sync_view() -> None:
    """Write the tab's view (period length and period) into the URL."""
    for key, param in VIEW_PARAMS.items():
        value = st.session_state.get(key)
        if value and st.query_params.get(param) != value:
            st.query_params[param] = value


def show_problem() -> None:
    """Say why the last change was not saved, and offer the ways out; keeps the user's work."""
    notice = st.session_state.pop(NOTICE, None)
    if notice:
        st.info(lang.t("workspace_ui.link_missing"), icon=":material/info:")
    problem = st.session_state.get(PROBLEM)
    if not problem:
        return
    kind, err = problem
    # The error itself, so it is worded in the language of the run that shows it.
    message = err.text(lang.current()) if isinstance(err, InputError) else str(err)
    if kind == "conflict":
        text = lang.t("workspace_ui.not_saved_conflict", message=message)
    else:
        text = lang.t("workspace_ui.not_saved", message=message)
    st.error(text, icon=":material/sync_problem:")
    keep, load = st.columns(2)
    if keep.button(lang.t("workspace_ui.keep_mine"), key="kk_ws_keep_mine", icon=":material/add:"):
        _keep_as_copy()
        st.rerun()
    if load.button(
        lang.t("workspace_ui.load_saved"), key="kk_ws_load_saved", icon=":material/sync:"
    ):
        reload()
        st.rerun()


def _keep_as_copy() -> None:
    mine = snapshot()
    s = store()
    fresh = s.create(lang.t("workspace_ui.my_copy", name=current_name()))
    saved = s.save(replace(mine, id=fresh.id, name=fresh.name, revision=0), expected_revision=0)
    st.session_state.pop(PROBLEM, None)
    open_workspace(saved)


def reload() -> None:
    """Open the saved version of the current workspace (or the latest one if it is gone)."""
    st.session_state.pop(PROBLEM, None)
    s = store()
    try:
        ws = s.load(st.session_state[WS])
    except InputError:
        entries = s.list()
        ws = s.load(entries[0].id) if entries else _sample(s)
    open_workspace(ws)


def switch(ws_id: str) -> None:
    """Save this workspace, then open ``ws_id``."""
    autosave()
    if st.session_state.get(PROBLEM):
        return  # the user must first decide what happens to the unsaved work
    open_workspace(store().load(ws_id))


def picker(*, key: str) -> None:
    """Choose among the user's workspaces (in the sidebar)."""
    entries = store().list()
    ids = [e.id for e in entries]
    names = {e.id: e.name for e in entries}
    current = current_id()
    if current not in ids:
        return
    st.session_state[key] = current

    def choose() -> None:
        chosen = st.session_state[key]
        if chosen != current_id():
            switch(chosen)

    st.selectbox(
        lang.t("workspace_ui.picker"),
        ids,
        format_func=lambda i: names.get(i, i),
        key=key,
        on_change=choose,
        help=lang.t("workspace_ui.picker_help"),
    )
