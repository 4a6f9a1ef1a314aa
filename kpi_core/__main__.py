"""``python -m kpi_core``: the command line (see :mod:`kpi_core.cli`)."""

from __future__ import annotations

import sys

from kpi_core.cli import main

sys.exit(main())
