"""Data: upload a spreadsheet, see how it was read, and say which column is what."""

from __future__ import annotations

import polars as pl
import streamlit as st

from kpi_core.charts import coverage_chart
from kpi_core.fields import FIELDS, FIELDS_BY_ID
from kpi_core.ingest.layout import reason_text
from kpi_core.mapping import validate_mapping
from ui import frame, lang, loaders, session, widgets

UPLOAD_KEY = "kk_upload"
ERRORS_KEY = "kk_upload_errors"
READ_KEY = "kk_read_notes"
FILE_TYPES = ["xlsx", "xlsm", "xls", "ods", "csv", "tsv", "txt"]
# Encoding names are names, the same in every language; only the byte-order mark is said.
_ENCODINGS = {
    "utf-8": "UTF-8",
    "utf-16": "UTF-16",
    "utf-16-le": "UTF-16",
    "utf-16-be": "UTF-16",
    "cp1252": "Windows-1252",
    "latin-1": "Latin-1",
    "iso-8859-1": "Latin-1",
}
_SEPARATORS = {";": "semicolon", ",": "comma", "\t": "tab", "|": "bar"}


def _encoding(code: str | None) -> str:
    code = (code or "").lower()
    if code == "utf-8-sig":
        return lang.t("data.read.utf8_bom")
    return _ENCODINGS.get(code, code)


def _failure_text(failure: loaders.Failure) -> str:
    """Why a file could not be read, in the session's language."""
    return failure.text(lang.current())


def _take_uploads() -> None:
    """Queue new uploads; they are read in the page body so progress can show."""
    uploads = st.session_state.get(UPLOAD_KEY) or []
    pending = st.session_state.setdefault("kk_pending", [])
    for up in uploads:
        pending.append(session.DataFile(name=up.name, data=up.getvalue()))


frame.ensure()
st.title(lang.t("page.data"))
st.markdown(lang.t("data.intro"))
st.file_uploader(
    lang.t("data.upload.label"),
    type=FILE_TYPES,
    accept_multiple_files=True,
    key=UPLOAD_KEY,
    on_change=_take_uploads,
    help=lang.t("data.upload.help"),
)

# Read queued uploads here, not in the callback, so a large file shows progress.
pending = st.session_state.pop("kk_pending", [])
for new in pending:
    size_mb = lang.number(len(new.data) / 1_000_000, digits=1)
    with st.status(lang.t("data.upload.reading", file=new.name, size=size_mb)) as status:
        result = loaders.view(new)
        if isinstance(result, loaders.Failure):
            status.update(label=lang.t("data.upload.failed", file=new.name), state="error")
            st.session_state.setdefault(ERRORS_KEY, []).append(result)
        else:
            session.add_file(new)
            st.session_state.setdefault(READ_KEY, []).append(
                lang.t(
                    "data.upload.done",
                    count=result.rows,
                    file=new.name,
                    seconds=lang.number(result.seconds, digits=1),
                )
            )
if pending:
    # The sidebar already ran with the old file: run again so every part shows the new one.
    st.rerun()
for note in st.session_state.pop(READ_KEY, []):
    st.success(note, icon=":material/task_alt:")

for failure in st.session_state.get(ERRORS_KEY, []):
    message = _failure_text(failure) if isinstance(failure, loaders.Failure) else str(failure)
    st.error(lang.t("data.upload.nothing_changed", message=message), icon=":material/error:")
if st.session_state.get(ERRORS_KEY) and st.button(
    lang.t("data.upload.dismiss"), key="kk_dismiss_errors"
):
    st.session_state[ERRORS_KEY] = []
    st.rerun()

file = session.active_file()
if file is None:
    st.info(lang.t("data.no_file"))
    st.stop()

if len(session.files()) > 1:
    cols = st.columns([3, 1], vertical_alignment="bottom")
    with cols[0]:
        widgets.dataset_picker(key="kk_data_file", label=lang.t("data.file"))
    with cols[1]:
        if st.button(lang.t("data.remove"), key="kk_remove_file", icon=":material/delete:"):
            session.remove_file(file.key)
            st.rerun()

v = loaders.view(file)
if isinstance(v, loaders.Failure):
    st.error(_failure_text(v), icon=":material/error:")
    st.stop()

t = v.table
# The finding first: how the file was understood, in one line.
found = {
    "file": file.name,
    "row": str(t.header_row),
    "rows": lang.t("common.rows", count=v.rows),
    "columns": lang.t("data.read.columns", count=len(t.kinds)),
}
said = [
    lang.t("data.read.summary_sheet", sheet=t.sheet, **found)
    if t.sheet
    else lang.t("data.read.summary", **found)
]
if t.layout == "wide":
    said.append(lang.t("data.read.wide"))
if t.file_format == "csv":
    sep = _SEPARATORS.get(t.delimiter or "")
    said.append(
        lang.t(
            "data.read.text_format",
            encoding=_encoding(t.encoding),
            separator=lang.t(f"data.read.separator.{sep}") if sep else "?",
            decimal=lang.t(f"data.read.decimal_{'comma' if t.decimal == ',' else 'point'}"),
        )
    )
st.markdown(" ".join(said))

workbook_sheets = [s for s in t.sheets if s.name]
if len(workbook_sheets) > 1:
    names = [s.name for s in workbook_sheets]

    def sheet_label(name: str) -> str:
        info = next(s for s in workbook_sheets if s.name == name)
        return name if info.visible else lang.t("data.sheet.hidden", sheet=name)

    sheet = st.selectbox(
        lang.t("data.sheet.label"),
        names,
        index=names.index(t.sheet) if t.sheet in names else 0,
        format_func=sheet_label,
        key=f"kk_sheet_{file.key}",
        help=lang.t("data.sheet.help"),
    )
    if sheet != t.sheet:
        file.sheet = sheet
        file.mapping = None
        st.rerun()

if t.excluded_rows or t.issues:
    with st.expander(
        lang.t(
            "data.changes.title",
            rows=lang.t("common.rows", count=len(t.excluded_rows)),
            notes=lang.t("data.changes.notes", count=len(t.issues)),
        ),
        expanded=any(i.level != "info" for i in t.issues),
    ):
        widgets.show_issues(t.issues)
        if t.excluded_rows:
            st.dataframe(
                pl.DataFrame(
                    {
                        lang.t("data.changes.row"): [str(r.row) for r in t.excluded_rows],
                        lang.t("data.changes.why"): [
                            reason_text(r.reason, locale=lang.current()) for r in t.excluded_rows
                        ],
                        lang.t("data.changes.content"): [r.preview for r in t.excluded_rows],
                    }
                ),
                hide_index=True,
            )

st.subheader(lang.t("data.mapping.title"))
st.markdown(lang.t("data.mapping.intro"))
mapping = loaders.mapping_for(file, v)
suggested = {s.column: s for s in v.suggestions}
# The editor's columns are headed in the session's language; they are read back by position.
heads = [lang.t(f"data.mapping.{c}") for c in ("column", "holds", "field", "confidence", "why")]
column_h, holds_h, field_h, confidence_h, why_h = heads
editor_base = pl.DataFrame(
    {
        column_h: list(t.kinds),
        holds_h: [lang.t(f"data.mapping.kind.{k}") for k in t.kinds.values()],
        field_h: [mapping.get(c) for c in t.kinds],
        confidence_h: [suggested[c].confidence if c in suggested else 0.0 for c in t.kinds],
        why_h: [suggested[c].why(lang.current()) if c in suggested else "" for c in t.kinds],
    },
    schema_overrides={field_h: pl.String},
)
edited = st.data_editor(
    editor_base,
    key=f"kk_mapping_{file.key}_{t.sheet}_{lang.current()}",
    hide_index=True,
    # Every column in view: a mapping you have to scroll to check is one you do not check.
    height=min(36 * (len(t.kinds) + 1) + 3, 760),
    disabled=[column_h, holds_h, confidence_h, why_h],
    column_config={
        field_h: st.column_config.SelectboxColumn(
            field_h,
            options=[f.id for f in FIELDS],
            format_func=lambda i: FIELDS_BY_ID[i].name(lang.current()),
            help=lang.t("data.mapping.field_help"),
        ),
        confidence_h: st.column_config.ProgressColumn(
            confidence_h, min_value=0.0, max_value=1.0, format="percent"
        ),
    },
)
new_mapping = {
    c: f for c, f in zip(edited[column_h], edited[field_h], strict=True) if f not in (None, "")
}
if new_mapping != mapping:
    file.mapping = new_mapping
    mapping = new_mapping
widgets.show_issues(validate_mapping(mapping, t.kinds, locale=lang.current()), source=file.name)

date_column = next((c for c, f in mapping.items() if f == "date"), None)
if date_column:
    coverage = loaders.coverage(file, date_column)
    if not coverage.is_empty():
        first, last = coverage["month"].min(), coverage["month"].max()
        gaps = coverage.filter(pl.col("rows") == 0).height
        span = {"first": lang.period(f"{first:%Y-%m}"), "last": lang.period(f"{last:%Y-%m}")}
        st.subheader(lang.t("data.coverage.title"))
        if gaps:
            st.caption(lang.t("data.coverage.gaps", count=gaps, **span))
        else:
            st.caption(lang.t("data.coverage.complete", **span))
        lang.chart(coverage_chart(coverage, locale=lang.current()))
    undated = v.rows - int(coverage["rows"].sum()) if not coverage.is_empty() else v.rows
    if undated:
        st.warning(
            lang.t(
                "data.coverage.undated",
                count=undated,
                file=file.name,
                column=date_column,
                date=FIELDS_BY_ID["date"].name(lang.current()),
            ),
            icon=":material/event_busy:",
        )

st.subheader(lang.t("data.preview.title"))
st.caption(lang.t("data.preview.caption", count=v.rows, shown=min(v.rows, loaders.PREVIEW_ROWS)))
st.dataframe(
    t.frame,
    hide_index=True,
    column_config={
        c: st.column_config.DateColumn(c, format="localized")
        for c, kind in t.kinds.items()
        if kind == "date"
    },
)
