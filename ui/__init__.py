"""The app layer shared by ``app.py`` and ``pages/``: session state, caches, widgets.

Only this package and the pages import streamlit; the logic lives in
``kpi_core``.
"""
