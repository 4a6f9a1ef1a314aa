"""Reports a business owner can read and forward: Excel, print-ready HTML and chart images.

:func:`build_report` gathers every section from mapped rows (the scorecard,
the funnel, leading vs lagging, benchmarks, targets and pacing, the change
log), each with its findings in words, the assumptions behind the numbers
and charts built from aggregated frames. A section the data cannot support
is left out with a one-line note saying why; building a report never fails
because one part cannot be made.

The writers:

* :func:`to_html`: one self-contained HTML file laid out for A4, charts
  embedded as PNG data, no external URL, script or font (a content security
  policy forbids loading anything); every text from the data is escaped.
  Print it to PDF from a browser.
* :func:`to_xlsx`: a workbook with a sheet per section, real numbers with
  number formats, and the charts as images on a ``Charts`` sheet.
* :func:`charts_zip`: one PNG per chart.

Exported text is safe: a cell that starts with ``=``, ``+``, ``-``, ``@``, a
tab or a carriage return is written so a spreadsheet shows it as text and
never runs it (a quote-prefixed string cell in Excel, :func:`safe_text` for
CSV).
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
import json
import math
import os
import re
import struct
import tempfile
import unicodedata
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal, TypeVar

import polars as pl

from kpi_core.benchmarks import (
    COLUMNS as BENCHMARK_COLUMNS,
)
from kpi_core.benchmarks import (
    COMPETITOR_PREFIX,
    bands,
    bullet_rows,
    compare,
    load_builtin,
    validate_rows,
)
from kpi_core.benchmarks import (
    summary as benchmark_summary,
)
from kpi_core.catalogue import KPIS, kpis_for_fields, recommended
from kpi_core.compute import PERIODS, Period, kpi_frame, measures_in
from kpi_core.fields import FIELDS_BY_ID
from kpi_core.funnel import biggest_leak, funnel, leak_table
from kpi_core.i18n import DEFAULT_CURRENCY, format_change, format_value, period_name
from kpi_core.issues import InputError
from kpi_core.lead_lag import cross_correlation
from kpi_core.scorecard import Change, default_period, scorecard
from kpi_core.scorecard import summary as scorecard_summary
from kpi_core.targets import (
    Target,
    pace,
    pacing_sentence,
    period_bounds,
    smart_check,
    split,
    with_baseline,
)

if TYPE_CHECKING:
    import altair as alt

__all__ = [
    "FORMATS",
    "SECTIONS",
    "Report",
    "build_report",
    "chart_png",
    "charts_zip",
    "is_risky",
    "safe_text",
    "slug",
    "to_html",
    "to_xlsx",
    "write_bytes",
    "write_report",
]

#: The sections of a report, in reading order: key -> title.
SECTIONS: dict[str, str] = {
    "scorecard": "Scorecard",
    "funnel": "Funnel",
    "leadlag": "Leading vs lagging",
    "benchmarks": "Benchmarks",
    "targets": "Targets and pacing",
    "changes": "Change log",
}

#: File suffixes :func:`write_report` writes, and what each holds.
FORMATS: dict[str, str] = {
    ".xlsx": "an Excel workbook",
    ".html": "a print-ready HTML page",
    ".zip": "the charts as PNG images",
}

#: The characters that make a spreadsheet read a cell as a formula (or a DDE call).
RISKY_START: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")

#: A chart is rendered at this many image pixels per CSS pixel.
CHART_SCALE = 2.0

#: Excel refuses longer text in a cell; xlsxwriter cuts it silently.
_MAX_CELL = 32_767
#: Excel's limit on the length of a hyperlink.
_MAX_URL = 2_079

#: KPIs whose trend is charted on the scorecard, in order of preference.
_TREND_KPIS: tuple[str, ...] = ("revenue", "customers", "leads", "traffic_to_lead", "sessions")
_MAX_TRENDS = 4
#: Results that a leading KPI may share a field with (as on the Leading vs lagging page).
_RESULT_FIELDS = frozenset({"customers", "orders", "revenue"})
_DEFAULT_LEADING: tuple[str, ...] = ("sessions", "leads", "mqls", "traffic_to_lead")
#: Earlier periods :func:`kpi_core.funnel.biggest_leak` needs before it looks for a leak.
_MIN_LEAK_HISTORY = 4


# -- Safe text ---------------------------------------------------------------------------------


def is_risky(text: str) -> bool:
    """Whether a spreadsheet would run ``text``: it starts with ``= + - @``, a tab or a CR.

    >>> is_risky("=1+1"), is_risky("-5 kr."), is_risky("Google Ads")
    (True, True, False)
    """
    return text.startswith(RISKY_START)


def safe_text(value: object) -> str:
    """``value`` as text for a CSV cell that a spreadsheet shows as text and never runs.

    A text starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
    gets a leading ``'`` (the OWASP advice for CSV injection); any other text
    is returned as it is. ``None`` becomes ``""``.

    >>> safe_text("=HYPERLINK(\\"http://x\\")")
    '\\'=HYPERLINK("http://x")'
    >>> safe_text("Meta"), safe_text(None)
    ('Meta', '')
    """
    if value is None:
        return ""
    text = str(value)
    return "'" + text if is_risky(text) else text


def slug(text: str, *, default: str = "chart") -> str:
    """A file name part from a title: ASCII letters, digits and dashes.

    >>> slug("Lead → MQL, 2026 (Q1)")
    'lead-mql-2026-q1'
    """
    folded = unicodedata.normalize("NFKD", text.replace("ø", "o").replace("æ", "ae"))
    ascii_text = folded.encode("ascii", "ignore").decode("ascii").lower()
    out = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")[:80].strip("-")
    return out or default


# -- The report --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Report:
    """Everything a report shows, computed once; the writers only lay it out.

    Attributes
    ----------
    title
        The report's title.
    source
        The data file's name.
    period, period_label
        The period length (``"month"``, ``"quarter"``, ``"year"``) and the
        label of the period reported (``"2026-10"``); ``period_label`` is
        ``None`` when the data has no dates.
    generated
        When the report was made (ISO time with its offset).
    filters
        What the figures were limited to, as ``(name, value)`` pairs.
    mapping
        The column mapping used, as ``(column, field id)`` pairs.
    scorecard
        One row per KPI: ``kpi_id, KPI, stage, role, unit, formula, value,
        previous, change_previous, verdict_previous, last_year,
        change_last_year, verdict_last_year``. Changes are percentage points
        for rates and fractions (0.12 = +12 %) otherwise.
    summary
        The scorecard in a few sentences.
    funnel
        One row per stage of the reported period: ``journey_stage, stage,
        label, count, step_label, pct_of_previous, pct_of_first, drop, note``.
    funnel_finding, funnel_notes
        The biggest leak (or that there is none) and why some rates are blank.
    leadlag, leadlag_finding
        One row per leading KPI: ``kpi_id, KPI, lagging, best_lag, r, low,
        high, n, strength, finding``; and the most reliable lead in words.
    benchmarks, benchmark_summary
        One row per KPI with a published figure or a competitor value:
        ``kpi_id, KPI, unit, value, low, typical, high, currency, position,
        gap_to_typical, rank, of, source, year, link, region, industry,
        channel, definition, caveat, note`` and one ``competitor:<name>``
        column per competitor; and the comparison in words.
    targets, pacing
        One row per target: ``target_id, kpi_id, KPI, unit, period, target,
        baseline, actual, expected, projected, status, through, owner, goal,
        notes, smart``; and one pacing sentence per target.
    changes
        The change log (``at, kind, what, before, after, note``), if given.
    assumptions
        How the numbers are computed, in plain lines.
    notes
        ``(section title, message)``: a section left out, or limited, and why.
    charts
        ``(title, chart)`` pairs, each built from an aggregated frame.
    """

    title: str
    source: str
    period: Period
    period_label: str | None
    generated: str
    filters: tuple[tuple[str, str], ...] = ()
    mapping: tuple[tuple[str, str], ...] = ()
    scorecard: pl.DataFrame | None = None
    summary: tuple[str, ...] = ()
    funnel: pl.DataFrame | None = None
    funnel_finding: str = ""
    funnel_notes: tuple[str, ...] = ()
    leadlag: pl.DataFrame | None = None
    leadlag_finding: str = ""
    benchmarks: pl.DataFrame | None = None
    benchmark_summary: tuple[str, ...] = ()
    targets: pl.DataFrame | None = None
    pacing: tuple[str, ...] = ()
    changes: pl.DataFrame | None = None
    assumptions: tuple[str, ...] = ()
    notes: tuple[tuple[str, str], ...] = ()
    charts: tuple[tuple[str, alt.Chart], ...] = ()
    _png: dict[int, bytes | None] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    @property
    def when(self) -> str:
        """The reported period in words (``October 2026``), or that all rows were used."""
        if self.period_label is None:
            return "all rows (no dates)"
        return period_name(self.period_label)

    def sections(self) -> list[str]:
        """The keys of the sections this report holds, in reading order."""
        present = {
            "scorecard": self.scorecard is not None,
            "funnel": self.funnel is not None,
            "leadlag": self.leadlag is not None,
            "benchmarks": self.benchmarks is not None,
            "targets": self.targets is not None,
            "changes": self.changes is not None,
        }
        return [k for k in SECTIONS if present[k]]

    def notes_for(self, section: str) -> list[str]:
        """The notes about one section (by key or title)."""
        title = SECTIONS.get(section, section)
        return [m for s, m in self.notes if s == title]

    def chart_pngs(self) -> list[tuple[str, bytes | None]]:
        """Every chart as PNG bytes (``None`` when it could not be drawn), rendered once."""
        out = []
        for i, (title, chart) in enumerate(self.charts):
            if i not in self._png:
                try:
                    self._png[i] = chart_png(chart)
                except ValueError:
                    self._png[i] = None
            out.append((title, self._png[i]))
        return out


_T = TypeVar("_T")


class _Notes:
    """Collects ``(section, message)`` notes while the report is built."""

    def __init__(self) -> None:
        self.items: list[tuple[str, str]] = []

    def add(self, section: str, message: str) -> None:
        text = " ".join(str(message).split())
        self.items.append((SECTIONS.get(section, section), text))

    def attempt(self, section: str, make: Callable[[], _T]) -> _T | None:
        """``make()``, or ``None`` with a note when the data cannot support it."""
        try:
            return make()
        except InputError as err:
            self.add(section, f"Left out: {err}")
        except (ValueError, ArithmeticError, KeyError, pl.exceptions.PolarsError) as err:
            self.add(section, f"Left out: it could not be computed from this data ({err}).")
        return None


def _charts() -> Any:
    """:mod:`kpi_core.charts`, imported when a report is built (Altair is slow to import)."""
    from kpi_core import charts

    return charts


def _now() -> str:
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


def build_report(
    data: pl.DataFrame,
    *,
    source: str,
    mapping: Mapping[str, str],
    period: Period = "month",
    at: str | None = None,
    kpis: Sequence[str] | None = None,
    targets: Sequence[Target] = (),
    competitors: list[dict[str, Any]] | None = None,
    own_benchmarks: list[dict[str, Any]] | None = None,
    industry: str | None = None,
    changes: pl.DataFrame | None = None,
    title: str = "KPI report",
    channel: str | None = None,
    roles: Mapping[str, str] | None = None,
    today: dt.date | None = None,
) -> Report:
    """Gather every section of a report from mapped rows.

    Parameters
    ----------
    data
        Mapped rows (see :func:`kpi_core.mapping.apply_mapping`).
    source
        The data file's name, shown on the report.
    mapping
        The column -> field mapping used (shown under the assumptions).
    period
        ``"month"``, ``"quarter"`` or ``"year"``.
    at
        The period label to report (``"2026-10"``, ``"2026-Q3"``, ``"2026"``);
        default the latest complete period with data.
    kpis
        The KPI ids of the scorecard; default the recommended set the data supports.
    targets
        Targets to pace (steps are split like last year when a target has none).
    competitors
        Rows of the competitor table: ``{"Competitor": name, "<KPI name or id>": value}``.
    own_benchmarks
        The user's own benchmark rows (the columns of the built-in table);
        rows that fail :func:`kpi_core.benchmarks.validate_rows` are left out
        with a note.
    industry
        Benchmark figures for this industry (``"All industries"`` ones fill the gaps).
    changes
        The change log (``at, kind, what, before, after, note``).
    title
        The report's title.
    channel
        Limit every figure to the rows of this channel.
    roles
        KPI id -> ``"leading"``/``"lagging"``: the user's tags that differ from the catalogue.
    today
        For the SMART check of a target's dates; default today.

    Returns
    -------
    Report

    Raises
    ------
    InputError
        Only for a bad choice the caller made: an unknown period, a period
        label the data does not have, an unknown KPI or channel. Anything the
        data cannot support becomes a note on the report instead.
    """
    if period not in PERIODS:
        raise InputError(f"Unknown period ‘{period}’; use month, quarter or year.")
    unknown = [k for k in (kpis or ()) if k not in KPIS]
    if unknown:
        raise InputError(f"Unknown KPI {', '.join(unknown)}; valid KPIs: {', '.join(KPIS)}.")
    notes = _Notes()
    roles = {k: r for k, r in (roles or {}).items() if k in KPIS and r in ("leading", "lagging")}
    filters: list[tuple[str, str]] = [("Period length", period)]
    if channel is not None:
        data, channel = _only_channel(data, channel)
        filters.append(("Channel", channel))
    else:
        filters.append(("Channel", "all channels"))
    if industry:
        filters.append(("Benchmark industry", industry))

    has_dates = "date" in data.columns and data["date"].drop_nulls().len() > 0
    kf: pl.DataFrame | None = None
    if has_dates:
        kf = kpi_frame(data, period=period)
        labels = kf["period"].to_list()
        if at is not None:
            at = at.strip()
            kind = period_bounds(at)[0]
            if kind != period:
                raise InputError(f"‘{at}’ is a {kind}, but the report is per {period}.")
            if at not in labels:
                raise InputError(
                    f"There is no period {at} in the data (it has {labels[0]} to {labels[-1]})."
                )
        else:
            at = notes.attempt("scorecard", lambda: default_period(kf))  # type: ignore[arg-type]
    else:
        at = None
        for section in ("scorecard", "leadlag", "targets") if targets else ("scorecard", "leadlag"):
            notes.add(
                section,
                "Left out: no column is mapped to Date, so nothing can be shown per period.",
            )
    chosen = list(kpis) if kpis else recommended(measures_in(data))
    report_charts: list[tuple[str, alt.Chart]] = []

    # Scorecard
    score: pl.DataFrame | None = None
    summary: list[str] = []
    if kf is not None and at is not None:
        made = notes.attempt(
            "scorecard", lambda: _scorecard(kf, chosen, at, roles, period, report_charts)
        )
        if made is not None:
            score, summary = made

    # Funnel
    window = _window(kf, at)
    fun = notes.attempt("funnel", lambda: _funnel(data, period, at, window, notes))
    funnel_frame, funnel_finding, funnel_notes = fun if fun is not None else (None, "", [])
    if funnel_frame is not None and funnel_frame.height:
        report_charts.append(
            (
                f"Funnel, {period_name(at) if at else 'all rows'}",
                _charts().funnel_chart(funnel_frame),
            )
        )

    # Leading vs lagging
    ll = None
    if has_dates:
        ll = notes.attempt("leadlag", lambda: _leadlag(data, period, roles, report_charts))
    leadlag_frame, leadlag_finding = ll if ll is not None else (None, "")

    # Benchmarks
    bench = notes.attempt(
        "benchmarks",
        lambda: _benchmarks(
            data, kf, at, period, chosen, competitors, own_benchmarks, industry, notes
        ),
    )
    bench_frame, bench_lines, bullet = bench if bench is not None else (None, [], None)
    if bullet is not None:
        report_charts.append((f"Benchmarks, {period_name(at) if at else 'all rows'}", bullet))

    # Targets
    targets_frame: pl.DataFrame | None = None
    pacing_lines: list[str] = []
    if targets and has_dates:
        made_t = notes.attempt(
            "targets",
            lambda: _targets(data, targets, today or dt.date.today(), report_charts),
        )
        if made_t is not None:
            targets_frame, pacing_lines = made_t
    elif not targets:
        notes.add("targets", "Left out: no targets were given.")

    # Change log
    log = None
    if changes is not None and changes.height:
        log = changes.select(pl.all().cast(pl.String))

    assumptions = _assumptions(
        data, source=source, mapping=mapping, period=period, at=at, kf=kf, scored=score
    )
    return Report(
        title=title,
        source=source,
        period=period,
        period_label=at,
        generated=_now(),
        filters=tuple(filters),
        mapping=tuple((str(c), str(f)) for c, f in mapping.items()),
        scorecard=score,
        summary=tuple(summary),
        funnel=funnel_frame,
        funnel_finding=funnel_finding,
        funnel_notes=tuple(funnel_notes),
        leadlag=leadlag_frame,
        leadlag_finding=leadlag_finding,
        benchmarks=bench_frame,
        benchmark_summary=tuple(bench_lines),
        targets=targets_frame,
        pacing=tuple(pacing_lines),
        changes=log,
        assumptions=tuple(assumptions),
        notes=tuple(notes.items),
        charts=tuple(report_charts),
    )


def _only_channel(data: pl.DataFrame, channel: str) -> tuple[pl.DataFrame, str]:
    """The rows of one channel (named in any case) and the channel's name as in the data."""
    if "channel" not in data.columns:
        raise InputError(
            f"Cannot limit the report to the channel ‘{channel}’: no column is mapped to Channel."
        )
    values = data["channel"].drop_nulls().unique(maintain_order=True).to_list()
    wanted = channel.strip().casefold()
    match = [v for v in values if str(v).strip().casefold() == wanted]
    if not match:
        shown = ", ".join(f"‘{v}’" for v in values[:12])
        raise InputError(f"There is no channel ‘{channel}’ in the data (it has {shown}).")
    return data.filter(pl.col("channel") == match[0]), str(match[0])


def _window(kf: pl.DataFrame | None, at: str | None) -> tuple[dt.date, dt.date] | None:
    if kf is None or at is None:
        return None
    row = kf.filter(pl.col("period") == at)
    return row["period_start"].item(), row["period_end"].item()


def _role(kpi_id: str, roles: Mapping[str, str]) -> str:
    return roles.get(kpi_id, KPIS[kpi_id].role)


def _scorecard(
    kf: pl.DataFrame,
    chosen: Sequence[str],
    at: str,
    roles: Mapping[str, str],
    period: Period,
    report_charts: list[tuple[str, alt.Chart]],
) -> tuple[pl.DataFrame, list[str]]:
    rows = scorecard(kf, kpis=chosen, at=at)
    if not rows:
        raise InputError(
            "none of the chosen KPIs can be computed from the mapped columns "
            f"({', '.join(chosen) or 'none chosen'})."
        )
    frame = pl.DataFrame(
        [
            {
                "kpi_id": r.kpi.id,
                "KPI": r.kpi.name,
                "stage": r.kpi.stage,
                "role": _role(r.kpi.id, roles),
                "unit": r.kpi.unit,
                "formula": r.kpi.formula,
                "value": r.value,
                "previous": r.previous,
                "change_previous": r.vs_previous.value,
                "verdict_previous": r.vs_previous.verdict,
                "last_year": r.last_year,
                "change_last_year": r.vs_last_year.value,
                "verdict_last_year": r.vs_last_year.verdict,
            }
            for r in rows
        ],
        schema={
            "kpi_id": pl.String,
            "KPI": pl.String,
            "stage": pl.String,
            "role": pl.String,
            "unit": pl.String,
            "formula": pl.String,
            "value": pl.Float64,
            "previous": pl.Float64,
            "change_previous": pl.Float64,
            "verdict_previous": pl.String,
            "last_year": pl.Float64,
            "change_last_year": pl.Float64,
            "verdict_last_year": pl.String,
        },
        orient="row",
    )
    scored = [r.kpi.id for r in rows]
    trends = [k for k in _TREND_KPIS if k in scored]
    trends += [k for k in scored if k not in trends]
    for kpi_id in trends[:_MAX_TRENDS]:
        k = KPIS[kpi_id]
        report_charts.append(
            (
                f"{k.name} per {period}",
                _charts().trend_chart(_charts().trend_frame(kf, kpi_id, selected=at), kpi=k),
            )
        )
    return frame, scorecard_summary(rows, period=at)


def _funnel(
    data: pl.DataFrame,
    period: Period,
    at: str | None,
    window: tuple[dt.date, dt.date] | None,
    notes: _Notes,
) -> tuple[pl.DataFrame, str, list[str]]:
    start, end = window if window else (None, None)
    f = funnel(data, start=start, end=end)
    steps = f.steps.select(
        "journey_stage",
        "stage",
        "label",
        "count",
        "step_label",
        "pct_of_previous",
        "pct_of_first",
        "drop",
        "note",
    )
    if steps.is_empty():
        raise InputError("the funnel's stages have no numbers in this period.")
    finding = ""
    if at is not None and "date" in data.columns:
        try:
            leak = biggest_leak(data, period=period, at=at)
        except InputError as err:
            notes.add("funnel", f"No leak was looked for: {err}")
        else:
            history = leak_table(data, period=period, at=at)["history_periods"].max()
            if leak is not None:
                finding = leak.sentence
            elif not isinstance(history, int) or history < _MIN_LEAK_HISTORY:
                finding = (
                    f"There are too few {period}s before {period_name(at)} to tell whether a "
                    "step is below its usual level."
                )
            else:
                finding = (
                    f"No step in {period_name(at)} is clearly below its own history: "
                    "nothing leaks more than usual."
                )
    return steps, finding, [i.message for i in f.issues]


def _leadlag(
    data: pl.DataFrame,
    period: Period,
    roles: Mapping[str, str],
    report_charts: list[tuple[str, alt.Chart]],
) -> tuple[pl.DataFrame, str]:
    kind: Period = "quarter" if period == "quarter" else "month"
    kf = kpi_frame(data, period=kind)
    present = [k for k in KPIS if k in kf.columns and kf[k].drop_nulls().len()]
    lagging_ids = [k for k in present if _role(k, roles) == "lagging"]
    leading_ids = [k for k in present if _role(k, roles) == "leading"]
    if not lagging_ids or not leading_ids:
        raise InputError(
            "it needs at least one result (such as revenue or new customers) and one activity "
            "(such as visits or leads) with numbers."
        )
    preferred = [k for k in ("revenue", "customers") if k in lagging_ids]
    lagging = (preferred or lagging_ids)[0]
    candidates = [k for k in leading_ids if not set(KPIS[k].fields) & _RESULT_FIELDS]
    leading = [k for k in _DEFAULT_LEADING if k in candidates] or candidates[:4]
    if not leading:
        raise InputError("no activity KPI is independent of the result it would lead.")
    found = cross_correlation(kf, lagging=lagging, leading=leading)
    if found.table["r"].is_null().all():
        # Too few periods for any lag: say so once rather than a table of blanks.
        raise InputError(found.findings[0].sentence)
    frame = pl.DataFrame(
        [
            {
                "kpi_id": f.kpi,
                "KPI": KPIS[f.kpi].name,
                "lagging": KPIS[lagging].name,
                "best_lag": f.best_lag,
                "r": f.r,
                "low": f.low,
                "high": f.high,
                "n": f.n,
                "strength": f.strength,
                "finding": f.sentence,
            }
            for f in found.findings
        ],
        schema={
            "kpi_id": pl.String,
            "KPI": pl.String,
            "lagging": pl.String,
            "best_lag": pl.Int64,
            "r": pl.Float64,
            "low": pl.Float64,
            "high": pl.Float64,
            "n": pl.Int64,
            "strength": pl.String,
            "finding": pl.String,
        },
        orient="row",
    )
    reliable = [f for f in found.findings if f.reliable]
    best = max(reliable, key=lambda f: abs(f.r or 0.0), default=None)
    if best is not None:
        finding = best.sentence
    else:
        finding = (
            f"No reliable lead found for {KPIS[lagging].name.lower()}: no activity moved "
            f"clearly ahead of it in the {kind}s the data covers."
        )
    if found.table.filter(pl.col("r").is_not_null()).height:
        names = {k: KPIS[k].name for k in leading}
        report_charts.append(
            (
                f"Correlation with {KPIS[lagging].name.lower()} at each lag",
                _charts().correlation_chart(found.table, names=names),
            )
        )
    return frame, finding


def _competitor_rows(rows: list[dict[str, Any]] | None) -> pl.DataFrame:
    """The competitor table's rows in long form: ``competitor, kpi_id, value``."""
    by_name = {k.name.casefold(): k.id for k in KPIS.values()} | {k: k for k in KPIS}
    records = []
    for row in rows or []:
        if not isinstance(row, Mapping):
            continue
        name = next(
            (row[key] for key in row if str(key).casefold() in ("competitor", "name")), None
        )
        if name is None or not str(name).strip():
            continue
        for key, value in row.items():
            kpi_id = by_name.get(str(key).strip().casefold())
            if kpi_id is None or isinstance(value, bool) or not isinstance(value, int | float):
                continue
            if math.isfinite(value):
                records.append(
                    {"competitor": str(name).strip(), "kpi_id": kpi_id, "value": float(value)}
                )
    return pl.DataFrame(
        records,
        schema={"competitor": pl.String, "kpi_id": pl.String, "value": pl.Float64},
        orient="row",
    )


def _own_rows(rows: list[dict[str, Any]] | None, notes: _Notes) -> pl.DataFrame | None:
    """The user's benchmark rows that pass :func:`validate_rows`; a note for the others."""
    if not rows:
        return None
    schema = load_builtin().schema
    records = []
    for row in rows:
        record: dict[str, Any] = {}
        for column in BENCHMARK_COLUMNS:
            value = row.get(column) if isinstance(row, Mapping) else None
            if column == "value":
                try:
                    value = float(value) if value is not None and value != "" else None
                except (TypeError, ValueError):
                    value = None
            else:
                value = None if value is None or value == "" else str(value)
            record[column] = value
        records.append(record)
    frame = pl.DataFrame(records, schema=schema, orient="row")
    problems = [i for i in validate_rows(frame) if i.level == "error"]
    bad = {int(x.split()[-1]) for i in problems for x in i.examples if x.startswith("row ")}
    if bad:
        first = problems[0].message
        notes.add(
            "benchmarks",
            f"{len(bad)} of your {len(records)} own benchmark rows were left out, e.g.: {first}",
        )
    keep = [i for i in range(frame.height) if i + 1 not in bad]
    return frame[keep] if keep else None


def _benchmarks(
    data: pl.DataFrame,
    kf: pl.DataFrame | None,
    at: str | None,
    period: Period,
    chosen: Sequence[str],
    competitors: list[dict[str, Any]] | None,
    own: list[dict[str, Any]] | None,
    industry: str | None,
    notes: _Notes,
) -> tuple[pl.DataFrame, list[str], alt.Chart | None]:
    if kf is not None and at is not None:
        row = kf.filter(pl.col("period") == at).row(0, named=True)
        frame = kf
    else:
        frame = kpi_frame(data, period=None)
        row = frame.row(0, named=True)
    builtin = load_builtin()
    mine = _own_rows(own, notes)
    rows = pl.concat([builtin, mine]) if mine is not None else builtin
    available = {k.id for k in kpis_for_fields(measures_in(frame))}
    benchmarked = set(rows["kpi_id"].drop_nulls().unique().to_list())
    long = _competitor_rows(competitors)
    rivals = set(long["kpi_id"].to_list())
    kpi_ids = [
        k
        for k in KPIS
        if k in available
        and (k in chosen or k in benchmarked or k in rivals)
        and k in frame.columns
    ]
    ours = {k: row.get(k) for k in kpi_ids}
    band = bands(rows, industry=industry)
    comparison = compare(
        ours, competitors=long if long.height else None, bands=band, currency=DEFAULT_CURRENCY
    )
    meta = band.select("kpi_id", "region", "industry", "channel", "definition", "caveat")
    comparison = comparison.join(meta, on="kpi_id", how="left", maintain_order="left")
    has_figure = (
        pl.col("low").is_not_null() | pl.col("typical").is_not_null() | pl.col("high").is_not_null()
    )
    comp_cols = [c for c in comparison.columns if c.startswith(COMPETITOR_PREFIX)]
    has_rival = (
        pl.any_horizontal(pl.col(c).is_not_null() for c in comp_cols)
        if comp_cols
        else (pl.lit(False))
    )
    shown = comparison.filter(pl.col("value").is_not_null() & (has_figure | has_rival))
    if shown.is_empty():
        raise InputError(
            "there is no published figure and no competitor value for the KPIs this data has "
            "values for."
        )
    lines = benchmark_summary(shown, currency=DEFAULT_CURRENCY)
    out = shown.select(
        "kpi_id",
        pl.col("name").alias("KPI"),
        "unit",
        "value",
        "low",
        "typical",
        "high",
        pl.col("band_currency").alias("currency"),
        "position",
        "gap_to_typical",
        "rank",
        "of",
        pl.col("source_name").alias("source"),
        pl.col("period").alias("year"),
        pl.col("source_url").alias("link"),
        "region",
        "industry",
        "channel",
        "definition",
        "caveat",
        "note",
        *comp_cols,
    )
    return out, lines, _bullet(shown, long)


def _bullet(comparison: pl.DataFrame, long: pl.DataFrame) -> alt.Chart | None:
    """The Benchmarks page's chart: you, competitors and the published band per KPI."""
    rows = bullet_rows(comparison, long, currency=DEFAULT_CURRENCY)
    return None if rows.is_empty() else _charts().bullet_chart(rows)


def _targets(
    data: pl.DataFrame,
    targets: Sequence[Target],
    today: dt.date,
    report_charts: list[tuple[str, alt.Chart]],
) -> tuple[pl.DataFrame, list[str]]:
    kf = kpi_frame(data, period="month", parts=True)
    fields = measures_in(data)
    records = []
    lines = []
    for t in sorted(targets, key=lambda t: (t.start, list(KPIS).index(t.kpi))):
        t = with_baseline(t, kf)
        if not t.steps and t.kind != "month":
            # As on the Targets page: a target nobody split follows last year's seasons.
            try:
                into: Period = "quarter" if t.kind == "year" else "month"
                t = _with_steps(t, split(t, into=into, method="seasonal", history=kf))
            except InputError:
                pass
        p = pace(t, kf)
        k = KPIS[t.kpi]
        checks = smart_check(t, fields=fields, history=kf, today=today)
        smart = "; ".join(f"{c.name}: {c.message}" for c in checks if not c.ok)
        records.append(
            {
                "target_id": t.id,
                "kpi_id": t.kpi,
                "KPI": k.name,
                "unit": k.unit,
                "period": t.label,
                "target": t.value,
                "baseline": t.baseline,
                "actual": p.actual,
                "expected": p.expected,
                "projected": p.projected,
                "status": p.status,
                "through": p.through.isoformat() if p.through else None,
                "owner": t.owner,
                "goal": t.goal,
                "notes": t.notes,
                "smart": smart or "Meets SMART.",
            }
        )
        lines.append(pacing_sentence(p))
        if p.status not in ("no data", "not started"):
            report_charts.append(
                (
                    f"{k.name} {t.label}: actual against plan",
                    _charts().pacing_chart(p.months, kpi=k),
                )
            )
    schema = {
        "target_id": pl.String,
        "kpi_id": pl.String,
        "KPI": pl.String,
        "unit": pl.String,
        "period": pl.String,
        "target": pl.Float64,
        "baseline": pl.Float64,
        "actual": pl.Float64,
        "expected": pl.Float64,
        "projected": pl.Float64,
        "status": pl.String,
        "through": pl.String,
        "owner": pl.String,
        "goal": pl.String,
        "notes": pl.String,
        "smart": pl.String,
    }
    return pl.DataFrame(records, schema=schema, orient="row"), lines


def _with_steps(t: Target, steps: Sequence[Any]) -> Target:
    return replace(t, steps=tuple(steps))


def _assumptions(
    data: pl.DataFrame,
    *,
    source: str,
    mapping: Mapping[str, str],
    period: Period,
    at: str | None,
    kf: pl.DataFrame | None,
    scored: pl.DataFrame | None,
) -> list[str]:
    lines: list[str] = []
    rows = f"{data.height:,} rows"
    if "date" in data.columns and data["date"].drop_nulls().len():
        first, last = data["date"].min(), data["date"].max()
        rows += f" dated {first:%-d %b %Y} to {last:%-d %b %Y}"
    lines.append(f"Data: {source}, {rows}.")
    if at is not None and kf is not None:
        row = kf.filter(pl.col("period") == at).row(0, named=True)
        whole = "a complete" if row["complete"] else "a partial"
        lines.append(
            f"Period: {period_name(at)} ({row['period_start']:%-d %b %Y} to "
            f"{row['period_end']:%-d %b %Y}), {whole} {period}; compared with the {period} "
            "before and the same period last year."
        )
    lines += [
        "Ratio KPIs are ratios of sums over the period (for example Σ clicks / Σ impressions), "
        "never means of daily ratios, taken over the rows where both numbers were recorded: "
        "a blank means not measured and does not dilute a ratio; a 0 is a real zero.",
        "No data is not zero: a period without rows is shown as empty, not as 0.",
        "Rates (shares such as the click-through rate) change in percentage points (pp); "
        "other KPIs change in per cent.",
        f"Money is in {DEFAULT_CURRENCY} as in the file; published figures in another currency "
        "are shown beside yours but not converted or ranked.",
        "Funnel: counts are sums over the period; a step's rate is a ratio of sums over the "
        "rows that hold both stages. The biggest leak is the step furthest below the median of "
        "its previous 12 periods (at least 2 robust standard deviations and 10 % below it).",
        "Leading vs lagging: KPIs are correlated on their period-to-period changes over "
        "complete periods, at leads of 0 to 6 periods; a lead is reported only with at least "
        "12 pairs and a 95 % interval that excludes zero.",
        "Targets: pacing compares the actual with the plan to date (the steps due, pro rata "
        "within the current month); within 3 % is on track, within 10 % at risk, beyond that "
        "off track. A target without steps follows last year's seasons.",
    ]
    if scored is not None:
        formulas = [f"{r['KPI']} = {r['formula']}" for r in scored.iter_rows(named=True)]
        lines.append("Formulas: " + "; ".join(formulas) + ".")
    if mapping:
        lines.append("Columns used, as mapped (column → field): see the table below.")
    return lines


# -- Columns and how each kind of number is shown -----------------------------------------------

Kind = Literal[
    "text",  # plain text
    "short",  # short text that should not wrap (a stage, a status)
    "int",  # a whole number (#,##0)
    "count",  # a count (#,##0)
    "share",  # a share shown as a per cent (0.0%)
    "small_share",  # a share that can be tiny (0.00%)
    "r",  # a correlation (0.00)
    "kpi",  # a value in the row's KPI unit (and the row's currency for published figures)
    "compact",  # HTML only: a KPI value in short form (DKK56M)
    "change",  # a change: pp for rates, relative otherwise
    "gap",  # a gap to a benchmark: pp for rates, relative otherwise
    "url",  # a web link
    "band",  # HTML only: the published low – high (or typical)
    "rank",  # HTML only: "2 of 4"
    "interval",  # HTML only: low to high of a correlation
]
_NUMERIC: frozenset[str] = frozenset(
    {"int", "count", "share", "small_share", "r", "kpi", "compact", "change", "gap", "band",
     "rank", "interval"}
)  # fmt: skip


@dataclass(frozen=True)
class _Col:
    key: str
    header: str
    kind: Kind = "text"
    width: int | None = None
    where: Literal["both", "html", "xlsx"] = "both"


def _columns(
    report: Report, section: str, *, target: Literal["html", "xlsx"]
) -> tuple[pl.DataFrame, list[_Col]]:
    """The frame of a section and the columns shown in ``target``, in order."""
    frame: pl.DataFrame | None
    cols: list[_Col]
    if section == "scorecard":
        frame = report.scorecard
        cols = [
            _Col("KPI", "KPI", width=28),
            _Col("stage", "Stage", "short", 12),
            _Col("role", "Role", "short", 9),
            _Col("value", "Value", "kpi"),
            _Col("previous", "Before", "kpi"),
            _Col("change_previous", "vs before", "change"),
            _Col("last_year", "Last year", "kpi"),
            _Col("change_last_year", "vs last year", "change"),
            _Col("formula", "Formula", width=30, where="xlsx"),
        ]
    elif section == "funnel":
        frame = report.funnel
        cols = [
            _Col("journey_stage", "Journey stage", "short", 12, where="xlsx"),
            _Col("label", "Stage", "short", 14),
            _Col("count", "Count", "count"),
            _Col("step_label", "Step", "short", 20),
            _Col("pct_of_previous", "% of previous", "share"),
            _Col("pct_of_first", "% of first", "small_share"),
            _Col("drop", "Lost at this step", "count"),
            _Col("note", "Note", width=40),
        ]
    elif section == "leadlag":
        frame = report.leadlag
        cols = [
            _Col("KPI", "Leading KPI", width=24),
            _Col("lagging", "Result", "short", 16, where="xlsx"),
            _Col("best_lag", "Best lead (periods)", "int"),
            _Col("r", "Correlation", "r"),
            _Col("low", "Likely from", "r", where="xlsx"),
            _Col("high", "Likely to", "r", where="xlsx"),
            _Col("low", "Likely range", "interval", where="html"),
            _Col("n", "Pairs used", "int"),
            _Col("strength", "Strength", "short", 10),
            _Col("finding", "Finding", width=70, where="xlsx"),
        ]
    elif section == "benchmarks":
        frame = report.benchmarks
        rivals = [
            _Col(c, c[len(COMPETITOR_PREFIX) :], "kpi")
            for c in (frame.columns if frame is not None else [])
            if c.startswith(COMPETITOR_PREFIX)
        ]
        cols = [
            _Col("KPI", "KPI", width=26),
            _Col("value", "You", "kpi"),
            *rivals,
            _Col("low", "Published range", "band", where="html"),
            _Col("position", "Compared with it", width=16),
            _Col("rank", "Rank", "rank", where="html"),
            _Col("low", "Published low", "kpi", where="xlsx"),
            _Col("typical", "Published typical", "kpi", where="xlsx"),
            _Col("high", "Published high", "kpi", where="xlsx"),
            _Col("currency", "Currency", "short", 9, where="xlsx"),
            _Col("gap_to_typical", "Gap to typical", "gap", where="xlsx"),
            _Col("rank", "Rank", "int", where="xlsx"),
            _Col("of", "Of", "int", where="xlsx"),
            _Col("source", "Source", width=40, where="xlsx"),
            _Col("year", "Year", width=14, where="xlsx"),
            _Col("link", "Link", "url", 40, where="xlsx"),
            _Col("region", "Region", width=14, where="xlsx"),
            _Col("industry", "Industry", width=16, where="xlsx"),
            _Col("channel", "Channel", width=20, where="xlsx"),
            _Col("definition", "Definition", width=40, where="xlsx"),
            _Col("caveat", "Caveat", width=60, where="xlsx"),
            _Col("note", "Note", width=30, where="xlsx"),
        ]
    elif section == "targets":
        frame = report.targets
        cols = [
            _Col("KPI", "KPI", width=24),
            _Col("period", "Period", "short", 9),
            *(
                _Col(key, header, kind, where=where)
                for key, header in (
                    ("target", "Target"),
                    ("baseline", "Last year"),
                    ("actual", "Actual"),
                    ("expected", "Planned to date"),
                    ("projected", "At this pace"),
                )
                for kind, where in (("kpi", "xlsx"), ("compact", "html"))
            ),
            _Col("status", "Status", "short", 11),
            _Col("through", "Data to", "short", 11, where="xlsx"),
            _Col("owner", "Owner", width=20, where="xlsx"),
            _Col("goal", "Business goal", width=40, where="xlsx"),
            _Col("notes", "Notes", width=40, where="xlsx"),
            _Col("smart", "SMART issues", width=60, where="xlsx"),
        ]
    elif section == "changes":
        frame = report.changes
        cols = [
            _Col(c, c.capitalize(), width=24) for c in (frame.columns if frame is not None else [])
        ]
    else:
        raise KeyError(section)
    if frame is None:
        raise KeyError(section)
    return frame, [c for c in cols if c.where in ("both", target)]


def _unit_of(row: Mapping[str, Any]) -> str:
    kpi_id = row.get("kpi_id")
    return KPIS[kpi_id].unit if kpi_id in KPIS else "count"


def _currency_of(row: Mapping[str, Any], col: _Col) -> str:
    """The currency of a money cell: a published band's own, else ours."""
    if col.key in ("low", "typical", "high") and row.get("currency"):
        return str(row["currency"])
    return DEFAULT_CURRENCY


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and not math.isfinite(value))


def _show(value: Any, col: _Col, row: Mapping[str, Any], locale: str) -> str:
    """A cell as text for the HTML page."""
    kind = col.kind
    if kind == "band":
        low, typical, high = row.get("low"), row.get("typical"), row.get("high")
        band = _Col("low", "", "kpi")
        if not _missing(low) and not _missing(high):
            return f"{_show(low, band, row, locale)} – {_show(high, band, row, locale)}"
        return _show(typical, band, row, locale)
    if kind == "rank":
        rank, of = row.get("rank"), row.get("of")
        return f"{rank} of {of}" if rank is not None and of and of > 1 else ""
    if kind == "interval":
        low, high = row.get("low"), row.get("high")
        return "–" if _missing(low) or _missing(high) else f"{low:.2f} to {high:.2f}"
    if _missing(value):
        return "" if kind in ("text", "short", "url") else "–"
    if kind in ("kpi", "compact"):
        return format_value(
            float(value),
            _unit_of(row),
            locale=locale,
            currency=_currency_of(row, col),
            compact=kind == "compact",
        )
    if kind == "change":
        how: Literal["relative", "pp"] = "pp" if _unit_of(row) == "percent" else "relative"
        return format_change(Change(float(value), how, "unknown"), locale=locale)
    if kind == "gap":
        if _unit_of(row) == "percent":
            return f"{value:+.1f} pp"
        return f"{value * 100:+.0f} %"
    if kind == "share":
        return format_value(float(value), "percent", locale=locale)
    if kind == "small_share" and abs(value) < 0.01:
        shown = f"{value * 100:.2f}" if abs(value) >= 0.0001 else f"{value * 100:.2g}"
        return f"{shown}%" if locale == "en" else f"{shown.replace('.', ',')} %"
    if kind == "small_share":
        return format_value(float(value), "percent", locale=locale)
    if kind in ("count", "int"):
        return format_value(float(value), "count", locale=locale)
    if kind == "r":
        return f"{value:.2f}"
    return str(value)


# -- HTML ------------------------------------------------------------------------------------

_CSS = """
:root { --ink: #1b2631; --muted: #5d6d7e; --line: #d5dbe0; --good: #2e7d32; --bad: #c62828; }
* { box-sizing: border-box; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
       sans-serif; color: var(--ink); margin: 0 auto; max-width: 190mm; padding: 12mm 4mm;
       font-size: 10.5pt; line-height: 1.45; }
h1 { font-size: 20pt; margin: 0 0 2mm; }
h2 { font-size: 14pt; margin: 0 0 1mm; padding-bottom: 1mm; border-bottom: 2px solid #1f5f8b; }
h3 { font-size: 11pt; margin: 5mm 0 2mm; }
.meta { color: var(--muted); margin: 0 0 4mm; }
dl.meta dt { display: inline; font-weight: 600; }
dl.meta div { display: inline-block; margin-right: 4mm; white-space: nowrap; }
dl.meta dd { display: inline; margin: 0; }
section { margin: 0 0 12mm; }
ul.lines { padding-left: 5mm; margin: 2mm 0 3mm; }
ul.lines li { margin-bottom: 1mm; }
.note { color: var(--muted); font-style: italic; }
table { border-collapse: collapse; width: 100%; margin: 2mm 0 4mm; font-size: 9pt; }
th, td { border-bottom: 1px solid var(--line); padding: 1.2mm 1.6mm; vertical-align: top;
         text-align: left; overflow-wrap: break-word; }
th { background: #eef2f5; font-weight: 600; }
td.num, th.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
td.short { white-space: nowrap; }
td.better { color: var(--good); }
td.worse { color: var(--bad); }
.charts { display: flex; flex-wrap: wrap; gap: 2mm 6mm; align-items: flex-start; }
figure { margin: 3mm 0 5mm; break-inside: avoid; page-break-inside: avoid; max-width: 100%; }
.charts.pair figure { flex: 0 1 calc(50% - 3mm); }
figure img { max-width: 100%; height: auto; display: block; }
figcaption { color: var(--muted); font-size: 9pt; margin-bottom: 1mm; }
ul.sources li { margin-bottom: 1.5mm; font-size: 9pt; }
a { color: #1f5f8b; overflow-wrap: anywhere; }
@page { size: A4; margin: 14mm 12mm 16mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 9.5pt; }
  section { break-before: page; page-break-before: always; margin: 0; }
  section.first { break-before: auto; page-break-before: auto; }
  thead { display: table-header-group; }
  tr, li { break-inside: avoid; page-break-inside: avoid; }
  h2, h3 { break-after: avoid; page-break-after: avoid; }
}
"""

#: Nothing in the page may load anything: images only from data: URLs, styles inline.
_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; form-action 'none'"


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _rich(text: str) -> str:
    """Escape ``text``, then turn the ``**bold**`` of generated sentences into ``<strong>``."""
    return re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", _e(text))


def _plain(text: str) -> str:
    return text.replace("**", "")


def _lines(lines: Sequence[str], *, note: bool = False) -> str:
    if not lines:
        return ""
    css = "lines note" if note else "lines"
    return f"<ul class='{css}'>" + "".join(f"<li>{_rich(s)}</li>" for s in lines) + "</ul>"


def _web_link(url: object) -> str | None:
    """``url`` when it is a plain http(s) address, else ``None`` (shown as text, never linked)."""
    if not isinstance(url, str):
        return None
    url = url.strip()
    if not re.match(r"^https?://[^\s<>\"'`]+$", url, flags=re.IGNORECASE) or len(url) > _MAX_URL:
        return None
    return url


def _link_html(url: object) -> str:
    link = _web_link(url)
    if link is None:
        return _e(url or "")
    return f'<a href="{_e(link)}" rel="noopener noreferrer">{_e(link)}</a>'


def _html_table(frame: pl.DataFrame, cols: Sequence[_Col], locale: str) -> str:
    if frame.is_empty():
        return ""
    head = "".join(
        f'<th class="num">{_e(c.header)}</th>' if c.kind in _NUMERIC else f"<th>{_e(c.header)}</th>"
        for c in cols
    )
    body = []
    for row in frame.iter_rows(named=True):
        cells = []
        for c in cols:
            value = row.get(c.key)
            if c.kind == "url":
                cells.append(f"<td>{_link_html(value)}</td>")
                continue
            classes = ["num"] if c.kind in _NUMERIC else ["short"] if c.kind == "short" else []
            if c.kind == "change":
                verdict = row.get(c.key.replace("change_", "verdict_"))
                if verdict in ("better", "worse"):
                    classes.append(verdict)
            attr = f' class="{" ".join(classes)}"' if classes else ""
            cells.append(f"<td{attr}>{_e(_show(value, c, row, locale))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _figures(report: Report, titles: Sequence[str], *, pair: bool) -> str:
    out = []
    for title, png in report.chart_pngs():
        if title not in titles:
            continue
        if png is None:
            out.append(f'<p class="note">The chart “{_e(title)}” could not be drawn.</p>')
            continue
        width, _ = _png_size(png)
        data = base64.b64encode(png).decode("ascii")
        out.append(
            f"<figure><figcaption>{_e(title)}</figcaption>"
            f'<img alt="{_e(title)}" width="{round(width / CHART_SCALE)}" '
            f'src="data:image/png;base64,{data}"></figure>'
        )
    if not out:
        return ""
    return f"<div class='charts{' pair' if pair else ''}'>" + "".join(out) + "</div>"


def _chart_groups(report: Report) -> dict[str, list[str]]:
    """Which charts belong to which section, by title."""
    groups: dict[str, list[str]] = {k: [] for k in SECTIONS}
    trend_titles = {f"{r['KPI']} per {report.period}" for r in _rows(report.scorecard)}
    target_names = tuple(f"{r['KPI']} {r['period']}: " for r in _rows(report.targets))
    for title, _ in report.charts:
        if title in trend_titles:
            groups["scorecard"].append(title)
        elif title.startswith("Funnel, "):
            groups["funnel"].append(title)
        elif title.startswith("Correlation with "):
            groups["leadlag"].append(title)
        elif title.startswith("Benchmarks, "):
            groups["benchmarks"].append(title)
        elif target_names and title.startswith(target_names):
            groups["targets"].append(title)
    return groups


def _rows(frame: pl.DataFrame | None) -> list[dict[str, Any]]:
    return [] if frame is None else frame.to_dicts()


def _sources_html(report: Report) -> str:
    """Every benchmark figure's source, year, link and caveat, one item per KPI."""
    items = []
    for r in _rows(report.benchmarks):
        if r["source"] is None:
            continue
        where = ", ".join(_e(x) for x in (r["region"], r["industry"], r["channel"]) if x)
        text = f"<strong>{_e(r['KPI'])}</strong>: {_e(r['source'])}"
        if r["year"]:
            text += f" ({_e(r['year'])})"
        if where:
            text += f"; {where}"
        if r["link"]:
            text += f". {_link_html(r['link'])}"
        if r["definition"]:
            text += f". Definition: {_e(r['definition'])}"
        if r["caveat"]:
            text += f" Caveat: {_e(r['caveat'])}"
        if r["note"]:
            text += f" {_e(r['note'])}"
        items.append(f"<li>{text}</li>")
    if not items:
        return ""
    return (
        "<h3>Where the published figures come from</h3><ul class='sources'>"
        + "".join(items)
        + "</ul>"
    )


def _targets_html(report: Report) -> str:
    """Each target's owner, business goal, notes and SMART issues, below the table."""
    items = []
    for r in _rows(report.targets):
        parts = [f"<strong>{_e(r['KPI'])} {_e(r['period'])}</strong>"]
        for label, key in (("Owner", "owner"), ("Goal", "goal"), ("Notes", "notes")):
            if r[key]:
                parts.append(f"{label}: {_e(r[key])}")
        parts.append(f"SMART: {_e(r['smart'])}")
        items.append("<li>" + " · ".join(parts) + "</li>")
    return "<h3>Who, why and how SMART</h3><ul class='sources'>" + "".join(items) + "</ul>"


def _made(report: Report) -> str:
    try:
        when = dt.datetime.fromisoformat(report.generated)
    except ValueError:
        return report.generated
    return f"{when:%-d %B %Y, %H:%M} (UTC{when:%z})".replace("UTC+0000", "UTC")


def _findings(report: Report, key: str) -> tuple[str, ...]:
    """The sentences shown above a section's table."""
    if key == "funnel":
        return (report.funnel_finding,) if report.funnel_finding else ()
    if key == "leadlag":
        finding = (report.leadlag_finding,) if report.leadlag_finding else ()
        others = [
            r["finding"]
            for r in _rows(report.leadlag)
            if r["finding"] and r["finding"] != report.leadlag_finding
        ]
        return (*finding, *others)
    if key == "benchmarks":
        return report.benchmark_summary
    if key == "targets":
        return report.pacing
    return ()


def to_html(report: Report, *, locale: str = "en") -> str:
    """The report as one self-contained, print-ready HTML page.

    The page loads nothing: no external URL, script or font (a content
    security policy forbids it), charts are PNG ``data:`` images. Every text
    that comes from the data is escaped; links (the benchmark sources) are
    plain ``<a href>`` to http(s) addresses only. Printed, each section starts
    on a new A4 page and table headers repeat; print it to PDF from a browser.

    Parameters
    ----------
    locale
        How numbers are written: ``"en"``, ``"da"``, ``"nb"`` or ``"sv"``.
    """
    groups = _chart_groups(report)
    meta = [("Data", report.source), ("Period", report.when), *report.filters]
    meta.append(("Made", _made(report)))
    head = "".join(f"<div><dt>{_e(k)}:</dt> <dd>{_e(v)}</dd></div>" for k, v in meta)
    first = [
        '<section class="first">',
        f"<h1>{_e(report.title)}</h1>",
        f'<dl class="meta">{head}</dl>',
        _lines(report.summary),
    ]
    left_out = [f"{s}: {m}" for s, m in report.notes if m.startswith("Left out")]
    if left_out:
        first += ["<h3>Not in this report</h3>", _lines(left_out, note=True)]
    first.append("</section>")
    parts = ["".join(first)]

    for key in report.sections():
        frame, cols = _columns(report, key, target="html")
        body = [
            f"<section id='{key}'><h2>{_e(SECTIONS[key])}</h2>",
            f"<p class='meta'>{_e(report.source)} · {_e(report.when)}</p>",
            _lines(_findings(report, key)),
            _html_table(frame, cols, locale),
        ]
        if key == "funnel":
            body.append(_lines(report.funnel_notes, note=True))
        body.append(_lines([n for n in report.notes_for(key) if not n.startswith("Left out")]))
        if key == "benchmarks":
            body.append(_sources_html(report))
        if key == "targets":
            body.append(_targets_html(report))
        body.append(_figures(report, groups[key], pair=key in ("scorecard", "targets")))
        body.append("</section>")
        parts.append("".join(body))

    mapping_rows = "".join(
        f"<tr><td>{_e(c)}</td><td>{_e(f)}</td><td>{_e(_field_label(f))}</td></tr>"
        for c, f in report.mapping
    )
    assumptions = ["<section id='assumptions'><h2>Assumptions</h2>", _lines(report.assumptions)]
    if mapping_rows:
        assumptions.append(
            "<h3>Column mapping</h3><table><thead><tr><th>Column in the file</th><th>Field</th>"
            f"<th>Meaning</th></tr></thead><tbody>{mapping_rows}</tbody></table>"
        )
    assumptions.append("</section>")
    parts.append("".join(assumptions))

    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="referrer" content="no-referrer">'
        f"<title>{_e(report.title)} · {_e(report.source)}</title>"
        f"<style>{_CSS}</style></head><body>\n" + "\n".join(parts) + "\n</body></html>\n"
    )


def _field_label(field_id: str) -> str:
    f = FIELDS_BY_ID.get(field_id)
    return f.label if f is not None else ""


# -- Excel -------------------------------------------------------------------------------------

_PP = '+0.0" pp";-0.0" pp";0.0" pp"'
_RELATIVE = "+0.0%;-0.0%;0.0%"


def _money_format(currency: str, decimals: bool) -> str:
    digits = "#,##0.00" if decimals else "#,##0"
    if currency.upper() == "DKK":
        return f'{digits} "kr."'
    if re.fullmatch(r"[A-Za-z]{3}", currency):
        return f'{digits} "{currency.upper()}"'
    return digits


def _number_format(col: _Col, row: Mapping[str, Any]) -> str:
    """The Excel number format of one numeric cell."""
    if col.kind == "kpi":
        kpi_id = row.get("kpi_id")
        k = KPIS.get(kpi_id) if isinstance(kpi_id, str) else None
        unit = k.unit if k is not None else "count"
        if unit == "percent":
            return "0.0%"
        if unit == "currency":
            return _money_format(_currency_of(row, col), decimals=bool(k and k.is_ratio))
        if unit == "multiple":
            return '0.00"×"'
        return "#,##0"
    if col.kind in ("change", "gap"):
        return _PP if _unit_of(row) == "percent" else _RELATIVE
    if col.kind == "share":
        return "0.0%"
    if col.kind == "small_share":
        return "0.00%"
    if col.kind == "r":
        return "0.00"
    return "#,##0"


class _Sheet:
    """One worksheet: text always as a string (quote-prefixed when risky), numbers as numbers."""

    def __init__(self, book: _Book, name: str) -> None:
        self.book = book
        self.ws = book.wb.add_worksheet(name)
        self.row = 0

    def text(self, row: int, col: int, value: object, style: str = "") -> int:
        """Write ``value`` as a string cell; returns its longest line's length."""
        text = "" if value is None else str(value)
        if len(text) > _MAX_CELL:
            text = text[: _MAX_CELL - 1] + "…"
        if not text:
            self.ws.write_blank(row, col, None, self.book.fmt(style))
            return 0
        # write_string never makes a formula; the quote prefix keeps Excel from
        # reading the text as one when someone edits the cell.
        self.ws.write_string(row, col, text, self.book.fmt(style, quote=is_risky(text)))
        return max((len(part) for part in text.splitlines()), default=0)

    def number(self, row: int, col: int, value: object, num_format: str) -> int:
        if not isinstance(value, int | float) or isinstance(value, bool) or _missing(value):
            self.ws.write_blank(row, col, None)
            return 0
        self.ws.write_number(row, col, float(value), self.book.fmt("", num_format=num_format))
        return len(f"{value:,.2f}") + 3

    def link(self, row: int, col: int, url: object) -> int:
        link = _web_link(url)
        if link is None:
            return self.text(row, col, url, "wrap")
        self.ws.write_url(row, col, link, self.book.fmt("link"), string=safe_text(link))
        return len(link)

    def line(self, value: object, style: str = "") -> None:
        self.text(self.row, 0, value, style)
        self.row += 1

    def table(self, frame: pl.DataFrame, cols: Sequence[_Col]) -> None:
        """The frame under a bold header row, widths fitted, the header frozen."""
        top = self.row
        widths = [max(min(len(c.header), 18), 6) for c in cols]
        for j, c in enumerate(cols):
            self.text(top, j, c.header, "header")
        for i, row in enumerate(frame.iter_rows(named=True), start=top + 1):
            for j, c in enumerate(cols):
                value = row.get(c.key)
                if c.kind in ("text", "short"):
                    used = self.text(i, j, value, "wrap" if c.kind == "text" else "")
                elif c.kind == "url":
                    used = self.link(i, j, value)
                else:
                    used = self.number(i, j, value, _number_format(c, row))
                widths[j] = max(widths[j], used)
        for j, c in enumerate(cols):
            limit = c.width if c.width is not None else 60
            self.ws.set_column(j, j, min(widths[j] + 2, max(limit, 8)))
        self.ws.freeze_panes(top + 1, 0)
        self.row = top + frame.height + 2


class _Book:
    """An in-memory xlsxwriter workbook with its formats made once."""

    def __init__(self) -> None:
        import xlsxwriter

        self.buffer = io.BytesIO()
        self.wb = xlsxwriter.Workbook(
            self.buffer,
            {
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
                "in_memory": True,
            },
        )
        self._formats: dict[tuple[str, bool, str], Any] = {}

    _STYLES: ClassVar[dict[str, dict[str, Any]]] = {
        "": {},
        "title": {"bold": True, "font_size": 16},
        "subtitle": {"italic": True, "font_color": "#5d6d7e"},
        "bold": {"bold": True},
        "header": {"bold": True, "bg_color": "#eef2f5", "bottom": 1, "text_wrap": True,
                   "valign": "top"},
        "wrap": {"text_wrap": True, "valign": "top"},
        "note": {"italic": True, "font_color": "#5d6d7e"},
        "link": {"font_color": "#1f5f8b", "underline": 1},
    }  # fmt: skip

    def fmt(self, style: str = "", *, quote: bool = False, num_format: str = "") -> Any:
        key = (style, quote, num_format)
        if key not in self._formats:
            props = dict(self._STYLES[style])
            if quote:
                props["quote_prefix"] = True
            if num_format:
                props["num_format"] = num_format
                props.setdefault("valign", "top")
            self._formats[key] = self.wb.add_format(props)
        return self._formats[key]

    def close(self) -> bytes:
        self.wb.close()
        return self.buffer.getvalue()


#: Sheet names (at most 31 characters, none of []:*?/\).
_SHEETS: dict[str, str] = {
    "scorecard": "Scorecard",
    "funnel": "Funnel",
    "leadlag": "Leading vs lagging",
    "benchmarks": "Benchmarks",
    "targets": "Targets",
    "changes": "Change log",
}


def _png_size(png: bytes) -> tuple[int, int]:
    """Width and height in pixels from a PNG's header."""
    if png[:8] != b"\x89PNG\r\n\x1a\n" or len(png) < 24:
        return 0, 0
    width, height = struct.unpack(">II", png[16:24])
    return int(width), int(height)


def to_xlsx(report: Report) -> bytes:
    """The report as an Excel workbook: a sheet per section, real numbers, charts as images.

    Sheets: ``Report`` (title, period, filters, summary, what was left
    out), one per section present, ``Assumptions`` (with the column mapping)
    and ``Charts``. Numbers are written as numbers with formats (``0.0%``
    for rates, ``#,##0`` for counts, ``#,##0 "kr."`` for money, ``+0.0 "pp"``
    for changes of rates). Text is always written as a string; a text that
    starts with ``=``, ``+``, ``-``, ``@``, tab or carriage return gets
    Excel's quote prefix, so it shows as text and never runs.
    """
    book = _Book()
    groups = _chart_groups(report)

    front = _Sheet(book, "Report")
    front.line(report.title, "title")
    for key, value in (("Data", report.source), ("Period", report.when), *report.filters,
                       ("Made", _made(report))):  # fmt: skip
        front.text(front.row, 0, key, "bold")
        front.text(front.row, 1, value)
        front.row += 1
    front.row += 1
    if report.summary:
        front.line("Summary", "bold")
        for s in report.summary:
            front.line(_plain(s))
        front.row += 1
    if report.notes:
        front.line("Notes", "bold")
        for section, message in report.notes:
            front.text(front.row, 0, section, "note")
            front.text(front.row, 1, message, "note")
            front.row += 1
    front.ws.set_column(0, 0, 22)
    front.ws.set_column(1, 1, 100)

    for key in report.sections():
        frame, cols = _columns(report, key, target="xlsx")
        sheet = _Sheet(book, _SHEETS[key])
        sheet.line(SECTIONS[key], "title")
        sheet.line(f"{report.source} · {report.when}", "subtitle")
        findings = report.summary if key == "scorecard" else _findings(report, key)
        if key == "leadlag":
            findings = findings[:1]  # the others are in the table's Finding column
        for s in findings:
            sheet.line(_plain(s))
        for note in report.notes_for(key):
            sheet.line(note, "note")
        if key == "funnel":
            for s in report.funnel_notes:
                sheet.line(s, "note")
        sheet.row += 1
        sheet.table(frame, cols)
        if groups[key]:
            sheet.line(f"Charts: see the Charts sheet ({', '.join(groups[key])}).", "note")

    sheet = _Sheet(book, "Assumptions")
    sheet.line("Assumptions", "title")
    for s in report.assumptions:
        sheet.line(s)
    sheet.row += 1
    if report.mapping:
        sheet.line("Column mapping", "bold")
        mapping = pl.DataFrame(
            {
                "column": [c for c, _ in report.mapping],
                "field": [f for _, f in report.mapping],
                "meaning": [_field_label(f) for _, f in report.mapping],
            },
            schema={"column": pl.String, "field": pl.String, "meaning": pl.String},
        )
        sheet.table(
            mapping,
            [_Col("column", "Column in the file", width=40), _Col("field", "Field", width=16),
             _Col("meaning", "Meaning", width=24)],
        )  # fmt: skip
    sheet.ws.set_column(0, 0, 40)
    sheet.ws.freeze_panes(0, 0)

    charts = _Sheet(book, "Charts")
    charts.line("Charts", "title")
    charts.row += 1
    for title, png in report.chart_pngs():
        charts.line(title, "bold")
        if png is None:
            charts.line("This chart could not be drawn.", "note")
            continue
        _, height = _png_size(png)
        # The PNG says 192 pixels per inch, so Excel shows it at its on-screen size.
        charts.ws.insert_image(charts.row, 0, f"{slug(title)}.png", {"image_data": io.BytesIO(png)})
        charts.row += math.ceil(height / CHART_SCALE / 20) + 2
    return book.close()


# -- Charts as images --------------------------------------------------------------------------


def chart_png(chart: alt.Chart | Mapping[str, Any], *, scale: float = CHART_SCALE) -> bytes:
    """A chart as PNG bytes, rendered by vl-convert without a browser.

    The image is ``scale`` times the chart's size and says so in its pixels
    per inch (96 × ``scale``), so it prints and sits in a workbook at the
    chart's own size. Only inline data is allowed: a chart that would fetch
    data from a URL fails with ``ValueError``.
    """
    import vl_convert as vlc

    spec = dict(chart) if isinstance(chart, Mapping) else chart.to_dict()
    ppi = 96 * scale
    # vl-convert multiplies its scale by ppi / 72; this gives ``scale`` image pixels per CSS pixel.
    png = vlc.vegalite_to_png(spec, scale=scale * 72 / ppi, ppi=ppi, allowed_base_urls=[])
    return bytes(png)


def charts_zip(report: Report) -> bytes:
    """Every chart of the report as a PNG in one zip, file names from the chart titles."""
    out = io.BytesIO()
    used: set[str] = set()
    with zipfile.ZipFile(out, "w") as zf:
        for i, (title, png) in enumerate(report.chart_pngs(), start=1):
            if png is None:
                continue
            base = f"{i:02d}-{slug(title)}"
            name, n = f"{base}.png", 2
            while name in used:
                name, n = f"{base}-{n}.png", n + 1
            used.add(name)
            zf.writestr(name, png, compress_type=zipfile.ZIP_STORED)
    return out.getvalue()


# -- Writing a file ----------------------------------------------------------------------------

_PDF = (
    "A PDF is not written directly: write report.html and print it to PDF from a browser "
    "(it is laid out for A4, one section per page)."
)


def check_suffix(path: Path | str) -> str:
    """The report format for ``path``'s suffix (``.xlsx``, ``.html``, ``.zip``).

    Raises
    ------
    InputError
        Any other suffix; ``.pdf`` says how to make one from the HTML.
    """
    suffix = Path(path).suffix.lower()
    if suffix == ".htm":
        suffix = ".html"
    if suffix == ".pdf":
        raise InputError(f"{Path(path).name}: {_PDF}")
    if suffix not in FORMATS:
        kinds = ", ".join(f"{s} ({what})" for s, what in FORMATS.items())
        raise InputError(
            f"‘{Path(path).name}’ is not a report format KPI Kompas writes; "
            f"end the name with {kinds}."
        )
    return suffix


def render(report: Report, suffix: str) -> bytes:
    """The report's bytes in the format of ``suffix`` (see :func:`check_suffix`)."""
    suffix = check_suffix(f"report{suffix}")
    if suffix == ".xlsx":
        return to_xlsx(report)
    if suffix == ".html":
        return to_html(report).encode("utf-8")
    return charts_zip(report)


def write_bytes(path: Path | str, data: bytes) -> Path:
    """Write ``data`` to ``path`` whole or not at all (a temporary file renamed into place).

    Raises
    ------
    InputError
        The folder does not exist or cannot be written.
    """
    path = Path(path)
    folder = path.parent
    if not folder.is_dir():
        raise InputError(f"There is no folder ‘{folder}’ to write {path.name} in.")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as err:
        raise InputError(f"{path} could not be written ({err.strerror or err}).") from None
    return path


def write_report(report: Report, path: Path | str) -> Path:
    """Write the report in the format its suffix names: ``.xlsx``, ``.html`` or ``.zip`` (PNGs).

    The file is written whole or not at all.

    Raises
    ------
    InputError
        Another suffix (``.pdf``: print the HTML from a browser), or the
        folder cannot be written.
    """
    path = Path(path)
    return write_bytes(path, render(report, check_suffix(path)))


def _change_value(value: Any) -> str | None:
    """A change-log value in words: a target as "Revenue DKK56M in 2026", KPI ids as names."""
    if value is None:
        return None
    if isinstance(value, str):
        return KPIS[value].name if value in KPIS else value
    if isinstance(value, Mapping) and value.get("kpi") in KPIS and "period" in value:
        k = KPIS[value["kpi"]]
        amount = value.get("value")
        shown = (
            format_value(float(amount), k.unit, compact=True)
            if isinstance(amount, int | float) and not isinstance(amount, bool)
            else str(amount)
        )
        text = f"{k.name} {shown} in {value['period']}"
        extras = [f"{key} {value[key]}" for key in ("owner", "goal", "notes") if value.get(key)]
        return text + (f" ({'; '.join(extras)})" if extras else "")
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return ", ".join(KPIS[v].name if v in KPIS else v for v in value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def changes_frame(
    log: Sequence[Mapping[str, Any]], *, names: Mapping[str, str] | None = None
) -> pl.DataFrame:
    """A change log from :func:`kpi_core.store.read_export` as a frame of text for a report.

    Parameters
    ----------
    log
        Rows with ``at, kind, what, before, after, note`` (``before``/``after``
        plain values).
    names
        What each ``what`` id stands for (target id -> "Revenue 2026", file key
        -> file name); a target's id is otherwise named from its record.
    """
    names = dict(names or {})
    rows = []
    for r in log:
        what = str(r.get("what") or "")
        record = r.get("after") if isinstance(r.get("after"), Mapping) else r.get("before")
        if what not in names and isinstance(record, Mapping) and record.get("kpi") in KPIS:
            names[what] = f"{KPIS[record['kpi']].name} {record.get('period', '')}".strip()
        rows.append(
            {
                "at": str(r.get("at") or ""),
                "kind": str(r.get("kind") or ""),
                "what": names.get(what) or (KPIS[what].name if what in KPIS else what),
                "before": _change_value(r.get("before")),
                "after": _change_value(r.get("after")),
                "note": str(r.get("note") or ""),
            }
        )
    columns = ("at", "kind", "what", "before", "after", "note")
    return pl.DataFrame(rows, schema={c: pl.String for c in columns}, orient="row")
