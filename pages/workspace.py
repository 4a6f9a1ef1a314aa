"""Workspace: one per client. Create, rename, duplicate, delete; notes, change log, export."""

from __future__ import annotations

import datetime as dt
import json

import polars as pl
import streamlit as st

from kpi_core.catalogue import KPIS
from kpi_core.export import Report, build_report, changes_frame, render, slug
from kpi_core.i18n import period_name
from kpi_core.ingest import load_table
from kpi_core.issues import InputError
from kpi_core.mapping import apply_mapping
from kpi_core.store import Store
from ui import frame, loaders, session, widgets, workspace

frame.ensure()
st.title("Workspace")


def _build(args: dict) -> Report:
    """The report of one file, from the values a download captured (no session needed)."""
    table = load_table(args["data"], source=args["name"], sheet=args["sheet"])
    changes = [
        {**r, "before": _json(r["before"]), "after": _json(r["after"])} for r in args["changes"]
    ]
    return build_report(
        apply_mapping(table.frame, args["mapping"]),
        source=args["name"],
        mapping=args["mapping"],
        period=args["period"],
        at=args["at"],
        kpis=args["kpis"],
        targets=args["targets"],
        competitors=args["competitors"],
        own_benchmarks=args["own"],
        roles=args["roles"],
        changes=changes_frame(changes) if changes else None,
        title=args["title"],
    )


def _json(text: str | None) -> object:
    return json.loads(text) if text else None


s = workspace.store()
current = workspace.current_id()
entries = s.list()
if current is None or current not in [e.id for e in entries]:
    st.error("This session has no workspace open. Reload the page to open your latest one.")
    st.stop()
entry = next(e for e in entries if e.id == current)


def _when(iso: str) -> str:
    """An ISO time (UTC) as the reader's day and time."""
    try:
        moment = dt.datetime.fromisoformat(iso).astimezone()
    except ValueError:
        return iso
    return f"{moment:%-d %b %Y, %H:%M}"


st.markdown(
    f"**{entry.name}** · saved {_when(entry.updated)} · {entry.revision} saves. "
    "Everything you do is saved as you go: files, column mappings, KPIs and their tags, "
    "targets, scenarios, benchmark and competitor rows, sales capacity and notes."
)
st.caption(
    f"Stored in {s.path} on this machine. A refresh or a restart brings you back here; "
    "the link in the address bar opens this workspace."
)

# -- Notes ------------------------------------------------------------------------------------


def _keep_notes() -> None:
    st.session_state[workspace.NOTES] = st.session_state["kk_ws_notes_editor"]


st.text_area(
    "Notes",
    value=st.session_state.get(workspace.NOTES, ""),
    key="kk_ws_notes_editor",
    on_change=_keep_notes,
    height=110,
    placeholder="Workshop notes, decisions, what to look at next quarter …",
)

# -- Workspaces -------------------------------------------------------------------------------
st.subheader("Your workspaces")
st.dataframe(
    pl.DataFrame(
        {
            "Workspace": [e.name + ("  (open)" if e.id == current else "") for e in entries],
            "Last saved": [_when(e.updated) for e in entries],
            "Saves": [e.revision for e in entries],
        }
    ),
    hide_index=True,
    width="stretch",
)
new_col, rename_col, copy_col, delete_col = st.columns(4)
with new_col, st.popover("New", icon=":material/add:", width="stretch"):
    name = st.text_input("Name", key="kk_ws_new_name", placeholder="e.g. Client name")
    if st.button("Create and open", key="kk_ws_create", type="primary"):
        try:
            workspace.autosave()
            workspace.open_workspace(s.create(name))
            st.rerun()
        except InputError as err:
            st.error(str(err))
with rename_col, st.popover("Rename", icon=":material/edit:", width="stretch"):
    new_name = st.text_input("New name", value=entry.name, key="kk_ws_rename_to")
    if st.button("Rename", key="kk_ws_rename", type="primary"):
        try:
            s.rename(current, new_name)
            st.session_state["kk_ws_name"] = new_name.strip()
            st.rerun()
        except InputError as err:
            st.error(str(err))
with copy_col, st.popover("Duplicate", icon=":material/content_copy:", width="stretch"):
    st.caption("A copy of everything here, to start the next client from this one.")
    copy_name = st.text_input(
        "Name of the copy", value=f"{entry.name} (copy)", key="kk_ws_copy_name"
    )
    if st.button("Duplicate and open", key="kk_ws_duplicate", type="primary"):
        try:
            workspace.autosave()
            workspace.open_workspace(s.duplicate(current, copy_name))
            st.rerun()
        except InputError as err:
            st.error(str(err))
with delete_col, st.popover("Delete", icon=":material/delete:", width="stretch"):
    st.caption(f"‘{entry.name}’ moves to the deleted workspaces; you can restore it for 30 days.")
    sure = st.checkbox("Yes, delete it", key="kk_ws_delete_sure")
    if st.button("Delete", key="kk_ws_delete", disabled=not sure):
        workspace.autosave()
        s.delete(current)
        workspace.reload()
        st.rerun()

s.purge(older_than_days=30)
gone = s.deleted()
if gone:
    with st.expander(f"Deleted workspaces ({len(gone)})"):
        for d in gone:
            c1, c2 = st.columns([3, 1], vertical_alignment="center")
            c1.markdown(f"{d.name} · deleted {_when(d.deleted_at)}")
            if c2.button("Restore", key=f"kk_ws_restore_{d.id}"):
                s.restore(d.id)
                st.rerun()

# -- Change log -------------------------------------------------------------------------------
st.subheader("What changed")
log = s.changes(current)


def _say(kind: str, what: str, before: str | None, after: str | None) -> str:
    """One change in words: which target or KPI selection, from what to what."""
    b = json.loads(before) if before else None
    a = json.loads(after) if after else None
    if kind.startswith("target"):
        rec = a or b or {}
        name = KPIS[rec["kpi"]].name if rec.get("kpi") in KPIS else rec.get("kpi", what)
        head = f"{name}, {rec.get('period', '')}"
        if kind == "target changed" and a and b and a.get("value") != b.get("value"):
            return f"{head}: {b.get('value'):,} → {a.get('value'):,}"
        return head
    if kind == "kpi selection changed":

        def names(ids: list[str] | None) -> str:
            return ", ".join(KPIS[i].name for i in ids or [] if i in KPIS) or "none"

        return f"{names(b)} → {names(a)}"
    if kind == "role changed":
        return (
            f"{KPIS[what].name if what in KPIS else what}: {b or 'catalogue'} → {a or 'catalogue'}"
        )
    if kind == "renamed":
        return f"{b} → {a}"
    return what


_KIND_WORDS = {
    "target added": "Target added",
    "target changed": "Target changed",
    "target removed": "Target removed",
    "kpi selection changed": "KPI selection changed",
    "role changed": "Leading/lagging tag changed",
    "renamed": "Workspace renamed",
}

if log.is_empty():
    st.caption(
        "Nothing has changed yet. Every change to a target, the KPI selection or a KPI's "
        "leading/lagging tag is listed here with its time, for the quarterly review."
    )
else:
    shown = log.reverse().with_columns(
        pl.col("at").map_elements(_when, return_dtype=pl.String).alias("When"),
        pl.struct("kind", "what", "before", "after")
        .map_elements(
            lambda r: _say(r["kind"], r["what"], r["before"], r["after"]), return_dtype=pl.String
        )
        .alias("Change"),
        pl.col("kind")
        .replace_strict(_KIND_WORDS, default=pl.col("kind"), return_dtype=pl.String)
        .alias("What"),
    )
    st.dataframe(
        shown.select("When", "What", "Change", pl.col("note").alias("Why")),
        hide_index=True,
        width="stretch",
    )

# -- A report to keep ------------------------------------------------------------------------
st.subheader("A report to keep")
active = session.active_file()
if active is None:
    st.caption("Upload a file on the Data page to make a report.")
else:
    kind, at_label = widgets.current_period()
    v = loaders.view(active)
    if isinstance(v, loaders.Failure):
        st.error(f"{active.name}: {v.message}")
    else:
        mapping = loaders.mapping_for(active, v)
        report_args = {
            "data": active.data,
            "name": active.name,
            "sheet": active.sheet,
            "mapping": dict(mapping),
            "period": kind,
            "at": at_label,
            "kpis": st.session_state.get(f"kk_kpis_{active.key}"),
            "targets": tuple(session.targets().values()),
            "competitors": [dict(r) for r in st.session_state.get(session.COMPETITORS, [])],
            "own": [dict(r) for r in st.session_state.get(session.OWN_BENCHMARKS, [])],
            "roles": dict(session.role_overrides()),
            "changes": log.to_dicts(),
            "title": f"KPI report: {entry.name}",
        }
        st.caption(
            f"{active.name}, {period_name(at_label) if at_label else 'the latest period'}: the "
            "scorecard, funnel, leading vs lagging, benchmarks (with the source of every "
            "figure), targets and pacing, the change log and how the numbers were made."
        )

        def _report(suffix: str, args: dict = report_args) -> bytes:
            # Runs on its own thread when clicked: only the values captured above.
            return render(_build(args), suffix)

        base = slug(entry.name, default="report")
        formats = (
            ("Excel workbook", ".xlsx", "report", "table_view", "xlsx",
             "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            ("Printable page (HTML, print to PDF)", ".html", "report", "print", "html",
             "text/html"),
            ("Charts as PNG (zip)", ".zip", "charts", "image", "png", "application/zip"),
        )  # fmt: skip
        for column, (label, suffix, what, icon, key, mime) in zip(
            st.columns(len(formats)), formats, strict=True
        ):
            column.download_button(
                label,
                # Bound now: the download runs later, on its own thread.
                data=lambda suffix=suffix: _report(suffix),
                file_name=f"{base}-{what}{suffix}",
                mime=mime,
                icon=f":material/{icon}:",
                key=f"kk_ws_report_{key}",
                width="stretch",
            )

# -- Move between machines -------------------------------------------------------------------
st.subheader("Take it with you")
st.caption(
    "One file with everything in this workspace, the uploaded files as received included. "
    "Import it on another machine, or give it to the client."
)
owner, path, ws_id, file_name = workspace.owner(), s.path, current, entry.name


def _export() -> bytes:
    # Runs on its own thread when clicked: only the values captured above, no session.
    return Store(path, owner=owner).export_bytes(ws_id)


slug = "".join(ch if ch.isalnum() else "-" for ch in file_name.lower()).strip("-") or "workspace"
st.download_button(
    "Export this workspace",
    data=_export,
    file_name=f"{slug}.kpikompas",
    mime="application/zip",
    icon=":material/download:",
    key="kk_ws_export",
)


def _import() -> None:
    upload = st.session_state.get("kk_ws_import")
    if upload is None:
        return
    try:
        ws = workspace.store().import_bytes(upload.getvalue())
    except InputError as err:
        st.session_state["kk_ws_import_error"] = f"{upload.name}: {err}"
        return
    workspace.autosave()
    workspace.open_workspace(ws)
    st.session_state["kk_ws_import_done"] = (
        f"Imported ‘{ws.name}’ from {upload.name}; it is open now."
    )


st.file_uploader(
    "Import a workspace file",
    type=["kpikompas", "zip"],
    key="kk_ws_import",
    on_change=_import,
    help="A file exported from KPI Kompas. It becomes a new workspace; nothing here changes.",
)
if message := st.session_state.pop("kk_ws_import_error", None):
    st.error(
        f"{message} Nothing was changed. Check that it is a file exported from KPI Kompas.",
        icon=":material/error:",
    )
if message := st.session_state.pop("kk_ws_import_done", None):
    st.success(message, icon=":material/check:")
