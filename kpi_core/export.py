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
from babel import Locale
from babel.numbers import get_currency_symbol, get_decimal_symbol

from kpi_core.benchmarks import (
    COLUMNS as BENCHMARK_COLUMNS,
)
from kpi_core.benchmarks import (
    COMPETITOR_PREFIX,
    bands,
    bullet_rows,
    compare,
    data_text,
    load_builtin,
    position_text,
    validate_rows,
)
from kpi_core.benchmarks import (
    summary as benchmark_summary,
)
from kpi_core.catalogue import KPIS, STAGES, Kpi, kpis_for_fields, recommended, stage_name
from kpi_core.compute import PERIODS, Period, kpi_frame, measures_in
from kpi_core.fields import FIELDS_BY_ID
from kpi_core.funnel import biggest_leak, funnel, leak_table
from kpi_core.i18n import (
    DEFAULT_CURRENCY,
    LANGUAGES,
    LOCALES,
    format_change,
    format_day,
    format_number,
    format_value,
    in_sentence,
    join_words,
    period_name,
    t,
)
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
    "CHANGE_KINDS",
    "FORMATS",
    "SECTIONS",
    "Report",
    "build_report",
    "change_kind",
    "changes_frame",
    "chart_png",
    "charts_zip",
    "format_name",
    "is_risky",
    "safe_text",
    "section_title",
    "sheet_name",
    "slug",
    "to_html",
    "to_xlsx",
    "write_bytes",
    "write_report",
]

#: The sections of a report, in reading order (their titles: :func:`section_title`).
SECTIONS: tuple[str, ...] = ("scorecard", "funnel", "leadlag", "benchmarks", "targets", "changes")

#: File suffixes :func:`write_report` writes, and what each holds (in English, for the
#: command line's machine output; :func:`format_name` says it in a language).
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


def section_title(section: str, *, locale: str = "en") -> str:
    """The title of a report section (``"leadlag"`` -> ``Leading vs lagging``)."""
    return t(f"report.section.{section}", locale=locale)


def format_name(suffix: str, *, locale: str = "en") -> str:
    """What a report file of ``suffix`` holds, in words (``.xlsx`` -> ``an Excel workbook``)."""
    return t(f"report.format.{suffix.lstrip('.')}", locale=locale)


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
    left_out
        The notes of ``notes`` that say a section was left out.
    charts
        ``(title, chart)`` pairs, each built from an aggregated frame (with the
        locale's number and date formats).
    chart_sections
        The section key of each chart, in the order of ``charts``.
    locale, currency
        The language every text and number of the report is in, and the reporting
        currency of its money.
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
    left_out: tuple[tuple[str, str], ...] = ()
    chart_sections: tuple[str, ...] = ()
    locale: str = "en"
    currency: str = DEFAULT_CURRENCY
    _png: dict[int, bytes | None] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    @property
    def when(self) -> str:
        """The reported period in words (``October 2026``), or that all rows were used."""
        if self.period_label is None:
            return t("report.when_no_dates", locale=self.locale)
        return period_name(self.period_label, locale=self.locale)

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

    def notes_for(self, section: str, *, left_out: bool | None = None) -> list[str]:
        """The notes about one section (by key or title).

        ``left_out=False`` keeps only the notes that do not say the section was left
        out, ``True`` only those that do.
        """
        title = section_title(section, locale=self.locale) if section in SECTIONS else section
        out = [m for s, m in self.notes if s == title]
        if left_out is not None:
            gone = {m for s, m in self.left_out if s == title}
            out = [m for m in out if (m in gone) == left_out]
        return out

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

    def __init__(self, locale: str) -> None:
        self.locale = locale
        self.items: list[tuple[str, str]] = []
        self.left_out: list[tuple[str, str]] = []

    def add(self, section: str, message: str, *, left_out: bool = False) -> None:
        text = " ".join(str(message).split())
        title = section_title(section, locale=self.locale) if section in SECTIONS else section
        self.items.append((title, text))
        if left_out:
            self.left_out.append((title, text))

    def attempt(self, section: str, make: Callable[[], _T]) -> _T | None:
        """``make()``, or ``None`` with a note when the data cannot support it."""
        try:
            return make()
        except InputError as err:
            reason = err.text(self.locale)
            message = t("report.note.left_out", locale=self.locale, reason=reason)
            self.add(section, message, left_out=True)
        except (ValueError, ArithmeticError, KeyError, pl.exceptions.PolarsError) as err:
            message = t("report.note.not_computed", locale=self.locale, error=str(err))
            self.add(section, message, left_out=True)
        return None


class _Charts:
    """Collects the charts of a report, each with its section and the locale's formats."""

    def __init__(self, locale: str, currency: str) -> None:
        self.locale = locale
        self.currency = currency
        self.items: list[tuple[str, alt.Chart]] = []
        self.sections: list[str] = []

    def add(self, section: str, title: str, chart: alt.Chart) -> None:
        localized = _charts().localize(chart, locale=self.locale, currency=self.currency)
        self.items.append((title, localized))
        self.sections.append(section)


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
    title: str | None = None,
    channel: str | None = None,
    roles: Mapping[str, str] | None = None,
    today: dt.date | None = None,
    locale: str = "en",
    currency: str = DEFAULT_CURRENCY,
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
        Rows of the competitor table: ``{"Competitor": name, "<KPI name or id>": value}``
        (a KPI name in any of the app's languages).
    own_benchmarks
        The user's own benchmark rows (the columns of the built-in table);
        rows that fail :func:`kpi_core.benchmarks.validate_rows` are left out
        with a note.
    industry
        Benchmark figures for this industry (``"All industries"`` ones fill the gaps).
    changes
        The change log (``at, kind, what, before, after, note``), e.g. from
        :func:`changes_frame`; known kinds are put in words, times in the locale's.
    title
        The report's title; default "KPI report" in ``locale``.
    channel
        Limit every figure to the rows of this channel.
    roles
        KPI id -> ``"leading"``/``"lagging"``: the user's tags that differ from the catalogue.
    today
        For the SMART check of a target's dates; default today.
    locale
        The language of every heading, sentence and note, and how numbers and dates
        are written: ``"en"``, ``"da"``, ``"nb"`` or ``"sv"``.
    currency
        The reporting currency: the money of the data is in it (never converted).

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
        raise InputError.of("report.error.unknown_period", period=period)
    unknown = [k for k in (kpis or ()) if k not in KPIS]
    if unknown:
        raise InputError.of(
            "report.error.unknown_kpi", kpis=", ".join(unknown), valid=", ".join(KPIS)
        )
    if title is None:
        title = t("report.title", locale=locale)
    notes = _Notes(locale)
    roles = {k: r for k, r in (roles or {}).items() if k in KPIS and r in ("leading", "lagging")}
    filters: list[tuple[str, str]] = [
        (t("report.filter.period_length", locale=locale), t(f"report.per.{period}", locale=locale))
    ]
    if channel is not None:
        data, channel = _only_channel(data, channel)
        filters.append((t("report.filter.channel", locale=locale), channel))
    else:
        filters.append(
            (t("report.filter.channel", locale=locale), t("report.all_channels", locale=locale))
        )
    if industry:
        filters.append((t("report.filter.industry", locale=locale), industry))

    has_dates = "date" in data.columns and data["date"].drop_nulls().len() > 0
    kf: pl.DataFrame | None = None
    if has_dates:
        kf = kpi_frame(data, period=period)
        labels = kf["period"].to_list()
        if at is not None:
            at = at.strip()
            kind = period_bounds(at)[0]
            if kind != period:
                raise InputError.of(f"report.error.wrong_kind.{kind}_per_{period}", label=at)
            if at not in labels:
                raise InputError.of(
                    "report.error.no_such_period", label=at, first=labels[0], last=labels[-1]
                )
        else:
            at = notes.attempt("scorecard", lambda: default_period(kf))  # type: ignore[arg-type]
    else:
        at = None
        for section in ("scorecard", "leadlag", "targets") if targets else ("scorecard", "leadlag"):
            notes.add(section, t("report.note.no_dates", locale=locale), left_out=True)
    chosen = list(kpis) if kpis else recommended(measures_in(data))
    charts = _Charts(locale, currency)
    when = period_name(at, locale=locale) if at else t("report.all_rows", locale=locale)

    # Scorecard
    score: pl.DataFrame | None = None
    summary: list[str] = []
    if kf is not None and at is not None:
        made = notes.attempt("scorecard", lambda: _scorecard(kf, chosen, at, roles, period, charts))
        if made is not None:
            score, summary = made

    # Funnel
    window = _window(kf, at)
    fun = notes.attempt("funnel", lambda: _funnel(data, period, at, window, notes))
    funnel_frame, funnel_finding, funnel_notes = fun if fun is not None else (None, "", [])
    if funnel_frame is not None and funnel_frame.height:
        charts.add(
            "funnel",
            t("report.chart.funnel", locale=locale, when=when),
            _charts().funnel_chart(funnel_frame, locale=locale),
        )

    # Leading vs lagging
    ll = None
    if has_dates:
        ll = notes.attempt("leadlag", lambda: _leadlag(data, period, roles, charts))
    leadlag_frame, leadlag_finding = ll if ll is not None else (None, "")

    # Benchmarks
    bench = notes.attempt(
        "benchmarks",
        lambda: _benchmarks(
            data, kf, at, period, chosen, competitors, own_benchmarks, industry, notes, currency
        ),
    )
    bench_frame, bench_lines, bullet = bench if bench is not None else (None, [], None)
    if bullet is not None:
        charts.add("benchmarks", t("report.chart.benchmarks", locale=locale, when=when), bullet)

    # Targets
    targets_frame: pl.DataFrame | None = None
    pacing_lines: list[str] = []
    if targets and has_dates:
        made_t = notes.attempt(
            "targets",
            lambda: _targets(data, targets, today or dt.date.today(), charts),
        )
        if made_t is not None:
            targets_frame, pacing_lines = made_t
    elif not targets:
        notes.add("targets", t("report.note.no_targets", locale=locale), left_out=True)

    # Change log
    log = None
    if changes is not None and changes.height:
        log = _change_log(changes, locale)

    assumptions = _assumptions(
        data,
        source=source,
        mapping=mapping,
        period=period,
        at=at,
        kf=kf,
        scored=score,
        locale=locale,
        currency=currency,
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
        charts=tuple(charts.items),
        left_out=tuple(notes.left_out),
        chart_sections=tuple(charts.sections),
        locale=locale,
        currency=currency,
    )


def _only_channel(data: pl.DataFrame, channel: str) -> tuple[pl.DataFrame, str]:
    """The rows of one channel (named in any case) and the channel's name as in the data."""
    if "channel" not in data.columns:
        raise InputError.of("report.error.no_channel_column", channel=channel)
    values = data["channel"].drop_nulls().unique(maintain_order=True).to_list()
    wanted = channel.strip().casefold()
    match = [v for v in values if str(v).strip().casefold() == wanted]
    if not match:
        shown = ", ".join(f"‘{v}’" for v in values[:12])
        raise InputError.of("report.error.no_such_channel", channel=channel, channels=shown)
    return data.filter(pl.col("channel") == match[0]), str(match[0])


def _window(kf: pl.DataFrame | None, at: str | None) -> tuple[dt.date, dt.date] | None:
    if kf is None or at is None:
        return None
    row = kf.filter(pl.col("period") == at)
    return row["period_start"].item(), row["period_end"].item()


def _role(kpi_id: str, roles: Mapping[str, str]) -> str:
    return roles.get(kpi_id, KPIS[kpi_id].role)


def _formula(k: Kpi, locale: str) -> str:
    """How a KPI is computed, with the fields in ``locale``: ``Σ clicks / Σ impressions``."""

    def total(field_id: str) -> str:
        f = FIELDS_BY_ID.get(field_id)
        return f"Σ {in_sentence(f.name(locale)) if f is not None else field_id}"

    if k.denominator is None:
        return total(k.numerator)
    scale = "" if k.scale == 1 else f"{format_number(k.scale, locale=locale)} × "
    return f"{scale}{total(k.numerator)} / {total(k.denominator)}"


def _scorecard(
    kf: pl.DataFrame,
    chosen: Sequence[str],
    at: str,
    roles: Mapping[str, str],
    period: Period,
    charts: _Charts,
) -> tuple[pl.DataFrame, list[str]]:
    locale = charts.locale
    rows = scorecard(kf, kpis=chosen, at=at)
    if not rows:
        none = t("report.none_chosen", locale=locale)
        raise InputError.of("report.left_out.no_kpis", kpis=", ".join(chosen) or none)
    frame = pl.DataFrame(
        [
            {
                "kpi_id": r.kpi.id,
                "KPI": r.kpi.label(locale),
                "stage": stage_name(r.kpi.stage, locale=locale),
                "role": t(f"role.{_role(r.kpi.id, roles)}", locale=locale),
                "unit": r.kpi.unit,
                "formula": _formula(r.kpi, locale),
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
        charts.add(
            "scorecard",
            t(f"report.chart.trend_{period}", locale=locale, kpi=k.label(locale)),
            _charts().trend_chart(
                _charts().trend_frame(kf, kpi_id, selected=at, locale=locale), kpi=k, locale=locale
            ),
        )
    return frame, scorecard_summary(rows, period=at, locale=locale, currency=charts.currency)


def _funnel(
    data: pl.DataFrame,
    period: Period,
    at: str | None,
    window: tuple[dt.date, dt.date] | None,
    notes: _Notes,
) -> tuple[pl.DataFrame, str, list[str]]:
    locale = notes.locale
    start, end = window if window else (None, None)
    f = funnel(data, start=start, end=end, locale=locale)
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
        raise InputError.of("report.left_out.funnel_empty")
    stages = [stage_name(s, locale=locale) if s in STAGES else s for s in steps["journey_stage"]]
    steps = steps.with_columns(pl.Series("journey_stage", stages, pl.String))
    finding = ""
    if at is not None and "date" in data.columns:
        try:
            leak = biggest_leak(data, period=period, at=at, locale=locale)
        except InputError as err:
            notes.add(
                "funnel", t("report.funnel.no_search", locale=locale, reason=err.text(locale))
            )
        else:
            history = leak_table(data, period=period, at=at, locale=locale)["history_periods"].max()
            when = period_name(at, locale=locale)
            if leak is not None:
                finding = leak.sentence
            elif not isinstance(history, int) or history < _MIN_LEAK_HISTORY:
                finding = t(f"report.funnel.too_few_{period}", locale=locale, when=when)
            else:
                finding = t("report.funnel.no_leak", locale=locale, when=when)
    return steps, finding, [i.text(locale) for i in f.issues]


def _leadlag(
    data: pl.DataFrame,
    period: Period,
    roles: Mapping[str, str],
    charts: _Charts,
) -> tuple[pl.DataFrame, str]:
    locale = charts.locale
    kind: Period = "quarter" if period == "quarter" else "month"
    kf = kpi_frame(data, period=kind)
    present = [k for k in KPIS if k in kf.columns and kf[k].drop_nulls().len()]
    lagging_ids = [k for k in present if _role(k, roles) == "lagging"]
    leading_ids = [k for k in present if _role(k, roles) == "leading"]
    if not lagging_ids or not leading_ids:
        raise InputError.of("report.left_out.leadlag_needs")
    preferred = [k for k in ("revenue", "customers") if k in lagging_ids]
    lagging = (preferred or lagging_ids)[0]
    candidates = [k for k in leading_ids if not set(KPIS[k].fields) & _RESULT_FIELDS]
    leading = [k for k in _DEFAULT_LEADING if k in candidates] or candidates[:4]
    if not leading:
        raise InputError.of("report.left_out.leadlag_independent")
    found = cross_correlation(kf, lagging=lagging, leading=leading, locale=locale)
    if found.table["r"].is_null().all():
        # Too few periods for any lag: say so once rather than a table of blanks.
        raise InputError(found.findings[0].sentence)
    result = KPIS[lagging].label(locale)
    frame = pl.DataFrame(
        [
            {
                "kpi_id": f.kpi,
                "KPI": KPIS[f.kpi].label(locale),
                "lagging": result,
                "best_lag": f.best_lag,
                "r": f.r,
                "low": f.low,
                "high": f.high,
                "n": f.n,
                "strength": t(f"report.strength.{f.strength}", locale=locale),
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
        finding = t(f"report.leadlag.none_{kind}", locale=locale, kpi=in_sentence(result))
    if found.table.filter(pl.col("r").is_not_null()).height:
        names = {k: KPIS[k].label(locale) for k in leading}
        charts.add(
            "leadlag",
            t("report.chart.correlation", locale=locale, kpi=in_sentence(result)),
            _charts().correlation_chart(found.table, names=names, locale=locale),
        )
    return frame, finding


def _competitor_rows(rows: list[dict[str, Any]] | None) -> pl.DataFrame:
    """The competitor table's rows in long form: ``competitor, kpi_id, value``."""
    # The table's columns are KPI names in the language the user had, or ids.
    by_name = {k.label(lang).casefold(): k.id for lang in LANGUAGES for k in KPIS.values()}
    by_name |= {k.name.casefold(): k.id for k in KPIS.values()} | {k: k for k in KPIS}
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
        first = problems[0].text(notes.locale)
        message = t(
            "report.benchmarks.own_left_out",
            locale=notes.locale,
            count=len(records),
            bad=len(bad),
            example=first,
        )
        notes.add("benchmarks", message)
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
    currency: str,
) -> tuple[pl.DataFrame, list[str], alt.Chart | None]:
    locale = notes.locale
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
        ours,
        competitors=long if long.height else None,
        bands=band,
        currency=currency,
        locale=locale,
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
        raise InputError.of("report.left_out.no_benchmarks")
    lines = benchmark_summary(shown, currency=currency, locale=locale)

    # Words from Python, computed here: a Python function inside a polars expression can
    # deadlock the server (see tests/hardening/test_no_python_in_polars.py).
    def words(column: str, say: Callable[[str], str]) -> pl.Series:
        return pl.Series(column, [None if v is None else say(v) for v in shown[column]], pl.String)

    shown = shown.with_columns(
        words("kpi_id", lambda k: KPIS[k].label(locale) if k in KPIS else k).alias("KPI"),
        words("position", lambda p: position_text(p, locale=locale)),
        *(
            words(c, lambda v, c=c: data_text(c, v, locale=locale))
            for c in ("region", "industry", "channel", "definition", "caveat")
        ),
    )
    out = shown.select(
        "kpi_id",
        "KPI",
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
    return out, lines, _bullet(shown, long, currency, locale)


def _key(text: str) -> str:
    """A catalogue key part from an id with spaces: ``worse than band`` -> ``worse_than_band``."""
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def _bullet(
    comparison: pl.DataFrame, long: pl.DataFrame, currency: str, locale: str
) -> alt.Chart | None:
    """The Benchmarks page's chart: you, competitors and the published band per KPI."""
    rows = bullet_rows(comparison, long, currency=currency)
    return None if rows.is_empty() else _charts().bullet_chart(rows, locale=locale)


def _targets(
    data: pl.DataFrame,
    targets: Sequence[Target],
    today: dt.date,
    charts: _Charts,
) -> tuple[pl.DataFrame, list[str]]:
    locale = charts.locale
    kf = kpi_frame(data, period="month", parts=True)
    fields = measures_in(data)
    records = []
    lines = []
    for goal in sorted(targets, key=lambda g: (g.start, list(KPIS).index(g.kpi))):
        goal = with_baseline(goal, kf)
        if not goal.steps and goal.kind != "month":
            # As on the Targets page: a target nobody split follows last year's seasons.
            try:
                into: Period = "quarter" if goal.kind == "year" else "month"
                goal = _with_steps(goal, split(goal, into=into, method="seasonal", history=kf))
            except InputError:
                pass
        p = pace(goal, kf)
        k = KPIS[goal.kpi]
        checks = smart_check(
            goal, fields=fields, history=kf, today=today, locale=locale, currency=charts.currency
        )
        smart = "; ".join(f"{c.name}: {c.message}" for c in checks if not c.ok)
        label = _period_label(goal.label, locale)
        records.append(
            {
                "target_id": goal.id,
                "kpi_id": goal.kpi,
                "KPI": k.label(locale),
                "unit": k.unit,
                "period": label,
                "target": goal.value,
                "baseline": goal.baseline,
                "actual": p.actual,
                "expected": p.expected,
                "projected": p.projected,
                "status": t(f"targets.status.{_key(p.status)}", locale=locale),
                "through": format_day(p.through, locale=locale) if p.through else None,
                "owner": goal.owner,
                "goal": goal.goal,
                "notes": goal.notes,
                "smart": smart or t("report.targets.smart_ok", locale=locale),
            }
        )
        lines.append(pacing_sentence(p, locale=locale, currency=charts.currency))
        if p.status not in ("no data", "not started"):
            charts.add(
                "targets",
                t("report.chart.pacing", locale=locale, kpi=k.label(locale), period=label),
                _charts().pacing_chart(p.months, kpi=k, locale=locale),
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


def _period_label(label: str, locale: str) -> str:
    """A target's period (``2026``, ``2026-Q1``, ``2026-03``) as the locale writes it, short."""
    return period_name(label, locale=locale, style="short")


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
    locale: str = "en",
    currency: str = DEFAULT_CURRENCY,
) -> list[str]:
    lines: list[str] = []
    if "date" in data.columns and data["date"].drop_nulls().len():
        first, last = data["date"].min(), data["date"].max()
        lines.append(
            t(
                "report.assumption.data_dated",
                locale=locale,
                count=data.height,
                source=source,
                first=format_day(first, locale=locale),  # type: ignore[arg-type]
                last=format_day(last, locale=locale),  # type: ignore[arg-type]
            )
        )
    else:
        lines.append(t("report.assumption.data", locale=locale, count=data.height, source=source))
    if at is not None and kf is not None:
        row = kf.filter(pl.col("period") == at).row(0, named=True)
        lines.append(
            t(
                f"report.assumption.period_{period}",
                locale=locale,
                when=period_name(at, locale=locale),
                first=format_day(row["period_start"], locale=locale),
                last=format_day(row["period_end"], locale=locale),
            )
        )
        if not row["complete"]:
            lines.append(t(f"report.assumption.partial_{period}", locale=locale))
    lines += [
        t("report.assumption.ratios", locale=locale),
        t("report.assumption.no_data", locale=locale),
        t("report.assumption.rates", locale=locale),
        t("report.assumption.money", locale=locale, currency=currency),
        t("report.assumption.funnel", locale=locale),
        t("report.assumption.leadlag", locale=locale),
        t("report.assumption.targets", locale=locale),
    ]
    if scored is not None:
        formulas = [f"{r['KPI']} = {r['formula']}" for r in scored.iter_rows(named=True)]
        lines.append(t("report.assumption.formulas", locale=locale, formulas="; ".join(formulas)))
    if mapping:
        lines.append(t("report.assumption.mapping", locale=locale))
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
    header: str  # the catalogue key under ``report.column.`` (or the text, when ``literal``)
    kind: Kind = "text"
    width: int | None = None
    where: Literal["both", "html", "xlsx"] = "both"
    literal: bool = False

    def title(self, locale: str) -> str:
        """The column's header in ``locale``."""
        return self.header if self.literal else t(f"report.column.{self.header}", locale=locale)


def _columns(
    report: Report, section: str, *, target: Literal["html", "xlsx"]
) -> tuple[pl.DataFrame, list[_Col]]:
    """The frame of a section and the columns shown in ``target``, in order."""
    frame: pl.DataFrame | None
    cols: list[_Col]
    if section == "scorecard":
        frame = report.scorecard
        cols = [
            _Col("KPI", "kpi", width=28),
            _Col("stage", "kpi_stage", "short", 12),
            _Col("role", "role", "short", 9),
            _Col("value", "value", "kpi"),
            _Col("previous", "previous", "kpi"),
            _Col("change_previous", "change_previous", "change"),
            _Col("last_year", "last_year", "kpi"),
            _Col("change_last_year", "change_last_year", "change"),
            _Col("formula", "formula", width=30, where="xlsx"),
        ]
    elif section == "funnel":
        frame = report.funnel
        cols = [
            _Col("journey_stage", "journey_stage", "short", 12, where="xlsx"),
            _Col("label", "stage", "short", 14),
            _Col("count", "count", "count"),
            _Col("step_label", "step", "short", 20),
            _Col("pct_of_previous", "pct_of_previous", "share"),
            _Col("pct_of_first", "pct_of_first", "small_share"),
            _Col("drop", "drop", "count"),
            _Col("note", "note", width=40),
        ]
    elif section == "leadlag":
        frame = report.leadlag
        cols = [
            _Col("KPI", "leading_kpi", width=24),
            _Col("lagging", "result", "short", 16, where="xlsx"),
            _Col("best_lag", "best_lag", "int"),
            _Col("r", "correlation", "r"),
            _Col("low", "likely_from", "r", where="xlsx"),
            _Col("high", "likely_to", "r", where="xlsx"),
            _Col("low", "likely_range", "interval", where="html"),
            _Col("n", "pairs", "int"),
            _Col("strength", "strength", "short", 10),
            _Col("finding", "finding", width=70, where="xlsx"),
        ]
    elif section == "benchmarks":
        frame = report.benchmarks
        rivals = [
            _Col(c, c[len(COMPETITOR_PREFIX) :], "kpi", literal=True)
            for c in (frame.columns if frame is not None else [])
            if c.startswith(COMPETITOR_PREFIX)
        ]
        cols = [
            _Col("KPI", "kpi", width=26),
            _Col("value", "you", "kpi"),
            *rivals,
            _Col("low", "published_range", "band", where="html"),
            _Col("position", "position", width=16),
            _Col("rank", "rank", "rank", where="html"),
            _Col("low", "published_low", "kpi", where="xlsx"),
            _Col("typical", "published_typical", "kpi", where="xlsx"),
            _Col("high", "published_high", "kpi", where="xlsx"),
            _Col("currency", "currency", "short", 9, where="xlsx"),
            _Col("gap_to_typical", "gap_to_typical", "gap", where="xlsx"),
            _Col("rank", "rank", "int", where="xlsx"),
            _Col("of", "of", "int", where="xlsx"),
            _Col("source", "source", width=40, where="xlsx"),
            _Col("year", "year", width=14, where="xlsx"),
            _Col("link", "link", "url", 40, where="xlsx"),
            _Col("region", "region", width=14, where="xlsx"),
            _Col("industry", "industry", width=16, where="xlsx"),
            _Col("channel", "channel", width=20, where="xlsx"),
            _Col("definition", "definition", width=40, where="xlsx"),
            _Col("caveat", "caveat", width=60, where="xlsx"),
            _Col("note", "note", width=30, where="xlsx"),
        ]
    elif section == "targets":
        frame = report.targets
        cols = [
            _Col("KPI", "kpi", width=24),
            _Col("period", "period", "short", 9),
            *(
                _Col(key, key, kind, where=where)
                for key in ("target", "baseline", "actual", "expected", "projected")
                for kind, where in (("kpi", "xlsx"), ("compact", "html"))
            ),
            _Col("status", "status", "short", 11),
            _Col("through", "through", "short", 11, where="xlsx"),
            _Col("owner", "owner", width=20, where="xlsx"),
            _Col("goal", "goal", width=40, where="xlsx"),
            _Col("notes", "notes", width=40, where="xlsx"),
            _Col("smart", "smart", width=60, where="xlsx"),
        ]
    elif section == "changes":
        frame = report.changes
        known = ("at", "kind", "what", "before", "after", "note")
        cols = [
            _Col(c, f"change_{c}", width=24)
            if c in known
            else _Col(c, c.capitalize(), width=24, literal=True)
            for c in (frame.columns if frame is not None else [])
        ]
    else:
        raise KeyError(section)
    if frame is None:
        raise KeyError(section)
    return frame, [c for c in cols if c.where in ("both", target)]


def _unit_of(row: Mapping[str, Any]) -> str:
    kpi_id = row.get("kpi_id")
    return KPIS[kpi_id].unit if kpi_id in KPIS else "count"


def _currency_of(row: Mapping[str, Any], col: _Col, currency: str) -> str:
    """The currency of a money cell: a published band's own, else the report's."""
    if col.key in ("low", "typical", "high") and row.get("currency"):
        return str(row["currency"])
    return currency


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and not math.isfinite(value))


def _show(value: Any, col: _Col, row: Mapping[str, Any], locale: str, currency: str) -> str:
    """A cell as text for the HTML page."""
    kind = col.kind
    if kind == "band":
        low, typical, high = row.get("low"), row.get("typical"), row.get("high")
        band = _Col("low", "", "kpi")
        if not _missing(low) and not _missing(high):
            shown_low = _show(low, band, row, locale, currency)
            return f"{shown_low} – {_show(high, band, row, locale, currency)}"
        return _show(typical, band, row, locale, currency)
    if kind == "rank":
        rank, of = row.get("rank"), row.get("of")
        if rank is None or not of or of <= 1:
            return ""
        return t("report.rank", locale=locale, rank=int(rank), of=int(of))
    if kind == "interval":
        low, high = row.get("low"), row.get("high")
        if _missing(low) or _missing(high):
            return "–"
        return t(
            "report.interval",
            locale=locale,
            low=format_number(low, locale=locale, digits=2),
            high=format_number(high, locale=locale, digits=2),
        )
    if _missing(value):
        return "" if kind in ("text", "short", "url") else "–"
    if kind in ("kpi", "compact"):
        return format_value(
            float(value),
            _unit_of(row),
            locale=locale,
            currency=_currency_of(row, col, currency),
            compact=kind == "compact",
        )
    if kind in ("change", "gap"):
        how: Literal["relative", "pp"] = "pp" if _unit_of(row) == "percent" else "relative"
        return format_change(Change(float(value), how, "unknown"), locale=locale)
    if kind == "small_share" and abs(value) < 0.01:
        shown = f"{value * 100:.2f}" if abs(value) >= 0.0001 else f"{value * 100:.2g}"
        decimal = get_decimal_symbol(LOCALES.get(locale, "en_GB"))
        return f"{shown}%" if locale == "en" else f"{shown.replace('.', decimal)}\u00a0%"
    if kind in ("share", "small_share"):
        return format_value(float(value), "percent", locale=locale)
    if kind in ("count", "int"):
        return format_value(float(value), "count", locale=locale)
    if kind == "r":
        return format_number(float(value), locale=locale, digits=2)
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


def _html_table(frame: pl.DataFrame, cols: Sequence[_Col], locale: str, currency: str) -> str:
    if frame.is_empty():
        return ""
    head = "".join(
        f'<th class="num">{_e(c.title(locale))}</th>'
        if c.kind in _NUMERIC
        else f"<th>{_e(c.title(locale))}</th>"
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
            cells.append(f"<td{attr}>{_e(_show(value, c, row, locale, currency))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _figures(report: Report, section: str, *, pair: bool, locale: str) -> str:
    out = []
    groups = _chart_groups(report)
    for i, (title, png) in enumerate(report.chart_pngs()):
        if i not in groups[section]:
            continue
        if png is None:
            text = t("report.chart_failed", locale=locale, title=title)
            out.append(f'<p class="note">{_e(text)}</p>')
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


def _chart_groups(report: Report) -> dict[str, list[int]]:
    """Which charts (by their place in ``report.charts``) belong to which section."""
    groups: dict[str, list[int]] = {k: [] for k in SECTIONS}
    for i, section in enumerate(report.chart_sections):
        if section in groups and i < len(report.charts):
            groups[section].append(i)
    return groups


def _rows(frame: pl.DataFrame | None) -> list[dict[str, Any]]:
    return [] if frame is None else frame.to_dicts()


def _sources_html(report: Report, locale: str) -> str:
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
            text += ". " + _e(t("report.source.definition", locale=locale, text=r["definition"]))
        if r["caveat"]:
            caveat = data_text("caveat", r["caveat"], locale=locale)
            text += " " + _e(t("report.source.caveat", locale=locale, text=caveat))
        if r["note"]:
            text += f" {_e(r['note'])}"
        items.append(f"<li>{text}</li>")
    if not items:
        return ""
    heading = _e(t("report.heading.sources", locale=locale))
    return f"<h3>{heading}</h3><ul class='sources'>" + "".join(items) + "</ul>"


def _targets_html(report: Report, locale: str) -> str:
    """Each target's owner, business goal, notes and SMART issues, below the table."""
    items = []
    for r in _rows(report.targets):
        parts = [f"<strong>{_e(r['KPI'])} {_e(r['period'])}</strong>"]
        for key in ("owner", "goal", "notes"):
            if r[key]:
                parts.append(_e(t(f"report.target.{key}", locale=locale, text=r[key])))
        parts.append(_e(t("report.target.smart", locale=locale, text=r["smart"])))
        items.append("<li>" + " · ".join(parts) + "</li>")
    heading = _e(t("report.heading.who_why", locale=locale))
    return f"<h3>{heading}</h3><ul class='sources'>" + "".join(items) + "</ul>"


def _made(report: Report, locale: str) -> str:
    try:
        when = dt.datetime.fromisoformat(report.generated)
    except ValueError:
        return report.generated
    return _moment(when, locale)


def _moment(when: dt.datetime, locale: str) -> str:
    """A time as the locale writes it, with its offset: ``15. november 2026, 09:30 (UTC+0100)``."""
    day = format_day(when.date(), locale=locale, style="long")
    zone = f"UTC{when:%z}".replace("UTC+0000", "UTC") if when.tzinfo else ""
    return f"{day}, {when:%H:%M}" + (f" ({zone})" if zone else "")


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


def _meta(report: Report, locale: str) -> list[tuple[str, str]]:
    """The front page's facts: data, period, filters and when the report was made."""
    return [
        (t("report.meta.data", locale=locale), report.source),
        (t("report.meta.period", locale=locale), report.when),
        *report.filters,
        (t("report.meta.made", locale=locale), _made(report, locale)),
    ]


def to_html(report: Report, *, locale: str | None = None, currency: str | None = None) -> str:
    """The report as one self-contained, print-ready HTML page.

    The page loads nothing: no external URL, script or font (a content
    security policy forbids it), charts are PNG ``data:`` images. Every text
    that comes from the data is escaped; links (the benchmark sources) are
    plain ``<a href>`` to http(s) addresses only. Printed, each section starts
    on a new A4 page and table headers repeat; print it to PDF from a browser.

    Parameters
    ----------
    locale, currency
        The language of the page's headings and how numbers are written, and the
        reporting currency; default the report's own (``report.locale``,
        ``report.currency``), which its findings are written in.
    """
    locale = locale or report.locale
    currency = currency or report.currency
    meta = _meta(report, locale)
    head = "".join(f"<div><dt>{_e(k)}:</dt> <dd>{_e(v)}</dd></div>" for k, v in meta)
    first = [
        '<section class="first">',
        f"<h1>{_e(report.title)}</h1>",
        f'<dl class="meta">{head}</dl>',
        _lines(report.summary),
    ]
    left_out = [
        t("report.note.in_section", locale=locale, section=s, note=m) for s, m in report.left_out
    ]
    if left_out:
        heading = _e(t("report.heading.not_in_report", locale=locale))
        first += [f"<h3>{heading}</h3>", _lines(left_out, note=True)]
    first.append("</section>")
    parts = ["".join(first)]

    for key in report.sections():
        frame, cols = _columns(report, key, target="html")
        body = [
            f"<section id='{key}'><h2>{_e(section_title(key, locale=locale))}</h2>",
            f"<p class='meta'>{_e(report.source)} · {_e(report.when)}</p>",
            _lines(_findings(report, key)),
            _html_table(frame, cols, locale, currency),
        ]
        if key == "funnel":
            body.append(_lines(report.funnel_notes, note=True))
        body.append(_lines(report.notes_for(key, left_out=False)))
        if key == "benchmarks":
            body.append(_sources_html(report, locale))
        if key == "targets":
            body.append(_targets_html(report, locale))
        body.append(_figures(report, key, pair=key in ("scorecard", "targets"), locale=locale))
        body.append("</section>")
        parts.append("".join(body))

    mapping_rows = "".join(
        f"<tr><td>{_e(c)}</td><td>{_e(f)}</td><td>{_e(_field_label(f, locale))}</td></tr>"
        for c, f in report.mapping
    )
    assumptions = [
        f"<section id='assumptions'><h2>{_e(t('report.heading.assumptions', locale=locale))}</h2>",
        _lines(report.assumptions),
    ]
    if mapping_rows:
        heads = "".join(
            f"<th>{_e(t(f'report.column.{c}', locale=locale))}</th>"
            for c in ("mapped_column", "field", "meaning")
        )
        heading = _e(t("report.heading.mapping", locale=locale))
        assumptions.append(
            f"<h3>{heading}</h3><table><thead><tr>{heads}</tr></thead>"
            f"<tbody>{mapping_rows}</tbody></table>"
        )
    assumptions.append("</section>")
    parts.append("".join(assumptions))

    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{_e(locale)}"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="referrer" content="no-referrer">'
        f"<title>{_e(report.title)} · {_e(report.source)}</title>"
        f"<style>{_CSS}</style></head><body>\n" + "\n".join(parts) + "\n</body></html>\n"
    )


def _field_label(field_id: str, locale: str) -> str:
    f = FIELDS_BY_ID.get(field_id)
    return f.name(locale) if f is not None else ""


# -- Excel -------------------------------------------------------------------------------------

_RELATIVE = "+0.0%;-0.0%;0.0%"


def _money_format(currency: str, decimals: bool, *, locale: str = "en", own: str = "") -> str:
    """An Excel number format for money in ``currency``, as ``locale`` writes it.

    The reporting currency ``own`` gets the locale's symbol and its place (``#,##0 "kr."``
    in Danish, ``"kr" #,##0`` in Norwegian, ``"€"#,##0`` in English); where the locale
    only knows the ISO code, kroner show as ``kr.`` after the number (DKK) or the code.
    Another currency (a published figure's) says its ISO code. Excel shows the reader's
    own separators for ``#,##0.00``, so the pattern keeps ``,`` and ``.``.
    """
    digits = "#,##0.00" if decimals else "#,##0"
    code = currency.upper()
    if not re.fullmatch(r"[A-Z]{3}", code):
        return digits
    if code == (own or code).upper():
        loc = LOCALES.get(locale, "en_GB")
        symbol = get_currency_symbol(code, locale=loc)
        if symbol != code:
            pattern = Locale.parse(loc).currency_formats["standard"].pattern.split(";")[0]
            before, _, after = pattern.partition("¤")
            shown = f'"{_quote(symbol)}"'
            if re.search(r"[#0]", before):  # the symbol follows the number
                return f"{digits}{' ' if before[-1:].isspace() else ''}{shown}"
            return f"{shown}{' ' if after[:1].isspace() else ''}{digits}"
    if code == "DKK":
        return f'{digits} "kr."'
    return f'{digits} "{code}"'


def _quote(text: str) -> str:
    return text.replace('"', "")


def _number_format(
    col: _Col, row: Mapping[str, Any], *, locale: str = "en", currency: str = DEFAULT_CURRENCY
) -> str:
    """The Excel number format of one numeric cell."""
    if col.kind == "kpi":
        kpi_id = row.get("kpi_id")
        k = KPIS.get(kpi_id) if isinstance(kpi_id, str) else None
        unit = k.unit if k is not None else "count"
        if unit == "percent":
            return "0.0%"
        if unit == "currency":
            return _money_format(
                _currency_of(row, col, currency),
                decimals=bool(k and k.is_ratio),
                locale=locale,
                own=currency,
            )
        if unit == "multiple":
            return '0.00"×"'
        return "#,##0"
    if col.kind in ("change", "gap"):
        return _pp_format(locale) if _unit_of(row) == "percent" else _RELATIVE
    if col.kind == "share":
        return "0.0%"
    if col.kind == "small_share":
        return "0.00%"
    if col.kind == "r":
        return "0.00"
    return "#,##0"


def _pp_format(locale: str) -> str:
    """Percentage points as the locale abbreviates them: ``+0.0" pp"``, ``+0.0" pct.-point"``."""
    unit = _quote(t("common.pp", locale=locale, value="").strip())
    return f'+0.0" {unit}";-0.0" {unit}";0.0" {unit}"'


class _Sheet:
    """One worksheet: text always as a string (quote-prefixed when risky), numbers as numbers."""

    def __init__(self, book: _Book, name: str) -> None:
        self.book = book
        self.ws = book.wb.add_worksheet(sheet_name(name))
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
        locale, currency = self.book.locale, self.book.currency
        headers = [c.title(locale) for c in cols]
        widths = [max(min(len(h), 18), 6) for h in headers]
        for j, header in enumerate(headers):
            self.text(top, j, header, "header")
        for i, row in enumerate(frame.iter_rows(named=True), start=top + 1):
            for j, c in enumerate(cols):
                value = row.get(c.key)
                if c.kind in ("text", "short"):
                    used = self.text(i, j, value, "wrap" if c.kind == "text" else "")
                elif c.kind == "url":
                    used = self.link(i, j, value)
                else:
                    shown = _number_format(c, row, locale=locale, currency=currency)
                    used = self.number(i, j, value, shown)
                widths[j] = max(widths[j], used)
        for j, c in enumerate(cols):
            limit = c.width if c.width is not None else 60
            self.ws.set_column(j, j, min(widths[j] + 2, max(limit, 8)))
        self.ws.freeze_panes(top + 1, 0)
        self.row = top + frame.height + 2


class _Book:
    """An in-memory xlsxwriter workbook with its formats made once."""

    def __init__(self, locale: str = "en", currency: str = DEFAULT_CURRENCY) -> None:
        import xlsxwriter

        self.locale = locale
        self.currency = currency

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


def sheet_name(text: str) -> str:
    """``text`` as an Excel sheet name: none of ``[]:*?/\\``, at most 31 characters."""
    name = re.sub(r"[\[\]:*?/\\]", "-", text).strip("'").strip()
    return name[:31].strip() or "-"


def _png_size(png: bytes) -> tuple[int, int]:
    """Width and height in pixels from a PNG's header."""
    if png[:8] != b"\x89PNG\r\n\x1a\n" or len(png) < 24:
        return 0, 0
    width, height = struct.unpack(">II", png[16:24])
    return int(width), int(height)


def to_xlsx(report: Report, *, locale: str | None = None, currency: str | None = None) -> bytes:
    """The report as an Excel workbook: a sheet per section, real numbers, charts as images.

    Sheets (named in ``locale``): ``Report`` (title, period, filters, summary, what
    was left out), one per section present, ``Assumptions`` (with the column mapping)
    and ``Charts``. Numbers are written as numbers with formats (``0.0%`` for rates,
    ``#,##0`` for counts, money with the currency's symbol as the locale writes it,
    ``#,##0 "kr."`` for DKK in Danish, ``+0.0" pp"`` for changes of rates). Text is
    always written as a string; a text that starts with ``=``, ``+``, ``-``, ``@``,
    tab or carriage return gets Excel's quote prefix, so it shows as text and never
    runs.

    Parameters
    ----------
    locale, currency
        The language of sheet names, headings and number formats, and the reporting
        currency; default the report's own (``report.locale``, ``report.currency``).
    """
    locale = locale or report.locale
    currency = currency or report.currency
    book = _Book(locale, currency)
    groups = _chart_groups(report)
    titles = [title for title, _ in report.charts]

    front = _Sheet(book, t("report.sheet.report", locale=locale))
    front.line(report.title, "title")
    for key, value in _meta(report, locale):
        front.text(front.row, 0, key, "bold")
        front.text(front.row, 1, value)
        front.row += 1
    front.row += 1
    if report.summary:
        front.line(t("report.heading.summary", locale=locale), "bold")
        for s in report.summary:
            front.line(_plain(s))
        front.row += 1
    if report.notes:
        front.line(t("report.heading.notes", locale=locale), "bold")
        for section, message in report.notes:
            front.text(front.row, 0, section, "note")
            front.text(front.row, 1, message, "note")
            front.row += 1
    front.ws.set_column(0, 0, 22)
    front.ws.set_column(1, 1, 100)

    for key in report.sections():
        frame, cols = _columns(report, key, target="xlsx")
        sheet = _Sheet(book, t(f"report.sheet.{key}", locale=locale))
        sheet.line(section_title(key, locale=locale), "title")
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
            names = join_words([titles[i] for i in groups[key]], locale=locale)
            sheet.line(t("report.see_charts", locale=locale, charts=names), "note")

    sheet = _Sheet(book, t("report.sheet.assumptions", locale=locale))
    sheet.line(t("report.heading.assumptions", locale=locale), "title")
    for s in report.assumptions:
        sheet.line(s)
    sheet.row += 1
    if report.mapping:
        sheet.line(t("report.heading.mapping", locale=locale), "bold")
        mapping = pl.DataFrame(
            {
                "column": [c for c, _ in report.mapping],
                "field": [f for _, f in report.mapping],
                "meaning": [_field_label(f, locale) for _, f in report.mapping],
            },
            schema={"column": pl.String, "field": pl.String, "meaning": pl.String},
        )
        sheet.table(
            mapping,
            [_Col("column", "mapped_column", width=40), _Col("field", "field", width=16),
             _Col("meaning", "meaning", width=24)],
        )  # fmt: skip
    sheet.ws.set_column(0, 0, 40)
    sheet.ws.freeze_panes(0, 0)

    charts = _Sheet(book, t("report.sheet.charts", locale=locale))
    charts.line(t("report.heading.charts", locale=locale), "title")
    charts.row += 1
    for title, png in report.chart_pngs():
        charts.line(title, "bold")
        if png is None:
            charts.line(t("report.chart_not_drawn", locale=locale), "note")
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
        raise InputError.of("report.error.pdf", name=Path(path).name)
    if suffix not in FORMATS:
        raise InputError.of(
            "report.error.not_a_format",
            name=Path(path).name,
            xlsx=".xlsx",
            html=".html",
            zip=".zip",
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
        raise InputError.of("report.error.no_folder", folder=str(folder), name=path.name)
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
        reason = str(err.strerror or err)
        raise InputError.of("report.error.not_written", path=str(path), reason=reason) from None
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


def _change_value(value: Any, locale: str = "en", currency: str = DEFAULT_CURRENCY) -> str | None:
    """A change-log value in words: a target as "Revenue DKK56M in 2026", KPI ids as names."""
    if value is None:
        return None
    if isinstance(value, str):
        return KPIS[value].label(locale) if value in KPIS else value
    if isinstance(value, Mapping) and value.get("kpi") in KPIS and "period" in value:
        k = KPIS[value["kpi"]]
        amount = value.get("value")
        shown = (
            format_value(float(amount), k.unit, locale=locale, currency=currency, compact=True)
            if isinstance(amount, int | float) and not isinstance(amount, bool)
            else str(amount)
        )
        text = t(
            "report.change.target",
            locale=locale,
            kpi=k.label(locale),
            value=shown,
            period=_period_label(str(value["period"]), locale),
        )
        extras = [
            t(f"report.change.{key}", locale=locale, text=str(value[key]))
            for key in ("owner", "goal", "notes")
            if value.get(key)
        ]
        return text + (f" ({'; '.join(extras)})" if extras else "")
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return ", ".join(KPIS[v].label(locale) if v in KPIS else v for v in value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def changes_frame(
    log: Sequence[Mapping[str, Any]],
    *,
    names: Mapping[str, str] | None = None,
    locale: str = "en",
    currency: str = DEFAULT_CURRENCY,
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
    locale, currency
        The language of KPI names and targets, and the currency of their amounts.
        ``kind`` stays the id; :func:`build_report` puts it in words.
    """
    names = dict(names or {})
    rows = []
    for r in log:
        what = str(r.get("what") or "")
        record = r.get("after") if isinstance(r.get("after"), Mapping) else r.get("before")
        if what not in names and isinstance(record, Mapping) and record.get("kpi") in KPIS:
            period = record.get("period")
            label = KPIS[record["kpi"]].label(locale)
            names[what] = f"{label} {_period_label(str(period), locale) if period else ''}".strip()
        rows.append(
            {
                "at": str(r.get("at") or ""),
                "kind": str(r.get("kind") or ""),
                "what": names.get(what) or (KPIS[what].label(locale) if what in KPIS else what),
                "before": _change_value(r.get("before"), locale, currency),
                "after": _change_value(r.get("after"), locale, currency),
                "note": str(r.get("note") or ""),
            }
        )
    columns = ("at", "kind", "what", "before", "after", "note")
    return pl.DataFrame(rows, schema={c: pl.String for c in columns}, orient="row")


#: The kinds of change the store logs (``kpi_core.store``); their words: ``report.change_kind``.
CHANGE_KINDS: tuple[str, ...] = (
    "target added",
    "target changed",
    "target removed",
    "kpi selection changed",
    "role changed",
    "renamed",
)


def change_kind(kind: str, *, locale: str = "en", heading: bool = False) -> str:
    """A kind of change in words (``role changed`` -> ``leading/lagging tag changed``).

    ``heading=True`` starts it with a capital letter (``Target changed``), for a cell
    of its own; a kind the store does not log is returned as it is.
    """
    if kind not in CHANGE_KINDS:
        return kind
    words = t(f"report.change_kind.{_key(kind)}", locale=locale)
    return words[:1].upper() + words[1:] if heading else words


def _change_log(changes: pl.DataFrame, locale: str) -> pl.DataFrame:
    """The change log as text for the report: kinds in words, times as the locale writes them."""
    log = changes.select(pl.all().cast(pl.String))
    if "kind" in log.columns:
        kinds = [None if k is None else change_kind(k, locale=locale) for k in log["kind"]]
        log = log.with_columns(pl.Series("kind", kinds, pl.String))
    if "at" in log.columns:
        times = [None if a is None else _change_time(a, locale) for a in log["at"]]
        log = log.with_columns(pl.Series("at", times, pl.String))
    return log


def _change_time(iso: str, locale: str) -> str:
    try:
        when = dt.datetime.fromisoformat(iso)
    except ValueError:
        return iso
    return _moment(when, locale)
