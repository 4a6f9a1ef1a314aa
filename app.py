"""KPI Kompas: the frame. Page config, navigation and the sidebar; nothing else."""

from __future__ import annotations

import altair as alt

# Import pandas whole before any page runs: altair and Streamlit look it up in sys.modules,
# and a session starting while another is still importing it would find it half-made.
import pandas  # noqa: F401
import streamlit as st

from ui import frame, loaders, session, widgets, workspace

frame.freeze_startup_objects()

# Charts are checked against the Vega-Lite schema once, when drawn; checking every part as
# it is built too costs a slider rerun about a fifth of its time.
alt.utils.schemapi.disable_debug_mode()

st.set_page_config(
    page_title="KPI Kompas",
    # An emoji, not a Material icon: Streamlit fetches Material favicons from Google's font
    # servers, and nothing may leave the machine.
    page_icon="🧭",
    layout="wide",
    initial_sidebar_state="expanded",
)

PAGES = [
    st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:", default=True),
    st.Page("pages/funnel.py", title="Funnel", icon=":material/filter_alt:"),
    st.Page("pages/lead_lag.py", title="Leading vs lagging", icon=":material/timeline:"),
    st.Page("pages/benchmarks.py", title="Benchmarks", icon=":material/leaderboard:"),
    st.Page("pages/customers.py", title="Customers", icon=":material/groups:"),
    st.Page("pages/targets.py", title="Targets", icon=":material/flag:"),
    st.Page("pages/what_if.py", title="What if", icon=":material/tune:"),
    st.Page("pages/data.py", title="Data", icon=":material/upload_file:"),
    st.Page("pages/workspace.py", title="Workspace", icon=":material/folder_open:"),
]

page = st.navigation(PAGES)
workspace.ensure()

with st.sidebar:
    st.markdown("### :material/explore: KPI Kompas")
    workspace.picker(key="kk_ws_pick")
    files = session.files()
    active = session.active_file()
    if active is None:
        st.caption("No data yet. Upload a spreadsheet on the Data page.")
    else:
        if len(files) > 1:
            widgets.dataset_picker(key="kk_dataset_pick")
        else:
            st.caption(f"Dataset: **{active.name}**")
        kind = widgets.period_kind()
        v = loaders.view(active)
        if isinstance(v, loaders.TableView):
            kf = loaders.kpis(active, loaders.mapping_for(active, v), period=kind)
            if not isinstance(kf, loaders.Failure):
                widgets.period_at(kf, dataset=active.key)
        if active.sample:
            st.caption(
                "You are looking at the sample workspace of a made-up Danish solar installer. "
                "Upload your own spreadsheet on the Data page."
            )

workspace.sync_view()
workspace.show_problem()
try:
    page.run()
finally:
    # Also after st.stop() or st.rerun() in a page: every change is saved as it is made.
    workspace.autosave()
