"""KPI Kompas: the frame. Page config, navigation and the sidebar; nothing else."""

from __future__ import annotations

import altair as alt

# Import pandas whole before any page runs: altair and Streamlit look it up in sys.modules,
# and a session starting while another is still importing it would find it half-made.
import pandas  # noqa: F401
import streamlit as st

from ui import frame, lang, loaders, session, widgets, workspace
from ui.lang import t

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

#: Page file, icon; the title comes from the catalogue (``page.<name>``) and the address
#: (``/funnel``) from the file name, so links work in every language.
PAGES = [
    ("overview", ":material/dashboard:"),
    ("funnel", ":material/filter_alt:"),
    ("lead_lag", ":material/timeline:"),
    ("benchmarks", ":material/leaderboard:"),
    ("customers", ":material/groups:"),
    ("targets", ":material/flag:"),
    ("what_if", ":material/tune:"),
    ("data", ":material/upload_file:"),
    ("workspace", ":material/folder_open:"),
]

# The workspace (and with it the language) is bound before the page titles are read.
workspace.ensure()
page = st.navigation(
    [
        st.Page(
            f"pages/{name}.py",
            title=t(f"page.{name}"),
            icon=icon,
            url_path=name,
            default=name == "overview",
        )
        for name, icon in PAGES
    ]
)

# One run at a time in this process: see ui/frame.py (a deadlock between sessions).
with frame.one_run_at_a_time():
    with st.sidebar:
        st.markdown("### :material/explore: KPI Kompas")
        lang.picker(key=lang.LANG_PICK, currency_key=lang.CURRENCY_PICK)
        workspace.picker(key="kk_ws_pick")
        files = session.files()
        active = session.active_file()
        if active is None:
            st.caption(t("app.no_data"))
        else:
            if len(files) > 1:
                widgets.dataset_picker(key="kk_dataset_pick")
            else:
                st.caption(t("app.dataset", name=active.name))
            kind = widgets.period_kind()
            v = loaders.view(active)
            if isinstance(v, loaders.TableView):
                kf = loaders.kpis(active, loaders.mapping_for(active, v), period=kind)
                if not isinstance(kf, loaders.Failure):
                    widgets.period_at(kf, dataset=active.key)
            if active.sample:
                st.caption(t("app.sample_note"))

    workspace.sync_view()
    workspace.show_problem()
    try:
        page.run()
    finally:
        # Also after st.stop() or st.rerun() in a page: every change is saved as it is made.
        workspace.autosave()
