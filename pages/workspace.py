"""Workspace: one per client. Create, rename, duplicate, delete; notes, change log, export."""

from __future__ import annotations

import datetime as dt
import json

import polars as pl
import streamlit as st

from kpi_core.catalogue import KPIS
from kpi_core.export import Report, build_report, change_kind, changes_frame, render, slug
from kpi_core.ingest import load_table
from kpi_core.issues import InputError
from kpi_core.mapping import apply_mapping
from kpi_core.store import Store
from ui import frame, lang, loaders, session, widgets, workspace

frame.ensure()
st.title(lang.t("page.workspace"))


def _build(args: dict) -> Report:
    """The report of one file, from the values a download captured (no session needed)."""
    table = load_table(args["data"], source=args["name"], sheet=args["sheet"])
    locale, currency = args["locale"], args["currency"]
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
        changes=changes_frame(changes, locale=locale, currency=currency) if changes else None,
        title=args["title"],
        locale=locale,
        currency=currency,
    )


def _json(text: str | None) -> object:
    return json.loads(text) if text else None


s = workspace.store()
current = workspace.current_id()
entries = s.list()
if current is None or current not in [e.id for e in entries]:
    st.error(lang.t("workspace.none_open"))
    st.stop()
entry = next(e for e in entries if e.id == current)


def _when(iso: str) -> str:
    """An ISO time (UTC) as the reader's day and time."""
    try:
        moment = dt.datetime.fromisoformat(iso).astimezone()
    except ValueError:
        return iso
    return lang.t("workspace.moment", day=lang.day(moment.date()), time=f"{moment:%H:%M}")


st.markdown(
    lang.t(
        "workspace.saved",
        count=entry.revision,
        name=entry.name,
        when=_when(entry.updated),
    )
)
st.caption(lang.t("workspace.stored", path=str(s.path)))

# -- Notes ------------------------------------------------------------------------------------


def _keep_notes() -> None:
    st.session_state[workspace.NOTES] = st.session_state["kk_ws_notes_editor"]


st.text_area(
    lang.t("workspace.notes"),
    value=st.session_state.get(workspace.NOTES, ""),
    key="kk_ws_notes_editor",
    on_change=_keep_notes,
    height=110,
    placeholder=lang.t("workspace.notes_placeholder"),
)

# -- Workspaces -------------------------------------------------------------------------------
st.subheader(lang.t("workspace.yours"))
st.dataframe(
    pl.DataFrame(
        {
            lang.t("workspace.col_workspace"): [
                lang.t("workspace.open_name", name=e.name) if e.id == current else e.name
                for e in entries
            ],
            lang.t("workspace.col_saved"): [_when(e.updated) for e in entries],
            lang.t("workspace.col_saves"): [lang.number(e.revision) for e in entries],
        }
    ),
    hide_index=True,
    width="stretch",
)
new_col, rename_col, copy_col, delete_col = st.columns(4)
with new_col, st.popover(lang.t("workspace.new"), icon=":material/add:", width="stretch"):
    name = st.text_input(
        lang.t("workspace.name"),
        key="kk_ws_new_name",
        placeholder=lang.t("workspace.name_placeholder"),
    )
    if st.button(lang.t("workspace.create"), key="kk_ws_create", type="primary"):
        try:
            workspace.autosave()
            workspace.open_workspace(
                s.create(name, language=lang.current(), currency=lang.currency())
            )
            st.rerun()
        except InputError as err:
            st.error(err.text(lang.current()))
with rename_col, st.popover(lang.t("workspace.rename"), icon=":material/edit:", width="stretch"):
    new_name = st.text_input(lang.t("workspace.new_name"), value=entry.name, key="kk_ws_rename_to")
    if st.button(lang.t("workspace.rename"), key="kk_ws_rename", type="primary"):
        try:
            s.rename(current, new_name)
            st.session_state["kk_ws_name"] = new_name.strip()
            st.rerun()
        except InputError as err:
            st.error(err.text(lang.current()))
with (
    copy_col,
    st.popover(lang.t("workspace.duplicate"), icon=":material/content_copy:", width="stretch"),
):
    st.caption(lang.t("workspace.duplicate_help"))
    copy_name = st.text_input(
        lang.t("workspace.copy_name"),
        value=lang.t("workspace.copy_of", name=entry.name),
        key="kk_ws_copy_name",
    )
    if st.button(lang.t("workspace.duplicate_open"), key="kk_ws_duplicate", type="primary"):
        try:
            workspace.autosave()
            workspace.open_workspace(s.duplicate(current, copy_name))
            st.rerun()
        except InputError as err:
            st.error(err.text(lang.current()))
with delete_col, st.popover(lang.t("workspace.delete"), icon=":material/delete:", width="stretch"):
    st.caption(lang.t("workspace.delete_help", name=entry.name, days=30))
    sure = st.checkbox(lang.t("workspace.delete_sure"), key="kk_ws_delete_sure")
    if st.button(lang.t("workspace.delete"), key="kk_ws_delete", disabled=not sure):
        workspace.autosave()
        s.delete(current)
        workspace.reload()
        st.rerun()

s.purge(older_than_days=30)
gone = s.deleted()
if gone:
    with st.expander(lang.t("workspace.deleted", count=len(gone))):
        for d in gone:
            c1, c2 = st.columns([3, 1], vertical_alignment="center")
            c1.markdown(lang.t("workspace.deleted_at", name=d.name, when=_when(d.deleted_at)))
            if c2.button(lang.t("workspace.restore"), key=f"kk_ws_restore_{d.id}"):
                s.restore(d.id)
                st.rerun()

# -- Change log -------------------------------------------------------------------------------
st.subheader(lang.t("workspace.changes"))
log = s.changes(current)


def _say(kind: str, what: str, before: str | None, after: str | None) -> str:
    """One change in words: which target or KPI selection, from what to what."""
    loc = lang.current()
    kind = kind.replace(" ", "_")  # the store's kinds as ids: ``target_changed``
    b = json.loads(before) if before else None
    a = json.loads(after) if after else None
    if kind.startswith("target"):
        rec = a or b or {}
        name = KPIS[rec["kpi"]].label(loc) if rec.get("kpi") in KPIS else rec.get("kpi", what)
        head = lang.t(
            "workspace.change.target", kpi=name, period=lang.period(str(rec.get("period", "")))
        )
        if kind == "target_changed" and a and b and a.get("value") != b.get("value"):
            return lang.t(
                "workspace.change.target_value",
                kpi=name,
                period=lang.period(str(rec.get("period", ""))),
                before=_amount(b.get("value"), rec.get("kpi")),
                after=_amount(a.get("value"), rec.get("kpi")),
            )
        return head
    if kind == "kpi_selection_changed":

        def names(ids: list[str] | None) -> str:
            chosen = [KPIS[i].label(loc) for i in ids or [] if i in KPIS]
            return ", ".join(chosen) or lang.t("workspace.change.none")

        return lang.t("workspace.change.from_to", before=names(b), after=names(a))
    if kind == "role_changed":
        kpi = KPIS[what].label(loc) if what in KPIS else what
        return lang.t("workspace.change.role", kpi=kpi, before=_role_word(b), after=_role_word(a))
    if kind == "renamed":
        return lang.t("workspace.change.from_to", before=str(b), after=str(a))
    return what


def _amount(value: object, kpi_id: object) -> str:
    """A target's value as the language writes it, in the KPI's unit."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return lang.value(float(value), KPIS[kpi_id].unit if kpi_id in KPIS else "count")
    return str(value)


def _role_word(role: object) -> str:
    """A leading/lagging tag in words; none is the catalogue's own tag."""
    if role in ("leading", "lagging"):
        return lang.t(f"role.{role}")
    return lang.t("workspace.change.catalogue") if not role else str(role)


if log.is_empty():
    st.caption(lang.t("workspace.no_changes"))
else:
    # Plain loops, not polars UDFs: those run off the script's thread, without the session.
    rows = log.reverse().to_dicts()
    st.dataframe(
        pl.DataFrame(
            {
                lang.t("workspace.col_when"): [_when(r["at"]) for r in rows],
                lang.t("workspace.col_what"): [
                    change_kind(r["kind"], locale=lang.current(), heading=True) for r in rows
                ],
                lang.t("workspace.col_change"): [
                    _say(r["kind"], r["what"], r["before"], r["after"]) for r in rows
                ],
                lang.t("workspace.col_why"): [r["note"] or "" for r in rows],
            },
            schema=dict.fromkeys(
                [lang.t(f"workspace.col_{c}") for c in ("when", "what", "change", "why")],
                pl.String,
            ),
        ),
        hide_index=True,
        width="stretch",
    )

# -- A report to keep ------------------------------------------------------------------------
st.subheader(lang.t("workspace.report"))
active = session.active_file()
if active is None:
    st.caption(lang.t("workspace.report_no_file"))
else:
    kind, at_label = widgets.current_period()
    v = loaders.view(active)
    if isinstance(v, loaders.Failure):
        st.error(lang.t("workspace.file_error", name=active.name, error=v.text(lang.current())))
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
            "title": lang.t("workspace.report_title", name=entry.name),
            # The report speaks the language the user reads, in the workspace's currency.
            "locale": lang.current(),
            "currency": lang.currency(),
        }
        when = lang.period(at_label) if at_label else lang.t("workspace.latest_period")
        st.caption(lang.t("workspace.report_about", name=active.name, when=when))

        def _report(suffix: str, args: dict = report_args) -> bytes:
            # Runs on its own thread when clicked: only the values captured above.
            return render(_build(args), suffix)

        base = slug(entry.name, default="report")
        formats = (
            (lang.t("workspace.download_xlsx"), ".xlsx", "report", "table_view", "xlsx",
             "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            (lang.t("workspace.download_html"), ".html", "report", "print", "html",
             "text/html"),
            (lang.t("workspace.download_zip"), ".zip", "charts", "image", "png",
             "application/zip"),
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
st.subheader(lang.t("workspace.take_along"))
st.caption(lang.t("workspace.take_along_help"))
owner, path, ws_id, file_name = workspace.owner(), s.path, current, entry.name


def _export() -> bytes:
    # Runs on its own thread when clicked: only the values captured above, no session.
    return Store(path, owner=owner).export_bytes(ws_id)


slug = "".join(ch if ch.isalnum() else "-" for ch in file_name.lower()).strip("-") or "workspace"
st.download_button(
    lang.t("workspace.export"),
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
        st.session_state["kk_ws_import_error"] = (upload.name, err.text(lang.current()))
        return
    workspace.autosave()
    workspace.open_workspace(ws)
    st.session_state["kk_ws_import_done"] = (ws.name, upload.name)


st.file_uploader(
    lang.t("workspace.import"),
    type=["kpikompas", "zip"],
    key="kk_ws_import",
    on_change=_import,
    help=lang.t("workspace.import_help"),
)
if failed := st.session_state.pop("kk_ws_import_error", None):
    file, error = failed
    st.error(
        lang.t("workspace.import_failed", file=file, error=error),
        icon=":material/error:",
    )
if done := st.session_state.pop("kk_ws_import_done", None):
    name, file = done
    st.success(lang.t("workspace.imported", name=name, file=file), icon=":material/check:")
