"""Reusable widgets. Each takes ``key=`` and owns that session-state key."""

from __future__ import annotations

import polars as pl
import streamlit as st

from kpi_core.compute import PERIODS, Period
from kpi_core.fields import MEASURE_FIELDS
from kpi_core.issues import InputError, Issue
from kpi_core.leads import looks_like_leads
from kpi_core.satisfaction import suggest_survey_columns, suggest_ticket_columns
from kpi_core.scorecard import default_period
from ui import lang, loaders, session

PERIOD_KIND_KEY = "kk_period_kind"
PERIOD_AT_KEY = "kk_period_at"


def period_kind(*, key: str = PERIOD_KIND_KEY) -> Period:
    """Month, quarter or year; remembered for the session."""
    choice = st.segmented_control(
        lang.t("widgets.period"),
        PERIODS,
        # A value restored from the URL is already in the session: no default beside it.
        default=None if key in st.session_state else "month",
        # Worded now: a format function is also called outside the run (by AppTest).
        format_func={p: lang.t(f"period.{p}") for p in PERIODS}.__getitem__,
        required=True,
        key=key,
        help=lang.t("widgets.period_help"),
    )
    return choice or "month"


def period_at(kf: pl.DataFrame, *, dataset: str, key: str = PERIOD_AT_KEY) -> str | None:
    """Pick one period with data; defaults to the latest complete one.

    The options come from ``kf`` (a KPI frame of the file ``dataset``). A new
    file starts on its own default period; a remembered choice that is not
    among the options (another period length) falls back to the default.
    """
    with_data = kf.filter(pl.col("days") > 0)
    if with_data.is_empty():
        return None
    labels = with_data["period"].to_list()[::-1]
    complete = dict(zip(with_data["period"], with_data["complete"], strict=True))
    owner = f"{key}__dataset"
    if st.session_state.get(key) not in labels or st.session_state.get(owner) != dataset:
        st.session_state[key] = default_period(kf)
        st.session_state[owner] = dataset

    def label(p: str) -> str:
        name = lang.period(p)
        return name if complete[p] else lang.t("widgets.partial_period", period=name)

    # Worded now: a format function is also called outside the run (by AppTest).
    words = {p: label(p) for p in labels}
    return st.selectbox(
        lang.t("widgets.show"),
        labels,
        format_func=words.__getitem__,
        key=key,
        help=lang.t("widgets.show_help"),
    )


def current_period() -> tuple[Period, str | None]:
    """The period length and label chosen in the sidebar."""
    return st.session_state.get(PERIOD_KIND_KEY) or "month", st.session_state.get(PERIOD_AT_KEY)


def show_issues(issues: list[Issue] | tuple[Issue, ...], *, source: str = "") -> None:
    """Errors as ``st.error``, warnings as ``st.warning``, the rest as ``st.info``.

    Each in the session's language, with up to five examples.
    """
    for issue in issues:
        text = issue.text(lang.current())
        if source:
            text = lang.t("widgets.from_source", source=source, text=text)
        if issue.examples:
            shown = issue.examples_in(lang.current())[:5]
            examples = lang.t("common.examples", items=", ".join(shown))
            text = lang.t("widgets.with_examples", text=text, examples=examples)
        if issue.level == "error":
            st.error(text, icon=":material/error:")
        elif issue.level == "warning":
            st.warning(text, icon=":material/warning:")
        else:
            st.info(text, icon=":material/info:")


def dataset_picker(*, key: str, label: str | None = None) -> None:
    """Choose the active file among the session's files.

    The widget's state follows the active file, which can also change by an
    upload elsewhere; a choice made here reaches the session through the
    callback, before the page runs.
    """
    files = session.files()
    active = session.active_file()
    if active is None or len(files) < 2:
        return
    st.session_state[key] = active.key

    def choose() -> None:
        session.set_active(st.session_state[key])

    names = {
        k: lang.t("widgets.sample_file", name=f.name) if f.sample else f.name
        for k, f in files.items()
    }
    st.selectbox(
        label or lang.t("widgets.dataset"),
        list(files),
        format_func=names.__getitem__,
        key=key,
        on_change=choose,
    )


def active_totals() -> tuple[session.DataFile, loaders.TableView]:
    """The active file as read, for pages that need totals per day, week or month.

    Stops the page with its explicit state instead: no file yet (a link to the Data
    page), a file that could not be read (its message), or a CRM export with one row
    per lead (sent to the Funnel page: summed by the day each lead was created, it would
    book a deal's value in the month the lead came in and call every recent month a
    collapse).
    """
    file = session.active_file()
    if file is None:
        st.info(lang.t("widgets.no_data"))
        st.page_link(
            "pages/data.py", label=lang.t("widgets.go_data"), icon=":material/upload_file:"
        )
        st.stop()
    v = loaders.view(file)
    if isinstance(v, loaders.Failure):
        st.error(v.text(lang.current()), icon=":material/error:")
        st.stop()
    if looks_like_leads(v.table.kinds):
        st.info(lang.t("widgets.leads_file", name=file.name), icon=":material/info:")
        st.page_link(
            "pages/funnel.py", label=lang.t("widgets.go_funnel"), icon=":material/filter_alt:"
        )
        st.stop()
    if _is_feedback(v):
        st.info(lang.t("widgets.feedback_file", name=file.name), icon=":material/info:")
        st.page_link(
            "pages/customers.py", label=lang.t("widgets.go_customers"), icon=":material/groups:"
        )
        st.stop()
    return file, v


def _is_feedback(v: loaders.TableView) -> bool:
    """A ticket export (created and first-reply times), or survey answers with no measure."""
    kinds = v.table.kinds
    try:
        suggest_ticket_columns(kinds)
        return True
    except InputError:
        pass
    if any(s.field in MEASURE_FIELDS for s in v.suggestions):
        return False
    try:
        suggest_survey_columns(kinds)
    except InputError:
        return False
    return True


#: Sales capacity per measure, kept in the workspace (widgets' own keys do not persist).
CAPACITY_KEY = "kk_capacity"


def capacity_input(
    label: str,
    measure: str,
    *,
    key: str,
    default: float,
    step: float = 10.0,
    help: str | None = None,
    container: object | None = None,
) -> float:
    """What sales can handle per month of ``measure``; remembered in the workspace.

    The widget owns ``key``; the value the user sets is also written to the
    workspace's capacity (one number per measure, shared by the pages that ask).
    """
    saved: dict[str, float] = st.session_state.setdefault(CAPACITY_KEY, {})

    def remember() -> None:
        st.session_state.setdefault(CAPACITY_KEY, {})[measure] = float(st.session_state[key])

    target = container if container is not None else st
    return float(
        target.number_input(  # type: ignore[attr-defined]
            label,
            min_value=1.0,
            value=float(saved.get(measure) or max(default, 1.0)),
            step=step,
            format="%.0f",
            key=key,
            on_change=remember,
            help=help,
        )
    )


def active_monthly() -> tuple[session.DataFile, dict[str, str], pl.DataFrame]:
    """The active file, its mapping and its KPIs per month with the paired sums.

    For the pages that add months up (targets, plans); stops the page with the
    explicit state when there is no usable file or the mapping cannot be used.
    """
    file, v = active_totals()
    mapping = loaders.mapping_for(file, v)
    kf = loaders.kpis(file, mapping, period="month", parts=True)
    if isinstance(kf, loaders.Failure):
        st.warning(lang.t("widgets.file_problem", name=file.name, message=kf.text(lang.current())))
        st.page_link("pages/data.py", label=lang.t("widgets.check_mapping"), icon=":material/tune:")
        st.stop()
    return file, mapping, kf
