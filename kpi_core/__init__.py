"""KPI Kompas core: from a spreadsheet to the few KPIs that matter.

Nothing in this package imports streamlit; the app in ``app.py`` and
``pages/`` is one caller, the command line (``python -m kpi_core``) another.
"""

from __future__ import annotations

__version__ = "0.1.0"
