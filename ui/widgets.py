"""Reusable widgets. Each takes ``key=`` and owns that session-state key."""

from __future__ import annotations

import polars as pl
import streamlit as st

from kpi_core.compute import PERIODS, Period
from kpi_core.fields import MEASURE_FIELDS
from kpi_core.i18n import period_name
from kpi_core.issues import InputError, Issue
from kpi_core.leads import looks_like_leads
from kpi_core.satisfaction import suggest_survey_columns, suggest_ticket_columns
from kpi_core.scorecard import default_period
from ui import loaders, session

PERIOD_KIND_KEY = "kk_period_kind"
PERIOD_AT_KEY = "kk_period_at"
_PERIOD_WORDS = {"month": "Month", "quarter": "Quarter", "year": "Year"}


def period_kind(*, key: str = PERIOD_KIND_KEY) -> Period:
    """Month, quarter or year; remembered for the session."""
    choice = st.segmented_control(
        "Period",
        PERIODS,
        # A value restored from the URL is already in the session: no default beside it.
        default=None if key in st.session_state else "month",
        format_func=_PERIOD_WORDS.__getitem__,
        required=True,
        key=key,
        help="How the numbers are summed: per month, quarter or year.",
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
        return period_name(p) + ("" if complete[p] else " (partial)")

    return st.selectbox(
        "Show",
        labels,
        format_func=label,
        key=key,
        help="The period the scorecard reports on. Partial periods have data for only part "
        "of the period, so compare them with care.",
    )


def current_period() -> tuple[Period, str | None]:
    """The period length and label chosen in the sidebar."""
    return st.session_state.get(PERIOD_KIND_KEY) or "month", st.session_state.get(PERIOD_AT_KEY)


def show_issues(issues: list[Issue] | tuple[Issue, ...], *, source: str = "") -> None:
    """Errors as ``st.error``, warnings as ``st.warning``, the rest as ``st.info``."""
    prefix = f"{source}: " if source else ""
    for issue in issues:
        text = prefix + issue.message
        if issue.examples:
            text += " Examples: " + ", ".join(issue.examples[:5]) + "."
        if issue.level == "error":
            st.error(text, icon=":material/error:")
        elif issue.level == "warning":
            st.warning(text, icon=":material/warning:")
        else:
            st.info(text, icon=":material/info:")


def dataset_picker(*, key: str, label: str = "Dataset") -> None:
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

    st.selectbox(
        label,
        list(files),
        format_func=lambda k: files[k].name + (" (sample)" if files[k].sample else ""),
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
        st.info("There is no data yet. Upload a spreadsheet on the Data page to see your KPIs.")
        st.page_link("pages/data.py", label="Go to Data", icon=":material/upload_file:")
        st.stop()
    v = loaders.view(file)
    if isinstance(v, loaders.Failure):
        st.error(v.message, icon=":material/error:")
        st.stop()
    if looks_like_leads(v.table.kinds):
        st.info(
            f"{file.name} is a CRM export with one row per lead. Its funnel, time to convert "
            "and conversion by month are on the Funnel page; this page needs totals per day, "
            "week or month (choose such a file in the sidebar).",
            icon=":material/info:",
        )
        st.page_link("pages/funnel.py", label="Go to the Funnel page", icon=":material/filter_alt:")
        st.stop()
    if _is_feedback(v):
        st.info(
            f"{file.name} holds survey answers or support tickets, one row each. NPS, CSAT "
            "and response times are on the Customers page; this page needs totals per day, "
            "week or month (choose such a file in the sidebar).",
            icon=":material/info:",
        )
        st.page_link(
            "pages/customers.py", label="Go to the Customers page", icon=":material/groups:"
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
        st.warning(f"{file.name}: {kf.message}")
        st.page_link("pages/data.py", label="Check the column mapping", icon=":material/tune:")
        st.stop()
    return file, mapping, kf
