"""Data: upload a spreadsheet, see how it was read, and say which column is what."""

from __future__ import annotations

import polars as pl
import streamlit as st

from kpi_core.charts import coverage_chart
from kpi_core.fields import FIELDS, FIELDS_BY_ID
from kpi_core.mapping import validate_mapping
from ui import frame, loaders, session, widgets

UPLOAD_KEY = "kk_upload"
ERRORS_KEY = "kk_upload_errors"
READ_KEY = "kk_read_notes"
FILE_TYPES = ["xlsx", "xlsm", "xls", "ods", "csv", "tsv", "txt"]
_ENCODINGS = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8 (with BOM)",
    "utf-16": "UTF-16",
    "utf-16-le": "UTF-16",
    "utf-16-be": "UTF-16",
    "cp1252": "Windows-1252",
    "latin-1": "Latin-1",
    "iso-8859-1": "Latin-1",
}
_KIND_WORDS = {"date": "dates", "number": "numbers", "text": "text", "id": "ids (kept as text)"}


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


def _take_uploads() -> None:
    """Queue new uploads; they are read in the page body so progress can show."""
    uploads = st.session_state.get(UPLOAD_KEY) or []
    pending = st.session_state.setdefault("kk_pending", [])
    for up in uploads:
        pending.append(session.DataFile(name=up.name, data=up.getvalue()))


frame.ensure()
st.title("Data")
st.markdown(
    "Upload the spreadsheet you already have: an Excel workbook or a CSV export from your "
    "shop, ad accounts or CRM. Nordic formats (`1.234,56`, `;`, `dd-mm-yyyy`, Danish, "
    "Norwegian and Swedish headers) are understood."
)
st.file_uploader(
    "Upload spreadsheets",
    type=FILE_TYPES,
    accept_multiple_files=True,
    key=UPLOAD_KEY,
    on_change=_take_uploads,
    help="Excel (.xlsx, .xlsm, .xls), OpenDocument (.ods) or text (.csv, .tsv, .txt).",
)

# Read queued uploads here, not in the callback, so a large file shows progress.
pending = st.session_state.pop("kk_pending", [])
for new in pending:
    size_mb = len(new.data) / 1_000_000
    with st.status(f"Reading {new.name} ({size_mb:.1f} MB)…") as status:
        result = loaders.view(new)
        if isinstance(result, loaders.Failure):
            status.update(label=f"Could not read {new.name}", state="error")
            st.session_state.setdefault(ERRORS_KEY, []).append(result.message)
        else:
            session.add_file(new)
            st.session_state.setdefault(READ_KEY, []).append(
                f"Read {new.name}: {result.rows:,} rows in {result.seconds:.1f} s."
            )
if pending:
    # The sidebar already ran with the old file: run again so every part shows the new one.
    st.rerun()
for note in st.session_state.pop(READ_KEY, []):
    st.success(note, icon=":material/task_alt:")

for message in st.session_state.get(ERRORS_KEY, []):
    st.error(
        f"{message} Nothing else changed: your other files are as they were.",
        icon=":material/error:",
    )
if st.session_state.get(ERRORS_KEY) and st.button("Dismiss", key="kk_dismiss_errors"):
    st.session_state[ERRORS_KEY] = []
    st.rerun()

file = session.active_file()
if file is None:
    st.info("No file yet. Upload one above to begin.")
    st.stop()

if len(session.files()) > 1:
    cols = st.columns([3, 1], vertical_alignment="bottom")
    with cols[0]:
        widgets.dataset_picker(key="kk_data_file", label="File")
    with cols[1]:
        if st.button("Remove this file", key="kk_remove_file", icon=":material/delete:"):
            session.remove_file(file.key)
            st.rerun()

v = loaders.view(file)
if isinstance(v, loaders.Failure):
    st.error(v.message, icon=":material/error:")
    st.stop()

t = v.table
# The finding first: how the file was understood, in one line.
where = f"sheet **{t.sheet}**, " if t.sheet else ""
layout = " Months were columns, so they were turned into rows." if t.layout == "wide" else ""
text_format = ""
if t.file_format == "csv":
    sep = {";": "semicolons", ",": "commas", "\t": "tabs", "|": "bars"}.get(t.delimiter or "", "?")
    decimal = "decimal commas" if t.decimal == "," else "decimal points"
    encoding = _ENCODINGS.get((t.encoding or "").lower(), t.encoding)
    text_format = f" Text file in {encoding}, separated by {sep}, with {decimal}."
st.markdown(
    f"**{file.name}**: {where}header in row {t.header_row}, **{v.rows:,} rows** and "
    f"{len(t.kinds)} columns.{layout}{text_format}"
)

workbook_sheets = [s for s in t.sheets if s.name]
if len(workbook_sheets) > 1:
    names = [s.name for s in workbook_sheets]

    def sheet_label(name: str) -> str:
        info = next(s for s in workbook_sheets if s.name == name)
        return name + ("" if info.visible else " (hidden)")

    sheet = st.selectbox(
        "Sheet",
        names,
        index=names.index(t.sheet) if t.sheet in names else 0,
        format_func=sheet_label,
        key=f"kk_sheet_{file.key}",
        help="The sheet that holds the data was picked for you; choose another if it is wrong.",
    )
    if sheet != t.sheet:
        file.sheet = sheet
        file.mapping = None
        st.rerun()

if t.excluded_rows or t.issues:
    with st.expander(
        f"What was left out or changed ({_count(len(t.excluded_rows), 'row')}, "
        f"{_count(len(t.issues), 'note')})",
        expanded=any(i.level != "info" for i in t.issues),
    ):
        widgets.show_issues(t.issues)
        if t.excluded_rows:
            st.dataframe(
                pl.DataFrame(
                    {
                        "Row": [r.row for r in t.excluded_rows],
                        "Why it was left out": [r.reason for r in t.excluded_rows],
                        "Content": [r.preview for r in t.excluded_rows],
                    }
                ),
                hide_index=True,
            )

st.subheader("Which column is what")
st.markdown(
    "We suggested a meaning for each column from its header. Change any that are wrong; "
    "columns you leave empty are kept but not used for KPIs."
)
mapping = loaders.mapping_for(file, v)
suggested = {s.column: s for s in v.suggestions}
editor_base = pl.DataFrame(
    {
        "Column": list(t.kinds),
        "Holds": [_KIND_WORDS[k] for k in t.kinds.values()],
        "Field": [mapping.get(c) for c in t.kinds],
        "Confidence": [suggested[c].confidence if c in suggested else 0.0 for c in t.kinds],
        "Why": [suggested[c].reason if c in suggested else "" for c in t.kinds],
    },
    schema_overrides={"Field": pl.String},
)
edited = st.data_editor(
    editor_base,
    key=f"kk_mapping_{file.key}_{t.sheet}",
    hide_index=True,
    # Every column in view: a mapping you have to scroll to check is one you do not check.
    height=min(36 * (len(t.kinds) + 1) + 3, 760),
    disabled=["Column", "Holds", "Confidence", "Why"],
    column_config={
        "Field": st.column_config.SelectboxColumn(
            "Field",
            options=[f.id for f in FIELDS],
            format_func=lambda i: FIELDS_BY_ID[i].label,
            help="The canonical field this column is. Leave empty to keep it unused.",
        ),
        "Confidence": st.column_config.ProgressColumn(
            "Confidence", min_value=0.0, max_value=1.0, format="percent"
        ),
    },
)
new_mapping = {
    c: f for c, f in zip(edited["Column"], edited["Field"], strict=True) if f not in (None, "")
}
if new_mapping != mapping:
    file.mapping = new_mapping
    mapping = new_mapping
widgets.show_issues(validate_mapping(mapping, t.kinds), source=file.name)

date_column = next((c for c, f in mapping.items() if f == "date"), None)
if date_column:
    coverage = loaders.coverage(file, date_column)
    if not coverage.is_empty():
        first, last = coverage["month"].min(), coverage["month"].max()
        gaps = coverage.filter(pl.col("rows") == 0).height
        gap_text = f", {gaps} months without rows" if gaps else ", no month missing"
        st.subheader("Rows per month")
        st.caption(f"From {first:%B %Y} to {last:%B %Y}{gap_text}.")
        st.altair_chart(coverage_chart(coverage))
    undated = v.rows - int(coverage["rows"].sum()) if not coverage.is_empty() else v.rows
    if undated:
        st.warning(
            f"{file.name}: {undated:,} rows have no date in ‘{date_column}’. They count for "
            "the file as a whole but for no month, quarter or year. Fill in their dates or "
            "check that the right column is mapped to Date.",
            icon=":material/event_busy:",
        )

st.subheader("Preview")
st.caption(f"The first {min(v.rows, loaders.PREVIEW_ROWS):,} of {v.rows:,} rows, as read.")
st.dataframe(
    t.frame,
    hide_index=True,
    column_config={
        c: st.column_config.DateColumn(c, format="localized")
        for c, kind in t.kinds.items()
        if kind == "date"
    },
)
